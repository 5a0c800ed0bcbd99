//! Wire types of the order API.
//!
//! TOTVS has not published the order API: these shapes are the SDK's documented defaults
//! (camelCase JSON modelled on the documented flow and on VTEX's order/invoice notifications,
//! which Omni publishes to). Unknown fields are kept in `extra`; unknown statuses in
//! [`OmniStatus::Unknown`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use connector_core::serde_helpers::{decimal_number, option_decimal_number};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Decimals as JSON numbers: whole values as integers (`1`, not `1.0`), others through
/// `decimal_number` (refusing values a double cannot hold exactly).
mod number {
    use super::*;
    use rust_decimal::prelude::ToPrimitive;

    pub(crate) fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let n = value.normalize();
        match (n.scale(), n.to_i64()) {
            (0, Some(i)) => s.serialize_i64(i),
            _ => decimal_number::serialize(value, s),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        decimal_number::deserialize(d)
    }
}

/// An order's status in Omni.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OmniStatus {
    /// `PENDING_PAYMENT`: infinite-shelf order waiting for payment.
    PendingPayment,
    /// `PENDING_CONFIRMATION`: paid, waiting for the ERP to confirm.
    PendingConfirmation,
    /// `CONFIRMED`: accepted by the ERP.
    Confirmed,
    /// `PARTIALLY_REJECTED`: some items rejected, the rest accepted.
    PartiallyRejected,
    /// `REJECTED`: every item rejected.
    Rejected,
    /// `INVOICED`: NF-e attached.
    Invoiced,
    /// `SHIPPED`: handed to the carrier.
    Shipped,
    /// `DELIVERED`: received by the customer.
    Delivered,
    /// `CANCELLED`.
    Cancelled,
    /// Anything else, verbatim.
    Unknown(String),
}

impl OmniStatus {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PendingPayment => "PENDING_PAYMENT",
            Self::PendingConfirmation => "PENDING_CONFIRMATION",
            Self::Confirmed => "CONFIRMED",
            Self::PartiallyRejected => "PARTIALLY_REJECTED",
            Self::Rejected => "REJECTED",
            Self::Invoiced => "INVOICED",
            Self::Shipped => "SHIPPED",
            Self::Delivered => "DELIVERED",
            Self::Cancelled => "CANCELLED",
            Self::Unknown(s) => s,
        }
    }

    /// Parses a wire value (unknown values are kept).
    pub fn parse(s: &str) -> Self {
        match s {
            "PENDING_PAYMENT" => Self::PendingPayment,
            "PENDING_CONFIRMATION" => Self::PendingConfirmation,
            "CONFIRMED" => Self::Confirmed,
            "PARTIALLY_REJECTED" => Self::PartiallyRejected,
            "REJECTED" => Self::Rejected,
            "INVOICED" => Self::Invoiced,
            "SHIPPED" => Self::Shipped,
            "DELIVERED" => Self::Delivered,
            "CANCELLED" => Self::Cancelled,
            other => Self::Unknown(other.to_string()),
        }
    }
}

impl fmt::Display for OmniStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OmniStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OmniStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// The customer of an order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OmniCustomer {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// CPF / CNPJ.
    #[serde(default)]
    pub document: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One item of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OmniOrderItem {
    /// Item id within the order.
    pub item_id: String,
    /// SKU.
    pub sku: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Quantity.
    #[serde(with = "number")]
    pub quantity: Decimal,
    /// Unit price.
    #[serde(default, with = "option_decimal_number")]
    pub price: Option<Decimal>,
    /// The kit the item belongs to (kit rule).
    #[serde(default)]
    pub kit_id: Option<String>,
    /// Item status (e.g. `REJECTED`).
    #[serde(default)]
    pub status: Option<OmniStatus>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An order read from Omni.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OmniOrder {
    /// Omni's order id.
    pub id: String,
    /// The sales channel's order id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Sales channel (`vtex`, `prateleira-infinita`...).
    #[serde(default)]
    pub channel: Option<String>,
    /// Status.
    pub status: OmniStatus,
    /// Created at.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated at.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Customer.
    #[serde(default)]
    pub customer: Option<OmniCustomer>,
    /// Total value.
    #[serde(default, with = "option_decimal_number")]
    pub total: Option<Decimal>,
    /// ISO currency (BRL when absent).
    #[serde(default)]
    pub currency: Option<String>,
    /// Items.
    #[serde(default)]
    pub items: Vec<OmniOrderItem>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A page of orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderList {
    /// The orders.
    #[serde(default)]
    pub orders: Vec<OmniOrder>,
    /// This page (1-based).
    #[serde(default)]
    pub page: Option<u32>,
    /// Number of pages.
    #[serde(default)]
    pub total_pages: Option<u32>,
}

/// One item to reject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RejectItem {
    /// Item id.
    pub item_id: String,
    /// Quantity rejected.
    #[serde(with = "number")]
    pub quantity: Decimal,
}

impl RejectItem {
    /// Rejects `quantity` of item `item_id`.
    pub fn new(item_id: impl Into<String>, quantity: Decimal) -> Self {
        Self {
            item_id: item_id.into(),
            quantity,
        }
    }
}

/// Body of a (partial) rejection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RejectRequest {
    /// Items rejected.
    pub items: Vec<RejectItem>,
    /// Why.
    pub reason: String,
}

/// The server's refusal of a rejection that splits a kit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KitRefusal {
    /// Error code (`KIT_INCOMPLETE` by default).
    #[serde(default)]
    pub code: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
    /// The kit.
    #[serde(default)]
    pub kit_id: Option<String>,
    /// Every item id of the kit.
    pub kit_items: Vec<String>,
}

/// Body of an invoice (NF-e) notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceRequest {
    /// NF-e number.
    pub number: String,
    /// NF-e series.
    pub series: String,
    /// 44-digit access key (chave de acesso).
    pub access_key: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Invoice value.
    #[serde(with = "number")]
    pub value: Decimal,
    /// The NF-e XML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xml: Option<String>,
    /// Where the NF-e (DANFE/XML) can be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Body of a shipment notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShipRequest {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Tracking URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// When it left.
    pub shipped_at: DateTime<Utc>,
}

/// Body of a delivery notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryRequest {
    /// When it was delivered.
    pub delivered_at: DateTime<Utc>,
}

/// Body of a payment registration (infinite shelf).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentRequest {
    /// Method (`PIX`, `CREDIT_CARD`, `DEBIT_CARD`, `BOLETO`, `CASH` or another value).
    pub method: String,
    /// Amount paid.
    #[serde(with = "number")]
    pub amount: Decimal,
    /// Installments (card).
    pub installments: u32,
    /// Card authorization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<String>,
    /// NSU (card transaction number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsu: Option<String>,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}
