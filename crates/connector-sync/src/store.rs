//! [`SyncStore`] and its SQL implementation [`SqlStore`] on SQLite or PostgreSQL.
//!
//! Both backends run the same statements (`$N` placeholders, `ON CONFLICT` upserts and
//! `RETURNING` work on both); only the clock expression and the auto-increment column differ.
//! Every time is taken from the database clock.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::SyncError;
use crate::schema::{self, Dialect, SCHEMA_VERSION};
use crate::types::{
    DeadLetter, InstanceId, Lease, LedgerEntry, LedgerState, RunCounts, RunRecord, RunStatus,
    check_key, check_name, from_micros,
};

/// Most keys sent in one statement (an `IN (...)` list or a multi-row insert).
pub const MAX_KEYS_PER_STATEMENT: usize = 500;

/// One staged fingerprint: its position in the stream handed to the platform, its key and
/// fingerprint.
pub type StagedFingerprint = (i64, String, String);

/// Everything a sync service keeps between runs, keyed by [`InstanceId`].
///
/// Methods that commit the results of a flow take the flow's [`Lease`] and check it in the
/// same transaction: when the lease expired (or was taken over), nothing is written and
/// [`SyncError::LeaseLost`] is returned.
#[async_trait]
pub trait SyncStore: Send + Sync + fmt::Debug {
    /// The schema version of the database (after migrations).
    async fn schema_version(&self) -> Result<i64, SyncError>;

    /// The database clock.
    async fn now(&self) -> Result<DateTime<Utc>, SyncError>;

    // ---- cursors ----

    /// The saved cursor of `stream` of `instance`.
    async fn cursor_load(
        &self,
        instance: &InstanceId,
        stream: &str,
    ) -> Result<Option<String>, SyncError>;

    /// Saves the cursor of `stream` of `instance`; with a lease, only if it is still held.
    async fn cursor_save(
        &self,
        instance: &InstanceId,
        stream: &str,
        cursor: &str,
        fence: Option<&Lease>,
    ) -> Result<(), SyncError>;

    // ---- fingerprints ----

    /// The committed fingerprint of `key`.
    async fn fingerprint(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
    ) -> Result<Option<String>, SyncError>;

    /// Marks `keys` as seen by `run` and returns the committed fingerprint of those that have
    /// one (at most [`MAX_KEYS_PER_STATEMENT`] keys per call).
    async fn fingerprints_mark_seen(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        keys: &[String],
    ) -> Result<HashMap<String, String>, SyncError>;

    /// Stages the fingerprints of records handed to the platform by `run`, not committed yet.
    async fn fingerprints_stage(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        staged: &[StagedFingerprint],
    ) -> Result<(), SyncError>;

    /// Flags staged records (by their position) as not accepted by the platform.
    async fn fingerprints_flag_failed(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        positions: &[i64],
    ) -> Result<(), SyncError>;

    /// Commits the staged fingerprints of `run` at positions below `below` (the records the
    /// platform's report accounts for) that were not flagged, removes the dead letters of those
    /// keys, and drops the staging rows of the run, in one transaction checked against `lease`.
    /// When a key was staged twice, the later position wins. Returns how many were committed.
    async fn fingerprints_promote(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        below: i64,
        lease: &Lease,
    ) -> Result<u64, SyncError>;

