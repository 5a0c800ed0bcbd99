//! Conformance against Amazon's official models (read from the sibling `shared/` folder,
//! never copied into this repository):
//!
//! 1. every response example of Fulfillment Outbound 2020-07-01 decodes with our types;
//! 2. our serialized request bodies validate against the models' JSON schema definitions
//!    (a small validator for the subset the models use; unknown properties are refused, so
//!    a misspelled field name fails).
//!
//! The models are looked up in `$ERP_SHARED_DIR/reference/amazon/` or
//! `CARGO_MANIFEST_DIR/../../../shared/reference/amazon/`; when absent the test prints
//! `SKIPPED: ...` and passes, except with `CI=true`, where a missing model fails the test
//! (CI must never pass by skipping it).
//!
//! 3. every request the client sends (all operations, captured by wiremock) matches its
//!    operation in the models: the body against the body parameter's schema, the query
//!    and header parameters against their declarations (required, type, enum, maxItems).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use amazon_mcf::model::inventory::{
    AddInventoryRequest, CreateInventoryItemRequest, InventoryItem,
};
use amazon_mcf::model::outbound::*;
use amazon_mcf::model::{Address, AmazonMoney, Envelope};
use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn models_dir() -> Result<PathBuf, String> {
    let base = match std::env::var("ERP_SHARED_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let dir = base.join("reference/amazon");
    if dir.join("fulfillmentOutbound_2020-07-01.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "{} has no fulfillmentOutbound_2020-07-01.json (set ERP_SHARED_DIR)",
            dir.display()
        ))
    }
}

fn load(name: &str) -> Option<Value> {
    match models_dir() {
        Ok(dir) => {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            Some(serde_json::from_str(&text).unwrap())
        }
        Err(reason) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true: the Amazon model conformance tests need the official models ({reason})"
            );
            println!("SKIPPED: Amazon model conformance ({reason})");
            None
        }
    }
}

fn decode<T: DeserializeOwned>(op: &str, body: &Value) -> Result<(), String> {
    let text = body.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    let env: Envelope<T> = serde_path_to_error::deserialize(de)
        .map_err(|e| format!("{op}: at {}: {}", e.path(), e.inner()))?;
    if env.payload.is_none() {
        return Err(format!("{op}: example has no payload"));
    }
    Ok(())
}

