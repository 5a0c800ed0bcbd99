//! Every Fulfillment Outbound and FBA Inventory operation against wiremock: exact method,
//! path, query, headers (`x-amz-access-token`, User-Agent) and body; realistic answers and
//! error answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use amazon_mcf::model::Address;
use amazon_mcf::model::outbound::{
    Amount, CreateFulfillmentOrderItem, CreateFulfillmentOrderRequest,
    CreateFulfillmentReturnRequest, CreateReturnItem, CurrentStatus, FeatureFulfillmentPolicy,
    FeatureSettings, FulfillmentAction, FulfillmentOrderStatus, FulfillmentPolicy,
    FulfillmentShipmentStatus, GetDeliveryOffersRequest, GetFulfillmentPreviewItem,
    GetFulfillmentPreviewRequest, InvalidItemReasonCode, PaymentInformation, ShippingSpeedCategory,
    UpdateFulfillmentOrderRequest, VariablePrecisionAddress,
};
use amazon_mcf::{CreateOutcome, InventoryQuery, ReturnReasonCodesQuery};
use chrono::{TimeZone, Utc};
use common::*;
use connector_core::{Error, ManualClock};
use futures::TryStreamExt;
use rust_decimal_macros::dec;
use serde_json::json;
use wiremock::matchers::{body_json, query_param, query_param_is_missing};
use wiremock::{MockServer, Request};

fn address() -> Address {
    let mut a = Address::new(
        "Jane Doe",
        "1 Main St",
        Some("Seattle".into()),
        "98101",
        "US",
    );
    a.state_or_region = Some("WA".into());
    a.phone = Some("+1 206 555 0100".into());
    a
}

fn address_json() -> serde_json::Value {
    json!({"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Seattle", "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US", "phone": "+1 206 555 0100"})
}

fn raw_query(expected: &'static str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |r: &Request| r.url.query() == Some(expected)
}

fn order_request() -> CreateFulfillmentOrderRequest {
    let mut item = CreateFulfillmentOrderItem::new("SKU 1+A", "line-1", 2);
    item.per_unit_declared_value = Some(amazon_mcf::model::AmazonMoney::new(dec!(18.90), "USD"));
    item.gift_message = Some("Happy birthday".into());
    let mut r = CreateFulfillmentOrderRequest::new(
        "ERP-10001",
        "ERP-10001",
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        "Thank you for your order.",
        ShippingSpeedCategory::Standard,
        address(),
        vec![item, CreateFulfillmentOrderItem::new("MUG-2", "line-2", 1)],
    );
    r.fulfillment_action = Some(FulfillmentAction::Ship);
    r.fulfillment_policy = Some(FulfillmentPolicy::FillOrKill);
    r.notification_emails = vec!["jane@example.com".into()];
    r.feature_constraints = vec![FeatureSettings::new(
        FeatureSettings::BLANK_BOX,
        FeatureFulfillmentPolicy::Required,
    )];
    r
}

fn order_request_json() -> serde_json::Value {
    json!({
        "marketplaceId": "ATVPDKIKX0DER",
        "sellerFulfillmentOrderId": "ERP-10001",
        "displayableOrderId": "ERP-10001",
        "displayableOrderDate": "2026-11-20T10:00:00Z",
        "displayableOrderComment": "Thank you for your order.",
        "shippingSpeedCategory": "Standard",
        "destinationAddress": address_json(),
        "fulfillmentAction": "Ship",
        "fulfillmentPolicy": "FillOrKill",
        "notificationEmails": ["jane@example.com"],
        "featureConstraints": [{"featureName": "BLANK_BOX", "featureFulfillmentPolicy": "Required"}],
        "items": [
            {"sellerSku": "SKU 1+A", "sellerFulfillmentOrderItemId": "line-1", "quantity": 2, "giftMessage": "Happy birthday", "perUnitDeclaredValue": {"currencyCode": "USD", "value": "18.90"}},
            {"sellerSku": "MUG-2", "sellerFulfillmentOrderItemId": "line-2", "quantity": 1}
        ]
    })
}

const ORDER_BODY: &str = r#"{"payload":{
  "fulfillmentOrder":{"sellerFulfillmentOrderId":"ERP 1","marketplaceId":"ATVPDKIKX0DER","displayableOrderId":"ERP 1",
    "displayableOrderDate":"2026-11-20T10:00:00Z","displayableOrderComment":"Thanks","shippingSpeedCategory":"Expedited",
    "destinationAddress":{"name":"Jane Doe","addressLine1":"1 Main St","city":"Seattle","stateOrRegion":"WA","postalCode":"98101","countryCode":"US"},
    "fulfillmentAction":"Ship","fulfillmentPolicy":"FillOrKill","receivedDate":"2026-11-20T10:00:05Z",
    "fulfillmentOrderStatus":"PROCESSING","statusUpdatedDate":"2026-11-20T12:30:00Z","notificationEmails":[],
    "someFutureField":{"x":1}},
  "fulfillmentOrderItems":[{"sellerSku":"SKU 1+A","sellerFulfillmentOrderItemId":"line-1","quantity":2,"fulfillmentNetworkSku":"X0014BIZ8T",
    "orderItemDisposition":"Sellable","cancelledQuantity":0,"unfulfillableQuantity":0,"estimatedShipDate":"2026-11-21T10:00:00Z",
    "estimatedArrivalDate":"2026-11-24T10:00:00Z","perUnitDeclaredValue":{"currencyCode":"USD","value":"18.90"}}],
  "fulfillmentShipments":[{"amazonShipmentId":"DchKfcZ9N","fulfillmentCenterId":"RNO1","fulfillmentShipmentStatus":"SHIPPED",
    "shippingDate":"2026-11-21T08:00:00Z","estimatedArrivalDate":"2026-11-24T10:00:00Z",
    "fulfillmentShipmentItem":[{"sellerSku":"SKU 1+A","sellerFulfillmentOrderItemId":"line-1","quantity":2,"packageNumber":1001,"serialNumber":"a1b2c"}],
    "fulfillmentShipmentPackage":[{"packageNumber":1001,"carrierCode":"UPS","trackingNumber":"1Z999AA10123456784","estimatedArrivalDate":"2026-11-24T10:00:00Z"}]}],
  "returnItems":[],"returnAuthorizations":[]}}"#;

