//! Push 1,000,000 stock lines to the ONe simulator: lines per second end to end through the
//! SDK, against posting the same bodies, serialized beforehand, with a bare reqwest client
//! (same line limit, same concurrency, same headers).
//!
//! ```text
//! cargo bench -p one-b2b --bench push_stock            # 1,000,000 lines, 5 rounds
//! ONE_BENCH_LINES=200000 ONE_BENCH_ROUNDS=9 cargo bench -p one-b2b --bench push_stock
//! ONE_BENCH_ONLY=sdk cargo bench -p one-b2b --bench push_stock   # one side (profiling)
//! ```
//!
//! Two configurations, one after the other (`ONE_BENCH_MODE=shared|split|both`, default
//! both): the simulator in this process, sharing both CPUs with the client (every CPU
//! nanosecond the client spends shows in the wall time, since the simulator keeps both cores
//! busy); and the simulator in a separate process pinned to CPU 1 with the client pinned to
//! CPU 0 (`taskset`), which models a real ONe server on other hardware.
//!
//! Rounds alternate (SDK, bare, SDK, bare...); it prints medians of wall time, process CPU
//! time and the client thread's CPU time, and the overhead both from the medians and as the
//! median of the paired rounds.
//!
//! The SDK's time includes validation, chunking, serialization, the retry/rate-limit
//! runtime, the report and freeing the input records; the bare client's time includes only
//! the HTTP calls (its bodies are built before the clock starts). The simulator parses and
//! checks every line in both cases (without storing them).

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

/// CPU time (user + system) of this whole process (client and in-process simulator) and its
/// minor page faults, from `/proc/self/stat` (Linux, 10 ms ticks; zero elsewhere).
fn process_stat() -> (Duration, u64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (Duration::ZERO, 0);
    };
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // minflt, utime and stime are fields 10, 14 and 15 of the line (8, 12 and 13 after the
    // command name).
    (
        Duration::from_millis((field(11) + field(12)) * 10),
        field(7),
    )
}

/// CPU time of the calling thread in nanoseconds, from `/proc/thread-self/schedstat`
/// (Linux; zero elsewhere). The benchmark's future runs on the main thread (`block_on`):
/// this is the client's own work (SDK + reqwest futures), not the simulator's, which runs
/// on the runtime's worker threads.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// One timed run: wall time, process CPU, client-thread CPU, minor page faults.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
    client: Duration,
    faults: u64,
}

struct Timer(Instant, (Duration, u64), Duration);

impl Timer {
    fn start() -> Self {
        Self(Instant::now(), process_stat(), thread_cpu())
    }

    fn stop(self) -> Run {
        let wall = self.0.elapsed();
        let (cpu, faults) = process_stat();
        Run {
            wall,
            cpu: cpu - self.1.0,
            client: thread_cpu() - self.2,
            faults: faults - self.1.1,
        }
    }
}

/// The SDK end to end: validation, chunking, serialization, the HTTP runtime, the report,
/// and freeing the input records it consumed.
async fn sdk_run(client: &OneClient, n: usize) -> Run {
    let input = records(n);
    let t = Timer::start();
    let report = client
        .push_stock("WH-1", stream::iter(input), None)
        .await
        .unwrap();
    let run = t.stop();
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(report.requests, n.div_ceil(MAX_LINES));
    run
}

/// A bare reqwest client posting the bodies serialized beforehand.
async fn bare_run(http: &reqwest::Client, url: &str, n: usize) -> Run {
    let bodies = bodies(n);
    let t = Timer::start();
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
    let run = t.stop();
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    run
}

