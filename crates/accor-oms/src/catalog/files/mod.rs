//! Typed readers for Accor's other catalog files: companies (hotels), addresses, suppliers
//! (shops), pricing deals and delivery calendars.
//!
//! Accor says these files exist ("refreshed every day", next to the catalog) but not their
//! column names, delimiter, encoding or file names. The layouts here are **our documented
//! guesses** (Mirakl names and common variants, see `docs/platforms/accor-oms.md`), and every
//! one is configurable: [`FileOptions::aliases`] replaces the header names of any field.
//!
//! The files are read like the catalog (same splitter, same rules):
//!
//! * columns found by header name, in any order, compared after lower-casing and dropping
//!   `-`, `_` and spaces; each field has a few aliases ([`FieldSpec`]); a column serves one
//!   field at most; unknown columns are kept (`extra`); two columns with the same name are
//!   refused;
//! * the delimiter, encoding, compression, line ends, quoting and numbers are handled as for
//!   the catalog (see [the catalog's promise](super#the-promise)): gzip gunzipped, UTF-16 and
//!   Latin-1 refused, numbers that could be read two ways refused ([`NumberFormat`]);
//! * a malformed row (field count, invalid UTF-8, a quote problem, an empty required field, a
//!   bad number or date) is reported as a [`RowError`] (file, line, column, reason) and
//!   skipped; a file without a required column is refused up front;
//! * streamed: memory stays flat whatever the file size; progress is reported.
//!
//! | call | gives |
//! | --- | --- |
//! | [`import_sftp`], [`import_file`], [`import_reader`] | typed records, an [`ImportReport`]; the CSV is split on a second thread |
//! | [`read_file`] | a pull iterator of typed records, or borrowed [`FileRow`]s ([`FileRecords::next_row`]) |
//!
//! The record types: [`Company`], [`Address`], [`Supplier`], [`PricingDeal`],
//! [`DeliveryCalendarEntry`]. Implement [`FileRecord`] for a type of your own to read another
//! file the same way.
//!
//! ```
//! use accor_oms::catalog::files::{self, AddressKind, Address, FileOptions};
//!
//! let csv = "\u{feff}City;Address-Type;Mega Code;Address Id;Zip Code;Door code\r\n\
//!            Paris;shipping;HB1624;A-1;75015;\"12A; back door\"\r\n\
//!            Lyon;billing;HB1624;;69002;\r\n";
//! let mut addresses = Vec::new();
//! let report = files::import_reader(csv.as_bytes(), "addresses.csv", &FileOptions::new(), |a: Address| {
//!     addresses.push(a)
//! })?;
//! assert_eq!((report.read, report.mapped, report.rejected), (2, 1, 1));
//! assert_eq!(report.errors[0].to_string(), "addresses.csv:3 column `Address Id`: is empty");
//! assert_eq!(addresses[0].kind, Some(AddressKind::Shipping));
//! assert_eq!(addresses[0].company_id.as_deref(), Some("HB1624"));
//! assert_eq!(addresses[0].extra["Door code"], "12A; back door");
//! # Ok::<(), connector_core::Error>(())
//! ```

mod records;
mod row;

use std::collections::BTreeMap;
use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use connector_core::Error;

use super::ImportReport;
use super::layout::{self, normalize};
use super::number::NumberFormat;
use super::pipeline;
use super::reader::{ProgressFn, Source};
use super::row::{RawRecord, RowError};
use super::splitter::RecordBuf;

pub use records::{Address, AddressKind, Company, DeliveryCalendarEntry, PricingDeal, Supplier};
pub use row::{FieldError, FieldSpec, FileRow};

use row::FieldLayout;

/// A record type of one file of the catalog set: its fields (with the header names each is
/// read from) and how a row becomes a record.
pub trait FileRecord: Sized {
    /// The kind of file (`"companies"`), in messages and as the key of per-kind settings.
    const KIND: &'static str;
    /// The file name assumed when none is configured (Accor's names are not public).
    const DEFAULT_FILE_NAME: &'static str;
    /// The fields; [`FileRow`] reads them by their index in this list. Required fields are
    /// checked (not empty) before [`FileRecord::decode`] is called.
    const FIELDS: &'static [FieldSpec];
    /// Decodes one checked row.
    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError>;
}

