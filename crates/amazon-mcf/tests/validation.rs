//! Client-side validation rules and the status mapping, without a server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use amazon_mcf::convert::{self, PlacementDefaults};
use amazon_mcf::model::Address;
use amazon_mcf::model::outbound::{
    CreateFulfillmentOrderItem, CreateFulfillmentOrderRequest, DeliveryPreferences, DeliveryWindow,
    DropOffLocation, DropOffLocationType, FeatureFulfillmentPolicy, FeatureSettings,
    FulfillmentAction, FulfillmentOrderStatus, FulfillmentPolicy, GetFulfillmentPreviewItem,
    GetFulfillmentPreviewRequest, PaymentInformation, ShippingSpeedCategory,
    UpdateFulfillmentOrderItem, UpdateFulfillmentOrderRequest,
};
use amazon_mcf::validation;
use chrono::{TimeZone, Utc};
use connector_core::{
    AddressKind, Customer, Error, ExternalOrderId, OrderDraft, OrderLine, OrderState, Person, Sku,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn field_of(r: Result<(), Error>) -> String {
    match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn base() -> CreateFulfillmentOrderRequest {
    CreateFulfillmentOrderRequest::new(
        "ERP-1",
        "ERP-1",
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        "Thanks",
        ShippingSpeedCategory::Standard,
        Address::new("Jane", "1 Main St", Some("Seattle".into()), "98101", "US"),
        vec![CreateFulfillmentOrderItem::new("SKU-1", "1", 1)],
    )
}

#[test]
fn a_good_order_passes() {
    validation::create_order(&base()).unwrap();
}

#[test]
fn order_ids_that_do_not_round_trip_are_refused() {
    for bad in [
        "",
        "A+B",
        "A#B",
        "A/B",
        "A%B",
        "A?B",
        " A",
        "A ",
        "A  B",
        "Ā",
        &"x".repeat(41),
    ] {
        let mut r = base();
        r.seller_fulfillment_order_id = bad.to_string();
        assert_eq!(
            field_of(validation::create_order(&r)),
            "sellerFulfillmentOrderId",
            "{bad:?}"
        );
    }
    let mut r = base();
    r.seller_fulfillment_order_id = "ERP 2026_01.a-b".into();
    validation::create_order(&r).unwrap();
}

#[test]
fn lengths_counts_and_units() {
    let mut r = base();
    r.displayable_order_id = "A  B".into();
    assert_eq!(field_of(validation::create_order(&r)), "displayableOrderId");
    let mut r = base();
    r.displayable_order_comment = "x".repeat(751);
    assert_eq!(
        field_of(validation::create_order(&r)),
        "displayableOrderComment"
    );
    let mut r = base();
    r.displayable_order_comment = String::new();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "displayableOrderComment"
    );
    let mut r = base();
    r.items = (0..101)
        .map(|i| CreateFulfillmentOrderItem::new("S", i.to_string(), 1))
        .collect();
    assert_eq!(field_of(validation::create_order(&r)), "items");
    let mut r = base();
    r.items = vec![];
    assert_eq!(field_of(validation::create_order(&r)), "items");
    let mut r = base();
    r.items = vec![
        CreateFulfillmentOrderItem::new("S", "1", 125),
        CreateFulfillmentOrderItem::new("T", "2", 125),
    ];
    validation::create_order(&r).unwrap(); // exactly 250 units
    r.items[1].quantity = 126;
    assert_eq!(field_of(validation::create_order(&r)), "items");
    let mut r = base();
    r.items[0].quantity = 0;
    assert_eq!(field_of(validation::create_order(&r)), "items[0].quantity");
    let mut r = base();
    r.items.push(CreateFulfillmentOrderItem::new("T", "1", 1));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[1].sellerFulfillmentOrderItemId"
    );
    let mut r = base();
    r.items[0].seller_sku = "s".repeat(51);
    assert_eq!(field_of(validation::create_order(&r)), "items[0].sellerSku");
    let mut r = base();
    r.items[0].gift_message = Some("g".repeat(513));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[0].giftMessage"
    );
    let mut r = base();
    r.items[0].displayable_comment = Some("c".repeat(251));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[0].displayableComment"
    );
    let mut r = base();
    r.items[0].per_unit_declared_value = Some(amazon_mcf::model::AmazonMoney::new(dec!(-1), "USD"));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[0].perUnitDeclaredValue.value"
    );
    let mut r = base();
    r.items[0].per_unit_declared_value = Some(amazon_mcf::model::AmazonMoney::new(dec!(1), "usd"));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[0].perUnitDeclaredValue.currencyCode"
    );
    let mut r = base();
    r.notification_emails = vec!["not-an-email".into()];
    assert_eq!(
        field_of(validation::create_order(&r)),
        "notificationEmails[0]"
    );
}