#[tokio::test]
async fn get_fulfillment_preview_sends_the_request_and_decodes_previews() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders/preview"))
        .and(body_json(json!({
            "marketplaceId": "ATVPDKIKX0DER",
            "address": address_json(),
            "items": [{"sellerSku": "SKU 1+A", "quantity": 2, "sellerFulfillmentOrderItemId": "line-1"}],
            "shippingSpeedCategories": ["Standard", "Priority"],
            "includeCODFulfillmentPreview": false
        })))
        .respond_with(amazon(200, r#"{"payload":{"fulfillmentPreviews":[
          {"shippingSpeedCategory":"Standard","isFulfillable":true,"isCODCapable":false,"marketplaceId":"ATVPDKIKX0DER",
           "estimatedShippingWeight":{"unit":"POUNDS","value":"1.10"},
           "estimatedFees":[{"name":"FBAPerUnitFulfillmentFee","amount":{"currencyCode":"USD","value":"6.44"}},
                            {"name":"FBAPerOrderFulfillmentFee","amount":{"currencyCode":"USD","value":"2.99"}}],
           "fulfillmentPreviewShipments":[{"earliestShipDate":"2026-11-21T07:00:00Z","latestShipDate":"2026-11-22T06:59:59Z",
             "earliestArrivalDate":"2026-11-25T08:00:00Z","latestArrivalDate":"2026-11-27T07:59:59Z","shippingNotes":[],
             "fulfillmentPreviewItems":[{"sellerSku":"SKU 1+A","quantity":2,"sellerFulfillmentOrderItemId":"line-1",
               "estimatedShippingWeight":{"unit":"POUNDS","value":"0.55"},"shippingWeightCalculationMethod":"Package"}]}],
           "unfulfillablePreviewItems":[],"orderUnfulfillableReasons":[]},
          {"shippingSpeedCategory":"Priority","isFulfillable":false,"isCODCapable":false,"marketplaceId":"ATVPDKIKX0DER",
           "unfulfillablePreviewItems":[{"sellerSku":"SKU 1+A","quantity":2,"sellerFulfillmentOrderItemId":"line-1","itemUnfulfillableReasons":["InventoryUnavailable"]}],
           "orderUnfulfillableReasons":["DeliverySLAUnavailable"]}]}}"#))
        .expect(1)
        .named("preview")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let mut req = GetFulfillmentPreviewRequest::new(
        address(),
        vec![GetFulfillmentPreviewItem::new("SKU 1+A", "line-1", 2)],
    );
    req.shipping_speed_categories = vec![
        ShippingSpeedCategory::Standard,
        ShippingSpeedCategory::Priority,
    ];
    req.include_cod_fulfillment_preview = Some(false);
    let previews = client(&server, &clock)
        .get_fulfillment_preview(&req)
        .await
        .unwrap();
    assert_eq!(previews.len(), 2);
    assert!(previews[0].is_fulfillable);
    assert_eq!(previews[0].estimated_fees[0].amount.value, dec!(6.44));
    assert_eq!(
        previews[0]
            .estimated_shipping_weight
            .as_ref()
            .unwrap()
            .value,
        dec!(1.10)
    );
    assert_eq!(
        previews[0].fulfillment_preview_shipments[0].earliest_arrival_date,
        Some(Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap())
    );
    assert_eq!(
        previews[1].order_unfulfillable_reasons,
        vec!["DeliverySLAUnavailable"]
    );
    assert_eq!(
        previews[1].unfulfillable_preview_items[0].item_unfulfillable_reasons,
        vec!["InventoryUnavailable"]
    );
}

#[tokio::test]
async fn delivery_offers_sends_product_and_terms() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/deliveryOffers"))
        .and(body_json(json!({
            "product": {"productIdentifier": {"merchantSku": "MUG-2"}, "amount": {"unitOfMeasure": "Eaches", "value": "1"}},
            "terms": {"origin": {"countryCode": "US"}, "destination": {"deliveryAddress": {"postalCode": "98101", "countryCode": "US"}}}
        })))
        .respond_with(amazon(200, r#"{"payload":{"deliveryOffers":[{"expiresAt":"2026-11-21T10:00:00Z",
          "dateRange":{"earliest":"2026-11-22T10:00:00Z","latest":"2026-11-24T10:00:00Z"},
          "policy":{"message":{"text":"Get it Sunday","locale":"en-US"}}}]}}"#))
        .expect(1)
        .named("deliveryOffers")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let mut req =
        GetDeliveryOffersRequest::new("MUG-2", "US", VariablePrecisionAddress::new("98101", "US"));
    req.product.amount = Some(Amount::eaches(dec!(1)));
    let offers = client(&server, &clock).delivery_offers(&req).await.unwrap();
    assert_eq!(offers.delivery_offers.len(), 1);
    let o = &offers.delivery_offers[0];
    assert_eq!(
        o.policy
            .as_ref()
            .unwrap()
            .message
            .as_ref()
            .unwrap()
            .text
            .as_deref(),
        Some("Get it Sunday")
    );
    assert_eq!(
        o.date_range.as_ref().unwrap().latest,
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
    );
}

#[tokio::test]
async fn create_fulfillment_order_sends_the_exact_body() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .and(wiremock::matchers::header(
            "content-type",
            "application/json",
        ))
        .and(body_json(order_request_json()))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("create")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let outcome = client(&server, &clock)
        .create_fulfillment_order(&order_request())
        .await
        .unwrap();
    assert_eq!(outcome, CreateOutcome::Accepted);
}

#[tokio::test]
async fn create_400_is_an_api_error_with_code_and_request_id_and_is_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .respond_with(amazon(
            400,
            r#"{"errors":[{"code":"InvalidInput","message":"The SellerSKU for Item Id line-2 is invalid","details":""}]}"#,
        ))
        .expect(1)
        .named("create 400")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .create_fulfillment_order(&order_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.platform_code(), Some("InvalidInput"));
    assert_eq!(err.request_id(), Some("req-0001"));
    assert!(err.to_string().contains("line-2 is invalid"), "{err}");
}

#[tokio::test]
async fn get_fulfillment_order_encodes_the_id_once_and_decodes_everything() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP%201"))
        .respond_with(amazon(200, ORDER_BODY))
        .expect(1)
        .named("get order")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let r = client(&server, &clock)
        .get_fulfillment_order("ERP 1")
        .await
        .unwrap();
    let o = &r.fulfillment_order;
    // The example spelling `PROCESSING` decodes to the schema's `Processing`.
    assert_eq!(
        o.fulfillment_order_status,
        FulfillmentOrderStatus::Processing
    );
    assert_eq!(o.shipping_speed_category, ShippingSpeedCategory::Expedited);
    assert_eq!(o.extra["someFutureField"], json!({"x": 1}));
    assert_eq!(
        r.fulfillment_order_items[0]
            .per_unit_declared_value
            .as_ref()
            .unwrap()
            .value,
        dec!(18.90)
    );
    let s = &r.fulfillment_shipments[0];
    assert_eq!(
        s.fulfillment_shipment_status,
        FulfillmentShipmentStatus::Shipped
    );
    assert_eq!(s.fulfillment_shipment_package[0].package_number, 1001);
    assert_eq!(
        s.fulfillment_shipment_package[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
}

#[tokio::test]
async fn awkward_ids_are_percent_encoded_exactly_once() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    for (id, encoded) in [
        ("A B", "A%20B"),
        ("A+B", "A%2BB"),
        ("A#1", "A%231"),
        ("A/B", "A%2FB"),
        ("%41", "%2541"),
    ] {
        api("GET", &format!("{OUT}/fulfillmentOrders/{encoded}"))
            .respond_with(amazon(200, ORDER_BODY))
            .expect(1)
            .named(format!("get {id}"))
            .mount(&server)
            .await;
    }
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    for id in ["A B", "A+B", "A#1", "A/B", "%41"] {
        c.get_fulfillment_order(id).await.unwrap();
    }
}

