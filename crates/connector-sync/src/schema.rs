//! The schema, as versioned migrations shipped with the crate.
//!
//! `sync_schema` holds one row: the version and the crate version that wrote it. Opening a
//! store applies the migrations it lacks in one transaction (PostgreSQL: under an advisory
//! lock, so N workers starting at once migrate once); a version newer than
//! [`SCHEMA_VERSION`] is refused with [`crate::SyncError::SchemaTooNew`] and nothing is
//! changed.
//!
//! Times are `BIGINT` microseconds since the Unix epoch **on the database clock**, so workers
//! with skewed clocks agree on lease expiry and bucket arithmetic.

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 1;

/// Which SQL dialect a statement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The version table, created before anything is read.
pub(crate) const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS sync_schema (\
    id BIGINT PRIMARY KEY CHECK (id = 1), \
    version BIGINT NOT NULL, \
    written_by TEXT NOT NULL, \
    updated_at BIGINT NOT NULL)";

/// The statements of migration `version` (1-based) for `dialect`.
pub(crate) fn migration(version: i64, dialect: Dialect) -> Vec<String> {
    match version {
        1 => v1(dialect),
        _ => Vec::new(),
    }
}

fn v1(dialect: Dialect) -> Vec<String> {
    let run_id = match dialect {
        Dialect::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    vec![
        "CREATE TABLE sync_cursors (\
            instance TEXT NOT NULL, stream TEXT NOT NULL, cursor_value TEXT NOT NULL, \
            updated_at BIGINT NOT NULL, PRIMARY KEY (instance, stream))"
            .into(),
        "CREATE TABLE sync_fingerprints (\
            instance TEXT NOT NULL, flow TEXT NOT NULL, record_key TEXT NOT NULL, \
            fingerprint TEXT NOT NULL, seen_run BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
            PRIMARY KEY (instance, flow, record_key))"
            .into(),
        "CREATE TABLE sync_staged (\
            instance TEXT NOT NULL, flow TEXT NOT NULL, run_id BIGINT NOT NULL, idx BIGINT NOT NULL, \
            record_key TEXT NOT NULL, fingerprint TEXT NOT NULL, failed BIGINT NOT NULL DEFAULT 0, \
            PRIMARY KEY (instance, flow, run_id, idx))"
            .into(),
        "CREATE INDEX sync_staged_key ON sync_staged (instance, flow, run_id, record_key)".into(),
        "CREATE TABLE sync_ledger (\
            instance TEXT NOT NULL, idem_key TEXT NOT NULL, flow TEXT NOT NULL, state TEXT NOT NULL, \
            payload TEXT NOT NULL, platform_ids TEXT NOT NULL, detail TEXT, \
            attempts BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
            PRIMARY KEY (instance, idem_key))"
            .into(),
        "CREATE INDEX sync_ledger_state ON sync_ledger (instance, state)".into(),
        "CREATE TABLE sync_dead_letters (\
            instance TEXT NOT NULL, flow TEXT NOT NULL, record_key TEXT NOT NULL, payload TEXT NOT NULL, \
            reason TEXT NOT NULL, attempts BIGINT NOT NULL, first_failed_at BIGINT NOT NULL, \
            last_failed_at BIGINT NOT NULL, retry_at BIGINT NOT NULL, \
            PRIMARY KEY (instance, flow, record_key))"
            .into(),
        format!(
            "CREATE TABLE sync_runs ({run_id}, instance TEXT NOT NULL, flow TEXT NOT NULL, \
            worker TEXT NOT NULL, started_at BIGINT NOT NULL, ended_at BIGINT, status TEXT NOT NULL, \
            total BIGINT NOT NULL DEFAULT 0, changed BIGINT NOT NULL DEFAULT 0, \
            sent BIGINT NOT NULL DEFAULT 0, rejected BIGINT NOT NULL DEFAULT 0, \
            failed BIGINT NOT NULL DEFAULT 0, not_attempted BIGINT NOT NULL DEFAULT 0, \
            deleted BIGINT NOT NULL DEFAULT 0, error TEXT)"
        ),
        "CREATE INDEX sync_runs_flow ON sync_runs (instance, flow, id)".into(),
        "CREATE TABLE sync_leases (\
            instance TEXT NOT NULL, flow TEXT NOT NULL, holder TEXT NOT NULL, token BIGINT NOT NULL, \
            expires_at BIGINT NOT NULL, PRIMARY KEY (instance, flow))"
            .into(),
        "CREATE TABLE sync_buckets (\
            scope TEXT NOT NULL, operation TEXT NOT NULL, tat BIGINT NOT NULL, \
            PRIMARY KEY (scope, operation))"
            .into(),
    ]
}

/// The database clock in microseconds since the epoch, as an SQL expression. Stable within one
/// statement on both backends.
pub(crate) fn now_expr(dialect: Dialect) -> &'static str {
    match dialect {
        // 'now' is fixed for the whole sqlite3_step(); millisecond resolution.
        Dialect::Sqlite => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000000.0) AS BIGINT)",
        // statement_timestamp(): the same for every use within the statement.
        Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000 AS BIGINT)",
    }
}
