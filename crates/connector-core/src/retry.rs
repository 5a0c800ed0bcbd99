//! Retry policy: how many attempts, how long in total, and the backoff between them.
//!
//! The policy is data; the HTTP runtime (`connector-http`) and the SFTP transport apply it.
//! Only calls that are safe to repeat are retried: reads, and writes the caller marked
//! idempotent. See `docs/architecture.md`.

use std::time::Duration;

/// Bounds and backoff for retries. Defaults: 4 attempts, 200 ms initial backoff doubling up to
/// 10 s, 60 s total, `Retry-After` honoured up to 60 s, full jitter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry (before jitter).
    pub initial_backoff: Duration,
    /// Largest delay between two attempts.
    pub max_backoff: Duration,
    /// No new attempt starts after this much time since the first one.
    pub max_elapsed: Duration,
    /// Longest `Retry-After` we accept to wait; longer ones end the retries.
    pub max_retry_after: Duration,
    /// Randomise delays (recommended: spreads retries of many clients).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the attempt cap (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff range.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the total-time cap.
    pub fn with_max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// Turns jitter on or off (off makes delays predictable in tests).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before retry number `retry` (1 = first retry), with jitter if enabled.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if self.jitter {
            // "Equal jitter": half fixed, half random, so delays still grow.
            let half = base / 2;
            half + Duration::from_nanos(fastrand::u64(
                0..=half.as_nanos().min(u64::MAX as u128) as u64,
            ))
        } else {
            base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .with_jitter(false)
            .with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(4), Duration::from_millis(800));
        assert_eq!(p.backoff(5), Duration::from_secs(1));
        assert_eq!(p.backoff(60), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(400), Duration::from_secs(10));
        for _ in 0..100 {
            let d = p.backoff(1);
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(400),
                "{d:?}"
            );
        }
    }
}
