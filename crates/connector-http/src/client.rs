//! The HTTP client every platform crate uses.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_core::{
    ApiContext, AuthErrorKind, Error, RateLimit, RateLimiter, RetryPolicy, SharedClock,
    SharedRateLimits, SystemClock,
};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::auth::{AuthHeaders, RequestAuth, check_header};
use crate::errors::{ErrorDecoder, default_error_decoder, parse_retry_after};
use crate::redact::Redactor;
use crate::request::{
    Body, DOT_SEGMENT_RULE, FieldValue, FileSource, Part, Request, is_dot_segment,
};
use crate::response::Response;

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole request (sending, waiting, reading the body).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on one response body (32 MiB): the largest documented answer of the four
/// platforms is a page of a few hundred KiB, so a bigger answer is a broken or hostile
/// server, refused before it takes the process's memory. Set with
/// [`HttpClientBuilder::max_response_bytes`].
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// Response headers searched for the platform's request id, in order.
pub const DEFAULT_REQUEST_ID_HEADERS: &[&str] = &[
    "x-amzn-requestid",
    "x-request-id",
    "x-correlation-id",
    "request-id",
    "x-amz-request-id",
];
/// The operation name under which a client's [`HttpClientBuilder::default_rate_limit`] bucket
/// is kept in a [`SharedRateLimits`] registry (`*`, which no request operation should use).
pub const SHARED_DEFAULT_BUCKET: &str = "*";

/// A cheap-to-clone HTTP client bound to one base URL, with retries, rate limits and auth.
///
/// Build it with [`HttpClient::builder`]. No reqwest type appears in its API.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
    auth: Option<Arc<dyn RequestAuth>>,
    clock: SharedClock,
    user_agent: String,
    timeout: Duration,
    limits: HashMap<String, Arc<RateLimiter>>,
    default_limit: Option<Arc<RateLimiter>>,
    rate_limit_header: Option<String>,
    request_id_headers: Vec<String>,
    send_request_id: Option<String>,
    decoder: ErrorDecoder,
    extra_limits: Mutex<HashMap<String, Arc<RateLimiter>>>,
    per_operation_template: Option<RateLimit>,
    shared_limits: Option<SharedScope>,
    redactor: Redactor,
    max_response_bytes: usize,
}

/// A registry and the scope this client's buckets are kept under.
#[derive(Clone)]
struct SharedScope {
    registry: SharedRateLimits,
    scope: String,
}

/// A bucket for `operation`: from the registry when the client shares its limits, else its own.
fn make_limiter(
    shared: Option<&SharedScope>,
    operation: &str,
    limit: RateLimit,
    clock: &SharedClock,
) -> Arc<RateLimiter> {
    match shared {
        Some(s) => s.registry.limiter(&s.scope, operation, limit, clock),
        None => Arc::new(RateLimiter::new(limit, clock.clone())),
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.inner.base.as_str())
            .field("retry", &self.inner.retry)
            .field("auth", &self.inner.auth)
            .field("user_agent", &self.inner.user_agent)
            .field("timeout", &self.inner.timeout)
            .field(
                "rate_limit_scope",
                &self.inner.shared_limits.as_ref().map(|s| &s.scope),
            )
            .finish_non_exhaustive()
    }
}

