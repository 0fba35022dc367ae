//! Storing objects in a local oss-sim the way an upload would, for the tests whose Worker
//! confirms every callback against the bucket (`CONFIRM_OBJECTS`, docs/callback-worker.md):
//! a callback is then only accepted for an object that is really there, with the size and
//! ETag it claims. Shared by `tests/callback-worker` and `tests/consumer-worker`.

use oss_edge_core::sign::presign::{PresignOptions, PresignRequest, presign};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};

use crate::{Client, Framing, now_unix, unique};

/// The development credentials the local stack shares (the signer's, oss-sim's, and the
/// callback Worker's confirmation secrets in `wrangler.toml` `[env.local.vars]`; public on
/// purpose). `tests/config_files.rs` checks they agree.
pub const DEV_ACCESS_KEY_ID: &str = "dev-access-key-id";
/// See [`DEV_ACCESS_KEY_ID`].
pub const DEV_ACCESS_KEY_SECRET: &str = "dev-access-key-secret-not-a-secret";
/// The region oss-sim signs and verifies with.
pub const DEV_REGION: &str = "cn-hangzhou";

/// An object stored in an oss-sim, with its facts computed here from the bytes (an oracle
/// independent of the sim and the Worker).
#[derive(Clone, Debug)]
pub struct Stored {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The bytes' length.
    pub size: u64,
    /// Upper-case hex MD5 of the bytes (a single PutObject's ETag).
    pub etag: String,
    /// The Content-Type it was stored with.
    pub content_type: String,
}

impl Stored {
    /// The event id of this object: bucket, key, ETag (no version).
    pub fn id(&self) -> String {
        oss_edge_core::confirm::event_id(&self.bucket, &self.key, &self.etag, None)
    }

    /// The form body the signer's callback template renders for it, plus `extra`
    /// (`&name=value…`), with the object's own facts.
    pub fn form_body(&self, extra: &str) -> String {
        format!(
            "bucket={}&object={}&etag={}&size={}&mimeType={}&reqId={}{extra}",
            self.bucket,
            form_encode(&self.key),
            self.etag,
            self.size,
            form_encode(&self.content_type),
            unique("req")
        )
    }
}

/// Form-encodes a value (RFC 3986 unreserved kept, the rest percent-encoded).
pub fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Upper-case hex MD5 of `bytes`: the ETag OSS gives a single PutObject.
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
pub fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let at = rest.find('/').unwrap_or(rest.len());
    let target = if at == rest.len() { "/" } else { &rest[at..] };
    (rest[..at].to_owned(), target.to_owned())
}

/// Stores `bytes` under `bucket`/`key` in the oss-sim at `sim` (`127.0.0.1:port`) with a
/// V4-presigned PutObject (no callback), as an upload would; checks the sim's ETag against
/// the MD5 computed here.
pub fn put_object(
    client: &Client,
    sim: &str,
    bucket: &str,
    key: &str,
    bytes: &[u8],
    content_type: &str,
) -> Stored {
    let request = PresignRequest::put(bucket, key).content_type(content_type);
    let signed = presign(
        &request,
        &PresignOptions {
            version: SignatureVersion::V4,
            credentials: Credentials::new(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET),
            region: Region::parse(DEV_REGION).unwrap(),
            endpoint: Endpoint::parse(&format!("http://{sim}")).unwrap(),
            now: now_unix(),
            expires_in: 600,
        },
    )
    .unwrap();
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let response = client
        .send_framed("PUT", &signed.url, &headers, bytes, Framing::Length)
        .unwrap();
    assert_eq!(
        response.status,
        200,
        "PutObject {key}: {}",
        String::from_utf8_lossy(&response.body)
    );
    let etag = md5_hex(bytes);
    assert_eq!(
        response
            .header("etag")
            .map(|e| e.trim_matches('"').to_owned()),
        Some(etag.clone()),
        "oss-sim's ETag is the MD5 of the bytes"
    );
    Stored {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        size: bytes.len() as u64,
        etag,
        content_type: content_type.to_owned(),
    }
}
