//! Load files: typed records, the field-name layout profile, and a writer that streams JSON
//! arrays to disk (a catalog of millions of products never sits in memory).
//!
//! TOTVS has not published the layout of `PRODUTOS_DO_ERP.json`, `PRECOS_DO_ERP.json` and
//! `ESTOQUE_DO_ERP.json`: the field names come from a [`LayoutProfile`]. The default profile is
//! provisional (see `docs/platforms/totvs-omni.md`); supply the client's own with
//! [`LayoutProfile::from_json`] or by editing the public fields.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use connector_core::Error;
use futures::{Stream, StreamExt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::model::IntegrationType;

/// Field names of product records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProductFields {
    /// SKU (default `sku`).
    pub sku: String,
    /// Reference / model code (default `referencia`).
    pub reference: String,
    /// Name (default `nome`).
    pub name: String,
    /// Description (default `descricao`).
    pub description: String,
    /// Brand (default `marca`).
    pub brand: String,
    /// Category (default `categoria`).
    pub category: String,
    /// EAN / GTIN (default `ean`).
    pub ean: String,
    /// Colour (default `cor`).
    pub color: String,
    /// Size (default `tamanho`).
    pub size: String,
    /// Active flag (default `ativo`).
    pub active: String,
    /// Attribute object (default `atributos`).
    pub attributes: String,
    /// Embedded price for types 8 and 6 (default `preco`).
    pub price: String,
    /// Embedded promotional price (default `precoPromocional`).
    pub promotional_price: String,
    /// Embedded stock array for types 3 and 6 (default `estoques`).
    pub stock: String,
}

impl Default for ProductFields {
    fn default() -> Self {
        Self {
            sku: "sku".into(),
            reference: "referencia".into(),
            name: "nome".into(),
            description: "descricao".into(),
            brand: "marca".into(),
            category: "categoria".into(),
            ean: "ean".into(),
            color: "cor".into(),
            size: "tamanho".into(),
            active: "ativo".into(),
            attributes: "atributos".into(),
            price: "preco".into(),
            promotional_price: "precoPromocional".into(),
            stock: "estoques".into(),
        }
    }
}

/// Field names of price records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceFields {
    /// SKU (default `sku`).
    pub sku: String,
    /// Price (default `preco`).
    pub price: String,
    /// Promotional price (default `precoPromocional`).
    pub promotional_price: String,
    /// Promotion start (default `inicio`).
    pub start: String,
    /// Promotion end (default `fim`).
    pub end: String,
}

impl Default for PriceFields {
    fn default() -> Self {
        Self {
            sku: "sku".into(),
            price: "preco".into(),
            promotional_price: "precoPromocional".into(),
            start: "inicio".into(),
            end: "fim".into(),
        }
    }
}

/// Field names of stock records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StockFields {
    /// SKU (default `sku`).
    pub sku: String,
    /// Store external id (default `loja`).
    pub store: String,
    /// Quantity (default `quantidade`).
    pub quantity: String,
}

impl Default for StockFields {
    fn default() -> Self {
        Self {
            sku: "sku".into(),
            store: "loja".into(),
            quantity: "quantidade".into(),
        }
    }
}

/// Field names of attribute records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AttributeFields {
    /// SKU (default `sku`).
    pub sku: String,
    /// Attribute name (default `atributo`).
    pub name: String,
    /// Attribute value (default `valor`).
    pub value: String,
}

impl Default for AttributeFields {
    fn default() -> Self {
        Self {
            sku: "sku".into(),
            name: "atributo".into(),
            value: "valor".into(),
        }
    }
}

/// How decimal amounts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DecimalStyle {
    /// A JSON number with `.` as separator and the record's own scale: `129.90` (default).
    #[default]
    Number,
    /// A JSON string with `.` as separator: `"129.90"`.
    String,
}

