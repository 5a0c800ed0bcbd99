//! The Accor OMS leg of the quick start: check, validate a cart (one short line), fix it,
//! place the order (split per supplier) and follow one sub-order to SHIPPED, on the simulator.

use anyhow::Context;
use erp_connectors::accor_oms::model::{
    CartLine, CustomerBlock, MiraklOrderState, OrderOffer, PurchaseOrderRequest,
    ValidateCartRequest,
};
use erp_connectors::accor_oms::{AccorClient, AccorConfig};
use erp_connectors::core::SecretString;
use sandbox_accor_oms::{AccorSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};

/// Runs the leg against a fresh simulator.
pub(crate) async fn run() -> anyhow::Result<()> {
    let sandbox = AccorSandbox::start()
        .await
        .context("starting the Accor simulator")?;
    let client = AccorClient::new(
        AccorConfig::builder()
            .custom(sandbox.base_url(), sandbox.token_url())
            .client_id(SANDBOX_CLIENT_ID)
            .client_secret(SecretString::from(SANDBOX_CLIENT_SECRET))
            .build()?,
    )?;
    client.check().await?;
    println!("1. token obtained, welcome text checked");
    let customer = CustomerBlock::new(
        "92320.HB1624",
        "buyer@hotel.example",
        "Ann",
        "Buyer",
        "AA00001221",
        "AA00001221",
        "fr_fr",
    );
    let mut lines = vec![CartLine::new("35308", 10), CartLine::new("35309", 6)];
    let cart = client
        .validate_cart(&ValidateCartRequest::new(
            customer.clone(),
            "FR-FR",
            lines.clone(),
        ))
        .await?;
    for t in cart.supplier_totals() {
        println!(
            "2. supplier {} ({}): goods {} + shipping {} EUR",
            t.shop_id,
            t.shop_name.as_deref().unwrap_or("?"),
            t.goods,
            t.shipping
        );
    }
    for short in cart.short_lines(&lines) {
        println!(
            "   short: offer {} wants {}, {} available -> reduced",
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
    let offers = lines
        .iter()
        .map(|l| OrderOffer::new(l.offer_id.as_str(), l.quantity))
        .collect();
    let placed = client
        .purchase_order(&PurchaseOrderRequest::new(customer, "FR-FR", offers))
        .await?;
    let id = placed.orders[0].order_id.clone();
    println!(
        "3. purchase order placed: {} sub-order(s), first {id}",
        placed.orders.len()
    );
    loop {
        let status = client.status(&id).await?;
        println!("4. {id}: {}", status.order_state.as_str());
        if status.order_state == MiraklOrderState::Shipped {
            println!(
                "   tracking {} {}",
                status.shipping_company.unwrap_or_default(),
                status.shipping_tracking.unwrap_or_default()
            );
            break;
        }
    }
    Ok(())
}
