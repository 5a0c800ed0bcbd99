//! Clients, segments, trade credits and blockades (`/api/v1/account/...`).

use std::collections::BTreeMap;

use super::num::option_decimal_number;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire_enum;

wire_enum! {
    /// `accountType` of a client.
    AccountType {
        /// A buyer.
        Client = "CLIENT",
        /// A supplier.
        Supplier = "SUPPLIER",
    }
}

wire_enum! {
    /// `type` of a client blockade.
    BlockadeType {
        /// Blocked because the trade credit is used up.
        TradeCredit = "TRADE_CREDIT",
        /// Sales blocked.
        Sale = "SALE",
        /// The whole client blocked.
        Client = "CLIENT",
    }
}

/// A client's address (ONe's `address` object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientAddress {
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The ERP's id of the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Name on the address (company or person).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

/// The client's administrator (first user).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientAdmin {
    /// E-mail (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A B2B client. `clientId` is `org:<id>` (company) or `ind:<id>` (individual).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Client {
    /// `org:<id>` or `ind:<id>`.
    pub client_id: String,
    /// CLIENT or SUPPLIER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// The account manager (ONe user id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_manager_id: Option<String>,
    /// Tenant-defined additional fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_fields: Option<serde_json::Value>,
    /// Main address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<ClientAddress>,
    /// First user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<ClientAdmin>,
    /// Bank account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account_number: Option<String>,
    /// REGON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_registration_number: Option<String>,
    /// Status as ONe reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_status: Option<String>,
    /// Client segment id (segments are sent with the client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Client {
    /// A client with its prefixed id.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            account_type: None,
            account_manager_id: None,
            additional_fields: None,
            address: None,
            admin: None,
            bank_account_number: None,
            business_registration_number: None,
            client_status: None,
            segment_id: None,
            extra: BTreeMap::new(),
        }
    }
}

/// A client segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Segment {
    /// Segment id.
    pub id: String,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Segment {
    /// A segment.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: Some(name.into()),
            extra: BTreeMap::new(),
        }
    }
}

/// An organisation's trade credit (credit limit). Amounts are JSON numbers in the tenant's
/// currency.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TradeCredit {
    /// The limit.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub credit_value: Option<Decimal>,
    /// Used so far (read only).
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub credit_value_used: Option<Decimal>,
    /// Still available (read only).
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub available_credit_value: Option<Decimal>,
    /// Payment term in days, when the ERP sends one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_deadline_days: Option<u32>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl TradeCredit {
    /// A credit limit to send.
    pub fn limit(credit_value: Decimal) -> Self {
        Self {
            credit_value: Some(credit_value),
            ..Self::default()
        }
    }
}

/// A client blockade (set from the ERP; cannot be set from the ERP and the back office at
/// once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientBlockade {
    /// ONe's id (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The ERP's id of the blockade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// TRADE_CREDIT, SALE or CLIENT.
    #[serde(rename = "type")]
    pub kind: BlockadeType,
    /// Label (in answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Message shown to the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ClientBlockade {
    /// A blockade to send.
    pub fn new(kind: BlockadeType, external_id: impl Into<String>) -> Self {
        Self {
            id: None,
            external_id: Some(external_id.into()),
            kind,
            label: None,
            message: None,
            extra: BTreeMap::new(),
        }
    }
}

/// An event of the client synchronization feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientEvent {
    /// The client concerned.
    pub client_id: String,
    /// What happened (e.g. `ADDED`, `UPDATE`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An event of the trade-credit synchronization feed (`type: UPDATE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TradeCreditEvent {
    /// The organisation concerned.
    pub client_id: String,
    /// What happened (`UPDATE`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}
