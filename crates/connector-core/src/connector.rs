//! The `Connector` trait and the capability traits.
//!
//! A [`Connector`] is small: it names its platform, checks its credentials, and hands out
//! *capability views*. Each capability is a separate trait implemented only where the platform
//! can do it, so a `Vec<Box<dyn Connector>>` can be asked "who can take stock?" at run time and
//! the answer is never a lie: [`Connector::capabilities`] is derived from the views.
//!
//! | capability | ERP role | Accor | TOTVS | Amazon MCF | ONe |
//! | --- | --- | --- | --- | --- | --- |
//! | [`CatalogSource`] | buy: read a supplier catalog | ✓ | | | |
//! | [`OrderPlacement`] | buy / fulfil: quote and place orders | ✓ | | ✓ | |
//! | [`OrderTracking`] | follow placed orders | ✓ | | ✓ | |
//! | [`OrderFeed`] | sell: pull orders and move them along | | ✓ | | ✓ |
//! | [`ProductSink`] | sell: push product master data | | ✓ | | |
//! | [`PriceSink`] | sell: push prices | | ✓ | | ✓ |
//! | [`StockSink`] | sell: push stock levels | | ✓ | | ✓ |
//! | [`StockSource`] | read stock held by the platform | | | ✓ | |
//! | [`CustomerSink`] | push customers / B2B clients | | | | ✓ |

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;
use rust_decimal::Decimal;

use crate::batch::BatchReport;
use crate::error::Error;
use crate::ids::{OrderId, Sku};
use crate::model::{
    Customer, Invoice, Offer, Order, OrderDraft, PlacedOrder, PriceRecord, Product, Quote,
    Shipment, Stock,
};

/// The platforms the SDK knows, plus `Other` for connectors written by users.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// Accor OMS (AStoreShop marketplace): the ERP buys.
    AccorOms,
    /// TOTVS Omni: the ERP sells.
    TotvsOmni,
    /// Amazon Multi-Channel Fulfillment: Amazon ships the ERP's orders.
    AmazonMcf,
    /// ONe B2B: the ERP pushes master data and pulls B2B orders.
    OneB2b,
    /// A connector outside this SDK.
    Other(String),
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccorOms => f.write_str("Accor OMS"),
            Self::TotvsOmni => f.write_str("TOTVS Omni"),
            Self::AmazonMcf => f.write_str("Amazon MCF"),
            Self::OneB2b => f.write_str("ONe B2B"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// One thing a connector can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// [`CatalogSource`].
    CatalogSource,
    /// [`OrderPlacement`].
    OrderPlacement,
    /// [`OrderTracking`].
    OrderTracking,
    /// [`OrderFeed`].
    OrderFeed,
    /// [`ProductSink`].
    ProductSink,
    /// [`PriceSink`].
    PriceSink,
    /// [`StockSink`].
    StockSink,
    /// [`StockSource`].
    StockSource,
    /// [`CustomerSink`].
    CustomerSink,
}

/// A stream of records to push (read lazily, so millions of lines never sit in memory).
pub type RecordStream<'a, T> = BoxStream<'a, T>;

/// A stream of results read from a platform.
pub type ResultStream<'a, T> = BoxStream<'a, Result<T, Error>>;

/// A platform client, seen from the application.
#[async_trait]
pub trait Connector: Send + Sync + fmt::Debug {
    /// Which platform this is.
    fn platform(&self) -> Platform;

    /// Checks configuration and credentials with one cheap call.
    async fn check(&self) -> Result<(), Error>;

    /// Reads a supplier catalog.
    fn catalog_source(&self) -> Option<&dyn CatalogSource> {
        None
    }
    /// Quotes and places orders.
    fn order_placement(&self) -> Option<&dyn OrderPlacement> {
        None
    }
    /// Follows placed orders.
    fn order_tracking(&self) -> Option<&dyn OrderTracking> {
        None
    }
    /// Pulls platform orders and moves them through their lifecycle.
    fn order_feed(&self) -> Option<&dyn OrderFeed> {
        None
    }
    /// Pushes product master data.
    fn product_sink(&self) -> Option<&dyn ProductSink> {
        None
    }
    /// Pushes prices.
    fn price_sink(&self) -> Option<&dyn PriceSink> {
        None
    }
    /// Pushes stock levels.
    fn stock_sink(&self) -> Option<&dyn StockSink> {
        None
    }
    /// Reads stock held by the platform.
    fn stock_source(&self) -> Option<&dyn StockSource> {
        None
    }
    /// Pushes customers / B2B clients.
    fn customer_sink(&self) -> Option<&dyn CustomerSink> {
        None
    }

    /// What this connector can do, derived from the views above.
    fn capabilities(&self) -> Vec<Capability> {
        let mut caps = Vec::new();
        let views = [
            (self.catalog_source().is_some(), Capability::CatalogSource),
            (self.order_placement().is_some(), Capability::OrderPlacement),
            (self.order_tracking().is_some(), Capability::OrderTracking),
            (self.order_feed().is_some(), Capability::OrderFeed),
            (self.product_sink().is_some(), Capability::ProductSink),
            (self.price_sink().is_some(), Capability::PriceSink),
            (self.stock_sink().is_some(), Capability::StockSink),
            (self.stock_source().is_some(), Capability::StockSource),
            (self.customer_sink().is_some(), Capability::CustomerSink),
        ];
        for (present, cap) in views {
            if present {
                caps.push(cap);
            }
        }
        caps
    }

