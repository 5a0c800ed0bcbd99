//! TOTVS Omni end to end against the local simulator (no credentials, no network):
//!
//! 1. load products, then prices, then stock (the sequencer refuses stock for a store Omni
//!    does not have);
//! 2. pull a paid order pending confirmation;
//! 3. reject part of it: first only one item of a kit (refused, the kit rule), then the whole kit;
//! 4. invoice (NF-e) and ship the rest, then mark it delivered;
//! 5. register the payment of an infinite-shelf order, which then joins the paid lifecycle.
//!
//! ```text
//! cargo run --example totvs_omni_sync
//! ```

use chrono::{NaiveDate, Utc};
use erp_connectors::totvs_omni::{
    AccessKey, Nfe, NfeDocument, OmniClient, OmniConfig, Payment, PaymentMethod, PriceLine,
    ProductLine, RejectError, RejectItem, SecretString, ShipmentNotice, StockLine,
};
use futures::stream;
use rust_decimal_macros::dec;
use sandbox_totvs_omni as sim;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let omni = sim::OmniSimulator::start().await?;
    let config = OmniConfig::builder(
        sim::SITE_ID,
        sim::USERNAME,
        SecretString::from(sim::PASSWORD),
    )
    .load_host(omni.base_url())
    .orders_api(
        omni.orders_url(),
        sim::ORDERS_USERNAME,
        SecretString::from(sim::ORDERS_PASSWORD),
    )
    .build()?;
    let client = OmniClient::new(config)?;

    // 1. Loads, in TOTVS's order.
    let report = client
        .sequencer()
        .known_stores(sim::STORES)
        .run(
            stream::iter(vec![
                ProductLine::new("CAM-P", "Camiseta Básica P")
                    .brand("Acme")
                    .size("P"),
                ProductLine::new("KIT-PRAIA-TOALHA", "Toalha de praia"),
                ProductLine::new("KIT-PRAIA-BOLSA", "Bolsa de praia"),
            ]),
            stream::iter(vec![
                PriceLine::new("CAM-P", dec!(129.90)),
                PriceLine::new("KIT-PRAIA-TOALHA", dec!(99.90)),
                PriceLine::new("KIT-PRAIA-BOLSA", dec!(89.90)).promotion(dec!(79.90), None, None),
            ]),
            stream::iter(vec![
                StockLine::new("CAM-P", "LOJA-01", dec!(12)),
                StockLine::new("CAM-P", "LOJA-NOVA", dec!(5)),
            ]),
        )
        .await?;
    for (step, receipt) in [
        ("products", &report.products),
        ("prices", &report.prices),
        ("stock", &report.stock),
    ] {
        if let Some(r) = receipt {
            println!(
                "1. {step}: {} records in {} -> HTTP {:?}, execution {:?}",
                r.records, r.file_name, r.http_status, r.job_id
            );
        }
    }
    for refused in &report.refused_stock {
        println!(
            "   stock line {} not sent: {}",
            refused.index, refused.error
        );
    }

    // 2. A paid order pending confirmation.
    let orders = client.orders()?;
    let order = orders
        .pending_confirmation(1)
        .await?
        .orders
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no paid order pending confirmation"))?;
    println!(
        "2. order {} ({}), {} items",
        order.id,
        order.status,
        order.items.len()
    );

    // 3. Reject the beach kit: one item alone is refused (kit rule), the whole kit is accepted.
    match orders
        .reject_items(&order, vec![RejectItem::new("2", dec!(1))], "avaria")
        .await
    {
        Err(RejectError::KitIncomplete(v)) => println!("3. refused before sending: {v}"),
        other => anyhow::bail!("expected the kit rule to refuse, got {other:?}"),
    }
    orders
        .reject_items(
            &order,
            vec![RejectItem::new("2", dec!(1)), RejectItem::new("3", dec!(1))],
            "kit sem estoque",
        )
        .await?;
    println!(
        "   whole kit rejected: order is now {}",
        orders.get(&order.id).await?.status
    );

    // 4. Invoice and ship the rest, then delivery.
    let nfe = Nfe::new(
        "12345",
        "1",
        AccessKey::parse("35261123456780000190550010000123451000123453")?,
        NaiveDate::from_ymd_opt(2026, 11, 24).ok_or_else(|| anyhow::anyhow!("date"))?,
        dec!(129.90),
        NfeDocument::Url("https://nfe.example.com.br/danfe/12345.xml".into()),
    )?;
    orders.invoice(&order.id, &nfe).await?;
    orders
        .ship(
            &order.id,
            &ShipmentNotice::new("Correios", "BR123456789BR", Utc::now())
                .url("https://rastreamento.correios.com.br/BR123456789BR"),
        )
        .await?;
    orders.deliver(&order.id, Utc::now()).await?;
    println!(
        "4. invoiced (NF-e {}), shipped and delivered: {}",
        nfe.number,
        orders.get(&order.id).await?.status
    );

    // 5. Infinite shelf: pay, then it is a paid order pending confirmation.
    for o in orders.pending_payment(1).await?.orders {
        let amount = o.total.unwrap_or_default();
        orders
            .register_payment(
                &o.id,
                &Payment::new(PaymentMethod::CreditCard, amount, Utc::now())
                    .installments(3)
                    .card("A1B2C3", "000123456"),
            )
            .await?;
        println!(
            "5. infinite-shelf order {} paid ({amount} BRL in 3x): now {}",
            o.id,
            orders.get(&o.id).await?.status
        );
    }
    Ok(())
}
