//! The cadence ONe suggests for every flow, as data: feed [`SCHEDULE`] to your scheduler, or
//! ask a [`Cadence`] for its next run with [`Cadence::next_after`].
//!
//! | flow | direction | suggested cadence |
//! | --- | --- | --- |
//! | segments, trade credits, blockades | ERP → ONe | with the client |
//! | warehouses | ERP → ONe | once, on the initial import |
//! | stocks | ERP → ONe | every 2 minutes |
//! | clients (add) | ERP → ONe | every 10 minutes (13:10:00, 13:20:00) |
//! | clients (update) | ERP → ONe | every 10 minutes at 50 s (13:00:50, 13:10:50) |
//! | clients | ONe → ERP | every 2 minutes |
//! | B2C prices | ERP → ONe | every 10 minutes at minute 5 (8:35, 8:45) |
//! | B2B prices | ERP → ONe | daily at 00:15 |
//! | invoices, invoice PDFs, WZ, WZ PDFs | ERP → ONe | every 30 minutes, 08:00–20:00 |
//! | invoice statuses | ERP → ONe | every 30 minutes at minute 5, 08:00–20:00 |
//! | orders | ONe → ERP | every minute |
//! | order status | ERP → ONe | every 10 minutes at 40 s (10:00:40, 10:10:40) |
//! | offline orders | ERP → ONe | every minute |

use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Timelike, Utc};

/// A data flow between the ERP and ONe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Flow {
    /// Client segments.
    Segments,
    /// Warehouses.
    Warehouses,
    /// Stocks.
    Stocks,
    /// New clients.
    ClientsAdd,
    /// Changed clients.
    ClientsUpdate,
    /// Clients read from ONe.
    ClientsPull,
    /// Trade credits.
    TradeCredits,
    /// Client blockades.
    Blockades,
    /// B2C prices.
    RetailPrices,
    /// B2B prices.
    CatalogPrices,
    /// Invoice content.
    Invoices,
    /// Invoice PDFs.
    InvoicePdfs,
    /// Invoice statuses.
    InvoiceStatuses,
    /// Goods-issued notes (WZ).
    GoodsIssuedNotes,
    /// WZ PDFs.
    GoodsIssuedNotePdfs,
    /// Orders read from ONe.
    OrdersPull,
    /// Order fulfilment status.
    OrderStatus,
    /// Offline orders.
    OfflineOrders,
}

/// Which way the data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// ERP → ONe.
    ErpToOne,
    /// ONe → ERP.
    OneToErp,
}

/// When a flow runs (times are the tenant's local wall-clock time; pass `next_after` a time in
/// that zone expressed as UTC-naive if your scheduler works in local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cadence {
    /// Every `period`, at `offset` past each period boundary counted from midnight
    /// (every 10 minutes at 50 s: `period` 600 s, `offset` 50 s).
    Every {
        /// The period.
        period: Duration,
        /// Offset from each boundary.
        offset: Duration,
    },
    /// Like `Every`, only between `from_hour` (inclusive) and `to_hour` (inclusive, on the
    /// hour) each day.
    EveryBetween {
        /// The period.
        period: Duration,
        /// Offset from each boundary.
        offset: Duration,
        /// First hour.
        from_hour: u32,
        /// Last hour.
        to_hour: u32,
    },
    /// Once a day at this time.
    Daily {
        /// Time of day.
        at: NaiveTime,
    },
    /// Once, on the initial import.
    OnInitialImport,
    /// Sent together with the client (same run as the client flows).
    WithClient,
}

const fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

impl Cadence {
    /// The next run strictly after `t`, or `None` for cadences that are not time-based.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match *self {
            Self::Every { period, offset } => Some(next_every(t, period, offset, 0, 24)),
            Self::EveryBetween {
                period,
                offset,
                from_hour,
                to_hour,
            } => Some(next_every(t, period, offset, from_hour, to_hour)),
            Self::Daily { at } => {
                let today = t.date_naive().and_time(at);
                let today = Utc.from_utc_datetime(&today);
                if today > t {
                    Some(today)
                } else {
                    today.checked_add_days(Days::new(1))
                }
            }
            Self::OnInitialImport | Self::WithClient => None,
        }
    }
}

