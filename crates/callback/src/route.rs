//! The request target and what to do with a request.
//!
//! The runtime hands the Worker `request.url` after WHATWG URL parsing (TOOLCHAIN.md): dot
//! segments resolved, some characters percent-encoded. For a callback URL already in that
//! normal form (the only kind the signer issues) this is byte-for-byte the target OSS
//! requested and signed. The path and query are split out of that string by hand: the `url`
//! crate would re-serialize them (and cost ~74 KB of IDNA tables).

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

/// The path and query (`/p?q`) of an absolute URL string, without any fragment; `/` when the
/// URL has no path.
pub fn target_of_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let rest = &url[after_scheme..];
    let target = match rest.find(['/', '?', '#']) {
        Some(at) if rest.as_bytes()[at] == b'/' => &rest[at..],
        _ => "/",
    };
    target.split('#').next().unwrap_or(target)
}

/// The raw path of a target (everything before the first `?`).
pub fn path_of_target(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

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
    fn targets() {
        for (url, target) in [
            ("http://127.0.0.1:8788/cb?a=1&b=%20", "/cb?a=1&b=%20"),
            ("https://x.workers.dev/", "/"),
            ("https://x.workers.dev", "/"),
            ("https://x.workers.dev?q", "/"),
            ("https://h/a/b#frag", "/a/b"),
            ("https://h/a?x=1#f?g", "/a?x=1"),
            ("https://h/a%2Fb/?", "/a%2Fb/?"),
        ] {
            assert_eq!(target_of_url(url), target, "{url}");
        }
        assert_eq!(path_of_target("/a/b?x=?"), "/a/b");
        assert_eq!(path_of_target("/a"), "/a");
    }

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
