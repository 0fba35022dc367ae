//! A minimal HTTP/1.1 client for the callback request: one `POST`, `Connection: close`,
//! the request target and every header sent exactly as given, and the answer read under a
//! deadline.
//!
//! Hand-written on `std::net` (with `httparse` for the status line and headers) rather than a
//! general client, because the callback must be byte-exact (the signature covers the target as
//! OSS requested it), must carry a `Host` of our choosing (`callbackHost`), and OSS refuses
//! answers without an explicit `Content-Length` — a general client hides how a body was framed.
//! Plain `http://` only: oss-sim has no TLS.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::time::{Duration, Instant};

/// Longest response head read, bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most response headers parsed.
const MAX_HEADERS: usize = 64;

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
    /// Headers, sent in order as given (include `Host`).
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
    /// The deadline passed; `peer` is `ip:port`.
    Timeout {
        /// The address connected to.
        peer: String,
    },
    /// The answer is not HTTP/1.x.
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
#[derive(Debug)]
pub struct Exchange {
    stream: TcpStream,
    peer: SocketAddr,
    deadline: Instant,
    /// Body bytes read together with the head.
    leftover: Vec<u8>,
    /// The answer so far.
    pub answer: Answer,
}

fn remaining(deadline: Instant, peer: SocketAddr) -> Result<Duration, ClientError> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or(ClientError::Timeout {
            peer: peer.to_string(),
        })
}

fn io_error(e: &io::Error, peer: SocketAddr) -> ClientError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout {
            peer: peer.to_string(),
        },
        _ => ClientError::Protocol(e.to_string()),
    }
}

fn connect(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), ClientError> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| ClientError::Connect(format!("{host}: {e}")))?
        // OSS does not call IPv6 addresses (spec §1.2).
        .filter(SocketAddr::is_ipv4)
        .collect();
    let mut last = format!("{host} has no IPv4 address");
    for addr in addrs {
        let budget = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(ClientError::Timeout {
                peer: addr.to_string(),
            })?;
        match TcpStream::connect_timeout(&addr, budget) {
            Ok(stream) => return Ok((stream, addr)),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(ClientError::Timeout {
                    peer: addr.to_string(),
                });
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(ClientError::Connect(last))
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

/// Sends `request` and reads the answer's head before `deadline`.
pub fn send(request: &Outgoing<'_>, deadline: Instant) -> Result<Exchange, ClientError> {
    let (mut stream, peer) = connect(request.host, request.port, deadline)?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .set_write_timeout(Some(remaining(deadline, peer)?))
        .map_err(|e| io_error(&e, peer))?;
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(request.body))
        .and_then(|()| stream.flush())
        .map_err(|e| io_error(&e, peer))?;

    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        stream
            .set_read_timeout(Some(remaining(deadline, peer)?))
            .map_err(|e| io_error(&e, peer))?;
        let n = stream.read(&mut chunk).map_err(|e| io_error(&e, peer))?;
        if n == 0 {
            return Err(ClientError::Protocol(
                "connection closed before the answer's head ended".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = response.code.unwrap_or_default();
                let headers: Vec<(String, String)> = response
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let content_length = content_length(&headers);
                let leftover = buf[len..].to_vec();
                return Ok(Exchange {
                    stream,
                    peer,
                    deadline,
                    leftover,
                    answer: Answer {
                        status,
                        headers,
                        content_length,
                        body: Vec::new(),
                    },
                });
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD_BYTES => {}
            Ok(httparse::Status::Partial) => {
                return Err(ClientError::Protocol("answer head too long".into()));
            }
            Err(e) => return Err(ClientError::Protocol(e.to_string())),
        }
    }
}

impl Exchange {
    /// Reads exactly `length` body bytes before the deadline; returns the whole answer.
    pub fn read_body(mut self, length: u64) -> Result<Answer, ClientError> {
        let length = usize::try_from(length)
            .map_err(|_| ClientError::Protocol("body length does not fit in memory".into()))?;
        let mut body = std::mem::take(&mut self.leftover);
        let mut chunk = [0u8; 8192];
        while body.len() < length {
            self.stream
                .set_read_timeout(Some(remaining(self.deadline, self.peer)?))
                .map_err(|e| io_error(&e, self.peer))?;
            let n = self
                .stream
                .read(&mut chunk)
                .map_err(|e| io_error(&e, self.peer))?;
            if n == 0 {
                return Err(ClientError::Protocol(
                    "connection closed before Content-Length bytes arrived".into(),
                ));
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(length);
        self.answer.body = body;
        Ok(self.answer)
    }

    /// Reads the body up to the connection's close (for answers without a length, in tests).
    pub fn read_to_close(mut self) -> Result<Answer, ClientError> {
        let mut body = std::mem::take(&mut self.leftover);
        self.stream
            .set_read_timeout(Some(remaining(self.deadline, self.peer)?))
            .map_err(|e| io_error(&e, self.peer))?;
        self.stream
            .read_to_end(&mut body)
            .map_err(|e| io_error(&e, self.peer))?;
        self.answer.body = body;
        Ok(self.answer)
    }
}

/// Sends `request` and reads the whole answer (by `Content-Length`, else to the close).
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
