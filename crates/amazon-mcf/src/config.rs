//! Regions, environments, marketplaces and the client builder.

use std::fmt;
use std::time::Duration;

use connector_core::{Error, RateLimit, RetryPolicy, SecretString, SharedClock, SharedRateLimits};

use crate::auth::LWA_TOKEN_URL;

/// An SP-API region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// North America (CA, US, MX, BR).
    NorthAmerica,
    /// Europe, Middle East, Africa and India.
    Europe,
    /// Far East (SG, AU, JP).
    FarEast,
}

/// Production or sandbox: chosen per client, never globally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Environment {
    /// The live API (default).
    #[default]
    Production,
    /// Amazon's sandbox (dynamic for Fulfillment Outbound and FBA Inventory).
    Sandbox,
}

impl Region {
    /// The production endpoint.
    pub fn production_endpoint(self) -> &'static str {
        match self {
            Self::NorthAmerica => "https://sellingpartnerapi-na.amazon.com",
            Self::Europe => "https://sellingpartnerapi-eu.amazon.com",
            Self::FarEast => "https://sellingpartnerapi-fe.amazon.com",
        }
    }

    /// The sandbox endpoint.
    pub fn sandbox_endpoint(self) -> &'static str {
        match self {
            Self::NorthAmerica => "https://sandbox.sellingpartnerapi-na.amazon.com",
            Self::Europe => "https://sandbox.sellingpartnerapi-eu.amazon.com",
            Self::FarEast => "https://sandbox.sellingpartnerapi-fe.amazon.com",
        }
    }

    /// The endpoint for `env`.
    pub fn endpoint(self, env: Environment) -> &'static str {
        match env {
            Environment::Production => self.production_endpoint(),
            Environment::Sandbox => self.sandbox_endpoint(),
        }
    }

    /// The region a marketplace belongs to (see [`MARKETPLACES`]).
    pub fn for_marketplace(marketplace_id: &str) -> Option<Self> {
        MARKETPLACES
            .iter()
            .find(|m| m.id == marketplace_id)
            .map(|m| m.region)
    }

    /// Parses `na`/`eu`/`fe` (case ignored).
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "na" | "north-america" | "northamerica" => Ok(Self::NorthAmerica),
            "eu" | "europe" => Ok(Self::Europe),
            "fe" | "far-east" | "fareast" => Ok(Self::FarEast),
            other => Err(Error::invalid(
                "region",
                format!("must be na, eu or fe (got `{other}`)"),
            )),
        }
    }
}

/// A marketplace: id, country and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Marketplace {
    /// Marketplace id (`ATVPDKIKX0DER`).
    pub id: &'static str,
    /// Country code as Amazon lists it (`US`, `UK`...).
    pub country: &'static str,
    /// Region.
    pub region: Region,
}

const fn mp(id: &'static str, country: &'static str, region: Region) -> Marketplace {
    Marketplace {
        id,
        country,
        region,
    }
}

/// Every marketplace id with its region (developer-docs "Marketplace IDs").
pub const MARKETPLACES: &[Marketplace] = &[
    mp("A2EUQ1WTGCTBG2", "CA", Region::NorthAmerica),
    mp("ATVPDKIKX0DER", "US", Region::NorthAmerica),
    mp("A1AM78C64UM0Y8", "MX", Region::NorthAmerica),
    mp("A2Q3Y263D00KWC", "BR", Region::NorthAmerica),
    mp("A28R8C7NBKEWEA", "IE", Region::Europe),
    mp("A1RKKUPIHCS9HS", "ES", Region::Europe),
    mp("A1F83G8C2ARO7P", "UK", Region::Europe),
    mp("A13V1IB3VIYZZH", "FR", Region::Europe),
    mp("AMEN7PMS3EDWL", "BE", Region::Europe),
    mp("A1805IZSGTT6HS", "NL", Region::Europe),
    mp("A1PA6795UKMFR9", "DE", Region::Europe),
    mp("APJ6JRA9NG5V4", "IT", Region::Europe),
    mp("A2NODRKZP88ZB9", "SE", Region::Europe),
    mp("AE08WJ6YKNBMC", "ZA", Region::Europe),
    mp("A1C3SOZRARQ6R3", "PL", Region::Europe),
    mp("ARBP9OOSHTCHU", "EG", Region::Europe),
    mp("A33AVAJ2PDY3EV", "TR", Region::Europe),
    mp("A17E79C6D8DWNP", "SA", Region::Europe),
    mp("A2VIGQ35RCS4UG", "AE", Region::Europe),
    mp("A21TJRUUN4KGV", "IN", Region::Europe),
    mp("A19VAU5U5O7RUS", "SG", Region::FarEast),
    mp("A39IBJ37TRP1C6", "AU", Region::FarEast),
    mp("A1VC38T7YXB528", "JP", Region::FarEast),
];

