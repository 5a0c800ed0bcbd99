//! # sandbox-amazon-mcf
//!
//! A local, **dynamic** simulator of Amazon Multi-Channel Fulfillment, like Amazon's own
//! dynamic sandbox: orders are created, listed, updated, cancelled and driven through
//! statuses with `submitFulfillmentOrderStatusUpdate`, which creates shipments, packages and
//! tracking; inventory is reserved by a create and consumed when the order ships.
//!
//! Written from the public Selling Partner API models (Fulfillment Outbound `2020-07-01`,
//! FBA Inventory `v1`) with literal JSON; it never uses the client crate's types.
//!
//! * LWA token endpoint at `/auth/o2/token` (refresh-token grant) from
//!   [`connector_sandbox::TokenIssuer`]; a refused or expired `x-amz-access-token` gets
//!   Amazon's 403 `Unauthorized` answer.
//! * Every answer carries `x-amzn-RequestId`; 2xx/400/404 carry `x-amzn-RateLimit-Limit`
//!   with the operation's rate from the models' usage plans ([`USAGE_PLANS`]: `deliveryOffers`
//!   5/s, inventory 2/s...).
//! * Optional token buckets per operation ([`McfSimulator::with_rate_limit`] for one plan
//!   everywhere, [`McfSimulator::with_model_rate_limits`] for the models' plans) answering 429
//!   `QuotaExceeded` beyond them.
//! * Request bodies are checked against the models' definitions before anything is read from
//!   them (required fields, JSON types, enums, lengths, quantities of at least 1, characters
//!   of `sellerFulfillmentOrderId`): a refused body gets Amazon's 400
//!   `{"errors":[{"code":"InvalidInput","message":...,"details":...}]}` and changes nothing.
//!   Unknown paths and methods get 404 `NotFound` / 405 `MethodNotAllowed` in the same shape.
//! * Page tokens contain `+`, `/` and `=` (a client that does not encode them breaks);
//!   inventory tokens expire after 30 s.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let sandbox = sandbox_amazon_mcf::McfSimulator::new().start().await?;
//! sandbox.sim.seed_inventory("SKU-1", "Blue mug", 10);
//! println!("endpoint {} token URL {}", sandbox.base_url(), sandbox.token_url());
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use connector_sandbox::{Faults, SandboxServer, TokenIssuer};
use serde_json::{Value, json};

mod schema;

use schema::{Refusal, Ty};

/// LWA client id the simulator accepts.
pub const CLIENT_ID: &str = "amzn1.application-oa2-client.sandbox";
/// LWA client secret the simulator accepts (not a real secret).
pub const CLIENT_SECRET: &str = "sandbox-lwa-secret";
/// Refresh token the simulator accepts (contains `|`, like real ones).
pub const REFRESH_TOKEN: &str = "Atzr|sandbox-refresh-token";
/// Path of the LWA token endpoint.
pub const TOKEN_PATH: &str = "/auth/o2/token";
/// The marketplace the simulator answers for by default (US).
pub const MARKETPLACE_ID: &str = "ATVPDKIKX0DER";

/// Each operation's usage plan (operationId, requests per second, burst), from the models'
/// descriptions; `submitFulfillmentOrderStatusUpdate` and the inventory sandbox helpers have
/// none in the models and use the official JS SDK's rate map.
pub const USAGE_PLANS: &[(&str, f64, u32)] = &[
    ("getFulfillmentPreview", 2.0, 30),
    ("deliveryOffers", 5.0, 30),
    ("listAllFulfillmentOrders", 2.0, 30),
    ("createFulfillmentOrder", 2.0, 30),
    ("getPackageTrackingDetails", 2.0, 30),
    ("listReturnReasonCodes", 2.0, 30),
    ("createFulfillmentReturn", 2.0, 30),
    ("getFulfillmentOrder", 2.0, 30),
    ("updateFulfillmentOrder", 2.0, 30),
    ("cancelFulfillmentOrder", 2.0, 30),
    ("submitFulfillmentOrderStatusUpdate", 1.0, 1),
    ("getFeatures", 2.0, 30),
    ("getFeatureInventory", 2.0, 30),
    ("getFeatureSKU", 2.0, 30),
    ("getInventorySummaries", 2.0, 2),
    ("createInventoryItem", 2.0, 3),
    ("deleteInventoryItem", 2.0, 3),
    ("addInventory", 2.0, 3),
];

/// The usage plan of `operation` in [`USAGE_PLANS`].
fn usage_plan(operation: &str) -> Option<(f64, u32)> {
    USAGE_PLANS
        .iter()
        .find(|(op, _, _)| *op == operation)
        .map(|(_, rate, burst)| (*rate, *burst))
}

const OUT: &str = "/fba/outbound/2020-07-01";
const INV: &str = "/fba/inventory/v1";

/// The simulator's state. Cheap to clone.
#[derive(Clone)]
pub struct McfSimulator {
    inner: Arc<Inner>,
}

struct Inner {
    data: Mutex<Data>,
    issuer: TokenIssuer,
    faults: Faults,
    page_size: usize,
    limit: Limit,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    requests: AtomicU64,
    throttled: AtomicU64,
    drop_next_create: AtomicBool,
}

#[derive(Default)]
struct Data {
    seq: u64,
    orders: BTreeMap<String, SimOrder>,
    inventory: BTreeMap<String, Item>,
    next_package: i64,
    inventory_tokens: HashMap<String, (Instant, usize)>,
    idempotency_tokens: HashSet<String>,
}

/// Which token buckets the simulator enforces.
#[derive(Clone, Copy, PartialEq)]
enum Limit {
    /// None (the rate header still gives each operation's plan).
    Off,
    /// The same plan for every operation.
    Uniform(f64, u32),
    /// Each operation's plan from [`USAGE_PLANS`].
    Model,
}

struct SimOrder {
    seq: u64,
    request: Value,
    status: String,
    received: String,
    updated: String,
    shipments: Vec<Value>,
}

struct Item {
    product_name: String,
    fulfillable: i64,
    reserved: i64,
    fn_sku: String,
    asin: String,
    updated: String,
}

impl fmt::Debug for McfSimulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McfSimulator")
            .field("orders", &lock(&self.inner.data).orders.len())
            .field("requests", &self.requests())
            .field("throttled", &self.throttled())
            .finish()
    }
}

