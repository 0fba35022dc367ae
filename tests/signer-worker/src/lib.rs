//! Helpers for the signer Worker's end-to-end tests: a tiny std-only HTTP/1.1 client and the
//! local development credentials of `crates/signer/wrangler.toml [env.local]`.
//!
//! `tests/signer-worker/run` starts the Worker, sets `SIGNER_URL` and enables this crate's
//! `worker-tests` feature: the test files that need the Worker are built only with it (Cargo.toml
//! `required-features`), so a plain `cargo test --workspace` does not count them, and under the
//! runner a test fails when `SIGNER_URL` is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a panic

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use oss_edge_core::sign::{Credentials, Region};

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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
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

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// The header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` code of a refusal.
    pub fn error_code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("bad status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
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
