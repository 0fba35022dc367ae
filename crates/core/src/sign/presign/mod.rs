//! Presigned URLs (spec §6): what to sign, how, and what the client must send with it.
//!
//! A [`PresignRequest`] names the method, bucket, key, query parameters (sub-resources such as
//! `uploads`/`uploadId`/`partNumber`, and the upload callback as `callback`/`callback-var`) and
//! the headers to sign. [`presign`] turns it into a [`PresignedRequest`]: the URL **and the exact
//! headers the client must send** — a signed `Content-Type` that the browser then changes is
//! the most common reason presigned uploads fail.
//!
//! - [`v4`]: `x-oss-*` query parameters, `x-oss-expires` a duration of 1..=604800 s (§6.2).
//! - [`v1`]: `OSSAccessKeyId`/`Expires`/`Signature`, `Expires` absolute (§6.1; legacy).
//! - [`multipart`]: the presigned InitiateMultipartUpload / UploadPart / CompleteMultipartUpload
//!   plan for large files, the callback riding on Complete (§6.3).
//! - [`verify`]: checking a received presigned request, for the local OSS stand-in.

pub mod multipart;
pub mod v1;
pub mod v4;
pub mod verify;

use super::{Credentials, Endpoint, Region, SignatureVersion};

/// A request to presign (spec §6). Build it with [`PresignRequest::new`] or
/// [`PresignRequest::put`] and the chained setters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignRequest {
    /// HTTP method, upper case, e.g. `PUT`.
    pub method: String,
    /// Bucket name.
    pub bucket: String,
    /// Object key, raw (not percent-encoded).
    pub key: String,
    /// Query parameters other than the signature's own, in URL order (values raw).
    pub query: Vec<(String, String)>,
    /// Headers the signature covers; the client must send exactly these.
    pub headers: Vec<(String, String)>,
}

impl PresignRequest {
    /// A request with `method` on `bucket`/`key`, no query and no headers.
    pub fn new(method: &str, bucket: &str, key: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A PutObject request (spec §6.1, §6.2).
    pub fn put(bucket: &str, key: &str) -> Self {
        Self::new("PUT", bucket, key)
    }

    /// Signs `Content-Type: content_type`; the client must send that exact header.
    pub fn content_type(self, content_type: &str) -> Self {
        self.header("Content-Type", content_type)
    }

    /// Carries the upload callback in the query (spec §1.1 carrier 2, §6.2 design 1):
    /// `callback` = Base64 callback JSON, `callback-var` = Base64 custom variables.
    pub fn callback(mut self, callback_b64: &str, callback_var_b64: Option<&str>) -> Self {
        self.query
            .push(("callback".to_owned(), callback_b64.to_owned()));
        if let Some(var) = callback_var_b64 {
            self.query.push(("callback-var".to_owned(), var.to_owned()));
        }
        self
    }

    /// Adds a query parameter (a sub-resource such as `uploadId`); an empty value is written
    /// as the bare name.
    pub fn query_param(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header to sign. Headers other than `x-oss-*`, `Content-Type` and `Content-MD5`
    /// are signed in V4 through `x-oss-additional-headers`; V1 does not sign them.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// How to presign: algorithm, credentials, where the URL points and the validity window.
#[derive(Clone, Debug)]
pub struct PresignOptions {
    /// V4 (default) or legacy V1.
    pub version: SignatureVersion,
    /// The signing credentials; an STS token is added to the query.
    pub credentials: Credentials,
    /// The V4 scope region (unused by V1).
    pub region: Region,
    /// Where the URL points; never changes the signature.
    pub endpoint: Endpoint,
    /// Signing time, Unix seconds.
    pub now: i64,
    /// Validity in seconds from `now`: V4 `x-oss-expires` (1..=604800), V1 `Expires = now + this`.
    pub expires_in: u64,
}

/// A presigned request: what the client sends (spec §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedRequest {
    /// The HTTP method to use.
    pub method: String,
    /// The full URL, signature included.
    pub url: String,
    /// Headers the client must send unchanged, because the signature covers them.
    pub headers: Vec<(String, String)>,
    /// When the URL stops working, Unix seconds.
    pub expires_at: i64,
}

/// Why a request cannot be presigned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresignError {
    /// V4 `x-oss-expires` must be within 1..=604800 seconds (spec §6.2, EC 0002-00000232).
    ExpiresOutOfRange {
        /// The requested validity.
        seconds: u64,
    },
    /// V1 needs a validity of at least one second.
    ExpiresZero,
    /// The method is empty or not an HTTP token.
    InvalidMethod(String),
    /// The bucket name is empty or contains `/`.
    InvalidBucket(String),
    /// A multipart part number outside 1..=10000.
    InvalidPartNumber(u32),
    /// The request already carries a parameter the signer sets itself.
    ReservedParameter(String),
}

impl core::fmt::Display for PresignError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PresignError::ExpiresOutOfRange { seconds } => write!(
                f,
                "expiry of {seconds} s is outside 1..=604800 s (7 days), the range V4 allows"
            ),
            PresignError::ExpiresZero => f.write_str("expiry must be at least 1 second"),
            PresignError::InvalidMethod(method) => {
                write!(f, "{method:?} is not an HTTP method such as PUT")
            }
            PresignError::InvalidBucket(bucket) => {
                write!(f, "{bucket:?} is not a bucket name (non-empty, no '/')")
            }
            PresignError::InvalidPartNumber(n) => {
                write!(f, "part number {n} is outside 1..=10000")
            }
            PresignError::ReservedParameter(name) => write!(
                f,
                "query parameter {name:?} is set by the signer; remove it from the request"
            ),
        }
    }
}

