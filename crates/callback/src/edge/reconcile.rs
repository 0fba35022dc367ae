//! The operator's reconciliation, the IO (`docs/reconcile.md`): `POST /v1/reconcile` and the
//! Cron Trigger list each configured bucket under the key template's daily prefixes with the
//! confirmation credentials and queue one event per object in batches. Every decision
//! (prefixes, pages, facts, ids, budget, reply) is made by the core or
//! [`crate::reconcile`]; this module sends what they ask for.

use std::sync::OnceLock;
use std::time::Duration;

use futures_util::future::{Either, select};
use oss_edge_core::callback::UploadEvent;
use oss_edge_core::confirm::{
    BucketTarget, Buckets, Claimed, ConfirmError, HeadAnswer, ListAnswer, OutboundRequest,
    head_object, judge_head,
};
use oss_edge_core::reconcile::{Found, Reconciliation, listing_prefixes};
use oss_edge_core::sign::Credentials;
use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Delay, Env, Queue, Request, Result};

use super::{confirm, http};
use crate::config::{Config, Confirmation};
use crate::log::{Outcome, RequestLog};
use crate::reconcile::{
    Budget, MAX_REQUEST_BYTES, Position, QUEUE_BATCH, ReconcileConfig, ReconcileConfigError,
    ReconcileRequest, Refusal, RunError, Summary, authorize, parse_request,
};
use crate::{QUEUE_BINDING, SERVICE, shard};

/// One listing page may take this long (a 1000-key page is up to a few MB).
const LIST_ATTEMPT_MS: u64 = 10_000;
/// One HeadObject of a versioned bucket's object.
const HEAD_ATTEMPT_MS: f64 = 5_000.0;
/// One queue batch.
const QUEUE_ATTEMPT_MS: u64 = 10_000;
/// Attempts per request when OSS or the queue fails transiently (each one a subrequest).
const ATTEMPTS: u32 = 3;
/// The wait before a retry.
const RETRY_WAIT_MS: u64 = 200;

fn now_s() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// The reconciliation settings, read on the isolate's first use (as [`super::config`]).
fn settings(env: &Env) -> &'static std::result::Result<ReconcileConfig, ReconcileConfigError> {
    static SETTINGS: OnceLock<std::result::Result<ReconcileConfig, ReconcileConfigError>> =
        OnceLock::new();
    SETTINGS.get_or_init(|| {
        ReconcileConfig::from_lookup(&|name| oss_edge_worker_support::env::lookup(env, name))
    })
}

/// The credentials and buckets a run lists with: those of confirmation.
fn sources(config: &Config) -> std::result::Result<(&Credentials, &Buckets), Refusal> {
    match (&config.confirmation, &config.buckets) {
        (Confirmation::On { credentials }, Some(buckets)) => Ok((credentials, buckets)),
        _ => Err(Refusal::Unavailable),
    }
}

/// `POST /v1/reconcile`: the reply, and the request's log fields.
pub(super) async fn handle(
    request: &mut Request,
    env: &Env,
    config: &Config,
    log: &mut RequestLog,
) -> Result<http::Reply> {
    match answer(request, env, config).await {
        Ok(summary) => {
            log.status = summary.status();
            log.outcome = Outcome::of_status(log.status);
            if let Some(error) = &summary.error {
                log.code = Some(error.code);
                log.message = Some(error.message.clone());
            }
            log_summary("http", &summary);
            http::json(
                log.status,
                summary.to_json().to_string().into_bytes(),
                false,
                None,
            )
        }
        Err(refusal) => {
            log.status = refusal.status();
            log.outcome = Outcome::of_status(log.status);
            log.code = Some(refusal.code());
            log.message = Some(refusal.to_string());
            let challenge = [("www-authenticate", "Bearer".to_owned())];
            let extra: &[(&str, String)] = if refusal == Refusal::Unauthorized {
                &challenge
            } else {
                &[]
            };
            http::json_with(log.status, refusal.body(), false, None, extra)
        }
    }
}

