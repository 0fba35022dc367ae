#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Upload tickets against the `strict` Worker (tickets required, keys t1 and t2), and a
//! present-but-invalid ticket against the `open` Worker (always refused). Every accepted
//! callback names an object stored in the profile's oss-sim: the Worker confirms it there.

use oss_edge_callback_tests::{
    Callback, Response, Stored, Worker, claims, mint, now_unix, sentinel_ticket,
    strict_ticket_keys, unique,
};
use oss_edge_core::ticket::{ObjectScope, append_to_url};

/// The callback for `stored` on `/cb/done?app=1`, carrying `ticket`.
fn callback(stored: &Stored, ticket: Option<&str>) -> Callback {
    let mut target = "/cb/done?app=1".to_owned();
    if let Some(ticket) = ticket {
        target = append_to_url(&target, ticket);
    }
    Callback::signed(&target, &stored.form_body(""))
}

fn first_key() -> (String, String) {
    strict_ticket_keys().remove(0)
}

fn refused(worker: &Worker, ticket: &str, stored: &Stored) -> Response {
    let response = worker.post(&callback(stored, Some(ticket)), &[]);
    assert_ne!(response.status, 200, "{:?}", response.json());
    response
}

#[test]
fn a_valid_ticket_is_accepted_and_summarised_in_the_event_and_reply() {
    let worker = Worker::get("strict");
    for (kid, secret) in strict_ticket_keys() {
        let stored = worker.upload_fresh("photos/");
        let grant = claims(ObjectScope::Key(stored.key.clone()));
        let ticket = mint(&grant, &kid, &secret);
        let response = worker.post(&callback(&stored, Some(&ticket)), &[]);
        let id = stored.id();
        assert_eq!(response.status, 200, "{kid}: {:?}", response.json());
        // The reply follows the strict profile's REPLY_TEMPLATE.
        let reply = response.json();
        assert_eq!(reply["Status"], "OK");
        assert_eq!(reply["id"], id.as_str());
        assert_eq!(reply["object"], stored.key.as_str());
        assert_eq!(reply["grant"], grant.grant_id.as_str());
        assert_eq!(reply["subject"], "user-42");
        let events = worker.wait_for(&id);
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event["ticket"]["key_id"], kid.as_str());
        assert_eq!(event["ticket"]["grant_id"], grant.grant_id.as_str());
        assert_eq!(event["ticket"]["subject"], "user-42");
        assert_eq!(event["object"]["key"], stored.key.as_str());
        assert_eq!(event["object"]["size"], stored.size);
        assert_eq!(event["object"]["etag"], stored.etag.as_str());
        assert_eq!(event["claimed"]["object"], stored.key.as_str());
        assert_eq!(event["owner"]["subject"], "user-42");
        assert_eq!(event["source"], "callback");
        assert_eq!(event["confirmed"], true);
    }
}

#[test]
fn a_prefix_ticket_covers_objects_under_it_only() {
    let worker = Worker::get("strict");
    let (kid, secret) = first_key();
    let prefix = format!("users/{}/", unique("p"));
    let ticket = mint(&claims(ObjectScope::Prefix(prefix.clone())), &kid, &secret);
    let mine = worker.upload_fresh(&prefix);
    let response = worker.post(&callback(&mine, Some(&ticket)), &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    // Another user's object, really stored: the ticket does not reach it, and the Worker does
    // not even look it up.
    let theirs = worker.upload_fresh("users/someone-else/");
    let response = worker.post(&callback(&theirs, Some(&ticket)), &[]);
    assert_eq!(response.error_code(), "ticket_object_mismatch");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&theirs.id()), 0);
}

#[test]
fn missing_ticket_is_required() {
    let worker = Worker::get("strict");
    let stored = worker.upload_fresh("photos/");
    let response = worker.post(&callback(&stored, None), &[]);
    assert_eq!(response.status, 403);
    assert_eq!(response.error_code(), "ticket_required");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(
        worker.count(&stored.id()),
        0,
        "a refused callback queued an event"
    );
}

