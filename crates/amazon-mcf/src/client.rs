//! The client: one per (seller, application) pair, holding that pair's token and rate buckets.

use std::fmt;
use std::sync::Arc;

use connector_core::{ApiContext, Error, RateLimit, SystemClock, TokenCache};
use connector_http::{BearerAuth, HttpClient, Request, Response};
use serde::de::DeserializeOwned;

use crate::auth::{ACCESS_TOKEN_HEADER, expired_token_rule, refresh_token_provider};
use crate::config::{AmazonMcfBuilder, Environment, Region};
use crate::model::{ApiError, Envelope};

/// Path prefix of Fulfillment Outbound 2020-07-01.
pub const OUTBOUND_PREFIX: &str = "fba/outbound/2020-07-01";
/// Path prefix of FBA Inventory v1.
pub const INVENTORY_PREFIX: &str = "fba/inventory/v1";

/// Each operation's default usage plan (operationId, requests per second, burst), from the
/// models' descriptions; `submitFulfillmentOrderStatusUpdate` and the inventory sandbox
/// helpers have none in the model and use the official JS SDK's rate map.
pub const USAGE_PLANS: &[(&str, f64, u32)] = &[
    ("getFulfillmentPreview", 2.0, 30),
    ("deliveryOffers", 5.0, 30),
    ("listAllFulfillmentOrders", 2.0, 30),
    ("createFulfillmentOrder", 2.0, 30),
    ("getPackageTrackingDetails", 2.0, 30),
    ("listReturnReasonCodes", 2.0, 30),
    ("createFulfillmentReturn", 2.0, 30),
    ("getFulfillmentOrder", 2.0, 30),
    ("updateFulfillmentOrder", 2.0, 30),
    ("cancelFulfillmentOrder", 2.0, 30),
    ("submitFulfillmentOrderStatusUpdate", 1.0, 1),
    ("getFeatures", 2.0, 30),
    ("getFeatureInventory", 2.0, 30),
    ("getFeatureSKU", 2.0, 30),
    ("getInventorySummaries", 2.0, 2),
    ("createInventoryItem", 2.0, 3),
    ("deleteInventoryItem", 2.0, 3),
    ("addInventory", 2.0, 3),
];

/// The sandbox's usage plan, (requests per second, burst), which caps every operation's plan
/// on a sandbox client: "rate = five requests per second; burst = 15" for sandbox calls
/// (developer-docs.amazon.com/sp-api/docs/sp-api-sandbox).
pub const SANDBOX_USAGE_PLAN: (f64, u32) = (5.0, 15);

/// The response header with the current rate of the (seller, application, operation) bucket.
pub const RATE_LIMIT_HEADER: &str = "x-amzn-RateLimit-Limit";

/// An Amazon MCF client for one seller.
///
/// Rate buckets live in the client, so one client per seller gives the per
/// (seller, application, operation) buckets Amazon enforces. Clone it freely: clones share the
/// token and the buckets. Separately built clients of the same seller (one per marketplace, one
/// per worker) share buckets only through [`AmazonMcfBuilder::share_rate_limits`].
#[derive(Clone)]
pub struct AmazonMcfClient {
    pub(crate) http: HttpClient,
    pub(crate) marketplace_id: String,
    pub(crate) region: Region,
    pub(crate) environment: Environment,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) seller_id: Option<String>,
}

impl fmt::Debug for AmazonMcfClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmazonMcfClient")
            .field("endpoint", &self.http.base_url().as_str())
            .field("marketplace_id", &self.marketplace_id)
            .field("region", &self.region)
            .field("environment", &self.environment)
            .field("seller_id", &self.seller_id)
            .field("rate_limit_scope", &self.rate_limit_scope())
            .field("tokens", &self.tokens)
            .finish()
    }
}

/// The User-Agent in SP-API's required form `AppId/AppVersion (Language=...; Key=Value)`:
/// `name/version (Language=Rust; Platform=os/arch; Library=erp-connectors-amazon-mcf/x.y.z)`,
/// at most 500 characters.
///
/// `name` may hold spaces (`My Selling Tool`) but no `/`, `(`, `)`, `;`; `version` no space
/// either. Both must be printable ASCII (a header value cannot carry anything else without
/// being mangled), so a value that would break the header is refused here, naming it.
///
/// ```
/// let ua = amazon_mcf::user_agent("My Selling Tool", "2.0")?;
/// assert!(ua.starts_with("My Selling Tool/2.0 (Language=Rust; Platform="));
/// assert!(amazon_mcf::user_agent("My ERP", "1.0\r\nX-Evil: 1").is_err());
/// # Ok::<(), connector_core::Error>(())
/// ```
pub fn user_agent(app_name: &str, app_version: &str) -> Result<String, Error> {
    let forbidden = |c: char| matches!(c, '(' | ')' | '/' | ';' | '\\');
    connector_core::validate::required("app_id", app_name)?;
    connector_core::validate::chars(
        "app_id",
        app_name,
        |c| (c == ' ' || c.is_ascii_graphic()) && !forbidden(c),
        "printable ASCII characters other than `(`, `)`, `/`, `;` and `\\`",
    )?;
    if app_name.trim() != app_name {
        return Err(Error::invalid(
            "app_id",
            "must not start or end with a space",
        ));
    }
    connector_core::validate::required("app_version", app_version)?;
    connector_core::validate::chars(
        "app_version",
        app_version,
        |c| c.is_ascii_graphic() && !forbidden(c),
        "printable ASCII characters other than spaces, `(`, `)`, `/`, `;` and `\\`",
    )?;
    let ua = format!(
        "{app_name}/{app_version} (Language=Rust; Platform={os}/{arch}; Library=erp-connectors-amazon-mcf/{ver})",
        ver = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
    );
    if ua.chars().count() > 500 {
        return Err(Error::invalid(
            "app_id",
            "makes the User-Agent longer than the 500 characters Amazon accepts",
        ));
    }
    Ok(ua)
}

