#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The other files of the catalog set (companies, addresses, suppliers, pricing, delivery
//! calendars): realistic files with the header in another order, BOM, CRLF, quoted fields,
//! unknown columns and bad rows; locally, by pull iterator, and over SFTP.

use std::sync::{Arc, Mutex};

use accor_oms::catalog::files::{
    self, Address, AddressKind, Company, DeliveryCalendarEntry, FileOptions, FileRecord,
    PricingDeal, Supplier,
};
use accor_oms::catalog::{ImportReport, RowError};
use accor_oms::{AccorClient, AccorConfig, AccorConnector, CatalogLocation};
use chrono::{NaiveDate, NaiveTime};
use connector_core::SecretString;
use connector_sandbox::sftp::{SftpServer, SftpServerConfig};
use connector_sftp::{SftpClient, SftpConfig};
use rust_decimal_macros::dec;

fn import<T: FileRecord>(csv: &str, name: &str) -> (Vec<T>, ImportReport) {
    import_with(csv, name, &FileOptions::new())
}

fn import_with<T: FileRecord>(csv: &str, name: &str, opts: &FileOptions) -> (Vec<T>, ImportReport) {
    let mut out = Vec::new();
    let report = files::import_reader(csv.as_bytes(), name, opts, |r: T| out.push(r)).unwrap();
    assert_eq!(report.read, report.mapped + report.rejected);
    (out, report)
}

