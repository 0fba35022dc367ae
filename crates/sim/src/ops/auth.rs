//! Who may do what: the request's signature checked by the core (header-signed or presigned,
//! V4 or V1), and the core's signature and policy decisions mapped to OSS's error codes.

use oss_edge_core::sign::header_auth::{
    HeaderAuthError, is_header_signed, signed_text, verify_header_signed,
};
use oss_edge_core::sign::post_policy::condition::Condition;
use oss_edge_core::sign::post_policy::{FailureReason, PolicyError, PostAuthError, PostRejection};
use oss_edge_core::sign::presign::verify::{
    PresignVerifyError, ReceivedRequest, VerifiedPresign, verify_presigned,
};
use oss_edge_core::time::format_iso8601_millis;

use crate::error::OssError;
use crate::http::Incoming;
use crate::route::Target;
use crate::state::State;

/// Checks the signature of `req` as OSS does: the `Authorization` header when there is one
/// (V4 `OSS4-HMAC-SHA256` or V1 `OSS ak:sig`, the SDKs' ordinary form), else the presigned-URL
/// parameters (V4 or V1, spec §6); an anonymous request is refused (the bucket is private).
pub fn signed(state: &State, req: &Incoming, target: &Target) -> Result<(), OssError> {
    match signature_form(req, target)? {
        Some(SignatureForm::Header) => header_signed(state, req, target),
        Some(SignatureForm::Presigned) => presigned(state, req, target).map(|_| ()),
        None => Err(anonymous()),
    }
}

/// Reads (GetObject, HeadObject, ListObjectsV2): like [`signed`], except that an anonymous
/// request passes when the sim runs with `--public-read`.
pub fn read(state: &State, req: &Incoming, target: &Target) -> Result<(), OssError> {
    match signature_form(req, target)? {
        None if state.public_read => Ok(()),
        _ => signed(state, req, target),
    }
}

/// How a request is signed.
enum SignatureForm {
    Header,
    Presigned,
}

fn signature_form(req: &Incoming, target: &Target) -> Result<Option<SignatureForm>, OssError> {
    let header = is_header_signed(&req.headers);
    let presigned = target.has_query("x-oss-signature-version")
        || target.has_query("OSSAccessKeyId")
        || target.has_query("Signature");
    match (header, presigned) {
        (true, true) => Err(OssError::invalid_argument(
            "the request carries both an Authorization header and presigned-URL parameters; \
             sign it one way only",
        )),
        (true, false) => Ok(Some(SignatureForm::Header)),
        (false, true) => Ok(Some(SignatureForm::Presigned)),
        (false, false) => Ok(None),
    }
}

fn anonymous() -> OssError {
    OssError::access_denied(
        "You have no right to access this object because of bucket acl. (oss-sim's bucket is \
         private: sign the request with an Authorization header or a presigned URL; \
         --public-read allows anonymous GET/HEAD)",
    )
    .with("EC", "0003-00000001")
}

fn received<'a>(req: &'a Incoming, target: &'a Target) -> ReceivedRequest<'a> {
    ReceivedRequest {
        method: &req.method,
        bucket: &target.bucket,
        raw_object_path: &target.raw_object_path,
        raw_query: &target.raw_query,
        headers: &req.headers,
    }
}

/// Checks the `Authorization` header of `req` with the core's verifier (spec §6.1, §6.2), and a
/// signed payload hash against the body.
pub fn header_signed(state: &State, req: &Incoming, target: &Target) -> Result<(), OssError> {
    let verified = verify_header_signed(
        &received(req, target),
        &state.credentials,
        &state.region,
        req.now,
    )
    .map_err(|e| match e {
        // As OSS: the server's string to sign (and V4 canonical request), to compare.
        HeaderAuthError::SignatureMismatch => {
            let mut error = OssError::signature_mismatch(&e).with("EC", "0002-00000040");
            if let Some(text) = signed_text(&received(req, target)) {
                error = error.with("StringToSign", text.string_to_sign);
                if let Some(canonical) = text.canonical_request {
                    error = error.with("CanonicalRequest", canonical);
                }
            }
            error
        }
        other => header_error(other, req),
    })?;
    if !verified.payload_matches(&req.body) {
        return Err(OssError::new(
            400,
            "InvalidDigest",
            "The x-oss-content-sha256 you specified does not match the SHA-256 of the body.",
        ));
    }
    Ok(())
}

