//! Where does the loopback time go? A bare libssh2 download (no async facade) against a real
//! OpenSSH `sshd` on loopback, for a matrix of cipher / MAC / read sizes, alternating with the
//! OpenSSH `sftp` client, reporting MB/s and the CPU seconds each client spent per GB.
//!
//! ```text
//! cargo bench -p connector-sftp --bench cipher_matrix
//! SFTP_MATRIX_MB=128 SFTP_MATRIX_RUNS=5 cargo bench -p connector-sftp --bench cipher_matrix
//! SFTP_MATRIX_CASES='aes128-ctr/hmac-sha2-256-etm@openssh.com' cargo bench ...  # one case
//! SFTP_MATRIX_CHUNKS=262144,2097152 cargo bench ...                              # read sizes
//! SFTP_MATRIX_OPENSSH_DEFAULT=1 cargo bench ...   # OpenSSH always on its default algorithms
//! SFTP_MATRIX_PARALLEL=1,2,3 cargo bench ...      # n sessions reading 1/n of the file each
//! SFTP_MATRIX_OURS_ONLY=1 SFTP_MATRIX_LOOPS=20 cargo bench ...  # for `perf record -p`
//! ```
//!
//! Client CPU is read from `/proc` (utime + stime of this process for ours; the waited-for
//! children's for `sftp`), so it is the client's own cost, independent of how busy the machine
//! is; MB/s is what the pair achieved on the shared cores.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// (utime + stime of this process, cutime + cstime of its waited-for children) in seconds.
fn cpu_times() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime is field 14 (index 11 here).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let tick = 100.0; // USER_HZ on Linux
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0) / tick;
    (get(11) + get(12), get(13) + get(14))
}

struct Sample {
    mbps: f64,
    cpu_s_per_gb: f64,
    server_s_per_gb: f64,
}

/// Runs `f` (one download of `size` bytes) and fills in the server's CPU per GB: the sshd
/// listener's own and reaped children's CPU, read once the session process has exited.
fn with_server_cpu(
    sshd: &common::Sshd,
    size: u64,
    f: impl FnOnce() -> Result<Sample, String>,
) -> Result<Sample, String> {
    let s0 = sshd.cpu_seconds();
    let mut sample = f()?;
    std::thread::sleep(std::time::Duration::from_millis(200));
    sample.server_s_per_gb = (sshd.cpu_seconds() - s0) / (size as f64 / 1e9);
    Ok(sample)
}

fn bare_libssh2(
    sshd: &common::Sshd,
    remote: &str,
    size: u64,
    cipher: &str,
    mac: &str,
    chunk: usize,
) -> Result<(Sample, String), String> {
    let tcp = std::net::TcpStream::connect(("127.0.0.1", sshd.port)).map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let sess = ssh2::Session::new().map_err(|e| e.to_string())?;
    let mut sess = sess;
    sess.set_tcp_stream(tcp);
    use ssh2::MethodType as M;
    if !cipher.is_empty() {
        sess.method_pref(M::CryptCs, cipher)
            .map_err(|e| e.to_string())?;
        sess.method_pref(M::CryptSc, cipher)
            .map_err(|e| e.to_string())?;
    }
    if !mac.is_empty() {
        sess.method_pref(M::MacCs, mac).map_err(|e| e.to_string())?;
        sess.method_pref(M::MacSc, mac).map_err(|e| e.to_string())?;
    }
    sess.handshake().map_err(|e| e.to_string())?;
    sess.userauth_pubkey_file(&sshd.user, None, &sshd.client_key, None)
        .map_err(|e| e.to_string())?;
    let negotiated = format!(
        "{} / {}",
        sess.methods(M::CryptSc).unwrap_or("?"),
        sess.methods(M::MacSc).unwrap_or("?")
    );
    let sftp = sess.sftp().map_err(|e| e.to_string())?;
    let mut f = sftp.open(Path::new(remote)).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; chunk];
    let (cpu0, _) = cpu_times();
    let started = Instant::now();
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| e.to_string())?;
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    let (cpu1, _) = cpu_times();
    if n != size {
        return Err(format!("got {n} of {size} bytes"));
    }
    Ok((
        Sample {
            mbps: size as f64 / 1e6 / secs,
            cpu_s_per_gb: (cpu1 - cpu0) / (size as f64 / 1e9),
            server_s_per_gb: 0.0,
        },
        negotiated,
    ))
}

