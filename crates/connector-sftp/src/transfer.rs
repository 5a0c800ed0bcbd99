//! The blocking transfer loops (download with resume, upload with rename) and the bridges
//! between them and async code: a bounded channel of chunks, and a blocking `Read` over it
//! for the gzip and CSV stages.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use bytes::{Buf, Bytes};
use connector_core::{ApiContext, Error, Result};
use ssh2::{OpenFlags, OpenType, RenameFlags};
use tokio::sync::mpsc;

use crate::config::SftpConfig;
use crate::model::{Progress, ProgressFn, TransferReport};
use crate::session::{Conn, map_file_io, map_ssh};

/// Chunks in flight between the SFTP thread and the consumer (x 2 MiB = bounded memory).
pub(crate) const CHANNEL_CHUNKS: usize = 4;

/// Read buffers shared between the SFTP thread and the consumer of its chunks. The SFTP thread
/// reads straight into a pooled buffer and hands it on as [`Bytes`] without copying; when the
/// consumer drops the last reference the buffer goes back to the pool, so a steady download
/// neither copies nor allocates per chunk. Memory stays bounded: at most `max_free` idle
/// buffers are kept, and chunks in flight are bounded by the channel.
pub(crate) struct BufferPool {
    free: Mutex<Vec<Vec<u8>>>,
    size: usize,
    max_free: usize,
}

impl BufferPool {
    pub(crate) fn new(size: usize, max_free: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(Vec::new()),
            size,
            max_free,
        })
    }

    /// A buffer of `size` bytes (contents unspecified).
    pub(crate) fn take(&self) -> Vec<u8> {
        let reused = match self.free.lock() {
            Ok(mut free) => free.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        reused.unwrap_or_else(|| vec![0u8; self.size])
    }

    /// Returns a buffer to the pool (dropped if the pool is full or it has the wrong size).
    pub(crate) fn put(&self, buf: Vec<u8>) {
        if buf.len() != self.size {
            return;
        }
        let mut free = match self.free.lock() {
            Ok(free) => free,
            Err(poisoned) => poisoned.into_inner(),
        };
        if free.len() < self.max_free {
            free.push(buf);
        }
    }

    /// The first `len` bytes of `buf` as [`Bytes`]. A full chunk keeps its buffer (returned to
    /// the pool on drop); a short one (the end of a file) is copied out so that a small file
    /// does not pin a whole read buffer, and the buffer goes straight back.
    pub(crate) fn freeze(self: &Arc<Self>, buf: Vec<u8>, len: usize) -> Bytes {
        if len < self.size / 4 {
            let out = Bytes::copy_from_slice(&buf[..len.min(buf.len())]);
            self.put(buf);
            return out;
        }
        Bytes::from_owner(PooledChunk {
            buf,
            len,
            pool: Arc::downgrade(self),
        })
    }

    #[cfg(test)]
    fn idle(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }
}

/// A pooled buffer holding one chunk; gives the buffer back to its pool when dropped.
struct PooledChunk {
    buf: Vec<u8>,
    len: usize,
    // Weak: chunks may outlive the transfer; then their buffers are simply freed.
    pool: Weak<BufferPool>,
}

impl AsRef<[u8]> for PooledChunk {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len.min(self.buf.len())]
    }
}

impl Drop for PooledChunk {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.put(std::mem::take(&mut self.buf));
        }
    }
}

/// Why a transfer attempt stopped.
enum Stop {
    /// The consumer went away: stop quietly.
    Cancelled,
    /// A connection problem: reconnect and continue if attempts remain.
    Retryable(Error),
    /// Anything else: give up.
    Fatal(Error),
}

