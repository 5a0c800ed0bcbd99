//! Configuration: environment (API base URL, Keycloak token URL, SFTP host), the two
//! identities (OAuth2 client and SFTP user), the status route and the market lists; builder and
//! [`AccorConfig::from_env`] (`ACCOR_OMS_*`).

use std::fmt;
use std::time::Duration;

use connector_core::{Currency, Error, RetryPolicy, SecretString, SharedClock};

/// Default route of the status call (the public docs do not give it; see the open questions).
/// `{order_id}` is replaced by the percent-encoded order id.
pub const DEFAULT_STATUS_ROUTE: &str = "status/{order_id}";

/// `user_store` values documented by Accor (`country_language`).
pub const USER_STORES: &[&str] = &[
    "fr_fr", "be_fr", "be_nl", "de_de", "es_es", "pt_pt", "nl_nl", "pl_pl", "uk_en",
];

/// `shipping_zone_code` values documented by Accor.
pub const SHIPPING_ZONES: &[&str] = &[
    "FR-FR", "BE-BE", "BL-BL", "DE-DE", "ES-ES", "PT-PT", "NL-NL", "PL-PL", "UK-UK",
];

/// Where the OMS lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Accor's test servers (`oms-api-pp`, Keycloak `connect.rec`, SFTP `pp.sftp.accor.com`).
    Test,
    /// Production (`oms-api`, Keycloak `connect`, SFTP `sftp.accor.com`).
    Production,
    /// Any other deployment, e.g. the local simulator.
    Custom {
        /// API base URL (ending in `/oms-api` on Accor's hosts).
        base_url: String,
        /// Full token endpoint URL.
        token_url: String,
        /// SFTP host, if catalog files are served.
        sftp_host: Option<String>,
    },
}

impl Environment {
    /// The API base URL.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Test => "https://oms-api-pp.astoreshop.com/oms-api",
            Self::Production => "https://oms-api.astoreshop.com/oms-api",
            Self::Custom { base_url, .. } => base_url,
        }
    }

    /// The Keycloak token endpoint.
    pub fn token_url(&self) -> &str {
        match self {
            Self::Test => {
                "https://connect.rec.astoresuite.com/auth/realms/astore-p2p/protocol/openid-connect/token"
            }
            Self::Production => {
                "https://connect.astoresuite.com/auth/realms/astore-p2p/protocol/openid-connect/token"
            }
            Self::Custom { token_url, .. } => token_url,
        }
    }

    /// The SFTP host of the catalog files.
    pub fn sftp_host(&self) -> Option<&str> {
        match self {
            Self::Test => Some("pp.sftp.accor.com"),
            Self::Production => Some("sftp.accor.com"),
            Self::Custom { sftp_host, .. } => sftp_host.as_deref(),
        }
    }
}

/// A checked configuration. Build it with [`AccorConfig::builder`] or [`AccorConfig::from_env`].
#[derive(Clone)]
pub struct AccorConfig {
    pub(crate) environment: Environment,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) sftp_username: Option<String>,
    pub(crate) sftp_password: Option<SecretString>,
    pub(crate) status_route: String,
    pub(crate) extra_user_stores: Vec<String>,
    pub(crate) extra_shipping_zones: Vec<String>,
    pub(crate) default_shipping_zone: Option<String>,
    pub(crate) currency: Currency,
    pub(crate) allow_http: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) clock: Option<SharedClock>,
}

