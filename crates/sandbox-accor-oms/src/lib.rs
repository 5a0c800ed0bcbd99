//! # sandbox-accor-oms
//!
//! A local Accor OMS simulator for tests, examples and benchmarks, written from Accor's
//! integration guide and the Mirakl SH02/OR01/OR11 shapes with literal JSON (it shares no code
//! with the `accor-oms` client):
//!
//! * a Keycloak-like token endpoint at [`TOKEN_PATH`] (client credentials,
//!   [`SANDBOX_CLIENT_ID`] / [`SANDBOX_CLIENT_SECRET`]) and a bearer check on every call;
//! * `GET /oms-api/` answers the welcome text;
//! * `POST /oms-api/validate-cart` answers SH02: `errors[]` for unknown offers, one `orders[]`
//!   entry per supplier with **live stock** (`offer_quantity`) and the price for **this
//!   customer** (depends on the offer, the quantity tier and the `mega_code`'s group);
//! * `POST /oms-api/purchase-order` refuses (400) what validate-cart would flag (unknown offer,
//!   quantity over stock, bad customer or zone, bad `DD/MM/YYYY` date, a delivery-round
//!   supplier without a date), otherwise takes the stock and answers 201 with one sub-order
//!   per supplier (`P2P-000001-A`, `-B`...). It reads the guide's spelling (`offers`,
//!   `delivery_instructions`, `delivery_date_selected`) and the reference's (`items`,
//!   `delivery_instruction`, `shipping_date_selected`);
//! * `GET /oms-api/status/{order_id}` advances the sub-order one Mirakl state per call
//!   (`STAGING` → `WAITING_ACCEPTANCE` → `WAITING_DEBIT` → `WAITING_DEBIT_PAYMENT` →
//!   `SHIPPING` → `SHIPPED`, with tracking once shipped); 404 for unknown ids;
//! * fault injection through [`connector_sandbox::Faults`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let sandbox = sandbox_accor_oms::AccorSandbox::start().await?;
//! println!("Accor OMS simulator at {}", sandbox.base_url());
//! # Ok(()) }
//! ```

pub mod catalog;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use connector_sandbox::{Faults, SandboxServer, TokenIssuer};
use serde_json::{Value, json};

/// Client id the token endpoint accepts.
pub const SANDBOX_CLIENT_ID: &str = "erp-sandbox";
/// Client secret the token endpoint accepts.
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret";
/// Keycloak-like token path.
pub const TOKEN_PATH: &str = "/auth/realms/astore-p2p/protocol/openid-connect/token";
/// The API prefix (Accor's base URLs end in `/oms-api`).
pub const API_PREFIX: &str = "/oms-api";
/// The welcome text of `GET /oms-api/`.
pub const WELCOME: &str = "Hello ! Welcome to the Astoreshop OMS API";
/// `mega_code` prefix of the customer group that gets [`GROUP_DISCOUNT_PERCENT`] off.
pub const DISCOUNT_GROUP_PREFIX: &str = "92320.";
/// Discount of that group, in percent.
pub const GROUP_DISCOUNT_PERCENT: i64 = 5;

const USER_STORES: &[&str] = &[
    "fr_fr", "be_fr", "be_nl", "de_de", "es_es", "pt_pt", "nl_nl", "pl_pl", "uk_en",
];
const ZONES: &[&str] = &[
    "FR-FR", "BE-BE", "BL-BL", "DE-DE", "ES-ES", "PT-PT", "NL-NL", "PL-PL", "UK-UK",
];
const STATES: &[&str] = &[
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
];

/// One offer of the simulated marketplace. Prices are in euro cents.
#[derive(Debug, Clone)]
pub struct SimOffer {
    /// Offer id.
    pub offer_id: u64,
    /// Supplier (shop) id.
    pub shop_id: u64,
    /// Supplier name.
    pub shop_name: String,
    /// Product title.
    pub title: String,
    /// Base unit price, cents.
    pub price_cents: i64,
    /// Quantity tier: from this quantity on, `tier_price_cents` applies.
    pub tier: Option<(u64, i64)>,
    /// Units in stock (live: purchase orders take them).
    pub stock: u64,
    /// Whether the supplier delivers by delivery rounds (a date is required).
    pub delivery_rounds: bool,
}