/// Streams `path` into `tx`, resuming after connection drops, and verifies the final size.
/// Runs on a blocking thread.
pub(crate) fn download_worker(
    cfg: &SftpConfig,
    path: &str,
    progress: Option<&ProgressFn>,
    tx: &mpsc::Sender<Result<Bytes>>,
) -> Option<Error> {
    let remote = Path::new(path);
    let mut offset: u64 = 0;
    let mut expected: Option<u64> = None;
    let mut resumes: u32 = 0;
    let pool = BufferPool::new(cfg.read_chunk, CHANNEL_CHUNKS + 2);
    loop {
        let attempt = (|| -> std::result::Result<(), Stop> {
            let conn = Conn::open(cfg).map_err(classify)?;
            let st = conn
                .sftp
                .stat(remote)
                .map_err(|e| classify(map_ssh(e, &format!("cannot stat {path}"))))?;
            if st.is_dir() {
                return Err(Stop::Fatal(Error::invalid(
                    "path",
                    format!("`{path}` is a directory, not a file"),
                )));
            }
            match (expected, st.size) {
                (Some(old), Some(new)) if old != new => {
                    return Err(Stop::Fatal(Error::Conflict {
                        context: Box::new(ApiContext::new(format!(
                            "{path} changed size from {old} to {new} bytes during the download; start again"
                        ))),
                    }));
                }
                (None, size) => expected = size,
                _ => {}
            }
            let mut file = conn
                .sftp
                .open(remote)
                .map_err(|e| classify(map_ssh(e, &format!("cannot open {path}"))))?;
            if offset > 0 {
                tracing::info!(path, offset, resumes, "SFTP download resuming");
                file.seek(SeekFrom::Start(offset))
                    .map_err(|e| Stop::Retryable(map_file_io(e, "cannot seek in", remote)))?;
            }
            loop {
                // Fill a whole pooled buffer before handing it on: libssh2 returns the tail of
                // a 30,000-byte SFTP packet on its own after each full read, and a chunk owns
                // its buffer until the consumer drops it.
                let mut chunk = pool.take();
                let mut filled = 0;
                let mut end = false;
                let mut failed = None;
                while filled < chunk.len() {
                    match file.read(&mut chunk[filled..]) {
                        Ok(0) => {
                            end = true;
                            break;
                        }
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                if filled > 0 {
                    offset += filled as u64;
                    if tx.blocking_send(Ok(pool.freeze(chunk, filled))).is_err() {
                        return Err(Stop::Cancelled);
                    }
                    if let Some(cb) = progress {
                        cb(Progress {
                            done: offset,
                            total: expected,
                            resumes,
                        });
                    }
                } else {
                    pool.put(chunk);
                }
                if let Some(e) = failed {
                    return Err(Stop::Retryable(map_file_io(e, "read failed on", remote)));
                }
                if end {
                    return match expected {
                        Some(size) if offset < size => {
                            Err(Stop::Retryable(Error::transient(format!(
                                "{path}: the server ended the file at {offset} of {size} bytes"
                            ))))
                        }
                        _ => Ok(()),
                    };
                }
            }
        })();
        match attempt {
            Ok(()) => break,
            Err(Stop::Cancelled) => return None,
            Err(Stop::Fatal(e)) => return Some(e),
            Err(Stop::Retryable(e)) => {
                if resumes >= cfg.resume.max_attempts {
                    tracing::warn!(path, offset, resumes, error = %e, "SFTP download gave up");
                    return Some(e);
                }
                resumes += 1;
                tracing::warn!(path, offset, resumes, error = %e, "SFTP connection lost; reconnecting");
                std::thread::sleep(cfg.resume.backoff(resumes));
                if tx.is_closed() {
                    return None;
                }
            }
        }
    }
    if let Some(size) = expected
        && offset != size
    {
        return Some(Error::io(
            format!("{path}: downloaded {offset} bytes but the server reports {size}"),
            std::io::Error::other("size mismatch"),
        ));
    }
    None
}

fn classify(e: Error) -> Stop {
    if e.is_retryable() {
        Stop::Retryable(e)
    } else {
        Stop::Fatal(e)
    }
}

/// Starts the download thread and returns the receiving end of its chunk channel.
pub(crate) fn spawn_download(
    cfg: Arc<SftpConfig>,
    path: String,
    progress: Option<ProgressFn>,
) -> mpsc::Receiver<Result<Bytes>> {
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::task::spawn_blocking(move || {
        if let Some(e) = download_worker(&cfg, &path, progress.as_ref(), &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

/// A blocking `Read` over a chunk channel, for use inside `spawn_blocking` only. A transfer
/// error is kept in [`ChannelReader::take_error`] and surfaces as an `io::Error`.
pub(crate) struct ChannelReader {
    rx: mpsc::Receiver<Result<Bytes>>,
    current: Bytes,
    error: Option<Error>,
}

impl ChannelReader {
    pub(crate) fn new(rx: mpsc::Receiver<Result<Bytes>>) -> Self {
        Self {
            rx,
            current: Bytes::new(),
            error: None,
        }
    }

    /// The transfer error behind the last `io::Error`, if any.
    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => {
                    let msg = e.to_string();
                    self.error = Some(e);
                    return Err(std::io::Error::other(msg));
                }
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}

/// Gunzips a chunk channel into a new chunk channel on a blocking thread (bounded memory:
/// 256 KiB output chunks, a few in flight). Concatenated gzip members are all decoded.
pub(crate) fn spawn_gunzip(
    rx: mpsc::Receiver<Result<Bytes>>,
    path: String,
) -> mpsc::Receiver<Result<Bytes>> {
    let (tx, out) = mpsc::channel(CHANNEL_CHUNKS * 2);
    tokio::task::spawn_blocking(move || {
        let mut dec = flate2::read::MultiGzDecoder::new(ChannelReader::new(rx));
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match dec.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let err = dec.get_mut().take_error().unwrap_or_else(|| Error::Decode {
                        path: path.clone(),
                        message: format!("not a valid gzip stream: {e}"),
                        excerpt: String::new(),
                    });
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            }
        }
    });
    out
}

/// Sets a flag when dropped: tells a blocking worker that its caller went away.
pub(crate) struct CancelOnDrop(pub(crate) Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Uploads `local` to a temporary name next to `remote`, then renames it. Runs on a blocking
/// thread; stops (and removes the temporary file) when `cancel` is set.
pub(crate) fn upload_worker(
    cfg: &SftpConfig,
    local: &Path,
    remote: &str,
    overwrite: bool,
    progress: Option<&ProgressFn>,
    cancel: &AtomicBool,
) -> Result<TransferReport> {
    let started = Instant::now();
    let mut src = std::fs::File::open(local)
        .map_err(|e| Error::io(format!("cannot open {}", local.display()), e))?;
    let total = src
        .metadata()
        .map_err(|e| Error::io(format!("cannot stat {}", local.display()), e))?
        .len();
    let conn = Conn::open(cfg)?;
    let remote_path = Path::new(remote);
    if !overwrite && conn.sftp.stat(remote_path).is_ok() {
        return Err(Error::Conflict {
            context: Box::new(
                ApiContext::new(format!("{remote} already exists")).with_operation("sftp.upload"),
            ),
        });
    }
    let tmp = temp_name(remote);
    let tmp_path = Path::new(&tmp);
    let result = (|| -> Result<u64> {
        let mut file = conn
            .sftp
            .open_mode(
                tmp_path,
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE,
                0o644,
                OpenType::File,
            )
            .map_err(|e| map_ssh(e, &format!("cannot create {tmp}")))?;
        let mut buf = vec![0u8; cfg.write_chunk];
        let mut done = 0u64;
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(Error::io(
                    "upload cancelled",
                    std::io::Error::other("cancelled"),
                ));
            }
            let n = read_full(&mut src, &mut buf)
                .map_err(|e| Error::io(format!("cannot read {}", local.display()), e))?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n])
                .map_err(|e| map_file_io(e, "write failed on", tmp_path))?;
            done += n as u64;
            if let Some(cb) = progress {
                cb(Progress {
                    done,
                    total: Some(total),
                    resumes: 0,
                });
            }
        }
        // fsync@openssh.com: a server without it answers OP_UNSUPPORTED (the size check below
        // is then the only guard); any other answer is a failed upload, never ignored.
        match file.fsync() {
            Ok(()) => {}
            Err(e) if e.code() == ssh2::ErrorCode::SFTP(8) => {
                tracing::debug!(tmp, "server does not support fsync@openssh.com");
            }
            Err(e) => return Err(map_ssh(e, &format!("cannot fsync {tmp}"))),
        }
        // The close answer can carry a deferred write error: not dropped unread.
        file.close()
            .map_err(|e| map_ssh(e, &format!("cannot close {tmp}")))?;
        let size = conn
            .sftp
            .stat(tmp_path)
            .map_err(|e| map_ssh(e, &format!("cannot stat {tmp}")))?
            .size;
        if size != Some(done) {
            return Err(Error::io(
                format!("{tmp}: wrote {done} bytes but the server reports {size:?}"),
                std::io::Error::other("size mismatch"),
            ));
        }
        rename_into_place(&conn, tmp_path, remote_path, overwrite)?;
        Ok(done)
    })();
    match result {
        Ok(done) => Ok(TransferReport {
            wire_bytes: done,
            written_bytes: done,
            resumes: 0,
            elapsed: started.elapsed(),
        }),
        Err(e) => {
            let _ = conn.sftp.unlink(tmp_path);
            Err(e)
        }
    }
}

fn rename_into_place(conn: &Conn, tmp: &Path, dst: &Path, overwrite: bool) -> Result<()> {
    let flags = RenameFlags::ATOMIC
        | RenameFlags::NATIVE
        | if overwrite {
            RenameFlags::OVERWRITE
        } else {
            RenameFlags::empty()
        };
    match conn.sftp.rename(tmp, dst, Some(flags)) {
        Ok(()) => Ok(()),
        // SFTP v3 servers (OpenSSH) refuse to rename onto an existing file: remove it first.
        // Not atomic: for a moment the destination does not exist (see docs/platforms/sftp.md).
        Err(first) if overwrite && conn.sftp.stat(dst).is_ok() => {
            conn.sftp
                .unlink(dst)
                .map_err(|e| map_ssh(e, &format!("cannot replace {}", dst.display())))?;
            conn.sftp.rename(tmp, dst, Some(flags)).map_err(|e| {
                tracing::debug!(error = %first, "first rename failed");
                map_ssh(
                    e,
                    &format!("cannot rename {} to {}", tmp.display(), dst.display()),
                )
            })
        }
        Err(e) => Err(map_ssh(
            e,
            &format!("cannot rename {} to {}", tmp.display(), dst.display()),
        )),
    }
}

/// `dir/.name.<random>.part`: hidden, in the same directory so the rename stays on one disk.
pub(crate) fn temp_name(remote: &str) -> String {
    let (dir, name) = match remote.rfind('/') {
        Some(i) => (&remote[..=i], &remote[i + 1..]),
        None => ("", remote),
    };
    format!("{dir}.{name}.{:08x}.part", fastrand::u32(..))
}

fn read_full(src: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_hidden_siblings() {
        let t = temp_name("/in/catalog.csv");
        assert!(
            t.starts_with("/in/.catalog.csv.") && t.ends_with(".part"),
            "{t}"
        );
        let t = temp_name("x.csv");
        assert!(t.starts_with(".x.csv.") && t.ends_with(".part"), "{t}");
    }

    #[test]
    fn pooled_chunks_return_their_buffer_and_short_ones_are_copied() {
        let pool = BufferPool::new(1024, 2);
        let mut buf = pool.take();
        assert_eq!(buf.len(), 1024);
        buf[..5].copy_from_slice(b"hello");
        buf[1023] = 7;
        let full = pool.freeze(buf, 1024);
        assert_eq!(&full[..5], b"hello");
        assert_eq!(full.len(), 1024);
        assert_eq!(
            pool.idle(),
            0,
            "the buffer belongs to the chunk while it lives"
        );
        let clone = full.slice(1000..);
        drop(full);
        assert_eq!(pool.idle(), 0, "a slice still holds it");
        assert_eq!(clone[23], 7);
        drop(clone);
        assert_eq!(pool.idle(), 1, "back in the pool after the last reference");

        // A short chunk (end of file) is copied: the buffer returns at once.
        let mut buf = pool.take();
        assert_eq!(pool.idle(), 0);
        buf[..3].copy_from_slice(b"end");
        let short = pool.freeze(buf, 3);
        assert_eq!(&short[..], b"end");
        assert_eq!(pool.idle(), 1);

        // The pool keeps at most `max_free` idle buffers, and chunks may outlive it.
        let (a, b, c) = (pool.take(), pool.take(), pool.take());
        let chunks: Vec<Bytes> = [a, b, c].into_iter().map(|v| pool.freeze(v, 512)).collect();
        drop(chunks);
        assert_eq!(pool.idle(), 2);
        let orphan = pool.freeze(pool.take(), 1024);
        drop(pool);
        assert_eq!(orphan.len(), 1024);
    }

    #[test]
    fn channel_reader_reassembles_chunks_and_keeps_the_error() {
        let (tx, rx) = mpsc::channel(8);
        tx.try_send(Ok(Bytes::from_static(b"hello "))).unwrap();
        tx.try_send(Ok(Bytes::from_static(b"world"))).unwrap();
        tx.try_send(Err(Error::transient("dropped"))).unwrap();
        let mut r = ChannelReader::new(rx);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, b"hello world");
        assert!(err.to_string().contains("dropped"));
        assert!(r.take_error().unwrap().is_retryable());
    }
}
