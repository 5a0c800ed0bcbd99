//! Fulfillment Outbound `2020-07-01` handlers: preview, delivery offers, orders (create,
//! get, list, update, cancel, status), returns, tracking, features.

use super::*;

pub(super) async fn preview(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getFulfillmentPreview"));
    let req = or_return!(sim.body(&body, &schema::PREVIEW));
    let items = match lines_with_sku(&req) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let marketplace = match check_city("address", &req)
        .and_then(|()| check_units(&items))
        .and_then(|()| marketplace_of(&req))
    {
        Ok(m) => m,
        Err(r) => return sim.refuse(r),
    };
    let currency = currency_for(&marketplace);
    // Checked against the schema: every entry is a known speed.
    let speeds: Vec<String> = req
        .get("shippingSpeedCategories")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| vec!["Standard".into(), "Expedited".into(), "Priority".into()]);
    let d = lock(&sim.inner.data);
    let mut unfulfillable = Vec::new();
    let mut fulfillable_items = Vec::new();
    let mut units = 0i64;
    for (sku, id, qty) in &items {
        units += qty;
        match d.inventory.get(sku) {
            Some(i) if i.fulfillable >= *qty => fulfillable_items.push(json!({
                "sellerSku": sku,
                "quantity": qty,
                "sellerFulfillmentOrderItemId": id,
                "estimatedShippingWeight": {"unit": "POUNDS", "value": "0.55"},
                "shippingWeightCalculationMethod": "Package"
            })),
            Some(_) => unfulfillable.push(json!({
                "sellerSku": sku, "quantity": qty, "sellerFulfillmentOrderItemId": id,
                "itemUnfulfillableReasons": ["InventoryUnavailable"]
            })),
            None => unfulfillable.push(json!({
                "sellerSku": sku, "quantity": qty, "sellerFulfillmentOrderItemId": id,
                "itemUnfulfillableReasons": ["InvalidSKU"]
            })),
        }
    }
    drop(d);
    let previews: Vec<Value> = speeds
        .iter()
        .map(|speed| {
            let (ship, arrive, per_order) = match speed.as_str() {
                "Priority" => (0, 1, "7.99"),
                "Expedited" => (1, 3, "4.99"),
                _ => (1, 5, "2.99"),
            };
            json!({
                "shippingSpeedCategory": speed,
                "isFulfillable": unfulfillable.is_empty(),
                "isCODCapable": false,
                "marketplaceId": marketplace,
                "estimatedShippingWeight": {"unit": "POUNDS", "value": format!("{}.{:02}", 55 * units.max(0) / 100, 55 * units.max(0) % 100)},
                "estimatedFees": [
                    {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": currency, "value": format!("{}.{:02}", 322 * units.max(0) / 100, 322 * units.max(0) % 100)}},
                    {"name": "FBAPerOrderFulfillmentFee", "amount": {"currencyCode": currency, "value": per_order}}
                ],
                "fulfillmentPreviewShipments": if fulfillable_items.is_empty() { json!([]) } else { json!([{
                    "earliestShipDate": in_days(ship),
                    "latestShipDate": in_days(ship + 1),
                    "earliestArrivalDate": in_days(arrive),
                    "latestArrivalDate": in_days(arrive + 2),
                    "shippingNotes": [],
                    "fulfillmentPreviewItems": fulfillable_items
                }]) },
                "unfulfillablePreviewItems": unfulfillable,
                "orderUnfulfillableReasons": []
            })
        })
        .collect();
    sim.ok(json!({"payload": {"fulfillmentPreviews": previews}}))
}

