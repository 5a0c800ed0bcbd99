//! The generic side of the catalog set's files: a layout for any list of fields, and
//! [`FileRow`], the borrowed "fields by name" view of one checked record.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use connector_core::{Decimal, Error};

use crate::catalog::layout::{Header, as_written, check_unique, file_error, normalize};
use crate::catalog::number::{NumberFormat, parse_number, parse_whole, trim};
use crate::catalog::row::{RawRecord, RowError, column, record_text};

/// One field of a record type: its name and the header names (aliases) it is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSpec {
    /// The field's name (snake case; the key of [`FileOptions::aliases`](super::FileOptions::aliases)).
    pub name: &'static str,
    /// Header names looked for, normalised (lower case, `_` for `-` and spaces), first first.
    pub aliases: &'static [&'static str],
    /// A row whose value is empty is rejected, and a file without the column refused.
    pub required: bool,
}

impl FieldSpec {
    /// An optional field.
    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Self {
        Self {
            name,
            aliases,
            required: false,
        }
    }

    /// A required field.
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Self {
        Self {
            name,
            aliases,
            required: true,
        }
    }
}

/// Why a field of a row cannot be decoded (the row is then rejected as a [`RowError`] naming
/// the field's column).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    /// Index of the field in the record type's field list.
    pub field: usize,
    /// What is wrong.
    pub reason: String,
}

impl FieldError {
    /// Field `field` is wrong because of `reason`.
    pub fn new(field: usize, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for FieldError {}

/// Where the fields of one record type sit in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldLayout {
    pub(crate) kind: &'static str,
    pub(crate) specs: &'static [FieldSpec],
    /// Column of each field, `None` when the file has none.
    pub(crate) columns: Vec<Option<usize>>,
    /// Header names as written (BOM and surrounding spaces removed).
    pub(crate) headers: Vec<String>,
    /// Columns no field claimed.
    pub(crate) extra: Vec<usize>,
    /// How numbers are read.
    pub(crate) numbers: NumberFormat,
}

impl FieldLayout {
    /// Finds each field's column. Every field takes the first of its aliases found among the
    /// headers, and a column goes to one field at most (fields are served in order).
    /// `overrides` replace the aliases of the fields they name. Fails when an override names
    /// no field, or a required field has no column.
    pub(crate) fn new(
        kind: &'static str,
        specs: &'static [FieldSpec],
        overrides: Option<&BTreeMap<String, Vec<String>>>,
        header: Header,
        numbers: NumberFormat,
        file: &str,
    ) -> Result<Self, Error> {
        let names = || specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
        if let Some(o) = overrides
            && let Some(unknown) = o.keys().find(|k| !specs.iter().any(|s| s.name == *k))
        {
            return Err(Error::config(format!(
                "no field `{unknown}` in {kind} records; the fields are: {}",
                names()
            )));
        }
        let norm: Vec<String> = header.names.iter().map(|h| normalize(h)).collect();
        let headers: Vec<String> = header.names.iter().map(|h| as_written(h)).collect();
        check_unique(&norm, &headers, file, header.line)?;
        let mut taken = vec![false; headers.len()];
        let mut columns = Vec::with_capacity(specs.len());
        for spec in specs {
            let aliases: Vec<String> = match overrides.and_then(|o| o.get(spec.name)) {
                Some(list) => list.clone(),
                None => spec.aliases.iter().map(|a| a.to_string()).collect(),
            };
            let col = aliases.iter().find_map(|a| {
                let a = normalize(a);
                norm.iter()
                    .enumerate()
                    .position(|(i, n)| *n == a && !taken[i])
            });
            if let Some(c) = col {
                taken[c] = true;
            } else if spec.required {
                return Err(file_error(
                    file,
                    header.line,
                    format!(
                        "has no {} column, which this {kind} file needs (looked for {}); {}",
                        spec.name,
                        aliases.join(", "),
                        header.describe(&headers)
                    ),
                ));
            }
            columns.push(col);
        }
        let extra = (0..headers.len()).filter(|&i| !taken[i]).collect();
        Ok(Self {
            kind,
            specs,
            columns,
            headers,
            extra,
            numbers,
        })
    }

    /// The header name of field `field`'s column, if the file has one.
    fn header_of(&self, field: usize) -> Option<String> {
        let col = self.columns.get(field).copied().flatten()?;
        self.headers.get(col).cloned()
    }

