//! The upload ticket in two steps (CONTRACTS §1): **authenticate** it before anything else
//! (shape, key, MAC, deadline), and **admit** the upload against it only with facts the
//! bucket confirmed, never with what a callback body claims.
//!
//! A thin seam over the core's `ticket` module, so the pipeline reads the same whichever
//! ticket version the core speaks. (Until the core's ticket v2 is merged this speaks v1:
//! authentication checks the expiry, and there is no body type claim.)

use oss_edge_core::callback::params::BodyType;
use oss_edge_core::ticket::{self, TicketError, TicketKeyring, UploadFacts, VerifiedTicket};

/// Authenticates `text` at `now_unix`: shape, version, key id, MAC and the ticket's deadline
/// (`dl`, the grant's expiry plus the upload allowance). Nothing about the upload is compared.
pub fn authenticate(
    text: &str,
    keyring: &TicketKeyring,
    now_unix: i64,
) -> Result<VerifiedTicket, TicketError> {
    ticket::check(text, keyring, now_unix, &UploadFacts::default())
}

/// Whether `ticket` grants an upload with these facts: bucket, key or prefix, size at most the
/// granted maximum (`None` members are not compared).
pub fn admits(ticket: &VerifiedTicket, facts: &UploadFacts<'_>) -> Result<(), TicketError> {
    let claims = &ticket.claims;
    if let Some(bucket) = facts.bucket
        && bucket != claims.bucket
    {
        return Err(TicketError::BucketMismatch {
            granted: claims.bucket.clone(),
            actual: bucket.to_owned(),
        });
    }
    if let Some(object) = facts.object
        && !claims.object.permits(object)
    {
        return Err(TicketError::ObjectMismatch {
            object: object.to_owned(),
        });
    }
    if let Some(size) = facts.size
        && size > claims.max_size
    {
        return Err(TicketError::SizeExceeded {
            size,
            max_size: claims.max_size,
        });
    }
    Ok(())
}

/// The callback body type the signer chose (ticket claim `bdy`): the body is parsed as this,
/// whatever the unsigned `Content-Type` header says.
pub fn body_type(_ticket: &VerifiedTicket) -> Option<BodyType> {
    None
}
