//! Fast, exact parsing of the catalog's numbers and trimming of its fields.
//!
//! Catalog prices and quantities are short decimals (`12.40`, `1,50`, `500`), read straight
//! into a [`Decimal`] mantissa and scale by one strict parser: a value that could mean two
//! things, or that only a lenient parser would take (`1e3`, `1_000`), is refused.

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

/// How the catalog's numbers use `.` and `,` ([`CatalogOptions::number_format`],
/// [`FileOptions::number_format`]).
///
/// [`CatalogOptions::number_format`]: super::CatalogOptions::number_format
/// [`FileOptions::number_format`]: super::files::FileOptions::number_format
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumberFormat {
    /// The default: one `.` or `,` is the decimal separator (`12.40`, `12,40`), and there are
    /// no thousands separators. A value that could be read two ways is refused (a row error)
    /// rather than guessed: one separator followed by exactly three digits after a non-zero
    /// integer part of one to three digits (`1.234`, `1,500`: 1.234 or 1234?), several
    /// separators (`1.234.567`), or both `.` and `,` (`1.234,50`, `1,234.50`).
    #[default]
    Auto,
    /// `.` is the decimal separator and `,` groups thousands (in groups of three):
    /// `1,234.50` is 1234.50, `1,234` is 1234, `1.234` is 1.234; `12,40` is refused.
    DecimalPoint,
    /// `,` is the decimal separator and `.` groups thousands (in groups of three; French and
    /// German exports): `1.234,50` is 1234.50, `1.234` is 1234, `1,234` is 1.234.
    DecimalComma,
}

/// Why a value is not a number the import accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Not a number at all (`abc`, `1e3`, `1_000`, `12 40`, `5.`).
    Invalid,
    /// Could be read two ways under [`NumberFormat::Auto`].
    Ambiguous,
    /// More digits than an exact decimal holds (28 significant digits, 28 decimals).
    OutOfRange,
}

impl NumberError {
    /// The reason of a row error about value `t`.
    pub(crate) fn reason(self, t: &str) -> String {
        match self {
            Self::Invalid => format!("`{t}` is not a number"),
            Self::Ambiguous => format!(
                "`{t}` is ambiguous (`.` and `,` can be a decimal or a thousands separator): \
                 set the number format (NumberFormat::DecimalPoint or DecimalComma)"
            ),
            Self::OutOfRange => {
                format!("`{t}` is out of range (at most 28 significant digits and 28 decimals)")
            }
        }
    }
}

/// Whether `int` (digits and `sep`s) is grouped by thousands: 1 to 3 digits, then groups of
/// exactly three, at least one separator.
fn grouped(int: &[u8], sep: u8) -> bool {
    let mut groups = int.split(|&b| b == sep);
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.iter().all(u8::is_ascii_digit));
    let mut n = 0;
    first_ok
        && groups.all(|g| {
            n += 1;
            g.len() == 3 && g.iter().all(u8::is_ascii_digit)
        })
        && n > 0
}

/// Parses a decimal as `format` says (see [`NumberFormat`]): an optional sign, digits, at most
/// one decimal separator with digits after it. Exponents, underscores, spaces and anything
/// else are refused. The scale written is kept (`12.40` has scale 2); `-0` is zero.
#[inline]
pub(crate) fn parse_number(t: &str, format: NumberFormat) -> Result<Decimal, NumberError> {
    fast_number(t.as_bytes(), format).unwrap_or_else(|| general_number(t, format))
}

/// The common case in one pass: an optional `-`, up to 18 digits, at most one `.` or `,`
/// with digits on both sides. `None` leaves anything else to [`general_number`] (same
/// results: a test compares them).
#[inline]
fn fast_number(b: &[u8], format: NumberFormat) -> Option<Result<Decimal, NumberError>> {
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
            separator = Some((i, c));
        } else {
            return None;
        }
    }
    let scale = match separator {
        None if len <= 18 => 0,
        Some((i, c)) if i > 0 && i + 1 < len => {
            let frac = len - i - 1;
            match format {
                NumberFormat::Auto if frac == 3 && i <= 3 && !(i == 1 && digits[0] == b'0') => {
                    return Some(Err(NumberError::Ambiguous));
                }
                NumberFormat::DecimalPoint if c != b'.' => return None,
                NumberFormat::DecimalComma if c != b',' => return None,
                _ => {}
            }
            frac
        }
        _ => return None,
    };
    if negative && mantissa == 0 {
        return None;
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(
        Decimal::try_new(mantissa, u32::try_from(scale).ok()?).map_err(|_| NumberError::OutOfRange),
    )
}

