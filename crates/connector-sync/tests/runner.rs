//! The runner on both backends: once per tick across two workers, never concurrently, a killed
//! worker's lease taken over after expiry, graceful shutdown; and schedules.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use common::TestDb;
use connector_sync::{
    Flow, InstanceId, RunContext, RunCounts, RunOutcome, RunStatus, Runner, Schedule, SyncError,
    SyncStore,
};

#[derive(Default)]
struct Probe {
    running: AtomicUsize,
    max_running: AtomicUsize,
    ticks: Mutex<Vec<DateTime<Utc>>>,
    took: Duration,
    fail: bool,
}

#[async_trait]
impl Flow for Probe {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        self.ticks.lock().unwrap().push(ctx.tick);
        tokio::time::sleep(self.took).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        if self.fail {
            return Err(SyncError::InvalidInput {
                field: "erp export".into(),
                rule: "was empty".into(),
            });
        }
        Ok(RunCounts {
            total: 3,
            changed: 1,
            sent: 1,
            ..Default::default()
        })
    }
}

fn inst() -> InstanceId {
    InstanceId::new("one/tenant-1").unwrap()
}

async fn two_workers_run_each_tick_once_and_never_concurrently(db: TestDb) {
    let probe = Arc::new(Probe {
        took: Duration::from_millis(150),
        ..Default::default()
    });
    let runner = |store: Arc<dyn SyncStore>, name: &str| {
        Runner::new(store, name)
            .with_jitter(Duration::from_millis(300))
            .with_lease_ttl(Duration::from_secs(5))
            .add(
                inst(),
                "stock",
                Schedule::every(Duration::from_secs(1)).unwrap(),
                probe.clone(),
            )
            .unwrap()
    };
    let a = runner(Arc::new(db.open().await), "worker-a");
    let b = runner(Arc::new(db.open().await), "worker-b");
    let stop = || tokio::time::sleep(Duration::from_millis(3600));
    let (ra, rb) = tokio::join!(a.run_until(stop()), b.run_until(stop()));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(
        probe.max_running.load(Ordering::SeqCst),
        1,
        "ran concurrently"
    );
    let ticks = probe.ticks.lock().unwrap().clone();
    let mut distinct = ticks.clone();
    distinct.dedup();
    assert_eq!(ticks, distinct, "a tick ran twice: {ticks:?}");
    assert!((3..=5).contains(&ticks.len()), "{ticks:?}");
    let store = db.open().await;
    let runs = store.runs(&inst(), "stock", 10).await.unwrap();
    assert_eq!(runs.len(), ticks.len());
    assert!(
        runs.iter()
            .all(|r| r.status == RunStatus::Succeeded && r.counts.sent == 1)
    );
}

async fn a_killed_workers_lease_is_taken_over_after_expiry(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    // A worker took the lease and was killed: it never releases it.
    store
        .lease_acquire(&inst(), "stock", "killed", Duration::from_millis(500))
        .await
        .unwrap()
        .unwrap();
    let probe = Arc::new(Probe::default());
    let runner = Runner::new(store.clone(), "survivor")
        .add(
            inst(),
            "stock",
            Schedule::every(Duration::from_secs(3600)).unwrap(),
            probe.clone(),
        )
        .unwrap();
    assert_eq!(runner.run_due().await.unwrap(), vec![RunOutcome::Busy]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let out = runner.run_due().await.unwrap();
    assert!(
        matches!(out[0], RunOutcome::Ran { error: None, .. }),
        "{out:?}"
    );
    // The tick is served: running again does nothing until the next tick.
    assert_eq!(
        runner.run_due().await.unwrap(),
        vec![RunOutcome::AlreadyServed]
    );
    assert_eq!(probe.ticks.lock().unwrap().len(), 1);
}

async fn shutdown_finishes_the_run_in_flight_and_releases_the_lease(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let probe = Arc::new(Probe {
        took: Duration::from_millis(800),
        ..Default::default()
    });
    let runner = Runner::new(store.clone(), "w1")
        .with_jitter(Duration::ZERO)
        .add(
            inst(),
            "stock",
            Schedule::every(Duration::from_secs(3600)).unwrap(),
            probe.clone(),
        )
        .unwrap();
    let started = std::time::Instant::now();
    runner
        .run_until(tokio::time::sleep(Duration::from_millis(200)))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "did not wait for the run"
    );
    let runs = store.runs(&inst(), "stock", 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert!(runs[0].ended_at.is_some());
    assert!(
        store
            .lease_acquire(&inst(), "stock", "next", Duration::from_secs(1))
            .await
            .unwrap()
            .is_some(),
        "the lease was released"
    );
}

async fn a_failing_flow_is_recorded_with_its_error(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let probe = Arc::new(Probe {
        fail: true,
        ..Default::default()
    });
    let runner = Runner::new(store.clone(), "w1")
        .add(
            inst(),
            "stock",
            Schedule::cron("0 0 * * * *").unwrap(),
            probe,
        )
        .unwrap();
    let out = runner.run_due().await.unwrap();
    assert!(matches!(&out[0], RunOutcome::Ran { error: Some(e), .. } if e.contains("was empty")));
    let runs = store.runs(&inst(), "stock", 1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(runs[0].error.as_deref().unwrap().contains("was empty"));
}

on_both_backends!(
    two_workers_run_each_tick_once_and_never_concurrently,
    a_killed_workers_lease_is_taken_over_after_expiry,
    shutdown_finishes_the_run_in_flight_and_releases_the_lease,
    a_failing_flow_is_recorded_with_its_error,
);

#[test]
fn schedules_compute_ticks_and_bad_cron_is_refused() {
    let t = Utc.with_ymd_and_hms(2026, 12, 4, 12, 3, 10).unwrap();
    let every2 = Schedule::every(Duration::from_secs(120)).unwrap();
    assert_eq!(
        every2.tick_at_or_before(t),
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 12, 2, 0).unwrap())
    );
    assert_eq!(
        every2.next_after(t),
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 12, 4, 0).unwrap())
    );
    let cron = Schedule::cron("0 */2 * * * *").unwrap();
    assert_eq!(
        cron.tick_at_or_before(t),
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 12, 2, 0).unwrap())
    );
    assert_eq!(
        cron.next_after(t),
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 12, 4, 0).unwrap())
    );
    let daily = Schedule::cron("0 30 2 * * *").unwrap();
    assert_eq!(
        daily.tick_at_or_before(t),
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 2, 30, 0).unwrap())
    );
    let err = Schedule::cron("every two minutes").unwrap_err();
    assert!(matches!(err, SyncError::InvalidInput { .. }));
    assert!(err.to_string().contains("every two minutes"), "{err}");
    assert!(Schedule::cron("0 61 * * * *").is_err());
    assert!(Schedule::every(Duration::from_millis(10)).is_err());
}
