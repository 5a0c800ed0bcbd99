//! Event feeds (orders, clients, trade credits, goods-issued notes) and their persistent
//! cursors.
//!
//! ONe's feeds work with ids: ask for the events after `startId` (the first call uses 1), get
//! `{nextId, events}`, process them, and continue from `nextId`. [`EventCursor`] keeps
//! `nextId` in a [`CursorStore`] and saves it only *after* the handler has processed every
//! event of the page, so a job that crashes re-reads that page: delivery is **at least once**.
//!
//! One feed has one position: [`EventCursor`] for orders and the `OrderFeed` of an
//! [`OneClient`] configured with the same store
//! ([`OneConfigBuilder::cursor_store`](crate::OneConfigBuilder::cursor_store)) read and save
//! the same key, and an [`EventCursor`] of [`Feed::Orders`] is itself an `OrderFeed`. Mixing
//! the two APIs never re-reads the feed from the start.
//!
//! Make handlers idempotent: key the work by `(orderId, shipmentId, eventType)` for orders (a
//! repeated `ADDED` must not create a second ERP order: look it up by ONe's shipment id
//! first), and treat `CHANGED`/`CHANGED_PAYMENT` as "read the current state again", never as
//! a delta.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use connector_core::pagination::PageGuard;
use connector_core::{CursorStore, Error, OrderBatch, OrderFeed, OrderId, OrderUpdate};
use serde::de::DeserializeOwned;

use crate::client::OneClient;
use crate::model::EventPage;
use crate::routes::{self, Route};

/// An ONe event feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feed {
    /// Order events (ADDED, REMOVED, CHANGED, CHANGED_PAYMENT), [`crate::model::OrderEvent`].
    Orders,
    /// Client synchronization events, [`crate::model::ClientEvent`].
    Clients,
    /// Trade-credit events (`contexts=INTEGRATIONS`), [`crate::model::TradeCreditEvent`].
    TradeCredits,
    /// Goods-issued-note events, [`crate::model::GoodsIssuedNoteEvent`].
    GoodsIssuedNotes,
}

impl Feed {
    /// The cursor's name in the [`CursorStore`] (`one.orders`, ...).
    pub fn cursor_name(self) -> &'static str {
        match self {
            Self::Orders => "one.orders",
            Self::Clients => "one.clients",
            Self::TradeCredits => "one.trade-credits",
            Self::GoodsIssuedNotes => "one.goods-issued-notes",
        }
    }

    fn route(self) -> Route {
        match self {
            Self::Orders => routes::ORDER_EVENTS,
            Self::Clients => routes::CLIENT_EVENTS,
            Self::TradeCredits => routes::TRADE_CREDIT_EVENTS,
            Self::GoodsIssuedNotes => routes::GIN_EVENTS,
        }
    }
}

/// The first `startId` of a feed.
pub const FIRST_EVENT_ID: i64 = 1;

/// The position of `feed` saved in `store` (the next `startId`), or [`FIRST_EVENT_ID`].
pub(crate) async fn saved_position(store: &dyn CursorStore, feed: Feed) -> Result<i64, Error> {
    match store.load(feed.cursor_name()).await? {
        None => Ok(FIRST_EVENT_ID),
        Some(s) => s.trim().parse().map_err(|_| {
            Error::config(format!(
                "cursor `{}` holds `{s}`, not an event id",
                feed.cursor_name()
            ))
        }),
    }
}

impl OneClient {
    /// One page of `feed` after `start_id`.
    pub async fn events<E: DeserializeOwned>(
        &self,
        feed: Feed,
        start_id: i64,
    ) -> Result<EventPage<E>, Error> {
        let mut req = self
            .request(&feed.route(), &[])
            .query("startId", start_id.to_string())
            .query("numberOfEvents", self.config.events_per_page.to_string());
        if feed == Feed::TradeCredits {
            req = req.query("contexts", "INTEGRATIONS");
        }
        self.call(req).await
    }
}

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Polled {
    /// Events handled.
    pub events: usize,
    /// The cursor now saved.
    pub next_id: i64,
}

