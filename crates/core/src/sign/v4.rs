//! Signature V4, `OSS4-HMAC-SHA256` (spec §5.4, §6.2).
//!
//! ```text
//! k_date    = HMAC-SHA256("aliyun_v4" + secret, yyyymmdd)
//! k_region  = HMAC-SHA256(k_date, region)
//! k_service = HMAC-SHA256(k_region, "oss")
//! k_signing = HMAC-SHA256(k_service, "aliyun_v4_request")
//! signature = hex(HMAC-SHA256(k_signing, string_to_sign))
//! ```
//! PostObject signs the Base64 policy itself; requests sign a string built from a
//! [`CanonicalRequest`] by [`string_to_sign`].

use super::Credentials;
use super::crypto::{hmac_sha256, sha256};
use super::region::Region;
use crate::encoding::{hex_lower, uri_encode};
use crate::time::format_oss_day;

/// The algorithm name: `x-oss-signature-version` value and string-to-sign header (spec §5.4).
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The service name in the scope.
pub const SERVICE: &str = "oss";
/// The terminator of the scope; a credential must end with it (EC 0002-00000710, spec §5.4).
pub const TERMINATOR: &str = "aliyun_v4_request";
/// Hashed payload used when the body is not signed (spec §6.2).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest `x-oss-expires` OSS accepts, 7 days (spec §6.2, EC 0002-00000232).
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;
/// Headers signed by default besides `x-oss-*` (spec §6.2).
const DEFAULT_SIGNED_HEADERS: [&str; 2] = ["content-type", "content-md5"];

/// The credential scope `yyyymmdd/region/oss/aliyun_v4_request` (spec §5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    day: String,
    region: Region,
}

impl Scope {
    /// The scope for a signature made at `now` (Unix seconds) in `region`.
    pub fn at(now: i64, region: Region) -> Self {
        Self {
            day: format_oss_day(now),
            region,
        }
    }

    /// The `yyyymmdd` part.
    pub fn day(&self) -> &str {
        &self.day
    }

    /// The region part.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// `x-oss-credential`: `<AccessKeyId>/<scope>` (spec §5.4).
    pub fn credential(&self, access_key_id: &str) -> String {
        format!("{access_key_id}/{self}")
    }
}

impl core::fmt::Display for Scope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}/{SERVICE}/{TERMINATOR}", self.day, self.region)
    }
}

/// A parsed `x-oss-credential` value: `<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCredential {
    /// The AccessKey id.
    pub access_key_id: String,
    /// The scope the signature was made for.
    pub scope: Scope,
}

impl ParsedCredential {
    /// Parses a credential string; `None` when it does not have the five parts, a valid day
    /// and region, `oss` and the `aliyun_v4_request` terminator (EC 0002-00000710).
    pub fn parse(text: &str) -> Option<Self> {
        // The AccessKey id never contains '/', so split from the right: 4 scope parts + id.
        let mut parts = text.rsplitn(5, '/');
        let terminator = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let day = parts.next()?;
        let access_key_id = parts.next()?;
        let day_ok = day.len() == 8
            && day.bytes().all(|b| b.is_ascii_digit())
            && crate::time::parse_oss_date(&format!("{day}T000000Z")).is_ok();
        if terminator != TERMINATOR || service != SERVICE || !day_ok || access_key_id.is_empty() {
            return None;
        }
        // The scope must carry the bare id; a prefixed `oss-` region is a different scope.
        let region = Region::parse(region)
            .ok()
            .filter(|r| r.as_str() == region)?;
        Some(Self {
            access_key_id: access_key_id.to_owned(),
            scope: Scope {
                day: day.to_owned(),
                region,
            },
        })
    }

    /// Whether this credential names `credentials`' AccessKey and the `region` a verifier
    /// serves (spec §6.2), the same check for header-signed and presigned requests.
    pub fn belongs_to(
        &self,
        credentials: &Credentials,
        region: &Region,
    ) -> Result<(), ScopeMismatch> {
        if self.access_key_id != credentials.access_key_id {
            return Err(ScopeMismatch::UnknownAccessKey(self.access_key_id.clone()));
        }
        if self.scope.region() != region {
            return Err(ScopeMismatch::WrongRegion {
                expected: region.to_string(),
                found: self.scope.region().to_string(),
            });
        }
        Ok(())
    }

    /// Whether `signature` is the V4 signature of `canonical` at `date` under this scope with
    /// `credentials`' secret, compared in constant time (spec §6.2).
    pub fn signs(
        &self,
        credentials: &Credentials,
        date: &str,
        canonical: &CanonicalRequest<'_>,
        signature: &str,
    ) -> bool {
        let expected = SigningKey::derive(&credentials.access_key_secret, &self.scope)
            .sign(&string_to_sign(date, &self.scope, &canonical.to_text()));
        super::crypto::constant_time_eq(expected.as_bytes(), signature.as_bytes())
    }
}

