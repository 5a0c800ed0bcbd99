//! Loads: the exact multipart call per integration type, golden load files, validation, the
//! sequencer and the configuration rules.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use connector_core::{Error, ManualClock, RetryPolicy, SecretString};
use futures::stream;
use rust_decimal_macros::dec;
use totvs_omni::{
    AttributeLine, DecimalStyle, IntegrationType, LayoutProfile, LoadFileWriter, OmniClient,
    OmniConfig, PriceLine, ProductLine, StockLine,
};
use wiremock::matchers::{header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOAD_PATH: &str = "/integrador/session-less/integrations/SITE-42/integration-exec-post";

fn client(server: &MockServer, clock: &ManualClock) -> OmniClient {
    let config = OmniConfig::builder("SITE-42", "integrador", SecretString::from("s3cr3t-pw"))
        .load_host(server.uri())
        .retry(RetryPolicy::default().with_jitter(false))
        .clock(clock.shared())
        .build()
        .unwrap();
    OmniClient::new(config).unwrap()
}

/// A load-file writer with the default layout profile, at `dir/name`.
async fn default_writer(dir: &std::path::Path, name: &str, ty: IntegrationType) -> LoadFileWriter {
    LoadFileWriter::create(dir.join(name), ty, LayoutProfile::default())
        .await
        .unwrap()
}

/// (name, file name, content type, body) of every part of a multipart request.
fn parts(req: &wiremock::Request) -> Vec<(String, Option<String>, Option<String>, String)> {
    let ct = req.headers.get("content-type").unwrap().to_str().unwrap();
    let boundary = ct.split("boundary=").nth(1).unwrap().trim_matches('"');
    let body = String::from_utf8(req.body.clone()).unwrap();
    let mut out = Vec::new();
    for chunk in body.split(&format!("--{boundary}")) {
        let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
        if chunk.is_empty() || chunk.starts_with("--") {
            continue;
        }
        let (head, content) = chunk.split_once("\r\n\r\n").unwrap();
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let mut name = String::new();
        let mut file_name = None;
        let mut content_type = None;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for attr in line.split(';').skip(1) {
                    let (k, v) = attr.trim().split_once('=').unwrap();
                    let v = v.trim_matches('"').to_string();
                    match k {
                        "name" => name = v,
                        "filename" => file_name = Some(v),
                        _ => {}
                    }
                }
            } else if lower.starts_with("content-type:") {
                content_type = Some(line.split_once(':').unwrap().1.trim().to_string());
            }
        }
        out.push((name, file_name, content_type, content.to_string()));
    }
    out
}

fn text(name: &str, v: &str) -> (String, Option<String>, Option<String>, String) {
    (name.into(), None, None, v.into())
}

fn file(name: &str, content: &str) -> (String, Option<String>, Option<String>, String) {
    (
        "integrationFile".into(),
        Some(name.into()),
        Some("application/json".into()),
        content.into(),
    )
}

async fn mount_ok(server: &MockServer, name: &str) {
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .and(header_regex(
            "content-type",
            "^multipart/form-data; boundary=",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(
                r#"{"id":"EXEC-981","message":"Integração executada com sucesso"}"#,
            ),
        )
        .expect(1)
        .named(name)
        .mount(server)
        .await;
}

#[tokio::test]
async fn products_load_sends_the_exact_multipart_form_and_reads_the_receipt() {
    let server = MockServer::start().await;
    mount_ok(&server, "exec-post type 1").await;
    let omni = client(&server, &ManualClock::new());
    let products = vec![
        ProductLine::new("CAM-P", "Camiseta Básica P")
            .reference("CAM")
            .brand("Acme")
            .ean("7891234567895")
            .size("P")
            .attribute("material", "algodão"),
    ];
    let receipt = omni
        .loads()
        .load(IntegrationType::Products, stream::iter(products))
        .await
        .unwrap();
    assert_eq!(receipt.http_status, Some(200));
    assert_eq!(receipt.job_id.as_deref(), Some("EXEC-981"));
    assert_eq!(
        receipt.message.as_deref(),
        Some("Integração executada com sucesso")
    );
    assert_eq!(receipt.records, 1);
    assert_eq!(receipt.file_name, "PRODUTOS_DO_ERP.json");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        parts(&reqs[0]),
        vec![
            text("username", "integrador"),
            text("password", "s3cr3t-pw"),
            text("integrationType", "1"),
            file(
                "PRODUTOS_DO_ERP.json",
                "[\n{\"sku\":\"CAM-P\",\"referencia\":\"CAM\",\"nome\":\"Camiseta Básica P\",\"marca\":\"Acme\",\"ean\":\"7891234567895\",\"tamanho\":\"P\",\"ativo\":true,\"atributos\":{\"material\":\"algodão\"}}\n]\n"
            ),
        ]
    );
}

