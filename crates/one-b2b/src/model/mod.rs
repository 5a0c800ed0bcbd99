//! Wire types, spelled exactly as ONe spells them (camelCase JSON, `SCREAMING_CASE` enums).
//!
//! Every platform enum keeps values it does not know in an `Other(String)` variant, and the
//! types ONe sends back keep unknown fields in `extra`, so a new server field or status never
//! breaks decoding and is never dropped.

mod client;
mod document;
pub mod num;
mod order;
mod pricing;
mod stock;

pub use client::{
    AccountType, BlockadeType, Client, ClientAddress, ClientAdmin, ClientBlockade, ClientEvent,
    Segment, TradeCredit, TradeCreditEvent,
};
pub use document::{
    AddressData, ClientData, ClientType, DocumentProduct, GoodsIssuedNote, GoodsIssuedNoteEvent,
    Invoice, InvoiceStatus, InvoiceStatusUpdate, NamedRef, NoteLine, NotePrices, TotalPrices,
    UploadTicket,
};
pub use order::{
    AdditionalCost, AuthorizedPerson, LinePrice, OfflineOrder, OfflineOrderPrice, OrderEvent,
    OrderEventType, PaymentStatus, ProductLine, QuantityChange, SalesOrder, ShipmentStatus,
    Waybill,
};
pub use pricing::{
    CatalogPrice, ClientPricing, DefaultDiscount, DiscountType, Pricing, PricingCondition,
    ProductGroup, RetailPrice, TaxRate,
};
pub use stock::{StockLine, Warehouse, WarehouseAddress, WarehouseType};

use serde::{Deserialize, Serialize};

/// One page of an ONe event feed: the events after `startId` and the id to continue from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventPage<E> {
    /// Pass this as `startId` of the next call (after processing `events`).
    pub next_id: i64,
    /// The events, oldest first.
    #[serde(default = "Vec::new")]
    pub events: Vec<E>,
}

/// An optional UTC timestamp (`lastChange (UTC)`): RFC 3339, or a date-time without an offset
/// (as a Java `LocalDateTime` writes it), read as UTC. Written as RFC 3339.
pub(crate) mod option_utc {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
            .map(|t| Some(t.and_utc()))
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a UTC date-time: {e}")))
    }
}

/// Declares a string enum of the ONe wire with an `Other(String)` fallback.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this SDK does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as ONe writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(s) => s,
                }
            }
        }

        impl $name {
            /// Refuses a value outside the documented list (`Other`), naming `field`: for
            /// values sent to ONe. (Unused by the provisional lists, shipment and invoice
            /// statuses, which may be sent with values the docs do not list.)
            #[allow(dead_code)]
            pub(crate) fn check_known(&self, field: &str) -> Result<(), connector_core::Error> {
                match self {
                    Self::Other(v) => Err(connector_core::Error::invalid(
                        field,
                        format!(
                            "`{v}` is not one of {}",
                            [$($wire),+].join(", ")
                        ),
                    )),
                    _ => Ok(()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
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
                Ok(match s.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(s),
                })
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_enum_values_round_trip() {
        let s: ShipmentStatus = serde_json::from_str(r#""ON_THE_MOON""#).unwrap();
        assert_eq!(s, ShipmentStatus::Other("ON_THE_MOON".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""ON_THE_MOON""#);
        let p: PaymentStatus = serde_json::from_str(r#""TIMEOUT""#).unwrap();
        assert_eq!(p, PaymentStatus::Timeout);
    }
}
