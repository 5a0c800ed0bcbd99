//! Fulfillment Outbound 2020-07-01: every operation of the model.

use chrono::{DateTime, SecondsFormat, Utc};
use connector_core::{ApiContext, Error, Page, ResultStream, paginate};
use connector_http::{Request, encode_segment};
use futures::StreamExt;
use serde::Deserialize;

use crate::client::{AmazonMcfClient, OUTBOUND_PREFIX};
use crate::model::outbound::{
    CreateFulfillmentOrderRequest, CreateFulfillmentReturnRequest, CreateFulfillmentReturnResult,
    Feature, FeatureSku, FulfillmentOrder, FulfillmentOrderStatus, FulfillmentPreview,
    GetDeliveryOffersRequest, GetDeliveryOffersResult, GetFeatureInventoryResult,
    GetFeatureSkuResult, GetFeaturesResult, GetFulfillmentOrderResult,
    GetFulfillmentPreviewRequest, GetFulfillmentPreviewResult, ListAllFulfillmentOrdersResult,
    ListReturnReasonCodesResult, PackageTrackingDetails, ReasonCodeDetails,
    SubmitFulfillmentOrderStatusUpdateRequest, UpdateFulfillmentOrderRequest,
};
use crate::validation;

/// What `createFulfillmentOrder` ended with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CreateOutcome {
    /// Amazon accepted the order (200).
    Accepted,
    /// The answer was lost (timeout, dropped connection, 5xx), but `getFulfillmentOrder`
    /// found the order: it was created. Do not send it again.
    FoundAfterLostAnswer {
        /// Why the answer was lost.
        reason: String,
        /// The order as Amazon has it.
        order: Box<GetFulfillmentOrderResult>,
    },
}

/// Optional filters of `listReturnReasonCodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReturnReasonCodesQuery {
    /// The marketplace (default: the seller's).
    pub marketplace_id: Option<String>,
    /// The order the return is for.
    pub seller_fulfillment_order_id: Option<String>,
    /// Language of the descriptions (`en_US`, `fr_FR`...).
    pub language: Option<String>,
}

fn order_path(id: &str, suffix: &str) -> Result<String, Error> {
    validation::order_id_for_lookup(id)?;
    Ok(format!(
        "{OUTBOUND_PREFIX}/fulfillmentOrders/{}{suffix}",
        encode_segment(id)
    ))
}

impl AmazonMcfClient {
    /// `getFulfillmentPreview`: fulfillment options, dates and fees for an address and items.
    /// The marketplace defaults to the client's.
    pub async fn get_fulfillment_preview(
        &self,
        request: &GetFulfillmentPreviewRequest,
    ) -> Result<Vec<FulfillmentPreview>, Error> {
        validation::preview(request)?;
        let mut body = request.clone();
        body.marketplace_id
            .get_or_insert_with(|| self.marketplace_id.clone());
        let req = Request::post(format!("{OUTBOUND_PREFIX}/fulfillmentOrders/preview"))
            .operation("getFulfillmentPreview")
            .idempotent() // a read, safe to repeat
            .json(&body)?;
        let result: GetFulfillmentPreviewResult = self.payload(req).await?;
        Ok(result.fulfillment_previews)
    }

