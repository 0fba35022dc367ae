//! Body parsing: any verified body (any content type, with or without the signer's body type)
//! keeps the exact body; with the signer's body type the `Content-Type` header cannot change
//! which fields exist; a body that names its object becomes a v2 event that serialises to
//! JSON with the object's id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::callback::target::RequestTarget;
use oss_edge_core::callback::{CallbackRequest, UploadEvent, VerifiedCallback, parse_body};
use oss_edge_core::confirm::ObjectFacts;
use oss_edge_core::encoding::base64_decode;

const CONTENT_TYPES: [&str; 4] =
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-8"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let content_type = CONTENT_TYPES[usize::from(selector) % 4];
    let body_type = match (selector >> 2) % 3 {
        0 => None,
        1 => Some(BodyType::Form),
        _ => Some(BodyType::Json),
    };
    let mut headers = vec![("content-type", content_type)];
    if selector & 0x40 != 0 {
        headers.push(("x-oss-request-id", "REQ"));
    }
    let request = CallbackRequest { target: b"/cb?x=1", headers: &headers, body };
    let verified = VerifiedCallback { target: RequestTarget::split(b"/cb?x=1"), body, key_url: String::new(), builtin_key: true };
    let parsed = parse_body(&verified, &request, body_type);
    match (&parsed.body.text, &parsed.body.base64) {
        (Some(text), None) => assert_eq!(text.as_bytes(), body),
        (None, Some(b64)) => assert_eq!(base64_decode(b64).expect("b64"), body),
        other => panic!("body kept neither as text nor as base64: {other:?}"),
    }
    if body_type.is_some() {
        let flipped_headers = [("content-type", CONTENT_TYPES[usize::from(selector.wrapping_add(1)) % 4])];
        let flipped = CallbackRequest { headers: &flipped_headers, ..request };
        let again = parse_body(&verified, &flipped, body_type);
        assert_eq!(again.claimed, parsed.claimed, "the header changed the claims");
        assert_eq!((&again.custom, &again.fields), (&parsed.custom, &parsed.fields));
        assert_eq!(again.body.format, parsed.body.format);
    }
    match (parsed.identity(), ObjectFacts::from_claims(parsed.claimed())) {
        (Ok(identity), Ok(object)) => {
            assert_eq!((&identity.bucket, &identity.key, identity.size), (&object.bucket, &object.key, object.size));
            let id = object.event_id();
            let event = UploadEvent::from_callback(parsed, object, false, None, 1_700_000_000);
            assert_eq!(event.id, id);
            let json: serde_json::Value = serde_json::from_str(&event.to_json()).expect("event is JSON");
            assert_eq!(json["schema"], "oss-edge.upload.v2");
            assert_eq!(json["id"], id.as_str());
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            assert!(!a.missing.is_empty());
        }
        (a, b) => panic!("identity and from_claims disagree: {a:?} / {b:?}"),
    }
});
