//! An embedded SFTP server (feature `sftp`): password and public-key auth, one directory
//! served as `/`, and fault injection ("drop the connection after N bytes"). Built on russh +
//! russh-sftp (pure Rust, so tests and examples need no system `sshd` and no root).
//!
//! ```
//! use connector_sandbox::sftp::{SftpServer, SftpServerConfig};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let dir = std::env::temp_dir();
//! let server = SftpServer::start(SftpServerConfig::new(&dir).user("catalog", "catalog-pw")).await?;
//! println!("sftp://catalog@{}:{} ({})", server.host(), server.port(), server.host_key_fingerprint());
//! assert!(server.host_key_fingerprint().starts_with("SHA256:"));
//! # Ok(()) }
//! ```
//!
//! Limits (it is a test server): one request at a time per session, no symlinks, `rename`
//! refuses to replace an existing file (like OpenSSH's SFTP v3 server), no extensions.

use std::collections::HashMap;
use std::fmt;
use std::net::{Shutdown, SocketAddr};
use std::os::unix::fs::FileExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PublicKey};
use russh::server::{Auth, ChannelOpenHandle, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version,
};
use tokio::task::JoinHandle;

/// Users, keys and the directory an [`SftpServer`] serves. `Debug` hides the passwords.
#[derive(Clone)]
pub struct SftpServerConfig {
    root: PathBuf,
    passwords: HashMap<String, String>,
    keys: Vec<(String, PublicKey)>,
    bad_keys: Vec<String>,
}

impl fmt::Debug for SftpServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpServerConfig")
            .field("root", &self.root)
            .field("users", &self.passwords.keys().collect::<Vec<_>>())
            .field("passwords", &"[redacted]")
            .field("authorized_keys", &self.keys.len())
            .finish()
    }
}

impl SftpServerConfig {
    /// Serves the directory `root` as `/`, with no users yet.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            passwords: HashMap::new(),
            keys: Vec::new(),
            bad_keys: Vec::new(),
        }
    }

    /// Lets `user` log in with `password`.
    pub fn user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.passwords.insert(user.into(), password.into());
        self
    }

    /// Lets `user` log in with the key in `openssh_public_key` (a `.pub` / `authorized_keys`
    /// line such as `ssh-ed25519 AAAA... comment`). An unparsable line makes `start` fail.
    pub fn authorized_key(mut self, user: impl Into<String>, openssh_public_key: &str) -> Self {
        match PublicKey::from_openssh(openssh_public_key.trim()) {
            Ok(k) => self.keys.push((user.into(), k)),
            Err(e) => self.bad_keys.push(e.to_string()),
        }
        self
    }
}

/// Fault injection for an [`SftpServer`].
#[derive(Debug, Clone, Default)]
pub struct SftpFaults {
    inner: Arc<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    drop_after: Mutex<Option<u64>>,
    drops: AtomicU32,
    bytes_served: AtomicU64,
}

impl SftpFaults {
    /// The next connection that has served `bytes` bytes of file data is cut (TCP shutdown)
    /// right after them. One-shot: later connections are not affected.
    pub fn drop_after_bytes(&self, bytes: u64) {
        if let Ok(mut d) = self.inner.drop_after.lock() {
            *d = Some(bytes);
        }
    }

    /// How many connections were cut by [`SftpFaults::drop_after_bytes`].
    pub fn drops(&self) -> u32 {
        self.inner.drops.load(Ordering::SeqCst)
    }

    /// File bytes served by all connections so far.
    pub fn bytes_served(&self) -> u64 {
        self.inner.bytes_served.load(Ordering::SeqCst)
    }
}

/// A running embedded SFTP server on `127.0.0.1:<ephemeral>`. Stopped when dropped.
pub struct SftpServer {
    addr: SocketAddr,
    fingerprint: String,
    public_key: String,
    faults: SftpFaults,
    task: JoinHandle<()>,
}

impl fmt::Debug for SftpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpServer")
            .field("addr", &self.addr)
            .field("host_key", &self.fingerprint)
            .finish()
    }
}