    /// `deliveryOffers`: delivery promises for a product and destination.
    pub async fn delivery_offers(
        &self,
        request: &GetDeliveryOffersRequest,
    ) -> Result<GetDeliveryOffersResult, Error> {
        let sku = &request.product.product_identifier.merchant_sku;
        connector_core::validate::required("product.productIdentifier.merchantSku", sku)?;
        connector_core::validate::max_chars("product.productIdentifier.merchantSku", sku, 50)?;
        if let Some(amount) = &request.product.amount {
            amount
                .unit_of_measure
                .check_known("product.amount.unitOfMeasure")?;
            if amount.value <= rust_decimal::Decimal::ZERO || !amount.value.fract().is_zero() {
                return Err(Error::invalid(
                    "product.amount.value",
                    format!(
                        "must be a positive whole number of Eaches (got {})",
                        amount.value
                    ),
                ));
            }
        }
        let origin = &request.terms.origin.country_code;
        if origin.chars().count() != 2 {
            return Err(Error::invalid(
                "terms.origin.countryCode",
                "must be a two-letter country code",
            ));
        }
        if request.terms.destination.delivery_address.is_none()
            && request.terms.destination.ip_address.is_none()
        {
            return Err(Error::invalid(
                "terms.destination",
                "needs a deliveryAddress or an ipAddress",
            ));
        }
        if let Some(a) = &request.terms.destination.delivery_address {
            connector_core::validate::required(
                "terms.destination.deliveryAddress.postalCode",
                &a.postal_code,
            )?;
            if a.country_code.chars().count() != 2 {
                return Err(Error::invalid(
                    "terms.destination.deliveryAddress.countryCode",
                    "must be a two-letter country code",
                ));
            }
        }
        if let Some(ip) = &request.terms.destination.ip_address
            && ip.parse::<std::net::IpAddr>().is_err()
        {
            return Err(Error::invalid(
                "terms.destination.ipAddress",
                "must be an IPv4 or IPv6 address",
            ));
        }
        let req = Request::post(format!("{OUTBOUND_PREFIX}/deliveryOffers"))
            .operation("deliveryOffers")
            .idempotent()
            .json(request)?;
        self.payload(req).await
    }

    /// `createFulfillmentOrder`, validated first, never blindly repeated.
    ///
    /// Amazon answers with no body and does not document what a repeated
    /// `sellerFulfillmentOrderId` does, so when the answer is lost (timeout, dropped
    /// connection, 5xx) this looks the order up with `getFulfillmentOrder`:
    /// found → [`CreateOutcome::FoundAfterLostAnswer`]; not found (404) → an
    /// [`Error::Transient`] saying it was not created and is safe to send again; lookup failed
    /// → [`Error::OutcomeUnknown`] with the call to make.
    pub async fn create_fulfillment_order(
        &self,
        request: &CreateFulfillmentOrderRequest,
    ) -> Result<CreateOutcome, Error> {
        let mut body = request.clone();
        body.marketplace_id
            .get_or_insert_with(|| self.marketplace_id.clone());
        // Validated with the marketplace it is placed against (India has extra rules).
        validation::create_order(&body)?;
        let id = body.seller_fulfillment_order_id.clone();
        let req = Request::post(format!("{OUTBOUND_PREFIX}/fulfillmentOrders"))
            .operation("createFulfillmentOrder")
            .reconcile_hint(format!(
                "call get_fulfillment_order(\"{id}\") before sending it again"
            ))
            .json(&body)?;
        match self.no_payload(req).await {
            Ok(()) => Ok(CreateOutcome::Accepted),
            Err(err) if answer_lost(&err) => self.reconcile_create(&id, err).await,
            // A 2xx carrying errors: Amazon may or may not have stored the order.
            Err(Error::Api { context })
                if context.status.is_some_and(|s| (200..300).contains(&s)) =>
            {
                Err(Error::OutcomeUnknown {
                    operation: "createFulfillmentOrder".into(),
                    reason: context.to_string(),
                    reconcile: format!(
                        "call get_fulfillment_order(\"{id}\") before sending it again"
                    ),
                    source: None,
                })
            }
            Err(err) => Err(err),
        }
    }

    async fn reconcile_create(&self, id: &str, original: Error) -> Result<CreateOutcome, Error> {
        let reason = original.to_string();
        tracing::warn!(seller_fulfillment_order_id = id, %reason, "create answer lost; reconciling");
        match self.get_fulfillment_order(id).await {
            Ok(order) => Ok(CreateOutcome::FoundAfterLostAnswer {
                reason,
                order: Box::new(order),
            }),
            Err(Error::NotFound { context }) => {
                let mut ctx = ApiContext::new(format!(
                    "createFulfillmentOrder `{id}` got no answer ({reason}); getFulfillmentOrder \
                     found no such order, so it was not created and is safe to send again"
                ))
                .with_operation("createFulfillmentOrder");
                if let Some(rid) = context.request_id.clone() {
                    ctx = ctx.with_request_id(rid);
                }
                Err(Error::Transient {
                    context: Box::new(ctx),
                    source: Some(Box::new(original)),
                })
            }
            Err(lookup) => Err(Error::OutcomeUnknown {
                operation: "createFulfillmentOrder".into(),
                reason: format!("{reason}; the lookup failed too: {lookup}"),
                reconcile: format!("call get_fulfillment_order(\"{id}\") before sending it again"),
                source: Some(Box::new(original)),
            }),
        }
    }

