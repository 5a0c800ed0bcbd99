//! # amazon-mcf
//!
//! Amazon **Multi-Channel Fulfillment** over the Selling Partner API: your ERP's off-Amazon
//! orders picked, packed and shipped from FBA stock.
//!
//! Targets **Fulfillment Outbound `2020-07-01`** (every operation) and **FBA Inventory `v1`**
//! (`getInventorySummaries` plus the sandbox helpers). The transport and auth are
//! version-independent, so the newer Fulfillment Outbound `2026-07-04` can be added as its own
//! module.
//!
//! ## At a glance
//!
//! | area | API |
//! | --- | --- |
//! | setup | [`AmazonMcfClient::builder`] / [`AmazonMcfBuilder::from_env`] (`AMAZON_MCF_*`), [`Region`], [`Environment`], [`MARKETPLACES`] |
//! | auth | LWA refresh-token grant (automatic), [`auth::ConsentUrl`], [`auth::AuthorizationCallback`], [`auth::AuthorizationCodeExchange`] |
//! | orders | [`AmazonMcfClient::get_fulfillment_preview`], [`AmazonMcfClient::create_fulfillment_order`] (→ [`CreateOutcome`]), [`AmazonMcfClient::get_fulfillment_order`], [`AmazonMcfClient::list_all_fulfillment_orders`] (stream), [`AmazonMcfClient::update_fulfillment_order`], [`AmazonMcfClient::cancel_fulfillment_order`] |
//! | delivery | [`AmazonMcfClient::delivery_offers`], [`AmazonMcfClient::get_package_tracking_details`] |
//! | returns | [`AmazonMcfClient::list_return_reason_codes`], [`AmazonMcfClient::create_fulfillment_return`] |
//! | features | [`AmazonMcfClient::get_features`], [`AmazonMcfClient::get_feature_inventory`] (stream), [`AmazonMcfClient::get_feature_sku`] |
//! | inventory | [`AmazonMcfClient::get_inventory_summaries`] (stream) |
//! | sandbox only | [`AmazonMcfClient::submit_fulfillment_order_status_update`], [`AmazonMcfClient::sandbox_create_inventory_item`], [`AmazonMcfClient::sandbox_add_inventory`], [`AmazonMcfClient::sandbox_delete_inventory_item`] |
//! | shared traits | [`AmazonMcfConnector`]: `OrderPlacement`, `OrderTracking`, `StockSource` |
//!
//! ## What the client takes care of
//!
//! * **Tokens**: LWA access tokens cached with a 60 s early refresh, one refresh in flight;
//!   a 403 "access token ... expired" refreshes once and retries once. `invalid_grant`
//!   (re-authorize the seller) and `invalid_client` (rotate the secret) are distinct
//!   [`connector_core::AuthErrorKind`]s.
//! * **Rate limits**: one token bucket per operation *in each client* (so one client per
//!   seller = Amazon's per seller-application buckets) with the models' rates and bursts,
//!   following `x-amzn-RateLimit-Limit`; calls wait for a token instead of failing, and a 429
//!   is retried with jittered exponential backoff (Amazon sends no `Retry-After`). Clients
//!   built separately for the same seller share their buckets through
//!   [`AmazonMcfBuilder::share_rate_limits`].
//! * **Encoding**: ids and SKUs are percent-encoded exactly once in paths (space → `%20`, `+`,
//!   `#`, `/` encoded), page tokens are encoded in queries, money is a decimal string.
//! * **Validation** before sending (lengths, characters, 100 lines / 250 units, addresses,
//!   ScheduledDelivery rules): errors name the field, nothing is sent.
//! * **No duplicate orders**: a create whose answer is lost is reconciled with
//!   `getFulfillmentOrder` ([`CreateOutcome`]).
//! * **Sandbox per client**: sandbox-only operations refuse to run on a production client.
//!
//! ## Example
//!
//! ```no_run
//! use amazon_mcf::model::Address;
//! use amazon_mcf::model::outbound::{
//!     CreateFulfillmentOrderItem, CreateFulfillmentOrderRequest, ShippingSpeedCategory,
//! };
//! use amazon_mcf::{AmazonMcfClient, CreateOutcome};
//! use connector_core::SecretString;
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), connector_core::Error> {
//! let client = AmazonMcfClient::builder()
//!     .client_id("amzn1.application-oa2-client.0123")
//!     .client_secret(SecretString::from("lwa-secret".to_string()))
//!     .refresh_token(SecretString::from("Atzr|refresh".to_string()))
//!     .marketplace_id("ATVPDKIKX0DER") // US: picks the NA endpoint
//!     .app_id("MyERP")
//!     .build()?;
//! let address = Address::new("Jane Doe", "1 Main St", Some("Seattle".into()), "98101", "US");
//! let order = CreateFulfillmentOrderRequest::new(
//!     "ERP-10001",
//!     "ERP-10001",
//!     chrono::Utc::now(),
//!     "Thank you for your order.",
//!     ShippingSpeedCategory::Standard,
//!     address,
//!     vec![CreateFulfillmentOrderItem::new("SKU 1+A", "1", 2)],
//! );
//! match client.create_fulfillment_order(&order).await? {
//!     CreateOutcome::Accepted => println!("created"),
//!     CreateOutcome::FoundAfterLostAnswer { .. } => println!("created (answer was lost)"),
//!     _ => {}
//! }
//! let status = client.get_fulfillment_order("ERP-10001").await?;
//! println!("{}", status.fulfillment_order.fulfillment_order_status);
//! let recent: Vec<_> = client.list_all_fulfillment_orders(None).try_collect().await?;
//! println!("{} orders", recent.len());
//! # Ok(()) }
//! ```

pub mod auth;
mod client;
pub mod config;
mod connector;
pub mod convert;
pub mod inventory;
pub mod model;
pub mod outbound;
pub mod validation;

pub use client::{
    AmazonMcfClient, INVENTORY_PREFIX, OUTBOUND_PREFIX, RATE_LIMIT_HEADER, SANDBOX_USAGE_PLAN,
    USAGE_PLANS, user_agent,
};
pub use config::{AmazonMcfBuilder, ENV_VARS, Environment, MARKETPLACES, Marketplace, Region};
pub use connector::AmazonMcfConnector;
pub use convert::PlacementDefaults;
pub use inventory::InventoryQuery;
pub use outbound::{CreateOutcome, ReturnReasonCodesQuery};