/// Environment variables read by [`AmazonMcfBuilder::from_env`] (prefix `AMAZON_MCF_`).
pub const ENV_VARS: &[&str] = &[
    "AMAZON_MCF_CLIENT_ID",
    "AMAZON_MCF_CLIENT_SECRET",
    "AMAZON_MCF_REFRESH_TOKEN",
    "AMAZON_MCF_MARKETPLACE_ID",
    "AMAZON_MCF_REGION",
    "AMAZON_MCF_ENVIRONMENT",
    "AMAZON_MCF_ENDPOINT",
    "AMAZON_MCF_LWA_URL",
    "AMAZON_MCF_APP_ID",
    "AMAZON_MCF_APP_VERSION",
    "AMAZON_MCF_SELLER_ID",
];

/// Builds an [`crate::AmazonMcfClient`]. Every setting has a documented default.
pub struct AmazonMcfBuilder {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) marketplace_id: Option<String>,
    pub(crate) region: Option<Region>,
    pub(crate) environment: Environment,
    pub(crate) endpoint: Option<String>,
    pub(crate) lwa_url: String,
    pub(crate) app_id: String,
    pub(crate) app_version: Option<String>,
    pub(crate) seller_id: Option<String>,
    pub(crate) allow_http: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Option<SharedClock>,
    pub(crate) timeout: Duration,
    pub(crate) rate_overrides: Vec<(String, RateLimit)>,
    pub(crate) burst_headroom: u32,
    pub(crate) token_margin: Duration,
    pub(crate) shared_limits: Option<SharedRateLimits>,
    pub(crate) rate_limit_scope: Option<String>,
}

impl fmt::Debug for AmazonMcfBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmazonMcfBuilder")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("marketplace_id", &self.marketplace_id)
            .field("region", &self.region)
            .field("environment", &self.environment)
            .field("endpoint", &self.endpoint)
            .field("lwa_url", &self.lwa_url)
            .field("app_id", &self.app_id)
            .field("app_version", &self.app_version)
            .field("seller_id", &self.seller_id)
            .field("shares_rate_limits", &self.shared_limits.is_some())
            .field("rate_limit_scope", &self.rate_limit_scope)
            .finish_non_exhaustive()
    }
}

impl Default for AmazonMcfBuilder {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            refresh_token: None,
            marketplace_id: None,
            region: None,
            environment: Environment::Production,
            endpoint: None,
            lwa_url: LWA_TOKEN_URL.to_string(),
            app_id: "erp-connectors-amazon-mcf".into(),
            app_version: None,
            seller_id: None,
            allow_http: false,
            retry: RetryPolicy::default(),
            clock: None,
            timeout: Duration::from_secs(30),
            rate_overrides: Vec::new(),
            burst_headroom: 1,
            token_margin: Duration::from_secs(60),
            shared_limits: None,
            rate_limit_scope: None,
        }
    }
}

