//! Token-bucket rate limiting that waits rather than fails.
//!
//! A [`RateLimiter`] hands out one slot per call at `rate` per second with a `burst` of calls
//! allowed at once. Callers *reserve* their slot and then sleep on the injected clock until it
//! comes, so concurrent tasks are served in order and never exceed the bucket.
//!
//! Why not `governor`: its quota is fixed at construction, and Amazon asks us to follow the
//! `x-amzn-RateLimit-Limit` header at run time ([`RateLimiter::set_rate`]); its waiting also
//! uses real timers, which would make pacing tests sleep. The bucket here is the same GCRA
//! arithmetic in a few lines, driven by [`crate::Clock`].
//!
//! A platform's quota often belongs to an account rather than to one client object (Amazon
//! limits each selling partner and application per operation, whatever the number of clients).
//! [`SharedRateLimits`] is a registry that hands the same bucket to every client that asks for
//! the same (scope, operation). Those buckets live in one process; to share a quota between
//! processes (several workers, one account), back the registry with a [`RateLimitStore`]
//! ([`SharedRateLimits::with_store`]), e.g. a table in a database they all reach. The local
//! buckets stay the fallback when the store fails.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::clock::SharedClock;
use crate::error::Error;

/// A rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    interval: Duration,
    burst: u32,
}

impl RateLimit {
    /// `per_second` calls per second on average, at most `burst` at once.
    ///
    /// `per_second` must be positive and finite, `burst` at least 1.
    pub fn per_second(per_second: f64, burst: u32) -> Result<Self, Error> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(Error::invalid(
                "rate_limit.per_second",
                "must be a positive number",
            ));
        }
        if burst == 0 {
            return Err(Error::invalid("rate_limit.burst", "must be at least 1"));
        }
        Ok(Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            burst,
        })
    }

    /// The time between two slots at the sustained rate.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Calls allowed at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Calls per second.
    pub fn per_second_value(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }
}

/// A token bucket on an injectable clock.
#[derive(Debug)]
pub struct RateLimiter {
    clock: SharedClock,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: RateLimit,
    /// Theoretical arrival time of the next slot (GCRA).
    tat: Option<Instant>,
}

impl RateLimiter {
    /// A limiter with `limit`, timed by `clock`.
    pub fn new(limit: RateLimit, clock: SharedClock) -> Self {
        Self {
            clock,
            state: Mutex::new(State { limit, tat: None }),
        }
    }

    /// The current limit.
    pub fn limit(&self) -> RateLimit {
        self.lock().limit
    }

    /// Changes the sustained rate (e.g. from a rate-limit response header), keeping the burst.
    ///
    /// Slots already reserved are re-priced at the new rate, so a slower rate takes effect at
    /// once.
    pub fn set_rate(&self, per_second: f64) {
        let now = self.clock.now();
        let mut state = self.lock();
        if let Ok(new) = RateLimit::per_second(per_second, state.limit.burst) {
            let old = state.limit.interval.as_secs_f64();
            if let Some(tat) = state.tat.filter(|t| *t > now) {
                let debt = (tat - now).as_secs_f64() / old * new.interval.as_secs_f64();
                state.tat = Some(now + Duration::from_secs_f64(debt));
            }
            state.limit = new;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves the next slot and returns how long to wait for it (zero when it is free now).
    pub fn reserve(&self) -> Duration {
        let now = self.clock.now();
        let mut state = self.lock();
        let interval = state.limit.interval;
        let tolerance = interval * state.limit.burst;
        let tat = state.tat.map_or(now, |t| t.max(now)) + interval;
        state.tat = Some(tat);
        (tat - now).saturating_sub(tolerance)
    }

    /// Waits until a slot is free, then takes it.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            self.clock.sleep(wait).await;
        }
    }
}

