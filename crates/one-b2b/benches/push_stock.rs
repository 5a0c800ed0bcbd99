//! Push 1,000,000 stock lines to the ONe simulator: lines per second end to end through the
//! SDK, against posting the same bodies, serialized beforehand, with a bare reqwest client
//! (same line limit, same concurrency, same headers).
//!
//! ```text
//! cargo bench -p one-b2b --bench push_stock            # 1,000,000 lines, 3 rounds
//! ONE_BENCH_LINES=200000 ONE_BENCH_ROUNDS=5 cargo bench -p one-b2b --bench push_stock
//! ```
//!
//! The SDK's time includes validation, chunking, serialization, the retry/rate-limit
//! runtime and the report; the bare client's time includes only the HTTP calls. The
//! simulator parses and checks every line in both cases (without storing them).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark binary

use std::time::{Duration, Instant};

use bytes::Bytes;
use connector_core::SecretString;
use futures::{StreamExt, stream};
use one_b2b::model::StockLine;
use one_b2b::{OneClient, OneConfig};
use rust_decimal::Decimal;
use sandbox_one_b2b::{OneSandbox, OneSimulator, SANDBOX_API_KEY, SANDBOX_TENANT};

const MAX_LINES: usize = 10_000;
const CONCURRENCY: usize = 2;
const PATH: &str = "/api/v1/stock/integrations/auth-required/warehouses/WH-1/stocks/incremental";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn quantity(i: usize) -> Decimal {
    // A realistic mix: whole units and content units with decimals.
    if i.is_multiple_of(4) {
        Decimal::new((i % 1000) as i64 * 10 + 5, 1)
    } else {
        Decimal::from(i % 500)
    }
}

fn records(n: usize) -> Vec<StockLine> {
    (0..n)
        .map(|i| StockLine::new(format!("SKU-{i:08}"), quantity(i)))
        .collect()
}

/// The same bodies, written by hand (not with the SDK's types).
fn bodies(n: usize) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + MAX_LINES).min(n);
        let mut s = String::with_capacity((end - start) * 40);
        s.push_str("{\"stocks\":[");
        for i in start..end {
            if i > start {
                s.push(',');
            }
            s.push_str(&format!(
                "{{\"id\":\"SKU-{i:08}\",\"quantity\":{}}}",
                quantity(i)
            ));
        }
        s.push_str("]}");
        out.push(Bytes::from(s));
        start = end;
    }
    out
}

/// CPU time (user + system) of this whole process (client and in-process simulator), from
/// `/proc/self/stat` (Linux; zero elsewhere). Less sensitive than wall time to other load.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

async fn sdk_run(client: &OneClient, n: usize) -> (Duration, Duration) {
    let input = records(n);
    let (t, c) = (Instant::now(), cpu_time());
    let report = client
        .push_stock("WH-1", stream::iter(input), None)
        .await
        .unwrap();
    let d = (t.elapsed(), cpu_time() - c);
    assert!(report.is_complete_success(), "{report}");
    d
}

