//! # accor-oms
//!
//! The Accor OMS (AStoreShop) connector of the `erp-connectors` SDK: the ERP **buys** on
//! Accor's marketplace (Mirakl behind a Keycloak-secured façade).
//!
//! | step | call | here |
//! | --- | --- | --- |
//! | authenticate (OAuth2 client credentials, Keycloak) | token endpoint | automatic ([`auth`]) |
//! | smoke test | `GET {base}/` → welcome text | [`AccorClient::check`] |
//! | stock and this customer's prices | `POST /validate-cart` (Mirakl SH02 shape) | [`AccorClient::validate_cart`] |
//! | place the order (one sub-order per supplier) | `POST /purchase-order` | [`AccorClient::purchase_order`] |
//! | follow a supplier's order | `GET /status/{order_id}` (route configurable) | [`AccorClient::status`] |
//! | catalog over SFTP (CSV by header name, rows reported and skipped) | SFTP | [`catalog`] |
//! | the other files: companies (hotels), addresses, suppliers, pricing deals, delivery calendars | SFTP | [`catalog::files`] (typed records; layouts are our documented guesses, configurable) |
//! | shared traits | `CatalogSource`, `OrderPlacement`, `OrderTracking` | [`AccorConnector`] ([`AccorConnector::import_records`] for the other files) |
//!
//! Everything is validated before it is sent ([`validation`]); errors name the field path and
//! the rule. purchase-order is never retried automatically: a lost answer gives
//! [`Error::OutcomeUnknown`](connector_core::Error::OutcomeUnknown) with a reconcile hint.
//!
//! ## Example
//!
//! ```no_run
//! use accor_oms::model::{CartLine, CustomerBlock, OrderOffer, PurchaseOrderRequest, ValidateCartRequest};
//! use accor_oms::{AccorClient, AccorConfig, Environment};
//! use connector_core::SecretString;
//!
//! # #[tokio::main] async fn main() -> Result<(), connector_core::Error> {
//! let client = AccorClient::new(
//!     AccorConfig::builder()
//!         .environment(Environment::Test)
//!         .client_id("my-erp")
//!         .client_secret(SecretString::from("from-your-vault"))
//!         .build()?,
//! )?;
//! client.check().await?;
//! let customer = CustomerBlock::new(
//!     "92320.HB1624", "buyer@hotel.example", "Ann", "Buyer", "AA00001221", "AA00001221", "fr_fr",
//! );
//! let lines = vec![CartLine::new("35308", 4)];
//! let cart = client
//!     .validate_cart(&ValidateCartRequest::new(customer.clone(), "FR-FR", lines.clone()))
//!     .await?;
//! for short in cart.short_lines(&lines) {
//!     println!("offer {} short: {} of {}", short.offer_id, short.available, short.requested);
//! }
//! let placed = client
//!     .purchase_order(&PurchaseOrderRequest::new(customer, "FR-FR", vec![OrderOffer::new("35308", 4)]))
//!     .await?;
//! for sub in &placed.orders {
//!     let status = client.status(&sub.order_id).await?;
//!     println!("{}: {}", sub.order_id, status.order_state.as_str());
//! }
//! # Ok(()) }
//! ```

pub mod auth;
pub mod catalog;
pub mod client;
pub mod config;
pub mod connector;
pub mod convert;
pub mod model;
pub mod validation;

pub use client::{AccorClient, WELCOME_TEXT};
pub use config::{AccorConfig, AccorConfigBuilder, Environment};
pub use connector::{AccorConnector, CatalogLocation};
