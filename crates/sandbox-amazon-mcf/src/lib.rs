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

/// The `Ok` value of a `Result<_, Response>`, or the handler returns the `Err` response.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

mod inventory;
mod outbound;
mod schema;

use inventory::*;
use outbound::*;

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

/// Whether a record last `updated` (RFC 3339) changed at or after `since` (always, without
/// `since`); an unreadable `updated` is not.
fn changed_since(updated: &str, since: Option<chrono::DateTime<Utc>>) -> bool {
    since.is_none_or(|s| {
        chrono::DateTime::parse_from_rfc3339(updated).is_ok_and(|u| u.with_timezone(&Utc) >= s)
    })
}

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

    /// The page of `all` that starts at `offset`, and where the next page starts when there
    /// is one.
    fn page<T: Clone>(&self, all: &[T], offset: usize) -> (Vec<T>, Option<usize>) {
        let size = self.inner.page_size;
        let page = all.iter().skip(offset).take(size).cloned().collect();
        let next = offset + size;
        (page, (next < all.len()).then_some(next))
    }

    /// Amazon's 400 `InvalidInput` with `message`.
    fn invalid(&self, message: &str) -> Response {
        self.fail(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// The optional date-time query parameter `key`; `message` is the refusal when it is
    /// not an RFC 3339 date-time.
    #[allow(clippy::result_large_err)]
    fn query_date(
        &self,
        q: &HashMap<String, String>,
        key: &str,
        message: &str,
    ) -> Result<Option<chrono::DateTime<Utc>>, Response> {
        q.get(key)
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| self.invalid(message))
            })
            .transpose()
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
        let v = parse_body(body).map_err(|e| self.invalid(&e))?;
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