fn next_every(
    t: DateTime<Utc>,
    period: Duration,
    offset: Duration,
    from_hour: u32,
    to_hour: u32,
) -> DateTime<Utc> {
    let period = period.as_secs().max(1) as i64;
    let offset = offset.as_secs() as i64 % period;
    let midnight = Utc.from_utc_datetime(&t.date_naive().and_time(NaiveTime::MIN));
    let since = (t - midnight).num_seconds();
    // Smallest k with k*period + offset > since.
    let k = (since - offset).div_euclid(period) + 1;
    let mut candidate = midnight + chrono::Duration::seconds(k * period + offset);
    for _ in 0..3 {
        let h = candidate.hour();
        let within = h >= from_hour
            && (h < to_hour
                || (h == to_hour && candidate.minute() == 0 && candidate.second() == 0)
                || to_hour >= 24);
        if within {
            return candidate;
        }
        let day = if h < from_hour {
            candidate.date_naive()
        } else {
            candidate.date_naive() + Days::new(1)
        };
        let start = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
            + chrono::Duration::seconds(i64::from(from_hour) * 3600);
        // First slot at or after `from_hour`.
        let since = (start - Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))).num_seconds();
        let k = (since - offset - 1).div_euclid(period) + 1;
        candidate = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
            + chrono::Duration::seconds(k * period + offset);
    }
    candidate
}

/// One row of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowSchedule {
    /// The flow.
    pub flow: Flow,
    /// Its direction.
    pub direction: Direction,
    /// When it runs.
    pub cadence: Cadence,
    /// The seed's wording.
    pub note: &'static str,
}

const fn row(
    flow: Flow,
    direction: Direction,
    cadence: Cadence,
    note: &'static str,
) -> FlowSchedule {
    FlowSchedule {
        flow,
        direction,
        cadence,
        note,
    }
}

const OFFICE: (u32, u32) = (8, 20);

const QUARTER_PAST_MIDNIGHT: NaiveTime = match NaiveTime::from_hms_opt(0, 15, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The suggested cadence of every flow (ONe's integration guide, stages I–III).
pub const SCHEDULE: &[FlowSchedule] = &[
    row(
        Flow::Segments,
        Direction::ErpToOne,
        Cadence::WithClient,
        "sent to ONe with Client",
    ),
    row(
        Flow::Warehouses,
        Direction::ErpToOne,
        Cadence::OnInitialImport,
        "once on initial import",
    ),
    row(
        Flow::Stocks,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(2),
            offset: secs(0),
        },
        "every 2 minutes",
    ),
    row(
        Flow::ClientsAdd,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(10),
            offset: secs(0),
        },
        "adding Client - every 10 minutes (13:10:00, 13:20:00)",
    ),
    row(
        Flow::ClientsUpdate,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(10),
            offset: secs(50),
        },
        "update of Client - every 10 minutes, from 50 seconds (13:00:50, 13:10:50)",
    ),
    row(
        Flow::ClientsPull,
        Direction::OneToErp,
        Cadence::Every {
            period: mins(2),
            offset: secs(0),
        },
        "every 2 minutes (adding and update)",
    ),
    row(
        Flow::TradeCredits,
        Direction::ErpToOne,
        Cadence::WithClient,
        "sent to ONe with Client",
    ),
    row(
        Flow::Blockades,
        Direction::ErpToOne,
        Cadence::WithClient,
        "sent to ONe with Client",
    ),
    row(
        Flow::RetailPrices,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(10),
            offset: mins(5),
        },
        "every 10 minutes (8:35:00, 8:45:00)",
    ),
    row(
        Flow::CatalogPrices,
        Direction::ErpToOne,
        Cadence::Daily {
            at: QUARTER_PAST_MIDNIGHT,
        },
        "once a day, 15 minutes after midnight",
    ),
    row(
        Flow::Invoices,
        Direction::ErpToOne,
        Cadence::EveryBetween {
            period: mins(30),
            offset: secs(0),
            from_hour: OFFICE.0,
            to_hour: OFFICE.1,
        },
        "every 30 minutes, 8-20",
    ),
    row(
        Flow::InvoicePdfs,
        Direction::ErpToOne,
        Cadence::EveryBetween {
            period: mins(30),
            offset: secs(0),
            from_hour: OFFICE.0,
            to_hour: OFFICE.1,
        },
        "as invoices",
    ),
    row(
        Flow::InvoiceStatuses,
        Direction::ErpToOne,
        Cadence::EveryBetween {
            period: mins(30),
            offset: mins(5),
            from_hour: OFFICE.0,
            to_hour: OFFICE.1,
        },
        "every 30 minutes, in the 5th minute, 8-20 (8:35:00, 10:35:00)",
    ),
    row(
        Flow::GoodsIssuedNotes,
        Direction::ErpToOne,
        Cadence::EveryBetween {
            period: mins(30),
            offset: secs(0),
            from_hour: OFFICE.0,
            to_hour: OFFICE.1,
        },
        "every 30 minutes, 8-20",
    ),
    row(
        Flow::GoodsIssuedNotePdfs,
        Direction::ErpToOne,
        Cadence::EveryBetween {
            period: mins(30),
            offset: secs(0),
            from_hour: OFFICE.0,
            to_hour: OFFICE.1,
        },
        "as WZ",
    ),
    row(
        Flow::OrdersPull,
        Direction::OneToErp,
        Cadence::Every {
            period: mins(1),
            offset: secs(0),
        },
        "every one minute",
    ),
    row(
        Flow::OrderStatus,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(10),
            offset: secs(40),
        },
        "at forty seconds, every ten minutes (10:00:40, 10:10:40)",
    ),
    row(
        Flow::OfflineOrders,
        Direction::ErpToOne,
        Cadence::Every {
            period: mins(1),
            offset: secs(0),
        },
        "every one minute",
    ),
];

