//! Orders ONe -> ERP (event feed, sales orders / shipments) and updates ERP -> ONe.

use std::collections::BTreeMap;

use super::num::{decimal_number, option_decimal_number};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire_enum;

wire_enum! {
    /// `eventType` of the order feed.
    OrderEventType {
        /// A new order / shipment.
        Added = "ADDED",
        /// The order was removed.
        Removed = "REMOVED",
        /// The order changed.
        Changed = "CHANGED",
        /// Its payment changed.
        ChangedPayment = "CHANGED_PAYMENT",
    }
}

wire_enum! {
    /// `newPaymentStatus` of a shipment.
    PaymentStatus {
        /// Waiting for payment.
        Pending = "PENDING",
        /// Paid.
        Paid = "PAID",
        /// Payment failed.
        Failed = "FAILED",
        /// Payment cancelled.
        Cancelled = "CANCELLED",
        /// Payment timed out.
        Timeout = "TIMEOUT",
    }
}

wire_enum! {
    /// Fulfilment status of a shipment (`.../order/status`). PROVISIONAL: ONe's docs do not
    /// list the values; these come from analogous B2B flows and unknown values are kept.
    ShipmentStatus {
        /// Received.
        New = "NEW",
        /// Accepted by the ERP.
        Accepted = "ACCEPTED",
        /// Being prepared.
        InProgress = "IN_PROGRESS",
        /// Waiting at a pickup point.
        ReadyForPickup = "READY_FOR_PICKUP",
        /// Handed to the carrier.
        Sent = "SENT",
        /// Delivered.
        Delivered = "DELIVERED",
        /// Cancelled.
        Cancelled = "CANCELLED",
    }
}

/// One event of the order feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderEvent {
    /// The order (e.g. `OF/22/8/2022`).
    pub order_id: String,
    /// The shipment / sales order (e.g. `OF/22/8/2022/01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    /// ADDED, REMOVED, CHANGED, CHANGED_PAYMENT.
    pub event_type: OrderEventType,
    /// Fields this SDK does not know, kept verbatim (an event id, a timestamp...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Prices of an order line, JSON numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LinePrice {
    /// Net unit price (order unit).
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_unit_price: Option<Decimal>,
    /// Net price per content unit.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_content_unit_price: Option<Decimal>,
    /// Gross price per content unit.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gross_content_unit_price: Option<Decimal>,
    /// Net base price.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_price_net: Option<Decimal>,
    /// Discount on the base price.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_price_discount: Option<Decimal>,
    /// Kind of base price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_price_type: Option<String>,
    /// Net line value.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_value: Option<Decimal>,
    /// Tax value.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_value: Option<Decimal>,
    /// Tax rate (percent).
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_rate: Option<Decimal>,
    /// Gross line value.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gross_value: Option<Decimal>,
    /// Net catalog price.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_catalog_price: Option<Decimal>,
    /// Discount on the catalog price.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub catalog_price_discount: Option<Decimal>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One product line of a sales order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductLine {
    /// SKU.
    pub sku: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_number: Option<u32>,
    /// DEPRECATED by ONe: use `quantity_ordered_in_content_unit`.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity_ordered: Option<Decimal>,
    /// Quantity ordered in content units.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity_ordered_in_content_unit: Option<Decimal>,
    /// Content unit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_unit_code: Option<String>,
    /// Last change (UTC; an answer without an offset is read as UTC).
    #[serde(
        default,
        with = "super::option_utc",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_change: Option<DateTime<Utc>>,
    /// PKWiU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkwiu: Option<String>,
    /// Split payment (MPP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_payment: Option<bool>,
    /// GTU code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtu: Option<String>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer_id: Option<String>,
    /// ONe's line id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_line_id: Option<String>,
    /// Parent line (sets, accessories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_product_line_id: Option<String>,
    /// Prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<LinePrice>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A sales order (one shipment of an order), as read from `.../order/shipment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SalesOrder {
    /// Sales order (shipment) id.
    pub id: String,
    /// The order it belongs to.
    pub order_id: String,
    /// Coupon code used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_coupon_code: Option<String>,
    /// The buyer's purchase number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_purchase_number: Option<String>,
    /// The buyer (`org:`/`ind:`), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Fulfilment status, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ShipmentStatus>,
    /// Payment status, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatus>,
    /// ISO 4217 currency, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Lines.
    #[serde(default)]
    pub product_lines: Vec<ProductLine>,
    /// Fields this SDK does not know, kept verbatim (prices, additional costs, addresses...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A shipped quantity of a SKU, in content units ("after converting to order units the
