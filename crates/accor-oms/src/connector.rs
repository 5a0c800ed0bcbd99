//! The [`Connector`] implementation: [`OrderPlacement`] (validate-cart as the quote,
//! purchase-order as the placement) and [`OrderTracking`] (status).

use async_trait::async_trait;
use connector_core::{
    ApiContext, CatalogSource, Connector, Error, Offer, Order, OrderDraft, OrderId, OrderPlacement,
    OrderState, OrderStatus, OrderTracking, PlacedOrder, Platform, Quote, RefusedLine,
    ResultStream,
};

use std::collections::BTreeMap;

use crate::catalog::files::{self, FileOptions, FileRecord};
use crate::catalog::{self, CatalogOptions, ImportReport};
use crate::client::AccorClient;
use crate::convert;
use crate::model::{OrderShop, PurchaseOrderRequest, ValidateCartRequest};

/// Where the connector reads the catalog set: an SFTP server, the catalog's path, and the
/// paths of the other files (companies, addresses, suppliers, pricing, delivery calendars).
///
/// Accor's file names are not public: unless configured with
/// [`CatalogLocation::with_file_path`], a file is looked for next to the catalog under its
/// kind's [`FileRecord::DEFAULT_FILE_NAME`] (`companies.csv`, `addresses.csv`,
/// `suppliers.csv`, `pricing.csv`, `delivery_calendars.csv`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CatalogLocation {
    /// The SFTP connection (Accor's second identity).
    pub sftp: connector_sftp::SftpConfig,
    /// Remote path of the catalog file (`.gz` is gunzipped).
    pub path: String,
    /// Parsing options of the catalog.
    pub options: CatalogOptions,
    /// Remote paths of the other files, by kind ([`FileRecord::KIND`]).
    pub file_paths: BTreeMap<String, String>,
    /// Parsing options of the other files.
    pub file_options: FileOptions,
}

impl CatalogLocation {
    /// A catalog at `path` on the server of `sftp`, default options; the other files next to
    /// it under their default names.
    pub fn new(sftp: connector_sftp::SftpConfig, path: impl Into<String>) -> Self {
        Self {
            sftp,
            path: path.into(),
            options: CatalogOptions::default(),
            file_paths: BTreeMap::new(),
            file_options: FileOptions::default(),
        }
    }

    /// Reads the file of record type `T` from `path`.
    pub fn with_file_path<T: FileRecord>(mut self, path: impl Into<String>) -> Self {
        self.file_paths.insert(T::KIND.to_string(), path.into());
        self
    }

    /// Sets the parsing options of the other files.
    pub fn with_file_options(mut self, options: FileOptions) -> Self {
        self.file_options = options;
        self
    }

    /// The remote path of the file of record type `T`: the configured one, else
    /// [`FileRecord::DEFAULT_FILE_NAME`] in the catalog's folder.
    pub fn file_path<T: FileRecord>(&self) -> String {
        if let Some(p) = self.file_paths.get(T::KIND) {
            return p.clone();
        }
        match self.path.rfind('/') {
            Some(i) => format!("{}/{}", &self.path[..i], T::DEFAULT_FILE_NAME),
            None => T::DEFAULT_FILE_NAME.to_string(),
        }
    }
}

/// Accor OMS seen through the shared traits: [`OrderPlacement`], [`OrderTracking`] and, once
/// a catalog location is given, [`CatalogSource`].
#[derive(Debug, Clone)]
pub struct AccorConnector {
    client: AccorClient,
    catalog: Option<CatalogLocation>,
}

impl AccorConnector {
    /// Wraps a client.
    pub fn new(client: AccorClient) -> Self {
        Self {
            client,
            catalog: None,
        }
    }

    /// Enables [`CatalogSource`] over SFTP.
    pub fn with_catalog(mut self, location: CatalogLocation) -> Self {
        self.catalog = Some(location);
        self
    }

    /// Imports the file of record type `T` (companies, addresses, suppliers, pricing, delivery
    /// calendars; see [`catalog::files`]) over SFTP from [`CatalogLocation::file_path`],
    /// handing each record to `on_record` on a blocking thread.
    pub async fn import_records<T: FileRecord + 'static>(
        &self,
        on_record: impl FnMut(T) + Send + 'static,
    ) -> Result<ImportReport, Error> {
        let loc = self.catalog.as_ref().ok_or_else(|| {
            Error::config("no catalog location: call AccorConnector::with_catalog")
        })?;
        let sftp = connector_sftp::SftpClient::new(loc.sftp.clone());
        files::import_sftp(&sftp, &loc.file_path::<T>(), &loc.file_options, on_record).await
    }

    /// The platform client, for the Accor-only operations.
    pub fn client(&self) -> &AccorClient {
        &self.client
    }

    fn cart(&self, draft: &OrderDraft) -> Result<ValidateCartRequest, Error> {
        Ok(ValidateCartRequest::new(
            convert::customer_block(&draft.customer)?,
            convert::shipping_zone(self.client.config(), &draft.customer)?,
            convert::cart_lines(&draft.lines)?,
        ))
    }
}

#[async_trait]
impl Connector for AccorConnector {
    fn platform(&self) -> Platform {
        Platform::AccorOms
    }

    async fn check(&self) -> Result<(), Error> {
        self.client.check().await
    }

