//! Tokens, rate limits, retries and the no-duplicate-order promise, on wiremock with a
//! manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amazon_mcf::auth::{AuthorizationCodeExchange, ConsentUrl};
use amazon_mcf::model::Address;
use amazon_mcf::model::outbound::{
    CreateFulfillmentOrderItem, CreateFulfillmentOrderRequest, FulfillmentOrderStatus,
    ShippingSpeedCategory,
};
use amazon_mcf::{AmazonMcfBuilder, AmazonMcfClient, CreateOutcome, Environment, Region};
use chrono::{TimeZone, Utc};
use common::*;
use connector_core::{AuthErrorKind, Error, ManualClock, RateLimit, RetryPolicy, SecretString};
use secrecy::ExposeSecret;
use wiremock::matchers::{body_string, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ORDER: &str = r#"{"payload":{"fulfillmentOrder":{"sellerFulfillmentOrderId":"ERP-7","marketplaceId":"ATVPDKIKX0DER",
  "displayableOrderId":"ERP-7","displayableOrderDate":"2026-11-20T10:00:00Z","displayableOrderComment":"c","shippingSpeedCategory":"Standard",
  "destinationAddress":{"name":"J","addressLine1":"1 Main St","city":"Seattle","postalCode":"98101","countryCode":"US"},
  "receivedDate":"2026-11-20T10:00:05Z","fulfillmentOrderStatus":"Received","statusUpdatedDate":"2026-11-20T10:00:05Z"},
  "fulfillmentOrderItems":[],"returnItems":[],"returnAuthorizations":[]}}"#;

fn order() -> CreateFulfillmentOrderRequest {
    CreateFulfillmentOrderRequest::new(
        "ERP-7",
        "ERP-7",
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        "c",
        ShippingSpeedCategory::Standard,
        Address::new("J", "1 Main St", Some("Seattle".into()), "98101", "US"),
        vec![CreateFulfillmentOrderItem::new("SKU-1", "1", 1)],
    )
}

/// Answers `status` for the first `n` calls, then 200 with `body`.
struct FailThenOk {
    calls: AtomicUsize,
    n: usize,
    status: u16,
    body: &'static str,
}

impl Respond for FailThenOk {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.n {
            ResponseTemplate::new(self.status)
                .insert_header("x-amzn-RequestId", "req-throttled")
                .set_body_string(r#"{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource.","details":""}]}"#)
        } else {
            amazon(200, self.body)
        }
    }
}

/// The authorization-code exchange of the test app against `server`'s LWA token endpoint.
fn code_exchange(server: &MockServer) -> AuthorizationCodeExchange {
    AuthorizationCodeExchange::new(
        &format!("{}/auth/o2/token", server.uri()),
        "amzn1.application-oa2-client.test",
        SecretString::from("lwa-secret-value".to_string()),
        false,
    )
    .unwrap()
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token_fetch() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(amazon(200, ORDER))
        .expect(16)
        .named("get")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    let calls = (0..16).map(|_| c.get_fulfillment_order("ERP-7"));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(c.token_cache().fetch_count(), 1);
}

/// Token endpoint answering `Atza|tok-1`, then `Atza|tok-2`.
struct Tokens(AtomicUsize);

impl Respond for Tokens {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"access_token":"Atza|tok-{n}","token_type":"bearer","expires_in":3600}}"#
        ))
    }
}

/// 403 "expired" for `Atza|tok-1`, 200 for any other token.
struct ExpiredFirstToken;

impl Respond for ExpiredFirstToken {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let token = req
            .headers
            .get("x-amz-access-token")
            .and_then(|v| v.to_str().ok());
        if token == Some("Atza|tok-1") {
            ResponseTemplate::new(403).insert_header("x-amzn-RequestId", "req-403").set_body_string(
                r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}"#,
            )
        } else {
            amazon(200, ORDER)
        }
    }
}