/// The field names (and number style) of the load files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LayoutProfile {
    /// A name for logs (`default` for the built-in profile).
    pub name: String,
    /// Product record fields.
    pub product: ProductFields,
    /// Price record fields.
    pub price: PriceFields,
    /// Stock record fields.
    pub stock: StockFields,
    /// Attribute record fields.
    pub attribute: AttributeFields,
    /// How amounts and quantities are written.
    pub decimals: DecimalStyle,
    /// `chrono` format of dates (default `%Y-%m-%d`).
    pub date_format: String,
}

impl Default for LayoutProfile {
    fn default() -> Self {
        Self {
            name: "default".into(),
            product: ProductFields::default(),
            price: PriceFields::default(),
            stock: StockFields::default(),
            attribute: AttributeFields::default(),
            decimals: DecimalStyle::Number,
            date_format: "%Y-%m-%d".into(),
        }
    }
}

impl LayoutProfile {
    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads a profile from JSON; missing fields keep their default names, e.g.
    /// `{"name":"acme","stock":{"store":"codigoLoja"}}`.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let profile: Self = serde_json::from_str(json)
            .map_err(|e| Error::invalid("layout", format!("is not a valid profile: {e}")))?;
        profile.check()?;
        Ok(profile)
    }

    /// Checks that no record kind uses the same field name twice and none is empty, and that
    /// `date_format` formats a date (chrono would panic on an unknown specifier or a time
    /// field such as `%H` when the first date is written).
    pub fn check(&self) -> Result<(), Error> {
        let mut probe = String::new();
        let formats = !self.date_format.trim().is_empty()
            && NaiveDate::from_ymd_opt(2026, 1, 31)
                .is_some_and(|d| write!(probe, "{}", d.format(&self.date_format)).is_ok());
        if !formats {
            return Err(Error::invalid(
                "layout.date_format",
                format!(
                    "`{}` is not a chrono date format (e.g. `%Y-%m-%d`)",
                    self.date_format
                ),
            ));
        }
        let p = &self.product;
        let groups: [(&str, Vec<&String>); 4] = [
            (
                "layout.product",
                vec![
                    &p.sku,
                    &p.reference,
                    &p.name,
                    &p.description,
                    &p.brand,
                    &p.category,
                    &p.ean,
                    &p.color,
                    &p.size,
                    &p.active,
                    &p.attributes,
                    &p.price,
                    &p.promotional_price,
                    &p.stock,
                ],
            ),
            (
                "layout.price",
                vec![
                    &self.price.sku,
                    &self.price.price,
                    &self.price.promotional_price,
                    &self.price.start,
                    &self.price.end,
                ],
            ),
            (
                "layout.stock",
                vec![&self.stock.sku, &self.stock.store, &self.stock.quantity],
            ),
            (
                "layout.attribute",
                vec![
                    &self.attribute.sku,
                    &self.attribute.name,
                    &self.attribute.value,
                ],
            ),
        ];
        for (group, names) in groups {
            let mut seen = std::collections::BTreeSet::new();
            for n in names {
                if n.trim().is_empty() {
                    return Err(Error::invalid(group, "field names must not be empty"));
                }
                if !seen.insert(n.as_str()) {
                    return Err(Error::invalid(group, format!("uses `{n}` twice")));
                }
            }
        }
        Ok(())
    }
}

