//! Catalog import: Accor's daily CSV files (catalog = products and offers flattened one row per
//! offer), decoded **by header name**, streamed, mapped to the shared [`Offer`].
//!
//! Accor does not publish the column names, delimiter or encoding, so the reader is lenient:
//!
//! * columns are found by name, in any order; names are compared after lower-casing and
//!   turning `-` and spaces into `_` (`Offer-Id`, `offer id` and `offer_id` are one column),
//!   and each field accepts a few aliases ([`CatalogColumns`]); unknown columns are kept in
//!   `extra`;
//! * `;` or `,` delimiter (sniffed from the header line, or forced), UTF-8 with or without BOM,
//!   CRLF or LF, quoted fields with embedded delimiters, quotes and newlines;
//! * a malformed row (wrong number of fields, no offer id, a price that is not a number,
//!   invalid UTF-8) is reported as a [`RowError`] (file, line, column, reason) and skipped: the
//!   import never aborts on a row;
//! * memory is flat: one record buffer is reused; nothing is collected.
//!
//! [`read_rows`] is the synchronous core (any `std::io::Read`); [`import_file`] runs it over a
//! local file with counts and progress; [`import_sftp`] streams a remote file over
//! `connector-sftp` while it downloads, without a local copy.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use connector_core::{
    Availability, Currency, Decimal, Error, Money, Offer, OfferId, PriceTier, Product, ShopId, Sku,
};

/// Column aliases per field (after normalisation: lower case, `-` and spaces as `_`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CatalogColumns {
    /// Offer id (required).
    pub offer_id: Vec<String>,
    /// Product SKU.
    pub product_sku: Vec<String>,
    /// Product title.
    pub title: Vec<String>,
    /// Supplier id.
    pub shop_id: Vec<String>,
    /// Supplier name.
    pub shop_name: Vec<String>,
    /// Unit price (base price; customer prices come from validate-cart).
    pub price: Vec<String>,
    /// Currency code.
    pub currency: Vec<String>,
    /// Quantity in stock.
    pub quantity: Vec<String>,
    /// Minimum order quantity.
    pub min_order_quantity: Vec<String>,
    /// Package (multiple) quantity.
    pub package_quantity: Vec<String>,
    /// Brand.
    pub brand: Vec<String>,
    /// EAN/GTIN.
    pub gtin: Vec<String>,
    /// Category.
    pub category: Vec<String>,
    /// Description.
    pub description: Vec<String>,
    /// Unit of measure.
    pub unit: Vec<String>,
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Default for CatalogColumns {
    /// Mirakl offer-export names and common variants (an open question for Accor).
    fn default() -> Self {
        Self {
            offer_id: names(&["offer_id", "offerid", "offer"]),
            product_sku: names(&["product_sku", "sku", "product_id", "shop_sku"]),
            title: names(&["product_title", "title", "product_name", "name"]),
            shop_id: names(&["shop_id", "supplier_id", "seller_id"]),
            shop_name: names(&["shop_name", "supplier_name", "seller_name"]),
            price: names(&["price", "offer_price", "unit_price"]),
            currency: names(&["currency_iso_code", "currency"]),
            quantity: names(&["quantity", "stock", "offer_quantity"]),
            min_order_quantity: names(&["min_order_quantity", "min_quantity"]),
            package_quantity: names(&["package_quantity", "pack_quantity"]),
            brand: names(&["brand", "manufacturer"]),
            gtin: names(&["ean", "gtin", "product_ean"]),
            category: names(&["category_code", "category", "product_category_code"]),
            description: names(&["description", "product_description"]),
            unit: names(&["unit", "unit_of_measure", "uom"]),
        }
    }
}

/// Options of an import.
#[derive(Clone)]
#[non_exhaustive]
pub struct CatalogOptions {
    /// Forced delimiter; `None` sniffs `;` or `,` from the header line.
    pub delimiter: Option<u8>,
    /// Column aliases.
    pub columns: CatalogColumns,
    /// Currency of prices when the file has no currency column (default EUR).
    pub currency: Currency,
    /// At most this many row errors are kept in the report (all are counted). Default 1,000.
    pub max_errors_kept: usize,
    /// Called every `progress_every` rows with (rows read, bytes read).
    pub progress: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
    /// Progress period in rows (default 100,000).
    pub progress_every: u64,
}

