//! Cross-crate conformance: every platform connector, built against its local simulator, can be
//! held as a `Box<dyn Connector>`, reports what it can do truthfully, passes `check()`, and
//! accounts for every record of a shared stock push.

#![cfg(all(
    feature = "accor-oms",
    feature = "amazon-mcf",
    feature = "one-b2b",
    feature = "totvs-omni"
))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use erp_connectors::accor_oms::{AccorClient, AccorConfig, AccorConnector};
use erp_connectors::amazon_mcf::{AmazonMcfClient, AmazonMcfConnector};
use erp_connectors::core::{Capability, Connector, LocationId, Platform, SecretString, Sku, Stock};
use erp_connectors::one_b2b::{OneClient, OneConfig};
use erp_connectors::totvs_omni::{IntegrationType, OmniClient, OmniConfig, ProductLine};
use futures::{StreamExt, stream};
use rust_decimal::Decimal;

#[tokio::test]
async fn every_connector_is_a_trait_object_that_tells_the_truth() {
    let mcf_sim = sandbox_amazon_mcf::McfSimulator::new()
        .start()
        .await
        .unwrap();
    mcf_sim.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let one_sim = sandbox_one_b2b::OneSandbox::start().await.unwrap();
    let omni_sim = sandbox_totvs_omni::OmniSimulator::start().await.unwrap();
    let accor_sim = sandbox_accor_oms::AccorSandbox::start().await.unwrap();
    let accor = AccorClient::new(
        AccorConfig::builder()
            .custom(accor_sim.base_url(), accor_sim.token_url())
            .client_id(sandbox_accor_oms::SANDBOX_CLIENT_ID)
            .client_secret(SecretString::from(sandbox_accor_oms::SANDBOX_CLIENT_SECRET))
            .build()
            .unwrap(),
    )
    .unwrap();

    let mcf = AmazonMcfClient::builder()
        .client_id(sandbox_amazon_mcf::CLIENT_ID)
        .client_secret(SecretString::from(
            sandbox_amazon_mcf::CLIENT_SECRET.to_string(),
        ))
        .refresh_token(SecretString::from(
            sandbox_amazon_mcf::REFRESH_TOKEN.to_string(),
        ))
        .marketplace_id(sandbox_amazon_mcf::MARKETPLACE_ID)
        .sandbox()
        .endpoint(mcf_sim.base_url())
        .lwa_url(mcf_sim.token_url())
        .build()
        .unwrap();
    let one = OneClient::new(
        OneConfig::builder()
            .base_url(one_sim.base_url())
            .tenant(sandbox_one_b2b::SANDBOX_TENANT)
            .api_key(SecretString::from(
                sandbox_one_b2b::SANDBOX_API_KEY.to_string(),
            ))
            .build()
            .unwrap(),
    )
    .unwrap();
    let omni = OmniClient::new(
        OmniConfig::builder(
            sandbox_totvs_omni::SITE_ID,
            sandbox_totvs_omni::USERNAME,
            SecretString::from(sandbox_totvs_omni::PASSWORD),
        )
        .load_host(omni_sim.base_url())
        .orders_api(
            omni_sim.orders_url(),
            sandbox_totvs_omni::ORDERS_USERNAME,
            SecretString::from(sandbox_totvs_omni::ORDERS_PASSWORD),
        )
        .build()
        .unwrap(),
    )
    .unwrap();
    // TOTVS refuses stock for unknown products: load the product first (ordering rule).
    omni.loads()
        .load(
            IntegrationType::Products,
            stream::iter(vec![ProductLine::new("SKU-1", "Camiseta")]),
        )
        .await
        .unwrap();

    let connectors: Vec<Box<dyn Connector>> = vec![
        Box::new(AccorConnector::new(accor)),
        Box::new(AmazonMcfConnector::new(mcf)),
        Box::new(one),
        Box::new(omni),
    ];

    let expected = [
        // No catalog location configured: the CatalogSource view stays off until `with_catalog`.
        (
            Platform::AccorOms,
            vec![Capability::OrderPlacement, Capability::OrderTracking],
        ),
        (
            Platform::AmazonMcf,
            vec![
                Capability::OrderPlacement,
                Capability::OrderTracking,
                Capability::StockSource,
            ],
        ),
        (
            Platform::OneB2b,
            vec![
                Capability::OrderFeed,
                Capability::PriceSink,
                Capability::StockSink,
                Capability::CustomerSink,
            ],
        ),
        (
            Platform::TotvsOmni,
            vec![
                Capability::OrderFeed,
                Capability::ProductSink,
                Capability::PriceSink,
                Capability::StockSink,
            ],
        ),
    ];
    for (c, (platform, caps)) in connectors.iter().zip(expected) {
        assert_eq!(c.platform(), platform);
        let mut got = c.capabilities();
        let mut want = caps.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{platform}");
        c.check()
            .await
            .unwrap_or_else(|e| panic!("{platform}: check failed: {e}"));
    }

    // One "push stock everywhere" loop over whoever takes stock.
    let stock = || {
        vec![
            Stock::new(
                Sku::new("SKU-1").unwrap(),
                Some(LocationId::new("LOJA-01").unwrap()),
                Decimal::from(5),
            ),
            Stock::new(
                Sku::new("SKU-1").unwrap(),
                Some(LocationId::new("WH-1").unwrap()),
                Decimal::from(7),
            ),
        ]
    };
    let mut sinks = 0;
    for c in &connectors {
        if let Some(sink) = c.stock_sink() {
            sinks += 1;
            let report = sink
                .push_stock(stream::iter(stock()).boxed())
                .await
                .unwrap();
            assert!(report.is_balanced(), "{}: {report}", c.platform());
            assert_eq!(report.total, 2, "{}", c.platform());
            // Each platform knows only its own locations (ONe: warehouse WH-1; TOTVS: store
            // LOJA-01): the other line is reported with the reason, never dropped.
            assert_eq!(report.sent, 1, "{}: {report}", c.platform());
            assert_eq!(report.rejected.len(), 1, "{}: {report}", c.platform());
            let unknown = match c.platform() {
                Platform::OneB2b => "LOJA-01",
                Platform::TotvsOmni => "WH-1",
                other => panic!("unexpected stock sink {other}"),
            };
            let reason = report.rejected[0].error.to_string();
            assert!(reason.contains(unknown), "{}: {reason}", c.platform());
        }
    }
    assert_eq!(sinks, 2);
}
