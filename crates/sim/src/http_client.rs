//! The outbound HTTP client for callbacks (and the tests' raw requests), on `ureq` 3.
//!
//! Why `ureq`: a small, well-maintained blocking HTTP/1.1 client (the sim is threaded, no async
//! runtime), which sends the request target exactly as given, keeps a `Host` header set by the
//! caller (OSS's `callbackHost`), exposes the answer's head before the body (OSS refuses
//! answers without an explicit `Content-Length`, so the length is judged first and the body is
//! read to exactly that length), and does redirects, IPv6 and status-as-error only when asked
//! (all off here: OSS follows no redirect and calls no IPv6 address, spec §1.2, §2.4). It
//! replaces a hand-written `std::net` client that had to parse HTTP itself. Plain `http://`
//! only (no TLS features compiled in): oss-sim has no TLS.
//!
//! [`send`] returns an [`Exchange`] after the head; [`Exchange::read_body`] reads the body.

use std::io::{self, Read as _};
use std::time::{Duration, Instant};

use ureq::config::IpFamily;
use ureq::http;

/// Longest body read without a `Content-Length` (only [`Exchange::read_to_close`] does).
const MAX_UNSIZED_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// One request to send.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    /// Host to connect to (name or IPv4).
    pub host: &'a str,
    /// Port to connect to.
    pub port: u16,
    /// Method, e.g. `POST`.
    pub method: &'a str,
    /// Request target (path and query), sent as is.
    pub target: &'a str,
    /// Headers, sent as given (a `Host` here replaces the one derived from `host:port`).
    pub headers: &'a [(String, String)],
    /// Body.
    pub body: &'a [u8],
}

/// The head of an answer, and its body when one was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The single valid `Content-Length`, `None` when absent, ambiguous or chunked.
    pub content_length: Option<u64>,
    /// The body read (empty until [`Exchange::read_body`]).
    pub body: Vec<u8>,
}

impl Answer {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no answer came back.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// No connection (refused, unresolvable, no IPv4 address).
    Connect(String),
    /// The deadline passed; `peer` is `host:port`.
    Timeout {
        /// The address connected to.
        peer: String,
    },
    /// The request could not be sent as given, or the answer is not HTTP/1.x.
    Protocol(String),
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientError::Connect(why) => write!(f, "cannot connect: {why}"),
            ClientError::Timeout { peer } => write!(f, "{peer} did not answer in time"),
            ClientError::Protocol(why) => write!(f, "malformed answer: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// An exchange in progress: the head has been read, the body not yet.
pub struct Exchange {
    body: ureq::Body,
    peer: String,
    /// The answer so far.
    pub answer: Answer,
}

impl core::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Exchange")
            .field("peer", &self.peer)
            .field("answer", &self.answer)
            .finish_non_exhaustive()
    }
}

fn content_length(headers: &[(String, String)]) -> Option<u64> {
    if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
    {
        return None;
    }
    let mut values = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.trim().parse::<u64>().ok());
    let first = values.next()??;
    values.all(|v| v == Some(first)).then_some(first)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn client_error(error: ureq::Error, peer: &str) -> ClientError {
    match error {
        ureq::Error::Timeout(_) => ClientError::Timeout {
            peer: peer.to_owned(),
        },
        ureq::Error::Io(e) if is_timeout(&e) => ClientError::Timeout {
            peer: peer.to_owned(),
        },
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::AddrNotAvailable
                    | io::ErrorKind::NotFound
            ) =>
        {
            ClientError::Connect(format!("{peer}: {e}"))
        }
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            ClientError::Connect(format!("{peer}: {error}"))
        }
        other => ClientError::Protocol(other.to_string()),
    }
}

fn agent(budget: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .ip_family(IpFamily::Ipv4Only)
        .timeout_global(Some(budget))
        // No header the caller did not ask for, besides Host and Content-Length.
        .user_agent(ureq::config::AutoHeaderValue::None)
        .accept(ureq::config::AutoHeaderValue::None)
        .allow_non_standard_methods(true)
        .build()
        .into()
}