#[tokio::test]
async fn stock_load_is_type_2() {
    let server = MockServer::start().await;
    mount_ok(&server, "exec-post type 2").await;
    let omni = client(&server, &ManualClock::new());
    let lines = vec![
        StockLine::new("CAM-P", "LOJA-01", dec!(12)),
        StockLine::new("CAM-P", "CD-SP", dec!(340)),
    ];
    omni.loads()
        .load(IntegrationType::Stock, stream::iter(lines))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        parts(&reqs[0]),
        vec![
            text("username", "integrador"),
            text("password", "s3cr3t-pw"),
            text("integrationType", "2"),
            file(
                "ESTOQUE_DO_ERP.json",
                "[\n{\"sku\":\"CAM-P\",\"loja\":\"LOJA-01\",\"quantidade\":12},\n{\"sku\":\"CAM-P\",\"loja\":\"CD-SP\",\"quantidade\":340}\n]\n"
            ),
        ]
    );
}

#[tokio::test]
async fn price_load_is_type_7_with_decimals_and_dot_separator() {
    let server = MockServer::start().await;
    mount_ok(&server, "exec-post type 7").await;
    let omni = client(&server, &ManualClock::new());
    let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
    let lines = vec![
        PriceLine::new("CAM-P", dec!(129.90)).promotion(dec!(99.90), Some(from), Some(to)),
        PriceLine::new("CAM-M", dec!(1299.00)),
    ];
    omni.loads()
        .load(IntegrationType::Prices, stream::iter(lines))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        parts(&reqs[0]),
        vec![
            text("username", "integrador"),
            text("password", "s3cr3t-pw"),
            text("integrationType", "7"),
            file(
                "PRECOS_DO_ERP.json",
                "[\n{\"sku\":\"CAM-P\",\"preco\":129.90,\"precoPromocional\":99.90,\"inicio\":\"2026-12-01\",\"fim\":\"2026-12-24\"},\n{\"sku\":\"CAM-M\",\"preco\":1299.00}\n]\n"
            ),
        ]
    );
}

