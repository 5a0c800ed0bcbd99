//! Prices, pricings (price lists), product groups and tax rates (`/api/v1/pricing/...`).

use std::collections::BTreeMap;

use super::num::decimal_number;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire_enum;

/// A B2B catalog price: the net `price` of `productId` in the pricing `pricingId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CatalogPrice {
    /// Net price, a JSON number.
    #[serde(with = "decimal_number")]
    pub price: Decimal,
    /// The pricing (price list), e.g. the main catalog's id.
    pub pricing_id: String,
    /// The product (SKU).
    pub product_id: String,
}

impl CatalogPrice {
    /// A catalog price.
    pub fn new(
        pricing_id: impl Into<String>,
        product_id: impl Into<String>,
        price: Decimal,
    ) -> Self {
        Self {
            price,
            pricing_id: pricing_id.into(),
            product_id: product_id.into(),
        }
    }
}

/// A B2C retail price (net).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RetailPrice {
    /// Net price, a JSON number.
    #[serde(with = "decimal_number")]
    pub price: Decimal,
    /// The product (SKU).
    pub product_id: String,
}

impl RetailPrice {
    /// A retail price.
    pub fn new(product_id: impl Into<String>, price: Decimal) -> Self {
        Self {
            price,
            product_id: product_id.into(),
        }
    }
}

wire_enum! {
    /// How a pricing's discount is computed.
    DiscountType {
        /// Percentages multiplied.
        PercentMultiplicative = "PERCENT_MULTIPLICATIVE",
        /// Percentages added.
        PercentAdditive = "PERCENT_ADDITIVE",
        /// A fixed amount.
        FlatValue = "FLAT_VALUE",
    }
}

/// A pricing's default discount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DefaultDiscount {
    /// The kind of discount.
    #[serde(rename = "type")]
    pub kind: DiscountType,
    /// Its value, a JSON number.
    #[serde(with = "decimal_number")]
    pub value: Decimal,
}

impl DefaultDiscount {
    /// A discount.
    pub fn new(kind: DiscountType, value: Decimal) -> Self {
        Self { kind, value }
    }
}

/// When a pricing applies (`type: TIME_RANGE`, `start`, `end`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PricingCondition {
    /// Condition type (`TIME_RANGE`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Start (as ONe writes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A pricing (price list with a discount), `POST .../pricing/discount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pricing {
    /// ONe's id (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Priority among pricings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Whether it applies to every client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<bool>,
    /// The default discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_discount: Option<DefaultDiscount>,
    /// When it applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<PricingCondition>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Pricing {
    /// A named pricing.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: name.into(),
            priority: None,
            global: None,
            default_discount: None,
            conditions: Vec::new(),
            extra: BTreeMap::new(),
        }
    }
}

/// Assigns a pricing to a client or a client group (exactly one of the two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientPricing {
    /// The client (`org:`/`ind:` id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_group_id: Option<String>,
    /// The pricing.
    pub pricing_id: String,
}

impl ClientPricing {
    /// A pricing for a client.
    pub fn for_client(client_id: impl Into<String>, pricing_id: impl Into<String>) -> Self {
        Self {
            client_id: Some(client_id.into()),
            client_group_id: None,
            pricing_id: pricing_id.into(),
        }
    }

    /// A pricing for a client group.
    pub fn for_group(group_id: impl Into<String>, pricing_id: impl Into<String>) -> Self {
        Self {
            client_id: None,
            client_group_id: Some(group_id.into()),
            pricing_id: pricing_id.into(),
        }
    }
}

/// A product group (pricings can target it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductGroup {
    /// ONe's id (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ProductGroup {
    /// A named group.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: name.into(),
            extra: BTreeMap::new(),
        }
    }
}

/// A product's VAT rate in percent (ONe's default is 23).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaxRate {
    /// The product (SKU).
    pub product_id: String,
    /// VAT in percent, a JSON number.
    #[serde(with = "decimal_number")]
    pub tax_rate: Decimal,
}

impl TaxRate {
    /// A tax rate.
    pub fn new(product_id: impl Into<String>, tax_rate: Decimal) -> Self {
        Self {
            product_id: product_id.into(),
            tax_rate,
        }
    }
}
