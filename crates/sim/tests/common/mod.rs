//! Shared fixtures: an in-process oss-sim on an ephemeral port, a callback receiver that
//! verifies OSS's signature with the core, a raw HTTP client, forms, presigned URLs and a PNG.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oss_edge_core::callback::params::{BodyType, CallbackParams};
use oss_edge_core::callback::{CallbackRequest, TrustedKeys, VerifyOptions, verify};
use oss_edge_core::sign::post_policy::{FormField, PostForm, PostPolicyBuilder};
use oss_edge_core::sign::presign::{PresignOptions, PresignRequest, PresignedRequest, presign};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};
use oss_edge_sim::config::{DEFAULT_BUCKET, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET};
use oss_edge_sim::http_client::{Answer, Outgoing, exchange};
use oss_edge_sim::{Config, Sim};

pub const BUCKET: &str = DEFAULT_BUCKET;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn credentials() -> Credentials {
    Credentials::new(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET)
}

pub fn region() -> Region {
    Region::parse("cn-hangzhou").unwrap()
}

pub fn start_sim() -> Sim {
    Sim::start(Config::dev("127.0.0.1:0").unwrap()).unwrap()
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `Ok` when the core's `callback::verify` accepted OSS's signature.
    pub verified: Result<(), String>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("callback has no {name} header"))
    }

    pub fn body_text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The form body as decoded pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        self.body_text()
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let decode = |s: &str| {
                    String::from_utf8(oss_edge_core::encoding::form_decode(s.as_bytes())).unwrap()
                };
                (decode(k), decode(v))
            })
            .collect()
    }

    pub fn form_value(&self, name: &str) -> String {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("callback body has no {name}"))
    }
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Json,
    NotJson,
    Status500,
}

/// A stand-in for the callback endpoint.
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub mode: Arc<Mutex<Mode>>,
    server: Arc<tiny_http::Server>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl Receiver {
    /// Starts a receiver that trusts `sim`'s key under `sim`'s key URL.
    pub fn start(sim: &Sim, path: &str) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let mut keys = TrustedKeys::empty();
        keys.add_pem(sim.pub_key_url(), sim.public_key_pem())
            .unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new(Mode::Json));
        {
            let (server, received, mode) = (server.clone(), received.clone(), mode.clone());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = Vec::new();
                    request.as_reader().read_to_end(&mut body).unwrap();
                    let target = request.url().to_owned();
                    let headers: Vec<(String, String)> = request
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_owned()))
                        .collect();
                    let refs: Vec<(&str, &str)> = headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str()))
                        .collect();
                    let verified = verify(
                        &CallbackRequest {
                            target: target.as_bytes(),
                            headers: &refs,
                            body: &body,
                        },
                        &keys,
                        &VerifyOptions::default(),
                    )
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                    received.lock().unwrap().push(Received {
                        target,
                        headers,
                        body,
                        verified,
                    });
                    let response = match *mode.lock().unwrap() {
                        Mode::Json => tiny_http::Response::from_data(
                            br#"{"Status":"OK","from":"receiver"}"#.to_vec(),
                        )
                        .with_header(
                            tiny_http::Header::from_bytes("Content-Type", "application/json")
                                .unwrap(),
                        ),
                        Mode::NotJson => tiny_http::Response::from_data(b"OK".to_vec()),
                        Mode::Status500 => {
                            tiny_http::Response::from_data(b"{}".to_vec()).with_status_code(500)
                        }
                    };
                    let _ = request.respond(response);
                }
            });
        }
        Self {
            url: format!("http://127.0.0.1:{port}{path}"),
            received,
            mode,
            server,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }

    pub fn only(&self) -> Received {
        let mut all = self.take();
        assert_eq!(all.len(), 1, "expected exactly one callback, got {all:?}");
        let one = all.remove(0);
        assert_eq!(
            one.verified,
            Ok(()),
            "the receiver could not verify OSS's signature"
        );
        one
    }
}

/// A URL on which nothing listens.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/dead")
}

/// A callback parameter (Base64) to `urls` with `body`.
pub fn callback_b64(urls: &[&str], body: &str, body_type: BodyType) -> String {
    let mut builder = CallbackParams::builder().body(body).body_type(body_type);
    for url in urls {
        builder = builder.url(*url);
    }
    builder.build().unwrap().to_base64()
}

/// A raw request to the sim.
pub fn send(
    sim: &Sim,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let port = sim.addr().port();
    let mut all = vec![
        ("Content-Length".to_owned(), body.len().to_string()),
        ("Connection".to_owned(), "close".to_owned()),
    ];
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        all.insert(0, ("Host".to_owned(), format!("127.0.0.1:{port}")));
    }
    all.extend(
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    exchange(
        &Outgoing {
            host: "127.0.0.1",
            port,
            method,
            target,
            headers: &all,
            body,
        },
        Duration::from_secs(30),
    )
    .unwrap()
}

/// The path and query of a full URL on the sim.
pub fn target_of(sim: &Sim, url: &str) -> String {
    url.strip_prefix(&sim.endpoint()).unwrap().to_owned()
}

/// Sends a presigned request with its signed headers (plus `extra`).
pub fn send_presigned(
    sim: &Sim,
    signed: &PresignedRequest,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers.extend_from_slice(extra);
    send(
        sim,
        &signed.method,
        &target_of(sim, &signed.url),
        &headers,
        body,
    )
}

