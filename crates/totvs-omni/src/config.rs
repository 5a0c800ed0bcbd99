//! Configuration: the load endpoint, the integration user, the order API and its login.

use std::fmt;
use std::time::Duration;

use connector_core::{Error, RetryPolicy, SecretString, SharedClock, SystemClock};

use crate::layout::LayoutProfile;
use crate::orders::OrderRoutes;

/// Prefix of every environment variable read by [`OmniConfig::from_env`].
pub const ENV_PREFIX: &str = "TOTVS_OMNI_";

/// The host of the load endpoint in TOTVS's integration guide (documented with plain http).
pub const DOCUMENTED_LOAD_HOST: &str = "http://adminco.modalia.com";

/// Everything the TOTVS Omni client needs. Build it with [`OmniConfig::builder`] or
/// [`OmniConfig::from_env`].
///
/// Two credentials live here and are kept apart, as Omni does:
/// * the **integration user** (`username`/`password`), sent as form fields on every load call
///   (the load endpoint is "session-less");
/// * the **order API user**, exchanged for a token at login (see [`crate::auth`]).
///
/// Plain `http` is refused unless [`OmniConfigBuilder::allow_http`] is set (loopback addresses,
/// used by the sandbox, are always allowed), because the load call carries the password in its
/// body. TOTVS documents the load host with plain http: opting in is an explicit, logged choice.
#[derive(Clone)]
pub struct OmniConfig {
    pub(crate) load_host: String,
    pub(crate) site_id: String,
    pub(crate) username: String,
    pub(crate) password: SecretString,
    pub(crate) orders_base_url: Option<String>,
    pub(crate) orders_username: Option<String>,
    pub(crate) orders_password: Option<SecretString>,
    pub(crate) allow_http: bool,
    pub(crate) layout: LayoutProfile,
    pub(crate) routes: OrderRoutes,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: SharedClock,
    pub(crate) load_batch_lines: usize,
    pub(crate) timeout: Duration,
    pub(crate) load_timeout: Duration,
}

impl fmt::Debug for OmniConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OmniConfig")
            .field("load_host", &self.load_host)
            .field("site_id", &self.site_id)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("orders_base_url", &self.orders_base_url)
            .field("orders_username", &self.orders_username)
            .field(
                "orders_password",
                &self.orders_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("allow_http", &self.allow_http)
            .field("layout", &self.layout.name())
            .field("load_batch_lines", &self.load_batch_lines)
            .field("timeout", &self.timeout)
            .field("load_timeout", &self.load_timeout)
            .finish_non_exhaustive()
    }
}

impl OmniConfig {
    /// Starts a configuration for the site `site_id` with the integration user's credentials.
    pub fn builder(
        site_id: impl Into<String>,
        username: impl Into<String>,
        password: SecretString,
    ) -> OmniConfigBuilder {
        OmniConfigBuilder {
            load_host: "https://adminco.modalia.com".to_string(),
            site_id: site_id.into(),
            username: username.into(),
            password,
            orders_base_url: None,
            orders_username: None,
            orders_password: None,
            allow_http: false,
            layout: LayoutProfile::default(),
            routes: OrderRoutes::default(),
            retry: RetryPolicy::default(),
            clock: SystemClock::shared(),
            load_batch_lines: DEFAULT_LOAD_BATCH_LINES,
            timeout: DEFAULT_TIMEOUT,
            load_timeout: DEFAULT_LOAD_TIMEOUT,
        }
    }

