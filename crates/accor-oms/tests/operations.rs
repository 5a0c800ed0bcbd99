#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every operation against wiremock: exact request (method, path, headers, body) and decoding of
//! realistic 200/201 and 400/401/404/503 answers. Fixtures are literal JSON written from the
//! Accor docs and the Mirakl SH02/OR01/OR11 shapes.

use std::time::Duration;

use accor_oms::model::{
    CartLine, CustomerBlock, MiraklOrderState, OrderOffer, OrderShop, PurchaseOrderRequest,
    ValidateCartRequest,
};
use accor_oms::{AccorClient, AccorConfig};
use chrono::NaiveDate;
use connector_core::{AuthErrorKind, Error, RetryPolicy, SecretString};
use rust_decimal_macros::dec;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/auth/realms/astore-p2p/protocol/openid-connect/token";

fn config(server: &MockServer) -> accor_oms::AccorConfigBuilder {
    AccorConfig::builder()
        .custom(
            format!("{}/oms-api", server.uri()),
            format!("{}{TOKEN_PATH}", server.uri()),
        )
        .client_id("erp-client")
        .client_secret(SecretString::from("erp-secret"))
        .retry(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
}

async fn client(server: &MockServer) -> AccorClient {
    token_ok(server, 1).await;
    AccorClient::new(config(server).build().unwrap()).unwrap()
}

async fn token_ok(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=erp-client"))
        .and(body_string_contains("client_secret=erp-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "eyJhbGciOiJSUzI1NiJ9.accor",
            "expires_in": 300,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email"
        })))
        .expect(times)
        .named("keycloak token")
        .mount(server)
        .await;
}

fn customer() -> CustomerBlock {
    CustomerBlock::new(
        "92320.HB1624",
        "test@gmail.com",
        "Test",
        "P2P",
        "AA00001221",
        "AA00001222",
        "fr_fr",
    )
    .with_profession("QA")
}

fn customer_json() -> serde_json::Value {
    json!({
        "mega_code": "92320.HB1624",
        "profession": "QA",
        "email": "test@gmail.com",
        "firstname": "Test",
        "lastname": "P2P",
        "delivery_address_id": "AA00001221",
        "billing_address_id": "AA00001222",
        "user_store": "fr_fr"
    })
}

const BEARER: &str = "Bearer eyJhbGciOiJSUzI1NiJ9.accor";

#[tokio::test]
async fn check_gets_a_token_and_reads_the_welcome_text() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/"))
        .and(header("authorization", BEARER))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("Hello ! Welcome to the Astoreshop OMS API"),
        )
        .expect(2)
        .named("welcome")
        .mount(&server)
        .await;
    c.check().await.unwrap();
    c.check().await.unwrap(); // token reused
    assert_eq!(c.token_fetches(), 1);
}

#[tokio::test]
async fn check_refuses_a_wrong_host() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>Magento</html>"))
        .expect(1)
        .named("not the OMS")
        .mount(&server)
        .await;
    let err = c.check().await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err}");
    assert!(err.to_string().contains("welcome text"), "{err}");
}

#[tokio::test]
async fn a_refused_client_secret_is_an_auth_error_and_nothing_else_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials"
        })))
        .expect(1)
        .named("keycloak refuses")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oms-api/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("never reached")
        .mount(&server)
        .await;
    let c = AccorClient::new(config(&server).build().unwrap()).unwrap();
    let err = c.check().await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth { kind, .. } if *kind == AuthErrorKind::InvalidClient),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("erp-secret"));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_on_401() {
    let server = MockServer::start().await;
    token_ok(&server, 2).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/1001-A"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_token", "error_description": "Token is not active"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("status 401 once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/1001-A"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_id": "1001-A", "order_state": "WAITING_ACCEPTANCE"
        })))
        .expect(1)
        .named("status after refresh")
        .mount(&server)
        .await;
    let c = AccorClient::new(config(&server).build().unwrap()).unwrap();
    let s = c.status("1001-A").await.unwrap();
    assert_eq!(s.order_state, MiraklOrderState::WaitingAcceptance);
}

