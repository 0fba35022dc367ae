//! The local environment's forwarding (`crate::dev::dev_forward`): in one multi-config
//! `wrangler dev` only this Worker has a port, so the consumer's and the reconciler's routes
//! reach them through service bindings.

use wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Request, Result};

use super::http::{self, Reply};
use crate::dev::{DEV_CONSUMER_BINDING, DEV_RECONCILER_BINDING, DevForward};

/// The schedule the development Cron run is given.
const DEV_CRON: &str = "* * * * *";

/// Hands the request on as `forward` says.
pub(super) async fn forward(forward: DevForward, request: Request, env: &Env) -> Result<Reply> {
    let binding = match forward {
        DevForward::Consumer => DEV_CONSUMER_BINDING,
        DevForward::Reconciler | DevForward::ReconcilerCron => DEV_RECONCILER_BINDING,
    };
    let Ok(service) = env.service(binding) else {
        return http::json(
            503,
            format!(
                r#"{{"error":"dev_service_unavailable","message":"no service binding {binding}: start the local stack with scripts/dev"}}"#
            )
            .into_bytes(),
            false,
            None,
        );
    };
    match forward {
        DevForward::ReconcilerCron => scheduled(binding, env).await,
        _ => service.fetch_request(request).await.map(Reply::from),
    }
}

/// `binding.scheduled({cron: "* * * * *"})`: the bound Worker's Cron Trigger handler, run
/// once; 200 when it finished, 500 when it reported a failure (a throw is an error).
async fn scheduled(binding: &str, env: &Env) -> Result<Reply> {
    let service = js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(binding))?;
    let run = js_sys::Reflect::get(&service, &JsValue::from_str("scheduled"))?;
    if !run.is_function() {
        return Err(worker::Error::RustError(format!(
            "the {binding} binding has no scheduled()"
        )));
    }
    // A binding's methods are functions (`typeof`) but not `instanceof Function` in workerd,
    // so `dyn_into` would refuse them.
    let run: js_sys::Function = run.unchecked_into();
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &JsValue::from_str("cron"),
        &JsValue::from_str(DEV_CRON),
    )?;
    // Called through an RPC-capable binding, `scheduled()` returns a thenable (workerd's
    // `JsRpcPromise`, not a `Promise`), resolved with the handler's return value (nothing);
    // through a plain binding, a `Promise` of `{outcome}`. `Promise.resolve` takes either.
    // `Reflect.apply`, not `run.call(…)`: on an RPC stub, `.call` is itself a remote method.
    let returned = js_sys::Reflect::apply(&run, &service, &js_sys::Array::of1(&options))?;
    let result = JsFuture::from(js_sys::Promise::resolve(&returned)).await?;
    let outcome = if result.is_undefined() {
        "ok".to_owned()
    } else {
        js_sys::Reflect::get(&result, &JsValue::from_str("outcome"))?
            .as_string()
            .unwrap_or_default()
    };
    let status = if outcome == "ok" { 200 } else { 500 };
    let body = format!(r#"{{"cron":"{DEV_CRON}","outcome":{outcome:?}}}"#);
    http::json(status, body.into_bytes(), false, None)
}
