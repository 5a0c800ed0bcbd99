//! The order API against wiremock: exact requests, realistic answers, errors, the kit rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use connector_core::{Error, ManualClock, OrderState, SecretString};
use futures::{StreamExt, TryStreamExt};
use rust_decimal_macros::dec;
use totvs_omni::{
    AccessKey, KitCheck, Nfe, NfeDocument, OmniClient, OmniConfig, OmniStatus, Payment,
    PaymentMethod, RejectError, RejectItem, ShipmentNotice,
};
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORDER: &str = r#"{
  "id": "OM-1001",
  "externalId": "VTEX-778812",
  "channel": "vtex",
  "status": "PENDING_CONFIRMATION",
  "createdAt": "2026-11-20T13:05:00Z",
  "customer": {"name": "Maria Souza", "document": "12345678909", "email": "maria@example.com.br"},
  "total": 309.70,
  "currency": "BRL",
  "items": [
    {"itemId": "1", "sku": "CAM-P", "name": "Camiseta P", "quantity": 1, "price": 129.90},
    {"itemId": "2", "sku": "KIT-PRAIA-TOALHA", "quantity": 1, "price": 99.90, "kitId": "KIT-PRAIA"},
    {"itemId": "3", "sku": "KIT-PRAIA-BOLSA", "quantity": 1, "price": 79.90, "kitId": "KIT-PRAIA"}
  ],
  "paymentMethod": "CREDIT_CARD"
}"#;

async fn setup() -> (MockServer, OmniClient, ManualClock) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("username=erp&password=order-pw"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"token":"tok-1","expiresIn":3600}"#),
        )
        .named("login")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let config = common::config(&server, "pw", &clock).build().unwrap();
    (server, OmniClient::new(config).unwrap(), clock)
}

fn order() -> totvs_omni::OmniOrder {
    serde_json::from_str(ORDER).unwrap()
}

fn key() -> AccessKey {
    AccessKey::parse("3526 1123 4567 8000 0190 5500 1000 0123 4510 0012 3453").unwrap()
}

#[tokio::test]
async fn lists_paid_orders_pending_confirmation_with_bearer_token() {
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .and(query_param("status", "PENDING_CONFIRMATION"))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "50"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!(r#"{{"orders":[{ORDER}],"page":1,"totalPages":1}}"#)),
        )
        .expect(1)
        .named("list pending confirmation")
        .mount(&server)
        .await;
    let list = omni
        .orders()
        .unwrap()
        .pending_confirmation(1)
        .await
        .unwrap();
    assert_eq!(list.orders.len(), 1);
    let o = &list.orders[0];
    assert_eq!(o.status, OmniStatus::PendingConfirmation);
    assert_eq!(o.total, Some(dec!(309.70)));
    assert_eq!(o.items[2].kit_id.as_deref(), Some("KIT-PRAIA"));
    assert_eq!(o.extra["paymentMethod"], "CREDIT_CARD");
    let shared = totvs_omni::convert::order_to_shared(o).unwrap();
    assert_eq!(shared.status.state, OrderState::AwaitingAcceptance);
    assert_eq!(shared.status.raw, "PENDING_CONFIRMATION");
    assert_eq!(shared.lines[1].kit_id.as_deref(), Some("KIT-PRAIA"));
    assert_eq!(shared.total.unwrap().amount, dec!(309.70));
}

#[tokio::test]
async fn one_order_that_does_not_map_is_reported_and_does_not_hold_back_the_others() {
    use connector_core::OrderFeed;
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .and(query_param("status", "PENDING_CONFIRMATION"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"orders":[{{"id":"OM-BAD","status":"PENDING_CONFIRMATION","currency":"REAIS","items":[]}},{ORDER}],"page":1,"totalPages":1}}"#
        )))
        .expect(1)
        .named("a page with one unmappable order")
        .mount(&server)
        .await;
    let batch = omni.pull_orders(None).await.unwrap();
    assert_eq!(batch.orders.len(), 1, "the good order comes through");
    assert_eq!(batch.orders[0].status.raw, "PENDING_CONFIRMATION");
    assert_eq!(batch.rejected.len(), 1);
    let bad = &batch.rejected[0];
    assert_eq!((bad.index, bad.key.as_str()), (0, "OM-BAD"));
    assert!(bad.error.to_string().contains("currency"), "{}", bad.error);
}