#[tokio::test]
async fn get_404_is_not_found_with_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/NOPE"))
        .respond_with(amazon(404, r#"{"errors":[{"code":"NotFound","message":"Requested order not found","details":""}]}"#))
        .expect(1)
        .named("404")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .get_fulfillment_order("NOPE")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.request_id(), Some("req-0001"));
    assert_eq!(err.platform_code(), Some("NotFound"));
}

#[tokio::test]
async fn list_all_fulfillment_orders_streams_three_pages_with_encoded_tokens() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let order = |id: &str| {
        format!(
            r#"{{"sellerFulfillmentOrderId":"{id}","marketplaceId":"ATVPDKIKX0DER","displayableOrderId":"{id}","displayableOrderDate":"2026-11-20T10:00:00Z",
            "displayableOrderComment":"c","shippingSpeedCategory":"Standard","destinationAddress":{{"name":"J","addressLine1":"1 Main St","city":"Seattle","postalCode":"98101","countryCode":"US"}},
            "receivedDate":"2026-11-20T10:00:05Z","fulfillmentOrderStatus":"Complete","statusUpdatedDate":"2026-11-21T10:00:00Z"}}"#
        )
    };
    api("GET", &format!("{OUT}/fulfillmentOrders"))
        .and(raw_query("queryStartDate=2026-11-01T00%3A00%3A00Z"))
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"nextToken":"tok+2/==","fulfillmentOrders":[{},{}]}}}}"#,
                order("A"),
                order("B")
            ),
        ))
        .expect(1)
        .named("page 1")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/fulfillmentOrders"))
        .and(raw_query(
            "queryStartDate=2026-11-01T00%3A00%3A00Z&nextToken=tok%2B2%2F%3D%3D",
        ))
        .respond_with(amazon(
            200,
            r#"{"payload":{"nextToken":"tok+3/==","fulfillmentOrders":[]}}"#,
        ))
        .expect(1)
        .named("page 2 (empty but with a token)")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/fulfillmentOrders"))
        .and(query_param("nextToken", "tok+3/=="))
        .respond_with(amazon(
            200,
            &format!(r#"{{"payload":{{"fulfillmentOrders":[{}]}}}}"#, order("C")),
        ))
        .expect(1)
        .named("page 3")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let orders: Vec<_> = client(&server, &clock)
        .list_all_fulfillment_orders(Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = orders
        .iter()
        .map(|o| o.seller_fulfillment_order_id.as_str())
        .collect();
    assert_eq!(ids, ["A", "B", "C"]);
    assert_eq!(
        orders[2].fulfillment_order_status,
        FulfillmentOrderStatus::Complete
    );
}

#[tokio::test]
async fn update_and_cancel_send_puts() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-1"))
        .and(body_json(
            json!({"displayableOrderComment": "Gift", "fulfillmentAction": "Ship"}),
        ))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("update")
        .mount(&server)
        .await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-1/cancel"))
        .and(|r: &Request| r.body.is_empty())
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("cancel")
        .mount(&server)
        .await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-2/cancel"))
        .respond_with(amazon(400, r#"{"errors":[{"code":"InvalidInput","message":"Order is Processing and cannot be cancelled","details":""}]}"#))
        .expect(1)
        .named("cancel refused")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let mut up = UpdateFulfillmentOrderRequest::ship();
    up.displayable_order_comment = Some("Gift".into());
    c.update_fulfillment_order("ERP-1", &up).await.unwrap();
    c.cancel_fulfillment_order("ERP-1").await.unwrap();
    let err = c.cancel_fulfillment_order("ERP-2").await.unwrap_err();
    assert_eq!(err.platform_code(), Some("InvalidInput"));
}

#[tokio::test]
async fn package_tracking_keeps_unknown_statuses() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/tracking"))
        .and(raw_query("packageNumber=1001"))
        .respond_with(amazon(200, r#"{"payload":{"packageNumber":1001,"trackingNumber":"1Z999AA10123456784",
          "customerTrackingLink":"https://www.swiship.com/track?id=1Z999","carrierCode":"UPS","carrierURL":"https://www.ups.com",
          "shipDate":"2026-11-21T08:00:00Z","estimatedArrivalDate":"2026-11-24T10:00:00Z",
          "shipToAddress":{"city":"Seattle","state":"WA","country":"US"},"currentStatus":"TELEPORTED","additionalLocationInfo":"FRONT_DOOR",
          "trackingEvents":[{"eventDate":"2026-11-21T08:00:00Z","eventAddress":{"city":"Reno","state":"NV","country":"US"},"eventCode":"EVENT_101","eventDescription":"Carrier notified to pick up package."}]}}"#))
        .expect(1)
        .named("tracking")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = client(&server, &clock)
        .get_package_tracking_details(1001)
        .await
        .unwrap();
    assert_eq!(
        t.current_status,
        Some(CurrentStatus::Unknown("TELEPORTED".into()))
    );
    assert_eq!(t.carrier_url.as_deref(), Some("https://www.ups.com"));
    assert_eq!(t.tracking_events[0].event_code, "EVENT_101");
    assert_eq!(CurrentStatus::parse("IN_TRANSIT"), CurrentStatus::InTransit);
}

#[tokio::test]
async fn return_reason_codes_encode_the_sku_in_the_query() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/returnReasonCodes"))
        .and(raw_query("sellerSku=SKU%201%2BA%2F%23&marketplaceId=ATVPDKIKX0DER&language=fr_FR"))
        .respond_with(amazon(200, r#"{"payload":{"reasonCodeDetails":[{"returnReasonCode":"NOLONGERWANTED","description":"No longer wanted","translatedDescription":"Ne le veut plus"}]}}"#))
        .expect(1)
        .named("reason codes")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let mut q = ReturnReasonCodesQuery::default();
    q.marketplace_id = Some("ATVPDKIKX0DER".into());
    q.language = Some("fr_FR".into());
    let codes = client(&server, &clock)
        .list_return_reason_codes("SKU 1+A/#", &q)
        .await
        .unwrap();
    assert_eq!(
        codes[0].translated_description.as_deref(),
        Some("Ne le veut plus")
    );
}

#[tokio::test]
async fn create_fulfillment_return_reports_accepted_and_invalid_items() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-1/return"))
        .and(body_json(json!({"items": [{"sellerReturnItemId": "R-1", "sellerFulfillmentOrderItemId": "line-1", "amazonShipmentId": "DchKfcZ9N", "returnReasonCode": "NOLONGERWANTED", "returnComment": "too big"}]})))
        .respond_with(amazon(200, r#"{"payload":{
          "returnItems":[{"sellerReturnItemId":"R-1","sellerFulfillmentOrderItemId":"line-1","amazonShipmentId":"DchKfcZ9N",
            "sellerReturnReasonCode":"NOLONGERWANTED","status":"New","statusChangedDate":"2026-11-25T10:00:00Z","returnAuthorizationId":"RA-1"}],
          "invalidReturnItems":[{"sellerReturnItemId":"R-2","sellerFulfillmentOrderItemId":"line-2",
            "invalidItemReason":{"invalidItemReasonCode":"NoReturnableQuantity","description":"Nothing left to return"}}],
          "returnAuthorizations":[{"returnAuthorizationId":"RA-1","fulfillmentCenterId":"RNO1","amazonRmaId":"RMA-1","rmaPageURL":"https://amazon.com/rma/1",
            "returnToAddress":{"name":"Amazon","addressLine1":"8000 N Virginia St","city":"Reno","postalCode":"89506","countryCode":"US"}}]}}"#))
        .expect(1)
        .named("return")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let mut item = CreateReturnItem::new("R-1", "line-1", "DchKfcZ9N", "NOLONGERWANTED");
    item.return_comment = Some("too big".into());
    let r = client(&server, &clock)
        .create_fulfillment_return("ERP-1", &CreateFulfillmentReturnRequest::new(vec![item]))
        .await
        .unwrap();
    assert_eq!(
        r.return_items[0].return_authorization_id.as_deref(),
        Some("RA-1")
    );
    assert_eq!(
        r.invalid_return_items[0]
            .invalid_item_reason
            .invalid_item_reason_code,
        InvalidItemReasonCode::NoReturnableQuantity
    );
    assert_eq!(
        r.return_authorizations[0].rma_page_url,
        "https://amazon.com/rma/1"
    );
}

#[tokio::test]
async fn features_feature_inventory_and_feature_sku() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/features"))
        .and(raw_query("marketplaceId=ATVPDKIKX0DER"))
        .respond_with(amazon(200, r#"{"payload":{"features":[{"featureName":"BLANK_BOX","featureDescription":"Unbranded boxes","sellerEligible":true}]}}"#))
        .expect(1)
        .named("features")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/features/inventory/BLANK_BOX"))
        .and(query_param("marketplaceId", "ATVPDKIKX0DER"))
        .and(query_param_is_missing("nextToken"))
        .respond_with(amazon(200, r#"{"payload":{"marketplaceId":"ATVPDKIKX0DER","featureName":"BLANK_BOX","nextToken":"f/2+=",
          "featureSkus":[{"sellerSku":"SKU 1+A","fnSku":"X0014BIZ8T","asin":"B07CGHKWZP","skuCount":12,"overlappingSkus":[]}]}}"#))
        .expect(1)
        .named("feature inventory 1")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/features/inventory/BLANK_BOX"))
        .and(raw_query(
            "marketplaceId=ATVPDKIKX0DER&nextToken=f%2F2%2B%3D",
        ))
        .respond_with(amazon(
            200,
            r#"{"payload":{"marketplaceId":"ATVPDKIKX0DER","featureName":"BLANK_BOX",
          "featureSkus":[{"sellerSku":"MUG-2","skuCount":3.0,"overlappingSkus":["MUG-2-OLD"]}]}}"#,
        ))
        .expect(1)
        .named("feature inventory 2")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/features/inventory/BLANK_BOX/A%2FB%23C%2BD%20E"))
        .and(raw_query("marketplaceId=ATVPDKIKX0DER"))
        .respond_with(amazon(200, r#"{"payload":{"marketplaceId":"ATVPDKIKX0DER","featureName":"BLANK_BOX","isEligible":false,"ineligibleReasons":["SKU_NOT_ELIGIBLE"],"sellerSku":"A/B#C+D E"}}"#))
        .expect(1)
        .named("feature sku")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let f = c.get_features(None).await.unwrap();
    assert_eq!(f[0].seller_eligible, Some(true));
    let skus: Vec<_> = c
        .get_feature_inventory("BLANK_BOX", None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(skus.len(), 2);
    assert_eq!(skus[0].sku_count, Some(dec!(12)));
    assert_eq!(skus[1].overlapping_skus, vec!["MUG-2-OLD"]);
    let s = c.get_feature_sku("BLANK_BOX", "A/B#C+D E").await.unwrap();
    assert!(!s.is_eligible);
    assert_eq!(s.ineligible_reasons, vec!["SKU_NOT_ELIGIBLE"]);
}

#[tokio::test]
async fn status_update_is_sandbox_only() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-1/status"))
        .and(body_json(json!({"fulfillmentOrderStatus": "Complete"})))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("status")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .submit_fulfillment_order_status_update("ERP-1", FulfillmentOrderStatus::Complete)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("sandbox-only"), "{err}");
    sandbox_client(&server, &clock)
        .submit_fulfillment_order_status_update("ERP-1", FulfillmentOrderStatus::Complete)
        .await
        .unwrap();
    // Inventory helpers are refused in production before anything is sent.
    let prod = client(&server, &clock);
    assert!(matches!(
        prod.sandbox_create_inventory_item("X", "Y").await,
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        prod.sandbox_add_inventory(vec![("X".into(), 1)], "t-1")
            .await,
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        prod.sandbox_delete_inventory_item("X").await,
        Err(Error::Unsupported { .. })
    ));
}

#[tokio::test]
async fn inventory_summaries_follow_the_top_level_pagination_token_over_three_pages() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    // A start date a month back (no earlier than 18 months is allowed), to the second.
    let start = chrono::DateTime::from_timestamp(Utc::now().timestamp() - 30 * 86_400, 0).unwrap();
    let base = format!(
        "details=true&granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER&startDateTime={}",
        start
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .replace(':', "%3A")
    );
    let summary = |sku: &str, q: i64| {
        format!(
            r#"{{"asin":"B0X","fnSku":"X0Y","sellerSku":"{sku}","condition":"NewItem","lastUpdatedTime":"2026-11-20T10:00:00Z","productName":"Mug",
            "totalQuantity":{q},"stores":[],"inventoryDetails":{{"fulfillableQuantity":{q},"reservedQuantity":{{"totalReservedQuantity":1,"pendingCustomerOrderQuantity":1}}}}}}"#
        )
    };
    let pages = [
        (
            base.to_string(),
            format!(
                r#"{{"payload":{{"granularity":{{"granularityType":"Marketplace","granularityId":"ATVPDKIKX0DER"}},"inventorySummaries":[{}]}},"pagination":{{"nextToken":"i+1/="}}}}"#,
                summary("A", 5)
            ),
        ),
        (
            format!("{base}&nextToken=i%2B1%2F%3D"),
            format!(
                r#"{{"payload":{{"granularity":{{}},"inventorySummaries":[{}]}},"pagination":{{"nextToken":"i+2/="}}}}"#,
                summary("B", 6)
            ),
        ),
        (
            format!("{base}&nextToken=i%2B2%2F%3D"),
            format!(
                r#"{{"payload":{{"granularity":{{}},"inventorySummaries":[{}]}},"pagination":{{}}}}"#,
                summary("C", 7)
            ),
        ),
    ];
    for (i, (query, body)) in pages.into_iter().enumerate() {
        let q: &'static str = Box::leak(query.into_boxed_str());
        api("GET", "/fba/inventory/v1/summaries")
            .and(raw_query(q))
            .respond_with(amazon(200, &body))
            .expect(1)
            .named(format!("inventory page {}", i + 1))
            .mount(&server)
            .await;
    }
    let clock = ManualClock::new();
    let mut query = InventoryQuery::all();
    query.start_date_time = Some(start);
    let all: Vec<_> = client(&server, &clock)
        .get_inventory_summaries(query)
        .try_collect()
        .await
        .unwrap();
    let skus: Vec<_> = all.iter().map(|s| s.seller_sku.clone().unwrap()).collect();
    assert_eq!(skus, ["A", "B", "C"]);
    assert_eq!(
        all[2]
            .inventory_details
            .as_ref()
            .unwrap()
            .fulfillable_quantity,
        Some(7)
    );
}

