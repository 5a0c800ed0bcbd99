//! Amazon MCF end to end against the local dynamic simulator: seed FBA stock, preview,
//! create, drive the sandbox order to shipped, track the package, list orders.
//!
//! ```text
//! cargo run --example amazon_mcf_fulfill
//! ```
//!
//! Against Amazon's real sandbox, build the client with `.sandbox()` and your LWA
//! credentials (or `AmazonMcfBuilder::from_env()` with `AMAZON_MCF_ENVIRONMENT=sandbox`)
//! instead of pointing it at the simulator.

use erp_connectors::amazon_mcf::model::Address;
use erp_connectors::amazon_mcf::model::outbound::{
    FulfillmentOrderStatus, GetFulfillmentPreviewItem, GetFulfillmentPreviewRequest,
};
use erp_connectors::amazon_mcf::{AmazonMcfClient, AmazonMcfConnector, InventoryQuery};
use erp_connectors::core::{
    Address as SharedAddress, AddressKind, Connector, Customer, ExternalOrderId, OrderDraft,
    OrderId, OrderLine, Person, SecretString, Sku,
};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sandbox = McfSimulator::new().start().await?;
    let client = AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox() // sandbox-only operations are allowed on this client only
        .endpoint(sandbox.base_url())
        .lwa_url(sandbox.token_url())
        .app_id("ErpConnectorsExample")
        .build()?;

    // 1. Seed FBA stock with the sandbox-only inventory helpers.
    let sku = "MUG-BLUE 12oz";
    client
        .sandbox_create_inventory_item(sku, "Blue mug, 12 oz")
        .await?;
    client
        .sandbox_add_inventory(vec![(sku.to_string(), 25)], "example-seed-1")
        .await?;
    println!("seeded 25 x {sku}");

    // 2. Preview: can Amazon ship it, when, for how much?
    let address = Address::new(
        "Jane Doe",
        "1 Main St",
        Some("Seattle".into()),
        "98101",
        "US",
    );
    let preview = GetFulfillmentPreviewRequest::new(
        address,
        vec![GetFulfillmentPreviewItem::new(sku, "1", 2)],
    );
    for p in client.get_fulfillment_preview(&preview).await? {
        let fees: Vec<String> = p
            .estimated_fees
            .iter()
            .map(|f| format!("{} {} {}", f.name, f.amount.value, f.amount.currency_code))
            .collect();
        let arrival = p
            .fulfillment_preview_shipments
            .first()
            .and_then(|s| s.latest_arrival_date);
        println!(
            "preview {:<10} fulfillable={} arrives by {:?} fees [{}]",
            p.shipping_speed_category,
            p.is_fulfillable,
            arrival,
            fees.join(", ")
        );
    }

    // 3. Create through the shared OrderPlacement trait.
    let connector = AmazonMcfConnector::new(client.clone());
    let mut customer = Customer::new();
    customer.person = Some(Person::new("Jane", "Doe"));
    let mut draft = OrderDraft::new(
        ExternalOrderId::new("ERP-2026-0001")?,
        customer,
        vec![OrderLine::new(Some(Sku::new(sku)?), Decimal::from(2))],
    );
    draft.shipping_address = Some(SharedAddress::postal(
        AddressKind::Delivery,
        "Jane Doe",
        "1 Main St",
        "Seattle",
        "98101",
        "US",
    ));
    let quote = connector
        .order_placement()
        .ok_or_else(|| anyhow::anyhow!("placement"))?
        .quote(&draft)
        .await?;
    println!(
        "quote: fulfillable={} shipping={:?}",
        quote.is_fulfillable(),
        quote.shipping
    );
    let placed = connector
        .order_placement()
        .ok_or_else(|| anyhow::anyhow!("placement"))?
        .place(&draft)
        .await?;
    println!("placed {:?} ({})", placed.order_ids, placed.status);

    // 4. Drive the sandbox order to shipped (sandbox-only status update).
    client
        .submit_fulfillment_order_status_update("ERP-2026-0001", FulfillmentOrderStatus::Complete)
        .await?;
    let order = connector
        .order_tracking()
        .ok_or_else(|| anyhow::anyhow!("tracking"))?
        .order(&OrderId::new("ERP-2026-0001")?)
        .await?;
    println!("order {} is {}", order.id.as_str(), order.status);

    // 5. Track the package.
    let details = client.get_fulfillment_order("ERP-2026-0001").await?;
    for shipment in &details.fulfillment_shipments {
        for package in &shipment.fulfillment_shipment_package {
            let t = client
                .get_package_tracking_details(package.package_number)
                .await?;
            println!(
                "package {} via {} tracking {} status {:?}: {}",
                t.package_number,
                t.carrier_code.as_deref().unwrap_or("?"),
                t.tracking_number.as_deref().unwrap_or("?"),
                t.current_status,
                t.tracking_events
                    .first()
                    .map(|e| e.event_description.as_str())
                    .unwrap_or("")
            );
        }
    }

    // 6. List every order (a stream over pages) and the remaining stock.
    let orders: Vec<_> = client
        .list_all_fulfillment_orders(None)
        .try_collect()
        .await?;
    for o in &orders {
        println!(
            "listed {} {}",
            o.seller_fulfillment_order_id, o.fulfillment_order_status
        );
    }
    let stock: Vec<_> = client
        .get_inventory_summaries(InventoryQuery::all())
        .try_collect()
        .await?;
    for s in &stock {
        println!(
            "stock {}: fulfillable {:?}, total {:?}",
            s.seller_sku.as_deref().unwrap_or("?"),
            s.inventory_details
                .as_ref()
                .and_then(|d| d.fulfillable_quantity),
            s.total_quantity
        );
    }
    Ok(())
}
