//! # oss-edge-signer
//!
//! The Cloudflare Worker an application's browsers and apps ask for upload grants. A thin
//! adapter over `oss-edge-core`'s [`grant`](oss_edge_core::grant) module: it reads the
//! request, lets the core authenticate the caller and build the grant, and writes JSON. The
//! AccessKey never leaves it. API and configuration: `docs/signer.md`,
//! `docs/openapi/signer.yaml`.
//!
//! - [`config`]: Worker variables and secrets → the core's `RawConfig`.
//! - [`route`]: the request target and routing.
//! - [`cors`]: CORS preflight and response headers for configured origins only.
//! - [`rejection`]: error codes → HTTP status and the `{"error", "message"}` body.
//! - `edge` (wasm32 only): the Worker glue — request, `Env`, clock, randomness, response.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// `local` in local development (`crates/signer/wrangler.toml [env.local]`), else production.
pub const VAR_ENVIRONMENT: &str = "OSS_EDGE_ENV";
/// The bucket uploads go to.
pub const VAR_BUCKET: &str = "OSS_BUCKET";
/// The bucket's region id, e.g. `cn-hangzhou`.
pub const VAR_REGION: &str = "OSS_REGION";
/// Optional endpoint URL (default `https://oss-<region>.aliyuncs.com`).
pub const VAR_ENDPOINT: &str = "OSS_ENDPOINT";
/// `v4` (default) or `v1` (legacy opt-in).
pub const VAR_SIGNATURE_VERSION: &str = "OSS_SIGNATURE_VERSION";
/// Secret: the AccessKey id.
pub const SECRET_ACCESS_KEY_ID: &str = "OSS_ACCESS_KEY_ID";
/// Secret: the AccessKey secret.
pub const SECRET_ACCESS_KEY_SECRET: &str = "OSS_ACCESS_KEY_SECRET";
/// Secret (optional): the STS security token.
pub const SECRET_SESSION_TOKEN: &str = "OSS_SESSION_TOKEN";
/// The callback Worker's URL.
pub const VAR_CALLBACK_URL: &str = "CALLBACK_URL";
/// Secret: upload-ticket HMAC keys `kid:secret,…`, shared with the callback Worker.
pub const SECRET_TICKET_KEYS: &str = "TICKET_KEYS";
/// `bearer` (default), `jwt`, `bearer,jwt`, or `none` (local only).
pub const VAR_AUTH_MODE: &str = "AUTH_MODE";
/// Secret: static bearer tokens `subject:token,…`.
pub const SECRET_BEARER_TOKENS: &str = "AUTH_BEARER_TOKENS";
/// Secret: HS256 secrets `kid:secret,…`.
pub const SECRET_JWT_HS256_SECRETS: &str = "JWT_HS256_SECRETS";
/// RS256 public keys (PEM, concatenated).
pub const VAR_JWT_RS256_PUBLIC_KEYS: &str = "JWT_RS256_PUBLIC_KEYS";
/// Required JWT `iss`.
pub const VAR_JWT_ISSUER: &str = "JWT_ISSUER";
/// Required JWT `aud`.
pub const VAR_JWT_AUDIENCE: &str = "JWT_AUDIENCE";
/// JWT clock-skew leeway, seconds (default 60).
pub const VAR_JWT_LEEWAY_SECONDS: &str = "JWT_LEEWAY_SECONDS";
/// Longest accepted JWT lifetime, seconds (default 86400).
pub const VAR_JWT_MAX_LIFETIME_SECONDS: &str = "JWT_MAX_LIFETIME_SECONDS";
/// Largest upload, bytes (default 10485760).
pub const VAR_MAX_UPLOAD_BYTES: &str = "MAX_UPLOAD_BYTES";
/// Allowed content types (default `image/jpeg,image/png,image/gif,image/webp`).
pub const VAR_ALLOWED_CONTENT_TYPES: &str = "ALLOWED_CONTENT_TYPES";
/// Default grant lifetime, seconds (default 300).
pub const VAR_GRANT_TTL_SECONDS: &str = "GRANT_TTL_SECONDS";
/// Longest lifetime a request may ask for, seconds (default 3600).
pub const VAR_GRANT_MAX_TTL_SECONDS: &str = "GRANT_MAX_TTL_SECONDS";
/// Object key template (default `uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}`).
pub const VAR_KEY_TEMPLATE: &str = "KEY_TEMPLATE";
/// Multipart part size, bytes (default 8388608).
pub const VAR_MULTIPART_PART_SIZE: &str = "MULTIPART_PART_SIZE";
/// Browser origins allowed to call the API, comma-separated.
pub const VAR_CORS_ALLOWED_ORIGINS: &str = "CORS_ALLOWED_ORIGINS";
/// How long after a grant expires its upload may still finish, seconds (default from
/// `MAX_UPLOAD_BYTES`).
pub const VAR_UPLOAD_ALLOWANCE_SECONDS: &str = "UPLOAD_ALLOWANCE_SECONDS";
/// The callback Worker's recovery endpoint (default `CALLBACK_URL`'s origin + `/v1/recover`).
pub const VAR_RECOVER_URL: &str = "RECOVER_URL";

/// Every configuration variable and secret, in documentation order.
pub const CONFIG_VARS: [&str; 28] = [
    VAR_ENVIRONMENT,
    VAR_BUCKET,
    VAR_REGION,
    VAR_ENDPOINT,
    VAR_SIGNATURE_VERSION,
    SECRET_ACCESS_KEY_ID,
    SECRET_ACCESS_KEY_SECRET,
    SECRET_SESSION_TOKEN,
    VAR_CALLBACK_URL,
    SECRET_TICKET_KEYS,
    VAR_AUTH_MODE,
    SECRET_BEARER_TOKENS,
    SECRET_JWT_HS256_SECRETS,
    VAR_JWT_RS256_PUBLIC_KEYS,
    VAR_JWT_ISSUER,
    VAR_JWT_AUDIENCE,
    VAR_JWT_LEEWAY_SECONDS,
    VAR_JWT_MAX_LIFETIME_SECONDS,
    VAR_MAX_UPLOAD_BYTES,
    VAR_ALLOWED_CONTENT_TYPES,
    VAR_GRANT_TTL_SECONDS,
    VAR_GRANT_MAX_TTL_SECONDS,
    VAR_KEY_TEMPLATE,
    VAR_MULTIPART_PART_SIZE,
    VAR_CORS_ALLOWED_ORIGINS,
    VAR_UPLOAD_ALLOWANCE_SECONDS,
    VAR_RECOVER_URL,
    // Listed last: read by the adapter, not the core.
    VAR_DEBUG,
];

/// `true` to log each refused request's code and message (never secrets) with `console_log`.
pub const VAR_DEBUG: &str = "DEBUG";

/// The service name in logs and `/healthz`.
pub const SERVICE: &str = "oss-edge-signer";

/// `POST`: issue a grant.
pub const PATH_GRANTS: &str = "/v1/grants";
/// `GET`: the official browser-sample policy.
pub const PATH_POLICY: &str = "/v1/policy";
/// `GET`: liveness and configuration check.
pub const PATH_HEALTH: &str = "/healthz";
/// `GET`: the demo upload page, in local development only (404 elsewhere).
pub const PATH_DEMO: &str = "/";

pub mod config;
pub mod cors;
pub mod demo;
pub mod rejection;
pub mod route;

#[cfg(target_arch = "wasm32")]
mod edge;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{Context, Env, Request, Response, Result, event};

    /// Every HTTP request.
    #[event(fetch)]
    async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
        crate::edge::handle(request, env).await
    }
}