#[tokio::test]
async fn sandbox_inventory_helpers_send_the_documented_requests() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", "/fba/inventory/v1/items")
        .and(body_json(json!({"sellerSku": "SKU 1+A", "marketplaceId": "ATVPDKIKX0DER", "productName": "Blue mug"})))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("createInventoryItem")
        .mount(&server)
        .await;
    api("POST", "/fba/inventory/v1/items/inventory")
        .and(wiremock::matchers::header("x-amzn-idempotency-token", "seed-1"))
        .and(body_json(json!({"inventoryItems": [{"sellerSku": "SKU 1+A", "marketplaceId": "ATVPDKIKX0DER", "quantity": 40}]})))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("addInventory")
        .mount(&server)
        .await;
    api("DELETE", "/fba/inventory/v1/items/SKU%201%2BA")
        .and(raw_query("marketplaceId=ATVPDKIKX0DER"))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("deleteInventoryItem")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = sandbox_client(&server, &clock);
    c.sandbox_create_inventory_item("SKU 1+A", "Blue mug")
        .await
        .unwrap();
    c.sandbox_add_inventory(vec![("SKU 1+A".into(), 40)], "seed-1")
        .await
        .unwrap();
    c.sandbox_delete_inventory_item("SKU 1+A").await.unwrap();
}