impl SimOffer {
    /// The unit price for `quantity` units and `mega_code`, in cents.
    pub fn unit_price(&self, quantity: u64, mega_code: &str) -> i64 {
        let mut p = match self.tier {
            Some((min, tier)) if quantity >= min => tier,
            _ => self.price_cents,
        };
        if mega_code.starts_with(DISCOUNT_GROUP_PREFIX) {
            p = p * (100 - GROUP_DISCOUNT_PERCENT) / 100;
        }
        p
    }
}

/// The default catalog: three suppliers, one of them delivering by delivery rounds.
pub fn default_offers() -> Vec<SimOffer> {
    let o =
        |offer_id, shop_id, shop_name: &str, title: &str, price, tier, stock, rounds| SimOffer {
            offer_id,
            shop_id,
            shop_name: shop_name.into(),
            title: title.into(),
            price_cents: price,
            tier,
            stock,
            delivery_rounds: rounds,
        };
    vec![
        o(
            35308,
            2001,
            "Linen & Co",
            "Bath towel 70x140 white",
            1350,
            Some((10, 1240)),
            500,
            false,
        ),
        o(
            35309,
            2001,
            "Linen & Co",
            "Hand towel 50x100 white",
            315,
            None,
            4,
            false,
        ),
        o(
            41000,
            2002,
            "Hotel Soap Factory",
            "Soap 20 g",
            35,
            Some((100, 30)),
            10_000,
            false,
        ),
        o(
            41001,
            2002,
            "Hotel Soap Factory",
            "Shampoo 30 ml",
            42,
            None,
            8_000,
            false,
        ),
        o(
            50500,
            2003,
            "Boulangerie du Port",
            "Croissants x50",
            2250,
            None,
            40,
            true,
        ),
    ]
}

#[derive(Debug)]
struct SubOrder {
    shop_id: u64,
    lines: Vec<(u64, u64)>,
    state: usize,
    body: Value,
}

#[derive(Debug, Default)]
struct Data {
    offers: BTreeMap<u64, SimOffer>,
    orders: BTreeMap<String, SubOrder>,
    purchase_orders: Vec<Value>,
}

/// The simulator's state, shared with its routes (cheap to clone).
#[derive(Debug, Clone)]
pub struct AccorSimulator {
    data: Arc<Mutex<Data>>,
    next: Arc<AtomicU64>,
    tokens: TokenIssuer,
    faults: Faults,
}

impl Default for AccorSimulator {
    fn default() -> Self {
        Self::new(default_offers())
    }
}

impl AccorSimulator {
    /// A simulator selling `offers`.
    pub fn new(offers: Vec<SimOffer>) -> Self {
        let data = Data {
            offers: offers.into_iter().map(|o| (o.offer_id, o)).collect(),
            ..Data::default()
        };
        Self {
            data: Arc::new(Mutex::new(data)),
            next: Arc::new(AtomicU64::new(1)),
            tokens: TokenIssuer::new(
                &[(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)],
                Duration::from_secs(300),
            ),
            faults: Faults::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token issuer (expire tokens, count them).
    pub fn tokens(&self) -> &TokenIssuer {
        &self.tokens
    }

    /// Fault injection on the API routes.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Units of `offer_id` in stock now.
    pub fn stock(&self, offer_id: u64) -> Option<u64> {
        self.lock().offers.get(&offer_id).map(|o| o.stock)
    }

    /// Every purchase-order body accepted so far, verbatim.
    pub fn purchase_orders(&self) -> Vec<Value> {
        self.lock().purchase_orders.clone()
    }

    /// The Mirakl state of a sub-order.
    pub fn order_state(&self, order_id: &str) -> Option<&'static str> {
        self.lock().orders.get(order_id).map(|o| STATES[o.state])
    }

    /// The router: token endpoint + `/oms-api` routes (with the fault layer).
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route(&format!("{API_PREFIX}/"), get(welcome))
            .route(&format!("{API_PREFIX}/validate-cart"), post(validate_cart))
            .route(
                &format!("{API_PREFIX}/purchase-order"),
                post(purchase_order),
            )
            .route(&format!("{API_PREFIX}/status/{{order_id}}"), get(status))
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(
                self.faults.clone(),
                Faults::layer,
            ));
        api.merge(self.tokens.router(TOKEN_PATH))
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct AccorSandbox {
    server: SandboxServer,
    sim: AccorSimulator,
}

impl AccorSandbox {
    /// Starts the default simulator on a loopback port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(AccorSimulator::default()).await
    }