impl AmazonMcfClient {
    /// Starts a builder.
    pub fn builder() -> AmazonMcfBuilder {
        AmazonMcfBuilder::new()
    }

    pub(crate) fn from_builder(b: AmazonMcfBuilder) -> Result<Self, Error> {
        let client_id = b
            .client_id
            .clone()
            .ok_or_else(|| Error::config("client_id is required (AMAZON_MCF_CLIENT_ID)"))?;
        let client_secret = b
            .client_secret
            .clone()
            .ok_or_else(|| Error::config("client_secret is required (AMAZON_MCF_CLIENT_SECRET)"))?;
        let refresh_token = b
            .refresh_token
            .clone()
            .ok_or_else(|| Error::config("refresh_token is required (AMAZON_MCF_REFRESH_TOKEN)"))?;
        let marketplace_id = b.marketplace_id.clone().ok_or_else(|| {
            Error::config("marketplace_id is required (AMAZON_MCF_MARKETPLACE_ID)")
        })?;
        let region = match (b.region, Region::for_marketplace(&marketplace_id)) {
            (Some(r), Some(m)) if r != m => {
                return Err(Error::config(format!(
                    "marketplace {marketplace_id} belongs to {m:?}, not {r:?}"
                )));
            }
            (Some(r), _) => r,
            (None, Some(m)) => m,
            (None, None) => {
                return Err(Error::config(format!(
                    "unknown marketplace id `{marketplace_id}`: set the region explicitly"
                )));
            }
        };
        let clock = b.clock.clone().unwrap_or_else(SystemClock::shared);
        let endpoint = b
            .endpoint
            .clone()
            .unwrap_or_else(|| region.endpoint(b.environment).to_string());
        let provider = refresh_token_provider(
            &b.lwa_url,
            client_id.clone(),
            client_secret,
            refresh_token,
            b.allow_http,
        )?;
        let tokens = Arc::new(TokenCache::with_margin(
            Arc::new(provider),
            clock.clone(),
            b.token_margin,
        ));
        let auth = BearerAuth::in_header(tokens.clone(), ACCESS_TOKEN_HEADER)
            .with_rejection_rule(expired_token_rule());
        let mut builder = HttpClient::builder(endpoint)
            .auth(Arc::new(auth))
            .allow_http(b.allow_http)
            .retry(b.retry.clone())
            .clock(clock)
            .timeout(b.timeout)
            .user_agent(user_agent(
                &b.app_id,
                b.app_version
                    .as_deref()
                    .unwrap_or(env!("CARGO_PKG_VERSION")),
            )?)
            .adaptive_rate_limit_header(RATE_LIMIT_HEADER);
        if let Some(registry) = &b.shared_limits {
            let scope = b.rate_limit_scope.clone().unwrap_or_else(|| {
                rate_limit_scope(b.environment, region, &client_id, b.seller_id.as_deref())
            });
            builder = builder.shared_rate_limits(registry.clone(), scope);
        }
        for (op, rate, burst) in USAGE_PLANS {
            let limit = match b.rate_overrides.iter().find(|(o, _)| o == op) {
                Some((_, l)) => *l,
                None => {
                    let (rate, burst) = match b.environment {
                        Environment::Production => (*rate, *burst),
                        Environment::Sandbox => (
                            rate.min(SANDBOX_USAGE_PLAN.0),
                            (*burst).min(SANDBOX_USAGE_PLAN.1),
                        ),
                    };
                    let burst = burst.saturating_sub(b.burst_headroom).max(1);
                    RateLimit::per_second(rate, burst)?
                }
            };
            builder = builder.rate_limit(*op, limit);
        }
        Ok(Self {
            http: builder.build()?,
            marketplace_id,
            region,
            environment: b.environment,
            tokens,
            seller_id: b.seller_id,
        })
    }