/// `n` sessions at once, each reading one contiguous 1/n of the file (bytes discarded, order
/// ignored): the upper bound of what a segmented download could reach.
fn parallel_ranges(
    sshd: &common::Sshd,
    remote: &str,
    size: u64,
    n: u64,
    chunk: usize,
) -> Result<f64, String> {
    use std::io::{Seek, SeekFrom};
    let started = Instant::now();
    let per = size.div_ceil(n);
    let results: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                scope.spawn(move || -> Result<u64, String> {
                    let tcp = std::net::TcpStream::connect(("127.0.0.1", sshd.port))
                        .map_err(|e| e.to_string())?;
                    let mut sess = ssh2::Session::new().map_err(|e| e.to_string())?;
                    sess.set_tcp_stream(tcp);
                    sess.handshake().map_err(|e| e.to_string())?;
                    sess.userauth_pubkey_file(&sshd.user, None, &sshd.client_key, None)
                        .map_err(|e| e.to_string())?;
                    let sftp = sess.sftp().map_err(|e| e.to_string())?;
                    let mut f = sftp.open(Path::new(remote)).map_err(|e| e.to_string())?;
                    let start = i * per;
                    let end = (start + per).min(size);
                    f.seek(SeekFrom::Start(start)).map_err(|e| e.to_string())?;
                    let mut buf = vec![0u8; chunk];
                    let mut at = start;
                    while at < end {
                        let want = ((end - at) as usize).min(chunk);
                        let k = f.read(&mut buf[..want]).map_err(|e| e.to_string())?;
                        if k == 0 {
                            break;
                        }
                        at += k as u64;
                    }
                    Ok(at - start)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("panic".into())))
            .collect()
    });
    let mut total = 0;
    for r in results {
        total += r?;
    }
    if total != size {
        return Err(format!("got {total} of {size} bytes"));
    }
    Ok(size as f64 / 1e6 / started.elapsed().as_secs_f64())
}

