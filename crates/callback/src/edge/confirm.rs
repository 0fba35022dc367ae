//! The Worker's only outbound request: the confirmation HeadObject the core built from
//! `BUCKETS` (`pipeline::confirmation_request`), sent exactly as given, with retries of
//! transient failures inside the request's deadline.

use std::time::Duration;

use futures_util::future::{Either, select};
use oss_edge_core::confirm::{ConfirmError, HeadAnswer, ObjectFacts, OutboundRequest};
use wasm_bindgen::{JsCast as _, JsValue};
use worker::Delay;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, RequestCache, RequestRedirect};

use crate::config::Config;
use crate::dev::InjectedFailures;
use crate::pipeline::{Pending, judge_answer};
use crate::retry::{Deadline, HEAD_ATTEMPT_MS, QUEUE_RESERVE_MS};

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn js_text(error: &JsValue) -> String {
    super::js_error_text(error, "the request failed")
}

/// The `fetch` call, through web-sys directly (worker's `Fetch` and `RequestInit` bring
/// serde-based `cf` options, ~KBs of Worker size, that this request does not use).
pub(super) fn start_fetch(
    request: &OutboundRequest,
    signal: &web_sys::AbortSignal,
) -> Result<js_sys::Promise, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method);
    init.set_headers(&headers);
    // A redirect would lead to a host not in configuration: judged as an unexpected answer.
    init.set_redirect(RequestRedirect::Manual);
    // Never an answer from Cloudflare's cache: the object's state now is the point.
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(signal));
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    Ok(global.fetch_with_str_and_init(&request.url, &init))
}

/// The (name, value) pairs of a `Headers` object.
pub(super) fn header_pairs(headers: &web_sys::Headers) -> Vec<(String, String)> {
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pair: js_sys::Array = entry.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// One attempt: the status and headers of OSS's answer, or why there was none.
pub(super) async fn send_once(
    request: &OutboundRequest,
    timeout_ms: f64,
) -> Result<(u16, Vec<(String, String)>), String> {
    let controller = web_sys::AbortController::new().map_err(|e| js_text(&e))?;
    let promise = start_fetch(request, &controller.signal()).map_err(|e| js_text(&e))?;
    let timeout = Delay::from(Duration::from_millis(timeout_ms.max(1.0) as u64));
    match select(JsFuture::from(promise), timeout).await {
        Either::Left((Ok(value), _)) => {
            let response: web_sys::Response = value
                .dyn_into()
                .map_err(|_| "fetch did not return a Response".to_owned())?;
            Ok((response.status(), header_pairs(&response.headers())))
        }
        Either::Left((Err(e), _)) => Err(js_text(&e)),
        Either::Right(_) => {
            controller.abort();
            Err(format!("no answer within {} ms", timeout_ms as u64))
        }
    }
}

/// Sends `request` until the core's judgement is final or the deadline (minus the queue's
/// reserve) is spent; returns the facts or the last error, and the attempts made.
pub(super) async fn confirm(
    config: &Config,
    pending: &Pending,
    request: &OutboundRequest,
    deadline: &Deadline,
    failures: InjectedFailures,
) -> (Result<ObjectFacts, ConfirmError>, u32) {
    let mut attempt = 1;
    loop {
        let timeout = deadline.attempt_timeout(now_ms(), QUEUE_RESERVE_MS, HEAD_ATTEMPT_MS);
        let stall = f64::from(failures.delay_ms());
        let outcome = if failures.fails(attempt) {
            Err(ConfirmError::Transient {
                status: Some(503),
                reason: format!("failure injected for attempt {attempt} (local environment)"),
            })
        } else if stall >= timeout {
            Delay::from(Duration::from_millis(timeout as u64)).await;
            Err(ConfirmError::unreachable(format!(
                "no answer within {} ms (slow confirmation injected)",
                timeout as u64
            )))
        } else {
            if stall > 0.0 {
                Delay::from(Duration::from_millis(stall as u64)).await;
            }
            match send_once(request, timeout - stall).await {
                Ok((status, headers)) => judge_answer(
                    config,
                    pending,
                    &HeadAnswer {
                        status,
                        headers: &headers,
                    },
                ),
                Err(reason) => Err(ConfirmError::unreachable(reason)),
            }
        };
        match outcome {
            Err(error) if error.is_transient() => {
                match deadline.next_wait(attempt, now_ms(), QUEUE_RESERVE_MS) {
                    Some(wait) => Delay::from(Duration::from_millis(wait as u64)).await,
                    None => return (Err(error), attempt),
                }
            }
            final_outcome => return (final_outcome, attempt),
        }
        attempt += 1;
    }
}
