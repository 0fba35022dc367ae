//! Reading variables and secrets from a Worker's `Env`.
//!
//! `wrangler.toml` values keep their TOML type: `MAX_UPLOAD_BYTES = 10485760` (unquoted) arrives
//! as a JS number, `DEBUG = true` as a boolean, a table or array as an object. Reading only
//! strings would make such a value look unset and silently fall back to its default, so every
//! value is turned into text here: a string as is, anything else as its JSON text (`10485760`,
//! `true`, `{"a":1}`). Each Worker then parses that text with its own rules and errors.

use wasm_bindgen::JsValue;
use worker::Env;

/// The value of `name` as text (see the [module docs](self)); `None` when unset.
pub fn lookup(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    value.as_string().or_else(|| {
        js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
    })
}
