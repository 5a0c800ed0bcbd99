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
    let err = load_one_price_line(untrusted).await.unwrap_err();
    // A certificate refusal is what it is (a configuration to fix), never retried.
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("not trusted"), "{err}");
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

/// A self-signed certificate and key made the usual way, at test time: `openssl req -x509`
/// (whose default configuration marks it `CA:TRUE`), for `localhost` and `127.0.0.1`, valid
/// from now for `days`. (The validity dates of a pinned certificate are checked by a unit
/// test of the verifier, with the clock moved: OpenSSL 3.0 cannot backdate.)
fn openssl_self_signed(dir: &std::path::Path, days: u32) -> (String, String) {
    openssl_self_signed_for(dir, days, "DNS:localhost,IP:127.0.0.1")
}

/// [`openssl_self_signed`] with the subject alternative names `san`.
fn openssl_self_signed_for(dir: &std::path::Path, days: u32, san: &str) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let mut cmd = std::process::Command::new("openssl");
    cmd.args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
    ])
    .args(["-addext", &format!("subjectAltName={san}")])
    .arg("-keyout")
    .arg(&key)
    .arg("-out")
    .arg(&cert);
    cmd.args(["-days", &days.to_string()]);
    let out = cmd.output().expect("the openssl command line tool");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read_to_string(cert).unwrap(),
        std::fs::read_to_string(key).unwrap(),
    )
}

fn one_stock_line() -> futures::stream::Iter<std::vec::IntoIter<StockLine>> {
    stream::iter(vec![StockLine::new("SKU-1", "LOJA-01", dec!(7))])
}

/// Loads [`one_stock_line`] through `drop`.
async fn load_one_stock_line(drop: FtpDrop) -> Result<totvs_omni::LoadReceipt, Error> {
    Loads::new(Arc::new(drop), LayoutProfile::default())
        .load(IntegrationType::Stock, one_stock_line())
        .await
}

/// Loads one price line of `SKU-1` through `drop`.
async fn load_one_price_line(drop: FtpDrop) -> Result<totvs_omni::LoadReceipt, Error> {
    Loads::new(Arc::new(drop), LayoutProfile::default())
        .load(
            IntegrationType::Prices,
            stream::iter(vec![totvs_omni::PriceLine::new("SKU-1", dec!(1))]),
        )
        .await
}

#[tokio::test]
async fn a_self_signed_openssl_certificate_is_pinned_not_trusted_as_a_root() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_self_signed(dir.path(), 30);
    let text = String::from_utf8(
        std::process::Command::new("openssl")
            .args(["x509", "-noout", "-text"])
            .arg("-in")
            .arg(dir.path().join("cert.pem"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("CA:TRUE"), "made the usual way: {text}");
    let server = FtpServer::start_ftps_with("omni-ftp", "ftp-pw", &cert, &key)
        .await
        .unwrap();
    let drop_for = |host: &str| {
        FtpDrop::new(
            host,
            server.port(),
            "omni-ftp",
            SecretString::from("ftp-pw"),
        )
        .tls(FtpTls::Required)
    };

    // As a root, the TLS library refuses it (a CA certificate as the server's own): a
    // configuration error that names the fix, not retried.
    let as_root = drop_for("127.0.0.1")
        .add_root_certificate_pem(cert.as_bytes())
        .unwrap();
    let err = load_one_stock_line(as_root).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("pin_certificate_pem"), "{err}");
    assert!(server.files().is_empty());

    // Pinned, it is accepted, by IP address and by name (both in its SAN).
    for host in ["127.0.0.1", "localhost"] {
        let pinned = drop_for(host).pin_certificate_pem(cert.as_bytes()).unwrap();
        let receipt = load_one_stock_line(pinned).await.unwrap();
        assert_eq!(receipt.remote_path.as_deref(), Some("ESTOQUE_DO_ERP.json"));
    }
    assert_eq!(server.files(), vec!["ESTOQUE_DO_ERP.json"]);

    // Pinning another certificate refuses this server: only the pinned one is accepted.
    let other_dir = tempfile::tempdir().unwrap();
    let (other, _) = openssl_self_signed(other_dir.path(), 30);
    let wrong = drop_for("127.0.0.1")
        .pin_certificate_pem(other.as_bytes())
        .unwrap();
    let err = load_one_price_line(wrong).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_eq!(server.files(), vec!["ESTOQUE_DO_ERP.json"]);
}

#[tokio::test]
async fn a_pinned_certificate_still_needs_the_right_name() {
    let dir = tempfile::tempdir().unwrap();
    // A certificate for another host, served on loopback.
    let (cert, key) = openssl_self_signed_for(dir.path(), 30, "DNS:ftp.example.com");
    let server = FtpServer::start_ftps_with("omni-ftp", "ftp-pw", &cert, &key)
        .await
        .unwrap();
    let wrong_name = FtpDrop::new(
        "127.0.0.1",
        server.port(),
        "omni-ftp",
        SecretString::from("ftp-pw"),
    )
    .tls(FtpTls::Required)
    .pin_certificate_pem(cert.as_bytes())
    .unwrap();
    let err = load_one_stock_line(wrong_name).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(server.files().is_empty());

    assert!(
        FtpDrop::new("h", 21, "u", SecretString::from("p"))
            .pin_certificate_pem(b"no certificate here")
            .is_err()
    );
}

#[tokio::test]
async fn a_refused_upload_is_permanent_and_unreachable_servers_are_transient() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    server.refuse_uploads(true);
    let err = load_one_stock_line(drop_to(&server, "ftp-pw"))
        .await
        .unwrap_err();
    // 553: retrying cannot help; the user's rights must change. Nothing was published.
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: connector_core::AuthErrorKind::Forbidden,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("553"), "{err}");
    assert!(err.to_string().contains("nothing was published"), "{err}");
    assert!(server.files().is_empty());

    // A refused connection (nothing listens) and a connect timeout are both "cannot reach
    // the server now": Transient, as for SFTP.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let refused = FtpDrop::new("127.0.0.1", port, "u", SecretString::from("p"));
    let err = refused
        .upload(std::path::Path::new("/dev/null"), "X.json")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());

    // A listener that never answers the greeting within the timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let slow = FtpDrop::new("127.0.0.1", port, "u", SecretString::from("p"))
        .connect_timeout(std::time::Duration::from_millis(200));
    let err = slow
        .upload(std::path::Path::new("/dev/null"), "X.json")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    drop(silent);
}

#[tokio::test]
async fn a_user_name_or_folder_with_a_line_break_is_refused_before_connecting() {
    let server = FtpServer::start("omni-ftp", "ftp-pw").await.unwrap();
    for (user, folder) in [("omni-ftp\r\nDELE x", ""), ("omni-ftp", "in\r\nRMD /")] {
        let d = FtpDrop::new(
            "127.0.0.1",
            server.port(),
            user,
            SecretString::from("ftp-pw"),
        )
        .folder(folder);
        let err = d
            .upload(std::path::Path::new("/dev/null"), "X.json")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
}
