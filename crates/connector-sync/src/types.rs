//! The values the store keeps: instance ids, leases, ledger entries, dead letters, runs.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SyncError;

/// The longest instance id, flow name or record key the store accepts (in bytes).
pub const MAX_NAME_LEN: usize = 200;

/// A connector instance: one account of one platform, e.g. `amazon-mcf/seller-A/EU`.
///
/// Everything in the store is keyed by it, so one service can sync many sellers and tenants.
/// ASCII letters, digits and `. _ - / : @`, 1 to [`MAX_NAME_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceId(String);

impl InstanceId {
    /// Checks and wraps `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, SyncError> {
        let id = id.into();
        check_name("instance", &id)?;
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for InstanceId {
    type Err = SyncError;
    fn from_str(s: &str) -> Result<Self, SyncError> {
        Self::new(s)
    }
}

impl TryFrom<String> for InstanceId {
    type Error = SyncError;
    fn try_from(s: String) -> Result<Self, SyncError> {
        Self::new(s)
    }
}

impl From<InstanceId> for String {
    fn from(id: InstanceId) -> Self {
        id.0
    }
}

/// Checks a flow name or an instance id: ASCII letters, digits and `. _ - / : @`.
pub(crate) fn check_name(field: &str, value: &str) -> Result<(), SyncError> {
    if value.is_empty() || value.len() > MAX_NAME_LEN {
        return Err(SyncError::invalid(
            field,
            format!("must be 1 to {MAX_NAME_LEN} bytes long"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'))
    {
        return Err(SyncError::invalid(
            field,
            "must be ASCII letters, digits or `. _ - / : @`",
        ));
    }
    Ok(())
}

/// Checks a record key or an idempotency key: non-empty, at most 1,000 bytes, no control
/// characters.
pub(crate) fn check_key(field: &str, value: &str) -> Result<(), SyncError> {
    if value.is_empty() || value.len() > 1000 {
        return Err(SyncError::invalid(field, "must be 1 to 1000 bytes long"));
    }
    if value.chars().any(char::is_control) {
        return Err(SyncError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Microseconds since the Unix epoch, as the database clock gives them.
pub(crate) fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A lease on (instance, flow): while it is valid, no other worker runs the flow.
///
/// The `token` is a fencing token: it grows by one at every handover and every commit of a
/// flow checks that the lease with this token is still valid, so a worker whose lease expired
/// (a long GC pause, a network partition) cannot commit over the worker that took over.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lease {
    /// The connector instance.
    pub instance: InstanceId,
    /// The flow.
    pub flow: String,
    /// Who holds it (a worker id).
    pub holder: String,
    /// The fencing token, strictly greater than every earlier holder's.
    pub token: i64,
    /// When it expires, on the database clock.
    pub expires_at: DateTime<Utc>,
}

/// Where a placement stands in the order ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LedgerState {
    /// The intent is written; the order may or may not have been sent (see
    /// [`LedgerEntry::attempts`]): reconciled through the platform before any resend.
    Pending,
    /// The platform has the order (`platform_ids`).
    Placed,
    /// The platform refused the order for its content: not resent. Fix it and place it under a
    /// new key, or [`crate::SyncStore::ledger_retry`] it.
    Rejected,
    /// The call was made and neither its answer nor a lookup told whether the order exists:
    /// surfaced, never resent blindly. Each run looks it up again.
    Unknown,
}

impl LedgerState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Placed => "placed",
            Self::Rejected => "rejected",
            Self::Unknown => "unknown",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, SyncError> {
        Ok(match s {
            "pending" => Self::Pending,
            "placed" => Self::Placed,
            "rejected" => Self::Rejected,
            "unknown" => Self::Unknown,
            other => {
                return Err(SyncError::Decode {
                    what: "ledger state".into(),
                    message: format!("unknown state `{other}`"),
                });
            }
        })
    }
}

impl fmt::Display for LedgerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One placement in the order ledger.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The connector instance it is placed on.
    pub instance: InstanceId,
    /// The flow that placed it.
    pub flow: String,
    /// The idempotency key (Amazon's `sellerFulfillmentOrderId`, the ERP order number).
    pub key: String,
    /// Where it stands.
    pub state: LedgerState,
    /// The order as the ERP gave it (JSON).
    pub payload: serde_json::Value,
    /// The platform's order ids, once placed.
    pub platform_ids: Vec<String>,
    /// Why it is rejected or unknown, or what the last attempt said.
    pub detail: Option<String>,
    /// Calls made to place it (0: never sent, so safe to send without a lookup).
    pub attempts: i64,
    /// When the intent was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A record a platform rejected, kept to be tried again.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The connector instance.
    pub instance: InstanceId,
    /// The flow.
    pub flow: String,
    /// The record key.
    pub key: String,
    /// The record (JSON).
    pub payload: serde_json::Value,
    /// The platform's reason for the last rejection.
    pub reason: String,
    /// How many times it was rejected.
    pub attempts: i64,
    /// When it was first rejected.
    pub first_failed_at: DateTime<Utc>,
    /// When it was last rejected.
    pub last_failed_at: DateTime<Utc>,
    /// When it is due to be tried again.
    pub retry_at: DateTime<Utc>,
}

/// The counts of a run, from its [`connector_core::BatchReport`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Records read from the source (for change detection: the whole snapshot).
    pub total: i64,
    /// Records handed on (changed or new, or pulled from a feed, or placed).
    pub changed: i64,
    /// Records the platform accepted.
    pub sent: i64,
    /// Records the platform refused.
    pub rejected: i64,
    /// Records that failed for a reason not tied to them.
    pub failed: i64,
    /// Records never sent because the run stopped.
    pub not_attempted: i64,
    /// Deletions found in a full snapshot.
    pub deleted: i64,
}

impl RunCounts {
    /// Counts with `total` records read and `changed` handed on, and the platform's report.
    pub fn from_report(total: i64, changed: i64, report: &connector_core::BatchReport) -> Self {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        Self {
            total,
            changed,
            sent: n(report.sent),
            rejected: n(report.rejected.len()),
            failed: n(report.failed.len()),
            not_attempted: n(report.not_attempted.len()),
            deleted: 0,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Still running, or the worker died (a run left `running` past its lease is a crash).
    Running,
    /// Finished; every record accounted for in the counts.
    Succeeded,
    /// Stopped with an error (see [`RunRecord::error`]).
    Failed,
}

impl RunStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, SyncError> {
        Ok(match s {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            other => {
                return Err(SyncError::Decode {
                    what: "run status".into(),
                    message: format!("unknown status `{other}`"),
                });
            }
        })
    }
}

/// One flow run in the run history.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunRecord {
    /// The run id (grows with every run of the store).
    pub id: i64,
    /// The connector instance.
    pub instance: InstanceId,
    /// The flow.
    pub flow: String,
    /// The worker that ran it.
    pub worker: String,
    /// When it started (database clock).
    pub started_at: DateTime<Utc>,
    /// When it ended, if it did.
    pub ended_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub status: RunStatus,
    /// The counts.
    pub counts: RunCounts,
    /// The error that stopped it, if any.
    pub error: Option<String>,
}
