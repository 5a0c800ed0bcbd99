//! Requests as the platform crates describe them, without any reqwest type.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use connector_core::Error;
use secrecy::SecretString;
use serde::Serialize;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// GET and HEAD are safe to repeat; everything else must be marked idempotent explicitly.
    pub fn is_safe(self) -> bool {
        matches!(self, Self::Get | Self::Head)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text value that may be secret. Secret values never appear in `Debug` or logs.
#[derive(Clone)]
pub enum FieldValue {
    /// An ordinary value.
    Plain(String),
    /// A password, token or key.
    Secret(SecretString),
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(v) => write!(f, "{v:?}"),
            Self::Secret(_) => f.write_str("[REDACTED]"),
        }
    }
}

impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        Self::Plain(v.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        Self::Plain(v)
    }
}

impl From<SecretString> for FieldValue {
    fn from(v: SecretString) -> Self {
        Self::Secret(v)
    }
}

/// Where a multipart file part's bytes come from.
#[derive(Clone)]
pub enum FileSource {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file on disk, streamed (re-opened on every attempt).
    Path(PathBuf),
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Path(p) => write!(f, "Path({})", p.display()),
        }
    }
}

/// One part of a multipart/form-data body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Part {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Value (may be secret).
        value: FieldValue,
    },
    /// A file.
    File {
        /// Field name.
        name: String,
        /// File name sent to the server.
        file_name: String,
        /// MIME type.
        content_type: String,
        /// The content.
        source: FileSource,
    },
}

/// A request body. Its `Debug` shows sizes and field names only, never contents (a JSON body
/// may carry a password).
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// JSON bytes (sent with `content-type: application/json`).
    Json(Bytes),
    /// Raw bytes with a content type.
    Bytes {
        /// The content type.
        content_type: String,
        /// The bytes.
        bytes: Bytes,
    },
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, FieldValue)>),
    /// `multipart/form-data` parts.
    Multipart(Vec<Part>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Json(b) => write!(f, "Json({} bytes)", b.len()),
            Self::Bytes {
                content_type,
                bytes,
            } => write!(f, "Bytes({content_type}, {} bytes)", bytes.len()),
            Self::Form(fields) => {
                let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                write!(f, "Form({names:?})")
            }
            Self::Multipart(parts) => {
                let names: Vec<&str> = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text { name, .. } | Part::File { name, .. } => name.as_str(),
                    })
                    .collect();
                write!(f, "Multipart({names:?})")
            }
        }
    }
}

