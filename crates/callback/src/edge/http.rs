//! Reading requests and writing responses.

use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::ReadableStreamDefaultReader;
use worker::{Headers, Request, Response, Result};

use crate::rejection::Rejection;

/// The request headers as owned (name, value) pairs. The runtime joins repeated headers
/// with `", "`, so a header sent twice arrives as one value (which then fails Base64).
pub(super) fn headers(request: &Request) -> Vec<(String, String)> {
    request.headers().entries().collect()
}

/// The body, refusing more than `limit` bytes: first by `Content-Length`, then while
/// streaming (for chunked requests), so an oversized body is never buffered whole.
pub(super) async fn read_body(
    request: &mut Request,
    limit: usize,
) -> std::result::Result<Vec<u8>, Rejection> {
    let too_large = Rejection::BodyTooLarge { limit };
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large);
    }
    let Some(stream) = request.inner().body() else {
        return Ok(Vec::new());
    };
    let unreadable =
        |e: JsValue| Rejection::BodyUnreadable(super::js_error_text(&e, "stream error"));
    // A plain reader over the body stream (smaller than worker's `ByteStream` adapters).
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(unreadable)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).map_err(unreadable)?;
        if done.is_truthy() {
            break;
        }
        let value =
            js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(unreadable)?;
        let bytes = js_sys::Uint8Array::new(&value);
        let len = bytes.length() as usize;
        if body.len() + len > limit {
            // Stop reading: the rest is never buffered.
            let _ = reader.cancel();
            return Err(too_large);
        }
        let start = body.len();
        body.resize(start + len, 0);
        bytes.copy_to(&mut body[start..]);
    }
    Ok(body)
}

/// A JSON response with an explicit `Content-Length` (OSS refuses replies without one;
/// spec §2.3). `head` answers with the headers only.
pub(super) fn json(
    status: u16,
    body: Vec<u8>,
    head: bool,
    allow: Option<&str>,
) -> Result<Response> {
    json_with(status, body, head, allow, &[])
}

/// [`json`] with `extra` headers (CORS).
pub(super) fn json_with(
    status: u16,
    body: Vec<u8>,
    head: bool,
    allow: Option<&str>,
    extra: &[(&str, String)],
) -> Result<Response> {
    let headers = Headers::new();
    headers.set(
        "content-type",
        oss_edge_core::callback::reply::REPLY_CONTENT_TYPE,
    )?;
    headers.set("content-length", &body.len().to_string())?;
    headers.set("cache-control", "no-store")?;
    if let Some(allow) = allow {
        headers.set("allow", allow)?;
    }
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    let response = if head {
        Response::empty()?
    } else {
        Response::from_bytes(body)?
    };
    Ok(response.with_status(status).with_headers(headers))
}
