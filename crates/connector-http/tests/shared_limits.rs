//! Rate limits shared across clients through a `SharedRateLimits` registry, on wiremock with a
//! manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;
use std::time::Duration;

use connector_core::{ManualClock, RateLimit, RateLimitStore, SharedRateLimits};
use connector_http::{HttpClient, HttpClientBuilder, Request, SHARED_DEFAULT_BUCKET};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A client named `name` (its User-Agent, so the mocks count each client's requests).
fn named(server: &MockServer, clock: &ManualClock, name: &str) -> HttpClientBuilder {
    HttpClient::builder(server.uri())
        .clock(clock.shared())
        .user_agent(name)
}

/// Expects exactly `times` GETs of `/p` from the client named `ua`.
async fn expect_get(server: &MockServer, p: &str, ua: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path(p.to_string()))
        .and(header("user-agent", ua))
        .respond_with(ResponseTemplate::new(200))
        .expect(times)
        .named(format!("GET {p} from {ua}"))
        .mount(server)
        .await;
}

async fn get(client: &HttpClient, p: &str, op: &str) {
    client
        .send(Request::get(p).operation(op))
        .await
        .unwrap_or_else(|e| panic!("GET {p}: {e}"));
}

fn one_per_second_burst_two() -> RateLimit {
    RateLimit::per_second(1.0, 2).unwrap()
}

#[tokio::test]
async fn two_clients_with_the_same_scope_are_paced_as_one_bucket() {
    let server = MockServer::start().await;
    expect_get(&server, "/orders", "a", 2).await;
    expect_get(&server, "/orders", "b", 2).await;
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let a = named(&server, &clock, "a")
        .rate_limit("orders.get", one_per_second_burst_two())
        .shared_rate_limits(registry.clone(), "account-1")
        .build()
        .unwrap();
    let b = named(&server, &clock, "b")
        .rate_limit("orders.get", one_per_second_burst_two())
        .shared_rate_limits(registry.clone(), "account-1")
        .build()
        .unwrap();
    get(&a, "orders", "orders.get").await;
    get(&b, "orders", "orders.get").await;
    assert!(clock.sleeps().is_empty(), "the burst of two goes at once");
    get(&a, "orders", "orders.get").await;
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(1),
        "the third call waits"
    );
    get(&b, "orders", "orders.get").await;
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(1)]
    );
    assert!(Arc::ptr_eq(
        &a.rate_limiter("orders.get").unwrap(),
        &b.rate_limiter("orders.get").unwrap()
    ));
    assert_eq!(
        registry.keys(),
        vec![("account-1".to_string(), "orders.get".to_string())]
    );
    assert!(format!("{a:?}").contains(r#"rate_limit_scope: Some("account-1")"#));
}

#[tokio::test]
async fn clients_without_a_registry_or_with_other_scopes_are_independent() {
    let server = MockServer::start().await;
    for ua in ["solo-1", "solo-2", "scope-1", "scope-2"] {
        expect_get(&server, "/orders", ua, 2).await;
    }
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let build = |ua: &str, scope: Option<&str>| {
        let b = named(&server, &clock, ua).rate_limit("orders.get", one_per_second_burst_two());
        match scope {
            Some(s) => b.shared_rate_limits(registry.clone(), s),
            None => b,
        }
        .build()
        .unwrap()
    };
    let clients = [
        build("solo-1", None),
        build("solo-2", None),
        build("scope-1", Some("account-1")),
        build("scope-2", Some("account-2")),
    ];
    // Each client uses its own burst of two: eight calls, no wait.
    for c in &clients {
        get(c, "orders", "orders.get").await;
        get(c, "orders", "orders.get").await;
    }
    assert_eq!(clock.elapsed(), Duration::ZERO, "{:?}", clock.sleeps());
    assert_eq!(registry.len(), 2);
    assert!(format!("{:?}", clients[0]).contains("rate_limit_scope: None"));
}

#[tokio::test]
async fn a_rate_read_from_the_header_by_one_client_slows_the_other() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/slow"))
        .and(header("user-agent", "a"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-amzn-RateLimit-Limit", "0.5"))
        .expect(1)
        .named("GET /slow from a")
        .mount(&server)
        .await;
    expect_get(&server, "/orders", "b", 2).await;
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let build = |ua: &str| {
        named(&server, &clock, ua)
            .rate_limit("orders.get", RateLimit::per_second(2.0, 1).unwrap())
            .adaptive_rate_limit_header("x-amzn-RateLimit-Limit")
            .shared_rate_limits(registry.clone(), "account-1")
            .build()
            .unwrap()
    };
    let (a, b) = (build("a"), build("b"));
    get(&a, "slow", "orders.get").await;
    assert_eq!(
        b.rate_limiter("orders.get")
            .unwrap()
            .limit()
            .per_second_value(),
        0.5
    );
    // b's first call waits for the slot a's call used, at a's adapted rate: 2 s, not 0.5 s.
    get(&b, "orders", "orders.get").await;
    assert_eq!(clock.elapsed(), Duration::from_secs(2));
    get(&b, "orders", "orders.get").await;
    assert_eq!(clock.elapsed(), Duration::from_secs(4));
}

#[tokio::test]
async fn the_per_operation_template_and_the_default_bucket_are_shared_too() {
    let server = MockServer::start().await;
    for ua in ["a", "b"] {
        expect_get(&server, "/x", ua, 1).await;
        expect_get(&server, "/y", ua, 1).await;
    }
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let one_per_second = RateLimit::per_second(1.0, 1).unwrap();
    let templated = |ua: &str| {
        named(&server, &clock, ua)
            .per_operation_rate_limit(one_per_second)
            .shared_rate_limits(registry.clone(), "per-op")
            .build()
            .unwrap()
    };
    let (a, b) = (templated("a"), templated("b"));
    get(&a, "x", "x.get").await;
    get(&b, "x", "x.get").await;
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(1),
        "one bucket for x.get"
    );
    get(&b, "y", "y.get").await;
    assert_eq!(clock.elapsed(), Duration::from_secs(1), "y.get has its own");
    get(&a, "y", "y.get").await;
    assert_eq!(clock.elapsed(), Duration::from_secs(2), "shared with b's");

    let server = MockServer::start().await;
    for ua in ["c", "d"] {
        expect_get(&server, "/x", ua, 1).await;
    }
    let defaulted = |ua: &str| {
        named(&server, &clock, ua)
            .default_rate_limit(one_per_second)
            .shared_rate_limits(registry.clone(), "default")
            .build()
            .unwrap()
    };
    let (c, d) = (defaulted("c"), defaulted("d"));
    get(&c, "x", "x.get").await;
    get(&d, "x", "other.op").await;
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(3),
        "every operation of both clients draws from the one default bucket"
    );
    assert_eq!(
        registry.keys(),
        vec![
            ("default".to_string(), SHARED_DEFAULT_BUCKET.to_string()),
            ("per-op".to_string(), "x.get".to_string()),
            ("per-op".to_string(), "y.get".to_string()),
        ]
    );
}

