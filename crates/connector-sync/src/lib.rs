//! # connector-sync
//!
//! Restart-safe sync state for the `erp-connectors` SDK: one [`SyncStore`] trait and its
//! SQL implementation [`SqlStore`] on SQLite (one file, nothing to install; the default) or
//! PostgreSQL (several processes and machines). It keeps, per connector instance
//! ([`InstanceId`], e.g. `amazon-mcf/seller-A/EU`):
//!
//! | what | API |
//! | --- | --- |
//! | event cursors, as a core [`connector_core::CursorStore`] | [`InstanceCursors`] |
//! | fingerprints for change detection (new, changed, deleted; committed after the platform accepted) | [`ChangeDetector`] |
//! | the order ledger (intent before the call, outcome after, reconcile before resend) | [`PlacementFlow`] |
//! | dead letters (rejected records, tried again later) | [`SyncStore::dead_letter_put`] ... |
//! | run history | [`SyncStore::run_start`], [`SyncStore::runs`] |
//! | leases with fencing tokens | [`SyncStore::lease_acquire`], [`Lease`] |
//! | shared rate-limit buckets (GCRA on the database clock), a core [`connector_core::RateLimitStore`] | [`SyncStore::bucket_reserve`] |
//!
//! Migrations ship with the crate and run on open; a database written by a newer schema is
//! refused ([`SyncError::SchemaTooNew`]). See `docs/sync.md` for the guarantees.
//!
//! ```no_run
//! use connector_sync::{InstanceId, SqlStore, SyncStore};
//! use std::time::Duration;
//!
//! # async fn demo() -> Result<(), connector_sync::SyncError> {
//! let store = SqlStore::open("sqlite:sync.db").await?;
//! let seller = InstanceId::new("amazon-mcf/seller-A/EU")?;
//! if let Some(lease) = store.lease_acquire(&seller, "orders", "worker-1", Duration::from_secs(60)).await? {
//!     store.cursor_save(&seller, "one.orders", "42", Some(&lease)).await?;
//!     store.lease_release(&lease).await?;
//! }
//! # Ok(()) }
//! ```

pub mod change;
pub mod cursor;
pub mod error;
pub mod flows;
pub mod placement;
pub mod ratelimit;
pub mod runner;
pub mod schema;
pub mod store;
pub mod types;

pub use change::{ChangeDetector, ChangeStats, fingerprint_of};
pub use cursor::InstanceCursors;
pub use error::SyncError;
pub use flows::{OrderFeedFlow, OrderHandler, SourceFn, StockSyncFlow, stock_key};
pub use placement::{PlacementFlow, PlacementLookup, PlacementReport, TrackingLookup};
pub use runner::{Flow, RunContext, RunOutcome, Runner, Schedule};
pub use schema::SCHEMA_VERSION;
pub use store::{
    MAX_KEYS_PER_STATEMENT, PostgresOptions, SqlStore, SqliteOptions, StagedFingerprint, SyncStore,
};
pub use types::{
    DeadLetter, InstanceId, Lease, LedgerEntry, LedgerState, RunCounts, RunRecord, RunStatus,
};