#[test]
fn address_rules() {
    let mut r = base();
    r.destination_address.postal_code = " ".into();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "destinationAddress.postalCode"
    );
    let mut r = base();
    r.destination_address.country_code = "USA".into();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "destinationAddress.countryCode"
    );
    let mut r = base();
    r.destination_address.name = String::new();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "destinationAddress.name"
    );
    // Japan: no city; elsewhere a city is required.
    let mut r = base();
    r.destination_address.country_code = "JP".into();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "destinationAddress.city"
    );
    r.destination_address.city = None;
    validation::create_order(&r).unwrap();
}

#[test]
fn scheduled_delivery_rules() {
    let start = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    let mut r = base();
    r.shipping_speed_category = ShippingSpeedCategory::ScheduledDelivery;
    assert_eq!(
        field_of(validation::create_order(&r)),
        "shippingSpeedCategory"
    ); // US
    r.destination_address.country_code = "JP".into();
    r.destination_address.city = None;
    assert_eq!(field_of(validation::create_order(&r)), "deliveryWindow");
    r.delivery_window = Some(DeliveryWindow::new(start, start));
    assert_eq!(
        field_of(validation::create_order(&r)),
        "deliveryWindow.endDate"
    );
    r.delivery_window = Some(DeliveryWindow::new(
        start,
        start + chrono::Duration::hours(3),
    ));
    r.fulfillment_action = Some(FulfillmentAction::Hold);
    assert_eq!(field_of(validation::create_order(&r)), "fulfillmentAction");
    r.fulfillment_action = Some(FulfillmentAction::Ship);
    validation::create_order(&r).unwrap();
}

#[test]
fn preview_and_update_rules() {
    let addr = Address::new("Jane", "1 Main St", Some("Seattle".into()), "98101", "US");
    let p = GetFulfillmentPreviewRequest::new(
        addr.clone(),
        vec![GetFulfillmentPreviewItem::new("S", "1", 251)],
    );
    assert_eq!(field_of(validation::preview(&p)), "items");
    let p = GetFulfillmentPreviewRequest::new(addr, vec![]);
    assert_eq!(field_of(validation::preview(&p)), "items");
    let mut u = UpdateFulfillmentOrderRequest::new();
    validation::update_order(&u).unwrap();
    u.items = vec![UpdateFulfillmentOrderItem::new("x".repeat(51), 1)];
    assert_eq!(
        field_of(validation::update_order(&u)),
        "items[0].sellerFulfillmentOrderItemId"
    );
}

#[test]
fn statuses_map_to_shared_states_and_keep_the_raw_value() {
    let cases = [
        ("New", OrderState::Pending),
        ("Received", OrderState::Pending),
        ("Planning", OrderState::Processing),
        ("Processing", OrderState::Processing),
        ("Complete", OrderState::Shipped),
        ("CompletePartialled", OrderState::PartiallyShipped),
        ("Cancelled", OrderState::Cancelled),
        ("Unfulfillable", OrderState::Rejected),
        ("Invalid", OrderState::Rejected),
        ("OnTheMoon", OrderState::Unknown),
    ];
    for (raw, state) in cases {
        let s = convert::order_status(&FulfillmentOrderStatus::parse(raw));
        assert_eq!(s.state, state, "{raw}");
        assert_eq!(s.raw, raw);
    }
    assert_eq!(
        FulfillmentOrderStatus::parse("COMPLETE_PARTIALLED"),
        FulfillmentOrderStatus::CompletePartialled
    );
    assert_eq!(
        serde_json::to_string(&FulfillmentOrderStatus::parse("RECEIVED")).unwrap(),
        "\"Received\""
    );
    assert_eq!(
        serde_json::to_string(&FulfillmentOrderStatus::parse("OnTheMoon")).unwrap(),
        "\"OnTheMoon\""
    );
}