/// Every form [`NumberFormat`] allows (grouping, `+`, long numbers).
fn general_number(t: &str, format: NumberFormat) -> Result<Decimal, NumberError> {
    let b = t.as_bytes();
    let (negative, body) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let (decimal, group) = match format {
        NumberFormat::DecimalPoint => (b'.', Some(b',')),
        NumberFormat::DecimalComma => (b',', Some(b'.')),
        NumberFormat::Auto => {
            let (mut points, mut commas, mut at) = (0usize, 0usize, 0usize);
            for (i, &c) in body.iter().enumerate() {
                if c == b'.' {
                    points += 1;
                    at = i;
                } else if c == b',' {
                    commas += 1;
                    at = i;
                } else if !c.is_ascii_digit() {
                    return Err(NumberError::Invalid);
                }
            }
            match (points, commas) {
                (0, 0) => (b'.', None),
                (1, 0) | (0, 1) => {
                    let (int, frac) = (&body[..at], &body[at + 1..]);
                    if frac.len() == 3 && (1..=3).contains(&int.len()) && int != b"0" {
                        return Err(NumberError::Ambiguous);
                    }
                    (body[at], None)
                }
                _ => {
                    // Several separators: a grouped number in some convention, or nothing.
                    let looks_grouped = [b'.', b','].iter().any(|&g| {
                        let d = if g == b'.' { b',' } else { b'.' };
                        let int = body.split(|&c| c == d).next().unwrap_or_default();
                        body.iter().filter(|&&c| c == d).count() <= 1 && grouped(int, g)
                    });
                    return Err(if looks_grouped {
                        NumberError::Ambiguous
                    } else {
                        NumberError::Invalid
                    });
                }
            }
        }
    };
    let (int, frac) = match body.iter().position(|&c| c == decimal) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let grouped_int = group.is_some_and(|g| int.contains(&g));
    if grouped_int && !group.is_some_and(|g| grouped(int, g)) {
        return Err(NumberError::Invalid);
    }
    let frac = frac.unwrap_or_default();
    let digits = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit() || group == Some(*c));
    if !digits(int) || !frac.iter().all(u8::is_ascii_digit) {
        return Err(NumberError::Invalid);
    }
    // Digits on both sides of a separator, or at least before (`.5` is accepted, `5.` not).
    let has_separator = body.len() > int.len();
    if (int.is_empty() && frac.is_empty()) || (has_separator && frac.is_empty()) {
        return Err(NumberError::Invalid);
    }
    let mut mantissa: u128 = 0;
    let mut significant = 0usize;
    for &c in int.iter().chain(frac) {
        if c.is_ascii_digit() {
            let d = c - b'0';
            if significant > 0 || d != 0 {
                significant += 1;
            }
            if significant > 28 {
                return Err(NumberError::OutOfRange);
            }
            mantissa = mantissa * 10 + u128::from(d);
        }
    }
    let scale = u32::try_from(frac.len()).map_err(|_| NumberError::OutOfRange)?;
    if scale > 28 {
        return Err(NumberError::OutOfRange);
    }
    let mantissa = i128::try_from(mantissa).map_err(|_| NumberError::OutOfRange)?;
    let mut d =
        Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| NumberError::OutOfRange)?;
    if negative && !d.is_zero() {
        d.set_sign_negative(true);
    }
    Ok(d)
}

/// Parses a whole number (`u32`): digits only, an optional `+`. `-3` and `1,500` are refused.
#[inline]
pub(crate) fn parse_whole(t: &str) -> Result<u32, String> {
    let b = t.as_bytes();
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if !digits.is_empty() && digits.len() <= 9 {
        let mut v = 0u32;
        let mut ok = true;
        for &c in digits {
            let d = c.wrapping_sub(b'0');
            ok &= d < 10;
            v = v.wrapping_mul(10).wrapping_add(u32::from(d));
        }
        if ok {
            return Ok(v);
        }
    }
    whole_slow(t)
}

