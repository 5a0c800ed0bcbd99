//! The shared [`Connector`] view of ONe: [`StockSink`], [`PriceSink`], [`CustomerSink`] and
//! [`OrderFeed`]. Everything else (trade credits, blockades, pricings, documents) is on
//! [`OneClient`] itself.

use std::collections::BTreeSet;

use async_trait::async_trait;
use connector_core::batch::Chunk;
use connector_core::{
    BatchReport, Connector, CursorStore, Customer, CustomerSink, Error, Order, OrderBatch,
    OrderFeed, OrderId, OrderState, OrderStatus, OrderUpdate, Platform, PriceRecord, PriceSink,
    RecordFailure, RecordStream, Stock, StockSink,
};
use futures::StreamExt;

use crate::client::OneClient;
use crate::convert;
use crate::events::{FIRST_EVENT_ID, Feed};
use crate::model::{OrderEventType, QuantityChange, ShipmentStatus, Waybill};

#[async_trait]
impl Connector for OneClient {
    fn platform(&self) -> Platform {
        Platform::OneB2b
    }

    /// Lists warehouses: checks the base URL, the tenant and the key.
    async fn check(&self) -> Result<(), Error> {
        self.warehouses().await.map(|_| ())
    }

    fn order_feed(&self) -> Option<&dyn OrderFeed> {
        Some(self)
    }
    fn price_sink(&self) -> Option<&dyn PriceSink> {
        Some(self)
    }
    fn stock_sink(&self) -> Option<&dyn StockSink> {
        Some(self)
    }
    fn customer_sink(&self) -> Option<&dyn CustomerSink> {
        Some(self)
    }
}

#[async_trait]
impl StockSink for OneClient {
    /// Incremental push; each stock goes to its `location` (warehouse) or the configured
    /// default warehouse. A stock with neither is rejected without being sent.
    async fn push_stock(&self, stock: RecordStream<'_, Stock>) -> Result<BatchReport, Error> {
        let default = self.config.default_warehouse.clone();
        let ops = stock.map(move |s| convert::stock_op(s, default.as_deref()));
        self.push_stock_ops(ops, None).await
    }
}

#[async_trait]
impl PriceSink for OneClient {
    /// Prices with a `price_list` go to the B2B catalog prices (`pricingId`), the others to
    /// B2C retail prices. The amount sent is the net amount; its currency must be the
    /// tenant's (the configured currency): a price in another one is rejected, not sent.
    async fn push_prices(
        &self,
        prices: RecordStream<'_, PriceRecord>,
    ) -> Result<BatchReport, Error> {
        self.push_price_ops(prices.map(convert::price_op), None)
            .await
    }
}

#[async_trait]
impl CustomerSink for OneClient {
    /// Creates the clients (`POST .../clients`); a customer that cannot be mapped (no
    /// `org:`/`ind:` id) is rejected without being sent.
    async fn push_customers(
        &self,
        customers: RecordStream<'_, Customer>,
    ) -> Result<BatchReport, Error> {
        let prepare = |i: usize, c: Customer| {
            let client = convert::client_from_customer(&c).and_then(|cl| {
                crate::account::check_client(&format!("customers[{i}]"), &cl).map(|()| cl)
            });
            client.map_err(|e| {
                let key =
                    c.id.as_ref()
                        .map_or_else(|| format!("#{i}"), |id| id.as_str().to_string());
                (key, e)
            })
        };
        let build = |chunk: &Chunk<_>| {
            OneClient::build_groups(
                chunk,
                |_c: &crate::model::Client| "",
                |_, clients| {
                    let req = self.request(&crate::routes::CLIENTS_CREATE, &[]).reconcile_hint(
                    "read the clients back (GET .../clients/{clientId}) before creating them again",
                );
                    OneClient::with_json(req, "clients", clients)
                },
            )
        };
        self.engine().run(None, customers, prepare, build).await
    }
}

