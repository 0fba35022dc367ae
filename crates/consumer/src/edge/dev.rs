//! The development routes (local only; `crate::dev` decides, this module does the IO).

use wasm_bindgen::JsValue;
use worker::{Env, Headers, Request, Response, Result};

use crate::DB_BINDING;
use crate::dev::{Content, DevRoute, route, target_of_url};
use crate::sql;

/// A JSON response that the demo page (another origin) may read; nothing here is secret and
/// it exists only locally.
fn json(status: u16, body: String, allow: Option<&str>) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    headers.set("access-control-allow-origin", "*")?;
    if let Some(allow) = allow {
        headers.set("allow", allow)?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

fn error(status: u16, code: &str, message: &str) -> Result<Response> {
    json(
        status,
        serde_json::json!({ "error": code, "message": message }).to_string(),
        None,
    )
}

/// Answers one request.
pub(crate) async fn fetch(mut request: Request, env: Env) -> Result<Response> {
    let config = match super::config(&env) {
        Ok(config) => config,
        Err(e) => return error(500, e.code(), &e.to_string()),
    };
    let method = request.inner().method();
    let url = request.inner().url();
    let (sql, limit) = match route(config.environment, &method, target_of_url(&url)) {
        DevRoute::NotFound => return error(404, "not_found", "no such route"),
        DevRoute::MethodNotAllowed { allow } => {
            return json(
                405,
                serde_json::json!({ "error": "method_not_allowed", "message": format!("use {allow}") })
                    .to_string(),
                Some(allow),
            );
        }
        DevRoute::BadRequest { message } => return error(400, "bad_request", &message),
        DevRoute::Enqueue { binding, content } => {
            let text = request.text().await?;
            let (message, content_type) = match content {
                Content::Text => (JsValue::from_str(&text), "text"),
                Content::Json => match js_sys::JSON::parse(&text) {
                    Ok(value) => (value, "json"),
                    Err(_) => {
                        return error(
                            400,
                            "bad_request",
                            "the body is not JSON (send it with type=text)",
                        );
                    }
                },
            };
            return match super::queue::send(&env, &binding, &message, content_type).await {
                Ok(()) => json(
                    202,
                    serde_json::json!({ "queued": true, "binding": binding }).to_string(),
                    None,
                ),
                Err(e) => error(503, "queue_unavailable", &e),
            };
        }
        DevRoute::Events { limit } => (sql::LIST_EVENTS, limit),
        DevRoute::Rows { limit } => (sql::LIST_ROWS, limit),
        DevRoute::DeadLetters { limit } => (sql::LIST_DEAD_LETTERS, limit),
    };
    let db = match env.d1(DB_BINDING) {
        Ok(db) => db,
        Err(_) => return error(500, "no_database", &format!("no D1 binding {DB_BINDING}")),
    };
    let listed = match super::store::bind(&db, sql, &[sql::limit_param(limit)]) {
        Ok(statement) => statement
            .first::<String>(Some(sql::LIST_COLUMN))
            .await
            .map_err(super::store::error_text),
        Err(e) => Err(e),
    };
    match listed {
        Ok(rows) => json(200, rows.unwrap_or_else(|| "[]".to_owned()), None),
        Err(e) => error(503, "database_unavailable", &e),
    }
}
