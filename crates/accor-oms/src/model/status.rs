//! The status of a supplier's logistical order, decoded leniently into Mirakl states.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use super::common::WireOfferId;

macro_rules! lenient_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value this SDK does not know yet, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Reads a wire value; unknown values are kept.
            pub fn parse(value: &str) -> Self {
                match value {
                    $($s => Self::$v,)*
                    other => Self::Unknown(other.to_string()),
                }
            }

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$v => $s,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(Self::parse(&String::deserialize(d)?))
            }
        }
    };
}

lenient_enum! {
    /// Mirakl order states (OR11 `order_state`).
    MiraklOrderState {
        /// Initial state.
        Staging = "STAGING",
        /// Waiting for the supplier to accept or refuse.
        WaitingAcceptance = "WAITING_ACCEPTANCE",
        /// Accepted by the supplier.
        WaitingDebit = "WAITING_DEBIT",
        /// Debit requested.
        WaitingDebitPayment = "WAITING_DEBIT_PAYMENT",
        /// Paid, waiting for the supplier to ship.
        Shipping = "SHIPPING",
        /// Sent by the supplier.
        Shipped = "SHIPPED",
        /// Available for pick-up.
        ToCollect = "TO_COLLECT",
        /// Received by the customer.
        Received = "RECEIVED",
        /// Closed.
        Closed = "CLOSED",
        /// Refused by the supplier.
        Refused = "REFUSED",
        /// Cancelled.
        Canceled = "CANCELED",
    }
}

lenient_enum! {
    /// Mirakl order line states: the order states plus the line-only ones.
    LineState {
        /// Initial state.
        Staging = "STAGING",
        /// Waiting for acceptance.
        WaitingAcceptance = "WAITING_ACCEPTANCE",
        /// Accepted.
        WaitingDebit = "WAITING_DEBIT",
        /// Debit requested.
        WaitingDebitPayment = "WAITING_DEBIT_PAYMENT",
        /// Waiting to ship.
        Shipping = "SHIPPING",
        /// Shipped.
        Shipped = "SHIPPED",
        /// Available for pick-up.
        ToCollect = "TO_COLLECT",
        /// Received.
        Received = "RECEIVED",
        /// Closed.
        Closed = "CLOSED",
        /// Refused.
        Refused = "REFUSED",
        /// Cancelled.
        Canceled = "CANCELED",
        /// An incident is open on the line.
        IncidentOpen = "INCIDENT_OPEN",
        /// Refunded.
        Refunded = "REFUNDED",
    }
}

/// The status answer (OR11-like; every field but the id and state optional).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OrderStatusResponse {
    /// The logistical order id (read from a string or a number).
    #[serde(deserialize_with = "super::common::id_text")]
    pub order_id: String,
    /// The order state.
    pub order_state: MiraklOrderState,
    /// Supplier id.
    #[serde(default)]
    pub shop_id: Option<WireOfferId>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Carrier.
    #[serde(default)]
    pub shipping_company: Option<String>,
    /// Tracking number.
    #[serde(default)]
    pub shipping_tracking: Option<String>,
    /// Tracking URL.
    #[serde(default)]
    pub shipping_tracking_url: Option<String>,
    /// Created (ISO date-time, verbatim).
    #[serde(default)]
    pub created_date: Option<String>,
    /// Last update (ISO date-time, verbatim).
    #[serde(default)]
    pub last_updated_date: Option<String>,
    /// The lines.
    #[serde(default)]
    pub order_lines: Vec<StatusLine>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One line of a status answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct StatusLine {
    /// Line id (read from a string or a number).
    #[serde(default, deserialize_with = "super::common::option_id_text")]
    pub order_line_id: Option<String>,
    /// The offer.
    #[serde(default)]
    pub offer_id: Option<WireOfferId>,
    /// Units.
    #[serde(default)]
    pub quantity: Option<u32>,
    /// Line state.
    #[serde(default)]
    pub order_line_state: Option<LineState>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_states_are_kept() {
        let s: OrderStatusResponse = serde_json::from_str(
            r#"{"order_id":"X-A","order_state":"WAITING_SCORING","order_lines":[{"order_line_state":"INCIDENT_OPEN"}],"new_field":1}"#,
        )
        .unwrap();
        assert_eq!(
            s.order_state,
            MiraklOrderState::Unknown("WAITING_SCORING".into())
        );
        assert_eq!(s.order_state.as_str(), "WAITING_SCORING");
        assert_eq!(
            s.order_lines[0].order_line_state,
            Some(LineState::IncidentOpen)
        );
        assert_eq!(s.extra["new_field"], 1);
    }
}
