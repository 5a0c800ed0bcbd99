//! SQLite-only faults: a corrupt file and a read-only database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use connector_sync::{InstanceId, SqlStore, SqliteOptions, SyncError, SyncStore};

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let garbage = b"this is an ERP export, not an SQLite database\n".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = SqlStore::sqlite_file(&path, SqliteOptions::default())
        .await
        .unwrap_err();
    match &err {
        SyncError::Corrupt { location, .. } => assert!(location.ends_with("sync.db"), "{location}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file was not overwritten"
    );
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let i = InstanceId::new("one/t1").unwrap();
    {
        let store = SqlStore::sqlite_file(&path, SqliteOptions::default())
            .await
            .unwrap();
        store
            .cursor_save(&i, "one.orders", "7", None)
            .await
            .unwrap();
        store.close().await;
    }
    let mut options = SqliteOptions::default();
    options.read_only = true;
    // Opening works (the schema is current, nothing to migrate); reads work; writes fail.
    let ro = SqlStore::sqlite_file(&path, options).await.unwrap();
    assert_eq!(
        ro.cursor_load(&i, "one.orders").await.unwrap().as_deref(),
        Some("7")
    );
    let err = ro
        .cursor_save(&i, "one.orders", "8", None)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Database { .. }), "{err:?}");
    assert!(err.to_string().contains("saving a cursor"), "{err}");
    assert!(err.to_string().contains("readonly"), "{err}");
    assert_eq!(
        ro.cursor_load(&i, "one.orders").await.unwrap().as_deref(),
        Some("7")
    );
}

#[tokio::test]
async fn in_memory_store_works_and_urls_are_checked() {
    let store = SqlStore::open("sqlite::memory:").await.unwrap();
    let i = InstanceId::new("one/t1").unwrap();
    store.cursor_save(&i, "s", "1", None).await.unwrap();
    assert_eq!(
        store.cursor_load(&i, "s").await.unwrap().as_deref(),
        Some("1")
    );
    assert!(matches!(
        SqlStore::open("mysql://x").await,
        Err(SyncError::InvalidInput { .. })
    ));
    // A PostgreSQL URL's password never reaches Debug or errors.
    let err = SqlStore::open("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
