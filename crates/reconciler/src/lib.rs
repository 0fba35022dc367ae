//! # oss-edge-reconciler
//!
//! The Worker that brings back uploads whose callback failed (`docs/reconcile.md`). OSS calls
//! the callback once and never retries (spec §1.1): when the callback Worker is down or the
//! queue refuses, the object is stored and its event is lost. A run of this Worker lists each
//! configured bucket under the key template's daily prefixes (`oss_edge_core::reconcile`) and
//! queues one event per object with the id a callback would have produced
//! (`docs/events.md`), so consumers that de-duplicate by id store each object once however
//! often it is sent.
//!
//! It is a Worker of its own, not a route of the callback Worker: it needs listing
//! credentials and a Cron Trigger, and its listing, XML and batching code would otherwise sit
//! in every callback's isolate.
//!
//! Configuration and deployment: `docs/reconcile.md`. Layout, one concern per module:
//!
//! - [`config`]: environment variables and secrets → [`config::Config`], checked once.
//! - [`route`]: `POST /v1/reconcile`, `GET /healthz`.
//! - [`auth`]: the bearer token.
//! - [`request`]: the call's body and where a continued run resumes.
//! - [`refusal`]: why a call is refused, with its status.
//! - [`budget`]: the subrequests a run may make.
//! - [`summary`]: what a run did: the reply and the log line.
//! - [`health`]: the `/healthz` body.
//! - `edge` (wasm32 only): the Worker glue — the listing requests, HeadObjects, queue batches.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Secret: the bearer token of `POST /v1/reconcile`; unset, the endpoint answers 404 (the
/// Cron Trigger still runs).
pub const VAR_RECONCILE_TOKEN: &str = "RECONCILE_TOKEN";
/// Days listed by the Cron Trigger, and by a call that does not say (default
/// [`config::DEFAULT_DAYS`]).
pub const VAR_RECONCILE_DAYS: &str = "RECONCILE_DAYS";
/// Most subrequests (listing pages, HeadObjects, queue batches) one run makes (default
/// [`config::DEFAULT_MAX_SUBREQUESTS`]).
pub const VAR_RECONCILE_MAX_SUBREQUESTS: &str = "RECONCILE_MAX_SUBREQUESTS";
/// The signer's key template (the same value; default
/// [`oss_edge_core::grant::key::DEFAULT_KEY_TEMPLATE`]).
pub const VAR_KEY_TEMPLATE: &str = "KEY_TEMPLATE";
/// The buckets to list: JSON, as `oss_edge_core::confirm::Buckets::parse_json` (the callback
/// Worker's value).
pub const VAR_BUCKETS: &str = "BUCKETS";
/// Secret: the AccessKey id of the listing credentials (ListObjects and HeadObject only).
pub const VAR_RECONCILE_ACCESS_KEY_ID: &str = "RECONCILE_ACCESS_KEY_ID";
/// Secret: the AccessKey secret of the listing credentials.
pub const VAR_RECONCILE_ACCESS_KEY_SECRET: &str = "RECONCILE_ACCESS_KEY_SECRET";
/// Secret, optional: an STS security token for the listing credentials.
pub const VAR_RECONCILE_SECURITY_TOKEN: &str = "RECONCILE_SECURITY_TOKEN";

/// Every configuration variable, in documentation order.
pub const CONFIG_VARS: [&str; 8] = [
    VAR_BUCKETS,
    VAR_RECONCILE_ACCESS_KEY_ID,
    VAR_RECONCILE_ACCESS_KEY_SECRET,
    VAR_RECONCILE_SECURITY_TOKEN,
    VAR_RECONCILE_TOKEN,
    VAR_RECONCILE_DAYS,
    VAR_RECONCILE_MAX_SUBREQUESTS,
    VAR_KEY_TEMPLATE,
];

/// The service name in logs and `/healthz`.
pub const SERVICE: &str = "oss-edge-reconciler";

/// Queue producer binding the events are sent to, as the callback Worker's; further shards
/// are `UPLOAD_EVENTS_1`, … (`oss_edge_worker_support::shard`).
pub const QUEUE_BINDING: &str = oss_edge_worker_support::shard::FIRST_BINDING;

pub mod auth;
pub mod budget;
pub mod config;
pub mod health;
pub mod refusal;
pub mod request;
pub mod route;
pub mod summary;

#[cfg(target_arch = "wasm32")]
mod edge;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{Context, Env, Request, Result, ScheduleContext, ScheduledEvent, event};

    /// `POST /v1/reconcile` and `/healthz`.
    #[event(fetch)]
    async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<crate::edge::Reply> {
        crate::edge::handle(request, env).await
    }

    /// A Cron Trigger: one run over `RECONCILE_DAYS` (docs/reconcile.md, "The cron").
    #[event(scheduled)]
    async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
        crate::edge::scheduled(&event.cron(), env).await
    }
}
