#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client against the independent simulator (`sandbox-accor-oms`): the whole
//! procure-to-pay flow, through the platform client and through the shared traits.

use accor_oms::model::{
    CartLine, CustomerBlock, MiraklOrderState, OrderOffer, OrderShop, PurchaseOrderRequest,
    ValidateCartRequest,
};
use accor_oms::{AccorClient, AccorConfig, AccorConnector};
use chrono::NaiveDate;
use connector_core::{
    Address, AddressId, AddressKind, Capability, Connector, Customer, Error, ExternalOrderId,
    OfferId, OrderDraft, OrderId, OrderLine, OrderState, Organization, OrganizationId, Person,
    SecretString,
};
use connector_sandbox::Fault;
use rust_decimal_macros::dec;
use sandbox_accor_oms::{AccorSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};

fn client(sb: &AccorSandbox) -> AccorClient {
    AccorClient::new(
        AccorConfig::builder()
            .custom(sb.base_url(), sb.token_url())
            .client_id(SANDBOX_CLIENT_ID)
            .client_secret(SecretString::from(SANDBOX_CLIENT_SECRET))
            .default_shipping_zone("FR-FR")
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn customer(mega: &str) -> CustomerBlock {
    CustomerBlock::new(
        mega,
        "chef@hotel.example",
        "Ann",
        "Chef",
        "AD-1",
        "AD-1",
        "fr_fr",
    )
}

#[tokio::test]
async fn procure_to_pay_against_the_simulator() {
    let sb = AccorSandbox::start().await.unwrap();
    let c = client(&sb);
    c.check().await.unwrap();

    // Prices depend on the customer group and the quantity tier.
    let lines = vec![CartLine::new("35308", 10), CartLine::new("35309", 6)];
    let group = c
        .validate_cart(&ValidateCartRequest::new(
            customer("92320.HB1624"),
            "FR-FR",
            lines.clone(),
        ))
        .await
        .unwrap();
    let other = c
        .validate_cart(&ValidateCartRequest::new(
            customer("75001.XX0001"),
            "FR-FR",
            lines.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(other.unit_price("35308"), Some(dec!(12.4))); // tier price from 10
    assert_eq!(group.unit_price("35308"), Some(dec!(11.78))); // minus 5 % for the group
    let short = group.short_lines(&lines);
    assert_eq!(short.len(), 1);
    assert_eq!(
        (short[0].offer_id.as_str(), short[0].available),
        ("35309", 4)
    );

    // Ordering more than the stock is refused like validate-cart would flag it.
    let too_much = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![OrderOffer::new("35309", 6)],
    );
    let err = c.purchase_order(&too_much).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        err.to_string().contains("exceeds available stock 4"),
        "{err}"
    );

    // Fixed cart, plus a delivery-round supplier with its date.
    let po = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![
            OrderOffer::new("35308", 10).from_shop("2001"),
            OrderOffer::new("35309", 4).from_shop("2001"),
            OrderOffer::new("50500", 2)
                .from_shop("2003")
                .with_instruction("keep cool"),
        ],
    )
    .with_shop(OrderShop::new("2001"))
    .with_shop(
        OrderShop::new("2003")
            .with_delivery_rounds()
            .with_delivery_date(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap())
            .with_instructions("kitchen door"),
    );
    let placed = c.purchase_order(&po).await.unwrap();
    assert_eq!(placed.orders.len(), 2, "one sub-order per supplier");
    assert!(placed.orders[0].order_id.ends_with("-A"));
    assert_eq!(sb.sim().stock(35309), Some(0));
    let sent = &sb.sim().purchase_orders()[0];
    assert_eq!(sent["shops"][1]["delivery_date_selected"], "02/12/2026");

    // Poll to SHIPPED.
    let id = placed.orders[1].order_id.clone();
    let mut seen = Vec::new();
    loop {
        let s = c.status(&id).await.unwrap();
        seen.push(s.order_state.clone());
        if s.order_state == MiraklOrderState::Shipped {
            assert!(s.shipping_tracking.is_some());
            break;
        }
        assert!(seen.len() < 10);
    }
    assert_eq!(seen.first(), Some(&MiraklOrderState::Staging));
    assert_eq!(seen.len(), 6);
}

#[tokio::test]
async fn the_simulator_refuses_a_delivery_round_order_without_a_date() {
    let sb = AccorSandbox::start().await.unwrap();
    let c = client(&sb);
    // The client cannot know the supplier delivers by rounds unless told: the server refuses.
    let po = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![OrderOffer::new("50500", 1)],
    );
    let err = c.purchase_order(&po).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("delivery_date_selected is required"),
        "{err}"
    );
    assert_eq!(sb.sim().stock(50500), Some(40));
}

