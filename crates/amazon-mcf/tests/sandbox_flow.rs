//! End-to-end flows against the dynamic MCF simulator (`sandbox-amazon-mcf`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use amazon_mcf::model::outbound::{FulfillmentOrderStatus, FulfillmentShipmentStatus};
use amazon_mcf::{AmazonMcfClient, AmazonMcfConnector, CreateOutcome, convert};
use connector_core::{
    Address, AddressKind, Capability, Connector, Customer, Error, ExternalOrderId, OrderDraft,
    OrderId, OrderLine, OrderState, Person, SecretString, Sku,
};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSandbox, McfSimulator, REFRESH_TOKEN};

async fn start() -> (McfSandbox, AmazonMcfClient) {
    let sandbox = McfSimulator::new().start().await.unwrap();
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(sandbox.base_url())
        .lwa_url(sandbox.token_url())
        .app_id("SandboxTest")
        .build()
        .unwrap();
    (sandbox, client)
}

fn draft(id: &str, sku: &str, qty: i64) -> OrderDraft {
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut d = OrderDraft::new(
        ExternalOrderId::new(id).unwrap(),
        customer,
        vec![OrderLine::new(
            Some(Sku::new(sku).unwrap()),
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

#[tokio::test]
async fn preview_create_ship_track_and_stock_through_the_connector() {
    let (sandbox, client) = start().await;
    // Seed inventory with the sandbox-only helpers; the SKU has a space, `+`, `/` and `#`.
    let sku = "MUG 1+/#";
    client
        .sandbox_create_inventory_item(sku, "Blue mug")
        .await
        .unwrap();
    client
        .sandbox_add_inventory(vec![(sku.into(), 10)], "seed-1")
        .await
        .unwrap();
    client
        .sandbox_add_inventory(vec![(sku.into(), 10)], "seed-1")
        .await
        .unwrap(); // same token: once
    assert_eq!(sandbox.sim.fulfillable(sku), Some(10));

    let connector = AmazonMcfConnector::new(client.clone());
    assert!(connector.can(Capability::OrderPlacement) && connector.can(Capability::StockSource));
    connector.check().await.unwrap();

    let quote = connector
        .order_placement()
        .unwrap()
        .quote(&draft("ERP-1", sku, 3))
        .await
        .unwrap();
    assert!(quote.is_fulfillable(), "{quote:?}");
    assert!(quote.shipping.is_some());
    let short = connector
        .order_placement()
        .unwrap()
        .quote(&draft("ERP-X", sku, 11))
        .await
        .unwrap();
    assert!(!short.is_fulfillable());

    let placed = connector
        .order_placement()
        .unwrap()
        .place(&draft("ERP-1", sku, 3))
        .await
        .unwrap();
    assert_eq!(placed.order_ids, vec![OrderId::new("ERP-1").unwrap()]);
    assert_eq!(sandbox.sim.fulfillable(sku), Some(7));

    let order = connector
        .order_tracking()
        .unwrap()
        .order(&OrderId::new("ERP-1").unwrap())
        .await
        .unwrap();
    assert_eq!(order.status.state, OrderState::Pending);
    assert_eq!(order.status.raw, "Received");

    client
        .submit_fulfillment_order_status_update("ERP-1", FulfillmentOrderStatus::Complete)
        .await
        .unwrap();
    let r = client.get_fulfillment_order("ERP-1").await.unwrap();
    assert_eq!(
        r.fulfillment_order.fulfillment_order_status,
        FulfillmentOrderStatus::Complete
    );
    let shipment = &r.fulfillment_shipments[0];
    assert_eq!(
        shipment.fulfillment_shipment_status,
        FulfillmentShipmentStatus::Shipped
    );
    let package = shipment.fulfillment_shipment_package[0].package_number;
    let tracking = client
        .get_package_tracking_details(i32::try_from(package).unwrap())
        .await
        .unwrap();
    assert_eq!(tracking.carrier_code.as_deref(), Some("UPS"));
    assert!(!tracking.tracking_events.is_empty());

    let tracked = connector
        .order_tracking()
        .unwrap()
        .order(&OrderId::new("ERP-1").unwrap())
        .await
        .unwrap();
    let t = &tracked.shipments[0].tracking[0];
    assert!(
        t.url
            .as_deref()
            .unwrap()
            .starts_with("https://www.swiship.com/track"),
        "{t:?}"
    );
    assert_eq!(t.last_event.as_deref(), Some("Arrival scan."));
    assert!(t.last_event_at.is_some());
    let shared = convert::order_to_shared(&r).unwrap();
    assert_eq!(shared.status.state, OrderState::Shipped);
    assert_eq!(shared.lines[0].quantity_shipped, Some(Decimal::from(3)));
    assert_eq!(
        shared.shipments[0].tracking[0].carrier.as_deref(),
        Some("UPS")
    );

    let stock: Vec<_> = connector
        .stock_source()
        .unwrap()
        .stock()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!(stock[0].sku.as_str(), sku);
    assert_eq!(stock[0].quantity, Decimal::from(7));
    assert_eq!(
        stock[0].location.as_ref().unwrap().as_str(),
        "FBA:ATVPDKIKX0DER"
    );

    // Feature SKU with the awkward SKU in the path.
    let f = client.get_feature_sku("BLANK_BOX", sku).await.unwrap();
    assert!(f.is_eligible);
    assert_eq!(f.seller_sku.as_deref(), Some(sku));
}

#[tokio::test]
async fn list_streams_every_page_and_cancel_releases_stock() {
    let (sandbox, client) = start().await;
    sandbox.sim.seed_inventory("SKU-1", "Mug", 50);
    let connector = AmazonMcfConnector::new(client.clone());
    for i in 1..=5 {
        connector
            .order_placement()
            .unwrap()
            .place(&draft(&format!("ERP-{i}"), "SKU-1", 2))
            .await
            .unwrap();
    }
    // Page size 2: three pages, tokens with `+`, `/` and `=`.
    let orders: Vec<_> = client
        .list_all_fulfillment_orders(None)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = orders
        .iter()
        .map(|o| o.seller_fulfillment_order_id.clone())
        .collect();
    assert_eq!(ids, ["ERP-1", "ERP-2", "ERP-3", "ERP-4", "ERP-5"]);
    assert_eq!(sandbox.sim.fulfillable("SKU-1"), Some(40));
    client.cancel_fulfillment_order("ERP-5").await.unwrap();
    assert_eq!(sandbox.sim.fulfillable("SKU-1"), Some(42));
    client
        .submit_fulfillment_order_status_update("ERP-4", FulfillmentOrderStatus::Processing)
        .await
        .unwrap();
    let err = client.cancel_fulfillment_order("ERP-4").await.unwrap_err();
    assert_eq!(err.platform_code(), Some("InvalidInput"));
    assert!(err.request_id().is_some());
    // An id that would not round-trip through SP-API paths is refused before sending.
    let err = connector
        .order_placement()
        .unwrap()
        .place(&draft("ERP+6", "SKU-1", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn a_lost_create_answer_is_reconciled_without_a_duplicate() {
    let (sandbox, client) = start().await;
    sandbox.sim.seed_inventory("SKU-1", "Mug", 5);
    sandbox.sim.drop_next_create_answer();
    let req = convert::draft_to_create(
        &draft("ERP-9", "SKU-1", 1),
        &Default::default(),
        chrono::Utc::now(),
    )
    .unwrap();
    let outcome = client.create_fulfillment_order(&req).await.unwrap();
    match outcome {
        CreateOutcome::FoundAfterLostAnswer { order, .. } => {
            assert_eq!(order.fulfillment_order.seller_fulfillment_order_id, "ERP-9");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sandbox.sim.order_count(), 1);
    assert_eq!(sandbox.sim.fulfillable("SKU-1"), Some(4));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let (sandbox, client) = start().await;
    client.get_features(None).await.unwrap();
    assert_eq!(sandbox.sim.issuer().issued(), 1);
    sandbox.sim.issuer().expire_all();
    client.get_features(None).await.unwrap();
    assert_eq!(sandbox.sim.issuer().issued(), 2);
    sandbox.sim.issuer().revoke_refresh_token(REFRESH_TOKEN);
    sandbox.sim.issuer().expire_all();
    let err = client.get_features(None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: connector_core::AuthErrorKind::InvalidGrant,
                ..
            }
        ),
        "{err:?}"
    );
}
