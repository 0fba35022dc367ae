#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real OSS-signed callbacks (tests/vectors/oss-callback-real.json) against the `open`
//! Worker (tickets optional): the valid ones are accepted with exactly one event each, equal to
//! what the core produces; the tampered ones are refused and queue nothing.

use oss_edge_callback_tests::{Callback, Worker, unique};
use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, parse_event, verify};
use serde_json::Value;

const VECTORS: &str = include_str!("../../vectors/oss-callback-real.json");

/// The core's event for the same request, as JSON, without the receive time.
fn core_event(target: &str, headers: &[(String, String)], body: &str) -> Value {
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = CallbackRequest {
        target: target.as_bytes(),
        headers: &header_refs,
        body: body.as_bytes(),
    };
    let verified = verify(&request, &TrustedKeys::oss(), &VerifyOptions::default()).unwrap();
    let mut event: Value =
        serde_json::from_str(&parse_event(&verified, &request, 0).to_json()).unwrap();
    event.as_object_mut().unwrap().remove("received_at");
    event
}

#[test]
fn real_vectors_are_accepted_once_and_negatives_queue_nothing() {
    let Some(worker) = Worker::get("open") else {
        return;
    };
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    let mut expected = Vec::new();
    for vector in file["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let target = vector["request_target"].as_str().unwrap();
        let body = vector["body"].as_str().unwrap();
        let headers: Vec<(String, String)> = vector["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, v)| (n.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let callback = Callback {
            target: target.into(),
            headers: headers.clone(),
            body: body.as_bytes().to_vec(),
        };
        if vector["expect_valid"].as_bool().unwrap() {
            let event = core_event(target, &headers, body);
            let id = event["id"].as_str().unwrap().to_owned();
            let before = worker.count(&id);
            let response = worker.post(&callback, &[]);
            assert_eq!(response.status, 200, "{name}: {:?}", response.json());
            assert_eq!(response.json()["id"], id.as_str(), "{name}");
            expected.push((name, id, before, event));
        } else {
            let response = worker.post(&callback, &[]);
            assert_eq!(response.status, 403, "{name}");
            assert_eq!(response.error_code(), "signature_mismatch", "{name}");
        }
    }
    worker.flush(None);
    for (name, id, before, event) in expected {
        let recorded: Vec<Value> = worker
            .events()
            .into_iter()
            .filter(|e| e["id"] == id.as_str())
            .collect();
        assert_eq!(recorded.len(), before + 1, "{name}: exactly one new event");
        let mut last = recorded.last().unwrap().clone();
        assert!(last["received_at"].is_string());
        last.as_object_mut().unwrap().remove("received_at");
        assert_eq!(last, event, "{name}: the queued event is the core's event");
    }
}

#[test]
fn nested_maps_survive_the_queue() {
    let Some(worker) = Worker::get("open") else {
        return;
    };
    let id = unique("nested");
    let body = serde_json::json!({
        "bucket": "test-bucket",
        "object": format!("nested/{id}.png"),
        "reqId": id,
        "meta": {"album": {"name": "trip", "tags": ["a", "b"], "depth": {"n": 1}}},
    })
    .to_string();
    let callback = Callback::signed_with_type("/uploads/nested", &body, "application/json");
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    let events = worker.wait_for(&id);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["fields"]["meta"]["album"]["depth"]["n"], 1,
        "{}",
        events[0]
    );
    assert_eq!(events[0]["fields"]["meta"]["album"]["tags"][1], "b");
    assert_eq!(events[0]["body"]["format"], "json");
}