impl std::error::Error for PresignError {}

/// Presigns `request` with V4 or V1 as `options` say (spec §6.1, §6.2).
pub fn presign(
    request: &PresignRequest,
    options: &PresignOptions,
) -> Result<PresignedRequest, PresignError> {
    match options.version {
        SignatureVersion::V4 => v4::presign(
            request,
            &options.credentials,
            &options.region,
            &options.endpoint,
            options.now,
            options.expires_in,
        ),
        SignatureVersion::V1 => {
            if options.expires_in == 0 {
                return Err(PresignError::ExpiresZero);
            }
            let expires_in =
                i64::try_from(options.expires_in).map_err(|_| PresignError::ExpiresOutOfRange {
                    seconds: options.expires_in,
                })?;
            v1::presign(
                request,
                &options.credentials,
                &options.endpoint,
                options.now.saturating_add(expires_in),
            )
        }
    }
}

/// Checks what every version needs: a method token and a bucket name, and no parameter in
/// `reserved` (names the signer adds).
fn validate(request: &PresignRequest, reserved: &[&str]) -> Result<(), PresignError> {
    let method_ok =
        !request.method.is_empty() && request.method.bytes().all(|b| b.is_ascii_uppercase());
    if !method_ok {
        return Err(PresignError::InvalidMethod(request.method.clone()));
    }
    if request.bucket.is_empty() || request.bucket.contains('/') {
        return Err(PresignError::InvalidBucket(request.bucket.clone()));
    }
    if let Some((name, _)) = request
        .query
        .iter()
        .find(|(name, _)| reserved.iter().any(|r| r.eq_ignore_ascii_case(name)))
    {
        return Err(PresignError::ReservedParameter(name.clone()));
    }
    Ok(())
}

/// `name=value` (or the bare name when empty), both percent-encoded, as the SDKs write URLs.
fn url_query_item(name: &str, value: &str) -> String {
    use crate::encoding::uri_encode;
    if value.is_empty() {
        uri_encode(name.as_bytes(), false)
    } else {
        format!(
            "{}={}",
            uri_encode(name.as_bytes(), false),
            uri_encode(value.as_bytes(), false)
        )
    }
}

fn join_url(base: String, query: &[(String, String)]) -> String {
    let items: Vec<String> = query.iter().map(|(k, v)| url_query_item(k, v)).collect();
    if items.is_empty() {
        base
    } else {
        format!("{base}?{}", items.join("&"))
    }
}
