//! The request bodies the simulator accepts, written from the models' `definitions`
//! (Fulfillment Outbound `2020-07-01`, FBA Inventory `v1`): required fields, JSON types,
//! enums, `maxLength`. A body is checked whole before anything is read from it, so a field of
//! the wrong type (`"quantity": "2"`) is refused instead of read as 0 or `""`.
//!
//! Choices where the models are silent (documented in `docs/platforms/amazon-mcf.md`):
//! quantities must be at least 1, unknown properties are refused (a misspelled field is a
//! client bug the simulator should show), and `sellerFulfillmentOrderId` must not contain
//! the characters that do not survive an SP-API path (`/`, `#`, `+`, `?`, `%`, `\`), control
//! characters or characters beyond ISO 8859-1.

use serde_json::Value;

/// The type of a field.
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    /// A string of at most `max` characters.
    Str(Option<usize>),
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// An `int32` no smaller than the bound.
    Int(i64),
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 date-time string.
    DateTime,
    /// A decimal number written as a string (`Decimal`).
    Decimal,
    /// An object with these fields.
    Obj(&'static [Field]),
    /// An array of items of a type, with at most `max` items.
    Arr(&'static Ty, Option<usize>),
    /// Any JSON object (free-form `attributes`).
    AnyObj,
}

/// A property: name, type, whether it is required.
pub(crate) struct Field(pub &'static str, pub Ty, pub bool);

const fn req(name: &'static str, ty: Ty) -> Field {
    Field(name, ty, true)
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field(name, ty, false)
}

const STR: Ty = Ty::Str(None);
const QUANTITY: Ty = Ty::Int(1);

/// `ShippingSpeedCategory`.
pub(crate) const SHIPPING_SPEEDS: &[&str] =
    &["Standard", "Expedited", "Priority", "ScheduledDelivery"];
/// `FulfillmentOrderStatus`.
pub(crate) const ORDER_STATUSES: &[&str] = &[
    "New",
    "Received",
    "Planning",
    "Processing",
    "Cancelled",
    "Complete",
    "CompletePartialled",
    "Unfulfillable",
    "Invalid",
];
const ACTIONS: &[&str] = &["Ship", "Hold"];
const POLICIES: &[&str] = &["FillOrKill", "FillAll", "FillAllAvailable"];
const FEATURE_POLICIES: &[&str] = &["Required", "NotRequired"];
const DROP_OFF_TYPES: &[&str] = &[
    "FRONT_DOOR",
    "DELIVERY_BOX",
    "GAS_METER_BOX",
    "BICYCLE_BASKET",
    "GARAGE",
    "RECEPTIONIST",
    "FALLBACK_NEIGHBOR_DELIVERY",
    "DO_NOT_LEAVE_UNATTENDED",
];

const ADDRESS: Ty = Ty::Obj(&[
    req("name", STR),
    req("addressLine1", STR),
    opt("addressLine2", STR),
    opt("addressLine3", STR),
    opt("city", STR),
    opt("districtOrCounty", STR),
    opt("stateOrRegion", STR),
    req("postalCode", STR),
    req("countryCode", STR),
    opt("phone", STR),
]);
const MONEY: Ty = Ty::Obj(&[req("currencyCode", STR), req("value", Ty::Decimal)]);
const FEATURES: Ty = Ty::Arr(
    &Ty::Obj(&[
        opt("featureName", STR),
        opt("featureFulfillmentPolicy", Ty::Enum(FEATURE_POLICIES)),
    ]),
    None,
);
const EMAILS: Ty = Ty::Arr(&Ty::Str(Some(64)), None);
const DELIVERY_WINDOW: Ty =
    Ty::Obj(&[req("startDate", Ty::DateTime), req("endDate", Ty::DateTime)]);

/// `CreateFulfillmentOrderRequest`.
pub(crate) const CREATE_ORDER: Ty = Ty::Obj(&[
    opt("marketplaceId", STR),
    req("sellerFulfillmentOrderId", Ty::Str(Some(40))),
    req("displayableOrderId", Ty::Str(Some(40))),
    req("displayableOrderDate", Ty::DateTime),
    req("displayableOrderComment", Ty::Str(Some(750))),
    req("shippingSpeedCategory", Ty::Enum(SHIPPING_SPEEDS)),
    opt("deliveryWindow", DELIVERY_WINDOW),
    req("destinationAddress", ADDRESS),
    opt(
        "deliveryPreferences",
        Ty::Obj(&[
            opt("deliveryInstructions", Ty::Str(Some(250))),
            opt(
                "dropOffLocation",
                Ty::Obj(&[
                    req("type", Ty::Enum(DROP_OFF_TYPES)),
                    opt("attributes", Ty::AnyObj),
                ]),
            ),
        ]),
    ),
    opt("fulfillmentAction", Ty::Enum(ACTIONS)),
    opt("fulfillmentPolicy", Ty::Enum(POLICIES)),
    opt(
        "codSettings",
        Ty::Obj(&[
            req("isCodRequired", Ty::Bool),
            opt("codCharge", MONEY),
            opt("codChargeTax", MONEY),
            opt("shippingCharge", MONEY),
            opt("shippingChargeTax", MONEY),
        ]),
    ),
    opt("shipFromCountryCode", STR),
    opt("notificationEmails", EMAILS),
    opt("featureConstraints", FEATURES),
    req(
        "items",
        Ty::Arr(
            &Ty::Obj(&[
                req("sellerSku", Ty::Str(Some(50))),
                req("sellerFulfillmentOrderItemId", Ty::Str(Some(50))),
                req("quantity", QUANTITY),
                opt("giftMessage", Ty::Str(Some(512))),
                opt("displayableComment", Ty::Str(Some(250))),
                opt("fulfillmentNetworkSku", STR),
                opt("perUnitDeclaredValue", MONEY),
                opt("perUnitPrice", MONEY),
                opt("perUnitTax", MONEY),
            ]),
            Some(100),
        ),
    ),
    opt(
        "paymentInformation",
        Ty::Arr(
            &Ty::Obj(&[
                req("paymentTransactionId", STR),
                req("paymentMode", STR),
                req("paymentDate", Ty::DateTime),
            ]),
            None,
        ),
    ),
]);

/// `UpdateFulfillmentOrderRequest` (every field optional).
pub(crate) const UPDATE_ORDER: Ty = Ty::Obj(&[
    opt("marketplaceId", STR),
    opt("displayableOrderId", Ty::Str(Some(40))),
    opt("displayableOrderDate", Ty::DateTime),
    opt("displayableOrderComment", Ty::Str(Some(750))),
    opt("shippingSpeedCategory", Ty::Enum(SHIPPING_SPEEDS)),
    opt("destinationAddress", ADDRESS),
    opt("fulfillmentAction", Ty::Enum(ACTIONS)),
    opt("fulfillmentPolicy", Ty::Enum(POLICIES)),
    opt("shipFromCountryCode", STR),
    opt("notificationEmails", EMAILS),
    opt("featureConstraints", FEATURES),
    opt(
        "items",
        Ty::Arr(
            &Ty::Obj(&[
                opt("sellerSku", STR),
                req("sellerFulfillmentOrderItemId", Ty::Str(Some(50))),
                req("quantity", QUANTITY),
                opt("giftMessage", Ty::Str(Some(512))),
                opt("displayableComment", Ty::Str(Some(250))),
                opt("fulfillmentNetworkSku", STR),
                opt("orderItemDisposition", STR),
                opt("perUnitDeclaredValue", MONEY),
                opt("perUnitPrice", MONEY),
                opt("perUnitTax", MONEY),
            ]),
            Some(100),
        ),
    ),
]);

/// `GetFulfillmentPreviewRequest`.
pub(crate) const PREVIEW: Ty = Ty::Obj(&[
    opt("marketplaceId", STR),
    req("address", ADDRESS),
    req(
        "items",
        Ty::Arr(
            &Ty::Obj(&[
                req("sellerSku", Ty::Str(Some(50))),
                req("quantity", QUANTITY),
                opt("perUnitDeclaredValue", MONEY),
                req("sellerFulfillmentOrderItemId", Ty::Str(Some(50))),
            ]),
            Some(100),
        ),
    ),
    opt(
        "shippingSpeedCategories",
        Ty::Arr(&Ty::Enum(SHIPPING_SPEEDS), None),
    ),
    opt("includeCODFulfillmentPreview", Ty::Bool),
    opt("includeDeliveryWindows", Ty::Bool),
    opt("featureConstraints", FEATURES),
]);

const VARIABLE_ADDRESS: Ty = Ty::Obj(&[
    opt("addressLine1", STR),
    opt("addressLine2", STR),
    opt("addressLine3", STR),
    opt("city", STR),
    opt("districtOrCounty", STR),
    opt("stateOrRegion", STR),
    req("postalCode", STR),
    req("countryCode", Ty::Str(Some(2))),
]);

/// `GetDeliveryOffersRequest`.
pub(crate) const DELIVERY_OFFERS: Ty = Ty::Obj(&[
    req(
        "product",
        Ty::Obj(&[
            req(
                "productIdentifier",
                Ty::Obj(&[req("merchantSku", Ty::Str(Some(50)))]),
            ),
            opt(
                "amount",
                Ty::Obj(&[
                    req("unitOfMeasure", Ty::Enum(&["Eaches"])),
                    req("value", Ty::Decimal),
                ]),
            ),
        ]),
    ),
    req(
        "terms",
        Ty::Obj(&[
            req("origin", Ty::Obj(&[req("countryCode", Ty::Str(Some(2)))])),
            req(
                "destination",
                Ty::Obj(&[
                    opt("deliveryAddress", VARIABLE_ADDRESS),
                    opt("ipAddress", STR),
                ]),
            ),
        ]),
    ),
]);

/// `CreateFulfillmentReturnRequest`.
pub(crate) const CREATE_RETURN: Ty = Ty::Obj(&[req(
    "items",
    Ty::Arr(
        &Ty::Obj(&[
            req("sellerReturnItemId", Ty::Str(Some(80))),
            req("sellerFulfillmentOrderItemId", STR),
            req("amazonShipmentId", STR),
            req("returnReasonCode", STR),
            opt("returnComment", Ty::Str(Some(1000))),
        ]),
        None,
    ),
)]);

/// `SubmitFulfillmentOrderStatusUpdateRequest` (the status is what the call is for, so it is
/// required here although the model leaves it optional).
pub(crate) const STATUS_UPDATE: Ty =
    Ty::Obj(&[req("fulfillmentOrderStatus", Ty::Enum(ORDER_STATUSES))]);

/// `CreateInventoryItemRequest`.
pub(crate) const CREATE_ITEM: Ty = Ty::Obj(&[
    req("sellerSku", STR),
    req("marketplaceId", STR),
    req("productName", STR),
]);

/// `AddInventoryRequest` (`inventoryItems` required here: the model leaves it optional, but
/// the call is for adding them).
pub(crate) const ADD_INVENTORY: Ty = Ty::Obj(&[req(
    "inventoryItems",
    Ty::Arr(
        &Ty::Obj(&[
            req("sellerSku", STR),
            req("marketplaceId", STR),
            req("quantity", QUANTITY),
        ]),
        None,
    ),
)]);

/// A refused field: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The field path (`items[0].quantity`).
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn refuse(field: &str, problem: impl Into<String>) -> Refusal {
    Refusal {
        field: field.to_string(),
        problem: problem.into(),
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// Checks `v` against `ty`; `at` is the path of `v` (empty for the body).
pub(crate) fn check(ty: &Ty, v: &Value, at: &str) -> Result<(), Refusal> {
    let shown = || at.to_string();
    match ty {
        Ty::Str(max) => {
            let s = v
                .as_str()
                .ok_or_else(|| refuse(&shown(), format!("must be a string (got {v})")))?;
            if let Some(max) = max
                && s.chars().count() > *max
            {
                return Err(refuse(
                    &shown(),
                    format!("must be at most {max} characters"),
                ));
            }
        }
        Ty::Enum(values) => {
            let s = v
                .as_str()
                .ok_or_else(|| refuse(&shown(), format!("must be a string (got {v})")))?;
            if !values.contains(&s) {
                return Err(refuse(
                    &shown(),
                    format!("`{s}` is not one of {}", values.join(", ")),
                ));
            }
        }
        Ty::Int(min) => {
            let n = v
                .as_i64()
                .filter(|n| i32::try_from(*n).is_ok())
                .ok_or_else(|| refuse(&shown(), format!("must be a 32-bit integer (got {v})")))?;
            if n < *min {
                return Err(refuse(
                    &shown(),
                    format!("must be at least {min} (got {n})"),
                ));
            }
        }
        Ty::Bool => {
            if !v.is_boolean() {
                return Err(refuse(&shown(), format!("must be true or false (got {v})")));
            }
        }
        Ty::DateTime => {
            let ok = v
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
            if !ok {
                return Err(refuse(
                    &shown(),
                    format!("must be an ISO 8601 date-time (got {v})"),
                ));
            }
        }
        Ty::Decimal => {
            let ok = v.as_str().is_some_and(|s| {
                let s = s.strip_prefix('-').unwrap_or(s);
                let mut parts = s.splitn(2, '.');
                let int = parts.next().unwrap_or_default();
                let frac = parts.next();
                !int.is_empty()
                    && int.bytes().all(|b| b.is_ascii_digit())
                    && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
            });
            if !ok {
                return Err(refuse(
                    &shown(),
                    format!("must be a decimal number written as a string (got {v})"),
                ));
            }
        }
        Ty::AnyObj => {
            if !v.is_object() {
                return Err(refuse(&shown(), format!("must be an object (got {v})")));
            }
        }
        Ty::Arr(item, max) => {
            let items = v
                .as_array()
                .ok_or_else(|| refuse(&shown(), format!("must be an array (got {v})")))?;
            if let Some(max) = max
                && items.len() > *max
            {
                return Err(refuse(&shown(), format!("must have at most {max} entries")));
            }
            for (i, x) in items.iter().enumerate() {
                check(item, x, &format!("{at}[{i}]"))?;
            }
        }
        Ty::Obj(fields) => {
            let obj = v.as_object().ok_or_else(|| {
                refuse(
                    if at.is_empty() { "body" } else { at },
                    format!("must be an object (got {v})"),
                )
            })?;
            for Field(name, ty, required) in fields.iter() {
                match obj.get(*name) {
                    Some(x) => check(ty, x, &join(at, name))?,
                    None if *required => {
                        return Err(refuse(&join(at, name), "is required"));
                    }
                    None => {}
                }
            }
            if let Some(k) = obj
                .keys()
                .find(|k| !fields.iter().any(|Field(n, _, _)| n == k))
            {
                return Err(refuse(&join(at, k), "is not a field of this request"));
            }
        }
    }
    Ok(())
}

/// The `sellerFulfillmentOrderId` of a new order: no character that does not survive an
/// SP-API path, no control character, ISO 8859-1 only.
pub(crate) fn check_order_id(id: &str) -> Result<(), Refusal> {
    if id.trim().is_empty() {
        return Err(refuse("sellerFulfillmentOrderId", "must not be empty"));
    }
    if let Some(c) = id.chars().find(|c| {
        matches!(c, '/' | '#' | '+' | '?' | '%' | '\\') || c.is_control() || (*c as u32) > 0xFF
    }) {
        return Err(refuse(
            "sellerFulfillmentOrderId",
            format!("contains {c:?}, which is not allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The official models, from `$ERP_SHARED_DIR/reference/amazon/` or the `shared/` folder
    /// beside the workspace; `None` (with `SKIPPED:`) when absent, a failure under `CI=true`.
    fn model(name: &str) -> Option<Value> {
        let base = match std::env::var("ERP_SHARED_DIR") {
            Ok(d) => std::path::PathBuf::from(d),
            Err(_) => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        };
        let path = base.join("reference/amazon").join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(serde_json::from_str(&text).expect("model is JSON")),
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true: the simulator's schema check needs {} ({e})",
                    path.display()
                );
                println!(
                    "SKIPPED: simulator schema vs model ({}: {e})",
                    path.display()
                );
                None
            }
        }
    }

    /// Compares one of our types with the model's schema at `at`: same properties, same
    /// required ones, same enums and lengths, compatible JSON types.
    fn compare(defs: &Value, ty: &Ty, schema: &Value, at: &str, out: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let def = &defs[r.trim_start_matches("#/definitions/")];
            return compare(defs, ty, def, at, out);
        }
        let model_type = schema["type"].as_str().unwrap_or("");
        match ty {
            Ty::Str(max) => {
                if model_type != "string" {
                    out.push(format!("{at}: string here, {model_type} in the model"));
                }
                if schema.get("enum").is_some() {
                    out.push(format!("{at}: the model has an enum"));
                }
                let model_max = schema["maxLength"].as_u64().map(|m| m as usize);
                if *max != model_max {
                    out.push(format!(
                        "{at}: maxLength {max:?} here, {model_max:?} in the model"
                    ));
                }
            }
            Ty::Enum(values) => {
                let model: Vec<&str> = schema["enum"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if model != *values {
                    out.push(format!(
                        "{at}: enum {values:?} here, {model:?} in the model"
                    ));
                }
            }
            Ty::Int(_) if model_type != "integer" => {
                out.push(format!("{at}: integer here, {model_type} in the model"))
            }
            Ty::Bool if model_type != "boolean" => {
                out.push(format!("{at}: boolean here, {model_type} in the model"))
            }
            Ty::DateTime | Ty::Decimal if model_type != "string" => {
                out.push(format!("{at}: string here, {model_type} in the model"))
            }
            Ty::AnyObj if model_type != "object" => {
                out.push(format!("{at}: object here, {model_type} in the model"))
            }
            Ty::Arr(item, _) => {
                if model_type != "array" {
                    out.push(format!("{at}: array here, {model_type} in the model"));
                }
                compare(defs, item, &schema["items"], &format!("{at}[]"), out);
            }
            Ty::Obj(fields) => {
                let props = schema["properties"].as_object();
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for Field(name, ty, req) in fields.iter() {
                    match props.and_then(|p| p.get(*name)) {
                        Some(s) => compare(defs, ty, s, &format!("{at}.{name}"), out),
                        None => out.push(format!("{at}.{name}: not in the model")),
                    }
                    // Stricter than the model only where documented: the status update's
                    // status and addInventory's items are what those calls are for.
                    let stricter =
                        *req && matches!(*name, "fulfillmentOrderStatus" | "inventoryItems");
                    if *req != required.contains(name) && !stricter {
                        out.push(format!(
                            "{at}.{name}: required {req} here, not in the model"
                        ));
                    }
                }
                for name in props.into_iter().flat_map(|p| p.keys()) {
                    if !fields.iter().any(|Field(n, _, _)| n == name) {
                        out.push(format!("{at}.{name}: in the model, not here"));
                    }
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_request_schemas_match_the_official_models() {
        let (Some(outbound), Some(inventory)) = (
            model("fulfillmentOutbound_2020-07-01.json"),
            model("fbaInventory.json"),
        ) else {
            return;
        };
        let mut out = Vec::new();
        for (ty, def) in [
            (&CREATE_ORDER, "CreateFulfillmentOrderRequest"),
            (&UPDATE_ORDER, "UpdateFulfillmentOrderRequest"),
            (&PREVIEW, "GetFulfillmentPreviewRequest"),
            (&DELIVERY_OFFERS, "GetDeliveryOffersRequest"),
            (&CREATE_RETURN, "CreateFulfillmentReturnRequest"),
            (&STATUS_UPDATE, "SubmitFulfillmentOrderStatusUpdateRequest"),
        ] {
            let defs = &outbound["definitions"];
            compare(defs, ty, &defs[def], def, &mut out);
        }
        for (ty, def) in [
            (&CREATE_ITEM, "CreateInventoryItemRequest"),
            (&ADD_INVENTORY, "AddInventoryRequest"),
        ] {
            let defs = &inventory["definitions"];
            compare(defs, ty, &defs[def], def, &mut out);
        }
        assert!(out.is_empty(), "{out:#?}");
    }

    #[test]
    fn wrong_types_and_values_are_refused_with_their_path() {
        let body = json!({"items": [{"sellerFulfillmentOrderItemId": "1", "quantity": "2"}]});
        assert_eq!(
            check(&UPDATE_ORDER, &body, ""),
            Err(refuse(
                "items[0].quantity",
                "must be a 32-bit integer (got \"2\")"
            ))
        );
        let body = json!({"items": [{"sellerFulfillmentOrderItemId": "1", "quantity": 0}]});
        assert_eq!(
            check(&UPDATE_ORDER, &body, "").unwrap_err().field,
            "items[0].quantity"
        );
        let body = json!({"items": [{"sellerFulfillmentOrderItemId": "1", "quantity": 3_000_000_000_i64}]});
        assert!(check(&UPDATE_ORDER, &body, "").is_err());
        let body = json!({"shippingSpeedCategory": "Warp"});
        assert_eq!(
            check(&UPDATE_ORDER, &body, "").unwrap_err().field,
            "shippingSpeedCategory"
        );
        let body = json!({"featureConstraints": [{"featureName": "BLANK_BOX", "featureFulfillmentPolicy": "Sometimes"}]});
        assert_eq!(
            check(&UPDATE_ORDER, &body, "").unwrap_err().field,
            "featureConstraints[0].featureFulfillmentPolicy"
        );
        let body = json!({"fulfilmentAction": "Ship"});
        assert_eq!(
            check(&UPDATE_ORDER, &body, "").unwrap_err().field,
            "fulfilmentAction"
        );
        assert!(check(&UPDATE_ORDER, &json!([]), "").is_err());
        assert!(check(&MONEY, &json!({"currencyCode": "USD", "value": 1.5}), "m").is_err());
        assert!(check(&MONEY, &json!({"currencyCode": "USD", "value": "1e3"}), "m").is_err());
        check(
            &MONEY,
            &json!({"currencyCode": "USD", "value": "-1.50"}),
            "m",
        )
        .unwrap();
        check(&UPDATE_ORDER, &json!({}), "").unwrap();
    }

    #[test]
    fn order_ids_with_path_characters_are_refused() {
        for bad in ["A/B", "A#B", "A+B", "A?B", "A%B", "A\\B", "A\nB", "Ā", " "] {
            assert!(check_order_id(bad).is_err(), "{bad:?}");
        }
        check_order_id("ERP-1 x_y.z").unwrap();
    }
}