fn errors(report: &ImportReport) -> Vec<String> {
    report.errors.iter().map(ToString::to_string).collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn companies() {
    let csv = "\u{feff}Hotel Name;Country;Mega-Code;Customer Group;Shipping Zone Code;Star rating\r\n\
               \"Ibis Paris; Tour Eiffel\";FR;HB1624;G-ECO;FR-FR;3\r\n\
               Novotel Lyon;FR;  ;G-MID;FR-FR;4\r\n\
               \"Pullman\r\nBerlin\";DE;HB9001;;DE-DE;\r\n";
    let (companies, report) = import::<Company>(csv, "companies.csv");
    assert_eq!((report.read, report.mapped, report.rejected), (3, 2, 1));
    assert_eq!(
        errors(&report),
        ["companies.csv:3 column `Mega-Code`: is empty"]
    );
    let c = &companies[0];
    assert_eq!(c.company_id, "HB1624");
    assert_eq!(c.name.as_deref(), Some("Ibis Paris; Tour Eiffel"));
    assert_eq!(c.company_group.as_deref(), Some("G-ECO"));
    assert_eq!(c.shipping_zone.as_deref(), Some("FR-FR"));
    assert_eq!(c.country.as_deref(), Some("FR"));
    assert_eq!(c.extra["Star rating"], "3");
    assert_eq!(c.extra.len(), 1);
    assert_eq!(companies[1].name.as_deref(), Some("Pullman\r\nBerlin"));
    assert_eq!(companies[1].company_group, None);
    assert!(companies[1].extra.is_empty());
}

#[test]
fn addresses() {
    let csv = "address type,zip_code,street_1,address_id,mega_code,city,country_iso_code,street_2,delivery hours\n\
               Shipping,75015,\"61, quai de Grenelle\",AD-1,HB1624,Paris,FR,Dock 2,\"6:00-10:00, Mon-Fri\"\n\
               INVOICE,92130,\"2 rue de la Mare-Neuve\",AD-2,HB1624,Issy,FR,,\n\
               rooftop,75015,x,AD-3,HB1624,Paris,FR,,\n\
               ,75015,y,AD-4,HB1624,Paris\n\
               ,,,AD-5,,,,,\n";
    let (addresses, report) = import::<Address>(csv, "addresses.csv");
    assert_eq!((report.read, report.mapped, report.rejected), (5, 4, 1));
    assert_eq!(
        errors(&report),
        ["addresses.csv:5: has 6 fields, the header has 9"]
    );
    let a = &addresses[0];
    assert_eq!(a.address_id, "AD-1");
    assert_eq!(a.company_id.as_deref(), Some("HB1624"));
    assert_eq!(a.kind, Some(AddressKind::Shipping));
    assert_eq!(a.street_1.as_deref(), Some("61, quai de Grenelle"));
    assert_eq!(a.street_2.as_deref(), Some("Dock 2"));
    assert_eq!(a.zip_code.as_deref(), Some("75015"));
    assert_eq!(a.extra["delivery hours"], "6:00-10:00, Mon-Fri");
    assert_eq!(addresses[1].kind, Some(AddressKind::Billing));
    assert_eq!(
        addresses[2].kind,
        Some(AddressKind::Other("rooftop".to_string()))
    );
    assert_eq!(addresses[2].kind.as_ref().unwrap().as_str(), "rooftop");
    assert_eq!(addresses[3].address_id, "AD-5");
    assert_eq!(addresses[3].kind, None);
    assert_eq!(addresses[3].city, None);
}

#[test]
fn suppliers() {
    let csv = "\u{feff}Supplier-Name;Shop-Id;Min Order Amount;Leadtime-To-Ship;Supplier Group;State;Currency-Iso-Code;Incoterm\r\n\
               Linen & Co;2001;150,00;3;SG-LINEN;OPEN;EUR;DAP\r\n\
               \"Hotel Soap \"\"Factory\"\"\";2002;lots;2;SG-HYG;OPEN;EUR;\r\n\
               Boulangerie du Port;2003;;1.5;SG-FOOD;OPEN;EUR;\r\n\
               Vins de Loire SARL;2004;;;SG-FOOD;SUSPENDED;;\r\n";
    let (suppliers, report) = import::<Supplier>(csv, "suppliers.csv");
    assert_eq!((report.read, report.mapped, report.rejected), (4, 2, 2));
    assert_eq!(
        errors(&report),
        [
            "suppliers.csv:3 column `Min Order Amount`: `lots` is not a number",
            "suppliers.csv:4 column `Leadtime-To-Ship`: `1.5` is not a whole number",
        ]
    );
    let s = &suppliers[0];
    assert_eq!(s.shop_id, "2001");
    assert_eq!(s.name.as_deref(), Some("Linen & Co"));
    assert_eq!(s.min_order_amount, Some(dec!(150.00)));
    assert_eq!(s.min_order_amount.unwrap().scale(), 2);
    assert_eq!(s.leadtime_to_ship, Some(3));
    assert_eq!(s.supplier_group.as_deref(), Some("SG-LINEN"));
    assert_eq!(s.currency.as_deref(), Some("EUR"));
    assert_eq!(s.extra["Incoterm"], "DAP");
    assert_eq!(suppliers[1].state.as_deref(), Some("SUSPENDED"));
    assert_eq!(suppliers[1].min_order_amount, None);
}

#[test]
fn pricing_deals_with_dates_in_both_formats() {
    let csv = "\u{feff}company-group;end-date;price;supplier-group;deal-id;start-date;offer-id;min-quantity;discount;comment\r\n\
               G-ECO;2026-12-31;12,40;SG-LINEN;D-1;2026-01-01;35308;10;;\"net; VAT excl.\"\r\n\
               G-MID;31/12/2026;;SG-HYG;D-2;01/07/2026;;;7.5;\r\n\
               G-MID;2026-13-01;1;SG-HYG;D-3;2026-01-01;;;;\r\n\
               G-MID;2026-01-01;1;SG-HYG;D-4;2026-06-30;;;;\r\n\
               G-TOP;;0.99;SG-HYG;D-5;;;;;\r\n";
    let (deals, report) = import::<PricingDeal>(csv, "pricing.csv");
    assert_eq!((report.read, report.mapped, report.rejected), (5, 3, 2));
    assert_eq!(
        errors(&report),
        [
            "pricing.csv:4 column `end-date`: `2026-13-01` is not a date (YYYY-MM-DD or DD/MM/YYYY)",
            "pricing.csv:5 column `end-date`: 2026-01-01 is before the start of the deal (2026-06-30)",
        ]
    );
    let d = &deals[0];
    assert_eq!(d.deal_id, "D-1");
    assert_eq!(
        (d.supplier_group.as_deref(), d.company_group.as_deref()),
        (Some("SG-LINEN"), Some("G-ECO"))
    );
    assert_eq!(d.offer_id.as_deref(), Some("35308"));
    assert_eq!(d.price, Some(dec!(12.40)));
    assert_eq!(d.min_quantity, Some(10));
    assert_eq!(
        (d.valid_from, d.valid_to),
        (Some(day(2026, 1, 1)), Some(day(2026, 12, 31)))
    );
    assert_eq!(d.extra["comment"], "net; VAT excl.");
    let d2 = &deals[1];
    assert_eq!(d2.discount_percent, Some(dec!(7.5)));
    assert_eq!(d2.price, None);
    assert_eq!(
        (d2.valid_from, d2.valid_to),
        (Some(day(2026, 7, 1)), Some(day(2026, 12, 31)))
    );
    assert!(d2.is_valid_on(day(2026, 7, 1)) && d2.is_valid_on(day(2026, 12, 31)));
    assert!(!d2.is_valid_on(day(2026, 6, 30)) && !d2.is_valid_on(day(2027, 1, 1)));
    assert!(deals[2].is_valid_on(day(1999, 1, 1)));
}

#[test]
fn delivery_calendars() {
    let csv = "Catchment Area;Order Cutoff Time;Delivery Date;Shop Id;Round Code;Order Cutoff Date;Truck\r\n\
               \"06, 83,98\";14:00;2026-12-03;2003;R-SOUTH;01/12/2026;T1\r\n\
               75;;04/12/2026;2003;R-PARIS;;\r\n\
               75;;2026-12-05;;R-PARIS;;\r\n\
               75;;2026-12-05;2003;R-PARIS;2026-12-06;\r\n\
               75;noon;2026-12-05;2003;R-PARIS;2026-12-04;\r\n\
               75;;5/12;2003;R-PARIS;;\r\n";
    let (entries, report) = import::<DeliveryCalendarEntry>(csv, "delivery_calendars.csv");
    assert_eq!((report.read, report.mapped, report.rejected), (6, 2, 4));
    assert_eq!(
        errors(&report),
        [
            "delivery_calendars.csv:4 column `Shop Id`: is empty",
            "delivery_calendars.csv:5 column `Order Cutoff Date`: 2026-12-06 is after the delivery date (2026-12-05)",
            "delivery_calendars.csv:6 column `Order Cutoff Time`: `noon` is not a time (HH:MM or HH:MM:SS)",
            "delivery_calendars.csv:7 column `Delivery Date`: `5/12` is not a date (YYYY-MM-DD or DD/MM/YYYY)",
        ]
    );
    let e = &entries[0];
    assert_eq!(e.shop_id, "2003");
    assert_eq!(e.delivery_date, day(2026, 12, 3));
    assert_eq!(e.round_id.as_deref(), Some("R-SOUTH"));
    assert_eq!(e.postal_codes, ["06", "83", "98"]);
    assert_eq!(e.cutoff_date, Some(day(2026, 12, 1)));
    assert_eq!(e.cutoff_time, NaiveTime::from_hms_opt(14, 0, 0));
    assert_eq!(
        e.cutoff(),
        Some(day(2026, 12, 1).and_hms_opt(14, 0, 0).unwrap())
    );
    assert!(e.serves("06400") && e.serves("98000") && !e.serves("75015"));
    assert_eq!(e.extra["Truck"], "T1");
    let e2 = &entries[1];
    assert_eq!(e2.delivery_date, day(2026, 12, 4));
    assert_eq!((e2.cutoff_date, e2.cutoff()), (None, None));
    assert!(entries[1].serves("75015"));
}

#[test]
fn a_file_without_the_required_column_is_refused_up_front() {
    let err = files::import_reader(
        "name;city\nIbis;Paris\n".as_bytes(),
        "companies.csv",
        &FileOptions::new(),
        |_: Company| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("companies.csv:1"), "{err}");
    assert!(
        err.contains("has no company_id column, which this companies file needs"),
        "{err}"
    );
    assert!(err.contains("columns are: name, city"), "{err}");
}

#[test]
fn user_aliases_replace_the_defaults_per_kind() {
    // The hotel code column is `Code RID`; for companies only, suppliers keep their defaults.
    let opts = FileOptions::new()
        .aliases::<Company>("company_id", &["Code RID"])
        .aliases::<Company>("name", &["Libellé"]);
    let (companies, report) = import_with::<Company>(
        "Code-RID;Libellé;mega_code\nB123;Mercure Nice;HB1\n",
        "h.csv",
        &opts,
    );
    assert_eq!(report.mapped, 1);
    assert_eq!(companies[0].company_id, "B123");
    assert_eq!(companies[0].name.as_deref(), Some("Mercure Nice"));
    // The default alias is no longer looked for: the column is extra.
    assert_eq!(companies[0].extra["mega_code"], "HB1");
    let (suppliers, _) = import_with::<Supplier>("shop_id\n2001\n", "s.csv", &opts);
    assert_eq!(suppliers[0].shop_id, "2001");

    let bad = FileOptions::new().aliases::<Supplier>("shop_name", &["x"]);
    let err = files::import_reader("shop_id\n1\n".as_bytes(), "s.csv", &bad, |_: Supplier| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no field `shop_name` in suppliers records"),
        "{err}"
    );
    assert!(err.contains("shop_id, name, supplier_group"), "{err}");
}

#[test]
fn pull_iterator_borrowed_rows_and_invalid_utf8() {
    let csv = b"shop_id;name;x\n1;A;\n2;B\xff;y\n3;C;z\n";
    let opts = FileOptions::new();
    let all: Vec<Result<Supplier, RowError>> =
        files::read_file::<Supplier, _>(&csv[..], "s.csv", &opts)
            .unwrap()
            .collect();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].as_ref().unwrap().shop_id, "1");
    let e = all[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (3, Some("name")));
    assert!(e.reason.starts_with("is not valid UTF-8"), "{e}");
    assert_eq!(all[2].as_ref().unwrap().extra["x"], "z");

    let mut rows = files::read_file::<Supplier, _>(&csv[..], "s.csv", &opts).unwrap();
    assert_eq!(rows.headers(), ["shop_id", "name", "x"]);
    let first = rows.next_row().unwrap().unwrap();
    assert_eq!(
        (first.line(), first.get(0), first.get(1)),
        (2, Some("1"), Some("A"))
    );
    assert_eq!(first.by_header("x"), Some(""));
    assert!(rows.next_row().unwrap().is_err());
    assert_eq!(rows.next_row().unwrap().unwrap().get(0), Some("3"));
    assert!(rows.next_row().is_none());
    assert_eq!(rows.rows_read(), 3);
    assert_eq!(rows.bytes_read(), csv.len() as u64);
}

