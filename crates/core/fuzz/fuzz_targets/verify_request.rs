//! Arbitrary request target, headers and body: verification never panics, and it only ever
//! accepts what OSS really signed (the real vectors' signed strings and signatures); the
//! mismatch diagnosis stays within its verification cap and never reports a ticket.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::diagnose::{DEFAULT_MAX_ATTEMPTS, DiagnoseHints, DiagnoseLimits, diagnose_with};
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, verify};
use oss_edge_core::encoding::base64_decode;

const VECTORS: &str = include_str!("../../../../tests/vectors/oss-callback-real.json");

fuzz_target!(|data: &[u8]| {
    // Fields separated by NUL: target, then header lines "name:value", then body.
    let mut parts = data.splitn(3, |&b| b == 0);
    let target = parts.next().unwrap_or_default();
    let header_block = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let headers: Vec<(&str, &str)> = header_block.lines().filter_map(|l| l.split_once(':')).collect();
    let request = CallbackRequest { target, headers: &headers, body };
    let keys = TrustedKeys::oss();
    let options = VerifyOptions { max_body_bytes: 4096 };
    match verify(&request, &keys, &options) {
        Ok(verified) => {
            let signed = string_to_sign(&verified.target, verified.body);
            let signature = base64_decode(request.header("authorization").ok().flatten().unwrap_or("")).unwrap_or_default();
            let doc: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors");
            let known = doc["vectors"].as_array().expect("vectors").iter().filter(|v| v["expect_valid"] == true).any(|v| {
                let t = v["request_target"].as_str().unwrap_or("").as_bytes();
                string_to_sign(&RequestTarget::split(t), v["body"].as_str().unwrap_or("").as_bytes()) == signed
                    && base64_decode(v["headers"]["authorization"].as_str().unwrap_or("")).unwrap_or_default() == signature
            });
            assert!(known, "accepted a signature OSS never made");
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            let outcome = diagnose_with(&request, &keys, &DiagnoseHints::default(), DiagnoseLimits::default());
            assert!(outcome.attempts <= DEFAULT_MAX_ATTEMPTS);
            if let Some(found) = outcome.diagnosis {
                let shown = String::from_utf8_lossy(&found.signed_target);
                for text in [shown.as_ref(), found.explanation.as_str()] {
                    for pair in text.split(['?', '&']) {
                        if let Some(value) = pair.strip_prefix("oss_edge_ticket=") {
                            assert!(value.starts_with("REDACTED"), "ticket shown: {text}");
                        }
                    }
                }
            }
        }
    }
});
