//! Verifying that a callback request came from OSS (spec §3, §9).
//!
//! Order of checks, cheapest first so hostile input costs little: body size, the two headers
//! (present exactly once, valid Base64), the key URL (exact match against [`TrustedKeys`]), the
//! signature length, and finally RSASSA-PKCS1-v1_5 with MD5 over [`string_to_sign`].

use md5::{Digest as _, Md5};
use rsa::Pkcs1v15Sign;

use super::keys::{TrustedKey, TrustedKeys};
use super::software_rsa::to_rsa_crate;
use super::target::{RequestTarget, string_to_sign};
use crate::encoding::base64_decode;

/// Default cap on a callback body: 64 KiB.
///
/// OSS builds the body from a template inside a `callback` parameter of at most 5 KB of Base64
/// (spec §1.2); even with every variable expanded (an object key is at most 1023 bytes, three
/// times that URL-encoded) real bodies are a few KB. The cap bounds memory and hashing work for
/// a public endpoint; raise it through [`VerifyOptions::max_body_bytes`] for unusual templates.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// The header carrying the Base64 RSA signature (no `OSS ` prefix; spec §3.1).
pub const AUTHORIZATION: &str = "authorization";
/// The header carrying the Base64 URL of the signing key (spec §2.1).
pub const PUB_KEY_URL: &str = "x-oss-pub-key-url";

/// A callback request as received: nothing here may have been rebuilt from parsed values.
#[derive(Clone, Copy, Debug)]
pub struct CallbackRequest<'a> {
    /// The request target (path and optional `?query`) exactly as received.
    pub target: &'a [u8],
    /// The request headers as (name, value) pairs; names are matched case-insensitively.
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body bytes.
    pub body: &'a [u8],
}

impl<'a> CallbackRequest<'a> {
    /// The single value of header `name` (case-insensitive), trimmed of surrounding whitespace.
    pub fn header(&self, name: &'static str) -> Result<Option<&'a str>, VerifyError> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = values.next().map(|(_, v)| v.trim());
        if values.next().is_some() {
            return Err(VerifyError::RepeatedHeader { name });
        }
        Ok(first)
    }

    fn required_header(&self, name: &'static str) -> Result<&'a str, VerifyError> {
        self.header(name)?
            .filter(|v| !v.is_empty())
            .ok_or(VerifyError::MissingHeader { name })
    }
}

/// Tunables of [`verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Bodies longer than this are refused before anything else is looked at.
    pub max_body_bytes: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Why a request is not a valid OSS callback. Each variant names what to look at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The body is longer than [`VerifyOptions::max_body_bytes`].
    BodyTooLarge {
        /// The configured cap.
        limit: usize,
        /// The body's length.
        actual: usize,
    },
    /// The request target does not start with `/`.
    InvalidTarget,
    /// A required header is absent or empty.
    MissingHeader {
        /// Lower-case header name.
        name: &'static str,
    },
    /// A header that must appear once appears several times.
    RepeatedHeader {
        /// Lower-case header name.
        name: &'static str,
    },
    /// A header that must be standard Base64 is not.
    InvalidBase64 {
        /// Lower-case header name.
        name: &'static str,
    },
    /// The decoded `x-oss-pub-key-url` is not exactly one of the trusted key URLs.
    UntrustedKeyUrl {
        /// The decoded URL, lossily as UTF-8, for the message.
        url: String,
    },
    /// The decoded signature does not have the key's length in bytes.
    SignatureLength {
        /// The key's modulus length in bytes (64 for OSS's key).
        expected: usize,
        /// The decoded signature's length.
        actual: usize,
    },
    /// The signature does not match the path, query and body received.
    SignatureMismatch,
}

