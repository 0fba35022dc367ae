//! Body parsing: any verified body (any content type) becomes an event that serialises to
//! JSON, has a non-empty id, and keeps the exact body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::target::RequestTarget;
use oss_edge_core::callback::{CallbackRequest, VerifiedCallback, parse_event};
use oss_edge_core::encoding::base64_decode;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let content_type = ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-8"]
        [usize::from(selector) % 4];
    let mut headers = vec![("content-type", content_type)];
    if selector & 0x10 != 0 {
        headers.push(("x-oss-request-id", "REQ"));
    }
    let request = CallbackRequest { target: b"/cb?x=1", headers: &headers, body };
    let verified = VerifiedCallback { target: RequestTarget::split(b"/cb?x=1"), body, key_url: String::new(), builtin_key: true };
    let event = parse_event(&verified, &request, 1_700_000_000);
    assert!(!event.id.is_empty());
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).expect("event is JSON");
    assert_eq!(json["schema"], "oss-edge.upload.v1");
    match (&event.body.text, &event.body.base64) {
        (Some(text), None) => assert_eq!(text.as_bytes(), body),
        (None, Some(b64)) => assert_eq!(base64_decode(b64).expect("b64"), body),
        other => panic!("body kept neither as text nor as base64: {other:?}"),
    }
});
