//! Brazilian NF-e data: the 44-digit access key (chave de acesso) and its mod-11 check digit.

use std::fmt;

use chrono::NaiveDate;
use connector_core::Error;
use rust_decimal::Decimal;

/// A validated NF-e access key: 44 digits, the last being the mod-11 check digit of the first 43
/// (weights 2 to 9 from the right, cycling; remainder 0 or 1 gives digit 0).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessKey(String);

impl AccessKey {
    /// Parses a key; spaces (as printed on a DANFE) are ignored.
    pub fn parse(key: &str) -> Result<Self, Error> {
        Self::parse_field("access_key", key)
    }

    /// Like [`AccessKey::parse`], naming `field` in the error.
    pub fn parse_field(field: &str, key: &str) -> Result<Self, Error> {
        let digits: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 44 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(field, "must be 44 digits"));
        }
        let expected = check_digit(&digits[..43]);
        let given = digits.as_bytes()[43] - b'0';
        if expected != given {
            return Err(Error::invalid(
                field,
                format!("has check digit {given}, expected {expected} (mod 11)"),
            ));
        }
        Ok(Self(digits))
    }

    /// The 44 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The issuer's state code (cUF, first two digits).
    pub fn state_code(&self) -> &str {
        &self.0[..2]
    }

    /// The series encoded in the key (digits 23 to 25).
    pub fn series(&self) -> &str {
        &self.0[22..25]
    }

    /// The NF-e number encoded in the key (digits 26 to 34).
    pub fn number(&self) -> &str {
        &self.0[25..34]
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessKey({})", self.0)
    }
}

impl fmt::Display for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The mod-11 check digit of the first 43 digits of an access key.
pub fn check_digit(first_43: &str) -> u8 {
    let mut sum = 0u32;
    let mut weight = 2u32;
    for b in first_43.bytes().rev() {
        sum += u32::from(b.saturating_sub(b'0')) * weight;
        weight = if weight == 9 { 2 } else { weight + 1 };
    }
    match sum % 11 {
        0 | 1 => 0,
        r => (11 - r) as u8,
    }
}

/// Where the NF-e document is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NfeDocument {
    /// The authorised XML itself.
    Xml(String),
    /// A URL where the XML / DANFE can be fetched.
    Url(String),
}

/// An NF-e to attach to an order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Nfe {
    /// Number (up to 9 digits).
    pub number: String,
    /// Series (up to 3 digits).
    pub series: String,
    /// Access key.
    pub access_key: AccessKey,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Total value (BRL).
    pub value: Decimal,
    /// The document.
    pub document: NfeDocument,
}

impl Nfe {
    /// An NF-e; checks the number and series (digits, and the same as in the access key) and
    /// the value (positive, 2 decimals).
    pub fn new(
        number: impl Into<String>,
        series: impl Into<String>,
        access_key: AccessKey,
        issued_on: NaiveDate,
        value: Decimal,
        document: NfeDocument,
    ) -> Result<Self, Error> {
        let number = number.into();
        let series = series.into();
        digits("nfe.number", &number, 9)?;
        digits("nfe.series", &series, 3)?;
        if value <= Decimal::ZERO {
            return Err(Error::invalid("nfe.value", "must be positive"));
        }
        if value.normalize().scale() > 2 {
            return Err(Error::invalid(
                "nfe.value",
                "must have at most 2 decimal places",
            ));
        }
        match &document {
            NfeDocument::Xml(x) if x.trim().is_empty() => {
                return Err(Error::invalid("nfe.xml", "must not be empty"));
            }
            NfeDocument::Url(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
                return Err(Error::invalid("nfe.url", "must be an http(s) URL"));
            }
            _ => {}
        }
        // The key encodes the series (digits 23-25) and the number (26-34), zero-padded.
        for (field, given, in_key) in [
            ("nfe.series", &series, access_key.series()),
            ("nfe.number", &number, access_key.number()),
        ] {
            if given.trim_start_matches('0') != in_key.trim_start_matches('0') {
                return Err(Error::invalid(
                    field,
                    format!("`{given}` does not match `{in_key}` in the access key"),
                ));
            }
        }
        Ok(Self {
            number,
            series,
            access_key,
            issued_on,
            value,
            document,
        })
    }
}

fn digits(field: &str, v: &str, max: usize) -> Result<(), Error> {
    if v.is_empty() || v.len() > max || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(field, format!("must be 1 to {max} digits")));
    }
    Ok(())
}
