//! Responses, without any reqwest type.

use std::fmt;

use bytes::Bytes;
use connector_core::Error;
use serde::de::DeserializeOwned;

use crate::redact::Redactor;

/// A platform's answer: status, headers (names lower-cased) and the whole body.
#[derive(Clone)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
    /// The secrets of the client and request, kept out of any error made from this answer.
    pub(crate) redactor: Redactor,
    /// The answer may carry credentials (token and login endpoints): no excerpt of its body
    /// goes into an error.
    pub(crate) sensitive: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// Builds a response (for tests and custom transports).
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Bytes>) -> Self {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Self {
            status,
            headers,
            body: body.into(),
            request_id: None,
            attempts: 1,
            redactor: Redactor::new(),
            sensitive: false,
        }
    }

    /// This response with `redactor` keeping secrets out of the errors made from it (for
    /// custom transports; the client sets its own).
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The secrets kept out of errors made from this answer: the client's
    /// ([`crate::HttpClientBuilder::redact_secret`], its auth) and the request's
    /// ([`crate::Request::redact_secret`], its secret fields).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Whether the request was marked [`crate::Request::sensitive_response`]: no excerpt of
    /// this body may enter an error.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// A bounded, redacted excerpt of the body for an error message; `None` when the body
    /// is empty or the answer is [sensitive](Self::is_sensitive).
    pub fn body_excerpt(&self) -> Option<String> {
        if self.sensitive || self.body.is_empty() {
            return None;
        }
        Some(self.redactor.excerpt(&self.body))
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// How many attempts it took to get this answer.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The platform's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Decodes the JSON body; a mismatch is an [`Error::Decode`] with the JSON path and a
    /// bounded excerpt of the body.
    ///
    /// The client's and request's secrets are redacted from the message and excerpt; a
    /// [sensitive](Self::is_sensitive) answer decodes as [`Response::json_redacted`] does.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        if self.sensitive {
            return decode_json_redacted(&self.body, "the answer");
        }
        decode_json(&self.body).map_err(|e| match e {
            Error::Decode {
                path,
                message,
                excerpt: _,
            } => Error::Decode {
                path: self.redactor.redact(&path),
                message: self.redactor.redact(&message),
                excerpt: self.redactor.excerpt(&self.body),
            },
            other => other,
        })
    }

    /// Decodes a JSON body that carries credentials (a token endpoint's answer): a mismatch is
    /// an [`Error::Decode`] with the JSON path but without the body or serde's message, which
    /// could quote a token. See [`decode_json_redacted`].
    pub fn json_redacted<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        decode_json_redacted(&self.body, what)
    }
}

/// Decodes JSON that may hold secrets (`what` names it in the message, e.g. "the token
/// answer"): on a mismatch the [`Error::Decode`] keeps the failing field's path, the error
/// category and its position, and leaves out the body excerpt and serde's message (which can
/// quote the offending value), so no token reaches an error, a log or a `Debug` print.
pub fn decode_json_redacted<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        message: format!(
            "{what} does not decode ({:?} error at line {} column {}; the body is not shown: \
             it may hold credentials)",
            e.inner().classify(),
            e.inner().line(),
            e.inner().column()
        ),
        excerpt: String::new(),
    })
}

/// Decodes JSON with the path of the failing field in the error.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        message: e.inner().to_string(),
        excerpt: connector_core::error::excerpt(body),
    })
}
