//! End to end on the TOTVS Omni simulator: loads applied, ordering rules, the order lifecycle,
//! the kit rule, infinite-shelf payments, and the `Connector` view.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chrono::{NaiveDate, TimeZone, Utc};
use connector_core::{
    Capability, Connector, Currency, Error, LocationId, Money, OrderId, OrderState, OrderUpdate,
    PriceRecord, Product, SecretString, Sku, Stock,
};
use futures::{StreamExt, stream};
use rust_decimal_macros::dec;
use sandbox_totvs_omni as sim;
use totvs_omni::{
    AccessKey, IntegrationType, Nfe, NfeDocument, OmniClient, OmniConfig, OmniStatus, Payment,
    PaymentMethod, PriceLine, ProductLine, RejectError, RejectItem, ShipmentNotice, StockLine,
};

fn client(omni: &sim::OmniSimulator) -> OmniClient {
    let config = OmniConfig::builder(
        sim::SITE_ID,
        sim::USERNAME,
        SecretString::from(sim::PASSWORD),
    )
    .load_host(omni.base_url())
    .orders_api(
        omni.orders_url(),
        sim::ORDERS_USERNAME,
        SecretString::from(sim::ORDERS_PASSWORD),
    )
    .build()
    .unwrap();
    OmniClient::new(config).unwrap()
}

