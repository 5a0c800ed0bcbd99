//! What an import looks for and how it reports: column aliases, delimiter, number format,
//! limits, duplicate detection, currency, progress.

use std::sync::Arc;

use connector_core::{Currency, Decimal};

pub use super::number::NumberFormat;

/// Column aliases per field. Header names and aliases are compared after normalisation:
/// lower case, with `-`, `_`, spaces and tabs dropped (`Offer-Id`, `offer id`, `offer_id`
/// and `OfferId` are one name). The first alias found in the header wins; a header where
/// two columns have the same normalised name is refused.
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

impl CatalogColumns {
    /// The optional fields' names and aliases, in the layout's order.
    pub(crate) fn lists(&self) -> [(&'static str, &Vec<String>); 14] {
        [
            ("product_sku", &self.product_sku),
            ("title", &self.title),
            ("shop_id", &self.shop_id),
            ("shop_name", &self.shop_name),
            ("price", &self.price),
            ("currency", &self.currency),
            ("quantity", &self.quantity),
            ("min_order_quantity", &self.min_order_quantity),
            ("package_quantity", &self.package_quantity),
            ("brand", &self.brand),
            ("gtin", &self.gtin),
            ("category", &self.category),
            ("description", &self.description),
            ("unit", &self.unit),
        ]
    }
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

/// Default of [`CatalogOptions::max_price`]: 1,000,000 (in the file's currency).
pub const DEFAULT_MAX_PRICE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// Default of [`CatalogOptions::max_quantity`]: 100,000,000.
pub const DEFAULT_MAX_QUANTITY: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

/// Options of an import.
#[derive(Clone)]
#[non_exhaustive]
pub struct CatalogOptions {
    /// Forced delimiter; `None` takes it from an Excel `sep=X` first line, else sniffs `;`,
    /// `,`, tab or `|` from the header line (outside quotes; a tie is refused).
    pub delimiter: Option<u8>,
    /// Column aliases.
    pub columns: CatalogColumns,
    /// Columns the file must have besides the offer id, by field name of
    /// [`CatalogColumns`] (`"price"`, `"title"`, ...). Default: none (but a file with no
    /// known column besides the offer id is always refused).
    pub required_columns: Vec<String>,
    /// How `.` and `,` in numbers are read (default [`NumberFormat::Auto`]: a value that could
    /// be read two ways is a row error).
    pub number_format: NumberFormat,
    /// A price above this is a row error (default [`DEFAULT_MAX_PRICE`]). Negative prices
    /// are always refused.
    pub max_price: Decimal,
    /// A quantity in stock above this is a row error (default [`DEFAULT_MAX_QUANTITY`]).
    /// Negative quantities are always refused.
    pub max_quantity: Decimal,
    /// Rows whose offer id an earlier imported row of the file had are rejected (default on).
    /// Costs a set of 64-bit id hashes, about 12 MiB per million distinct ids (8 bytes an id
    /// in tables kept 53 to 80 % full, grown in 256 shards so there is no doubling spike).
    /// Ids are compared by hash: ids of up to 8 bytes of one length get distinct hashes; for longer
    /// ids two different ones could, with the odds of a random 64-bit hash (about 1 in 40
    /// million for a file of a million of them).
    pub detect_duplicate_offer_ids: bool,
    /// Accept a last row with no line end after it (default `false`: it is rejected, since
    /// a file cut short looks just like that: `20` read as `2`).
    pub allow_unterminated_last_row: bool,
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
            .field("required_columns", &self.required_columns)
            .field("number_format", &self.number_format)
            .field("max_price", &self.max_price)
            .field("max_quantity", &self.max_quantity)
            .field(
                "detect_duplicate_offer_ids",
                &self.detect_duplicate_offer_ids,
            )
            .field(
                "allow_unterminated_last_row",
                &self.allow_unterminated_last_row,
            )
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
            required_columns: Vec::new(),
            number_format: NumberFormat::Auto,
            max_price: DEFAULT_MAX_PRICE,
            max_quantity: DEFAULT_MAX_QUANTITY,
            detect_duplicate_offer_ids: true,
            allow_unterminated_last_row: false,
            currency: Currency::EUR,
            max_errors_kept: 1000,
            progress: None,
            progress_every: 100_000,
        }
    }
}

impl CatalogOptions {
    /// Defaults: sniffed delimiter, default columns, EUR, [`NumberFormat::Auto`], the default
    /// limits, duplicate detection on, a line end required after the last row.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires these columns (field names of [`CatalogColumns`]: `"price"`, `"title"`, ...).
    /// An unknown name makes the import fail with a configuration error.
    pub fn require_columns(mut self, fields: &[&str]) -> Self {
        self.required_columns = fields.iter().map(|f| f.to_string()).collect();
        self
    }

    /// Sets how `.` and `,` in numbers are read.
    pub fn number_format(mut self, format: NumberFormat) -> Self {
        self.number_format = format;
        self
    }

    /// Sets the largest price accepted.
    pub fn max_price(mut self, max: Decimal) -> Self {
        self.max_price = max;
        self
    }

    /// Sets the largest quantity in stock accepted.
    pub fn max_quantity(mut self, max: Decimal) -> Self {
        self.max_quantity = max;
        self
    }

    /// Turns the detection of repeated offer ids on or off.
    pub fn detect_duplicate_offer_ids(mut self, on: bool) -> Self {
        self.detect_duplicate_offer_ids = on;
        self
    }

    /// Accepts (or not) a last row without a line end after it.
    pub fn allow_unterminated_last_row(mut self, allow: bool) -> Self {
        self.allow_unterminated_last_row = allow;
        self
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
