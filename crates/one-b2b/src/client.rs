//! [`OneClient`]: the HTTP client of one ONe tenant, and the helpers every API area uses.

use std::collections::BTreeMap;
use std::sync::Arc;

use connector_core::batch::{BatchOptions, Chunk, ChunkResult};
use connector_core::{ApiContext, Error};
use connector_http::{HttpClient, Method, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth;
use crate::bulk::{Engine, Keyed, named_rejections};
use crate::config::OneConfig;
use crate::routes::Route;

/// A client of one ONe tenant. Cheap to clone (shared connection pool).
///
/// Every call carries `ApiAuth` (the key, from a secret) and `one-tenant`, plus
/// `accept: application/json`. PUT and DELETE calls are retried on transient failures (they
/// are upserts and deletes by id); POSTs are retried only where noted, and otherwise come back
/// as [`Error::OutcomeUnknown`] with a hint to reconcile.
#[derive(Debug, Clone)]
pub struct OneClient {
    pub(crate) http: HttpClient,
    pub(crate) config: Arc<OneConfig>,
}

impl OneClient {
    /// A client for `config`.
    pub fn new(config: OneConfig) -> Result<Self, Error> {
        let mut b = HttpClient::builder(config.environment.base_url())
            .auth(Arc::new(auth::headers(&config)))
            .allow_http(config.allow_http);
        if let Some(t) = config.timeout {
            b = b.timeout(t);
        }
        if let Some(r) = config.retry.clone() {
            b = b.retry(r);
        }
        if let Some(c) = config.clock.clone() {
            b = b.clock(c);
        }
        Ok(Self {
            http: b.build()?,
            config: Arc::new(config),
        })
    }

    /// A client configured from `ONE_B2B_*` variables (see [`OneConfig::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(OneConfig::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &OneConfig {
        &self.config
    }

    /// Refuses a list sent in one request (it cannot be split) when it is longer than
    /// `max_lines` (ONe: "we recommend not exceeding 10,000 lines in a single query").
    pub(crate) fn check_lines(&self, field: &str, lines: usize) -> Result<(), Error> {
        if lines > self.config.max_lines {
            return Err(Error::invalid(
                field,
                format!(
                    "has {lines} lines; one request may carry at most {} (send it in parts)",
                    self.config.max_lines
                ),
            ));
        }
        Ok(())
    }

    /// A request for `route` with its placeholders filled by `args`.
    pub(crate) fn request(&self, route: &Route, args: &[&str]) -> Request {
        let req = Request::new(route.method, route.path_with(args))
            .operation(route.operation)
            .header("accept", "application/json");
        match route.method {
            Method::Put | Method::Delete => req.idempotent(),
            _ => req,
        }
    }

    /// Sends and decodes a JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.http.send_json(req).await
    }

    /// Sends; any 2xx is success, whatever the body.
    pub(crate) async fn call_empty(&self, req: Request) -> Result<Response, Error> {
        self.http.send(req).await
    }

    /// A JSON body, with serialization failures reported as invalid input on `field`.
    pub(crate) fn with_json<B: Serialize + ?Sized>(
        req: Request,
        field: &str,
        body: &B,
    ) -> Result<Request, Error> {
        Self::with_json_sized(req, field, body, 256)
    }

    /// Like `with_json`, with a size hint for the buffer (bulk bodies).
    pub(crate) fn with_json_sized<B: Serialize + ?Sized>(
        req: Request,
        field: &str,
        body: &B,
        size_hint: usize,
    ) -> Result<Request, Error> {
        let mut bytes = Vec::with_capacity(size_hint);
        serde_json::to_writer(&mut bytes, body)
            .map_err(|e| Error::invalid(field, format!("cannot be encoded: {e}")))?;
        Ok(req.json_bytes(bytes))
    }

    /// The engine for bulk pushes (configured line limit and concurrency).
    pub(crate) fn engine(&self) -> Engine {
        Engine {
            options: BatchOptions::new(self.config.max_lines)
                .with_concurrency(self.config.concurrency),
            http: self.http.clone(),
            progress: self.config.bulk_progress.clone(),
        }
    }

    /// The engine for per-record calls (one record per request, bounded concurrency).
    pub(crate) fn per_record_engine(&self) -> Engine {
        Engine {
            options: BatchOptions::new(1).with_concurrency(self.config.concurrency.max(4)),
            http: self.http.clone(),
            progress: self.config.bulk_progress.clone(),
        }
    }

    /// Builds the requests of one chunk, one per group (warehouse, price route...): the
    /// synchronous half of a bulk send, run ahead of time by the engine while other requests
    /// are in flight. `build` gets the group and its records, in input order.
    pub(crate) fn build_groups<W, G, B>(
        chunk: &Chunk<W>,
        group: G,
        build: B,
    ) -> Result<Outgoing, Error>
    where
        G: Fn(&W) -> &str,
        B: Fn(&str, &[&W]) -> Result<Request, Error>,
    {
        let records = chunk.records();
        let Some(first) = records.first() else {
            return Ok(Outgoing { groups: Vec::new() });
        };
        let first_group = group(first);
        if records.iter().all(|r| group(r) == first_group) {
            // The usual case (one warehouse, one price endpoint): no regrouping.
            let all: Vec<&W> = records.iter().collect();
            return Ok(Outgoing::whole(build(first_group, &all)?));
        }
        let mut map: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in records.iter().enumerate() {
            map.entry(group(r)).or_default().push(i);
        }
        let mut groups = Vec::with_capacity(map.len());
        for (g, positions) in map {
            let wires: Vec<&W> = positions.iter().map(|&i| &records[i]).collect();
            let request = build(g, &wires)?;
            groups.push(OutGroup {
                positions: Some(positions),
                request,
            });
        }
        Ok(Outgoing { groups })
    }
}

