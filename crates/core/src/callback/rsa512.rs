//! Fixed-width RSA verification for 512-bit moduli: OSS's callback key (spec §3.2).
//!
//! Every callback is checked against the same 512-bit key, so this path is worth making fast.
//! It computes `s^e mod n` with crypto-bigint's fixed-size (stack) Montgomery arithmetic:
//! for e = 65537 that is 16 squarings and one multiplication. It then compares the result
//! with the one valid EMSA-PKCS1-v1_5 encoding of the MD5 digest (RFC 8017 §8.2.2, §9.2).
//!
//! Variable-time arithmetic is fine here: everything involved (key, signature, message) is
//! public, and no secret is ever processed. Keys of any other size use the general `rsa` path;
//! tests check that both paths agree.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U512};
use rsa::traits::PublicKeyParts as _;

/// The DER DigestInfo prefix for MD5 (RFC 8017 §9.2, note 1).
const MD5_DIGEST_INFO: [u8; 18] = [
    0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00,
    0x04, 0x10,
];

/// Modulus length in bytes this path handles.
pub const MODULUS_BYTES: usize = 64;

/// A 512-bit RSA public key prepared for fast PKCS#1 v1.5 / MD5 verification.
#[derive(Clone, Debug)]
pub struct Rsa512 {
    n: U512,
    params: FixedMontyParams<{ U512::LIMBS }>,
    e: U512,
    e_is_f4: bool,
}

impl Rsa512 {
    /// Prepares `key` when its modulus is exactly [`MODULUS_BYTES`] long; `None` otherwise.
    pub fn new(key: &rsa::PublicKey) -> Option<Self> {
        if key.size() != MODULUS_BYTES {
            return None;
        }
        let n = U512::from_be_slice(&left_pad(&key.n().to_be_bytes())?);
        let e_bytes = left_pad(&key.e().to_be_bytes())?;
        let e = U512::from_be_slice(&e_bytes);
        let odd = Odd::new(n).into_option()?;
        Some(Self {
            n,
            params: FixedMontyParams::new_vartime(odd),
            e,
            e_is_f4: e == U512::from_u32(65_537),
        })
    }

    /// True when `signature` (exactly [`MODULUS_BYTES`] long) is a valid RSASSA-PKCS1-v1_5
    /// signature of a message whose MD5 digest is `md5_digest`.
    pub fn verify_md5(&self, md5_digest: &[u8; 16], signature: &[u8]) -> bool {
        if signature.len() != MODULUS_BYTES {
            return false;
        }
        let s = U512::from_be_slice(signature);
        // RFC 8017 §5.2.2: the signature representative must be smaller than n.
        if s >= self.n {
            return false;
        }
        let base = FixedMontyForm::new(&s, &self.params);
        let power = if self.e_is_f4 {
            base.square_repeat_vartime(16).mul(&base)
        } else {
            base.pow_vartime(&self.e)
        };
        let encoded = power.retrieve().to_be_bytes();
        encoded.as_ref() == expected_encoding(md5_digest)
    }
}

/// `0x00 0x01 FF…FF 0x00 DigestInfo(MD5) digest`, 64 bytes.
fn expected_encoding(md5_digest: &[u8; 16]) -> [u8; MODULUS_BYTES] {
    let mut em = [0xff; MODULUS_BYTES];
    let t_start = MODULUS_BYTES - MD5_DIGEST_INFO.len() - md5_digest.len();
    em[0] = 0x00;
    em[1] = 0x01;
    em[t_start - 1] = 0x00;
    em[t_start..t_start + MD5_DIGEST_INFO.len()].copy_from_slice(&MD5_DIGEST_INFO);
    em[MODULUS_BYTES - md5_digest.len()..].copy_from_slice(md5_digest);
    em
}

/// Big-endian bytes left-padded to 64; `None` when longer.
fn left_pad(bytes: &[u8]) -> Option<[u8; MODULUS_BYTES]> {
    let significant = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    let mut out = [0u8; MODULUS_BYTES];
    let start = MODULUS_BYTES.checked_sub(significant.len())?;
    out[start..].copy_from_slice(significant);
    Some(out)
}
