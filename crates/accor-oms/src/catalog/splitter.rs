//! Splits CSV input into records with `csv_core` directly, writing each record's field bytes
//! and field ends straight into the caller's [`RecordBuf`] (one copy, no per-record
//! allocation). `\n` ends a record and a `\r` before it is dropped, so CRLF and LF files give
//! the same fields and exact line numbers; a file whose lines end with a lone `\r` (old Mac
//! exports) is split on `\r` instead, with lines counted by `\r`.
//!
//! `csv_core` is lenient where a lenient reading loses data without a word; the splitter
//! watches the raw bytes for those cases and reports the record instead of giving it:
//! text after a closing quote (`"Towel" bath` would become `Towel bath`), a quote still open
//! at the end of the input (an unbalanced quote that swallowed the rest of the file, or a
//! file cut inside a quoted field), and a last record without a line end (a file cut inside
//! its last field: `20` read as `2`) unless [`SplitRules::allow_unterminated_last_row`].
//! Quote-free records, the common case, cost one `memchr` over their bytes.

use std::io::Read;

use super::row::RawRecord;

/// Field bytes and field ends of one or more records, reused from record to record.
#[derive(Debug)]
pub(crate) struct RecordBuf {
    /// Field bytes; `bytes[..used]` holds records, the rest is room (zero-initialised once).
    bytes: Vec<u8>,
    used: usize,
    /// End of each field, relative to the start of its record.
    pub(crate) ends: Vec<u32>,
}

impl RecordBuf {
    /// A buffer with `room` bytes of space to begin with (it grows when a record needs it).
    pub(crate) fn with_room(room: usize) -> Self {
        Self {
            bytes: vec![0; room.max(64)],
            used: 0,
            ends: Vec::new(),
        }
    }

    /// Forgets every record (keeps the memory).
    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.ends.clear();
    }

    /// Bytes of records held.
    pub(crate) fn used(&self) -> usize {
        self.used
    }

    /// The field bytes of the record at `start..start + len`.
    pub(crate) fn bytes(&self, start: usize, len: usize) -> &[u8] {
        self.bytes.get(start..start + len).unwrap_or_default()
    }

    /// The record `placed` put in this buffer.
    pub(crate) fn raw(&self, placed: &Placed) -> RawRecord<'_> {
        RawRecord {
            line: placed.line,
            bytes: self.bytes(placed.start, placed.len),
            ends: self
                .ends
                .get(placed.ends_from..placed.ends_to)
                .unwrap_or_default(),
        }
    }
}

/// Where a record landed in the [`RecordBuf`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed {
    /// 1-based line where the record starts.
    pub(crate) line: u64,
    /// First byte in the buffer.
    pub(crate) start: usize,
    /// Length in bytes.
    pub(crate) len: usize,
    /// Its ends are `ends[ends_from..ends_to]`.
    pub(crate) ends_from: usize,
    /// See `ends_from`.
    pub(crate) ends_to: usize,
}

/// Why the splitter could not give a record.
#[derive(Debug)]
pub(crate) enum SplitError {
    /// The input failed; nothing more can be read.
    Io(std::io::Error),
    /// A record is longer than 4 GiB (skipped).
    TooLong { line: u64 },
    /// The record is malformed (skipped): `field` is its 0-based column, when one is.
    Malformed {
        line: u64,
        field: Option<usize>,
        reason: String,
    },
}

/// How a file is split.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitRules {
    /// Field delimiter.
    pub(crate) delimiter: u8,
    /// Record terminator: `\n` (LF and CRLF files) or `\r` (CR-only files).
    pub(crate) terminator: u8,
    /// Line number of the first byte of the input (2 after an Excel `sep=` line).
    pub(crate) first_line: u64,
    /// Give the last record even when the input ends without a line end after it.
    pub(crate) allow_unterminated_last_row: bool,
}

impl SplitRules {
    /// `delimiter`, LF/CRLF, from line 1, a line end required after the last record.
    #[cfg(test)]
    pub(crate) fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            terminator: b'\n',
            first_line: 1,
            allow_unterminated_last_row: false,
        }
    }
}

/// Where the raw-byte quote watch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// At the start of a field.
    Start,
    /// Inside an unquoted field.
    Field,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (its end, or the first of a doubled quote).
    Closed,
}

/// The quote watch of the record being split.
#[derive(Debug, Clone, Copy)]
struct QuoteWatch {
    state: Quote,
    /// First problem: (0-based field, what).
    problem: Option<(usize, &'static str)>,
    /// The field where the open quote started (for the message at the end of the input).
    quoted_field: usize,
}

impl QuoteWatch {
    const fn new() -> Self {
        Self {
            state: Quote::Start,
            problem: None,
            quoted_field: 0,
        }
    }