impl std::fmt::Debug for CatalogOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogOptions")
            .field("delimiter", &self.delimiter.map(char::from))
            .field("currency", &self.currency)
            .field("max_errors_kept", &self.max_errors_kept)
            .field("progress", &self.progress.is_some())
            .field("progress_every", &self.progress_every)
            .finish_non_exhaustive()
    }
}

impl Default for CatalogOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            columns: CatalogColumns::default(),
            currency: Currency::EUR,
            max_errors_kept: 1000,
            progress: None,
            progress_every: 100_000,
        }
    }
}

impl CatalogOptions {
    /// Defaults: sniffed delimiter, default columns, EUR.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forces the delimiter.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = Some(d);
        self
    }

    /// Sets the currency of prices.
    pub fn currency(mut self, c: Currency) -> Self {
        self.currency = c;
        self
    }

    /// Sets the column aliases.
    pub fn columns(mut self, columns: CatalogColumns) -> Self {
        self.columns = columns;
        self
    }

    /// Reports progress every `every` rows.
    pub fn progress(mut self, every: u64, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self.progress_every = every.max(1);
        self
    }
}

/// One catalog row, typed. Numbers are exact decimals; unknown columns are in `extra`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CatalogRow {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    /// Offer id.
    pub offer_id: String,
    /// Product SKU.
    pub product_sku: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Supplier id.
    pub shop_id: Option<String>,
    /// Supplier name.
    pub shop_name: Option<String>,
    /// Base unit price.
    pub price: Option<Decimal>,
    /// Currency code.
    pub currency: Option<String>,
    /// Stock.
    pub quantity: Option<Decimal>,
    /// Minimum order quantity.
    pub min_order_quantity: Option<u32>,
    /// Package quantity.
    pub package_quantity: Option<u32>,
    /// Brand.
    pub brand: Option<String>,
    /// EAN/GTIN.
    pub gtin: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Unit of measure.
    pub unit: Option<String>,
    /// Columns this SDK does not know, by their header name as written in the file.
    pub extra: BTreeMap<String, String>,
}

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

/// Counts of an import. `read == mapped + rejected` always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Data rows read (header excluded).
    pub read: u64,
    /// Rows mapped to offers.
    pub mapped: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// The first rejected rows (see [`CatalogOptions::max_errors_kept`]).
    pub errors: Vec<RowError>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows read, {} mapped, {} rejected",
            self.read, self.mapped, self.rejected
        )
    }
}

fn normalize(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
}

#[derive(Debug)]
struct Layout {
    offer_id: usize,
    fields: [Option<usize>; 14],
    headers: Vec<String>,
    extra: Vec<usize>,
}

const F_SKU: usize = 0;
const F_TITLE: usize = 1;
const F_SHOP: usize = 2;
const F_SHOP_NAME: usize = 3;
const F_PRICE: usize = 4;
const F_CURRENCY: usize = 5;
const F_QTY: usize = 6;
const F_MIN: usize = 7;
const F_PACK: usize = 8;
const F_BRAND: usize = 9;
const F_GTIN: usize = 10;
const F_CAT: usize = 11;
const F_DESC: usize = 12;
const F_UNIT: usize = 13;

