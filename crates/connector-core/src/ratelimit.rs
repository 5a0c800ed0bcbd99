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

use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}