    /// Passes over `bytes`, which hold no quote.
    #[inline]
    fn skip(&mut self, bytes: &[u8], delimiter: u8, terminator: u8) {
        if self.state == Quote::Quoted {
            return;
        }
        if let Some(&last) = bytes.last() {
            let end = last == delimiter || last == terminator || last == b'\r' || last == b'\n';
            self.state = if end { Quote::Start } else { Quote::Field };
        }
    }

    /// Watches `bytes`, consumed by one `read_record` call; `fields` fields of the record were
    /// complete before them. Jumps from quote to quote (`memchr`); only the delimiters of
    /// unquoted stretches are counted, for the column of a problem.
    #[inline]
    fn watch(&mut self, bytes: &[u8], fields: usize, delimiter: u8, terminator: u8) {
        let is_end = |c: u8| c == delimiter || c == terminator || c == b'\r' || c == b'\n';
        let mut field = fields;
        let mut i = 0;
        while let Some(rest) = bytes.get(i..).filter(|r| !r.is_empty()) {
            match self.state {
                Quote::Quoted => match memchr::memchr(b'"', rest) {
                    Some(k) => {
                        i += k + 1;
                        self.state = Quote::Closed;
                    }
                    None => return,
                },
                Quote::Closed => {
                    let c = rest[0];
                    self.state = if c == b'"' {
                        Quote::Quoted
                    } else if is_end(c) {
                        if c == delimiter {
                            field += 1;
                        }
                        Quote::Start
                    } else {
                        if self.problem.is_none() {
                            self.problem = Some((
                                field,
                                "has text after its closing quote (a quote inside a quoted \
                                 value must be doubled: `\"\"`)",
                            ));
                        }
                        Quote::Field
                    };
                    i += 1;
                }
                Quote::Start | Quote::Field => {
                    let Some(k) = memchr::memchr(b'"', rest) else {
                        let last = rest[rest.len() - 1];
                        self.state = if is_end(last) {
                            Quote::Start
                        } else {
                            Quote::Field
                        };
                        return;
                    };
                    let before = &rest[..k];
                    field += memchr::memchr_iter(delimiter, before).count();
                    let at_start = match before.last() {
                        Some(&c) => is_end(c),
                        None => self.state == Quote::Start,
                    };
                    if at_start {
                        self.quoted_field = field;
                        self.state = Quote::Quoted;
                    } else {
                        // A quote inside an unquoted value is kept as written.
                        self.state = Quote::Field;
                    }
                    i += k + 1;
                }
            }
        }
    }
}

/// The CSV record splitter over one input.
pub(crate) struct Splitter<R> {
    input: R,
    core: csv_core::Reader,
    rules: SplitRules,
    /// Terminators consumed, in a CR-only file (`csv_core` counts `\n` only).
    cr_lines: u64,
    watch: QuoteWatch,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    done: bool,
    consumed: u64,
    ends: Vec<usize>,
}

impl<R: Read> Splitter<R> {
    /// A splitter reading `input` in `chunk`-byte reads.
    pub(crate) fn new(input: R, rules: SplitRules, chunk: usize) -> Self {
        let mut core = csv_core::ReaderBuilder::new()
            .delimiter(rules.delimiter)
            .terminator(csv_core::Terminator::Any(rules.terminator))
            .build();
        core.set_line(rules.first_line);
        Self {
            input,
            core,
            rules,
            cr_lines: rules.first_line,
            watch: QuoteWatch::new(),
            buf: vec![0; chunk.max(1)],
            pos: 0,
            end: 0,
            eof: false,
            done: false,
            consumed: 0,
            ends: vec![0; 64],
        }
    }

    /// Input bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Changes the rules from the next record on (the delimiter and terminator stay).
    pub(crate) fn set_rules(&mut self, rules: SplitRules) {
        self.rules.allow_unterminated_last_row = rules.allow_unterminated_last_row;
    }

    /// The line the parser is at (1-based).
    fn line(&self) -> u64 {
        if self.rules.terminator == b'\n' {
            self.core.line()
        } else {
            self.cr_lines
        }
    }

