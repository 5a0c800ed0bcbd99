//! Loads: deliver load files to Omni (the `integration-exec-post` call or an FTP drop), and the
//! sequencing helper that keeps TOTVS's ordering rules.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use connector_core::{Error, ExposeSecret, SecretString};
use connector_http::{FieldValue, FileSource, HttpClient, Part, Request, encode_segment};
use futures::{Stream, StreamExt};

use crate::layout::{
    LayoutProfile, LoadFile, LoadFileWriter, LoadRecord, PriceLine, ProductLine, StockLine,
};
use crate::model::load::ReceiptBody;
use crate::model::{IntegrationType, LoadReceipt};

/// How load files reach Omni.
#[async_trait]
pub trait LoadTransport: Send + Sync + fmt::Debug {
    /// Delivers one file and runs (or queues) the integration of its type.
    async fn deliver(&self, file: &LoadFile) -> Result<LoadReceipt, Error>;
}

/// The documented REST call: `POST {host}/integrador/session-less/integrations/{SITEID}/integration-exec-post`
/// as `multipart/form-data` with `username`, `password`, `integrationType` and the file part
/// `integrationFile` (streamed from disk).
pub struct HttpExecPost {
    http: HttpClient,
    path: String,
    username: String,
    password: SecretString,
}

impl fmt::Debug for HttpExecPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpExecPost")
            .field("path", &self.path)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

impl HttpExecPost {
    /// The transport over `http` (whose base URL is the load host) for `site_id`.
    pub fn new(
        http: HttpClient,
        site_id: &str,
        username: impl Into<String>,
        password: SecretString,
    ) -> Self {
        Self {
            http,
            path: format!(
                "integrador/session-less/integrations/{}/integration-exec-post",
                encode_segment(site_id)
            ),
            username: username.into(),
            password,
        }
    }
}

const MAX_RECEIPT_BODY: usize = 4096;
const EXEC_POST: &str = "totvs_omni.integration_exec_post";
const EXEC_POST_HINT: &str = "check the integration's executions in Omni (Módulo Integrador) \
     before sending the file again; reloading a full snapshot file is harmless";

#[async_trait]
impl LoadTransport for HttpExecPost {
    async fn deliver(&self, file: &LoadFile) -> Result<LoadReceipt, Error> {
        let ty = file.integration_type();
        let parts = vec![
            Part::Text {
                name: "username".into(),
                value: FieldValue::Plain(self.username.clone()),
            },
            Part::Text {
                name: "password".into(),
                value: FieldValue::Secret(SecretString::from(self.password.expose_secret())),
            },
            Part::Text {
                name: "integrationType".into(),
                value: FieldValue::Plain(ty.code().to_string()),
            },
            Part::File {
                name: "integrationFile".into(),
                file_name: file.upload_name(),
                content_type: "application/json".into(),
                source: FileSource::Path(file.path().to_path_buf()),
            },
        ];
        let req = Request::post(self.path.clone())
            .operation(EXEC_POST)
            .without_auth()
            .multipart(parts)
            .reconcile_hint(EXEC_POST_HINT);
        let resp = self.http.send_raw(req).await?;
        if !(200..300).contains(&resp.status()) {
            let error = self.http.error_for(EXEC_POST, &resp);
            // The integration may have run before an upstream failure or a gateway timeout.
            return Err(match resp.status() {
                500 | 502 | 504 => Error::OutcomeUnknown {
                    operation: EXEC_POST.into(),
                    reason: format!(
                        "HTTP {} from the load endpoint: the integration may or may not have run",
                        resp.status()
                    ),
                    reconcile: EXEC_POST_HINT.into(),
                    source: Some(Box::new(error)),
                },
                _ => error,
            });
        }
        let body = String::from_utf8_lossy(resp.body());
        let parsed = ReceiptBody::parse(resp.body());
        let job_id = parsed.id;
        let mut text = body.into_owned();
        if text.len() > MAX_RECEIPT_BODY {
            let mut cut = MAX_RECEIPT_BODY;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        Ok(LoadReceipt {
            integration_type: ty,
            http_status: Some(resp.status()),
            remote_path: None,
            job_id,
            message: parsed.message,
            body: text,
            file_name: file.upload_name(),
            records: file.records(),
            bytes: file.bytes(),
        })
    }
}

/// Writes load files and delivers them through a [`LoadTransport`].
#[derive(Debug, Clone)]
pub struct Loads {
    transport: Arc<dyn LoadTransport>,
    profile: LayoutProfile,
}

impl Loads {
    /// Loads through `transport`, writing files with `profile`.
    pub fn new(transport: Arc<dyn LoadTransport>, profile: LayoutProfile) -> Self {
        Self { transport, profile }
    }

    /// The layout profile.
    pub fn profile(&self) -> &LayoutProfile {
        &self.profile
    }

    /// Writes `records` to a temporary load file of type `ty` (streamed to disk).
    pub async fn write_file<R, S>(&self, ty: IntegrationType, records: S) -> Result<LoadFile, Error>
    where
        R: LoadRecord,
        S: Stream<Item = R>,
    {
        let mut w = LoadFileWriter::temp(ty, self.profile.clone()).await?;
        w.write_all(records).await?;
        w.finish().await
    }

