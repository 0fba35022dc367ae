//! CORS as a bucket whose one CORS rule allows the development origins, every method this
//! project uses and any request header, and exposes the headers a browser client reads.

use crate::error::OssError;

/// Methods the rule allows.
pub const ALLOWED_METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];

/// Headers a browser may read from responses.
pub const EXPOSE_HEADERS: &str = "ETag, x-oss-request-id, x-oss-hash-crc64ecma";

/// How long a browser may cache a preflight answer, seconds.
pub const MAX_AGE_SECONDS: u32 = 600;

/// The bucket's CORS rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsRule {
    origins: Vec<String>,
}

impl CorsRule {
    /// A rule allowing exactly `origins` (`*` allows any origin).
    pub fn new(origins: Vec<String>) -> Self {
        Self { origins }
    }

    /// The allowed origins.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == "*" || o == origin)
    }

    /// Headers for an actual (non-preflight) request from `origin`, if the rule allows it.
    pub fn response_headers(&self, origin: Option<&str>) -> Vec<(String, String)> {
        match origin {
            Some(origin) if self.allows(origin) => vec![
                ("Access-Control-Allow-Origin".into(), origin.into()),
                (
                    "Access-Control-Allow-Methods".into(),
                    ALLOWED_METHODS.join(", "),
                ),
                (
                    "Access-Control-Expose-Headers".into(),
                    EXPOSE_HEADERS.into(),
                ),
                ("Access-Control-Max-Age".into(), MAX_AGE_SECONDS.to_string()),
                ("Vary".into(), "Origin".into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Answers a preflight `OPTIONS`: the headers of a 200 reply, or OSS's 403.
    pub fn preflight(
        &self,
        origin: Option<&str>,
        method: Option<&str>,
        request_headers: Option<&str>,
    ) -> Result<Vec<(String, String)>, OssError> {
        let refused = || {
            OssError::new(
                403,
                "AccessForbidden",
                "CORSResponse: This CORS request is not allowed. This is usually because the \
                 evalution of Origin, request method / Access-Control-Request-Method or \
                 Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            )
        };
        let (Some(origin), Some(method)) = (origin, method) else {
            return Err(refused());
        };
        if !self.allows(origin) || !ALLOWED_METHODS.contains(&method) {
            return Err(refused());
        }
        let mut headers = self.response_headers(Some(origin));
        if let Some(requested) = request_headers.filter(|h| !h.trim().is_empty()) {
            headers.push(("Access-Control-Allow-Headers".into(), requested.into()));
        }
        Ok(headers)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn allows_listed_origins_only() {
        let rule = CorsRule::new(vec!["http://localhost:8787".into()]);
        let ok = rule
            .preflight(
                Some("http://localhost:8787"),
                Some("PUT"),
                Some("content-type"),
            )
            .unwrap();
        assert!(ok.contains(&(
            "Access-Control-Allow-Origin".into(),
            "http://localhost:8787".into()
        )));
        assert!(ok.contains(&("Access-Control-Allow-Headers".into(), "content-type".into())));
        assert_eq!(
            rule.preflight(Some("http://evil"), Some("PUT"), None)
                .unwrap_err()
                .status,
            403
        );
        assert!(
            rule.preflight(Some("http://localhost:8787"), Some("PATCH"), None)
                .is_err()
        );
        assert!(rule.response_headers(Some("http://evil")).is_empty());
        let any = CorsRule::new(vec!["*".into()]);
        assert!(!any.response_headers(Some("http://x")).is_empty());
    }
}
