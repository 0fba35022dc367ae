//! The callbacks the Worker benchmarks send: N distinct uploads, each signed the way OSS signs
//! (RSASSA-PKCS1-v1_5 / MD5 over path, query and body, spec §3.1) with the 512-bit test key
//! (the size of OSS's own key, so the fixed-width verification path is the one measured), each
//! carrying an upload ticket in its query as the signer issues it, with a JSON body as the
//! signer's callback template renders it.
//!
//! One generator for every harness (`scripts/bench.d/isolate.mjs` reads them as JSON from the
//! `callbacks` binary, `loadgen` builds them in process), so each figure times the same
//! requests. Callback `i` names object `uploads/load/<i, 8 digits>.png` of size `1000 + i`,
//! with [`ETAG`] and [`CONTENT_TYPE`]: the rule the HeadObject stand-ins
//! (`scripts/bench.d/standins.mjs`, `scripts/bench.d/head-standin.js`) answer by.

use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::ticket::{self, TicketClaims, TicketKey};

/// The bucket the callbacks name (the stand-in's `BUCKETS` entry).
pub const BUCKET: &str = "bench";
/// The ticket key the benchmarked Worker is given as `TICKET_KEYS` (`kid:secret`).
pub const TICKET_KEYS: &str = "bench:oss-edge-bench-ticket-key-not-a-secret-00000001";
/// The raw path OSS calls.
pub const CALLBACK_PATH: &str = "/oss/callback";
/// The ETag every benchmarked object has (an MD5, upper-case hex, as OSS reports it).
pub const ETAG: &str = "D8E8FCA2DC0F896FD7CB4CB0031BA249";
/// The content type every benchmarked object has.
pub const CONTENT_TYPE: &str = "image/png";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many distinct callbacks.
    pub count: usize,
    /// The index of the first (a warm-up set starts far from the measured one, so their
    /// events never share an id).
    pub first: usize,
    /// The test key's PKCS#8 PEM text (tests/keys/test-512-key.pem).
    pub private_key_pem: String,
    /// The URL the `x-oss-pub-key-url` header names (the Worker must trust it: `TRUSTED_KEYS`).
    pub key_url: String,
    /// Whether each callback carries an upload ticket.
    pub tickets: bool,
    /// Change one body byte after signing: the Worker verifies fully and refuses (403).
    pub tamper: bool,
    /// Unix seconds the tickets are minted at (they stay valid for a day).
    pub now_unix: i64,
}

/// One callback as OSS sends it.
#[derive(Clone, Debug)]
pub struct SignedCallback {
    /// Raw path and query.
    pub target: String,
    /// Request headers (besides `Host` and `Content-Length`, which the client sets).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// The object key the body names.
    pub object: String,
    /// The object's size, as the bucket reports it.
    pub size: u64,
}

/// Mints a ticket for exactly `object`, in whichever ticket version the core speaks: the claims
/// must be canonical, so the v2 form (with `dl` and `bdy`, CONTRACTS §1) is tried first.
fn ticket_for(object: &str, key: &TicketKey, now: i64) -> Result<String, String> {
    let expires = now + 86_400;
    let grant_id = format!(
        "bench-{}",
        object.len() + object.bytes().map(usize::from).sum::<usize>()
    );
    let key_json = serde_json::Value::String(object.to_owned()).to_string();
    let v2 = format!(
        r#"{{"gid":"{grant_id}","sub":"bench-user","bkt":"{BUCKET}","key":{key_json},"max":10485760,"exp":{expires},"dl":{},"bdy":"json"}}"#,
        expires + 900
    );
    let v1 = format!(
        r#"{{"gid":"{grant_id}","sub":"bench-user","bkt":"{BUCKET}","key":{key_json},"max":10485760,"exp":{expires}}}"#
    );
    let claims = TicketClaims::from_json(v2.as_bytes())
        .or_else(|_| TicketClaims::from_json(v1.as_bytes()))
        .map_err(|e| format!("ticket claims: {e}"))?;
    ticket::mint(&claims, key).map_err(|e| format!("ticket: {e}"))
}

