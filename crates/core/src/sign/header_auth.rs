//! Checking a received header-signed request (spec §6.1, §6.2), as OSS does: for the local OSS
//! stand-in and for tests. This is the form the official SDKs use for every ordinary call
//! (PutObject, the multipart calls, HeadObject, ListObjectsV2) and the form
//! [`crate::confirm::head_object`] produces:
//!
//! ```text
//! V4: Authorization: OSS4-HMAC-SHA256 Credential=<AK>/<yyyymmdd>/<region>/oss/aliyun_v4_request,
//!                    [AdditionalHeaders=<a;b>,]Signature=<64 hex>
//!     x-oss-date: <yyyymmddTHHMMSSZ>          (the signing time; its day must be the scope's)
//!     x-oss-content-sha256: UNSIGNED-PAYLOAD  (or the hex SHA-256 of the body)
//! V1: Authorization: OSS <AK>:<Base64 HMAC-SHA1>
//!     Date: <RFC 1123>                        (the signing time, in the string to sign)
//!     x-oss-date: <RFC 1123>                  (instead of Date when present: browsers cannot
//!                                              set Date, so ali-oss always sends this one)
//! ```
//!
//! The signature is recomputed with the same canonicalisation the signers use
//! ([`super::v4::CanonicalRequest`], [`super::v1::string_to_sign`]), which matches the SDKs byte
//! for byte (tests/vectors/oss-signing.json), from the request exactly as received: any
//! `x-oss-*` header, `Content-Type` or `Content-MD5` changed or added after signing, any query
//! parameter (V4: all of them; V1: the sub-resources) and the bucket and key are covered.
//! Signatures are compared in constant time. The signing time must lie within
//! [`MAX_CLOCK_SKEW_SECONDS`] of `now` either way (OSS: `RequestTimeTooSkewed`); `now` is an
//! input, as everywhere in the core.
//!
//! Both `", "` (oss2) and `","` (alibabacloud-oss-v2, ali-oss) separate the V4 parts.

use super::crypto::{constant_time_eq, sha256};
use super::presign::verify::ReceivedRequest;
use super::query::{InvalidQuery, decode_component, parse_query};
use super::v4::{self, CanonicalRequest, ParsedCredential, UNSIGNED_PAYLOAD};
use super::{Credentials, Region, SignatureVersion, v1};
use crate::encoding::hex_lower;
use crate::time::{parse_http_date, parse_oss_date};

/// How far the signing time may lie from the server's clock, either way (OSS: 15 minutes,
/// `RequestTimeTooSkewed`).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// The V1 scheme prefix of the `Authorization` header.
pub const V1_SCHEME: &str = "OSS";

/// What a valid header-signed request proved (spec §6.1, §6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedHeaderAuth {
    /// Which signature version it used.
    pub version: SignatureVersion,
    /// The signing time (`x-oss-date` for V4; for V1 `x-oss-date` when sent, else `Date`),
    /// Unix seconds.
    pub signed_at: i64,
    /// The decoded object key (empty for bucket-level requests).
    pub key: String,
    /// V4 only: the body's SHA-256 (lower-case hex) the signature covers, when the client
    /// signed the payload instead of sending `UNSIGNED-PAYLOAD`; check it with
    /// [`VerifiedHeaderAuth::payload_matches`].
    pub payload_sha256: Option<String>,
}

impl VerifiedHeaderAuth {
    /// Whether `body` is the payload the signature covers: always true for `UNSIGNED-PAYLOAD`
    /// and V1 (which signs no body), else the SHA-256 must match (OSS: `ContentSHA256Mismatch`).
    pub fn payload_matches(&self, body: &[u8]) -> bool {
        self.payload_sha256.as_deref().is_none_or(|claimed| {
            constant_time_eq(hex_lower(&sha256(body)).as_bytes(), claimed.as_bytes())
        })
    }
}