impl Layout {
    fn new(headers: Vec<String>, cols: &CatalogColumns, file: &str) -> Result<Self, Error> {
        let norm: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let find = |aliases: &[String]| {
            aliases
                .iter()
                .find_map(|a| norm.iter().position(|n| n == a))
        };
        let offer_id = find(&cols.offer_id).ok_or_else(|| Error::Decode {
            path: format!("{file}:1"),
            message: format!(
                "no offer id column (looked for {}); columns are: {}",
                cols.offer_id.join(", "),
                headers.join(", ")
            ),
            excerpt: String::new(),
        })?;
        let lists = [
            &cols.product_sku,
            &cols.title,
            &cols.shop_id,
            &cols.shop_name,
            &cols.price,
            &cols.currency,
            &cols.quantity,
            &cols.min_order_quantity,
            &cols.package_quantity,
            &cols.brand,
            &cols.gtin,
            &cols.category,
            &cols.description,
            &cols.unit,
        ];
        let mut fields = [None; 14];
        for (slot, list) in fields.iter_mut().zip(lists) {
            *slot = find(list);
        }
        let known: Vec<usize> = std::iter::once(offer_id)
            .chain(fields.iter().flatten().copied())
            .collect();
        let extra = (0..headers.len()).filter(|i| !known.contains(i)).collect();
        let headers = headers
            .into_iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        Ok(Self {
            offer_id,
            fields,
            headers,
            extra,
        })
    }
}

/// A synchronous iterator over the rows of one file.
pub struct CatalogRows<R: Read> {
    reader: csv::Reader<R>,
    record: csv::ByteRecord,
    layout: Layout,
    file: String,
    options: CatalogOptions,
    read: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for CatalogRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogRows")
            .field("file", &self.file)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

/// The reader after the header was peeked (the peeked bytes, then the rest).
pub type Peeked<R> = std::io::Chain<std::io::Cursor<Vec<u8>>, R>;

/// Sniffs the delimiter from the first line: `;` if it has at least as many `;` as `,`.
fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let semi = line.iter().filter(|b| **b == b';').count();
    let comma = line.iter().filter(|b| **b == b',').count();
    if semi >= comma && semi > 0 {
        b';'
    } else {
        b','
    }
}

