//! The bulk engine, event cursors and the shared traits against the ONe simulator, over real
//! HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use bytes::Bytes;
use connector_core::{
    Connector, CursorStore, Customer, CustomerId, Error, FileCursorStore, LocationId, OrderId,
    OrderUpdate, SecretString, Sku, Stock,
};
use futures::{StreamExt, stream};
use one_b2b::model::{Client, ClientPricing, OrderEvent, StockLine, TradeCredit};
use one_b2b::{Checkpoint, DocumentKind, EventCursor, Feed, OneClient, OneConfig};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox_one_b2b::{OneSandbox, SANDBOX_API_KEY, SANDBOX_TENANT};
use serde_json::json;

fn client_with(sandbox: &OneSandbox, max_lines: usize) -> OneClient {
    OneClient::new(
        OneConfig::builder()
            .base_url(sandbox.base_url())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .max_lines(max_lines)
            .default_warehouse("WH-1")
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn lines(n: usize) -> impl futures::Stream<Item = StockLine> + Send {
    stream::iter((0..n).map(|i| StockLine::new(format!("SKU-{i:07}"), Decimal::from(i % 50))))
}

#[tokio::test]
async fn lines_25001_make_three_requests_of_10000_10000_5001() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let report = c.push_stock("WH-1", lines(25_001), None).await.unwrap();
    let mut sizes = sandbox.sim.stock_request_sizes();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![5_001, 10_000, 10_000]);
    assert_eq!(
        (report.total, report.sent, report.requests),
        (25_001, 25_001, 3)
    );
    assert_eq!(sandbox.sim.stock_count("WH-1"), 25_001);
    assert_eq!(sandbox.sim.stock("WH-1", "SKU-0000049"), Some(json!(49)));
}

#[tokio::test]
async fn one_bad_record_in_10000_is_isolated_in_a_handful_of_requests() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let input = (0..10_000).map(|i| {
        let id = if i == 6_789 {
            "SKU-BAD-6789".to_string()
        } else {
            format!("SKU-{i}")
        };
        StockLine::new(id, dec!(5))
    });
    let report = c
        .push_stock("WH-1", stream::iter(input), None)
        .await
        .unwrap();
    assert_eq!(report.sent, 9_999);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 6_789);
    assert_eq!(report.rejected[0].key, "SKU-BAD-6789");
    assert_eq!(report.rejected[0].error.status(), Some(400));
    // 1 + 2 per bisection level (14 levels for 10,000).
    assert!(report.requests <= 29, "{} requests", report.requests);
    assert_eq!(report.requests, sandbox.sim.stock_request_sizes().len());
    assert_eq!(sandbox.sim.stock_count("WH-1"), 9_999);
    assert!(report.is_balanced());
}

#[tokio::test]
async fn a_line_limit_above_the_servers_is_narrowed_down_not_lost() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 15_000); // misconfigured: ONe refuses more than 10,000
    let report = c.push_stock("WH-1", lines(15_000), None).await.unwrap();
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(
        sandbox.sim.stock_request_sizes(),
        vec![15_000, 7_500, 7_500]
    );
}

