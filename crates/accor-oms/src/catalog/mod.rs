//! Catalog import: Accor's daily CSV files (catalog = products and offers flattened one row per
//! offer), decoded **by header name**, streamed, mapped to the shared [`Offer`].
//!
//! # The promise
//!
//! **Every bad row is reported with its line and reason while the good rows are imported; a
//! file-level problem is a clear error; nothing is dropped or altered without a word.** Each
//! row read ends mapped (handed to you) or rejected as a [`RowError`] (file, line, column,
//! reason) counted in the [`ImportReport`] (`read == mapped + rejected`). In detail:
//!
//! * **Header.** Columns are found by name, in any order; names and aliases are compared
//!   after lower-casing and dropping `-`, `_`, spaces and tabs (`Offer-Id`, `offer id`,
//!   `offer_id` and `OfferId` are one column); each field accepts a few aliases
//!   ([`CatalogColumns`], first alias found wins); unknown columns are kept ([`RowRef::extra`],
//!   [`Offer::extra`]). Refused up front, naming the columns found and the delimiter: no offer
//!   id column, no other known column, a column of [`CatalogOptions::required_columns`]
//!   missing, two columns with the same name (a second `price`: which one holds the price
//!   would be a guess).
//! * **Format.** The delimiter is forced, or given by Excel's `sep=X` first line, or sniffed
//!   from the header outside quotes among `;`, `,`, tab and `|` (a tie is refused). LF, CRLF
//!   and CR-only line ends. Quoted fields hold delimiters, doubled quotes and line ends.
//! * **Encoding.** UTF-8 with or without BOM. A gzip file (by its magic bytes) is gunzipped,
//!   from a path or a reader as over SFTP. UTF-16/UTF-32 (by BOM or NUL bytes) and a header
//!   that is not UTF-8 (Latin-1) are refused as files; a row that is not UTF-8 is a row error
//!   naming the column, the byte and the value. Nothing is decoded lossily.
//! * **Quotes and truncation.** Text after a closing quote (`"Towel" bath`) is a row error,
//!   not `Towel bath`. A quote never closed (an unbalanced quote that swallowed the rest of
//!   the file, or a file cut inside a quoted field) is a row error at the line where it
//!   opened, saying how many lines it swallowed. A last row with no line end (a file cut
//!   inside its last field: `20` read as `2`) is a row error unless
//!   [`CatalogOptions::allow_unterminated_last_row`]. A row whose field count differs from
//!   the header's is a row error (with a hint when a quoted value spans lines).
//! * **Numbers.** Exact decimals, never floats. A value that could be read two ways (`1.234`,
//!   `1,234`, a quantity of `1,500`, `1.234,50`) is a row error unless
//!   [`CatalogOptions::number_format`] says how to read `.` and `,` ([`NumberFormat`]);
//!   exponents and underscores (`1e3`, `1_000`) are refused. Negative prices and stock are
//!   refused (stock `-3` is not silently "out of stock"); values above
//!   [`CatalogOptions::max_price`] / [`CatalogOptions::max_quantity`] are refused; a number
//!   with more digits than an exact decimal holds is "out of range", not "not a number".
//! * **Duplicates.** A row whose offer id an earlier imported row had is rejected, counted in
//!   [`ImportReport::duplicate_offer_ids`] ([`CatalogOptions::detect_duplicate_offer_ids`],
//!   on by default; 8 bytes per id).
//! * **Mapping.** A value the shared model refuses (a currency `EURO`, an id with spaces
//!   inside) is a row error naming the column and the value.
//! * **Streaming.** The import never aborts on a row; memory is flat: records travel in a few
//!   recycled buffers; nothing is collected (but the duplicate detection's id set).
//!
//! The test corpus `tests/catalog_corpus.rs` holds one file per class above.
//!
//! Three ways in, from the most convenient to the fastest:
//!
//! | call | gives | for |
//! | --- | --- | --- |
//! | [`import_sftp`], [`import_file`], [`import_reader`] | shared [`Offer`]s | the shared model |
//! | [`for_each_row`], [`for_each_row_sftp`] | borrowed, typed [`RowRef`]s (keep one with [`RowRef::to_owned_row`]) | writing into your own store |
//! | [`read_rows`] | a pull iterator of [`CatalogRow`]s, or [`CatalogRows::next_ref`] | single-threaded pull |
//!
//! The other files of the catalog set (companies, addresses, suppliers, pricing deals and
//! delivery calendars) are read by the same machinery into typed records: see [`files`].
//!
//! The import functions split the CSV on a second thread while the calling thread decodes and
//! maps rows (see `docs/performance.md` for the figures); rows still arrive in file order.
//!
//! ```
//! use accor_oms::catalog::{self, CatalogOptions};
//!
//! let csv = "\u{feff}offer-id;product-title;price;quantity;allergens\r\n\
//!            35308;\"Towel; bath\";12,40;500;\r\n\
//!            41000;Soap;abc;3;nuts\r\n";
//! let mut titles = Vec::new();
//! let report = catalog::for_each_row(csv.as_bytes(), "catalog.csv", &CatalogOptions::new(), |row| {
//!     titles.push((row.offer_id().to_string(), row.title().map(str::to_string), row.price()));
//! })?;
//! assert_eq!((report.read, report.mapped, report.rejected), (2, 1, 1));
//! assert_eq!(report.errors[0].to_string(), "catalog.csv:3 column `price`: `abc` is not a number");
//! assert_eq!(titles[0].1.as_deref(), Some("Towel; bath"));
//! assert_eq!(titles[0].2, Some("12.40".parse().unwrap()));
//! # Ok::<(), connector_core::Error>(())
//! ```

