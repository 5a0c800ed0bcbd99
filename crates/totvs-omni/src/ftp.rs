//! The FTP drop: the alternative transport that puts load files on the FTP server configured in
//! the Omni integration. Files are uploaded under a temporary name (`<name>.part`) and renamed
//! when complete, so Omni never picks up a half-written file.
//!
//! Security ([`FtpTls`]): by default the drop asks the server for its features and switches to
//! explicit FTPS (`AUTH TLS`, rustls, system roots plus any [`FtpDrop::add_root_certificate_pem`])
//! when it is offered. Without TLS the password crosses the network in clear text, so plain FTP
//! to a non-loopback host is refused unless [`FtpDrop::allow_plain_ftp`] is set.
//!
//! A **self-signed certificate** made the usual way (`openssl req -x509`, which marks it
//! `CA:TRUE`) cannot be trusted as a root: the TLS library refuses a CA certificate presented
//! as the server's own (`CaUsedAsEndEntity`). Pin it instead with
//! [`FtpDrop::pin_certificate_pem`]: exactly that certificate is accepted (byte for byte),
//! its names must still cover the host, and it must be within its validity dates.
//! [`FtpDrop::add_root_certificate_pem`] is for a private CA that signs the server's
//! certificate (and for a self-signed certificate marked `CA:FALSE`).
//!
//! Errors are classified as the SFTP transport classifies them: a refused connection, a
//! connect timeout and an unresolvable host are [`Error::Transient`] (retry later), a 4xx FTP
//! reply (`421`, `425`, `426`, `450`, `451`, `452`) too; `530` is [`Error::Auth`] (invalid
//! client), `550`/`553` (permission denied, name not allowed) [`Error::Auth`] forbidden;
//! other permanent replies are [`Error::Io`] (not retryable); a certificate the drop does not
//! trust is [`Error::Config`] (never retried).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::{Error, ExposeSecret, SecretString};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use suppaftp::tokio::{AsyncRustlsConnector, AsyncRustlsFtpStream};
use suppaftp::types::FileType;

use crate::layout::LoadFile;
use crate::loads::LoadTransport;
use crate::model::LoadReceipt;

/// Whether the FTP drop uses explicit FTPS (`AUTH TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FtpTls {
    /// Use TLS when the server offers it (`FEAT` lists `AUTH TLS`), else plain FTP (default).
    #[default]
    WhenOffered,
    /// Refuse a server that does not offer TLS.
    Required,
    /// Never use TLS.
    Off,
}

/// Uploads load files to an FTP folder with temp-name + rename.
pub struct FtpDrop {
    host: String,
    port: u16,
    username: String,
    password: SecretString,
    folder: String,
    allow_plain: bool,
    timeout: Duration,
    tls: FtpTls,
    extra_roots: Vec<CertificateDer<'static>>,
    pinned: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for FtpDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpDrop")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("folder", &self.folder)
            .field("tls", &self.tls)
            .field("extra_roots", &self.extra_roots.len())
            .field("pinned", &self.pinned.len())
            .finish()
    }
}

/// Maps a failed FTP step to the SDK error, as the SFTP transport does (see the module
/// docs): what a new attempt may fix is `Transient`, what it cannot fix is not.
fn ftp_err(host: &str, what: &str, e: suppaftp::FtpError) -> Error {
    use suppaftp::FtpError;
    let ctx = |message: String| {
        Box::new(connector_core::ApiContext::new(message).with_operation("totvs_omni.ftp"))
    };
    match e {
        FtpError::UnexpectedResponse(resp) => {
            let code = resp.status.code();
            let text = String::from_utf8_lossy(&resp.body).trim().to_string();
            let message = format!("FTP {what} on {host} refused: {text} (reply {code})");
            match code {
                400..=499 => Error::Transient {
                    context: ctx(message),
                    source: None,
                },
                530 | 532 => Error::Auth {
                    kind: connector_core::AuthErrorKind::InvalidClient,
                    context: ctx(message),
                },
                550 | 553 => Error::Auth {
                    kind: connector_core::AuthErrorKind::Forbidden,
                    context: ctx(format!(
                        "{message}: the FTP user may not write here; check its rights on the \
                         folder (or the folder setting)"
                    )),
                },
                _ => Error::Io {
                    message,
                    source: None,
                },
            }
        }
        FtpError::ConnectionError(io) => Error::Transient {
            context: ctx(format!("FTP {what} on {host}: connection failed: {io}")),
            source: Some(Box::new(io)),
        },
        FtpError::SecureError(m) => tls_error(host, &m),
        other => Error::io(format!("FTP {what} on {host} failed"), other),
    }
}

