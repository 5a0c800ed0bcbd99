//! OAuth2 token endpoints: client credentials (Accor's Keycloak), refresh token and
//! authorization code (Login with Amazon). A small form POST, written here rather than pulling
//! the `oauth2` crate, whose default features bring a second reqwest.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{ApiContext, AuthErrorKind, Error, Token, TokenProvider};
use secrecy::SecretString;
use serde::Deserialize;

use crate::client::HttpClient;
use crate::request::{FieldValue, Request};

/// Which grant to ask for.
#[derive(Clone)]
#[non_exhaustive]
pub enum Grant {
    /// `grant_type=client_credentials` (machine to machine).
    ClientCredentials,
    /// `grant_type=refresh_token` with a long-lived refresh token.
    RefreshToken(SecretString),
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCredentials => f.write_str("ClientCredentials"),
            Self::RefreshToken(_) => f.write_str("RefreshToken([REDACTED])"),
        }
    }
}

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `client_id` and `client_secret` in the form body (`client_secret_post`; Keycloak and
    /// Login with Amazon accept it).
    #[default]
    RequestBody,
    /// HTTP Basic with the client id and secret (`client_secret_basic`).
    BasicHeader,
}

/// Fetches tokens from an OAuth2 token endpoint.
pub struct OAuth2TokenProvider {
    http: HttpClient,
    client_id: String,
    client_secret: SecretString,
    grant: Grant,
    scope: Option<String>,
    auth_method: ClientAuthMethod,
    operation: String,
}