/// Builds an [`HttpClient`]. Every setting has a documented default.
pub struct HttpClientBuilder {
    base_url: String,
    allow_http: bool,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    auth: Option<Arc<dyn RequestAuth>>,
    clock: Option<SharedClock>,
    user_agent: String,
    limits: Vec<(String, RateLimit)>,
    default_limit: Option<RateLimit>,
    per_operation_template: Option<RateLimit>,
    rate_limit_header: Option<String>,
    request_id_headers: Vec<String>,
    send_request_id: Option<String>,
    decoder: Option<ErrorDecoder>,
    shared_limits: Option<SharedScope>,
    redactor: Redactor,
    max_response_bytes: usize,
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("base_url", &self.base_url)
            .field("allow_http", &self.allow_http)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("auth", &self.auth)
            .field(
                "rate_limit_scope",
                &self.shared_limits.as_ref().map(|s| &s.scope),
            )
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Starts a builder for `base_url` (e.g. `https://oms-api.astoreshop.com/oms-api`; the
    /// path prefix is kept when joining request paths).
    pub fn builder(base_url: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder {
            base_url: base_url.into(),
            allow_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            auth: None,
            clock: None,
            user_agent: format!("erp-connectors/{} (Rust)", env!("CARGO_PKG_VERSION")),
            limits: Vec::new(),
            default_limit: None,
            per_operation_template: None,
            rate_limit_header: None,
            request_id_headers: DEFAULT_REQUEST_ID_HEADERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            send_request_id: None,
            decoder: None,
            shared_limits: None,
            redactor: Redactor::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The secrets this client keeps out of its errors (registered with
    /// [`HttpClientBuilder::redact_secret`] and taken from its auth).
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// `text` with every secret of this client redacted, for platform crates that build an
    /// error from an answer themselves.
    pub fn redact(&self, text: &str) -> String {
        self.inner.redactor.redact(text)
    }

    /// The cap on one response body, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The clock used for backoff and rate limits.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// The full URL a request path resolves to (without query).
    pub fn url_for(&self, path: &str) -> Result<Url, Error> {
        join(&self.inner.base, path)
    }

    /// Sends the request and returns a 2xx response, or the [`Error`] the answer maps to.
    pub async fn send(&self, req: Request) -> Result<Response, Error> {
        let op = req.operation.clone();
        let resp = self.send_raw(req).await?;
        if (200..300).contains(&resp.status) {
            return Ok(resp);
        }
        Err(self.error_for(&op, &resp))
    }

    /// Sends the request and decodes a JSON 2xx answer.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.send(req).await?.json()
    }

    /// Maps a non-2xx response to an [`Error`] (platform code, message, request id, excerpt).
    ///
    /// Every secret of the client and of the request (see [`Redactor`]) is redacted from the
    /// message, code and excerpt; an answer marked [`Request::sensitive_response`] gives no
    /// excerpt at all.
    pub fn error_for(&self, operation: &str, resp: &Response) -> Error {
        let redactor = self.inner.redactor.merged(&resp.redactor);
        let fields = (self.inner.decoder)(resp.status, &resp.body);
        let mut ctx = ApiContext::new(
            redactor
                .redact_opt(fields.message)
                .unwrap_or_else(|| format!("HTTP {}", resp.status)),
        )
        .with_operation(operation);
        if let Some(code) = redactor.redact_opt(fields.code) {
            ctx = ctx.with_code(code);
        }
        if let Some(id) = &resp.request_id {
            ctx = ctx.with_request_id(redactor.redact(id));
        }
        if !fields.structured && !resp.sensitive && !resp.body.is_empty() {
            ctx.body_excerpt = Some(redactor.excerpt(&resp.body));
        }
        ctx.attempts = resp.attempts;
        let rejected = self
            .inner
            .auth
            .as_ref()
            .is_some_and(|a| a.is_rejection(resp.status, &resp.body));
        if rejected {
            return Error::Auth {
                kind: AuthErrorKind::TokenRejected,
                context: Box::new(ctx.with_status(resp.status)),
            };
        }
        let retry_after = resp
            .header("retry-after")
            .and_then(|v| parse_retry_after(v, self.inner.clock.now_utc()));
        Error::from_status(resp.status, ctx, retry_after)
    }

    /// Sends the request with retries, rate limiting and auth, and returns the last answer
    /// whatever its status. Transport failures become errors: [`Error::Transient`] for a call
    /// that is safe to repeat, [`Error::OutcomeUnknown`] for a write that may have happened.
    ///
    /// Refused before anything is sent, and never retried: a path with a `.` or `..` segment
    /// ([`join`]), a header that cannot be sent (control characters: [`Error::InvalidInput`]).
    /// A redirect (3xx) is not followed: it is an [`Error::Api`] naming the `Location`, so
    /// no credential travels to another origin and no write is reported done. A body over
    /// [`HttpClientBuilder::max_response_bytes`] is refused while it is read. A server
    /// certificate that is not trusted is an [`Error::Config`], not retried.
    pub async fn send_raw(&self, req: Request) -> Result<Response, Error> {
        let inner = &self.inner;
        let started = inner.clock.now();
        let url = join(&inner.base, &req.path)?;
        for (name, value) in &req.headers {
            let value = match value {
                FieldValue::Plain(v) => v.as_str(),
                FieldValue::Secret(v) => v.expose_secret(),
            };
            check_header(name, value)
                .map_err(|rule| Error::invalid(format!("header `{name}`"), rule))?;
        }
        let mut redactor = inner.redactor.clone();
        for secret in req.carried_secrets() {
            redactor.add(&secret);
        }
        let permanent = redactor.len();
        let span = tracing::debug_span!(
            "http.request",
            operation = %req.operation,
            method = %req.method,
            host = url.host_str().unwrap_or(""),
            path = url.path(),
        );
        async move {
            let mut attempt = 0u32;
            let mut retries = 0u32;
            let mut refreshed = false;
            let client_request_id = format!("{:016x}", fastrand::u64(..));
            loop {
                attempt += 1;
                self.acquire_slot(&req.operation).await;
                let auth = match (&inner.auth, req.authenticated) {
                    (Some(a), true) => Some(a.headers().await?),
                    _ => None,
                };
                for (_, value) in auth.iter().flat_map(|a| &a.headers) {
                    redactor.add_dynamic(permanent, value);
                }
                let outcome = self
                    .attempt_once(&req, &url, auth.as_ref(), &client_request_id, &redactor)
                    .await;
                let delay = match outcome {
                    Ok(mut resp) => {
                        resp.attempts = attempt;
                        if (300..400).contains(&resp.status) {
                            return Err(redirect_error(&req, &url, &resp, &redactor));
                        }
                        self.adapt_rate(&req.operation, &resp).await;
                        tracing::debug!(status = resp.status, attempt, "response");
                        if let (Some(a), Some(used)) = (&inner.auth, &auth)
                            && a.is_rejection(resp.status, &resp.body)
                        {
                            if !refreshed && a.refresh(used).await? {
                                refreshed = true;
                                tracing::debug!("credentials refused; refreshed once and retrying");
                                continue;
                            }
                            return Ok(resp);
                        }
                        let status = resp.status;
                        let retryable =
                            status == 429 || status == 408 || (500..=599).contains(&status);
                        // A 429 was refused before processing: safe to repeat for any method.
                        if !retryable || !(status == 429 || req.idempotent) {
                            return Ok(resp);
                        }
                        let retry_after = resp
                            .header("retry-after")
                            .and_then(|v| parse_retry_after(v, inner.clock.now_utc()));
                        let d = match retry_after {
                            Some(d) if d > inner.retry.max_retry_after => return Ok(resp),
                            Some(d) => d,
                            None => inner.retry.backoff(retries + 1),
                        };
                        (d, Some(resp))
                    }
                    Err(failure) => {
                        if let Some(mut error) = failure.fatal {
                            if let Some(ctx) = error.context_mut() {
                                ctx.attempts = attempt;
                            }
                            return Err(error);
                        }
                        if !(req.idempotent || failure.not_sent) {
                            return Err(Error::OutcomeUnknown {
                                operation: req.operation.clone(),
                                reason: failure.message,
                                reconcile: req.reconcile_hint.clone().unwrap_or_else(|| {
                                    "look the record up on the platform before sending it again"
                                        .into()
                                }),
                                source: failure.source,
                            });
                        }
                        let d = inner.retry.backoff(retries + 1);
                        if !self.may_retry(attempt, started, d) {
                            let mut ctx = ApiContext::new(failure.message)
                                .with_operation(req.operation.clone());
                            ctx.attempts = attempt;
                            return Err(Error::Transient {
                                context: Box::new(ctx),
                                source: failure.source,
                            });
                        }
                        (d, None)
                    }
                };
                let (delay, last) = delay;
                if let Some(resp) = last
                    && !self.may_retry(attempt, started, delay)
                {
                    return Ok(resp);
                }
                tracing::debug!(delay_ms = delay.as_millis() as u64, attempt, "retrying");
                inner.clock.sleep(delay).await;
                retries += 1;
            }
        }
        .instrument(span)
        .await
    }

    fn may_retry(&self, attempt: u32, started: std::time::Instant, delay: Duration) -> bool {
        let policy = &self.inner.retry;
        let elapsed = self.inner.clock.now().saturating_duration_since(started);
        attempt < policy.max_attempts && elapsed + delay <= policy.max_elapsed
    }

    fn limiter_for(&self, operation: &str) -> Option<Arc<RateLimiter>> {
        self.bucket_for(operation).map(|(_, l)| l)
    }

    /// Waits for a slot of the bucket `operation` draws from: reserved in the shared
    /// registry's [`connector_core::RateLimitStore`] when it has one (falling back to the
    /// local bucket if the store fails), else in the local bucket.
    async fn acquire_slot(&self, operation: &str) {
        let Some((key, limiter)) = self.bucket_for(operation) else {
            return;
        };
        match &self.inner.shared_limits {
            Some(s) => s.registry.acquire(&s.scope, key, &limiter).await,
            None => limiter.acquire().await,
        }
    }

    /// The bucket `operation` draws from, and its key in a shared registry.
    fn bucket_for<'a>(&self, operation: &'a str) -> Option<(&'a str, Arc<RateLimiter>)> {
        if let Some(l) = self.inner.limits.get(operation) {
            return Some((operation, l.clone()));
        }
        if let Some(template) = self.inner.per_operation_template {
            let mut extra = self
                .inner
                .extra_limits
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let l = extra.entry(operation.to_string()).or_insert_with(|| {
                make_limiter(
                    self.inner.shared_limits.as_ref(),
                    operation,
                    template,
                    &self.inner.clock,
                )
            });
            return Some((operation, l.clone()));
        }
        self.inner
            .default_limit
            .clone()
            .map(|l| (SHARED_DEFAULT_BUCKET, l))
    }

    async fn adapt_rate(&self, operation: &str, resp: &Response) {
        let Some(header) = &self.inner.rate_limit_header else {
            return;
        };
        let Some(rate) = resp
            .header(header)
            .and_then(|v| v.trim().parse::<f64>().ok())
        else {
            return;
        };
        if let Some((key, l)) = self.bucket_for(operation)
            && (l.limit().per_second_value() - rate).abs() > f64::EPSILON * 16.0
        {
            tracing::debug!(operation, rate, "rate limit adapted from response header");
            match &self.inner.shared_limits {
                Some(s) => s.registry.set_rate(&s.scope, key, &l, rate).await,
                None => l.set_rate(rate),
            }
        }
    }

    /// The scope this client's buckets are kept under in a shared registry, if it shares
    /// them ([`HttpClientBuilder::shared_rate_limits`]).
    pub fn rate_limit_scope(&self) -> Option<&str> {
        self.inner.shared_limits.as_ref().map(|s| s.scope.as_str())
    }

    /// The rate limiter used for `operation`, if any (for inspection and tests). With
    /// [`HttpClientBuilder::shared_rate_limits`] it is the registry's bucket.
    pub fn rate_limiter(&self, operation: &str) -> Option<Arc<RateLimiter>> {
        self.limiter_for(operation)
    }

    async fn attempt_once(
        &self,
        req: &Request,
        url: &Url,
        auth: Option<&AuthHeaders>,
        client_request_id: &str,
        redactor: &Redactor,
    ) -> Result<Response, TransportFailure> {
        let inner = &self.inner;
        let host = url_host(url);
        let mut url = url.clone();
        if !req.query.is_empty() || req.raw_query.is_some() {
            let mut q: Vec<String> = req
                .query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        crate::request::encode_segment(k),
                        crate::request::encode_segment(v)
                    )
                })
                .collect();
            q.extend(req.raw_query.iter().filter(|r| !r.is_empty()).cloned());
            url.set_query(Some(&q.join("&")));
        }
        let method = match req.method {
            crate::Method::Get => reqwest::Method::GET,
            crate::Method::Head => reqwest::Method::HEAD,
            crate::Method::Post => reqwest::Method::POST,
            crate::Method::Put => reqwest::Method::PUT,
            crate::Method::Patch => reqwest::Method::PATCH,
            crate::Method::Delete => reqwest::Method::DELETE,
        };
        // Every value was checked (at build, or at the start of send_raw); a failure here is
        // local and final, never a network failure to retry.
        let mut headers = reqwest::header::HeaderMap::new();
        let config = |e: String| TransportFailure::fatal(Error::config(e));
        insert_header(&mut headers, "user-agent", &inner.user_agent, false).map_err(config)?;
        if let Some(name) = &inner.send_request_id {
            insert_header(&mut headers, name, client_request_id, false).map_err(config)?;
        }
        for (name, value) in &req.headers {
            let (v, sensitive) = match value {
                FieldValue::Plain(v) => (v.as_str(), false),
                FieldValue::Secret(v) => (v.expose_secret(), true),
            };
            insert_header(&mut headers, name, v, sensitive).map_err(|rule| {
                TransportFailure::fatal(Error::invalid(format!("header `{name}`"), rule))
            })?;
        }
        if let Some(auth) = auth {
            for (name, value) in &auth.headers {
                insert_header(&mut headers, name, value.expose_secret(), true)
                    .map_err(|e| config(format!("credentials: {e}")))?;
            }
        }
        let mut builder = inner
            .http
            .request(method, url)
            .headers(headers)
            .timeout(req.timeout.unwrap_or(inner.timeout));
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header("content-type", "application/json")
                .body(bytes.clone()),
            Body::Bytes {
                content_type,
                bytes,
            } => {
                check_header("content-type", content_type).map_err(|rule| {
                    TransportFailure::fatal(Error::invalid("content_type", rule))
                })?;
                builder
                    .header("content-type", content_type.as_str())
                    .body(bytes.clone())
            }
            Body::Form(fields) => {
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            FieldValue::Plain(s) => s.as_str(),
                            FieldValue::Secret(s) => s.expose_secret(),
                        };
                        (k.as_str(), v)
                    })
                    .collect();
                let body = serde_urlencoded::to_string(pairs).map_err(|e| {
                    TransportFailure::fatal(Error::invalid("body", format!("form body: {e}")))
                })?;
                builder
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            }
            Body::Multipart(parts) => builder.multipart(multipart(parts).await?),
        };
        let mut resp = builder
            .send()
            .await
            .map_err(|e| TransportFailure::from_reqwest(e, host.clone()))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_string(), v.to_string()))
            })
            .collect();
        // Read chunk by chunk up to the cap, so a huge (or endless) answer never takes the
        // process's memory.
        let cap = inner.max_response_bytes;
        let too_large = |seen: String| {
            let reason = format!(
                "the answer (HTTP {status}) is larger than the {cap}-byte cap ({seen}); it was \
                 not read (HttpClientBuilder::max_response_bytes sets the cap)"
            );
            TransportFailure::fatal(if req.idempotent {
                let mut ctx = ApiContext::new(reason).with_operation(req.operation.clone());
                ctx.status = Some(status);
                Error::Api {
                    context: Box::new(ctx),
                }
            } else {
                Error::OutcomeUnknown {
                    operation: req.operation.clone(),
                    reason,
                    reconcile: req.reconcile_hint.clone().unwrap_or_else(|| {
                        "look the record up on the platform before sending it again".into()
                    }),
                    source: None,
                }
            })
        };
        if let Some(len) = resp.content_length()
            && len > cap as u64
        {
            return Err(too_large(format!("content-length {len}")));
        }
        let mut body = bytes::BytesMut::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| {
                let mut f = TransportFailure::from_reqwest(e, host.clone());
                f.not_sent = false;
                f.message = format!("connection lost while reading the response: {}", f.message);
                f
            })?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > cap {
                return Err(too_large(format!("more than {cap} bytes sent")));
            }
            body.extend_from_slice(&chunk);
        }
        let mut response = Response::new(status, headers, body.freeze());
        response.request_id = inner
            .request_id_headers
            .iter()
            .find_map(|h| response.header(h).map(|v| redactor.redact(v)));
        response.redactor = redactor.clone();
        response.sensitive = req.sensitive;
        Ok(response)
    }
}