#[test]
fn drafts_become_requests_with_money_as_strings() {
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut line = OrderLine::new(Some(Sku::new("MUG 1").unwrap()), Decimal::from(2));
    line.unit_price = Some(connector_core::Money::new(
        dec!(12.50),
        connector_core::Currency::USD,
    ));
    let mut d = OrderDraft::new(ExternalOrderId::new("ERP-5").unwrap(), customer, vec![line]);
    let mut a = connector_core::Address::postal(
        AddressKind::Delivery,
        "x",
        "1 Main St",
        "Seattle",
        "98101",
        "us",
    );
    a.name = None;
    a.lines.push("Apt 4".into());
    d.shipping_address = Some(a);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let r = convert::draft_to_create(&d, &PlacementDefaults::default(), now).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["destinationAddress"]["name"], "Jane Doe");
    assert_eq!(v["destinationAddress"]["countryCode"], "US");
    assert_eq!(v["destinationAddress"]["addressLine2"], "Apt 4");
    assert_eq!(v["displayableOrderDate"], "2026-11-24T12:00:00Z");
    assert_eq!(v["items"][0]["sellerFulfillmentOrderItemId"], "1");
    assert_eq!(
        v["items"][0]["perUnitDeclaredValue"],
        serde_json::json!({"currencyCode": "USD", "value": "12.50"})
    );
    assert_eq!(v["fulfillmentPolicy"], "FillOrKill");
    // Fractional quantities and missing SKUs are refused with the field named.
    d.lines[0].quantity = dec!(1.5);
    assert!(
        matches!(convert::draft_to_create(&d, &PlacementDefaults::default(), now), Err(Error::InvalidInput { field, .. }) if field == "lines[0].quantity")
    );
    d.lines[0].quantity = dec!(1);
    d.lines[0].sku = None;
    assert!(
        matches!(convert::draft_to_create(&d, &PlacementDefaults::default(), now), Err(Error::InvalidInput { field, .. }) if field == "lines[0].sku")
    );
    d.lines[0].sku = Some(Sku::new("MUG 1").unwrap());
    // Three lines fit addressLine1..3; a fourth is refused, not dropped.
    let lines = &mut d.shipping_address.as_mut().unwrap().lines;
    lines.push("Building C".into());
    let v = serde_json::to_value(
        convert::draft_to_create(&d, &PlacementDefaults::default(), now).unwrap(),
    )
    .unwrap();
    assert_eq!(v["destinationAddress"]["addressLine3"], "Building C");
    d.shipping_address
        .as_mut()
        .unwrap()
        .lines
        .push("Floor 2".into());
    assert!(
        matches!(convert::draft_to_create(&d, &PlacementDefaults::default(), now), Err(Error::InvalidInput { field, .. }) if field == "shipping_address.lines")
    );
    assert!(
        matches!(convert::draft_to_preview(&d, &PlacementDefaults::default()), Err(Error::InvalidInput { field, .. }) if field == "shipping_address.lines")
    );
    d.shipping_address = None;
    assert!(
        matches!(convert::draft_to_create(&d, &PlacementDefaults::default(), now), Err(Error::InvalidInput { field, .. }) if field == "shipping_address")
    );
}

#[test]
fn exactly_100_lines_pass_and_the_101st_is_refused() {
    let mut r = base();
    r.items = (0..100)
        .map(|i| CreateFulfillmentOrderItem::new("S", i.to_string(), 1))
        .collect();
    validation::create_order(&r).unwrap();
    r.items
        .push(CreateFulfillmentOrderItem::new("S", "100".to_string(), 1));
    assert_eq!(field_of(validation::create_order(&r)), "items");
}

#[test]
fn ship_from_country_code_is_iso_alpha_2_on_create_and_update() {
    for bad in ["USA", "us", "U", ""] {
        let mut r = base();
        r.ship_from_country_code = Some(bad.into());
        assert_eq!(
            field_of(validation::create_order(&r)),
            "shipFromCountryCode",
            "{bad:?}"
        );
        let mut u = UpdateFulfillmentOrderRequest::new();
        u.ship_from_country_code = Some(bad.into());
        assert_eq!(
            field_of(validation::update_order(&u)),
            "shipFromCountryCode",
            "{bad:?}"
        );
    }
    let mut r = base();
    r.ship_from_country_code = Some("CA".into());
    validation::create_order(&r).unwrap();
}

