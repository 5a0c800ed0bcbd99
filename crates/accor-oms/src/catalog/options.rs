//! What an import looks for and how it reports: column aliases, delimiter, currency, progress.

use std::sync::Arc;

use connector_core::Currency;

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
