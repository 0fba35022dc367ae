//! Property tests for the object-derived event id (native only: proptest does not run in
//! wasm32): the same facts give the same id; changing any of bucket, key, ETag or version id
//! changes it; nothing else enters it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::event::{TicketSummary, UploadEvent};
use oss_edge_core::confirm::ObjectFacts;
use proptest::prelude::*;

fn facts() -> impl Strategy<Value = ObjectFacts> {
    (
        "[a-z0-9-]{3,20}",
        "\\PC{1,40}",
        "[0-9A-F]{32}(-[0-9]{1,3})?",
        proptest::option::of("[A-Za-z0-9+/=]{1,40}"),
        any::<u64>(),
        proptest::option::of("[a-z]+/[a-z0-9.+-]+"),
        proptest::option::of(0i64..4_102_444_800),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(bucket, key, etag, version_id, size, content_type, last_modified, crc64)| {
                ObjectFacts {
                    bucket,
                    key,
                    size,
                    etag,
                    content_type,
                    last_modified,
                    crc64,
                    version_id,
                }
            },
        )
}

proptest! {
    #[test]
    fn same_facts_same_id(f in facts()) {
        let id = f.event_id();
        prop_assert_eq!(&id, &f.clone().event_id());
        prop_assert!(id.starts_with("sha256:") && id.len() == 7 + 64);
        prop_assert!(id[7..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        // The event carries it whatever the path and the time.
        let ticket = TicketSummary { subject: "s".into(), grant_id: "g".into(), key_id: "k".into() };
        prop_assert_eq!(&UploadEvent::recovered(f.clone(), Some(ticket), 1).id, &id);
        prop_assert_eq!(&UploadEvent::reconciled(f.clone(), None, 2).id, &id);
    }

    #[test]
    fn each_identity_field_changes_the_id(f in facts(), which in 0usize..4, extra in "[a-z0-9]{1,8}") {
        let mut g = f.clone();
        match which {
            0 => g.bucket.push_str(&extra),
            1 => g.key.push_str(&extra),
            2 => g.etag = format!("{}{}", g.etag, extra.to_ascii_uppercase()),
            _ => g.version_id = Some(format!("{}{}", g.version_id.clone().unwrap_or_default(), extra)),
        }
        prop_assert_ne!(f.event_id(), g.event_id());
    }

    #[test]
    fn nothing_else_enters_the_id(
        f in facts(),
        size in any::<u64>(),
        content_type in proptest::option::of("[ -~]{0,30}"),
        last_modified in proptest::option::of(any::<i64>()),
        crc64 in proptest::option::of(any::<u64>()),
    ) {
        let g = ObjectFacts { size, content_type, last_modified, crc64, ..f.clone() };
        prop_assert_eq!(f.event_id(), g.event_id());
        // Nor the ETag's spelling: quotes and case are normalised away.
        let quoted = ObjectFacts { etag: format!("\"{}\"", f.etag.to_ascii_lowercase()), ..f.clone() };
        prop_assert_eq!(f.event_id(), quoted.event_id());
    }

    #[test]
    fn field_boundaries_are_kept(a in "[a-z]{1,10}", b in "[a-z]{1,10}", cut in 1usize..10) {
        // Moving bytes from the bucket into the key never keeps the id.
        let joined = format!("{a}{b}");
        let cut = cut.min(joined.len() - 1);
        let f = ObjectFacts { bucket: joined[..cut].into(), key: joined[cut..].into(), size: 0, etag: "E".into(), content_type: None, last_modified: None, crc64: None, version_id: None };
        let g = ObjectFacts { bucket: a.clone(), key: b.clone(), ..f.clone() };
        prop_assert_eq!(f.event_id() == g.event_id(), f.bucket == g.bucket);
    }
}