    /// Of `keys`, those with a dead letter not due yet (held back until their `retry_at`).
    async fn dead_letters_not_due(
        &self,
        instance: &InstanceId,
        flow: &str,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>, SyncError>;

    /// Drops staging rows left by earlier runs (a crashed run's are never promoted).
    async fn fingerprints_clear_staged(
        &self,
        instance: &InstanceId,
        flow: &str,
    ) -> Result<u64, SyncError>;

    /// Keys (with their fingerprint) not seen by `run`, after `after` in key order, at most
    /// `limit`: the deletions of a full snapshot once every record was marked.
    async fn fingerprints_unseen(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>, SyncError>;

    /// Forgets `keys` (deletions the platform accepted), checked against `lease`.
    async fn fingerprints_delete(
        &self,
        instance: &InstanceId,
        flow: &str,
        keys: &[String],
        lease: &Lease,
    ) -> Result<u64, SyncError>;

    /// Commits `(key, fingerprint)` pairs at once (records the platform accepted), checked
    /// against `lease`.
    async fn fingerprints_commit(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        pairs: &[(String, String)],
        lease: &Lease,
    ) -> Result<(), SyncError>;

    /// How many fingerprints `flow` of `instance` has.
    async fn fingerprints_count(&self, instance: &InstanceId, flow: &str)
    -> Result<i64, SyncError>;

    // ---- order ledger ----

    /// Writes the intent to place `key` (state [`LedgerState::Pending`], 0 attempts) unless the
    /// ledger has it; returns the entry and whether it was created now.
    async fn ledger_begin(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
        payload: &serde_json::Value,
    ) -> Result<(LedgerEntry, bool), SyncError>;

    /// Counts one more call for a pending `key`, **before** the call is made, checked against
    /// `lease`. Returns the attempts made so far, this one included.
    async fn ledger_mark_attempt(
        &self,
        instance: &InstanceId,
        key: &str,
        lease: &Lease,
    ) -> Result<i64, SyncError>;

    /// Records what became of `key`, checked against `lease`.
    async fn ledger_record(
        &self,
        instance: &InstanceId,
        key: &str,
        state: LedgerState,
        platform_ids: &[String],
        detail: Option<&str>,
        lease: &Lease,
    ) -> Result<(), SyncError>;

    /// The ledger entry of `key`.
    async fn ledger_get(
        &self,
        instance: &InstanceId,
        key: &str,
    ) -> Result<Option<LedgerEntry>, SyncError>;

    /// Entries of `instance` in `state`, in key order, at most `limit`.
    async fn ledger_list(
        &self,
        instance: &InstanceId,
        state: LedgerState,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, SyncError>;

    /// An operator's decision: a rejected or unknown entry goes back to pending (its attempts
    /// are kept, so the next run still looks it up before sending it).
    async fn ledger_retry(&self, instance: &InstanceId, key: &str) -> Result<bool, SyncError>;

    // ---- dead letters ----

    /// Keeps a rejected record (or counts one more rejection), due again after `retry_after`.
    /// Returns the rejections so far.
    async fn dead_letter_put(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
        payload: &serde_json::Value,
        reason: &str,
        retry_after: Duration,
    ) -> Result<i64, SyncError>;

    /// Dead letters due again now, in key order, at most `limit`.
    async fn dead_letters_due(
        &self,
        instance: &InstanceId,
        flow: &str,
        limit: i64,
    ) -> Result<Vec<DeadLetter>, SyncError>;

    /// Every dead letter of `flow`, in key order.
    async fn dead_letters(
        &self,
        instance: &InstanceId,
        flow: &str,
    ) -> Result<Vec<DeadLetter>, SyncError>;

    /// Removes the dead letter of `key` (it was accepted since).
    async fn dead_letter_remove(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
    ) -> Result<bool, SyncError>;

    // ---- run history ----

    /// Starts a run and returns its id (greater than every earlier run's).
    async fn run_start(
        &self,
        instance: &InstanceId,
        flow: &str,
        worker: &str,
    ) -> Result<i64, SyncError>;

    /// Ends run `id` with its counts and error; with a lease, only if it is still held.
    async fn run_finish(
        &self,
        id: i64,
        counts: &RunCounts,
        error: Option<&str>,
        fence: Option<&Lease>,
    ) -> Result<(), SyncError>;

    /// The last `limit` runs of `flow`, newest first.
    async fn runs(
        &self,
        instance: &InstanceId,
        flow: &str,
        limit: i64,
    ) -> Result<Vec<RunRecord>, SyncError>;

    // ---- leases ----

    /// Takes the lease of (instance, flow) for `ttl` when it is free or expired; `None` when
    /// another holder (or this one) has a valid lease.
    async fn lease_acquire(
        &self,
        instance: &InstanceId,
        flow: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, SyncError>;

    /// Extends a lease still held to `ttl` from now; [`SyncError::LeaseLost`] otherwise.
    async fn lease_renew(&self, lease: &Lease, ttl: Duration) -> Result<Lease, SyncError>;

    /// Gives the lease up at once (the token stays, so the next holder's is greater). Returns
    /// whether it was still held.
    async fn lease_release(&self, lease: &Lease) -> Result<bool, SyncError>;

    /// Whether `lease` is still held.
    async fn lease_check(&self, lease: &Lease) -> Result<bool, SyncError>;

    // ---- shared rate-limit buckets ----

    /// Reserves the next slot of bucket (scope, operation) at one slot per `interval` with a
    /// `burst`, on the database clock (GCRA in one upsert), and returns how long to wait
    /// before using it. Every process sharing the database shares the bucket.
    async fn bucket_reserve(
        &self,
        scope: &str,
        operation: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Duration, SyncError>;
}

/// The backend pool.
#[derive(Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A [`SyncStore`] on SQLite (one file, nothing to install; the default) or PostgreSQL
/// (several processes and machines). Cheap to clone: clones share the pool.
///
/// SQLite runs in WAL mode with `synchronous = FULL` (a commit survives a power loss) and a
/// busy timeout, so several processes on one machine can share a file.
#[derive(Clone)]
pub struct SqlStore {
    backend: Backend,
    dialect: Dialect,
    location: String,
}

impl fmt::Debug for SqlStore {
    /// The backend and the location (a PostgreSQL URL without its password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.dialect)
            .field("location", &self.location)
            .finish()
    }
}

/// Runs `$body` with `$p` bound to the concrete pool of `$store`.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.backend {
            Backend::Sqlite($p) => $body,
            Backend::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` in a write transaction `$tx` (SQLite: `BEGIN IMMEDIATE`, so writers queue on
/// the busy timeout instead of failing on a lock upgrade), committed when `$body` returns.
/// An early return (`?`) rolls back.
macro_rules! with_tx {
    ($store:expr, $op:expr, $tx:ident => $body:expr) => {
        match &$store.backend {
            Backend::Sqlite(p) => {
                let mut $tx = p
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(|e| SyncError::db($op, e))?;
                let out = $body;
                $tx.commit().await.map_err(|e| SyncError::db($op, e))?;
                out
            }
            Backend::Postgres(p) => {
                let mut $tx = p.begin().await.map_err(|e| SyncError::db($op, e))?;
                let out = $body;
                $tx.commit().await.map_err(|e| SyncError::db($op, e))?;
                out
            }
        }
    };
}

/// Checks `$lease` inside transaction `$tx` and locks its row until commit (PostgreSQL), so a
/// takeover waits for this commit and this commit fails once the lease is gone.
macro_rules! fence {
    ($store:expr, $tx:ident, $lease:expr, $op:expr) => {{
        let lease: &Lease = $lease;
        let sql = $store.sql(
            "UPDATE sync_leases SET token = token \
             WHERE instance = $1 AND flow = $2 AND token = $3 AND expires_at > :now",
        );
        let n = sqlx::query(&sql)
            .bind(lease.instance.as_str())
            .bind(&lease.flow)
            .bind(lease.token)
            .execute(&mut *$tx)
            .await
            .map_err(|e| SyncError::db($op, e))?
            .rows_affected();
        if n != 1 {
            return Err(SyncError::LeaseLost {
                instance: lease.instance.to_string(),
                flow: lease.flow.clone(),
                token: lease.token,
            });
        }
    }};
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// `$start, $start+1, ...` (n of them).
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_batch(what: &str, n: usize) -> Result<(), SyncError> {
    if n > MAX_KEYS_PER_STATEMENT {
        return Err(SyncError::invalid(
            what,
            format!("must hold at most {MAX_KEYS_PER_STATEMENT} entries per call"),
        ));
    }
    Ok(())
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable URL>".into(),
    }
}

/// Whether a driver error says the file is not an SQLite database or is damaged.
fn is_not_a_database(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("26") | Some("11"))
                || db.message().contains("not a database")
                || db.message().contains("malformed")
        }
        _ => false,
    }
}

type LedgerRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
);

const LEDGER_COLUMNS: &str = "instance, flow, idem_key, state, payload, platform_ids, detail, attempts, created_at, updated_at";

fn ledger_entry(row: LedgerRow) -> Result<LedgerEntry, SyncError> {
    let (instance, flow, key, state, payload, ids, detail, attempts, created, updated) = row;
    Ok(LedgerEntry {
        instance: InstanceId::new(instance)?,
        flow,
        key,
        state: LedgerState::parse(&state)?,
        payload: serde_json::from_str(&payload).map_err(|e| SyncError::Decode {
            what: "ledger payload".into(),
            message: e.to_string(),
        })?,
        platform_ids: serde_json::from_str(&ids).map_err(|e| SyncError::Decode {
            what: "ledger platform ids".into(),
            message: e.to_string(),
        })?,
        detail,
        attempts,
        created_at: from_micros(created),
        updated_at: from_micros(updated),
    })
}

type DeadRow = (String, String, String, String, String, i64, i64, i64, i64);

const DEAD_COLUMNS: &str = "instance, flow, record_key, payload, reason, attempts, first_failed_at, last_failed_at, retry_at";

fn dead_letter(row: DeadRow) -> Result<DeadLetter, SyncError> {
    let (instance, flow, key, payload, reason, attempts, first, last, retry) = row;
    Ok(DeadLetter {
        instance: InstanceId::new(instance)?,
        flow,
        key,
        payload: serde_json::from_str(&payload).map_err(|e| SyncError::Decode {
            what: "dead letter payload".into(),
            message: e.to_string(),
        })?,
        reason,
        attempts,
        first_failed_at: from_micros(first),
        last_failed_at: from_micros(last),
        retry_at: from_micros(retry),
    })
}

/// Options of an SQLite store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// How long a writer waits for another process's write lock (default 30 s).
    pub busy_timeout: Duration,
    /// Connections in the pool (default 4; always 1 in memory).
    pub max_connections: u32,
    /// Opens the file read-only (every write then fails with [`SyncError::Database`]).
    pub read_only: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(30),
            max_connections: 4,
            read_only: false,
        }
    }
}

/// Options of a PostgreSQL store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// Connections in the pool (default 8).
    pub max_connections: u32,
    /// How long to wait for a connection (default 10 s).
    pub acquire_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl SqlStore {
    /// Opens the store at `url`: `sqlite:PATH` (created if missing), `sqlite::memory:`, or
    /// `postgres://...` / `postgresql://...`. Migrations run on open.
    pub async fn open(url: &str) -> Result<Self, SyncError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::postgres(url, PostgresOptions::default()).await
        } else if url == "sqlite::memory:" {
            Self::sqlite_memory().await
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))
        {
            Self::sqlite_file(path, SqliteOptions::default()).await
        } else {
            Err(SyncError::invalid(
                "url",
                "must start with `sqlite:` or `postgres://`",
            ))
        }
    }