/// Reads the header of `input` and returns the row iterator. `file` names the source in
/// errors. Fails only if the header cannot be read or has no offer id column.
pub fn read_rows<R: Read>(
    input: R,
    file: &str,
    options: &CatalogOptions,
) -> Result<CatalogRows<Peeked<R>>, Error> {
    let mut input = input;
    // Peek the first 64 KiB for the delimiter, then chain it back.
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let k = input
            .read(&mut head[n..])
            .map_err(|e| Error::io(format!("reading {file}"), e))?;
        if k == 0 {
            break;
        }
        n += k;
        if head[..n].contains(&b'\n') {
            break;
        }
    }
    head.truncate(n);
    let body = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .map(<[u8]>::to_vec)
        .unwrap_or(head);
    let delimiter = options.delimiter.unwrap_or_else(|| sniff(&body));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(256 * 1024)
        .from_reader(std::io::Cursor::new(body).chain(input));
    let headers = reader
        .byte_headers()
        .map_err(|e| Error::Decode {
            path: format!("{file}:1"),
            message: format!("cannot read the header: {e}"),
            excerpt: String::new(),
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let layout = Layout::new(headers, &options.columns, file)?;
    Ok(CatalogRows {
        reader,
        record: csv::ByteRecord::new(),
        layout,
        file: file.to_string(),
        options: options.clone(),
        read: 0,
        done: false,
    })
}

impl<R: Read> CatalogRows<R> {
    /// The header names as written in the file (BOM removed).
    pub fn headers(&self) -> &[String] {
        &self.layout.headers
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    fn err(&self, line: u64, column: Option<usize>, reason: String) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            column: column.map(|c| self.layout.headers[c].clone()),
            reason,
        }
    }

    fn text(&self, line: u64, i: usize) -> Result<&str, RowError> {
        let raw = self.record.get(i).unwrap_or_default();
        std::str::from_utf8(raw)
            .map_err(|e| self.err(line, Some(i), format!("is not valid UTF-8 ({e})")))
    }

    fn opt(&self, line: u64, field: usize) -> Result<Option<&str>, RowError> {
        match self.layout.fields[field] {
            Some(i) => {
                let t = self.text(line, i)?.trim();
                Ok((!t.is_empty()).then_some(t))
            }
            None => Ok(None),
        }
    }

    fn decimal(&self, line: u64, field: usize) -> Result<Option<Decimal>, RowError> {
        let Some(i) = self.layout.fields[field] else {
            return Ok(None);
        };
        let t = self.text(line, i)?.trim();
        if t.is_empty() {
            return Ok(None);
        }
        // Accept a decimal comma (French exports) when the delimiter is not a comma.
        let parsed = if t.contains(',') && !t.contains('.') {
            Decimal::from_str(&t.replace(',', "."))
        } else {
            Decimal::from_str(t)
        };
        parsed
            .map(Some)
            .map_err(|_| self.err(line, Some(i), format!("`{t}` is not a number")))
    }

    fn whole(&self, line: u64, field: usize) -> Result<Option<u32>, RowError> {
        let Some(i) = self.layout.fields[field] else {
            return Ok(None);
        };
        let t = self.text(line, i)?.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u32>()
            .map(Some)
            .map_err(|_| self.err(line, Some(i), format!("`{t}` is not a whole number")))
    }

    fn decode_ref(&self, line: u64) -> Result<RowRef<'_>, RowError> {
        let width = self.layout.headers.len();
        if self.record.len() != width {
            return Err(self.err(
                line,
                None,
                format!("has {} fields, the header has {width}", self.record.len()),
            ));
        }
        let offer_id = self.text(line, self.layout.offer_id)?.trim();
        if offer_id.is_empty() {
            return Err(self.err(line, Some(self.layout.offer_id), "is empty".into()));
        }
        for &i in &self.layout.extra {
            self.text(line, i)?;
        }
        Ok(RowRef {
            line,
            offer_id,
            product_sku: self.opt(line, F_SKU)?,
            title: self.opt(line, F_TITLE)?,
            shop_id: self.opt(line, F_SHOP)?,
            shop_name: self.opt(line, F_SHOP_NAME)?,
            price: self.decimal(line, F_PRICE)?,
            currency: self.opt(line, F_CURRENCY)?,
            quantity: self.decimal(line, F_QTY)?,
            min_order_quantity: self.whole(line, F_MIN)?,
            package_quantity: self.whole(line, F_PACK)?,
            brand: self.opt(line, F_BRAND)?,
            gtin: self.opt(line, F_GTIN)?,
            category: self.opt(line, F_CAT)?,
            description: self.opt(line, F_DESC)?,
            unit: self.opt(line, F_UNIT)?,
            record: &self.record,
            layout: &self.layout,
        })
    }

    /// Reads the next record; `Some(Ok(line))` when one is ready in `self.record`.
    fn advance(&mut self) -> Option<Result<u64, RowError>> {
        if self.done {
            return None;
        }
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                    // A blank line between records is not a row.
                    if self.record.len() == 1 && self.record.get(0).is_some_and(<[u8]>::is_empty) {
                        continue;
                    }
                    self.read += 1;
                    if let Some(p) = &self.options.progress
                        && self.read.is_multiple_of(self.options.progress_every)
                    {
                        p(self.read, self.bytes_read());
                    }
                    return Some(Ok(line));
                }
                Err(e) => {
                    self.read += 1;
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        // The source failed: report it and stop, nothing more can be read.
                        self.done = true;
                        return Some(Err(self.err(line, None, format!("read error: {e}"))));
                    }
                    return Some(Err(self.err(line, None, e.to_string())));
                }
            }
        }
    }

    /// The next row, borrowed from the reader's buffer: no allocation per row. For callers that
    /// write rows into their own store; the `Iterator` gives owned [`CatalogRow`]s.
    pub fn next_ref(&mut self) -> Option<Result<RowRef<'_>, RowError>> {
        match self.advance()? {
            Ok(line) => Some(self.decode_ref(line)),
            Err(e) => Some(Err(e)),
        }
    }
}

