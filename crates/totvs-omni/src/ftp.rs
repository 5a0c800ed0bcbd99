//! The FTP drop: the alternative transport that puts load files on the FTP server configured in
//! the Omni integration. Files are uploaded under a temporary name (`<name>.part`) and renamed
//! when complete, so Omni never picks up a half-written file.
//!
//! Security ([`FtpTls`]): by default the drop asks the server for its features and switches to
//! explicit FTPS (`AUTH TLS`, rustls, system roots plus any [`FtpDrop::add_root_certificate_pem`])
//! when it is offered. Without TLS the password crosses the network in clear text, so plain FTP
//! to a non-loopback host is refused unless [`FtpDrop::allow_plain_ftp`] is set.

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
            .finish()
    }
}

fn ftp_err(what: &str, e: suppaftp::FtpError) -> Error {
    Error::io(format!("FTP {what} failed"), e)
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
        }
    }

    /// The TLS policy (default [`FtpTls::WhenOffered`]).
    pub fn tls(mut self, tls: FtpTls) -> Self {
        self.tls = tls;
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the system roots (a private CA,
    /// or a test server's self-signed certificate).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let mut found = false;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                Error::invalid("root_certificate", format!("is not valid PEM: {e}"))
            })?;
            self.extra_roots.push(cert);
            found = true;
        }
        if !found {
            return Err(Error::invalid("root_certificate", "holds no certificate"));
        }
        Ok(self)
    }

    fn tls_connector(&self) -> Result<AsyncRustlsConnector, Error> {
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
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
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
        let addr = format!("{}:{}", self.host, self.port);
        let mut ftp = tokio::time::timeout(self.timeout, AsyncRustlsFtpStream::connect(addr))
            .await
            .map_err(|_| Error::transient(format!("FTP connect to {} timed out", self.host)))?
            .map_err(|e| ftp_err("connect", e))?;
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
                .map_err(|e| ftp_err("AUTH TLS", e))?;
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
            .map_err(|e| Error::Auth {
                kind: connector_core::AuthErrorKind::InvalidClient,
                context: Box::new(connector_core::ApiContext::new(format!(
                    "FTP login refused: {e}"
                ))),
            })?;
        if !self.folder.is_empty() {
            ftp.cwd(&self.folder).await.map_err(|e| ftp_err("cwd", e))?;
        }
        ftp.transfer_type(FileType::Binary)
            .await
            .map_err(|e| ftp_err("TYPE I", e))?;
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
            return Err(Error::transient(format!(
                "FTP upload of {temp} failed ({e}); nothing was published under {name}"
            )));
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