#[test]
fn india_needs_payment_information_and_declared_values() {
    let mut r = base();
    r.marketplace_id = Some(validation::INDIA_MARKETPLACE_ID.into());
    r.destination_address = Address::new("Asha", "12 MG Road", Some("Pune".into()), "411001", "IN");
    assert_eq!(field_of(validation::create_order(&r)), "paymentInformation");
    r.payment_information = vec![PaymentInformation::new(
        "",
        "Other",
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
    )];
    assert_eq!(
        field_of(validation::create_order(&r)),
        "paymentInformation[0].paymentTransactionId"
    );
    r.payment_information[0].payment_transaction_id = "pay-1".into();
    assert_eq!(
        field_of(validation::create_order(&r)),
        "items[0].perUnitDeclaredValue"
    );
    r.items[0].per_unit_declared_value = Some(amazon_mcf::model::AmazonMoney::new(dec!(10), "INR"));
    validation::create_order(&r).unwrap();
    // Elsewhere neither is required.
    validation::create_order(&base()).unwrap();
}

#[test]
fn update_refuses_hold_with_scheduled_delivery_and_bad_money() {
    let mut u = UpdateFulfillmentOrderRequest::new();
    u.shipping_speed_category = Some(ShippingSpeedCategory::ScheduledDelivery);
    u.fulfillment_action = Some(FulfillmentAction::Hold);
    assert_eq!(field_of(validation::update_order(&u)), "fulfillmentAction");
    u.fulfillment_action = Some(FulfillmentAction::Ship);
    validation::update_order(&u).unwrap();
    let mut u = UpdateFulfillmentOrderRequest::new();
    let mut item = UpdateFulfillmentOrderItem::new("1", 2);
    item.per_unit_price = Some(amazon_mcf::model::AmazonMoney::new(dec!(-0.01), "JPY"));
    u.items = vec![item];
    assert_eq!(
        field_of(validation::update_order(&u)),
        "items[0].perUnitPrice.value"
    );
}

#[test]
fn inventory_summaries_read_null_arrays_as_empty() {
    let page: amazon_mcf::model::inventory::GetInventorySummariesResponse = serde_json::from_str(
        r#"{"payload":{"granularity":{"granularityType":"Marketplace","granularityId":"ATVPDKIKX0DER"},
          "inventorySummaries":[{"asin":"B0X","fnSku":"X0Y","sellerSku":"MUG-1","condition":"NewItem",
            "inventoryDetails":{"fulfillableQuantity":4,"researchingQuantity":{"totalResearchingQuantity":0,"researchingQuantityBreakdown":null}},
            "lastUpdatedTime":"2026-11-20T10:00:00Z","productName":"Mug","totalQuantity":4,"stores":null}]},
          "pagination":{"nextToken":null}}"#,
    )
    .unwrap();
    let s = &page.payload.as_ref().unwrap().inventory_summaries[0];
    assert!(s.stores.is_empty());
    assert!(
        s.inventory_details
            .as_ref()
            .unwrap()
            .researching_quantity
            .as_ref()
            .unwrap()
            .researching_quantity_breakdown
            .is_empty()
    );
    let empty: amazon_mcf::model::inventory::GetInventorySummariesResponse =
        serde_json::from_str(r#"{"payload":{"granularity":{},"inventorySummaries":null}}"#)
            .unwrap();
    assert!(empty.payload.unwrap().inventory_summaries.is_empty());
}