#[test]
fn every_outbound_response_example_decodes() {
    let Some(model) = load("fulfillmentOutbound_2020-07-01.json") else {
        return;
    };
    let mut decoded = Vec::new();
    let mut failures = Vec::new();
    for (_path, item) in model["paths"].as_object().unwrap() {
        for (_method, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(examples) = op.pointer("/responses/200/examples") else {
                continue;
            };
            let body = examples.get("application/json").unwrap_or(examples);
            if let Some(schema) = op.pointer("/responses/200/schema") {
                let mut notes = Vec::new();
                Validator {
                    defs: &model["definitions"],
                }
                .check(schema, body, id, &mut notes);
                for n in notes {
                    println!("NOTE: the model's own example disagrees with its schema: {n}");
                }
            }
            let r = match id {
                "getFulfillmentPreview" => decode::<GetFulfillmentPreviewResult>(id, body),
                "deliveryOffers" => decode::<GetDeliveryOffersResult>(id, body),
                "listAllFulfillmentOrders" => decode::<ListAllFulfillmentOrdersResult>(id, body),
                "getPackageTrackingDetails" => decode::<PackageTrackingDetails>(id, body),
                "listReturnReasonCodes" => decode::<ListReturnReasonCodesResult>(id, body),
                "createFulfillmentReturn" => decode::<CreateFulfillmentReturnResult>(id, body),
                "getFulfillmentOrder" => decode::<GetFulfillmentOrderResult>(id, body),
                "getFeatures" => decode::<GetFeaturesResult>(id, body),
                "getFeatureInventory" => decode::<GetFeatureInventoryResult>(id, body),
                "getFeatureSKU" => decode::<GetFeatureSkuResult>(id, body),
                other => Err(format!(
                    "{other}: example of an operation this test does not know"
                )),
            };
            match r {
                Ok(()) => decoded.push(id.to_string()),
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    println!("decoded {} examples: {decoded:?}", decoded.len());
    assert_eq!(
        decoded.len(),
        10,
        "the 2020-07-01 model carries ten response examples"
    );
}

/// A validator for the JSON-schema subset of the Swagger 2 models.
struct Validator<'a> {
    defs: &'a Value,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/definitions/");
            let Some(def) = self.defs.get(name) else {
                errors.push(format!("{at}: unknown $ref {r}"));
                return;
            };
            return self.check(def, v, at, errors);
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let ok = match ty {
            Some("object") => v.is_object(),
            Some("array") => v.is_array(),
            Some("string") => v.is_string(),
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("number") => v.is_number(),
            Some("boolean") => v.is_boolean(),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: expected {}, got {v}", ty.unwrap_or("?")));
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(v)
        {
            errors.push(format!("{at}: {v} is not one of {allowed:?}"));
        }
        if let Some(s) = v.as_str() {
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && s.chars().count() as u64 > max
            {
                errors.push(format!("{at}: longer than {max}"));
            }
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && (s.chars().count() as u64) < min
            {
                errors.push(format!("{at}: shorter than {min}"));
            }
            if schema.get("format").and_then(Value::as_str) == Some("date-time")
                && chrono::DateTime::parse_from_rfc3339(s).is_err()
            {
                errors.push(format!("{at}: `{s}` is not an RFC 3339 date-time"));
            }
        }
        if let Some(items) = v.as_array() {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!("{at}: more than {max} items"));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.check(item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        if let Some(obj) = v.as_object() {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = req.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    errors.push(format!("{at}: required property `{name}` missing"));
                }
            }
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => self.check(s, val, &format!("{at}.{k}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(extra) if extra.is_object() => {
                            self.check(extra, val, &format!("{at}.{k}"), errors)
                        }
                        _ if props.is_some() => {
                            errors.push(format!("{at}: property `{k}` is not in the schema"))
                        }
                        _ => {}
                    },
                }
            }
        }
    }

    fn validate<T: serde::Serialize>(&self, def: &str, value: &T) -> Vec<String> {
        let v = serde_json::to_value(value).unwrap();
        let mut errors = Vec::new();
        self.check(
            &serde_json::json!({"$ref": format!("#/definitions/{def}")}),
            &v,
            def,
            &mut errors,
        );
        errors
    }
}

fn full_address() -> Address {
    let mut a = Address::new(
        "Jane Doe",
        "1 Main St",
        Some("Seattle".into()),
        "98101",
        "US",
    );
    a.address_line2 = Some("Apt 2".into());
    a.address_line3 = Some("Back door".into());
    a.district_or_county = Some("King".into());
    a.state_or_region = Some("WA".into());
    a.phone = Some("+1 206 555 0100".into());
    a
}

/// One request of each kind with every optional field set.
struct Requests {
    create: CreateFulfillmentOrderRequest,
    preview: GetFulfillmentPreviewRequest,
    update: UpdateFulfillmentOrderRequest,
    ret: CreateFulfillmentReturnRequest,
    offers: GetDeliveryOffersRequest,
    status: SubmitFulfillmentOrderStatusUpdateRequest,
}

