//! The runtime's `BigInt` arithmetic agrees with the core's software arithmetic on every key
//! size the tests have (OSS's 512-bit key, a 512-bit and a 1024-bit test key), and real
//! OSS-signed callbacks verify with it exactly as their vectors say. Runs in Node
//! (`cargo test -p oss-edge-worker-support --target wasm32-unknown-unknown`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::rsa_key::{RsaPublicKey, RsaPublicOp};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::software_rsa::SOFTWARE_RSA;
use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyError, VerifyOptions, verify};
use oss_edge_core::encoding::base64_encode;
use oss_edge_worker_support::bigint_rsa::BIGINT_RSA;
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test as test;

const REAL_VECTORS: &str = include_str!("../../../tests/vectors/oss-callback-real.json");
const TEST_KEY_PEM: &str = include_str!("../../../tests/keys/test-callback-key.pem");
const TEST_PUB_PEM: &str = include_str!("../../../tests/keys/test-callback-key.pub.pem");
const TEST_512_PUB_PEM: &str = include_str!("../../../tests/keys/test-512-key.pub.pem");
const TEST_KEY_URL: &str = "http://127.0.0.1:9000/oss-sim/callback_pub_key.pem";

fn keys_under_test() -> Vec<RsaPublicKey> {
    let mut keys = TrustedKeys::empty();
    keys.add_pem("a", TEST_PUB_PEM).unwrap();
    keys.add_pem("b", TEST_512_PUB_PEM).unwrap();
    let oss = TrustedKeys::oss();
    keys.iter()
        .chain(oss.iter().take(1))
        .map(|k| k.key.clone())
        .collect()
}

/// Deterministic values below `n`: pseudo-random bytes with the top byte cleared, and the
/// edge cases 0, 1 and n − 1.
fn samples(key: &RsaPublicKey) -> Vec<Vec<u8>> {
    let size = key.size();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out: Vec<Vec<u8>> = (0..24)
        .map(|_| {
            let mut s: Vec<u8> = (0..size)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            s[0] = 0;
            s
        })
        .collect();
    let mut one = vec![0u8; size];
    one[size - 1] = 1;
    let mut n_minus_1 = key.modulus().to_vec();
    n_minus_1[size - 1] -= 1; // n is odd
    out.extend([vec![0u8; size], one, n_minus_1]);
    out
}

#[test]
fn bigint_and_software_arithmetic_agree() {
    for key in keys_under_test() {
        for s in samples(&key) {
            let expected = SOFTWARE_RSA.public_op(&key, &s).unwrap();
            assert_eq!(
                BIGINT_RSA.public_op(&key, &s),
                Some(expected),
                "{}-byte key",
                key.size()
            );
        }
    }
}

#[test]
fn real_vectors_verify_as_they_say_with_bigint_arithmetic() {
    let doc: Value = serde_json::from_str(REAL_VECTORS).unwrap();
    let keys = TrustedKeys::oss_with(&BIGINT_RSA);
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 4);
    for v in vectors {
        let headers: Vec<(&str, &str)> = v["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str().unwrap()))
            .collect();
        let request = CallbackRequest {
            target: v["request_target"].as_str().unwrap().as_bytes(),
            headers: &headers,
            body: v["body"].as_str().unwrap().as_bytes(),
        };
        let result = verify(&request, &keys, &VerifyOptions::default());
        let name = v["name"].as_str().unwrap();
        if v["expect_valid"].as_bool().unwrap() {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            assert!(result.is_err(), "{name}");
        }
    }
}

#[test]
fn signatures_of_the_1024_bit_test_key_verify_and_tampering_fails() {
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    let mut keys = TrustedKeys::oss_with(&BIGINT_RSA);
    keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    let body = b"bucket=b&object=o.txt&size=3";
    let authorization = signer.sign(b"/cb?x=1", body).unwrap();
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let headers = [
        ("authorization", authorization.as_str()),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    let check = |body: &[u8]| {
        let request = CallbackRequest {
            target: b"/cb?x=1",
            headers: &headers,
            body,
        };
        verify(&request, &keys, &VerifyOptions::default()).map(|_| ())
    };
    assert_eq!(check(body), Ok(()));
    assert_eq!(
        check(b"bucket=b&object=o.txt&size=4"),
        Err(VerifyError::SignatureMismatch)
    );
}
