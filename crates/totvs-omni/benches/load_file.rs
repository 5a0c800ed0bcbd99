//! Load-file throughput: writing JSON load files to disk, and delivering one through the
//! multipart call (to the simulator) and the FTP drop (to the embedded FTP server).
//!
//! ```text
//! cargo bench -p totvs-omni --bench load_file            # 1 000 000 stock lines, 200 000 products
//! TOTVS_BENCH_LINES=100000 cargo bench -p totvs-omni --bench load_file
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly by design

use std::sync::Arc;
use std::time::Instant;

use futures::stream;
use rust_decimal::Decimal;
use sandbox_totvs_omni as sim;
use totvs_omni::{
    FtpDrop, IntegrationType, LayoutProfile, LoadFileWriter, Loads, OmniClient, OmniConfig,
    ProductLine, SecretString, StockLine,
};

fn report(what: &str, records: u64, bytes: u64, secs: f64) {
    println!(
        "{what:<44} {records:>9} records {:>8.1} MB {secs:>7.2} s {:>10.0} records/s {:>7.1} MB/s",
        bytes as f64 / 1e6,
        records as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

#[tokio::main]
async fn main() {
    let lines: u64 = std::env::var("TOTVS_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let products = lines / 5;

    let t = Instant::now();
    let mut w = LoadFileWriter::temp(IntegrationType::Stock, LayoutProfile::default())
        .await
        .unwrap();
    let stock = (0..lines).map(|i| {
        StockLine::new(
            format!("SKU-{i:08}"),
            if i % 2 == 0 { "LOJA-01" } else { "CD-SP" },
            Decimal::from(i % 500),
        )
    });
    w.write_all(stream::iter(stock)).await.unwrap();
    let stock_file = w.finish().await.unwrap();
    report(
        "write stock file",
        stock_file.records(),
        stock_file.bytes(),
        t.elapsed().as_secs_f64(),
    );

    let t = Instant::now();
    let mut w = LoadFileWriter::temp(IntegrationType::Products, LayoutProfile::default())
        .await
        .unwrap();
    let items = (0..products).map(|i| {
        ProductLine::new(format!("SKU-{i:08}"), format!("Produto número {i}"))
            .brand("Acme")
            .category("Vestuário > Camisetas")
            .ean("7891234567895")
            .size("M")
            .attribute("material", "algodão")
    });
    w.write_all(stream::iter(items)).await.unwrap();
    let product_file = w.finish().await.unwrap();
    report(
        "write product file",
        product_file.records(),
        product_file.bytes(),
        t.elapsed().as_secs_f64(),
    );

    // Delivery: the products must exist in the simulator for the stock load to be accepted,
    // so deliver the product file first (timed) and the stock file after.
    let omni = sim::OmniSimulator::start().await.unwrap();
    let client = OmniClient::new(
        OmniConfig::builder(
            sim::SITE_ID,
            sim::USERNAME,
            SecretString::from(sim::PASSWORD),
        )
        .load_host(omni.base_url())
        .build()
        .unwrap(),
    )
    .unwrap();
    let t = Instant::now();
    client.loads().send(&product_file).await.unwrap();
    report(
        "exec-post products (upload + simulator parse)",
        product_file.records(),
        product_file.bytes(),
        t.elapsed().as_secs_f64(),
    );

    let ftp = sim::FtpServer::start("bench", "bench-pw").await.unwrap();
    let loads = Loads::new(
        Arc::new(FtpDrop::new(
            "127.0.0.1",
            ftp.port(),
            "bench",
            SecretString::from("bench-pw"),
        )),
        LayoutProfile::default(),
    );
    let t = Instant::now();
    loads.send(&stock_file).await.unwrap();
    report(
        "FTP drop stock file (.part + rename)",
        stock_file.records(),
        stock_file.bytes(),
        t.elapsed().as_secs_f64(),
    );
}