#[tokio::test]
async fn html_503_is_retried_then_reported_as_transient_with_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-1"))
        .respond_with(
            wiremock::ResponseTemplate::new(503)
                .insert_header("content-type", "text/html")
                .insert_header("x-amzn-RequestId", "req-503")
                .set_body_string("<html><head><title>Website Temporarily Unavailable</title></head><body>Sorry</body></html>"),
        )
        .expect(4)
        .named("503")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .get_fulfillment_order("ERP-1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("req-503"));
    assert_eq!(err.attempts(), 4);
    assert!(
        err.context()
            .unwrap()
            .body_excerpt
            .as_deref()
            .unwrap()
            .contains("Temporarily Unavailable")
    );
}

#[tokio::test]
async fn validation_failures_send_nothing() {
    let server = MockServer::start().await;
    expect_nothing(&server, amazon(500, "{}"), "nothing may be sent").await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let mut r = order_request();
    r.items[0].quantity = 250;
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert_invalid_field(&err, "items");
    let mut r = order_request();
    r.seller_fulfillment_order_id = "ERP+1".into();
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert_invalid_field(&err, "sellerFulfillmentOrderId");
    let mut r = order_request();
    r.destination_address.city = None;
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert_invalid_field(&err, "destinationAddress.city");
    let err = c.get_fulfillment_order(&"x".repeat(41)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    let err = c
        .create_fulfillment_return("ERP-1", &CreateFulfillmentReturnRequest::new(vec![]))
        .await
        .unwrap_err();
    assert_invalid_field(&err, "items");
}

#[tokio::test]
async fn connector_order_adds_package_tracking_and_tolerates_unknown_packages() {
    use connector_core::{Connector, OrderId, OrderState};
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP%201"))
        .respond_with(amazon(200, ORDER_BODY))
        .expect(2)
        .named("get order")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/tracking"))
        .and(raw_query("packageNumber=1001"))
        .respond_with(amazon(
            404,
            r#"{"errors":[{"code":"NotFound","message":"No tracking yet","details":""}]}"#,
        ))
        .expect(1) // only the tracking-enabled connector asks
        .named("tracking 404")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let connector = amazon_mcf::AmazonMcfConnector::new(client(&server, &clock));
    let id = OrderId::new("ERP 1").unwrap();
    let order = connector
        .order_tracking()
        .unwrap()
        .order(&id)
        .await
        .unwrap();
    assert_eq!(order.status.state, OrderState::Processing);
    assert_eq!(order.status.raw, "Processing");
    let t = &order.shipments[0].tracking[0];
    assert_eq!(t.number.as_deref(), Some("1Z999AA10123456784"));
    assert_eq!(t.url, None);
    let quiet = connector.clone().with_package_tracking(false);
    quiet.order_tracking().unwrap().order(&id).await.unwrap();
}

#[tokio::test]
async fn package_numbers_beyond_i32_are_tracked_not_skipped() {
    use connector_core::{Connector, OrderId};
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let big = "4294967297"; // 2^32 + 1: does not fit the model's int32
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP%201"))
        .respond_with(amazon(200, &ORDER_BODY.replace("1001", big)))
        .expect(1)
        .named("get order")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/tracking"))
        .and(query_param("packageNumber", big))
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"packageNumber":{big},"customerTrackingLink":"https://www.swiship.com/track?id=1Z9","currentStatus":"IN_TRANSIT","trackingEvents":[]}}}}"#
            ),
        ))
        .expect(2)
        .named("tracking")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let direct = c
        .get_package_tracking_details(4_294_967_297_i64)
        .await
        .unwrap();
    assert_eq!(direct.package_number, 4_294_967_297);
    let connector = amazon_mcf::AmazonMcfConnector::new(c);
    let order = connector
        .order_tracking()
        .unwrap()
        .order(&OrderId::new("ERP 1").unwrap())
        .await
        .unwrap();
    assert_eq!(
        order.shipments[0].tracking[0].url.as_deref(),
        Some("https://www.swiship.com/track?id=1Z9")
    );
}

