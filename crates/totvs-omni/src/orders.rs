//! The order API: paid orders pending confirmation, their lifecycle, and infinite-shelf orders
//! pending payment.
//!
//! The paths are not public: they live in one table, [`OrderRoutes`], so the real ones are a
//! data change (`OmniConfigBuilder::routes`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use connector_core::pagination::{PageGuard, paginate_with};
use connector_core::{Error, Page, ResultStream};
use connector_http::{HttpClient, Request, encode_segment};
use rust_decimal::Decimal;

use crate::model::{
    DeliveryRequest, InvoiceRequest, KitRefusal, OmniOrder, OmniStatus, OrderList, PaymentRequest,
    RejectItem, RejectRequest, ShipRequest,
};
use crate::nfe::{Nfe, NfeDocument};

/// The order API's paths, relative to the order API base URL; `{id}` is replaced by the
/// percent-encoded order id. Every default is provisional (an open question for TOTVS).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderRoutes {
    /// Login (`POST`), default `auth/token`.
    pub login: String,
    /// Order list (`GET`, query `status`, `page`, `pageSize`), default `orders`.
    pub list: String,
    /// One order (`GET`), default `orders/{id}`.
    pub get: String,
    /// Confirm (`POST`), default `orders/{id}/confirm`.
    pub confirm: String,
    /// Reject items (`POST`), default `orders/{id}/reject`.
    pub reject: String,
    /// Invoice (`POST`), default `orders/{id}/invoice`.
    pub invoice: String,
    /// Ship (`POST`), default `orders/{id}/ship`.
    pub ship: String,
    /// Delivered (`POST`), default `orders/{id}/deliver`.
    pub deliver: String,
    /// Infinite-shelf orders pending payment (`GET`, query `page`, `pageSize`), default
    /// `infinite-shelf/orders`.
    pub pending_payment: String,
    /// Register a payment (`POST`), default `infinite-shelf/orders/{id}/payment`.
    pub payment: String,
}

impl Default for OrderRoutes {
    fn default() -> Self {
        Self {
            login: "auth/token".into(),
            list: "orders".into(),
            get: "orders/{id}".into(),
            confirm: "orders/{id}/confirm".into(),
            reject: "orders/{id}/reject".into(),
            invoice: "orders/{id}/invoice".into(),
            ship: "orders/{id}/ship".into(),
            deliver: "orders/{id}/deliver".into(),
            pending_payment: "infinite-shelf/orders".into(),
            payment: "infinite-shelf/orders/{id}/payment".into(),
        }
    }
}

impl OrderRoutes {
    fn path(template: &str, id: &str) -> String {
        template.replace("{id}", &encode_segment(id))
    }
}

/// Which side found a kit-rule violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KitCheck {
    /// Found before sending, from the order's kit membership. Nothing was sent.
    Client,
    /// Omni refused the rejection and listed the kit's items. Nothing was applied.
    Server,
}

/// A rejection that would split a kit: every item of a kit must be rejected in the same call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KitViolation {
    /// The kit, when known.
    pub kit_id: Option<String>,
    /// Every item id of the kit.
    pub kit_items: Vec<String>,
    /// The kit's items missing from the rejection.
    pub missing: Vec<String>,
    /// Who found it.
    pub found_by: KitCheck,
}

impl fmt::Display for KitViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kit {} must be rejected whole: items {} (missing {})",
            self.kit_id.as_deref().unwrap_or("?"),
            self.kit_items.join(", "),
            if self.missing.is_empty() {
                "unknown".to_string()
            } else {
                self.missing.join(", ")
            }
        )
    }
}

/// Why a rejection failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RejectError {
    /// The kit rule: nothing was rejected.
    KitIncomplete(KitViolation),
    /// Any other failure.
    Other(Error),
}

impl fmt::Display for RejectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KitIncomplete(v) => write!(f, "rejection refused: {v}"),
            Self::Other(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RejectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::KitIncomplete(_) => None,
            Self::Other(e) => Some(e),
        }
    }
}

impl From<Error> for RejectError {
    fn from(e: Error) -> Self {
        Self::Other(e)
    }
}

impl From<RejectError> for Error {
    /// A kit violation becomes [`Error::InvalidInput`] on `items` (nothing was applied).
    fn from(e: RejectError) -> Self {
        match e {
            RejectError::KitIncomplete(v) => Error::invalid("items", v.to_string()),
            RejectError::Other(e) => e,
        }
    }
}