fn sh02_answer() -> serde_json::Value {
    json!({
        "errors": [
            {"error_code": "OFFER_NOT_FOUND", "offer_id": 99999, "shipping_type_code": null}
        ],
        "orders": [
            {
                "channel_code": null,
                "currency_iso_code": "EUR",
                "leadtime_to_ship": 2,
                "shipping_deadline": "2024-09-27T15:00:00Z",
                "shop_id": 2001,
                "shop_model": "MARKETPLACE",
                "shop_name": "Linen & Co",
                "selected_shipping_type": {"code": "STD", "label": "Standard", "shipping_deadline": "2024-09-27T15:00:00Z"},
                "shipping_types": [
                    {"code": "STD", "label": "Standard", "shipping_deadline": "2024-09-27T15:00:00Z", "total_shipping_price": 9.90},
                    {"code": "DELIVERY_ROUND", "label": "Delivery round", "shipping_deadline": "2024-09-30T08:00:00Z", "total_shipping_price": 0}
                ],
                "offers": [
                    {"offer_id": 35308, "offer_price": 12.40, "offer_quantity": 500, "line_original_quantity": 10, "line_quantity": 10,
                     "line_price": 124.00, "line_shipping_price": 9.90, "line_total_price": 133.90,
                     "offer_discount": {"origin_price": 13.50, "ranges": [{"quantity_threshold": 10, "price": 12.40}]},
                     "product_category_code": "bath-linen"},
                    {"offer_id": 35309, "offer_price": 3.15, "offer_quantity": 4, "line_original_quantity": 6, "line_quantity": 4,
                     "line_price": 12.60, "line_shipping_price": 0, "line_total_price": 12.60}
                ]
            },
            {
                "currency_iso_code": "EUR",
                "leadtime_to_ship": 1,
                "shipping_deadline": "2024-09-26T15:00:00Z",
                "shop_id": 2002,
                "shop_model": "MARKETPLACE",
                "shop_name": "Hotel Soap Factory",
                "selected_shipping_type": {"code": "STD", "label": "Standard", "shipping_deadline": "2024-09-26T15:00:00Z"},
                "shipping_types": [{"code": "STD", "label": "Standard", "shipping_deadline": "2024-09-26T15:00:00Z", "total_shipping_price": 0}],
                "offers": [
                    {"offer_id": 41000, "offer_price": 0.35, "offer_quantity": 10000, "line_original_quantity": 200, "line_quantity": 200,
                     "line_price": 70.00, "line_shipping_price": 0, "line_total_price": 70.00}
                ]
            }
        ],
        "total_count": 2,
        "promotions_summary": {"total": 0}
    })
}

#[tokio::test]
async fn validate_cart_sends_the_cart_and_decodes_the_sh02_answer() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .and(header("authorization", BEARER))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "customer": customer_json(),
            "shipping_zone_code": "FR-FR",
            "offers": [
                {"offer_id": 35308, "quantity": 10},
                {"offer_id": 35309, "quantity": 6},
                {"offer_id": 41000, "quantity": 200},
                {"offer_id": 99999, "quantity": 1}
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(sh02_answer()))
        .expect(1)
        .named("validate-cart")
        .mount(&server)
        .await;
    let lines = vec![
        CartLine::new("35308", 10),
        CartLine::new("35309", 6),
        CartLine::new("41000", 200),
        CartLine::new("99999", 1),
    ];
    let answer = c
        .validate_cart(&ValidateCartRequest::new(
            customer(),
            "FR-FR",
            lines.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(answer.orders.len(), 2);
    assert_eq!(answer.total_count, Some(2));
    assert!(answer.extra.contains_key("promotions_summary"));
    assert!(answer.orders[0].extra.contains_key("shop_model"));
    assert!(
        answer.orders[0].offers[0]
            .extra
            .contains_key("offer_discount")
    );
    assert_eq!(answer.unit_price("35308"), Some(dec!(12.40)));
    assert_eq!(answer.unit_price("41000"), Some(dec!(0.35)));
    let short = answer.short_lines(&lines);
    assert_eq!(short.len(), 2, "{short:?}");
    assert_eq!(short[0].offer_id, "99999");
    assert_eq!(short[0].error_code.as_deref(), Some("OFFER_NOT_FOUND"));
    assert_eq!(short[0].requested, 1);
    assert_eq!(
        (
            short[1].offer_id.as_str(),
            short[1].requested,
            short[1].available
        ),
        ("35309", 6, 4)
    );
    assert_eq!(short[1].shop_id.as_deref(), Some("2001"));
    let totals = answer.supplier_totals();
    assert_eq!(totals[0].shop_id, "2001");
    assert_eq!(totals[0].goods, dec!(136.60));
    assert_eq!(totals[0].shipping, dec!(9.90));
    assert_eq!(totals[0].total(), dec!(146.50));
    assert_eq!(totals[1].total(), dec!(70.00));
}

#[tokio::test]
async fn validate_cart_errors_400_and_503() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "message": "mega_code 00000.XX0000 is unknown"
        })))
        .up_to_n_times(1)
        .expect(1)
        .named("validate-cart 400")
        .mount(&server)
        .await;
    let req = ValidateCartRequest::new(customer(), "FR-FR", vec![CartLine::new("1", 1)]);
    let err = c.validate_cart(&req).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert!(
        err.to_string()
            .contains("mega_code 00000.XX0000 is unknown"),
        "{err}"
    );
    assert!(!err.is_retryable());

    // 503 is retried (validate-cart creates nothing), then answered.
    server.reset().await;
    token_ok(&server, 0).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string("<html><body><h1>503 Service Unavailable</h1></body></html>"),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .named("validate-cart 503 twice")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errors": [], "orders": [], "total_count": 0})),
        )
        .expect(1)
        .named("validate-cart then ok")
        .mount(&server)
        .await;
    let ok = c.validate_cart(&req).await.unwrap();
    assert!(ok.orders.is_empty());
}