    /// The default marketplace.
    pub fn marketplace_id(&self) -> &str {
        &self.marketplace_id
    }

    /// The region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// Production or sandbox.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The access-token cache (inspect `fetch_count()`).
    pub fn token_cache(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    /// The scope of this client's buckets in the shared registry, or `None` when it has its
    /// own (see [`AmazonMcfBuilder::share_rate_limits`]).
    pub fn rate_limit_scope(&self) -> Option<&str> {
        self.http.rate_limit_scope()
    }

    /// The runtime (for rate-limiter inspection).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Fails with [`Error::Unsupported`] unless this client targets the sandbox.
    pub(crate) fn require_sandbox(&self, operation: &str) -> Result<(), Error> {
        if self.environment == Environment::Sandbox {
            Ok(())
        } else {
            Err(Error::unsupported(
                "Amazon MCF production",
                format!("{operation} (sandbox-only: build the client with .sandbox())"),
            ))
        }
    }

    /// Sends and decodes `{payload}`; a 2xx without payload is a decode error, and a 2xx
    /// whose `errors[]` is not empty is an error (see [`errors_in_success`]), payload or not.
    pub(crate) async fn payload<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let resp = self.http.send(req).await?;
        let env: Envelope<T> = resp.json()?;
        if !env.errors.is_empty() {
            return Err(errors_in_success(&resp, &env.errors));
        }
        match env.payload {
            Some(p) => Ok(p),
            None => Err(missing_payload(&resp, &env.errors)),
        }
    }

    /// Sends a call whose success answer has no payload (`{errors?}`); a 2xx whose
    /// `errors[]` is not empty is an error (see [`errors_in_success`]).
    pub(crate) async fn no_payload(&self, req: Request) -> Result<(), Error> {
        let resp = self.http.send(req).await?;
        let errors = success_errors(&resp);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors_in_success(&resp, &errors))
        }
    }
}

/// The scope of a client's shared buckets: whose quota it is (see
/// [`AmazonMcfBuilder::share_rate_limits`]).
fn rate_limit_scope(
    environment: Environment,
    region: Region,
    client_id: &str,
    seller_id: Option<&str>,
) -> String {
    let environment = match environment {
        Environment::Production => "production",
        Environment::Sandbox => "sandbox",
    };
    let region = match region {
        Region::NorthAmerica => "na",
        Region::Europe => "eu",
        Region::FarEast => "fe",
    };
    let mut scope = format!("sp-api/{environment}/{region}/client={client_id}");
    if let Some(seller) = seller_id {
        scope.push_str("/seller=");
        scope.push_str(seller);
    }
    scope
}

/// The `errors[]` of a 2xx answer whose body needs no payload: an empty or non-JSON body has
/// none (Amazon answers `{}` or nothing).
pub(crate) fn success_errors(resp: &Response) -> Vec<ApiError> {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default, deserialize_with = "crate::model::null_default")]
        errors: Vec<ApiError>,
    }
    serde_json::from_slice::<Errors>(resp.body())
        .map(|e| e.errors)
        .unwrap_or_default()
}

/// A 2xx answer with a non-empty `errors[]`. The models describe `errors` as "returned when a
/// request is unsuccessful" and say nothing of a success carrying them, so such an answer is
/// neither taken as a success (dropping the errors) nor guessed at: it is an
/// [`Error::Api`] with the HTTP status, the first error's code and every error's message,
/// and the request id. `createFulfillmentOrder` turns it into [`Error::OutcomeUnknown`].
pub(crate) fn errors_in_success(resp: &Response, errors: &[ApiError]) -> Error {
    let listed: Vec<String> = errors
        .iter()
        .map(|e| {
            let mut text = format!("{}: {}", e.code, e.message.clone().unwrap_or_default());
            if let Some(d) = e.details.as_deref().filter(|d| !d.is_empty()) {
                text.push_str(&format!(" ({d})"));
            }
            text
        })
        .collect();
    let mut ctx = ApiContext::new(format!(
        "a success answer (HTTP {}) carried {} error(s), so its outcome is not clear: {}",
        resp.status(),
        errors.len(),
        listed.join("; ")
    ))
    .with_status(resp.status());
    if let Some(first) = errors.first() {
        ctx = ctx.with_code(first.code.clone());
    }
    if let Some(id) = resp.request_id() {
        ctx = ctx.with_request_id(id);
    }
    ctx.attempts = resp.attempts();
    Error::Api {
        context: Box::new(ctx),
    }
}

fn missing_payload(resp: &Response, errors: &[ApiError]) -> Error {
    let message = match errors.first() {
        Some(e) => format!(
            "2xx answer without payload; error {}: {}",
            e.code,
            e.message.clone().unwrap_or_default()
        ),
        None => "2xx answer without payload".to_string(),
    };
    Error::Decode {
        path: "payload".into(),
        message,
        excerpt: connector_core::error::excerpt(resp.body()),
    }
}
