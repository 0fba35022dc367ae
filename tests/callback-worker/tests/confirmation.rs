#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SECURITY.md's threats, at the HTTP level against the built Worker in workerd, each callback
//! signed with the test key the local stack trusts (as OSS signs any customer's callback):
//! the Worker believes the bucket, not the body.

use std::time::{Duration, Instant};

use oss_edge_callback_tests::{
    Callback, Stored, Worker, claims, mint, now_unix, sentinel_ticket, strict_ticket,
    strict_ticket_keys, unique,
};
use oss_edge_core::ticket::{BodyType, ObjectScope, append_to_url};

/// The confirmation failure injection header (local environment only).
const FAIL_CONFIRM_HEADER: &str = "x-oss-edge-dev-fail-confirm";

fn events_for_key(worker: &Worker, key: &str) -> usize {
    worker
        .events()
        .iter()
        .filter(|e| e["object"]["key"] == key || e["claimed"]["object"] == key)
        .count()
}

/// Threat: anyone uploads to *their own* bucket with `callbackUrl` pointing at us and a
/// constant `callbackBody` naming our bucket; OSS signs it genuinely. Without tickets
/// (`open`), confirmation is what stops it.
#[test]
fn foreign_bucket_with_constant_body_is_refused_without_a_request_and_no_event() {
    let worker = Worker::get("open");
    let theirs_key = format!("uploads/alice/{}.png", unique("forged"));
    let ours_key = format!("uploads/alice/{}.png", unique("forged"));
    // Their bucket: not configured, refused before any request.
    let theirs = Callback::signed(
        "/oss/callback",
        &format!("bucket=attackers-bucket&object={theirs_key}&size=1&reqId=anything"),
    );
    let response = worker.post(&theirs, &[]);
    assert_eq!(response.status, 403, "{:?}", response.json());
    assert_eq!(response.error_code(), "bucket_not_configured");
    // Our bucket named in a constant body, object never stored: the bucket says so.
    let ours = Callback::signed(
        "/oss/callback",
        &format!("bucket=test-bucket&object={ours_key}&size=1&reqId=anything"),
    );
    let response = worker.post(&ours, &[]);
    assert_eq!(response.status, 404, "{:?}", response.json());
    assert_eq!(response.error_code(), "object_not_found");
    worker.flush(None);
    assert_eq!(
        events_for_key(&worker, &theirs_key),
        0,
        "a forged callback queued an event"
    );
    assert_eq!(
        events_for_key(&worker, &ours_key),
        0,
        "a forged callback queued an event"
    );
    // The only host confirmation can reach is the configured one (this profile's oss-sim): it
    // saw the HeadObject for our bucket, and nothing for theirs.
    let sim = worker.sim_log_lines();
    assert!(
        sim.iter()
            .any(|l| l.contains(&ours_key) && l.contains("HEAD")),
        "the HeadObject for our bucket reached oss-sim"
    );
    assert!(
        !sim.iter().any(|l| l.contains(&theirs_key)),
        "a request was made for a bucket that is not configured"
    );
}

/// Threat: a holder of one grant copies its ticket into callbacks of their own making, each
/// claiming facts of an object that does not exist (or other facts than the stored one's).
#[test]
fn ticket_reuse_with_invented_facts_is_refused_by_the_bucket() {
    let worker = Worker::get("strict");
    let prefix = format!("users/{}/", unique("reuse"));
    let ticket = strict_ticket(ObjectScope::Prefix(prefix.clone()));
    let stored = worker.upload(&format!("{prefix}real.png"), b"the real bytes", "image/png");
    let target = append_to_url("/cb/done", &ticket);
    let with = |body: String| Callback::signed(&target, &body);
    let cases = [
        (
            "invented size",
            format!(
                "bucket=test-bucket&object={}&size=999&reqId={}",
                stored.key,
                unique("r")
            ),
            "object_mismatch",
            409,
        ),
        (
            "invented etag",
            format!(
                "bucket=test-bucket&object={}&size={}&etag=0123456789ABCDEF0123456789ABCDEF&reqId={}",
                stored.key,
                stored.size,
                unique("r")
            ),
            "object_mismatch",
            409,
        ),
        (
            "invented type",
            format!(
                "bucket=test-bucket&object={}&size={}&mimeType=text%2Fhtml&reqId={}",
                stored.key,
                stored.size,
                unique("r")
            ),
            "object_mismatch",
            409,
        ),
        (
            "invented object",
            format!(
                "bucket=test-bucket&object={prefix}invented.png&size=5&reqId={}",
                unique("r")
            ),
            "object_not_found",
            404,
        ),
    ];
    for (name, body, code, status) in cases {
        let response = worker.post(&with(body), &[]);
        assert_eq!(response.error_code(), code, "{name}: {:?}", response.json());
        assert_eq!(response.status, status, "{name}");
    }
    // The genuine callback, claiming less than the bucket knows: the facts are the bucket's,
    // the claims stay visible as claimed.
    let body = format!(
        "bucket=test-bucket&object={}&size={}&reqId={}&x:album=trip",
        stored.key,
        stored.size,
        unique("r")
    );
    let response = worker.post(&with(body), &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    let events = worker.wait_for(&stored.id());
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&stored.id()), 1, "only the genuine callback");
    assert_eq!(events_for_key(&worker, &format!("{prefix}invented.png")), 0);
    let event = &events[0];
    assert_eq!(event["confirmed"], true);
    assert_eq!(event["object"]["etag"], stored.etag.as_str());
    assert_eq!(event["object"]["size"], stored.size);
    assert_eq!(event["object"]["content_type"], "image/png");
    assert!(event["object"]["last_modified"].is_string(), "{event}");
    assert!(event["object"]["crc64"].is_string(), "{event}");
    assert!(
        event["claimed"].get("etag").is_none(),
        "nothing claimed, nothing invented"
    );
    assert_eq!(event["custom"]["x:album"], "trip");
}

