#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Upload tickets against the `strict` Worker (tickets required, keys t1 and t2), and a
//! present-but-invalid ticket against the `open` Worker (always refused).

use oss_edge_callback_tests::{
    Callback, Response, Worker, claims, mint, now_unix, strict_ticket_keys, unique,
};
use oss_edge_core::confirm::event_id;
use oss_edge_core::ticket::{ObjectScope, append_to_url};

/// The event id of a callback for `object` (test-bucket, no ETag in the body).
fn id_of(object: &str) -> String {
    event_id("test-bucket", object, "", None)
}

/// A callback for `object` (size 100) on `/cb/done` carrying `ticket`.
fn callback(object: &str, ticket: Option<&str>, id: &str) -> Callback {
    let mut target = "/cb/done?app=1".to_owned();
    if let Some(ticket) = ticket {
        target = append_to_url(&target, ticket);
    }
    let body =
        format!("bucket=test-bucket&object={object}&size=100&mimeType=image%2Fpng&reqId={id}");
    Callback::signed(&target, &body)
}

fn first_key() -> (String, String) {
    strict_ticket_keys().remove(0)
}

fn refused(worker: &Worker, ticket: &str, object: &str) -> Response {
    let id = unique("refused");
    let response = worker.post(&callback(object, Some(ticket), &id), &[]);
    assert_ne!(response.status, 200, "{:?}", response.json());
    response
}

#[test]
fn a_valid_ticket_is_accepted_and_summarised_in_the_event_and_reply() {
    let worker = Worker::get("strict");
    for (kid, secret) in strict_ticket_keys() {
        let object = format!("photos/{}.png", unique("ok"));
        let grant = claims(ObjectScope::Key(object.clone()));
        let ticket = mint(&grant, &kid, &secret);
        let response = worker.post(&callback(&object, Some(&ticket), &unique("ticket-ok")), &[]);
        let id = id_of(&object);
        assert_eq!(response.status, 200, "{kid}: {:?}", response.json());
        // The reply follows the strict profile's REPLY_TEMPLATE.
        let reply = response.json();
        assert_eq!(reply["Status"], "OK");
        assert_eq!(reply["id"], id.as_str());
        assert_eq!(reply["object"], object.as_str());
        assert_eq!(reply["grant"], grant.grant_id.as_str());
        assert_eq!(reply["subject"], "user-42");
        let events = worker.wait_for(&id);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["ticket"]["key_id"], kid.as_str());
        assert_eq!(events[0]["ticket"]["grant_id"], grant.grant_id.as_str());
        assert_eq!(events[0]["ticket"]["subject"], "user-42");
        assert_eq!(events[0]["object"]["key"], object.as_str());
        assert_eq!(events[0]["claimed"]["object"], object.as_str());
        assert_eq!(events[0]["owner"]["subject"], "user-42");
        assert_eq!(events[0]["source"], "callback");
        assert_eq!(events[0]["confirmed"], false);
    }
}

#[test]
fn a_prefix_ticket_covers_objects_under_it() {
    let worker = Worker::get("strict");
    let (kid, secret) = first_key();
    let prefix = format!("users/{}/", unique("p"));
    let ticket = mint(&claims(ObjectScope::Prefix(prefix.clone())), &kid, &secret);
    let id = unique("prefix");
    let response = worker.post(
        &callback(&format!("{prefix}a.png"), Some(&ticket), &id),
        &[],
    );
    assert_eq!(response.status, 200, "{:?}", response.json());
    let response = worker.post(
        &callback("users/someone-else/a.png", Some(&ticket), &unique("x")),
        &[],
    );
    assert_eq!(response.error_code(), "ticket_object_mismatch");
}

