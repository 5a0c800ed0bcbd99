//! `POST /purchase-order`: the payload exactly as the integration guide (seed 001) spells it,
//! and the 201 answer (one sub-order per supplier, Mirakl OR01-like).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::common::{CustomerBlock, WireOfferId};
use super::status::MiraklOrderState;
use connector_core::serde_helpers::{ddmmyyyy, option_decimal_number};

/// The purchase-order body. Serialized with the guide's names (`offers`,
/// `delivery_instructions`, `delivery_date_selected`); decoding also accepts the API
/// reference's (`items`, `delivery_instruction`, `shipping_date_selected`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PurchaseOrderRequest {
    /// Who buys.
    pub customer: CustomerBlock,
    /// Shipping zone.
    pub shipping_zone_code: String,
    /// Per-supplier delivery data; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shops: Vec<OrderShop>,
    /// The lines.
    #[serde(alias = "items")]
    pub offers: Vec<OrderOffer>,
}

impl PurchaseOrderRequest {
    /// An order without shop data.
    pub fn new(
        customer: CustomerBlock,
        shipping_zone_code: impl Into<String>,
        offers: Vec<OrderOffer>,
    ) -> Self {
        Self {
            customer,
            shipping_zone_code: shipping_zone_code.into(),
            shops: Vec::new(),
            offers,
        }
    }

    /// Adds per-supplier data.
    pub fn with_shop(mut self, shop: OrderShop) -> Self {
        self.shops.push(shop);
        self
    }
}

/// Per-supplier delivery data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderShop {
    /// Supplier id.
    pub shop_id: WireOfferId,
    /// Delivery note.
    #[serde(
        default,
        alias = "delivery_instruction",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_instructions: Option<String>,
    /// Delivery-round date, sent as `DD/MM/YYYY` (decoded from `DD/MM/YYYY` or `YYYY-MM-DD`).
    #[serde(
        default,
        alias = "shipping_date_selected",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_date",
        deserialize_with = "de_date"
    )]
    pub delivery_date_selected: Option<NaiveDate>,
    /// Whether this supplier delivers by delivery rounds (from the delivery-calendars file);
    /// the date is then required. Not sent.
    #[serde(skip)]
    pub delivery_rounds: bool,
}

impl OrderShop {
    /// Shop data for `shop_id`.
    pub fn new(shop_id: impl Into<String>) -> Self {
        Self {
            shop_id: WireOfferId(shop_id.into()),
            delivery_instructions: None,
            delivery_date_selected: None,
            delivery_rounds: false,
        }
    }

    /// Marks the supplier as delivering by delivery rounds (a date becomes required).
    pub fn with_delivery_rounds(mut self) -> Self {
        self.delivery_rounds = true;
        self
    }

    /// Sets the delivery note.
    pub fn with_instructions(mut self, text: impl Into<String>) -> Self {
        self.delivery_instructions = Some(text.into());
        self
    }

    /// Sets the delivery-round date.
    pub fn with_delivery_date(mut self, date: NaiveDate) -> Self {
        self.delivery_date_selected = Some(date);
        self
    }
}

fn ser_date<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => ddmmyyyy::serialize(d, s),
        None => s.serialize_none(),
    }
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.contains('/') {
        return ddmmyyyy::parse(&text)
            .map(Some)
            .map_err(serde::de::Error::custom);
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not DD/MM/YYYY or YYYY-MM-DD")))
}

/// One purchase-order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderOffer {
    /// The offer.
    pub offer_id: WireOfferId,
    /// Units.
    pub quantity: u32,
    /// A note for this product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// The supplier of the offer, as known locally (catalog or validate-cart). Not sent; used
    /// to check that every offer belongs to a shop of `shops[]` when shop data is given.
    #[serde(skip)]
    pub shop_id: Option<String>,
}

impl OrderOffer {
    /// A line.
    pub fn new(offer_id: impl Into<String>, quantity: u32) -> Self {
        Self {
            offer_id: WireOfferId(offer_id.into()),
            quantity,
            instruction: None,
            shop_id: None,
        }
    }

    /// Records the supplier of the offer (not sent).
    pub fn from_shop(mut self, shop_id: impl Into<String>) -> Self {
        self.shop_id = Some(shop_id.into());
        self
    }

    /// Sets the product note.
    pub fn with_instruction(mut self, text: impl Into<String>) -> Self {
        self.instruction = Some(text.into());
        self
    }
}

/// The 201 answer: the sub-orders created (one per supplier).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct PurchaseOrderResponse {
    /// The sub-orders.
    #[serde(default)]
    pub orders: Vec<SubOrder>,
    /// Offers that were not ordered.
    #[serde(default)]
    pub offers_not_shippable: Vec<OfferNotShippable>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One supplier's logistical order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SubOrder {
    /// The order id generated by Accor (use it with status); read from a string or a number.
    #[serde(deserialize_with = "super::common::id_text")]
    pub order_id: String,
    /// The commercial order grouping the sub-orders.
    #[serde(default, deserialize_with = "super::common::option_id_text")]
    pub commercial_id: Option<String>,
    /// Supplier id.
    #[serde(default)]
    pub shop_id: Option<WireOfferId>,
    /// Supplier name.
    #[serde(default)]
    pub shop_name: Option<String>,
    /// State right after creation.
    #[serde(default)]
    pub order_state: Option<MiraklOrderState>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Total price.
    #[serde(default, with = "option_decimal_number")]
    pub total_price: Option<Decimal>,
    /// Shipping price.
    #[serde(default, with = "option_decimal_number")]
    pub shipping_price: Option<Decimal>,
    /// The lines, verbatim.
    #[serde(default)]
    pub order_lines: Vec<serde_json::Value>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An offer the platform refused to order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OfferNotShippable {
    /// The offer.
    pub offer_id: WireOfferId,
    /// Why (`SHIPPING_TYPE_NOT_FOUND`, `OFFER_NOT_FOUND`...).
    #[serde(default)]
    pub error_code: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_the_reference_spelling_too() {
        let json = r#"{"customer":{"mega_code":"92320.HB1624","email":"t@x.fr","firstname":"T","lastname":"P","delivery_address_id":"A","billing_address_id":"A","user_store":"fr_fr"},
            "shipping_zone_code":"FR-FR",
            "shops":[{"shop_id":"1","delivery_instruction":"back door","shipping_date_selected":"2024-09-30"}],
            "items":[{"offer_id":35308,"quantity":2}]}"#;
        let po: PurchaseOrderRequest = serde_json::from_str(json).unwrap();
        assert_eq!(po.offers[0].offer_id.as_str(), "35308");
        assert_eq!(
            po.shops[0].delivery_instructions.as_deref(),
            Some("back door")
        );
        assert_eq!(
            po.shops[0].delivery_date_selected,
            NaiveDate::from_ymd_opt(2024, 9, 30)
        );
        let out = serde_json::to_value(&po).unwrap();
        assert_eq!(out["shops"][0]["delivery_date_selected"], "30/09/2024");
        assert_eq!(out["shops"][0]["delivery_instructions"], "back door");
        assert_eq!(out["offers"][0]["offer_id"], 35308);
        assert!(out.get("items").is_none());
    }
}
