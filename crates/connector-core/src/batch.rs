//! Bulk pushes that lose nothing: split at a line limit, send with bounded concurrency,
//! isolate bad records, and account for every input record in a [`BatchReport`].
//!
//! ```
//! use connector_core::batch::{BatchOptions, BatchRunner, ChunkResult};
//! use futures::stream;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let records: Vec<u32> = (0..25_001).collect();
//! let report = BatchRunner::new(BatchOptions::new(10_000))
//!     .run(stream::iter(records), |r| r.to_string(), |chunk| async move {
//!         // POST chunk.records() to the platform here.
//!         Ok(ChunkResult::Accepted)
//!     })
//!     .await;
//! assert_eq!(report.requests, 3); // 10,000 + 10,000 + 5,001
//! assert_eq!(report.sent, 25_001);
//! assert!(report.is_balanced());
//! # }
//! ```
//!
//! How a chunk's answer is handled:
//! * `Ok(ChunkResult::Accepted)`: every record is sent.
//! * `Ok(ChunkResult::Partial(rejections))`: the platform applied the others and names the
//!   records it refused: those are rejected, the rest sent.
//! * `Ok(ChunkResult::RejectedRecords(rejections))`: the platform refused the whole chunk but
//!   named the culprits: they are rejected and the rest is sent again, once.
//! * `Err(e)` with [`Error::is_record_level`] (a 4xx that names no record): the chunk is
//!   bisected until the bad records are isolated; every good half still goes through.
//! * `Err(e)` that is fatal for the run (authentication, configuration, unsupported): the chunk
//!   and everything after it are *not attempted*, and the run stops.
//! * Any other `Err(e)` (server down after the runtime's retries, outcome unknown): the chunk is
//!   *failed* and the run goes on with the next chunks.
//! * `Ok(ChunkResult::Interrupted { applied, rejected, error })`: a chunk sent in several
//!   requests stopped part way: the `applied` records are sent, the `rejected` ones rejected,
//!   the rest *failed* with `error` (*not attempted* and the run stops when `error` is fatal).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;

use futures::future::poll_fn;
use futures::stream::FuturesUnordered;
use futures::{Stream, StreamExt};

use crate::error::Error;

/// How a bulk push is cut and paced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// Most records in one request (ONe: 10,000).
    pub max_lines: usize,
    /// Requests in flight at once (default 2).
    pub concurrency: usize,
    /// Bisect a refused chunk to find the bad records (default true). When false, a refused
    /// chunk is rejected as a whole.
    pub isolate_failures: bool,
}

impl BatchOptions {
    /// Chunks of at most `max_lines` (at least 1), 2 in flight, isolation on.
    pub fn new(max_lines: usize) -> Self {
        Self {
            max_lines: max_lines.max(1),
            concurrency: 2,
            isolate_failures: true,
        }
    }

    /// Sets the number of requests in flight (at least 1).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Turns bad-record isolation on or off.
    pub fn with_isolation(mut self, isolate: bool) -> Self {
        self.isolate_failures = isolate;
        self
    }
}

/// A slice of the input handed to the send function. Cheap to clone (shared storage).
///
/// It also counts the requests its send makes ([`Chunk::add_requests`]), so
/// [`BatchReport::requests`] includes the runtime's retries.
pub struct Chunk<T> {
    records: Arc<Vec<T>>,
    start: usize,
    end: usize,
    first_index: usize,
    /// Requests counted by the send function for this chunk (shared by clones).
    requests: Arc<AtomicUsize>,
}

impl<T> Clone for Chunk<T> {
    fn clone(&self) -> Self {
        Self {
            records: self.records.clone(),
            start: self.start,
            end: self.end,
            first_index: self.first_index,
            requests: self.requests.clone(),
        }
    }
}

impl<T> fmt::Debug for Chunk<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunk")
            .field("first_index", &self.first_index())
            .field("len", &self.len())
            .finish()
    }
}

impl<T> Chunk<T> {
    /// A whole chunk of `records`, the first of which is at `first_index` in the input.
    fn new(records: Vec<T>, first_index: usize) -> Self {
        let end = records.len();
        Self {
            records: Arc::new(records),
            start: 0,
            end,
            first_index,
            requests: Arc::default(),
        }
    }

    /// Records that sending this chunk took `n` more HTTP requests (retries included: add
    /// each answer's attempt count, e.g. `connector_http::Response::attempts`).
    ///
    /// When the send function never calls it, the runner counts one request for the chunk,
    /// or, when the answer is an error, the error's [`Error::attempts`] (the runtime's
    /// retries). Once it is called, the counted number is taken as it is: count every
    /// request then, a failing one included.
    pub fn add_requests(&self, n: usize) {
        self.requests.fetch_add(n, Ordering::SeqCst);
    }