impl OneClient {
    /// [`OrderFeed::pull_orders`] with the feed's position kept in `store` (under
    /// [`Feed::Orders`]'s name, as [`EventCursor`](crate::EventCursor) keeps it): `None`
    /// starts from the saved position (or the start of the feed), and a given cursor is saved
    /// first, since the caller has processed everything before it.
    pub(crate) async fn pull_orders_at(
        &self,
        store: Option<&dyn CursorStore>,
        cursor: Option<&str>,
    ) -> Result<OrderBatch, Error> {
        let key = Feed::Orders.cursor_name();
        let start = match (cursor, store) {
            (Some(c), _) => {
                let start: i64 = c
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid("cursor", "must be an ONe event id (a number)"))?;
                if let Some(store) = store {
                    store.save(key, &start.to_string()).await?;
                }
                start
            }
            (None, Some(store)) => crate::events::saved_position(store, Feed::Orders).await?,
            (None, None) => FIRST_EVENT_ID,
        };
        let page = self.order_events(start, &[]).await?;
        let mut seen = BTreeSet::new();
        let mut orders = Vec::new();
        // The last event of a shipment decides: REMOVED wins only if it is the latest.
        let mut latest: Vec<(&str, &OrderEventType, &str)> = Vec::new();
        for e in page.events.iter().rev() {
            let shipment = e.shipment_id.as_deref().unwrap_or(&e.order_id);
            if seen.insert(shipment) {
                latest.push((shipment, &e.event_type, &e.order_id));
            }
        }
        latest.reverse();
        // A shipment that cannot be read (bad data, an answer that does not decode) is
        // reported in `rejected` and does not hold back the others: the cursor moves on, which
        // it could never do if one bad order failed the whole pull. Transport errors still
        // fail the pull (nothing is skipped; pull again from the same cursor).
        let mut rejected = Vec::new();
        let reject = |index: usize, shipment: &str, error: Error| RecordFailure {
            index,
            key: shipment.to_string(),
            error: std::sync::Arc::new(error),
        };
        for (index, (shipment, kind, order_id)) in latest.into_iter().enumerate() {
            let removed = || -> Result<Order, Error> {
                let mut o = Order::new(
                    OrderId::new(shipment)?,
                    OrderStatus::new(OrderState::Cancelled, "REMOVED"),
                );
                o.extra
                    .insert("orderId".into(), serde_json::Value::String(order_id.into()));
                Ok(o)
            };
            let read = if *kind == OrderEventType::Removed {
                removed()
            } else {
                match self.sales_order(shipment).await {
                    Ok(so) => convert::order_from_sales_order(&so, &self.config.currency),
                    Err(Error::NotFound { .. }) => removed(),
                    Err(e @ Error::Decode { .. }) => Err(e),
                    Err(e) => return Err(e),
                }
            };
            match read {
                Ok(o) => orders.push(o),
                Err(e) => rejected.push(reject(index, shipment, e)),
            }
        }
        Ok(OrderBatch::new(orders, Some(page.next_id.to_string())).with_rejected(rejected))
    }
}

#[async_trait]
impl OrderFeed for OneClient {
    /// Reads one page of order events after `cursor` (the `startId`; `None` = 1) and returns
    /// the current state of each shipment concerned, once. A REMOVED shipment comes back as a
    /// cancelled order with raw status `REMOVED`. Save `next_cursor` after processing.
    ///
    /// With [`OneConfigBuilder::cursor_store`](crate::OneConfigBuilder::cursor_store), the
    /// position is the one an [`EventCursor`](crate::EventCursor) of `Feed::Orders` keeps in
    /// that store: `None` starts from it, and a given cursor is saved there first.
    async fn pull_orders(&self, cursor: Option<&str>) -> Result<OrderBatch, Error> {
        self.pull_orders_at(self.config.cursor_store.as_deref(), cursor)
            .await
    }

    /// `Confirm` → ACCEPTED; `Ship` → shipped quantities, waybills, then SENT; `Delivered` →
    /// DELIVERED; `Cancel` → CANCELLED. Invoices go through [`OneClient::put_invoice`];
    /// line rejections are not offered by ONe ([`Error::Unsupported`]).
    async fn update_order(&self, id: &OrderId, update: OrderUpdate) -> Result<(), Error> {
        let shipment = id.as_str();
        match update {
            OrderUpdate::Confirm => {
                self.set_shipment_status(shipment, &ShipmentStatus::Accepted)
                    .await
            }
            OrderUpdate::Ship(s) => {
                if !s.items.is_empty() {
                    let changes: Vec<QuantityChange> = s
                        .items
                        .iter()
                        .map(|(sku, q)| QuantityChange::new(sku.as_str(), *q))
                        .collect();
                    self.set_shipped_quantities(shipment, &changes).await?;
                }
                let waybills: Vec<Waybill> = s
                    .tracking
                    .iter()
                    .filter_map(|t| {
                        t.number.as_ref().map(|n| {
                            let mut w = Waybill::new(n.clone());
                            w.carrier = t.carrier.clone();
                            w.tracking_url = t.url.clone();
                            w
                        })
                    })
                    .collect();
                if !waybills.is_empty() {
                    self.add_waybills(shipment, &waybills).await?;
                }
                self.set_shipment_status(shipment, &ShipmentStatus::Sent)
                    .await
            }
            OrderUpdate::Delivered => {
                self.set_shipment_status(shipment, &ShipmentStatus::Delivered)
                    .await
            }
            OrderUpdate::Cancel { .. } => {
                self.set_shipment_status(shipment, &ShipmentStatus::Cancelled)
                    .await
            }
            OrderUpdate::Invoice(_) => Err(Error::unsupported(
                "ONe B2B",
                "update_order(Invoice): use OneClient::put_invoice and upload_pdf",
            )),
            _ => Err(Error::unsupported("ONe B2B", "update_order: this update")),
        }
    }
}
