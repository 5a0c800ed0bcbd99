//! A scripted HTTP/1.1 server on loopback that plays a broken or hostile platform.
//!
//! Each accepted connection reads one request, records it, and gets the next scripted
//! [`Answer`]: a well-formed response (any status, headers and body), raw bytes, a delay, a
//! connection reset in the middle of the body, a body shorter than its `Content-Length`, an
//! endless body, silence, or a bare close. Every answer closes its connection
//! (`connection: close`), so one request is one connection and the script is played in order
//! whatever the client's connection pool does.
//!
//! It is written on plain tokio sockets, not on a web framework, so that it can send what no
//! framework would let it send (a wrong `Content-Length`, a reset, bytes that are not HTTP).
//!
//! ```
//! use connector_sandbox::hostile::{Answer, ScriptedServer};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let server = ScriptedServer::start(vec![
//!     Answer::status(503),
//!     Answer::json(200, r#"{"ok":true}"#),
//! ])
//! .await?;
//! // Point a client at server.url(); after the script, every call gets the fallback
//! // (a 599 by default, so a test that makes more calls than planned sees it).
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.requests().len(), 0);
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most header bytes read from one request.
const MAX_HEAD: usize = 64 * 1024;
/// The most body bytes read from one request.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// One scripted answer to one connection.
#[derive(Clone)]
#[non_exhaustive]
pub enum Answer {
    /// A complete response: status, headers (a `content-length` and `connection: close` are
    /// added), body.
    Http {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// These bytes as they are, then a close (for answers that are not HTTP at all).
    Raw(Vec<u8>),
    /// Waits, then plays the inner answer (a slow server; a client timeout fires first).
    Delay(Duration, Box<Answer>),
    /// Status line, headers announcing `declared` body bytes, `sent` of the body, then a TCP
    /// reset (the connection dies mid-body).
    ResetMidBody {
        /// The status code.
        status: u16,
        /// The `Content-Length` announced.
        declared: usize,
        /// The bytes actually sent before the reset.
        sent: Vec<u8>,
    },
    /// Like [`Answer::ResetMidBody`] but ends with a clean close (FIN): a truncated body.
    Truncated {
        /// The status code.
        status: u16,
        /// The `Content-Length` announced.
        declared: usize,
        /// The bytes actually sent.
        sent: Vec<u8>,
    },
    /// A chunked body that never ends: `chunk` again and again until the client hangs up
    /// (an oversized answer without a `Content-Length`).
    Endless {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The chunk repeated for ever.
        chunk: Vec<u8>,
    },
    /// Reads the request and never answers (the connection stays open until the client gives
    /// up or the server is dropped).
    Silence,
    /// Closes the connection without answering.
    Close,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http { status, body, .. } => write!(f, "Http({status}, {} bytes)", body.len()),
            Self::Raw(b) => write!(f, "Raw({} bytes)", b.len()),
            Self::Delay(d, a) => write!(f, "Delay({d:?}, {a:?})"),
            Self::ResetMidBody {
                status,
                declared,
                sent,
            } => write!(f, "ResetMidBody({status}, {}/{declared})", sent.len()),
            Self::Truncated {
                status,
                declared,
                sent,
            } => write!(f, "Truncated({status}, {}/{declared})", sent.len()),
            Self::Endless { status, .. } => write!(f, "Endless({status})"),
            Self::Silence => f.write_str("Silence"),
            Self::Close => f.write_str("Close"),
        }
    }
}

impl Answer {
    /// `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Self::Http {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `status` with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    /// `status` with an HTML page (what a proxy or a login page answers).
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self::Http {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: body.into().into_bytes(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::Http {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// This answer with one more header (for [`Answer::Http`] and [`Answer::Endless`]; others
    /// are returned unchanged).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        match &mut self {
            Self::Http { headers, .. } | Self::Endless { headers, .. } => {
                headers.push((name.into(), value.into()))
            }
            Self::Delay(_, inner) => **inner = inner.as_ref().clone().header(name, value),
            _ => {}
        }
        self
    }

    /// This answer after `delay`.
    pub fn after(self, delay: Duration) -> Self {
        Self::Delay(delay, Box::new(self))
    }
}

/// A request as the server received it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method (`GET`, `POST`...).
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials: names only.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The value of query parameter `key` (not percent-decoded).
    pub fn query(&self, key: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == key).then_some(v)
        })
    }

    /// The whole request (head and body) as text, to search for a leaked secret.
    pub fn to_text(&self) -> String {
        let mut out = format!("{} {}\n", self.method, self.target);
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }
}

