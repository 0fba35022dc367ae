//! Small things every Worker does with JavaScript values: the text of an error, and a promise
//! raced against a timer.

use std::time::Duration;

use futures_util::future::{Either, select};
use wasm_bindgen::JsValue;
use worker::Delay;
use worker::wasm_bindgen_futures::JsFuture;

/// The text of a JS error: a string as is, else its `message`, else `fallback`.
pub fn error_text(error: &JsValue, fallback: &str) -> String {
    error
        .as_string()
        .or_else(|| {
            js_sys::Reflect::get(error, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| fallback.to_owned())
}

/// Milliseconds since the Unix epoch (the runtime's clock; it advances only across IO).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Whole seconds since the Unix epoch.
pub fn now_s() -> i64 {
    (now_ms() / 1000.0).floor() as i64
}

/// `promise`'s value, or an error after `timeout_ms` (aborting `controller` when given, so a
/// request that lost the race is not left running). A rejection is its [`error_text`] with
/// `fallback`.
pub async fn within(
    promise: js_sys::Promise,
    timeout_ms: u64,
    controller: Option<&worker::web_sys::AbortController>,
    fallback: &str,
) -> Result<JsValue, String> {
    let timeout = Delay::from(Duration::from_millis(timeout_ms.max(1)));
    match select(JsFuture::from(promise), timeout).await {
        Either::Left((result, _)) => result.map_err(|e| error_text(&e, fallback)),
        Either::Right(_) => {
            if let Some(controller) = controller {
                controller.abort();
            }
            Err(format!("no answer within {timeout_ms} ms"))
        }
    }
}
