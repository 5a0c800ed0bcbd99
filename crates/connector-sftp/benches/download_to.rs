//! `SftpClient::download_to` (temporary file, fsync, rename, directory fsync) against OpenSSH's
//! `sftp` client writing the same file (`get remote local`, no fsync), both from one real sshd
//! on loopback, in one run: wall time AND CPU time (user + system) side by side.
//!
//! ```text
//! cargo bench -p connector-sftp --bench download_to                  # 256 MiB, 3 pairs
//! SFTP_BENCH_MB=128 SFTP_BENCH_RUNS=5 cargo bench -p connector-sftp --bench download_to
//! ```
//!
//! Runs alternate (ours, OpenSSH, ours, ...) and the ratio is taken pair by pair; the median
//! is printed. Our CPU is this process's (client, encryption, writes, syncs); OpenSSH's is the
//! `sftp` process and its `ssh` child. The server's CPU is in neither.
//!
//! `download_to once PORT USER KEY KNOWN_HOSTS REMOTE DEST` does one download and exits (to
//! time the whole process from outside, beside `sftp` doing the same).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Instant;

use connector_sftp::{SftpClient, SftpConfig};

/// CPU seconds of this process (`self`) and of its waited-for children (`children`).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|v| v.parse::<f64>().unwrap_or(0.0) / 100.0)
        .collect();
    if f.len() < 4 {
        return (0.0, 0.0);
    }
    (f[0] + f[1], f[2] + f[3])
}

fn config(port: u16, user: &str, key: &Path, known_hosts: &Path) -> SftpConfig {
    SftpConfig::builder("127.0.0.1")
        .port(port)
        .username(user)
        .private_key_file(key, None)
        .known_hosts(known_hosts)
        .build()
        .unwrap()
}

/// (wall s, cpu s) of one `download_to`.
async fn ours(cfg: SftpConfig, remote: &str, dest: &Path, size: u64) -> (f64, f64) {
    let _ = std::fs::remove_file(dest);
    let (cpu0, _) = cpu_seconds();
    let t = Instant::now();
    let report = SftpClient::new(cfg)
        .download_to(remote, dest)
        .await
        .unwrap();
    let wall = t.elapsed().as_secs_f64();
    let (cpu1, _) = cpu_seconds();
    assert_eq!(report.written_bytes, size);
    assert_eq!(std::fs::metadata(dest).unwrap().len(), size);
    (wall, cpu1 - cpu0)
}

/// (wall s, cpu s) of one `sftp -b` `get remote dest`.
fn openssh(
    port: u16,
    user: &str,
    key: &Path,
    known_hosts: &Path,
    remote: &str,
    dest: &Path,
    size: u64,
) -> (f64, f64) {
    let _ = std::fs::remove_file(dest);
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::write(&batch, format!("get {remote} {}\n", dest.display())).unwrap();
    let (_, c0) = cpu_seconds();
    let t = Instant::now();
    let out = common::sftp_batch(&batch, key, port, known_hosts)
        .arg(format!("{user}@127.0.0.1"))
        .output()
        .unwrap();
    let wall = t.elapsed().as_secs_f64();
    let (_, c1) = cpu_seconds();
    assert!(
        out.status.success(),
        "sftp: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::metadata(dest).unwrap().len(), size);
    (wall, c1 - c0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("once") {
        let [port, user, key, known, remote, dest] = &args[2..8] else {
            panic!("usage: download_to once PORT USER KEY KNOWN_HOSTS REMOTE DEST");
        };
        let cfg = config(
            port.parse().unwrap(),
            user,
            Path::new(key),
            Path::new(known),
        );
        let report = SftpClient::new(cfg)
            .download_to(remote, dest)
            .await
            .unwrap();
        println!("{} bytes", report.written_bytes);
        return;
    }
    let mb = common::env_num("SFTP_BENCH_MB", 256);
    let runs = common::env_num("SFTP_BENCH_RUNS", 3).max(1);
    let size = mb * 1024 * 1024;
    let Some(sshd) = common::Sshd::start_or_skip("the download_to benchmark") else {
        return;
    };
    let remote = sshd.write_prng_file("bench.bin", size, 3);
    let out = tempfile::tempdir_in(sshd.dir.path()).unwrap();
    let (ours_dest, theirs_dest) = (out.path().join("ours.bin"), out.path().join("openssh.bin"));
    println!("download_to vs OpenSSH sftp `get` of {mb} MiB to a local file, {runs} pair(s)");
    println!(
        "{:<6} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "run", "ours wall", "ours cpu", "ssh wall", "ssh cpu", "wall x", "cpu x"
    );
    let (mut wall_x, mut cpu_x, mut ow, mut tw) = (vec![], vec![], vec![], vec![]);
    for i in 0..runs {
        let cfg = config(sshd.port, &sshd.user, &sshd.client_key, &sshd.known_hosts);
        let (w1, c1) = ours(cfg, &remote, &ours_dest, size).await;
        let (w2, c2) = openssh(
            sshd.port,
            &sshd.user,
            &sshd.client_key,
            &sshd.known_hosts,
            &remote,
            &theirs_dest,
            size,
        );
        // speed ratio: > 1 means download_to is faster
        wall_x.push(w2 / w1);
        cpu_x.push(c1 / c2);
        ow.push(w1);
        tw.push(w2);
        println!(
            "{i:<6} {w1:>9.3}s {c1:>9.3}s {w2:>9.3}s {c2:>9.3}s {:>7.2}x {:>7.2}x",
            w2 / w1,
            c1 / c2
        );
    }
    let mbs = |w: f64| size as f64 / 1e6 / w;
    println!(
        "median: download_to {:.1} MB/s, OpenSSH sftp {:.1} MB/s; speed ratio (OpenSSH wall / ours) {:.2}x; CPU ratio (ours / OpenSSH) {:.2}x",
        mbs(median(ow)),
        mbs(median(tw)),
        median(wall_x),
        median(cpu_x)
    );
}