/// Options of a catalog-set file import: delimiter, header aliases, error and progress
/// reporting. One value can serve every kind of file (aliases are kept per kind).
#[derive(Clone)]
#[non_exhaustive]
pub struct FileOptions {
    /// Forced delimiter; `None` takes it from an Excel `sep=X` first line, else sniffs `;`,
    /// `,`, tab or `|` from the header line (outside quotes; a tie is refused).
    pub delimiter: Option<u8>,
    /// How `.` and `,` in numbers are read (default [`NumberFormat::Auto`]: a value that could
    /// be read two ways is a row error).
    pub number_format: NumberFormat,
    /// Accept a last row with no line end after it (default `false`: it is rejected, since
    /// a file cut short looks just like that).
    pub allow_unterminated_last_row: bool,
    /// Header names per kind ([`FileRecord::KIND`]) and field, replacing the defaults
    /// (normalised: lower case, `_` for `-` and spaces). Set with [`FileOptions::aliases`].
    pub aliases: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// At most this many row errors are kept in the report (all are counted). Default 1,000.
    pub max_errors_kept: usize,
    /// Called every `progress_every` rows with (rows read, bytes read).
    pub progress: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
    /// Progress period in rows (default 100,000).
    pub progress_every: u64,
}

impl std::fmt::Debug for FileOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileOptions")
            .field("delimiter", &self.delimiter.map(char::from))
            .field("number_format", &self.number_format)
            .field(
                "allow_unterminated_last_row",
                &self.allow_unterminated_last_row,
            )
            .field("aliases", &self.aliases)
            .field("max_errors_kept", &self.max_errors_kept)
            .field("progress", &self.progress.is_some())
            .field("progress_every", &self.progress_every)
            .finish()
    }
}

impl Default for FileOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            number_format: NumberFormat::Auto,
            allow_unterminated_last_row: false,
            aliases: BTreeMap::new(),
            max_errors_kept: 1000,
            progress: None,
            progress_every: 100_000,
        }
    }
}

impl FileOptions {
    /// Defaults: sniffed delimiter, default aliases.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forces the delimiter.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = Some(d);
        self
    }

    /// Sets how `.` and `,` in numbers are read.
    pub fn number_format(mut self, format: NumberFormat) -> Self {
        self.number_format = format;
        self
    }

    /// Accepts (or not) a last row without a line end after it.
    pub fn allow_unterminated_last_row(mut self, allow: bool) -> Self {
        self.allow_unterminated_last_row = allow;
        self
    }

    /// Reads field `field` of `T` from the headers `names` (first found wins) instead of the
    /// default aliases. Names are normalised. A field `T` does not have makes the import fail
    /// with [`Error::Config`] listing `T`'s fields.
    pub fn aliases<T: FileRecord>(mut self, field: &str, names: &[&str]) -> Self {
        self.aliases.entry(T::KIND.to_string()).or_default().insert(
            field.to_string(),
            names.iter().map(|n| normalize(n)).collect(),
        );
        self
    }

    /// Keeps at most `n` row errors in the report.
    pub fn max_errors_kept(mut self, n: usize) -> Self {
        self.max_errors_kept = n;
        self
    }

    /// Reports progress every `every` rows.
    pub fn progress(mut self, every: u64, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        let f: ProgressFn = Arc::new(f);
        self.progress = Some(f);
        self.progress_every = every.max(1);
        self
    }
}

/// Reads the header of `input` and finds `T`'s columns.
fn open<T: FileRecord, R: Read>(
    input: R,
    file: &str,
    options: &FileOptions,
) -> Result<(Source<R>, FieldLayout), Error> {
    let rules = layout::ReadRules {
        delimiter: options.delimiter,
        allow_unterminated_last_row: options.allow_unterminated_last_row,
    };
    let (splitter, header) = layout::open_header(input, file, rules)?;
    let layout = FieldLayout::new(
        T::KIND,
        T::FIELDS,
        options.aliases.get(T::KIND),
        header,
        options.number_format,
        file,
    )?;
    let source = Source::new(
        splitter,
        file,
        layout.headers.clone(),
        options.progress.clone(),
        options.progress_every,
    );
    Ok((source, layout))
}

/// Checks and decodes one record.
fn decode<T: FileRecord>(
    layout: &FieldLayout,
    raw: RawRecord<'_>,
    file: &str,
) -> Result<T, RowError> {
    let row = layout.row(raw, file)?;
    T::decode(&row).map_err(|e| layout.row_error(e, raw.line, file))
}

