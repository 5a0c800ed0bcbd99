//! ONe B2B end to end against the local simulator (no credentials, no network):
//! push clients, stock and prices; pull new orders through the persistent cursor; confirm and
//! ship them; send the invoice with its PDF; then run two flows on a tokio interval, as an
//! application's scheduler would.
//!
//! ```text
//! cargo run --example one_b2b_sync
//! ```

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use erp_connectors::core::{FileCursorStore, InMemoryCursorStore, SecretString};
use erp_connectors::one_b2b::model::{
    CatalogPrice, Client, ClientData, ClientType, Invoice, OrderEvent, OrderEventType,
    PaymentStatus, QuantityChange, RetailPrice, ShipmentStatus, StockLine, TotalPrices,
    TradeCredit, Waybill,
};
use erp_connectors::one_b2b::schedule::{Flow, schedule_of};
use erp_connectors::one_b2b::{DocumentKind, EventCursor, Feed, OneClient, OneConfig, SCHEDULE};
use futures::stream;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox_one_b2b::{OneSandbox, SANDBOX_API_KEY, SANDBOX_TENANT};
use serde_json::json;

fn order(n: u32) -> serde_json::Value {
    json!({
        "id": format!("OF/{n}/11/2026/01"), "orderId": format!("OF/{n}/11/2026"),
        "clientId": "org:ACME", "status": "NEW", "paymentStatus": "PENDING", "currencyCode": "PLN",
        "productLines": [
            {"sku": "SKU-0000001", "name": "Wiertarka", "lineNumber": 1, "quantityOrderedInContentUnit": 2,
             "price": {"netContentUnitPrice": 199.0, "netValue": 398.0, "taxRate": 23, "grossValue": 489.54}}
        ]
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
    println!("ONe simulator at {} ({one:?})", sandbox.base_url());

    // 1. Clients, with their trade credit (stage I).
    let report = one
        .create_clients(
            stream::iter(vec![Client::new("org:ACME"), Client::new("ind:1001")]),
            None,
        )
        .await?;
    println!("1. clients: {report}");
    let credits = one
        .put_trade_credits(stream::iter(vec![
            ("org:ACME".to_string(), TradeCredit::limit(dec!(50000))),
            ("org:UNKNOWN".to_string(), TradeCredit::limit(dec!(100))),
        ]))
        .await?;
    println!("   trade credits: {credits}");
    for f in &credits.rejected {
        println!("   - {} refused, the run went on: {}", f.key, f.error);
    }

    // 2. Stock: 25,001 lines in three requests; one bad line isolated and reported.
    let lines = (0..25_001).map(|i| {
        let id = if i == 17 {
            "SKU-BAD".to_string()
        } else {
            format!("SKU-{i:07}")
        };
        StockLine::new(id, Decimal::from(i % 40))
    });
    let report = one.push_stock("WH-1", stream::iter(lines), None).await?;
    println!("2. stock: {report}");
    for f in &report.rejected {
        println!("   - line {} ({}) refused: {}", f.index, f.key, f.error);
    }

    // 3. Prices: B2C retail and B2B catalog (main catalog pricing).
    let main = one.main_catalog_id().await?;
    let retail = one
        .push_retail_prices(
            stream::iter(vec![RetailPrice::new("SKU-0000001", dec!(244.77))]),
            None,
        )
        .await?;
    let catalog = one
        .push_catalog_prices(
            stream::iter(vec![CatalogPrice::new(
                main.clone(),
                "SKU-0000001",
                dec!(199),
            )]),
            None,
        )
        .await?;
    println!("3. prices: retail {retail}; catalog ({main}) {catalog}");

    // 4. Orders through the persistent cursor (a file store: a restart resumes here).
    sandbox.sim.place_order(order(1));
    sandbox.sim.place_order(order(2));
    let dir = std::env::temp_dir().join(format!("one-b2b-sync-{}", std::process::id()));
    let cursor = EventCursor::new(
        one.clone(),
        Arc::new(FileCursorStore::new(&dir)),
        Feed::Orders,
    );
    let mut new_shipments = Vec::new();
    let handled = cursor
        .drain(|e: OrderEvent| {
            if e.event_type == OrderEventType::Added
                && let Some(s) = e.shipment_id
            {
                new_shipments.push(s);
            }
            async { Ok(()) }
        })
        .await?;
    println!(
        "4. order events handled: {handled}; cursor now {}",
        cursor.position().await?
    );

    // 5. Confirm and ship each new order.
    for id in &new_shipments {
        let so = one.sales_order(id).await?;
        one.set_shipment_status(id, &ShipmentStatus::Accepted)
            .await?;
        one.confirm_delivery_date(
            id,
            erp_connectors::one_b2b::chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
                .context("date")?,
        )
        .await?;
        let shipped: Vec<QuantityChange> = so
            .product_lines
            .iter()
            .map(|l| {
                QuantityChange::new(
                    l.sku.clone(),
                    l.quantity_ordered_in_content_unit.unwrap_or_default(),
                )
            })
            .collect();
        one.set_shipped_quantities(id, &shipped).await?;
        one.add_waybills(
            id,
            &[Waybill::new(format!("DPD-{}", id.len())).with_carrier("DPD")],
        )
        .await?;
        one.set_shipment_status(id, &ShipmentStatus::Sent).await?;
        one.set_payment_status(id, &PaymentStatus::Paid).await?;
        println!(
            "5. shipped {id}: {}",
            sandbox.sim.shipment(id).context("stored")?["status"]
        );
    }

    // 6. The invoice and its PDF (two steps).
    let mut buyer = ClientData::default();
    buyer.client_id = Some("org:ACME".into());
    buyer.client_type = Some(ClientType::Organization);
    let invoice = Invoice::new(
        "FV/2026/11/1",
        buyer,
        TotalPrices::new(dec!(398), dec!(489.54), dec!(91.54)),
        "PLN",
    );
    one.put_invoice(&invoice).await?;
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF".to_vec();
    let upload = one
        .upload_pdf(DocumentKind::Invoice, "FV/2026/11/1", pdf)
        .await?;
    println!(
        "6. invoice sent, PDF upload {upload}: {}",
        sandbox.sim.upload(&upload).context("upload")?
    );

    // 7. Two flows on a tokio interval. ONe suggests stocks every 2 minutes and orders every
    //    minute; the demo runs them 600x faster for three ticks.
    for flow in [Flow::Stocks, Flow::OrdersPull] {
        let row = schedule_of(flow).context("schedule")?;
        let next = row
            .cadence
            .next_after(erp_connectors::one_b2b::chrono::Utc::now())
            .context("time-based")?;
        println!(
            "7. {flow:?}: {} (next run {})",
            row.note,
            next.format("%H:%M:%S")
        );
    }
    let orders_cursor = EventCursor::new(
        one.clone(),
        Arc::new(InMemoryCursorStore::new()),
        Feed::Orders,
    );
    let mut stock_tick = tokio::time::interval(Duration::from_millis(200));
    let mut order_tick = tokio::time::interval(Duration::from_millis(100));
    let (mut stock_runs, mut order_runs) = (0, 0);
    while stock_runs < 3 {
        tokio::select! {
            _ = stock_tick.tick() => {
                stock_runs += 1;
                let lines = (0..1_000).map(|i| StockLine::new(format!("SKU-{i:07}"), Decimal::from(stock_runs)));
                let r = one.push_stock("WH-1", stream::iter(lines), None).await?;
                println!("   stock tick {stock_runs}: {r}");
            }
            _ = order_tick.tick() => {
                order_runs += 1;
                if order_runs == 2 {
                    sandbox.sim.place_order(order(3));
                }
                let p = orders_cursor.poll(|e: OrderEvent| async move {
                    println!("   order tick: {:?} {}", e.event_type, e.order_id);
                    Ok(())
                }).await?;
                let _ = p;
            }
        }
    }
    println!("   {} flows in the schedule table", SCHEDULE.len());
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