    /// The requests counted so far with [`Chunk::add_requests`].
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The same records with a counter of their own, for one call of the send function.
    fn for_send(&self) -> Self {
        let mut c = self.clone();
        c.requests = Arc::default();
        c
    }

    /// The records of this chunk.
    pub fn records(&self) -> &[T] {
        &self.records[self.start..self.end]
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the chunk is empty (never for chunks handed to a send function).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Position of the chunk's first record in the whole input (0-based).
    pub fn first_index(&self) -> usize {
        self.first_index + self.start
    }

    fn split(&self) -> (Self, Self) {
        let mid = self.start + self.len() / 2;
        let mut left = self.clone();
        left.end = mid;
        let mut right = self.clone();
        right.start = mid;
        (left, right)
    }

    fn single(&self, i: usize) -> Self {
        let mut one = self.clone();
        one.start = self.start + i;
        one.end = one.start + 1;
        one
    }
}

/// What the platform said about one chunk.
#[derive(Debug)]
#[non_exhaustive]
pub enum ChunkResult {
    /// Every record was applied.
    Accepted,
    /// The records at these positions (within the chunk) were refused; the others were applied.
    Partial(Vec<(usize, Error)>),
    /// Nothing was applied; the records at these positions are the reason. The others are
    /// sent again without them.
    RejectedRecords(Vec<(usize, Error)>),
    /// The chunk went out in several requests (or after a local check) and `error` stopped it
    /// part way: the records at `applied` were applied, those in `rejected` were refused for
    /// their own reason, and every other record of the chunk failed with `error` (or, when
    /// `error` is fatal for the run, was not attempted and the run stops). Positions are
    /// within the chunk.
    Interrupted {
        /// Positions of the records that were applied.
        applied: Vec<usize>,
        /// Records refused for their own reason.
        rejected: Vec<(usize, Error)>,
        /// Why the other records did not go through.
        error: Error,
    },
}

/// Why one record was not sent.
#[derive(Debug, Clone)]
pub struct RecordFailure {
    /// Position in the input (0-based).
    pub index: usize,
    /// The record's key (SKU, client id...), for humans.
    pub key: String,
    /// The reason. Shared between the records of a chunk that failed as a whole.
    pub error: Arc<Error>,
}

/// The account of a bulk push: every input record is in exactly one of `sent`, `rejected`,
/// `failed` or `not_attempted`.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct BatchReport {
    /// Records read from the input.
    pub total: usize,
    /// Records the platform accepted.
    pub sent: usize,
    /// Records the platform refused, each with its reason. Fix and resend them.
    pub rejected: Vec<RecordFailure>,
    /// Records whose chunk failed for a reason not tied to them (server down, outcome
    /// unknown). Retry them later.
    pub failed: Vec<RecordFailure>,
    /// Records never sent because the run stopped (authentication or configuration failure).
    pub not_attempted: Vec<RecordFailure>,
    /// HTTP requests made, isolation and the runtime's retries included (see
    /// [`Chunk::add_requests`]).
    pub requests: usize,
}

impl BatchReport {
    /// Whether every record is accounted for exactly once.
    pub fn is_balanced(&self) -> bool {
        self.sent + self.rejected.len() + self.failed.len() + self.not_attempted.len() == self.total
    }

    /// Whether every record was sent.
    pub fn is_complete_success(&self) -> bool {
        self.sent == self.total
    }

    /// Merges another report (of a later part of the same input) into this one.
    pub fn merge(&mut self, other: BatchReport) {
        self.total += other.total;
        self.sent += other.sent;
        self.rejected.extend(other.rejected);
        self.failed.extend(other.failed);
        self.not_attempted.extend(other.not_attempted);
        self.requests += other.requests;
    }

    fn sort(&mut self) {
        self.rejected.sort_by_key(|f| f.index);
        self.failed.sort_by_key(|f| f.index);
        self.not_attempted.sort_by_key(|f| f.index);
    }
}

impl fmt::Display for BatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} records: {} sent, {} rejected, {} failed, {} not attempted ({} requests)",
            self.total,
            self.sent,
            self.rejected.len(),
            self.failed.len(),
            self.not_attempted.len(),
            self.requests
        )
    }
}

/// Where a bulk push stands, reported after every chunk that settles (see
/// [`BatchRunner::with_progress`]). Counts are cumulative for the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchProgress {
    /// Records settled so far: sent, rejected, failed or not attempted.
    pub done: usize,
    /// Records the platform accepted so far.
    pub sent: usize,
    /// Records refused, failed or not attempted so far.
    pub not_sent: usize,
    /// Requests made so far, isolation included.
    pub requests: usize,
}

