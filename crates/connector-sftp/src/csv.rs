//! The CSV stage of [`crate::SftpClient::csv_records`]: the `csv` crate reads from a blocking
//! reader over the download's chunk channel, so parsing overlaps the transfer and memory stays
//! bounded by the channels.

use bytes::Bytes;
use connector_core::{Error, Result};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::model::CsvOptions;
use crate::transfer::ChannelReader;

/// Parses records from `rx` into `tx` until the input ends, the consumer goes away, or the
/// transfer fails. Runs on a blocking thread.
pub(crate) fn parse_into<T: DeserializeOwned>(
    rx: mpsc::Receiver<Result<Bytes>>,
    opts: &CsvOptions,
    path: &str,
    tx: &mpsc::Sender<Result<T>>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(opts.has_headers)
        .flexible(opts.flexible)
        .buffer_capacity(256 * 1024)
        .from_reader(ChannelReader::new(rx));
    let mut record = csv::StringRecord::new();
    let headers = if opts.has_headers {
        match reader.headers() {
            Ok(h) => Some(h.clone()),
            Err(e) => {
                let _ = tx.blocking_send(Err(csv_error(&mut reader, e, path)));
                return;
            }
        }
    } else {
        None
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return,
            Ok(true) => {
                let item = record.deserialize::<T>(headers.as_ref()).map_err(|e| {
                    let line = record.position().map(|p| p.line()).unwrap_or(0);
                    Error::Decode {
                        path: format!("{path}: line {line}"),
                        message: e.to_string(),
                        excerpt: String::new(),
                    }
                });
                if tx.blocking_send(item).is_err() {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                // One record is not valid UTF-8: report it and keep going.
                if tx
                    .blocking_send(Err(csv_error(&mut reader, e, path)))
                    .is_err()
                {
                    return;
                }
            }
            Err(e) => {
                // A transfer failure or broken CSV structure ends the stream.
                let _ = tx.blocking_send(Err(csv_error(&mut reader, e, path)));
                return;
            }
        }
    }
}

fn csv_error(reader: &mut csv::Reader<ChannelReader>, e: csv::Error, path: &str) -> Error {
    if let Some(transfer) = reader.get_mut().take_error() {
        return transfer;
    }
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    Error::Decode {
        path: format!("{path}: line {line}"),
        message: e.to_string(),
        excerpt: String::new(),
    }
}
