//! Crash safety: a worker process placing Amazon MCF orders through the ledger is killed with
//! SIGKILL at random points 100 times, then a last worker runs to the end. Zero duplicate
//! orders (a resent create would be refused by the simulator as "already exists" and end up
//! `rejected`), zero lost orders, every order placed exactly once. On both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use amazon_mcf::{AmazonMcfClient, AmazonMcfConnector};
use common::TestDb;
use connector_core::{
    Address, AddressKind, Customer, ExternalOrderId, OrderDraft, OrderLine, Person, RetryPolicy,
    SecretString, Sku,
};
use connector_sandbox::Fault;
use connector_sync::{
    InstanceId, LedgerState, PlacementFlow, SqlStore, SyncError, SyncStore, TrackingLookup,
};
use rust_decimal::Decimal;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

const ORDERS: usize = 300;
const KILLS: usize = 100;

fn draft(i: usize) -> OrderDraft {
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut d = OrderDraft::new(
        ExternalOrderId::new(format!("ERP-{i:04}")).unwrap(),
        customer,
        vec![OrderLine::new(
            Some(Sku::new("SKU-1").unwrap()),
            Decimal::from(1),
        )],
    );
    d.shipping_address = Some(Address::postal(
        AddressKind::Delivery,
        "Jane Doe",
        "1 Main St",
        "Seattle",
        "98101",
        "us",
    ));
    d.ordered_at = Some(chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap());
    d
}

fn seller() -> InstanceId {
    InstanceId::new("amazon-mcf/seller-A/NA").unwrap()
}

/// The worker process: places every order through the ledger, then exits 0.
async fn worker(store_url: &str, base: &str, token: &str) -> Result<(), SyncError> {
    let store: Arc<dyn SyncStore> = Arc::new(SqlStore::open(store_url).await?);
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(base)
        .lwa_url(token)
        .app_id("CrashTest")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let amazon = AmazonMcfConnector::new(client).with_package_tracking(false);
    let lookup = TrackingLookup(&amazon);
    let me = format!("worker-{}", std::process::id());
    // Workers that get killed hold 300 ms leases (taken over quickly); the last one, which
    // must finish, a longer one so a loaded machine cannot make it lose its lease.
    let ttl = Duration::from_millis(
        std::env::var("SYNC_CRASH_TTL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
    );
    let lease = loop {
        // Waits for the lease of a killed worker to expire.
        match store
            .lease_acquire(&seller(), "placements", &me, ttl)
            .await?
        {
            Some(l) => break l,
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    // Renewed while the worker lives, as the runner does.
    let keeper = {
        let (store, lease) = (store.clone(), lease.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 4).await;
                if store.lease_renew(&lease, ttl).await.is_err() {
                    return;
                }
            }
        })
    };
    let flow = PlacementFlow::new(store, lease, &amazon, &lookup);
    let report = flow
        .run(futures::stream::iter((0..ORDERS).map(draft)))
        .await;
    keeper.abort();
    report.map(|_| ())
}

/// Entry point of the worker process (does nothing in a normal test run).
#[tokio::test]
async fn crash_worker_entry() {
    let Ok(store_url) = std::env::var("SYNC_CRASH_STORE") else {
        return;
    };
    let base = std::env::var("SYNC_CRASH_BASE").unwrap();
    let token = std::env::var("SYNC_CRASH_TOKEN").unwrap();
    worker(&store_url, &base, &token).await.unwrap();
}

fn spawn_worker(db: &TestDb, base: &str, token: &str, ttl_ms: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_worker_entry",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("SYNC_CRASH_STORE", &db.url)
        .env("SYNC_CRASH_BASE", base)
        .env("SYNC_CRASH_TOKEN", token)
        .env("SYNC_CRASH_TTL_MS", ttl_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn sigkill_during_placement_loses_and_duplicates_nothing(db: TestDb) {
    // Opened (and migrated) once before the workers start.
    let store = db.open().await;
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("SKU-1", "Mug", 100_000);
    // Every order call takes 5 ms more, so kills land during calls too.
    sandbox.sim.faults().inject_for(
        "/fba/outbound/2020-07-01/fulfillmentOrders",
        Fault::Delay(Duration::from_millis(5)),
        1_000_000,
    );
    let (base, token) = (sandbox.base_url(), sandbox.token_url());
    let mut killed_with_work_left = 0;
    for _ in 0..KILLS {
        let mut child = spawn_worker(&db, &base, &token, 300);
        tokio::time::sleep(Duration::from_millis(fastrand::u64(20..250))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed_with_work_left += 1;
        }
        child.wait().unwrap();
        // Let the killed worker's lease expire before the next one starts.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The last worker gets the long lease the worker's comment promises (it was started with
    // the 300 ms one before, and failed with LeaseLost on a loaded machine).
    let status = spawn_worker(&db, &base, &token, 30_000).wait().unwrap();
    assert!(status.success(), "the last worker failed: {status}");
    assert!(
        killed_with_work_left >= KILLS / 2,
        "only {killed_with_work_left} kills hit a live worker"
    );

    assert_eq!(
        sandbox.sim.order_count(),
        ORDERS,
        "lost or duplicated orders"
    );
    let placed = store
        .ledger_list(&seller(), LedgerState::Placed, 10_000)
        .await
        .unwrap();
    assert_eq!(placed.len(), ORDERS);
    for state in [
        LedgerState::Pending,
        LedgerState::Rejected,
        LedgerState::Unknown,
    ] {
        let left = store.ledger_list(&seller(), state, 10_000).await.unwrap();
        assert!(
            left.is_empty(),
            "{state}: {:?}",
            left.iter().map(|e| (&e.key, &e.detail)).collect::<Vec<_>>()
        );
    }
    for i in 0..ORDERS {
        assert!(
            sandbox.sim.order_status(&format!("ERP-{i:04}")).is_some(),
            "ERP-{i:04} lost"
        );
    }
    assert_eq!(
        sandbox.sim.fulfillable("SKU-1"),
        Some(100_000 - ORDERS as i64)
    );
    eprintln!(
        "crash safety ({}): {killed_with_work_left} of {KILLS} kills hit a live worker; {} placements reconciled after a kill",
        db.backend,
        placed
            .iter()
            .filter(|e| e.detail.as_deref() == Some("found by reconciliation"))
            .count()
    );
}

on_both_backends!(sigkill_during_placement_loses_and_duplicates_nothing);