/// Stock of one SKU at one store (the store must exist in Omni with the same external id).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StockLine {
    /// SKU.
    pub sku: String,
    /// Store external id.
    pub store: String,
    /// Units available.
    pub quantity: Decimal,
    /// Extra fields written as given.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl StockLine {
    /// A stock line.
    pub fn new(sku: impl Into<String>, store: impl Into<String>, quantity: Decimal) -> Self {
        Self {
            sku: sku.into(),
            store: store.into(),
            quantity,
            extra: BTreeMap::new(),
        }
    }

    /// Adds an extra field.
    pub fn extra(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// A price of one SKU.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PriceLine {
    /// SKU.
    pub sku: String,
    /// Price (BRL, at most 2 decimals).
    pub price: Decimal,
    /// Promotional price.
    pub promotional_price: Option<Decimal>,
    /// Promotion start.
    pub start: Option<NaiveDate>,
    /// Promotion end.
    pub end: Option<NaiveDate>,
    /// Extra fields written as given.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl PriceLine {
    /// A price line.
    pub fn new(sku: impl Into<String>, price: Decimal) -> Self {
        Self {
            sku: sku.into(),
            price,
            promotional_price: None,
            start: None,
            end: None,
            extra: BTreeMap::new(),
        }
    }

    /// A promotional price valid from `start` to `end` (inclusive).
    pub fn promotion(
        mut self,
        price: Decimal,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> Self {
        self.promotional_price = Some(price);
        self.start = start;
        self.end = end;
        self
    }

    /// Adds an extra field.
    pub fn extra(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// A product (optionally with embedded price and stock for types 8, 3 and 6).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProductLine {
    /// SKU.
    pub sku: String,
    /// Reference / model code.
    pub reference: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// EAN / GTIN.
    pub ean: Option<String>,
    /// Colour.
    pub color: Option<String>,
    /// Size.
    pub size: Option<String>,
    /// Whether the product is sellable.
    pub active: bool,
    /// Free attributes.
    pub attributes: BTreeMap<String, String>,
    /// Embedded price (types 8 and 6).
    pub price: Option<Decimal>,
    /// Embedded promotional price.
    pub promotional_price: Option<Decimal>,
    /// Embedded stock per store (types 3 and 6).
    pub stock: Vec<(String, Decimal)>,
    /// Extra fields written as given.
    pub extra: BTreeMap<String, serde_json::Value>,
}

macro_rules! opt_setter {
    ($($name:ident),*) => {$(
        #[doc = concat!("Sets `", stringify!($name), "`.")]
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.$name = Some(value.into());
            self
        }
    )*};
}

impl ProductLine {
    /// An active product.
    pub fn new(sku: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            sku: sku.into(),
            reference: None,
            name: name.into(),
            description: None,
            brand: None,
            category: None,
            ean: None,
            color: None,
            size: None,
            active: true,
            attributes: BTreeMap::new(),
            price: None,
            promotional_price: None,
            stock: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    opt_setter!(reference, description, brand, category, ean, color, size);

    /// Sets the active flag.
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// Adds an attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Embeds a price (types 8 and 6).
    pub fn with_price(mut self, price: Decimal, promotional: Option<Decimal>) -> Self {
        self.price = Some(price);
        self.promotional_price = promotional;
        self
    }

    /// Embeds the stock at one store (types 3 and 6).
    pub fn with_stock(mut self, store: impl Into<String>, quantity: Decimal) -> Self {
        self.stock.push((store.into(), quantity));
        self
    }

    /// Adds an extra field.
    pub fn extra(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// An attribute value of one SKU (type 12).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AttributeLine {
    /// SKU.
    pub sku: String,
    /// Attribute name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Extra fields written as given.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl AttributeLine {
    /// An attribute line.
    pub fn new(sku: impl Into<String>, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            sku: sku.into(),
            name: name.into(),
            value: value.into(),
            extra: BTreeMap::new(),
        }
    }
}

/// A record that can be written to a load file.
pub trait LoadRecord: Send + Sync {
    /// Validates the record for a file of type `ty`; `at` is the record path (`records[3]`).
    fn validate(&self, ty: IntegrationType, at: &str) -> Result<(), Error>;
    /// Writes the record as one JSON object.
    fn write_json(&self, profile: &LayoutProfile, out: &mut String);
    /// Whether the record can go into a file of type `ty`.
    fn fits(ty: IntegrationType) -> bool
    where
        Self: Sized;
    /// The record's key for reports (its SKU).
    fn key(&self) -> &str;
    /// The stores (external ids) the record needs to exist in Omni: a stock line's store
    /// (default: none).
    fn stores(&self) -> Vec<&str> {
        Vec::new()
    }
    /// The record's extra fields, if it has any; the writer refuses one whose name is also a
    /// field of the layout ([`LoadRecord::layout_fields`]), which would write the key twice.
    fn extra_fields(&self) -> Option<&BTreeMap<String, serde_json::Value>> {
        None
    }
    /// The top-level field names `profile` gives this kind of record.
    fn layout_fields(profile: &LayoutProfile) -> Vec<&str>
    where
        Self: Sized,
    {
        let _ = profile;
        Vec::new()
    }
}

struct Obj<'a> {
    out: &'a mut String,
    first: bool,
    profile: &'a LayoutProfile,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut String, profile: &'a LayoutProfile) -> Self {
        out.push('{');
        Self {
            out,
            first: true,
            profile,
        }
    }
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_json_str(self.out, k);
        self.out.push(':');
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        push_json_str(self.out, v);
    }
    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }
    fn dec(&mut self, k: &str, v: Decimal) {
        self.key(k);
        push_decimal(self.out, v, self.profile.decimals);
    }
    fn opt_dec(&mut self, k: &str, v: Option<Decimal>) {
        if let Some(v) = v {
            self.dec(k, v);
        }
    }
    fn opt_date(&mut self, k: &str, v: Option<NaiveDate>) {
        if let Some(v) = v {
            let s = v.format(&self.profile.date_format).to_string();
            self.str(k, &s);
        }
    }
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out.push_str(if v { "true" } else { "false" });
    }
    fn extra(&mut self, extra: &BTreeMap<String, serde_json::Value>) {
        for (k, v) in extra {
            self.key(k);
            self.out.push_str(&v.to_string());
        }
    }
    fn close(self) {
        self.out.push('}');
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

fn push_decimal(out: &mut String, v: Decimal, style: DecimalStyle) {
    match style {
        DecimalStyle::Number => {
            let _ = write!(out, "{v}");
        }
        DecimalStyle::String => {
            let _ = write!(out, "\"{v}\"");
        }
    }
}

fn check_text(at: &str, name: &str, value: &str) -> Result<(), Error> {
    connector_core::validate::required(&format!("{at}.{name}"), value)
}

fn check_amount(field: &str, v: Decimal) -> Result<(), Error> {
    if v.is_sign_negative() {
        return Err(Error::invalid(field, "must not be negative"));
    }
    if v.scale() > 2 && v.normalize().scale() > 2 {
        return Err(Error::invalid(field, "must have at most 2 decimal places"));
    }
    Ok(())
}

fn check_quantity(field: &str, v: Decimal) -> Result<(), Error> {
    if v.is_sign_negative() {
        return Err(Error::invalid(field, "must not be negative"));
    }
    Ok(())
}

impl LoadRecord for ProductLine {
    fn validate(&self, ty: IntegrationType, at: &str) -> Result<(), Error> {
        check_text(at, "sku", &self.sku)?;
        check_text(at, "name", &self.name)?;
        if let Some(ean) = &self.ean
            && (!(8..=14).contains(&ean.len()) || !ean.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::invalid(
                format!("{at}.ean"),
                "must be 8 to 14 digits",
            ));
        }
        match (ty.needs_embedded_price(), self.price) {
            (true, None) => {
                return Err(Error::invalid(
                    format!("{at}.price"),
                    format!("is required in a type {ty} load"),
                ));
            }
            (false, Some(_)) => {
                return Err(Error::invalid(
                    format!("{at}.price"),
                    format!(
                        "cannot be sent in a type {ty} load (use type 8 or 6, or a price load)"
                    ),
                ));
            }
            (_, Some(p)) => check_amount(&format!("{at}.price"), p)?,
            _ => {}
        }
        if let Some(p) = self.promotional_price {
            let field = format!("{at}.promotional_price");
            if !ty.needs_embedded_price() {
                return Err(Error::invalid(
                    field,
                    format!(
                        "cannot be sent in a type {ty} load (use type 8 or 6, or a price load)"
                    ),
                ));
            }
            check_amount(&field, p)?;
            if self.price.is_some_and(|price| p > price) {
                return Err(Error::invalid(field, "must not exceed the price"));
            }
        }
        if ty.needs_embedded_stock() && self.stock.is_empty() {
            return Err(Error::invalid(
                format!("{at}.stock"),
                format!("is required in a type {ty} load"),
            ));
        }
        if !ty.needs_embedded_stock() && !self.stock.is_empty() {
            return Err(Error::invalid(
                format!("{at}.stock"),
                format!("cannot be sent in a type {ty} load (use type 3 or 6, or a stock load)"),
            ));
        }
        for (i, (store, q)) in self.stock.iter().enumerate() {
            check_text(&format!("{at}.stock[{i}]"), "store", store)?;
            check_quantity(&format!("{at}.stock[{i}].quantity"), *q)?;
        }
        Ok(())
    }

    fn write_json(&self, profile: &LayoutProfile, out: &mut String) {
        let f = &profile.product;
        let mut o = Obj::open(out, profile);
        o.str(&f.sku, &self.sku);
        o.opt_str(&f.reference, self.reference.as_deref());
        o.str(&f.name, &self.name);
        o.opt_str(&f.description, self.description.as_deref());
        o.opt_str(&f.brand, self.brand.as_deref());
        o.opt_str(&f.category, self.category.as_deref());
        o.opt_str(&f.ean, self.ean.as_deref());
        o.opt_str(&f.color, self.color.as_deref());
        o.opt_str(&f.size, self.size.as_deref());
        o.bool(&f.active, self.active);
        if !self.attributes.is_empty() {
            o.key(&f.attributes);
            let mut a = Obj::open(o.out, profile);
            for (k, v) in &self.attributes {
                a.str(k, v);
            }
            a.close();
        }
        o.opt_dec(&f.price, self.price);
        o.opt_dec(&f.promotional_price, self.promotional_price);
        if !self.stock.is_empty() {
            o.key(&f.stock);
            o.out.push('[');
            for (i, (store, q)) in self.stock.iter().enumerate() {
                if i > 0 {
                    o.out.push(',');
                }
                let mut s = Obj::open(o.out, profile);
                s.str(&profile.stock.store, store);
                s.dec(&profile.stock.quantity, *q);
                s.close();
            }
            o.out.push(']');
        }
        o.extra(&self.extra);
        o.close();
    }

    fn fits(ty: IntegrationType) -> bool {
        ty.has_products()
    }

    fn key(&self) -> &str {
        &self.sku
    }

    fn extra_fields(&self) -> Option<&BTreeMap<String, serde_json::Value>> {
        Some(&self.extra)
    }

    fn layout_fields(profile: &LayoutProfile) -> Vec<&str> {
        let f = &profile.product;
        vec![
            &f.sku,
            &f.reference,
            &f.name,
            &f.description,
            &f.brand,
            &f.category,
            &f.ean,
            &f.color,
            &f.size,
            &f.active,
            &f.attributes,
            &f.price,
            &f.promotional_price,
            &f.stock,
        ]
    }
}