#[tokio::test]
async fn expired_token_403_refreshes_once_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .named("token fetches")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OUT}/fulfillmentOrders/ERP-7")))
        .respond_with(ExpiredFirstToken)
        .expect(2)
        .named("get with expired then fresh token")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let r = client(&server, &clock)
        .get_fulfillment_order("ERP-7")
        .await
        .unwrap();
    assert_eq!(
        r.fulfillment_order.fulfillment_order_status,
        FulfillmentOrderStatus::Received
    );
}

#[tokio::test]
async fn a_403_that_is_not_about_the_token_is_not_refreshed() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(amazon(403, r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}"#))
        .expect(1)
        .named("forbidden")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .get_fulfillment_order("ERP-7")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Auth {
                kind: AuthErrorKind::Forbidden,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req-0001"));
}

#[tokio::test]
async fn invalid_grant_and_invalid_client_are_distinct_and_nothing_else_is_sent() {
    for (code, kind) in [
        ("invalid_grant", AuthErrorKind::InvalidGrant),
        ("invalid_client", AuthErrorKind::InvalidClient),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/o2/token"))
            .respond_with(ResponseTemplate::new(if code == "invalid_client" { 401 } else { 400 }).set_body_string(format!(
                r#"{{"error":"{code}","error_description":"The request has an invalid parameter"}}"#
            )))
            .expect(1)
            .named("token refused")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(amazon(200, ORDER))
            .expect(0)
            .named("no API call")
            .mount(&server)
            .await;
        let clock = ManualClock::new();
        let err = client(&server, &clock)
            .get_fulfillment_order("ERP-7")
            .await
            .unwrap_err();
        match &err {
            Error::Auth { kind: k, .. } => assert_eq!(k, &kind),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.platform_code(), Some(code));
        assert!(
            !err.to_string().contains("lwa-secret-value")
                && !err.to_string().contains("refresh-value")
        );
    }
}

#[tokio::test]
async fn calls_wait_for_the_bucket_instead_of_failing() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(amazon(200, ORDER))
        .expect(35)
        .named("get x35")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    for _ in 0..35 {
        c.get_fulfillment_order("ERP-7").await.unwrap();
    }
    // Burst 30 minus one token of headroom = 29 at once, then one every 0.5 s: 6 waits.
    let elapsed = clock.elapsed();
    assert!(
        elapsed >= Duration::from_millis(2990) && elapsed <= Duration::from_millis(3010),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn the_bucket_follows_x_amzn_ratelimit_limit() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/features"))
        .respond_with(
            amazon(200, r#"{"payload":{"features":[]}}"#)
                .insert_header("x-amzn-RateLimit-Limit", "0.5"),
        )
        .expect(1)
        .named("features")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    assert_eq!(
        c.http()
            .rate_limiter("getFeatures")
            .unwrap()
            .limit()
            .per_second_value(),
        2.0
    );
    c.get_features(None).await.unwrap();
    assert_eq!(
        c.http()
            .rate_limiter("getFeatures")
            .unwrap()
            .limit()
            .per_second_value(),
        0.5
    );
    // Other operations keep their own buckets.
    assert_eq!(
        c.http()
            .rate_limiter("getFulfillmentOrder")
            .unwrap()
            .limit()
            .per_second_value(),
        2.0
    );
    assert_eq!(
        c.http()
            .rate_limiter("getInventorySummaries")
            .unwrap()
            .limit()
            .burst(),
        1
    );
}

#[tokio::test]
async fn a_429_is_retried_with_jittered_backoff_even_for_create() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 2,
            status: 429,
            body: "{}",
        })
        .expect(3)
        .named("create throttled twice")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = builder(&server, &clock)
        .retry(
            RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    assert_eq!(
        c.create_fulfillment_order(&order()).await.unwrap(),
        CreateOutcome::Accepted
    );
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert!(
        sleeps[0] >= Duration::from_millis(50) && sleeps[0] <= Duration::from_millis(100),
        "{sleeps:?}"
    );
    assert!(
        sleeps[1] >= Duration::from_millis(100) && sleeps[1] <= Duration::from_millis(200),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn persistent_429_becomes_rate_limited_with_request_id() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 100,
            status: 429,
            body: ORDER,
        })
        .expect(4)
        .named("always throttled")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .get_fulfillment_order("ERP-7")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("req-throttled"));
    assert_eq!(err.platform_code(), Some("QuotaExceeded"));
}