/// Threat: the unsigned `Content-Type` header chooses how the body is read. The ticket's
/// `bdy` does now: the same signed body under another header parses the same, same id.
#[test]
fn content_type_flip_parses_the_same_with_the_same_id() {
    let worker = Worker::get("strict");
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let target = append_to_url("/cb/flip", &ticket);
    let body = stored.form_body("&x:n=1");
    let mut ids = Vec::new();
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
    ] {
        let callback = Callback::signed_with_type(&target, &body, content_type);
        let response = worker.post(&callback, &[]);
        assert_eq!(
            response.status,
            200,
            "{content_type}: {:?}",
            response.json()
        );
        ids.push(response.json()["id"].as_str().unwrap().to_owned());
    }
    assert!(ids.iter().all(|id| *id == stored.id()), "{ids:?}");
    worker.flush(Some(&sentinel_ticket()));
    let events: Vec<_> = worker
        .events()
        .into_iter()
        .filter(|e| e["id"] == stored.id().as_str())
        .collect();
    assert_eq!(events.len(), 3);
    for event in &events {
        assert_eq!(event["body"]["format"], "form", "{event}");
        assert_eq!(event["custom"]["x:n"], "1", "{event}");
    }
    // A JSON-bodied grant: a JSON body is read as JSON even when the header says form.
    let mut json_grant = claims(ObjectScope::Key(stored.key.clone()));
    json_grant.body_type = BodyType::Json;
    let target = append_to_url("/cb/flip", &mint(&json_grant, &kid, &secret));
    let json_body = serde_json::json!({
        "bucket": stored.bucket, "object": stored.key, "size": stored.size, "x:n": "2",
    })
    .to_string();
    let callback =
        Callback::signed_with_type(&target, &json_body, "application/x-www-form-urlencoded");
    let response = worker.post(&callback, &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.json()["id"], stored.id().as_str());
    // And a form body under a JSON grant is not a JSON body: nothing to confirm.
    let callback = Callback::signed_with_type(&target, &body, "application/x-www-form-urlencoded");
    let response = worker.post(&callback, &[]);
    assert_eq!(response.error_code(), "body_incomplete");
}

/// Threat: a captured callback replayed with edited unsigned headers (request id, bucket,
/// user agent) to make it look like another upload. The id is the object's: the same.
#[test]
fn replay_with_edited_headers_keeps_the_id() {
    let worker = Worker::get("strict");
    let stored = worker.upload_fresh("photos/");
    let ticket = strict_ticket(ObjectScope::Key(stored.key.clone()));
    let original = Callback::signed(&append_to_url("/cb/replay", &ticket), &stored.form_body(""))
        .with_header("x-oss-request-id", "5C0000000000000000000001");
    let edited = original
        .clone()
        .with_header("x-oss-request-id", "5C0000000000000000000002")
        .with_header("x-oss-bucket", "another-bucket")
        .with_header("user-agent", "replayer");
    let first = worker.post(&original, &[]);
    let second = worker.post(&edited, &[]);
    assert_eq!(first.status, 200, "{:?}", first.json());
    assert_eq!(second.status, 200, "{:?}", second.json());
    assert_eq!(first.json()["id"], stored.id().as_str());
    assert_eq!(second.json()["id"], stored.id().as_str());
}

