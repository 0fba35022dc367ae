//! What to do with a request. The request target is split out of `request.url` by
//! `oss_edge_worker_support::url`, as in every Worker (byte-for-byte what OSS signed).

/// The health-check path.
pub const HEALTH_PATH: &str = "/healthz";

/// The client's recovery call after a failed callback (`docs/callback-worker.md`).
pub const RECOVER_PATH: &str = "/v1/recover";

/// `Allow` for [`RECOVER_PATH`].
pub const ALLOW_RECOVER: &str = "POST, OPTIONS";

/// The reconciler Worker's path (`crates/reconciler`): the callback Worker answers it with
/// where reconciliation went, and forwards it to the reconciler in the local environment.
pub const RECONCILE_PATH: &str = "/v1/reconcile";

/// `Allow` for callback paths.
pub const ALLOW_CALLBACK: &str = "POST";
/// `Allow` for [`HEALTH_PATH`].
pub const ALLOW_HEALTH: &str = "GET, HEAD";

pub use oss_edge_worker_support::url::{path_of_target, target_of_url};

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET` or `HEAD` on [`HEALTH_PATH`].
    Health {
        /// `HEAD`: headers only.
        head: bool,
    },
    /// `POST` on [`RECOVER_PATH`]: a client's recovery call.
    Recover,
    /// `OPTIONS` on [`RECOVER_PATH`]: a browser's CORS preflight for it.
    RecoverPreflight,
    /// Any method on [`RECONCILE_PATH`]: reconciliation, which is the reconciler Worker's
    /// (`crates/reconciler`; locally forwarded to it, `crate::dev`).
    Reconcile,
    /// `POST` anywhere else: an OSS callback.
    Callback,
    /// Any other method; answer 405 with this `Allow`.
    MethodNotAllowed {
        /// The `Allow` header value.
        allow: &'static str,
    },
}

/// Routes `method` on raw `path`.
pub fn route(method: &str, path: &str) -> Route {
    if path == HEALTH_PATH {
        match method {
            "GET" => Route::Health { head: false },
            "HEAD" => Route::Health { head: true },
            _ => Route::MethodNotAllowed {
                allow: ALLOW_HEALTH,
            },
        }
    } else if path == RECOVER_PATH {
        match method {
            "POST" => Route::Recover,
            "OPTIONS" => Route::RecoverPreflight,
            _ => Route::MethodNotAllowed {
                allow: ALLOW_RECOVER,
            },
        }
    } else if path == RECONCILE_PATH {
        Route::Reconcile
    } else if method == "POST" {
        Route::Callback
    } else {
        Route::MethodNotAllowed {
            allow: ALLOW_CALLBACK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/healthz"), Route::Health { head: false });
        assert_eq!(route("HEAD", "/healthz"), Route::Health { head: true });
        assert_eq!(
            route("POST", "/healthz"),
            Route::MethodNotAllowed {
                allow: ALLOW_HEALTH
            }
        );
        assert_eq!(route("POST", "/any/path"), Route::Callback);
        assert_eq!(route("POST", "/v1/recover"), Route::Recover);
        assert_eq!(route("OPTIONS", "/v1/recover"), Route::RecoverPreflight);
        assert_eq!(
            route("GET", "/v1/recover"),
            Route::MethodNotAllowed {
                allow: ALLOW_RECOVER
            }
        );
        assert_eq!(route("POST", "/v1/recover/x"), Route::Callback);
        assert_eq!(route("POST", "/v1/reconcile"), Route::Reconcile);
        assert_eq!(route("GET", "/v1/reconcile"), Route::Reconcile);
        assert_eq!(
            route("GET", "/cb"),
            Route::MethodNotAllowed {
                allow: ALLOW_CALLBACK
            }
        );
    }
}