/// Why a V4 credential is not one a verifier accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeMismatch {
    /// Another AccessKey id.
    UnknownAccessKey(String),
    /// Another region.
    WrongRegion {
        /// The region the verifier serves.
        expected: String,
        /// The region in the credential.
        found: String,
    },
}

/// The derived `k_signing` key. `Debug` does not print it.
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// Derives `k_signing` from the AccessKey secret and the scope (spec §5.4).
    pub fn derive(access_key_secret: &str, scope: &Scope) -> Self {
        let mut seed = Vec::with_capacity(9 + access_key_secret.len());
        seed.extend_from_slice(b"aliyun_v4");
        seed.extend_from_slice(access_key_secret.as_bytes());
        let k_date = hmac_sha256(&seed, scope.day.as_bytes());
        let k_region = hmac_sha256(&k_date, scope.region.as_str().as_bytes());
        let k_service = hmac_sha256(&k_region, SERVICE.as_bytes());
        Self(hmac_sha256(&k_service, TERMINATOR.as_bytes()))
    }

    /// Lower-case hex HMAC-SHA256 of `string_to_sign` (spec §5.4, §6.2).
    pub fn sign(&self, string_to_sign: &str) -> String {
        hex_lower(&hmac_sha256(&self.0, string_to_sign.as_bytes()))
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// The V4 PostObject signature: hex HMAC-SHA256 of the Base64 policy exactly as sent (spec §5.4).
pub fn sign_post_policy(access_key_secret: &str, scope: &Scope, policy_base64: &str) -> String {
    SigningKey::derive(access_key_secret, scope).sign(policy_base64)
}

/// The request a V4 signature covers (spec §6.2). The same shape serves header and query auth.
#[derive(Clone, Debug)]
pub struct CanonicalRequest<'a> {
    /// HTTP method, e.g. `PUT`.
    pub method: &'a str,
    /// The bucket; `None` for service-level requests (canonical URI `/`).
    pub bucket: Option<&'a str>,
    /// The object key, raw (not percent-encoded); empty for bucket-level requests.
    pub key: &'a str,
    /// Decoded query pairs, without `x-oss-signature`.
    pub query: &'a [(String, String)],
    /// Request headers (any case). Only `x-oss-*`, `content-type`, `content-md5` and the
    /// additional headers are signed.
    pub headers: &'a [(String, String)],
    /// Extra header names to sign (`x-oss-additional-headers`), any case.
    pub additional_headers: &'a [String],
}

/// Sorts a short list (the query pairs and headers of one request) by insertion. The result
/// is the same as `sort()`'s (equal elements are identical), but std's sort adds ~4 KB of code
/// per element type to a Worker, and these lists hold a handful of entries.
fn sort_small<T: Ord>(items: &mut [T]) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && items[j - 1] > items[j] {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

impl CanonicalRequest<'_> {
    /// The canonical URI: `URIEncode("/" + bucket + "/" + key)` keeping `/` (spec §6.2).
    pub fn canonical_uri(&self) -> String {
        match self.bucket {
            Some(bucket) => uri_encode(format!("/{bucket}/{}", self.key).as_bytes(), true),
            None => "/".to_owned(),
        }
    }

    /// The canonical query: pairs encoded, sorted by encoded name, `k` alone when empty.
    pub fn canonical_query(&self) -> String {
        let mut encoded: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(k, v)| {
                (
                    uri_encode(k.as_bytes(), false),
                    uri_encode(v.as_bytes(), false),
                )
            })
            .collect();
        sort_small(&mut encoded);
        let items: Vec<String> = encoded
            .into_iter()
            .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
            .collect();
        items.join("&")
    }

    /// The additional header names as signed: lower-case, sorted, de-duplicated, and without
    /// the names that are signed anyway (`x-oss-*`, `content-type`, `content-md5`).
    pub fn additional_header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .additional_headers
            .iter()
            .map(|name| name.to_ascii_lowercase())
            .filter(|name| !is_default_signed(name))
            .collect();
        sort_small(&mut names);
        names.dedup();
        names
    }

    /// The canonical headers block: `name:trimmed value\n` per signed header, sorted by name.
    pub fn canonical_headers(&self) -> String {
        let additional = self.additional_header_names();
        let mut signed: Vec<(String, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
            .filter(|(name, _)| is_default_signed(name) || additional.contains(name))
            .collect();
        sort_small(&mut signed);
        signed
            .into_iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect()
    }

    /// The payload hash line: the `x-oss-content-sha256` header, else `UNSIGNED-PAYLOAD`.
    pub fn hashed_payload(&self) -> &str {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("x-oss-content-sha256"))
            .map_or(UNSIGNED_PAYLOAD, |(_, value)| value.trim())
    }

    /// The full canonical request text (spec §6.2).
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.canonical_uri(),
            self.canonical_query(),
            self.canonical_headers(),
            self.additional_header_names().join(";"),
            self.hashed_payload()
        )
    }
}

