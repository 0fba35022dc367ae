//! Sending to a queue binding: `queue.send(message, {contentType})` called on the binding
//! directly, as the callback Worker does (no serde-wasm-bindgen for the options object).

use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Queue};

/// Sends `message` with the content type `content_type` (`json` or `text`) on the queue bound
/// as `binding`.
pub(super) async fn send(
    env: &Env,
    binding: &str,
    message: &JsValue,
    content_type: &str,
) -> Result<(), String> {
    let queue: Queue = env
        .queue(binding)
        .map_err(|_| format!("no queue binding {binding} (see crates/consumer/wrangler.toml)"))?;
    let target: &JsValue = queue.as_ref();
    let call = || -> Result<js_sys::Promise, JsValue> {
        let send: js_sys::Function =
            js_sys::Reflect::get(target, &JsValue::from_str("send"))?.dyn_into()?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(
            &options,
            &JsValue::from_str("contentType"),
            &JsValue::from_str(content_type),
        )?;
        send.call2(target, message, &options)?.dyn_into()
    };
    let promise = call().map_err(|e| super::js_error_text(&e, "the queue refused the message"))?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| super::js_error_text(&e, "the queue refused the message"))
}
