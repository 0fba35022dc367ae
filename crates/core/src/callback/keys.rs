//! Trusted callback keys (spec §3.2, DESIGN.md "Trust is a list, not a header").
//!
//! OSS names its signing key by URL in the `x-oss-pub-key-url` header. That URL is only a
//! *selector*: it must equal, byte for byte, a URL in this list, and the key used is the one
//! configured here. A URL taken from a request is never fetched, so there is no SSRF and no
//! way for a caller to bring their own key.

use std::sync::OnceLock;

use super::key_der;
use super::rsa_key::{RsaPublicKey, RsaPublicOp};
use super::software_rsa::SOFTWARE_RSA;
use crate::encoding::base64_decode;

/// The key OSS signs callbacks with, `callback_pub_key_v1.pem`: RSA-512, e = 65537 (spec §3.2).
pub const OSS_CALLBACK_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
";

/// The two URLs under which OSS announces [`OSS_CALLBACK_KEY_PEM`] (spec §2.1, §3.2).
pub const OSS_CALLBACK_KEY_URLS: [&str; 2] = [
    "http://gosspublic.alicdn.com/callback_pub_key_v1.pem",
    "https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
];

pub use super::rsa_key::{KeyError, MAX_KEY_BITS, MIN_KEY_BITS};

/// The DER inside a PEM block labelled `label`, or `None` when `pem` is not such a block.
pub(crate) fn pem_block(pem: &str, label: &str) -> Option<Result<Vec<u8>, KeyError>> {
    let text = pem.trim();
    let rest = text.strip_prefix(format!("-----BEGIN {label}-----").as_str())?;
    let Some(body) = rest.strip_suffix(format!("-----END {label}-----").as_str()) else {
        return Some(Err(KeyError::NotPem));
    };
    let body: String = body.split_whitespace().collect();
    Some(base64_decode(&body).map_err(|_| KeyError::PemBase64))
}

fn pem_body(pem: &str) -> Result<(bool, Vec<u8>), KeyError> {
    if let Some(der) = pem_block(pem, "PUBLIC KEY") {
        return der.map(|der| (true, der));
    }
    match pem_block(pem, "RSA PUBLIC KEY") {
        Some(der) => der.map(|der| (false, der)),
        None => Err(KeyError::NotPem),
    }
}

/// Parses an RSA public key from PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`), accepting moduli of
/// [`MIN_KEY_BITS`] to [`MAX_KEY_BITS`] bits.
pub fn parse_public_key_pem(pem: &str) -> Result<RsaPublicKey, KeyError> {
    let (is_spki, der) = pem_body(pem)?;
    let pkcs1_der = if is_spki {
        key_der::spki_rsa_public_key(&der)?
    } else {
        &der[..]
    };
    let (n, e) = key_der::rsa_public_key(pkcs1_der)?;
    RsaPublicKey::new(n, e)
}

fn oss_callback_key() -> &'static RsaPublicKey {
    static KEY: OnceLock<RsaPublicKey> = OnceLock::new();
    KEY.get_or_init(|| match parse_public_key_pem(OSS_CALLBACK_KEY_PEM) {
        Ok(key) => key,
        // The constant is tested to parse; reaching this is a build defect, not input.
        Err(e) => panic!("compiled-in OSS callback key does not parse: {e}"),
    })
}

/// One trusted key and the exact URL that selects it.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    /// The exact key URL (decoded `x-oss-pub-key-url`) that selects this key.
    pub url: String,
    /// The public key.
    pub key: RsaPublicKey,
    /// True for OSS's compiled-in key, false for keys added by configuration.
    pub builtin: bool,
    /// What computes `s^e mod n` for this key's signatures (see [`super::rsa_key`]).
    pub op: &'static dyn RsaPublicOp,
}

impl TrustedKey {
    /// True when `signature` is this key's RSASSA-PKCS1-v1_5 signature of a message with MD5
    /// digest `md5_digest` (spec §3.1).
    pub fn verify_md5(&self, md5_digest: &[u8; 16], signature: &[u8]) -> bool {
        self.key.verify_md5(self.op, md5_digest, signature)
    }
}

/// The list of keys a callback may be signed with, each selected by an exact URL, and the
/// arithmetic their signatures are checked with.
#[derive(Clone, Debug)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
    op: &'static dyn RsaPublicOp,
}

impl Default for TrustedKeys {
    fn default() -> Self {
        Self::oss()
    }
}

impl TrustedKeys {
    /// OSS's compiled-in key under its `http://` and `https://` URLs, checked in software
    /// ([`super::software_rsa`]).
    pub fn oss() -> Self {
        Self::oss_with(&SOFTWARE_RSA)
    }

    /// [`TrustedKeys::oss`] with signatures checked by `op` (a Worker passes its runtime's).
    pub fn oss_with(op: &'static dyn RsaPublicOp) -> Self {
        let key = oss_callback_key();
        Self {
            keys: OSS_CALLBACK_KEY_URLS
                .iter()
                .map(|url| TrustedKey {
                    url: (*url).to_owned(),
                    key: key.clone(),
                    builtin: true,
                    op,
                })
                .collect(),
            op,
        }
    }

    /// An empty list (every callback will be rejected as `UntrustedKeyUrl`), checked in software.
    pub fn empty() -> Self {
        Self {
            keys: Vec::new(),
            op: &SOFTWARE_RSA,
        }
    }

    /// Adds a key from configuration, selected by exactly `url`. A key already listed under
    /// the same URL is replaced.
    pub fn add_pem(&mut self, url: &str, pem: &str) -> Result<(), KeyError> {
        if url.is_empty()
            || url
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(KeyError::InvalidUrl(url.to_owned()));
        }
        let key = parse_public_key_pem(pem)?;
        self.keys.retain(|k| k.url != url);
        self.keys.push(TrustedKey {
            url: url.to_owned(),
            key,
            builtin: false,
            op: self.op,
        });
        Ok(())
    }

    /// The key selected by exactly `url` (no normalisation of any kind).
    pub fn find(&self, url: &[u8]) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.url.as_bytes() == url)
    }

    /// All trusted keys, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &TrustedKey> {
        self.keys.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn oss_key_is_512_bit_and_parses() {
        let key = oss_callback_key();
        assert_eq!(key.size(), 64);
        assert!(key.modulus()[0] & 0x80 != 0, "all 512 bits used");
        assert_eq!(key.exponent(), [1, 0, 1]);
    }

    #[test]
    fn rejects_bad_pem() {
        assert_eq!(parse_public_key_pem("hello").unwrap_err(), KeyError::NotPem);
        assert_eq!(
            parse_public_key_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")
                .unwrap_err(),
            KeyError::PemBase64
        );
        assert!(matches!(
            parse_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
            Err(KeyError::NotRsaPublicKey(_))
        ));
    }

    #[test]
    fn configured_urls_must_be_clean() {
        let mut keys = TrustedKeys::empty();
        assert!(matches!(
            keys.add_pem("", OSS_CALLBACK_KEY_PEM),
            Err(KeyError::InvalidUrl(_))
        ));
        assert!(matches!(
            keys.add_pem("http://x/k.pem ", OSS_CALLBACK_KEY_PEM),
            Err(KeyError::InvalidUrl(_))
        ));
        keys.add_pem("http://127.0.0.1:9000/k.pem", OSS_CALLBACK_KEY_PEM)
            .unwrap();
        assert!(keys.find(b"http://127.0.0.1:9000/k.pem").is_some());
        assert!(keys.find(OSS_CALLBACK_KEY_URLS[0].as_bytes()).is_none());
    }
}
