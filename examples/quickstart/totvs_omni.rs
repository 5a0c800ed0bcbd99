//! The TOTVS Omni leg of the quick start: a stock load through the documented multipart call,
//! and a paid order confirmed, all on the local simulator.

use erp_connectors::totvs_omni::{
    IntegrationType, OmniClient, OmniConfig, SecretString, StockLine,
};
use futures::stream;
use rust_decimal_macros::dec;
use sandbox_totvs_omni as sim;

/// Loads stock and confirms the first paid order.
pub(crate) async fn run() -> anyhow::Result<()> {
    let omni = sim::OmniSimulator::start().await?;
    let client = OmniClient::new(
        OmniConfig::builder(
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
        .build()?,
    )?;
    // Omni refuses stock for products it does not have: products first.
    let products = vec![erp_connectors::totvs_omni::ProductLine::new(
        "CAM-P",
        "Camiseta P",
    )];
    client
        .loads()
        .load(IntegrationType::Products, stream::iter(products))
        .await?;
    let receipt = client
        .loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("CAM-P", "LOJA-01", dec!(12))]),
        )
        .await?;
    println!(
        "1. stock load (integrationType {}): {} record, execution {:?}",
        receipt.integration_type, receipt.records, receipt.job_id
    );
    let orders = client.orders()?;
    for order in orders.pending_confirmation(1).await?.orders {
        orders.confirm(&order.id).await?;
        println!(
            "2. paid order {} confirmed: now {}",
            order.id,
            orders.get(&order.id).await?.status
        );
    }
    Ok(())
}