/// decimal part is discarded" by ONe).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuantityChange {
    /// SKU.
    pub sku: String,
    /// Quantity shipped, a JSON number.
    #[serde(with = "decimal_number")]
    pub quantity_shipped: Decimal,
}

impl QuantityChange {
    /// A shipped quantity.
    pub fn new(sku: impl Into<String>, quantity_shipped: Decimal) -> Self {
        Self {
            sku: sku.into(),
            quantity_shipped,
        }
    }
}

/// A waybill (tracking number) added to a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Waybill {
    /// Tracking number.
    pub number: String,
    /// Carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
}

impl Waybill {
    /// A waybill.
    pub fn new(number: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            carrier: None,
            tracking_url: None,
        }
    }

    /// With the carrier.
    pub fn with_carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }
}

/// An additional cost on an offline order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AdditionalCost {
    /// Kind of cost.
    #[serde(rename = "type")]
    pub kind: String,
    /// Net.
    #[serde(with = "decimal_number")]
    pub net: Decimal,
    /// Tax.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax: Option<Decimal>,
    /// Gross.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gross: Option<Decimal>,
}

/// Prices of an offline order (`deliveryNet`, `productsNet`, `totalNet`, `totalGross`,
/// `totalTax` required).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OfflineOrderPrice {
    /// Delivery, net.
    #[serde(with = "decimal_number")]
    pub delivery_net: Decimal,
    /// Delivery, gross.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_gross: Option<Decimal>,
    /// Products, net.
    #[serde(with = "decimal_number")]
    pub products_net: Decimal,
    /// Products, gross.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub products_gross: Option<Decimal>,
    /// Additional costs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_costs: Vec<AdditionalCost>,
    /// Total, net.
    #[serde(with = "decimal_number")]
    pub total_net: Decimal,
    /// Total, gross.
    #[serde(with = "decimal_number")]
    pub total_gross: Decimal,
    /// Total tax.
    #[serde(with = "decimal_number")]
    pub total_tax: Decimal,
}

impl OfflineOrderPrice {
    /// The required totals.
    pub fn new(
        delivery_net: Decimal,
        products_net: Decimal,
        total_net: Decimal,
        total_gross: Decimal,
        total_tax: Decimal,
    ) -> Self {
        Self {
            delivery_net,
            delivery_gross: None,
            products_net,
            products_gross: None,
            additional_costs: Vec::new(),
            total_net,
            total_gross,
            total_tax,
        }
    }
}

/// A person allowed to act on an offline order (`authorizedPeople[]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthorizedPerson {
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// ONe user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl AuthorizedPerson {
    /// A person by e-mail.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }
}

/// An order taken outside ONe (phone, counter), shown to the buyer for information. Sending
/// the same `id` again replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OfflineOrder {
    /// Shipment id (the key).
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// The buyer: `{id, externalId}`.
    pub organization: serde_json::Value,
    /// Payment method: `{name, id, externalId}`.
    pub payment_method: serde_json::Value,
    /// Prices.
    pub price: OfflineOrderPrice,
    /// People allowed to act on the order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorized_people: Vec<AuthorizedPerson>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Lines (same shape as order lines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_lines: Vec<serde_json::Value>,
}

impl OfflineOrder {
    /// An offline order for organisation `organization_id`, paid with `payment_method`.
    pub fn new(
        id: impl Into<String>,
        order_id: impl Into<String>,
        organization_id: &str,
        payment_method: &str,
        price: OfflineOrderPrice,
    ) -> Self {
        Self {
            id: id.into(),
            order_id: order_id.into(),
            organization: serde_json::json!({ "id": organization_id }),
            payment_method: serde_json::json!({ "name": payment_method }),
            price,
            authorized_people: Vec::new(),
            notes: None,
            product_lines: Vec::new(),
        }
    }
}
