//! The Worker glue (wasm32 only): everything that touches the runtime. Each function moves
//! bytes between the runtime and the pure modules; no decision about OSS is made here.

mod confirm;
mod dev;
mod http;
mod queue;

use std::sync::OnceLock;

use worker::{Env, Request, Result};

pub(crate) use http::Reply;

use oss_edge_core::callback::READ_HEADERS;

use crate::config::{Config, ConfigError, Environment};
use crate::cors::{self, Cors};
use crate::dev::{
    FAIL_CONFIRM_HEADER, FAIL_QUEUE_HEADER, FAIL_SHARD_HEADER, InjectedFailures, dev_forward,
    failing_shard, injected_failures, queue_failures,
};
use crate::log::{Outcome, RequestLog};
use crate::pipeline::{
    Incoming, Pending, authenticate_callback, authenticate_recovery, conclude,
    confirmation_request, explain_mismatch,
};
use crate::rejection::Rejection;
use crate::retry::Deadline;
use crate::route::{ALLOW_RECOVER, Route, path_of_target, route, target_of_url};
use crate::{QUEUE_BINDING, health};

/// The configuration, parsed on the isolate's first request. An isolate's variables and
/// secrets do not change while it lives (a new deployment or secret starts new isolates).
fn config(env: &Env) -> &'static std::result::Result<Config, ConfigError> {
    static CONFIG: OnceLock<std::result::Result<Config, ConfigError>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::from_lookup(
            &|name| oss_edge_worker_support::env::lookup(env, name),
            &oss_edge_worker_support::bigint_rsa::BIGINT_RSA,
        )
    })
}

use oss_edge_worker_support::js::now_ms;

/// The request headers the core and this adapter read, owned, and borrowed as the core takes
/// them: [`oss_edge_core::callback::READ_HEADERS`], and locally the failure-injection headers.
/// Looked up by name rather than copied whole: iterating a request's headers costs about
/// three JS↔wasm crossings per header, a lookup one.
struct HeaderList {
    owned: Vec<(&'static str, String)>,
}

impl HeaderList {
    fn of(request: &Request, environment: Environment) -> Self {
        let dev: &[&'static str] = match environment {
            Environment::Local => &[FAIL_CONFIRM_HEADER, FAIL_QUEUE_HEADER, FAIL_SHARD_HEADER],
            Environment::Production => &[],
        };
        Self {
            owned: http::named_headers(request, READ_HEADERS.iter().chain(dev)),
        }
    }

