//! Rate buckets shared by clients of the same seller (`share_rate_limits`), on wiremock with a
//! manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;
use std::time::Duration;

use amazon_mcf::{AmazonMcfBuilder, AmazonMcfClient};
use common::*;
use connector_core::{ManualClock, RateLimit, SecretString, SharedRateLimits};
use wiremock::MockServer;
use wiremock::matchers::query_param;

const APP: &str = "amzn1.application-oa2-client.test";
const US: &str = "ATVPDKIKX0DER";
const CA: &str = "A2EUQ1WTGCTBG2";
const DE: &str = "A1PA6795UKMFR9";
const JP: &str = "A1VC38T7YXB528";

/// A builder on Amazon's real endpoints (nothing is sent: only the scope is looked at).
fn offline(client_id: &str, marketplace: &str) -> AmazonMcfBuilder {
    AmazonMcfClient::builder()
        .client_id(client_id)
        .client_secret(SecretString::from("lwa-secret-value".to_string()))
        .refresh_token(SecretString::from("Atzr|refresh-value".to_string()))
        .marketplace_id(marketplace)
}

fn scope(b: AmazonMcfBuilder) -> String {
    b.build().unwrap().rate_limit_scope().unwrap().to_string()
}

#[test]
fn the_scope_follows_seller_application_region_and_environment() {
    let registry = SharedRateLimits::new();
    let seller = |id: &str, marketplace: &str| {
        offline(APP, marketplace)
            .seller_id(id)
            .share_rate_limits(&registry)
    };
    let us = scope(seller("A2SELLER1", US));
    assert_eq!(
        us,
        "sp-api/production/na/client=amzn1.application-oa2-client.test/seller=A2SELLER1"
    );
    // Marketplaces of one region share the quota; an endpoint override does not change it.
    assert_eq!(scope(seller("A2SELLER1", CA)), us);
    assert_eq!(
        scope(seller("A2SELLER1", US).endpoint("https://proxy.example.com")),
        us
    );
    // Another seller, region, environment or application is another quota.
    let others = [
        scope(seller("A2SELLER2", US)),
        scope(seller("A2SELLER1", DE)),
        scope(seller("A2SELLER1", JP)),
        scope(seller("A2SELLER1", US).sandbox()),
        scope(
            offline("amzn1.application-oa2-client.other", US)
                .seller_id("A2SELLER1")
                .share_rate_limits(&registry),
        ),
    ];
    assert_eq!(
        others[1],
        "sp-api/production/eu/client=amzn1.application-oa2-client.test/seller=A2SELLER1"
    );
    assert_eq!(
        others[3],
        "sp-api/sandbox/na/client=amzn1.application-oa2-client.test/seller=A2SELLER1"
    );
    for (i, s) in others.iter().enumerate() {
        assert_ne!(*s, us, "{i}");
        for t in &others[i + 1..] {
            assert_ne!(s, t);
        }
    }
    // Without a seller id: the application's quota in that region.
    assert_eq!(
        scope(offline(APP, US).share_rate_limits(&registry)),
        "sp-api/production/na/client=amzn1.application-oa2-client.test"
    );
    // The caller's scope wins.
    assert_eq!(
        scope(
            seller("A2SELLER1", US)
                .rate_limit_scope("erp/tenant-7")
                .share_rate_limits(&registry)
        ),
        "erp/tenant-7"
    );
    // Not sharing: no scope, even when one is set.
    let own = offline(APP, US)
        .seller_id("A2SELLER1")
        .rate_limit_scope("erp/tenant-7")
        .build()
        .unwrap();
    assert_eq!(own.rate_limit_scope(), None);
    // Building made the buckets: one per usage plan for each scope that was built.
    assert!(registry.get(&us, "getFulfillmentOrder").is_some());
    assert!(
        registry
            .get("erp/tenant-7", "getInventorySummaries")
            .is_some()
    );
}

#[test]
fn no_secret_in_the_scope_or_in_debug() {
    let registry = SharedRateLimits::new();
    let b = offline(APP, US)
        .seller_id("A2SELLER1")
        .share_rate_limits(&registry);
    let builder_debug = format!("{b:?}");
    let client = b.build().unwrap();
    let texts = [
        client.rate_limit_scope().unwrap().to_string(),
        format!("{client:?}"),
        format!("{:?}", client.http()),
        format!("{registry:?}"),
        builder_debug,
    ];
    for t in &texts {
        assert!(!t.contains("lwa-secret-value"), "{t}");
        assert!(!t.contains("refresh-value"), "{t}");
    }
    assert!(texts[1].contains("sp-api/production/na/"), "{}", texts[1]);
    assert!(
        texts[3].contains("seller=A2SELLER1 / getFulfillmentOrder"),
        "{}",
        texts[3]
    );
}

