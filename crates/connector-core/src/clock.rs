//! An injectable clock, so expiry, backoff and rate-limit tests run instantly.
//!
//! Library code takes time from a [`SharedClock`] instead of calling `Instant::now()` or
//! `tokio::time::sleep` directly. [`SystemClock`] is the real one; [`ManualClock`] is for tests:
//! its `sleep` advances the clock at once instead of waiting.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A source of time and a way to wait.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Monotonic now.
    fn now(&self) -> Instant;
    /// Wall-clock now (UTC).
    fn now_utc(&self) -> DateTime<Utc>;
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// A clock shared between components.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock (tokio timers).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock as a [`SharedClock`].
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn now_utc(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A test clock: time only moves when a task sleeps on it or [`ManualClock::advance`] is called.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    start: Instant,
    start_utc: DateTime<Utc>,
    offset: Mutex<Duration>,
    slept: Mutex<Vec<Duration>>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock frozen at the current time.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(ManualInner {
                start: Instant::now(),
                start_utc: Utc::now(),
                offset: Mutex::new(Duration::ZERO),
                slept: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.inner.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset += by;
    }

    /// How far time has moved since the clock was made.
    pub fn elapsed(&self) -> Duration {
        *self.inner.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .slept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// This clock as a [`SharedClock`].
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.inner.start + self.elapsed()
    }

    fn now_utc(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::MAX);
        self.inner.start_utc + offset
    }

    async fn sleep(&self, duration: Duration) {
        self.inner
            .slept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(duration);
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_advances_on_sleep() {
        let clock = ManualClock::new();
        let t0 = clock.now();
        clock.sleep(Duration::from_secs(5)).await;
        assert_eq!(clock.now() - t0, Duration::from_secs(5));
        clock.advance(Duration::from_millis(500));
        assert_eq!(clock.elapsed(), Duration::from_millis(5500));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);
    }
}
