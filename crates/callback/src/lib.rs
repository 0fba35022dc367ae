//! # oss-edge-callback
//!
//! The Cloudflare Worker OSS calls after each upload. A thin adapter over `oss-edge-core`:
//! it reads the raw request, lets the core verify OSS's signature, parse the body into an
//! upload event and check the upload ticket, puts the event on a Queue, and answers OSS with
//! JSON. It answers 200 only once the event is on the queue (DESIGN.md, "No silent loss").
//!
//! Configuration and deployment: `docs/callback-worker.md`. Layout, one concern per module:
//!
//! - [`config`]: environment variables and secrets → [`config::Config`], checked once;
//!   [`environment`]: `OSS_EDGE_ENV` alone.
//! - [`route`]: the raw request target and routing (`POST` callbacks, `GET /healthz`).
//! - [`pipeline`]: the callback decision (core calls in order), without IO.
//! - [`reply`]: the 200 body from `REPLY_TEMPLATE`, within OSS's reply contract.
//! - [`rejection`]: error codes and the one code → status table.
//! - [`retry`]: the queue backoff schedule inside OSS's 5-second budget.
//! - [`log`], [`health`]: the per-request log line and `/healthz`.
//! - [`dev`]: local-only behaviour (development routes handed to the consumer and reconciler
//!   Workers, queue failure injection).
//!
//! Reconciliation (listing the buckets for uploads whose callback failed) is a Worker of its
//! own, `crates/reconciler`: it needs listing credentials and a Cron Trigger, and none of its
//! code belongs on the callback path.
//! - `edge` (wasm32 only): the Worker glue — request and response, `Env`, the queue.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Queue producer binding the events are sent to (`[[queues.producers]] binding`); further
/// shards are `UPLOAD_EVENTS_1`, `UPLOAD_EVENTS_2`, … (`oss_edge_worker_support::shard`).
pub const QUEUE_BINDING: &str = oss_edge_worker_support::shard::FIRST_BINDING;

/// `true` (default) or `false`: whether callbacks without an upload ticket are refused.
pub const VAR_REQUIRE_TICKET: &str = "REQUIRE_TICKET";
/// Secret: ticket HMAC keys, `kid:secret,kid2:secret2`.
pub const VAR_TICKET_KEYS: &str = "TICKET_KEYS";
/// Extra trusted callback keys: JSON `[{"url": …, "pem": …}]`.
pub const VAR_TRUSTED_KEYS: &str = "TRUSTED_KEYS";
/// Largest accepted callback body in bytes (default 65536).
pub const VAR_MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
/// Comma-separated raw path prefixes callbacks may arrive on (default: any path).
pub const VAR_ALLOWED_PATH_PREFIXES: &str = "ALLOWED_PATH_PREFIXES";
/// JSON template of the 200 reply body.
pub const VAR_REPLY_TEMPLATE: &str = "REPLY_TEMPLATE";
/// `true` to log bodies and signature-mismatch diagnoses.
pub const VAR_DEBUG: &str = "DEBUG";
/// `production` (default) or `local`; set to `local` only by `[env.local]` in `wrangler.toml`.
pub const VAR_ENVIRONMENT: &str = "OSS_EDGE_ENV";
/// The buckets uploads are confirmed in: JSON, as `oss_edge_core::confirm::Buckets::parse_json`.
pub const VAR_BUCKETS: &str = "BUCKETS";
/// `true` (default) or `false`: whether every upload is confirmed with a HeadObject first.
pub const VAR_CONFIRM_OBJECTS: &str = "CONFIRM_OBJECTS";
/// Secret: the AccessKey id of the read-only confirmation credentials.
pub const VAR_CONFIRM_ACCESS_KEY_ID: &str = "CONFIRM_ACCESS_KEY_ID";
/// Secret: the AccessKey secret of the confirmation credentials.
pub const VAR_CONFIRM_ACCESS_KEY_SECRET: &str = "CONFIRM_ACCESS_KEY_SECRET";
/// Secret, optional: an STS security token for the confirmation credentials.
pub const VAR_CONFIRM_SECURITY_TOKEN: &str = "CONFIRM_SECURITY_TOKEN";
/// Comma-separated origins browsers may call `POST /v1/recover` from (`*`: any).
pub const VAR_CORS_ALLOWED_ORIGINS: &str = "CORS_ALLOWED_ORIGINS";

/// Every configuration variable, in documentation order.
pub const CONFIG_VARS: [&str; 14] = [
    VAR_REQUIRE_TICKET,
    VAR_TICKET_KEYS,
    VAR_CONFIRM_OBJECTS,
    VAR_BUCKETS,
    VAR_CONFIRM_ACCESS_KEY_ID,
    VAR_CONFIRM_ACCESS_KEY_SECRET,
    VAR_CONFIRM_SECURITY_TOKEN,
    VAR_TRUSTED_KEYS,
    VAR_MAX_BODY_BYTES,
    VAR_ALLOWED_PATH_PREFIXES,
    VAR_REPLY_TEMPLATE,
    VAR_CORS_ALLOWED_ORIGINS,
    VAR_DEBUG,
    VAR_ENVIRONMENT,
];

/// The service name in logs and `/healthz`.
pub const SERVICE: &str = "oss-edge-callback";

pub mod config;
pub mod cors;
pub mod dev;
pub mod environment;
pub mod health;
pub mod log;
pub mod pipeline;
pub mod rejection;
pub mod reply;
pub mod retry;
pub mod route;
pub mod ticket_steps;

#[cfg(target_arch = "wasm32")]
mod edge;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{Context, Env, Request, Result, event};

    /// OSS's callback (and `/healthz`).
    #[event(fetch)]
    async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<crate::edge::Reply> {
        crate::edge::handle(request, env).await
    }
}