/// Adds a header; the error is the broken rule (the value is never quoted).
fn insert_header(
    headers: &mut reqwest::header::HeaderMap,
    name: &str,
    value: &str,
    sensitive: bool,
) -> Result<(), String> {
    check_header(name, value)?;
    let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("`{name}` is not a valid header name"))?;
    let mut value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of header `{name}` cannot be sent"))?;
    value.set_sensitive(sensitive);
    headers.insert(name, value);
    Ok(())
}

fn url_host(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// The error for a 3xx answer: redirects are never followed.
fn redirect_error(req: &Request, url: &Url, resp: &Response, redactor: &Redactor) -> Error {
    let status = resp.status;
    let target = match resp.header("location") {
        None => "no Location".to_string(),
        Some(loc) => match url.join(loc) {
            Ok(to) => {
                let origin = if to.origin() == url.origin() {
                    "same origin"
                } else {
                    "another origin"
                };
                // Without query or fragment: they may carry tokens.
                let shown: String = format!("{}{}", to.origin().ascii_serialization(), to.path())
                    .chars()
                    .take(200)
                    .collect();
                format!("Location {} ({origin})", redactor.redact(&shown))
            }
            Err(_) => "an unreadable Location".to_string(),
        },
    };
    let what = if req.method.is_safe() {
        String::new()
    } else {
        format!(
            "; the {} did not reach the platform's handler (a platform API answers a write, \
             it does not redirect it): it is not done",
            req.method
        )
    };
    let mut ctx = ApiContext::new(format!(
        "the server redirected to {target}; redirects are not followed, so no credential \
         leaves for another origin (check the base URL){what}"
    ))
    .with_operation(req.operation.clone())
    .with_status(status);
    ctx.attempts = resp.attempts;
    if let Some(id) = &resp.request_id {
        ctx = ctx.with_request_id(id.clone());
    }
    Error::Api {
        context: Box::new(ctx),
    }
}

async fn multipart(parts: &[Part]) -> Result<reqwest::multipart::Form, TransportFailure> {
    let io = |message: String, e: std::io::Error| TransportFailure::fatal(Error::io(message, e));
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        form = match part {
            Part::Text { name, value } => {
                let v = match value {
                    FieldValue::Plain(s) => s.clone(),
                    FieldValue::Secret(s) => s.expose_secret().to_string(),
                };
                form.text(name.clone(), v)
            }
            Part::File {
                name,
                file_name,
                content_type,
                source,
            } => {
                let p = match source {
                    FileSource::Bytes(b) => reqwest::multipart::Part::bytes(b.to_vec()),
                    FileSource::Path(path) => {
                        let file = tokio::fs::File::open(path)
                            .await
                            .map_err(|e| io(format!("opening {}", path.display()), e))?;
                        let len = file
                            .metadata()
                            .await
                            .map_err(|e| io(format!("reading {}", path.display()), e))?
                            .len();
                        let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
                        reqwest::multipart::Part::stream_with_length(
                            reqwest::Body::wrap_stream(stream),
                            len,
                        )
                    }
                };
                let p = p
                    .file_name(file_name.clone())
                    .mime_str(content_type)
                    .map_err(|_| {
                        TransportFailure::fatal(Error::invalid(
                            "content_type",
                            format!("`{content_type}` is not a MIME type"),
                        ))
                    })?;
                form.part(name.clone(), p)
            }
        };
    }
    Ok(form)
}