/// The callbacks, in order; callback `i` (from [`Options::first`]) names object
/// `uploads/load/<i>.png`, request id `LOAD<i>`, size `1000 + i`.
pub fn signed_callbacks(options: &Options) -> Result<Vec<SignedCallback>, String> {
    let signer = CallbackSigner::from_pkcs8_pem(&options.private_key_pem)
        .map_err(|e| format!("key: {e}"))?;
    let ticket_key = {
        let (kid, secret) = TICKET_KEYS
            .split_once(':')
            .ok_or("TICKET_KEYS has no `:`")?;
        TicketKey::new(kid, secret.as_bytes().to_vec()).map_err(|e| format!("ticket key: {e}"))?
    };
    let key_url = base64_encode(options.key_url.as_bytes());
    (options.first..options.first + options.count)
        .map(|i| {
            let object = format!("uploads/load/{i:08}.png");
            let size = 1000 + i as u64;
            let mut body = format!(
                r#"{{"bucket":"{BUCKET}","object":"{object}","etag":"{ETAG}","size":{size},"mimeType":"{CONTENT_TYPE}","imageInfo":{{"height":[480],"width":[640],"format":["png"]}},"crc64":11782093538209634585,"contentMd5":["2Oj8otwPiW/Xy0ywAxuiSQ=="],"clientIp":"127.0.0.1","reqId":"LOAD{i:020}","operation":"PostObject","vpcId":[]}}"#
            );
            let target = if options.tickets {
                ticket::append_to_url(CALLBACK_PATH, &ticket_for(&object, &ticket_key, options.now_unix)?)
            } else {
                CALLBACK_PATH.to_owned()
            };
            let authorization = signer
                .sign(target.as_bytes(), body.as_bytes())
                .map_err(|e| e.to_string())?;
            if options.tamper {
                // Same length, one digit of the request id changed: the signature no longer
                // matches, and nothing else about the request differs.
                body = body.replacen(&format!("LOAD{i:020}"), &format!("LOAD{:020}", i + 1), 1);
            }
            let headers = vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("user-agent".to_owned(), "aliyun-oss-callback".to_owned()),
                ("x-oss-request-id".to_owned(), format!("LOAD{i:020}")),
                ("x-oss-bucket".to_owned(), BUCKET.to_owned()),
                ("authorization".to_owned(), authorization),
                ("x-oss-pub-key-url".to_owned(), key_url.clone()),
            ];
            Ok(SignedCallback {
                target,
                headers,
                body,
                object,
                size,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, verify};

    fn options(tamper: bool) -> Options {
        Options {
            count: 3,
            first: 7,
            private_key_pem: include_str!("../../../tests/keys/test-512-key.pem").to_owned(),
            key_url: "http://127.0.0.1:9/bench.pem".to_owned(),
            tickets: true,
            tamper,
            now_unix: 1_700_000_000,
        }
    }

    fn verifies(callback: &SignedCallback) -> bool {
        let pem = include_str!("../../../tests/keys/test-512-key.pub.pem");
        let mut keys = TrustedKeys::empty();
        keys.add_pem("http://127.0.0.1:9/bench.pem", pem)
            .unwrap_or_else(|e| panic!("keys: {e}"));
        let headers: Vec<(&str, &str)> = callback
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = CallbackRequest {
            target: callback.target.as_bytes(),
            headers: &headers,
            body: callback.body.as_bytes(),
        };
        verify(&request, &keys, &VerifyOptions::default()).is_ok()
    }

    #[test]
    fn valid_callbacks_verify_and_tampered_ones_do_not() {
        let valid = signed_callbacks(&options(false)).unwrap_or_else(|e| panic!("{e}"));
        let tampered = signed_callbacks(&options(true)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(valid.len(), 3);
        for (v, t) in valid.iter().zip(&tampered) {
            assert!(v.target.contains("oss_edge_ticket="), "{}", v.target);
            assert!(verifies(v), "{v:?}");
            assert!(!verifies(t), "{t:?}");
            assert_eq!(v.body.len(), t.body.len());
        }
        assert_ne!(
            valid[0].body, valid[1].body,
            "each callback is a distinct upload"
        );
    }
}
