//! Placements through the ledger against the Amazon MCF simulator, on both backends: each order
//! placed once, a crash after the call reconciled before any resend, an unknown outcome
//! surfaced and never resent blindly, a refused order kept as a dead letter.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;
use std::time::Duration;

use amazon_mcf::{AmazonMcfClient, AmazonMcfConnector, convert};
use common::TestDb;
use connector_core::{
    Address, AddressKind, Customer, ExternalOrderId, OrderDraft, OrderLine, Person, RetryPolicy,
    SecretString, Sku,
};
use connector_sandbox::Fault;
use connector_sync::{
    InstanceId, Lease, LedgerState, PlacementFlow, SyncError, SyncStore, TrackingLookup,
};
use rust_decimal::Decimal;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSandbox, McfSimulator, REFRESH_TOKEN};

const ORDERS_PATH: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";

async fn amazon() -> (McfSandbox, AmazonMcfConnector) {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("SKU-1", "Mug", 1000);
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(sandbox.base_url())
        .lwa_url(sandbox.token_url())
        .app_id("SyncTest")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (
        sandbox,
        AmazonMcfConnector::new(client).with_package_tracking(false),
    )
}

fn draft(id: &str, qty: i64) -> OrderDraft {
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut d = OrderDraft::new(
        ExternalOrderId::new(id).unwrap(),
        customer,
        vec![OrderLine::new(
            Some(Sku::new("SKU-1").unwrap()),
            Decimal::from(qty),
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
    d
}

fn seller() -> InstanceId {
    InstanceId::new("amazon-mcf/seller-A/NA").unwrap()
}

async fn lease(store: &Arc<dyn SyncStore>) -> Lease {
    store
        .lease_acquire(&seller(), "placements", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap()
}

async fn each_order_is_placed_once_across_runs(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let (sandbox, amazon) = amazon().await;
    let lease = lease(&store).await;
    let lookup = TrackingLookup(&amazon);
    let flow = PlacementFlow::new(store.clone(), lease, &amazon, &lookup);
    let drafts: Vec<OrderDraft> = (1..=5).map(|i| draft(&format!("ERP-{i}"), 1)).collect();
    let first = flow
        .run(futures::stream::iter(drafts.clone()))
        .await
        .unwrap();
    assert_eq!(first.placed.len(), 5, "{first:?}");
    assert_eq!(first.calls, 5);
    let requests = sandbox.sim.requests();
    // The ERP exports the same orders again (and one new one): only the new one is sent.
    let mut again = drafts.clone();
    again.push(draft("ERP-6", 2));
    let second = flow.run(futures::stream::iter(again)).await.unwrap();
    assert_eq!(second.already_placed.len(), 5);
    assert_eq!(second.placed, vec!["ERP-6"]);
    assert_eq!(second.calls, 1);
    assert_eq!(sandbox.sim.requests(), requests + 1);
    assert_eq!(sandbox.sim.order_count(), 6);
    assert_eq!(sandbox.sim.fulfillable("SKU-1"), Some(1000 - 7));
    let entry = store.ledger_get(&seller(), "ERP-6").await.unwrap().unwrap();
    assert_eq!(entry.state, LedgerState::Placed);
    assert_eq!(entry.platform_ids, vec!["ERP-6"]);
    assert_eq!(entry.attempts, 1);
    // The same key with another order is refused, not sent.
    let third = flow
        .run(futures::stream::iter(vec![draft("ERP-1", 9)]))
        .await
        .unwrap();
    assert_eq!(third.conflicting, vec!["ERP-1"]);
    assert_eq!(third.calls, 0);
    assert_eq!(sandbox.sim.order_count(), 6);
}

async fn a_crash_after_the_call_is_reconciled_not_resent(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let (sandbox, amazon) = amazon().await;
    let l = lease(&store).await;
    // A worker wrote the intent, counted the attempt, placed the order, and died before it
    // recorded the outcome.
    let d = draft("ERP-7", 1);
    let payload = serde_json::to_value(&d).unwrap();
    store
        .ledger_begin(&seller(), "placements", "ERP-7", &payload)
        .await
        .unwrap();
    store
        .ledger_mark_attempt(&seller(), "ERP-7", &l)
        .await
        .unwrap();
    let req = convert::draft_to_create(&d, &Default::default(), chrono::Utc::now()).unwrap();
    amazon
        .client()
        .create_fulfillment_order(&req)
        .await
        .unwrap();
    // Another one died after counting the attempt but before the call went out.
    let d8 = draft("ERP-8", 1);
    store
        .ledger_begin(
            &seller(),
            "placements",
            "ERP-8",
            &serde_json::to_value(&d8).unwrap(),
        )
        .await
        .unwrap();
    store
        .ledger_mark_attempt(&seller(), "ERP-8", &l)
        .await
        .unwrap();
    assert_eq!(sandbox.sim.order_count(), 1);

    let lookup = TrackingLookup(&amazon);
    let flow = PlacementFlow::new(store.clone(), l, &amazon, &lookup);
    let report = flow.run(futures::stream::iter(vec![d, d8])).await.unwrap();
    assert_eq!(report.reconciled, vec!["ERP-7"]);
    assert_eq!(report.placed, vec!["ERP-8"]);
    assert_eq!((report.lookups, report.calls), (2, 1));
    assert_eq!(sandbox.sim.order_count(), 2);
    assert_eq!(sandbox.sim.fulfillable("SKU-1"), Some(998));
    let e7 = store.ledger_get(&seller(), "ERP-7").await.unwrap().unwrap();
    assert_eq!((e7.state, e7.attempts), (LedgerState::Placed, 1));
    let e8 = store.ledger_get(&seller(), "ERP-8").await.unwrap().unwrap();
    assert_eq!((e8.state, e8.attempts), (LedgerState::Placed, 2));
}

async fn an_unknown_outcome_is_surfaced_and_never_resent_blindly(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let (sandbox, amazon) = amazon().await;
    let lookup = TrackingLookup(&amazon);
    let flow = PlacementFlow::new(store.clone(), lease(&store).await, &amazon, &lookup);
    // The create's answer is lost and so is the crate's own lookup.
    sandbox
        .sim
        .faults()
        .inject_for(ORDERS_PATH, Fault::DropConnection, 2);
    let report = flow
        .run(futures::stream::iter(vec![draft("ERP-9", 1)]))
        .await
        .unwrap();
    assert_eq!(report.unknown.len(), 1, "{report:?}");
    assert!(
        report.unknown[0].1.contains("outcome unknown"),
        "{report:?}"
    );
    let entry = store.ledger_get(&seller(), "ERP-9").await.unwrap().unwrap();
    assert_eq!(entry.state, LedgerState::Unknown);
    let surfaced = store
        .ledger_list(&seller(), LedgerState::Unknown, 10)
        .await
        .unwrap();
    assert_eq!(surfaced.len(), 1);
    // Next run while the platform still cannot answer the lookup: not sent.
    sandbox
        .sim
        .faults()
        .inject_for(ORDERS_PATH, Fault::Status(503), 1);
    let requests = sandbox.sim.requests();
    let report = flow
        .run(futures::stream::iter(vec![draft("ERP-9", 1)]))
        .await
        .unwrap();
    assert_eq!((report.calls, report.lookups), (0, 1));
    assert_eq!(report.unknown.len(), 1);
    // The one call made was the lookup, answered by the injected 503; no create reached Amazon.
    assert_eq!(sandbox.sim.faults().pending(), 0);
    assert_eq!(sandbox.sim.requests(), requests);
    assert_eq!(sandbox.sim.order_count(), 0);
    // The platform answers again: the lookup says the order is not there, so it is sent once.
    let report = flow
        .run(futures::stream::iter(vec![draft("ERP-9", 1)]))
        .await
        .unwrap();
    assert_eq!(report.placed, vec!["ERP-9"]);
    assert_eq!(sandbox.sim.order_count(), 1);
    // reconcile_unknown finds nothing left.
    assert_eq!(flow.reconcile_unknown(10).await.unwrap().total(), 0);
}

async fn a_refused_order_is_rejected_kept_as_a_dead_letter_and_not_resent(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let (sandbox, amazon) = amazon().await;
    let lookup = TrackingLookup(&amazon);
    let flow = PlacementFlow::new(store.clone(), lease(&store).await, &amazon, &lookup);
    let mut bad = draft("ERP-10", 1);
    bad.shipping_address = None; // Amazon needs a destination: refused before sending
    let report = flow
        .run(futures::stream::iter(vec![bad.clone()]))
        .await
        .unwrap();
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let dead = store.dead_letters(&seller(), "placements").await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].key, "ERP-10");
    assert_eq!(dead[0].reason, report.rejected[0].1);
    let again = flow.run(futures::stream::iter(vec![bad])).await.unwrap();
    assert_eq!((again.rejected.len(), again.calls), (1, 0));
    assert_eq!(sandbox.sim.order_count(), 0);
}

async fn a_worker_whose_lease_expired_cannot_place(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let (sandbox, amazon) = amazon().await;
    let old = store
        .lease_acquire(&seller(), "placements", "old", Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new = store
        .lease_acquire(&seller(), "placements", "new", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let lookup = TrackingLookup(&amazon);
    let stale = PlacementFlow::new(store.clone(), old, &amazon, &lookup);
    let err = stale
        .run(futures::stream::iter(vec![draft("ERP-11", 1)]))
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::LeaseLost { .. }), "{err:?}");
    assert_eq!(
        sandbox.sim.order_count(),
        0,
        "the attempt is fenced before the call"
    );
    let current = PlacementFlow::new(store.clone(), new, &amazon, &lookup);
    let report = current
        .run(futures::stream::iter(vec![draft("ERP-11", 1)]))
        .await
        .unwrap();
    assert_eq!(report.placed, vec!["ERP-11"]);
}

on_both_backends!(
    each_order_is_placed_once_across_runs,
    a_crash_after_the_call_is_reconciled_not_resent,
    an_unknown_outcome_is_surfaced_and_never_resent_blindly,
    a_refused_order_is_rejected_kept_as_a_dead_letter_and_not_resent,
    a_worker_whose_lease_expired_cannot_place,
);
