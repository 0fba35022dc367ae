//! Every way a request can fail, its stable code, and the one table mapping codes to HTTP
//! statuses. `4xx` means the request is not a valid callback; `5xx` means the fault is ours
//! (OSS then reports `CallbackFailed` to the uploading client and the object stays stored).

use core::fmt;

use oss_edge_core::callback::VerifyError;
use oss_edge_core::callback::event::BodyIncomplete;
use oss_edge_core::confirm::ConfirmError;
use oss_edge_core::ticket::TicketError;

use crate::config::ConfigError;
use crate::reply::ReplyError;

/// Code → HTTP status, for every code this Worker answers with. Codes from the core's error
/// enums are listed explicitly; [`Rejection::status`] falls back to 400 (request) or 500 (ours)
/// for a code a newer core adds before this table learns it.
pub const STATUS_BY_CODE: &[(&str, u16)] = &[
    // Routing.
    ("method_not_allowed", 405),
    ("path_not_allowed", 404),
    ("reconcile_elsewhere", 404),
    // Reading the request.
    ("body_too_large", 413),
    ("body_unreadable", 400),
    // OSS's signature (core `VerifyError`).
    ("invalid_target", 400),
    ("missing_header", 400),
    ("repeated_header", 400),
    ("invalid_base64", 400),
    ("untrusted_key_url", 403),
    ("signature_length", 403),
    ("signature_mismatch", 403),
    // The upload ticket (core `TicketError`, plus `ticket_required`).
    ("ticket_required", 403),
    ("ticket_too_long", 400),
    ("ticket_malformed", 400),
    ("ticket_unsupported_version", 400),
    ("ticket_unknown_key", 403),
    ("ticket_bad_mac", 403),
    ("ticket_expired", 403),
    ("ticket_bucket_mismatch", 403),
    ("ticket_object_mismatch", 403),
    ("ticket_size_exceeded", 403),
    ("ticket_invalid_claims", 403),
    // The body (core `BodyIncomplete`).
    ("body_incomplete", 400),
    // Confirmation in the bucket (core `ConfirmError`).
    ("bucket_not_configured", 403),
    ("object_not_found", 404),
    ("object_mismatch", 409),
    ("confirmation_denied", 502),
    ("confirmation_malformed", 502),
    ("confirmation_unavailable", 503),
    // POST /v1/recover.
    ("recover_body_invalid", 400),
    ("recover_key_required", 400),
    ("origin_not_allowed", 403),
    ("recovery_unavailable", 501),
    // Our faults.
    ("misconfigured", 500),
    ("reply_invalid", 500),
    ("queue_unavailable", 503),
];

/// Why a request was not answered 200.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The method is not served on this path.
    MethodNotAllowed {
        /// The `Allow` header value.
        allow: &'static str,
    },
    /// The path is outside `ALLOWED_PATH_PREFIXES`.
    PathNotAllowed,
    /// `POST /v1/reconcile`: reconciliation is the reconciler Worker's (`docs/reconcile.md`).
    ReconcileElsewhere,
    /// The declared or streamed body is over `MAX_BODY_BYTES`.
    BodyTooLarge {
        /// The configured cap.
        limit: usize,
    },
    /// The body could not be read (the connection broke).
    BodyUnreadable(String),
    /// Not signed by a trusted key (core verification).
    Verify(VerifyError),
    /// `REQUIRE_TICKET` is true and the callback URL carries no ticket.
    TicketRequired,
    /// The ticket is present but invalid.
    Ticket(TicketError),
    /// The body lacks bucket, object or size, so it names no stored object.
    BodyIncomplete(BodyIncomplete),
    /// The bucket does not confirm the upload (or could not be asked).
    Confirm(ConfirmError),
    /// The recovery call's body is not `{"key": "…"}`.
    RecoverBodyInvalid(String),
    /// The recovery ticket grants a prefix and the body names no key.
    RecoverKeyRequired,
    /// A browser page from an origin not in `CORS_ALLOWED_ORIGINS`.
    OriginNotAllowed,
    /// Recovery needs confirmation (`CONFIRM_OBJECTS=true`): nothing else can vouch for an
    /// object.
    RecoveryUnavailable,
    /// The configuration is unusable; nothing is accepted until it is fixed.
    Misconfigured(ConfigError),
    /// The reply template produced a reply OSS would refuse.
    ReplyInvalid(ReplyError),
    /// The event could not be put on the queue within the time budget.
    QueueUnavailable {
        /// Send attempts made.
        attempts: u32,
        /// The last failure.
        last_error: String,
    },
}

