//! Fault injection: make the next calls fail in chosen ways, to test retries and recovery.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// One way to fail a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and a short JSON error body.
    Status(u16),
    /// Answer 503 with an HTML page, as a load balancer would.
    HtmlServiceUnavailable,
    /// Answer 429, with `Retry-After: <secs>` when given.
    TooManyRequests {
        /// Seconds for `Retry-After`, or none.
        retry_after: Option<u64>,
    },
    /// Wait before handling the call normally.
    Delay(Duration),
    /// Send the status line and headers, then drop the connection mid-body.
    DropConnection,
    /// Answer 200 with a body that is not valid JSON.
    MalformedBody,
    /// Answer 401 as for an expired token.
    ExpiredToken,
}

#[derive(Debug, Clone)]
struct Rule {
    path_prefix: Option<String>,
    fault: Fault,
    remaining: u32,
}

/// A queue of faults applied to the next matching calls. Cheap to clone; shared with the
/// middleware returned by [`Faults::layer`].
#[derive(Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<VecDeque<Rule>>>,
    applied: Arc<Mutex<Vec<Fault>>>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("pending", &self.pending())
            .finish()
    }
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fails the next `times` calls (any path) with `fault`.
    pub fn inject(&self, fault: Fault, times: u32) {
        self.push(None, fault, times);
    }

    /// Fails the next `times` calls whose path starts with `prefix` with `fault`.
    pub fn inject_for(&self, prefix: &str, fault: Fault, times: u32) {
        self.push(Some(prefix.to_string()), fault, times);
    }

    fn push(&self, path_prefix: Option<String>, fault: Fault, times: u32) {
        if times > 0 {
            self.rules
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(Rule {
                    path_prefix,
                    fault,
                    remaining: times,
                });
        }
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Faults still queued (counting repeats).
    pub fn pending(&self) -> u32 {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|r| r.remaining)
            .sum()
    }

    /// Faults applied so far, in order.
    pub fn applied(&self) -> Vec<Fault> {
        self.applied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let idx = rules
            .iter()
            .position(|r| r.path_prefix.as_deref().is_none_or(|p| path.starts_with(p)))?;
        let rule = &mut rules[idx];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            rules.remove(idx);
        }
        drop(rules);
        self.applied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(fault.clone());
        Some(fault)
    }

    /// Middleware applying the queued faults; add it to a simulator's router with
    /// `router.layer(axum::middleware::from_fn_with_state(faults.clone(), Faults::layer))`.
    pub async fn layer(State(faults): State<Faults>, req: Request, next: Next) -> Response {
        let Some(fault) = faults.take(req.uri().path()) else {
            return next.run(req).await;
        };
        if let Fault::Delay(d) = fault {
            tokio::time::sleep(d).await;
            return next.run(req).await;
        }
        // Read the request before answering, as a server answering from its application does:
        // answering while the client is still uploading a large body makes the client see a
        // broken pipe instead of the injected answer, at random.
        let _ = axum::body::to_bytes(req.into_body(), crate::server::MAX_BODY_BYTES).await;
        match fault {
            Fault::Status(code) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let body = format!(r#"{{"code":"SandboxFault","message":"injected HTTP {code}"}}"#);
                (status, [("content-type", "application/json")], body).into_response()
            }
            Fault::HtmlServiceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [("content-type", "text/html")],
                "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
            )
                .into_response(),
            Fault::TooManyRequests { retry_after } => {
                let mut resp = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("content-type", "application/json")],
                    r#"{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}"#,
                )
                    .into_response();
                if let Some(secs) = retry_after
                    && let Ok(v) = secs.to_string().parse() {
                        resp.headers_mut().insert("retry-after", v);
                    }
                resp
            }
            // Handled above (the call goes through after the delay).
            Fault::Delay(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Fault::DropConnection => {
                let stream = futures::stream::iter(vec![
                    Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"partial\":")),
                    Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox dropped the connection")),
                ]);
                Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", "application/json")
                    .body(Body::from_stream(stream))
                    .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
            Fault::MalformedBody => {
                (StatusCode::OK, [("content-type", "application/json")], "{\"orders\": [ {\"id\": ").into_response()
            }
            Fault::ExpiredToken => (
                StatusCode::UNAUTHORIZED,
                [("content-type", "application/json")],
                r#"{"error":"invalid_token","error_description":"Token is expired"}"#,
            )
                .into_response(),
        }
    }
}