pub(super) async fn delivery_offers(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "deliveryOffers"));
    let req = or_return!(sim.body(&body, &schema::DELIVERY_OFFERS));
    let Some(sku) = req
        .pointer("/product/productIdentifier/merchantSku")
        .and_then(Value::as_str)
    else {
        return sim.internal("merchantSku");
    };
    let destination = &req["terms"]["destination"];
    if destination.get("deliveryAddress").is_none() && destination.get("ipAddress").is_none() {
        return sim.refuse(Refusal {
            field: "terms.destination".into(),
            problem: "needs a deliveryAddress or an ipAddress".into(),
        });
    }
    if !lock(&sim.inner.data).inventory.contains_key(sku) {
        return sim.ok(json!({"payload": {"deliveryOffers": []}}));
    }
    sim.ok(json!({"payload": {"deliveryOffers": [{
        "expiresAt": in_days(1),
        "dateRange": {"earliest": in_days(2), "latest": in_days(4)},
        "policy": {"message": {"text": "Get it in 2 to 4 days", "locale": "en-US"}}
    }]}}))
}

pub(super) async fn create_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "createFulfillmentOrder"));
    let req = or_return!(sim.body(&body, &schema::CREATE_ORDER));
    let (Some(id), Ok(items)) = (
        opt_str(&req, "sellerFulfillmentOrderId").map(str::to_string),
        lines_with_sku(&req),
    ) else {
        return sim.internal("create body");
    };
    if let Err(r) = schema::check_order_id(&id)
        .and_then(|()| check_city("destinationAddress", &req))
        .and_then(|()| check_units(&items))
        .and_then(|()| marketplace_of(&req).map(|_| ()))
    {
        return sim.refuse(r);
    }
    let mut d = lock(&sim.inner.data);
    if d.orders.contains_key(&id) {
        return sim.invalid(&format!(
            "A fulfillment order with sellerFulfillmentOrderId {id} already exists"
        ));
    }
    for (sku, line, qty) in &items {
        match d.inventory.get(sku) {
            None => {
                return sim.invalid(&format!("The SellerSKU for Item Id {line} is invalid"));
            }
            Some(i) if i.fulfillable < *qty => {
                return sim.invalid(&format!(
                    "Not enough fulfillable inventory for SellerSKU {sku}"
                ));
            }
            Some(_) => {}
        }
    }
    for (sku, _, qty) in &items {
        if let Some(i) = d.inventory.get_mut(sku) {
            i.fulfillable -= qty;
            i.reserved += qty;
            i.updated = now();
        }
    }
    d.seq += 1;
    let seq = d.seq;
    d.orders.insert(
        id,
        SimOrder {
            seq,
            request: req,
            status: "Received".into(),
            received: now(),
            updated: now(),
            shipments: Vec::new(),
        },
    );
    drop(d);
    if sim.inner.drop_next_create.swap(false, Ordering::SeqCst) {
        let stream = futures::stream::iter(vec![
            Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "simulated lost answer",
            )),
        ]);
        return Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    sim.ok(json!({}))
}

pub(super) fn order_json(o: &SimOrder) -> Value {
    let r = &o.request;
    let mut order = json!({
        "sellerFulfillmentOrderId": r["sellerFulfillmentOrderId"],
        "marketplaceId": opt_str(r, "marketplaceId").unwrap_or(MARKETPLACE_ID),
        "displayableOrderId": r["displayableOrderId"],
        "displayableOrderDate": r["displayableOrderDate"],
        "displayableOrderComment": r["displayableOrderComment"],
        "shippingSpeedCategory": r["shippingSpeedCategory"],
        "destinationAddress": r["destinationAddress"],
        "fulfillmentAction": r.get("fulfillmentAction").cloned().unwrap_or(json!("Ship")),
        "fulfillmentPolicy": r.get("fulfillmentPolicy").cloned().unwrap_or(json!("FillOrKill")),
        "receivedDate": o.received,
        "fulfillmentOrderStatus": o.status,
        "statusUpdatedDate": o.updated,
        "notificationEmails": r.get("notificationEmails").cloned().unwrap_or(json!([]))
    });
    for k in ["deliveryWindow", "codSettings", "featureConstraints"] {
        if let Some(v) = r.get(k) {
            order[k] = v.clone();
        }
    }
    order
}