impl LoadRecord for PriceLine {
    fn validate(&self, _ty: IntegrationType, at: &str) -> Result<(), Error> {
        check_text(at, "sku", &self.sku)?;
        check_amount(&format!("{at}.price"), self.price)?;
        if let Some(p) = self.promotional_price {
            check_amount(&format!("{at}.promotional_price"), p)?;
            if p > self.price {
                return Err(Error::invalid(
                    format!("{at}.promotional_price"),
                    "must not exceed the price",
                ));
            }
        }
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e < s
        {
            return Err(Error::invalid(
                format!("{at}.end"),
                "must not be before start",
            ));
        }
        Ok(())
    }

    fn write_json(&self, profile: &LayoutProfile, out: &mut String) {
        let f = &profile.price;
        let mut o = Obj::open(out, profile);
        o.str(&f.sku, &self.sku);
        o.dec(&f.price, self.price);
        o.opt_dec(&f.promotional_price, self.promotional_price);
        o.opt_date(&f.start, self.start);
        o.opt_date(&f.end, self.end);
        o.extra(&self.extra);
        o.close();
    }

    fn fits(ty: IntegrationType) -> bool {
        ty == IntegrationType::Prices
    }

    fn key(&self) -> &str {
        &self.sku
    }

    fn extra_fields(&self) -> Option<&BTreeMap<String, serde_json::Value>> {
        Some(&self.extra)
    }

