//! Placing ERP orders exactly once through the order ledger.
//!
//! For each draft, keyed by its external id (the idempotency key: Amazon's
//! `sellerFulfillmentOrderId`, the ERP order number):
//!
//! 1. the **intent** is written (`pending`, 0 attempts) unless the ledger has the key;
//! 2. a key already `placed` is skipped; one `rejected` is skipped (the platform refused its
//!    content); a `pending` key with attempts, or an `unknown` one, may have reached the
//!    platform before a crash or a lost answer, so it is **reconciled first** through the
//!    platform's lookup ([`PlacementLookup`], e.g. Amazon's `getFulfillmentOrder`): found →
//!    `placed`; surely absent → sent; lookup failed → `unknown`, surfaced, **not sent**;
//! 3. the attempt is counted and committed **before** the call;
//! 4. the outcome is recorded after it: accepted → `placed` with the platform's ids; refused
//!    for its content → `rejected` (and a dead letter with the reason);
//!    [`connector_core::Error::OutcomeUnknown`] → `unknown`; any other failure → stays
//!    `pending` and is reconciled before the next attempt.
//!
//! Every ledger write is checked against the flow's lease, so a worker whose lease expired
//! stops at its next write ([`SyncError::LeaseLost`]) and the worker that took over reconciles
//! what it left in flight.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{Error, OrderDraft, OrderId, OrderPlacement, OrderTracking, RateLimit};
use futures::{Stream, StreamExt};

use crate::error::SyncError;
use crate::store::SyncStore;
use crate::types::{Lease, LedgerEntry, LedgerState};

/// How the ledger asks the platform whether an order was placed under a key.
#[async_trait]
pub trait PlacementLookup: Send + Sync {
    /// `Ok(Some(ids))`: the platform has the order (its ids); `Ok(None)`: it surely has not;
    /// `Err`: cannot tell now.
    async fn lookup(&self, key: &str) -> Result<Option<Vec<String>>, Error>;
}

/// A [`PlacementLookup`] through [`OrderTracking`] where the platform's order id is the
/// idempotency key (Amazon MCF: `getFulfillmentOrder(sellerFulfillmentOrderId)`); a
/// [`Error::NotFound`] answer means "not placed".
pub struct TrackingLookup<'a>(pub &'a dyn OrderTracking);

impl fmt::Debug for TrackingLookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrackingLookup")
    }
}

#[async_trait]
impl PlacementLookup for TrackingLookup<'_> {
    async fn lookup(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        let id = OrderId::new(key)?;
        match self.0.order(&id).await {
            Ok(order) => Ok(Some(vec![order.id.to_string()])),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// What one placement run did, by idempotency key.
#[derive(Debug, Default, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlacementReport {
    /// Placed by this run.
    pub placed: Vec<String>,
    /// Found on the platform by reconciliation (placed earlier, answer lost or worker
    /// killed): recorded as placed, not sent again.
    pub reconciled: Vec<String>,
    /// Placed by an earlier run: skipped.
    pub already_placed: Vec<String>,
    /// Refused by the platform for their content (now or earlier), with the reason.
    pub rejected: Vec<(String, String)>,
    /// Outcome unknown, and the lookup could not tell: surfaced, not sent.
    pub unknown: Vec<(String, String)>,
    /// Failed for a reason not tied to them (platform down...): pending, reconciled and
    /// retried next run.
    pub retry_later: Vec<(String, String)>,
    /// Drafts whose key is in the ledger with a different order: refused, not sent (an
    /// idempotency key names one order).
    pub conflicting: Vec<String>,
    /// Placement calls made.
    pub calls: usize,
    /// Lookups made.
    pub lookups: usize,
}

impl PlacementReport {
    /// Drafts accounted for.
    pub fn total(&self) -> usize {
        self.placed.len()
            + self.reconciled.len()
            + self.already_placed.len()
            + self.rejected.len()
            + self.unknown.len()
            + self.retry_later.len()
            + self.conflicting.len()
    }
}

/// A rate limit shared by every process on the store ([`SyncStore::bucket_reserve`]).
#[derive(Debug, Clone)]
struct SharedBucket {
    scope: String,
    operation: String,
    limit: RateLimit,
}

/// Places orders through the ledger (see the module docs).
pub struct PlacementFlow<'a> {
    store: Arc<dyn SyncStore>,
    lease: Lease,
    placement: &'a dyn OrderPlacement,
    lookup: &'a dyn PlacementLookup,
    bucket: Option<SharedBucket>,
    dead_letter_retry: Duration,
}

