//! Stage I stocks and warehouses: the incremental endpoint (default), the replace-all
//! endpoint, removals.
//!
//! ONe asks to "use one endpoint from start to finish": pick the incremental push (any size,
//! split at 10,000 lines) or the replace-all call (one request), not both.

use connector_core::batch::BatchReport;
use connector_core::{Error, validate};
use futures::{Stream, StreamExt};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use std::sync::Arc;

use crate::bulk::{Checkpoint, Keyed};
use crate::client::OneClient;
use crate::model::{StockLine, Warehouse};
use crate::routes;

/// One stock operation as the engine carries it.
#[derive(Debug, Clone)]
pub(crate) struct StockOp {
    pub(crate) warehouse: Arc<str>,
    pub(crate) change: StockChange,
}

impl Keyed for StockOp {
    fn key(&self) -> String {
        match &self.change {
            StockChange::Set(l) => l.id.clone(),
            StockChange::Remove(id) => id.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum StockChange {
    Set(StockLine),
    Remove(String),
}

/// The incremental body, `{"stocks":[{"id":…,"quantity":…}],"stocksToRemove":[…]}`, written
/// directly: this is the hot path of million-line pushes. Quantities are written with their
/// exact decimal digits (trailing zeros dropped), ids as JSON strings.
pub(crate) fn incremental_body(ops: &[&StockOp]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ops.len() * 40 + 32);
    out.push(b'{');
    let mut first = true;
    for op in ops {
        if let StockChange::Set(l) = &op.change {
            out.extend_from_slice(if first {
                &b"\"stocks\":["[..]
            } else {
                &b","[..]
            });
            first = false;
            out.extend_from_slice(b"{\"id\":");
            write_json_str(&mut out, &l.id);
            out.extend_from_slice(b",\"quantity\":");
            write_decimal(&mut out, l.quantity);
            out.push(b'}');
        }
    }
    if !first {
        out.push(b']');
    }
    let mut first_removal = true;
    for op in ops {
        if let StockChange::Remove(id) = &op.change {
            if first_removal {
                out.extend_from_slice(if first {
                    &b"\"stocksToRemove\":["[..]
                } else {
                    &b",\"stocksToRemove\":["[..]
                });
                first_removal = false;
            } else {
                out.push(b',');
            }
            write_json_str(&mut out, id);
        }
    }
    if !first_removal {
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// Writes the exact digits of `d` (trailing fractional zeros dropped), never an exponent.
fn write_decimal(out: &mut Vec<u8>, d: Decimal) {
    let d = if d.scale() > 0 && d.mantissa() % 10 == 0 {
        d.normalize()
    } else {
        d
    };
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m < 0 {
        out.push(b'-');
    }
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    let mut v = m.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = &buf[i..];
    if scale == 0 {
        out.extend_from_slice(digits);
    } else if digits.len() > scale {
        let point = digits.len() - scale;
        out.extend_from_slice(&digits[..point]);
        out.push(b'.');
        out.extend_from_slice(&digits[point..]);
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (scale - digits.len()), b'0');
        out.extend_from_slice(digits);
    }
}

fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Escaping: let serde_json do it (writing to a Vec cannot fail).
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

#[derive(Serialize)]
struct ReplaceBody<'a> {
    stocks: &'a [StockLine],
}

/// Whether a decimal survives the trip through a JSON number unchanged: always with at most
/// 15 significant digits (an f64 keeps 15), else checked by a round trip.
pub(crate) fn is_exact_number(value: &Decimal) -> bool {
    value.mantissa().unsigned_abs() < 1_000_000_000_000_000
        || value
            .to_f64()
            .is_some_and(|f| f.to_string().parse::<Decimal>().ok() == Some(value.normalize()))
}

fn line_is_sendable(line: &StockLine) -> bool {
    !line.id.trim().is_empty()
        && (!line.quantity.is_sign_negative() || line.quantity.is_zero())
        && is_exact_number(&line.quantity)
}

/// [`is_exact_number`], as a validation naming `field`.
pub(crate) fn exact_number(field: &str, value: &Decimal) -> Result<(), Error> {
    let ok = is_exact_number(value);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value} cannot be sent as an exact JSON number"),
        ))
    }
}