    fn layout_fields(profile: &LayoutProfile) -> Vec<&str> {
        let f = &profile.price;
        vec![&f.sku, &f.price, &f.promotional_price, &f.start, &f.end]
    }
}

impl LoadRecord for StockLine {
    fn validate(&self, _ty: IntegrationType, at: &str) -> Result<(), Error> {
        check_text(at, "sku", &self.sku)?;
        check_text(at, "store", &self.store)?;
        check_quantity(&format!("{at}.quantity"), self.quantity)
    }

    fn write_json(&self, profile: &LayoutProfile, out: &mut String) {
        let f = &profile.stock;
        let mut o = Obj::open(out, profile);
        o.str(&f.sku, &self.sku);
        o.str(&f.store, &self.store);
        o.dec(&f.quantity, self.quantity);
        o.extra(&self.extra);
        o.close();
    }

    fn fits(ty: IntegrationType) -> bool {
        ty == IntegrationType::Stock
    }

    fn key(&self) -> &str {
        &self.sku
    }

    fn stores(&self) -> Vec<&str> {
        vec![self.store.as_str()]
    }

    fn extra_fields(&self) -> Option<&BTreeMap<String, serde_json::Value>> {
        Some(&self.extra)
    }

    fn layout_fields(profile: &LayoutProfile) -> Vec<&str> {
        let f = &profile.stock;
        vec![&f.sku, &f.store, &f.quantity]
    }
}