impl Rejection {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PathNotAllowed => "path_not_allowed",
            Self::ReconcileElsewhere => "reconcile_elsewhere",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyUnreadable(_) => "body_unreadable",
            Self::Verify(e) => e.code(),
            Self::TicketRequired => "ticket_required",
            Self::Ticket(e) => e.code(),
            Self::BodyIncomplete(e) => e.code(),
            Self::Confirm(e) => e.code(),
            Self::RecoverBodyInvalid(_) => "recover_body_invalid",
            Self::RecoverKeyRequired => "recover_key_required",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::RecoveryUnavailable => "recovery_unavailable",
            Self::Misconfigured(_) => "misconfigured",
            Self::ReplyInvalid(_) => "reply_invalid",
            Self::QueueUnavailable { .. } => "queue_unavailable",
        }
    }

    /// The HTTP status, from [`STATUS_BY_CODE`].
    pub fn status(&self) -> u16 {
        let code = self.code();
        STATUS_BY_CODE
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, status)| *status)
            .unwrap_or(match self {
                Self::Confirm(e) => e.http_status(),
                Self::Misconfigured(_) | Self::ReplyInvalid(_) | Self::QueueUnavailable { .. } => {
                    500
                }
                _ => 400,
            })
    }

    /// The JSON error body `{"error": CODE, "message": …}`.
    pub fn body(&self) -> Vec<u8> {
        serde_json::json!({ "error": self.code(), "message": self.to_string() })
            .to_string()
            .into_bytes()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MethodNotAllowed { allow } => write!(f, "method not allowed; use {allow}"),
            Self::PathNotAllowed => {
                f.write_str("this path is not an allowed callback path (see ALLOWED_PATH_PREFIXES)")
            }
            Self::ReconcileElsewhere => f.write_str(
                "reconciliation is the reconciler Worker's (crates/reconciler): call its URL, \
                 `oss-edge reconcile --url <reconciler URL>` (docs/reconcile.md)",
            ),
            Self::BodyTooLarge { limit } => {
                write!(
                    f,
                    "callback body is over the {limit}-byte limit (MAX_BODY_BYTES)"
                )
            }
            Self::BodyUnreadable(why) => write!(f, "could not read the request body: {why}"),
            Self::Verify(e) => e.fmt(f),
            Self::TicketRequired => write!(
                f,
                "the callback URL carries no upload ticket (query parameter {}) and REQUIRE_TICKET is true",
                oss_edge_core::ticket::TICKET_PARAM
            ),
            Self::Ticket(e) => e.fmt(f),
            Self::BodyIncomplete(e) => e.fmt(f),
            Self::Confirm(e) => e.fmt(f),
            Self::RecoverBodyInvalid(why) => write!(
                f,
                "the recovery body must be empty or {{\"key\": \"<object key>\"}}: {why}"
            ),
            Self::RecoverKeyRequired => f.write_str(
                "the ticket grants a key prefix: name the object with {\"key\": \"<object key>\"}",
            ),
            Self::OriginNotAllowed => {
                f.write_str("this origin may not call the recovery endpoint (CORS_ALLOWED_ORIGINS)")
            }
            Self::RecoveryUnavailable => f.write_str(
                "recovery needs CONFIRM_OBJECTS=true: only the bucket can vouch for an object",
            ),
            Self::Misconfigured(e) => write!(f, "the callback Worker is misconfigured: {e}"),
            Self::ReplyInvalid(e) => write!(f, "the reply template produced an invalid reply: {e}"),
            Self::QueueUnavailable {
                attempts,
                last_error,
            } => write!(
                f,
                "the upload event could not be queued after {attempts} attempt(s) ({last_error}); \
                 the callback was not accepted and may be delivered again"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_core_code_is_in_the_table() {
        let verify = [
            VerifyError::BodyTooLarge {
                limit: 1,
                actual: 2,
            },
            VerifyError::InvalidTarget,
            VerifyError::MissingHeader { name: "x" },
            VerifyError::RepeatedHeader { name: "x" },
            VerifyError::InvalidBase64 { name: "x" },
            VerifyError::UntrustedKeyUrl { url: "u".into() },
            VerifyError::SignatureLength {
                expected: 1,
                actual: 2,
            },
            VerifyError::SignatureMismatch,
        ];
        let ticket = [
            TicketError::TooLong { len: 1 },
            TicketError::Malformed { reason: "r" },
            TicketError::UnsupportedVersion {
                version: "v2".into(),
            },
            TicketError::UnknownKey { kid: "k".into() },
            TicketError::BadMac,
            TicketError::Expired {
                deadline: 1,
                now: 2,
            },
            TicketError::BucketMismatch {
                granted: "a".into(),
                actual: "b".into(),
            },
            TicketError::ObjectMismatch { object: "o".into() },
            TicketError::SizeExceeded {
                size: 2,
                max_size: 1,
            },
            TicketError::InvalidClaims { reason: "r" },
        ];
        let codes: Vec<&str> = verify
            .into_iter()
            .map(|e| Rejection::Verify(e).code())
            .chain(ticket.into_iter().map(|e| Rejection::Ticket(e).code()))
            .chain([Rejection::BodyIncomplete(BodyIncomplete {
                missing: vec!["size"],
            })
            .code()])
            .chain(
                [
                    ConfirmError::BucketNotConfigured { bucket: "b".into() },
                    ConfirmError::NotFound {
                        bucket: "b".into(),
                        key: "k".into(),
                    },
                    ConfirmError::Mismatch {
                        field: "size",
                        claimed: "1".into(),
                        actual: "2".into(),
                    },
                    ConfirmError::Denied {
                        status: 403,
                        code: None,
                    },
                    ConfirmError::unreachable("x"),
                    ConfirmError::Malformed { reason: "r".into() },
                ]
                .into_iter()
                .map(|e| {
                    let status = e.http_status();
                    let rejection = Rejection::Confirm(e);
                    // The table agrees with the core's own status for each.
                    assert_eq!(rejection.status(), status, "{}", rejection.code());
                    rejection.code()
                }),
            )
            .collect();
        for code in codes {
            assert!(
                STATUS_BY_CODE.iter().any(|(c, _)| *c == code),
                "{code} missing from STATUS_BY_CODE"
            );
        }
    }

    #[test]
    fn statuses_and_body() {
        assert_eq!(Rejection::MethodNotAllowed { allow: "POST" }.status(), 405);
        assert_eq!(Rejection::TicketRequired.status(), 403);
        assert_eq!(Rejection::BodyTooLarge { limit: 1 }.status(), 413);
        // Reconciliation moved: the old endpoint says where, and is not taken for a callback.
        let moved = Rejection::ReconcileElsewhere;
        assert_eq!((moved.status(), moved.code()), (404, "reconcile_elsewhere"));
        assert!(moved.to_string().contains("oss-edge reconcile --url"));
        assert_eq!(
            crate::route::route("POST", crate::route::RECONCILE_PATH),
            crate::route::Route::Reconcile
        );
        assert_eq!(
            Rejection::Misconfigured(ConfigError::TicketKeysRequired).status(),
            500
        );
        let q = Rejection::QueueUnavailable {
            attempts: 3,
            last_error: "boom".into(),
        };
        assert_eq!(q.status(), 503);
        let body: serde_json::Value = serde_json::from_slice(&q.body()).unwrap();
        assert_eq!(body["error"], "queue_unavailable");
        assert!(body["message"].as_str().unwrap().contains("3 attempt"));
        // Only 4xx for requests and 5xx for our faults.
        for (code, status) in STATUS_BY_CODE {
            assert!((400..600).contains(status), "{code}");
        }
    }
}
