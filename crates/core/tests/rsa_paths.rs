//! The core's RSASSA-PKCS1-v1_5 check, with the software `s^e mod n` (fixed-width for 512-bit
//! keys), agrees with the `rsa` crate's complete verification, and the fixed-width arithmetic
//! agrees with the general one: on the real OSS vectors, on signatures made with a 512-bit
//! test key, and on garbage.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U512};
use md5::{Digest as _, Md5};
use oss_edge_core::callback::keys::TrustedKey;
use oss_edge_core::callback::software_rsa::{Rsa512, general_public_op};
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::callback::verify::{check_signature, check_signature_general};
use oss_edge_core::callback::{TrustedKeys, VerifyError};
use oss_edge_core::encoding::base64_decode;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const TEST_512_PUB_PEM: &str = include_str!("../../../tests/keys/test-512-key.pub.pem");
const TEST_512_URL: &str = "http://127.0.0.1:9000/test-512.pem";
/// Modulus and private exponent of tests/keys/test-512-key.pem (`openssl rsa -text`).
const TEST_512_N: &str = "c24b21fdfcb2c05bc6bf448c30644c886ee01f28b8a8d4bb7627cd705694606462c123b1643ff165cc09f220375a57722c48ba8fe64f54fc30d32fb476fddccd";
const TEST_512_D: &str = "4586130cca8ec00c572afc015a1399db3c29909cc6af0b2865584ac8070323164923a0f9829c8ffdd0933a8577c2aec8b71ec5f88fcecc2f54a6d4989ae80061";

fn test_512_key() -> TrustedKey {
    let mut keys = TrustedKeys::empty();
    keys.add_pem(TEST_512_URL, TEST_512_PUB_PEM).unwrap();
    keys.find(TEST_512_URL.as_bytes()).unwrap().clone()
}

/// RSASSA-PKCS1-v1_5 / MD5 signing with the raw private exponent.
fn sign_512(message: &[u8]) -> Vec<u8> {
    let n = U512::from_be_hex(TEST_512_N);
    let d = U512::from_be_hex(TEST_512_D);
    let digest = Md5::digest(message);
    let mut em = vec![0xffu8; 64];
    em[0] = 0;
    em[1] = 1;
    em[64 - 35] = 0;
    em[64 - 34..64 - 16].copy_from_slice(&[
        0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05,
        0x00, 0x04, 0x10,
    ]);
    em[64 - 16..].copy_from_slice(&digest);
    let params = FixedMontyParams::new_vartime(Odd::new(n).unwrap());
    let m = FixedMontyForm::new(&U512::from_be_slice(&em), &params);
    m.pow(&d).retrieve().to_be_bytes().as_ref().to_vec()
}

fn both(
    key: &TrustedKey,
    message: &[u8],
    signature: &[u8],
) -> (Result<(), VerifyError>, Result<(), VerifyError>) {
    (
        check_signature(key, message, signature),
        check_signature_general(key, message, signature),
    )
}

#[test]
fn the_oss_key_and_the_test_key_take_the_fast_path() {
    let oss = TrustedKeys::oss();
    let oss_key = oss.iter().next().unwrap();
    assert!(Rsa512::new(&oss_key.key).is_some());
    assert!(Rsa512::new(&test_512_key().key).is_some());
    let mut other = TrustedKeys::empty();
    other.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    assert!(
        Rsa512::new(&other.iter().next().unwrap().key).is_none(),
        "1024-bit keys use the general path"
    );
}

#[test]
fn fixed_width_and_general_arithmetic_agree() {
    let key = test_512_key();
    let fixed = Rsa512::new(&key.key).unwrap();
    for seed in 0u8..40 {
        let mut s: Vec<u8> = (0..64u8)
            .map(|i| i.wrapping_mul(31).wrapping_add(seed.wrapping_mul(97)))
            .collect();
        s[0] &= 0x7f; // below n, whose top byte is 0xc2
        let general = general_public_op(&key.key, &s).unwrap();
        assert_eq!(
            fixed.public_op(&s).unwrap().to_vec(),
            general,
            "seed {seed}"
        );
    }
    let signature = sign_512(b"m");
    assert_eq!(
        fixed.public_op(&signature).unwrap().to_vec(),
        general_public_op(&key.key, &signature).unwrap()
    );
}