#[tokio::test]
async fn combined_types_3_8_6_and_attributes_12_send_their_codes_and_embedded_data() {
    let cases: Vec<(IntegrationType, ProductLine, &str, &str)> = vec![
        (
            IntegrationType::ProductsWithStock,
            ProductLine::new("A", "Alpha").with_stock("LOJA-01", dec!(5)),
            "3",
            "[\n{\"sku\":\"A\",\"nome\":\"Alpha\",\"ativo\":true,\"estoques\":[{\"loja\":\"LOJA-01\",\"quantidade\":5}]}\n]\n",
        ),
        (
            IntegrationType::ProductsWithPrice,
            ProductLine::new("A", "Alpha").with_price(dec!(10.50), None),
            "8",
            "[\n{\"sku\":\"A\",\"nome\":\"Alpha\",\"ativo\":true,\"preco\":10.50}\n]\n",
        ),
        (
            IntegrationType::ProductsWithStockAndPrice,
            ProductLine::new("A", "Alpha")
                .active(false)
                .with_price(dec!(10.50), Some(dec!(9.99)))
                .with_stock("CD-SP", dec!(0)),
            "6",
            "[\n{\"sku\":\"A\",\"nome\":\"Alpha\",\"ativo\":false,\"preco\":10.50,\"precoPromocional\":9.99,\"estoques\":[{\"loja\":\"CD-SP\",\"quantidade\":0}]}\n]\n",
        ),
    ];
    for (ty, line, code, expected) in cases {
        let server = MockServer::start().await;
        mount_ok(&server, "exec-post combined").await;
        let omni = client(&server, &ManualClock::new());
        omni.loads()
            .load(ty, stream::iter(vec![line]))
            .await
            .unwrap();
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(
            parts(&reqs[0]),
            vec![
                text("username", "integrador"),
                text("password", "s3cr3t-pw"),
                text("integrationType", code),
                file(&ty.default_file_name(), expected),
            ],
            "type {code}"
        );
    }
    let server = MockServer::start().await;
    mount_ok(&server, "exec-post type 12").await;
    let omni = client(&server, &ManualClock::new());
    omni.loads()
        .load(
            IntegrationType::Attributes,
            stream::iter(vec![AttributeLine::new("A", "cor", "azul")]),
        )
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        parts(&reqs[0]),
        vec![
            text("username", "integrador"),
            text("password", "s3cr3t-pw"),
            text("integrationType", "12"),
            file(
                "ATRIBUTOS_DO_ERP.json",
                "[\n{\"sku\":\"A\",\"atributo\":\"cor\",\"valor\":\"azul\"}\n]\n"
            ),
        ]
    );
}