#[tokio::test]
async fn loads_are_applied_and_prices_for_unknown_products_are_refused() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client(&omni);
    // Prices before products: refused by Omni.
    let err = c
        .loads()
        .load(
            IntegrationType::Prices,
            stream::iter(vec![PriceLine::new("CAM-P", dec!(129.90))]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert!(err.to_string().contains("não integrado"), "{err}");

    let report = c
        .sequencer()
        .known_stores(sim::STORES)
        .run(
            stream::iter(vec![
                ProductLine::new("CAM-P", "Camiseta P").brand("Acme"),
                ProductLine::new("CAM-M", "Camiseta M").brand("Acme"),
            ]),
            stream::iter(vec![
                PriceLine::new("CAM-P", dec!(129.90)),
                PriceLine::new("CAM-M", dec!(139.90)).promotion(dec!(119.90), None, None),
            ]),
            stream::iter(vec![
                StockLine::new("CAM-P", "LOJA-01", dec!(4)),
                StockLine::new("CAM-M", "LOJA-99", dec!(9)),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(report.steps, vec!["products", "prices", "stock"]);
    assert_eq!(report.refused_stock.len(), 1);
    assert_eq!(
        report.products.as_ref().unwrap().job_id.as_deref(),
        Some("EXEC-1")
    );
    let s = omni.state();
    assert_eq!(s.products.len(), 2);
    assert_eq!(
        s.prices["CAM-M"],
        ("139.9".to_string(), Some("119.9".to_string()))
    );
    assert_eq!(s.stock[&("CAM-P".to_string(), "LOJA-01".to_string())], "4");
    let types: Vec<u32> = s.loads.iter().map(|l| l.integration_type).collect();
    assert_eq!(types, vec![1, 7, 2]);
    assert_eq!(s.loads[0].file_name, "PRODUTOS_DO_ERP.json");
}

#[tokio::test]
async fn wrong_integration_password_is_an_auth_error() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let config = OmniConfig::builder(sim::SITE_ID, sim::USERNAME, SecretString::from("nope"))
        .load_host(omni.base_url())
        .build()
        .unwrap();
    let err = OmniClient::new(config)
        .unwrap()
        .loads()
        .load(
            IntegrationType::Products,
            stream::iter(vec![ProductLine::new("A", "Alpha")]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn paid_order_lifecycle_with_partial_rejection_and_the_kit_rule() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client(&omni);
    let orders = c.orders().unwrap();
    let list = orders.pending_confirmation(1).await.unwrap();
    assert_eq!(list.orders.len(), 1);
    let order = list.orders[0].clone();
    assert_eq!(order.id, "OM-1001");

    // Client-side check: nothing sent.
    let err = orders
        .reject_items(&order, vec![RejectItem::new("2", dec!(1))], "avaria")
        .await
        .unwrap_err();
    assert!(matches!(err, RejectError::KitIncomplete(_)));
    // The server's own refusal when the client does not know the kit.
    let err = orders
        .reject_items_unchecked("OM-1001", vec![RejectItem::new("3", dec!(1))], "avaria")
        .await
        .unwrap_err();
    match err {
        RejectError::KitIncomplete(v) => {
            assert_eq!(v.kit_items, vec!["2", "3"]);
            assert_eq!(v.missing, vec!["2"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        omni.state().order_status("OM-1001").as_deref(),
        Some("PENDING_CONFIRMATION")
    );

    // Reject the whole kit: partial rejection of the order.
    orders
        .reject_items(
            &order,
            vec![RejectItem::new("2", dec!(1)), RejectItem::new("3", dec!(1))],
            "kit sem estoque",
        )
        .await
        .unwrap();
    let o = orders.get("OM-1001").await.unwrap();
    assert_eq!(o.status, OmniStatus::PartiallyRejected);
    assert_eq!(o.items[1].status, Some(OmniStatus::Rejected));

    let nfe = Nfe::new(
        "12345",
        "1",
        AccessKey::parse("35261123456780000190550010000123451000123453").unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        dec!(129.90),
        NfeDocument::Xml("<nfeProc versao=\"4.00\"/>".into()),
    )
    .unwrap();
    // Shipping before invoicing is refused by the lifecycle.
    let shipped = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let notice = ShipmentNotice::new("Correios", "BR123456789BR", shipped);
    let err = orders.ship("OM-1001", &notice).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    orders.invoice("OM-1001", &nfe).await.unwrap();
    orders.ship("OM-1001", &notice).await.unwrap();
    orders.deliver("OM-1001", shipped).await.unwrap();
    assert_eq!(
        omni.state().order_status("OM-1001").as_deref(),
        Some("DELIVERED")
    );
    assert_eq!(
        omni.state().actions,
        vec![
            "reject OM-1001",
            "invoice OM-1001",
            "ship OM-1001",
            "deliver OM-1001"
        ]
    );
    assert_eq!(omni.state().logins, 1);
}

#[tokio::test]
async fn infinite_shelf_payment_moves_the_order_into_the_paid_lifecycle() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client(&omni);
    let orders = c.orders().unwrap();
    let pending = orders.pending_payment(1).await.unwrap();
    assert_eq!(pending.orders.len(), 1);
    assert_eq!(pending.orders[0].extra["storeId"], "LOJA-01");
    let paid_at = Utc.with_ymd_and_hms(2026, 11, 24, 18, 20, 0).unwrap();
    let err = orders
        .register_payment(
            "OM-2001",
            &Payment::new(PaymentMethod::Pix, dec!(100), paid_at),
        )
        .await
        .unwrap_err();
    assert_eq!(err.platform_code(), Some("AMOUNT_MISMATCH"));
    orders
        .register_payment(
            "OM-2001",
            &Payment::new(PaymentMethod::Pix, dec!(129.90), paid_at),
        )
        .await
        .unwrap();
    assert!(orders.pending_payment(1).await.unwrap().orders.is_empty());
    let paid = orders.pending_confirmation(1).await.unwrap();
    assert_eq!(paid.orders.len(), 2);
    orders.confirm("OM-2001").await.unwrap();
    assert_eq!(
        omni.state().order_status("OM-2001").as_deref(),
        Some("CONFIRMED")
    );
}

#[tokio::test]
async fn connector_view_pushes_master_data_and_moves_orders() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client(&omni);
    let conn: &dyn Connector = &c;
    assert_eq!(
        conn.capabilities(),
        vec![
            Capability::OrderFeed,
            Capability::ProductSink,
            Capability::PriceSink,
            Capability::StockSink
        ]
    );
    conn.check().await.unwrap();
    let mut no_sku = Product::new(Sku::new("X").unwrap(), "sem sku");
    no_sku.sku = None;
    let products = vec![
        Product::new(Sku::new("CAM-P").unwrap(), "Camiseta P"),
        no_sku,
    ];
    let report = conn
        .product_sink()
        .unwrap()
        .push_products(stream::iter(products).boxed())
        .await
        .unwrap();
    assert!(report.is_balanced());
    assert_eq!((report.sent, report.rejected.len()), (1, 1));
    assert_eq!(report.rejected[0].index, 1);
    let prices = vec![
        PriceRecord::new(
            Sku::new("CAM-P").unwrap(),
            Money::new(dec!(129.90), Currency::BRL),
        ),
        PriceRecord::new(
            Sku::new("CAM-P").unwrap(),
            Money::new(dec!(20), Currency::EUR),
        ),
    ];
    let report = conn
        .price_sink()
        .unwrap()
        .push_prices(stream::iter(prices).boxed())
        .await
        .unwrap();
    assert_eq!((report.sent, report.rejected.len()), (1, 1));
    let stock = vec![Stock::new(
        Sku::new("CAM-P").unwrap(),
        Some(LocationId::new("CD-SP").unwrap()),
        dec!(40),
    )];
    let report = conn
        .stock_sink()
        .unwrap()
        .push_stock(stream::iter(stock).boxed())
        .await
        .unwrap();
    assert!(report.is_complete_success());
    assert_eq!(
        omni.state().stock[&("CAM-P".to_string(), "CD-SP".to_string())],
        "40"
    );

    let feed = conn.order_feed().unwrap();
    let batch = feed.pull_orders(None).await.unwrap();
    assert_eq!(batch.orders.len(), 1);
    assert_eq!(batch.orders[0].status.state, OrderState::AwaitingAcceptance);
    let id = OrderId::new("OM-1001").unwrap();
    let err = feed
        .update_order(
            &id,
            OrderUpdate::RejectLines {
                lines: vec![(Sku::new("KIT-PRAIA-TOALHA").unwrap(), dec!(1))],
                reason: "avaria".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "items"),
        "{err:?}"
    );
    feed.update_order(&id, OrderUpdate::Confirm).await.unwrap();
    assert_eq!(
        omni.state().order_status("OM-1001").as_deref(),
        Some("CONFIRMED")
    );
    let err = feed
        .update_order(&id, OrderUpdate::Cancel { reason: "x".into() })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }));
}

#[tokio::test]
async fn a_503_on_the_order_list_is_retried_but_a_503_on_a_load_is_not() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client(&omni);
    omni.faults
        .inject_for("/api/orders", connector_sandbox::Fault::Status(503), 1);
    let list = c.orders().unwrap().pending_confirmation(1).await.unwrap();
    assert_eq!(list.orders.len(), 1);
    omni.faults
        .inject_for("/integrador", connector_sandbox::Fault::Status(503), 1);
    let err = c
        .loads()
        .load(
            IntegrationType::Products,
            stream::iter(vec![ProductLine::new("A", "Alpha")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert!(omni.state().products.is_empty());
}

/// A client whose simulator already knows the products CAM-P and CAM-M.
async fn client_with_two_products(omni: &sim::OmniSimulator) -> OmniClient {
    let c = client(omni);
    c.loads()
        .load(
            IntegrationType::Products,
            stream::iter(vec![
                ProductLine::new("CAM-P", "Camiseta P"),
                ProductLine::new("CAM-M", "Camiseta M"),
            ]),
        )
        .await
        .unwrap();
    c
}

#[tokio::test]
async fn a_price_for_an_unknown_product_is_isolated_and_the_others_land() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client_with_two_products(&omni).await;
    let brl = |v| Money::new(v, Currency::BRL);
    let prices = vec![
        PriceRecord::new(Sku::new("CAM-P").unwrap(), brl(dec!(129.90))),
        PriceRecord::new(Sku::new("FANTASMA").unwrap(), brl(dec!(10))),
        PriceRecord::new(Sku::new("CAM-M").unwrap(), brl(dec!(139.90))),
    ];
    let report = push_prices(&c, prices).await;
    assert!(report.is_balanced());
    assert_eq!(report.sent, 2);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 1);
    assert_eq!(report.rejected[0].key, "FANTASMA");
    assert!(
        report.rejected[0]
            .error
            .to_string()
            .contains("não integrado")
    );
    let s = omni.state();
    assert_eq!(s.prices.len(), 2);
    assert!(!s.prices.contains_key("FANTASMA"));
}

async fn push_prices(c: &OmniClient, prices: Vec<PriceRecord>) -> connector_core::BatchReport {
    let conn: &dyn Connector = c;
    conn.price_sink()
        .unwrap()
        .push_prices(stream::iter(prices).boxed())
        .await
        .unwrap()
}

#[tokio::test]
async fn records_refused_by_the_sinks_are_named_by_their_input_position() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = client_with_two_products(&omni).await;
    let brl = |v| Money::new(v, Currency::BRL);
    let prices = vec![
        PriceRecord::new(Sku::new("CAM-P").unwrap(), brl(dec!(129.90))),
        PriceRecord::new(Sku::new("CAM-G").unwrap(), brl(dec!(1.999))),
        PriceRecord::new(Sku::new("CAM-GG").unwrap(), brl(dec!(-1))),
        PriceRecord::new(Sku::new("CAM-M").unwrap(), brl(dec!(139.90))),
    ];
    let report = push_prices(&c, prices).await;
    assert!(report.is_balanced());
    assert_eq!(report.sent, 2);
    let refused: Vec<(usize, String)> = report
        .rejected
        .iter()
        .map(|r| match &*r.error {
            connector_core::Error::InvalidInput { field, .. } => (r.index, field.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (1, "prices[1].price".to_string()),
            (2, "prices[2].price".to_string())
        ]
    );
    assert_eq!(omni.state().prices.len(), 2);
}

#[tokio::test]
async fn the_simulator_rejects_part_of_an_item_and_refuses_bad_quantities() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    omni.add_order(serde_json::json!({
        "id": "OM-3001",
        "channel": "vtex",
        "status": "PENDING_CONFIRMATION",
        "total": 259.80,
        "currency": "BRL",
        "items": [
            {"itemId": "1", "sku": "CAM-P", "quantity": 2, "price": 129.90}
        ]
    }));
    let c = client(&omni);
    let orders = c.orders().unwrap();
    for (items, why) in [
        (
            vec![RejectItem::new("1", dec!(3))],
            "above the item's quantity",
        ),
        (
            vec![RejectItem::new("9", dec!(1))],
            "not an item of the order",
        ),
    ] {
        let err = orders
            .reject_items_unchecked("OM-3001", items, "avaria")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RejectError::Other(e) if e.platform_code() == Some("INVALID_REJECTION")),
            "{why}: {err:?}"
        );
    }
    let order = orders.get("OM-3001").await.unwrap();
    orders
        .reject_items(&order, vec![RejectItem::new("1", dec!(1))], "avaria")
        .await
        .unwrap();
    let o = orders.get("OM-3001").await.unwrap();
    assert_eq!(o.status, OmniStatus::PartiallyRejected);
    assert_eq!(o.items[0].status, None);
    assert_eq!(o.items[0].extra["rejectedQuantity"], serde_json::json!(1.0));
}

