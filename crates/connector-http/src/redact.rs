//! Keeping a client's secrets out of errors, even when a server echoes them back.
//!
//! A token endpoint that quotes the submitted form, a login API that repeats the password in
//! its error page, a gateway that prints the request headers: whatever part of an answer goes
//! into an [`connector_core::Error`] (a body excerpt, a platform message or code, a request
//! id, a `Location`) first goes through the client's [`Redactor`], which knows every secret
//! of the client and replaces each spelling of it with [`REDACTED`].

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Dynamic secrets (rotating tokens) a client remembers at most.
const MAX_DYNAMIC: usize = 8;

/// The secrets of one client (and of one request), replaced in any text before it enters an
/// error.
///
/// Each secret is caught in the spellings a server may echo it in: as it is,
/// form-urlencoded (`+` for a space, `%XX` upper or lower case), percent-encoded (`%20`),
/// JSON-escaped (`\"`, `\\`, `\/`, `\u00e9`), and after a `Bearer `/`Basic ` prefix. Empty
/// secrets are ignored. Cloning is cheap.
///
/// ```
/// use connector_http::Redactor;
/// use secrecy::SecretString;
///
/// let mut r = Redactor::new();
/// r.add(&SecretString::from("s3cr+t/é".to_string()));
/// let echoed = r#"{"error":"bad secret s3cr+t/é","form":"client_secret=s3cr%2Bt%2F%C3%A9","json":"s3cr+t\/\u00e9"}"#;
/// let clean = r.redact(echoed);
/// assert!(!clean.contains("s3cr"), "{clean}");
/// assert_eq!(clean.matches("[REDACTED]").count(), 3);
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<Vec<SecretString>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