#[tokio::test]
async fn error_answers_are_classified_and_a_lost_answer_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"message":"usuário ou senha inválidos"}"#),
        )
        .expect(1)
        .named("exec-post 401")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let err = omni
        .loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(!err.to_string().contains("s3cr3t-pw"));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>manutenção</html>"))
        .expect(1) // not idempotent: never sent twice
        .named("exec-post 503")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let err = omni
        .loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.status(), Some(503));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(r#"{"code":"BAD_FILE","message":"arquivo não é um array JSON"}"#),
        )
        .expect(1)
        .named("exec-post 400")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let err = omni
        .loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.platform_code(), Some("BAD_FILE"));
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn invalid_records_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let cases: Vec<(Error, &str, &str)> = vec![
        (
            omni.loads()
                .load(
                    IntegrationType::Prices,
                    stream::iter(vec![PriceLine::new("A", dec!(1.999))]),
                )
                .await
                .unwrap_err(),
            "records[0].price",
            "at most 2 decimal places",
        ),
        (
            omni.loads()
                .load(
                    IntegrationType::Stock,
                    stream::iter(vec![
                        StockLine::new("A", "L", dec!(1)),
                        StockLine::new("B", "L", dec!(-3)),
                    ]),
                )
                .await
                .unwrap_err(),
            "records[1].quantity",
            "negative",
        ),
        (
            omni.loads()
                .load(
                    IntegrationType::ProductsWithPrice,
                    stream::iter(vec![ProductLine::new("A", "Alpha")]),
                )
                .await
                .unwrap_err(),
            "records[0].price",
            "required in a type 8 load",
        ),
        (
            omni.loads()
                .load(
                    IntegrationType::Products,
                    stream::iter(vec![ProductLine::new("A", "Alpha").ean("12ab")]),
                )
                .await
                .unwrap_err(),
            "records[0].ean",
            "digits",
        ),
        (
            omni.loads()
                .load(
                    IntegrationType::Stock,
                    stream::iter(Vec::<StockLine>::new()),
                )
                .await
                .unwrap_err(),
            "records",
            "at least one record",
        ),
        (
            omni.loads()
                .load(
                    IntegrationType::Prices,
                    stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
                )
                .await
                .unwrap_err(),
            "integration_type",
            "does not take",
        ),
    ];
    for (err, field_want, rule_want) in cases {
        match err {
            Error::InvalidInput { field, rule } => {
                assert_eq!(field, field_want);
                assert!(rule.contains(rule_want), "{rule}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn golden_file_with_a_client_profile_and_string_decimals() {
    let profile = LayoutProfile::from_json(
        r#"{"name":"acme","price":{"sku":"codigoProduto","price":"valor"},"decimals":"string"}"#,
    )
    .unwrap();
    assert_eq!(profile.decimals, DecimalStyle::String);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("precos.json");
    let mut w = LoadFileWriter::create(&p, IntegrationType::Prices, profile)
        .await
        .unwrap();
    w.write(&PriceLine::new("X\"1", dec!(5)).extra("tabela", serde_json::json!("varejo")))
        .await
        .unwrap();
    let f = w.finish().await.unwrap();
    let text = std::fs::read_to_string(f.path()).unwrap();
    assert_eq!(
        text,
        "[\n{\"codigoProduto\":\"X\\\"1\",\"valor\":\"5\",\"tabela\":\"varejo\"}\n]\n"
    );
    assert_eq!(f.bytes(), text.len() as u64);
    assert!(
        LayoutProfile::from_json(r#"{"stock":{"store":"sku"}}"#)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
}

#[tokio::test]
async fn temporary_load_files_are_deleted_when_dropped() {
    let mut w = LoadFileWriter::temp(IntegrationType::Stock, LayoutProfile::default())
        .await
        .unwrap();
    w.write(&StockLine::new("A", "L", dec!(1))).await.unwrap();
    let f = w.finish().await.unwrap();
    let path = f.path().to_path_buf();
    assert!(path.exists());
    drop(f);
    assert!(!path.exists());
}

#[tokio::test]
async fn sequencer_loads_products_then_prices_then_stock_and_refuses_absent_stores() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(3)
        .named("exec-post sequence")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let report = omni
        .sequencer()
        .absent_stores(["LOJA-NOVA"])
        .run(
            stream::iter(vec![ProductLine::new("A", "Alpha")]),
            stream::iter(vec![PriceLine::new("A", dec!(10))]),
            stream::iter(vec![
                StockLine::new("A", "LOJA-01", dec!(3)),
                StockLine::new("A", "LOJA-NOVA", dec!(7)),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(report.steps, vec!["products", "prices", "stock"]);
    assert_eq!(report.refused_stock.len(), 1);
    assert_eq!(report.refused_stock[0].index, 1);
    assert!(
        matches!(&report.refused_stock[0].error, Error::InvalidInput { field, .. } if field == "stock[1].store")
    );
    assert_eq!(report.stock.as_ref().unwrap().records, 1);
    let types: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| parts(r)[2].3.clone())
        .collect();
    assert_eq!(types, vec!["1", "7", "2"]);
    let stock_file = parts(&server.received_requests().await.unwrap()[2])[3]
        .3
        .clone();
    assert!(!stock_file.contains("LOJA-NOVA"));
}

#[tokio::test]
async fn sequencer_stops_when_the_products_load_fails() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_string(r#"{"code":"LOAD_REFUSED","message":"nome ausente"}"#),
        )
        .expect(1)
        .named("products refused")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let err = omni
        .sequencer()
        .known_stores(["LOJA-01"])
        .run(
            stream::iter(vec![ProductLine::new("A", "Alpha")]),
            stream::iter(vec![PriceLine::new("A", dec!(10))]),
            stream::iter(vec![StockLine::new("A", "LOJA-01", dec!(3))]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.platform_code(), Some("LOAD_REFUSED"));
}

#[test]
fn config_refuses_plain_http_unless_opted_in_and_redacts_secrets() {
    let b = || OmniConfig::builder("SITE-42", "integrador", SecretString::from("s3cr3t-pw"));
    let err = b()
        .load_host("http://adminco.modalia.com")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("allow_http"));
    let cfg = b()
        .load_host("http://adminco.modalia.com")
        .allow_http(true)
        .orders_api(
            "https://omni.example.com/api",
            "erp",
            SecretString::from("order-pw"),
        )
        .build()
        .unwrap();
    assert_eq!(
        cfg.load_url(),
        "http://adminco.modalia.com/integrador/session-less/integrations/SITE-42/integration-exec-post"
    );
    let dbg = format!("{cfg:?} {:?}", b());
    assert!(
        !dbg.contains("s3cr3t-pw") && !dbg.contains("order-pw"),
        "{dbg}"
    );
    assert!(dbg.contains("[REDACTED]"));
    let client = OmniClient::new(cfg).unwrap();
    let dbg = format!("{client:?}");
    assert!(
        !dbg.contains("s3cr3t-pw") && !dbg.contains("order-pw"),
        "{dbg}"
    );
    assert!(b().load_host("http://127.0.0.1:8080").build().is_ok());
}

#[test]
fn config_from_env_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let cfg = OmniConfig::from_lookup(vars(&[
        ("TOTVS_OMNI_SITE_ID", "SITE-9"),
        ("TOTVS_OMNI_USERNAME", "integrador"),
        ("TOTVS_OMNI_PASSWORD", "pw"),
        ("TOTVS_OMNI_LOAD_HOST", "http://adminco.modalia.com"),
        ("TOTVS_OMNI_ALLOW_HTTP", "true"),
        ("TOTVS_OMNI_ORDERS_URL", "https://omni.example.com/api"),
        ("TOTVS_OMNI_ORDERS_USERNAME", "erp"),
        ("TOTVS_OMNI_ORDERS_PASSWORD", "pw2"),
    ]))
    .unwrap();
    assert_eq!(cfg.site_id(), "SITE-9");
    let err = OmniConfig::from_lookup(vars(&[("TOTVS_OMNI_SITE_ID", "SITE-9")])).unwrap_err();
    assert!(err.to_string().contains("TOTVS_OMNI_USERNAME"));
    let err = OmniConfig::from_lookup(vars(&[
        ("TOTVS_OMNI_SITE_ID", "SITE-9"),
        ("TOTVS_OMNI_USERNAME", "integrador"),
        ("TOTVS_OMNI_PASSWORD", "pw"),
        ("TOTVS_OMNI_LOAD_HOST", "http://adminco.modalia.com"),
    ]))
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
}

#[test]
fn integration_type_codes_round_trip() {
    let codes: Vec<u32> = IntegrationType::ALL.iter().map(|t| t.code()).collect();
    assert_eq!(codes, vec![1, 2, 7, 3, 8, 6, 12]);
    for t in IntegrationType::ALL {
        assert_eq!(IntegrationType::from_code(t.code()), t);
    }
    assert_eq!(IntegrationType::from_code(99), IntegrationType::Other(99));
}

#[tokio::test]
async fn a_promotional_price_is_refused_where_no_price_may_be_embedded_or_above_the_price() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing sent")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let mut promo_only = ProductLine::new("A", "Alpha");
    promo_only.promotional_price = Some(dec!(9.90));
    let err = omni
        .loads()
        .load(IntegrationType::Products, stream::iter(vec![promo_only]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, rule } if field == "records[0].promotional_price" && rule.contains("type 1")),
        "{err:?}"
    );
    let err = omni
        .loads()
        .load(
            IntegrationType::ProductsWithPrice,
            stream::iter(vec![
                ProductLine::new("A", "Alpha").with_price(dec!(10), Some(dec!(12))),
            ]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, rule } if field == "records[0].promotional_price" && rule.contains("exceed")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_invalid_date_format_is_refused_when_the_profile_is_read() {
    for (format, why) in [
        ("%Q", "unknown specifier"),
        ("%Y-%m-%d %H:%M", "time of day"),
    ] {
        let json = format!(r#"{{"name":"acme","date_format":"{format}"}}"#);
        let err = LayoutProfile::from_json(&json).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "layout.date_format"),
            "{why}: {err:?}"
        );
        // A profile edited in code is checked when a writer starts, before any record.
        let mut profile = LayoutProfile::default();
        profile.date_format = format.to_string();
        let dir = tempfile::tempdir().unwrap();
        let err =
            LoadFileWriter::create(dir.path().join("p.json"), IntegrationType::Prices, profile)
                .await
                .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "layout.date_format"),
            "{why}: {err:?}"
        );
    }
    let err = LayoutProfile::from_json(r#"{"date_format":""}"#).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "layout.date_format"));
    let ok = LayoutProfile::from_json(r#"{"date_format":"%d/%m/%Y"}"#).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut w = LoadFileWriter::create(dir.path().join("p.json"), IntegrationType::Prices, ok)
        .await
        .unwrap();
    w.write(&PriceLine::new("A", dec!(10)).promotion(
        dec!(8),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        None,
    ))
    .await
    .unwrap();
    let f = w.finish().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(f.path()).unwrap(),
        "[\n{\"sku\":\"A\",\"preco\":10,\"precoPromocional\":8,\"inicio\":\"01/12/2026\"}\n]\n"
    );
}

#[tokio::test]
async fn an_extra_field_may_not_overwrite_a_layout_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = default_writer(dir.path(), "p.json", IntegrationType::Prices).await;
    let err = w
        .write(&PriceLine::new("A", dec!(10)).extra("preco", serde_json::json!(0)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, rule } if field == "records[0].extra.preco" && rule.contains("layout")),
        "{err:?}"
    );
    let err = w
        .write(&StockLine::new("A", "L", dec!(1)).extra("x", serde_json::json!(1)))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "integration_type"));
    // Names of another record kind, or of embedded objects, are free.
    w.write(&PriceLine::new("A", dec!(10)).extra("loja", serde_json::json!("L1")))
        .await
        .unwrap();
    let f = w.finish().await.unwrap();
    assert_eq!(f.records(), 1);
    assert_eq!(
        std::fs::read_to_string(f.path()).unwrap(),
        "[\n{\"sku\":\"A\",\"preco\":10,\"loja\":\"L1\"}\n]\n"
    );

    let mut w = default_writer(dir.path(), "p2.json", IntegrationType::Products).await;
    let err = w
        .write(&ProductLine::new("A", "Alpha").extra("nome", serde_json::json!("Beta")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "records[0].extra.nome"),
        "{err:?}"
    );
}