/// A running simulator: the server and a handle on its state.
#[derive(Debug)]
pub struct McfSandbox {
    /// The loopback server (stops on drop).
    pub server: SandboxServer,
    /// The simulator state (seed inventory, inspect orders...).
    pub sim: McfSimulator,
}

impl McfSandbox {
    /// The SP-API endpoint.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The LWA token URL.
    pub fn token_url(&self) -> String {
        self.server.url(TOKEN_PATH)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn in_days(days: i64) -> String {
    (Utc::now() + chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Default for McfSimulator {
    fn default() -> Self {
        Self::new()
    }
}

impl McfSimulator {
    /// A simulator with one-hour tokens, pages of 2 orders, and no rate limits.
    pub fn new() -> Self {
        Self::build(Duration::from_secs(3600), 2, Limit::Off)
    }

    fn build(ttl: Duration, page_size: usize, limit: Limit) -> Self {
        let issuer = TokenIssuer::new(&[(CLIENT_ID, CLIENT_SECRET)], ttl);
        issuer.add_refresh_token(CLIENT_ID, REFRESH_TOKEN);
        Self {
            inner: Arc::new(Inner {
                data: Mutex::new(Data {
                    next_package: 1001,
                    ..Data::default()
                }),
                issuer,
                faults: Faults::new(),
                page_size: page_size.max(1),
                limit,
                buckets: Mutex::new(HashMap::new()),
                requests: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                drop_next_create: AtomicBool::new(false),
            }),
        }
    }

    /// Enforces a token bucket per operation (`rate` per second, `burst`), answering 429
    /// `QuotaExceeded` beyond it, like Amazon's usage plans.
    pub fn with_rate_limit(self, rate: f64, burst: u32) -> Self {
        Self::build(
            Duration::from_secs(3600),
            self.inner.page_size,
            Limit::Uniform(rate, burst),
        )
    }

    /// Enforces each operation's usage plan from the models ([`USAGE_PLANS`]: e.g.
    /// `deliveryOffers` 5/s burst 30, `getInventorySummaries` 2/s burst 2), answering 429
    /// `QuotaExceeded` beyond it.
    pub fn with_model_rate_limits(self) -> Self {
        Self::build(
            Duration::from_secs(3600),
            self.inner.page_size,
            Limit::Model,
        )
    }

    /// Orders (and inventory summaries) per page.
    pub fn with_page_size(self, page_size: usize) -> Self {
        Self::build(Duration::from_secs(3600), page_size, self.inner.limit)
    }

    /// The LWA token issuer (`expire_all()`, `issued()`, `revoke_refresh_token()`...).
    pub fn issuer(&self) -> &TokenIssuer {
        &self.inner.issuer
    }

    /// Fault injection on the SP-API routes.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// SP-API requests received (token requests excluded).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Requests answered 429 by the rate limiter.
    pub fn throttled(&self) -> u64 {
        self.inner.throttled.load(Ordering::SeqCst)
    }

    /// The next `createFulfillmentOrder` creates the order, then drops the connection before
    /// the answer is complete (a lost answer).
    pub fn drop_next_create_answer(&self) {
        self.inner.drop_next_create.store(true, Ordering::SeqCst);
    }

    /// Adds `quantity` fulfillable units of `sku` (creating the item).
    pub fn seed_inventory(&self, sku: &str, product_name: &str, quantity: i64) {
        let mut d = lock(&self.inner.data);
        let n = d.inventory.len();
        let item = d.inventory.entry(sku.to_string()).or_insert_with(|| Item {
            product_name: product_name.to_string(),
            fulfillable: 0,
            reserved: 0,
            fn_sku: format!("X00SIM{n:04}"),
            asin: format!("B0SIM{n:05}"),
            updated: now(),
        });
        item.fulfillable += quantity;
        item.updated = now();
    }

    /// Fulfillable units of `sku`.
    pub fn fulfillable(&self, sku: &str) -> Option<i64> {
        lock(&self.inner.data)
            .inventory
            .get(sku)
            .map(|i| i.fulfillable)
    }

    /// Status of an order.
    pub fn order_status(&self, id: &str) -> Option<String> {
        lock(&self.inner.data)
            .orders
            .get(id)
            .map(|o| o.status.clone())
    }

    /// Number of orders.
    pub fn order_count(&self) -> usize {
        lock(&self.inner.data).orders.len()
    }

    /// The router: SP-API routes (behind fault injection) plus the LWA token endpoint; any
    /// other path answers 404 and a known path with another method 405, both in Amazon's
    /// `errors[]` shape.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route(&format!("{OUT}/fulfillmentOrders/preview"), post(preview))
            .route(&format!("{OUT}/deliveryOffers"), post(delivery_offers))
            .route(
                &format!("{OUT}/fulfillmentOrders"),
                post(create_order).get(list_orders),
            )
            .route(
                &format!("{OUT}/fulfillmentOrders/{{id}}"),
                get(get_order).put(update_order),
            )
            .route(
                &format!("{OUT}/fulfillmentOrders/{{id}}/cancel"),
                put(cancel_order),
            )
            .route(
                &format!("{OUT}/fulfillmentOrders/{{id}}/status"),
                put(status_update),
            )
            .route(
                &format!("{OUT}/fulfillmentOrders/{{id}}/return"),
                put(create_return),
            )
            .route(&format!("{OUT}/tracking"), get(tracking))
            .route(
                &format!("{OUT}/returnReasonCodes"),
                get(return_reason_codes),
            )
            .route(&format!("{OUT}/features"), get(features))
            .route(
                &format!("{OUT}/features/inventory/{{feature}}"),
                get(feature_inventory),
            )
            .route(
                &format!("{OUT}/features/inventory/{{feature}}/{{sku}}"),
                get(feature_sku),
            )
            .route(&format!("{INV}/summaries"), get(inventory_summaries))
            .route(&format!("{INV}/items"), post(create_item))
            .route(
                &format!("{INV}/items/{{sku}}"),
                axum::routing::delete(delete_item),
            )
            .route(&format!("{INV}/items/inventory"), post(add_inventory))
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(
                self.inner.faults.clone(),
                Faults::layer,
            ));
        api.merge(self.inner.issuer.router(TOKEN_PATH))
            .fallback(unknown_path)
            .method_not_allowed_fallback(unknown_method)
    }

    /// Serves the simulator on a loopback port.
    pub async fn start(self) -> std::io::Result<McfSandbox> {
        let server = SandboxServer::start(self.router()).await?;
        Ok(McfSandbox { server, sim: self })
    }

    /// The rate of `operation`'s bucket, as `x-amzn-RateLimit-Limit` gives it.
    fn plan(&self, operation: &str) -> Option<(f64, u32)> {
        match self.inner.limit {
            Limit::Uniform(rate, burst) => Some((rate, burst)),
            Limit::Off | Limit::Model => usage_plan(operation),
        }
    }

    /// Authenticates, counts and rate-limits one call; the error is the answer to send.
    #[allow(clippy::result_large_err)]
    fn gate(&self, headers: &HeaderMap, operation: &'static str) -> Result<Op, Response> {
        self.inner.requests.fetch_add(1, Ordering::SeqCst);
        let token = headers
            .get("x-amz-access-token")
            .and_then(|v| v.to_str().ok());
        let details = match token {
            None => Some("Access token is missing in the request header."),
            Some(t) if !self.inner.issuer.is_valid(t) => {
                Some("The access token you provided has expired.")
            }
            Some(_) => None,
        };
        if let Some(details) = details {
            return Err(answer(
                StatusCode::FORBIDDEN,
                json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": details}]}),
                None,
            ));
        }
        if headers.get("user-agent").is_none() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                "A User-Agent header is required.",
                None,
            ));
        }
        let enforced = match self.inner.limit {
            Limit::Off => None,
            Limit::Uniform(rate, burst) => Some((rate, burst)),
            Limit::Model => usage_plan(operation),
        };
        if let Some((rate, burst)) = enforced {
            let mut buckets = lock(&self.inner.buckets);
            let now = Instant::now();
            let (tokens, last) = buckets
                .entry(operation.to_string())
                .or_insert((f64::from(burst), now));
            *tokens =
                (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(f64::from(burst));
            *last = now;
            if *tokens < 1.0 {
                self.inner.throttled.fetch_add(1, Ordering::SeqCst);
                return Err(answer(
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}]}),
                    None,
                ));
            }
            *tokens -= 1.0;
        }
        Ok(Op {
            sim: self.clone(),
            operation,
        })
    }
}

