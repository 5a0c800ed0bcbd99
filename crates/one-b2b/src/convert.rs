//! Wire <-> shared models.
//!
//! | shared (`connector_core`) | ONe wire |
//! | --- | --- |
//! | `Stock { sku, location, quantity }` | `StockLine { id: sku, quantity }` sent to warehouse `location` (or the default warehouse) |
//! | `PriceRecord { sku, price, price_list: Some(p) }` | `CatalogPrice { productId: sku, price: net amount, pricingId: p }` |
//! | `PriceRecord { sku, price, price_list: None }` | `RetailPrice { productId: sku, price: net amount }` (B2C) |
//! | `Customer { id: "org:…"/"ind:…" }` | `Client { clientId }` |
//! | `Organization { name, registration_number, tax_id }` | `address.name`, `businessRegistrationNumber`, `extra.tin` |
//! | `Person { first/last name, email, phone }` | `admin { name, email, phone }` |
//! | first `Address` | `address { street (lines joined), city, zipCode, country, phone, externalId }` |
//! | `Customer.extra` | unknown client fields, sent as they are |
//! | `Order { id: shipment id }` | `SalesOrder { id }`; `orderId` and other fields in `extra` |
//! | `OrderStatus` | `ShipmentStatus`: NEW → AwaitingAcceptance, ACCEPTED / IN_PROGRESS → Processing, READY_FOR_PICKUP → ReadyForPickup, SENT → Shipped, DELIVERED → Delivered, CANCELLED → Cancelled, others → Unknown (raw kept) |
//! | `OrderLine { sku, name, quantity, unit_price, total }` | `productLines[{ sku, name, quantityOrderedInContentUnit (or quantityOrdered), price.netContentUnitPrice (or netUnitPrice), price.netValue }]` |

use connector_core::{
    ClientRef, Currency, Customer, CustomerId, Error, Money, Order, OrderId, OrderLine, OrderState,
    OrderStatus, PriceRecord, Sku, Stock,
};
use rust_decimal::Decimal;

use crate::model::{
    CatalogPrice, Client, ClientAddress, ClientAdmin, RetailPrice, SalesOrder, ShipmentStatus,
    StockLine,
};
use crate::pricing::{PriceOp, SharedPriceTerms};
use crate::stock::{StockChange, StockOp};

/// A shared stock level as a stock operation on its warehouse.
pub(crate) fn stock_op(stock: Stock, default_warehouse: Option<&str>) -> StockOp {
    let warehouse: std::sync::Arc<str> = stock
        .location
        .as_ref()
        .map(|l| l.as_str())
        .or(default_warehouse)
        .unwrap_or_default()
        .into();
    StockOp {
        warehouse,
        change: StockChange::Set(StockLine::new(stock.sku.as_str(), stock.quantity)),
    }
}

/// A shared price as a catalog (B2B) or retail (B2C) price, with the currency it is in (ONe's
/// wire has none: the push refuses a currency other than the tenant's).
pub(crate) fn price_op(price: PriceRecord) -> (PriceOp, Option<SharedPriceTerms>) {
    let amount = price.price.amount;
    let terms = SharedPriceTerms {
        currency: price.price.currency,
        location: price.location.is_some(),
        valid_from: price.valid_from,
        valid_to: price.valid_to,
    };
    let op = match price.price_list {
        Some(list) => {
            PriceOp::Catalog(CatalogPrice::new(list.as_str(), price.sku.as_str(), amount))
        }
        None => PriceOp::Retail(RetailPrice::new(price.sku.as_str(), amount)),
    };
    (op, Some(terms))
}

/// A shared customer as an ONe client. The id must be `org:<id>` or `ind:<id>`.
pub fn client_from_customer(c: &Customer) -> Result<Client, Error> {
    let id = c.id.as_ref().ok_or_else(|| {
        Error::invalid(
            "customer.id",
            "is required: ONe needs `org:<id>` or `ind:<id>`",
        )
    })?;
    let client_ref = ClientRef::parse(id.as_str())
        .map_err(|_| Error::invalid("customer.id", "must be `org:<id>` or `ind:<id>`"))?;
    let mut client = Client::new(client_ref.to_string());
    client.extra = c.extra.clone();
    let mut name = None;
    if let Some(org) = &c.organization {
        name = Some(org.name.clone());
        client.business_registration_number = org.registration_number.clone();
        if let Some(tin) = &org.tax_id {
            client
                .extra
                .insert("tin".into(), serde_json::Value::String(tin.clone()));
        }
    }
    if let Some(p) = &c.person {
        let full = format!("{} {}", p.first_name, p.last_name)
            .trim()
            .to_string();
        if name.is_none() && !full.is_empty() {
            name = Some(full.clone());
        }
        client.admin = Some(ClientAdmin {
            email: p.email.clone(),
            name: (!full.is_empty()).then_some(full),
            phone: p.phone.clone(),
        });
    }
    if let Some(a) = c.addresses.first() {
        client.address = Some(ClientAddress {
            city: a.city.clone(),
            country: a.country.clone(),
            external_id: a.id.as_ref().map(|i| i.as_str().to_string()),
            name: a.name.clone().or_else(|| name.clone()),
            phone: a.phone.clone(),
            street: (!a.lines.is_empty()).then(|| a.lines.join(", ")),
            zip_code: a.postal_code.clone(),
        });
    } else if let Some(n) = name {
        client.address = Some(ClientAddress {
            name: Some(n),
            ..ClientAddress::default()
        });
    }
    Ok(client)
}

