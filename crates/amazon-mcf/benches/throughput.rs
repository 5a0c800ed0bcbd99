//! Rate-limit throughput: 200 `getFulfillmentOrder` calls from 8 concurrent tasks against a
//! simulator enforcing Amazon's default usage plan (2 requests/s, burst 30, 429 beyond).
//!
//! The best any client can do is the burst at once, then one call every 0.5 s:
//! `(200 - 30) / 2 = 85 s`. Goal: at least 95 % of that throughput and zero 429s.
//!
//! ```text
//! cargo bench -p amazon-mcf --bench throughput            # ~86 s
//! BENCH_CALLS=60 cargo bench -p amazon-mcf --bench throughput   # quick run
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark binary fails loudly

use std::time::Instant;

use amazon_mcf::AmazonMcfClient;
use connector_core::SecretString;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

const RATE: f64 = 2.0;
const BURST: u32 = 30;
const TASKS: usize = 8;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let sandbox = McfSimulator::new()
        .with_rate_limit(RATE, BURST)
        .start()
        .await
        .unwrap();
    sandbox.sim.seed_inventory("SKU-1", "Mug", 10);
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(sandbox.base_url())
        .lwa_url(sandbox.token_url())
        .build()
        .unwrap();
    let req = amazon_mcf::convert::draft_to_create(
        &{
            let mut d = connector_core::OrderDraft::new(
                connector_core::ExternalOrderId::new("BENCH-1").unwrap(),
                connector_core::Customer::new(),
                vec![connector_core::OrderLine::new(
                    Some(connector_core::Sku::new("SKU-1").unwrap()),
                    1.into(),
                )],
            );
            d.shipping_address = Some(connector_core::Address::postal(
                connector_core::AddressKind::Delivery,
                "Jane Doe",
                "1 Main St",
                "Seattle",
                "98101",
                "US",
            ));
            d
        },
        &Default::default(),
        chrono::Utc::now(),
    )
    .unwrap();
    client.create_fulfillment_order(&req).await.unwrap();
    let before = sandbox.sim.requests();

    let started = Instant::now();
    let per_task = calls.div_ceil(TASKS);
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let client = client.clone();
        let n = per_task.min(calls.saturating_sub(t * per_task));
        handles.push(tokio::spawn(async move {
            for _ in 0..n {
                client.get_fulfillment_order("BENCH-1").await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let sent = sandbox.sim.requests() - before;
    let best = (calls as f64 - f64::from(BURST)).max(0.0) / RATE;
    let efficiency = if elapsed > 0.0 {
        (best / elapsed).min(1.0) * 100.0
    } else {
        100.0
    };
    println!(
        "calls: {calls} from {TASKS} tasks; requests sent: {sent}; 429 answers: {}",
        sandbox.sim.throttled()
    );
    println!(
        "elapsed: {elapsed:.2} s; best possible: {best:.2} s; throughput: {:.3} req/s",
        calls as f64 / elapsed
    );
    println!("efficiency: {efficiency:.1} % of the allowed throughput");
    if sandbox.sim.throttled() > 0 || efficiency < 95.0 {
        eprintln!("GOAL MISSED: want >= 95 % and zero 429s");
        std::process::exit(1);
    }
}