fn po_request() -> PurchaseOrderRequest {
    PurchaseOrderRequest::new(
        customer(),
        "FR-FR",
        vec![
            OrderOffer::new("35308", 10)
                .with_instruction("Please cut the apple into slices.")
                .from_shop("2001"),
            OrderOffer::new("41000", 200).from_shop("2002"),
        ],
    )
    .with_shop(
        OrderShop::new("2001")
            .with_instructions("Please deliver to the back door.")
            .with_delivery_rounds()
            .with_delivery_date(NaiveDate::from_ymd_opt(2024, 9, 30).unwrap()),
    )
    .with_shop(OrderShop::new("2002"))
}

#[tokio::test]
async fn purchase_order_sends_the_seed_spelling_and_decodes_the_sub_orders() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .and(header("authorization", BEARER))
        .and(body_json(json!({
            "customer": customer_json(),
            "shipping_zone_code": "FR-FR",
            "shops": [
                {"shop_id": 2001, "delivery_instructions": "Please deliver to the back door.", "delivery_date_selected": "30/09/2024"},
                {"shop_id": 2002}
            ],
            "offers": [
                {"offer_id": 35308, "quantity": 10, "instruction": "Please cut the apple into slices."},
                {"offer_id": 41000, "quantity": 200}
            ]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [
                {"order_id": "P2P-000123-A", "commercial_id": "P2P-000123", "shop_id": 2001, "shop_name": "Linen & Co",
                 "order_state": "STAGING", "currency_iso_code": "EUR", "total_price": 133.90, "shipping_price": 9.90,
                 "order_lines": [{"offer_id": 35308, "quantity": 10}]},
                {"order_id": "P2P-000123-B", "commercial_id": "P2P-000123", "shop_id": 2002, "shop_name": "Hotel Soap Factory",
                 "order_state": "WAITING_ACCEPTANCE", "currency_iso_code": "EUR", "total_price": 70.00, "shipping_price": 0,
                 "order_lines": [{"offer_id": 41000, "quantity": 200}], "payment_workflow": "PAY_ON_DUE_DATE"}
            ],
            "offers_not_shippable": []
        })))
        .expect(1)
        .named("purchase-order")
        .mount(&server)
        .await;
    let resp = c.purchase_order(&po_request()).await.unwrap();
    assert_eq!(resp.orders.len(), 2);
    assert_eq!(resp.orders[0].order_id, "P2P-000123-A");
    assert_eq!(resp.orders[0].order_state, Some(MiraklOrderState::Staging));
    assert_eq!(resp.orders[0].total_price, Some(dec!(133.90)));
    assert_eq!(resp.orders[1].shop_id.as_ref().unwrap().as_str(), "2002");
    assert_eq!(resp.orders[1].extra["payment_workflow"], "PAY_ON_DUE_DATE");
}

