//! Upload tickets: minting, checking, rotation, every error, tampering, query helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use oss_edge_core::ticket::{
    BodyType, KeyError, MAX_TICKET_LEN, ObjectScope, TICKET_PARAM, TicketClaims, TicketError,
    TicketKey, TicketKeyring, UploadFacts, append_to_url, authenticate, check, find_in_query, mint,
};
use sha2::Sha256;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OTHER_SECRET: &[u8] = b"fedcba9876543210fedcba9876543210";
const NOW: i64 = 1_700_000_000;

/// A version-1 ticket as minted before `dl` and `bdy` existed (computed with Python's
/// `hmac`/`base64` modules): valid MAC, refused for its version.
const V1_TICKET: &str = "v1.k2024.eyJnaWQiOiJnLTAwMDEiLCJzdWIiOiJ1c2VyLTQyIiwiYmt0IjoiZXhhbXBsZWJ1Y2tldCIsInBmeCI6InVwbG9hZHMvdXNlci00Mi8iLCJtYXgiOjEwNDg1NzYwLCJleHAiOjE3MDAwMDM2MDB9.os6_NTSBrx75fa24sLrHE1Neq5gYbYbLV8VWctViqTo";

/// Computed independently with Python's `hmac`/`base64` modules.
const KNOWN_TICKET: &str = "v2.k2024.eyJnaWQiOiJnLTAwMDEiLCJzdWIiOiJ1c2VyLTQyIiwiYmt0IjoiZXhhbXBsZWJ1Y2tldCIsInBmeCI6InVwbG9hZHMvdXNlci00Mi8iLCJtYXgiOjEwNDg1NzYwLCJleHAiOjE3MDAwMDM2MDAsImRsIjoxNzAwMDA0NTAwLCJiZHkiOiJqc29uIn0.60x--tLC3AAf1sDh67b6s6_55rpYZBUNCKSKsQgzE9g";

fn claims() -> TicketClaims {
    TicketClaims {
        grant_id: "g-0001".into(),
        subject: "user-42".into(),
        bucket: "examplebucket".into(),
        object: ObjectScope::Prefix("uploads/user-42/".into()),
        max_size: 10 * 1024 * 1024,
        expires_at: NOW + 3600,
        deadline: NOW + 4500,
        body_type: BodyType::Json,
    }
}

fn key(kid: &str, secret: &[u8]) -> TicketKey {
    TicketKey::new(kid, secret).unwrap()
}

fn ring(keys: &[(&str, &[u8])]) -> TicketKeyring {
    let mut ring = TicketKeyring::new();
    for (kid, secret) in keys {
        ring.insert(key(kid, secret)).unwrap();
    }
    ring
}

fn default_ring() -> TicketKeyring {
    ring(&[("k2024", SECRET)])
}

fn none() -> UploadFacts<'static> {
    UploadFacts::default()
}

