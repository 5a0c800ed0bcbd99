//! The order API (default routes of the SDK; TOTVS has not published the real ones).

// Handlers return ready axum responses as their error: simple, and only a simulator.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Form, Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{ORDERS_PASSWORD, ORDERS_USERNAME, Shared};

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/auth/token", post(login))
        .route("/orders", get(list))
        .route("/orders/{id}", get(read))
        .route("/orders/{id}/{action}", post(action))
        .route("/infinite-shelf/orders", get(list_pending_payment))
        .route("/infinite-shelf/orders/{id}/payment", post(payment))
        .with_state(state)
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message.into()})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(AxState(state): AxState<Shared>, Form(f): Form<LoginForm>) -> Response {
    if f.username != ORDERS_USERNAME || f.password != ORDERS_PASSWORD {
        return err(
            StatusCode::UNAUTHORIZED,
            "AUTH",
            "usuário ou senha inválidos",
        );
    }
    let mut s = state.lock();
    s.logins += 1;
    let token = format!("omni-token-{}", s.logins);
    s.tokens.insert(token.clone());
    Json(json!({"token": token, "expiresIn": 3600})).into_response()
}

fn authorized(state: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if state.lock().tokens.contains(t) => Ok(()),
        _ => Err(err(
            StatusCode::UNAUTHORIZED,
            "TOKEN",
            "token inválido ou expirado",
        )),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    page: Option<usize>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

fn page_of(orders: Vec<Value>, page: usize, size: usize) -> Value {
    let size = size.clamp(1, 100);
    let total_pages = orders.len().div_ceil(size).max(1);
    let page = page.max(1);
    let items: Vec<Value> = orders
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    json!({"orders": items, "page": page, "totalPages": total_pages})
}

async fn list(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(r) = authorized(&state, &headers) {
        return r;
    }
    let s = state.lock();
    let orders: Vec<Value> = s
        .order_ids
        .iter()
        .filter_map(|id| s.orders.get(id))
        .filter(|o| q.status.as_deref().is_none_or(|st| o["status"] == st))
        .cloned()
        .collect();
    Json(page_of(
        orders,
        q.page.unwrap_or(1),
        q.page_size.unwrap_or(50),
    ))
    .into_response()
}

async fn list_pending_payment(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(r) = authorized(&state, &headers) {
        return r;
    }
    let s = state.lock();
    let orders: Vec<Value> = s
        .order_ids
        .iter()
        .filter_map(|id| s.orders.get(id))
        .filter(|o| o["status"] == "PENDING_PAYMENT")
        .cloned()
        .collect();
    Json(page_of(
        orders,
        q.page.unwrap_or(1),
        q.page_size.unwrap_or(50),
    ))
    .into_response()
}

async fn read(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = authorized(&state, &headers) {
        return r;
    }
    match state.lock().orders.get(&id) {
        Some(o) => Json(o.clone()).into_response(),
        None => err(
            StatusCode::NOT_FOUND,
            "ORDER_NOT_FOUND",
            format!("pedido {id} não encontrado"),
        ),
    }
}

fn transition(order: &mut Value, from: &[&str], to: &str) -> Result<(), Response> {
    let current = order["status"].as_str().unwrap_or_default().to_string();
    if !from.contains(&current.as_str()) {
        return Err(err(
            StatusCode::CONFLICT,
            "INVALID_STATUS",
            format!("pedido em {current} não aceita esta operação"),
        ));
    }
    order["status"] = json!(to);
    Ok(())
}

async fn action(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    if let Err(r) = authorized(&state, &headers) {
        return r;
    }
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    let mut s = state.lock();
    let Some(order) = s.orders.get_mut(&id) else {
        return err(
            StatusCode::NOT_FOUND,
            "ORDER_NOT_FOUND",
            format!("pedido {id} não encontrado"),
        );
    };
    let outcome = match action.as_str() {
        "confirm" => transition(order, &["PENDING_CONFIRMATION"], "CONFIRMED"),
        "reject" => reject(order, &body),
        "invoice" => {
            let key = body["accessKey"].as_str().unwrap_or_default();
            if key.len() != 44
                || body["number"].as_str().is_none()
                || body["series"].as_str().is_none()
            {
                return err(
                    StatusCode::BAD_REQUEST,
                    "INVALID_INVOICE",
                    "número, série e chave de acesso (44 dígitos) obrigatórios",
                );
            }
            if body["xml"].is_null() && body["url"].is_null() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "INVALID_INVOICE",
                    "xml ou url obrigatório",
                );
            }
            let r = transition(order, &["CONFIRMED", "PARTIALLY_REJECTED"], "INVOICED");
            if r.is_ok() {
                order["invoice"] = body.clone();
            }
            r
        }
        "ship" => {
            if body["trackingNumber"].as_str().is_none() || body["carrier"].as_str().is_none() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "INVALID_SHIPMENT",
                    "transportadora e rastreio obrigatórios",
                );
            }
            let r = transition(order, &["INVOICED"], "SHIPPED");
            if r.is_ok() {
                order["shipment"] = body.clone();
            }
            r
        }
        "deliver" => transition(order, &["SHIPPED"], "DELIVERED"),
        _ => {
            return err(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("ação {action} desconhecida"),
            );
        }
    };
    match outcome {
        Ok(()) => {
            s.actions.push(format!("{action} {id}"));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

fn reject(order: &mut Value, body: &Value) -> Result<(), Response> {
    let current = order["status"].as_str().unwrap_or_default();
    if current != "PENDING_CONFIRMATION" {
        return Err(err(
            StatusCode::CONFLICT,
            "INVALID_STATUS",
            format!("pedido em {current} não aceita rejeição"),
        ));
    }
    let Some(wanted) = body["items"].as_array() else {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "INVALID_REJECTION",
            "items obrigatório",
        ));
    };
    let items = order["items"].as_array().cloned().unwrap_or_default();
    // Quantity rejected per item id; an item named twice, a quantity that is not positive or
    // above the item's quantity is refused.
    let mut quantities: BTreeMap<String, f64> = BTreeMap::new();
    for w in wanted {
        let Some(id) = w["itemId"].as_str() else {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "INVALID_REJECTION",
                "itemId obrigatório",
            ));
        };
        let Some(item) = items.iter().find(|i| i["itemId"] == id) else {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "INVALID_REJECTION",
                format!("item {id} não pertence ao pedido"),
            ));
        };
        let q = w["quantity"].as_f64().unwrap_or(0.0);
        let max = item["quantity"].as_f64().unwrap_or(0.0);
        if q <= 0.0 || q > max {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "INVALID_REJECTION",
                format!("quantidade {q} inválida para o item {id} (máximo {max})"),
            ));
        }
        if quantities.insert(id.to_string(), q).is_some() {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "INVALID_REJECTION",
                format!("item {id} repetido"),
            ));
        }
    }
    let rejected: BTreeSet<String> = quantities.keys().cloned().collect();
    // The kit rule: a rejected kit item needs every item of its kit rejected in the same call.
    let mut kits: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in &items {
        if let (Some(kit), Some(id)) = (i["kitId"].as_str(), i["itemId"].as_str()) {
            kits.entry(kit.to_string())
                .or_default()
                .push(id.to_string());
        }
    }
    for (kit, members) in kits {
        if members.iter().any(|m| rejected.contains(m))
            && !members.iter().all(|m| rejected.contains(m))
        {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "code": "KIT_INCOMPLETE",
                    "message": format!("os itens do kit {kit} devem ser rejeitados juntos"),
                    "kitId": kit,
                    "kitItems": members
                })),
            )
                .into_response());
        }
    }
    // An item is REJECTED when its whole quantity is; the order when every item is.
    let mut all = true;
    if let Some(arr) = order["items"].as_array_mut() {
        for i in arr.iter_mut() {
            let q = i["itemId"]
                .as_str()
                .and_then(|id| quantities.get(id))
                .copied();
            let whole = q.is_some_and(|q| Some(q) == i["quantity"].as_f64());
            if let Some(q) = q {
                i["rejectedQuantity"] = json!(q);
            }
            if whole {
                i["status"] = json!("REJECTED");
            } else {
                all = false;
            }
        }
    }
    order["status"] = json!(if all {
        "REJECTED"
    } else {
        "PARTIALLY_REJECTED"
    });
    Ok(())
}

async fn payment(
    AxState(state): AxState<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = authorized(&state, &headers) {
        return r;
    }
    let mut s = state.lock();
    let Some(order) = s.orders.get_mut(&id) else {
        return err(
            StatusCode::NOT_FOUND,
            "ORDER_NOT_FOUND",
            format!("pedido {id} não encontrado"),
        );
    };
    let amount = body["amount"].as_f64().unwrap_or(-1.0);
    let total = order["total"].as_f64().unwrap_or(0.0);
    if body["method"].as_str().is_none() || body["paidAt"].as_str().is_none() {
        return err(
            StatusCode::BAD_REQUEST,
            "INVALID_PAYMENT",
            "method e paidAt obrigatórios",
        );
    }
    if (amount - total).abs() > 0.005 {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "AMOUNT_MISMATCH",
            format!("valor {amount} difere do total {total}"),
        );
    }
    if let Err(r) = transition(order, &["PENDING_PAYMENT"], "PENDING_CONFIRMATION") {
        return r;
    }
    order["payment"] = body;
    s.actions.push(format!("payment {id}"));
    StatusCode::NO_CONTENT.into_response()
}
