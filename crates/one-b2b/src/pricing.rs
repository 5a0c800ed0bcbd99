//! Stage II: B2C retail prices, B2B catalog prices, pricings (price lists) and their
//! assignment to clients, product groups, tax rates; and the 2,000-price-lists-per-client
//! guard.

use std::collections::{BTreeMap, BTreeSet};

use connector_core::batch::{BatchReport, Chunk};
use connector_core::{Currency, Error, validate};
use futures::{Stream, StreamExt};

use crate::bulk::{Checkpoint, Keyed};
use crate::client::OneClient;
use crate::config::MAX_PRICE_LISTS_PER_CLIENT;
use crate::model::{CatalogPrice, ClientPricing, Pricing, ProductGroup, RetailPrice, TaxRate};
use crate::routes;
use crate::stock::exact_number;

/// A price on its way: catalog (B2B, with a pricing) or retail (B2C).
#[derive(Debug, Clone)]
pub(crate) enum PriceOp {
    Catalog(CatalogPrice),
    Retail(RetailPrice),
}

impl Keyed for PriceOp {
    fn key(&self) -> String {
        PriceOp::key(self)
    }
}

impl PriceOp {
    fn key(&self) -> String {
        match self {
            Self::Catalog(p) => format!("{}@{}", p.product_id, p.pricing_id),
            Self::Retail(p) => p.product_id.clone(),
        }
    }

    fn check(&self, field: &str) -> Result<(), Error> {
        let (product, price) = match self {
            Self::Catalog(p) => {
                validate::required(&format!("{field}.pricingId"), &p.pricing_id)?;
                (&p.product_id, &p.price)
            }
            Self::Retail(p) => (&p.product_id, &p.price),
        };
        validate::required(&format!("{field}.productId"), product)?;
        if price.is_sign_negative() && !price.is_zero() {
            return Err(Error::invalid(
                format!("{field}.price"),
                "must not be negative",
            ));
        }
        exact_number(&format!("{field}.price"), price)
    }
}

/// Checks assignments against ONe's limit of 2,000 price lists per client, before sending.
///
/// Counts distinct pricings assigned directly to each client (group assignments are not
/// counted: ONe's docs do not say whether they count, see the platform guide).
#[derive(Debug, Clone, Default)]
pub struct PriceListGuard {
    per_client: BTreeMap<String, BTreeSet<String>>,
    limit: usize,
}

impl PriceListGuard {
    /// A guard knowing the assignments already on ONe.
    pub fn new(existing: &[ClientPricing]) -> Self {
        let mut g = Self {
            per_client: BTreeMap::new(),
            limit: MAX_PRICE_LISTS_PER_CLIENT,
        };
        g.add(existing);
        g
    }

    fn add(&mut self, items: &[ClientPricing]) {
        for a in items {
            if let Some(c) = &a.client_id {
                self.per_client
                    .entry(c.clone())
                    .or_default()
                    .insert(a.pricing_id.clone());
            }
        }
    }

    /// Price lists a client has now.
    pub fn count(&self, client_id: &str) -> usize {
        self.per_client.get(client_id).map_or(0, BTreeSet::len)
    }

