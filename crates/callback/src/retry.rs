//! One deadline for everything a request waits on — the confirmation HeadObject and the queue
//! send, with their retries — so the reply always reaches OSS inside its fixed 5-second
//! callback timeout (spec §2.2), with about a second left for the network between OSS and the
//! edge.
//!
//! ```text
//! arrival ──HEAD (≤1.5 s/attempt, retries while ≥1 s stays for the queue)──queue send (retries)── 4 s
//! ```

/// From the request's arrival, the whole reply (confirmation and queue) must be decided within
/// this many milliseconds.
pub const REPLY_BUDGET_MS: f64 = 4_000.0;

/// What confirmation leaves for the queue: no HeadObject attempt may run into the last
/// second of the budget.
pub const QUEUE_RESERVE_MS: f64 = 1_000.0;

/// The longest one HeadObject attempt may take, so a hanging one leaves time to retry.
pub const HEAD_ATTEMPT_MS: f64 = 1_500.0;

/// The wait before the second attempt; each further wait doubles.
pub const FIRST_BACKOFF_MS: f64 = 50.0;

/// The longest single wait.
pub const MAX_BACKOFF_MS: f64 = 800.0;

/// The end of a request's budget, on the clock of `js_sys::Date::now()` (milliseconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Deadline {
    end_ms: f64,
}

impl Deadline {
    /// The deadline of a request that arrived at `arrived_ms`.
    pub fn for_request(arrived_ms: f64) -> Self {
        Self {
            end_ms: arrived_ms + REPLY_BUDGET_MS,
        }
    }

    /// Milliseconds left at `now_ms`, keeping `reserve_ms` for later steps (never negative).
    pub fn remaining(&self, now_ms: f64, reserve_ms: f64) -> f64 {
        (self.end_ms - reserve_ms - now_ms).max(0.0)
    }

    /// What to do after attempt number `attempt` (1-based) failed at `now_ms`: `Some(wait)`
    /// to wait and try again, `None` when the budget (minus `reserve_ms`) would be exhausted:
    /// the next attempt must still have at least the wait's length to run.
    pub fn next_wait(&self, attempt: u32, now_ms: f64, reserve_ms: f64) -> Option<f64> {
        let exponent = attempt.saturating_sub(1).min(16);
        let wait = (FIRST_BACKOFF_MS * f64::from(1u32 << exponent)).min(MAX_BACKOFF_MS);
        (2.0 * wait <= self.remaining(now_ms, reserve_ms)).then_some(wait)
    }

    /// How long an attempt starting at `now_ms` may run: what is left (minus `reserve_ms`),
    /// at most `cap_ms`.
    pub fn attempt_timeout(&self, now_ms: f64, reserve_ms: f64, cap_ms: f64) -> f64 {
        self.remaining(now_ms, reserve_ms).min(cap_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_waits_double_and_stop_inside_the_budget() {
        let deadline = Deadline::for_request(0.0);
        let (mut now, mut attempt, mut waits) = (5.0, 1, Vec::new());
        while let Some(wait) = deadline.next_wait(attempt, now, 0.0) {
            waits.push(wait);
            now += wait + 5.0;
            attempt += 1;
        }
        assert_eq!(waits, [50.0, 100.0, 200.0, 400.0, 800.0, 800.0, 800.0]);
        assert!(now < REPLY_BUDGET_MS);
        assert_eq!(deadline.next_wait(1, REPLY_BUDGET_MS, 0.0), None);
        assert_eq!(
            deadline.attempt_timeout(REPLY_BUDGET_MS + 1.0, 0.0, 1e9),
            0.0
        );
    }

    #[test]
    fn confirmation_leaves_the_queue_its_reserve() {
        let deadline = Deadline::for_request(1_000.0);
        // Hanging HEAD attempts: each runs to its cap, then waits; none may start so late that
        // it would end inside the queue's reserve.
        let (mut now, mut attempt) = (1_000.0, 1);
        loop {
            let timeout = deadline.attempt_timeout(now, QUEUE_RESERVE_MS, HEAD_ATTEMPT_MS);
            assert!(timeout <= HEAD_ATTEMPT_MS);
            now += timeout;
            assert!(now <= 1_000.0 + REPLY_BUDGET_MS - QUEUE_RESERVE_MS);
            match deadline.next_wait(attempt, now, QUEUE_RESERVE_MS) {
                Some(wait) => now += wait,
                None => break,
            }
            attempt += 1;
        }
        assert!(attempt >= 2, "a hanging HEAD is retried at least once");
        assert!(deadline.remaining(now, 0.0) >= QUEUE_RESERVE_MS);
    }
}