fn hex_escape(s: &str, keep: impl Fn(u8) -> bool, space: Option<&str>, lower: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if keep(b) {
            out.push(b as char);
        } else if b == b' ' && space.is_some() {
            out.push_str(space.unwrap_or("%20"));
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON string escapes: what serde_json writes, plus `\/` and `\uXXXX` (hex in lower or upper
/// case) for every non-ASCII character (how PHP and some Java stacks write JSON).
fn json_spellings(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(quoted) = serde_json::to_string(s) {
        out.push(quoted[1..quoted.len() - 1].to_string());
    }
    for upper in [false, true] {
        let mut ascii = String::new();
        for c in s.chars() {
            match c {
                '"' => ascii.push_str("\\\""),
                '\\' => ascii.push_str("\\\\"),
                '/' => ascii.push_str("\\/"),
                c if (c as u32) < 0x20 || !c.is_ascii() => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        if upper {
                            ascii.push_str(&format!("\\u{unit:04X}"));
                        } else {
                            ascii.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
                c => ascii.push(c),
            }
        }
        out.push(ascii);
    }
    out
}

/// Every spelling of `secret` a server may echo, longest first.
fn spellings(secret: &str) -> Vec<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    // application/x-www-form-urlencoded (WHATWG): `*-._` and alphanumerics kept, space `+`.
    let form_keep = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
    let mut all = vec![
        secret.to_string(),
        hex_escape(secret, form_keep, Some("+"), false),
        hex_escape(secret, form_keep, Some("+"), true),
        hex_escape(secret, unreserved, None, false),
        hex_escape(secret, unreserved, None, true),
    ];
    all.extend(json_spellings(secret));
    for prefix in ["Bearer ", "Basic ", "bearer "] {
        if let Some(rest) = secret.strip_prefix(prefix)
            && !rest.is_empty()
        {
            all.extend(spellings(rest));
        }
    }
    all.retain(|s| !s.is_empty());
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    all
}

impl Redactor {
    /// A redactor that knows no secret.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns `secret` (an empty one is ignored).
    pub fn add(&mut self, secret: &SecretString) {
        if !secret.expose_secret().is_empty() {
            Arc::make_mut(&mut self.secrets).push(secret.clone());
        }
    }

    /// This redactor with `secret` learnt too.
    pub fn with(mut self, secret: &SecretString) -> Self {
        self.add(secret);
        self
    }

    /// Learns a secret that replaces older ones of its kind (a rotating token): only the
    /// last few such secrets are kept besides the permanent ones, so memory stays bounded.
    pub(crate) fn add_dynamic(&mut self, permanent: usize, secret: &SecretString) {
        if secret.expose_secret().is_empty()
            || self
                .secrets
                .iter()
                .any(|s| s.expose_secret() == secret.expose_secret())
        {
            return;
        }
        let v = Arc::make_mut(&mut self.secrets);
        if v.len() >= permanent + MAX_DYNAMIC && v.len() > permanent {
            v.remove(permanent);
        }
        v.push(secret.clone());
    }

    /// How many secrets it knows.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when it knows no secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every spelling of every known secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        if self.secrets.is_empty() {
            return out;
        }
        let mut patterns: Vec<String> = self
            .secrets
            .iter()
            .flat_map(|s| spellings(s.expose_secret()))
            .collect();
        patterns.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for p in &patterns {
            if out.contains(p.as_str()) {
                out = out.replace(p.as_str(), REDACTED);
            }
        }
        out
    }

    /// [`Redactor::redact`] for an optional text.
    pub fn redact_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.redact(&t))
    }

    /// A bounded excerpt of `body` (at most [`connector_core::error::MAX_BODY_EXCERPT`]
    /// bytes), redacted *before* it is cut so no part of a secret survives the cut.
    pub fn excerpt(&self, body: &[u8]) -> String {
        // Redact a generous window: a secret straddling the cut is caught whole.
        let window = &body[..body.len().min(connector_core::error::MAX_BODY_EXCERPT * 4)];
        let clean = self.redact(&String::from_utf8_lossy(window));
        let mut out = connector_core::error::excerpt(clean.as_bytes());
        if body.len() > window.len() && !out.ends_with('…') {
            out.push('…');
        }
        out
    }

    /// The secrets of both.
    pub(crate) fn merged(&self, other: &Redactor) -> Redactor {
        if other.is_empty() {
            return self.clone();
        }
        let mut out = self.clone();
        for s in other.secrets.iter() {
            out.add(s);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn every_spelling_is_caught() {
        let r = Redactor::new().with(&secret(r#"p@ss w"rd/\é"#));
        for echoed in [
            r#"p@ss w"rd/\é"#,
            "p%40ss+w%22rd%2F%5C%C3%A9",
            "p%40ss+w%22rd%2f%5c%c3%a9",
            "p%40ss%20w%22rd%2F%5C%C3%A9",
            r#"p@ss w\"rd/\\é"#,
            r#"p@ss w\"rd\/\\\u00e9"#,
            r#"p@ss w\"rd\/\\\u00E9"#,
        ] {
            let text = format!("error: client_secret={echoed}; done");
            let clean = r.redact(&text);
            assert_eq!(clean, "error: client_secret=[REDACTED]; done", "{echoed}");
        }
    }

    #[test]
    fn bearer_prefix_and_excerpt_cut() {
        let r = Redactor::new().with(&secret("Bearer tok-123456"));
        assert_eq!(r.redact("got tok-123456"), "got [REDACTED]");
        // A secret straddling the excerpt's cut leaves no prefix behind.
        let s = "k".repeat(40);
        let r = Redactor::new().with(&secret(&s));
        let body = format!("{}{}", "x".repeat(505), s);
        let ex = r.excerpt(body.as_bytes());
        assert!(!ex.contains("kkkk"), "{ex}");
        assert!(ex.ends_with('…'), "{ex}");
        assert!(!format!("{r:?}").contains('k'));
    }

    #[test]
    fn dynamic_secrets_are_bounded_and_empty_ones_ignored() {
        let mut r = Redactor::new().with(&secret("permanent"));
        r.add(&secret(""));
        assert_eq!(r.len(), 1);
        for i in 0..50 {
            r.add_dynamic(1, &secret(&format!("token-{i}")));
        }
        assert_eq!(r.len(), 1 + MAX_DYNAMIC);
        assert_eq!(r.redact("permanent token-49"), "[REDACTED] [REDACTED]");
        assert_eq!(r.redact("token-0"), "token-0");
    }
}
