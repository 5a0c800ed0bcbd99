use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, Sku};

/// A stock level of one SKU at one location, as of a time.
///
/// * ONe: `location` is the warehouse id, `quantity` may be fractional (content units).
/// * TOTVS: `location` is the store external id (the store must exist on Omni first).
/// * Amazon FBA: `location` is the fulfillment network / marketplace, read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stock {
    /// The SKU.
    pub sku: Sku,
    /// Where the stock is.
    pub location: Option<LocationId>,
    /// Units available to sell (never negative on the wire; see the platform docs).
    pub quantity: Decimal,
    /// Units reserved for open orders, when known.
    pub reserved: Option<Decimal>,
    /// When the level was measured.
    pub as_of: Option<DateTime<Utc>>,
}

impl Stock {
    /// A stock level.
    pub fn new(sku: Sku, location: Option<LocationId>, quantity: Decimal) -> Self {
        Self {
            sku,
            location,
            quantity,
            reserved: None,
            as_of: None,
        }
    }
}