#[tokio::test]
async fn clients_of_one_seller_in_two_marketplaces_share_the_bucket() {
    let server = MockServer::start().await;
    // Each client fetches its own token; the buckets are what they share.
    mount_token(&server, 3).await;
    for (marketplace, times) in [(US, 2), (CA, 1), (DE, 1)] {
        api("GET", &format!("{OUT}/features"))
            .and(query_param("marketplaceId", marketplace))
            .respond_with(amazon(200, r#"{"payload":{"features":[]}}"#))
            .expect(times)
            .named(format!("features {marketplace}"))
            .mount(&server)
            .await;
    }
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let client = |seller: &str, marketplace: &str| {
        builder(&server, &clock)
            .seller_id(seller)
            .marketplace_id(marketplace)
            // Burst 2 at 2/s (the mock's x-amzn-RateLimit-Limit keeps 2/s).
            .rate_limit("getFeatures", RateLimit::per_second(2.0, 2).unwrap())
            .share_rate_limits(&registry)
            .build()
            .unwrap()
    };
    let us = client("A2SELLER1", US);
    let ca = client("A2SELLER1", CA);
    us.get_features(None).await.unwrap();
    ca.get_features(None).await.unwrap();
    assert_eq!(clock.elapsed(), Duration::ZERO);
    us.get_features(None).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(500)],
        "the third call across both clients waits for the shared bucket"
    );
    assert!(Arc::ptr_eq(
        &us.http().rate_limiter("getFeatures").unwrap(),
        &ca.http().rate_limiter("getFeatures").unwrap()
    ));
    // Another seller's client (here in Europe) has its own bucket: no wait.
    let de = builder(&server, &clock)
        .seller_id("A2SELLER2")
        .marketplace_id(DE)
        .rate_limit("getFeatures", RateLimit::per_second(2.0, 2).unwrap())
        .share_rate_limits(&registry)
        .build()
        .unwrap();
    de.get_features(None).await.unwrap();
    assert_eq!(clock.sleeps().len(), 1, "{:?}", clock.sleeps());
}

#[tokio::test]
async fn without_sharing_each_client_has_its_own_buckets() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    api("GET", &format!("{OUT}/features"))
        .respond_with(amazon(200, r#"{"payload":{"features":[]}}"#))
        .expect(4)
        .named("features")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = |marketplace: &str| {
        builder(&server, &clock)
            .seller_id("A2SELLER1")
            .marketplace_id(marketplace)
            .rate_limit("getFeatures", RateLimit::per_second(2.0, 2).unwrap())
            .build()
            .unwrap()
    };
    let (us, ca) = (client(US), client(CA));
    for c in [&us, &ca, &us, &ca] {
        c.get_features(None).await.unwrap();
    }
    // Two buckets of two: together twice the rate a shared bucket allows.
    assert_eq!(clock.elapsed(), Duration::ZERO, "{:?}", clock.sleeps());
}

#[tokio::test]
async fn a_rate_amazon_sends_to_one_client_applies_to_the_other() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    api("GET", &format!("{OUT}/features"))
        .and(query_param("marketplaceId", US))
        .respond_with(
            amazon(200, r#"{"payload":{"features":[]}}"#)
                .insert_header("x-amzn-RateLimit-Limit", "0.5"),
        )
        .expect(1)
        .named("features US at 0.5/s")
        .mount(&server)
        .await;
    api("GET", &format!("{OUT}/features"))
        .and(query_param("marketplaceId", CA))
        .respond_with(
            amazon(200, r#"{"payload":{"features":[]}}"#)
                .insert_header("x-amzn-RateLimit-Limit", "0.5"),
        )
        .expect(1)
        .named("features CA")
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let registry = SharedRateLimits::new();
    let client = |marketplace: &str| {
        builder(&server, &clock)
            .seller_id("A2SELLER1")
            .marketplace_id(marketplace)
            .rate_limit("getFeatures", RateLimit::per_second(2.0, 1).unwrap())
            .share_rate_limits(&registry)
            .build()
            .unwrap()
    };
    let (us, ca) = (client(US), client(CA));
    us.get_features(None).await.unwrap();
    assert_eq!(
        ca.http()
            .rate_limiter("getFeatures")
            .unwrap()
            .limit()
            .per_second_value(),
        0.5
    );
    ca.get_features(None).await.unwrap();
    // The CA call waited for the slot the US call used, at the rate Amazon sent: 2 s.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
}
