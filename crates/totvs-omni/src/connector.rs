//! The [`Connector`] implementation: `ProductSink`, `PriceSink`, `StockSink` and `OrderFeed`.

use async_trait::async_trait;
use connector_core::{
    BatchOptions, BatchReport, BatchRunner, Chunk, ChunkResult, Connector, Error, OrderBatch,
    OrderFeed, OrderId, OrderUpdate, Platform, PriceRecord, PriceSink, Product, ProductSink,
    RecordFailure, RecordStream, Stock, StockSink,
};
use futures::TryStreamExt;
use rust_decimal::Decimal;

use crate::OmniClient;
use crate::convert::{order_to_shared, price_line, product_line, stock_line};
use crate::layout::{LoadFileWriter, LoadRecord};
use crate::loads::{Missing, missing_prerequisite};
use crate::model::{IntegrationType, OmniStatus, RejectItem};
use crate::nfe::{AccessKey, Nfe, NfeDocument};
use crate::orders::ShipmentNotice;

impl OmniClient {
    async fn push<T, L, F>(
        &self,
        input: RecordStream<'_, T>,
        ty: IntegrationType,
        what: &'static str,
        key: fn(&T) -> String,
        convert: F,
    ) -> BatchReport
    where
        T: Send + Sync + 'static,
        L: LoadRecord,
        F: Fn(&T, &str) -> Result<L, Error> + Send + Sync,
    {
        let runner =
            BatchRunner::new(BatchOptions::new(self.config.load_batch_lines).with_concurrency(1));
        let convert = &convert;
        runner
            .run(input, key, |chunk: Chunk<T>| async move {
                let mut bad = Vec::new();
                // Chunk position, SKU and stores of each record written, in file order.
                let mut written: Vec<(usize, String, Vec<String>)> = Vec::new();
                let mut w = LoadFileWriter::temp(ty, self.config.layout.clone()).await?;
                for (i, rec) in chunk.records().iter().enumerate() {
                    let at = format!("{what}[{}]", chunk.first_index() + i);
                    // Validated here with the input position (the writer would name the
                    // record by its position in the file, which skips refused records).
                    let line = match convert(rec, &at).and_then(|l| l.validate(ty, &at).map(|()| l))
                    {
                        Ok(l) => l,
                        Err(e) => {
                            bad.push((i, e));
                            continue;
                        }
                    };
                    if let Err(e) = w.write(&line).await {
                        if matches!(e, Error::InvalidInput { .. }) {
                            bad.push((i, e));
                            continue;
                        }
                        return Err(e);
                    }
                    written.push((
                        i,
                        line.key().to_string(),
                        line.stores().into_iter().map(str::to_string).collect(),
                    ));
                }
                let file = w.finish().await?;
                if file.records() > 0
                    && let Err(error) = self.loads().send(&file).await
                {
                    // A missing store or product concerns every record that needs it: those
                    // are rejected at once, naming it, and the others go again (the file was
                    // refused whole). Never bisected record by record.
                    if let Some(missing) = missing_prerequisite(&error) {
                        let needs = |sku: &str, stores: &[String]| match &missing {
                            Missing::Store(s) => stores.iter().any(|x| x == s),
                            Missing::Product(p) => sku == p,
                        };
                        let culprits: Vec<usize> = written
                            .iter()
                            .filter(|(_, sku, stores)| needs(sku, stores))
                            .map(|(i, _, _)| *i)
                            .collect();
                        if !culprits.is_empty() {
                            let mut ctx = error.context().cloned().unwrap_or_default();
                            ctx.message = match &missing {
                                Missing::Store(s) => format!(
                                    "{} (Omni refused the whole load file: store `{s}` does not \
                                     exist in Omni; register the store with this external id, \
                                     then send these records again)",
                                    ctx.message
                                ),
                                Missing::Product(p) => format!(
                                    "{} (Omni refused the whole load file: product `{p}` was \
                                     never loaded; load the product first, then send these \
                                     records again)",
                                    ctx.message
                                ),
                            };
                            tracing::warn!(
                                ?missing,
                                records = culprits.len(),
                                "load refused: a prerequisite is missing in Omni"
                            );
                            for i in culprits {
                                bad.push((
                                    i,
                                    Error::Api {
                                        context: Box::new(ctx.clone()),
                                    },
                                ));
                            }
                            return Ok(ChunkResult::RejectedRecords(bad));
                        }
                    }
                    // The records refused here keep their own reason; the rest failed with
                    // the upload (a 4xx naming nothing is bisected by the runner instead).
                    if bad.is_empty() || error.is_record_level() {
                        return Err(error);
                    }
                    return Ok(ChunkResult::Interrupted {
                        applied: Vec::new(),
                        rejected: bad,
                        error,
                    });
                }
                Ok(if bad.is_empty() {
                    ChunkResult::Accepted
                } else {
                    ChunkResult::Partial(bad)
                })
            })
            .await
    }
}

#[async_trait]
impl ProductSink for OmniClient {
    async fn push_products(
        &self,
        products: RecordStream<'_, Product>,
    ) -> Result<BatchReport, Error> {
        Ok(self
            .push(
                products,
                IntegrationType::Products,
                "products",
                |p: &Product| p.sku.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                product_line,
            )
            .await)
    }
}

#[async_trait]
impl PriceSink for OmniClient {
    async fn push_prices(
        &self,
        prices: RecordStream<'_, PriceRecord>,
    ) -> Result<BatchReport, Error> {
        Ok(self
            .push(
                prices,
                IntegrationType::Prices,
                "prices",
                |p: &PriceRecord| p.sku.to_string(),
                price_line,
            )
            .await)
    }
}

