//! Wire types ↔ the shared models of `connector-core`.
//!
//! | Amazon | shared |
//! | --- | --- |
//! | `FulfillmentOrderStatus` `New`, `Received` | `OrderState::Pending` |
//! | `Planning`, `Processing` | `OrderState::Processing` |
//! | `Complete` | `OrderState::Shipped` |
//! | `CompletePartialled` | `OrderState::PartiallyShipped` |
//! | `Cancelled` | `OrderState::Cancelled` |
//! | `Unfulfillable`, `Invalid` | `OrderState::Rejected` |
//! | anything else | `OrderState::Unknown` (raw value kept in `OrderStatus::raw`) |

use chrono::{DateTime, Utc};
use connector_core::{
    AddressKind, Error, LocationId, Order, OrderDraft, OrderId, OrderLine, OrderState, OrderStatus,
    Quote, Shipment, ShipmentId, Sku, Stock, Tracking,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use crate::model::inventory::InventorySummary;
use crate::model::outbound::{
    CreateFulfillmentOrderItem, CreateFulfillmentOrderRequest, FulfillmentAction,
    FulfillmentOrderStatus, FulfillmentPolicy, FulfillmentPreview, GetFulfillmentOrderResult,
    GetFulfillmentPreviewItem, GetFulfillmentPreviewRequest, PackageTrackingDetails,
    ShippingSpeedCategory,
};
use crate::model::{Address, AmazonMoney};

/// Choices the shared `OrderDraft` does not carry, used when placing orders.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlacementDefaults {
    /// Shipping speed (default `Standard`).
    pub shipping_speed: ShippingSpeedCategory,
    /// Ship or Hold (default `Ship`).
    pub fulfillment_action: FulfillmentAction,
    /// Fill policy (default `FillOrKill`: nothing ships unless everything can).
    pub fulfillment_policy: FulfillmentPolicy,
    /// Packing-slip comment when the draft has none (default "Thank you for your order.").
    pub comment: String,
}

impl Default for PlacementDefaults {
    fn default() -> Self {
        Self {
            shipping_speed: ShippingSpeedCategory::Standard,
            fulfillment_action: FulfillmentAction::Ship,
            fulfillment_policy: FulfillmentPolicy::FillOrKill,
            comment: "Thank you for your order.".into(),
        }
    }
}

/// Maps an Amazon status to the shared one, keeping the raw value.
pub fn order_status(s: &FulfillmentOrderStatus) -> OrderStatus {
    let state = match s {
        FulfillmentOrderStatus::New | FulfillmentOrderStatus::Received => OrderState::Pending,
        FulfillmentOrderStatus::Planning | FulfillmentOrderStatus::Processing => {
            OrderState::Processing
        }
        FulfillmentOrderStatus::Complete => OrderState::Shipped,
        FulfillmentOrderStatus::CompletePartialled => OrderState::PartiallyShipped,
        FulfillmentOrderStatus::Cancelled => OrderState::Cancelled,
        FulfillmentOrderStatus::Unfulfillable | FulfillmentOrderStatus::Invalid => {
            OrderState::Rejected
        }
        FulfillmentOrderStatus::Unknown(_) => OrderState::Unknown,
    };
    OrderStatus::new(state, s.as_str())
}

