//! Putting an event on the queue: retries with backoff inside the time budget.

use std::time::Duration;

use futures_util::future::{Either, select};
use oss_edge_worker_support::js::{error_text, now_ms};
use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Delay, Queue};

use crate::dev::InjectedFailures;
use crate::rejection::Rejection;
use crate::retry::Deadline;

const QUEUE_REFUSED: &str = "the queue refused the message";

/// `queue.send(message, {contentType: "json"})`, called on the binding directly: the same
/// call `worker::Queue::send_raw` makes, without serde-wasm-bindgen for the options object
/// (a few KB of Worker size).
fn send_promise(queue: &Queue, message: &JsValue) -> Result<js_sys::Promise, JsValue> {
    let binding: &JsValue = queue.as_ref();
    let send: js_sys::Function =
        js_sys::Reflect::get(binding, &JsValue::from_str("send"))?.dyn_into()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &JsValue::from_str("contentType"),
        &JsValue::from_str("json"),
    )?;
    send.call2(binding, message, &options)?.dyn_into()
}

/// One send. The message is the event's own JSON turned into a JS object with `JSON.parse`
/// and sent with the `json` content type, so what consumers receive is exactly the JSON the
/// core produced (serde-wasm-bindgen's default serializer would turn maps into JS `Map`s that
/// arrive as `{}`; TOOLCHAIN.md).
async fn send_once(queue: &Queue, event_json: &str, timeout_ms: f64) -> Result<(), String> {
    let message =
        js_sys::JSON::parse(event_json).map_err(|_| "the event is not valid JSON".to_owned())?;
    let promise = send_promise(queue, &message).map_err(|e| error_text(&e, QUEUE_REFUSED))?;
    let send = JsFuture::from(promise);
    let timeout = Delay::from(Duration::from_millis(timeout_ms.max(1.0) as u64));
    match select(send, timeout).await {
        Either::Left((Ok(_), _)) => Ok(()),
        Either::Left((Err(e), _)) => Err(error_text(&e, QUEUE_REFUSED)),
        Either::Right(_) => Err(format!("no answer within {} ms", timeout_ms as u64)),
    }
}

/// Sends the event `id` (`event_json`) to its shard among `queues` (non-empty), failing over
/// to the next shard after each refusal and waiting between rounds, until the request's
/// deadline (`oss_edge_worker_support::shard`). `Ok((attempts, shard))` once a queue accepted it.
pub(super) async fn send_with_retry(
    queues: &[Queue],
    id: &str,
    event_json: &str,
    failures: InjectedFailures,
    failing_shard: Option<usize>,
    deadline: &Deadline,
) -> Result<(u32, usize), Rejection> {
    let mut attempt = 1;
    loop {
        let shard = oss_edge_worker_support::shard::for_attempt(id, queues.len(), attempt);
        let Some(queue) = queues.get(shard) else {
            return Err(Rejection::QueueUnavailable {
                attempts: attempt,
                last_error: "no queue binding".into(),
            });
        };
        let result = if failing_shard == Some(shard) {
            Err(format!(
                "queue shard {shard} failure injected (local environment)"
            ))
        } else if failures.fails(attempt) {
            Err(format!(
                "queue failure injected for attempt {attempt} (local environment)"
            ))
        } else {
            let timeout = deadline.remaining(now_ms(), 0.0);
            let stall = f64::from(failures.delay_ms());
            if stall >= timeout {
                // An injected stall longer than what is left of the budget: the attempt
                // hangs until the budget ends, like a queue that never answers.
                Delay::from(Duration::from_millis(timeout as u64)).await;
                Err(format!(
                    "no answer within {} ms (slow queue injected)",
                    timeout as u64
                ))
            } else {
                if stall > 0.0 {
                    Delay::from(Duration::from_millis(stall as u64)).await;
                }
                send_once(queue, event_json, timeout - stall).await
            }
        };
        let last_error = match result {
            Ok(()) => return Ok((attempt, shard)),
            Err(e) => e,
        };
        // Another shard is tried at once; a full round of refusals waits before the next.
        let round_done = (attempt as usize).is_multiple_of(queues.len());
        let out_of_time = deadline.remaining(now_ms(), 0.0) <= 0.0;
        if round_done || out_of_time {
            let round = (attempt as usize / queues.len()) as u32;
            match deadline.next_wait(round.max(1), now_ms(), 0.0) {
                Some(wait) => Delay::from(Duration::from_millis(wait as u64)).await,
                None => {
                    return Err(Rejection::QueueUnavailable {
                        attempts: attempt,
                        last_error,
                    });
                }
            }
        }
        attempt += 1;
    }
}
