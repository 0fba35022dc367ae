//! Request handlers, one module per group of OSS operations, and [`dispatch`], which routes a
//! request to one of them and turns any [`OssError`] into OSS's XML error reply.

pub mod auth;
pub mod list;
pub mod multipart_upload;
pub mod post_object;
pub mod put_object;
pub mod read;
pub mod upload;

use crate::error::OssError;
use crate::http::{Body, Incoming, Reply};
use crate::route::{self, Operation};
use crate::state::State;
use crate::storage::StoreError;

/// Longest object key, bytes.
pub const MAX_KEY_BYTES: usize = 1023;

/// OSS's object-name rules: 1 to 1023 bytes, not starting with `/` or `\`.
pub fn check_key(key: &str) -> Result<(), OssError> {
    let valid = !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && !key.starts_with('/')
        && !key.starts_with('\\');
    valid.then_some(()).ok_or_else(|| {
        OssError::new(
            400,
            "InvalidObjectName",
            "The specified object is not valid.",
        )
    })
}

/// Maps a storage failure.
pub fn store_error(error: StoreError) -> OssError {
    match error {
        StoreError::AlreadyExists => upload::already_exists(),
        StoreError::NoSuchUpload => OssError::new(
            404,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        ),
        other => OssError::internal(other),
    }
}

fn handle(state: &State, req: &Incoming) -> Result<Reply, OssError> {
    let host = req.header("host");
    if let Some(op) = route::sim_endpoint(&req.method, req.path(), host, &state.buckets) {
        return Ok(match op {
            Operation::PublicKey => Reply::bytes(
                200,
                "application/x-pem-file",
                state.public_key_pem.clone().into_bytes(),
            ),
            _ => Reply::bytes(200, "application/json", br#"{"status":"ok"}"#.to_vec()),
        }
        .operation(op.name()));
    }
    if req.method == "OPTIONS" {
        let headers = state.cors.preflight(
            req.header("origin"),
            req.header("access-control-request-method"),
            req.header("access-control-request-headers"),
        )?;
        return Ok(Reply::empty(200).headers(headers).operation("Options"));
    }
    if route::is_reserved(req.path()) {
        return Err(OssError::no_such_key(req.path()));
    }
    let target = route::parse_target(&req.target, host, &state.buckets)?;
    if !state.buckets.contains(&target.bucket) {
        return Err(OssError::no_such_bucket(&target.bucket));
    }
    match route::select(&req.method, &target)? {
        Operation::PostObject => post_object::post_object(state, req, &target),
        Operation::PutObject => put_object::put_object(state, req, &target),
        Operation::GetObject | Operation::HeadObject => read::get_or_head(state, req, &target),
        Operation::ListObjectsV2 => list::list_objects_v2(state, req, &target),
        Operation::DeleteObject => read::delete(state, req, &target),
        Operation::InitiateMultipartUpload => multipart_upload::initiate(state, req, &target),
        Operation::UploadPart => multipart_upload::upload_part(state, req, &target),
        Operation::CompleteMultipartUpload => multipart_upload::complete(state, req, &target),
        Operation::AbortMultipartUpload => multipart_upload::abort(state, req, &target),
        other => Err(OssError::method_not_allowed(other.name())),
    }
}

/// Handles `req`: the handler's reply, or OSS's XML error (for HEAD only the status and the
/// headers, `x-oss-ec` included, as OSS: a HEAD answer has no body).
pub fn dispatch(state: &State, req: &Incoming) -> Reply {
    handle(state, req).unwrap_or_else(|error| {
        let reply = Reply::error(&error, &req.request_id, &state.host_id);
        if req.method == "HEAD" {
            reply.with_body(Body::Empty)
        } else {
            reply
        }
    })
}
