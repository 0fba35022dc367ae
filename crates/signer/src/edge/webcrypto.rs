//! RS256 signatures checked by the runtime's WebCrypto (`crypto.subtle`, the same RSA a
//! browser has) instead of Rust big-number code: the core decides everything else
//! ([`RsaCheck`]: which keys, what was signed, every claim), this only answers "does one of
//! these keys verify this signature". Keeping RSA out of the Wasm is most of what keeps the
//! signer under its size target (issue 15).
//!
//! Imported keys are cached per isolate (the configuration is, too), so `importKey` runs once
//! per key, not per request.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use oss_edge_core::grant::jwt::{RsaCheck, RsaComponents};
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The WebCrypto name of RSASSA-PKCS1-v1_5 (RS256 is it with SHA-256, RFC 7518 §3.3).
const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";

thread_local! {
    /// Imported `CryptoKey`s by `n.e` (Base64url), for this isolate's lifetime. A list, not a
    /// map: there are a handful of configured keys, and a `HashMap` would link its hasher.
    static KEYS: RefCell<Vec<(String, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// What went wrong talking to WebCrypto (a runtime problem, never the token's).
pub(crate) struct WebCryptoError(pub(crate) String);

fn js_error(what: &str, e: &JsValue) -> WebCryptoError {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_default();
    WebCryptoError(format!("WebCrypto {what} failed: {detail}"))
}

fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), WebCryptoError> {
    Reflect::set(object, &JsValue::from_str(name), value)
        .map(|_| ())
        .map_err(|e| js_error("setup", &e))
}

fn subtle() -> Result<Object, WebCryptoError> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|e| js_error("lookup", &e))?;
    Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .map_err(|e| js_error("lookup", &e))?
        .dyn_into::<Object>()
        .map_err(|_| WebCryptoError("crypto.subtle is not available".into()))
}

/// Calls `subtle.<method>(...args)` and awaits the promise it returns.
async fn call(subtle: &Object, method: &str, args: &[JsValue]) -> Result<JsValue, WebCryptoError> {
    let function = Reflect::get(subtle, &JsValue::from_str(method))
        .map_err(|e| js_error(method, &e))?
        .dyn_into::<Function>()
        .map_err(|_| WebCryptoError(format!("crypto.subtle.{method} is not a function")))?;
    let list = Array::new();
    for arg in args {
        list.push(arg);
    }
    let promise = function
        .apply(subtle, &list)
        .map_err(|e| js_error(method, &e))?
        .dyn_into::<Promise>()
        .map_err(|_| WebCryptoError(format!("crypto.subtle.{method} returned no promise")))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error(method, &e))
}

/// The `CryptoKey` for `key` (imported as a JWK once per isolate).
async fn crypto_key(subtle: &Object, key: &RsaComponents) -> Result<JsValue, WebCryptoError> {
    let (n, e) = (key.jwk_n(), key.jwk_e());
    let id = format!("{n}.{e}");
    let cached = KEYS.with(|k| {
        k.borrow()
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, key)| key.clone())
    });
    if let Some(found) = cached {
        return Ok(found);
    }
    let jwk = Object::new();
    set(&jwk, "kty", &JsValue::from_str("RSA"))?;
    set(&jwk, "n", &JsValue::from_str(&n))?;
    set(&jwk, "e", &JsValue::from_str(&e))?;
    set(&jwk, "alg", &JsValue::from_str("RS256"))?;
    set(&jwk, "ext", &JsValue::TRUE)?;
    let algorithm = Object::new();
    set(&algorithm, "name", &JsValue::from_str(ALGORITHM))?;
    set(&algorithm, "hash", &JsValue::from_str("SHA-256"))?;
    let usages = Array::of1(&JsValue::from_str("verify"));
    let imported = call(
        subtle,
        "importKey",
        &[
            JsValue::from_str("jwk"),
            jwk.into(),
            algorithm.into(),
            JsValue::FALSE,
            usages.into(),
        ],
    )
    .await?;
    KEYS.with(|k| k.borrow_mut().push((id, imported.clone())));
    Ok(imported)
}

/// Whether one of `check`'s keys verifies its signature.
pub(crate) async fn signature_valid(check: &RsaCheck<'_>) -> Result<bool, WebCryptoError> {
    let subtle = subtle()?;
    let signature: JsValue = Uint8Array::from(check.signature()).into();
    let data: JsValue = Uint8Array::from(check.signing_input()).into();
    for key in check.keys() {
        let crypto_key = crypto_key(&subtle, key).await?;
        let verified = call(
            &subtle,
            "verify",
            &[
                JsValue::from_str(ALGORITHM),
                crypto_key,
                signature.clone(),
                data.clone(),
            ],
        )
        .await?;
        if verified.as_bool() == Some(true) {
            return Ok(true);
        }
    }
    Ok(false)
}
