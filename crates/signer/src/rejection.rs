//! Every refusal as `(status, code, message)` and the JSON body `{"error": CODE, "message": …}`.

use oss_edge_core::grant::limits::LimitError;
use oss_edge_core::grant::request::RequestError;
use oss_edge_core::grant::{ConfigError, GrantError};

/// `text` as a JSON string. Every JSON the signer writes by hand goes through this, never
/// through `serde_json::Value`: serialising a `Value` links serde_json's float formatter
/// (~14 KB of Wasm, issue 15) although the signer never writes a float.
pub fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The `/healthz` body: `{"status":"ok","service":…}`, or with `error` and `message` when the
/// configuration is refused.
pub fn health_body(refused: Option<(&str, &str)>) -> String {
    let service = json_string(crate::SERVICE);
    match refused {
        None => format!(r#"{{"status":"ok","service":{service}}}"#),
        Some((code, message)) => format!(
            r#"{{"status":"misconfigured","service":{service},"error":{},"message":{}}}"#,
            json_string(code),
            json_string(message)
        ),
    }
}

/// The one log line of a refused request (never secrets: no header, no body, no ticket).
pub fn log_line(method: &str, path: &str, status: u16, code: &str) -> String {
    format!(
        r#"{{"service":{},"method":{},"path":{},"status":{status},"code":{}}}"#,
        json_string(crate::SERVICE),
        json_string(method),
        json_string(path),
        json_string(code)
    )
}

/// A refusal ready to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// HTTP status.
    pub status: u16,
    /// Stable snake_case code.
    pub code: &'static str,
    /// What to do about it.
    pub message: String,
}

impl Rejection {
    /// A rejection with `status`, `code` and `message`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// The response body.
    pub fn body(&self) -> String {
        format!(
            r#"{{"error":{},"message":{}}}"#,
            json_string(self.code),
            json_string(&self.message)
        )
    }

    /// No route.
    pub fn not_found() -> Self {
        Self::new(404, "not_found", "no such endpoint; see docs/signer.md")
    }

    /// Wrong method on a known path.
    pub fn method_not_allowed(allow: &str) -> Self {
        Self::new(405, "method_not_allowed", format!("use one of: {allow}"))
    }

    /// A preflight from an origin not in `CORS_ALLOWED_ORIGINS`.
    pub fn origin_not_allowed() -> Self {
        Self::new(
            403,
            "cors_origin_not_allowed",
            "this origin is not in CORS_ALLOWED_ORIGINS",
        )
    }

    /// The body could not be read.
    pub fn unreadable_body(why: impl core::fmt::Display) -> Self {
        Self::new(
            400,
            "body_unreadable",
            format!("could not read the body: {why}"),
        )
    }
}

impl From<&ConfigError> for Rejection {
    /// A refused configuration: the signer fails closed on every request.
    fn from(e: &ConfigError) -> Self {
        Self::new(500, e.code(), e.to_string())
    }
}

/// The HTTP status of a grant refusal.
pub fn status_of(e: &GrantError) -> u16 {
    match e {
        GrantError::Auth(_) => 401,
        GrantError::Request(RequestError::TooLong) => 413,
        GrantError::Limit(LimitError::TooLarge { .. }) => 413,
        GrantError::Limit(LimitError::ContentTypeNotAllowed(_)) => 415,
        GrantError::ContinuationMismatch => 403,
        GrantError::Signing(_) => 500,
        _ => 400,
    }
}

impl From<&GrantError> for Rejection {
    fn from(e: &GrantError) -> Self {
        Self::new(status_of(e), e.code(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::grant::AuthError;

    #[test]
    fn statuses_and_body() {
        let r = Rejection::from(&GrantError::Auth(AuthError::Missing));
        assert_eq!((r.status, r.code), (401, "missing_credentials"));
        let body: serde_json::Value = serde_json::from_str(&r.body()).unwrap_or_default();
        assert_eq!(body["error"], "missing_credentials");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        let odd = Rejection::new(400, "x", "a \"quoted\"\n\u{202e} message\\");
        let body: serde_json::Value = serde_json::from_str(&odd.body()).unwrap_or_default();
        assert_eq!(body["message"], "a \"quoted\"\n\u{202e} message\\");
        let health: serde_json::Value =
            serde_json::from_str(&health_body(Some(("config_invalid", "KEY \"T\""))))
                .unwrap_or_default();
        assert_eq!(health["status"], "misconfigured");
        assert_eq!(health["message"], "KEY \"T\"");
        let ok: serde_json::Value = serde_json::from_str(&health_body(None)).unwrap_or_default();
        assert_eq!(ok["status"], "ok");
        let log: serde_json::Value =
            serde_json::from_str(&log_line("POST", "/v1/grants", 401, "x")).unwrap_or_default();
        assert_eq!(log["status"], 401);
        let big = GrantError::Limit(LimitError::TooLarge { size: 2, max: 1 });
        assert_eq!(status_of(&big), 413);
        let ct = GrantError::Limit(LimitError::ContentTypeNotAllowed("a/b".into()));
        assert_eq!(status_of(&ct), 415);
    }
}
