//! The bulk engine: every bulk push (stocks, prices, clients, per-client calls) goes through
//! here, on top of the core [`BatchRunner`].
//!
//! * Records are validated first; a bad record is *rejected* with the field and the rule, and
//!   never sent.
//! * The rest is cut into requests of [`OneConfig::max_lines`](crate::OneConfig::max_lines)
//!   lines (10,000 by default), with bounded concurrency.
//! * A refused request is narrowed down to its bad records: by the records the error body
//!   names when it names any, otherwise by bisection. Every other record still lands.
//! * A 404 ("client not found") is a per-record failure, never a stop.
//! * With a [`Checkpoint`], progress is saved after every *window* of
//!   `max_lines × concurrency` records, with the failures met so far. A restarted run with the
//!   same job id skips what is done and sends the rest, and its report covers the whole input.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use connector_core::batch::{
    BatchOptions, BatchProgress, BatchReport, BatchRunner, Chunk, ProgressFn, RecordFailure,
};
use connector_core::{ApiContext, CursorStore, Error};
use connector_http::HttpClient;

use crate::client::Outgoing;
use futures::{Stream, StreamExt, stream};
use serde::{Deserialize, Serialize};

/// Where a resumable bulk run saves its progress: a [`CursorStore`] and a job id.
///
/// Use one job id per *logical run* (e.g. `stock-2026-11-24T10:00`), and feed the restarted
/// run the same input in the same order. A finished job answers its saved report and sends
/// nothing again.
#[derive(Clone)]
pub struct Checkpoint {
    store: Arc<dyn CursorStore>,
    job: String,
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// A checkpoint saved in `store` under `one.bulk.<job>`.
    pub fn new(store: Arc<dyn CursorStore>, job: impl Into<String>) -> Self {
        Self {
            store,
            job: job.into(),
        }
    }

    fn key(&self) -> String {
        format!("one.bulk.{}", self.job)
    }

    async fn load(&self) -> Result<Saved, Error> {
        match self.store.load(&self.key()).await? {
            None => Ok(Saved::default()),
            Some(s) => serde_json::from_str(&s).map_err(|e| {
                Error::config(format!("bulk checkpoint `{}` is unreadable: {e}", self.job))
            }),
        }
    }

