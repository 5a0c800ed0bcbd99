//! Quick-start leg: Amazon MCF against the local dynamic simulator.

use erp_connectors::amazon_mcf::model::outbound::FulfillmentOrderStatus;
use erp_connectors::amazon_mcf::{AmazonMcfClient, AmazonMcfConnector};
use erp_connectors::core::{
    Address, AddressKind, Connector, Customer, ExternalOrderId, OrderDraft, OrderId, OrderLine,
    SecretString, Sku,
};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

pub(crate) async fn run() -> anyhow::Result<()> {
    let sandbox = McfSimulator::new().start().await?;
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(sandbox.base_url())
        .lwa_url(sandbox.token_url())
        .build()?;
    let mcf = AmazonMcfConnector::new(client.clone());
    let mut draft = OrderDraft::new(
        ExternalOrderId::new("QS-1")?,
        Customer::new(),
        vec![OrderLine::new(Some(Sku::new("MUG-1")?), Decimal::from(2))],
    );
    draft.shipping_address = Some(Address::postal(
        AddressKind::Delivery,
        "Jane Doe",
        "1 Main St",
        "Seattle",
        "98101",
        "US",
    ));
    let placed = mcf
        .order_placement()
        .ok_or_else(|| anyhow::anyhow!("MCF places orders"))?
        .place(&draft)
        .await?;
    println!("placed {:?}", placed.order_ids);
    client
        .submit_fulfillment_order_status_update("QS-1", FulfillmentOrderStatus::Complete)
        .await?;
    let order = mcf
        .order_tracking()
        .ok_or_else(|| anyhow::anyhow!("MCF tracks orders"))?
        .order(&OrderId::new("QS-1")?)
        .await?;
    let tracking = order.shipments.first().and_then(|s| s.tracking.first());
    println!(
        "order {} is {} (carrier {:?}, tracking {:?})",
        order.id.as_str(),
        order.status,
        tracking.and_then(|t| t.carrier.clone()),
        tracking.and_then(|t| t.number.clone())
    );
    let stock: Vec<_> = mcf
        .stock_source()
        .ok_or_else(|| anyhow::anyhow!("MCF reads FBA stock"))?
        .stock()
        .await?
        .try_collect()
        .await?;
    println!(
        "FBA stock: {} x {} left",
        stock[0].quantity,
        stock[0].sku.as_str()
    );
    Ok(())
}