/// A catalog row borrowed from the reader (see [`CatalogRows::next_ref`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RowRef<'a> {
    /// 1-based line where the row starts.
    pub line: u64,
    /// Offer id.
    pub offer_id: &'a str,
    /// Product SKU.
    pub product_sku: Option<&'a str>,
    /// Title.
    pub title: Option<&'a str>,
    /// Supplier id.
    pub shop_id: Option<&'a str>,
    /// Supplier name.
    pub shop_name: Option<&'a str>,
    /// Base unit price.
    pub price: Option<Decimal>,
    /// Currency code.
    pub currency: Option<&'a str>,
    /// Stock.
    pub quantity: Option<Decimal>,
    /// Minimum order quantity.
    pub min_order_quantity: Option<u32>,
    /// Package quantity.
    pub package_quantity: Option<u32>,
    /// Brand.
    pub brand: Option<&'a str>,
    /// EAN/GTIN.
    pub gtin: Option<&'a str>,
    /// Category.
    pub category: Option<&'a str>,
    /// Description.
    pub description: Option<&'a str>,
    /// Unit of measure.
    pub unit: Option<&'a str>,
    record: &'a csv::ByteRecord,
    layout: &'a Layout,
}

impl<'a> RowRef<'a> {
    /// Unknown columns with a value: (header as written, value).
    pub fn extra(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let record = self.record;
        let layout = self.layout;
        layout.extra.iter().filter_map(move |&i| {
            let v = std::str::from_utf8(record.get(i)?).ok()?;
            (!v.is_empty()).then_some((layout.headers[i].as_str(), v))
        })
    }

    /// An owned copy.
    pub fn to_owned_row(&self) -> CatalogRow {
        let s = |v: Option<&str>| v.map(str::to_string);
        CatalogRow {
            line: self.line,
            offer_id: self.offer_id.to_string(),
            product_sku: s(self.product_sku),
            title: s(self.title),
            shop_id: s(self.shop_id),
            shop_name: s(self.shop_name),
            price: self.price,
            currency: s(self.currency),
            quantity: self.quantity,
            min_order_quantity: self.min_order_quantity,
            package_quantity: self.package_quantity,
            brand: s(self.brand),
            gtin: s(self.gtin),
            category: s(self.category),
            description: s(self.description),
            unit: s(self.unit),
            extra: self
                .extra()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

impl<R: Read> Iterator for CatalogRows<R> {
    type Item = Result<CatalogRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_ref().map(|r| r.map(|row| row.to_owned_row()))
    }
}

/// Maps a catalog row to the shared [`Offer`] (consumes the row: no copies).
pub fn to_offer(row: CatalogRow, default_currency: Currency) -> Result<Offer, Error> {
    let sku = match row.product_sku {
        Some(s) => Sku::new(s)?,
        None => Sku::new(row.offer_id.clone())?,
    };
    let mut product = Product::new(sku, row.title.unwrap_or_default());
    product.brand = row.brand;
    product.gtin = row.gtin;
    product.category = row.category;
    product.description = row.description;
    product.unit = row.unit;
    let mut offer = Offer::new(OfferId::new(row.offer_id)?, product);
    offer.shop_id = row.shop_id.map(ShopId::new).transpose()?;
    offer.shop_name = row.shop_name;
    let currency = match &row.currency {
        Some(c) => Currency::new(c)?,
        None => default_currency,
    };
    offer.min_order_quantity = row.min_order_quantity;
    offer.package_quantity = row.package_quantity;
    if let Some(p) = row.price {
        offer.price_tiers.push(PriceTier::new(
            row.min_order_quantity.unwrap_or(1),
            Money::new(p, currency),
        ));
    }
    offer.availability = match row.quantity {
        Some(q) if q > Decimal::ZERO => Availability::InStock(q),
        Some(_) => Availability::OutOfStock,
        None => Availability::Unknown,
    };
    offer.extra = row.extra;
    Ok(offer)
}

/// Reads every row of `input`, maps it, and hands each offer to `on_offer`. Malformed rows
/// are counted and kept in the report (up to the configured number). Synchronous: call it
/// from a blocking thread.
pub fn import_reader<R: Read>(
    input: R,
    file: &str,
    options: &CatalogOptions,
    mut on_offer: impl FnMut(Offer),
) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    let rows = read_rows(input, file, options)?;
    // Most files use one currency: parse it once.
    let mut last_currency: Option<(String, Currency)> = None;
    for row in rows {
        report.read += 1;
        let mapped = row.and_then(|mut r| {
            let line = r.line;
            let currency = match r.currency.take() {
                Some(code) => match &last_currency {
                    Some((c, cur)) if *c == code => Ok(*cur),
                    _ => Currency::new(&code).inspect(|cur| last_currency = Some((code, *cur))),
                },
                None => Ok(options.currency),
            };
            currency
                .and_then(|cur| to_offer(r, cur))
                .map_err(|e| RowError {
                    file: file.to_string(),
                    line,
                    column: None,
                    reason: e.to_string(),
                })
        });
        match mapped {
            Ok(offer) => {
                report.mapped += 1;
                on_offer(offer);
            }
            Err(e) => {
                report.rejected += 1;
                tracing::debug!(error = %e, "catalog row skipped");
                if report.errors.len() < options.max_errors_kept {
                    report.errors.push(e);
                }
            }
        }
    }
    Ok(report)
}

/// [`import_reader`] over a local file (buffered; memory stays flat).
pub fn import_file(
    path: impl AsRef<Path>,
    options: &CatalogOptions,
    on_offer: impl FnMut(Offer),
) -> Result<ImportReport, Error> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_reader(file, &name, options, on_offer)
}