#[tokio::test]
async fn an_interrupted_run_resumes_without_resending_or_skipping() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn CursorStore> = Arc::new(FileCursorStore::new(dir.path()));
    let cp = Checkpoint::new(store.clone(), "stock-2026-11-24T10-00");
    // A bad line in the first window, to check failures survive the restart.
    let make = |i: usize| {
        let id = if i == 123 {
            "SKU-BAD".to_string()
        } else {
            format!("SKU-{i}")
        };
        StockLine::new(id, dec!(1))
    };
    // Crash: the process hangs (and is killed) while reading line 30,000 of 45,000. The
    // engine reads the second window only after the first one (2 requests x 10,000) is sent
    // and checkpointed, so the hang is the moment to "kill" it.
    let (reached, hung) = tokio::sync::oneshot::channel::<()>();
    let hang = stream::once(async move {
        let _ = reached.send(());
        futures::future::pending::<StockLine>().await
    });
    let input = stream::iter((0..30_000).map(make)).chain(hang);
    tokio::select! {
        _ = c.push_stock("WH-1", input, Some(&cp)) => panic!("the first run must not finish"),
        _ = hung => {} // the push future is dropped here: the crash
    }
    let first_run_requests = sandbox.sim.stock_request_sizes().len();
    assert!(first_run_requests > 2, "bisection of the bad line happened");
    assert_eq!(sandbox.sim.stock_count("WH-1"), 19_999);

    // Restart with a new client and the same job id: only lines 20,000.. are sent.
    let c2 = client_with(&sandbox, 10_000);
    let report = c2
        .push_stock(
            "WH-1",
            stream::iter((0..45_000).map(make)),
            Some(&Checkpoint::new(store.clone(), "stock-2026-11-24T10-00")),
        )
        .await
        .unwrap();
    let second: Vec<usize> = sandbox.sim.stock_request_sizes()[first_run_requests..].to_vec();
    let mut sorted = second.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![5_000, 10_000, 10_000], "nothing sent twice");
    assert_eq!(sandbox.sim.stock_count("WH-1"), 44_999, "nothing skipped");
    assert_eq!((report.total, report.sent), (45_000, 44_999));
    assert_eq!(
        report.rejected.len(),
        1,
        "the first run's rejection is still reported"
    );
    assert_eq!(report.rejected[0].index, 123);
    assert!(report.is_balanced());
    // Finished: running it again sends nothing and answers the same account.
    let again = c2
        .push_stock("WH-1", stream::iter((0..45_000).map(make)), Some(&cp))
        .await
        .unwrap();
    assert_eq!(
        sandbox.sim.stock_request_sizes().len(),
        first_run_requests + 3
    );
    assert_eq!((again.total, again.sent), (45_000, 44_999));
}

#[tokio::test]
async fn unknown_clients_404_are_per_record_failures() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let created = c
        .create_clients(
            stream::iter(vec![Client::new("org:A"), Client::new("org:C")]),
            None,
        )
        .await
        .unwrap();
    assert!(created.is_complete_success());
    let report = c
        .put_trade_credits(stream::iter(vec![
            ("org:A".to_string(), TradeCredit::limit(dec!(1000))),
            ("org:B".to_string(), TradeCredit::limit(dec!(2000))),
            ("org:C".to_string(), TradeCredit::limit(dec!(3000))),
        ]))
        .await
        .unwrap();
    assert_eq!(report.sent, 2);
    assert_eq!(report.rejected[0].key, "org:B");
    assert!(matches!(*report.rejected[0].error, Error::NotFound { .. }));
    assert_eq!(
        sandbox.sim.trade_credit("org:C").unwrap()["creditValue"],
        json!(3000.0)
    );
    let mut a = Client::new("org:A");
    a.client_status = Some("ACTIVE".into());
    let updates = c
        .update_clients(stream::iter(vec![Client::new("org:Z"), a]), None)
        .await
        .unwrap();
    assert_eq!((updates.sent, updates.rejected.len()), (1, 1));
    assert_eq!(
        sandbox.sim.client("org:A").unwrap()["clientStatus"],
        json!("ACTIVE")
    );
}

fn shipment(n: u32) -> serde_json::Value {
    json!({
        "id": format!("OF/{n}/11/2026/01"), "orderId": format!("OF/{n}/11/2026"),
        "clientId": "org:A", "status": "NEW", "currencyCode": "PLN",
        "productLines": [{"sku": "SKU-1", "name": "Wiertarka", "lineNumber": 1,
            "quantityOrderedInContentUnit": 2, "price": {"netContentUnitPrice": 10.5, "netValue": 21}}]
    })
}

