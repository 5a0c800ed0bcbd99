//! The store conformance suite, run on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use connector_core::CursorStore;
use connector_sync::{
    InstanceCursors, InstanceId, LedgerState, RunCounts, RunStatus, SCHEMA_VERSION, SqlStore,
    SyncError, SyncStore,
};
use serde_json::json;

fn inst(s: &str) -> InstanceId {
    InstanceId::new(s).unwrap()
}

async fn migrations_run_once_and_data_survives_a_reopen(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(store.backend_name(), db.backend);
    let a = inst("one-b2b/tenant-1");
    store
        .cursor_save(&a, "one.orders", "17", None)
        .await
        .unwrap();
    store.close().await;
    // Reopening runs no migration again (it would fail on CREATE TABLE) and keeps the data.
    let again = db.open().await;
    assert_eq!(again.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        again
            .cursor_load(&a, "one.orders")
            .await
            .unwrap()
            .as_deref(),
        Some("17")
    );
    // Two stores opened at once on the same database (two workers starting) both work.
    let (x, y) = tokio::join!(SqlStore::open(&db.url), SqlStore::open(&db.url));
    assert_eq!(x.unwrap().schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(y.unwrap().schema_version().await.unwrap(), SCHEMA_VERSION);
}

async fn a_newer_schema_is_refused_and_left_alone(db: TestDb) {
    let store = db.open().await;
    store
        .force_schema_version(SCHEMA_VERSION + 1)
        .await
        .unwrap();
    store.close().await;
    match SqlStore::open(&db.url).await {
        Err(SyncError::SchemaTooNew {
            found,
            supported,
            written_by,
        }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert_eq!(written_by, "test");
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    // Still refused: the failed open changed nothing.
    let err = SqlStore::open(&db.url).await.unwrap_err();
    assert!(err.to_string().contains("upgrade connector-sync"), "{err}");
}

async fn cursors_work_through_the_core_cursor_store(db: TestDb) {
    let store: Arc<dyn SyncStore> = Arc::new(db.open().await);
    let a: Box<dyn CursorStore> = Box::new(InstanceCursors::new(store.clone(), inst("one/a")));
    let b: Box<dyn CursorStore> = Box::new(InstanceCursors::new(store.clone(), inst("one/b")));
    assert_eq!(a.load("one.orders").await.unwrap(), None);
    a.save("one.orders", "10").await.unwrap();
    a.save("one.orders", "11").await.unwrap();
    b.save("one.orders", "99").await.unwrap();
    assert_eq!(a.load("one.orders").await.unwrap().as_deref(), Some("11"));
    assert_eq!(b.load("one.orders").await.unwrap().as_deref(), Some("99"));
    assert_eq!(a.load("totvs.orders").await.unwrap(), None);
    // A stream name with a space is refused before touching the database.
    assert!(a.save("bad stream", "1").await.is_err());

    // Fenced: a save after the lease expired is refused and the cursor stays.
    let lease = store
        .lease_acquire(&inst("one/a"), "orders", "w1", Duration::from_millis(300))
        .await
        .unwrap()
        .unwrap();
    let fenced = InstanceCursors::fenced(store.clone(), lease.clone());
    fenced.save("one.orders", "12").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let err = fenced.save("one.orders", "13").await.unwrap_err();
    assert!(err.to_string().contains("no longer held"), "{err}");
    assert_eq!(a.load("one.orders").await.unwrap().as_deref(), Some("12"));
}

async fn fingerprints_mark_stage_promote_and_sweep(db: TestDb) {
    let store = db.open().await;
    let i = inst("one/t1");
    let flow = "stock";
    let lease = store
        .lease_acquire(&i, flow, "w1", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let run1 = store.run_start(&i, flow, "w1").await.unwrap();
    let keys: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert!(
        store
            .fingerprints_mark_seen(&i, flow, run1, &keys)
            .await
            .unwrap()
            .is_empty()
    );
    let staged = vec![
        (0, "a".to_string(), "fa".to_string()),
        (1, "b".to_string(), "fb".to_string()),
        (2, "c".to_string(), "fc".to_string()),
    ];
    store
        .fingerprints_stage(&i, flow, run1, &staged)
        .await
        .unwrap();
    // Nothing is committed before the platform answered.
    assert_eq!(store.fingerprint(&i, flow, "a").await.unwrap(), None);
    // The platform refused `b`: only a and c are committed.
    store
        .fingerprints_flag_failed(&i, flow, run1, &[1])
        .await
        .unwrap();
    assert_eq!(
        store
            .fingerprints_promote(&i, flow, run1, 3, &lease)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.fingerprint(&i, flow, "a").await.unwrap().as_deref(),
        Some("fa")
    );
    assert_eq!(store.fingerprint(&i, flow, "b").await.unwrap(), None);
    assert_eq!(store.fingerprints_count(&i, flow).await.unwrap(), 2);
    // Another instance and another flow do not see them.
    assert_eq!(
        store.fingerprint(&inst("one/t2"), flow, "a").await.unwrap(),
        None
    );
    assert_eq!(store.fingerprint(&i, "prices", "a").await.unwrap(), None);

    // Run 2 sees only `a`: `c` is a deletion of the snapshot.
    let run2 = store.run_start(&i, flow, "w1").await.unwrap();
    assert!(run2 > run1);
    let seen = store
        .fingerprints_mark_seen(&i, flow, run2, &["a".to_string(), "z".to_string()])
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen["a"], "fa");
    let unseen = store
        .fingerprints_unseen(&i, flow, run2, "", 10)
        .await
        .unwrap();
    assert_eq!(unseen, vec![("c".to_string(), "fc".to_string())]);
    // Keyset paging.
    assert!(
        store
            .fingerprints_unseen(&i, flow, run2, "c", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .fingerprints_delete(&i, flow, &["c".to_string()], &lease)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.fingerprints_count(&i, flow).await.unwrap(), 1);

    // Direct commit, and stale staging rows cleared.
    store
        .fingerprints_commit(
            &i,
            flow,
            run2,
            &[("a".into(), "fa2".into()), ("d".into(), "fd".into())],
            &lease,
        )
        .await
        .unwrap();
    assert_eq!(
        store.fingerprint(&i, flow, "a").await.unwrap().as_deref(),
        Some("fa2")
    );
    store
        .fingerprints_stage(&i, flow, run2, &[(0, "e".into(), "fe".into())])
        .await
        .unwrap();
    assert_eq!(store.fingerprints_clear_staged(&i, flow).await.unwrap(), 1);
    // Too many keys in one call is refused.
    let many: Vec<String> = (0..501).map(|n| n.to_string()).collect();
    assert!(matches!(
        store.fingerprints_mark_seen(&i, flow, run2, &many).await,
        Err(SyncError::InvalidInput { .. })
    ));

    // A lost lease commits nothing.
    store.lease_release(&lease).await.unwrap();
    store
        .fingerprints_stage(&i, flow, run2, &[(0, "f".into(), "ff".into())])
        .await
        .unwrap();
    assert!(matches!(
        store.fingerprints_promote(&i, flow, run2, 1, &lease).await,
        Err(SyncError::LeaseLost { .. })
    ));
    assert!(matches!(
        store
            .fingerprints_commit(&i, flow, run2, &[("g".into(), "fg".into())], &lease)
            .await,
        Err(SyncError::LeaseLost { .. })
    ));
    assert_eq!(store.fingerprint(&i, flow, "f").await.unwrap(), None);
    assert_eq!(store.fingerprint(&i, flow, "g").await.unwrap(), None);
}

async fn ledger_records_intent_attempts_and_outcome(db: TestDb) {
    let store = db.open().await;
    let i = inst("amazon-mcf/seller-A/EU");
    let lease = store
        .lease_acquire(&i, "placements", "w1", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let payload = json!({"external_id": "ERP-1", "lines": [{"sku": "S1", "qty": "2"}]});
    let (entry, created) = store
        .ledger_begin(&i, "placements", "ERP-1", &payload)
        .await
        .unwrap();
    assert!(created);
    assert_eq!((entry.state, entry.attempts), (LedgerState::Pending, 0));
    assert_eq!(entry.payload, payload);
    // A second intent with the same key returns the first, unchanged.
    let (again, created) = store
        .ledger_begin(&i, "placements", "ERP-1", &json!({"other": true}))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.payload, payload);
    assert_eq!(
        store
            .ledger_mark_attempt(&i, "ERP-1", &lease)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .ledger_mark_attempt(&i, "ERP-1", &lease)
            .await
            .unwrap(),
        2
    );
    store
        .ledger_record(
            &i,
            "ERP-1",
            LedgerState::Placed,
            &["ERP-1".into()],
            None,
            &lease,
        )
        .await
        .unwrap();
    let placed = store.ledger_get(&i, "ERP-1").await.unwrap().unwrap();
    assert_eq!(placed.state, LedgerState::Placed);
    assert_eq!(placed.platform_ids, vec!["ERP-1".to_string()]);
    assert_eq!(placed.attempts, 2);
    // A placed order is never counted as attempted again.
    assert!(
        store
            .ledger_mark_attempt(&i, "ERP-1", &lease)
            .await
            .is_err()
    );

    store
        .ledger_begin(&i, "placements", "ERP-2", &payload)
        .await
        .unwrap();
    store
        .ledger_mark_attempt(&i, "ERP-2", &lease)
        .await
        .unwrap();
    store
        .ledger_record(
            &i,
            "ERP-2",
            LedgerState::Unknown,
            &[],
            Some("timeout; lookup failed"),
            &lease,
        )
        .await
        .unwrap();
    let unknown = store
        .ledger_list(&i, LedgerState::Unknown, 10)
        .await
        .unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].key, "ERP-2");
    assert_eq!(unknown[0].detail.as_deref(), Some("timeout; lookup failed"));
    assert_eq!(
        store
            .ledger_list(&i, LedgerState::Pending, 10)
            .await
            .unwrap()
            .len(),
        0
    );
    // The operator sends it back to pending; its attempts stay (so it is looked up first).
    assert!(store.ledger_retry(&i, "ERP-2").await.unwrap());
    let back = store.ledger_get(&i, "ERP-2").await.unwrap().unwrap();
    assert_eq!((back.state, back.attempts), (LedgerState::Pending, 1));
    assert!(
        !store.ledger_retry(&i, "ERP-1").await.unwrap(),
        "placed is final"
    );
    // Another instance has its own ledger.
    assert!(
        store
            .ledger_get(&inst("amazon-mcf/seller-B/EU"), "ERP-1")
            .await
            .unwrap()
            .is_none()
    );
    // Fenced.
    store.lease_release(&lease).await.unwrap();
    assert!(matches!(
        store.ledger_mark_attempt(&i, "ERP-2", &lease).await,
        Err(SyncError::LeaseLost { .. })
    ));
    assert_eq!(
        store
            .ledger_get(&i, "ERP-2")
            .await
            .unwrap()
            .unwrap()
            .attempts,
        1
    );
    assert!(matches!(
        store.ledger_begin(&i, "placements", "", &payload).await,
        Err(SyncError::InvalidInput { .. })
    ));
}

async fn dead_letters_count_rejections_and_come_due(db: TestDb) {
    let store = db.open().await;
    let i = inst("one/t1");
    let rec = json!({"sku": "S1", "qty": 5});
    assert_eq!(
        store
            .dead_letter_put(&i, "stock", "S1", &rec, "unknown SKU", Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .dead_letter_put(&i, "stock", "S1", &rec, "unknown SKU again", Duration::ZERO)
            .await
            .unwrap(),
        2
    );
    store
        .dead_letter_put(&i, "stock", "S2", &rec, "bad", Duration::from_secs(3600))
        .await
        .unwrap();
    let due = store.dead_letters_due(&i, "stock", 10).await.unwrap();
    assert_eq!(due.len(), 1, "S2 is due in an hour");
    assert_eq!(due[0].key, "S1");
    assert_eq!(due[0].attempts, 2);
    assert_eq!(due[0].reason, "unknown SKU again");
    assert_eq!(due[0].payload, rec);
    assert!(due[0].first_failed_at <= due[0].last_failed_at);
    assert_eq!(store.dead_letters(&i, "stock").await.unwrap().len(), 2);
    assert!(store.dead_letter_remove(&i, "stock", "S1").await.unwrap());
    assert!(!store.dead_letter_remove(&i, "stock", "S1").await.unwrap());
    assert!(
        store
            .dead_letters_due(&i, "stock", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.dead_letters(&i, "prices").await.unwrap().is_empty());
}

async fn run_history_keeps_counts_and_errors(db: TestDb) {
    let store = db.open().await;
    let i = inst("totvs/store-9");
    let r1 = store.run_start(&i, "stock", "w1").await.unwrap();
    let r2 = store.run_start(&i, "stock", "w2").await.unwrap();
    assert!(r2 > r1);
    let counts = RunCounts {
        total: 1000,
        changed: 10,
        sent: 8,
        rejected: 1,
        failed: 1,
        not_attempted: 0,
        deleted: 2,
    };
    store.run_finish(r1, &counts, None, None).await.unwrap();
    store
        .run_finish(r2, &RunCounts::default(), Some("database gone"), None)
        .await
        .unwrap();
    let r3 = store.run_start(&i, "stock", "w1").await.unwrap();
    let runs = store.runs(&i, "stock", 10).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![r3, r2, r1]
    );
    assert_eq!(runs[0].status, RunStatus::Running);
    assert!(runs[0].ended_at.is_none());
    assert_eq!(runs[1].status, RunStatus::Failed);
    assert_eq!(runs[1].error.as_deref(), Some("database gone"));
    assert_eq!(runs[2].status, RunStatus::Succeeded);
    assert_eq!(runs[2].counts, counts);
    assert_eq!(runs[2].worker, "w1");
    assert!(runs[2].ended_at.unwrap() >= runs[2].started_at);
    assert_eq!(store.runs(&i, "stock", 1).await.unwrap().len(), 1);
}

async fn leases_expire_hand_over_and_fence(db: TestDb) {
    let store = db.open().await;
    let i = inst("amazon-mcf/seller-A/EU");
    let ttl = Duration::from_millis(400);
    let a = store
        .lease_acquire(&i, "placements", "a", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(store.lease_check(&a).await.unwrap());
    // Held: nobody else (nor `a` again) gets it.
    assert!(
        store
            .lease_acquire(&i, "placements", "b", ttl)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .lease_acquire(&i, "placements", "a", ttl)
            .await
            .unwrap()
            .is_none()
    );
    // Another flow of the same instance is free.
    assert!(
        store
            .lease_acquire(&i, "stock", "b", ttl)
            .await
            .unwrap()
            .is_some()
    );
    let renewed = store
        .lease_renew(&a, Duration::from_millis(400))
        .await
        .unwrap();
    assert!(renewed.expires_at >= a.expires_at);
    // Expiry: b takes over with a greater token.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!store.lease_check(&a).await.unwrap());
    let b = store
        .lease_acquire(&i, "placements", "b", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    assert!(b.token > a.token, "{} > {}", b.token, a.token);
    // a cannot renew, commit or release any more.
    assert!(matches!(
        store.lease_renew(&a, ttl).await,
        Err(SyncError::LeaseLost { .. })
    ));
    assert!(matches!(
        store.cursor_save(&i, "one.orders", "5", Some(&a)).await,
        Err(SyncError::LeaseLost { .. })
    ));
    let run = store.run_start(&i, "placements", "a").await.unwrap();
    assert!(matches!(
        store
            .run_finish(run, &RunCounts::default(), None, Some(&a))
            .await,
        Err(SyncError::LeaseLost { .. })
    ));
    assert!(!store.lease_release(&a).await.unwrap());
    assert_eq!(store.cursor_load(&i, "one.orders").await.unwrap(), None);
    store
        .cursor_save(&i, "one.orders", "6", Some(&b))
        .await
        .unwrap();
    // Release hands over at once, and the token still grows.
    assert!(store.lease_release(&b).await.unwrap());
    let c = store
        .lease_acquire(&i, "placements", "c", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(c.token > b.token);
}

async fn only_one_of_many_concurrent_acquirers_wins(db: TestDb) {
    let store = db.open().await;
    let other = db.open().await; // a second pool: another process
    let i = inst("one/t1");
    let mut tasks = Vec::new();
    for n in 0..12 {
        let s = if n % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let i = i.clone();
        tasks.push(tokio::spawn(async move {
            s.lease_acquire(&i, "stock", &format!("w{n}"), Duration::from_secs(30))
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
}

async fn shared_buckets_pace_every_process_together(db: TestDb) {
    let a = db.open().await;
    let b = db.open().await;
    let interval = Duration::from_millis(200);
    // Burst 2 across both stores, then one slot every 200 ms.
    assert!(
        a.bucket_reserve("seller-A", "createFulfillmentOrder", interval, 2)
            .await
            .unwrap()
            .is_zero()
    );
    assert!(
        b.bucket_reserve("seller-A", "createFulfillmentOrder", interval, 2)
            .await
            .unwrap()
            .is_zero()
    );
    let w3 = a
        .bucket_reserve("seller-A", "createFulfillmentOrder", interval, 2)
        .await
        .unwrap();
    let w4 = b
        .bucket_reserve("seller-A", "createFulfillmentOrder", interval, 2)
        .await
        .unwrap();
    assert!(w3 > Duration::from_millis(100) && w3 <= interval, "{w3:?}");
    assert!(
        w4 > w3 + Duration::from_millis(100) && w4 <= interval * 2,
        "{w3:?} {w4:?}"
    );
    // Other scopes and operations are their own buckets.
    assert!(
        a.bucket_reserve("seller-B", "createFulfillmentOrder", interval, 1)
            .await
            .unwrap()
            .is_zero()
    );
    assert!(
        a.bucket_reserve("seller-A", "getFulfillmentOrder", interval, 1)
            .await
            .unwrap()
            .is_zero()
    );
    // The bucket refills while idle.
    tokio::time::sleep(interval * 3).await;
    assert!(
        a.bucket_reserve("seller-A", "createFulfillmentOrder", interval, 2)
            .await
            .unwrap()
            .is_zero()
    );
    // 40 concurrent reservations from both pools: the waits are spread at the rate.
    let mut tasks = Vec::new();
    for n in 0..40 {
        let s = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.bucket_reserve("seller-C", "op", Duration::from_millis(50), 5)
                .await
                .unwrap()
        }));
    }
    let mut waits = Vec::new();
    for t in tasks {
        waits.push(t.await.unwrap());
    }
    waits.sort();
    assert_eq!(waits.iter().filter(|w| w.is_zero()).count(), 5, "{waits:?}");
    // The last of 40 waits about 35 slots of 50 ms (minus the time the reservations took).
    let last = *waits.last().unwrap();
    assert!(
        last > Duration::from_millis(1200) && last <= Duration::from_millis(1750),
        "{last:?}"
    );
    assert!(
        a.bucket_reserve("s", "op", Duration::ZERO, 1)
            .await
            .is_err()
    );
}

async fn bad_names_are_refused(db: TestDb) {
    let store = db.open().await;
    assert!(InstanceId::new("").is_err());
    assert!(InstanceId::new("has space").is_err());
    assert!(InstanceId::new("x".repeat(201)).is_err());
    let i = inst("ok/1");
    assert!(matches!(
        store.run_start(&i, "bad flow", "w").await,
        Err(SyncError::InvalidInput { .. })
    ));
    assert!(matches!(
        store
            .lease_acquire(&i, "", "w", Duration::from_secs(1))
            .await,
        Err(SyncError::InvalidInput { .. })
    ));
}

on_both_backends!(
    migrations_run_once_and_data_survives_a_reopen,
    a_newer_schema_is_refused_and_left_alone,
    cursors_work_through_the_core_cursor_store,
    fingerprints_mark_stage_promote_and_sweep,
    ledger_records_intent_attempts_and_outcome,
    dead_letters_count_rejections_and_come_due,
    run_history_keeps_counts_and_errors,
    leases_expire_hand_over_and_fence,
    only_one_of_many_concurrent_acquirers_wins,
    shared_buckets_pace_every_process_together,
    bad_names_are_refused,
);