/// Adapts the async download stream into a blocking `Read` (used on a blocking thread).
struct StreamReader {
    handle: tokio::runtime::Handle,
    stream: connector_sftp::ByteStream,
    buf: bytes::Bytes,
}

impl Read for StreamReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use futures::StreamExt as _;
        while self.buf.is_empty() {
            match self.handle.block_on(self.stream.next()) {
                Some(Ok(b)) => self.buf = b,
                Some(Err(e)) => return Err(std::io::Error::other(e.to_string())),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        let _ = self.buf.split_to(n);
        Ok(n)
    }
}

/// Imports `remote_path` over SFTP while it downloads (no local copy; `.gz` files are
/// gunzipped). `on_offer` runs on a blocking thread. Memory stays flat: the transport keeps a
/// few 2 MiB chunks in flight, the parser one record.
pub async fn import_sftp(
    sftp: &connector_sftp::SftpClient,
    remote_path: &str,
    options: &CatalogOptions,
    on_offer: impl FnMut(Offer) + Send + 'static,
) -> Result<ImportReport, Error> {
    let stream = sftp.download_stream(remote_path).await?;
    let handle = tokio::runtime::Handle::current();
    let name = remote_path
        .rsplit('/')
        .next()
        .unwrap_or(remote_path)
        .to_string();
    let options = options.clone();
    tokio::task::spawn_blocking(move || {
        let reader = StreamReader {
            handle,
            stream,
            buf: bytes::Bytes::new(),
        };
        import_reader(reader, &name, &options, on_offer)
    })
    .await
    .map_err(|e| Error::io("catalog import task failed", e))?
}