#[async_trait]
impl StockSink for OmniClient {
    async fn push_stock(&self, stock: RecordStream<'_, Stock>) -> Result<BatchReport, Error> {
        Ok(self
            .push(
                stock,
                IntegrationType::Stock,
                "stock",
                |s: &Stock| s.sku.to_string(),
                stock_line,
            )
            .await)
    }
}

#[async_trait]
impl OrderFeed for OmniClient {
    /// Paid orders pending confirmation. This is a work queue (orders leave it when confirmed
    /// or rejected), so every pull reads it whole and `next_cursor` is always `None`.
    async fn pull_orders(&self, _cursor: Option<&str>) -> Result<OrderBatch, Error> {
        let orders = self.orders()?;
        let list: Vec<_> = orders
            .stream(OmniStatus::PendingConfirmation)
            .try_collect()
            .await?;
        // One order that does not map (unknown currency...) must not hold back the others:
        // it is reported in `rejected` with its id and reason.
        let mut shared = Vec::with_capacity(list.len());
        let mut rejected = Vec::new();
        for (index, order) in list.iter().enumerate() {
            match order_to_shared(order) {
                Ok(o) => shared.push(o),
                Err(e) => rejected.push(RecordFailure {
                    index,
                    key: order.id.clone(),
                    error: std::sync::Arc::new(e),
                }),
            }
        }
        Ok(OrderBatch::new(shared, None).with_rejected(rejected))
    }

    async fn update_order(&self, id: &OrderId, update: OrderUpdate) -> Result<(), Error> {
        let orders = self.orders()?;
        match update {
            OrderUpdate::Confirm => orders.confirm(id.as_str()).await,
            OrderUpdate::RejectLines { lines, reason } => {
                let order = orders.get(id.as_str()).await?;
                // Quantities per SKU (a SKU named twice is one rejection), spread over the
                // order's items of that SKU in order: a SKU can sit on several items.
                let mut wanted: Vec<(&str, Decimal, usize)> = Vec::new();
                for (i, (sku, qty)) in lines.iter().enumerate() {
                    if *qty <= Decimal::ZERO {
                        return Err(Error::invalid(
                            format!("lines[{i}].quantity"),
                            "must be positive",
                        ));
                    }
                    match wanted.iter_mut().find(|w| w.0 == sku.as_str()) {
                        Some(w) => w.1 += *qty,
                        None => wanted.push((sku.as_str(), *qty, i)),
                    }
                }
                let mut items = Vec::new();
                for (sku, mut left, i) in wanted {
                    let mut found = false;
                    for item in order.items.iter().filter(|it| it.sku == sku) {
                        found = true;
                        let take = left.min(item.quantity);
                        if take > Decimal::ZERO {
                            items.push(RejectItem::new(item.item_id.clone(), take));
                            left -= take;
                        }
                    }
                    if !found {
                        return Err(Error::invalid(
                            format!("lines[{i}].sku"),
                            format!("`{sku}` is not in order {id}"),
                        ));
                    }
                    if left > Decimal::ZERO {
                        return Err(Error::invalid(
                            format!("lines[{i}].quantity"),
                            format!("exceeds the quantity of `{sku}` in order {id}"),
                        ));
                    }
                }
                Ok(orders.reject_items(&order, items, &reason).await?)
            }
            OrderUpdate::Invoice(inv) => {
                let key = inv.access_key.as_deref().ok_or_else(|| {
                    Error::invalid("invoice.access_key", "is required for an NF-e")
                })?;
                let series = inv
                    .series
                    .clone()
                    .ok_or_else(|| Error::invalid("invoice.series", "is required for an NF-e"))?;
                let url = inv.url.clone().ok_or_else(|| {
                    Error::invalid(
                        "invoice.url",
                        "is required (or call OrdersClient::invoice with the XML)",
                    )
                })?;
                let nfe = Nfe::new(
                    inv.number.clone(),
                    series,
                    AccessKey::parse_field("invoice.access_key", key)?,
                    inv.issued_on,
                    inv.total.amount,
                    NfeDocument::Url(url),
                )?;
                orders.invoice(id.as_str(), &nfe).await
            }
            OrderUpdate::Ship(shipment) => {
                let t = shipment
                    .tracking
                    .first()
                    .ok_or_else(|| Error::invalid("shipment.tracking", "must not be empty"))?;
                let mut notice = ShipmentNotice::new(
                    t.carrier.clone().unwrap_or_default(),
                    t.number.clone().unwrap_or_default(),
                    shipment
                        .shipped_at
                        .unwrap_or_else(|| self.config.clock.now_utc()),
                );
                notice.tracking_url = t.url.clone();
                orders.ship(id.as_str(), &notice).await
            }
            OrderUpdate::Delivered => {
                orders
                    .deliver(id.as_str(), self.config.clock.now_utc())
                    .await
            }
            _ => Err(Error::unsupported("TOTVS Omni", "this order update")),
        }
    }
}

#[async_trait]
impl Connector for OmniClient {
    fn platform(&self) -> Platform {
        Platform::TotvsOmni
    }

    /// Logs in to the order API when it is configured; the load endpoint has no cheap check
    /// (every call runs an integration), so only its configuration is checked.
    async fn check(&self) -> Result<(), Error> {
        if let Some(cache) = &self.token_cache {
            cache.token().await?;
        }
        Ok(())
    }

    fn order_feed(&self) -> Option<&dyn OrderFeed> {
        self.orders.as_ref().map(|_| self as &dyn OrderFeed)
    }

    fn product_sink(&self) -> Option<&dyn ProductSink> {
        Some(self)
    }

    fn price_sink(&self) -> Option<&dyn PriceSink> {
        Some(self)
    }

    fn stock_sink(&self) -> Option<&dyn StockSink> {
        Some(self)
    }
}
