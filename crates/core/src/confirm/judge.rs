//! Judging OSS's answer to a HeadObject against what the callback claimed.
//!
//! | answer | result |
//! |---|---|
//! | 200 with `Content-Length` and `ETag` | [`ObjectFacts`], after comparing the claims |
//! | 200 with a header missing, repeated or unreadable | [`ConfirmError::Malformed`] |
//! | 404 | [`ConfirmError::NotFound`] (nothing is stored under that key) |
//! | 401, 403 | [`ConfirmError::Denied`]: our credentials or RAM policy, an operator must fix it |
//! | 408, 429, 5xx | [`ConfirmError::Transient`]: retry within the reply budget |
//! | anything else | [`ConfirmError::Malformed`] |
//!
//! OSS's HEAD answer carries `Content-Length`, `Content-Type`, `ETag: "<HEX>"`, `Last-Modified`
//! (RFC 1123), `x-oss-hash-crc64ecma`, `x-oss-version-id` (versioned buckets) and, on errors,
//! `x-oss-ec` (the error code; a HEAD answer has no body). ETags compare case-insensitively
//! without quotes; content types by media type, case-insensitively.

use super::buckets::BucketTarget;
use super::error::ConfirmError;
use super::facts::{ObjectFacts, normalize_etag};
use crate::time::parse_http_date;

/// What the callback body claimed about the object, compared with the bucket's answer; `None`
/// is not compared (a recovery call claims nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claimed {
    /// `${size}`.
    pub size: Option<u64>,
    /// `${etag}`.
    pub etag: Option<String>,
    /// `${mimeType}`.
    pub content_type: Option<String>,
}

/// OSS's answer to a HeadObject: the status and the headers (any case) as received.
#[derive(Clone, Copy, Debug)]
pub struct HeadAnswer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: &'a [(String, String)],
}

/// The single value of header `name` (case-insensitive, trimmed); a repeated header is
/// malformed, since either copy could be the one that counts.
pub(crate) fn single_header<'a>(
    headers: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ConfirmError> {
    let mut values = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim());
    let first = values.next();
    if values.next().is_some() {
        return Err(ConfirmError::Malformed {
            reason: format!("header {name} appears more than once"),
        });
    }
    Ok(first)
}

/// The error for a non-200 answer; `not_found` is what a 404 means for this request.
pub(crate) fn failure(
    status: u16,
    headers: &[(String, String)],
    not_found: impl FnOnce() -> ConfirmError,
) -> ConfirmError {
    let code = || {
        single_header(headers, "x-oss-ec")
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match status {
        404 => not_found(),
        401 | 403 => ConfirmError::Denied {
            status,
            code: code(),
        },
        408 | 429 | 500..=599 => ConfirmError::Transient {
            status: Some(status),
            reason: match code() {
                Some(code) => format!("OSS is unavailable or throttling ({code})"),
                None => "OSS is unavailable or throttling".into(),
            },
        },
        _ => ConfirmError::Malformed {
            reason: format!("OSS answered HTTP {status}, which confirmation does not expect"),
        },
    }
}

fn malformed(reason: impl Into<String>) -> ConfirmError {
    ConfirmError::Malformed {
        reason: reason.into(),
    }
}

/// A decimal u64 with nothing else around it (no sign, no spaces inside).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An ETag as OSS writes it: visible ASCII without spaces, quotes only around it.
pub(crate) fn valid_etag(normalized: &str) -> bool {
    !normalized.is_empty()
        && normalized
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"')
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Judges `answer` to [`super::head_object`] for `key` in `bucket` against `claimed` (rules
/// in the [module docs](self)). On success the facts are the bucket's, never the claims'.
///
/// For a bucket configured as versioned, `x-oss-version-id` is required and enters the id; for
/// any other bucket it is not read, so callback, recovery and listing give the same id.
pub fn judge_head(
    bucket: &BucketTarget,
    key: &str,
    claimed: &Claimed,
    answer: &HeadAnswer<'_>,
) -> Result<ObjectFacts, ConfirmError> {
    if answer.status != 200 {
        return Err(failure(answer.status, answer.headers, || {
            ConfirmError::NotFound {
                bucket: bucket.name.clone(),
                key: key.to_owned(),
            }
        }));
    }
    let header = |name: &str| single_header(answer.headers, name);
    let size = header("content-length")?
        .ok_or_else(|| malformed("the 200 answer has no Content-Length"))?;
    let size = decimal(size)
        .ok_or_else(|| malformed(format!("Content-Length {size:?} is not a byte count")))?;
    let etag = header("etag")?.ok_or_else(|| malformed("the 200 answer has no ETag"))?;
    let normalized = normalize_etag(etag);
    if !valid_etag(&normalized) {
        return Err(malformed(format!("ETag {etag:?} is not an OSS ETag")));
    }
    let content_type = header("content-type")?
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let last_modified = header("last-modified")?
        .map(|text| {
            parse_http_date(text)
                .map_err(|_| malformed(format!("Last-Modified {text:?} is not an RFC 1123 date")))
        })
        .transpose()?;
    let crc64 = header("x-oss-hash-crc64ecma")?
        .map(|text| {
            decimal(text).ok_or_else(|| {
                malformed(format!(
                    "x-oss-hash-crc64ecma {text:?} is not a decimal CRC-64"
                ))
            })
        })
        .transpose()?;
    let version_id = if bucket.versioned {
        let id = header("x-oss-version-id")?.filter(|v| !v.is_empty()).ok_or_else(|| {
            malformed(format!(
                "bucket {:?} is configured as versioned but the answer has no x-oss-version-id: enable versioning or set \"versioned\": false in BUCKETS",
                bucket.name
            ))
        })?;
        Some(id.to_owned())
    } else {
        None
    };

    if let Some(claimed_size) = claimed.size
        && claimed_size != size
    {
        return Err(ConfirmError::Mismatch {
            field: "size",
            claimed: claimed_size.to_string(),
            actual: size.to_string(),
        });
    }
    if let Some(claimed_etag) = &claimed.etag
        && normalize_etag(claimed_etag) != normalized
    {
        return Err(ConfirmError::Mismatch {
            field: "etag",
            claimed: claimed_etag.clone(),
            actual: normalized,
        });
    }
    if let Some(claimed_type) = &claimed.content_type {
        let actual = content_type.as_deref().unwrap_or("");
        if media_type(claimed_type) != media_type(actual) {
            return Err(ConfirmError::Mismatch {
                field: "content_type",
                claimed: claimed_type.clone(),
                actual: actual.to_owned(),
            });
        }
    }
    Ok(ObjectFacts {
        bucket: bucket.name.clone(),
        key: key.to_owned(),
        size,
        etag: normalized,
        content_type,
        last_modified,
        crc64,
        version_id,
    })
}
