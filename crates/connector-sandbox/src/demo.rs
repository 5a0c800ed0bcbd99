//! A tiny protected bulk API that shows the harness at work (quick start, runtime tests):
//! `POST /demo/stock` takes at most `max_lines` stock lines, refuses the whole request if any
//! line is invalid and names the bad lines; `GET /demo/stock` lists what was stored.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::oauth::TokenIssuer;

/// State of the demo API.
#[derive(Debug, Clone)]
pub struct DemoApi {
    issuer: TokenIssuer,
    max_lines: usize,
    stock: Arc<Mutex<BTreeMap<String, Value>>>,
    requests: Arc<Mutex<Vec<usize>>>,
}

impl DemoApi {
    /// A demo API accepting tokens from `issuer`, at most `max_lines` lines per request.
    pub fn new(issuer: TokenIssuer, max_lines: usize) -> Self {
        Self {
            issuer,
            max_lines,
            stock: Arc::default(),
            requests: Arc::default(),
        }
    }

    /// Lines stored so far.
    pub fn stored_lines(&self) -> usize {
        self.stock.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The size of every POST received, in order.
    pub fn request_sizes(&self) -> Vec<usize> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/demo/stock", get(list).post(push))
            .with_state(self.clone())
    }
}

async fn list(State(api): State<DemoApi>, headers: HeaderMap) -> Response {
    if let Err(r) = api.issuer.check_bearer(&headers) {
        return r;
    }
    let stock = api.stock.lock().unwrap_or_else(|e| e.into_inner());
    Json(json!({ "items": stock.values().cloned().collect::<Vec<_>>() })).into_response()
}

async fn push(State(api): State<DemoApi>, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = api.issuer.check_bearer(&headers) {
        return r;
    }
    let Ok(Value::Array(lines)) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"code": "InvalidJson", "message": "body must be a JSON array of stock lines"}))).into_response();
    };
    api.requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(lines.len());
    if lines.len() > api.max_lines {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"code": "TooManyLines", "message": format!("at most {} lines per request", api.max_lines)})),
        )
            .into_response();
    }
    let mut errors = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let sku_ok = line
            .get("sku")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        let qty = line.get("quantity").and_then(|q| {
            q.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .or(q.as_f64())
        });
        if !sku_ok {
            errors.push(json!({"index": i, "field": "sku", "message": "is required"}));
        } else if !qty.is_some_and(|q| q >= 0.0) {
            errors
                .push(json!({"index": i, "field": "quantity", "message": "must be a number >= 0"}));
        }
    }
    if !errors.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"code": "InvalidLines", "message": "some lines are invalid; nothing was stored", "errors": errors}))).into_response();
    }
    let mut stock = api.stock.lock().unwrap_or_else(|e| e.into_inner());
    for line in &lines {
        let key = format!(
            "{}@{}",
            line.get("sku").and_then(Value::as_str).unwrap_or_default(),
            line.get("location")
                .and_then(Value::as_str)
                .unwrap_or_default()
        );
        stock.insert(key, line.clone());
    }
    Json(json!({"accepted": lines.len()})).into_response()
}