    fn refs(&self) -> Vec<(&str, &str)> {
        self.owned.iter().map(|(n, v)| (*n, v.as_str())).collect()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.owned
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Handles one request and logs one line about it.
pub(crate) async fn handle(mut request: Request, env: Env) -> Result<Reply> {
    let started = now_ms();
    let deadline = Deadline::for_request(started);
    let method = request.inner().method();
    let url = request.inner().url();
    let target = target_of_url(&url);
    let path = path_of_target(target);
    let config = config(&env);
    let environment = match config {
        Ok(config) => Some(config.environment),
        // A configuration that fails still says where it runs: locally, the consumer's and the
        // reconciler's routes stay reachable while this Worker answers 500.
        Err(_) => {
            Environment::from_lookup(&|name| oss_edge_worker_support::env::lookup(&env, name)).ok()
        }
    };
    if let Some(forward) = environment.and_then(|environment| dev_forward(environment, path)) {
        // Local only, and not logged here: the demo page polls the consumer's routes, and the
        // reconciler logs its own requests.
        return dev::forward(forward, request, &env).await;
    }
    let mut log = RequestLog::new(&method, path);

    let response = match (route(&method, path), config) {
        (Route::Health { head }, config) => {
            let (status, body) = match config {
                Ok(config) => (200, health::health(config)),
                Err(error) => (500, health::unhealthy(error)),
            };
            log.outcome = Outcome::Health;
            log.status = status;
            http::json(status, body.to_string().into_bytes(), head, None)
        }
        (Route::MethodNotAllowed { allow }, _) => reject(
            &mut log,
            Rejection::MethodNotAllowed { allow },
            Some(allow),
            &[],
        ),
        (Route::Reconcile, _) => reject(&mut log, Rejection::ReconcileElsewhere, None, &[]),
        (Route::Callback | Route::Recover | Route::RecoverPreflight, Err(error)) => {
            reject(&mut log, Rejection::Misconfigured(error.clone()), None, &[])
        }
        (Route::RecoverPreflight, Ok(config)) => {
            let origin = request.headers().get("origin").ok().flatten();
            match cors::check(config, origin.as_deref(), true) {
                Cors::Allowed(headers) => {
                    log.outcome = Outcome::Health;
                    log.status = 204;
                    http::json_with(204, Vec::new(), true, Some(ALLOW_RECOVER), &headers)
                }
                Cors::NotCors | Cors::Refused => {
                    reject(&mut log, Rejection::OriginNotAllowed, None, &[])
                }
            }
        }
        (Route::Recover, Ok(config)) => {
            let origin = request.headers().get("origin").ok().flatten();
            match cors::check(config, origin.as_deref(), false) {
                Cors::Refused => reject(&mut log, Rejection::OriginNotAllowed, None, &[]),
                verdict => {
                    let headers = match verdict {
                        Cors::Allowed(headers) => headers,
                        _ => Vec::new(),
                    };
                    let arrival = Arrival {
                        inbound: Inbound::Recovery,
                        target,
                        deadline: &deadline,
                    };
                    answer(arrival, &mut request, &env, config, &mut log, &headers).await
                }
            }
        }
        (Route::Callback, Ok(config)) => {
            let arrival = Arrival {
                inbound: Inbound::Callback,
                target,
                deadline: &deadline,
            };
            answer(arrival, &mut request, &env, config, &mut log, &[]).await
        }
    };
    // Whole milliseconds: formatting floats would pull ~15 KB of float printing into the Worker.
    log.latency_ms = (now_ms() - started).max(0.0) as u64;
    worker::console_log!("{}", log.to_line());
    response
}

fn accept(log: &mut RequestLog, reply: Vec<u8>, extra: &[(&str, String)]) -> Result<Reply> {
    log.outcome = Outcome::Accepted;
    log.status = 200;
    http::json_with(200, reply, false, None, extra)
}

fn reject(
    log: &mut RequestLog,
    rejection: Rejection,
    allow: Option<&str>,
    extra: &[(&str, String)],
) -> Result<Reply> {
    log.status = rejection.status();
    log.outcome = Outcome::of_status(log.status);
    log.code = Some(rejection.code());
    log.message = Some(rejection.to_string());
    http::json_with(log.status, rejection.body(), false, allow, extra)
}

fn failures(config: &Config, headers: &HeaderList, header: &str) -> InjectedFailures {
    injected_failures(config.environment, headers.get(header))
}

/// Which inbound path a request takes: both read, authenticate (pure), confirm and queue.
#[derive(Clone, Copy)]
enum Inbound {
    /// OSS's callback: the signature, then the ticket.
    Callback,
    /// `POST /v1/recover`: the ticket alone.
    Recovery,
}

/// An inbound request as it arrived: which path, its raw target, its reply deadline.
struct Arrival<'a> {
    inbound: Inbound,
    target: &'a str,
    deadline: &'a Deadline,
}

/// [`take_inbound`], answered: 200 with the reply, or the rejection; `extra` headers (CORS)
/// on either.
async fn answer(
    Arrival {
        inbound,
        target,
        deadline,
    }: Arrival<'_>,
    request: &mut Request,
    env: &Env,
    config: &Config,
    log: &mut RequestLog,
    extra: &[(&str, String)],
) -> Result<Reply> {
    match take_inbound(inbound, request, env, config, target, deadline, log).await {
        Ok(reply) => accept(log, reply, extra),
        Err(rejection) => reject(log, rejection, None, extra),
    }
}

/// Reads the request, authenticates it the way `inbound` says (pure), then confirms and
/// queues; the reply body.
async fn take_inbound(
    inbound: Inbound,
    request: &mut Request,
    env: &Env,
    config: &Config,
    target: &str,
    deadline: &Deadline,
    log: &mut RequestLog,
) -> std::result::Result<Vec<u8>, Rejection> {
    let body = http::read_body(request, config.verify.max_body_bytes).await?;
    let headers = HeaderList::of(request, config.environment);
    let header_refs = headers.refs();
    let incoming = Incoming {
        target,
        headers: &header_refs,
        body: &body,
        now_unix: (now_ms() / 1000.0).floor() as i64,
    };
    let pending = match inbound {
        Inbound::Recovery => authenticate_recovery(config, &incoming)?,
        Inbound::Callback => {
            if config.debug {
                log.body = Some(String::from_utf8_lossy(&body).into_owned());
            }
            authenticate_callback(config, &incoming).inspect_err(|rejection| {
                if config.debug && rejection.code() == "signature_mismatch" {
                    log.diagnosis = explain_mismatch(config, &incoming);
                }
            })?
        }
    };
    deliver(
        config,
        env,
        pending,
        &headers,
        incoming.now_unix,
        deadline,
        log,
    )
    .await
}

/// Shared by both paths: confirm `pending` in the bucket, build the event, queue it.
async fn deliver(
    config: &Config,
    env: &Env,
    pending: Pending,
    headers: &HeaderList,
    now_unix: i64,
    deadline: &Deadline,
    log: &mut RequestLog,
) -> std::result::Result<Vec<u8>, Rejection> {
    log.object = Some(pending.key.clone());
    log.ticket_key_id = pending.ticket.as_ref().map(|t| t.key_id.clone());
    let facts = match confirmation_request(config, &pending, now_unix)? {
        None => None,
        Some(outbound) => {
            let injected = failures(config, headers, FAIL_CONFIRM_HEADER);
            let (result, attempts) =
                confirm::confirm(config, &pending, &outbound, deadline, injected).await;
            log.confirm_attempts = Some(attempts);
            Some(result.map_err(Rejection::Confirm)?)
        }
    };
    let accepted = conclude(config, pending, facts, now_unix)?;
    log.event_id = Some(accepted.event.id.clone());
    log.confirmed = Some(accepted.event.confirmed);

    let queues = oss_edge_worker_support::shard::queues(env);
    if queues.is_empty() {
        return Err(Rejection::QueueUnavailable {
            attempts: 0,
            last_error: format!("no queue binding {QUEUE_BINDING} (see wrangler.toml)"),
        });
    }
    let injected = queue_failures(
        config.environment,
        headers.get(FAIL_QUEUE_HEADER),
        config.dev_fail_queue,
    );
    let failing = failing_shard(config.environment, headers.get(FAIL_SHARD_HEADER));
    let sent = queue::send_with_retry(
        &queues,
        &accepted.event.id,
        &accepted.event_json,
        injected,
        failing,
        deadline,
    )
    .await;
    log.queue_attempts = Some(match &sent {
        Ok((n, _)) => *n,
        Err(Rejection::QueueUnavailable { attempts, .. }) => *attempts,
        Err(_) => 0,
    });
    log.queue_shard = sent.as_ref().ok().map(|(_, shard)| *shard as u32);
    sent?;
    Ok(accepted.reply)
}
