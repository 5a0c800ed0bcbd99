#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Catalog import benchmark (harness = false).
//!
//! ```text
//! cargo bench -p accor-oms --bench catalog_import               # 100k and 1M rows
//! ACCOR_BENCH_ROWS=100000,1000000,10000000 cargo bench -p accor-oms --bench catalog_import
//! ```
//!
//! For each size: a generated catalog (the simulator's generator: `;`, BOM, CRLF, quoted
//! fields, 12 columns), then in the same run
//! * a raw `csv::ByteRecord` scan (the floor),
//! * single-threaded pulls of borrowed (`RowRef`) and owned (`CatalogRow`) typed rows,
//! * the typed import of the local file (`for_each_row`, owned `CatalogRow` per row), and the
//!   same mapped to the shared `Offer`,
//! * Python's `csv.DictReader` over the same file (if `python3` is present),
//! * the typed import streamed over SFTP from the embedded server (loopback).
//!
//! Peak memory is the process's `VmHWM`, reset before each phase through
//! `/proc/self/clear_refs` (Linux).

use std::time::Instant;

use accor_oms::catalog::{self, CatalogOptions};
use connector_core::SecretString;
use connector_sftp::{SftpClient, SftpConfig};
use sandbox_accor_oms::catalog::{
    CATALOG_PATH, CatalogSpec, SFTP_PASSWORD, SFTP_USER, serve_catalog,
};

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn report(name: &str, rows: u64, secs: f64, peak: f64) {
    println!(
        "  {name:<28} {secs:>7.3} s  {:>10.0} rows/s  peak RSS {peak:>6.1} MiB",
        rows as f64 / secs
    );
}

fn main() {
    let sizes: Vec<u64> = std::env::var("ACCOR_BENCH_ROWS")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for rows in sizes {
        let dir = tempfile::tempdir().unwrap();
        let cat = rt
            .block_on(serve_catalog(dir.path(), CatalogSpec::new(rows)))
            .unwrap();
        let path = dir.path().join("outgoing/catalog.csv");
        println!(
            "catalog of {rows} rows, {:.1} MB ({})",
            cat.bytes as f64 / 1e6,
            path.display()
        );

        // Raw scan: the floor.
        reset_peak();
        let t = Instant::now();
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_path(&path)
            .unwrap();
        let mut rec = csv::ByteRecord::new();
        let mut n = 0u64;
        while r.read_byte_record(&mut rec).unwrap() {
            n += 1;
        }
        assert_eq!(n, rows);
        let raw = t.elapsed().as_secs_f64();
        report("raw csv::ByteRecord scan", rows, raw, peak_mib());

        // Single-threaded pull: borrowed typed rows (UTF-8 check, trims, numbers; no allocation).
        reset_peak();
        let t = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let mut rows_ref = catalog::read_rows(file, "catalog.csv", &CatalogOptions::new()).unwrap();
        let mut ok = 0u64;
        while let Some(row) = rows_ref.next_ref() {
            ok += u64::from(std::hint::black_box(row).is_ok());
        }
        assert_eq!(ok, rows);
        let borrowed = t.elapsed().as_secs_f64();
        report("1 thread: typed RowRef", rows, borrowed, peak_mib());
        println!("    / raw = {:.2}x", borrowed / raw);

        // Single-threaded pull: owned typed rows (one allocation each).
        reset_peak();
        let t = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let mut ok = 0u64;
        for row in catalog::read_rows(file, "catalog.csv", &CatalogOptions::new()).unwrap() {
            ok += u64::from(std::hint::black_box(row).is_ok());
        }
        assert_eq!(ok, rows);
        let owned1 = t.elapsed().as_secs_f64();
        report("1 thread: typed CatalogRow", rows, owned1, peak_mib());
        println!("    / raw = {:.2}x", owned1 / raw);

        // The typed import: for_each_row (split on a second thread), each row kept as an owned
        // CatalogRow and handed on (dropped here).
        reset_peak();
        let t = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let rep = catalog::for_each_row(file, "catalog.csv", &CatalogOptions::new(), |row| {
            std::hint::black_box(row.to_owned_row());
        })
        .unwrap();
        assert_eq!((rep.mapped, rep.rejected), (rows, 0));
        let typed = t.elapsed().as_secs_f64();
        report("typed import -> CatalogRow", rows, typed, peak_mib());
        println!("    / raw = {:.2}x", typed / raw);

        // The same, mapped to the shared Offer model (about a dozen allocations per row).
        reset_peak();
        let t = Instant::now();
        let rep = catalog::import_file(&path, &CatalogOptions::new(), |o| {
            std::hint::black_box(o);
        })
        .unwrap();
        assert_eq!((rep.mapped, rep.rejected), (rows, 0));
        let offers = t.elapsed().as_secs_f64();
        report("typed import -> shared Offer", rows, offers, peak_mib());
        println!("    / raw = {:.2}x", offers / raw);

        // Python csv.DictReader.
        let t = Instant::now();
        let py = std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import csv,sys\nn=0\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    for row in csv.DictReader(f, delimiter=';'):\n        n+=1\nprint(n)",
            )
            .arg(&path)
            .output();
        match py {
            Ok(out) if out.status.success() => {
                let secs = t.elapsed().as_secs_f64();
                report("python3 csv.DictReader", rows, secs, f64::NAN);
                println!(
                    "    python / typed CatalogRow = {:.1}x, python / shared Offer = {:.1}x",
                    secs / typed,
                    secs / offers
                );
            }
            _ => println!("  python3 not available: skipped"),
        }

        // Typed import streamed over SFTP (loopback).
        let config = SftpConfig::builder(cat.server.host())
            .port(cat.server.port())
            .username(SFTP_USER)
            .password(SecretString::from(SFTP_PASSWORD))
            .host_key_fingerprint(cat.server.host_key_fingerprint())
            .build()
            .unwrap();
        reset_peak();
        let t = Instant::now();
        let rep = rt
            .block_on(async {
                let sftp = SftpClient::new(config);
                catalog::import_sftp(&sftp, CATALOG_PATH, &CatalogOptions::new(), |o| {
                    std::hint::black_box(o);
                })
                .await
            })
            .unwrap();
        assert_eq!(rep.mapped, rows);
        report(
            "typed import over SFTP",
            rows,
            t.elapsed().as_secs_f64(),
            peak_mib(),
        );
        println!("    (SFTP peak includes the embedded server running in this process)");
    }
}