impl BatchProgress {
    /// `done` records settled, `sent` of them accepted, after `requests` requests.
    pub fn new(done: usize, sent: usize, requests: usize) -> Self {
        Self {
            done,
            sent: sent.min(done),
            not_sent: done.saturating_sub(sent),
            requests,
        }
    }

    /// The progress a (partial) report stands for.
    pub fn of(report: &BatchReport) -> Self {
        let not_sent = report.rejected.len() + report.failed.len() + report.not_attempted.len();
        Self {
            done: report.sent + not_sent,
            sent: report.sent,
            not_sent,
            requests: report.requests,
        }
    }
}

impl std::ops::Add for BatchProgress {
    type Output = Self;

    /// The progress of two parts of one push, together.
    fn add(self, other: Self) -> Self {
        Self {
            done: self.done + other.done,
            sent: self.sent + other.sent,
            not_sent: self.not_sent + other.not_sent,
            requests: self.requests + other.requests,
        }
    }
}

/// A progress callback of a [`BatchRunner`].
pub type ProgressFn = Arc<dyn Fn(&BatchProgress) + Send + Sync>;

/// Runs bulk pushes according to [`BatchOptions`].
#[derive(Clone)]
pub struct BatchRunner {
    options: BatchOptions,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for BatchRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRunner")
            .field("options", &self.options)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Auth { .. } | Error::Config { .. } | Error::Unsupported { .. }
    )
}

impl BatchRunner {
    /// A runner with `options`.
    pub fn new(options: BatchOptions) -> Self {
        Self {
            options,
            progress: None,
        }
    }

    /// Calls `progress` after every chunk that settles (accepted, isolated, failed or not
    /// attempted), on the task running the push, with cumulative counts. Keep it cheap: it
    /// runs between requests.
    pub fn with_progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The options.
    pub fn options(&self) -> &BatchOptions {
        &self.options
    }

    /// Pushes every record of `input` through `send`, chunk by chunk, and accounts for each.
    ///
    /// `key` names a record in the report; `send` makes one request for a chunk. The input is
    /// read lazily: at most `concurrency + 1` chunks are held in memory at once (the next
    /// chunk is read while `concurrency` requests are in flight).
    ///
    /// When building a request costs real CPU (serializing thousands of records), use
    /// [`run_prepared`](Self::run_prepared): it builds the next request while the others are
    /// in flight.
    pub async fn run<T, S, K, F, Fut>(&self, input: S, key: K, send: F) -> BatchReport
    where
        T: Send + Sync + 'static,
        S: Stream<Item = T> + Send,
        K: Fn(&T) -> String + Send + Sync,
        F: Fn(Chunk<T>) -> Fut + Send + Sync,
        Fut: Future<Output = Result<ChunkResult, Error>> + Send,
    {
        let send = &send;
        self.run_prepared(input, key, |_: &Chunk<T>| (), move |chunk, ()| send(chunk))
            .await
    }

