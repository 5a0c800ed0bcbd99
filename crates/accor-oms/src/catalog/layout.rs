//! The header of a catalog file: delimiter sniffing and where each known field sits.

use std::io::Read;

use connector_core::Error;

use super::options::CatalogOptions;
use super::splitter::{RecordBuf, SplitError, SplitRules, Splitter};

/// Normalises a header name or an alias: BOM and surrounding spaces removed, lower case, and
/// `-`, `_`, spaces and tabs dropped (`Offer-Id`, `offer id`, `offer_id` and `OfferId` are one
/// name).
pub(crate) fn normalize(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '\t' | '\u{a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A header name as written: BOM and surrounding spaces removed.
pub(crate) fn as_written(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_string()
}

/// A file-level problem of `file` (its header, encoding or format).
pub(crate) fn file_error(file: &str, line: u64, what: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{file}:{line}"), what.to_string())
}

/// The delimiters the sniffer knows, in the order a tie is reported.
const CANDIDATES: [u8; 4] = [b';', b',', b'\t', b'|'];

/// A delimiter as it reads in a message.
pub(crate) fn show(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d if d.is_ascii_graphic() => format!("`{}`", char::from(d)),
        d => format!("byte 0x{d:02X}"),
    }
}

/// Sniffs the delimiter from the header line: the most frequent of `;`, `,`, tab and `|`
/// outside quotes. `Ok(None)` for a one-column header; `Err` when two tie.
pub(crate) fn sniff(line: &[u8]) -> Result<Option<u8>, String> {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &c in line {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&d| d == c) {
            counts[i] += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return Ok(None);
    }
    let best: Vec<u8> = CANDIDATES
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n == max)
        .map(|(d, _)| *d)
        .collect();
    match best.as_slice() {
        [one] => Ok(Some(*one)),
        tied => Err(format!(
            "cannot tell the delimiter: the header has {max} of each of {}; set it with \
             the `delimiter` option",
            tied.iter()
                .map(|&d| show(d))
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    }
}

/// Index of each known field in [`Layout::fields`].
pub(crate) mod field {
    pub(crate) const SKU: usize = 0;
    pub(crate) const TITLE: usize = 1;
    pub(crate) const SHOP: usize = 2;
    pub(crate) const SHOP_NAME: usize = 3;
    pub(crate) const PRICE: usize = 4;
    pub(crate) const CURRENCY: usize = 5;
    pub(crate) const QTY: usize = 6;
    pub(crate) const MIN: usize = 7;
    pub(crate) const PACK: usize = 8;
    pub(crate) const BRAND: usize = 9;
    pub(crate) const GTIN: usize = 10;
    pub(crate) const CATEGORY: usize = 11;
    pub(crate) const DESCRIPTION: usize = 12;
    pub(crate) const UNIT: usize = 13;
    /// How many optional fields there are.
    pub(crate) const COUNT: usize = 14;
}

/// Where the columns of one file are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Column of the offer id.
    pub(crate) offer_id: usize,
    /// Column of each optional field (see [`field`]).
    pub(crate) fields: [Option<usize>; field::COUNT],
    /// Header names as written (BOM and surrounding spaces removed).
    pub(crate) headers: Vec<String>,
    /// Columns this SDK does not know.
    pub(crate) extra: Vec<usize>,
    /// How numbers are read.
    pub(crate) numbers: super::NumberFormat,
    /// Largest price accepted.
    pub(crate) max_price: connector_core::Decimal,
    /// Largest quantity accepted.
    pub(crate) max_quantity: connector_core::Decimal,
}

