//! Configuration: environment (base URL), tenant, API key, bulk sizes; builder and
//! [`OneConfig::from_env`] (`ONE_B2B_*`).

use std::fmt;
use std::time::Duration;

use std::sync::Arc;

use connector_core::{
    BatchProgress, CursorStore, Error, ExposeSecret, ProgressFn, RetryPolicy, SecretString,
    SharedClock,
};

/// Lines per bulk request recommended by ONe ("do not exceed 10,000 lines in a single query").
pub const DEFAULT_MAX_LINES: usize = 10_000;
/// Bulk requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 2;
/// Events asked per call of an event feed (`numberOfEvents`; ONe's maximum is 1,000).
pub const DEFAULT_EVENTS_PER_PAGE: u32 = 100;
/// ONe's limit of price lists (pricings) per B2B client.
pub const MAX_PRICE_LISTS_PER_CLIENT: usize = 2_000;

/// Where the tenant's API lives. ONe gives each tenant its own host; the production host is
/// not public, so production is always [`Environment::Custom`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api-preprod.one.unity.pl`.
    Preprod,
    /// `https://ph-qa0.one.unity.pl`.
    Qa,
    /// Any other base URL (production, the local simulator).
    Custom(String),
}

impl Environment {
    /// The base URL.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Preprod => "https://api-preprod.one.unity.pl",
            Self::Qa => "https://ph-qa0.one.unity.pl",
            Self::Custom(url) => url,
        }
    }

    /// `preprod`, `qa`, or a URL.
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "preprod" => Self::Preprod,
            "qa" => Self::Qa,
            _ => Self::Custom(value.trim().to_string()),
        }
    }
}

/// A checked configuration. Build it with [`OneConfig::builder`] or [`OneConfig::from_env`].
#[derive(Clone)]
pub struct OneConfig {
    pub(crate) environment: Environment,
    pub(crate) tenant: String,
    pub(crate) api_key: SecretString,
    pub(crate) max_lines: usize,
    pub(crate) concurrency: usize,
    pub(crate) events_per_page: u32,
    pub(crate) currency: String,
    pub(crate) default_warehouse: Option<String>,
    pub(crate) allow_http: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) clock: Option<SharedClock>,
    pub(crate) bulk_progress: Option<ProgressFn>,
    pub(crate) cursor_store: Option<Arc<dyn CursorStore>>,
}

impl fmt::Debug for OneConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneConfig")
            .field("base_url", &self.environment.base_url())
            .field("tenant", &self.tenant)
            .field("api_key", &"[REDACTED]")
            .field("max_lines", &self.max_lines)
            .field("concurrency", &self.concurrency)
            .field("events_per_page", &self.events_per_page)
            .field("currency", &self.currency)
            .field("allow_http", &self.allow_http)
            .field("bulk_progress", &self.bulk_progress.is_some())
            .finish_non_exhaustive()
    }
}

impl OneConfig {
    /// Starts a builder. Defaults: 10,000 lines per bulk request, 2 in flight, 100 events per
    /// page, currency PLN, https required (except loopback).
    pub fn builder() -> OneConfigBuilder {
        OneConfigBuilder::default()
    }

    /// Reads `ONE_B2B_BASE_URL` (or `ONE_B2B_ENVIRONMENT` = `preprod`/`qa`/URL),
    /// `ONE_B2B_TENANT`, `ONE_B2B_API_KEY`, and optionally `ONE_B2B_MAX_LINES`,
    /// `ONE_B2B_CONCURRENCY`, `ONE_B2B_EVENTS_PER_PAGE`, `ONE_B2B_CURRENCY`,
    /// `ONE_B2B_DEFAULT_WAREHOUSE`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`OneConfig::from_env`], reading the variables through `lookup` (a config file, a
    /// test map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut b = Self::builder();
        if let Some(url) = lookup("ONE_B2B_BASE_URL") {
            b = b.environment(Environment::Custom(url));
        } else if let Some(env) = lookup("ONE_B2B_ENVIRONMENT") {
            b = b.environment(Environment::parse(&env));
        }
        if let Some(t) = lookup("ONE_B2B_TENANT") {
            b = b.tenant(t);
        }
        if let Some(k) = lookup("ONE_B2B_API_KEY") {
            b = b.api_key(SecretString::from(k));
        }
        let number = |key: &str| -> Result<Option<usize>, Error> {
            lookup(key)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| Error::config(format!("{key} must be a whole number")))
                })
                .transpose()
        };
        if let Some(n) = number("ONE_B2B_MAX_LINES")? {
            b = b.max_lines(n);
        }
        if let Some(n) = number("ONE_B2B_CONCURRENCY")? {
            b = b.concurrency(n);
        }
        if let Some(n) = number("ONE_B2B_EVENTS_PER_PAGE")? {
            b = b.events_per_page(u32::try_from(n).unwrap_or(u32::MAX));
        }
        if let Some(c) = lookup("ONE_B2B_CURRENCY") {
            b = b.currency(c);
        }
        if let Some(w) = lookup("ONE_B2B_DEFAULT_WAREHOUSE") {
            b = b.default_warehouse(w);
        }
        b.build()
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The tenant key sent in `one-tenant`.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Lines per bulk request.
    pub fn max_lines(&self) -> usize {
        self.max_lines
    }

    /// Bulk requests in flight.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Currency of ONe amounts that carry none.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// Warehouse for stock records that name none.
    pub fn default_warehouse(&self) -> Option<&str> {
        self.default_warehouse.as_deref()
    }
}

