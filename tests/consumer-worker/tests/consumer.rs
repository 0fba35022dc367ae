#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The consumer on the local stack: one row per stored object, deliveries counted, retries
//! with backoff then the dead-letter queue, nothing stored for what cannot be, every shard
//! queue read. Run one at a time (the runner passes `--test-threads 1`): the dead-letter
//! checks read the consumer's log.

use std::time::{Duration, Instant};

use oss_edge_consumer_tests::{
    BUCKET, REFUSED_PREFIX, Stack, Stored, local_setting, unique, v2_event, wait_for,
};
use serde_json::Value;

const SHARD_0: &str = "oss-edge-upload-events-local";
const SHARD_1: &str = "oss-edge-upload-events-1-local";

/// Stores five bytes under `object` in the stack's oss-sim, as an upload would: the callback
/// Worker confirms every callback against the bucket, so only a stored object's callback is
/// accepted.
fn upload(stack: &Stack, object: &str) -> Stored {
    let stored = stack.upload(object, b"\x89PNG\n", "image/png");
    assert_eq!(stored.size, 5);
    stored
}

/// A JSON callback body for `stored`, claiming its real size and ETag, with a nested custom
/// field.
fn callback_body(tag: &str, stored: &Stored) -> String {
    serde_json::json!({
        "bucket": stored.bucket,
        "object": stored.key,
        "size": stored.size,
        "etag": stored.etag,
        "mimeType": stored.content_type,
        "reqId": tag,
        "meta": {"album": {"tags": ["a", "b"], "depth": {"n": 1}}},
    })
    .to_string()
}

/// The object key an event names, in either schema.
fn event_key(event: &Value) -> &Value {
    match event["schema"].as_str() {
        Some("oss-edge.upload.v2") => &event["object"]["key"],
        _ => &event["upload"]["object"],
    }
}

/// Sends a fresh event on `binding` and waits for its row: everything that queue delivered
/// before it has then been handled too (one local queue delivers in order).
fn flush(stack: &Stack, binding: &str) {
    let id = format!("sha256:{}", unique("sentinel"));
    let sent = stack.enqueue(
        binding,
        &v2_event(&id, &format!("sentinel/{id}"), "callback"),
        true,
    );
    assert_eq!(sent.status, 202, "{:?}", sent.json);
    wait_for("the sentinel row", Duration::from_secs(20), || {
        (!stack.rows_with(&id).is_empty()).then_some(())
    });
}

#[test]
fn a_signed_callback_becomes_exactly_one_row() {
    let stack = Stack::get();
    let tag = unique("one");
    let object = format!("photos/{tag}.png");
    let stored = upload(&stack, &object);
    let answer = stack.callback(
        &format!("/cb/{tag}"),
        &callback_body(&tag, &stored),
        "application/json",
    );
    assert_eq!(answer.status, 200, "{:?}", answer.json);
    let id = answer.json["id"].as_str().unwrap().to_owned();
    assert_eq!(id, stored.id(), "the id of the stored object");

    let row = wait_for("the callback's row", Duration::from_secs(20), || {
        stack.rows_with(&id).pop()
    });
    assert_eq!(row["key"], object.as_str(), "{row}");
    assert_eq!(row["bucket"], BUCKET);
    assert_eq!(row["size"], 5);
    assert_eq!(row["source"], "callback");
    assert_eq!(row["deliveries"], 1);
    assert_eq!(row["stored_at"], row["last_delivered_at"]);
    let event = &row["event"];
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event_key(event), object.as_str());
    // A nested map survives the callback Worker, the queue and D1.
    assert_eq!(event["fields"]["meta"]["album"]["depth"]["n"], 1, "{event}");
    assert_eq!(event["fields"]["meta"]["album"]["tags"][1], "b");

    flush(&stack, "UPLOAD_EVENTS");
    let rows = stack.rows_with(&id);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["deliveries"], 1);
}