#[tokio::test]
async fn without_total_pages_the_stream_reads_until_an_empty_page() {
    let (server, omni, _) = setup().await;
    // Page 2 is short (1 of pageSize), page 3 has more: a short page is not the end.
    for (page, body) in [
        (
            "1",
            r#"{"orders":[{"id":"OM-1","status":"CONFIRMED","items":[]},{"id":"OM-2","status":"CONFIRMED","items":[]}]}"#,
        ),
        (
            "2",
            r#"{"orders":[{"id":"OM-3","status":"CONFIRMED","items":[]}],"page":2}"#,
        ),
        (
            "3",
            r#"{"orders":[{"id":"OM-4","status":"CONFIRMED","items":[]}]}"#,
        ),
        ("4", r#"{"orders":[]}"#),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/orders"))
            .and(query_param("status", "CONFIRMED"))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(1)
            .named("list page without totalPages")
            .mount(&server)
            .await;
    }
    let ids: Vec<String> = omni
        .orders()
        .unwrap()
        .stream(OmniStatus::Confirmed)
        .map_ok(|o| o.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["OM-1", "OM-2", "OM-3", "OM-4"]);
}

#[tokio::test]
async fn a_list_that_ignores_the_page_parameter_is_an_error_not_a_loop() {
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"orders":[{"id":"OM-1","status":"CONFIRMED","items":[]}]}"#),
        )
        .expect(2)
        .named("same page whatever the page parameter")
        .mount(&server)
        .await;
    let results: Vec<_> = omni
        .orders()
        .unwrap()
        .stream(OmniStatus::Confirmed)
        .collect()
        .await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap().id, "OM-1");
    let err = results[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().contains("ignore the `page` parameter"),
        "{err}"
    );
}

#[tokio::test]
async fn the_stream_follows_pages_and_unknown_statuses_decode() {
    let (server, omni, _) = setup().await;
    for page in ["1", "2"] {
        let status = if page == "1" {
            "PENDING_CONFIRMATION"
        } else {
            "AGUARDANDO_ANALISE"
        };
        Mock::given(method("GET"))
            .and(path("/api/orders"))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!(
                r#"{{"orders":[{{"id":"OM-{page}","status":"{status}","items":[]}}],"page":{page},"totalPages":2}}"#
            )))
            .expect(1)
            .named("list page")
            .mount(&server)
            .await;
    }
    let all: Vec<_> = omni
        .orders()
        .unwrap()
        .stream(OmniStatus::PendingConfirmation)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[1].status,
        OmniStatus::Unknown("AGUARDANDO_ANALISE".into())
    );
    assert_eq!(
        totvs_omni::convert::status_to_shared(&all[1].status).state,
        OrderState::Unknown
    );
}

#[tokio::test]
async fn read_404_is_not_found_and_401_triggers_one_relogin() {
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-404"))
        .respond_with(ResponseTemplate::new(404).set_body_string(
            r#"{"code":"ORDER_NOT_FOUND","message":"pedido OM-404 não encontrado"}"#,
        ))
        .expect(1)
        .named("get 404")
        .mount(&server)
        .await;
    let err = omni.orders().unwrap().get("OM-404").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.platform_code(), Some("ORDER_NOT_FOUND"));

    Mock::given(method("GET"))
        .and(path("/api/orders/OM-1001"))
        .respond_with(ResponseTemplate::new(401).set_body_string(r#"{"code":"TOKEN"}"#))
        .up_to_n_times(1)
        .expect(1)
        .named("get 401 once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-1001"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ORDER))
        .expect(1)
        .named("get after relogin")
        .mount(&server)
        .await;
    let o = omni.orders().unwrap().get("OM-1001").await.unwrap();
    assert_eq!(o.id, "OM-1001");
    let logins = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/auth/token")
        .count();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn a_refused_login_is_an_auth_error_without_the_password() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"message":"usuário ou senha inválidos"}"#),
        )
        .expect(1)
        .named("login refused")
        .mount(&server)
        .await;
    let config = OmniConfig::builder("SITE-42", "integrador", SecretString::from("pw"))
        .load_host(server.uri())
        .orders_api(
            format!("{}/api", server.uri()),
            "erp",
            SecretString::from("wrong-pw"),
        )
        .build()
        .unwrap();
    let omni = OmniClient::new(config).unwrap();
    let err = omni.orders().unwrap().get("OM-1").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("wrong-pw"));
}