#[test]
fn real_vectors_agree_on_both_paths() {
    let oss = TrustedKeys::oss();
    for c in real_vectors() {
        let key = oss
            .find(&base64_decode(c.header("x-oss-pub-key-url")).unwrap())
            .unwrap();
        let message = string_to_sign(&RequestTarget::split(c.target.as_bytes()), &c.body);
        let signature = base64_decode(c.header("authorization")).unwrap();
        let (fast, general) = both(key, &message, &signature);
        assert_eq!(fast, general, "{}", c.name);
        assert_eq!(fast.is_ok(), c.expect_valid, "{}", c.name);
    }
}

#[test]
fn test_key_signatures_agree_and_every_bit_flip_is_rejected() {
    let key = test_512_key();
    for len in [0usize, 1, 17, 63, 64, 65, 300] {
        let message: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let signature = sign_512(&message);
        assert_eq!(
            both(&key, &message, &signature),
            (Ok(()), Ok(())),
            "len {len}"
        );
        for bit in (0..512).step_by(13) {
            let mut bad = signature.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let (fast, general) = both(&key, &message, &bad);
            assert_eq!(fast, general, "len {len} bit {bit}");
            assert_eq!(fast, Err(VerifyError::SignatureMismatch));
        }
        let mut other = message.clone();
        other.push(b'!');
        assert_eq!(
            both(&key, &other, &signature),
            (
                Err(VerifyError::SignatureMismatch),
                Err(VerifyError::SignatureMismatch)
            )
        );
    }
}

#[test]
fn out_of_range_and_degenerate_signatures_are_rejected_by_both() {
    let key = test_512_key();
    let n = U512::from_be_hex(TEST_512_N)
        .to_be_bytes()
        .as_ref()
        .to_vec();
    let mut n_plus_1 = n.clone();
    n_plus_1[63] += 1;
    for signature in [n.clone(), n_plus_1, vec![0u8; 64], vec![0xff; 64], {
        let mut one = vec![0u8; 64];
        one[63] = 1;
        one
    }] {
        assert_eq!(
            both(&key, b"m", &signature),
            (
                Err(VerifyError::SignatureMismatch),
                Err(VerifyError::SignatureMismatch)
            )
        );
    }
    // A signature s + n would satisfy s^e mod n; it must be refused for being >= n.
    let good = sign_512(b"m");
    let sum = U512::from_be_slice(&good).wrapping_add(&U512::from_be_hex(TEST_512_N));
    if sum > U512::from_be_hex(TEST_512_N) {
        let wrapped = sum.to_be_bytes().as_ref().to_vec();
        assert_eq!(
            both(&key, b"m", &wrapped).0,
            Err(VerifyError::SignatureMismatch)
        );
    }
}

#[test]
fn alternating_512_bit_keys_never_use_each_others_prepared_key() {
    // The software arithmetic keeps the last prepared 512-bit key: switching keys on every
    // call must still check each signature under its own key.
    let test_key = test_512_key();
    let oss = TrustedKeys::oss();
    let valid = real_vectors().into_iter().find(|c| c.expect_valid).unwrap();
    let oss_key = oss
        .find(&base64_decode(valid.header("x-oss-pub-key-url")).unwrap())
        .unwrap();
    let oss_message = string_to_sign(&RequestTarget::split(valid.target.as_bytes()), &valid.body);
    let oss_signature = base64_decode(valid.header("authorization")).unwrap();
    let test_signature = sign_512(b"m");
    for _ in 0..3 {
        assert_eq!(
            check_signature(oss_key, &oss_message, &oss_signature),
            Ok(())
        );
        assert_eq!(check_signature(&test_key, b"m", &test_signature), Ok(()));
        assert_eq!(
            check_signature(&test_key, &oss_message, &oss_signature),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            check_signature(oss_key, b"m", &test_signature),
            Err(VerifyError::SignatureMismatch)
        );
    }
}
