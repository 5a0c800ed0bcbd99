//! The runtime's promises, checked against wiremock and the sandbox harness.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use connector_core::{
    AuthErrorKind, Error, ManualClock, RateLimit, RetryPolicy, SecretString, SharedClock,
    TokenCache,
};
use connector_http::{BearerAuth, Grant, HttpClient, OAuth2TokenProvider, Request, StaticHeaders};
use connector_sandbox::{Fault, Harness, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
        .with_max_attempts(4)
}

fn client(server: &MockServer, clock: &ManualClock) -> HttpClient {
    HttpClient::builder(format!("{}/api", server.uri()))
        .retry(fast_retry())
        .clock(clock.shared())
        .build()
        .unwrap()
}

/// Fails `n` times with `status`, then answers 200.
struct FailThenOk {
    calls: AtomicUsize,
    n: usize,
    status: u16,
    retry_after: Option<&'static str>,
}

impl Respond for FailThenOk {
    fn respond(&self, _req: &wiremock::Request) -> ResponseTemplate {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.n {
            let mut t = ResponseTemplate::new(self.status).set_body_string(r#"{"message":"busy"}"#);
            if let Some(ra) = self.retry_after {
                t = t.insert_header("retry-after", ra);
            }
            t
        } else {
            ResponseTemplate::new(200).set_body_string(r#"{"ok":true}"#)
        }
    }
}

#[tokio::test]
async fn get_503_twice_then_200_succeeds_in_exactly_three_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/orders/1"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 2,
            status: 503,
            retry_after: None,
        })
        .expect(3)
        .named("orders/1")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let resp = client(&server, &clock)
        .send(Request::get("orders/1"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.attempts(), 3);
    // Exponential backoff without jitter: 100 ms then 200 ms.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn a_raw_query_is_sent_byte_for_byte_after_the_encoded_pairs() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/bucket/f%20one.pdf"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let raw = "X-Amz-Credential=AKIA%2F20261125%2Fus-east-1&sig=ab+cd%2Bef~g&empty=";
    let req = Request::put("bucket/f%20one.pdf")
        .idempotent()
        .query("a b", "c/d")
        .raw_query(raw)
        .bytes("application/pdf", bytes::Bytes::from_static(b"%PDF-"));
    assert!(
        !format!("{req:?}").contains("ab+cd"),
        "raw query kept out of Debug"
    );
    client(&server, &clock).send(req).await.unwrap();
    let got = server.received_requests().await.unwrap();
    assert_eq!(got[0].url.query(), Some(&*format!("a%20b=c%2Fd&{raw}")));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 1,
            status: 429,
            retry_after: Some("7"),
        })
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    client(&server, &clock)
        .send(Request::get("x"))
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_429_is_retried_even_for_a_post_because_it_was_not_processed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 1,
            status: 429,
            retry_after: None,
        })
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    client(&server, &clock)
        .send(Request::post("orders").json_bytes(&b"{}"[..]))
        .await
        .unwrap();
}

#[tokio::test]
async fn post_not_marked_idempotent_is_sent_exactly_once_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/purchase-order"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string(r#"{"code":"Unavailable","message":"try later"}"#),
        )
        .expect(1)
        .named("purchase-order")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .send(
            Request::post("purchase-order")
                .operation("accor.purchase_order")
                .json_bytes(&b"{}"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.platform_code(), Some("Unavailable"));
    assert_eq!(err.attempts(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn idempotent_put_is_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(FailThenOk {
            calls: AtomicUsize::new(0),
            n: 1,
            status: 503,
            retry_after: None,
        })
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    client(&server, &clock)
        .send(Request::put("stocks").idempotent().json_bytes(&b"[]"[..]))
        .await
        .unwrap();
}

#[tokio::test]
async fn total_time_cap_stops_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let policy = RetryPolicy::default()
        .with_jitter(false)
        .with_max_attempts(100)
        .with_backoff(Duration::from_secs(1), Duration::from_secs(1))
        .with_max_elapsed(Duration::from_millis(2500));
    let client = HttpClient::builder(server.uri())
        .retry(policy)
        .clock(clock.shared())
        .build()
        .unwrap();
    let err = client.send(Request::get("x")).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 3);
    assert!(
        clock.elapsed() <= Duration::from_millis(2500),
        "{:?}",
        clock.elapsed()
    );
}

