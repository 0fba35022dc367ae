//! OSS upload callbacks: proving a callback request came from OSS, turning its body into an
//! upload event, and building the callback parameters a client sends with its upload.
//!
//! - [`verify()`] checks OSS's RSA/MD5 signature over the raw request (spec §3).
//! - [`keys`] holds the trusted public keys, selected by exact key URL (spec §3.2);
//!   [`rsa_key`] checks their signatures, with `s^e mod n` from an [`rsa_key::RsaPublicOp`]:
//!   [`software_rsa`] on hosts, the runtime's `BigInt` in the Workers.
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
pub mod rsa_key;
#[cfg(feature = "signing")]
pub mod signing;
pub mod software_rsa;
pub mod target;
pub mod verify;

pub use event::{CallbackBody, UploadEvent, parse_body};

/// Every request header the callback path reads (lower case): [`verify()`] and
/// [`diagnose`] the signature's two (spec §3.1, §3.2), [`parse_body`] the body's type and the
/// identifying OSS headers (spec §2.1). An adapter may hand the core these alone: copying a
/// request's every header costs a Worker about three JS↔wasm crossings per header.
pub const READ_HEADERS: [&str; 6] = [
    verify::AUTHORIZATION,
    verify::PUB_KEY_URL,
    event::CONTENT_TYPE,
    event::REQUEST_ID,
    event::BUCKET,
    event::REQUESTER,
];
pub use keys::{KeyError, TrustedKeys};
pub use verify::{CallbackRequest, VerifiedCallback, VerifyError, VerifyOptions, verify};