pub(crate) fn check_line(field: &str, line: &StockLine) -> Result<(), Error> {
    validate::required(&format!("{field}.id"), &line.id)?;
    if line.quantity.is_sign_negative() && !line.quantity.is_zero() {
        return Err(Error::invalid(
            format!("{field}.quantity"),
            format!("must not be negative (got {})", line.quantity),
        ));
    }
    exact_number(&format!("{field}.quantity"), &line.quantity)
}

impl OneClient {
    /// Adds or updates stock lines of `warehouse` with the incremental endpoint, in requests of
    /// at most `max_lines` lines. Lines not sent are untouched on ONe. With a `checkpoint`, an
    /// interrupted run resumes where it stopped.
    pub async fn push_stock<S>(
        &self,
        warehouse: &str,
        lines: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = StockLine> + Send,
    {
        validate::required("warehouse", warehouse)?;
        let wh: Arc<str> = Arc::from(warehouse);
        self.push_stock_ops(
            lines.map(move |l| StockOp {
                warehouse: wh.clone(),
                change: StockChange::Set(l),
            }),
            checkpoint,
        )
        .await
    }

    /// Removes stock records (`stocksToRemove`) from `warehouse`, in requests of at most
    /// `max_lines` ids.
    pub async fn remove_stock<S>(
        &self,
        warehouse: &str,
        ids: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = String> + Send,
    {
        validate::required("warehouse", warehouse)?;
        let wh: Arc<str> = Arc::from(warehouse);
        self.push_stock_ops(
            ids.map(move |id| StockOp {
                warehouse: wh.clone(),
                change: StockChange::Remove(id),
            }),
            checkpoint,
        )
        .await
    }

    pub(crate) async fn push_stock_ops<S>(
        &self,
        ops: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = StockOp> + Send,
    {
        let prepare = |i: usize, op: StockOp| {
            // Field paths are built only for refused records.
            let checked = match &op.change {
                StockChange::Set(line)
                    if line_is_sendable(line) && !op.warehouse.trim().is_empty() =>
                {
                    Ok(())
                }
                StockChange::Set(line) => {
                    let field = format!("stocks[{i}]");
                    check_line(&field, line).and_then(|()| {
                        validate::required(&format!("{field}.warehouse"), &op.warehouse)
                    })
                }
                StockChange::Remove(id) if !id.trim().is_empty() => Ok(()),
                StockChange::Remove(id) => validate::required(&format!("stocks[{i}].id"), id),
            };
            match checked {
                Ok(()) => Ok(op),
                Err(e) => Err((op.key(), e)),
            }
        };
        let send = |chunk| async move {
            self.send_groups(
                &chunk,
                |op: &StockOp| &op.warehouse,
                |warehouse, ops| {
                    // Absolute quantities: sending the same lines twice is harmless.
                    let req = self
                        .request(&routes::STOCKS_INCREMENTAL, &[warehouse])
                        .idempotent();
                    Ok(req.json_bytes(incremental_body(ops)))
                },
            )
            .await
        };
        self.engine().run(checkpoint, ops, prepare, send).await
    }

    /// Replaces *all* stock of `warehouse` with `lines` (one request). Refused before sending
    /// when `lines` is longer than `max_lines`: use [`OneClient::push_stock`] for big sets.
    pub async fn replace_stock(&self, warehouse: &str, lines: &[StockLine]) -> Result<(), Error> {
        validate::required("warehouse", warehouse)?;
        if lines.len() > self.config.max_lines {
            return Err(Error::invalid(
                "stocks",
                format!(
                    "has {} lines; a replace-all request may carry at most {} (use the incremental push)",
                    lines.len(),
                    self.config.max_lines
                ),
            ));
        }
        for (i, l) in lines.iter().enumerate() {
            check_line(&format!("stocks[{i}]"), l)?;
        }
        let req = self.request(&routes::STOCKS_REPLACE, &[warehouse]);
        let req = Self::with_json(req, "stocks", &ReplaceBody { stocks: lines })?;
        self.call_empty(req).await.map(|_| ())
    }

    /// Creates a warehouse (sent once, on the initial import).
    pub async fn create_warehouse(&self, warehouse: &Warehouse) -> Result<(), Error> {
        validate::required("warehouse.id", &warehouse.id)?;
        if warehouse.reservation == Some(true) && warehouse.reservation_time.is_none() {
            return Err(Error::invalid(
                "warehouse.reservationTime",
                "is required when reservation is true",
            ));
        }
        if warehouse.kind == crate::model::WarehouseType::Local && warehouse.parent.is_none() {
            return Err(Error::invalid(
                "warehouse.parent",
                "is required for a LOCAL warehouse (its CENTRAL warehouse)",
            ));
        }
        let req = self
            .request(&routes::WAREHOUSE_POST, &[])
            .reconcile_hint(format!(
                "list warehouses and look for id `{}` before creating it again",
                warehouse.id
            ));
        let req = Self::with_json(req, "warehouse", warehouse)?;
        self.call_empty(req).await.map(|_| ())
    }

    /// Lists the tenant's warehouses.
    pub async fn warehouses(&self) -> Result<Vec<Warehouse>, Error> {
        self.call(self.request(&routes::WAREHOUSES_GET, &[])).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn set(id: &str, q: Decimal) -> StockOp {
        StockOp {
            warehouse: Arc::from("WH"),
            change: StockChange::Set(StockLine::new(id, q)),
        }
    }

    fn remove(id: &str) -> StockOp {
        StockOp {
            warehouse: Arc::from("WH"),
            change: StockChange::Remove(id.into()),
        }
    }

    #[test]
    fn incremental_body_is_valid_json_with_exact_digits() {
        let ops = [
            set("A", Decimal::new(1250, 2)),
            set("quote\"back\\slash\u{1}", Decimal::new(40, 1)),
            set("C", Decimal::new(123_456_789_012_345_678, 9)),
            remove("OLD"),
        ];
        let refs: Vec<&StockOp> = ops.iter().collect();
        let body = String::from_utf8(incremental_body(&refs)).unwrap();
        assert!(body.contains(r#""quantity":12.5}"#), "{body}");
        assert!(body.contains(r#""quantity":4}"#), "{body}");
        assert!(
            body.contains(r#""quantity":123456789.012345678}"#),
            "{body}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stocks"][1]["id"], "quote\"back\\slash\u{1}");
        assert_eq!(v["stocksToRemove"], serde_json::json!(["OLD"]));
        for (d, want) in [
            (Decimal::new(5, 3), "0.005"),
            (Decimal::new(-1205, 2), "-12.05"),
            (Decimal::new(-0, 2), "0"),
            (Decimal::new(1_000_000, 0), "1000000"),
            (Decimal::new(100, 2), "1"),
            (Decimal::MAX, "79228162514264337593543950335"),
        ] {
            let mut out = Vec::new();
            write_decimal(&mut out, d);
            assert_eq!(String::from_utf8(out).unwrap(), want);
            assert_eq!(
                d.to_string().parse::<Decimal>().unwrap(),
                want.parse::<Decimal>().unwrap()
            );
        }
        let only_removals = [remove("X"), remove("Y")];
        let refs: Vec<&StockOp> = only_removals.iter().collect();
        assert_eq!(
            String::from_utf8(incremental_body(&refs)).unwrap(),
            r#"{"stocksToRemove":["X","Y"]}"#
        );
    }
}
