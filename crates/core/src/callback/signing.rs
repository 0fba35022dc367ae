//! Signing callbacks the way OSS does (spec §3.1), for the local OSS stand-in and for tests.
//!
//! Production never signs callbacks: OSS does. This exists so the whole flow can run on one
//! machine with a development key that the callback Worker trusts by configuration only.

use md5::{Digest as _, Md5};
use rsa::Pkcs1v15Sign;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::pkcs8::EncodePublicKey as _;

use super::keys::{KeyError, pem_block};
use super::target::{RequestTarget, string_to_sign};
use crate::encoding::base64_encode;

/// An RSA private key that signs callback requests with RSASSA-PKCS1-v1_5 / MD5.
pub struct CallbackSigner {
    key: rsa::PrivateKey,
}

impl core::fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CallbackSigner { key: <private> }")
    }
}

impl CallbackSigner {
    /// Loads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_block(pem, "PRIVATE KEY").ok_or(KeyError::NotPem)??;
        let key = rsa::PrivateKey::from_pkcs8_der(&der)
            .map_err(|e| KeyError::NotRsaPublicKey(e.to_string()))?;
        Ok(Self { key })
    }

    /// The public half as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, the format of OSS's
    /// `callback_pub_key_v1.pem`, spec §3.2), for a stand-in to serve at its `x-oss-pub-key-url`.
    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        let der = self
            .key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| KeyError::UnsupportedKey(e.to_string()))?;
        let b64 = base64_encode(der.as_bytes());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        Ok(pem)
    }

    /// The Base64 `authorization` header value for a callback to `target` with `body`.
    pub fn sign(&self, target: &[u8], body: &[u8]) -> Result<String, KeyError> {
        let digest = Md5::digest(string_to_sign(&RequestTarget::split(target), body));
        self.key
            .sign(Pkcs1v15Sign::new::<Md5>(), &digest)
            .map(|signature| base64_encode(&signature))
            .map_err(|e| KeyError::UnsupportedKey(e.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::callback::keys::parse_public_key_pem;

    #[test]
    fn public_half_is_the_published_test_key() {
        let signer = CallbackSigner::from_pkcs8_pem(include_str!(
            "../../../../tests/keys/test-callback-key.pem"
        ))
        .unwrap();
        let pem = signer.public_key_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(
            parse_public_key_pem(&pem).unwrap(),
            parse_public_key_pem(include_str!(
                "../../../../tests/keys/test-callback-key.pub.pem"
            ))
            .unwrap()
        );
    }
}
