//! GetObject, HeadObject and DeleteObject.
//!
//! Reads behave like a public-read bucket: anonymous GET/HEAD are allowed (so a browser or a
//! test can fetch what it uploaded), and a presigned GET is checked when one is sent. Deletes
//! need a presigned URL.

use oss_edge_core::time::format_http_date;

use crate::error::OssError;
use crate::http::{Body, Incoming, Reply};
use crate::ops::{auth, store_error, upload};
use crate::route::Target;
use crate::state::State;

fn is_presigned(target: &Target) -> bool {
    target.has_query("x-oss-signature-version")
        || target.has_query("OSSAccessKeyId")
        || target.has_query("Signature")
}

/// `GET` or `HEAD /{bucket}/{key}`.
pub fn get_or_head(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    if is_presigned(target) {
        auth::presigned(state, req, target)?;
    }
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
    auth::presigned(state, req, target)?;
    state
        .store
        .delete(&target.bucket, &target.key)
        .map_err(store_error)?;
    Ok(Reply::empty(204).operation("DeleteObject"))
}
