//! Stage III documents: invoices (content, PDF in two steps begin/complete, statuses) and
//! goods-issued notes, WZ (content, PDF in two steps initialize/finalize, events).
//!
//! The upload protocol is not public beyond the endpoint names and the `uploadId` /
//! `fileExtension` fields, so [`OneClient::upload_pdf`] is lenient: step one answers an
//! `uploadId` and maybe an `uploadUrl` (or `url`). With a URL, the bytes are `PUT` there
//! (without the ONe credentials: such URLs are pre-signed) and step two sends
//! `{uploadId, fileExtension, number}` as JSON; without one, step two carries the file as
//! multipart (`uploadId`, `fileExtension`, `number`, `file`).

use bytes::Bytes;
use connector_core::{Error, validate};
use connector_http::{FieldValue, HttpClient, Part, Request};
use serde::Serialize;

use crate::client::OneClient;
use crate::model::{GoodsIssuedNote, Invoice, InvoiceStatusUpdate, UploadTicket};
use crate::routes::{self, Route};

/// Which document a PDF belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentKind {
    /// An invoice: `file-upload-begin` then `file-upload-complete`.
    Invoice,
    /// A goods-issued note (WZ): `file-upload-initialize` then `file-upload-finalize`.
    GoodsIssuedNote,
}