/// A feed read through a persistent cursor.
#[derive(Debug, Clone)]
pub struct EventCursor {
    client: OneClient,
    store: Arc<dyn CursorStore>,
    feed: Feed,
}

impl EventCursor {
    /// A cursor over `feed`, saved in `store` under [`Feed::cursor_name`].
    pub fn new(client: OneClient, store: Arc<dyn CursorStore>, feed: Feed) -> Self {
        Self {
            client,
            store,
            feed,
        }
    }

    /// The saved position (the next `startId`), or [`FIRST_EVENT_ID`].
    pub async fn position(&self) -> Result<i64, Error> {
        saved_position(self.store.as_ref(), self.feed).await
    }

    /// Reads one page, hands each event to `handler` in order, then saves `nextId`. If the
    /// handler fails, the cursor is not moved and the error is returned: the next poll sees
    /// the same page again.
    pub async fn poll<E, H, Fut>(&self, mut handler: H) -> Result<Polled, Error>
    where
        E: DeserializeOwned,
        H: FnMut(E) -> Fut,
        Fut: Future<Output = Result<(), Error>>,
    {
        let start = self.position().await?;
        let page: EventPage<E> = self.client.events(self.feed, start).await?;
        let n = page.events.len();
        for e in page.events {
            handler(e).await?;
        }
        if page.next_id != start {
            self.store
                .save(self.feed.cursor_name(), &page.next_id.to_string())
                .await?;
        }
        Ok(Polled {
            events: n,
            next_id: page.next_id,
        })
    }

    /// Polls until a page comes back empty; returns the number of events handled.
    ///
    /// Guarded by the core [`PageGuard`]: a server whose `nextId` goes back to a position this
    /// drain already read (`5 → 6 → 5`), or that never runs dry within
    /// [`DEFAULT_MAX_PAGES`](connector_core::pagination::DEFAULT_MAX_PAGES) pages, ends it with
    /// [`Error::Decode`] naming the feed and the cycle (the events handled before stay
    /// handled, and the cursor stays where the last full page left it).
    pub async fn drain<E, H, Fut>(&self, handler: H) -> Result<usize, Error>
    where
        E: DeserializeOwned,
        H: FnMut(E) -> Fut,
        Fut: Future<Output = Result<(), Error>>,
    {
        self.drain_with(PageGuard::new(self.feed.cursor_name()), handler)
            .await
    }

    /// [`EventCursor::drain`] with `guard` (e.g. a lower page cap).
    pub async fn drain_with<E, H, Fut>(
        &self,
        mut guard: PageGuard,
        mut handler: H,
    ) -> Result<usize, Error>
    where
        E: DeserializeOwned,
        H: FnMut(E) -> Fut,
        Fut: Future<Output = Result<(), Error>>,
    {
        let mut total = 0;
        loop {
            let before = self.position().await?;
            guard.next_page(&before)?;
            let p = self.poll(&mut handler).await?;
            total += p.events;
            if p.events == 0 || p.next_id == before {
                return Ok(total);
            }
        }
    }
}

/// An [`EventCursor`] of [`Feed::Orders`] is an `OrderFeed` over the same saved position:
/// `pull_orders(None)` starts where [`EventCursor::poll`] left off, and `pull_orders(Some(c))`
/// saves `c` first (everything before it was processed), so [`EventCursor::poll`] continues
/// from there. Updates go to the client.
#[async_trait]
impl OrderFeed for EventCursor {
    async fn pull_orders(&self, cursor: Option<&str>) -> Result<OrderBatch, Error> {
        if self.feed != Feed::Orders {
            return Err(Error::config(format!(
                "an EventCursor of {:?} is not an order feed: use Feed::Orders",
                self.feed
            )));
        }
        self.client
            .pull_orders_at(Some(self.store.as_ref()), cursor)
            .await
    }

    async fn update_order(&self, id: &OrderId, update: OrderUpdate) -> Result<(), Error> {
        self.client.update_order(id, update).await
    }
}
