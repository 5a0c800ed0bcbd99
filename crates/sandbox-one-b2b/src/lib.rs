//! # sandbox-one-b2b
//!
//! A local ONe B2B simulator for tests, examples and benchmarks, written from the vendor's
//! integration docs with literal JSON (it shares no code with the `one-b2b` client):
//!
//! * `ApiAuth` + `one-tenant` checked on every call ([`SANDBOX_API_KEY`], [`SANDBOX_TENANT`]);
//! * stock per warehouse: incremental (`stocks`, `stocksToRemove`) and replace-all;
//! * clients (create in bulk, read, update, delete), trade credits and blockades, with
//!   **404 for unknown clients**;
//! * retail and catalog prices, pricings and their assignments;
//! * the order event feed (`startId`/`nextId`) and shipments with their updates;
//! * invoices, goods-issued notes and their two-step PDF uploads;
//! * the rules: at most [`MAX_LINES`] lines per bulk request (a larger one is refused with
//!   413), and per-record rejection rules: a stock id, product id or client id containing
//!   `BAD` makes ONe refuse the whole request with 400 without naming the record.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let sandbox = sandbox_one_b2b::OneSandbox::start().await?;
//! println!("ONe simulator at {}", sandbox.base_url());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use connector_sandbox::{Faults, SandboxServer};
use serde_json::{Value, json};

/// The API key the simulator accepts.
pub const SANDBOX_API_KEY: &str =
    "0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210";
/// The tenant the simulator accepts.
pub const SANDBOX_TENANT: &str = "sandbox-tenant";
/// Lines accepted in one bulk request (ONe's recommendation).
pub const MAX_LINES: usize = 10_000;

const ACC: &str = "/api/v1/account/integrations/auth-required";
const PRICING: &str = "/api/v1/pricing/integrations/auth-required";

#[derive(Debug, Default)]
struct Data {
    warehouses: BTreeMap<String, Value>,
    stock: BTreeMap<String, BTreeMap<String, Value>>,
    stock_requests: Vec<usize>,
    clients: BTreeMap<String, Value>,
    trade_credits: BTreeMap<String, Value>,
    blockades: BTreeMap<String, Value>,
    retail_prices: BTreeMap<String, Value>,
    catalog_prices: BTreeMap<(String, String), Value>,
    pricings: BTreeMap<String, Value>,
    assignments: Vec<Value>,
    order_events: Vec<Value>,
    shipments: BTreeMap<String, Value>,
    invoices: BTreeMap<String, Value>,
    notes: BTreeMap<String, Value>,
    uploads: BTreeMap<String, Value>,
    upload_order: Vec<String>,
}

/// The simulator's state, shared with its routes (cheap to clone).
#[derive(Debug, Clone)]
pub struct OneSimulator {
    data: Arc<Mutex<Data>>,
    next_id: Arc<AtomicU64>,
    max_lines: usize,
    store_stock: bool,
}

impl Default for OneSimulator {
    fn default() -> Self {
        Self::new()
    }
}

fn err(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "status": status.as_u16(), "message": message })),
    )
        .into_response()
}

impl OneSimulator {
    /// A simulator with warehouses `WH-1` (CENTRAL) and `WH-2` (LOCAL), the main catalog
    /// `MAIN`, and no clients.
    pub fn new() -> Self {
        let sim = Self {
            data: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            max_lines: MAX_LINES,
            store_stock: true,
        };
        {
            let mut d = sim.lock();
            d.warehouses.insert(
                "WH-1".into(),
                json!({"id": "WH-1", "name": "Central", "type": "CENTRAL", "supported": true}),
            );
            d.warehouses.insert(
                "WH-2".into(),
                json!({"id": "WH-2", "name": "Wroclaw", "type": "LOCAL", "parent": "WH-1", "reservation": true, "reservationTime": 24}),
            );
            d.pricings.insert(
                "MAIN".into(),
                json!({"id": "MAIN", "name": "Main catalog", "global": true, "priority": 0}),
            );
        }
        sim
    }

