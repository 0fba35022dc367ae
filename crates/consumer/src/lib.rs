//! # oss-edge-consumer
//!
//! The Cloudflare Queue consumer for the callback Worker's upload events: it stores each
//! event in D1 by its `id`, one row per stored object however often the event arrives
//! (callback, client recovery, reconciliation, queue redelivery), acknowledges each message
//! on its own, retries what D1 did not take with a growing delay, and sends what can never be
//! stored to the dead-letter queue. It reads every shard queue (`oss-edge-upload-events`,
//! `oss-edge-upload-events-1`, …) the same way.
//!
//! It is the template for your own processing: replace the storage step in `edge/store.rs`.
//! Deployment, the table, the guarantees: `docs/consumer.md`. Layout, one concern per module:
//!
//! - [`config`]: environment variables → [`config::Config`], checked once.
//! - [`event`]: one message → the stored columns, or why it can never be stored.
//! - [`retry`]: the backoff schedule.
//! - [`sql`]: the statements and their parameters (the tables are in `migrations/`).
//! - [`dead_letter`]: what a message on the dead-letter queue is.
//! - [`dev`]: the local-only routes (`/__dev/…`) for the demo page, `scripts/events` and tests.
//! - [`log`]: the log lines.
//! - `edge` (wasm32 only): the Worker glue — the queue handler, D1, the dead-letter queue.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// D1 database binding (`[[d1_databases]] binding`).
pub const DB_BINDING: &str = "EVENTS_DB";
/// Queue producer binding for the dead-letter queue (`[[queues.producers]] binding`): messages
/// that can never be stored are sent there at once instead of being retried.
pub const DEAD_LETTERS_BINDING: &str = "DEAD_LETTERS";
/// The callback Worker's queue bindings are `UPLOAD_EVENTS`, `UPLOAD_EVENTS_1`, …; the
/// consumer binds them as producers only in its local environment (`POST /__dev/enqueue`).
pub const SHARD_BINDING: &str = "UPLOAD_EVENTS";

/// `production` (default) or `local`; set to `local` only by `[env.local]` in `wrangler.toml`.
pub const VAR_ENVIRONMENT: &str = "OSS_EDGE_ENV";
/// The dead-letter queue's name (default [`DEFAULT_DEAD_LETTER_QUEUE`]); must equal the
/// `dead_letter_queue` of every `[[queues.consumers]]` entry.
pub const VAR_DEAD_LETTER_QUEUE: &str = "DEAD_LETTER_QUEUE";
/// Seconds before the first retry of a message D1 did not store (default 30).
pub const VAR_RETRY_BASE_SECONDS: &str = "RETRY_BASE_SECONDS";
/// The longest retry delay, seconds (default 3600, at most 43200).
pub const VAR_RETRY_MAX_SECONDS: &str = "RETRY_MAX_SECONDS";

/// Every configuration variable, in documentation order.
pub const CONFIG_VARS: [&str; 4] = [
    VAR_DEAD_LETTER_QUEUE,
    VAR_RETRY_BASE_SECONDS,
    VAR_RETRY_MAX_SECONDS,
    VAR_ENVIRONMENT,
];

/// `DEAD_LETTER_QUEUE` when unset.
pub const DEFAULT_DEAD_LETTER_QUEUE: &str = "oss-edge-upload-events-dlq";

/// The service name in logs.
pub const SERVICE: &str = "oss-edge-consumer";

pub mod config;
pub mod dead_letter;
pub mod dev;
pub mod event;
pub mod log;
pub mod retry;
pub mod sql;

#[cfg(target_arch = "wasm32")]
mod edge;

#[cfg(target_arch = "wasm32")]
mod entry {
    use wasm_bindgen::JsValue;
    use wasm_bindgen::prelude::wasm_bindgen;
    use worker::{Context, Env, Request, Response, Result, event};

    /// The development routes (local only; everything else is 404).
    #[event(fetch)]
    async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
        crate::edge::fetch(request, env).await
    }

    /// The queue handler, exported by hand rather than with `#[event(queue)]`: the `worker`
    /// crate's message type does not expose `attempts`, which the backoff needs. The async
    /// glue is `worker`'s own re-export of wasm-bindgen-futures, as `#[event]` uses.
    #[wasm_bindgen(wasm_bindgen_futures = ::worker::wasm_bindgen_futures)]
    pub async fn queue(
        batch: JsValue,
        env: Env,
        _ctx: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        crate::edge::consume(batch, env).await;
        Ok(JsValue::UNDEFINED)
    }
}
