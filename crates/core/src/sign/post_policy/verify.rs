//! Checking the signature fields of a submitted PostObject form (spec §5.3, §5.4), and the
//! whole form (signature, then policy) for the local OSS stand-in.

use super::evaluate::{PolicyError, PolicyInput, Submission, evaluate};
use crate::sign::crypto::constant_time_eq;
use crate::sign::v4::{self, MAX_EXPIRES_SECONDS, ParsedCredential};
use crate::sign::{Credentials, Region, SignatureVersion, v1};
use crate::time::parse_oss_date;

/// Clock skew tolerated on a V4 `x-oss-date` in the future (spec §5.4).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// Why the signature fields of a form are refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostAuthError {
    /// No signature fields at all (neither V4 nor V1).
    Unsigned,
    /// A signature field is missing or empty (EC 0002-00000703/704).
    MissingField(&'static str),
    /// `x-oss-signature-version` is not `OSS4-HMAC-SHA256`.
    UnsupportedVersion(String),
    /// `x-oss-credential` is malformed (EC 0002-00000710).
    MalformedCredential,
    /// `x-oss-date` is not `yyyymmddTHHMMSSZ`, or not on the credential's day.
    MalformedDate,
    /// `x-oss-date` is more than 15 minutes ahead of now.
    NotYetValid,
    /// `x-oss-date` is more than 7 days old (spec §5.4).
    TooOld,
    /// The AccessKey id is not the one this verifier knows.
    UnknownAccessKey(String),
    /// The credential scope names another region.
    WrongRegion(String),
    /// The STS token is missing or not the expected one.
    SecurityTokenMismatch,
    /// The signature does not match the Base64 policy sent.
    SignatureMismatch,
}

impl core::fmt::Display for PostAuthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PostAuthError::Unsigned => f.write_str(
                "form has no signature fields (x-oss-signature-version/x-oss-credential/\
                 x-oss-date/x-oss-signature, or V1 OSSAccessKeyId/Signature)",
            ),
            PostAuthError::MissingField(name) => write!(f, "form field {name} is missing or empty"),
            PostAuthError::UnsupportedVersion(version) => write!(
                f,
                "x-oss-signature-version {version:?} is not supported; use OSS4-HMAC-SHA256"
            ),
            PostAuthError::MalformedCredential => f.write_str(
                "x-oss-credential must be <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request",
            ),
            PostAuthError::MalformedDate => f.write_str(
                "x-oss-date must be yyyymmddTHHMMSSZ on the day named in x-oss-credential",
            ),
            PostAuthError::NotYetValid => f.write_str(
                "x-oss-date is more than 15 minutes in the future; check the signer's clock",
            ),
            PostAuthError::TooOld => f.write_str("x-oss-date is more than 7 days old; sign again"),
            PostAuthError::UnknownAccessKey(id) => {
                write!(f, "AccessKey id {id:?} is not known here")
            }
            PostAuthError::WrongRegion(region) => {
                write!(
                    f,
                    "credential scope names region {region:?}, not this endpoint's"
                )
            }
            PostAuthError::SecurityTokenMismatch => {
                f.write_str("x-oss-security-token missing or not the expected one")
            }
            PostAuthError::SignatureMismatch => {
                f.write_str("signature does not match the policy field as sent")
            }
        }
    }
}

impl std::error::Error for PostAuthError {}

fn required<'f>(form: &Submission<'f>, name: &'static str) -> Result<&'f str, PostAuthError> {
    form.fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .ok_or(PostAuthError::MissingField(name))
}

fn check_token(credentials: &Credentials, form: &Submission<'_>) -> Result<(), PostAuthError> {
    let sent = required(form, "x-oss-security-token").ok();
    let ok = match (&credentials.security_token, sent) {
        (None, None) => true,
        (Some(expected), Some(sent)) => constant_time_eq(expected.as_bytes(), sent.as_bytes()),
        _ => false,
    };
    ok.then_some(()).ok_or(PostAuthError::SecurityTokenMismatch)
}

