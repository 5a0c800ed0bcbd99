//! A restart-safe sync service (connector-sync) against the local simulators: one runner,
//! one store, four flows on their cadences.
//!
//! | flow | cadence (`--fast`) | what |
//! | --- | --- | --- |
//! | `stock.one`, `stock.totvs` | 2 min (4 s) | the ERP stock table (generated, 1 % changes between runs) → change detection → ONe (warehouse `WH-1`) and TOTVS Omni (store `LOJA-01`): only new and changed levels are pushed |
//! | `orders.one` | 1 min (2 s) | ONe orders pulled with the saved event cursor into an ERP handler (idempotent: keyed by shipment id) |
//! | `placements.amazon` | 1 min (3 s) | the ERP's orders to Amazon MCF through the order ledger: each placed exactly once |
//! | `catalog.accor` | daily at 03:00 UTC (5 s) | the Accor catalog (full dump over SFTP) → change detection → only new and changed offers handed to the ERP |
//!
//! SQLite by default (a fresh file in a temporary directory); PostgreSQL when a URL is given.
//! The simulators start fresh on every run, so give PostgreSQL an empty database.
//!
//! ```text
//! cargo run --example sync_service --all-features -- --fast --run-for 20s
//! cargo run --example sync_service --all-features -- --fast --run-for 20s --store postgres://u@host/db
//! SYNC_STORE_URL=postgres://... cargo run --example sync_service --all-features
//! ```
//!
//! Stop it with Ctrl-C (runs in flight finish and commit) or `--run-for`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use erp_connectors::accor_oms::catalog::{CatalogOptions, offer_stream_sftp};
use erp_connectors::amazon_mcf::{AmazonMcfClient, AmazonMcfConnector};
use erp_connectors::core::{
    Address, AddressKind, BatchReport, Customer, ExternalOrderId, LocationId, Offer, OrderDraft,
    OrderLine, Person, SecretString, Sku, Stock,
};
use erp_connectors::one_b2b::{OneClient, OneConfig};
use erp_connectors::sftp::{SftpClient, SftpConfig};
use erp_connectors::sync::{
    ChangeDetector, Flow, InstanceId, LedgerState, OrderFeedFlow, OrderHandler, PlacementFlow,
    RunContext, RunCounts, RunStatus, Runner, Schedule, SourceFn, SqlStore, StockSyncFlow,
    SyncError, SyncStore, TrackingLookup, fingerprint_of,
};
use erp_connectors::totvs_omni::{IntegrationType, OmniClient, OmniConfig, ProductLine};
use futures::StreamExt;
use rust_decimal::Decimal;
use sandbox_accor_oms::catalog::{
    CATALOG_PATH, CatalogSpec, SFTP_PASSWORD, SFTP_USER, serve_catalog, write_catalog,
};
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};
use sandbox_one_b2b::{OneSandbox, SANDBOX_API_KEY, SANDBOX_TENANT};
use sandbox_totvs_omni as omni_sim;
use serde_json::json;

/// SKUs in the ERP stock table.
const SKUS: usize = 2_000;
/// Catalog rows of the first Accor dump (the dump grows by 1 % between runs).
const CATALOG_ROWS: u64 = 2_000;

/// Command-line options.
#[derive(Debug, Clone, Default)]
struct Args {
    /// Store URL (`sqlite:…` or `postgres://…`); a fresh SQLite file when absent.
    store: Option<String>,
    /// Cadences in seconds instead of minutes.
    fast: bool,
    /// Stop after this long (otherwise at Ctrl-C).
    run_for: Option<Duration>,
}

fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().with_context(|| format!("duration {s:?}"))?;
    Ok(match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => bail!("duration {s:?}: unit must be ms, s, m or h"),
    })
}

