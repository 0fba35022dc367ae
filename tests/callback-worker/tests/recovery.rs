#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `POST /v1/recover` (CONTRACTS §3): after a failed callback the client asks the Worker to
//! confirm its upload; the event has the id the callback would have had.

use oss_edge_callback_tests::{
    Callback, FAIL_QUEUE_HEADER, Worker, claims, mint, now_unix, sentinel_ticket,
    strict_ticket_keys, unique,
};
use oss_edge_core::ticket::{ObjectScope, append_to_url};

#[test]
fn recovery_after_a_failed_callback_queues_the_same_id_idempotently() {
    let worker = Worker::get("strict");
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let grant = claims(ObjectScope::Key(stored.key.clone()));
    let ticket = mint(&grant, &kid, &secret);
    // The callback fails (queue down): OSS would answer the client 203 CallbackFailed.
    let callback = Callback::signed(&append_to_url("/cb/done", &ticket), &stored.form_body(""));
    let failed = worker.post(&callback, &[(FAIL_QUEUE_HEADER, "all")]);
    assert_eq!(failed.status, 503);

    let response = worker.recover(&ticket, "", &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let reply = response.json();
    assert_eq!(reply["id"], stored.id().as_str());
    assert_eq!(reply["status"], "queued");
    let events = worker.wait_for(&stored.id());
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["source"], "recovery");
    assert_eq!(event["confirmed"], true);
    assert_eq!(event["object"]["size"], stored.size);
    assert_eq!(event["object"]["etag"], stored.etag.as_str());
    assert_eq!(event["owner"]["grant_id"], grant.grant_id.as_str());
    assert!(
        event.get("claimed").is_none(),
        "a recovery call claims nothing"
    );

    // Twice, and after a successful callback: the same id every time.
    let again = worker.recover(&ticket, &format!(r#"{{"key":"{}"}}"#, stored.key), &[]);
    assert_eq!(again.json()["id"], stored.id().as_str());
    let callback = worker.post(&callback, &[]);
    assert_eq!(callback.json()["id"], stored.id().as_str());
    let third = worker.recover(&ticket, "", &[]);
    assert_eq!(third.json()["id"], stored.id().as_str());
}

#[test]
fn a_prefix_ticket_recovers_a_named_key_inside_it() {
    let worker = Worker::get("strict");
    let (kid, secret) = strict_ticket_keys().remove(0);
    let prefix = format!("users/{}/", unique("rec"));
    let ticket = mint(&claims(ObjectScope::Prefix(prefix.clone())), &kid, &secret);
    let stored = worker.upload_fresh(&prefix);
    let response = worker.recover(&ticket, "", &[]);
    assert_eq!(response.error_code(), "recover_key_required");
    let response = worker.recover(&ticket, &format!(r#"{{"key":"{}"}}"#, stored.key), &[]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.json()["id"], stored.id().as_str());
    for body in [
        "[1]",
        r#"{"key":1}"#,
        r#"{"key":"a","bucket":"b"}"#,
        "not json",
    ] {
        let response = worker.recover(&ticket, body, &[]);
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.error_code(), "recover_body_invalid", "{body}");
    }
}

/// Recovery for a key never uploaded, or with a forged, expired or another user's ticket:
/// refused, and nothing is queued.
#[test]
fn recovery_with_bad_tickets_or_absent_objects_is_refused_and_queues_nothing() {
    let worker = Worker::get("strict");
    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("users/bob/");
    let bobs = claims(ObjectScope::Key(stored.key.clone()));

    let never = format!("users/alice/{}.png", unique("never"));
    let never_ticket = mint(&claims(ObjectScope::Key(never.clone())), &kid, &secret);
    let response = worker.recover(&never_ticket, "", &[]);
    assert_eq!(response.status, 404, "{:?}", response.json());
    assert_eq!(response.error_code(), "object_not_found");

    let mut expired = bobs.clone();
    expired.expires_at = now_unix() - 100;
    expired.deadline = now_unix() - 1;
    let alices = claims(ObjectScope::Prefix("users/alice/".into()));
    let cases = [
        (
            "forged",
            mint(&bobs, &kid, "a-secret-the-worker-does-not-have-at-all"),
            "",
            "ticket_bad_mac",
        ),
        (
            "expired",
            mint(&expired, &kid, &secret),
            "",
            "ticket_expired",
        ),
        (
            "another user's ticket",
            mint(&alices, &kid, &secret),
            "key",
            "ticket_object_mismatch",
        ),
        ("no ticket", String::new(), "", "ticket_required"),
    ];
    for (name, ticket, body, code) in cases {
        let body = if body == "key" {
            format!(r#"{{"key":"{}"}}"#, stored.key)
        } else {
            String::new()
        };
        let response = if ticket.is_empty() {
            oss_edge_callback_tests::send(
                &worker.addr,
                "POST",
                "/v1/recover",
                &[],
                body.as_bytes(),
                oss_edge_callback_tests::Framing::Length,
            )
            .unwrap()
        } else {
            worker.recover(&ticket, &body, &[])
        };
        assert_eq!(response.error_code(), code, "{name}: {:?}", response.json());
        assert!(
            (400..500).contains(&response.status),
            "{name}: {}",
            response.status
        );
    }
    worker.flush(Some(&sentinel_ticket()));
    assert_eq!(
        worker.count(&stored.id()),
        0,
        "a refused recovery queued an event"
    );
    assert!(
        !worker
            .events()
            .iter()
            .any(|e| e["object"]["key"] == never.as_str())
    );
}

#[test]
fn browsers_from_allowed_origins_may_call_it() {
    let worker = Worker::get("strict");
    let preflight = |origin: &str| {
        oss_edge_callback_tests::send(
            &worker.addr,
            "OPTIONS",
            "/v1/recover?oss_edge_ticket=x",
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            b"",
            oss_edge_callback_tests::Framing::Length,
        )
        .unwrap()
    };
    let allowed = preflight("https://app.example");
    assert_eq!(allowed.status, 204);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    let refused = preflight("https://evil.example");
    assert_eq!(refused.status, 403);
    assert!(refused.header("access-control-allow-origin").is_none());

    let (kid, secret) = strict_ticket_keys().remove(0);
    let stored = worker.upload_fresh("photos/");
    let ticket = mint(&claims(ObjectScope::Key(stored.key.clone())), &kid, &secret);
    let response = worker.recover(&ticket, "", &[("origin", "https://app.example")]);
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let response = worker.recover(&ticket, "", &[("origin", "https://evil.example")]);
    assert_eq!(response.error_code(), "origin_not_allowed");
}
