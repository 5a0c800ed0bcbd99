//! Cursors of one connector instance as a core [`CursorStore`], so ONe's and TOTVS's event
//! cursors work unchanged on a [`SyncStore`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use connector_core::{CursorStore, Error};

use crate::store::SyncStore;
use crate::types::{InstanceId, Lease};

/// The cursors of one instance in a [`SyncStore`], seen as a [`CursorStore`].
///
/// With a lease ([`InstanceCursors::fenced`]), every save checks it in the same transaction:
/// a worker whose lease expired cannot move the cursor.
#[derive(Clone)]
pub struct InstanceCursors {
    store: Arc<dyn SyncStore>,
    instance: InstanceId,
    fence: Option<Lease>,
}

impl fmt::Debug for InstanceCursors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceCursors")
            .field("instance", &self.instance)
            .field("fence", &self.fence.as_ref().map(|l| l.token))
            .finish()
    }
}

impl InstanceCursors {
    /// The cursors of `instance`, saved without a lease check.
    pub fn new(store: Arc<dyn SyncStore>, instance: InstanceId) -> Self {
        Self {
            store,
            instance,
            fence: None,
        }
    }

    /// The cursors of the lease's instance, each save checked against `lease`.
    pub fn fenced(store: Arc<dyn SyncStore>, lease: Lease) -> Self {
        Self {
            store,
            instance: lease.instance.clone(),
            fence: Some(lease),
        }
    }

    /// The instance.
    pub fn instance(&self) -> &InstanceId {
        &self.instance
    }
}

#[async_trait]
impl CursorStore for InstanceCursors {
    async fn load(&self, stream: &str) -> Result<Option<String>, Error> {
        Ok(self.store.cursor_load(&self.instance, stream).await?)
    }

    async fn save(&self, stream: &str, cursor: &str) -> Result<(), Error> {
        Ok(self
            .store
            .cursor_save(&self.instance, stream, cursor, self.fence.as_ref())
            .await?)
    }
}