impl fmt::Debug for OAuth2TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2TokenProvider")
            .field("token_url", &self.http.base_url().as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("grant", &self.grant)
            .field("scope", &self.scope)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl OAuth2TokenProvider {
    /// A provider posting to `token_url` (a full URL; `http` only on loopback or with
    /// `allow_http`). The token call is retried on 5xx and connection errors.
    pub fn new(
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: SecretString,
        grant: Grant,
        allow_http: bool,
    ) -> Result<Self, Error> {
        let mut builder = HttpClient::builder(token_url)
            .allow_http(allow_http)
            .timeout(Duration::from_secs(30))
            .redact_secret(client_secret.clone());
        if let Grant::RefreshToken(t) = &grant {
            builder = builder.redact_secret(t.clone());
        }
        let http = builder.build()?;
        Ok(Self {
            http,
            client_id: client_id.into(),
            client_secret,
            grant,
            scope: None,
            auth_method: ClientAuthMethod::default(),
            operation: "oauth2.token".into(),
        })
    }

    /// Client credentials grant.
    pub fn client_credentials(
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Result<Self, Error> {
        Self::new(
            token_url,
            client_id,
            client_secret,
            Grant::ClientCredentials,
            false,
        )
    }

    /// Asks for a scope.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Chooses how the client authenticates to the endpoint.
    pub fn with_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// Names the operation in logs and errors (e.g. `lwa.token`).
    pub fn with_operation(mut self, name: impl Into<String>) -> Self {
        self.operation = name.into();
        self
    }

    /// Uses another HTTP client for the token endpoint (custom timeouts or retry policy).
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = http;
        self
    }
}

#[async_trait]
impl TokenProvider for OAuth2TokenProvider {
    async fn fetch_token(&self) -> Result<Token, Error> {
        let mut form: Vec<(String, FieldValue)> = Vec::new();
        match &self.grant {
            Grant::ClientCredentials => {
                form.push(("grant_type".into(), "client_credentials".into()))
            }
            Grant::RefreshToken(t) => {
                form.push(("grant_type".into(), "refresh_token".into()));
                form.push(("refresh_token".into(), FieldValue::Secret(t.clone())));
            }
        }
        if let Some(scope) = &self.scope {
            form.push(("scope".into(), scope.clone().into()));
        }
        // The answer carries a token, an error may quote the form: no body excerpt, and the
        // client secret is redacted even from a client given with `with_http_client`.
        let mut req = Request::post("")
            .operation(self.operation.clone())
            .without_auth()
            .idempotent()
            .sensitive_response()
            .redact_secret(self.client_secret.clone());
        match self.auth_method {
            ClientAuthMethod::RequestBody => {
                form.push(("client_id".into(), self.client_id.clone().into()));
                form.push((
                    "client_secret".into(),
                    FieldValue::Secret(self.client_secret.clone()),
                ));
            }
            ClientAuthMethod::BasicHeader => {
                let basic =
                    crate::auth::BasicAuth::new(self.client_id.clone(), self.client_secret.clone());
                req = req.header("authorization", basic.header_value());
            }
        }
        let req = req.form(form);
        let resp = match self.http.send_raw(req).await {
            Ok(resp) => resp,
            Err(e) => return Err(e),
        };
        if (200..300).contains(&resp.status()) {
            // Not resp.json(): its decode error would carry an excerpt of the token.
            let tok: TokenResponse = resp.json_redacted("the token endpoint's answer")?;
            return Ok(Token::new(
                SecretString::from(tok.access_token),
                tok.expires_in.map(Duration::from_secs),
            ));
        }
        Err(token_endpoint_error(&self.operation, &resp))
    }

    fn secrets(&self) -> Vec<SecretString> {
        let mut out = vec![self.client_secret.clone()];
        if let Grant::RefreshToken(t) = &self.grant {
            out.push(t.clone());
        }
        out
    }
}

/// Maps a token endpoint's refusal to an [`Error`]: `invalid_client`/`unauthorized_client`
/// become [`AuthErrorKind::InvalidClient`] (rotate the secret), `invalid_grant`
/// [`AuthErrorKind::InvalidGrant`] (re-authorize), other 401/403 `InvalidClient`, the rest the
/// error of their status. Shared with token endpoints that have their own grant (e.g. Login
/// with Amazon's authorization-code exchange).
///
/// No excerpt of the body is kept (a token endpoint's answer may quote the submitted form),
/// and the secrets known to the response's [`crate::Redactor`] are redacted from the
/// `error_description` and code.
pub fn token_endpoint_error(operation: &str, resp: &crate::response::Response) -> Error {
    let redactor = resp.redactor();
    let mut ctx = ApiContext::new(format!(
        "token endpoint refused the request (HTTP {})",
        resp.status()
    ))
    .with_operation(operation)
    .with_status(resp.status());
    ctx.attempts = resp.attempts();
    if let Some(id) = resp.request_id() {
        ctx = ctx.with_request_id(redactor.redact(id));
    }
    if let Ok(err) = serde_json::from_slice::<TokenError>(resp.body()) {
        let kind = match err.error.as_str() {
            "invalid_client" | "unauthorized_client" => Some(AuthErrorKind::InvalidClient),
            "invalid_grant" => Some(AuthErrorKind::InvalidGrant),
            _ => None,
        };
        ctx.message = redactor.redact(&err.error_description.unwrap_or_else(|| err.error.clone()));
        ctx = ctx.with_code(redactor.redact(&err.error));
        if let Some(kind) = kind {
            return Error::Auth {
                kind,
                context: Box::new(ctx),
            };
        }
    }
    let status = resp.status();
    if status == 401 || status == 403 {
        return Error::Auth {
            kind: AuthErrorKind::InvalidClient,
            context: Box::new(ctx),
        };
    }
    Error::from_status(status, ctx, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_client_secret_and_refresh_token() {
        let p = OAuth2TokenProvider::new(
            "https://auth.example.com/token",
            "client-1",
            SecretString::from("client-s3cret".to_string()),
            Grant::RefreshToken(SecretString::from("Atzr|refresh-s3cret".to_string())),
            false,
        )
        .unwrap();
        let dbg = format!("{p:?}");
        assert!(
            !dbg.contains("client-s3cret") && !dbg.contains("refresh-s3cret"),
            "{dbg}"
        );
        assert!(dbg.contains("client-1"));
    }
}
