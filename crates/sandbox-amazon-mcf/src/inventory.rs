//! FBA Inventory `v1` handlers: inventory summaries and the sandbox-only item operations.

use super::*;

pub(super) async fn inventory_summaries(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "getInventorySummaries"));
    if q.get("granularityType").map(String::as_str) != Some("Marketplace") {
        return sim.invalid("granularityType must be Marketplace");
    }
    let (Some(gid), Some(mids)) = (q.get("granularityId"), q.get("marketplaceIds")) else {
        return sim.invalid("granularityId and marketplaceIds are required");
    };
    if mids.split(',').count() != 1 {
        return sim.invalid("marketplaceIds takes exactly one marketplace");
    }
    // Amazon's own SDKs send `True`: the value is a boolean in any case.
    let details = match q.get("details").map(|d| d.to_ascii_lowercase()).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return sim.invalid("details must be true or false");
        }
    };
    let since = or_return!(sim.query_date(
        &q,
        "startDateTime",
        "startDateTime must be an ISO 8601 date-time",
    ));
    // With startDateTime, Amazon returns what changed since then and ignores sellerSkus.
    let skus: Option<HashSet<&str>> = match since {
        Some(_) => None,
        None => q.get("sellerSkus").map(|s| s.split(',').collect()),
    };
    let mut d = lock(&sim.inner.data);
    let offset = match q.get("nextToken") {
        None => 0,
        Some(t) => match d.inventory_tokens.get(t) {
            Some((issued, o)) if issued.elapsed() <= Duration::from_secs(30) => *o,
            _ => {
                return sim.invalid("The nextToken is invalid or has expired");
            }
        },
    };
    let all: Vec<Value> = d
        .inventory
        .iter()
        .filter(|(sku, _)| skus.as_ref().is_none_or(|s| s.contains(sku.as_str())))
        .filter(|(_, i)| changed_since(&i.updated, since))
        .map(|(sku, i)| {
            let mut s = json!({
                "asin": i.asin, "fnSku": i.fn_sku, "sellerSku": sku, "condition": "NewItem",
                "lastUpdatedTime": i.updated, "productName": i.product_name,
                "totalQuantity": i.fulfillable + i.reserved, "stores": []
            });
            if details {
                s["inventoryDetails"] = json!({
                    "fulfillableQuantity": i.fulfillable,
                    "inboundWorkingQuantity": 0, "inboundShippedQuantity": 0, "inboundReceivingQuantity": 0,
                    "reservedQuantity": {"totalReservedQuantity": i.reserved, "pendingCustomerOrderQuantity": i.reserved, "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0},
                    "researchingQuantity": {"totalResearchingQuantity": 0, "researchingQuantityBreakdown": []},
                    "unfulfillableQuantity": {"totalUnfulfillableQuantity": 0, "customerDamagedQuantity": 0, "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0, "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0}
                });
            }
            s
        })
        .collect();
    let (page, next) = sim.page(&all, offset);
    let mut resp = json!({"payload": {"granularity": {"granularityType": "Marketplace", "granularityId": gid}, "inventorySummaries": page}});
    if let Some(next) = next {
        let token = format!("{}+inv/{}==", fastrand::u64(..), next);
        d.inventory_tokens
            .insert(token.clone(), (Instant::now(), next));
        resp["pagination"] = json!({"nextToken": token});
    }
    sim.ok(resp)
}

pub(super) async fn create_item(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "createInventoryItem"));
    let req = or_return!(sim.body(&body, &schema::CREATE_ITEM));
    let (Some(sku), Some(name), Some(marketplace)) = (
        opt_str(&req, "sellerSku"),
        opt_str(&req, "productName"),
        opt_str(&req, "marketplaceId"),
    ) else {
        return sim.internal("createInventoryItem body");
    };
    if let Some(field) = [
        ("sellerSku", sku),
        ("productName", name),
        ("marketplaceId", marketplace),
    ]
    .into_iter()
    .find(|(_, v)| v.trim().is_empty())
    .map(|(k, _)| k)
    {
        return sim.refuse(Refusal {
            field: field.into(),
            problem: "must not be empty".into(),
        });
    }
    sim.seed_inventory(sku, name, 0);
    sim.ok(json!({}))
}

pub(super) async fn delete_item(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "deleteInventoryItem"));
    if q.get("marketplaceId").is_none_or(|m| m.is_empty()) {
        return sim.invalid("marketplaceId is required");
    }
    match lock(&sim.inner.data).inventory.remove(&sku) {
        Some(_) => sim.ok(json!({})),
        None => sim.fail(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("SKU {sku} not found"),
        ),
    }
}

pub(super) async fn add_inventory(
    State(sim): State<McfSimulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = or_return!(sim.gate(&headers, "addInventory"));
    let Some(token) = headers
        .get("x-amzn-idempotency-token")
        .and_then(|v| v.to_str().ok())
    else {
        return sim.invalid("x-amzn-idempotency-token header is required");
    };
    let req = or_return!(sim.body(&body, &schema::ADD_INVENTORY));
    let mut items = Vec::new();
    for i in req["inventoryItems"].as_array().into_iter().flatten() {
        match (
            opt_str(i, "sellerSku"),
            i.get("quantity").and_then(Value::as_i64),
        ) {
            (Some(sku), Some(qty)) => items.push((sku.to_string(), qty)),
            _ => return sim.internal("inventoryItems"),
        }
    }
    let mut d = lock(&sim.inner.data);
    if d.idempotency_tokens.contains(token) {
        return sim.ok(json!({}));
    }
    // All or nothing: a refused request adds nothing and leaves its token unused, so the
    // corrected request can be sent again with the same token.
    if let Some(sku) = items
        .iter()
        .map(|(sku, _)| sku)
        .find(|sku| !d.inventory.contains_key(sku.as_str()))
    {
        return sim.invalid(&format!(
            "SKU {sku} does not exist: call createInventoryItem first"
        ));
    }
    for (sku, qty) in &items {
        if let Some(item) = d.inventory.get_mut(sku) {
            item.fulfillable += qty;
            item.updated = now();
        }
    }
    d.idempotency_tokens.insert(token.to_string());
    sim.ok(json!({}))
}