/// The value and field an unknown enum value is refused with.
fn refusal(r: Result<(), Error>) -> (String, String) {
    match r {
        Err(Error::InvalidInput { field, rule }) => (field, rule),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn unknown_enum_values_are_read_but_never_written() {
    // Create: every enum of the body.
    let mut r = base();
    r.shipping_speed_category = ShippingSpeedCategory::parse("Warp");
    let (f, rule) = refusal(validation::create_order(&r));
    assert_eq!(f, "shippingSpeedCategory");
    assert!(
        rule.contains("`Warp`") && rule.contains("Standard"),
        "{rule}"
    );
    let mut r = base();
    r.fulfillment_action = Some(FulfillmentAction::parse("Later"));
    assert_eq!(refusal(validation::create_order(&r)).0, "fulfillmentAction");
    let mut r = base();
    r.fulfillment_policy = Some(FulfillmentPolicy::parse("Maybe"));
    let (f, rule) = refusal(validation::create_order(&r));
    assert_eq!(f, "fulfillmentPolicy");
    assert!(rule.contains("`Maybe`"), "{rule}");
    let mut r = base();
    r.feature_constraints = vec![
        FeatureSettings::new(
            FeatureSettings::BLANK_BOX,
            FeatureFulfillmentPolicy::Required,
        ),
        FeatureSettings::new("OVERBOX", FeatureFulfillmentPolicy::parse("Sometimes")),
    ];
    let (f, rule) = refusal(validation::create_order(&r));
    assert_eq!(f, "featureConstraints[1].featureFulfillmentPolicy");
    assert!(rule.contains("`Sometimes`"), "{rule}");
    let mut r = base();
    r.feature_constraints = vec![FeatureSettings::new("", FeatureFulfillmentPolicy::Required)];
    assert_eq!(
        refusal(validation::create_order(&r)).0,
        "featureConstraints[0].featureName"
    );
    let mut r = base();
    let mut prefs = DeliveryPreferences::default();
    prefs.drop_off_location = Some(DropOffLocation::new(DropOffLocationType::parse("PORCH")));
    r.delivery_preferences = Some(prefs);
    let (f, rule) = refusal(validation::create_order(&r));
    assert_eq!(f, "deliveryPreferences.dropOffLocation.type");
    assert!(
        rule.contains("`PORCH`") && rule.contains("FRONT_DOOR"),
        "{rule}"
    );
    // A known value in any spelling passes and is written as the model spells it.
    let mut r = base();
    let mut prefs = DeliveryPreferences::default();
    prefs.drop_off_location = Some(DropOffLocation::new(DropOffLocationType::parse(
        "front_door",
    )));
    r.delivery_preferences = Some(prefs);
    r.fulfillment_policy = Some(FulfillmentPolicy::parse("fillall"));
    validation::create_order(&r).unwrap();
    let body = serde_json::to_value(&r).unwrap();
    assert_eq!(
        body["deliveryPreferences"]["dropOffLocation"]["type"],
        "FRONT_DOOR"
    );
    assert_eq!(body["fulfillmentPolicy"], "FillAll");

    // Preview.
    let mut p = GetFulfillmentPreviewRequest::new(
        Address::new("Jane", "1 Main St", Some("Seattle".into()), "98101", "US"),
        vec![GetFulfillmentPreviewItem::new("SKU-1", "1", 1)],
    );
    p.shipping_speed_categories = vec![
        ShippingSpeedCategory::Standard,
        ShippingSpeedCategory::parse("Warp"),
    ];
    assert_eq!(
        refusal(validation::preview(&p)).0,
        "shippingSpeedCategories[1]"
    );
    p.shipping_speed_categories = vec![ShippingSpeedCategory::Priority];
    p.feature_constraints = vec![FeatureSettings::new(
        "BLOCK_AMZL",
        FeatureFulfillmentPolicy::parse("Often"),
    )];
    assert_eq!(
        refusal(validation::preview(&p)).0,
        "featureConstraints[0].featureFulfillmentPolicy"
    );

    // Update.
    for (up, field) in [
        (
            {
                let mut u = UpdateFulfillmentOrderRequest::new();
                u.shipping_speed_category = Some(ShippingSpeedCategory::parse("Warp"));
                u
            },
            "shippingSpeedCategory",
        ),
        (
            {
                let mut u = UpdateFulfillmentOrderRequest::new();
                u.fulfillment_action = Some(FulfillmentAction::parse("Later"));
                u
            },
            "fulfillmentAction",
        ),
        (
            {
                let mut u = UpdateFulfillmentOrderRequest::new();
                u.fulfillment_policy = Some(FulfillmentPolicy::parse("Maybe"));
                u
            },
            "fulfillmentPolicy",
        ),
        (
            {
                let mut u = UpdateFulfillmentOrderRequest::new();
                u.feature_constraints = vec![FeatureSettings::new(
                    "BLANK_BOX",
                    FeatureFulfillmentPolicy::parse("Sometimes"),
                )];
                u
            },
            "featureConstraints[0].featureFulfillmentPolicy",
        ),
    ] {
        assert_eq!(refusal(validation::update_order(&up)).0, field);
    }
    assert!(!FulfillmentOrderStatus::parse("Teleported").is_known());
    assert!(FulfillmentOrderStatus::parse("complete").is_known());
}
