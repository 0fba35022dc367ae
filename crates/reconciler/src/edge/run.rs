//! One reconciliation run, the IO: lists each configured bucket under the key template's
//! daily prefixes and queues one event per object in batches. Every decision (prefixes, pages,
//! facts, ids, budget, reply) is made by the core or this crate's pure modules; this module
//! sends what they ask for.

use std::time::Duration;

use oss_edge_core::callback::UploadEvent;
use oss_edge_core::confirm::{
    BucketTarget, Claimed, ConfirmError, HeadAnswer, ListAnswer, head_object, judge_head,
};
use oss_edge_core::reconcile::{Found, Reconciliation, listing_prefixes};
use oss_edge_core::sign::Credentials;
use oss_edge_worker_support::fetch;
use oss_edge_worker_support::js::{error_text, now_s, within};
use oss_edge_worker_support::shard;
use wasm_bindgen::{JsCast as _, JsValue};
use worker::{Delay, Env, Queue};

use crate::QUEUE_BINDING;
use crate::budget::{Budget, QUEUE_BATCH};
use crate::config::Config;
use crate::request::{Position, ReconcileRequest};
use crate::summary::{RunError, Summary};

/// One listing page may take this long (a 1000-key page is up to a few MB).
const LIST_ATTEMPT_MS: u64 = 10_000;
/// One HeadObject of a versioned bucket's object.
const HEAD_ATTEMPT_MS: u64 = 5_000;
/// One queue batch.
const QUEUE_ATTEMPT_MS: u64 = 10_000;
/// Attempts per request when OSS or the queue fails transiently (each one a subrequest).
const ATTEMPTS: u32 = 3;
/// The wait before a retry.
const RETRY_WAIT_MS: u64 = 200;

const QUEUE_REFUSED: &str = "the queue refused the batch";

/// Why a bucket's walk stopped early: where to continue, and the failure if any (none: the
/// budget is spent).
struct Stop {
    position: Position,
    error: Option<RunError>,
}

/// One run of `request` (started at `clock`, Unix seconds): lists, confirms where the bucket
/// is versioned and queues, within the subrequest budget.
pub(super) async fn run(
    env: &Env,
    config: &Config,
    request: &ReconcileRequest,
    clock: i64,
) -> Summary {
    let (credentials, buckets) = (&config.credentials, &config.buckets);
    // A continued run keeps its first `now`, so it lists the same prefixes.
    let now = request.resume.as_ref().map_or(clock, |p| p.now);
    let prefixes = listing_prefixes(&config.template, now, request.days);
    let names = buckets.iter().map(|b| b.name.clone()).collect();
    let mut summary = Summary::new(request, now, names, prefixes);
    let mut budget = Budget::new(config.max_subrequests);
    let queues = shard::queues(env);
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
            Reconciliation::new(bucket.clone(), config.template.clone(), now, request.days);
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
    /// The shard queues (`oss_edge_worker_support::shard`); unused in a dry run.
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
            // Each event to its home shard, as a callback's would go.
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
            let outcome = match fetch::with_body(&request, LIST_ATTEMPT_MS).await {
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
            let outcome = match fetch::head(&request, HEAD_ATTEMPT_MS).await {
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
            Ok(promise) => within(promise, QUEUE_ATTEMPT_MS, None, QUEUE_REFUSED)
                .await
                .map(|_| ()),
            Err(e) => Err(error_text(&e, QUEUE_REFUSED)),
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