impl Layout {
    pub(crate) fn new(header: Header, options: &CatalogOptions, file: &str) -> Result<Self, Error> {
        let cols = &options.columns;
        let headers = &header.names;
        let norm: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let written: Vec<String> = headers.iter().map(|h| as_written(h)).collect();
        check_unique(&norm, &written, file, header.line)?;
        let described = || header.describe(&written);
        let find = |aliases: &[String]| {
            aliases
                .iter()
                .find_map(|a| norm.iter().position(|n| *n == normalize(a)))
        };
        let offer_id = find(cols.offer_id.as_slice()).ok_or_else(|| {
            file_error(
                file,
                header.line,
                format!(
                    "has no offer id column (looked for {}); {}",
                    cols.offer_id.join(", "),
                    described()
                ),
            )
        })?;
        let lists = cols.lists();
        let mut fields = [None; field::COUNT];
        for (slot, (_, list)) in fields.iter_mut().zip(lists.iter()) {
            *slot = find(list.as_slice());
        }
        for name in &options.required_columns {
            let Some(i) = lists.iter().position(|(n, _)| n == name) else {
                if name == "offer_id" {
                    continue;
                }
                return Err(Error::config(format!(
                    "required column `{name}` is no catalog field; the fields are: offer_id, {}",
                    lists.map(|(n, _)| n).join(", ")
                )));
            };
            if fields[i].is_none() {
                return Err(file_error(
                    file,
                    header.line,
                    format!(
                        "has no {name} column (looked for {}; required by the options); {}",
                        lists[i].1.join(", "),
                        described()
                    ),
                ));
            }
        }
        if fields.iter().all(Option::is_none) {
            return Err(file_error(
                file,
                header.line,
                format!(
                    "has an offer id column but none of the other catalog columns (sku, \
                     title, price, quantity, ...: see CatalogColumns); {}",
                    described()
                ),
            ));
        }
        let known: Vec<usize> = std::iter::once(offer_id)
            .chain(fields.iter().flatten().copied())
            .collect();
        let extra = (0..headers.len()).filter(|i| !known.contains(i)).collect();
        Ok(Self {
            offer_id,
            fields,
            headers: written,
            extra,
            numbers: options.number_format,
            max_price: options.max_price,
            max_quantity: options.max_quantity,
        })
    }
}

/// Refuses a header where two columns have the same (normalised) name: which one holds the
/// value would be a guess, and unknown columns are keyed by name.
pub(crate) fn check_unique(
    norm: &[String],
    written: &[String],
    file: &str,
    line: u64,
) -> Result<(), Error> {
    for (i, n) in norm.iter().enumerate() {
        if let Some(j) = norm.iter().skip(i + 1).position(|m| m == n) {
            let j = i + 1 + j;
            return Err(file_error(
                file,
                line,
                format!(
                    "has an ambiguous header: columns {} (`{}`) and {} (`{}`) have the same \
                     name; rename or drop one",
                    i + 1,
                    written[i],
                    j + 1,
                    written[j]
                ),
            ));
        }
    }
    Ok(())
}

/// The header of a file, read: names, delimiter and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// Names as in the file (BOM removed, not trimmed).
    pub(crate) names: Vec<String>,
    /// The delimiter used.
    pub(crate) delimiter: u8,
    /// How it was chosen: `forced`, `sniffed` or `from the sep= line`.
    pub(crate) how: &'static str,
    /// Line of the header (2 after a `sep=` line).
    pub(crate) line: u64,
}

impl Header {
    /// "delimiter `;` (sniffed); columns are: a, b", for messages.
    pub(crate) fn describe(&self, written: &[String]) -> String {
        format!(
            "delimiter {} ({}); columns are: {}",
            show(self.delimiter),
            self.how,
            written.join(", ")
        )
    }
}

/// How a file of the catalog set is read (shared by the catalog and the other files).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadRules {
    pub(crate) delimiter: Option<u8>,
    pub(crate) allow_unterminated_last_row: bool,
}

/// The input after its first bytes were looked at: gunzipped when it is gzip.
pub(crate) enum Raw<R: Read> {
    /// As stored.
    Plain(std::io::Chain<std::io::Cursor<Vec<u8>>, R>),
    /// Gzip, decoded (every member).
    Gzip(Box<flate2::read::MultiGzDecoder<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>>),
}

impl<R: Read> Read for Raw<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(r) => r.read(buf),
            Self::Gzip(r) => r.read(buf).map_err(|e| {
                std::io::Error::new(e.kind(), format!("the gzip stream is damaged: {e}"))
            }),
        }
    }
}

/// The reader after the header was peeked (the peeked bytes, then the rest).
pub(crate) type Peeked<R> = std::io::Chain<std::io::Cursor<Vec<u8>>, Raw<R>>;