/// One authenticated call of an operation: its answers carry the operation's rate.
struct Op {
    sim: McfSimulator,
    operation: &'static str,
}

impl std::ops::Deref for Op {
    type Target = McfSimulator;
    fn deref(&self) -> &McfSimulator {
        &self.sim
    }
}

impl Op {
    fn rate_header(&self) -> Option<String> {
        self.sim
            .plan(self.operation)
            .map(|(rate, _)| format!("{rate:?}"))
    }

    fn ok(&self, body: Value) -> Response {
        answer(StatusCode::OK, body, self.rate_header())
    }

    fn fail(&self, status: StatusCode, code: &str, message: &str) -> Response {
        error(status, code, message, self.rate_header())
    }

    /// Amazon's 400 `InvalidInput` for a refused field.
    fn refuse(&self, r: Refusal) -> Response {
        answer(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{
                "code": "InvalidInput",
                "message": format!("Invalid input: {} {}", r.field, r.problem),
                "details": r.field,
            }]}),
            self.rate_header(),
        )
    }

    /// The body, as JSON checked against `ty`; the error is the 400 to send.
    #[allow(clippy::result_large_err)]
    fn body(&self, body: &Bytes, ty: &Ty) -> Result<Value, Response> {
        let v =
            parse_body(body).map_err(|e| self.fail(StatusCode::BAD_REQUEST, "InvalidInput", &e))?;
        schema::check(ty, &v, "").map_err(|r| self.refuse(r))?;
        Ok(v)
    }

    /// A 500 for state the simulator itself stored and cannot read back (a simulator bug).
    fn internal(&self, what: &str) -> Response {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            &format!("We encountered an internal error ({what}). Please try again."),
            None,
        )
    }
}

async fn unknown_path(uri: axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("Resource {} is not found.", uri.path()),
        None,
    )
}

async fn unknown_method(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("{method} is not allowed on {}.", uri.path()),
        None,
    )
}

fn answer(status: StatusCode, body: Value, rate: Option<String>) -> Response {
    let mut resp = (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    let rid = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u16(..),
        fastrand::u16(..),
        fastrand::u64(..) & 0xffff_ffff_ffff
    );
    if let Ok(v) = rid.parse() {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    if let Some(rate) = rate
        && let Ok(v) = rate.parse()
    {
        resp.headers_mut().insert("x-amzn-RateLimit-Limit", v);
    }
    resp
}

fn error(status: StatusCode, code: &str, message: &str, rate: Option<String>) -> Response {
    answer(
        status,
        json!({"errors": [{"code": code, "message": message, "details": ""}]}),
        rate,
    )
}

fn parse_body(body: &Bytes) -> Result<Value, String> {
    serde_json::from_slice::<Value>(body)
        .map_err(|e| format!("The request body is not valid JSON: {e}"))
}

fn currency_for(marketplace: &str) -> &'static str {
    match marketplace {
        "A1F83G8C2ARO7P" => "GBP",
        "A1VC38T7YXB528" => "JPY",
        "A2EUQ1WTGCTBG2" => "CAD",
        "A1PA6795UKMFR9" | "A13V1IB3VIYZZH" | "APJ6JRA9NG5V4" | "A1RKKUPIHCS9HS"
        | "A1805IZSGTT6HS" => "EUR",
        _ => "USD",
    }
}

/// An optional string field of a checked body (`None` when absent).
fn opt_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The marketplace of a body: its `marketplaceId`, or the default one when absent.
fn marketplace_of(v: &Value) -> Result<String, Refusal> {
    match v.get("marketplaceId").and_then(Value::as_str) {
        None => Ok(MARKETPLACE_ID.to_string()),
        Some("") => Err(Refusal {
            field: "marketplaceId".into(),
            problem: "must not be empty".into(),
        }),
        Some(m) => Ok(m.to_string()),
    }
}

