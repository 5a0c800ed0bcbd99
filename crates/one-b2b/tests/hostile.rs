//! ONe against answers a platform (or what stands in front of it) gives under stress: a 5xx
//! after a write, a 200 HTML page, a refusal of the whole request ("Warehouse X not found"),
//! and one feed read through both cursor APIs. Each test failed before its fix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;

use common::{ACC, PRICING, client, create_wh9, no_other_calls, one, push_one_stock_line};

use connector_core::{
    CursorStore, Error, InMemoryCursorStore, LocationId, OrderFeed, SecretString, Sku, Stock,
    StockSink,
};
use futures::{StreamExt, stream};
use one_b2b::model::{Client, Pricing, ProductGroup, StockLine, Waybill};
use one_b2b::{DocumentKind, EventCursor, Feed, OneClient, OneConfig};
use rust_decimal_macros::dec;
use serde_json::json;
use wiremock::matchers::query_param;
use wiremock::{MockServer, ResponseTemplate};

const STOCK: &str = "/api/v1/stock/integrations/auth-required/warehouses";
const INVOICES: &str = "/api/v1/invoices/integrations/auth-required/invoices";

fn is_outcome_unknown(e: &Error) -> bool {
    matches!(e, Error::OutcomeUnknown { .. })
}

#[tokio::test]
async fn a_5xx_after_creating_a_warehouse_is_outcome_unknown_and_sent_once() {
    for status in [500u16, 502, 504] {
        let server = MockServer::start().await;
        one("POST", &format!("{ACC}/warehouses"))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>gateway</html>"))
            .expect(1)
            .named("create warehouse")
            .mount(&server)
            .await;
        no_other_calls(&server).await;
        let err = create_wh9(&client(&server)).await.unwrap_err();
        assert!(is_outcome_unknown(&err), "{status}: {err:?}");
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("WH-9"), "{err}");
    }
    // 503 is refused before processing: it stays retryable (and is not resent: a POST).
    let server = MockServer::start().await;
    one("POST", &format!("{ACC}/warehouses"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = create_wh9(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn every_non_idempotent_write_maps_a_502_to_outcome_unknown() {
    let server = MockServer::start().await;
    for p in [
        format!("{PRICING}/pricing/discount"),
        format!("{PRICING}/product-group"),
        format!("{ACC}/order/shipment/S-1/waybills"),
        format!("{INVOICES}/file-upload-complete"),
    ] {
        one("POST", &p)
            .respond_with(ResponseTemplate::new(502))
            .expect(1)
            .named(p.as_str())
            .mount(&server)
            .await;
    }
    one("POST", &format!("{INVOICES}/file-upload-begin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"uploadId": "u-1"})))
        .expect(1)
        .mount(&server)
        .await;
    one("POST", &format!("{ACC}/clients"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .named("create clients")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let errors = [
        c.create_pricing(&Pricing::new("Promo")).await.unwrap_err(),
        c.create_product_group(&ProductGroup::new("Drills"))
            .await
            .unwrap_err(),
        c.add_waybills("S-1", &[Waybill::new("TRACK-1")])
            .await
            .unwrap_err(),
        c.upload_pdf(DocumentKind::Invoice, "FV/1", &b"%PDF-1.4 x"[..])
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(is_outcome_unknown(err), "{err:?}");
    }
    // Bulk client creation: the chunk fails once as outcome unknown (not "retry later").
    let report = c
        .create_clients(
            stream::iter(vec![Client::new("ind:1"), Client::new("ind:2")]),
            None,
        )
        .await
        .unwrap();
    assert!(report.is_balanced());
    assert_eq!(
        (report.sent, report.failed.len(), report.requests),
        (0, 2, 1)
    );
    assert!(is_outcome_unknown(&report.failed[0].error), "{report:?}");
}

#[tokio::test]
async fn a_200_html_page_is_not_a_successful_write() {
    let server = MockServer::start().await;
    let html = || {
        ResponseTemplate::new(200).set_body_raw(
            "<html><body>Please log in</body></html>",
            "text/html; charset=utf-8",
        )
    };
    one("POST", &format!("{ACC}/warehouses"))
        .respond_with(html())
        .expect(1)
        .mount(&server)
        .await;
    one("PUT", &format!("{STOCK}/WH-1/stocks"))
        .respond_with(html())
        .expect(1)
        .mount(&server)
        .await;
    one("POST", &format!("{STOCK}/WH-1/stocks/incremental"))
        .respond_with(html())
        .expect(1)
        .mount(&server)
        .await;
    one("POST", &format!("{PRICING}/pricing/discount"))
        .respond_with(ResponseTemplate::new(201).set_body_string("created"))
        .expect(1)
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let err = create_wh9(&c).await.unwrap_err();
    assert!(is_outcome_unknown(&err), "{err:?}");
    assert!(err.to_string().contains("HTML"), "{err}");
    // A repeatable write: not success, and safe to send again.
    let err = c
        .replace_stock("WH-1", &[StockLine::new("A", dec!(1))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // A bulk push: the records are not reported sent.
    let report = push_one_stock_line(&c).await.unwrap();
    assert_eq!((report.sent, report.failed.len()), (0, 1), "{report:?}");
    // A create whose answer is not the created record: its id is lost, outcome unknown.
    let err = c.create_pricing(&Pricing::new("Promo")).await.unwrap_err();
    assert!(is_outcome_unknown(&err), "{err:?}");
}

#[tokio::test]
async fn an_unknown_warehouse_fails_the_request_once_and_is_not_bisected() {
    let server = MockServer::start().await;
    one("POST", &format!("{STOCK}/LOJA-01/stocks/incremental"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "Warehouse LOJA-01 not found"})),
        )
        .expect(1)
        .named("the one request")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let lines = (0..3).map(|i| StockLine::new(format!("SKU-{i}"), dec!(5)));
    let report = client(&server)
        .push_stock("LOJA-01", stream::iter(lines), None)
        .await
        .unwrap();
    assert!(report.is_balanced());
    assert_eq!((report.requests, report.rejected.len()), (1, 3), "{report}");
    for r in &report.rejected {
        let text = r.error.to_string();
        assert!(text.contains("Warehouse LOJA-01 not found"), "{text}");
        assert!(text.contains("create_warehouse"), "{text}");
    }
}

#[tokio::test]
async fn the_stock_sink_rejects_the_missing_warehouse_and_sends_the_others() {
    let server = MockServer::start().await;
    one("POST", &format!("{STOCK}/WH-1/stocks/incremental"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    one("POST", &format!("{STOCK}/GONE/stocks/incremental"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "Warehouse GONE not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let stock = |sku: &str, wh: &str| {
        Stock::new(
            Sku::new(sku).unwrap(),
            Some(LocationId::new(wh).unwrap()),
            dec!(2),
        )
    };
    let input = vec![
        stock("A", "WH-1"),
        stock("B", "GONE"),
        stock("C", "WH-1"),
        stock("D", "GONE"),
    ];
    let report = StockSink::push_stock(&client(&server), stream::iter(input).boxed())
        .await
        .unwrap();
    assert!(report.is_balanced());
    // One request per warehouse, both counted.
    assert_eq!(
        (report.sent, report.rejected.len(), report.requests),
        (2, 2, 2)
    );
    let keys: Vec<usize> = report.rejected.iter().map(|r| r.index).collect();
    assert_eq!(keys, [1, 3]);
}

fn one_order_event(next: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "nextId": next,
        "events": [{"orderId": "O-1", "shipmentId": "S-1", "eventType": "REMOVED"}]
    }))
}

#[tokio::test]
async fn event_cursor_and_order_feed_share_one_position() {
    let server = MockServer::start().await;
    let feed = "/api/v1/orders/integrations/auth-required/synchronization/order";
    for (start, next) in [("1", 5), ("5", 9), ("9", 12)] {
        one("GET", feed)
            .and(query_param("startId", start))
            .respond_with(one_order_event(next))
            .expect(1)
            .named(start)
            .mount(&server)
            .await;
    }
    no_other_calls(&server).await;
    let store: Arc<dyn CursorStore> = Arc::new(InMemoryCursorStore::new());
    let plain = client(&server);
    // EventCursor reads 1 → 5 and saves 5.
    let cursor = EventCursor::new(plain.clone(), store.clone(), Feed::Orders);
    let polled = cursor
        .poll(|_e: one_b2b::model::OrderEvent| async { Ok(()) })
        .await
        .unwrap();
    assert_eq!(polled.next_id, 5);
    // The client's OrderFeed on the same store resumes there (not from 1)...
    let shared = OneClient::new(
        OneConfig::builder()
            .base_url(server.uri())
            .tenant(common::TENANT)
            .api_key(SecretString::from(common::KEY.to_string()))
            .cursor_store(store.clone())
            .build()
            .unwrap(),
    )
    .unwrap();
    let batch = shared.pull_orders(None).await.unwrap();
    assert_eq!(batch.next_cursor.as_deref(), Some("9"));
    // ...and passing the cursor on saves it, so the EventCursor continues from 9.
    let batch = OrderFeed::pull_orders(&cursor, batch.next_cursor.as_deref())
        .await
        .unwrap();
    assert_eq!(batch.next_cursor.as_deref(), Some("12"));
    assert_eq!(cursor.position().await.unwrap(), 9);
    assert_eq!(
        store
            .load(Feed::Orders.cursor_name())
            .await
            .unwrap()
            .as_deref(),
        Some("9")
    );
}

#[tokio::test]
async fn a_drain_whose_next_id_cycles_5_6_5_ends_with_an_error_naming_the_feed() {
    let server = MockServer::start().await;
    let feed = "/api/v1/orders/integrations/auth-required/synchronization/order";
    for (start, next) in [("5", 6), ("6", 5)] {
        one("GET", feed)
            .and(query_param("startId", start))
            .respond_with(one_order_event(next))
            .mount(&server)
            .await;
    }
    let store: Arc<dyn CursorStore> = Arc::new(InMemoryCursorStore::new());
    store.save(Feed::Orders.cursor_name(), "5").await.unwrap();
    let cursor = EventCursor::new(client(&server), store, Feed::Orders);
    let mut handled = 0;
    let err = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        cursor.drain(|_e: one_b2b::model::OrderEvent| {
            handled += 1;
            async { Ok(()) }
        }),
    )
    .await
    .expect("the drain must end")
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("one.orders"), "{err}");
    assert_eq!(handled, 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_server_echoing_the_api_key_never_puts_it_in_an_error() {
    let server = MockServer::start().await;
    let key = common::KEY;
    one("GET", &format!("{ACC}/warehouses"))
        .respond_with(
            ResponseTemplate::new(400).set_body_string(format!("bad ApiAuth header: {key}")),
        )
        .mount(&server)
        .await;
    one("POST", &format!("{ACC}/warehouses"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"status": 500, "message": format!("key {key} is not allowed here")}),
        ))
        .mount(&server)
        .await;
    one("POST", &format!("{STOCK}/WH-1/stocks/incremental"))
        .respond_with(
            ResponseTemplate::new(422).set_body_json(json!({"message": format!("ApiAuth={key}")})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let mut shown = Vec::new();
    let e = c.warehouses().await.unwrap_err();
    shown.push(format!("{e} {e:?}"));
    let e = create_wh9(&c).await.unwrap_err();
    shown.push(format!("{e} {e:?}"));
    let report = push_one_stock_line(&c).await.unwrap();
    for f in report.rejected.iter().chain(&report.failed) {
        shown.push(format!("{} {:?}", f.error, f.error));
    }
    assert_eq!(shown.len(), 3);
    for text in shown {
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains("fedcba9876543210fedcba"), "{text}");
    }
}
