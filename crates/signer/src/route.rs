//! The request target and routing. The path is split from `request.url` by hand (no URL
//! parser: TOOLCHAIN.md, size).

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/grants`.
    Grant,
    /// `GET /v1/policy`.
    Policy,
    /// `GET /healthz`.
    Health,
    /// `GET /`: the demo page (served in local development only).
    Demo,
    /// `OPTIONS` on an API path: CORS preflight.
    Preflight,
    /// A known path with another method; `Allow` lists the methods.
    MethodNotAllowed(&'static str),
    /// No such path.
    NotFound,
}

pub use oss_edge_worker_support::url::path_of_url;

/// Routes `method` on `path`.
pub fn route(method: &str, path: &str) -> Route {
    let allow = match path {
        crate::PATH_GRANTS => "POST, OPTIONS",
        crate::PATH_POLICY => "GET, OPTIONS",
        crate::PATH_HEALTH | crate::PATH_DEMO => "GET",
        _ => return Route::NotFound,
    };
    match (method, path) {
        ("POST", crate::PATH_GRANTS) => Route::Grant,
        ("GET", crate::PATH_POLICY) => Route::Policy,
        ("GET", crate::PATH_HEALTH) => Route::Health,
        ("GET", crate::PATH_DEMO) => Route::Demo,
        ("OPTIONS", crate::PATH_GRANTS | crate::PATH_POLICY) => Route::Preflight,
        _ => Route::MethodNotAllowed(allow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_routes() {
        assert_eq!(route("POST", "/v1/grants"), Route::Grant);
        assert_eq!(route("GET", "/v1/policy"), Route::Policy);
        assert_eq!(route("OPTIONS", "/v1/policy"), Route::Preflight);
        assert_eq!(
            route("GET", "/v1/grants"),
            Route::MethodNotAllowed("POST, OPTIONS")
        );
        assert_eq!(route("GET", "/v1/grants/"), Route::NotFound);
        assert_eq!(route("GET", "/"), Route::Demo);
        assert_eq!(route("GET", "/index.html"), Route::NotFound);
    }
}
