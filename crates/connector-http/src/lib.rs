//! # connector-http
//!
//! The one HTTP runtime of the `erp-connectors` SDK. Every platform crate sends its calls
//! through an [`HttpClient`], which takes care of:
//!
//! * **base URLs** that keep their path prefix (`…/oms-api` + `status/1`), and **https** required
//!   except for loopback or an explicit [`HttpClientBuilder::allow_http`];
//! * **timeouts** (connect 10 s, request 60 s by default);
//! * **retries** on 429, 408, 5xx and connection failures, with jittered exponential backoff
//!   capped by attempts *and* total time, honouring `Retry-After`. A write (POST/PUT/PATCH/DELETE)
//!   is retried only when marked [`Request::idempotent`] (or after a 429, which the platform
//!   refused before processing); otherwise a lost answer becomes
//!   [`connector_core::Error::OutcomeUnknown`] carrying a reconcile hint;
//! * **rate limits**: per-operation token buckets that wait rather than fail, optionally
//!   following a rate header such as `x-amzn-RateLimit-Limit`, and optionally shared by every
//!   client of the same quota ([`HttpClientBuilder::shared_rate_limits`]);
//! * **auth**: a [`RequestAuth`] puts credentials on each attempt (bearer token from a
//!   [`connector_core::TokenCache`], static secret headers, Basic) and gets exactly one
//!   refresh-and-retry when the platform refuses them;
//! * **OAuth2** token endpoints ([`OAuth2TokenProvider`]: client credentials, refresh token);
//! * **errors** mapped to [`connector_core::Error`] with status, platform code, request id and a
//!   bounded excerpt of unexpected bodies, with every secret of the client redacted even when a
//!   server echoes it ([`Redactor`], [`HttpClientBuilder::redact_secret`]) and no excerpt at
//!   all of token and login answers ([`Request::sensitive_response`]);
//! * **hostile answers** contained: redirects are never followed (a 3xx is an error naming the
//!   `Location`: credentials never travel to another origin), a body over
//!   [`DEFAULT_MAX_RESPONSE_BYTES`] is refused while it is read, `.`/`..` path segments are
//!   refused ([`join`]), and local failures (a header with CR/LF, a refused TLS certificate)
//!   are reported as such, never retried as network failures;
//! * **tracing** spans (`http.request`) with operation, method, host and path: never a query
//!   string, never a secret (auth headers are marked sensitive).
//!
//! No reqwest type appears in the public API, so a reqwest upgrade is not a breaking change.
//!
//! ## Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use connector_core::{SecretString, SystemClock, TokenCache};
//! use connector_http::{BearerAuth, HttpClient, OAuth2TokenProvider, Request};
//!
//! # async fn run() -> Result<(), connector_core::Error> {
//! let provider = OAuth2TokenProvider::client_credentials(
//!     "https://auth.example.com/realms/x/protocol/openid-connect/token",
//!     "my-client",
//!     SecretString::from("my-secret".to_string()),
//! )?;
//! let cache = Arc::new(TokenCache::new(Arc::new(provider), SystemClock::shared()));
//! let client = HttpClient::builder("https://api.example.com/v1")
//!     .auth(Arc::new(BearerAuth::new(cache)))
//!     .build()?;
//! let status: serde_json::Value = client
//!     .send_json(Request::get("orders/42").operation("orders.get"))
//!     .await?;
//! println!("{status}");
//! # Ok(()) }
//! ```

mod auth;
mod client;
mod errors;
mod oauth;
mod redact;
mod request;
mod response;

pub use auth::{AuthHeaders, BasicAuth, BearerAuth, RejectionRule, RequestAuth, StaticHeaders};
pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_ID_HEADERS,
    DEFAULT_REQUEST_TIMEOUT, HttpClient, HttpClientBuilder, SHARED_DEFAULT_BUCKET, join,
};
pub use errors::{
    ErrorDecoder, ErrorFields, decode_common, default_error_decoder, parse_retry_after,
};
pub use oauth::{ClientAuthMethod, Grant, OAuth2TokenProvider, token_endpoint_error};
pub use redact::{REDACTED, Redactor};
pub use request::{
    Body, FieldValue, FileSource, Method, Part, Request, encode_segment, try_encode_segment,
};
pub use response::{Response, decode_json, decode_json_redacted};