#[tokio::test]
async fn retry_after_longer_than_the_cap_is_returned_not_waited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client(&server, &clock)
        .send(Request::get("x"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn dropped_connection_on_a_post_is_outcome_unknown_and_a_get_is_retried() {
    let sandbox = Harness::start().await.unwrap();
    let clock = ManualClock::new();
    let http = HttpClient::builder(sandbox.base_url())
        .retry(fast_retry())
        .clock(clock.shared())
        .build()
        .unwrap();

    sandbox.faults.inject_for("/demo", Fault::DropConnection, 1);
    let err = http
        .send(
            Request::post("demo/stock")
                .operation("demo.push")
                .reconcile_hint("GET /demo/stock and compare before pushing again")
                .json_bytes(&b"[]"[..]),
        )
        .await
        .unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            operation,
            reconcile,
            ..
        } => {
            assert_eq!(operation, "demo.push");
            assert!(reconcile.contains("GET /demo/stock"));
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert!(!err.is_retryable());

    // A GET after a drop is simply retried (it then meets the demo's 401: no token sent).
    sandbox.faults.inject_for("/demo", Fault::DropConnection, 1);
    let resp = http.send_raw(Request::get("demo/stock")).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.attempts(), 2);
}

#[tokio::test]
async fn html_503_becomes_a_transient_error_with_an_excerpt() {
    let sandbox = Harness::start().await.unwrap();
    let http = HttpClient::builder(sandbox.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    sandbox
        .faults
        .inject_for("/demo", Fault::HtmlServiceUnavailable, 1);
    let err = http.send(Request::get("demo/stock")).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }));
    let ctx = err.context().unwrap();
    assert!(
        ctx.body_excerpt
            .as_deref()
            .unwrap()
            .contains("503 Service Temporarily Unavailable")
    );
}

#[tokio::test]
async fn malformed_body_is_a_decode_error_with_path_and_excerpt() {
    let sandbox = Harness::start().await.unwrap();
    let http = HttpClient::builder(sandbox.base_url()).build().unwrap();
    sandbox.faults.inject_for("/demo", Fault::MalformedBody, 1);
    let err = http
        .send_json::<serde_json::Value>(Request::get("demo/stock"))
        .await
        .unwrap_err();
    match err {
        Error::Decode { excerpt, .. } => assert!(excerpt.starts_with("{\"orders\"")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn error_bodies_are_decoded_with_code_message_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-amzn-RequestId", "req-123")
                .set_body_string(
                    r#"{"errors":[{"code":"InvalidInput","message":"Invalid sellerSku"}]}"#,
                ),
        )
        .mount(&server)
        .await;
    let err = client(&server, &ManualClock::new())
        .send(Request::get("x").operation("op"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { .. }));
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.platform_code(), Some("InvalidInput"));
    assert_eq!(err.request_id(), Some("req-123"));
    assert!(err.to_string().contains("Invalid sellerSku"), "{err}");
    assert!(err.is_record_level());
}