/// Streams the offers of `remote_path` as they are parsed (a bounded channel of 1,024 offers
/// keeps memory flat when the consumer is slower). Rejected rows are logged (`tracing`) and
/// skipped; use [`import_sftp`] for the counts and row errors.
pub fn offer_stream_sftp(
    sftp: connector_sftp::SftpClient,
    remote_path: String,
    options: CatalogOptions,
) -> connector_core::ResultStream<'static, Offer> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Offer, Error>>(1024);
    tokio::spawn(async move {
        let sink = tx.clone();
        let result = import_sftp(&sftp, &remote_path, &options, move |offer| {
            let _ = sink.blocking_send(Ok(offer));
        })
        .await;
        match result {
            Ok(report) => tracing::info!(%report, file = %remote_path, "catalog imported"),
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    fn run(input: &[u8]) -> (Vec<Offer>, ImportReport) {
        let mut offers = Vec::new();
        let report = import_reader(input, "catalog.csv", &CatalogOptions::new(), |o| {
            offers.push(o)
        })
        .unwrap();
        (offers, report)
    }

    #[test]
    fn header_order_bom_crlf_and_quotes() {
        let csv = "\u{feff}Title;Price;Offer-Id;Shop-Id;Allergens;Quantity\r\n\
                   \"Towel; bath\nwhite\";12,40;35308;2001;\"gluten, milk\";500\r\n\
                   \"Soap \"\"mini\"\"\";0.35;41000;2002;;0\r\n";
        let (offers, report) = run(csv.as_bytes());
        assert_eq!(
            (report.read, report.mapped, report.rejected),
            (2, 2, 0),
            "{:?}",
            report.errors
        );
        assert_eq!(offers[0].id.as_str(), "35308");
        assert_eq!(offers[0].product.name, "Towel; bath\nwhite");
        assert_eq!(offers[0].price_tiers[0].unit_price.amount, dec!(12.40));
        assert_eq!(offers[0].availability, Availability::InStock(dec!(500)));
        assert_eq!(offers[0].extra["Allergens"], "gluten, milk");
        assert_eq!(offers[1].product.name, "Soap \"mini\"");
        assert_eq!(offers[1].availability, Availability::OutOfStock);
        assert!(!offers[1].extra.contains_key("Allergens"));
    }

    #[test]
    fn comma_delimiter_and_lf() {
        let csv = "offer_id,product_sku,price,currency_iso_code,shop_name\n1,SKU-1,3.5,EUR,\"Linen, & Co\"\n";
        let (offers, report) = run(csv.as_bytes());
        assert_eq!(report.mapped, 1);
        assert_eq!(offers[0].product.sku.as_ref().unwrap().as_str(), "SKU-1");
        assert_eq!(offers[0].shop_name.as_deref(), Some("Linen, & Co"));
    }

    #[test]
    fn malformed_rows_are_reported_and_skipped() {
        let csv = b"offer_id;price;quantity\n1;2.5;3\n;1;1\n3;abc;1\n4;1\n5;1;\xff\n6;1;1\n";
        let mut offers = Vec::new();
        let report = import_reader(&csv[..], "cat.csv", &CatalogOptions::new(), |o| {
            offers.push(o)
        })
        .unwrap();
        assert_eq!((report.read, report.mapped, report.rejected), (6, 2, 4));
        let e: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(e[0], "cat.csv:3 column `offer_id`: is empty");
        assert_eq!(e[1], "cat.csv:4 column `price`: `abc` is not a number");
        assert_eq!(e[2], "cat.csv:5: has 2 fields, the header has 3");
        assert!(
            e[3].starts_with("cat.csv:6 column `quantity`: is not valid UTF-8"),
            "{}",
            e[3]
        );
        assert_eq!(offers[1].id.as_str(), "6");
    }

    #[test]
    fn borrowed_rows_match_owned_rows() {
        let csv = "offer-id;title;price;allergens\n7;\"Tea; green\";1,50;nuts\n";
        let mut rows = read_rows(csv.as_bytes(), "b.csv", &CatalogOptions::new()).unwrap();
        let r = rows.next_ref().unwrap().unwrap();
        assert_eq!(
            (r.offer_id, r.title, r.price),
            ("7", Some("Tea; green"), Some(dec!(1.50)))
        );
        assert_eq!(r.extra().collect::<Vec<_>>(), vec![("allergens", "nuts")]);
        let owned = r.to_owned_row();
        assert_eq!(owned.extra["allergens"], "nuts");
        assert_eq!(owned.line, 2);
        assert!(rows.next_ref().is_none());
    }

    #[test]
    fn a_file_without_offer_ids_is_refused_up_front() {
        let err = import_reader(
            "sku;price\n1;2\n".as_bytes(),
            "x.csv",
            &CatalogOptions::new(),
            |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("no offer id column"), "{err}");
    }

    #[test]
    fn progress_is_reported() {
        let mut csv = String::from("offer_id;price\n");
        for i in 0..2500 {
            csv.push_str(&format!("{i};1.5\n"));
        }
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = seen.clone();
        let opts =
            CatalogOptions::new().progress(1000, move |rows, _| s.lock().unwrap().push(rows));
        let report = import_reader(csv.as_bytes(), "p.csv", &opts, |_| {}).unwrap();
        assert_eq!(report.mapped, 2500);
        assert_eq!(*seen.lock().unwrap(), vec![1000, 2000]);
    }
}
