//! Development-only behaviour, active only in [`Environment::Local`]: the recording queue
//! consumer's line format and queue failure injection for tests.

use crate::config::Environment;

/// Prefix of the line the local queue consumer logs for each event it receives; the rest of
/// the line is the event as compact JSON. `scripts/events` extracts these lines.
pub const EVENT_LINE_PREFIX: &str = "OSS_EDGE_DEV_EVENT ";

/// Request header that makes queue sends fail, for tests: a number `n` fails the first `n`
/// attempts, `all` fails every attempt. Ignored outside [`Environment::Local`].
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
}

impl QueueFailures {
    /// Whether attempt `attempt` (1-based) must fail.
    pub fn fails(self, attempt: u32) -> bool {
        match self {
            Self::None => false,
            Self::First(n) => attempt <= n,
            Self::All => true,
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
        Some(n) => n.parse().map_or(QueueFailures::None, QueueFailures::First),
        None => QueueFailures::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