impl AmazonMcfBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `AMAZON_MCF_*` variables (see [`ENV_VARS`]); unset ones keep their defaults.
    /// `AMAZON_MCF_ENVIRONMENT` is `production` (default) or `sandbox`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`Self::from_env`] with any key lookup (config files, tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut b = Self::new();
        if let Some(v) = get("AMAZON_MCF_CLIENT_ID") {
            b = b.client_id(v);
        }
        if let Some(v) = get("AMAZON_MCF_CLIENT_SECRET") {
            b = b.client_secret(SecretString::from(v));
        }
        if let Some(v) = get("AMAZON_MCF_REFRESH_TOKEN") {
            b = b.refresh_token(SecretString::from(v));
        }
        if let Some(v) = get("AMAZON_MCF_MARKETPLACE_ID") {
            b = b.marketplace_id(v);
        }
        if let Some(v) = get("AMAZON_MCF_REGION") {
            b = b.region(Region::parse(&v)?);
        }
        if let Some(v) = get("AMAZON_MCF_ENVIRONMENT") {
            b = b.environment(match v.trim().to_ascii_lowercase().as_str() {
                "production" | "prod" => Environment::Production,
                "sandbox" => Environment::Sandbox,
                other => {
                    return Err(Error::config(format!(
                        "AMAZON_MCF_ENVIRONMENT must be `production` or `sandbox` (got `{other}`)"
                    )));
                }
            });
        }
        if let Some(v) = get("AMAZON_MCF_ENDPOINT") {
            b = b.endpoint(v);
        }
        if let Some(v) = get("AMAZON_MCF_LWA_URL") {
            b = b.lwa_url(v);
        }
        if let Some(v) = get("AMAZON_MCF_APP_ID") {
            b = b.app_id(v);
        }
        if let Some(v) = get("AMAZON_MCF_APP_VERSION") {
            b = b.app_version(v);
        }
        if let Some(v) = get("AMAZON_MCF_SELLER_ID") {
            b = b.seller_id(v);
        }
        Ok(b)
    }

    /// LWA client id (required).
    pub fn client_id(mut self, v: impl Into<String>) -> Self {
        self.client_id = Some(v.into());
        self
    }

    /// LWA client secret (required; rotated every 180 days).
    pub fn client_secret(mut self, v: SecretString) -> Self {
        self.client_secret = Some(v);
        self
    }

    /// The seller's refresh token (`Atzr|...`, required): from self-authorization (private
    /// apps) or [`crate::auth::AuthorizationCodeExchange`] (public apps).
    pub fn refresh_token(mut self, v: SecretString) -> Self {
        self.refresh_token = Some(v);
        self
    }

    /// The marketplace orders and stock default to (required). Also picks the region.
    pub fn marketplace_id(mut self, v: impl Into<String>) -> Self {
        self.marketplace_id = Some(v.into());
        self
    }

    /// The region (default: the marketplace's region).
    pub fn region(mut self, v: Region) -> Self {
        self.region = Some(v);
        self
    }

    /// Production (default) or sandbox, for this client only.
    pub fn environment(mut self, v: Environment) -> Self {
        self.environment = v;
        self
    }

    /// Shortcut for `environment(Environment::Sandbox)`.
    pub fn sandbox(self) -> Self {
        self.environment(Environment::Sandbox)
    }

    /// Overrides the endpoint (a local simulator, a proxy). The environment still decides
    /// whether sandbox-only operations are allowed.
    pub fn endpoint(mut self, v: impl Into<String>) -> Self {
        self.endpoint = Some(v.into());
        self
    }

    /// The LWA token URL (default [`LWA_TOKEN_URL`]).
    pub fn lwa_url(mut self, v: impl Into<String>) -> Self {
        self.lwa_url = v.into();
        self
    }

    /// Your application's name and version for the User-Agent Amazon requires:
    /// `name/version (Language=Rust; Platform=os/arch; Library=erp-connectors-amazon-mcf/x.y.z)`
    /// (see [`crate::user_agent`]; checked at [`Self::build`]).
    ///
    /// ```
    /// # fn main() -> Result<(), connector_core::Error> {
    /// let client = amazon_mcf::AmazonMcfClient::builder()
    ///     .client_id("amzn1.application-oa2-client.0123")
    ///     .client_secret("lwa-secret".to_string().into())
    ///     .refresh_token("Atzr|refresh".to_string().into())
    ///     .marketplace_id("ATVPDKIKX0DER")
    ///     .app("My Selling Tool", "2.0.1")
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn app(self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.app_id(name).app_version(version)
    }

    /// Your application name for the User-Agent (default `erp-connectors-amazon-mcf`);
    /// see [`Self::app`] to give its version too.
    pub fn app_id(mut self, v: impl Into<String>) -> Self {
        self.app_id = v.into();
        self
    }

    /// Your application's version for the User-Agent (`AMAZON_MCF_APP_VERSION`). Unset, the
    /// library's own version stands in for it.
    pub fn app_version(mut self, v: impl Into<String>) -> Self {
        self.app_version = Some(v.into());
        self
    }

    /// The selling partner id (optional). It names this client's rate buckets when they are
    /// shared ([`Self::share_rate_limits`]): set it whenever one application serves several
    /// sellers.
    pub fn seller_id(mut self, v: impl Into<String>) -> Self {
        self.seller_id = Some(v.into());
        self
    }

    /// Allows plain `http` endpoints other than loopback (default false).
    pub fn allow_http(mut self, v: bool) -> Self {
        self.allow_http = v;
        self
    }

    /// Retry policy (default: 4 attempts, jittered exponential backoff, 60 s in total).
    pub fn retry(mut self, v: RetryPolicy) -> Self {
        self.retry = v;
        self
    }

    /// Clock for rate limits, backoff and token expiry (default: system clock).
    pub fn clock(mut self, v: SharedClock) -> Self {
        self.clock = Some(v);
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, v: Duration) -> Self {
        self.timeout = v;
        self
    }

    /// Replaces the usage plan of one operation (its operationId, e.g. `getFulfillmentOrder`),
    /// for sellers granted more than the default.
    pub fn rate_limit(mut self, operation_id: impl Into<String>, limit: RateLimit) -> Self {
        self.rate_overrides.push((operation_id.into(), limit));
        self
    }

    /// Takes this client's rate buckets from `registry` (default: the client has its own), so
    /// every client of the same quota, e.g. one per marketplace or per worker, paces its calls
    /// together instead of each sending the full rate.
    ///
    /// Amazon applies a usage plan per selling partner, application and operation, across the
    /// marketplaces of a region. The scope under which the buckets are kept is therefore, unless
    /// [`Self::rate_limit_scope`] sets another:
    ///
    /// `sp-api/<production|sandbox>/<na|eu|fe>/client=<LWA client id>[/seller=<seller id>]`
    ///
    /// * the LWA client id identifies the application (it is not a secret; the client secret
    ///   and refresh token never enter the scope);
    /// * the seller id ([`Self::seller_id`]) identifies the selling partner. **Without it every
    ///   client of the application in that region and environment shares one scope**, as if
    ///   they were one seller: never too fast, but sellers would slow each other down. Set it
    ///   when one application serves several sellers;
    /// * the region and the environment pick Amazon's regional quota; the marketplace does
    ///   not (marketplaces of a region share it), nor does an [`Self::endpoint`] override (a
    ///   proxy reaches the same quota; give a simulator its own scope if needed).
    ///
    /// The first client to create a bucket sets its limit: give clients of one scope the same
    /// [`Self::rate_limit`] overrides and [`Self::burst_headroom`]. A rate Amazon sends in
    /// `x-amzn-RateLimit-Limit` to one client applies to all of them.
    ///
    /// ```
    /// use amazon_mcf::AmazonMcfClient;
    /// use connector_core::{SecretString, SharedRateLimits};
    ///
    /// # fn main() -> Result<(), connector_core::Error> {
    /// let registry = SharedRateLimits::new();
    /// let client_for = |marketplace: &str| {
    ///     AmazonMcfClient::builder()
    ///         .client_id("amzn1.application-oa2-client.0123")
    ///         .client_secret(SecretString::from("lwa-secret".to_string()))
    ///         .refresh_token(SecretString::from("Atzr|refresh".to_string()))
    ///         .seller_id("A2SELLER0001")
    ///         .marketplace_id(marketplace)
    ///         .share_rate_limits(&registry)
    ///         .build()
    /// };
    /// let us = client_for("ATVPDKIKX0DER")?;
    /// let ca = client_for("A2EUQ1WTGCTBG2")?;
    /// // Both North America: one set of buckets.
    /// assert_eq!(
    ///     us.rate_limit_scope(),
    ///     Some("sp-api/production/na/client=amzn1.application-oa2-client.0123/seller=A2SELLER0001")
    /// );
    /// assert_eq!(us.rate_limit_scope(), ca.rate_limit_scope());
    /// # Ok(()) }
    /// ```
    pub fn share_rate_limits(mut self, registry: &SharedRateLimits) -> Self {
        self.shared_limits = Some(registry.clone());
        self
    }

    /// The scope of the shared buckets, replacing the derived one described at
    /// [`Self::share_rate_limits`] (which it needs to take effect). Use it to group clients
    /// the derivation cannot tell apart or together; never put a secret in it, it is shown in
    /// `Debug` and logs.
    pub fn rate_limit_scope(mut self, scope: impl Into<String>) -> Self {
        self.rate_limit_scope = Some(scope.into());
        self
    }

    /// Tokens kept back from each bucket's burst (default 1): the first answers of a run
    /// take longer (connection, token fetch), so a client that used the full burst could
    /// send its next request a few ms before Amazon's bucket refilled and get a 429.
    pub fn burst_headroom(mut self, v: u32) -> Self {
        self.burst_headroom = v;
        self
    }

    /// Early-refresh margin of the access token (default 60 s, as Amazon's own SDKs).
    pub fn token_refresh_margin(mut self, v: Duration) -> Self {
        self.token_margin = v;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<crate::AmazonMcfClient, Error> {
        crate::client::AmazonMcfClient::from_builder(self)
    }
}