/// The destination address of a draft (its shipping address, else the customer's delivery
/// address), with the recipient name taken from the address or the customer. More than three
/// address lines are refused rather than cut.
pub fn destination(draft: &OrderDraft) -> Result<Address, Error> {
    let a = draft
        .shipping_address
        .as_ref()
        .or_else(|| draft.customer.address(AddressKind::Delivery))
        .ok_or_else(|| Error::invalid("shipping_address", "is required (Amazon ships to it)"))?;
    let name = a
        .name
        .clone()
        .or_else(|| {
            draft.customer.person.as_ref().map(|p| {
                format!("{} {}", p.first_name, p.last_name)
                    .trim()
                    .to_string()
            })
        })
        .or_else(|| draft.customer.organization.as_ref().map(|o| o.name.clone()))
        .unwrap_or_default();
    if a.lines.len() > 3 {
        return Err(Error::invalid(
            "shipping_address.lines",
            format!(
                "must have at most 3 lines (Amazon has addressLine1..3; got {})",
                a.lines.len()
            ),
        ));
    }
    let mut lines = a.lines.iter();
    let mut out = Address::new(
        name,
        lines.next().cloned().unwrap_or_default(),
        a.city.clone(),
        a.postal_code.clone().unwrap_or_default(),
        a.country.clone().unwrap_or_default().to_ascii_uppercase(),
    );
    out.address_line2 = lines.next().cloned();
    out.address_line3 = lines.next().cloned();
    out.state_or_region = a.region.clone();
    out.phone = a.phone.clone();
    Ok(out)
}

/// (sku, line id, units, unit price) of each draft line.
type LinePart = (String, String, u32, Option<AmazonMoney>);

fn line_parts(draft: &OrderDraft) -> Result<Vec<LinePart>, Error> {
    draft
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let sku = l.sku.as_ref().ok_or_else(|| {
                Error::invalid(format!("lines[{i}].sku"), "is required (Amazon ships SKUs)")
            })?;
            let qty = whole_units(l.quantity).ok_or_else(|| {
                Error::invalid(
                    format!("lines[{i}].quantity"),
                    "must be a whole number of units from 1",
                )
            })?;
            let id = l.line_id.clone().unwrap_or_else(|| (i + 1).to_string());
            Ok((
                sku.as_str().to_string(),
                id,
                qty,
                l.unit_price.map(AmazonMoney::from),
            ))
        })
        .collect()
}

fn whole_units(q: Decimal) -> Option<u32> {
    if q.fract().is_zero() && q > Decimal::ZERO {
        q.to_u32()
    } else {
        None
    }
}

/// A draft as a `CreateFulfillmentOrderRequest` (id and packing-slip id = the draft's
/// external id; unit prices become declared values).
pub fn draft_to_create(
    draft: &OrderDraft,
    defaults: &PlacementDefaults,
    now: DateTime<Utc>,
) -> Result<CreateFulfillmentOrderRequest, Error> {
    let items = line_parts(draft)?
        .into_iter()
        .map(|(sku, id, qty, price)| {
            let mut item = CreateFulfillmentOrderItem::new(sku, id, qty);
            item.per_unit_declared_value = price;
            item
        })
        .collect();
    let id = draft.external_id.as_str();
    let mut r = CreateFulfillmentOrderRequest::new(
        id,
        id,
        draft.ordered_at.unwrap_or(now),
        draft
            .comment
            .clone()
            .unwrap_or_else(|| defaults.comment.clone()),
        defaults.shipping_speed.clone(),
        destination(draft)?,
        items,
    );
    r.fulfillment_action = Some(defaults.fulfillment_action.clone());
    r.fulfillment_policy = Some(defaults.fulfillment_policy.clone());
    Ok(r)
}

/// A draft as a `GetFulfillmentPreviewRequest` for the default speed.
pub fn draft_to_preview(
    draft: &OrderDraft,
    defaults: &PlacementDefaults,
) -> Result<GetFulfillmentPreviewRequest, Error> {
    let items = line_parts(draft)?
        .into_iter()
        .map(|(sku, id, qty, price)| {
            let mut item = GetFulfillmentPreviewItem::new(sku, id, qty);
            item.per_unit_declared_value = price;
            item
        })
        .collect();
    let mut r = GetFulfillmentPreviewRequest::new(destination(draft)?, items);
    r.shipping_speed_categories = vec![defaults.shipping_speed.clone()];
    Ok(r)
}

