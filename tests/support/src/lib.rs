//! What the end-to-end test crates (`tests/callback-worker`, `tests/signer-worker`,
//! `tests/consumer-worker`) share, so each speaks HTTP and finds the local services one way:
//!
//! - [`Client`]: one HTTP/1.1 client for every test (ureq, blocking). Every status is an
//!   answer, never an error; redirects are not followed; bodies can be sent with
//!   `Content-Length` or chunked ([`Framing`]).
//! - [`local_url`], [`wait_until_answering`], [`require_answering`]: the base URL of a service
//!   `scripts/dev` started (its port from the environment the runner sets, else the default),
//!   and waiting for it.
//! - [`unique`], [`now_unix`], [`repo_root`].
//! - [`sim`]: storing objects in a local oss-sim as an upload would (for Workers that
//!   confirm callbacks against the bucket).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a panic

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub mod sim;

/// Why a request got no answer (connection refused, timeout, a broken response).
pub use ureq::Error;

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers in the order received, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body (empty for `HEAD`).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics, showing the status and body, when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {:?}",
                self.status,
                self.text()
            )
        })
    }

    /// The body as JSON, or `Null` when it is not JSON.
    pub fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The `error` code of an `{"error": …, "message": …}` body (empty when there is none).
    pub fn error_code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// How a request body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// With `Content-Length`.
    Length,
    /// `Transfer-Encoding: chunked`, without `Content-Length`, in chunks of at most this many
    /// bytes.
    Chunked(usize),
}

/// Hands out at most `chunk` bytes per read, so the client writes chunks of at most that size.
struct ChunkedReader<'a> {
    rest: &'a [u8],
    chunk: usize,
}

impl Read for ChunkedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.len().min(self.chunk.max(1)).min(buf.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

/// The tests' HTTP client. Cheap to clone (connections are pooled per client).
#[derive(Clone, Debug)]
pub struct Client {
    agent: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with a 30 s limit per request, every status returned as an answer, and no
    /// redirects followed (tests look at the redirect itself).
    pub fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self { agent }
    }

    /// Sends `method url` with `headers` and `body` (with `Content-Length`; none for `HEAD`).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, ureq::Error> {
        self.send_framed(method, url, headers, body, Framing::Length)
    }

    /// As [`Client::send`], with the body framed as `framing`.
    pub fn send_framed(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        framing: Framing,
    ) -> Result<Response, ureq::Error> {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = if method.eq_ignore_ascii_case("HEAD") {
            self.agent.run(builder.body(())?)?
        } else {
            match framing {
                Framing::Length => self.agent.run(builder.body(body)?)?,
                Framing::Chunked(chunk) => {
                    let mut reader = ChunkedReader { rest: body, chunk };
                    let body = ureq::SendBody::from_reader(&mut reader);
                    self.agent.run(builder.body(body)?)?
                }
            }
        };
        read_response(response)
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> Result<Response, ureq::Error> {
        self.send("GET", url, &[], b"")
    }

    /// `POST url` with a JSON body and `headers`.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<Response, ureq::Error> {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send("POST", url, &all, body.to_string().as_bytes())
    }
}

fn read_response(mut response: ureq::http::Response<ureq::Body>) -> Result<Response, ureq::Error> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// `http://127.0.0.1:<port>`, the port from `port_env` (set by the test runner) or `default_port`.
pub fn local_url(port_env: &str, default_port: u16) -> String {
    let port = std::env::var(port_env)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| default_port.to_string());
    format!("http://127.0.0.1:{port}")
}

