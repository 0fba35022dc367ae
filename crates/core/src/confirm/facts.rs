//! What the bucket says about a stored object, and the event id derived from it.
//!
//! The id is the object's identity as the bucket reports it, so every path that can deliver
//! the event (the callback, a replay of it with other headers or another `Content-Type`, the
//! client's recovery call, the operator's reconciliation) yields the same id for the same
//! stored object, and nothing a sender can vary without changing the object changes it:
//!
//! ```text
//! id = "sha256:" + hex(SHA-256( u64be(len(bucket))     || bucket
//!                             || u64be(len(key))        || key
//!                             || u64be(len(etag))       || etag        (no quotes, upper-case)
//!                             || u64be(len(version_id)) || version_id  ("" when none) ))
//! ```
//!
//! The length prefixes keep field boundaries (`"ab" + "c"` differs from `"a" + "bc"`).

use serde::{Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use crate::callback::event::{BodyIncomplete, UploadClaims};
use crate::encoding::hex_lower;

/// The facts of one stored object: from a HeadObject answer ([`super::judge_head`]), a listing
/// entry ([`super::judge_listing_entry`]), or — with confirmation off — the callback body's
/// claims ([`ObjectFacts::from_claims`]). Serialised as the event's `object` member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectFacts {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// Size in bytes (`Content-Length`).
    pub size: u64,
    /// The ETag without quotes, upper-case (see [`normalize_etag`]); empty only when built
    /// from a callback body that carried no `etag`.
    pub etag: String,
    /// The object's `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `Last-Modified`, Unix seconds (serialised as RFC 3339 UTC).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_rfc3339"
    )]
    pub last_modified: Option<i64>,
    /// `x-oss-hash-crc64ecma`, CRC-64/ECMA (serialised as a decimal string: a u64 does not fit
    /// a JSON number safely).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_decimal"
    )]
    pub crc64: Option<u64>,
    /// `x-oss-version-id`, read only for buckets configured as versioned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

fn serialize_rfc3339<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(unix) => s.serialize_str(&crate::time::format_rfc3339(*unix)),
        None => s.serialize_none(),
    }
}

fn serialize_decimal<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

/// An ETag as the id uses it: surrounding whitespace and one pair of double quotes removed,
/// ASCII upper-cased. OSS sends `"D8E8FCA2DC0F896FD7CB4CB0031BA249"` in headers and listings
/// (`&quot;` in XML) and renders `${etag}` without quotes; all give the same text.
pub fn normalize_etag(etag: &str) -> String {
    let trimmed = etag.trim();
    let unquoted = trimmed
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(trimmed);
    unquoted.to_ascii_uppercase()
}

/// The event id of an object (formula in the [module docs](self)); `etag` is normalised with
/// [`normalize_etag`], so a quoted or lower-case ETag gives the same id.
pub fn event_id(bucket: &str, key: &str, etag: &str, version_id: Option<&str>) -> String {
    let etag = normalize_etag(etag);
    let mut hasher = Sha256::new();
    for field in [bucket, key, &etag, version_id.unwrap_or("")] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    format!("sha256:{}", hex_lower(&hasher.finalize()))
}

impl ObjectFacts {
    /// The event id: bucket, key, ETag and version id, nothing else ([module docs](self)).
    pub fn event_id(&self) -> String {
        event_id(
            &self.bucket,
            &self.key,
            &self.etag,
            self.version_id.as_deref(),
        )
    }

    /// Facts taken from a callback body's claims, for a callback Worker running with
    /// confirmation off (the event then says `confirmed: false`). The body must name the
    /// bucket, object and size ([`BodyIncomplete`] otherwise); the claimed ETag, `mimeType`
    /// and CRC-64 are carried over, an absent ETag as `""`.
    pub fn from_claims(claims: &UploadClaims) -> Result<Self, BodyIncomplete> {
        let identity = claims.identity()?;
        Ok(Self {
            bucket: identity.bucket,
            key: identity.key,
            size: identity.size,
            etag: claims
                .etag
                .as_deref()
                .map(normalize_etag)
                .unwrap_or_default(),
            content_type: claims.mime_type.clone(),
            last_modified: None,
            crc64: claims.crc64.as_deref().and_then(|c| c.parse().ok()),
            version_id: None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn etags_normalise_to_one_spelling() {
        for spelling in [
            "D8E8FCA2DC0F896FD7CB4CB0031BA249",
            "\"D8E8FCA2DC0F896FD7CB4CB0031BA249\"",
            " \"d8e8fca2dc0f896fd7cb4cb0031ba249\" ",
        ] {
            assert_eq!(normalize_etag(spelling), "D8E8FCA2DC0F896FD7CB4CB0031BA249");
        }
        assert_eq!(normalize_etag("\"A-2\""), "A-2");
        assert_eq!(normalize_etag("\"A"), "\"A", "one pair only");
    }

    #[test]
    fn from_claims_needs_bucket_object_and_size() {
        let mut claims = UploadClaims {
            bucket: Some("b".into()),
            object: Some("k".into()),
            size: Some(3),
            etag: Some("\"abc\"".into()),
            mime_type: Some("image/png".into()),
            crc64: Some("18446744073709551615".into()),
            ..UploadClaims::default()
        };
        let facts = ObjectFacts::from_claims(&claims).unwrap();
        assert_eq!(facts.etag, "ABC");
        assert_eq!(facts.crc64, Some(u64::MAX));
        assert_eq!(facts.content_type.as_deref(), Some("image/png"));
        claims.etag = None;
        assert_eq!(ObjectFacts::from_claims(&claims).unwrap().etag, "");
        claims.size = None;
        claims.bucket = None;
        let error = ObjectFacts::from_claims(&claims).unwrap_err();
        assert_eq!(error.missing, vec!["bucket", "size"]);
        assert_eq!(error.code(), "body_incomplete");
    }
}
