//! FBA Inventory `v1` wire types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Extra;

/// `Granularity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Granularity {
    /// `Marketplace`.
    #[serde(default)]
    pub granularity_type: Option<String>,
    /// The marketplace id.
    #[serde(default)]
    pub granularity_id: Option<String>,
}

/// `ReservedQuantity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReservedQuantity {
    /// Total reserved.
    #[serde(default)]
    pub total_reserved_quantity: Option<i64>,
    /// Reserved for customer orders.
    #[serde(default)]
    pub pending_customer_order_quantity: Option<i64>,
    /// Being transferred between centers.
    #[serde(default)]
    pub pending_transshipment_quantity: Option<i64>,
    /// Sidelined in processing.
    #[serde(default)]
    pub fc_processing_quantity: Option<i64>,
}

/// `ResearchingQuantityEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResearchingQuantityEntry {
    /// `researchingQuantityInShortTerm`, ...
    pub name: String,
    /// Units.
    pub quantity: i64,
}

/// `ResearchingQuantity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResearchingQuantity {
    /// Total.
    #[serde(default)]
    pub total_researching_quantity: Option<i64>,
    /// Breakdown.
    #[serde(default, deserialize_with = "super::null_default")]
    pub researching_quantity_breakdown: Vec<ResearchingQuantityEntry>,
}

/// `UnfulfillableQuantity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnfulfillableQuantity {
    /// Total.
    #[serde(default)]
    pub total_unfulfillable_quantity: Option<i64>,
    /// Customer damaged.
    #[serde(default)]
    pub customer_damaged_quantity: Option<i64>,
    /// Warehouse damaged.
    #[serde(default)]
    pub warehouse_damaged_quantity: Option<i64>,
    /// Distributor damaged.
    #[serde(default)]
    pub distributor_damaged_quantity: Option<i64>,
    /// Carrier damaged.
    #[serde(default)]
    pub carrier_damaged_quantity: Option<i64>,
    /// Defective.
    #[serde(default)]
    pub defective_quantity: Option<i64>,
    /// Expired.
    #[serde(default)]
    pub expired_quantity: Option<i64>,
}

/// `InventoryDetails` (with `details=true`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryDetails {
    /// Units that can be picked now.
    #[serde(default)]
    pub fulfillable_quantity: Option<i64>,
    /// Inbound, working.
    #[serde(default)]
    pub inbound_working_quantity: Option<i64>,
    /// Inbound, shipped.
    #[serde(default)]
    pub inbound_shipped_quantity: Option<i64>,
    /// Inbound, receiving.
    #[serde(default)]
    pub inbound_receiving_quantity: Option<i64>,
    /// Reserved.
    #[serde(default)]
    pub reserved_quantity: Option<ReservedQuantity>,
    /// Researching.
    #[serde(default)]
    pub researching_quantity: Option<ResearchingQuantity>,
    /// Unfulfillable.
    #[serde(default)]
    pub unfulfillable_quantity: Option<UnfulfillableQuantity>,
}

/// `InventorySummary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventorySummary {
    /// ASIN.
    #[serde(default)]
    pub asin: Option<String>,
    /// Network SKU.
    #[serde(default)]
    pub fn_sku: Option<String>,
    /// Seller SKU.
    #[serde(default)]
    pub seller_sku: Option<String>,
    /// Condition.
    #[serde(default)]
    pub condition: Option<String>,
    /// Details (when asked for).
    #[serde(default)]
    pub inventory_details: Option<InventoryDetails>,
    /// Last update (some payloads send an empty string: read as `None`).
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub last_updated_time: Option<DateTime<Utc>>,
    /// Product title.
    #[serde(default)]
    pub product_name: Option<String>,
    /// Total units.
    #[serde(default)]
    pub total_quantity: Option<i64>,
    /// Stores.
    #[serde(default, deserialize_with = "super::null_default")]
    pub stores: Vec<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

fn lenient_datetime<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|e| serde::de::Error::custom(format!("bad date-time `{v}`: {e}"))),
    }
}

/// `GetInventorySummariesResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetInventorySummariesResult {
    /// Granularity.
    #[serde(default)]
    pub granularity: Granularity,
    /// Summaries of this page.
    #[serde(default, deserialize_with = "super::null_default")]
    pub inventory_summaries: Vec<InventorySummary>,
}

/// `Pagination` (top level of the response, not inside `payload`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pagination {
    /// Next page token (expires 30 s after it was created).
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `GetInventorySummariesResponse`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetInventorySummariesResponse {
    /// Result.
    #[serde(default)]
    pub payload: Option<GetInventorySummariesResult>,
    /// Pagination.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Errors (a 2xx answer carrying any is reported as an error).
    #[serde(default, deserialize_with = "super::null_default")]
    pub errors: Vec<super::ApiError>,
}

/// `CreateInventoryItemRequest` (sandbox only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateInventoryItemRequest {
    /// Seller SKU.
    pub seller_sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// Product name.
    pub product_name: String,
}

impl CreateInventoryItemRequest {
    /// An item.
    pub fn new(
        seller_sku: impl Into<String>,
        marketplace_id: impl Into<String>,
        product_name: impl Into<String>,
    ) -> Self {
        Self {
            seller_sku: seller_sku.into(),
            marketplace_id: marketplace_id.into(),
            product_name: product_name.into(),
        }
    }
}

/// `InventoryItem` (sandbox `addInventory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InventoryItem {
    /// Seller SKU.
    pub seller_sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// Units to add.
    pub quantity: i64,
}

impl InventoryItem {
    /// Units of a SKU.
    pub fn new(
        seller_sku: impl Into<String>,
        marketplace_id: impl Into<String>,
        quantity: i64,
    ) -> Self {
        Self {
            seller_sku: seller_sku.into(),
            marketplace_id: marketplace_id.into(),
            quantity,
        }
    }
}

/// `AddInventoryRequest` (sandbox only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AddInventoryRequest {
    /// Items.
    pub inventory_items: Vec<InventoryItem>,
}

impl AddInventoryRequest {
    /// A request.
    pub fn new(inventory_items: Vec<InventoryItem>) -> Self {
        Self { inventory_items }
    }
}
