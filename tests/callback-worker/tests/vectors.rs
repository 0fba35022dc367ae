#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real OSS-signed callbacks (tests/vectors/oss-callback-real.json) against the `open`
//! Worker (tickets optional): the valid ones pass OSS's signature check but name no object
//! (no object or size in their bodies), so they are refused `body_incomplete` and queue
//! nothing; the tampered ones fail the signature. A complete callback for a stored object gives
//! exactly one event, equal to what the core produces from the bucket's facts.

use oss_edge_callback_tests::{Callback, TEST_KEY_URL, TEST_PUB_KEY_PEM, Worker, unique};
use oss_edge_core::callback::{
    CallbackRequest, TrustedKeys, UploadEvent, VerifyOptions, parse_body, verify,
};
use oss_edge_core::confirm::ObjectFacts;
use serde_json::Value;

const VECTORS: &str = include_str!("../../vectors/oss-callback-real.json");

/// The core's event for the same request with `facts` from the bucket (as the Worker builds it),
/// as JSON, without the receive time.
fn core_event(target: &str, headers: &[(String, String)], body: &str, facts: ObjectFacts) -> Value {
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = CallbackRequest {
        target: target.as_bytes(),
        headers: &header_refs,
        body: body.as_bytes(),
    };
    let mut keys = TrustedKeys::oss();
    keys.add_pem(TEST_KEY_URL, TEST_PUB_KEY_PEM).unwrap();
    let verified = verify(&request, &keys, &VerifyOptions::default()).unwrap();
    let parsed = parse_body(&verified, &request, None);
    let mut event: Value =
        serde_json::from_str(&UploadEvent::from_callback(parsed, facts, true, None, 0).to_json())
            .unwrap();
    event.as_object_mut().unwrap().remove("received_at");
    event
}

fn yonghu_events(worker: &Worker) -> usize {
    worker
        .events()
        .iter()
        .filter(|e| e["claimed"]["bucket"] == "yonghu-test")
        .count()
}

#[test]
fn real_vectors_verify_but_name_no_object_and_negatives_fail_the_signature() {
    let worker = Worker::get("open");
    let before = yonghu_events(&worker);
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    for vector in file["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let callback = Callback {
            target: vector["request_target"].as_str().unwrap().into(),
            headers: vector["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(n, v)| (n.clone(), v.as_str().unwrap().to_owned()))
                .collect(),
            body: vector["body"].as_str().unwrap().as_bytes().to_vec(),
        };
        let response = worker.post(&callback, &[]);
        if vector["expect_valid"].as_bool().unwrap() {
            // Verification runs first, so body_incomplete means OSS's signature held.
            assert_eq!(response.status, 400, "{name}: {:?}", response.json());
            assert_eq!(response.error_code(), "body_incomplete", "{name}");
        } else {
            assert_eq!(response.status, 403, "{name}");
            assert_eq!(response.error_code(), "signature_mismatch", "{name}");
        }
    }
    worker.flush(None);
    assert_eq!(
        yonghu_events(&worker),
        before,
        "a refused callback queued an event"
    );
}

#[test]
fn an_accepted_callback_is_queued_once_as_the_cores_event() {
    let worker = Worker::get("open");
    let tag = unique("core-event");
    let stored = worker.upload(
        &format!("uploads/{tag}.png"),
        b"\x89PNG not really",
        "image/png",
    );
    let body = stored.form_body("&x:uid=7");
    let callback = Callback::signed("/uploads/core", &body);
    // The bucket's facts, asked by the test itself, and checked against the bytes it stored.
    let facts = worker.head_facts(&stored);
    assert_eq!(
        (facts.size, facts.etag.as_str()),
        (stored.size, stored.etag.as_str())
    );
    assert_eq!(facts.content_type.as_deref(), Some("image/png"));
    let event = core_event(&callback.target, &callback.headers, &body, facts);
    let id = event["id"].as_str().unwrap().to_owned();
    assert_eq!(id, stored.id());
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.json()["id"], id.as_str());
    let recorded = worker.wait_for(&id);
    assert_eq!(recorded.len(), 1, "exactly one event");
    let mut last = recorded[0].clone();
    assert!(last["received_at"].is_string());
    last.as_object_mut().unwrap().remove("received_at");
    assert_eq!(last, event, "the queued event is the core's event");
    assert_eq!(last["confirmed"], true);
}

#[test]
fn nested_maps_survive_the_queue() {
    let worker = Worker::get("open");
    let stored = worker.upload_fresh("nested/");
    let body = serde_json::json!({
        "bucket": stored.bucket,
        "object": stored.key,
        "size": stored.size,
        "reqId": unique("nested"),
        "meta": {"album": {"name": "trip", "tags": ["a", "b"], "depth": {"n": 1}}},
    })
    .to_string();
    let callback = Callback::signed_with_type("/uploads/nested", &body, "application/json");
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    let events = worker.wait_for(&stored.id());
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["fields"]["meta"]["album"]["depth"]["n"], 1,
        "{}",
        events[0]
    );
    assert_eq!(events[0]["fields"]["meta"]["album"]["tags"][1], "b");
    assert_eq!(events[0]["body"]["format"], "json");
}
