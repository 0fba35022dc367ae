//! V1 presigned URLs (spec §6.1; legacy, opt-in: OSS closed V1 to new buckets in 2025).
//!
//! Query order follows oss2 so URLs are byte-equal with it: the request's own parameters, then
//! `security-token` (STS; a sub-resource, so signed), `OSSAccessKeyId`, `Expires`, `Signature`.

use super::{PresignError, PresignRequest, PresignedRequest, join_url, validate};
use crate::sign::v1;
use crate::sign::{Credentials, Endpoint};

/// Query parameters the V1 signer sets; a request may not carry them itself.
pub const RESERVED: &[&str] = &["security-token", "OSSAccessKeyId", "Expires", "Signature"];

/// Presigns `request` with V1; the URL stops working at `expires_at` (absolute Unix seconds).
pub fn presign(
    request: &PresignRequest,
    credentials: &Credentials,
    endpoint: &Endpoint,
    expires_at: i64,
) -> Result<PresignedRequest, PresignError> {
    validate(request, RESERVED)?;
    let mut query = request.query.clone();
    if let Some(token) = &credentials.security_token {
        query.push(("security-token".to_owned(), token.clone()));
    }
    let resource = v1::canonicalized_resource(Some(&request.bucket), &request.key, &query);
    let string_to_sign = v1::string_to_sign(
        &request.method,
        &request.headers,
        &expires_at.to_string(),
        &resource,
    );
    let signature = v1::sign(&credentials.access_key_secret, &string_to_sign);
    query.push((
        "OSSAccessKeyId".to_owned(),
        credentials.access_key_id.clone(),
    ));
    query.push(("Expires".to_owned(), expires_at.to_string()));
    query.push(("Signature".to_owned(), signature));
    Ok(PresignedRequest {
        method: request.method.clone(),
        url: join_url(endpoint.object_url(&request.bucket, &request.key), &query),
        headers: request.headers.clone(),
        expires_at,
    })
}