/// `GetFulfillmentOrderResult` of an order (its stored body was checked at create/update).
pub(super) fn order_detail(o: &SimOrder) -> Result<Value, String> {
    let cancelled = o.status == "Cancelled";
    let stored = o
        .request
        .get("items")
        .and_then(Value::as_array)
        .ok_or("order without items")?;
    let mut items = Vec::new();
    for i in stored {
        let qty = i
            .get("quantity")
            .and_then(Value::as_i64)
            .ok_or("line without an integer quantity")?;
        let mut item = json!({
            "sellerSku": i["sellerSku"],
            "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
            "quantity": qty,
            "fulfillmentNetworkSku": "X00SIMFNSKU",
            "orderItemDisposition": "Sellable",
            "cancelledQuantity": if cancelled { qty } else { 0 },
            "unfulfillableQuantity": 0,
            "estimatedShipDate": in_days(1),
            "estimatedArrivalDate": in_days(5)
        });
        for k in [
            "giftMessage",
            "displayableComment",
            "perUnitDeclaredValue",
            "perUnitPrice",
            "perUnitTax",
        ] {
            if let Some(v) = i.get(k) {
                item[k] = v.clone();
            }
        }
        items.push(item);
    }
    let mut payload = json!({
        "fulfillmentOrder": order_json(o),
        "fulfillmentOrderItems": items,
        "fulfillmentShipments": o.shipments,
        "returnItems": [],
        "returnAuthorizations": []
    });
    if let Some(p) = o.request.get("paymentInformation") {
        payload["paymentInformation"] = p.clone();
    }
    Ok(json!({ "payload": payload }))
}

pub(super) async fn get_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getFulfillmentOrder"));
    let d = lock(&sim.inner.data);
    match d.orders.get(&id) {
        Some(o) => match order_detail(o) {
            Ok(detail) => sim.ok(detail),
            Err(e) => sim.internal(&e),
        },
        None => sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        ),
    }
}

pub(super) fn page_token(offset: usize) -> String {
    // Real tokens are opaque base64 with `+`, `/` and `=`: clients must encode them.
    format!("c2lt+{offset}/page==")
}

pub(super) fn parse_token(token: &str) -> Option<usize> {
    token
        .strip_prefix("c2lt+")?
        .strip_suffix("/page==")?
        .parse()
        .ok()
}

/// The `nextToken` query parameter as an offset (0 without one).
#[allow(clippy::result_large_err)]
fn query_offset(sim: &Op, q: &HashMap<String, String>) -> Result<usize, Response> {
    match q.get("nextToken") {
        None => Ok(0),
        Some(t) => parse_token(t).ok_or_else(|| sim.invalid("Next token is invalid or expired")),
    }
}

pub(super) async fn list_orders(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "listAllFulfillmentOrders"));
    let offset = or_return!(query_offset(&sim, &q));
    let since = or_return!(sim.query_date(
        &q,
        "queryStartDate",
        "queryStartDate must be an ISO 8601 date-time",
    ));
    let d = lock(&sim.inner.data);
    let mut orders: Vec<&SimOrder> = d
        .orders
        .values()
        .filter(|o| changed_since(&o.updated, since))
        .collect();
    orders.sort_by_key(|o| o.seq);
    let (page, next) = sim.page(&orders, offset);
    let page: Vec<Value> = page.into_iter().map(order_json).collect();
    let mut payload = json!({"fulfillmentOrders": page});
    if let Some(next) = next {
        payload["nextToken"] = json!(page_token(next));
    }
    sim.ok(json!({"payload": payload}))
}

