//! Wire ↔ shared models.
//!
//! | shared | Accor wire |
//! | --- | --- |
//! | `Customer.organization.id` | `customer.mega_code` |
//! | `Customer.person.{email, first_name, last_name, profession}` | `customer.{email, firstname, lastname, profession}` |
//! | `Customer.address(Delivery/Billing).id` | `customer.delivery_address_id` / `billing_address_id` (billing defaults to delivery) |
//! | `Customer.store` | `customer.user_store` |
//! | `Customer.extra["shipping_zone_code"]` (else the configured default) | `shipping_zone_code` |
//! | `OrderLine.{offer_id, quantity, instruction}` | `offers[].{offer_id, quantity, instruction}` |
//! | `OrderDraft.requested_delivery` / `comment` | `shops[].delivery_date_selected` / `delivery_instructions` |
//! | `QuoteLine` | SH02 `orders[].offers[]` (`offer_quantity`, `offer_price`) and `errors[]` |
//! | `Order` | status (`order_state` → `OrderStatus`, tracking → `Shipment`) |

use connector_core::{
    AddressKind, Currency, Customer, Decimal, Error, Money, OfferId, Order, OrderId, OrderLine,
    OrderState, OrderStatus, Quote, QuoteLine, Shipment, ShopId, Tracking,
};

use rust_decimal::prelude::ToPrimitive;

use crate::config::AccorConfig;
use crate::model::{
    CartLine, CustomerBlock, LineState, MiraklOrderState, OrderOffer, OrderStatusResponse,
    ValidateCartResponse,
};

/// The `customer` block of a shared customer.
pub fn customer_block(c: &Customer) -> Result<CustomerBlock, Error> {
    let missing = |field: &str, from: &str| {
        Error::invalid(
            field,
            format!("is required (set {from} on the draft's customer)"),
        )
    };
    let person = c
        .person
        .as_ref()
        .ok_or_else(|| missing("customer.email", "person"))?;
    let mega_code = c
        .organization
        .as_ref()
        .and_then(|o| o.id.as_ref())
        .map(|id| id.as_str().to_string())
        .ok_or_else(|| missing("customer.mega_code", "organization.id"))?;
    let delivery = c
        .address(AddressKind::Delivery)
        .and_then(|a| a.id.as_ref())
        .map(|id| id.as_str().to_string())
        .ok_or_else(|| missing("customer.delivery_address_id", "a Delivery address id"))?;
    let billing = c
        .address(AddressKind::Billing)
        .and_then(|a| a.id.as_ref())
        .map(|id| id.as_str().to_string())
        .unwrap_or_else(|| delivery.clone());
    let mut block = CustomerBlock::new(
        mega_code,
        person.email.clone().unwrap_or_default(),
        person.first_name.clone(),
        person.last_name.clone(),
        delivery,
        billing,
        c.store.clone().unwrap_or_default(),
    );
    block.profession = person.profession.clone();
    Ok(block)
}

/// The shipping zone of a draft: `customer.extra["shipping_zone_code"]`, else the default.
pub fn shipping_zone(config: &AccorConfig, c: &Customer) -> Result<String, Error> {
    c.extra
        .get("shipping_zone_code")
        .and_then(|v| v.as_str())
        .map(String::from)
        .or_else(|| config.default_shipping_zone.clone())
        .ok_or_else(|| {
            Error::invalid(
                "shipping_zone_code",
                "is required: set customer.extra[\"shipping_zone_code\"] or a default_shipping_zone",
            )
        })
}

/// Offer id and whole positive quantity of a shared line.
fn line_parts(i: usize, line: &OrderLine) -> Result<(String, u32), Error> {
    let id = line
        .offer_id
        .as_ref()
        .map(|o| o.as_str().to_string())
        .or_else(|| line.sku.as_ref().map(|s| s.as_str().to_string()))
        .ok_or_else(|| {
            Error::invalid(
                connector_core::validate::field("offers", i, "offer_id"),
                "is required (set OrderLine.offer_id)",
            )
        })?;
    let q = line.quantity;
    let quantity = if q.fract().is_zero() && q > Decimal::ZERO {
        q.to_u32()
    } else {
        None
    };
    let quantity = quantity.ok_or_else(|| {
        Error::invalid(
            connector_core::validate::field("offers", i, "quantity"),
            format!("must be a whole number greater than 0 (got {q})"),
        )
    })?;
    Ok((id, quantity))
}

