#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The queue side: the reply contract, retries and injected failures (local environment
//! only), duplicate delivery.

use oss_edge_callback_tests::{
    Callback, FAIL_QUEUE_HEADER, LOCAL_SHARDS, Worker, claims, home_shard, mint, sentinel_ticket,
    strict_ticket_keys,
};
use oss_edge_core::ticket::{ObjectScope, append_to_url};

/// A strict-profile callback for a fresh stored object, and the event id it must get: the
/// object's (bucket, key, ETag), whatever the reqId.
fn strict_callback(worker: &Worker) -> (Callback, String) {
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let target = append_to_url("/hooks/upload", &ticket);
    (
        Callback::signed(&target, &stored.form_body("")),
        stored.id(),
    )
}

#[test]
fn reply_has_json_type_and_exact_length() {
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
    let response = worker.post(&callback, &[]);
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
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
    let response = worker.post(&callback, &[(FAIL_QUEUE_HEADER, "all")]);
    assert_eq!(response.status, 503);
    assert_eq!(response.error_code(), "queue_unavailable");
    let message = response.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("could not be queued"), "{message}");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&id), 0);
}

#[test]
fn transient_queue_failures_are_retried() {
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
    let response = worker.post(&callback, &[(FAIL_QUEUE_HEADER, "2")]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&id).len(), 1);
}

#[test]
fn a_slow_queue_inside_the_budget_still_answers_200() {
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
    let response = worker.post(&callback, &[(FAIL_QUEUE_HEADER, "slow:300")]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&id).len(), 1);
}

/// A queue that never answers: the reply is 503 and comes before OSS's fixed 5-second
/// callback timeout (spec §2.2), so OSS reports CallbackFailed instead of timing out.
#[test]
fn a_hanging_queue_answers_503_before_oss_gives_up() {
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
    let started = std::time::Instant::now();
    let response = worker.post(&callback, &[(FAIL_QUEUE_HEADER, "slow:60000")]);
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
    let worker = Worker::get("strict");
    let (callback, id) = strict_callback(&worker);
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

    // The id is the object's (bucket, key, ETag), not the reqId: two callbacks for the same
    // object with different reqIds share it.
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let target = append_to_url("/cb/x", &ticket);
    // form_body draws a fresh reqId each time.
    let a = worker
        .post(&Callback::signed(&target, &stored.form_body("")), &[])
        .json();
    let b = worker
        .post(&Callback::signed(&target, &stored.form_body("")), &[])
        .json();
    assert_eq!(a["id"], stored.id().as_str(), "{a}");
    assert_eq!(a["id"], b["id"]);
}

/// Sharded queues: with one of the two local shards refusing every send, each event still
/// lands once, on the other shard (the failover happens inside the reply deadline).
#[test]
fn with_one_shard_refusing_every_event_still_lands_once() {
    const FAIL_SHARD_HEADER: &str = "x-oss-edge-dev-fail-shard";
    let worker = Worker::get("strict");
    for failing in 0..LOCAL_SHARDS {
        let mut ids: Vec<String> = Vec::new();
        // Until at least two events were homed on the refusing shard.
        while ids.iter().filter(|id| home_shard(id) == failing).count() < 2 {
            assert!(ids.len() < 40, "ids never hashed to shard {failing}");
            let (callback, id) = strict_callback(&worker);
            let response = worker.post(&callback, &[(FAIL_SHARD_HEADER, &failing.to_string())]);
            assert_eq!(response.status, 200, "{:?}", response.json());
            ids.push(id);
        }
        worker.flush(Some(&sentinel_ticket()));
        let log = worker.log_lines();
        for id in &ids {
            assert_eq!(worker.count(id), 1, "{id}");
            let line = log
                .iter()
                .rev()
                .find(|l| l.contains(id.as_str()) && l.contains("queue_shard"))
                .expect("the event's log line");
            assert!(
                !line.contains(&format!("\"queue_shard\":{failing},")),
                "sent to the refusing shard: {line}"
            );
        }
    }
}
