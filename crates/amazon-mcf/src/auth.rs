//! Login with Amazon (LWA): the refresh-token grant for every call, the authorization-code
//! exchange and consent URL for public apps, and the rule that recognises Amazon's
//! "expired token" 403.
//!
//! Tokens go in the `x-amz-access-token` header (not `Authorization: Bearer`). No SigV4:
//! SP-API stopped requiring it on 2023-10-02.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{ApiContext, Error, SecretString, Token, TokenProvider};
use connector_http::{FieldValue, Grant, HttpClient, OAuth2TokenProvider, RejectionRule, Request};
use secrecy::ExposeSecret;
use serde::Deserialize;
use url::Url;

use crate::config::Region;

/// The LWA token endpoint (the same for NA, EU and FE).
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// The header carrying the access token.
pub const ACCESS_TOKEN_HEADER: &str = "x-amz-access-token";

/// The refresh-token grant provider (`grant_type=refresh_token`, no `scope`), with LWA's
/// `invalid_grant` (re-authorize the seller) and `invalid_client` (rotate the client secret)
/// mapped to distinct [`AuthErrorKind`](connector_core::AuthErrorKind)s. Its errors never
/// carry the token endpoint's body, nor the client secret or refresh token in any text (see
/// [`LwaTokenProvider`]).
pub fn refresh_token_provider(
    token_url: &str,
    client_id: impl Into<String>,
    client_secret: SecretString,
    refresh_token: SecretString,
    allow_http: bool,
) -> Result<LwaTokenProvider, Error> {
    let secrets = vec![client_secret.clone(), refresh_token.clone()];
    let inner = OAuth2TokenProvider::new(
        token_url,
        client_id,
        client_secret,
        Grant::RefreshToken(refresh_token),
        allow_http,
    )?
    .with_operation("lwa.token");
    Ok(LwaTokenProvider { inner, secrets })
}

/// The LWA refresh-token provider. A token endpoint that echoes the submitted form (a proxy's
/// error page, a 400 quoting the request, an `error_description` quoting the secret) cannot
/// leak it: an error from the token endpoint keeps its kind, status, OAuth code and request
/// id, but **no body excerpt**, and the client secret and refresh token (as sent, form-encoded
/// or plain) are replaced by `[REDACTED]` in every message; a source error quoting one is
/// dropped.
pub struct LwaTokenProvider {
    inner: OAuth2TokenProvider,
    secrets: Vec<SecretString>,
}

impl fmt::Debug for LwaTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The inner provider's Debug redacts its secrets.
        f.debug_tuple("LwaTokenProvider")
            .field(&self.inner)
            .finish()
    }
}

#[async_trait]
impl TokenProvider for LwaTokenProvider {
    async fn fetch_token(&self) -> Result<Token, Error> {
        self.inner
            .fetch_token()
            .await
            .map_err(|e| token_endpoint_safe(e, &self.secrets))
    }
}