#[tokio::test]
async fn ean_and_amount_limits_are_exact_and_unicode_is_written_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = default_writer(dir.path(), "p.json", IntegrationType::Products).await;
    for ean in ["12345670", "12345678901231"] {
        w.write(&ProductLine::new(ean, "ok").ean(ean))
            .await
            .unwrap();
    }
    for ean in ["1234567", "123456789012312"] {
        let err = w
            .write(&ProductLine::new(ean, "bad").ean(ean))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "records[2].ean"),
            "{err:?}"
        );
    }
    w.write(
        &ProductLine::new("CAMISÃO-Ç", "Camiseta Coração \u{1F455} \"aspas\"")
            .attribute("composição", "algodão"),
    )
    .await
    .unwrap();
    let f = w.finish().await.unwrap();
    assert_eq!(f.records(), 3);
    let text = std::fs::read_to_string(f.path()).unwrap();
    assert!(
        text.contains(
            "{\"sku\":\"CAMISÃO-Ç\",\"nome\":\"Camiseta Coração \u{1F455} \\\"aspas\\\"\",\"ativo\":true,\"atributos\":{\"composição\":\"algodão\"}}"
        ),
        "{text}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 3);

    let mut w = default_writer(dir.path(), "q.json", IntegrationType::Prices).await;
    w.write(&PriceLine::new("A", dec!(0.01))).await.unwrap();
    w.write(&PriceLine::new("B", dec!(10.500))).await.unwrap(); // trailing zeros are fine
    let err = w
        .write(&PriceLine::new("C", dec!(0.001)))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "records[2].price"));
    let f = w.finish().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(f.path()).unwrap(),
        "[\n{\"sku\":\"A\",\"preco\":0.01},\n{\"sku\":\"B\",\"preco\":10.500}\n]\n"
    );
}

