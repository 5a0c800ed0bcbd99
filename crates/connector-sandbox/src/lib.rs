//! # connector-sandbox
//!
//! Local simulators for the `erp-connectors` SDK: run the examples and your own tests with no
//! credentials and no network. This crate is the harness every simulator builds on:
//!
//! * [`SandboxServer`]: serve an axum router on an ephemeral loopback port, stopped on drop;
//! * [`TokenIssuer`]: an OAuth2 token endpoint (client credentials and refresh-token grants,
//!   `invalid_client` / `invalid_grant` answers) and token checks for simulator routes;
//! * [`Faults`]: fault injection (N failures then success, 429 with or without `Retry-After`,
//!   5xx, HTML 503, delays, dropped connections, expired tokens, malformed bodies);
//! * `sftp::SftpServer` (feature `sftp`): an embedded SFTP server with password and key auth
//!   and "drop the connection after N bytes" fault injection;
//! * [`Harness`]: all of it started at once, with a small protected bulk API ([`demo`]) used by
//!   the quick start.
//!
//! Platform simulators (`sandbox-accor-oms`, `sandbox-amazon-mcf`, ...) are separate crates on
//! top of this harness, so each is written from its platform's documents and never shares code
//! with the client it tests. The `erp-sandbox` binary of the umbrella crate runs them all.
//!
//! ## Example
//!
//! ```
//! use connector_sandbox::{Fault, Harness};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let sandbox = Harness::start().await?;
//! println!("token endpoint: {}", sandbox.token_url());
//! sandbox.faults.inject_for("/demo", Fault::Status(503), 2); // the next two demo calls fail
//! assert_eq!(sandbox.faults.pending(), 2);
//! # Ok(()) }
//! ```

pub mod demo;
mod faults;
pub mod hostile;
mod oauth;
mod server;
#[cfg(feature = "sftp")]
pub mod sftp;

use std::time::Duration;

pub use faults::{Fault, Faults};
pub use oauth::TokenIssuer;
pub use server::{MAX_BODY_BYTES, SandboxServer};

/// The client id the harness's token endpoint accepts.
pub const SANDBOX_CLIENT_ID: &str = "sandbox-client";
/// The client secret the harness's token endpoint accepts (not a real secret).
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret";
/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oauth/token";

/// The harness: token endpoint, fault injection and the demo API on one loopback server.
#[derive(Debug)]
pub struct Harness {
    /// The running server.
    pub server: SandboxServer,
    /// The token issuer (inspect `issued()`, `expire_all()`...).
    pub issuer: TokenIssuer,
    /// Fault injection for the demo routes.
    pub faults: Faults,
    /// The demo bulk API.
    pub demo: demo::DemoApi,
}

impl Harness {
    /// Starts the harness with tokens valid for one hour and 100 lines per demo request.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Duration::from_secs(3600), 100).await
    }

    /// Starts the harness with a token lifetime and a demo line limit.
    pub async fn start_with(token_ttl: Duration, max_lines: usize) -> std::io::Result<Self> {
        let issuer = TokenIssuer::new(&[(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)], token_ttl);
        let faults = Faults::new();
        let demo = demo::DemoApi::new(issuer.clone(), max_lines);
        let router = demo
            .router()
            .layer(axum::middleware::from_fn_with_state(
                faults.clone(),
                Faults::layer,
            ))
            .merge(issuer.router(TOKEN_PATH));
        let server = SandboxServer::start(router).await?;
        Ok(Self {
            server,
            issuer,
            faults,
            demo,
        })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> String {
        self.server.url(TOKEN_PATH)
    }
}

/// `len` pseudo-random bytes from `seed`, the same for the same arguments (xorshift64*, fast even
/// in debug builds): test payloads that are reproducible and do not compress.
///
/// ```
/// use connector_sandbox::prng_bytes;
///
/// assert_eq!(prng_bytes(13, 7).len(), 13);
/// assert_eq!(prng_bytes(64, 7), prng_bytes(64, 7));
/// assert_ne!(prng_bytes(64, 7), prng_bytes(64, 8));
/// assert_eq!(prng_bytes(5, 7), prng_bytes(64, 7)[..5]);
/// ```
pub fn prng_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x = seed | 1;
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}
