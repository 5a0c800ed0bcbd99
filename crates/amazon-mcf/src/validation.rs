//! Client-side checks of MCF requests, run before anything is sent (Amazon answers most of
//! these with an opaque 400 `InvalidInput`). Every error names the field path and the rule.

use std::collections::HashSet;

use connector_core::Error;
use connector_core::validate::{count_between, email, field, max_chars, required};

use crate::model::outbound::{
    CreateFulfillmentOrderRequest, CreateFulfillmentReturnRequest, DeliveryPreferences,
    FeatureSettings, FulfillmentAction, FulfillmentPolicy, GetFulfillmentPreviewRequest,
    ShippingSpeedCategory, UpdateFulfillmentOrderRequest,
};
use crate::model::{Address, AmazonMoney};

/// Most lines per order.
pub const MAX_LINES: usize = 100;
/// Most units per order.
pub const MAX_UNITS: u64 = 250;
/// The India marketplace, where an order needs `paymentInformation` and a
/// `perUnitDeclaredValue` on every line (FO20 `CreateFulfillmentOrderRequest`).
pub const INDIA_MARKETPLACE_ID: &str = "A21TJRUUN4KGV";

/// Checks a `sellerFulfillmentOrderId` you are about to create: 1 to 40 characters, none of
/// the characters that do not survive a round trip through SP-API paths (`+`, `#`, `/`, `\`,
/// `%`, `?`), no control characters, no leading/trailing or doubled spaces, ISO 8859-1 only.
/// The id must be fetchable later with `getFulfillmentOrder`.
pub fn seller_fulfillment_order_id(f: &str, id: &str) -> Result<(), Error> {
    required(f, id)?;
    max_chars(f, id, 40)?;
    if let Some(c) = id.chars().find(|c| {
        matches!(c, '+' | '#' | '/' | '\\' | '%' | '?') || c.is_control() || (*c as u32) > 0xFF
    }) {
        return Err(Error::invalid(
            f,
            format!(
                "must not contain {c:?} (it does not round-trip through SP-API paths; use letters, digits, `-`, `_`, `.`)"
            ),
        ));
    }
    if id.trim() != id {
        return Err(Error::invalid(f, "must not start or end with white space"));
    }
    if id.contains("  ") {
        return Err(Error::invalid(f, "must not contain two spaces in a row"));
    }
    Ok(())
}

/// Checks an id used in a path to look an order up: 1 to 40 characters.
pub fn order_id_for_lookup(id: &str) -> Result<(), Error> {
    required("sellerFulfillmentOrderId", id)?;
    max_chars("sellerFulfillmentOrderId", id, 40)
}

fn displayable_order_id(f: &str, v: &str) -> Result<(), Error> {
    required(f, v)?;
    max_chars(f, v, 40)?;
    if let Some(c) = v.chars().find(|c| (*c as u32) > 0xFF || c.is_control()) {
        return Err(Error::invalid(
            f,
            format!("must be ISO 8859-1 text (found {c:?})"),
        ));
    }
    if v.contains("  ") {
        return Err(Error::invalid(f, "must not contain two spaces in a row"));
    }
    Ok(())
}

/// Checks an `Address`.
pub fn address(prefix: &str, a: &Address) -> Result<(), Error> {
    let p = |n: &str| format!("{prefix}.{n}");
    required(&p("name"), &a.name)?;
    required(&p("addressLine1"), &a.address_line1)?;
    required(&p("postalCode"), &a.postal_code)?;
    required(&p("countryCode"), &a.country_code)?;
    if a.country_code.len() != 2 || !a.country_code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid(
            p("countryCode"),
            "must be an ISO 3166-1 alpha-2 code in capitals (e.g. `US`)",
        ));
    }
    let city = a.city.as_deref().map(str::trim).filter(|c| !c.is_empty());
    match (a.country_code.as_str(), city) {
        ("JP", Some(_)) => {
            return Err(Error::invalid(
                p("city"),
                "must not be used for Japan (put the city in stateOrRegion/addressLine1)",
            ));
        }
        ("JP", None) => {}
        (_, None) => {
            return Err(Error::invalid(
                p("city"),
                "is required in every country except Japan",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// An ISO 3166-1 alpha-2 code (`shipFromCountryCode`, `countryCode`).
fn country_code(f: &str, v: &str) -> Result<(), Error> {
    if v.len() != 2 || !v.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid(
            f,
            "must be an ISO 3166-1 alpha-2 code in capitals (e.g. `US`)",
        ));
    }
    Ok(())
}

fn money(f: &str, m: &AmazonMoney) -> Result<(), Error> {
    if m.currency_code.len() != 3 || !m.currency_code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid(
            format!("{f}.currencyCode"),
            "must be an ISO 4217 code in capitals",
        ));
    }
    if m.value.is_sign_negative() {
        return Err(Error::invalid(format!("{f}.value"), "must not be negative"));
    }
    Ok(())
}