/// Cart lines of shared order lines.
pub fn cart_lines(lines: &[OrderLine]) -> Result<Vec<CartLine>, Error> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| line_parts(i, l).map(|(id, q)| CartLine::new(id, q)))
        .collect()
}

/// Purchase-order lines of shared order lines.
pub fn order_offers(lines: &[OrderLine]) -> Result<Vec<OrderOffer>, Error> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            line_parts(i, l).map(|(id, q)| {
                let mut o = OrderOffer::new(id, q);
                o.instruction = l.instruction.clone();
                o
            })
        })
        .collect()
}

fn currency(code: Option<&str>, default: Currency) -> Currency {
    code.and_then(|c| Currency::new(c).ok()).unwrap_or(default)
}

/// A shared quote of a validate-cart answer, one line per requested line.
pub fn quote(config: &AccorConfig, requested: &[CartLine], resp: &ValidateCartResponse) -> Quote {
    let lines = requested
        .iter()
        .map(|r| {
            let mut q = QuoteLine::new(r.offer_id.as_str(), Decimal::from(r.quantity));
            if let Some(e) = resp
                .errors
                .iter()
                .find(|e| e.offer_id.as_ref().map(|o| o.as_str()) == Some(r.offer_id.as_str()))
            {
                q.available = Some(Decimal::ZERO);
                q.problem = Some(e.error_code.clone());
            } else if let Some((shop, o)) = resp.offer(r.offer_id.as_str()) {
                let cur = currency(shop.currency_iso_code.as_deref(), config.currency);
                q.available = o.offer_quantity.map(Decimal::from);
                q.unit_price = o.offer_price.map(|p| Money::new(p, cur));
            } else {
                q.problem = Some("offer missing from the validate-cart answer".into());
            }
            q
        })
        .collect();
    let mut quote = Quote::new(lines);
    let totals = resp.supplier_totals();
    let cur = currency(
        totals.first().and_then(|t| t.currency.as_deref()),
        config.currency,
    );
    if totals
        .iter()
        .all(|t| currency(t.currency.as_deref(), config.currency) == cur)
    {
        quote.total = Some(Money::new(totals.iter().map(|t| t.goods).sum(), cur));
        quote.shipping = Some(Money::new(totals.iter().map(|t| t.shipping).sum(), cur));
    } else {
        quote
            .problems
            .push("suppliers answer in different currencies: no single total".into());
    }
    quote
}

/// The shared state of a Mirakl order state.
pub fn order_state(state: &MiraklOrderState) -> OrderState {
    match state {
        MiraklOrderState::Staging => OrderState::Pending,
        MiraklOrderState::WaitingAcceptance => OrderState::AwaitingAcceptance,
        MiraklOrderState::WaitingDebit | MiraklOrderState::WaitingDebitPayment => {
            OrderState::AwaitingPayment
        }
        MiraklOrderState::Shipping => OrderState::Processing,
        MiraklOrderState::Shipped => OrderState::Shipped,
        MiraklOrderState::ToCollect => OrderState::ReadyForPickup,
        MiraklOrderState::Received => OrderState::Delivered,
        MiraklOrderState::Closed => OrderState::Closed,
        MiraklOrderState::Refused => OrderState::Rejected,
        MiraklOrderState::Canceled => OrderState::Cancelled,
        MiraklOrderState::Unknown(_) => OrderState::Unknown,
    }
}

/// The shared state of a Mirakl line state.
pub fn line_state(state: &LineState) -> OrderState {
    match state {
        LineState::IncidentOpen => OrderState::Incident,
        LineState::Refunded => OrderState::Cancelled,
        other => order_state(&MiraklOrderState::parse(other.as_str())),
    }
}