/// `city` is required in every country but Japan (checked body).
fn check_city(address_key: &str, req: &Value) -> Result<(), Refusal> {
    let Some(a) = req.get(address_key) else {
        return Ok(());
    };
    let city_missing = opt_str(a, "city").is_none_or(|c| c.trim().is_empty());
    if opt_str(a, "countryCode") != Some("JP") && city_missing {
        return Err(Refusal {
            field: format!("{address_key}.city"),
            problem: "is required (required parameters are missing: [City])".into(),
        });
    }
    Ok(())
}

/// One line of an order, create, preview or update body.
struct Line {
    sku: Option<String>,
    line: String,
    quantity: i64,
}

/// The lines of a body already checked against its schema (no defaults: a line that is not
/// as the schema says is an error, never a 0 or an empty string).
fn items_of(v: &Value) -> Result<Vec<Line>, String> {
    let Some(items) = v.get("items") else {
        return Ok(Vec::new());
    };
    let items = items.as_array().ok_or("items is not an array")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Ok(Line {
                sku: opt_str(item, "sellerSku").map(str::to_string),
                line: opt_str(item, "sellerFulfillmentOrderItemId")
                    .ok_or(format!(
                        "items[{i}].sellerFulfillmentOrderItemId is missing"
                    ))?
                    .to_string(),
                quantity: item
                    .get("quantity")
                    .and_then(Value::as_i64)
                    .ok_or(format!("items[{i}].quantity is not an integer"))?,
            })
        })
        .collect()
}

/// The lines of a create or preview body, every one with its SKU.
fn lines_with_sku(v: &Value) -> Result<Vec<(String, String, i64)>, String> {
    items_of(v)?
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let sku = l.sku.ok_or(format!("items[{i}].sellerSku is missing"))?;
            Ok((sku, l.line, l.quantity))
        })
        .collect()
}

/// At least one line and at most 250 units.
fn check_units(items: &[(String, String, i64)]) -> Result<(), Refusal> {
    if items.is_empty() {
        return Err(Refusal {
            field: "items".into(),
            problem: "must not be empty".into(),
        });
    }
    let units: i64 = items.iter().map(|(_, _, q)| q).sum();
    if units > 250 {
        return Err(Refusal {
            field: "items".into(),
            problem: format!("a maximum of 250 units per order (got {units})"),
        });
    }
    Ok(())
}

async fn preview(State(sim): State<McfSimulator>, headers: HeaderMap, body: Bytes) -> Response {
    let sim = match sim.gate(&headers, "getFulfillmentPreview") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::PREVIEW) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let items = match lines_with_sku(&req) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let marketplace = match check_city("address", &req)
        .and_then(|()| check_units(&items))
        .and_then(|()| marketplace_of(&req))
    {
        Ok(m) => m,
        Err(r) => return sim.refuse(r),
    };
    let currency = currency_for(&marketplace);
    // Checked against the schema: every entry is a known speed.
    let speeds: Vec<String> = req
        .get("shippingSpeedCategories")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| vec!["Standard".into(), "Expedited".into(), "Priority".into()]);
    let d = lock(&sim.inner.data);
    let mut unfulfillable = Vec::new();
    let mut fulfillable_items = Vec::new();
    let mut units = 0i64;
    for (sku, id, qty) in &items {
        units += qty;
        match d.inventory.get(sku) {
            Some(i) if i.fulfillable >= *qty => fulfillable_items.push(json!({
                "sellerSku": sku,
                "quantity": qty,
                "sellerFulfillmentOrderItemId": id,
                "estimatedShippingWeight": {"unit": "POUNDS", "value": "0.55"},
                "shippingWeightCalculationMethod": "Package"
            })),
            Some(_) => unfulfillable.push(json!({
                "sellerSku": sku, "quantity": qty, "sellerFulfillmentOrderItemId": id,
                "itemUnfulfillableReasons": ["InventoryUnavailable"]
            })),
            None => unfulfillable.push(json!({
                "sellerSku": sku, "quantity": qty, "sellerFulfillmentOrderItemId": id,
                "itemUnfulfillableReasons": ["InvalidSKU"]
            })),
        }
    }
    drop(d);
    let previews: Vec<Value> = speeds
        .iter()
        .map(|speed| {
            let (ship, arrive, per_order) = match speed.as_str() {
                "Priority" => (0, 1, "7.99"),
                "Expedited" => (1, 3, "4.99"),
                _ => (1, 5, "2.99"),
            };
            json!({
                "shippingSpeedCategory": speed,
                "isFulfillable": unfulfillable.is_empty(),
                "isCODCapable": false,
                "marketplaceId": marketplace,
                "estimatedShippingWeight": {"unit": "POUNDS", "value": format!("{}.{:02}", 55 * units.max(0) / 100, 55 * units.max(0) % 100)},
                "estimatedFees": [
                    {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": currency, "value": format!("{}.{:02}", 322 * units.max(0) / 100, 322 * units.max(0) % 100)}},
                    {"name": "FBAPerOrderFulfillmentFee", "amount": {"currencyCode": currency, "value": per_order}}
                ],
                "fulfillmentPreviewShipments": if fulfillable_items.is_empty() { json!([]) } else { json!([{
                    "earliestShipDate": in_days(ship),
                    "latestShipDate": in_days(ship + 1),
                    "earliestArrivalDate": in_days(arrive),
                    "latestArrivalDate": in_days(arrive + 2),
                    "shippingNotes": [],
                    "fulfillmentPreviewItems": fulfillable_items
                }]) },
                "unfulfillablePreviewItems": unfulfillable,
                "orderUnfulfillableReasons": []
            })
        })
        .collect();
    sim.ok(json!({"payload": {"fulfillmentPreviews": previews}}))
}

async fn delivery_offers(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "deliveryOffers") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::DELIVERY_OFFERS) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(sku) = req
        .pointer("/product/productIdentifier/merchantSku")
        .and_then(Value::as_str)
    else {
        return sim.internal("merchantSku");
    };
    let destination = &req["terms"]["destination"];
    if destination.get("deliveryAddress").is_none() && destination.get("ipAddress").is_none() {
        return sim.refuse(Refusal {
            field: "terms.destination".into(),
            problem: "needs a deliveryAddress or an ipAddress".into(),
        });
    }
    if !lock(&sim.inner.data).inventory.contains_key(sku) {
        return sim.ok(json!({"payload": {"deliveryOffers": []}}));
    }
    sim.ok(json!({"payload": {"deliveryOffers": [{
        "expiresAt": in_days(1),
        "dateRange": {"earliest": in_days(2), "latest": in_days(4)},
        "policy": {"message": {"text": "Get it in 2 to 4 days", "locale": "en-US"}}
    }]}}))
}

