//! The values the transport hands back and the per-transfer options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// What kind of directory entry a [`RemoteEntry`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else (device, socket, pipe) or not reported by the server.
    Other,
}

/// One file or directory on the server, from [`crate::SftpClient::list`] or
/// [`crate::SftpClient::stat`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteEntry {
    /// The file name (last path segment).
    pub name: String,
    /// The full remote path.
    pub path: String,
    /// Size in bytes, when the server reports it.
    pub size: Option<u64>,
    /// Last modification time, when the server reports it.
    pub modified: Option<DateTime<Utc>>,
    /// File, directory, link...
    pub kind: EntryKind,
}

impl RemoteEntry {
    /// Whether this is a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Directory
    }
}

/// Transfer progress passed to a [`ProgressFn`]: bytes moved over the wire so far and the
/// remote size when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes transferred so far (compressed bytes for `.gz` files).
    pub done: u64,
    /// Total bytes, when the server reported the size.
    pub total: Option<u64>,
    /// How many times the transfer reconnected so far.
    pub resumes: u32,
}

/// A progress callback. Called from the transfer's blocking thread after every chunk: keep it
/// cheap and non-blocking.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Whether to gunzip a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Decompression {
    /// Hand over the bytes exactly as stored (default).
    #[default]
    None,
    /// Gunzip when the remote name ends in `.gz`, else hand over the bytes as stored.
    GzipIfGzExtension,
    /// Always gunzip.
    Gzip,
}

impl Decompression {
    pub(crate) fn applies_to(self, path: &str) -> bool {
        match self {
            Self::None => false,
            Self::Gzip => true,
            Self::GzipIfGzExtension => path.to_ascii_lowercase().ends_with(".gz"),
        }
    }
}

/// Options for one download.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Gzip decompression.
    pub decompression: Decompression,
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("decompression", &self.decompression)
            .finish()
    }
}

impl DownloadOptions {
    /// Bytes as stored, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` after every chunk.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sets the gzip decompression.
    pub fn decompression(mut self, d: Decompression) -> Self {
        self.decompression = d;
        self
    }
}

/// Options for one upload.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Replace an existing file at the destination (default `true`). When `false`, an existing
    /// file is a [`connector_core::Error::Conflict`].
    pub overwrite: Option<bool>,
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("overwrite", &self.overwrite)
            .finish()
    }
}

impl UploadOptions {
    /// Overwrite allowed, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` after every chunk.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Whether an existing destination may be replaced.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = Some(overwrite);
        self
    }
}

/// What a finished transfer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferReport {
    /// Bytes moved over the wire (the remote file size for a verified download).
    pub wire_bytes: u64,
    /// Bytes written to the destination (differs from `wire_bytes` when gunzipping).
    pub written_bytes: u64,
    /// How many times the transfer reconnected and continued.
    pub resumes: u32,
    /// Wall-clock time of the transfer.
    pub elapsed: Duration,
}

impl TransferReport {
    /// Wire throughput in MB/s (10^6 bytes per second).
    pub fn megabytes_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs == 0.0 {
            0.0
        } else {
            self.wire_bytes as f64 / 1e6 / secs
        }
    }
}

/// Options for [`crate::SftpClient::csv_records`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CsvOptions {
    /// Field delimiter (default `,`; Accor's catalog uses `;`).
    pub delimiter: u8,
    /// Whether the first line holds the column names used to map fields (default `true`).
    pub has_headers: bool,
    /// Whether records may have different numbers of fields (default `false`).
    pub flexible: bool,
    /// Gzip handling (default: gunzip when the name ends in `.gz`).
    pub decompression: Decompression,
    /// Records buffered between the parser and the consumer (default 1024).
    pub buffer_records: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            has_headers: true,
            flexible: false,
            decompression: Decompression::GzipIfGzExtension,
            buffer_records: 1024,
        }
    }
}

impl CsvOptions {
    /// Comma-separated with a header line, `.gz` gunzipped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the delimiter.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }

    /// Sets whether the first line is a header.
    pub fn has_headers(mut self, yes: bool) -> Self {
        self.has_headers = yes;
        self
    }

    /// Allows records with different field counts.
    pub fn flexible(mut self, yes: bool) -> Self {
        self.flexible = yes;
        self
    }

    /// Sets the gzip handling.
    pub fn decompression(mut self, d: Decompression) -> Self {
        self.decompression = d;
        self
    }
}