pub(super) async fn update_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "updateFulfillmentOrder"));
    let req = or_return!(sim.body(&body, &schema::UPDATE_ORDER));
    if let Err(r) = check_city("destinationAddress", &req) {
        return sim.refuse(r);
    }
    let requested = match items_of(&req) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let mut d = lock(&sim.inner.data);
    let Data {
        orders, inventory, ..
    } = &mut *d;
    let Some(o) = orders.get_mut(&id) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    if !matches!(o.status.as_str(), "New" | "Received" | "Planning") {
        return sim.invalid(&format!(
            "Order {id} is {} and can no longer be updated",
            o.status
        ));
    }
    // Line changes (`sellerFulfillmentOrderItemId` + new `quantity`): all checked first, then
    // applied together, moving the difference between fulfillable and reserved stock.
    let current = match lines_with_sku(&o.request) {
        Ok(items) => items,
        Err(e) => return sim.internal(&e),
    };
    let mut changes = Vec::new();
    let mut units: i64 = current.iter().map(|(_, _, q)| q).sum();
    for Line {
        line,
        quantity: qty,
        ..
    } in requested
    {
        let Some((pos, (sku, _, old))) =
            current.iter().enumerate().find(|(_, (_, l, _))| *l == line)
        else {
            return sim.invalid(&format!(
                "sellerFulfillmentOrderItemId {line} is not in order {id}"
            ));
        };
        let delta = qty - old;
        units += delta;
        if inventory.get(sku).is_none_or(|i| i.fulfillable < delta) {
            return sim.invalid(&format!(
                "Not enough fulfillable inventory for SellerSKU {sku}"
            ));
        }
        changes.push((pos, sku.clone(), qty, delta));
    }
    if units > 250 {
        return sim.refuse(Refusal {
            field: "items".into(),
            problem: format!("a maximum of 250 units per order (got {units})"),
        });
    }
    for (pos, sku, qty, delta) in changes {
        if let Some(i) = inventory.get_mut(&sku) {
            i.fulfillable -= delta;
            i.reserved += delta;
            i.updated = now();
        }
        if let Some(line) = o.request["items"].get_mut(pos) {
            line["quantity"] = json!(qty);
        }
    }
    if let (Some(target), Some(src)) = (o.request.as_object_mut(), req.as_object()) {
        for (k, v) in src {
            if k != "items" {
                target.insert(k.clone(), v.clone());
            }
        }
    }
    o.updated = now();
    sim.ok(json!({}))
}

/// Gives an order's reserved units back to fulfillable stock.
pub(super) fn release(d: &mut Data, id: &str) -> Result<(), String> {
    let items = match d.orders.get(id) {
        Some(o) => lines_with_sku(&o.request)?,
        None => return Ok(()),
    };
    for (sku, _, qty) in items {
        if let Some(i) = d.inventory.get_mut(&sku) {
            i.reserved -= qty;
            i.fulfillable += qty;
            i.updated = now();
        }
    }
    Ok(())
}

pub(super) async fn cancel_order(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "cancelFulfillmentOrder"));
    let mut d = lock(&sim.inner.data);
    let Some(status) = d.orders.get(&id).map(|o| o.status.clone()) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    match status.as_str() {
        "Cancelled" => sim.ok(json!({})),
        "New" | "Received" | "Planning" => {
            if let Err(e) = release(&mut d, &id) {
                return sim.internal(&e);
            }
            if let Some(o) = d.orders.get_mut(&id) {
                o.status = "Cancelled".into();
                o.updated = now();
            }
            sim.ok(json!({}))
        }
        other => sim.invalid(&format!("Order {id} is {other} and cannot be cancelled")),
    }
}