/// Where the slots of shared buckets are reserved when several processes draw from one quota
/// (a database row per (scope, operation), a Redis key...).
///
/// A store keeps, per (scope, operation), the same GCRA state a [`RateLimiter`] keeps in
/// memory: [`RateLimitStore::reserve`] takes the next slot and says how long to wait for it.
/// Set one with [`SharedRateLimits::with_store`]; when a call to the store fails, the caller
/// logs a warning and paces the call with its local bucket instead, so a store outage slows
/// nothing down but may exceed the quota across processes for its duration.
#[async_trait]
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Reserves the next slot of `operation` in `scope`, creating the bucket with `limit` if
    /// there is none, and returns how long to wait for it (zero when it is free now).
    /// `limit` is the caller's current limit (it may have been adapted from a response
    /// header); the store decides whether a stored rate or this one applies.
    async fn reserve(
        &self,
        scope: &str,
        operation: &str,
        limit: RateLimit,
    ) -> Result<Duration, Error>;

    /// Records a new sustained rate for `operation` in `scope` (read from a response header,
    /// [`RateLimiter::set_rate`]), keeping the burst. The default does nothing: the next
    /// [`RateLimitStore::reserve`] passes the adapted limit anyway.
    async fn set_rate(&self, scope: &str, operation: &str, limit: RateLimit) -> Result<(), Error> {
        let _ = (scope, operation, limit);
        Ok(())
    }
}

/// A cloneable, thread-safe registry of [`RateLimiter`]s keyed by (scope, operation), so
/// several clients whose calls count against the same platform quota draw from the same
/// buckets.
///
/// The *scope* names whose quota it is (an account, a seller and application, a region...);
/// the *operation* names the bucket within it. Clones share the registry.
///
/// [`SharedRateLimits::limiter`] creates a bucket on first use and returns the same one
/// afterwards: **the first limit and clock win**. Later callers asking for the same key with
/// another limit get the existing bucket unchanged (its rate may since have been adapted with
/// [`RateLimiter::set_rate`], e.g. from a response header, and that adaptation is shared too).
/// Buckets live as long as the registry; nothing is evicted.
///
/// With a [`RateLimitStore`] ([`SharedRateLimits::with_store`]) the slots are reserved in the
/// store ([`SharedRateLimits::acquire`]) and the local buckets only hold the limit and serve
/// as the fallback when the store fails.
///
/// ```
/// use connector_core::{ManualClock, RateLimit, SharedRateLimits};
/// use std::sync::Arc;
///
/// # fn main() -> Result<(), connector_core::Error> {
/// let clock = ManualClock::new().shared();
/// let registry = SharedRateLimits::new();
/// let limit = RateLimit::per_second(1.0, 2)?;
/// // Two clients of the same account ask for the bucket of the same operation ...
/// let a = registry.limiter("seller-1", "getOrder", limit, &clock);
/// let b = registry.limiter("seller-1", "getOrder", RateLimit::per_second(5.0, 10)?, &clock);
/// // ... and get the same one, with the first limit.
/// assert!(Arc::ptr_eq(&a, &b));
/// assert_eq!(b.limit(), limit);
/// a.reserve();
/// b.reserve();
/// assert!(!a.reserve().is_zero(), "the third call across both waits");
/// // Another scope has its own bucket.
/// let c = registry.limiter("seller-2", "getOrder", limit, &clock);
/// assert!(!Arc::ptr_eq(&a, &c));
/// assert!(c.reserve().is_zero());
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct SharedRateLimits {
    buckets: Arc<Mutex<Buckets>>,
    store: Option<Arc<dyn RateLimitStore>>,
}

/// (scope, operation) → bucket, sorted so `Debug` and [`SharedRateLimits::keys`] are stable.
type Buckets = BTreeMap<(String, String), Arc<RateLimiter>>;

impl SharedRateLimits {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty registry whose slots are reserved in `store`, shared with other processes.
    pub fn with_store(store: Arc<dyn RateLimitStore>) -> Self {
        Self {
            buckets: Arc::default(),
            store: Some(store),
        }
    }

