//! The DEBUG mismatch diagnosis is bounded and keeps tickets out of what it reports: the RSA
//! verifications it performs are counted (never timed), variants are built one at a time,
//! body variants stop above a size, and every reported target has the ticket redacted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::diagnose::{
    DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BODY_VARIANT_BYTES, DiagnoseHints, DiagnoseLimits,
    DiagnoseOutcome, diagnose_with,
};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::verify::DEFAULT_MAX_BODY_BYTES;
use oss_edge_core::callback::{CallbackRequest, TrustedKeys};
use oss_edge_core::encoding::base64_encode;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SECRET: &str = "v2.t1.c2VjcmV0LWNsYWltcw.bWFjLW9mLXRoZS1ncmFudA";

fn keys() -> TrustedKeys {
    let mut keys = TrustedKeys::oss();
    keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    keys
}

/// Diagnoses a request presented as (`target`, `body`) whose signature was made over
/// (`signed_target`, `signed_body`).
fn run(
    signed_target: &str,
    signed_body: &[u8],
    target: &str,
    body: &[u8],
    hints: &DiagnoseHints,
    limits: DiagnoseLimits,
) -> DiagnoseOutcome {
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    let authorization = signer.sign(signed_target.as_bytes(), signed_body).unwrap();
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let headers = [
        ("authorization", authorization.as_str()),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    let request = CallbackRequest {
        target: target.as_bytes(),
        headers: &headers,
        body,
    };
    diagnose_with(&request, &keys(), hints, limits)
}

/// A request built to make every family of variants as large as it can be: a long path of
/// many segments full of `%`-escapes, spaces and `+`, four query parameters (the most whose
/// orders are tried), and a body that is JSON-looking, form-looking, CRLF and padded.
fn hostile_target(pairs: usize) -> String {
    let segment = "%41%2F+ %25";
    let path: String = (0..200).map(|i| format!("/{segment}{i}")).collect();
    let query: Vec<String> = (0..pairs).map(|i| format!("k{i}=%2{i}%ZZ")).collect();
    format!("{path}?{}&oss_edge_ticket={SECRET}", query.join("&"))
}

fn hostile_body(len: usize) -> Vec<u8> {
    let mut body = b"{\"a\":1,\r\n\"b\"=\"c d/e\"".to_vec();
    body.resize(len - 2, b' ');
    body.extend_from_slice(b"\r\n");
    body
}

fn many_hints() -> DiagnoseHints {
    DiagnoseHints {
        callback_url: Some(format!("https://cb.example.com/x?oss_edge_ticket={SECRET}")),
        prefixes: (0..1000).map(|i| format!("/p{i}")).collect(),
    }
}

#[test]
fn a_request_crafted_for_work_stays_under_the_cap() {
    for (pairs, body_len) in [
        (3, DEFAULT_MAX_BODY_BYTES),
        (3, 1024),
        (999, DEFAULT_MAX_BODY_BYTES),
    ] {
        let target = hostile_target(pairs);
        let body = hostile_body(body_len);
        // Signed over something else: no variant can match, so the search runs to its end.
        let outcome = run(
            "/elsewhere",
            b"x",
            &target,
            &body,
            &many_hints(),
            DiagnoseLimits::default(),
        );
        assert_eq!(outcome.diagnosis, None);
        assert!(
            outcome.attempts <= DEFAULT_MAX_ATTEMPTS,
            "{pairs} pairs, {body_len}-byte body: {} verifications",
            outcome.attempts
        );
        assert!(outcome.attempts > 0);
        assert_eq!(
            outcome.variants_built, outcome.attempts,
            "one variant built per verification"
        );
    }
    // Even without the global cap every family is bounded on its own.
    let unbounded = DiagnoseLimits {
        max_attempts: usize::MAX,
        ..DiagnoseLimits::default()
    };
    let outcome = run(
        "/elsewhere",
        b"x",
        &hostile_target(3),
        &hostile_body(1024),
        &many_hints(),
        unbounded,
    );
    assert!(outcome.attempts <= 80, "{}", outcome.attempts);
    // This request has more variants than the cap allows: the cap is what bounded it above.
    assert!(
        outcome.attempts > DEFAULT_MAX_ATTEMPTS,
        "{}",
        outcome.attempts
    );
    let outcome = run(
        "/elsewhere",
        b"x",
        &hostile_target(999),
        &hostile_body(DEFAULT_MAX_BODY_BYTES),
        &many_hints(),
        unbounded,
    );
    assert!(outcome.attempts <= 80, "{}", outcome.attempts);
}

#[test]
fn body_variants_stop_above_the_body_cap() {
    let unbounded = DiagnoseLimits {
        max_attempts: usize::MAX,
        ..DiagnoseLimits::default()
    };
    let target = hostile_target(3);
    let hints = DiagnoseHints::default();
    let small = run(
        "/elsewhere",
        b"x",
        &target,
        &hostile_body(DEFAULT_MAX_BODY_VARIANT_BYTES),
        &hints,
        unbounded,
    );
    let large = run(
        "/elsewhere",
        b"x",
        &target,
        &hostile_body(DEFAULT_MAX_BODY_VARIANT_BYTES + 1),
        &hints,
        unbounded,
    );
    assert_eq!(
        small.attempts - large.attempts,
        4,
        "trimmed, LF, compact JSON, OSS form encoding"
    );

    // A real mangling of a body over the cap is not looked for.
    let body = b"{\"a\": 1}".repeat(2000);
    let mut mangled = body.clone();
    mangled.push(b'\n');
    let found = run(
        "/cb",
        &body,
        "/cb",
        &mangled,
        &hints,
        DiagnoseLimits::default(),
    );
    assert_eq!(found.diagnosis, None);
    let raised = DiagnoseLimits {
        max_body_variant_bytes: 64 * 1024,
        ..DiagnoseLimits::default()
    };
    let found = run("/cb", &body, "/cb", &mangled, &hints, raised);
    assert!(
        found
            .diagnosis
            .unwrap()
            .explanation
            .contains("newline was added")
    );
}

#[test]
fn variants_are_built_lazily_and_the_search_stops_at_the_first_hit() {
    // Signed for /cb/done, delivered to /cb/done/: the first variant tried explains it.
    let outcome = run(
        "/cb/done",
        b"a=b",
        "/cb/done/",
        b"a=b",
        &DiagnoseHints::default(),
        DiagnoseLimits::default(),
    );
    let diagnosis = outcome.diagnosis.unwrap();
    assert!(
        diagnosis.explanation.contains("trailing slash was added"),
        "{}",
        diagnosis.explanation
    );
    assert_eq!((outcome.attempts, outcome.variants_built), (1, 1));

    // A stripped prefix is found after the variants before it, not after all of them.
    let outcome = run(
        "/api/v3/cb",
        b"a=b",
        "/cb",
        b"a=b",
        &DiagnoseHints::default(),
        DiagnoseLimits::default(),
    );
    assert!(
        outcome
            .diagnosis
            .unwrap()
            .explanation
            .contains("\"/api/v3\"")
    );
    assert_eq!(
        outcome.attempts, 5,
        "trailing slash, /api, /api/v1, /api/v2, /api/v3"
    );

    // A cap below the hit's position means no diagnosis, after exactly the cap.
    let capped = DiagnoseLimits {
        max_attempts: 3,
        ..DiagnoseLimits::default()
    };
    let outcome = run(
        "/api/v3/cb",
        b"a=b",
        "/cb",
        b"a=b",
        &DiagnoseHints::default(),
        capped,
    );
    assert_eq!((outcome.diagnosis, outcome.attempts), (None, 3));
}

#[test]
fn a_signature_of_the_wrong_length_costs_no_verification() {
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let short = base64_encode(&[0u8; 16]);
    let headers = [
        ("authorization", short.as_str()),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    let request = CallbackRequest {
        target: b"/cb",
        headers: &headers,
        body: b"a=b",
    };
    let outcome = diagnose_with(
        &request,
        &keys(),
        &DiagnoseHints::default(),
        DiagnoseLimits::default(),
    );
    assert_eq!((outcome.diagnosis, outcome.attempts), (None, 0));
}

#[test]
fn no_reported_target_carries_the_ticket() {
    let hints = DiagnoseHints::default();
    let limits = DiagnoseLimits::default();
    let ticketed = format!("/cb/done?a=1&oss_edge_ticket={SECRET}");
    let cases = [
        // (signed target, presented target, words in the explanation)
        (
            ticketed.clone(),
            format!("/cb/done/?a=1&oss_edge_ticket={SECRET}"),
            "trailing slash",
        ),
        (
            ticketed.clone(),
            format!("/cb/done?oss_edge_ticket={SECRET}&a=1"),
            "re-ordered",
        ),
        (ticketed.clone(), "/cb/done?a=1".to_owned(), "callback URL"),
    ];
    for (signed, presented, words) in cases {
        let hints = if words == "callback URL" {
            DiagnoseHints {
                callback_url: Some(format!("https://cb.example.com{ticketed}")),
                ..hints.clone()
            }
        } else {
            hints.clone()
        };
        let diagnosis = run(&signed, b"a=b", &presented, b"a=b", &hints, limits)
            .diagnosis
            .unwrap();
        assert!(
            diagnosis.explanation.contains(words),
            "{}",
            diagnosis.explanation
        );
        let shown = String::from_utf8(diagnosis.signed_target.clone()).unwrap();
        for text in [&diagnosis.explanation, &shown] {
            assert!(!text.contains(SECRET), "{text}");
        }
        assert!(shown.contains("oss_edge_ticket=REDACTED"), "{shown}");
    }
}
