//! [`CatalogRows`]: the synchronous, single-threaded row reader over any `std::io::Read`.

use std::io::Read;
use std::sync::Arc;

use connector_core::Error;

use super::layout::{self, Layout, Peeked};
use super::options::CatalogOptions;
use super::row::{CatalogRow, RowError, RowRef, decode};
use super::splitter::{Placed, RecordBuf, SplitError, Splitter};

/// A synchronous iterator over the rows of one file (owned [`CatalogRow`]s), with
/// [`CatalogRows::next_ref`] for borrowed rows. One record buffer is reused.
pub struct CatalogRows<R: Read> {
    source: Source<R>,
    record: RecordBuf,
    layout: Arc<Layout>,
}

/// A progress callback: (rows read, bytes read).
pub(crate) type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The input side: splitter, counts, progress.
pub(crate) struct Source<R: Read> {
    splitter: Splitter<Peeked<R>>,
    file: String,
    /// Header names as written, for the column of a malformed record.
    headers: Vec<String>,
    progress: Option<ProgressFn>,
    progress_every: u64,
    read: u64,
}

impl<R: Read> std::fmt::Debug for CatalogRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogRows")
            .field("file", &self.source.file)
            .field("read", &self.source.read)
            .finish_non_exhaustive()
    }
}

/// Reads the header of `input` and returns the row iterator. `file` names the source in
/// errors. Fails only if the header cannot be read or has no offer id column.
pub fn read_rows<R: Read>(
    input: R,
    file: &str,
    options: &CatalogOptions,
) -> Result<CatalogRows<R>, Error> {
    let (splitter, layout) = layout::open(input, file, options)?;
    Ok(CatalogRows {
        source: Source::new(
            splitter,
            file,
            layout.headers.clone(),
            options.progress.clone(),
            options.progress_every,
        ),
        record: RecordBuf::with_room(4096),
        layout: Arc::new(layout),
    })
}

impl<R: Read> CatalogRows<R> {
    /// The header names as written in the file (BOM removed).
    pub fn headers(&self) -> &[String] {
        &self.layout.headers
    }

    /// Bytes of input consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.source.splitter.consumed()
    }

    /// Data rows read so far (malformed ones included).
    pub fn rows_read(&self) -> u64 {
        self.source.read
    }

    /// The input side and the layout, for the two-thread import.
    pub(crate) fn into_parts(self) -> (Source<R>, Arc<Layout>) {
        (self.source, self.layout)
    }

    /// The next row, borrowed from the reader's buffer: no allocation per row. For callers that
    /// write rows into their own store; the `Iterator` gives owned [`CatalogRow`]s.
    pub fn next_ref(&mut self) -> Option<Result<RowRef<'_>, RowError>> {
        self.record.clear();
        match self.source.advance_into(&mut self.record)? {
            Ok(p) => {
                let raw = self.record.raw(&p);
                Some(decode(raw, &self.layout, &self.source.file))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl<R: Read> Source<R> {
    /// The input side of `file`, reporting progress every `progress_every` rows.
    pub(crate) fn new(
        splitter: Splitter<Peeked<R>>,
        file: &str,
        headers: Vec<String>,
        progress: Option<ProgressFn>,
        progress_every: u64,
    ) -> Self {
        Self {
            splitter,
            file: file.to_string(),
            headers,
            progress,
            progress_every,
            read: 0,
        }
    }

    /// Data rows read so far (malformed ones included).
    pub(crate) fn rows_read(&self) -> u64 {
        self.read
    }

    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.splitter.consumed()
    }

    /// Appends the next record to `out` (counted, progress reported). `Err` is a row that
    /// cannot be given (too long) or a read error, after which the input is over.
    pub(crate) fn advance_into(&mut self, out: &mut RecordBuf) -> Option<Result<Placed, RowError>> {
        let next = self.splitter.next_record(out)?;
        self.read += 1;
        if let Some(p) = &self.progress
            && self.read.is_multiple_of(self.progress_every)
        {
            p(self.read, self.bytes_read());
        }
        Some(next.map_err(|e| {
            let (line, column, reason) = match e {
                SplitError::Io(e) => (
                    0,
                    None,
                    format!("read error after byte {}: {e}", self.bytes_read()),
                ),
                SplitError::TooLong { line } => (line, None, "is longer than 4 GiB".to_string()),
                SplitError::Malformed {
                    line,
                    field,
                    reason,
                } => (
                    line,
                    field.map(|f| {
                        self.headers
                            .get(f)
                            .cloned()
                            .unwrap_or_else(|| format!("#{} (beyond the header)", f + 1))
                    }),
                    reason,
                ),
            };
            RowError {
                file: self.file.clone(),
                line,
                column,
                reason,
            }
        }))
    }
}

impl<R: Read> Iterator for CatalogRows<R> {
    type Item = Result<CatalogRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_ref().map(|r| r.map(|row| row.to_owned_row()))
    }
}