/// Chooses the answer to the `n`-th request (0-based).
pub type Responder = Arc<dyn Fn(&RecordedRequest, usize) -> Answer + Send + Sync>;

struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    connections: AtomicUsize,
}

/// The scripted server; stopped when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedServer")
            .field("addr", &self.addr)
            .field("connections", &self.connections())
            .finish()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The status of the fallback answer once a script is played out (not a real status: a test
/// that sees it made more calls than it planned).
pub const SCRIPT_EXHAUSTED: u16 = 599;

impl ScriptedServer {
    /// Plays `script` in order, one answer per connection; then answers
    /// [`SCRIPT_EXHAUSTED`] to every further call.
    pub async fn start(script: Vec<Answer>) -> std::io::Result<Self> {
        let queue = Mutex::new(VecDeque::from(script));
        Self::start_with(Arc::new(move |_req, _n| {
            queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front()
                .unwrap_or_else(|| {
                    Answer::json(SCRIPT_EXHAUSTED, r#"{"message":"script exhausted"}"#)
                })
        }))
        .await
    }

    /// Answers every request with `answer`.
    pub async fn always(answer: Answer) -> std::io::Result<Self> {
        Self::start_with(Arc::new(move |_req, _n| answer.clone())).await
    }

    /// Answers each request with what `responder` says (given the request and its 0-based
    /// number): pagination that never ends, cursors that cycle, answers that depend on the
    /// path.
    pub async fn start_with(responder: Responder) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                let responder = responder.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, s, responder).await;
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Connections accepted so far (a request that could not be read still counts).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    responder: Responder,
) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let n = {
        let mut requests = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
        requests.push(req.clone());
        requests.len() - 1
    };
    let answer = responder(&req, n);
    play(&mut stream, answer).await
}

fn head(status: u16, headers: &[(String, String)], length: Option<usize>) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    match length {
        Some(n) => out.push_str(&format!("content-length: {n}\r\n")),
        None => out.push_str("transfer-encoding: chunked\r\n"),
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Scripted",
    }
}

/// Writes a status line and headers announcing `declared` body bytes, then only `sent`.
async fn write_part(
    stream: &mut TcpStream,
    status: u16,
    declared: usize,
    sent: &[u8],
) -> std::io::Result<()> {
    let mut out = head(status, &[], Some(declared));
    out.extend_from_slice(sent);
    stream.write_all(&out).await
}

fn play(
    stream: &mut TcpStream,
    answer: Answer,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send + '_>> {
    Box::pin(async move {
        match answer {
            Answer::Http {
                status,
                headers,
                body,
            } => {
                let mut out = head(status, &headers, Some(body.len()));
                out.extend_from_slice(&body);
                stream.write_all(&out).await?;
                stream.shutdown().await
            }
            Answer::Raw(bytes) => {
                stream.write_all(&bytes).await?;
                stream.shutdown().await
            }
            Answer::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                play(stream, *inner).await
            }
            Answer::ResetMidBody {
                status,
                declared,
                sent,
            } => {
                write_part(stream, status, declared, &sent).await?;
                stream.flush().await?;
                // Linger 0: closing sends a RST instead of a FIN. (Deprecated because a
                // non-zero linger blocks the thread on drop; a zero linger does not block.)
                #[allow(deprecated)]
                stream.set_linger(Some(Duration::ZERO))?;
                Ok(())
            }
            Answer::Truncated {
                status,
                declared,
                sent,
            } => {
                write_part(stream, status, declared, &sent).await?;
                stream.shutdown().await
            }
            Answer::Endless {
                status,
                headers,
                chunk,
            } => {
                stream.write_all(&head(status, &headers, None)).await?;
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                if chunk.is_empty() {
                    return Ok(());
                }
                loop {
                    // Ends when the client hangs up (write error).
                    stream.write_all(&framed).await?;
                }
            }
            Answer::Silence => {
                // Hold the connection until the client gives up.
                let mut buf = [0u8; 1024];
                while stream.read(&mut buf).await? > 0 {}
                Ok(())
            }
            Answer::Close => Ok(()),
        }
    })
}

