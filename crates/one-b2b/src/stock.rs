//! Stage I stocks and warehouses: the incremental endpoint (default), the replace-all
//! endpoint, removals.
//!
//! ONe asks to "use one endpoint from start to finish": pick the incremental push (any size,
//! split at 10,000 lines) or the replace-all call (one request), not both.

use connector_core::batch::{BatchReport, Chunk};
use connector_core::{Error, validate};
use futures::{Stream, StreamExt};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use std::sync::Arc;

use crate::bulk::{Checkpoint, Keyed};
use crate::client::{OneClient, Outgoing};
use crate::model::{StockLine, Warehouse};
use crate::routes;

/// One stock operation of the multi-warehouse push (the shared [`StockSink`]).
///
/// [`StockSink`]: connector_core::StockSink
#[derive(Debug, Clone)]
pub(crate) struct StockOp {
    pub(crate) warehouse: Arc<str>,
    pub(crate) change: StockChange,
}

impl Keyed for StockOp {
    fn key(&self) -> String {
        self.change.key()
    }
}

/// One line of an incremental body: a level to set or a stock id to remove.
#[derive(Debug, Clone)]
pub(crate) enum StockChange {
    Set(StockLine),
    Remove(String),
}

impl StockChange {
    fn id(&self) -> &str {
        match self {
            StockChange::Set(l) => &l.id,
            StockChange::Remove(id) => id,
        }
    }

    /// Checks one change (input index `i`); field paths are built only for refused ones.
    fn check(&self, i: usize) -> Result<(), Error> {
        match self {
            StockChange::Set(line) if line_is_sendable(line) => Ok(()),
            StockChange::Set(line) => check_line(&format!("stocks[{i}]"), line),
            StockChange::Remove(id) if !is_blank(id) => Ok(()),
            StockChange::Remove(id) => validate::required(&format!("stocks[{i}].id"), id),
        }
    }
}

impl Keyed for StockChange {
    fn key(&self) -> String {
        self.id().to_string()
    }
}

