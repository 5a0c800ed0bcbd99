//! # erp-connectors
//!
//! One SDK for connecting an ERP to four order platforms, each in its own crate and re-exported
//! here behind a cargo feature:
//!
//! | module | crate | the ERP... |
//! | --- | --- | --- |
//! | [`core`] | `connector-core` | shared models, `Connector` traits, errors, batching, cursors |
//! | [`http`] | `connector-http` | (the HTTP runtime every platform uses) |
//! | `sandbox` (feature `sandbox`) | `connector-sandbox` | local simulators for examples and tests |
//! | `amazon_mcf` (feature `amazon-mcf`) | `amazon-mcf` | has its off-Amazon orders shipped from FBA stock (Multi-Channel Fulfillment) |
//! | [`one_b2b`] (feature `one-b2b`) | `one-b2b` | pushes clients, stock, prices, invoices to ONe B2B; pulls orders |
//! | `totvs_omni` (feature `totvs-omni`) | `totvs-omni` | sells on TOTVS Omni: product/price/stock loads, order lifecycle |
//! | `accor_oms` (feature `accor-oms`) | `accor-oms` | buys on Accor's AStoreShop: SFTP catalog import, validate-cart, purchase orders, status |
//! | `sftp` (feature `sftp`) | `connector-sftp` | (the SFTP transport: resumable, verified downloads, atomic uploads, CSV records) |
//! | `sync` (feature `sync`) | `connector-sync` | runs restart-safe sync flows: cursors, change detection, an order ledger, leases, shared rate limits on SQLite or PostgreSQL |
//!
//!
//! ```
//! use erp_connectors::core::{Currency, Money};
//! let price = Money::parse("12.50", Currency::EUR)?;
//! assert_eq!(price.to_string(), "12.50 EUR");
//! # Ok::<(), erp_connectors::core::Error>(())
//! ```

#[cfg(feature = "accor-oms")]
pub use accor_oms;
#[cfg(feature = "amazon-mcf")]
pub use amazon_mcf;
pub use connector_core as core;
pub use connector_http as http;
#[cfg(feature = "sandbox")]
pub use connector_sandbox as sandbox;
#[cfg(feature = "sftp")]
pub use connector_sftp as sftp;
#[cfg(feature = "sync")]
pub use connector_sync as sync;
#[cfg(feature = "one-b2b")]
pub use one_b2b;
#[cfg(feature = "totvs-omni")]
pub use totvs_omni;
