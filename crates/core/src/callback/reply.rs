//! What OSS accepts as the application server's answer to a callback (spec §2.3).
//!
//! Only status 200 counts as success; the reply must carry a valid `Content-Length` (chunked
//! or absent fails) and a JSON body of at most 1 MB without a UTF-8 byte-order mark. OSS relays
//! the body to the uploading client (spec §2.4). Anything else makes OSS answer the upload with
//! `203 CallbackFailed`, e.g. `Response body is not valid json format.`

/// Largest reply body OSS accepts, in bytes. The docs say "1 MB" in one place and 3 MB in
/// another; 1 MB read as 10^6 bytes is safe under every reading (spec §2.3).
pub const MAX_REPLY_BYTES: usize = 1_000_000;

/// The content type of a JSON reply (OSS's canonical example; spec §2.3).
pub const REPLY_CONTENT_TYPE: &str = "application/json";

/// Why OSS would refuse a reply body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyBodyError {
    /// Longer than [`MAX_REPLY_BYTES`].
    TooLarge {
        /// The body's length.
        len: usize,
    },
    /// Starts with the UTF-8 byte-order mark `EF BB BF`.
    ByteOrderMark,
    /// Not a JSON document.
    NotJson(String),
}

impl core::fmt::Display for ReplyBodyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLarge { len } => write!(
                f,
                "the reply is {len} bytes; OSS accepts at most {MAX_REPLY_BYTES}"
            ),
            Self::ByteOrderMark => f.write_str(
                "the reply starts with a UTF-8 byte-order mark, which OSS rejects as invalid JSON",
            ),
            Self::NotJson(why) => write!(f, "the reply is not valid JSON ({why})"),
        }
    }
}

impl std::error::Error for ReplyBodyError {}

/// Checks that `body` is a reply body OSS accepts: at most [`MAX_REPLY_BYTES`], no BOM, JSON.
pub fn check_reply_body(body: &[u8]) -> Result<(), ReplyBodyError> {
    if body.len() > MAX_REPLY_BYTES {
        return Err(ReplyBodyError::TooLarge { len: body.len() });
    }
    if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(ReplyBodyError::ByteOrderMark);
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map(|_| ())
        .map_err(|e| ReplyBodyError::NotJson(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn accepts_json_and_refuses_what_oss_refuses() {
        assert_eq!(check_reply_body(br#"{"Status":"OK"}"#), Ok(()));
        assert_eq!(
            check_reply_body(b"\xEF\xBB\xBF{\"Status\":\"OK\"}"),
            Err(ReplyBodyError::ByteOrderMark)
        );
        assert!(matches!(
            check_reply_body(b"OK"),
            Err(ReplyBodyError::NotJson(_))
        ));
        assert!(matches!(
            check_reply_body(b""),
            Err(ReplyBodyError::NotJson(_))
        ));
        let mut big = b"\"".to_vec();
        big.resize(MAX_REPLY_BYTES, b'a');
        big.push(b'"');
        assert_eq!(
            check_reply_body(&big),
            Err(ReplyBodyError::TooLarge {
                len: MAX_REPLY_BYTES + 1
            })
        );
    }
}