impl Drop for SftpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SftpServer {
    /// Starts serving `config` with a fresh Ed25519 host key.
    pub async fn start(config: SftpServerConfig) -> std::io::Result<Self> {
        if let Some(e) = config.bad_keys.first() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("authorized key is not an OpenSSH public key: {e}"),
            ));
        }
        let meta = std::fs::metadata(&config.root)?;
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the SFTP root must be a directory",
            ));
        }
        let mut seed = [0u8; 32];
        seed.iter_mut().for_each(|b| *b = fastrand::u8(..));
        let host_key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let fingerprint = host_key
            .public_key()
            .fingerprint(HashAlg::Sha256)
            .to_string();
        let public_key = host_key
            .public_key()
            .to_openssh()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let ssh_config = Arc::new(russh::server::Config {
            keys: vec![host_key],
            methods: MethodSet::from(&[MethodKind::Password, MethodKind::PublicKey][..]),
            auth_rejection_time: Duration::from_millis(10),
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: Some(Duration::from_secs(600)),
            nodelay: true,
            ..Default::default()
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let faults = SftpFaults::default();
        let shared = Arc::new(Shared {
            root: std::fs::canonicalize(&config.root)?,
            config,
            faults: faults.clone(),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                let ssh_config = ssh_config.clone();
                tokio::spawn(async move {
                    // Keep a second handle on the socket so a fault can cut it.
                    let Ok(std) = stream.into_std() else { return };
                    let Ok(cutter) = std.try_clone() else { return };
                    let Ok(stream) = tokio::net::TcpStream::from_std(std) else {
                        return;
                    };
                    let handler = SshHandler {
                        shared,
                        cutter: Arc::new(cutter),
                        channels: HashMap::new(),
                        user: None,
                    };
                    match russh::server::run_stream(ssh_config, stream, handler).await {
                        Ok(session) => {
                            if let Err(e) = session.await {
                                tracing::debug!(error = %e, "embedded SFTP session ended");
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "embedded SFTP handshake failed"),
                    }
                });
            }
        });
        Ok(Self {
            addr,
            fingerprint,
            public_key,
            faults,
            task,
        })
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The host key's fingerprint as OpenSSH prints it (`SHA256:...`).
    pub fn host_key_fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// A `known_hosts` line for this server (`[127.0.0.1]:port ssh-ed25519 AAAA...`).
    pub fn known_hosts_line(&self) -> String {
        format!("[{}]:{} {}", self.host(), self.port(), self.public_key)
    }

    /// Fault injection.
    pub fn faults(&self) -> &SftpFaults {
        &self.faults
    }
}

struct Shared {
    root: PathBuf,
    config: SftpServerConfig,
    faults: SftpFaults,
}

struct SshHandler {
    shared: Arc<Shared>,
    cutter: Arc<std::net::TcpStream>,
    channels: HashMap<ChannelId, Channel<Msg>>,
    user: Option<String>,
}

impl russh::server::Handler for SshHandler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if self
            .shared
            .config
            .passwords
            .get(user)
            .is_some_and(|p| p == password)
        {
            self.user = Some(user.to_string());
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let ok = self
            .shared
            .config
            .keys
            .iter()
            .any(|(u, k)| u == user && k.key_data() == key.public_key.key_data());
        if ok {
            self.user = Some(user.to_string());
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), channel);
        reply.accept().await;
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.close(channel)?;
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel_id: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match (name, self.channels.remove(&channel_id)) {
            ("sftp", Some(channel)) => {
                session.channel_success(channel_id)?;
                let fs = SftpFs {
                    shared: self.shared.clone(),
                    cutter: self.cutter.clone(),
                    handles: HashMap::new(),
                    next_handle: 0,
                    served: 0,
                    cut: false,
                };
                russh_sftp::server::run(channel.into_stream(), fs).await;
            }
            _ => session.channel_failure(channel_id)?,
        }
        Ok(())
    }
}

enum OpenHandle {
    File(std::fs::File),
    Dir(Option<Vec<File>>),
}

struct SftpFs {
    shared: Arc<Shared>,
    cutter: Arc<std::net::TcpStream>,
    handles: HashMap<String, OpenHandle>,
    next_handle: u64,
    served: u64,
    cut: bool,
}

