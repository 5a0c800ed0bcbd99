//! # totvs-omni
//!
//! TOTVS Omni (Brazil) for the `erp-connectors` SDK: the ERP **sells** through Omni. It loads
//! products, prices and stock into Omni (the documented `integration-exec-post` call, or an FTP
//! drop), and moves Omni's orders through their lifecycle.
//!
//! | area | what you get |
//! | --- | --- |
//! | [`config`] | [`OmniConfig`]: load endpoint, site id, integration user, order API login; `from_env()` (`TOTVS_OMNI_*`) |
//! | [`layout`] | typed load records ([`ProductLine`], [`PriceLine`], [`StockLine`], [`AttributeLine`]), the [`LayoutProfile`] of field names, a [`LoadFileWriter`] streaming JSON to disk |
//! | [`loads`] | [`Loads`] over a [`LoadTransport`] ([`HttpExecPost`] multipart, or [`FtpDrop`]); [`LoadSequencer`] (products, then prices, then stock; refuses stock for absent stores) |
//! | [`ftp`] | [`FtpDrop`]: FTPS when offered ([`FtpTls`]), upload as `name.part`, then rename |
//! | [`orders`] | [`OrdersClient`]: paid orders pending confirmation, confirm, reject items (kit rule), invoice (NF-e), ship, deliver; infinite-shelf orders and payments; [`OrderRoutes`] |
//! | [`nfe`] | [`AccessKey`] (44 digits, mod-11 check digit), [`Nfe`] |
//! | [`auth`] | [`OmniLogin`]: user/password login as a `TokenProvider` |
//! | [`model`] | wire types ([`IntegrationType`], [`LoadReceipt`], [`OmniOrder`], [`OmniStatus`]...) |
//! | [`convert`] | shared models <-> Omni |
//! | `connector` | `Connector` with `ProductSink`, `PriceSink`, `StockSink`, `OrderFeed` |
//!
//! Order API paths, load-file layouts and status names are **not public**: they are
//! configurable, with documented defaults (see `docs/platforms/totvs-omni.md`).
//!
//! ## Example
//!
//! ```no_run
//! use futures::stream;
//! use rust_decimal::Decimal;
//! use totvs_omni::{IntegrationType, OmniClient, OmniConfig, PriceLine, ProductLine, SecretString};
//!
//! # async fn run() -> Result<(), totvs_omni::Error> {
//! let config = OmniConfig::builder("SITE-1", "integrador", SecretString::from("secret"))
//!     .orders_api("https://omni.example.com/api", "erp", SecretString::from("secret"))
//!     .build()?;
//! let omni = OmniClient::new(config)?;
//! let products = vec![ProductLine::new("CAM-P", "Camiseta P").brand("Acme")];
//! let receipt = omni.loads().load(IntegrationType::Products, stream::iter(products)).await?;
//! println!("products accepted: {:?}", receipt.http_status);
//! let prices = vec![PriceLine::new("CAM-P", Decimal::new(12990, 2))];
//! omni.loads().load(IntegrationType::Prices, stream::iter(prices)).await?;
//! for order in omni.orders()?.pending_confirmation(1).await?.orders {
//!     omni.orders()?.confirm(&order.id).await?;
//! }
//! # Ok(()) }
//! ```

pub mod auth;
pub mod config;
mod connector;
pub mod convert;
pub mod ftp;
pub mod layout;
pub mod loads;
pub mod model;
pub mod nfe;
pub mod orders;

use std::sync::Arc;

pub use auth::OmniLogin;
pub use config::{OmniConfig, OmniConfigBuilder};
pub use connector_core::{Error, SecretString};
pub use ftp::{FtpDrop, FtpTls};
pub use layout::{
    AttributeLine, DecimalStyle, LayoutProfile, LoadFile, LoadFileWriter, LoadRecord, PriceLine,
    ProductLine, StockLine,
};
pub use loads::{HttpExecPost, LoadSequencer, LoadTransport, Loads, RefusedStock, SequenceReport};
pub use model::{IntegrationType, LoadReceipt, OmniOrder, OmniOrderItem, OmniStatus, RejectItem};
pub use nfe::{AccessKey, Nfe, NfeDocument};
pub use orders::{
    KitCheck, KitViolation, OrderRoutes, OrdersClient, Payment, PaymentMethod, RejectError,
    ShipmentNotice, check_kit_rule,
};