async fn bare_run(http: &reqwest::Client, url: &str, n: usize) -> (Duration, Duration) {
    let bodies = bodies(n);
    let (t, c) = (Instant::now(), cpu_time());
    let results: Vec<u16> = stream::iter(bodies)
        .map(|b| async move {
            http.post(url)
                .header("ApiAuth", SANDBOX_API_KEY)
                .header("one-tenant", SANDBOX_TENANT)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .body(b)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let d = (t.elapsed(), cpu_time() - c);
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    d
}

/// The same pre-serialized bodies through the SDK's HTTP runtime (connector-http), without
/// the bulk engine: separates the runtime's cost from batching and serialization.
async fn runtime_run(http: &connector_http::HttpClient, n: usize) -> (Duration, Duration) {
    let bodies = bodies(n);
    let (t, c) = (Instant::now(), cpu_time());
    let results: Vec<u16> = stream::iter(bodies)
        .map(|b| async move {
            let req = connector_http::Request::post(PATH)
                .operation("bench")
                .idempotent()
                .header("accept", "application/json")
                .json_bytes(b);
            http.send(req).await.unwrap().status()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let d = (t.elapsed(), cpu_time() - c);
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    d
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let n = env("ONE_BENCH_LINES", 1_000_000);
    let rounds = env("ONE_BENCH_ROUNDS", 3).max(1);
    let sandbox = OneSandbox::start_with(OneSimulator::new().without_stock_storage())
        .await
        .unwrap();
    let client = OneClient::new(
        OneConfig::builder()
            .base_url(sandbox.base_url())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .max_lines(MAX_LINES)
            .concurrency(CONCURRENCY)
            .build()
            .unwrap(),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let runtime = connector_http::HttpClient::builder(sandbox.base_url())
        .auth(std::sync::Arc::new(connector_http::StaticHeaders::new(
            vec![
                (
                    "ApiAuth".into(),
                    SecretString::from(SANDBOX_API_KEY.to_string()),
                ),
                (
                    "one-tenant".into(),
                    SecretString::from(SANDBOX_TENANT.to_string()),
                ),
            ],
        )))
        .build()
        .unwrap();
    let url = format!("{}{PATH}", sandbox.base_url());

    // Serialization cost alone, for the record: the SDK's wire types to JSON.
    let input = records(n);
    let t = Instant::now();
    let mut bytes = 0usize;
    for chunk in input.chunks(MAX_LINES) {
        bytes += serde_json::to_vec(chunk).unwrap().len();
    }
    let ser = t.elapsed();
    drop(input);

    // Warm-up (connections, allocator).
    sdk_run(&client, MAX_LINES * 2).await;
    bare_run(&http, &url, MAX_LINES * 2).await;

    let (mut sdk, mut bare, mut sdk_cpu, mut bare_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rt = Vec::new();
    for _ in 0..rounds {
        let (w, c) = sdk_run(&client, n).await;
        sdk.push(w);
        sdk_cpu.push(c);
        let (w, c) = bare_run(&http, &url, n).await;
        bare.push(w);
        bare_cpu.push(c);
        rt.push(runtime_run(&runtime, n).await.0);
    }
    let r = median(rt.clone());
    let (s, b) = (median(sdk.clone()), median(bare.clone()));
    let (sc, bc) = (median(sdk_cpu), median(bare_cpu));
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "ONe stock push, {n} lines, {MAX_LINES} per request, {CONCURRENCY} in flight, {rounds} rounds (median)"
    );
    println!(
        "  SDK end to end : {:>8.1} ms  {:>10.0} lines/s  (rounds: {:?})",
        s.as_secs_f64() * 1e3,
        rate(s),
        sdk
    );
    println!(
        "  bare reqwest   : {:>8.1} ms  {:>10.0} lines/s  (rounds: {:?})",
        b.as_secs_f64() * 1e3,
        rate(b),
        bare
    );
    println!(
        "  SDK runtime only (same pre-serialized bodies through connector-http): {:>8.1} ms  (rounds: {:?})",
        r.as_secs_f64() * 1e3,
        rt
    );
    println!(
        "  SDK overhead   : {:>+8.1} ms  {:>+9.1} % of the bare client's time (goal <= 10 %)",
        (s.as_secs_f64() - b.as_secs_f64()) * 1e3,
        (s.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0
    );
    println!(
        "  CPU (process)  : SDK {:.0} ms, bare {:.0} ms: the SDK's own work is {:+.0} ms ({:+.1} % of the bare run's CPU)",
        sc.as_secs_f64() * 1e3,
        bc.as_secs_f64() * 1e3,
        (sc.as_secs_f64() - bc.as_secs_f64()) * 1e3,
        (sc.as_secs_f64() / bc.as_secs_f64().max(1e-9) - 1.0) * 100.0
    );
    println!(
        "  (serde_json of the same lines alone: {:.1} ms, {} MB of JSON)",
        ser.as_secs_f64() * 1e3,
        bytes / 1_000_000
    );
}
