//! Schedules and a runner: runs due flows with jitter, never overlapping, once per tick across
//! every worker on the store, and shuts down gracefully.
//!
//! * **Schedules**: a fixed cadence ([`Schedule::every`], e.g. from ONe's `SCHEDULE` table),
//!   ticks aligned on the Unix epoch so every worker computes the same ticks; or a cron
//!   expression ([`Schedule::cron`], seconds field first, UTC).
//! * **No overlap**: a run holds the lease of (instance, flow), renewed in the background
//!   every third of its time to live; another worker (or this one) cannot start the flow
//!   while it is held, and a run whose lease was lost cannot commit (fencing).
//! * **Once per tick**: the tick a run serves is saved (fenced) in the store as the cursor
//!   `tick.<flow>`; a worker that gets the lease for a tick already served skips it.
//! * **Missed runs** (worker down, a run longer than the period): coalesced. The flow runs
//!   once as soon as possible, then at the next tick after now; missed ticks are not
//!   replayed.
//! * **Jitter**: each run starts up to [`Runner::with_jitter`] after its tick (random), so
//!   many flows on one tick do not hit a platform at the same instant.
//! * **Graceful shutdown**: [`Runner::run_until`] stops starting runs when its signal fires,
//!   lets the runs in flight finish (a flow can watch [`RunContext::shutdown`] to stop between
//!   requests), records them and releases their leases.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tracing::Instrument;

use crate::error::SyncError;
use crate::store::SyncStore;
use crate::types::{InstanceId, Lease, RunCounts, check_name};

/// When a flow runs.
#[derive(Clone)]
pub enum Schedule {
    /// Every `period`, on ticks aligned on the Unix epoch.
    Every(Duration),
    /// On the ticks of a cron expression (UTC).
    Cron(Box<cron::Schedule>),
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Every(d) => write!(f, "Every({d:?})"),
            Self::Cron(c) => write!(f, "Cron({c})"),
        }
    }
}

impl Schedule {
    /// Every `period` (at least one second).
    pub fn every(period: Duration) -> Result<Self, SyncError> {
        if period < Duration::from_secs(1) {
            return Err(SyncError::invalid(
                "schedule",
                "must be at least one second",
            ));
        }
        Ok(Self::Every(period))
    }

    /// A cron expression with a seconds field: `sec min hour day-of-month month day-of-week
    /// [year]`, e.g. `0 */2 * * * *` (every two minutes). One that does not parse is
    /// [`SyncError::InvalidInput`].
    pub fn cron(expression: &str) -> Result<Self, SyncError> {
        cron::Schedule::from_str(expression)
            .map(|s| Self::Cron(Box::new(s)))
            .map_err(|e| {
                SyncError::invalid(
                    "schedule",
                    format!("`{expression}` is not a cron expression: {e}"),
                )
            })
    }

    /// The last tick at or before `t`, if any.
    pub fn tick_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Every(period) => {
                let p = i64::try_from(period.as_millis()).ok()?.max(1);
                let ms = t.timestamp_millis();
                DateTime::from_timestamp_millis(ms - ms.rem_euclid(p))
            }
            Self::Cron(c) => {
                // Look back in growing windows (a minute, doubling up to ~2 years), so a
                // schedule of every second scans a minute, not a year of ticks.
                let mut window = chrono::Duration::minutes(1);
                while window <= chrono::Duration::days(800) {
                    if let Some(last) = c.after(&(t - window)).take_while(|x| *x <= t).last() {
                        return Some(last);
                    }
                    window = window * 2;
                }
                None
            }
        }
    }

    /// The first tick strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Every(period) => {
                let p = chrono::Duration::from_std(*period).ok()?;
                Some(self.tick_at_or_before(t)? + p)
            }
            Self::Cron(c) => c.after(&t).next(),
        }
    }
}