fn io_status(e: &std::io::Error) -> StatusCode {
    match e.kind() {
        std::io::ErrorKind::NotFound => StatusCode::NoSuchFile,
        std::io::ErrorKind::PermissionDenied => StatusCode::PermissionDenied,
        _ => StatusCode::Failure,
    }
}

fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Ok".to_string(),
        language_tag: "en-US".to_string(),
    }
}

impl SftpFs {
    /// Maps a client path onto the jail: `..` never climbs above the root.
    fn local(&self, path: &str) -> PathBuf {
        let mut parts: Vec<String> = Vec::new();
        for c in Path::new(path).components() {
            match c {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop();
                }
                _ => {}
            }
        }
        let mut out = self.shared.root.clone();
        out.extend(parts);
        out
    }

    fn virtual_path(&self, path: &str) -> String {
        let local = self.local(path);
        let rel = local
            .strip_prefix(&self.shared.root)
            .unwrap_or(Path::new(""));
        format!("/{}", rel.to_string_lossy())
    }

    fn handle(&mut self, h: OpenHandle) -> String {
        self.next_handle += 1;
        let name = format!("h{}", self.next_handle);
        self.handles.insert(name.clone(), h);
        name
    }

    fn cut_connection(&mut self) {
        if !self.cut {
            self.cut = true;
            self.shared
                .faults
                .inner
                .drops
                .fetch_add(1, Ordering::SeqCst);
            let cutter = self.cutter.clone();
            // Let the last reply reach the client first.
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = cutter.shutdown(Shutdown::Both);
            });
        }
    }
}

impl russh_sftp::server::Handler for SftpFs {
    type Error = StatusCode;

    fn unimplemented(&self) -> Self::Error {
        StatusCode::OpUnsupported
    }