async fn create_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "createFulfillmentOrder") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::CREATE_ORDER) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(id), Ok(items)) = (
        opt_str(&req, "sellerFulfillmentOrderId").map(str::to_string),
        lines_with_sku(&req),
    ) else {
        return sim.internal("create body");
    };
    if let Err(r) = schema::check_order_id(&id)
        .and_then(|()| check_city("destinationAddress", &req))
        .and_then(|()| check_units(&items))
        .and_then(|()| marketplace_of(&req).map(|_| ()))
    {
        return sim.refuse(r);
    }
    let mut d = lock(&sim.inner.data);
    if d.orders.contains_key(&id) {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("A fulfillment order with sellerFulfillmentOrderId {id} already exists"),
        );
    }
    for (sku, line, qty) in &items {
        match d.inventory.get(sku) {
            None => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    &format!("The SellerSKU for Item Id {line} is invalid"),
                );
            }
            Some(i) if i.fulfillable < *qty => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    &format!("Not enough fulfillable inventory for SellerSKU {sku}"),
                );
            }
            Some(_) => {}
        }
    }
    for (sku, _, qty) in &items {
        if let Some(i) = d.inventory.get_mut(sku) {
            i.fulfillable -= qty;
            i.reserved += qty;
            i.updated = now();
        }
    }
    d.seq += 1;
    let seq = d.seq;
    d.orders.insert(
        id,
        SimOrder {
            seq,
            request: req,
            status: "Received".into(),
            received: now(),
            updated: now(),
            shipments: Vec::new(),
        },
    );
    drop(d);
    if sim.inner.drop_next_create.swap(false, Ordering::SeqCst) {
        let stream = futures::stream::iter(vec![
            Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "simulated lost answer",
            )),
        ]);
        return Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    sim.ok(json!({}))
}

fn order_json(o: &SimOrder) -> Value {
    let r = &o.request;
    let mut order = json!({
        "sellerFulfillmentOrderId": r["sellerFulfillmentOrderId"],
        "marketplaceId": opt_str(r, "marketplaceId").unwrap_or(MARKETPLACE_ID),
        "displayableOrderId": r["displayableOrderId"],
        "displayableOrderDate": r["displayableOrderDate"],
        "displayableOrderComment": r["displayableOrderComment"],
        "shippingSpeedCategory": r["shippingSpeedCategory"],
        "destinationAddress": r["destinationAddress"],
        "fulfillmentAction": r.get("fulfillmentAction").cloned().unwrap_or(json!("Ship")),
        "fulfillmentPolicy": r.get("fulfillmentPolicy").cloned().unwrap_or(json!("FillOrKill")),
        "receivedDate": o.received,
        "fulfillmentOrderStatus": o.status,
        "statusUpdatedDate": o.updated,
        "notificationEmails": r.get("notificationEmails").cloned().unwrap_or(json!([]))
    });
    for k in ["deliveryWindow", "codSettings", "featureConstraints"] {
        if let Some(v) = r.get(k) {
            order[k] = v.clone();
        }
    }
    order
}

/// `GetFulfillmentOrderResult` of an order (its stored body was checked at create/update).
fn order_detail(o: &SimOrder) -> Result<Value, String> {
    let cancelled = o.status == "Cancelled";
    let stored = o
        .request
        .get("items")
        .and_then(Value::as_array)
        .ok_or("order without items")?;
    let mut items = Vec::new();
    for i in stored {
        let qty = i
            .get("quantity")
            .and_then(Value::as_i64)
            .ok_or("line without an integer quantity")?;
        let mut item = json!({
            "sellerSku": i["sellerSku"],
            "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
            "quantity": qty,
            "fulfillmentNetworkSku": "X00SIMFNSKU",
            "orderItemDisposition": "Sellable",
            "cancelledQuantity": if cancelled { qty } else { 0 },
            "unfulfillableQuantity": 0,
            "estimatedShipDate": in_days(1),
            "estimatedArrivalDate": in_days(5)
        });
        for k in [
            "giftMessage",
            "displayableComment",
            "perUnitDeclaredValue",
            "perUnitPrice",
            "perUnitTax",
        ] {
            if let Some(v) = i.get(k) {
                item[k] = v.clone();
            }
        }
        items.push(item);
    }
    let mut payload = json!({
        "fulfillmentOrder": order_json(o),
        "fulfillmentOrderItems": items,
        "fulfillmentShipments": o.shipments,
        "returnItems": [],
        "returnAuthorizations": []
    });
    if let Some(p) = o.request.get("paymentInformation") {
        payload["paymentInformation"] = p.clone();
    }
    Ok(json!({ "payload": payload }))
}

async fn get_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let sim = match sim.gate(&headers, "getFulfillmentOrder") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let d = lock(&sim.inner.data);
    match d.orders.get(&id) {
        Some(o) => match order_detail(o) {
            Ok(detail) => sim.ok(detail),
            Err(e) => sim.internal(&e),
        },
        None => sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        ),
    }
}

fn page_token(offset: usize) -> String {
    // Real tokens are opaque base64 with `+`, `/` and `=`: clients must encode them.
    format!("c2lt+{offset}/page==")
}

fn parse_token(token: &str) -> Option<usize> {
    token
        .strip_prefix("c2lt+")?
        .strip_suffix("/page==")?
        .parse()
        .ok()
}

async fn list_orders(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "listAllFulfillmentOrders") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let offset = match q.get("nextToken") {
        None => 0,
        Some(t) => match parse_token(t) {
            Some(o) => o,
            None => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "Next token is invalid or expired",
                );
            }
        },
    };
    let since = match q.get("queryStartDate") {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(_) => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "queryStartDate must be an ISO 8601 date-time",
                );
            }
        },
    };
    let d = lock(&sim.inner.data);
    let mut orders: Vec<&SimOrder> = d
        .orders
        .values()
        .filter(|o| {
            since.is_none_or(|s| {
                chrono::DateTime::parse_from_rfc3339(&o.updated)
                    .is_ok_and(|u| u.with_timezone(&Utc) >= s)
            })
        })
        .collect();
    orders.sort_by_key(|o| o.seq);
    let page: Vec<Value> = orders
        .iter()
        .skip(offset)
        .take(sim.inner.page_size)
        .map(|o| order_json(o))
        .collect();
    let mut payload = json!({"fulfillmentOrders": page});
    if offset + sim.inner.page_size < orders.len() {
        payload["nextToken"] = json!(page_token(offset + sim.inner.page_size));
    }
    sim.ok(json!({"payload": payload}))
}

