//! [`SyncError`]: what went wrong in the sync layer, organised by what the caller does next.

use std::fmt;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in the store, a flow or the runner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The database could not be reached or refused a statement (server stopped, disk full,
    /// file locked past the busy timeout). Nothing of the failed operation was committed; run
    /// again once the database is back.
    #[error("database error while {operation}: {source}")]
    Database {
        /// What the store was doing.
        operation: String,
        /// The driver's error.
        #[source]
        source: BoxError,
    },

    /// The database file is not a database of this crate (or is damaged): refused rather than
    /// overwritten.
    #[error("the store at {location} is unreadable: {reason}")]
    Corrupt {
        /// The file path or a redacted URL.
        location: String,
        /// What was found.
        reason: String,
    },

    /// The database was written by a newer version of this crate (schema `found`, this build
    /// knows up to `supported`). Upgrade the program; the database was not touched.
    #[error(
        "the store has schema version {found}, newer than the {supported} this build of connector-sync knows (written by connector-sync {written_by}); upgrade connector-sync, the store was not changed"
    )]
    SchemaTooNew {
        /// The version found in `sync_schema`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
        /// The crate version that wrote it.
        written_by: String,
    },

    /// The lease of (instance, flow) is no longer held by this worker (it expired and another
    /// worker may have taken it over): nothing was committed. Stop the run.
    #[error(
        "lease of `{instance}` / `{flow}` (token {token}) is no longer held: nothing was committed"
    )]
    LeaseLost {
        /// The connector instance.
        instance: String,
        /// The flow.
        flow: String,
        /// The fencing token the worker held.
        token: i64,
    },

    /// An argument breaks a rule (bad instance id, empty key, cron expression that does not
    /// parse...). Nothing was done.
    #[error("invalid input: `{field}` {rule}")]
    InvalidInput {
        /// The offending argument.
        field: String,
        /// The rule it breaks.
        rule: String,
    },

    /// The platform call of a flow failed as a whole.
    #[error("platform error: {0}")]
    Platform(#[from] connector_core::Error),

    /// A stored value could not be read back (a payload that is not the JSON it should be).
    #[error("stored {what} could not be decoded: {message}")]
    Decode {
        /// Which value.
        what: String,
        /// Why.
        message: String,
    },
}

impl SyncError {
    pub(crate) fn db(operation: impl fmt::Display, source: sqlx::Error) -> Self {
        Self::Database {
            operation: operation.to_string(),
            source: Box::new(source),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// Whether running again later may succeed without a change (database or platform
    /// temporarily unavailable, lease taken over).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Database { .. } | Self::LeaseLost { .. } => true,
            Self::Platform(e) => e.is_retryable(),
            _ => false,
        }
    }
}

impl From<SyncError> for connector_core::Error {
    /// Store failures reach code written against `connector-core` traits (such as
    /// [`connector_core::CursorStore`]) as I/O errors, invalid input as invalid input, and
    /// platform errors unchanged.
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Platform(e) => e,
            SyncError::InvalidInput { field, rule } => connector_core::Error::invalid(field, rule),
            other => {
                let message = other.to_string();
                connector_core::Error::io(message, other)
            }
        }
    }
}
