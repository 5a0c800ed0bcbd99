//! Responses, without any reqwest type.

use std::fmt;

use bytes::Bytes;
use connector_core::Error;
use serde::de::DeserializeOwned;

/// A platform's answer: status, headers (names lower-cased) and the whole body.
#[derive(Clone)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
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
        }
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
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(&self.body)
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