    /// Starts `sim`.
    pub async fn start_with(sim: AccorSimulator) -> std::io::Result<Self> {
        let server = SandboxServer::start(sim.router()).await?;
        Ok(Self { server, sim })
    }

    /// The API base URL (`http://127.0.0.1:<port>/oms-api`).
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.server.base_url())
    }

    /// The token URL.
    pub fn token_url(&self) -> String {
        self.server.url(TOKEN_PATH)
    }

    /// The simulator state.
    pub fn sim(&self) -> &AccorSimulator {
        &self.sim
    }
}

fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"status": 400, "message": message.into()})),
    )
        .into_response()
}

async fn welcome(State(sim): State<AccorSimulator>, headers: HeaderMap) -> Response {
    if let Err(r) = sim.tokens.check_bearer(&headers) {
        return r;
    }
    WELCOME.into_response()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn id_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Customer and zone rules; the message names the field.
fn check_customer(body: &Value) -> Result<String, String> {
    let c = body.get("customer").ok_or("customer is required")?;
    for f in [
        "mega_code",
        "email",
        "firstname",
        "lastname",
        "delivery_address_id",
        "billing_address_id",
        "user_store",
    ] {
        if text(c, f).trim().is_empty() {
            return Err(format!("customer.{f} is required"));
        }
    }
    let email = text(c, "email");
    if !email.contains('@') || !email.rsplit('@').next().unwrap_or("").contains('.') {
        return Err(format!("customer.email `{email}` is not a valid e-mail"));
    }
    if !USER_STORES.contains(&text(c, "user_store")) {
        return Err(format!(
            "customer.user_store `{}` is not a known store",
            text(c, "user_store")
        ));
    }
    let zone = text(body, "shipping_zone_code");
    if !ZONES.contains(&zone) {
        return Err(format!("shipping_zone_code `{zone}` is not allowed"));
    }
    Ok(text(c, "mega_code").to_string())
}

fn lines(body: &Value) -> Result<Vec<(u64, u64)>, String> {
    let arr = body
        .get("offers")
        .or_else(|| body.get("items"))
        .and_then(Value::as_array)
        .ok_or("offers is required")?;
    arr.iter()
        .enumerate()
        .map(|(i, l)| {
            let id = id_of(l.get("offer_id")).ok_or(format!("offers[{i}].offer_id is invalid"))?;
            let q = l
                .get("quantity")
                .and_then(Value::as_u64)
                .filter(|q| *q > 0)
                .ok_or(format!("offers[{i}].quantity must be greater than 0"))?;
            Ok((id, q))
        })
        .collect()
}

fn money(cents: i64) -> Value {
    json!(cents as f64 / 100.0)
}

/// The SH02 answer for `lines` (does not change the stock).
fn sh02(data: &Data, mega_code: &str, lines: &[(u64, u64)]) -> Value {
    let mut errors = Vec::new();
    let mut shops: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    let mut shop_goods: BTreeMap<u64, i64> = BTreeMap::new();
    for &(id, q) in lines {
        let Some(o) = data.offers.get(&id) else {
            errors.push(json!({"error_code": "OFFER_NOT_FOUND", "offer_id": id, "shipping_type_code": null}));
            continue;
        };
        let unit = o.unit_price(q, mega_code);
        let kept = q.min(o.stock);
        let line = unit * kept as i64;
        *shop_goods.entry(o.shop_id).or_default() += line;
        shops.entry(o.shop_id).or_default().push(json!({
            "offer_id": id,
            "offer_price": money(unit),
            "offer_quantity": o.stock,
            "line_original_quantity": q,
            "line_quantity": kept,
            "line_price": money(line),
            "line_shipping_price": 0,
            "line_total_price": money(line),
            "product_title": o.title,
            "allowed_shipping_types": [{"code": if o.delivery_rounds {"DELIVERY_ROUND"} else {"STD"}, "label": "Standard"}]
        }));
    }
    let orders: Vec<Value> = shops
        .into_iter()
        .map(|(shop_id, mut offers)| {
            let first = offers
                .first()
                .and_then(|o| id_of(o.get("offer_id")))
                .and_then(|id| data.offers.get(&id));
            let rounds = first.is_some_and(|o| o.delivery_rounds);
            let name = first.map(|o| o.shop_name.clone()).unwrap_or_default();
            // Free shipping from 150 EUR of goods; 9.90 below (delivery rounds are free).
            let shipping = if rounds || shop_goods.get(&shop_id).copied().unwrap_or(0) >= 15_000 {
                0
            } else {
                990
            };
            let code = if rounds { "DELIVERY_ROUND" } else { "STD" };
            // SH02: the shipping is spread over the lines (`line_shipping_price`, and
            // `line_total_price` = `line_price` + it); here the first line carries it all.
            if let Some(line) = offers.first_mut() {
                let goods = (line["line_price"].as_f64().unwrap_or(0.0) * 100.0).round() as i64;
                line["line_shipping_price"] = money(shipping);
                line["line_total_price"] = money(goods + shipping);
            }
            json!({
                "channel_code": null,
                "currency_iso_code": "EUR",
                "leadtime_to_ship": if rounds { 0 } else { 2 },
                "shipping_deadline": "2026-12-01T15:00:00Z",
                "shop_id": shop_id,
                "shop_model": "MARKETPLACE",
                "shop_name": name,
                "selected_shipping_type": {"code": code, "label": code, "shipping_deadline": "2026-12-01T15:00:00Z"},
                "shipping_types": [{"code": code, "label": code, "shipping_deadline": "2026-12-01T15:00:00Z", "total_shipping_price": money(shipping)}],
                "offers": offers
            })
        })
        .collect();
    json!({"errors": errors, "orders": orders, "total_count": orders.len()})
}

async fn validate_cart(
    State(sim): State<AccorSimulator>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = sim.tokens.check_bearer(&headers) {
        return r;
    }
    let mega = match check_customer(&body) {
        Ok(m) => m,
        Err(e) => return bad_request(e),
    };
    let lines = match lines(&body) {
        Ok(l) => l,
        Err(e) => return bad_request(e),
    };
    Json(sh02(&sim.lock(), &mega, &lines)).into_response()
}

fn valid_ddmmyyyy(s: &str) -> bool {
    let p: Vec<&str> = s.split('/').collect();
    if p.len() != 3 || p[0].len() != 2 || p[1].len() != 2 || p[2].len() != 4 {
        return false;
    }
    let (Ok(d), Ok(m), Ok(y)) = (
        p[0].parse::<u32>(),
        p[1].parse::<u32>(),
        p[2].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

async fn purchase_order(
    State(sim): State<AccorSimulator>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = sim.tokens.check_bearer(&headers) {
        return r;
    }
    let mega = match check_customer(&body) {
        Ok(m) => m,
        Err(e) => return bad_request(e),
    };
    let lines = match lines(&body) {
        Ok(l) => l,
        Err(e) => return bad_request(e),
    };
    let shops: BTreeMap<u64, &Value> = body
        .get("shops")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| Some((id_of(s.get("shop_id"))?, s)))
                .collect()
        })
        .unwrap_or_default();
    let mut data = sim.lock();
    // An offer may come on several lines: the stock must cover them together.
    let mut wanted: BTreeMap<u64, u64> = BTreeMap::new();
    for &(id, q) in &lines {
        *wanted.entry(id).or_default() += q;
    }
    // Refuse what validate-cart would flag.
    for &(id, _) in &lines {
        let Some(o) = data.offers.get(&id) else {
            return bad_request(format!("offer {id}: OFFER_NOT_FOUND"));
        };
        let q = wanted.get(&id).copied().unwrap_or(0);
        if q > o.stock {
            return bad_request(format!(
                "offer {id}: quantity {q} exceeds available stock {}",
                o.stock
            ));
        }
        let date = shops.get(&o.shop_id).and_then(|s| {
            s.get("delivery_date_selected")
                .or_else(|| s.get("shipping_date_selected"))
                .and_then(Value::as_str)
        });
        match date {
            Some(d) if !valid_ddmmyyyy(d) => {
                return bad_request(format!(
                    "shops[shop_id={}].delivery_date_selected `{d}` is not a DD/MM/YYYY date",
                    o.shop_id
                ));
            }
            None if o.delivery_rounds => {
                return bad_request(format!(
                    "shop {} delivers by delivery rounds: delivery_date_selected is required",
                    o.shop_id
                ));
            }
            _ => {}
        }
    }
    let quote = sh02(&data, &mega, &lines);
    let n = sim.next.fetch_add(1, Ordering::SeqCst);
    let commercial = format!("P2P-{n:06}");
    let mut created = Vec::new();
    let shop_entries = quote["orders"].as_array().cloned().unwrap_or_default();
    for (i, shop) in shop_entries.iter().enumerate() {
        let suffix = char::from(b'A' + (i as u8 % 26));
        let order_id = format!("{commercial}-{suffix}");
        let shop_id = shop["shop_id"].as_u64().unwrap_or(0);
        let offers = shop["offers"].as_array().cloned().unwrap_or_default();
        let goods: f64 = offers.iter().filter_map(|o| o["line_price"].as_f64()).sum();
        let shipping = shop["shipping_types"][0]["total_shipping_price"]
            .as_f64()
            .unwrap_or(0.0);
        let sub_lines: Vec<(u64, u64)> = offers
            .iter()
            .filter_map(|o| Some((o["offer_id"].as_u64()?, o["line_quantity"].as_u64()?)))
            .collect();
        for (id, q) in &sub_lines {
            if let Some(o) = data.offers.get_mut(id) {
                o.stock = o.stock.saturating_sub(*q);
            }
        }
        let body = json!({
            "order_id": order_id,
            "commercial_id": commercial,
            "shop_id": shop_id,
            "shop_name": shop["shop_name"],
            "order_state": "STAGING",
            "currency_iso_code": "EUR",
            "total_price": ((goods + shipping) * 100.0).round() / 100.0,
            "shipping_price": shipping,
            "order_lines": sub_lines.iter().enumerate().map(|(k, (id, q))| json!({
                "order_line_id": format!("{order_id}-{}", k + 1), "offer_id": id, "quantity": q
            })).collect::<Vec<_>>()
        });
        created.push(body.clone());
        data.orders.insert(
            order_id,
            SubOrder {
                shop_id,
                lines: sub_lines,
                state: 0,
                body,
            },
        );
    }
    data.purchase_orders.push(body);
    (
        StatusCode::CREATED,
        Json(json!({"orders": created, "offers_not_shippable": []})),
    )
        .into_response()
}

