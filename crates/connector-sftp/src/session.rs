//! Blocking libssh2 sessions (run only inside `spawn_blocking`) and the mapping of libssh2
//! errors onto [`connector_core::Error`]. Nothing here is public: ssh2 types never leave
//! this crate.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;

use connector_core::{ApiContext, AuthErrorKind, Error, Result};
use secrecy::ExposeSecret;
use ssh2::{CheckResult, ErrorCode, HashType, KnownHostFileKind, MethodType, Session, Sftp};

use crate::auth::{HostKeyPolicy, SftpAuth, format_fingerprint, parse_fingerprint};
use crate::config::SftpConfig;

// libssh2 session error codes (LIBSSH2_ERROR_*).
const ERR_KEX_FAILURE: i32 = -5;
const ERR_KEY_EXCHANGE_FAILURE: i32 = -8;
const ERR_FILE: i32 = -16;
const ERR_AUTHENTICATION_FAILED: i32 = -18;
const ERR_PUBLICKEY_UNVERIFIED: i32 = -19;
const ERR_KEYFILE_AUTH_FAILED: i32 = -48;
const ERR_PASSWORD_EXPIRED: i32 = -15;
const ERR_METHOD_NOT_SUPPORTED: i32 = -33;
const ERR_INVAL: i32 = -34;
const ERR_BAD_USE: i32 = -39;
const ERR_KNOWN_HOSTS: i32 = -46;
const ERR_ALGO_UNSUPPORTED: i32 = -51;
const ERR_METHOD_NONE: i32 = -17;
// SFTP status codes (LIBSSH2_FX_*).
const FX_EOF: i32 = 1;
const FX_NO_SUCH_FILE: i32 = 2;
const FX_PERMISSION_DENIED: i32 = 3;
const FX_NO_CONNECTION: i32 = 6;
const FX_CONNECTION_LOST: i32 = 7;
const FX_NO_SUCH_PATH: i32 = 10;
const FX_FILE_ALREADY_EXISTS: i32 = 11;

/// One authenticated SSH session with its SFTP channel.
pub(crate) struct Conn {
    // Field order matters: the SFTP channel must be dropped before its session.
    pub(crate) sftp: Sftp,
    pub(crate) session: Session,
}

impl Conn {
    /// Connects, verifies the host key, authenticates and opens the SFTP subsystem.
    pub(crate) fn open(cfg: &SftpConfig) -> Result<Self> {
        let addr = cfg.address();
        let addrs = (cfg.host.as_str(), cfg.port)
            .to_socket_addrs()
            .map_err(|e| transient(format!("cannot resolve SFTP host {addr}"), e))?;
        let mut last_err = None;
        let mut tcp = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, cfg.connect_timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let tcp = match (tcp, last_err) {
            (Some(t), _) => t,
            (None, Some(e)) => {
                return Err(transient(
                    format!("cannot connect to SFTP server {addr}"),
                    e,
                ));
            }
            (None, None) => {
                return Err(Error::config(format!(
                    "SFTP host {addr} resolved to no address"
                )));
            }
        };
        let _ = tcp.set_nodelay(true);
        let mut session =
            Session::new().map_err(|e| Error::io("cannot create an SSH session", e))?;
        session.set_tcp_stream(tcp);
        session.set_timeout(u32::try_from(cfg.session_timeout.as_millis()).unwrap_or(u32::MAX));
        // No cipher set: AES-GCM first where the patched libssh2 makes it the cheapest.
        let default_ciphers = match &cfg.ciphers {
            Some(_) => None,
            None => session
                .supported_algs(MethodType::CryptCs)
                .ok()
                .and_then(|algs| crate::ciphers::default_preference(&algs)),
        };
        let prefs = [
            (
                "cipher",
                cfg.ciphers.as_ref().or(default_ciphers.as_ref()),
                [MethodType::CryptCs, MethodType::CryptSc],
            ),
            (
                "MAC",
                cfg.macs.as_ref(),
                [MethodType::MacCs, MethodType::MacSc],
            ),
        ];
        for (what, pref, types) in prefs {
            let Some(pref) = pref else { continue };
            for t in types {
                session.method_pref(t, pref).map_err(|e| {
                    Error::config(format!("{what} preference `{pref}` is not usable: {e}"))
                })?;
            }
        }
        session.handshake().map_err(|e| match session_code(&e) {
            Some(ERR_KEX_FAILURE) | Some(ERR_KEY_EXCHANGE_FAILURE) => Error::Config {
                message: format!(
                    "SSH handshake with {addr} failed: no algorithm in common ({e}); check the cipher and MAC preferences"
                ),
            },
            _ => transient_ssh(format!("SSH handshake with {addr} failed"), e),
        })?;
        verify_host_key(&session, cfg)?;
        authenticate(&session, cfg)?;
        let sftp = session
            .sftp()
            .map_err(|e| map_ssh(e, &format!("cannot start the SFTP subsystem on {addr}")))?;
        Ok(Self { sftp, session })
    }

