//! The embedded SFTP server driven by clients nobody on the team wrote: paramiko (Python) and
//! OpenSSH's `sftp`, run as subprocesses, with many requests in flight (back-pressure), and
//! their `chmod` / `utime` / `truncate` (setstat, fsetstat). A client that is missing makes a
//! test print `SKIPPED:` locally and fail under `CI=true`.
#![cfg(feature = "sftp")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use connector_sandbox::prng_bytes;
use connector_sandbox::sftp::{SftpServer, SftpServerConfig};
use tokio::process::Command;

const USER: &str = "tester";
const PASSWORD: &str = "tester-pw";
/// A client that has not finished in this time is stalled (a 32 MiB transfer takes a second or
/// two on loopback, even against a debug build).
const STALL: Duration = Duration::from_secs(240);

fn skip_or_fail(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test}: cannot run under CI=true: {why}");
    }
    println!("SKIPPED: {test}: {why}");
}

async fn has_paramiko() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import paramiko"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
    {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => Err("python3 has no paramiko module (pip install paramiko)".into()),
        Err(e) => Err(format!("python3 not found: {e}")),
    }
}

/// Runs a command to its end within [`STALL`]; `Err` with its output if it failed or stalled.
async fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    match tokio::time::timeout(STALL, child.wait_with_output()).await {
        Err(_) => Err(format!("{what}: stalled, killed after {STALL:?}")),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Ok(Ok(out)) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if out.status.success() {
                Ok(text)
            } else {
                Err(format!("{what}: {}: {text}", out.status))
            }
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    local: PathBuf,
    server: SftpServer,
}

async fn fixture(config: impl FnOnce(SftpServerConfig) -> SftpServerConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let local = dir.path().join("local");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&local).unwrap();
    let server = SftpServer::start(config(SftpServerConfig::new(&root).user(USER, PASSWORD)))
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        root,
        local,
        server,
    }
}

/// paramiko, with password auth and the server's host key pinned from its `known_hosts` line.
const PARAMIKO: &str = r#"
import sys, paramiko
host, port, user, pw, known, op = sys.argv[1:7]
args = sys.argv[7:]
t = paramiko.Transport((host, int(port)))
t.connect(username=user, password=pw)
k = t.get_remote_server_key()
want = known.split()[2]
if k.get_base64() != want:
    sys.exit("host key mismatch: %s" % k.get_base64())
s = paramiko.SFTPClient.from_transport(t)
if op == "get":
    s.get(args[0], args[1])
elif op == "put":
    s.put(args[0], args[1])
elif op == "setstat":
    p = args[0]
    s.truncate(p, 10)
    s.chmod(p, 0o640)
    s.utime(p, (1000000000, 1200000000))
    a = s.stat(p)
    print("path", oct(a.st_mode & 0o7777), a.st_atime, a.st_mtime, a.st_size)
    f = s.open(p, "r+")
    f.truncate(4)
    f.chmod(0o604)
    f.utime((1300000000, 1400000000))
    f.close()
    a = s.stat(p)
    print("handle", oct(a.st_mode & 0o7777), a.st_atime, a.st_mtime, a.st_size)
    try:
        s.chmod("/no/such/file", 0o600)
        print("missing ok")
    except IOError as e:
        print("missing refused", e.errno)
s.close()
t.close()
"#;

async fn paramiko(f: &Fixture, op: &str, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(PARAMIKO)
        .arg(f.server.host())
        .arg(f.server.port().to_string())
        .arg(USER)
        .arg(PASSWORD)
        .arg(f.server.known_hosts_line())
        .arg(op)
        .args(args);
    run(&mut cmd, &format!("paramiko {op}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_default_get_and_put_of_32_mib_complete() {
    let test = "paramiko_default_get_and_put_of_32_mib_complete";
    if let Err(why) = has_paramiko().await {
        return skip_or_fail(test, &why);
    }
    let f = fixture(|c| c).await;
    let data = prng_bytes(32 << 20, 7);
    std::fs::write(f.root.join("big.bin"), &data).unwrap();
    // get: paramiko prefetches the whole file (hundreds of reads in flight)
    let got = f.local.join("got.bin");
    paramiko(&f, "get", &["/big.bin", got.to_str().unwrap()])
        .await
        .unwrap();
    assert!(std::fs::read(&got).unwrap() == data, "get: bytes differ");
    // put: pipelined writes
    paramiko(&f, "put", &[got.to_str().unwrap(), "/up.bin"])
        .await
        .unwrap();
    assert!(
        std::fs::read(f.root.join("up.bin")).unwrap() == data,
        "put: bytes differ"
    );
}

/// OpenSSH's `sftp` in batch mode with key auth, `StrictHostKeyChecking yes` on the server's
/// `known_hosts` line.
async fn openssh_sftp(
    f: &Fixture,
    key: &Path,
    extra: &[&str],
    batch: &str,
) -> Result<String, String> {
    let dir = f.local.parent().unwrap();
    let known = dir.join("known_hosts");
    std::fs::write(&known, format!("{}\n", f.server.known_hosts_line())).unwrap();
    let batch_file = dir.join("batch");
    std::fs::write(&batch_file, batch).unwrap();
    let mut cmd = Command::new("sftp");
    cmd.args(["-q", "-b"])
        .arg(&batch_file)
        .arg("-i")
        .arg(key)
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known.display()))
        .args(["-o", "IdentitiesOnly=yes", "-P"])
        .arg(f.server.port().to_string())
        .args(extra)
        .arg(format!("{USER}@{}", f.server.host()));
    run(&mut cmd, &format!("sftp {}", extra.join(" "))).await
}

