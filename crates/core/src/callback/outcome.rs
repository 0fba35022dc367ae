//! How OSS judges the application server's answer to one callback request, and what it tells
//! the uploading client when no URL succeeded (spec §2.2–§2.4). Sans-IO: the caller sends the
//! request and passes in what came back; this says whether OSS would count it.
//!
//! OSS tries each `callbackUrl` in order until one succeeds (spec §2.2). A URL succeeds when it
//! answers within 5 seconds ([`CALLBACK_TIMEOUT_MS`]) with status **200** exactly, an explicit
//! `Content-Length`, and a body accepted by [`check_reply_body`] (spec §2.3). Then OSS relays
//! that body to the client with status 200; otherwise the client gets `203` with error code
//! [`CALLBACK_FAILED_CODE`] and the message of [`CallbackFailure::message`] (spec §2.4).

use super::reply::{MAX_REPLY_BYTES, ReplyBodyError, check_reply_body};

/// OSS's fixed budget for one callback request, milliseconds (spec §2.2).
pub const CALLBACK_TIMEOUT_MS: u64 = 5_000;

/// The HTTP status OSS answers the upload with when the callback failed (spec §2.4).
pub const CALLBACK_FAILED_STATUS: u16 = 203;

/// The error code in OSS's XML error body when the callback failed (spec §2.4).
pub const CALLBACK_FAILED_CODE: &str = "CallbackFailed";

/// Why one callback request did not count as a success.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackFailure {
    /// No connection could be made (refused, unresolvable, TLS failure).
    Connect,
    /// No complete answer within [`CALLBACK_TIMEOUT_MS`]; `peer` is `ip:port`.
    Timeout {
        /// The address OSS connected to.
        peer: String,
    },
    /// The answer's status was not 200.
    Status(u16),
    /// The answer had no valid `Content-Length` (absent, chunked or unparsable).
    NoContentLength,
    /// The declared `Content-Length` exceeds [`MAX_REPLY_BYTES`].
    TooLong {
        /// The declared length.
        length: u64,
    },
    /// The body is not one OSS relays (BOM, not JSON, too long).
    Body(ReplyBodyError),
}

impl CallbackFailure {
    /// The message OSS puts in the `203 CallbackFailed` error body (spec §2.4; verbatim where
    /// the spec lists the text, otherwise in the same style).
    pub fn message(&self) -> String {
        match self {
            CallbackFailure::Connect => {
                "Error status : -1. OSS can not connect to your callbackUrl, please check it."
                    .to_owned()
            }
            CallbackFailure::Timeout { peer } => format!(
                "Error status : -1 {peer} reply timeout, cost:{CALLBACK_TIMEOUT_MS}ms, \
                 timeout:{CALLBACK_TIMEOUT_MS}ms"
            ),
            CallbackFailure::Status(status) => format!("Error status : {status}."),
            CallbackFailure::NoContentLength | CallbackFailure::TooLong { .. } => {
                "Error Status : 400.User server return too long content-length value".to_owned()
            }
            CallbackFailure::Body(ReplyBodyError::TooLarge { .. }) => {
                "Error Status : 400.User server return too long content-length value".to_owned()
            }
            CallbackFailure::Body(_) => "Response body is not valid json format.".to_owned(),
        }
    }
}

impl core::fmt::Display for CallbackFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CallbackFailure {}

/// Checks the head of an answer before its body is read: status 200 and an explicit
/// `Content-Length` of at most [`MAX_REPLY_BYTES`]. `content_length` is `None` when the header
/// is absent, repeated with different values, unparsable, or the answer is chunked. Returns the
/// length to read.
pub fn check_reply_head(status: u16, content_length: Option<u64>) -> Result<u64, CallbackFailure> {
    if status != 200 {
        return Err(CallbackFailure::Status(status));
    }
    let length = content_length.ok_or(CallbackFailure::NoContentLength)?;
    if length > MAX_REPLY_BYTES as u64 {
        return Err(CallbackFailure::TooLong { length });
    }
    Ok(length)
}

/// The whole judgement of one answer (spec §2.3): [`check_reply_head`], then
/// [`check_reply_body`] on the body read.
pub fn judge_reply(
    status: u16,
    content_length: Option<u64>,
    body: &[u8],
) -> Result<(), CallbackFailure> {
    check_reply_head(status, content_length)?;
    check_reply_body(body).map_err(CallbackFailure::Body)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn only_200_with_length_and_json_succeeds() {
        assert_eq!(judge_reply(200, Some(15), br#"{"Status":"OK"}"#), Ok(()));
        assert_eq!(
            judge_reply(201, Some(2), b"{}"),
            Err(CallbackFailure::Status(201))
        );
        assert_eq!(
            judge_reply(200, None, b"{}"),
            Err(CallbackFailure::NoContentLength)
        );
        assert_eq!(
            judge_reply(200, Some(2_000_000), b"{}"),
            Err(CallbackFailure::TooLong { length: 2_000_000 })
        );
        let not_json = judge_reply(200, Some(2), b"OK").unwrap_err();
        assert_eq!(
            not_json.message(),
            "Response body is not valid json format."
        );
    }

    #[test]
    fn messages_are_oss_texts() {
        assert_eq!(
            CallbackFailure::Connect.message(),
            "Error status : -1. OSS can not connect to your callbackUrl, please check it."
        );
        assert_eq!(
            CallbackFailure::Status(500).message(),
            "Error status : 500."
        );
        assert!(
            CallbackFailure::Timeout {
                peer: "127.0.0.1:1".into()
            }
            .message()
            .starts_with("Error status : -1 127.0.0.1:1 reply timeout, cost:5000ms")
        );
    }
}
