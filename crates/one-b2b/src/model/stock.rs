//! Warehouses and stock lines (`/api/v1/stock/...`, `/api/v1/account/.../warehouses`).

use std::collections::BTreeMap;

use super::num::{decimal_number, option_decimal_number};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire_enum;

wire_enum! {
    /// `type` of a warehouse.
    WarehouseType {
        /// The main warehouse.
        Central = "CENTRAL",
        /// A local warehouse; its `parent` is a CENTRAL one.
        Local = "LOCAL",
    }
}

/// One stock record: `id` is the stock id (the SKU when there is no storage location) and
/// `quantity` the level, which may be fractional (content units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StockLine {
    /// Stock id (= SKU when the product has no storage location).
    pub id: String,
    /// Quantity available, a JSON number.
    #[serde(with = "decimal_number")]
    pub quantity: Decimal,
}

impl StockLine {
    /// A stock line.
    pub fn new(id: impl Into<String>, quantity: Decimal) -> Self {
        Self {
            id: id.into(),
            quantity,
        }
    }
}

/// A warehouse's address (ONe's field names, `TIN` included).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WarehouseAddress {
    /// Tax id.
    #[serde(rename = "TIN", skip_serializing_if = "Option::is_none")]
    pub tin: Option<String>,
    /// Address type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// First name of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name of the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// House number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Apartment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apartment: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Latitude.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub latitude: Option<Decimal>,
    /// Longitude.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub longitude: Option<Decimal>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
}

/// A warehouse (`id` and `type` required; `reservationTime` required when `reservation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Warehouse {
    /// Warehouse id (the ERP's code).
    pub id: String,
    /// Internal name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Label shown to buyers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// CENTRAL or LOCAL.
    #[serde(rename = "type")]
    pub kind: WarehouseType,
    /// For a LOCAL warehouse: its CENTRAL warehouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Whether goods can be picked up there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_point: Option<bool>,
    /// Whether stock is reserved for orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation: Option<bool>,
    /// Reservation time in hours (required when `reservation` is true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_time: Option<u32>,
    /// Shipping time in hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_time: Option<u32>,
    /// Whether the warehouse is in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported: Option<bool>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<WarehouseAddress>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Warehouse {
    /// A warehouse with its id and type.
    pub fn new(id: impl Into<String>, kind: WarehouseType) -> Self {
        Self {
            id: id.into(),
            name: None,
            label: None,
            kind,
            parent: None,
            pickup_point: None,
            reservation: None,
            reservation_time: None,
            shipping_time: None,
            supported: None,
            address: None,
            extra: BTreeMap::new(),
        }
    }
}
