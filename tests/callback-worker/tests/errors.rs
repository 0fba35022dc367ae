#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every error code the Worker answers with, over HTTP. (`invalid_target` and
//! `repeated_header` cannot arise behind the Workers runtime: it always hands over a path
//! starting with `/` and joins repeated headers into one value, which then fails Base64.)

use oss_edge_callback_tests::{Callback, Framing, Worker, claims, mint, send, strict_ticket_keys};
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::ticket::{ObjectScope, append_to_url};

/// A valid strict-profile callback (ticket included) for a fresh stored object.
fn strict_callback(worker: &Worker, body_extra: &str) -> Callback {
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let target = append_to_url("/cb/done", &ticket);
    Callback::signed(&target, &stored.form_body(body_extra))
}

#[test]
fn healthz_reports_configuration_without_secrets() {
    let worker = Worker::get("strict");
    let response = worker.get_path("/healthz").unwrap();
    assert_eq!(response.status, 200);
    let health = response.json();
    assert_eq!(health["service"], "oss-edge-callback");
    assert!(health["version"].is_string());
    assert_eq!(health["environment"], "local");
    assert_eq!(health["ticket_mode"], "required");
    assert_eq!(health["ticket_key_ids"], serde_json::json!(["t1", "t2"]));
    assert_eq!(health["confirm_objects"], true);
    assert_eq!(health["buckets"], serde_json::json!(["test-bucket"]));
    assert_eq!(health["recover_path"], "/v1/recover");
    assert_eq!(
        health["cors_allowed_origins"],
        serde_json::json!(["https://app.example"])
    );
    let urls = health["trusted_key_urls"].as_array().unwrap();
    assert!(
        urls.iter()
            .any(|u| u == oss_edge_callback_tests::TEST_KEY_URL)
    );
    assert!(
        urls.iter()
            .any(|u| u == "https://gosspublic.alicdn.com/callback_pub_key_v1.pem")
    );
    let text = String::from_utf8(response.body.clone()).unwrap();
    assert!(
        !text.contains(oss_edge_callback_tests::DEV_ACCESS_KEY_SECRET),
        "the confirmation secret leaked into /healthz"
    );
    for (_, secret) in strict_ticket_keys() {
        assert!(
            !text.contains(&secret),
            "a ticket secret leaked into /healthz"
        );
    }
    let head = send(&worker.addr, "HEAD", "/healthz", &[], b"", Framing::Length).unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn method_not_allowed_with_allow() {
    let worker = Worker::get("strict");
    for (method, path, allow) in [
        ("GET", "/cb/done", "POST"),
        ("PUT", "/cb/done", "POST"),
        ("DELETE", "/anything", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/healthz", "GET, HEAD"),
    ] {
        let response = send(&worker.addr, method, path, &[], b"", Framing::Length).unwrap();
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(response.error_code(), "method_not_allowed");
    }
}

#[test]
fn path_not_allowed() {
    let worker = Worker::get("strict");
    for target in ["/other", "/cbx", "/hooks"] {
        let response = worker.post(&Callback::signed(target, "object=a"), &[]);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(response.error_code(), "path_not_allowed", "{target}");
    }
}

#[test]
fn body_too_large_by_length_and_while_streaming() {
    let worker = Worker::get("strict");
    // The strict profile caps bodies at 4096 bytes.
    let callback = strict_callback(&worker, &format!("&x%3Apad={}", "a".repeat(5000)));
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 413);
    assert_eq!(response.error_code(), "body_too_large");
    let response = worker.post_framed(&callback, &[], Framing::Chunked(1000));
    assert_eq!(response.status, 413);
    assert_eq!(response.error_code(), "body_too_large");
    // Under the cap, chunked bodies are read whole and verified.
    let small = strict_callback(&worker, "");
    let response = worker.post_framed(&small, &[], Framing::Chunked(7));
    assert_eq!(response.status, 200, "{:?}", response.json());
}

#[test]
fn signature_problems() {
    let worker = Worker::get("strict");
    let good = strict_callback(&worker, "");
    let cases = [
        (
            "no authorization",
            good.clone().without_header("authorization"),
            "missing_header",
            400,
        ),
        (
            "no key url",
            good.clone().without_header("x-oss-pub-key-url"),
            "missing_header",
            400,
        ),
        (
            "authorization not base64",
            good.clone().with_header("authorization", "!!not base64!!"),
            "invalid_base64",
            400,
        ),
        (
            "untrusted key url",
            good.clone().with_header(
                "x-oss-pub-key-url",
                &base64_encode(b"http://attacker.example/key.pem"),
            ),
            "untrusted_key_url",
            403,
        ),
        (
            "short signature",
            good.clone()
                .with_header("authorization", &base64_encode(b"short")),
            "signature_length",
            403,
        ),
        (
            "body changed",
            Callback {
                body: [good.body.clone(), b"&x%3Aextra=1".to_vec()].concat(),
                ..good.clone()
            },
            "signature_mismatch",
            403,
        ),
        (
            "path changed",
            Callback {
                target: good.target.replacen("/cb/done", "/cb/other", 1),
                ..good.clone()
            },
            "signature_mismatch",
            403,
        ),
    ];
    for (name, callback, code, status) in cases {
        let response = worker.post(&callback, &[]);
        assert_eq!(response.error_code(), code, "{name}");
        assert_eq!(response.status, status, "{name}");
        assert!(
            response.json()["message"].as_str().unwrap().len() > 10,
            "{name}"
        );
    }
    // A header sent twice arrives joined with ", " and is refused.
    let mut repeated = good.clone();
    repeated
        .headers
        .push(("x-oss-pub-key-url".into(), base64_encode(b"http://a/b.pem")));
    let response = worker.post(&repeated, &[]);
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), "invalid_base64");
}

