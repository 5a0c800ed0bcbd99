use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{ExternalOrderId, OfferId, OrderId, ShipmentId, ShopId, Sku};
use crate::model::customer::{Address, Customer};
use crate::money::Money;

/// Where an order stands, in shared terms, with the platform's raw status kept beside it.
///
/// The shared [`OrderStatus::state`] is what application code matches on; [`OrderStatus::raw`]
/// is what the platform said (`WAITING_ACCEPTANCE`, `COMPLETE_PARTIALLED`...), for logs and
/// for the cases the shared states cannot express.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderStatus {
    /// The shared state.
    pub state: OrderState,
    /// The platform's own status value, verbatim.
    pub raw: String,
}

impl OrderStatus {
    /// A status with its raw platform value.
    pub fn new(state: OrderState, raw: impl Into<String>) -> Self {
        Self {
            state,
            raw: raw.into(),
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({})", self.state, self.raw)
    }
}

/// The shared order states, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OrderState {
    /// Being assembled or validated by the platform (Mirakl `STAGING`, Amazon `New`).
    Pending,
    /// Waiting for payment (TOTVS infinite shelf, Mirakl `WAITING_DEBIT`).
    AwaitingPayment,
    /// Waiting for the seller/supplier to accept (Mirakl `WAITING_ACCEPTANCE`, TOTVS paid
    /// orders pending confirmation).
    AwaitingAcceptance,
    /// Accepted and being prepared (Mirakl `SHIPPING`, Amazon `Processing`).
    Processing,
    /// Some lines shipped, others not yet.
    PartiallyShipped,
    /// Handed to the carrier (Mirakl `SHIPPED`, Amazon `Complete`).
    Shipped,
    /// Ready for the buyer to pick up (Mirakl `TO_COLLECT`).
    ReadyForPickup,
    /// Received by the buyer (Mirakl `RECEIVED`).
    Delivered,
    /// Finished; nothing more will happen (Mirakl `CLOSED`).
    Closed,
    /// Refused by the seller or platform (Mirakl `REFUSED`, Amazon `Invalid`).
    Rejected,
    /// Cancelled (Mirakl `CANCELED`, Amazon `Cancelled`).
    Cancelled,
    /// Something needs a human (Mirakl `INCIDENT_OPEN`, Amazon `Unfulfillable`).
    Incident,
    /// A status the SDK does not know yet: read [`OrderStatus::raw`]. Unknown values decode
    /// into this variant instead of failing.
    #[serde(other)]
    Unknown,
}

impl OrderState {
    /// Whether nothing more will happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Closed | Self::Rejected | Self::Cancelled
        )
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderLine {
    /// The platform's line id or number, if any.
    pub line_id: Option<String>,
    /// The seller SKU.
    pub sku: Option<Sku>,
    /// The marketplace offer, when buying on one.
    pub offer_id: Option<OfferId>,
    /// Product name as ordered.
    pub name: Option<String>,
    /// Units ordered (fractional for weight or content units).
    pub quantity: Decimal,
    /// Units shipped so far.
    pub quantity_shipped: Option<Decimal>,
    /// Unit price.
    pub unit_price: Option<Money>,
    /// Line total.
    pub total: Option<Money>,
    /// Line status, when the platform tracks lines separately.
    pub status: Option<OrderStatus>,
    /// Kit (bundle) this line belongs to (TOTVS kit rule).
    pub kit_id: Option<String>,
    /// A note for this line (Accor offer `instruction`).
    pub instruction: Option<String>,
}

impl OrderLine {
    /// A line of `quantity` units of `sku`.
    pub fn new(sku: Option<Sku>, quantity: Decimal) -> Self {
        Self {
            line_id: None,
            sku,
            offer_id: None,
            name: None,
            quantity,
            quantity_shipped: None,
            unit_price: None,
            total: None,
            status: None,
            kit_id: None,
            instruction: None,
        }
    }
}

/// Tracking of one package.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tracking {
    /// Carrier name or code.
    pub carrier: Option<String>,
    /// Tracking number.
    pub number: Option<String>,
    /// Public tracking URL.
    pub url: Option<String>,
    /// Latest carrier event, if known.
    pub last_event: Option<String>,
    /// When the latest event happened.
    pub last_event_at: Option<DateTime<Utc>>,
}

