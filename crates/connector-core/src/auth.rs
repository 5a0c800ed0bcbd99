//! Tokens: a provider trait and one cache that refreshes early and lets exactly one task
//! refresh at a time.
//!
//! * [`TokenProvider`] fetches a fresh token (OAuth2 client credentials, Login with Amazon,
//!   a user/password login...). Implementations live in `connector-http` and the platform crates.
//! * [`TokenCache`] wraps a provider: it hands out the cached token while it is valid, refreshes
//!   `margin` before expiry, and serialises refreshes so 100 concurrent callers with an expired
//!   token cause exactly one fetch. After the platform rejects a token,
//!   [`TokenCache::refresh_after_rejection`] refreshes once, however many tasks saw the rejection.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::clock::SharedClock;
use crate::error::Error;

/// A freshly fetched access token.
#[derive(Clone)]
pub struct Token {
    value: SecretString,
    expires_in: Option<Duration>,
}

impl Token {
    /// A token valid for `expires_in` (or until rejected, when `None`).
    pub fn new(value: SecretString, expires_in: Option<Duration>) -> Self {
        Self { value, expires_in }
    }

    /// The secret value.
    pub fn secret(&self) -> &SecretString {
        &self.value
    }

    /// How long the token is valid from when it was fetched.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Fetches a fresh token. Called by [`TokenCache`], never more than once at a time.
#[async_trait]
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// Fetches a new token. An error explains why (invalid client, invalid grant, network).
    async fn fetch_token(&self) -> Result<Token, Error>;

    /// The long-lived secrets the provider logs in with (client secret, refresh token,
    /// password): the HTTP runtime redacts them from every error of a client whose tokens
    /// come from this provider, even when a server echoes them. The default is none.
    fn secrets(&self) -> Vec<SecretString> {
        Vec::new()
    }
}

/// A token handed out by the cache, tagged with its generation so a rejection can be matched
/// to the token that was rejected.
#[derive(Clone)]
pub struct CachedToken {
    value: Arc<SecretString>,
    generation: u64,
}

impl CachedToken {
    /// The token value, to put in a header. Do not log it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// Which fetch produced this token (1 for the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("value", &"[REDACTED]")
            .field("generation", &self.generation)
            .finish()
    }
}

struct Slot {
    token: CachedToken,
    refresh_at: Option<Instant>,
}

/// Caches a provider's token; refreshes early; exactly one refresh in flight.
pub struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    clock: SharedClock,
    margin: Duration,
    slot: tokio::sync::Mutex<Option<Slot>>,
    fetches: AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("provider", &self.provider)
            .field("margin", &self.margin)
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The default early-refresh margin: a token is replaced this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl TokenCache {
    /// A cache over `provider`, refreshing [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(provider: Arc<dyn TokenProvider>, clock: SharedClock) -> Self {
        Self::with_margin(provider, clock, DEFAULT_REFRESH_MARGIN)
    }

    /// A cache with a custom early-refresh margin. For tokens shorter than twice the margin,
    /// the refresh happens at half their lifetime instead.
    pub fn with_margin(
        provider: Arc<dyn TokenProvider>,
        clock: SharedClock,
        margin: Duration,
    ) -> Self {
        Self {
            provider,
            clock,
            margin,
            slot: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// The provider's long-lived secrets ([`TokenProvider::secrets`]).
    pub fn provider_secrets(&self) -> Vec<SecretString> {
        self.provider.secrets()
    }

    /// How many times the provider was asked for a token.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// A valid token: the cached one, or a fresh one if it is missing or about to expire.
    pub async fn token(&self) -> Result<CachedToken, Error> {
        let mut slot = self.slot.lock().await;
        if let Some(s) = slot.as_ref() {
            let fresh = s.refresh_at.is_none_or(|at| self.clock.now() < at);
            if fresh {
                return Ok(s.token.clone());
            }
        }
        self.refill(&mut slot).await
    }

    /// Replaces `rejected` with a fresh token, unless another task already did; returns the
    /// token to retry with. Call it once per rejection; do not loop.
    pub async fn refresh_after_rejection(
        &self,
        rejected: &CachedToken,
    ) -> Result<CachedToken, Error> {
        let mut slot = self.slot.lock().await;
        if let Some(s) = slot.as_ref()
            && s.token.generation != rejected.generation
        {
            return Ok(s.token.clone());
        }
        self.refill(&mut slot).await
    }

    /// Drops the cached token, so the next call fetches a new one.
    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }

    async fn refill(&self, slot: &mut Option<Slot>) -> Result<CachedToken, Error> {
        let generation = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        let fetched_at = self.clock.now();
        let token = self.provider.fetch_token().await?;
        let refresh_at = token.expires_in.map(|ttl| {
            let margin = if ttl < self.margin * 2 {
                ttl / 2
            } else {
                self.margin
            };
            fetched_at + ttl - margin
        });
        let cached = CachedToken {
            value: Arc::new(token.value),
            generation,
        };
        *slot = Some(Slot {
            token: cached.clone(),
            refresh_at,
        });
        tracing::debug!(generation, "access token refreshed");
        Ok(cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::atomic::AtomicUsize;

    #[derive(Debug, Default)]
    struct CountingProvider {
        calls: AtomicUsize,
    }

    #[async_trait]
    impl TokenProvider for CountingProvider {
        async fn fetch_token(&self) -> Result<Token, Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            // Give other tasks the chance to pile up behind the refresh.
            tokio::task::yield_now().await;
            Ok(Token::new(
                SecretString::from(format!("tok-{n}")),
                Some(Duration::from_secs(3600)),
            ))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hundred_concurrent_callers_cause_one_fetch() {
        let provider = Arc::new(CountingProvider::default());
        let clock = ManualClock::new();
        let cache = Arc::new(TokenCache::new(provider.clone(), clock.shared()));
        // Warm up, then expire.
        cache.token().await.unwrap();
        clock.advance(Duration::from_secs(3600));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.token().await.unwrap().expose().to_string() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "tok-2");
        }
        assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn refreshes_before_expiry_with_margin() {
        let provider = Arc::new(CountingProvider::default());
        let clock = ManualClock::new();
        let cache = TokenCache::new(provider.clone(), clock.shared());
        assert_eq!(cache.token().await.unwrap().expose(), "tok-1");
        clock.advance(Duration::from_secs(3600 - 61));
        assert_eq!(cache.token().await.unwrap().expose(), "tok-1");
        clock.advance(Duration::from_secs(2));
        assert_eq!(cache.token().await.unwrap().expose(), "tok-2");
    }

    #[tokio::test]
    async fn rejection_refreshes_once_for_many_reporters() {
        let provider = Arc::new(CountingProvider::default());
        let cache = TokenCache::new(provider.clone(), ManualClock::new().shared());
        let first = cache.token().await.unwrap();
        let a = cache.refresh_after_rejection(&first).await.unwrap();
        let b = cache.refresh_after_rejection(&first).await.unwrap();
        assert_eq!(a.generation(), 2);
        assert_eq!(b.generation(), 2);
        assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
        assert_eq!(cache.fetch_count(), 2);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = Token::new(SecretString::from("s3cr3t-token".to_string()), None);
        assert!(!format!("{token:?}").contains("s3cr3t"));
        let cached = CachedToken {
            value: Arc::new(SecretString::from("s3cr3t-token".to_string())),
            generation: 1,
        };
        assert!(!format!("{cached:?}").contains("s3cr3t"));
    }
}
