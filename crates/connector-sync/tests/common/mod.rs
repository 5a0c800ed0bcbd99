//! Test databases: an SQLite file in a temporary directory, or a fresh database on the
//! PostgreSQL server named by `SYNC_TEST_PG_URL` (see scripts/pg-test-cluster.sh).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use connector_sync::SqlStore;
use sqlx::Connection;

/// A database a test can open (and reopen) a store on.
pub(crate) struct TestDb {
    pub(crate) url: String,
    pub(crate) backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server URL and the database name, dropped when the test ends.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    /// Drops the PostgreSQL database the test created (each is several MB; a suite run would
    /// otherwise leave hundreds). `WITH (FORCE)` ends the connections pools still hold. Runs
    /// on a thread of its own: `Drop` cannot await, and may run inside a runtime.
    fn drop(&mut self) {
        let Some((base, name)) = self.pg.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&base).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop the test database (server gone?)");
        }
    }
}

impl TestDb {
    pub(crate) async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("sync.db").display());
        Self {
            url,
            backend: "sqlite",
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh database on the test server; `None` (after printing why) when there is none.
    /// Under `CI=true` a missing server is a failure, never a skip.
    pub(crate) async fn postgres(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var("SYNC_TEST_PG_URL") else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "CI=true but SYNC_TEST_PG_URL is not set: PostgreSQL must run for {test} \
                     (start it with scripts/pg-test-cluster.sh)"
                );
            }
            println!(
                "SKIPPED: {test} on PostgreSQL (SYNC_TEST_PG_URL not set; run scripts/pg-test-cluster.sh)"
            );
            return None;
        };
        let name = format!("sync_t_{:016x}", fastrand::u64(..));
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("SYNC_TEST_PG_URL={base} does not answer: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.set_path(&format!("/{name}"));
        Some(Self {
            url: url.to_string(),
            backend: "postgres",
            _dir: None,
            pg: Some((base, name)),
        })
    }

    pub(crate) async fn open(&self) -> SqlStore {
        SqlStore::open(&self.url).await.unwrap()
    }
}

/// Generates one `#[tokio::test]` per backend for each `async fn name(db: TestDb)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::common::TestDb::postgres(stringify!($name)).await else {
                        return;
                    };
                    super::$name(db).await;
                }
            )*
        }
    };
}
