//! # connector-core
//!
//! The shared language of the `erp-connectors` SDK: models, the [`Connector`] and capability
//! traits, the [`Error`] type, and the reliability building blocks every platform crate uses.
//! It has no HTTP or SSH stack: those live in `connector-http` and `connector-sftp`.
//!
//! | module | what it gives you |
//! | --- | --- |
//! | [`model`] | `Customer`, `Address`, `Offer`, `Product`, `Stock`, `Order`, `OrderStatus`, `Shipment`... |
//! | [`money`] | [`Money`]: a `rust_decimal::Decimal` with an ISO 4217 [`Currency`], never a float |
//! | [`ids`] | id newtypes (`Sku`, `OrderId`, `LocationId`...) and ONe's `org:`/`ind:` [`ClientRef`] |
//! | [`connector`] | [`Connector`] and the capability traits (`StockSink`, `OrderFeed`, ...) |
//! | [`error`] | [`Error`], organised by what the caller does next |
//! | [`batch`] | split bulk pushes, isolate bad records, account for every record |
//! | [`pagination`] | turn cursor-paged APIs into `Stream`s |
//! | [`cursor`] | persist event cursors ([`CursorStore`], in memory or crash-safe files) |
//! | [`auth`] | [`TokenProvider`] and a [`TokenCache`] with single-flight refresh |
//! | [`ratelimit`] | token buckets that wait rather than fail, shareable across clients ([`SharedRateLimits`]) |
//! | [`retry`] | the [`RetryPolicy`] applied by the transports |
//! | [`clock`] | an injectable [`Clock`] so time-based tests run instantly |
//! | [`validate`] | checks that name the field and the rule |
//! | [`serde_helpers`] | platform wire formats (`DD/MM/YYYY` dates, decimals as JSON numbers) |
//! | [`memory`] | [`InMemoryConnector`] for your own tests |
//!
//! ## Example: hold connectors as trait objects and ask what they can do
//!
//! ```
//! use connector_core::{Capability, Connector, InMemoryConnector, LocationId, Sku, Stock};
//! use futures::{stream, StreamExt};
//! use rust_decimal::Decimal;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), connector_core::Error> {
//! let connectors: Vec<Box<dyn Connector>> = vec![Box::new(InMemoryConnector::new())];
//! let stock = vec![Stock::new(Sku::new("SKU-1")?, Some(LocationId::new("WH-1")?), Decimal::from(12))];
//! for c in &connectors {
//!     if let Some(sink) = c.stock_sink() {
//!         let report = sink.push_stock(stream::iter(stock.clone()).boxed()).await?;
//!         println!("{}: {report}", c.platform());
//!         assert!(report.is_balanced());
//!     }
//!     assert!(!c.can(Capability::OrderPlacement));
//! }
//! # Ok(()) }
//! ```

pub mod auth;
pub mod batch;
pub mod clock;
pub mod connector;
pub mod cursor;
pub mod error;
pub mod ids;
pub mod memory;
pub mod model;
pub mod money;
pub mod pagination;
pub mod ratelimit;
pub mod retry;
pub mod serde_helpers;
pub mod validate;

pub use auth::{CachedToken, Token, TokenCache, TokenProvider};
pub use batch::{
    BatchOptions, BatchProgress, BatchReport, BatchRunner, Chunk, ChunkResult, ProgressFn,
    RecordFailure,
};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use connector::{
    Capability, CatalogSource, Connector, CustomerSink, OrderBatch, OrderFeed, OrderPlacement,
    OrderTracking, OrderUpdate, Platform, PriceSink, ProductSink, RecordStream, ResultStream,
    StockSink, StockSource,
};
pub use cursor::{CursorStore, FileCursorStore, InMemoryCursorStore};
pub use error::{ApiContext, AuthErrorKind, Error, Result};
pub use ids::{
    AddressId, ClientKind, ClientRef, CustomerId, ExternalOrderId, LocationId, OfferId, OrderId,
    OrganizationId, PriceListId, ProductId, ShipmentId, ShopId, Sku,
};
pub use memory::InMemoryConnector;
pub use model::{
    Address, AddressKind, Availability, Customer, Invoice, Offer, Order, OrderDraft, OrderLine,
    OrderState, OrderStatus, Organization, Person, PlacedOrder, PriceRecord, PriceTier, Product,
    Quote, QuoteLine, RefusedLine, Shipment, Stock, Tracking,
};

pub use money::{Currency, Money};
pub use pagination::{DEFAULT_MAX_PAGES, Page, PageGuard, paginate, paginate_with};
pub use ratelimit::{RateLimit, RateLimitStore, RateLimiter, SharedRateLimits};
pub use retry::RetryPolicy;

// Re-exported so users name the same versions we use.
pub use rust_decimal::Decimal;
pub use secrecy::{ExposeSecret, SecretString};
