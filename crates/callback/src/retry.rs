//! The backoff schedule for queue sends, inside a budget that keeps the whole reply within
//! OSS's fixed 5-second callback timeout (spec §2.2).

/// Total time, from the first send attempt, that sending may take (attempts and waits).
/// Verification takes milliseconds; the remaining ~2.5 s absorb network latency between OSS
/// and the edge.
pub const QUEUE_BUDGET_MS: f64 = 2_500.0;

/// The wait before the second attempt; each further wait doubles.
pub const FIRST_BACKOFF_MS: f64 = 50.0;

/// The longest single wait.
pub const MAX_BACKOFF_MS: f64 = 800.0;

/// What to do after attempt number `attempt` (1-based) failed, `elapsed_ms` after the first
/// attempt started: `Some(wait)` to wait and try again, `None` when the budget would be
/// exhausted (the next attempt must still have at least the wait's length to run).
pub fn next_wait(attempt: u32, elapsed_ms: f64) -> Option<f64> {
    let exponent = attempt.saturating_sub(1).min(16);
    let wait = (FIRST_BACKOFF_MS * f64::from(1u32 << exponent)).min(MAX_BACKOFF_MS);
    (elapsed_ms + 2.0 * wait <= QUEUE_BUDGET_MS).then_some(wait)
}

/// How long attempt `n` may run before it counts as failed, `elapsed_ms` into the budget.
pub fn attempt_timeout(elapsed_ms: f64) -> f64 {
    (QUEUE_BUDGET_MS - elapsed_ms).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_inside_the_budget() {
        let (mut elapsed, mut attempt, mut waits) = (5.0, 1, Vec::new());
        while let Some(wait) = next_wait(attempt, elapsed) {
            waits.push(wait);
            elapsed += wait + 5.0;
            attempt += 1;
        }
        assert_eq!(waits, [50.0, 100.0, 200.0, 400.0, 800.0]);
        assert!(elapsed < QUEUE_BUDGET_MS);
        assert_eq!(next_wait(1, QUEUE_BUDGET_MS), None);
        assert_eq!(attempt_timeout(QUEUE_BUDGET_MS + 1.0), 0.0);
    }
}
