//! Fast, exact parsing of the catalog's numbers and trimming of its fields.
//!
//! Catalog prices and quantities are short decimals (`12.40`, `1,50`, `500`): the fast path
//! reads them straight into a [`Decimal`] mantissa and scale; anything longer or unusual falls
//! back to `Decimal::from_str`, so the result is always the same as the general parser's.

use std::str::FromStr;

use connector_core::Decimal;

/// Trims surrounding whitespace: ASCII first (the common case), Unicode when the field starts
/// or ends with a non-ASCII byte (a no-break space, say).
pub(crate) fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    let b = t.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if *f >= 0x80 || *l >= 0x80 => t.trim(),
        _ => t,
    }
}

/// Parses a decimal with `.` or a decimal comma (`12,40`, French exports). `None` when `t` is
/// not a number. The scale written is kept (`12.40` has scale 2).
pub(crate) fn parse_decimal(t: &str) -> Option<Decimal> {
    fast_decimal(t.as_bytes()).or_else(|| slow_decimal(t))
}

/// Up to 18 digits, an optional leading `-`, at most one `.` or `,` with digits on both sides.
fn fast_decimal(b: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let len = digits.len();
    if len == 0 || len > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut separator = None;
    for (i, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa * 10 + i64::from(d);
        } else if (c == b'.' || c == b',') && separator.is_none() {
            separator = Some(i);
        } else {
            return None;
        }
    }
    let scale = match separator {
        None if len <= 18 => 0,
        Some(i) if i > 0 && i + 1 < len => len - i - 1,
        _ => return None,
    };
    // `-0` keeps its sign in the general parser: leave it to that one.
    if negative && mantissa == 0 {
        return None;
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    Decimal::try_new(mantissa, u32::try_from(scale).ok()?).ok()
}

/// The general parser, with a decimal comma turned into a point when there is no point.
fn slow_decimal(t: &str) -> Option<Decimal> {
    if t.contains(',') && !t.contains('.') {
        Decimal::from_str(&t.replace(',', ".")).ok()
    } else {
        Decimal::from_str(t).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        for t in [
            "0",
            "7",
            "12.40",
            "0.35",
            "-3",
            "-0.5",
            "500",
            "1234567890.12345678",
            "00012.0",
            "999999999999999999",
            "-999999999999999999",
            "1.00000000000000001",
        ] {
            let fast = fast_decimal(t.as_bytes()).unwrap();
            let general = Decimal::from_str(t).unwrap();
            assert_eq!(fast, general, "{t}");
            assert_eq!(fast.scale(), general.scale(), "{t}");
            assert_eq!(fast.to_string(), general.to_string(), "{t}");
        }
    }

    #[test]
    fn decimal_comma_and_fallbacks() {
        assert_eq!(
            parse_decimal("-0.00").unwrap().to_string(),
            Decimal::from_str("-0.00").unwrap().to_string()
        );
        assert_eq!(parse_decimal("12,40").unwrap().to_string(), "12.40");
        assert_eq!(parse_decimal("+5").unwrap().to_string(), "5");
        assert_eq!(parse_decimal(".5").unwrap().to_string(), "0.5");
        assert_eq!(
            parse_decimal("12345678901234567890.5").unwrap().to_string(),
            "12345678901234567890.5"
        );
        assert_eq!(
            parse_decimal("1.000000000000000001").unwrap().to_string(),
            "1.000000000000000001"
        );
        assert_eq!(parse_decimal("1_000").unwrap().to_string(), "1000");
        for bad in [
            "", "-", "abc", "1.2.3", "1,2,3", "1,234.50", "12 40", "1e5x", "5.",
        ] {
            assert!(fast_decimal(bad.as_bytes()).is_none(), "{bad}");
        }
        for bad in ["", "-", "abc", "1.2.3", "1,234.50", "12 40"] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn trims_ascii_and_unicode_whitespace() {
        assert_eq!(trim("  a b \t"), "a b");
        assert_eq!(trim("\u{a0}x\u{a0}"), "x");
        assert_eq!(trim("é"), "é");
        assert_eq!(trim("   "), "");
    }
}
