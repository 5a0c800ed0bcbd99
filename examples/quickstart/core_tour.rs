//! The core leg of the quick start:
//!
//! 1. shared models: money as decimals, typed ids, a unified order status;
//! 2. a token fetched from the sandbox's OAuth2 endpoint through the token cache;
//! 3. a bulk push split at the API's line limit, with one bad record isolated and reported
//!    while every other record lands.

use std::sync::Arc;

use anyhow::Context;
use erp_connectors::core::batch::{BatchOptions, BatchRunner, ChunkResult};
use erp_connectors::core::{
    Currency, Error, LocationId, Money, OrderState, OrderStatus, SecretString, Sku, Stock,
    SystemClock, TokenCache,
};
use erp_connectors::http::{BearerAuth, HttpClient, OAuth2TokenProvider, Request};
use erp_connectors::sandbox::{Harness, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
use futures::stream;
use rust_decimal_macros::dec;

/// The core leg: models, a token from the sandbox's OAuth2 endpoint, a bulk push with a report.
pub(crate) async fn run() -> anyhow::Result<()> {
    // 1. Models.
    let unit = Money::new(dec!(19.90), Currency::EUR);
    let line_total = unit.times(dec!(3))?;
    println!("1. models: 3 x {unit} = {line_total}");
    let status = OrderStatus::new(OrderState::AwaitingAcceptance, "WAITING_ACCEPTANCE");
    println!(
        "   unified status {status}; final? {}",
        status.state.is_final()
    );

    // 2. A token from the sandbox's OAuth2 endpoint.
    let sandbox = Harness::start().await.context("starting the sandbox")?;
    let provider = OAuth2TokenProvider::client_credentials(
        &sandbox.token_url(),
        SANDBOX_CLIENT_ID,
        SecretString::from(SANDBOX_CLIENT_SECRET.to_string()),
    )?;
    let tokens = Arc::new(TokenCache::new(Arc::new(provider), SystemClock::shared()));
    tokens.token().await?;
    println!(
        "2. token fetched from {} (tokens issued: {})",
        sandbox.token_url(),
        sandbox.issuer.issued()
    );

    // 3. A bulk push: 250 stock lines, 100 per request, one line with a negative quantity.
    let http = HttpClient::builder(sandbox.base_url())
        .auth(Arc::new(BearerAuth::new(tokens)))
        .build()?;
    let location = LocationId::new("WH-CENTRAL")?;
    let mut lines = Vec::new();
    for i in 0..250 {
        let qty = if i == 137 {
            dec!(-5)
        } else {
            rust_decimal::Decimal::from(i % 40)
        };
        lines.push(Stock::new(
            Sku::new(format!("SKU-{i:04}"))?,
            Some(location.clone()),
            qty,
        ));
    }
    let report = BatchRunner::new(BatchOptions::new(100))
        .run(
            stream::iter(lines),
            |s| s.sku.to_string(),
            |chunk| {
                let http = http.clone();
                async move {
                    let body: Vec<_> = chunk
                    .records()
                    .iter()
                    .map(|s| serde_json::json!({
                        "sku": s.sku, "location": s.location, "quantity": s.quantity.to_string()
                    }))
                    .collect();
                    let req = Request::post("demo/stock")
                        .operation("demo.push_stock")
                        .idempotent()
                        .json(&body)?;
                    let resp = http.send_raw(req).await?;
                    if resp.status() == 400 {
                        // The demo API names the bad lines: reject them, the runner resends the rest.
                        let body: serde_json::Value = resp.json()?;
                        let named: Vec<(usize, Error)> = body["errors"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|e| {
                                let index = e["index"].as_u64()? as usize;
                                let field = e["field"].as_str().unwrap_or("line");
                                Some((
                                    index,
                                    Error::invalid(
                                        field,
                                        e["message"].as_str().unwrap_or("refused"),
                                    ),
                                ))
                            })
                            .collect();
                        return Ok(ChunkResult::RejectedRecords(named));
                    }
                    if !(200..300).contains(&resp.status()) {
                        return Err(http.error_for("demo.push_stock", &resp));
                    }
                    Ok(ChunkResult::Accepted)
                }
            },
        )
        .await;
    println!("3. bulk push: {report}");
    for failure in &report.rejected {
        println!(
            "   rejected #{} {}: {}",
            failure.index, failure.key, failure.error
        );
    }
    anyhow::ensure!(report.is_balanced(), "every record must be accounted for");
    anyhow::ensure!(
        report.sent == 249 && report.rejected.len() == 1,
        "unexpected report: {report}"
    );
    println!(
        "   sandbox stored {} lines in {} requests",
        sandbox.demo.stored_lines(),
        sandbox.demo.request_sizes().len()
    );
    Ok(())
}