/// Reads one request (head, then a `content-length` or chunked body). `None` when the
/// client closed before sending a whole head.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<RecordedRequest>> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut rest = buf[head_end + 4..].to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        let len = len.min(MAX_REQUEST_BODY);
        while rest.len() < len {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(stream, rest).await?
    } else {
        Vec::new()
    };
    Ok(Some(RecordedRequest {
        method,
        target,
        headers,
        body,
    }))
}

async fn read_chunked(stream: &mut TcpStream, mut raw: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut pos = 0;
    loop {
        // Need a size line.
        let line_end = loop {
            if let Some(i) = find(&raw[pos..], b"\r\n") {
                break pos + i;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 || raw.len() > MAX_REQUEST_BODY {
                return Ok(body);
            }
            raw.extend_from_slice(&chunk[..n]);
        };
        let size_text = String::from_utf8_lossy(&raw[pos..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        pos = line_end + 2;
        if size == 0 {
            return Ok(body);
        }
        while raw.len() < pos + size + 2 {
            let n = stream.read(&mut chunk).await?;
            if n == 0 || raw.len() > MAX_REQUEST_BODY {
                return Ok(body);
            }
            raw.extend_from_slice(&chunk[..n]);
        }
        body.extend_from_slice(&raw[pos..pos + size]);
        pos += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.write_all(request).await.unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        out
    }

    #[tokio::test]
    async fn plays_the_script_in_order_and_records_requests() {
        let server = ScriptedServer::start(vec![
            Answer::json(201, r#"{"id":1}"#).header("x-request-id", "r1"),
            Answer::Truncated {
                status: 200,
                declared: 100,
                sent: b"{\"par".to_vec(),
            },
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let a = raw_exchange(
            server.addr(),
            b"POST /v1/items?page=2&x=y HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
        )
        .await;
        let a = String::from_utf8_lossy(&a);
        assert!(a.starts_with("HTTP/1.1 201 Created\r\n"), "{a}");
        assert!(
            a.contains("x-request-id: r1\r\n") && a.ends_with("{\"id\":1}"),
            "{a}"
        );
        let b = raw_exchange(
            server.addr(),
            b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .await;
        let b = String::from_utf8_lossy(&b);
        assert!(
            b.contains("content-length: 100") && b.ends_with("{\"par"),
            "{b}"
        );
        let c = raw_exchange(server.addr(), b"GET / HTTP/1.1\r\n\r\n").await;
        assert!(String::from_utf8_lossy(&c).starts_with("HTTP/1.1 599"));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3);
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path()),
            ("POST", "/v1/items")
        );
        assert_eq!(reqs[0].query("page"), Some("2"));
        assert_eq!(reqs[0].body, b"hello");
        assert_eq!(reqs[0].header("HOST"), Some("h"));
        assert_eq!(reqs[1].body, b"abcde");
        assert_eq!(server.connections(), 3);
        assert!(!format!("{:?}", reqs[0]).contains("hello"));
    }

    #[tokio::test]
    async fn reset_endless_close_and_responder() {
        let server = ScriptedServer::start_with(Arc::new(|req, n| match req.path() {
            "/reset" => Answer::ResetMidBody {
                status: 200,
                declared: 1000,
                sent: vec![b'x'; 10],
            },
            "/endless" => Answer::Endless {
                status: 200,
                headers: Vec::new(),
                chunk: vec![b'y'; 1024],
            },
            "/close" => Answer::Close,
            _ => Answer::json(200, format!("{{\"n\":{n}}}")),
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let r = raw_exchange(server.addr(), b"GET /reset HTTP/1.1\r\n\r\n").await;
        assert!(r.len() < 1000);
        let c = raw_exchange(server.addr(), b"GET /close HTTP/1.1\r\n\r\n").await;
        assert!(c.is_empty());
        // Read 64 KiB of the endless body, then hang up.
        let mut s = TcpStream::connect(server.addr())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.write_all(b"GET /endless HTTP/1.1\r\n\r\n")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut got = 0;
        let mut buf = [0u8; 8192];
        while got < 64 * 1024 {
            got += s.read(&mut buf).await.unwrap_or_else(|e| panic!("{e}"));
        }
        drop(s);
        let n = raw_exchange(server.addr(), b"GET /n HTTP/1.1\r\n\r\n").await;
        assert!(String::from_utf8_lossy(&n).ends_with("{\"n\":3}"));
    }
}