/// Threat: an upload started just before its grant expired finishes after it; its callback
/// must still count (the ticket lives until `dl`), and not after the deadline.
#[test]
fn slow_upload_past_the_grant_expiry_but_before_the_deadline_is_accepted() {
    let worker = Worker::get("strict");
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let mut grant = claims(ObjectScope::Key(stored.key.clone()));
    grant.expires_at = now_unix() - 60;
    grant.deadline = now_unix() + 60;
    let ticket = mint(&grant, &kid, &secret);
    let response = worker.post(
        &Callback::signed(&append_to_url("/cb/slow", &ticket), &stored.form_body("")),
        &[],
    );
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&stored.id()).len(), 1);

    let late = worker.upload_fresh("photos/");
    let mut grant = claims(ObjectScope::Key(late.key.clone()));
    grant.expires_at = now_unix() - 120;
    grant.deadline = now_unix() - 1;
    let ticket = mint(&grant, &kid, &secret);
    let response = worker.post(
        &Callback::signed(&append_to_url("/cb/slow", &ticket), &late.form_body("")),
        &[],
    );
    assert_eq!(response.error_code(), "ticket_expired");
}

/// Threat: with `DEBUG` on, a request crafted to maximise the mismatch diagnosis (largest body
/// of `%` escapes and `+`, many query parameters, a ticket) must stay cheap and log nothing
/// secret.
#[test]
fn debug_diagnosis_of_a_crafted_mismatch_is_bounded_and_cheap() {
    let worker = Worker::get("strict");
    let ticket = strict_ticket(ObjectScope::Prefix("photos/".into()));
    let query: Vec<String> = (0..150).map(|i| format!("p{i}=%2F%20+a")).collect();
    let path = format!("/cb/{}", unique("amplify"));
    let target = append_to_url(&format!("{path}/?{}", query.join("&")), &ticket);
    // Just under the strict profile's 4096-byte cap.
    let body = "%2B+%25".repeat(580);
    let signed_for = format!("{path}?{}", query.join("&"));
    let forged = Callback {
        target: target.clone(),
        ..Callback::signed(&signed_for, &body)
    };
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        let response = worker.post(&forged, &[]);
        slowest = slowest.max(started.elapsed());
        assert_eq!(response.error_code(), "signature_mismatch");
    }
    assert!(
        slowest < Duration::from_secs(1),
        "slowest answer {slowest:?}"
    );
    let line = worker
        .log_lines()
        .into_iter()
        .rev()
        .find(|l| l.contains(&path))
        .expect("the crafted request's log line");
    assert!(line.len() < 16 * 1024, "log line of {} bytes", line.len());
    assert!(!line.contains(&ticket), "the ticket was logged");
}

/// An object that was never stored: no event, whatever the callback says.
#[test]
fn an_absent_object_is_object_not_found() {
    let worker = Worker::get("strict");
    let key = format!("photos/{}.png", unique("absent"));
    let ticket = strict_ticket(ObjectScope::Key(key.clone()));
    let body = format!(
        "bucket=test-bucket&object={key}&size=10&reqId={}",
        unique("r")
    );
    let response = worker.post(
        &Callback::signed(&append_to_url("/cb/a", &ticket), &body),
        &[],
    );
    assert_eq!(response.status, 404, "{:?}", response.json());
    assert_eq!(response.error_code(), "object_not_found");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(events_for_key(&worker, &key), 0);
}

/// A HeadObject that fails transiently is retried inside the reply budget; one that keeps
/// failing is a 503 (OSS then reports CallbackFailed and the client recovers) before OSS's
/// 5 seconds, with nothing queued.
#[test]
fn transient_confirmation_failures_are_retried_then_503_in_time() {
    let worker = Worker::get("strict");
    let send = |stored: &Stored, fail: &str| {
        let ticket = strict_ticket(ObjectScope::Key(stored.key.clone()));
        let callback =
            Callback::signed(&append_to_url("/cb/flaky", &ticket), &stored.form_body(""));
        let started = Instant::now();
        let response = worker.post(&callback, &[(FAIL_CONFIRM_HEADER, fail)]);
        (response, started.elapsed())
    };
    let flaky = worker.upload_fresh("photos/");
    let (response, _) = send(&flaky, "2");
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&flaky.id()).len(), 1);

    let down = worker.upload_fresh("photos/");
    let (response, elapsed) = send(&down, "all");
    assert_eq!(response.status, 503, "{:?}", response.json());
    assert_eq!(response.error_code(), "confirmation_unavailable");
    assert!(
        elapsed < Duration::from_secs(5),
        "answered after {elapsed:?}"
    );
    let (response, elapsed) = send(&down, "slow:60000");
    assert_eq!(response.error_code(), "confirmation_unavailable");
    assert!(
        elapsed < Duration::from_secs(5),
        "answered after {elapsed:?}"
    );
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&down.id()), 0);
}