/// The spellings under which a secret can come back in an echo: as is, and form- or
/// percent-encoded (`|` → `%7C`, space → `+` or `%20`).
fn secret_forms(secrets: &[SecretString]) -> Vec<String> {
    let mut forms = Vec::new();
    for s in secrets {
        let raw = s.expose_secret();
        if raw.is_empty() {
            continue;
        }
        let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        forms.push(raw.to_string());
        forms.push(form.replace('+', "%20"));
        forms.push(form);
    }
    // Longest first, so a longer spelling is not left half-replaced by a shorter one.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

fn redact(text: &str, forms: &[String]) -> String {
    const MASK: &str = "[REDACTED]";
    let mut out = text.to_string();
    for f in forms {
        // Case-insensitive for the percent-encoded forms (`%7c`); ASCII lowering keeps byte
        // offsets, and the search resumes after each mask.
        let needle = f.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = out[from..].to_ascii_lowercase().find(&needle) {
            let at = from + i;
            out.replace_range(at..at + f.len(), MASK);
            from = at + MASK.len();
        }
    }
    out
}

fn quotes_secret(text: &str, forms: &[String]) -> bool {
    let lower = text.to_ascii_lowercase();
    forms
        .iter()
        .any(|f| lower.contains(&f.to_ascii_lowercase()))
}

/// An error of a token endpoint made safe to show: no body excerpt, no secret in any text.
pub(crate) fn token_endpoint_safe(err: Error, secrets: &[SecretString]) -> Error {
    let forms = secret_forms(secrets);
    let ctx = |mut c: Box<ApiContext>| {
        c.body_excerpt = None;
        c.message = redact(&c.message, &forms);
        c.code = c.code.map(|code| redact(&code, &forms));
        c.operation = c.operation.map(|op| redact(&op, &forms));
        c
    };
    let source = |s: Option<connector_core::error::BoxError>| {
        s.filter(|e| !quotes_secret(&format!("{e} {e:?}"), &forms))
    };
    match err {
        Error::Auth { kind, context } => Error::Auth {
            kind,
            context: ctx(context),
        },
        Error::NotFound { context } => Error::NotFound {
            context: ctx(context),
        },
        Error::Conflict { context } => Error::Conflict {
            context: ctx(context),
        },
        Error::RateLimited {
            retry_after,
            context,
        } => Error::RateLimited {
            retry_after,
            context: ctx(context),
        },
        Error::Transient { context, source: s } => Error::Transient {
            context: ctx(context),
            source: source(s),
        },
        Error::Api { context } => Error::Api {
            context: ctx(context),
        },
        Error::OutcomeUnknown {
            operation,
            reason,
            reconcile,
            source: s,
        } => Error::OutcomeUnknown {
            operation,
            reason: redact(&reason, &forms),
            reconcile: redact(&reconcile, &forms),
            source: source(s),
        },
        Error::Decode { path, message, .. } => Error::Decode {
            path: redact(&path, &forms),
            message: redact(&message, &forms),
            excerpt: String::new(),
        },
        Error::InvalidInput { field, rule } => Error::InvalidInput {
            field: redact(&field, &forms),
            rule: redact(&rule, &forms),
        },
        Error::Config { message } => Error::Config {
            message: redact(&message, &forms),
        },
        Error::Io { message, source: s } => Error::Io {
            message: redact(&message, &forms),
            source: source(s),
        },
        // Variants without platform text (and any added later, checked whole).
        other if quotes_secret(&format!("{other} {other:?}"), &forms) => Error::Api {
            context: Box::new(ApiContext::new(
                "the token endpoint refused the request (details withheld: they quoted a secret)",
            )),
        },
        other => other,
    }
}

/// Recognises a refused token: a 401, or Amazon's 403 whose error says the token expired
/// ("The access token you provided has expired.") or is missing/invalid. Other 403s (a
/// missing role) are not refreshed.
pub fn expired_token_rule() -> RejectionRule {
    Arc::new(|status, body| {
        if status == 401 {
            return true;
        }
        if status != 403 {
            return false;
        }
        let text = String::from_utf8_lossy(body).to_ascii_lowercase();
        text.contains("expired")
            || text.contains("access token is missing")
            || text.contains("invalid access token")
    })
}

/// Builds the Seller Central consent URL a seller opens to authorize a public app.
///
/// ```
/// use amazon_mcf::auth::ConsentUrl;
/// use amazon_mcf::Region;
/// let url = ConsentUrl::new(Region::Europe, "amzn1.sp.solution.abc", "st-4f9a2c7e1b")
///     .redirect_uri("https://erp.example.com/amazon/callback")
///     .draft(true)
///     .build()?;
/// assert!(url.starts_with("https://sellercentral-europe.amazon.com/apps/authorize/consent?application_id=amzn1.sp.solution.abc&state=st-4f9a2c7e1b"));
/// assert!(url.contains("version=beta"));
/// # Ok::<(), connector_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConsentUrl {
    seller_central: String,
    application_id: String,
    state: String,
    redirect_uri: Option<String>,
    draft: bool,
}

impl ConsentUrl {
    /// A consent URL on the region's default Seller Central host (see
    /// [`ConsentUrl::seller_central`] to use a marketplace-specific host).
    pub fn new(
        region: Region,
        application_id: impl Into<String>,
        state: impl Into<String>,
    ) -> Self {
        let host = match region {
            Region::NorthAmerica => "https://sellercentral.amazon.com",
            Region::Europe => "https://sellercentral-europe.amazon.com",
            Region::FarEast => "https://sellercentral.amazon.co.jp",
        };
        Self {
            seller_central: host.into(),
            application_id: application_id.into(),
            state: state.into(),
            redirect_uri: None,
            draft: false,
        }
    }

