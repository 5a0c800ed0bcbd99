//! Typed catalog rows: [`RowRef`] (borrowed from the reader, no allocation) and [`CatalogRow`]
//! (owned: the row's text in one allocation, numbers already parsed).
//!
//! A row is checked once, when it is decoded: field count, UTF-8, a non-empty offer id and the
//! numbers. The accessors then cannot fail; text fields are trimmed and `None` when empty.

use std::collections::BTreeMap;
use std::sync::Arc;

use connector_core::{
    Availability, Currency, Decimal, Error, Money, Offer, OfferId, PriceTier, Product, ShopId, Sku,
};
use smallvec::SmallVec;

use super::layout::{Layout, field};
use super::number::{parse_number, parse_whole, trim};

/// A malformed row: where and why. The row was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowError {
    /// File name.
    pub file: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// The column concerned, by header name, when one is.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, " column `{c}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for RowError {}

/// The numbers of a row, parsed when it was decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Numbers {
    price: Option<Decimal>,
    quantity: Option<Decimal>,
    min_order_quantity: Option<u32>,
    package_quantity: Option<u32>,
}

/// A record as the CSV reader gave it: the fields' bytes one after the other, and where each
/// field ends (relative to the record's first byte).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRecord<'a> {
    pub(crate) line: u64,
    pub(crate) bytes: &'a [u8],
    pub(crate) ends: &'a [u32],
}

/// Checks that a record has one field per header and is valid UTF-8, with every field ending
/// on a character boundary, and returns its text (the fields one after the other).
#[inline]
pub(crate) fn record_text<'a>(
    raw: RawRecord<'a>,
    headers: &[String],
    file: &str,
) -> Result<&'a str, RowError> {
    let err = |column: Option<usize>, reason: String| RowError {
        file: file.to_string(),
        line: raw.line,
        column: column.and_then(|c| headers.get(c).cloned()),
        reason,
    };
    let width = headers.len();
    if raw.ends.len() != width {
        let lines = raw
            .bytes
            .iter()
            .filter(|&&b| b == b'\n' || b == b'\r')
            .count();
        let hint = if lines > 0 {
            format!(
                " (it spans {} lines: a quoted value holds line ends; is a quote unbalanced?)",
                lines + 1
            )
        } else {
            String::new()
        };
        return Err(err(
            None,
            format!(
                "has {} fields, the header has {width}{hint}",
                raw.ends.len()
            ),
        ));
    }
    let start_of = |c: usize| match c.checked_sub(1) {
        Some(p) => raw.ends.get(p).copied().unwrap_or(0) as usize,
        None => 0,
    };
    let invalid = |c: usize, byte: usize| {
        let (from, to) = (start_of(c), raw.ends.get(c).copied().unwrap_or(0) as usize);
        let value = raw.bytes.get(from..to).unwrap_or_default();
        let bad = raw.bytes.get(byte).copied().unwrap_or(0);
        err(
            Some(c),
            format!(
                "is not valid UTF-8: byte 0x{bad:02X} at byte {} of `{}` (the file must be \
                 UTF-8; this looks like Latin-1 or Windows-1252)",
                byte.saturating_sub(from) + 1,
                String::from_utf8_lossy(value)
            ),
        )
    };
    let text = std::str::from_utf8(raw.bytes).map_err(|e| {
        let byte = e.valid_up_to();
        let c = raw
            .ends
            .iter()
            .position(|&end| byte < end as usize)
            .unwrap_or(width.saturating_sub(1));
        invalid(c, byte)
    })?;
    // Valid as a whole, but a field may still end inside a character (not in ASCII text).
    if !text.is_ascii()
        && let Some(c) = raw
            .ends
            .iter()
            .position(|&e| !text.is_char_boundary(e as usize))
    {
        return Err(err(
            Some(c),
            "is not valid UTF-8 (a character is cut by the end of the field)".into(),
        ));
    }
    Ok(text)
}

/// Whether non-negative `d` is above `max`, without the general comparison's rescaling when
/// `max` is whole (the usual limits).
#[inline]
fn exceeds(d: Decimal, max: Decimal) -> bool {
    /// Powers of ten up to a decimal's largest scale.
    const POW10: [i128; 29] = {
        let mut t = [1i128; 29];
        let mut i = 1;
        while i < 29 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    if max.scale() == 0
        && let Some(limit) = POW10
            .get(d.scale() as usize)
            .and_then(|p| p.checked_mul(max.mantissa()))
    {
        return d.mantissa() > limit;
    }
    d > max
}

/// The text of column `col` of a checked record (untrimmed).
#[inline]
pub(crate) fn column<'a>(text: &'a str, ends: &[u32], col: usize) -> &'a str {
    let start = match col.checked_sub(1) {
        Some(prev) => ends.get(prev).copied().unwrap_or(0),
        None => 0,
    } as usize;
    let end = ends.get(col).copied().unwrap_or(0) as usize;
    text.get(start..end).unwrap_or_default()
}