    /// The negotiated client-to-server cipher, for logs and benchmarks.
    pub(crate) fn cipher(&self) -> Option<String> {
        self.session
            .methods(MethodType::CryptCs)
            .map(str::to_string)
    }

    /// The negotiated client-to-server MAC (AEAD ciphers report their own, e.g.
    /// `INTEGRATED-AES-GCM`).
    pub(crate) fn mac(&self) -> Option<String> {
        self.session.methods(MethodType::MacCs).map(str::to_string)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Best effort; the server may already be gone.
        let _ = self.session.disconnect(None, "bye", None);
    }
}

fn verify_host_key(session: &Session, cfg: &SftpConfig) -> Result<()> {
    let addr = cfg.address();
    let sha = session
        .host_key_hash(HashType::Sha256)
        .map(format_fingerprint)
        .unwrap_or_else(|| "unknown".into());
    match &cfg.host_key {
        HostKeyPolicy::InsecureAcceptAny => {
            tracing::warn!(host = %addr, fingerprint = %sha, "SFTP host key NOT verified (InsecureAcceptAny)");
            Ok(())
        }
        HostKeyPolicy::Sha256Fingerprint(pinned) => {
            let want = parse_fingerprint(pinned)?;
            let got = session
                .host_key_hash(HashType::Sha256)
                .ok_or_else(|| Error::config(format!("SFTP server {addr} sent no host key")))?;
            if got == want.as_slice() {
                Ok(())
            } else {
                Err(Error::config(format!(
                    "host key of SFTP server {addr} does not match the pinned fingerprint: expected {pinned}, got {sha}. \
                     The server changed its key or someone is impersonating it; do not connect until this is explained"
                )))
            }
        }
        HostKeyPolicy::KnownHosts(path) => {
            let (key, _) = session
                .host_key()
                .ok_or_else(|| Error::config(format!("SFTP server {addr} sent no host key")))?;
            let mut kh = session
                .known_hosts()
                .map_err(|e| Error::io("cannot initialise known_hosts", e))?;
            kh.read_file(path, KnownHostFileKind::OpenSSH)
                .map_err(|e| {
                    Error::config(format!(
                        "cannot read known_hosts file {}: {e}",
                        path.display()
                    ))
                })?;
            match kh.check_port(&cfg.host, cfg.port, key) {
                CheckResult::Match => Ok(()),
                CheckResult::Mismatch => Err(Error::config(format!(
                    "host key of SFTP server {addr} ({sha}) does NOT match the entry in {}: the server changed \
                     its key or someone is impersonating it; do not connect until this is explained",
                    path.display()
                ))),
                CheckResult::NotFound => Err(Error::config(format!(
                    "SFTP server {addr} ({sha}) is unknown: no entry in {}. Add it after checking the fingerprint \
                     with the server's operator (e.g. `ssh-keyscan -p {} {} >> {}`)",
                    path.display(),
                    cfg.port,
                    cfg.host,
                    path.display()
                ))),
                CheckResult::Failure => Err(Error::config(format!(
                    "could not check the host key of {addr} against {}",
                    path.display()
                ))),
            }
        }
    }
}