#[tokio::test]
async fn confirm_posts_to_the_route_and_a_503_is_not_retried() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/confirm"))
        .and(header("authorization", "Bearer tok-1"))
        .and(body_string("{}"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("confirm")
        .mount(&server)
        .await;
    omni.orders().unwrap().confirm("OM-1001").await.unwrap();
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-9/confirm"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("confirm 503")
        .mount(&server)
        .await;
    let err = omni.orders().unwrap().confirm("OM-9").await.unwrap_err();
    assert!(err.is_retryable());
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-8/confirm"))
        .respond_with(ResponseTemplate::new(409).set_body_string(
            r#"{"code":"INVALID_STATUS","message":"pedido em CONFIRMED não aceita esta operação"}"#,
        ))
        .expect(1)
        .named("confirm 409")
        .mount(&server)
        .await;
    let err = omni.orders().unwrap().confirm("OM-8").await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn rejection_sends_items_and_reason() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/reject"))
        .and(body_json(serde_json::json!({
            "items": [{"itemId": "2", "quantity": 1}, {"itemId": "3", "quantity": 1}],
            "reason": "sem estoque"
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("reject kit")
        .mount(&server)
        .await;
    omni.orders()
        .unwrap()
        .reject_items(
            &order(),
            vec![RejectItem::new("2", dec!(1)), RejectItem::new("3", dec!(1))],
            "sem estoque",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn kit_rule_is_checked_client_side_when_membership_is_known() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/reject"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("reject never sent")
        .mount(&server)
        .await;
    let err = omni
        .orders()
        .unwrap()
        .reject_items(&order(), vec![RejectItem::new("2", dec!(1))], "sem estoque")
        .await
        .unwrap_err();
    match &err {
        RejectError::KitIncomplete(v) => {
            assert_eq!(v.kit_id.as_deref(), Some("KIT-PRAIA"));
            assert_eq!(v.kit_items, vec!["2", "3"]);
            assert_eq!(v.missing, vec!["3"]);
            assert_eq!(v.found_by, KitCheck::Client);
        }
        other => panic!("{other:?}"),
    }
    let as_error: Error = err.into();
    assert!(matches!(as_error, Error::InvalidInput { ref field, .. } if field == "items"));
    let err = omni
        .orders()
        .unwrap()
        .reject_items(&order(), vec![RejectItem::new("9", dec!(1))], "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RejectError::Other(Error::InvalidInput { ref field, .. }) if field == "items[0].item_id")
    );
}

#[tokio::test]
async fn kit_refusal_from_the_server_is_decoded_into_the_typed_error() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/reject"))
        .and(body_json(serde_json::json!({"items": [{"itemId": "2", "quantity": 1}], "reason": "avaria"})))
        .respond_with(ResponseTemplate::new(422).set_body_string(
            r#"{"code":"KIT_INCOMPLETE","message":"os itens do kit KIT-PRAIA devem ser rejeitados juntos","kitId":"KIT-PRAIA","kitItems":["2","3"]}"#,
        ))
        .expect(1)
        .named("reject refused")
        .mount(&server)
        .await;
    let err = omni
        .orders()
        .unwrap()
        .reject_items_unchecked("OM-1001", vec![RejectItem::new("2", dec!(1))], "avaria")
        .await
        .unwrap_err();
    match err {
        RejectError::KitIncomplete(v) => {
            assert_eq!(v.kit_id.as_deref(), Some("KIT-PRAIA"));
            assert_eq!(v.kit_items, vec!["2", "3"]);
            assert_eq!(v.missing, vec!["3"]);
            assert_eq!(v.found_by, KitCheck::Server);
        }
        other => panic!("{other:?}"),
    }
    // Another 4xx stays an ordinary error.
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-7/reject"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"code":"INVALID_REJECTION","message":"item 9 não pertence ao pedido"}"#,
        ))
        .expect(1)
        .named("reject 400")
        .mount(&server)
        .await;
    let err = omni
        .orders()
        .unwrap()
        .reject_items_unchecked("OM-7", vec![RejectItem::new("9", dec!(1))], "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RejectError::Other(ref e) if e.platform_code() == Some("INVALID_REJECTION"))
    );
}

#[tokio::test]
async fn invoice_ship_and_deliver_send_their_documented_bodies() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/invoice"))
        .and(body_json(serde_json::json!({
            "number": "12345",
            "series": "1",
            "accessKey": "35261123456780000190550010000123451000123453",
            "issuedOn": "2026-11-24",
            "value": 129.90,
            "url": "https://nfe.example.com.br/danfe/12345.xml"
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("invoice")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/ship"))
        .and(body_json(serde_json::json!({
            "carrier": "Correios",
            "trackingNumber": "BR123456789BR",
            "trackingUrl": "https://rastreamento.correios.com.br/BR123456789BR",
            "shippedAt": "2026-11-25T09:00:00Z"
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("ship")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/deliver"))
        .and(body_json(
            serde_json::json!({"deliveredAt": "2026-11-27T15:30:00Z"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("deliver")
        .mount(&server)
        .await;
    let orders = omni.orders().unwrap();
    let nfe = Nfe::new(
        "12345",
        "1",
        key(),
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        dec!(129.90),
        NfeDocument::Url("https://nfe.example.com.br/danfe/12345.xml".into()),
    )
    .unwrap();
    orders.invoice("OM-1001", &nfe).await.unwrap();
    let shipped = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    orders
        .ship(
            "OM-1001",
            &ShipmentNotice::new("Correios", "BR123456789BR", shipped)
                .url("https://rastreamento.correios.com.br/BR123456789BR"),
        )
        .await
        .unwrap();
    orders
        .deliver(
            "OM-1001",
            Utc.with_ymd_and_hms(2026, 11, 27, 15, 30, 0).unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn infinite_shelf_lists_pending_payment_and_registers_a_payment() {
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/infinite-shelf/orders"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"orders":[{"id":"OM-2001","channel":"prateleira-infinita","status":"PENDING_PAYMENT","total":129.90,"items":[{"itemId":"1","sku":"CAM-P","quantity":1,"price":129.90}],"storeId":"LOJA-01"}],"page":1,"totalPages":1}"#,
        ))
        .expect(1)
        .named("pending payment")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/infinite-shelf/orders/OM-2001/payment"))
        .and(body_json(serde_json::json!({
            "method": "CREDIT_CARD",
            "amount": 129.90,
            "installments": 3,
            "authorizationCode": "A1B2C3",
            "nsu": "000123456",
            "paidAt": "2026-11-24T18:20:00Z"
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("payment")
        .mount(&server)
        .await;
    let orders = omni.orders().unwrap();
    let list = orders.pending_payment(1).await.unwrap();
    assert_eq!(list.orders[0].status, OmniStatus::PendingPayment);
    assert_eq!(
        totvs_omni::convert::status_to_shared(&list.orders[0].status).state,
        OrderState::AwaitingPayment
    );
    let paid_at = Utc.with_ymd_and_hms(2026, 11, 24, 18, 20, 0).unwrap();
    orders
        .register_payment(
            "OM-2001",
            &Payment::new(PaymentMethod::CreditCard, dec!(129.90), paid_at)
                .installments(3)
                .card("A1B2C3", "000123456"),
        )
        .await
        .unwrap();
    // Validation before sending.
    for (p, field) in [
        (
            Payment::new(PaymentMethod::Pix, dec!(0), paid_at),
            "payment.amount",
        ),
        (
            Payment::new(PaymentMethod::Pix, dec!(10), paid_at).installments(2),
            "payment.installments",
        ),
        (
            Payment::new(PaymentMethod::DebitCard, dec!(10), paid_at),
            "payment.authorization_code",
        ),
    ] {
        let err = orders.register_payment("OM-2001", &p).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref f, .. } if f == field),
            "{err:?}"
        );
    }
}

#[test]
fn nfe_access_key_check_digit() {
    // A published sample key and one computed for these tests.
    assert!(AccessKey::parse("52060433009911002506550120000007800267301615").is_ok());
    let k = key();
    assert_eq!(k.state_code(), "35");
    assert_eq!(k.series(), "001");
    assert_eq!(k.number(), "000012345");
    for (bad, rule) in [
        (
            "52060433009911002506550120000007800267301614",
            "check digit 4, expected 5",
        ),
        (
            "35261123456780000190550010000123451000123450",
            "check digit 0, expected 3",
        ),
        ("5206043300991100250655012000000780026730161", "44 digits"),
        ("5206043300991100250655012000000780026730161X", "44 digits"),
    ] {
        match AccessKey::parse(bad).unwrap_err() {
            Error::InvalidInput { field, rule: r } => {
                assert_eq!(field, "access_key");
                assert!(r.contains(rule), "{r}");
            }
            other => panic!("{other:?}"),
        }
    }
    // Remainder 0 or 1 gives check digit 0.
    assert_eq!(
        totvs_omni::nfe::check_digit("3526110000000000000055001000000001100000001"),
        1
    );
    let err = Nfe::new(
        "12345",
        "1",
        key(),
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        dec!(10.001),
        NfeDocument::Xml("<nfeProc/>".into()),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "nfe.value"));
}

#[tokio::test]
async fn a_429_on_a_read_is_retried_after_retry_after() {
    let (server, omni, clock) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-1001"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .expect(1)
        .named("get 429")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-1001"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ORDER))
        .expect(1)
        .named("get after 429")
        .mount(&server)
        .await;
    let o = omni.orders().unwrap().get("OM-1001").await.unwrap();
    assert_eq!(o.items.len(), 3);
    assert_eq!(clock.sleeps(), vec![std::time::Duration::from_secs(2)]);
}

#[tokio::test]
async fn a_rejection_naming_an_item_twice_or_a_bad_quantity_is_refused_before_sending() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1001/reject"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("reject never sent")
        .mount(&server)
        .await;
    let orders = omni.orders().unwrap();
    // Item 1 has quantity 1: twice 1 would reject 2.
    let err = orders
        .reject_items(
            &order(),
            vec![RejectItem::new("1", dec!(1)), RejectItem::new("1", dec!(1))],
            "sem estoque",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RejectError::Other(Error::InvalidInput { field, rule }) if field == "items[1].item_id" && rule.contains("twice")),
        "{err:?}"
    );
    for (qty, field) in [
        (dec!(0), "items[0].quantity"),
        (dec!(-1), "items[0].quantity"),
        (dec!(2), "items[0].quantity"),
    ] {
        let err = orders
            .reject_items(&order(), vec![RejectItem::new("1", qty)], "sem estoque")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RejectError::Other(Error::InvalidInput { field: f, .. }) if f == field),
            "{qty}: {err:?}"
        );
    }
    let err = orders
        .reject_items(&order(), vec![], "sem estoque")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RejectError::Other(Error::InvalidInput { field, .. }) if field == "items")
    );
    let err = orders
        .reject_items(&order(), vec![RejectItem::new("1", dec!(1))], " ")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RejectError::Other(Error::InvalidInput { field, .. }) if field == "reason")
    );
    let err = orders
        .reject_items_unchecked(
            "OM-1001",
            vec![RejectItem::new("2", dec!(1)), RejectItem::new("2", dec!(1))],
            "x",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RejectError::Other(Error::InvalidInput { field, .. }) if field == "items[1].item_id"),
        "{err:?}"
    );
    let err = orders
        .reject_items_unchecked("OM-1001", vec![RejectItem::new("2", dec!(0))], "x")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RejectError::Other(Error::InvalidInput { field, .. }) if field == "items[0].quantity"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_gateway_error_on_a_write_is_outcome_unknown_with_its_reconcile_hint() {
    let (server, omni, _) = setup().await;
    for (route, status) in [
        ("/api/orders/OM-1001/confirm", 500u16),
        ("/api/orders/OM-1001/invoice", 502),
        ("/api/orders/OM-1001/ship", 504),
        ("/api/orders/OM-1001/deliver", 500),
        ("/api/orders/OM-1001/reject", 502),
        ("/api/infinite-shelf/orders/OM-2001/payment", 504),
    ] {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(status).set_body_string("<html>Gateway Timeout</html>"),
            )
            .expect(1) // never sent twice
            .named(route)
            .mount(&server)
            .await;
    }
    let orders = omni.orders().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let nfe = Nfe::new(
        "12345",
        "1",
        key(),
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        dec!(129.90),
        NfeDocument::Xml("<nfeProc/>".into()),
    )
    .unwrap();
    let results: Vec<(&str, Error)> = vec![
        (
            "totvs_omni.confirm",
            orders.confirm("OM-1001").await.unwrap_err(),
        ),
        (
            "totvs_omni.invoice",
            orders.invoice("OM-1001", &nfe).await.unwrap_err(),
        ),
        (
            "totvs_omni.ship",
            orders
                .ship("OM-1001", &ShipmentNotice::new("Correios", "BR1", at))
                .await
                .unwrap_err(),
        ),
        (
            "totvs_omni.deliver",
            orders.deliver("OM-1001", at).await.unwrap_err(),
        ),
        (
            "totvs_omni.reject_items",
            orders
                .reject_items(&order(), vec![RejectItem::new("1", dec!(1))], "avaria")
                .await
                .unwrap_err()
                .into(),
        ),
        (
            "totvs_omni.register_payment",
            orders
                .register_payment(
                    "OM-2001",
                    &Payment::new(PaymentMethod::Pix, dec!(129.90), at),
                )
                .await
                .unwrap_err(),
        ),
    ];
    for (op, err) in results {
        match &err {
            Error::OutcomeUnknown {
                operation,
                reconcile,
                ..
            } => {
                assert_eq!(operation, op);
                assert!(reconcile.contains("get(\""), "{reconcile}");
            }
            other => panic!("{op}: expected OutcomeUnknown, got {other:?}"),
        }
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn malformed_answers_are_decode_errors_and_an_empty_queue_ends_the_stream() {
    let (server, omni, _) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .and(query_param("status", "CONFIRMED"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"orders":[],"page":1,"totalPages":0}"#),
        )
        .expect(1)
        .named("empty list")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-BAD"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"id":"OM-BAD","status":"CONFIRMED","items":[{"itemId":"1","sku":"A","quantity":"um"}]}"#,
        ))
        .expect(1)
        .named("malformed order")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-HTML"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .expect(1)
        .named("html instead of json")
        .mount(&server)
        .await;
    let orders = omni.orders().unwrap();
    let all: Vec<_> = orders
        .stream(OmniStatus::Confirmed)
        .try_collect()
        .await
        .unwrap();
    assert!(all.is_empty());
    assert!(matches!(
        orders.get("OM-BAD").await.unwrap_err(),
        Error::Decode { .. }
    ));
    assert!(matches!(
        orders.get("OM-HTML").await.unwrap_err(),
        Error::Decode { .. }
    ));
    // An id with a slash or unicode stays one path segment.
    Mock::given(method("GET"))
        .and(path("/api/orders/PED%2F%C3%87-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"id":"PED/Ç-1","status":"SHIPPED","items":[]}"#),
        )
        .expect(1)
        .named("encoded id")
        .mount(&server)
        .await;
    let o = orders.get("PED/Ç-1").await.unwrap();
    assert_eq!(o.status, OmniStatus::Shipped);
    assert!(
        matches!(orders.get("").await.unwrap_err(), Error::InvalidInput { ref field, .. } if field == "order_id")
    );
}

#[tokio::test]
async fn payment_and_shipment_rules_are_checked_before_sending() {
    let (server, omni, _) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;
    let orders = omni.orders().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 18, 20, 0).unwrap();
    for (p, field) in [
        (
            Payment::new(PaymentMethod::Pix, dec!(-5), at),
            "payment.amount",
        ),
        (
            Payment::new(PaymentMethod::Pix, dec!(10.001), at),
            "payment.amount",
        ),
        (
            Payment::new(PaymentMethod::CreditCard, dec!(10), at).installments(0),
            "payment.installments",
        ),
        (
            Payment::new(PaymentMethod::CreditCard, dec!(10), at).card("A1", ""),
            "payment.nsu",
        ),
        (
            Payment::new(PaymentMethod::Other(" ".into()), dec!(10), at),
            "payment.method",
        ),
    ] {
        let err = orders.register_payment("OM-2001", &p).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref f, .. } if f == field),
            "{err:?}"
        );
    }
    for (s, field) in [
        (ShipmentNotice::new("", "BR1", at), "shipment.carrier"),
        (
            ShipmentNotice::new("Correios", " ", at),
            "shipment.tracking_number",
        ),
    ] {
        let err = orders.ship("OM-1001", &s).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref f, .. } if f == field),
            "{err:?}"
        );
    }
}

