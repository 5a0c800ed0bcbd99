//! The [`Connector`] implementation: order placement, tracking and FBA stock.

use async_trait::async_trait;
use connector_core::{
    Connector, Error, Order, OrderDraft, OrderId, OrderPlacement, OrderState, OrderStatus,
    OrderTracking, PlacedOrder, Platform, Quote, ResultStream, Stock, StockSource,
};
use futures::StreamExt;

use crate::client::AmazonMcfClient;
use crate::convert::{self, PlacementDefaults};
use crate::inventory::InventoryQuery;
use crate::outbound::CreateOutcome;

/// Amazon MCF as a [`Connector`]: `OrderPlacement` (preview + create), `OrderTracking`,
/// `StockSource` (FBA inventory summaries).
#[derive(Debug, Clone)]
pub struct AmazonMcfConnector {
    client: AmazonMcfClient,
    defaults: PlacementDefaults,
    track_packages: bool,
}

impl AmazonMcfConnector {
    /// A connector over `client` with [`PlacementDefaults::default`].
    pub fn new(client: AmazonMcfClient) -> Self {
        Self {
            client,
            defaults: PlacementDefaults::default(),
            track_packages: true,
        }
    }

    /// Whether [`OrderTracking::order`] also calls `getPackageTrackingDetails` for each
    /// package to fill the tracking link and last carrier event (default true; one call per
    /// package, on that operation's own rate bucket).
    pub fn with_package_tracking(mut self, enabled: bool) -> Self {
        self.track_packages = enabled;
        self
    }

    /// Replaces the placement defaults (speed, action, policy, comment).
    pub fn with_defaults(mut self, defaults: PlacementDefaults) -> Self {
        self.defaults = defaults;
        self
    }

    /// The underlying client (every operation, including the non-shared ones).
    pub fn client(&self) -> &AmazonMcfClient {
        &self.client
    }
}

#[async_trait]
impl Connector for AmazonMcfConnector {
    fn platform(&self) -> Platform {
        Platform::AmazonMcf
    }

    /// Fetches a token and calls `getFeatures` for the default marketplace.
    async fn check(&self) -> Result<(), Error> {
        self.client.get_features(None).await.map(|_| ())
    }

    fn order_placement(&self) -> Option<&dyn OrderPlacement> {
        Some(self)
    }

    fn order_tracking(&self) -> Option<&dyn OrderTracking> {
        Some(self)
    }

    fn stock_source(&self) -> Option<&dyn StockSource> {
        Some(self)
    }
}

#[async_trait]
impl OrderPlacement for AmazonMcfConnector {
    /// `getFulfillmentPreview` for the default speed.
    async fn quote(&self, draft: &OrderDraft) -> Result<Quote, Error> {
        let req = convert::draft_to_preview(draft, &self.defaults)?;
        let previews = self.client.get_fulfillment_preview(&req).await?;
        convert::preview_to_quote(draft, &previews, &self.defaults.shipping_speed)
    }

    /// `createFulfillmentOrder` with the draft's external id as `sellerFulfillmentOrderId`.
    /// The status is `Pending`/`Accepted` (Amazon returns none) or, after a lost answer, the
    /// order's real status.
    async fn place(&self, draft: &OrderDraft) -> Result<PlacedOrder, Error> {
        let req = convert::draft_to_create(draft, &self.defaults, chrono::Utc::now())?;
        let outcome = self.client.create_fulfillment_order(&req).await?;
        let status = match &outcome {
            CreateOutcome::FoundAfterLostAnswer { order, .. } => {
                convert::order_status(&order.fulfillment_order.fulfillment_order_status)
            }
            _ => OrderStatus::new(OrderState::Pending, "Accepted"),
        };
        Ok(PlacedOrder::new(
            draft.external_id.clone(),
            vec![OrderId::new(req.seller_fulfillment_order_id)?],
            status,
        ))
    }
}

#[async_trait]
impl OrderTracking for AmazonMcfConnector {
    /// `getFulfillmentOrder` mapped to the shared `Order` (shipments and packages included),
    /// with each package's tracking link and last carrier event unless
    /// [`AmazonMcfConnector::with_package_tracking`] turned that off. A package the carrier
    /// does not know yet (404) keeps just its carrier and number.
    async fn order(&self, id: &OrderId) -> Result<Order, Error> {
        let r = self.client.get_fulfillment_order(id.as_str()).await?;
        let mut order = convert::order_to_shared(&r)?;
        if !self.track_packages {
            return Ok(order);
        }
        for (shipment, shared) in r
            .fulfillment_shipments
            .iter()
            .zip(order.shipments.iter_mut())
        {
            for (package, tracking) in shipment
                .fulfillment_shipment_package
                .iter()
                .zip(shared.tracking.iter_mut())
            {
                match self
                    .client
                    .get_package_tracking_details(package.package_number)
                    .await
                {
                    Ok(details) => convert::apply_tracking(tracking, &details),
                    Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(order)
    }
}

#[async_trait]
impl StockSource for AmazonMcfConnector {
    /// Every FBA inventory summary of the default marketplace, as a stream.
    async fn stock(&self) -> Result<ResultStream<'_, Stock>, Error> {
        let marketplace = self.client.marketplace_id().to_string();
        Ok(self
            .client
            .get_inventory_summaries(InventoryQuery::all())
            .map(move |r| r.and_then(|s| convert::summary_to_stock(&s, &marketplace)))
            .boxed())
    }
}