/// The row of `flow`.
pub fn schedule_of(flow: Flow) -> Option<&'static FlowSchedule> {
    SCHEDULE.iter().find(|r| r.flow == flow)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
    }

    #[test]
    fn every_flow_has_a_row() {
        assert_eq!(SCHEDULE.len(), 18);
        assert!(schedule_of(Flow::OrdersPull).is_some());
    }

    #[test]
    fn next_runs_follow_the_seed_examples() {
        let c = |f| schedule_of(f).unwrap().cadence;
        assert_eq!(
            c(Flow::ClientsUpdate).next_after(at(13, 0, 0)),
            Some(at(13, 0, 50))
        );
        assert_eq!(
            c(Flow::ClientsUpdate).next_after(at(13, 0, 50)),
            Some(at(13, 10, 50))
        );
        assert_eq!(
            c(Flow::ClientsAdd).next_after(at(13, 4, 0)),
            Some(at(13, 10, 0))
        );
        assert_eq!(
            c(Flow::OrderStatus).next_after(at(10, 0, 41)),
            Some(at(10, 10, 40))
        );
        assert_eq!(
            c(Flow::RetailPrices).next_after(at(8, 30, 0)),
            Some(at(8, 35, 0))
        );
        assert_eq!(
            c(Flow::InvoiceStatuses).next_after(at(10, 10, 0)),
            Some(at(10, 35, 0))
        );
        assert_eq!(
            c(Flow::Stocks).next_after(at(9, 59, 59)),
            Some(at(10, 0, 0))
        );
        // Office hours: after 20:00 the next invoice run is 08:00 the next day.
        let next = c(Flow::Invoices).next_after(at(20, 0, 0)).unwrap();
        assert_eq!(next, at(8, 0, 0) + chrono::Duration::days(1));
        assert_eq!(c(Flow::Invoices).next_after(at(6, 0, 0)), Some(at(8, 0, 0)));
        assert_eq!(
            c(Flow::InvoiceStatuses).next_after(at(19, 40, 0)),
            Some(at(8, 5, 0) + chrono::Duration::days(1))
        );
        // Daily 00:15.
        assert_eq!(
            c(Flow::CatalogPrices).next_after(at(0, 10, 0)),
            Some(at(0, 15, 0))
        );
        assert_eq!(
            c(Flow::CatalogPrices).next_after(at(0, 15, 0)),
            Some(at(0, 15, 0) + chrono::Duration::days(1))
        );
        assert_eq!(c(Flow::Warehouses).next_after(at(1, 0, 0)), None);
    }
}
