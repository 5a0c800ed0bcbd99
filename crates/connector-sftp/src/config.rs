//! Connection settings: [`SftpConfig`] and its builder, with `from_env()`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use connector_core::{Error, Result};
use secrecy::SecretString;

use crate::auth::{HostKeyPolicy, SftpAuth};

/// Default SFTP port.
pub const DEFAULT_PORT: u16 = 22;
/// Default TCP connect timeout (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default session timeout: the longest any single libssh2 call may block (30 s).
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(30);
/// Default read size: 2 MiB. libssh2 keeps about 4x the caller's buffer in flight in
/// 30,000-byte requests, so the read size decides the throughput on links with latency.
pub const DEFAULT_READ_CHUNK: usize = 2 * 1024 * 1024;
/// Default write size for uploads: 4 MiB (2-8 MiB writes keep libssh2's write pipeline full).
pub const DEFAULT_WRITE_CHUNK: usize = 4 * 1024 * 1024;
/// The environment prefix read by [`SftpConfig::from_env`].
pub const ENV_PREFIX: &str = "SFTP_";

/// How downloads resume after the connection drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResumePolicy {
    /// How many times a transfer may reconnect and continue from its last offset (default 5).
    pub max_attempts: u32,
    /// Wait before the first reconnect; doubled for each further one (default 200 ms).
    pub initial_backoff: Duration,
}

impl ResumePolicy {
    /// `max_attempts` reconnects, waiting `initial_backoff` (doubling) between them.
    pub fn new(max_attempts: u32, initial_backoff: Duration) -> Self {
        Self {
            max_attempts,
            initial_backoff,
        }
    }

    /// Never reconnect: a dropped connection fails the transfer.
    pub fn never() -> Self {
        Self::new(0, Duration::ZERO)
    }

    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        self.initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
            .min(Duration::from_secs(30))
    }
}

impl Default for ResumePolicy {
    fn default() -> Self {
        Self::new(5, Duration::from_millis(200))
    }
}

/// Everything needed to open SFTP sessions to one server. Build it with
/// [`SftpConfig::builder`] or [`SftpConfig::from_env`].
///
/// `Debug` never shows the password, key or passphrase.
#[derive(Clone)]
#[non_exhaustive]
pub struct SftpConfig {
    /// Host name or IP address.
    pub host: String,
    /// TCP port (default 22).
    pub port: u16,
    /// The user to log in as.
    pub username: String,
    /// Password or private key.
    pub auth: SftpAuth,
    /// How the server's host key is verified.
    pub host_key: HostKeyPolicy,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Longest time one blocking libssh2 call may take before the session fails.
    pub session_timeout: Duration,
    /// Read buffer size for downloads (default 2 MiB).
    pub read_chunk: usize,
    /// Write size for uploads (default 4 MiB).
    pub write_chunk: usize,
    /// Cipher preference, most preferred first (e.g. `aes256-gcm@openssh.com,aes128-ctr`).
    /// `None` (the default) lets the crate choose: AES-GCM first when linked against the
    /// workspace's patched libssh2 ([`PATCHED_LIBSSH2`](crate::PATCHED_LIBSSH2)) on a CPU with
    /// AES instructions, else libssh2's order (chacha20-poly1305 first); every cipher libssh2
    /// supports stays in the list either way.
    pub ciphers: Option<String>,
    /// MAC preference, most preferred first (e.g. `hmac-sha2-256-etm@openssh.com`); only
    /// used with ciphers that do not authenticate on their own (AES-CTR, AES-CBC). `None`
    /// keeps libssh2's default order.
    pub macs: Option<String>,
    /// Reconnect-and-continue policy for downloads.
    pub resume: ResumePolicy,
}

impl fmt::Debug for SftpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("auth", &self.auth)
            .field("host_key", &self.host_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("session_timeout", &self.session_timeout)
            .field("read_chunk", &self.read_chunk)
            .field("write_chunk", &self.write_chunk)
            .field("ciphers", &self.ciphers)
            .field("macs", &self.macs)
            .field("resume", &self.resume)
            .finish()
    }
}

impl SftpConfig {
    /// A builder for `host`. Set the user, the auth and the host-key policy, then `build()`.
    pub fn builder(host: impl Into<String>) -> SftpConfigBuilder {
        SftpConfigBuilder {
            host: host.into(),
            port: DEFAULT_PORT,
            username: None,
            auth: None,
            host_key: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            read_chunk: DEFAULT_READ_CHUNK,
            write_chunk: DEFAULT_WRITE_CHUNK,
            ciphers: None,
            macs: None,
            resume: ResumePolicy::default(),
        }
    }

    /// Reads the configuration from `SFTP_*` environment variables; see
    /// [`SftpConfig::from_env_prefixed`].
    pub fn from_env() -> Result<Self> {
        Self::from_env_prefixed(ENV_PREFIX)
    }