    /// Uses another Seller Central host (e.g. `https://sellercentral.amazon.com.au`).
    pub fn seller_central(mut self, base: impl Into<String>) -> Self {
        self.seller_central = base.into();
        self
    }

    /// One of the redirect URIs registered for the app (default: the first registered one).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Adds `version=beta`, needed while the app is still a draft.
    pub fn draft(mut self, draft: bool) -> Self {
        self.draft = draft;
        self
    }

    /// The URL. The state must be an unguessable value you check in the callback.
    pub fn build(&self) -> Result<String, Error> {
        connector_core::validate::required("application_id", &self.application_id)?;
        if self.state.trim().len() < 8 {
            return Err(Error::invalid(
                "state",
                "must be an unguessable value of at least 8 characters (CSRF protection)",
            ));
        }
        let mut url = Url::parse(&self.seller_central)
            .map_err(|e| Error::config(format!("seller central URL: {e}")))?;
        url.set_path("/apps/authorize/consent");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("application_id", &self.application_id);
            q.append_pair("state", &self.state);
            if let Some(r) = &self.redirect_uri {
                q.append_pair("redirect_uri", r);
            }
            if self.draft {
                q.append_pair("version", "beta");
            }
        }
        Ok(url.to_string())
    }
}

/// What Amazon sends back to your redirect URI after consent.
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthorizationCallback {
    /// The authorization code (`spapi_oauth_code`, valid five minutes).
    pub code: SecretString,
    /// The seller's id (`selling_partner_id`).
    pub selling_partner_id: String,
}

impl fmt::Debug for AuthorizationCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCallback")
            .field("code", &"[REDACTED]")
            .field("selling_partner_id", &self.selling_partner_id)
            .finish()
    }
}

