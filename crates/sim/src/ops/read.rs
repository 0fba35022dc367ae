//! GetObject, HeadObject and DeleteObject.
//!
//! The bucket is private, as a new OSS bucket: reads must be signed (an `Authorization` header
//! or a presigned URL) unless the sim runs with `--public-read`. HEAD answers with the headers
//! OSS sends (`Content-Length`, quoted upper-case `ETag`, `Content-Type`, `Last-Modified` in RFC
//! 1123, `x-oss-hash-crc64ecma`, `x-oss-object-type`, `x-oss-version-id` when versioning is on;
//! the server adds `x-oss-request-id`) and never a body. Deletes must be signed.

use oss_edge_core::time::format_http_date;

use crate::error::OssError;
use crate::http::{Body, Incoming, Reply};
use crate::ops::{auth, store_error, upload};
use crate::route::Target;
use crate::state::State;

/// `GET` or `HEAD /{bucket}/{key}`.
pub fn get_or_head(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::read(state, req, target)?;
    let (meta, path) = state
        .store
        .get(&target.bucket, &target.key)
        .map_err(store_error)?
        .ok_or_else(|| OssError::no_such_key(&target.key))?;
    let operation = if req.method == "HEAD" {
        "HeadObject"
    } else {
        "GetObject"
    };
    Ok(Reply::empty(200)
        .header("Content-Type", meta.content_type.clone())
        .header("Last-Modified", format_http_date(meta.last_modified))
        .header("x-oss-object-type", meta.object_type.clone())
        .header("x-oss-storage-class", "Standard")
        .headers(upload::object_headers(&meta))
        .headers(meta.headers.clone())
        .with_body(Body::File {
            path,
            len: meta.size,
        })
        .operation(operation))
}

/// `DELETE /{bucket}/{key}`.
pub fn delete(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    state
        .store
        .delete(&target.bucket, &target.key)
        .map_err(store_error)?;
    Ok(Reply::empty(204).operation("DeleteObject"))
}