fn authenticate(session: &Session, cfg: &SftpConfig) -> Result<()> {
    let user = cfg.username.as_str();
    let res = match &cfg.auth {
        SftpAuth::Password(pw) => session.userauth_password(user, pw.expose_secret()),
        SftpAuth::PrivateKeyFile { path, passphrase } => session.userauth_pubkey_file(
            user,
            None,
            path,
            passphrase.as_ref().map(|p| p.expose_secret()),
        ),
        SftpAuth::PrivateKeyPem { pem, passphrase } => session.userauth_pubkey_memory(
            user,
            None,
            pem.expose_secret(),
            passphrase.as_ref().map(|p| p.expose_secret()),
        ),
    };
    let what = match &cfg.auth {
        SftpAuth::Password(_) => "password",
        _ => "private key",
    };
    match res {
        Ok(()) if session.authenticated() => Ok(()),
        Ok(()) => Err(auth_error(cfg, what)),
        Err(e) => match session_code(&e) {
            Some(ERR_AUTHENTICATION_FAILED) | Some(ERR_PUBLICKEY_UNVERIFIED) => {
                Err(auth_error(cfg, what))
            }
            Some(ERR_KEYFILE_AUTH_FAILED) => Err(Error::config(format!(
                "cannot decrypt the private key for SFTP user `{user}`: the passphrase is wrong or missing"
            ))),
            Some(ERR_FILE) => Err(Error::config(format!(
                "cannot use the private key for SFTP user `{user}`: the file is unreadable, in an unsupported \
                 format, or the passphrase is wrong"
            ))),
            // libssh2 reports a wrong password on some servers as a plain failure.
            _ => Err(map_ssh(
                e,
                &format!(
                    "SFTP authentication of `{user}` on {} failed",
                    cfg.address()
                ),
            )),
        },
    }
}

fn auth_error(cfg: &SftpConfig, what: &str) -> Error {
    Error::Auth {
        kind: AuthErrorKind::InvalidClient,
        context: Box::new(
            ApiContext::new(format!(
                "SFTP server {} refused the {what} of user `{}`",
                cfg.address(),
                cfg.username
            ))
            .with_operation("sftp.login"),
        ),
    }
}

pub(crate) fn session_code(e: &ssh2::Error) -> Option<i32> {
    match e.code() {
        ErrorCode::Session(c) => Some(c),
        ErrorCode::SFTP(_) => None,
    }
}

fn transient(message: String, e: impl Into<connector_core::error::BoxError>) -> Error {
    Error::Transient {
        context: Box::new(ApiContext::new(message).with_operation("sftp")),
        source: Some(e.into()),
    }
}

fn transient_ssh(message: String, e: ssh2::Error) -> Error {
    transient(format!("{message}: {}", e.message()), e)
}

/// Whether the error means the connection itself failed (so a reconnect may help).
pub(crate) fn is_connection_error(e: &ssh2::Error) -> bool {
    match e.code() {
        // A libssh2 session-level error (socket send/recv, disconnect, timeout, channel
        // closed...) means the transport itself failed: a new session may succeed. Except the
        // ones a new session would hit again: settings, credentials, server policy.
        ErrorCode::Session(c) => !is_settings_error(c),
        ErrorCode::SFTP(c) => matches!(c, FX_NO_CONNECTION | FX_CONNECTION_LOST),
    }
}

/// libssh2 session errors that come from our settings, the credentials or the server's
/// policy, so retrying or resuming cannot help. (Not the key-exchange codes: libssh2 also
/// returns those when the connection drops during a key re-exchange, which a resume fixes.)
fn is_settings_error(code: i32) -> bool {
    matches!(
        code,
        ERR_PASSWORD_EXPIRED
            | ERR_FILE
            | ERR_METHOD_NONE
            | ERR_AUTHENTICATION_FAILED
            | ERR_PUBLICKEY_UNVERIFIED
            | ERR_METHOD_NOT_SUPPORTED
            | ERR_INVAL
            | ERR_BAD_USE
            | ERR_KNOWN_HOSTS
            | ERR_KEYFILE_AUTH_FAILED
            | ERR_ALGO_UNSUPPORTED
    )
}