/// A ticket whose MAC is valid over arbitrary claims bytes (to reach the claims checks).
fn sign_raw(kid: &str, secret: &[u8], claims_json: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = format!("v2.{kid}.{}", b64.encode(claims_json));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(head.as_bytes());
    format!("{head}.{}", b64.encode(mac.finalize().into_bytes()))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn mints_the_known_answer() {
    let ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    assert_eq!(ticket, KNOWN_TICKET);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn round_trips_and_reports_the_key() {
    let ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let facts = UploadFacts {
        bucket: Some("examplebucket"),
        object: Some("uploads/user-42/cat.png"),
        size: Some(10 * 1024 * 1024),
    };
    let verified = check(&ticket, &default_ring(), NOW, &facts).unwrap();
    assert_eq!(verified.key_id, "k2024");
    assert_eq!(verified.claims, claims());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn tickets_use_only_unreserved_characters() {
    let mut claims = claims();
    claims.object = ObjectScope::Key("dir/名前 with \"quotes\" & ? # %.png".into());
    claims.subject = "ユーザー".into();
    let ticket = mint(&claims, &key("k_2024-b", SECRET)).unwrap();
    assert!(
        ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "{ticket}"
    );
    assert_eq!(ticket.split('.').count(), 4);
    assert!(ticket.starts_with("v2.k_2024-b."));
    let verified = check(&ticket, &ring(&[("k_2024-b", SECRET)]), NOW, &none()).unwrap();
    assert_eq!(verified.claims, claims);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn claims_json_is_canonical_and_serializes_readably() {
    let json = claims().to_json();
    assert_eq!(
        json,
        r#"{"gid":"g-0001","sub":"user-42","bkt":"examplebucket","pfx":"uploads/user-42/","max":10485760,"exp":1700003600,"dl":1700004500,"bdy":"json"}"#
    );
    assert_eq!(TicketClaims::from_json(json.as_bytes()).unwrap(), claims());
    let readable = serde_json::to_value(claims()).unwrap();
    assert_eq!(
        readable,
        serde_json::json!({
            "grant_id": "g-0001",
            "subject": "user-42",
            "bucket": "examplebucket",
            "object": {"prefix": "uploads/user-42/"},
            "max_size": 10485760,
            "expires_at": 1700003600,
            "deadline": 1700004500,
            "body_type": "json"
        })
    );
    // Same claims, other spellings: refused.
    for other in [
        r#"{"sub":"user-42","gid":"g-0001","bkt":"examplebucket","pfx":"uploads/user-42/","max":10485760,"exp":1700003600,"dl":1700004500,"bdy":"json"}"#,
        r#"{"gid":"g-0001", "sub":"user-42","bkt":"examplebucket","pfx":"uploads/user-42/","max":10485760,"exp":1700003600,"dl":1700004500,"bdy":"json"}"#,
        r#"{"gid":"g-0001","sub":"user-42","bkt":"examplebucket","pfx":"uploads/user-42/","max":10485760,"exp":1700003600,"dl":1700004500,"bdy":"json","x":1}"#,
        r#"{"gid":"g-0001","gid":"g-0001","sub":"user-42","bkt":"examplebucket","pfx":"uploads/user-42/","max":10485760,"exp":1700003600,"dl":1700004500,"bdy":"json"}"#,
        r#"{"gid":"g-0001","sub":"user-42","bkt":"examplebucket","pfx":"uploads/user-42/","max":1.0485760e7,"exp":1700003600,"dl":1700004500,"bdy":"json"}"#,
    ] {
        assert!(
            matches!(
                TicketClaims::from_json(other.as_bytes()),
                Err(TicketError::Malformed { .. })
            ),
            "{other}"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn rotation_through_key_ids() {
    let old = mint(&claims(), &key("old", SECRET)).unwrap();
    let new = mint(&claims(), &key("new", OTHER_SECRET)).unwrap();
    let both = ring(&[("old", SECRET), ("new", OTHER_SECRET)]);
    assert_eq!(check(&old, &both, NOW, &none()).unwrap().key_id, "old");
    assert_eq!(check(&new, &both, NOW, &none()).unwrap().key_id, "new");
    let retired = ring(&[("new", OTHER_SECRET)]);
    assert_eq!(
        check(&old, &retired, NOW, &none()),
        Err(TicketError::UnknownKey { kid: "old".into() })
    );
    assert!(check(&new, &retired, NOW, &none()).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn wrong_secret_is_a_bad_mac() {
    let ticket = mint(&claims(), &key("k2024", OTHER_SECRET)).unwrap();
    assert_eq!(
        check(&ticket, &default_ring(), NOW, &none()),
        Err(TicketError::BadMac)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_deadline_not_the_grant_expiry_ends_a_ticket_and_is_exclusive() {
    let ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let (exp, deadline) = (claims().expires_at, claims().deadline);
    // An upload that started before the grant expired and finished after it: still valid.
    for now in [exp - 1, exp, exp + 1, deadline - 1] {
        assert!(
            check(&ticket, &default_ring(), now, &none()).is_ok(),
            "{now}"
        );
    }
    for now in [deadline, deadline + 1, i64::MAX] {
        assert_eq!(
            check(&ticket, &default_ring(), now, &none()),
            Err(TicketError::Expired { deadline, now })
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_deadline_before_the_grant_expiry_is_not_minted() {
    let mut early = claims();
    early.deadline = early.expires_at - 1;
    assert!(matches!(
        mint(&early, &key("k2024", SECRET)),
        Err(TicketError::InvalidClaims { .. })
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_body_type_is_a_signed_claim() {
    let json = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let mut form_claims = claims();
    form_claims.body_type = BodyType::Form;
    let form = mint(&form_claims, &key("k2024", SECRET)).unwrap();
    let ring = default_ring();
    assert_eq!(
        authenticate(&json, &ring, NOW).unwrap().claims.body_type,
        BodyType::Json
    );
    assert_eq!(
        authenticate(&form, &ring, NOW).unwrap().claims.body_type,
        BodyType::Form
    );
    // Swapping the claims of one ticket into the other's MAC is a bad MAC.
    let (j, f): (Vec<&str>, Vec<&str>) = (json.split('.').collect(), form.split('.').collect());
    let swapped = format!("{}.{}.{}.{}", j[0], j[1], f[2], j[3]);
    assert_eq!(authenticate(&swapped, &ring, NOW), Err(TicketError::BadMac));
    // Any other spelling of `bdy` is refused even with a valid MAC.
    for other in ["\"xml\"", "\"JSON\"", "1", "null"] {
        let raw = claims()
            .to_json()
            .replace("\"json\"}", &format!("{other}}}"));
        let ticket = sign_raw("k2024", SECRET, raw.as_bytes());
        assert!(
            matches!(
                authenticate(&ticket, &ring, NOW),
                Err(TicketError::Malformed { .. })
            ),
            "{raw}"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_version_1_ticket_is_refused_for_its_version() {
    assert_eq!(
        authenticate(V1_TICKET, &default_ring(), NOW),
        Err(TicketError::UnsupportedVersion {
            version: "v1".into()
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn authenticate_then_admits_is_check() {
    let ring = default_ring();
    let ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let verified = authenticate(&ticket, &ring, NOW).unwrap();
    let inside = UploadFacts {
        bucket: Some("examplebucket"),
        object: Some("uploads/user-42/a.png"),
        size: Some(10),
    };
    let outside = UploadFacts {
        object: Some("uploads/user-43/a.png"),
        ..inside
    };
    assert_eq!(verified.admits(&inside), Ok(()));
    assert_eq!(check(&ticket, &ring, NOW, &inside), Ok(verified.clone()));
    assert_eq!(
        verified.admits(&outside),
        Err(TicketError::ObjectMismatch {
            object: "uploads/user-43/a.png".into()
        })
    );
    assert_eq!(
        check(&ticket, &ring, NOW, &outside),
        verified.admits(&outside).map(|()| verified)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn binding_to_bucket_object_and_size() {
    let ring = default_ring();
    let prefix_ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let mut exact = claims();
    exact.object = ObjectScope::Key("uploads/user-42/a.png".into());
    let key_ticket = mint(&exact, &key("k2024", SECRET)).unwrap();

    let facts = |bucket, object, size| UploadFacts {
        bucket: Some(bucket),
        object: Some(object),
        size: Some(size),
    };
    assert_eq!(
        check(
            &prefix_ticket,
            &ring,
            NOW,
            &facts("other", "uploads/user-42/a", 1)
        ),
        Err(TicketError::BucketMismatch {
            granted: "examplebucket".into(),
            actual: "other".into()
        })
    );
    assert_eq!(
        check(
            &prefix_ticket,
            &ring,
            NOW,
            &facts("examplebucket", "uploads/user-43/a", 1)
        ),
        Err(TicketError::ObjectMismatch {
            object: "uploads/user-43/a".into()
        })
    );
    // The prefix is a byte prefix, not a path: `uploads/user-42` alone is outside it.
    assert!(
        check(
            &prefix_ticket,
            &ring,
            NOW,
            &facts("examplebucket", "uploads/user-42", 1)
        )
        .is_err()
    );
    assert!(
        check(
            &key_ticket,
            &ring,
            NOW,
            &facts("examplebucket", "uploads/user-42/a.png", 0)
        )
        .is_ok()
    );
    assert_eq!(
        check(
            &key_ticket,
            &ring,
            NOW,
            &facts("examplebucket", "uploads/user-42/a.png.exe", 0)
        ),
        Err(TicketError::ObjectMismatch {
            object: "uploads/user-42/a.png.exe".into()
        })
    );
    assert_eq!(
        check(
            &key_ticket,
            &ring,
            NOW,
            &facts(
                "examplebucket",
                "uploads/user-42/a.png",
                10 * 1024 * 1024 + 1
            )
        ),
        Err(TicketError::SizeExceeded {
            size: 10 * 1024 * 1024 + 1,
            max_size: 10 * 1024 * 1024
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn malformed_tickets() {
    let ring = default_ring();
    let good = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        String::new(),
        "v2".into(),
        format!("{}.{}.{}", parts[0], parts[1], parts[2]),
        format!("{good}.extra"),
        format!("{}.{}.{}.{}=", parts[0], parts[1], parts[2], parts[3]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], &parts[3][..40]),
        format!("{}.{}.{}.", parts[0], parts[1], parts[2]),
        format!("{}.k%32024.{}.{}", parts[0], parts[2], parts[3]),
        format!("{}..{}.{}", parts[0], parts[2], parts[3]),
        format!("{}.{}.{}.{}", parts[0], "k".repeat(33), parts[2], parts[3]),
        format!("V2.{}.{}.{}", parts[1], parts[2], parts[3]),
        format!("x1.{}.{}.{}", parts[1], parts[2], parts[3]),
        good.replace('.', "%2E"),
    ];
    for case in cases {
        let result = check(&case, &ring, NOW, &none());
        assert!(
            matches!(result, Err(TicketError::Malformed { .. })),
            "{case}: {result:?}"
        );
    }
    // Claims that are signed but not canonical, or not JSON at all.
    for raw in [&b"not json"[..], b"[]", b"{}", br#"{"gid":"g"}"#] {
        let ticket = sign_raw("k2024", SECRET, raw);
        assert!(matches!(
            check(&ticket, &ring, NOW, &none()),
            Err(TicketError::Malformed { .. })
        ));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn versions_lengths_and_unknown_keys() {
    let default = default_ring();
    let good = mint(&claims(), &key("k2024", SECRET)).unwrap();
    assert_eq!(
        check(&good.replacen("v2", "v3", 1), &default, NOW, &none()),
        Err(TicketError::UnsupportedVersion {
            version: "v3".into()
        })
    );
    let long = "v2.".to_owned() + &"a".repeat(MAX_TICKET_LEN);
    assert_eq!(
        check(&long, &default, NOW, &none()),
        Err(TicketError::TooLong {
            len: MAX_TICKET_LEN + 3
        })
    );
    assert_eq!(
        check(&good, &ring(&[("other", SECRET)]), NOW, &none()),
        Err(TicketError::UnknownKey {
            kid: "k2024".into()
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_single_character_change_is_rejected() {
    let ring = default_ring();
    let ticket = mint(&claims(), &key("k2024", SECRET)).unwrap();
    let alphabet = b"ABCZabcz0189-_.%= ";
    for index in 0..ticket.len() {
        for &replacement in alphabet {
            let mut bytes = ticket.clone().into_bytes();
            if bytes[index] == replacement {
                continue;
            }
            bytes[index] = replacement;
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(
                check(&tampered, &ring, NOW, &none()).is_err(),
                "accepted {tampered}"
            );
        }
        let mut removed = ticket.clone();
        removed.remove(index);
        assert!(check(&removed, &ring, NOW, &none()).is_err());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn mint_refuses_out_of_range_claims() {
    let k = key("k2024", SECRET);
    let with = |f: &dyn Fn(&mut TicketClaims)| {
        let mut c = claims();
        f(&mut c);
        mint(&c, &k)
    };
    let cases: [&dyn Fn(&mut TicketClaims); 7] = [
        &|c| c.grant_id.clear(),
        &|c| c.grant_id = "g".repeat(129),
        &|c| c.subject.clear(),
        &|c| c.bucket.clear(),
        &|c| c.bucket = "b".repeat(64),
        &|c| c.object = ObjectScope::Key(String::new()),
        &|c| c.object = ObjectScope::Prefix("p".repeat(1024)),
    ];
    for case in cases {
        assert!(matches!(with(case), Err(TicketError::InvalidClaims { .. })));
    }
    // An empty prefix grants the whole bucket.
    let whole = with(&|c| c.object = ObjectScope::Prefix(String::new())).unwrap();
    let facts = UploadFacts {
        object: Some("anything/at/all"),
        ..UploadFacts::default()
    };
    assert!(check(&whole, &default_ring(), NOW, &facts).is_ok());
    // Escaping can push a legal key over the ticket limit: refused, not truncated.
    let escaped = with(&|c| c.object = ObjectScope::Key("\u{1}".repeat(1000)));
    assert!(matches!(escaped, Err(TicketError::InvalidClaims { .. })));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn keys_and_keyrings() {
    assert_eq!(
        TicketKey::new("bad.kid", SECRET).unwrap_err(),
        KeyError::BadKeyId {
            kid: "bad.kid".into()
        }
    );
    assert!(matches!(
        TicketKey::new("", SECRET),
        Err(KeyError::BadKeyId { .. })
    ));
    assert_eq!(
        TicketKey::new("k", &SECRET[..31]).unwrap_err(),
        KeyError::SecretTooShort {
            kid: "k".into(),
            len: 31
        }
    );
    let ring = TicketKeyring::parse_list(
        "a:0123456789abcdef0123456789abcdef,b:with:colons-0123456789abcdef0123456789",
    )
    .unwrap();
    assert_eq!(ring.kids().collect::<Vec<_>>(), ["a", "b"]);
    let ticket = mint(
        &claims(),
        &key("b", b"with:colons-0123456789abcdef0123456789"),
    )
    .unwrap();
    assert!(check(&ticket, &ring, NOW, &none()).is_ok());
    assert!(matches!(
        TicketKeyring::parse_list(
            "a:0123456789abcdef0123456789abcdef,a:0123456789abcdef0123456789abcdef"
        ),
        Err(KeyError::DuplicateKeyId { .. })
    ));
    for bad in ["", "nocolon", "a:0123456789abcdef0123456789abcdef,"] {
        assert!(
            matches!(
                TicketKeyring::parse_list(bad),
                Err(KeyError::BadList { .. })
            ),
            "{bad}"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn debug_output_never_shows_secrets() {
    let k = key("k2024", SECRET);
    let mut ring = TicketKeyring::new();
    ring.insert(k.clone()).unwrap();
    for text in [format!("{k:?}"), format!("{ring:?}"), format!("{ring:#?}")] {
        assert!(text.contains("k2024"), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(!text.contains("48, 49, 50"), "{text}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn error_codes_are_stable_snake_case() {
    let errors = [
        (TicketError::TooLong { len: 9999 }, "ticket_too_long"),
        (TicketError::Malformed { reason: "x" }, "ticket_malformed"),
        (
            TicketError::UnsupportedVersion {
                version: "v2".into(),
            },
            "ticket_unsupported_version",
        ),
        (
            TicketError::UnknownKey { kid: "k".into() },
            "ticket_unknown_key",
        ),
        (TicketError::BadMac, "ticket_bad_mac"),
        (
            TicketError::Expired {
                deadline: 1,
                now: 2,
            },
            "ticket_expired",
        ),
        (
            TicketError::BucketMismatch {
                granted: "a".into(),
                actual: "b".into(),
            },
            "ticket_bucket_mismatch",
        ),
        (
            TicketError::ObjectMismatch { object: "o".into() },
            "ticket_object_mismatch",
        ),
        (
            TicketError::SizeExceeded {
                size: 2,
                max_size: 1,
            },
            "ticket_size_exceeded",
        ),
        (
            TicketError::InvalidClaims { reason: "x" },
            "ticket_invalid_claims",
        ),
    ];
    for (error, code) in errors {
        assert_eq!(error.code(), code);
        assert!(!error.to_string().is_empty());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn finds_the_ticket_in_a_raw_query() {
    assert_eq!(TICKET_PARAM, "oss_edge_ticket");
    assert_eq!(
        find_in_query("a=1&oss_edge_ticket=v1.k.c.m&b=%20"),
        Ok(Some("v1.k.c.m"))
    );
    assert_eq!(
        find_in_query("?oss_edge_ticket=v1.k.c.m"),
        Ok(Some("v1.k.c.m"))
    );
    assert_eq!(find_in_query("oss_edge_ticket"), Ok(Some("")));
    assert_eq!(find_in_query(""), Ok(None));
    assert_eq!(
        find_in_query("x_oss_edge_ticket=1&oss_edge_ticketx=2"),
        Ok(None)
    );
    // Not decoded: an encoded name is a different name.
    assert_eq!(find_in_query("oss%5Fedge_ticket=1"), Ok(None));
    assert!(matches!(
        find_in_query("oss_edge_ticket=a&oss_edge_ticket=b"),
        Err(TicketError::Malformed { .. })
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn appends_the_ticket_to_a_callback_url() {
    assert_eq!(
        append_to_url("https://cb.example.com/oss", "T"),
        "https://cb.example.com/oss?oss_edge_ticket=T"
    );
    assert_eq!(
        append_to_url("https://cb.example.com/oss?app=1", "T"),
        "https://cb.example.com/oss?app=1&oss_edge_ticket=T"
    );
    assert_eq!(
        append_to_url("https://cb.example.com/oss?", "T"),
        "https://cb.example.com/oss?oss_edge_ticket=T"
    );
    let url = append_to_url("https://cb.example.com/oss?app=1", KNOWN_TICKET);
    let query = url.split_once('?').unwrap().1;
    assert_eq!(find_in_query(query), Ok(Some(KNOWN_TICKET)));
}
