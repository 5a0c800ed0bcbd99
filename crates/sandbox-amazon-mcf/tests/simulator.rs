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
            "at most 100 entries",
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

/// An authenticated JSON call: status, rate header, body.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn new(sandbox: &sandbox_amazon_mcf::McfSandbox) -> Self {
        let http = reqwest::Client::new();
        let token = token(&http, &sandbox.token_url()).await;
        Self {
            http,
            base: sandbox.base_url(),
            token,
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, Option<String>, serde_json::Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("user-agent", "t/1 (Language=Rust)")
            .header("x-amz-access-token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let rate = resp
            .headers()
            .get("x-amzn-ratelimit-limit")
            .map(|v| v.to_str().unwrap().to_string());
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        (status, rate, v)
    }
}

const OUT: &str = "/fba/outbound/2020-07-01";

fn order(id: &str) -> serde_json::Value {
    serde_json::json!({
        "sellerFulfillmentOrderId": id, "displayableOrderId": "D-1", "displayableOrderDate": "2026-11-20T10:00:00Z",
        "displayableOrderComment": "Thanks", "shippingSpeedCategory": "Standard",
        "destinationAddress": {"name": "Jane", "addressLine1": "1 Main St", "city": "Seattle", "postalCode": "98101", "countryCode": "US"},
        "items": [{"sellerSku": "MUG-1", "sellerFulfillmentOrderItemId": "1", "quantity": 2}]
    })
}

