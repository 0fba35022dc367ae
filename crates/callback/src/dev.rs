//! Development-only behaviour, active only in [`Environment::Local`]: the development routes
//! handed to the consumer and reconciler Workers, and failure injection (queue sends,
//! confirmation requests) for tests.

use crate::environment::Environment;

/// Requests under this path prefix are the development consumer's (stored events for
/// `scripts/events` and the demo page, test hooks; `docs/consumer.md`). In the local
/// environment the callback Worker forwards them to the consumer Worker through the service
/// binding [`DEV_CONSUMER_BINDING`]: in one multi-config `wrangler dev` only this Worker has a
/// port. Outside the local environment they are ordinary paths (a `POST` is a callback).
pub const DEV_PREFIX: &str = "/__dev/";

/// The service binding to the consumer Worker (`[[env.local.services]]` in `wrangler.toml`).
pub const DEV_CONSUMER_BINDING: &str = "DEV_CONSUMER";

/// The service binding to the reconciler Worker (`[[env.local.services]]` in `wrangler.toml`).
pub const DEV_RECONCILER_BINDING: &str = "DEV_RECONCILER";

/// Any request here runs the reconciler's Cron Trigger handler once (local only): wrangler's
/// `/__scheduled` reaches only the Worker that has the port, this one.
pub const DEV_CRON_PATH: &str = "/__dev/reconciler/scheduled";

/// Where a local development request goes instead of this Worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevForward {
    /// Under [`DEV_PREFIX`]: to the consumer Worker ([`DEV_CONSUMER_BINDING`]).
    Consumer,
    /// [`crate::route::RECONCILE_PATH`]: to the reconciler Worker ([`DEV_RECONCILER_BINDING`]),
    /// so `oss-edge reconcile --url` works against the one local port.
    Reconciler,
    /// [`DEV_CRON_PATH`]: the reconciler's scheduled handler.
    ReconcilerCron,
}

/// Where a request for `path` is handed on — only in the local environment.
pub fn dev_forward(environment: Environment, path: &str) -> Option<DevForward> {
    if environment != Environment::Local {
        None
    } else if path == crate::route::RECONCILE_PATH {
        Some(DevForward::Reconciler)
    } else if path == DEV_CRON_PATH {
        Some(DevForward::ReconcilerCron)
    } else if path.starts_with(DEV_PREFIX) {
        Some(DevForward::Consumer)
    } else {
        None
    }
}

/// Request header that makes queue sends fail or stall, for tests: a number `n` fails the
/// first `n` attempts, `all` fails every attempt, `slow:MS` delays every attempt by `MS`
/// milliseconds before it reaches the queue (a slow or hanging queue: an attempt still running
/// when the budget ends counts as failed). Ignored outside [`Environment::Local`].
pub const FAIL_QUEUE_HEADER: &str = "x-oss-edge-dev-fail-queue";

/// Variable (local only) with the values of [`FAIL_QUEUE_HEADER`], applied to every request
/// that does not send the header: OSS's callback carries no custom headers, so this is how a
/// test makes the queue fail for a stretch (restart the Worker with it, then without). Outside
/// [`Environment::Local`] it is a configuration error (`crate::config::ConfigError`).
pub const VAR_DEV_FAIL_QUEUE: &str = "DEV_FAIL_QUEUE";

/// Request header that makes confirmation HeadObject attempts fail as OSS's transient errors
/// (as if OSS answered 503), with the values of [`FAIL_QUEUE_HEADER`]: `n`, `all`, `slow:MS`.
/// Ignored outside [`Environment::Local`].
pub const FAIL_CONFIRM_HEADER: &str = "x-oss-edge-dev-fail-confirm";

/// Request header that makes every send to one queue shard fail (its number, `0` for
/// `UPLOAD_EVENTS`): a refusing shard, to see the failover. Ignored outside
/// [`Environment::Local`].
pub const FAIL_SHARD_HEADER: &str = "x-oss-edge-dev-fail-shard";

/// The shard [`FAIL_SHARD_HEADER`] names — only in the local environment.
pub fn failing_shard(environment: Environment, header: Option<&str>) -> Option<usize> {
    if environment != Environment::Local {
        return None;
    }
    header.and_then(|v| v.trim().parse().ok())
}

/// Injected failures of one step (queue send or confirmation) for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectedFailures {
    /// None (always, outside the local environment).
    None,
    /// Fail the first `n` attempts.
    First(u32),
    /// Fail every attempt.
    All,
    /// Delay every attempt by this many milliseconds.
    Slow(u32),
}

