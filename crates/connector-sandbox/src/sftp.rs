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
//! ## Under back-pressure
//!
//! Clients keep many requests in flight (paramiko's `get` prefetches the whole file, OpenSSH's
//! `sftp -R 1024` keeps 1024). The channel is taken apart: one task drains what the client sends
//! into a queue the moment it arrives, so the SSH session loop never waits and keeps processing
//! the client's window adjusts; requests are answered in order by a second task; a third writes
//! the answers, batched, as fast as the client's window lets it. The answers waiting for the
//! client's window are capped at 8 MiB (then the server stops answering until the client reads);
//! the queued requests are bounded by what the client has in flight.
//!
//! The `limits@openssh.com` extension is advertised with OpenSSH's values (packets of 256 KiB,
//! reads and writes of 255 KiB; a longer read is answered short, as OpenSSH does, since its
//! client refuses an answer over 256 KiB), and packets up to 1 MiB are accepted from clients
//! that ignore it; a longer one ends the session (it is never skipped silently).
//!
//! `setstat` / `fsetstat` apply what they are given (size, owner, permissions, times) or answer
//! the error the file system gave; `open` and `mkdir` apply the requested permissions.
//!
//! ## Host key
//!
//! A fresh Ed25519 host key per start, unless pinned with [`SftpServerConfig::host_key_seed`]
//! (a fixed key from 32 bytes) or [`SftpServerConfig::host_key_file`] (an OpenSSH private key
//! file), so a test can keep one `known_hosts` line or fingerprint across runs.
//!
//! Limits (it is a test server): no symlinks, `rename` refuses to replace an existing file (like
//! OpenSSH's SFTP v3 server), no extension but `limits@openssh.com` and `fsync@openssh.com`.

use std::collections::HashMap;
use std::fmt;
use std::net::{Shutdown, SocketAddr};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PublicKey};
use russh::server::{Auth, ChannelOpenHandle, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelMsg, MethodKind, MethodSet};
use russh_sftp::protocol::{
    Attrs, Data, ExtendedReply, File, FileAttributes, Handle, Name, OpenFlags, Packet, Status,
    StatusCode, Version,
};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

/// Users, keys and the directory an [`SftpServer`] serves. `Debug` hides the passwords.
#[derive(Clone)]
pub struct SftpServerConfig {
    root: PathBuf,
    passwords: HashMap<String, String>,
    keys: Vec<(String, PublicKey)>,
    bad_keys: Vec<String>,
    host_key: HostKeySource,
}

/// Where the host key comes from.
#[derive(Clone)]
enum HostKeySource {
    Fresh,
    Seed([u8; 32]),
    File(PathBuf),
}

impl fmt::Debug for SftpServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpServerConfig")
            .field("root", &self.root)
            .field("users", &self.passwords.keys().collect::<Vec<_>>())
            .field("passwords", &"[redacted]")
            .field("authorized_keys", &self.keys.len())
            .field(
                "host_key",
                &match &self.host_key {
                    HostKeySource::Fresh => "fresh".to_string(),
                    HostKeySource::Seed(_) => "seed [redacted]".to_string(),
                    HostKeySource::File(p) => format!("file {}", p.display()),
                },
            )
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
            host_key: HostKeySource::Fresh,
        }
    }

    /// Uses the Ed25519 host key derived from `seed` instead of a fresh one, so the fingerprint
    /// and the `known_hosts` line stay the same from one start to the next (tests can pin it).
    /// The seed is the private key: use it for tests only. `Debug` hides it.
    pub fn host_key_seed(mut self, seed: [u8; 32]) -> Self {
        self.host_key = HostKeySource::Seed(seed);
        self
    }

    /// Loads the host key from an unencrypted OpenSSH private key file (what
    /// `ssh-keygen -t ed25519 -N '' -f key` writes; RSA and ECDSA keys work too). An unreadable
    /// or encrypted file makes `start` fail.
    pub fn host_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.host_key = HostKeySource::File(path.into());
        self
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
    /// Starts serving `config` with its host key (a fresh Ed25519 one unless pinned).
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
        let host_key = match &config.host_key {
            HostKeySource::Fresh => {
                let mut seed = [0u8; 32];
                seed.iter_mut().for_each(|b| *b = fastrand::u8(..));
                PrivateKey::from(Ed25519Keypair::from_seed(&seed))
            }
            HostKeySource::Seed(seed) => PrivateKey::from(Ed25519Keypair::from_seed(seed)),
            HostKeySource::File(path) => russh::keys::load_secret_key(path, None).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("host key file {}: {e}", path.display()),
                )
            })?,
        };
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
        // An SFTP channel is closed by its engine once every request before the EOF has been
        // answered (closing here would drop those answers); any other channel closes now.
        if self.channels.remove(&channel).is_some() {
            session.close(channel)?;
        }
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
                tokio::spawn(serve_sftp(channel, fs));
            }
            _ => session.channel_failure(channel_id)?,
        }
        Ok(())
    }
}