#[test]
fn missing_ticket_is_required() {
    let worker = Worker::get("strict");
    let object = format!("photos/{}.png", unique("no-ticket"));
    let response = worker.post(&callback(&object, None, &unique("no-ticket")), &[]);
    let id = id_of(&object);
    assert_eq!(response.status, 403);
    assert_eq!(response.error_code(), "ticket_required");
    let (kid, secret) = first_key();
    let sentinel = mint(
        &claims(ObjectScope::Prefix("sentinel/".into())),
        &kid,
        &secret,
    );
    worker.flush(Some(&sentinel));
    assert_eq!(worker.count(&id), 0, "a refused callback queued an event");
}

#[test]
fn invalid_tickets_are_refused_with_their_reason() {
    let worker = Worker::get("strict");
    let (kid, secret) = first_key();
    let object = format!("photos/{}.png", unique("bad"));
    let good = claims(ObjectScope::Key(object.clone()));

    let mut expired = good.clone();
    expired.expires_at = now_unix() - 1;
    let mut other_bucket = good.clone();
    other_bucket.bucket = "another-bucket".into();
    let mut small = good.clone();
    small.max_size = 10;
    let valid = mint(&good, &kid, &secret);
    let (version, rest) = valid.split_once('.').unwrap();
    assert_eq!(version, "v1");

    let cases: Vec<(&str, String, &str, u16)> = vec![
        (
            "expired",
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
            "too large",
            mint(&small, &kid, &secret),
            "ticket_size_exceeded",
            403,
        ),
        ("garbage", "not-a-ticket".into(), "ticket_malformed", 400),
        (
            "version",
            format!("v2.{rest}"),
            "ticket_unsupported_version",
            400,
        ),
        ("too long", "v".repeat(3000), "ticket_too_long", 400),
    ];
    for (name, ticket, code, status) in cases {
        let response = refused(&worker, &ticket, &object);
        assert_eq!(response.error_code(), code, "{name}");
        assert_eq!(response.status, status, "{name}");
    }
    // Two ticket parameters: either could be the one an attacker added.
    let twice = append_to_url(&append_to_url("/cb/done", &valid), &valid);
    let body = format!(
        "bucket=test-bucket&object={object}&size=100&reqId={}",
        unique("t")
    );
    let response = worker.post(&Callback::signed(&twice, &body), &[]);
    assert_eq!(response.error_code(), "ticket_malformed");
}

#[test]
fn a_present_invalid_ticket_is_refused_even_when_tickets_are_optional() {
    let worker = Worker::get("open");
    let object = format!("photos/{}.png", unique("open"));
    let object = object.as_str();
    let ticket = mint(
        &claims(ObjectScope::Key(object.into())),
        "unknown",
        "a-secret-the-open-worker-does-not-have",
    );
    let response = worker.post(
        &callback(object, Some(&ticket), &unique("open-bad-ticket")),
        &[],
    );
    assert_eq!(response.status, 403, "{:?}", response.json());
    assert_eq!(response.error_code(), "ticket_unknown_key");
    // Without a ticket the open Worker accepts the same upload.
    let response = worker.post(&callback(object, None, &unique("open-no-ticket")), &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(worker.wait_for(&id_of(object)).len(), 1);
}

#[test]
fn a_ticket_carrying_body_without_bucket_object_or_size_is_refused() {
    let worker = Worker::get("strict");
    let (kid, secret) = first_key();
    let object = format!("photos/{}.png", unique("incomplete"));
    let ticket = mint(&claims(ObjectScope::Key(object.clone())), &kid, &secret);
    let target = append_to_url("/cb/done", &ticket);
    let response = worker.post(
        &Callback::signed(
            &target,
            &format!("bucket=test-bucket&object={object}&reqId=x"),
        ),
        &[],
    );
    assert_eq!(response.status, 400, "{:?}", response.json());
    assert_eq!(response.error_code(), "body_incomplete");
    worker.flush(Some(&mint(
        &claims(ObjectScope::Prefix("sentinel/".into())),
        &kid,
        &secret,
    )));
    assert_eq!(worker.count(&id_of(&object)), 0);
}