#[tokio::test]
async fn a_dropped_purchase_order_is_outcome_unknown_and_not_resent() {
    let sb = AccorSandbox::start().await.unwrap();
    let c = client(&sb);
    c.check().await.unwrap();
    sb.sim()
        .faults()
        .inject_for("/oms-api/purchase-order", Fault::DropConnection, 1);
    let po = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![OrderOffer::new("41000", 100)],
    );
    let err = c.purchase_order(&po).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(sb.sim().faults().pending(), 0);
    assert!(sb.sim().purchase_orders().is_empty(), "not resent");
    // validate-cart is retried through a 503.
    sb.sim()
        .faults()
        .inject_for("/oms-api/validate-cart", Fault::Status(503), 1);
    let ok = c
        .validate_cart(&ValidateCartRequest::new(
            customer("92320.HB1624"),
            "FR-FR",
            vec![CartLine::new("41000", 100)],
        ))
        .await
        .unwrap();
    assert_eq!(ok.unit_price("41000"), Some(dec!(0.28)));
}

#[tokio::test]
async fn the_connector_quotes_places_and_tracks() {
    let sb = AccorSandbox::start().await.unwrap();
    let conn = AccorConnector::new(client(&sb));
    assert_eq!(
        conn.capabilities(),
        vec![Capability::OrderPlacement, Capability::OrderTracking]
    );
    conn.check().await.unwrap();
    let mut person = Person::new("Ann", "Chef");
    person.email = Some("chef@hotel.example".into());
    let mut org = Organization::new("Hotel du Port");
    org.id = Some(OrganizationId::new("92320.HB1624").unwrap());
    let mut cust = Customer::new();
    cust.person = Some(person);
    cust.organization = Some(org);
    cust.store = Some("fr_fr".into());
    cust.addresses = vec![Address::by_id(
        AddressId::new("AD-1").unwrap(),
        AddressKind::Delivery,
    )];
    let line = |offer: &str, q| {
        let mut l = OrderLine::new(None, q);
        l.offer_id = Some(OfferId::new(offer).unwrap());
        l
    };
    let mut draft = OrderDraft::new(
        ExternalOrderId::new("ERP-PO-1").unwrap(),
        cust,
        vec![line("41000", dec!(200)), line("50500", dec!(1))],
    );
    draft.requested_delivery = NaiveDate::from_ymd_opt(2026, 12, 3);
    draft.comment = Some("Reception desk".into());

    let placement = conn.order_placement().unwrap();
    let quote = placement.quote(&draft).await.unwrap();
    assert!(quote.is_fulfillable(), "{quote:?}");
    assert_eq!(quote.lines[0].unit_price.unwrap().amount, dec!(0.28));
    assert_eq!(quote.total.unwrap().amount, dec!(77.37)); // 200 x 0.28 + 22.50 - 5 % (21.37)
    assert_eq!(quote.shipping.unwrap().amount, dec!(9.9)); // soap under 150 EUR; rounds free
    let placed = placement.place(&draft).await.unwrap();
    assert_eq!(placed.order_ids.len(), 2);
    assert_eq!(placed.status.state, OrderState::Pending);
    let sent = &sb.sim().purchase_orders()[0];
    assert_eq!(sent["shops"][0]["delivery_date_selected"], "03/12/2026");
    assert_eq!(sent["shops"][0]["delivery_instructions"], "Reception desk");

    let tracking = conn.order_tracking().unwrap();
    let order = tracking.order(&placed.order_ids[0]).await.unwrap();
    assert_eq!(order.status.state, OrderState::Pending);
    let order = tracking.order(&placed.order_ids[0]).await.unwrap();
    assert_eq!(order.status.state, OrderState::AwaitingAcceptance);
    let err = tracking
        .order(&OrderId::new("P2P-999999-Z").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn the_simulator_counts_repeated_offer_lines_against_the_stock() {
    // Offer 35309 has 4 units. Two lines of 3 fit one by one but not together: the simulator
    // must refuse the order (400), not take 6 units or fall over.
    let sb = AccorSandbox::start().await.unwrap();
    let c = client(&sb);
    let po = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![OrderOffer::new("35309", 3), OrderOffer::new("35309", 3)],
    );
    let err = c.purchase_order(&po).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("35309"), "{err}");
    assert_eq!(sb.sim().stock(35309), Some(4));
    assert!(sb.sim().purchase_orders().is_empty());

    // Two lines of 2 fit: both are taken from the stock.
    let po = PurchaseOrderRequest::new(
        customer("92320.HB1624"),
        "FR-FR",
        vec![OrderOffer::new("35309", 2), OrderOffer::new("35309", 2)],
    );
    let placed = c.purchase_order(&po).await.unwrap();
    assert_eq!(placed.orders.len(), 1);
    assert_eq!(placed.orders[0].order_lines.len(), 2);
    assert_eq!(sb.sim().stock(35309), Some(0));
}
