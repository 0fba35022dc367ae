//! Every refusal as `(status, code, message)` and the JSON body `{"error": CODE, "message": …}`.

use oss_edge_core::grant::limits::LimitError;
use oss_edge_core::grant::request::RequestError;
use oss_edge_core::grant::{ConfigError, GrantError};

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
        serde_json::json!({"error": self.code, "message": self.message}).to_string()
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
        let big = GrantError::Limit(LimitError::TooLarge { size: 2, max: 1 });
        assert_eq!(status_of(&big), 413);
        let ct = GrantError::Limit(LimitError::ContentTypeNotAllowed("a/b".into()));
        assert_eq!(status_of(&ct), 415);
    }
}