/// Builder of [`OneConfig`]. Holds the API key in a secret type; its `Debug` never shows it.
#[derive(Clone, Default)]
pub struct OneConfigBuilder {
    environment: Option<Environment>,
    tenant: Option<String>,
    api_key: Option<SecretString>,
    max_lines: Option<usize>,
    concurrency: Option<usize>,
    events_per_page: Option<u32>,
    currency: Option<String>,
    default_warehouse: Option<String>,
    allow_http: bool,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    clock: Option<SharedClock>,
    bulk_progress: Option<ProgressFn>,
    cursor_store: Option<Arc<dyn CursorStore>>,
}

impl fmt::Debug for OneConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneConfigBuilder")
            .field("environment", &self.environment)
            .field("tenant", &self.tenant)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("max_lines", &self.max_lines)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl OneConfigBuilder {
    /// The environment (required).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Shortcut for `environment(Environment::Custom(url))`.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.environment(Environment::Custom(url.into()))
    }

    /// The tenant key, sent in `one-tenant` (required).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The API key, sent in `ApiAuth` (required).
    pub fn api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Lines per bulk request (default 10,000, ONe's recommendation).
    pub fn max_lines(mut self, n: usize) -> Self {
        self.max_lines = Some(n);
        self
    }

    /// Bulk requests in flight at once (default 2).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Events per call of an event feed (default 100, at most 1,000).
    pub fn events_per_page(mut self, n: u32) -> Self {
        self.events_per_page = Some(n);
        self
    }

    /// Currency of amounts ONe sends without one (default `PLN`; see the open questions).
    pub fn currency(mut self, code: impl Into<String>) -> Self {
        self.currency = Some(code.into());
        self
    }

    /// Warehouse for stock records that name none (the connector's `push_stock`).
    pub fn default_warehouse(mut self, id: impl Into<String>) -> Self {
        self.default_warehouse = Some(id.into());
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

    /// Retry policy (default: the runtime's).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Clock for backoff (tests use `ManualClock`).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Calls `progress` after every chunk of a bulk push settles (stock, prices, clients...),
    /// with cumulative counts for that push (`done` counts every settled input record; records
    /// refused by validation are counted when their window ends). It runs on the pushing task
    /// between requests: keep it cheap (update a gauge, log every N).
    pub fn bulk_progress(
        mut self,
        progress: impl Fn(&BatchProgress) + Send + Sync + 'static,
    ) -> Self {
        self.bulk_progress = Some(std::sync::Arc::new(progress));
        self
    }

    /// Where the position of the order feed is kept (default: nowhere, the caller keeps the
    /// cursor of [`OrderFeed::pull_orders`](connector_core::OrderFeed::pull_orders)).
    ///
    /// With a store, the client's `OrderFeed` shares one position with an
    /// [`EventCursor`](crate::EventCursor) of [`Feed::Orders`](crate::Feed::Orders) on the
    /// same store (key `one.orders`): `pull_orders(None)` starts from the saved position, and
    /// `pull_orders(Some(cursor))` first saves `cursor` (the caller has processed everything
    /// before it). Mixing the two APIs then never re-reads the feed from the start.
    pub fn cursor_store(mut self, store: Arc<dyn CursorStore>) -> Self {
        self.cursor_store = Some(store);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<OneConfig, Error> {
        let environment = self.environment.ok_or_else(|| {
            Error::config("ONe base URL missing: set ONE_B2B_BASE_URL or call environment()")
        })?;
        let tenant = self
            .tenant
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                Error::config("ONe tenant missing: set ONE_B2B_TENANT or call tenant()")
            })?;
        let api_key = self
            .api_key
            .filter(|k| !k.expose_secret().trim().is_empty())
            .ok_or_else(|| {
                Error::config("ONe API key missing: set ONE_B2B_API_KEY or call api_key()")
            })?;
        // Both go into headers on every call: a value HTTP cannot carry (a line break, a
        // control character, non-ASCII) would fail every request, or split a header.
        if let Some(why) = header_value_problem(&tenant) {
            return Err(Error::config(format!(
                "ONe tenant `{}` cannot be sent in the `one-tenant` header: {why}",
                tenant.escape_debug()
            )));
        }
        if let Some(why) = header_value_problem(api_key.expose_secret()) {
            return Err(Error::config(format!(
                "ONe API key cannot be sent in the `ApiAuth` header: {why} (check \
                 ONE_B2B_API_KEY for a pasted line break)"
            )));
        }
        let events_per_page = self.events_per_page.unwrap_or(DEFAULT_EVENTS_PER_PAGE);
        if !(1..=1000).contains(&events_per_page) {
            return Err(Error::config("events_per_page must be between 1 and 1000"));
        }
        let currency = self.currency.unwrap_or_else(|| "PLN".to_string());
        connector_core::Currency::new(&currency)?;
        Ok(OneConfig {
            environment,
            tenant,
            api_key,
            max_lines: self.max_lines.unwrap_or(DEFAULT_MAX_LINES).max(1),
            concurrency: self.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1),
            events_per_page,
            currency,
            default_warehouse: self.default_warehouse,
            allow_http: self.allow_http,
            timeout: self.timeout,
            retry: self.retry,
            clock: self.clock,
            bulk_progress: self.bulk_progress,
            cursor_store: self.cursor_store,
        })
    }
}

