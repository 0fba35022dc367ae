//! Reading variables and secrets from the Worker's `Env`.

use wasm_bindgen::JsValue;
use worker::Env;

/// The value of `name`: a string as is, any other value (a `wrangler.toml` table or array)
/// as JSON text; `None` when unset.
pub(super) fn lookup(env: &Env, name: &str) -> Option<String> {
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
