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
        // The key is known to the runtime as an auth header already; registered again so it
        // stays out of every error whatever the auth carries.
        let mut b = HttpClient::builder(config.environment.base_url())
            .auth(Arc::new(auth::headers(&config)))
            .redact_secret(config.api_key.clone())
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

    /// Sends a write that is safe to repeat (a PUT or DELETE by id): a 2xx with an empty or
    /// JSON answer is success (see [`check_write`]).
    pub(crate) async fn call_empty(&self, req: Request) -> Result<Response, Error> {
        self.write(req, None).await
    }

    /// Sends a write that is *not* safe to repeat (a POST that creates something). It is never
    /// sent twice: a lost answer, a 5xx that may come after the write was applied, or a 2xx
    /// that is not ONe's answer is [`Error::OutcomeUnknown`] with `hint` (how to find out).
    pub(crate) async fn call_once(&self, req: Request, hint: String) -> Result<Response, Error> {
        self.write(req, Some(hint)).await
    }

    /// [`OneClient::call_once`] for a write whose answer must be decoded (the created
    /// record with its id): an answer that cannot be read is [`Error::OutcomeUnknown`] too (the
    /// record was probably created, and its id is lost).
    pub(crate) async fn call_once_json<T: DeserializeOwned>(
        &self,
        req: Request,
        hint: String,
    ) -> Result<T, Error> {
        let op = req.operation_name().to_string();
        let resp = self.write(req, Some(hint.clone())).await?;
        resp.json().map_err(|e| Error::OutcomeUnknown {
            operation: op,
            reason: format!(
                "HTTP {} but the answer could not be read: the record was probably created",
                resp.status()
            ),
            reconcile: hint,
            source: Some(Box::new(e)),
        })
    }

    async fn write(&self, req: Request, hint: Option<String>) -> Result<Response, Error> {
        let op = req.operation_name().to_string();
        let once = !req.is_idempotent();
        let hint = hint.unwrap_or_else(|| DEFAULT_RECONCILE_HINT.to_string());
        let req = if once {
            req.reconcile_hint(hint.clone())
        } else {
            req
        };
        let resp = self.http.send_raw(req).await?;
        check_write(&self.http, &op, once.then_some(hint.as_str()), resp)
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
            let mut out = Outgoing::whole(build(first_group, &all)?);
            out.groups[0].group = first_group.to_string();
            return Ok(out);
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
                group: g.to_string(),
                scope: None,
            });
        }
        Ok(Outgoing { groups })
    }
}

/// What to do when a write's outcome is unknown and no better hint was given.
pub(crate) const DEFAULT_RECONCILE_HINT: &str =
    "read the records back from ONe before sending them again";

/// Statuses that may come *after* a write was applied (an upstream failure, a gateway
/// timeout): every 5xx but 501 (not implemented) and 503 (unavailable: refused before
/// processing).
pub(crate) fn may_follow_the_write(status: u16) -> bool {
    (500..=599).contains(&status) && status != 501 && status != 503
}

