//! [`SftpClient`]: the async facade. Every libssh2 call runs on `spawn_blocking`; every
//! operation opens its own session, so concurrent transfers never serialize on one session.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use connector_core::{Error, Result};
use futures::Stream;
use serde::de::DeserializeOwned;
use ssh2::FileStat;
use tokio::sync::mpsc;

use crate::config::SftpConfig;
use crate::model::{
    CsvOptions, DownloadOptions, EntryKind, RemoteEntry, TransferReport, UploadOptions,
};
use crate::session::{Conn, map_ssh};
use crate::transfer::{CancelOnDrop, ChannelReader, spawn_download, spawn_gunzip, upload_worker};

/// The bytes of a remote file, in chunks of up to the configured read size. Dropping the
/// stream stops the transfer.
pub struct ByteStream {
    rx: mpsc::Receiver<Result<Bytes>>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream").finish_non_exhaustive()
    }
}

impl ByteStream {
    /// The same bytes as a blocking [`std::io::Read`], for synchronous parsers (`csv`,
    /// decompressors...). Read it on a blocking thread (`spawn_blocking`, a plain thread),
    /// never in async code: a read waits for the download. A transfer error surfaces as an
    /// `io::Error`; [`BlockingReader::take_error`] gives the SDK error behind it. Dropping the
    /// reader stops the transfer.
    pub fn into_blocking_reader(self) -> BlockingReader {
        BlockingReader(ChannelReader::new(self.rx))
    }
}

/// A blocking `Read` over a download (see [`ByteStream::into_blocking_reader`]).
pub struct BlockingReader(ChannelReader);

impl BlockingReader {
    /// The transfer error behind the last `io::Error` of a read, if any.
    pub fn take_error(&mut self) -> Option<Error> {
        self.0.take_error()
    }
}

impl std::io::Read for BlockingReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(out)
    }
}

impl std::fmt::Debug for BlockingReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingReader").finish_non_exhaustive()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// Typed records parsed from a remote CSV file while it downloads. Dropping the stream stops
/// the transfer.
pub struct RecordStream<T> {
    rx: mpsc::Receiver<Result<T>>,
}

impl<T> std::fmt::Debug for RecordStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStream").finish_non_exhaustive()
    }
}

impl<T> Stream for RecordStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// An SFTP client for one server. Cheap to clone; holds no connection between calls.
#[derive(Debug, Clone)]
pub struct SftpClient {
    config: Arc<SftpConfig>,
}

impl SftpClient {
    /// A client for `config`, without connecting.
    pub fn new(config: SftpConfig) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    /// A client for `config`, after checking that we can connect, verify the host key, log in
    /// and start SFTP.
    pub async fn connect(config: SftpConfig) -> Result<Self> {
        let client = Self::new(config);
        client.check().await?;
        Ok(client)
    }

    /// The configuration.
    pub fn config(&self) -> &SftpConfig {
        &self.config
    }

    /// Connects, verifies the host key, logs in and resolves the home directory, which it
    /// returns.
    pub async fn check(&self) -> Result<String> {
        self.blocking(|conn| {
            conn.sftp
                .realpath(Path::new("."))
                .map(|p| p.to_string_lossy().into_owned())
                .map_err(|e| map_ssh(e, "cannot resolve the home directory"))
        })
        .await
    }

    /// The cipher the server and we agreed on (client to server), e.g. `aes128-ctr`.
    pub async fn negotiated_cipher(&self) -> Result<Option<String>> {
        self.blocking(|conn| Ok(conn.cipher())).await
    }

    /// The MAC the server and we agreed on (client to server), e.g.
    /// `hmac-sha2-256-etm@openssh.com`.
    pub async fn negotiated_mac(&self) -> Result<Option<String>> {
        self.blocking(|conn| Ok(conn.mac())).await
    }

