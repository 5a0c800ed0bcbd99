//! The hostile-server suite (issue 12): every platform client, through its public API, against
//! a scripted server on loopback (`connector_sandbox::hostile`) that plays one fault per
//! connection. Each test is one fault (a row of the table in `docs/reliability.md`) run against
//! the four platforms (its columns).
//!
//! Token endpoints (Accor's Keycloak, Login with Amazon, the TOTVS order-API login) are
//! answered correctly by the same server, so the fault hits the API call under test.

#![cfg(all(
    feature = "accor-oms",
    feature = "amazon-mcf",
    feature = "one-b2b",
    feature = "totvs-omni"
))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod hostile_common;

use std::sync::Arc;
use std::time::Duration;

use connector_sandbox::hostile::{Answer, RecordedRequest, ScriptedServer};
use erp_connectors::core::{Error, InMemoryCursorStore, SecretString};
use erp_connectors::one_b2b::{EventCursor, Feed, OneClient, OneConfig};
use futures::StreamExt;
use hostile_common::{ALL, ONE_KEY, P, Scripted, assert_no_secret};

#[tokio::test]
async fn t429_without_retry_after_is_retried_then_rate_limited() {
    for p in ALL {
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::json(429, r#"{"message":"slow down"}"#)),
        )
        .await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{p:?}: {err:?}");
        assert_eq!(
            s.api_requests().len(),
            3,
            "{p:?}: retried up to max_attempts"
        );
    }
}

#[tokio::test]
async fn t429_with_short_retry_after_then_success() {
    for p in ALL {
        let s = Scripted::start(
            p,
            vec![
                Answer::json(429, "{}").header("retry-after", "0"),
                p.read_ok(),
            ],
        )
        .await;
        s.read("P2P-1")
            .await
            .unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        assert_eq!(s.api_requests().len(), 2, "{p:?}");
    }
}

#[tokio::test]
async fn t429_with_huge_retry_after_is_returned_at_once() {
    for p in ALL {
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::json(429, "{}").header("retry-after", "86400")),
        )
        .await;
        let started = std::time::Instant::now();
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{p:?}: {err:?}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(86400)), "{p:?}");
        assert_eq!(s.api_requests().len(), 1, "{p:?}: not waited for");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[tokio::test]
async fn t5xx_on_a_read_is_retried_then_transient() {
    for p in ALL {
        let s =
            Scripted::start_with(p, vec![], Some(Answer::json(503, r#"{"message":"down"}"#))).await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
        assert_eq!(s.api_requests().len(), 3, "{p:?}");
    }
}

#[tokio::test]
async fn t5xx_on_a_write_is_not_resent_and_not_a_success() {
    for p in ALL {
        let s =
            Scripted::start_with(p, vec![], Some(Answer::json(500, r#"{"message":"boom"}"#))).await;
        let Some(out) = s.write().await else { continue };
        let err = out.unwrap_err();
        let n = s.api_requests().len();
        if p.write_is_idempotent() {
            // A PUT that replaces state (Amazon cancel, ONe payment status): retried.
            assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
            assert_eq!(n, 3, "{p:?}");
        } else {
            assert!(!err.is_retryable(), "{p:?}: {err:?}");
            assert_eq!(n, 1, "{p:?}: a write that is not idempotent is sent once");
        }
    }
}

#[tokio::test]
async fn slow_answers_time_out() {
    // Accor and ONe have a timeout setting (500 ms here); the answer comes after 3 s.
    for p in [P::Accor, P::One] {
        let s =
            Scripted::start_with(p, vec![], Some(p.read_ok().after(Duration::from_secs(3)))).await;
        let started = std::time::Instant::now();
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
        assert!(err.to_string().contains("timed out"), "{p:?}: {err}");
        assert!(started.elapsed() < Duration::from_secs(3), "{p:?}");
    }
}

#[tokio::test]
async fn slow_answers_time_out_amazon_and_totvs() {
    for p in [P::Amazon, P::Totvs] {
        let s =
            Scripted::start_with(p, vec![], Some(p.read_ok().after(Duration::from_secs(70)))).await;
        let err = tokio::time::timeout(Duration::from_secs(5), s.read("P2P-1"))
            .await
            .unwrap_or_else(|_| panic!("{p:?}: no timeout setting"));
        assert!(
            matches!(err, Err(Error::Transient { .. })),
            "{p:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn reset_mid_body_read_is_transient_write_is_outcome_unknown() {
    let reset = Answer::ResetMidBody {
        status: 200,
        declared: 4096,
        sent: br#"{"payload":{"fea"#.to_vec(),
    };
    for p in ALL {
        let s = Scripted::start_with(p, vec![], Some(reset.clone())).await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
        assert_eq!(s.api_requests().len(), 3, "{p:?}");
        let s = Scripted::start_with(p, vec![], Some(reset.clone())).await;
        if let Some(out) = s.write().await {
            let err = out.unwrap_err();
            if p.write_is_idempotent() {
                // An idempotent PUT: retried, then transient.
                assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
            } else {
                assert!(
                    matches!(err, Error::OutcomeUnknown { .. }),
                    "{p:?}: {err:?}"
                );
                assert_eq!(s.api_requests().len(), 1, "{p:?}: never resent");
            }
        }
    }
}

#[tokio::test]
async fn truncated_body_is_transient_on_a_read() {
    for p in ALL {
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::Truncated {
                status: 200,
                declared: 1000,
                sent: b"{\"ord".to_vec(),
            }),
        )
        .await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Transient { .. }), "{p:?}: {err:?}");
    }
}

#[tokio::test]
async fn html_200_on_a_read_is_a_decode_error() {
    for p in ALL {
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::html(200, "<html><body>Please log in</body></html>")),
        )
        .await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{p:?}: {err:?}");
    }
}

#[tokio::test]
async fn html_200_on_a_write_is_not_a_success() {
    for p in [P::One, P::Totvs] {
        let s =
            Scripted::start_with(p, vec![], Some(Answer::html(200, "<html>login</html>"))).await;
        let out = s.write().await.unwrap();
        assert!(out.is_err(), "{p:?}: an HTML page reported as a done write");
    }
}

#[tokio::test]
async fn redirect_to_another_origin_is_an_error_and_the_other_origin_gets_nothing() {
    for p in ALL {
        let other = ScriptedServer::always(p.read_ok()).await.unwrap();
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::redirect(302, format!("{}/elsewhere", other.url()))),
        )
        .await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert_eq!(err.status(), Some(302), "{p:?}: {err:?}");
        assert!(err.to_string().contains("another origin"), "{p:?}: {err}");
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::redirect(307, format!("{}/elsewhere", other.url()))),
        )
        .await;
        if let Some(out) = s.write().await {
            let err = out.unwrap_err();
            assert!(err.to_string().contains("did not reach"), "{p:?}: {err}");
        }
        assert!(other.requests().is_empty(), "{p:?}: {:?}", other.requests());
    }
}

