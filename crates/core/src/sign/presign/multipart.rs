//! A presigned multipart upload plan for large files (spec §6.3).
//!
//! The flow has two phases because OSS picks the upload id:
//! 1. the client uses [`initiate`] (`POST /key?uploads`) and reads `UploadId` from the XML reply;
//! 2. it asks the signer again with that id for [`plan`]: one `PUT ?partNumber=N&uploadId=ID`
//!    per part and the `POST ?uploadId=ID` CompleteMultipartUpload, which carries the upload
//!    callback in its query. OSS then replaces the Complete XML reply with the callback's answer
//!    and `${size}` is the whole object's size (spec §6.3).

use super::{PresignError, PresignOptions, PresignRequest, PresignedRequest, presign};

/// The largest part number OSS accepts.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// The Content-Type signed on CompleteMultipartUpload, whose body is the XML part list.
/// Signing it tells the client which header to send (browsers otherwise pick their own).
pub const COMPLETE_CONTENT_TYPE: &str = "application/xml";

/// `POST /key?uploads` (InitiateMultipartUpload). `content_type`, when given, becomes the
/// object's type and is a header the client must send.
pub fn initiate(bucket: &str, key: &str, content_type: Option<&str>) -> PresignRequest {
    let request = PresignRequest::new("POST", bucket, key).query_param("uploads", "");
    match content_type {
        Some(content_type) => request.content_type(content_type),
        None => request,
    }
}

/// `PUT /key?partNumber=N&uploadId=ID` (UploadPart), N in 1..=10000. No headers are signed: the
/// client sends the part bytes without a Content-Type.
pub fn upload_part(
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: u32,
) -> Result<PresignRequest, PresignError> {
    if !(1..=MAX_PART_NUMBER).contains(&part_number) {
        return Err(PresignError::InvalidPartNumber(part_number));
    }
    Ok(PresignRequest::put(bucket, key)
        .query_param("partNumber", &part_number.to_string())
        .query_param("uploadId", upload_id))
}

/// `POST /key?uploadId=ID` (CompleteMultipartUpload) with the callback in the query.
pub fn complete(
    bucket: &str,
    key: &str,
    upload_id: &str,
    callback_b64: Option<&str>,
    callback_var_b64: Option<&str>,
) -> PresignRequest {
    let request = PresignRequest::new("POST", bucket, key)
        .query_param("uploadId", upload_id)
        .content_type(COMPLETE_CONTENT_TYPE);
    match callback_b64 {
        Some(callback) => request.callback(callback, callback_var_b64),
        None => request,
    }
}

/// Presigned UploadPart requests for parts `1..=part_count` and the Complete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartPlan {
    /// One presigned `PUT` per part, in part-number order.
    pub parts: Vec<PresignedRequest>,
    /// The presigned CompleteMultipartUpload carrying the callback.
    pub complete: PresignedRequest,
}

/// Presigns every part and the completion of upload `upload_id` (phase 2 in the module docs).
pub fn plan(
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_count: u32,
    callback_b64: Option<&str>,
    callback_var_b64: Option<&str>,
    options: &PresignOptions,
) -> Result<MultipartPlan, PresignError> {
    if !(1..=MAX_PART_NUMBER).contains(&part_count) {
        return Err(PresignError::InvalidPartNumber(part_count));
    }
    let parts = (1..=part_count)
        .map(|n| presign(&upload_part(bucket, key, upload_id, n)?, options))
        .collect::<Result<Vec<_>, _>>()?;
    let complete = presign(
        &complete(bucket, key, upload_id, callback_b64, callback_var_b64),
        options,
    )?;
    Ok(MultipartPlan { parts, complete })
}