    /// Lists `dir` (without `.` and `..`), sorted by name.
    pub async fn list(&self, dir: &str) -> Result<Vec<RemoteEntry>> {
        let dir = dir.to_string();
        self.blocking(move |conn| {
            let entries = conn
                .sftp
                .readdir(Path::new(&dir))
                .map_err(|e| map_ssh(e, &format!("cannot list {dir}")))?;
            let mut out: Vec<RemoteEntry> = entries
                .into_iter()
                .map(|(path, st)| entry(&path, &st))
                .filter(|e| e.name != "." && e.name != "..")
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    /// Size, modification time and kind of `path` (links are followed).
    pub async fn stat(&self, path: &str) -> Result<RemoteEntry> {
        let path = path.to_string();
        self.blocking(move |conn| {
            let p = Path::new(&path);
            let st = conn
                .sftp
                .stat(p)
                .map_err(|e| map_ssh(e, &format!("cannot stat {path}")))?;
            Ok(entry(p, &st))
        })
        .await
    }

    /// Downloads `path` as a stream of bytes, exactly as stored.
    pub async fn download_stream(&self, path: &str) -> Result<ByteStream> {
        self.download_stream_with(path, &DownloadOptions::default())
            .await
    }

    /// Downloads `path` as a stream of bytes, with progress and optional gunzip. Memory stays
    /// bounded (a few chunks) whatever the file size; the stream resumes after a dropped
    /// connection (see [`crate::ResumePolicy`]) and ends with an error if the final size does
    /// not match the server's.
    pub async fn download_stream_with(
        &self,
        path: &str,
        options: &DownloadOptions,
    ) -> Result<ByteStream> {
        if path.is_empty() {
            return Err(Error::invalid("path", "must not be empty"));
        }
        let mut rx = spawn_download(
            self.config.clone(),
            path.to_string(),
            options.progress.clone(),
        );
        if options.decompression.applies_to(path) {
            rx = spawn_gunzip(rx, path.to_string());
        }
        Ok(ByteStream { rx })
    }

    /// Downloads `path` to the local file `dest`, exactly as stored. See
    /// [`SftpClient::download_to_with`].
    pub async fn download_to(&self, path: &str, dest: impl AsRef<Path>) -> Result<TransferReport> {
        self.download_to_with(path, dest, &DownloadOptions::default())
            .await
    }

    /// Downloads `path` to `dest`: written to a temporary file in the same directory, synced,
    /// renamed, then the directory synced, so once this returns `Ok` the file is on disk
    /// under its name, complete, even if the machine loses power right after. If the download
    /// fails or the future is dropped, the temporary file is removed and `dest` is untouched.
    ///
    /// The writes run on a blocking thread with plain `std::fs` calls, overlapped with the
    /// download (up to 4 chunks in between), and the kernel is asked to start writing each
    /// 16 MiB back as soon as it is written, so the final `fsync` has little left to do.
    pub async fn download_to_with(
        &self,
        path: &str,
        dest: impl AsRef<Path>,
        options: &DownloadOptions,
    ) -> Result<TransferReport> {
        let started = Instant::now();
        let dest = dest.as_ref().to_path_buf();
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| Error::invalid("dest", "must name a file"))?
            .to_string_lossy()
            .into_owned();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(&dir)
            .map_err(|e| {
                Error::io(
                    format!("cannot create a temporary file in {}", dir.display()),
                    e,
                )
            })?;

        let wire = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let resumes = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut opts = options.clone();
        let user_cb = options.progress.clone();
        let (w, r) = (wire.clone(), resumes.clone());
        opts.progress = Some(Arc::new(move |p| {
            w.store(p.done, std::sync::atomic::Ordering::Relaxed);
            r.store(p.resumes, std::sync::atomic::Ordering::Relaxed);
            if let Some(cb) = &user_cb {
                cb(p);
            }
        }));
        let stream = self.download_stream_with(path, &opts).await?;
        let cancel = Arc::new(AtomicBool::new(false));
        let mut guard = DiscardOnDrop {
            cancel: CancelOnDrop(cancel.clone()),
            tmp: Some(tmp.path().to_path_buf()),
        };
        let written = tokio::task::spawn_blocking(move || {
            write_durably(stream.rx, tmp, &dest, &dir, &cancel)
        })
        .await
        .map_err(|e| Error::io("download writer task failed", e))??;
        guard.tmp = None;
        Ok(TransferReport {
            wire_bytes: wire.load(std::sync::atomic::Ordering::Relaxed),
            written_bytes: written,
            resumes: resumes.load(std::sync::atomic::Ordering::Relaxed),
            elapsed: started.elapsed(),
        })
    }

    /// Uploads the local file `local` to `remote`: written to a hidden temporary name in the
    /// same remote directory, size-checked, then renamed (an existing file is replaced).
    pub async fn upload(&self, local: impl AsRef<Path>, remote: &str) -> Result<TransferReport> {
        self.upload_with(local, remote, &UploadOptions::default())
            .await
    }

    /// [`SftpClient::upload`] with progress and overwrite options. If the future is dropped,
    /// the upload stops and its temporary file is removed; `remote` is untouched.
    pub async fn upload_with(
        &self,
        local: impl AsRef<Path>,
        remote: &str,
        options: &UploadOptions,
    ) -> Result<TransferReport> {
        if remote.is_empty() || remote.ends_with('/') {
            return Err(Error::invalid("remote", "must name a file"));
        }
        let cfg = self.config.clone();
        let local = local.as_ref().to_path_buf();
        let remote = remote.to_string();
        let overwrite = options.overwrite.unwrap_or(true);
        let progress = options.progress.clone();
        let cancel = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancel.clone());
        tokio::task::spawn_blocking(move || {
            upload_worker(&cfg, &local, &remote, overwrite, progress.as_ref(), &cancel)
        })
        .await
        .map_err(|e| Error::io("upload task failed", e))?
    }

    /// Streams the remote CSV file `path` into records of type `T` (mapped by header name when
    /// `has_headers`), parsing while the file downloads. A record that does not fit `T` is
    /// yielded as an [`Error::Decode`] naming the line and the stream goes on; a transfer
    /// failure is yielded last and ends the stream.
    pub async fn csv_records<T>(&self, path: &str, options: &CsvOptions) -> Result<RecordStream<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let bytes = self
            .download_stream_with(
                path,
                &DownloadOptions::default().decompression(options.decompression),
            )
            .await?;
        let (tx, rx) = mpsc::channel(options.buffer_records.max(1));
        let opts = options.clone();
        let path = path.to_string();
        tokio::task::spawn_blocking(move || crate::csv::parse_into(bytes.rx, &opts, &path, &tx));
        Ok(RecordStream { rx })
    }

