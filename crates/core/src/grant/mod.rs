//! Upload grants: the sans-IO rules of who may upload what, for the signer Worker.
//!
//! - [`auth`]: the `Authorization` header → a [`Subject`] (static bearer tokens, [`jwt`],
//!   or development-only `none`).
//! - [`key`]: file-name sanitising and the object-key template.
//! - [`limits`]: size, content type and lifetime limits.
//! - [`config`]: the signer's configuration from its variables, validated once.
//! - [`request`]: the `POST /v1/grants` body.
//! - [`issue`](mod@issue): building a grant (PostObject form, presigned PUT or multipart plan) with its
//!   callback and ticket, and the official-sample `GET /v1/policy` answer.
//!
//! Every error has a stable snake_case [`GrantError::code`] and a message a client can act on.

pub mod auth;
pub mod config;
pub mod issue;
pub mod jwt;
pub mod key;
pub mod limits;
pub mod media;
pub mod request;

use core::fmt;

pub use auth::{AuthConfig, AuthError, AuthStep, Subject, conclude_rsa};
pub use config::{ConfigError, RawConfig, SignerConfig};
pub use issue::{GRANT_ID_BYTES, Grant, Pairs, PolicySample, issue, policy_sample};
pub use key::{FileName, FileNameError, KeyTemplate};
pub use limits::{LimitError, Limits};
pub use request::{GrantRequest, Mode, RequestError};

/// Why a grant is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantError {
    /// The caller is not authenticated.
    Auth(AuthError),
    /// The request body is malformed.
    Request(RequestError),
    /// The file name is refused.
    FileName(FileNameError),
    /// A limit is exceeded.
    Limit(LimitError),
    /// The rendered object key is longer than OSS allows.
    KeyTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The multipart continuation is invalid or expired.
    Continuation(crate::ticket::TicketError),
    /// The continuation belongs to another subject or is not for a single key.
    ContinuationMismatch,
    /// Signing failed (a configuration problem such as an over-long callback URL).
    Signing(String),
}

impl GrantError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            GrantError::Auth(e) => e.code(),
            GrantError::Request(e) => e.code(),
            GrantError::FileName(e) => e.code(),
            GrantError::Limit(e) => e.code(),
            GrantError::KeyTooLong { .. } => "key_too_long",
            GrantError::Continuation(_) => "continuation_invalid",
            GrantError::ContinuationMismatch => "continuation_not_yours",
            GrantError::Signing(_) => "signing_failed",
        }
    }
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantError::Auth(e) => write!(f, "{e}"),
            GrantError::Request(e) => write!(f, "{e}"),
            GrantError::FileName(e) => write!(f, "{e}"),
            GrantError::Limit(e) => write!(f, "{e}"),
            GrantError::KeyTooLong { len } => write!(
                f,
                "the object key would have {len} bytes; OSS allows 1023 (use a shorter subject or \
                 KEY_TEMPLATE)"
            ),
            GrantError::Continuation(e) => write!(
                f,
                "the multipart continuation is not valid ({e}); start again with a new grant"
            ),
            GrantError::ContinuationMismatch => {
                f.write_str("the multipart continuation was issued to someone else")
            }
            GrantError::Signing(e) => write!(f, "the signer could not sign this grant: {e}"),
        }
    }
}

impl std::error::Error for GrantError {}

impl From<AuthError> for GrantError {
    fn from(e: AuthError) -> Self {
        GrantError::Auth(e)
    }
}

impl From<RequestError> for GrantError {
    fn from(e: RequestError) -> Self {
        GrantError::Request(e)
    }
}

impl From<FileNameError> for GrantError {
    fn from(e: FileNameError) -> Self {
        GrantError::FileName(e)
    }
}

impl From<LimitError> for GrantError {
    fn from(e: LimitError) -> Self {
        GrantError::Limit(e)
    }
}