#[tokio::test]
async fn the_order_cursor_resumes_after_a_crash_at_least_once() {
    let sandbox = OneSandbox::start().await.unwrap();
    for n in 1..=5 {
        sandbox.sim.place_order(shipment(n));
    }
    let dir = tempfile::tempdir().unwrap();
    let c = client_with(&sandbox, 10_000);
    let cursor = EventCursor::new(
        c.clone(),
        Arc::new(FileCursorStore::new(dir.path())),
        Feed::Orders,
    );
    assert_eq!(cursor.position().await.unwrap(), 1);
    // The handler "crashes" on the third event: the cursor does not move.
    let mut handled = Vec::new();
    let err = cursor
        .poll(|e: OrderEvent| {
            handled.push(e.order_id.clone());
            let fail = handled.len() == 3;
            async move {
                if fail {
                    Err(Error::io(
                        "ERP database unavailable",
                        std::io::Error::other("down"),
                    ))
                } else {
                    Ok(())
                }
            }
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ERP database"), "{err}");
    assert_eq!(cursor.position().await.unwrap(), 1);

    // Restart (new cursor object on the same directory): the page comes again, in full.
    let cursor = EventCursor::new(
        c.clone(),
        Arc::new(FileCursorStore::new(dir.path())),
        Feed::Orders,
    );
    let mut seen = Vec::new();
    let n = cursor
        .drain(|e: OrderEvent| {
            seen.push((e.order_id.clone(), e.event_type.clone()));
            async { Ok(()) }
        })
        .await
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!(seen[0].0, "OF/1/11/2026");
    assert_eq!(cursor.position().await.unwrap(), 6);
    // New events only from now on.
    sandbox
        .sim
        .add_event("OF/2/11/2026", "OF/2/11/2026/01", "CHANGED_PAYMENT");
    let p = cursor
        .poll(|_e: OrderEvent| async { Ok(()) })
        .await
        .unwrap();
    assert_eq!((p.events, p.next_id), (1, 7));
}

#[tokio::test]
async fn connector_round_trip_customers_stock_orders_and_shipping() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let conn: &dyn Connector = &c;
    assert_eq!(conn.platform().to_string(), "ONe B2B");
    conn.check().await.unwrap();
    let mut cust = Customer::new();
    cust.id = Some(CustomerId::new("org:A").unwrap());
    let mut nameless = Customer::new();
    nameless.id = Some(CustomerId::new("A-without-prefix").unwrap());
    let r = conn
        .customer_sink()
        .unwrap()
        .push_customers(stream::iter(vec![cust, nameless]).boxed())
        .await
        .unwrap();
    assert_eq!((r.sent, r.rejected.len()), (1, 1));
    let stock = vec![
        Stock::new(
            Sku::new("SKU-1").unwrap(),
            Some(LocationId::new("WH-2").unwrap()),
            dec!(7),
        ),
        Stock::new(Sku::new("SKU-2").unwrap(), None, dec!(3)), // default warehouse WH-1
    ];
    let r = conn
        .stock_sink()
        .unwrap()
        .push_stock(stream::iter(stock).boxed())
        .await
        .unwrap();
    assert_eq!((r.sent, r.requests), (2, 2)); // one request per warehouse
    assert_eq!(sandbox.sim.stock("WH-2", "SKU-1"), Some(json!(7)));
    assert_eq!(sandbox.sim.stock("WH-1", "SKU-2"), Some(json!(3)));

    sandbox.sim.place_order(shipment(9));
    let feed = conn.order_feed().unwrap();
    let batch = feed.pull_orders(None).await.unwrap();
    assert_eq!(batch.orders.len(), 1);
    assert_eq!(batch.orders[0].total.unwrap().to_string(), "21 PLN");
    let id = OrderId::new("OF/9/11/2026/01").unwrap();
    feed.update_order(&id, OrderUpdate::Confirm).await.unwrap();
    let mut s = connector_core::Shipment::default();
    s.items = vec![(Sku::new("SKU-1").unwrap(), dec!(2))];
    let mut t = connector_core::Tracking::default();
    t.number = Some("DPD-1".into());
    s.tracking = vec![t];
    feed.update_order(&id, OrderUpdate::Ship(s)).await.unwrap();
    let stored = sandbox.sim.shipment("OF/9/11/2026/01").unwrap();
    assert_eq!(stored["status"], json!("SENT"));
    assert_eq!(stored["waybills"][0]["number"], json!("DPD-1"));
    assert_eq!(stored["quantityChanges"][0]["quantityShipped"], json!(2));
    let next = feed
        .pull_orders(batch.next_cursor.as_deref())
        .await
        .unwrap();
    assert!(next.orders.is_empty());
}

#[tokio::test]
async fn pdf_upload_in_two_steps_and_the_price_list_guard_on_the_simulator() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let id = c
        .upload_pdf(
            DocumentKind::Invoice,
            "FV/1",
            Bytes::from_static(b"%PDF-1.4 hello %%EOF"),
        )
        .await
        .unwrap();
    let up = sandbox.sim.upload(&id).unwrap();
    assert_eq!(up["completed"], json!(true));
    assert_eq!(up["number"], json!("FV/1"));
    c.create_clients(stream::iter(vec![Client::new("org:A")]), None)
        .await
        .unwrap();
    let many: Vec<ClientPricing> = (0..2_000)
        .map(|i| ClientPricing::for_client("org:A", format!("P{i}")))
        .collect();
    c.assign_pricings(&many).await.unwrap();
    let err = c
        .assign_pricings(&[ClientPricing::for_client("org:A", "ONE-MORE")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

/// `bulk_progress` sees every settled chunk, cumulative, across checkpoint windows, and the
/// records refused by validation when their window ends.
#[tokio::test]
async fn bulk_progress_is_cumulative_across_windows_and_counts_invalid_lines() {
    let sandbox = OneSandbox::start().await.unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let c = OneClient::new(
        OneConfig::builder()
            .base_url(sandbox.base_url())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .max_lines(10_000)
            .concurrency(1)
            .bulk_progress(move |p| s.lock().unwrap().push((p.done, p.sent, p.not_sent)))
            .build()
            .unwrap(),
    )
    .unwrap();
    // A negative quantity is refused before sending (index 5).
    let input = stream::iter((0..25_001).map(|i| {
        let q = if i == 5 {
            Decimal::from(-1)
        } else {
            Decimal::from(i % 50)
        };
        StockLine::new(format!("SKU-{i:07}"), q)
    }));
    let report = c.push_stock("WH-1", input, None).await.unwrap();
    assert_eq!(
        (report.total, report.sent, report.rejected.len()),
        (25_001, 25_000, 1)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (10_000, 10_000, 0),
            (20_000, 20_000, 0),
            (25_000, 25_000, 0),
            (25_001, 25_000, 1)
        ]
    );

    // With a checkpoint the push runs in windows of max_lines x concurrency; progress carries on.
    seen.lock().unwrap().clear();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn CursorStore> = Arc::new(FileCursorStore::new(dir.path()));
    let cp = Checkpoint::new(store, "progress");
    let report = c
        .push_stock("WH-1", lines(25_001), Some(&cp))
        .await
        .unwrap();
    assert_eq!(report.sent, 25_001);
    let done: Vec<usize> = seen.lock().unwrap().iter().map(|p| p.0).collect();
    assert_eq!(done, vec![10_000, 20_000, 25_001]);
}

/// Upload ids grow past one digit (`upl-1`, `upl-10`): completing `upl-10` must complete that
/// upload, not `upl-1` whose id is a prefix of it. `upload_ids` lists them in creation order.
#[tokio::test]
async fn the_eleventh_upload_completes_its_own_id() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let mut ids = Vec::new();
    for n in 1..=11 {
        let id = c
            .upload_pdf(
                DocumentKind::GoodsIssuedNote,
                &format!("WZ/{n}"),
                Bytes::from(format!("%PDF-1.7 note {n} %%EOF")),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    for (n, id) in (1..=11).zip(&ids) {
        let up = sandbox.sim.upload(id).unwrap();
        assert_eq!(up["number"], json!(format!("WZ/{n}")), "{id}");
        assert_eq!(up["completed"], json!(true), "{id}: {up}");
    }
    assert_eq!(sandbox.sim.upload_ids(), ids);
}

#[tokio::test]
async fn a_warehouse_that_does_not_exist_costs_one_request_for_the_whole_push() {
    let sandbox = OneSandbox::start().await.unwrap();
    let c = client_with(&sandbox, 10_000);
    let report = c.push_stock("LOJA-01", lines(3), None).await.unwrap();
    assert!(report.is_balanced());
    assert_eq!((report.requests, report.rejected.len()), (1, 3), "{report}");
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("Warehouse LOJA-01 not found")
    );
    // The replace-all call is refused the same way (the simulator used to accept it).
    let err = c
        .replace_stock("LOJA-01", &[StockLine::new("A", dec!(1))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(sandbox.sim.stock_count("LOJA-01"), 0);
}
