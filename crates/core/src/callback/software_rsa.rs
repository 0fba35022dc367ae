//! [`RsaPublicOp`] in software, for hosts and tests: the CLI, the local OSS stand-in, the
//! benchmarks and the core's own tests. The Workers use their runtime's `BigInt` instead
//! (`oss-edge-worker-support`), so none of this is in their code.
//!
//! A 512-bit modulus (OSS's callback key, spec §3.2) takes a fixed-width path on
//! crypto-bigint's stack Montgomery arithmetic: for e = 65537 that is 16 squarings and one
//! multiplication. Any other size takes crypto-bigint's general (heap) arithmetic. Tests check that
//! both agree with each other and with the `rsa` crate's complete verification.
//!
//! Variable-time arithmetic is fine here: everything involved (key, signature, message) is
//! public, and no secret is ever processed.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams, FixedMontyForm, FixedMontyParams};
use crypto_bigint::{BoxedUint, Odd, U512};

use std::sync::Mutex;

use super::rsa_key::{MAX_KEY_BITS, MIN_KEY_BITS, RsaPublicKey, RsaPublicOp, left_pad};

/// Modulus length in bytes of the fixed-width path.
pub const FIXED_MODULUS_BYTES: usize = 64;

/// RSAVP1 computed here, in Rust.
#[derive(Clone, Copy, Debug, Default)]
pub struct SoftwareRsa;

/// The one instance every `TrustedKeys` built without an explicit operation uses.
pub static SOFTWARE_RSA: SoftwareRsa = SoftwareRsa;

impl RsaPublicOp for SoftwareRsa {
    fn public_op(&self, key: &RsaPublicKey, signature: &[u8]) -> Option<Vec<u8>> {
        if key.size() != FIXED_MODULUS_BYTES {
            return general_public_op(key, signature);
        }
        // Preparing the Montgomery parameters cost 0.55 µs of a 3.06 µs verification (criterion),
        // and a process checks one key (OSS's) almost always: the last prepared key is kept.
        static LAST: Mutex<Option<Rsa512>> = Mutex::new(None);
        let mut last = LAST.lock().ok();
        let cached = last
            .as_deref()
            .and_then(Option::as_ref)
            .filter(|fixed| fixed.is_for(key))
            .cloned();
        let fixed = match cached {
            Some(fixed) => fixed,
            None => {
                let fixed = Rsa512::new(key)?;
                if let Some(slot) = last.as_deref_mut() {
                    *slot = Some(fixed.clone());
                }
                fixed
            }
        };
        drop(last);
        fixed.public_op(signature).map(|m| m.to_vec())
    }
}

/// RSAVP1 for any accepted size, on crypto-bigint's heap-allocated Montgomery arithmetic.
pub fn general_public_op(key: &RsaPublicKey, signature: &[u8]) -> Option<Vec<u8>> {
    let n = BoxedUint::from_be_slice_vartime(key.modulus());
    let precision = n.bits_precision();
    let s = BoxedUint::from_be_slice(signature, precision).ok()?;
    if s >= n {
        return None;
    }
    let e = BoxedUint::from_be_slice_vartime(key.exponent());
    let params = BoxedMontyParams::new_vartime(Odd::new(n).into_option()?);
    let m = BoxedMontyForm::new(s, &params).pow(&e).retrieve();
    left_pad(&m.to_be_bytes(), key.size())
}

/// The same key as the `rsa` crate's type.
pub fn to_rsa_crate(key: &RsaPublicKey) -> Option<rsa::PublicKey> {
    let n = BoxedUint::from_be_slice_vartime(key.modulus());
    let e = BoxedUint::from_be_slice_vartime(key.exponent());
    rsa::PublicKey::new_with_size_limits(n, e, MIN_KEY_BITS..=MAX_KEY_BITS).ok()
}

/// A 512-bit RSA public key prepared for the fixed-width path.
#[derive(Clone, Debug)]
pub struct Rsa512 {
    n: U512,
    params: FixedMontyParams<{ U512::LIMBS }>,
    e: U512,
    e_is_f4: bool,
}

impl Rsa512 {
    /// Prepares `key` when its modulus is exactly [`FIXED_MODULUS_BYTES`] long; `None` otherwise.
    pub fn new(key: &RsaPublicKey) -> Option<Self> {
        if key.size() != FIXED_MODULUS_BYTES {
            return None;
        }
        let n = U512::from_be_slice(&left_pad(key.modulus(), FIXED_MODULUS_BYTES)?);
        let e = U512::from_be_slice(&left_pad(key.exponent(), FIXED_MODULUS_BYTES)?);
        let odd = Odd::new(n).into_option()?;
        Some(Self {
            n,
            params: FixedMontyParams::new_vartime(odd),
            e,
            e_is_f4: e == U512::from_u32(65_537),
        })
    }

    /// True when this is `key` prepared.
    pub fn is_for(&self, key: &RsaPublicKey) -> bool {
        left_pad(key.modulus(), FIXED_MODULUS_BYTES)
            .is_some_and(|n| U512::from_be_slice(&n) == self.n)
            && left_pad(key.exponent(), FIXED_MODULUS_BYTES)
                .is_some_and(|e| U512::from_be_slice(&e) == self.e)
    }

    /// `signature^e mod n`, or `None` when `signature` is not [`FIXED_MODULUS_BYTES`] long or
    /// not below `n` (RFC 8017 §5.2.2 step 1).
    pub fn public_op(&self, signature: &[u8]) -> Option<[u8; FIXED_MODULUS_BYTES]> {
        if signature.len() != FIXED_MODULUS_BYTES {
            return None;
        }
        let s = U512::from_be_slice(signature);
        if s >= self.n {
            return None;
        }
        let base = FixedMontyForm::new(&s, &self.params);
        let power = if self.e_is_f4 {
            base.square_repeat_vartime(16).mul(&base)
        } else {
            base.pow_vartime(&self.e)
        };
        let mut out = [0u8; FIXED_MODULUS_BYTES];
        out.copy_from_slice(power.retrieve().to_be_bytes().as_ref());
        Some(out)
    }
}
