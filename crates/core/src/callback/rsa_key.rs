//! RSA public keys as callback verification needs them, and the one arithmetic step the core
//! leaves to its caller.
//!
//! RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) is: check the signature's length, turn it
//! into an integer `s < n`, compute `m = s^e mod n` (RSAVP1, §5.2.2), and compare `m` with the
//! one valid EMSA-PKCS1-v1_5 encoding of the digest (§9.2). The core does every step except the
//! modular exponentiation, which an [`RsaPublicOp`] supplies: [`super::software_rsa`] in
//! software, or a runtime's own big-integer arithmetic in a Worker (JavaScript `BigInt`), which
//! keeps a multi-precision library out of the Worker's code. Whatever computes `m`, a forged
//! signature still has to produce the exact encoding checked here.

/// Smallest modulus accepted. OSS's own key is 512 bits, which general-purpose RSA libraries
/// refuse by default; it is accepted here on purpose, and the upload ticket exists because a
/// 512-bit signature alone is weak (spec §3.2).
pub const MIN_KEY_BITS: usize = 512;

/// Largest modulus accepted, bounding the work an operator-configured key can cost per request.
pub const MAX_KEY_BITS: usize = 4096;

/// Why a configured key could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The PEM text has no `-----BEGIN PUBLIC KEY-----` / `-----END PUBLIC KEY-----` block.
    NotPem,
    /// The PEM body is not valid Base64.
    PemBase64,
    /// The DER is not an RSA SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) key.
    NotRsaPublicKey(String),
    /// The modulus is outside [`MIN_KEY_BITS`]..=[`MAX_KEY_BITS`] or the exponent is unusable.
    UnsupportedKey(String),
    /// The key URL is empty or contains whitespace or control characters.
    InvalidUrl(String),
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotPem => f.write_str(
                "not a PEM public key: expected a -----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY----- block",
            ),
            Self::PemBase64 => f.write_str("the PEM body is not valid Base64"),
            Self::NotRsaPublicKey(why) => write!(f, "not an RSA public key: {why}"),
            Self::UnsupportedKey(why) => write!(f, "unsupported RSA key: {why}"),
            Self::InvalidUrl(url) => write!(f, "invalid key URL {url:?}: it must be non-empty, without spaces or control characters"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The DER DigestInfo prefix for MD5 (RFC 8017 §9.2, note 1).
const MD5_DIGEST_INFO: [u8; 18] = [
    0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00,
    0x04, 0x10,
];

/// Largest public exponent accepted (2^33 − 1, as common RSA libraries do): bounds the
/// squarings a configured key costs per request.
pub const MAX_EXPONENT_BITS: usize = 33;

/// An RSA public key: modulus and exponent, big-endian, without leading zero bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

/// Number of significant bits of a big-endian magnitude.
fn bit_len(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        None => 0,
        Some(first) => (bytes.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.iter().take_while(|&&b| b == 0).count()..]
}

fn is_odd(bytes: &[u8]) -> bool {
    bytes.last().is_some_and(|b| b & 1 == 1)
}

/// `a < b` for big-endian magnitudes without leading zeros.
fn less_than(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

impl RsaPublicKey {
    /// A key from its modulus `n` and exponent `e` (big-endian). Refuses what no RSA key can be
    /// (even modulus, even or too small exponent), exponents over [`MAX_EXPONENT_BITS`] bits and
    /// moduli outside
    /// [`MIN_KEY_BITS`]..=[`MAX_KEY_BITS`] bits (spec §3.2: OSS's own key has 512).
    pub fn new(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
        let unsupported = |why: String| Err(KeyError::UnsupportedKey(why));
        let bits = bit_len(n);
        if !(MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return unsupported(format!(
                "the modulus has {bits} bits; {MIN_KEY_BITS} to {MAX_KEY_BITS} are accepted"
            ));
        }
        if !is_odd(n) {
            return unsupported("the modulus is even".to_owned());
        }
        if !is_odd(e) || bit_len(e) < 2 {
            return unsupported("the public exponent must be odd and at least 3".to_owned());
        }
        // With at most 33 bits, e is always below a modulus of at least 512 bits.
        if bit_len(e) > MAX_EXPONENT_BITS {
            return unsupported(format!(
                "the public exponent has {} bits; at most {MAX_EXPONENT_BITS} are accepted",
                bit_len(e)
            ));
        }
        Ok(Self {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }

    /// The modulus, big-endian, without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent, big-endian, without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// The modulus length in bytes: every signature under this key has exactly this length.
    pub fn size(&self) -> usize {
        self.n.len()
    }

    /// True when `signature` is a valid RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) of a
    /// message whose MD5 digest is `md5_digest`, with `op` computing `s^e mod n`.
    pub fn verify_md5(
        &self,
        op: &dyn RsaPublicOp,
        md5_digest: &[u8; 16],
        signature: &[u8],
    ) -> bool {
        // §8.2.2 step 1, and §5.2.2 step 1: the signature representative must be below n.
        if signature.len() != self.size() || !less_than(strip_leading_zeros(signature), &self.n) {
            return false;
        }
        match op.public_op(self, signature) {
            Some(m) => {
                m.len() == self.size() && m == pkcs1v15_md5_encoding(self.size(), md5_digest)
            }
            None => false,
        }
    }
}

/// `0x00 0x01 FF…FF 0x00 DigestInfo(MD5) digest`, `k` bytes (EMSA-PKCS1-v1_5, RFC 8017 §9.2).
/// `k` is at least 64 for every accepted key, above the 45 bytes this encoding needs.
pub fn pkcs1v15_md5_encoding(k: usize, md5_digest: &[u8; 16]) -> Vec<u8> {
    let mut em = vec![0xff; k];
    let t_start = k - MD5_DIGEST_INFO.len() - md5_digest.len();
    em[0] = 0x00;
    em[1] = 0x01;
    em[t_start - 1] = 0x00;
    em[t_start..t_start + MD5_DIGEST_INFO.len()].copy_from_slice(&MD5_DIGEST_INFO);
    em[k - md5_digest.len()..].copy_from_slice(md5_digest);
    em
}

/// The RSA public operation RSAVP1 (RFC 8017 §5.2.2): `s^e mod n`.
///
/// Called only with `signature.len() == key.size()` and `s < n`; returns the result
/// left-padded to `key.size()` bytes, or `None` when it cannot be computed. Arithmetic only:
/// implementations hold no keys and decide nothing, so a wrong answer can only make a valid
/// signature fail, never a forged one pass, unless it returns the expected encoding itself.
pub trait RsaPublicOp: core::fmt::Debug + Send + Sync {
    /// `signature^e mod n` for `key`, as `key.size()` big-endian bytes.
    fn public_op(&self, key: &RsaPublicKey, signature: &[u8]) -> Option<Vec<u8>>;
}

/// Big-endian `bytes` left-padded with zeros to `len`; `None` when longer.
pub fn left_pad(bytes: &[u8], len: usize) -> Option<Vec<u8>> {
    let significant = strip_leading_zeros(bytes);
    let start = len.checked_sub(significant.len())?;
    let mut out = vec![0u8; len];
    out[start..].copy_from_slice(significant);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xffu8; bits.div_ceil(8)];
        if !bits.is_multiple_of(8) {
            n[0] = (1u8 << (bits % 8)) - 1;
        }
        n
    }

    #[test]
    fn accepts_the_usual_shapes() {
        let key = RsaPublicKey::new(&[&[0, 0][..], &modulus(512)].concat(), &[0, 1, 0, 1]).unwrap();
        assert_eq!(key.size(), 64);
        assert_eq!(key.exponent(), [1, 0, 1]);
        assert!(RsaPublicKey::new(&modulus(4096), &[3]).is_ok());
    }

    #[test]
    fn refuses_what_no_key_can_be() {
        let n = modulus(512);
        let refused = |n: &[u8], e: &[u8]| {
            matches!(RsaPublicKey::new(n, e), Err(KeyError::UnsupportedKey(_)))
        };
        assert!(refused(&modulus(511), &[3]), "too small");
        assert!(refused(&modulus(4097), &[3]), "too large");
        let mut even = n.clone();
        even[63] = 0xfe;
        assert!(refused(&even, &[3]), "even modulus");
        assert!(refused(&n, &[1]), "e = 1");
        assert!(refused(&n, &[4]), "even e");
        assert!(refused(&n, &[]), "e = 0");
        assert!(refused(&n, &[3, 0, 0, 0, 1]), "e of 34 bits");
        assert!(
            RsaPublicKey::new(&n, &[1, 0, 0, 0, 1]).is_ok(),
            "e of 33 bits"
        );
        assert!(refused(&n, &n), "e = n (refused by its size)");
    }

    #[test]
    fn the_encoding_is_rfc_8017s() {
        let digest = [0xab; 16];
        let em = pkcs1v15_md5_encoding(64, &digest);
        assert_eq!(em[..2], [0, 1]);
        assert!(em[2..29].iter().all(|&b| b == 0xff));
        assert_eq!(em[29], 0);
        assert_eq!(em[30..48], MD5_DIGEST_INFO);
        assert_eq!(em[48..], digest);
    }

    /// An operation that answers with whatever it was built with, to see what the core checks.
    #[derive(Debug)]
    struct Answer(Option<Vec<u8>>);
    impl RsaPublicOp for Answer {
        fn public_op(&self, _: &RsaPublicKey, _: &[u8]) -> Option<Vec<u8>> {
            self.0.clone()
        }
    }

    #[test]
    fn only_the_exact_encoding_of_a_signature_below_n_passes() {
        let key = RsaPublicKey::new(&modulus(512), &[1, 0, 1]).unwrap();
        let digest = [7; 16];
        let good = Answer(Some(pkcs1v15_md5_encoding(64, &digest)));
        let signature = [1u8; 64];
        assert!(key.verify_md5(&good, &digest, &signature));
        assert!(!key.verify_md5(&good, &[8; 16], &signature), "other digest");
        assert!(
            !key.verify_md5(&good, &digest, &[1u8; 63]),
            "short signature"
        );
        assert!(!key.verify_md5(&good, &digest, &[0xffu8; 64]), "s = n");
        assert!(!key.verify_md5(&Answer(None), &digest, &signature));
        let mut short = pkcs1v15_md5_encoding(64, &digest);
        short.remove(0);
        assert!(
            !key.verify_md5(&Answer(Some(short)), &digest, &signature),
            "unpadded answer"
        );
    }

    #[test]
    fn left_pad_pads_and_refuses_overflow() {
        assert_eq!(left_pad(&[0, 0, 5], 4), Some(vec![0, 0, 0, 5]));
        assert_eq!(left_pad(&[1, 2, 3], 2), None);
    }
}