/// Sends `request` and reads the answer's head before `deadline`.
pub fn send(request: &Outgoing<'_>, deadline: Instant) -> Result<Exchange, ClientError> {
    let peer = format!("{}:{}", request.host, request.port);
    let budget = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| ClientError::Timeout { peer: peer.clone() })?;
    let mut builder = http::Request::builder()
        .method(request.method)
        .uri(format!("http://{peer}{}", request.target));
    for (name, value) in request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let built = builder
        .body(request.body)
        .map_err(|e| ClientError::Protocol(format!("cannot send this request: {e}")))?;
    let response = agent(budget)
        .run(built)
        .map_err(|e| client_error(e, &peer))?;
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let status = response.status().as_u16();
    let content_length = content_length(&headers);
    Ok(Exchange {
        body: response.into_body(),
        peer,
        answer: Answer {
            status,
            headers,
            content_length,
            body: Vec::new(),
        },
    })
}

impl Exchange {
    fn read(mut self, limit: u64, exact: Option<u64>) -> Result<Answer, ClientError> {
        let mut body = Vec::new();
        let read = self
            .body
            .as_reader()
            .take(limit.saturating_add(1))
            .read_to_end(&mut body);
        match read {
            Err(e) if is_timeout(&e) => {
                return Err(ClientError::Timeout { peer: self.peer });
            }
            Err(e) => return Err(ClientError::Protocol(e.to_string())),
            Ok(_) => {}
        }
        if let Some(length) = exact
            && body.len() as u64 != length
        {
            return Err(ClientError::Protocol(format!(
                "the body has {} bytes, Content-Length said {length}",
                body.len()
            )));
        }
        self.answer.body = body;
        Ok(self.answer)
    }

    /// Reads exactly `length` body bytes before the deadline; returns the whole answer.
    pub fn read_body(self, length: u64) -> Result<Answer, ClientError> {
        self.read(length, Some(length))
    }

    /// Reads the body up to its end (for answers without a length, in tests), at most 64 MiB.
    pub fn read_to_close(self) -> Result<Answer, ClientError> {
        self.read(MAX_UNSIZED_BODY_BYTES, None)
    }
}

/// Sends `request` and reads the whole answer (by `Content-Length`, else to the end).
pub fn exchange(request: &Outgoing<'_>, timeout: Duration) -> Result<Answer, ClientError> {
    let exchange = send(request, Instant::now() + timeout)?;
    let head_only = request.method.eq_ignore_ascii_case("HEAD")
        || matches!(exchange.answer.status, 204 | 304 | 100..=199);
    if head_only {
        return Ok(exchange.answer);
    }
    match exchange.answer.content_length {
        Some(length) => exchange.read_body(length),
        None => exchange.read_to_close(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::net::TcpListener;

    fn outgoing(port: u16) -> Outgoing<'static> {
        Outgoing {
            host: "127.0.0.1",
            port,
            method: "POST",
            target: "/cb?a=%2F+b",
            headers: &[],
            body: b"x",
        }
    }

    #[test]
    fn refused_silent_and_answering_peers() {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        assert!(matches!(
            exchange(&outgoing(port), Duration::from_secs(2)),
            Err(ClientError::Connect(_))
        ));

        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let started = Instant::now();
        assert!(matches!(
            exchange(&outgoing(port), Duration::from_millis(300)),
            Err(ClientError::Timeout { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(silent);

        // The target goes out byte for byte, the Host given replaces the derived one.
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let peer = std::thread::spawn(move || {
            let (mut stream, _) = server.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
            String::from_utf8(head).unwrap()
        });
        let headers = vec![("Host".to_owned(), "cb.example.com".to_owned())];
        let answer = exchange(
            &Outgoing {
                headers: &headers,
                ..outgoing(port)
            },
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"{}"[..]));
        let head = peer.join().unwrap().to_ascii_lowercase();
        assert!(head.starts_with("post /cb?a=%2f+b http/1.1\r\n"), "{head}");
        assert!(head.contains("\r\nhost: cb.example.com\r\n"), "{head}");
        assert!(!head.contains("user-agent"), "{head}");
    }
}