impl LoadRecord for AttributeLine {
    fn validate(&self, _ty: IntegrationType, at: &str) -> Result<(), Error> {
        check_text(at, "sku", &self.sku)?;
        check_text(at, "name", &self.name)
    }

    fn write_json(&self, profile: &LayoutProfile, out: &mut String) {
        let f = &profile.attribute;
        let mut o = Obj::open(out, profile);
        o.str(&f.sku, &self.sku);
        o.str(&f.name, &self.name);
        o.str(&f.value, &self.value);
        o.extra(&self.extra);
        o.close();
    }

    fn fits(ty: IntegrationType) -> bool {
        ty == IntegrationType::Attributes
    }

    fn key(&self) -> &str {
        &self.sku
    }

    fn extra_fields(&self) -> Option<&BTreeMap<String, serde_json::Value>> {
        Some(&self.extra)
    }

    fn layout_fields(profile: &LayoutProfile) -> Vec<&str> {
        let f = &profile.attribute;
        vec![&f.sku, &f.name, &f.value]
    }
}

/// A finished load file on disk. A temporary file is deleted when this value is dropped.
#[derive(Debug)]
pub struct LoadFile {
    path: PathBuf,
    integration_type: IntegrationType,
    records: u64,
    bytes: u64,
    _temp: Option<tempfile::TempPath>,
}

impl LoadFile {
    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its integration type.
    pub fn integration_type(&self) -> IntegrationType {
        self.integration_type
    }

    /// Records written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Size in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The name sent to Omni ([`IntegrationType::default_file_name`]).
    pub fn upload_name(&self) -> String {
        self.integration_type.default_file_name()
    }
}

/// Writes a load file record by record: a JSON array, one object per line, through a buffered
/// file (only one record is in memory at a time).
///
/// ```text
/// [
/// {"sku":"A-1","preco":129.90},
/// {"sku":"A-2","preco":59.00}
/// ]
/// ```
#[derive(Debug)]
pub struct LoadFileWriter {
    out: BufWriter<tokio::fs::File>,
    path: PathBuf,
    integration_type: IntegrationType,
    profile: LayoutProfile,
    records: u64,
    bytes: u64,
    line: String,
    temp: Option<tempfile::TempPath>,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{what} {}", path.display()), e)
}

