//! Change detection: from a stream of records, the stream of only the new and changed ones,
//! plus the deletions of a full snapshot, with bounded memory.
//!
//! How a run goes ([`ChangeDetector`]):
//! 1. the input is read in batches of [`ChangeDetector::with_batch_size`] records (500 by
//!    default); for each batch one statement marks the keys as *seen by this run* and returns
//!    their committed fingerprints;
//! 2. a record whose key is unknown is **new**, one whose fingerprint differs is **changed**,
//!    the others are skipped; a changed record with a dead letter not due yet is held back;
//! 3. the fingerprints of the records handed on are *staged* (not committed) before they are
//!    yielded, each with its position in the output stream;
//! 4. after the platform answered, [`ChangeDetector::commit`] flags the positions its
//!    [`BatchReport`] names as rejected, failed or not attempted and commits the others in one
//!    transaction checked against the lease: a record the platform did not accept counts as
//!    changed again on the next run;
//! 5. when the whole input was read, [`ChangeDetector::deletions`] pages through the keys the
//!    run did not see (mark and sweep): the deletions of the snapshot.
//!
//! At most one batch of records, its keys and the staged fingerprints of that batch are held
//! in memory, whatever the size of the input.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use connector_core::BatchReport;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::SyncError;
use crate::store::{MAX_KEYS_PER_STATEMENT, StagedFingerprint, SyncStore};
use crate::types::{Lease, check_key};

/// The fingerprint of a record: the first 128 bits of the SHA-256 of its JSON form, in hex.
///
/// The JSON form must be deterministic: structs serialize their fields in declaration order,
/// but a `HashMap` field does not (use a `BTreeMap`).
pub fn fingerprint_of<T: Serialize + ?Sized>(record: &T) -> Result<String, SyncError> {
    let bytes = serde_json::to_vec(record).map_err(|e| SyncError::Decode {
        what: "record for its fingerprint".into(),
        message: e.to_string(),
    })?;
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(32);
    for b in digest.iter().take(16) {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 0x0f)]));
    }
    Ok(hex)
}

/// Counts of one change-detection pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeStats {
    /// Records read from the input.
    pub read: i64,
    /// Records whose key had no committed fingerprint.
    pub new: i64,
    /// Records whose fingerprint differs from the committed one.
    pub changed: i64,
    /// Records equal to what the platform accepted last.
    pub unchanged: i64,
    /// Changed records held back because their dead letter is not due yet.
    pub deferred: i64,
}

impl ChangeStats {
    /// Records handed on (new + changed).
    pub fn handed_on(&self) -> i64 {
        self.new + self.changed
    }
}

#[derive(Debug, Default)]
struct Progress {
    stats: ChangeStats,
    complete: bool,
}

/// Change detection for one run of one flow, under the flow's lease (see the module docs).
#[derive(Clone)]
pub struct ChangeDetector {
    store: Arc<dyn SyncStore>,
    lease: Lease,
    run: i64,
    batch_size: usize,
    progress: Arc<Mutex<Progress>>,
}