/// A [`RateLimitStore`] standing in for a database shared by processes: it records every call
/// and answers a fixed wait, or fails.
#[derive(Debug, Default)]
struct FakeStore {
    calls: std::sync::Mutex<Vec<String>>,
    wait: Duration,
    fail: bool,
}

#[async_trait::async_trait]
impl RateLimitStore for FakeStore {
    async fn reserve(
        &self,
        scope: &str,
        operation: &str,
        limit: RateLimit,
    ) -> Result<Duration, connector_core::Error> {
        self.calls.lock().unwrap().push(format!(
            "reserve {scope} {operation} {}/s",
            limit.per_second_value()
        ));
        if self.fail {
            return Err(connector_core::Error::transient("database unreachable"));
        }
        Ok(self.wait)
    }

    async fn set_rate(
        &self,
        scope: &str,
        operation: &str,
        limit: RateLimit,
    ) -> Result<(), connector_core::Error> {
        self.calls.lock().unwrap().push(format!(
            "set_rate {scope} {operation} {}/s",
            limit.per_second_value()
        ));
        Ok(())
    }
}

#[tokio::test]
async fn a_store_behind_the_registry_paces_every_call_and_learns_header_rates() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-amzn-RateLimit-Limit", "0.5"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let store = Arc::new(FakeStore {
        wait: Duration::from_secs(2),
        ..FakeStore::default()
    });
    let registry = SharedRateLimits::with_store(store.clone());
    let client = named(&server, &clock, "a")
        .rate_limit("orders.get", one_per_second_burst_two())
        .default_rate_limit(one_per_second_burst_two())
        .adaptive_rate_limit_header("x-amzn-RateLimit-Limit")
        .shared_rate_limits(registry, "seller-1")
        .build()
        .unwrap();
    get(&client, "orders", "orders.get").await;
    get(&client, "orders", "orders.get").await;
    get(&client, "other", "other.get").await;
    // Every call waited what the store said; the local burst of two would not have waited.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2); 3]);
    assert_eq!(
        *store.calls.lock().unwrap(),
        vec![
            "reserve seller-1 orders.get 1/s".to_string(),
            "set_rate seller-1 orders.get 0.5/s".to_string(),
            "reserve seller-1 orders.get 0.5/s".to_string(),
            format!("reserve seller-1 {SHARED_DEFAULT_BUCKET} 1/s"),
            format!("set_rate seller-1 {SHARED_DEFAULT_BUCKET} 0.5/s"),
        ]
    );
}

#[tokio::test]
async fn a_failing_store_falls_back_to_the_local_bucket() {
    let server = MockServer::start().await;
    expect_get(&server, "/orders", "a", 3).await;
    let clock = ManualClock::new();
    let store = Arc::new(FakeStore {
        wait: Duration::from_secs(60),
        fail: true,
        ..FakeStore::default()
    });
    let client = named(&server, &clock, "a")
        .rate_limit("orders.get", one_per_second_burst_two())
        .shared_rate_limits(SharedRateLimits::with_store(store.clone()), "seller-1")
        .build()
        .unwrap();
    for _ in 0..3 {
        get(&client, "orders", "orders.get").await;
    }
    // The local bucket (burst two, then 1 s) paced the calls, not the failing store's 60 s.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
    assert_eq!(store.calls.lock().unwrap().len(), 3);
}
