//! Development-only behaviour, active only in [`Environment::Local`]: the recording queue
//! consumer's line format, the recent-events endpoint the demo page polls, and queue failure
//! injection for tests.

use std::collections::VecDeque;

use crate::config::Environment;

/// Prefix of the line the local queue consumer logs for each event it receives; the rest of
/// the line is the event as compact JSON. `scripts/events` extracts these lines.
pub const EVENT_LINE_PREFIX: &str = "OSS_EDGE_DEV_EVENT ";

/// `GET` path that lists the events the local consumer recorded, oldest first, as a JSON
/// array (the signer's demo page polls it). Outside [`Environment::Local`] it is an ordinary
/// non-callback path (405).
pub const EVENTS_PATH: &str = "/__dev/events";

/// How many recent events [`Recorder`] keeps.
pub const RECORDED_EVENTS: usize = 50;

/// Whether `method` on `path` asks for the recorded events — only in the local environment.
pub fn serves_events(environment: Environment, method: &str, path: &str) -> bool {
    environment == Environment::Local && method == "GET" && path == EVENTS_PATH
}

/// The last [`RECORDED_EVENTS`] events the local consumer received, as JSON texts.
#[derive(Debug, Default)]
pub struct Recorder {
    events: VecDeque<String>,
}

impl Recorder {
    /// An empty recorder (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            events: VecDeque::new(),
        }
    }

    /// Keeps `event_json`, dropping the oldest event when full.
    pub fn record(&mut self, event_json: String) {
        if self.events.len() == RECORDED_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event_json);
    }

    /// The recorded events as one JSON array, oldest first.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, event) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(event);
        }
        out.push(']');
        out
    }
}

/// Request header that makes queue sends fail or stall, for tests: a number `n` fails the
/// first `n` attempts, `all` fails every attempt, `slow:MS` delays every attempt by `MS`
/// milliseconds before it reaches the queue (a slow or hanging queue: an attempt still running
/// when the budget ends counts as failed). Ignored outside [`Environment::Local`].
pub const FAIL_QUEUE_HEADER: &str = "x-oss-edge-dev-fail-queue";

/// Injected queue failures for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueFailures {
    /// None (always, outside the local environment).
    None,
    /// Fail the first `n` attempts.
    First(u32),
    /// Fail every attempt.
    All,
    /// Delay every attempt by this many milliseconds.
    Slow(u32),
}

impl QueueFailures {
    /// Whether attempt `attempt` (1-based) must fail.
    pub fn fails(self, attempt: u32) -> bool {
        match self {
            Self::None => false,
            Self::First(n) => attempt <= n,
            Self::All => true,
            Self::Slow(_) => false,
        }
    }

    /// How long each attempt stalls before reaching the queue, in milliseconds.
    pub fn delay_ms(self) -> u32 {
        match self {
            Self::Slow(ms) => ms,
            _ => 0,
        }
    }
}

/// The failures requested by `header` — only in the local environment.
pub fn injected_failures(environment: Environment, header: Option<&str>) -> QueueFailures {
    if environment != Environment::Local {
        return QueueFailures::None;
    }
    match header.map(str::trim) {
        Some("all") => QueueFailures::All,
        Some(value) => match value.strip_prefix("slow:") {
            Some(ms) => ms.parse().map_or(QueueFailures::None, QueueFailures::Slow),
            None => value
                .parse()
                .map_or(QueueFailures::None, QueueFailures::First),
        },
        None => QueueFailures::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_queue_injection() {
        let slow = injected_failures(Environment::Local, Some("slow:1500"));
        assert_eq!(slow, QueueFailures::Slow(1500));
        assert_eq!((slow.fails(1), slow.delay_ms()), (false, 1500));
        assert_eq!(
            injected_failures(Environment::Production, Some("slow:1500")),
            QueueFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("slow:x")),
            QueueFailures::None
        );
    }

    #[test]
    fn events_endpoint_exists_only_locally_and_keeps_the_last_events() {
        assert!(serves_events(Environment::Local, "GET", EVENTS_PATH));
        assert!(!serves_events(Environment::Production, "GET", EVENTS_PATH));
        assert!(!serves_events(Environment::Local, "POST", EVENTS_PATH));
        assert!(!serves_events(Environment::Local, "GET", "/__dev/events/"));
        let mut recorder = Recorder::new();
        assert_eq!(recorder.to_json(), "[]");
        for i in 0..RECORDED_EVENTS + 2 {
            recorder.record(format!("{{\"n\":{i}}}"));
        }
        let all: Vec<serde_json::Value> = match serde_json::from_str(&recorder.to_json()) {
            Ok(serde_json::Value::Array(all)) => all,
            other => panic!("not a JSON array: {other:?}"),
        };
        assert_eq!(all.len(), RECORDED_EVENTS);
        assert_eq!(all[0]["n"], 2);
        assert_eq!(all[RECORDED_EVENTS - 1]["n"], RECORDED_EVENTS + 1);
    }

    #[test]
    fn injection_exists_only_locally() {
        assert_eq!(
            injected_failures(Environment::Production, Some("all")),
            QueueFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Production, Some("3")),
            QueueFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("all")),
            QueueFailures::All
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("2")),
            QueueFailures::First(2)
        );
        assert_eq!(
            injected_failures(Environment::Local, None),
            QueueFailures::None
        );
        assert!(QueueFailures::First(2).fails(2) && !QueueFailures::First(2).fails(3));
    }
}