/// Amazon's 400 InvalidInput naming `field`.
fn assert_invalid(status: u16, body: &serde_json::Value, field: &str) {
    assert_eq!(status, 400, "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["code"], "InvalidInput", "{body}");
    assert!(e["message"].as_str().unwrap().contains(field), "{body}");
    assert_eq!(e["details"], field, "{body}");
}

#[tokio::test]
async fn create_and_preview_refuse_what_amazon_refuses_and_store_nothing() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let c = Client::new(&sandbox).await;
    let mut cases = Vec::new();
    let mut b = order("W-1");
    b["shippingSpeedCategory"] = "Warp".into();
    cases.push((b, "shippingSpeedCategory"));
    let mut b = order("Q-0");
    b["items"][0]["quantity"] = 0.into();
    cases.push((b, "items[0].quantity"));
    let mut b = order("Q-NEG");
    b["items"][0]["quantity"] = (-1).into();
    cases.push((b, "items[0].quantity"));
    let mut b = order("Q-STR");
    b["items"][0]["quantity"] = "2".into();
    cases.push((b, "items[0].quantity"));
    let mut b = order("F-1");
    b["featureConstraints"] =
        serde_json::json!([{"featureName": "BLANK_BOX", "featureFulfillmentPolicy": "Sometimes"}]);
    cases.push((b, "featureConstraints[0].featureFulfillmentPolicy"));
    cases.push((order("A/B"), "sellerFulfillmentOrderId"));
    cases.push((order("A#B"), "sellerFulfillmentOrderId"));
    let mut b = order("P-1");
    b["fulfillmentPolicy"] = "Maybe".into();
    cases.push((b, "fulfillmentPolicy"));
    let mut b = order("A-1");
    b["fulfillmentAction"] = "Later".into();
    cases.push((b, "fulfillmentAction"));
    let mut b = order("D-1");
    b["deliveryPreferences"] = serde_json::json!({"dropOffLocation": {"type": "PORCH"}});
    cases.push((b, "deliveryPreferences.dropOffLocation.type"));
    let mut b = order("M-1");
    b["items"][0]["perUnitDeclaredValue"] =
        serde_json::json!({"currencyCode": "USD", "value": 18.9});
    cases.push((b, "items[0].perUnitDeclaredValue.value"));
    let mut b = order("DATE-1");
    b["displayableOrderDate"] = "20/11/2026".into();
    cases.push((b, "displayableOrderDate"));
    let mut b = order("N-1");
    b["destinationAddress"]["name"] = serde_json::Value::Null;
    cases.push((b, "destinationAddress.name"));
    for (body, field) in cases {
        let (status, _, v) = c
            .call("POST", &format!("{OUT}/fulfillmentOrders"), Some(body))
            .await;
        assert_invalid(status, &v, field);
    }
    assert_eq!(sandbox.sim.order_count(), 0);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(10));

    let preview = |speeds: serde_json::Value, qty: serde_json::Value| {
        serde_json::json!({
            "address": {"name": "Jane", "addressLine1": "1 Main St", "city": "Seattle", "postalCode": "98101", "countryCode": "US"},
            "items": [{"sellerSku": "MUG-1", "sellerFulfillmentOrderItemId": "1", "quantity": qty}],
            "shippingSpeedCategories": speeds
        })
    };
    let path = format!("{OUT}/fulfillmentOrders/preview");
    let (status, _, v) = c
        .call(
            "POST",
            &path,
            Some(preview(serde_json::json!(["Standard", "Warp"]), 1.into())),
        )
        .await;
    assert_invalid(status, &v, "shippingSpeedCategories[1]");
    let (status, _, v) = c
        .call(
            "POST",
            &path,
            Some(preview(serde_json::json!(["Standard"]), 0.into())),
        )
        .await;
    assert_invalid(status, &v, "items[0].quantity");
    let (status, _, _) = c
        .call(
            "POST",
            &path,
            Some(preview(serde_json::json!(["Priority"]), 1.into())),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_update_with_a_wrongly_typed_quantity_changes_nothing() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let c = Client::new(&sandbox).await;
    let (status, _, _) = c
        .call(
            "POST",
            &format!("{OUT}/fulfillmentOrders"),
            Some(order("U-1")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(8));
    let path = format!("{OUT}/fulfillmentOrders/U-1");
    for (body, field) in [
        (
            serde_json::json!({"items": [{"sellerFulfillmentOrderItemId": "1", "quantity": "2"}]}),
            "items[0].quantity",
        ),
        (
            serde_json::json!({"items": [{"sellerFulfillmentOrderItemId": "1", "quantity": 1.5}]}),
            "items[0].quantity",
        ),
        (
            serde_json::json!({"items": [{"sellerFulfillmentOrderItemId": 1, "quantity": 1}]}),
            "items[0].sellerFulfillmentOrderItemId",
        ),
        (
            serde_json::json!({"shippingSpeedCategory": "Warp"}),
            "shippingSpeedCategory",
        ),
        (
            serde_json::json!({"fulfillmentAction": 1}),
            "fulfillmentAction",
        ),
    ] {
        let (status, _, v) = c.call("PUT", &path, Some(body)).await;
        assert_invalid(status, &v, field);
    }
    // The line still holds 2 units and they are still reserved.
    let (_, _, v) = c.call("GET", &path, None).await;
    assert_eq!(v["payload"]["fulfillmentOrderItems"][0]["quantity"], 2);
    assert_eq!(
        v["payload"]["fulfillmentOrder"]["shippingSpeedCategory"],
        "Standard"
    );
    assert_eq!(sandbox.sim.fulfillable("MUG-1"), Some(8));
    // Status updates and inventory writes are checked the same way.
    let (status, _, v) = c
        .call(
            "PUT",
            &format!("{path}/status"),
            Some(serde_json::json!({"fulfillmentOrderStatus": "Teleported"})),
        )
        .await;
    assert_invalid(status, &v, "fulfillmentOrderStatus");
    let (status, _, v) = c
        .call("POST", "/fba/inventory/v1/items", Some(serde_json::json!({"sellerSku": "X", "marketplaceId": "ATVPDKIKX0DER", "productName": 7})))
        .await;
    assert_invalid(status, &v, "productName");
}

#[tokio::test]
async fn orders_return_their_cod_settings_and_feature_constraints() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let c = Client::new(&sandbox).await;
    let mut b = order("COD-1");
    let cod = serde_json::json!({"isCodRequired": true, "codCharge": {"currencyCode": "USD", "value": "5.00"}});
    let features =
        serde_json::json!([{"featureName": "BLANK_BOX", "featureFulfillmentPolicy": "Required"}]);
    b["codSettings"] = cod.clone();
    b["featureConstraints"] = features.clone();
    b["items"][0]["giftMessage"] = "Happy birthday".into();
    let (status, _, _) = c
        .call("POST", &format!("{OUT}/fulfillmentOrders"), Some(b))
        .await;
    assert_eq!(status, 200);
    let (_, _, v) = c
        .call("GET", &format!("{OUT}/fulfillmentOrders/COD-1"), None)
        .await;
    let o = &v["payload"]["fulfillmentOrder"];
    assert_eq!(o["codSettings"], cod);
    assert_eq!(o["featureConstraints"], features);
    assert_eq!(
        v["payload"]["fulfillmentOrderItems"][0]["giftMessage"],
        "Happy birthday"
    );
    let (_, _, v) = c
        .call("GET", &format!("{OUT}/fulfillmentOrders"), None)
        .await;
    assert_eq!(v["payload"]["fulfillmentOrders"][0]["codSettings"], cod);
}