fn is_default_signed(lower_name: &str) -> bool {
    lower_name.starts_with("x-oss-") || DEFAULT_SIGNED_HEADERS.contains(&lower_name)
}

/// `OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hex sha256(canonical request)>` (spec §6.2).
pub fn string_to_sign(x_oss_date: &str, scope: &Scope, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{x_oss_date}\n{scope}\n{}",
        hex_lower(&sha256(canonical_request.as_bytes()))
    )
}

/// Signs a request with header authentication and returns the `Authorization` value
/// `OSS4-HMAC-SHA256 Credential=<AK>/<scope>,[AdditionalHeaders=a;b,]Signature=<hex>` (spec §6.2).
///
/// The caller must already have put `x-oss-date` (the value passed here) and, for STS,
/// `x-oss-security-token` into `request.headers`, and sends those headers unchanged.
pub fn authorization_header(
    credentials: &Credentials,
    scope: &Scope,
    x_oss_date: &str,
    request: &CanonicalRequest<'_>,
) -> String {
    let key = SigningKey::derive(&credentials.access_key_secret, scope);
    let signature = key.sign(&string_to_sign(x_oss_date, scope, &request.to_text()));
    let additional = request.additional_header_names();
    let additional = if additional.is_empty() {
        String::new()
    } else {
        format!("AdditionalHeaders={},", additional.join(";"))
    };
    format!(
        "{ALGORITHM} Credential={},{additional}Signature={signature}",
        scope.credential(&credentials.access_key_id)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn sort_small_sorts_like_sort() {
        let mut pairs = vec![("b", "1"), ("a", "2"), ("b", "0"), ("a", "2"), ("", "z")];
        let mut expected = pairs.clone();
        expected.sort();
        sort_small(&mut pairs);
        assert_eq!(pairs, expected);
        let mut empty: Vec<u8> = Vec::new();
        sort_small(&mut empty);
        assert!(empty.is_empty());
    }

    fn scope() -> Scope {
        Scope::at(1_700_000_000, Region::parse("cn-hangzhou").unwrap())
    }

    #[test]
    fn scope_and_credential_text() {
        assert_eq!(
            scope().to_string(),
            "20231114/cn-hangzhou/oss/aliyun_v4_request"
        );
        assert_eq!(
            scope().credential("ak"),
            "ak/20231114/cn-hangzhou/oss/aliyun_v4_request"
        );
    }

    #[test]
    fn credential_round_trips_and_rejects_bad_scopes() {
        let parsed = ParsedCredential::parse("ak/20231114/cn-hangzhou/oss/aliyun_v4_request");
        assert_eq!(
            parsed,
            Some(ParsedCredential {
                access_key_id: "ak".into(),
                scope: scope()
            })
        );
        for bad in [
            "ak/20231114/oss-cn-hangzhou/oss/aliyun_v4_request",
            "ak/20231114/cn-hangzhou/oss/aliyun_v4",
            "ak/2023111/cn-hangzhou/oss/aliyun_v4_request",
            "ak/20231399/cn-hangzhou/oss/aliyun_v4_request",
            "/20231114/cn-hangzhou/oss/aliyun_v4_request",
            "20231114/cn-hangzhou/oss/aliyun_v4_request",
            "ak/20231114/cn-hangzhou/s3/aliyun_v4_request",
        ] {
            assert_eq!(ParsedCredential::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn canonical_parts_follow_spec_6_2() {
        let query = vec![
            ("x-oss-expires".to_owned(), "60".to_owned()),
            ("uploads".to_owned(), String::new()),
            ("a/b".to_owned(), "c=d".to_owned()),
        ];
        let headers = vec![
            ("Content-Type".to_owned(), " text/plain ".to_owned()),
            ("Host".to_owned(), "h".to_owned()),
            ("X-Oss-Meta-A".to_owned(), "1".to_owned()),
        ];
        let additional = vec!["Host".to_owned(), "x-oss-meta-a".to_owned()];
        let request = CanonicalRequest {
            method: "POST",
            bucket: Some("b"),
            key: "a b/c~d+e",
            query: &query,
            headers: &headers,
            additional_headers: &additional,
        };
        assert_eq!(request.canonical_uri(), "/b/a%20b/c~d%2Be");
        assert_eq!(
            request.canonical_query(),
            "a%2Fb=c%3Dd&uploads&x-oss-expires=60"
        );
        assert_eq!(
            request.canonical_headers(),
            "content-type:text/plain\nhost:h\nx-oss-meta-a:1\n"
        );
        assert_eq!(request.additional_header_names(), vec!["host".to_owned()]);
        assert_eq!(request.hashed_payload(), UNSIGNED_PAYLOAD);
    }

    #[test]
    fn signing_key_debug_is_redacted() {
        let key = SigningKey::derive("sk", &scope());
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
