//! The one error type of the SDK, organised by what the caller does next.
//!
//! | variant | what to do next | retryable |
//! | --- | --- | --- |
//! | [`Error::InvalidInput`] | fix the named field, then send again | no |
//! | [`Error::Config`] | fix the client configuration | no |
//! | [`Error::Auth`] | re-authenticate / rotate credentials (see [`AuthErrorKind`]) | no |
//! | [`Error::NotFound`] | the resource does not exist: record it and move on | no |
//! | [`Error::Conflict`] | the resource already exists or changed: reconcile | no |
//! | [`Error::RateLimited`] | wait [`Error::retry_after`], then retry | yes |
//! | [`Error::Transient`] | retry later (5xx, connection refused, timeout of a safe call) | yes |
//! | [`Error::OutcomeUnknown`] | a write may or may not have happened: look it up before retrying | no |
//! | [`Error::Api`] | the platform refused the request: read the code and message | no |
//! | [`Error::Decode`] | the response did not have the documented shape: report it | no |
//! | [`Error::Unsupported`] | the platform cannot do this | no |
//! | [`Error::Io`] | a local file or transport failed | no |
//!
//! No variant ever carries a secret, and no variant exposes a foreign type (reqwest, ssh2) in its
//! fields: foreign errors are only reachable through [`std::error::Error::source`].

use std::fmt;
use std::time::Duration;

/// A boxed foreign error kept as the `source()` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type used across the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest excerpt of an unexpected response body kept in an error (in bytes).
pub const MAX_BODY_EXCERPT: usize = 512;

/// What went wrong, organised by what the caller should do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks a rule; nothing was sent. Fix `field` and try again.
    #[error("invalid input: `{field}` {rule}")]
    InvalidInput {
        /// Path of the offending field, e.g. `customer.email` or `offers[2].quantity`.
        field: String,
        /// The rule that was broken, phrased to follow the field name ("must not be empty").
        rule: String,
    },

    /// The client is misconfigured (missing setting, bad URL, plain http without opt-in...).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and which setting fixes it.
        message: String,
    },

    /// The platform refused the credentials.
    #[error("authentication failed ({kind}): {}; {}", context.message, kind.next_step())]
    Auth {
        /// Which credential problem it is; tells what to do next.
        kind: AuthErrorKind,
        /// Status, platform code and request id of the refusal.
        context: Box<ApiContext>,
    },

    /// The resource does not exist (HTTP 404 or the platform's equivalent).
    #[error("not found: {}", context)]
    NotFound {
        /// Status, platform code and request id.
        context: Box<ApiContext>,
    },

    /// The resource already exists or was changed concurrently (HTTP 409/412).
    #[error("conflict: {}", context)]
    Conflict {
        /// Status, platform code and request id.
        context: Box<ApiContext>,
    },

    /// Too many requests. Wait `retry_after` (when the platform said) and retry.
    #[error("rate limited{}: {}", retry_after.map(|d| format!(" (retry after {} ms)", d.as_millis())).unwrap_or_default(), context)]
    RateLimited {
        /// How long the platform asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// Status, platform code and request id.
        context: Box<ApiContext>,
    },

    /// A temporary failure: 5xx, connection refused, timeout of a safe call. Retry later.
    #[error("temporary failure: {}", context)]
    Transient {
        /// Status (if any), message and request id.
        context: Box<ApiContext>,
        /// The underlying transport error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// A write was sent but no answer came back: it may or may not have taken effect.
    /// Look the record up (see `reconcile`) before sending it again.
    #[error("outcome unknown for `{operation}`: {reason}; {reconcile}")]
    OutcomeUnknown {
        /// The operation that was in flight, e.g. `accor.purchase_order`.
        operation: String,
        /// Why the outcome is unknown (timeout, connection dropped...).
        reason: String,
        /// How to find out what happened, e.g. "call get_fulfillment_order(\"ERP-1\")".
        reconcile: String,
        /// The underlying transport error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// The platform answered with an error that fits no other variant (most 4xx).
    #[error("API error: {}", context)]
    Api {
        /// Status, platform code, message, request id and a bounded body excerpt.
        context: Box<ApiContext>,
    },

    /// A response did not have the expected shape.
    #[error("could not decode response at `{path}`: {message} (body starts: {excerpt:?})")]
    Decode {
        /// JSON path (or CSV line/column) where decoding failed.
        path: String,
        /// What was wrong.
        message: String,
        /// The first bytes of the body (at most [`MAX_BODY_EXCERPT`]).
        excerpt: String,
    },

    /// The platform does not offer this operation.
    #[error("`{operation}` is not supported by {platform}")]
    Unsupported {
        /// The platform name.
        platform: String,
        /// The operation that was asked for.
        operation: String,
    },

    /// A local I/O or transport failure (files, cursor store, SFTP channel).
    #[error("I/O error: {message}")]
    Io {
        /// What failed, with the path or host involved.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

/// Which credential problem an [`Error::Auth`] is; each tells the caller what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// Wrong client id/secret or user/password: rotate or correct the credentials.
    InvalidClient,
    /// The refresh token or grant was revoked or expired: re-authorize (e.g. the seller).
    InvalidGrant,
    /// The token was refused even after a refresh.
    TokenRejected,
    /// Authenticated, but not allowed to do this (missing role or scope).
    Forbidden,
    /// Any other credential refusal.
    Other,
}

impl AuthErrorKind {
    /// A one-line description of what the caller should do next.
    pub fn next_step(&self) -> &'static str {
        match self {
            Self::InvalidClient => "check or rotate the client id and secret",
            Self::InvalidGrant => "re-authorize: the refresh token or grant is no longer valid",
            Self::TokenRejected => "the platform refused a fresh token: check the account's access",
            Self::Forbidden => "ask the platform to grant the missing role or scope",
            Self::Other => "check the credentials",
        }
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::InvalidClient => "invalid client",
            Self::InvalidGrant => "invalid grant",
            Self::TokenRejected => "token rejected",
            Self::Forbidden => "forbidden",
            Self::Other => "refused",
        };
        f.write_str(s)
    }
}