/// The same pre-serialized bodies through the SDK's HTTP runtime (connector-http), without
/// the bulk engine: separates the runtime's cost from batching and serialization.
async fn runtime_run(http: &connector_http::HttpClient, n: usize) -> Run {
    let bodies = bodies(n);
    let t = Timer::start();
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
    let run = t.stop();
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    run
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median of a field over runs, in ms.
fn med(runs: &[Run], f: impl Fn(&Run) -> Duration) -> f64 {
    median(runs.iter().map(|r| ms(f(r))).collect())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// glibc's malloc raises its mmap threshold to the largest mmapped block freed so far: the
/// allocation history of one side (e.g. 400 KB vs 640 KB chunk vectors) would change what
/// every later allocation costs, bare runs and simulator included (page faults on each
/// request). Fixed thresholds make the sides independent of each other and of the SDK
/// version: all buffers come from the heap, which is not trimmed during the runs.
const MALLOC_TUNABLES: &str =
    "glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=67108864";

/// Runs this benchmark again with [`MALLOC_TUNABLES`] unless `GLIBC_TUNABLES` is already set
/// (then it is used as given). Returns the exit code of the rerun.
fn rerun_with_fixed_malloc_thresholds() -> Option<i32> {
    if !cfg!(target_os = "linux") || std::env::var_os("GLIBC_TUNABLES").is_some() {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
        .status()
        .ok()?;
    Some(status.code().unwrap_or(1))
}

fn main() {
    if let Some(code) = rerun_with_fixed_malloc_thresholds() {
        std::process::exit(code);
    }
    if std::env::var_os("ONE_BENCH_SERVE").is_some() {
        serve();
        return;
    }
    let mode = std::env::var("ONE_BENCH_MODE").unwrap_or_else(|_| "both".into());
    if mode == "shared" || mode == "both" {
        bench(None);
    }
    if (mode == "split" || mode == "both") && split_cores().is_none() {
        println!("split-core run skipped: needs Linux, `taskset` and 2 CPUs");
    }
    if mode == "client" {
        bench(std::env::var("ONE_BENCH_BASE_URL").ok());
    }
}

/// Server mode: the simulator alone in this process; prints its URL, runs until stdin closes.
#[tokio::main]
async fn serve() {
    let sandbox = OneSandbox::start_with(OneSimulator::new().without_stock_storage())
        .await
        .unwrap();
    println!("READY {}", sandbox.base_url());
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).unwrap_or(0) > 0 {}
    })
    .await
    .unwrap();
}