/// An Ed25519 key from `ssh-keygen`: (private key path, public line).
async fn keygen(dir: &Path) -> Result<(PathBuf, String), String> {
    let path = dir.join("client_key");
    let _ = std::fs::remove_file(&path);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&path);
    run(&mut cmd, "ssh-keygen").await?;
    let public = std::fs::read_to_string(path.with_extension("pub")).map_err(|e| e.to_string())?;
    Ok((path, public.trim().to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_sftp_with_1024_requests_in_flight_and_256k_buffers_completes() {
    let test = "openssh_sftp_with_1024_requests_in_flight_and_256k_buffers_completes";
    let keydir = tempfile::tempdir().unwrap();
    let (key, public) = match keygen(keydir.path()).await {
        Ok(k) => k,
        Err(why) => return skip_or_fail(test, &why),
    };
    if let Err(e) = Command::new("sftp")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
    {
        return skip_or_fail(test, &format!("OpenSSH sftp client not found: {e}"));
    }
    let f = fixture(|c| c.authorized_key(USER, &public)).await;
    let data = prng_bytes(32 << 20, 11);
    std::fs::write(f.root.join("big.bin"), &data).unwrap();
    let got = f.local.join("got.bin");
    // `-B 262144` for put is refused by OpenSSH's client itself ("Outbound message too long",
    // against its own sshd too): 261120 is the largest write it sends.
    let cases: [(&[&str], bool, bool); 4] = [
        (&["-R", "1024"], true, true),
        (&["-B", "262144"], true, false),
        (&["-B", "261120"], false, true),
        (&["-R", "256", "-B", "261120"], true, true),
    ];
    std::fs::write(&got, &data).unwrap();
    for (i, (extra, get, put)) in cases.into_iter().enumerate() {
        let up = format!("up{i}.bin");
        let mut batch = String::new();
        if get {
            let _ = std::fs::remove_file(&got);
            batch += &format!("get /big.bin {}\n", got.display());
        }
        if put {
            batch += &format!("put {} /{up}\n", got.display());
        }
        let out = openssh_sftp(&f, &key, extra, &batch).await.unwrap();
        assert!(
            std::fs::read(&got).unwrap() == data,
            "get {extra:?}: bytes differ ({out})"
        );
        if put {
            assert!(
                std::fs::read(f.root.join(&up)).unwrap() == data,
                "put {extra:?}: bytes differ ({out})"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setstat_and_fsetstat_are_applied_or_refused() {
    let test = "setstat_and_fsetstat_are_applied_or_refused";
    if let Err(why) = has_paramiko().await {
        return skip_or_fail(test, &why);
    }
    let f = fixture(|c| c).await;
    let file = f.root.join("f.txt");
    std::fs::write(&file, "0123456789abcdef").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = paramiko(&f, "setstat", &["/f.txt"]).await.unwrap();
    // what the client saw through stat ...
    assert!(out.contains("path 0o640 1000000000 1200000000 10"), "{out}");
    assert!(
        out.contains("handle 0o604 1300000000 1400000000 4"),
        "{out}"
    );
    assert!(out.contains("missing refused 2"), "{out}");
    // ... is what the file system holds
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o604);
    assert_eq!(meta.len(), 4);
    assert_eq!(std::fs::read(&file).unwrap(), b"0123");
    let mtime = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert_eq!(mtime.as_secs(), 1_400_000_000);
}

#[tokio::test]
async fn a_pinned_host_key_survives_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let seed = [42u8; 32];
    let a = SftpServer::start(SftpServerConfig::new(dir.path()).host_key_seed(seed))
        .await
        .unwrap();
    let b = SftpServer::start(SftpServerConfig::new(dir.path()).host_key_seed(seed))
        .await
        .unwrap();
    let fresh = SftpServer::start(SftpServerConfig::new(dir.path()))
        .await
        .unwrap();
    assert_eq!(a.host_key_fingerprint(), b.host_key_fingerprint());
    assert_ne!(a.host_key_fingerprint(), fresh.host_key_fingerprint());
    let debug = format!(
        "{:?}",
        SftpServerConfig::new(dir.path()).host_key_seed(seed)
    );
    assert!(
        debug.contains("seed [redacted]") && !debug.contains("42"),
        "{debug}"
    );

    // a key file written by ssh-keygen: the fingerprint is the one ssh-keygen prints
    let test = "a_pinned_host_key_survives_restarts (key file)";
    let (key, public) = match keygen(dir.path()).await {
        Ok(k) => k,
        Err(why) => return skip_or_fail(test, &why),
    };
    let s = SftpServer::start(SftpServerConfig::new(dir.path()).host_key_file(&key))
        .await
        .unwrap();
    let mut cmd = Command::new("ssh-keygen");
    cmd.arg("-lf").arg(key.with_extension("pub"));
    let printed = run(&mut cmd, "ssh-keygen -lf").await.unwrap();
    assert!(printed.contains(s.host_key_fingerprint()), "{printed}");
    let blob = public.split_whitespace().nth(1).unwrap();
    assert!(
        s.known_hosts_line()
            .contains(&format!(" ssh-ed25519 {blob}")),
        "{} / {public}",
        s.known_hosts_line()
    );
    // an unreadable file is refused at start
    let err = SftpServer::start(
        SftpServerConfig::new(dir.path()).host_key_file(dir.path().join("missing")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