impl DocumentKind {
    fn routes(self) -> (Route, Route) {
        match self {
            Self::Invoice => (
                routes::INVOICE_UPLOAD_BEGIN,
                routes::INVOICE_UPLOAD_COMPLETE,
            ),
            Self::GoodsIssuedNote => (routes::GIN_UPLOAD_INITIALIZE, routes::GIN_UPLOAD_FINALIZE),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BeginBody<'a> {
    number: &'a str,
    file_extension: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompleteBody<'a> {
    upload_id: &'a str,
    file_extension: &'a str,
    number: &'a str,
}

fn check_invoice(field: &str, inv: &Invoice) -> Result<(), Error> {
    validate::required(&format!("{field}.number"), &inv.number)?;
    connector_core::Currency::new(&inv.currency_code)
        .map_err(|_| Error::invalid(format!("{field}.currencyCode"), "must be an ISO 4217 code"))?;
    if let Some(t) = &inv.client_data.client_type {
        t.check_known(&format!("{field}.clientData.clientType"))?;
    }
    if let Some(t) = inv.payer_data.as_ref().and_then(|p| p.client_type.as_ref()) {
        t.check_known(&format!("{field}.payerData.clientType"))?;
    }
    if let Some(e) = inv.client_data.invoice_email.as_deref() {
        validate::email(&format!("{field}.clientData.invoiceEmail"), e)?;
    }
    let t = &inv.total_prices;
    if t.net_price + t.tax_value != t.gross_price {
        return Err(Error::invalid(
            format!("{field}.totalPrices"),
            format!(
                "netPrice + taxValue must equal grossPrice ({} + {} != {})",
                t.net_price, t.tax_value, t.gross_price
            ),
        ));
    }
    Ok(())
}

impl OneClient {
    /// Sends (creates or replaces) an invoice's content.
    pub async fn put_invoice(&self, invoice: &Invoice) -> Result<(), Error> {
        check_invoice("invoice", invoice)?;
        let req = self.request(&routes::INVOICE_PUT, &[]);
        self.call_empty(Self::with_json(req, "invoice", invoice)?)
            .await
            .map(|_| ())
    }

    /// Sends invoice status changes.
    pub async fn put_invoice_statuses(&self, updates: &[InvoiceStatusUpdate]) -> Result<(), Error> {
        self.check_lines("statuses", updates.len())?;
        for (i, u) in updates.iter().enumerate() {
            validate::required(&format!("statuses[{i}].number"), &u.number)?;
        }
        let req = self.request(&routes::INVOICE_STATUS, &[]);
        self.call_empty(Self::with_json(req, "statuses", updates)?)
            .await
            .map(|_| ())
    }

    /// Sends (adds or replaces) a goods-issued note.
    pub async fn put_goods_issued_note(&self, note: &GoodsIssuedNote) -> Result<(), Error> {
        validate::required("note.number", &note.number)?;
        validate::required("note.clientId", &note.client_id)?;
        validate::count_between("note.productLines", &note.product_lines, 1, usize::MAX)?;
        for (i, l) in note.product_lines.iter().enumerate() {
            validate::required(
                &format!("note.productLines[{i}].product.sku"),
                &l.product.sku,
            )?;
            validate::positive(&format!("note.productLines[{i}].quantity"), l.quantity)?;
            let linked =
                l.sales_order_reference_number.is_some() || l.sales_order_line_number.is_some();
            if linked && l.line_number < 1 {
                return Err(Error::invalid(
                    format!("note.productLines[{i}].lineNumber"),
                    "starts at 1 when the line is linked to a sales order",
                ));
            }
        }
        let req = self.request(&routes::GIN_PUT, &[]);
        self.call_empty(Self::with_json(req, "note", note)?)
            .await
            .map(|_| ())
    }

    /// Reads goods-issued notes.
    pub async fn goods_issued_notes(&self) -> Result<Vec<GoodsIssuedNote>, Error> {
        self.call(self.request(&routes::GIN_GET, &[])).await
    }

    /// Uploads the PDF of document `number` in ONe's two steps; returns the `uploadId`.
    ///
    /// Both steps are POSTs: step one is retried on transient failures (an unused upload id
    /// is harmless); step two is not, and on [`Error::OutcomeUnknown`] the whole upload can be
    /// started again.
    pub async fn upload_pdf(
        &self,
        kind: DocumentKind,
        number: &str,
        pdf: impl Into<Bytes>,
    ) -> Result<String, Error> {
        let pdf: Bytes = pdf.into();
        validate::required("number", number)?;
        if !pdf.starts_with(b"%PDF-") {
            return Err(Error::invalid(
                "pdf",
                "must be a PDF document (starts with %PDF-)",
            ));
        }
        let (begin, complete) = kind.routes();
        let req = self.request(&begin, &[]).idempotent();
        let ticket: UploadTicket = self
            .call(Self::with_json(
                req,
                "upload",
                &BeginBody {
                    number,
                    file_extension: "pdf",
                },
            )?)
            .await?;
        validate::required("uploadId", &ticket.upload_id)?;
        let hint = format!(
            "check whether document `{number}` shows its PDF on ONe; if not, upload it again"
        );
        let req = self.request(&complete, &[]);
        let req = match &ticket.upload_url {
            Some(url) => {
                self.put_to_upload_url(url, pdf).await?;
                Self::with_json(
                    req,
                    "upload",
                    &CompleteBody {
                        upload_id: &ticket.upload_id,
                        file_extension: "pdf",
                        number,
                    },
                )?
            }
            None => req.multipart(vec![
                Part::Text {
                    name: "uploadId".into(),
                    value: FieldValue::Plain(ticket.upload_id.clone()),
                },
                Part::Text {
                    name: "fileExtension".into(),
                    value: FieldValue::Plain("pdf".into()),
                },
                Part::Text {
                    name: "number".into(),
                    value: FieldValue::Plain(number.into()),
                },
                Part::File {
                    name: "file".into(),
                    file_name: format!("{}.pdf", number.replace('/', "_")),
                    content_type: "application/pdf".into(),
                    source: connector_http::FileSource::Bytes(pdf),
                },
            ]),
        };
        self.call_once(req, hint).await?;
        Ok(ticket.upload_id)
    }

    /// `PUT`s the bytes to a pre-signed URL, without ONe's credentials.
    async fn put_to_upload_url(&self, url: &str, pdf: Bytes) -> Result<(), Error> {
        let parsed = url::Url::parse(url).map_err(|e| Error::Decode {
            path: "uploadUrl".into(),
            message: format!("not a URL: {e}"),
            excerpt: String::new(),
        })?;
        let origin = parsed.origin().ascii_serialization();
        let http = HttpClient::builder(origin)
            .allow_http(self.config.allow_http)
            .build()?;
        let mut req = Request::put(parsed.path().trim_start_matches('/').to_string())
            .operation("one.upload.put_file")
            .idempotent()
            .bytes("application/pdf", pdf);
        // Byte for byte: the signature covers the query as ONe wrote it.
        if let Some(query) = parsed.query() {
            req = req.raw_query(query);
        }
        http.send(req).await.map(|_| ())
    }
}
