//! Signature V1 (legacy HMAC-SHA1), spec §5.3 and §6.1.
//!
//! OSS closed V1 to newly created buckets in 2025; it is kept for existing buckets and for
//! checking old clients. V4 ([`super::v4`]) is the default everywhere.
//!
//! ```text
//! StringToSign = VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//!                CanonicalizedOSSHeaders CanonicalizedResource
//! Signature    = base64(HMAC-SHA1(secret, StringToSign))
//! ```

use super::crypto::hmac_sha1;
use crate::encoding::base64_encode;

/// Query parameters that are sub-resources, i.e. part of the CanonicalizedResource (spec §6.1).
/// Any other query parameter (e.g. `OSSAccessKeyId`, `Expires`, `Signature`) is not signed.
/// Sorted, so membership is a binary search.
pub const SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "callback",
    "callback-var",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "lifecycle",
    "location",
    "logging",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "referer",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "stat",
    "symlink",
    "tagging",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
    "x-oss-process",
];

/// True when `name` is a V1 sub-resource (exact, case-sensitive match, spec §6.1).
pub fn is_sub_resource(name: &str) -> bool {
    SUB_RESOURCES.binary_search(&name).is_ok()
}

/// Base64 HMAC-SHA1 of `string_to_sign` under the AccessKey secret (spec §5.3, §6.1). For
/// PostObject the string to sign is the Base64 policy exactly as sent.
pub fn sign(access_key_secret: &str, string_to_sign: &str) -> String {
    base64_encode(&hmac_sha1(
        access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ))
}

/// `/bucket/key[?sub1=v1&sub2…]`: the key and the sub-resource values are **raw**, not
/// percent-encoded; sub-resources are sorted by name; an empty value gives the bare name
/// (spec §6.1). Non-sub-resource query parameters are ignored.
pub fn canonicalized_resource(
    bucket: Option<&str>,
    key: &str,
    query: &[(String, String)],
) -> String {
    let mut subs: Vec<&(String, String)> = query
        .iter()
        .filter(|(name, _)| is_sub_resource(name))
        .collect();
    subs.sort();
    let mut out = match bucket {
        Some(bucket) => format!("/{bucket}/{key}"),
        None => "/".to_owned(),
    };
    for (i, (name, value)) in subs.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        if !value.is_empty() {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// `x-oss-*` headers, lower-cased, sorted, each `name:value\n` (spec §6.1).
pub fn canonicalized_oss_headers(headers: &[(String, String)]) -> String {
    let mut oss: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
        .filter(|(name, _)| name.starts_with("x-oss-"))
        .collect();
    oss.sort();
    oss.into_iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect()
}

/// The V1 string to sign (spec §6.1). `date` is the `Date` header for header auth or the
/// absolute `Expires` (Unix seconds as text) for a presigned URL; `Content-MD5` and
/// `Content-Type` are read from `headers` (any case), empty when absent.
pub fn string_to_sign(
    method: &str,
    headers: &[(String, String)],
    date: &str,
    canonicalized_resource: &str,
) -> String {
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map_or("", |(_, value)| value.trim())
    };
    format!(
        "{method}\n{}\n{}\n{date}\n{}{canonicalized_resource}",
        header("content-md5"),
        header("content-type"),
        canonicalized_oss_headers(headers)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn sub_resource_table_is_sorted() {
        assert!(SUB_RESOURCES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_sub_resource("callback-var"));
        assert!(!is_sub_resource("OSSAccessKeyId"));
    }

    #[test]
    fn resource_keeps_raw_values_and_sorts() {
        let query = vec![
            ("uploadId".to_owned(), "a+b=".to_owned()),
            ("Expires".to_owned(), "1".to_owned()),
            ("partNumber".to_owned(), "2".to_owned()),
            ("uploads".to_owned(), String::new()),
        ];
        assert_eq!(
            canonicalized_resource(Some("b"), "a b", &query),
            "/b/a b?partNumber=2&uploadId=a+b=&uploads"
        );
        assert_eq!(canonicalized_resource(None, "", &[]), "/");
    }
}
