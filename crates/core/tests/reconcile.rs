//! Reconciliation: bounded daily prefixes, paging through a listing as OSS writes it, events
//! with the same id a confirmed callback gets, owners read back from the key layout.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::confirm::{Buckets, ListAnswer, event_id};
use oss_edge_core::grant::key::{DEFAULT_KEY_TEMPLATE, KeyTemplate};
use oss_edge_core::reconcile::{Found, MAX_DAYS, Reconciliation, listing_prefixes};
use oss_edge_core::sign::Credentials;

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000;
const GRANT: &str = "0123456789abcdef0123456789abcdef";

fn template() -> KeyTemplate {
    KeyTemplate::parse(DEFAULT_KEY_TEMPLATE).unwrap()
}

fn target(name: &str) -> oss_edge_core::confirm::BucketTarget {
    Buckets::parse_json(
        r#"[{"name":"examplebucket","region":"cn-hangzhou"},
            {"name":"versioned-bucket","region":"cn-hangzhou","versioned":true}]"#,
    )
    .unwrap()
    .get(name)
    .unwrap()
    .clone()
}

fn credentials() -> Credentials {
    Credentials::new("ak", "sk")
}

/// A ListObjectsV2 page as OSS writes it for `encoding-type=url`.
fn page(name: &str, prefix: &str, keys: &[(&str, &str, u64)], next: Option<&str>) -> String {
    let encode = |text: &str| text.replace('/', "%2F");
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Name>{name}</Name><Prefix>{}</Prefix><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>{}</IsTruncated>"#,
        encode(prefix),
        next.is_some()
    );
    if let Some(token) = next {
        xml.push_str(&format!(
            "<NextContinuationToken>{token}</NextContinuationToken>"
        ));
    }
    xml.push_str(&format!("<KeyCount>{}</KeyCount>", keys.len()));
    for (key, etag, size) in keys {
        xml.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>2023-11-14T22:13:20.000Z</LastModified><ETag>&quot;{etag}&quot;</ETag><Type>Normal</Type><Size>{size}</Size><StorageClass>Standard</StorageClass></Contents>",
            encode(key)
        ));
    }
    xml.push_str("</ListBucketResult>");
    xml
}

fn ok(body: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    (
        200,
        vec![("content-type".into(), "application/xml".into())],
        body.as_bytes().to_vec(),
    )
}

fn answer(reply: &(u16, Vec<(String, String)>, Vec<u8>)) -> ListAnswer<'_> {
    ListAnswer {
        status: reply.0,
        headers: &reply.1,
        body: &reply.2,
    }
}

#[test]
fn the_default_template_lists_one_prefix_per_day_newest_first() {
    assert_eq!(
        listing_prefixes(&template(), NOW, 3),
        [
            "uploads/20231114/",
            "uploads/20231113/",
            "uploads/20231112/"
        ]
    );
    assert_eq!(
        listing_prefixes(&template(), NOW, 0),
        ["uploads/20231114/"],
        "at least today"
    );
    assert_eq!(
        listing_prefixes(&template(), NOW, 1000).len(),
        MAX_DAYS as usize
    );
    let undated = KeyTemplate::parse("u/{subject}/{grant_id}{ext}").unwrap();
    assert_eq!(
        listing_prefixes(&undated, NOW, 7),
        ["u/"],
        "one prefix when it does not change"
    );
}

#[test]
fn pages_then_prefixes_are_walked_and_each_object_gets_the_callbacks_id() {
    let mut run = Reconciliation::new(target("examplebucket"), template(), NOW, 2);
    let alice = format!("uploads/20231114/alice/{GRANT}.png");
    let bob = "uploads/20231114/bob/not-a-grant.png".to_owned();
    let carol = format!("uploads/20231113/carol/{GRANT}.jpg");

    let first = run.next_request(&credentials(), NOW).unwrap();
    assert!(
        first.url.contains("prefix=uploads%2F20231114%2F"),
        "{}",
        first.url
    );
    assert!(!first.url.contains("continuation-token"));
    let reply = ok(&page(
        "examplebucket",
        "uploads/20231114/",
        &[
            (&alice, "D8E8FCA2DC0F896FD7CB4CB0031BA249", 53853),
            ("uploads/20231114/dir/", "X", 0),
        ],
        Some("token-1"),
    ));
    let found = run.accept(&answer(&reply), NOW).unwrap();
    assert_eq!(found.len(), 1, "a directory placeholder is not an upload");
    let Found::Event(event) = &found[0] else {
        panic!("an event for an unversioned bucket")
    };
    assert_eq!(
        event.id,
        event_id(
            "examplebucket",
            &alice,
            "D8E8FCA2DC0F896FD7CB4CB0031BA249",
            None
        ),
        "the same id a confirmed callback for this object gets"
    );
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(json["source"], "reconciliation");
    assert_eq!(json["confirmed"], true);
    assert_eq!(json["object"]["size"], 53853);
    assert_eq!(
        json["owner"],
        serde_json::json!({"subject": "alice", "grant_id": GRANT})
    );

    let second = run.next_request(&credentials(), NOW).unwrap();
    assert!(
        second.url.contains("continuation-token=token-1"),
        "{}",
        second.url
    );
    assert!(second.url.contains("prefix=uploads%2F20231114%2F"));
    let reply = ok(&page(
        "examplebucket",
        "uploads/20231114/",
        &[(&bob, "AB", 1)],
        None,
    ));
    let found = run.accept(&answer(&reply), NOW).unwrap();
    let Found::Event(event) = &found[0] else {
        panic!()
    };
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert!(
        json.get("owner").is_none(),
        "a key without a grant id has no owner: {json}"
    );

    let third = run.next_request(&credentials(), NOW).unwrap();
    assert!(
        third.url.contains("prefix=uploads%2F20231113%2F"),
        "{}",
        third.url
    );
    assert!(!third.url.contains("continuation-token"));
    let reply = ok(&page(
        "examplebucket",
        "uploads/20231113/",
        &[(&carol, "CD", 2)],
        None,
    ));
    assert_eq!(run.accept(&answer(&reply), NOW).unwrap().len(), 1);
    assert!(
        run.next_request(&credentials(), NOW).is_none(),
        "done after the last prefix"
    );
    assert_eq!(run.pages(), 3);
}