async fn update_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "updateFulfillmentOrder") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::UPDATE_ORDER) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = check_city("destinationAddress", &req) {
        return sim.refuse(r);
    }
    let requested = match items_of(&req) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let mut d = lock(&sim.inner.data);
    let Data {
        orders, inventory, ..
    } = &mut *d;
    let Some(o) = orders.get_mut(&id) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    if !matches!(o.status.as_str(), "New" | "Received" | "Planning") {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("Order {id} is {} and can no longer be updated", o.status),
        );
    }
    // Line changes (`sellerFulfillmentOrderItemId` + new `quantity`): all checked first, then
    // applied together, moving the difference between fulfillable and reserved stock.
    let current = match lines_with_sku(&o.request) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let mut changes = Vec::new();
    let mut units: i64 = current.iter().map(|(_, _, q)| q).sum();
    for Line {
        line,
        quantity: qty,
        ..
    } in requested
    {
        let Some((pos, (sku, _, old))) =
            current.iter().enumerate().find(|(_, (_, l, _))| *l == line)
        else {
            return sim.fail(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                &format!("sellerFulfillmentOrderItemId {line} is not in order {id}"),
            );
        };
        let delta = qty - old;
        units += delta;
        if inventory.get(sku).is_none_or(|i| i.fulfillable < delta) {
            return sim.fail(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                &format!("Not enough fulfillable inventory for SellerSKU {sku}"),
            );
        }
        changes.push((pos, sku.clone(), qty, delta));
    }
    if units > 250 {
        return sim.refuse(Refusal {
            field: "items".into(),
            problem: format!("a maximum of 250 units per order (got {units})"),
        });
    }
    for (pos, sku, qty, delta) in changes {
        if let Some(i) = inventory.get_mut(&sku) {
            i.fulfillable -= delta;
            i.reserved += delta;
            i.updated = now();
        }
        if let Some(line) = o.request["items"].get_mut(pos) {
            line["quantity"] = json!(qty);
        }
    }
    if let (Some(target), Some(src)) = (o.request.as_object_mut(), req.as_object()) {
        for (k, v) in src {
            if k != "items" {
                target.insert(k.clone(), v.clone());
            }
        }
    }
    o.updated = now();
    sim.ok(json!({}))
}

/// Gives an order's reserved units back to fulfillable stock.
fn release(d: &mut Data, id: &str) -> Result<(), String> {
    let items = match d.orders.get(id) {
        Some(o) => lines_with_sku(&o.request)?,
        None => return Ok(()),
    };
    for (sku, _, qty) in items {
        if let Some(i) = d.inventory.get_mut(&sku) {
            i.reserved -= qty;
            i.fulfillable += qty;
            i.updated = now();
        }
    }
    Ok(())
}

async fn cancel_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let sim = match sim.gate(&headers, "cancelFulfillmentOrder") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let mut d = lock(&sim.inner.data);
    let Some(status) = d.orders.get(&id).map(|o| o.status.clone()) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    match status.as_str() {
        "Cancelled" => sim.ok(json!({})),
        "New" | "Received" | "Planning" => {
            if let Err(e) = release(&mut d, &id) {
                return sim.internal(&e);
            }
            if let Some(o) = d.orders.get_mut(&id) {
                o.status = "Cancelled".into();
                o.updated = now();
            }
            sim.ok(json!({}))
        }
        other => sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("Order {id} is {other} and cannot be cancelled"),
        ),
    }
}

async fn status_update(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "submitFulfillmentOrderStatusUpdate") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::STATUS_UPDATE) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(target) = opt_str(&req, "fulfillmentOrderStatus").map(str::to_string) else {
        return sim.internal("fulfillmentOrderStatus");
    };
    let mut d = lock(&sim.inner.data);
    let Some(current) = d.orders.get(&id).map(|o| o.status.clone()) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    if matches!(
        current.as_str(),
        "Complete" | "Cancelled" | "CompletePartialled" | "Unfulfillable" | "Invalid"
    ) {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("Order {id} is already {current}"),
        );
    }
    let items = match d.orders.get(&id).map(|o| lines_with_sku(&o.request)) {
        Some(Ok(items)) => items,
        Some(Err(e)) => return sim.internal(&e),
        None => Vec::new(),
    };
    match target.as_str() {
        "Complete" => {
            let package = d.next_package;
            d.next_package += 1;
            for (sku, _, qty) in &items {
                if let Some(i) = d.inventory.get_mut(sku) {
                    i.reserved -= qty;
                    i.updated = now();
                }
            }
            let shipment = json!({
                "amazonShipmentId": format!("DSim{package}"),
                "fulfillmentCenterId": "RNO1",
                "fulfillmentShipmentStatus": "SHIPPED",
                "shippingDate": now(),
                "estimatedArrivalDate": in_days(3),
                "shippingNotes": [],
                "fulfillmentShipmentItem": items.iter().map(|(sku, line, qty)| json!({
                    "sellerSku": sku, "sellerFulfillmentOrderItemId": line, "quantity": qty, "packageNumber": package
                })).collect::<Vec<_>>(),
                "fulfillmentShipmentPackage": [{
                    "packageNumber": package,
                    "carrierCode": "UPS",
                    "trackingNumber": format!("1Z999AA1{package:010}"),
                    "estimatedArrivalDate": in_days(3)
                }]
            });
            if let Some(o) = d.orders.get_mut(&id) {
                o.shipments.push(shipment);
            }
        }
        "Cancelled" | "Unfulfillable" | "Invalid" => {
            if let Err(e) = release(&mut d, &id) {
                return sim.internal(&e);
            }
        }
        _ => {}
    }
    if let Some(o) = d.orders.get_mut(&id) {
        o.status = target;
        o.updated = now();
    }
    sim.ok(json!({}))
}

