//! Percent codec: decoding never panics, strict decoding agrees with lenient decoding when it
//! succeeds, and encoding then decoding gives back the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::encoding::{InvalidEscape, form_decode, percent_decode, uri_encode};

fuzz_target!(|data: &[u8]| {
    let lenient = percent_decode(data, InvalidEscape::Keep).expect("Keep never fails");
    if let Ok(strict) = percent_decode(data, InvalidEscape::Reject) {
        assert_eq!(strict, lenient);
    }
    for keep_slash in [false, true] {
        let encoded = uri_encode(data, keep_slash);
        assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
        assert_eq!(percent_decode(encoded.as_bytes(), InvalidEscape::Reject).expect("our encoding is valid"), data);
    }
    let _ = form_decode(data);
    // Splitting and the signed string: path decoded, query and body verbatim.
    let target = RequestTarget::split(data);
    let signed = string_to_sign(&target, b"body");
    assert!(signed.ends_with(b"\nbody"));
    if let Some(query) = target.query {
        assert!(signed.windows(query.len() + 1).any(|w| w[0] == b'?' && &w[1..] == query));
    }
});
