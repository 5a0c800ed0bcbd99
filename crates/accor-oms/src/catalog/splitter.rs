//! Splits CSV input into records with `csv_core` directly, writing each record's field bytes
//! and field ends straight into the caller's [`RecordBuf`] (one copy, no per-record
//! allocation). `\n` ends a record and a `\r` before it is dropped, so CRLF and LF files give
//! the same fields and exact line numbers.

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
}

/// The CSV record splitter over one input.
pub(crate) struct Splitter<R> {
    input: R,
    core: csv_core::Reader,
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
    pub(crate) fn new(input: R, delimiter: u8, chunk: usize) -> Self {
        Self {
            input,
            core: csv_core::ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
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
            let line_before = self.core.line();
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
            let after = self.core.line() - u64::from(terminated);
            let line = if after == line_before {
                after
            } else {
                after - record.iter().filter(|&&b| b == b'\n').count() as u64
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
        let mut s = Splitter::new(input, b';', chunk);
        let mut out = RecordBuf::with_room(room);
        let mut rows = Vec::new();
        while let Some(r) = s.next_record(&mut out) {
            let p = r.unwrap();
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
            rows.push((p.line, fields));
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
}