/// Why a header-signed request is refused (spec §6.1, §6.2). Each variant says what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderAuthError {
    /// No `Authorization` header: the request is anonymous.
    NoAuthorization,
    /// The `Authorization` header names a scheme OSS does not know (e.g. `AWS4-HMAC-SHA256`).
    UnsupportedScheme(String),
    /// The `Authorization` header cannot be read.
    MalformedAuthorization(&'static str),
    /// A header the scheme needs is missing or empty (`x-oss-date`, `Date`,
    /// `x-oss-content-sha256`).
    MissingHeader(&'static str),
    /// A header has the wrong shape.
    MalformedHeader {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header listed in `AdditionalHeaders` was not sent, so its value cannot be signed.
    AdditionalHeaderMissing(String),
    /// The path or query is not valid percent-encoded UTF-8.
    BadEncoding(InvalidQuery),
    /// The signing time is more than [`MAX_CLOCK_SKEW_SECONDS`] away from `now`.
    TimeTooSkewed {
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
    /// The STS token (`x-oss-security-token`) is missing or not the expected one.
    SecurityTokenMismatch,
    /// The signature does not match the request as received.
    SignatureMismatch,
}

impl HeaderAuthError {
    /// The OSS error code this refusal is reported with.
    pub fn oss_code(&self) -> &'static str {
        match self {
            Self::NoAuthorization | Self::SecurityTokenMismatch => "AccessDenied",
            Self::UnknownAccessKey(_) => "InvalidAccessKeyId",
            Self::TimeTooSkewed { .. } => "RequestTimeTooSkewed",
            Self::SignatureMismatch | Self::WrongRegion { .. } => "SignatureDoesNotMatch",
            Self::UnsupportedScheme(_)
            | Self::MalformedAuthorization(_)
            | Self::MissingHeader(_)
            | Self::MalformedHeader { .. }
            | Self::AdditionalHeaderMissing(_)
            | Self::BadEncoding(_) => "InvalidArgument",
        }
    }
}

impl core::fmt::Display for HeaderAuthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoAuthorization => f.write_str("the request has no Authorization header"),
            Self::UnsupportedScheme(scheme) => write!(
                f,
                "Authorization scheme {scheme:?} is not OSS's: use \"OSS4-HMAC-SHA256 Credential=…,Signature=…\" (V4) or \"OSS <AccessKeyId>:<signature>\" (V1)"
            ),
            Self::MalformedAuthorization(reason) => {
                write!(f, "the Authorization header is malformed: {reason}")
            }
            Self::MissingHeader(name) => write!(
                f,
                "header {name} is missing or empty; this signature scheme needs it"
            ),
            Self::MalformedHeader { header, reason } => {
                write!(f, "header {header} is malformed: {reason}")
            }
            Self::AdditionalHeaderMissing(name) => write!(
                f,
                "AdditionalHeaders lists {name:?} but the request has no such header"
            ),
            Self::BadEncoding(err) => write!(f, "{err}"),
            Self::TimeTooSkewed { signed_at, now } => write!(
                f,
                "the difference between the request time ({signed_at}) and the server's time ({now}) \
                 is more than 15 minutes; check the client's clock"
            ),
            Self::UnknownAccessKey(id) => write!(f, "AccessKey id {id:?} is not known here"),
            Self::WrongRegion { expected, found } => write!(
                f,
                "credential scope names region {found:?} but this endpoint serves {expected:?}"
            ),
            Self::SecurityTokenMismatch => {
                f.write_str("STS security token missing or not the expected one")
            }
            Self::SignatureMismatch => f.write_str(
                "signature does not match: method, bucket, key, query and the signed headers \
                 (x-oss-*, Content-Type, Content-MD5, additional headers) must be sent exactly as signed",
            ),
        }
    }
}

impl std::error::Error for HeaderAuthError {}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

fn required<'h>(
    headers: &'h [(String, String)],
    name: &'static str,
) -> Result<&'h str, HeaderAuthError> {
    header(headers, name)
        .filter(|v| !v.is_empty())
        .ok_or(HeaderAuthError::MissingHeader(name))
}

/// Whether `headers` carry an `Authorization` header (any value): the request claims header
/// authentication, and [`verify_header_signed`] decides it.
pub fn is_header_signed(headers: &[(String, String)]) -> bool {
    header(headers, "authorization").is_some()
}

fn check_skew(signed_at: i64, now: i64) -> Result<(), HeaderAuthError> {
    if signed_at.abs_diff(now) > MAX_CLOCK_SKEW_SECONDS.unsigned_abs() {
        return Err(HeaderAuthError::TimeTooSkewed { signed_at, now });
    }
    Ok(())
}

fn check_token(credentials: &Credentials, sent: Option<&str>) -> Result<(), HeaderAuthError> {
    credentials
        .security_token_matches(sent)
        .then_some(())
        .ok_or(HeaderAuthError::SecurityTokenMismatch)
}