/// A TLS failure: a certificate problem is a configuration error (retrying cannot fix it),
/// with the fix for the usual self-signed certificate; anything else is transient.
fn tls_error(host: &str, message: &str) -> Error {
    let lower = message.to_ascii_lowercase();
    if lower.contains("caused as end entity") || lower.contains("causedasendentity") {
        return Error::config(format!(
            "FTPS: the certificate of {host} is a CA certificate used as the server's own (a \
             self-signed `openssl req -x509` certificate is made so): trusting it as a root \
             cannot work; pin it with FtpDrop::pin_certificate_pem ({message})"
        ));
    }
    if lower.contains("certificate") || lower.contains("unknownissuer") {
        return Error::config(format!(
            "FTPS: the certificate of {host} is not trusted: {message}. Trust its CA with \
             FtpDrop::add_root_certificate_pem, or pin a self-signed certificate with \
             FtpDrop::pin_certificate_pem"
        ));
    }
    Error::Transient {
        context: Box::new(
            connector_core::ApiContext::new(format!(
                "FTPS handshake with {host} failed: {message}"
            ))
            .with_operation("totvs_omni.ftp"),
        ),
        source: None,
    }
}

/// Refuses a value that goes into an FTP command line as is (user name, folder): a line
/// break would end the command and start another.
fn check_command_value(field: &str, value: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        return Err(Error::config(format!(
            "FTP drop: {field} `{}` holds a line break or another control character",
            value.escape_debug()
        )));
    }
    Ok(())
}