fn full_requests() -> Requests {
    let usd = |x| AmazonMoney::new(x, "USD");
    let when = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();

    let mut item = CreateFulfillmentOrderItem::new("SKU 1+A", "line-1", 2);
    item.gift_message = Some("Happy birthday".into());
    item.displayable_comment = Some("Fragile".into());
    item.fulfillment_network_sku = Some("X0014BIZ8T".into());
    item.per_unit_declared_value = Some(usd(dec!(18.90)));
    item.per_unit_price = Some(usd(dec!(20)));
    item.per_unit_tax = Some(usd(dec!(1.5)));
    let mut create = CreateFulfillmentOrderRequest::new(
        "ERP-1",
        "ERP-1",
        when,
        "Thanks",
        ShippingSpeedCategory::ScheduledDelivery,
        full_address(),
        vec![item],
    );
    create.marketplace_id = Some("ATVPDKIKX0DER".into());
    create.delivery_window = Some(DeliveryWindow::new(when, when + chrono::Duration::hours(4)));
    let mut prefs = DeliveryPreferences::default();
    prefs.delivery_instructions = Some("Leave at the door".into());
    prefs.drop_off_location = Some(
        serde_json::from_value(
            serde_json::json!({"type": "FRONT_DOOR", "attributes": {"gateCode": "1234"}}),
        )
        .unwrap(),
    );
    create.delivery_preferences = Some(prefs);
    create.fulfillment_action = Some(FulfillmentAction::Ship);
    create.fulfillment_policy = Some(FulfillmentPolicy::FillAllAvailable);
    let mut cod = CodSettings::default();
    cod.is_cod_required = true;
    cod.cod_charge = Some(usd(dec!(5)));
    cod.cod_charge_tax = Some(usd(dec!(0.5)));
    cod.shipping_charge = Some(usd(dec!(3)));
    cod.shipping_charge_tax = Some(usd(dec!(0.3)));
    create.cod_settings = Some(cod);
    create.ship_from_country_code = Some("US".into());
    create.notification_emails = vec!["jane@example.com".into()];
    create.feature_constraints = vec![FeatureSettings::new(
        "BLANK_BOX",
        FeatureFulfillmentPolicy::Required,
    )];
    create.payment_information = vec![serde_json::from_value(serde_json::json!({"paymentTransactionId": "T1", "paymentMode": "Other", "paymentDate": "2026-11-20T10:00:00Z"})).unwrap()];

    let mut preview_item = GetFulfillmentPreviewItem::new("SKU 1+A", "line-1", 2);
    preview_item.per_unit_declared_value = Some(usd(dec!(18.90)));
    let mut preview = GetFulfillmentPreviewRequest::new(full_address(), vec![preview_item]);
    preview.marketplace_id = Some("ATVPDKIKX0DER".into());
    preview.shipping_speed_categories = vec![
        ShippingSpeedCategory::Standard,
        ShippingSpeedCategory::Priority,
    ];
    preview.include_cod_fulfillment_preview = Some(true);
    preview.include_delivery_windows = Some(true);
    preview.feature_constraints = vec![FeatureSettings::new(
        "BLOCK_AMZL",
        FeatureFulfillmentPolicy::NotRequired,
    )];

    let mut up_item = UpdateFulfillmentOrderItem::new("line-1", 1);
    up_item.seller_sku = Some("SKU 1+A".into());
    up_item.gift_message = Some("Hi".into());
    up_item.displayable_comment = Some("c".into());
    up_item.fulfillment_network_sku = Some("X0014BIZ8T".into());
    up_item.order_item_disposition = Some("Sellable".into());
    up_item.per_unit_declared_value = Some(usd(dec!(1)));
    up_item.per_unit_price = Some(usd(dec!(2)));
    up_item.per_unit_tax = Some(usd(dec!(0.2)));
    let mut update = UpdateFulfillmentOrderRequest::ship();
    update.marketplace_id = Some("ATVPDKIKX0DER".into());
    update.displayable_order_id = Some("ERP-1".into());
    update.displayable_order_date = Some(when);
    update.displayable_order_comment = Some("c".into());
    update.shipping_speed_category = Some(ShippingSpeedCategory::Expedited);
    update.destination_address = Some(full_address());
    update.fulfillment_policy = Some(FulfillmentPolicy::FillAll);
    update.ship_from_country_code = Some("US".into());
    update.notification_emails = vec!["a@example.com".into()];
    update.feature_constraints = vec![FeatureSettings::new(
        "BLANK_BOX",
        FeatureFulfillmentPolicy::Required,
    )];
    update.items = vec![up_item];

    let mut ret_item = CreateReturnItem::new("R-1", "line-1", "DchKfcZ9N", "NOLONGERWANTED");
    ret_item.return_comment = Some("too big".into());
    let ret = CreateFulfillmentReturnRequest::new(vec![ret_item]);

    let mut dest = VariablePrecisionAddress::new("98101", "US");
    dest.address_line1 = Some("1 Main St".into());
    dest.city = Some("Seattle".into());
    dest.state_or_region = Some("WA".into());
    let mut offers = GetDeliveryOffersRequest::new("SKU 1+A", "US", dest);
    offers.product.amount = Some(Amount::eaches(dec!(2)));

    let status = SubmitFulfillmentOrderStatusUpdateRequest::new(FulfillmentOrderStatus::Complete);
    Requests {
        create,
        preview,
        update,
        ret,
        offers,
        status,
    }
}

