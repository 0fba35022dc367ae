//! PutObject through a presigned URL (spec §6.1, §6.2), with the callback in the query or the
//! `x-oss-callback` headers.

use crate::error::OssError;
use crate::facts::ObjectFacts;
use crate::http::{Incoming, Reply};
use crate::ops::{auth, check_key, store_error, upload};
use crate::route::Target;
use crate::state::State;
use crate::storage::NewObject;

/// The default object type when a request names none.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// `PUT /{bucket}/{key}`.
pub fn put_object(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    if req.header("x-oss-copy-source").is_some() {
        return Err(OssError::not_implemented("CopyObject (x-oss-copy-source)"));
    }
    check_key(&target.key)?;
    let callback = upload::from_request(req, target)?;
    let facts = ObjectFacts::single(&req.body);
    if req
        .header("content-md5")
        .is_some_and(|sent| sent.trim() != facts.content_md5)
    {
        return Err(OssError::new(
            400,
            "InvalidDigest",
            "The Content-MD5 you specified is not valid.",
        ));
    }
    let object = NewObject {
        bucket: target.bucket.clone(),
        key: target.key.clone(),
        content_type: req
            .header("content-type")
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(DEFAULT_CONTENT_TYPE)
            .to_owned(),
        operation: "PutObject",
        request_id: req.request_id.clone(),
        now: req.now,
        headers: upload::stored_headers(req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        forbid_overwrite: upload::forbids_overwrite(req.header("x-oss-forbid-overwrite")),
    };
    let meta = state
        .store
        .put(object, &req.body, facts)
        .map_err(store_error)?;
    Ok(upload::finish(
        state,
        req,
        &meta,
        callback.as_ref(),
        Reply::empty(200).operation("PutObject"),
    ))
}