/// Checks the kit rule before sending: for every kit touched by `items`, every item of that kit
/// (as listed in `order`) must be rejected too.
pub fn check_kit_rule(order: &OmniOrder, items: &[RejectItem]) -> Result<(), KitViolation> {
    let rejected: BTreeSet<&str> = items.iter().map(|i| i.item_id.as_str()).collect();
    let mut kits: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for item in &order.items {
        if let Some(kit) = item.kit_id.as_deref() {
            kits.entry(kit).or_default().push(item.item_id.as_str());
        }
    }
    for (kit, members) in kits {
        if members.iter().any(|m| rejected.contains(m)) {
            let missing: Vec<String> = members
                .iter()
                .filter(|m| !rejected.contains(*m))
                .map(|m| m.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(KitViolation {
                    kit_id: Some(kit.to_string()),
                    kit_items: members.iter().map(|m| m.to_string()).collect(),
                    missing,
                    found_by: KitCheck::Client,
                });
            }
        }
    }
    Ok(())
}

/// A payment method of an infinite-shelf order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentMethod {
    /// `PIX`.
    Pix,
    /// `CREDIT_CARD`.
    CreditCard,
    /// `DEBIT_CARD`.
    DebitCard,
    /// `BOLETO`.
    Boleto,
    /// `CASH` (dinheiro).
    Cash,
    /// Another value, sent verbatim.
    Other(String),
}

impl PaymentMethod {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pix => "PIX",
            Self::CreditCard => "CREDIT_CARD",
            Self::DebitCard => "DEBIT_CARD",
            Self::Boleto => "BOLETO",
            Self::Cash => "CASH",
            Self::Other(s) => s,
        }
    }
}

/// A payment taken for an infinite-shelf order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Payment {
    /// Method.
    pub method: PaymentMethod,
    /// Amount (BRL).
    pub amount: Decimal,
    /// Installments (1 unless paid by credit card in parcelas).
    pub installments: u32,
    /// Card authorization code.
    pub authorization_code: Option<String>,
    /// NSU (card transaction number).
    pub nsu: Option<String>,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

impl Payment {
    /// A payment in one installment.
    pub fn new(method: PaymentMethod, amount: Decimal, paid_at: DateTime<Utc>) -> Self {
        Self {
            method,
            amount,
            installments: 1,
            authorization_code: None,
            nsu: None,
            paid_at,
        }
    }

    /// Installments.
    pub fn installments(mut self, n: u32) -> Self {
        self.installments = n;
        self
    }

    /// Card authorization code and NSU.
    pub fn card(mut self, authorization_code: impl Into<String>, nsu: impl Into<String>) -> Self {
        self.authorization_code = Some(authorization_code.into());
        self.nsu = Some(nsu.into());
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if self.amount <= Decimal::ZERO {
            return Err(Error::invalid("payment.amount", "must be positive"));
        }
        if self.amount.normalize().scale() > 2 {
            return Err(Error::invalid(
                "payment.amount",
                "must have at most 2 decimal places",
            ));
        }
        if self.installments == 0 {
            return Err(Error::invalid("payment.installments", "must be at least 1"));
        }
        if self.installments > 1 && self.method != PaymentMethod::CreditCard {
            return Err(Error::invalid(
                "payment.installments",
                "must be 1 unless the method is CREDIT_CARD",
            ));
        }
        if matches!(
            self.method,
            PaymentMethod::CreditCard | PaymentMethod::DebitCard
        ) {
            connector_core::validate::required_opt(
                "payment.authorization_code",
                self.authorization_code.as_deref(),
            )?;
            connector_core::validate::required_opt("payment.nsu", self.nsu.as_deref())?;
        }
        if let PaymentMethod::Other(m) = &self.method {
            connector_core::validate::required("payment.method", m)?;
        }
        Ok(())
    }
}

/// A shipment to report.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ShipmentNotice {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Tracking URL.
    pub tracking_url: Option<String>,
    /// When it left.
    pub shipped_at: DateTime<Utc>,
}

impl ShipmentNotice {
    /// A shipment.
    pub fn new(
        carrier: impl Into<String>,
        tracking_number: impl Into<String>,
        shipped_at: DateTime<Utc>,
    ) -> Self {
        Self {
            carrier: carrier.into(),
            tracking_number: tracking_number.into(),
            tracking_url: None,
            shipped_at,
        }
    }

