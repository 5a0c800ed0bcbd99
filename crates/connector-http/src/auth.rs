//! Auth injection: how a request gets its credentials, and what happens when they are refused.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use connector_core::{CachedToken, Error, TokenCache};
use secrecy::{ExposeSecret, SecretString};

/// Headers to add to one attempt, and the token they came from (to match a rejection).
#[derive(Clone, Default)]
pub struct AuthHeaders {
    /// Header name and secret value pairs.
    pub headers: Vec<(String, SecretString)>,
    /// The token used, when it came from a [`TokenCache`].
    pub token: Option<CachedToken>,
}

impl fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("AuthHeaders")
            .field("headers", &names)
            .field("token", &self.token)
            .finish()
    }
}

/// Decides whether a response means "your credentials were refused" (default: HTTP 401).
pub type RejectionRule = Arc<dyn Fn(u16, &[u8]) -> bool + Send + Sync>;

/// Puts credentials on requests and refreshes them once when refused.
#[async_trait]
pub trait RequestAuth: Send + Sync + fmt::Debug {
    /// The headers for the next attempt.
    async fn headers(&self) -> Result<AuthHeaders, Error>;

    /// Whether `status`/`body` means the credentials were refused (default: 401).
    fn is_rejection(&self, status: u16, _body: &[u8]) -> bool {
        status == 401
    }

    /// Replaces refused credentials. Returns `false` when nothing can be refreshed (static
    /// keys), in which case the refusal is returned to the caller at once.
    async fn refresh(&self, _rejected: &AuthHeaders) -> Result<bool, Error> {
        Ok(false)
    }

    /// The long-lived secrets behind these credentials (keys, passwords), redacted from every
    /// error of a client using them (see [`crate::Redactor`]). Tokens fetched at run time are
    /// redacted per request from [`RequestAuth::headers`]; the default is none.
    fn secrets(&self) -> Vec<SecretString> {
        Vec::new()
    }

    /// Checks the credentials can be sent at all (header names and values free of control
    /// characters), called once when the client is built: an error there is an
    /// [`Error::Config`], never a network failure retried later. The default accepts.
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// Refuses a header that cannot be sent: an invalid name, or a value with CR, LF or another
/// control character (which would also split the request). `what` names the setting; the
/// value is never quoted (it may be secret).
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), String> {
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("`{name}` is not a valid header name"));
    }
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(format!(
            "the value of header `{name}` has a control character (CR, LF, NUL...) or is not \
             visible ASCII"
        ));
    }
    Ok(())
}

/// A token from a [`TokenCache`], sent as `Authorization: Bearer <token>` or in a custom header
/// (Amazon's `x-amz-access-token`).
pub struct BearerAuth {
    cache: Arc<TokenCache>,
    header: String,
    prefix: String,
    rejection: Option<RejectionRule>,
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("header", &self.header)
            .field("cache", &self.cache)
            .finish()
    }
}

impl BearerAuth {
    /// `Authorization: Bearer <token>`.
    pub fn new(cache: Arc<TokenCache>) -> Self {
        Self {
            cache,
            header: "authorization".into(),
            prefix: "Bearer ".into(),
            rejection: None,
        }
    }

    /// The raw token in a custom header, e.g. `x-amz-access-token`.
    pub fn in_header(cache: Arc<TokenCache>, header: impl Into<String>) -> Self {
        Self {
            cache,
            header: header.into(),
            prefix: String::new(),
            rejection: None,
        }
    }

    /// Uses a custom rule to recognise a refused token (e.g. Amazon's 403 for an expired token).
    pub fn with_rejection_rule(mut self, rule: RejectionRule) -> Self {
        self.rejection = Some(rule);
        self
    }

    /// The token cache.
    pub fn cache(&self) -> &Arc<TokenCache> {
        &self.cache
    }
}

#[async_trait]
impl RequestAuth for BearerAuth {
    async fn headers(&self) -> Result<AuthHeaders, Error> {
        let token = self.cache.token().await?;
        let value = SecretString::from(format!("{}{}", self.prefix, token.expose()));
        Ok(AuthHeaders {
            headers: vec![(self.header.clone(), value)],
            token: Some(token),
        })
    }

    fn is_rejection(&self, status: u16, body: &[u8]) -> bool {
        match &self.rejection {
            Some(rule) => rule(status, body),
            None => status == 401,
        }
    }

    /// The token provider's secrets (client secret, refresh token...): an API answer that
    /// echoes them is redacted too.
    fn secrets(&self) -> Vec<SecretString> {
        self.cache.provider_secrets()
    }

    async fn refresh(&self, rejected: &AuthHeaders) -> Result<bool, Error> {
        match &rejected.token {
            Some(token) => {
                self.cache.refresh_after_rejection(token).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Fixed secret headers on every call (ONe's `ApiAuth` + `one-tenant`).
pub struct StaticHeaders {
    headers: Vec<(String, SecretString)>,
}

impl fmt::Debug for StaticHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("StaticHeaders")
            .field("headers", &names)
            .finish()
    }
}

impl StaticHeaders {
    /// Headers sent as they are.
    pub fn new(headers: Vec<(String, SecretString)>) -> Self {
        Self { headers }
    }
}

#[async_trait]
impl RequestAuth for StaticHeaders {
    async fn headers(&self) -> Result<AuthHeaders, Error> {
        Ok(AuthHeaders {
            headers: self.headers.clone(),
            token: None,
        })
    }

    fn secrets(&self) -> Vec<SecretString> {
        self.headers.iter().map(|(_, v)| v.clone()).collect()
    }

    fn validate(&self) -> Result<(), Error> {
        for (name, value) in &self.headers {
            check_header(name, value.expose_secret())
                .map_err(|e| Error::config(format!("credentials: {e}")))?;
        }
        Ok(())
    }
}

/// HTTP Basic authentication.
pub struct BasicAuth {
    username: String,
    password: SecretString,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

impl BasicAuth {
    /// User and password.
    pub fn new(username: impl Into<String>, password: SecretString) -> Self {
        Self {
            username: username.into(),
            password,
        }
    }

    /// The `Basic …` header value.
    pub fn header_value(&self) -> SecretString {
        SecretString::from(format!(
            "Basic {}",
            base64_encode(
                format!("{}:{}", self.username, self.password.expose_secret()).as_bytes()
            )
        ))
    }
}

#[async_trait]
impl RequestAuth for BasicAuth {
    async fn headers(&self) -> Result<AuthHeaders, Error> {
        Ok(AuthHeaders {
            headers: vec![("authorization".into(), self.header_value())],
            token: None,
        })
    }

    fn secrets(&self) -> Vec<SecretString> {
        vec![self.password.clone(), self.header_value()]
    }
}

/// Standard base64 with padding (RFC 4648), for Basic credentials.
pub(crate) fn base64_encode(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(TABLE[(n >> 18) as usize & 63] as char);
        out.push(TABLE[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            TABLE[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            TABLE[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(i.as_bytes()), o);
        }
    }

    #[test]
    fn debug_of_auth_types_hides_secrets() {
        let basic = BasicAuth::new("erp", SecretString::from("pa55word".to_string()));
        let headers = StaticHeaders::new(vec![(
            "ApiAuth".into(),
            SecretString::from("key:secret".to_string()),
        )]);
        for dbg in [format!("{basic:?}"), format!("{headers:?}")] {
            assert!(
                !dbg.contains("pa55word") && !dbg.contains("key:secret"),
                "{dbg}"
            );
        }
    }
}