#[tokio::test]
async fn india_orders_are_checked_against_the_clients_marketplace_and_sent_whole() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .and(body_json(json!({
            "marketplaceId": "A21TJRUUN4KGV",
            "sellerFulfillmentOrderId": "IN-1",
            "displayableOrderId": "IN-1",
            "displayableOrderDate": "2026-11-20T10:00:00Z",
            "displayableOrderComment": "Dhanyavaad",
            "shippingSpeedCategory": "Standard",
            "destinationAddress": {"name": "Asha Rao", "addressLine1": "12 MG Road", "city": "Bengaluru", "stateOrRegion": "KA", "postalCode": "560001", "countryCode": "IN"},
            "items": [{"sellerSku": "TEA-1", "sellerFulfillmentOrderItemId": "1", "quantity": 3, "perUnitDeclaredValue": {"currencyCode": "INR", "value": "499.00"}}],
            "paymentInformation": [{"paymentTransactionId": "pay_8f2", "paymentMode": "Other", "paymentDate": "2026-11-20T09:58:00Z"}]
        })))
        .respond_with(amazon(200, "{}"))
        .expect(1)
        .named("create IN")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = builder(&server, &clock)
        .marketplace_id("A21TJRUUN4KGV")
        .build()
        .unwrap();
    let mut r = CreateFulfillmentOrderRequest::new(
        "IN-1",
        "IN-1",
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        "Dhanyavaad",
        ShippingSpeedCategory::Standard,
        {
            let mut a = Address::new(
                "Asha Rao",
                "12 MG Road",
                Some("Bengaluru".into()),
                "560001",
                "IN",
            );
            a.state_or_region = Some("KA".into());
            a
        },
        vec![CreateFulfillmentOrderItem::new("TEA-1", "1", 3)],
    );
    // No marketplaceId in the request: the client's (India) applies, and with it India's rules.
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert_invalid_field(&err, "paymentInformation");
    r.payment_information = vec![PaymentInformation::new(
        "pay_8f2",
        "Other",
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 58, 0).unwrap(),
    )];
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert_invalid_field(&err, "items[0].perUnitDeclaredValue");
    r.items[0].per_unit_declared_value =
        Some(amazon_mcf::model::AmazonMoney::new(dec!(499.00), "INR"));
    assert_eq!(
        c.create_fulfillment_order(&r).await.unwrap(),
        CreateOutcome::Accepted
    );
}

#[tokio::test]
async fn delivery_offers_refuse_a_bad_destination_before_sending() {
    let server = MockServer::start().await;
    expect_nothing(&server, amazon(500, "{}"), "nothing may be sent").await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let cases = [
        (
            GetDeliveryOffersRequest::new("MUG-2", "US", VariablePrecisionAddress::new("", "US")),
            "terms.destination.deliveryAddress.postalCode",
        ),
        (
            GetDeliveryOffersRequest::new(
                "MUG-2",
                "US",
                VariablePrecisionAddress::new("98101", "USA"),
            ),
            "terms.destination.deliveryAddress.countryCode",
        ),
        (
            GetDeliveryOffersRequest::new(
                "MUG-2",
                "É",
                VariablePrecisionAddress::new("98101", "US"),
            ),
            "terms.origin.countryCode",
        ),
        (
            {
                let mut r = GetDeliveryOffersRequest::new(
                    "MUG-2",
                    "US",
                    VariablePrecisionAddress::new("98101", "US"),
                );
                r.terms.destination.delivery_address = None;
                r.terms.destination.ip_address = Some("300.1.2.3".into());
                r
            },
            "terms.destination.ipAddress",
        ),
        (
            GetDeliveryOffersRequest::new(
                "s".repeat(51),
                "US",
                VariablePrecisionAddress::new("98101", "US"),
            ),
            "product.productIdentifier.merchantSku",
        ),
    ];
    for (req, expected) in cases {
        let err = c.delivery_offers(&req).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == expected),
            "{expected}: {err}"
        );
    }
}

#[tokio::test]
async fn delivery_offers_by_ip_address_send_only_the_ip() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/deliveryOffers"))
        .and(body_json(json!({
            "product": {"productIdentifier": {"merchantSku": "MUG-2"}},
            "terms": {"origin": {"countryCode": "US"}, "destination": {"ipAddress": "2001:db8::1"}}
        })))
        .respond_with(amazon(200, r#"{"payload":{"deliveryOffers":[]}}"#))
        .expect(1)
        .named("deliveryOffers by ip")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let mut req =
        GetDeliveryOffersRequest::new("MUG-2", "US", VariablePrecisionAddress::new("98101", "US"));
    req.terms.destination.delivery_address = None;
    req.terms.destination.ip_address = Some("2001:db8::1".into());
    let offers = client(&server, &clock).delivery_offers(&req).await.unwrap();
    assert!(offers.delivery_offers.is_empty());
}

#[tokio::test]
async fn inventory_start_date_is_at_most_18_months_back() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let clock = ManualClock::new();
    let now = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    // 17 months back is accepted and sent as is.
    let ok = now.checked_sub_months(chrono::Months::new(17)).unwrap();
    let q: &'static str = Box::leak(
        format!(
            "details=false&granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER&startDateTime={}",
            ok.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .replace(':', "%3A")
        )
        .into_boxed_str(),
    );
    api("GET", "/fba/inventory/v1/summaries")
        .and(raw_query(q))
        .respond_with(amazon(
            200,
            r#"{"payload":{"granularity":{"granularityType":"Marketplace","granularityId":"ATVPDKIKX0DER"},"inventorySummaries":[]},"pagination":{}}"#,
        ))
        .expect(1)
        .named("17 months back")
        .mount(&server)
        .await;
    let c = client(&server, &clock);
    let mut query = InventoryQuery::default();
    query.start_date_time = Some(ok);
    let (page, next) = c.get_inventory_summaries_page(&query, None).await.unwrap();
    assert!(page.inventory_summaries.is_empty());
    assert_eq!(next, None);
    // 18 months and a day back is refused before anything is sent.
    let too_old = now
        .checked_sub_months(chrono::Months::new(18))
        .unwrap()
        .checked_sub_days(chrono::Days::new(1))
        .unwrap();
    query.start_date_time = Some(too_old);
    let err = c
        .get_inventory_summaries_page(&query, None)
        .await
        .unwrap_err();
    assert_invalid_field(&err, "startDateTime");
    // 50 SKUs is the limit; 51 is refused.
    let mut query = InventoryQuery::default();
    query.seller_skus = (0..51).map(|i| format!("S{i}")).collect();
    let err = c
        .get_inventory_summaries_page(&query, None)
        .await
        .unwrap_err();
    assert_invalid_field(&err, "sellerSkus");
}

