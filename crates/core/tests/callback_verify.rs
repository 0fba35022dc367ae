//! Callback verification against real OSS-signed requests and every way a request can be wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::keys::{OSS_CALLBACK_KEY_PEM, OSS_CALLBACK_KEY_URLS};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::callback::{TrustedKeys, VerifyError, VerifyOptions, verify};
use oss_edge_core::encoding::{base64_decode, base64_encode};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn check(c: &Captured) -> Result<(), VerifyError> {
    with_request(c, |r| {
        verify(r, &TrustedKeys::oss(), &VerifyOptions::default()).map(|_| ())
    })
}

fn test_keys() -> TrustedKeys {
    let mut keys = TrustedKeys::oss();
    keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    keys
}

/// A request signed by the test key, as the local OSS stand-in would send it.
fn signed(target: &str, body: &str) -> Captured {
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    Captured {
        name: format!("test-signed {target}"),
        target: target.to_owned(),
        headers: vec![
            (
                "authorization".into(),
                signer.sign(target.as_bytes(), body.as_bytes()).unwrap(),
            ),
            (
                "x-oss-pub-key-url".into(),
                base64_encode(TEST_KEY_URL.as_bytes()),
            ),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        body: body.as_bytes().to_vec(),
        expect_valid: true,
    }
}

#[test]
fn real_oss_vectors_verify_and_negatives_fail() {
    let vectors = real_vectors();
    assert!(vectors.len() >= 4);
    for c in &vectors {
        let result = check(c);
        if c.expect_valid {
            assert_eq!(result, Ok(()), "{}", c.name);
        } else {
            assert_eq!(result, Err(VerifyError::SignatureMismatch), "{}", c.name);
        }
    }
}

#[test]
fn compiled_in_key_is_the_vector_files_key() {
    let doc: serde_json::Value = serde_json::from_str(REAL_VECTORS).unwrap();
    assert_eq!(
        doc["public_key_pem"].as_str().unwrap().trim(),
        OSS_CALLBACK_KEY_PEM.trim()
    );
}

#[test]
fn doc_vector_string_to_sign_is_exact() {
    let t = RequestTarget::split(b"/index.php?id=1&index=2");
    assert_eq!(
        string_to_sign(&t, b"bucket=yonghu-test"),
        b"/index.php?id=1&index=2\nbucket=yonghu-test"
    );
}

#[test]
fn header_names_are_case_insensitive_and_values_trimmed() {
    let mut c = valid_vectors()[1].clone();
    let auth = c.header("authorization").to_owned();
    let url = c.header("x-oss-pub-key-url").to_owned();
    c.headers.clear();
    c.set_header("Authorization", &format!(" {auth} "));
    c.set_header("X-Oss-Pub-Key-Url", &url);
    assert_eq!(check(&c), Ok(()));
}

#[test]
fn missing_headers() {
    for name in ["authorization", "x-oss-pub-key-url"] {
        let mut c = valid_vectors()[0].clone();
        c.headers.retain(|(n, _)| n != name);
        assert_eq!(
            check(&c),
            Err(VerifyError::MissingHeader {
                name: if name == "authorization" {
                    "authorization"
                } else {
                    "x-oss-pub-key-url"
                }
            })
        );
        c.set_header(name, "");
        assert!(
            matches!(check(&c), Err(VerifyError::MissingHeader { .. })),
            "empty {name}"
        );
    }
}

#[test]
fn repeated_headers() {
    for name in ["authorization", "x-oss-pub-key-url"] {
        let mut c = valid_vectors()[0].clone();
        let value = c.header(name).to_owned();
        c.headers.push((name.to_ascii_uppercase(), value));
        assert!(
            matches!(check(&c), Err(VerifyError::RepeatedHeader { .. })),
            "{name}"
        );
    }
}

#[test]
fn bad_base64() {
    let mut c = valid_vectors()[0].clone();
    c.set_header("authorization", "not base64!");
    assert_eq!(
        check(&c),
        Err(VerifyError::InvalidBase64 {
            name: "authorization"
        })
    );
    let mut c = valid_vectors()[0].clone();
    c.set_header(
        "x-oss-pub-key-url",
        "aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ",
    ); // no padding
    assert_eq!(
        check(&c),
        Err(VerifyError::InvalidBase64 {
            name: "x-oss-pub-key-url"
        })
    );
}

#[test]
fn hostile_key_urls_are_rejected_never_fetched() {
    let hostile = [
        "https://evil.example/callback_pub_key_v1.pem",
        "http://gosspublic.alicdn.com.evil.example/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com@evil.example/callback_pub_key_v1.pem",
        "https://user:pw@gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/callback_pub_key_v2.pem",
        "https://gosspublic.alicdn.com/other/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem?x=1",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem#frag",
        "https://gosspublic.alicdn.com/callback_pub_key_v1%2Epem",
        "https://gosspublic.alicdn.com/%63allback_pub_key_v1.pem",
        "HTTPS://GOSSPUBLIC.ALICDN.COM/callback_pub_key_v1.pem",
        "https://GossPublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem ",
        " https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem\n",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem\0",
        "https://gosspublic.alicdn.com:443/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com./callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com//callback_pub_key_v1.pem",
        "//gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "",
    ];
    for url in hostile {
        let mut c = valid_vectors()[1].clone();
        c.set_header("x-oss-pub-key-url", &base64_encode(url.as_bytes()));
        let result = check(&c);
        if url.is_empty() {
            // Base64 of nothing is an empty header value.
            assert_eq!(
                result,
                Err(VerifyError::MissingHeader {
                    name: "x-oss-pub-key-url"
                })
            );
        } else {
            assert_eq!(
                result,
                Err(VerifyError::UntrustedKeyUrl {
                    url: url.to_owned()
                }),
                "{url:?}"
            );
        }
    }
    // Both official URLs select the compiled-in key.
    for url in OSS_CALLBACK_KEY_URLS {
        let mut c = valid_vectors()[1].clone();
        c.set_header("x-oss-pub-key-url", &base64_encode(url.as_bytes()));
        assert_eq!(check(&c), Ok(()), "{url}");
    }
}

#[test]
fn a_configured_key_only_works_under_its_own_url() {
    let c = signed("/cb?t=abc", "bucket=b&object=o");
    let verify_with = |keys: &TrustedKeys, c: &Captured| {
        with_request(c, |r| {
            verify(r, keys, &VerifyOptions::default()).map(|v| v.builtin_key)
        })
    };
    assert_eq!(verify_with(&test_keys(), &c), Ok(false));
    assert!(matches!(
        verify_with(&TrustedKeys::oss(), &c),
        Err(VerifyError::UntrustedKeyUrl { .. })
    ));
    // The test key's signature presented under OSS's URL is checked against OSS's key and fails.
    let mut under_oss_url = c.clone();
    under_oss_url.set_header(
        "x-oss-pub-key-url",
        &base64_encode(OSS_CALLBACK_KEY_URLS[1].as_bytes()),
    );
    assert_eq!(
        verify_with(&test_keys(), &under_oss_url),
        Err(VerifyError::SignatureLength {
            expected: 64,
            actual: 128
        })
    );
}

#[test]
fn wrong_signature_length() {
    for len in [0usize, 1, 63, 65, 128] {
        let mut c = valid_vectors()[0].clone();
        let sig = vec![0x5a; len];
        c.set_header("authorization", &base64_encode(&sig));
        let result = check(&c);
        if len == 0 {
            assert_eq!(
                result,
                Err(VerifyError::MissingHeader {
                    name: "authorization"
                })
            );
        } else {
            assert_eq!(
                result,
                Err(VerifyError::SignatureLength {
                    expected: 64,
                    actual: len
                }),
                "{len}"
            );
        }
    }
}

#[test]
fn body_over_the_cap_is_refused_first() {
    let c = valid_vectors()[1].clone();
    let options = VerifyOptions {
        max_body_bytes: c.body.len() - 1,
    };
    let result = with_request(&c, |r| verify(r, &TrustedKeys::oss(), &options).map(|_| ()));
    assert_eq!(
        result,
        Err(VerifyError::BodyTooLarge {
            limit: c.body.len() - 1,
            actual: c.body.len()
        })
    );
    let exact = VerifyOptions {
        max_body_bytes: c.body.len(),
    };
    assert!(with_request(&c, |r| verify(r, &TrustedKeys::oss(), &exact).is_ok()));
    // Even without any headers, a huge body is refused for its size.
    let mut bare = c.clone();
    bare.headers.clear();
    bare.body = vec![b'a'; oss_edge_core::callback::verify::DEFAULT_MAX_BODY_BYTES + 1];
    assert!(matches!(
        check(&bare),
        Err(VerifyError::BodyTooLarge { .. })
    ));
}

#[test]
fn target_must_be_origin_form() {
    for target in [
        "",
        "index.php?id=1&index=2",
        "http://host/index.php?id=1&index=2",
        "*",
    ] {
        let mut c = valid_vectors()[0].clone();
        c.target = target.to_owned();
        assert_eq!(check(&c), Err(VerifyError::InvalidTarget), "{target:?}");
    }
}

#[test]
fn tampered_path_query_body_fail() {
    let base = valid_vectors()[0].clone();
    let variants: Vec<(&str, Captured)> = vec![
        ("path", {
            let mut c = base.clone();
            c.target = "/index.PHP?id=1&index=2".into();
            c
        }),
        ("query dropped", {
            let mut c = base.clone();
            c.target = "/index.php".into();
            c
        }),
        ("query reordered", {
            let mut c = base.clone();
            c.target = "/index.php?index=2&id=1".into();
            c
        }),
        ("query value", {
            let mut c = base.clone();
            c.target = "/index.php?id=2&index=2".into();
            c
        }),
        ("empty query added", {
            let mut c = base.clone();
            c.target = "/index.php?id=1&index=2&".into();
            c
        }),
        ("prefix added", {
            let mut c = base.clone();
            c.target = "/api/index.php?id=1&index=2".into();
            c
        }),
        ("body", {
            let mut c = base.clone();
            c.body = b"bucket=yonghu-tesT".to_vec();
            c
        }),
        ("body trailing newline", {
            let mut c = base.clone();
            c.body.push(b'\n');
            c
        }),
        ("body empty", {
            let mut c = base.clone();
            c.body.clear();
            c
        }),
    ];
    for (what, c) in variants {
        assert_eq!(check(&c), Err(VerifyError::SignatureMismatch), "{what}");
    }
}

#[test]
fn path_is_decoded_once_plus_kept_query_exact() {
    let keys = test_keys();
    let ok =
        |c: &Captured| with_request(c, |r| verify(r, &keys, &VerifyOptions::default()).is_ok());
    // Signed over what OSS would sign for this target: the decoded path.
    let c = signed("/cb/a%20b%2Bc+d%2541/%zz?q=%2F+x&t=1", "x");
    assert!(ok(&c));
    // The same decoded path written differently on the wire still verifies (OSS signs the
    // decoded form), but decoding twice, or reading + as space, does not.
    let mut alt = c.clone();
    alt.target = "/cb/a b+c+d%2541/%zz?q=%2F+x&t=1".into();
    assert!(ok(&alt), "equivalent encoding");
    for bad in [
        "/cb/a%20b%2Bc+d%41/%zz?q=%2F+x&t=1",
        "/cb/a%20b%2Bc%20d%2541/%zz?q=%2F+x&t=1",
        "/cb/a%20b%2Bc+d%2541/%zz?q=/+x&t=1",
        "/cb/a%20b%2Bc+d%2541/%zz?q=%2f+x&t=1",
    ] {
        let mut t = c.clone();
        t.target = bad.into();
        assert!(!ok(&t), "{bad}");
    }
}

/// Exhaustive single-byte property over the real vectors: verification accepts a changed
/// request exactly when the change leaves the signed string (and signature) unchanged.
#[test]
fn every_single_byte_change_is_caught() {
    for base in valid_vectors() {
        let original_sts =
            string_to_sign(&RequestTarget::split(base.target.as_bytes()), &base.body);
        for i in 0..base.target.len() {
            for delta in [1u8, 0x20, 0x80] {
                let mut bytes = base.target.clone().into_bytes();
                bytes[i] ^= delta;
                let Ok(target) = String::from_utf8(bytes) else {
                    continue;
                };
                let mut c = base.clone();
                c.target = target;
                let same = string_to_sign(&RequestTarget::split(c.target.as_bytes()), &c.body)
                    == original_sts;
                assert_eq!(
                    check(&c).is_ok(),
                    same && c.target.starts_with('/'),
                    "{} target byte {i}",
                    base.name
                );
            }
        }
        for i in 0..base.body.len() {
            let mut c = base.clone();
            c.body[i] ^= 1;
            assert_eq!(
                check(&c),
                Err(VerifyError::SignatureMismatch),
                "{} body byte {i}",
                base.name
            );
        }
        let signature = base64_decode(base.header("authorization")).unwrap();
        for i in 0..signature.len() {
            let mut tampered = signature.clone();
            tampered[i] ^= 0x01;
            let mut c = base.clone();
            c.set_header("authorization", &base64_encode(&tampered));
            assert_eq!(
                check(&c),
                Err(VerifyError::SignatureMismatch),
                "{} signature byte {i}",
                base.name
            );
        }
    }
}

#[test]
fn error_codes_are_stable() {
    let codes: Vec<&str> = [
        VerifyError::BodyTooLarge {
            limit: 1,
            actual: 2,
        },
        VerifyError::InvalidTarget,
        VerifyError::MissingHeader {
            name: "authorization",
        },
        VerifyError::RepeatedHeader {
            name: "authorization",
        },
        VerifyError::InvalidBase64 {
            name: "authorization",
        },
        VerifyError::UntrustedKeyUrl { url: String::new() },
        VerifyError::SignatureLength {
            expected: 64,
            actual: 1,
        },
        VerifyError::SignatureMismatch,
    ]
    .iter()
    .map(VerifyError::code)
    .collect();
    assert_eq!(
        codes,
        [
            "body_too_large",
            "invalid_target",
            "missing_header",
            "repeated_header",
            "invalid_base64",
            "untrusted_key_url",
            "signature_length",
            "signature_mismatch"
        ]
    );
}

/// Property: verification accepts a changed request exactly when the change leaves the signed
/// string and the signature unchanged (random targets, bodies and mutations; native only).
#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::common::*;
    use oss_edge_core::callback::signing::CallbackSigner;
    use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
    use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, verify};
    use oss_edge_core::encoding::{base64_decode, base64_encode};
    use proptest::prelude::*;

    fn keys() -> TrustedKeys {
        let mut keys = TrustedKeys::empty();
        keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
        keys
    }

    fn accepts(target: &[u8], authorization: &str, body: &[u8]) -> bool {
        let key_url = base64_encode(TEST_KEY_URL.as_bytes());
        let headers = [
            ("authorization", authorization),
            ("x-oss-pub-key-url", key_url.as_str()),
        ];
        verify(
            &CallbackRequest {
                target,
                headers: &headers,
                body,
            },
            &keys(),
            &VerifyOptions::default(),
        )
        .is_ok()
    }

    fn target_strategy() -> impl Strategy<Value = Vec<u8>> {
        "/[a-zA-Z0-9%+ ._~/-]{0,40}(\\?[a-zA-Z0-9%+=&._~-]{0,40})?".prop_map(String::into_bytes)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_change_to_target_body_or_signature_is_caught(
            target in target_strategy(),
            body in proptest::collection::vec(any::<u8>(), 0..200),
            which in 0usize..3,
            position in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
            let authorization = signer.sign(&target, &body).unwrap();
            prop_assert!(accepts(&target, &authorization, &body));

            let (mut t, mut b, mut sig) = (target.clone(), body.clone(), base64_decode(&authorization).unwrap());
            match which {
                0 if !t.is_empty() => { let i = position.index(t.len()); t[i] ^= flip; }
                1 if !b.is_empty() => { let i = position.index(b.len()); b[i] ^= flip; }
                _ => { let i = position.index(sig.len()); sig[i] ^= flip; }
            }
            let same_message = t.first() == Some(&b'/')
                && string_to_sign(&RequestTarget::split(&t), &b) == string_to_sign(&RequestTarget::split(&target), &body);
            let same_signature = base64_encode(&sig) == authorization;
            prop_assert_eq!(accepts(&t, &base64_encode(&sig), &b), same_message && same_signature);
        }
    }
}