async fn create_return(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "createFulfillmentReturn") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::CREATE_RETURN) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(requested) = req["items"].as_array() else {
        return sim.internal("return items");
    };
    let d = lock(&sim.inner.data);
    if !d.orders.contains_key(&id) {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    }
    let items: Vec<Value> = requested
        .iter()
        .map(|i| {
            json!({
                "sellerReturnItemId": i["sellerReturnItemId"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "amazonShipmentId": i["amazonShipmentId"],
                "sellerReturnReasonCode": i["returnReasonCode"],
                "status": "New",
                "statusChangedDate": now(),
                "returnAuthorizationId": "SimRA-1"
            })
        })
        .collect();
    sim.ok(json!({"payload": {
        "returnItems": items,
        "invalidReturnItems": [],
        "returnAuthorizations": [{
            "returnAuthorizationId": "SimRA-1",
            "fulfillmentCenterId": "RNO1",
            "returnToAddress": {"name": "Amazon RNO1", "addressLine1": "8000 N Virginia St", "city": "Reno", "stateOrRegion": "NV", "postalCode": "89506", "countryCode": "US"},
            "amazonRmaId": "RMA-SIM-1",
            "rmaPageURL": "https://www.amazon.com/returns/label/sim-1"
        }]
    }}))
}

async fn tracking(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "getPackageTrackingDetails") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let Some(number) = q.get("packageNumber").and_then(|n| n.parse::<i64>().ok()) else {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "packageNumber is required and must be an integer",
        );
    };
    let d = lock(&sim.inner.data);
    let found = d
        .orders
        .values()
        .flat_map(|o| o.shipments.iter())
        .find_map(|s| {
            s["fulfillmentShipmentPackage"]
                .as_array()
                .and_then(|ps| {
                    ps.iter()
                        .find(|p| p["packageNumber"].as_i64() == Some(number))
                })
                .map(|p| (s.clone(), p.clone()))
        });
    let Some((shipment, package)) = found else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Package {number} not found"),
        );
    };
    sim.ok(json!({"payload": {
        "packageNumber": number,
        "trackingNumber": package["trackingNumber"],
        "customerTrackingLink": opt_str(&package, "trackingNumber").map(|t| format!("https://www.swiship.com/track?id={t}")),
        "carrierCode": package["carrierCode"],
        "carrierPhoneNumber": "1-800-742-5877",
        "carrierURL": "https://www.ups.com",
        "shipDate": shipment["shippingDate"],
        "estimatedArrivalDate": package["estimatedArrivalDate"],
        "shipToAddress": {"city": "Seattle", "state": "WA", "country": "US"},
        "currentStatus": "IN_TRANSIT",
        "currentStatusDescription": "In transit",
        "trackingEvents": [
            {"eventDate": shipment["shippingDate"], "eventAddress": {"city": "Reno", "state": "NV", "country": "US"}, "eventCode": "EVENT_101", "eventDescription": "Carrier notified to pick up package."},
            {"eventDate": now(), "eventAddress": {"city": "Sparks", "state": "NV", "country": "US"}, "eventCode": "EVENT_201", "eventDescription": "Arrival scan."}
        ]
    }}))
}

async fn return_reason_codes(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "listReturnReasonCodes") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    if q.get("sellerSku").is_none_or(|s| s.is_empty()) {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "sellerSku is required",
        );
    }
    sim.ok(json!({"payload": {"reasonCodeDetails": [
        {"returnReasonCode": "NOLONGERWANTED", "description": "No longer wanted", "translatedDescription": ""},
        {"returnReasonCode": "DEFECTIVE", "description": "Item is defective"}
    ]}}))
}

async fn features(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "getFeatures") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    if q.get("marketplaceId").is_none_or(|s| s.is_empty()) {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceId is required",
        );
    }
    sim.ok(json!({"payload": {"features": [
        {"featureName": "BLANK_BOX", "featureDescription": "Ship in unbranded boxes.", "sellerEligible": true},
        {"featureName": "BLOCK_AMZL", "featureDescription": "Do not deliver with Amazon Logistics.", "sellerEligible": false}
    ]}}))
}

async fn feature_inventory(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(feature): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "getFeatureInventory") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let Some(marketplace) = q.get("marketplaceId").filter(|m| !m.is_empty()) else {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceId is required",
        );
    };
    let offset = match q.get("nextToken") {
        None => 0,
        Some(t) => match parse_token(t) {
            Some(o) => o,
            None => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "Next token is invalid or expired",
                );
            }
        },
    };
    let since = match q.get("queryStartDate") {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(_) => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "queryStartDate must be a date-time (yyyy-MM-ddTHH:mm:ss.sssZ)",
                );
            }
        },
    };
    let d = lock(&sim.inner.data);
    let all: Vec<Value> = d
        .inventory
        .iter()
        .filter(|(_, i)| {
            since.is_none_or(|s| {
                chrono::DateTime::parse_from_rfc3339(&i.updated)
                    .is_ok_and(|u| u.with_timezone(&Utc) >= s)
            })
        })
        .map(|(sku, i)| json!({"sellerSku": sku, "fnSku": i.fn_sku, "asin": i.asin, "skuCount": i.fulfillable, "overlappingSkus": []}))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(sim.inner.page_size)
        .cloned()
        .collect();
    let mut payload =
        json!({"marketplaceId": marketplace, "featureName": feature, "featureSkus": page});
    if offset + sim.inner.page_size < all.len() {
        payload["nextToken"] = json!(page_token(offset + sim.inner.page_size));
    }
    sim.ok(json!({"payload": payload}))
}

async fn feature_sku(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path((feature, sku)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "getFeatureSKU") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let Some(marketplace) = q.get("marketplaceId").filter(|m| !m.is_empty()) else {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceId is required",
        );
    };
    let d = lock(&sim.inner.data);
    let payload = match d.inventory.get(&sku) {
        Some(i) => {
            json!({"marketplaceId": marketplace, "featureName": feature, "isEligible": true, "sellerSku": sku, "fnSku": i.fn_sku, "asin": i.asin, "skuCount": i.fulfillable})
        }
        None => {
            json!({"marketplaceId": marketplace, "featureName": feature, "isEligible": false, "ineligibleReasons": ["INVALID_SKU"], "sellerSku": sku})
        }
    };
    sim.ok(json!({"payload": payload}))
}

