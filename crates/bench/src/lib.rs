//! The operations `scripts/bench` measures, built once from fixed inputs so the native
//! (criterion) and wasm32 (Node) figures time exactly the same work.
#![forbid(unsafe_code)]

pub mod callbacks;

use oss_edge_core::callback::keys::TrustedKey;
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::callback::target::{RequestTarget, string_to_sign};
use oss_edge_core::callback::verify::check_signature_general;
use oss_edge_core::callback::{
    CallbackRequest, TrustedKeys, UploadEvent, VerifyOptions, parse_body, verify,
};
use oss_edge_core::confirm::ObjectFacts;
use oss_edge_core::encoding::base64_decode;
use oss_edge_core::sign::presign::{PresignOptions, PresignRequest, presign};
use oss_edge_core::sign::v4::{Scope, sign_post_policy};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};

/// OSS's own signed example (Callback API, spec §4 V1): a typical small form body.
pub const TARGET: &[u8] = b"/index.php?id=1&index=2";
/// The example's `authorization` header.
pub const AUTHORIZATION: &str =
    "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==";
/// The example's `x-oss-pub-key-url` header.
pub const PUB_KEY_URL: &str =
    "aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ==";
/// The example's body.
pub const BODY: &[u8] = b"bucket=yonghu-test";
/// A body as the signer's JSON template renders it for an image upload.
pub const EVENT_BODY: &[u8] = br#"{"bucket":"examplebucket","object":"uploads/alice/0f3c9a7e2b1d4c5a.png","etag":"D8E8FCA2DC0F896FD7CB4CB0031BA249","size":53853,"mimeType":"image/png","imageInfo":{"height":[480],"width":[640],"format":["png"]},"crc64":11782093538209634585,"contentMd5":["2Oj8otwPiW/Xy0ywAxuiSQ=="],"clientIp":"203.0.113.7","reqId":"5CF3E7821AB22D0FDB86704D","operation":"PostObject","vpcId":[]}"#;
/// The PostObject policy of the SDK-computed V4 vector (spec §5.4), Base64.
pub const POLICY_B64: &str = "eyJleHBpcmF0aW9uIjoiMjAyMy0xMS0xNVQwMDowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci1kaXIvIl0sWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwxMDQ4NTc2MF1dfQ==";
/// 2023-11-14T22:13:20Z, the SDK vectors' signing time.
pub const NOW: i64 = 1_700_000_000;

/// Everything the operations need, prepared once (as a Worker prepares it per isolate).
pub struct Fixtures {
    keys: TrustedKeys,
    options: VerifyOptions,
    headers: Vec<(&'static str, &'static str)>,
    event_headers: Vec<(&'static str, &'static str)>,
    presign_options: PresignOptions,
    region: Region,
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixtures {
    /// Prepares the fixtures.
    pub fn new() -> Self {
        let region = Region::parse("cn-hangzhou").unwrap_or_else(|e| panic!("region: {e}"));
        Self {
            keys: TrustedKeys::oss(),
            options: VerifyOptions::default(),
            headers: vec![
                ("authorization", AUTHORIZATION),
                ("x-oss-pub-key-url", PUB_KEY_URL),
            ],
            event_headers: vec![
                ("content-type", "application/json"),
                ("x-oss-request-id", "5CF3E7821AB22D0FDB86704D"),
            ],
            presign_options: PresignOptions {
                version: SignatureVersion::V4,
                credentials: Credentials::new("ak", "sk"),
                region: region.clone(),
                endpoint: Endpoint::aliyun(&region),
                now: NOW,
                expires_in: 3600,
            },
            region,
        }
    }

    /// Callback verification of a real OSS-signed request (fast 512-bit path).
    pub fn verify(&self) -> bool {
        let request = CallbackRequest {
            target: TARGET,
            headers: &self.headers,
            body: BODY,
        };
        verify(&request, &self.keys, &self.options).is_ok()
    }

    /// The same RSA check through the general `rsa` crate path, for comparison.
    pub fn verify_general_rsa(&self) -> bool {
        let Some(key): Option<&TrustedKey> = self.keys.iter().next() else {
            return false;
        };
        let message = string_to_sign(&RequestTarget::split(TARGET), BODY);
        let signature = base64_decode(AUTHORIZATION).unwrap_or_default();
        check_signature_general(key, &message, &signature).is_ok()
    }

    /// Parsing a verified JSON body (as the signer's JSON type), building the upload event from
    /// its claims and serialising it for the queue.
    pub fn parse_event(&self) -> usize {
        let request = CallbackRequest {
            target: b"/oss/callback",
            headers: &self.event_headers,
            body: EVENT_BODY,
        };
        let verified = oss_edge_core::callback::VerifiedCallback {
            target: RequestTarget::split(b"/oss/callback"),
            body: EVENT_BODY,
            key_url: String::new(),
            builtin_key: true,
        };
        let body = parse_body(&verified, &request, Some(BodyType::Json));
        match ObjectFacts::from_claims(body.claimed()) {
            Ok(object) => UploadEvent::from_callback(body, object, false, None, NOW)
                .to_json()
                .len(),
            Err(_) => 0,
        }
    }

    /// A V4 PostObject signature over a policy.
    pub fn v4_post_signature(&self) -> usize {
        sign_post_policy("sk", &Scope::at(NOW, self.region.clone()), POLICY_B64).len()
    }

    /// A V4 presigned PUT URL with a callback.
    pub fn v4_presign(&self) -> usize {
        let request = PresignRequest::put("examplebucket", "uploads/alice/0f3c9a7e2b1d4c5a.png")
            .content_type("image/png")
            .callback("eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9vc3MtZGVtby5hbGl5dW5jcy5jb206MjM0NTAiLCJjYWxsYmFja0JvZHkiOiJidWNrZXQ9JHtidWNrZXR9In0=", None);
        presign(&request, &self.presign_options).map_or(0, |p| p.url.len())
    }
}

/// The measured operations by name, in report order.
pub const OPERATIONS: [&str; 5] = [
    "callback_verify",
    "callback_verify_general_rsa",
    "event_parse",
    "v4_post_signature",
    "v4_presign",
];

/// Runs operation `name` once; returns a value derived from its result so it cannot be
/// optimised away, or `None` for an unknown name.
pub fn run(fixtures: &Fixtures, name: &str) -> Option<usize> {
    Some(match name {
        "callback_verify" => usize::from(fixtures.verify()),
        "callback_verify_general_rsa" => usize::from(fixtures.verify_general_rsa()),
        "event_parse" => fixtures.parse_event(),
        "v4_post_signature" => fixtures.v4_post_signature(),
        "v4_presign" => fixtures.v4_presign(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_does_real_work() {
        let f = Fixtures::new();
        assert!(f.verify(), "the real vector must verify");
        assert!(f.verify_general_rsa());
        for name in OPERATIONS {
            assert!(run(&f, name).is_some_and(|v| v > 0), "{name}");
        }
        assert_eq!(run(&f, "nope"), None);
    }
}
