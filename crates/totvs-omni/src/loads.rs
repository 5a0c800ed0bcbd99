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
    site_id: String,
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
            site_id: site_id.to_string(),
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

/// Why a 2xx answer is not Omni's, if it is not. Omni's answers (load receipts, order API
/// writes) are empty or JSON (their exact shape is not public); an HTML page (a proxy, a
/// login portal, a maintenance page) or any other text is not, so the call cannot be taken
/// as done.
pub(crate) fn not_omni_answer(resp: &connector_http::Response) -> Option<String> {
    let body = resp.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let content_type = resp.header("content-type").unwrap_or("none");
    if content_type.to_ascii_lowercase().contains("html") {
        return Some(format!("an HTML page (content type `{content_type}`)"));
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return None;
    }
    Some(format!(
        "a body that is not JSON (content type `{content_type}`)"
    ))
}
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
        if resp.status() == 404 {
            // The path holds only the site id: every load of this configuration would meet
            // the same refusal, so it is the configuration, and stops a run at once.
            let error = self.http.error_for(EXEC_POST, &resp);
            return Err(Error::config(format!(
                "the load endpoint answered 404 for site `{}` ({error}): the site does not exist \
                 in Omni or the load host is wrong; check TOTVS_OMNI_SITE_ID / \
                 TOTVS_OMNI_LOAD_HOST",
                self.site_id
            )));
        }
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
        if let Some(what) = not_omni_answer(&resp) {
            // A proxy's or a login portal's page: the file may never have reached Omni, or
            // it ran and the receipt was replaced on the way back.
            return Err(Error::OutcomeUnknown {
                operation: EXEC_POST.into(),
                reason: format!(
                    "HTTP {} with {what} instead of Omni's answer: the integration may or may \
                     not have run",
                    resp.status()
                ),
                reconcile: EXEC_POST_HINT.into(),
                source: None,
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

/// A prerequisite a refused load file names as missing in Omni.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A store (external id) that is not registered.
    Store(String),
    /// A product (SKU) that was never loaded.
    Product(String),
}

/// The missing prerequisite a load refusal names, if it names one: "loja X não cadastrada"
/// (a store) or "produto X não integrado" (a product), the simulator's wording and our
/// reading of Omni's (an open question). Such a refusal concerns every record that needs X,
/// not a malformed record.
pub(crate) fn missing_prerequisite(error: &Error) -> Option<Missing> {
    let message = error.context()?.message.as_str();
    let after = |word: &str, tail: &str| -> Option<String> {
        let at = message.find(word)? + word.len();
        let rest = &message[at..];
        let (name, more) = rest.split_once(' ')?;
        (more.trim_start().starts_with(tail) && !name.is_empty()).then(|| {
            name.trim_matches(|c: char| c == '`' || c == '\'' || c == '"')
                .to_string()
        })
    };
    after("loja ", "não cadastrad")
        .map(Missing::Store)
        .or_else(|| after("produto ", "não integrad").map(Missing::Product))
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