    /// The store slots are reserved in, if any.
    pub fn store(&self) -> Option<&Arc<dyn RateLimitStore>> {
        self.store.as_ref()
    }

    /// Waits for a slot of `operation` in `scope`, whose local bucket is `local`: reserved in
    /// the store when there is one, else (or when the store fails, with a warning) in `local`.
    /// The wait runs on `local`'s clock.
    pub async fn acquire(&self, scope: &str, operation: &str, local: &RateLimiter) {
        let wait = match &self.store {
            Some(store) => match store.reserve(scope, operation, local.limit()).await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::warn!(
                        scope,
                        operation,
                        %error,
                        "rate-limit store failed; pacing with the local bucket"
                    );
                    local.reserve()
                }
            },
            None => local.reserve(),
        };
        if !wait.is_zero() {
            local.clock.sleep(wait).await;
        }
    }

    /// Changes the sustained rate of `operation` in `scope`: in `local`, and in the store
    /// when there is one (a failing store is logged and otherwise ignored: the next
    /// [`RateLimitStore::reserve`] passes the new limit anyway).
    pub async fn set_rate(
        &self,
        scope: &str,
        operation: &str,
        local: &RateLimiter,
        per_second: f64,
    ) {
        local.set_rate(per_second);
        if let Some(store) = &self.store
            && let Err(error) = store.set_rate(scope, operation, local.limit()).await
        {
            tracing::warn!(scope, operation, %error, "rate-limit store refused the new rate");
        }
    }

    /// The bucket of `operation` in `scope`, created with `limit` on `clock` if it does not
    /// exist yet; otherwise the existing one, whatever `limit` and `clock` are passed.
    pub fn limiter(
        &self,
        scope: &str,
        operation: &str,
        limit: RateLimit,
        clock: &SharedClock,
    ) -> Arc<RateLimiter> {
        let mut buckets = self.lock();
        if let Some(existing) = buckets.get(&(scope.to_owned(), operation.to_owned())) {
            return existing.clone();
        }
        let created = Arc::new(RateLimiter::new(limit, clock.clone()));
        buckets.insert((scope.to_owned(), operation.to_owned()), created.clone());
        created
    }

    /// The bucket of `operation` in `scope`, if one was created.
    pub fn get(&self, scope: &str, operation: &str) -> Option<Arc<RateLimiter>> {
        self.lock()
            .get(&(scope.to_owned(), operation.to_owned()))
            .cloned()
    }

    /// The (scope, operation) keys with a bucket, sorted.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.lock().keys().cloned().collect()
    }

    /// The number of buckets.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no bucket was created yet.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for SharedRateLimits {
    /// Lists every bucket as `scope / operation: <rate>/s burst <n>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Bucket(RateLimit);
        impl fmt::Debug for Bucket {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "{}/s burst {}",
                    self.0.per_second_value(),
                    self.0.burst()
                )
            }
        }
        // Copied out so the registry is not locked while the formatter writes.
        let entries: Vec<(String, RateLimit)> = self
            .lock()
            .iter()
            .map(|((scope, op), l)| (format!("{scope} / {op}"), l.limit()))
            .collect();
        let mut map = f.debug_map();
        for (key, limit) in entries {
            map.entry(&key, &Bucket(limit));
        }
        map.finish()?;
        if let Some(store) = &self.store {
            write!(f, " in {store:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn paces_twenty_calls_at_two_per_second_with_burst_five() {
        let clock = ManualClock::new();
        let limiter = RateLimiter::new(RateLimit::per_second(2.0, 5).unwrap(), clock.shared());
        let mut at = Vec::new();
        for _ in 0..20 {
            limiter.acquire().await;
            at.push(clock.elapsed());
        }
        // The burst of five goes at once ...
        assert!(at[..5].iter().all(|t| t.is_zero()), "{at:?}");
        // ... then one call every 500 ms.
        for (i, t) in at[5..].iter().enumerate() {
            assert_eq!(
                *t,
                Duration::from_millis(500 * (i as u64 + 1)),
                "call {}",
                i + 5
            );
        }
        assert_eq!(clock.elapsed(), Duration::from_millis(7500));
    }

    #[tokio::test]
    async fn bucket_refills_while_idle() {
        let clock = ManualClock::new();
        let limiter = RateLimiter::new(RateLimit::per_second(1.0, 2).unwrap(), clock.shared());
        assert!(limiter.reserve().is_zero());
        assert!(limiter.reserve().is_zero());
        assert_eq!(limiter.reserve(), Duration::from_secs(1));
        clock.advance(Duration::from_secs(10));
        assert!(limiter.reserve().is_zero());
    }

    #[test]
    fn set_rate_changes_interval_and_bad_limits_are_refused() {
        let limiter = RateLimiter::new(
            RateLimit::per_second(2.0, 3).unwrap(),
            ManualClock::new().shared(),
        );
        limiter.set_rate(10.0);
        assert_eq!(limiter.limit().interval(), Duration::from_millis(100));
        assert_eq!(limiter.limit().burst(), 3);
        assert!(RateLimit::per_second(0.0, 1).is_err());
        assert!(RateLimit::per_second(1.0, 0).is_err());
    }

    #[test]
    fn registry_hands_out_one_bucket_per_scope_and_operation() {
        let clock = ManualClock::new().shared();
        let registry = SharedRateLimits::new();
        assert!(registry.is_empty());
        let first = RateLimit::per_second(1.0, 2).unwrap();
        let a = registry.limiter("s1", "op", first, &clock);
        // A clone of the registry, another limit: still the first bucket, first limit wins.
        let b =
            registry
                .clone()
                .limiter("s1", "op", RateLimit::per_second(9.0, 9).unwrap(), &clock);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(b.limit(), first);
        let other_scope = registry.limiter("s2", "op", first, &clock);
        let other_op = registry.limiter("s1", "op2", first, &clock);
        assert!(!Arc::ptr_eq(&a, &other_scope));
        assert!(!Arc::ptr_eq(&a, &other_op));
        assert_eq!(registry.len(), 3);
        assert!(Arc::ptr_eq(&registry.get("s1", "op").unwrap(), &a));
        assert!(registry.get("s3", "op").is_none());
        assert_eq!(
            registry.keys(),
            vec![
                ("s1".to_string(), "op".to_string()),
                ("s1".to_string(), "op2".to_string()),
                ("s2".to_string(), "op".to_string()),
            ]
        );
        // One bucket: burst 2 at 1/s across both handles, the third call waits 1 s.
        assert!(a.reserve().is_zero());
        assert!(b.reserve().is_zero());
        assert_eq!(a.reserve(), Duration::from_secs(1));
        // The other buckets were not drawn from.
        assert!(other_scope.reserve().is_zero());
        assert!(other_op.reserve().is_zero());
        // A rate set through one handle is the rate of the other.
        a.set_rate(0.5);
        assert_eq!(b.limit().per_second_value(), 0.5);
    }

    #[test]
    fn registry_is_shared_across_threads() {
        let clock = ManualClock::new().shared();
        let registry = SharedRateLimits::new();
        let limit = RateLimit::per_second(1.0, 1).unwrap();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let registry = registry.clone();
                let clock = clock.clone();
                std::thread::spawn(move || registry.limiter("s", "op", limit, &clock))
            })
            .collect();
        let limiters: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(limiters.iter().all(|l| Arc::ptr_eq(l, &limiters[0])));
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn registry_debug_lists_keys_and_rates() {
        let clock = ManualClock::new().shared();
        let registry = SharedRateLimits::new();
        registry.limiter(
            "seller-1",
            "getOrder",
            RateLimit::per_second(2.0, 30).unwrap(),
            &clock,
        );
        registry
            .limiter(
                "seller-1",
                "listOrders",
                RateLimit::per_second(0.5, 1).unwrap(),
                &clock,
            )
            .set_rate(0.25);
        assert_eq!(
            format!("{registry:?}"),
            r#"{"seller-1 / getOrder": 2/s burst 30, "seller-1 / listOrders": 0.25/s burst 1}"#
        );
    }

    /// A store that records its calls and answers a fixed wait, or fails.
    #[derive(Debug, Default)]
    struct FakeStore {
        calls: Mutex<Vec<String>>,
        wait: Duration,
        fail: bool,
    }

    #[async_trait]
    impl RateLimitStore for FakeStore {
        async fn reserve(
            &self,
            scope: &str,
            operation: &str,
            limit: RateLimit,
        ) -> Result<Duration, Error> {
            self.calls.lock().unwrap().push(format!(
                "reserve {scope}/{operation} {}/s",
                limit.per_second_value()
            ));
            if self.fail {
                return Err(Error::transient("store down"));
            }
            Ok(self.wait)
        }

        async fn set_rate(
            &self,
            scope: &str,
            operation: &str,
            limit: RateLimit,
        ) -> Result<(), Error> {
            self.calls.lock().unwrap().push(format!(
                "set_rate {scope}/{operation} {}/s",
                limit.per_second_value()
            ));
            if self.fail {
                return Err(Error::transient("store down"));
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn store_reserves_the_slots_and_its_wait_is_slept() {
        let clock = ManualClock::new();
        let store = Arc::new(FakeStore {
            wait: Duration::from_secs(3),
            ..FakeStore::default()
        });
        let registry = SharedRateLimits::with_store(store.clone());
        assert!(registry.store().is_some());
        let local = registry.limiter(
            "acct",
            "op",
            RateLimit::per_second(1.0, 1).unwrap(),
            &clock.shared(),
        );
        registry.acquire("acct", "op", &local).await;
        registry.set_rate("acct", "op", &local, 0.5).await;
        registry.acquire("acct", "op", &local).await;
        // Two waits of the store's 3 s, none of the local bucket's.
        assert_eq!(clock.elapsed(), Duration::from_secs(6));
        assert!(
            local.reserve().is_zero(),
            "the local bucket was not drawn from"
        );
        assert_eq!(
            *store.calls.lock().unwrap(),
            vec![
                "reserve acct/op 1/s",
                "set_rate acct/op 0.5/s",
                "reserve acct/op 0.5/s"
            ]
        );
        assert!(
            format!("{registry:?}").contains("FakeStore"),
            "{registry:?}"
        );
    }

    #[tokio::test]
    async fn failing_store_falls_back_to_the_local_bucket() {
        let clock = ManualClock::new();
        let store = Arc::new(FakeStore {
            wait: Duration::from_secs(100),
            fail: true,
            ..FakeStore::default()
        });
        let registry = SharedRateLimits::with_store(store.clone());
        let local = registry.limiter(
            "acct",
            "op",
            RateLimit::per_second(1.0, 1).unwrap(),
            &clock.shared(),
        );
        registry.acquire("acct", "op", &local).await;
        registry.acquire("acct", "op", &local).await;
        // The local bucket paced the second call (1 s), not the store.
        assert_eq!(clock.elapsed(), Duration::from_secs(1));
        registry.set_rate("acct", "op", &local, 4.0).await;
        assert_eq!(local.limit().per_second_value(), 4.0);
        assert_eq!(store.calls.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn registry_without_store_paces_locally() {
        let clock = ManualClock::new();
        let registry = SharedRateLimits::new();
        let local = registry.limiter(
            "acct",
            "op",
            RateLimit::per_second(2.0, 1).unwrap(),
            &clock.shared(),
        );
        for _ in 0..3 {
            registry.acquire("acct", "op", &local).await;
        }
        assert_eq!(clock.elapsed(), Duration::from_secs(1));
    }
}