/// What the platform told us about a failed call. Never holds a secret or a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiContext {
    /// The operation name, e.g. `amazon.getFulfillmentOrder`.
    pub operation: Option<String>,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The platform's own error code (e.g. `InvalidInput`, `invalid_grant`).
    pub code: Option<String>,
    /// A human-readable message.
    pub message: String,
    /// The platform's request id (e.g. `x-amzn-RequestId`), for support tickets.
    pub request_id: Option<String>,
    /// At most [`MAX_BODY_EXCERPT`] bytes of an unexpected body.
    pub body_excerpt: Option<String>,
    /// How many attempts were made before giving up.
    pub attempts: u32,
}

impl ApiContext {
    /// A context with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// Sets the operation name.
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the platform error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the platform request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Keeps a bounded excerpt of `body` (cut on a character boundary).
    pub fn with_body_excerpt(mut self, body: &[u8]) -> Self {
        if !body.is_empty() {
            self.body_excerpt = Some(excerpt(body));
        }
        self
    }
}

impl fmt::Display for ApiContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        if let Some(status) = self.status {
            write!(f, "HTTP {status} ")?;
        }
        if let Some(code) = &self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

/// The first [`MAX_BODY_EXCERPT`] bytes of `body` as text, cut on a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_BODY_EXCERPT + 4)]);
    let mut end = text.len().min(MAX_BODY_EXCERPT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text[..end].to_string();
    if body.len() > MAX_BODY_EXCERPT {
        out.push('…');
    }
    out
}