#[tokio::test]
async fn purchase_order_is_never_retried() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    // 400: refused, not retried.
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "message": "offer 35308: quantity 10 exceeds available stock 4"
        })))
        .expect(1)
        .named("po 400")
        .mount(&server)
        .await;
    let err = c.purchase_order(&po_request()).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("exceeds available stock"), "{err}");

    // 503 (documented "try again later"): one attempt, a retryable error for the caller.
    server.reset().await;
    token_ok(&server, 0).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "status": 503, "message": "The service is unavailable at the moment. Please try again later"
        })))
        .expect(1)
        .named("po 503 once")
        .mount(&server)
        .await;
    let err = c.purchase_order(&po_request()).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");

    // 502 from a gateway: the order may exist.
    server.reset().await;
    token_ok(&server, 0).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .expect(1)
        .named("po 502 once")
        .mount(&server)
        .await;
    let err = c.purchase_order(&po_request()).await.unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            operation,
            reconcile,
            ..
        } => {
            assert_eq!(operation, "accor.purchase_order");
            assert!(reconcile.contains("status()") && reconcile.contains("92320.HB1624"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_purchase_order_timeout_is_outcome_unknown_after_one_attempt() {
    let server = MockServer::start().await;
    token_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .named("po too slow")
        .mount(&server)
        .await;
    let c = AccorClient::new(
        config(&server)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
    )
    .unwrap();
    let err = c.purchase_order(&po_request()).await.unwrap_err();
    match &err {
        Error::OutcomeUnknown { reconcile, .. } => {
            assert!(reconcile.contains("before sending it again"), "{reconcile}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let server = MockServer::start().await;
    token_ok(&server, 0).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;
    let c = AccorClient::new(config(&server).build().unwrap()).unwrap();
    let mut bad = po_request();
    bad.customer.email = "not-an-email".into();
    let err = c.purchase_order(&bad).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid input: `customer.email` must be a valid e-mail address"
    );
    let mut bad = po_request();
    bad.shops[0].delivery_date_selected = None;
    assert!(
        c.purchase_order(&bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("shops[0].delivery_date_selected")
    );
    let bad = ValidateCartRequest::new(customer(), "XX-XX", vec![CartLine::new("1", 1)]);
    assert!(
        c.validate_cart(&bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("`shipping_zone_code`")
    );
}

#[tokio::test]
async fn status_decodes_states_lines_and_tracking() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/P2P-000123-A"))
        .and(header("authorization", BEARER))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_id": "P2P-000123-A",
            "order_state": "SHIPPED",
            "shop_id": 2001,
            "currency_iso_code": "EUR",
            "shipping_company": "Colissimo",
            "shipping_tracking": "6A12345678901",
            "shipping_tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
            "created_date": "2024-09-25T08:12:00Z",
            "order_lines": [
                {"order_line_id": "P2P-000123-A-1", "offer_id": 35308, "quantity": 10, "order_line_state": "SHIPPED"},
                {"order_line_id": "P2P-000123-A-2", "offer_id": 35309, "quantity": 4, "order_line_state": "INCIDENT_OPEN"}
            ],
            "has_incident": true
        })))
        .expect(1)
        .named("status")
        .mount(&server)
        .await;
    let s = c.status("P2P-000123-A").await.unwrap();
    assert_eq!(s.order_state, MiraklOrderState::Shipped);
    let order = accor_oms::convert::order(&s).unwrap();
    assert_eq!(order.status.state, connector_core::OrderState::Shipped);
    assert_eq!(order.status.raw, "SHIPPED");
    assert_eq!(order.lines.len(), 2);
    assert_eq!(
        order.lines[1].status.as_ref().unwrap().state,
        connector_core::OrderState::Incident
    );
    let t = &order.shipments[0].tracking[0];
    assert_eq!(t.carrier.as_deref(), Some("Colissimo"));
    assert_eq!(t.number.as_deref(), Some("6A12345678901"));
    assert_eq!(order.extra["has_incident"], true);
}

#[tokio::test]
async fn status_404_and_a_configured_route() {
    let server = MockServer::start().await;
    token_ok(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/order/NO%20SUCH"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "status": 404, "message": "Order NO SUCH not found"
        })))
        .expect(1)
        .named("order 404")
        .mount(&server)
        .await;
    let c = AccorClient::new(
        config(&server)
            .status_route("/order/{order_id}")
            .build()
            .unwrap(),
    )
    .unwrap();
    let err = c.status("NO SUCH").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("not found"), "{err}");
}

