//! Two workers of one Amazon seller, each with its own connection pool, share the quota
//! through the store: zero 429 answers from the simulator's quota enforcement. Without the
//! store (the control) they exceed it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amazon_mcf::AmazonMcfClient;
use common::TestDb;
use connector_core::{RateLimit, RetryPolicy, SecretString, SharedRateLimits};
use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

fn client(base: &str, token: &str, limits: &SharedRateLimits) -> AmazonMcfClient {
    AmazonMcfClient::builder()
        .client_id(CLIENT_ID)
        .client_secret(SecretString::from(CLIENT_SECRET.to_string()))
        .refresh_token(SecretString::from(REFRESH_TOKEN.to_string()))
        .marketplace_id("ATVPDKIKX0DER")
        .sandbox()
        .endpoint(base)
        .lwa_url(token)
        .app_id("SyncTest")
        .retry(RetryPolicy::none())
        .rate_limit("getFeatures", RateLimit::per_second(8.0, 1).unwrap())
        .share_rate_limits(limits)
        .rate_limit_scope("seller-A")
        .build()
        .unwrap()
}

/// Two workers, 12 calls each, as fast as their buckets let them. Returns (429s, elapsed).
async fn two_workers(a: SharedRateLimits, b: SharedRateLimits) -> (u64, Duration) {
    // Amazon's quota here: 10 calls/s, burst 2, per operation.
    let sandbox = McfSimulator::new()
        .with_rate_limit(10.0, 2)
        .start()
        .await
        .unwrap();
    let (base, token) = (sandbox.base_url(), sandbox.token_url());
    let workers = [a, b].map(|limits| {
        let c = client(&base, &token, &limits);
        tokio::spawn(async move {
            let mut throttled = 0;
            for _ in 0..12 {
                if let Err(e) = c.get_features(None).await {
                    assert_eq!(e.status(), Some(429), "{e}");
                    throttled += 1;
                }
            }
            throttled
        })
    });
    let started = Instant::now();
    for w in workers {
        w.await.unwrap();
    }
    (sandbox.sim.throttled(), started.elapsed())
}

async fn two_workers_share_the_quota_through_the_store(db: TestDb) {
    // Each worker has its own pool, as two processes would.
    let a = SharedRateLimits::with_store(Arc::new(db.open().await));
    let b = SharedRateLimits::with_store(Arc::new(db.open().await));
    let (throttled, elapsed) = two_workers(a, b).await;
    assert_eq!(throttled, 0, "429 answers with a shared bucket");
    // 24 calls at 10/s (8/s before the first answer), burst 1: at least 23 intervals of
    // 100 ms.
    assert!(elapsed >= Duration::from_millis(2100), "{elapsed:?}");

    // Control: the same two workers with process-local buckets run at 2 x 8/s and exceed it.
    let (throttled, _) = two_workers(SharedRateLimits::new(), SharedRateLimits::new()).await;
    assert!(throttled > 0, "the control should exceed the quota");
}

on_both_backends!(two_workers_share_the_quota_through_the_store);
