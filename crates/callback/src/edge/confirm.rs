//! The Worker's only outbound request: the confirmation HeadObject the core built from
//! `BUCKETS` (`pipeline::confirmation_request`), sent exactly as given, with retries of
//! transient failures inside the request's deadline.

use std::time::Duration;

use oss_edge_core::confirm::{ConfirmError, HeadAnswer, ObjectFacts, OutboundRequest};
use oss_edge_worker_support::fetch;
use oss_edge_worker_support::js::now_ms;
use worker::Delay;

use crate::config::Config;
use crate::dev::InjectedFailures;
use crate::pipeline::{Pending, judge_answer};
use crate::retry::{Deadline, HEAD_ATTEMPT_MS, QUEUE_RESERVE_MS};

/// Sends `request` until the core's judgement is final or the deadline (minus the queue's
/// reserve) is spent; returns the facts or the last error, and the attempts made.
pub(super) async fn confirm(
    config: &Config,
    pending: &Pending,
    request: &OutboundRequest,
    deadline: &Deadline,
    failures: InjectedFailures,
) -> (Result<ObjectFacts, ConfirmError>, u32) {
    let mut attempt = 1;
    loop {
        let timeout = deadline.attempt_timeout(now_ms(), QUEUE_RESERVE_MS, HEAD_ATTEMPT_MS);
        let stall = f64::from(failures.delay_ms());
        let outcome = if failures.fails(attempt) {
            Err(ConfirmError::Transient {
                status: Some(503),
                reason: format!("failure injected for attempt {attempt} (local environment)"),
            })
        } else if stall >= timeout {
            Delay::from(Duration::from_millis(timeout as u64)).await;
            Err(ConfirmError::unreachable(format!(
                "no answer within {} ms (slow confirmation injected)",
                timeout as u64
            )))
        } else {
            if stall > 0.0 {
                Delay::from(Duration::from_millis(stall as u64)).await;
            }
            match fetch::head(request, (timeout - stall).max(1.0) as u64).await {
                Ok((status, headers)) => judge_answer(
                    config,
                    pending,
                    &HeadAnswer {
                        status,
                        headers: &headers,
                    },
                ),
                Err(reason) => Err(ConfirmError::unreachable(reason)),
            }
        };
        match outcome {
            Err(error) if error.is_transient() => {
                match deadline.next_wait(attempt, now_ms(), QUEUE_RESERVE_MS) {
                    Some(wait) => Delay::from(Duration::from_millis(wait as u64)).await,
                    None => return (Err(error), attempt),
                }
            }
            final_outcome => return (final_outcome, attempt),
        }
        attempt += 1;
    }
}