#[test]
fn serialized_requests_validate_against_the_models() {
    let Some(model) = load("fulfillmentOutbound_2020-07-01.json") else {
        return;
    };
    let v = Validator {
        defs: &model["definitions"],
    };
    let Requests {
        create,
        preview,
        update,
        ret,
        offers,
        status,
    } = full_requests();

    let mut errors = Vec::new();
    errors.extend(v.validate("CreateFulfillmentOrderRequest", &create));
    errors.extend(v.validate("GetFulfillmentPreviewRequest", &preview));
    errors.extend(v.validate("UpdateFulfillmentOrderRequest", &update));
    errors.extend(v.validate("CreateFulfillmentReturnRequest", &ret));
    errors.extend(v.validate("GetDeliveryOffersRequest", &offers));
    errors.extend(v.validate("SubmitFulfillmentOrderStatusUpdateRequest", &status));
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator does catch mistakes: a float amount, a misspelled field, a long id.
    let mut bad = serde_json::to_value(&create).unwrap();
    bad["items"][0]["perUnitPrice"]["value"] = serde_json::json!(20.0);
    bad["sellerFulfilmentOrderId"] = serde_json::json!("typo");
    bad["displayableOrderId"] = serde_json::json!("x".repeat(41));
    let errs = v.validate("CreateFulfillmentOrderRequest", &bad);
    assert_eq!(errs.len(), 3, "{errs:#?}");

    let Some(inv) = load("fbaInventory.json") else {
        return;
    };
    let v = Validator {
        defs: &inv["definitions"],
    };
    let mut errors = v.validate(
        "CreateInventoryItemRequest",
        &CreateInventoryItemRequest::new("SKU 1+A", "ATVPDKIKX0DER", "Mug"),
    );
    errors.extend(v.validate(
        "AddInventoryRequest",
        &AddInventoryRequest::new(vec![InventoryItem::new("SKU 1+A", "ATVPDKIKX0DER", 5)]),
    ));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_model_enum_value_is_known_to_our_types() {
    let Some(model) = load("fulfillmentOutbound_2020-07-01.json") else {
        return;
    };
    let defs = &model["definitions"];
    let list = |p: &str| -> Vec<String> {
        defs.pointer(p)
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        list("/FulfillmentOrderStatus/enum"),
        FulfillmentOrderStatus::KNOWN
    );
    assert_eq!(
        list("/ShippingSpeedCategory/enum"),
        ShippingSpeedCategory::KNOWN
    );
    assert_eq!(list("/FulfillmentAction/enum"), FulfillmentAction::KNOWN);
    assert_eq!(list("/FulfillmentPolicy/enum"), FulfillmentPolicy::KNOWN);
    assert_eq!(list("/CurrentStatus/enum"), CurrentStatus::KNOWN);
    assert_eq!(
        list("/FulfillmentReturnItemStatus/enum"),
        FulfillmentReturnItemStatus::KNOWN
    );
    assert_eq!(
        list("/InvalidItemReasonCode/enum"),
        InvalidItemReasonCode::KNOWN
    );
    assert_eq!(
        list("/FulfillmentShipment/properties/fulfillmentShipmentStatus/enum"),
        FulfillmentShipmentStatus::KNOWN
    );
    assert_eq!(
        list("/DropOffLocation/properties/type/enum"),
        DropOffLocationType::KNOWN
    );
    assert_eq!(
        list("/FeatureSettings/properties/featureFulfillmentPolicy/enum"),
        FeatureFulfillmentPolicy::KNOWN
    );
    assert_eq!(
        list("/Amount/properties/unitOfMeasure/enum"),
        UnitOfMeasure::KNOWN
    );
}

/// The operation of `model` that `method path` calls, with its declaration.
fn operation_of<'m>(model: &'m Value, method: &str, path: &str) -> Option<(&'m str, &'m Value)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &str, &Value)> = None;
    for (template, item) in model["paths"].as_object()? {
        let Some(op) = item.get(method) else {
            continue;
        };
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let fits = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                true
            } else {
                literal += 1;
                t == s
            }
        });
        if fits && best.is_none_or(|(l, _, _)| literal > l) {
            best = Some((literal, op["operationId"].as_str()?, op));
        }
    }
    best.map(|(_, id, op)| (id, op))
}

