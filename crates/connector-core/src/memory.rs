//! An in-memory connector for application tests: it takes stock and prices, holds orders, and
//! reports every record, so code written against the capability traits can be tested without a
//! platform or a simulator.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use futures::StreamExt;

use crate::batch::{BatchOptions, BatchReport, BatchRunner, ChunkResult};
use crate::connector::{
    Connector, OrderBatch, OrderFeed, OrderUpdate, Platform, PriceSink, RecordStream, ResultStream,
    StockSink, StockSource,
};
use crate::error::{ApiContext, Error};
use crate::ids::OrderId;
use crate::model::{Order, OrderState, OrderStatus, PriceRecord, Stock};

/// A connector that keeps everything in memory.
#[derive(Debug, Default)]
pub struct InMemoryConnector {
    stock: Mutex<BTreeMap<(String, String), Stock>>,
    prices: Mutex<Vec<PriceRecord>>,
    orders: Mutex<Vec<Order>>,
}

impl InMemoryConnector {
    /// An empty connector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an order to the feed.
    pub fn add_order(&self, order: Order) {
        self.orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(order);
    }

    /// The stock levels received, by (location, sku).
    pub fn stock_levels(&self) -> Vec<Stock> {
        self.stock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// The prices received.
    pub fn prices(&self) -> Vec<PriceRecord> {
        self.prices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait]
impl Connector for InMemoryConnector {
    fn platform(&self) -> Platform {
        Platform::Other("in-memory".into())
    }

    async fn check(&self) -> Result<(), Error> {
        Ok(())
    }

    fn stock_sink(&self) -> Option<&dyn StockSink> {
        Some(self)
    }

    fn stock_source(&self) -> Option<&dyn StockSource> {
        Some(self)
    }

    fn price_sink(&self) -> Option<&dyn PriceSink> {
        Some(self)
    }

    fn order_feed(&self) -> Option<&dyn OrderFeed> {
        Some(self)
    }
}

#[async_trait]
impl StockSink for InMemoryConnector {
    async fn push_stock(&self, stock: RecordStream<'_, Stock>) -> Result<BatchReport, Error> {
        let report = BatchRunner::new(BatchOptions::new(1_000))
            .run(
                stock,
                |s| s.sku.to_string(),
                |chunk| {
                    let mut bad = Vec::new();
                    let mut map = self.stock.lock().unwrap_or_else(|e| e.into_inner());
                    for (i, s) in chunk.records().iter().enumerate() {
                        if s.quantity.is_sign_negative() && !s.quantity.is_zero() {
                            bad.push((i, Error::invalid("quantity", "must not be negative")));
                        } else {
                            let loc = s
                                .location
                                .as_ref()
                                .map(|l| l.to_string())
                                .unwrap_or_default();
                            map.insert((loc, s.sku.to_string()), s.clone());
                        }
                    }
                    let result = if bad.is_empty() {
                        ChunkResult::Accepted
                    } else {
                        ChunkResult::Partial(bad)
                    };
                    async move { Ok(result) }
                },
            )
            .await;
        Ok(report)
    }
}

#[async_trait]
impl StockSource for InMemoryConnector {
    async fn stock(&self) -> Result<ResultStream<'_, Stock>, Error> {
        Ok(futures::stream::iter(self.stock_levels().into_iter().map(Ok)).boxed())
    }
}

#[async_trait]
impl PriceSink for InMemoryConnector {
    async fn push_prices(
        &self,
        prices: RecordStream<'_, PriceRecord>,
    ) -> Result<BatchReport, Error> {
        let report = BatchRunner::new(BatchOptions::new(1_000))
            .run(
                prices,
                |p| p.sku.to_string(),
                |chunk| {
                    self.prices
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(chunk.records().iter().cloned());
                    async { Ok(ChunkResult::Accepted) }
                },
            )
            .await;
        Ok(report)
    }
}

#[async_trait]
impl OrderFeed for InMemoryConnector {
    async fn pull_orders(&self, cursor: Option<&str>) -> Result<OrderBatch, Error> {
        let start: usize = match cursor {
            Some(c) => c
                .parse()
                .map_err(|_| Error::invalid("cursor", "must be a number"))?,
            None => 0,
        };
        let orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let batch: Vec<Order> = orders.iter().skip(start).cloned().collect();
        Ok(OrderBatch::new(batch, Some(orders.len().to_string())))
    }

    async fn update_order(&self, id: &OrderId, update: OrderUpdate) -> Result<(), Error> {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let order = orders
            .iter_mut()
            .find(|o| &o.id == id)
            .ok_or_else(|| Error::NotFound {
                context: Box::new(ApiContext::new(format!("order {id}"))),
            })?;
        let (state, raw) = match update {
            OrderUpdate::Confirm => (OrderState::Processing, "CONFIRMED"),
            OrderUpdate::Ship(shipment) => {
                order.shipments.push(shipment);
                (OrderState::Shipped, "SHIPPED")
            }
            OrderUpdate::Delivered => (OrderState::Delivered, "DELIVERED"),
            OrderUpdate::Cancel { .. } => (OrderState::Cancelled, "CANCELLED"),
            _ => return Err(Error::unsupported("in-memory", "this order update")),
        };
        order.status = OrderStatus::new(state, raw);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Capability;
    use crate::ids::Sku;
    use futures::stream;
    use rust_decimal_macros::dec;

    #[tokio::test]
    async fn connectors_can_be_held_as_trait_objects_and_asked_what_they_can_do() {
        let all: Vec<Box<dyn Connector>> = vec![Box::new(InMemoryConnector::new())];
        for c in &all {
            assert!(c.can(Capability::StockSink));
            assert!(!c.can(Capability::OrderPlacement));
            let sink = c.stock_sink().unwrap();
            let report = sink
                .push_stock(
                    stream::iter(vec![
                        Stock::new(Sku::new("A").unwrap(), None, dec!(3)),
                        Stock::new(Sku::new("B").unwrap(), None, dec!(-1)),
                    ])
                    .boxed(),
                )
                .await
                .unwrap();
            assert_eq!(report.sent, 1);
            assert_eq!(report.rejected.len(), 1);
            assert_eq!(report.rejected[0].key, "B");
        }
    }

    #[tokio::test]
    async fn order_feed_moves_orders_along() {
        let c = InMemoryConnector::new();
        let id = OrderId::new("O-1").unwrap();
        c.add_order(Order::new(
            id.clone(),
            OrderStatus::new(OrderState::AwaitingAcceptance, "NEW"),
        ));
        let batch = c.pull_orders(None).await.unwrap();
        assert_eq!(batch.orders.len(), 1);
        assert_eq!(
            c.pull_orders(batch.next_cursor.as_deref())
                .await
                .unwrap()
                .orders
                .len(),
            0
        );
        c.update_order(&id, OrderUpdate::Confirm).await.unwrap();
        assert_eq!(
            c.pull_orders(None).await.unwrap().orders[0].status.state,
            OrderState::Processing
        );
        assert!(
            c.update_order(&OrderId::new("nope").unwrap(), OrderUpdate::Confirm)
                .await
                .is_err()
        );
    }
}
