//! The two-stage import: one thread splits the CSV into records, the calling thread decodes
//! and maps them. Records travel in recycled batches, so nothing is allocated per row and
//! memory stays flat (at most [`BATCHES`] batches of about [`BATCH_BYTES`] exist).

use std::io::Read;
use std::sync::mpsc;

use connector_core::Error;

use super::ImportReport;
use super::options::CatalogOptions;
use super::reader::Source;
use super::row::{RawRecord, RowError, RowRef, decode};
use super::seen::OfferIds;
use super::splitter::{Placed, RecordBuf};

/// Records per batch, at most.
const BATCH_ROWS: usize = 1024;
/// A batch is handed over once its text reaches this size.
const BATCH_BYTES: usize = 256 * 1024;
/// Batches in circulation (being filled, queued, being consumed).
const BATCHES: usize = 4;

/// One record of a batch, or the error the reader reported in its place.
enum Slot {
    Record(Placed),
    Error(RowError),
}

struct Batch {
    records: RecordBuf,
    slots: Vec<Slot>,
}

impl Batch {
    fn new() -> Self {
        Self {
            records: RecordBuf::with_room(BATCH_BYTES + BATCH_BYTES / 4),
            slots: Vec::with_capacity(BATCH_ROWS),
        }
    }

    fn clear(&mut self) {
        self.records.clear();
        self.slots.clear();
    }

    fn is_full(&self) -> bool {
        self.slots.len() >= BATCH_ROWS || self.records.used() >= BATCH_BYTES
    }
}

/// The splitting stage: fills batches from `source` until the input ends or the consumer left.
fn split<R: Read>(
    mut source: Source<R>,
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
) {
    let mut batch = Batch::new();
    while let Some(next) = source.advance_into(&mut batch.records) {
        batch.slots.push(match next {
            Ok(placed) => Slot::Record(placed),
            Err(e) => Slot::Error(e),
        });
        if batch.is_full() {
            if full.send(batch).is_err() {
                return;
            }
            batch = match empty.recv() {
                Ok(b) => b,
                Err(_) => return,
            };
        }
    }
    if !batch.slots.is_empty() {
        let _ = full.send(batch);
    }
}

/// Reads every row of `input` and hands each decoded row to `on_row`, which may reject it
/// (counted and reported like a malformed row). Rows arrive in file order on the calling
/// thread; the CSV is split on a second thread meanwhile. A row repeating the offer id of an
/// earlier row handed on is rejected when the options say so.
pub(crate) fn run<R, F>(
    input: R,
    file: &str,
    options: &CatalogOptions,
    mut on_row: F,
) -> Result<ImportReport, Error>
where
    R: Read + Send,
    F: FnMut(RowRef<'_>) -> Result<(), RowError>,
{
    let (source, layout) = super::read_rows(input, file, options)?.into_parts();
    let file = source.file().to_string();
    let mut seen = options.detect_duplicate_offer_ids.then(OfferIds::default);
    let mut duplicates = 0u64;
    let mut report = run_records(source, options.max_errors_kept, |raw| {
        let row = decode(raw, &layout, &file)?;
        let Some(seen) = seen.as_mut() else {
            return on_row(row);
        };
        let id = row.offer_id();
        let key = seen.key(id);
        if seen.contains(&key) {
            duplicates += 1;
            return Err(RowError {
                file: file.clone(),
                line: row.line(),
                column: layout.headers.get(layout.offer_id).cloned(),
                reason: format!("`{id}` is the offer id of an earlier row: this row is skipped"),
            });
        }
        // A rejected row does not take its id.
        on_row(row)?;
        seen.insert(key);
        Ok(())
    })?;
    report.duplicate_offer_ids = duplicates;
    Ok(report)
}

/// The two-stage loop over any file of the catalog set: `source` is split on a second thread,
/// and `on_record` checks, decodes and consumes each record on the calling thread (an `Err` is
/// counted as rejected). At most `max_errors_kept` errors are kept in the report.
pub(crate) fn run_records<R, F>(
    source: Source<R>,
    max_errors_kept: usize,
    mut on_record: F,
) -> Result<ImportReport, Error>
where
    R: Read + Send,
    F: FnMut(RawRecord<'_>) -> Result<(), RowError>,
{
    let mut report = ImportReport::default();
    let reject = |report: &mut ImportReport, e: RowError| {
        report.rejected += 1;
        tracing::debug!(error = %e, "catalog row skipped");
        if report.errors.len() < max_errors_kept {
            report.errors.push(e);
        }
    };
    std::thread::scope(|scope| -> Result<(), Error> {
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES - 2);
        let (empty_tx, empty_rx) = mpsc::sync_channel::<Batch>(BATCHES);
        for _ in 0..BATCHES - 2 {
            let _ = empty_tx.send(Batch::new());
        }
        std::thread::Builder::new()
            .name("catalog-split".into())
            .spawn_scoped(scope, move || split(source, full_tx, empty_rx))
            .map_err(|e| Error::io("starting the catalog parser thread", e))?;
        for mut batch in full_rx {
            for slot in batch.slots.drain(..) {
                report.read += 1;
                let record = match slot {
                    Slot::Error(e) => Err(e),
                    Slot::Record(p) => on_record(batch.records.raw(&p)),
                };
                match record {
                    Ok(()) => report.mapped += 1,
                    Err(e) => reject(&mut report, e),
                }
            }
            batch.clear();
            // The splitter may have finished: then nobody needs the batch back.
            let _ = empty_tx.send(batch);
        }
        Ok(())
    })?;
    Ok(report)
}