/// A shared order of a status answer.
pub fn order(resp: &OrderStatusResponse) -> Result<Order, Error> {
    let status = OrderStatus::new(order_state(&resp.order_state), resp.order_state.as_str());
    let mut order = Order::new(OrderId::new(resp.order_id.clone())?, status);
    if let Some(shop) = &resp.shop_id {
        order.shop_id = Some(ShopId::new(shop.as_str())?);
    }
    for (i, l) in resp.order_lines.iter().enumerate() {
        // A line without a quantity is not a line of 0 units: say so rather than invent one.
        let quantity = l.quantity.ok_or_else(|| Error::Decode {
            path: format!("order_lines[{i}].quantity"),
            message: "is missing: a shared order line needs its quantity".into(),
            excerpt: String::new(),
        })?;
        let mut line = OrderLine::new(None, Decimal::from(quantity));
        line.line_id = l.order_line_id.clone();
        if let Some(o) = &l.offer_id {
            line.offer_id = Some(OfferId::new(o.as_str())?);
        }
        line.status = l
            .order_line_state
            .as_ref()
            .map(|s| OrderStatus::new(line_state(s), s.as_str()));
        order.lines.push(line);
    }
    if resp.shipping_tracking.is_some() || resp.shipping_company.is_some() {
        let mut tracking = Tracking::default();
        tracking.carrier = resp.shipping_company.clone();
        tracking.number = resp.shipping_tracking.clone();
        tracking.url = resp.shipping_tracking_url.clone();
        let mut shipment = Shipment::default();
        shipment.status = Some(resp.order_state.as_str().to_string());
        shipment.tracking.push(tracking);
        order.shipments.push(shipment);
    }
    for (k, v) in &resp.extra {
        order.extra.insert(k.clone(), v.clone());
    }
    if let Some(c) = &resp.currency_iso_code {
        order.extra.insert(
            "currency_iso_code".into(),
            serde_json::Value::from(c.clone()),
        );
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn quantities_must_be_whole_and_positive() {
        let mut l = OrderLine::new(None, dec!(2.5));
        l.offer_id = Some(OfferId::new("1").unwrap());
        assert!(
            order_offers(std::slice::from_ref(&l))
                .unwrap_err()
                .to_string()
                .contains("`offers[0].quantity` must be a whole number")
        );
        l.quantity = dec!(3.00);
        assert_eq!(order_offers(&[l]).unwrap()[0].quantity, 3);
    }

    #[test]
    fn states_map_to_shared_states() {
        assert_eq!(
            order_state(&MiraklOrderState::parse("WAITING_ACCEPTANCE")),
            OrderState::AwaitingAcceptance
        );
        assert_eq!(
            order_state(&MiraklOrderState::parse("SHIPPED")),
            OrderState::Shipped
        );
        assert_eq!(
            order_state(&MiraklOrderState::parse("NEW_ONE")),
            OrderState::Unknown
        );
        assert_eq!(
            line_state(&LineState::parse("INCIDENT_OPEN")),
            OrderState::Incident
        );
    }

    #[test]
    fn a_status_line_without_quantity_is_an_error_not_zero_units() {
        let resp: OrderStatusResponse = serde_json::from_str(
            r#"{"order_id":"O-1","order_state":"SHIPPED","order_lines":[{"order_line_id":"L1","offer_id":"7","quantity":2},{"order_line_id":"L2","offer_id":"8"}]}"#,
        )
        .unwrap();
        let err = order(&resp).unwrap_err().to_string();
        assert!(err.contains("order_lines[1].quantity"), "{err}");
        let ok: OrderStatusResponse = serde_json::from_str(
            r#"{"order_id":"O-1","order_state":"SHIPPED","order_lines":[{"offer_id":"7","quantity":2}]}"#,
        )
        .unwrap();
        assert_eq!(order(&ok).unwrap().lines[0].quantity, dec!(2));
    }
}
