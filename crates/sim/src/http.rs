//! The request as the handlers see it, and the reply they produce; independent of the server
//! library.

use std::path::PathBuf;

use crate::error::OssError;

/// A received request, body read.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// Method, upper case.
    pub method: String,
    /// The request target exactly as received (path and query).
    pub target: String,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client's IP address (`${clientIp}`).
    pub client_ip: String,
    /// This request's id (`x-oss-request-id`, `${reqId}`).
    pub request_id: String,
    /// Unix seconds when it arrived.
    pub now: i64,
}

impl Incoming {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target (before `?`).
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// A reply body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A stored object's data file of `len` bytes.
    File {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
}

/// A reply, plus what the access log records about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Status.
    pub status: u16,
    /// Headers (the server adds `x-oss-request-id`, `Server`, `Date` and CORS).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
    /// The OSS operation, for the log.
    pub operation: Option<&'static str>,
    /// The callback's outcome, for the log.
    pub callback: Option<String>,
    /// The error code, for the log.
    pub error_code: Option<&'static str>,
}

impl Reply {
    /// An empty reply with `status`.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
            operation: None,
            callback: None,
            error_code: None,
        }
    }

    /// A reply with a body of `content_type`.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self::empty(status)
            .header("Content-Type", content_type)
            .with_body(Body::Bytes(body))
    }

    /// An XML reply.
    pub fn xml(status: u16, xml: String) -> Self {
        Self::bytes(status, "application/xml", xml.into_bytes())
    }

    /// OSS's XML error reply for `error`, with the `x-oss-ec` header when the error has an
    /// EC (OSS sends it on every error; HEAD answers carry only it).
    pub fn error(error: &OssError, request_id: &str, host_id: &str) -> Self {
        let mut reply = Self::xml(error.status, error.to_xml(request_id, host_id));
        if let Some(ec) = error.ec() {
            reply = reply.header("x-oss-ec", ec);
        }
        reply.error_code = Some(error.code);
        reply
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Adds headers.
    pub fn headers(mut self, headers: impl IntoIterator<Item = (String, String)>) -> Self {
        self.headers.extend(headers);
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Records the operation.
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.operation = Some(operation);
        self
    }
}
