//! The Worker glue (wasm32 only): everything that touches the runtime. Each function moves
//! bytes between the runtime and the pure modules; no decision about OSS is made here.

mod http;
mod queue;

use std::sync::OnceLock;

use worker::{Env, Request, Response, Result};

use crate::config::{Config, ConfigError};
use crate::dev::{
    DEV_CONSUMER_BINDING, FAIL_QUEUE_HEADER, forwards_to_consumer, injected_failures,
};
use crate::log::{Outcome, RequestLog};
use crate::pipeline::{Incoming, explain_mismatch, process};
use crate::rejection::Rejection;
use crate::route::{Route, path_of_target, route, target_of_url};
use crate::{QUEUE_BINDING, health};

/// The configuration, parsed on the isolate's first request. An isolate's variables and
/// secrets do not change while it lives (a new deployment or secret starts new isolates).
fn config(env: &Env) -> &'static std::result::Result<Config, ConfigError> {
    static CONFIG: OnceLock<std::result::Result<Config, ConfigError>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::from_lookup(&|name| oss_edge_worker_support::env::lookup(env, name))
    })
}

/// The text of a JS error: a string as is, else its `message`, else `fallback`.
fn js_error_text(error: &wasm_bindgen::JsValue, fallback: &str) -> String {
    error
        .as_string()
        .or_else(|| {
            js_sys::Reflect::get(error, &wasm_bindgen::JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| fallback.to_owned())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Handles one request and logs one line about it.
pub(crate) async fn handle(mut request: Request, env: Env) -> Result<Response> {
    let started = now_ms();
    let method = request.inner().method();
    let url = request.inner().url();
    let target = target_of_url(&url);
    let path = path_of_target(target);
    let config = config(&env);
    if let Ok(config) = config
        && forwards_to_consumer(config.environment, path)
    {
        // Local only, and not logged: the demo page polls it.
        return dev_consumer(request, &env).await;
    }
    let mut log = RequestLog::new(&method, path);

    let response = match route(&method, path) {
        Route::Health { head } => {
            let (status, body) = match config {
                Ok(config) => (200, health::health(config)),
                Err(error) => (500, health::unhealthy(error)),
            };
            log.outcome = Outcome::Health;
            log.status = status;
            http::json(status, body.to_string().into_bytes(), head, None)
        }
        Route::MethodNotAllowed { allow } => {
            reject(&mut log, Rejection::MethodNotAllowed { allow }, Some(allow))
        }
        Route::Callback => match config {
            Err(error) => reject(&mut log, Rejection::Misconfigured(error.clone()), None),
            Ok(config) => match callback(&mut request, &env, config, target, &mut log).await {
                Ok(reply) => {
                    log.outcome = Outcome::Accepted;
                    log.status = 200;
                    http::json(200, reply, false, None)
                }
                Err(rejection) => reject(&mut log, rejection, None),
            },
        },
    };
    // Whole milliseconds: formatting floats would pull ~15 KB of float printing into the Worker.
    log.latency_ms = (now_ms() - started).max(0.0) as u64;
    worker::console_log!("{}", log.to_line());
    response
}

/// Hands a development request to the consumer Worker (local only; `dev::DEV_PREFIX`).
async fn dev_consumer(request: Request, env: &Env) -> Result<Response> {
    match env.service(DEV_CONSUMER_BINDING) {
        Ok(consumer) => consumer.fetch_request(request).await,
        Err(_) => http::json(
            503,
            format!(
                r#"{{"error":"dev_consumer_unavailable","message":"no service binding {DEV_CONSUMER_BINDING}: run the consumer with scripts/dev"}}"#
            )
            .into_bytes(),
            false,
            None,
        ),
    }
}

fn reject(log: &mut RequestLog, rejection: Rejection, allow: Option<&str>) -> Result<Response> {
    log.status = rejection.status();
    log.outcome = Outcome::of_status(log.status);
    log.code = Some(rejection.code());
    log.message = Some(rejection.to_string());
    http::json(log.status, rejection.body(), false, allow)
}

/// The callback path: read, decide (pure), queue, reply body.
async fn callback(
    request: &mut Request,
    env: &Env,
    config: &Config,
    target: &str,
    log: &mut RequestLog,
) -> std::result::Result<Vec<u8>, Rejection> {
    let body = http::read_body(request, config.verify.max_body_bytes).await?;
    let headers = http::headers(request);
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let incoming = Incoming {
        target,
        headers: &header_refs,
        body: &body,
        now_unix: (now_ms() / 1000.0).floor() as i64,
    };
    if config.debug {
        log.body = Some(String::from_utf8_lossy(&body).into_owned());
    }
    let accepted = match process(config, &incoming) {
        Ok(accepted) => accepted,
        Err(rejection) => {
            if config.debug && rejection.code() == "signature_mismatch" {
                log.diagnosis = explain_mismatch(config, &incoming);
            }
            return Err(rejection);
        }
    };
    log.event_id = Some(accepted.event.id.clone());
    log.object = Some(accepted.event.object.key.clone());
    log.ticket_key_id = accepted.event.ticket.as_ref().map(|t| t.key_id.clone());

    let failures = injected_failures(
        config.environment,
        header_refs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(FAIL_QUEUE_HEADER))
            .map(|(_, v)| *v),
    );
    let queue = env
        .queue(QUEUE_BINDING)
        .map_err(|_| Rejection::QueueUnavailable {
            attempts: 0,
            last_error: format!("no queue binding {QUEUE_BINDING} (see wrangler.toml)"),
        })?;
    let attempts = queue::send_with_retry(&queue, &accepted.event_json, failures).await;
    log.queue_attempts = Some(match &attempts {
        Ok(n) => *n,
        Err(rejection) => match rejection {
            Rejection::QueueUnavailable { attempts, .. } => *attempts,
            _ => 0,
        },
    });
    attempts?;
    Ok(accepted.reply)
}