    /// The tracking URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.tracking_url = Some(url.into());
        self
    }
}

/// The operation name of order list reads.
const LIST_ORDERS: &str = "totvs_omni.list_orders";

/// Default page size of order lists.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// The order API client.
#[derive(Debug, Clone)]
pub struct OrdersClient {
    http: HttpClient,
    routes: OrderRoutes,
    page_size: u32,
}

impl OrdersClient {
    /// A client over an authenticated [`HttpClient`] (see `OmniClient::new`, which builds it).
    pub fn new(http: HttpClient, routes: OrderRoutes) -> Self {
        Self {
            http,
            routes,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// One page of orders in `status` (1-based page).
    pub async fn list(&self, status: &OmniStatus, page: u32) -> Result<OrderList, Error> {
        let req = Request::get(self.routes.list.clone())
            .operation(LIST_ORDERS)
            .query("status", status.as_str())
            .query("page", page.to_string())
            .query("pageSize", self.page_size.to_string());
        self.http.send_json(req).await
    }

    /// Every order in `status`, page by page. Without `totalPages` in the answers, pages are
    /// read until an empty one (never stopping early on a short page, so no order is missed).
    ///
    /// Guarded by the core [`PageGuard`]: more pages than its cap (announced by `totalPages`
    /// or read), or a page with the same orders as the page before (a server that ignores
    /// `page`, whatever `totalPages` says), end the stream with [`Error::Decode`] naming the
    /// operation, after the orders read so far.
    pub fn stream(&self, status: OmniStatus) -> ResultStream<'static, OmniOrder> {
        self.stream_with(status, PageGuard::new(LIST_ORDERS))
    }

    /// [`OrdersClient::stream`] with `guard` (e.g. a lower page cap).
    pub fn stream_with(
        &self,
        status: OmniStatus,
        guard: PageGuard,
    ) -> ResultStream<'static, OmniOrder> {
        let this = self.clone();
        let cap = PageGuard::new(LIST_ORDERS).with_max_pages(guard.max_pages());
        // The cursor is the page to read and the fingerprint (first and last order ids) of the
        // page before, which tells a server that ignores `page` (the same page again) from a
        // real next page.
        paginate_with(
            guard,
            Some((1u32, None::<(String, String)>)),
            move |cursor| {
                let this = this.clone();
                let status = status.clone();
                let cap = cap.clone();
                async move {
                    let (page, previous) = cursor.unwrap_or((1, None));
                    let list = this.list(&status, page).await?;
                    if let Some(total) = list.total_pages {
                        cap.check_reported_pages(u64::from(total))?;
                    }
                    let fingerprint = match (list.orders.first(), list.orders.last()) {
                        (Some(a), Some(b)) => Some((a.id.clone(), b.id.clone())),
                        _ => None,
                    };
                    if fingerprint.is_some() && fingerprint == previous {
                        return Err(Error::Decode {
                            path: "orders".into(),
                            message: format!(
                                "`{LIST_ORDERS}`: page {page} has the same orders as page {}: the \
                             order list seems to ignore the `page` parameter; stopping so as not \
                             to loop (orders after the first page may be missing)",
                                page - 1
                            ),
                            excerpt: String::new(),
                        });
                    }
                    let next = next_page(page, list.total_pages, list.orders.is_empty());
                    Ok(Page::new(list.orders, next.map(|n| (n, fingerprint))))
                }
            },
        )
    }

    /// Paid orders waiting for confirmation (one page).
    pub async fn pending_confirmation(&self, page: u32) -> Result<OrderList, Error> {
        self.list(&OmniStatus::PendingConfirmation, page).await
    }

    /// One order.
    pub async fn get(&self, id: &str) -> Result<OmniOrder, Error> {
        connector_core::validate::required("order_id", id)?;
        let req =
            Request::get(OrderRoutes::path(&self.routes.get, id)).operation("totvs_omni.get_order");
        self.http.send_json(req).await
    }

    fn action(&self, template: &str, id: &str, operation: &str) -> Result<Request, Error> {
        connector_core::validate::required("order_id", id)?;
        Ok(Request::post(OrderRoutes::path(template, id))
            .operation(operation)
            .reconcile_hint(reconcile_hint(id, operation)))
    }