/// A shipment (one or more packages) of some lines of an order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shipment {
    /// The platform's shipment id.
    pub id: Option<ShipmentId>,
    /// Platform shipment status, verbatim.
    pub status: Option<String>,
    /// When it left.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it is expected or was confirmed to arrive.
    pub estimated_arrival: Option<DateTime<Utc>>,
    /// Packages and their tracking.
    pub tracking: Vec<Tracking>,
    /// (SKU, quantity) shipped.
    pub items: Vec<(Sku, Decimal)>,
}

/// An invoice for an order (Brazilian NF-e on TOTVS, ONe invoices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Invoice {
    /// Invoice number.
    pub number: String,
    /// Series (NF-e série).
    pub series: Option<String>,
    /// Fiscal access key (NF-e: 44 digits).
    pub access_key: Option<String>,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Invoice total.
    pub total: Money,
    /// Where the document can be fetched.
    pub url: Option<String>,
}

/// An order as read from a platform, in shared terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Order {
    /// The platform's order id.
    pub id: OrderId,
    /// The ERP's reference, when it created the order.
    pub external_id: Option<ExternalOrderId>,
    /// Supplier/shop for marketplace sub-orders.
    pub shop_id: Option<ShopId>,
    /// Where the order stands.
    pub status: OrderStatus,
    /// Who ordered.
    pub customer: Option<Customer>,
    /// Where it goes.
    pub shipping_address: Option<Address>,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// Order total, when the platform gives one.
    pub total: Option<Money>,
    /// Shipments so far.
    pub shipments: Vec<Shipment>,
    /// When the order was created on the platform.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Platform fields with no shared home, kept verbatim.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Order {
    /// An order with an id and a status; fill the rest.
    pub fn new(id: OrderId, status: OrderStatus) -> Self {
        Self {
            id,
            external_id: None,
            shop_id: None,
            status,
            customer: None,
            shipping_address: None,
            lines: Vec::new(),
            total: None,
            shipments: Vec::new(),
            created_at: None,
            updated_at: None,
            extra: BTreeMap::new(),
        }
    }
}

/// An order the ERP wants to place (Accor purchase order, Amazon fulfillment order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderDraft {
    /// The ERP's own reference (becomes Amazon's `sellerFulfillmentOrderId`).
    pub external_id: ExternalOrderId,
    /// Who orders (Accor) or receives (Amazon) the goods.
    pub customer: Customer,
    /// Destination; `None` when the customer's delivery address id is used (Accor).
    pub shipping_address: Option<Address>,
    /// What to order.
    pub lines: Vec<OrderLine>,
    /// Requested delivery date (Accor delivery rounds, Amazon scheduled delivery).
    pub requested_delivery: Option<NaiveDate>,
    /// A note for the whole order (delivery instructions, displayable comment).
    pub comment: Option<String>,
    /// When the order was placed in the ERP.
    pub ordered_at: Option<DateTime<Utc>>,
}

impl OrderDraft {
    /// A draft with a reference, a customer and lines.
    pub fn new(external_id: ExternalOrderId, customer: Customer, lines: Vec<OrderLine>) -> Self {
        Self {
            external_id,
            customer,
            shipping_address: None,
            lines,
            requested_delivery: None,
            comment: None,
            ordered_at: None,
        }
    }
}

/// One line of a [`Quote`]: what the platform can do for one requested line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuoteLine {
    /// The SKU or offer asked for (as text, as sent).
    pub item: String,
    /// Units requested.
    pub requested: Decimal,
    /// Units the platform can supply now (`None` if it did not say).
    pub available: Option<Decimal>,
    /// Unit price for this customer and quantity.
    pub unit_price: Option<Money>,
    /// Why the line cannot be supplied as asked, if it cannot.
    pub problem: Option<String>,
}

impl QuoteLine {
    /// A quote line for `item` (SKU or offer id as sent) and the requested quantity; fill the
    /// platform's answer in the public fields.
    pub fn new(item: impl Into<String>, requested: Decimal) -> Self {
        Self {
            item: item.into(),
            requested,
            available: None,
            unit_price: None,
            problem: None,
        }
    }

