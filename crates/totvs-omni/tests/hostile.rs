//! TOTVS Omni against answers a platform (or what stands in front of it) gives under stress: a
//! 200 HTML page after a load or a write, a login answer with both token spellings, a slow
//! server, values that would break a request line, and refusals that concern the whole load
//! (unknown site, store or product). Each test failed before its fix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::time::Duration;

use connector_core::{Error, LocationId, ManualClock, SecretString, Sku, Stock, StockSink};
use futures::{StreamExt, stream};
use rust_decimal_macros::dec;
use sandbox_totvs_omni as sim;
use totvs_omni::{IntegrationType, OmniClient, OmniConfig, RejectError, RejectItem, StockLine};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOAD_PATH: &str = "/integrador/session-less/integrations/SITE-42/integration-exec-post";

fn config(server: &MockServer) -> totvs_omni::OmniConfigBuilder {
    common::config(server, "load-pw", &ManualClock::new())
}

/// A client with [`config`] against `server`.
fn client(server: &MockServer) -> OmniClient {
    OmniClient::new(config(server).build().unwrap()).unwrap()
}

/// Loads one stock line of product `A` in store `LOJA-01`.
async fn load_one_stock_line(omni: &OmniClient) -> Result<totvs_omni::LoadReceipt, Error> {
    omni.loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "LOJA-01", dec!(1))]),
        )
        .await
}

fn html() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        "<html><body>Portal: faça login</body></html>",
        "text/html; charset=utf-8",
    )
}

