//! # one-b2b
//!
//! The ONe B2B connector of the `erp-connectors` SDK: the ERP pushes master data (clients,
//! stock, prices, invoices, goods-issued notes) to an ONe tenant and pulls B2B orders back.
//!
//! ## The API at a glance
//!
//! | area | module | main calls on [`OneClient`] |
//! | --- | --- | --- |
//! | config & auth | [`config`], [`auth`] | [`OneConfig::builder`], [`OneConfig::from_env`] (`ONE_B2B_*`); `ApiAuth` + `one-tenant` on every call |
//! | stage I: stock | [`stock`] | `push_stock` (incremental, 10,000 lines a request), `replace_stock`, `remove_stock`, `create_warehouse` |
//! | stage I: clients | [`account`] | `create_clients`, `update_clients`, `client`, `clients`, `delete_client`, `put_segment`, `put_trade_credit(s)`, `put_blockade` |
//! | stage II: prices | [`pricing`] | `push_catalog_prices`, `push_retail_prices`, `create_pricing`, `assign_pricings` (2,000-per-client guard), `find_unused_pricings`, product groups, tax rates |
//! | stage III: documents | [`documents`] | `put_invoice`, `put_invoice_statuses`, `put_goods_issued_note`, `upload_pdf` (two steps) |
//! | stage III: orders | [`orders`] | `order_events`, `sales_order`, `set_shipment_status`, `set_payment_status`, `confirm_delivery_date`, `set_shipped_quantities`, `add_waybills`, `put_offline_order` |
//! | event feeds | [`events`] | [`EventCursor`]: persistent, at-least-once |
//! | bulk engine | [`bulk`] | split, bounded concurrency, bad records isolated, resumable with a [`Checkpoint`] |
//! | schedules | [`schedule`] | [`SCHEDULE`]: the suggested cadence of every flow |
//! | shared traits | [`connector`] | `Connector`, `StockSink`, `PriceSink`, `CustomerSink`, `OrderFeed` |
//! | endpoints | [`routes`] | every method and path, with what was inferred |
//!
//! ## Example: push stock, pull orders
//!
//! ```no_run
//! use std::sync::Arc;
//! use one_b2b::{EventCursor, Feed, OneClient, OneConfig, Environment};
//! use one_b2b::model::{OrderEvent, StockLine};
//! use connector_core::{FileCursorStore, SecretString};
//! use futures::stream;
//! use rust_decimal::Decimal;
//!
//! # async fn run() -> Result<(), connector_core::Error> {
//! let client = OneClient::new(
//!     OneConfig::builder()
//!         .environment(Environment::Preprod)
//!         .tenant("my-tenant")
//!         .api_key(SecretString::from(std::env::var("ONE_B2B_API_KEY").unwrap_or_default()))
//!         .build()?,
//! )?;
//!
//! // Stock: any number of lines, sent 10,000 per request; every line is accounted for.
//! let lines = (0..25_001).map(|i| StockLine::new(format!("SKU-{i}"), Decimal::from(i % 7)));
//! let report = client.push_stock("WH-1", stream::iter(lines), None).await?;
//! println!("{report}");
//! for failure in &report.rejected {
//!     println!("{} refused: {}", failure.key, failure.error);
//! }
//!
//! // Orders: resume from the saved cursor; the cursor moves only after the handler succeeds.
//! let store = Arc::new(FileCursorStore::new("/var/lib/erp/cursors"));
//! let cursor = EventCursor::new(client.clone(), store, Feed::Orders);
//! cursor
//!     .poll(|event: OrderEvent| {
//!         let client = client.clone();
//!         async move {
//!             if let Some(shipment) = &event.shipment_id {
//!                 let order = client.sales_order(shipment).await?;
//!                 println!("{} {} lines", order.id, order.product_lines.len());
//!             }
//!             Ok(())
//!         }
//!     })
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Bad input is refused before anything is sent, with [`connector_core::Error::InvalidInput`]
//! naming the field (`stocks[3].quantity`) and the rule. Bulk pushes never fail on one record:
//! the [`connector_core::BatchReport`] lists every record refused (with ONe's reason, 404
//! "client not found" included), failed (server down: retry later) or not attempted (the key
//! was refused: the run stops). See `docs/platforms/one-b2b.md` for the open questions.

pub mod account;
pub mod auth;
pub mod bulk;
mod client;
pub mod config;
pub mod connector;
pub mod convert;
pub mod documents;
pub mod events;
pub mod model;
pub mod orders;
pub mod pricing;
pub mod routes;
pub mod schedule;
pub mod stock;

pub use account::ClientPage;
pub use bulk::Checkpoint;
pub use client::OneClient;
pub use config::{Environment, OneConfig, OneConfigBuilder};
pub use documents::DocumentKind;
pub use events::{EventCursor, Feed, Polled};
pub use pricing::{PriceListGuard, unused_pricings};
pub use schedule::{Cadence, Direction, Flow, FlowSchedule, SCHEDULE};

/// Re-exported so applications name the same `chrono` (dates of shipments, schedules).
pub use chrono;
