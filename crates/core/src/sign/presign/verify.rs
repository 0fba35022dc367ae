//! Checking a received presigned request (spec §6.1, §6.2), as OSS would: for the local OSS
//! stand-in and for tests. The request is taken as received — method, the raw path naming the
//! object, the raw query and the headers — and decoded here once.
//!
//! The signature is recomputed from what arrived, so any header the client sent that OSS
//! signs (`Content-Type`, `Content-MD5`, `x-oss-*`, V4 additional headers) must match what was
//! presigned: a browser that adds or changes `Content-Type` gets [`PresignVerifyError::SignatureMismatch`],
//! exactly the failure OSS reports.

use super::super::crypto::constant_time_eq;
use super::super::query::{InvalidQuery, decode_component, parse_query};
use super::super::v4::{self, CanonicalRequest, MAX_EXPIRES_SECONDS, ParsedCredential};
use super::super::{Credentials, Region, SignatureVersion, v1};
use crate::time::parse_oss_date;

/// Clock skew OSS tolerates on `x-oss-date` in the future (spec §5.4: 15 minutes).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// A request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct ReceivedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The bucket, from the Host (virtual host) or the first path segment (path style); see
    /// [`split_path_style`].
    pub bucket: &'a str,
    /// The path naming the object, as received (percent-encoded), starting with `/`:
    /// `/dir/a%20b.txt`. The bucket is not part of it.
    pub raw_object_path: &'a str,
    /// The query as received, without the leading `?`.
    pub raw_query: &'a str,
    /// Every request header (any case).
    pub headers: &'a [(String, String)],
}

/// Splits a path-style target path `/bucket/key…` into the bucket and the object path `/key…`.
pub fn split_path_style(raw_path: &str) -> Option<(&str, &str)> {
    let rest = raw_path.strip_prefix('/')?;
    match rest.find('/') {
        Some(i) if i > 0 => Some((&rest[..i], &rest[i..])),
        None if !rest.is_empty() => Some((rest, "/")),
        _ => None,
    }
}

/// What a valid presigned request proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPresign {
    /// Which signature version it used.
    pub version: SignatureVersion,
    /// When it stops being valid, Unix seconds.
    pub expires_at: i64,
    /// The decoded object key.
    pub key: String,
}

/// Why a presigned request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresignVerifyError {
    /// Neither V4 (`x-oss-signature-version`) nor V1 (`OSSAccessKeyId`/`Signature`) parameters.
    NotPresigned,
    /// A required query parameter is missing or empty.
    MissingParameter(&'static str),
    /// A parameter has the wrong shape.
    Malformed {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The path or query is not valid percent-encoded UTF-8.
    BadEncoding(InvalidQuery),
    /// V4 `x-oss-expires` outside 1..=604800.
    ExpiresOutOfRange(u64),
    /// The URL expired at `expired_at`.
    Expired {
        /// Expiry, Unix seconds.
        expired_at: i64,
        /// The time of the check.
        now: i64,
    },
    /// V4 `x-oss-date` lies more than 15 minutes in the future.
    NotYetValid {
        /// The signing time claimed.
        signed_at: i64,
        /// The time of the check.
        now: i64,
    },
    /// The AccessKey id is not the one this verifier knows.
    UnknownAccessKey(String),
    /// The V4 scope names another region.
    WrongRegion {
        /// The region the verifier serves.
        expected: String,
        /// The region in the credential.
        found: String,
    },
    /// The STS token is missing or not the expected one.
    SecurityTokenMismatch,
    /// The signature does not match the request as received.
    SignatureMismatch,
}

impl core::fmt::Display for PresignVerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PresignVerifyError::NotPresigned => f.write_str(
                "request has no presigned-URL parameters (x-oss-signature-version or OSSAccessKeyId)",
            ),
            PresignVerifyError::MissingParameter(name) => {
                write!(f, "query parameter {name} is missing or empty")
            }
            PresignVerifyError::Malformed { parameter, reason } => {
                write!(f, "query parameter {parameter} is malformed: {reason}")
            }
            PresignVerifyError::BadEncoding(err) => write!(f, "{err}"),
            PresignVerifyError::ExpiresOutOfRange(seconds) => write!(
                f,
                "x-oss-expires={seconds} is outside 1..=604800 seconds"
            ),
            PresignVerifyError::Expired { expired_at, now } => write!(
                f,
                "presigned URL expired at {expired_at} (now {now}); ask the signer for a new one"
            ),
            PresignVerifyError::NotYetValid { signed_at, now } => write!(
                f,
                "x-oss-date {signed_at} is more than 15 minutes after now ({now}); check the signer's clock"
            ),
            PresignVerifyError::UnknownAccessKey(id) => {
                write!(f, "AccessKey id {id:?} is not known here")
            }
            PresignVerifyError::WrongRegion { expected, found } => write!(
                f,
                "credential scope names region {found:?} but this endpoint serves {expected:?}"
            ),
            PresignVerifyError::SecurityTokenMismatch => {
                f.write_str("STS security token missing or not the expected one")
            }
            PresignVerifyError::SignatureMismatch => f.write_str(
                "signature does not match: method, key, query and signed headers (Content-Type!) \
                 must be sent exactly as presigned",
            ),
        }
    }
}

impl std::error::Error for PresignVerifyError {}

fn find<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn require<'q>(
    query: &'q [(String, String)],
    name: &'static str,
) -> Result<&'q str, PresignVerifyError> {
    find(query, name)
        .filter(|v| !v.is_empty())
        .ok_or(PresignVerifyError::MissingParameter(name))
}