impl FtpDrop {
    /// An FTP drop to `host:port`, logging in as `username`.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: SecretString,
    ) -> Self {
        Self {
            host: host.into(),
            port,
            username: username.into(),
            password,
            folder: String::new(),
            allow_plain: false,
            timeout: Duration::from_secs(30),
            tls: FtpTls::default(),
            extra_roots: Vec::new(),
            pinned: Vec::new(),
        }
    }

    /// The TLS policy (default [`FtpTls::WhenOffered`]).
    pub fn tls(mut self, tls: FtpTls) -> Self {
        self.tls = tls;
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the system roots: a private CA
    /// that signs the server's certificate, or a self-signed certificate marked `CA:FALSE`.
    /// A self-signed certificate made with `openssl req -x509` is marked `CA:TRUE` and is
    /// refused as the server's own certificate: pin it with [`FtpDrop::pin_certificate_pem`].
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.extra_roots
            .extend(pem_certificates("root_certificate", pem)?);
        Ok(self)
    }

    /// Accepts exactly the certificates of a PEM bundle as the server's certificate, and no
    /// other (the system roots and [`FtpDrop::add_root_certificate_pem`] no longer apply):
    /// for a server with a self-signed certificate, `CA:TRUE` or not (`openssl req -x509`).
    ///
    /// The server must present one of them byte for byte and prove it holds its key (the TLS
    /// handshake); the certificate's names must cover the host (DNS name or IP address in its
    /// subject alternative names) and today must be within its validity dates. Pin the new
    /// certificate before the server's is renewed.
    pub fn pin_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let certs = pem_certificates("pinned_certificate", pem)?;
        for cert in &certs {
            pinned::check_parsable(cert)?;
        }
        self.pinned.extend(certs);
        Ok(self)
    }

    fn tls_connector(&self) -> Result<AsyncRustlsConnector, Error> {
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        if !self.pinned.is_empty() {
            let verifier = pinned::PinnedCertificates::new(
                self.pinned.clone(),
                provider.signature_verification_algorithms,
            );
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| Error::config(format!("FTPS: {e}")))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            return Ok(AsyncRustlsConnector::from(
                tokio_rustls::TlsConnector::from(Arc::new(config)),
            ));
        }
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        for cert in &self.extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| Error::invalid("root_certificate", format!("was refused: {e}")))?;
        }
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::config(format!("FTPS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(AsyncRustlsConnector::from(
            tokio_rustls::TlsConnector::from(Arc::new(config)),
        ))
    }

    /// The remote folder (Omni's `totvsomni.ftp.base.folder`); default: the login folder.
    pub fn folder(mut self, folder: impl Into<String>) -> Self {
        self.folder = folder.into();
        self
    }

    /// Allows plain FTP (password in clear text) to a non-loopback host.
    pub fn allow_plain_ftp(mut self, allow: bool) -> Self {
        self.allow_plain = allow;
        self
    }

    /// Connect timeout (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn is_loopback(&self) -> bool {
        crate::config::is_loopback_host(&self.host)
    }

    async fn connect(&self) -> Result<AsyncRustlsFtpStream, Error> {
        if self.tls == FtpTls::Off && !self.allow_plain && !self.is_loopback() {
            return Err(Error::config(
                "FTP drop: plain FTP sends the password in clear text; opt in with \
                 allow_plain_ftp(true)",
            ));
        }
        check_command_value("username", &self.username)?;
        check_command_value("folder", &self.folder)?;
        let addr = format!("{}:{}", self.host, self.port);
        let host = self.host.as_str();
        // A refused connection and a timeout are both "the server cannot be reached now":
        // Transient, as for SFTP.
        let mut ftp = tokio::time::timeout(self.timeout, AsyncRustlsFtpStream::connect(addr))
            .await
            .map_err(|_| Error::Transient {
                context: Box::new(
                    connector_core::ApiContext::new(format!(
                        "FTP connect to {host}:{} timed out after {:?}",
                        self.port, self.timeout
                    ))
                    .with_operation("totvs_omni.ftp"),
                ),
                source: None,
            })?
            .map_err(|e| ftp_err(host, "connect", e))?;
        let offered = if self.tls == FtpTls::Off {
            false
        } else {
            ftp.feat()
                .await
                .map(|f| {
                    f.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("AUTH")
                            && v.as_deref()
                                .is_some_and(|v| v.to_ascii_uppercase().contains("TLS"))
                    })
                })
                .unwrap_or(false)
        };
        if offered {
            ftp = ftp
                .into_secure(self.tls_connector()?, &self.host)
                .await
                .map_err(|e| ftp_err(host, "AUTH TLS", e))?;
        } else if self.tls == FtpTls::Required {
            return Err(Error::config(format!(
                "FTP drop: {} does not offer FTPS (AUTH TLS) and FtpTls::Required is set",
                self.host
            )));
        } else if !self.allow_plain && !self.is_loopback() {
            return Err(Error::config(
                "FTP drop: the server offers no TLS, and plain FTP sends the password in clear \
                 text; opt in with allow_plain_ftp(true)",
            ));
        }
        ftp.login(self.username.as_str(), self.password.expose_secret())
            .await
            .map_err(|e| match e {
                // A refused login (530, or another 5xx) is the credentials; a 4xx or a lost
                // connection is not.
                suppaftp::FtpError::UnexpectedResponse(r) if r.status.code() >= 500 => {
                    Error::Auth {
                        kind: connector_core::AuthErrorKind::InvalidClient,
                        context: Box::new(
                            connector_core::ApiContext::new(format!(
                                "FTP login of `{}` on {host} refused (reply {})",
                                self.username,
                                r.status.code()
                            ))
                            .with_operation("totvs_omni.ftp"),
                        ),
                    }
                }
                other => ftp_err(host, "login", other),
            })?;
        if !self.folder.is_empty() {
            ftp.cwd(&self.folder)
                .await
                .map_err(|e| ftp_err(host, "cwd", e))?;
        }
        ftp.transfer_type(FileType::Binary)
            .await
            .map_err(|e| ftp_err(host, "TYPE I", e))?;
        Ok(ftp)
    }

    /// Uploads a local file as `name` (via `name.part`), returning the remote path.
    pub async fn upload(&self, local: &std::path::Path, name: &str) -> Result<String, Error> {
        if name.is_empty() || name.contains('/') {
            return Err(Error::invalid("name", "must be a plain file name"));
        }
        let mut ftp = self.connect().await?;
        let temp = format!("{name}.part");
        let mut file = tokio::fs::File::open(local)
            .await
            .map_err(|e| Error::io(format!("opening {}", local.display()), e))?;
        if let Err(e) = ftp.put_file(&temp, &mut file).await {
            // Best effort: the final name was never written, so Omni sees nothing.
            let _ = ftp.rm(&temp).await;
            let mut error = ftp_err(&self.host, &format!("upload of {temp}"), e);
            let note = format!("; nothing was published under {name}");
            match &mut error {
                Error::Io { message, .. } => message.push_str(&note),
                other => {
                    if let Some(ctx) = other.context_mut() {
                        ctx.message.push_str(&note);
                    }
                }
            }
            return Err(error);
        }
        if let Err(e) = ftp.rename(temp.as_str(), name).await {
            return Err(Error::OutcomeUnknown {
                operation: "totvs_omni.ftp_rename".into(),
                reason: e.to_string(),
                reconcile: format!("list the FTP folder: if {name} exists the file was published"),
                source: None,
            });
        }
        let _ = ftp.quit().await;
        Ok(if self.folder.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.folder.trim_end_matches('/'))
        })
    }
}

