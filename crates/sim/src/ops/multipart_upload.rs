//! InitiateMultipartUpload, UploadPart, CompleteMultipartUpload (with its callback, spec
//! §6.3) and AbortMultipartUpload, each through a presigned URL.

use oss_edge_core::encoding::uri_encode;
use oss_edge_core::sign::presign::multipart::MAX_PART_NUMBER;

use crate::error::OssError;
use crate::facts::ObjectFacts;
use crate::http::{Incoming, Reply};
use crate::ops::put_object::DEFAULT_CONTENT_TYPE;
use crate::ops::{auth, check_key, store_error, upload};
use crate::route::Target;
use crate::state::State;
use crate::storage::{NewObject, StoreError, UploadMeta};
use crate::xml;

/// Smallest part OSS accepts, except the last one (100 KB).
pub const MIN_PART_BYTES: u64 = 100 * 1024;

fn upload_id(target: &Target) -> Result<&str, OssError> {
    target
        .query_value("uploadId")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| OssError::invalid_argument("uploadId is missing or empty"))
}

fn upload_of(state: &State, target: &Target) -> Result<(String, UploadMeta), OssError> {
    let id = upload_id(target)?;
    let meta = state
        .store
        .upload(id, &target.bucket, &target.key)
        .map_err(|e| match e {
            StoreError::NoSuchUpload => OssError::no_such_upload(id),
            other => store_error(other),
        })?;
    Ok((id.to_owned(), meta))
}

/// `POST /{bucket}/{key}?uploads`.
pub fn initiate(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    check_key(&target.key)?;
    if upload::forbids_overwrite(req.header("x-oss-forbid-overwrite"))
        && state.store.exists(&target.bucket, &target.key)
    {
        return Err(upload::already_exists());
    }
    let meta = UploadMeta {
        bucket: target.bucket.clone(),
        key: target.key.clone(),
        content_type: req
            .header("content-type")
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(DEFAULT_CONTENT_TYPE)
            .to_owned(),
        headers: upload::stored_headers(req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
    };
    let id = state.store.create_upload(&meta).map_err(store_error)?;
    Ok(Reply::xml(
        200,
        xml::document(
            "InitiateMultipartUploadResult",
            &[
                ("Bucket", &target.bucket),
                ("Key", &target.key),
                ("UploadId", &id),
            ],
        ),
    )
    .operation("InitiateMultipartUpload"))
}

/// `PUT /{bucket}/{key}?partNumber=N&uploadId=ID`.
pub fn upload_part(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    if req.header("x-oss-copy-source").is_some() {
        return Err(OssError::not_implemented(
            "UploadPartCopy (x-oss-copy-source)",
        ));
    }
    let number: u32 = target
        .query_value("partNumber")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            OssError::invalid_argument(format!(
                "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            ))
            .with("ArgumentName", "partNumber")
        })?;
    let (id, _) = upload_of(state, target)?;
    let part = state
        .store
        .put_part(&id, number, &req.body)
        .map_err(store_error)?;
    let facts = ObjectFacts::single(&req.body);
    Ok(Reply::empty(200)
        .header("ETag", format!("\"{}\"", part.etag))
        .header("x-oss-hash-crc64ecma", facts.crc64.to_string())
        .header("Content-MD5", facts.content_md5)
        .operation("UploadPart"))
}

/// `POST /{bucket}/{key}?uploadId=ID` with the XML part list.
pub fn complete(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    let (id, upload_meta) = upload_of(state, target)?;
    let callback = upload::from_request(req, target)?;
    let parts = xml::parse_complete(&req.body).map_err(|e| {
        OssError::new(
            400,
            "MalformedXML",
            format!(
                "The XML you provided was not well-formed or did not validate against our \
                 published schema. ({})",
                e.0
            ),
        )
    })?;
    if parts.windows(2).any(|w| w[0].number >= w[1].number) {
        return Err(OssError::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts list must be specified in \
             order by part number.",
        ));
    }
    let mut data = Vec::new();
    let mut md5s = Vec::with_capacity(parts.len());
    for (index, wanted) in parts.iter().enumerate() {
        let stored = state
            .store
            .part(&id, wanted.number)
            .map_err(store_error)?
            .filter(|p| p.etag.eq_ignore_ascii_case(&wanted.etag))
            .ok_or_else(|| {
                OssError::invalid_part(format!(
                    "One or more of the specified parts could not be found or the specified \
                     entity tag might not have matched the part's entity tag. (part {})",
                    wanted.number
                ))
                .with("PartNumber", wanted.number.to_string())
            })?;
        if index + 1 < parts.len() && stored.size < MIN_PART_BYTES {
            return Err(OssError::entity_too_small(format!(
                "Your proposed upload is smaller than the minimum allowed size: part {} has {} \
                 bytes; every part but the last needs at least {MIN_PART_BYTES}.",
                stored.number, stored.size
            ))
            .with("PartNumber", stored.number.to_string()));
        }
        if data.len() as u64 + stored.size > state.max_object_bytes {
            return Err(OssError::entity_too_large(format!(
                "the object would exceed oss-sim's limit of {} bytes",
                state.max_object_bytes
            )));
        }
        data.extend_from_slice(
            &state
                .store
                .read_part(&id, wanted.number)
                .map_err(store_error)?,
        );
        md5s.push(stored.md5);
    }
    let object = NewObject {
        bucket: target.bucket.clone(),
        key: target.key.clone(),
        content_type: upload_meta.content_type,
        operation: "CompleteMultipartUpload",
        request_id: req.request_id.clone(),
        now: req.now,
        headers: upload_meta.headers,
        forbid_overwrite: upload::forbids_overwrite(req.header("x-oss-forbid-overwrite")),
    };
    let facts = ObjectFacts::multipart(&data, &md5s);
    let meta = state.store.put(object, &data, facts).map_err(store_error)?;
    state.store.remove_upload(&id).map_err(store_error)?;

    let host = req.header("host").unwrap_or("127.0.0.1");
    let location = format!(
        "http://{host}/{}/{}",
        target.bucket,
        uri_encode(target.key.as_bytes(), true)
    );
    let etag = format!("\"{}\"", meta.etag);
    let plain = Reply::xml(
        200,
        xml::document(
            "CompleteMultipartUploadResult",
            &[
                ("Location", &location),
                ("Bucket", &target.bucket),
                ("Key", &target.key),
                ("ETag", &etag),
            ],
        ),
    )
    .operation("CompleteMultipartUpload");
    Ok(upload::finish(state, req, &meta, callback.as_ref(), plain))
}

/// `DELETE /{bucket}/{key}?uploadId=ID`.
pub fn abort(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    auth::signed(state, req, target)?;
    let (id, _) = upload_of(state, target)?;
    state.store.remove_upload(&id).map_err(store_error)?;
    Ok(Reply::empty(204).operation("AbortMultipartUpload"))
}
