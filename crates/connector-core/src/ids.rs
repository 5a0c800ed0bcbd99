//! Identifier newtypes, so a SKU is never passed where an order id is expected.
//!
//! Every id is a non-empty string with no surrounding whitespace; the inner value is private.
//! Platform-specific rules (Amazon's 40-character order ids, ONe's `org:`/`ind:` client ids)
//! are checked by the platform crates and by helpers such as [`ClientRef`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Creates the id, refusing an empty value or surrounding whitespace.
            pub fn new(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                if value.is_empty() {
                    return Err(Error::invalid($what, "must not be empty"));
                }
                if value.trim() != value {
                    return Err(Error::invalid($what, "must not start or end with whitespace"));
                }
                Ok(Self(value))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(value: String) -> Result<Self, Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(value: &str) -> Result<Self, Error> {
                Self::new(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(value: &str) -> Result<Self, Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_newtype!(
    /// A stock-keeping unit: the seller's product code (Amazon SellerSKU, ONe `productId`/sku,
    /// TOTVS product code).
    Sku,
    "sku"
);
id_newtype!(
    /// An offer on a marketplace (Accor/Mirakl `offer_id`): one seller's terms for one product.
    OfferId,
    "offer_id"
);
id_newtype!(
    /// A platform-side product id, when it differs from the SKU (Mirakl product, ASIN...).
    ProductId,
    "product_id"
);
id_newtype!(
    /// An order id as the platform knows it (Accor sub-order id, ONe `orderId`, TOTVS order).
    OrderId,
    "order_id"
);
id_newtype!(
    /// The ERP's own order reference sent to the platform (Amazon `sellerFulfillmentOrderId`,
    /// at most 40 characters there).
    ExternalOrderId,
    "external_order_id"
);
id_newtype!(
    /// A customer or client id (ONe `clientId`, Accor user e-mail scope, TOTVS customer).
    CustomerId,
    "customer_id"
);
id_newtype!(
    /// An organisation id (Accor `mega_code`, ONe organisation, tax id based ids).
    OrganizationId,
    "organization_id"
);
id_newtype!(
    /// An address id as the platform knows it (Accor `delivery_address_id`/`billing_address_id`).
    AddressId,
    "address_id"
);
id_newtype!(
    /// A stock location: ONe warehouse id, TOTVS store external id, Amazon fulfillment network.
    LocationId,
    "location_id"
);
id_newtype!(
    /// A supplier or shop on a marketplace (Accor/Mirakl `shop_id`).
    ShopId,
    "shop_id"
);
id_newtype!(
    /// A shipment (ONe shipment id, Amazon `fulfillmentShipmentId`).
    ShipmentId,
    "shipment_id"
);
id_newtype!(
    /// A price list (ONe `pricingId`).
    PriceListId,
    "price_list_id"
);

/// Whether an ONe-style client reference designates an organisation or an individual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClientKind {
    /// A company (`org:` prefix on ONe).
    Organization,
    /// A private person (`ind:` prefix on ONe).
    Individual,
}

/// A client id that carries its kind, written `org:<id>` or `ind:<id>` (ONe's convention).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientRef {
    kind: ClientKind,
    id: String,
}

impl ClientRef {
    /// An organisation client, written `org:<id>`.
    pub fn organization(id: impl Into<String>) -> Result<Self, Error> {
        Self::build(ClientKind::Organization, id.into())
    }

    /// An individual client, written `ind:<id>`.
    pub fn individual(id: impl Into<String>) -> Result<Self, Error> {
        Self::build(ClientKind::Individual, id.into())
    }

    fn build(kind: ClientKind, id: String) -> Result<Self, Error> {
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(Error::invalid(
                "client_id",
                "must be non-empty and contain no whitespace",
            ));
        }
        Ok(Self { kind, id })
    }

    /// Parses `org:<id>` or `ind:<id>`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.split_once(':') {
            Some(("org", id)) => Self::organization(id),
            Some(("ind", id)) => Self::individual(id),
            _ => Err(Error::invalid(
                "client_id",
                "must start with `org:` or `ind:`",
            )),
        }
    }

    /// The kind of client.
    pub fn kind(&self) -> ClientKind {
        self.kind
    }

    /// The id without its prefix.
    pub fn bare_id(&self) -> &str {
        &self.id
    }

    /// The id as a [`CustomerId`] with its prefix.
    pub fn to_customer_id(&self) -> CustomerId {
        CustomerId(self.to_string())
    }
}

impl fmt::Display for ClientRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            ClientKind::Organization => "org",
            ClientKind::Individual => "ind",
        };
        write!(f, "{prefix}:{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_empty_and_padded_values() {
        assert!(Sku::new("").is_err());
        assert!(Sku::new(" A").is_err());
        let sku = Sku::new("SKU 1/#+").unwrap();
        assert_eq!(sku.as_str(), "SKU 1/#+");
        assert_eq!(format!("{sku:?}"), "Sku(\"SKU 1/#+\")");
    }

    #[test]
    fn ids_serde_as_plain_strings_and_validate_on_decode() {
        let id: OrderId = serde_json::from_str("\"OF/22/8/2022\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"OF/22/8/2022\"");
        assert!(serde_json::from_str::<OrderId>("\"\"").is_err());
    }

    #[test]
    fn client_refs_round_trip() {
        let c = ClientRef::parse("org:1234").unwrap();
        assert_eq!(c.kind(), ClientKind::Organization);
        assert_eq!(c.bare_id(), "1234");
        assert_eq!(c.to_string(), "org:1234");
        assert_eq!(
            ClientRef::individual("jan")
                .unwrap()
                .to_customer_id()
                .as_str(),
            "ind:jan"
        );
        assert!(ClientRef::parse("1234").is_err());
        assert!(ClientRef::parse("org:").is_err());
    }
}