/// The preview for `speed` as a shared `Quote`: one line per draft line (short when Amazon
/// lists it unfulfillable), order-level reasons as problems, the estimated fees as shipping.
pub fn preview_to_quote(
    draft: &OrderDraft,
    previews: &[FulfillmentPreview],
    speed: &ShippingSpeedCategory,
) -> Result<Quote, Error> {
    let preview = previews
        .iter()
        .find(|p| &p.shipping_speed_category == speed)
        .ok_or_else(|| Error::Decode {
            path: "payload.fulfillmentPreviews".into(),
            message: format!("no preview for shipping speed {speed}"),
            excerpt: String::new(),
        })?;
    let parts = line_parts(draft)?;
    let mut lines = Vec::new();
    for (sku, id, qty, price) in &parts {
        let short = preview
            .unfulfillable_preview_items
            .iter()
            .find(|u| &u.seller_fulfillment_order_item_id == id);
        let (available, problem) = match short {
            Some(u) => (
                u32::try_from(i64::from(*qty) - i64::from(u.quantity)).unwrap_or(0),
                Some(if u.item_unfulfillable_reasons.is_empty() {
                    "unfulfillable".to_string()
                } else {
                    u.item_unfulfillable_reasons.join(", ")
                }),
            ),
            None => (*qty, None),
        };
        let unit_price = match price {
            Some(p) => Some(p.to_money()?),
            None => None,
        };
        lines.push(json!({
            "item": sku,
            "requested": Decimal::from(*qty),
            "available": Decimal::from(available),
            "unit_price": unit_price,
            "problem": problem,
        }));
    }
    let mut problems: Vec<String> = preview.order_unfulfillable_reasons.clone();
    if !preview.is_fulfillable
        && problems.is_empty()
        && preview.unfulfillable_preview_items.is_empty()
    {
        problems.push("not fulfillable".into());
    }
    let fees: Vec<connector_core::Money> = preview
        .estimated_fees
        .iter()
        .map(|f| f.amount.to_money())
        .collect::<Result<_, _>>()?;
    let shipping = connector_core::money::sum(fees)?;
    // `Quote` has no public constructor yet: build it through its serde form.
    serde_json::from_value(json!({
        "lines": lines,
        "total": null,
        "shipping": shipping,
        "problems": problems,
    }))
    .map_err(|e| Error::Decode {
        path: "quote".into(),
        message: e.to_string(),
        excerpt: String::new(),
    })
}

