//! Catalog import straight from SFTP: parsing overlaps the download, no local copy.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use connector_core::{Error, Offer};

use super::options::CatalogOptions;
use super::{ImportReport, RowRef, for_each_row, import_reader};

/// The download as a blocking `Read` (used on a blocking thread). With a `stop` flag, reading
/// fails once the flag is set (the caller's consumer went away), which ends the import and,
/// as the reader is dropped, the download.
pub(crate) struct StreamReader {
    inner: connector_sftp::BlockingReader,
    stop: Option<Arc<AtomicBool>>,
}

impl Read for StreamReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the consumer of the offers stopped listening",
            ));
        }
        self.inner.read(out)
    }
}

/// Imports `remote_path` over SFTP while it downloads (no local copy; `.gz` files are
/// gunzipped). `on_offer` runs on a blocking thread. Memory stays flat: the transport keeps a
/// few 2 MiB chunks in flight, the parser one record.
pub async fn import_sftp(
    sftp: &connector_sftp::SftpClient,
    remote_path: &str,
    options: &CatalogOptions,
    on_offer: impl FnMut(Offer) + Send + 'static,
) -> Result<ImportReport, Error> {
    let options = options.clone();
    import_streamed(sftp, remote_path, None, move |reader, name| {
        import_reader(reader, name, &options, on_offer)
    })
    .await
}

/// [`for_each_row`] over SFTP: typed rows of `remote_path`, borrowed, while it downloads (no
/// local copy; `.gz` files are gunzipped). `on_row` runs on a blocking thread; call
/// [`RowRef::to_owned_row`] to keep a row. The fastest way in for callers with their own store.
pub async fn for_each_row_sftp(
    sftp: &connector_sftp::SftpClient,
    remote_path: &str,
    options: &CatalogOptions,
    on_row: impl FnMut(RowRef<'_>) + Send + 'static,
) -> Result<ImportReport, Error> {
    let options = options.clone();
    import_streamed(sftp, remote_path, None, move |reader, name| {
        for_each_row(reader, name, &options, on_row)
    })
    .await
}

/// Downloads `remote_path` and hands it, as a blocking `Read`, to `import` on a blocking
/// thread with the file's name (its last path segment): parsing overlaps the download. Setting
/// `stop` ends the reading (and so the import and the download) early.
pub(crate) async fn import_streamed<F>(
    sftp: &connector_sftp::SftpClient,
    remote_path: &str,
    stop: Option<Arc<AtomicBool>>,
    import: F,
) -> Result<ImportReport, Error>
where
    F: FnOnce(StreamReader, &str) -> Result<ImportReport, Error> + Send + 'static,
{
    let stream = sftp.download_stream(remote_path).await?;
    let name = remote_path
        .rsplit('/')
        .next()
        .unwrap_or(remote_path)
        .to_string();
    tokio::task::spawn_blocking(move || {
        let reader = StreamReader {
            inner: stream.into_blocking_reader(),
            stop,
        };
        import(reader, &name)
    })
    .await
    .map_err(|e| Error::io(format!("import task of {remote_path} failed"), e))?
}

/// Streams the offers of `remote_path` as they are parsed (a bounded channel of 1,024 offers
/// keeps memory flat when the consumer is slower). Rejected rows are logged (`tracing`) and
/// skipped; use [`import_sftp`] for the counts and row errors. Dropping the stream stops the
/// import and the download soon after (what is already in flight is discarded).
pub fn offer_stream_sftp(
    sftp: connector_sftp::SftpClient,
    remote_path: String,
    options: CatalogOptions,
) -> connector_core::ResultStream<'static, Offer> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Offer, Error>>(1024);
    tokio::spawn(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let (sink, flag) = (tx.clone(), Arc::clone(&stop));
        let result = import_streamed(
            &sftp,
            &remote_path,
            Some(Arc::clone(&stop)),
            move |reader, name| {
                import_reader(reader, name, &options, move |offer| {
                    if sink.blocking_send(Ok(offer)).is_err() {
                        flag.store(true, Ordering::Relaxed);
                    }
                })
            },
        )
        .await;
        match result {
            Ok(_) if stop.load(Ordering::Relaxed) => {
                tracing::debug!(file = %remote_path, "catalog stream dropped by its consumer: import stopped");
            }
            Ok(report) => tracing::info!(%report, file = %remote_path, "catalog imported"),
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