impl fmt::Debug for ChangeDetector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeDetector")
            .field("instance", &self.lease.instance)
            .field("flow", &self.lease.flow)
            .field("run", &self.run)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ChangeDetector {
    /// A detector for run `run` of the lease's flow. Drops the staging rows a crashed run
    /// left (they were never committed, so those records count as changed again).
    pub async fn begin(
        store: Arc<dyn SyncStore>,
        lease: Lease,
        run: i64,
    ) -> Result<Self, SyncError> {
        store
            .fingerprints_clear_staged(&lease.instance, &lease.flow)
            .await?;
        Ok(Self {
            store,
            lease,
            run,
            batch_size: MAX_KEYS_PER_STATEMENT,
            progress: Arc::default(),
        })
    }

    /// Reads and looks up the input `n` records at a time (1 to
    /// [`MAX_KEYS_PER_STATEMENT`], default 500).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, MAX_KEYS_PER_STATEMENT);
        self
    }

    /// The run.
    pub fn run_id(&self) -> i64 {
        self.run
    }

    /// The counts so far.
    pub fn stats(&self) -> ChangeStats {
        self.lock().stats
    }

    /// Whether the whole input was read (only then are [`deletions`](Self::deletions) the
    /// deletions of the snapshot).
    pub fn is_complete(&self) -> bool {
        self.lock().complete
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The new and changed records of `input`, in input order. `key` names a record (SKU,
    /// SKU@warehouse...), `fingerprint` summarises its content (e.g. [`fingerprint_of`]).
    ///
    /// A store error ends the stream with that error; a record with an invalid key or
    /// fingerprint is an error too (an ambiguous record is not guessed at).
    pub fn changes<'a, T, S, K, F>(
        &self,
        input: S,
        key: K,
        fingerprint: F,
    ) -> BoxStream<'a, Result<T, SyncError>>
    where
        T: Send + 'a,
        S: Stream<Item = T> + Send + 'a,
        K: Fn(&T) -> String + Send + Sync + 'a,
        F: Fn(&T) -> Result<String, SyncError> + Send + Sync + 'a,
    {
        struct State<'a, T> {
            input: BoxStream<'a, Vec<T>>,
            out: VecDeque<T>,
            next_index: i64,
            failed: bool,
        }
        let this = self.clone();
        let state = State {
            input: input.chunks(self.batch_size).boxed(),
            out: VecDeque::new(),
            next_index: 0,
            failed: false,
        };
        let key = Arc::new(key);
        let fingerprint = Arc::new(fingerprint);
        futures::stream::unfold(state, move |mut st| {
            let this = this.clone();
            let key = key.clone();
            let fingerprint = fingerprint.clone();
            async move {
                loop {
                    if let Some(r) = st.out.pop_front() {
                        return Some((Ok(r), st));
                    }
                    if st.failed {
                        return None;
                    }
                    let Some(batch) = st.input.next().await else {
                        this.lock().complete = true;
                        return None;
                    };
                    match this
                        .detect(batch, &*key, &*fingerprint, st.next_index)
                        .await
                    {
                        Ok(changed) => {
                            st.next_index += i64::try_from(changed.len()).unwrap_or(i64::MAX);
                            st.out.extend(changed);
                        }
                        Err(e) => {
                            st.failed = true;
                            return Some((Err(e), st));
                        }
                    }
                }
            }
        })
        .boxed()
    }

    async fn detect<T>(
        &self,
        batch: Vec<T>,
        key: &(dyn Fn(&T) -> String + Send + Sync),
        fingerprint: &(dyn Fn(&T) -> Result<String, SyncError> + Send + Sync),
        first_index: i64,
    ) -> Result<Vec<T>, SyncError> {
        let mut keyed = Vec::with_capacity(batch.len());
        for r in batch {
            let k = key(&r);
            check_key("record key", &k)?;
            let f = fingerprint(&r)?;
            check_key("fingerprint", &f)?;
            keyed.push((k, f, r));
        }
        let keys: Vec<String> = keyed.iter().map(|(k, _, _)| k.clone()).collect();
        let committed = self
            .store
            .fingerprints_mark_seen(&self.lease.instance, &self.lease.flow, self.run, &keys)
            .await?;
        let mut stats = ChangeStats {
            read: i64::try_from(keyed.len()).unwrap_or(i64::MAX),
            ..Default::default()
        };
        let mut candidates = Vec::new();
        for (k, f, r) in keyed {
            match committed.get(&k) {
                Some(old) if *old == f => stats.unchanged += 1,
                Some(_) => candidates.push((k, f, r, false)),
                None => candidates.push((k, f, r, true)),
            }
        }
        let held = if candidates.is_empty() {
            Default::default()
        } else {
            let keys: Vec<String> = candidates.iter().map(|c| c.0.clone()).collect();
            self.store
                .dead_letters_not_due(&self.lease.instance, &self.lease.flow, &keys)
                .await?
        };
        let mut staged: Vec<StagedFingerprint> = Vec::new();
        let mut out = Vec::new();
        for (k, f, r, is_new) in candidates {
            if held.contains(&k) {
                stats.deferred += 1;
                continue;
            }
            if is_new {
                stats.new += 1;
            } else {
                stats.changed += 1;
            }
            staged.push((first_index + i64::try_from(out.len()).unwrap_or(0), k, f));
            out.push(r);
        }
        self.store
            .fingerprints_stage(&self.lease.instance, &self.lease.flow, self.run, &staged)
            .await?;
        let mut p = self.lock();
        p.stats.read += stats.read;
        p.stats.new += stats.new;
        p.stats.changed += stats.changed;
        p.stats.unchanged += stats.unchanged;
        p.stats.deferred += stats.deferred;
        Ok(out)
    }

    /// Commits the fingerprints of the records the platform accepted, by `report` (whose
    /// positions are those of the stream from [`changes`](Self::changes)): every record it
    /// names as rejected, failed or not attempted, and every record it does not account for,
    /// stays uncommitted and counts as changed next run. Returns how many were committed.
    pub async fn commit(&self, report: &BatchReport) -> Result<u64, SyncError> {
        let handed_on = self.stats().handed_on();
        let total = i64::try_from(report.total).unwrap_or(i64::MAX);
        if total > handed_on {
            return Err(SyncError::invalid(
                "report",
                format!("accounts for {total} records but {handed_on} were handed on"),
            ));
        }
        let not_accepted: Vec<i64> = report
            .rejected
            .iter()
            .chain(&report.failed)
            .chain(&report.not_attempted)
            .filter_map(|f| i64::try_from(f.index).ok())
            .collect();
        self.store
            .fingerprints_flag_failed(
                &self.lease.instance,
                &self.lease.flow,
                self.run,
                &not_accepted,
            )
            .await?;
        self.store
            .fingerprints_promote(
                &self.lease.instance,
                &self.lease.flow,
                self.run,
                total,
                &self.lease,
            )
            .await
    }

    /// One page of the deletions of the snapshot: keys (with their committed fingerprint)
    /// this run did not see, after `after` in key order. Refused until the whole input was
    /// read: a run that stopped part way has not seen everything.
    pub async fn deletions(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, SyncError> {
        if !self.is_complete() {
            return Err(SyncError::invalid(
                "deletions",
                "are known only once the whole snapshot was read",
            ));
        }
        let limit = i64::try_from(limit.clamp(1, MAX_KEYS_PER_STATEMENT)).unwrap_or(500);
        self.store
            .fingerprints_unseen(
                &self.lease.instance,
                &self.lease.flow,
                self.run,
                after,
                limit,
            )
            .await
    }

    /// Forgets deleted keys once the platform accepted their deletion (at most
    /// [`MAX_KEYS_PER_STATEMENT`] per call).
    pub async fn commit_deletions(&self, keys: &[String]) -> Result<u64, SyncError> {
        self.store
            .fingerprints_delete(&self.lease.instance, &self.lease.flow, keys, &self.lease)
            .await
    }
}