/// Decodes and checks one record. `file` names the source in errors.
pub(crate) fn decode<'a>(
    raw: RawRecord<'a>,
    layout: &'a Arc<Layout>,
    file: &str,
) -> Result<RowRef<'a>, RowError> {
    let text = record_text(raw, &layout.headers, file)?;
    let err = |column: Option<usize>, reason: String| RowError {
        file: file.to_string(),
        line: raw.line,
        column: column.and_then(|c| layout.headers.get(c).cloned()),
        reason,
    };
    let mut row = RowRef {
        line: raw.line,
        text,
        ends: raw.ends,
        layout,
        numbers: Numbers::default(),
    };
    if row.offer_id().is_empty() {
        return Err(err(Some(layout.offer_id), "is empty".into()));
    }
    let decimal = |f: usize, max: Decimal| -> Result<Option<Decimal>, RowError> {
        let Some(t) = row.opt(f) else { return Ok(None) };
        let d = parse_number(t, layout.numbers).map_err(|e| err(layout.fields[f], e.reason(t)))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(err(layout.fields[f], format!("`{t}` is negative")));
        }
        if exceeds(d, max) {
            return Err(err(
                layout.fields[f],
                format!("`{t}` is above the maximum accepted ({max}; see CatalogOptions)"),
            ));
        }
        Ok(Some(d))
    };
    let whole = |f: usize| -> Result<Option<u32>, RowError> {
        match row.opt(f) {
            None => Ok(None),
            Some(t) => parse_whole(t)
                .map(Some)
                .map_err(|reason| err(layout.fields[f], reason)),
        }
    };
    let numbers = Numbers {
        price: decimal(field::PRICE, layout.max_price)?,
        quantity: decimal(field::QTY, layout.max_quantity)?,
        min_order_quantity: whole(field::MIN)?,
        package_quantity: whole(field::PACK)?,
    };
    row.numbers = numbers;
    Ok(row)
}

/// A catalog row borrowed from the reader (see
/// [`CatalogRows::next_ref`](super::CatalogRows::next_ref) and
/// [`for_each_row`](super::for_each_row)): nothing is copied. [`RowRef::to_owned_row`] keeps it.
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    line: u64,
    text: &'a str,
    ends: &'a [u32],
    layout: &'a Arc<Layout>,
    numbers: Numbers,
}

/// An owned catalog row: the row's text in one allocation, the numbers parsed, the header
/// shared with the other rows of the file. The accessors are those of [`RowRef`].
#[derive(Clone)]
pub struct CatalogRow {
    line: u64,
    text: Box<str>,
    ends: SmallVec<[u32; 16]>,
    layout: Arc<Layout>,
    numbers: Numbers,
}