#[tokio::test]
async fn no_secret_in_debug_output() {
    let server = MockServer::start().await;
    let c = AccorClient::new(
        config(&server)
            .sftp_credentials("catalog", SecretString::from("sftp-pass-123"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let s = format!("{c:?}");
    assert!(
        !s.contains("erp-secret") && !s.contains("sftp-pass-123"),
        "{s}"
    );
    assert!(s.contains("erp-client"), "{s}");
}

#[tokio::test]
async fn purchase_order_5xx_gateway_answers_are_outcome_unknown_after_one_attempt() {
    for status in [500u16, 502, 504] {
        let server = MockServer::start().await;
        let c = client(&server).await;
        Mock::given(method("POST"))
            .and(path("/oms-api/purchase-order"))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream error"))
            .expect(1)
            .named("po gateway error, once")
            .mount(&server)
            .await;
        let err = c.purchase_order(&po_request()).await.unwrap_err();
        assert!(
            matches!(&err, Error::OutcomeUnknown { reason, .. } if reason.contains(&status.to_string())),
            "{status}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn a_purchase_order_refused_with_401_is_resent_once_with_a_new_token() {
    // A 401 is answered before anything is processed: refreshing and resending is safe.
    let server = MockServer::start().await;
    token_ok(&server, 2).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_token", "error_description": "Token is not active"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("po 401 once")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [{"order_id": "P2P-000124-A", "shop_id": 2001, "order_state": "STAGING"}],
            "offers_not_shippable": []
        })))
        .expect(1)
        .named("po after refresh")
        .mount(&server)
        .await;
    let c = AccorClient::new(config(&server).build().unwrap()).unwrap();
    let resp = c.purchase_order(&po_request()).await.unwrap();
    assert_eq!(resp.orders[0].order_id, "P2P-000124-A");
    assert_eq!(c.token_fetches(), 2);
}

#[tokio::test]
async fn purchase_order_decodes_offers_not_shippable() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [
                {"order_id": "P2P-000125-A", "commercial_id": "P2P-000125", "shop_id": 2001,
                 "order_state": "STAGING", "currency_iso_code": "EUR", "total_price": 133.9, "shipping_price": 9.9,
                 "order_lines": [{"order_line_id": "P2P-000125-A-1", "offer_id": 35308, "quantity": 10, "order_line_state": "STAGING"}]}
            ],
            "offers_not_shippable": [{"offer_id": 41000, "error_code": "SHIPPING_TYPE_NOT_FOUND"}]
        })))
        .expect(1)
        .named("po partly shippable")
        .mount(&server)
        .await;
    let resp = c.purchase_order(&po_request()).await.unwrap();
    assert_eq!(resp.orders.len(), 1);
    assert_eq!(resp.orders[0].shipping_price, Some(dec!(9.9)));
    assert_eq!(resp.offers_not_shippable.len(), 1);
    assert_eq!(resp.offers_not_shippable[0].offer_id.as_str(), "41000");
    assert_eq!(
        resp.offers_not_shippable[0].error_code.as_deref(),
        Some("SHIPPING_TYPE_NOT_FOUND")
    );
}

