//! Crash safety of a stock sync: a worker process running an ONe stock sync (change detection
//! → the ONe simulator, through the runner) is killed with SIGKILL at random points 100 times;
//! the ERP's snapshot changes between kills. Then a last worker runs to the end. Every record
//! ends accepted with its latest level (the simulator's stock equals the last snapshot for
//! every SKU: no change lost, none committed that the platform did not accept), and a run
//! after that hands nothing on (every fingerprint committed). Records repeated after a kill
//! are allowed: stock levels are absolute, the flow is at-least-once. On both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use connector_core::{LocationId, SecretString, Sku, Stock};
use connector_sandbox::Fault;
use connector_sync::{
    InstanceId, RunOutcome, Runner, Schedule, SourceFn, SqlStore, StockSyncFlow, SyncError,
    SyncStore,
};
use futures::StreamExt;
use one_b2b::{OneClient, OneConfig};
use rust_decimal::Decimal;
use sandbox_one_b2b::{OneSandbox, SANDBOX_API_KEY, SANDBOX_TENANT};

const SKUS: usize = 2_000;
const KILLS: usize = 100;

/// The ERP's level of SKU `i` at generation `g`: 1 % of the SKUs change per generation.
fn level(i: usize, g: usize) -> i64 {
    (i % 40) as i64 + (1..=g).filter(|k| (k * 37) % 100 == i % 100).count() as i64
}

fn sku(i: usize) -> String {
    format!("SKU-{i:06}")
}

fn tenant() -> InstanceId {
    InstanceId::new("one/crash-tenant").unwrap()
}

/// The worker process: syncs the snapshot of generation `g` once (waiting for a killed
/// worker's lease), then exits 0.
async fn worker(store_url: &str, base: &str, g: usize) -> Result<(), SyncError> {
    let store: Arc<dyn SyncStore> = Arc::new(SqlStore::open(store_url).await?);
    let one = OneClient::new(
        OneConfig::builder()
            .base_url(base)
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .build()?,
    )?;
    let source: SourceFn<Stock> = Arc::new(move || {
        Box::pin(async move {
            let loc = LocationId::new("WH-1")?;
            Ok(futures::stream::iter((0..SKUS).map(move |i| {
                Stock::new(
                    Sku::new(sku(i)).unwrap(),
                    Some(loc.clone()),
                    Decimal::from(level(i, g)),
                )
            }))
            .boxed())
        })
    });
    let ttl = Duration::from_millis(
        std::env::var("SYNC_CRASH_TTL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
    );
    let runner = Runner::new(store, format!("worker-{}", std::process::id()))
        .with_lease_ttl(ttl)
        .add(
            tenant(),
            "stock.one",
            Schedule::every(Duration::from_secs(1))?,
            Arc::new(StockSyncFlow::new(source, Arc::new(one))),
        )?;
    loop {
        match runner.run_due().await?.remove(0) {
            RunOutcome::Ran { error: None, .. } => return Ok(()),
            RunOutcome::Ran { error: Some(e), .. } => panic!("run failed: {e}"),
            // A killed worker's lease not expired yet, or this tick served: try again.
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Entry point of the worker process (does nothing in a normal test run).
#[tokio::test]
async fn one_stock_worker_entry() {
    let Ok(store_url) = std::env::var("SYNC_CRASH_STORE") else {
        return;
    };
    let base = std::env::var("SYNC_CRASH_BASE").unwrap();
    let g = std::env::var("SYNC_CRASH_GEN").unwrap().parse().unwrap();
    worker(&store_url, &base, g).await.unwrap();
}

fn spawn_worker(db: &TestDb, base: &str, g: usize, ttl_ms: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "one_stock_worker_entry",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("SYNC_CRASH_STORE", &db.url)
        .env("SYNC_CRASH_BASE", base)
        .env("SYNC_CRASH_GEN", g.to_string())
        .env("SYNC_CRASH_TTL_MS", ttl_ms.to_string())
        .stdout(Stdio::null())
        // The last workers' errors are shown; the killed ones' would be noise.
        .stderr(if ttl_ms > 1_000 {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap()
}

async fn sigkill_during_one_stock_sync_loses_no_change(db: TestDb) {
    let store = db.open().await;
    let sandbox = OneSandbox::start().await.unwrap();
    // Every stock request takes 40 ms more, so kills land between the platform's acceptance
    // and the commit too.
    sandbox.faults.inject_for(
        "/api/v1/stock/",
        Fault::Delay(Duration::from_millis(40)),
        1_000_000,
    );
    let base = sandbox.base_url();
    let mut killed_with_work_left = 0;
    for g in 0..KILLS {
        let mut child = spawn_worker(&db, &base, g, 300);
        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..700))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed_with_work_left += 1;
        }
        child.wait().unwrap();
    }
    // The last worker: must finish (a longer lease, so a loaded machine cannot lose it).
    let status = spawn_worker(&db, &base, KILLS, 30_000).wait().unwrap();
    assert!(status.success(), "the last worker failed: {status}");
    assert!(
        killed_with_work_left >= KILLS / 2,
        "only {killed_with_work_left} kills hit a live worker"
    );
    let wrong: Vec<_> = (0..SKUS)
        .filter(|&i| {
            sandbox.sim.stock("WH-1", &sku(i)).and_then(|v| v.as_f64())
                != Some(level(i, KILLS) as f64)
        })
        .take(5)
        .collect();
    assert!(
        wrong.is_empty(),
        "ONe stock differs from the ERP's for {wrong:?}..."
    );
    assert_eq!(
        store
            .fingerprints_count(&tenant(), "stock.one")
            .await
            .unwrap(),
        SKUS as i64
    );
    // One more run with the same snapshot: nothing handed on (every acceptance committed).
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let status = spawn_worker(&db, &base, KILLS, 30_000).wait().unwrap();
    assert!(status.success());
    let runs = store.runs(&tenant(), "stock.one", 1).await.unwrap();
    assert_eq!(
        (runs[0].counts.total, runs[0].counts.changed),
        (SKUS as i64, 0),
        "{runs:?}"
    );
    eprintln!(
        "ONe stock crash safety ({}): {killed_with_work_left} of {KILLS} kills hit a live worker; {} stock requests in all",
        db.backend,
        sandbox.sim.stock_request_sizes().len()
    );
}

on_both_backends!(sigkill_during_one_stock_sync_loses_no_change);