#[test]
fn large_files_keep_order_errors_and_progress() {
    let mut csv = String::from("address_id,mega_code,zip_code\n");
    for i in 0..25_000 {
        let id = if i % 5000 == 1 {
            String::new()
        } else {
            format!("A{i}")
        };
        csv.push_str(&format!("{id},HB{},{:05}\n", i % 300, i % 99_999));
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let opts = FileOptions::new()
        .delimiter(b',')
        .max_errors_kept(3)
        .progress(10_000, move |rows, bytes| {
            s.lock().unwrap().push((rows, bytes))
        });
    let mut ids = Vec::new();
    let report = files::import_reader(csv.as_bytes(), "a.csv", &opts, |a: Address| {
        ids.push(a.address_id)
    })
    .unwrap();
    assert_eq!(
        (report.read, report.mapped, report.rejected),
        (25_000, 24_995, 5)
    );
    assert_eq!(report.errors.len(), 3);
    assert_eq!(report.errors[1].line, 5003);
    assert_eq!(ids[0], "A0");
    assert_eq!(ids[1], "A2");
    assert_eq!(ids.last().map(String::as_str), Some("A24999"));
    let progress = seen.lock().unwrap().clone();
    assert_eq!(
        progress.iter().map(|p| p.0).collect::<Vec<_>>(),
        [10_000, 20_000]
    );
    assert!(progress[0].1 > 0 && progress[0].1 < progress[1].1);
}

#[test]
fn local_file_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suppliers.csv");
    std::fs::write(&path, "shop_id;shop_name\r\n2001;Linen & Co\r\n").unwrap();
    let mut names = Vec::new();
    let report =
        files::import_file(&path, &FileOptions::new(), |s: Supplier| names.push(s.name)).unwrap();
    assert_eq!(report.mapped, 1);
    assert_eq!(names, [Some("Linen & Co".to_string())]);
    let err = files::import_file(
        dir.path().join("none.csv"),
        &FileOptions::new(),
        |_: Supplier| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("none.csv"), "{err}");
}