/// What a flow gets for one run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunContext {
    /// The store.
    pub store: Arc<dyn SyncStore>,
    /// The lease the run holds: pass it to every commit.
    pub lease: Lease,
    /// The run id (also the change-detection run).
    pub run_id: i64,
    /// The tick the run serves.
    pub tick: DateTime<Utc>,
    /// Becomes `true` when the runner shuts down: stop between requests and commit.
    pub shutdown: watch::Receiver<bool>,
}

/// One flow: a source → change detection → sink, a feed → handler, or a placement.
#[async_trait]
pub trait Flow: Send + Sync {
    /// Runs once under `ctx.lease` and returns the counts for the run history.
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError>;
}

struct Job {
    instance: InstanceId,
    flow: String,
    schedule: Schedule,
    handler: Arc<dyn Flow>,
}

/// How one attempt to run a flow ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutcome {
    /// It ran (`error` when it failed).
    Ran {
        /// The run id.
        run_id: i64,
        /// The error, if the run failed.
        error: Option<String>,
    },
    /// Another worker holds the lease.
    Busy,
    /// The tick was already served (by another worker).
    AlreadyServed,
}

/// Runs flows on their schedules (see the module docs).
pub struct Runner {
    store: Arc<dyn SyncStore>,
    worker: String,
    lease_ttl: Duration,
    jitter: Duration,
    jobs: Vec<Job>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("worker", &self.worker)
            .field("lease_ttl", &self.lease_ttl)
            .field("jitter", &self.jitter)
            .field(
                "jobs",
                &self
                    .jobs
                    .iter()
                    .map(|j| format!("{} / {} {:?}", j.instance, j.flow, j.schedule))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Runner {
    /// A runner for worker `worker` (unique per process, e.g. `host-pid`), with a 60 s lease
    /// and up to 1 s of jitter.
    pub fn new(store: Arc<dyn SyncStore>, worker: impl Into<String>) -> Self {
        Self {
            store,
            worker: worker.into(),
            lease_ttl: Duration::from_secs(60),
            jitter: Duration::from_secs(1),
            jobs: Vec::new(),
        }
    }

    /// The lease time to live (renewed every third of it while a run goes on; a killed
    /// worker's flows are taken over after at most this long).
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// The most a run starts after its tick (random, uniform).
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Adds `flow` of `instance` on `schedule`.
    pub fn add(
        mut self,
        instance: InstanceId,
        flow: impl Into<String>,
        schedule: Schedule,
        handler: Arc<dyn Flow>,
    ) -> Result<Self, SyncError> {
        let flow = flow.into();
        check_name("flow", &flow)?;
        self.jobs.push(Job {
            instance,
            flow,
            schedule,
            handler,
        });
        Ok(self)
    }

    /// Runs every job whose current tick was not served yet, one after the other, now.
    pub async fn run_due(&self) -> Result<Vec<RunOutcome>, SyncError> {
        let (_tx, rx) = watch::channel(false);
        let now = self.store.now().await?;
        let mut out = Vec::new();
        for job in &self.jobs {
            let Some(tick) = job.schedule.tick_at_or_before(now) else {
                continue;
            };
            out.push(self.run_job(job, tick, rx.clone()).await?);
        }
        Ok(out)
    }

    /// Runs the jobs on their schedules until `shutdown` completes, then lets the runs in
    /// flight finish and returns.
    pub async fn run_until<F>(self, shutdown: F) -> Result<(), SyncError>
    where
        F: std::future::Future<Output = ()> + Send,
    {
        let (tx, rx) = watch::channel(false);
        let this = Arc::new(self);
        let mut tasks = Vec::new();
        for index in 0..this.jobs.len() {
            let this = this.clone();
            let mut rx = rx.clone();
            tasks.push(tokio::spawn(async move {
                let job = &this.jobs[index];
                loop {
                    if *rx.borrow() {
                        return;
                    }
                    let now = match this.store.now().await {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::warn!(flow = %job.flow, error = %e, "store unavailable; retrying in 5 s");
                            tokio::select! {
                                _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                                _ = rx.changed() => return,
                            }
                        }
                    };
                    if let Some(tick) = job.schedule.tick_at_or_before(now) {
                        let jitter = this.jitter.mul_f64(fastrand::f64());
                        tokio::select! {
                            _ = tokio::time::sleep(jitter) => {}
                            _ = rx.changed() => return,
                        }
                        if let Err(e) = this.run_job(job, tick, rx.clone()).await {
                            tracing::warn!(flow = %job.flow, error = %e, "could not run flow");
                        }
                    }
                    // Sleep until the next tick (missed ticks are coalesced into one run).
                    let now = this.store.now().await.unwrap_or_else(|_| Utc::now());
                    let wait = job
                        .schedule
                        .next_after(now)
                        .and_then(|n| (n - now).to_std().ok())
                        .unwrap_or(Duration::from_secs(60));
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = rx.changed() => return,
                    }
                }
            }));
        }
        shutdown.await;
        tracing::info!(worker = %this.worker, "sync runner shutting down; finishing runs in flight");
        let _ = tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    }

