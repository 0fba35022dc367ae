//! PostObject: an HTML form upload authorised by a signed policy (spec §5).
//!
//! Order, as OSS: parse the form (`file` last), check signature and every policy condition
//! with the core ([`check_post`]), validate the callback, then store and call back.

use oss_edge_core::callback::params::{CallbackParams, CallbackVars, VAR_PREFIX};
use oss_edge_core::encoding::uri_encode;
use oss_edge_core::sign::post_policy::{Submission, check_post};

use crate::error::OssError;
use crate::facts::ObjectFacts;
use crate::http::{Incoming, Reply};
use crate::multipart::{self, FormError};
use crate::ops::put_object::DEFAULT_CONTENT_TYPE;
use crate::ops::{auth, check_key, store_error, upload};
use crate::route::Target;
use crate::state::State;
use crate::storage::NewObject;
use crate::xml;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn form_error(error: FormError) -> OssError {
    match error {
        FormError::FieldItemTooLong => OssError::new(400, "FieldItemTooLong", error.to_string()),
        _ => OssError::invalid_argument(error.to_string()),
    }
}

/// The callback of a form: the `callback` field and every `x:` field (spec §1.1 carrier 3).
fn form_callback(fields: &[(String, String)]) -> Result<Option<upload::Callback>, OssError> {
    let Some(encoded) = field(fields, "callback").filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let params = CallbackParams::from_base64(encoded).map_err(|e| upload::params_error(&e))?;
    let mut vars = CallbackVars::new();
    for (name, value) in fields {
        let is_var = name
            .get(..VAR_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(VAR_PREFIX));
        if is_var {
            // Field names are case-insensitive (spec §5.1); variable keys are lower case.
            vars.insert(name.to_ascii_lowercase(), value.clone())
                .map_err(|e| upload::vars_error(&e, name))?;
        }
    }
    Ok(Some(upload::Callback { params, vars }))
}

/// `POST /{bucket}` with `multipart/form-data`.
pub fn post_object(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    let content_type = req.header("content-type").unwrap_or_default();
    let form = multipart::parse(content_type, &req.body).map_err(form_error)?;
    let file = form.file.as_ref().ok_or_else(|| {
        OssError::new(
            400,
            "IncorrectNumberOfFilesInPOSTRequest",
            "POST requires exactly one file upload per request (the `file` field, last).",
        )
    })?;
    let submission = Submission {
        bucket: &target.bucket,
        fields: &form.fields,
        file_size: file.data.len() as u64,
    };
    check_post(&submission, &state.credentials, &state.region, req.now)
        .map_err(auth::post_rejection)?;

    let raw_key = field(&form.fields, "key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            OssError::invalid_argument("Bucket POST must contain a field named 'key'.")
                .with("ArgumentName", "key")
        })?;
    // Conditions saw the key before expansion (spec §5.2); the object gets the expanded one.
    let key = raw_key.replace("${filename}", &file.filename);
    check_key(&key)?;
    let callback = form_callback(&form.fields)?;

    let content_type = field(&form.fields, "content-type")
        .or(file.content_type.as_deref())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(DEFAULT_CONTENT_TYPE)
        .to_owned();
    let object = NewObject {
        bucket: target.bucket.clone(),
        key: key.clone(),
        content_type,
        operation: "PostObject",
        request_id: req.request_id.clone(),
        now: req.now,
        headers: upload::stored_headers(form.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        forbid_overwrite: upload::forbids_overwrite(field(&form.fields, "x-oss-forbid-overwrite")),
    };
    let meta = state
        .store
        .put(object, file.data, ObjectFacts::single(file.data))
        .map_err(store_error)?;

    let plain = match field(&form.fields, "success_action_status") {
        Some("200") => Reply::empty(200),
        Some("201") => {
            let host = req.header("host").unwrap_or("127.0.0.1");
            let location = format!(
                "http://{host}/{}/{}",
                target.bucket,
                uri_encode(key.as_bytes(), true)
            );
            let etag = format!("\"{}\"", meta.etag);
            Reply::xml(
                201,
                xml::document(
                    "PostResponse",
                    &[
                        ("Bucket", &target.bucket),
                        ("Location", &location),
                        ("Key", &key),
                        ("ETag", &etag),
                    ],
                ),
            )
        }
        _ => Reply::empty(204),
    }
    .operation("PostObject");
    Ok(upload::finish(state, req, &meta, callback.as_ref(), plain))
}
