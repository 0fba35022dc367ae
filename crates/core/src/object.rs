//! What OSS computes for a stored object: the values it returns in the `ETag`,
//! `x-oss-hash-crc64ecma` and `Content-MD5` response headers, which are also the callback's
//! `${etag}`, `${crc64}` and `${contentMd5}` (spec §1.3).
//!
//! - [`etag_single`]: PutObject / PostObject, upper-case hex MD5 of the content, e.g.
//!   `D8E8FCA2DC0F896FD7CB4CB0031BA249` (spec §1.3, as seen in `${etag}`, no quotes).
//! - [`etag_multipart`]: CompleteMultipartUpload, `<HEX>-<N>` where `HEX` is the upper-case MD5 of
//!   the concatenated binary MD5s of the N parts in part-number order. \[UNVERIFIED\]: the spec
//!   does not state the formula; this is the documented S3 form, whose shape (`…-N`) OSS's
//!   multipart ETags share. Nothing in oss-edge relies on more than "an opaque string".
//! - [`content_md5`]: Base64 of the binary MD5, for single uploads only; multipart objects have
//!   none (spec §1.3: `${contentMd5}` is only non-empty for PutObject and PostObject).
//! - [`Crc64Ecma`]: the CRC-64 OSS reports in `x-oss-hash-crc64ecma`, as a decimal `u64`
//!   (spec §1.3). It is the ECMA-182 polynomial, reflected, with all-ones initial value and
//!   final XOR (the catalogue's CRC-64/XZ, check value `0x995DC9BBDF1939FA` for `123456789`),
//!   which is what the official SDKs compute to check uploads (oss2's `Crc64`).
//!
//! The ETag *header* carries the value in double quotes (`ETag: "D8E8…"`); the functions here
//! return it bare, as `${etag}` renders it.

use md5::{Digest as _, Md5};

use crate::encoding::base64_encode;

/// The reflected ECMA-182 polynomial (`0x42F0E1EBA9EA3693` bit-reversed).
const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

const fn crc64_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static CRC64_TABLE: [u64; 256] = crc64_table();

/// Streaming CRC-64/ECMA as OSS reports it in `x-oss-hash-crc64ecma` (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc64Ecma {
    register: u64,
}

impl Default for Crc64Ecma {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc64Ecma {
    /// A CRC over no bytes yet.
    pub const fn new() -> Self {
        Self { register: !0 }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut crc = self.register;
        for &byte in bytes {
            crc = CRC64_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8);
        }
        self.register = crc;
    }

    /// The CRC of everything fed so far.
    pub const fn value(&self) -> u64 {
        !self.register
    }

    /// The CRC of `bytes` in one call.
    pub fn checksum(bytes: &[u8]) -> u64 {
        let mut crc = Self::new();
        crc.update(bytes);
        crc.value()
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// The ETag of a single-request upload (PutObject, PostObject): upper-case hex of the content's
/// binary MD5 `md5`, without quotes.
pub fn etag_single(md5: &[u8; 16]) -> String {
    hex_upper(md5)
}

/// The ETag of a multipart upload from the binary MD5s of its parts in part-number order:
/// `HEX(MD5(md5_1 ‖ … ‖ md5_N))-N`, without quotes (see the module docs).
pub fn etag_multipart(part_md5s: &[[u8; 16]]) -> String {
    let mut hasher = Md5::new();
    for md5 in part_md5s {
        hasher.update(md5);
    }
    let digest: [u8; 16] = hasher.finalize().into();
    format!("{}-{}", hex_upper(&digest), part_md5s.len())
}

/// The `Content-MD5` value OSS reports for a single-request upload: standard Base64 of the
/// binary MD5 `md5`.
pub fn content_md5(md5: &[u8; 16]) -> String {
    base64_encode(md5)
}

/// The binary MD5 of `bytes`.
pub fn md5(bytes: &[u8]) -> [u8; 16] {
    Md5::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn crc64_matches_the_published_check_value() {
        // CRC-64/XZ check value (the CRC catalogue's "123456789").
        assert_eq!(Crc64Ecma::checksum(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(Crc64Ecma::checksum(b""), 0);
    }

    #[test]
    fn crc64_matches_oss2() {
        // oss2.utils.Crc64 (PyPI oss2 2.19.1): c = Crc64(); c.update(b"hello world"); c.crc
        assert_eq!(
            Crc64Ecma::checksum(b"hello world"),
            5_981_764_153_023_615_706
        );
    }

    #[test]
    fn crc64_streams() {
        let mut crc = Crc64Ecma::new();
        crc.update(b"1234");
        crc.update(b"56789");
        assert_eq!(crc.value(), Crc64Ecma::checksum(b"123456789"));
    }

    #[test]
    fn etags_and_content_md5() {
        let digest = md5(b"hello world");
        assert_eq!(etag_single(&digest), "5EB63BBBE01EEED093CB22BB8F5ACDC3");
        assert_eq!(content_md5(&digest), "XrY7u+Ae7tCTyyK7j1rNww==");
        // S3-form multipart ETag of two parts "a" and "b", computed independently.
        let parts = [md5(b"a"), md5(b"b")];
        let mut concat = Vec::new();
        concat.extend_from_slice(&parts[0]);
        concat.extend_from_slice(&parts[1]);
        assert_eq!(
            etag_multipart(&parts),
            format!("{}-2", etag_single(&md5(&concat)))
        );
    }
}
