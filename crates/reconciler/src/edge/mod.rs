//! The Worker glue (wasm32 only): the request and the Cron Trigger in, one log line out.
//! Decisions are the pure modules'; [`run`] does the run's IO.

mod run;

use std::sync::OnceLock;

use oss_edge_worker_support::http::{self, BodyError};
use oss_edge_worker_support::js::{now_ms, now_s};
use serde_json::json;
use worker::{Env, Request, Result};

pub(crate) use oss_edge_worker_support::http::Reply;

use crate::SERVICE;
use crate::auth::authorize;
use crate::config::{Config, ConfigError};
use crate::health;
use crate::refusal::Refusal;
use crate::request::{MAX_REQUEST_BYTES, ReconcileRequest, parse_request};
use crate::route::{Route, path_of_url, route};
use crate::summary::Summary;

/// The configuration, parsed on the isolate's first use. An isolate's variables and secrets
/// do not change while it lives (a new deployment or secret starts new isolates).
fn config(env: &Env) -> &'static std::result::Result<Config, ConfigError> {
    static CONFIG: OnceLock<std::result::Result<Config, ConfigError>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::from_lookup(&|name| oss_edge_worker_support::env::lookup(env, name))
    })
}

/// One request's log line: what was asked, how it ended.
struct RequestLog {
    method: String,
    path: String,
    status: u16,
    code: Option<&'static str>,
    message: Option<String>,
    summary: Option<serde_json::Value>,
}

impl RequestLog {
    fn line(&self, latency_ms: u64) -> String {
        json!({
            "service": SERVICE,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "summary": self.summary,
            "latency_ms": latency_ms,
        })
        .to_string()
    }
}

/// Handles one request and logs one line about it.
pub(crate) async fn handle(mut request: Request, env: Env) -> Result<Reply> {
    let started = now_ms();
    let method = request.inner().method();
    let url = request.inner().url();
    let mut log = RequestLog {
        method: method.clone(),
        path: path_of_url(&url).to_owned(),
        status: 0,
        code: None,
        message: None,
        summary: None,
    };
    let reply = match route(&method, &log.path) {
        Route::Health { head } => {
            let (status, body) = match config(&env) {
                Ok(config) => (200, health::health(config)),
                Err(error) => (500, health::unhealthy(error)),
            };
            log.status = status;
            http::json(status, body.to_string().into_bytes(), head, None, &[])
        }
        Route::MethodNotAllowed { allow } => {
            log.status = 405;
            log.code = Some("method_not_allowed");
            let body = json!({ "error": "method_not_allowed", "message": format!("use {allow}") });
            http::json(405, body.to_string().into_bytes(), false, Some(allow), &[])
        }
        Route::NotFound => {
            log.status = 404;
            log.code = Some("not_found");
            let body = json!({
                "error": "not_found",
                "message": "this is the oss-edge reconciler: POST /v1/reconcile, GET /healthz \
                            (OSS's callbacks go to the callback Worker)",
            });
            http::json(404, body.to_string().into_bytes(), false, None, &[])
        }
        Route::Reconcile => match reconcile(&mut request, &env).await {
            Ok(summary) => {
                log.status = summary.status();
                if let Some(error) = &summary.error {
                    log.code = Some(error.code);
                    log.message = Some(error.message.clone());
                }
                let reply = summary.to_json();
                log.summary = Some(without_ids(reply.clone()));
                http::json(log.status, reply.to_string().into_bytes(), false, None, &[])
            }
            Err(refusal) => {
                log.status = refusal.status();
                log.code = Some(refusal.code());
                log.message = Some(refusal.to_string());
                let challenge = [("www-authenticate", "Bearer".to_owned())];
                let extra: &[(&str, String)] = if refusal == Refusal::Unauthorized {
                    &challenge
                } else {
                    &[]
                };
                http::json(log.status, refusal.body(), false, None, extra)
            }
        },
    };
    worker::console_log!("{}", log.line((now_ms() - started).max(0.0) as u64));
    reply
}

/// `POST /v1/reconcile`: the token, the body, then the run.
async fn reconcile(request: &mut Request, env: &Env) -> std::result::Result<Summary, Refusal> {
    let config = config(env)
        .as_ref()
        .map_err(|e| Refusal::Misconfigured(e.to_string()))?;
    // The token first: nothing about the run is revealed to a caller without it.
    let authorization = request.headers().get("authorization").ok().flatten();
    authorize(config, authorization.as_deref())?;
    let body = http::read_body(request, MAX_REQUEST_BYTES)
        .await
        .map_err(|error| {
            Refusal::BodyInvalid(match error {
                BodyError::TooLarge { limit } => format!("over {limit} bytes"),
                BodyError::Unreadable(why) => format!("unreadable: {why}"),
            })
        })?;
    let run_request = parse_request(&body, config.days)?;
    let clock = now_s();
    if let Some(position) = &run_request.resume {
        position.check(&config.buckets, &config.template, run_request.days, clock)?;
    }
    Ok(run::run(env, config, &run_request, clock).await)
}

/// The Cron Trigger (schedule `cron`): a run over `RECONCILE_DAYS`, logged as one line.
pub(crate) async fn scheduled(cron: &str, env: Env) {
    match config(&env) {
        Ok(config) => {
            let request = ReconcileRequest {
                days: config.days,
                dry_run: false,
                resume: None,
            };
            let summary = run::run(&env, config, &request, now_s()).await;
            let line = json!({
                "service": SERVICE, "cron": cron, "status": summary.status(),
                "summary": without_ids(summary.to_json()),
            });
            if summary.error.is_some() {
                worker::console_error!("{line}");
            } else {
                worker::console_log!("{line}");
            }
        }
        Err(error) => worker::console_error!(
            "{}",
            json!({
                "service": SERVICE, "cron": cron, "status": 500,
                "code": "misconfigured", "message": error.to_string(),
            })
        ),
    }
}

/// A reply for the log: the ids are in the reply; the log keeps the counts.
fn without_ids(mut reply: serde_json::Value) -> serde_json::Value {
    if let Some(members) = reply.as_object_mut() {
        members.remove("ids");
    }
    reply
}