    /// Reads the configuration from `TOTVS_OMNI_*` variables:
    ///
    /// | variable | meaning | required |
    /// | --- | --- | --- |
    /// | `TOTVS_OMNI_SITE_ID` | the main site id (`SITEID` in the load URL) | yes |
    /// | `TOTVS_OMNI_USERNAME` / `TOTVS_OMNI_PASSWORD` | integration user | yes |
    /// | `TOTVS_OMNI_LOAD_HOST` | load host (default `https://adminco.modalia.com`) | no |
    /// | `TOTVS_OMNI_ORDERS_URL` | order API base URL | for orders |
    /// | `TOTVS_OMNI_ORDERS_USERNAME` / `TOTVS_OMNI_ORDERS_PASSWORD` | order API login | for orders |
    /// | `TOTVS_OMNI_ALLOW_HTTP` | `true` to allow plain http (passwords in clear!) | no |
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`OmniConfig::from_env`], reading variables through `lookup` (for tests and for
    /// configuration stores).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get =
            |key: &str| lookup(&format!("{ENV_PREFIX}{key}")).filter(|v| !v.trim().is_empty());
        let need = |key: &str| {
            get(key).ok_or_else(|| Error::config(format!("{ENV_PREFIX}{key} is not set")))
        };
        let mut b = Self::builder(
            need("SITE_ID")?,
            need("USERNAME")?,
            SecretString::from(need("PASSWORD")?),
        );
        if let Some(host) = get("LOAD_HOST") {
            b = b.load_host(host);
        }
        if let Some(url) = get("ORDERS_URL") {
            b = b.orders_api(
                url,
                need("ORDERS_USERNAME")?,
                SecretString::from(need("ORDERS_PASSWORD")?),
            );
        }
        if let Some(v) = get("ALLOW_HTTP") {
            let allow = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(Error::config(format!(
                        "{ENV_PREFIX}ALLOW_HTTP must be true or false, got `{v}`"
                    )));
                }
            };
            b = b.allow_http(allow);
        }
        b.build()
    }

    /// The load endpoint URL: `{host}/integrador/session-less/integrations/{SITEID}/integration-exec-post`.
    pub fn load_url(&self) -> String {
        format!(
            "{}/integrador/session-less/integrations/{}/integration-exec-post",
            self.load_host.trim_end_matches('/'),
            connector_http::encode_segment(&self.site_id)
        )
    }

    /// The site id.
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// The layout profile used to write load files.
    pub fn layout(&self) -> &LayoutProfile {
        &self.layout
    }

    /// The order API routes.
    pub fn routes(&self) -> &OrderRoutes {
        &self.routes
    }

    /// Time allowed for one order API call or login (sending, waiting, reading the answer).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Time allowed for one load upload (the file and Omni's answer).
    pub fn load_timeout(&self) -> Duration {
        self.load_timeout
    }
}

/// Default time for one order API call or login: the HTTP runtime's 60 s.
pub const DEFAULT_TIMEOUT: Duration = connector_http::DEFAULT_REQUEST_TIMEOUT;

/// Default time for one load upload: 10 minutes. A load file can be tens of megabytes (a
/// million stock lines is about 57 MB, 8 minutes at 1 Mbit/s) and Omni may run the
/// integration before answering; the runtime's 60 s would cut such uploads (an open question:
/// TOTVS documents no limit).
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Default number of records per load file written by the connector's sinks.
pub const DEFAULT_LOAD_BATCH_LINES: usize = 50_000;

/// Builder for [`OmniConfig`].
pub struct OmniConfigBuilder {
    load_host: String,
    site_id: String,
    username: String,
    password: SecretString,
    orders_base_url: Option<String>,
    orders_username: Option<String>,
    orders_password: Option<SecretString>,
    allow_http: bool,
    layout: LayoutProfile,
    routes: OrderRoutes,
    retry: RetryPolicy,
    clock: SharedClock,
    load_batch_lines: usize,
    timeout: Duration,
    load_timeout: Duration,
}