/// Polls `GET url` until any HTTP answer arrives (a misconfigured Worker answers 500 and is
/// still up), for at most `timeout`; the last connection error otherwise.
pub fn wait_until_answering(url: &str, timeout: Duration) -> Result<Response, ureq::Error> {
    let client = Client::new();
    let deadline = Instant::now() + timeout;
    loop {
        match client.get(url) {
            Ok(response) => return Ok(response),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Like [`wait_until_answering`] with a short timeout, panicking with how to start `what`
/// (`runner`) when nothing answers: a test never passes without its service.
pub fn require_answering(what: &str, url: &str, runner: &str) -> Response {
    wait_until_answering(url, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{what} is not answering at {url} ({e}); run {runner}"))
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A unique tag for ids and object keys (process id, time, counter), so repeated runs against
/// long-lived services never confuse one test's data with another's.
pub fn unique(tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{tag}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-request HTTP server on a free port: hands back what it received, answers `reply`.
    fn one_shot(reply: &'static [u8]) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut received = Vec::new();
            let mut content_length = 0usize;
            let mut chunked = false;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                received.extend_from_slice(line.as_bytes());
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    content_length = v.trim().parse().unwrap();
                }
                chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
                if line == "\r\n" {
                    break;
                }
            }
            if chunked {
                loop {
                    let mut size = String::new();
                    reader.read_line(&mut size).unwrap();
                    received.extend_from_slice(size.as_bytes());
                    let n = usize::from_str_radix(size.trim(), 16).unwrap();
                    let mut data = vec![0; n + 2];
                    reader.read_exact(&mut data).unwrap();
                    received.extend_from_slice(&data);
                    if n == 0 {
                        break;
                    }
                }
            } else {
                let mut data = vec![0; content_length];
                reader.read_exact(&mut data).unwrap();
                received.extend_from_slice(&data);
            }
            let mut stream = stream;
            stream.write_all(reply).unwrap();
            received
        });
        (url, handle)
    }

    #[test]
    fn a_refusal_is_an_answer_with_its_headers_and_body() {
        let (url, server) = one_shot(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nX-Thing: a\r\nContent-Length: 17\r\n\r\n{\"error\":\"nope\"}\n",
        );
        let response = Client::new()
            .send("POST", &format!("{url}/cb?x=1"), &[("x-test", "1")], b"abc")
            .unwrap();
        assert_eq!(response.status, 403);
        assert_eq!(response.header("x-thing"), Some("a"));
        assert_eq!(response.error_code(), "nope");
        let request = String::from_utf8(server.join().unwrap()).unwrap();
        assert!(
            request.starts_with("POST /cb?x=1 HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(
            request
                .to_ascii_lowercase()
                .contains("content-length: 3\r\n")
        );
        assert!(request.ends_with("\r\n\r\nabc"), "{request}");
    }

    #[test]
    fn chunked_framing_sends_no_length_and_small_chunks() {
        let (url, server) = one_shot(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        let response = Client::new()
            .send_framed("POST", &url, &[], b"0123456789", Framing::Chunked(4))
            .unwrap();
        assert_eq!(response.status, 200);
        let request = String::from_utf8(server.join().unwrap()).unwrap();
        let lower = request.to_ascii_lowercase();
        assert!(
            lower.contains("transfer-encoding: chunked\r\n"),
            "{request}"
        );
        assert!(!lower.contains("content-length"), "{request}");
        assert!(request.contains("\r\n4\r\n0123\r\n"), "{request}");
        assert!(request.ends_with("0\r\n\r\n"), "{request}");
    }

    #[test]
    fn a_chunked_answer_is_decoded_and_redirects_are_not_followed() {
        let (url, server) = one_shot(
            b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        );
        let response = Client::new().get(&url).unwrap();
        assert_eq!(response.status, 302);
        assert_eq!(response.header("location"), Some("/elsewhere"));
        assert_eq!(response.body, b"abcde");
        server.join().unwrap();
    }

    #[test]
    fn nothing_listening_is_an_error_not_an_answer() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/healthz");
        assert!(wait_until_answering(&url, Duration::from_millis(300)).is_err());
    }

    #[test]
    fn local_url_takes_the_runners_port() {
        assert_eq!(
            local_url("OSS_EDGE_TEST_SUPPORT_UNSET_PORT", 18787),
            "http://127.0.0.1:18787"
        );
    }
}
