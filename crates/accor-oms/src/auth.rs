//! OAuth2 client credentials against Accor's Keycloak realm `astore-p2p`, cached by the core
//! [`TokenCache`] (single flight, refreshed before expiry) and sent as `Authorization: Bearer`.
//! A 401 from the API refreshes the token once and resends once (the runtime does it).

use std::sync::Arc;

use connector_core::{Error, SharedClock, SystemClock, TokenCache};
use connector_http::{BearerAuth, Grant, OAuth2TokenProvider};

use crate::config::AccorConfig;

/// Operation name of the token call (logs, rate limits).
pub const TOKEN_OPERATION: &str = "accor.token";

/// The token cache for `config` (client credentials grant, secret in the form body).
pub fn token_cache(config: &AccorConfig) -> Result<Arc<TokenCache>, Error> {
    let provider = OAuth2TokenProvider::new(
        config.environment.token_url(),
        config.client_id.clone(),
        config.client_secret.clone(),
        Grant::ClientCredentials,
        config.allow_http,
    )?
    .with_operation(TOKEN_OPERATION);
    let clock: SharedClock = config
        .clock
        .clone()
        .unwrap_or_else(|| Arc::new(SystemClock));
    Ok(Arc::new(TokenCache::new(Arc::new(provider), clock)))
}

/// The request authenticator: `Authorization: Bearer <token>`.
pub(crate) fn bearer(cache: Arc<TokenCache>) -> BearerAuth {
    BearerAuth::new(cache)
}
