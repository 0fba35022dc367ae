#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What confirmation adds to a callback's latency in the local stack (issue 12's closing
//! note). Ignored by default; run by hand against the strict Worker (confirmation on) and a
//! Worker with the same ticket keys and `CONFIRM_OBJECTS=false` at `OSS_EDGE_UNCONFIRMED_ADDR`:
//!
//! ```sh
//! tests/callback-worker/run --keep
//! CALLBACK_PORT=18791 CONFIRM_OBJECTS=false TICKET_KEYS="$(grep ^STRICT_TICKET_KEYS= \
//!   tests/callback-worker/profiles.env | cut -d"'" -f2)" scripts/dev --background --no-setup \
//!   --only callback --instance cblat
//! OSS_EDGE_UNCONFIRMED_ADDR=127.0.0.1:18791 cargo test -p oss-edge-callback-tests \
//!   --features worker-tests --test latency -- --ignored --nocapture
//! ```
//!
//! Each side gets the same kind of request: a fresh stored object, its ticket, its callback;
//! wall-clock time per request at the client (a fresh TCP connection each, as OSS does).

use std::time::{Duration, Instant};

use oss_edge_callback_tests::{Callback, Framing, Worker, send, strict_ticket};
use oss_edge_core::ticket::{ObjectScope, append_to_url};

const ROUNDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn measure(addr: &str, callbacks: &[Callback]) -> Vec<Duration> {
    let mut times: Vec<Duration> = callbacks
        .iter()
        .map(|callback| {
            let headers: Vec<(&str, &str)> = callback
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let started = Instant::now();
            let response = send(
                addr,
                "POST",
                &callback.target,
                &headers,
                &callback.body,
                Framing::Length,
            )
            .unwrap();
            let elapsed = started.elapsed();
            assert_eq!(
                response.status,
                200,
                "{}",
                String::from_utf8_lossy(&response.body)
            );
            elapsed
        })
        .collect();
    times.sort();
    times
}

#[test]
#[ignore = "a measurement, run by hand (see the module docs)"]
fn confirmation_latency_p50_p99() {
    let strict = Worker::get("strict");
    let unconfirmed = std::env::var("OSS_EDGE_UNCONFIRMED_ADDR")
        .expect("OSS_EDGE_UNCONFIRMED_ADDR: a Worker with CONFIRM_OBJECTS=false");
    let make = || -> Vec<Callback> {
        (0..ROUNDS)
            .map(|_| {
                let stored = strict.upload_fresh("bench/");
                let ticket = strict_ticket(ObjectScope::Key(stored.key.clone()));
                Callback::signed(&append_to_url("/cb/bench", &ticket), &stored.form_body(""))
            })
            .collect()
    };
    let (on_calls, off_calls) = (make(), make());
    // Warm both isolates.
    measure(&strict.addr, &on_calls[..5]);
    measure(&unconfirmed, &off_calls[..5]);
    let on = measure(&strict.addr, &on_calls);
    let off = measure(&unconfirmed, &off_calls);
    for (name, times) in [("confirmation on ", &on), ("confirmation off", &off)] {
        println!(
            "{name}: n={} p50={:.1} ms p99={:.1} ms",
            times.len(),
            percentile(times, 0.50).as_secs_f64() * 1e3,
            percentile(times, 0.99).as_secs_f64() * 1e3
        );
    }
}
