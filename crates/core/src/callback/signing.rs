//! Signing callbacks the way OSS does (spec §3.1), for the local OSS stand-in and for tests.
//!
//! Production never signs callbacks: OSS does. This exists so the whole flow can run on one
//! machine with a development key that the callback Worker trusts by configuration only.

use md5::{Digest as _, Md5};
use rsa::Pkcs1v15Sign;
use rsa::pkcs8::DecodePrivateKey as _;

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

    /// The Base64 `authorization` header value for a callback to `target` with `body`.
    pub fn sign(&self, target: &[u8], body: &[u8]) -> Result<String, KeyError> {
        let digest = Md5::digest(string_to_sign(&RequestTarget::split(target), body));
        self.key
            .sign(Pkcs1v15Sign::new::<Md5>(), &digest)
            .map(|signature| base64_encode(&signature))
            .map_err(|e| KeyError::UnsupportedKey(e.to_string()))
    }
}