#[tokio::test]
async fn one_unreadable_order_in_a_list_page_does_not_stop_the_others() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let order = |id: &str, received: &str| {
        format!(
            r#"{{"sellerFulfillmentOrderId":"{id}","marketplaceId":"ATVPDKIKX0DER","displayableOrderId":"{id}","displayableOrderDate":"2026-11-20T10:00:00Z",
            "displayableOrderComment":"c","shippingSpeedCategory":"Standard","destinationAddress":{{"name":"J","addressLine1":"1 Main St","city":"Seattle","postalCode":"98101","countryCode":"US"}},
            "receivedDate":{received},"fulfillmentOrderStatus":"Complete","statusUpdatedDate":"2026-11-21T10:00:00Z"}}"#
        )
    };
    api("GET", &format!("{OUT}/fulfillmentOrders"))
        .and(query_param_is_missing("nextToken"))
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"nextToken":"p2","fulfillmentOrders":[{},{},{}]}}}}"#,
                order("A", r#""2026-11-20T10:00:05Z""#),
                order("BROKEN", r#""yesterday""#),
                order("C", r#""2026-11-20T11:00:05Z""#)
            ),
        ))
        .expect(1)
        .named("page 1 with an unreadable order")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/fulfillmentOrders"))
        .and(query_param("nextToken", "p2"))
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"fulfillmentOrders":[{}]}}}}"#,
                order("D", r#""2026-11-20T12:00:05Z""#)
            ),
        ))
        .expect(1)
        .named("page 2")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let results: Vec<_> = client(&server, &clock)
        .list_all_fulfillment_orders(None)
        .collect()
        .await;
    assert_eq!(results.len(), 4, "{results:?}");
    let ids: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|o| o.seller_fulfillment_order_id.as_str())
        .collect();
    assert_eq!(ids, ["A", "C", "D"]);
    let Err(Error::Decode { path, message, .. }) = &results[1] else {
        panic!("expected a decode error, got {:?}", results[1]);
    };
    assert_eq!(path, "payload.fulfillmentOrders[1]");
    assert!(message.contains("BROKEN"), "{message}");
}

#[tokio::test]
async fn one_unreadable_inventory_summary_does_not_stop_the_others() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let summary = |sku: &str, total: &str| {
        format!(
            r#"{{"asin":"B0X","fnSku":"X0Y","sellerSku":"{sku}","condition":"NewItem","productName":"Mug","totalQuantity":{total},"stores":[]}}"#
        )
    };
    api("GET", "/fba/inventory/v1/summaries")
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"granularity":{{}},"inventorySummaries":[{},{},{}]}},"pagination":{{}}}}"#,
                summary("A", "5"),
                summary("B", r#""many""#),
                summary("C", "7")
            ),
        ))
        .expect(1)
        .named("a page with an unreadable summary")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let results: Vec<_> = client(&server, &clock)
        .get_inventory_summaries(InventoryQuery::all())
        .collect()
        .await;
    assert_eq!(results.len(), 3, "{results:?}");
    let skus: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|s| s.seller_sku.clone().unwrap())
        .collect();
    assert_eq!(skus, ["A", "C"]);
    let Err(Error::Decode { path, message, .. }) = &results[1] else {
        panic!("expected a decode error, got {:?}", results[1]);
    };
    assert_eq!(path, "payload.inventorySummaries[1]");
    assert!(message.contains("`B`"), "{message}");
}

#[tokio::test]
async fn unknown_enum_values_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    // Nothing may reach the server, not even a token request.
    expect_nothing(&server, amazon(500, "{}"), "nothing").await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let mut r = order_request();
    r.shipping_speed_category = ShippingSpeedCategory::parse("Warp");
    let err = c.create_fulfillment_order(&r).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, rule } if field == "shippingSpeedCategory" && rule.contains("Warp")),
        "{err}"
    );
    let mut up = UpdateFulfillmentOrderRequest::new();
    up.fulfillment_action = Some(FulfillmentAction::parse("Later"));
    let err = c.update_fulfillment_order("ERP-1", &up).await.unwrap_err();
    assert_invalid_field(&err, "fulfillmentAction");
    let mut offers =
        GetDeliveryOffersRequest::new("SKU-1", "US", VariablePrecisionAddress::new("98101", "US"));
    let mut amount = Amount::eaches(dec!(2));
    amount.unit_of_measure = amazon_mcf::model::outbound::UnitOfMeasure::parse("Dozens");
    offers.product.amount = Some(amount);
    let err = c.delivery_offers(&offers).await.unwrap_err();
    assert_invalid_field(&err, "product.amount.unitOfMeasure");
    offers.product.amount = Some(Amount::eaches(dec!(1.5)));
    let err = c.delivery_offers(&offers).await.unwrap_err();
    assert_invalid_field(&err, "product.amount.value");
    let sandbox = sandbox_client(&server, &clock);
    let err = sandbox
        .submit_fulfillment_order_status_update(
            "ERP-1",
            FulfillmentOrderStatus::parse("Teleported"),
        )
        .await
        .unwrap_err();
    assert_invalid_field(&err, "fulfillmentOrderStatus");
}