impl fmt::Debug for AccorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccorConfig")
            .field("base_url", &self.environment.base_url())
            .field("token_url", &self.environment.token_url())
            .field("sftp_host", &self.environment.sftp_host())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("sftp_username", &self.sftp_username)
            .field(
                "sftp_password",
                &self.sftp_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("status_route", &self.status_route)
            .field("extra_user_stores", &self.extra_user_stores)
            .field("extra_shipping_zones", &self.extra_shipping_zones)
            .field("currency", &self.currency)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

impl AccorConfig {
    /// Starts a builder. Defaults: status route `status/{order_id}`, currency EUR, only the
    /// documented markets, https required (except loopback).
    pub fn builder() -> AccorConfigBuilder {
        AccorConfigBuilder::default()
    }

    /// Reads `ACCOR_OMS_ENVIRONMENT` (`test`/`production`) or `ACCOR_OMS_BASE_URL` +
    /// `ACCOR_OMS_TOKEN_URL` (+ `ACCOR_OMS_SFTP_HOST`), `ACCOR_OMS_CLIENT_ID`,
    /// `ACCOR_OMS_CLIENT_SECRET`, and optionally `ACCOR_OMS_SFTP_USERNAME`,
    /// `ACCOR_OMS_SFTP_PASSWORD`, `ACCOR_OMS_STATUS_ROUTE`, `ACCOR_OMS_EXTRA_USER_STORES` and
    /// `ACCOR_OMS_EXTRA_SHIPPING_ZONES` (comma-separated), `ACCOR_OMS_SHIPPING_ZONE`,
    /// `ACCOR_OMS_CURRENCY`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`AccorConfig::from_env`], reading the variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut b = Self::builder();
        if let Some(url) = lookup("ACCOR_OMS_BASE_URL") {
            let token_url = lookup("ACCOR_OMS_TOKEN_URL").ok_or_else(|| {
                Error::config("ACCOR_OMS_BASE_URL is set but ACCOR_OMS_TOKEN_URL is missing")
            })?;
            b = b.environment(Environment::Custom {
                base_url: url,
                token_url,
                sftp_host: lookup("ACCOR_OMS_SFTP_HOST"),
            });
        } else if let Some(env) = lookup("ACCOR_OMS_ENVIRONMENT") {
            b = b.environment(match env.trim().to_ascii_lowercase().as_str() {
                "test" | "pp" | "preprod" => Environment::Test,
                "production" | "prod" => Environment::Production,
                other => {
                    return Err(Error::config(format!(
                        "ACCOR_OMS_ENVIRONMENT must be `test` or `production` (got `{other}`); \
                         use ACCOR_OMS_BASE_URL for another host"
                    )));
                }
            });
        }
        if let Some(v) = lookup("ACCOR_OMS_CLIENT_ID") {
            b = b.client_id(v);
        }
        if let Some(v) = lookup("ACCOR_OMS_CLIENT_SECRET") {
            b = b.client_secret(SecretString::from(v));
        }
        if let (Some(u), Some(p)) = (
            lookup("ACCOR_OMS_SFTP_USERNAME"),
            lookup("ACCOR_OMS_SFTP_PASSWORD"),
        ) {
            b = b.sftp_credentials(u, SecretString::from(p));
        }
        if let Some(v) = lookup("ACCOR_OMS_STATUS_ROUTE") {
            b = b.status_route(v);
        }
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        if let Some(v) = lookup("ACCOR_OMS_EXTRA_USER_STORES") {
            for s in list(v) {
                b = b.allow_user_store(s);
            }
        }
        if let Some(v) = lookup("ACCOR_OMS_EXTRA_SHIPPING_ZONES") {
            for s in list(v) {
                b = b.allow_shipping_zone(s);
            }
        }
        if let Some(v) = lookup("ACCOR_OMS_SHIPPING_ZONE") {
            b = b.default_shipping_zone(v);
        }
        if let Some(v) = lookup("ACCOR_OMS_CURRENCY") {
            b = b.currency(Currency::new(v.trim())?);
        }
        b.build()
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The OAuth2 client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The SFTP username, when configured.
    pub fn sftp_username(&self) -> Option<&str> {
        self.sftp_username.as_deref()
    }

    /// The SFTP password, when configured.
    pub fn sftp_password(&self) -> Option<&SecretString> {
        self.sftp_password.as_ref()
    }

    /// The status route template (relative to the base URL).
    pub fn status_route(&self) -> &str {
        &self.status_route
    }

    /// The currency assumed when a response carries none.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The shipping zone used by the connector when a draft names none.
    pub fn default_shipping_zone(&self) -> Option<&str> {
        self.default_shipping_zone.as_deref()
    }

    /// Whether `value` is a documented `user_store` or one explicitly allowed.
    pub fn is_known_user_store(&self, value: &str) -> bool {
        USER_STORES.contains(&value) || self.extra_user_stores.iter().any(|s| s == value)
    }

    /// Whether `value` is a documented `shipping_zone_code` or one explicitly allowed.
    pub fn is_known_shipping_zone(&self, value: &str) -> bool {
        SHIPPING_ZONES.contains(&value) || self.extra_shipping_zones.iter().any(|s| s == value)
    }
}

/// Builder of [`AccorConfig`]. Holds both secrets in secret types; `Debug` never shows them.
#[derive(Clone, Default)]
pub struct AccorConfigBuilder {
    environment: Option<Environment>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    sftp_username: Option<String>,
    sftp_password: Option<SecretString>,
    status_route: Option<String>,
    extra_user_stores: Vec<String>,
    extra_shipping_zones: Vec<String>,
    default_shipping_zone: Option<String>,
    currency: Option<Currency>,
    allow_http: bool,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    clock: Option<SharedClock>,
}

impl fmt::Debug for AccorConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccorConfigBuilder")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("sftp_username", &self.sftp_username)
            .field(
                "sftp_password",
                &self.sftp_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("status_route", &self.status_route)
            .finish_non_exhaustive()
    }
}