async fn login(server: &MockServer, body: &str) {
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .named("login")
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_200_html_page_is_not_a_load_receipt_nor_a_confirmation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(html())
        .expect(1)
        .named("load")
        .mount(&server)
        .await;
    login(&server, r#"{"token":"tok-1","expiresIn":3600}"#).await;
    for p in ["/api/orders/OM-1/confirm", "/api/orders/OM-1/reject"] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(html())
            .expect(1)
            .named(p)
            .mount(&server)
            .await;
    }
    let omni = client(&server);
    let err = load_one_stock_line(&omni).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains("HTML"), "{err}");
    let orders = omni.orders().unwrap();
    let err = orders.confirm("OM-1").await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let err = orders
        .reject_items_unchecked("OM-1", vec![RejectItem::new("1", dec!(1))], "sem estoque")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RejectError::Other(Error::OutcomeUnknown { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_login_answer_may_hold_both_token_spellings_when_they_agree() {
    for (body, ok) in [
        (
            r#"{"token":"tok-A","access_token":"tok-A","expiresIn":60,"expires_in":60}"#,
            true,
        ),
        (r#"{"access_token":"tok-A","expires_in":60}"#, true),
        (r#"{"token":"tok-A","access_token":"tok-B"}"#, false),
        (
            r#"{"token":"tok-A","expiresIn":60,"expires_in":3600}"#,
            false,
        ),
        (r#"{"expiresIn":60}"#, false),
    ] {
        let server = MockServer::start().await;
        login(&server, body).await;
        Mock::given(method("GET"))
            .and(path("/api/orders/OM-1"))
            .and(wiremock::matchers::header("authorization", "Bearer tok-A"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"id":"OM-1","status":"CONFIRMED","items":[]}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        let omni = client(&server);
        let got = omni.orders().unwrap().get("OM-1").await;
        if ok {
            assert_eq!(got.unwrap().id, "OM-1", "{body}");
        } else {
            let err = got.unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("tok-A") && !shown.contains("tok-B"),
                "{shown}"
            );
            assert!(matches!(err, Error::Decode { .. }), "{body}: {err:?}");
        }
    }
}

#[tokio::test]
async fn the_order_api_timeout_is_configurable_and_a_timed_out_write_is_outcome_unknown() {
    let server = MockServer::start().await;
    login(&server, r#"{"token":"tok-1"}"#).await;
    Mock::given(method("POST"))
        .and(path("/api/orders/OM-1/confirm"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let omni = OmniClient::new(
        config(&server)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(omni.config().timeout(), Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = omni.orders().unwrap().confirm("OM-1").await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        OmniConfig::builder("S", "u", SecretString::from("p"))
            .timeout(Duration::ZERO)
            .build()
            .is_err()
    );
}

#[test]
fn ids_and_users_with_a_line_break_are_refused_at_build() {
    for (site, user, orders_user) in [
        ("SITE\r\n42", "integrador", "erp"),
        ("SITE-42", "integrador\nX", "erp"),
        ("SITE-42", "integrador", "erp\r\nHost: evil"),
        ("SITE\u{0}42", "integrador", "erp"),
    ] {
        let err = OmniConfig::builder(site, user, SecretString::from("pw"))
            .orders_api(
                "https://omni.example.com/api",
                orders_user,
                SecretString::from("pw"),
            )
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
}

fn sim_client(omni: &sim::OmniSimulator, site: &str) -> OmniClient {
    let config = OmniConfig::builder(site, sim::USERNAME, SecretString::from(sim::PASSWORD))
        .load_host(omni.base_url())
        .build()
        .unwrap();
    OmniClient::new(config).unwrap()
}

fn stock(sku: &str, store: &str) -> Stock {
    Stock::new(
        Sku::new(sku).unwrap(),
        Some(LocationId::new(store).unwrap()),
        dec!(3),
    )
}

#[tokio::test]
async fn an_unknown_store_costs_one_upload_and_is_not_bisected() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = sim_client(&omni, sim::SITE_ID);
    // Products first (TOTVS: stock needs its products and its stores).
    c.loads()
        .load(
            IntegrationType::Products,
            stream::iter(
                ["A", "B", "C", "D"]
                    .map(|s| totvs_omni::ProductLine::new(s, format!("Produto {s}"))),
            ),
        )
        .await
        .unwrap();
    let loads_before = omni.state().loads.len();
    // Every line for a store Omni does not have: one upload, every line rejected, named.
    let report = StockSink::push_stock(
        &c,
        stream::iter(vec![
            stock("A", "LOJA-99"),
            stock("B", "LOJA-99"),
            stock("C", "LOJA-99"),
        ])
        .boxed(),
    )
    .await
    .unwrap();
    assert!(report.is_balanced());
    assert_eq!((report.requests, report.rejected.len()), (1, 3), "{report}");
    let text = report.rejected[0].error.to_string();
    assert!(
        text.contains("LOJA-99") && text.contains("register the store"),
        "{text}"
    );
    // Mixed: the unknown store's lines are rejected, the others go in one more upload (one
    // per run of consecutive good lines: the core sends a chunk again as contiguous parts).
    let report = StockSink::push_stock(
        &c,
        stream::iter(vec![
            stock("A", "LOJA-01"),
            stock("C", "CD-SP"),
            stock("B", "LOJA-99"),
            stock("D", "LOJA-99"),
        ])
        .boxed(),
    )
    .await
    .unwrap();
    assert!(report.is_balanced());
    assert_eq!(
        (report.sent, report.rejected.len(), report.requests),
        (2, 2, 2),
        "{report}"
    );
    let rejected: Vec<usize> = report.rejected.iter().map(|r| r.index).collect();
    assert_eq!(rejected, [2, 3]);
    assert_eq!(omni.state().loads.len(), loads_before + 1);
}

#[tokio::test]
async fn an_unknown_site_stops_the_run_as_a_configuration_error() {
    let omni = sim::OmniSimulator::start().await.unwrap();
    let c = sim_client(&omni, "SITE-TYPO");
    let report = StockSink::push_stock(
        &c,
        stream::iter(vec![stock("A", "LOJA-01"), stock("B", "LOJA-01")]).boxed(),
    )
    .await
    .unwrap();
    assert!(report.is_balanced());
    assert_eq!(
        (report.requests, report.not_attempted.len()),
        (1, 2),
        "{report}: {:?}",
        report.failed.first().map(|f| f.error.to_string())
    );
    let err = &report.not_attempted[0].error;
    assert!(matches!(**err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("SITE-TYPO"), "{err}");
}

#[tokio::test]
async fn an_order_list_that_ignores_page_and_reports_billions_of_pages_ends() {
    use futures::TryStreamExt;
    let server = MockServer::start().await;
    login(&server, r#"{"token":"tok-1"}"#).await;
    // Every page is the first one, and the server says there are 4 billion of them.
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"orders":[{"id":"OM-1","status":"CONFIRMED","items":[]},{"id":"OM-2","status":"CONFIRMED","items":[]}],"page":1,"totalPages":4000000000}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let omni = client(&server);
    let orders = omni.orders().unwrap();
    // Billions announced: refused before reading them.
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        orders
            .stream(totvs_omni::OmniStatus::Confirmed)
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("the stream must end")
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("4000000000"), "{err}");
    // Under a cap that allows them, the repeated page still ends the stream at page 2.
    let got: Vec<_> = orders
        .stream_with(
            totvs_omni::OmniStatus::Confirmed,
            connector_core::PageGuard::new("t").with_max_pages(usize::MAX),
        )
        .collect()
        .await;
    assert_eq!(got.len(), 3, "{got:?}");
    let err = got[2].as_ref().unwrap_err();
    assert!(err.to_string().contains("same orders"), "{err}");
}

#[tokio::test]
async fn servers_echoing_the_passwords_or_the_token_never_put_them_in_an_error() {
    let server = MockServer::start().await;
    // The load endpoint quotes the form it got.
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string("bad form: username=integrador&password=load-pw"),
        )
        .mount(&server)
        .await;
    let omni = client(&server);
    let load = load_one_stock_line(&omni).await.unwrap_err();
    // The login quotes the password, once as an error page and once as OAuth's description.
    let login_500 = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("login failed for erp / order-pw"))
        .mount(&login_500)
        .await;
    let login_400 = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/auth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_request", "error_description": "password order-pw is expired"
        })))
        .mount(&login_400)
        .await;
    let mut errors = vec![load];
    for s in [&login_500, &login_400] {
        let omni = client(s);
        errors.push(omni.orders().unwrap().get("OM-1").await.unwrap_err());
    }
    // An order API call whose error page quotes the bearer token.
    let echo = MockServer::start().await;
    login(&echo, r#"{"token":"tok-SECRET-1"}"#).await;
    Mock::given(method("GET"))
        .and(path("/api/orders/OM-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string("bad request: Authorization: Bearer tok-SECRET-1"),
        )
        .mount(&echo)
        .await;
    let omni = client(&echo);
    errors.push(omni.orders().unwrap().get("OM-1").await.unwrap_err());
    for e in &errors {
        let text = format!("{e} {e:?}");
        for secret in ["load-pw", "order-pw", "tok-SECRET-1"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