    fn catalog_source(&self) -> Option<&dyn CatalogSource> {
        self.catalog.as_ref().map(|_| self as &dyn CatalogSource)
    }

    fn order_placement(&self) -> Option<&dyn OrderPlacement> {
        Some(self)
    }

    fn order_tracking(&self) -> Option<&dyn OrderTracking> {
        Some(self)
    }
}

#[async_trait]
impl OrderPlacement for AccorConnector {
    /// validate-cart: stock and this customer's prices per line.
    async fn quote(&self, draft: &OrderDraft) -> Result<Quote, Error> {
        let cart = self.cart(draft)?;
        let resp = self.client.validate_cart(&cart).await?;
        Ok(convert::quote(self.client.config(), &cart.offers, &resp))
    }

    /// purchase-order. When the draft has a delivery date or a comment, validate-cart is
    /// called first to learn each offer's supplier, and `shops[]` carries them for every
    /// supplier (an offer validate-cart refuses is then an `InvalidInput` naming its error
    /// code, and nothing is ordered). Never retried: see [`AccorClient::purchase_order`].
    ///
    /// An answer that creates no sub-order (every offer in `offers_not_shippable`) is an
    /// `Api` error naming the offers and their error codes; offers refused next to created
    /// sub-orders are logged (warning), as `PlacedOrder` cannot carry them.
    async fn place(&self, draft: &OrderDraft) -> Result<PlacedOrder, Error> {
        let cart = self.cart(draft)?;
        let mut offers = convert::order_offers(&draft.lines)?;
        let mut shops: Vec<OrderShop> = Vec::new();
        if draft.requested_delivery.is_some() || draft.comment.is_some() {
            let answer = self.client.validate_cart(&cart).await?;
            for (i, o) in offers.iter_mut().enumerate() {
                let Some((shop, _)) = answer.offer(o.offer_id.as_str()) else {
                    // No supplier for it, so no shops[] entry: say why rather than let the
                    // shops[] check report a missing `from_shop`.
                    let code = answer
                        .errors
                        .iter()
                        .find(|e| e.offer_id.as_ref() == Some(&o.offer_id))
                        .map_or("not in the answer", |e| e.error_code.as_str());
                    return Err(Error::invalid(
                        connector_core::validate::field("offers", i, "offer_id"),
                        format!("was refused by validate-cart ({code}): `{}`", o.offer_id),
                    ));
                };
                let id = shop.shop_id.as_str().to_string();
                o.shop_id = Some(id.clone());
                if !shops.iter().any(|s| s.shop_id.as_str() == id) {
                    let mut s = OrderShop::new(id);
                    s.delivery_instructions = draft.comment.clone();
                    s.delivery_date_selected = draft.requested_delivery;
                    shops.push(s);
                }
            }
        }
        let mut po = PurchaseOrderRequest::new(cart.customer, cart.shipping_zone_code, offers);
        po.shops = shops;
        let resp = self.client.purchase_order(&po).await?;
        let refused = resp
            .offers_not_shippable
            .iter()
            .map(|o| {
                format!(
                    "{} ({})",
                    o.offer_id,
                    o.error_code.as_deref().unwrap_or("no error code")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        if resp.orders.is_empty() {
            // Nothing was created: an `Ok` without any order id would read as "placed".
            return Err(Error::Api {
                context: Box::new(
                    ApiContext::new(format!(
                        "no sub-order was created; offers not shippable: {refused}"
                    ))
                    .with_operation(crate::client::operations::PURCHASE_ORDER),
                ),
            });
        }
        if !refused.is_empty() {
            // Returned in `PlacedOrder::refused_lines` below; logged too, since an order that
            // is only partly placed needs a human.
            tracing::warn!(
                external_id = %draft.external_id,
                offers_not_shippable = %refused,
                "purchase-order created sub-orders without some offers"
            );
        }
        let ids = resp
            .orders
            .iter()
            .map(|o| OrderId::new(o.order_id.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let status = match resp.orders.first().and_then(|o| o.order_state.as_ref()) {
            Some(s) => OrderStatus::new(convert::order_state(s), s.as_str()),
            None => OrderStatus::new(OrderState::Pending, "CREATED"),
        };
        let refused_lines = resp
            .offers_not_shippable
            .iter()
            .map(|o| RefusedLine::new(o.offer_id.to_string(), o.error_code.clone()))
            .collect();
        Ok(PlacedOrder::new(draft.external_id.clone(), ids, status)
            .with_refused_lines(refused_lines))
    }
}

#[async_trait]
impl OrderTracking for AccorConnector {
    /// status of one supplier's logistical order.
    async fn order(&self, id: &OrderId) -> Result<Order, Error> {
        let resp = self.client.status(id.as_str()).await?;
        convert::order(&resp)
    }
}

#[async_trait]
impl CatalogSource for AccorConnector {
    /// Streams the catalog's offers while the file downloads. Malformed rows are skipped and
    /// logged; [`catalog::import_sftp`] gives the counts and row errors.
    async fn offers(&self) -> Result<ResultStream<'_, Offer>, Error> {
        let loc = self.catalog.as_ref().ok_or_else(|| {
            Error::config("no catalog location: call AccorConnector::with_catalog")
        })?;
        let sftp = connector_sftp::SftpClient::new(loc.sftp.clone());
        Ok(catalog::offer_stream_sftp(
            sftp,
            loc.path.clone(),
            loc.options.clone(),
        ))
    }
}