    /// Checks a record (field count, UTF-8, required fields not empty) and views it by field.
    pub(crate) fn row<'a>(
        &'a self,
        raw: RawRecord<'a>,
        file: &str,
    ) -> Result<FileRow<'a>, RowError> {
        let text = record_text(raw, &self.headers, file)?;
        let row = FileRow {
            line: raw.line,
            text,
            ends: raw.ends,
            layout: self,
        };
        for (i, spec) in self.specs.iter().enumerate() {
            if spec.required && row.get(i).is_none() {
                return Err(self.row_error(FieldError::new(i, "is empty"), raw.line, file));
            }
        }
        Ok(row)
    }

    /// A field error of the row at `line`, as a row error naming the column.
    pub(crate) fn row_error(&self, e: FieldError, line: u64, file: &str) -> RowError {
        let (column, reason) = match self.header_of(e.field) {
            Some(h) => (Some(h), e.reason),
            None => {
                let name = self.specs.get(e.field).map_or("?", |s| s.name);
                (None, format!("field `{name}` {}", e.reason))
            }
        };
        RowError {
            file: file.to_string(),
            line,
            column,
            reason,
        }
    }
}

/// One row of a catalog-set file, borrowed from the reader's buffer, viewed by field: the
/// record was checked once (field count, UTF-8, required fields present), so reading a field
/// cannot fail; parsing one (a number, a date) can, with a [`FieldError`] naming the field.
/// Text values are trimmed and `None` when empty or when the file has no such column.
#[derive(Clone, Copy)]
pub struct FileRow<'a> {
    line: u64,
    text: &'a str,
    ends: &'a [u32],
    layout: &'a FieldLayout,
}