async fn inventory_summaries(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "getInventorySummaries") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    if q.get("granularityType").map(String::as_str) != Some("Marketplace") {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "granularityType must be Marketplace",
        );
    }
    let (Some(gid), Some(mids)) = (q.get("granularityId"), q.get("marketplaceIds")) else {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "granularityId and marketplaceIds are required",
        );
    };
    if mids.split(',').count() != 1 {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceIds takes exactly one marketplace",
        );
    }
    // Amazon's own SDKs send `True`: the value is a boolean in any case.
    let details = match q.get("details").map(|d| d.to_ascii_lowercase()).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return sim.fail(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                "details must be true or false",
            );
        }
    };
    let since = match q.get("startDateTime") {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(_) => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "startDateTime must be an ISO 8601 date-time",
                );
            }
        },
    };
    // With startDateTime, Amazon returns what changed since then and ignores sellerSkus.
    let skus: Option<HashSet<&str>> = match since {
        Some(_) => None,
        None => q.get("sellerSkus").map(|s| s.split(',').collect()),
    };
    let mut d = lock(&sim.inner.data);
    let offset = match q.get("nextToken") {
        None => 0,
        Some(t) => match d.inventory_tokens.get(t) {
            Some((issued, o)) if issued.elapsed() <= Duration::from_secs(30) => *o,
            _ => {
                return sim.fail(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "The nextToken is invalid or has expired",
                );
            }
        },
    };
    let all: Vec<Value> = d
        .inventory
        .iter()
        .filter(|(sku, _)| skus.as_ref().is_none_or(|s| s.contains(sku.as_str())))
        .filter(|(_, i)| {
            since.is_none_or(|s| {
                chrono::DateTime::parse_from_rfc3339(&i.updated)
                    .is_ok_and(|u| u.with_timezone(&Utc) >= s)
            })
        })
        .map(|(sku, i)| {
            let mut s = json!({
                "asin": i.asin, "fnSku": i.fn_sku, "sellerSku": sku, "condition": "NewItem",
                "lastUpdatedTime": i.updated, "productName": i.product_name,
                "totalQuantity": i.fulfillable + i.reserved, "stores": []
            });
            if details {
                s["inventoryDetails"] = json!({
                    "fulfillableQuantity": i.fulfillable,
                    "inboundWorkingQuantity": 0, "inboundShippedQuantity": 0, "inboundReceivingQuantity": 0,
                    "reservedQuantity": {"totalReservedQuantity": i.reserved, "pendingCustomerOrderQuantity": i.reserved, "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0},
                    "researchingQuantity": {"totalResearchingQuantity": 0, "researchingQuantityBreakdown": []},
                    "unfulfillableQuantity": {"totalUnfulfillableQuantity": 0, "customerDamagedQuantity": 0, "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0, "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0}
                });
            }
            s
        })
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(sim.inner.page_size)
        .cloned()
        .collect();
    let mut resp = json!({"payload": {"granularity": {"granularityType": "Marketplace", "granularityId": gid}, "inventorySummaries": page}});
    if offset + sim.inner.page_size < all.len() {
        let token = format!(
            "{}+inv/{}==",
            fastrand::u64(..),
            offset + sim.inner.page_size
        );
        d.inventory_tokens.insert(
            token.clone(),
            (Instant::now(), offset + sim.inner.page_size),
        );
        resp["pagination"] = json!({"nextToken": token});
    }
    sim.ok(resp)
}

async fn create_item(State(sim): State<McfSimulator>, headers: HeaderMap, body: Bytes) -> Response {
    let sim = match sim.gate(&headers, "createInventoryItem") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let req = match sim.body(&body, &schema::CREATE_ITEM) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(sku), Some(name), Some(marketplace)) = (
        opt_str(&req, "sellerSku"),
        opt_str(&req, "productName"),
        opt_str(&req, "marketplaceId"),
    ) else {
        return sim.internal("createInventoryItem body");
    };
    if let Some(field) = [
        ("sellerSku", sku),
        ("productName", name),
        ("marketplaceId", marketplace),
    ]
    .into_iter()
    .find(|(_, v)| v.trim().is_empty())
    .map(|(k, _)| k)
    {
        return sim.refuse(Refusal {
            field: field.into(),
            problem: "must not be empty".into(),
        });
    }
    sim.seed_inventory(sku, name, 0);
    sim.ok(json!({}))
}

async fn delete_item(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = match sim.gate(&headers, "deleteInventoryItem") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    if q.get("marketplaceId").is_none_or(|m| m.is_empty()) {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceId is required",
        );
    }
    match lock(&sim.inner.data).inventory.remove(&sku) {
        Some(_) => sim.ok(json!({})),
        None => sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("SKU {sku} not found"),
        ),
    }
}

async fn add_inventory(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = match sim.gate(&headers, "addInventory") {
        Ok(sim) => sim,
        Err(r) => return r,
    };
    let Some(token) = headers
        .get("x-amzn-idempotency-token")
        .and_then(|v| v.to_str().ok())
    else {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "x-amzn-idempotency-token header is required",
        );
    };
    let req = match sim.body(&body, &schema::ADD_INVENTORY) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut items = Vec::new();
    for i in req["inventoryItems"].as_array().into_iter().flatten() {
        match (
            opt_str(i, "sellerSku"),
            i.get("quantity").and_then(Value::as_i64),
        ) {
            (Some(sku), Some(qty)) => items.push((sku.to_string(), qty)),
            _ => return sim.internal("inventoryItems"),
        }
    }
    let mut d = lock(&sim.inner.data);
    if d.idempotency_tokens.contains(token) {
        return sim.ok(json!({}));
    }
    // All or nothing: a refused request adds nothing and leaves its token unused, so the
    // corrected request can be sent again with the same token.
    if let Some(sku) = items
        .iter()
        .map(|(sku, _)| sku)
        .find(|sku| !d.inventory.contains_key(sku.as_str()))
    {
        return sim.fail(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            &format!("SKU {sku} does not exist: call createInventoryItem first"),
        );
    }
    for (sku, qty) in &items {
        if let Some(item) = d.inventory.get_mut(sku) {
            item.fulfillable += qty;
            item.updated = now();
        }
    }
    d.idempotency_tokens.insert(token.to_string());
    sim.ok(json!({}))
}
