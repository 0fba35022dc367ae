//! The retry schedule for messages that could not be stored (D1 refused or was unreachable).
//!
//! Each failed delivery is retried with `retry({delaySeconds})`, the delay doubling with the
//! message's `attempts` up to a ceiling. After `max_retries` retries (the consumer's setting in
//! `wrangler.toml`) Cloudflare Queues moves the message to the dead-letter queue. With the
//! defaults (30 s doubling to 1 h, `max_retries = 10`) a message is retried for about 4 hours
//! before it is dead-lettered: an outage of D1 shorter than that loses and dead-letters
//! nothing. [`Backoff::total_wait_seconds`] gives the figure for other settings.

/// Default `RETRY_BASE_SECONDS`: the delay after the first failed attempt.
pub const DEFAULT_BASE_SECONDS: u32 = 30;
/// Default `RETRY_MAX_SECONDS`: the longest delay.
pub const DEFAULT_MAX_SECONDS: u32 = 3600;
/// The longest delay Cloudflare Queues accepts (12 hours).
pub const QUEUE_MAX_DELAY_SECONDS: u32 = 43_200;

/// The backoff settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failed attempt, seconds (≥ 1).
    pub base_seconds: u32,
    /// The longest delay, seconds (≥ `base_seconds`, ≤ [`QUEUE_MAX_DELAY_SECONDS`]).
    pub max_seconds: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_seconds: DEFAULT_BASE_SECONDS,
            max_seconds: DEFAULT_MAX_SECONDS,
        }
    }
}

impl Backoff {
    /// The delay before the next delivery of a message whose attempt number `attempts`
    /// (1 = its first delivery, the message's `attempts` property) just failed:
    /// `base × 2^(attempts − 1)`, at most `max_seconds`.
    pub fn delay_seconds(self, attempts: u32) -> u32 {
        let doublings = attempts.saturating_sub(1).min(31);
        let delay = u64::from(self.base_seconds) << doublings;
        delay.min(u64::from(self.max_seconds)) as u32
    }

    /// How long a message that never gets stored waits in total before it is dead-lettered,
    /// with `max_retries` retries.
    pub fn total_wait_seconds(self, max_retries: u32) -> u64 {
        (1..=max_retries)
            .map(|attempts| u64::from(self.delay_seconds(attempts)))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_ceiling() {
        let backoff = Backoff::default();
        let delays: Vec<u32> = (1..=10).map(|a| backoff.delay_seconds(a)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        // The module docs' figure: about 4 hours with the shipped max_retries = 10.
        assert_eq!(backoff.total_wait_seconds(10), 14_610);
    }

    #[test]
    fn huge_attempt_counts_neither_overflow_nor_exceed_the_ceiling() {
        let backoff = Backoff {
            base_seconds: 7,
            max_seconds: QUEUE_MAX_DELAY_SECONDS,
        };
        assert_eq!(
            backoff.delay_seconds(0),
            7,
            "attempts starts at 1; 0 is treated as 1"
        );
        assert_eq!(backoff.delay_seconds(u32::MAX), QUEUE_MAX_DELAY_SECONDS);
        assert_eq!(backoff.delay_seconds(40), QUEUE_MAX_DELAY_SECONDS);
    }
}
