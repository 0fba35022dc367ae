//! Confirming an upload in the bucket, sans-IO: the facts of an event come from OSS's answer
//! about the stored object, never from what a callback body claims.
//!
//! OSS signs every customer's callbacks with one global key, so a valid callback signature
//! proves the sender is OSS, not that the object is in *our* bucket or has the size, ETag and
//! type the body says. The core therefore turns configuration into the exact signed request to
//! make, and judges the answer; the adapter only performs the request:
//!
//! ```text
//! Buckets::parse_json(BUCKETS) --get(bucket)--> BucketTarget
//!   head_object(target, key, credentials, now) -> OutboundRequest   (adapter sends it)
//!   judge_head(target, key, &claimed, &answer) -> ObjectFacts | ConfirmError
//!   ObjectFacts::event_id()                    -> the event's idempotency id
//! list_objects(...) -> OutboundRequest; judge_list(&answer) / parse_list(xml) -> ListPage
//!   judge_listing_entry(target, &entry)        -> ObjectFacts (same id as a HEAD)
//! ```
//!
//! - [`buckets`]: the configured buckets (`BUCKETS`): name, region, endpoint, versioning.
//! - [`request`]: HeadObject and ListObjectsV2 signed with V4 header authorisation (spec §6.2).
//! - [`facts`]: [`ObjectFacts`] and the object-derived event id.
//! - [`judge`]: a HeadObject answer against the callback's claims; [`ConfirmError`].
//! - [`list`]: OSS's `ListBucketResult` XML, read by a small strict reader ([`xml`]).
//!
//! Every URL is built from configuration only: nothing in a callback names a host to contact.

pub mod buckets;
pub mod error;
pub mod facts;
pub mod judge;
pub mod list;
pub mod request;
pub mod xml;

pub use buckets::{BucketTarget, Buckets, BucketsError};
pub use error::ConfirmError;
pub use facts::{ObjectFacts, event_id};
pub use judge::{Claimed, HeadAnswer, judge_head};
pub use list::{
    ListAnswer, ListEntry, ListError, ListPage, judge_list, judge_listing_entry, parse_list,
};
pub use request::{OutboundRequest, head_object, list_objects};
