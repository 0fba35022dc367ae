//! CORS for configured origins only. An allowed origin gets `Access-Control-Allow-Origin`
//! echoing it (never `*`: requests carry credentials in `Authorization`); any other origin
//! gets no CORS headers, so the browser blocks the response, and its preflight is refused.

/// Methods a preflight may allow.
pub const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// Request headers a preflight may allow.
pub const ALLOW_HEADERS: &str = "authorization, content-type";
/// How long a browser may cache a preflight, seconds.
pub const MAX_AGE: &str = "600";

/// The CORS headers of an actual response for a request from `origin` (`Vary: Origin` always,
/// since the answer depends on it).
pub fn response_headers(allowed: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![("vary", "Origin".to_owned())];
    if let Some(origin) = allowed {
        headers.push(("access-control-allow-origin", origin.to_owned()));
    }
    headers
}

/// The headers of a successful preflight from the allowed `origin`.
pub fn preflight_headers(origin: &str) -> Vec<(&'static str, String)> {
    let mut headers = response_headers(Some(origin));
    headers.push(("access-control-allow-methods", ALLOW_METHODS.to_owned()));
    headers.push(("access-control-allow-headers", ALLOW_HEADERS.to_owned()));
    headers.push(("access-control-max-age", MAX_AGE.to_owned()));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_origins_get_headers() {
        assert_eq!(response_headers(None), vec![("vary", "Origin".to_owned())]);
        let pre = preflight_headers("https://app.example");
        assert!(pre.contains(&("access-control-allow-origin", "https://app.example".into())));
        assert!(
            pre.iter()
                .any(|(n, _)| *n == "access-control-allow-headers")
        );
    }
}
