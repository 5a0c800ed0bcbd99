//! # connector-sftp
//!
//! The SFTP transport of the `erp-connectors` SDK: fast, resumable, verified downloads and
//! atomic uploads, for platforms that deliver files over SFTP (Accor's daily catalog).
//!
//! It is built on libssh2 (the `ssh2` crate, linked against the system OpenSSL) behind an async
//! facade:
//!
//! * every libssh2 call runs on `tokio::task::spawn_blocking`, never on the async runtime;
//! * every operation opens its own session, so concurrent transfers do not serialize on one
//!   session; each session has an explicit timeout ([`SftpConfig::session_timeout`]);
//! * downloads read into 2 MiB buffers (libssh2 keeps about 4x the read size in flight, so the
//!   read size decides the throughput on links with latency) and uploads write 4 MiB chunks;
//! * the server is verified before any credential is sent: an OpenSSH `known_hosts` file or a
//!   pinned `SHA256:` fingerprint ([`HostKeyPolicy`]); accepting any key takes the loudly named
//!   [`HostKeyPolicy::InsecureAcceptAny`];
//! * passwords, private keys and passphrases are [`secrecy::SecretString`]s and never appear in
//!   `Debug` output, logs or errors;
//! * a dropped connection is resumed from the last offset ([`ResumePolicy`]), the final size is
//!   verified, and progress is reported through a callback ([`DownloadOptions::progress`]);
//! * downloads to a path are written to a temporary file and renamed, so a failed or cancelled
//!   download leaves nothing at the destination; uploads do the same on the server.
//!
//! | operation | method |
//! | --- | --- |
//! | connect and check | [`SftpClient::connect`], [`SftpClient::check`] |
//! | list a directory (name, size, mtime) | [`SftpClient::list`] |
//! | stat a file | [`SftpClient::stat`] |
//! | download as a byte `Stream` | [`SftpClient::download_stream`], [`SftpClient::download_stream_with`] |
//! | download to a local path | [`SftpClient::download_to`], [`SftpClient::download_to_with`] |
//! | upload (temporary name, then rename) | [`SftpClient::upload`], [`SftpClient::upload_with`] |
//! | stream a CSV file into typed records | [`SftpClient::csv_records`] |
//!
//! Errors are [`connector_core::Error`]s: a refused password or key is
//! [`Error::Auth`](connector_core::Error::Auth), an unknown or changed host key
//! [`Error::Config`](connector_core::Error::Config) (with both fingerprints), a missing file
//! `NotFound`, a lost connection `Transient` (retryable), local file problems `Io`. No ssh2 type
//! appears in the public API.
//!
//! ## Speed: build against the patched libssh2
//!
//! Stock libssh2 does its own ChaCha20/Poly1305 in portable C and calls OpenSSL once per 16-byte
//! AES block, which makes its crypto the bottleneck on a fast link. This repository carries a
//! patched copy (`vendor/libssh2-sys`, see its `PATCHES.md`) that uses OpenSSL for both: 1.5-4x
//! less client CPU, and loopback downloads 1.4-1.9x OpenSSH's `sftp` instead of level with it.
//! A `[patch]` applies only to the workspace that declares it, so an application adds
//!
//! ```toml
//! [patch.crates-io]
//! libssh2-sys = { git = "<this repository>" }   # or a path to its vendor/libssh2-sys
//! ```
//!
//! to its own workspace `Cargo.toml`. [`PATCHED_LIBSSH2`] tells whether a build has it; with it,
//! and a CPU with AES instructions, the default cipher order puts AES-GCM first (see
//! [`SftpConfig::ciphers`]). Without it everything works the same, at stock libssh2's speed.
//!
//! ## Example: import a catalog CSV
//!
//! ```no_run
//! use connector_sftp::{CsvOptions, DownloadOptions, SftpClient, SftpConfig};
//! use futures::StreamExt;
//! use secrecy::SecretString;
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Row {
//!     sku: String,
//!     title: String,
//! }
//!
//! # #[tokio::main] async fn main() -> Result<(), connector_core::Error> {
//! let config = SftpConfig::builder("sftp.example.com")
//!     .username("catalog")
//!     .password(SecretString::from("from-your-vault".to_string()))
//!     .host_key_fingerprint("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")
//!     .build()?;
//! let sftp = SftpClient::connect(config).await?;
//!
//! for file in sftp.list("/outgoing").await? {
//!     println!("{} {:?} bytes, modified {:?}", file.name, file.size, file.modified);
//! }
//!
//! // A verified copy on disk, with progress.
//! let report = sftp
//!     .download_to_with(
//!         "/outgoing/hotels.csv",
//!         "hotels.csv",
//!         &DownloadOptions::new().progress(|p| eprintln!("{} / {:?}", p.done, p.total)),
//!     )
//!     .await?;
//! println!("{:.0} MB/s", report.megabytes_per_second());
//!
//! // Or parse while downloading (gunzipped because of the `.gz` name).
//! let mut rows = sftp
//!     .csv_records::<Row>("/outgoing/catalog.csv.gz", &CsvOptions::new().delimiter(b';'))
//!     .await?;
//! while let Some(row) = rows.next().await {
//!     match row {
//!         Ok(row) => println!("{row:?}"),
//!         Err(e) if e.is_retryable() => return Err(e), // the transfer failed for good
//!         Err(e) => eprintln!("skipped a bad record: {e}"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! See `docs/platforms/sftp.md` for the flow, the defaults and the open questions, and
//! `docs/performance.md` for measured throughput.

mod auth;
mod ciphers;
mod client;
mod config;
mod csv;
mod model;
mod session;
mod transfer;

pub use auth::{HostKeyPolicy, SftpAuth};
pub use ciphers::PATCHED_LIBSSH2;
pub use client::{BlockingReader, ByteStream, RecordStream, SftpClient};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PORT, DEFAULT_READ_CHUNK, DEFAULT_SESSION_TIMEOUT,
    DEFAULT_WRITE_CHUNK, ENV_PREFIX, ResumePolicy, SftpConfig, SftpConfigBuilder,
};
pub use model::{
    CsvOptions, Decompression, DownloadOptions, EntryKind, Progress, ProgressFn, RemoteEntry,
    TransferReport, UploadOptions,
};