    /// Delivers a file written earlier.
    pub async fn send(&self, file: &LoadFile) -> Result<LoadReceipt, Error> {
        if file.records() == 0 {
            return Err(Error::invalid(
                "records",
                "a load file must hold at least one record",
            ));
        }
        self.transport.deliver(file).await
    }

    /// Writes and delivers in one go.
    pub async fn load<R, S>(&self, ty: IntegrationType, records: S) -> Result<LoadReceipt, Error>
    where
        R: LoadRecord,
        S: Stream<Item = R>,
    {
        let file = self.write_file(ty, records).await?;
        self.send(&file).await
    }
}

/// A stock line the sequencer refused to send.
#[derive(Debug)]
#[non_exhaustive]
pub struct RefusedStock {
    /// Position in the stock input (0-based).
    pub index: usize,
    /// The line.
    pub line: StockLine,
    /// Why.
    pub error: Error,
}

/// What a sequenced full load did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SequenceReport {
    /// Receipt of the products load, if there was one.
    pub products: Option<LoadReceipt>,
    /// Receipt of the prices load, if there was one.
    pub prices: Option<LoadReceipt>,
    /// Receipt of the stock load, if there was one.
    pub stock: Option<LoadReceipt>,
    /// Stock lines refused before sending: invalid (negative quantity, no SKU...) or for a
    /// store that does not exist in Omni. The other lines are sent.
    pub refused_stock: Vec<RefusedStock>,
    /// The steps run, in order (`products`, `prices`, `stock`).
    pub steps: Vec<&'static str>,
}

/// Sequences a full load as TOTVS requires: products first, then prices, then stock; a failed
/// step stops the sequence (prices and stock for products Omni does not have would be refused).
/// Stock lines that break a rule, or for stores declared absent (or outside the declared
/// list), are refused before sending and reported; the other lines are sent.
#[derive(Debug, Clone)]
pub struct LoadSequencer {
    loads: Loads,
    known_stores: Option<BTreeSet<String>>,
    absent_stores: BTreeSet<String>,
}

impl LoadSequencer {
    /// A sequencer over `loads`.
    pub fn new(loads: Loads) -> Self {
        Self {
            loads,
            known_stores: None,
            absent_stores: BTreeSet::new(),
        }
    }

    /// The stores that exist in Omni (external ids); stock for any other store is refused.
    pub fn known_stores<I: IntoIterator<Item = S>, S: Into<String>>(mut self, stores: I) -> Self {
        self.known_stores = Some(stores.into_iter().map(Into::into).collect());
        self
    }

    /// Stores known not to exist in Omni yet; stock for them is refused.
    pub fn absent_stores<I: IntoIterator<Item = S>, S: Into<String>>(mut self, stores: I) -> Self {
        self.absent_stores = stores.into_iter().map(Into::into).collect();
        self
    }

    fn store_error(&self, index: usize, store: &str) -> Option<Error> {
        let field = format!("stock[{index}].store");
        if self.absent_stores.contains(store) {
            return Some(Error::invalid(
                field,
                format!(
                    "`{store}` does not exist in Omni; register the store with this external id first"
                ),
            ));
        }
        match &self.known_stores {
            Some(known) if !known.contains(store) => Some(Error::invalid(
                field,
                format!(
                    "`{store}` is not a known Omni store; register it with this external id first"
                ),
            )),
            _ => None,
        }
    }

    /// Runs the sequence. Each input may be empty (that step is skipped).
    pub async fn run<P, Q, S>(
        &self,
        products: P,
        prices: Q,
        stock: S,
    ) -> Result<SequenceReport, Error>
    where
        P: Stream<Item = ProductLine>,
        Q: Stream<Item = PriceLine>,
        S: Stream<Item = StockLine>,
    {
        let mut report = SequenceReport::default();
        let file = self
            .loads
            .write_file(IntegrationType::Products, products)
            .await?;
        if file.records() > 0 {
            report.products = Some(self.loads.send(&file).await?);
            report.steps.push("products");
        }
        drop(file);
        let file = self
            .loads
            .write_file(IntegrationType::Prices, prices)
            .await?;
        if file.records() > 0 {
            report.prices = Some(self.loads.send(&file).await?);
            report.steps.push("prices");
        }
        drop(file);
        let mut w =
            LoadFileWriter::temp(IntegrationType::Stock, self.loads.profile.clone()).await?;
        let mut stock = std::pin::pin!(stock.enumerate());
        while let Some((index, line)) = stock.next().await {
            let checked = line
                .validate(IntegrationType::Stock, &format!("stock[{index}]"))
                .err()
                .or_else(|| self.store_error(index, &line.store));
            if let Some(error) = checked {
                report
                    .refused_stock
                    .push(RefusedStock { index, line, error });
                continue;
            }
            match w.write(&line).await {
                Err(error @ Error::InvalidInput { .. }) => {
                    report
                        .refused_stock
                        .push(RefusedStock { index, line, error });
                }
                other => other?,
            }
        }
        let file = w.finish().await?;
        if file.records() > 0 {
            report.stock = Some(self.loads.send(&file).await?);
            report.steps.push("stock");
        }
        Ok(report)
    }
}
