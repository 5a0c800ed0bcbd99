//! Every ONe endpoint against wiremock: exact method, path, headers (`ApiAuth`, `one-tenant`)
//! and body; realistic answers (literal JSON written from the vendor docs) and errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{ACC, KEY, PRICING, TENANT, client, no_other_calls, one};

use bytes::Bytes;
use chrono::NaiveDate;
use connector_core::{
    Connector, Currency, Error, Money, OrderId, OrderUpdate, PriceListId, PriceRecord,
    SecretString, Shipment, Sku, Tracking,
};
use futures::stream;
use one_b2b::model::{
    BlockadeType, CatalogPrice, Client, ClientBlockade, ClientData, ClientPricing, DocumentProduct,
    GoodsIssuedNote, Invoice, InvoiceStatus, InvoiceStatusUpdate, NoteLine, OfflineOrder,
    OfflineOrderPrice, OrderEventType, PaymentStatus, Pricing, ProductGroup, QuantityChange,
    RetailPrice, Segment, ShipmentStatus, StockLine, TaxRate, TotalPrices, TradeCredit, Warehouse,
    WarehouseType, Waybill,
};
use one_b2b::{DocumentKind, OneClient, OneConfig};
use rust_decimal_macros::dec;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A pre-signed storage query as S3/Azure write them: encoded slashes, a literal `+` in a
/// base64 signature, a `~`.
const PRESIGNED_QUERY: &str = "X-Amz-Credential=AKIA%2F20261125%2Feu-central-1%2Fs3&X-Amz-Signature=ab+cd%2Bef~g&X-Amz-Expires=900";