    /// Like [`run`](Self::run), with each request prepared ahead of time.
    ///
    /// `prepare` turns a chunk into what `send` needs, typically the serialized request body.
    /// The runner calls it for the *next* chunk while up to `concurrency` requests are in
    /// flight, so the serialization of chunk *i + 1* overlaps the network wait of chunk *i*
    /// and a freed slot is filled at once. It is also called for the parts of a refused chunk
    /// (bisection, re-sending the records the platform did not name). The guarantees of
    /// [`run`](Self::run) are the same: at most `concurrency` requests in flight, bad-record
    /// isolation, every record accounted for; at most `concurrency + 1` chunks (and their
    /// prepared bodies) are held in memory at once.
    ///
    /// ```
    /// use connector_core::batch::{BatchOptions, BatchRunner, ChunkResult};
    /// use futures::stream;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let report = BatchRunner::new(BatchOptions::new(100))
    ///     .run_prepared(
    ///         stream::iter(0..250u32),
    ///         |r| r.to_string(),
    ///         |chunk| {
    ///             let body: Vec<String> = chunk.records().iter().map(u32::to_string).collect();
    ///             body.join(",")
    ///         },
    ///         |_chunk, body: String| async move {
    ///             // POST `body` here.
    ///             assert!(!body.is_empty());
    ///             Ok(ChunkResult::Accepted)
    ///         },
    ///     )
    ///     .await;
    /// assert_eq!((report.requests, report.sent), (3, 250));
    /// # }
    /// ```
    pub async fn run_prepared<T, B, S, K, P, F, Fut>(
        &self,
        input: S,
        key: K,
        prepare: P,
        send: F,
    ) -> BatchReport
    where
        T: Send + Sync + 'static,
        B: Send,
        S: Stream<Item = T> + Send,
        K: Fn(&T) -> String + Send + Sync,
        P: Fn(&Chunk<T>) -> B + Send + Sync,
        F: Fn(Chunk<T>, B) -> Fut + Send + Sync,
        Fut: Future<Output = Result<ChunkResult, Error>> + Send,
    {
        let stop = AtomicBool::new(false);
        let ctx = Ctx {
            send: &send,
            prepare: &prepare,
            key: &key,
            stop: &stop,
            isolate: self.options.isolate_failures,
        };
        let (concurrency, max) = (self.options.concurrency, self.options.max_lines);
        // The input is read straight into the chunk being filled (no stream adapter between:
        // this loop runs once per record).
        let mut input = std::pin::pin!(input);
        let mut filling: Vec<T> = Vec::new();
        let mut offset = 0usize;
        let mut exhausted = false;
        // The next chunk, read and prepared, waiting for a free slot.
        let mut ready: Option<(Chunk<T>, B)> = None;
        let mut in_flight = FuturesUnordered::new();
        let mut total = BatchReport::default();
        poll_fn(|cx| {
            loop {
                let mut progress = false;
                // A free slot takes the prepared chunk at once.
                if in_flight.len() < concurrency
                    && let Some((chunk, body)) = ready.take()
                {
                    in_flight.push(ctx.first(chunk, body));
                }
                // Poll the requests in flight (this sends a newly launched one) and collect
                // the finished ones.
                while let Poll::Ready(Some(report)) = in_flight.poll_next_unpin(cx) {
                    total.merge(report);
                    progress = true;
                    if let Some(f) = &self.progress {
                        f(&BatchProgress::of(&total));
                    }
                }
                // Meanwhile, read and prepare the next chunk.
                if ready.is_none() && !exhausted {
                    let full = loop {
                        match input.as_mut().poll_next(cx) {
                            Poll::Ready(Some(record)) => {
                                if filling.capacity() == 0 {
                                    filling.reserve_exact(max);
                                }
                                filling.push(record);
                                if filling.len() >= max {
                                    break true;
                                }
                            }
                            Poll::Ready(None) => {
                                exhausted = true;
                                progress = true;
                                break !filling.is_empty();
                            }
                            Poll::Pending => break false,
                        }
                    };
                    if full {
                        let chunk = Chunk::new(std::mem::take(&mut filling), offset);
                        offset += chunk.len();
                        if stop.load(Ordering::SeqCst) {
                            let mut report = BatchReport {
                                total: chunk.len(),
                                ..BatchReport::default()
                            };
                            ctx.not_attempted(&chunk, Arc::new(stopped_error()), &mut report);
                            total.merge(report);
                            if let Some(f) = &self.progress {
                                f(&BatchProgress::of(&total));
                            }
                        } else {
                            let body = prepare(&chunk);
                            ready = Some((chunk, body));
                        }
                        progress = true;
                    }
                }
                if exhausted && ready.is_none() && in_flight.is_empty() {
                    return Poll::Ready(());
                }
                if !progress {
                    return Poll::Pending;
                }
            }
        })
        .await;
        total.sort();
        total
    }
}

fn stopped_error() -> Error {
    Error::Io {
        message: "not attempted: the batch stopped after a fatal error".into(),
        source: None,
    }
}

struct Ctx<'a, F, K, P> {
    send: &'a F,
    prepare: &'a P,
    key: &'a K,
    stop: &'a AtomicBool,
    isolate: bool,
}

impl<F, K, P> Ctx<'_, F, K, P> {
    fn failures<T>(&self, chunk: &Chunk<T>, error: Arc<Error>) -> Vec<RecordFailure>
    where
        K: Fn(&T) -> String,
    {
        chunk
            .records()
            .iter()
            .enumerate()
            .map(|(i, r)| RecordFailure {
                index: chunk.first_index() + i,
                key: (self.key)(r),
                error: error.clone(),
            })
            .collect()
    }

    fn not_attempted<T>(&self, chunk: &Chunk<T>, error: Arc<Error>, report: &mut BatchReport)
    where
        K: Fn(&T) -> String,
    {
        report.not_attempted.extend(self.failures(chunk, error));
    }
}

impl<'a, F, K, P> Ctx<'a, F, K, P> {
    /// One chunk read from the input, with its prepared body: its own report.
    async fn first<T, B, Fut>(&self, chunk: Chunk<T>, body: B) -> BatchReport
    where
        T: Send + Sync + 'static,
        B: Send,
        K: Fn(&T) -> String + Send + Sync,
        P: Fn(&Chunk<T>) -> B + Send + Sync,
        F: Fn(Chunk<T>, B) -> Fut + Send + Sync,
        Fut: Future<Output = Result<ChunkResult, Error>> + Send,
    {
        let mut report = BatchReport {
            total: chunk.len(),
            ..BatchReport::default()
        };
        self.process(chunk, body, &mut report).await;
        report
    }