/// Maps a libssh2/SFTP error to the SDK error, with `what` as context.
pub(crate) fn map_ssh(e: ssh2::Error, what: &str) -> Error {
    let msg = format!("{what}: {}", e.message());
    match e.code() {
        ErrorCode::SFTP(FX_NO_SUCH_FILE | FX_NO_SUCH_PATH) => Error::NotFound {
            context: Box::new(ApiContext::new(msg).with_operation("sftp")),
        },
        ErrorCode::SFTP(FX_PERMISSION_DENIED) => Error::Auth {
            kind: AuthErrorKind::Forbidden,
            context: Box::new(ApiContext::new(msg).with_operation("sftp")),
        },
        ErrorCode::SFTP(FX_FILE_ALREADY_EXISTS) => Error::Conflict {
            context: Box::new(ApiContext::new(msg).with_operation("sftp")),
        },
        ErrorCode::SFTP(FX_EOF) => Error::io(msg, e),
        ErrorCode::Session(ERR_PASSWORD_EXPIRED) => Error::Auth {
            kind: AuthErrorKind::InvalidClient,
            context: Box::new(
                ApiContext::new(format!("{msg}: the password has expired; set a new one"))
                    .with_operation("sftp"),
            ),
        },
        ErrorCode::Session(ERR_AUTHENTICATION_FAILED | ERR_PUBLICKEY_UNVERIFIED) => Error::Auth {
            kind: AuthErrorKind::InvalidClient,
            context: Box::new(ApiContext::new(msg).with_operation("sftp")),
        },
        ErrorCode::Session(c) if is_settings_error(c) => Error::config(msg),
        _ if is_connection_error(&e) => transient(msg, e),
        _ => Error::io(msg, e),
    }
}

/// Maps an `std::io::Error` raised by an ssh2 `File` read/write.
pub(crate) fn map_file_io(e: std::io::Error, what: &str, path: &Path) -> Error {
    let msg = format!("{what} {}: {e}", path.display());
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            context: Box::new(ApiContext::new(msg).with_operation("sftp")),
        },
        _ => transient(msg, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session_error(code: i32) -> ssh2::Error {
        ssh2::Error::new(ErrorCode::Session(code), "libssh2 says no")
    }

    #[test]
    fn transport_failures_are_transient_and_resumable() {
        // socket send, timeout, disconnect, socket timeout, socket recv, channel closed, and
        // the key-exchange failures (also what a drop during a rekey looks like)
        for code in [-7, -9, -13, -30, -43, -26, -5, -8] {
            let e = session_error(code);
            assert!(is_connection_error(&e), "{code}");
            let err = map_ssh(e, "read failed");
            assert!(err.is_retryable(), "{code}: {err:?}");
        }
    }

    #[test]
    fn settings_credentials_and_policy_errors_are_not_retried() {
        for code in [-16, -17, -33, -34, -39, -46, -48, -51] {
            let e = session_error(code);
            assert!(
                !is_connection_error(&e),
                "{code}: a new session would fail the same way"
            );
            let err = map_ssh(e, "cannot start the SFTP subsystem");
            assert!(matches!(err, Error::Config { .. }), "{code}: {err:?}");
            assert!(!err.is_retryable(), "{code}");
        }
        for code in [-18, -19] {
            let err = map_ssh(session_error(code), "login");
            assert!(
                matches!(
                    err,
                    Error::Auth {
                        kind: AuthErrorKind::InvalidClient,
                        ..
                    }
                ),
                "{code}: {err:?}"
            );
        }
        let err = map_ssh(session_error(-15), "login");
        assert!(
            matches!(
                err,
                Error::Auth {
                    kind: AuthErrorKind::InvalidClient,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("expired"), "{err}");
    }

    #[test]
    fn sftp_status_codes_keep_their_meaning() {
        let sftp = |c| ssh2::Error::new(ErrorCode::SFTP(c), "status");
        assert!(matches!(
            map_ssh(sftp(FX_NO_SUCH_FILE), "stat"),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            map_ssh(sftp(FX_PERMISSION_DENIED), "open"),
            Error::Auth {
                kind: AuthErrorKind::Forbidden,
                ..
            }
        ));
        assert!(map_ssh(sftp(FX_CONNECTION_LOST), "read").is_retryable());
    }
}
