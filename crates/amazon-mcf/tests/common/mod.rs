//! Shared helpers of the wiremock tests (a module of each test binary).
#![allow(dead_code)]

use std::time::Duration;

use amazon_mcf::{AmazonMcfBuilder, AmazonMcfClient, Environment, user_agent};
use connector_core::{Error, ManualClock, RetryPolicy, SecretString};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

pub(crate) const TOKEN: &str = "Atza|tok-1";
pub(crate) const OUT: &str = "/fba/outbound/2020-07-01";

pub(crate) fn ua() -> String {
    user_agent("TestERP", env!("CARGO_PKG_VERSION")).unwrap()
}

pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
        .with_max_attempts(4)
}

pub(crate) fn builder(server: &MockServer, clock: &ManualClock) -> AmazonMcfBuilder {
    AmazonMcfClient::builder()
        .client_id("amzn1.application-oa2-client.test")
        .client_secret(SecretString::from("lwa-secret-value".to_string()))
        .refresh_token(SecretString::from("Atzr|refresh-value".to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .endpoint(server.uri())
        .lwa_url(format!("{}/auth/o2/token", server.uri()))
        .app_id("TestERP")
        .retry(fast_retry())
        .clock(clock.shared())
}

pub(crate) fn client(server: &MockServer, clock: &ManualClock) -> AmazonMcfClient {
    builder(server, clock).build().unwrap()
}

pub(crate) fn sandbox_client(server: &MockServer, clock: &ManualClock) -> AmazonMcfClient {
    builder(server, clock)
        .environment(Environment::Sandbox)
        .build()
        .unwrap()
}

/// The LWA token endpoint, answering `Atza|tok-1`, expected exactly `times` times.
pub(crate) async fn mount_token(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "grant_type=refresh_token&refresh_token=Atzr%7Crefresh-value&client_id=amzn1.application-oa2-client.test&client_secret=lwa-secret-value",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"Atza|tok-1","token_type":"bearer","expires_in":3600,"refresh_token":"Atzr|refresh-value"}"#,
        ))
        .expect(times)
        .named("lwa token")
        .mount(server)
        .await;
}

/// A mock for an SP-API call with the token and User-Agent checked.
pub(crate) fn api(m: &str, p: &str) -> MockBuilder {
    Mock::given(method(m))
        .and(path(p.to_string()))
        .and(header("x-amz-access-token", TOKEN))
        .and(header("user-agent", ua().as_str()))
}

/// A JSON answer with Amazon's headers.
pub(crate) fn amazon(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .insert_header("x-amzn-RequestId", "req-0001")
        .insert_header("x-amzn-RateLimit-Limit", "2.0")
        .set_body_string(body.to_string())
}

/// Asserts that `err` is `InvalidInput` naming `field`.
#[track_caller]
pub(crate) fn assert_invalid_field(err: &Error, field: &str) {
    assert!(
        matches!(err, Error::InvalidInput { field: f, .. } if f == field),
        "{err}"
    );
}

/// A catch-all mock answering `answer` that must never be called (named `name`).
pub(crate) async fn expect_nothing(server: &MockServer, answer: ResponseTemplate, name: &str) {
    Mock::given(wiremock::matchers::any())
        .respond_with(answer)
        .expect(0)
        .named(name)
        .mount(server)
        .await;
}