#[tokio::test]
async fn t401_once_refreshes_for_token_platforms() {
    for p in [P::Accor, P::Amazon, P::Totvs] {
        let s = Scripted::start(
            p,
            vec![Answer::json(401, r#"{"message":"expired"}"#), p.read_ok()],
        )
        .await;
        s.read("P2P-1")
            .await
            .unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        assert_eq!(s.api_requests().len(), 2, "{p:?}");
    }
    // ONe's key cannot be refreshed: the refusal is returned at once.
    let s = Scripted::start(P::One, vec![Answer::json(401, "{}"), P::One.read_ok()]).await;
    let err = s.read("x").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(s.api_requests().len(), 1);
}

#[tokio::test]
async fn t401_forever_is_an_auth_error_after_one_refresh() {
    for p in ALL {
        let s =
            Scripted::start_with(p, vec![], Some(Answer::json(401, r#"{"message":"no"}"#))).await;
        let err = s.read("P2P-1").await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{p:?}: {err:?}");
        assert!(s.api_requests().len() <= 2, "{p:?}: at most one refresh");
        assert_no_secret(p, &err);
    }
}

#[tokio::test]
async fn oversized_body_is_refused_naming_the_operation() {
    for p in ALL {
        let s = Scripted::start_with(
            p,
            vec![],
            Some(Answer::Endless {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                chunk: vec![b' '; 256 * 1024],
            }),
        )
        .await;
        let err = s.read("P2P-1").await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("byte cap"), "{p:?}: {text}");
        assert!(text.contains(p.read_operation()), "{p:?}: {text}");
        assert_eq!(s.api_requests().len(), 1, "{p:?}: not retried");
    }
}

/// A server echoing every secret of `p` in an HTML 400, a JSON 400 (message and code) and,
/// with `undecodable_200`, a 200 that does not decode (plus an `x-request-id` holding one).
async fn echo_secrets(p: P, undecodable_200: bool) {
    let all = p.secrets().join(" ");
    let form =
        serde_urlencoded::to_string(p.secrets().iter().map(|s| ("v", *s)).collect::<Vec<_>>())
            .unwrap();
    let mut script = vec![
        Answer::html(400, format!("<pre>you sent {all} / {form}</pre>")),
        Answer::json(
            400,
            serde_json::json!({"message": format!("bad {all}"), "code": all}).to_string(),
        ),
    ];
    if undecodable_200 {
        script.push(
            Answer::json(200, format!(r#"{{"unexpected": "{form}"}}"#))
                .header("x-request-id", p.secrets()[0]),
        );
    }
    let n = script.len();
    let s = Scripted::start(p, script).await;
    for _ in 0..n {
        let err = s.read("P2P-1").await.unwrap_err();
        assert_no_secret(p, &err);
    }
}

#[tokio::test]
async fn echoed_secrets_stay_out_of_errors() {
    for p in [P::Accor, P::One] {
        echo_secrets(p, true).await;
    }
}

#[tokio::test]
async fn echoed_secrets_stay_out_of_errors_amazon() {
    echo_secrets(P::Amazon, false).await;
}

#[tokio::test]
async fn echoed_secrets_stay_out_of_errors_totvs() {
    echo_secrets(P::Totvs, true).await;
}

#[tokio::test]
async fn echoed_secrets_stay_out_of_an_undecodable_amazon_200() {
    echo_secrets(P::Amazon, true).await;
}

#[tokio::test]
async fn dot_ids_cannot_leave_their_route() {
    for p in ALL {
        let s = Scripted::start_with(p, vec![], Some(p.read_ok())).await;
        for id in ["..", "."] {
            let err = s.with_id(id).await.unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { .. }),
                "{p:?} {id:?}: {err:?}"
            );
        }
        assert!(s.api_requests().is_empty(), "{p:?}: {:?}", s.api_requests());
    }
}

#[tokio::test]
async fn control_characters_in_ids_are_encoded_or_refused_never_sent_raw() {
    for p in ALL {
        let s = Scripted::start_with(p, vec![], Some(p.read_ok())).await;
        for id in ["A\r\nX-Injected: 1", "A\0B", "A/../B", "A?x=1#f"] {
            match s.with_id(id).await {
                Err(Error::InvalidInput { .. }) => {}
                _ => {
                    for r in s.api_requests() {
                        assert!(
                            !r.target.contains(['\r', '\n', '\0', '#'])
                                && !r.target.contains("/../"),
                            "{p:?} {id:?}: {}",
                            r.target
                        );
                        assert!(r.header("x-injected").is_none(), "{p:?}");
                    }
                }
            }
        }
    }
    // A header value with CRLF (ONe's tenant) is refused when the client is built.
    let s = Scripted::start(P::One, vec![]).await;
    let err = s
        .one_config()
        .tenant("acme\r\nX-Injected: 1")
        .build()
        .and_then(OneClient::new)
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { .. } | Error::InvalidInput { .. }),
        "{err:?}"
    );
    assert!(s.server.requests().is_empty());
}

#[tokio::test]
async fn cyclic_amazon_inventory_tokens_end_the_stream() {
    // Tokens A -> B -> A.
    let page = |next: &str| {
        Answer::json(
            200,
            format!(
                r#"{{"payload":{{"granularity":{{}},"inventorySummaries":[]}},"pagination":{{"nextToken":"{next}"}}}}"#
            ),
        )
    };
    let s = Scripted::start(P::Amazon, vec![page("A"), page("B"), page("A"), page("B")]).await;
    let items: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        s.amazon()
            .get_inventory_summaries(Default::default())
            .take(10)
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert!(err.to_string().contains("would repeat page"), "{err}");
    assert_eq!(s.api_requests().len(), 3);
}

#[tokio::test]
async fn cyclic_one_event_ids_end_the_drain() {
    let server = ScriptedServer::start_with(Arc::new(|req: &RecordedRequest, _| {
        let next = if req.query("startId") == Some("5") {
            6
        } else {
            5
        };
        Answer::json(200, format!(r#"{{"nextId":{next},"events":[{{"id":1}}]}}"#))
    }))
    .await
    .unwrap();
    let one = OneClient::new(
        OneConfig::builder()
            .base_url(server.url())
            .tenant("acme")
            .api_key(SecretString::from(ONE_KEY.to_string()))
            .build()
            .unwrap(),
    )
    .unwrap();
    let cursor = EventCursor::new(one, Arc::new(InMemoryCursorStore::new()), Feed::Orders);
    let out = tokio::time::timeout(
        Duration::from_secs(10),
        cursor.drain(|_e: serde_json::Value| async { Ok(()) }),
    )
    .await
    .expect("drain loops on a cycling nextId");
    assert!(out.is_err());
}

#[tokio::test]
async fn totvs_orders_reporting_billions_of_pages_are_refused() {
    let server = ScriptedServer::start_with(Arc::new(|req: &RecordedRequest, n| {
        if req.path() == "/api/auth/token" {
            return P::Totvs.token_answer();
        }
        Answer::json(
            200,
            format!(r#"{{"orders":[{{"id":"OM-{n}","status":"PENDING_CONFIRMATION","items":[]}}],"page":{n},"totalPages":4000000000}}"#),
        )
    }))
    .await
    .unwrap();
    let s = Scripted {
        p: P::Totvs,
        server,
    };
    let omni = s.totvs();
    let items: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        omni.orders()
            .unwrap()
            .stream(erp_connectors::totvs_omni::OmniStatus::PendingConfirmation)
            .take(1000)
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert!(
        items.iter().any(|r| r.is_err()),
        "read {} pages",
        items.len()
    );
}
