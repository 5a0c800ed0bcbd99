//! Reading platform error bodies and `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// What an error body said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorFields {
    /// The platform's error code.
    pub code: Option<String>,
    /// The platform's message.
    pub message: Option<String>,
    /// Whether the body had a recognised structure (if not, an excerpt is kept).
    pub structured: bool,
}

impl ErrorFields {
    /// Fields with a code and a message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        Self {
            structured: code.is_some() || message.is_some(),
            code,
            message,
        }
    }
}

/// Reads an error body into [`ErrorFields`]; one per platform if the default does not fit.
pub type ErrorDecoder = Arc<dyn Fn(u16, &[u8]) -> ErrorFields + Send + Sync>;

/// The default decoder: JSON with `code`/`message`, `error`/`error_description`,
/// `errors[0].code`/`errors[0].message` (Amazon), `detail`/`title` (RFC 7807), `status`/`message`
/// (Spring). Anything else (HTML error pages, text) keeps a bounded excerpt.
pub fn default_error_decoder() -> ErrorDecoder {
    Arc::new(|_status, body| decode_common(body))
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decodes the common JSON error shapes.
pub fn decode_common(body: &[u8]) -> ErrorFields {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return ErrorFields::default();
    };
    let first_error = v
        .get("errors")
        .and_then(|e| e.as_array())
        .and_then(|a| a.first());
    let code = text(v.get("code"))
        .or_else(|| first_error.and_then(|e| text(e.get("code"))))
        .or_else(|| text(v.get("error")))
        .or_else(|| text(v.get("type")));
    let message = text(v.get("message"))
        .or_else(|| first_error.and_then(|e| text(e.get("message"))))
        .or_else(|| text(v.get("error_description")))
        .or_else(|| text(v.get("detail")))
        .or_else(|| text(v.get("title")))
        .or_else(|| text(v.get("error")));
    let mut fields = ErrorFields::new(code, message);
    if first_error.and_then(|e| e.get("details")).is_some()
        && let Some(details) = first_error.and_then(|e| text(e.get("details")))
    {
        fields.message = Some(format!("{}: {details}", fields.message.unwrap_or_default()));
    }
    fields
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let date = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_common_shapes() {
        let amazon =
            br#"{"errors":[{"code":"InvalidInput","message":"Invalid SKU","details":"sku"}]}"#;
        let f = decode_common(amazon);
        assert_eq!(f.code.as_deref(), Some("InvalidInput"));
        assert_eq!(f.message.as_deref(), Some("Invalid SKU: sku"));
        let oauth =
            br#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#;
        let f = decode_common(oauth);
        assert_eq!(f.code.as_deref(), Some("invalid_client"));
        assert_eq!(f.message.as_deref(), Some("Invalid client credentials"));
        let html = b"<html><body>503 Service Unavailable</body></html>";
        assert!(!decode_common(html).structured);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
