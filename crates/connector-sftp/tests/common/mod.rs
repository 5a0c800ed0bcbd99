//! Shared test helpers: deterministic data and a throwaway OpenSSH server.
#![allow(dead_code, unreachable_pub)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The number in environment variable `name`, or `default` when it is unset or not a number.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub use connector_sandbox::prng_bytes;

/// Generates an Ed25519 key pair with `ssh-keygen`; returns (private key path, public line).
pub fn keygen(dir: &Path, name: &str) -> Option<(PathBuf, String)> {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let public = std::fs::read_to_string(path.with_extension("pub")).ok()?;
    Some((path, public.trim().to_string()))
}

/// OpenSSH's `sftp` running `batch` quietly on loopback port `port` with key `key`, trusting
/// only the host keys in `known_hosts` and never prompting; the destination is left to add.
pub fn sftp_batch(batch: &Path, key: &Path, port: u16, known_hosts: &Path) -> Command {
    let mut cmd = Command::new("sftp");
    cmd.arg("-q")
        .arg("-b")
        .arg(batch)
        .arg("-i")
        .arg(key)
        .arg("-P")
        .arg(port.to_string())
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"]);
    cmd
}

/// Says why a real-peer test cannot run: a skip locally, a failure when `CI=true`.
pub fn skip_or_fail(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test}: cannot run under CI=true: {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
}

/// A real OpenSSH server on a loopback port with a temporary host key and key-only auth,
/// stopped when dropped.
pub struct Sshd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub user: String,
    pub client_key: PathBuf,
    pub fingerprint: String,
    pub known_hosts: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sshd {
    /// Starts sshd with OpenSSH's defaults (what the benches measure against); where this
    /// machine cannot run one, prints `SKIPPED <what>: <reason>` and returns `None`.
    #[allow(dead_code, reason = "used by the benches, not by every test binary")]
    pub fn start_or_skip(what: &str) -> Option<Self> {
        match Self::start_with("") {
            Ok(s) => Some(s),
            Err(why) => {
                println!("SKIPPED {what}: {why}");
                None
            }
        }
    }

    /// Starts sshd with `extra` appended to its configuration (whole lines), or returns
    /// `Err(reason)` when this machine cannot run one.
    pub fn start_with(extra: &str) -> Result<Self, String> {
        // SFTP_TEST_SSHD overrides the path (e.g. to check the skip path locally).
        let sshd = std::env::var_os("SFTP_TEST_SSHD")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/sbin/sshd"));
        if !sshd.exists() {
            return Err(format!(
                "{} not found (apt-get install openssh-server)",
                sshd.display()
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (host_key, host_pub) =
            keygen(dir.path(), "host_key").ok_or("ssh-keygen failed or is missing")?;
        let (client_key, client_pub) =
            keygen(dir.path(), "client_key").ok_or("ssh-keygen failed or is missing")?;
        std::fs::write(
            dir.path().join("authorized_keys"),
            format!("{client_pub}\n"),
        )
        .map_err(|e| e.to_string())?;
        let _ = std::fs::create_dir_all("/run/sshd");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let user = current_user().ok_or("cannot tell the current user")?;
        // CBC ciphers added so the cipher test covers them (OpenSSH does not offer them by default).
        let cfg = dir.path().join("sshd_config");
        std::fs::write(
            &cfg,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\n\
                 Subsystem sftp internal-sftp\nAllowUsers {user}\nMaxStartups 100\n\
                 Ciphers +aes128-cbc,aes256-cbc\n{extra}",
                hk = host_key.display(),
                d = dir.path().display(),
            ),
        )
        .map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("sshd.log")).map_err(|e| e.to_string())?;
        let child = Command::new(&sshd)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start sshd: {e}"))?;
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_pub}\n"))
            .map_err(|e| e.to_string())?;
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(host_key.with_extension("pub"))
            .output()
            .map_err(|e| e.to_string())?;
        let fingerprint = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let mut me = Self {
            child,
            port,
            dir,
            user,
            client_key,
            fingerprint,
            known_hosts,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = me.child.try_wait() {
                let log =
                    std::fs::read_to_string(me.dir.path().join("sshd.log")).unwrap_or_default();
                return Err(format!("sshd exited with {status}: {log}"));
            }
            if Instant::now() > deadline {
                return Err("sshd did not listen within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::create_dir_all(me.files()).map_err(|e| e.to_string())?;
        Ok(me)
    }

    /// The directory for test files (absolute: OpenSSH serves the real file system).
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    /// Writes `size` bytes of [`prng_bytes`] from `seed` to `name` in [`Sshd::files`];
    /// returns its path.
    pub fn write_prng_file(&self, name: &str, size: u64, seed: u64) -> String {
        let remote = self.files().join(name);
        std::fs::write(&remote, prng_bytes(size as usize, seed)).unwrap();
        remote.to_str().unwrap().to_string()
    }

    /// CPU seconds (user + system) used so far by the listening sshd and by the session
    /// processes it has reaped: the server side of finished transfers, for benchmarks.
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        // utime, stime, cutime, cstime are fields 14-17 (indices 11-14 after the name).
        rest.split_whitespace()
            .skip(11)
            .take(4)
            .map(|v| v.parse::<f64>().unwrap_or(0.0))
            .sum::<f64>()
            / 100.0
    }
}

fn current_user() -> Option<String> {
    let out = Command::new("id").arg("-un").output().ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!name.is_empty()).then_some(name)
}