    /// Whether the connector has `capability`.
    fn can(&self, capability: Capability) -> bool {
        self.capabilities().contains(&capability)
    }
}

/// Reads a supplier's catalog as a stream of offers.
#[async_trait]
pub trait CatalogSource: Send + Sync {
    /// Streams every offer of the catalog. Rows that cannot be mapped are reported by the
    /// platform crate's own import API; this stream yields the mapped offers and fatal errors.
    async fn offers(&self) -> Result<ResultStream<'_, Offer>, Error>;
}

/// Quotes and places orders on a platform that fulfils them.
#[async_trait]
pub trait OrderPlacement: Send + Sync {
    /// Asks the platform whether it can supply the draft, and at what price. Sends nothing
    /// that creates an order.
    async fn quote(&self, draft: &OrderDraft) -> Result<Quote, Error>;

    /// Places the order. Never retried automatically: on [`Error::OutcomeUnknown`], look the
    /// order up with [`OrderTracking`] before placing it again.
    async fn place(&self, draft: &OrderDraft) -> Result<PlacedOrder, Error>;
}

/// Follows orders placed through [`OrderPlacement`].
#[async_trait]
pub trait OrderTracking: Send + Sync {
    /// The order as the platform sees it now: status, lines, shipments and tracking.
    async fn order(&self, id: &OrderId) -> Result<Order, Error>;
}

/// A change the ERP makes to an order it received through an [`OrderFeed`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OrderUpdate {
    /// Accept the order.
    Confirm,
    /// Refuse some lines (by SKU), with a reason.
    RejectLines {
        /// The SKUs refused (and their quantities).
        lines: Vec<(Sku, Decimal)>,
        /// Why.
        reason: String,
    },
    /// Attach an invoice.
    Invoice(Invoice),
    /// Report a shipment.
    Ship(Shipment),
    /// Report delivery.
    Delivered,
    /// Cancel the order.
    Cancel {
        /// Why.
        reason: String,
    },
}

/// A page of orders pulled from a feed, with the cursor to continue from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OrderBatch {
    /// The orders (new or changed since the cursor).
    pub orders: Vec<Order>,
    /// Save this after processing the orders; pass it to the next pull.
    pub next_cursor: Option<String>,
    /// Orders the platform returned that could not be read into [`Order`] (an unknown
    /// currency, an impossible quantity...): `index` is the position in the platform's answer,
    /// `key` its order id, `error` why. One bad order does not hold back the others; these are
    /// not in `orders`, so alert on them or fix them on the platform.
    pub rejected: Vec<crate::batch::RecordFailure>,
}

impl OrderBatch {
    /// A batch.
    pub fn new(orders: Vec<Order>, next_cursor: Option<String>) -> Self {
        Self {
            orders,
            next_cursor,
            rejected: Vec::new(),
        }
    }

    /// The batch with the orders that could not be read (see [`OrderBatch::rejected`]).
    pub fn with_rejected(mut self, rejected: Vec<crate::batch::RecordFailure>) -> Self {
        self.rejected = rejected;
        self
    }
}

/// Pulls orders placed on the platform and moves them along their lifecycle.
#[async_trait]
pub trait OrderFeed: Send + Sync {
    /// Orders new or changed since `cursor` (`None`: from the start of the feed).
    async fn pull_orders(&self, cursor: Option<&str>) -> Result<OrderBatch, Error>;

    /// Applies an update. Updates the platform cannot express return [`Error::Unsupported`].
    async fn update_order(&self, id: &OrderId, update: OrderUpdate) -> Result<(), Error>;
}

/// Pushes product master data.
#[async_trait]
pub trait ProductSink: Send + Sync {
    /// Pushes products; every record is accounted for in the report.
    async fn push_products(
        &self,
        products: RecordStream<'_, Product>,
    ) -> Result<BatchReport, Error>;
}

/// Pushes prices.
#[async_trait]
pub trait PriceSink: Send + Sync {
    /// Pushes prices; every record is accounted for in the report.
    async fn push_prices(
        &self,
        prices: RecordStream<'_, PriceRecord>,
    ) -> Result<BatchReport, Error>;
}

/// Pushes stock levels.
#[async_trait]
pub trait StockSink: Send + Sync {
    /// Pushes stock levels; every record is accounted for in the report.
    async fn push_stock(&self, stock: RecordStream<'_, Stock>) -> Result<BatchReport, Error>;
}

/// Reads stock held by the platform (e.g. Amazon FBA inventory).
#[async_trait]
pub trait StockSource: Send + Sync {
    /// Streams the stock levels the platform holds.
    async fn stock(&self) -> Result<ResultStream<'_, Stock>, Error>;
}

/// Pushes customers / B2B clients.
#[async_trait]
pub trait CustomerSink: Send + Sync {
    /// Creates or updates customers; every record is accounted for in the report.
    async fn push_customers(
        &self,
        customers: RecordStream<'_, Customer>,
    ) -> Result<BatchReport, Error>;
}