    /// Whether fewer units are available than requested, or the line has a problem.
    pub fn is_short(&self) -> bool {
        self.problem.is_some() || self.available.is_some_and(|a| a < self.requested)
    }
}

/// The platform's answer to "can you do this order, and for how much?" (Accor validate-cart,
/// Amazon fulfillment preview).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quote {
    /// One entry per requested line.
    pub lines: Vec<QuoteLine>,
    /// Goods total, when computed.
    pub total: Option<Money>,
    /// Shipping total, when computed.
    pub shipping: Option<Money>,
    /// Problems that concern the whole order.
    pub problems: Vec<String>,
}

impl Quote {
    /// A quote with its lines; totals and order-level problems are filled in afterwards.
    pub fn new(lines: Vec<QuoteLine>) -> Self {
        Self {
            lines,
            total: None,
            shipping: None,
            problems: Vec::new(),
        }
    }

    /// Whether every line can be supplied as asked and there is no order-level problem.
    pub fn is_fulfillable(&self) -> bool {
        self.problems.is_empty() && !self.lines.iter().any(QuoteLine::is_short)
    }
}

/// What placing an order created: one or more platform orders (Accor splits per supplier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlacedOrder {
    /// The ERP reference that was sent.
    pub external_id: ExternalOrderId,
    /// The platform order ids created (one per supplier on Accor; the seller id on Amazon).
    pub order_ids: Vec<OrderId>,
    /// Status right after placement.
    pub status: OrderStatus,
    /// Lines the platform refused while it created the others (Accor's
    /// `offers_not_shippable`). They are not ordered: buy them elsewhere or retry them in a new
    /// order. Empty when every line was taken.
    #[serde(default)]
    pub refused_lines: Vec<RefusedLine>,
}

impl PlacedOrder {
    /// A placement result.
    pub fn new(external_id: ExternalOrderId, order_ids: Vec<OrderId>, status: OrderStatus) -> Self {
        Self {
            external_id,
            order_ids,
            status,
            refused_lines: Vec::new(),
        }
    }

    /// The result with the lines the platform refused (see [`PlacedOrder::refused_lines`]).
    pub fn with_refused_lines(mut self, refused: Vec<RefusedLine>) -> Self {
        self.refused_lines = refused;
        self
    }
}

/// A line of an order draft that the platform did not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefusedLine {
    /// The offer id or SKU of the line, as the platform named it.
    pub key: String,
    /// The platform's reason code, if it gave one (Accor: `SHIPPING_TYPE_NOT_FOUND`...).
    pub code: Option<String>,
}

impl RefusedLine {
    /// A refused line.
    pub fn new(key: impl Into<String>, code: Option<String>) -> Self {
        Self {
            key: key.into(),
            code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal_macros::dec;

    #[test]
    fn quote_detects_short_lines() {
        let ok = QuoteLine {
            item: "A".into(),
            requested: dec!(2),
            available: Some(dec!(5)),
            unit_price: Some(Money::new(dec!(1.5), Currency::EUR)),
            problem: None,
        };
        let short = QuoteLine {
            item: "B".into(),
            requested: dec!(10),
            available: Some(dec!(3)),
            ..ok.clone()
        };
        let q = Quote {
            lines: vec![ok.clone()],
            total: None,
            shipping: None,
            problems: vec![],
        };
        assert!(q.is_fulfillable());
        let q = Quote {
            lines: vec![ok, short],
            total: None,
            shipping: None,
            problems: vec![],
        };
        assert!(!q.is_fulfillable());
    }

    #[test]
    fn status_keeps_raw_value() {
        let s = OrderStatus::new(OrderState::AwaitingAcceptance, "WAITING_ACCEPTANCE");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"state":"AwaitingAcceptance","raw":"WAITING_ACCEPTANCE"}"#
        );
        assert!(!s.state.is_final());
        assert!(OrderState::Cancelled.is_final());
    }

    #[test]
    fn unknown_states_decode_into_the_fallback() {
        let s: OrderStatus =
            serde_json::from_str(r#"{"state":"OnTheMoon","raw":"LUNAR"}"#).unwrap();
        assert_eq!(s.state, OrderState::Unknown);
        assert_eq!(s.raw, "LUNAR");
    }
}
