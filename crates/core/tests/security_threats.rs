//! One test per item of SECURITY.md's threat model that the core decides, named after it.
//! (Worker-level items — fail-closed configuration, queue faults, CORS — are tested against
//! the running Workers in tests/callback-worker and tests/signer-worker.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::{
    CallbackRequest, TrustedKeys, VerifyError, VerifyOptions, parse_body, verify,
};
use oss_edge_core::confirm::{ObjectFacts, event_id};
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::sign::Credentials;
use oss_edge_core::ticket::{
    ObjectScope, TicketClaims, TicketError, TicketKey, TicketKeyring, UploadFacts, append_to_url,
    check, find_in_query, mint,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const TICKET_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_700_000_000;

fn keyring() -> (TicketKey, TicketKeyring) {
    let key = TicketKey::new("k1", TICKET_SECRET.to_vec()).unwrap();
    let mut ring = TicketKeyring::new();
    ring.insert(key.clone()).unwrap();
    (key, ring)
}

fn alice_ticket() -> String {
    let claims = TicketClaims {
        grant_id: "g1".into(),
        subject: "alice".into(),
        bucket: "b".into(),
        object: ObjectScope::Prefix("uploads/alice/".into()),
        max_size: 1000,
        expires_at: NOW + 300,
        deadline: NOW + 300,
        body_type: oss_edge_core::ticket::BodyType::Json,
    };
    mint(&claims, &keyring().0).unwrap()
}

fn keys() -> TrustedKeys {
    let mut keys = TrustedKeys::oss();
    keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    keys
}

/// A callback for `object` to `path`, carrying alice's ticket, signed like OSS.
fn callback(path: &str, object: &str) -> (String, String, String) {
    let target = append_to_url(path, &alice_ticket());
    let body = format!("bucket=b&object={object}&size=10&reqId=R-{object}");
    let authorization = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM)
        .unwrap()
        .sign(target.as_bytes(), body.as_bytes())
        .unwrap();
    (target, body, authorization)
}

fn verify_at(target: &str, body: &str, authorization: &str) -> Result<(), VerifyError> {
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let headers = [
        ("authorization", authorization),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    let request = CallbackRequest {
        target: target.as_bytes(),
        headers: &headers,
        body: body.as_bytes(),
    };
    verify(&request, &keys(), &VerifyOptions::default()).map(|_| ())
}

fn ticket_check(target: &str, object: &str, now: i64) -> Result<(), TicketError> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let ticket = find_in_query(query)?.expect("ticket present");
    let facts = UploadFacts {
        bucket: Some("b"),
        object: Some(object),
        size: Some(10),
    };
    check(ticket, &keyring().1, now, &facts).map(|_| ())
}