/// A `getFulfillmentOrder` result as a shared `Order` (lines, shipments with packages).
pub fn order_to_shared(r: &GetFulfillmentOrderResult) -> Result<Order, Error> {
    let o = &r.fulfillment_order;
    let mut order = Order::new(
        OrderId::new(o.seller_fulfillment_order_id.clone())?,
        order_status(&o.fulfillment_order_status),
    );
    order.external_id = Some(connector_core::ExternalOrderId::new(
        o.displayable_order_id.clone(),
    )?);
    order.created_at = Some(o.received_date);
    order.updated_at = Some(o.status_updated_date);
    let a = &o.destination_address;
    let mut addr = connector_core::Address::default();
    addr.name = Some(a.name.clone());
    addr.lines = [
        Some(a.address_line1.clone()),
        a.address_line2.clone(),
        a.address_line3.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    addr.city = a.city.clone();
    addr.region = a.state_or_region.clone();
    addr.postal_code = Some(a.postal_code.clone());
    addr.country = Some(a.country_code.clone());
    addr.phone = a.phone.clone();
    order.shipping_address = Some(addr);
    for item in &r.fulfillment_order_items {
        let mut line = OrderLine::new(
            Some(Sku::new(item.seller_sku.clone())?),
            Decimal::from(item.quantity),
        );
        line.line_id = Some(item.seller_fulfillment_order_item_id.clone());
        let shipped: u32 = r
            .fulfillment_shipments
            .iter()
            .filter(|s| {
                s.fulfillment_shipment_status
                    == crate::model::outbound::FulfillmentShipmentStatus::Shipped
            })
            .flat_map(|s| &s.fulfillment_shipment_item)
            .filter(|i| i.seller_fulfillment_order_item_id == item.seller_fulfillment_order_item_id)
            .map(|i| i.quantity)
            .sum();
        line.quantity_shipped = Some(Decimal::from(shipped));
        line.unit_price = match &item
            .per_unit_price
            .as_ref()
            .or(item.per_unit_declared_value.as_ref())
        {
            Some(m) => Some(m.to_money()?),
            None => None,
        };
        order.lines.push(line);
    }
    for s in &r.fulfillment_shipments {
        let mut sh = Shipment::default();
        sh.id = Some(ShipmentId::new(s.amazon_shipment_id.clone())?);
        sh.status = Some(s.fulfillment_shipment_status.as_str().to_string());
        sh.shipped_at = s.shipping_date;
        sh.estimated_arrival = s.estimated_arrival_date;
        for p in &s.fulfillment_shipment_package {
            let mut t = Tracking::default();
            t.carrier = Some(p.carrier_code.clone());
            t.number = p
                .tracking_number
                .clone()
                .or_else(|| p.amazon_fulfillment_tracking_number.clone());
            sh.tracking.push(t);
        }
        for i in &s.fulfillment_shipment_item {
            sh.items
                .push((Sku::new(i.seller_sku.clone())?, Decimal::from(i.quantity)));
        }
        order.shipments.push(sh);
    }
    order.extra.insert(
        "marketplaceId".into(),
        serde_json::Value::String(o.marketplace_id.clone()),
    );
    order.extra.insert(
        "shippingSpeedCategory".into(),
        serde_json::Value::String(o.shipping_speed_category.as_str().to_string()),
    );
    Ok(order)
}

/// Fills a shared `Tracking` from `getPackageTrackingDetails`: link (the customer tracking
/// link, else the carrier URL), last event (the newest tracking event, else the current
/// status description or status) and its date.
pub fn apply_tracking(t: &mut Tracking, d: &PackageTrackingDetails) {
    if t.number.is_none() {
        t.number = d.tracking_number.clone();
    }
    if t.carrier.is_none() {
        t.carrier = d.carrier_code.clone();
    }
    t.url = d
        .customer_tracking_link
        .clone()
        .or_else(|| d.carrier_url.clone());
    let newest = d.tracking_events.iter().max_by_key(|e| e.event_date);
    t.last_event = newest
        .map(|e| e.event_description.clone())
        .or_else(|| d.current_status_description.clone())
        .or_else(|| d.current_status.as_ref().map(|s| s.as_str().to_string()));
    t.last_event_at = newest.map(|e| e.event_date);
}

/// An inventory summary as shared `Stock` at location `FBA:<marketplace>`: quantity is the
/// fulfillable quantity (from details) or, without details, the total quantity.
pub fn summary_to_stock(s: &InventorySummary, marketplace_id: &str) -> Result<Stock, Error> {
    let sku = s.seller_sku.clone().ok_or_else(|| Error::Decode {
        path: "payload.inventorySummaries[].sellerSku".into(),
        message: "missing sellerSku".into(),
        excerpt: String::new(),
    })?;
    let details = s.inventory_details.as_ref();
    // A summary with neither quantity is not "0 in stock": it says nothing, so it is an
    // error naming the SKU rather than a guess.
    let qty = details
        .and_then(|d| d.fulfillable_quantity)
        .or(s.total_quantity)
        .ok_or_else(|| Error::Decode {
            path: "payload.inventorySummaries[].totalQuantity".into(),
            message: format!(
                "summary of `{sku}` has neither inventoryDetails.fulfillableQuantity nor totalQuantity"
            ),
            excerpt: String::new(),
        })?;
    let mut stock = Stock::new(
        Sku::new(sku)?,
        Some(LocationId::new(format!("FBA:{marketplace_id}"))?),
        Decimal::from(qty),
    );
    stock.reserved = details
        .and_then(|d| d.reserved_quantity.as_ref())
        .and_then(|r| r.total_reserved_quantity)
        .map(Decimal::from);
    stock.as_of = s.last_updated_time;
    Ok(stock)
}