fn units<'a>(f: &str, quantities: impl Iterator<Item = (usize, u32)> + 'a) -> Result<(), Error> {
    let mut total: u64 = 0;
    for (i, q) in quantities {
        if q == 0 {
            return Err(Error::invalid(
                field(f, i, "quantity"),
                "must be at least 1",
            ));
        }
        total += u64::from(q);
    }
    if total > MAX_UNITS {
        return Err(Error::invalid(
            f,
            format!("must have at most {MAX_UNITS} units per order (got {total})"),
        ));
    }
    Ok(())
}

fn unique_line_ids<'a>(f: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        let name = field(f, i, "sellerFulfillmentOrderItemId");
        required(&name, id)?;
        max_chars(&name, id, 50)?;
        if !seen.insert(id) {
            return Err(Error::invalid(
                name,
                format!("must be unique in the order (`{id}` repeats)"),
            ));
        }
    }
    Ok(())
}

/// Refuses an unknown `featureFulfillmentPolicy` and an empty `featureName`.
fn feature_constraints(list: &[FeatureSettings]) -> Result<(), Error> {
    for (i, c) in list.iter().enumerate() {
        if let Some(name) = &c.feature_name {
            required(&field("featureConstraints", i, "featureName"), name)?;
        }
        if let Some(p) = &c.feature_fulfillment_policy {
            p.check_known(&field("featureConstraints", i, "featureFulfillmentPolicy"))?;
        }
    }
    Ok(())
}

/// `fulfillmentAction` and `fulfillmentPolicy`, when set, must be values of the model.
fn action_and_policy(
    action: Option<&FulfillmentAction>,
    policy: Option<&FulfillmentPolicy>,
) -> Result<(), Error> {
    if let Some(a) = action {
        a.check_known("fulfillmentAction")?;
    }
    if let Some(p) = policy {
        p.check_known("fulfillmentPolicy")?;
    }
    Ok(())
}

fn delivery_preferences(p: &DeliveryPreferences) -> Result<(), Error> {
    if let Some(text) = &p.delivery_instructions {
        max_chars("deliveryPreferences.deliveryInstructions", text, 250)?;
    }
    if let Some(d) = &p.drop_off_location {
        d.kind
            .check_known("deliveryPreferences.dropOffLocation.type")?;
    }
    Ok(())
}

