//! `POST /validate-cart`: the request and a Mirakl SH02-shaped response.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::common::{CustomerBlock, WireOfferId};
use connector_core::serde_helpers::option_decimal_number;

/// The validate-cart body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ValidateCartRequest {
    /// Who buys.
    pub customer: CustomerBlock,
    /// Shipping zone (`FR-FR`...).
    pub shipping_zone_code: String,
    /// The cart lines ("Array of offer/quantity"). Sent as `offers`, like purchase-order (see
    /// the open questions: the reference page calls it `items`).
    pub offers: Vec<CartLine>,
}

impl ValidateCartRequest {
    /// A request.
    pub fn new(
        customer: CustomerBlock,
        shipping_zone_code: impl Into<String>,
        offers: Vec<CartLine>,
    ) -> Self {
        Self {
            customer,
            shipping_zone_code: shipping_zone_code.into(),
            offers,
        }
    }
}

/// One cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CartLine {
    /// The offer.
    pub offer_id: WireOfferId,
    /// Units wanted.
    pub quantity: u32,
}

impl CartLine {
    /// A line.
    pub fn new(offer_id: impl Into<String>, quantity: u32) -> Self {
        Self {
            offer_id: WireOfferId(offer_id.into()),
            quantity,
        }
    }
}

/// The validate-cart answer (SH02): errors per offer and one entry per future sub-order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct ValidateCartResponse {
    /// Offers that cannot be shipped as asked.
    #[serde(default)]
    pub errors: Vec<CartError>,
    /// One entry per supplier (future sub-order).
    #[serde(default)]
    pub orders: Vec<ShopCart>,
    /// Number of `orders`.
    #[serde(default)]
    pub total_count: Option<u32>,
    /// Fields this SDK does not know yet, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An error of one offer (`SHIPPING_ZONE_NOT_ALLOWED`, `OFFER_NOT_FOUND`...).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CartError {
    /// Mirakl error code, verbatim (new codes decode too).
    pub error_code: String,
    /// The offer concerned.
    pub offer_id: Option<WireOfferId>,
    /// The shipping type concerned.
    #[serde(default)]
    pub shipping_type_code: Option<String>,
    /// The warehouse concerned.
    #[serde(default)]
    pub warehouse_code: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The future sub-order of one supplier.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ShopCart {
    /// Supplier (Mirakl shop) id.
    pub shop_id: WireOfferId,
    /// Supplier name.
    #[serde(default)]
    pub shop_name: Option<String>,
    /// Currency of every amount of this entry.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Days before shipping.
    #[serde(default)]
    pub leadtime_to_ship: Option<i64>,
    /// Estimated shipping date (ISO date-time, verbatim).
    #[serde(default)]
    pub shipping_deadline: Option<String>,
    /// The shipping type used for the prices (in SH02 without a total: see
    /// `shipping_types`).
    #[serde(default)]
    pub selected_shipping_type: Option<ShippingType>,
    /// Shipping types compatible with every offer of the entry, each with its total.
    #[serde(default)]
    pub shipping_types: Vec<ShippingType>,
    /// The offers.
    #[serde(default)]
    pub offers: Vec<CartOffer>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A shipping type (`code`, `label`, price).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ShippingType {
    /// Code (`STD`, `DELIVERY_ROUND`...).
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Total shipping price for the entry with this type (given in `shipping_types[]`).
    #[serde(default, with = "option_decimal_number")]
    pub total_shipping_price: Option<Decimal>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One offer line of a supplier entry, with stock and this customer's price.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CartOffer {
    /// The offer.
    pub offer_id: WireOfferId,
    /// Quantity available (0 when unavailable).
    #[serde(default)]
    pub offer_quantity: Option<u32>,
    /// Unit price for this customer and quantity.
    #[serde(default, with = "option_decimal_number")]
    pub offer_price: Option<Decimal>,
    /// Quantity requested.
    #[serde(default)]
    pub line_original_quantity: Option<u32>,
    /// Quantity the platform kept for the line.
    #[serde(default)]
    pub line_quantity: Option<u32>,
    /// `offer_price * line_quantity`, after promotions.
    #[serde(default, with = "option_decimal_number")]
    pub line_price: Option<Decimal>,
    /// Shipping of the line.
    #[serde(default, with = "option_decimal_number")]
    pub line_shipping_price: Option<Decimal>,
    /// `line_price + line_shipping_price`.
    #[serde(default, with = "option_decimal_number")]
    pub line_total_price: Option<Decimal>,
    /// Unknown fields (`offer_discount`, `allowed_shipping_types`...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl CartOffer {
    /// The quantity asked for (`line_original_quantity`, else `line_quantity`).
    pub fn requested(&self) -> Option<u32> {
        self.line_original_quantity.or(self.line_quantity)
    }

    /// Whether fewer units are available than requested.
    pub fn is_short(&self) -> bool {
        match (self.offer_quantity, self.requested()) {
            (Some(available), Some(requested)) => available < requested,
            (Some(0), None) => true,
            _ => false,
        }
    }
}

/// A line that cannot be served as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShortLine {
    /// The offer.
    pub offer_id: String,
    /// The supplier, when the offer is in an entry.
    pub shop_id: Option<String>,
    /// Units requested.
    pub requested: u32,
    /// Units available (0 for errors such as `OFFER_NOT_FOUND`).
    pub available: u32,
    /// The error code when the offer was refused.
    pub error_code: Option<String>,
}