impl<'a> FileRow<'a> {
    /// 1-based line of the file where the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Field `field` (an index into the record type's fields), trimmed; `None` when the file
    /// has no such column or the value is empty.
    pub fn get(&self, field: usize) -> Option<&'a str> {
        let col = self.layout.columns.get(field).copied().flatten()?;
        let t = trim(column(self.text, self.ends, col));
        (!t.is_empty()).then_some(t)
    }

    /// [`FileRow::get`] as an owned string.
    pub fn string(&self, field: usize) -> Option<String> {
        self.get(field).map(str::to_string)
    }

    /// Field `field`, which must not be empty.
    pub fn required(&self, field: usize) -> Result<&'a str, FieldError> {
        self.get(field)
            .ok_or_else(|| FieldError::new(field, "is empty"))
    }

    /// An exact decimal (`12.40`, `12,40`), read as the options' [`NumberFormat`] says: a
    /// value that could be read two ways (`1.234`) is an error unless the format says how.
    pub fn decimal(&self, field: usize) -> Result<Option<Decimal>, FieldError> {
        self.parse(field, |t| {
            parse_number(t, self.layout.numbers).map_err(|e| e.reason(t))
        })
    }

    /// An exact decimal that must not be negative.
    pub fn non_negative(&self, field: usize) -> Result<Option<Decimal>, FieldError> {
        let d = self.decimal(field)?;
        match (d, self.get(field)) {
            (Some(v), Some(t)) if v.is_sign_negative() && !v.is_zero() => {
                Err(FieldError::new(field, format!("`{t}` is negative")))
            }
            _ => Ok(d),
        }
    }

    /// A whole number (`u32`; `-3`, `1,500` and `1e3` are refused).
    pub fn whole(&self, field: usize) -> Result<Option<u32>, FieldError> {
        self.parse(field, parse_whole)
    }

    /// A date, `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub fn date(&self, field: usize) -> Result<Option<NaiveDate>, FieldError> {
        self.parse(field, |t| {
            parse_date(t).ok_or_else(|| format!("`{t}` is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
        })
    }

    /// A time of day, `HH:MM` or `HH:MM:SS`.
    pub fn time(&self, field: usize) -> Result<Option<NaiveTime>, FieldError> {
        self.parse(field, |t| {
            parse_time(t).ok_or_else(|| format!("`{t}` is not a time (HH:MM or HH:MM:SS)"))
        })
    }

    /// A list: the value split on `,`, `|` and `;`, each item trimmed, empty items dropped.
    pub fn list(&self, field: usize) -> Vec<String> {
        self.get(field)
            .map(|t| {
                t.split([',', '|', ';'])
                    .map(trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn parse<T>(
        &self,
        field: usize,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, FieldError> {
        self.get(field)
            .map(f)
            .transpose()
            .map_err(|reason| FieldError::new(field, reason))
    }

    /// Columns no field claimed, with a value: (header as written, value untrimmed).
    pub fn extra(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let row = *self;
        let layout: &'a FieldLayout = self.layout;
        layout.extra.iter().filter_map(move |&i| {
            let v = column(row.text, row.ends, i);
            (!v.is_empty()).then_some((layout.headers[i].as_str(), v))
        })
    }

    /// [`FileRow::extra`] as an owned map.
    pub fn extra_map(&self) -> BTreeMap<String, String> {
        self.extra()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Any column by its header name as written in the file (untrimmed; `None` if the file has
    /// no such column).
    pub fn by_header(&self, header: &str) -> Option<&'a str> {
        let i = self.layout.headers.iter().position(|h| h == header)?;
        Some(column(self.text, self.ends, i))
    }

    /// The header names of the file, in column order.
    pub fn headers(&self) -> &'a [String] {
        &self.layout.headers
    }
}

impl std::fmt::Debug for FileRow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<(&str, Option<&str>)> = self
            .layout
            .specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name, self.get(i)))
            .collect();
        f.debug_struct("FileRow")
            .field("kind", &self.layout.kind)
            .field("line", &self.line)
            .field("fields", &fields)
            .field("extra", &self.extra().collect::<Vec<_>>())
            .finish()
    }
}

/// Parses `YYYY-MM-DD` (ISO) or `DD/MM/YYYY` (the format of Accor's purchase-order dates).
pub(crate) fn parse_date(t: &str) -> Option<NaiveDate> {
    let format = if t.contains('/') {
        "%d/%m/%Y"
    } else {
        "%Y-%m-%d"
    };
    NaiveDate::parse_from_str(t, format).ok()
}

/// Parses `HH:MM` or `HH:MM:SS`.
pub(crate) fn parse_time(t: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(t, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    static SPECS: &[FieldSpec] = &[
        FieldSpec::required("id", &["id", "code"]),
        FieldSpec::optional("name", &["name", "label"]),
        FieldSpec::optional("other_id", &["id"]),
    ];

    fn header(names: &[&str]) -> Header {
        Header {
            names: names.iter().map(|h| h.to_string()).collect(),
            delimiter: b';',
            how: "sniffed",
            line: 1,
        }
    }

    fn layout(headers: &[&str]) -> Result<FieldLayout, Error> {
        FieldLayout::new(
            "things",
            SPECS,
            None,
            header(headers),
            NumberFormat::Auto,
            "t.csv",
        )
    }

    #[test]
    fn first_alias_wins_and_a_column_serves_one_field() {
        let l = layout(&["\u{feff}Label", " Code ", "ID", "Name", "misc"]).unwrap();
        // `id` comes before `code` in the aliases; `other_id` finds `id` taken.
        assert_eq!(l.columns, vec![Some(2), Some(3), None]);
        assert_eq!(l.extra, vec![0, 1, 4]);
        assert_eq!(l.headers, ["Label", "Code", "ID", "Name", "misc"]);
    }

    #[test]
    fn a_missing_required_column_or_an_unknown_override_is_refused() {
        let err = layout(&["name", "x"]).unwrap_err().to_string();
        assert!(
            err.contains("has no id column, which this things file needs"),
            "{err}"
        );
        assert!(err.contains("looked for id, code"), "{err}");
        let mut o = BTreeMap::new();
        o.insert("nmae".to_string(), vec!["x".to_string()]);
        let err = FieldLayout::new(
            "things",
            SPECS,
            Some(&o),
            header(&["id"]),
            NumberFormat::Auto,
            "t.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no field `nmae` in things records"), "{err}");
    }

    #[test]
    fn overrides_replace_the_default_aliases() {
        let mut o = BTreeMap::new();
        o.insert("name".to_string(), vec!["hotel_label".to_string()]);
        let l = FieldLayout::new(
            "things",
            SPECS,
            Some(&o),
            header(&["id", "name", "Hotel-Label"]),
            NumberFormat::Auto,
            "t.csv",
        )
        .unwrap();
        assert_eq!(l.columns, vec![Some(0), Some(2), None]);
        assert_eq!(l.extra, vec![1]);
    }

    #[test]
    fn dates_and_times_in_both_formats() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(parse_date("2026-12-01"), Some(d));
        assert_eq!(parse_date("01/12/2026"), Some(d));
        for bad in [
            "2026-02-30",
            "31/02/2026",
            "12/2026",
            "2026/12/01",
            "tomorrow",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_time("14:30"), NaiveTime::from_hms_opt(14, 30, 0));
        assert_eq!(parse_time("07:05:09"), NaiveTime::from_hms_opt(7, 5, 9));
        assert_eq!(parse_time("25:00"), None);
    }

    #[test]
    fn rows_are_checked_once_and_read_by_field() {
        let l = layout(&["code", "name", "misc"]).unwrap();
        let text = "A1 ;  ;x";
        let bytes = text.replace(';', "");
        let ends = [3u32, 5, 6];
        let raw = RawRecord {
            line: 7,
            bytes: bytes.as_bytes(),
            ends: &ends,
        };
        let row = l.row(raw, "t.csv").unwrap();
        assert_eq!(row.get(0), Some("A1"));
        assert_eq!(row.get(1), None);
        assert_eq!(row.get(2), None);
        assert_eq!(row.extra().collect::<Vec<_>>(), vec![("misc", "x")]);
        assert_eq!(row.by_header("name"), Some("  "));
        let e = l.row_error(FieldError::new(2, "is odd"), 7, "t.csv");
        assert_eq!(e.to_string(), "t.csv:7: field `other_id` is odd");
        let blank = RawRecord {
            line: 8,
            bytes: b" x",
            ends: &[1, 1, 2],
        };
        assert_eq!(
            l.row(blank, "t.csv").unwrap_err().to_string(),
            "t.csv:8 column `code`: is empty"
        );
    }
}