/// Peeks the header and finds the catalog's columns.
pub(crate) fn open<R: Read>(
    input: R,
    file: &str,
    options: &CatalogOptions,
) -> Result<(Splitter<Peeked<R>>, Layout), Error> {
    let rules = ReadRules {
        delimiter: options.delimiter,
        allow_unterminated_last_row: options.allow_unterminated_last_row,
    };
    let (splitter, header) = open_header(input, file, rules)?;
    let layout = Layout::new(header, options, file)?;
    Ok((splitter, layout))
}

/// Reads up to `want` bytes: stops once `at_least` bytes came (or the input ended), so a
/// reader is not asked for more than the header needs.
fn read_some<R: Read>(
    input: &mut R,
    want: usize,
    at_least: usize,
    file: &str,
) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; want];
    let mut n = 0;
    while n < at_least.min(want) {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(format!("reading {file}"), e)),
        }
    }
    buf.truncate(n);
    Ok(buf)
}

/// Reads until the first line end outside quotes, or 64 KiB: `head` grows.
fn read_first_line<R: Read>(input: &mut R, head: &mut Vec<u8>, file: &str) -> Result<(), Error> {
    loop {
        if first_line_end(head).is_some() || head.len() >= 64 * 1024 {
            return Ok(());
        }
        let more = read_some(input, 8 * 1024, 1, file)?;
        if more.is_empty() {
            return Ok(());
        }
        head.extend_from_slice(&more);
    }
}

/// Where the first line ends outside quotes, and its terminator: `\n` (LF or CRLF) or a lone
/// `\r`. `None` when `head` has no complete line (a `\r` as its last byte is not yet known).
fn first_line_end(head: &[u8]) -> Option<(usize, u8)> {
    let mut quoted = false;
    for (i, &c) in head.iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some((i, b'\n')),
            b'\r' if !quoted => {
                return match head.get(i + 1) {
                    Some(b'\n') => Some((i, b'\n')),
                    Some(_) => Some((i, b'\r')),
                    None => None,
                };
            }
            _ => {}
        }
    }
    None
}

