//! A real OSS-signed callback, mutated by the fuzzer: verification must accept it exactly
//! when the mutation leaves the signed string and the signature unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, verify};
use oss_edge_core::encoding::{base64_decode, base64_encode};

const VECTORS: &str = include_str!("../../../../tests/vectors/oss-callback-real.json");

fuzz_target!(|data: &[u8]| {
    let Some((&selector, edits)) = data.split_first() else { return };
    let doc: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors parse");
    let valid: Vec<&serde_json::Value> =
        doc["vectors"].as_array().expect("vectors").iter().filter(|v| v["expect_valid"] == true).collect();
    let v = valid[usize::from(selector) % valid.len()];
    let original_target = v["request_target"].as_str().expect("target").as_bytes().to_vec();
    let original_body = v["body"].as_str().expect("body").as_bytes().to_vec();
    let original_sig = base64_decode(v["headers"]["authorization"].as_str().expect("auth")).expect("b64");
    let key_url = v["headers"]["x-oss-pub-key-url"].as_str().expect("url");

    let (mut target, mut body, mut sig) = (original_target.clone(), original_body.clone(), original_sig.clone());
    // Each 4-byte edit: which part, position (2 bytes), new byte; a position past the end appends.
    for edit in edits.chunks_exact(4) {
        let part = match edit[0] % 3 {
            0 => &mut target,
            1 => &mut body,
            _ => &mut sig,
        };
        let at = usize::from(u16::from_le_bytes([edit[1], edit[2]]));
        if at < part.len() {
            part[at] = edit[3];
        } else if edit[3] & 1 == 0 {
            part.push(edit[3]);
        } else {
            part.pop();
        }
    }
    let authorization = base64_encode(&sig);
    let headers = [("authorization", authorization.as_str()), ("x-oss-pub-key-url", key_url)];
    let request = CallbackRequest { target: &target, headers: &headers, body: &body };
    let accepted = verify(&request, &TrustedKeys::oss(), &VerifyOptions::default()).is_ok();
    let same = target.first() == Some(&b'/')
        && sig == original_sig
        && string_to_sign(&RequestTarget::split(&target), &body)
            == string_to_sign(&RequestTarget::split(&original_target), &original_body);
    assert_eq!(accepted, same, "accepted a changed callback, or refused an equivalent one");
});