async fn answer(
    request: &mut Request,
    env: &Env,
    config: &Config,
) -> std::result::Result<Summary, Refusal> {
    let settings = settings(env)
        .as_ref()
        .map_err(|e| Refusal::Misconfigured(e.to_string()))?;
    // The token first: nothing about the run is revealed to a caller without it.
    let authorization = request.headers().get("authorization").ok().flatten();
    authorize(settings, authorization.as_deref())?;
    let body = http::read_body(request, MAX_REQUEST_BYTES)
        .await
        .map_err(|rejection| Refusal::BodyInvalid(rejection.to_string()))?;
    let run_request = parse_request(&body, settings.days)?;
    let (credentials, buckets) = sources(config)?;
    let clock = now_s();
    if let Some(position) = &run_request.resume {
        position.check(buckets, &settings.template, run_request.days, clock)?;
    }
    Ok(run(env, settings, credentials, buckets, &run_request, clock).await)
}

/// The Cron Trigger: a run over `RECONCILE_DAYS`, logged as one line.
pub(crate) async fn scheduled(env: Env) {
    let started = match (super::config(&env), settings(&env)) {
        (Ok(config), Ok(settings)) => match sources(config) {
            Ok((credentials, buckets)) => {
                let request = ReconcileRequest {
                    days: settings.days,
                    dry_run: false,
                    resume: None,
                };
                Ok(run(&env, settings, credentials, buckets, &request, now_s()).await)
            }
            Err(refusal) => Err(refusal.to_string()),
        },
        (Err(error), _) => Err(error.to_string()),
        (_, Err(error)) => Err(error.to_string()),
    };
    match started {
        Ok(summary) => log_summary("cron", &summary),
        Err(message) => worker::console_error!(
            "{}",
            serde_json::json!({
                "service": SERVICE, "outcome": "failed", "reconcile": "cron",
                "code": "misconfigured", "message": message,
            })
        ),
    }
}

fn log_summary(trigger: &str, summary: &Summary) {
    let mut line = summary.to_json();
    // The ids are in the reply; the log keeps the counts.
    if let Some(members) = line.as_object_mut() {
        members.remove("ids");
    }
    worker::console_log!(
        "{}",
        serde_json::json!({ "service": SERVICE, "reconcile": trigger, "summary": line })
    );
}

/// Why a bucket's walk stopped early: where to continue, and the failure if any (none: the
/// budget is spent).
struct Stop {
    position: Position,
    error: Option<RunError>,
}

async fn run(
    env: &Env,
    settings: &ReconcileConfig,
    credentials: &Credentials,
    buckets: &Buckets,
    request: &ReconcileRequest,
    clock: i64,
) -> Summary {
    // A continued run keeps its first `now`, so it lists the same prefixes.
    let now = request.resume.as_ref().map_or(clock, |p| p.now);
    let prefixes = listing_prefixes(&settings.template, now, request.days);
    let names = buckets.iter().map(|b| b.name.clone()).collect();
    let mut summary = Summary::new(request, now, names, prefixes);
    let mut budget = Budget::new(settings.max_subrequests);
    let queues = super::shard_queues(env);
    if queues.is_empty() && !request.dry_run {
        summary.error = Some(RunError {
            code: "queue_unavailable",
            message: format!("no queue binding {QUEUE_BINDING} (see wrangler.toml)"),
        });
        return summary;
    }
    let mut resume = request.resume.as_ref();
    for bucket in buckets.iter() {
        let mut listing =
            Reconciliation::new(bucket.clone(), settings.template.clone(), now, request.days);
        if let Some(position) = resume {
            if position.bucket != bucket.name {
                continue; // listed by an earlier call of this run
            }
            listing.resume_at(&position.prefix, position.token.clone());
            resume = None;
        }
        let walked = Walk {
            bucket,
            credentials,
            now,
            dry_run: request.dry_run,
            queues: &queues,
        }
        .run(&mut listing, &mut budget, &mut summary)
        .await;
        if let Err(stop) = walked {
            summary.next = Some(stop.position);
            summary.error = stop.error;
            break;
        }
    }
    summary.subrequests = budget.used();
    summary
}

/// One bucket's part of a run.
struct Walk<'a> {
    bucket: &'a BucketTarget,
    credentials: &'a Credentials,
    now: i64,
    dry_run: bool,
    /// The shard queues (`crate::shard`); unused in a dry run.
    queues: &'a [Queue],
}