#[test]
fn the_same_callback_three_times_is_one_row_with_three_deliveries() {
    let stack = Stack::get();
    let tag = unique("thrice");
    let object = format!("photos/{tag}.png");
    let stored = upload(&stack, &object);
    let body = callback_body(&tag, &stored);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let answer = stack.callback("/cb/again", &body, "application/json");
            assert_eq!(answer.status, 200, "{:?}", answer.json);
            answer.json["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one id for one upload: {ids:?}"
    );
    let id = &ids[0];
    assert_eq!(*id, stored.id(), "the id of the stored object");

    let row = wait_for("three deliveries", Duration::from_secs(20), || {
        stack.rows_with(id).pop().filter(|r| r["deliveries"] == 3)
    });
    assert_eq!(event_key(&row["event"]), object.as_str());
    assert!(
        row["last_delivered_at"].as_str() >= row["stored_at"].as_str(),
        "{row}"
    );
    flush(&stack, "UPLOAD_EVENTS");
    let rows = stack.rows_with(id);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["deliveries"], 3);
    assert_eq!(
        rows[0]["stored_at"], row["stored_at"],
        "the first event is kept"
    );
}

#[test]
fn a_message_d1_refuses_is_retried_with_backoff_then_dead_lettered_and_stores_nothing() {
    let stack = Stack::get();
    let id = format!("sha256:{}", unique("refused"));
    let event = v2_event(&id, &format!("{REFUSED_PREFIX}{id}.png"), "callback");
    let started = Instant::now();
    assert_eq!(stack.enqueue("UPLOAD_EVENTS", &event, true).status, 202);

    let letter = wait_for("the dead letter", Duration::from_secs(120), || {
        stack
            .dead_letters()
            .into_iter()
            .find(|d| d["event_id"] == id.as_str())
    });
    let elapsed = started.elapsed();
    assert_eq!(letter["reason"], "store_failed", "{letter}");
    let body: Value = serde_json::from_str(letter["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["id"],
        id.as_str(),
        "the dead letter is the event as sent"
    );
    assert!(stack.rows_with(&id).is_empty(), "nothing stored");

    // Every delivery was retried, with a delay growing with the attempts, until the queue
    // moved the message (its id kept) to the dead-letter queue.
    let max_retries: u32 = local_setting("max_retries", Some(SHARD_0)).parse().unwrap();
    let base: u64 = local_setting("RETRY_BASE_SECONDS", None).parse().unwrap();
    let max: u64 = local_setting("RETRY_MAX_SECONDS", None).parse().unwrap();
    let retries: Vec<Value> = stack
        .consumer_log()
        .into_iter()
        .filter(|l| l["message_id"] == letter["message_id"] && l["outcome"] == "retry")
        .collect();
    let attempts: Vec<u64> = retries
        .iter()
        .map(|l| l["attempts"].as_u64().unwrap())
        .collect();
    assert_eq!(
        attempts,
        (1..=u64::from(max_retries) + 1).collect::<Vec<_>>(),
        "{retries:?}"
    );
    let delays: Vec<u64> = retries
        .iter()
        .map(|l| l["delay_seconds"].as_u64().unwrap())
        .collect();
    assert_eq!(delays[0], base);
    assert!(
        delays.windows(2).all(|w| w[0] <= w[1]),
        "growing: {delays:?}"
    );
    assert!(
        delays.iter().all(|d| *d <= max) && delays.contains(&max),
        "{delays:?}"
    );
    assert!(
        retries
            .iter()
            .all(|l| l["code"] == "store_failed" && l["queue"] == SHARD_0)
    );
    // The queue honoured the delays (the last retry's delay is not waited: it dead-letters).
    let waited: u64 = delays[..delays.len() - 1].iter().sum();
    assert!(
        elapsed >= Duration::from_secs(waited),
        "dead-lettered after {elapsed:?}, delays {delays:?}"
    );
}

#[test]
fn messages_that_can_never_be_stored_are_dead_lettered_at_once() {
    let stack = Stack::get();
    let tag = unique("invalid");
    let unknown_id = format!("sha256:{tag}");
    let sent = [
        stack.enqueue("UPLOAD_EVENTS_1", &format!("not json {tag}"), false),
        stack.enqueue(
            "UPLOAD_EVENTS",
            &serde_json::json!({"schema": "oss-edge.upload.v2", "note": tag}).to_string(),
            true,
        ),
        stack.enqueue(
            "UPLOAD_EVENTS",
            &serde_json::json!({"schema": "oss-edge.upload.v9", "id": unknown_id}).to_string(),
            true,
        ),
    ];
    assert!(sent.iter().all(|a| a.status == 202), "{sent:?}");

    let letters = wait_for("three dead letters", Duration::from_secs(30), || {
        let mine: Vec<Value> = stack
            .dead_letters()
            .into_iter()
            .filter(|d| d["body"].as_str().is_some_and(|b| b.contains(&tag)))
            .collect();
        (mine.len() == 3).then_some(mine)
    });
    let mut reasons: Vec<&str> = letters
        .iter()
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    reasons.sort_unstable();
    assert_eq!(reasons, ["missing_id", "not_json", "unknown_schema"]);
    let unknown = letters
        .iter()
        .find(|d| d["reason"] == "unknown_schema")
        .unwrap();
    assert_eq!(unknown["event_id"], unknown_id.as_str());
    assert!(letters.iter().all(|d| d["deliveries"] == 1));
    assert!(stack.rows_with(&unknown_id).is_empty());
    assert!(
        !stack
            .rows()
            .iter()
            .any(|r| r["event"].to_string().contains(&tag)),
        "nothing stored"
    );
    // Not one retry: such a message cannot become storable.
    let log = stack.consumer_log();
    for code in ["not_json", "missing_id", "unknown_schema"] {
        assert!(
            log.iter()
                .any(|l| l["outcome"] == "dead_lettered" && l["code"] == code),
            "{code} dead-lettered"
        );
        assert!(
            !log.iter()
                .any(|l| l["outcome"] == "retry" && l["code"] == code),
            "{code} never retried"
        );
    }
}

#[test]
fn events_on_two_shard_queues_both_land_once() {
    let stack = Stack::get();
    let on_0 = format!("sha256:{}", unique("shard0"));
    let on_1 = format!("sha256:{}", unique("shard1"));
    let on_both = format!("sha256:{}", unique("both"));
    for (binding, id) in [
        ("UPLOAD_EVENTS", &on_0),
        ("UPLOAD_EVENTS_1", &on_1),
        ("UPLOAD_EVENTS", &on_both),
        ("UPLOAD_EVENTS_1", &on_both),
    ] {
        let sent = stack.enqueue(
            binding,
            &v2_event(id, &format!("shards/{id}.png"), "callback"),
            true,
        );
        assert_eq!(sent.status, 202, "{binding}: {:?}", sent.json);
    }
    wait_for("both shards' rows", Duration::from_secs(20), || {
        let rows = stack.rows();
        let found = |id: &str, deliveries: u64| {
            rows.iter()
                .filter(|r| r["id"] == id)
                .map(|r| r["deliveries"].as_u64())
                .collect::<Vec<_>>()
                == [Some(deliveries)]
        };
        (found(&on_0, 1) && found(&on_1, 1) && found(&on_both, 2)).then_some(())
    });
    let log = stack.consumer_log();
    for shard in [SHARD_0, SHARD_1] {
        assert!(
            log.iter()
                .any(|l| l["queue"] == shard && l["stored"].as_u64() > Some(0)),
            "{shard} delivered to the consumer"
        );
    }
    let row = stack.rows_with(&on_both).pop().unwrap();
    assert_eq!(row["source"], "callback");
    assert_eq!(row["confirmed"], 1);
    assert_eq!(row["subject"], "user-42");
}
