//! Decimals as ONe's JSON numbers: whole values as integers (`4`, not `4.0`), others as the
//! shortest float that reads back as the same decimal. Values that would lose digits are
//! refused (the client validates them before sending, naming the field).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserializer, Serializer};

/// A `Decimal` as a JSON number.
pub mod decimal_number {
    use super::*;

    /// Writes the decimal as a JSON integer or float; errors if digits would be lost.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        if value.fract().is_zero()
            && let Some(i) = value.to_i64()
        {
            return s.serialize_i64(i);
        }
        match value.to_f64() {
            // Up to 15 significant digits an f64 holds the value exactly enough for its
            // shortest form to read back as the same decimal.
            Some(f) if value.mantissa().unsigned_abs() < 1_000_000_000_000_000 => {
                s.serialize_f64(f)
            }
            Some(f) if f.to_string().parse::<Decimal>().ok() == Some(value.normalize()) => {
                s.serialize_f64(f)
            }
            _ => Err(serde::ser::Error::custom(format!(
                "{value} cannot be written as an exact JSON number"
            ))),
        }
    }

    /// Reads a JSON number or a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        connector_core::serde_helpers::decimal_number::deserialize(d)
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
        connector_core::serde_helpers::option_decimal_number::deserialize(d)
    }
}
