//! The header of a catalog file: delimiter sniffing and where each known field sits.

use std::io::Read;

use connector_core::Error;

use super::options::{CatalogColumns, CatalogOptions};
use super::splitter::{RecordBuf, SplitError, Splitter};

/// Normalises a header name: BOM and surrounding spaces removed, lower case, `-` and spaces
/// turned into `_`.
pub(crate) fn normalize(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
}

/// A header name as written: BOM and surrounding spaces removed.
pub(crate) fn as_written(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_string()
}

/// Sniffs the delimiter from the first line: `;` if it has at least as many `;` as `,`.
pub(crate) fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let semi = line.iter().filter(|b| **b == b';').count();
    let comma = line.iter().filter(|b| **b == b',').count();
    if semi >= comma && semi > 0 {
        b';'
    } else {
        b','
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
}

impl Layout {
    pub(crate) fn new(
        headers: Vec<String>,
        cols: &CatalogColumns,
        file: &str,
    ) -> Result<Self, Error> {
        let norm: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let find = |aliases: &[String]| {
            aliases
                .iter()
                .find_map(|a| norm.iter().position(|n| n == a))
        };
        let offer_id = find(&cols.offer_id).ok_or_else(|| Error::Decode {
            path: format!("{file}:1"),
            message: format!(
                "no offer id column (looked for {}); columns are: {}",
                cols.offer_id.join(", "),
                headers.join(", ")
            ),
            excerpt: String::new(),
        })?;
        let lists = [
            &cols.product_sku,
            &cols.title,
            &cols.shop_id,
            &cols.shop_name,
            &cols.price,
            &cols.currency,
            &cols.quantity,
            &cols.min_order_quantity,
            &cols.package_quantity,
            &cols.brand,
            &cols.gtin,
            &cols.category,
            &cols.description,
            &cols.unit,
        ];
        let mut fields = [None; field::COUNT];
        for (slot, list) in fields.iter_mut().zip(lists) {
            *slot = find(list);
        }
        let known: Vec<usize> = std::iter::once(offer_id)
            .chain(fields.iter().flatten().copied())
            .collect();
        let extra = (0..headers.len()).filter(|i| !known.contains(i)).collect();
        let headers = headers.into_iter().map(|h| as_written(&h)).collect();
        Ok(Self {
            offer_id,
            fields,
            headers,
            extra,
        })
    }
}

/// The reader after the header was peeked (the peeked bytes, then the rest).
pub(crate) type Peeked<R> = std::io::Chain<std::io::Cursor<Vec<u8>>, R>;

/// Peeks the first line (for the delimiter), strips a BOM, and reads the header of a catalog
/// file, then finds the catalog's columns.
pub(crate) fn open<R: Read>(
    input: R,
    file: &str,
    options: &CatalogOptions,
) -> Result<(Splitter<Peeked<R>>, Layout), Error> {
    let (splitter, headers) = open_header(input, file, options.delimiter)?;
    let layout = Layout::new(headers, &options.columns, file)?;
    Ok((splitter, layout))
}

/// Peeks the first line, sniffs the delimiter (unless `delimiter` forces one), strips a BOM,
/// and reads the header names (as written, lossily decoded). Any CSV file of the catalog set.
pub(crate) fn open_header<R: Read>(
    mut input: R,
    file: &str,
    delimiter: Option<u8>,
) -> Result<(Splitter<Peeked<R>>, Vec<String>), Error> {
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let k = input
            .read(&mut head[n..])
            .map_err(|e| Error::io(format!("reading {file}"), e))?;
        if k == 0 {
            break;
        }
        n += k;
        if head[..n].contains(&b'\n') {
            break;
        }
    }
    head.truncate(n);
    let body = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .map(<[u8]>::to_vec)
        .unwrap_or(head);
    let delimiter = delimiter.unwrap_or_else(|| sniff(&body));
    let mut splitter = Splitter::new(
        std::io::Cursor::new(body).chain(input),
        delimiter,
        256 * 1024,
    );
    let mut buf = RecordBuf::with_room(4096);
    let header = match splitter.next_record(&mut buf) {
        Some(Ok(p)) => p,
        Some(Err(SplitError::Io(e))) => {
            return Err(Error::io(format!("reading the header of {file}"), e));
        }
        Some(Err(SplitError::TooLong { .. })) | None => {
            return Err(Error::Decode {
                path: format!("{file}:1"),
                message: "no header line".into(),
                excerpt: String::new(),
            });
        }
    };
    let bytes = buf.bytes(header.start, header.len);
    let mut prev = 0usize;
    let headers = buf
        .ends
        .get(header.ends_from..header.ends_to)
        .unwrap_or_default()
        .iter()
        .map(|&e| {
            let name = String::from_utf8_lossy(bytes.get(prev..e as usize).unwrap_or_default())
                .into_owned();
            prev = e as usize;
            name
        })
        .collect();
    Ok((splitter, headers))
}
