//! Reading RSA public keys from DER: SubjectPublicKeyInfo (`PUBLIC KEY`, RFC 5280 §4.1.2.7
//! with the rsaEncryption algorithm of RFC 8017 appendix A.1) and PKCS#1 `RSAPublicKey`
//! (`RSA PUBLIC KEY`, RFC 8017 §A.1.1).
//!
//! Only what a public key needs is read, strictly: definite lengths in minimal form, no
//! trailing bytes, positive minimal INTEGERs. This keeps the general-purpose ASN.1 and PKCS
//! crates out of the Workers (about 6 KB of code and their error strings).

use super::rsa_key::KeyError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const OBJECT_IDENTIFIER: u8 = 0x06;

/// DER of OID 1.2.840.113549.1.1.1 (rsaEncryption).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

fn malformed(why: &str) -> KeyError {
    KeyError::NotRsaPublicKey(why.to_owned())
}

/// Splits one TLV with tag `tag` off the front of `input`: (value, rest).
fn take(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), KeyError> {
    let (&found, rest) = input
        .split_first()
        .ok_or_else(|| malformed("truncated DER"))?;
    if found != tag {
        return Err(malformed("unexpected DER tag"));
    }
    let (&first, rest) = rest
        .split_first()
        .ok_or_else(|| malformed("truncated DER length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 3 || rest.len() < count {
            return Err(malformed("unsupported DER length"));
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        // DER: the long form only when needed, without leading zero bytes.
        if len < 0x80 || rest[0] == 0 {
            return Err(malformed("non-minimal DER length"));
        }
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err(malformed("DER length past the end"));
    }
    Ok(rest.split_at(len))
}

/// The whole of `input` must be one TLV with tag `tag`; returns its value.
fn exactly(input: &[u8], tag: u8) -> Result<&[u8], KeyError> {
    match take(input, tag)? {
        (value, []) => Ok(value),
        _ => Err(malformed("trailing bytes after DER value")),
    }
}

/// A positive INTEGER's magnitude, big-endian, without its sign byte.
fn positive_integer(value: &[u8]) -> Result<&[u8], KeyError> {
    match value {
        [] => Err(malformed("empty INTEGER")),
        [first, ..] if first & 0x80 != 0 => Err(malformed("negative INTEGER")),
        [0, next, ..] if next & 0x80 == 0 => Err(malformed("non-minimal INTEGER")),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest),
        _ => Ok(value),
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`: (n, e).
pub fn rsa_public_key(der: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
    let body = exactly(der, SEQUENCE)?;
    let (n, rest) = take(body, INTEGER)?;
    let e = exactly(rest, INTEGER)?;
    Ok((positive_integer(n)?, positive_integer(e)?))
}

/// The `RSAPublicKey` DER inside a SubjectPublicKeyInfo whose algorithm is rsaEncryption.
pub fn spki_rsa_public_key(der: &[u8]) -> Result<&[u8], KeyError> {
    let body = exactly(der, SEQUENCE)?;
    let (algorithm, rest) = take(body, SEQUENCE)?;
    let (oid, parameters) = take(algorithm, OBJECT_IDENTIFIER)?;
    if oid != RSA_ENCRYPTION {
        return Err(malformed("the algorithm is not rsaEncryption"));
    }
    // RFC 8017 A.1: the parameters are NULL; tolerate them absent, as many encoders do.
    if !parameters.is_empty() && !exactly(parameters, NULL)?.is_empty() {
        return Err(malformed("rsaEncryption parameters must be NULL"));
    }
    match exactly(rest, BIT_STRING)? {
        [0, key @ ..] => Ok(key),
        _ => Err(malformed("the key's BIT STRING has unused bits")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64_decode;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // OSS's callback key (spec §3.2), DER.
    const OSS_SPKI_B64: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGsC0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==";

    #[test]
    fn reads_oss_key() {
        let der = base64_decode(OSS_SPKI_B64).unwrap();
        let (n, e) = rsa_public_key(spki_rsa_public_key(&der).unwrap()).unwrap();
        assert_eq!(n.len(), 64);
        assert_eq!(crate::encoding::hex_lower(n).get(..8), Some("ab3f2411"));
        assert_eq!(e, [0x01, 0x00, 0x01]);
    }

    #[test]
    fn every_truncation_and_trailing_byte_is_refused() {
        let der = base64_decode(OSS_SPKI_B64).unwrap();
        for len in 0..der.len() {
            assert!(
                spki_rsa_public_key(&der[..len])
                    .and_then(rsa_public_key)
                    .is_err(),
                "prefix {len}"
            );
        }
        let mut longer = der.clone();
        longer.push(0);
        assert!(spki_rsa_public_key(&longer).is_err());
    }

    #[test]
    fn integers_and_lengths_must_be_minimal_and_positive() {
        assert!(positive_integer(&[0x80]).is_err());
        assert!(positive_integer(&[0x00, 0x01]).is_err());
        assert_eq!(positive_integer(&[0x00, 0x80]).unwrap(), [0x80]);
        assert!(
            take(&[INTEGER, 0x81, 0x05, 1, 2, 3, 4, 5], INTEGER).is_err(),
            "long form for a short length"
        );
        assert!(
            take(&[INTEGER, 0x80], INTEGER).is_err(),
            "indefinite length"
        );
        assert!(take(&[INTEGER, 0x02, 1], INTEGER).is_err(), "past the end");
    }

    #[test]
    fn other_algorithms_are_refused() {
        let mut der = base64_decode(OSS_SPKI_B64).unwrap();
        let at = der
            .windows(RSA_ENCRYPTION.len())
            .position(|w| w == RSA_ENCRYPTION)
            .unwrap();
        der[at + RSA_ENCRYPTION.len() - 1] = 0x0b; // 1.2.840.113549.1.1.11
        assert!(matches!(
            spki_rsa_public_key(&der),
            Err(KeyError::NotRsaPublicKey(_))
        ));
    }
}
