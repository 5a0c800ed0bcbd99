//! Order API authentication: the user/password login that returns a token.
//!
//! TOTVS's e-commerce integration guide says the Omni REST API is used by "authenticating via
//! the *Gerar Token* endpoint and using the generated token in the other calls"; the endpoint's
//! path and shapes are not public. Default (an open question, see the platform guide): `POST
//! {orders_base_url}/auth/token` with form fields `username` and `password`, answering
//! `{"token": "...", "expiresIn": 3600}` (`access_token`/`expires_in` are accepted too); the
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

#[derive(Deserialize)]
struct LoginAnswer {
    #[serde(alias = "access_token")]
    token: SecretString,
    #[serde(default, alias = "expires_in")]
    #[serde(rename = "expiresIn")]
    expires_in: Option<u64>,
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
        if answer.token.expose_secret().is_empty() {
            return Err(Error::Decode {
                path: "token".into(),
                message: "empty token".into(),
                excerpt: String::new(),
            });
        }
        Ok(Token::new(
            answer.token,
            answer.expires_in.map(Duration::from_secs),
        ))
    }
}
