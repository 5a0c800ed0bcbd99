//! # sandbox-totvs-omni
//!
//! A TOTVS Omni simulator for tests and examples, written from TOTVS's integration guide and
//! the SDK's documented defaults (never from the client crate's types):
//!
//! * the load endpoint `POST /integrador/session-less/integrations/{SITEID}/integration-exec-post`
//!   (multipart form `username`, `password`, `integrationType`, file `integrationFile`): parses
//!   the JSON file, applies products, prices and stock, refuses prices and stock for unknown
//!   products and stock for unknown stores;
//! * the order API under `/api`: login, paid orders pending confirmation, confirm, reject items
//!   (with the kit rule), invoice, ship, deliver; infinite-shelf orders and payments;
//! * [`FtpServer`]: an embedded FTP server (libunftp) on loopback, with a fault that drops an
//!   upload part-way.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let omni = sandbox_totvs_omni::OmniSimulator::start().await?;
//! println!("load host {}, order API {}", omni.base_url(), omni.orders_url());
//! assert_eq!(omni.state().order_status("OM-1001").as_deref(), Some("PENDING_CONFIRMATION"));
//! # Ok(()) }
//! ```

mod ftp;
mod load;
mod orders;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use connector_sandbox::{Faults, SandboxServer};
use serde_json::{Value, json};

pub use ftp::{FtpServer, TEST_CERT_PEM};

/// Site id the simulator serves.
pub const SITE_ID: &str = "SITE-SANDBOX";
/// Integration user.
pub const USERNAME: &str = "integrador";
/// Integration password (not a real secret).
pub const PASSWORD: &str = "integrador-secret";
/// Order API user.
pub const ORDERS_USERNAME: &str = "erp";
/// Order API password (not a real secret).
pub const ORDERS_PASSWORD: &str = "erp-secret";
/// Stores registered in the simulator (external ids).
pub const STORES: [&str; 2] = ["LOJA-01", "CD-SP"];

/// One load the simulator ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadRun {
    /// `integrationType`.
    pub integration_type: u32,
    /// File name of the part.
    pub file_name: String,
    /// Records in the file.
    pub records: usize,
}

/// The simulator's data.
#[derive(Debug, Default)]
pub struct State {
    /// Products by SKU (the record as loaded).
    pub products: BTreeMap<String, Value>,
    /// Prices by SKU: (price, promotional price).
    pub prices: BTreeMap<String, (String, Option<String>)>,
    /// Stock by (SKU, store).
    pub stock: BTreeMap<(String, String), String>,
    /// Registered stores.
    pub stores: BTreeSet<String>,
    /// Loads run, in order.
    pub loads: Vec<LoadRun>,
    /// Orders by id (JSON as served).
    pub orders: BTreeMap<String, Value>,
    /// Order ids in creation order.
    pub order_ids: Vec<String>,
    /// Tokens issued by the order API login.
    pub tokens: BTreeSet<String>,
    /// Logins performed.
    pub logins: u32,
    /// Actions received (`confirm OM-1001`, ...), in order.
    pub actions: Vec<String>,
}

impl State {
    /// The status of an order.
    pub fn order_status(&self, id: &str) -> Option<String> {
        self.orders
            .get(id)
            .and_then(|o| o["status"].as_str())
            .map(str::to_string)
    }
}

/// Shared handle on the state.
#[derive(Debug, Clone, Default)]
pub struct Shared(Arc<Mutex<State>>);

impl Shared {
    /// Locks the state.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The running simulator.
#[derive(Debug)]
pub struct OmniSimulator {
    server: SandboxServer,
    state: Shared,
    /// Fault injection (applies to every route).
    pub faults: Faults,
}

impl OmniSimulator {
    /// Starts the simulator with two stores, a paid order with a kit (`OM-1001`) and an
    /// infinite-shelf order pending payment (`OM-2001`).
    pub async fn start() -> std::io::Result<Self> {
        let state = Shared::default();
        {
            let mut s = state.lock();
            s.stores = STORES.iter().map(|s| s.to_string()).collect();
            seed_orders(&mut s);
        }
        let faults = Faults::new();
        let router = Router::new()
            .merge(load::router(state.clone()))
            .nest("/api", orders::router(state.clone()))
            .layer(axum::middleware::from_fn_with_state(
                faults.clone(),
                Faults::layer,
            ));
        let server = SandboxServer::start(router).await?;
        Ok(Self {
            server,
            state,
            faults,
        })
    }

    /// The load host (base URL).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The order API base URL.
    pub fn orders_url(&self) -> String {
        self.server.url("/api")
    }

    /// The state (locked).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Adds an order (JSON as the order API serves it).
    pub fn add_order(&self, order: Value) {
        let mut s = self.state.lock();
        if let Some(id) = order["id"].as_str().map(str::to_string) {
            s.order_ids.push(id.clone());
            s.orders.insert(id, order);
        }
    }
}

fn seed_orders(s: &mut State) {
    let paid = json!({
        "id": "OM-1001",
        "externalId": "VTEX-778812",
        "channel": "vtex",
        "status": "PENDING_CONFIRMATION",
        "createdAt": "2026-11-20T13:05:00Z",
        "customer": {"name": "Maria Souza", "document": "12345678909", "email": "maria@example.com.br"},
        "total": 309.70,
        "currency": "BRL",
        "items": [
            {"itemId": "1", "sku": "CAM-P", "name": "Camiseta P", "quantity": 1, "price": 129.90},
            {"itemId": "2", "sku": "KIT-PRAIA-TOALHA", "name": "Toalha (Kit Praia)", "quantity": 1, "price": 99.90, "kitId": "KIT-PRAIA"},
            {"itemId": "3", "sku": "KIT-PRAIA-BOLSA", "name": "Bolsa (Kit Praia)", "quantity": 1, "price": 79.90, "kitId": "KIT-PRAIA"}
        ],
        "paymentMethod": "CREDIT_CARD"
    });
    let shelf = json!({
        "id": "OM-2001",
        "channel": "prateleira-infinita",
        "status": "PENDING_PAYMENT",
        "createdAt": "2026-11-21T10:00:00Z",
        "customer": {"name": "João Lima", "document": "98765432100"},
        "total": 129.90,
        "currency": "BRL",
        "items": [
            {"itemId": "1", "sku": "CAM-P", "name": "Camiseta P", "quantity": 1, "price": 129.90}
        ],
        "storeId": "LOJA-01"
    });
    for o in [paid, shelf] {
        if let Some(id) = o["id"].as_str().map(str::to_string) {
            s.order_ids.push(id.clone());
            s.orders.insert(id, o);
        }
    }
}