impl<'a> RowRef<'a> {
    /// Column `col`, untrimmed.
    fn column(&self, col: usize) -> &'a str {
        column(self.text, self.ends, col)
    }

    /// Optional field `f`, trimmed, `None` when the column is absent or the value empty.
    fn opt(&self, f: usize) -> Option<&'a str> {
        let t = trim(self.column(self.layout.fields[f]?));
        (!t.is_empty()).then_some(t)
    }

    /// 1-based line of the file where the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Offer id (never empty).
    pub fn offer_id(&self) -> &'a str {
        trim(self.column(self.layout.offer_id))
    }

    /// Product SKU.
    pub fn product_sku(&self) -> Option<&'a str> {
        self.opt(field::SKU)
    }

    /// Product title.
    pub fn title(&self) -> Option<&'a str> {
        self.opt(field::TITLE)
    }

    /// Supplier (shop) id.
    pub fn shop_id(&self) -> Option<&'a str> {
        self.opt(field::SHOP)
    }

    /// Supplier (shop) name.
    pub fn shop_name(&self) -> Option<&'a str> {
        self.opt(field::SHOP_NAME)
    }

    /// Base unit price (customer prices come from validate-cart), exact.
    pub fn price(&self) -> Option<Decimal> {
        self.numbers.price
    }

    /// Currency code as written.
    pub fn currency(&self) -> Option<&'a str> {
        self.opt(field::CURRENCY)
    }

    /// Quantity in stock.
    pub fn quantity(&self) -> Option<Decimal> {
        self.numbers.quantity
    }

    /// Minimum order quantity.
    pub fn min_order_quantity(&self) -> Option<u32> {
        self.numbers.min_order_quantity
    }

    /// Package (multiple) quantity.
    pub fn package_quantity(&self) -> Option<u32> {
        self.numbers.package_quantity
    }

    /// Brand.
    pub fn brand(&self) -> Option<&'a str> {
        self.opt(field::BRAND)
    }

    /// EAN/GTIN.
    pub fn gtin(&self) -> Option<&'a str> {
        self.opt(field::GTIN)
    }

    /// Category code.
    pub fn category(&self) -> Option<&'a str> {
        self.opt(field::CATEGORY)
    }

    /// Description.
    pub fn description(&self) -> Option<&'a str> {
        self.opt(field::DESCRIPTION)
    }

    /// Unit of measure.
    pub fn unit(&self) -> Option<&'a str> {
        self.opt(field::UNIT)
    }

    /// Unknown columns with a value: (header as written, value untrimmed).
    pub fn extra(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let row = *self;
        let layout: &'a Layout = self.layout;
        layout.extra.iter().filter_map(move |&i| {
            let v = row.column(i);
            (!v.is_empty()).then_some((layout.headers[i].as_str(), v))
        })
    }

    /// Any column by its header name as written in the file (untrimmed; `None` if the file has
    /// no such column).
    pub fn get(&self, header: &str) -> Option<&'a str> {
        let i = self.layout.headers.iter().position(|h| h == header)?;
        Some(self.column(i))
    }

    /// The header names of the file, in column order.
    pub fn headers(&self) -> &'a [String] {
        &self.layout.headers
    }

    /// An owned copy (one allocation for the text).
    pub fn to_owned_row(&self) -> CatalogRow {
        CatalogRow {
            line: self.line,
            text: self.text.into(),
            ends: SmallVec::from_slice(self.ends),
            layout: Arc::clone(self.layout),
            numbers: self.numbers,
        }
    }

    /// Maps the row to the shared [`Offer`]: SKU (or the offer id when there is none), title,
    /// brand, EAN, category, description and unit on the product; supplier; one price tier
    /// from the minimum order quantity (1 when absent) at the base price; availability from
    /// the quantity; unknown columns in `extra`. The currency column wins over
    /// `default_currency`.
    /// A value the shared model refuses gives [`Error::InvalidInput`] naming the column (as
    /// written) and the value.
    pub fn to_offer(&self, default_currency: Currency) -> Result<Offer, Error> {
        let currency = self
            .currency_checked(default_currency)
            .map_err(|(column, reason)| Error::invalid(column, reason))?;
        self.offer_in(currency)
    }

    /// [`RowRef::to_offer`] with the currency already resolved.
    pub(crate) fn offer_in(&self, currency: Currency) -> Result<Offer, Error> {
        self.offer_checked(currency)
            .map_err(|(column, reason)| Error::invalid(column, reason))
    }

    /// Why a value of column `f` (a known field, or the offer id with `None`) is refused by
    /// the shared model: (column as written, "`value` ...: reason").
    fn refused(&self, f: Option<usize>, value: &str, e: &Error) -> (String, String) {
        let col = match f {
            Some(f) => self.layout.fields[f],
            None => Some(self.layout.offer_id),
        };
        let name = col
            .and_then(|c| self.layout.headers.get(c).cloned())
            .unwrap_or_default();
        let why = match e {
            Error::InvalidInput { rule, .. } => rule.clone(),
            e => e.to_string(),
        };
        (
            name,
            format!("`{value}` is refused by the shared model: {why}"),
        )
    }

    /// [`RowRef::offer_in`] with a refusal as (column, reason).
    pub(crate) fn offer_checked(&self, currency: Currency) -> Result<Offer, (String, String)> {
        let (sku_field, sku_text) = match self.product_sku() {
            Some(s) => (Some(field::SKU), s),
            None => (None, self.offer_id()),
        };
        let sku = Sku::new(sku_text).map_err(|e| self.refused(sku_field, sku_text, &e))?;
        let mut product = Product::new(sku, self.title().unwrap_or_default());
        let owned = |v: Option<&str>| v.map(str::to_string);
        product.brand = owned(self.brand());
        product.gtin = owned(self.gtin());
        product.category = owned(self.category());
        product.description = owned(self.description());
        product.unit = owned(self.unit());
        let id =
            OfferId::new(self.offer_id()).map_err(|e| self.refused(None, self.offer_id(), &e))?;
        let mut offer = Offer::new(id, product);
        offer.shop_id = match self.shop_id() {
            Some(s) => Some(ShopId::new(s).map_err(|e| self.refused(Some(field::SHOP), s, &e))?),
            None => None,
        };
        offer.shop_name = owned(self.shop_name());
        offer.min_order_quantity = self.min_order_quantity();
        offer.package_quantity = self.package_quantity();
        if let Some(p) = self.price() {
            offer.price_tiers.push(PriceTier::new(
                self.min_order_quantity().unwrap_or(1),
                Money::new(p, currency),
            ));
        }
        offer.availability = match self.quantity() {
            Some(q) if q > Decimal::ZERO => Availability::InStock(q),
            Some(_) => Availability::OutOfStock,
            None => Availability::Unknown,
        };
        offer.extra = self
            .extra()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>();
        Ok(offer)
    }

    /// The currency of the row: its currency column, else `default`; a code the shared model
    /// refuses as (column, reason).
    pub(crate) fn currency_checked(&self, default: Currency) -> Result<Currency, (String, String)> {
        match self.currency() {
            Some(c) => Currency::new(c).map_err(|e| self.refused(Some(field::CURRENCY), c, &e)),
            None => Ok(default),
        }
    }
}

