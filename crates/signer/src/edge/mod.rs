//! The Worker glue (wasm32 only): request in, core call, response out. Reads the clock
//! (`Date.now()`) and randomness (`crypto.getRandomValues`) for the core, and checks RS256
//! signatures with WebCrypto ([`webcrypto`]); decides nothing.

mod webcrypto;

use std::cell::OnceCell;

use oss_edge_core::grant::request::MAX_REQUEST_LEN;
use oss_edge_core::grant::{
    AuthError, AuthStep, ConfigError, GRANT_ID_BYTES, GrantError, GrantRequest, RequestError,
    SignerConfig, Subject, conclude_rsa, issue, policy_sample,
};
use worker::{Env, Headers, Request, Response, Result};

use crate::config::raw_config;
use crate::cors;
use crate::rejection::{Rejection, health_body, log_line};
use crate::route::{Route, path_of_url, route};

/// The configuration, parsed once per isolate.
type Parsed = &'static std::result::Result<SignerConfig, ConfigError>;

thread_local! {
    static CONFIG: OnceCell<Parsed> = const { OnceCell::new() };
}

/// The signer's configuration, read and validated on the isolate's first request and kept
/// for its lifetime (variables and secrets cannot change under a running isolate: a change
/// deploys a new version, which starts new isolates). A refused configuration is kept too:
/// every request answers it until the Worker is redeployed with a fixed one.
fn config(env: &Env) -> Parsed {
    CONFIG.with(|cell| {
        *cell.get_or_init(|| {
            let raw = raw_config(|name| oss_edge_worker_support::env::lookup(env, name));
            Box::leak(Box::new(SignerConfig::from_raw(&raw)))
        })
    })
}

fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn random() -> std::result::Result<[u8; GRANT_ID_BYTES], Rejection> {
    let mut bytes = [0u8; GRANT_ID_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| Rejection::new(500, "randomness_unavailable", e.to_string()))?;
    Ok(bytes)
}

fn respond(status: u16, body: String, extra: &[(&'static str, String)]) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

fn reject(
    rejection: &Rejection,
    method: &str,
    path: &str,
    mut extra: Vec<(&'static str, String)>,
) -> Result<Response> {
    worker::console_log!(
        "{}",
        log_line(method, path, rejection.status, rejection.code)
    );
    if rejection.status == 401 {
        extra.push(("www-authenticate", "Bearer".to_owned()));
    }
    respond(rejection.status, rejection.body(), &extra)
}

/// Handles one request.
pub(crate) async fn handle(mut request: Request, env: Env) -> Result<Response> {
    let url = request.inner().url();
    let method = request.inner().method();
    let path = path_of_url(&url).to_owned();
    let origin = request.headers().get("origin").ok().flatten();
    let route = route(&method, &path);
    let config = config(&env);

    if route == Route::Health {
        let (status, body) = match &config {
            Ok(_) => (200, health_body(None)),
            Err(e) => (500, health_body(Some((e.code(), &e.to_string())))),
        };
        return respond(status, body, &[]);
    }
    let config = match config {
        Ok(config) => config,
        Err(e) => return reject(&Rejection::from(e), &method, &path, Vec::new()),
    };
    let allowed = origin.as_deref().and_then(|o| config.allowed_origin(o));
    let cors_headers = cors::response_headers(allowed);

    match route {
        Route::Preflight => match allowed {
            Some(origin) => {
                let headers = Headers::new();
                for (name, value) in cors::preflight_headers(origin) {
                    headers.set(name, &value)?;
                }
                Ok(Response::empty()?.with_status(204).with_headers(headers))
            }
            None => reject(
                &Rejection::origin_not_allowed(),
                &method,
                &path,
                cors_headers,
            ),
        },
        Route::NotFound => reject(&Rejection::not_found(), &method, &path, cors_headers),
        Route::MethodNotAllowed(allow) => {
            let mut extra = cors_headers;
            extra.push(("allow", allow.to_owned()));
            reject(&Rejection::method_not_allowed(allow), &method, &path, extra)
        }
        Route::Health => respond(200, String::new(), &[]),
        Route::Demo if config.development => {
            demo(oss_edge_worker_support::env::lookup(&env, crate::SECRET_BEARER_TOKENS).as_deref())
        }
        Route::Demo => reject(&Rejection::not_found(), &method, &path, cors_headers),
        Route::Grant | Route::Policy => {
            let outcome = serve(route, &mut request, config).await;
            match outcome {
                Ok(body) => respond(200, body, &cors_headers),
                Err(rejection) => reject(&rejection, &method, &path, cors_headers),
            }
        }
    }
}

/// The demo page (local development only; docs/demo.md).
fn demo(bearer_tokens: Option<&str>) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(crate::demo::page(bearer_tokens))?.with_headers(headers))
}

/// The core's authentication, with an RS256 signature (if any) checked by WebCrypto.
async fn authenticate(
    config: &SignerConfig,
    authorization: Option<&str>,
    now: i64,
) -> std::result::Result<Subject, AuthError> {
    match config.auth.begin(authorization, now)? {
        AuthStep::Authenticated(subject) => Ok(subject),
        AuthStep::NeedsRsa(check) => {
            // A runtime failure verifies nothing: the token is refused as unverifiable.
            let valid = webcrypto::signature_valid(&check)
                .await
                .unwrap_or_else(|e| {
                    worker::console_error!("{}", e.0);
                    false
                });
            conclude_rsa(check, valid)
        }
    }
}

/// Authenticates, then issues a grant or the sample policy.
async fn serve(
    route: Route,
    request: &mut Request,
    config: &SignerConfig,
) -> std::result::Result<String, Rejection> {
    let now = now();
    let authorization = request.headers().get("authorization").ok().flatten();
    let subject = authenticate(config, authorization.as_deref(), now)
        .await
        .map_err(|e| Rejection::from(&GrantError::Auth(e)))?;
    let random = random()?;
    if route == Route::Policy {
        return policy_sample(&subject, config, now, &random)
            .map(|sample| sample.to_json())
            .map_err(|e| Rejection::from(&e));
    }
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<usize>().ok());
    let too_long = || Rejection::from(&GrantError::Request(RequestError::TooLong));
    if declared.is_some_and(|len| len > MAX_REQUEST_LEN) {
        return Err(too_long());
    }
    let body = request.bytes().await.map_err(Rejection::unreadable_body)?;
    let grant_request =
        GrantRequest::parse(&body).map_err(|e| Rejection::from(&GrantError::from(e)))?;
    issue(&grant_request, &subject, config, now, &random)
        .map(|grant| grant.to_json())
        .map_err(|e| Rejection::from(&e))
}
