//! SFTP download throughput: our transport vs the OpenSSH `sftp` client, in the same run.
//!
//! ```text
//! cargo bench -p connector-sftp                       # 256 MiB, 2 runs per case
//! SFTP_BENCH_MB=64 SFTP_BENCH_RUNS=3 cargo bench -p connector-sftp
//! SFTP_BENCH_MB=64 SFTP_BENCH_LOOPBACK_ONLY=1 cargo bench -p connector-sftp  # paired runs only
//! ```
//!
//! Cases: loopback OpenSSH (`/usr/sbin/sshd` started on a temporary config), the same behind a
//! delay proxy adding ~50 ms of round-trip time (25 ms each way; netem is not available), and
//! the embedded russh server of `connector-sandbox`. For ours, the cipher preference is varied.
//! Each case reports the best of the runs in MB/s (10^6 bytes per second) and the ratio.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use connector_sandbox::sftp::{SftpServer, SftpServerConfig};
use connector_sftp::{DEFAULT_READ_CHUNK, SftpClient, SftpConfig};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// CPU seconds (user + system) this process has used so far.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace()
        .skip(11)
        .take(2)
        .map(|v| v.parse::<f64>().unwrap_or(0.0))
        .sum::<f64>()
        / 100.0
}

/// Downloads `remote` with our transport, discarding the bytes; returns MB/s.
async fn ours(cfg: SftpConfig, remote: &str, size: u64) -> Result<f64, String> {
    let sftp = SftpClient::new(cfg);
    let started = Instant::now();
    let mut s = sftp
        .download_stream(remote)
        .await
        .map_err(|e| e.to_string())?;
    let mut n = 0u64;
    while let Some(c) = s.next().await {
        n += c.map_err(|e| e.to_string())?.len() as u64;
    }
    if n != size {
        return Err(format!("got {n} of {size} bytes"));
    }
    Ok(size as f64 / 1e6 / started.elapsed().as_secs_f64())
}

/// The ciphers both clients are measured with on loopback (`None`: each side's default).
const CIPHER_CASES: [(&str, Option<&str>); 5] = [
    ("default", None),
    ("aes128-gcm", Some("aes128-gcm@openssh.com")),
    ("aes256-gcm", Some("aes256-gcm@openssh.com")),
    ("aes128-ctr", Some("aes128-ctr")),
    ("chacha20-poly1305", Some("chacha20-poly1305@openssh.com")),
];

/// Uploads the local file `local` (`size` bytes) to `remote` with `SftpClient::upload`
/// (temporary name, then rename); returns MB/s.
async fn ours_upload(
    cfg: SftpConfig,
    local: &Path,
    remote: &str,
    size: u64,
) -> Result<f64, String> {
    let sftp = SftpClient::new(cfg);
    let started = Instant::now();
    let report = sftp
        .upload(local, remote)
        .await
        .map_err(|e| e.to_string())?;
    if report.wire_bytes != size {
        return Err(format!("sent {} of {size} bytes", report.wire_bytes));
    }
    Ok(size as f64 / 1e6 / started.elapsed().as_secs_f64())
}

/// The same download with a bare libssh2 read loop (no async facade, no channel): the
/// reference for the facade's overhead.
fn raw_libssh2(
    port: u16,
    user: &str,
    key: &Path,
    remote: &str,
    size: u64,
    chunk: usize,
    cipher: &str,
) -> Result<f64, String> {
    use std::io::Read;
    let started = Instant::now();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    // TCP_NODELAY as the transport sets it (`Conn::open`): otherwise the small FXP_READ
    // requests can wait for Nagle's algorithm and the reference measures something else.
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut sess = ssh2::Session::new().map_err(|e| e.to_string())?;
    sess.set_tcp_stream(tcp);
    if !cipher.is_empty() {
        for t in [ssh2::MethodType::CryptCs, ssh2::MethodType::CryptSc] {
            sess.method_pref(t, cipher).map_err(|e| e.to_string())?;
        }
    }
    sess.handshake().map_err(|e| e.to_string())?;
    sess.userauth_pubkey_file(user, None, key, None)
        .map_err(|e| e.to_string())?;
    let sftp = sess.sftp().map_err(|e| e.to_string())?;
    let mut f = sftp.open(Path::new(remote)).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; chunk];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| e.to_string())?;
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    if n != size {
        return Err(format!("got {n} of {size} bytes"));
    }
    Ok(size as f64 / 1e6 / started.elapsed().as_secs_f64())
}

