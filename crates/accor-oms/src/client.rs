//! [`AccorClient`]: the REST calls (check, validate-cart, purchase-order, status).

use std::sync::Arc;

use connector_core::{ApiContext, Error, TokenCache};
use connector_http::{HttpClient, Request, encode_segment};

use crate::auth;
use crate::config::AccorConfig;
use crate::model::{
    OrderStatusResponse, PurchaseOrderRequest, PurchaseOrderResponse, ValidateCartRequest,
    ValidateCartResponse,
};
use crate::validation;

/// The text `GET {base}/` answers with when the token is accepted.
pub const WELCOME_TEXT: &str = "Hello ! Welcome to the Astoreshop OMS API";

/// Operation names (logs, rate limits, errors).
pub mod operations {
    /// `GET {base}/`.
    pub const CHECK: &str = "accor.check";
    /// `POST {base}/validate-cart`.
    pub const VALIDATE_CART: &str = "accor.validate_cart";
    /// `POST {base}/purchase-order`.
    pub const PURCHASE_ORDER: &str = "accor.purchase_order";
    /// `GET {base}/status/{order_id}` (configurable).
    pub const STATUS: &str = "accor.status";
}

/// A client of the Accor OMS API. Cheap to clone (shared connection pool and token cache).
///
/// * validate-cart and status are retried on 429/5xx/timeouts (they create nothing);
/// * purchase-order is **never** retried: Accor generates the order ids and offers no
///   idempotency key. A timeout or a dropped connection returns [`Error::OutcomeUnknown`]
///   whose `reconcile` text says how to look the order up with [`AccorClient::status`].
#[derive(Debug, Clone)]
pub struct AccorClient {
    pub(crate) http: HttpClient,
    pub(crate) config: Arc<AccorConfig>,
    tokens: Arc<TokenCache>,
}

impl AccorClient {
    /// A client for `config` (no network call until the first request).
    pub fn new(config: AccorConfig) -> Result<Self, Error> {
        let tokens = auth::token_cache(&config)?;
        let mut b = HttpClient::builder(config.environment.base_url())
            .auth(Arc::new(auth::bearer(tokens.clone())))
            .allow_http(config.allow_http);
        if let Some(t) = config.timeout {
            b = b.timeout(t);
        }
        if let Some(r) = config.retry.clone() {
            b = b.retry(r);
        }
        if let Some(c) = config.clock.clone() {
            b = b.clock(c);
        }
        Ok(Self {
            http: b.build()?,
            config: Arc::new(config),
            tokens,
        })
    }

    /// A client configured from `ACCOR_OMS_*` variables (see [`AccorConfig::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(AccorConfig::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &AccorConfig {
        &self.config
    }

    /// How many tokens were fetched so far (monitoring, tests).
    pub fn token_fetches(&self) -> u64 {
        self.tokens.fetch_count()
    }

    /// Gets a token and calls `GET {base}/`, which must answer the welcome text.
    pub async fn check(&self) -> Result<(), Error> {
        let req = Request::get("/")
            .operation(operations::CHECK)
            .header("accept", "text/plain, application/json");
        let resp = self.http.send(req).await?;
        let body = String::from_utf8_lossy(resp.body());
        if body.contains(WELCOME_TEXT) {
            Ok(())
        } else {
            Err(Error::Api {
                context: Box::new(
                    ApiContext::new(format!(
                        "`GET /` did not answer the OMS welcome text; is the base URL right? ({})",
                        self.config.environment.base_url()
                    ))
                    .with_operation(operations::CHECK)
                    .with_status(resp.status())
                    .with_body_excerpt(resp.body()),
                ),
            })
        }
    }

    /// `POST /validate-cart`: stock and this customer's prices, one entry per future
    /// supplier sub-order. Validated before sending; creates nothing (retried on 5xx).
    pub async fn validate_cart(
        &self,
        request: &ValidateCartRequest,
    ) -> Result<ValidateCartResponse, Error> {
        validation::validate_cart(&self.config, request)?;
        let req = Request::post("validate-cart")
            .operation(operations::VALIDATE_CART)
            .header("accept", "application/json")
            .idempotent()
            .json(request)?;
        self.http.send_json(req).await
    }

    /// `POST /purchase-order`: places the order, split by Accor into one sub-order per
    /// supplier. Validated before sending; never retried automatically.
    ///
    /// Outcomes: `Ok` with the sub-orders (and the refused offers); `InvalidInput` (nothing
    /// sent); `Api` for a 400 (refused, nothing created); `Transient` for a 503 (documented
    /// as "try again later": not processed); [`Error::OutcomeUnknown`] for a timeout, a
    /// dropped connection, a gateway error (500/502/504), or a 2xx whose answer cannot be
    /// read or names neither a sub-order nor a refused offer — the order may exist: call
    /// [`AccorClient::status`] on the ids you expect, or ask Accor, before placing it again.
    pub async fn purchase_order(
        &self,
        request: &PurchaseOrderRequest,
    ) -> Result<PurchaseOrderResponse, Error> {
        validation::purchase_order(&self.config, request)?;
        let hint = format!(
            "the order may have been created: before sending it again, look for it with status() \
             (customer {} / {}, {} line(s)) or ask the Accor OMS team",
            request.customer.mega_code,
            request.customer.email,
            request.offers.len()
        );
        let req = Request::post("purchase-order")
            .operation(operations::PURCHASE_ORDER)
            .header("accept", "application/json")
            .reconcile_hint(hint.clone())
            .json(request)?;
        let resp = self.http.send_raw(req).await?;
        match resp.status() {
            // Accepted: the sub-orders exist. An answer that does not name them (unreadable,
            // or neither `orders` nor `offers_not_shippable`) loses their ids, so it must not
            // look like a failure the caller could simply resend.
            200..=299 => match resp.json::<PurchaseOrderResponse>() {
                Ok(r) if !r.orders.is_empty() || !r.offers_not_shippable.is_empty() => Ok(r),
                Ok(_) => Err(Error::OutcomeUnknown {
                    operation: operations::PURCHASE_ORDER.into(),
                    reason: format!(
                        "HTTP {} without any sub-order or refused offer in the answer: the \
                         order may have been created",
                        resp.status()
                    ),
                    reconcile: hint,
                    source: None,
                }),
                Err(e) => Err(Error::OutcomeUnknown {
                    operation: operations::PURCHASE_ORDER.into(),
                    reason: format!(
                        "HTTP {} but the answer could not be read: the order was probably \
                         created",
                        resp.status()
                    ),
                    reconcile: hint,
                    source: Some(Box::new(e)),
                }),
            },
            500 | 502 | 504 => Err(Error::OutcomeUnknown {
                operation: operations::PURCHASE_ORDER.into(),
                reason: format!(
                    "HTTP {} from the server: the order may or may not have been created",
                    resp.status()
                ),
                reconcile: hint,
                source: None,
            }),
            _ => Err(self.http.error_for(operations::PURCHASE_ORDER, &resp)),
        }
    }

    /// The status of one supplier's logistical order, through the configured route (default
    /// `GET /status/{order_id}`).
    pub async fn status(&self, order_id: &str) -> Result<OrderStatusResponse, Error> {
        connector_core::validate::required("order_id", order_id)?;
        let path = self
            .config
            .status_route
            .replace("{order_id}", &encode_segment(order_id));
        let req = Request::get(path)
            .operation(operations::STATUS)
            .header("accept", "application/json");
        self.http.send_json(req).await
    }
}
