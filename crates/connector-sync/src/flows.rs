//! Ready-made [`Flow`]s: a stock snapshot through change detection to a [`StockSink`], and an
//! [`OrderFeed`] pulled with its cursor into a handler.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use connector_core::{CursorStore, Order, OrderFeed, Stock, StockSink};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::change::{ChangeDetector, fingerprint_of};
use crate::cursor::InstanceCursors;
use crate::error::SyncError;
use crate::runner::{Flow, RunContext};
use crate::store::MAX_KEYS_PER_STATEMENT;
use crate::types::RunCounts;

/// Builds the source stream of a run (an ERP export read lazily: a file, a query).
pub type SourceFn<T> =
    Arc<dyn Fn() -> BoxFuture<'static, Result<BoxStream<'static, T>, SyncError>> + Send + Sync>;

/// The key of a stock record: `SKU@LOCATION` (`SKU@` without a location).
pub fn stock_key(s: &Stock) -> String {
    format!(
        "{}@{}",
        s.sku,
        s.location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default()
    )
}

/// A full stock snapshot from the ERP, pushed to a platform with only the new and changed
/// records. Keys missing from the snapshot are counted as deletions in the run history
/// (`deleted`) and kept, so they are reported on every run until they come back: what a
/// deletion means for a platform (stock 0, delisting) is the caller's decision.
pub struct StockSyncFlow {
    source: SourceFn<Stock>,
    sink: Arc<dyn StockSink>,
    batch_size: usize,
}

impl fmt::Debug for StockSyncFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StockSyncFlow")
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl StockSyncFlow {
    /// A flow reading `source` and pushing to `sink`.
    pub fn new(source: SourceFn<Stock>, sink: Arc<dyn StockSink>) -> Self {
        Self {
            source,
            sink,
            batch_size: MAX_KEYS_PER_STATEMENT,
        }
    }

    /// Records looked up per statement (see [`ChangeDetector::with_batch_size`]).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
}

#[async_trait]
impl Flow for StockSyncFlow {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let det = ChangeDetector::begin(ctx.store.clone(), ctx.lease.clone(), ctx.run_id)
            .await?
            .with_batch_size(self.batch_size);
        let input = (self.source)().await?;
        let failure: Arc<Mutex<Option<SyncError>>> = Arc::default();
        let slot = failure.clone();
        // The sink reads plain records: a detection error ends the stream and is kept aside.
        let changed = det
            .changes(input, stock_key, fingerprint_of::<Stock>)
            .scan((), move |_, r| {
                let out = match r {
                    Ok(s) => Some(s),
                    Err(e) => {
                        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        None
                    }
                };
                futures::future::ready(out)
            })
            .boxed();
        let report = self.sink.push_stock(changed).await?;
        // What the platform accepted is committed even when detection stopped part way.
        det.commit(&report).await?;
        if let Some(e) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        let stats = det.stats();
        let mut counts = RunCounts::from_report(stats.read, stats.handed_on(), &report);
        let mut after = String::new();
        loop {
            let page = det.deletions(&after, MAX_KEYS_PER_STATEMENT).await?;
            counts.deleted += i64::try_from(page.len()).unwrap_or(0);
            match page.last() {
                Some((k, _)) if page.len() == MAX_KEYS_PER_STATEMENT => after = k.clone(),
                _ => break,
            }
        }
        let flow = ctx.lease.flow.clone();
        metrics::counter!("sync_records_sent_total", "flow" => flow.clone())
            .increment(u64::try_from(counts.sent).unwrap_or(0));
        metrics::counter!("sync_records_rejected_total", "flow" => flow.clone())
            .increment(u64::try_from(counts.rejected).unwrap_or(0));
        metrics::counter!("sync_records_failed_total", "flow" => flow)
            .increment(u64::try_from(counts.failed + counts.not_attempted).unwrap_or(0));
        Ok(counts)
    }
}

/// Handles one order pulled from a feed. Must be idempotent: after a crash the orders since
/// the last saved cursor are handed over again (at-least-once).
pub type OrderHandler =
    Arc<dyn Fn(Order) -> BoxFuture<'static, Result<(), SyncError>> + Send + Sync>;

/// Pulls an [`OrderFeed`] (ONe, TOTVS) from its saved cursor, hands every order to a handler,
/// and saves the next cursor (fenced) once every order of the page was handled.
pub struct OrderFeedFlow {
    feed: Arc<dyn OrderFeed>,
    stream: String,
    handler: OrderHandler,
    max_pages: usize,
}

impl fmt::Debug for OrderFeedFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderFeedFlow")
            .field("stream", &self.stream)
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

impl OrderFeedFlow {
    /// A flow pulling `feed` with the cursor named `stream` (e.g. `one.orders`).
    pub fn new(feed: Arc<dyn OrderFeed>, stream: impl Into<String>, handler: OrderHandler) -> Self {
        Self {
            feed,
            stream: stream.into(),
            handler,
            max_pages: 100,
        }
    }

    /// Most pages pulled in one run (default 100).
    pub fn with_max_pages(mut self, n: usize) -> Self {
        self.max_pages = n.max(1);
        self
    }
}

#[async_trait]
impl Flow for OrderFeedFlow {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let cursors = InstanceCursors::fenced(ctx.store.clone(), ctx.lease.clone());
        let mut counts = RunCounts::default();
        for _ in 0..self.max_pages {
            if *ctx.shutdown.borrow() {
                break;
            }
            let cursor = cursors.load(&self.stream).await?;
            let batch = self.feed.pull_orders(cursor.as_deref()).await?;
            let n = i64::try_from(batch.orders.len()).unwrap_or(i64::MAX);
            counts.total += n + i64::try_from(batch.rejected.len()).unwrap_or(0);
            for bad in &batch.rejected {
                ctx.store
                    .dead_letter_put(
                        &ctx.lease.instance,
                        &ctx.lease.flow,
                        &bad.key,
                        &serde_json::json!({ "index": bad.index, "key": bad.key }),
                        &bad.error.to_string(),
                        std::time::Duration::from_secs(3600),
                    )
                    .await?;
                counts.rejected += 1;
            }
            let mut newest = None;
            for order in batch.orders {
                newest = newest.max(order.updated_at.or(order.created_at));
                (self.handler)(order).await?;
                counts.sent += 1;
            }
            counts.changed += n;
            if let Some(t) = newest {
                let lag = (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::histogram!("sync_feed_lag_seconds", "flow" => ctx.lease.flow.clone())
                    .record(lag);
            }
            match batch.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => {
                    cursors.save(&self.stream, &next).await?;
                    if n == 0 {
                        break;
                    }
                }
                _ => break,
            }
        }
        Ok(counts)
    }
}
