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

#[tokio::test]
async fn add_inventory_is_all_or_nothing_and_keeps_a_refused_token_usable() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 2);
    let http = reqwest::Client::new();
    let t = token(&http, &sandbox.token_url()).await;
    let url = format!("{}/fba/inventory/v1/items/inventory", sandbox.base_url());
    let send = |body: &'static str| {
        http.post(&url)
            .header("user-agent", "t/1 (Language=Rust)")
            .header("x-amz-access-token", &t)
            .header("x-amzn-idempotency-token", "seed-7")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // The second SKU does not exist: nothing is added, not even the first.
    let resp = send(
        r#"{"inventoryItems":[{"sellerSku":"MUG-1","marketplaceId":"ATVPDKIKX0DER","quantity":5},{"sellerSku":"NOPE","marketplaceId":"ATVPDKIKX0DER","quantity":1}]}"#,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(2));
    // The corrected request with the same token is applied once, and a repeat is a no-op.
    let fixed = r#"{"inventoryItems":[{"sellerSku":"MUG-1","marketplaceId":"ATVPDKIKX0DER","quantity":5}]}"#;
    assert_eq!(send(fixed).await.unwrap().status(), 200);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(7));
    assert_eq!(send(fixed).await.unwrap().status(), 200);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(7));
}

#[tokio::test]
async fn inventory_start_date_time_returns_changes_and_ignores_seller_skus() {
    let sandbox = McfSimulator::new()
        .with_page_size(10)
        .start()
        .await
        .unwrap();
    sandbox.sim.seed_inventory("A-1", "Mug", 1);
    sandbox.sim.seed_inventory("B-2", "Cup", 2);
    let http = reqwest::Client::new();
    let t = token(&http, &sandbox.token_url()).await;
    let get = |query: String| {
        let url = format!(
            "{}/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER&{query}",
            sandbox.base_url()
        );
        let http = http.clone();
        let t = t.clone();
        async move {
            let resp = http
                .get(url)
                .header("user-agent", "t/1 (Language=Rust)")
                .header("x-amz-access-token", t)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let v: serde_json::Value = resp.json().await.unwrap();
            v["payload"]["inventorySummaries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["sellerSku"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(get("sellerSkus=A-1".into()).await, ["A-1"]);
    // Both changed in the last hour; sellerSkus is ignored next to startDateTime.
    assert_eq!(
        get("sellerSkus=A-1&startDateTime=2020-01-01T00%3A00%3A00Z".into()).await,
        ["A-1", "B-2"]
    );
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .replace(':', "%3A");
    assert!(get(format!("startDateTime={later}")).await.is_empty());
}

#[tokio::test]
async fn update_changes_line_quantities_and_moves_the_reservation() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let http = reqwest::Client::new();
    let t = token(&http, &sandbox.token_url()).await;
    let base = format!(
        "{}/fba/outbound/2020-07-01/fulfillmentOrders",
        sandbox.base_url()
    );
    let call = |m: reqwest::Method, url: String, body: &'static str| {
        http.request(m, url)
            .header("user-agent", "t/1 (Language=Rust)")
            .header("x-amz-access-token", &t)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let create = r#"{"sellerFulfillmentOrderId":"U-1","displayableOrderId":"U-1","displayableOrderDate":"2026-11-20T10:00:00Z",
        "displayableOrderComment":"Thanks","shippingSpeedCategory":"Standard","fulfillmentAction":"Hold",
        "destinationAddress":{"name":"Jane","addressLine1":"1 Main St","city":"Seattle","postalCode":"98101","countryCode":"US"},
        "items":[{"sellerSku":"MUG-1","sellerFulfillmentOrderItemId":"1","quantity":3}]}"#;
    assert_eq!(
        call(reqwest::Method::POST, base.clone(), create)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(7));
    // An unknown line is refused and changes nothing.
    let resp = call(
        reqwest::Method::PUT,
        format!("{base}/U-1"),
        r#"{"items":[{"sellerFulfillmentOrderItemId":"9","quantity":1}]}"#,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    // More units than are fulfillable is refused too.
    let resp = call(
        reqwest::Method::PUT,
        format!("{base}/U-1"),
        r#"{"items":[{"sellerFulfillmentOrderItemId":"1","quantity":11}]}"#,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(7));
    // 3 → 5 units: two more reserved, and the order shows 5.
    let resp = call(
        reqwest::Method::PUT,
        format!("{base}/U-1"),
        r#"{"fulfillmentAction":"Ship","items":[{"sellerFulfillmentOrderItemId":"1","quantity":5}]}"#,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(5));
    let order: serde_json::Value = call(reqwest::Method::GET, format!("{base}/U-1"), "")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(order["payload"]["fulfillmentOrderItems"][0]["quantity"], 5);
    assert_eq!(
        order["payload"]["fulfillmentOrder"]["fulfillmentAction"],
        "Ship"
    );
}

#[tokio::test]
async fn create_refuses_what_the_model_limits_and_creates_nothing() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 1000);
    let http = reqwest::Client::new();
    let t = token(&http, &sandbox.token_url()).await;
    let url = format!(
        "{}/fba/outbound/2020-07-01/fulfillmentOrders",
        sandbox.base_url()
    );
    let order = |id: &str, city: &str, country: &str, items: Vec<serde_json::Value>| {
        serde_json::json!({
            "sellerFulfillmentOrderId": id, "displayableOrderId": "D-1", "displayableOrderDate": "2026-11-20T10:00:00Z",
            "displayableOrderComment": "Thanks", "shippingSpeedCategory": "Standard",
            "destinationAddress": {"name": "Jane", "addressLine1": "1 Main St", "city": city, "postalCode": "98101", "countryCode": country},
            "items": items
        })
    };
    let line = |n: usize, qty: i64| serde_json::json!({"sellerSku": "MUG-1", "sellerFulfillmentOrderItemId": n.to_string(), "quantity": qty});
    let cases = [
        (
            order(&"x".repeat(41), "Seattle", "US", vec![line(1, 1)]),
            "sellerFulfillmentOrderId",
        ),
        (
            order(
                "L-101",
                "Seattle",
                "US",
                (0..101).map(|n| line(n, 1)).collect(),
            ),
            "100 line items",
        ),
        (
            order("U-251", "Seattle", "US", vec![line(1, 200), line(2, 51)]),
            "250 units",
        ),
        (order("NO-CITY", "", "US", vec![line(1, 1)]), "city"),
    ];
    for (body, expected) in cases {
        let resp = http
            .post(&url)
            .header("user-agent", "t/1 (Language=Rust)")
            .header("x-amz-access-token", &t)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{expected}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["errors"][0]["code"], "InvalidInput");
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    assert_eq!(sandbox.sim.order_count(), 0);
    // At the limits (100 lines, 250 units) and in Japan without a city: accepted.
    let mut at_limit: Vec<_> = (0..99).map(|n| line(n, 1)).collect();
    at_limit.push(line(99, 151));
    for body in [
        order("AT-LIMIT", "Seattle", "US", at_limit),
        order("JP-1", "", "JP", vec![line(1, 1)]),
    ] {
        let resp = http
            .post(&url)
            .header("user-agent", "t/1 (Language=Rust)")
            .header("x-amz-access-token", &t)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(sandbox.sim.order_count(), 2);
}