/// A synchronous iterator over the records of one file (`Result<T, RowError>`, malformed rows
/// as `Err`), with [`FileRecords::next_row`] for borrowed rows. One record buffer is reused.
pub struct FileRecords<R: Read, T> {
    source: Source<R>,
    record: RecordBuf,
    layout: FieldLayout,
    file: String,
    _record: PhantomData<fn() -> T>,
}

impl<R: Read, T> std::fmt::Debug for FileRecords<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRecords")
            .field("kind", &self.layout.kind)
            .field("file", &self.file)
            .field("read", &self.source.rows_read())
            .finish_non_exhaustive()
    }
}

/// Reads the header of `input` and returns the record iterator. `file` names the source in
/// errors. Fails only if the header cannot be read, lacks a required column of `T`, or the
/// options name a field `T` does not have.
pub fn read_file<T: FileRecord, R: Read>(
    input: R,
    file: &str,
    options: &FileOptions,
) -> Result<FileRecords<R, T>, Error> {
    let (source, layout) = open::<T, R>(input, file, options)?;
    Ok(FileRecords {
        source,
        record: RecordBuf::with_room(4096),
        layout,
        file: file.to_string(),
        _record: PhantomData,
    })
}

impl<R: Read, T: FileRecord> FileRecords<R, T> {
    /// The header names as written in the file (BOM removed).
    pub fn headers(&self) -> &[String] {
        &self.layout.headers
    }

    /// Bytes of input consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// Data rows read so far (malformed ones included).
    pub fn rows_read(&self) -> u64 {
        self.source.rows_read()
    }

    /// The next row, checked (field count, UTF-8, required fields) but not decoded, borrowed
    /// from the reader's buffer: read `T`'s fields by index, or any column by header name.
    pub fn next_row(&mut self) -> Option<Result<FileRow<'_>, RowError>> {
        self.record.clear();
        match self.source.advance_into(&mut self.record)? {
            Ok(p) => {
                let raw = self.record.raw(&p);
                Some(self.layout.row(raw, &self.file))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl<R: Read, T: FileRecord> Iterator for FileRecords<R, T> {
    type Item = Result<T, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.record.clear();
        Some(match self.source.advance_into(&mut self.record)? {
            Ok(p) => {
                let raw = self.record.raw(&p);
                decode::<T>(&self.layout, raw, &self.file)
            }
            Err(e) => Err(e),
        })
    }
}

/// Reads every row of `input`, decodes it as a `T` and hands it to `on_record`. Malformed rows
/// are counted and kept in the report. The CSV is split on a second thread while the calling
/// thread decodes; records arrive in file order. Synchronous: call it from a blocking thread.
/// Fails only as [`read_file`] does.
pub fn import_reader<T: FileRecord>(
    input: impl Read + Send,
    file: &str,
    options: &FileOptions,
    mut on_record: impl FnMut(T),
) -> Result<ImportReport, Error> {
    let (source, layout) = open::<T, _>(input, file, options)?;
    let file = source.file().to_string();
    pipeline::run_records(source, options.max_errors_kept, |raw| {
        on_record(decode::<T>(&layout, raw, &file)?);
        Ok(())
    })
}

/// [`import_reader`] over a local file (buffered; memory stays flat).
pub fn import_file<T: FileRecord>(
    path: impl AsRef<Path>,
    options: &FileOptions,
    on_record: impl FnMut(T),
) -> Result<ImportReport, Error> {
    let (file, name) = super::open_local(path.as_ref())?;
    import_reader(file, &name, options, on_record)
}

/// Imports `remote_path` over SFTP while it downloads (no local copy; `.gz` files are
/// gunzipped), like [`import_sftp`](super::import_sftp) for the catalog. `on_record` runs on
/// a blocking thread.
pub async fn import_sftp<T: FileRecord + 'static>(
    sftp: &connector_sftp::SftpClient,
    remote_path: &str,
    options: &FileOptions,
    on_record: impl FnMut(T) + Send + 'static,
) -> Result<ImportReport, Error> {
    let options = options.clone();
    super::sftp::import_streamed(sftp, remote_path, None, move |reader, name| {
        import_reader(reader, name, &options, on_record)
    })
    .await
}
