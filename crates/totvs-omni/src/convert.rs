//! Shared models <-> Omni wire types.
//!
//! | shared | Omni |
//! | --- | --- |
//! | `Product { sku, name, description, brand, gtin, category, attributes }` | `ProductLine { sku, nome, descricao, marca, ean, categoria, atributos }`; `product_id` -> `referencia` |
//! | `PriceRecord { price, list_price }` (BRL) | `PriceLine { preco = list_price or price, precoPromocional = price when below list_price, inicio/fim = valid_from/valid_to }` |
//! | `Stock { sku, location, quantity }` | `StockLine { sku, loja = location, quantidade }` |
//! | `Order`, `OrderLine { kit_id }` | `OmniOrder`, `OmniOrderItem { kitId }` |
//! | `OrderStatus` | [`status_to_shared`] |

use connector_core::{
    Currency, Error, Money, Order, OrderId, OrderLine, OrderState, OrderStatus, PriceRecord,
    Product, Sku, Stock,
};

use crate::layout::{PriceLine, ProductLine, StockLine};
use crate::model::{OmniOrder, OmniStatus};

/// Maps an Omni status to the shared state.
pub fn status_to_shared(status: &OmniStatus) -> OrderStatus {
    let state = match status {
        OmniStatus::PendingPayment => OrderState::AwaitingPayment,
        OmniStatus::PendingConfirmation => OrderState::AwaitingAcceptance,
        OmniStatus::Confirmed | OmniStatus::PartiallyRejected | OmniStatus::Invoiced => {
            OrderState::Processing
        }
        OmniStatus::Rejected => OrderState::Rejected,
        OmniStatus::Shipped => OrderState::Shipped,
        OmniStatus::Delivered => OrderState::Delivered,
        OmniStatus::Cancelled => OrderState::Cancelled,
        _ => OrderState::Unknown,
    };
    OrderStatus::new(state, status.as_str())
}

/// A shared product as a load record (`at` names the record in errors).
pub fn product_line(p: &Product, at: &str) -> Result<ProductLine, Error> {
    let sku = p
        .sku
        .as_ref()
        .ok_or_else(|| Error::invalid(format!("{at}.sku"), "is required by Omni"))?;
    let mut line = ProductLine::new(sku.as_str(), p.name.clone());
    line.reference = p.product_id.as_ref().map(|id| id.as_str().to_string());
    line.description = p.description.clone();
    line.brand = p.brand.clone();
    line.category = p.category.clone();
    line.ean = p.gtin.clone();
    line.attributes = p.attributes.clone();
    Ok(line)
}

fn brl(field: &str, m: &Money) -> Result<rust_decimal::Decimal, Error> {
    if m.currency != Currency::BRL {
        return Err(Error::invalid(
            field,
            format!("must be in BRL, got {}", m.currency),
        ));
    }
    Ok(m.amount)
}

/// A shared price as a load record.
pub fn price_line(p: &PriceRecord, at: &str) -> Result<PriceLine, Error> {
    if p.location.is_some() {
        return Err(Error::invalid(
            format!("{at}.location"),
            "per-store prices are not supported by the Omni price load",
        ));
    }
    let price = brl(&format!("{at}.price"), &p.price)?;
    let list = p
        .list_price
        .as_ref()
        .map(|l| brl(&format!("{at}.list_price"), l))
        .transpose()?;
    let mut line = match list {
        Some(list) if list > price => {
            PriceLine::new(p.sku.as_str(), list).promotion(price, p.valid_from, p.valid_to)
        }
        _ => PriceLine::new(p.sku.as_str(), price),
    };
    if line.promotional_price.is_none() {
        line.start = None;
        line.end = None;
    }
    Ok(line)
}

/// A shared stock level as a load record (the location is the store's external id).
pub fn stock_line(s: &Stock, at: &str) -> Result<StockLine, Error> {
    let store = s.location.as_ref().ok_or_else(|| {
        Error::invalid(
            format!("{at}.location"),
            "is required (the Omni store external id)",
        )
    })?;
    Ok(StockLine::new(s.sku.as_str(), store.as_str(), s.quantity))
}

/// An Omni order in shared terms.
pub fn order_to_shared(o: &OmniOrder) -> Result<Order, Error> {
    let currency = match o.currency.as_deref() {
        Some(c) => Currency::new(c)?,
        None => Currency::BRL,
    };
    let mut order = Order::new(OrderId::new(o.id.clone())?, status_to_shared(&o.status));
    order.external_id = o
        .external_id
        .as_ref()
        .and_then(|e| connector_core::ExternalOrderId::new(e.clone()).ok());
    order.total = o.total.map(|t| Money::new(t, currency));
    order.created_at = o.created_at;
    order.updated_at = o.updated_at;
    for item in &o.items {
        let mut line = OrderLine::new(Sku::new(item.sku.clone()).ok(), item.quantity);
        line.line_id = Some(item.item_id.clone());
        line.name = item.name.clone();
        line.unit_price = item.price.map(|p| Money::new(p, currency));
        line.kit_id = item.kit_id.clone();
        line.status = item.status.as_ref().map(status_to_shared);
        order.lines.push(line);
    }
    if let Some(channel) = &o.channel {
        order
            .extra
            .insert("channel".into(), serde_json::Value::String(channel.clone()));
    }
    Ok(order)
}
