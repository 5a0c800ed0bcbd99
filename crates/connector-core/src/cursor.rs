//! Event cursors that survive a restart.
//!
//! A job that pulls events (ONe order events, TOTVS order lists) saves the cursor of the last
//! *processed* event after handling it; after a crash it resumes from the saved cursor and may
//! see the last events again (at-least-once), so handlers must be idempotent.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::Error;

/// Where cursors are kept, one per named stream (e.g. `one.orders`).
#[async_trait]
pub trait CursorStore: Send + Sync + fmt::Debug {
    /// The saved cursor of `stream`, if any.
    async fn load(&self, stream: &str) -> Result<Option<String>, Error>;
    /// Saves the cursor of `stream`, replacing the previous one.
    async fn save(&self, stream: &str, cursor: &str) -> Result<(), Error>;
}

/// Cursors in memory (tests, short-lived jobs).
#[derive(Debug, Default)]
pub struct InMemoryCursorStore {
    cursors: Mutex<HashMap<String, String>>,
}

impl InMemoryCursorStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl CursorStore for InMemoryCursorStore {
    async fn load(&self, stream: &str) -> Result<Option<String>, Error> {
        Ok(self
            .cursors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(stream)
            .cloned())
    }

    async fn save(&self, stream: &str, cursor: &str) -> Result<(), Error> {
        self.cursors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(stream.to_string(), cursor.to_string());
        Ok(())
    }
}

/// Cursors in files, one per stream, in a directory. Crash-safe: each save writes a temporary
/// file, flushes it to disk and renames it over the old one, so a crash leaves either the old
/// or the new cursor, never a torn one.
#[derive(Debug, Clone)]
pub struct FileCursorStore {
    dir: PathBuf,
}

impl FileCursorStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, stream: &str) -> Result<PathBuf, Error> {
        if stream.is_empty()
            || !stream
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            || stream.starts_with('.')
        {
            return Err(Error::invalid(
                "stream",
                "must be non-empty ASCII letters, digits, `.`, `-` or `_`, not starting with `.`",
            ));
        }
        Ok(self.dir.join(format!("{stream}.cursor")))
    }
}

#[async_trait]
impl CursorStore for FileCursorStore {
    async fn load(&self, stream: &str) -> Result<Option<String>, Error> {
        let path = self.path(stream)?;
        match tokio::fs::read_to_string(&path).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(
                format!("reading cursor file {}", path.display()),
                e,
            )),
        }
    }

    async fn save(&self, stream: &str, cursor: &str) -> Result<(), Error> {
        use tokio::io::AsyncWriteExt;
        let path = self.path(stream)?;
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| {
            Error::io(
                format!("creating cursor directory {}", self.dir.display()),
                e,
            )
        })?;
        let tmp = path.with_extension(format!("cursor.tmp.{}", std::process::id()));
        let write = async {
            let mut f = tokio::fs::File::create(&tmp).await?;
            f.write_all(cursor.as_bytes()).await?;
            f.sync_all().await?;
            drop(f);
            tokio::fs::rename(&tmp, &path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(Error::io(
                format!("saving cursor file {}", path.display()),
                e,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_round_trips_and_survives_a_new_instance() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileCursorStore::new(dir.path().join("cursors"));
        assert_eq!(store.load("one.orders").await.unwrap(), None);
        store.save("one.orders", "15").await.unwrap();
        store.save("one.orders", "16").await.unwrap();
        let reopened = FileCursorStore::new(dir.path().join("cursors"));
        assert_eq!(
            reopened.load("one.orders").await.unwrap().as_deref(),
            Some("16")
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("cursors"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn file_store_refuses_path_tricks() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileCursorStore::new(dir.path());
        assert!(store.save("../escape", "1").await.is_err());
        assert!(store.save("", "1").await.is_err());
    }

    #[tokio::test]
    async fn memory_store_round_trips() {
        let store = InMemoryCursorStore::new();
        store.save("a", "1").await.unwrap();
        assert_eq!(store.load("a").await.unwrap().as_deref(), Some("1"));
        assert_eq!(store.load("b").await.unwrap(), None);
    }
}