pub mod files;
mod layout;
mod number;
mod options;
mod pipeline;
mod reader;
mod row;
mod seen;
mod sftp;
mod splitter;

use std::io::Read;
use std::path::Path;

use connector_core::{Currency, Error, Offer};

pub use options::{
    CatalogColumns, CatalogOptions, DEFAULT_MAX_PRICE, DEFAULT_MAX_QUANTITY, NumberFormat,
};
pub use reader::{CatalogRows, read_rows};
pub use row::{CatalogRow, RowError, RowRef};
pub use sftp::{for_each_row_sftp, import_sftp, offer_stream_sftp};

/// Counts of an import. `read == mapped + rejected` always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Data rows read (header excluded).
    pub read: u64,
    /// Rows mapped (handed to the callback).
    pub mapped: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// The first rejected rows (see [`CatalogOptions::max_errors_kept`]).
    pub errors: Vec<RowError>,
    /// Of the rejected rows, those whose offer id an earlier row already had (see
    /// [`CatalogOptions::detect_duplicate_offer_ids`]; always 0 for the other files).
    pub duplicate_offer_ids: u64,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows read, {} mapped, {} rejected",
            self.read, self.mapped, self.rejected
        )?;
        if self.duplicate_offer_ids > 0 {
            write!(f, " ({} repeated offer ids)", self.duplicate_offer_ids)?;
        }
        Ok(())
    }
}