impl VerifyError {
    /// A stable snake_case code for logs and HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::InvalidTarget => "invalid_target",
            Self::MissingHeader { .. } => "missing_header",
            Self::RepeatedHeader { .. } => "repeated_header",
            Self::InvalidBase64 { .. } => "invalid_base64",
            Self::UntrustedKeyUrl { .. } => "untrusted_key_url",
            Self::SignatureLength { .. } => "signature_length",
            Self::SignatureMismatch => "signature_mismatch",
        }
    }
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BodyTooLarge { limit, actual } => {
                write!(f, "callback body is {actual} bytes, over the {limit}-byte limit")
            }
            Self::InvalidTarget => f.write_str("request target must be a path starting with '/'"),
            Self::MissingHeader { name } => write!(f, "missing header {name}"),
            Self::RepeatedHeader { name } => write!(f, "header {name} appears more than once"),
            Self::InvalidBase64 { name } => write!(f, "header {name} is not standard Base64"),
            Self::UntrustedKeyUrl { url } => write!(
                f,
                "public key URL {url:?} is not trusted (only exact configured URLs are accepted; it is never fetched)"
            ),
            Self::SignatureLength { expected, actual } => {
                write!(f, "signature is {actual} bytes, the key needs exactly {expected}")
            }
            Self::SignatureMismatch => f.write_str(
                "signature does not match the request path, query and body as received (was the path rewritten by a proxy, or the body re-encoded?)",
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// A request proven to come from the holder of a trusted key.
#[derive(Clone, Debug)]
pub struct VerifiedCallback<'a> {
    /// The raw target, split.
    pub target: RequestTarget<'a>,
    /// The raw body, exactly the bytes that were verified.
    pub body: &'a [u8],
    /// The key URL that selected the key.
    pub key_url: String,
    /// True when the key is OSS's compiled-in key.
    pub builtin_key: bool,
}

/// Checks that `request` carries a valid OSS callback signature from a key in `keys`.
///
/// This is the one entry point for callback verification (spec §9). On success the returned
/// [`VerifiedCallback`] refers to the same raw bytes, ready for event parsing.
pub fn verify<'a>(
    request: &CallbackRequest<'a>,
    keys: &TrustedKeys,
    options: &VerifyOptions,
) -> Result<VerifiedCallback<'a>, VerifyError> {
    if request.body.len() > options.max_body_bytes {
        return Err(VerifyError::BodyTooLarge {
            limit: options.max_body_bytes,
            actual: request.body.len(),
        });
    }
    if request.target.first() != Some(&b'/') {
        return Err(VerifyError::InvalidTarget);
    }
    let authorization = request.required_header(AUTHORIZATION)?;
    let key_url_b64 = request.required_header(PUB_KEY_URL)?;
    let key_url =
        base64_decode(key_url_b64).map_err(|_| VerifyError::InvalidBase64 { name: PUB_KEY_URL })?;
    let trusted = keys
        .find(&key_url)
        .ok_or_else(|| VerifyError::UntrustedKeyUrl {
            url: String::from_utf8_lossy(&key_url).into_owned(),
        })?;
    let signature = base64_decode(authorization).map_err(|_| VerifyError::InvalidBase64 {
        name: AUTHORIZATION,
    })?;
    let target = RequestTarget::split(request.target);
    check_signature(trusted, &string_to_sign(&target, request.body), &signature)?;
    Ok(VerifiedCallback {
        target,
        body: request.body,
        key_url: trusted.url.clone(),
        builtin_key: trusted.builtin,
    })
}

/// Checks an RSASSA-PKCS1-v1_5 / MD5 signature of `message` under `trusted`, with the key's
/// arithmetic ([`TrustedKey::op`]).
pub fn check_signature(
    trusted: &TrustedKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let expected = trusted.key.size();
    if signature.len() != expected {
        return Err(VerifyError::SignatureLength {
            expected,
            actual: signature.len(),
        });
    }
    if trusted.verify_md5(&Md5::digest(message).into(), signature) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

/// [`check_signature`] by the `rsa` crate's complete RSASSA-PKCS1-v1_5 verification instead,
/// whatever the key's arithmetic: an independent oracle for tests and benchmarks.
pub fn check_signature_general(
    trusted: &TrustedKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let digest = Md5::digest(message);
    to_rsa_crate(&trusted.key)
        .ok_or(VerifyError::SignatureMismatch)?
        .verify(Pkcs1v15Sign::new::<Md5>(), &digest, signature)
        .map_err(|_| VerifyError::SignatureMismatch)
}
