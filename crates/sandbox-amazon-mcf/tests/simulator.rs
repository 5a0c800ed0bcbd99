//! The simulator behaves like SP-API on the points clients get wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use sandbox_amazon_mcf::{CLIENT_ID, CLIENT_SECRET, McfSimulator, REFRESH_TOKEN};

async fn token(http: &reqwest::Client, url: &str) -> String {
    let body = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
        REFRESH_TOKEN.replace('|', "%7C")
    );
    let v: serde_json::Value = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn refuses_missing_tokens_with_amazons_403_and_tags_every_answer() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/fba/outbound/2020-07-01/features?marketplaceId=ATVPDKIKX0DER",
        sandbox.base_url()
    );
    let resp = http
        .get(&url)
        .header("user-agent", "t/1 (Language=Rust)")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
    let t = token(&http, &sandbox.token_url()).await;
    let resp = http
        .get(&url)
        .header("user-agent", "t/1 (Language=Rust)")
        .header("x-amz-access-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-amzn-ratelimit-limit"], "2.0");
    sandbox.sim.issuer().expire_all();
    let resp = http
        .get(&url)
        .header("user-agent", "t/1 (Language=Rust)")
        .header("x-amz-access-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn answers_429_beyond_the_bucket_and_breaks_unencoded_tokens() {
    let sandbox = McfSimulator::new()
        .with_rate_limit(2.0, 3)
        .start()
        .await
        .unwrap();
    sandbox.sim.seed_inventory("SKU-1", "Mug", 1);
    let http = reqwest::Client::new();
    let t = token(&http, &sandbox.token_url()).await;
    let url = format!(
        "{}/fba/outbound/2020-07-01/fulfillmentOrders",
        sandbox.base_url()
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = http
            .get(&url)
            .header("user-agent", "t/1")
            .header("x-amz-access-token", &t)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert!(sandbox.sim.throttled() >= 1);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    // A page token sent without encoding its `+` arrives as a space and is refused.
    let r = http
        .get(format!("{url}?nextToken=c2lt+2/page=="))
        .header("user-agent", "t/1")
        .header("x-amz-access-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
