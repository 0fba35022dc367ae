//! What a request asks for: only the path matters here (split out of `request.url` by
//! `oss_edge_worker_support::url`, as in every Worker).

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

pub use oss_edge_worker_support::url::path_of_url;

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
    fn routes() {
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