impl ValidateCartResponse {
    /// Every offer with a problem: refused (`errors[]`) or with less stock than requested.
    /// `requested` gives the asked quantity of refused offers (they have no line in `orders`).
    pub fn short_lines(&self, requested: &[CartLine]) -> Vec<ShortLine> {
        let asked = |id: &str| {
            requested
                .iter()
                .find(|l| l.offer_id.as_str() == id)
                .map(|l| l.quantity)
        };
        let mut out = Vec::new();
        for e in &self.errors {
            let id = e.offer_id.as_ref().map(|i| i.0.clone()).unwrap_or_default();
            out.push(ShortLine {
                requested: asked(&id).unwrap_or(0),
                offer_id: id,
                shop_id: None,
                available: 0,
                error_code: Some(e.error_code.clone()),
            });
        }
        for shop in &self.orders {
            for o in shop.offers.iter().filter(|o| o.is_short()) {
                out.push(ShortLine {
                    offer_id: o.offer_id.0.clone(),
                    shop_id: Some(shop.shop_id.0.clone()),
                    requested: o
                        .requested()
                        .or_else(|| asked(o.offer_id.as_str()))
                        .unwrap_or(0),
                    available: o.offer_quantity.unwrap_or(0),
                    error_code: None,
                });
            }
        }
        out
    }

    /// Per supplier: (shop id, currency, goods total, shipping total). Goods are the sum of
    /// `line_price`; shipping the `total_shipping_price` of the `shipping_types[]` entry whose
    /// code is `selected_shipping_type.code` (else a total on the selected type itself), else
    /// the sum of `line_shipping_price`.
    pub fn supplier_totals(&self) -> Vec<SupplierTotal> {
        self.orders
            .iter()
            .map(|shop| {
                let goods = shop.offers.iter().filter_map(|o| o.line_price).sum();
                // SH02 prices the types of `shipping_types[]`; `selected_shipping_type`
                // names the one used (it carries no total of its own in SH02).
                let shipping = shop
                    .selected_shipping_type
                    .as_ref()
                    .and_then(|sel| {
                        shop.shipping_types
                            .iter()
                            .find(|t| t.code == sel.code)
                            .and_then(|t| t.total_shipping_price)
                            .or(sel.total_shipping_price)
                    })
                    .unwrap_or_else(|| {
                        shop.offers
                            .iter()
                            .filter_map(|o| o.line_shipping_price)
                            .sum()
                    });
                SupplierTotal {
                    shop_id: shop.shop_id.0.clone(),
                    shop_name: shop.shop_name.clone(),
                    currency: shop.currency_iso_code.clone(),
                    goods,
                    shipping,
                }
            })
            .collect()
    }

    /// The unit price of `offer_id` for this customer (mega_code) and the requested quantity.
    /// Never reuse it for another customer: prices depend on the company.
    pub fn unit_price(&self, offer_id: &str) -> Option<Decimal> {
        self.offer(offer_id).and_then(|(_, o)| o.offer_price)
    }

    /// The entry and line of `offer_id`.
    pub fn offer(&self, offer_id: &str) -> Option<(&ShopCart, &CartOffer)> {
        self.orders.iter().find_map(|shop| {
            shop.offers
                .iter()
                .find(|o| o.offer_id.as_str() == offer_id)
                .map(|o| (shop, o))
        })
    }
}

/// Totals of one supplier's future sub-order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupplierTotal {
    /// Supplier id.
    pub shop_id: String,
    /// Supplier name.
    pub shop_name: Option<String>,
    /// Currency code, when given.
    pub currency: Option<String>,
    /// Sum of line prices.
    pub goods: Decimal,
    /// Shipping.
    pub shipping: Decimal,
}

impl SupplierTotal {
    /// Goods plus shipping.
    pub fn total(&self) -> Decimal {
        self.goods + self.shipping
    }
}
