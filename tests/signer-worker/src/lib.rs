//! Helpers for the signer Worker's end-to-end tests: requests through the shared test client
//! (`oss-edge-test-support`) and the local development credentials of
//! `crates/signer/wrangler.toml [env.local]`.
//!
//! `tests/signer-worker/run` starts the Worker, sets `SIGNER_URL` and enables this crate's
//! `worker-tests` feature: the test files that need the Worker are built only with it (Cargo.toml
//! `required-features`), so a plain `cargo test --workspace` does not count them, and under the
//! runner a test fails when `SIGNER_URL` is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a panic

use std::sync::OnceLock;

use oss_edge_core::sign::{Credentials, Region};
use oss_edge_test_support::Client;
pub use oss_edge_test_support::Response;

/// Development bearer token (`AUTH_BEARER_TOKENS = "dev:dev-token"`).
pub const DEV_TOKEN: &str = "dev-token";
/// Development HS256 secret and its key id (`JWT_HS256_SECRETS`).
pub const HS256_KID: &str = "dev";
/// Development HS256 secret.
pub const HS256_SECRET: &str = "local-development-jwt-secret-not-a-secret-01";
/// `JWT_ISSUER` and `JWT_AUDIENCE` of the local configuration.
pub const JWT_ISSUER: &str = "oss-edge-dev";
/// `JWT_AUDIENCE`.
pub const JWT_AUDIENCE: &str = "oss-edge-signer";
/// The RS256 private key whose public half is `JWT_RS256_PUBLIC_KEYS`.
pub const RS256_PRIVATE_PEM: &str = include_str!("../../keys/test-jwt-rs256.pem");
/// Its public half.
pub const RS256_PUBLIC_PEM: &str = include_str!("../../keys/test-jwt-rs256.pub.pem");
/// The development ticket keys, shared with the callback Worker's local configuration.
pub const TICKET_KEYS: &str = "dev:local-development-ticket-key-not-a-secret-0001";
/// Bucket, region, endpoint.
pub const BUCKET: &str = "oss-edge-dev";
/// Region.
pub const REGION: &str = "cn-hangzhou";
/// The local OSS stand-in.
pub const ENDPOINT: &str = "http://127.0.0.1:9000";
/// An origin in `CORS_ALLOWED_ORIGINS`.
pub const ALLOWED_ORIGIN: &str = "http://localhost:5173";
/// Largest upload of the local configuration.
pub const MAX_UPLOAD_BYTES: u64 = 10_485_760;
/// The signer's wrangler configuration (checked against these constants).
pub const WRANGLER_TOML: &str = include_str!("../../../crates/signer/wrangler.toml");

/// The development AccessKey.
pub fn credentials() -> Credentials {
    Credentials::new("dev-access-key-id", "dev-access-key-secret-not-a-secret")
}

/// The region.
pub fn region() -> Region {
    Region::parse(REGION).unwrap()
}

/// Unix seconds now.
pub fn now() -> i64 {
    oss_edge_test_support::now_unix()
}

/// `host:port` of the running Worker (from `SIGNER_URL`); panics when it is unset.
pub fn signer() -> String {
    let url = std::env::var("SIGNER_URL")
        .expect("SIGNER_URL is not set: run the signer tests with tests/signer-worker/run");
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The signer configurations of `tests/signer-worker/profiles.env`, started beside the local
/// one by `tests/signer-worker/run`.
pub const PROFILES_ENV: &str = include_str!("../profiles.env");

/// `host:port` of the profile `name` (e.g. `tpl_dash`); panics when profiles.env has none.
pub fn profile(name: &str) -> String {
    let key = format!("{}_PORT='", name.to_ascii_uppercase());
    let line = PROFILES_ENV
        .lines()
        .find(|l| l.starts_with(&key))
        .unwrap_or_else(|| panic!("tests/signer-worker/profiles.env has no {name} profile"));
    let port = line[key.len()..].trim_end_matches('\'');
    format!("127.0.0.1:{port}")
}

/// The value profile `name` sets for `var`, as written in profiles.env.
pub fn profile_var(name: &str, var: &str) -> Option<String> {
    let key = format!("{}_{var}='", name.to_ascii_uppercase());
    let line = PROFILES_ENV.lines().find(|l| l.starts_with(&key))?;
    Some(line[key.len()..].trim_end_matches('\'').to_owned())
}

/// The UTC day of `unix` as the key templates' `{yyyy}{mm}{dd}` renders it.
pub fn day(unix: i64) -> String {
    oss_edge_core::time::format_oss_day(unix)
}

/// The directory of `subject`'s keys today under the local `KEY_TEMPLATE`
/// (`uploads/{yyyy}{mm}{dd}/{subject}/…`).
pub fn user_dir(subject: &str) -> String {
    format!("uploads/{}/{subject}/", day(now()))
}

/// `host:port` of the running Worker; the calling test fails when there is none.
#[macro_export]
macro_rules! require_signer {
    () => {
        $crate::signer()
    };
}

/// Sends one request to `addr` (`127.0.0.1:port`) and reads the whole response; panics when
/// the Worker does not answer.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    let url = format!("http://{addr}{path}");
    CLIENT
        .get_or_init(Client::new)
        .send(method, &url, headers, body)
        .unwrap_or_else(|e| panic!("{method} {url}: no answer ({e})"))
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `POST /v1/grants` with `body` as `token`.
pub fn grant(addr: &str, token: &str, body: &serde_json::Value) -> Response {
    let auth = bearer(token);
    request(
        addr,
        "POST",
        "/v1/grants",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

/// The name/value pairs of the JSON object at `pointer` in `body`, **in document order** (a
/// `serde_json::Value` object sorts its keys, which would hide the form-field order).
pub fn ordered_pairs(body: &[u8], pointer: &str) -> Vec<(String, String)> {
    use serde::de::{Deserializer as _, MapAccess, Visitor};
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<String, String>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    // Re-serialise just that object with its raw text: find it through RawValue-free slicing.
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let wanted: Vec<String> = value
        .pointer(pointer)
        .and_then(serde_json::Value::as_object)
        .expect("no such object")
        .keys()
        .cloned()
        .collect();
    let text = std::str::from_utf8(body).unwrap();
    // The object is the first `{` after the member name at the end of `pointer`.
    let name = pointer.rsplit('/').next().unwrap();
    let start = text
        .find(&format!("\"{name}\":{{"))
        .expect("member not found")
        + name.len()
        + 3;
    let mut de = serde_json::Deserializer::from_str(&text[start..]);
    let pairs = (&mut de).deserialize_map(Ordered).unwrap();
    assert_eq!(pairs.len(), wanted.len());
    pairs
}

#[cfg(test)]
mod tests {
    /// Stands for the Worker test files in a plain `cargo test`: reported as ignored, with where
    /// they run; under the runner it checks the Worker answers its health check.
    #[test]
    #[cfg_attr(
        not(feature = "worker-tests"),
        ignore = "the signer Worker tests run under tests/signer-worker/run"
    )]
    fn the_signer_worker_answers() {
        let addr = super::signer();
        assert_eq!(
            super::request(&addr, "GET", "/healthz", &[], b"").status,
            200
        );
    }
}