/// The requests of one chunk, built and not yet sent.
#[derive(Debug)]
pub(crate) struct Outgoing {
    groups: Vec<OutGroup>,
}

#[derive(Debug)]
struct OutGroup {
    /// Positions in the chunk of the records this request carries; `None`: all of them.
    positions: Option<Vec<usize>>,
    request: Request,
}

impl Outgoing {
    /// One request carrying the whole chunk.
    pub(crate) fn whole(request: Request) -> Self {
        Self {
            groups: vec![OutGroup {
                positions: None,
                request,
            }],
        }
    }

    /// Sends the requests of `chunk`, one group after the other.
    ///
    /// A 2xx group is applied. A refused group whose body names records rejects those (the
    /// rest of the chunk is sent again: every bulk endpoint here is an idempotent upsert).
    /// A 4xx that names no record is returned, so the runner bisects the chunk. Any other
    /// failure after an earlier group of the chunk was applied is
    /// [`ChunkResult::Interrupted`]: the applied records count as sent, the rest as failed
    /// (or not attempted when the error stops the run); before that, it is returned as is.
    pub(crate) async fn send<W: Keyed>(
        self,
        http: &HttpClient,
        chunk: &Chunk<W>,
    ) -> Result<ChunkResult, Error> {
        let records = chunk.records();
        let mut rejected = Vec::new();
        let mut applied: Vec<usize> = Vec::new();
        let interrupted = |applied: Vec<usize>, rejected: Vec<(usize, Error)>, error: Error| {
            if error.is_record_level() || (applied.is_empty() && rejected.is_empty()) {
                Err(error)
            } else {
                Ok(ChunkResult::Interrupted {
                    applied,
                    rejected,
                    error,
                })
            }
        };
        for OutGroup { positions, request } in self.groups {
            let op = request.operation_name().to_string();
            let resp = match http.send_raw(request).await {
                Ok(resp) => resp,
                Err(e) => return interrupted(applied, rejected, e),
            };
            let status = resp.status();
            if (200..300).contains(&status) {
                match &positions {
                    Some(p) => applied.extend(p.iter().copied()),
                    None => applied.extend(0..records.len()),
                }
                continue;
            }
            let named = if matches!(status, 400 | 404 | 409 | 422) {
                let keys: Vec<String> = match &positions {
                    Some(p) => p.iter().map(|&i| records[i].key()).collect(),
                    None => records.iter().map(Keyed::key).collect(),
                };
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                named_rejections(resp.body(), &keys)
            } else {
                Vec::new()
            };
            if named.is_empty() {
                return interrupted(applied, rejected, http.error_for(&op, &resp));
            }
            for (i, message) in named {
                let ctx = ApiContext::new(message).with_operation(op.clone());
                let position = positions.as_ref().map_or(i, |p| p[i]);
                rejected.push((position, Error::from_status(status, ctx, None)));
            }
        }
        if rejected.is_empty() {
            Ok(ChunkResult::Accepted)
        } else {
            Ok(ChunkResult::RejectedRecords(rejected))
        }
    }
}