#[tokio::test]
async fn stock_incremental_sends_lines_with_exact_numbers() {
    let server = MockServer::start().await;
    one(
        "POST",
        "/api/v1/stock/integrations/auth-required/warehouses/WH%201/stocks/incremental",
    )
    .and(body_json(
        json!({"stocks": [{"id": "SKU-1", "quantity": 12.5}, {"id": "SKU-2", "quantity": 0}]}),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("incremental stock")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let lines = vec![
        StockLine::new("SKU-1", dec!(12.50)),
        StockLine::new("SKU-2", dec!(0)),
    ];
    let report = c
        .push_stock("WH 1", stream::iter(lines), None)
        .await
        .unwrap();
    assert_eq!((report.total, report.sent, report.requests), (2, 2, 1));
    assert!(report.is_complete_success());
}

#[tokio::test]
async fn invalid_stock_lines_are_rejected_before_sending_with_field_and_rule() {
    let server = MockServer::start().await;
    one(
        "POST",
        "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental",
    )
    .and(body_json(
        json!({"stocks": [{"id": "OK-1", "quantity": 1}, {"id": "OK-2", "quantity": 2}]}),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("only the valid lines")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let lines = vec![
        StockLine::new("OK-1", dec!(1)),
        StockLine::new("NEG", dec!(-3)),
        StockLine::new(" ", dec!(1)),
        StockLine::new("OK-2", dec!(2)),
    ];
    let report = client(&server)
        .push_stock("WH-1", stream::iter(lines), None)
        .await
        .unwrap();
    assert_eq!(report.sent, 2);
    assert!(report.is_balanced());
    let rejected: Vec<(usize, String)> = report
        .rejected
        .iter()
        .map(|f| (f.index, f.error.to_string()))
        .collect();
    assert_eq!(rejected[0].0, 1);
    assert!(
        rejected[0].1.contains("stocks[1].quantity") && rejected[0].1.contains("negative"),
        "{}",
        rejected[0].1
    );
    assert_eq!(rejected[1].0, 2);
    assert!(rejected[1].1.contains("stocks[2].id"), "{}", rejected[1].1);
}

#[tokio::test]
async fn refused_chunk_naming_records_resends_only_the_good_runs() {
    let server = MockServer::start().await;
    let path_ = "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental";
    one("POST", path_)
        .and(body_string_contains("\"B\""))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Validation failed",
            "errors": [{"id": "B", "message": "Unknown product B"}]
        })))
        .expect(1)
        .named("first attempt names B")
        .mount(&server)
        .await;
    // The runner resends each contiguous run of good records once.
    one("POST", path_)
        .and(body_json(json!({"stocks": [{"id": "A", "quantity": 1}]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("A again")
        .mount(&server)
        .await;
    one("POST", path_)
        .and(body_json(json!({"stocks": [{"id": "C", "quantity": 3}]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("C again")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let lines = vec![
        StockLine::new("A", dec!(1)),
        StockLine::new("B", dec!(2)),
        StockLine::new("C", dec!(3)),
    ];
    let report = client(&server)
        .push_stock("WH-1", stream::iter(lines), None)
        .await
        .unwrap();
    assert_eq!((report.sent, report.requests), (2, 3));
    assert_eq!(report.rejected[0].key, "B");
    assert_eq!(report.rejected[0].error.status(), Some(400));
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("Unknown product B")
    );
}

#[tokio::test]
async fn replace_and_remove_stock() {
    let server = MockServer::start().await;
    one(
        "PUT",
        "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks",
    )
    .and(body_json(
        json!({"stocks": [{"id": "SKU-1", "quantity": 4}]}),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("replace all")
    .mount(&server)
    .await;
    one(
        "POST",
        "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental",
    )
    .and(body_json(json!({"stocksToRemove": ["OLD-1", "OLD-2"]})))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("removals")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client(&server);
    c.replace_stock("WH-1", &[StockLine::new("SKU-1", dec!(4))])
        .await
        .unwrap();
    let r = c
        .remove_stock(
            "WH-1",
            stream::iter(vec!["OLD-1".to_string(), "OLD-2".to_string()]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.sent, 2);
    let too_many: Vec<StockLine> = (0..10_001)
        .map(|i| StockLine::new(format!("S{i}"), dec!(1)))
        .collect();
    let err = c.replace_stock("WH-1", &too_many).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "stocks"),
        "{err}"
    );
}

#[tokio::test]
async fn warehouses_create_and_list() {
    let server = MockServer::start().await;
    one("POST", &format!("{ACC}/warehouses"))
        .and(body_json(json!({"id": "WH-2", "name": "Wroclaw", "type": "LOCAL", "parent": "WH-1", "reservation": true, "reservationTime": 24})))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .named("create warehouse")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/warehouses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "WH-1", "name": "Central", "label": "Magazyn", "type": "CENTRAL", "supported": true, "pickupPoint": false,
             "address": {"TIN": "5252248481", "city": "Warszawa", "zip": "00-001", "latitude": 52.2297, "longitude": 21.0122},
             "openingHours": "8-16"},
            {"id": "WH-9", "type": "VIRTUAL"}
        ])))
        .expect(1)
        .named("list warehouses")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let mut w = Warehouse::new("WH-2", WarehouseType::Local);
    w.name = Some("Wroclaw".into());
    w.parent = Some("WH-1".into());
    w.reservation = Some(true);
    w.reservation_time = Some(24);
    c.create_warehouse(&w).await.unwrap();
    let list = c.warehouses().await.unwrap();
    assert_eq!(
        list[0].address.as_ref().unwrap().tin.as_deref(),
        Some("5252248481")
    );
    assert_eq!(
        list[0].address.as_ref().unwrap().latitude,
        Some(dec!(52.2297))
    );
    assert_eq!(list[0].extra["openingHours"], json!("8-16"));
    assert_eq!(list[1].kind, WarehouseType::Other("VIRTUAL".into()));
    // LOCAL needs a parent: nothing sent.
    let orphan = Warehouse::new("WH-3", WarehouseType::Local);
    let err = c.create_warehouse(&orphan).await.unwrap_err();
    assert!(err.to_string().contains("warehouse.parent"), "{err}");
}

#[tokio::test]
async fn clients_create_read_list_delete() {
    let server = MockServer::start().await;
    one("POST", &format!("{ACC}/clients"))
        .and(body_json(json!([
            {"clientId": "org:ACME", "accountType": "CLIENT", "businessRegistrationNumber": "012345678",
             "address": {"city": "Warszawa", "country": "PL", "name": "ACME", "street": "Prosta 1", "zipCode": "00-001"},
             "admin": {"email": "jan@acme.pl", "name": "Jan Kowalski"}},
            {"clientId": "ind:42"}
        ])))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .named("create clients")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/clients/org%3AACME"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "clientId": "org:ACME", "accountType": "CLIENT", "clientStatus": "ACTIVE",
            "accountManagerId": "u-7", "bankAccountNumber": "PL61109010140000071219812874",
            "additionalFields": {"erpGroup": "A"}, "loyaltyTier": "GOLD"
        })))
        .expect(1)
        .named("get client")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/clients"))
        .and(query_param("pageNumber", "0"))
        .and(query_param("pageSize", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "listElement": [{"clientId": "org:ACME"}], "totalElement": 1
        })))
        .expect(1)
        .named("list clients")
        .mount(&server)
        .await;
    one("DELETE", &format!("{ACC}/clients/ind%3A42"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete client")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let mut acme = Client::new("org:ACME");
    acme.account_type = Some(one_b2b::model::AccountType::Client);
    acme.business_registration_number = Some("012345678".into());
    let mut addr = one_b2b::model::ClientAddress::default();
    addr.city = Some("Warszawa".into());
    addr.country = Some("PL".into());
    addr.name = Some("ACME".into());
    addr.street = Some("Prosta 1".into());
    addr.zip_code = Some("00-001".into());
    acme.address = Some(addr);
    let mut admin = one_b2b::model::ClientAdmin::default();
    admin.email = Some("jan@acme.pl".into());
    admin.name = Some("Jan Kowalski".into());
    acme.admin = Some(admin);
    let bad = Client::new("ACME-without-prefix");
    let report = c
        .create_clients(stream::iter(vec![acme, bad, Client::new("ind:42")]), None)
        .await
        .unwrap();
    assert_eq!(
        (report.sent, report.rejected.len(), report.requests),
        (2, 1, 1)
    );
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("clients[1].clientId")
    );
    let got = c.client("org:ACME").await.unwrap();
    assert_eq!(got.client_status.as_deref(), Some("ACTIVE"));
    assert_eq!(got.extra["loyaltyTier"], json!("GOLD"));
    let page = c.clients(0, 50).await.unwrap();
    assert_eq!((page.items.len(), page.total_elements), (1, Some(1)));
    c.delete_client("ind:42").await.unwrap();
}