/// [`parse_whole`] for everything but up to 9 plain digits (and the messages).
fn whole_slow(t: &str) -> Result<u32, String> {
    let digits = t.strip_prefix('+').unwrap_or(t);
    if let Some(rest) = digits.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("`{t}` is negative"));
    }
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{t}` is not a whole number"));
    }
    digits
        .parse::<u32>()
        .map_err(|_| format!("`{t}` is out of range (at most {})", u32::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    fn auto(t: &str) -> Result<Decimal, NumberError> {
        parse_number(t, NumberFormat::Auto)
    }

    #[test]
    fn plain_numbers_agree_with_the_general_parser() {
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
            "12345678901234567890.5",
            "-0.00",
            "0.125",
            "1234.567",
        ] {
            let ours = auto(t).unwrap();
            let general = Decimal::from_str(t).unwrap();
            assert_eq!(ours, general, "{t}");
            assert_eq!(ours.to_string(), general.to_string(), "{t}");
        }
        assert_eq!(auto("12,40").unwrap().to_string(), "12.40");
        assert_eq!(auto("+5").unwrap().to_string(), "5");
        assert_eq!(auto(".5").unwrap().to_string(), "0.5");
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_one() {
        let inputs = [
            "0",
            "7",
            "12.40",
            "12,40",
            "0.35",
            "-3",
            "-0.5",
            "500",
            "00012.0",
            "1.234",
            "1,234",
            "0.350",
            "00.350",
            "1234.567",
            "999999999999999999",
            "-999999999999999999",
            "1.00000000000000001",
            "12.5",
            "-12,5",
            "1,5",
            "123,4567",
        ];
        for format in [
            NumberFormat::Auto,
            NumberFormat::DecimalPoint,
            NumberFormat::DecimalComma,
        ] {
            for t in inputs {
                if let Some(fast) = fast_number(t.as_bytes(), format) {
                    let general = general_number(t, format);
                    assert_eq!(
                        fast.map(|d| d.to_string()),
                        general.map(|d| d.to_string()),
                        "{t} {format:?}"
                    );
                }
            }
        }
        assert!(fast_number(b"12.40", NumberFormat::Auto).is_some());
    }

    #[test]
    fn lenient_forms_are_refused() {
        for bad in [
            "", "-", "abc", "1e3", "1E3", "1_000", "12 40", "5.", "1.2.3", "0x10", "1,2,3", "--1",
            "\u{664}",
        ] {
            assert_eq!(auto(bad), Err(NumberError::Invalid), "{bad}");
        }
    }

    #[test]
    fn ambiguous_values_are_refused_unless_the_format_says() {
        for t in [
            "1.234",
            "1,234",
            "1,500",
            "12.500",
            "1.234,50",
            "1,234.50",
            "1.234.567",
        ] {
            assert_eq!(auto(t), Err(NumberError::Ambiguous), "{t}");
        }
        // Three decimals after a zero, or after four digits, cannot be thousands.
        assert_eq!(auto("0.350").unwrap().to_string(), "0.350");
        assert_eq!(auto("1234,567").unwrap().to_string(), "1234.567");
        let point = |t| parse_number(t, NumberFormat::DecimalPoint).map(|d| d.to_string());
        let comma = |t| parse_number(t, NumberFormat::DecimalComma).map(|d| d.to_string());
        assert_eq!(point("1,234.50"), Ok("1234.50".into()));
        assert_eq!(point("1,234"), Ok("1234".into()));
        assert_eq!(point("1.234"), Ok("1.234".into()));
        assert_eq!(point("12,40"), Err(NumberError::Invalid));
        assert_eq!(point("1,23.5"), Err(NumberError::Invalid));
        assert_eq!(comma("1.234,50"), Ok("1234.50".into()));
        assert_eq!(comma("1.234"), Ok("1234".into()));
        assert_eq!(comma("1,234"), Ok("1.234".into()));
        assert_eq!(comma("1.234.567,5"), Ok("1234567.5".into()));
        assert_eq!(comma("1,234.50"), Err(NumberError::Invalid));
    }

    #[test]
    fn too_many_digits_are_out_of_range_not_invalid() {
        assert_eq!(
            auto("123456789012345678901234567890"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(
            auto("0.00000000000000000000000000001"),
            Err(NumberError::OutOfRange)
        );
        assert!(auto("1234567890123456789012345678").is_ok());
        assert!(NumberError::OutOfRange.reason("9").contains("out of range"));
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("12"), Ok(12));
        assert_eq!(parse_whole("+3"), Ok(3));
        assert_eq!(parse_whole("-3").unwrap_err(), "`-3` is negative");
        assert_eq!(
            parse_whole("1,500").unwrap_err(),
            "`1,500` is not a whole number"
        );
        assert!(
            parse_whole("99999999999")
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn trims_ascii_and_unicode_whitespace() {
        assert_eq!(trim("  a b \t"), "a b");
        assert_eq!(trim("\u{a0}x\u{a0}"), "x");
        assert_eq!(trim("é"), "é");
        assert_eq!(trim("   "), "");
    }
}