/// Largest SFTP packet accepted from a client (length field excluded). The advertised limit
/// (`limits@openssh.com`) is [`MAX_PACKET`]; this one is lenient for clients that ignore it.
const MAX_ACCEPTED_PACKET: usize = 1024 * 1024;
/// The packet length advertised in `limits@openssh.com` (OpenSSH's own limit: its client refuses
/// a longer answer).
const MAX_PACKET: u64 = 256 * 1024;
/// Longest read answered, and the write length advertised (as OpenSSH's server: room for the
/// header within [`MAX_PACKET`]).
const MAX_IO: u32 = 256 * 1024 - 1024;
/// Bytes of answers allowed to wait for the client's window before requests wait.
const OUTPUT_CAP: usize = 8 * 1024 * 1024;
/// Answers written to the channel at once (several small ones batched in one write).
const WRITE_BATCH: usize = 256 * 1024;
/// Directory entries per `readdir` answer.
const READDIR_BATCH: usize = 128;

/// Serves one SFTP channel: reader task (never blocks the SSH session loop), this task answering
/// requests in order, writer task (waits for the client's window, never for requests).
async fn serve_sftp(channel: Channel<Msg>, mut fs: SftpFs) {
    let (mut rx, tx) = channel.split();
    let (req_tx, mut req_rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, usize>>();
    // 1. Reader: frames packets as they arrive. Unbounded on purpose: waiting here would stop
    //    the session loop, and with it the window adjusts the writer is waiting for.
    tokio::spawn(async move {
        let mut buf = BytesMut::new();
        while let Some(msg) = rx.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    buf.extend_from_slice(&data);
                    while buf.len() >= 4 {
                        let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
                        if len > MAX_ACCEPTED_PACKET {
                            let _ = req_tx.send(Err(len));
                            return;
                        }
                        if buf.len() < 4 + len {
                            buf.reserve(4 + len - buf.len());
                            break;
                        }
                        buf.advance(4);
                        if req_tx.send(Ok(buf.split_to(len).freeze())).is_err() {
                            return;
                        }
                    }
                }
                ChannelMsg::Eof | ChannelMsg::Close => break,
                _ => {}
            }
        }
    });
    // 3. Writer: batches answers, writes them as the client's window allows.
    let (resp_tx, mut resp_rx) =
        tokio::sync::mpsc::unbounded_channel::<(Bytes, tokio::sync::OwnedSemaphorePermit)>();
    let writer = tokio::spawn(async move {
        let mut out = tx.make_writer();
        let mut batch: Vec<u8> = Vec::with_capacity(WRITE_BATCH + 64 * 1024);
        while let Some((first, permit)) = resp_rx.recv().await {
            batch.clear();
            batch.extend_from_slice(&first);
            drop(permit);
            while batch.len() < WRITE_BATCH {
                match resp_rx.try_recv() {
                    Ok((more, permit)) => {
                        batch.extend_from_slice(&more);
                        drop(permit);
                    }
                    Err(_) => break,
                }
            }
            if out.write_all(&batch).await.is_err() || out.flush().await.is_err() {
                return;
            }
        }
        let _ = tx.eof().await;
        let _ = tx.close().await;
    });
    // 2. Requests, answered in order.
    let budget = Arc::new(tokio::sync::Semaphore::new(OUTPUT_CAP));
    while let Some(item) = req_rx.recv().await {
        let answer = match item {
            Ok(mut bytes) => fs.dispatch(&mut bytes).await,
            Err(len) => {
                tracing::warn!(
                    len,
                    "embedded SFTP server: packet longer than {MAX_ACCEPTED_PACKET} bytes, closing"
                );
                break;
            }
        };
        let Some(answer) = answer else { continue };
        let Ok(bytes) = Bytes::try_from(answer) else {
            tracing::warn!("embedded SFTP server: could not encode an answer, closing");
            break;
        };
        let want = bytes.len().min(OUTPUT_CAP) as u32;
        let Ok(permit) = budget.clone().acquire_many_owned(want).await else {
            break;
        };
        if resp_tx.send((bytes, permit)).is_err() {
            break;
        }
    }
    drop(resp_tx);
    let _ = writer.await;
}