use connector_core::TokenCache;
use connector_http::{BearerAuth, HttpClient};

/// The TOTVS Omni client: loads, orders, and the `Connector` implementation.
#[derive(Debug, Clone)]
pub struct OmniClient {
    pub(crate) config: OmniConfig,
    loads: Loads,
    pub(crate) orders: Option<OrdersClient>,
    pub(crate) token_cache: Option<Arc<TokenCache>>,
}

impl OmniClient {
    /// Builds the HTTP clients (load endpoint and, when configured, the order API with its
    /// login) from `config`.
    pub fn new(config: OmniConfig) -> Result<Self, Error> {
        // Both passwords are registered with every client's redactor: a server that echoes one
        // (a form quoted in an error page, the other API's password) never puts it into an
        // error.
        let mut load_http =
            HttpClient::builder(config.load_host.clone()).redact_secret(config.password.clone());
        if let Some(p) = &config.orders_password {
            load_http = load_http.redact_secret(p.clone());
        }
        let load_http = load_http
            .allow_http(config.allow_http)
            .timeout(config.load_timeout)
            .retry(config.retry.clone())
            .clock(config.clock.clone())
            .build()?;
        let transport = Arc::new(HttpExecPost::new(
            load_http,
            &config.site_id,
            config.username.clone(),
            config.password.clone(),
        ));
        let loads = Loads::new(transport, config.layout.clone());
        let (orders, token_cache) = match (
            &config.orders_base_url,
            &config.orders_username,
            &config.orders_password,
        ) {
            (Some(url), Some(user), Some(pass)) => {
                let plain = HttpClient::builder(url.clone())
                    .redact_secret(pass.clone())
                    .redact_secret(config.password.clone())
                    .allow_http(config.allow_http)
                    .timeout(config.timeout)
                    .retry(config.retry.clone())
                    .clock(config.clock.clone())
                    .build()?;
                let login = OmniLogin::new(
                    plain,
                    config.routes.login.clone(),
                    user.clone(),
                    pass.clone(),
                );
                let cache = Arc::new(TokenCache::new(Arc::new(login), config.clock.clone()));
                let http = HttpClient::builder(url.clone())
                    .redact_secret(pass.clone())
                    .redact_secret(config.password.clone())
                    .allow_http(config.allow_http)
                    .timeout(config.timeout)
                    .retry(config.retry.clone())
                    .clock(config.clock.clone())
                    .auth(Arc::new(BearerAuth::new(cache.clone())))
                    .build()?;
                (
                    Some(OrdersClient::new(http, config.routes.clone())),
                    Some(cache),
                )
            }
            _ => (None, None),
        };
        Ok(Self {
            config,
            loads,
            orders,
            token_cache,
        })
    }

    /// Replaces the load transport (e.g. with an [`FtpDrop`]).
    pub fn with_load_transport(mut self, transport: Arc<dyn LoadTransport>) -> Self {
        self.loads = Loads::new(transport, self.config.layout.clone());
        self
    }

    /// The configuration.
    pub fn config(&self) -> &OmniConfig {
        &self.config
    }

    /// Loads (products, prices, stock, attributes).
    pub fn loads(&self) -> &Loads {
        &self.loads
    }

    /// A sequencer for full loads over this client's transport.
    pub fn sequencer(&self) -> LoadSequencer {
        LoadSequencer::new(self.loads.clone())
    }

    /// The order API, or [`Error::Config`] when it is not configured.
    pub fn orders(&self) -> Result<&OrdersClient, Error> {
        self.orders.as_ref().ok_or_else(|| {
            Error::config(
                "the TOTVS Omni order API is not configured (OmniConfigBuilder::orders_api)",
            )
        })
    }
}
