#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! The catalog import's promise, held by a corpus of hostile files: every bad row is reported
//! with its line and reason while the good rows are imported; a file-level problem is a clear
//! error; nothing is dropped or altered without a word. One test per class of defect.

use std::io::Write;

use accor_oms::catalog::files::{self, FileOptions, Supplier};
use accor_oms::catalog::{self, CatalogOptions, ImportReport, NumberFormat};
use connector_core::{Availability, Error, Offer};
use rust_decimal_macros::dec;

fn import_with(input: &[u8], opts: &CatalogOptions) -> (Vec<Offer>, ImportReport) {
    let mut offers = Vec::new();
    let report = catalog::import_reader(input, "c.csv", opts, |o| offers.push(o)).unwrap();
    assert_eq!(report.read, report.mapped + report.rejected, "{report:?}");
    assert_eq!(report.mapped as usize, offers.len());
    (offers, report)
}

fn import(input: &[u8]) -> (Vec<Offer>, ImportReport) {
    import_with(input, &CatalogOptions::new())
}

fn refused(input: &[u8]) -> String {
    let err = catalog::import_reader(input, "c.csv", &CatalogOptions::new(), |_| {}).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    err.to_string()
}

fn errors(report: &ImportReport) -> Vec<String> {
    report.errors.iter().map(ToString::to_string).collect()
}

fn ids(offers: &[Offer]) -> Vec<&str> {
    offers.iter().map(|o| o.id.as_str()).collect()
}

// 1. Quotes.

#[test]
fn an_unbalanced_quote_is_a_row_error_not_a_swallowed_row() {
    // `"Soap 12` closes at the opening quote of line 5's title: the record would take line
    // 5's price and quantity; the text after that "closing" quote gives it away.
    let csv = "offer_id;title;price;quantity\n\
               1;Towel;1.50;3\n\
               2;\"Soap 12;0.35;4\n\
               3;Mug;2.00;5\n\
               4;\"Big \"\"soap\"\"\";9.90;6\n\
               5;Tea;1.00;7\n";
    let (offers, report) = import(csv.as_bytes());
    assert_eq!(ids(&offers), ["1", "5"], "{report:?}");
    assert_eq!(report.rejected, 1);
    assert_eq!(report.errors[0].line, 3);
    assert!(
        report.errors[0].reason.contains("after its closing quote"),
        "{report:?}"
    );
    // Never closed at all: reported where it opened, with what it swallowed.
    let (offers, report) = import(b"offer_id;title;price\n1;a;1.00\n2;\"Soap 12;1.00\n3;b;2.00\n");
    assert_eq!(ids(&offers), ["1"]);
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(report.errors[0].column.as_deref(), Some("title"));
    assert!(
        report.errors[0].reason.contains("never closed"),
        "{report:?}"
    );
}

#[test]
fn text_after_a_closing_quote_is_flagged_not_merged() {
    let (offers, report) = import(b"offer_id;title;price\n1;\"Towel\" bath;2.00\n2;\"ok\";1.00\n");
    assert_eq!(ids(&offers), ["2"]);
    assert_eq!(
        errors(&report),
        [
            "c.csv:2 column `title`: has text after its closing quote (a quote inside a quoted \
          value must be doubled: `\"\"`)"
        ]
    );
}

// 2. Truncation.

#[test]
fn a_file_cut_inside_its_last_field_or_an_open_quote_is_reported() {
    // `20` cut to `2`: the last row has no line end.
    let (offers, report) = import(b"offer_id;price;quantity\r\n1;1.00;5\r\n2;1.00;2");
    assert_eq!(ids(&offers), ["1"]);
    assert_eq!(report.errors[0].line, 3);
    assert!(
        report.errors[0].reason.contains("no line end"),
        "{report:?}"
    );
    // Cut inside a quoted title.
    let (offers, report) = import(b"offer_id;title;price\n1;a;1.00\n2;\"Gift box\nlimit");
    assert_eq!(ids(&offers), ["1"]);
    assert_eq!(report.errors[0].line, 3);
    assert!(
        report.errors[0].reason.contains("never closed"),
        "{report:?}"
    );
    // A producer known to omit the last line end can say so.
    let opts = CatalogOptions::new().allow_unterminated_last_row(true);
    let (offers, _) = import_with(b"offer_id;price\n1;1.00\n2;3.00", &opts);
    assert_eq!(offers[1].price_tiers[0].unit_price.amount, dec!(3.00));
}

// 3. Line ends.