#[tokio::test]
async fn a_purchase_order_2xx_that_cannot_be_read_is_outcome_unknown() {
    // The order was accepted (2xx) but its ids cannot be read: the caller must look it up
    // before sending it again, never treat it as "failed".
    let bodies = [
        ResponseTemplate::new(201).set_body_string("<html><body>Created</body></html>"),
        ResponseTemplate::new(201)
            .set_body_json(json!({"orders": [{"shop_id": 2001, "order_state": "STAGING"}]})),
        ResponseTemplate::new(201).set_body_json(json!({})),
        ResponseTemplate::new(200).set_body_json(json!({"order_id": "P2P-000126-A"})),
        ResponseTemplate::new(201),
    ];
    for (i, answer) in bodies.into_iter().enumerate() {
        let server = MockServer::start().await;
        let c = client(&server).await;
        Mock::given(method("POST"))
            .and(path("/oms-api/purchase-order"))
            .respond_with(answer)
            .expect(1)
            .named("po answer unreadable")
            .mount(&server)
            .await;
        let err = c.purchase_order(&po_request()).await.unwrap_err();
        match &err {
            Error::OutcomeUnknown {
                operation,
                reconcile,
                ..
            } => {
                assert_eq!(operation, "accor.purchase_order", "case {i}");
                assert!(reconcile.contains("before sending it again"), "case {i}");
            }
            other => panic!("case {i}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_purchase_order_whose_offers_are_all_refused_is_decoded() {
    // Nothing created, every line accounted for in offers_not_shippable.
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [],
            "offers_not_shippable": [
                {"offer_id": 35308, "error_code": "OFFER_NOT_FOUND"},
                {"offer_id": 41000, "error_code": "OFFER_NOT_FOUND"}
            ]
        })))
        .expect(1)
        .named("po nothing shippable")
        .mount(&server)
        .await;
    let resp = c.purchase_order(&po_request()).await.unwrap();
    assert!(resp.orders.is_empty());
    assert_eq!(resp.offers_not_shippable.len(), 2);
}

#[tokio::test]
async fn status_encodes_the_order_id_and_refuses_a_blank_one() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/P2P%2F1%20%C3%A9-A"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_id": "P2P/1 é-A", "order_state": "CANCELED",
            "order_lines": [{"offer_id": "OF-7", "quantity": 1, "order_line_state": "REFUNDED"}]
        })))
        .expect(1)
        .named("status with an odd id")
        .mount(&server)
        .await;
    let s = c.status("P2P/1 é-A").await.unwrap();
    assert_eq!(s.order_state, MiraklOrderState::Canceled);
    let order = accor_oms::convert::order(&s).unwrap();
    assert_eq!(order.status.state, connector_core::OrderState::Cancelled);
    assert_eq!(order.lines[0].offer_id.as_ref().unwrap().as_str(), "OF-7");
    let err = c.status("  ").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid input: `order_id` is required and must not be blank"
    );
}

#[tokio::test]
async fn a_status_answer_without_a_state_is_a_decode_error() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/P2P-000123-A"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_id": "P2P-000123-A", "state": "SHIPPED"
        })))
        .expect(1)
        .named("status without order_state")
        .mount(&server)
        .await;
    let err = c.status("P2P-000123-A").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("order_state"), "{err}");
}

#[tokio::test]
async fn validate_cart_keeps_text_ids_unicode_and_unknown_error_codes() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    let customer = CustomerBlock::new(
        "75001.HB0001",
        "zoë.müller@hôtel.example",
        "Zoë",
        "Müller-Łukasiewicz",
        "AA00009999",
        "AA00009999",
        "de_de",
    );
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .and(body_json(json!({
            "customer": {
                "mega_code": "75001.HB0001",
                "email": "zoë.müller@hôtel.example",
                "firstname": "Zoë",
                "lastname": "Müller-Łukasiewicz",
                "delivery_address_id": "AA00009999",
                "billing_address_id": "AA00009999",
                "user_store": "de_de"
            },
            "shipping_zone_code": "DE-DE",
            "offers": [
                {"offer_id": "OF-7", "quantity": 1},
                {"offer_id": "0042", "quantity": 3},
                {"offer_id": 4294967296u64, "quantity": 4294967295u32}
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [
                {"error_code": "SHIPPING_ZONE_NOT_ALLOWED", "offer_id": 4294967296u64, "shipping_type_code": null},
                {"error_code": "SOMETHING_NEW", "offer_id": "OF-7"}
            ],
            "orders": [],
            "total_count": 0
        })))
        .expect(1)
        .named("validate-cart odd ids")
        .mount(&server)
        .await;
    let lines = vec![
        CartLine::new("OF-7", 1),
        CartLine::new("0042", 3),
        CartLine::new("4294967296", u32::MAX),
    ];
    let answer = c
        .validate_cart(&ValidateCartRequest::new(customer, "DE-DE", lines.clone()))
        .await
        .unwrap();
    let short = answer.short_lines(&lines);
    assert_eq!(short.len(), 2);
    assert_eq!(
        (short[0].offer_id.as_str(), short[0].requested),
        ("4294967296", u32::MAX)
    );
    assert_eq!(short[1].error_code.as_deref(), Some("SOMETHING_NEW"));
}

