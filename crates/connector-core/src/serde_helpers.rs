//! Serde helpers for the platforms' own wire formats.
//!
//! * [`ddmmyyyy`] / [`option_ddmmyyyy`]: dates as `DD/MM/YYYY` (Accor `delivery_date_selected`).
//! * [`decimal_number`] / [`option_decimal_number`]: a decimal as a JSON *number* (`12.5`) for
//!   platforms that refuse strings, exact for up to 15 significant digits, and refusing to
//!   serialize a value that would not survive the trip. Decoding accepts a number or a string.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serializer, de};

/// `NaiveDate` as `DD/MM/YYYY`.
pub mod ddmmyyyy {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// The format string.
    pub const FORMAT: &str = "%d/%m/%Y";

    /// Serializes as `DD/MM/YYYY`.
    pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&date.format(FORMAT))
    }

    /// Parses `DD/MM/YYYY`, refusing impossible dates (31/02/2024).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(de::Error::custom)
    }

    /// Parses `DD/MM/YYYY` strictly (two-digit day and month, four-digit year).
    pub fn parse(s: &str) -> Result<NaiveDate, String> {
        let b = s.as_bytes();
        if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
            return Err(format!("`{s}` is not a date in DD/MM/YYYY format"));
        }
        NaiveDate::parse_from_str(s, FORMAT)
            .map_err(|_| format!("`{s}` is not a real calendar date (DD/MM/YYYY)"))
    }
}

/// `Option<NaiveDate>` as `DD/MM/YYYY` or null.
pub mod option_ddmmyyyy {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Serializes as `DD/MM/YYYY` or null.
    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => super::ddmmyyyy::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Parses `DD/MM/YYYY`, null or an empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => super::ddmmyyyy::parse(&s)
                .map(Some)
                .map_err(de::Error::custom),
        }
    }
}

fn decimal_to_f64_exact(value: &Decimal) -> Result<f64, String> {
    let text = value.normalize().to_string();
    let f = f64::from_str(&text).map_err(|e| e.to_string())?;
    // Rust prints the shortest representation that reads back as the same f64.
    let back = Decimal::from_str(&format!("{f}")).map_err(|e| e.to_string())?;
    if back == *value {
        Ok(f)
    } else {
        Err(format!(
            "{value} cannot be written as a JSON number without losing digits"
        ))
    }
}

struct DecimalVisitor;

impl de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal number or a decimal string")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        Decimal::from_str(&format!("{v}")).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str_exact(v.trim())
            .or_else(|_| Decimal::from_scientific(v.trim()))
            .map_err(E::custom)
    }
}

/// A `Decimal` as a JSON number.
pub mod decimal_number {
    use super::*;

    /// Writes the decimal as a JSON number; errors if digits would be lost.
    /// Whole numbers are written without a fraction (`3`, not `3.0`).
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if let (true, Ok(i)) = (value.fract().is_zero(), i64::try_from(value.trunc())) {
            return s.serialize_i64(i);
        }
        let f = decimal_to_f64_exact(value).map_err(serde::ser::Error::custom)?;
        s.serialize_f64(f)
    }

    /// Reads a JSON number or a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// An `Option<Decimal>` as a JSON number or null.
pub mod option_decimal_number {
    use super::*;

    /// Writes the decimal as a JSON number, or null.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::decimal_number::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads a JSON number, a decimal string, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::decimal_number")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Shop {
        #[serde(with = "super::ddmmyyyy")]
        date: NaiveDate,
        #[serde(with = "super::option_ddmmyyyy", default)]
        maybe: Option<NaiveDate>,
        #[serde(with = "super::decimal_number")]
        price: Decimal,
    }

    #[test]
    fn ddmmyyyy_round_trip_and_rejects_impossible_dates() {
        let json = r#"{"date":"30/09/2024","maybe":null,"price":12.5}"#;
        let shop: Shop = serde_json::from_str(json).unwrap();
        assert_eq!(shop.date, NaiveDate::from_ymd_opt(2024, 9, 30).unwrap());
        assert_eq!(shop.price, dec!(12.5));
        assert_eq!(serde_json::to_string(&shop).unwrap(), json);
        assert!(serde_json::from_str::<Shop>(r#"{"date":"31/02/2024","price":1}"#).is_err());
        assert!(serde_json::from_str::<Shop>(r#"{"date":"2024-09-30","price":1}"#).is_err());
        assert!(serde_json::from_str::<Shop>(r#"{"date":"1/9/2024","price":1}"#).is_err());
    }

    #[test]
    fn decimal_number_is_exact_and_refuses_lossy_values() {
        let shop: Shop = serde_json::from_str(r#"{"date":"01/01/2024","price":"19.99"}"#).unwrap();
        assert_eq!(shop.price, dec!(19.99));
        let shop: Shop = serde_json::from_str(r#"{"date":"01/01/2024","price":0.1}"#).unwrap();
        assert_eq!(shop.price, dec!(0.1));
        let lossy = Shop {
            date: shop.date,
            maybe: None,
            price: dec!(1234567890.123456789),
        };
        assert!(serde_json::to_string(&lossy).is_err());
        let fine = Shop {
            date: shop.date,
            maybe: None,
            price: dec!(1999.90),
        };
        assert!(
            serde_json::to_string(&fine)
                .unwrap()
                .contains("\"price\":1999.9")
        );
    }
}