#[tokio::test]
async fn reject_lines_spreads_a_sku_over_the_items_that_carry_it() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    omni.add_order(serde_json::json!({
        "id": "OM-3002",
        "channel": "vtex",
        "status": "PENDING_CONFIRMATION",
        "total": 389.70,
        "currency": "BRL",
        "items": [
            {"itemId": "1", "sku": "CAM-P", "quantity": 1, "price": 129.90},
            {"itemId": "2", "sku": "CAM-P", "quantity": 2, "price": 129.90}
        ]
    }));
    let c = client(&omni);
    let conn: &dyn Connector = &c;
    let feed = conn.order_feed().unwrap();
    let id = OrderId::new("OM-3002").unwrap();
    let cam = || Sku::new("CAM-P").unwrap();
    let err = feed
        .update_order(
            &id,
            OrderUpdate::RejectLines {
                lines: vec![(cam(), dec!(4))],
                reason: "sem estoque".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "lines[0].quantity"),
        "{err:?}"
    );
    assert!(omni.state().actions.is_empty());
    feed.update_order(
        &id,
        OrderUpdate::RejectLines {
            lines: vec![(cam(), dec!(2)), (cam(), dec!(1))],
            reason: "sem estoque".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        omni.state().order_status("OM-3002").as_deref(),
        Some("REJECTED")
    );
}