impl AccorConfigBuilder {
    /// The environment (required).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// A custom deployment (the simulator): API base URL and token URL.
    pub fn custom(self, base_url: impl Into<String>, token_url: impl Into<String>) -> Self {
        self.environment(Environment::Custom {
            base_url: base_url.into(),
            token_url: token_url.into(),
            sftp_host: None,
        })
    }

    /// OAuth2 client id (required).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// OAuth2 client secret (required).
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The SFTP identity for the catalog files (the second identity Accor issues).
    pub fn sftp_credentials(mut self, username: impl Into<String>, password: SecretString) -> Self {
        self.sftp_username = Some(username.into());
        self.sftp_password = Some(password);
        self
    }

    /// The status route relative to the base URL, with an `{order_id}` placeholder (default
    /// `status/{order_id}`).
    pub fn status_route(mut self, route: impl Into<String>) -> Self {
        self.status_route = Some(route.into());
        self
    }

    /// Escape hatch: accept a `user_store` that is not in Accor's documented list (a new market).
    pub fn allow_user_store(mut self, value: impl Into<String>) -> Self {
        self.extra_user_stores.push(value.into());
        self
    }

    /// Escape hatch: accept a `shipping_zone_code` outside the documented list.
    pub fn allow_shipping_zone(mut self, value: impl Into<String>) -> Self {
        self.extra_shipping_zones.push(value.into());
        self
    }

    /// Shipping zone the connector uses when a draft does not carry one.
    pub fn default_shipping_zone(mut self, value: impl Into<String>) -> Self {
        self.default_shipping_zone = Some(value.into());
        self
    }