/// Why a 2xx answer is not ONe's, if it is not: ONe answers a write with an empty body or
/// JSON; an HTML page (a proxy, a login portal, a maintenance page) or other text is not
/// ONe's answer, so the write cannot be taken as done.
pub(crate) fn not_one_answer(resp: &Response) -> Option<String> {
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

/// The outcome of a write's answer.
///
/// `once` is the reconcile hint of a write that is not safe to repeat, `None` for one that is.
/// A 2xx is success when it is ONe's answer ([`not_one_answer`]); otherwise it is
/// [`Error::OutcomeUnknown`] for a write sent once, and [`Error::Decode`] for a repeatable
/// one (safe to send again). A status that may follow the write ([`may_follow_the_write`]) is
/// `OutcomeUnknown` for a write sent once; everything else maps as usual
/// ([`HttpClient::error_for`]).
pub(crate) fn check_write(
    http: &HttpClient,
    op: &str,
    once: Option<&str>,
    resp: Response,
) -> Result<Response, Error> {
    let status = resp.status();
    if (200..300).contains(&status) {
        let Some(what) = not_one_answer(&resp) else {
            return Ok(resp);
        };
        return Err(match once {
            Some(hint) => Error::OutcomeUnknown {
                operation: op.to_string(),
                reason: format!(
                    "HTTP {status} with {what} instead of ONe's answer: the write may or may \
                     not have reached ONe"
                ),
                reconcile: hint.to_string(),
                source: None,
            },
            None => Error::Decode {
                path: "$".into(),
                message: format!(
                    "`{op}`: HTTP {status} with {what} instead of ONe's answer; the write may \
                     not have reached ONe (it is safe to send again)"
                ),
                // No excerpt: a page that is not ONe's could echo the request's credentials.
                excerpt: String::new(),
            },
        });
    }
    let error = http.error_for(op, &resp);
    match once {
        Some(hint) if may_follow_the_write(status) => Err(Error::OutcomeUnknown {
            operation: op.to_string(),
            reason: format!("HTTP {status} from ONe: the write may or may not have been applied"),
            reconcile: hint.to_string(),
            source: Some(Box::new(error)),
        }),
        _ => Err(error),
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
    /// The group's key (warehouse, price route...), empty when the chunk was not grouped.
    group: String,
    /// What the request as a whole addresses in its path (`warehouse `WH-1``), when a 404
    /// can only mean that it does not exist: such a refusal concerns every record of the
    /// request, which is never narrowed down record by record.
    scope: Option<(&'static str, &'static str)>,
}

impl Outgoing {
    /// One request carrying the whole chunk.
    pub(crate) fn whole(request: Request) -> Self {
        Self {
            groups: vec![OutGroup {
                positions: None,
                request,
                group: String::new(),
                scope: None,
            }],
        }
    }

    /// One request carrying the whole chunk, for `group` (the warehouse in its path...).
    pub(crate) fn whole_in(request: Request, group: &str) -> Self {
        let mut out = Self::whole(request);
        out.groups[0].group = group.to_string();
        out
    }

    /// Marks every request as addressing the group's `what` (e.g. `warehouse`) in its path:
    /// ONe's 404 to it ("Warehouse X not found") refuses the whole request, and its records
    /// are rejected at once, naming the missing prerequisite and `fix` (what to create
    /// first), instead of being bisected.
    pub(crate) fn scoped(mut self, what: &'static str, fix: &'static str) -> Self {
        for g in &mut self.groups {
            g.scope = Some((what, fix));
        }
        self
    }

    /// Sends the requests of `chunk`, one group after the other.
    ///
    /// A 2xx group with ONe's answer (empty or JSON) is applied. A refused group whose body
    /// names records rejects those (the rest of the chunk is sent again: every bulk endpoint
    /// here is an idempotent upsert, or creates nothing when it refuses). A 404 to a scoped
    /// group ([`Outgoing::scoped`]) rejects all of its records with one named reason. A 4xx
    /// that names no record is returned, so the runner bisects the chunk. Any other failure
    /// after an earlier group of the chunk was applied is [`ChunkResult::Interrupted`]: the
    /// applied records count as sent, the rest as failed (or not attempted when the error
    /// stops the run); before that, it is returned as is. A write that is not safe to repeat
    /// (creating clients) is [`Error::OutcomeUnknown`] on a 5xx that may follow the write or
    /// a 2xx that is not ONe's answer ([`check_write`]).
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
        for OutGroup {
            positions,
            request,
            group,
            scope,
        } in self.groups
        {
            let op = request.operation_name().to_string();
            let once = (!request.is_idempotent()).then_some(DEFAULT_RECONCILE_HINT);
            let members: Vec<usize> = match &positions {
                Some(p) => p.clone(),
                None => (0..records.len()).collect(),
            };
            // Every attempt the runtime made counts in the report's `requests`, retries too.
            let resp = match http.send_raw(request).await {
                Ok(resp) => {
                    chunk.add_requests(resp.attempts().max(1) as usize);
                    resp
                }
                Err(e) => {
                    chunk.add_requests(e.attempts().max(1) as usize);
                    return interrupted(applied, rejected, e);
                }
            };
            let status = resp.status();
            if let (404, Some((what, fix))) = (status, scope) {
                // The path names the group: the request as a whole was refused.
                let mut ctx = http
                    .error_for(&op, &resp)
                    .context()
                    .cloned()
                    .unwrap_or_default();
                ctx.message = format!(
                    "{} (the whole request was refused: {what} `{group}` does not exist on \
                     ONe; {fix}, then send these records again)",
                    ctx.message
                );
                tracing::warn!(operation = %op, %what, %group, records = members.len(),
                    "request refused as a whole: a prerequisite is missing");
                for i in members {
                    rejected.push((
                        i,
                        Error::NotFound {
                            context: Box::new(ctx.clone()),
                        },
                    ));
                }
                continue;
            }
            if (200..300).contains(&status) {
                if let Err(e) = check_write(http, &op, once, resp) {
                    return interrupted(applied, rejected, e);
                }
                applied.extend(members);
                continue;
            }
            let named = if matches!(status, 400 | 404 | 409 | 422) {
                let keys: Vec<String> = members.iter().map(|&i| records[i].key()).collect();
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                named_rejections(resp.body(), &keys)
            } else {
                Vec::new()
            };
            if named.is_empty() {
                let error = match check_write(http, &op, once, resp) {
                    Err(e) => e,
                    // Not reached: a non-2xx answer is always an error.
                    Ok(r) => http.error_for(&op, &r),
                };
                return interrupted(applied, rejected, error);
            }
            for (i, message) in named {
                let ctx = ApiContext::new(message).with_operation(op.clone());
                rejected.push((members[i], Error::from_status(status, ctx, None)));
            }
        }
        if rejected.is_empty() {
            return Ok(ChunkResult::Accepted);
        }
        let settled = applied.len() + rejected.len();
        if settled == records.len() {
            // Everything else was applied: nothing to send again.
            Ok(ChunkResult::Partial(rejected))
        } else {
            Ok(ChunkResult::RejectedRecords(rejected))
        }
    }
}
