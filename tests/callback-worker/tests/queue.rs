#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The queue side: the reply contract, retries and injected failures (local environment
//! only), duplicate delivery.

use oss_edge_callback_tests::{
    Callback, FAIL_QUEUE_HEADER, Worker, claims, mint, strict_ticket_keys, unique,
};
use oss_edge_core::ticket::{ObjectScope, append_to_url};

fn strict_callback(id: &str) -> Callback {
    let (kid, secret) = strict_ticket_keys().remove(0);
    let object = format!("photos/{id}.png");
    let ticket = mint(&claims(ObjectScope::Key(object.clone())), &kid, &secret);
    let target = append_to_url("/hooks/upload", &ticket);
    Callback::signed(
        &target,
        &format!("bucket=test-bucket&object={object}&size=5&reqId={id}"),
    )
}

fn sentinel_ticket() -> String {
    let (kid, secret) = strict_ticket_keys().remove(0);
    mint(
        &claims(ObjectScope::Prefix("sentinel/".into())),
        &kid,
        &secret,
    )
}

#[test]
fn reply_has_json_type_and_exact_length() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("reply");
    let response = worker.post(&strict_callback(&id), &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.header("content-length"),
        Some(response.body.len().to_string().as_str())
    );
    assert!(response.header("transfer-encoding").is_none());
    assert_ne!(response.body.first(), Some(&0xEF), "no BOM");
    assert_eq!(response.json()["id"], id.as_str());
}

#[test]
fn queue_failure_answers_503_and_queues_nothing() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("queue-down");
    let response = worker.post(&strict_callback(&id), &[(FAIL_QUEUE_HEADER, "all")]);
    assert_eq!(response.status, 503);
    assert_eq!(response.error_code(), "queue_unavailable");
    let message = response.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("could not be queued"), "{message}");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&id), 0);
}

#[test]
fn transient_queue_failures_are_retried() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("queue-flaky");
    let response = worker.post(&strict_callback(&id), &[(FAIL_QUEUE_HEADER, "2")]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&id).len(), 1);
}

#[test]
fn a_slow_queue_inside_the_budget_still_answers_200() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("queue-slow");
    let response = worker.post(&strict_callback(&id), &[(FAIL_QUEUE_HEADER, "slow:300")]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&id).len(), 1);
}

/// A queue that never answers: the reply is 503 and comes before OSS's fixed 5-second
/// callback timeout (spec §2.2), so OSS reports CallbackFailed instead of timing out.
#[test]
fn a_hanging_queue_answers_503_before_oss_gives_up() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("queue-hang");
    let started = std::time::Instant::now();
    let response = worker.post(&strict_callback(&id), &[(FAIL_QUEUE_HEADER, "slow:60000")]);
    let elapsed = started.elapsed();
    assert_eq!(response.status, 503, "{:?}", response.json());
    assert_eq!(response.error_code(), "queue_unavailable");
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "answered after {elapsed:?}"
    );
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&id), 0);
}

#[test]
fn duplicate_delivery_has_the_same_event_id() {
    let Some(worker) = Worker::get("strict") else {
        return;
    };
    let id = unique("dup");
    let callback = strict_callback(&id);
    let first = worker.post(&callback, &[]);
    let second = worker.post(&callback, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_eq!(first.json()["id"], second.json()["id"]);
    worker.flush(Some(&sentinel_ticket()));
    let events: Vec<_> = worker
        .events()
        .into_iter()
        .filter(|e| e["id"] == id.as_str())
        .collect();
    assert_eq!(events.len(), 2, "both deliveries are queued, with one id");

    // Without reqId the id is a content hash: still the same for the same upload.
    let (kid, secret) = strict_ticket_keys().remove(0);
    let object = format!("photos/{}.png", unique("hash"));
    let ticket = mint(&claims(ObjectScope::Key(object.clone())), &kid, &secret);
    let target = append_to_url("/cb/x", &ticket);
    let body = format!("bucket=test-bucket&object={object}&size=5&etag=E1");
    let a = worker.post(&Callback::signed(&target, &body), &[]).json();
    let b = worker.post(&Callback::signed(&target, &body), &[]).json();
    assert!(a["id"].as_str().unwrap().starts_with("sha256:"), "{a}");
    assert_eq!(a["id"], b["id"]);
}