pub(super) async fn status_update(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "submitFulfillmentOrderStatusUpdate"));
    let req = or_return!(sim.body(&body, &schema::STATUS_UPDATE));
    let Some(target) = opt_str(&req, "fulfillmentOrderStatus").map(str::to_string) else {
        return sim.internal("fulfillmentOrderStatus");
    };
    let mut d = lock(&sim.inner.data);
    let Some(current) = d.orders.get(&id).map(|o| o.status.clone()) else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    };
    if matches!(
        current.as_str(),
        "Complete" | "Cancelled" | "CompletePartialled" | "Unfulfillable" | "Invalid"
    ) {
        return sim.invalid(&format!("Order {id} is already {current}"));
    }
    let items = match d.orders.get(&id).map(|o| lines_with_sku(&o.request)) {
        Some(Ok(items)) => items,
        Some(Err(e)) => return sim.internal(&e),
        None => Vec::new(),
    };
    match target.as_str() {
        "Complete" => {
            let package = d.next_package;
            d.next_package += 1;
            for (sku, _, qty) in &items {
                if let Some(i) = d.inventory.get_mut(sku) {
                    i.reserved -= qty;
                    i.updated = now();
                }
            }
            let shipment = json!({
                "amazonShipmentId": format!("DSim{package}"),
                "fulfillmentCenterId": "RNO1",
                "fulfillmentShipmentStatus": "SHIPPED",
                "shippingDate": now(),
                "estimatedArrivalDate": in_days(3),
                "shippingNotes": [],
                "fulfillmentShipmentItem": items.iter().map(|(sku, line, qty)| json!({
                    "sellerSku": sku, "sellerFulfillmentOrderItemId": line, "quantity": qty, "packageNumber": package
                })).collect::<Vec<_>>(),
                "fulfillmentShipmentPackage": [{
                    "packageNumber": package,
                    "carrierCode": "UPS",
                    "trackingNumber": format!("1Z999AA1{package:010}"),
                    "estimatedArrivalDate": in_days(3)
                }]
            });
            if let Some(o) = d.orders.get_mut(&id) {
                o.shipments.push(shipment);
            }
        }
        "Cancelled" | "Unfulfillable" | "Invalid" => {
            if let Err(e) = release(&mut d, &id) {
                return sim.internal(&e);
            }
        }
        _ => {}
    }
    if let Some(o) = d.orders.get_mut(&id) {
        o.status = target;
        o.updated = now();
    }
    sim.ok(json!({}))
}

pub(super) async fn create_return(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "createFulfillmentReturn"));
    let req = or_return!(sim.body(&body, &schema::CREATE_RETURN));
    let Some(requested) = req["items"].as_array() else {
        return sim.internal("return items");
    };
    let d = lock(&sim.inner.data);
    if !d.orders.contains_key(&id) {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Requested order {id} not found"),
        );
    }
    let items: Vec<Value> = requested
        .iter()
        .map(|i| {
            json!({
                "sellerReturnItemId": i["sellerReturnItemId"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "amazonShipmentId": i["amazonShipmentId"],
                "sellerReturnReasonCode": i["returnReasonCode"],
                "status": "New",
                "statusChangedDate": now(),
                "returnAuthorizationId": "SimRA-1"
            })
        })
        .collect();
    sim.ok(json!({"payload": {
        "returnItems": items,
        "invalidReturnItems": [],
        "returnAuthorizations": [{
            "returnAuthorizationId": "SimRA-1",
            "fulfillmentCenterId": "RNO1",
            "returnToAddress": {"name": "Amazon RNO1", "addressLine1": "8000 N Virginia St", "city": "Reno", "stateOrRegion": "NV", "postalCode": "89506", "countryCode": "US"},
            "amazonRmaId": "RMA-SIM-1",
            "rmaPageURL": "https://www.amazon.com/returns/label/sim-1"
        }]
    }}))
}