async fn timed_out_create(
    server: &MockServer,
    get: ResponseTemplate,
) -> Result<CreateOutcome, Error> {
    mount_token(server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .respond_with(amazon(200, "{}").set_delay(Duration::from_millis(1500)))
        .expect(1) // never sent twice
        .named("create (answer too late)")
        .mount(server)
        .await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(get)
        .expect(1)
        .named("reconcile lookup")
        .mount(server)
        .await;
    let clock = ManualClock::new();
    let c = builder(server, &clock)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    c.create_fulfillment_order(&order()).await
}

#[tokio::test]
async fn create_timeout_then_found_reports_created() {
    let server = MockServer::start().await;
    let outcome = timed_out_create(&server, amazon(200, ORDER)).await.unwrap();
    match outcome {
        CreateOutcome::FoundAfterLostAnswer { reason, order } => {
            assert!(reason.contains("timed out"), "{reason}");
            assert_eq!(order.fulfillment_order.seller_fulfillment_order_id, "ERP-7");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_timeout_then_404_says_safe_to_resend() {
    let server = MockServer::start().await;
    let err = timed_out_create(
        &server,
        amazon(404, r#"{"errors":[{"code":"NotFound","message":"Requested order not found","details":""}]}"#),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("safe to send again"), "{err}");
    assert_eq!(err.request_id(), Some("req-0001"));
}

#[tokio::test]
async fn create_timeout_with_failed_lookup_stays_outcome_unknown() {
    let server = MockServer::start().await;
    let err = timed_out_create(
        &server,
        amazon(
            400,
            r#"{"errors":[{"code":"InvalidInput","message":"bad","details":""}]}"#,
        ),
    )
    .await
    .unwrap_err();
    match &err {
        Error::OutcomeUnknown { reconcile, .. } => assert!(
            reconcile.contains("get_fulfillment_order(\"ERP-7\")"),
            "{reconcile}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn create_500_is_reconciled_not_resent() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    api("POST", &format!("{OUT}/fulfillmentOrders"))
        .respond_with(amazon(500, r#"{"errors":[{"code":"InternalFailure","message":"We encountered an internal error. Please try again.","details":""}]}"#))
        .expect(1)
        .named("create 500")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/fulfillmentOrders/ERP-7"))
        .respond_with(amazon(200, ORDER))
        .expect(1)
        .named("lookup")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let outcome = client(&server, &clock)
        .create_fulfillment_order(&order())
        .await
        .unwrap();
    assert!(
        matches!(outcome, CreateOutcome::FoundAfterLostAnswer { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn authorization_code_exchange_posts_the_documented_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .and(body_string(
            "grant_type=authorization_code&code=RHx%7Cabc&redirect_uri=https%3A%2F%2Ferp.example.com%2Fcb&client_id=amzn1.application-oa2-client.test&client_secret=lwa-secret-value",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"Atza|new","refresh_token":"Atzr|seller-refresh","token_type":"bearer","expires_in":3600}"#,
        ))
        .expect(1)
        .named("code exchange")
        .mount(&server)
        .await;
    let ex = code_exchange(&server);
    let tokens = ex
        .exchange(
            &SecretString::from("RHx|abc".to_string()),
            "https://erp.example.com/cb",
        )
        .await
        .unwrap();
    assert_eq!(tokens.refresh_token.expose_secret(), "Atzr|seller-refresh");
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"error":"invalid_grant","error_description":"The authorization code has expired"}"#,
        ))
        .expect(1)
        .named("expired code")
        .mount(&server)
        .await;
    let ex = AuthorizationCodeExchange::new(
        &server.uri(),
        "id",
        SecretString::from("s".to_string()),
        false,
    )
    .unwrap();
    let err = ex
        .exchange(&SecretString::from("old".to_string()), "https://x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::InvalidGrant,
                ..
            }
        ),
        "{err:?}"
    );

    // A 200 whose body does not decode (here `expires_in` as text): the error names the
    // field, and neither token appears in it.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"Atza|live-access","refresh_token":"Atzr|live-refresh","token_type":"bearer","expires_in":"one hour"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let ex = AuthorizationCodeExchange::new(
        &server.uri(),
        "id",
        SecretString::from("s".to_string()),
        false,
    )
    .unwrap();
    let err = ex
        .exchange(&SecretString::from("RHx|abc".to_string()), "https://x")
        .await
        .unwrap_err();
    let Error::Decode { path, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, "expires_in");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("live-access") && !shown.contains("live-refresh"),
        "{shown}"
    );
}

#[test]
fn endpoints_follow_region_environment_and_marketplace() {
    let b = || {
        AmazonMcfClient::builder()
            .client_id("id")
            .client_secret(SecretString::from("lwa-secret-value".to_string()))
            .refresh_token(SecretString::from("Atzr|refresh-value".to_string()))
    };
    let de = b().marketplace_id("A1PA6795UKMFR9").build().unwrap();
    assert_eq!(de.region(), Region::Europe);
    assert_eq!(
        de.http().base_url().as_str(),
        "https://sellingpartnerapi-eu.amazon.com/"
    );
    let jp = b()
        .marketplace_id("A1VC38T7YXB528")
        .sandbox()
        .build()
        .unwrap();
    assert_eq!(jp.environment(), Environment::Sandbox);
    assert_eq!(
        jp.http().base_url().as_str(),
        "https://sandbox.sellingpartnerapi-fe.amazon.com/"
    );
    let us = b().marketplace_id("ATVPDKIKX0DER").build().unwrap();
    assert_eq!(
        us.http().base_url().as_str(),
        "https://sellingpartnerapi-na.amazon.com/"
    );
    let err = b()
        .marketplace_id("ATVPDKIKX0DER")
        .region(Region::Europe)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let err = b().marketplace_id("NOPE").build().unwrap_err();
    assert!(err.to_string().contains("set the region"), "{err}");
    assert!(
        AmazonMcfClient::builder()
            .marketplace_id("ATVPDKIKX0DER")
            .build()
            .is_err()
    );
    // Plain http only on loopback or with allow_http.
    assert!(
        b().marketplace_id("ATVPDKIKX0DER")
            .endpoint("http://proxy.example.com")
            .build()
            .is_err()
    );
    assert!(
        b().marketplace_id("ATVPDKIKX0DER")
            .rate_limit(
                "getFulfillmentOrder",
                RateLimit::per_second(10.0, 40).unwrap()
            )
            .build()
            .is_ok()
    );
}

#[test]
fn from_env_reads_the_prefix_and_debug_hides_secrets() {
    let vars = [
        ("AMAZON_MCF_CLIENT_ID", "amzn1.application-oa2-client.env"),
        ("AMAZON_MCF_CLIENT_SECRET", "env-secret-123"),
        ("AMAZON_MCF_REFRESH_TOKEN", "Atzr|env-refresh-456"),
        ("AMAZON_MCF_MARKETPLACE_ID", "A13V1IB3VIYZZH"),
        ("AMAZON_MCF_ENVIRONMENT", "sandbox"),
    ];
    let b = AmazonMcfBuilder::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let dbg = format!("{b:?}");
    let c = b.build().unwrap();
    assert_eq!(c.environment(), Environment::Sandbox);
    assert_eq!(
        c.http().base_url().as_str(),
        "https://sandbox.sellingpartnerapi-eu.amazon.com/"
    );
    let dbg2 = format!("{c:?}");
    for d in [&dbg, &dbg2] {
        assert!(
            !d.contains("env-secret-123") && !d.contains("env-refresh-456"),
            "{d}"
        );
    }
    assert!(dbg.contains("amzn1.application-oa2-client.env"));
    let bad = AmazonMcfBuilder::from_lookup(|k| {
        (k == "AMAZON_MCF_ENVIRONMENT").then(|| "staging".to_string())
    });
    assert!(bad.is_err());
}

#[test]
fn user_agent_has_amazons_form_and_consent_url_is_built() {
    let ua = amazon_mcf::user_agent("My ERP", "3.1.4-rc.1+build.7").unwrap();
    assert!(
        ua.starts_with("My ERP/3.1.4-rc.1+build.7 (Language=Rust; Platform="),
        "{ua}"
    );
    assert!(
        ua.ends_with(&format!(
            "; Library=erp-connectors-amazon-mcf/{})",
            env!("CARGO_PKG_VERSION")
        )),
        "{ua}"
    );
    assert!(ua.len() <= 500);
    assert!(amazon_mcf::user_agent(&"x".repeat(600), "1").is_err());
    // Whatever would break the header or its `name/version (k=v; k=v)` form is refused,
    // naming the field.
    for (name, version, field) in [
        ("bad(app)", "1.0", "app_id"),
        ("a/b", "1.0", "app_id"),
        ("a;b", "1.0", "app_id"),
        ("ERP\r\nX-Evil: 1", "1.0", "app_id"),
        ("Caf\u{e9}", "1.0", "app_id"),
        (" ERP", "1.0", "app_id"),
        ("ERP", "", "app_version"),
        ("ERP", "1.0 beta", "app_version"),
        ("ERP", "1.0)", "app_version"),
        ("ERP", "1.0\n", "app_version"),
    ] {
        match amazon_mcf::user_agent(name, version) {
            Err(connector_core::Error::InvalidInput { field: f, .. }) => {
                assert_eq!(f, field, "{name:?} {version:?}")
            }
            other => panic!("{name:?} {version:?}: {other:?}"),
        }
    }
    let url = ConsentUrl::new(Region::FarEast, "amzn1.sp.solution.1", "0123456789abcdef")
        .build()
        .unwrap();
    assert!(
        url.starts_with("https://sellercentral.amazon.co.jp/apps/authorize/consent?"),
        "{url}"
    );
}

#[tokio::test]
async fn many_calls_refused_with_the_same_expired_token_refresh_it_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2) // the first token, then exactly one refresh for all eight refusals
        .named("token fetches")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OUT}/fulfillmentOrders/ERP-7")))
        .respond_with(ExpiredFirstToken)
        .expect(16)
        .named("8 refused + 8 retried")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    // Fetch the first token before the burst so every call uses (and is refused with) it.
    c.token_cache().token().await.unwrap();
    let calls = (0..8).map(|_| c.get_fulfillment_order("ERP-7"));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(c.token_cache().fetch_count(), 2);
}

#[tokio::test]
async fn the_token_is_refreshed_early_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .named("token fetches")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OUT}/features")))
        .respond_with(amazon(200, r#"{"payload":{"features":[]}}"#))
        .expect(3)
        .named("features")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = client(&server, &clock);
    c.get_features(None).await.unwrap();
    clock.advance(Duration::from_secs(3600 - 61)); // still outside the 60 s margin
    c.get_features(None).await.unwrap();
    assert_eq!(c.token_cache().fetch_count(), 1);
    clock.advance(Duration::from_secs(2)); // inside the margin: refreshed before use
    c.get_features(None).await.unwrap();
    assert_eq!(c.token_cache().fetch_count(), 2);
}

#[tokio::test]
async fn sandbox_clients_stay_within_the_sandbox_usage_plan() {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let limit = |c: &amazon_mcf::AmazonMcfClient, op: &str| {
        let l = c.http().rate_limiter(op).unwrap().limit();
        (l.per_second_value(), l.burst())
    };
    let sandbox = sandbox_client(&server, &clock);
    // 2/s, burst 30 in production; the sandbox allows 5/s, burst 15 (minus the default
    // burst headroom of 1 in both).
    assert_eq!(limit(&sandbox, "getFulfillmentPreview"), (2.0, 14));
    assert_eq!(limit(&sandbox, "deliveryOffers"), (5.0, 14));
    assert_eq!(limit(&sandbox, "getInventorySummaries"), (2.0, 1));
    let production = client(&server, &clock);
    assert_eq!(limit(&production, "getFulfillmentPreview"), (2.0, 29));
    assert_eq!(limit(&production, "deliveryOffers"), (5.0, 29));
}

#[tokio::test]
async fn the_users_application_name_and_version_reach_the_user_agent() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let expected = format!(
        "Acme ERP/4.2.0-beta.1 (Language=Rust; Platform={}/{}; Library=erp-connectors-amazon-mcf/{})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(method("GET"))
        .and(path(format!("{OUT}/features")))
        .and(wiremock::matchers::header("user-agent", expected.as_str()))
        .respond_with(amazon(200, r#"{"payload":{"features":[]}}"#))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = builder(&server, &clock)
        .app("Acme ERP", "4.2.0-beta.1")
        .build()
        .unwrap();
    c.get_features(None).await.unwrap();
    let err = builder(&server, &clock)
        .app("Acme ERP", "4.2\r\nX-Injected: 1")
        .build()
        .unwrap_err();
    assert_invalid_field(&err, "app_version");
    let from_env = AmazonMcfBuilder::from_lookup(|k| match k {
        "AMAZON_MCF_APP_ID" => Some("Acme ERP".into()),
        "AMAZON_MCF_APP_VERSION" => Some("4.2.0-beta.1".into()),
        _ => None,
    })
    .unwrap();
    assert!(format!("{from_env:?}").contains("4.2.0-beta.1"));
}

/// A token endpoint that echoes the submitted form back, raw and decoded, in the body and in
/// the OAuth `error_description`.
struct EchoForm {
    status: u16,
    json: bool,
    code: &'static str,
}

impl Respond for EchoForm {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let raw = String::from_utf8_lossy(&req.body).into_owned();
        let decoded: Vec<String> = url::form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let decoded = decoded.join(" ");
        let body = if self.json {
            serde_json::json!({
                "error": self.code,
                "error_description": format!("Cannot process {decoded}"),
                "request": raw,
            })
            .to_string()
        } else {
            format!("<html><body>Bad request: {raw} ({decoded})</body></html>")
        };
        ResponseTemplate::new(self.status).set_body_string(body)
    }
}

fn assert_no_secret(err: &Error, secrets: &[&str]) {
    for shown in [err.to_string(), format!("{err:?}")] {
        for s in secrets {
            assert!(!shown.contains(s), "`{s}` leaked: {shown}");
        }
    }
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_form_leaks_no_secret() {
    // client secret, refresh token as sent (`|` encoded) and decoded
    let secrets = ["lwa-secret-value", "refresh-value", "Atzr%7C", "Atzr|"];
    for (status, json, code) in [
        (400, true, "invalid_request"),
        (400, false, "invalid_request"),
        (401, true, "invalid_client"),
        (400, true, "invalid_grant"),
        (500, false, "server_error"),
        (503, true, "temporarily_unavailable"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/o2/token"))
            .respond_with(EchoForm { status, json, code })
            .mount(&server)
            .await;
        let clock = ManualClock::new();
        let c = builder(&server, &clock)
            .retry(RetryPolicy::default().with_max_attempts(1))
            .build()
            .unwrap();
        let err = c.get_features(None).await.unwrap_err();
        assert_no_secret(&err, &secrets);
        // What is kept: the status and the OAuth code, so the error is still actionable.
        let shown = err.to_string();
        assert!(shown.contains(&status.to_string()) || json, "{shown}");
        if json {
            assert!(
                shown.contains(code) || format!("{err:?}").contains(code),
                "{err:?}"
            );
        }
        if code == "invalid_client" {
            assert!(
                matches!(
                    &err,
                    Error::Auth {
                        kind: AuthErrorKind::InvalidClient,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }
    // The authorization-code exchange: the secret and the single-use code stay home too.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .respond_with(EchoForm {
            status: 400,
            json: true,
            code: "invalid_request",
        })
        .mount(&server)
        .await;
    let ex = code_exchange(&server);
    let err = ex
        .exchange(
            &SecretString::from("RHx|c0de-s3cret".to_string()),
            "https://erp.example.com/cb",
        )
        .await
        .unwrap_err();
    assert_no_secret(&err, &["lwa-secret-value", "c0de-s3cret"]);
}