/// Why `value` cannot be an HTTP header value as is, if it cannot: only visible ASCII and
/// inner spaces are accepted (no line break or other control character, no non-ASCII, no
/// leading or trailing blank, which HTTP would strip).
pub(crate) fn header_value_problem(value: &str) -> Option<&'static str> {
    if let Some(c) = value.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ')) {
        return Some(if c == '\r' || c == '\n' {
            "it holds a line break"
        } else if c.is_control() {
            "it holds a control character"
        } else {
            "it holds a non-ASCII character"
        });
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Some("it starts or ends with a space");
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210";

    #[test]
    fn a_tenant_or_key_no_header_can_carry_is_refused_at_build() {
        let build = |tenant: &str, key: &str| {
            OneConfig::builder()
                .environment(Environment::Preprod)
                .tenant(tenant)
                .api_key(SecretString::from(key.to_string()))
                .build()
        };
        for tenant in [
            "acme\r\nX-Injected: 1",
            "acme\n",
            "ac\u{0}me",
            "ac\tme",
            "acmé",
            " acme",
        ] {
            let err = build(tenant, KEY).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{tenant:?}: {err:?}");
            assert!(err.to_string().contains("one-tenant"), "{err}");
        }
        let err = build("acme", &format!("{KEY}\r\n")).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("fedcba"), "{err}");
        assert!(build("acme-tenant_1.x", KEY).is_ok());
        assert!(build("two words", KEY).is_ok());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let b = OneConfig::builder()
            .environment(Environment::Preprod)
            .tenant("panelhandlowca")
            .api_key(SecretString::from(KEY.to_string()));
        let s = format!("{b:?}");
        assert!(!s.contains("fedcba"), "{s}");
        assert!(s.contains("[REDACTED]"), "{s}");
        let c = b.build().unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("fedcba"), "{s}");
        assert!(s.contains("api-preprod.one.unity.pl") && s.contains("panelhandlowca"));
    }

    #[test]
    fn from_lookup_reads_the_fixed_prefix_and_names_what_is_missing() {
        let vars: HashMap<&str, &str> = [
            ("ONE_B2B_ENVIRONMENT", "qa"),
            ("ONE_B2B_TENANT", "acme"),
            ("ONE_B2B_API_KEY", KEY),
            ("ONE_B2B_MAX_LINES", "5000"),
        ]
        .into();
        let c = OneConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.environment(), &Environment::Qa);
        assert_eq!(c.max_lines(), 5000);
        assert_eq!(c.concurrency(), DEFAULT_CONCURRENCY);
        let err = OneConfig::from_lookup(|k| {
            (k != "ONE_B2B_TENANT")
                .then(|| vars.get(k).map(|v| v.to_string()))
                .flatten()
        })
        .unwrap_err();
        assert!(err.to_string().contains("ONE_B2B_TENANT"), "{err}");
        // An empty (or blank) key is as missing as no key: every call would answer 401.
        for blank in ["", "  "] {
            let err = OneConfig::from_lookup(|k| match k {
                "ONE_B2B_API_KEY" => Some(blank.to_string()),
                _ => vars.get(k).map(|v| v.to_string()),
            })
            .unwrap_err();
            assert!(err.to_string().contains("ONE_B2B_API_KEY"), "{err}");
        }
        let err = OneConfig::from_lookup(|k| match k {
            "ONE_B2B_MAX_LINES" => Some("ten".into()),
            _ => vars.get(k).map(|v| v.to_string()),
        })
        .unwrap_err();
        assert!(err.to_string().contains("ONE_B2B_MAX_LINES"), "{err}");
    }
}
