//! Order API authentication: the user/password login that returns a token.
//!
//! TOTVS's e-commerce integration guide says the Omni REST API is used by "authenticating via
//! the *Gerar Token* endpoint and using the generated token in the other calls"; the endpoint's
//! path and shapes are not public. Default (an open question, see the platform guide): `POST
//! {orders_base_url}/auth/token` with form fields `username` and `password`, answering
//! `{"token": "...", "expiresIn": 3600}` (`access_token`/`expires_in` are accepted too, also
//! beside the first spelling when both say the same; two different tokens are refused); the
//! token is sent as `Authorization: Bearer <token>`, and a 401 triggers one re-login.
//!
//! The load endpoint does not use this: it is "session-less" and takes the integration user's
//! credentials as form fields on every call.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{AuthErrorKind, Error, ExposeSecret, SecretString, Token, TokenProvider};
use connector_http::{FieldValue, HttpClient, Request};
use serde::Deserialize;

/// Logs in to the order API with a user and password; plug it into a `TokenCache`.
pub struct OmniLogin {
    http: HttpClient,
    path: String,
    username: String,
    password: SecretString,
}

impl fmt::Debug for OmniLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OmniLogin")
            .field("path", &self.path)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// The login answer. Both documented spellings of each field are read as separate fields
/// (serde aliases would refuse an answer holding both as a duplicate field): `token` or
/// `access_token`, `expiresIn` or `expires_in`. Holding both is fine when they agree; two
/// different tokens (or lifetimes) are ambiguous and refused.
#[derive(Deserialize)]
struct LoginAnswer {
    #[serde(default)]
    token: Option<SecretString>,
    #[serde(default)]
    access_token: Option<SecretString>,
    #[serde(default, rename = "expiresIn")]
    expires_in_camel: Option<u64>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl LoginAnswer {
    /// The token and its lifetime, or why the answer cannot be used.
    fn resolve(self) -> Result<(SecretString, Option<u64>), Error> {
        let ambiguous = |path: &str, message: &str| Error::Decode {
            path: path.into(),
            message: message.into(),
            excerpt: String::new(),
        };
        let token = match (self.token, self.access_token) {
            (Some(a), Some(b)) if a.expose_secret() != b.expose_secret() => {
                return Err(ambiguous(
                    "token",
                    "the login answer holds two different tokens (`token` and `access_token`): \
                     ambiguous, none is used (the values are not shown)",
                ));
            }
            (Some(t), _) | (None, Some(t)) => t,
            (None, None) => {
                return Err(ambiguous(
                    "token",
                    "the login answer holds no token (`token` or `access_token`)",
                ));
            }
        };
        if token.expose_secret().is_empty() {
            return Err(ambiguous("token", "empty token"));
        }
        let expires_in = match (self.expires_in_camel, self.expires_in) {
            (Some(a), Some(b)) if a != b => {
                return Err(ambiguous(
                    "expiresIn",
                    &format!(
                        "the login answer holds two different lifetimes (`expiresIn` {a}, \
                         `expires_in` {b}): ambiguous"
                    ),
                ));
            }
            (a, b) => a.or(b),
        };
        Ok((token, expires_in))
    }
}

impl OmniLogin {
    /// A login against `http` (the order API client without auth) at `path`.
    pub fn new(
        http: HttpClient,
        path: impl Into<String>,
        username: impl Into<String>,
        password: SecretString,
    ) -> Self {
        Self {
            http,
            path: path.into(),
            username: username.into(),
            password,
        }
    }
}

#[async_trait]
impl TokenProvider for OmniLogin {
    async fn fetch_token(&self) -> Result<Token, Error> {
        let req = Request::post(self.path.clone())
            .operation("totvs_omni.login")
            .without_auth()
            .idempotent()
            // The answer carries the token: never an excerpt of it in an error.
            .sensitive_response()
            .form(vec![
                ("username".into(), FieldValue::Plain(self.username.clone())),
                (
                    "password".into(),
                    FieldValue::Secret(SecretString::from(self.password.expose_secret())),
                ),
            ]);
        let resp = self.http.send_raw(req).await?;
        if resp.status() == 401 || resp.status() == 403 {
            let mut ctx = connector_core::ApiContext::new("order API login refused")
                .with_operation("totvs_omni.login")
                .with_status(resp.status());
            if let Some(id) = resp.request_id() {
                ctx = ctx.with_request_id(id);
            }
            return Err(Error::Auth {
                kind: AuthErrorKind::InvalidClient,
                context: Box::new(ctx),
            });
        }
        if !(200..300).contains(&resp.status()) {
            return Err(self.http.error_for("totvs_omni.login", &resp));
        }
        // Not resp.json(): its decode error would carry an excerpt of the body, which here
        // holds the live token.
        let answer: LoginAnswer = resp.json_redacted("the login answer")?;
        let (token, expires_in) = answer.resolve()?;
        Ok(Token::new(token, expires_in.map(Duration::from_secs)))
    }
}