/// The shared state of an ONe shipment status.
pub fn order_state(status: &ShipmentStatus) -> OrderState {
    match status {
        ShipmentStatus::New => OrderState::AwaitingAcceptance,
        ShipmentStatus::Accepted | ShipmentStatus::InProgress => OrderState::Processing,
        ShipmentStatus::ReadyForPickup => OrderState::ReadyForPickup,
        ShipmentStatus::Sent => OrderState::Shipped,
        ShipmentStatus::Delivered => OrderState::Delivered,
        ShipmentStatus::Cancelled => OrderState::Cancelled,
        ShipmentStatus::Other(_) => OrderState::Unknown,
    }
}

/// A sales order as a shared order. Amounts carry the order's `currencyCode`, or `currency`
/// when ONe sends none. The order total is the sum of the lines' net values (`price.netValue`,
/// additional costs not included), and only when every line has one.
pub fn order_from_sales_order(so: &SalesOrder, currency: &str) -> Result<Order, Error> {
    let currency = Currency::new(so.currency_code.as_deref().unwrap_or(currency))?;
    let status = match &so.status {
        Some(s) => OrderStatus::new(order_state(s), s.as_str()),
        None => OrderStatus::new(OrderState::Pending, ""),
    };
    let mut order = Order::new(OrderId::new(so.id.clone())?, status);
    order.extra = so.extra.clone();
    order.extra.insert(
        "orderId".into(),
        serde_json::Value::String(so.order_id.clone()),
    );
    if let Some(p) = &so.payment_status {
        order.extra.insert(
            "paymentStatus".into(),
            serde_json::Value::String(p.as_str().into()),
        );
    }
    if let Some(n) = &so.customer_purchase_number {
        order.extra.insert(
            "customerPurchaseNumber".into(),
            serde_json::Value::String(n.clone()),
        );
    }
    if let Some(c) = &so.client_id {
        let mut customer = Customer::new();
        customer.id = Some(CustomerId::new(c.clone())?);
        order.customer = Some(customer);
    }
    // The sum of the lines' net values, known only when every line carries one.
    let mut total: Option<Decimal> = Some(Decimal::ZERO);
    for (i, l) in so.product_lines.iter().enumerate() {
        let qty = l
            .quantity_ordered_in_content_unit
            .or(l.quantity_ordered)
            .ok_or_else(|| Error::Decode {
                path: format!("productLines[{i}].quantityOrderedInContentUnit"),
                message: "no quantity on the line".into(),
                excerpt: String::new(),
            })?;
        let mut line = OrderLine::new(Some(Sku::new(l.sku.clone())?), qty);
        line.line_id = l
            .product_line_id
            .clone()
            .or_else(|| l.line_number.map(|n| n.to_string()));
        line.name = l.name.clone();
        if let Some(p) = &l.price {
            line.unit_price = p
                .net_content_unit_price
                .or(p.net_unit_price)
                .map(|a| Money::new(a, currency));
            line.total = p.net_value.map(|a| Money::new(a, currency));
        }
        total = match (total, l.price.as_ref().and_then(|p| p.net_value)) {
            (Some(t), Some(v)) => t.checked_add(v),
            _ => None,
        };
        order.lines.push(line);
    }
    order.total = total
        .filter(|_| !so.product_lines.is_empty())
        .map(|t| Money::new(t, currency));
    Ok(order)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use connector_core::{Address, AddressKind, Organization, Person};

    #[test]
    fn customer_maps_to_client_and_needs_a_prefixed_id() {
        let mut c = Customer::new();
        c.id = Some(CustomerId::new("org:ACME").unwrap());
        let mut org = Organization::new("ACME Sp. z o.o.");
        org.tax_id = Some("5252248481".into());
        org.registration_number = Some("012345678".into());
        c.organization = Some(org);
        let mut p = Person::new("Jan", "Kowalski");
        p.email = Some("jan@acme.pl".into());
        c.person = Some(p);
        c.addresses.push(Address::postal(
            AddressKind::Legal,
            "ACME",
            "ul. Prosta 1",
            "Warszawa",
            "00-001",
            "PL",
        ));
        let client = client_from_customer(&c).unwrap();
        let json = serde_json::to_value(&client).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "clientId": "org:ACME",
                "address": {"city": "Warszawa", "country": "PL", "name": "ACME", "street": "ul. Prosta 1", "zipCode": "00-001"},
                "admin": {"email": "jan@acme.pl", "name": "Jan Kowalski"},
                "businessRegistrationNumber": "012345678",
                "tin": "5252248481"
            })
        );
        c.id = Some(CustomerId::new("ACME").unwrap());
        let err = client_from_customer(&c).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, .. } if field == "customer.id"),
            "{err}"
        );
    }
}