#[test]
fn nfe_limits_and_the_remainder_rule() {
    // Remainder 0 or 1 gives check digit 0: 6 x weight 2 = 12, remainder 1; all zeros, 0.
    assert_eq!(
        totvs_omni::nfe::check_digit(&format!("{}6", "0".repeat(42))),
        0
    );
    assert_eq!(totvs_omni::nfe::check_digit(&"0".repeat(43)), 0);
    assert_eq!(
        totvs_omni::nfe::check_digit(&format!("{}1", "0".repeat(42))),
        9
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let doc = || NfeDocument::Xml("<nfeProc/>".into());
    // cUF..model (22 digits), series 999, number 123456789, emission type and code (9).
    let first = "3526112345678000019055999123456789100012345";
    let max_key =
        AccessKey::parse(&format!("{first}{}", totvs_omni::nfe::check_digit(first))).unwrap();
    assert!(Nfe::new("123456789", "999", max_key.clone(), day, dec!(0.01), doc()).is_ok());
    // Number and series must be the ones in the key (leading zeros aside).
    assert!(Nfe::new("000012345", "001", key(), day, dec!(1), doc()).is_ok());
    for (number, series, field) in [("12346", "1", "nfe.number"), ("12345", "2", "nfe.series")] {
        let err = Nfe::new(number, series, key(), day, dec!(1), doc()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref f, ref rule } if f == field && rule.contains("access key")),
            "{err:?}"
        );
    }
    for (number, series, value, document, field) in [
        ("1234567890", "1", dec!(1), doc(), "nfe.number"),
        ("", "1", dec!(1), doc(), "nfe.number"),
        ("12a", "1", dec!(1), doc(), "nfe.number"),
        ("1", "1000", dec!(1), doc(), "nfe.series"),
        ("1", "1", dec!(0), doc(), "nfe.value"),
        ("1", "1", dec!(1), NfeDocument::Xml("  ".into()), "nfe.xml"),
        (
            "1",
            "1",
            dec!(1),
            NfeDocument::Url("ftp://x".into()),
            "nfe.url",
        ),
    ] {
        let err = Nfe::new(number, series, key(), day, value, document).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: ref f, .. } if f == field),
            "{number}/{series}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_login_answer_that_does_not_decode_never_shows_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"token":"tok-LIVE-7f3a9c","expiresIn":"3600 segundos"}"#),
        )
        .expect(1)
        .named("login with a malformed expiresIn")
        .mount(&server)
        .await;
    let config = OmniConfig::builder("SITE-42", "integrador", SecretString::from("pw"))
        .load_host(server.uri())
        .orders_api(
            format!("{}/api", server.uri()),
            "erp",
            SecretString::from("order-pw"),
        )
        .build()
        .unwrap();
    let omni = OmniClient::new(config).unwrap();
    let err = omni.orders().unwrap().get("OM-1").await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "expiresIn"),
        "{err:?}"
    );
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains("tok-LIVE-7f3a9c"), "{shown}");
}