impl Walk<'_> {
    async fn run(
        &self,
        listing: &mut Reconciliation,
        budget: &mut Budget,
        summary: &mut Summary,
    ) -> std::result::Result<(), Stop> {
        while let Some((prefix, token)) = listing.position() {
            // A stop anywhere in this page continues at its start: what was queued of it is
            // sent again, which consumers de-duplicate.
            let here = Position {
                bucket: self.bucket.name.clone(),
                prefix: prefix.to_owned(),
                token: token.map(str::to_owned),
                now: self.now,
            };
            let stop = |code: &'static str, message: String| Stop {
                position: here.clone(),
                error: Some(RunError { code, message }),
            };
            let Some(max_keys) =
                budget.page_size(self.bucket.versioned, self.dry_run, self.queues.len())
            else {
                return Err(Stop {
                    position: here,
                    error: None,
                });
            };
            let found = self
                .list_page(listing, max_keys, budget)
                .await
                .map_err(|m| stop("reconcile_list_failed", m))?;
            summary.listed += found.len() as u64;
            let mut events = Vec::with_capacity(found.len());
            for item in found {
                match item {
                    Found::Event(event) => events.push(*event),
                    Found::Confirm { key, owner } => match self.head(&key, budget).await {
                        Ok(facts) => {
                            events.push(UploadEvent::reconciled(facts, owner, now_s()));
                        }
                        Err(ConfirmError::NotFound { .. }) => summary.vanished += 1,
                        Err(error) => {
                            return Err(stop(
                                "reconcile_confirm_failed",
                                format!("HeadObject of {key:?}: {error}"),
                            ));
                        }
                    },
                }
            }
            if self.dry_run {
                events.iter().for_each(|e| summary.record_id(&e.id));
                continue;
            }
            // Each event to its home shard, as a callback's would go (`crate::shard`).
            let shards = self.queues.len();
            let mut groups: Vec<Vec<UploadEvent>> = (0..shards).map(|_| Vec::new()).collect();
            for event in events {
                let home = shard::home(&event.id, shards);
                if let Some(group) = groups.get_mut(home) {
                    group.push(event);
                }
            }
            for (home, group) in groups.iter().enumerate() {
                for batch in group.chunks(QUEUE_BATCH) {
                    send_batch(self.queues, home, batch, budget)
                        .await
                        .map_err(|m| stop("queue_unavailable", m))?;
                    summary.queued += batch.len() as u64;
                    batch.iter().for_each(|e| summary.record_id(&e.id));
                }
            }
        }
        Ok(())
    }

    /// The next page, retrying transient failures while the budget lasts.
    async fn list_page(
        &self,
        listing: &mut Reconciliation,
        max_keys: u32,
        budget: &mut Budget,
    ) -> std::result::Result<Vec<Found>, String> {
        let mut attempt = 1;
        loop {
            let Some(request) = listing.next_request_sized(self.credentials, now_s(), max_keys)
            else {
                return Ok(Vec::new());
            };
            if !budget.take() {
                return Err("the subrequest budget ran out while retrying".into());
            }
            let outcome = match listing_page_answer(&request, LIST_ATTEMPT_MS).await {
                Ok((status, headers, body)) => listing
                    .accept(
                        &ListAnswer {
                            status,
                            headers: &headers,
                            body: &body,
                        },
                        now_s(),
                    )
                    .map_err(|e| (e.is_transient(), e.to_string())),
                Err(reason) => Err((true, reason)),
            };
            match outcome {
                Ok(found) => return Ok(found),
                Err((true, reason)) if attempt < ATTEMPTS => {
                    worker::console_warn!("reconcile: listing retried: {reason}");
                }
                Err((_, reason)) => return Err(format!("listing {}: {reason}", self.bucket.name)),
            }
            Delay::from(Duration::from_millis(RETRY_WAIT_MS)).await;
            attempt += 1;
        }
    }

    /// HeadObject of a versioned bucket's object: its facts, version id included.
    async fn head(
        &self,
        key: &str,
        budget: &mut Budget,
    ) -> std::result::Result<oss_edge_core::confirm::ObjectFacts, ConfirmError> {
        let mut attempt = 1;
        loop {
            if !budget.take() {
                return Err(ConfirmError::unreachable(
                    "the subrequest budget ran out while retrying",
                ));
            }
            let request = head_object(self.bucket, key, self.credentials, now_s());
            let outcome = match confirm::send_once(&request, HEAD_ATTEMPT_MS).await {
                Ok((status, headers)) => judge_head(
                    self.bucket,
                    key,
                    &Claimed::default(),
                    &HeadAnswer {
                        status,
                        headers: &headers,
                    },
                ),
                Err(reason) => Err(ConfirmError::unreachable(reason)),
            };
            match outcome {
                Err(error) if error.is_transient() && attempt < ATTEMPTS => {
                    Delay::from(Duration::from_millis(RETRY_WAIT_MS)).await;
                    attempt += 1;
                }
                final_outcome => return final_outcome,
            }
        }
    }
}