    /// Reads the configuration from environment variables named `<prefix>HOST`, `<prefix>PORT`,
    /// `<prefix>USER`, `<prefix>PASSWORD` or `<prefix>PRIVATE_KEY` (a file path, with optional
    /// `<prefix>PRIVATE_KEY_PASSPHRASE`), and one of `<prefix>KNOWN_HOSTS` (a file path),
    /// `<prefix>HOST_KEY_SHA256` (`SHA256:...`) or `<prefix>INSECURE_ACCEPT_ANY_HOST_KEY=true`.
    /// Optional: `<prefix>CONNECT_TIMEOUT_SECS`, `<prefix>SESSION_TIMEOUT_SECS`,
    /// `<prefix>CIPHERS`, `<prefix>MACS`.
    pub fn from_env_prefixed(prefix: &str) -> Result<Self> {
        Self::from_lookup(prefix, |name| std::env::var(name).ok())
    }

    /// Like [`SftpConfig::from_env_prefixed`], reading values through `lookup` (for config files
    /// and tests).
    pub fn from_lookup(prefix: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |key: &str| {
            lookup(&format!("{prefix}{key}"))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let need = |key: &str| {
            get(key).ok_or_else(|| {
                Error::config(format!("environment variable {prefix}{key} is not set"))
            })
        };
        let mut b = Self::builder(need("HOST")?).username(need("USER")?);
        if let Some(port) = get("PORT") {
            let port = port
                .parse::<u16>()
                .map_err(|_| Error::config(format!("{prefix}PORT must be a port number")))?;
            b = b.port(port);
        }
        let secs = |key: &str| -> Result<Option<Duration>> {
            get(key)
                .map(|v| {
                    v.parse::<u64>().map(Duration::from_secs).map_err(|_| {
                        Error::config(format!("{prefix}{key} must be a number of seconds"))
                    })
                })
                .transpose()
        };
        if let Some(d) = secs("CONNECT_TIMEOUT_SECS")? {
            b = b.connect_timeout(d);
        }
        if let Some(d) = secs("SESSION_TIMEOUT_SECS")? {
            b = b.session_timeout(d);
        }
        if let Some(c) = get("CIPHERS") {
            b = b.ciphers(c);
        }
        if let Some(m) = get("MACS") {
            b = b.macs(m);
        }
        match (get("PASSWORD"), get("PRIVATE_KEY")) {
            (Some(pw), None) => b = b.password(SecretString::from(pw)),
            (None, Some(key)) => {
                b = b.private_key_file(key, get("PRIVATE_KEY_PASSPHRASE").map(SecretString::from))
            }
            (Some(_), Some(_)) => {
                return Err(Error::config(format!(
                    "set only one of {prefix}PASSWORD and {prefix}PRIVATE_KEY"
                )));
            }
            (None, None) => {
                return Err(Error::config(format!(
                    "set {prefix}PASSWORD or {prefix}PRIVATE_KEY"
                )));
            }
        }
        let insecure = get("INSECURE_ACCEPT_ANY_HOST_KEY").is_some_and(|v| v == "true" || v == "1");
        b = match (get("KNOWN_HOSTS"), get("HOST_KEY_SHA256"), insecure) {
            (Some(path), None, false) => b.known_hosts(path),
            (None, Some(fp), false) => b.host_key_fingerprint(fp),
            (None, None, true) => b.insecure_accept_any_host_key(),
            (None, None, false) => {
                return Err(Error::config(format!(
                    "set {prefix}KNOWN_HOSTS or {prefix}HOST_KEY_SHA256 to verify the server"
                )));
            }
            _ => {
                return Err(Error::config(format!(
                    "set only one of {prefix}KNOWN_HOSTS, {prefix}HOST_KEY_SHA256 and {prefix}INSECURE_ACCEPT_ANY_HOST_KEY"
                )));
            }
        };
        b.build()
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Builder for [`SftpConfig`]. `Debug` never shows secrets.
#[derive(Clone)]
pub struct SftpConfigBuilder {
    host: String,
    port: u16,
    username: Option<String>,
    auth: Option<SftpAuth>,
    host_key: Option<HostKeyPolicy>,
    connect_timeout: Duration,
    session_timeout: Duration,
    read_chunk: usize,
    write_chunk: usize,
    ciphers: Option<String>,
    macs: Option<String>,
    resume: ResumePolicy,
}

impl fmt::Debug for SftpConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpConfigBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("auth", &self.auth)
            .field("host_key", &self.host_key)
            .finish_non_exhaustive()
    }
}

impl SftpConfigBuilder {
    /// The TCP port (default 22).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The user to log in as (required).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Log in with a password.
    pub fn password(mut self, password: SecretString) -> Self {
        self.auth = Some(SftpAuth::Password(password));
        self
    }

