//! What every upload shares: the callback parameters (validated before anything is stored),
//! the headers describing a stored object, and the final reply with or without a callback
//! (spec §2.4).

use oss_edge_core::callback::carrier::{
    CALLBACK_HEADER, CALLBACK_QUERY, CALLBACK_VAR_HEADER, CALLBACK_VAR_QUERY, MixedCarriers,
    select_carrier,
};
use oss_edge_core::callback::outcome::{CALLBACK_FAILED_CODE, CALLBACK_FAILED_STATUS};
use oss_edge_core::callback::params::{
    CallbackParams, CallbackVars, ParamsError, SystemValues, VarsError,
};

use crate::callback::{CallbackJob, CallbackOutcome};
use crate::error::OssError;
use crate::http::{Incoming, Reply};
use crate::route::Target;
use crate::state::State;
use crate::storage::ObjectMeta;

/// A validated callback request: the parameter and its custom variables.
#[derive(Clone, Debug)]
pub struct Callback {
    /// The `callback` parameter.
    pub params: CallbackParams,
    /// The custom variables.
    pub vars: CallbackVars,
}

/// `400 InvalidArgument` for a refused `callback` (the core's message and, where known, EC).
pub fn params_error(error: &ParamsError) -> OssError {
    let mut oss = OssError::invalid_argument(error.to_string()).with("ArgumentName", "callback");
    if let Some(ec) = error.oss_ec() {
        oss = oss.with("EC", ec);
    }
    oss
}

/// `400 InvalidArgument` for refused custom variables (EC 0007-00000105).
pub fn vars_error(error: &VarsError, argument: &str) -> OssError {
    OssError::invalid_argument(error.to_string())
        .with("ArgumentName", argument)
        .with("EC", "0007-00000105")
}

fn mixed_error(error: MixedCarriers) -> OssError {
    OssError::invalid_argument(error.to_string())
        .with("ArgumentName", "callback")
        .with("EC", MixedCarriers::OSS_EC)
}

/// The callback of a PutObject / CompleteMultipartUpload: headers or query, exactly one
/// (spec §1.1), parsed as OSS parses it.
pub fn from_request(req: &Incoming, target: &Target) -> Result<Option<Callback>, OssError> {
    let carried = select_carrier(
        req.header(CALLBACK_HEADER),
        req.header(CALLBACK_VAR_HEADER),
        target.query_value(CALLBACK_QUERY),
        target.query_value(CALLBACK_VAR_QUERY),
    )
    .map_err(mixed_error)?;
    let Some(carried) = carried else {
        return Ok(None);
    };
    let params = CallbackParams::from_base64(carried.callback).map_err(|e| params_error(&e))?;
    let vars = match carried.callback_var.filter(|v| !v.is_empty()) {
        Some(var) => CallbackVars::from_base64(var).map_err(|e| vars_error(&e, "callback-var"))?,
        None => CallbackVars::new(),
    };
    Ok(Some(Callback { params, vars }))
}

/// The response headers describing a stored object: quoted `ETag`, CRC-64, for single
/// uploads `Content-MD5`, and `x-oss-version-id` when versioning is on.
pub fn object_headers(meta: &ObjectMeta) -> Vec<(String, String)> {
    let mut headers = vec![
        ("ETag".to_owned(), format!("\"{}\"", meta.etag)),
        ("x-oss-hash-crc64ecma".to_owned(), meta.crc64.to_string()),
    ];
    if !meta.content_md5.is_empty() {
        headers.push(("Content-MD5".to_owned(), meta.content_md5.clone()));
    }
    if let Some(version) = &meta.version_id {
        headers.push(("x-oss-version-id".to_owned(), version.clone()));
    }
    headers
}

/// Headers of an upload request that OSS stores with the object and returns on GET/HEAD.
pub fn stored_headers<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    const KEPT: [&str; 4] = [
        "Cache-Control",
        "Content-Disposition",
        "Content-Encoding",
        "Expires",
    ];
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("x-oss-meta-") {
                Some((lower, value.to_owned()))
            } else {
                KEPT.iter()
                    .find(|k| k.eq_ignore_ascii_case(name))
                    .map(|k| ((*k).to_owned(), value.to_owned()))
            }
        })
        .collect()
}

/// Whether `x-oss-forbid-overwrite` says `true`.
pub fn forbids_overwrite(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// `409 FileAlreadyExists`.
pub fn already_exists() -> OssError {
    OssError::new(
        409,
        "FileAlreadyExists",
        "The object you specified already exists and can not be overwritten.",
    )
}

/// The system variables of `meta` uploaded by `req` (spec §1.3).
pub fn system_values(meta: &ObjectMeta, req: &Incoming) -> SystemValues {
    SystemValues {
        bucket: meta.bucket.clone(),
        object: meta.key.clone(),
        etag: meta.etag.clone(),
        size: meta.size,
        mime_type: meta.content_type.clone(),
        image: meta.image.as_ref().map(|i| i.to_info()),
        crc64: meta.crc64,
        content_md5: meta.content_md5.clone(),
        vpc_id: String::new(),
        client_ip: req.client_ip.clone(),
        req_id: req.request_id.clone(),
        operation: meta.operation.clone(),
    }
}

/// The reply to a successful upload: `plain` without a callback; with one, the relayed JSON
/// (200) or `203 CallbackFailed` (spec §2.4). The object is stored either way.
pub fn finish(
    state: &State,
    req: &Incoming,
    meta: &ObjectMeta,
    callback: Option<&Callback>,
    plain: Reply,
) -> Reply {
    let Some(callback) = callback else {
        return plain.headers(object_headers(meta));
    };
    let values = system_values(meta, req);
    let outcome = state.caller.run(&CallbackJob {
        params: &callback.params,
        vars: &callback.vars,
        values: &values,
        now: req.now,
    });
    let summary = outcome.summary();
    let mut reply = match &outcome {
        CallbackOutcome::Relayed { body, .. } => {
            Reply::bytes(200, "application/json", body.clone())
        }
        CallbackOutcome::Failed { .. } => {
            let message = outcome.failure_message().unwrap_or_default();
            let error = OssError::new(CALLBACK_FAILED_STATUS, CALLBACK_FAILED_CODE, message);
            Reply::error(&error, &req.request_id, &state.host_id)
        }
    };
    reply.operation = plain.operation;
    reply.callback = Some(summary);
    reply.headers(object_headers(meta))
}
