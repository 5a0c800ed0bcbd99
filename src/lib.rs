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
//! | `sftp` (feature `sftp`) | `connector-sftp` | (the SFTP transport: resumable, verified downloads, atomic uploads, CSV records) |
//!
//! Platform crates (`accor-oms`, `totvs-omni`, `amazon-mcf`, `one-b2b`) join as their features.
//!
//! ```
//! use erp_connectors::core::{Currency, Money};
//! let price = Money::parse("12.50", Currency::EUR)?;
//! assert_eq!(price.to_string(), "12.50 EUR");
//! # Ok::<(), erp_connectors::core::Error>(())
//! ```

pub use connector_core as core;
pub use connector_http as http;
#[cfg(feature = "sandbox")]
pub use connector_sandbox as sandbox;
#[cfg(feature = "sftp")]
pub use connector_sftp as sftp;
