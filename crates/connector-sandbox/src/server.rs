//! Serving a router on an ephemeral loopback port.

use std::fmt;
use std::net::SocketAddr;

use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Largest request body a sandbox server accepts: 1 GiB.
pub const MAX_BODY_BYTES: usize = 1 << 30;

/// A running server on `127.0.0.1:<ephemeral>`. Stopped when dropped.
pub struct SandboxServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for SandboxServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SandboxServer {
    /// Serves `router` on a fresh loopback port.
    pub async fn start(router: Router) -> std::io::Result<Self> {
        Self::start_on(router, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serves `router` on `addr` (use port 0 for an ephemeral port). Request bodies up to
    /// [`MAX_BODY_BYTES`] are accepted (axum's own default, 2 MB, is too small for load files).
    pub async fn start_on(router: Router, addr: SocketAddr) -> std::io::Result<Self> {
        let router = router.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox server stopped with an error");
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url()` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url(), path.trim_start_matches('/'))
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