fn header_error(error: HeaderAuthError, req: &Incoming) -> OssError {
    let now = req.now;
    match &error {
        HeaderAuthError::UnknownAccessKey(id) => OssError::invalid_access_key(id),
        HeaderAuthError::SignatureMismatch | HeaderAuthError::WrongRegion { .. } => {
            OssError::signature_mismatch(&error)
        }
        HeaderAuthError::TimeTooSkewed { signed_at, .. } => OssError::new(
            403,
            "RequestTimeTooSkewed",
            format!(
                "The difference between the request time and the current time is too large. ({error})"
            ),
        )
        .with("RequestTime", format_iso8601_millis(*signed_at))
        .with("ServerTime", format_iso8601_millis(now)),
        HeaderAuthError::NoAuthorization => anonymous(),
        HeaderAuthError::SecurityTokenMismatch
            if req.header("x-oss-security-token").is_none()
                && req.header("security-token").is_some() =>
        {
            // alibabacloud-oss-v2 1.4.1's V1 signer sends the token this way, unsigned.
            OssError::access_denied(format!(
                "{error}: header-signed requests carry the STS token as x-oss-security-token \
                 (signed); a security-token header is not read"
            ))
        }
        HeaderAuthError::SecurityTokenMismatch => OssError::access_denied(error.to_string()),
        _ => OssError::invalid_argument(format!("Authorization header is invalid. ({error})")),
    }
}

/// Checks the presigned URL of `req` (V4 or V1, spec §6) with the core's verifier.
pub fn presigned(
    state: &State,
    req: &Incoming,
    target: &Target,
) -> Result<VerifiedPresign, OssError> {
    verify_presigned(
        &received(req, target),
        &state.credentials,
        &state.region,
        req.now,
    )
    .map_err(presign_error)
}

fn presign_error(error: PresignVerifyError) -> OssError {
    match &error {
        PresignVerifyError::NotPresigned => anonymous(),
        PresignVerifyError::Expired { expired_at, now } => {
            OssError::access_denied(format!("Request has expired. ({error})"))
                .with("Expires", format_iso8601_millis(*expired_at))
                .with("ServerTime", format_iso8601_millis(*now))
        }
        PresignVerifyError::NotYetValid { .. } | PresignVerifyError::SecurityTokenMismatch => {
            OssError::access_denied(error.to_string())
        }
        PresignVerifyError::UnknownAccessKey(id) => OssError::invalid_access_key(id),
        PresignVerifyError::SignatureMismatch | PresignVerifyError::WrongRegion { .. } => {
            OssError::signature_mismatch(&error)
        }
        _ => OssError::invalid_argument(error.to_string()),
    }
}

fn condition_message(condition: &Condition, detail: &PolicyError) -> String {
    format!("Invalid according to Policy: Policy Condition failed: {condition} ({detail})")
}

/// OSS's error for a PostObject form the core refused (spec §5).
pub fn post_rejection(rejection: PostRejection) -> OssError {
    match rejection {
        PostRejection::Auth(auth) => match &auth {
            PostAuthError::Unsigned => OssError::access_denied(format!(
                "You have no right to access this object because of bucket acl. ({auth})"
            )),
            PostAuthError::UnknownAccessKey(id) => OssError::invalid_access_key(id),
            PostAuthError::SignatureMismatch | PostAuthError::WrongRegion(_) => {
                OssError::signature_mismatch(&auth)
            }
            PostAuthError::NotYetValid
            | PostAuthError::TooOld
            | PostAuthError::SecurityTokenMismatch => OssError::access_denied(auth.to_string()),
            _ => OssError::invalid_argument(auth.to_string()),
        },
        PostRejection::Policy(policy) => match &policy {
            PolicyError::Expired { .. } => OssError::access_denied(format!(
                "Invalid according to Policy: Policy expired. ({policy})"
            )),
            PolicyError::ConditionFailed {
                condition,
                reason: FailureReason::SizeOutOfRange { .. },
                ..
            } => {
                let over = matches!(
                    (condition, &policy),
                    (
                        Condition::ContentLengthRange { max, .. },
                        PolicyError::ConditionFailed {
                            reason: FailureReason::SizeOutOfRange { size },
                            ..
                        }
                    ) if size > max
                );
                let message = condition_message(condition, &policy);
                if over {
                    OssError::entity_too_large(format!(
                        "Your proposed upload exceeds the maximum allowed size. {message}"
                    ))
                } else {
                    OssError::entity_too_small(format!(
                        "Your proposed upload is smaller than the minimum allowed size. {message}"
                    ))
                }
            }
            PolicyError::ConditionFailed { condition, .. } => {
                OssError::access_denied(condition_message(condition, &policy))
            }
            _ => OssError::new(400, "InvalidPolicyDocument", policy.to_string()),
        },
        PostRejection::UnboundSignatureField(_) => {
            OssError::access_denied(format!("Invalid according to Policy: {rejection}"))
        }
        _ => OssError::access_denied(rejection.to_string()),
    }
}