impl Error {
    /// An [`Error::InvalidInput`] for `field` breaking `rule`.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// An [`Error::Config`] with `message`.
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
        }
    }

    /// An [`Error::Unsupported`].
    pub fn unsupported(platform: impl Into<String>, operation: impl Into<String>) -> Self {
        Self::Unsupported {
            platform: platform.into(),
            operation: operation.into(),
        }
    }

    /// An [`Error::Io`] with a message and its cause.
    pub fn io(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Io {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// An [`Error::Transient`] with a message and no status.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            context: Box::new(ApiContext::new(message)),
            source: None,
        }
    }

    /// An [`Error::Decode`] from a `serde_json` error on `body`.
    pub fn decode_json(err: &serde_json::Error, body: &[u8]) -> Self {
        Self::Decode {
            path: format!("line {} column {}", err.line(), err.column()),
            message: err.to_string(),
            excerpt: excerpt(body),
        }
    }

    /// Whether sending the same request again later may succeed without changing anything.
    ///
    /// `OutcomeUnknown` is *not* retryable: reconcile first.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    /// The API context (status, code, request id), when the error came from a platform answer.
    pub fn context(&self) -> Option<&ApiContext> {
        match self {
            Self::Auth { context, .. }
            | Self::NotFound { context }
            | Self::Conflict { context }
            | Self::RateLimited { context, .. }
            | Self::Transient { context, .. }
            | Self::Api { context } => Some(context),
            _ => None,
        }
    }

    /// Mutable access to the API context, used by runtimes to add attempts or operation names.
    pub fn context_mut(&mut self) -> Option<&mut ApiContext> {
        match self {
            Self::Auth { context, .. }
            | Self::NotFound { context }
            | Self::Conflict { context }
            | Self::RateLimited { context, .. }
            | Self::Transient { context, .. }
            | Self::Api { context } => Some(context),
            _ => None,
        }
    }

    /// The HTTP status of the platform's answer, if any.
    pub fn status(&self) -> Option<u16> {
        self.context().and_then(|c| c.status)
    }

    /// The platform's own error code, if any.
    pub fn platform_code(&self) -> Option<&str> {
        self.context().and_then(|c| c.code.as_deref())
    }

    /// The platform's request id, if any: quote it in support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.context().and_then(|c| c.request_id.as_deref())
    }

    /// How long the platform asked us to wait, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How many attempts were made (1 when the call was not retried, 0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.context().map(|c| c.attempts).unwrap_or(0)
    }

    /// Whether the error is about one record rather than the whole call: invalid input,
    /// not found, conflict, or a 4xx API refusal. Batch engines isolate these records and
    /// keep going.
    pub fn is_record_level(&self) -> bool {
        match self {
            Self::InvalidInput { .. } | Self::NotFound { .. } | Self::Conflict { .. } => true,
            Self::Api { context } => matches!(context.status, Some(400..=499)),
            _ => false,
        }
    }

    /// Builds the error variant that fits an HTTP status, with `context` filled in.
    ///
    /// 401 becomes [`AuthErrorKind::TokenRejected`], 403 [`AuthErrorKind::Forbidden`], 404
    /// `NotFound`, 409/412 `Conflict`, 429 `RateLimited`, 408/5xx `Transient`, the rest `Api`.
    pub fn from_status(status: u16, context: ApiContext, retry_after: Option<Duration>) -> Self {
        let context = Box::new(context.with_status(status));
        match status {
            401 => Self::Auth {
                kind: AuthErrorKind::TokenRejected,
                context,
            },
            403 => Self::Auth {
                kind: AuthErrorKind::Forbidden,
                context,
            },
            404 | 410 => Self::NotFound { context },
            409 | 412 => Self::Conflict { context },
            429 => Self::RateLimited {
                retry_after,
                context,
            },
            408 | 500..=599 => Self::Transient {
                context,
                source: None,
            },
            _ => Self::Api { context },
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Self::Decode {
            path: format!("line {} column {}", err.line(), err.column()),
            message: err.to_string(),
            excerpt: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping_and_accessors() {
        let ctx = ApiContext::new("slow down")
            .with_code("QuotaExceeded")
            .with_request_id("rid-1");
        let err = Error::from_status(429, ctx, Some(Duration::from_secs(3)));
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(429));
        assert_eq!(err.platform_code(), Some("QuotaExceeded"));
        assert_eq!(err.request_id(), Some("rid-1"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert!(err.to_string().contains("retry after 3000 ms"), "{err}");

        assert!(matches!(
            Error::from_status(404, ApiContext::new("x"), None),
            Error::NotFound { .. }
        ));
        assert!(Error::from_status(503, ApiContext::new("x"), None).is_retryable());
        assert!(!Error::from_status(400, ApiContext::new("x"), None).is_retryable());
        assert!(Error::from_status(400, ApiContext::new("x"), None).is_record_level());
        assert!(!Error::from_status(503, ApiContext::new("x"), None).is_record_level());
        let auth = Error::from_status(401, ApiContext::new("expired"), None);
        assert!(matches!(
            auth,
            Error::Auth {
                kind: AuthErrorKind::TokenRejected,
                ..
            }
        ));
    }

    #[test]
    fn outcome_unknown_is_not_retryable_and_says_how_to_reconcile() {
        let err = Error::OutcomeUnknown {
            operation: "accor.purchase_order".into(),
            reason: "connection dropped".into(),
            reconcile: "check the status of the order before placing it again".into(),
            source: None,
        };
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("check the status"));
    }

    #[test]
    fn excerpt_is_bounded_and_cut_on_char_boundary() {
        let body = "é".repeat(1000);
        let ex = excerpt(body.as_bytes());
        assert!(ex.len() <= MAX_BODY_EXCERPT + '…'.len_utf8());
        assert!(ex.ends_with('…'));
        assert_eq!(excerpt(b"short"), "short");
    }

    #[test]
    fn invalid_input_names_field_and_rule() {
        let err = Error::invalid("customer.email", "must be a valid e-mail address");
        assert_eq!(
            err.to_string(),
            "invalid input: `customer.email` must be a valid e-mail address"
        );
        assert!(err.is_record_level());
    }
}