pub fn presign_at(
    sim: &Sim,
    request: &PresignRequest,
    version: SignatureVersion,
    now: i64,
    expires_in: u64,
) -> PresignedRequest {
    presign(
        request,
        &PresignOptions {
            version,
            credentials: credentials(),
            region: region(),
            endpoint: Endpoint::parse(&sim.endpoint()).unwrap(),
            now,
            expires_in,
        },
    )
    .unwrap()
}

pub fn sign_form(
    sim: &Sim,
    builder: PostPolicyBuilder,
    version: SignatureVersion,
    now: i64,
) -> PostForm {
    builder
        .sign(
            version,
            &credentials(),
            &region(),
            &Endpoint::parse(&sim.endpoint()).unwrap(),
            now,
        )
        .unwrap()
}

/// The form's fields in order, client fields filled from `client`, file excluded.
pub fn form_fields(form: &PostForm, client: &[(&str, &str)]) -> Vec<(String, String)> {
    form.fields
        .iter()
        .filter_map(|field| match field {
            FormField::Fixed { name, value } => Some((name.clone(), value.clone())),
            FormField::Client { name, .. } => client
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| (name.clone(), (*v).to_owned())),
            FormField::File => None,
        })
        .collect()
}

/// Replaces (or adds) field `name`.
pub fn set_field(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        Some(field) => field.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// A `multipart/form-data` body: `fields`, then the file. Returns (content type, body).
pub fn multipart_body(
    fields: &[(String, String)],
    filename: &str,
    file_type: &str,
    data: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "----oss-sim-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {file_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts `fields` + file to the bucket.
pub fn post_form(sim: &Sim, fields: &[(String, String)], data: &[u8]) -> Answer {
    let (content_type, body) = multipart_body(fields, "photo.png", "image/png", data);
    send(
        sim,
        "POST",
        &format!("/{BUCKET}"),
        &[("Content-Type", &content_type)],
        &body,
    )
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc_input);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

/// A complete, valid RGB PNG of `width` x `height` (zlib stored blocks, no compression).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&[(x * 40) as u8, (y * 80) as u8, 200]);
        }
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The error code and message of an OSS XML error body.
pub fn error_of(answer: &Answer) -> (String, String) {
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    let element = |tag: &str| {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        text.split_once(&open)
            .and_then(|(_, rest)| rest.split_once(&close))
            .map(|(v, _)| v.replace("&quot;", "\"").replace("&amp;", "&"))
            .unwrap_or_default()
    };
    (element("Code"), element("Message"))
}

/// Adds `x-oss-date`, `x-oss-content-sha256` and a V4 `Authorization` header to `headers`
/// for `method` on `bucket`/`key` (raw) with decoded `query`, signed at `now` as the SDKs sign.
pub fn sign_v4_headers(
    method: &str,
    bucket: &str,
    key: &str,
    query: &[(String, String)],
    headers: &mut Vec<(String, String)>,
    now: i64,
) {
    use oss_edge_core::sign::v4::{CanonicalRequest, Scope, authorization_header};
    let date = oss_edge_core::time::format_oss_date(now);
    headers.push(("x-oss-content-sha256".into(), "UNSIGNED-PAYLOAD".into()));
    headers.push(("x-oss-date".into(), date.clone()));
    let authorization = authorization_header(
        &credentials(),
        &Scope::at(now, region()),
        &date,
        &CanonicalRequest {
            method,
            bucket: Some(bucket),
            key,
            query,
            headers,
            additional_headers: &[],
        },
    );
    headers.push(("Authorization".into(), authorization));
}

/// Adds `Date` and a V1 `Authorization: OSS ak:sig` header to `headers`, as oss2's `Auth`
/// signs.
pub fn sign_v1_headers(
    method: &str,
    bucket: &str,
    key: &str,
    query: &[(String, String)],
    headers: &mut Vec<(String, String)>,
    now: i64,
) {
    use oss_edge_core::sign::v1;
    let date = oss_edge_core::time::format_http_date(now);
    headers.push(("Date".into(), date.clone()));
    let resource = v1::canonicalized_resource(Some(bucket), key, query);
    let signature = v1::sign(
        &credentials().access_key_secret,
        &v1::string_to_sign(method, headers, &date, &resource),
    );
    headers.push((
        "Authorization".into(),
        format!("OSS {}:{signature}", credentials().access_key_id),
    ));
}

/// Sends `method` to path-style `target` (`/bucket/encoded-key?query`) signed in the
/// `Authorization` header (`version`), with `headers` (signed too when OSS signs them).
pub fn send_header_signed(
    sim: &Sim,
    version: SignatureVersion,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let (bucket, object_path) =
        oss_edge_core::sign::presign::verify::split_path_style(path).unwrap();
    let key = oss_edge_core::sign::query::decode_component(object_path).unwrap();
    let key = key.strip_prefix('/').unwrap_or(&key);
    let query = oss_edge_core::sign::query::parse_query(raw_query).unwrap();
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    match version {
        SignatureVersion::V4 => sign_v4_headers(method, bucket, key, &query, &mut all, now()),
        SignatureVersion::V1 => sign_v1_headers(method, bucket, key, &query, &mut all, now()),
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    send(sim, method, target, &refs, body)
}

/// GET of `key` (percent-encoded as in a URL), signed with V4 in the header (the bucket is
/// private).
pub fn get(sim: &Sim, key: &str) -> Answer {
    send_header_signed(
        sim,
        SignatureVersion::V4,
        "GET",
        &format!("/{BUCKET}/{key}"),
        &[],
        b"",
    )
}
