use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, OfferId, PriceListId, ProductId, ShopId, Sku};
use crate::money::Money;

/// Product master data (what TOTVS and ONe receive, what an Accor catalog row describes).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// The seller's SKU.
    pub sku: Option<Sku>,
    /// A platform product id, when different from the SKU.
    pub product_id: Option<ProductId>,
    /// Display name.
    pub name: String,
    /// Long description.
    pub description: Option<String>,
    /// Brand or manufacturer.
    pub brand: Option<String>,
    /// GTIN/EAN barcode.
    pub gtin: Option<String>,
    /// Category path or code.
    pub category: Option<String>,
    /// Unit of measure (`EA`, `KG`...).
    pub unit: Option<String>,
    /// Free attributes (colour, size, ...).
    pub attributes: BTreeMap<String, String>,
}

impl Product {
    /// A product with a SKU and a name.
    pub fn new(sku: Sku, name: impl Into<String>) -> Self {
        Self {
            sku: Some(sku),
            name: name.into(),
            ..Self::default()
        }
    }
}

/// One price step: from `min_quantity` units on, each unit costs `unit_price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceTier {
    /// Smallest quantity the tier applies to (1 for the base price).
    pub min_quantity: u32,
    /// Unit price from that quantity.
    pub unit_price: Money,
}

impl PriceTier {
    /// A tier.
    pub fn new(min_quantity: u32, unit_price: Money) -> Self {
        Self {
            min_quantity,
            unit_price,
        }
    }
}

/// How much can be bought now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Availability {
    /// This many units are available.
    InStock(Decimal),
    /// Nothing available now.
    OutOfStock,
    /// The platform did not say.
    #[default]
    Unknown,
}

/// Something that can be bought from (or sold by) a given seller under given terms: an Accor
/// catalog offer, an item the ERP lists on TOTVS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Offer {
    /// The marketplace offer id.
    pub id: OfferId,
    /// The product offered.
    pub product: Product,
    /// The supplier/shop selling it.
    pub shop_id: Option<ShopId>,
    /// Shop display name.
    pub shop_name: Option<String>,
    /// Price steps, ascending by `min_quantity`. Empty when the price depends on the customer
    /// and must be asked for (Accor's validate-cart).
    pub price_tiers: Vec<PriceTier>,
    /// Current availability.
    pub availability: Availability,
    /// Smallest orderable quantity.
    pub min_order_quantity: Option<u32>,
    /// Order quantities must be a multiple of this.
    pub package_quantity: Option<u32>,
    /// Platform fields with no shared home, kept verbatim.
    pub extra: BTreeMap<String, String>,
}

impl Offer {
    /// An offer of `product` under `id`.
    pub fn new(id: OfferId, product: Product) -> Self {
        Self {
            id,
            product,
            shop_id: None,
            shop_name: None,
            price_tiers: Vec::new(),
            availability: Availability::Unknown,
            min_order_quantity: None,
            package_quantity: None,
            extra: BTreeMap::new(),
        }
    }

    /// The unit price that applies to `quantity` units, from the tiers.
    pub fn unit_price_for(&self, quantity: u32) -> Option<Money> {
        self.price_tiers
            .iter()
            .filter(|t| t.min_quantity <= quantity)
            .max_by_key(|t| t.min_quantity)
            .map(|t| t.unit_price)
    }
}

/// A price to push to a sales channel (TOTVS price load, ONe B2C/B2B price).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceRecord {
    /// Product the price is for.
    pub sku: Sku,
    /// The (net) price.
    pub price: Money,
    /// Crossed-out list price, if any.
    pub list_price: Option<Money>,
    /// The price list (ONe `pricingId`); `None` for the default/retail list.
    pub price_list: Option<PriceListId>,
    /// Store or location the price is for (TOTVS per-store prices).
    pub location: Option<LocationId>,
    /// First day the price applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day the price applies.
    pub valid_to: Option<NaiveDate>,
    /// When the ERP changed it.
    pub updated_at: Option<DateTime<Utc>>,
}

impl PriceRecord {
    /// A price for a SKU.
    pub fn new(sku: Sku, price: Money) -> Self {
        Self {
            sku,
            price,
            list_price: None,
            price_list: None,
            location: None,
            valid_from: None,
            valid_to: None,
            updated_at: None,
        }
    }
}
