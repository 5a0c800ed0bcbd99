//! Accor procure-to-pay against the local simulators (no credentials, no network):
//!
//! 1. download and import the catalog over SFTP (streamed, rows reported, counts, progress);
//! 2. pick offers from the imported catalog;
//! 3. validate the cart: live stock and this customer's prices, per supplier;
//! 4. fix the short lines;
//! 5. place the purchase order (one sub-order per supplier; a delivery-round supplier gets
//!    its `DD/MM/YYYY` date);
//! 6. poll each sub-order's status until it is shipped.
//!
//! ```text
//! cargo run --example accor_procure_to_pay            # 50,000 catalog rows
//! ACCOR_CATALOG_ROWS=1000000 cargo run --release --example accor_procure_to_pay
//! ```

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, Utc};
use erp_connectors::accor_oms::catalog::{self, CatalogOptions};
use erp_connectors::accor_oms::model::{
    CartLine, CustomerBlock, MiraklOrderState, OrderOffer, OrderShop, PurchaseOrderRequest,
    ValidateCartRequest,
};
use erp_connectors::accor_oms::{AccorClient, AccorConfig};
use erp_connectors::core::{Availability, Offer, SecretString};
use erp_connectors::sftp::{SftpClient, SftpConfig};
use sandbox_accor_oms::catalog::{
    CATALOG_PATH, CatalogSpec, SFTP_PASSWORD, SFTP_USER, serve_catalog, sim_offer,
};
use sandbox_accor_oms::{
    AccorSandbox, AccorSimulator, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, default_offers,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: u64 = std::env::var("ACCOR_CATALOG_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let work = std::env::temp_dir().join(format!("accor-p2p-{}", std::process::id()));
    let result = run(&work, rows).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn run(work: &std::path::Path, rows: u64) -> anyhow::Result<()> {
    // 1. Catalog over SFTP (the second Accor identity: user/password, pinned host key).
    let cat = serve_catalog(work, CatalogSpec::new(rows))
        .await
        .context("starting the catalog SFTP server")?;
    let sftp = SftpClient::new(
        SftpConfig::builder(cat.server.host())
            .port(cat.server.port())
            .username(SFTP_USER)
            .password(SecretString::from(SFTP_PASSWORD))
            .host_key_fingerprint(cat.server.host_key_fingerprint())
            .build()?,
    );
    let picked: Arc<Mutex<Vec<Offer>>> = Arc::default();
    let keep = picked.clone();
    let options = CatalogOptions::new().progress(rows.div_ceil(5).max(1), |n, bytes| {
        println!("   ... {n} rows, {:.1} MB", bytes as f64 / 1e6)
    });
    let started = Instant::now();
    let report = catalog::import_sftp(&sftp, CATALOG_PATH, &options, move |offer| {
        // 2. Keep a few in-stock offers of the first rows (one per supplier is enough).
        let mut p = keep.lock().unwrap_or_else(|e| e.into_inner());
        let in_stock = matches!(offer.availability, Availability::InStock(_));
        let new_shop = !p.iter().any(|o| o.shop_id == offer.shop_id);
        if p.len() < 4 && in_stock && new_shop {
            p.push(offer);
        }
    })
    .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "1. catalog {} ({:.1} MB): {report} in {secs:.2} s ({:.0} rows/s)",
        CATALOG_PATH,
        cat.bytes as f64 / 1e6,
        report.read as f64 / secs
    );
    let picked = picked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for o in &picked {
        println!(
            "2. picked offer {} from {} ({}), catalog price {}",
            o.id,
            o.shop_name.as_deref().unwrap_or("?"),
            o.product.name,
            o.price_tiers
                .first()
                .map(|t| t.unit_price.to_string())
                .unwrap_or_default()
        );
    }

    // The OMS simulator sells the catalog's first rows (same ids, stock, prices).
    let mut offers = default_offers();
    offers.extend((0..rows.min(1000)).map(sim_offer));
    let sandbox = AccorSandbox::start_with(AccorSimulator::new(offers)).await?;
    let client = AccorClient::new(
        AccorConfig::builder()
            .custom(sandbox.base_url(), sandbox.token_url())
            .client_id(SANDBOX_CLIENT_ID)
            .client_secret(SecretString::from(SANDBOX_CLIENT_SECRET))
            .build()?,
    )?;
    client.check().await?;
    let customer = CustomerBlock::new(
        "92320.HB1624",
        "purchasing@hotel-du-port.example",
        "Ann",
        "Buyer",
        "AA00001221",
        "AA00001221",
        "fr_fr",
    )
    .with_profession("Purchasing");

    // 3. Validate: ask for more than the stock of the first offer to see a short line.
    let mut lines: Vec<CartLine> = picked
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let stock = match o.availability {
                Availability::InStock(q) => q.try_into().unwrap_or(1u32),
                _ => 1,
            };
            CartLine::new(o.id.as_str(), if i == 0 { stock + 5 } else { stock.min(3) })
        })
        .collect();
    let cart = client
        .validate_cart(&ValidateCartRequest::new(
            customer.clone(),
            "FR-FR",
            lines.clone(),
        ))
        .await?;
    for t in cart.supplier_totals() {
        println!(
            "3. supplier {} ({}): goods {} EUR + shipping {} EUR",
            t.shop_id,
            t.shop_name.as_deref().unwrap_or("?"),
            t.goods,
            t.shipping
        );
    }
    for l in &lines {
        if let Some(p) = cart.unit_price(l.offer_id.as_str()) {
            println!(
                "   offer {}: {} x {p} EUR (price for this customer)",
                l.offer_id, l.quantity
            );
        }
    }

    // 4. Fix the short lines.
    for short in cart.short_lines(&lines) {
        println!(
            "4. short: offer {} asked {}, {} available -> reduced",
            short.offer_id, short.requested, short.available
        );
        for l in lines
            .iter_mut()
            .filter(|l| l.offer_id.as_str() == short.offer_id)
        {
            l.quantity = short.available;
        }
    }
    lines.retain(|l| l.quantity > 0);

    // 5. Place: shop data for every supplier, a date for the delivery-round bakery.
    let shop_of = |id: &str| cart.offer(id).map(|(s, _)| s.shop_id.as_str().to_string());
    let mut po = PurchaseOrderRequest::new(
        customer,
        "FR-FR",
        lines
            .iter()
            .map(|l| {
                let o = OrderOffer::new(l.offer_id.as_str(), l.quantity);
                match shop_of(l.offer_id.as_str()) {
                    Some(s) => o.from_shop(s),
                    None => o,
                }
            })
            .collect(),
    );
    for shop in cart.orders.iter() {
        let rounds = shop
            .selected_shipping_type
            .as_ref()
            .is_some_and(|t| t.code == "DELIVERY_ROUND");
        let mut s =
            OrderShop::new(shop.shop_id.as_str()).with_instructions("Goods reception, back door");
        if rounds {
            s = s
                .with_delivery_rounds()
                .with_delivery_date((Utc::now() + Duration::days(3)).date_naive());
        }
        po = po.with_shop(s);
    }
    let placed = client.purchase_order(&po).await?;
    for o in &placed.orders {
        println!(
            "5. sub-order {} for supplier {}: {} EUR",
            o.order_id,
            o.shop_name.as_deref().unwrap_or("?"),
            o.total_price.unwrap_or_default()
        );
    }

    // 6. Poll until shipped.
    for o in &placed.orders {
        loop {
            let status = client.status(&o.order_id).await?;
            if status.order_state == MiraklOrderState::Shipped {
                println!(
                    "6. {} SHIPPED, {} {}",
                    o.order_id,
                    status.shipping_company.unwrap_or_default(),
                    status.shipping_tracking.unwrap_or_default()
                );
                break;
            }
            println!("   {}: {}", o.order_id, status.order_state.as_str());
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    Ok(())
}