/// Checks a `CreateFulfillmentOrderRequest`.
pub fn create_order(r: &CreateFulfillmentOrderRequest) -> Result<(), Error> {
    seller_fulfillment_order_id("sellerFulfillmentOrderId", &r.seller_fulfillment_order_id)?;
    displayable_order_id("displayableOrderId", &r.displayable_order_id)?;
    required("displayableOrderComment", &r.displayable_order_comment)?;
    max_chars("displayableOrderComment", &r.displayable_order_comment, 750)?;
    r.shipping_speed_category
        .check_known("shippingSpeedCategory")?;
    action_and_policy(r.fulfillment_action.as_ref(), r.fulfillment_policy.as_ref())?;
    feature_constraints(&r.feature_constraints)?;
    address("destinationAddress", &r.destination_address)?;
    count_between("items", &r.items, 1, MAX_LINES)?;
    unique_line_ids(
        "items",
        r.items
            .iter()
            .map(|i| i.seller_fulfillment_order_item_id.as_str()),
    )?;
    units("items", r.items.iter().map(|i| i.quantity).enumerate())?;
    for (i, item) in r.items.iter().enumerate() {
        required(&field("items", i, "sellerSku"), &item.seller_sku)?;
        max_chars(&field("items", i, "sellerSku"), &item.seller_sku, 50)?;
        if let Some(g) = &item.gift_message {
            max_chars(&field("items", i, "giftMessage"), g, 512)?;
        }
        if let Some(c) = &item.displayable_comment {
            max_chars(&field("items", i, "displayableComment"), c, 250)?;
        }
        for (name, m) in [
            ("perUnitDeclaredValue", &item.per_unit_declared_value),
            ("perUnitPrice", &item.per_unit_price),
            ("perUnitTax", &item.per_unit_tax),
        ] {
            if let Some(m) = m {
                money(&field("items", i, name), m)?;
            }
        }
    }
    if let Some(p) = &r.delivery_preferences {
        delivery_preferences(p)?;
    }
    for (i, e) in r.notification_emails.iter().enumerate() {
        let f = format!("notificationEmails[{i}]");
        max_chars(&f, e, 64)?;
        email(&f, e)?;
    }
    if r.shipping_speed_category == ShippingSpeedCategory::ScheduledDelivery {
        if r.destination_address.country_code != "JP" {
            return Err(Error::invalid(
                "shippingSpeedCategory",
                "ScheduledDelivery is available only for Japan",
            ));
        }
        if r.fulfillment_action == Some(FulfillmentAction::Hold) {
            return Err(Error::invalid(
                "fulfillmentAction",
                "must be Ship (not Hold) with ScheduledDelivery",
            ));
        }
        match &r.delivery_window {
            None => {
                return Err(Error::invalid(
                    "deliveryWindow",
                    "is required with ScheduledDelivery",
                ));
            }
            Some(w) if w.end_date <= w.start_date => {
                return Err(Error::invalid(
                    "deliveryWindow.endDate",
                    "must be after startDate",
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(cc) = &r.ship_from_country_code {
        country_code("shipFromCountryCode", cc)?;
    }
    for (i, p) in r.payment_information.iter().enumerate() {
        required(
            &field("paymentInformation", i, "paymentTransactionId"),
            &p.payment_transaction_id,
        )?;
        required(
            &field("paymentInformation", i, "paymentMode"),
            &p.payment_mode,
        )?;
    }
    if r.marketplace_id.as_deref() == Some(INDIA_MARKETPLACE_ID) {
        if r.payment_information.is_empty() {
            return Err(Error::invalid(
                "paymentInformation",
                "is required for orders in the India marketplace",
            ));
        }
        if let Some(i) = r
            .items
            .iter()
            .position(|i| i.per_unit_declared_value.is_none())
        {
            return Err(Error::invalid(
                field("items", i, "perUnitDeclaredValue"),
                "is required for orders in the India marketplace",
            ));
        }
    }
    if let Some(cod) = &r.cod_settings {
        for (name, m) in [
            ("codCharge", &cod.cod_charge),
            ("codChargeTax", &cod.cod_charge_tax),
            ("shippingCharge", &cod.shipping_charge),
            ("shippingChargeTax", &cod.shipping_charge_tax),
        ] {
            if let Some(m) = m {
                money(&format!("codSettings.{name}"), m)?;
            }
        }
    }
    Ok(())
}

/// Checks a `GetFulfillmentPreviewRequest`.
pub fn preview(r: &GetFulfillmentPreviewRequest) -> Result<(), Error> {
    for (i, s) in r.shipping_speed_categories.iter().enumerate() {
        s.check_known(&format!("shippingSpeedCategories[{i}]"))?;
    }
    feature_constraints(&r.feature_constraints)?;
    address("address", &r.address)?;
    count_between("items", &r.items, 1, MAX_LINES)?;
    unique_line_ids(
        "items",
        r.items
            .iter()
            .map(|i| i.seller_fulfillment_order_item_id.as_str()),
    )?;
    units("items", r.items.iter().map(|i| i.quantity).enumerate())?;
    for (i, item) in r.items.iter().enumerate() {
        required(&field("items", i, "sellerSku"), &item.seller_sku)?;
        max_chars(&field("items", i, "sellerSku"), &item.seller_sku, 50)?;
        if let Some(m) = &item.per_unit_declared_value {
            money(&field("items", i, "perUnitDeclaredValue"), m)?;
        }
    }
    Ok(())
}

/// Checks an `UpdateFulfillmentOrderRequest`.
pub fn update_order(r: &UpdateFulfillmentOrderRequest) -> Result<(), Error> {
    if let Some(s) = &r.shipping_speed_category {
        s.check_known("shippingSpeedCategory")?;
    }
    action_and_policy(r.fulfillment_action.as_ref(), r.fulfillment_policy.as_ref())?;
    feature_constraints(&r.feature_constraints)?;
    if let Some(v) = &r.displayable_order_id {
        displayable_order_id("displayableOrderId", v)?;
    }
    if let Some(v) = &r.displayable_order_comment {
        max_chars("displayableOrderComment", v, 750)?;
    }
    if let Some(a) = &r.destination_address {
        address("destinationAddress", a)?;
    }
    if !r.items.is_empty() {
        count_between("items", &r.items, 1, MAX_LINES)?;
        unique_line_ids(
            "items",
            r.items
                .iter()
                .map(|i| i.seller_fulfillment_order_item_id.as_str()),
        )?;
        units("items", r.items.iter().map(|i| i.quantity).enumerate())?;
        for (i, item) in r.items.iter().enumerate() {
            if let Some(g) = &item.gift_message {
                max_chars(&field("items", i, "giftMessage"), g, 512)?;
            }
            if let Some(c) = &item.displayable_comment {
                max_chars(&field("items", i, "displayableComment"), c, 250)?;
            }
            for (name, m) in [
                ("perUnitDeclaredValue", &item.per_unit_declared_value),
                ("perUnitPrice", &item.per_unit_price),
                ("perUnitTax", &item.per_unit_tax),
            ] {
                if let Some(m) = m {
                    money(&field("items", i, name), m)?;
                }
            }
        }
    }
    if let Some(cc) = &r.ship_from_country_code {
        country_code("shipFromCountryCode", cc)?;
    }
    if r.shipping_speed_category == Some(ShippingSpeedCategory::ScheduledDelivery)
        && r.fulfillment_action == Some(FulfillmentAction::Hold)
    {
        return Err(Error::invalid(
            "fulfillmentAction",
            "must be Ship (not Hold) with ScheduledDelivery",
        ));
    }
    for (i, e) in r.notification_emails.iter().enumerate() {
        let f = format!("notificationEmails[{i}]");
        max_chars(&f, e, 64)?;
        email(&f, e)?;
    }
    Ok(())
}

/// Checks a `CreateFulfillmentReturnRequest`.
pub fn create_return(r: &CreateFulfillmentReturnRequest) -> Result<(), Error> {
    count_between("items", &r.items, 1, usize::MAX)?;
    for (i, item) in r.items.iter().enumerate() {
        required(
            &field("items", i, "sellerReturnItemId"),
            &item.seller_return_item_id,
        )?;
        max_chars(
            &field("items", i, "sellerReturnItemId"),
            &item.seller_return_item_id,
            80,
        )?;
        required(
            &field("items", i, "sellerFulfillmentOrderItemId"),
            &item.seller_fulfillment_order_item_id,
        )?;
        required(
            &field("items", i, "amazonShipmentId"),
            &item.amazon_shipment_id,
        )?;
        required(
            &field("items", i, "returnReasonCode"),
            &item.return_reason_code,
        )?;
        if let Some(c) = &item.return_comment {
            max_chars(&field("items", i, "returnComment"), c, 1000)?;
        }
    }
    Ok(())
}