    /// Sends a write and keeps a 2xx. A 500, 502 or 504 may come after the change was applied
    /// (an upstream failure, a gateway timeout), so it is [`Error::OutcomeUnknown`], never a
    /// retryable error; other statuses map as usual.
    async fn send_write(
        &self,
        req: Request,
        id: &str,
        operation: &str,
    ) -> Result<connector_http::Response, Error> {
        let resp = self.http.send_raw(req).await?;
        if (200..300).contains(&resp.status()) {
            return self.written(resp, id, operation);
        }
        Err(self.write_error(&resp, id, operation))
    }

    /// A 2xx answer to a write: success when it is Omni's answer (empty or JSON); an HTML
    /// page or other text is [`Error::OutcomeUnknown`] (it may come from a proxy the write
    /// never got past, or replace Omni's answer to an applied write).
    fn written(
        &self,
        resp: connector_http::Response,
        id: &str,
        operation: &str,
    ) -> Result<connector_http::Response, Error> {
        match crate::loads::not_omni_answer(&resp) {
            None => Ok(resp),
            Some(what) => Err(Error::OutcomeUnknown {
                operation: operation.into(),
                reason: format!(
                    "HTTP {} with {what} instead of the order API's answer: the change may or \
                     may not have been applied",
                    resp.status()
                ),
                reconcile: reconcile_hint(id, operation),
                source: None,
            }),
        }
    }

    fn write_error(&self, resp: &connector_http::Response, id: &str, operation: &str) -> Error {
        let error = self.http.error_for(operation, resp);
        match resp.status() {
            500 | 502 | 504 => Error::OutcomeUnknown {
                operation: operation.into(),
                reason: format!(
                    "HTTP {} from the order API: the change may or may not have been applied",
                    resp.status()
                ),
                reconcile: reconcile_hint(id, operation),
                source: Some(Box::new(error)),
            },
            _ => error,
        }
    }

    /// Confirms (accepts) a paid order.
    pub async fn confirm(&self, id: &str) -> Result<(), Error> {
        let req = self
            .action(&self.routes.confirm, id, "totvs_omni.confirm")?
            .json_bytes("{}");
        self.send_write(req, id, "totvs_omni.confirm")
            .await
            .map(drop)
    }

    /// Rejects items of `order`, checking the kit rule first with the order's kit membership.
    pub async fn reject_items(
        &self,
        order: &OmniOrder,
        items: Vec<RejectItem>,
        reason: &str,
    ) -> Result<(), RejectError> {
        for (i, item) in items.iter().enumerate() {
            let Some(line) = order.items.iter().find(|l| l.item_id == item.item_id) else {
                return Err(Error::invalid(
                    format!("items[{i}].item_id"),
                    format!("`{}` is not an item of order {}", item.item_id, order.id),
                )
                .into());
            };
            if item.quantity <= Decimal::ZERO || item.quantity > line.quantity {
                return Err(Error::invalid(
                    format!("items[{i}].quantity"),
                    format!("must be between 0 (excluded) and {}", line.quantity),
                )
                .into());
            }
        }
        check_kit_rule(order, &items).map_err(RejectError::KitIncomplete)?;
        self.reject_items_unchecked(&order.id, items, reason).await
    }

