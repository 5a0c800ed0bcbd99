//! Checks run before anything is sent. Errors are [`Error::InvalidInput`] naming the field path
//! (`customer.email`, `offers[2].quantity`, `shops[0].delivery_date_selected`) and the rule.

use std::collections::BTreeSet;

use connector_core::Error;
use connector_core::validate::{self, field};

use crate::config::{AccorConfig, SHIPPING_ZONES, USER_STORES};
use crate::model::{CartLine, CustomerBlock, PurchaseOrderRequest, ValidateCartRequest};

/// Checks the `customer` block: required fields, e-mail syntax, `user_store` in the documented
/// list or allowed through [`crate::AccorConfigBuilder::allow_user_store`].
pub fn customer(config: &AccorConfig, c: &CustomerBlock) -> Result<(), Error> {
    validate::required("customer.mega_code", &c.mega_code)?;
    validate::required("customer.email", &c.email)?;
    validate::email("customer.email", &c.email)?;
    validate::required("customer.firstname", &c.firstname)?;
    validate::required("customer.lastname", &c.lastname)?;
    validate::required("customer.delivery_address_id", &c.delivery_address_id)?;
    validate::required("customer.billing_address_id", &c.billing_address_id)?;
    validate::required("customer.user_store", &c.user_store)?;
    if !config.is_known_user_store(&c.user_store) {
        return Err(Error::invalid(
            "customer.user_store",
            format!(
                "must be one of {} or allowed with allow_user_store() (got `{}`)",
                USER_STORES.join(", "),
                c.user_store
            ),
        ));
    }
    Ok(())
}

/// Checks `shipping_zone_code`.
pub fn shipping_zone(config: &AccorConfig, zone: &str) -> Result<(), Error> {
    validate::required("shipping_zone_code", zone)?;
    if !config.is_known_shipping_zone(zone) {
        return Err(Error::invalid(
            "shipping_zone_code",
            format!(
                "must be one of {} or allowed with allow_shipping_zone() (got `{zone}`)",
                SHIPPING_ZONES.join(", ")
            ),
        ));
    }
    Ok(())
}

fn lines<'a>(
    prefix: &str,
    items: impl Iterator<Item = (&'a str, u32)>,
    min: usize,
) -> Result<(), Error> {
    let mut n = 0;
    for (i, (offer_id, quantity)) in items.enumerate() {
        validate::required(&field(prefix, i, "offer_id"), offer_id)?;
        validate::positive(&field(prefix, i, "quantity"), quantity)?;
        n += 1;
    }
    if n < min {
        return Err(Error::invalid(prefix, "must have at least one line"));
    }
    Ok(())
}

/// Checks a validate-cart request.
pub fn validate_cart(config: &AccorConfig, req: &ValidateCartRequest) -> Result<(), Error> {
    customer(config, &req.customer)?;
    shipping_zone(config, &req.shipping_zone_code)?;
    cart_lines(&req.offers)
}

/// Checks cart lines (offer id present, quantity > 0, at least one).
pub fn cart_lines(items: &[CartLine]) -> Result<(), Error> {
    lines(
        "offers",
        items.iter().map(|l| (l.offer_id.as_str(), l.quantity)),
        1,
    )
}