    /// `getFulfillmentOrder`: the order, its items, shipments, packages and returns.
    pub async fn get_fulfillment_order(
        &self,
        seller_fulfillment_order_id: &str,
    ) -> Result<GetFulfillmentOrderResult, Error> {
        let req = Request::get(order_path(seller_fulfillment_order_id, "")?)
            .operation("getFulfillmentOrder");
        self.payload(req).await
    }

    /// One page of `listAllFulfillmentOrders` (orders updated at or after `query_start_date`).
    pub async fn list_all_fulfillment_orders_page(
        &self,
        query_start_date: Option<DateTime<Utc>>,
        next_token: Option<&str>,
    ) -> Result<ListAllFulfillmentOrdersResult, Error> {
        self.payload(list_request(query_start_date, next_token))
            .await
    }

    /// `listAllFulfillmentOrders` as a stream over every page (the token sits in
    /// `payload.nextToken`; empty pages that still carry a token are followed). An order
    /// that cannot be read is an `Err` item naming its position and id; the other orders of
    /// its page and the following pages still come.
    pub fn list_all_fulfillment_orders(
        &self,
        query_start_date: Option<DateTime<Utc>>,
    ) -> ResultStream<'static, FulfillmentOrder> {
        let client = self.clone();
        paginate(None, move |token: Option<String>| {
            let client = client.clone();
            async move {
                let page: RawOrderPage = client
                    .payload(list_request(query_start_date, token.as_deref()))
                    .await?;
                let orders = page
                    .fulfillment_orders
                    .into_iter()
                    .enumerate()
                    .map(|(i, raw)| decode_order(i, raw))
                    .collect::<Vec<_>>();
                Ok(Page::new(orders, page.next_token.filter(|t| !t.is_empty())))
            }
        })
        .map(|r| r.and_then(|order| order))
        .boxed()
    }

    /// `updateFulfillmentOrder` (e.g. [`UpdateFulfillmentOrderRequest::ship`] to release a
    /// held order). Setting the same fields twice has the same effect, so it is retried.
    pub async fn update_fulfillment_order(
        &self,
        seller_fulfillment_order_id: &str,
        request: &UpdateFulfillmentOrderRequest,
    ) -> Result<(), Error> {
        validation::update_order(request)?;
        let req = Request::put(order_path(seller_fulfillment_order_id, "")?)
            .operation("updateFulfillmentOrder")
            .idempotent()
            .json(request)?;
        self.no_payload(req).await
    }

    /// `cancelFulfillmentOrder` (possible in Received and Planning, not in Processing).
    pub async fn cancel_fulfillment_order(
        &self,
        seller_fulfillment_order_id: &str,
    ) -> Result<(), Error> {
        let req = Request::put(order_path(seller_fulfillment_order_id, "/cancel")?)
            .operation("cancelFulfillmentOrder")
            .idempotent();
        self.no_payload(req).await
    }

    /// `getPackageTrackingDetails` for a `packageNumber` from a shipment.
    ///
    /// Takes (any integer up to) the `i64` that [`FulfillmentShipmentPackage::package_number`](crate::model::outbound::FulfillmentShipmentPackage::package_number)
    /// holds: the model declares this query parameter `int32`, but a number Amazon gave us is
    /// passed back as it came rather than refused or cut (see the open question in
    /// `docs/platforms/amazon-mcf.md`).
    pub async fn get_package_tracking_details(
        &self,
        package_number: impl Into<i64>,
    ) -> Result<PackageTrackingDetails, Error> {
        let package_number: i64 = package_number.into();
        let req = Request::get(format!("{OUTBOUND_PREFIX}/tracking"))
            .operation("getPackageTrackingDetails")
            .query("packageNumber", package_number.to_string());
        self.payload(req).await
    }

    /// `listReturnReasonCodes` for a SKU.
    pub async fn list_return_reason_codes(
        &self,
        seller_sku: &str,
        query: &ReturnReasonCodesQuery,
    ) -> Result<Vec<ReasonCodeDetails>, Error> {
        connector_core::validate::required("sellerSku", seller_sku)?;
        let mut req = Request::get(format!("{OUTBOUND_PREFIX}/returnReasonCodes"))
            .operation("listReturnReasonCodes")
            .query("sellerSku", seller_sku);
        if let Some(m) = &query.marketplace_id {
            req = req.query("marketplaceId", m.clone());
        }
        if let Some(o) = &query.seller_fulfillment_order_id {
            req = req.query("sellerFulfillmentOrderId", o.clone());
        }
        if let Some(l) = &query.language {
            req = req.query("language", l.clone());
        }
        let result: ListReturnReasonCodesResult = self.payload(req).await?;
        Ok(result.reason_code_details)
    }

    /// `createFulfillmentReturn`. Not repeated on a lost answer: look at the order's
    /// `returnItems` first (a repeat is refused as `DuplicateRequest`).
    pub async fn create_fulfillment_return(
        &self,
        seller_fulfillment_order_id: &str,
        request: &CreateFulfillmentReturnRequest,
    ) -> Result<CreateFulfillmentReturnResult, Error> {
        validation::create_return(request)?;
        let req = Request::put(order_path(seller_fulfillment_order_id, "/return")?)
            .operation("createFulfillmentReturn")
            .reconcile_hint(format!(
                "check returnItems of get_fulfillment_order(\"{seller_fulfillment_order_id}\") before sending it again"
            ))
            .json(request)?;
        self.payload(req).await
    }

    /// `getFeatures` of a marketplace (default: the client's).
    pub async fn get_features(&self, marketplace_id: Option<&str>) -> Result<Vec<Feature>, Error> {
        let req = Request::get(format!("{OUTBOUND_PREFIX}/features"))
            .operation("getFeatures")
            .query(
                "marketplaceId",
                marketplace_id.unwrap_or(&self.marketplace_id),
            );
        let result: GetFeaturesResult = self.payload(req).await?;
        Ok(result.features)
    }

    /// One page of `getFeatureInventory`.
    pub async fn get_feature_inventory_page(
        &self,
        feature_name: &str,
        query_start_date: Option<DateTime<Utc>>,
        next_token: Option<&str>,
    ) -> Result<GetFeatureInventoryResult, Error> {
        self.payload(feature_inventory_request(
            self,
            feature_name,
            query_start_date,
            next_token,
        )?)
        .await
    }

    /// `getFeatureInventory` as a stream of SKUs over every page, fetched as the consumer
    /// reads. A SKU that cannot be read is an `Err` item naming its position and SKU; the
    /// other SKUs of its page and the following pages still come.
    pub fn get_feature_inventory(
        &self,
        feature_name: &str,
        query_start_date: Option<DateTime<Utc>>,
    ) -> ResultStream<'static, FeatureSku> {
        let client = self.clone();
        let feature = feature_name.to_string();
        paginate(None, move |token: Option<String>| {
            let client = client.clone();
            let feature = feature.clone();
            async move {
                let page: RawFeatureInventoryPage = client
                    .payload(feature_inventory_request(
                        &client,
                        &feature,
                        query_start_date,
                        token.as_deref(),
                    )?)
                    .await?;
                let skus = page
                    .feature_skus
                    .into_iter()
                    .enumerate()
                    .map(|(i, raw)| {
                        crate::model::decode_element(
                            "payload.featureSkus",
                            i,
                            "sellerSku",
                            "feature SKU",
                            raw,
                        )
                    })
                    .collect::<Vec<_>>();
                Ok(Page::new(skus, page.next_token.filter(|t| !t.is_empty())))
            }
        })
        .map(|r| r.and_then(|sku| sku))
        .boxed()
    }

    /// `getFeatureSKU`: whether a SKU is eligible for a feature.
    pub async fn get_feature_sku(
        &self,
        feature_name: &str,
        seller_sku: &str,
    ) -> Result<GetFeatureSkuResult, Error> {
        connector_core::validate::required("featureName", feature_name)?;
        connector_core::validate::required("sellerSku", seller_sku)?;
        let req = Request::get(format!(
            "{OUTBOUND_PREFIX}/features/inventory/{}/{}",
            encode_segment(feature_name),
            encode_segment(seller_sku)
        ))
        .operation("getFeatureSKU")
        .query("marketplaceId", self.marketplace_id.clone());
        self.payload(req).await
    }

    /// Sandbox only: `submitFulfillmentOrderStatusUpdate` moves a sandbox order to `status`
    /// (e.g. `Complete` to get shipments and packages). Refused on a production client.
    pub async fn submit_fulfillment_order_status_update(
        &self,
        seller_fulfillment_order_id: &str,
        status: FulfillmentOrderStatus,
    ) -> Result<(), Error> {
        self.require_sandbox("submitFulfillmentOrderStatusUpdate")?;
        status.check_known("fulfillmentOrderStatus")?;
        let req = Request::put(order_path(seller_fulfillment_order_id, "/status")?)
            .operation("submitFulfillmentOrderStatusUpdate")
            .idempotent()
            .json(&SubmitFulfillmentOrderStatusUpdateRequest::new(status))?;
        self.no_payload(req).await
    }
}