#[tokio::test]
async fn a_lost_answer_or_a_gateway_error_on_a_load_is_outcome_unknown_and_not_retried() {
    for status in [500u16, 502, 504] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(LOAD_PATH))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>Bad Gateway</html>"))
            .expect(1)
            .named("exec-post 5xx")
            .mount(&server)
            .await;
        let omni = client(&server, &ManualClock::new());
        let err = omni
            .loads()
            .load(
                IntegrationType::Stock,
                stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
            )
            .await
            .unwrap_err();
        match &err {
            Error::OutcomeUnknown {
                operation,
                reconcile,
                ..
            } => {
                assert_eq!(operation, "totvs_omni.integration_exec_post");
                assert!(reconcile.contains("executions"), "{reconcile}");
            }
            other => panic!("{status}: expected OutcomeUnknown, got {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(!format!("{err:?} {err}").contains("s3cr3t-pw"));
    }
}

#[tokio::test]
async fn the_receipt_keeps_the_job_id_and_message_when_the_body_repeats_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"id":"EXEC-7","jobId":"EXEC-7","mensagem":"Integração agendada","status":"QUEUED"}"#,
        ))
        .expect(1)
        .named("exec-post")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let receipt = omni
        .loads()
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap();
    assert_eq!(receipt.job_id.as_deref(), Some("EXEC-7"));
    assert_eq!(receipt.message.as_deref(), Some("Integração agendada"));
    assert_eq!(receipt.http_status, Some(200));
}

