//! Credentials ([`SftpAuth`]) and server verification ([`HostKeyPolicy`]).

use std::fmt;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use connector_core::{Error, Result};
use secrecy::SecretString;

/// How we log in. Every secret is a [`SecretString`]; `Debug` shows none of them.
#[derive(Clone)]
#[non_exhaustive]
pub enum SftpAuth {
    /// User name and password (`password` SSH authentication).
    Password(SecretString),
    /// A private key file on disk (OpenSSH or PEM format), with an optional passphrase.
    PrivateKeyFile {
        /// Path of the private key.
        path: PathBuf,
        /// Passphrase of an encrypted key.
        passphrase: Option<SecretString>,
    },
    /// A private key held in memory (PEM text), with an optional passphrase.
    PrivateKeyPem {
        /// The PEM text of the key.
        pem: SecretString,
        /// Passphrase of an encrypted key.
        passphrase: Option<SecretString>,
    },
}

impl fmt::Debug for SftpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pass = |p: &Option<SecretString>| if p.is_some() { "[redacted]" } else { "none" };
        match self {
            Self::Password(_) => f.write_str("Password([redacted])"),
            Self::PrivateKeyFile { path, passphrase } => f
                .debug_struct("PrivateKeyFile")
                .field("path", path)
                .field("passphrase", &pass(passphrase))
                .finish(),
            Self::PrivateKeyPem { passphrase, .. } => f
                .debug_struct("PrivateKeyPem")
                .field("pem", &"[redacted]")
                .field("passphrase", &pass(passphrase))
                .finish(),
        }
    }
}

/// How the server's host key is checked before any credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostKeyPolicy {
    /// The key must match the entry for `host` / `[host]:port` in this OpenSSH `known_hosts`
    /// file. A missing entry or a different key is refused.
    KnownHosts(PathBuf),
    /// The key's SHA-256 fingerprint must equal this one, in OpenSSH's `SHA256:<base64>` form.
    Sha256Fingerprint(String),
    /// Accept ANY key. Anyone on the network path can impersonate the server and collect the
    /// credentials: for local tests only.
    InsecureAcceptAny,
}

/// Decodes an OpenSSH `SHA256:<base64>` fingerprint into its 32 bytes.
pub(crate) fn parse_fingerprint(fp: &str) -> Result<Vec<u8>> {
    let b64 = fp.trim().strip_prefix("SHA256:").ok_or_else(|| {
        Error::config(format!(
            "host-key fingerprint `{fp}` must be in OpenSSH form `SHA256:<base64>` (see `ssh-keygen -lf`)"
        ))
    })?;
    let bytes = STANDARD_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|e| {
            Error::config(format!(
                "host-key fingerprint `{fp}` is not valid base64: {e}"
            ))
        })?;
    if bytes.len() != 32 {
        return Err(Error::config(format!(
            "host-key fingerprint `{fp}` must encode 32 bytes (SHA-256)"
        )));
    }
    Ok(bytes)
}

/// Formats a SHA-256 digest the way OpenSSH prints it.
pub(crate) fn format_fingerprint(sha256: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_in_openssh_form() {
        let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        let bytes = parse_fingerprint(fp).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(format_fingerprint(&bytes), fp);
        assert!(parse_fingerprint("47DEQpj8HBSa").is_err());
        assert!(parse_fingerprint("SHA256:abc").is_err());
    }
}
