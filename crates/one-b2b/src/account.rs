//! Stage I account data: clients (both directions), segments, trade credits, blockades.

use connector_core::batch::{BatchReport, Chunk};
use connector_core::{ClientRef, Error, validate};
use futures::Stream;
use serde::Deserialize;

use crate::bulk::{Checkpoint, Keyed};
use crate::client::OneClient;
use crate::model::{Client, ClientBlockade, Segment, TradeCredit};
use crate::routes;

/// A page of clients (`GET .../clients?pageNumber&pageSize`).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawClientPage")]
#[non_exhaustive]
pub struct ClientPage {
    /// The clients of the page (`items`, or `listElement`/`elements` in some answers).
    pub items: Vec<Client>,
    /// Total number of clients, when given (`totalElements`/`totalElement`/`total`).
    pub total_elements: Option<u64>,
}

/// The answer as sent. ONe's list answers are documented as `{listElement[], totalElement,
/// items[]}`: several of these names can come in one answer, which serde aliases refuse.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawClientPage {
    #[serde(default)]
    items: Option<Vec<Client>>,
    #[serde(default)]
    list_element: Option<Vec<Client>>,
    #[serde(default)]
    elements: Option<Vec<Client>>,
    #[serde(default)]
    total_elements: Option<u64>,
    #[serde(default)]
    total_element: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
}

impl From<RawClientPage> for ClientPage {
    fn from(raw: RawClientPage) -> Self {
        // The first list that has clients (an empty `items` beside a full `listElement`
        // must not hide them).
        let items = [raw.items, raw.list_element, raw.elements]
            .into_iter()
            .flatten()
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        Self {
            items,
            total_elements: raw.total_elements.or(raw.total_element).or(raw.total),
        }
    }
}

impl Keyed for Client {
    fn key(&self) -> String {
        self.client_id.clone()
    }
}

/// An organisation's trade credit on its way.
#[derive(Debug)]
struct OrgCredit(String, TradeCredit);

impl Keyed for OrgCredit {
    fn key(&self) -> String {
        self.0.clone()
    }
}

pub(crate) fn check_client(field: &str, c: &Client) -> Result<(), Error> {
    ClientRef::parse(&c.client_id).map_err(|_| {
        Error::invalid(
            format!("{field}.clientId"),
            "must be `org:<id>` or `ind:<id>`",
        )
    })?;
    if let Some(t) = &c.account_type {
        t.check_known(&format!("{field}.accountType"))?;
    }
    if let Some(email) = c.admin.as_ref().and_then(|a| a.email.as_deref()) {
        validate::email(&format!("{field}.admin.email"), email)?;
    }
    Ok(())
}

fn check_org(organization_id: &str) -> Result<(), Error> {
    validate::required("organizationId", organization_id)?;
    if organization_id.starts_with("ind:") {
        return Err(Error::invalid(
            "organizationId",
            "must be an organisation: trade credits exist for `org:` clients only",
        ));
    }
    Ok(())
}

/// The credit limit, when sent, is not negative.
fn check_credit(field: &str, credit: &TradeCredit) -> Result<(), Error> {
    if credit
        .credit_value
        .is_some_and(|v| v.is_sign_negative() && !v.is_zero())
    {
        return Err(Error::invalid(
            format!("{field}.creditValue"),
            "must not be negative",
        ));
    }
    Ok(())
}