/// Reads every row of `input` and hands each well-formed, typed row to `on_row`, borrowed
/// (no allocation per row; call [`RowRef::to_owned_row`] to keep one). Malformed rows are
/// counted and kept in the report. Synchronous: call it from a blocking thread. Fails only
/// for a file-level problem ([`Error::InvalidInput`] naming `file:line`: the header, the
/// encoding, the delimiter; see [the promise](self#the-promise)) or when the input cannot be
/// read at all ([`Error::Io`]).
pub fn for_each_row<R: Read + Send>(
    input: R,
    file: &str,
    options: &CatalogOptions,
    mut on_row: impl FnMut(RowRef<'_>),
) -> Result<ImportReport, Error> {
    pipeline::run(input, file, options, |row| {
        on_row(row);
        Ok(())
    })
}

/// Reads every row of `input`, maps it to the shared [`Offer`] ([`RowRef::to_offer`]), and
/// hands each offer to `on_offer`. Malformed rows, and rows the shared model refuses (an id
/// with surrounding spaces, a bad currency code), are counted and kept in the report.
/// Synchronous: call it from a blocking thread.
pub fn import_reader<R: Read + Send>(
    input: R,
    file: &str,
    options: &CatalogOptions,
    mut on_offer: impl FnMut(Offer),
) -> Result<ImportReport, Error> {
    // Most files use one currency: parse it once.
    let mut last_currency: Option<(String, Currency)> = None;
    pipeline::run(input, file, options, |row| {
        let refused = |(column, reason): (String, String)| RowError {
            file: file.to_string(),
            line: row.line(),
            column: Some(column),
            reason,
        };
        let currency = match (row.currency(), &last_currency) {
            (Some(code), Some((c, cur))) if c == code => *cur,
            _ => {
                let cur = row.currency_checked(options.currency).map_err(refused)?;
                if let Some(code) = row.currency() {
                    last_currency = Some((code.to_string(), cur));
                }
                cur
            }
        };
        on_offer(row.offer_checked(currency).map_err(refused)?);
        Ok(())
    })
}

/// Opens a local file for an import; returns it with its file name (for row errors).
pub(crate) fn open_local(path: &Path) -> Result<(std::fs::File, String), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((file, name))
}

