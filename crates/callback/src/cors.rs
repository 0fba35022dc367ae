//! CORS for `POST /v1/recover`, which browsers call after an upload's callback failed.
//!
//! The ticket in the query is the only authorisation (no cookies, no credentials mode), so
//! CORS protects nothing secret here; it decides which pages may read the answer. A request
//! with an `Origin` outside `CORS_ALLOWED_ORIGINS` is refused (`403 origin_not_allowed`)
//! before any work; one without `Origin` (a mobile app, a server) is served.

use crate::config::Config;

/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// The verdict on a request's `Origin` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cors {
    /// No `Origin`: not a browser's cross-origin request; no CORS headers.
    NotCors,
    /// An allowed origin: answer with these headers.
    Allowed(Vec<(&'static str, String)>),
    /// An origin that is not allowed.
    Refused,
}

/// The verdict for `origin`; `preflight` adds the headers an `OPTIONS` answer needs.
pub fn check(config: &Config, origin: Option<&str>, preflight: bool) -> Cors {
    let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else {
        return Cors::NotCors;
    };
    if !config.origin_allowed(origin) {
        return Cors::Refused;
    }
    let mut headers = vec![
        ("access-control-allow-origin", origin.to_owned()),
        ("vary", "Origin".to_owned()),
    ];
    if preflight {
        headers.push(("access-control-allow-methods", "POST".to_owned()));
        headers.push(("access-control-allow-headers", "content-type".to_owned()));
        headers.push(("access-control-max-age", PREFLIGHT_MAX_AGE.to_owned()));
    }
    Cors::Allowed(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VAR_CONFIRM_OBJECTS, VAR_CORS_ALLOWED_ORIGINS, VAR_TICKET_KEYS};
    use oss_edge_core::callback::software_rsa::SOFTWARE_RSA;

    fn config(origins: &str) -> Config {
        Config::from_lookup(
            &|name| match name {
                VAR_TICKET_KEYS => Some("k1:0123456789abcdef0123456789abcdef".into()),
                VAR_CONFIRM_OBJECTS => Some("false".into()),
                VAR_CORS_ALLOWED_ORIGINS => Some(origins.into()),
                _ => None,
            },
            &SOFTWARE_RSA,
        )
        .unwrap()
    }

    #[test]
    fn only_listed_origins_get_headers() {
        let c = config("https://app.example.com, http://127.0.0.1:8787");
        assert_eq!(check(&c, None, false), Cors::NotCors);
        assert_eq!(check(&c, Some("https://evil.example"), true), Cors::Refused);
        assert_eq!(
            check(&c, Some("https://app.example.com/"), false),
            Cors::Refused,
            "origins compare exactly"
        );
        let Cors::Allowed(headers) = check(&c, Some("http://127.0.0.1:8787"), true) else {
            panic!("allowed origin refused");
        };
        assert!(headers.contains(&(
            "access-control-allow-origin",
            "http://127.0.0.1:8787".to_owned()
        )));
        assert!(headers.iter().any(|(n, _)| *n == "access-control-max-age"));
        let any = config("*");
        assert!(matches!(
            check(&any, Some("https://x.example"), false),
            Cors::Allowed(_)
        ));
    }
}