/// Checks a purchase order: customer, zone, lines, shops (delivery date for delivery rounds,
/// every offer belongs to a shop of `shops[]` when shop data is given, no shop twice).
pub fn purchase_order(config: &AccorConfig, req: &PurchaseOrderRequest) -> Result<(), Error> {
    customer(config, &req.customer)?;
    shipping_zone(config, &req.shipping_zone_code)?;
    lines(
        "offers",
        req.offers.iter().map(|o| (o.offer_id.as_str(), o.quantity)),
        1,
    )?;
    let mut shops = BTreeSet::new();
    for (i, shop) in req.shops.iter().enumerate() {
        let id = shop.shop_id.as_str();
        validate::required(&field("shops", i, "shop_id"), id)?;
        if !shops.insert(id) {
            return Err(Error::invalid(
                field("shops", i, "shop_id"),
                format!("must not repeat shop `{id}`"),
            ));
        }
        if shop.delivery_rounds && shop.delivery_date_selected.is_none() {
            return Err(Error::invalid(
                field("shops", i, "delivery_date_selected"),
                "is required when the supplier delivers by delivery rounds (DD/MM/YYYY)",
            ));
        }
        if let Some(text) = &shop.delivery_instructions {
            validate::max_chars(&field("shops", i, "delivery_instructions"), text, 1000)?;
        }
    }
    if !shops.is_empty() {
        for (i, offer) in req.offers.iter().enumerate() {
            match offer.shop_id.as_deref() {
                Some(s) if shops.contains(s) => {}
                Some(s) => {
                    return Err(Error::invalid(
                        field("offers", i, "offer_id"),
                        format!(
                            "belongs to shop `{s}`, which is not in shops[] (add it or remove the shop data)"
                        ),
                    ));
                }
                None => {
                    return Err(Error::invalid(
                        field("offers", i, "offer_id"),
                        "has no known shop: when shops[] is given, set each offer's shop (OrderOffer::from_shop)",
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Environment;
    use crate::model::{OrderOffer, OrderShop};
    use chrono::NaiveDate;
    use connector_core::SecretString;

    fn config() -> AccorConfig {
        AccorConfig::builder()
            .environment(Environment::Test)
            .client_id("c")
            .client_secret(SecretString::from("s"))
            .allow_user_store("it_it")
            .build()
            .unwrap()
    }

    fn cust() -> CustomerBlock {
        CustomerBlock::new(
            "92320.HB1624",
            "test@gmail.com",
            "Test",
            "P2P",
            "AA00001221",
            "AA00001221",
            "fr_fr",
        )
    }

    fn msg(r: Result<(), Error>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn customer_rules_name_the_field() {
        let c = config();
        assert!(customer(&c, &cust()).is_ok());
        let mut bad = cust();
        bad.mega_code = " ".into();
        assert_eq!(
            msg(customer(&c, &bad)),
            "invalid input: `customer.mega_code` is required and must not be blank"
        );
        let mut bad = cust();
        bad.email = "test.gmail.com".into();
        assert_eq!(
            msg(customer(&c, &bad)),
            "invalid input: `customer.email` must be a valid e-mail address"
        );
        let mut bad = cust();
        bad.user_store = "be-fr".into();
        let m = msg(customer(&c, &bad));
        assert!(
            m.starts_with("invalid input: `customer.user_store` must be one of fr_fr, be_fr"),
            "{m}"
        );
        assert!(m.contains("got `be-fr`"), "{m}");
        let mut escape = cust();
        escape.user_store = "it_it".into();
        assert!(customer(&c, &escape).is_ok());
        let mut bad = cust();
        bad.billing_address_id = String::new();
        assert!(msg(customer(&c, &bad)).contains("`customer.billing_address_id`"));
    }

    #[test]
    fn order_rules() {
        let c = config();
        let po = |offers, shops: Vec<OrderShop>| {
            let mut r = PurchaseOrderRequest::new(cust(), "FR-FR", offers);
            r.shops = shops;
            r
        };
        assert!(purchase_order(&c, &po(vec![OrderOffer::new("1", 1)], vec![])).is_ok());
        assert_eq!(
            msg(purchase_order(
                &c,
                &po(
                    vec![OrderOffer::new("1", 1), OrderOffer::new("2", 0)],
                    vec![]
                )
            )),
            "invalid input: `offers[1].quantity` must be greater than 0 (got 0)"
        );
        assert_eq!(
            msg(purchase_order(&c, &po(vec![], vec![]))),
            "invalid input: `offers` must have at least one line"
        );
        let mut zone = po(vec![OrderOffer::new("1", 1)], vec![]);
        zone.shipping_zone_code = "FR".into();
        assert!(msg(purchase_order(&c, &zone)).contains("`shipping_zone_code` must be one of"));
        // Delivery rounds need a date.
        let rounds = po(
            vec![OrderOffer::new("1", 1).from_shop("7")],
            vec![OrderShop::new("7").with_delivery_rounds()],
        );
        assert_eq!(
            msg(purchase_order(&c, &rounds)),
            "invalid input: `shops[0].delivery_date_selected` is required when the supplier delivers by delivery rounds (DD/MM/YYYY)"
        );
        let dated = po(
            vec![OrderOffer::new("1", 1).from_shop("7")],
            vec![
                OrderShop::new("7")
                    .with_delivery_rounds()
                    .with_delivery_date(NaiveDate::from_ymd_opt(2024, 9, 30).unwrap()),
            ],
        );
        assert!(purchase_order(&c, &dated).is_ok());
        // Offers must belong to a listed shop.
        let foreign = po(
            vec![
                OrderOffer::new("1", 1).from_shop("7"),
                OrderOffer::new("2", 1).from_shop("8"),
            ],
            vec![OrderShop::new("7")],
        );
        assert!(
            msg(purchase_order(&c, &foreign))
                .starts_with("invalid input: `offers[1].offer_id` belongs to shop `8`")
        );
        let unknown = po(vec![OrderOffer::new("1", 1)], vec![OrderShop::new("7")]);
        assert!(msg(purchase_order(&c, &unknown)).contains("has no known shop"));
    }
}