    /// Refuses `new` if any client would end up with more than 2,000 price lists; names the
    /// first assignment over the limit.
    pub fn check(&self, new: &[ClientPricing]) -> Result<(), Error> {
        let mut after = self.per_client.clone();
        for (i, a) in new.iter().enumerate() {
            match (&a.client_id, &a.client_group_id) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(Error::invalid(
                        format!("assignments[{i}]"),
                        "needs exactly one of clientId and clientGroupId",
                    ));
                }
                _ => {}
            }
            validate::required(&format!("assignments[{i}].pricingId"), &a.pricing_id)?;
            if let Some(c) = &a.client_id {
                let set = after.entry(c.clone()).or_default();
                set.insert(a.pricing_id.clone());
                if set.len() > self.limit {
                    return Err(Error::invalid(
                        format!("assignments[{i}].pricingId"),
                        format!(
                            "would give client {c} {} price lists; ONe allows at most {}: delete unused price lists first (OneClient::find_unused_pricings)",
                            set.len(),
                            self.limit
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Pricings no client and no client group uses, and that are not global: candidates for
/// deletion ("each unused price list should be deleted").
pub fn unused_pricings(pricings: &[Pricing], assignments: &[ClientPricing]) -> Vec<String> {
    let used: BTreeSet<&str> = assignments.iter().map(|a| a.pricing_id.as_str()).collect();
    pricings
        .iter()
        .filter(|p| p.global != Some(true))
        .filter_map(|p| p.id.as_deref())
        .filter(|id| !used.contains(id))
        .map(str::to_string)
        .collect()
}

impl OneClient {
    /// Pushes B2B catalog prices (`PUT .../prices`), in requests of at most `max_lines`.
    pub async fn push_catalog_prices<S>(
        &self,
        prices: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = CatalogPrice> + Send,
    {
        self.push_price_ops(prices.map(|p| (PriceOp::Catalog(p), None)), checkpoint)
            .await
    }

    /// Pushes B2C retail prices (`PUT .../retail-prices`), in requests of at most `max_lines`.
    pub async fn push_retail_prices<S>(
        &self,
        prices: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = RetailPrice> + Send,
    {
        self.push_price_ops(prices.map(|p| (PriceOp::Retail(p), None)), checkpoint)
            .await
    }

    /// Prices with, for prices from the shared model, the currency they are in: ONe's amounts
    /// carry none (the tenant's currency is implied), so a price in another currency than
    /// the configured one is refused, never sent as if it were in the tenant's.
    /// Sends price operations; `terms` carry what a shared `PriceRecord` said beyond the ONe
    /// price, checked first (see [`SharedPriceTerms`]).
    pub(crate) async fn push_price_ops<S>(
        &self,
        ops: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = (PriceOp, Option<SharedPriceTerms>)> + Send,
    {
        let tenant = Currency::new(&self.config.currency)?;
        let today = chrono::Utc::now().date_naive();
        let prepare = |i: usize, (op, terms): (PriceOp, Option<SharedPriceTerms>)| {
            let field = format!("prices[{i}]");
            let checked = op.check(&field).and_then(|()| match &terms {
                Some(t) => t.check(&field, &tenant, today),
                None => Ok(()),
            });
            match checked {
                Ok(()) => Ok(op),
                Err(e) => Err((op.key(), e)),
            }
        };
        let build = |chunk: &Chunk<_>| {
            OneClient::build_groups(
                chunk,
                |op: &PriceOp| match op {
                    PriceOp::Catalog(_) => "catalog",
                    PriceOp::Retail(_) => "retail",
                },
                |group, ops| {
                    if group == "catalog" {
                        let body: Vec<&CatalogPrice> = ops
                            .iter()
                            .filter_map(|o| match o {
                                PriceOp::Catalog(p) => Some(p),
                                PriceOp::Retail(_) => None,
                            })
                            .collect();
                        OneClient::with_json(
                            self.request(&routes::CATALOG_PRICES, &[]),
                            "prices",
                            &body,
                        )
                    } else {
                        let body: Vec<&RetailPrice> = ops
                            .iter()
                            .filter_map(|o| match o {
                                PriceOp::Retail(p) => Some(p),
                                PriceOp::Catalog(_) => None,
                            })
                            .collect();
                        OneClient::with_json(
                            self.request(&routes::RETAIL_PRICES, &[]),
                            "prices",
                            &body,
                        )
                    }
                },
            )
        };
        self.engine().run(checkpoint, ops, prepare, build).await
    }

    /// The main catalog's pricing id (the `pricingId` of ordinary B2B prices).
    pub async fn main_catalog_id(&self) -> Result<String, Error> {
        let v: serde_json::Value = self
            .call(self.request(&routes::MAIN_CATALOG_ID, &[]))
            .await?;
        let id =
            match &v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Object(o) => ["id", "mainCatalogId", "pricingId"]
                    .iter()
                    .find_map(|k| match o.get(*k) {
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    }),
                _ => None,
            };
        id.ok_or_else(|| Error::Decode {
            path: "$".into(),
            message: "expected the main catalog id (a string, a number or {id})".into(),
            excerpt: connector_core::error::excerpt(v.to_string().as_bytes()),
        })
    }

    /// Creates a pricing (price list with a discount); returns it with its id.
    pub async fn create_pricing(&self, pricing: &Pricing) -> Result<Pricing, Error> {
        validate::required("pricing.name", &pricing.name)?;
        if let Some(d) = &pricing.default_discount {
            d.kind.check_known("pricing.defaultDiscount.type")?;
        }
        let hint = format!(
            "list pricings and look for `{}` before creating it again",
            pricing.name
        );
        let req = self.request(&routes::PRICING_CREATE, &[]);
        self.call_once_json(Self::with_json(req, "pricing", pricing)?, hint)
            .await
    }

    /// Lists pricings.
    pub async fn pricings(&self) -> Result<Vec<Pricing>, Error> {
        self.call(self.request(&routes::PRICINGS_LIST, &[])).await
    }

    /// Deletes a pricing.
    pub async fn delete_pricing(&self, pricing_id: &str) -> Result<(), Error> {
        validate::required("pricingId", pricing_id)?;
        self.call_empty(self.request(&routes::PRICING_DELETE, &[pricing_id]))
            .await
            .map(|_| ())
    }

    /// Current pricing assignments.
    pub async fn pricing_assignments(&self) -> Result<Vec<ClientPricing>, Error> {
        self.call(self.request(&routes::PRICING_ASSIGNMENTS, &[]))
            .await
    }

    /// Assigns pricings to clients or client groups, after checking against the current
    /// assignments that no client would exceed 2,000 price lists (nothing is sent otherwise).
    pub async fn assign_pricings(&self, assignments: &[ClientPricing]) -> Result<(), Error> {
        self.check_lines("assignments", assignments.len())?;
        let existing = self.pricing_assignments().await?;
        PriceListGuard::new(&existing).check(assignments)?;
        let req = self.request(&routes::PRICING_ASSIGN, &[]);
        self.call_empty(Self::with_json(req, "assignments", assignments)?)
            .await
            .map(|_| ())
    }

    /// Ids of pricings that no client or group uses (and are not global).
    pub async fn find_unused_pricings(&self) -> Result<Vec<String>, Error> {
        let pricings = self.pricings().await?;
        let assignments = self.pricing_assignments().await?;
        Ok(unused_pricings(&pricings, &assignments))
    }

    /// Creates a product group; returns it with its id.
    pub async fn create_product_group(&self, group: &ProductGroup) -> Result<ProductGroup, Error> {
        validate::required("productGroup.name", &group.name)?;
        let hint = format!(
            "look for product group `{}` before creating it again",
            group.name
        );
        let req = self.request(&routes::PRODUCT_GROUP_CREATE, &[]);
        self.call_once_json(Self::with_json(req, "productGroup", group)?, hint)
            .await
    }

    /// Sets the products (SKUs) of a product group.
    pub async fn set_product_group_products(
        &self,
        group_id: &str,
        skus: &[String],
    ) -> Result<(), Error> {
        validate::required("productGroupId", group_id)?;
        self.check_lines("skus", skus.len())?;
        for (i, s) in skus.iter().enumerate() {
            validate::required(&format!("skus[{i}]"), s)?;
        }
        let req = self.request(&routes::PRODUCT_GROUP_PRODUCTS, &[group_id]);
        self.call_empty(Self::with_json(req, "skus", skus)?)
            .await
            .map(|_| ())
    }

    /// Sets products' VAT rates (`PUT .../products/tax`).
    pub async fn put_tax_rates(&self, rates: &[TaxRate]) -> Result<(), Error> {
        self.check_lines("taxRates", rates.len())?;
        for (i, r) in rates.iter().enumerate() {
            validate::required(&format!("taxRates[{i}].productId"), &r.product_id)?;
            if r.tax_rate.is_sign_negative() || r.tax_rate > rust_decimal::Decimal::ONE_HUNDRED {
                return Err(Error::invalid(
                    format!("taxRates[{i}].taxRate"),
                    "must be a percentage between 0 and 100",
                ));
            }
        }
        let req = self.request(&routes::TAX_RATES, &[]);
        self.call_empty(Self::with_json(req, "taxRates", rates)?)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn guard_refuses_the_2001st_price_list_and_names_it() {
        let existing: Vec<ClientPricing> = (0..1_999)
            .map(|i| ClientPricing::for_client("org:ACME", format!("P{i}")))
            .collect();
        let guard = PriceListGuard::new(&existing);
        assert_eq!(guard.count("org:ACME"), 1_999);
        // The 2,000th is fine, re-assigning an existing one is fine.
        guard
            .check(&[
                ClientPricing::for_client("org:ACME", "NEW-1"),
                ClientPricing::for_client("org:ACME", "P5"),
                ClientPricing::for_group("GROUP-1", "NEW-2"),
            ])
            .unwrap();
        let err = guard
            .check(&[
                ClientPricing::for_client("org:OTHER", "X"),
                ClientPricing::for_client("org:ACME", "NEW-1"),
                ClientPricing::for_client("org:ACME", "NEW-2"),
            ])
            .unwrap_err();
        match err {
            Error::InvalidInput { field, rule } => {
                assert_eq!(field, "assignments[2].pricingId");
                assert!(rule.contains("org:ACME 2001"), "{rule}");
                assert!(rule.contains("2000"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unused_pricings_skip_used_and_global_ones() {
        let mut a = Pricing::new("A");
        a.id = Some("A".into());
        let mut b = Pricing::new("B");
        b.id = Some("B".into());
        let mut g = Pricing::new("G");
        g.id = Some("G".into());
        g.global = Some(true);
        let mut c = Pricing::new("C");
        c.id = Some("C".into());
        let assignments = vec![
            ClientPricing::for_client("org:1", "A"),
            ClientPricing::for_group("grp", "C"),
        ];
        assert_eq!(
            unused_pricings(&[a, b, g, c], &assignments),
            vec!["B".to_string()]
        );
    }
}

/// What a shared `PriceRecord` says beyond the ONe price body (`{price, productId[,
/// pricingId]}`), which ONe cannot express: such a record is refused, not sent with a different
/// meaning.
#[derive(Debug, Clone)]
pub(crate) struct SharedPriceTerms {
    /// The price's currency: ONe prices are in the tenant's currency.
    pub(crate) currency: Currency,
    /// A per-location price would apply to every location.
    pub(crate) location: bool,
    /// A price valid from a future date would apply now.
    pub(crate) valid_from: Option<chrono::NaiveDate>,
    /// A price that has expired would apply again.
    pub(crate) valid_to: Option<chrono::NaiveDate>,
}

impl SharedPriceTerms {
    fn check(&self, field: &str, tenant: &Currency, today: chrono::NaiveDate) -> Result<(), Error> {
        if &self.currency != tenant {
            return Err(Error::invalid(
                format!("{field}.price.currency"),
                format!(
                    "is {}; ONe prices are in the tenant's currency {tenant}",
                    self.currency
                ),
            ));
        }
        if self.location {
            return Err(Error::invalid(
                format!("{field}.location"),
                "is set; ONe has no per-location prices (the price would apply everywhere)",
            ));
        }
        if let Some(from) = self.valid_from.filter(|d| *d > today) {
            return Err(Error::invalid(
                format!("{field}.valid_from"),
                format!("is {from}; ONe applies a price at once: push it on or after that day"),
            ));
        }
        if let Some(to) = self.valid_to.filter(|d| *d < today) {
            return Err(Error::invalid(
                format!("{field}.valid_to"),
                format!("is {to}: the price has expired and ONe would apply it again"),
            ));
        }
        Ok(())
    }
}