    async fn save(&self, saved: &Saved) -> Result<(), Error> {
        let json = serde_json::to_string(saved)
            .map_err(|e| Error::io("bulk checkpoint could not be written", e))?;
        self.store.save(&self.key(), &json).await
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Saved {
    done: usize,
    sent: usize,
    requests: usize,
    complete: bool,
    rejected: Vec<SavedFailure>,
    failed: Vec<SavedFailure>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedFailure {
    index: usize,
    key: String,
    status: Option<u16>,
    message: String,
}

impl SavedFailure {
    fn from_failure(f: &RecordFailure) -> Self {
        Self {
            index: f.index,
            key: f.key.clone(),
            status: f.error.status(),
            message: f.error.to_string(),
        }
    }

    fn into_failure(self) -> RecordFailure {
        let mut ctx = ApiContext::new(format!("(reported by an earlier run) {}", self.message));
        if let Some(s) = self.status {
            ctx = ctx.with_status(s);
        }
        RecordFailure {
            index: self.index,
            key: self.key,
            error: Arc::new(Error::Api {
                context: Box::new(ctx),
            }),
        }
    }
}

/// A record on its way: its key names it in reports (computed only when needed).
pub(crate) trait Keyed {
    fn key(&self) -> String;
}

/// What `prepare` makes of one input record: its wire form, or its key and why it is refused.
pub(crate) type Prepared<W> = Result<W, (String, Error)>;

/// The engine's settings, and the HTTP client it sends with.
#[derive(Clone)]
pub(crate) struct Engine {
    pub(crate) options: BatchOptions,
    pub(crate) http: HttpClient,
    /// Called after every settled chunk with the push's cumulative progress.
    pub(crate) progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", &self.options)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Runs a bulk push; `prepare` validates one record (with its input index) into its wire
    /// form, `build` makes the request(s) of a chunk. The requests of the next chunk are built
    /// while the previous ones are in flight ([`BatchRunner::run_prepared`]).
    pub(crate) async fn run<T, W, S, P, B>(
        &self,
        checkpoint: Option<&Checkpoint>,
        input: S,
        prepare: P,
        build: B,
    ) -> Result<BatchReport, Error>
    where
        T: Send,
        W: Keyed + Send + Sync + 'static,
        S: Stream<Item = T> + Send,
        P: Fn(usize, T) -> Prepared<W> + Send + Sync,
        B: Fn(&Chunk<W>) -> Result<Outgoing, Error> + Send + Sync,
    {
        let Some(cp) = checkpoint else {
            let report = self
                .segment(
                    input.enumerate(),
                    0,
                    BatchProgress::default(),
                    &prepare,
                    &build,
                )
                .await;
            return Ok(report);
        };
        let mut saved = cp.load().await?;
        if saved.complete {
            return Ok(restore(saved));
        }
        let window = self
            .options
            .max_lines
            .saturating_mul(self.options.concurrency)
            .max(1);
        let mut rest = std::pin::pin!(input.enumerate().skip(saved.done));
        loop {
            let mut items = Vec::with_capacity(window.min(100_000));
            while items.len() < window {
                match rest.next().await {
                    Some(item) => items.push(item),
                    None => break,
                }
            }
            if items.is_empty() {
                saved.complete = true;
                cp.save(&saved).await?;
                return Ok(restore(saved));
            }
            let base = saved.done;
            let n = items.len();
            let before = BatchProgress::new(saved.done, saved.sent, saved.requests);
            let report = self
                .segment(stream::iter(items), base, before, &prepare, &build)
                .await;
            if !report.not_attempted.is_empty() {
                // A fatal error (credentials, configuration): keep the checkpoint before this
                // window so a restart sends it again, and account for the whole input.
                let mut out = restore(saved);
                let stop = report.not_attempted[0].error.clone();
                out.merge(report);
                let mut tail = BatchReport::default();
                while let Some((i, t)) = rest.next().await {
                    let key = match prepare(i, t) {
                        Ok(w) => w.key(),
                        Err((key, _)) => key,
                    };
                    tail.total += 1;
                    tail.not_attempted.push(RecordFailure {
                        index: i,
                        key,
                        error: stop.clone(),
                    });
                }
                out.merge(tail);
                return Ok(out);
            }
            saved.done = base + n;
            saved.sent += report.sent;
            saved.requests += report.requests;
            saved
                .rejected
                .extend(report.rejected.iter().map(SavedFailure::from_failure));
            saved
                .failed
                .extend(report.failed.iter().map(SavedFailure::from_failure));
            cp.save(&saved).await?;
            tracing::debug!(job = %cp.job, done = saved.done, "bulk checkpoint saved");
        }
    }

    /// One pass of the core runner over `(input index, record)` pairs; failures carry the
    /// input index.
    async fn segment<T, W, S, P, B>(
        &self,
        input: S,
        base: usize,
        before: BatchProgress,
        prepare: &P,
        build: &B,
    ) -> BatchReport
    where
        T: Send,
        W: Keyed + Send + Sync + 'static,
        S: Stream<Item = (usize, T)> + Send,
        P: Fn(usize, T) -> Prepared<W> + Send + Sync,
        B: Fn(&Chunk<W>) -> Result<Outgoing, Error> + Send + Sync,
    {
        let mut invalid = Vec::new();
        let valid = Validated {
            input: Box::pin(input),
            prepare,
            invalid: &mut invalid,
        };
        let http = &self.http;
        let send = |chunk: Chunk<W>, out: Result<Outgoing, Error>| async move {
            out?.send(http, &chunk).await
        };
        let mut runner = BatchRunner::new(self.options.clone());
        if let Some(progress) = &self.progress {
            let progress = Arc::clone(progress);
            runner = runner.with_progress(Arc::new(move |p: &BatchProgress| {
                progress(&(before + *p));
            }));
        }
        let mut report = runner
            .run_prepared(valid, |w: &W| w.key(), build, send)
            .await;
        // The runner numbered the valid records 0..; give every failure its input index.
        let skipped: Vec<usize> = invalid.iter().map(|f| f.index).collect();
        let remap = |f: &mut RecordFailure| {
            let mut o = base + f.index;
            for &s in &skipped {
                if s <= o {
                    o += 1;
                }
            }
            f.index = o;
        };
        report.rejected.iter_mut().for_each(remap);
        report.failed.iter_mut().for_each(remap);
        report.not_attempted.iter_mut().for_each(remap);
        report.total += invalid.len();
        let had_invalid = !invalid.is_empty();
        report.rejected.extend(invalid);
        report.rejected.sort_by_key(|f| f.index);
        if let Some(progress) = &self.progress
            && had_invalid
        {
            // The records refused by validation settle with their window.
            progress(&(before + BatchProgress::of(&report)));
        }
        report
    }
}

/// The records `prepare` accepts, in their wire form; the refused ones go to `invalid` with
/// their input index. Written by hand rather than with `filter_map`: one call per record and
/// no per-record future, on the hot path of million-line pushes.
struct Validated<'a, S, P> {
    input: Pin<Box<S>>,
    prepare: &'a P,
    invalid: &'a mut Vec<RecordFailure>,
}

impl<S, P, T, W> Stream for Validated<'_, S, P>
where
    S: Stream<Item = (usize, T)>,
    P: Fn(usize, T) -> Prepared<W>,
{
    type Item = W;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<W>> {
        let this = self.get_mut();
        loop {
            let Some((i, record)) = ready!(this.input.as_mut().poll_next(cx)) else {
                return Poll::Ready(None);
            };
            match (this.prepare)(i, record) {
                Ok(wire) => return Poll::Ready(Some(wire)),
                Err((key, e)) => this.invalid.push(RecordFailure {
                    index: i,
                    key,
                    error: Arc::new(e),
                }),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.input.size_hint().1)
    }
}

fn restore(saved: Saved) -> BatchReport {
    let mut r = BatchReport::default();
    r.total = saved.done;
    r.sent = saved.sent;
    r.requests = saved.requests;
    r.rejected = saved
        .rejected
        .into_iter()
        .map(SavedFailure::into_failure)
        .collect();
    r.failed = saved
        .failed
        .into_iter()
        .map(SavedFailure::into_failure)
        .collect();
    r
}

/// Records an error body names, when it names any: an array under `errors`, `rejected` or
/// `invalidRecords` whose items carry an `id`/`productId`/`clientId`/`sku` equal to a record's
/// key or, failing that, a numeric `index`/`line` (0-based position in the request). Returns
/// `(position, message)`.
pub(crate) fn named_rejections(body: &[u8], keys: &[&str]) -> Vec<(usize, String)> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let list = ["errors", "rejected", "invalidRecords"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|a| a.as_array()));
    let Some(list) = list else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list {
        let message = item
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("refused by ONe")
            .to_string();
        let by_index = ["index", "line"]
            .iter()
            .find_map(|k| item.get(*k).and_then(|n| n.as_u64()))
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n < keys.len());
        let by_id = || {
            ["id", "productId", "clientId", "sku"]
                .iter()
                .find_map(|k| item.get(*k).and_then(|s| s.as_str()))
                .and_then(|id| keys.iter().position(|k| *k == id))
        };
        // The id first: it names the record whatever the server counts positions from (0 or
        // 1, not documented); the position only when no id matches.
        if let Some(i) = by_id().or(by_index) {
            out.push((i, message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn named_rejections_by_index_and_by_id() {
        let keys = ["A", "B", "C"];
        let body = br#"{"errors":[{"index":2,"message":"negative quantity"}]}"#;
        assert_eq!(
            named_rejections(body, &keys),
            vec![(2, "negative quantity".into())]
        );
        let body = br#"{"rejected":[{"productId":"B","message":"unknown product"}]}"#;
        assert_eq!(
            named_rejections(body, &keys),
            vec![(1, "unknown product".into())]
        );
        assert!(named_rejections(br#"{"message":"Bad Request"}"#, &keys).is_empty());
        assert!(named_rejections(b"<html>", &keys).is_empty());
    }
}