/// Looks at the first bytes (gzip magic, byte-order marks, NUL bytes), reads the first line
/// (an Excel `sep=X` line gives the delimiter), tells LF/CRLF from CR-only line ends, sniffs
/// the delimiter (unless `rules` force one) and reads the header names. Any CSV file of the
/// catalog set. A file that is not UTF-8 CSV is refused with a message saying what it is.
pub(crate) fn open_header<R: Read>(
    mut input: R,
    file: &str,
    rules: ReadRules,
) -> Result<(Splitter<Peeked<R>>, Header), Error> {
    let magic = read_some(&mut input, 4, 4, file)?;
    let mut raw = if magic.starts_with(&[0x1f, 0x8b]) {
        Raw::Gzip(Box::new(flate2::read::MultiGzDecoder::new(
            std::io::Cursor::new(magic).chain(input),
        )))
    } else {
        Raw::Plain(std::io::Cursor::new(magic).chain(input))
    };
    let mut head = read_some(&mut raw, 4, 4, file).map_err(|e| match (&raw, e) {
        (Raw::Gzip(_), Error::Io { message, .. }) => file_error(
            file,
            1,
            format!("starts like gzip but cannot be gunzipped ({message})"),
        ),
        (_, e) => e,
    })?;
    let encoding = if head.starts_with(&[0xff, 0xfe, 0, 0]) || head.starts_with(&[0, 0, 0xfe, 0xff])
    {
        Some("UTF-32")
    } else if head.starts_with(&[0xff, 0xfe]) {
        Some("UTF-16 (little-endian)")
    } else if head.starts_with(&[0xfe, 0xff]) {
        Some("UTF-16 (big-endian)")
    } else {
        None
    };
    if let Some(enc) = encoding {
        return Err(file_error(
            file,
            1,
            format!(
                "is {enc} (its byte-order mark says so); the catalog must be UTF-8: export it \
                 as UTF-8 or convert it (iconv -f {} -t UTF-8)",
                enc.split(' ').next().unwrap_or(enc)
            ),
        ));
    }
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    read_first_line(&mut raw, &mut head, file)?;
    let mut first = first_line_end(&head);
    let line_of = |head: &[u8], end: Option<(usize, u8)>| -> Vec<u8> {
        head.get(..end.map_or(head.len(), |(i, _)| i))
            .unwrap_or_default()
            .to_vec()
    };
    let mut line = line_of(&head, first);
    if line.contains(&0) {
        return Err(file_error(
            file,
            1,
            "contains NUL bytes: it is UTF-16 or UTF-32 without a byte-order mark, or not a \
             text file; the catalog must be UTF-8 CSV",
        ));
    }
    // Excel's `sep=;` first line names the delimiter; the header follows it.
    let mut header_line = 1;
    let mut sep = None;
    let text = String::from_utf8_lossy(&line);
    let bare = text.trim_end_matches(['\r', '\n']).trim_matches('"');
    if let Some(d) = bare
        .strip_prefix("sep=")
        .or_else(|| bare.strip_prefix("SEP="))
        && d.len() == 1
    {
        sep = d.bytes().next();
        let skip = first.map_or(head.len(), |(i, t)| {
            i + if t == b'\n' && head.get(i) == Some(&b'\r') {
                2
            } else {
                1
            }
        });
        head.drain(..skip.min(head.len()));
        read_first_line(&mut raw, &mut head, file)?;
        first = first_line_end(&head);
        line = line_of(&head, first);
        header_line = 2;
    }
    let (delimiter, how) = match (rules.delimiter, sep) {
        (Some(d), _) => (d, "forced"),
        (None, Some(d)) => (d, "from the sep= line"),
        (None, None) => match sniff(&line) {
            Ok(Some(d)) => (d, "sniffed"),
            Ok(None) => (b',', "sniffed: the header has no `;`, `,`, tab or `|`"),
            Err(why) => return Err(file_error(file, header_line, why)),
        },
    };
    let terminator = first.map_or(b'\n', |(_, t)| t);
    let split = SplitRules {
        delimiter,
        terminator,
        first_line: header_line,
        allow_unterminated_last_row: rules.allow_unterminated_last_row,
    };
    let mut splitter = Splitter::new(
        std::io::Cursor::new(head).chain(raw),
        SplitRules {
            allow_unterminated_last_row: true,
            ..split
        },
        256 * 1024,
    );
    let mut buf = RecordBuf::with_room(4096);
    let header = match splitter.next_record(&mut buf) {
        Some(Ok(p)) => p,
        Some(Err(SplitError::Io(e))) => {
            return Err(Error::io(format!("reading the header of {file}"), e));
        }
        Some(Err(SplitError::Malformed { field, reason, .. })) => {
            let at = field
                .map(|f| format!("column {}", f + 1))
                .unwrap_or_default();
            return Err(file_error(
                file,
                header_line,
                format!("header {at} {reason}"),
            ));
        }
        Some(Err(SplitError::TooLong { .. })) | None => {
            return Err(file_error(file, header_line, "is empty: no header line"));
        }
    };
    splitter.set_rules(split);
    let bytes = buf.bytes(header.start, header.len);
    let mut prev = 0usize;
    let mut names = Vec::new();
    for (i, &e) in buf
        .ends
        .get(header.ends_from..header.ends_to)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let raw_name = bytes.get(prev..e as usize).unwrap_or_default();
        prev = e as usize;
        match std::str::from_utf8(raw_name) {
            Ok(n) => names.push(n.to_string()),
            Err(err) => {
                let bad = raw_name.get(err.valid_up_to()).copied().unwrap_or(0);
                return Err(file_error(
                    file,
                    header_line,
                    format!(
                        "header column {} (`{}`) is not valid UTF-8 (byte 0x{bad:02X}): the \
                         file is probably Latin-1 or Windows-1252; the catalog must be UTF-8",
                        i + 1,
                        String::from_utf8_lossy(raw_name)
                    ),
                ));
            }
        }
    }
    Ok((
        splitter,
        Header {
            names,
            delimiter,
            how,
            line: header_line,
        },
    ))
}