#[test]
fn replay_to_another_path_is_rejected() {
    let (target, body, authorization) = callback("/oss/callback", "uploads/alice/a.png");
    assert_eq!(verify_at(&target, &body, &authorization), Ok(()));
    let elsewhere = target.replacen("/oss/callback", "/oss/other", 1);
    assert_eq!(
        verify_at(&elsewhere, &body, &authorization),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn replay_for_another_object_is_rejected() {
    let (target, body, authorization) = callback("/oss/callback", "uploads/alice/a.png");
    let other = body.replace("a.png", "b.png");
    assert_eq!(
        verify_at(&target, &other, &authorization),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn replay_after_the_tickets_expiry_is_rejected() {
    let (target, body, authorization) = callback("/oss/callback", "uploads/alice/a.png");
    assert_eq!(
        verify_at(&target, &body, &authorization),
        Ok(()),
        "OSS's signature never expires"
    );
    assert_eq!(ticket_check(&target, "uploads/alice/a.png", NOW), Ok(()));
    assert!(matches!(
        ticket_check(&target, "uploads/alice/a.png", NOW + 300),
        Err(TicketError::Expired { .. })
    ));
}

#[test]
fn a_replayed_callback_keeps_its_event_id_whatever_the_unsigned_headers_say() {
    let (target, body, authorization) = callback("/oss/callback", "uploads/alice/a.png");
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let ids: Vec<String> = [
        ("REQ-ORIGINAL", "application/x-www-form-urlencoded"),
        ("REQ-FORGED-BY-REPLAYER", "application/json"),
    ]
    .iter()
    .map(|(request_id, content_type)| {
        let headers = [
            ("authorization", authorization.as_str()),
            ("x-oss-pub-key-url", key_url.as_str()),
            ("x-oss-request-id", *request_id),
            ("content-type", *content_type),
        ];
        let request = CallbackRequest {
            target: target.as_bytes(),
            headers: &headers,
            body: body.as_bytes(),
        };
        let verified = verify(&request, &keys(), &VerifyOptions::default()).unwrap();
        // The ticket's body type decides how the body is read, not the header.
        let parsed = parse_body(&verified, &request, Some(BodyType::Form));
        ObjectFacts::from_claims(parsed.claimed())
            .unwrap()
            .event_id()
    })
    .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], event_id("b", "uploads/alice/a.png", "", None));
}

/// With OSS's 512-bit key factored, an attacker can sign any callback; the ticket still
/// confines what it can claim: alice's grant never covers bob's objects.
#[test]
fn a_grant_for_one_subject_cannot_cover_another() {
    let (target, _, _) = callback("/oss/callback", "uploads/alice/a.png");
    assert_eq!(ticket_check(&target, "uploads/alice/a.png", NOW), Ok(()));
    for bob in [
        "uploads/bob/a.png",
        "uploads/alice",
        "uploads/alice-evil/a.png",
        "uploads/ALICE/a.png",
    ] {
        assert!(
            matches!(
                ticket_check(&target, bob, NOW),
                Err(TicketError::ObjectMismatch { .. })
            ),
            "{bob}"
        );
    }
    // A forged ticket (another secret) is refused before its claims are read.
    let forged_key = TicketKey::new("k1", b"another-secret-another-secret-xx".to_vec()).unwrap();
    let claims = TicketClaims {
        grant_id: "g2".into(),
        subject: "mallory".into(),
        bucket: "b".into(),
        object: ObjectScope::Prefix(String::new()),
        max_size: u64::MAX,
        expires_at: i64::MAX,
        deadline: i64::MAX,
        body_type: oss_edge_core::ticket::BodyType::Json,
    };
    let forged = mint(&claims, &forged_key).unwrap();
    let facts = UploadFacts {
        bucket: Some("b"),
        object: Some("uploads/bob/a.png"),
        size: Some(1),
    };
    assert!(matches!(
        check(&forged, &keyring().1, NOW, &facts),
        Err(TicketError::BadMac)
    ));
}

#[test]
fn oversized_headers_are_refused_before_any_rsa_work() {
    let c = valid_vectors()[0].clone();
    let huge_signature = base64_encode(&vec![7u8; 1 << 20]);
    let key_url = c.header("x-oss-pub-key-url").to_owned();
    let headers = [
        ("authorization", huge_signature.as_str()),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    let request = CallbackRequest {
        target: c.target.as_bytes(),
        headers: &headers,
        body: &c.body,
    };
    assert_eq!(
        verify(&request, &TrustedKeys::oss(), &VerifyOptions::default()).map(|_| ()),
        Err(VerifyError::SignatureLength {
            expected: 64,
            actual: 1 << 20
        })
    );
    let huge_url =
        base64_encode(format!("https://gosspublic.alicdn.com/{}", "a".repeat(1 << 20)).as_bytes());
    let auth = c.header("authorization").to_owned();
    let headers = [
        ("authorization", auth.as_str()),
        ("x-oss-pub-key-url", huge_url.as_str()),
    ];
    let request = CallbackRequest {
        target: c.target.as_bytes(),
        headers: &headers,
        body: &c.body,
    };
    assert!(matches!(
        verify(&request, &TrustedKeys::oss(), &VerifyOptions::default()),
        Err(VerifyError::UntrustedKeyUrl { .. })
    ));
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let credentials = Credentials::new("AKID-visible", "SECRET-never-shown")
        .with_security_token("TOKEN-never-shown");
    let text = format!("{credentials:?}");
    assert!(
        text.contains("AKID-visible")
            && !text.contains("SECRET-never-shown")
            && !text.contains("TOKEN-never-shown"),
        "{text}"
    );
    let key = TicketKey::new("k1", b"ticket-secret-never-shown-000000".to_vec()).unwrap();
    assert!(!format!("{key:?}").contains("ticket-secret-never-shown"));
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    assert!(!format!("{signer:?}").contains("PRIVATE"));
}

/// SECURITY.md must only name tests that exist: every `snake_case` name in its "Tested by"
/// column is a test function somewhere in the repository (native only: reads files).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn security_md_names_only_existing_tests() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let mut sources = String::new();
    let mut stack = vec![root.join("crates"), root.join("tests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir()
                && !matches!(
                    name.as_str(),
                    "target" | "node_modules" | "build" | "corpus"
                )
            {
                stack.push(path);
            } else if name.ends_with(".rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut named = 0;
    for row in doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.matches('|').count() >= 5)
    {
        let tested_by = row.rsplit('|').nth(1).unwrap_or("");
        for name in tested_by.split('`').skip(1).step_by(2) {
            let is_test_name = name.contains('_')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            let is_fuzz_target = sources.is_empty()
                || root
                    .join("crates/core/fuzz/fuzz_targets")
                    .join(format!("{name}.rs"))
                    .exists();
            if is_test_name && !is_fuzz_target {
                named += 1;
                assert!(
                    sources.contains(&format!("fn {name}(")),
                    "SECURITY.md names a test that does not exist: {name}"
                );
            }
        }
    }
    assert!(
        named >= 20,
        "expected the threat table's tests, found {named}"
    );
}
