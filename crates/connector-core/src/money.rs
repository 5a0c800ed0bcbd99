//! Money: a decimal amount with an ISO 4217 currency. Never a float.
//!
//! On the wire (serde) the amount is a decimal *string* (`"12.50"`), so no precision is lost
//! through `f64`. Platform crates that need a JSON number use [`crate::serde_helpers`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// An ISO 4217 alphabetic currency code (three upper-case ASCII letters), e.g. `EUR`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Brazilian real.
    pub const BRL: Currency = Currency(*b"BRL");
    /// Polish złoty.
    pub const PLN: Currency = Currency(*b"PLN");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");

    /// Parses a code; lower case is accepted and normalised (`eur` → `EUR`).
    pub fn new(code: &str) -> Result<Self, Error> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::invalid(
                "currency",
                "must be a three-letter ISO 4217 code",
            ));
        }
        Ok(Self([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // The bytes are always ASCII letters (checked in `new`).
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::new(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

/// An amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact. Serialized as a decimal string.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The ISO 4217 currency.
    pub currency: Currency,
}

impl Money {
    /// Creates an amount.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Parses a decimal string (`.` as the separator) in `currency`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, Error> {
        let amount = Decimal::from_str_exact(amount.trim()).map_err(|_| {
            Error::invalid("amount", "must be a decimal number with `.` as separator")
        })?;
        Ok(Self { amount, currency })
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Adds two amounts of the same currency; a currency mismatch is an error.
    pub fn checked_add(self, other: Money) -> Result<Money, Error> {
        if self.currency != other.currency {
            return Err(Error::invalid(
                "currency",
                format!("cannot add {} to {}", other.currency, self.currency),
            ));
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| Error::invalid("amount", "overflows"))?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// Multiplies by a quantity (e.g. unit price × units).
    pub fn times(self, quantity: Decimal) -> Result<Money, Error> {
        let amount = self
            .amount
            .checked_mul(quantity)
            .ok_or_else(|| Error::invalid("amount", "overflows"))?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// Rounds to `dp` decimal places (banker's rounding, as accounting systems do).
    pub fn round_dp(self, dp: u32) -> Money {
        Money {
            amount: self.amount.round_dp(dp),
            currency: self.currency,
        }
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Sums amounts that must all share one currency; `None` for an empty list.
pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Option<Money>, Error> {
    let mut total: Option<Money> = None;
    for m in items {
        total = Some(match total {
            None => m,
            Some(t) => t.checked_add(m)?,
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_serde_round_trip_keeps_every_digit() {
        let m = Money::new(dec!(1234567890.123456789), Currency::EUR);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"amount":"1234567890.123456789","currency":"EUR"}"#
        );
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn money_refuses_float_looking_garbage_and_bad_currency() {
        assert!(Money::parse("12,50", Currency::BRL).is_err());
        assert_eq!(
            Money::parse("12.50", Currency::BRL).unwrap().amount,
            dec!(12.50)
        );
        assert!(Currency::new("EURO").is_err());
        assert!(Currency::new("E1R").is_err());
        assert_eq!(Currency::new("pln").unwrap(), Currency::PLN);
        assert!(serde_json::from_str::<Currency>("\"US\"").is_err());
    }

    #[test]
    fn arithmetic_checks_currency() {
        let a = Money::new(dec!(1.10), Currency::EUR);
        let b = Money::new(dec!(2.20), Currency::EUR);
        assert_eq!(a.checked_add(b).unwrap().amount, dec!(3.30));
        assert!(a.checked_add(Money::new(dec!(1), Currency::USD)).is_err());
        assert_eq!(a.times(dec!(3)).unwrap().amount, dec!(3.30));
        assert_eq!(sum([a, b, a]).unwrap().unwrap().amount, dec!(4.40));
        assert_eq!(sum(Vec::<Money>::new()).unwrap(), None);
        assert_eq!(
            Money::new(dec!(2.345), Currency::EUR).round_dp(2).amount,
            dec!(2.34)
        );
    }
}