impl fmt::Debug for PlacementFlow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlacementFlow")
            .field("instance", &self.lease.instance)
            .field("flow", &self.lease.flow)
            .field("bucket", &self.bucket)
            .finish()
    }
}

fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Auth { .. } | Error::Config { .. } | Error::Unsupported { .. }
    )
}

/// Whether the platform (or the local check before sending) refused the order for its
/// content, so that it was surely not created.
fn is_refusal(e: &Error) -> bool {
    match e {
        Error::InvalidInput { .. } => true,
        Error::Api { context } => matches!(context.status, Some(400..=499)),
        _ => false,
    }
}

impl<'a> PlacementFlow<'a> {
    /// A flow placing through `placement`, reconciling through `lookup`, under `lease`.
    pub fn new(
        store: Arc<dyn SyncStore>,
        lease: Lease,
        placement: &'a dyn OrderPlacement,
        lookup: &'a dyn PlacementLookup,
    ) -> Self {
        Self {
            store,
            lease,
            placement,
            lookup,
            bucket: None,
            dead_letter_retry: Duration::from_secs(3600),
        }
    }

    /// Paces placement calls with a bucket shared by every worker on the store: bucket
    /// (`scope`, `operation`) at `limit` (Amazon: `createFulfillmentOrder` 2/s burst 30 per
    /// seller and application).
    pub fn with_shared_rate_limit(
        mut self,
        scope: impl Into<String>,
        operation: impl Into<String>,
        limit: RateLimit,
    ) -> Self {
        self.bucket = Some(SharedBucket {
            scope: scope.into(),
            operation: operation.into(),
            limit,
        });
        self
    }

    /// When a rejected order's dead letter is due again (default one hour).
    pub fn with_dead_letter_retry(mut self, after: Duration) -> Self {
        self.dead_letter_retry = after;
        self
    }

    /// Places every draft of `drafts`, in order. A store error (database gone, lease lost)
    /// or a fatal platform error (credentials, configuration) stops the run and is returned;
    /// what was done until then is committed in the ledger.
    pub async fn run<S>(&self, drafts: S) -> Result<PlacementReport, SyncError>
    where
        S: Stream<Item = OrderDraft> + Send,
    {
        let mut report = PlacementReport::default();
        let mut drafts = std::pin::pin!(drafts);
        while let Some(draft) = drafts.next().await {
            self.place_one(&draft, &mut report).await?;
        }
        Ok(report)
    }

    /// Looks up every `unknown` entry again (and `pending` ones with attempts) without
    /// sending anything: found → placed, absent → pending (sent by the next [`run`](Self::run)
    /// that has its draft), lookup failed → stays unknown.
    pub async fn reconcile_unknown(&self, limit: i64) -> Result<PlacementReport, SyncError> {
        let mut report = PlacementReport::default();
        let entries = self
            .store
            .ledger_list(&self.lease.instance, LedgerState::Unknown, limit)
            .await?;
        for entry in entries {
            self.reconcile(&entry, &mut report).await?;
        }
        Ok(report)
    }

    /// Reconciles `entry`: `Ok(true)` when it is surely not on the platform (safe to send).
    async fn reconcile(
        &self,
        entry: &LedgerEntry,
        report: &mut PlacementReport,
    ) -> Result<bool, SyncError> {
        let key = entry.key.as_str();
        report.lookups += 1;
        match self.lookup.lookup(key).await {
            Ok(Some(ids)) => {
                self.record(
                    key,
                    LedgerState::Placed,
                    &ids,
                    Some("found by reconciliation"),
                )
                .await?;
                tracing::info!(key, "placement found on the platform by reconciliation");
                report.reconciled.push(key.to_string());
                Ok(false)
            }
            Ok(None) => {
                if entry.state != LedgerState::Pending {
                    self.record(key, LedgerState::Pending, &[], Some("not on the platform"))
                        .await?;
                }
                Ok(true)
            }
            Err(e) if is_fatal(&e) => Err(SyncError::Platform(e)),
            Err(e) => {
                let detail = format!("lookup failed: {e}");
                self.record(key, LedgerState::Unknown, &[], Some(&detail))
                    .await?;
                tracing::warn!(key, %detail, "placement outcome unknown; not sent again");
                report.unknown.push((key.to_string(), detail));
                Ok(false)
            }
        }
    }

