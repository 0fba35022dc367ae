//! Outbound requests to OSS, sent exactly as the core built them
//! ([`oss_edge_core::confirm::OutboundRequest`]): a HeadObject (status and headers) or a
//! listing page (its body too), each within a timeout.

use oss_edge_core::confirm::OutboundRequest;
use wasm_bindgen::{JsCast as _, JsValue};
use worker::web_sys::{self, RequestCache, RequestRedirect};

use crate::js::{error_text, now_ms, within};

const FAILED: &str = "the request failed";

/// An answer's status and headers.
pub type Head = (u16, Vec<(String, String)>);

fn text(error: &JsValue) -> String {
    error_text(error, FAILED)
}

/// The `fetch` call, through web-sys directly (worker's `Fetch` and `RequestInit` bring
/// serde-based `cf` options, ~KBs of Worker size, that these requests do not use).
fn start(
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
fn header_pairs(headers: &web_sys::Headers) -> Vec<(String, String)> {
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

async fn response(
    request: &OutboundRequest,
    timeout_ms: u64,
) -> Result<(web_sys::Response, web_sys::AbortController), String> {
    let controller = web_sys::AbortController::new().map_err(|e| text(&e))?;
    let promise = start(request, &controller.signal()).map_err(|e| text(&e))?;
    let response = within(promise, timeout_ms, Some(&controller), FAILED)
        .await?
        .dyn_into()
        .map_err(|_| "fetch did not return a Response".to_owned())?;
    Ok((response, controller))
}

/// One attempt without reading the body (a HeadObject): the answer's status and headers, or
/// why there was none within `timeout_ms`.
pub async fn head(request: &OutboundRequest, timeout_ms: u64) -> Result<Head, String> {
    let (response, _) = response(request, timeout_ms).await?;
    Ok((response.status(), header_pairs(&response.headers())))
}

/// One attempt with the body (a listing page): status, headers and body, all within
/// `timeout_ms`.
pub async fn with_body(
    request: &OutboundRequest,
    timeout_ms: u64,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
    let started = now_ms();
    let (response, controller) = response(request, timeout_ms).await?;
    let status = response.status();
    let headers = header_pairs(&response.headers());
    let left = timeout_ms.saturating_sub((now_ms() - started).max(0.0) as u64);
    let buffer = response.array_buffer().map_err(|e| text(&e))?;
    let body = within(buffer, left.max(1), Some(&controller), FAILED).await?;
    Ok((status, headers, js_sys::Uint8Array::new(&body).to_vec()))
}
