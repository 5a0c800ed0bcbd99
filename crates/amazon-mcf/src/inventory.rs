//! FBA Inventory v1: `getInventorySummaries` as a stream, and the sandbox-only helpers.

use chrono::{DateTime, Months, SecondsFormat, Utc};
use connector_core::{Error, Page, ResultStream, paginate};
use connector_http::{Request, encode_segment};
use futures::StreamExt;
use serde::Deserialize;

use crate::client::{AmazonMcfClient, INVENTORY_PREFIX};
use crate::model::inventory::{
    AddInventoryRequest, CreateInventoryItemRequest, GetInventorySummariesResponse,
    GetInventorySummariesResult, InventoryItem, InventorySummary,
};

/// Filters of `getInventorySummaries`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InventoryQuery {
    /// Ask for `inventoryDetails` (`details=true`).
    pub details: bool,
    /// Only summaries changed since then (at most 18 months back); Amazon then ignores the
    /// SKU filters. Repeated on every page, as Amazon asks.
    pub start_date_time: Option<DateTime<Utc>>,
    /// At most 50 SKUs (sent comma-separated; a SKU containing a comma cannot be asked for).
    pub seller_skus: Vec<String>,
    /// The marketplace (default: the client's).
    pub marketplace_id: Option<String>,
}

impl InventoryQuery {
    /// Every SKU, with details.
    pub fn all() -> Self {
        Self {
            details: true,
            ..Self::default()
        }
    }
}

impl AmazonMcfClient {
    /// One page of `getInventorySummaries` and the next token (from the **top-level**
    /// `pagination.nextToken`, which expires 30 s after it was created).
    pub async fn get_inventory_summaries_page(
        &self,
        query: &InventoryQuery,
        next_token: Option<&str>,
    ) -> Result<(GetInventorySummariesResult, Option<String>), Error> {
        let req = self.summaries_request(query, next_token)?;
        let raw = self.http.send(req).await?;
        let resp: GetInventorySummariesResponse = raw.json()?;
        if !resp.errors.is_empty() {
            return Err(crate::client::errors_in_success(&raw, &resp.errors));
        }
        let next = next_token_of(resp.pagination.and_then(|p| p.next_token));
        let payload = resp.payload.ok_or_else(missing_payload)?;
        Ok((payload, next))
    }

    /// The validated `getInventorySummaries` request for one page.
    fn summaries_request(
        &self,
        query: &InventoryQuery,
        next_token: Option<&str>,
    ) -> Result<Request, Error> {
        if query.seller_skus.len() > 50 {
            return Err(Error::invalid(
                "sellerSkus",
                format!(
                    "must have at most 50 entries (got {})",
                    query.seller_skus.len()
                ),
            ));
        }
        if let Some((i, _)) = query
            .seller_skus
            .iter()
            .enumerate()
            .find(|(_, s)| s.contains(','))
        {
            return Err(Error::invalid(
                format!("sellerSkus[{i}]"),
                "must not contain a comma (the list is comma-separated)",
            ));
        }
        if let Some(start) = query.start_date_time {
            let now = self.http.clock().now_utc();
            let earliest = now
                .checked_sub_months(Months::new(18))
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            if start < earliest {
                return Err(Error::invalid(
                    "startDateTime",
                    format!(
                        "must be no earlier than 18 months ago ({})",
                        earliest.to_rfc3339_opts(SecondsFormat::Secs, true)
                    ),
                ));
            }
        }
        let marketplace = query
            .marketplace_id
            .clone()
            .unwrap_or_else(|| self.marketplace_id.clone());
        let mut req = Request::get(format!("{INVENTORY_PREFIX}/summaries"))
            .operation("getInventorySummaries")
            .query("details", if query.details { "true" } else { "false" })
            .query("granularityType", "Marketplace")
            .query("granularityId", marketplace.clone())
            .query("marketplaceIds", marketplace);
        if let Some(d) = query.start_date_time {
            req = req.query(
                "startDateTime",
                d.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        }
        if !query.seller_skus.is_empty() {
            req = req.query("sellerSkus", query.seller_skus.join(","));
        }
        if let Some(t) = next_token {
            req = req.query("nextToken", t);
        }
        Ok(req)
    }

    /// `getInventorySummaries` as a stream. Pages are fetched as the consumer reads, so read
    /// promptly: a token older than 30 s is refused by Amazon. A summary that cannot be read
    /// is an `Err` item naming its position and SKU; the other summaries of its page and the
    /// following pages still come.
    pub fn get_inventory_summaries(
        &self,
        query: InventoryQuery,
    ) -> ResultStream<'static, InventorySummary> {
        let client = self.clone();
        paginate(None, move |token: Option<String>| {
            let client = client.clone();
            let query = query.clone();
            async move {
                let req = client.summaries_request(&query, token.as_deref())?;
                let raw = client.http.send(req).await?;
                let resp: RawSummariesResponse = raw.json()?;
                if !resp.errors.is_empty() {
                    return Err(crate::client::errors_in_success(&raw, &resp.errors));
                }
                let next = next_token_of(resp.pagination.and_then(|p| p.next_token));
                let summaries = resp
                    .payload
                    .ok_or_else(missing_payload)?
                    .inventory_summaries
                    .into_iter()
                    .enumerate()
                    .map(|(i, raw)| decode_summary(i, raw))
                    .collect::<Vec<_>>();
                Ok(Page::new(summaries, next))
            }
        })
        .map(|r| r.and_then(|summary| summary))
        .boxed()
    }

