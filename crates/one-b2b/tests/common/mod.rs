//! What the ONe wiremock tests share: the credentials, the route prefixes, a client on a manual
//! clock, and mock helpers that check the auth headers and refuse unexpected calls.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use connector_core::{ManualClock, RetryPolicy, SecretString};
use one_b2b::model::{StockLine, Warehouse, WarehouseType};
use one_b2b::{OneClient, OneConfig};
use rust_decimal_macros::dec;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

pub(crate) const KEY: &str = "0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210";
pub(crate) const TENANT: &str = "panelhandlowca";
pub(crate) const ACC: &str = "/api/v1/account/integrations/auth-required";
pub(crate) const PRICING: &str = "/api/v1/pricing/integrations/auth-required";

/// A client of `server` sending at most `max_lines` lines a request; retries wait on a manual
/// clock (no real sleeping), 3 attempts.
pub(crate) fn client_with(server: &MockServer, max_lines: usize) -> OneClient {
    let clock = ManualClock::new();
    OneClient::new(
        OneConfig::builder()
            .base_url(server.uri())
            .tenant(TENANT)
            .api_key(SecretString::from(KEY.to_string()))
            .max_lines(max_lines)
            .retry(
                RetryPolicy::default()
                    .with_jitter(false)
                    .with_backoff(Duration::from_millis(100), Duration::from_secs(1))
                    .with_max_attempts(3),
            )
            .clock(clock.shared())
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// A client of `server` with the default line limit.
pub(crate) fn client(server: &MockServer) -> OneClient {
    client_with(server, 10_000) // ONe's documented limit, the default
}

/// `method` + `path` + the two auth headers + `accept`.
pub(crate) fn one(m: &str, p: &str) -> MockBuilder {
    Mock::given(method(m))
        .and(path(p))
        .and(header("ApiAuth", KEY))
        .and(header("one-tenant", TENANT))
        .and(header("accept", "application/json"))
}

/// Fails the test if any call is not matched by a named mock.
pub(crate) async fn no_other_calls(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599))
        .expect(0)
        .named("unexpected call")
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// Creates the central warehouse `WH-9`.
pub(crate) async fn create_wh9(c: &OneClient) -> Result<(), connector_core::Error> {
    c.create_warehouse(&Warehouse::new("WH-9", WarehouseType::Central))
        .await
}

/// Pushes one stock line (product `A`, quantity 1) to warehouse `WH-1`.
pub(crate) async fn push_one_stock_line(
    c: &OneClient,
) -> Result<connector_core::BatchReport, connector_core::Error> {
    c.push_stock(
        "WH-1",
        futures::stream::iter(vec![StockLine::new("A", dec!(1))]),
        None,
    )
    .await
}
