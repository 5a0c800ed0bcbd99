//! Wire types, spelled exactly as the Selling Partner API models spell them
//! (Fulfillment Outbound `2020-07-01`, FBA Inventory `v1`).
//!
//! * Every platform enum is `#[non_exhaustive]` and keeps values it does not know in
//!   `Unknown(String)`; decoding ignores ASCII case (the models' own examples write
//!   `"PROCESSING"` for `Processing`) and serializing writes the model's spelling.
//! * An `Unknown` value is for *reading*: every request is checked before it is sent, and one
//!   carrying an `Unknown` value is refused with [`connector_core::Error::InvalidInput`]
//!   naming the field and the value (`check_known`).
//! * Money is [`AmazonMoney`]: `{currencyCode, value}` with `value` a JSON **string** holding an
//!   exact decimal, never a float.
//! * Timestamps are `chrono::DateTime<Utc>`, written in RFC 3339 extended format with `Z`.
//! * Response objects keep unknown fields in `extra`.

pub mod inventory;
pub mod outbound;

use std::collections::BTreeMap;

use connector_core::{Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Declares a platform string enum with an `Unknown(String)` fallback.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this SDK does not know yet (kept as sent).
            Unknown(String),
        }

        impl $name {
            /// The value as the platform spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(s) => s.as_str(),
                }
            }

            /// Every value the model documents.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// Whether the value is one the model documents (not [`Self::Unknown`]).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }

            /// Refuses an unknown value about to be **written**: [`Self::Unknown`] is for
            /// reading what Amazon sends; a request carrying one would be refused by Amazon
            /// (or worse, read as something else). The error names `field` and the value.
            pub fn check_known(&self, field: &str) -> Result<(), connector_core::Error> {
                match self {
                    Self::Unknown(v) => Err(connector_core::Error::invalid(
                        field,
                        format!("`{v}` is not one of {}", Self::KNOWN.join(", ")),
                    )),
                    _ => Ok(()),
                }
            }

            /// Parses a value (ASCII case ignored, `_` ignored); unknown values are kept.
            pub fn parse(value: &str) -> Self {
                let norm = |s: &str| s.replace('_', "").to_ascii_lowercase();
                let v = norm(value);
                $(if v == norm($wire) { return Self::$variant; })+
                Self::Unknown(value.to_string())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::parse(value)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}
pub(crate) use string_enum;

/// Reads `null` as the default value (Amazon sends `null` for some empty arrays).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Unknown fields of a response object, kept as sent.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// `Money`: an exact amount (`value`, a decimal **string** on the wire) and an ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AmazonMoney {
    /// ISO 4217 currency code.
    pub currency_code: String,
    /// The amount, exact; serialized as a string (`"18.99"`).
    #[serde(with = "decimal_string")]
    pub value: Decimal,
}

impl AmazonMoney {
    /// An amount in `currency_code`.
    pub fn new(value: Decimal, currency_code: impl Into<String>) -> Self {
        Self {
            currency_code: currency_code.into(),
            value,
        }
    }

    /// The shared [`Money`] (fails on a currency code that is not three letters).
    pub fn to_money(&self) -> Result<Money, connector_core::Error> {
        Ok(Money::new(self.value, Currency::new(&self.currency_code)?))
    }
}

impl From<Money> for AmazonMoney {
    fn from(m: Money) -> Self {
        Self::new(m.amount, m.currency.as_str())
    }
}

/// Serde helper: a `Decimal` written as a JSON string, read from a string (or, leniently, a
/// JSON number: some example payloads use numbers).
pub mod decimal_string {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `"12.50"`.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Reads `"12.50"` (or `12.5`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(serde_json::Number),
        }
        let text = match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::N(n) => n.to_string(),
        };
        Decimal::from_str_exact(text.trim())
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map_err(|e| serde::de::Error::custom(format!("not a decimal `{text}`: {e}")))
    }
}

/// A postal address (`Address` in the outbound model).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Address {
    /// Recipient name (required).
    pub name: String,
    /// First address line (required).
    pub address_line1: String,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Third line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// City: required everywhere except Japan, where it must not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District or county.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_or_county: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_region: Option<String>,
    /// Postal code (required).
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code (required).
    pub country_code: String,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Address {
    /// An address with the required fields and a city.
    pub fn new(
        name: impl Into<String>,
        address_line1: impl Into<String>,
        city: Option<String>,
        postal_code: impl Into<String>,
        country_code: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            address_line1: address_line1.into(),
            city,
            postal_code: postal_code.into(),
            country_code: country_code.into(),
            ..Self::default()
        }
    }
}

/// One entry of an `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiError {
    /// Error code (`InvalidInput`, `QuotaExceeded`, ...).
    pub code: String,
    /// Message (required in outbound, optional in inventory).
    #[serde(default)]
    pub message: Option<String>,
    /// More detail, often empty.
    #[serde(default)]
    pub details: Option<String>,
}

/// The `{payload?, errors?}` envelope of every response.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Envelope<T> {
    /// The result.
    #[serde(default = "Option::default")]
    pub payload: Option<T>,
    /// Errors (usually only on non-2xx answers).
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// Decodes one element of a list answer on its own, so that one element that cannot be read
/// does not lose the others: the error names `{list}[{index}]` and, when the element has it,
/// its `id_field` (e.g. the SKU), with an excerpt of the element.
pub(crate) fn decode_element<T: serde::de::DeserializeOwned>(
    list: &str,
    index: usize,
    id_field: &str,
    what: &str,
    raw: serde_json::Value,
) -> Result<T, connector_core::Error> {
    let id = raw
        .get(id_field)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let excerpt = connector_core::error::excerpt(raw.to_string().as_bytes());
    serde_json::from_value(raw).map_err(|e| connector_core::Error::Decode {
        path: format!("{list}[{index}]"),
        message: match id {
            Some(id) => format!("{what} `{id}` cannot be read: {e}"),
            None => format!("{what} cannot be read: {e}"),
        },
        excerpt,
    })
}