fn openssh(
    sshd: &common::Sshd,
    remote: &str,
    size: u64,
    cipher: &str,
    mac: &str,
) -> Result<Sample, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let batch = dir.path().join("batch");
    std::fs::write(&batch, format!("get {remote} /dev/null\n")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("sftp");
    cmd.arg("-q")
        .arg("-b")
        .arg(&batch)
        .arg("-i")
        .arg(&sshd.client_key)
        .arg("-P")
        .arg(sshd.port.to_string())
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", sshd.known_hosts.display()))
        .arg("-o")
        .arg("StrictHostKeyChecking=yes")
        .arg("-o")
        .arg("BatchMode=yes");
    if !cipher.is_empty() {
        cmd.arg("-o").arg(format!("Ciphers={cipher}"));
    }
    if !mac.is_empty() {
        cmd.arg("-o").arg(format!("MACs={mac}"));
    }
    cmd.arg(format!("{}@127.0.0.1", sshd.user));
    let (_, c0) = cpu_times();
    let started = Instant::now();
    let out = cmd.output().map_err(|e| format!("cannot run sftp: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let (_, c1) = cpu_times();
    if !out.status.success() {
        return Err(format!(
            "sftp failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(Sample {
        mbps: size as f64 / 1e6 / secs,
        cpu_s_per_gb: (c1 - c0) / (size as f64 / 1e9),
        server_s_per_gb: 0.0,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mb = common::env_num("SFTP_MATRIX_MB", 256);
    let runs = common::env_num("SFTP_MATRIX_RUNS", 3).max(1);
    let loops = common::env_num("SFTP_MATRIX_LOOPS", 1).max(1);
    let ours_only = std::env::var("SFTP_MATRIX_OURS_ONLY").is_ok_and(|v| v == "1");
    // Compare every case of ours with OpenSSH on its defaults (the issue's comparison).
    let openssh_default = std::env::var("SFTP_MATRIX_OPENSSH_DEFAULT").is_ok_and(|v| v == "1");
    let size = mb * 1024 * 1024;
    let cases_env = std::env::var("SFTP_MATRIX_CASES").unwrap_or_else(|_| {
        [
            "/",
            "chacha20-poly1305@openssh.com/",
            "aes128-ctr/hmac-sha2-256-etm@openssh.com",
            "aes128-ctr/hmac-sha2-256",
            "aes256-ctr/hmac-sha2-256-etm@openssh.com",
            "aes128-gcm@openssh.com/",
            "aes256-gcm@openssh.com/",
        ]
        .join(",")
    });
    let chunks: Vec<usize> = std::env::var("SFTP_MATRIX_CHUNKS")
        .unwrap_or_else(|_| "2097152".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let Some(sshd) = common::Sshd::start_or_skip("the cipher matrix") else {
        return;
    };
    let remote = sshd.write_prng_file("matrix.bin", size, 5);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "bare libssh2 vs OpenSSH sftp, {mb} MiB over loopback, {runs} alternating run(s) per case; load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if let Ok(ns) = std::env::var("SFTP_MATRIX_PARALLEL") {
        for _ in 0..runs {
            let mut line = String::from("parallel sessions (default cipher, 2 MiB reads):");
            for n in ns.split(',').filter_map(|n| n.trim().parse::<u64>().ok()) {
                match parallel_ranges(&sshd, &remote, size, n, chunks[0]) {
                    Ok(v) => line.push_str(&format!("  {n}: {v:.1} MB/s")),
                    Err(e) => line.push_str(&format!("  {n}: failed ({e})")),
                }
            }
            println!("{line}");
        }
        return;
    }
    println!("CPU columns: seconds per GB of the client / of sshd (the session's process)");
    println!(
        "{:<52} {:>9} {:>6} {:>6} {:>9} {:>6} {:>6} {:>7}",
        "case (cipher / MAC, read size)",
        "ours MB/s",
        "cpu",
        "sshd",
        "ssh MB/s",
        "cpu",
        "sshd",
        "ratio"
    );
    for case in cases_env.split(',') {
        let (cipher, mac) = case.split_once('/').unwrap_or((case, ""));
        for &chunk in &chunks {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            let mut ratios = Vec::new();
            let mut negotiated = String::new();
            for _ in 0..runs {
                let mut a = None;
                for _ in 0..loops {
                    let mut neg = String::new();
                    let r = with_server_cpu(&sshd, size, || {
                        bare_libssh2(&sshd, &remote, size, cipher, mac, chunk).map(|(s, n)| {
                            neg = n;
                            s
                        })
                    });
                    match r {
                        Ok(s) => {
                            negotiated = neg;
                            a = Some(s);
                        }
                        Err(e) => {
                            println!("{case}: ours failed: {e}");
                            break;
                        }
                    }
                }
                let b = if ours_only {
                    None
                } else {
                    let (oc, om) = if openssh_default {
                        ("", "")
                    } else {
                        (cipher, mac)
                    };
                    match with_server_cpu(&sshd, size, || openssh(&sshd, &remote, size, oc, om)) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            println!("{case}: OpenSSH failed: {e}");
                            None
                        }
                    }
                };
                if let (Some(a), Some(b)) = (&a, &b) {
                    ratios.push(a.mbps / b.mbps);
                }
                ours.extend(a);
                theirs.extend(b);
            }
            println!(
                "{:<52} {:>9.1} {:>6.2} {:>6.2} {:>9.1} {:>6.2} {:>6.2} {:>6.2}x",
                format!("{negotiated}, {} KiB", chunk / 1024),
                median(ours.iter().map(|s| s.mbps).collect()),
                median(ours.iter().map(|s| s.cpu_s_per_gb).collect()),
                median(ours.iter().map(|s| s.server_s_per_gb).collect()),
                median(theirs.iter().map(|s| s.mbps).collect()),
                median(theirs.iter().map(|s| s.cpu_s_per_gb).collect()),
                median(theirs.iter().map(|s| s.server_s_per_gb).collect()),
                median(ratios),
            );
        }
    }
}