impl InjectedFailures {
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

/// `n`, `all` or `slow:MS` (surrounding blanks ignored) as failures; `None` for anything else.
pub fn parse_failures(value: &str) -> Option<InjectedFailures> {
    let value = value.trim();
    if value == "all" {
        return Some(InjectedFailures::All);
    }
    match value.strip_prefix("slow:") {
        Some(ms) => ms.parse().ok().map(InjectedFailures::Slow),
        None => value.parse().ok().map(InjectedFailures::First),
    }
}

/// The failures requested by `header` — only in the local environment. A header that does not
/// parse injects nothing.
pub fn injected_failures(environment: Environment, header: Option<&str>) -> InjectedFailures {
    if environment != Environment::Local {
        return InjectedFailures::None;
    }
    header
        .and_then(parse_failures)
        .unwrap_or(InjectedFailures::None)
}

/// The queue failures for one request: [`FAIL_QUEUE_HEADER`]'s when the request sends it, else
/// `configured` ([`VAR_DEV_FAIL_QUEUE`], which the configuration allows only locally) — and
/// none outside the local environment either way.
pub fn queue_failures(
    environment: Environment,
    header: Option<&str>,
    configured: InjectedFailures,
) -> InjectedFailures {
    match header {
        Some(_) => injected_failures(environment, header),
        None if environment == Environment::Local => configured,
        None => InjectedFailures::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_queue_injection() {
        let slow = injected_failures(Environment::Local, Some("slow:1500"));
        assert_eq!(slow, InjectedFailures::Slow(1500));
        assert_eq!((slow.fails(1), slow.delay_ms()), (false, 1500));
        assert_eq!(
            injected_failures(Environment::Production, Some("slow:1500")),
            InjectedFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("slow:x")),
            InjectedFailures::None
        );
    }

    #[test]
    fn the_configured_queue_failures_apply_when_the_header_is_absent() {
        let local = Environment::Local;
        assert_eq!(
            queue_failures(local, None, InjectedFailures::All),
            InjectedFailures::All
        );
        assert_eq!(
            queue_failures(local, Some("2"), InjectedFailures::All),
            InjectedFailures::First(2),
            "the header wins"
        );
        assert_eq!(
            queue_failures(Environment::Production, None, InjectedFailures::All),
            InjectedFailures::None
        );
        assert_eq!(
            parse_failures(" slow:250 "),
            Some(InjectedFailures::Slow(250))
        );
        assert_eq!(parse_failures("3"), Some(InjectedFailures::First(3)));
        for bad in ["", "sometimes", "slow:", "-1", "ALL"] {
            assert_eq!(parse_failures(bad), None, "{bad}");
        }
    }

    #[test]
    fn failing_shard_only_locally() {
        assert_eq!(failing_shard(Environment::Local, Some(" 1 ")), Some(1));
        assert_eq!(failing_shard(Environment::Local, Some("x")), None);
        assert_eq!(failing_shard(Environment::Production, Some("0")), None);
    }

    #[test]
    fn development_routes_are_forwarded_only_locally() {
        let local = |path| dev_forward(Environment::Local, path);
        assert_eq!(local("/__dev/events"), Some(DevForward::Consumer));
        assert_eq!(local("/__dev/rows"), Some(DevForward::Consumer));
        assert_eq!(local("/v1/reconcile"), Some(DevForward::Reconciler));
        assert_eq!(
            local("/__dev/reconciler/scheduled"),
            Some(DevForward::ReconcilerCron)
        );
        for path in ["/__dev/events", "/v1/reconcile", DEV_CRON_PATH] {
            assert_eq!(dev_forward(Environment::Production, path), None, "{path}");
        }
        assert_eq!(local("/__dev"), None);
        assert_eq!(local("/v1/reconcile/x"), None);
        assert_eq!(local("/oss/callback"), None);
    }

    #[test]
    fn injection_exists_only_locally() {
        assert_eq!(
            injected_failures(Environment::Production, Some("all")),
            InjectedFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Production, Some("3")),
            InjectedFailures::None
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("all")),
            InjectedFailures::All
        );
        assert_eq!(
            injected_failures(Environment::Local, Some("2")),
            InjectedFailures::First(2)
        );
        assert_eq!(
            injected_failures(Environment::Local, None),
            InjectedFailures::None
        );
        assert!(InjectedFailures::First(2).fails(2) && !InjectedFailures::First(2).fails(3));
    }
}