/// [`import_reader`] over a local file (buffered; memory stays flat).
pub fn import_file(
    path: impl AsRef<Path>,
    options: &CatalogOptions,
    on_offer: impl FnMut(Offer),
) -> Result<ImportReport, Error> {
    let (file, name) = open_local(path.as_ref())?;
    import_reader(file, &name, options, on_offer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use connector_core::Availability;
    use rust_decimal_macros::dec;
    use std::sync::Arc;

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
    fn crlf_rows_keep_their_line_numbers_and_quoted_last_fields() {
        let csv = "offer_id;title\r\n1;\"two\r\nlines\"\r\n\r\n;x\r\n3;\"q\"\r\n";
        let mut titles = Vec::new();
        let report = for_each_row(csv.as_bytes(), "c.csv", &CatalogOptions::new(), |r| {
            titles.push((r.line(), r.title().map(str::to_string)))
        })
        .unwrap();
        assert_eq!((report.read, report.mapped, report.rejected), (3, 2, 1));
        assert_eq!(
            report.errors[0].to_string(),
            "c.csv:5 column `offer_id`: is empty"
        );
        assert_eq!(
            titles,
            vec![
                (2, Some("two\r\nlines".to_string())),
                (6, Some("q".to_string()))
            ]
        );
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
            (r.offer_id(), r.title(), r.price()),
            ("7", Some("Tea; green"), Some(dec!(1.50)))
        );
        assert_eq!(r.extra().collect::<Vec<_>>(), vec![("allergens", "nuts")]);
        assert_eq!(r.get("allergens"), Some("nuts"));
        assert_eq!(r.get("nope"), None);
        let owned = r.to_owned_row();
        assert_eq!(
            owned.extra().collect::<Vec<_>>(),
            vec![("allergens", "nuts")]
        );
        assert_eq!(owned.line(), 2);
        assert_eq!(owned.title(), Some("Tea; green"));
        assert_eq!(owned.headers(), ["offer-id", "title", "price", "allergens"]);
        assert!(rows.next_ref().is_none());
        let again: Vec<CatalogRow> = read_rows(csv.as_bytes(), "b.csv", &CatalogOptions::new())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(again, vec![owned]);
    }

    #[test]
    fn owned_row_maps_to_the_same_offer_as_the_import() {
        let csv = "offer_id;product_sku;title;price;currency;quantity;min_order_quantity;package_quantity;brand;ean;category;description;unit;shop_id;shop_name\n\
                   9; S-9 ; Mug ;2.50;usd;0;6;3;Acme;3017620422003;cat-1;Big mug;pc;2001;Acme shop\n";
        let (offers, report) = run(csv.as_bytes());
        assert_eq!(report.mapped, 1, "{:?}", report.errors);
        let row = read_rows(csv.as_bytes(), "c.csv", &CatalogOptions::new())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let offer = row.to_offer(Currency::EUR).unwrap();
        assert_eq!(offer, offers[0]);
        assert_eq!(offer.product.sku.as_ref().unwrap().as_str(), "S-9");
        assert_eq!(offer.product.name, "Mug");
        assert_eq!(offer.product.brand.as_deref(), Some("Acme"));
        assert_eq!(offer.product.gtin.as_deref(), Some("3017620422003"));
        assert_eq!(offer.product.category.as_deref(), Some("cat-1"));
        assert_eq!(offer.product.description.as_deref(), Some("Big mug"));
        assert_eq!(offer.product.unit.as_deref(), Some("pc"));
        assert_eq!(offer.shop_id.as_ref().unwrap().as_str(), "2001");
        assert_eq!(offer.shop_name.as_deref(), Some("Acme shop"));
        assert_eq!(offer.price_tiers[0].min_quantity, 6);
        assert_eq!(offer.price_tiers[0].unit_price.currency, Currency::USD);
        assert_eq!(offer.package_quantity, Some(3));
        assert_eq!(offer.availability, Availability::OutOfStock);
    }

    #[test]
    fn many_batches_keep_file_order_and_every_error() {
        let mut csv = String::from("offer_id;price\n");
        for i in 0..10_000 {
            if i % 1000 == 7 {
                csv.push_str(&format!("{i};x{i}\n"));
            } else {
                csv.push_str(&format!("{i};{i}.5\n"));
            }
        }
        let mut seen = Vec::new();
        let report = for_each_row(csv.as_bytes(), "m.csv", &CatalogOptions::new(), |r| {
            seen.push(r.offer_id().parse::<u32>().unwrap())
        })
        .unwrap();
        assert_eq!(
            (report.read, report.mapped, report.rejected),
            (10_000, 9_990, 10)
        );
        let expected: Vec<u32> = (0..10_000).filter(|i| i % 1000 != 7).collect();
        assert_eq!(seen, expected);
        let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(
            lines,
            (0..10).map(|k| k * 1000 + 7 + 2).collect::<Vec<u64>>()
        );
    }

    #[test]
    fn a_character_cut_by_a_delimiter_is_invalid_utf8() {
        // "é" is C3 A9: split by the delimiter, the record's bytes are valid as a whole.
        let csv = b"offer_id;title;price\n1;a\xC3;\xA91\n2;ok;1\n";
        let (offers, report) = run(&csv[..]);
        assert_eq!((report.read, report.mapped, report.rejected), (2, 1, 1));
        assert!(
            report.errors[0]
                .to_string()
                .starts_with("catalog.csv:2 column `title`: is not valid UTF-8"),
            "{}",
            report.errors[0]
        );
        assert_eq!(offers[0].id.as_str(), "2");
    }

    #[test]
    fn a_read_error_midway_is_reported_and_ends_the_import() {
        struct Failing(std::io::Cursor<Vec<u8>>);
        impl std::io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(std::io::Error::other("connection reset")),
                    n => Ok(n),
                }
            }
        }
        let input = Failing(std::io::Cursor::new(b"offer_id;price\n1;2\n2;3\n".to_vec()));
        let mut n = 0;
        let report = import_reader(input, "f.csv", &CatalogOptions::new(), |_| n += 1).unwrap();
        assert_eq!((report.read, report.mapped, report.rejected), (3, 2, 1));
        assert!(
            report.errors[0].reason.contains("connection reset"),
            "{:?}",
            report.errors
        );
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
