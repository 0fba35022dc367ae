//! Past one queue's throughput: a Worker that queues events (the callback Worker and the
//! reconciler) can be bound to several queues (`UPLOAD_EVENTS`,
//! `UPLOAD_EVENTS_1`, …, `UPLOAD_EVENTS_<n-1>`), and each event goes to the queue its id
//! hashes to; when that one refuses, to the next, all within the reply deadline.
//!
//! The arithmetic (docs/callback-worker.md, "Sharded queues"): a Cloudflare Queue accepts about
//! 5,000 messages per second, and each upload is one message (plus one per recovery call or
//! reconciliation re-send). For a sustained rate of `R` uploads per second, bind
//! `ceil(R × (1 + r) / (5,000 × h))` queues, with `r` the share of re-sends (about 0.1) and
//! `h` the headroom kept below the limit (0.8): 10,000 uploads/s → `ceil(11,000 / 4,000)` = 3.
//! The id is a SHA-256, so events spread evenly over the shards; a shard that refuses costs
//! only a failover, not the event.

/// The queue producer binding of shard 0 (`[[queues.producers]] binding`); shard `k ≥ 1` is
/// `UPLOAD_EVENTS_<k>`.
pub const FIRST_BINDING: &str = "UPLOAD_EVENTS";

/// The most shards the Worker looks for (bindings beyond are ignored).
pub const MAX_SHARDS: usize = 16;

/// The binding name of shard `k`.
pub fn binding(k: usize) -> String {
    if k == 0 {
        FIRST_BINDING.to_owned()
    } else {
        format!("{FIRST_BINDING}_{k}")
    }
}

/// The shard an event id belongs to among `shards` (≥ 1): the first 32 bits of the id's
/// SHA-256 hex, modulo the count. Ids the core makes are `sha256:<64 hex>`; anything else
/// (never produced) falls back to a byte sum, still deterministic.
pub fn home(id: &str, shards: usize) -> usize {
    let shards = shards.max(1);
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    let value = hex
        .get(..8)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or_else(|| {
            id.bytes()
                .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)))
        });
    value as usize % shards
}

/// The bound shard queues, in order: `UPLOAD_EVENTS`, then `UPLOAD_EVENTS_1`, … up to the
/// first missing binding.
#[cfg(target_arch = "wasm32")]
pub fn queues(env: &worker::Env) -> Vec<worker::Queue> {
    (0..MAX_SHARDS)
        .map_while(|k| env.queue(&binding(k)).ok())
        .collect()
}

/// Which shard attempt number `attempt` (1-based) goes to: the home shard, then each next one
/// in turn, around again.
pub fn for_attempt(id: &str, shards: usize, attempt: u32) -> usize {
    let shards = shards.max(1);
    (home(id, shards) + attempt.saturating_sub(1) as usize) % shards
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::confirm::event_id;

    #[test]
    fn ids_spread_evenly_and_fail_over_in_turn() {
        let mut counts = [0usize; 3];
        for i in 0..3000 {
            counts[home(&event_id("b", &format!("k{i}"), "E", None), 3)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        let id = event_id("b", "k", "E", None);
        let first = home(&id, 3);
        let order: Vec<usize> = (1..=4).map(|a| for_attempt(&id, 3, a)).collect();
        assert_eq!(order, [first, (first + 1) % 3, (first + 2) % 3, first]);
        assert_eq!(for_attempt(&id, 1, 5), 0);
        assert_eq!(home(&id, 0), 0, "no shard count is one shard");
        assert_eq!(
            (binding(0), binding(2)),
            ("UPLOAD_EVENTS".to_owned(), "UPLOAD_EVENTS_2".to_owned())
        );
    }
}
