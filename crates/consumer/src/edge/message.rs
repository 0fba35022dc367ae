//! The runtime's queue batch and message objects, bound directly: `worker`'s types do not
//! expose a message's `attempts`, which the backoff needs.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast as _, JsValue};

#[wasm_bindgen]
extern "C" {
    /// A `MessageBatch`.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub(super) type Batch;

    /// The queue's name.
    #[wasm_bindgen(method, getter)]
    pub(super) fn queue(this: &Batch) -> String;

    /// The messages.
    #[wasm_bindgen(method, getter)]
    pub(super) fn messages(this: &Batch) -> js_sys::Array;

    /// A `Message`.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub(super) type QueueMessage;

    /// The queue's id for this message (kept when the queue moves it to the dead-letter queue).
    #[wasm_bindgen(method, getter)]
    pub(super) fn id(this: &QueueMessage) -> String;

    /// How many times it has been delivered, this delivery included (1 the first time).
    #[wasm_bindgen(method, getter)]
    pub(super) fn attempts(this: &QueueMessage) -> u32;

    /// The body as sent.
    #[wasm_bindgen(method, getter)]
    pub(super) fn body(this: &QueueMessage) -> JsValue;

    #[wasm_bindgen(method, catch, js_name = ack)]
    fn ack_js(this: &QueueMessage) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = retry)]
    fn retry_js(this: &QueueMessage, options: &JsValue) -> Result<(), JsValue>;
}

impl QueueMessage {
    /// Acknowledges the message: it is not delivered again.
    pub(super) fn ack(&self) {
        // Throws only for a message already acknowledged or retried, which this Worker never
        // does twice; a message neither acked nor retried is redelivered anyway.
        let _ = self.ack_js();
    }

    /// Marks the message for delivery again after `delay_seconds`.
    pub(super) fn retry(&self, delay_seconds: u32) {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &options,
            &JsValue::from_str("delaySeconds"),
            &JsValue::from(delay_seconds),
        );
        let _ = self.retry_js(&options);
    }
}

/// The messages of `batch`.
pub(super) fn messages_of(batch: &Batch) -> Vec<QueueMessage> {
    batch
        .messages()
        .iter()
        .map(|m| m.unchecked_into::<QueueMessage>())
        .collect()
}

/// A message body as text: a string as is (the `text` content type), bytes as UTF-8 (the
/// `bytes` content type), anything else (the `json` and `v8` content types) as its JSON text.
/// `None` when it has no text form (invalid UTF-8, `undefined`, a value JSON cannot hold).
pub(super) fn body_text(body: &JsValue) -> Option<String> {
    if let Some(text) = body.as_string() {
        return Some(text);
    }
    if body.is_instance_of::<js_sys::ArrayBuffer>() || body.is_instance_of::<js_sys::Uint8Array>() {
        return String::from_utf8(js_sys::Uint8Array::new(body).to_vec()).ok();
    }
    js_sys::JSON::stringify(body).ok()?.as_string()
}