/// The incremental body, `{"stocks":[{"id":…,"quantity":…}],"stocksToRemove":[…]}`, written
/// directly: this is the hot path of million-line pushes. Quantities are written with their
/// exact decimal digits (trailing zeros dropped), ids as JSON strings. One pass over the
/// lines, a second one only when there are removals.
pub(crate) fn incremental_body<'a, I>(changes: I) -> Vec<u8>
where
    I: Iterator<Item = &'a StockChange> + Clone,
{
    // The ids, plus the fixed text and a typical quantity per line: long quantities and
    // escaped ids are rare and grow the buffer.
    let (n, id_bytes) = changes
        .clone()
        .fold((0usize, 0usize), |(n, b), c| (n + 1, b + c.id().len()));
    let mut out = Vec::with_capacity(id_bytes + n * 32 + 32);
    out.push(b'{');
    let (mut lines, mut removals) = (0usize, 0usize);
    for change in changes.clone() {
        match change {
            StockChange::Set(l) => {
                out.extend_from_slice(if lines == 0 {
                    &b"\"stocks\":[{\"id\":"[..]
                } else {
                    &b",{\"id\":"[..]
                });
                lines += 1;
                write_json_str(&mut out, &l.id);
                out.extend_from_slice(b",\"quantity\":");
                write_decimal(&mut out, l.quantity);
                out.push(b'}');
            }
            StockChange::Remove(_) => removals += 1,
        }
    }
    if lines > 0 {
        out.push(b']');
    }
    if removals > 0 {
        out.extend_from_slice(if lines == 0 {
            &b"\"stocksToRemove\":["[..]
        } else {
            &b",\"stocksToRemove\":["[..]
        });
        let ids = changes.filter_map(|c| match c {
            StockChange::Remove(id) => Some(id),
            StockChange::Set(_) => None,
        });
        for (k, id) in ids.enumerate() {
            if k > 0 {
                out.push(b',');
            }
            write_json_str(&mut out, id);
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// Two-digit groups "00" to "99", for writing numbers two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes the exact digits of `d` (trailing fractional zeros dropped), never an exponent.
fn write_decimal(out: &mut Vec<u8>, d: Decimal) {
    let m = d.mantissa();
    let mut scale = d.scale() as usize;
    if m < 0 {
        out.push(b'-');
    }
    let mut buf = [b'0'; 40];
    let mut i = buf.len();
    // Nearly every quantity fits 64 bits, whose arithmetic is much cheaper than 128-bit.
    if let Ok(mut v) = u64::try_from(m.unsigned_abs()) {
        while scale > 0 && v.is_multiple_of(10) {
            v /= 10;
            scale -= 1;
        }
        while v >= 100 {
            let pair = (v % 100) as usize * 2;
            v /= 100;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        }
        if v >= 10 {
            let pair = v as usize * 2;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        } else {
            i -= 1;
            buf[i] = b'0' + v as u8;
        }
    } else {
        let mut v = m.unsigned_abs();
        while scale > 0 && v.is_multiple_of(10) {
            v /= 10;
            scale -= 1;
        }
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
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
    // Without short-circuit, so that the check is vectorized.
    let plain = s
        .bytes()
        .fold(true, |ok, b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'));
    if plain {
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

/// Whether `s` is empty or only whitespace, without scanning it when it starts with a visible
/// ASCII character (the usual id).
fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => s.trim().is_empty(),
    }
}

fn line_is_sendable(line: &StockLine) -> bool {
    !is_blank(&line.id)
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

/// What to do about ONe's "Warehouse X not found" (a whole stock request refused).
const MISSING_WAREHOUSE_FIX: &str = "create it first (OneClient::create_warehouse)";

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
        self.push_stock_changes(warehouse, lines.map(StockChange::Set), checkpoint)
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
        self.push_stock_changes(warehouse, ids.map(StockChange::Remove), checkpoint)
            .await
    }

    /// Incremental changes of one (checked) warehouse: one request per chunk, no grouping.
    async fn push_stock_changes<S>(
        &self,
        warehouse: &str,
        changes: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = StockChange> + Send,
    {
        let prepare = |i: usize, change: StockChange| match change.check(i) {
            Ok(()) => Ok(change),
            Err(e) => Err((change.key(), e)),
        };
        let build = |chunk: &Chunk<StockChange>| {
            // Absolute quantities: sending the same lines twice is harmless.
            let req = self
                .request(&routes::STOCKS_INCREMENTAL, &[warehouse])
                .idempotent();
            Ok(Outgoing::whole_in(
                req.json_bytes(incremental_body(chunk.records().iter())),
                warehouse,
            )
            .scoped("warehouse", MISSING_WAREHOUSE_FIX))
        };
        self.engine().run(checkpoint, changes, prepare, build).await
    }

    /// Stock operations on any warehouses (the shared [`StockSink`]): one request per
    /// warehouse and chunk.
    ///
    /// [`StockSink`]: connector_core::StockSink
    pub(crate) async fn push_stock_ops<S>(
        &self,
        ops: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = StockOp> + Send,
    {
        let prepare = |i: usize, op: StockOp| {
            let checked = op.change.check(i).and_then(|()| match &op.change {
                StockChange::Set(_) if op.warehouse.trim().is_empty() => {
                    validate::required(&format!("stocks[{i}].warehouse"), &op.warehouse)
                }
                _ => Ok(()),
            });
            match checked {
                Ok(()) => Ok(op),
                Err(e) => Err((op.key(), e)),
            }
        };
        let build = |chunk: &Chunk<StockOp>| {
            OneClient::build_groups(
                chunk,
                |op: &StockOp| &op.warehouse,
                |warehouse, ops| {
                    let req = self
                        .request(&routes::STOCKS_INCREMENTAL, &[warehouse])
                        .idempotent();
                    Ok(req.json_bytes(incremental_body(ops.iter().map(|op| &op.change))))
                },
            )
            .map(|out| out.scoped("warehouse", MISSING_WAREHOUSE_FIX))
        };
        self.engine().run(checkpoint, ops, prepare, build).await
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
        warehouse.kind.check_known("warehouse.type")?;
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
        let hint = format!(
            "list warehouses and look for id `{}` before creating it again",
            warehouse.id
        );
        let req = self.request(&routes::WAREHOUSE_POST, &[]);
        let req = Self::with_json(req, "warehouse", warehouse)?;
        self.call_once(req, hint).await.map(|_| ())
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
    fn blank_ids_and_bad_quantities_are_refused_before_sending() {
        for blank in ["", " ", "\t\n", "\u{a0}", "\u{3000} "] {
            assert!(is_blank(blank), "{blank:?}");
            let err = StockChange::Set(StockLine::new(blank, Decimal::ONE))
                .check(3)
                .unwrap_err();
            assert!(err.to_string().contains("stocks[3].id"), "{err}");
            assert!(StockChange::Remove(blank.into()).check(0).is_err());
        }
        for id in ["A", " A", "\u{a0}A", "é", "SKU-1 "] {
            assert!(!is_blank(id), "{id:?}");
            assert!(
                StockChange::Set(StockLine::new(id, Decimal::ONE))
                    .check(0)
                    .is_ok()
            );
        }
        let negative = StockChange::Set(StockLine::new("A", Decimal::new(-1, 0)));
        assert!(
            negative
                .check(7)
                .unwrap_err()
                .to_string()
                .contains("stocks[7].quantity")
        );
        let zero = StockChange::Set(StockLine::new("A", Decimal::new(-0, 2)));
        assert!(zero.check(0).is_ok());
    }

    #[test]
    fn incremental_body_is_valid_json_with_exact_digits() {
        let ops = [
            set("A", Decimal::new(1250, 2)),
            set("quote\"back\\slash\u{1}", Decimal::new(40, 1)),
            set("C", Decimal::new(123_456_789_012_345_678, 9)),
            remove("OLD"),
        ];
        let body = String::from_utf8(incremental_body(ops.iter().map(|o| &o.change))).unwrap();
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
            (Decimal::new(9, 0), "9"),
            (Decimal::new(10, 0), "10"),
            (Decimal::new(99, 0), "99"),
            (Decimal::new(100, 0), "100"),
            (Decimal::new(-7, 0), "-7"),
            (Decimal::new(0, 3), "0"),
            (Decimal::new(123_456_789, 4), "12345.6789"),
            (Decimal::new(1_234_567, 3), "1234.567"),
            (Decimal::new(i64::MAX, 0), "9223372036854775807"),
            (Decimal::from(u64::MAX), "18446744073709551615"),
            (
                Decimal::from_i128_with_scale(18_446_744_073_709_551_616, 2),
                "184467440737095516.16",
            ),
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
        assert_eq!(
            String::from_utf8(incremental_body(only_removals.iter().map(|o| &o.change))).unwrap(),
            r#"{"stocksToRemove":["X","Y"]}"#
        );
    }
}
