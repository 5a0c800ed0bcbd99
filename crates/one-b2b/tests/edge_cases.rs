//! Edge cases against wiremock, checked with the vendor docs side by side: limits exactly at and
//! one past the line limit, empty input, money in the wrong currency, rules the bulk paths must
//! enforce like the single calls, malformed answers, pagination end. Fixtures are literal JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{ACC, PRICING, client_with, no_other_calls, one};

use connector_core::{Connector, Currency, Error, Money, PriceListId, PriceRecord, Sku};
use futures::stream;
use one_b2b::model::{
    ClientPricing, DocumentProduct, GoodsIssuedNote, InvoiceStatus, InvoiceStatusUpdate, NoteLine,
    QuantityChange, SalesOrder, StockLine, TaxRate, TradeCredit,
};
use rust_decimal_macros::dec;
use serde_json::json;
use wiremock::matchers::{body_json, query_param};
use wiremock::{MockServer, ResponseTemplate};

fn invalid_field(e: &Error) -> &str {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// `put_trade_credit` refuses a negative limit; the bulk `put_trade_credits` must refuse it
/// too (naming the record), and still send the others.
#[tokio::test]
async fn bulk_trade_credits_refuse_a_negative_limit_like_the_single_call() {
    let server = MockServer::start().await;
    one("PUT", &format!("{ACC}/trade-credits/org%3AOK"))
        .and(body_json(json!({"creditValue": 1000})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("the valid credit")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let err = c
        .put_trade_credit("org:NEG", &TradeCredit::limit(dec!(-5)))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "tradeCredit.creditValue");
    let report = c
        .put_trade_credits(stream::iter(vec![
            ("org:NEG".to_string(), TradeCredit::limit(dec!(-5))),
            ("org:OK".to_string(), TradeCredit::limit(dec!(1000))),
        ]))
        .await
        .unwrap();
    assert_eq!((report.total, report.sent), (2, 1));
    assert!(report.is_balanced());
    assert_eq!(report.rejected.len(), 1);
    let f = &report.rejected[0];
    assert_eq!((f.index, f.key.as_str()), (0, "org:NEG"));
    assert_eq!(invalid_field(&f.error), "tradeCredits[0].creditValue");
}

/// ONe amounts carry no currency: the tenant's (configured) currency is implied. A shared
/// price in another currency must be refused, never sent as if it were PLN.
#[tokio::test]
async fn the_price_sink_refuses_a_price_in_another_currency() {
    let server = MockServer::start().await;
    one("PUT", &format!("{PRICING}/retail-prices"))
        .and(body_json(json!([{"price": 19.99, "productId": "SKU-PLN"}])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("only the PLN price")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let pln = PriceRecord::new(
        Sku::new("SKU-PLN").unwrap(),
        Money::new(dec!(19.99), Currency::new("PLN").unwrap()),
    );
    let mut eur = PriceRecord::new(
        Sku::new("SKU-EUR").unwrap(),
        Money::new(dec!(4.99), Currency::new("EUR").unwrap()),
    );
    eur.price_list = Some(PriceListId::new("MAIN").unwrap());
    let report = c
        .price_sink()
        .unwrap()
        .push_prices(Box::pin(stream::iter(vec![eur, pln])))
        .await
        .unwrap();
    assert_eq!((report.total, report.sent, report.requests), (2, 1, 1));
    let f = &report.rejected[0];
    assert_eq!((f.index, f.key.as_str()), (0, "SKU-EUR@MAIN"));
    assert_eq!(invalid_field(&f.error), "prices[0].price.currency");
    assert!(f.error.to_string().contains("EUR"), "{}", f.error);
}

/// ONe's price body is `{price, productId[, pricingId]}`: no validity dates, no location. A
/// shared price that says more is refused (naming the field) rather than applied with another
/// meaning; a price already in force (valid_from today or earlier, valid_to ahead) is sent.
#[tokio::test]
async fn the_price_sink_refuses_terms_one_cannot_express() {
    let server = MockServer::start().await;
    one("PUT", &format!("{PRICING}/retail-prices"))
        .and(body_json(json!([{"price": 10.50, "productId": "SKU-NOW"}])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("only the price in force")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let pln = |sku: &str| {
        PriceRecord::new(
            Sku::new(sku).unwrap(),
            Money::new(dec!(10.50), Currency::new("PLN").unwrap()),
        )
    };
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut now = pln("SKU-NOW");
    now.valid_from = Some(date("2000-01-01"));
    now.valid_to = Some(date("2099-12-31"));
    let mut future = pln("SKU-FUTURE");
    future.valid_from = Some(date("2099-01-01"));
    let mut expired = pln("SKU-EXPIRED");
    expired.valid_to = Some(date("2000-12-31"));
    let mut store = pln("SKU-STORE");
    store.location = Some(connector_core::LocationId::new("STORE-7").unwrap());
    let report = c
        .price_sink()
        .unwrap()
        .push_prices(Box::pin(stream::iter(vec![future, now, expired, store])))
        .await
        .unwrap();
    assert_eq!((report.total, report.sent, report.requests), (4, 1, 1));
    let refused: Vec<(usize, String)> = report
        .rejected
        .iter()
        .map(|f| (f.index, invalid_field(&f.error).to_string()))
        .collect();
    assert_eq!(
        refused,
        [
            (0, "prices[0].valid_from".to_string()),
            (2, "prices[2].valid_to".to_string()),
            (3, "prices[3].location".to_string()),
        ]
    );
    assert!(report.rejected[0].error.to_string().contains("2099-01-01"));
}

/// A sales order whose lines do not all carry `price.netValue` has no known total: the sum
/// of the other lines would be a wrong total.
#[test]
fn an_order_total_is_not_a_partial_sum() {
    let complete: SalesOrder = serde_json::from_value(json!({
        "id": "OF/22/8/2022/01",
        "orderId": "OF/22/8/2022",
        "productLines": [
            {"sku": "A", "lineNumber": 1, "quantityOrderedInContentUnit": 2, "contentUnitCode": "szt",
             "price": {"netContentUnitPrice": 10.5, "netValue": 21, "taxRate": 23, "grossValue": 25.83}},
            {"sku": "B", "lineNumber": 2, "quantityOrderedInContentUnit": 1.5, "contentUnitCode": "kg",
             "price": {"netContentUnitPrice": 4, "netValue": 6}}
        ]
    }))
    .unwrap();
    let order = one_b2b::convert::order_from_sales_order(&complete, "PLN").unwrap();
    assert_eq!(
        order.total,
        Some(Money::new(dec!(27), Currency::new("PLN").unwrap()))
    );
    let partial: SalesOrder = serde_json::from_value(json!({
        "id": "OF/22/8/2022/02",
        "orderId": "OF/22/8/2022",
        "productLines": [
            {"sku": "A", "quantityOrderedInContentUnit": 2, "price": {"netValue": 21}},
            {"sku": "B", "quantityOrderedInContentUnit": 1, "price": {"netContentUnitPrice": 4}},
            {"sku": "C", "quantityOrderedInContentUnit": 1}
        ]
    }))
    .unwrap();
    let order = one_b2b::convert::order_from_sales_order(&partial, "PLN").unwrap();
    assert_eq!(order.lines.len(), 3);
    assert_eq!(order.total, None);
}

/// "lineNumber (starts at 1 when linked to a sales order)": a linked line numbered 0 is
/// refused before sending.
#[tokio::test]
async fn a_goods_issued_note_line_linked_to_a_sales_order_starts_at_1() {
    let server = MockServer::start().await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let mut line = NoteLine::new(0, DocumentProduct::new("SKU-1"), dec!(2));
    line.sales_order_reference_number = Some("OF/22/8/2022/01".into());
    line.sales_order_line_number = Some(1);
    let note = GoodsIssuedNote::new("WZ/1/2026", "org:ACME", vec![line]);
    let err = c.put_goods_issued_note(&note).await.unwrap_err();
    assert_eq!(invalid_field(&err), "note.productLines[0].lineNumber");
}

/// The 10,000-line recommendation (`max_lines`) applies to every list sent in one request:
/// exactly at the limit is sent, one more is refused before anything is sent.
#[tokio::test]
async fn one_request_lists_are_sent_at_the_line_limit_and_refused_above_it() {
    let server = MockServer::start().await;
    one("PUT", &format!("{PRICING}/products/tax"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("tax rates at the limit")
        .mount(&server)
        .await;
    one("PUT", &format!("{PRICING}/product-group/G1/products"))
        .and(body_json(json!(["A", "B", "C"])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("group products at the limit")
        .mount(&server)
        .await;
    one(
        "PUT",
        "/api/v1/invoices/integrations/auth-required/invoices/status",
    )
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("invoice statuses at the limit")
    .mount(&server)
    .await;
    one(
        "PUT",
        &format!("{ACC}/order/shipment/OF%2F1%2F01/shipped-quantities"),
    )
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("shipped quantities at the limit")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 3);

    let rates = |n: usize| -> Vec<TaxRate> {
        (0..n)
            .map(|i| TaxRate::new(format!("SKU-{i}"), dec!(23)))
            .collect()
    };
    c.put_tax_rates(&rates(3)).await.unwrap();
    let err = c.put_tax_rates(&rates(4)).await.unwrap_err();
    assert_eq!(invalid_field(&err), "taxRates");

    let skus = |n: usize| -> Vec<String> {
        ["A", "B", "C", "D"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    c.set_product_group_products("G1", &skus(3)).await.unwrap();
    let err = c
        .set_product_group_products("G1", &skus(4))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "skus");

    let statuses = |n: usize| -> Vec<InvoiceStatusUpdate> {
        (0..n)
            .map(|i| InvoiceStatusUpdate::new(format!("FV/{i}/2026"), InvoiceStatus::Paid))
            .collect()
    };
    c.put_invoice_statuses(&statuses(3)).await.unwrap();
    let err = c.put_invoice_statuses(&statuses(4)).await.unwrap_err();
    assert_eq!(invalid_field(&err), "statuses");

    let changes = |n: usize| -> Vec<QuantityChange> {
        (0..n)
            .map(|i| QuantityChange::new(format!("SKU-{i}"), dec!(1)))
            .collect()
    };
    c.set_shipped_quantities("OF/1/01", &changes(3))
        .await
        .unwrap();
    let err = c
        .set_shipped_quantities("OF/1/01", &changes(4))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "quantityChanges");

    // The assignment guard reads the current assignments first: a list over the limit is
    // refused before that read too.
    let many: Vec<ClientPricing> = (0..4)
        .map(|i| ClientPricing::for_client("org:A", format!("P{i}")))
        .collect();
    let err = c.assign_pricings(&many).await.unwrap_err();
    assert_eq!(invalid_field(&err), "assignments");
}

/// Empty input sends nothing and reports nothing.
#[tokio::test]
async fn empty_bulk_input_sends_nothing() {
    let server = MockServer::start().await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let report = c
        .push_stock("WH-1", stream::iter(Vec::<StockLine>::new()), None)
        .await
        .unwrap();
    assert_eq!((report.total, report.sent, report.requests), (0, 0, 0));
    assert!(report.is_complete_success());
}

/// Unicode ids travel verbatim in the body and percent-encoded in the path.
#[tokio::test]
async fn unicode_ids_in_path_and_body() {
    let server = MockServer::start().await;
    one(
        "POST",
        "/api/v1/stock/integrations/auth-required/warehouses/Magazyn%20%C5%81%C3%B3d%C5%BA/stocks/incremental",
    )
    .and(body_json(
        json!({"stocks": [{"id": "ŻÓŁW-1", "quantity": 3}, {"id": "茶-2", "quantity": 0.125}]}),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("unicode stock")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let report = c
        .push_stock(
            "Magazyn Łódź",
            stream::iter(vec![
                StockLine::new("ŻÓŁW-1", dec!(3)),
                StockLine::new("茶-2", dec!(0.125)),
            ]),
            None,
        )
        .await
        .unwrap();
    assert!(report.is_complete_success());
}

/// The end of the order feed: an empty page answers the same `nextId`; a page without
/// `nextId` is a decode error, not a silent restart at 0.
#[tokio::test]
async fn order_feed_end_and_a_malformed_page() {
    let server = MockServer::start().await;
    one(
        "GET",
        "/api/v1/orders/integrations/auth-required/synchronization/order",
    )
    .and(query_param("startId", "16"))
    .and(query_param("eventTypes", ""))
    .and(query_param("numberOfEvents", "100"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"nextId": 16, "events": []})))
    .expect(1)
    .named("end of the feed")
    .mount(&server)
    .await;
    one(
        "GET",
        "/api/v1/orders/integrations/auth-required/synchronization/order",
    )
    .and(query_param("startId", "17"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"events": [
        {"orderId": "OF/22/8/2022", "shipmentId": "OF/22/8/2022/01", "eventType": "ADDED"}
    ]})))
    .expect(1)
    .named("page without nextId")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let feed = c.order_feed().unwrap();
    let batch = feed.pull_orders(Some("16")).await.unwrap();
    assert!(batch.orders.is_empty());
    assert_eq!(batch.next_cursor.as_deref(), Some("16"));
    let err = c.order_events(17, &[]).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // A cursor that is not a number is refused before any call.
    let err = feed.pull_orders(Some("abc")).await.unwrap_err();
    assert_eq!(invalid_field(&err), "cursor");
}

/// ONe's list answers are documented as `{listElement[], totalElement, items[]}`: both lists
/// in one answer must decode (serde aliases refuse a duplicate field).
#[tokio::test]
async fn a_client_page_with_both_list_element_and_items_decodes() {
    let server = MockServer::start().await;
    one("GET", &format!("{ACC}/clients"))
        .and(query_param("pageNumber", "0"))
        .and(query_param("pageSize", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "listElement": [{"clientId": "org:ACME"}, {"clientId": "ind:7"}],
            "totalElement": 12,
            "items": [{"clientId": "org:ACME"}, {"clientId": "ind:7"}]
        })))
        .expect(1)
        .named("users-style page")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let page = client_with(&server, 10_000).clients(0, 2).await.unwrap();
    let ids: Vec<&str> = page.items.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids, ["org:ACME", "ind:7"]);
    assert_eq!(page.total_elements, Some(12));
}

/// `lastChange (UTC)`: a Java back end often writes it without an offset. A sales order must
/// decode either way (one line's timestamp must not block the order).
#[test]
fn last_change_decodes_with_or_without_an_offset() {
    let so: SalesOrder = serde_json::from_value(json!({
        "id": "OF/22/8/2022/01",
        "orderId": "OF/22/8/2022",
        "productLines": [
            {"sku": "A", "quantityOrderedInContentUnit": 1, "lastChange": "2022-08-22T10:15:30Z"},
            {"sku": "B", "quantityOrderedInContentUnit": 1, "lastChange": "2022-08-22T10:15:30.123"},
            {"sku": "C", "quantityOrderedInContentUnit": 1, "lastChange": "2022-08-22T12:15:30+02:00"}
        ]
    }))
    .unwrap();
    let at = |i: usize| so.product_lines[i].last_change.unwrap().to_rfc3339();
    assert_eq!(at(0), "2022-08-22T10:15:30+00:00");
    assert_eq!(at(1), "2022-08-22T10:15:30.123+00:00");
    assert_eq!(at(2), "2022-08-22T10:15:30+00:00");
    let err = serde_json::from_value::<SalesOrder>(json!({
        "id": "X", "orderId": "Y",
        "productLines": [{"sku": "A", "lastChange": "yesterday"}]
    }))
    .unwrap_err();
    assert!(err.to_string().contains("yesterday"), "{err}");
}

/// An error body naming a record by both position and id: the id decides (whether ONe counts
/// positions from 0 or 1 is not documented; here `line` 2 is 1-based, and read 0-based it
/// would name C).
#[tokio::test]
async fn a_refusal_naming_id_and_index_rejects_the_record_with_that_id() {
    let server = MockServer::start().await;
    let p = "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental";
    one("POST", p)
        .and(body_json(json!({"stocks": [
            {"id": "A", "quantity": 1}, {"id": "B", "quantity": 2}, {"id": "C", "quantity": 3}
        ]})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Validation failed",
            "errors": [{"line": 2, "id": "B", "message": "Unknown product B"}]
        })))
        .expect(1)
        .named("first attempt")
        .mount(&server)
        .await;
    one("POST", p)
        .and(body_json(json!({"stocks": [{"id": "A", "quantity": 1}]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("A again")
        .mount(&server)
        .await;
    one("POST", p)
        .and(body_json(json!({"stocks": [{"id": "C", "quantity": 3}]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("C again")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let report = client_with(&server, 10_000)
        .push_stock(
            "WH-1",
            stream::iter(vec![
                StockLine::new("A", dec!(1)),
                StockLine::new("B", dec!(2)),
                StockLine::new("C", dec!(3)),
            ]),
            None,
        )
        .await
        .unwrap();
    assert_eq!((report.sent, report.requests), (2, 3));
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(
        (report.rejected[0].index, report.rejected[0].key.as_str()),
        (1, "B")
    );
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("Unknown product B")
    );
}

/// Documented fields must be sendable: an offline order's `authorizedPeople`, a WZ line's
/// `prices{taxRate, discount}` and its product's `manufacturer{name}`.
#[tokio::test]
async fn documented_offline_order_and_note_line_fields_are_sent() {
    use one_b2b::model::{AuthorizedPerson, NotePrices, OfflineOrder, OfflineOrderPrice};
    let server = MockServer::start().await;
    one(
        "PUT",
        "/api/v1/orders/integrations/auth-required/offline-order/shipment",
    )
    .and(body_json(json!({
        "id": "OFF/1/01",
        "orderId": "OFF/1",
        "organization": {"id": "org:ACME"},
        "paymentMethod": {"name": "Przelew 14 dni"},
        "price": {"deliveryNet": 0, "productsNet": 100, "totalNet": 100, "totalGross": 123, "totalTax": 23},
        "authorizedPeople": [{"email": "anna@acme.pl", "name": "Anna Nowak", "phone": "+48 600 100 200", "userId": "u-17"}]
    })))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("offline order with authorized people")
    .mount(&server)
    .await;
    one(
        "PUT",
        "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes",
    )
    .and(body_json(json!({
        "number": "WZ/7/2026",
        "clientId": "org:ACME",
        "productLines": [{
            "lineNumber": 1,
            "quantity": 2,
            "product": {"sku": "SKU-1", "manufacturer": {"name": "Bosch"}},
            "prices": {"taxRate": 23, "discount": 5},
            "base": {"net": 20, "gross": 24.6, "tax": 4.6}
        }]
    })))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("note with line prices and manufacturer")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let mut order = OfflineOrder::new(
        "OFF/1/01",
        "OFF/1",
        "org:ACME",
        "Przelew 14 dni",
        OfflineOrderPrice::new(dec!(0), dec!(100), dec!(100), dec!(123), dec!(23)),
    );
    let mut anna = AuthorizedPerson::new("anna@acme.pl");
    anna.name = Some("Anna Nowak".into());
    anna.phone = Some("+48 600 100 200".into());
    anna.user_id = Some("u-17".into());
    order.authorized_people.push(anna);
    c.put_offline_order(&order).await.unwrap();

    let mut product = DocumentProduct::new("SKU-1");
    product
        .extra
        .insert("manufacturer".into(), json!({"name": "Bosch"}));
    let mut line = NoteLine::new(1, product, dec!(2));
    line.base = Some(NotePrices::new(dec!(20), dec!(24.6), dec!(4.6)));
    line.extra
        .insert("prices".into(), json!({"taxRate": 23, "discount": 5}));
    c.put_goods_issued_note(&GoodsIssuedNote::new("WZ/7/2026", "org:ACME", vec![line]))
        .await
        .unwrap();
}

/// Values ONe documents as a closed list are checked before sending; `Other` is for reading
/// values a newer ONe sends, not for writing unknown ones.
#[tokio::test]
async fn values_outside_a_documented_list_are_refused_before_sending() {
    use one_b2b::model::{
        BlockadeType, ClientBlockade, DefaultDiscount, DiscountType, PaymentStatus, Pricing,
        Warehouse, WarehouseType,
    };
    let server = MockServer::start().await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let err = c
        .put_blockade(
            "org:ACME",
            &ClientBlockade::new(BlockadeType::Other("TEMPORARY".into()), "BLK-1"),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "blockade.type");
    assert!(err.to_string().contains("TRADE_CREDIT"), "{err}");
    let err = c
        .set_payment_status("OF/1/01", &PaymentStatus::Other("REFUNDED".into()))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "newPaymentStatus");
    let err = c
        .create_warehouse(&Warehouse::new(
            "WH-9",
            WarehouseType::Other("VIRTUAL".into()),
        ))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "warehouse.type");
    let mut pricing = Pricing::new("Promo");
    pricing.default_discount = Some(DefaultDiscount::new(
        DiscountType::Other("PERCENT".into()),
        dec!(5),
    ));
    let err = c.create_pricing(&pricing).await.unwrap_err();
    assert_eq!(invalid_field(&err), "pricing.defaultDiscount.type");
}

/// The same for the types inside documents and clients: `clientType` of an invoice's buyer
/// and payer (INDIVIDUAL, ORGANIZATION) and a client's `accountType` (CLIENT, SUPPLIER).
#[tokio::test]
async fn invoice_client_types_and_account_types_are_checked() {
    use one_b2b::model::{AccountType, Client, ClientData, ClientType, Invoice, TotalPrices};
    let server = MockServer::start().await;
    no_other_calls(&server).await;
    let c = client_with(&server, 10_000);
    let mut buyer = ClientData::default();
    buyer.client_type = Some(ClientType::Other("COMPANY".into()));
    let invoice = Invoice::new(
        "FV/1/2026",
        buyer,
        TotalPrices::new(dec!(100), dec!(123), dec!(23)),
        "PLN",
    );
    let err = c.put_invoice(&invoice).await.unwrap_err();
    assert_eq!(invalid_field(&err), "invoice.clientData.clientType");
    let mut client = Client::new("org:ACME");
    client.account_type = Some(AccountType::Other("PARTNER".into()));
    let report = c
        .create_clients(stream::iter(vec![client]), None)
        .await
        .unwrap();
    assert_eq!((report.total, report.requests), (1, 0));
    assert_eq!(
        invalid_field(&report.rejected[0].error),
        "clients[0].accountType"
    );
}

/// One shipment whose sales order does not decode must not stop the order feed: it is reported
/// in `rejected` (position and shipment id), the others come through and the cursor moves on.
/// A transport failure still fails the pull, so nothing is skipped silently.
#[tokio::test]
async fn one_unreadable_sales_order_is_reported_and_the_feed_moves_on() {
    let server = MockServer::start().await;
    one(
        "GET",
        "/api/v1/orders/integrations/auth-required/synchronization/order",
    )
    .and(query_param("startId", "40"))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(json!({"nextId": 43, "events": [
            {"orderId": "OF/1", "shipmentId": "OF/1/01", "eventType": "ADDED"},
            {"orderId": "OF/2", "shipmentId": "OF/2/01", "eventType": "ADDED"}
        ]})),
    )
    .expect(1)
    .mount(&server)
    .await;
    one("GET", &format!("{ACC}/order/shipment"))
        .and(query_param("shipmentId", "OF/1/01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "OF/1/01", "orderId": "OF/1", "clientId": "org:ACME", "status": "NEW",
            "currencyCode": "PLN", "productLines": "not a list"
        })))
        .expect(1)
        .named("malformed sales order")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/order/shipment"))
        .and(query_param("shipmentId", "OF/2/01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "OF/2/01", "orderId": "OF/2", "clientId": "org:ACME", "status": "NEW",
            "currencyCode": "PLN", "productLines": []
        })))
        .expect(1)
        .named("good sales order")
        .mount(&server)
        .await;
    one(
        "GET",
        "/api/v1/orders/integrations/auth-required/synchronization/order",
    )
    .and(query_param("startId", "50"))
    .respond_with(ResponseTemplate::new(500))
    .mount(&server)
    .await;
    let c = client_with(&server, 10_000);
    let feed = c.order_feed().unwrap();
    let batch = feed.pull_orders(Some("40")).await.unwrap();
    assert_eq!(batch.next_cursor.as_deref(), Some("43"));
    let ids: Vec<&str> = batch.orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["OF/2/01"]);
    assert_eq!(batch.rejected.len(), 1);
    let bad = &batch.rejected[0];
    assert_eq!((bad.index, bad.key.as_str()), (0, "OF/1/01"));
    assert!(
        matches!(*bad.error, Error::Decode { .. }),
        "{:?}",
        bad.error
    );
    // The feed itself failing is an error, not an empty batch.
    assert!(feed.pull_orders(Some("50")).await.is_err());
}

/// Stock of two warehouses in one chunk goes as one request per warehouse. When the second
/// fails (503 after the retries), the first warehouse's lines were applied: they are `sent`,
/// only the second's are `failed` (they used to be reported failed too).
#[tokio::test]
async fn a_chunk_stopped_after_its_first_warehouse_reports_that_warehouse_as_sent() {
    use connector_core::{LocationId, Stock, StockSink};
    let server = MockServer::start().await;
    let incremental = |wh: &str| {
        format!("/api/v1/stock/integrations/auth-required/warehouses/{wh}/stocks/incremental")
    };
    one("POST", &incremental("WH-A"))
        .and(body_json(json!({"stocks": [
            {"id": "A1", "quantity": 1}, {"id": "A2", "quantity": 2}
        ]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("warehouse A")
        .mount(&server)
        .await;
    one("POST", &incremental("WH-B"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .named("warehouse B, down")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let stock = |sku: &str, wh: &str, q| {
        Stock::new(
            Sku::new(sku).unwrap(),
            Some(LocationId::new(wh).unwrap()),
            q,
        )
    };
    let input = vec![
        stock("A1", "WH-A", dec!(1)),
        stock("B1", "WH-B", dec!(5)),
        stock("A2", "WH-A", dec!(2)),
    ];
    let c = client_with(&server, 10_000);
    let report = StockSink::push_stock(&c, Box::pin(stream::iter(input)))
        .await
        .unwrap();
    assert!(report.is_balanced(), "{report:?}");
    assert_eq!((report.total, report.sent), (3, 2));
    let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed, [1]);
    assert!(report.rejected.is_empty() && report.not_attempted.is_empty());
}
