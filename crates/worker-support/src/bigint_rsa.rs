//! `s^e mod n` (RSAVP1, RFC 8017 §5.2.2) by the runtime's JavaScript `BigInt`, for the core's
//! RSASSA-PKCS1-v1_5 check (`oss_edge_core::callback::rsa_key`).
//!
//! V8 already carries multi-precision arithmetic; using it keeps a big-integer library out of
//! the Worker's wasm (27 KB gzip, docs/bench.md) at the same speed as that library in wasm32
//! (measured per callback: V8's `%` and `*` take what the wasm arithmetic took). Only the exponentiation happens here: the length and `s < n` checks before it and
//! the comparison with the exact encoding after it stay in the core.

use js_sys::BigInt;
use oss_edge_core::callback::rsa_key::{RsaPublicKey, RsaPublicOp, left_pad};
use oss_edge_core::encoding::{hex_lower, hex_number_bytes};
use wasm_bindgen::JsValue;

/// RSAVP1 by JavaScript `BigInt`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BigIntRsa;

/// The instance a Worker hands to `TrustedKeys::oss_with`.
pub static BIGINT_RSA: BigIntRsa = BigIntRsa;

fn to_bigint(bytes: &[u8]) -> Option<BigInt> {
    BigInt::new(&JsValue::from_str(&format!("0x{}", hex_lower(bytes)))).ok()
}

impl RsaPublicOp for BigIntRsa {
    fn public_op(&self, key: &RsaPublicKey, signature: &[u8]) -> Option<Vec<u8>> {
        let n = to_bigint(key.modulus())?;
        let s = to_bigint(signature)?;
        // Left-to-right square-and-multiply over e's bits (65537: 16 squarings, 1 product).
        let mut result = s.clone();
        let bits = key
            .exponent()
            .iter()
            .flat_map(|byte| (0..8).rev().map(move |i| byte >> i & 1 == 1));
        for bit in bits.skip_while(|bit| !bit).skip(1) {
            result = &(&result * &result) % &n;
            if bit {
                result = &(&result * &s) % &n;
            }
        }
        let hex = result.to_string(16).ok()?.as_string()?;
        left_pad(&hex_number_bytes(&hex)?, key.size())
    }
}
