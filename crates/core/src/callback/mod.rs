//! OSS upload callbacks: proving a callback request came from OSS, turning its body into an
//! upload event, and building the callback parameters a client sends with its upload.
//!
//! - [`verify()`] checks OSS's RSA/MD5 signature over the raw request (spec §3).
//! - [`keys`] holds the trusted public keys, selected by exact key URL (spec §3.2).
//! - [`event`] parses a verified body ([`parse_body`]) and builds the [`UploadEvent`] (schema
//!   `oss-edge.upload.v2`, `docs/events.md`) from the object's facts ([`crate::confirm`]).
//! - [`params`] builds and validates the `callback` / `callback-var` parameters (spec §1).
//! - [`reply`] says what OSS accepts as the answer to a callback (spec §2.3); [`outcome`]
//!   judges a whole answer and names OSS's `CallbackFailed` message (spec §2.2–§2.4).
//! - [`diagnose`] explains a signature mismatch (bounded work, tickets redacted).
//! - [`carrier`]: header or query, exactly one (spec §1.1).
//! - `signing` (feature `signing`) signs callbacks as OSS does, for the local stand-in (spec §3.1).

pub mod carrier;
pub mod diagnose;
pub mod event;
pub mod key_der;
pub mod keys;
pub mod outcome;
pub mod params;
pub mod reply;
pub mod rsa512;
#[cfg(feature = "signing")]
pub mod signing;
pub mod target;
pub mod verify;

pub use event::{CallbackBody, UploadEvent, parse_body};
pub use keys::{KeyError, TrustedKeys};
pub use verify::{CallbackRequest, VerifiedCallback, VerifyError, VerifyOptions, verify};
