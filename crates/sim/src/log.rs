//! The JSON-lines access log: one object per request on stdout.

use std::io::Write as _;

use serde::Serialize;

/// One access-log line.
#[derive(Clone, Debug, Serialize)]
pub struct AccessLine<'a> {
    /// RFC 3339 time of arrival.
    pub time: String,
    /// Method.
    pub method: &'a str,
    /// Path and query as received.
    pub path: &'a str,
    /// Reply status.
    pub status: u16,
    /// `x-oss-request-id`.
    pub request_id: &'a str,
    /// The OSS operation, when one was recognised.
    pub operation: Option<&'a str>,
    /// The OSS error code, for errors.
    pub error: Option<&'a str>,
    /// The callback's outcome, for uploads with a callback.
    pub callback: Option<&'a str>,
    /// Milliseconds spent.
    pub ms: u128,
}

/// Prints `line` as one JSON line on stdout (errors writing the log are ignored).
pub fn write(line: &AccessLine<'_>) {
    if let Ok(text) = serde_json::to_string(line) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}
