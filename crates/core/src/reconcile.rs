//! Reconciliation, sans-IO: list the objects grants created recently and turn each into the
//! upload event a callback would have produced, with the same id (docs/events.md).
//!
//! OSS calls the callback once and never retries (spec §1.1); a callback that fails loses the
//! event unless something recovers it. Reconciliation is the operator's safety net: it lists
//! the bucket under the key template's fixed prefix for each day of a window (the default
//! template starts `uploads/{yyyy}{mm}{dd}/`, so each day is one bounded prefix) and queues an
//! event per object. Consumers de-duplicate by id, so sending again what a callback delivered is
//! harmless.
//!
//! ```text
//! Reconciliation::new(bucket, template, now, days)
//!   loop: next_request(credentials, now) -> OutboundRequest   (the adapter sends it)
//!         accept(&answer, now)             -> Vec<Found>
//! Found::Event(event)             listed and complete (unversioned bucket)
//! Found::Confirm { key, owner }   versioned bucket: a listing has no version id, so the adapter
//!                                  confirms the key with a HeadObject (confirm::head_object,
//!                                  judge_head) and builds UploadEvent::reconciled itself
//! ```

use crate::callback::UploadEvent;
use crate::confirm::{
    BucketTarget, ConfirmError, ListAnswer, OutboundRequest, judge_list, judge_listing_entry,
    list_objects,
};
use crate::grant::key::KeyTemplate;
use crate::sign::Credentials;

/// Longest window, in days: a listing per day, and OSS keeps what a Cron Trigger missed.
pub const MAX_DAYS: u32 = 31;

/// Keys per ListObjectsV2 page.
pub const PAGE_SIZE: u32 = 1000;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The prefixes to list for the `days` UTC days ending with `now`'s, newest first, without
/// repeats (a template without a date part before `{subject}` has one prefix for every day).
/// `days` is clamped to `1..=`[`MAX_DAYS`].
pub fn listing_prefixes(template: &KeyTemplate, now: i64, days: u32) -> Vec<String> {
    let mut prefixes: Vec<String> = Vec::new();
    for back in 0..i64::from(days.clamp(1, MAX_DAYS)) {
        let prefix = template.listing_prefix(now.saturating_sub(back * DAY));
        if !prefixes.contains(&prefix) {
            prefixes.push(prefix);
        }
    }
    prefixes
}

/// What a listing page found.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// The object's event, facts from the listing entry.
    Event(Box<UploadEvent>),
    /// A versioned bucket's object: confirm it with a HeadObject (its version id enters the
    /// id), then build [`UploadEvent::reconciled`] with this owner.
    Confirm {
        /// The object key.
        key: String,
        /// `(subject, grant_id)` as the key layout says, when it does.
        owner: Option<(String, String)>,
    },
}

/// One reconciliation run over one bucket: the listing state between requests.
#[derive(Clone, Debug)]
pub struct Reconciliation {
    bucket: BucketTarget,
    template: KeyTemplate,
    prefixes: Vec<String>,
    current: usize,
    continuation: Option<String>,
    pages: u32,
}

impl Reconciliation {
    /// A run over the `days` UTC days ending with `now`'s (see [`listing_prefixes`]).
    pub fn new(bucket: BucketTarget, template: KeyTemplate, now: i64, days: u32) -> Self {
        let prefixes = listing_prefixes(&template, now, days);
        Self {
            bucket,
            template,
            prefixes,
            current: 0,
            continuation: None,
            pages: 0,
        }
    }

    /// The prefixes this run lists.
    pub fn prefixes(&self) -> &[String] {
        &self.prefixes
    }

    /// Pages accepted so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The next ListObjectsV2 request, or `None` when every prefix has been listed.
    pub fn next_request(&self, credentials: &Credentials, now: i64) -> Option<OutboundRequest> {
        self.next_request_sized(credentials, now, PAGE_SIZE)
    }

    /// [`Self::next_request`] for a page of at most `max_keys` (1..=[`PAGE_SIZE`]) objects:
    /// an adapter with a budget of outbound requests (a Worker's subrequests) asks for no more
    /// objects than it can still confirm and queue in this run.
    pub fn next_request_sized(
        &self,
        credentials: &Credentials,
        now: i64,
        max_keys: u32,
    ) -> Option<OutboundRequest> {
        let prefix = self.prefixes.get(self.current)?;
        Some(list_objects(
            &self.bucket,
            prefix,
            self.continuation.as_deref(),
            max_keys.clamp(1, PAGE_SIZE),
            credentials,
            now,
        ))
    }

    /// Where the next request continues: the prefix and the continuation token, or `None`
    /// when the run is done. A run stopped here (its adapter ran out of budget) continues in
    /// a later one with [`Self::resume_at`].
    pub fn position(&self) -> Option<(&str, Option<&str>)> {
        let prefix = self.prefixes.get(self.current)?;
        Some((prefix.as_str(), self.continuation.as_deref()))
    }

    /// Continues a run created with the same `now` and `days` at a [`Self::position`] an
    /// earlier one reported. `false` (and nothing changes) when `prefix` is not one of this
    /// run's prefixes.
    pub fn resume_at(&mut self, prefix: &str, continuation: Option<String>) -> bool {
        match self.prefixes.iter().position(|p| p == prefix) {
            Some(at) => {
                self.current = at;
                self.continuation = continuation;
                true
            }
            None => false,
        }
    }

    /// Reads the answer to [`Self::next_request`] and advances. A refused or unreadable page
    /// is an error and does not advance, so the caller may retry it.
    pub fn accept(
        &mut self,
        answer: &ListAnswer<'_>,
        received_at: i64,
    ) -> Result<Vec<Found>, ConfirmError> {
        let page = judge_list(&self.bucket, answer)?;
        self.pages += 1;
        let found = page
            .entries
            .iter()
            .filter(|entry| !entry.key.ends_with('/'))
            .map(|entry| {
                let owner = self
                    .template
                    .owner_and_grant_of(&entry.key)
                    .map(|(subject, grant)| (subject.to_owned(), grant.to_owned()));
                if self.bucket.versioned {
                    Found::Confirm {
                        key: entry.key.clone(),
                        owner,
                    }
                } else {
                    let facts = judge_listing_entry(&self.bucket, entry);
                    Found::Event(Box::new(UploadEvent::reconciled(facts, owner, received_at)))
                }
            })
            .collect();
        match page.next_continuation {
            Some(token) => self.continuation = Some(token),
            None => {
                self.continuation = None;
                self.current += 1;
            }
        }
        Ok(found)
    }
}
