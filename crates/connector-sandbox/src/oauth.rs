//! An OAuth2 token endpoint (Keycloak-like, also fits Login with Amazon) and token checks for
//! simulators.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

/// Issues and checks bearer tokens. Cheap to clone.
#[derive(Clone)]
pub struct TokenIssuer {
    inner: Arc<IssuerInner>,
}

struct IssuerInner {
    clients: HashMap<String, String>,
    refresh_tokens: Mutex<HashMap<String, String>>,
    ttl: Mutex<Duration>,
    tokens: Mutex<HashMap<String, Instant>>,
    issued: AtomicU64,
    token_requests: AtomicU64,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("clients", &self.inner.clients.keys().collect::<Vec<_>>())
            .field("issued", &self.issued())
            .finish()
    }
}

impl TokenIssuer {
    /// An issuer that knows `clients` (id, secret) and issues tokens valid for `ttl`.
    pub fn new(clients: &[(&str, &str)], ttl: Duration) -> Self {
        Self {
            inner: Arc::new(IssuerInner {
                clients: clients
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                refresh_tokens: Mutex::new(HashMap::new()),
                ttl: Mutex::new(ttl),
                tokens: Mutex::new(HashMap::new()),
                issued: AtomicU64::new(0),
                token_requests: AtomicU64::new(0),
            }),
        }
    }

    /// Accepts `refresh_token` for `client_id` (Login with Amazon style).
    pub fn add_refresh_token(&self, client_id: &str, refresh_token: &str) {
        lock(&self.inner.refresh_tokens).insert(refresh_token.to_string(), client_id.to_string());
    }

    /// Revokes a refresh token (the next exchange answers `invalid_grant`).
    pub fn revoke_refresh_token(&self, refresh_token: &str) {
        lock(&self.inner.refresh_tokens).remove(refresh_token);
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_ttl(&self, ttl: Duration) {
        *lock(&self.inner.ttl) = ttl;
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> u64 {
        self.inner.issued.load(Ordering::SeqCst)
    }

    /// Token requests received so far (refused ones included).
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::SeqCst)
    }

    /// Makes every issued token expired (fault injection).
    pub fn expire_all(&self) {
        lock(&self.inner.tokens).clear();
    }

    /// Whether `token` was issued here and has not expired.
    pub fn is_valid(&self, token: &str) -> bool {
        lock(&self.inner.tokens)
            .get(token)
            .is_some_and(|exp| Instant::now() < *exp)
    }

    /// Checks `Authorization: Bearer <token>`; the error is the 401 to return.
    #[allow(clippy::result_large_err)]
    pub fn check_bearer(&self, headers: &HeaderMap) -> Result<(), Response> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        self.check_token(token)
    }

    /// Checks a raw token in `header` (Amazon's `x-amz-access-token`).
    #[allow(clippy::result_large_err)]
    pub fn check_header(&self, headers: &HeaderMap, header: &str) -> Result<(), Response> {
        let token = headers.get(header).and_then(|v| v.to_str().ok());
        self.check_token(token)
    }

    #[allow(clippy::result_large_err)]
    fn check_token(&self, token: Option<&str>) -> Result<(), Response> {
        match token {
            Some(t) if self.is_valid(t) => Ok(()),
            Some(_) => Err(unauthorized(
                "invalid_token",
                "The access token expired or is invalid",
            )),
            None => Err(unauthorized("invalid_request", "Missing access token")),
        }
    }

    fn issue(&self) -> (String, u64) {
        let n = self.inner.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("sbx-at-{n}-{:016x}", fastrand::u64(..));
        let ttl = *lock(&self.inner.ttl);
        lock(&self.inner.tokens).insert(token.clone(), Instant::now() + ttl);
        (token, ttl.as_secs())
    }

    /// The token endpoint as a router with one route, `POST {path}`.
    pub fn router(&self, path: &str) -> Router {
        Router::new()
            .route(path, post(token_endpoint))
            .with_state(self.clone())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn unauthorized(code: &str, message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": code, "error_description": message })),
    )
        .into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64_decode(v.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

async fn token_endpoint(
    State(issuer): State<TokenIssuer>,
    headers: HeaderMap,
    body: String,
) -> Response {
    issuer.inner.token_requests.fetch_add(1, Ordering::SeqCst);
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let (client_id, secret) = match basic_credentials(&headers) {
        Some(c) => c,
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if issuer.inner.clients.get(&client_id) != Some(&secret) {
        return unauthorized(
            "invalid_client",
            "Invalid client or Invalid client credentials",
        );
    }
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some("refresh_token") => {
            let known = form
                .get("refresh_token")
                .and_then(|t| lock(&issuer.inner.refresh_tokens).get(t).cloned());
            if known.as_deref() != Some(client_id.as_str()) {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token" })),
                )
                    .into_response();
            }
        }
        other => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "unsupported_grant_type", "error_description": format!("grant_type {other:?} is not supported") })),
            )
                .into_response();
        }
    }
    let (token, ttl) = issuer.issue();
    Json(json!({
        "access_token": token,
        "expires_in": ttl,
        "refresh_expires_in": 0,
        "token_type": "Bearer",
        "not-before-policy": 0,
        "scope": "profile email"
    }))
    .into_response()
}
