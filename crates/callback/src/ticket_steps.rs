//! The upload ticket in two steps (CONTRACTS §1): **authenticate** it before anything else
//! (shape, key, MAC, deadline), and **admit** the upload against it only with facts the
//! bucket confirmed, never with what a callback body claims.
//!
//! A thin seam over the core's `ticket` module, so the pipeline names the two steps.

use oss_edge_core::callback::params::BodyType;
use oss_edge_core::ticket::{self, TicketError, TicketKeyring, UploadFacts, VerifiedTicket};

/// Authenticates `text` at `now_unix`: shape, version, key id, MAC and the ticket's deadline
/// (`dl`, the grant's expiry plus the upload allowance; not the grant's `exp`, which OSS
/// enforces when the upload starts). Nothing about the upload is compared.
pub fn authenticate(
    text: &str,
    keyring: &TicketKeyring,
    now_unix: i64,
) -> Result<VerifiedTicket, TicketError> {
    ticket::authenticate(text, keyring, now_unix)
}

/// Whether `ticket` grants an upload with these facts: bucket, key or prefix, size at most the
/// granted maximum (`None` members are not compared).
pub fn admits(ticket: &VerifiedTicket, facts: &UploadFacts<'_>) -> Result<(), TicketError> {
    ticket.admits(facts)
}

/// The callback body type the signer chose (ticket claim `bdy`): the body is parsed as this,
/// whatever the unsigned `Content-Type` header says.
pub fn body_type(ticket: &VerifiedTicket) -> Option<BodyType> {
    Some(ticket.claims.body_type)
}