impl AuthorizationCallback {
    /// Reads the callback's query string and checks `state` against the one you issued.
    pub fn from_query(query: &str, expected_state: &str) -> Result<Self, Error> {
        let query = query.trim_start_matches('?');
        let mut code = None;
        let mut state = None;
        let mut partner = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "spapi_oauth_code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "selling_partner_id" => partner = Some(v.into_owned()),
                _ => {}
            }
        }
        let state = state.ok_or_else(|| Error::invalid("state", "is missing from the callback"))?;
        if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
            return Err(Error::invalid(
                "state",
                "does not match the state this app issued (possible CSRF): restart the consent",
            ));
        }
        let code =
            code.ok_or_else(|| Error::invalid("spapi_oauth_code", "is missing from the callback"))?;
        let selling_partner_id = partner
            .ok_or_else(|| Error::invalid("selling_partner_id", "is missing from the callback"))?;
        Ok(Self {
            code: SecretString::from(code),
            selling_partner_id,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Tokens returned by the authorization-code exchange.
#[non_exhaustive]
pub struct LwaTokens {
    /// The access token (`Atza|...`, one hour).
    pub access_token: SecretString,
    /// The long-lived refresh token (`Atzr|...`): store it for the seller.
    pub refresh_token: SecretString,
    /// Lifetime of the access token.
    pub expires_in: Option<Duration>,
}

impl fmt::Debug for LwaTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LwaTokens")
            .field("access_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[derive(Deserialize)]
struct CodeResponse {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Exchanges a public app's authorization code for a refresh token
/// (`grant_type=authorization_code`, `code`, `redirect_uri`, `client_id`, `client_secret`).
pub struct AuthorizationCodeExchange {
    http: HttpClient,
    client_id: String,
    client_secret: SecretString,
}

impl fmt::Debug for AuthorizationCodeExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCodeExchange")
            .field("token_url", &self.http.base_url().as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish()
    }
}

impl AuthorizationCodeExchange {
    /// An exchange against `token_url` (usually [`LWA_TOKEN_URL`]).
    pub fn new(
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: SecretString,
        allow_http: bool,
    ) -> Result<Self, Error> {
        let http = HttpClient::builder(token_url)
            .allow_http(allow_http)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            client_id: client_id.into(),
            client_secret,
        })
    }

    /// Exchanges `code` (valid five minutes, single use) for tokens. Not retried on a lost
    /// answer: a code cannot be used twice, so ask the seller to consent again instead.
    pub async fn exchange(
        &self,
        code: &SecretString,
        redirect_uri: &str,
    ) -> Result<LwaTokens, Error> {
        let form: Vec<(String, FieldValue)> = vec![
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), FieldValue::Secret(code.clone())),
            ("redirect_uri".into(), redirect_uri.to_string().into()),
            ("client_id".into(), self.client_id.clone().into()),
            (
                "client_secret".into(),
                FieldValue::Secret(self.client_secret.clone()),
            ),
        ];
        let req = Request::post("")
            .operation("lwa.authorization_code")
            .without_auth()
            .reconcile_hint("an authorization code is single-use: ask the seller to consent again")
            .form(form);
        let secrets = [self.client_secret.clone(), code.clone()];
        let resp = self
            .http
            .send_raw(req)
            .await
            .map_err(|e| token_endpoint_safe(e, &secrets))?;
        if (200..300).contains(&resp.status()) {
            // Not resp.json(): its decode error would carry an excerpt of both tokens.
            let tok: CodeResponse = resp.json_redacted("Login with Amazon's token answer")?;
            return Ok(LwaTokens {
                access_token: SecretString::from(tok.access_token),
                refresh_token: SecretString::from(tok.refresh_token),
                expires_in: tok.expires_in.map(Duration::from_secs),
            });
        }
        Err(token_endpoint_safe(
            connector_http::token_endpoint_error("lwa.authorization_code", &resp),
            &secrets,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_rule_only_refreshes_expired_tokens() {
        let rule = expired_token_rule();
        assert!(rule(403, br#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}"#));
        assert!(rule(401, b""));
        assert!(!rule(403, br#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}"#));
        assert!(!rule(500, b"expired"));
    }

    #[test]
    fn callback_checks_state_and_hides_code() {
        let cb = AuthorizationCallback::from_query(
            "?state=st-12345678&selling_partner_id=A3SELLER&spapi_oauth_code=RHxyz%7Cabc",
            "st-12345678",
        )
        .unwrap();
        assert_eq!(cb.selling_partner_id, "A3SELLER");
        use secrecy::ExposeSecret;
        assert_eq!(cb.code.expose_secret(), "RHxyz|abc");
        assert!(!format!("{cb:?}").contains("RHxyz"));
        let err = AuthorizationCallback::from_query(
            "state=other-state&selling_partner_id=A&spapi_oauth_code=x",
            "st-12345678",
        )
        .unwrap_err();
        assert!(err.to_string().contains("CSRF"), "{err}");
    }

    #[test]
    fn consent_url_encodes_redirect_and_refuses_weak_state() {
        let url = ConsentUrl::new(
            Region::NorthAmerica,
            "amzn1.sp.solution.x",
            "state-0123456789",
        )
        .redirect_uri("https://erp.example.com/cb?x=1")
        .build()
        .unwrap();
        assert_eq!(
            url,
            "https://sellercentral.amazon.com/apps/authorize/consent?application_id=amzn1.sp.solution.x&state=state-0123456789&redirect_uri=https%3A%2F%2Ferp.example.com%2Fcb%3Fx%3D1"
        );
        assert!(
            ConsentUrl::new(Region::NorthAmerica, "a", "x")
                .build()
                .is_err()
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let ex = AuthorizationCodeExchange::new(
            LWA_TOKEN_URL,
            "amzn1.application-oa2-client.x",
            SecretString::from("lwa-s3cret".to_string()),
            false,
        )
        .unwrap();
        let tokens = LwaTokens {
            access_token: SecretString::from("Atza|acc3ss".to_string()),
            refresh_token: SecretString::from("Atzr|r3fresh".to_string()),
            expires_in: None,
        };
        for dbg in [format!("{ex:?}"), format!("{tokens:?}")] {
            assert!(
                !dbg.contains("s3cret") && !dbg.contains("acc3ss") && !dbg.contains("r3fresh"),
                "{dbg}"
            );
        }
    }
}
