//! What a request asks for. The runtime's `request.url` is parsed by hand, as in the callback
//! Worker: only the path matters here.

/// The operator's reconciliation call.
pub const RECONCILE_PATH: &str = "/v1/reconcile";
/// `Allow` for [`RECONCILE_PATH`].
pub const ALLOW_RECONCILE: &str = "POST";
/// The health-check path.
pub const HEALTH_PATH: &str = "/healthz";
/// `Allow` for [`HEALTH_PATH`].
pub const ALLOW_HEALTH: &str = "GET, HEAD";

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET` or `HEAD` on [`HEALTH_PATH`].
    Health {
        /// `HEAD`: headers only.
        head: bool,
    },
    /// `POST` on [`RECONCILE_PATH`].
    Reconcile,
    /// Another method on a known path; answer 405 with this `Allow`.
    MethodNotAllowed {
        /// The `Allow` header value.
        allow: &'static str,
    },
    /// Any other path.
    NotFound,
}

/// The path of an absolute URL string (`/` when it has none), without query or fragment.
pub fn path_of_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let rest = &url[after_scheme..];
    match rest.find(['/', '?', '#']) {
        Some(at) if rest.as_bytes()[at] == b'/' => {
            let path = &rest[at..];
            path.find(['?', '#']).map_or(path, |end| &path[..end])
        }
        _ => "/",
    }
}

/// Routes `method` on `path`.
pub fn route(method: &str, path: &str) -> Route {
    match (path, method) {
        (HEALTH_PATH, "GET") => Route::Health { head: false },
        (HEALTH_PATH, "HEAD") => Route::Health { head: true },
        (HEALTH_PATH, _) => Route::MethodNotAllowed {
            allow: ALLOW_HEALTH,
        },
        (RECONCILE_PATH, "POST") => Route::Reconcile,
        (RECONCILE_PATH, _) => Route::MethodNotAllowed {
            allow: ALLOW_RECONCILE,
        },
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_routes() {
        for (url, path) in [
            ("http://127.0.0.1:8788/v1/reconcile?x=1", "/v1/reconcile"),
            ("https://r.workers.dev", "/"),
            ("https://r.workers.dev?q", "/"),
            ("https://h/healthz#f", "/healthz"),
        ] {
            assert_eq!(path_of_url(url), path, "{url}");
        }
        assert_eq!(route("POST", "/v1/reconcile"), Route::Reconcile);
        assert_eq!(
            route("GET", "/v1/reconcile"),
            Route::MethodNotAllowed { allow: "POST" }
        );
        assert_eq!(route("HEAD", "/healthz"), Route::Health { head: true });
        assert_eq!(
            route("POST", "/healthz"),
            Route::MethodNotAllowed {
                allow: ALLOW_HEALTH
            }
        );
        assert_eq!(route("POST", "/oss/callback"), Route::NotFound);
        assert_eq!(route("POST", "/v1/reconcile/"), Route::NotFound);
    }
}
