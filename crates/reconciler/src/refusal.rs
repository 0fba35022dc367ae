//! Why a `POST /v1/reconcile` call is refused: a code, a status and a message that says what
//! to send instead (`docs/reconcile.md`, "Errors").

use core::fmt;

use oss_edge_core::reconcile::MAX_DAYS;
use serde_json::json;

use crate::VAR_RECONCILE_TOKEN;
use crate::route::RECONCILE_PATH;

/// Why a reconciliation call is refused (or a run cannot start).
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// `RECONCILE_TOKEN` is not set: the endpoint does not exist.
    Disabled,
    /// No `Authorization: Bearer`, or not the token.
    Unauthorized,
    /// The body is not the JSON this endpoint takes.
    BodyInvalid(String),
    /// `days` is outside 1..=[`MAX_DAYS`].
    DaysOutOfRange {
        /// What was sent.
        value: String,
    },
    /// `continue` does not name a position of this run.
    ContinueInvalid(String),
    /// The reconciler's settings are unusable.
    Misconfigured(String),
}

impl Refusal {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Disabled => 404,
            Self::Unauthorized => 401,
            Self::BodyInvalid(_) | Self::DaysOutOfRange { .. } | Self::ContinueInvalid(_) => 400,
            Self::Misconfigured(_) => 500,
        }
    }

    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "reconcile_disabled",
            Self::Unauthorized => "reconcile_unauthorized",
            Self::BodyInvalid(_) => "reconcile_body_invalid",
            Self::DaysOutOfRange { .. } => "reconcile_days_out_of_range",
            Self::ContinueInvalid(_) => "reconcile_continue_invalid",
            Self::Misconfigured(_) => "misconfigured",
        }
    }

    /// The JSON body `{"error", "message"}`.
    pub fn body(&self) -> Vec<u8> {
        json!({ "error": self.code(), "message": self.to_string() })
            .to_string()
            .into_bytes()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disabled => write!(
                f,
                "reconciliation over HTTP is disabled: set the secret {VAR_RECONCILE_TOKEN} \
                 (`wrangler secret put {VAR_RECONCILE_TOKEN} -c crates/reconciler/wrangler.toml`) to \
                 enable {RECONCILE_PATH}"
            ),
            Self::Unauthorized => f.write_str(
                "send `Authorization: Bearer <RECONCILE_TOKEN>` (oss-edge reconcile reads it \
                 from OSS_EDGE_RECONCILE_TOKEN)",
            ),
            Self::BodyInvalid(why) => write!(
                f,
                "the body must be a JSON object {{\"days\": 1..{MAX_DAYS}, \"dry_run\": bool, \
                 \"continue\": {{…}}}} (all optional): {why}"
            ),
            Self::DaysOutOfRange { value } => {
                write!(
                    f,
                    "`days` must be an integer from 1 to {MAX_DAYS}, not {value}"
                )
            }
            Self::ContinueInvalid(why) => write!(
                f,
                "`continue` must be the `next` of an earlier reply, with the same `days`: {why}"
            ),
            Self::Misconfigured(why) => f.write_str(why),
        }
    }
}