impl LoadFileWriter {
    /// Creates (or truncates) the file at `path`.
    pub async fn create(
        path: impl Into<PathBuf>,
        integration_type: IntegrationType,
        profile: LayoutProfile,
    ) -> Result<Self, Error> {
        let path = path.into();
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| io_err("creating", &path, e))?;
        Self::start(file, path, None, integration_type, profile).await
    }

    /// Creates a temporary file (deleted when the [`LoadFile`] is dropped).
    pub async fn temp(
        integration_type: IntegrationType,
        profile: LayoutProfile,
    ) -> Result<Self, Error> {
        let temp = tempfile::Builder::new()
            .prefix("totvs-omni-load-")
            .suffix(".json")
            .tempfile()
            .map_err(|e| Error::io("creating a temporary load file", e))?;
        let (file, temp) = temp.into_parts();
        let path = temp.to_path_buf();
        Self::start(
            tokio::fs::File::from_std(file),
            path,
            Some(temp),
            integration_type,
            profile,
        )
        .await
    }

    async fn start(
        file: tokio::fs::File,
        path: PathBuf,
        temp: Option<tempfile::TempPath>,
        integration_type: IntegrationType,
        profile: LayoutProfile,
    ) -> Result<Self, Error> {
        profile.check()?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        out.write_all(b"[\n")
            .await
            .map_err(|e| io_err("writing", &path, e))?;
        Ok(Self {
            out,
            path,
            integration_type,
            profile,
            records: 0,
            bytes: 2,
            line: String::with_capacity(512),
            temp,
        })
    }

    /// Validates and appends one record. A record that breaks a rule is refused with
    /// [`Error::InvalidInput`] naming `records[i].field`, and nothing is written for it.
    pub async fn write<R: LoadRecord>(&mut self, record: &R) -> Result<(), Error> {
        if !R::fits(self.integration_type) {
            return Err(Error::invalid(
                "integration_type",
                format!(
                    "{} does not take this kind of record",
                    self.integration_type
                ),
            ));
        }
        let at = format!("records[{}]", self.records);
        record.validate(self.integration_type, &at)?;
        if let Some(extra) = record.extra_fields().filter(|e| !e.is_empty()) {
            let taken = R::layout_fields(&self.profile);
            if let Some(name) = extra.keys().find(|k| taken.contains(&k.as_str())) {
                return Err(Error::invalid(
                    format!("{at}.extra.{name}"),
                    "collides with a field of the layout profile (the key would be written twice)",
                ));
            }
        }
        self.line.clear();
        if self.records > 0 {
            self.line.push_str(",\n");
        }
        record.write_json(&self.profile, &mut self.line);
        self.out
            .write_all(self.line.as_bytes())
            .await
            .map_err(|e| io_err("writing", &self.path, e))?;
        self.bytes += self.line.len() as u64;
        self.records += 1;
        Ok(())
    }

    /// Writes every record of a stream, stopping at the first invalid one.
    pub async fn write_all<R, S>(&mut self, records: S) -> Result<(), Error>
    where
        R: LoadRecord,
        S: Stream<Item = R>,
    {
        let mut records = std::pin::pin!(records);
        while let Some(r) = records.next().await {
            self.write(&r).await?;
        }
        Ok(())
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Closes the array and flushes the file to disk.
    pub async fn finish(mut self) -> Result<LoadFile, Error> {
        let tail: &[u8] = if self.records > 0 { b"\n]\n" } else { b"]\n" };
        self.out
            .write_all(tail)
            .await
            .map_err(|e| io_err("writing", &self.path, e))?;
        self.bytes += tail.len() as u64;
        self.out
            .flush()
            .await
            .map_err(|e| io_err("flushing", &self.path, e))?;
        self.out
            .get_mut()
            .sync_all()
            .await
            .map_err(|e| io_err("syncing", &self.path, e))?;
        Ok(LoadFile {
            path: self.path,
            integration_type: self.integration_type,
            records: self.records,
            bytes: self.bytes,
            _temp: self.temp,
        })
    }
}