impl std::fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowRef")
            .field("line", &self.line)
            .field("offer_id", &self.offer_id())
            .field("product_sku", &self.product_sku())
            .field("title", &self.title())
            .field("shop_id", &self.shop_id())
            .field("price", &self.price())
            .field("currency", &self.currency())
            .field("quantity", &self.quantity())
            .field("extra", &self.extra().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// `CatalogRow` has the accessors of `RowRef`, borrowing from itself.
macro_rules! delegate {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty;)*) => {
        impl CatalogRow {
            $($(#[$doc])* pub fn $name(&self) -> $ty { self.as_row_ref().$name() })*
        }
    };
}

delegate! {
    /// 1-based line of the file where the row starts.
    line -> u64;
    /// Offer id (never empty).
    offer_id -> &str;
    /// Product SKU.
    product_sku -> Option<&str>;
    /// Product title.
    title -> Option<&str>;
    /// Supplier (shop) id.
    shop_id -> Option<&str>;
    /// Supplier (shop) name.
    shop_name -> Option<&str>;
    /// Base unit price, exact.
    price -> Option<Decimal>;
    /// Currency code as written.
    currency -> Option<&str>;
    /// Quantity in stock.
    quantity -> Option<Decimal>;
    /// Minimum order quantity.
    min_order_quantity -> Option<u32>;
    /// Package (multiple) quantity.
    package_quantity -> Option<u32>;
    /// Brand.
    brand -> Option<&str>;
    /// EAN/GTIN.
    gtin -> Option<&str>;
    /// Category code.
    category -> Option<&str>;
    /// Description.
    description -> Option<&str>;
    /// Unit of measure.
    unit -> Option<&str>;
    /// The header names of the file, in column order.
    headers -> &[String];
}

impl CatalogRow {
    /// The row as a [`RowRef`] (no copy).
    pub fn as_row_ref(&self) -> RowRef<'_> {
        RowRef {
            line: self.line,
            text: &self.text,
            ends: &self.ends,
            layout: &self.layout,
            numbers: self.numbers,
        }
    }

    /// Unknown columns with a value: (header as written, value).
    pub fn extra(&self) -> impl Iterator<Item = (&str, &str)> {
        self.as_row_ref().extra()
    }

    /// Any column by its header name as written in the file.
    pub fn get(&self, header: &str) -> Option<&str> {
        self.as_row_ref().get(header)
    }

    /// Maps the row to the shared [`Offer`] (see [`RowRef::to_offer`]).
    pub fn to_offer(&self, default_currency: Currency) -> Result<Offer, Error> {
        self.as_row_ref().to_offer(default_currency)
    }
}

impl std::fmt::Debug for CatalogRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.as_row_ref(), f)
    }
}

impl PartialEq for CatalogRow {
    fn eq(&self, other: &Self) -> bool {
        self.line == other.line
            && self.text == other.text
            && self.ends == other.ends
            && self.numbers == other.numbers
            && self.layout == other.layout
    }
}
