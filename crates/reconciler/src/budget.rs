//! The subrequests a run may make: a Worker invocation may make only so many (50 on the Free
//! plan), so a run is bounded, and says where to continue when the bound is reached.

use oss_edge_core::reconcile::PAGE_SIZE;

/// Events per queue batch: `sendBatch` takes at most 100 messages.
pub const QUEUE_BATCH: usize = 100;

/// The subrequests a run may still make. Every listing page, HeadObject and queue batch
/// counts (retries too), and a page is asked only as large as what is left can confirm and
/// queue, so a run never stops between listing a page and queueing its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    limit: u32,
    used: u32,
}

impl Budget {
    /// A run of at most `limit` subrequests.
    pub fn new(limit: u32) -> Self {
        Self { limit, used: 0 }
    }

    /// Subrequests made so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// Takes one subrequest; `false` when none is left.
    pub fn take(&mut self) -> bool {
        if self.used < self.limit {
            self.used += 1;
            true
        } else {
            false
        }
    }

    /// The largest page (`max-keys`) the rest can list, confirm (versioned buckets: one
    /// HeadObject per object) and queue (events are grouped by their home shard among
    /// `shards` queues, a batch per [`QUEUE_BATCH`] of a group; none in a dry run), keeping one
    /// subrequest for a retry; `None` when not even a one-object page fits.
    pub fn page_size(&self, versioned: bool, dry_run: bool, shards: usize) -> Option<u32> {
        let left = self.limit.saturating_sub(self.used);
        // One for the page and one spare for a retry.
        let after_page = left.checked_sub(2)?;
        let shards = u32::try_from(shards.max(1)).unwrap_or(u32::MAX);
        let fits = |n: u32| {
            let heads = if versioned { n } else { 0 };
            // n events in at most min(n, shards) groups: each group's batches round up.
            let batches = if dry_run {
                0
            } else {
                n.div_ceil(QUEUE_BATCH as u32) + n.min(shards) - 1
            };
            heads + batches <= after_page
        };
        if !fits(1) {
            return None;
        }
        // The answer is monotonic in n: a binary search over 1..=PAGE_SIZE.
        let (mut low, mut high) = (1, PAGE_SIZE);
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            if fits(mid) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Some(low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_fit_what_the_budget_can_still_queue() {
        let mut budget = Budget::new(45);
        // 45 - 2 = 43 batches: a full page (10 batches).
        assert_eq!(budget.page_size(false, false, 1), Some(1000));
        // Versioned: n heads + ceil(n/100) batches <= 43 → 42.
        assert_eq!(budget.page_size(true, false, 1), Some(42));
        assert_eq!(budget.page_size(true, true, 1), Some(43));
        // 3 shards: up to 2 more batches (each group rounds up).
        assert_eq!(budget.page_size(false, false, 3), Some(1000));
        assert_eq!(budget.page_size(true, false, 3), Some(40));
        for _ in 0..42 {
            assert!(budget.take());
        }
        // 3 left: page + spare + one batch of 100.
        assert_eq!(budget.page_size(false, false, 1), Some(100));
        assert_eq!(
            budget.page_size(false, false, 2),
            Some(1),
            "two groups need two batches"
        );
        assert_eq!(
            budget.page_size(true, false, 1),
            None,
            "a head and a batch do not fit"
        );
        assert!(budget.take());
        assert_eq!(budget.page_size(false, false, 1), None);
        assert_eq!(
            budget.page_size(false, true, 4),
            Some(1000),
            "a dry run needs no batches"
        );
        assert!(budget.take() && budget.take());
        assert!(!budget.take());
        assert_eq!(budget.used(), 45);
    }
}