/// Downloads `remote` with `sftp -b` (key auth) to /dev/null; returns MB/s.
fn openssh_client(
    port: u16,
    user: &str,
    key: &Path,
    known_hosts: &Path,
    cipher: Option<&str>,
    remote: &str,
    size: u64,
) -> Result<f64, String> {
    let line = format!("get {remote} /dev/null");
    openssh_batch(port, user, key, known_hosts, cipher, &line, size)
}

/// Runs one `sftp -b` batch line (key auth) that moves `size` bytes; returns MB/s.
fn openssh_batch(
    port: u16,
    user: &str,
    key: &Path,
    known_hosts: &Path,
    cipher: Option<&str>,
    line: &str,
    size: u64,
) -> Result<f64, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let batch = dir.path().join("batch");
    std::fs::write(&batch, format!("{line}\n")).map_err(|e| e.to_string())?;
    let mut cmd = common::sftp_batch(&batch, key, port, known_hosts);
    if let Some(c) = cipher {
        cmd.arg("-o").arg(format!("Ciphers={c}"));
    }
    cmd.arg(format!("{user}@127.0.0.1"));
    let started = Instant::now();
    let out = cmd.output().map_err(|e| format!("cannot run sftp: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "sftp failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(size as f64 / 1e6 / secs)
}

/// A TCP proxy on loopback that delays every chunk by `one_way` in each direction (so the
/// round trip grows by twice that) without limiting bandwidth.
async fn delay_proxy(target: u16, one_way: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pipe(cr, sw, one_way));
            tokio::spawn(pipe(sr, cw, one_way));
        }
    });
    port
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, data)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&data).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx
                    .send((tokio::time::Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}

fn best(results: &[Result<f64, String>]) -> Result<f64, String> {
    let ok: Vec<f64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    if ok.is_empty() {
        Err(results
            .iter()
            .find_map(|r| r.as_ref().err().cloned())
            .unwrap_or_default())
    } else {
        Ok(ok.into_iter().fold(0.0, f64::max))
    }
}

fn show(label: &str, r: &Result<f64, String>) {
    match r {
        Ok(v) => println!("{label:<58} {v:>8.1} MB/s"),
        Err(e) => println!("{label:<58} {:>8}  ({e})", "n/a"),
    }
}

fn ratio(label: &str, a: &Result<f64, String>, b: &Result<f64, String>) {
    if let (Ok(a), Ok(b)) = (a, b) {
        println!("{label:<58} {:>8.2}x", a / b);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mb = common::env_num("SFTP_BENCH_MB", 256);
    let runs = common::env_num("SFTP_BENCH_RUNS", 2).max(1);
    let size = mb * 1024 * 1024;
    let Some(sshd) = common::Sshd::start_or_skip("the SFTP benchmark") else {
        return;
    };
    let remote = sshd.write_prng_file("bench.bin", size, 1);
    println!("SFTP download of {mb} MiB, best of {runs} run(s) per case");

    let cfg = |port: u16, ciphers: Option<&str>| {
        let mut b = SftpConfig::builder("127.0.0.1")
            .port(port)
            .username(&sshd.user)
            .private_key_file(&sshd.client_key, None)
            .host_key_fingerprint(&sshd.fingerprint)
            .session_timeout(Duration::from_secs(120));
        if let Some(c) = ciphers {
            b = b.ciphers(c);
        }
        b.build().unwrap()
    };
    let negotiated = SftpClient::new(cfg(sshd.port, None))
        .negotiated_cipher()
        .await
        .unwrap_or(None)
        .unwrap_or_default();
    println!(
        "connector-sftp's default cipher against OpenSSH: {negotiated} (patched libssh2: {}); \
         the bare libssh2 loop uses the same cipher",
        connector_sftp::PATCHED_LIBSSH2
    );

    // Paired runs (ours, then OpenSSH, back to back) so that load from other processes hits
    // both sides of each ratio alike; the median of the per-pair ratios is the robust figure.
    let mut ratios = Vec::new();
    let mut bare_ratios = Vec::new();
    let gb = size as f64 / 1e9;
    for i in 0..runs.max(3) {
        let c0 = process_cpu_seconds();
        let a = ours(cfg(sshd.port, None), &remote, size).await;
        let c1 = process_cpu_seconds();
        let bare = raw_libssh2(
            sshd.port,
            &sshd.user,
            &sshd.client_key,
            &remote,
            size,
            DEFAULT_READ_CHUNK,
            &negotiated,
        );
        let c2 = process_cpu_seconds();
        let b = openssh_client(
            sshd.port,
            &sshd.user,
            &sshd.client_key,
            &sshd.known_hosts,
            None,
            &remote,
            size,
        );
        if let (Ok(a), Ok(bare), Ok(b)) = (&a, &bare, &b) {
            println!(
                "loopback run {i}: connector-sftp {a:.1} MB/s ({:.2} CPU s/GB), bare libssh2 {bare:.1} MB/s ({:.2} CPU s/GB), OpenSSH sftp {b:.1} MB/s ({:.2}x, bare {:.2}x)",
                (c1 - c0) / gb,
                (c2 - c1) / gb,
                a / b,
                bare / b
            );
            ratios.push(a / b);
            bare_ratios.push(bare / b);
        }
    }
    for (label, r) in [
        ("loopback median paired ratio (default config)", &mut ratios),
        (
            "loopback median paired ratio (bare libssh2 loop)",
            &mut bare_ratios,
        ),
    ] {
        r.sort_by(f64::total_cmp);
        if let Some(m) = r.get(r.len() / 2) {
            println!("{label:<58} {m:>8.2}x");
        }
    }
    if std::env::var("SFTP_BENCH_LOOPBACK_ONLY").is_ok_and(|v| v == "1") {
        return;
    }

    // Uploads (the encrypt side of the transport): the same file back to the server, paired
    // with OpenSSH's `put`, each on its default cipher.
    let target = format!("{remote}.up");
    let mut up_ratios = Vec::new();
    for i in 0..runs {
        let c0 = process_cpu_seconds();
        let a = ours_upload(cfg(sshd.port, None), Path::new(&remote), &target, size).await;
        let cpu = (process_cpu_seconds() - c0) / gb;
        let _ = std::fs::remove_file(&target);
        let b = openssh_batch(
            sshd.port,
            &sshd.user,
            &sshd.client_key,
            &sshd.known_hosts,
            None,
            &format!("put {remote} {target}"),
            size,
        );
        let _ = std::fs::remove_file(&target);
        match (&a, &b) {
            (Ok(a), Ok(b)) => {
                println!(
                    "loopback upload run {i}: connector-sftp {a:.1} MB/s ({cpu:.2} CPU s/GB), OpenSSH sftp put {b:.1} MB/s ({:.2}x)",
                    a / b
                );
                up_ratios.push(a / b);
            }
            _ => println!("loopback upload run {i}: ours {a:?}, OpenSSH {b:?}"),
        }
    }
    up_ratios.sort_by(f64::total_cmp);
    if let Some(m) = up_ratios.get(up_ratios.len() / 2) {
        println!(
            "{:<58} {m:>8.2}x",
            "loopback upload median paired ratio (default config)"
        );
    }

    let mut loopback = Vec::new();
    for (label, ciphers) in CIPHER_CASES {
        let mut r = Vec::new();
        for _ in 0..runs {
            r.push(ours(cfg(sshd.port, ciphers), &remote, size).await);
        }
        let b = best(&r);
        show(&format!("loopback OpenSSH, connector-sftp ({label})"), &b);
        loopback.push((label, b));
    }
    let mut r = Vec::new();
    for _ in 0..runs {
        r.push(raw_libssh2(
            sshd.port,
            &sshd.user,
            &sshd.client_key,
            &remote,
            size,
            2 * 1024 * 1024,
            &negotiated,
        ));
    }
    show(
        "loopback OpenSSH, bare libssh2 loop, 2 MiB reads (reference)",
        &best(&r),
    );
    let mut theirs = Vec::new();
    for (label, cipher) in CIPHER_CASES {
        let mut r = Vec::new();
        for _ in 0..runs {
            r.push(openssh_client(
                sshd.port,
                &sshd.user,
                &sshd.client_key,
                &sshd.known_hosts,
                cipher,
                &remote,
                size,
            ));
        }
        let b = best(&r);
        show(
            &format!("loopback OpenSSH, OpenSSH sftp client ({label})"),
            &b,
        );
        theirs.push((label, b));
    }
    let best_ours = best(&loopback.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>());
    let best_theirs = best(&theirs.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>());
    ratio(
        "loopback ratio (best ours / best OpenSSH)",
        &best_ours,
        &best_theirs,
    );
    ratio(
        "loopback ratio (default / default)",
        &loopback[0].1,
        &theirs[0].1,
    );

    // ~50 ms of added round-trip time.
    let proxy = delay_proxy(sshd.port, Duration::from_millis(25)).await;
    let kh = sshd.dir.path().join("known_hosts_proxy");
    let host_pub = std::fs::read_to_string(sshd.dir.path().join("host_key.pub")).unwrap();
    std::fs::write(&kh, format!("[127.0.0.1]:{proxy} {}", host_pub.trim())).unwrap();
    // Both sides on aes256-gcm, then both on their default cipher (ours: AES-GCM with the
    // patched libssh2 on AES hardware, else chacha20-poly1305; OpenSSH 9: chacha20-poly1305).
    for (label, ours_ciphers, their_cipher) in [
        (
            "aes256-gcm",
            Some("aes256-gcm@openssh.com,aes128-ctr"),
            Some("aes256-gcm@openssh.com"),
        ),
        ("default", None, None),
    ] {
        let mut r = Vec::new();
        for _ in 0..runs {
            r.push(ours(cfg(proxy, ours_ciphers), &remote, size).await);
        }
        let ours_rtt = best(&r);
        show(&format!("50 ms RTT, connector-sftp ({label})"), &ours_rtt);
        let r: Vec<_> = (0..runs)
            .map(|_| {
                let kh = kh.as_path();
                openssh_client(
                    proxy,
                    &sshd.user,
                    &sshd.client_key,
                    kh,
                    their_cipher,
                    &remote,
                    size,
                )
            })
            .collect();
        let theirs_rtt = best(&r);
        show(
            &format!("50 ms RTT, OpenSSH sftp client ({label})"),
            &theirs_rtt,
        );
        ratio(
            &format!("50 ms RTT ratio, {label} (ours / OpenSSH)"),
            &ours_rtt,
            &theirs_rtt,
        );
    }

    // The embedded russh server (key auth so the OpenSSH client can log in too).
    let public = std::fs::read_to_string(sshd.client_key.with_extension("pub")).unwrap();
    let server = SftpServer::start(
        SftpServerConfig::new(sshd.files()).authorized_key(&sshd.user, public.trim()),
    )
    .await
    .unwrap();
    let ecfg = SftpConfig::builder(server.host())
        .port(server.port())
        .username(&sshd.user)
        .private_key_file(&sshd.client_key, None)
        .host_key_fingerprint(server.host_key_fingerprint())
        .session_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut r = Vec::new();
    for _ in 0..runs {
        r.push(ours(ecfg.clone(), "/bench.bin", size).await);
    }
    let ours_emb = best(&r);
    show("embedded russh server, connector-sftp", &ours_emb);
    let ekh = sshd.dir.path().join("known_hosts_embedded");
    std::fs::write(&ekh, format!("{}\n", server.known_hosts_line())).unwrap();
    let mut r = Vec::new();
    for _ in 0..runs {
        r.push(openssh_client(
            server.port(),
            &sshd.user,
            &sshd.client_key,
            &ekh,
            None,
            "/bench.bin",
            size,
        ));
    }
    let theirs_emb = best(&r);
    show("embedded russh server, OpenSSH sftp client", &theirs_emb);
    ratio("embedded ratio (ours / OpenSSH)", &ours_emb, &theirs_emb);
}