#[test]
fn invalid_tickets_are_refused_with_their_reason() {
    let worker = Worker::get("strict");
    let (kid, secret) = first_key();
    let stored = worker.upload_fresh("photos/");
    let good = claims(ObjectScope::Key(stored.key.clone()));

    let mut expired = good.clone();
    expired.expires_at = now_unix() - 100;
    expired.deadline = now_unix() - 1;
    let mut other_bucket = good.clone();
    other_bucket.bucket = "another-bucket".into();
    let mut small = good.clone();
    small.max_size = stored.size - 1;
    let valid = mint(&good, &kid, &secret);
    let (version, rest) = valid.split_once('.').unwrap();
    assert_eq!(version, "v2");

    let cases: Vec<(&str, String, &str, u16)> = vec![
        (
            "past its deadline",
            mint(&expired, &kid, &secret),
            "ticket_expired",
            403,
        ),
        (
            "wrong secret",
            mint(&good, &kid, "some-other-secret-of-at-least-32-bytes!!"),
            "ticket_bad_mac",
            403,
        ),
        (
            "unknown key id",
            mint(&good, "retired", &secret),
            "ticket_unknown_key",
            403,
        ),
        (
            "wrong object",
            mint(
                &claims(ObjectScope::Key("photos/other.png".into())),
                &kid,
                &secret,
            ),
            "ticket_object_mismatch",
            403,
        ),
        (
            "wrong bucket",
            mint(&other_bucket, &kid, &secret),
            "ticket_bucket_mismatch",
            403,
        ),
        (
            // Compared with the size the bucket reports (the body claims the same here).
            "too large",
            mint(&small, &kid, &secret),
            "ticket_size_exceeded",
            403,
        ),
        ("garbage", "not-a-ticket".into(), "ticket_malformed", 400),
        (
            "version 1",
            format!("v1.{rest}"),
            "ticket_unsupported_version",
            400,
        ),
        ("too long", "v".repeat(3000), "ticket_too_long", 400),
    ];
    for (name, ticket, code, status) in cases {
        let response = refused(&worker, &ticket, &stored);
        assert_eq!(response.error_code(), code, "{name}");
        assert_eq!(response.status, status, "{name}");
    }
    // Two ticket parameters: either could be the one an attacker added.
    let twice = append_to_url(&append_to_url("/cb/done", &valid), &valid);
    let response = worker.post(&Callback::signed(&twice, &stored.form_body("")), &[]);
    assert_eq!(response.error_code(), "ticket_malformed");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&stored.id()), 0);
}

#[test]
fn a_present_invalid_ticket_is_refused_even_when_tickets_are_optional() {
    let worker = Worker::get("open");
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(
        &claims(ObjectScope::Key(stored.key.clone())),
        "unknown",
        "a-secret-the-open-worker-does-not-have",
    );
    let response = worker.post(&callback(&stored, Some(&ticket)), &[]);
    assert_eq!(response.status, 403, "{:?}", response.json());
    assert_eq!(response.error_code(), "ticket_unknown_key");
    // Without a ticket the open Worker accepts the same (confirmed) upload.
    let response = worker.post(&callback(&stored, None), &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&stored.id()).len(), 1);
}

#[test]
fn a_ticket_carrying_body_without_bucket_object_or_size_is_refused() {
    let worker = Worker::get("strict");
    let stored = worker.upload_fresh("photos/");
    let (kid, secret) = first_key();
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let target = append_to_url("/cb/done", &ticket);
    let response = worker.post(
        &Callback::signed(
            &target,
            &format!("bucket=test-bucket&object={}&reqId=x", stored.key),
        ),
        &[],
    );
    assert_eq!(response.status, 400, "{:?}", response.json());
    assert_eq!(response.error_code(), "body_incomplete");
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(worker.count(&stored.id()), 0);
}