    /// Sandbox only: `createInventoryItem`.
    pub async fn sandbox_create_inventory_item(
        &self,
        seller_sku: &str,
        product_name: &str,
    ) -> Result<(), Error> {
        self.require_sandbox("createInventoryItem")?;
        connector_core::validate::required("sellerSku", seller_sku)?;
        let body =
            CreateInventoryItemRequest::new(seller_sku, self.marketplace_id.clone(), product_name);
        let req = Request::post(format!("{INVENTORY_PREFIX}/items"))
            .operation("createInventoryItem")
            .json(&body)?;
        self.no_payload(req).await
    }

    /// Sandbox only: `deleteInventoryItem`.
    pub async fn sandbox_delete_inventory_item(&self, seller_sku: &str) -> Result<(), Error> {
        self.require_sandbox("deleteInventoryItem")?;
        connector_core::validate::required("sellerSku", seller_sku)?;
        let req = Request::delete(format!(
            "{INVENTORY_PREFIX}/items/{}",
            encode_segment(seller_sku)
        ))
        .operation("deleteInventoryItem")
        .query("marketplaceId", self.marketplace_id.clone());
        self.no_payload(req).await
    }

    /// Sandbox only: `addInventory`, with the required `x-amzn-idempotency-token` (the same
    /// token on a retry, so the runtime may repeat it safely).
    pub async fn sandbox_add_inventory(
        &self,
        items: Vec<(String, i64)>,
        idempotency_token: &str,
    ) -> Result<(), Error> {
        self.require_sandbox("addInventory")?;
        connector_core::validate::required("x-amzn-idempotency-token", idempotency_token)?;
        let body = AddInventoryRequest::new(
            items
                .into_iter()
                .map(|(sku, q)| InventoryItem::new(sku, self.marketplace_id.clone(), q))
                .collect(),
        );
        let req = Request::post(format!("{INVENTORY_PREFIX}/items/inventory"))
            .operation("addInventory")
            .header("x-amzn-idempotency-token", idempotency_token.to_string())
            .idempotent()
            .json(&body)?;
        self.no_payload(req).await
    }
}

/// A `getInventorySummaries` answer with its summaries still undecoded, so that one summary
/// that cannot be read does not lose the others.
#[derive(Deserialize)]
struct RawSummariesResponse {
    #[serde(default)]
    payload: Option<RawSummariesPayload>,
    #[serde(default)]
    pagination: Option<crate::model::inventory::Pagination>,
    #[serde(default, deserialize_with = "crate::model::null_default")]
    errors: Vec<crate::model::ApiError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSummariesPayload {
    #[serde(default, deserialize_with = "crate::model::null_default")]
    inventory_summaries: Vec<serde_json::Value>,
}

fn decode_summary(index: usize, raw: serde_json::Value) -> Result<InventorySummary, Error> {
    crate::model::decode_element(
        "payload.inventorySummaries",
        index,
        "sellerSku",
        "summary",
        raw,
    )
}

fn next_token_of(token: Option<String>) -> Option<String> {
    token.filter(|t| !t.is_empty())
}

fn missing_payload() -> Error {
    Error::Decode {
        path: "payload".into(),
        message: "2xx answer without payload".into(),
        excerpt: String::new(),
    }
}