fn parse_args(mut it: impl Iterator<Item = String>) -> anyhow::Result<Args> {
    let mut args = Args {
        store: std::env::var("SYNC_STORE_URL")
            .ok()
            .filter(|s| !s.is_empty()),
        ..Args::default()
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fast" => args.fast = true,
            "--store" => args.store = Some(it.next().context("--store needs a URL")?),
            "--run-for" => {
                args.run_for = Some(parse_duration(
                    &it.next().context("--run-for needs a duration")?,
                )?)
            }
            other => bail!(
                "unknown argument {other:?} (usage: sync_service [--fast] [--run-for 20s] [--store URL])"
            ),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let stop = async {
        match args.run_for {
            Some(d) => tokio::time::sleep(d).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let summary = run(&args, stop).await?;
    summary.check()
}

/// The ERP side of the example: its stock table, its order book, its orders to fulfil.
#[derive(Debug, Default)]
struct Erp {
    /// Stock level per SKU index.
    stock: Mutex<Vec<i64>>,
    /// ONe shipments received, by shipment id (the handler is idempotent).
    received: Mutex<BTreeMap<String, String>>,
    /// Orders the ERP wants Amazon MCF to ship.
    to_fulfil: Mutex<Vec<OrderDraft>>,
    /// Shipments placed on the ONe simulator (by the business, not the ERP).
    one_shipments: AtomicUsize,
    /// Offers in the dump Accor publishes now.
    accor_rows: AtomicU64,
    /// Accor offers the ERP's purchasing catalog holds, by offer id.
    catalog: Mutex<BTreeMap<String, Offer>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sku(i: usize) -> String {
    format!("SKU-{i:05}")
}

impl Erp {
    fn new() -> Self {
        let erp = Self::default();
        *lock(&erp.stock) = (0..SKUS).map(|i| (i % 40) as i64).collect();
        erp.accor_rows.store(CATALOG_ROWS, Ordering::SeqCst);
        erp
    }

    /// One business interval: 1 % of the stock levels change, a few orders come in.
    fn tick(&self, n: usize) {
        let mut stock = lock(&self.stock);
        for k in 0..SKUS / 100 {
            let i = (n * 37 + k * 101) % SKUS;
            stock[i] += 1;
        }
        drop(stock);
        let mut orders = lock(&self.to_fulfil);
        for k in 0..3 {
            match amazon_draft(n * 3 + k) {
                Ok(d) => orders.push(d),
                Err(e) => eprintln!("ERP order {}: {e}", n * 3 + k),
            }
        }
    }

    /// The stock snapshot at `location`, as the ERP exports it (read lazily by the flow).
    fn source(self: &Arc<Self>, location: &'static str) -> SourceFn<Stock> {
        let erp = self.clone();
        Arc::new(move || {
            let snapshot = lock(&erp.stock).clone();
            Box::pin(async move {
                let loc = LocationId::new(location)?;
                let rows = snapshot
                    .into_iter()
                    .enumerate()
                    .map(|(i, q)| {
                        Ok(Stock::new(
                            Sku::new(sku(i))?,
                            Some(loc.clone()),
                            Decimal::from(q),
                        ))
                    })
                    .collect::<Result<Vec<_>, SyncError>>()?;
                Ok(futures::stream::iter(rows).boxed())
            })
        })
    }
}

fn amazon_draft(n: usize) -> Result<OrderDraft, erp_connectors::core::Error> {
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut d = OrderDraft::new(
        ExternalOrderId::new(format!("ERP-{n:05}"))?,
        customer,
        vec![OrderLine::new(Some(Sku::new("MUG-1")?), Decimal::from(1))],
    );
    d.shipping_address = Some(Address::postal(
        AddressKind::Delivery,
        "Jane Doe",
        "1 Main St",
        "Seattle",
        "98101",
        "us",
    ));
    d.ordered_at = chrono::DateTime::from_timestamp(1_764_000_000, 0);
    Ok(d)
}

fn one_shipment(n: u64) -> serde_json::Value {
    json!({
        "id": format!("OF/{n}/12/2026/01"), "orderId": format!("OF/{n}/12/2026"),
        "clientId": "org:ACME", "status": "NEW", "paymentStatus": "PENDING", "currencyCode": "PLN",
        "productLines": [
            {"sku": "SKU-00001", "name": "Wiertarka", "lineNumber": 1, "quantityOrderedInContentUnit": 2,
             "price": {"netContentUnitPrice": 199.0, "netValue": 398.0, "taxRate": 23, "grossValue": 489.54}}
        ]
    })
}

/// ERP orders → Amazon MCF through the order ledger (every run offers all of them; the
/// ledger skips what was placed, reconciles what may have been).
struct AmazonPlacements {
    amazon: AmazonMcfConnector,
    erp: Arc<Erp>,
}

#[async_trait]
impl Flow for AmazonPlacements {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let drafts = lock(&self.erp.to_fulfil).clone();
        let lookup = TrackingLookup(&self.amazon);
        let flow = PlacementFlow::new(ctx.store.clone(), ctx.lease.clone(), &self.amazon, &lookup);
        let r = flow.run(futures::stream::iter(drafts)).await?;
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        Ok(RunCounts {
            total: n(r.total()),
            changed: n(r.total() - r.already_placed.len()),
            sent: n(r.placed.len() + r.reconciled.len()),
            rejected: n(r.rejected.len() + r.conflicting.len()),
            failed: n(r.unknown.len() + r.retry_later.len()),
            ..RunCounts::default()
        })
    }
}

/// The Accor catalog dump → change detection → the ERP's purchasing catalog.
struct AccorCatalog {
    sftp: SftpConfig,
    erp: Arc<Erp>,
}

#[async_trait]
impl Flow for AccorCatalog {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let det = ChangeDetector::begin(ctx.store.clone(), ctx.lease.clone(), ctx.run_id).await?;
        let offers = offer_stream_sftp(
            SftpClient::new(self.sftp.clone()),
            CATALOG_PATH.to_string(),
            CatalogOptions::new(),
        );
        // A download or parse failure ends the input: what was handed on is still committed,
        // the run reports the error, and no deletions are computed from a partial dump.
        let failure: Arc<Mutex<Option<SyncError>>> = Arc::default();
        let slot = failure.clone();
        let offers = offers.scan((), move |_, r| {
            futures::future::ready(match r {
                Ok(o) => Some(o),
                Err(e) => {
                    *lock(&slot) = Some(e.into());
                    None
                }
            })
        });
        let mut changed = det.changes(
            offers,
            |o: &Offer| o.id.to_string(),
            fingerprint_of::<Offer>,
        );
        let mut handed = 0usize;
        while let Some(offer) = changed.next().await {
            let offer = offer?;
            // The ERP's handler: upsert by offer id (idempotent).
            lock(&self.erp.catalog).insert(offer.id.to_string(), offer);
            handed += 1;
        }
        drop(changed);
        let mut report = BatchReport::default();
        report.total = handed;
        report.sent = handed;
        det.commit(&report).await?;
        if let Some(e) = lock(&failure).take() {
            return Err(e);
        }
        let deleted = det.deletions("", 10_000).await?.len();
        let stats = det.stats();
        Ok(RunCounts {
            total: stats.read,
            changed: stats.handed_on(),
            sent: i64::try_from(handed).unwrap_or(i64::MAX),
            deleted: i64::try_from(deleted).unwrap_or(i64::MAX),
            ..RunCounts::default()
        })
    }
}

/// Prints a one-line summary after each run of the flow it wraps.
struct Reported {
    inner: Arc<dyn Flow>,
}

#[async_trait]
impl Flow for Reported {
    async fn run(&self, ctx: &RunContext) -> Result<RunCounts, SyncError> {
        let started = std::time::Instant::now();
        let result = self.inner.run(ctx).await;
        let secs = started.elapsed().as_secs_f64();
        match &result {
            Ok(c) => println!(
                "{} {:<18} run {:>3}: read {:>5}, handed on {:>4}, accepted {:>4}, rejected {}, failed {}, deleted {} ({secs:.2} s)",
                ctx.tick.format("%H:%M:%S"),
                ctx.lease.flow,
                ctx.run_id,
                c.total,
                c.changed,
                c.sent,
                c.rejected,
                c.failed + c.not_attempted,
                c.deleted
            ),
            Err(e) => println!(
                "{} {:<18} run {:>3}: FAILED: {e}",
                ctx.tick.format("%H:%M:%S"),
                ctx.lease.flow,
                ctx.run_id
            ),
        }
        result
    }
}

fn reported(flow: impl Flow + 'static) -> Arc<dyn Flow> {
    Arc::new(Reported {
        inner: Arc::new(flow),
    })
}

/// What a run of the service did, read back from the store and the simulators.
#[derive(Debug, Default)]
struct Summary {
    /// Runs per flow: (succeeded, failed).
    runs: BTreeMap<String, (usize, usize)>,
    /// ERP orders offered to Amazon / in the ledger as placed / orders on the simulator.
    amazon: (usize, usize, usize),
    /// ONe shipments placed on the simulator / received by the ERP handler.
    one_orders: (usize, usize),
    /// SKUs whose level on ONe differs from the ERP's after a last stock run.
    one_stock_mismatches: usize,
    /// Offers in the Accor dump / in the ERP's purchasing catalog.
    catalog: (u64, usize),
}

impl Summary {
    /// Fails when the service lost or duplicated anything, or a flow never ran.
    fn check(&self) -> anyhow::Result<()> {
        let (offered, placed, on_amazon) = self.amazon;
        if placed != offered || on_amazon != offered {
            bail!(
                "Amazon: {offered} ERP orders, {placed} placed in the ledger, {on_amazon} on the simulator"
            );
        }
        if self.one_orders.0 != self.one_orders.1 {
            bail!(
                "ONe: {} shipments placed, {} received",
                self.one_orders.0,
                self.one_orders.1
            );
        }
        if self.one_stock_mismatches != 0 {
            bail!(
                "ONe: {} stock levels differ from the ERP's",
                self.one_stock_mismatches
            );
        }
        if self.catalog.0 != self.catalog.1 as u64 {
            bail!(
                "Accor: {} offers in the dump, {} in the ERP catalog",
                self.catalog.0,
                self.catalog.1
            );
        }
        for flow in [
            "stock.one",
            "stock.totvs",
            "orders.one",
            "placements.amazon",
            "catalog.accor",
        ] {
            match self.runs.get(flow) {
                Some((ok, 0)) if *ok > 0 => {}
                other => bail!("{flow}: runs (succeeded, failed) = {other:?}"),
            }
        }
        Ok(())
    }
}

/// Starts the simulators, runs the service until `stop`, then one last round of every flow
/// (so the summary compares settled states), and returns the summary.
async fn run(
    args: &Args,
    stop: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<Summary> {
    let work = tempfile::tempdir().context("creating a work directory")?;
    let url = match &args.store {
        Some(u) => u.clone(),
        None => format!("sqlite:{}", work.path().join("sync.db").display()),
    };
    let store = Arc::new(
        SqlStore::open(&url)
            .await
            .with_context(|| format!("opening the sync store {url}"))?,
    );
    let shown = url.split('@').next_back().unwrap_or(&url);
    println!("sync store: {shown}");
    // Stock every 4 units, orders and placements every 2: 2 min / 1 min, or 4 s / 2 s.
    let unit = if args.fast {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(30)
    };
    let erp = Arc::new(Erp::new());

    // ONe.
    let one_sb = OneSandbox::start()
        .await
        .context("starting the ONe simulator")?;
    let one = OneClient::new(
        OneConfig::builder()
            .base_url(one_sb.base_url())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .build()?,
    )?;
    // TOTVS Omni: it refuses stock for products it does not know, so the products first.
    let omni_sb = omni_sim::OmniSimulator::start().await?;
    let omni = OmniClient::new(
        OmniConfig::builder(
            omni_sim::SITE_ID,
            omni_sim::USERNAME,
            SecretString::from(omni_sim::PASSWORD),
        )
        .load_host(omni_sb.base_url())
        .orders_api(
            omni_sb.orders_url(),
            omni_sim::ORDERS_USERNAME,
            SecretString::from(omni_sim::ORDERS_PASSWORD),
        )
        .build()?,
    )?;
    omni.loads()
        .load(
            IntegrationType::Products,
            futures::stream::iter(
                (0..SKUS).map(|i| ProductLine::new(sku(i), format!("Produto {i}"))),
            ),
        )
        .await?;
    // Amazon MCF.
    let mcf = McfSimulator::new().start().await?;
    mcf.sim
        .seed_inventory("MUG-1", "Blue mug, 12 oz", 1_000_000);
    let amazon = AmazonMcfConnector::new(
        AmazonMcfClient::builder()
            .client_id(CLIENT_ID)
            .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
            .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
            .marketplace_id("ATVPDKIKX0DER")
            .sandbox()
            .endpoint(mcf.base_url())
            .lwa_url(mcf.token_url())
            .app_id("SyncService")
            .build()?,
    )
    .with_package_tracking(false);
    // Accor's catalog dump over SFTP.
    let accor_root = work.path().join("accor");
    let cat = serve_catalog(&accor_root, CatalogSpec::new(CATALOG_ROWS))
        .await
        .context("starting the catalog SFTP server")?;
    let sftp = SftpConfig::builder(cat.server.host())
        .port(cat.server.port())
        .username(SFTP_USER)
        .password(SecretString::from(SFTP_PASSWORD))
        .host_key_fingerprint(cat.server.host_key_fingerprint())
        .build()?;

    let erp_handler: OrderHandler = {
        let erp = erp.clone();
        Arc::new(move |order| {
            let erp = erp.clone();
            Box::pin(async move {
                lock(&erp.received).insert(order.id.to_string(), format!("{:?}", order.status));
                Ok(())
            })
        })
    };
    let one_tenant = "one/sandbox-tenant";
    let totvs_site = "totvs-omni/sandbox-site";
    let seller = "amazon-mcf/sandbox-seller/NA";
    let buyer = "accor-oms/sandbox-buyer";
    let flows: Vec<(&str, &str, Arc<dyn Flow>)> = vec![
        (
            one_tenant,
            "stock.one",
            reported(StockSyncFlow::new(
                erp.source("WH-1"),
                Arc::new(one.clone()),
            )),
        ),
        (
            totvs_site,
            "stock.totvs",
            reported(StockSyncFlow::new(erp.source("LOJA-01"), Arc::new(omni))),
        ),
        (
            one_tenant,
            "orders.one",
            reported(OrderFeedFlow::new(Arc::new(one), "one.orders", erp_handler)),
        ),
        (
            seller,
            "placements.amazon",
            reported(AmazonPlacements {
                amazon,
                erp: erp.clone(),
            }),
        ),
        (
            buyer,
            "catalog.accor",
            reported(AccorCatalog {
                sftp,
                erp: erp.clone(),
            }),
        ),
    ];
    let worker = format!("sync-service-{}", std::process::id());
    let build = |schedule: &dyn Fn(&str) -> Result<Schedule, SyncError>| -> anyhow::Result<Runner> {
        let mut runner = Runner::new(store.clone(), worker.clone()).with_jitter(unit / 5);
        for (instance, flow, handler) in &flows {
            runner = runner.add(
                InstanceId::new(*instance)?,
                *flow,
                schedule(flow)?,
                handler.clone(),
            )?;
        }
        Ok(runner)
    };
    let runner = build(&|flow| match flow {
        "stock.one" | "stock.totvs" => Schedule::every(unit * 4),
        "orders.one" => Schedule::every(unit * 2),
        "placements.amazon" => Schedule::every(unit * 2),
        _ if args.fast => Schedule::every(Duration::from_secs(5)),
        _ => Schedule::cron("0 0 3 * * *"),
    })?;
    println!("{runner:?}");

    // The business around the service: stock moves, orders arrive, Accor republishes.
    let activity = {
        let (erp, one_sim) = (erp.clone(), one_sb.sim.clone());
        let dump = accor_root.join("outgoing");
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                n += 1;
                erp.tick(n);
                one_sim.place_order(one_shipment(n as u64));
                erp.one_shipments.fetch_add(1, Ordering::SeqCst);
                // Accor's next dump: 1 % more offers, written aside and renamed (atomic).
                let rows = CATALOG_ROWS + (n as u64) * CATALOG_ROWS / 100;
                let tmp = dump.join("catalog.csv.tmp");
                if write_catalog(&tmp, CatalogSpec::new(rows)).is_ok()
                    && std::fs::rename(&tmp, dump.join("catalog.csv")).is_ok()
                {
                    erp.accor_rows.store(rows, Ordering::SeqCst);
                }
                tokio::time::sleep(unit * 3).await;
            }
        })
    };

    runner.run_until(stop).await?;
    activity.abort();
    let _ = activity.await;

    // A last round with the business stopped, so the summary compares settled states: every
    // flow once more, on a fresh one-second tick (later than every tick already served).
    println!("--- final round (business stopped) ---");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    build(&|_| Schedule::every(Duration::from_secs(1)))?
        .run_due()
        .await?;

    let mut summary = Summary::default();
    for (instance, flow, _) in &flows {
        let runs = store
            .runs(&InstanceId::new(*instance)?, flow, 10_000)
            .await?;
        let ok = runs
            .iter()
            .filter(|r| r.status == RunStatus::Succeeded)
            .count();
        summary.runs.insert(flow.to_string(), (ok, runs.len() - ok));
    }
    let offered = lock(&erp.to_fulfil).len();
    let placed = store
        .ledger_list(&InstanceId::new(seller)?, LedgerState::Placed, 1_000_000)
        .await?
        .len();
    summary.amazon = (offered, placed, mcf.sim.order_count());
    summary.one_orders = (
        erp.one_shipments.load(Ordering::SeqCst),
        lock(&erp.received).len(),
    );
    let stock = lock(&erp.stock).clone();
    summary.one_stock_mismatches = stock
        .iter()
        .enumerate()
        .filter(|(i, q)| {
            one_sb.sim.stock("WH-1", &sku(*i)).and_then(|v| v.as_f64()) != Some(**q as f64)
        })
        .count();
    summary.catalog = (
        erp.accor_rows.load(Ordering::SeqCst),
        lock(&erp.catalog).len(),
    );
    println!("--- summary ---");
    for (flow, (ok, failed)) in &summary.runs {
        println!("{flow:<18} {ok} runs succeeded, {failed} failed");
    }
    println!(
        "Amazon MCF: {} ERP orders, {} placed in the ledger, {} on the simulator (exactly once)",
        summary.amazon.0, summary.amazon.1, summary.amazon.2
    );
    println!(
        "ONe: {} shipments placed, {} received by the ERP; {} stock levels differ from the ERP",
        summary.one_orders.0, summary.one_orders.1, summary.one_stock_mismatches
    );
    println!(
        "Accor: {} offers in the last dump, {} in the ERP catalog",
        summary.catalog.0, summary.catalog.1
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

    use super::*;

    /// The service, fast, for 12 s on SQLite: every flow ran and succeeded, nothing lost or
    /// duplicated (see [`Summary::check`]).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fast_run_settles_every_flow_exactly() {
        let args =
            parse_args(["--fast", "--run-for", "12s"].into_iter().map(String::from)).unwrap();
        let args = Args {
            store: None,
            ..args
        };
        let summary = run(&args, tokio::time::sleep(args.run_for.unwrap()))
            .await
            .unwrap();
        summary.check().unwrap();
        // Stock ran several times and handed on only the changes after the first run.
        let (ok, _) = summary.runs["stock.one"];
        assert!(ok >= 3, "{summary:?}");
        assert!(summary.amazon.0 >= 9, "{summary:?}");
    }

    #[test]
    fn arguments_parse_and_bad_ones_are_refused() {
        let a = parse_args(
            [
                "--fast",
                "--run-for",
                "1500ms",
                "--store",
                "sqlite::memory:",
            ]
            .into_iter()
            .map(String::from),
        )
        .unwrap();
        assert!(a.fast);
        assert_eq!(a.run_for, Some(Duration::from_millis(1500)));
        assert_eq!(a.store.as_deref(), Some("sqlite::memory:"));
        assert!(parse_args(["--run-for", "5x"].into_iter().map(String::from)).is_err());
        assert!(parse_args(["--nope"].into_iter().map(String::from)).is_err());
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    }
}