/// Checks a query/header parameter value against its declaration.
fn check_parameter(decl: &Value, value: &str, at: &str, errors: &mut Vec<String>) {
    let values: Vec<&str> = if decl["type"] == "array" {
        let v: Vec<&str> = value.split(',').collect();
        if let Some(max) = decl["maxItems"].as_u64()
            && v.len() as u64 > max
        {
            errors.push(format!("{at}: more than {max} items"));
        }
        v
    } else {
        vec![value]
    };
    let item = if decl["type"] == "array" {
        &decl["items"]
    } else {
        decl
    };
    for v in values {
        let ok = match item["type"].as_str() {
            Some("boolean") => v == "true" || v == "false",
            Some("integer") if item["format"] == "int32" => v.parse::<i32>().is_ok(),
            Some("integer") => v.parse::<i64>().is_ok(),
            _ => true,
        };
        if !ok {
            errors.push(format!(
                "{at}: `{v}` is not a {} {}",
                item["type"], item["format"]
            ));
        }
        if let Some(allowed) = item["enum"].as_array()
            && !allowed.iter().any(|a| a == v)
        {
            errors.push(format!("{at}: `{v}` is not one of {allowed:?}"));
        }
        if item["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(v).is_err() {
            errors.push(format!("{at}: `{v}` is not an RFC 3339 date-time"));
        }
    }
}

/// Checks one captured request against its operation: body schema, query and headers.
fn check_request(model: &Value, op_id: &str, op: &Value, req: &wiremock::Request) -> Vec<String> {
    let mut errors = Vec::new();
    let query: Vec<(String, String)> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let mut has_body = false;
    for p in &params {
        let name = p["name"].as_str().unwrap_or_default();
        let at = format!("{op_id} {}:{name}", p["in"].as_str().unwrap_or_default());
        match p["in"].as_str() {
            Some("query") => {
                let sent: Vec<&str> = query
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                if sent.len() > 1 {
                    errors.push(format!("{at}: sent {} times", sent.len()));
                }
                match sent.first() {
                    Some(v) => check_parameter(p, v, &at, &mut errors),
                    None if p["required"] == true => {
                        errors.push(format!("{at}: required, not sent"))
                    }
                    None => {}
                }
            }
            Some("header") => match req.headers.get(name).map(|v| v.to_str()) {
                Some(Ok(v)) => check_parameter(p, v, &at, &mut errors),
                Some(Err(_)) => errors.push(format!("{at}: not a text header")),
                None if p["required"] == true => errors.push(format!("{at}: required, not sent")),
                None => {}
            },
            Some("body") => {
                has_body = true;
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(body) => Validator {
                        defs: &model["definitions"],
                    }
                    .check(&p["schema"], &body, op_id, &mut errors),
                    Err(e) if p["required"] == true || !req.body.is_empty() => {
                        errors.push(format!("{op_id}: body is not JSON: {e}"))
                    }
                    Err(_) => {}
                }
            }
            _ => {}
        }
    }
    for (k, _) in &query {
        if !params
            .iter()
            .any(|p| p["in"] == "query" && p["name"] == k.as_str())
        {
            errors.push(format!(
                "{op_id}: query parameter `{k}` is not in the model"
            ));
        }
    }
    if !has_body && !req.body.is_empty() {
        errors.push(format!("{op_id}: sends a body the model does not declare"));
    }
    errors
}