/// A failure below HTTP: no (usable) response came back.
struct TransportFailure {
    message: String,
    /// True when the request certainly never reached the server (connect failure), so
    /// repeating it is safe even for writes.
    not_sent: bool,
    source: Option<connector_core::error::BoxError>,
    /// A failure that repeating cannot cure (a local problem building the request, a refused
    /// certificate, an oversized answer): returned as it is, never retried.
    fatal: Option<Error>,
}

/// Whether `e` or one of its sources is a refused TLS certificate (rustls says
/// "invalid peer certificate: UnknownIssuer", "... NotValidForName", a peer alert
/// "BadCertificate"...).
fn certificate_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if text.to_ascii_lowercase().contains("certificate") {
            return Some(text);
        }
        cur = err.source();
    }
    None
}

impl TransportFailure {
    fn fatal(error: Error) -> Self {
        Self {
            message: String::new(),
            not_sent: true,
            source: None,
            fatal: Some(error),
        }
    }

    fn from_reqwest(e: reqwest::Error, host: String) -> Self {
        if let Some(why) = certificate_failure(&e) {
            return Self::fatal(Error::config(format!(
                "the TLS certificate of {host} was refused ({why}); not retried: check the \
                 base URL, or trust the server's certificate authority"
            )));
        }
        if e.is_builder() {
            return Self::fatal(Error::config(format!(
                "the request could not be built: {}",
                e.without_url()
            )));
        }
        let not_sent = e.is_connect();
        let message = if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connect() {
            "could not connect".to_string()
        } else {
            "connection failed".to_string()
        };
        // The URL (with any query) is stripped from the source so no secret leaks through it.
        Self {
            message,
            not_sent,
            source: Some(Box::new(e.without_url())),
            fatal: None,
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Joins `path` to `base`, keeping `base`'s path prefix (`/oms-api` + `status/1` =
/// `/oms-api/status/1`). An empty path means the base itself. Absolute URLs, queries,
/// fragments and `.`/`..` segments (also spelled `%2e`) are refused as
/// [`Error::InvalidInput`]: URL joining would resolve them and leave the route.
pub fn join(base: &Url, path: &str) -> Result<Url, Error> {
    if path.is_empty() {
        return Ok(base.clone());
    }
    if path.contains("://") || path.starts_with("//") || path.contains('?') || path.contains('#') {
        return Err(Error::invalid(
            "path",
            "must be a relative path without query or fragment",
        ));
    }
    if let Some(seg) = path.split(['/', '\\']).find(|s| is_dot_segment(s)) {
        return Err(Error::invalid(
            "path",
            format!("segment `{seg}` {DOT_SEGMENT_RULE}"),
        ));
    }
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
    Ok(url)
}

impl HttpClientBuilder {
    /// Allows `http://` for a non-loopback host (default false: https is required except for
    /// `localhost`/`127.0.0.0/8`/`::1`). Credentials would cross the network in clear text.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Connection timeout (default [`DEFAULT_CONNECT_TIMEOUT`], 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whole-request timeout (default [`DEFAULT_REQUEST_TIMEOUT`], 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]: 4 attempts, 60 s in total).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Credentials for every request not marked `without_auth` (default: none).
    pub fn auth(mut self, auth: Arc<dyn RequestAuth>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The clock for backoff and rate limits (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The User-Agent (default `erp-connectors/<version> (Rust)`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A token bucket for one operation (matched on [`Request::operation`]). Setting the same
    /// operation twice keeps the last limit.
    pub fn rate_limit(mut self, operation: impl Into<String>, limit: RateLimit) -> Self {
        self.limits.push((operation.into(), limit));
        self
    }

    /// One bucket shared by every operation without its own (default: none).
    pub fn default_rate_limit(mut self, limit: RateLimit) -> Self {
        self.default_limit = Some(limit);
        self
    }

    /// A separate bucket per operation, made on first use from `limit`, for operations without
    /// their own (default: none).
    pub fn per_operation_rate_limit(mut self, limit: RateLimit) -> Self {
        self.per_operation_template = Some(limit);
        self
    }

    /// Takes every bucket this client uses from `registry`, under `scope` (default: the client
    /// has its own buckets).
    ///
    /// Clients built with the same registry and scope then pace their calls as one: the
    /// per-operation limits ([`Self::rate_limit`]), the buckets made from
    /// [`Self::per_operation_rate_limit`] and the [`Self::default_rate_limit`] bucket (kept
    /// under the operation name [`SHARED_DEFAULT_BUCKET`]) are the registry's, and a rate read
    /// from [`Self::adaptive_rate_limit_header`] changes the shared bucket. The first client
    /// to create a bucket sets its limit and clock ([`SharedRateLimits::limiter`]). Use one
    /// scope per platform quota (e.g. per account), never one shared by unrelated quotas.
    ///
    /// ```
    /// use connector_core::{RateLimit, SharedRateLimits};
    /// use connector_http::HttpClient;
    /// use std::sync::Arc;
    ///
    /// # fn main() -> Result<(), connector_core::Error> {
    /// let registry = SharedRateLimits::new();
    /// let limit = RateLimit::per_second(2.0, 10)?;
    /// let worker = |scope: &str| {
    ///     HttpClient::builder("https://api.example.com")
    ///         .rate_limit("orders.get", limit)
    ///         .shared_rate_limits(registry.clone(), scope)
    ///         .build()
    /// };
    /// let (a, b, other) = (worker("account-1")?, worker("account-1")?, worker("account-2")?);
    /// let bucket = a.rate_limiter("orders.get").expect("limited");
    /// assert!(Arc::ptr_eq(&bucket, &b.rate_limiter("orders.get").expect("limited")));
    /// assert!(!Arc::ptr_eq(&bucket, &other.rate_limiter("orders.get").expect("limited")));
    /// # Ok(()) }
    /// ```
    pub fn shared_rate_limits(
        mut self,
        registry: SharedRateLimits,
        scope: impl Into<String>,
    ) -> Self {
        self.shared_limits = Some(SharedScope {
            registry,
            scope: scope.into(),
        });
        self
    }

    /// Follows a response header carrying the allowed rate in requests per second (Amazon's
    /// `x-amzn-RateLimit-Limit`).
    pub fn adaptive_rate_limit_header(mut self, header: impl Into<String>) -> Self {
        self.rate_limit_header = Some(header.into().to_ascii_lowercase());
        self
    }

    /// Response headers that carry the platform's request id (default:
    /// [`DEFAULT_REQUEST_ID_HEADERS`]).
    pub fn request_id_headers(mut self, headers: Vec<String>) -> Self {
        self.request_id_headers = headers
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        self
    }

    /// Sends a random client request id in this header on every call (default: not sent).
    pub fn send_request_id(mut self, header: impl Into<String>) -> Self {
        self.send_request_id = Some(header.into());
        self
    }

    /// How error bodies are read for a platform code and message (default: common JSON
    /// shapes, see [`default_error_decoder`]).
    pub fn error_decoder(mut self, decoder: ErrorDecoder) -> Self {
        self.decoder = Some(decoder);
        self
    }

    /// Keeps `secret` out of every error of this client, in every spelling a server may
    /// echo it in (see [`Redactor`]). The client's auth secrets ([`RequestAuth::secrets`]),
    /// its secret headers and form fields are known already; register here what else the
    /// platform crate holds (an API key sent in a JSON body, a login password).
    pub fn redact_secret(mut self, secret: SecretString) -> Self {
        self.redactor.add(&secret);
        self
    }

    /// Caps one response body (default [`DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB; at least
    /// 1 KiB). A bigger answer is not read: the call fails naming the operation
    /// ([`Error::Api`], or [`Error::OutcomeUnknown`] for a write that is not idempotent).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes.max(1024);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// Values that go into headers (the User-Agent, the request-id header name, the auth's
    /// headers through [`RequestAuth::validate`]) are checked here: an [`Error::Config`]
    /// now rather than a failure at every call.
    pub fn build(self) -> Result<HttpClient, Error> {
        let base = Url::parse(&self.base_url).map_err(|e| {
            Error::config(format!(
                "base URL `{}` is not a valid URL: {e}",
                self.base_url
            ))
        })?;
        match base.scheme() {
            "https" => {}
            "http" if self.allow_http || is_loopback(&base) => {}
            "http" => {
                return Err(Error::config(format!(
                    "base URL `{}` uses plain http: use https, or opt in with allow_http(true) \
                     (credentials would travel in clear text)",
                    base.as_str()
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "base URL scheme `{other}` is not http(s)"
                )));
            }
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::config("base URL must not have a query or fragment"));
        }
        check_header("user-agent", &self.user_agent)
            .map_err(|e| Error::config(format!("user agent: {e}")))?;
        if let Some(name) = &self.send_request_id {
            check_header(name, "0").map_err(|e| Error::config(format!("send_request_id: {e}")))?;
        }
        let mut redactor = self.redactor;
        if let Some(auth) = &self.auth {
            auth.validate()?;
            for secret in auth.secrets() {
                redactor.add(&secret);
            }
        }
        // Never follow a redirect: reqwest's default policy would resend the credentials
        // headers to whatever origin a server names, and turn a redirected write into a GET
        // reported as a success. A 3xx becomes an error in send_raw.
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        let shared = self.shared_limits.as_ref();
        // Last setting per operation wins, as before; only then are the buckets made.
        let limits: HashMap<String, RateLimit> = self.limits.into_iter().collect();
        let limits = limits
            .into_iter()
            .map(|(op, l)| {
                let limiter = make_limiter(shared, &op, l, &clock);
                (op, limiter)
            })
            .collect();
        let default_limit = self
            .default_limit
            .map(|l| make_limiter(shared, SHARED_DEFAULT_BUCKET, l, &clock));
        Ok(HttpClient {
            inner: Arc::new(Inner {
                http,
                base,
                retry: self.retry,
                auth: self.auth,
                clock,
                user_agent: self.user_agent,
                timeout: self.timeout,
                limits,
                default_limit,
                rate_limit_header: self.rate_limit_header,
                request_id_headers: self.request_id_headers,
                send_request_id: self.send_request_id,
                decoder: self.decoder.unwrap_or_else(default_error_decoder),
                extra_limits: Mutex::new(HashMap::new()),
                per_operation_template: self.per_operation_template,
                shared_limits: self.shared_limits,
                redactor,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_path_prefixes() {
        let base = Url::parse("https://oms-api.astoreshop.com/oms-api").unwrap();
        assert_eq!(
            join(&base, "status/1").unwrap().as_str(),
            "https://oms-api.astoreshop.com/oms-api/status/1"
        );
        assert_eq!(
            join(&base, "/status/1").unwrap().as_str(),
            "https://oms-api.astoreshop.com/oms-api/status/1"
        );
        let base = Url::parse("https://h/oms-api/").unwrap();
        assert_eq!(
            join(&base, "validate-cart").unwrap().as_str(),
            "https://h/oms-api/validate-cart"
        );
        assert_eq!(join(&base, "").unwrap().as_str(), "https://h/oms-api/");
        assert!(join(&base, "https://evil.example/x").is_err());
        assert!(join(&base, "//evil.example/x").is_err());
        assert_eq!(
            join(&base, "items/SKU%201").unwrap().path(),
            "/oms-api/items/SKU%201"
        );
    }

    #[test]
    fn https_is_required_except_loopback_or_opt_in() {
        assert!(
            HttpClient::builder("http://api.example.com")
                .build()
                .is_err()
        );
        assert!(
            HttpClient::builder("http://api.example.com")
                .allow_http(true)
                .build()
                .is_ok()
        );
        assert!(HttpClient::builder("http://127.0.0.1:8080").build().is_ok());
        assert!(HttpClient::builder("http://localhost:8080").build().is_ok());
        assert!(HttpClient::builder("http://[::1]:8080").build().is_ok());
        assert!(
            HttpClient::builder("https://api.example.com/base")
                .build()
                .is_ok()
        );
        assert!(
            HttpClient::builder("ftp://api.example.com")
                .build()
                .is_err()
        );
        assert!(HttpClient::builder("not a url").build().is_err());
        let err = HttpClient::builder("http://api.example.com")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("allow_http"), "{err}");
    }
}
