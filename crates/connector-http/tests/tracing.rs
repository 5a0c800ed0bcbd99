//! Tracing output never contains secrets or query strings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::sync::{Arc, Mutex};

use connector_core::SecretString;
use connector_http::{HttpClient, Request, StaticHeaders};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn spans_and_events_carry_no_secret_and_no_query() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let http = HttpClient::builder(format!("{}/api", server.uri()))
        .auth(Arc::new(StaticHeaders::new(vec![(
            "ApiAuth".into(),
            SecretString::from("header-secret-123".to_string()),
        )])))
        .build()
        .unwrap();
    http.send(
        Request::get("orders")
            .operation("orders.list")
            .query("access_key", "query-secret-456"),
    )
    .await
    .unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("orders.list"),
        "the span names the operation: {logs}"
    );
    assert!(
        logs.contains("/api/orders"),
        "the span names the path: {logs}"
    );
    assert!(logs.contains("retrying"), "the retry is logged: {logs}");
    for leak in ["header-secret-123", "query-secret-456", "access_key"] {
        assert!(
            !logs.contains(leak),
            "`{leak}` leaked into the logs: {logs}"
        );
    }
}
