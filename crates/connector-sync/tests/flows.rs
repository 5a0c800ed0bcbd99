//! The ready-made flows through the runner, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestDb;
use connector_core::{
    InMemoryConnector, LocationId, Order, OrderId, OrderState, OrderStatus, Sku, Stock,
};
use connector_sync::{
    InstanceId, OrderFeedFlow, OrderHandler, RunOutcome, Runner, Schedule, SourceFn, StockSyncFlow,
    SyncError, SyncStore,
};
use futures::StreamExt;
use rust_decimal::Decimal;

fn inst() -> InstanceId {
    InstanceId::new("one/tenant-1").unwrap()
}

fn snapshot(n: usize, bump: usize) -> Vec<Stock> {
    (0..n)
        .map(|i| {
            let q = if i < bump { 100 + i } else { i };
            Stock::new(
                Sku::new(format!("SKU-{i:04}")).unwrap(),
                Some(LocationId::new("WH-1").unwrap()),
                Decimal::from(q as i64),
            )
        })
        .collect()
}

async fn next_tick() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

async fn stock_flow_sends_only_changes_and_counts_deletions(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let data: Arc<Mutex<Vec<Stock>>> = Arc::new(Mutex::new(snapshot(200, 0)));
    let d = data.clone();
    let source: SourceFn<Stock> = Arc::new(move || {
        let rows = d.lock().unwrap().clone();
        Box::pin(async move { Ok(futures::stream::iter(rows).boxed()) })
    });
    let sink = Arc::new(InMemoryConnector::new());
    let flow = Arc::new(StockSyncFlow::new(source, sink.clone()).with_batch_size(50));
    let runner = Runner::new(store.clone(), "w1")
        .add(
            inst(),
            "stock",
            Schedule::every(Duration::from_secs(1)).unwrap(),
            flow,
        )
        .unwrap();
    assert!(matches!(
        runner.run_due().await.unwrap()[0],
        RunOutcome::Ran { error: None, .. }
    ));
    // Two changed, one gone from the export.
    {
        let mut rows = snapshot(200, 2);
        rows.pop();
        *data.lock().unwrap() = rows;
    }
    next_tick().await;
    runner.run_due().await.unwrap();
    let runs = store.runs(&inst(), "stock", 10).await.unwrap();
    assert_eq!(runs.len(), 2);
    let (second, first) = (runs[0].counts, runs[1].counts);
    assert_eq!((first.total, first.changed, first.sent), (200, 200, 200));
    assert_eq!(
        (second.total, second.changed, second.sent, second.deleted),
        (199, 2, 2, 1)
    );
    assert_eq!(sink.stock_levels().len(), 200);
}

async fn feed_flow_hands_each_order_over_and_resumes_from_the_cursor(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let feed = Arc::new(InMemoryConnector::new());
    for i in 1..=3 {
        feed.add_order(Order::new(
            OrderId::new(format!("O-{i}")).unwrap(),
            OrderStatus::new(OrderState::Pending, "NEW"),
        ));
    }
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let fail_on: Arc<Mutex<Option<String>>> = Arc::default();
    let (s, f) = (seen.clone(), fail_on.clone());
    let handler: OrderHandler = Arc::new(move |o: Order| {
        let (s, f) = (s.clone(), f.clone());
        Box::pin(async move {
            if f.lock().unwrap().as_deref() == Some(o.id.as_str()) {
                return Err(SyncError::InvalidInput {
                    field: "erp".into(),
                    rule: "is down".into(),
                });
            }
            s.lock().unwrap().push(o.id.to_string());
            Ok(())
        })
    });
    let flow = Arc::new(OrderFeedFlow::new(feed.clone(), "one.orders", handler));
    let runner = Runner::new(store.clone(), "w1")
        .add(
            inst(),
            "orders",
            Schedule::every(Duration::from_secs(1)).unwrap(),
            flow,
        )
        .unwrap();
    runner.run_due().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["O-1", "O-2", "O-3"]);
    assert_eq!(
        store
            .cursor_load(&inst(), "one.orders")
            .await
            .unwrap()
            .as_deref(),
        Some("3")
    );
    // The ERP handler fails on the next order: the cursor does not move ...
    feed.add_order(Order::new(
        OrderId::new("O-4").unwrap(),
        OrderStatus::new(OrderState::Pending, "NEW"),
    ));
    *fail_on.lock().unwrap() = Some("O-4".into());
    next_tick().await;
    let out = runner.run_due().await.unwrap();
    assert!(
        matches!(&out[0], RunOutcome::Ran { error: Some(_), .. }),
        "{out:?}"
    );
    assert_eq!(
        store
            .cursor_load(&inst(), "one.orders")
            .await
            .unwrap()
            .as_deref(),
        Some("3")
    );
    // ... and the order is handed over again on the next run.
    *fail_on.lock().unwrap() = None;
    next_tick().await;
    runner.run_due().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["O-1", "O-2", "O-3", "O-4"]);
    assert_eq!(
        store
            .cursor_load(&inst(), "one.orders")
            .await
            .unwrap()
            .as_deref(),
        Some("4")
    );
}

on_both_backends!(
    stock_flow_sends_only_changes_and_counts_deletions,
    feed_flow_hands_each_order_over_and_resumes_from_the_cursor,
);