fn feature_inventory_request(
    client: &AmazonMcfClient,
    feature_name: &str,
    query_start_date: Option<DateTime<Utc>>,
    next_token: Option<&str>,
) -> Result<Request, Error> {
    connector_core::validate::required("featureName", feature_name)?;
    let mut req = Request::get(format!(
        "{OUTBOUND_PREFIX}/features/inventory/{}",
        encode_segment(feature_name)
    ))
    .operation("getFeatureInventory")
    .query("marketplaceId", client.marketplace_id.clone());
    if let Some(t) = next_token {
        req = req.query("nextToken", t);
    }
    if let Some(d) = query_start_date {
        req = req.query(
            "queryStartDate",
            d.to_rfc3339_opts(SecondsFormat::Millis, true),
        );
    }
    Ok(req)
}

/// A `getFeatureInventory` page with its SKUs still undecoded, so that one SKU that cannot
/// be read does not lose the others.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFeatureInventoryPage {
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default, deserialize_with = "crate::model::null_default")]
    feature_skus: Vec<serde_json::Value>,
}

fn list_request(query_start_date: Option<DateTime<Utc>>, next_token: Option<&str>) -> Request {
    let mut req = Request::get(format!("{OUTBOUND_PREFIX}/fulfillmentOrders"))
        .operation("listAllFulfillmentOrders");
    if let Some(d) = query_start_date {
        req = req.query(
            "queryStartDate",
            d.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
    }
    if let Some(t) = next_token {
        req = req.query("nextToken", t);
    }
    req
}

/// A `listAllFulfillmentOrders` page with its orders still undecoded, so that one order
/// that cannot be read does not lose the others.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOrderPage {
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default, deserialize_with = "crate::model::null_default")]
    fulfillment_orders: Vec<serde_json::Value>,
}

fn decode_order(index: usize, raw: serde_json::Value) -> Result<FulfillmentOrder, Error> {
    crate::model::decode_element(
        "payload.fulfillmentOrders",
        index,
        "sellerFulfillmentOrderId",
        "order",
        raw,
    )
}

/// Whether a create's answer was lost, so the order may or may not exist.
fn answer_lost(err: &Error) -> bool {
    match err {
        Error::OutcomeUnknown { .. } => true,
        // A 408/5xx answer may come after the order was stored. A transient error without a
        // status means the request never left (the runtime only says that for writes it
        // knows were not sent), so nothing was created.
        Error::Transient { context, .. } => context.status.is_some_and(|s| s == 408 || s >= 500),
        _ => false,
    }
}