#[test]
fn a_refused_page_is_an_error_and_is_asked_again() {
    let mut run = Reconciliation::new(target("examplebucket"), template(), NOW, 1);
    let before = run.next_request(&credentials(), NOW).unwrap().url;
    let denied = (
        403,
        vec![("x-oss-ec".to_owned(), "0003-00000001".to_owned())],
        b"<Error><Code>AccessDenied</Code></Error>".to_vec(),
    );
    assert!(run.accept(&answer(&denied), NOW).is_err());
    assert_eq!(run.next_request(&credentials(), NOW).unwrap().url, before);
    assert_eq!(run.pages(), 0);
    let foreign = ok(&page("other-bucket", "uploads/20231114/", &[], None));
    assert!(
        run.accept(&answer(&foreign), NOW).is_err(),
        "a page of another bucket is refused"
    );
}

#[test]
fn a_versioned_bucket_asks_for_a_head_per_object() {
    let mut run = Reconciliation::new(target("versioned-bucket"), template(), NOW, 1);
    let key = format!("uploads/20231114/alice/{GRANT}.png");
    let reply = ok(&page(
        "versioned-bucket",
        "uploads/20231114/",
        &[(&key, "AB", 1)],
        None,
    ));
    assert_eq!(
        run.accept(&answer(&reply), NOW).unwrap(),
        vec![Found::Confirm {
            key,
            owner: Some(("alice".into(), GRANT.into()))
        }]
    );
}

#[test]
fn owners_are_read_back_only_from_keys_of_the_template() {
    let t = template();
    let key = format!("uploads/20231114/alice/{GRANT}.png");
    assert_eq!(t.owner_and_grant_of(&key), Some(("alice", GRANT)));
    for other in [
        format!("uploads/2023111/alice/{GRANT}.png"),
        format!("uploads/20231114/alice/{}.png", &GRANT[..31]),
        format!("uploads/20231114/alice/{}.png", GRANT.to_uppercase()),
        format!("elsewhere/20231114/alice/{GRANT}.png"),
        format!("uploads/20231114//{GRANT}.png"),
    ] {
        assert_eq!(t.owner_and_grant_of(&other), None, "{other}");
    }
    let named = KeyTemplate::parse("u/{subject}/{filename}-{grant_id}{ext}").unwrap();
    assert_eq!(
        named.owner_and_grant_of(&format!("u/bob/cat-{GRANT}.png")),
        None,
        "unknown width"
    );
    let after = KeyTemplate::parse("u/{subject}/{yyyy}/{grant_id}-{filename}{ext}").unwrap();
    assert_eq!(
        after.owner_and_grant_of(&format!("u/bob/2023/{GRANT}-cat.png")),
        Some(("bob", GRANT))
    );
}

#[test]
fn a_run_stopped_at_its_position_resumes_there_and_pages_can_be_small() {
    let mut run = Reconciliation::new(target("examplebucket"), template(), NOW, 2);
    assert_eq!(run.position(), Some(("uploads/20231114/", None)));
    let small = run.next_request_sized(&credentials(), NOW, 7).unwrap();
    assert!(small.url.contains("max-keys=7"), "{}", small.url);
    let clamped = run.next_request_sized(&credentials(), NOW, 0).unwrap();
    assert!(clamped.url.contains("max-keys=1&"), "{}", clamped.url);
    let reply = ok(&page(
        "examplebucket",
        "uploads/20231114/",
        &[],
        Some("tok-9"),
    ));
    run.accept(&answer(&reply), NOW).unwrap();
    assert_eq!(run.position(), Some(("uploads/20231114/", Some("tok-9"))));

    // A later run (same now and days) continues where this one stopped.
    let mut later = Reconciliation::new(target("examplebucket"), template(), NOW, 2);
    assert!(later.resume_at("uploads/20231114/", Some("tok-9".into())));
    let next = later.next_request(&credentials(), NOW).unwrap();
    assert!(
        next.url.contains("continuation-token=tok-9"),
        "{}",
        next.url
    );
    assert!(later.resume_at("uploads/20231113/", None));
    let next = later.next_request(&credentials(), NOW).unwrap();
    assert!(
        next.url.contains("prefix=uploads%2F20231113%2F"),
        "{}",
        next.url
    );
    assert!(!next.url.contains("continuation-token"));
    assert!(
        !later.resume_at("uploads/20231101/", None),
        "not a prefix of this run"
    );
    assert_eq!(later.position(), Some(("uploads/20231113/", None)));
    let reply = ok(&page("examplebucket", "uploads/20231113/", &[], None));
    later.accept(&answer(&reply), NOW).unwrap();
    assert_eq!(later.position(), None, "done");
    assert!(later.next_request(&credentials(), NOW).is_none());
}