#[tokio::test]
async fn sequencer_refuses_an_invalid_stock_line_and_sends_the_others() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(3)
        .named("exec-post sequence")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let report = omni
        .sequencer()
        .run(
            stream::iter(vec![ProductLine::new("A", "Alpha")]),
            stream::iter(vec![PriceLine::new("A", dec!(10))]),
            stream::iter(vec![
                StockLine::new("A", "LOJA-01", dec!(3)),
                StockLine::new("A", "LOJA-02", dec!(-1)),
                StockLine::new("", "LOJA-01", dec!(1)),
                StockLine::new("A", "CD-SP", dec!(0)),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(report.steps, vec!["products", "prices", "stock"]);
    let refused: Vec<(usize, String)> = report
        .refused_stock
        .iter()
        .map(|r| match &r.error {
            Error::InvalidInput { field, .. } => (r.index, field.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (1, "stock[1].quantity".to_string()),
            (2, "stock[2].sku".to_string())
        ]
    );
    assert_eq!(report.stock.as_ref().unwrap().records, 2);
}

#[test]
fn plain_http_is_only_implicit_for_real_loopback_addresses() {
    let b = || OmniConfig::builder("SITE-42", "integrador", SecretString::from("s3cr3t-pw"));
    // DNS names that merely start like a loopback address are remote hosts.
    for host in [
        "http://127.attacker.example",
        "http://127.0.0.1.nip.io",
        "http://localhost.attacker.example:8080",
    ] {
        let err = b().load_host(host).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{host}: {err:?}");
        let err = b()
            .orders_api(host, "erp", SecretString::from("order-pw"))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{host}: {err:?}");
    }
    for host in [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://localhost:9000/x",
        "http://[::1]:8080",
    ] {
        assert!(b().load_host(host).build().is_ok(), "{host}");
    }
}

/// A failed upload: the records the client refused itself keep their own reason (`rejected`),
/// only the ones that were in the file are `failed` with the upload's error.
#[tokio::test]
async fn when_the_upload_fails_refused_records_keep_their_reason() {
    use connector_core::{LocationId, Sku, Stock, StockSink};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOAD_PATH))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .expect(1)
        .named("load answered 500")
        .mount(&server)
        .await;
    let omni = client(&server, &ManualClock::new());
    let stock = |sku: &str, store: Option<&str>| {
        Stock::new(
            Sku::new(sku).unwrap(),
            store.map(|s| LocationId::new(s).unwrap()),
            dec!(3),
        )
    };
    let input = vec![
        stock("A", Some("LOJA-01")),
        stock("B", None),
        stock("C", Some("LOJA-01")),
    ];
    let report = StockSink::push_stock(&omni, Box::pin(stream::iter(input)))
        .await
        .unwrap();
    assert!(report.is_balanced(), "{report:?}");
    assert_eq!(report.sent, 0);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 1);
    assert!(
        matches!(&*report.rejected[0].error, Error::InvalidInput { field, .. } if field == "stock[1].location"),
        "{:?}",
        report.rejected[0].error
    );
    let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed, [0, 2]);
    assert!(matches!(
        &*report.failed[0].error,
        Error::OutcomeUnknown { .. }
    ));
}