/// The same benchmark with the simulator in its own process pinned to CPU 1 and the client
/// pinned to CPU 0 (`taskset`): the server's work no longer competes with the client's, as
/// with a real ONe server on other hardware. `None` when it cannot run here.
fn split_cores() -> Option<()> {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    if std::thread::available_parallelism().map_or(0, |n| n.get()) < 2 {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let mut server = Command::new("taskset")
        .args(["-c", "1"])
        .arg(&exe)
        .env("ONE_BENCH_SERVE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut ready = String::new();
    std::io::BufReader::new(server.stdout.take()?)
        .read_line(&mut ready)
        .ok()?;
    let url = ready.strip_prefix("READY ")?.trim().to_string();
    let status = Command::new("taskset")
        .args(["-c", "0"])
        .arg(&exe)
        .env("ONE_BENCH_MODE", "client")
        .env("ONE_BENCH_BASE_URL", url)
        .status()
        .ok();
    drop(server.stdin.take());
    let _ = server.wait();
    status.map(|_| ())
}

/// Runs the rounds against `remote` (a simulator in another process) or, with `None`, against
/// a simulator started in this process.
#[tokio::main]
async fn bench(remote: Option<String>) {
    let n = env("ONE_BENCH_LINES", 1_000_000);
    let rounds = env("ONE_BENCH_ROUNDS", 5).max(1);
    // For profiling one side alone: `sdk`, `bare`; anything else runs both.
    let only = std::env::var("ONE_BENCH_ONLY").unwrap_or_default();
    let (do_sdk, do_bare) = (only != "bare", only != "sdk");
    // `_local` keeps the in-process simulator alive for the whole run.
    let (_local, base_url) = match &remote {
        Some(url) => (None, url.clone()),
        None => {
            let sandbox = OneSandbox::start_with(OneSimulator::new().without_stock_storage())
                .await
                .unwrap();
            let url = sandbox.base_url();
            (Some(sandbox), url)
        }
    };
    let client = OneClient::new(
        OneConfig::builder()
            .base_url(base_url.clone())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .max_lines(MAX_LINES)
            .concurrency(CONCURRENCY)
            .build()
            .unwrap(),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let runtime = connector_http::HttpClient::builder(base_url.clone())
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
    let url = format!("{base_url}{PATH}");
    let load_before = loadavg();

    // Warm-up (connections, allocator).
    sdk_run(&client, MAX_LINES * 2).await;
    bare_run(&http, &url, MAX_LINES * 2).await;
    runtime_run(&runtime, MAX_LINES * 2).await;

    // Alternating rounds: SDK, bare, SDK, bare... (and the runtime-only run after each
    // pair), so that load changes on the shared machine hit both sides alike.
    let (mut sdk, mut bare, mut rt) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        if do_sdk {
            sdk.push(sdk_run(&client, n).await);
        }
        if do_bare {
            bare.push(bare_run(&http, &url, n).await);
        }
        if do_sdk && do_bare {
            rt.push(runtime_run(&runtime, n).await);
        }
    }
    let load_after = loadavg();
    let rate = |ms: f64| n as f64 / (ms / 1e3);
    let walls = |runs: &[Run]| {
        runs.iter()
            .map(|r| format!("{:.0}", ms(r.wall)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "ONe stock push, {n} lines, {MAX_LINES} per request, {CONCURRENCY} in flight, {rounds} alternating rounds, medians"
    );
    println!(
        "  {}",
        if remote.is_some() {
            "simulator in another process pinned to CPU 1, client pinned to CPU 0 (process CPU = client only)"
        } else {
            "simulator in this process, client and simulator sharing both CPUs"
        }
    );
    println!("  load average before: {load_before}; after: {load_after}");
    println!(
        "  GLIBC_TUNABLES={}",
        std::env::var("GLIBC_TUNABLES").unwrap_or_default()
    );
    println!(
        "                     wall ms      lines/s   process CPU ms   client-thread CPU ms   page faults   (wall per round)"
    );
    for (name, runs) in [
        ("SDK end to end", &sdk),
        ("bare reqwest", &bare),
        ("SDK runtime only", &rt),
    ] {
        if runs.is_empty() {
            continue;
        }
        let w = med(runs, |r| r.wall);
        println!(
            "  {name:<16} {w:>9.1} {:>12.0} {:>16.0} {:>22.1} {:>13.0}   ({})",
            rate(w),
            med(runs, |r| r.cpu),
            med(runs, |r| r.client),
            median(runs.iter().map(|r| r.faults as f64).collect()),
            walls(runs)
        );
    }
    if sdk.is_empty() || bare.is_empty() {
        return;
    }
    let (s, b) = (med(&sdk, |r| r.wall), med(&bare, |r| r.wall));
    // Each SDK round against the bare round right after it.
    let paired = median(
        sdk.iter()
            .zip(&bare)
            .map(|(s, b)| (s.wall.as_secs_f64() / b.wall.as_secs_f64() - 1.0) * 100.0)
            .collect(),
    );
    let (sc, bc) = (med(&sdk, |r| r.cpu), med(&bare, |r| r.cpu));
    let (sk, bk) = (med(&sdk, |r| r.client), med(&bare, |r| r.client));
    println!(
        "  SDK overhead, wall : {:+.1} ms = {:+.1} % of the bare client's time (medians); paired rounds: {paired:+.1} % (median); goal <= 10 %",
        s - b,
        (s / b - 1.0) * 100.0
    );
    println!(
        "  SDK overhead, CPU  : process {:+.0} ms ({:+.1} %); client thread {:+.1} ms = {:.0} ns per line",
        sc - bc,
        (sc / bc.max(1e-9) - 1.0) * 100.0,
        sk - bk,
        (sk - bk) * 1e6 / n as f64
    );
}
