//! Signing for direct uploads: PostObject policies and presigned URLs, V4 and legacy V1
//! (spec §5, §6).
//!
//! Everything here is sans-IO: the signing time (`now`, Unix seconds) is a parameter and the
//! AccessKey comes in as [`Credentials`]. Each module is one concern:
//!
//! - [`region`]: the region id that goes into a V4 scope (`cn-hangzhou`, never `oss-cn-hangzhou`).
//! - [`v4`]: the `OSS4-HMAC-SHA256` key derivation, canonical request and string-to-sign (§5.4, §6.2).
//! - [`v1`]: the legacy HMAC-SHA1 string-to-sign and CanonicalizedResource (§5.3, §6.1).
//! - [`endpoint`]: where requests go (virtual-host, CNAME or path-style) — never what is signed.
//! - [`post_policy`]: PostObject policy builder, form output, evaluator and signature check (§5).
//! - [`presign`]: presigned URLs (PUT with callback, multipart plan) and their verifier (§6).
//! - [`header_auth`]: the verifier of header-signed requests (`Authorization: OSS4-HMAC-SHA256 …`
//!   or `OSS ak:sig`, §6.1, §6.2), as OSS checks them.
//! - [`query`]: splitting a raw query string into decoded pairs, for the verifiers.
//!
//! ## Why V4 is the default
//! OSS closed signature V1 to newly created buckets in 2025; V1 stays available here, opt-in,
//! for existing buckets and for checking old clients. New code should use V4.
//!
//! ## What is signed versus where it is sent
//! Signatures always cover the resource `/bucket/key` (V1 CanonicalizedResource, V4 canonical
//! URI), whatever the URL style: a virtual-host URL `https://bucket.oss-region.aliyuncs.com/key`,
//! a CNAME `https://cdn.example.com/key` or a path-style stand-in `http://127.0.0.1:9000/bucket/key`
//! all sign the same string. [`endpoint::Endpoint`] only builds URLs; the signers take the bucket
//! and key as values.

mod credentials;
mod crypto;
pub mod endpoint;
pub mod header_auth;
pub mod post_policy;
pub mod presign;
pub mod query;
pub mod region;
pub mod v1;
pub mod v4;

pub use credentials::Credentials;
pub use endpoint::Endpoint;
pub use region::Region;

/// Which OSS signature algorithm to use (spec §5.3/§5.4, §6.1/§6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// `OSS4-HMAC-SHA256`, the default and the only choice for buckets created since 2025.
    #[default]
    V4,
    /// Legacy HMAC-SHA1 (opt-in): OSS closed V1 to new buckets in 2025.
    V1,
}

impl core::fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SignatureVersion::V4 => "v4",
            SignatureVersion::V1 => "v1",
        })
    }
}