#[tokio::test]
async fn exact_request_line_headers_query_and_body_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/items/SKU%201%2F2"))
        .and(wiremock::matchers::query_param("nextToken", "a b+c"))
        .and(header("user-agent", "my-erp/1.0"))
        .and(header("ApiAuth", "key:secret"))
        .and(header("content-type", "application/json"))
        .and(body_string(r#"{"quantity":3}"#))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let http = HttpClient::builder(format!("{}/api/", server.uri()))
        .user_agent("my-erp/1.0")
        .auth(Arc::new(StaticHeaders::new(vec![(
            "ApiAuth".into(),
            SecretString::from("key:secret".to_string()),
        )])))
        .build()
        .unwrap();
    let path = format!("items/{}", connector_http::encode_segment("SKU 1/2"));
    let resp = http
        .send(
            Request::post(path)
                .query("nextToken", "a b+c")
                .json(&serde_json::json!({"quantity": 3}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

async fn token_server(expect_token_calls: u64) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string(
            "grant_type=client_credentials&client_id=cid&client_secret=csecret",
        ))
        .respond_with(move |_: &wiremock::Request| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_string(format!(
                r#"{{"access_token":"tok-{n}","expires_in":300,"token_type":"Bearer"}}"#
            ))
        })
        .expect(expect_token_calls)
        .named("token endpoint")
        .mount(&server)
        .await;
    (server, calls)
}

fn bearer_client(
    api: &MockServer,
    tokens: &MockServer,
    clock: SharedClock,
) -> (HttpClient, Arc<TokenCache>) {
    let provider = OAuth2TokenProvider::new(
        &format!("{}/token", tokens.uri()),
        "cid",
        SecretString::from("csecret".to_string()),
        Grant::ClientCredentials,
        false,
    )
    .unwrap();
    let cache = Arc::new(TokenCache::new(Arc::new(provider), clock.clone()));
    let http = HttpClient::builder(api.uri())
        .auth(Arc::new(BearerAuth::new(cache.clone())))
        .retry(fast_retry())
        .clock(clock)
        .build()
        .unwrap();
    (http, cache)
}

#[tokio::test]
async fn hundred_concurrent_calls_with_an_expired_token_cause_one_token_request() {
    let (tokens, calls) = token_server(2).await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(100)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    let clock = ManualClock::new();
    let (http, _cache) = bearer_client(&api, &tokens, clock.shared());
    http.send(Request::get("warm-up")).await.unwrap();
    clock.advance(Duration::from_secs(301));
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let http = http.clone();
            tokio::spawn(async move {
                http.send(Request::get(format!("orders/{i}")))
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_401_triggers_one_refresh_and_one_retry_not_a_loop() {
    let (tokens, calls) = token_server(2).await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string(r#"{"error":"invalid_token"}"#))
        .expect(2)
        .named("always 401")
        .mount(&api)
        .await;
    let (http, cache) = bearer_client(&api, &tokens, ManualClock::new().shared());
    let err = http.send(Request::get("x")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::TokenRejected,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(cache.fetch_count(), 2);
}

#[tokio::test]
async fn a_401_then_success_after_refresh() {
    let sandbox = Harness::start().await.unwrap();
    let provider = OAuth2TokenProvider::new(
        &sandbox.token_url(),
        SANDBOX_CLIENT_ID,
        SecretString::from(SANDBOX_CLIENT_SECRET.to_string()),
        Grant::ClientCredentials,
        false,
    )
    .unwrap();
    let cache = Arc::new(TokenCache::new(
        Arc::new(provider),
        connector_core::SystemClock::shared(),
    ));
    let http = HttpClient::builder(sandbox.base_url())
        .auth(Arc::new(BearerAuth::new(cache)))
        .build()
        .unwrap();
    http.send(Request::get("demo/stock")).await.unwrap();
    sandbox.issuer.expire_all();
    let resp = http.send(Request::get("demo/stock")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(sandbox.issuer.issued(), 2);
}

#[tokio::test]
async fn token_endpoint_errors_are_actionable() {
    let sandbox = Harness::start().await.unwrap();
    let bad = OAuth2TokenProvider::new(
        &sandbox.token_url(),
        SANDBOX_CLIENT_ID,
        SecretString::from("wrong".to_string()),
        Grant::ClientCredentials,
        false,
    )
    .unwrap();
    let err = connector_core::TokenProvider::fetch_token(&bad)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::InvalidClient,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("rotate the client id and secret"),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong"));

    let revoked = OAuth2TokenProvider::new(
        &sandbox.token_url(),
        SANDBOX_CLIENT_ID,
        SecretString::from(SANDBOX_CLIENT_SECRET.to_string()),
        Grant::RefreshToken(SecretString::from("Atzr|revoked".to_string())),
        false,
    )
    .unwrap();
    let err = connector_core::TokenProvider::fetch_token(&revoked)
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
    assert!(err.to_string().contains("re-authorize"));
}

#[tokio::test]
async fn a_token_answer_that_does_not_decode_names_the_field_and_hides_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"eyJ-live-token","token_type":"Bearer","expires_in":"3600 seconds"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let provider = OAuth2TokenProvider::new(
        &format!("{}/token", server.uri()),
        "client",
        SecretString::from("secret".to_string()),
        Grant::ClientCredentials,
        true,
    )
    .unwrap();
    let err = connector_core::TokenProvider::fetch_token(&provider)
        .await
        .unwrap_err();
    let Error::Decode { path, excerpt, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, "expires_in");
    assert!(excerpt.is_empty());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("eyJ-live-token"), "{shown}");
    assert!(shown.contains("token endpoint"), "{shown}");
}

#[tokio::test]
async fn rate_limit_paces_calls_on_the_injected_clock() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(200))
        .expect(20)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let http = HttpClient::builder(server.uri())
        .clock(clock.shared())
        .rate_limit(
            "getFulfillmentOrder",
            RateLimit::per_second(2.0, 5).unwrap(),
        )
        .build()
        .unwrap();
    for _ in 0..20 {
        http.send(Request::get("x").operation("getFulfillmentOrder"))
            .await
            .unwrap();
    }
    assert_eq!(clock.elapsed(), Duration::from_millis(7500));
    // Other operations are not limited.
    Mock::given(method("GET"))
        .and(path("/other"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    http.send(Request::get("other").operation("listReturnReasonCodes"))
        .await
        .unwrap();
    assert_eq!(clock.elapsed(), Duration::from_millis(7500));
}

#[tokio::test]
async fn rate_limit_follows_the_rate_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-amzn-RateLimit-Limit", "0.5"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let http = HttpClient::builder(server.uri())
        .clock(clock.shared())
        .per_operation_rate_limit(RateLimit::per_second(2.0, 1).unwrap())
        .adaptive_rate_limit_header("x-amzn-RateLimit-Limit")
        .build()
        .unwrap();
    http.send(Request::get("x").operation("op")).await.unwrap();
    http.send(Request::get("x").operation("op")).await.unwrap();
    // After the first answer the bucket runs at 0.5/s: the second call waited 2 s.
    assert_eq!(clock.elapsed(), Duration::from_secs(2));
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_display() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string(r#"{"message":"denied"}"#))
        .mount(&server)
        .await;
    let provider = OAuth2TokenProvider::new(
        "https://auth.example.com/token",
        "cid",
        SecretString::from("client-secret-XYZ".to_string()),
        Grant::RefreshToken(SecretString::from("refresh-secret-XYZ".to_string())),
        false,
    )
    .unwrap();
    let cache = Arc::new(TokenCache::new(
        Arc::new(provider),
        ManualClock::new().shared(),
    ));
    let builder = HttpClient::builder(server.uri()).auth(Arc::new(StaticHeaders::new(vec![(
        "ApiAuth".into(),
        SecretString::from("api-secret-XYZ".to_string()),
    )])));
    let http = builder.build().unwrap();
    let err = http
        .send(Request::get("x").query("token", "query-secret-XYZ"))
        .await
        .unwrap_err();
    let bearer = BearerAuth::new(cache.clone());
    let req = Request::get("x")
        .query("token", "query-secret-XYZ")
        .header("x-key", SecretString::from("hdr-secret-XYZ".to_string()));
    let outputs = [
        format!("{http:?}"),
        format!(
            "{:?}",
            HttpClient::builder("https://x").auth(Arc::new(BearerAuth::new(cache.clone())))
        ),
        format!("{err:?}"),
        err.to_string(),
        format!("{bearer:?}"),
        format!("{cache:?}"),
        format!("{req:?}"),
    ];
    for out in outputs {
        assert!(!out.contains("secret-XYZ"), "secret leaked: {out}");
    }
}