    async fn init(
        &mut self,
        _version: u32,
        _extensions: HashMap<String, String>,
    ) -> Result<Version, Self::Error> {
        Ok(Version::new())
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        _attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let path = self.local(&filename);
        let mut o = std::fs::OpenOptions::new();
        o.read(pflags.contains(OpenFlags::READ))
            .write(pflags.contains(OpenFlags::WRITE) || pflags.contains(OpenFlags::APPEND))
            .append(pflags.contains(OpenFlags::APPEND))
            .truncate(pflags.contains(OpenFlags::TRUNCATE));
        if pflags.contains(OpenFlags::CREATE) {
            if pflags.contains(OpenFlags::EXCLUDE) {
                o.create_new(true);
            } else {
                o.create(true);
            }
        }
        let file = o.open(&path).map_err(|e| io_status(&e))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(StatusCode::Failure);
        }
        Ok(Handle {
            id,
            handle: self.handle(OpenHandle::File(file)),
        })
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        self.handles.remove(&handle).ok_or(StatusCode::Failure)?;
        Ok(ok(id))
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        if self.cut {
            return Err(StatusCode::ConnectionLost);
        }
        let Some(OpenHandle::File(file)) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        let mut want = len.min(256 * 1024) as u64;
        let limit = self
            .shared
            .faults
            .inner
            .drop_after
            .lock()
            .map(|d| *d)
            .unwrap_or(None);
        let mut cut_now = false;
        if let Some(limit) = limit
            && self.served + want >= limit
        {
            want = limit.saturating_sub(self.served);
            if let Ok(mut d) = self.shared.faults.inner.drop_after.lock() {
                *d = None;
            }
            cut_now = true;
        }
        let mut buf = vec![0u8; want as usize];
        let mut n = 0;
        while n < buf.len() {
            match file.read_at(&mut buf[n..], offset + n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(io_status(&e)),
            }
        }
        if cut_now {
            self.cut_connection();
        }
        if n == 0 {
            return Err(if cut_now {
                StatusCode::ConnectionLost
            } else {
                StatusCode::Eof
            });
        }
        buf.truncate(n);
        self.served += n as u64;
        self.shared
            .faults
            .inner
            .bytes_served
            .fetch_add(n as u64, Ordering::SeqCst);
        Ok(Data { id, data: buf })
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let Some(OpenHandle::File(file)) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        file.write_all_at(&data, offset)
            .map_err(|e| io_status(&e))?;
        Ok(ok(id))
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let meta = std::fs::symlink_metadata(self.local(&path)).map_err(|e| io_status(&e))?;
        Ok(Attrs {
            id,
            attrs: FileAttributes::from(&meta),
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let meta = std::fs::metadata(self.local(&path)).map_err(|e| io_status(&e))?;
        Ok(Attrs {
            id,
            attrs: FileAttributes::from(&meta),
        })
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let Some(OpenHandle::File(file)) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        let meta = file.metadata().map_err(|e| io_status(&e))?;
        Ok(Attrs {
            id,
            attrs: FileAttributes::from(&meta),
        })
    }

    async fn setstat(
        &mut self,
        id: u32,
        _path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Ok(ok(id))
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        _handle: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Ok(ok(id))
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let dir = self.local(&path);
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| io_status(&e))? {
            let entry = entry.map_err(|e| io_status(&e))?;
            let Ok(meta) = entry.metadata() else { continue };
            files.push(File::new(
                entry.file_name().to_string_lossy().into_owned(),
                FileAttributes::from(&meta),
            ));
        }
        Ok(Handle {
            id,
            handle: self.handle(OpenHandle::Dir(Some(files))),
        })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(OpenHandle::Dir(files)) => match files.take() {
                Some(files) if !files.is_empty() => Ok(Name { id, files }),
                _ => Err(StatusCode::Eof),
            },
            _ => Err(StatusCode::Failure),
        }
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        std::fs::remove_file(self.local(&filename)).map_err(|e| io_status(&e))?;
        Ok(ok(id))
    }

    async fn mkdir(
        &mut self,
        id: u32,
        path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        std::fs::create_dir(self.local(&path)).map_err(|e| io_status(&e))?;
        Ok(ok(id))
    }

    async fn rmdir(&mut self, id: u32, path: String) -> Result<Status, Self::Error> {
        std::fs::remove_dir(self.local(&path)).map_err(|e| io_status(&e))?;
        Ok(ok(id))
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        Ok(Name {
            id,
            files: vec![File::dummy(self.virtual_path(&path))],
        })
    }

    async fn rename(
        &mut self,
        id: u32,
        oldpath: String,
        newpath: String,
    ) -> Result<Status, Self::Error> {
        let (from, to) = (self.local(&oldpath), self.local(&newpath));
        if to.exists() {
            // Like OpenSSH's SFTP v3 server: rename never replaces.
            return Err(StatusCode::Failure);
        }
        std::fs::rename(from, to).map_err(|e| io_status(&e))?;
        Ok(ok(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_hides_passwords() {
        let cfg = SftpServerConfig::new("/tmp").user("alice", "wonderland-pw");
        let s = format!("{cfg:?}");
        assert!(s.contains("alice") && !s.contains("wonderland-pw"), "{s}");
    }

    #[tokio::test]
    async fn starts_with_a_fingerprint_and_refuses_bad_keys() {
        let dir = std::env::temp_dir();
        let server = SftpServer::start(SftpServerConfig::new(&dir).user("u", "p"))
            .await
            .unwrap();
        assert!(server.host_key_fingerprint().starts_with("SHA256:"));
        assert!(server.known_hosts_line().contains("ssh-ed25519 "));
        let err = SftpServer::start(SftpServerConfig::new(&dir).authorized_key("u", "not a key"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn paths_stay_in_the_jail() {
        let fs = SftpFs {
            shared: Arc::new(Shared {
                root: PathBuf::from("/srv/root"),
                config: SftpServerConfig::new("/srv/root"),
                faults: SftpFaults::default(),
            }),
            cutter: Arc::new(
                match std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| std::net::TcpStream::connect(l.local_addr()?))
                {
                    Ok(s) => s,
                    Err(e) => panic!("{e}"),
                },
            ),
            handles: HashMap::new(),
            next_handle: 0,
            served: 0,
            cut: false,
        };
        assert_eq!(
            fs.local("/../../etc/passwd"),
            PathBuf::from("/srv/root/etc/passwd")
        );
        assert_eq!(fs.local("a/./b/../c"), PathBuf::from("/srv/root/a/c"));
        assert_eq!(fs.virtual_path("."), "/");
        assert_eq!(fs.virtual_path("/in/x.csv"), "/in/x.csv");
    }
}
