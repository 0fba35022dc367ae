//! Property tests for upload tickets (native only: proptest does not run in wasm32).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
#![cfg(not(target_arch = "wasm32"))]

use oss_edge_core::ticket::{
    BodyType, ObjectScope, TicketClaims, TicketKey, TicketKeyring, UploadFacts, check, mint,
};
use proptest::prelude::*;

fn scope() -> impl Strategy<Value = ObjectScope> {
    prop_oneof![
        "\\PC{1,60}".prop_map(ObjectScope::Key),
        "\\PC{0,60}".prop_map(ObjectScope::Prefix),
    ]
}

fn claims() -> impl Strategy<Value = TicketClaims> {
    (
        "[ -~]{1,40}",
        "\\PC{1,40}",
        "[a-z0-9-]{3,63}",
        scope(),
        any::<u64>(),
        1i64..i64::MAX / 2,
        0i64..1_000_000,
        any::<bool>(),
    )
        .prop_map(
            |(grant_id, subject, bucket, object, max_size, expires_at, allowance, json)| {
                TicketClaims {
                    grant_id,
                    subject,
                    bucket,
                    object,
                    max_size,
                    expires_at,
                    deadline: expires_at + allowance,
                    body_type: if json { BodyType::Json } else { BodyType::Form },
                }
            },
        )
}

fn key() -> impl Strategy<Value = TicketKey> {
    (
        "[A-Za-z0-9_-]{1,32}",
        proptest::collection::vec(any::<u8>(), 32..80),
    )
        .prop_map(|(kid, secret)| TicketKey::new(kid, secret).unwrap())
}

proptest! {
    #[test]
    fn claims_json_round_trips(claims in claims()) {
        let json = claims.to_json();
        prop_assert_eq!(TicketClaims::from_json(json.as_bytes()).unwrap(), claims);
    }

    #[test]
    fn mint_then_check_round_trips(claims in claims(), key in key()) {
        let ticket = mint(&claims, &key).unwrap();
        let mut ring = TicketKeyring::new();
        ring.insert(key.clone()).unwrap();
        let verified = check(&ticket, &ring, claims.deadline - 1, &UploadFacts::default()).unwrap();
        prop_assert_eq!(verified.key_id, key.kid());
        prop_assert_eq!(verified.claims, claims);
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        claims in claims(),
        key in key(),
        position in any::<prop::sample::Index>(),
        replacement in 0x20u8..0x7f,
    ) {
        let ticket = mint(&claims, &key).unwrap();
        let mut ring = TicketKeyring::new();
        ring.insert(key).unwrap();
        let index = position.index(ticket.len());
        let mut bytes = ticket.clone().into_bytes();
        prop_assume!(bytes[index] != replacement);
        bytes[index] = replacement;
        let tampered = String::from_utf8(bytes).unwrap();
        prop_assert!(check(&tampered, &ring, claims.deadline - 1, &UploadFacts::default()).is_err());
    }

    #[test]
    fn check_never_panics_on_garbage(text in "\\PC{0,300}", dotted in "(v1\\.[a-z]{1,3}\\.[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,50})") {
        let mut ring = TicketKeyring::new();
        ring.insert(TicketKey::new("abc", vec![7u8; 32]).unwrap()).unwrap();
        prop_assert!(check(&text, &ring, 0, &UploadFacts::default()).is_err());
        prop_assert!(check(&dotted, &ring, 0, &UploadFacts::default()).is_err());
    }
}