#[tokio::test]
async fn a_success_answer_carrying_errors_is_not_taken_for_a_success() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let errors = r#""errors":[{"code":"InvalidInput","message":"Partial result","details":"marketplace A1 ignored"}]"#;
    api("GET", &format!("{OUT}/features"))
        .respond_with(amazon(
            200,
            &format!(r#"{{"payload":{{"features":[]}},{errors}}}"#),
        ))
        .mount(&server)
        .await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .respond_with(amazon(200, &format!("{{{errors}}}")))
        .expect(1) // never resent
        .mount(&server)
        .await;
    api("PUT", &format!("{OUT}/fulfillmentOrders/ERP-1"))
        .respond_with(amazon(200, &format!("{{{errors}}}")))
        .mount(&server)
        .await;
    api("GET", "/fba/inventory/v1/summaries")
        .respond_with(amazon(
            200,
            &format!(
                r#"{{"payload":{{"granularity":{{"granularityType":"Marketplace","granularityId":"ATVPDKIKX0DER"}},"inventorySummaries":[]}},{errors}}}"#
            ),
        ))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let err = c.get_features(None).await.unwrap_err();
    match &err {
        Error::Api { context } => {
            assert_eq!(context.status, Some(200));
            assert_eq!(context.code.as_deref(), Some("InvalidInput"));
            assert_eq!(context.request_id.as_deref(), Some("req-0001"));
            assert!(
                context.message.contains("Partial result")
                    && context.message.contains("marketplace A1 ignored"),
                "{err}"
            );
        }
        other => panic!("{other:?}"),
    }
    let err = c
        .create_fulfillment_order(&order_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { reconcile, reason, .. }
            if reconcile.contains("get_fulfillment_order(\"ERP-10001\")") && reason.contains("Partial result")),
        "{err:?}"
    );
    let err = c
        .update_fulfillment_order("ERP-1", &UpdateFulfillmentOrderRequest::ship())
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api { .. }), "{err:?}");
    let first: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(c.get_inventory_summaries(InventoryQuery::all()))
            .await;
    assert!(matches!(&first[..], [Err(Error::Api { .. })]), "{first:?}");
    assert!(
        c.get_inventory_summaries_page(&InventoryQuery::all(), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shipments_packages_and_returns_keep_unknown_fields() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let body = ORDER_BODY
        .replace(
            r#""fulfillmentCenterId":"RNO1","#,
            r#""fulfillmentCenterId":"RNO1","shipmentFuture":"s","#,
        )
        .replace(
            r#""carrierCode":"UPS","#,
            r#""carrierCode":"UPS","packageFuture":{"p":1},"#,
        )
        .replace(
            r#""serialNumber":"a1b2c""#,
            r#""serialNumber":"a1b2c","itemFuture":true"#,
        )
        .replace(
            r#""returnItems":[]"#,
            r#""returnItems":[{"sellerReturnItemId":"R-1","sellerFulfillmentOrderItemId":"line-1","amazonShipmentId":"DchKfcZ9N","sellerReturnReasonCode":"NOLONGERWANTED","status":"New","statusChangedDate":"2026-11-25T10:00:00Z","returnFuture":[1,2]}]"#,
        );
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP%201"))
        .respond_with(amazon(200, &body))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let r = client(&server, &clock)
        .get_fulfillment_order("ERP 1")
        .await
        .unwrap();
    let shipment = &r.fulfillment_shipments[0];
    assert_eq!(shipment.extra["shipmentFuture"], json!("s"));
    assert_eq!(
        shipment.fulfillment_shipment_package[0].extra["packageFuture"],
        json!({"p": 1})
    );
    assert_eq!(
        shipment.fulfillment_shipment_item[0].extra["itemFuture"],
        json!(true)
    );
    assert_eq!(r.return_items[0].extra["returnFuture"], json!([1, 2]));
    // and they are written back as they came
    let again = serde_json::to_value(shipment).unwrap();
    assert_eq!(again["shipmentFuture"], json!("s"));
}

#[tokio::test]
async fn one_unreadable_feature_sku_does_not_lose_the_others() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/features/inventory/BLANK_BOX"))
        .and(query_param_is_missing("nextToken"))
        .respond_with(amazon(200, r#"{"payload":{"marketplaceId":"ATVPDKIKX0DER","featureName":"BLANK_BOX","nextToken":"p+2/=","featureSkus":[
            {"sellerSku":"A","skuCount":3},
            {"sellerSku":"BAD","skuCount":"lots"},
            {"sellerSku":"C","skuCount":1}]}}"#))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/features/inventory/BLANK_BOX"))
        .and(query_param("nextToken", "p+2/="))
        .respond_with(amazon(200, r#"{"payload":{"marketplaceId":"ATVPDKIKX0DER","featureName":"BLANK_BOX","featureSkus":[{"sellerSku":"D","skuCount":2}]}}"#))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let out: Vec<_> = futures::StreamExt::collect::<Vec<_>>(
        client(&server, &clock).get_feature_inventory("BLANK_BOX", None),
    )
    .await;
    assert_eq!(out.len(), 4, "{out:?}");
    let ok: Vec<_> = out
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|s| s.seller_sku.clone().unwrap())
        .collect();
    assert_eq!(ok, ["A", "C", "D"]);
    match &out[1] {
        Err(Error::Decode { path, message, .. }) => {
            assert_eq!(path, "payload.featureSkus[1]");
            assert!(message.contains("`BAD`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dot_segments_cannot_leave_their_route() {
    let server = MockServer::start().await;
    expect_nothing(&server, amazon(200, r#"{"payload":{}}"#), "nothing").await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let sandbox = sandbox_client(&server, &clock);
    for id in [".", ".."] {
        let field_of = |e: Error| match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{id}: {other:?}"),
        };
        assert_eq!(
            field_of(c.get_fulfillment_order(id).await.unwrap_err()),
            "sellerFulfillmentOrderId"
        );
        assert_eq!(
            field_of(c.cancel_fulfillment_order(id).await.unwrap_err()),
            "sellerFulfillmentOrderId"
        );
        assert_eq!(
            field_of(
                c.update_fulfillment_order(id, &UpdateFulfillmentOrderRequest::ship())
                    .await
                    .unwrap_err()
            ),
            "sellerFulfillmentOrderId"
        );
        assert_eq!(
            field_of(c.get_feature_sku("BLANK_BOX", id).await.unwrap_err()),
            "sellerSku"
        );
        assert_eq!(
            field_of(c.get_feature_sku(id, "SKU-1").await.unwrap_err()),
            "featureName"
        );
        assert_eq!(
            field_of(
                c.get_feature_inventory_page(id, None, None)
                    .await
                    .unwrap_err()
            ),
            "featureName"
        );
        assert_eq!(
            field_of(sandbox.sandbox_delete_inventory_item(id).await.unwrap_err()),
            "sellerSku"
        );
    }
    // `...` and `.x` are ordinary ids (encoded once).
    for id in ["...", ".x"] {
        amazon_mcf::validation::order_id_for_lookup(id).unwrap();
    }
}

#[tokio::test]
async fn inventory_tokens_cycling_a_b_a_end_the_stream_with_an_error() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let page = |sku: &str, next: &str| {
        format!(
            r#"{{"payload":{{"granularity":{{"granularityType":"Marketplace","granularityId":"ATVPDKIKX0DER"}},"inventorySummaries":[{{"sellerSku":"{sku}","totalQuantity":1}}]}},"pagination":{{"nextToken":"{next}"}}}}"#
        )
    };
    api("GET", "/fba/inventory/v1/summaries")
        .and(query_param_is_missing("nextToken"))
        .respond_with(amazon(200, &page("S0", "A")))
        .mount(&server)
        .await;
    api("GET", "/fba/inventory/v1/summaries")
        .and(query_param("nextToken", "A"))
        .respond_with(amazon(200, &page("S1", "B")))
        .mount(&server)
        .await;
    api("GET", "/fba/inventory/v1/summaries")
        .and(query_param("nextToken", "B"))
        .respond_with(amazon(200, &page("S2", "A")))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let out: Vec<_> = futures::StreamExt::collect::<Vec<_>>(futures::StreamExt::take(
        client(&server, &clock).get_inventory_summaries(InventoryQuery::all()),
        50,
    ))
    .await;
    // S0, S1, S2, then the cycle back to A is refused instead of read again.
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(out[..3].iter().all(Result::is_ok), "{out:?}");
    assert!(out[3].is_err(), "{out:?}");
}
