//! The FTP drop against a real FTP server on loopback (libunftp, embedded in the simulator crate).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use connector_core::{Error, SecretString};
use futures::stream;
use rust_decimal_macros::dec;
use sandbox_totvs_omni::FtpServer;
use totvs_omni::{FtpDrop, FtpTls, IntegrationType, LayoutProfile, Loads, StockLine};

fn drop_to(server: &FtpServer, pass: &str) -> FtpDrop {
    FtpDrop::new(
        "127.0.0.1",
        server.port(),
        "omni-ftp",
        SecretString::from(pass.to_string()),
    )
}

#[tokio::test]
async fn upload_goes_through_a_temporary_name_and_is_renamed() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    let loads = Loads::new(
        Arc::new(drop_to(&server, "ftp-pw")),
        LayoutProfile::default(),
    );
    let lines: Vec<StockLine> = (0..2000)
        .map(|i| StockLine::new(format!("SKU-{i:05}"), "LOJA-01", dec!(3)))
        .collect();
    let receipt = loads
        .load(IntegrationType::Stock, stream::iter(lines))
        .await
        .unwrap();
    assert_eq!(receipt.remote_path.as_deref(), Some("ESTOQUE_DO_ERP.json"));
    assert_eq!(receipt.http_status, None);
    assert_eq!(server.files(), vec!["ESTOQUE_DO_ERP.json"]);
    let text = std::fs::read_to_string(server.root().join("ESTOQUE_DO_ERP.json")).unwrap();
    assert!(
        text.starts_with("[\n{\"sku\":\"SKU-00000\",\"loja\":\"LOJA-01\",\"quantidade\":3},\n")
    );
    assert_eq!(text.len() as u64, receipt.bytes);
}

#[tokio::test]
async fn a_connection_dropped_mid_upload_leaves_no_file_under_the_final_name() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    let loads = Loads::new(
        Arc::new(drop_to(&server, "ftp-pw")),
        LayoutProfile::default(),
    );
    let lines: Vec<StockLine> = (0..20_000)
        .map(|i| StockLine::new(format!("SKU-{i:05}"), "LOJA-01", dec!(3)))
        .collect();
    server.drop_next_upload_after(64 * 1024);
    let err = loads
        .load(IntegrationType::Stock, stream::iter(lines))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(
        !server.files().contains(&"ESTOQUE_DO_ERP.json".to_string()),
        "{:?}",
        server.files()
    );
    // The next attempt publishes the complete file.
    loads
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("SKU-1", "LOJA-01", dec!(1))]),
        )
        .await
        .unwrap();
    assert!(server.files().contains(&"ESTOQUE_DO_ERP.json".to_string()));
}

#[tokio::test]
async fn wrong_password_and_plain_ftp_to_a_remote_host_are_refused() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    let loads = Loads::new(
        Arc::new(drop_to(&server, "wrong")),
        LayoutProfile::default(),
    );
    let err = loads
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(server.files().is_empty());
    let remote =
        FtpDrop::new("ftp.example.com", 21, "u", SecretString::from("secret-pw")).tls(FtpTls::Off);
    assert!(!format!("{remote:?}").contains("secret-pw"));
    let err = Loads::new(Arc::new(remote), LayoutProfile::default())
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn ftps_is_used_when_the_server_offers_it() {
    let server = FtpServer::start_ftps("omni-ftp", "ftp-pw").await.unwrap();
    let drop = FtpDrop::new(
        "127.0.0.1",
        server.port(),
        "omni-ftp",
        SecretString::from("ftp-pw"),
    )
    .tls(FtpTls::Required)
    .add_root_certificate_pem(sandbox_totvs_omni::TEST_CERT_PEM.as_bytes())
    .unwrap();
    let loads = Loads::new(Arc::new(drop), LayoutProfile::default());
    loads
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("SKU-1", "LOJA-01", dec!(7))]),
        )
        .await
        .unwrap();
    assert_eq!(server.files(), vec!["ESTOQUE_DO_ERP.json"]);
    let text = std::fs::read_to_string(server.root().join("ESTOQUE_DO_ERP.json")).unwrap();
    assert_eq!(
        text,
        "[\n{\"sku\":\"SKU-1\",\"loja\":\"LOJA-01\",\"quantidade\":7}\n]\n"
    );

    // Without trusting the test certificate the TLS handshake fails: nothing is sent in clear.
    let untrusted = FtpDrop::new(
        "127.0.0.1",
        server.port(),
        "omni-ftp",
        SecretString::from("ftp-pw"),
    );
    let err = Loads::new(Arc::new(untrusted), LayoutProfile::default())
        .load(
            IntegrationType::Prices,
            stream::iter(vec![totvs_omni::PriceLine::new("SKU-1", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(server.files(), vec!["ESTOQUE_DO_ERP.json"]);
}

#[tokio::test]
async fn tls_required_refuses_a_server_without_ftps() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    let drop = FtpDrop::new(
        "127.0.0.1",
        server.port(),
        "omni-ftp",
        SecretString::from("ftp-pw"),
    )
    .tls(FtpTls::Required);
    let err = Loads::new(Arc::new(drop), LayoutProfile::default())
        .load(
            IntegrationType::Stock,
            stream::iter(vec![StockLine::new("A", "L", dec!(1))]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(server.files().is_empty());
}

#[tokio::test]
async fn a_dns_name_that_looks_like_loopback_is_not_loopback_for_plain_ftp() {
    let drop =
        FtpDrop::new("127.0.0.1.nip.io", 21, "u", SecretString::from("ftp-pw")).tls(FtpTls::Off);
    let err = drop
        .upload(std::path::Path::new("/nonexistent"), "A.json")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("allow_plain_ftp"), "{err}");
}