#[tokio::test]
async fn validate_cart_503_until_the_retries_run_out_is_transient() {
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "status": 503, "message": "The service is unavailable at the moment. Please try again later"
        })))
        .named("validate-cart always 503")
        .mount(&server)
        .await;
    let req = ValidateCartRequest::new(customer(), "FR-FR", vec![CartLine::new("35308", 1)]);
    let err = c.validate_cart(&req).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());
    let sent = server.received_requests().await.unwrap();
    let attempts = sent
        .iter()
        .filter(|r| r.url.path() == "/oms-api/validate-cart")
        .count();
    assert!(attempts > 1, "validate-cart was not retried ({attempts})");
}

fn draft() -> connector_core::OrderDraft {
    use connector_core::{
        Address, AddressId, AddressKind, Customer, ExternalOrderId, OfferId, OrderDraft, OrderLine,
        Organization, OrganizationId, Person,
    };
    let mut person = Person::new("Test", "P2P");
    person.email = Some("test@gmail.com".into());
    let mut org = Organization::new("Hotel");
    org.id = Some(OrganizationId::new("92320.HB1624").unwrap());
    let mut cust = Customer::new();
    cust.person = Some(person);
    cust.organization = Some(org);
    cust.store = Some("fr_fr".into());
    cust.addresses = vec![Address::by_id(
        AddressId::new("AA00001221").unwrap(),
        AddressKind::Delivery,
    )];
    let line = |offer: &str, q| {
        let mut l = OrderLine::new(None, q);
        l.offer_id = Some(OfferId::new(offer).unwrap());
        l
    };
    OrderDraft::new(
        ExternalOrderId::new("ERP-PO-9").unwrap(),
        cust,
        vec![line("35308", dec!(10)), line("41000", dec!(200))],
    )
}

#[tokio::test]
async fn the_connector_does_not_report_a_placement_when_no_sub_order_was_created() {
    use connector_core::OrderPlacement;
    let server = MockServer::start().await;
    let c = AccorClient::new(
        config(&server)
            .default_shipping_zone("FR-FR")
            .build()
            .unwrap(),
    )
    .unwrap();
    token_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [],
            "offers_not_shippable": [
                {"offer_id": 35308, "error_code": "SHIPPING_TYPE_NOT_FOUND"},
                {"offer_id": 41000, "error_code": "OFFER_NOT_FOUND"}
            ]
        })))
        .expect(1)
        .named("po nothing shippable")
        .mount(&server)
        .await;
    let conn = accor_oms::AccorConnector::new(c);
    let err = conn.place(&draft()).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("35308")
            && text.contains("SHIPPING_TYPE_NOT_FOUND")
            && text.contains("41000"),
        "{text}"
    );
}

#[tokio::test]
async fn a_partly_placed_order_returns_the_refused_offers_with_the_created_sub_orders() {
    use connector_core::OrderPlacement;
    let server = MockServer::start().await;
    let c = AccorClient::new(
        config(&server)
            .default_shipping_zone("FR-FR")
            .build()
            .unwrap(),
    )
    .unwrap();
    token_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [{"order_id": "P2P-000130-A", "commercial_id": "P2P-000130", "shop_id": 2001,
                        "order_state": "STAGING", "order_lines": [{"offer_id": 35308, "quantity": 10}]}],
            "offers_not_shippable": [{"offer_id": 41000, "error_code": "SHIPPING_TYPE_NOT_FOUND"}]
        })))
        .expect(1)
        .named("po partly shippable")
        .mount(&server)
        .await;
    let conn = accor_oms::AccorConnector::new(c);
    let placed = conn.place(&draft()).await.unwrap();
    let ids: Vec<&str> = placed.order_ids.iter().map(|i| i.as_str()).collect();
    assert_eq!(ids, ["P2P-000130-A"]);
    assert_eq!(
        placed.refused_lines,
        [connector_core::RefusedLine::new(
            "41000",
            Some("SHIPPING_TYPE_NOT_FOUND".into())
        )]
    );
}