const USER: &str = "accor-catalog";
const PASSWORD: &str = "sandbox-sftp-password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_round_trip_and_connector_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("outgoing")).unwrap();
    let mut calendars = String::from("\u{feff}shop_id;delivery_date;postal_codes;round_id\r\n");
    for i in 0..5000u32 {
        let d = day(2026, 1, 1) + chrono::Days::new(u64::from(i % 365));
        if i == 4321 {
            calendars.push_str("2003;not a date;75;R\r\n");
        } else {
            calendars.push_str(&format!(
                "{};{};\"75, 92\";R-{}\r\n",
                2000 + i % 4,
                d.format("%d/%m/%Y"),
                i
            ));
        }
    }
    std::fs::write(
        dir.path().join("outgoing/delivery_calendars.csv"),
        &calendars,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("outgoing/hotels.csv"),
        "mega_code,hotel_name\nHB1624,Ibis Paris\n",
    )
    .unwrap();
    let server = SftpServer::start(SftpServerConfig::new(dir.path()).user(USER, PASSWORD))
        .await
        .unwrap();
    let sftp_config = SftpConfig::builder(server.host())
        .port(server.port())
        .username(USER)
        .password(SecretString::from(PASSWORD))
        .host_key_fingerprint(server.host_key_fingerprint())
        .build()
        .unwrap();
    let sftp = SftpClient::new(sftp_config.clone());

    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let report = files::import_sftp(
        &sftp,
        "/outgoing/delivery_calendars.csv",
        &FileOptions::new(),
        move |e: DeliveryCalendarEntry| g.lock().unwrap().push(e),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.read, report.mapped, report.rejected),
        (5000, 4999, 1)
    );
    assert_eq!(report.errors[0].line, 4323);
    assert_eq!(report.errors[0].file, "delivery_calendars.csv");
    let got = std::mem::take(&mut *got.lock().unwrap());
    assert_eq!(got[0].shop_id, "2000");
    assert_eq!(got[0].postal_codes, ["75", "92"]);
    assert_eq!(got[4998].round_id.as_deref(), Some("R-4999"));
    assert_eq!(
        got[4998].delivery_date,
        day(2026, 1, 1) + chrono::Days::new(4999 % 365)
    );

    // Through the connector: the calendar file at its default name next to the catalog, the
    // companies file at a configured path.
    let client = AccorClient::new(
        AccorConfig::builder()
            .custom("http://127.0.0.1:9/oms-api", "http://127.0.0.1:9/token")
            .client_id("x")
            .client_secret(SecretString::from("y"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let location = CatalogLocation::new(sftp_config, "/outgoing/catalog.csv")
        .with_file_path::<Company>("/outgoing/hotels.csv");
    assert_eq!(
        location.file_path::<DeliveryCalendarEntry>(),
        "/outgoing/delivery_calendars.csv"
    );
    assert_eq!(location.file_path::<Supplier>(), "/outgoing/suppliers.csv");
    let conn = AccorConnector::new(client).with_catalog(location);
    let n = Arc::new(Mutex::new(0u64));
    let c = n.clone();
    let report = conn
        .import_records(move |_: DeliveryCalendarEntry| *c.lock().unwrap() += 1)
        .await
        .unwrap();
    assert_eq!((report.mapped, *n.lock().unwrap()), (4999, 4999));
    let hotels = Arc::new(Mutex::new(Vec::new()));
    let h = hotels.clone();
    conn.import_records(move |c: Company| h.lock().unwrap().push(c))
        .await
        .unwrap();
    assert_eq!(
        hotels.lock().unwrap()[0].name.as_deref(),
        Some("Ibis Paris")
    );
    // The suppliers file does not exist: an error, not an empty list.
    assert!(conn.import_records(|_: Supplier| {}).await.is_err());
}