    /// Currency assumed when a response carries none (default EUR).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Allows a plain-http base URL that is not loopback (default false).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Request timeout (default: the runtime's 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retry policy for the calls that may be retried (default: the runtime's).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Clock for backoff and token expiry (tests use `ManualClock`).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<AccorConfig, Error> {
        let environment = self.environment.ok_or_else(|| {
            Error::config(
                "Accor environment missing: set ACCOR_OMS_ENVIRONMENT or ACCOR_OMS_BASE_URL, or call environment()",
            )
        })?;
        let client_id = self
            .client_id
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                Error::config(
                    "Accor OAuth2 client id missing: set ACCOR_OMS_CLIENT_ID or call client_id()",
                )
            })?;
        let client_secret = self.client_secret.ok_or_else(|| {
            Error::config(
                "Accor OAuth2 client secret missing: set ACCOR_OMS_CLIENT_SECRET or call client_secret()",
            )
        })?;
        let status_route = self
            .status_route
            .unwrap_or_else(|| DEFAULT_STATUS_ROUTE.to_string());
        if !status_route.contains("{order_id}") {
            return Err(Error::config(
                "the status route must contain the `{order_id}` placeholder",
            ));
        }
        let status_route = status_route.trim_start_matches('/').to_string();
        Ok(AccorConfig {
            environment,
            client_id,
            client_secret,
            sftp_username: self.sftp_username,
            sftp_password: self.sftp_password,
            status_route,
            extra_user_stores: self.extra_user_stores,
            extra_shipping_zones: self.extra_shipping_zones,
            default_shipping_zone: self.default_shipping_zone,
            currency: self.currency.unwrap_or(Currency::EUR),
            allow_http: self.allow_http,
            timeout: self.timeout,
            retry: self.retry,
            clock: self.clock,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn debug_never_shows_either_secret() {
        let b = AccorConfig::builder()
            .environment(Environment::Test)
            .client_id("erp-client")
            .client_secret(SecretString::from("s3cr3t-oauth"))
            .sftp_credentials("catalog-user", SecretString::from("s3cr3t-sftp"));
        let s = format!("{b:?}");
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(s.contains("[REDACTED]"), "{s}");
        let c = b.build().unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(s.contains("oms-api-pp.astoreshop.com") && s.contains("pp.sftp.accor.com"));
        assert!(s.contains("catalog-user") && s.contains("erp-client"));
    }

    #[test]
    fn environments_have_their_hosts() {
        assert_eq!(
            Environment::Production.base_url(),
            "https://oms-api.astoreshop.com/oms-api"
        );
        assert!(
            Environment::Production
                .token_url()
                .starts_with("https://connect.astoresuite.com/auth/realms/astore-p2p/")
        );
        assert!(
            Environment::Test
                .token_url()
                .starts_with("https://connect.rec.astoresuite.com/")
        );
        assert_eq!(Environment::Production.sftp_host(), Some("sftp.accor.com"));
    }

    #[test]
    fn from_lookup_reads_the_prefix_and_names_what_is_missing() {
        let vars: HashMap<&str, &str> = [
            ("ACCOR_OMS_ENVIRONMENT", "production"),
            ("ACCOR_OMS_CLIENT_ID", "erp"),
            ("ACCOR_OMS_CLIENT_SECRET", "x"),
            ("ACCOR_OMS_SFTP_USERNAME", "cat"),
            ("ACCOR_OMS_SFTP_PASSWORD", "pw"),
            ("ACCOR_OMS_EXTRA_USER_STORES", "it_it, ch_de"),
            ("ACCOR_OMS_STATUS_ROUTE", "/order/{order_id}"),
        ]
        .into();
        let c = AccorConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.environment(), &Environment::Production);
        assert_eq!(c.sftp_username(), Some("cat"));
        assert_eq!(c.status_route(), "order/{order_id}");
        assert!(c.is_known_user_store("it_it") && c.is_known_user_store("fr_fr"));
        assert!(!c.is_known_user_store("xx_xx"));
        let err = AccorConfig::from_lookup(|k| {
            (k != "ACCOR_OMS_CLIENT_SECRET")
                .then(|| vars.get(k).map(|v| v.to_string()))
                .flatten()
        })
        .unwrap_err();
        assert!(err.to_string().contains("ACCOR_OMS_CLIENT_SECRET"), "{err}");
        let err = AccorConfig::from_lookup(|k| match k {
            "ACCOR_OMS_ENVIRONMENT" => Some("moon".into()),
            _ => vars.get(k).map(|v| v.to_string()),
        })
        .unwrap_err();
        assert!(err.to_string().contains("moon"), "{err}");
        let err = AccorConfig::builder()
            .environment(Environment::Test)
            .client_id("a")
            .client_secret(SecretString::from("b"))
            .status_route("status")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("{order_id}"), "{err}");
    }
}