    /// Rejects items by order id without the client-side kit check (when kit membership is
    /// unknown); Omni's kit refusal is still decoded into [`RejectError::KitIncomplete`].
    pub async fn reject_items_unchecked(
        &self,
        id: &str,
        items: Vec<RejectItem>,
        reason: &str,
    ) -> Result<(), RejectError> {
        if items.is_empty() {
            return Err(Error::invalid("items", "must not be empty").into());
        }
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            connector_core::validate::required(&format!("items[{i}].item_id"), &item.item_id)?;
            if !seen.insert(item.item_id.as_str()) {
                return Err(Error::invalid(
                    format!("items[{i}].item_id"),
                    format!(
                        "names `{}` twice; reject each item once with its total quantity",
                        item.item_id
                    ),
                )
                .into());
            }
            if item.quantity <= Decimal::ZERO {
                return Err(
                    Error::invalid(format!("items[{i}].quantity"), "must be positive").into(),
                );
            }
        }
        connector_core::validate::required("reason", reason)?;
        let body = RejectRequest {
            items,
            reason: reason.to_string(),
        };
        let req = self
            .action(&self.routes.reject, id, "totvs_omni.reject_items")?
            .json(&body)?;
        let resp = self.http.send_raw(req).await?;
        if (200..300).contains(&resp.status()) {
            return self
                .written(resp, id, "totvs_omni.reject_items")
                .map(drop)
                .map_err(RejectError::Other);
        }
        if (400..500).contains(&resp.status())
            && let Ok(refusal) = serde_json::from_slice::<KitRefusal>(resp.body())
            && !refusal.kit_items.is_empty()
        {
            let sent: BTreeSet<&str> = body.items.iter().map(|i| i.item_id.as_str()).collect();
            let missing = refusal
                .kit_items
                .iter()
                .filter(|k| !sent.contains(k.as_str()))
                .cloned()
                .collect();
            return Err(RejectError::KitIncomplete(KitViolation {
                kit_id: refusal.kit_id,
                kit_items: refusal.kit_items,
                missing,
                found_by: KitCheck::Server,
            }));
        }
        Err(self
            .write_error(&resp, id, "totvs_omni.reject_items")
            .into())
    }

    /// Attaches an NF-e to the order.
    pub async fn invoice(&self, id: &str, nfe: &Nfe) -> Result<(), Error> {
        let (xml, url) = match &nfe.document {
            NfeDocument::Xml(x) => (Some(x.clone()), None),
            NfeDocument::Url(u) => (None, Some(u.clone())),
        };
        let body = InvoiceRequest {
            number: nfe.number.clone(),
            series: nfe.series.clone(),
            access_key: nfe.access_key.as_str().to_string(),
            issued_on: nfe.issued_on,
            value: nfe.value,
            xml,
            url,
        };
        let req = self
            .action(&self.routes.invoice, id, "totvs_omni.invoice")?
            .json(&body)?;
        self.send_write(req, id, "totvs_omni.invoice")
            .await
            .map(drop)
    }

    /// Reports the shipment.
    pub async fn ship(&self, id: &str, shipment: &ShipmentNotice) -> Result<(), Error> {
        connector_core::validate::required("shipment.carrier", &shipment.carrier)?;
        connector_core::validate::required("shipment.tracking_number", &shipment.tracking_number)?;
        let body = ShipRequest {
            carrier: shipment.carrier.clone(),
            tracking_number: shipment.tracking_number.clone(),
            tracking_url: shipment.tracking_url.clone(),
            shipped_at: shipment.shipped_at,
        };
        let req = self
            .action(&self.routes.ship, id, "totvs_omni.ship")?
            .json(&body)?;
        self.send_write(req, id, "totvs_omni.ship").await.map(drop)
    }

    /// Reports delivery.
    pub async fn deliver(&self, id: &str, delivered_at: DateTime<Utc>) -> Result<(), Error> {
        let req = self
            .action(&self.routes.deliver, id, "totvs_omni.deliver")?
            .json(&DeliveryRequest { delivered_at })?;
        self.send_write(req, id, "totvs_omni.deliver")
            .await
            .map(drop)
    }

    /// Infinite-shelf orders waiting for payment (one page).
    pub async fn pending_payment(&self, page: u32) -> Result<OrderList, Error> {
        let req = Request::get(self.routes.pending_payment.clone())
            .operation("totvs_omni.pending_payment")
            .query("page", page.to_string())
            .query("pageSize", self.page_size.to_string());
        self.http.send_json(req).await
    }

    /// Registers the payment of an infinite-shelf order; the paid lifecycle then applies.
    pub async fn register_payment(&self, id: &str, payment: &Payment) -> Result<(), Error> {
        payment.validate()?;
        let body = PaymentRequest {
            method: payment.method.as_str().to_string(),
            amount: payment.amount,
            installments: payment.installments,
            authorization_code: payment.authorization_code.clone(),
            nsu: payment.nsu.clone(),
            paid_at: payment.paid_at,
        };
        let req = self
            .action(&self.routes.payment, id, "totvs_omni.register_payment")?
            .json(&body)?;
        self.send_write(req, id, "totvs_omni.register_payment")
            .await
            .map(drop)
    }
}

fn reconcile_hint(id: &str, operation: &str) -> String {
    format!(
        "read the order with get(\"{id}\") and check its status before sending `{operation}` again"
    )
}

/// The page after `page`: up to `totalPages` when the answer has it; without it, until a page
/// comes back empty.
fn next_page(page: u32, total: Option<u32>, empty: bool) -> Option<u32> {
    match total {
        Some(t) if page < t => Some(page + 1),
        Some(_) => None,
        None if empty => None,
        None => page.checked_add(1),
    }
}