impl fmt::Debug for OmniConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OmniConfigBuilder")
            .field("load_host", &self.load_host)
            .field("site_id", &self.site_id)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("orders_base_url", &self.orders_base_url)
            .field("orders_username", &self.orders_username)
            .field(
                "orders_password",
                &self.orders_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

impl OmniConfigBuilder {
    /// The load host (scheme + host, optionally a path prefix). Default
    /// `https://adminco.modalia.com`; TOTVS documents [`DOCUMENTED_LOAD_HOST`] (plain http).
    pub fn load_host(mut self, host: impl Into<String>) -> Self {
        self.load_host = host.into();
        self
    }

    /// The order API: base URL and the user/password exchanged for a token.
    pub fn orders_api(
        mut self,
        base_url: impl Into<String>,
        username: impl Into<String>,
        password: SecretString,
    ) -> Self {
        self.orders_base_url = Some(base_url.into());
        self.orders_username = Some(username.into());
        self.orders_password = Some(password);
        self
    }

    /// Allows plain `http` to non-loopback hosts. **The integration password is then sent in
    /// clear text** in every load request (TOTVS documents its load host with http). Off by default.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The field names of the load files (default: [`LayoutProfile::default`]).
    pub fn layout(mut self, layout: LayoutProfile) -> Self {
        self.layout = layout;
        self
    }

    /// The order API routes (default: [`OrderRoutes::default`]).
    pub fn routes(mut self, routes: OrderRoutes) -> Self {
        self.routes = routes;
        self
    }

    /// The retry policy of both HTTP clients.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The clock (tests use `ManualClock`).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Records per load file written by the connector's sinks (default 50 000).
    pub fn load_batch_lines(mut self, lines: usize) -> Self {
        self.load_batch_lines = lines;
        self
    }

    /// Time allowed for one order API call or login (default [`DEFAULT_TIMEOUT`], 60 s).
    /// A write cut by it is [`Error::OutcomeUnknown`], never sent again blindly.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed for one load upload (default [`DEFAULT_LOAD_TIMEOUT`], 10 minutes). An
    /// upload cut by it is [`Error::OutcomeUnknown`].
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// Checks the settings and builds the configuration.
    pub fn build(self) -> Result<OmniConfig, Error> {
        connector_core::validate::required("site_id", &self.site_id)?;
        connector_core::validate::required("username", &self.username)?;
        // Ids and user names travel in URLs, form fields and FTP commands: a line break or
        // another control character there is a configuration mistake (or an injection).
        for (field, value) in [
            ("site_id", Some(self.site_id.as_str())),
            ("username", Some(self.username.as_str())),
            ("orders_username", self.orders_username.as_deref()),
        ] {
            if let Some(v) = value
                && v.chars().any(char::is_control)
            {
                return Err(Error::config(format!(
                    "{field} `{}` holds a line break or another control character",
                    v.escape_debug()
                )));
            }
        }
        if self.timeout.is_zero() || self.load_timeout.is_zero() {
            return Err(Error::config("timeout and load_timeout must not be zero"));
        }
        check_url("load_host", &self.load_host, self.allow_http)?;
        if let Some(url) = &self.orders_base_url {
            check_url("orders_base_url", url, self.allow_http)?;
        }
        if self.load_batch_lines == 0 {
            return Err(Error::invalid("load_batch_lines", "must be at least 1"));
        }
        Ok(OmniConfig {
            load_host: self.load_host,
            site_id: self.site_id,
            username: self.username,
            password: self.password,
            orders_base_url: self.orders_base_url,
            orders_username: self.orders_username,
            orders_password: self.orders_password,
            allow_http: self.allow_http,
            layout: self.layout,
            routes: self.routes,
            retry: self.retry,
            clock: self.clock,
            load_batch_lines: self.load_batch_lines,
            timeout: self.timeout,
            load_timeout: self.load_timeout,
        })
    }
}

fn check_url(field: &str, url: &str, allow_http: bool) -> Result<(), Error> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::config(format!("{field} `{url}` is not an absolute URL")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = is_loopback_host(host);
    match scheme {
        "https" => Ok(()),
        "http" if allow_http || loopback => {
            if !loopback {
                tracing::warn!(
                    field,
                    "plain http allowed: passwords are sent in clear text"
                );
            }
            Ok(())
        }
        "http" => Err(Error::config(format!(
            "{field} uses plain http, which would send the password in clear text; use https or \
             opt in with allow_http(true) / {ENV_PREFIX}ALLOW_HTTP=true"
        ))),
        other => Err(Error::config(format!(
            "{field} has unsupported scheme `{other}`"
        ))),
    }
}

/// Whether `host` (a name or an IP address, IPv6 with or without brackets) is this machine:
/// `localhost`, `127.0.0.0/8` or `::1`. A DNS name that merely starts with `127.` is not.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