/// One call to a platform: method, path relative to the client's base URL, query, headers,
/// body, and the policy knobs (operation name, idempotency, timeout).
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) raw_query: Option<String>,
    pub(crate) headers: Vec<(String, FieldValue)>,
    pub(crate) body: Body,
    pub(crate) operation: String,
    pub(crate) idempotent: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) authenticated: bool,
    pub(crate) reconcile_hint: Option<String>,
    pub(crate) secrets: Vec<SecretString>,
    pub(crate) sensitive: bool,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Query values and secret headers stay out of Debug output.
        let query_keys: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_keys", &query_keys)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl Request {
    /// A request with `method` to `path` (relative to the base URL; path prefixes are kept).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let path = path.into();
        Self {
            method,
            operation: format!("{} {}", method, path),
            path,
            query: Vec::new(),
            raw_query: None,
            headers: Vec::new(),
            body: Body::Empty,
            idempotent: method.is_safe(),
            timeout: None,
            authenticated: true,
            reconcile_hint: None,
            secrets: Vec::new(),
            sensitive: false,
        }
    }

    /// A GET.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }

    /// A POST (not idempotent unless marked).
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::Post, path)
    }

    /// A PUT (not idempotent unless marked).
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::Put, path)
    }

    /// A PATCH (not idempotent unless marked).
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::Patch, path)
    }

    /// A DELETE (not idempotent unless marked).
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path)
    }

    /// Names the operation for rate limits, logs and errors (e.g. `getFulfillmentOrder`).
    pub fn operation(mut self, name: impl Into<String>) -> Self {
        self.operation = name.into();
        self
    }

    /// Marks the request safe to send again after a failure (the platform deduplicates it, or
    /// it replaces state rather than adding to it).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Adds a query parameter (encoded for you).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sends `query` (already percent-encoded, without the `?`) byte for byte, after any
    /// [`Request::query`] pairs. For pre-signed URLs: decoding and re-encoding their query can
    /// change it (a literal `+` becomes a space, `~` gets escaped) and break the signature.
    /// It stays out of `Debug` output, like query values.
    pub fn raw_query(mut self, query: impl Into<String>) -> Self {
        self.raw_query = Some(query.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be serialized: {e}")))?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets pre-serialized JSON bytes.
    pub fn json_bytes(mut self, bytes: impl Into<Bytes>) -> Self {
        self.body = Body::Json(bytes.into());
        self
    }

    /// Sets a raw body.
    pub fn bytes(mut self, content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes {
            content_type: content_type.into(),
            bytes: bytes.into(),
        };
        self
    }

    /// Sets a form body.
    pub fn form(mut self, fields: Vec<(String, FieldValue)>) -> Self {
        self.body = Body::Form(fields);
        self
    }

    /// Sets a multipart body.
    pub fn multipart(mut self, parts: Vec<Part>) -> Self {
        self.body = Body::Multipart(parts);
        self
    }

    /// Overrides the client's request timeout for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// What the caller should do to find out whether this write happened, should the answer
    /// be lost (carried by [`connector_core::Error::OutcomeUnknown`]).
    pub fn reconcile_hint(mut self, hint: impl Into<String>) -> Self {
        self.reconcile_hint = Some(hint.into());
        self
    }

    /// Sends the request without the client's auth headers (token endpoints, public routes).
    pub fn without_auth(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// Keeps `secret` out of every error made from this request's answers, in any spelling
    /// (see [`crate::Redactor`]). Secret headers and form or multipart fields
    /// ([`FieldValue::Secret`]) are known already; use this for a secret inside a JSON or
    /// raw body (a login password).
    pub fn redact_secret(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Marks the answer as one that may carry credentials (token and login endpoints): no
    /// excerpt of its body ever enters an error, and [`crate::Response::json`] decodes it
    /// without quoting it.
    pub fn sensitive_response(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Every secret this request carries (secret headers and fields, and those added with
    /// [`Request::redact_secret`]).
    pub(crate) fn carried_secrets(&self) -> Vec<SecretString> {
        let mut out = self.secrets.clone();
        let secret = |v: &FieldValue| match v {
            FieldValue::Secret(s) => Some(s.clone()),
            FieldValue::Plain(_) => None,
        };
        out.extend(self.headers.iter().filter_map(|(_, v)| secret(v)));
        match &self.body {
            Body::Form(fields) => out.extend(fields.iter().filter_map(|(_, v)| secret(v))),
            Body::Multipart(parts) => out.extend(parts.iter().filter_map(|p| match p {
                Part::Text { value, .. } => secret(value),
                Part::File { .. } => None,
            })),
            _ => {}
        }
        out
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The relative path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The operation name.
    pub fn operation_name(&self) -> &str {
        &self.operation
    }

    /// Whether the request may be sent again after a failure.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }
}

/// Percent-encodes one path segment: everything but `A-Z a-z 0-9 - . _ ~` becomes `%XX`
/// (a space is `%20`, never `+`). Encode each segment exactly once.
///
/// A segment that is `.` or `..` cannot be encoded so that it stays in its route (URL
/// parsers read `%2E` as a dot and resolve it): it comes out as `%2E`/`%2E%2E`, which
/// [`crate::HttpClient::send_raw`] (and [`crate::join`]) refuse as
/// [`Error::InvalidInput`]. Use [`try_encode_segment`] to refuse it here, naming the field.
pub fn encode_segment(segment: &str) -> String {
    if segment == "." || segment == ".." {
        return "%2E".repeat(segment.len());
    }
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// [`encode_segment`], refusing a value that would leave its route, empty, `.` or `..`, as
/// [`Error::InvalidInput`] on `field`. (A value spelled `%2e` is safe here: its `%` is
/// encoded, `%252e`.)
pub fn try_encode_segment(field: &str, segment: &str) -> Result<String, Error> {
    if segment.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if segment == "." || segment == ".." {
        return Err(Error::invalid(field, DOT_SEGMENT_RULE));
    }
    Ok(encode_segment(segment))
}

/// The rule broken by a `.` or `..` path segment.
pub(crate) const DOT_SEGMENT_RULE: &str = "must not be `.` or `..` (also percent-encoded): a URL parser resolves it and the \
     request would leave its route";

/// Whether the (already encoded) path segment `segment` is `.` or `..` once `%2e`/`%2E` are
/// read as dots, as URL parsers read it.
pub(crate) fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    let dots = lower.replace("%2e", ".");
    dots == "." || dots == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_refused_in_every_spelling() {
        for dots in [".", ".."] {
            let err = try_encode_segment("order_id", dots).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "order_id"),
                "{err}"
            );
            let encoded = encode_segment(dots);
            assert!(
                !encoded.contains('.') && is_dot_segment(&encoded),
                "{encoded}"
            );
        }
        for encoded in ["%2e", "%2E", "%2e%2E", ".%2e", "%2E.", "%2e%2e"] {
            assert!(is_dot_segment(encoded), "{encoded}");
        }
        for ok in ["...", ".a", "a.", "a..b", "%2e%2e%2e", "SKU.1", "%252e"] {
            assert!(!is_dot_segment(ok), "{ok}");
        }
        // An id spelled `%2e` keeps its `%` encoded: no dot segment.
        assert_eq!(try_encode_segment("sku", "%2e").unwrap(), "%252e");
        assert!(try_encode_segment("sku", "").is_err());
    }

    #[test]
    fn encode_segment_handles_awkward_skus() {
        assert_eq!(encode_segment("SKU 1/2+3#4?"), "SKU%201%2F2%2B3%234%3F");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_segment("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn debug_hides_secrets_and_query_values() {
        let req = Request::post("token")
            .query("api_key", "query-secret")
            .header("ApiAuth", SecretString::from("header-secret".to_string()))
            .form(vec![(
                "client_secret".into(),
                FieldValue::Secret(SecretString::from("form-secret".to_string())),
            )]);
        let dbg = format!("{req:?}");
        let json = Request::post("login")
            .json(&serde_json::json!({"password": "json-secret"}))
            .unwrap();
        let dbg = format!("{dbg} {json:?}");
        for s in [
            "query-secret",
            "header-secret",
            "form-secret",
            "json-secret",
        ] {
            assert!(!dbg.contains(s), "{dbg}");
        }
        assert!(dbg.contains("api_key"));
        assert!(!req.is_idempotent());
        assert!(Request::get("x").is_idempotent());
    }
}