    /// Appends the next record to `out`. `None` at the end of the input (and after an I/O
    /// error was returned). Blank lines are skipped.
    pub(crate) fn next_record(
        &mut self,
        out: &mut RecordBuf,
    ) -> Option<Result<Placed, SplitError>> {
        use csv_core::ReadRecordResult as R;
        if self.done {
            return None;
        }
        loop {
            let start = out.used;
            let line_before = self.line();
            self.watch = QuoteWatch::new();
            let (mut nout, mut nend) = (0usize, 0usize);
            let terminated = loop {
                if self.pos == self.end && !self.eof {
                    match self.input.read(&mut self.buf) {
                        Ok(0) => self.eof = true,
                        Ok(n) => {
                            self.pos = 0;
                            self.end = n;
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            self.done = true;
                            return Some(Err(SplitError::Io(e)));
                        }
                    }
                }
                let input = self.buf.get(self.pos..self.end).unwrap_or_default();
                let at_eof = input.is_empty();
                let output = out.bytes.get_mut(start + nout..).unwrap_or_default();
                let ends = self.ends.get_mut(nend..).unwrap_or_default();
                let (res, i, o, e) = self.core.read_record(input, output, ends);
                let consumed = input.get(..i).unwrap_or_default();
                // No quote was consumed when every byte consumed is output or a field end
                // (a quote is never output as is); then only the last byte matters.
                if i == o + e && self.watch.state != Quote::Closed {
                    self.watch
                        .skip(consumed, self.rules.delimiter, self.rules.terminator);
                } else {
                    self.watch
                        .watch(consumed, nend, self.rules.delimiter, self.rules.terminator);
                }
                if self.rules.terminator != b'\n' {
                    let t = self.rules.terminator;
                    self.cr_lines += consumed.iter().filter(|&&c| c == t).count() as u64;
                }
                self.pos += i;
                self.consumed += i as u64;
                nout += o;
                nend += e;
                match res {
                    R::InputEmpty => {}
                    R::OutputFull => {
                        let len = out.bytes.len();
                        out.bytes.resize(len * 2, 0);
                    }
                    R::OutputEndsFull => {
                        let len = self.ends.len();
                        self.ends.resize(len * 2, 0);
                    }
                    R::Record => break !at_eof,
                    R::End => {
                        self.done = true;
                        return None;
                    }
                }
            };
            let mut record = out.bytes.get(start..start + nout).unwrap_or_default();
            // The line counter moved past the terminator only if the record holds quoted
            // newlines or blank lines were skipped before it: count then, exactly.
            let after = self.line() - u64::from(terminated);
            let t = self.rules.terminator;
            let line = if after == line_before {
                after
            } else {
                after - record.iter().filter(|&&b| b == t).count() as u64
            };
            let ends = self.ends.get_mut(..nend).unwrap_or_default();
            // CRLF: the `\r` ends the last field.
            if let Some(last) = ends.last_mut()
                && record.last() == Some(&b'\r')
            {
                *last -= 1;
                record = &record[..record.len() - 1];
            }
            // A blank line between records is not a row.
            if record.is_empty() && ends.len() == 1 {
                continue;
            }
            if !terminated && self.watch.state == Quote::Quoted {
                let lines = after - line;
                return Some(Err(SplitError::Malformed {
                    line,
                    field: Some(self.watch.quoted_field),
                    reason: format!(
                        "opens a quote that is never closed: the input ends inside it, {lines} \
                         line(s) later (an unbalanced quote, or a file cut short); nothing \
                         after line {line} was read as rows"
                    ),
                }));
            }
            if let Some((field, reason)) = self.watch.problem {
                return Some(Err(SplitError::Malformed {
                    line,
                    field: Some(field),
                    reason: reason.to_string(),
                }));
            }
            if !terminated && !self.rules.allow_unterminated_last_row {
                return Some(Err(SplitError::Malformed {
                    line,
                    field: None,
                    reason: "is the last record and has no line end after it: the file may be \
                             cut short (allow_unterminated_last_row(true) accepts it)"
                        .into(),
                }));
            }
            let len = record.len();
            let ends_from = out.ends.len();
            // Ends grow along the record: the last is the largest.
            if ends.last().is_some_and(|&e| u32::try_from(e).is_err()) {
                return Some(Err(SplitError::TooLong { line }));
            }
            out.ends.extend(ends.iter().map(|&e| e as u32));
            out.used = start + len;
            return Some(Ok(Placed {
                line,
                start,
                len,
                ends_from,
                ends_to: out.ends.len(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn split(input: &[u8], chunk: usize, room: usize) -> Vec<(u64, Vec<String>)> {
        let mut rules = SplitRules::new(b';');
        rules.allow_unterminated_last_row = true;
        split_with(input, rules, chunk, room)
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    type Split = Result<(u64, Vec<String>), (u64, Option<usize>, String)>;

    fn split_with(input: &[u8], rules: SplitRules, chunk: usize, room: usize) -> Vec<Split> {
        let mut s = Splitter::new(input, rules, chunk);
        let mut out = RecordBuf::with_room(room);
        let mut rows = Vec::new();
        while let Some(r) = s.next_record(&mut out) {
            let p = match r {
                Ok(p) => p,
                Err(SplitError::Malformed {
                    line,
                    field,
                    reason,
                }) => {
                    rows.push(Err((line, field, reason)));
                    continue;
                }
                Err(e) => panic!("{e:?}"),
            };
            let bytes = out.bytes(p.start, p.len);
            let mut prev = 0;
            let fields = out.ends[p.ends_from..p.ends_to]
                .iter()
                .map(|&e| {
                    let f = String::from_utf8(bytes[prev..e as usize].to_vec()).unwrap();
                    prev = e as usize;
                    f
                })
                .collect();
            rows.push(Ok((p.line, fields)));
        }
        rows
    }

    #[test]
    fn lines_fields_and_crlf_whatever_the_buffer_sizes() {
        let input = b"h1;h2\r\n\r\na;\"b;\r\nc\"\r\n\n\"x\"\"y\";\r\nlast;row";
        let expected = vec![
            (1, vec!["h1".to_string(), "h2".into()]),
            (3, vec!["a".into(), "b;\r\nc".into()]),
            (6, vec!["x\"y".into(), String::new()]),
            (7, vec!["last".into(), "row".into()]),
        ];
        for chunk in [1, 3, 4096] {
            for room in [1, 64, 4096] {
                assert_eq!(
                    split(input, chunk, room),
                    expected,
                    "chunk {chunk} room {room}"
                );
            }
        }
    }

    #[test]
    fn many_fields_grow_the_ends_buffer() {
        let line: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let input = format!("{}\n", line.join(";"));
        let rows = split(input.as_bytes(), 4096, 64);
        assert_eq!(rows, vec![(1, line)]);
    }

    fn strict(input: &[u8]) -> Vec<Split> {
        let mut all = Vec::new();
        for chunk in [1, 5, 4096] {
            let got = split_with(input, SplitRules::new(b';'), chunk, 64);
            if chunk > 1 {
                assert_eq!(got, all, "chunk {chunk}");
            }
            all = got;
        }
        all
    }

    fn row(line: u64, fields: &[&str]) -> Split {
        Ok((line, fields.iter().map(|f| f.to_string()).collect()))
    }

    #[test]
    fn text_after_a_closing_quote_is_reported_with_its_field() {
        let got = strict(b"a;b\n1;\"Towel\" bath\n2;\"ok \"\"x\"\"\"\n\"3\"x;y\n");
        assert_eq!(got[1].as_ref().unwrap_err().0, 2);
        assert_eq!(got[1].as_ref().unwrap_err().1, Some(1));
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .2
                .contains("text after its closing quote")
        );
        assert_eq!(got[2], row(3, &["2", "ok \"x\""]));
        assert_eq!(got[3].as_ref().unwrap_err().1, Some(0));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn an_open_quote_at_the_end_is_reported_at_its_line() {
        // `"Soap 12` never closes: the rest of the file is inside the field.
        let got = strict(b"a;b\n1;x\n2;\"Soap 12\n3;y\n4;z\n");
        assert_eq!(got[1], row(2, &["1", "x"]));
        let (line, field, reason) = got[2].as_ref().unwrap_err();
        assert_eq!((*line, *field), (3, Some(1)));
        assert!(reason.contains("never closed"), "{reason}");
        assert!(reason.contains("3 line(s) later"), "{reason}");
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn a_file_cut_inside_its_last_record_is_reported() {
        let got = strict(b"a;b\r\n1;20\r\n2;2");
        assert_eq!(got[1], row(2, &["1", "20"]));
        let (line, field, reason) = got[2].as_ref().unwrap_err();
        assert_eq!((*line, *field), (3, None));
        assert!(reason.contains("no line end"), "{reason}");
        // Accepted when the rules say so; a blank last line is no record either way.
        let mut rules = SplitRules::new(b';');
        rules.allow_unterminated_last_row = true;
        assert_eq!(
            split_with(b"a\n2;2", rules, 4096, 64)[1],
            row(2, &["2", "2"])
        );
        assert_eq!(strict(b"a;b\n1;2\n\n").len(), 2);
    }

    #[test]
    fn cr_only_line_ends_split_and_count_lines() {
        let mut rules = SplitRules::new(b';');
        rules.terminator = b'\r';
        for chunk in [1, 3, 4096] {
            let got = split_with(b"h1;h2\r\ra;\"b\rc\"\rd;e\r", rules, chunk, 64);
            assert_eq!(
                got,
                vec![
                    row(1, &["h1", "h2"]),
                    row(3, &["a", "b\rc"]),
                    row(5, &["d", "e"])
                ],
                "chunk {chunk}"
            );
        }
        rules.first_line = 2;
        let got = split_with(b"h\rx\r", rules, 4096, 64);
        assert_eq!(got, vec![row(2, &["h"]), row(3, &["x"])]);
    }
}