pub(super) async fn tracking(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getPackageTrackingDetails"));
    let Some(number) = q.get("packageNumber").and_then(|n| n.parse::<i64>().ok()) else {
        return sim.invalid("packageNumber is required and must be an integer");
    };
    let d = lock(&sim.inner.data);
    let found = d
        .orders
        .values()
        .flat_map(|o| o.shipments.iter())
        .find_map(|s| {
            s["fulfillmentShipmentPackage"]
                .as_array()
                .and_then(|ps| {
                    ps.iter()
                        .find(|p| p["packageNumber"].as_i64() == Some(number))
                })
                .map(|p| (s.clone(), p.clone()))
        });
    let Some((shipment, package)) = found else {
        return sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Package {number} not found"),
        );
    };
    sim.ok(json!({"payload": {
        "packageNumber": number,
        "trackingNumber": package["trackingNumber"],
        "customerTrackingLink": opt_str(&package, "trackingNumber").map(|t| format!("https://www.swiship.com/track?id={t}")),
        "carrierCode": package["carrierCode"],
        "carrierPhoneNumber": "1-800-742-5877",
        "carrierURL": "https://www.ups.com",
        "shipDate": shipment["shippingDate"],
        "estimatedArrivalDate": package["estimatedArrivalDate"],
        "shipToAddress": {"city": "Seattle", "state": "WA", "country": "US"},
        "currentStatus": "IN_TRANSIT",
        "currentStatusDescription": "In transit",
        "trackingEvents": [
            {"eventDate": shipment["shippingDate"], "eventAddress": {"city": "Reno", "state": "NV", "country": "US"}, "eventCode": "EVENT_101", "eventDescription": "Carrier notified to pick up package."},
            {"eventDate": now(), "eventAddress": {"city": "Sparks", "state": "NV", "country": "US"}, "eventCode": "EVENT_201", "eventDescription": "Arrival scan."}
        ]
    }}))
}

pub(super) async fn return_reason_codes(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "listReturnReasonCodes"));
    if q.get("sellerSku").is_none_or(|s| s.is_empty()) {
        return sim.invalid("sellerSku is required");
    }
    sim.ok(json!({"payload": {"reasonCodeDetails": [
        {"returnReasonCode": "NOLONGERWANTED", "description": "No longer wanted", "translatedDescription": ""},
        {"returnReasonCode": "DEFECTIVE", "description": "Item is defective"}
    ]}}))
}

pub(super) async fn features(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getFeatures"));
    if q.get("marketplaceId").is_none_or(|s| s.is_empty()) {
        return sim.invalid("marketplaceId is required");
    }
    sim.ok(json!({"payload": {"features": [
        {"featureName": "BLANK_BOX", "featureDescription": "Ship in unbranded boxes.", "sellerEligible": true},
        {"featureName": "BLOCK_AMZL", "featureDescription": "Do not deliver with Amazon Logistics.", "sellerEligible": false}
    ]}}))
}

pub(super) async fn feature_inventory(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(feature): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getFeatureInventory"));
    let Some(marketplace) = q.get("marketplaceId").filter(|m| !m.is_empty()) else {
        return sim.invalid("marketplaceId is required");
    };
    let offset = or_return!(query_offset(&sim, &q));
    let since = or_return!(sim.query_date(
        &q,
        "queryStartDate",
        "queryStartDate must be a date-time (yyyy-MM-ddTHH:mm:ss.sssZ)",
    ));
    let d = lock(&sim.inner.data);
    let all: Vec<Value> = d
        .inventory
        .iter()
        .filter(|(_, i)| changed_since(&i.updated, since))
        .map(|(sku, i)| json!({"sellerSku": sku, "fnSku": i.fn_sku, "asin": i.asin, "skuCount": i.fulfillable, "overlappingSkus": []}))
        .collect();
    let (page, next) = sim.page(&all, offset);
    let mut payload =
        json!({"marketplaceId": marketplace, "featureName": feature, "featureSkus": page});
    if let Some(next) = next {
        payload["nextToken"] = json!(page_token(next));
    }
    sim.ok(json!({"payload": payload}))
}

pub(super) async fn feature_sku(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path((feature, sku)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getFeatureSKU"));
    let Some(marketplace) = q.get("marketplaceId").filter(|m| !m.is_empty()) else {
        return sim.invalid("marketplaceId is required");
    };
    let d = lock(&sim.inner.data);
    let payload = match d.inventory.get(&sku) {
        Some(i) => {
            json!({"marketplaceId": marketplace, "featureName": feature, "isEligible": true, "sellerSku": sku, "fnSku": i.fn_sku, "asin": i.asin, "skuCount": i.fulfillable})
        }
        None => {
            json!({"marketplaceId": marketplace, "featureName": feature, "isEligible": false, "ineligibleReasons": ["INVALID_SKU"], "sellerSku": sku})
        }
    };
    sim.ok(json!({"payload": payload}))
}