#[tokio::test]
async fn supplier_shipping_comes_from_the_selected_types_entry_of_shipping_types() {
    // SH02: `selected_shipping_type` has code/label/deadline only; the totals are in
    // `shipping_types[]`. Lines here carry no `line_shipping_price`.
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [],
            "orders": [{
                "channel_code": null,
                "currency_iso_code": "EUR",
                "leadtime_to_ship": 2,
                "shop_id": 2001,
                "shop_name": "Linen & Co",
                "selected_shipping_type": {"code": "STD", "label": "Standard",
                    "shipping_deadline": "2024-09-27T15:00:00Z",
                    "delivery_time": {"earliest_days": 2, "latest_days": 4}},
                "shipping_types": [
                    {"code": "DELIVERY_ROUND", "label": "Delivery round", "total_shipping_price": 0},
                    {"code": "STD", "label": "Standard", "total_shipping_price": 12.50}
                ],
                "offers": [
                    {"offer_id": 35308, "offer_price": 13.50, "offer_quantity": 500,
                     "line_original_quantity": 2, "line_quantity": 2, "line_price": 27.00}
                ]
            }],
            "total_count": 1
        })))
        .expect(1)
        .named("validate-cart, SH02 shipping types")
        .mount(&server)
        .await;
    let answer = c
        .validate_cart(&ValidateCartRequest::new(
            customer(),
            "FR-FR",
            vec![CartLine::new("35308", 2)],
        ))
        .await
        .unwrap();
    let totals = answer.supplier_totals();
    assert_eq!(totals[0].goods, dec!(27.00));
    assert_eq!(totals[0].shipping, dec!(12.50));
    assert_eq!(totals[0].total(), dec!(39.50));
}

#[tokio::test]
async fn the_connector_names_the_validate_cart_error_of_an_offer_it_cannot_place() {
    // With a comment, place() asks validate-cart for each offer's supplier first. An offer
    // validate-cart refuses must be reported with its error code, and nothing ordered.
    use connector_core::OrderPlacement;
    let server = MockServer::start().await;
    let c = AccorClient::new(
        config(&server)
            .default_shipping_zone("FR-FR")
            .build()
            .unwrap(),
    )
    .unwrap();
    token_ok(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/validate-cart"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"error_code": "OFFER_NOT_FOUND", "offer_id": 41000, "shipping_type_code": null}],
            "orders": [{
                "shop_id": 2001, "shop_name": "Linen & Co", "currency_iso_code": "EUR",
                "offers": [{"offer_id": 35308, "offer_price": 12.40, "offer_quantity": 500,
                            "line_original_quantity": 10, "line_quantity": 10, "line_price": 124.00}]
            }],
            "total_count": 1
        })))
        .expect(1)
        .named("validate-cart, one offer unknown")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .named("purchase-order never sent")
        .mount(&server)
        .await;
    let mut d = draft();
    d.comment = Some("Reception desk".into());
    let err = accor_oms::AccorConnector::new(c)
        .place(&d)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("`offers[1].offer_id`") && text.contains("OFFER_NOT_FOUND"),
        "{text}"
    );
}

#[tokio::test]
async fn numeric_order_ids_are_read_as_text() {
    // Accor generates the order ids and does not say their JSON type: a number must not make
    // a created order unreadable.
    let server = MockServer::start().await;
    let c = client(&server).await;
    Mock::given(method("POST"))
        .and(path("/oms-api/purchase-order"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "orders": [{"order_id": 100023, "commercial_id": 100020, "shop_id": 2001,
                        "order_state": "STAGING",
                        "order_lines": [{"order_line_id": 1000231, "offer_id": 35308, "quantity": 10}]}],
            "offers_not_shippable": []
        })))
        .expect(1)
        .named("po numeric ids")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oms-api/status/100023"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_id": 100023, "order_state": "WAITING_ACCEPTANCE",
            "order_lines": [{"order_line_id": 1000231, "offer_id": 35308, "quantity": 10,
                             "order_line_state": "WAITING_ACCEPTANCE"}]
        })))
        .expect(1)
        .named("status numeric ids")
        .mount(&server)
        .await;
    let placed = c.purchase_order(&po_request()).await.unwrap();
    assert_eq!(placed.orders[0].order_id, "100023");
    assert_eq!(placed.orders[0].commercial_id.as_deref(), Some("100020"));
    let s = c.status(&placed.orders[0].order_id).await.unwrap();
    assert_eq!(s.order_id, "100023");
    assert_eq!(s.order_lines[0].order_line_id.as_deref(), Some("1000231"));
}