fn check_token(credentials: &Credentials, sent: Option<&str>) -> Result<(), PresignVerifyError> {
    credentials
        .security_token_matches(sent)
        .then_some(())
        .ok_or(PresignVerifyError::SecurityTokenMismatch)
}

/// Verifies a presigned request against the one AccessKey this stand-in serves (V4 scope
/// region `region`) at time `now` (spec §6.1, §6.2).
pub fn verify_presigned(
    request: &ReceivedRequest<'_>,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<VerifiedPresign, PresignVerifyError> {
    let query = parse_query(request.raw_query).map_err(PresignVerifyError::BadEncoding)?;
    let path =
        decode_component(request.raw_object_path).map_err(PresignVerifyError::BadEncoding)?;
    let key = path.strip_prefix('/').unwrap_or(&path).to_owned();
    if find(&query, "x-oss-signature-version").is_some() {
        verify_v4(request, &query, key, credentials, region, now)
    } else if find(&query, "OSSAccessKeyId").is_some() || find(&query, "Signature").is_some() {
        verify_v1(request, &query, key, credentials, now)
    } else {
        Err(PresignVerifyError::NotPresigned)
    }
}

fn verify_v4(
    request: &ReceivedRequest<'_>,
    query: &[(String, String)],
    key: String,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<VerifiedPresign, PresignVerifyError> {
    if require(query, "x-oss-signature-version")? != v4::ALGORITHM {
        return Err(PresignVerifyError::Malformed {
            parameter: "x-oss-signature-version",
            reason: "must be OSS4-HMAC-SHA256",
        });
    }
    let credential = ParsedCredential::parse(require(query, "x-oss-credential")?).ok_or(
        PresignVerifyError::Malformed {
            parameter: "x-oss-credential",
            reason: "expected <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request",
        },
    )?;
    let date = require(query, "x-oss-date")?;
    let signed_at = parse_oss_date(date).map_err(|_| PresignVerifyError::Malformed {
        parameter: "x-oss-date",
        reason: "expected yyyymmddTHHMMSSZ",
    })?;
    if !date.starts_with(credential.scope.day()) {
        return Err(PresignVerifyError::Malformed {
            parameter: "x-oss-credential",
            reason: "scope day differs from x-oss-date",
        });
    }
    let expires: u64 =
        require(query, "x-oss-expires")?
            .parse()
            .map_err(|_| PresignVerifyError::Malformed {
                parameter: "x-oss-expires",
                reason: "expected a number of seconds",
            })?;
    if !(1..=MAX_EXPIRES_SECONDS).contains(&expires) {
        return Err(PresignVerifyError::ExpiresOutOfRange(expires));
    }
    let signature = require(query, "x-oss-signature")?;
    let expires_at = signed_at.saturating_add(i64::try_from(expires).unwrap_or(i64::MAX));
    if now > expires_at {
        return Err(PresignVerifyError::Expired {
            expired_at: expires_at,
            now,
        });
    }
    if signed_at > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
        return Err(PresignVerifyError::NotYetValid { signed_at, now });
    }
    credential.belongs_to(credentials, region)?;
    check_token(credentials, find(query, "x-oss-security-token"))?;

    let signed_query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "x-oss-signature")
        .cloned()
        .collect();
    let additional: Vec<String> = find(query, "x-oss-additional-headers")
        .map(|list| list.split(';').map(str::to_owned).collect())
        .unwrap_or_default();
    let canonical = CanonicalRequest {
        method: request.method,
        bucket: Some(request.bucket),
        key: &key,
        query: &signed_query,
        headers: request.headers,
        additional_headers: &additional,
    };
    if !credential.signs(credentials, date, &canonical, signature) {
        return Err(PresignVerifyError::SignatureMismatch);
    }
    Ok(VerifiedPresign {
        version: SignatureVersion::V4,
        expires_at,
        key,
    })
}

fn verify_v1(
    request: &ReceivedRequest<'_>,
    query: &[(String, String)],
    key: String,
    credentials: &Credentials,
    now: i64,
) -> Result<VerifiedPresign, PresignVerifyError> {
    let access_key_id = require(query, "OSSAccessKeyId")?;
    let expires = require(query, "Expires")?;
    let signature = require(query, "Signature")?;
    let expires_at: i64 = expires.parse().map_err(|_| PresignVerifyError::Malformed {
        parameter: "Expires",
        reason: "expected absolute Unix seconds",
    })?;
    if now > expires_at {
        return Err(PresignVerifyError::Expired {
            expired_at: expires_at,
            now,
        });
    }
    if access_key_id != credentials.access_key_id {
        return Err(PresignVerifyError::UnknownAccessKey(
            access_key_id.to_owned(),
        ));
    }
    check_token(credentials, find(query, "security-token"))?;
    let resource = v1::canonicalized_resource(Some(request.bucket), &key, query);
    let string_to_sign = v1::string_to_sign(request.method, request.headers, expires, &resource);
    let expected = v1::sign(&credentials.access_key_secret, &string_to_sign);
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(PresignVerifyError::SignatureMismatch);
    }
    Ok(VerifiedPresign {
        version: SignatureVersion::V1,
        expires_at,
        key,
    })
}

impl From<v4::ScopeMismatch> for PresignVerifyError {
    fn from(mismatch: v4::ScopeMismatch) -> Self {
        match mismatch {
            v4::ScopeMismatch::UnknownAccessKey(id) => Self::UnknownAccessKey(id),
            v4::ScopeMismatch::WrongRegion { expected, found } => {
                Self::WrongRegion { expected, found }
            }
        }
    }
}
