//! ONe's static credentials: the API key in `ApiAuth` and the tenant in `one-tenant`, on every
//! call. There is no login or token; a 401 means the key or the tenant is wrong, and stops a
//! bulk run (nothing else would succeed).

use connector_core::SecretString;
use connector_http::StaticHeaders;

use crate::config::OneConfig;

/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "ApiAuth";
/// Header carrying the tenant key.
pub const TENANT_HEADER: &str = "one-tenant";

/// The two headers, both held as secrets by the runtime (never logged).
pub(crate) fn headers(config: &OneConfig) -> StaticHeaders {
    StaticHeaders::new(vec![
        (API_KEY_HEADER.to_string(), config.api_key.clone()),
        (
            TENANT_HEADER.to_string(),
            SecretString::from(config.tenant.clone()),
        ),
    ])
}
