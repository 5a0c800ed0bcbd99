//! Shared test helpers.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use connector_core::{ManualClock, RetryPolicy, SecretString};
use totvs_omni::{OmniConfig, OmniConfigBuilder};
use wiremock::MockServer;

/// A config for site `SITE-42` whose load host and order API (user `erp`, password `order-pw`)
/// are `server`, with load password `load_password`, no retry jitter and `clock`.
pub(crate) fn config(
    server: &MockServer,
    load_password: &str,
    clock: &ManualClock,
) -> OmniConfigBuilder {
    OmniConfig::builder("SITE-42", "integrador", SecretString::from(load_password))
        .load_host(server.uri())
        .orders_api(
            format!("{}/api", server.uri()),
            "erp",
            SecretString::from("order-pw"),
        )
        .retry(RetryPolicy::default().with_jitter(false))
        .clock(clock.shared())
}