fn js_text(error: &JsValue) -> String {
    super::js_error_text(error, "the request failed")
}

/// `promise`, or an error after `timeout_ms` (aborting `controller` when given).
async fn within(
    promise: js_sys::Promise,
    timeout_ms: u64,
    controller: Option<&worker::web_sys::AbortController>,
) -> std::result::Result<JsValue, String> {
    let timeout = Delay::from(Duration::from_millis(timeout_ms));
    match select(JsFuture::from(promise), timeout).await {
        Either::Left((result, _)) => result.map_err(|e| js_text(&e)),
        Either::Right(_) => {
            if let Some(controller) = controller {
                controller.abort();
            }
            Err(format!("no answer within {timeout_ms} ms"))
        }
    }
}

/// One GET with its body (a listing page): status, headers, body.
async fn listing_page_answer(
    request: &OutboundRequest,
    timeout_ms: u64,
) -> std::result::Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
    let controller = worker::web_sys::AbortController::new().map_err(|e| js_text(&e))?;
    let promise = confirm::start_fetch(request, &controller.signal()).map_err(|e| js_text(&e))?;
    let started = js_sys::Date::now();
    let response: worker::web_sys::Response = within(promise, timeout_ms, Some(&controller))
        .await?
        .dyn_into()
        .map_err(|_| "fetch did not return a Response".to_owned())?;
    let status = response.status();
    let headers = confirm::header_pairs(&response.headers());
    let left = timeout_ms.saturating_sub((js_sys::Date::now() - started).max(0.0) as u64);
    let buffer = response.array_buffer().map_err(|e| js_text(&e))?;
    let body = within(buffer, left.max(1), Some(&controller)).await?;
    Ok((status, headers, js_sys::Uint8Array::new(&body).to_vec()))
}

/// `queue.sendBatch([{body, contentType: "json"}, …])` on the binding directly (as
/// `queue::send_promise`), each body the event's own JSON parsed into a JS object.
fn send_batch_promise(
    queue: &Queue,
    events: &[UploadEvent],
) -> std::result::Result<js_sys::Promise, JsValue> {
    let binding: &JsValue = queue.as_ref();
    let send: js_sys::Function =
        js_sys::Reflect::get(binding, &JsValue::from_str("sendBatch"))?.dyn_into()?;
    let messages = js_sys::Array::new();
    for event in events {
        let message = js_sys::Object::new();
        let body = js_sys::JSON::parse(&event.to_json())?;
        js_sys::Reflect::set(&message, &JsValue::from_str("body"), &body)?;
        js_sys::Reflect::set(
            &message,
            &JsValue::from_str("contentType"),
            &JsValue::from_str("json"),
        )?;
        messages.push(&message);
    }
    send.call1(binding, &messages)?.dyn_into()
}

/// Sends one batch (at most [`QUEUE_BATCH`] events of home shard `home`), failing over to
/// the next shard after a refusal as a callback's event does, while the budget lasts.
async fn send_batch(
    queues: &[Queue],
    home: usize,
    events: &[UploadEvent],
    budget: &mut Budget,
) -> std::result::Result<(), String> {
    let mut attempt = 1;
    loop {
        if !budget.take() {
            return Err("the subrequest budget ran out before the queue accepted a batch".into());
        }
        let Some(queue) = queues.get((home + attempt as usize - 1) % queues.len().max(1)) else {
            return Err(format!(
                "no queue binding {QUEUE_BINDING} (see wrangler.toml)"
            ));
        };
        let result = match send_batch_promise(queue, events) {
            Ok(promise) => within(promise, QUEUE_ATTEMPT_MS, None).await.map(|_| ()),
            Err(e) => Err(js_text(&e)),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(reason) if attempt < ATTEMPTS => {
                worker::console_warn!("reconcile: queue batch retried: {reason}");
            }
            Err(reason) => {
                return Err(format!(
                    "the queue refused a batch of {} events {attempt} times: {reason}",
                    events.len()
                ));
            }
        }
        Delay::from(Duration::from_millis(RETRY_WAIT_MS)).await;
        attempt += 1;
    }
}
