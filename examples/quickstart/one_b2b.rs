//! The ONe B2B leg of the quick start: stock in requests of 10,000 lines with a bad line
//! isolated, an order pulled through the event cursor and shipped.

use std::sync::Arc;

use anyhow::Context;
use erp_connectors::core::{InMemoryCursorStore, SecretString};
use erp_connectors::one_b2b::model::{OrderEvent, ShipmentStatus, StockLine, Waybill};
use erp_connectors::one_b2b::{EventCursor, Feed, OneClient, OneConfig};
use futures::stream;
use rust_decimal::Decimal;
use sandbox_one_b2b::{OneSandbox, SANDBOX_API_KEY, SANDBOX_TENANT};
use serde_json::json;

/// Pushes 25,001 stock lines (one bad) and ships one order on the ONe simulator.
pub(crate) async fn run() -> anyhow::Result<()> {
    let sandbox = OneSandbox::start()
        .await
        .context("starting the ONe simulator")?;
    let one = OneClient::new(
        OneConfig::builder()
            .base_url(sandbox.base_url())
            .tenant(SANDBOX_TENANT)
            .api_key(SecretString::from(SANDBOX_API_KEY.to_string()))
            .build()?,
    )?;
    let lines = (0..25_001).map(|i| {
        let id = if i == 4_321 {
            "SKU-BAD".to_string()
        } else {
            format!("SKU-{i}")
        };
        StockLine::new(id, Decimal::from(i % 9))
    });
    let report = one.push_stock("WH-1", stream::iter(lines), None).await?;
    println!("1. stock: {report}");
    for f in &report.rejected {
        println!("   line {} ({}) refused: {}", f.index, f.key, f.error);
    }
    sandbox.sim.place_order(json!({
        "id": "OF/1/11/2026/01", "orderId": "OF/1/11/2026", "status": "NEW",
        "productLines": [{"sku": "SKU-1", "quantityOrderedInContentUnit": 2}]
    }));
    let cursor = EventCursor::new(
        one.clone(),
        Arc::new(InMemoryCursorStore::new()),
        Feed::Orders,
    );
    let mut shipments = Vec::new();
    cursor
        .poll(|e: OrderEvent| {
            shipments.extend(e.shipment_id);
            async { Ok(()) }
        })
        .await?;
    for id in &shipments {
        one.add_waybills(id, &[Waybill::new("DPD-0001").with_carrier("DPD")])
            .await?;
        one.set_shipment_status(id, &ShipmentStatus::Sent).await?;
        println!("2. order {id} pulled through the cursor and shipped");
    }
    Ok(())
}
