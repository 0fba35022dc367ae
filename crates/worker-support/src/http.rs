//! Reading request bodies within a limit and writing JSON replies.

use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, ReadableStreamDefaultReader};
use worker::{Request, Result};

use crate::js::error_text;

/// What a Worker answers with: the runtime's own `Response`, built in one constructor call
/// (worker's `Response` builds a second `Headers` and re-wraps everything on the way out).
pub type Reply = web_sys::Response;

/// Why a request body was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// More than the limit, declared or sent; the rest was not read.
    TooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// The stream failed (the client went away).
    Unreadable(String),
}

/// The body, refusing more than `limit` bytes: first by `Content-Length` (then read whole),
/// else while streaming (chunked requests), so an oversized body is never buffered whole.
pub async fn read_body(
    request: &mut Request,
    limit: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    let too_large = BodyError::TooLarge { limit };
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large);
    }
    let unreadable = |e: JsValue| BodyError::Unreadable(error_text(&e, "stream error"));
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
    let mut body = Vec::new();
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

/// A JSON reply with an explicit `Content-Length` (OSS refuses callback replies without one;
/// spec §2.3), `Cache-Control: no-store`, `Allow` when given and `extra` headers (CORS, a
/// challenge). `head` answers with the headers only.
pub fn json(
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