/// Verifies a header-signed request against the one AccessKey this stand-in serves (V4 scope
/// region `region`) at time `now` (Unix seconds), spec §6.1, §6.2.
pub fn verify_header_signed(
    request: &ReceivedRequest<'_>,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<VerifiedHeaderAuth, HeaderAuthError> {
    let authorization =
        header(request.headers, "authorization").ok_or(HeaderAuthError::NoAuthorization)?;
    let query = parse_query(request.raw_query).map_err(HeaderAuthError::BadEncoding)?;
    let path = decode_component(request.raw_object_path).map_err(HeaderAuthError::BadEncoding)?;
    let key = path.strip_prefix('/').unwrap_or(&path).to_owned();
    let (scheme, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
    match scheme {
        v4::ALGORITHM => verify_v4(request, rest, &query, key, credentials, region, now),
        V1_SCHEME => verify_v1(request, rest, &query, key, credentials, now),
        other => Err(HeaderAuthError::UnsupportedScheme(other.to_owned())),
    }
}

/// The parts of a V4 `Authorization` value after the algorithm.
struct V4Parts<'a> {
    credential: &'a str,
    additional: Option<&'a str>,
    signature: &'a str,
}

fn parse_v4_parts(rest: &str) -> Result<V4Parts<'_>, HeaderAuthError> {
    let malformed = HeaderAuthError::MalformedAuthorization;
    let (mut credential, mut additional, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        let (name, value) = part.split_once('=').ok_or(malformed(
            "expected Credential=…,[AdditionalHeaders=…,]Signature=…",
        ))?;
        let slot = match name {
            "Credential" => &mut credential,
            "AdditionalHeaders" => &mut additional,
            "Signature" => &mut signature,
            _ => {
                return Err(malformed(
                    "unknown part; V4 has Credential, AdditionalHeaders and Signature",
                ));
            }
        };
        if slot.replace(value).is_some() {
            return Err(malformed("a part appears more than once"));
        }
    }
    let signature = signature.ok_or(malformed("no Signature"))?;
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed("Signature must be 64 lower-case hex digits"));
    }
    Ok(V4Parts {
        credential: credential.ok_or(malformed("no Credential"))?,
        additional,
        signature,
    })
}

fn verify_v4(
    request: &ReceivedRequest<'_>,
    rest: &str,
    query: &[(String, String)],
    key: String,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<VerifiedHeaderAuth, HeaderAuthError> {
    let parts = parse_v4_parts(rest)?;
    let credential = ParsedCredential::parse(parts.credential).ok_or(
        HeaderAuthError::MalformedAuthorization(
            "Credential must be <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request",
        ),
    )?;
    let date = required(request.headers, "x-oss-date")?;
    let signed_at = parse_oss_date(date).map_err(|_| HeaderAuthError::MalformedHeader {
        header: "x-oss-date",
        reason: "expected yyyymmddTHHMMSSZ",
    })?;
    if !date.starts_with(credential.scope.day()) {
        return Err(HeaderAuthError::MalformedAuthorization(
            "the Credential's scope day differs from x-oss-date",
        ));
    }
    let payload = required(request.headers, "x-oss-content-sha256")?;
    let payload_sha256 = if payload == UNSIGNED_PAYLOAD {
        None
    } else if payload.len() == 64 && payload.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(payload.to_ascii_lowercase())
    } else {
        return Err(HeaderAuthError::MalformedHeader {
            header: "x-oss-content-sha256",
            reason: "expected UNSIGNED-PAYLOAD or the body's hex SHA-256",
        });
    };
    check_skew(signed_at, now)?;
    credential.belongs_to(credentials, region)?;
    check_token(credentials, header(request.headers, "x-oss-security-token"))?;

    let additional = additional_names(&parts);
    for name in &additional {
        if header(request.headers, name).is_none() {
            return Err(HeaderAuthError::AdditionalHeaderMissing(name.clone()));
        }
    }
    let canonical = CanonicalRequest {
        method: request.method,
        bucket: Some(request.bucket),
        key: &key,
        query,
        headers: request.headers,
        additional_headers: &additional,
    };
    if !credential.signs(credentials, date, &canonical, parts.signature) {
        return Err(HeaderAuthError::SignatureMismatch);
    }
    Ok(VerifiedHeaderAuth {
        version: SignatureVersion::V4,
        signed_at,
        key,
        payload_sha256,
    })
}