    async fn blocking<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R> + Send + 'static,
    {
        let cfg = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let conn = Conn::open(&cfg)?;
            f(&conn)
        })
        .await
        .map_err(|e| Error::io("SFTP task failed", e))?
    }
}

fn entry(path: &Path, st: &FileStat) -> RemoteEntry {
    let kind = match st.file_type() {
        ssh2::FileType::RegularFile => EntryKind::File,
        ssh2::FileType::Directory => EntryKind::Directory,
        ssh2::FileType::Symlink => EntryKind::Symlink,
        _ => EntryKind::Other,
    };
    // A server that sends no permissions tells us nothing about the kind.
    let kind = if st.perm.is_none() {
        EntryKind::Other
    } else {
        kind
    };
    RemoteEntry {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string_lossy().into_owned()),
        path: path.to_string_lossy().into_owned(),
        size: st.size,
        modified: st
            .mtime
            .and_then(|t| i64::try_from(t).ok())
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)),
        kind,
    }
}

/// Dropped before the download finished (the future was dropped): stops the writer thread and
/// removes the temporary file right away, not when the thread notices.
struct DiscardOnDrop {
    cancel: CancelOnDrop,
    tmp: Option<PathBuf>,
}

impl Drop for DiscardOnDrop {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            self.cancel
                .0
                .store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Bytes written between two background syncs (see [`write_durably`]).
const SYNC_STEP: u64 = 16 * 1024 * 1024;

/// [`SftpClient::download_to_with`]'s blocking half: writes the chunks of `rx` to `tmp`, then
/// `fsync`, rename to `dest`, `fsync` of `dir`. Stops (and removes `tmp`) when `cancel` is set
/// or the download fails.
///
/// A second thread syncs what has been written so far (`fdatasync`) after every
/// [`SYNC_STEP`] bytes while writing goes on, so the disk works during the download and the
/// final `fsync` finds little left to write (it otherwise waited for the whole file).
fn write_durably(
    mut rx: mpsc::Receiver<Result<Bytes>>,
    mut tmp: tempfile::NamedTempFile,
    dest: &Path,
    dir: &Path,
    cancel: &AtomicBool,
) -> Result<u64> {
    use std::io::Write as _;
    let cancelled = || {
        Error::io(
            "download cancelled",
            std::io::Error::from(std::io::ErrorKind::Interrupted),
        )
    };
    let tmp_name = tmp.path().display().to_string();
    let write_err = |e| Error::io(format!("cannot write {tmp_name}"), e);
    let syncer = tmp.as_file().try_clone().map_err(write_err)?;
    let (kick, kicks) = std::sync::mpsc::sync_channel::<()>(1);
    let written = std::thread::scope(|scope| -> Result<u64> {
        // Background syncs are an optimisation: their errors also surface in the final fsync.
        scope.spawn(move || {
            while kicks.recv().is_ok() {
                let _ = syncer.sync_data();
            }
        });
        let mut written = 0u64;
        let mut kicked = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(cancelled());
            }
            let chunk = chunk?;
            tmp.as_file_mut().write_all(&chunk).map_err(write_err)?;
            written += chunk.len() as u64;
            if written - kicked >= SYNC_STEP {
                // A sync still running covers this too when the slot is taken.
                let _ = kick.try_send(());
                kicked = written;
            }
        }
        drop(kick);
        Ok(written)
    })?;
    if cancel.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(cancelled());
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(format!("cannot sync {tmp_name}"), e))?;
    tmp.persist(dest).map_err(|e| {
        Error::io(
            format!("cannot rename the download to {}", dest.display()),
            e.error,
        )
    })?;
    // The rename is durable only once the directory is synced.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("cannot sync the directory {}", dir.display()), e))?;
    Ok(written)
}
