//! The store as a core [`RateLimitStore`]: buckets shared by every process on the database,
//! so two workers of one Amazon seller together stay under the quota.
//!
//! ```no_run
//! use connector_core::SharedRateLimits;
//! use connector_sync::SqlStore;
//! use std::sync::Arc;
//!
//! # async fn demo() -> Result<(), connector_sync::SyncError> {
//! let store = SqlStore::open("postgres://sync@db.internal/sync").await?;
//! let limits = SharedRateLimits::with_store(Arc::new(store));
//! // AmazonMcfClient::builder().share_rate_limits(&limits).rate_limit_scope("seller-A")...
//! # let _ = limits; Ok(()) }
//! ```

use std::time::Duration;

use async_trait::async_trait;
use connector_core::{Error, RateLimit, RateLimitStore};

use crate::store::{SqlStore, SyncStore};

#[async_trait]
impl RateLimitStore for SqlStore {
    /// One upsert on the database clock ([`SyncStore::bucket_reserve`]) with the caller's
    /// current limit (so a rate adapted from a response header applies at once).
    async fn reserve(
        &self,
        scope: &str,
        operation: &str,
        limit: RateLimit,
    ) -> Result<Duration, Error> {
        Ok(self
            .bucket_reserve(scope, operation, limit.interval(), limit.burst())
            .await?)
    }
}