fn additional_names(parts: &V4Parts<'_>) -> Vec<String> {
    parts
        .additional
        .map(|list| {
            list.split(';')
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The date line of a V1 string to sign and the header it came from: `x-oss-date` replaces
/// `Date` when present (it is also signed as an x-oss-* header); ali-oss signs V1 this way.
fn v1_date(headers: &[(String, String)]) -> Result<(&str, &'static str), HeaderAuthError> {
    match header(headers, "x-oss-date").filter(|v| !v.is_empty()) {
        Some(value) => Ok((value, "x-oss-date")),
        None => Ok((
            header(headers, "date")
                .filter(|v| !v.is_empty())
                .ok_or(HeaderAuthError::MissingHeader("Date (or x-oss-date)"))?,
            "Date",
        )),
    }
}

/// The text a header signature of `request` covers, as this verifier computes it (spec §6.1,
/// §6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedText {
    /// The string to sign (V4 §6.2 or V1 §6.1).
    pub string_to_sign: String,
    /// V4 only: the canonical request whose SHA-256 the string to sign ends with.
    pub canonical_request: Option<String>,
}

/// What the verifier signs for `request`, for a `SignatureDoesNotMatch` answer: OSS returns its
/// `StringToSign` (and, for V4, `CanonicalRequest`) so a client can compare them with its own.
/// `None` when the `Authorization` header or the headers it needs cannot be read. It holds no
/// secret: only the request's own parts.
pub fn signed_text(request: &ReceivedRequest<'_>) -> Option<SignedText> {
    let authorization = header(request.headers, "authorization")?;
    let query = parse_query(request.raw_query).ok()?;
    let path = decode_component(request.raw_object_path).ok()?;
    let key = path.strip_prefix('/').unwrap_or(&path);
    let (scheme, rest) = authorization.split_once(' ')?;
    match scheme {
        v4::ALGORITHM => {
            let parts = parse_v4_parts(rest).ok()?;
            let credential = ParsedCredential::parse(parts.credential)?;
            let date = header(request.headers, "x-oss-date")?;
            let additional = additional_names(&parts);
            let canonical = CanonicalRequest {
                method: request.method,
                bucket: Some(request.bucket),
                key,
                query: &query,
                headers: request.headers,
                additional_headers: &additional,
            }
            .to_text();
            Some(SignedText {
                string_to_sign: v4::string_to_sign(date, &credential.scope, &canonical),
                canonical_request: Some(canonical),
            })
        }
        V1_SCHEME => {
            let (date, _) = v1_date(request.headers).ok()?;
            let resource = v1::canonicalized_resource(Some(request.bucket), key, &query);
            Some(SignedText {
                string_to_sign: v1::string_to_sign(
                    request.method,
                    request.headers,
                    date,
                    &resource,
                ),
                canonical_request: None,
            })
        }
        _ => None,
    }
}

fn verify_v1(
    request: &ReceivedRequest<'_>,
    rest: &str,
    query: &[(String, String)],
    key: String,
    credentials: &Credentials,
    now: i64,
) -> Result<VerifiedHeaderAuth, HeaderAuthError> {
    let (access_key_id, signature) = rest
        .trim()
        .split_once(':')
        .filter(|(id, sig)| !id.is_empty() && !sig.is_empty())
        .ok_or(HeaderAuthError::MalformedAuthorization(
            "V1 is \"OSS <AccessKeyId>:<Base64 signature>\"",
        ))?;
    let (date, date_header) = v1_date(request.headers)?;
    let signed_at = parse_http_date(date).map_err(|_| HeaderAuthError::MalformedHeader {
        header: date_header,
        reason: "expected an RFC 1123 date such as Sun, 02 Jun 2019 15:13:06 GMT",
    })?;
    check_skew(signed_at, now)?;
    if access_key_id != credentials.access_key_id {
        return Err(HeaderAuthError::UnknownAccessKey(access_key_id.to_owned()));
    }
    check_token(credentials, header(request.headers, "x-oss-security-token"))?;
    let resource = v1::canonicalized_resource(Some(request.bucket), &key, query);
    let string_to_sign = v1::string_to_sign(request.method, request.headers, date, &resource);
    let expected = v1::sign(&credentials.access_key_secret, &string_to_sign);
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(HeaderAuthError::SignatureMismatch);
    }
    Ok(VerifiedHeaderAuth {
        version: SignatureVersion::V1,
        signed_at,
        key,
        payload_sha256: None,
    })
}

impl From<v4::ScopeMismatch> for HeaderAuthError {
    fn from(mismatch: v4::ScopeMismatch) -> Self {
        match mismatch {
            v4::ScopeMismatch::UnknownAccessKey(id) => Self::UnknownAccessKey(id),
            v4::ScopeMismatch::WrongRegion { expected, found } => {
                Self::WrongRegion { expected, found }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::confirm::{BucketTarget, head_object, list_objects};
    use crate::sign::Endpoint;
    use crate::time::format_http_date;

    const SIGNING_VECTORS: &str = include_str!("../../../../tests/vectors/oss-signing.json");
    const NOW: i64 = 1_700_000_000; // 20231114T221320Z, the vectors' signing time

    fn region() -> Region {
        Region::parse("cn-hangzhou").unwrap()
    }

    fn vector(name: &str) -> serde_json::Value {
        let doc: serde_json::Value = serde_json::from_str(SIGNING_VECTORS).unwrap();
        doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    }

    fn request<'a>(
        method: &'a str,
        bucket: &'a str,
        raw_object_path: &'a str,
        raw_query: &'a str,
        headers: &'a [(String, String)],
    ) -> ReceivedRequest<'a> {
        ReceivedRequest {
            method,
            bucket,
            raw_object_path,
            raw_query,
            headers,
        }
    }

    fn set(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.to_owned(), value.to_owned()));
    }

    /// The SDK's header-signed PutObject with callback headers (alibabacloud-oss-v2, spec
    /// §6.2) verifies, and every signed element tampered with is refused.
    #[test]
    fn v4_sdk_vector_verifies_and_tampering_is_refused() {
        let case = vector("v4-header-auth-callback-in-headers");
        let mut headers: Vec<(String, String)> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        headers.push((
            "Authorization".into(),
            case["authorization"].as_str().unwrap().into(),
        ));
        headers.push(("Host".into(), "anything.example".into()));
        let credentials = Credentials::new("ak", "sk");
        let path = "/dir/example%20object.txt";
        let ok = verify_header_signed(
            &request("PUT", "examplebucket", path, "", &headers),
            &credentials,
            &region(),
            NOW + 60,
        )
        .unwrap();
        assert_eq!(ok.version, SignatureVersion::V4);
        assert_eq!(ok.key, "dir/example object.txt");
        assert_eq!(ok.signed_at, NOW);
        assert!(ok.payload_matches(b"any body: the payload is unsigned"));

        let verify =
            |method: &str, bucket: &str, path: &str, query: &str, h: &[(String, String)]| {
                verify_header_signed(
                    &request(method, bucket, path, query, h),
                    &credentials,
                    &region(),
                    NOW,
                )
            };
        let mismatch = Err(HeaderAuthError::SignatureMismatch);
        assert_eq!(
            verify("POST", "examplebucket", path, "", &headers),
            mismatch
        );
        assert_eq!(verify("PUT", "otherbucket", path, "", &headers), mismatch);
        assert_eq!(
            verify("PUT", "examplebucket", "/dir/other.txt", "", &headers),
            mismatch
        );
        assert_eq!(
            verify("PUT", "examplebucket", path, "acl", &headers),
            mismatch
        );
        for (name, value) in [
            ("content-type", "text/html"),
            ("x-oss-callback-var", "eyJ4OnVpZCI6IjEifQ=="),
            ("x-oss-meta-added", "1"),
            ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ] {
            let mut tampered = headers.clone();
            set(&mut tampered, name, value);
            assert_eq!(
                verify("PUT", "examplebucket", path, "", &tampered),
                mismatch,
                "{name}"
            );
        }
        // Unsigned headers may change.
        let mut host = headers.clone();
        set(&mut host, "Host", "examplebucket.localhost:9000");
        assert!(verify("PUT", "examplebucket", path, "", &host).is_ok());
        // Time, key and region.
        assert_eq!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &credentials,
                &region(),
                NOW + MAX_CLOCK_SKEW_SECONDS + 1,
            ),
            Err(HeaderAuthError::TimeTooSkewed {
                signed_at: NOW,
                now: NOW + MAX_CLOCK_SKEW_SECONDS + 1
            })
        );
        assert!(matches!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &credentials,
                &region(),
                NOW - MAX_CLOCK_SKEW_SECONDS - 1,
            ),
            Err(HeaderAuthError::TimeTooSkewed { .. })
        ));
        assert_eq!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &Credentials::new("other", "sk"),
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::UnknownAccessKey("ak".into()))
        );
        assert_eq!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &Credentials::new("ak", "wrong"),
                &region(),
                NOW,
            ),
            mismatch
        );
        assert!(matches!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &credentials,
                &Region::parse("cn-beijing").unwrap(),
                NOW,
            ),
            Err(HeaderAuthError::WrongRegion { .. })
        ));
        assert_eq!(
            verify_header_signed(
                &request("PUT", "examplebucket", path, "", &headers),
                &credentials.clone().with_security_token("tok"),
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::SecurityTokenMismatch)
        );
    }

    #[test]
    fn v4_authorization_shapes() {
        let case = vector("v4-header-auth-callback-in-headers");
        let good = case["authorization"].as_str().unwrap();
        let base: Vec<(String, String)> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let check = |authorization: &str, extra: &[(&str, &str)]| {
            let mut headers = base.clone();
            headers.push(("authorization".into(), authorization.into()));
            for (n, v) in extra {
                set(&mut headers, n, v);
            }
            verify_header_signed(
                &request(
                    "PUT",
                    "examplebucket",
                    "/dir/example%20object.txt",
                    "",
                    &headers,
                ),
                &Credentials::new("ak", "sk"),
                &region(),
                NOW,
            )
        };
        // oss2 separates the parts with ", ".
        assert!(check(&good.replace(",Signature", ", Signature"), &[]).is_ok());
        assert!(matches!(
            check(&good.replace("OSS4-HMAC-SHA256", "AWS4-HMAC-SHA256"), &[]),
            Err(HeaderAuthError::UnsupportedScheme(s)) if s == "AWS4-HMAC-SHA256"
        ));
        for bad in [
            good.replace("Signature=", "Sig="),
            good.replace(",Signature=b96b", ",Signature=B96B"),
            good.replace(
                "Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request,",
                "",
            ),
            good.replace("cn-hangzhou/oss", "oss-cn-hangzhou/oss"),
            format!("{good},Signature=00"),
            "OSS4-HMAC-SHA256".to_owned(),
        ] {
            assert!(
                matches!(
                    check(&bad, &[]),
                    Err(HeaderAuthError::MalformedAuthorization(_))
                ),
                "{bad}"
            );
        }
        // The scope day must be x-oss-date's day.
        assert!(matches!(
            check(&good.replace("20231114", "20231115"), &[]),
            Err(HeaderAuthError::MalformedAuthorization(_))
        ));
        assert_eq!(
            check(
                &good.replace(",Signature", ",AdditionalHeaders=host,Signature"),
                &[]
            )
            .unwrap_err(),
            HeaderAuthError::AdditionalHeaderMissing("host".into())
        );
        assert!(matches!(
            check(good, &[("x-oss-content-sha256", "deadbeef")]),
            Err(HeaderAuthError::MalformedHeader {
                header: "x-oss-content-sha256",
                ..
            })
        ));
        let mut headers = base.clone();
        headers.retain(|(n, _)| n != "x-oss-date");
        headers.push(("authorization".into(), good.into()));
        assert_eq!(
            verify_header_signed(
                &request(
                    "PUT",
                    "examplebucket",
                    "/dir/example%20object.txt",
                    "",
                    &headers
                ),
                &Credentials::new("ak", "sk"),
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::MissingHeader("x-oss-date"))
        );
        assert_eq!(
            verify_header_signed(
                &request("PUT", "examplebucket", "/k", "", &base),
                &Credentials::new("ak", "sk"),
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::NoAuthorization)
        );
    }

    /// A request signed with additional headers and a signed payload round-trips through the
    /// signer and the verifier; the payload hash is checked against the body.
    #[test]
    fn v4_additional_headers_and_signed_payload() {
        let credentials = Credentials::new("ak", "sk");
        let body = b"hello";
        let mut headers = vec![
            (
                "Host".to_owned(),
                "b.oss-cn-hangzhou.aliyuncs.com".to_owned(),
            ),
            ("Range".to_owned(), "bytes=0-1".to_owned()),
            ("x-oss-date".to_owned(), crate::time::format_oss_date(NOW)),
            ("x-oss-content-sha256".to_owned(), hex_lower(&sha256(body))),
        ];
        let query = vec![("partNumber".to_owned(), "1".to_owned())];
        let additional = vec!["range".to_owned(), "host".to_owned()];
        let scope = v4::Scope::at(NOW, region());
        let authorization = v4::authorization_header(
            &credentials,
            &scope,
            &crate::time::format_oss_date(NOW),
            &CanonicalRequest {
                method: "GET",
                bucket: Some("b"),
                key: "k",
                query: &query,
                headers: &headers,
                additional_headers: &additional,
            },
        );
        assert!(authorization.contains(",AdditionalHeaders=host;range,"));
        headers.push(("Authorization".to_owned(), authorization));
        let verified = verify_header_signed(
            &request("GET", "b", "/k", "partNumber=1", &headers),
            &credentials,
            &region(),
            NOW,
        )
        .unwrap();
        assert!(verified.payload_matches(body));
        assert!(!verified.payload_matches(b"hellO"));
        set(&mut headers, "Range", "bytes=0-2");
        assert_eq!(
            verify_header_signed(
                &request("GET", "b", "/k", "partNumber=1", &headers),
                &credentials,
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::SignatureMismatch)
        );
    }

    /// The core's own confirmation requests (HeadObject, ListObjectsV2) verify, path-style
    /// and virtual-host alike, and tampered ones are refused.
    #[test]
    fn confirm_requests_verify() {
        let credentials = Credentials::new("ak", "sk");
        let target = BucketTarget {
            name: "examplebucket".into(),
            endpoint: Endpoint::parse("http://127.0.0.1:9100").unwrap(),
            region: region(),
            versioned: false,
        };
        let head = head_object(&target, "dir/a b+c.png", &credentials, NOW);
        let path = head
            .url
            .strip_prefix("http://127.0.0.1:9100/examplebucket")
            .unwrap();
        assert_eq!(path, "/dir/a%20b%2Bc.png");
        let ok = verify_header_signed(
            &request("HEAD", "examplebucket", path, "", &head.headers),
            &credentials,
            &region(),
            NOW,
        )
        .unwrap();
        assert_eq!(ok.key, "dir/a b+c.png");
        assert_eq!(
            verify_header_signed(
                &request(
                    "HEAD",
                    "examplebucket",
                    "/dir/a%20b%2Bd.png",
                    "",
                    &head.headers
                ),
                &credentials,
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::SignatureMismatch)
        );
        assert_eq!(
            verify_header_signed(
                &request("GET", "examplebucket", path, "", &head.headers),
                &credentials,
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::SignatureMismatch)
        );

        let list = list_objects(&target, "uploads/", Some("tok+/="), 10, &credentials, NOW);
        let (path_and_bucket, query) = list.url.split_once('?').unwrap();
        assert_eq!(path_and_bucket, "http://127.0.0.1:9100/examplebucket/");
        assert!(
            verify_header_signed(
                &request("GET", "examplebucket", "/", query, &list.headers),
                &credentials,
                &region(),
                NOW,
            )
            .is_ok()
        );
        let tampered = query.replace("max-keys=10", "max-keys=11");
        assert_eq!(
            verify_header_signed(
                &request("GET", "examplebucket", "/", &tampered, &list.headers),
                &credentials,
                &region(),
                NOW,
            ),
            Err(HeaderAuthError::SignatureMismatch)
        );
    }

    #[test]
    fn signed_text_is_what_the_verifier_signs() {
        let case = vector("v1-header-doc");
        let headers = vec![
            (
                "Content-MD5".to_owned(),
                "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=".to_owned(),
            ),
            ("Content-Type".to_owned(), "text/html".to_owned()),
            (
                "Date".to_owned(),
                "Thu, 17 Nov 2005 18:49:58 GMT".to_owned(),
            ),
            ("X-OSS-Meta-Author".to_owned(), "foo@bar.com".to_owned()),
            ("X-OSS-Magic".to_owned(), "abracadabra".to_owned()),
            ("Authorization".to_owned(), "OSS id:sig".to_owned()),
        ];
        let text = signed_text(&request("PUT", "oss-example", "/nelson", "", &headers)).unwrap();
        assert_eq!(
            text.string_to_sign,
            case["string_to_sign"].as_str().unwrap()
        );
        assert_eq!(text.canonical_request, None);

        let credentials = Credentials::new("ak", "sk");
        let target = BucketTarget {
            name: "b".into(),
            endpoint: Endpoint::parse("http://127.0.0.1:9100").unwrap(),
            region: region(),
            versioned: false,
        };
        let head = head_object(&target, "k", &credentials, NOW);
        let text = signed_text(&request("HEAD", "b", "/k", "", &head.headers)).unwrap();
        let canonical = text.canonical_request.unwrap();
        assert!(canonical.starts_with("HEAD\n/b/k\n\n"), "{canonical}");
        assert!(text.string_to_sign.starts_with(
            "OSS4-HMAC-SHA256\n20231114T221320Z\n20231114/cn-hangzhou/oss/aliyun_v4_request\n"
        ));
        assert_eq!(signed_text(&request("HEAD", "b", "/k", "", &[])), None);
    }

    /// The documentation's V1 header vector (spec §6.1) and a V1 request round-trip.
    #[test]
    fn v1_header_auth() {
        let case = vector("v1-header-doc");
        let secret = case["access_key_secret"].as_str().unwrap();
        let credentials = Credentials::new("44CF9590006BF252F707", secret);
        let date = "Thu, 17 Nov 2005 18:49:58 GMT";
        let signed_at = parse_http_date(date).unwrap();
        let mut headers = vec![
            (
                "Content-Md5".to_owned(),
                "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=".to_owned(),
            ),
            ("Content-Type".to_owned(), "text/html".to_owned()),
            ("Date".to_owned(), date.to_owned()),
            ("X-OSS-Meta-Author".to_owned(), "foo@bar.com".to_owned()),
            ("X-OSS-Magic".to_owned(), "abracadabra".to_owned()),
            (
                "Host".to_owned(),
                "oss-example.oss-cn-hangzhou.aliyuncs.com".to_owned(),
            ),
            (
                "Authorization".to_owned(),
                format!(
                    "OSS 44CF9590006BF252F707:{}",
                    case["signature"].as_str().unwrap()
                ),
            ),
        ];
        let verify = |h: &[(String, String)], query: &str, now: i64| {
            verify_header_signed(
                &request("PUT", "oss-example", "/nelson", query, h),
                &credentials,
                &region(),
                now,
            )
        };
        let ok = verify(&headers, "", signed_at + 5).unwrap();
        assert_eq!(
            (ok.version, ok.key.as_str()),
            (SignatureVersion::V1, "nelson")
        );
        // Non-sub-resource query parameters are not signed in V1; sub-resources are.
        assert!(verify(&headers, "foo=bar", signed_at).is_ok());
        assert_eq!(
            verify(&headers, "acl", signed_at),
            Err(HeaderAuthError::SignatureMismatch)
        );
        assert!(matches!(
            verify(&headers, "", signed_at + MAX_CLOCK_SKEW_SECONDS + 1),
            Err(HeaderAuthError::TimeTooSkewed { .. })
        ));
        set(&mut headers, "x-oss-meta-author", "eve@bar.com");
        assert_eq!(
            verify(&headers, "", signed_at),
            Err(HeaderAuthError::SignatureMismatch)
        );
        set(&mut headers, "Authorization", "OSS 44CF9590006BF252F707");
        assert!(matches!(
            verify(&headers, "", signed_at),
            Err(HeaderAuthError::MalformedAuthorization(_))
        ));
        set(&mut headers, "Authorization", "OSS someone:c2lnbmF0dXJl");
        assert_eq!(
            verify(&headers, "", signed_at),
            Err(HeaderAuthError::UnknownAccessKey("someone".into()))
        );

        // A fresh V1 request with callback headers round-trips.
        let now = NOW;
        let date = format_http_date(now);
        let mut headers = vec![
            ("Content-Type".to_owned(), "image/png".to_owned()),
            ("Date".to_owned(), date.clone()),
            ("x-oss-callback".to_owned(), "e30=".to_owned()),
        ];
        let resource = v1::canonicalized_resource(
            Some("b"),
            "a b.png",
            &[("uploadId".to_owned(), "ID".to_owned())],
        );
        let signature = v1::sign(
            "sk",
            &v1::string_to_sign("POST", &headers, &date, &resource),
        );
        headers.push(("Authorization".to_owned(), format!("OSS ak:{signature}")));
        let fresh = |h: &[(String, String)]| {
            verify_header_signed(
                &request("POST", "b", "/a%20b.png", "uploadId=ID", h),
                &Credentials::new("ak", "sk"),
                &region(),
                now,
            )
        };
        assert!(fresh(&headers).is_ok());
        // ali-oss's form: no Date, x-oss-date in its place (and among the x-oss-* headers).
        let mut ali = vec![
            ("Content-Type".to_owned(), "image/png".to_owned()),
            ("x-oss-date".to_owned(), date.clone()),
        ];
        let signature = v1::sign("sk", &v1::string_to_sign("POST", &ali, &date, &resource));
        ali.push(("Authorization".to_owned(), format!("OSS ak:{signature}")));
        assert!(fresh(&ali).is_ok());
        // x-oss-date wins over a Date the signature did not use.
        ali.push(("Date".to_owned(), format_http_date(now - 60)));
        assert!(fresh(&ali).is_ok());
        set(&mut ali, "x-oss-date", &format_http_date(now + 1));
        assert_eq!(fresh(&ali), Err(HeaderAuthError::SignatureMismatch));
        set(&mut headers, "x-oss-callback", "e3x9");
        assert_eq!(fresh(&headers), Err(HeaderAuthError::SignatureMismatch));
        set(&mut headers, "Date", "yesterday");
        assert!(matches!(
            fresh(&headers),
            Err(HeaderAuthError::MalformedHeader { header: "Date", .. })
        ));
    }
}