fn status(id: u32, code: StatusCode) -> Packet {
    Packet::status(id, code, &code.to_string(), "en-US")
}

/// The ids of a request whose body could not be decoded (to answer `BAD_MESSAGE` to it).
fn request_id(bytes: &[u8]) -> Option<u32> {
    // type byte, then the id (absent for SSH_FXP_INIT)
    match bytes {
        [1, ..] => None,
        [_, a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

macro_rules! answer {
    ($self:ident, $id:expr, $call:expr) => {
        match $call.await {
            Ok(reply) => reply.into(),
            Err(code) => status($id, code),
        }
    };
}

impl SftpFs {
    /// Decodes and answers one request (`None`: nothing to answer).
    async fn dispatch(&mut self, bytes: &mut Bytes) -> Option<Packet> {
        use russh_sftp::server::Handler as _;
        let raw_id = request_id(bytes);
        let packet = match Packet::try_from(&mut *bytes) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = %e, "embedded SFTP server: undecodable request");
                return raw_id.map(|id| status(id, StatusCode::BadMessage));
            }
        };
        let id = packet.get_request_id();
        Some(match packet {
            Packet::Init(i) => match self.init(i.version, i.extensions).await {
                Ok(mut v) => {
                    v.extensions
                        .insert("limits@openssh.com".to_string(), "1".to_string());
                    v.extensions
                        .insert("fsync@openssh.com".to_string(), "1".to_string());
                    v.into()
                }
                Err(code) => status(0, code),
            },
            Packet::Open(o) => answer!(self, id, self.open(o.id, o.filename, o.pflags, o.attrs)),
            Packet::Close(c) => answer!(self, id, self.close(c.id, c.handle)),
            Packet::Read(r) => answer!(self, id, self.read(r.id, r.handle, r.offset, r.len)),
            Packet::Write(w) => answer!(self, id, self.write(w.id, w.handle, w.offset, w.data)),
            Packet::Lstat(l) => answer!(self, id, self.lstat(l.id, l.path)),
            Packet::Fstat(f) => answer!(self, id, self.fstat(f.id, f.handle)),
            Packet::SetStat(s) => answer!(self, id, self.setstat(s.id, s.path, s.attrs)),
            Packet::FSetStat(s) => answer!(self, id, self.fsetstat(s.id, s.handle, s.attrs)),
            Packet::OpenDir(o) => answer!(self, id, self.opendir(o.id, o.path)),
            Packet::ReadDir(r) => answer!(self, id, self.readdir(r.id, r.handle)),
            Packet::Remove(r) => answer!(self, id, self.remove(r.id, r.filename)),
            Packet::MkDir(m) => answer!(self, id, self.mkdir(m.id, m.path, m.attrs)),
            Packet::RmDir(r) => answer!(self, id, self.rmdir(r.id, r.path)),
            Packet::RealPath(r) => answer!(self, id, self.realpath(r.id, r.path)),
            Packet::Stat(s) => answer!(self, id, self.stat(s.id, s.path)),
            Packet::Rename(r) => answer!(self, id, self.rename(r.id, r.oldpath, r.newpath)),
            Packet::Extended(e) if e.request == "limits@openssh.com" => {
                let mut data = Vec::with_capacity(32);
                data.extend_from_slice(&MAX_PACKET.to_be_bytes());
                data.extend_from_slice(&u64::from(MAX_IO).to_be_bytes());
                data.extend_from_slice(&u64::from(MAX_IO).to_be_bytes());
                data.extend_from_slice(&0u64.to_be_bytes()); // open handles: no limit
                ExtendedReply { id, data }.into()
            }
            Packet::Extended(e) if e.request == "fsync@openssh.com" => {
                // the body is the handle as an SSH string
                let handle = e
                    .data
                    .get(4..)
                    .filter(|h| {
                        e.data.len() >= 4
                            && h.len()
                                == u32::from_be_bytes([e.data[0], e.data[1], e.data[2], e.data[3]])
                                    as usize
                    })
                    .map(|h| String::from_utf8_lossy(h).into_owned());
                match handle.as_deref().and_then(|h| self.handles.get(h)) {
                    Some(OpenHandle::File(f)) => match f.sync_all() {
                        Ok(()) => ok(id).into(),
                        Err(e) => status(id, io_status(&e)),
                    },
                    Some(OpenHandle::Dir(_)) | None => status(id, StatusCode::Failure),
                }
            }
            // readlink, symlink, other extensions; answers (version, status...) sent by a client
            Packet::ReadLink(_) | Packet::Symlink(_) | Packet::Extended(_) => {
                status(id, StatusCode::OpUnsupported)
            }
            _ => status(id, StatusCode::BadMessage),
        })
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

/// Applies `setstat` / `fsetstat` attributes to `file` (or, without one, to `path`): size
/// (truncate or extend), owner, permissions, then times. Stops at the first refusal and answers
/// it; nothing is acknowledged that was not applied.
fn apply_attrs(
    attrs: &FileAttributes,
    file: Option<&std::fs::File>,
    path: &Path,
) -> Result<(), StatusCode> {
    let err = |e: std::io::Error| io_status(&e);
    if let Some(size) = attrs.size {
        match file {
            Some(f) => f.set_len(size).map_err(err)?,
            None => std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(size))
                .map_err(err)?,
        }
    }
    if attrs.uid.is_some() || attrs.gid.is_some() {
        match file {
            Some(f) => std::os::unix::fs::fchown(f, attrs.uid, attrs.gid).map_err(err)?,
            None => std::os::unix::fs::chown(path, attrs.uid, attrs.gid).map_err(err)?,
        }
    }
    if let Some(mode) = attrs.permissions {
        let perms = std::fs::Permissions::from_mode(mode & 0o7777);
        match file {
            Some(f) => f.set_permissions(perms).map_err(err)?,
            None => std::fs::set_permissions(path, perms).map_err(err)?,
        }
    }
    if attrs.atime.is_some() || attrs.mtime.is_some() {
        let at = |secs: u32| std::time::UNIX_EPOCH + Duration::from_secs(u64::from(secs));
        let mut times = std::fs::FileTimes::new();
        if let Some(a) = attrs.atime {
            times = times.set_accessed(at(a));
        }
        if let Some(m) = attrs.mtime {
            times = times.set_modified(at(m));
        }
        match file {
            Some(f) => f.set_times(times).map_err(err)?,
            None => std::fs::File::open(path)
                .and_then(|f| f.set_times(times))
                .map_err(err)?,
        }
    }
    Ok(())
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
        attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let path = self.local(&filename);
        let mut o = std::fs::OpenOptions::new();
        if let Some(mode) = attrs.permissions {
            // the mode of a file this open creates (the umask applies, as with sshd)
            o.mode(mode & 0o7777);
        }
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
        let mut want = len.min(MAX_IO) as u64;
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
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let path = self.local(&path);
        apply_attrs(&attrs, None, &path)?;
        Ok(ok(id))
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        handle: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let Some(OpenHandle::File(file)) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        apply_attrs(&attrs, Some(file), Path::new(""))?;
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
            Some(OpenHandle::Dir(files)) => match files {
                Some(left) if !left.is_empty() => {
                    // A bounded answer: one packet for a whole big directory could exceed what
                    // the client accepts.
                    let rest = left.split_off(left.len().min(READDIR_BATCH));
                    let files = std::mem::replace(left, rest);
                    Ok(Name { id, files })
                }
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
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let mut b = std::fs::DirBuilder::new();
        if let Some(mode) = attrs.permissions {
            b.mode(mode & 0o7777);
        }
        b.create(self.local(&path)).map_err(|e| io_status(&e))?;
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