#[tokio::test]
async fn rate_headers_follow_each_operations_plan_in_the_models() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let c = Client::new(&sandbox).await;
    let offers = serde_json::json!({"product": {"productIdentifier": {"merchantSku": "MUG-1"}},
        "terms": {"origin": {"countryCode": "US"}, "destination": {"deliveryAddress": {"postalCode": "98101", "countryCode": "US"}}}});
    let (status, rate, _) = c
        .call("POST", &format!("{OUT}/deliveryOffers"), Some(offers))
        .await;
    assert_eq!((status, rate.as_deref()), (200, Some("5.0")));
    let (_, rate, _) = c
        .call(
            "GET",
            &format!("{OUT}/features?marketplaceId=ATVPDKIKX0DER"),
            None,
        )
        .await;
    assert_eq!(rate.as_deref(), Some("2.0"));
    let (_, rate, _) = c
        .call("GET", "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER", None)
        .await;
    assert_eq!(rate.as_deref(), Some("2.0"));
    let (_, rate, v) = c
        .call(
            "PUT",
            &format!("{OUT}/fulfillmentOrders/NOPE/status"),
            Some(serde_json::json!({"fulfillmentOrderStatus": "Complete"})),
        )
        .await;
    assert_eq!(rate.as_deref(), Some("1.0"), "{v}");

    // With the models' plans enforced, submitFulfillmentOrderStatusUpdate (1/s, burst 1)
    // throttles the second call at once, deliveryOffers (burst 30) does not.
    let limited = McfSimulator::new()
        .with_model_rate_limits()
        .start()
        .await
        .unwrap();
    let c = Client::new(&limited).await;
    let path = format!("{OUT}/fulfillmentOrders/NOPE/status");
    let body = serde_json::json!({"fulfillmentOrderStatus": "Complete"});
    let (first, _, _) = c.call("PUT", &path, Some(body.clone())).await;
    let (second, _, _) = c.call("PUT", &path, Some(body)).await;
    assert_eq!((first, second), (404, 429));
    for _ in 0..5 {
        let (status, _, _) = c
            .call(
                "GET",
                &format!("{OUT}/features?marketplaceId=ATVPDKIKX0DER"),
                None,
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn feature_inventory_honours_query_start_date_and_details_ignores_case() {
    let sandbox = McfSimulator::new()
        .with_page_size(10)
        .start()
        .await
        .unwrap();
    sandbox.sim.seed_inventory("MUG-1", "Blue mug", 10);
    let c = Client::new(&sandbox).await;
    let path = format!("{OUT}/features/inventory/BLANK_BOX?marketplaceId=ATVPDKIKX0DER");
    let (_, _, all) = c.call("GET", &path, None).await;
    assert_eq!(all["payload"]["featureSkus"].as_array().unwrap().len(), 1);
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let (_, _, none) = c
        .call("GET", &format!("{path}&queryStartDate={future}"), None)
        .await;
    assert_eq!(
        none["payload"]["featureSkus"],
        serde_json::json!([]),
        "{none}"
    );
    let past = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let (_, _, some) = c
        .call("GET", &format!("{path}&queryStartDate={past}"), None)
        .await;
    assert_eq!(some["payload"]["featureSkus"].as_array().unwrap().len(), 1);
    let (status, _, _) = c
        .call("GET", &format!("{path}&queryStartDate=yesterday"), None)
        .await;
    assert_eq!(status, 400);

    let summaries = "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER";
    for (value, details) in [
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("False", false),
    ] {
        let (status, _, v) = c
            .call("GET", &format!("{summaries}&details={value}"), None)
            .await;
        assert_eq!(status, 200);
        let s = &v["payload"]["inventorySummaries"][0];
        assert_eq!(
            s.get("inventoryDetails").is_some(),
            details,
            "details={value}: {s}"
        );
    }
    let (status, _, _) = c
        .call("GET", &format!("{summaries}&details=yes"), None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_amazons_error_shape() {
    let sandbox = McfSimulator::new().start().await.unwrap();
    let c = Client::new(&sandbox).await;
    let (status, _, v) = c.call("GET", &format!("{OUT}/nowhere"), None).await;
    assert_eq!(status, 404);
    assert_eq!(v["errors"][0]["code"], "NotFound", "{v}");
    let (status, _, v) = c
        .call("DELETE", &format!("{OUT}/fulfillmentOrders/X-1"), None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(v["errors"][0]["code"], "MethodNotAllowed", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("DELETE"),
        "{v}"
    );
}