#[tokio::test]
async fn client_updates_keep_going_past_404_client_not_found() {
    let server = MockServer::start().await;
    for id in ["org%3AA", "org%3AC"] {
        one("PUT", &format!("{ACC}/clients/{id}"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .named(format!("update {id}"))
            .mount(&server)
            .await;
    }
    one("PUT", &format!("{ACC}/clients/org%3AB"))
        .and(body_json(json!({"clientId": "org:B"})))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "Client org:B not found"})),
        )
        .expect(1)
        .named("unknown client")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let clients = ["org:A", "org:B", "org:C"].map(Client::new).to_vec();
    let report = client(&server)
        .update_clients(stream::iter(clients), None)
        .await
        .unwrap();
    assert_eq!(report.sent, 2);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].key, "org:B");
    assert!(matches!(*report.rejected[0].error, Error::NotFound { .. }));
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("Client org:B not found")
    );
    assert!(report.is_balanced() && report.not_attempted.is_empty());
}

#[tokio::test]
async fn trade_credits_blockades_segments() {
    let server = MockServer::start().await;
    one("PUT", &format!("{ACC}/trade-credits/org%3AACME"))
        .and(body_json(json!({"creditValue": 50000.5})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("put trade credit")
        .mount(&server)
        .await;
    one("PUT", &format!("{ACC}/trade-credits/org%3AGONE"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Client not found"})),
        )
        .expect(1)
        .named("trade credit of an unknown client")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/trade-credits/org%3AACME"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "creditValue": 50000.5, "creditValueUsed": 1200, "availableCreditValue": 48800.5
        })))
        .expect(1)
        .named("get trade credit")
        .mount(&server)
        .await;
    one("PUT", &format!("{ACC}/client-blockades/org%3AACME"))
        .and(body_json(json!({"externalId": "BLK-1", "type": "TRADE_CREDIT", "message": "Zaległe płatności"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "6f1c", "externalId": "BLK-1", "type": "TRADE_CREDIT", "label": "Limit kredytowy", "message": "Zaległe płatności"
        })))
        .expect(1)
        .named("put blockade")
        .mount(&server)
        .await;
    one("DELETE", &format!("{ACC}/client-blockades/org%3AACME"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete blockade")
        .mount(&server)
        .await;
    one("PUT", &format!("{ACC}/segments/SEG-1"))
        .and(body_json(json!({"id": "SEG-1", "name": "Hurtownie"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("put segment")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let report = c
        .put_trade_credits(stream::iter(vec![
            ("org:ACME".to_string(), TradeCredit::limit(dec!(50000.50))),
            ("org:GONE".to_string(), TradeCredit::limit(dec!(10))),
            ("ind:7".to_string(), TradeCredit::limit(dec!(10))),
        ]))
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let keys: Vec<&str> = report.rejected.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, vec!["org:GONE", "ind:7"]);
    let tc = c.trade_credit("org:ACME").await.unwrap();
    assert_eq!(tc.available_credit_value, Some(dec!(48800.5)));
    let mut b = ClientBlockade::new(BlockadeType::TradeCredit, "BLK-1");
    b.message = Some("Zaległe płatności".into());
    let got = c.put_blockade("org:ACME", &b).await.unwrap();
    assert_eq!(got.id.as_deref(), Some("6f1c"));
    assert_eq!(got.label.as_deref(), Some("Limit kredytowy"));
    c.delete_blockade("org:ACME").await.unwrap();
    c.put_segment(&Segment::new("SEG-1", "Hurtownie"))
        .await
        .unwrap();
}

#[tokio::test]
async fn prices_retail_and_catalog_and_the_price_sink_split() {
    let server = MockServer::start().await;
    one("PUT", &format!("{PRICING}/retail-prices"))
        .and(body_json(json!([{"price": 19.99, "productId": "SKU-1"}])))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .named("retail prices")
        .mount(&server)
        .await;
    one("PUT", &format!("{PRICING}/prices"))
        .and(body_json(
            json!([{"price": 12.3, "pricingId": "MAIN", "productId": "SKU-1"}]),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .named("catalog prices")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    c.push_retail_prices(
        stream::iter(vec![RetailPrice::new("SKU-1", dec!(19.99))]),
        None,
    )
    .await
    .unwrap();
    c.push_catalog_prices(
        stream::iter(vec![CatalogPrice::new("MAIN", "SKU-1", dec!(12.30))]),
        None,
    )
    .await
    .unwrap();
    // Through the shared trait: a price list means B2B, none means B2C.
    let sink = c.price_sink().unwrap();
    let sku = Sku::new("SKU-1").unwrap();
    let mut b2b = PriceRecord::new(
        sku.clone(),
        Money::new(dec!(12.30), Currency::new("PLN").unwrap()),
    );
    b2b.price_list = Some(PriceListId::new("MAIN").unwrap());
    let b2c = PriceRecord::new(sku, Money::new(dec!(19.99), Currency::new("PLN").unwrap()));
    let report = sink
        .push_prices(Box::pin(stream::iter(vec![b2b, b2c])))
        .await
        .unwrap();
    // One chunk, two HTTP requests (the retail and the catalog route): both are counted.
    assert_eq!((report.sent, report.requests), (2, 2));
}

#[tokio::test]
async fn pricings_assignment_guard_and_unused_lists() {
    let server = MockServer::start().await;
    one("GET", &format!("{PRICING}/pricing/main-catalog-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "MAIN"})))
        .expect(1)
        .named("main catalog")
        .mount(&server)
        .await;
    one("POST", &format!("{PRICING}/pricing/discount"))
        .and(body_json(json!({"name": "Hurt -5%", "priority": 10, "global": false,
            "defaultDiscount": {"type": "PERCENT_ADDITIVE", "value": 5},
            "conditions": [{"type": "TIME_RANGE", "start": "2026-12-01T00:00:00Z", "end": "2026-12-31T23:59:59Z"}]})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "PRC-9", "name": "Hurt -5%", "priority": 10, "global": false})))
        .expect(1)
        .named("create pricing")
        .mount(&server)
        .await;
    let full: Vec<_> = (0..2_000)
        .map(|i| json!({"clientId": "org:FULL", "pricingId": format!("P{i}")}))
        .collect();
    let mut all = full.clone();
    all.push(json!({"clientGroupId": "GRP", "pricingId": "PRC-9"}));
    one("GET", &format!("{PRICING}/clients-to-pricings"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(all)))
        .expect(3)
        .named("current assignments")
        .mount(&server)
        .await;
    one("PUT", &format!("{PRICING}/clients-to-pricings"))
        .and(body_json(
            json!([{"clientId": "org:OK", "pricingId": "PRC-9"}]),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("assign (within the limit)")
        .mount(&server)
        .await;
    one("GET", &format!("{PRICING}/pricing/discount"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "MAIN", "name": "Main", "global": true},
            {"id": "PRC-9", "name": "Hurt -5%"},
            {"id": "P1", "name": "Old 1"},
            {"id": "STALE", "name": "Unused"}
        ])))
        .expect(1)
        .named("list pricings")
        .mount(&server)
        .await;
    one("DELETE", &format!("{PRICING}/pricing/discount/STALE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete unused")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    assert_eq!(c.main_catalog_id().await.unwrap(), "MAIN");
    let mut p = Pricing::new("Hurt -5%");
    p.priority = Some(10);
    p.global = Some(false);
    p.default_discount = Some(one_b2b::model::DefaultDiscount::new(
        one_b2b::model::DiscountType::PercentAdditive,
        dec!(5),
    ));
    p.conditions = vec![serde_json::from_value(json!({"type": "TIME_RANGE", "start": "2026-12-01T00:00:00Z", "end": "2026-12-31T23:59:59Z"})).unwrap()];
    assert_eq!(
        c.create_pricing(&p).await.unwrap().id.as_deref(),
        Some("PRC-9")
    );
    // org:FULL already has 2,000 lists: the 2,001st is refused and nothing is sent.
    let err = c
        .assign_pricings(&[ClientPricing::for_client("org:FULL", "PRC-9")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "assignments[0].pricingId"),
        "{err}"
    );
    assert!(err.to_string().contains("2001"), "{err}");
    c.assign_pricings(&[ClientPricing::for_client("org:OK", "PRC-9")])
        .await
        .unwrap();
    let unused = c.find_unused_pricings().await.unwrap();
    assert_eq!(unused, vec!["STALE".to_string()]);
    c.delete_pricing(&unused[0]).await.unwrap();
}

#[tokio::test]
async fn product_groups_and_tax_rates() {
    let server = MockServer::start().await;
    one("POST", &format!("{PRICING}/product-group"))
        .and(body_json(json!({"name": "Narzędzia"})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "PG-1", "name": "Narzędzia"})),
        )
        .expect(1)
        .named("create group")
        .mount(&server)
        .await;
    one("PUT", &format!("{PRICING}/product-group/PG-1/products"))
        .and(body_json(json!(["SKU1", "SKU2"])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("group products")
        .mount(&server)
        .await;
    one("PUT", &format!("{PRICING}/products/tax"))
        .and(body_json(
            json!([{"productId": "SKU1", "taxRate": 23}, {"productId": "BOOK", "taxRate": 5}]),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("tax rates")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let g = c
        .create_product_group(&ProductGroup::new("Narzędzia"))
        .await
        .unwrap();
    c.set_product_group_products(g.id.as_deref().unwrap(), &["SKU1".into(), "SKU2".into()])
        .await
        .unwrap();
    c.put_tax_rates(&[
        TaxRate::new("SKU1", dec!(23)),
        TaxRate::new("BOOK", dec!(5)),
    ])
    .await
    .unwrap();
    let err = c
        .put_tax_rates(&[TaxRate::new("X", dec!(123))])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("taxRates[0].taxRate"), "{err}");
}

fn invoice() -> Invoice {
    let mut cd = ClientData::default();
    cd.client_id = Some("org:ACME".into());
    cd.tin = Some("5252248481".into());
    cd.client_type = Some(one_b2b::model::ClientType::Organization);
    cd.invoice_email = Some("faktury@acme.pl".into());
    let mut inv = Invoice::new(
        "FV/2026/11/001",
        cd,
        TotalPrices::new(dec!(100), dec!(123), dec!(23)),
        "PLN",
    );
    inv.is_paid = Some(false);
    inv.split_payment = Some(true);
    inv.payment_date = NaiveDate::from_ymd_opt(2026, 12, 8);
    inv.sale_date = NaiveDate::from_ymd_opt(2026, 11, 24);
    inv.customer_purchase_numbers = vec!["PO-77".into()];
    inv
}

#[tokio::test]
async fn invoices_content_statuses_and_two_step_pdf_upload_multipart() {
    let server = MockServer::start().await;
    one("PUT", "/api/v1/invoices/integrations/auth-required/invoices")
        .and(body_json(json!({
            "number": "FV/2026/11/001",
            "clientData": {"clientId": "org:ACME", "tin": "5252248481", "clientType": "ORGANIZATION", "invoiceEmail": "faktury@acme.pl"},
            "splitPayment": true, "isPaid": false, "customerPurchaseNumbers": ["PO-77"],
            "totalPrices": {"netPrice": 100, "grossPrice": 123, "taxValue": 23},
            "paymentDate": "2026-12-08", "saleDate": "2026-11-24", "currencyCode": "PLN"
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("invoice content")
        .mount(&server)
        .await;
    one(
        "PUT",
        "/api/v1/invoices/integrations/auth-required/invoices/status",
    )
    .and(body_json(
        json!([{"number": "FV/2026/11/001", "status": "PAID"}]),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("invoice status")
    .mount(&server)
    .await;
    one(
        "POST",
        "/api/v1/invoices/integrations/auth-required/invoices/file-upload-begin",
    )
    .and(body_json(
        json!({"number": "FV/2026/11/001", "fileExtension": "pdf"}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"uploadId": "upl-1"})))
    .expect(1)
    .named("begin")
    .mount(&server)
    .await;
    one(
        "POST",
        "/api/v1/invoices/integrations/auth-required/invoices/file-upload-complete",
    )
    .and(header_regex_multipart())
    .and(body_string_contains("upl-1"))
    .and(body_string_contains("%PDF-1.4"))
    .and(body_string_contains("name=\"fileExtension\""))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("complete with the file")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client(&server);
    c.put_invoice(&invoice()).await.unwrap();
    c.put_invoice_statuses(&[InvoiceStatusUpdate::new(
        "FV/2026/11/001",
        InvoiceStatus::Paid,
    )])
    .await
    .unwrap();
    let id = c
        .upload_pdf(
            DocumentKind::Invoice,
            "FV/2026/11/001",
            Bytes::from_static(b"%PDF-1.4\n...\n%%EOF"),
        )
        .await
        .unwrap();
    assert_eq!(id, "upl-1");
    let err = c
        .upload_pdf(
            DocumentKind::Invoice,
            "FV/2026/11/001",
            Bytes::from_static(b"<html>"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`pdf`"), "{err}");
    let mut bad = invoice();
    bad.total_prices = TotalPrices::new(dec!(100), dec!(124), dec!(23));
    assert!(
        c.put_invoice(&bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("invoice.totalPrices")
    );
}

fn header_regex_multipart() -> wiremock::matchers::HeaderRegexMatcher {
    wiremock::matchers::header_regex("content-type", "^multipart/form-data; boundary=")
}

#[tokio::test]
async fn goods_issued_note_and_upload_through_a_presigned_url() {
    let server = MockServer::start().await;
    let storage = MockServer::start().await;
    let base = "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes";
    one("PUT", base)
        .and(body_json(json!({
            "number": "WZ/2026/11/5", "clientId": "org:ACME", "purchaseOrderNumber": "PO-77",
            "productLines": [{"lineNumber": 1, "salesOrderReferenceNumber": "OF/22/8/2022/01", "quantity": 3,
                              "product": {"sku": "SKU-1", "name": "Wiertarka"}}]
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("note content")
        .mount(&server)
        .await;
    one("POST", &format!("{base}/file-upload-initialize"))
        .and(body_json(json!({"number": "WZ/2026/11/5", "fileExtension": "pdf"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uploadId": "u-77", "uploadUrl": format!("{}/bucket/u-77.pdf?{PRESIGNED_QUERY}", storage.uri())
        })))
        .expect(1)
        .named("initialize")
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/bucket/u-77.pdf"))
        .and(header("content-type", "application/pdf"))
        .and(body_string_contains("%PDF-"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("bytes to storage")
        .mount(&storage)
        .await;
    one("POST", &format!("{base}/file-upload-finalize"))
        .and(body_json(
            json!({"uploadId": "u-77", "fileExtension": "pdf", "number": "WZ/2026/11/5"}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("finalize")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let mut line = NoteLine::new(1, DocumentProduct::new("SKU-1"), dec!(3));
    line.sales_order_reference_number = Some("OF/22/8/2022/01".into());
    line.product.name = Some("Wiertarka".into());
    let mut note = GoodsIssuedNote::new("WZ/2026/11/5", "org:ACME", vec![line]);
    note.purchase_order_number = Some("PO-77".into());
    c.put_goods_issued_note(&note).await.unwrap();
    c.upload_pdf(
        DocumentKind::GoodsIssuedNote,
        "WZ/2026/11/5",
        Bytes::from_static(b"%PDF-1.7 x"),
    )
    .await
    .unwrap();
    // The storage never sees the ONe credentials, and gets the signed query byte for byte
    // (decoding and re-encoding it would turn the `+` into a space and break the signature).
    let reqs = storage.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url.query(), Some(PRESIGNED_QUERY));
    assert!(
        reqs.iter()
            .all(|r| !r.headers.contains_key("apiauth") && !r.headers.contains_key("one-tenant"))
    );
}

#[tokio::test]
async fn order_events_sales_orders_and_the_order_feed() {
    let server = MockServer::start().await;
    one("GET", "/api/v1/orders/integrations/auth-required/synchronization/order")
        .and(query_param("startId", "15"))
        .and(query_param("numberOfEvents", "100"))
        .and(query_param("eventTypes", ""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "nextId": 19,
            "events": [
                {"orderId": "OF/22/8/2022", "shipmentId": "OF/22/8/2022/01", "eventType": "ADDED"},
                {"orderId": "OF/22/8/2022", "shipmentId": "OF/22/8/2022/01", "eventType": "CHANGED_PAYMENT"},
                {"orderId": "OF/23/8/2022", "shipmentId": "OF/23/8/2022/01", "eventType": "REMOVED"},
                {"orderId": "OF/24/8/2022", "shipmentId": "OF/24/8/2022/01", "eventType": "SPLIT", "at": "2026-11-24T10:00:00Z"}
            ]
        })))
        .expect(1)
        .named("order events")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/order/shipment"))
        .and(query_param("shipmentId", "OF/22/8/2022/01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "OF/22/8/2022/01", "orderId": "OF/22/8/2022", "customerPurchaseNumber": "PO-77",
            "clientId": "org:ACME", "status": "NEW", "paymentStatus": "PAID", "currencyCode": "PLN",
            "deliveryAddress": {"city": "Kraków"},
            "productLines": [
                {"sku": "SKU-1", "name": "Wiertarka", "lineNumber": 1, "quantityOrdered": 2,
                 "quantityOrderedInContentUnit": 2, "contentUnitCode": "szt", "lastChange": "2026-11-24T09:58:00Z",
                 "gtu": "GTU_06", "productLineId": "pl-1",
                 "price": {"netUnitPrice": 100.5, "netContentUnitPrice": 100.5, "grossContentUnitPrice": 123.62,
                           "netValue": 201, "taxValue": 46.23, "taxRate": 23, "grossValue": 247.23,
                           "basePriceType": "CATALOG", "promoCode": "X"}}
            ]
        })))
        .expect(1)
        .named("sales order")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/order/shipment"))
        .and(query_param("shipmentId", "OF/24/8/2022/01"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Shipment not found"})),
        )
        .expect(1)
        .named("vanished shipment")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let batch = c
        .order_feed()
        .unwrap()
        .pull_orders(Some("15"))
        .await
        .unwrap();
    assert_eq!(batch.next_cursor.as_deref(), Some("19"));
    assert_eq!(batch.orders.len(), 3, "one per shipment");
    let o = &batch.orders[0];
    assert_eq!(o.id.as_str(), "OF/22/8/2022/01");
    assert_eq!(o.status.raw, "NEW");
    assert_eq!(
        o.status.state,
        connector_core::OrderState::AwaitingAcceptance
    );
    assert_eq!(o.lines[0].quantity, dec!(2));
    assert_eq!(o.lines[0].unit_price.unwrap().amount, dec!(100.5));
    assert_eq!(o.total.unwrap().to_string(), "201 PLN");
    assert_eq!(o.extra["orderId"], json!("OF/22/8/2022"));
    assert_eq!(o.extra["paymentStatus"], json!("PAID"));
    assert_eq!(o.extra["deliveryAddress"]["city"], json!("Kraków"));
    assert_eq!(batch.orders[1].status.raw, "REMOVED");
    assert_eq!(batch.orders[2].status.raw, "REMOVED");
}

#[tokio::test]
async fn order_event_type_filter_and_unknown_values() {
    let server = MockServer::start().await;
    one("GET", "/api/v1/orders/integrations/auth-required/synchronization/order")
        .and(query_param("eventTypes", "ADDED,CHANGED_PAYMENT"))
        .and(query_param("startId", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "nextId": 2, "events": [{"orderId": "O1", "shipmentId": "O1/01", "eventType": "MERGED", "eventId": 1}]
        })))
        .expect(1)
        .named("filtered events")
        .mount(&server)
        .await;
    let page = client(&server)
        .order_events(1, &[OrderEventType::Added, OrderEventType::ChangedPayment])
        .await
        .unwrap();
    assert_eq!(
        page.events[0].event_type,
        OrderEventType::Other("MERGED".into())
    );
    assert_eq!(page.events[0].extra["eventId"], json!(1));
}

#[tokio::test]
async fn shipment_updates_and_offline_orders() {
    let server = MockServer::start().await;
    let sid = "OF%2F22%2F8%2F2022%2F01";
    one("PUT", &format!("{ACC}/order/status"))
        .and(body_json(
            json!({"shipmentId": "OF/22/8/2022/01", "status": "SENT"}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("status SENT")
        .mount(&server)
        .await;
    one("PUT", &format!("{ACC}/order/shipment/{sid}/payment-status"))
        .and(body_json(json!({"newPaymentStatus": "TIMEOUT"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("payment status")
        .mount(&server)
        .await;
    one(
        "PUT",
        &format!("{ACC}/order/shipment/{sid}/confirmed-delivery-date"),
    )
    .and(body_json(json!({"confirmedDeliveryDate": "2026-11-28"})))
    .respond_with(ResponseTemplate::new(200))
    .expect(1)
    .named("delivery date")
    .mount(&server)
    .await;
    one(
        "PUT",
        &format!("{ACC}/order/shipment/{sid}/shipped-quantities"),
    )
    .and(body_json(
        json!({"quantityChanges": [{"sku": "SKU-1", "quantityShipped": 1.5}]}),
    ))
    .respond_with(ResponseTemplate::new(200))
    .expect(2)
    .named("shipped quantities")
    .mount(&server)
    .await;
    one("POST", &format!("{ACC}/order/shipment/{sid}/waybills"))
        .and(body_json(
            json!({"waybills": [{"number": "00340434161234567890", "carrier": "DPD"}]}),
        ))
        .respond_with(ResponseTemplate::new(201))
        .expect(2)
        .named("waybills")
        .mount(&server)
        .await;
    one("PUT", "/api/v1/orders/integrations/auth-required/offline-order/shipment")
        .and(body_json(json!({
            "id": "OFF/1/01", "orderId": "OFF/1", "organization": {"id": "org:ACME"},
            "paymentMethod": {"name": "Przelew"},
            "price": {"deliveryNet": 15, "productsNet": 100, "totalNet": 115, "totalGross": 141.45, "totalTax": 26.45}
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("offline order")
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let s = "OF/22/8/2022/01";
    c.set_payment_status(s, &PaymentStatus::Timeout)
        .await
        .unwrap();
    c.confirm_delivery_date(s, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
        .await
        .unwrap();
    c.set_shipped_quantities(s, &[QuantityChange::new("SKU-1", dec!(1.5))])
        .await
        .unwrap();
    c.add_waybills(
        s,
        &[Waybill::new("00340434161234567890").with_carrier("DPD")],
    )
    .await
    .unwrap();
    // The shared trait: Ship = quantities + waybills + SENT.
    let mut shipment = Shipment::default();
    shipment.items = vec![(Sku::new("SKU-1").unwrap(), dec!(1.5))];
    let mut t = Tracking::default();
    t.number = Some("00340434161234567890".into());
    t.carrier = Some("DPD".into());
    shipment.tracking = vec![t];
    c.order_feed()
        .unwrap()
        .update_order(&OrderId::new(s).unwrap(), OrderUpdate::Ship(shipment))
        .await
        .unwrap();
    let order = OfflineOrder::new(
        "OFF/1/01",
        "OFF/1",
        "org:ACME",
        "Przelew",
        OfflineOrderPrice::new(dec!(15), dec!(100), dec!(115), dec!(141.45), dec!(26.45)),
    );
    c.put_offline_order(&order).await.unwrap();
    let err = c.set_shipped_quantities(s, &[]).await.unwrap_err();
    assert!(err.to_string().contains("quantityChanges"), "{err}");
    let _ = ShipmentStatus::Sent;
}

#[tokio::test]
async fn errors_are_classified_and_writes_are_not_retried_blindly() {
    let server = MockServer::start().await;
    // A lost answer on a POST that is not idempotent: one attempt, then "outcome unknown".
    one("POST", &format!("{ACC}/order/shipment/S1/waybills"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>"))
        .expect(1)
        .named("waybills 503")
        .mount(&server)
        .await;
    // A PUT (idempotent upsert) is retried after 503 and a 429.
    one("PUT", &format!("{ACC}/order/status"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .named("status 429 once")
        .mount(&server)
        .await;
    one("PUT", &format!("{ACC}/order/status"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("status then ok")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/clients/org%3AX"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"status": 400, "message": "clientId malformed"})),
        )
        .expect(1)
        .named("400")
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c
        .add_waybills("S1", &[Waybill::new("W1")])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.attempts(),
        1,
        "a POST that may add waybills twice is not retried"
    );
    c.set_shipment_status("S2", &ShipmentStatus::Delivered)
        .await
        .unwrap();
    let err = c.client("org:X").await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(err.to_string().contains("clientId malformed"), "{err}");
    assert_eq!(
        err.context().unwrap().operation.as_deref(),
        Some("one.clients.get")
    );
}

#[tokio::test]
async fn a_refused_key_stops_the_bulk_run_and_nothing_else_is_attempted() {
    let server = MockServer::start().await;
    one(
        "POST",
        "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental",
    )
    .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid ApiAuth"})))
    .expect(1)
    .named("401")
    .mount(&server)
    .await;
    let lines = (0..250).map(|i| StockLine::new(format!("S{i}"), dec!(1)));
    let c = OneClient::new(
        OneConfig::builder()
            .base_url(server.uri())
            .tenant(TENANT)
            .api_key(SecretString::from(KEY.to_string()))
            .max_lines(100)
            .concurrency(1)
            .build()
            .unwrap(),
    )
    .unwrap();
    let report = c
        .push_stock("WH-1", stream::iter(lines), None)
        .await
        .unwrap();
    assert_eq!(report.requests, 1);
    assert_eq!(report.not_attempted.len(), 250);
    assert!(matches!(*report.not_attempted[0].error, Error::Auth { .. }));
    assert!(report.is_balanced());
    // And the key is never in the client's Debug output.
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("fedcba9876543210"), "{dbg}");
}

#[tokio::test]
async fn reads_deletes_and_the_other_event_feeds() {
    let server = MockServer::start().await;
    one("GET", &format!("{ACC}/segments/SEG-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "SEG-1", "name": "Hurtownie", "discountGroup": "B"})),
        )
        .expect(1)
        .named("get segment")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/client-blockades/org%3AACME"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "6f1c", "externalId": "BLK-1", "type": "PAYMENT_DELAY", "label": "Zaległości", "message": "Skontaktuj się z opiekunem"
        })))
        .expect(1)
        .named("get blockade")
        .mount(&server)
        .await;
    one("DELETE", &format!("{ACC}/trade-credits/org%3AACME"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("delete trade credit")
        .mount(&server)
        .await;
    one("GET", "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "number": "WZ/1", "clientId": "org:ACME", "documentDate": "2026-11-24",
            "productLines": [{"lineNumber": 1, "quantity": 2, "product": {"sku": "SKU-1", "unit": "szt", "manufacturer": {"name": "Bosch"}}}],
            "warehouse": {"id": "WH-1", "name": "Central"}, "uploadId": "u-1", "fileExtension": "pdf"
        }])))
        .expect(1)
        .named("list notes")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/trade-credits/synchronization"))
        .and(query_param("contexts", "INTEGRATIONS"))
        .and(query_param("startId", "7"))
        .and(query_param("numberOfEvents", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "nextId": 9, "events": [{"clientId": "org:ACME", "type": "UPDATE"}, {"clientId": "org:B", "type": "UPDATE"}]
        })))
        .expect(1)
        .named("trade credit events")
        .mount(&server)
        .await;
    one("GET", &format!("{ACC}/clients/synchronization"))
        .and(query_param("startId", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "nextId": 2, "events": [{"clientId": "ind:42", "type": "ADDED"}]
        })))
        .expect(1)
        .named("client events")
        .mount(&server)
        .await;
    one(
        "GET",
        "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/events",
    )
    .and(query_param("startId", "1"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"nextId": 1, "events": []})))
    .expect(1)
    .named("note events")
    .mount(&server)
    .await;
    no_other_calls(&server).await;
    let c = client(&server);
    let seg = c.segment("SEG-1").await.unwrap();
    assert_eq!(seg.extra["discountGroup"], json!("B"));
    let b = c.blockade("org:ACME").await.unwrap();
    assert_eq!(b.kind, BlockadeType::Other("PAYMENT_DELAY".into()));
    c.delete_trade_credit("org:ACME").await.unwrap();
    let notes = c.goods_issued_notes().await.unwrap();
    assert_eq!(notes[0].product_lines[0].quantity, dec!(2));
    assert_eq!(notes[0].extra["uploadId"], json!("u-1"));
    let page: one_b2b::model::EventPage<one_b2b::model::TradeCreditEvent> =
        c.events(one_b2b::Feed::TradeCredits, 7).await.unwrap();
    assert_eq!((page.next_id, page.events.len()), (9, 2));
    let page: one_b2b::model::EventPage<one_b2b::model::ClientEvent> =
        c.events(one_b2b::Feed::Clients, 1).await.unwrap();
    assert_eq!(page.events[0].client_id, "ind:42");
    let page: one_b2b::model::EventPage<one_b2b::model::GoodsIssuedNoteEvent> =
        c.events(one_b2b::Feed::GoodsIssuedNotes, 1).await.unwrap();
    assert!(page.events.is_empty());
    // Trade credits are for organisations only: refused before sending.
    let err = c.delete_trade_credit("ind:42").await.unwrap_err();
    assert!(err.to_string().contains("organizationId"), "{err}");
}

#[tokio::test]
async fn a_retried_stock_request_counts_every_attempt_in_the_report() {
    let server = MockServer::start().await;
    let path_ = "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental";
    // wiremock picks the first matching mock still within its limit: one 503, then 200.
    one("POST", path_)
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .named("busy once")
        .with_priority(1)
        .mount(&server)
        .await;
    one("POST", path_)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("then applied")
        .with_priority(2)
        .mount(&server)
        .await;
    no_other_calls(&server).await;
    let report = client(&server)
        .push_stock(
            "WH-1",
            stream::iter(vec![StockLine::new("A", dec!(1))]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (report.total, report.sent, report.requests),
        (1, 1, 2),
        "{report:?}"
    );
}
