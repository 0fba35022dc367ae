//! One structured JSON log line per request. Never secrets: no ticket, no query string, no
//! headers; bodies only with `DEBUG`.

use serde::Serialize;

use crate::SERVICE;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 200: the event is on the queue.
    Accepted,
    /// 4xx: not a valid callback.
    Rejected,
    /// 5xx: our fault (configuration, queue).
    Failed,
    /// A health check.
    Health,
}

impl Outcome {
    /// The outcome of a request answered with `status`.
    pub fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Self::Accepted,
            400..=499 => Self::Rejected,
            _ => Self::Failed,
        }
    }
}

/// The log record of one request.
#[derive(Debug, Serialize)]
pub struct RequestLog {
    /// Always [`SERVICE`].
    pub service: &'static str,
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code, when not 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// The error message, when not 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The request method.
    pub method: String,
    /// The raw path (the query, which carries the ticket, is never logged).
    pub path: String,
    /// The event id, when the callback verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The object key, when the body named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The ticket's key id, when a ticket verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_key_id: Option<String>,
    /// HeadObject attempts made to confirm the upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_attempts: Option<u32>,
    /// Whether the event's facts came from the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// Queue send attempts made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_attempts: Option<u32>,
    /// The queue shard that accepted the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_shard: Option<u32>,
    /// Milliseconds from receipt to reply.
    pub latency_ms: u64,
    /// `DEBUG` only: the body as text (lossy UTF-8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `DEBUG` only: what OSS actually signed, for a signature mismatch with a known cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
}

impl RequestLog {
    /// A record for `method` on `path`, to be filled in.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            service: SERVICE,
            outcome: Outcome::Health,
            status: 0,
            code: None,
            message: None,
            method: method.to_owned(),
            path: path.to_owned(),
            event_id: None,
            object: None,
            ticket_key_id: None,
            confirm_attempts: None,
            confirmed: None,
            queue_attempts: None,
            queue_shard: None,
            latency_ms: 0,
            body: None,
            diagnosis: None,
        }
    }

    /// The record as one JSON line.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