#[tokio::test]
async fn every_request_the_client_sends_matches_its_operation_in_the_models() {
    use amazon_mcf::{AmazonMcfClient, Environment, InventoryQuery, ReturnReasonCodesQuery};
    use connector_core::{Clock, ManualClock, RetryPolicy, SecretString};
    use futures::StreamExt;
    use wiremock::matchers::{any, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let (Some(outbound), Some(inventory)) = (
        load("fulfillmentOutbound_2020-07-01.json"),
        load("fbaInventory.json"),
    ) else {
        return;
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/o2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"Atza|t","token_type":"bearer","expires_in":3600}"#,
        ))
        .mount(&server)
        .await;
    // Every call gets an empty 200: what matters here is what was sent.
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string("{}"),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let build = |env| {
        AmazonMcfClient::builder()
            .client_id("amzn1.application-oa2-client.test")
            .client_secret(SecretString::from("s".to_string()))
            .refresh_token(SecretString::from("Atzr|r".to_string()))
            .marketplace_id("ATVPDKIKX0DER")
            .endpoint(server.uri())
            .lwa_url(format!("{}/auth/o2/token", server.uri()))
            .retry(RetryPolicy::default().with_max_attempts(1))
            .clock(clock.shared())
            .environment(env)
            .build()
            .unwrap()
    };
    let c = build(Environment::Production);
    let sandbox = build(Environment::Sandbox);

    let Requests {
        mut create,
        preview,
        update,
        ret,
        offers,
        status,
    } = full_requests();
    // ScheduledDelivery (and delivery preferences) are for Japan, where `city` is not used.
    create.destination_address.country_code = "JP".into();
    create.destination_address.city = None;
    let mut plain = create.clone();
    plain.shipping_speed_category = ShippingSpeedCategory::Priority;
    plain.fulfillment_action = Some(FulfillmentAction::Hold);
    plain.seller_fulfillment_order_id = "ERP-2".into();
    let when = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();

    let _ = c.get_fulfillment_preview(&preview).await;
    let _ = c.delivery_offers(&offers).await;
    let mut ip_offers = offers.clone();
    ip_offers.terms.destination.delivery_address = None;
    ip_offers.terms.destination.ip_address = Some("203.0.113.7".into());
    let _ = c.delivery_offers(&ip_offers).await;
    let _ = c.create_fulfillment_order(&create).await;
    let _ = c.create_fulfillment_order(&plain).await;
    let _ = c.get_fulfillment_order("ERP 1+A").await;
    let _ = c
        .list_all_fulfillment_orders_page(Some(when), Some("tok+/="))
        .await;
    let _ = c.list_all_fulfillment_orders(None).next().await;
    let _ = c.update_fulfillment_order("ERP-1", &update).await;
    let _ = c
        .update_fulfillment_order("ERP-1", &UpdateFulfillmentOrderRequest::ship())
        .await;
    let _ = c.cancel_fulfillment_order("ERP-1").await;
    let _ = c.get_package_tracking_details(1001).await;
    let mut q = ReturnReasonCodesQuery::default();
    q.marketplace_id = Some("ATVPDKIKX0DER".into());
    q.seller_fulfillment_order_id = Some("ERP-1".into());
    q.language = Some("fr_FR".into());
    let _ = c.list_return_reason_codes("SKU 1+A", &q).await;
    let _ = c.create_fulfillment_return("ERP-1", &ret).await;
    let _ = c.get_features(None).await;
    let _ = c
        .get_feature_inventory_page("BLANK_BOX", Some(when), Some("tok+/="))
        .await;
    let _ = c.get_feature_inventory("BLANK_BOX", None).next().await;
    let _ = c.get_feature_sku("BLANK_BOX", "SKU 1+A").await;
    let mut iq = InventoryQuery::all();
    iq.seller_skus = vec!["SKU 1+A".into(), "MUG-2".into()];
    let _ = c.get_inventory_summaries_page(&iq, Some("tok+/=")).await;
    let mut since = InventoryQuery::default();
    since.start_date_time = Some(clock.now_utc() - chrono::Duration::days(3));
    let _ = c.get_inventory_summaries(since).next().await;
    let _ = sandbox
        .submit_fulfillment_order_status_update("ERP-1", status.fulfillment_order_status)
        .await;
    let _ = sandbox
        .sandbox_create_inventory_item("SKU 1+A", "Blue mug")
        .await;
    let _ = sandbox
        .sandbox_add_inventory(vec![("SKU 1+A".into(), 5)], "idem-1")
        .await;
    let _ = sandbox.sandbox_delete_inventory_item("SKU 1+A").await;

    let mut seen = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    for req in server.received_requests().await.unwrap() {
        if req.url.path() == "/auth/o2/token" {
            continue;
        }
        let m = req.method.as_str().to_ascii_lowercase();
        let found = operation_of(&outbound, &m, req.url.path())
            .map(|(id, op)| (&outbound, id, op))
            .or_else(|| {
                operation_of(&inventory, &m, req.url.path()).map(|(id, op)| (&inventory, id, op))
            });
        let Some((model, id, op)) = found else {
            errors.push(format!("{m} {}: no such operation in the models", req.url));
            continue;
        };
        seen.insert(id.to_string());
        errors.extend(check_request(model, id, op, &req));
    }
    println!("checked requests of {} operations: {seen:?}", seen.len());
    assert!(errors.is_empty(), "{errors:#?}");
    // Every operation of both models was exercised.
    let mut all = std::collections::BTreeSet::new();
    for model in [&outbound, &inventory] {
        for item in model["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    all.insert(id.to_string());
                }
            }
        }
    }
    assert_eq!(
        seen,
        all,
        "operations not exercised: {:?}",
        all.difference(&seen)
    );
}