impl OneClient {
    /// Creates clients ERP -> ONe (`POST .../clients`), in requests of at most `max_lines`.
    /// A client refused by ONe is reported; the others are created.
    pub async fn create_clients<S>(
        &self,
        clients: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = Client> + Send,
    {
        let prepare = |i: usize, c: Client| match check_client(&format!("clients[{i}]"), &c) {
            Ok(()) => Ok(c),
            Err(e) => Err((c.client_id.clone(), e)),
        };
        let build = |chunk: &Chunk<_>| {
            OneClient::build_groups(
                chunk,
                |_c: &Client| "",
                |_, clients| {
                    let req = self.request(&routes::CLIENTS_CREATE, &[]).reconcile_hint(
                    "read the clients back (GET .../clients/{clientId}) before creating them again",
                );
                    OneClient::with_json(req, "clients", clients)
                },
            )
        };
        self.engine().run(checkpoint, clients, prepare, build).await
    }

    /// Updates clients one by one (`PUT .../clients/{clientId}`). A client ONe does not know
    /// (404) is reported as rejected and the run goes on.
    pub async fn update_clients<S>(
        &self,
        clients: S,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<BatchReport, Error>
    where
        S: Stream<Item = Client> + Send,
    {
        let prepare = |i: usize, c: Client| match check_client(&format!("clients[{i}]"), &c) {
            Ok(()) => Ok(c),
            Err(e) => Err((c.client_id.clone(), e)),
        };
        let build = |chunk: &Chunk<_>| {
            OneClient::build_groups(
                chunk,
                |c: &Client| c.client_id.as_str(),
                |id, clients| {
                    let req = self.request(&routes::CLIENT_PUT, &[id]);
                    OneClient::with_json(req, "client", clients[0])
                },
            )
        };
        self.per_record_engine()
            .run(checkpoint, clients, prepare, build)
            .await
    }

    /// Reads one client (ONe -> ERP).
    pub async fn client(&self, client_id: &str) -> Result<Client, Error> {
        validate::required("clientId", client_id)?;
        self.call(self.request(&routes::CLIENT_GET, &[client_id]))
            .await
    }

    /// Reads a page of clients (`pageNumber` from 0).
    pub async fn clients(&self, page_number: u32, page_size: u32) -> Result<ClientPage, Error> {
        let req = self
            .request(&routes::CLIENTS_LIST, &[])
            .query("pageNumber", page_number.to_string())
            .query("pageSize", page_size.to_string());
        self.call(req).await
    }

    /// Deletes a client.
    pub async fn delete_client(&self, client_id: &str) -> Result<(), Error> {
        validate::required("clientId", client_id)?;
        self.call_empty(self.request(&routes::CLIENT_DELETE, &[client_id]))
            .await
            .map(|_| ())
    }

    /// Creates or replaces a client segment.
    pub async fn put_segment(&self, segment: &Segment) -> Result<(), Error> {
        validate::required("segment.id", &segment.id)?;
        let req = self.request(&routes::SEGMENT_PUT, &[&segment.id]);
        let req = Self::with_json(req, "segment", segment)?;
        self.call_empty(req).await.map(|_| ())
    }

    /// Reads a client segment.
    pub async fn segment(&self, segment_id: &str) -> Result<Segment, Error> {
        validate::required("segmentId", segment_id)?;
        self.call(self.request(&routes::SEGMENT_GET, &[segment_id]))
            .await
    }

    /// Sets an organisation's trade credit (credit limit).
    pub async fn put_trade_credit(
        &self,
        organization_id: &str,
        credit: &TradeCredit,
    ) -> Result<(), Error> {
        check_org(organization_id)?;
        check_credit("tradeCredit", credit)?;
        let req = self.request(&routes::TRADE_CREDIT_PUT, &[organization_id]);
        let req = Self::with_json(req, "tradeCredit", credit)?;
        self.call_empty(req).await.map(|_| ())
    }

    /// Sets many trade credits, one request each; unknown organisations (404) are reported and
    /// the others go through.
    pub async fn put_trade_credits<S>(&self, credits: S) -> Result<BatchReport, Error>
    where
        S: Stream<Item = (String, TradeCredit)> + Send,
    {
        let prepare = |i: usize, (org, credit): (String, TradeCredit)| match check_org(&org)
            .and_then(|()| check_credit(&format!("tradeCredits[{i}]"), &credit))
        {
            Ok(()) => Ok(OrgCredit(org, credit)),
            Err(e) => Err((org, e)),
        };
        let build = |chunk: &Chunk<_>| {
            OneClient::build_groups(
                chunk,
                |c: &OrgCredit| c.0.as_str(),
                |org, items| {
                    let req = self.request(&routes::TRADE_CREDIT_PUT, &[org]);
                    OneClient::with_json(req, "tradeCredit", &items[0].1)
                },
            )
        };
        self.per_record_engine()
            .run(None, credits, prepare, build)
            .await
    }

    /// Reads an organisation's trade credit (limit, used, available).
    pub async fn trade_credit(&self, organization_id: &str) -> Result<TradeCredit, Error> {
        check_org(organization_id)?;
        self.call(self.request(&routes::TRADE_CREDIT_GET, &[organization_id]))
            .await
    }

    /// Removes an organisation's trade credit.
    pub async fn delete_trade_credit(&self, organization_id: &str) -> Result<(), Error> {
        check_org(organization_id)?;
        self.call_empty(self.request(&routes::TRADE_CREDIT_DELETE, &[organization_id]))
            .await
            .map(|_| ())
    }

    /// Blocks a client (TRADE_CREDIT, SALE or CLIENT) and returns ONe's record of it.
    pub async fn put_blockade(
        &self,
        client_id: &str,
        blockade: &ClientBlockade,
    ) -> Result<ClientBlockade, Error> {
        validate::required("clientId", client_id)?;
        blockade.kind.check_known("blockade.type")?;
        let req = self.request(&routes::BLOCKADE_PUT, &[client_id]);
        let req = Self::with_json(req, "blockade", blockade)?;
        self.call(req).await
    }

    /// Reads a client's blockade.
    pub async fn blockade(&self, client_id: &str) -> Result<ClientBlockade, Error> {
        validate::required("clientId", client_id)?;
        self.call(self.request(&routes::BLOCKADE_GET, &[client_id]))
            .await
    }

    /// Lifts a client's blockade.
    pub async fn delete_blockade(&self, client_id: &str) -> Result<(), Error> {
        validate::required("clientId", client_id)?;
        self.call_empty(self.request(&routes::BLOCKADE_DELETE, &[client_id]))
            .await
            .map(|_| ())
    }
}
