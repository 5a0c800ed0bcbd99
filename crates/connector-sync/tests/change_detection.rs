//! Change detection on both backends: only changed records are sent, a rejected record is sent
//! again, deletions are found in a full snapshot, and nothing is committed without the lease.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use connector_core::{InMemoryConnector, LocationId, Sku, Stock, StockSink};
use connector_sync::{ChangeDetector, InstanceId, SyncError, SyncStore, fingerprint_of};
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;

fn stock(sku: &str, qty: i64) -> Stock {
    Stock::new(
        Sku::new(sku).unwrap(),
        Some(LocationId::new("WH-1").unwrap()),
        Decimal::from(qty),
    )
}

fn key(s: &Stock) -> String {
    format!(
        "{}@{}",
        s.sku,
        s.location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default()
    )
}

fn fp(s: &Stock) -> Result<String, SyncError> {
    fingerprint_of(s)
}

/// One run: detect, push what changed to `sink`, commit. Returns the SKUs handed on.
async fn run(
    store: &Arc<dyn SyncStore>,
    sink: &InMemoryConnector,
    input: Vec<Stock>,
) -> (Vec<String>, ChangeDetector) {
    let i = InstanceId::new("one/tenant-1").unwrap();
    let lease = store
        .lease_acquire(&i, "stock", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let run = store.run_start(&i, "stock", "w1").await.unwrap();
    let det = ChangeDetector::begin(store.clone(), lease.clone(), run)
        .await
        .unwrap()
        .with_batch_size(64);
    let changed: Vec<Stock> = det
        .changes(futures::stream::iter(input), key, fp)
        .try_collect()
        .await
        .unwrap();
    let skus = changed.iter().map(|s| s.sku.to_string()).collect();
    let report = sink
        .push_stock(futures::stream::iter(changed).boxed())
        .await
        .unwrap();
    det.commit(&report).await.unwrap();
    store.lease_release(&lease).await.unwrap();
    (skus, det)
}

fn snapshot(n: usize, bump: &[usize]) -> Vec<Stock> {
    (0..n)
        .map(|i| {
            stock(
                &format!("SKU-{i:05}"),
                if bump.contains(&i) {
                    1000 + i as i64
                } else {
                    i as i64
                },
            )
        })
        .collect()
}

async fn only_changed_records_are_sent(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let sink = InMemoryConnector::new();
    let (first, det) = run(&store, &sink, snapshot(1000, &[])).await;
    assert_eq!(first.len(), 1000);
    assert_eq!((det.stats().new, det.stats().changed), (1000, 0));
    let (second, det) = run(&store, &sink, snapshot(1000, &[3, 500, 999])).await;
    assert_eq!(second, vec!["SKU-00003", "SKU-00500", "SKU-00999"]);
    assert_eq!(det.stats().changed, 3);
    assert_eq!(det.stats().unchanged, 997);
    // Nothing changed since: nothing sent.
    let (third, det) = run(&store, &sink, snapshot(1000, &[3, 500, 999])).await;
    assert!(third.is_empty(), "{third:?}");
    assert_eq!(det.stats().read, 1000);
    assert_eq!(sink.stock_levels().len(), 1000);
}

async fn a_rejected_record_is_sent_again_next_run(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let sink = InMemoryConnector::new();
    let mut input = snapshot(100, &[]);
    input[42] = stock("SKU-00042", -5); // the in-memory sink refuses negative stock
    let (first, _) = run(&store, &sink, input.clone()).await;
    assert_eq!(first.len(), 100);
    // Same input: the refused record was not committed, so it is sent again (and only it).
    let (second, _) = run(&store, &sink, input).await;
    assert_eq!(second, vec!["SKU-00042"]);
    // Fixed in the ERP: sent, accepted, and quiet afterwards.
    let (third, _) = run(&store, &sink, snapshot(100, &[])).await;
    assert_eq!(third, vec!["SKU-00042"]);
    let (fourth, _) = run(&store, &sink, snapshot(100, &[])).await;
    assert!(fourth.is_empty());
}

async fn deletions_are_found_in_a_full_snapshot(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let sink = InMemoryConnector::new();
    run(&store, &sink, snapshot(300, &[])).await;
    let smaller: Vec<Stock> = snapshot(300, &[])
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 100 != 7)
        .map(|(_, s)| s)
        .collect();
    let (sent, det) = run(&store, &sink, smaller.clone()).await;
    assert!(sent.is_empty());
    // Paged in key order.
    let page1 = det.deletions("", 2).await.unwrap();
    let page2 = det.deletions(&page1[1].0, 2).await.unwrap();
    let keys: Vec<&str> = page1
        .iter()
        .chain(&page2)
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        keys,
        vec!["SKU-00007@WH-1", "SKU-00107@WH-1", "SKU-00207@WH-1"]
    );
    // The deletions are forgotten only once committed (needs the lease: take it again).
    let i = InstanceId::new("one/tenant-1").unwrap();
    let lease = store
        .lease_acquire(&i, "stock", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let run_id = store.run_start(&i, "stock", "w1").await.unwrap();
    let det = ChangeDetector::begin(store.clone(), lease.clone(), run_id)
        .await
        .unwrap();
    let none: Vec<Stock> = det
        .changes(futures::stream::iter(smaller), key, fp)
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    let dels: Vec<String> = det
        .deletions("", 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(dels.len(), 3);
    assert_eq!(det.commit_deletions(&dels).await.unwrap(), 3);
    assert!(det.deletions("", 100).await.unwrap().is_empty());
    assert_eq!(store.fingerprints_count(&i, "stock").await.unwrap(), 297);
}

async fn an_unfinished_run_commits_nothing_and_knows_no_deletions(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let i = InstanceId::new("one/tenant-1").unwrap();
    let lease = store
        .lease_acquire(&i, "stock", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let run_id = store.run_start(&i, "stock", "w1").await.unwrap();
    let det = ChangeDetector::begin(store.clone(), lease.clone(), run_id)
        .await
        .unwrap()
        .with_batch_size(10);
    // The worker dies after reading 25 records: nothing was committed.
    let mut s = det.changes(futures::stream::iter(snapshot(100, &[])), key, fp);
    for _ in 0..25 {
        s.next().await.unwrap().unwrap();
    }
    drop(s);
    assert!(!det.is_complete());
    assert!(matches!(
        det.deletions("", 10).await,
        Err(SyncError::InvalidInput { .. })
    ));
    assert_eq!(store.fingerprints_count(&i, "stock").await.unwrap(), 0);
    store.lease_release(&lease).await.unwrap();
    // The next run sees all 100 as new and clears the stale staging rows.
    let sink = InMemoryConnector::new();
    let (sent, _) = run(&store, &sink, snapshot(100, &[])).await;
    assert_eq!(sent.len(), 100);
    assert_eq!(store.fingerprints_count(&i, "stock").await.unwrap(), 100);
}

async fn a_report_that_does_not_cover_everything_commits_only_what_it_covers(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let i = InstanceId::new("one/tenant-1").unwrap();
    let lease = store
        .lease_acquire(&i, "stock", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let run_id = store.run_start(&i, "stock", "w1").await.unwrap();
    let det = ChangeDetector::begin(store.clone(), lease.clone(), run_id)
        .await
        .unwrap();
    let changed: Vec<Stock> = det
        .changes(futures::stream::iter(snapshot(10, &[])), key, fp)
        .try_collect()
        .await
        .unwrap();
    // A sink that read only the first 4 records.
    let sink = InMemoryConnector::new();
    let report = sink
        .push_stock(futures::stream::iter(changed.into_iter().take(4)).boxed())
        .await
        .unwrap();
    assert_eq!(det.commit(&report).await.unwrap(), 4);
    assert_eq!(store.fingerprints_count(&i, "stock").await.unwrap(), 4);
    // A lost lease commits nothing.
    store.lease_release(&lease).await.unwrap();
    assert!(matches!(
        det.commit(&report).await,
        Err(SyncError::LeaseLost { .. })
    ));
}

async fn duplicate_keys_keep_the_last_accepted_version(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let sink = InMemoryConnector::new();
    let input = vec![stock("A", 1), stock("B", 1), stock("A", 2)];
    let (sent, _) = run(&store, &sink, input).await;
    assert_eq!(sent, vec!["A", "B", "A"]);
    let (again, _) = run(&store, &sink, vec![stock("A", 2), stock("B", 1)]).await;
    assert!(again.is_empty(), "{again:?}");
}

async fn bad_keys_end_the_stream_with_an_error(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let i = InstanceId::new("one/tenant-1").unwrap();
    let lease = store
        .lease_acquire(&i, "stock", "w1", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let det = ChangeDetector::begin(store.clone(), lease, 1)
        .await
        .unwrap();
    let out: Vec<Result<Stock, SyncError>> = det
        .changes(
            futures::stream::iter(snapshot(3, &[])),
            |_| String::new(),
            fp,
        )
        .collect()
        .await;
    assert_eq!(out.len(), 1);
    assert!(matches!(out[0], Err(SyncError::InvalidInput { .. })));
}

on_both_backends!(
    only_changed_records_are_sent,
    a_rejected_record_is_sent_again_next_run,
    deletions_are_found_in_a_full_snapshot,
    an_unfinished_run_commits_nothing_and_knows_no_deletions,
    a_report_that_does_not_cover_everything_commits_only_what_it_covers,
    duplicate_keys_keep_the_last_accepted_version,
    bad_keys_end_the_stream_with_an_error,
);
