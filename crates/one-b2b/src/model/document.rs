//! Invoices and goods-issued notes (WZ), with their two-step PDF uploads.

use std::collections::BTreeMap;

use super::num::{decimal_number, option_decimal_number};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire_enum;

wire_enum! {
    /// `clientType` on documents.
    ClientType {
        /// A private person.
        Individual = "INDIVIDUAL",
        /// A company.
        Organization = "ORGANIZATION",
    }
}

wire_enum! {
    /// Invoice status. PROVISIONAL: ONe's docs do not list the values; these come from
    /// analogous B2B flows and unknown values are kept in `Other`.
    InvoiceStatus {
        /// Issued, unpaid.
        Issued = "ISSUED",
        /// Paid.
        Paid = "PAID",
        /// Partly paid.
        PartiallyPaid = "PARTIALLY_PAID",
        /// Past its payment date.
        Overdue = "OVERDUE",
        /// Cancelled.
        Cancelled = "CANCELLED",
    }
}

/// A postal address on a document (`addressData`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AddressData {
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
}

/// The buyer (or payer) on an invoice.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientData {
    /// `org:`/`ind:` client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Tax id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tin: Option<String>,
    /// INDIVIDUAL or ORGANIZATION.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_type: Option<ClientType>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Where invoices are e-mailed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_email: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_data: Option<AddressData>,
}

/// Net, gross and tax totals, JSON numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TotalPrices {
    /// Net.
    #[serde(with = "decimal_number")]
    pub net_price: Decimal,
    /// Gross.
    #[serde(with = "decimal_number")]
    pub gross_price: Decimal,
    /// Tax.
    #[serde(with = "decimal_number")]
    pub tax_value: Decimal,
}

impl TotalPrices {
    /// Totals.
    pub fn new(net_price: Decimal, gross_price: Decimal, tax_value: Decimal) -> Self {
        Self {
            net_price,
            gross_price,
            tax_value,
        }
    }
}

/// A `{id, name}` reference (operator, payment method, warehouse...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedRef {
    /// Id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An invoice's content (`.../invoices/integrations/auth-required/invoices`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Invoice {
    /// Invoice number (the key).
    pub number: String,
    /// The buyer.
    pub client_data: ClientData,
    /// The payer, if different.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_data: Option<ClientData>,
    /// The seller (tenant): `tin`, `addressData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_data: Option<serde_json::Value>,
    /// Who issued it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_data: Option<NamedRef>,
    /// Receipt reference number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_reference_number: Option<String>,
    /// Polish split payment (MPP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_payment: Option<bool>,
    /// Whether it is paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_paid: Option<bool>,
    /// Amount paid so far.
    #[serde(
        default,
        with = "option_decimal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_paid: Option<Decimal>,
    /// The buyer's purchase numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_purchase_numbers: Vec<String>,
    /// Totals.
    pub total_prices: TotalPrices,
    /// Payment due date (`yyyy-MM-dd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<NaiveDate>,
    /// Sale date (`yyyy-MM-dd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_date: Option<NaiveDate>,
    /// ISO 4217 currency.
    pub currency_code: String,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Invoice {
    /// An invoice with its required parts.
    pub fn new(
        number: impl Into<String>,
        client_data: ClientData,
        total_prices: TotalPrices,
        currency_code: impl Into<String>,
    ) -> Self {
        Self {
            number: number.into(),
            client_data,
            payer_data: None,
            tenant_data: None,
            operator_data: None,
            receipt_reference_number: None,
            split_payment: None,
            is_paid: None,
            amount_paid: None,
            customer_purchase_numbers: Vec::new(),
            total_prices,
            payment_date: None,
            sale_date: None,
            currency_code: currency_code.into(),
            extra: BTreeMap::new(),
        }
    }
}

/// A status change of an invoice (`.../invoices/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceStatusUpdate {
    /// Invoice number.
    pub number: String,
    /// The new status.
    pub status: InvoiceStatus,
}

impl InvoiceStatusUpdate {
    /// A status update.
    pub fn new(number: impl Into<String>, status: InvoiceStatus) -> Self {
        Self {
            number: number.into(),
            status,
        }
    }
}

/// The answer of the first upload step (begin / initialize): the `uploadId`, and where to put
/// the bytes when ONe hands out a (pre-signed) URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadTicket {
    /// The upload's id, quoted in the second step.
    pub upload_id: String,
    /// Where to `PUT` the file, when given (`uploadUrl` or `url`).
    #[serde(default, alias = "url", skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The product on a goods-issued-note line.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DocumentProduct {
    /// GTIN / EAN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// SKU.
    pub sku: String,
    /// Manufacturer's index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer_index: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// PKWiU classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkwiu: Option<String>,
    /// Unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Other fields (`manufacturer{name}`...), sent as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Net, gross and tax of a note or line (`{net, gross, tax}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotePrices {
    /// Net.
    #[serde(with = "decimal_number")]
    pub net: Decimal,
    /// Gross.
    #[serde(with = "decimal_number")]
    pub gross: Decimal,
    /// Tax.
    #[serde(with = "decimal_number")]
    pub tax: Decimal,
}

impl NotePrices {
    /// Prices.
    pub fn new(net: Decimal, gross: Decimal, tax: Decimal) -> Self {
        Self { net, gross, tax }
    }
}

/// One line of a goods-issued note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NoteLine {
    /// Line number (starts at 1 when linked to a sales order).
    pub line_number: u32,
    /// The sales order's line number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_order_line_number: Option<u32>,
    /// The sales order (shipment id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_order_reference_number: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Quantity issued, a JSON number.
    #[serde(with = "decimal_number")]
    pub quantity: Decimal,
    /// The product.
    pub product: DocumentProduct,
    /// Line values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<NotePrices>,
    /// Other fields (`prices{taxRate, discount, additionalCosts}`...), sent as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A goods-issued note (WZ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GoodsIssuedNote {
    /// Note number (the key).
    pub number: String,
    /// `org:`/`ind:` client id.
    pub client_id: String,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The buyer's purchase order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_order_number: Option<String>,
    /// Document date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_date: Option<NaiveDate>,
    /// Sale date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_date: Option<NaiveDate>,
    /// Delivery date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<NaiveDate>,
    /// Lines.
    pub product_lines: Vec<NoteLine>,
    /// Warehouse issuing the goods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<NamedRef>,
    /// Payment method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<NamedRef>,
    /// Delivery method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_method: Option<NamedRef>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl GoodsIssuedNote {
    /// A note with its lines.
    pub fn new(
        number: impl Into<String>,
        client_id: impl Into<String>,
        lines: Vec<NoteLine>,
    ) -> Self {
        Self {
            number: number.into(),
            client_id: client_id.into(),
            notes: None,
            purchase_order_number: None,
            document_date: None,
            sale_date: None,
            delivery_date: None,
            product_lines: lines,
            warehouse: None,
            payment_method: None,
            delivery_method: None,
            extra: BTreeMap::new(),
        }
    }
}

/// An event of the goods-issued-note feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GoodsIssuedNoteEvent {
    /// The note concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// What happened.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl DocumentProduct {
    /// A product by SKU.
    pub fn new(sku: impl Into<String>) -> Self {
        Self {
            sku: sku.into(),
            ..Self::default()
        }
    }
}

impl NoteLine {
    /// A line.
    pub fn new(line_number: u32, product: DocumentProduct, quantity: Decimal) -> Self {
        Self {
            line_number,
            sales_order_line_number: None,
            sales_order_reference_number: None,
            notes: None,
            quantity,
            product,
            base: None,
            extra: BTreeMap::new(),
        }
    }
}