/// The certificates of a PEM bundle (at least one), as `field`.
fn pem_certificates(field: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        out.push(cert.map_err(|e| Error::invalid(field, format!("is not valid PEM: {e}")))?);
    }
    if out.is_empty() {
        return Err(Error::invalid(field, "holds no certificate"));
    }
    Ok(out)
}

/// The verifier of [`FtpDrop::pin_certificate_pem`].
mod pinned {
    use connector_core::Error;
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::client::danger::{
        HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
    };
    use tokio_rustls::rustls::crypto::WebPkiSupportedAlgorithms;
    use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

    /// Checks that `cert` can be read (its dates and names), so a bad pin fails at setup.
    pub(super) fn check_parsable(cert: &CertificateDer<'_>) -> Result<(), Error> {
        x509_parser::parse_x509_certificate(cert.as_ref())
            .map_err(|e| Error::invalid("pinned_certificate", format!("cannot be read: {e}")))?;
        rustls::server::ParsedCertificate::try_from(cert)
            .map_err(|e| Error::invalid("pinned_certificate", format!("cannot be used: {e}")))?;
        Ok(())
    }

    /// Accepts exactly the pinned certificates, for the host they name, while valid.
    #[derive(Debug)]
    pub(super) struct PinnedCertificates {
        pins: Vec<CertificateDer<'static>>,
        algorithms: WebPkiSupportedAlgorithms,
    }

    impl PinnedCertificates {
        pub(super) fn new(
            pins: Vec<CertificateDer<'static>>,
            algorithms: WebPkiSupportedAlgorithms,
        ) -> Self {
            Self { pins, algorithms }
        }
    }

    impl ServerCertVerifier for PinnedCertificates {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            if !self.pins.iter().any(|p| p.as_ref() == end_entity.as_ref()) {
                return Err(rustls::Error::InvalidCertificate(
                    CertificateError::ApplicationVerificationFailure,
                ));
            }
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&parsed, server_name)?;
            let (_, x509) = x509_parser::parse_x509_certificate(end_entity.as_ref())
                .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
            let validity = x509.validity();
            let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
            if now < validity.not_before.timestamp() {
                return Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidYet,
                ));
            }
            if now > validity.not_after.timestamp() {
                return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
            }
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    }
}