/// Checks the signature fields of a form against the one AccessKey this verifier serves (V4
/// scope region `region`) at `now`. Returns the version used. The policy's conditions are
/// checked by [`evaluate`]; [`check_post`] does both.
pub fn verify_post_signature(
    form: &Submission<'_>,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<SignatureVersion, PostAuthError> {
    let has = |name: &str| {
        form.fields
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if has("x-oss-signature-version") || has("x-oss-signature") || has("x-oss-credential") {
        verify_v4(form, credentials, region, now).map(|()| SignatureVersion::V4)
    } else if has("OSSAccessKeyId") || has("Signature") {
        verify_v1(form, credentials).map(|()| SignatureVersion::V1)
    } else {
        Err(PostAuthError::Unsigned)
    }
}

fn verify_v4(
    form: &Submission<'_>,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<(), PostAuthError> {
    let version = required(form, "x-oss-signature-version")?;
    if version != v4::ALGORITHM {
        return Err(PostAuthError::UnsupportedVersion(version.to_owned()));
    }
    let credential = ParsedCredential::parse(required(form, "x-oss-credential")?)
        .ok_or(PostAuthError::MalformedCredential)?;
    let date = required(form, "x-oss-date")?;
    let signed_at = parse_oss_date(date).map_err(|_| PostAuthError::MalformedDate)?;
    if !date.starts_with(credential.scope.day()) {
        return Err(PostAuthError::MalformedDate);
    }
    let signature = required(form, "x-oss-signature")?;
    let policy = required(form, "policy")?;
    if signed_at > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
        return Err(PostAuthError::NotYetValid);
    }
    if now > signed_at.saturating_add(MAX_EXPIRES_SECONDS as i64) {
        return Err(PostAuthError::TooOld);
    }
    if credential.access_key_id != credentials.access_key_id {
        return Err(PostAuthError::UnknownAccessKey(credential.access_key_id));
    }
    if credential.scope.region() != region {
        return Err(PostAuthError::WrongRegion(
            credential.scope.region().to_string(),
        ));
    }
    check_token(credentials, form)?;
    let expected = v4::sign_post_policy(&credentials.access_key_secret, &credential.scope, policy);
    constant_time_eq(expected.as_bytes(), signature.as_bytes())
        .then_some(())
        .ok_or(PostAuthError::SignatureMismatch)
}

fn verify_v1(form: &Submission<'_>, credentials: &Credentials) -> Result<(), PostAuthError> {
    let access_key_id = required(form, "OSSAccessKeyId")?;
    let signature = required(form, "Signature")?;
    let policy = required(form, "policy")?;
    if access_key_id != credentials.access_key_id {
        return Err(PostAuthError::UnknownAccessKey(access_key_id.to_owned()));
    }
    check_token(credentials, form)?;
    let expected = v1::sign(&credentials.access_key_secret, policy);
    constant_time_eq(expected.as_bytes(), signature.as_bytes())
        .then_some(())
        .ok_or(PostAuthError::SignatureMismatch)
}

/// Why OSS would refuse a PostObject form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostRejection {
    /// The signature fields are wrong.
    Auth(PostAuthError),
    /// The policy is unusable or a condition failed.
    Policy(PolicyError),
    /// A V4 policy lacks the condition binding a signature field (spec §5.4: the policy must
    /// contain `x-oss-signature-version`, `x-oss-credential`, `x-oss-date` and, with STS,
    /// `x-oss-security-token`).
    UnboundSignatureField(&'static str),
}

impl core::fmt::Display for PostRejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PostRejection::Auth(err) => write!(f, "{err}"),
            PostRejection::Policy(err) => write!(f, "{err}"),
            PostRejection::UnboundSignatureField(name) => write!(
                f,
                "a V4 policy must contain a condition on {name}; add {{\"{name}\": …}}"
            ),
        }
    }
}

impl std::error::Error for PostRejection {}

/// The full PostObject decision (spec §5): signature fields, then the policy. Returns the
/// signature version when OSS would accept the form.
pub fn check_post(
    form: &Submission<'_>,
    credentials: &Credentials,
    region: &Region,
    now: i64,
) -> Result<SignatureVersion, PostRejection> {
    let version =
        verify_post_signature(form, credentials, region, now).map_err(PostRejection::Auth)?;
    let policy = form.value("policy").unwrap_or_default();
    let parsed = evaluate(PolicyInput::Base64(policy), form, now).map_err(PostRejection::Policy)?;
    if version == SignatureVersion::V4 {
        let mut required = vec!["x-oss-signature-version", "x-oss-credential", "x-oss-date"];
        if credentials.security_token.is_some() {
            required.push("x-oss-security-token");
        }
        for name in required {
            if !parsed
                .conditions
                .iter()
                .any(|c| c.field().eq_ignore_ascii_case(name))
            {
                return Err(PostRejection::UnboundSignatureField(name));
            }
        }
    }
    Ok(version)
}