#[test]
fn cr_only_line_ends_are_read_with_their_line_numbers() {
    let csv = b"offer_id;title;price\r1;\"two\rlines\";1.00\r2;b;x\r3;c;3.00\r";
    let (offers, report) = import(csv);
    assert_eq!(ids(&offers), ["1", "3"]);
    assert_eq!(offers[0].product.name, "two\rlines");
    assert_eq!(
        errors(&report),
        ["c.csv:4 column `price`: `x` is not a number"]
    );
}

// 4. Header names.

#[test]
fn headers_without_separators_match_and_missing_columns_are_named() {
    let (offers, report) = import(
        b"OfferId;ProductSku;ProductTitle;UnitPrice;ShopId;Quantity\n7;S-7;Mug;2.50;2001;4\n",
    );
    assert_eq!(report.mapped, 1, "{report:?}");
    let o = &offers[0];
    assert_eq!(o.product.sku.as_ref().unwrap().as_str(), "S-7");
    assert_eq!(o.product.name, "Mug");
    assert_eq!(o.price_tiers[0].unit_price.amount, dec!(2.50));
    assert_eq!(o.shop_id.as_ref().unwrap().as_str(), "2001");
    assert!(o.extra.is_empty(), "{:?}", o.extra);
    // Only an offer id: nothing else would be imported.
    let err = refused(b"offer_id;colour;size\n1;red;L\n");
    assert!(err.contains("none of the other catalog columns"), "{err}");
    assert!(err.contains("columns are: offer_id, colour, size"), "{err}");
    // Columns the caller needs.
    let opts = CatalogOptions::new().require_columns(&["price", "title"]);
    let err = catalog::import_reader(&b"offer_id;price\n1;2.00\n"[..], "c.csv", &opts, |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no title column"), "{err}");
    let bad = CatalogOptions::new().require_columns(&["prize"]);
    let err =
        catalog::import_reader(&b"offer_id;price\n1;2\n"[..], "c.csv", &bad, |_| {}).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn a_second_column_with_the_same_name_is_refused() {
    let err = refused(b"offer_id;price;Price\n1;2.00;3.00\n");
    assert!(err.contains("ambiguous header"), "{err}");
    assert!(err.contains("columns 2 (`price`) and 3 (`Price`)"), "{err}");
    let err = refused(b"offer-id;title;offer_id\n1;a;2\n");
    assert!(err.contains("ambiguous header"), "{err}");
}

// 5. Delimiter.

#[test]
fn the_delimiter_is_sniffed_outside_quotes_and_named_in_errors() {
    // A `;` file whose header holds quoted commas.
    let (offers, report) = import(b"offer_id;\"size, colour, fit\";price\n1;L;2.00\n");
    assert_eq!(report.mapped, 1, "{report:?}");
    assert_eq!(offers[0].extra["size, colour, fit"], "L");
    for (csv, title) in [
        (
            &b"offer_id\ttitle\tprice\n1\tMug, big\t2.00\n"[..],
            "Mug, big",
        ),
        (b"offer_id|title|price\n1|Mug; big|2.00\n", "Mug; big"),
        (
            b"sep=,\r\noffer_id,title,price\r\n1,Mug; big,2.00\r\n",
            "Mug; big",
        ),
        (
            b"\"sep=|\"\noffer_id|title|price\n1|Mug, big|2.00\n",
            "Mug, big",
        ),
    ] {
        let (offers, report) = import(csv);
        assert_eq!(report.mapped, 1, "{title}: {report:?}");
        assert_eq!(offers[0].product.name, title);
    }
    // After `sep=`, the header is line 2 and rows count from there.
    let (_, report) = import(b"sep=;\noffer_id;price\n1;x\n");
    assert_eq!(
        errors(&report),
        ["c.csv:3 column `price`: `x` is not a number"]
    );
    let err = refused(b"offer_id;a,b\n1;2,3\n");
    assert!(err.contains("cannot tell the delimiter"), "{err}");
    let err = refused(b"id|sku|price\n1|2|3\n");
    assert!(err.contains("delimiter `|` (sniffed)"), "{err}");
    assert!(!err.contains("could not decode response"), "{err}");
}

// 6. Encoding and compression.

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_is_gunzipped_from_a_reader_and_a_path() {
    let csv = b"\xEF\xBB\xBFoffer_id;price\r\n1;2.00\r\n2;3.00\r\n";
    let (offers, report) = import(&gzip(csv));
    assert_eq!((report.mapped, report.rejected), (2, 0), "{report:?}");
    assert_eq!(offers[1].price_tiers[0].unit_price.amount, dec!(3.00));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.csv.gz");
    std::fs::write(&path, gzip(csv)).unwrap();
    let mut n = 0;
    let report = catalog::import_file(&path, &CatalogOptions::new(), |_| n += 1).unwrap();
    assert_eq!((report.mapped, n), (2, 2));
    // A damaged stream is an error, not an empty catalog.
    let mut bad = gzip(csv);
    bad.truncate(12);
    let r = catalog::import_reader(&bad[..], "c.csv", &CatalogOptions::new(), |_| {});
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn utf16_and_latin1_are_refused_clearly() {
    let utf16: Vec<u8> = "\u{feff}offer_id;price\n1;2\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let err = refused(&utf16);
    assert!(err.contains("UTF-16 (little-endian)"), "{err}");
    let be: Vec<u8> = "\u{feff}offer_id\n"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert!(refused(&be).contains("UTF-16 (big-endian)"));
    let no_bom: Vec<u8> = "offer_id;price\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(refused(&no_bom).contains("NUL bytes"));
    // Latin-1 `é` in the header.
    let err = refused(b"offer_id;libell\xe9;price\n1;a;2\n");
    assert!(
        err.contains("column 2 (`libell\u{fffd}`) is not valid UTF-8 (byte 0xE9)"),
        "{err}"
    );
    assert!(err.contains("Latin-1"), "{err}");
    // In a row: a row error naming the column, the byte and where in the value.
    let (_, report) = import(b"offer_id;title;price\n1;Caf\xe9 cr\xe8me;2.00\n");
    assert_eq!(
        errors(&report),
        [
            "c.csv:2 column `title`: is not valid UTF-8: byte 0xE9 at byte 4 of `Caf\u{fffd} cr\u{fffd}me` \
          (the file must be UTF-8; this looks like Latin-1 or Windows-1252)"
        ]
    );
}

// 7. Numbers.

#[test]
fn ambiguous_numbers_are_row_errors_unless_a_format_is_given() {
    let csv = b"offer_id;price;quantity\n1;1.234;1\n2;1,234;1\n3;2.00;1,500\n4;1.234,50;1\n\
                5;1e3;1\n6;1_000;1\n7;12,40;500\n";
    let (offers, report) = import(csv);
    assert_eq!(ids(&offers), ["7"]);
    assert_eq!(offers[0].price_tiers[0].unit_price.amount, dec!(12.40));
    let e = errors(&report);
    assert!(
        e[0].starts_with("c.csv:2 column `price`: `1.234` is ambiguous"),
        "{e:?}"
    );
    assert!(e[1].contains("`1,234` is ambiguous"), "{e:?}");
    assert!(
        e[2].starts_with("c.csv:4 column `quantity`: `1,500` is ambiguous"),
        "{e:?}"
    );
    assert!(e[3].contains("`1.234,50` is ambiguous"), "{e:?}");
    assert!(e[4].ends_with("`1e3` is not a number"), "{e:?}");
    assert!(e[5].ends_with("`1_000` is not a number"), "{e:?}");

    let comma = CatalogOptions::new().number_format(NumberFormat::DecimalComma);
    let (offers, report) = import_with(
        b"offer_id;price;quantity\n1;1.234,50;1.500\n2;1,234;1\n",
        &comma,
    );
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(offers[0].price_tiers[0].unit_price.amount, dec!(1234.50));
    assert_eq!(offers[0].availability, Availability::InStock(dec!(1500)));
    assert_eq!(offers[1].price_tiers[0].unit_price.amount, dec!(1.234));
    let point = CatalogOptions::new().number_format(NumberFormat::DecimalPoint);
    let (offers, report) = import_with(b"offer_id;price\n1;1,234.50\n2;1.234,50\n", &point);
    assert_eq!(offers[0].price_tiers[0].unit_price.amount, dec!(1234.50));
    assert_eq!(report.errors[0].line, 3);
}

// 8. Ranges.

#[test]
fn negative_absurd_and_overlong_numbers_are_refused() {
    let csv = b"offer_id;price;quantity;min_order_quantity\n1;-5;1;1\n2;1.00;-3;1\n\
                3;2000000;1;1\n4;1.00;1000000000;1\n5;123456789012345678901234567890;1;1\n\
                6;1.00;1;-2\n7;0;0;1\n";
    let (offers, report) = import(csv);
    assert_eq!(ids(&offers), ["7"]);
    assert_eq!(offers[0].availability, Availability::OutOfStock);
    let e = errors(&report);
    assert_eq!(e[0], "c.csv:2 column `price`: `-5` is negative");
    assert_eq!(e[1], "c.csv:3 column `quantity`: `-3` is negative");
    assert!(
        e[2].contains("`2000000` is above the maximum accepted (1000000"),
        "{e:?}"
    );
    assert!(
        e[3].contains("`1000000000` is above the maximum accepted"),
        "{e:?}"
    );
    assert!(e[4].contains("is out of range"), "{e:?}");
    assert_eq!(
        e[5],
        "c.csv:7 column `min_order_quantity`: `-2` is negative"
    );
    let opts = CatalogOptions::new().max_price(dec!(5000000));
    let (offers, _) = import_with(b"offer_id;price\n3;2000000\n", &opts);
    assert_eq!(offers.len(), 1);
}

// 9. Duplicates.

#[test]
fn repeated_offer_ids_are_reported() {
    let csv = b"offer_id;price\n1;1.00\n2;x\n2;2.00\n1;3.00\n 1 ;4.00\n";
    let (offers, report) = import(csv);
    // Row 3's id `2` was rejected, so row 4 takes it.
    assert_eq!(ids(&offers), ["1", "2"]);
    assert_eq!(report.duplicate_offer_ids, 2);
    assert_eq!(report.rejected, 3);
    assert_eq!(
        errors(&report)[1],
        "c.csv:5 column `offer_id`: `1` is the offer id of an earlier row: this row is skipped"
    );
    assert!(report.to_string().contains("2 repeated offer ids"));
    let off = CatalogOptions::new().detect_duplicate_offer_ids(false);
    let (offers, report) = import_with(csv, &off);
    assert_eq!((offers.len(), report.duplicate_offer_ids), (4, 0));
}

#[test]
fn many_distinct_ids_are_no_duplicates() {
    let mut csv = String::from("offer_id;price\n");
    for i in 0..200_000u32 {
        csv.push_str(&format!("{i};1.00\n"));
        if i % 50_000 == 7 {
            csv.push_str(&format!(
                "OFFER-LONG-ID-{i:012};1.00\nOFFER-LONG-ID-{i:012};1.00\n"
            ));
        }
    }
    let mut n = 0u64;
    let report =
        catalog::for_each_row(csv.as_bytes(), "c.csv", &CatalogOptions::new(), |_| n += 1).unwrap();
    assert_eq!((n, report.duplicate_offer_ids), (200_004, 4));
}

// 10. Messages.

#[test]
fn mapping_errors_name_the_column_and_the_value() {
    let (offers, report) =
        import(b"offer_id;Currency_ISO-Code;price\n1;EURO;1.00\n2;EUR;1.00\n3;E1;2.00\n");
    assert_eq!(ids(&offers), ["2"]);
    let e = &report.errors;
    assert_eq!(
        (e[0].line, e[0].column.as_deref()),
        (2, Some("Currency_ISO-Code"))
    );
    assert!(
        e[0].reason
            .starts_with("`EURO` is refused by the shared model: "),
        "{e:?}"
    );
    assert_eq!(
        (e[1].line, e[1].column.as_deref()),
        (4, Some("Currency_ISO-Code"))
    );
    assert!(e[1].reason.starts_with("`E1`"), "{e:?}");
}

#[test]
fn file_errors_speak_of_files_not_http_responses() {
    for csv in [&b""[..], b"sku;price\n1;2\n", b"\xff\xfeo\x00"] {
        let err = refused(csv);
        assert!(err.starts_with("invalid input: `c.csv:1`"), "{err}");
        assert!(!err.contains("response") && !err.contains("body"), "{err}");
    }
}

// The other files of the catalog set share the machinery.

#[test]
fn the_other_catalog_files_get_the_same_checks() {
    let opts = FileOptions::new();
    let run = |input: &[u8]| {
        let mut got = Vec::new();
        files::import_reader(input, "s.csv", &opts, |s: Supplier| got.push(s)).map(|r| (got, r))
    };
    // CR-only, gzip, `sep=`, header names without separators.
    for input in [
        b"ShopId;MinOrderAmount\r1;10.50\r".to_vec(),
        gzip(b"shop_id;min_order_amount\n1;10.50\n"),
        b"sep=|\nshop_id|min_order_amount\n1|10.50\n".to_vec(),
    ] {
        let (got, report) = run(&input).unwrap();
        assert_eq!(report.mapped, 1, "{report:?}");
        assert_eq!(got[0].min_order_amount, Some(dec!(10.50)));
    }
    let (_, report) =
        run(b"shop_id;min_order_amount;name\n1;1.234;a\n2;-5;b\n3;2;\"x\" y\n4;1;c").unwrap();
    let e = errors(&report);
    assert!(e[0].contains("`1.234` is ambiguous"), "{e:?}");
    assert!(e[1].contains("`-5` is negative"), "{e:?}");
    assert!(e[2].contains("after its closing quote"), "{e:?}");
    assert!(e[3].contains("no line end"), "{e:?}");
    let err = run(b"shop_id;name;Name\n1;a;b\n").unwrap_err().to_string();
    assert!(err.contains("ambiguous header"), "{err}");
    let err = run(b"shop\xe9;name\n").unwrap_err().to_string();
    assert!(err.contains("not valid UTF-8"), "{err}");
}