    /// Counts stock lines without storing them (benchmarks of a million lines).
    pub fn without_stock_storage(mut self) -> Self {
        self.store_stock = false;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored quantity of stock record `id` in `warehouse`.
    pub fn stock(&self, warehouse: &str, id: &str) -> Option<Value> {
        self.lock().stock.get(warehouse)?.get(id).cloned()
    }

    /// Number of stock records in `warehouse`.
    pub fn stock_count(&self, warehouse: &str) -> usize {
        self.lock().stock.get(warehouse).map_or(0, BTreeMap::len)
    }

    /// The number of lines of every stock request received (refused ones included).
    pub fn stock_request_sizes(&self) -> Vec<usize> {
        self.lock().stock_requests.clone()
    }

    /// A stored client.
    pub fn client(&self, id: &str) -> Option<Value> {
        self.lock().clients.get(id).cloned()
    }

    /// Adds a client as if created in ONe's back office.
    pub fn add_client(&self, client: Value) {
        if let Some(id) = client.get("clientId").and_then(Value::as_str) {
            let id = id.to_string();
            self.lock().clients.insert(id, client);
        }
    }

    /// A stored trade credit.
    pub fn trade_credit(&self, org: &str) -> Option<Value> {
        self.lock().trade_credits.get(org).cloned()
    }

    /// A stored retail price.
    pub fn retail_price(&self, product: &str) -> Option<Value> {
        self.lock().retail_prices.get(product).cloned()
    }

    /// A stored catalog price.
    pub fn catalog_price(&self, pricing: &str, product: &str) -> Option<Value> {
        self.lock()
            .catalog_prices
            .get(&(pricing.to_string(), product.to_string()))
            .cloned()
    }

    /// Places an order: stores the shipment (literal ONe JSON with `id` and `orderId`) and
    /// appends an `ADDED` event. Returns the event id.
    pub fn place_order(&self, shipment: Value) -> u64 {
        let id = shipment
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let order = shipment
            .get("orderId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.lock().shipments.insert(id.clone(), shipment);
        self.add_event(&order, &id, "ADDED")
    }

    /// Appends an order event; returns its id.
    pub fn add_event(&self, order_id: &str, shipment_id: &str, event_type: &str) -> u64 {
        let mut d = self.lock();
        let id = d.order_events.len() as u64 + 1;
        d.order_events.push(json!({"id": id, "orderId": order_id, "shipmentId": shipment_id, "eventType": event_type}));
        id
    }

    /// A stored shipment (with the updates the ERP sent).
    pub fn shipment(&self, id: &str) -> Option<Value> {
        self.lock().shipments.get(id).cloned()
    }

    /// A stored invoice.
    pub fn invoice(&self, number: &str) -> Option<Value> {
        self.lock().invoices.get(number).cloned()
    }

    /// A stored upload (`{number, fileExtension, completed, bytes}`).
    pub fn upload(&self, upload_id: &str) -> Option<Value> {
        self.lock().uploads.get(upload_id).cloned()
    }

    /// Every upload id, in order of creation.
    pub fn upload_ids(&self) -> Vec<String> {
        self.lock().upload_order.clone()
    }

    #[allow(clippy::result_large_err)]
    fn check(&self, headers: &HeaderMap) -> Result<(), Response> {
        let key = headers.get("apiauth").and_then(|v| v.to_str().ok());
        let tenant = headers.get("one-tenant").and_then(|v| v.to_str().ok());
        if key != Some(SANDBOX_API_KEY) {
            return Err(err(StatusCode::UNAUTHORIZED, "Invalid ApiAuth key"));
        }
        if tenant != Some(SANDBOX_TENANT) {
            return Err(err(StatusCode::UNAUTHORIZED, "Unknown tenant"));
        }
        Ok(())
    }

    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    /// The routes, under ONe's paths.
    pub fn router(&self) -> Router {
        Router::new()
            .route(&format!("{ACC}/warehouses"), get(warehouses).post(create_warehouse))
            .route(
                "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks/incremental",
                post(stock_incremental),
            )
            .route(
                "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks",
                put(stock_replace),
            )
            .route(&format!("{ACC}/clients"), get(list_clients).post(create_clients))
            .route(
                &format!("{ACC}/clients/{{client_id}}"),
                get(get_client).put(update_client).delete(delete_client),
            )
            .route(
                &format!("{ACC}/trade-credits/{{org}}"),
                get(get_trade_credit).put(put_trade_credit),
            )
            .route(&format!("{ACC}/client-blockades/{{client_id}}"), put(put_blockade))
            .route(&format!("{PRICING}/retail-prices"), put(retail_prices))
            .route(&format!("{PRICING}/prices"), put(catalog_prices))
            .route(&format!("{PRICING}/pricing/main-catalog-id"), get(main_catalog))
            .route(&format!("{PRICING}/pricing/discount"), get(list_pricings).post(create_pricing))
            .route(
                &format!("{PRICING}/clients-to-pricings"),
                get(list_assignments).put(assign_pricings),
            )
            .route(
                "/api/v1/orders/integrations/auth-required/synchronization/order",
                get(order_events),
            )
            .route(&format!("{ACC}/order/shipment"), get(get_shipment))
            .route(&format!("{ACC}/order/status"), put(shipment_status))
            .route(
                &format!("{ACC}/order/shipment/{{id}}/{{what}}"),
                put(shipment_update).post(shipment_update),
            )
            .route("/api/v1/invoices/integrations/auth-required/invoices", put(put_invoice))
            .route(
                "/api/v1/invoices/integrations/auth-required/invoices/file-upload-begin",
                post(upload_begin),
            )
            .route(
                "/api/v1/invoices/integrations/auth-required/invoices/file-upload-complete",
                post(upload_complete),
            )
            .route(
                "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes",
                put(put_note),
            )
            .route(
                "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/file-upload-initialize",
                post(upload_begin),
            )
            .route(
                "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/file-upload-finalize",
                post(upload_complete),
            )
            .with_state(self.clone())
    }
}

type Sim = State<OneSimulator>;

macro_rules! guard {
    ($sim:expr, $headers:expr) => {
        if let Err(r) = $sim.check(&$headers) {
            return r;
        }
    };
}

#[allow(clippy::result_large_err)]
fn parse(body: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| err(StatusCode::BAD_REQUEST, &format!("Malformed JSON: {e}")))
}

macro_rules! body {
    ($bytes:expr) => {
        match parse(&$bytes) {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

fn too_many(n: usize, max: usize) -> Response {
    err(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("Request has {n} lines; at most {max} lines are accepted in a single query"),
    )
}

async fn warehouses(State(sim): Sim, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    let list: Vec<Value> = sim.lock().warehouses.values().cloned().collect();
    Json(list).into_response()
}

async fn create_warehouse(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let w = body!(bytes);
    let Some(id) = w.get("id").and_then(Value::as_str) else {
        return err(StatusCode::BAD_REQUEST, "id is required");
    };
    match w.get("type").and_then(Value::as_str) {
        Some("CENTRAL" | "LOCAL") => {}
        _ => return err(StatusCode::BAD_REQUEST, "type must be CENTRAL or LOCAL"),
    }
    let id = id.to_string();
    sim.lock().warehouses.insert(id, w);
    StatusCode::CREATED.into_response()
}

async fn stock_incremental(
    State(sim): Sim,
    Path(warehouse): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let empty = Vec::new();
    let stocks = v.get("stocks").and_then(Value::as_array).unwrap_or(&empty);
    let removals = v
        .get("stocksToRemove")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let n = stocks.len() + removals.len();
    let mut d = sim.lock();
    d.stock_requests.push(n);
    if n > sim.max_lines {
        return too_many(n, sim.max_lines);
    }
    if !d.warehouses.contains_key(&warehouse) {
        return err(
            StatusCode::NOT_FOUND,
            &format!("Warehouse {warehouse} not found"),
        );
    }
    for s in stocks {
        let id = s.get("id").and_then(Value::as_str).unwrap_or("");
        let q = s.get("quantity").and_then(Value::as_f64);
        if id.is_empty() || id.contains("BAD") || q.is_none_or(|q| q < 0.0) {
            return err(StatusCode::BAD_REQUEST, "Invalid stock record in request");
        }
    }
    if !sim.store_stock {
        return StatusCode::OK.into_response();
    }
    let wh = d.stock.entry(warehouse).or_default();
    for s in stocks {
        if let (Some(id), Some(q)) = (s.get("id").and_then(Value::as_str), s.get("quantity")) {
            wh.insert(id.to_string(), q.clone());
        }
    }
    for r in removals {
        if let Some(id) = r.as_str() {
            wh.remove(id);
        }
    }
    StatusCode::OK.into_response()
}

async fn stock_replace(
    State(sim): Sim,
    Path(warehouse): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let Some(stocks) = v.get("stocks").and_then(Value::as_array) else {
        return err(StatusCode::BAD_REQUEST, "stocks is required");
    };
    let mut d = sim.lock();
    d.stock_requests.push(stocks.len());
    if stocks.len() > sim.max_lines {
        return too_many(stocks.len(), sim.max_lines);
    }
    if !d.warehouses.contains_key(&warehouse) {
        return err(
            StatusCode::NOT_FOUND,
            &format!("Warehouse {warehouse} not found"),
        );
    }
    let mut all = BTreeMap::new();
    for s in stocks {
        match (s.get("id").and_then(Value::as_str), s.get("quantity")) {
            (Some(id), Some(q)) if !id.contains("BAD") => {
                all.insert(id.to_string(), q.clone());
            }
            _ => return err(StatusCode::BAD_REQUEST, "Invalid stock record in request"),
        }
    }
    d.stock.insert(warehouse, all);
    StatusCode::OK.into_response()
}

async fn list_clients(
    State(sim): Sim,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    guard!(sim, headers);
    let page: usize = q
        .get("pageNumber")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let size: usize = q.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(20);
    let d = sim.lock();
    let items: Vec<Value> = d
        .clients
        .values()
        .skip(page * size)
        .take(size)
        .cloned()
        .collect();
    Json(json!({"items": items, "totalElement": d.clients.len()})).into_response()
}

async fn create_clients(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let Some(list) = v.as_array() else {
        return err(StatusCode::BAD_REQUEST, "Expected a list of clients");
    };
    if list.len() > sim.max_lines {
        return too_many(list.len(), sim.max_lines);
    }
    for c in list {
        let id = c.get("clientId").and_then(Value::as_str).unwrap_or("");
        if !(id.starts_with("org:") || id.starts_with("ind:")) || id.contains("BAD") {
            return err(StatusCode::BAD_REQUEST, "Invalid client in request");
        }
    }
    let mut d = sim.lock();
    for c in list {
        if let Some(id) = c.get("clientId").and_then(Value::as_str) {
            d.clients.insert(id.to_string(), c.clone());
        }
    }
    StatusCode::CREATED.into_response()
}

fn client_not_found(id: &str) -> Response {
    err(StatusCode::NOT_FOUND, &format!("Client {id} not found"))
}

async fn get_client(State(sim): Sim, Path(id): Path<String>, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    match sim.lock().clients.get(&id) {
        Some(c) => Json(c.clone()).into_response(),
        None => client_not_found(&id),
    }
}

async fn update_client(
    State(sim): Sim,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let mut d = sim.lock();
    match d.clients.get_mut(&id) {
        Some(c) => {
            *c = v;
            StatusCode::OK.into_response()
        }
        None => client_not_found(&id),
    }
}

async fn delete_client(State(sim): Sim, Path(id): Path<String>, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    match sim.lock().clients.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => client_not_found(&id),
    }
}

async fn get_trade_credit(
    State(sim): Sim,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    guard!(sim, headers);
    match sim.lock().trade_credits.get(&org) {
        Some(c) => Json(c.clone()).into_response(),
        None => client_not_found(&org),
    }
}

async fn put_trade_credit(
    State(sim): Sim,
    Path(org): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let mut d = sim.lock();
    if !d.clients.contains_key(&org) {
        return client_not_found(&org);
    }
    let limit = v.get("creditValue").and_then(Value::as_f64).unwrap_or(0.0);
    d.trade_credits.insert(
        org,
        json!({"creditValue": limit, "creditValueUsed": 0, "availableCreditValue": limit}),
    );
    StatusCode::OK.into_response()
}

async fn put_blockade(
    State(sim): Sim,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    if !sim.lock().clients.contains_key(&id) {
        return client_not_found(&id);
    }
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    let label = match kind {
        "TRADE_CREDIT" => "Trade credit exceeded",
        "SALE" => "Sales blocked",
        "CLIENT" => "Account blocked",
        _ => {
            return err(
                StatusCode::BAD_REQUEST,
                "type must be TRADE_CREDIT, SALE or CLIENT",
            );
        }
    };
    let answer = json!({
        "id": sim.new_id("blk"),
        "externalId": v.get("externalId").cloned().unwrap_or(Value::Null),
        "type": kind,
        "label": label,
        "message": v.get("message").cloned().unwrap_or(Value::Null)
    });
    sim.lock().blockades.insert(id, answer.clone());
    Json(answer).into_response()
}

#[allow(clippy::result_large_err)]
fn price_list(bytes: &[u8], max: usize) -> Result<Vec<Value>, Response> {
    let v = parse(bytes)?;
    let Some(list) = v.as_array() else {
        return Err(err(StatusCode::BAD_REQUEST, "Expected a list of prices"));
    };
    if list.len() > max {
        return Err(too_many(list.len(), max));
    }
    for p in list {
        let product = p.get("productId").and_then(Value::as_str).unwrap_or("");
        let price = p.get("price").and_then(Value::as_f64);
        if product.is_empty() || product.contains("BAD") || price.is_none_or(|p| p < 0.0) {
            return Err(err(StatusCode::BAD_REQUEST, "Invalid price in request"));
        }
    }
    Ok(list.clone())
}

async fn retail_prices(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let list = match price_list(&bytes, sim.max_lines) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let mut d = sim.lock();
    for p in list {
        if let Some(id) = p.get("productId").and_then(Value::as_str) {
            d.retail_prices.insert(id.to_string(), p.clone());
        }
    }
    StatusCode::OK.into_response()
}

async fn catalog_prices(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let list = match price_list(&bytes, sim.max_lines) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let mut d = sim.lock();
    for p in &list {
        let pricing = p.get("pricingId").and_then(Value::as_str).unwrap_or("");
        if !d.pricings.contains_key(pricing) {
            return err(
                StatusCode::NOT_FOUND,
                &format!("Pricing {pricing} not found"),
            );
        }
    }
    for p in list {
        if let (Some(pr), Some(id)) = (
            p.get("pricingId").and_then(Value::as_str),
            p.get("productId").and_then(Value::as_str),
        ) {
            d.catalog_prices
                .insert((pr.to_string(), id.to_string()), p.clone());
        }
    }
    StatusCode::OK.into_response()
}

async fn main_catalog(State(sim): Sim, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    Json(json!({"id": "MAIN"})).into_response()
}

async fn list_pricings(State(sim): Sim, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    let list: Vec<Value> = sim.lock().pricings.values().cloned().collect();
    Json(list).into_response()
}

async fn create_pricing(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let mut v = body!(bytes);
    if v.get("name").and_then(Value::as_str).is_none() {
        return err(StatusCode::BAD_REQUEST, "name is required");
    }
    let id = sim.new_id("PRC");
    v["id"] = json!(id);
    sim.lock().pricings.insert(id, v.clone());
    (StatusCode::CREATED, Json(v)).into_response()
}

async fn list_assignments(State(sim): Sim, headers: HeaderMap) -> Response {
    guard!(sim, headers);
    Json(sim.lock().assignments.clone()).into_response()
}

async fn assign_pricings(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let Some(list) = v.as_array() else {
        return err(StatusCode::BAD_REQUEST, "Expected a list");
    };
    let mut d = sim.lock();
    for a in list {
        if let Some(c) = a.get("clientId").and_then(Value::as_str)
            && !d.clients.contains_key(c)
        {
            return client_not_found(c);
        }
    }
    d.assignments.extend(list.iter().cloned());
    StatusCode::OK.into_response()
}

async fn order_events(
    State(sim): Sim,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    guard!(sim, headers);
    let start: u64 = q.get("startId").and_then(|v| v.parse().ok()).unwrap_or(1);
    let n: usize = q
        .get("numberOfEvents")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    if n > 1000 {
        return err(
            StatusCode::BAD_REQUEST,
            "numberOfEvents must be at most 1000",
        );
    }
    let types: Vec<&str> = q
        .get("eventTypes")
        .map(|t| t.split(',').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let d = sim.lock();
    let mut next = start;
    let mut events = Vec::new();
    for e in d.order_events.iter() {
        let id = e.get("id").and_then(Value::as_u64).unwrap_or(0);
        if id < start || events.len() >= n {
            continue;
        }
        next = id + 1;
        let kind = e.get("eventType").and_then(Value::as_str).unwrap_or("");
        if types.is_empty() || types.contains(&kind) {
            events.push(
                json!({"orderId": e["orderId"], "shipmentId": e["shipmentId"], "eventType": kind}),
            );
        }
    }
    Json(json!({"nextId": next, "events": events})).into_response()
}

async fn get_shipment(
    State(sim): Sim,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    guard!(sim, headers);
    let id = q.get("shipmentId").cloned().unwrap_or_default();
    match sim.lock().shipments.get(&id) {
        Some(s) => Json(s.clone()).into_response(),
        None => err(StatusCode::NOT_FOUND, &format!("Shipment {id} not found")),
    }
}

async fn shipment_status(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let id = v
        .get("shipmentId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut d = sim.lock();
    match d.shipments.get_mut(&id) {
        Some(s) => {
            s["status"] = v.get("status").cloned().unwrap_or(Value::Null);
            StatusCode::OK.into_response()
        }
        None => err(StatusCode::NOT_FOUND, &format!("Shipment {id} not found")),
    }
}

async fn shipment_update(
    State(sim): Sim,
    Path((id, what)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let mut d = sim.lock();
    let Some(s) = d.shipments.get_mut(&id) else {
        return err(StatusCode::NOT_FOUND, &format!("Shipment {id} not found"));
    };
    match what.as_str() {
        "payment-status" => match v.get("newPaymentStatus").and_then(Value::as_str) {
            Some(p @ ("PENDING" | "PAID" | "FAILED" | "CANCELLED" | "TIMEOUT")) => {
                s["paymentStatus"] = json!(p);
            }
            _ => return err(StatusCode::BAD_REQUEST, "Unknown newPaymentStatus"),
        },
        "confirmed-delivery-date" => {
            let date = v
                .get("confirmedDeliveryDate")
                .and_then(Value::as_str)
                .unwrap_or("");
            let ok = date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-';
            if !ok {
                return err(
                    StatusCode::BAD_REQUEST,
                    "confirmedDeliveryDate must be yyyy-MM-dd",
                );
            }
            s["confirmedDeliveryDate"] = json!(date);
        }
        "shipped-quantities" => {
            s["quantityChanges"] = v.get("quantityChanges").cloned().unwrap_or(Value::Null);
        }
        "waybills" => {
            let mut all = s
                .get("waybills")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            all.extend(
                v.get("waybills")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            s["waybills"] = Value::Array(all);
        }
        _ => return err(StatusCode::NOT_FOUND, "No such shipment operation"),
    }
    StatusCode::OK.into_response()
}

async fn put_invoice(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let Some(number) = v.get("number").and_then(Value::as_str) else {
        return err(StatusCode::BAD_REQUEST, "number is required");
    };
    if let Some(c) = v.pointer("/clientData/clientId").and_then(Value::as_str)
        && !sim.lock().clients.contains_key(c)
    {
        return client_not_found(c);
    }
    let number = number.to_string();
    sim.lock().invoices.insert(number, v);
    StatusCode::OK.into_response()
}

async fn put_note(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let Some(number) = v.get("number").and_then(Value::as_str) else {
        return err(StatusCode::BAD_REQUEST, "number is required");
    };
    let number = number.to_string();
    sim.lock().notes.insert(number, v);
    StatusCode::OK.into_response()
}

async fn upload_begin(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let v = body!(bytes);
    let number = v.get("number").and_then(Value::as_str).unwrap_or("");
    if number.is_empty() {
        return err(StatusCode::BAD_REQUEST, "number is required");
    }
    let id = sim.new_id("upl");
    let mut d = sim.lock();
    d.uploads.insert(
        id.clone(),
        json!({"number": number, "fileExtension": v.get("fileExtension").cloned().unwrap_or(json!("pdf")), "completed": false, "bytes": 0}),
    );
    d.upload_order.push(id.clone());
    Json(json!({"uploadId": id})).into_response()
}

/// The second step: multipart with `uploadId`, `fileExtension`, `number` and the file. The
/// simulator reads the raw body (it checks the upload id and the PDF signature).
async fn upload_complete(State(sim): Sim, headers: HeaderMap, bytes: Bytes) -> Response {
    guard!(sim, headers);
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected multipart/form-data",
        );
    }
    let text = String::from_utf8_lossy(&bytes);
    let Some(id) = form_field(&text, "uploadId") else {
        return err(StatusCode::BAD_REQUEST, "uploadId is required");
    };
    let mut d = sim.lock();
    if !d.uploads.contains_key(id) {
        return err(StatusCode::NOT_FOUND, "Unknown uploadId");
    }
    let Some(start) = text.find("%PDF-") else {
        return err(StatusCode::BAD_REQUEST, "The file is not a PDF");
    };
    let end = text.find("%%EOF").map_or(text.len(), |e| e + 5);
    if let Some(u) = d.uploads.get_mut(id) {
        u["completed"] = json!(true);
        u["bytes"] = json!(end.saturating_sub(start));
    }
    StatusCode::OK.into_response()
}

/// The value of the text field `name` of a multipart body: the line after the blank line that
/// follows its `Content-Disposition: form-data; name="<name>"` header.
fn form_field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let header = format!("name=\"{name}\"");
    let at = body.find(&header)? + header.len();
    let rest = &body[at..];
    let value = &rest[rest.find("\r\n\r\n")? + 4..];
    Some(&value[..value.find("\r\n")?])
}

/// The simulator on a loopback port, behind fault injection.
#[derive(Debug)]
pub struct OneSandbox {
    /// The running server (stopped on drop).
    pub server: SandboxServer,
    /// The simulator's state.
    pub sim: OneSimulator,
    /// Fault injection for every route.
    pub faults: Faults,
}

impl OneSandbox {
    /// Starts a fresh simulator.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(OneSimulator::new()).await
    }

    /// Starts `sim`.
    pub async fn start_with(sim: OneSimulator) -> std::io::Result<Self> {
        let faults = Faults::new();
        let router = sim.router().layer(axum::middleware::from_fn_with_state(
            faults.clone(),
            Faults::layer,
        ));
        let server = SandboxServer::start(router).await?;
        Ok(Self {
            server,
            sim,
            faults,
        })
    }

    /// The base URL to configure the client with.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }
}
