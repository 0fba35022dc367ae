//! The development consumer. In the local environment it logs each event as one line
//! (`dev::EVENT_LINE_PREFIX` + JSON) for `scripts/events` and keeps the last ones for
//! `GET /__dev/events` (the demo page). Production configuration binds no
//! consumer to this Worker; if one is bound anyway, it retries every batch instead of
//! acknowledging it, so no event is ever silently consumed.

use std::sync::Mutex;

use worker::{Env, MessageBatch};

use crate::config::{Config, Environment};
use crate::dev::{EVENT_LINE_PREFIX, Recorder};

/// The events this isolate's consumer recorded (local only; `wrangler dev` runs the consumer
/// and the fetch handler in one isolate).
static RECORDED: Mutex<Recorder> = Mutex::new(Recorder::new());

/// The recorded events as a JSON array.
pub(crate) fn recorded_json() -> String {
    RECORDED
        .lock()
        .map_or_else(|_| "[]".to_owned(), |recorder| recorder.to_json())
}

/// Records (local) or refuses (anywhere else) one batch.
pub(crate) fn consume(batch: MessageBatch<serde_json::Value>, env: Env) {
    let local = matches!(
        super::config(&env),
        Ok(Config {
            environment: Environment::Local,
            ..
        })
    );
    if !local {
        worker::console_error!(
            "{}",
            serde_json::json!({
                "service": crate::SERVICE,
                "outcome": "failed",
                "code": "consumer_not_local",
                "message": "the development consumer only runs with OSS_EDGE_ENV=local; the batch is retried, not consumed",
            })
        );
        batch.retry_all();
        return;
    }
    for message in batch.raw_iter() {
        let json = js_sys::JSON::stringify(&message.body())
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".to_owned());
        worker::console_log!("{EVENT_LINE_PREFIX}{json}");
        if let Ok(mut recorder) = RECORDED.lock() {
            recorder.record(json);
        }
    }
    batch.ack_all();
}