#[async_trait]
impl LoadTransport for FtpDrop {
    async fn deliver(&self, file: &LoadFile) -> Result<LoadReceipt, Error> {
        let name = file.upload_name();
        let remote = self.upload(file.path(), &name).await?;
        Ok(LoadReceipt {
            integration_type: file.integration_type(),
            http_status: None,
            remote_path: Some(remote),
            job_id: None,
            message: None,
            body: String::new(),
            file_name: name,
            records: file.records(),
            bytes: file.bytes(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rustls_pki_types::{ServerName, UnixTime};
    use tokio_rustls::rustls::client::danger::ServerCertVerifier;
    use tokio_rustls::rustls::{self, CertificateError};

    #[test]
    fn the_pinned_verifier_checks_the_bytes_the_name_and_the_dates() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let out = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-subj", "/CN=ftp.example.com", "-days", "2"])
            .args(["-addext", "subjectAltName=DNS:ftp.example.com"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("the openssl command line tool");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pem = std::fs::read(&cert).unwrap();
        let der = pem_certificates("c", &pem).unwrap().remove(0);
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let v = pinned::PinnedCertificates::new(
            vec![der.clone()],
            provider.signature_verification_algorithms,
        );
        let name = ServerName::try_from("ftp.example.com").unwrap();
        let now = UnixTime::now();
        let day = std::time::Duration::from_secs(86_400);
        let at = |d: std::time::Duration, later: bool| {
            let secs = now.as_secs();
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(if later {
                secs + d.as_secs()
            } else {
                secs - d.as_secs()
            }))
        };
        assert!(v.verify_server_cert(&der, &[], &name, &[], now).is_ok());
        let err = |r: Result<_, rustls::Error>| match r {
            Err(rustls::Error::InvalidCertificate(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            err(v.verify_server_cert(&der, &[], &name, &[], at(day * 3, true))),
            CertificateError::Expired
        );
        assert_eq!(
            err(v.verify_server_cert(&der, &[], &name, &[], at(day, false))),
            CertificateError::NotValidYet
        );
        let other = ServerName::try_from("evil.example.com").unwrap();
        assert!(matches!(
            err(v.verify_server_cert(&der, &[], &other, &[], now)),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ));
        // Another certificate is refused whatever it says.
        let mut tampered = der.as_ref().to_vec();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let tampered = CertificateDer::from(tampered);
        assert!(
            v.verify_server_cert(&tampered, &[], &name, &[], now)
                .is_err()
        );
    }

    #[test]
    fn ftp_replies_map_like_the_sftp_transport() {
        use suppaftp::FtpError;
        use suppaftp::types::Response;
        let reply = |code: u32| {
            ftp_err(
                "h",
                "STOR",
                FtpError::UnexpectedResponse(Response::new(code.into(), b"x".to_vec())),
            )
        };
        assert!(reply(421).is_retryable());
        assert!(reply(451).is_retryable());
        assert!(matches!(reply(530), Error::Auth { .. }));
        for code in [550, 553] {
            assert!(
                matches!(
                    reply(code),
                    Error::Auth {
                        kind: connector_core::AuthErrorKind::Forbidden,
                        ..
                    }
                ),
                "{code}"
            );
        }
        assert!(matches!(reply(552), Error::Io { .. }));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(ftp_err("h", "connect", FtpError::ConnectionError(refused)).is_retryable());
        let e = ftp_err(
            "h",
            "AUTH TLS",
            FtpError::SecureError(
                "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))".into(),
            ),
        );
        assert!(matches!(e, Error::Config { .. }), "{e:?}");
        assert!(e.to_string().contains("pin_certificate_pem"), "{e}");
    }
}