    /// An SQLite store in the file at `path`, created if missing.
    pub async fn sqlite_file(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, SyncError> {
        let path = path.as_ref();
        let location = path.display().to_string();
        let mut connect = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true);
        connect = if options.read_only {
            connect.read_only(true)
        } else {
            connect
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(|e| {
                if is_not_a_database(&e) {
                    SyncError::Corrupt {
                        location: location.clone(),
                        reason: e.to_string(),
                    }
                } else {
                    SyncError::db(format!("opening SQLite store {location}"), e)
                }
            })?;
        Self::finish_open(Backend::Sqlite(pool), Dialect::Sqlite, location).await
    }

    /// An SQLite store in memory (tests): one connection, gone when the store is dropped.
    pub async fn sqlite_memory() -> Result<Self, SyncError> {
        let connect = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| SyncError::db("opening in-memory SQLite", e))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect)
            .await
            .map_err(|e| SyncError::db("opening in-memory SQLite", e))?;
        Self::finish_open(Backend::Sqlite(pool), Dialect::Sqlite, ":memory:".into()).await
    }

    /// A PostgreSQL store at `url` (`postgres://user:password@host:port/db`, or with
    /// `?host=/socket/dir`).
    pub async fn postgres(url: &str, options: PostgresOptions) -> Result<Self, SyncError> {
        let location = redact_url(url);
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| SyncError::invalid("url", format!("is not a PostgreSQL URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| SyncError::db(format!("connecting to {location}"), e))?;
        Self::finish_open(Backend::Postgres(pool), Dialect::Postgres, location).await
    }

    async fn finish_open(
        backend: Backend,
        dialect: Dialect,
        location: String,
    ) -> Result<Self, SyncError> {
        let store = Self {
            backend,
            dialect,
            location,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Which backend this is: `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// Closes the pool (waits for connections in use to be returned).
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    fn sql(&self, template: &str) -> String {
        template.replace(":now", schema::now_expr(self.dialect))
    }

    fn corrupt_or_db(&self, op: &str, e: sqlx::Error) -> SyncError {
        if is_not_a_database(&e) {
            SyncError::Corrupt {
                location: self.location.clone(),
                reason: e.to_string(),
            }
        } else {
            SyncError::db(op, e)
        }
    }

    async fn migrate(&self) -> Result<(), SyncError> {
        let op = "migrating the store";
        let written_by = env!("CARGO_PKG_VERSION");
        let dialect = self.dialect;
        let now = self.sql(":now");
        with_tx!(self, op, tx => {
            if dialect == Dialect::Postgres {
                // One migrator at a time across processes; released at commit.
                sqlx::query("SELECT pg_advisory_xact_lock(7346127790123)")
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| SyncError::db(op, e))?;
            }
            sqlx::query(schema::VERSION_TABLE)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.corrupt_or_db(op, e))?;
            let found: Option<(i64, String)> =
                sqlx::query_as("SELECT version, written_by FROM sync_schema WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| self.corrupt_or_db(op, e))?;
            let current = match &found {
                Some((v, by)) if *v > SCHEMA_VERSION => {
                    return Err(SyncError::SchemaTooNew {
                        found: *v,
                        supported: SCHEMA_VERSION,
                        written_by: by.clone(),
                    });
                }
                Some((v, _)) => *v,
                None => 0,
            };
            for version in current + 1..=SCHEMA_VERSION {
                for statement in schema::migration(version, dialect) {
                    sqlx::query(&statement)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| SyncError::db(format!("applying migration {version}"), e))?;
                }
            }
            if current < SCHEMA_VERSION {
                let upsert = format!(
                    "INSERT INTO sync_schema (id, version, written_by, updated_at) VALUES (1, $1, $2, {now}) \
                     ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                     written_by = excluded.written_by, updated_at = excluded.updated_at"
                );
                sqlx::query(&upsert)
                    .bind(SCHEMA_VERSION)
                    .bind(written_by)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| SyncError::db(op, e))?;
                tracing::info!(from = current, to = SCHEMA_VERSION, store = %self.location, "sync store migrated");
            }
        });
        Ok(())
    }

    /// Sets the schema version row (tests of the newer-schema refusal; never needed otherwise).
    #[doc(hidden)]
    pub async fn force_schema_version(&self, version: i64) -> Result<(), SyncError> {
        with_pool!(self, p => sqlx::query("UPDATE sync_schema SET version = $1, written_by = 'test' WHERE id = 1")
            .bind(version)
            .execute(p)
            .await
            .map_err(|e| SyncError::db("setting the schema version", e))?
            .rows_affected());
        Ok(())
    }
}

#[async_trait]
impl SyncStore for SqlStore {
    async fn schema_version(&self) -> Result<i64, SyncError> {
        let v: (i64,) = with_pool!(self, p => sqlx::query_as("SELECT version FROM sync_schema WHERE id = 1")
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("reading the schema version", e))?);
        Ok(v.0)
    }

    async fn now(&self) -> Result<DateTime<Utc>, SyncError> {
        let sql = self.sql("SELECT :now");
        let v: (i64,) = with_pool!(self, p => sqlx::query_as(&sql)
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("reading the database clock", e))?);
        Ok(from_micros(v.0))
    }

    async fn cursor_load(
        &self,
        instance: &InstanceId,
        stream: &str,
    ) -> Result<Option<String>, SyncError> {
        check_name("stream", stream)?;
        let row: Option<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT cursor_value FROM sync_cursors WHERE instance = $1 AND stream = $2")
            .bind(instance.as_str())
            .bind(stream)
            .fetch_optional(p)
            .await
            .map_err(|e| SyncError::db("loading a cursor", e))?);
        Ok(row.map(|r| r.0))
    }

    async fn cursor_save(
        &self,
        instance: &InstanceId,
        stream: &str,
        cursor: &str,
        fence: Option<&Lease>,
    ) -> Result<(), SyncError> {
        check_name("stream", stream)?;
        let op = "saving a cursor";
        let sql = self.sql(
            "INSERT INTO sync_cursors (instance, stream, cursor_value, updated_at) VALUES ($1, $2, $3, :now) \
             ON CONFLICT (instance, stream) DO UPDATE SET cursor_value = excluded.cursor_value, \
             updated_at = excluded.updated_at",
        );
        with_tx!(self, op, tx => {
            if let Some(lease) = fence {
                fence!(self, tx, lease, op);
            }
            sqlx::query(&sql)
                .bind(instance.as_str())
                .bind(stream)
                .bind(cursor)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?;
        });
        Ok(())
    }

    async fn fingerprint(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
    ) -> Result<Option<String>, SyncError> {
        let row: Option<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT fingerprint FROM sync_fingerprints WHERE instance = $1 AND flow = $2 AND record_key = $3")
            .bind(instance.as_str())
            .bind(flow)
            .bind(key)
            .fetch_optional(p)
            .await
            .map_err(|e| SyncError::db("reading a fingerprint", e))?);
        Ok(row.map(|r| r.0))
    }

    async fn fingerprints_mark_seen(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        keys: &[String],
    ) -> Result<HashMap<String, String>, SyncError> {
        check_batch("keys", keys.len())?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "UPDATE sync_fingerprints SET seen_run = $3 WHERE instance = $1 AND flow = $2 \
             AND record_key IN ({}) RETURNING record_key, fingerprint",
            placeholders(4, keys.len())
        );
        let rows: Vec<(String, String)> = with_pool!(self, p => {
            let mut q = sqlx::query_as(&sql).bind(instance.as_str()).bind(flow).bind(run);
            for k in keys {
                q = q.bind(k);
            }
            q.fetch_all(p).await.map_err(|e| SyncError::db("looking up fingerprints", e))?
        });
        Ok(rows.into_iter().collect())
    }

    async fn fingerprints_stage(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        staged: &[StagedFingerprint],
    ) -> Result<(), SyncError> {
        check_batch("staged", staged.len())?;
        if staged.is_empty() {
            return Ok(());
        }
        let values: Vec<String> = (0..staged.len())
            .map(|i| {
                format!(
                    "($1, $2, $3, ${}, ${}, ${})",
                    4 + 3 * i,
                    5 + 3 * i,
                    6 + 3 * i
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO sync_staged (instance, flow, run_id, idx, record_key, fingerprint) VALUES {} \
             ON CONFLICT (instance, flow, run_id, idx) DO UPDATE SET record_key = excluded.record_key, \
             fingerprint = excluded.fingerprint, failed = 0",
            values.join(", ")
        );
        with_pool!(self, p => {
            let mut q = sqlx::query(&sql).bind(instance.as_str()).bind(flow).bind(run);
            for (idx, key, fp) in staged {
                q = q.bind(*idx).bind(key).bind(fp);
            }
            q.execute(p).await.map_err(|e| SyncError::db("staging fingerprints", e))?.rows_affected()
        });
        Ok(())
    }

    async fn fingerprints_flag_failed(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        positions: &[i64],
    ) -> Result<(), SyncError> {
        for part in positions.chunks(MAX_KEYS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE sync_staged SET failed = 1 WHERE instance = $1 AND flow = $2 AND run_id = $3 \
                 AND idx IN ({})",
                placeholders(4, part.len())
            );
            with_pool!(self, p => {
                let mut q = sqlx::query(&sql).bind(instance.as_str()).bind(flow).bind(run);
                for i in part {
                    q = q.bind(*i);
                }
                q.execute(p).await.map_err(|e| SyncError::db("flagging staged fingerprints", e))?.rows_affected()
            });
        }
        Ok(())
    }

    async fn fingerprints_promote(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        below: i64,
        lease: &Lease,
    ) -> Result<u64, SyncError> {
        let op = "committing fingerprints";
        // The WHERE clause also keeps SQLite's parser from reading ON CONFLICT as a join.
        // A key staged twice in one run: only its last accepted position is committed.
        let promote = self.sql(
            "INSERT INTO sync_fingerprints (instance, flow, record_key, fingerprint, seen_run, updated_at) \
             SELECT s.instance, s.flow, s.record_key, s.fingerprint, s.run_id, :now FROM sync_staged s \
             WHERE s.instance = $1 AND s.flow = $2 AND s.run_id = $3 AND s.failed = 0 AND s.idx < $4 \
             AND s.idx = (SELECT MAX(t.idx) FROM sync_staged t WHERE t.instance = s.instance \
                 AND t.flow = s.flow AND t.run_id = s.run_id AND t.record_key = s.record_key \
                 AND t.failed = 0 AND t.idx < $4) \
             ON CONFLICT (instance, flow, record_key) DO UPDATE SET fingerprint = excluded.fingerprint, \
             seen_run = excluded.seen_run, updated_at = excluded.updated_at",
        );
        let clear_dead = "DELETE FROM sync_dead_letters WHERE instance = $1 AND flow = $2 AND record_key IN \
             (SELECT record_key FROM sync_staged WHERE instance = $1 AND flow = $2 AND run_id = $3 \
             AND failed = 0 AND idx < $4)";
        let n = with_tx!(self, op, tx => {
            fence!(self, tx, lease, op);
            let n = sqlx::query(&promote)
                .bind(instance.as_str())
                .bind(flow)
                .bind(run)
                .bind(below)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?
                .rows_affected();
            sqlx::query(clear_dead)
                .bind(instance.as_str())
                .bind(flow)
                .bind(run)
                .bind(below)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?;
            sqlx::query("DELETE FROM sync_staged WHERE instance = $1 AND flow = $2 AND run_id = $3")
                .bind(instance.as_str())
                .bind(flow)
                .bind(run)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?;
            n
        });
        Ok(n)
    }

    async fn dead_letters_not_due(
        &self,
        instance: &InstanceId,
        flow: &str,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>, SyncError> {
        check_batch("keys", keys.len())?;
        if keys.is_empty() {
            return Ok(Default::default());
        }
        let sql = self.sql(&format!(
            "SELECT record_key FROM sync_dead_letters WHERE instance = $1 AND flow = $2 \
             AND retry_at > :now AND record_key IN ({})",
            placeholders(3, keys.len())
        ));
        let rows: Vec<(String,)> = with_pool!(self, p => {
            let mut q = sqlx::query_as(&sql).bind(instance.as_str()).bind(flow);
            for k in keys {
                q = q.bind(k);
            }
            q.fetch_all(p).await.map_err(|e| SyncError::db("looking up dead letters", e))?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn fingerprints_clear_staged(
        &self,
        instance: &InstanceId,
        flow: &str,
    ) -> Result<u64, SyncError> {
        let n = with_pool!(self, p => sqlx::query("DELETE FROM sync_staged WHERE instance = $1 AND flow = $2")
            .bind(instance.as_str())
            .bind(flow)
            .execute(p)
            .await
            .map_err(|e| SyncError::db("clearing staged fingerprints", e))?
            .rows_affected());
        Ok(n)
    }

    async fn fingerprints_unseen(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>, SyncError> {
        let rows = with_pool!(self, p => sqlx::query_as(
            "SELECT record_key, fingerprint FROM sync_fingerprints WHERE instance = $1 AND flow = $2 \
             AND seen_run < $3 AND record_key > $4 ORDER BY record_key LIMIT $5")
            .bind(instance.as_str())
            .bind(flow)
            .bind(run)
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(|e| SyncError::db("listing unseen fingerprints", e))?);
        Ok(rows)
    }

    async fn fingerprints_delete(
        &self,
        instance: &InstanceId,
        flow: &str,
        keys: &[String],
        lease: &Lease,
    ) -> Result<u64, SyncError> {
        check_batch("keys", keys.len())?;
        if keys.is_empty() {
            return Ok(0);
        }
        let op = "deleting fingerprints";
        let sql = format!(
            "DELETE FROM sync_fingerprints WHERE instance = $1 AND flow = $2 AND record_key IN ({})",
            placeholders(3, keys.len())
        );
        let n = with_tx!(self, op, tx => {
            fence!(self, tx, lease, op);
            let mut q = sqlx::query(&sql).bind(instance.as_str()).bind(flow);
            for k in keys {
                q = q.bind(k);
            }
            q.execute(&mut *tx).await.map_err(|e| SyncError::db(op, e))?.rows_affected()
        });
        Ok(n)
    }

    async fn fingerprints_commit(
        &self,
        instance: &InstanceId,
        flow: &str,
        run: i64,
        pairs: &[(String, String)],
        lease: &Lease,
    ) -> Result<(), SyncError> {
        check_batch("pairs", pairs.len())?;
        if pairs.is_empty() {
            return Ok(());
        }
        for (k, _) in pairs {
            check_key("record key", k)?;
        }
        let op = "committing fingerprints";
        let values: Vec<String> = (0..pairs.len())
            .map(|i| format!("($1, $2, ${}, ${}, $3, :now)", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = self.sql(&format!(
            "INSERT INTO sync_fingerprints (instance, flow, record_key, fingerprint, seen_run, updated_at) \
             VALUES {} ON CONFLICT (instance, flow, record_key) DO UPDATE SET \
             fingerprint = excluded.fingerprint, seen_run = excluded.seen_run, updated_at = excluded.updated_at",
            values.join(", ")
        ));
        with_tx!(self, op, tx => {
            fence!(self, tx, lease, op);
            let mut q = sqlx::query(&sql).bind(instance.as_str()).bind(flow).bind(run);
            for (k, f) in pairs {
                q = q.bind(k).bind(f);
            }
            q.execute(&mut *tx).await.map_err(|e| SyncError::db(op, e))?;
        });
        Ok(())
    }

    async fn fingerprints_count(
        &self,
        instance: &InstanceId,
        flow: &str,
    ) -> Result<i64, SyncError> {
        let v: (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM sync_fingerprints WHERE instance = $1 AND flow = $2")
            .bind(instance.as_str())
            .bind(flow)
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("counting fingerprints", e))?);
        Ok(v.0)
    }

    async fn ledger_begin(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
        payload: &serde_json::Value,
    ) -> Result<(LedgerEntry, bool), SyncError> {
        check_name("flow", flow)?;
        check_key("idempotency key", key)?;
        let op = "writing a placement intent";
        let insert = self.sql(
            "INSERT INTO sync_ledger (instance, idem_key, flow, state, payload, platform_ids, detail, \
             attempts, created_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, '[]', NULL, 0, :now, :now) \
             ON CONFLICT (instance, idem_key) DO NOTHING",
        );
        let select = format!(
            "SELECT {LEDGER_COLUMNS} FROM sync_ledger WHERE instance = $1 AND idem_key = $2"
        );
        let payload = payload.to_string();
        let (created, row) = with_tx!(self, op, tx => {
            let created = sqlx::query(&insert)
                .bind(instance.as_str())
                .bind(key)
                .bind(flow)
                .bind(&payload)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?
                .rows_affected()
                == 1;
            let row: LedgerRow = sqlx::query_as(&select)
                .bind(instance.as_str())
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?;
            (created, row)
        });
        Ok((ledger_entry(row)?, created))
    }

    async fn ledger_mark_attempt(
        &self,
        instance: &InstanceId,
        key: &str,
        lease: &Lease,
    ) -> Result<i64, SyncError> {
        let op = "counting a placement attempt";
        let sql = self.sql(
            "UPDATE sync_ledger SET attempts = attempts + 1, updated_at = :now \
             WHERE instance = $1 AND idem_key = $2 AND state = 'pending' RETURNING attempts",
        );
        let row: Option<(i64,)> = with_tx!(self, op, tx => {
            fence!(self, tx, lease, op);
            sqlx::query_as(&sql)
                .bind(instance.as_str())
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?
        });
        row.map(|r| r.0).ok_or_else(|| {
            SyncError::invalid(
                "idempotency key",
                format!("`{key}` has no pending ledger entry"),
            )
        })
    }

    async fn ledger_record(
        &self,
        instance: &InstanceId,
        key: &str,
        state: LedgerState,
        platform_ids: &[String],
        detail: Option<&str>,
        lease: &Lease,
    ) -> Result<(), SyncError> {
        let op = "recording a placement outcome";
        let ids = serde_json::to_string(platform_ids).map_err(|e| SyncError::Decode {
            what: "platform ids".into(),
            message: e.to_string(),
        })?;
        let sql = self.sql(
            "UPDATE sync_ledger SET state = $3, platform_ids = $4, detail = $5, updated_at = :now \
             WHERE instance = $1 AND idem_key = $2",
        );
        let n = with_tx!(self, op, tx => {
            fence!(self, tx, lease, op);
            sqlx::query(&sql)
                .bind(instance.as_str())
                .bind(key)
                .bind(state.as_str())
                .bind(&ids)
                .bind(detail)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?
                .rows_affected()
        });
        if n != 1 {
            return Err(SyncError::invalid(
                "idempotency key",
                format!("`{key}` has no ledger entry"),
            ));
        }
        Ok(())
    }

    async fn ledger_get(
        &self,
        instance: &InstanceId,
        key: &str,
    ) -> Result<Option<LedgerEntry>, SyncError> {
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM sync_ledger WHERE instance = $1 AND idem_key = $2"
        );
        let row: Option<LedgerRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(key)
            .fetch_optional(p)
            .await
            .map_err(|e| SyncError::db("reading the ledger", e))?);
        row.map(ledger_entry).transpose()
    }

    async fn ledger_list(
        &self,
        instance: &InstanceId,
        state: LedgerState,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, SyncError> {
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM sync_ledger WHERE instance = $1 AND state = $2 \
             ORDER BY idem_key LIMIT $3"
        );
        let rows: Vec<LedgerRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(state.as_str())
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(|e| SyncError::db("listing the ledger", e))?);
        rows.into_iter().map(ledger_entry).collect()
    }

    async fn ledger_retry(&self, instance: &InstanceId, key: &str) -> Result<bool, SyncError> {
        let sql = self.sql(
            "UPDATE sync_ledger SET state = 'pending', updated_at = :now \
             WHERE instance = $1 AND idem_key = $2 AND state IN ('rejected', 'unknown')",
        );
        let n = with_pool!(self, p => sqlx::query(&sql)
            .bind(instance.as_str())
            .bind(key)
            .execute(p)
            .await
            .map_err(|e| SyncError::db("retrying a ledger entry", e))?
            .rows_affected());
        Ok(n == 1)
    }

    async fn dead_letter_put(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
        payload: &serde_json::Value,
        reason: &str,
        retry_after: Duration,
    ) -> Result<i64, SyncError> {
        check_name("flow", flow)?;
        check_key("record key", key)?;
        let sql = self.sql(
            "INSERT INTO sync_dead_letters (instance, flow, record_key, payload, reason, attempts, \
             first_failed_at, last_failed_at, retry_at) VALUES ($1, $2, $3, $4, $5, 1, :now, :now, :now + $6) \
             ON CONFLICT (instance, flow, record_key) DO UPDATE SET payload = excluded.payload, \
             reason = excluded.reason, attempts = sync_dead_letters.attempts + 1, \
             last_failed_at = excluded.last_failed_at, retry_at = excluded.retry_at \
             RETURNING attempts",
        );
        let payload = payload.to_string();
        let row: (i64,) = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(flow)
            .bind(key)
            .bind(&payload)
            .bind(reason)
            .bind(micros(retry_after))
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("writing a dead letter", e))?);
        Ok(row.0)
    }

    async fn dead_letters_due(
        &self,
        instance: &InstanceId,
        flow: &str,
        limit: i64,
    ) -> Result<Vec<DeadLetter>, SyncError> {
        let sql = self.sql(&format!(
            "SELECT {DEAD_COLUMNS} FROM sync_dead_letters WHERE instance = $1 AND flow = $2 \
             AND retry_at <= :now ORDER BY record_key LIMIT $3"
        ));
        let rows: Vec<DeadRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(flow)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(|e| SyncError::db("reading due dead letters", e))?);
        rows.into_iter().map(dead_letter).collect()
    }

    async fn dead_letters(
        &self,
        instance: &InstanceId,
        flow: &str,
    ) -> Result<Vec<DeadLetter>, SyncError> {
        let sql = format!(
            "SELECT {DEAD_COLUMNS} FROM sync_dead_letters WHERE instance = $1 AND flow = $2 \
             ORDER BY record_key"
        );
        let rows: Vec<DeadRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(flow)
            .fetch_all(p)
            .await
            .map_err(|e| SyncError::db("reading dead letters", e))?);
        rows.into_iter().map(dead_letter).collect()
    }

    async fn dead_letter_remove(
        &self,
        instance: &InstanceId,
        flow: &str,
        key: &str,
    ) -> Result<bool, SyncError> {
        let n = with_pool!(self, p => sqlx::query(
            "DELETE FROM sync_dead_letters WHERE instance = $1 AND flow = $2 AND record_key = $3")
            .bind(instance.as_str())
            .bind(flow)
            .bind(key)
            .execute(p)
            .await
            .map_err(|e| SyncError::db("removing a dead letter", e))?
            .rows_affected());
        Ok(n == 1)
    }

    async fn run_start(
        &self,
        instance: &InstanceId,
        flow: &str,
        worker: &str,
    ) -> Result<i64, SyncError> {
        check_name("flow", flow)?;
        let sql = self.sql(
            "INSERT INTO sync_runs (instance, flow, worker, started_at, status) \
             VALUES ($1, $2, $3, :now, 'running') RETURNING id",
        );
        let row: (i64,) = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(flow)
            .bind(worker)
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("starting a run", e))?);
        Ok(row.0)
    }

    async fn run_finish(
        &self,
        id: i64,
        counts: &RunCounts,
        error: Option<&str>,
        fence: Option<&Lease>,
    ) -> Result<(), SyncError> {
        let op = "finishing a run";
        let status = if error.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        let sql = self.sql(
            "UPDATE sync_runs SET ended_at = :now, status = $2, total = $3, changed = $4, sent = $5, \
             rejected = $6, failed = $7, not_attempted = $8, deleted = $9, error = $10 WHERE id = $1",
        );
        with_tx!(self, op, tx => {
            if let Some(lease) = fence {
                fence!(self, tx, lease, op);
            }
            sqlx::query(&sql)
                .bind(id)
                .bind(status.as_str())
                .bind(counts.total)
                .bind(counts.changed)
                .bind(counts.sent)
                .bind(counts.rejected)
                .bind(counts.failed)
                .bind(counts.not_attempted)
                .bind(counts.deleted)
                .bind(error)
                .execute(&mut *tx)
                .await
                .map_err(|e| SyncError::db(op, e))?;
        });
        Ok(())
    }

    async fn runs(
        &self,
        instance: &InstanceId,
        flow: &str,
        limit: i64,
    ) -> Result<Vec<RunRecord>, SyncError> {
        type Flat = (
            i64,
            String,
            String,
            String,
            i64,
            Option<i64>,
            String,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<String>,
        );
        let sql = "SELECT id, instance, flow, worker, started_at, ended_at, status, total, changed, \
                   sent, rejected, failed, not_attempted, deleted, error FROM sync_runs \
                   WHERE instance = $1 AND flow = $2 ORDER BY id DESC LIMIT $3";
        let rows: Vec<Flat> = with_pool!(self, p => sqlx::query_as(sql)
            .bind(instance.as_str())
            .bind(flow)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(|e| SyncError::db("reading the run history", e))?);
        rows.into_iter()
            .map(|r| {
                Ok(RunRecord {
                    id: r.0,
                    instance: InstanceId::new(r.1)?,
                    flow: r.2,
                    worker: r.3,
                    started_at: from_micros(r.4),
                    ended_at: r.5.map(from_micros),
                    status: RunStatus::parse(&r.6)?,
                    counts: RunCounts {
                        total: r.7,
                        changed: r.8,
                        sent: r.9,
                        rejected: r.10,
                        failed: r.11,
                        not_attempted: r.12,
                        deleted: r.13,
                    },
                    error: r.14,
                })
            })
            .collect()
    }

    async fn lease_acquire(
        &self,
        instance: &InstanceId,
        flow: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, SyncError> {
        check_name("flow", flow)?;
        check_key("holder", holder)?;
        let sql = self.sql(
            "INSERT INTO sync_leases (instance, flow, holder, token, expires_at) \
             VALUES ($1, $2, $3, 1, :now + $4) \
             ON CONFLICT (instance, flow) DO UPDATE SET holder = excluded.holder, \
             token = sync_leases.token + 1, expires_at = excluded.expires_at \
             WHERE sync_leases.expires_at <= :now \
             RETURNING token, expires_at",
        );
        let row: Option<(i64, i64)> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(instance.as_str())
            .bind(flow)
            .bind(holder)
            .bind(micros(ttl))
            .fetch_optional(p)
            .await
            .map_err(|e| SyncError::db("acquiring a lease", e))?);
        Ok(row.map(|(token, expires)| Lease {
            instance: instance.clone(),
            flow: flow.to_string(),
            holder: holder.to_string(),
            token,
            expires_at: from_micros(expires),
        }))
    }

    async fn lease_renew(&self, lease: &Lease, ttl: Duration) -> Result<Lease, SyncError> {
        let sql = self.sql(
            "UPDATE sync_leases SET expires_at = :now + $4 \
             WHERE instance = $1 AND flow = $2 AND token = $3 AND expires_at > :now \
             RETURNING expires_at",
        );
        let row: Option<(i64,)> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(lease.instance.as_str())
            .bind(&lease.flow)
            .bind(lease.token)
            .bind(micros(ttl))
            .fetch_optional(p)
            .await
            .map_err(|e| SyncError::db("renewing a lease", e))?);
        match row {
            Some((expires,)) => Ok(Lease {
                expires_at: from_micros(expires),
                ..lease.clone()
            }),
            None => Err(SyncError::LeaseLost {
                instance: lease.instance.to_string(),
                flow: lease.flow.clone(),
                token: lease.token,
            }),
        }
    }

    async fn lease_release(&self, lease: &Lease) -> Result<bool, SyncError> {
        let sql = self.sql(
            "UPDATE sync_leases SET expires_at = 0 \
             WHERE instance = $1 AND flow = $2 AND token = $3 AND expires_at > :now",
        );
        let n = with_pool!(self, p => sqlx::query(&sql)
            .bind(lease.instance.as_str())
            .bind(&lease.flow)
            .bind(lease.token)
            .execute(p)
            .await
            .map_err(|e| SyncError::db("releasing a lease", e))?
            .rows_affected());
        Ok(n == 1)
    }

    async fn lease_check(&self, lease: &Lease) -> Result<bool, SyncError> {
        let sql = self.sql(
            "SELECT COUNT(*) FROM sync_leases \
             WHERE instance = $1 AND flow = $2 AND token = $3 AND expires_at > :now",
        );
        let row: (i64,) = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(lease.instance.as_str())
            .bind(&lease.flow)
            .bind(lease.token)
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("checking a lease", e))?);
        Ok(row.0 == 1)
    }

    async fn bucket_reserve(
        &self,
        scope: &str,
        operation: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Duration, SyncError> {
        if interval.is_zero() || burst == 0 {
            return Err(SyncError::invalid(
                "rate limit",
                "needs a positive interval and a burst of at least 1",
            ));
        }
        let interval_us = micros(interval).max(1);
        // GCRA: tat = max(tat, now) + interval; wait = tat - now - interval * burst.
        let sql = self.sql(
            "INSERT INTO sync_buckets (scope, operation, tat) VALUES ($1, $2, :now + $3) \
             ON CONFLICT (scope, operation) DO UPDATE SET tat = \
             (CASE WHEN sync_buckets.tat > :now THEN sync_buckets.tat ELSE :now END) + $3 \
             RETURNING tat - :now",
        );
        let row: (i64,) = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(scope)
            .bind(operation)
            .bind(interval_us)
            .fetch_one(p)
            .await
            .map_err(|e| SyncError::db("reserving a rate-limit slot", e))?);
        let tolerance = interval_us.saturating_mul(i64::from(burst));
        let wait = row.0.saturating_sub(tolerance).max(0);
        Ok(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
    }
}