async fn status(
    State(sim): State<AccorSimulator>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    if let Err(r) = sim.tokens.check_bearer(&headers) {
        return r;
    }
    let mut data = sim.lock();
    let Some(o) = data.orders.get_mut(&order_id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"status": 404, "message": format!("Order {order_id} not found")})),
        )
            .into_response();
    };
    let state = STATES[o.state];
    let mut out = json!({
        "order_id": order_id,
        "order_state": state,
        "shop_id": o.shop_id,
        "currency_iso_code": "EUR",
        "commercial_id": o.body["commercial_id"],
        "total_price": o.body["total_price"],
        "order_lines": o.lines.iter().enumerate().map(|(k, (id, q))| json!({
            "order_line_id": format!("{order_id}-{}", k + 1),
            "offer_id": id,
            "quantity": q,
            "order_line_state": state
        })).collect::<Vec<_>>()
    });
    if state == "SHIPPED" {
        out["shipping_company"] = json!("Colissimo");
        out["shipping_tracking"] = json!(format!("6A{:011}", o.shop_id * 1000 + 7));
        out["shipping_tracking_url"] = json!("https://www.laposte.fr/outils/suivre-vos-envois");
    }
    if o.state + 1 < STATES.len() {
        o.state += 1;
    }
    Json(out).into_response()
}