    fn process<'b, T, B, Fut>(
        &'b self,
        chunk: Chunk<T>,
        body: B,
        report: &'b mut BatchReport,
    ) -> BoxFut<'b, ()>
    where
        'a: 'b,
        T: Send + Sync + 'static,
        B: Send + 'b,
        K: Fn(&T) -> String + Send + Sync,
        P: Fn(&Chunk<T>) -> B + Send + Sync,
        F: Fn(Chunk<T>, B) -> Fut + Send + Sync,
        Fut: Future<Output = Result<ChunkResult, Error>> + Send,
    {
        Box::pin(async move {
            if self.stop.load(Ordering::SeqCst) {
                self.not_attempted(&chunk, Arc::new(stopped_error()), report);
                return;
            }
            let sent = chunk.for_send();
            let answer = (self.send)(sent.clone(), body).await;
            report.requests += match (sent.requests(), &answer) {
                (0, Err(error) | Ok(ChunkResult::Interrupted { error, .. })) => {
                    (error.attempts() as usize).max(1)
                }
                (0, _) => 1,
                (counted, _) => counted,
            };
            match answer {
                Ok(ChunkResult::Accepted) => report.sent += chunk.len(),
                Ok(ChunkResult::Partial(rejections)) => {
                    let n = self.reject_named(&chunk, rejections, report);
                    report.sent += chunk.len() - n;
                }
                Ok(ChunkResult::RejectedRecords(rejections)) => {
                    let bad: Vec<usize> = rejections.iter().map(|(i, _)| *i).collect();
                    let n = self.reject_named(&chunk, rejections, report);
                    if n == 0 {
                        // Refused without naming a valid record: treat as a whole refusal.
                        let err = Error::Api {
                            context: Box::new(crate::error::ApiContext::new(
                                "chunk refused without naming the bad records",
                            )),
                        };
                        self.refused(chunk, err, report).await;
                        return;
                    }
                    // Send the others again, one chunk per contiguous run of good records.
                    let mut run_start = None;
                    for i in 0..=chunk.len() {
                        let good = i < chunk.len() && !bad.contains(&i);
                        match (good, run_start) {
                            (true, None) => run_start = Some(i),
                            (false, Some(s)) => {
                                let mut part = chunk.clone();
                                part.start = chunk.start + s;
                                part.end = chunk.start + i;
                                let body = (self.prepare)(&part);
                                self.process(part, body, report).await;
                                run_start = None;
                            }
                            _ => {}
                        }
                    }
                }
                Ok(ChunkResult::Interrupted {
                    applied,
                    rejected,
                    error,
                }) => {
                    let mut done = std::collections::BTreeSet::new();
                    for i in applied {
                        if i < chunk.len() && done.insert(i) {
                            report.sent += 1;
                        }
                    }
                    let rejected: Vec<(usize, Error)> = rejected
                        .into_iter()
                        .filter(|(i, _)| !done.contains(i))
                        .collect();
                    done.extend(rejected.iter().map(|(i, _)| *i));
                    self.reject_named(&chunk, rejected, report);
                    let fatal = is_fatal(&error);
                    if fatal {
                        self.stop.store(true, Ordering::SeqCst);
                        tracing::warn!(error = %error, "batch stopped: fatal error");
                    }
                    let error = Arc::new(error);
                    let rest = (0..chunk.len())
                        .filter(|i| !done.contains(i))
                        .flat_map(|i| self.failures(&chunk.single(i), error.clone()));
                    if fatal {
                        report.not_attempted.extend(rest);
                    } else {
                        report.failed.extend(rest);
                    }
                }
                Err(e) if is_fatal(&e) => {
                    self.stop.store(true, Ordering::SeqCst);
                    tracing::warn!(error = %e, "batch stopped: fatal error");
                    self.not_attempted(&chunk, Arc::new(e), report);
                }
                Err(e) if e.is_record_level() => self.refused(chunk, e, report).await,
                Err(e) => report.failed.extend(self.failures(&chunk, Arc::new(e))),
            }
        })
    }

    /// A chunk refused as a whole: bisect, or reject all of it when isolation is off.
    async fn refused<'b, T, B, Fut>(
        &'b self,
        chunk: Chunk<T>,
        error: Error,
        report: &'b mut BatchReport,
    ) where
        'a: 'b,
        T: Send + Sync + 'static,
        B: Send + 'b,
        K: Fn(&T) -> String + Send + Sync,
        P: Fn(&Chunk<T>) -> B + Send + Sync,
        F: Fn(Chunk<T>, B) -> Fut + Send + Sync,
        Fut: Future<Output = Result<ChunkResult, Error>> + Send,
    {
        if chunk.len() == 1 || !self.isolate {
            report
                .rejected
                .extend(self.failures(&chunk, Arc::new(error)));
            return;
        }
        let (left, right) = chunk.split();
        let body = (self.prepare)(&left);
        self.process(left, body, report).await;
        let body = (self.prepare)(&right);
        self.process(right, body, report).await;
    }

    /// Records named by the platform; returns how many valid positions there were.
    fn reject_named<T>(
        &self,
        chunk: &Chunk<T>,
        rejections: Vec<(usize, Error)>,
        report: &mut BatchReport,
    ) -> usize
    where
        K: Fn(&T) -> String,
    {
        let mut seen = std::collections::BTreeSet::new();
        for (i, err) in rejections {
            if i < chunk.len() && seen.insert(i) {
                let one = chunk.single(i);
                report.rejected.extend(self.failures(&one, Arc::new(err)));
            }
        }
        seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiContext, AuthErrorKind};
    use futures::stream;
    use std::sync::Mutex;

    #[tokio::test]
    async fn an_interrupted_chunk_accounts_for_applied_rejected_and_failed_records() {
        // Chunks of 6: the first stops part way (records 0-1 applied, 2 refused, 3-5 failed);
        // the second goes through.
        let report = BatchRunner::new(BatchOptions::new(6).with_concurrency(1))
            .run(
                stream::iter(0u32..12),
                |r| format!("r{r}"),
                |chunk| {
                    let first = chunk.first_index() == 0;
                    async move {
                        if !first {
                            return Ok(ChunkResult::Accepted);
                        }
                        Ok(ChunkResult::Interrupted {
                            applied: vec![0, 1, 1],
                            rejected: vec![(
                                2,
                                Error::invalid("records[2].qty", "must be positive"),
                            )],
                            error: Error::transient("warehouse B: HTTP 503"),
                        })
                    }
                },
            )
            .await;
        assert!(report.is_balanced(), "{report:?}");
        assert_eq!((report.total, report.sent, report.requests), (12, 8, 2));
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].key, "r2");
        let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
        assert_eq!(failed, [3, 4, 5]);
        assert!(report.failed[0].error.to_string().contains("503"));
        assert!(report.not_attempted.is_empty());
    }

    #[tokio::test]
    async fn an_interrupted_chunk_with_a_fatal_error_stops_the_run() {
        let report = BatchRunner::new(BatchOptions::new(4).with_concurrency(1))
            .run(
                stream::iter(0u32..8),
                |r| format!("r{r}"),
                |chunk| {
                    let first = chunk.first_index() == 0;
                    async move {
                        if !first {
                            return Ok(ChunkResult::Accepted);
                        }
                        Ok(ChunkResult::Interrupted {
                            applied: vec![0],
                            rejected: Vec::new(),
                            error: Error::Auth {
                                kind: AuthErrorKind::InvalidClient,
                                context: Box::new(ApiContext::new("key revoked")),
                            },
                        })
                    }
                },
            )
            .await;
        assert!(report.is_balanced(), "{report:?}");
        assert_eq!(report.sent, 1);
        assert!(report.failed.is_empty());
        let skipped: Vec<usize> = report.not_attempted.iter().map(|f| f.index).collect();
        assert_eq!(
            skipped,
            [1, 2, 3, 4, 5, 6, 7],
            "the rest of the chunk and the next chunk"
        );
    }

    fn bad_request() -> Error {
        Error::from_status(400, ApiContext::new("invalid record in payload"), None)
    }

    /// A platform that refuses, as a whole and without naming it, any chunk holding `bad`.
    fn refuse_if_holding(
        chunk: &Chunk<u32>,
        bad: u32,
    ) -> impl Future<Output = Result<ChunkResult, Error>> + use<> {
        let has_bad = chunk.records().contains(&bad);
        async move {
            if has_bad {
                Err(bad_request())
            } else {
                Ok(ChunkResult::Accepted)
            }
        }
    }

    #[tokio::test]
    async fn splits_25001_records_into_10000_10000_5001() {
        let sizes = Mutex::new(Vec::new());
        let report = BatchRunner::new(BatchOptions::new(10_000).with_concurrency(1))
            .run(
                stream::iter(0..25_001u32),
                |r| r.to_string(),
                |chunk| {
                    sizes.lock().unwrap().push(chunk.len());
                    async { Ok(ChunkResult::Accepted) }
                },
            )
            .await;
        assert_eq!(*sizes.lock().unwrap(), vec![10_000, 10_000, 5_001]);
        assert_eq!(report.sent, 25_001);
        assert_eq!(report.requests, 3);
        assert!(report.is_balanced());
    }

    #[tokio::test]
    async fn progress_is_reported_after_every_settled_chunk() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let runner = BatchRunner::new(BatchOptions::new(10_000).with_concurrency(1)).with_progress(
            Arc::new(move |p: &BatchProgress| s.lock().unwrap().push(*p)),
        );
        assert!(format!("{runner:?}").contains("progress: true"));
        let report = runner
            .run(
                stream::iter(0..25_001u32),
                |r| r.to_string(),
                |chunk| refuse_if_holding(&chunk, 12_345),
            )
            .await;
        assert_eq!((report.sent, report.rejected.len()), (25_000, 1));
        let seen = seen.lock().unwrap();
        let done: Vec<(usize, usize, usize)> =
            seen.iter().map(|p| (p.done, p.sent, p.not_sent)).collect();
        assert_eq!(
            done,
            vec![
                (10_000, 10_000, 0),
                (20_000, 19_999, 1),
                (25_001, 25_000, 1)
            ]
        );
        assert_eq!(seen.last().unwrap().requests, report.requests);
        assert_eq!(*seen.last().unwrap(), BatchProgress::of(&report));
    }

    #[tokio::test]
    async fn one_bad_record_is_isolated_by_bisection_and_the_rest_is_sent() {
        let calls = Mutex::new(0usize);
        let report = BatchRunner::new(BatchOptions::new(10_000))
            .run(
                stream::iter(0..10_000u32),
                |r| format!("sku-{r}"),
                |chunk| {
                    *calls.lock().unwrap() += 1;
                    refuse_if_holding(&chunk, 4_321)
                },
            )
            .await;
        assert_eq!(report.sent, 9_999);
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].index, 4_321);
        assert_eq!(report.rejected[0].key, "sku-4321");
        assert!(report.is_balanced());
        // 1 + 2 per level of a 14-level bisection.
        assert_eq!(report.requests, *calls.lock().unwrap());
        assert!(report.requests <= 1 + 2 * 14, "{}", report.requests);
    }

    #[tokio::test]
    async fn named_rejections_cost_one_extra_request() {
        let report = BatchRunner::new(BatchOptions::new(100))
            .run(
                stream::iter(0..100u32),
                |r| r.to_string(),
                |chunk| {
                    let bad: Vec<(usize, Error)> = chunk
                        .records()
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| **r == 10 || **r == 11 || **r == 70)
                        .map(|(i, _)| (i, Error::invalid("quantity", "must be >= 0")))
                        .collect();
                    async move {
                        if bad.is_empty() {
                            Ok(ChunkResult::Accepted)
                        } else {
                            Ok(ChunkResult::RejectedRecords(bad))
                        }
                    }
                },
            )
            .await;
        assert_eq!(report.sent, 97);
        assert_eq!(
            report.rejected.iter().map(|f| f.index).collect::<Vec<_>>(),
            vec![10, 11, 70]
        );
        // the first refusal, then the good runs 0..10, 12..70 and 71..100
        assert_eq!(report.requests, 4);
        assert!(report.is_balanced());
    }

    #[tokio::test]
    async fn partial_acceptance_counts_the_others_as_sent() {
        let report = BatchRunner::new(BatchOptions::new(10))
            .run(
                stream::iter(0..10u32),
                |r| r.to_string(),
                |_chunk| async {
                    Ok(ChunkResult::Partial(vec![(
                        3,
                        Error::invalid("sku", "unknown product"),
                    )]))
                },
            )
            .await;
        assert_eq!(report.sent, 9);
        assert_eq!(report.rejected[0].index, 3);
        assert_eq!(report.requests, 1);
    }

    #[tokio::test]
    async fn fatal_error_stops_and_marks_the_rest_not_attempted() {
        let report = BatchRunner::new(BatchOptions::new(10).with_concurrency(1))
            .run(
                stream::iter(0..35u32),
                |r| r.to_string(),
                |chunk| {
                    let first = chunk.first_index();
                    async move {
                        if first == 10 {
                            Err(Error::Auth {
                                kind: AuthErrorKind::InvalidClient,
                                context: Box::new(ApiContext::new("bad key")),
                            })
                        } else {
                            Ok(ChunkResult::Accepted)
                        }
                    }
                },
            )
            .await;
        assert_eq!(report.sent, 10);
        assert_eq!(report.not_attempted.len(), 25);
        assert_eq!(report.requests, 2);
        assert!(report.is_balanced());
    }

    #[tokio::test]
    async fn transient_failure_fails_the_chunk_and_goes_on() {
        let report = BatchRunner::new(BatchOptions::new(10).with_concurrency(1))
            .run(
                stream::iter(0..30u32),
                |r| r.to_string(),
                |chunk| {
                    let first = chunk.first_index();
                    async move {
                        if first == 0 {
                            Err(Error::from_status(503, ApiContext::new("down"), None))
                        } else {
                            Ok(ChunkResult::Accepted)
                        }
                    }
                },
            )
            .await;
        assert_eq!(report.failed.len(), 10);
        assert_eq!(report.sent, 20);
        assert!(report.is_balanced());
        assert_eq!(
            report.to_string(),
            "30 records: 20 sent, 0 rejected, 10 failed, 0 not attempted (3 requests)"
        );
    }

    #[tokio::test]
    async fn prepared_runs_keep_concurrency_and_prepare_one_chunk_ahead() {
        use std::sync::atomic::AtomicUsize;
        let (prepared, done, in_flight, max_in_flight) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let max_held = AtomicUsize::new(0);
        let prepared_during_first = AtomicUsize::new(0);
        let report = BatchRunner::new(BatchOptions::new(10).with_concurrency(2))
            .run_prepared(
                stream::iter(0..95u32),
                |r| r.to_string(),
                |chunk| {
                    let p = prepared.fetch_add(1, Ordering::SeqCst) + 1;
                    // Chunks prepared and not finished: in flight + the one waiting.
                    max_held.fetch_max(p - done.load(Ordering::SeqCst), Ordering::SeqCst);
                    (chunk.first_index(), chunk.len())
                },
                |chunk, body| {
                    let (prepared, done, in_flight, max_in_flight) =
                        (&prepared, &done, &in_flight, &max_in_flight);
                    let prepared_during_first = &prepared_during_first;
                    async move {
                        assert_eq!(body, (chunk.first_index(), chunk.len()));
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        max_in_flight.fetch_max(now, Ordering::SeqCst);
                        for _ in 0..5 {
                            tokio::task::yield_now().await;
                        }
                        if chunk.first_index() == 0 {
                            prepared_during_first
                                .store(prepared.load(Ordering::SeqCst), Ordering::SeqCst);
                        }
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        done.fetch_add(1, Ordering::SeqCst);
                        Ok(ChunkResult::Accepted)
                    }
                },
            )
            .await;
        assert_eq!((report.sent, report.requests), (95, 10));
        assert!(report.is_balanced());
        assert_eq!(max_in_flight.load(Ordering::SeqCst), 2);
        // While the first request was in flight, the second was sent and the third prepared.
        assert_eq!(prepared_during_first.load(Ordering::SeqCst), 3);
        assert_eq!(max_held.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn bisected_parts_are_prepared_again() {
        let bodies = Mutex::new(Vec::new());
        let report = BatchRunner::new(BatchOptions::new(8).with_concurrency(1))
            .run_prepared(
                stream::iter(0..8u32),
                |r| format!("sku-{r}"),
                |chunk| chunk.records().to_vec(),
                |chunk, body: Vec<u32>| {
                    assert_eq!(body, chunk.records());
                    bodies.lock().unwrap().push(body.len());
                    let bad = body.contains(&5);
                    async move {
                        if bad {
                            Err(bad_request())
                        } else {
                            Ok(ChunkResult::Accepted)
                        }
                    }
                },
            )
            .await;
        assert_eq!(report.sent, 7);
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].key, "sku-5");
        // 8 refused, 4 ok, 4 refused, 2 refused, 1 ok, 1 refused; 2 ok.
        assert_eq!(*bodies.lock().unwrap(), vec![8, 4, 4, 2, 1, 1, 2]);
        assert!(report.is_balanced());
    }

    #[tokio::test]
    async fn isolation_off_rejects_the_whole_chunk() {
        let report = BatchRunner::new(BatchOptions::new(10).with_isolation(false))
            .run(
                stream::iter(0..10u32),
                |r| r.to_string(),
                |_c| async { Err(bad_request()) },
            )
            .await;
        assert_eq!(report.rejected.len(), 10);
        assert_eq!(report.requests, 1);
    }

    #[tokio::test]
    async fn requests_count_the_runtime_retries() {
        // Chunk 0 succeeds after 3 attempts (counted by the send function), chunk 1 fails
        // after 4 attempts (the error says so), chunk 2 goes through at once.
        let report = BatchRunner::new(BatchOptions::new(10).with_concurrency(1))
            .run(
                stream::iter(0..30u32),
                |r| r.to_string(),
                |chunk| async move {
                    match chunk.first_index() {
                        0 => {
                            chunk.add_requests(3);
                            assert_eq!(chunk.requests(), 3);
                            Ok(ChunkResult::Accepted)
                        }
                        10 => {
                            let mut ctx = crate::error::ApiContext::new("HTTP 503");
                            ctx.attempts = 4;
                            Err(Error::Transient {
                                context: Box::new(ctx),
                                source: None,
                            })
                        }
                        _ => Ok(ChunkResult::Accepted),
                    }
                },
            )
            .await;
        assert_eq!((report.sent, report.failed.len()), (20, 10));
        assert_eq!(report.requests, 3 + 4 + 1);
    }
}