/// SECURITY.md, "Foreign bucket with a constant body": neither tickets nor confirmation would
/// accept anyone's OSS-signed callback as an event, so the Worker refuses to start that way.
#[test]
fn no_tickets_and_no_confirmation_fails_closed_and_explains_the_attack() {
    let worker = Worker::get("broken");
    let callback = Callback::signed(
        "/cb/done",
        "bucket=test-bucket&object=uploads/alice/x.png&size=1&reqId=anything",
    );
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 500);
    assert_eq!(response.error_code(), "misconfigured");
    let message = response.json()["message"].as_str().unwrap().to_owned();
    for words in [
        "REQUIRE_TICKET",
        "CONFIRM_OBJECTS",
        "one global key",
        "constant callbackBody",
    ] {
        assert!(message.contains(words), "{message}");
    }
    let health = worker.get_path("/healthz").unwrap();
    assert_eq!(health.status, 500);
    assert_eq!(health.json()["status"], "misconfigured");
    // Locally the other Workers' routes still work: the reconciler answers its own path (no
    // bearer token here: 401), and the consumer its development routes.
    let reconcile = worker.post(&Callback::signed("/v1/reconcile", "{}"), &[]);
    assert_eq!(reconcile.status, 401, "{}", reconcile.text());
    assert_eq!(reconcile.error_code(), "reconcile_unauthorized");
    let events = worker.get_path("/__dev/events").unwrap();
    assert_eq!(events.status, 200, "{}", events.text());
}

#[test]
fn debug_logs_explain_a_signature_mismatch() {
    let worker = Worker::get("strict");
    // Signed for /cb/done, delivered to /cb/done/ (as if a proxy added a slash).
    let good = strict_callback(&worker, "");
    let (path, query) = good.target.split_once('?').unwrap();
    let moved = Callback {
        target: format!("{path}/?{query}"),
        ..good
    };
    let response = worker.post(&moved, &[]);
    assert_eq!(response.error_code(), "signature_mismatch");
    let log = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/dev/cbtest-strict/callback/log"),
    )
    .unwrap();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("\"diagnosis\"") && l.contains(&format!("\"path\":\"{path}/\"")))
        .expect("a DEBUG log line with a diagnosis");
    assert!(line.contains("trailing slash"), "{line}");
    // The ticket (in the query) is never logged.
    assert!(!line.contains(query), "{line}");
}
