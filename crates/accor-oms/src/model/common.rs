//! Types shared by the calls: the `customer` block and offer ids.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An Accor offer id. The docs show both `"1"` and `35308`; Mirakl's SH02 says int64. It is
/// sent as a JSON number when it is all digits, as a string otherwise, and read from either.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireOfferId(pub String);

impl WireOfferId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WireOfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for WireOfferId {
    fn from(v: &str) -> Self {
        Self(v.to_string())
    }
}

impl Serialize for WireOfferId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let digits = !self.0.is_empty() && self.0.bytes().all(|b| b.is_ascii_digit());
        match self.0.parse::<u64>() {
            Ok(n) if digits && !self.0.starts_with('0') => s.serialize_u64(n),
            _ => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for WireOfferId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::N(n) => Self(n.to_string()),
            Raw::S(s) => Self(s),
        })
    }
}

/// Reads an id Accor generates (order, commercial order, order line) from a JSON string or
/// integer: the docs do not give its type (Mirakl uses strings).
pub(crate) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    WireOfferId::deserialize(d).map(|id| id.0)
}

/// [`id_text`] for an optional id (absent or `null` → `None`).
pub(crate) fn option_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<WireOfferId>::deserialize(d)?.map(|id| id.0))
}

/// The `customer` block of validate-cart and purchase-order (all fields as Accor spells them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerBlock {
    /// The company (organisation) id; prices depend on it.
    pub mega_code: String,
    /// The person's profession.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profession: Option<String>,
    /// E-mail: the user's key within one country.
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Delivery address id (from the addresses file).
    pub delivery_address_id: String,
    /// Billing address id.
    pub billing_address_id: String,
    /// `country_language`, e.g. `be_fr`.
    pub user_store: String,
}

impl CustomerBlock {
    /// A customer block with every required field.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mega_code: impl Into<String>,
        email: impl Into<String>,
        firstname: impl Into<String>,
        lastname: impl Into<String>,
        delivery_address_id: impl Into<String>,
        billing_address_id: impl Into<String>,
        user_store: impl Into<String>,
    ) -> Self {
        Self {
            mega_code: mega_code.into(),
            profession: None,
            email: email.into(),
            firstname: firstname.into(),
            lastname: lastname.into(),
            delivery_address_id: delivery_address_id.into(),
            billing_address_id: billing_address_id.into(),
            user_store: user_store.into(),
        }
    }

    /// Sets the profession.
    pub fn with_profession(mut self, profession: impl Into<String>) -> Self {
        self.profession = Some(profession.into());
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn offer_ids_accept_numbers_and_strings() {
        let a: WireOfferId = serde_json::from_str("35308").unwrap();
        let b: WireOfferId = serde_json::from_str("\"1\"").unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("35308", "1"));
        assert_eq!(serde_json::to_string(&a).unwrap(), "35308");
        assert_eq!(
            serde_json::to_string(&WireOfferId::from("OF-7")).unwrap(),
            "\"OF-7\""
        );
        assert_eq!(
            serde_json::to_string(&WireOfferId::from("007")).unwrap(),
            "\"007\""
        );
    }
}
