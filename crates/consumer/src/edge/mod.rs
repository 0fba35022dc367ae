//! The Worker glue (wasm32 only): the queue handler, the development routes, D1 and the
//! dead-letter queue. Each function moves values between the runtime and the pure modules.

mod dev;
mod message;
mod queue;
mod store;

use std::sync::OnceLock;

use wasm_bindgen::{JsCast as _, JsValue};
use worker::{D1Database, Env};

use crate::config::{Config, ConfigError};
use crate::dead_letter::DeadLetter;
use crate::event::{self, Invalid, StoredEvent};
use crate::log::{BatchLog, MessageOutcome, message_line};
use crate::retry::Backoff;
use crate::sql;
use crate::{DB_BINDING, DEAD_LETTERS_BINDING};
use message::{Batch, QueueMessage, body_text, messages_of};
use store::Stored;

pub(crate) use dev::fetch;

/// The configuration, parsed on the isolate's first batch or request.
fn config(env: &Env) -> &'static std::result::Result<Config, ConfigError> {
    static CONFIG: OnceLock<std::result::Result<Config, ConfigError>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::from_lookup(&|name| oss_edge_worker_support::env::lookup(env, name))
    })
}

use oss_edge_worker_support::js::error_text as js_error_text;

/// Now, RFC 3339 with milliseconds.
fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// One batch from any of the queues this Worker consumes.
pub(crate) async fn consume(batch: JsValue, env: Env) {
    let batch: Batch = batch.unchecked_into();
    let messages = messages_of(&batch);
    let mut log = BatchLog {
        queue: batch.queue(),
        messages: messages.len() as u32,
        ..BatchLog::default()
    };
    let setup = match config(&env) {
        Ok(config) => env.d1(DB_BINDING).map(|db| (config, db)).map_err(|_| {
            (
                "no_database",
                format!("no D1 binding {DB_BINDING} (see crates/consumer/wrangler.toml)"),
            )
        }),
        Err(error) => Err((error.code(), error.to_string())),
    };
    match setup {
        // Nothing is acknowledged without a working setup: every message is retried (and, if
        // that goes on, dead-lettered by the queue), never dropped.
        Err((code, message)) => {
            let backoff = Backoff::default();
            for m in &messages {
                retry(&log.queue, m, backoff, code, &message);
            }
            log.retried = log.messages;
        }
        Ok((config, db)) if log.queue == config.dead_letter_queue => {
            record_dead_letters(&db, config, &messages, &mut log).await;
        }
        Ok((config, db)) => store_events(&env, &db, config, &messages, &mut log).await,
    }
    worker::console_log!("{}", log.to_line());
}

fn retry(queue: &str, m: &QueueMessage, backoff: Backoff, code: &str, message: &str) {
    let attempts = m.attempts();
    let delay_seconds = backoff.delay_seconds(attempts);
    m.retry(delay_seconds);
    worker::console_warn!(
        "{}",
        message_line(
            queue,
            &m.id(),
            attempts,
            MessageOutcome::Retry { delay_seconds },
            code,
            message
        )
    );
}

/// The message's text, or why it has none.
fn text_of(m: &QueueMessage) -> std::result::Result<String, Invalid> {
    body_text(&m.body()).ok_or_else(|| Invalid::NotJson {
        reason: "the message body has no text form".to_owned(),
    })
}

/// A batch of events: store the valid ones, dead-letter the ones that can never be stored.
async fn store_events(
    env: &Env,
    db: &D1Database,
    config: &Config,
    messages: &[QueueMessage],
    log: &mut BatchLog,
) {
    let mut valid: Vec<(&QueueMessage, StoredEvent)> = Vec::with_capacity(messages.len());
    for m in messages {
        match text_of(m).and_then(|text| event::read(&text)) {
            Ok(event) => valid.push((m, event)),
            Err(invalid) => dead_letter_now(env, config, m, &invalid, log).await,
        }
    }
    let events: Vec<&StoredEvent> = valid.iter().map(|(_, e)| e).collect();
    let answers = store::store(db, &events, &now_rfc3339()).await;
    for ((m, _), answer) in valid.iter().zip(answers) {
        match answer {
            Ok(Stored::First) => {
                m.ack();
                log.stored += 1;
            }
            Ok(Stored::Again { .. }) => {
                m.ack();
                log.duplicates += 1;
            }
            Err(error) => {
                retry(
                    &log.queue,
                    m,
                    config.backoff,
                    crate::dead_letter::STORE_FAILED,
                    &error,
                );
                log.retried += 1;
            }
        }
    }
}

/// A message that can never be stored goes to the dead-letter queue now: retrying cannot
/// change it. It is acknowledged only once the dead-letter queue has it; if that fails it is
/// retried, and after its retries the queue moves it there itself.
async fn dead_letter_now(
    env: &Env,
    config: &Config,
    m: &QueueMessage,
    invalid: &Invalid,
    log: &mut BatchLog,
) {
    let text = body_text(&m.body()).unwrap_or_default();
    match queue::send(env, DEAD_LETTERS_BINDING, &JsValue::from_str(&text), "text").await {
        Ok(()) => {
            m.ack();
            log.dead_lettered += 1;
            worker::console_error!(
                "{}",
                message_line(
                    &log.queue,
                    &m.id(),
                    m.attempts(),
                    MessageOutcome::DeadLettered,
                    invalid.code(),
                    &invalid.to_string()
                )
            );
        }
        Err(error) => {
            let message = format!("{invalid}; sending it to the dead-letter queue failed: {error}");
            retry(&log.queue, m, config.backoff, invalid.code(), &message);
            log.retried += 1;
        }
    }
}

/// A batch from the dead-letter queue: a valid event gets one more try at being stored (D1
/// may be back); everything else is recorded in `dead_letters` with its reason.
async fn record_dead_letters(
    db: &D1Database,
    config: &Config,
    messages: &[QueueMessage],
    log: &mut BatchLog,
) {
    let now = now_rfc3339();
    for m in messages {
        let text = body_text(&m.body());
        let letter = match &text {
            Some(text) => DeadLetter::read(text),
            None => DeadLetter::Invalid {
                reason: "not_json",
                event_id: None,
            },
        };
        if let DeadLetter::Unstored(event) = &letter
            && let Some(Ok(stored)) = store::store(db, &[event], &now).await.pop()
        {
            m.ack();
            match stored {
                Stored::First => log.stored += 1,
                Stored::Again { .. } => log.duplicates += 1,
            }
            continue;
        }
        let params = sql::dead_letter_params(
            &m.id(),
            letter.reason(),
            letter.event_id(),
            text.as_deref().unwrap_or(""),
            &now,
        );
        let recorded = match store::bind(db, sql::UPSERT_DEAD_LETTER, &params) {
            Ok(statement) => statement.run().await.map(|_| ()).map_err(store::error_text),
            Err(e) => Err(e),
        };
        match recorded {
            Ok(()) => {
                m.ack();
                log.recorded += 1;
            }
            Err(error) => {
                retry(
                    &log.queue,
                    m,
                    config.backoff,
                    "dead_letter_not_recorded",
                    &error,
                );
                log.retried += 1;
            }
        }
    }
}