    async fn run_job(
        &self,
        job: &Job,
        tick: DateTime<Utc>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<RunOutcome, SyncError> {
        let store = &self.store;
        let Some(lease) = store
            .lease_acquire(&job.instance, &job.flow, &self.worker, self.lease_ttl)
            .await?
        else {
            return Ok(RunOutcome::Busy);
        };
        let tick_stream = format!("tick.{}", job.flow);
        let served = store
            .cursor_load(&job.instance, &tick_stream)
            .await?
            .and_then(|s| s.parse::<i64>().ok());
        if served.is_some_and(|s| s >= tick.timestamp_millis()) {
            store.lease_release(&lease).await?;
            return Ok(RunOutcome::AlreadyServed);
        }
        let run_id = store
            .run_start(&job.instance, &job.flow, &self.worker)
            .await?;
        let span = tracing::info_span!(
            "sync_run",
            instance = %job.instance,
            flow = %job.flow,
            run_id,
            worker = %self.worker,
            tick = %tick
        );
        let outcome = async {
            // Claim the tick first (fenced): a run that cannot claim it does not run.
            store
                .cursor_save(
                    &job.instance,
                    &tick_stream,
                    &tick.timestamp_millis().to_string(),
                    Some(&lease),
                )
                .await?;
            let keeper = spawn_keeper(store.clone(), lease.clone(), self.lease_ttl);
            let ctx = RunContext {
                store: store.clone(),
                lease: lease.clone(),
                run_id,
                tick,
                shutdown,
            };
            let started = std::time::Instant::now();
            let result = job.handler.run(&ctx).await;
            keeper.abort();
            let elapsed = started.elapsed();
            let labels = [("flow", job.flow.clone())];
            metrics::histogram!("sync_run_seconds", &labels).record(elapsed.as_secs_f64());
            let (counts, error) = match &result {
                Ok(c) => (*c, None),
                Err(e) => (RunCounts::default(), Some(e.to_string())),
            };
            let status = if error.is_some() {
                "failed"
            } else {
                "succeeded"
            };
            metrics::counter!("sync_runs_total", "flow" => job.flow.clone(), "status" => status)
                .increment(1);
            metrics::counter!("sync_records_handed_on_total", &labels)
                .increment(u64::try_from(counts.changed).unwrap_or(0));
            match &error {
                None => tracing::info!(?counts, ?elapsed, "sync run finished"),
                Some(e) => tracing::warn!(error = %e, ?elapsed, "sync run failed"),
            }
            store
                .run_finish(run_id, &counts, error.as_deref(), Some(&lease))
                .await?;
            Ok::<_, SyncError>(RunOutcome::Ran { run_id, error })
        }
        .instrument(span)
        .await;
        // Released whatever happened (a lost lease is simply not released).
        let _ = store.lease_release(&lease).await;
        outcome
    }
}

fn spawn_keeper(
    store: Arc<dyn SyncStore>,
    lease: Lease,
    ttl: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(ttl / 3).await;
            if let Err(e) = store.lease_renew(&lease, ttl).await {
                tracing::warn!(flow = %lease.flow, error = %e, "lease lost; the run cannot commit");
                return;
            }
        }
    })
}
