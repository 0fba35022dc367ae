//! Reading requests and writing responses.

use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;
use worker::web_sys::ReadableStreamDefaultReader;
use worker::{Request, Result};

use crate::rejection::Rejection;

/// The headers of `names` that the request has, as (name, value) pairs. The runtime joins
/// repeated headers with `", "`, so a header sent twice arrives as one value (which then
/// fails Base64).
pub(super) fn named_headers<'n>(
    request: &Request,
    names: impl Iterator<Item = &'n &'static str>,
) -> Vec<(&'static str, String)> {
    let headers = request.headers();
    names
        .filter_map(|&name| match headers.get(name) {
            Ok(Some(value)) => Some((name, value)),
            _ => None,
        })
        .collect()
}

/// The body, refusing more than `limit` bytes: first by `Content-Length` (then read whole),
/// else while streaming (chunked requests), so an oversized body is never buffered whole.
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
    let unreadable =
        |e: JsValue| Rejection::BodyUnreadable(super::js_error_text(&e, "stream error"));
    if declared.is_some() {
        // HTTP framing ends the body at the declared length, so it is read in one call (one
        // promise and one copy instead of a reader's round trips per chunk); the length is
        // checked again all the same.
        let buffer = request.inner().array_buffer().map_err(unreadable)?;
        let buffer = JsFuture::from(buffer).await.map_err(unreadable)?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        if bytes.length() as usize > limit {
            return Err(too_large);
        }
        return Ok(bytes.to_vec());
    }
    let Some(stream) = request.inner().body() else {
        return Ok(Vec::new());
    };
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

/// What the Worker answers with: the runtime's own `Response`, built in one constructor call
/// (worker's `Response` builds a second `Headers` and re-wraps everything on the way out).
pub(crate) type Reply = worker::web_sys::Response;

/// A JSON response with an explicit `Content-Length` (OSS refuses replies without one;
/// spec §2.3). `head` answers with the headers only.
pub(super) fn json(status: u16, body: Vec<u8>, head: bool, allow: Option<&str>) -> Result<Reply> {
    json_with(status, body, head, allow, &[])
}

/// [`json`] with `extra` headers (CORS).
pub(super) fn json_with(
    status: u16,
    body: Vec<u8>,
    head: bool,
    allow: Option<&str>,
    extra: &[(&str, String)],
) -> Result<Reply> {
    let headers = web_sys::Headers::new()?;
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
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    let response = if head {
        Reply::new_with_opt_str_and_init(None, &init)?
    } else {
        let bytes = js_sys::Uint8Array::from(body.as_slice());
        Reply::new_with_opt_buffer_source_and_init(Some(&bytes), &init)?
    };
    Ok(response)
}