    async fn record(
        &self,
        key: &str,
        state: LedgerState,
        ids: &[String],
        detail: Option<&str>,
    ) -> Result<(), SyncError> {
        self.store
            .ledger_record(&self.lease.instance, key, state, ids, detail, &self.lease)
            .await
    }

    async fn place_one(
        &self,
        draft: &OrderDraft,
        report: &mut PlacementReport,
    ) -> Result<(), SyncError> {
        let key = draft.external_id.as_str().to_string();
        let payload = serde_json::to_value(draft).map_err(|e| SyncError::Decode {
            what: "order draft".into(),
            message: e.to_string(),
        })?;
        let (entry, created) = self
            .store
            .ledger_begin(&self.lease.instance, &self.lease.flow, &key, &payload)
            .await?;
        if !created && entry.payload != payload {
            tracing::warn!(key, "idempotency key reused for another order; not sent");
            report.conflicting.push(key);
            return Ok(());
        }
        match entry.state {
            LedgerState::Placed => {
                report.already_placed.push(key);
                return Ok(());
            }
            LedgerState::Rejected => {
                report
                    .rejected
                    .push((key, entry.detail.clone().unwrap_or_default()));
                return Ok(());
            }
            LedgerState::Unknown => {
                if !self.reconcile(&entry, report).await? {
                    return Ok(());
                }
            }
            LedgerState::Pending if entry.attempts > 0 => {
                if !self.reconcile(&entry, report).await? {
                    return Ok(());
                }
            }
            LedgerState::Pending => {}
        }
        if let Some(b) = &self.bucket {
            let wait = self
                .store
                .bucket_reserve(&b.scope, &b.operation, b.limit.interval(), b.limit.burst())
                .await?;
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        self.store
            .ledger_mark_attempt(&self.lease.instance, &key, &self.lease)
            .await?;
        report.calls += 1;
        let started = std::time::Instant::now();
        let outcome = self.placement.place(draft).await;
        metrics::histogram!("sync_placement_seconds", "flow" => self.lease.flow.clone())
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(placed) => {
                let ids: Vec<String> = placed.order_ids.iter().map(|i| i.to_string()).collect();
                self.record(&key, LedgerState::Placed, &ids, None).await?;
                metrics::counter!("sync_records_sent_total", "flow" => self.lease.flow.clone())
                    .increment(1);
                report.placed.push(key);
            }
            Err(e @ Error::OutcomeUnknown { .. }) => {
                let detail = e.to_string();
                self.record(&key, LedgerState::Unknown, &[], Some(&detail))
                    .await?;
                tracing::warn!(key, %detail, "placement outcome unknown; surfaced, not resent");
                metrics::counter!("sync_records_failed_total", "flow" => self.lease.flow.clone())
                    .increment(1);
                report.unknown.push((key, detail));
            }
            Err(e) if is_refusal(&e) => {
                let detail = e.to_string();
                self.record(&key, LedgerState::Rejected, &[], Some(&detail))
                    .await?;
                self.store
                    .dead_letter_put(
                        &self.lease.instance,
                        &self.lease.flow,
                        &key,
                        &payload,
                        &detail,
                        self.dead_letter_retry,
                    )
                    .await?;
                metrics::counter!("sync_records_rejected_total", "flow" => self.lease.flow.clone())
                    .increment(1);
                report.rejected.push((key, detail));
            }
            Err(e) => {
                let detail = e.to_string();
                // Stays pending with its attempt counted: looked up before any resend.
                self.record(&key, LedgerState::Pending, &[], Some(&detail))
                    .await?;
                metrics::counter!("sync_records_failed_total", "flow" => self.lease.flow.clone())
                    .increment(1);
                if is_fatal(&e) {
                    return Err(SyncError::Platform(e));
                }
                report.retry_later.push((key, detail));
            }
        }
        Ok(())
    }
}
