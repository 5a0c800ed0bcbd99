//! An embedded FTP server (libunftp on the local filesystem) for the FTP drop, with faults: an
//! upload dropped part-way, and uploads refused as a server refuses them without write
//! permission (`553`).

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use libunftp::ServerBuilder;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, DefaultUser, Principal};
use unftp_core::storage::{
    Error as StorageError, ErrorKind, Fileinfo, Result as StorageResult, StorageBackend,
};
use unftp_sbe_fs::{Filesystem, Meta};

const NO_FAULT: u64 = u64::MAX;

/// The self-signed certificate (CN `localhost`, SAN `127.0.0.1`) the FTPS server presents;
/// trust it in tests with `FtpDrop::add_root_certificate_pem`. Test material, not a secret.
pub const TEST_CERT_PEM: &str = include_str!("../testdata/ftps-cert.pem");
const TEST_KEY_PEM: &str = include_str!("../testdata/ftps-key.pem");

#[derive(Debug)]
struct PasswordAuth {
    user: String,
    pass: String,
}

#[async_trait]
impl Authenticator for PasswordAuth {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        if username == self.user && creds.password.as_deref() == Some(self.pass.as_str()) {
            Ok(Principal {
                username: username.to_string(),
            })
        } else {
            Err(AuthenticationError::BadPassword)
        }
    }
}

/// The filesystem back-end, with an injectable dropped upload.
#[derive(Debug)]
struct FaultyFs {
    inner: Arc<Filesystem>,
    drop_after: Arc<AtomicU64>,
    read_only: Arc<AtomicBool>,
}

#[async_trait]
impl StorageBackend<DefaultUser> for FaultyFs {
    type Metadata = Meta;

    async fn metadata<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<Meta> {
        self.inner.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<Vec<Fileinfo<PathBuf, Meta>>> {
        self.inner.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> StorageResult<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        self.inner.get(user, path, start_pos).await
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &DefaultUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> StorageResult<u64> {
        if self.read_only.load(Ordering::SeqCst) {
            // libunftp answers this `553 File name not allowed`, as vsftpd answers a STOR
            // without write permission ("553 Could not create file").
            return Err(StorageError::from(ErrorKind::FileNameNotAllowedError));
        }
        let limit = self.drop_after.swap(NO_FAULT, Ordering::SeqCst);
        if limit == NO_FAULT {
            return self.inner.put(user, input, path, start_pos).await;
        }
        // Store what arrived before the "drop", then fail: the connection is closed mid-upload.
        let mut head = Vec::new();
        let mut limited = input.take(limit);
        limited
            .read_to_end(&mut head)
            .await
            .map_err(|e| StorageError::new(ErrorKind::LocalError, e))?;
        self.inner
            .put(user, std::io::Cursor::new(head), path, start_pos)
            .await?;
        Err(StorageError::from(ErrorKind::ConnectionClosed))
    }

    async fn del<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<()> {
        self.inner.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<()> {
        self.inner.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        from: P,
        to: P,
    ) -> StorageResult<()> {
        self.inner.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<()> {
        self.inner.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<()> {
        self.inner.cwd(user, path).await
    }
}

/// A real FTP server on a loopback port, serving a temporary directory; stopped on drop.
#[derive(Debug)]
pub struct FtpServer {
    port: u16,
    root: tempfile::TempDir,
    _tls_files: Option<tempfile::TempDir>,
    drop_after: Arc<AtomicU64>,
    read_only: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl FtpServer {
    /// Starts a server accepting `user`/`pass`, with passive ports chosen at random in
    /// 40000-59999 (100 ports per server, derived from the control port).
    pub async fn start(user: &str, pass: &str) -> std::io::Result<Self> {
        Self::start_with(user, pass, None).await
    }

    /// Starts a server offering explicit FTPS (`AUTH TLS`) with [`TEST_CERT_PEM`].
    pub async fn start_ftps(user: &str, pass: &str) -> std::io::Result<Self> {
        Self::start_with(user, pass, Some((TEST_CERT_PEM, TEST_KEY_PEM))).await
    }

    /// Starts a server offering explicit FTPS with the certificate `cert_pem` and its private
    /// key `key_pem` (e.g. one a test generates with `openssl req -x509`).
    pub async fn start_ftps_with(
        user: &str,
        pass: &str,
        cert_pem: &str,
        key_pem: &str,
    ) -> std::io::Result<Self> {
        Self::start_with(user, pass, Some((cert_pem, key_pem))).await
    }

    async fn start_with(
        user: &str,
        pass: &str,
        tls: Option<(&str, &str)>,
    ) -> std::io::Result<Self> {
        let tls_files = match tls {
            Some((cert, key)) => {
                let dir = tempfile::tempdir()?;
                std::fs::write(dir.path().join("cert.pem"), cert)?;
                std::fs::write(dir.path().join("key.pem"), key)?;
                Some(dir)
            }
            None => None,
        };
        let tls_paths = tls_files
            .as_ref()
            .map(|d| (d.path().join("cert.pem"), d.path().join("key.pem")));
        let root = tempfile::tempdir()?;
        let fs = Arc::new(Filesystem::new(root.path())?);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let drop_after = Arc::new(AtomicU64::new(NO_FAULT));
        let read_only = Arc::new(AtomicBool::new(false));
        let auth: Arc<PasswordAuth> = Arc::new(PasswordAuth {
            user: user.to_string(),
            pass: pass.to_string(),
        });
        let base = 40000 + (port % 200) * 100;
        let passive = base..=base + 99;
        let fault = drop_after.clone();
        let refuse = read_only.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let fs = fs.clone();
                let fault = fault.clone();
                let refuse = refuse.clone();
                let mut builder = ServerBuilder::with_authenticator(
                    Box::new(move || FaultyFs {
                        inner: fs.clone(),
                        drop_after: fault.clone(),
                        read_only: refuse.clone(),
                    }),
                    auth.clone(),
                )
                .greeting("sandbox-totvs-omni FTP")
                .passive_ports(passive.clone());
                if let Some((cert, key)) = &tls_paths {
                    builder = builder.ftps(cert.clone(), key.clone());
                }
                let server = builder.build();
                match server {
                    Ok(server) => {
                        tokio::spawn(async move {
                            let _ = server.service(stream).await;
                        });
                    }
                    Err(e) => tracing::warn!("FTP server build failed: {e}"),
                }
            }
        });
        Ok(Self {
            port,
            root,
            _tls_files: tls_files,
            drop_after,
            read_only,
            task,
        })
    }

    /// The control port (host `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Names of the files in the served directory, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.path())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Drops the next upload after `bytes` bytes (the data connection is closed with an error).
    pub fn drop_next_upload_after(&self, bytes: u64) {
        self.drop_after.store(bytes, Ordering::SeqCst);
    }

    /// Refuses every upload (`true`) with `553`, as a server does for a user without write
    /// permission on the folder, or accepts them again (`false`).
    pub fn refuse_uploads(&self, refuse: bool) {
        self.read_only.store(refuse, Ordering::SeqCst);
    }
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
