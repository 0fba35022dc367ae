//! V4 presigned URLs (spec §6.2).
//!
//! Query parameters are written in the order the official Python SDK (oss2) writes them, so
//! URLs are byte-equal with it: the request's own parameters, then `x-oss-security-token`
//! (STS), `x-oss-date`, `x-oss-expires`, `x-oss-signature-version`, `x-oss-credential`,
//! `x-oss-additional-headers` (when any) and last `x-oss-signature`, which is not signed.

use super::{PresignError, PresignRequest, PresignedRequest, join_url, validate};
use crate::sign::v4::{self, CanonicalRequest, MAX_EXPIRES_SECONDS, Scope, SigningKey};
use crate::sign::{Credentials, Endpoint, Region};
use crate::time::format_oss_date;

/// Query parameters the V4 signer sets; a request may not carry them itself.
pub const RESERVED: &[&str] = &[
    "x-oss-security-token",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-additional-headers",
    "x-oss-signature",
];

/// Presigns `request` with V4, valid for `expires_in` seconds (1..=604800) from `now`.
pub fn presign(
    request: &PresignRequest,
    credentials: &Credentials,
    region: &Region,
    endpoint: &Endpoint,
    now: i64,
    expires_in: u64,
) -> Result<PresignedRequest, PresignError> {
    if !(1..=MAX_EXPIRES_SECONDS).contains(&expires_in) {
        return Err(PresignError::ExpiresOutOfRange {
            seconds: expires_in,
        });
    }
    validate(request, RESERVED)?;
    let scope = Scope::at(now, region.clone());
    let date = format_oss_date(now);

    let mut query = request.query.clone();
    if let Some(token) = &credentials.security_token {
        query.push(("x-oss-security-token".to_owned(), token.clone()));
    }
    query.push(("x-oss-date".to_owned(), date.clone()));
    query.push(("x-oss-expires".to_owned(), expires_in.to_string()));
    query.push((
        "x-oss-signature-version".to_owned(),
        v4::ALGORITHM.to_owned(),
    ));
    query.push((
        "x-oss-credential".to_owned(),
        scope.credential(&credentials.access_key_id),
    ));
    // Every header the client is told to send is signed; those OSS does not sign by default
    // are named in x-oss-additional-headers.
    let header_names: Vec<String> = request.headers.iter().map(|(n, _)| n.clone()).collect();
    let mut canonical = CanonicalRequest {
        method: &request.method,
        bucket: Some(&request.bucket),
        key: &request.key,
        query: &[],
        headers: &request.headers,
        additional_headers: &header_names,
    };
    let additional = canonical.additional_header_names();
    if !additional.is_empty() {
        query.push(("x-oss-additional-headers".to_owned(), additional.join(";")));
    }
    canonical.query = &query;
    let string_to_sign = v4::string_to_sign(&date, &scope, &canonical.to_text());
    let signature =
        SigningKey::derive(&credentials.access_key_secret, &scope).sign(&string_to_sign);
    query.push(("x-oss-signature".to_owned(), signature));

    let expires_in = i64::try_from(expires_in).unwrap_or(i64::MAX);
    Ok(PresignedRequest {
        method: request.method.clone(),
        url: join_url(endpoint.object_url(&request.bucket, &request.key), &query),
        headers: request.headers.clone(),
        expires_at: now.saturating_add(expires_in),
    })
}
