//! The runtime under hostile answers (issue 12): redirects are not followed, bodies are
//! capped, `.`/`..` cannot leave their route, echoed secrets never reach an error, and local
//! failures are not retried as network failures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;
use std::time::Duration;

use connector_core::{Error, ManualClock, RetryPolicy, SecretString, TokenProvider};
use connector_http::{
    BasicAuth, FieldValue, Grant, HttpClient, OAuth2TokenProvider, Request, StaticHeaders,
};
use connector_sandbox::hostile::{Answer, ScriptedServer};

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .with_max_attempts(4)
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// Both renderings of an error, where a secret must never appear.
fn shown(e: &Error) -> String {
    format!("{e} {e:?}")
}

const API_KEY: &str = "key-7f3a9c:s3cr3t/+=";

fn keyed(server: &ScriptedServer) -> HttpClient {
    HttpClient::builder(format!("{}/api", server.url()))
        .retry(fast_retry())
        .clock(ManualClock::new().shared())
        .auth(Arc::new(StaticHeaders::new(vec![(
            "ApiAuth".into(),
            secret(API_KEY),
        )])))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_carries_no_credential() {
    let other = ScriptedServer::always(Answer::json(200, r#"{"ok":true}"#))
        .await
        .unwrap();
    let target = format!("{}/steal?token=abc", other.url());
    let server = ScriptedServer::start(vec![
        Answer::redirect(302, target.clone()),
        Answer::redirect(307, target.clone()),
    ])
    .await
    .unwrap();
    let client = keyed(&server);
    let err = client
        .send(Request::get("orders/1").operation("orders.get"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(302));
    let text = err.to_string();
    assert!(text.contains("orders.get"), "{text}");
    assert!(
        text.contains(&format!("{}/steal", other.url())) && text.contains("another origin"),
        "{text}"
    );
    assert!(
        !text.contains("token=abc"),
        "the query may hold a token: {text}"
    );
    // A redirected write is an error that says it was not done, never a success.
    let err = client
        .send(
            Request::post("orders")
                .operation("orders.create")
                .json(&serde_json::json!({"id": 1}))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(307));
    assert!(err.to_string().contains("did not reach"), "{err}");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert_eq!(server.requests().len(), 2, "not retried");
}

#[tokio::test]
async fn an_oversized_body_is_refused_while_read_naming_the_operation() {
    let server = ScriptedServer::start(vec![
        // With a Content-Length: refused before reading.
        Answer::json(200, format!("[{}1]", "1,".repeat(600_000))),
        // Without one (chunked, endless): refused once the cap is passed.
        Answer::Endless {
            status: 200,
            headers: Vec::new(),
            chunk: vec![b' '; 64 * 1024],
        },
        Answer::Endless {
            status: 200,
            headers: Vec::new(),
            chunk: vec![b' '; 64 * 1024],
        },
    ])
    .await
    .unwrap();
    let client = HttpClient::builder(server.url())
        .retry(fast_retry())
        .clock(ManualClock::new().shared())
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    assert_eq!(client.max_response_bytes(), 1024 * 1024);
    for _ in 0..2 {
        let err = client
            .send(Request::get("inventory").operation("amazon.getInventorySummaries"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Api { .. }), "{err:?}");
        assert!(
            text.contains("amazon.getInventorySummaries") && text.contains("1048576-byte cap"),
            "{text}"
        );
    }
    // A write answered too big: its outcome is unknown (it may have been applied).
    let err = client
        .send(Request::post("orders").operation("orders.create"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(
        server.requests().len(),
        3,
        "an oversized answer is not retried"
    );
    assert_eq!(connector_http::DEFAULT_MAX_RESPONSE_BYTES, 32 * 1024 * 1024);
}

#[tokio::test]
async fn dot_segments_never_leave_their_route() {
    let server = ScriptedServer::always(Answer::json(200, "{}"))
        .await
        .unwrap();
    let client = keyed(&server);
    for path in [
        "status/..",
        "status/.",
        "status/%2e%2e",
        "status/%2E.",
        "a/%2e/b",
        "status/..\\x",
        &format!("status/{}", connector_http::encode_segment("..")),
    ] {
        let err = client.send(Request::get(path)).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "path"),
            "{path}: {err:?}"
        );
    }
    // A dot inside a segment, or an id spelled `%2e` (encoded as `%252e`), is fine.
    client
        .send(Request::get(format!(
            "items/{}/{}",
            connector_http::encode_segment("SKU.1..2"),
            connector_http::encode_segment("%2e")
        )))
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path(), "/api/items/SKU.1..2/%252e");
}

#[tokio::test]
async fn echoed_secrets_never_reach_an_error() {
    let password = "p@ss word\"/é";
    let echo = format!(
        "<html><body>Bad request. You sent ApiAuth={API_KEY} and \
         password={} and {}</body></html>",
        serde_json::to_string(password).unwrap(),
        "x".repeat(600)
    );
    let json_echo = serde_json::json!({
        "code": format!("E-{API_KEY}"),
        "message": format!("invalid password {password} for key {API_KEY}"),
    })
    .to_string();
    let server = ScriptedServer::start(vec![
        Answer::html(400, echo),
        Answer::json(422, json_echo),
        // A 200 that does not decode, quoting the secret.
        Answer::json(200, format!(r#"{{"id": "{API_KEY}"}}"#)).header("x-request-id", API_KEY),
    ])
    .await
    .unwrap();
    let client = HttpClient::builder(server.url())
        .auth(Arc::new(StaticHeaders::new(vec![(
            "ApiAuth".into(),
            secret(API_KEY),
        )])))
        .redact_secret(secret(password))
        .build()
        .unwrap();
    let login = || {
        Request::post("login")
            .json(&serde_json::json!({"password": password}))
            .unwrap()
    };
    let e1 = client.send(login()).await.unwrap_err();
    assert!(e1.context().unwrap().body_excerpt.is_some());
    let e2 = client.send(login()).await.unwrap_err();
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        id: u64,
    }
    let e3 = client
        .send_json::<Order>(Request::get("orders/1"))
        .await
        .unwrap_err();
    for e in [&e1, &e2, &e3] {
        let text = shown(e);
        for s in [API_KEY, "s3cr3t", password, "p@ss", "p%40ss"] {
            assert!(!text.contains(s), "{s} leaked: {text}");
        }
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_form_leaks_neither_secret() {
    let client_secret = "cl1ent-s3cret+/=";
    let refresh = "Atzr|IwEBI-refresh/token+";
    let form = serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_secret", client_secret),
    ])
    .unwrap();
    let server = ScriptedServer::start(vec![
        Answer::html(500, format!("<pre>{form}</pre>")),
        Answer::json(
            400,
            serde_json::json!({
                "error": "invalid_client",
                "error_description": format!("secret {client_secret} is wrong for {refresh}"),
            })
            .to_string(),
        ),
        Answer::json(400, format!(r#"{{"error":"unknown","echo":"{form}"}}"#)),
        Answer::json(200, format!(r#"{{"access_token": 42, "echo": "{form}"}}"#)),
    ])
    .await
    .unwrap();
    let provider = OAuth2TokenProvider::new(
        &server.url(),
        "client-1",
        secret(client_secret),
        Grant::RefreshToken(secret(refresh)),
        false,
    )
    .unwrap()
    .with_http_client(
        HttpClient::builder(server.url())
            .retry(RetryPolicy::default().with_max_attempts(1))
            .build()
            .unwrap(),
    );
    for _ in 0..4 {
        let err = provider.fetch_token().await.unwrap_err();
        let text = shown(&err);
        for s in [client_secret, "cl1ent", refresh, "IwEBI", "refresh%2Ftoken"] {
            assert!(!text.contains(s), "{s} leaked: {text}");
        }
        assert!(
            err.context().is_none_or(|c| c.body_excerpt.is_none()),
            "no excerpt from a token endpoint: {text}"
        );
    }
    // The form went out with the secrets (they are only kept out of the errors).
    assert!(server.requests()[0].to_text().contains("cl1ent"));
}

#[tokio::test]
async fn invalid_header_values_are_refused_before_sending_not_retried() {
    let server = ScriptedServer::always(Answer::json(200, "{}"))
        .await
        .unwrap();
    // A credential with CRLF (an ONe tenant read from a file): refused at build.
    let err = HttpClient::builder(server.url())
        .auth(Arc::new(StaticHeaders::new(vec![(
            "one-tenant".into(),
            secret("acme\r\nX-Injected: 1"),
        )])))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("one-tenant"), "{err}");
    assert!(!err.to_string().contains("acme"), "{err}");
    let err = HttpClient::builder(server.url())
        .user_agent("erp\n1.0")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    // A request header with a control character: InvalidInput, nothing sent, no retry.
    let client = HttpClient::builder(server.url())
        .retry(fast_retry())
        .build()
        .unwrap();
    for value in ["ab\r\nX-Evil: 1", "nul\0byte", "tab\x7f"] {
        let err = client
            .send(Request::get("x").header("x-tenant", value))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "header `x-tenant`"),
            "{err:?}"
        );
    }
    let err = client
        .send(Request::post("x").bytes("text/plain\r\nx: y", "body"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(server.requests().is_empty());
    // A basic password is registered for redaction; its header is always valid.
    let basic = HttpClient::builder(server.url())
        .auth(Arc::new(BasicAuth::new("u", secret("pw-123456"))))
        .build()
        .unwrap();
    assert_eq!(basic.redact("pw-123456"), "[REDACTED]");
    let _ = FieldValue::Plain(String::new());
}

/// A TLS server presenting a self-signed certificate the client does not trust.
async fn untrusted_tls_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let cert = include_bytes!("../../sandbox-totvs-omni/testdata/ftps-cert.pem");
    let key = include_bytes!("../../sandbox-totvs-omni/testdata/ftps-key.pem");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handshakes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    (format!("https://localhost:{port}"), handshakes)
}

#[tokio::test]
async fn a_refused_certificate_is_reported_as_such_and_not_retried() {
    let (url, handshakes) = untrusted_tls_server().await;
    let client = HttpClient::builder(url)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client
        .send(Request::get("orders").operation("orders.list"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("certificate") && text.contains("localhost"),
        "{text}"
    );
    assert_eq!(
        handshakes.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "tried once"
    );
}

#[tokio::test]
async fn an_api_answer_echoing_the_oauth_client_secret_is_redacted() {
    // The API client never sends the client secret (only tokens), but knows it through its
    // BearerAuth's provider.
    let server = ScriptedServer::start_with(Arc::new(
        |req: &connector_sandbox::hostile::RecordedRequest, _| {
            if req.path() == "/token" {
                Answer::json(200, r#"{"access_token":"tok-abcdef","expires_in":300}"#)
            } else {
                Answer::html(
                    400,
                    "<pre>client_secret=api-cl13nt-s3cret token=tok-abcdef</pre>",
                )
            }
        },
    ))
    .await
    .unwrap();
    let provider = OAuth2TokenProvider::new(
        &format!("{}/token", server.url()),
        "client-1",
        secret("api-cl13nt-s3cret"),
        Grant::ClientCredentials,
        false,
    )
    .unwrap();
    let cache = Arc::new(connector_core::TokenCache::new(
        Arc::new(provider),
        connector_core::SystemClock::shared(),
    ));
    let client = HttpClient::builder(server.url())
        .auth(Arc::new(connector_http::BearerAuth::new(cache)))
        .build()
        .unwrap();
    let err = client.send(Request::get("orders")).await.unwrap_err();
    let text = shown(&err);
    assert!(
        !text.contains("api-cl13nt-s3cret") && !text.contains("tok-abcdef"),
        "{text}"
    );
}
