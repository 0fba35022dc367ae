//! Mapping the core's signature and policy decisions to OSS's error codes.

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

/// Checks the presigned URL of `req` (V4 or V1, spec §6) with the core's verifier.
pub fn presigned(
    state: &State,
    req: &Incoming,
    target: &Target,
) -> Result<VerifiedPresign, OssError> {
    let received = ReceivedRequest {
        method: &req.method,
        bucket: &target.bucket,
        raw_object_path: &target.raw_object_path,
        raw_query: &target.raw_query,
        headers: &req.headers,
    };
    verify_presigned(&received, &state.credentials, &state.region, req.now)
        .map_err(|e| presign_error(e, req))
}

fn presign_error(error: PresignVerifyError, req: &Incoming) -> OssError {
    match &error {
        PresignVerifyError::NotPresigned => {
            let detail = if req.header("authorization").is_some() {
                "oss-sim checks presigned URLs only; header-signed requests are not supported"
            } else {
                "anonymous writes are refused: sign the request (presigned URL)"
            };
            OssError::access_denied(format!(
                "You have no right to access this object because of bucket acl. ({detail})"
            ))
        }
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