    /// Log in with a private key file (OpenSSH or PEM format), with an optional passphrase.
    pub fn private_key_file(
        mut self,
        path: impl Into<PathBuf>,
        passphrase: Option<SecretString>,
    ) -> Self {
        self.auth = Some(SftpAuth::PrivateKeyFile {
            path: path.into(),
            passphrase,
        });
        self
    }

    /// Log in with a private key held in memory (PEM text), with an optional passphrase.
    pub fn private_key_pem(mut self, pem: SecretString, passphrase: Option<SecretString>) -> Self {
        self.auth = Some(SftpAuth::PrivateKeyPem { pem, passphrase });
        self
    }

    /// Sets the authentication directly.
    pub fn auth(mut self, auth: SftpAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Verify the server against an OpenSSH `known_hosts` file.
    pub fn known_hosts(mut self, path: impl Into<PathBuf>) -> Self {
        self.host_key = Some(HostKeyPolicy::KnownHosts(path.into()));
        self
    }

    /// Pin the server's host key by its SHA-256 fingerprint as OpenSSH prints it
    /// (`ssh-keygen -lf key.pub`: `SHA256:` followed by unpadded base64).
    pub fn host_key_fingerprint(mut self, fingerprint: impl Into<String>) -> Self {
        self.host_key = Some(HostKeyPolicy::Sha256Fingerprint(fingerprint.into()));
        self
    }

    /// Accept ANY host key: anyone on the path can impersonate the server and read the
    /// credentials. For local tests only.
    pub fn insecure_accept_any_host_key(mut self) -> Self {
        self.host_key = Some(HostKeyPolicy::InsecureAcceptAny);
        self
    }

    /// Sets the host-key policy directly.
    pub fn host_key_policy(mut self, policy: HostKeyPolicy) -> Self {
        self.host_key = Some(policy);
        self
    }

    /// TCP connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest time one blocking libssh2 call may take (default [`DEFAULT_SESSION_TIMEOUT`]).
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Read buffer size for downloads (default [`DEFAULT_READ_CHUNK`], 64 KiB to 64 MiB).
    pub fn read_chunk(mut self, bytes: usize) -> Self {
        self.read_chunk = bytes;
        self
    }

    /// Write size for uploads (default [`DEFAULT_WRITE_CHUNK`], 64 KiB to 64 MiB).
    pub fn write_chunk(mut self, bytes: usize) -> Self {
        self.write_chunk = bytes;
        self
    }

    /// Cipher preference, comma-separated, most preferred first.
    pub fn ciphers(mut self, ciphers: impl Into<String>) -> Self {
        self.ciphers = Some(ciphers.into());
        self
    }

    /// MAC preference, comma-separated, most preferred first (for AES-CTR and AES-CBC; the
    /// AEAD ciphers chacha20-poly1305 and AES-GCM bring their own authentication).
    pub fn macs(mut self, macs: impl Into<String>) -> Self {
        self.macs = Some(macs.into());
        self
    }

    /// Reconnect-and-continue policy for downloads (default: 5 attempts from 200 ms).
    pub fn resume(mut self, policy: ResumePolicy) -> Self {
        self.resume = policy;
        self
    }

    /// Checks the settings and builds the config.
    pub fn build(self) -> Result<SftpConfig> {
        if self.host.trim().is_empty() {
            return Err(Error::config("SFTP host must not be empty"));
        }
        if self.port == 0 {
            return Err(Error::config("SFTP port must not be 0"));
        }
        let username = self
            .username
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Error::config("SFTP username is required"))?;
        let auth = self.auth.ok_or_else(|| {
            Error::config("SFTP authentication is required: a password or a private key")
        })?;
        let host_key = self.host_key.ok_or_else(|| {
            Error::config(
                "SFTP host-key policy is required: known_hosts(..) or host_key_fingerprint(..)",
            )
        })?;
        if let HostKeyPolicy::Sha256Fingerprint(fp) = &host_key {
            crate::auth::parse_fingerprint(fp)?;
        }
        const MIN: usize = 64 * 1024;
        const MAX: usize = 64 * 1024 * 1024;
        if !(MIN..=MAX).contains(&self.read_chunk) {
            return Err(Error::config(
                "read_chunk must be between 64 KiB and 64 MiB",
            ));
        }
        if !(MIN..=MAX).contains(&self.write_chunk) {
            return Err(Error::config(
                "write_chunk must be between 64 KiB and 64 MiB",
            ));
        }
        if self.session_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("SFTP timeouts must be greater than zero"));
        }
        Ok(SftpConfig {
            host: self.host,
            port: self.port,
            username,
            auth,
            host_key,
            connect_timeout: self.connect_timeout,
            session_timeout: self.session_timeout,
            read_chunk: self.read_chunk,
            write_chunk: self.write_chunk,
            ciphers: self.ciphers,
            macs: self.macs,
            resume: self.resume,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn debug_never_shows_secrets() {
        let cfg = SftpConfig::builder("sftp.example.com")
            .username("catalog")
            .password(SecretString::from("hunter2-very-secret"))
            .insecure_accept_any_host_key()
            .build()
            .unwrap();
        let s = format!("{cfg:?}");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("catalog") && s.contains("redacted"), "{s}");
        let b = SftpConfig::builder("h")
            .private_key_pem(
                SecretString::from("-----BEGIN KEY-----abc"),
                Some(SecretString::from("pass-phrase-xyz")),
            )
            .known_hosts("/tmp/kh");
        let s = format!("{b:?}");
        assert!(
            !s.contains("BEGIN KEY") && !s.contains("pass-phrase-xyz"),
            "{s}"
        );
        let s = format!(
            "{:?}",
            SftpAuth::PrivateKeyFile {
                path: "/k".into(),
                passphrase: Some(SecretString::from("pp-secret"))
            }
        );
        assert!(!s.contains("pp-secret") && s.contains("/k"), "{s}");
    }

    #[test]
    fn build_requires_user_auth_and_host_key_policy() {
        let err = SftpConfig::builder("h").build().unwrap_err();
        assert!(err.to_string().contains("username"), "{err}");
        let err = SftpConfig::builder("h").username("u").build().unwrap_err();
        assert!(err.to_string().contains("authentication"), "{err}");
        let err = SftpConfig::builder("h")
            .username("u")
            .password(SecretString::from("p"))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("host-key"), "{err}");
        let err = SftpConfig::builder("h")
            .username("u")
            .password(SecretString::from("p"))
            .host_key_fingerprint("MD5:aa")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("SHA256:"), "{err}");
        let err = SftpConfig::builder("h")
            .username("u")
            .password(SecretString::from("p"))
            .insecure_accept_any_host_key()
            .read_chunk(10)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("read_chunk"), "{err}");
    }

    #[test]
    fn resume_backoff_doubles_and_is_capped() {
        let p = ResumePolicy::new(20, Duration::from_millis(200));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(2), Duration::from_millis(400));
        assert_eq!(p.backoff(4), Duration::from_millis(1600));
        assert_eq!(p.backoff(20), Duration::from_secs(30));
        assert_eq!(ResumePolicy::never().max_attempts, 0);
    }

    #[test]
    fn from_lookup_reads_prefixed_variables() {
        let vars: HashMap<&str, &str> = [
            ("ACCOR_SFTP_HOST", "sftp.accor.example"),
            ("ACCOR_SFTP_PORT", "2222"),
            ("ACCOR_SFTP_USER", "catalog"),
            ("ACCOR_SFTP_PASSWORD", "s3cret"),
            (
                "ACCOR_SFTP_HOST_KEY_SHA256",
                "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            ),
            ("ACCOR_SFTP_SESSION_TIMEOUT_SECS", "12"),
        ]
        .into_iter()
        .collect();
        let cfg =
            SftpConfig::from_lookup("ACCOR_SFTP_", |k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(cfg.address(), "sftp.accor.example:2222");
        assert_eq!(cfg.username, "catalog");
        assert_eq!(cfg.session_timeout, Duration::from_secs(12));
        assert!(matches!(cfg.auth, SftpAuth::Password(_)));
        assert!(matches!(cfg.host_key, HostKeyPolicy::Sha256Fingerprint(_)));

        let err = SftpConfig::from_lookup("X_", |k| match k {
            "X_HOST" => Some("h".into()),
            "X_USER" => Some("u".into()),
            "X_PASSWORD" => Some("p".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("X_KNOWN_HOSTS"), "{err}");

        let both = |k: &str| match k {
            "Y_HOST" => Some("h".to_string()),
            "Y_USER" => Some("u".to_string()),
            "Y_PASSWORD" => Some("pw-secret-1".to_string()),
            "Y_PRIVATE_KEY" => Some("/keys/id".to_string()),
            "Y_KNOWN_HOSTS" => Some("/kh".to_string()),
            _ => None,
        };
        let err = SftpConfig::from_lookup("Y_", both).unwrap_err();
        assert!(err.to_string().contains("only one of Y_PASSWORD"), "{err}");
        assert!(!err.to_string().contains("pw-secret-1"), "{err}");
        let key_only = |k: &str| if k == "Y_PASSWORD" { None } else { both(k) };
        let cfg = SftpConfig::from_lookup("Y_", key_only).unwrap();
        assert!(matches!(cfg.auth, SftpAuth::PrivateKeyFile { .. }));
        assert!(matches!(cfg.host_key, HostKeyPolicy::KnownHosts(_)));
        assert_eq!(cfg.port, DEFAULT_PORT);
    }
}
