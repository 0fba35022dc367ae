//! The callback decision, without IO: raw request in, event and reply (or a [`Rejection`])
//! out. Every OSS-specific step is one core call; this module only orders them.
//!
//! 1. The path must be allowed.
//! 2. OSS's signature must verify against a trusted key (core `verify`).
//! 3. The body is parsed (core `parse_body`; by `Content-Type` until the ticket carries the
//!    signer's body type).
//! 4. The upload ticket from the raw query is checked against the body's signed bucket,
//!    object and size (core `ticket::check`): required or optional per `REQUIRE_TICKET`, but
//!    a ticket that is present and invalid is always refused; with a ticket the body must name
//!    bucket, object and size (`body_incomplete`).
//! 5. The event is built from the body's claims (`confirmed: false`: confirmation in the
//!    bucket is not wired in yet), and the reply is rendered.

use oss_edge_core::callback::event::TicketSummary;
use oss_edge_core::callback::{CallbackRequest, UploadEvent, parse_body, verify};
use oss_edge_core::confirm::ObjectFacts;
use oss_edge_core::ticket::{self, UploadFacts};

use crate::config::Config;
use crate::rejection::Rejection;
use crate::route::path_of_target;

/// A request as received. `target` is the raw path and query.
#[derive(Clone, Copy, Debug)]
pub struct Incoming<'a> {
    /// Path and query exactly as received (see [`crate::route::target_of_url`]).
    pub target: &'a str,
    /// Header (name, value) pairs.
    pub headers: &'a [(&'a str, &'a str)],
    /// The raw body.
    pub body: &'a [u8],
    /// The current time, Unix seconds.
    pub now_unix: i64,
}

impl Incoming<'_> {
    fn request(&self) -> CallbackRequest<'_> {
        CallbackRequest {
            target: self.target.as_bytes(),
            headers: self.headers,
            body: self.body,
        }
    }
}

/// A verified callback, ready to queue.
#[derive(Debug)]
pub struct Accepted {
    /// The event.
    pub event: UploadEvent,
    /// The event as compact JSON: the queue message.
    pub event_json: String,
    /// The 200 reply body.
    pub reply: Vec<u8>,
}

/// Runs the checks in order (see the [module docs](self)).
pub fn process(config: &Config, incoming: &Incoming<'_>) -> Result<Accepted, Rejection> {
    if !config.path_allowed(path_of_target(incoming.target).as_bytes()) {
        return Err(Rejection::PathNotAllowed);
    }
    let request = incoming.request();
    let verified =
        verify(&request, &config.trusted_keys, &config.verify).map_err(Rejection::Verify)?;
    let body = parse_body(&verified, &request, None);

    let query = incoming.target.split_once('?').map_or("", |(_, q)| q);
    let ticket = match ticket::find_in_query(query).map_err(Rejection::Ticket)? {
        None if config.require_ticket => return Err(Rejection::TicketRequired),
        None => None,
        Some(text) => {
            // Only signed values (from the body) are compared with the grant; the x-oss-*
            // headers are not covered by OSS's signature.
            let identity = body.identity().map_err(Rejection::BodyIncomplete)?;
            let facts = UploadFacts {
                bucket: Some(&identity.bucket),
                object: Some(&identity.key),
                size: Some(identity.size),
            };
            let checked = ticket::check(text, &config.ticket_keys, incoming.now_unix, &facts)
                .map_err(Rejection::Ticket)?;
            Some(TicketSummary {
                subject: checked.claims.subject,
                grant_id: checked.claims.grant_id,
                key_id: checked.key_id,
            })
        }
    };
    let object = ObjectFacts::from_claims(body.claimed()).map_err(Rejection::BodyIncomplete)?;
    let event = UploadEvent::from_callback(body, object, false, ticket, incoming.now_unix);
    let reply = config
        .reply
        .render(&event)
        .map_err(Rejection::ReplyInvalid)?;
    let event_json = event.to_json();
    Ok(Accepted {
        event,
        event_json,
        reply,
    })
}

/// For `DEBUG`: what OSS actually signed, when a signature mismatch has a known cause
/// (core `diagnose`: a rewritten path, a decoded query, a re-encoded body, …).
pub fn explain_mismatch(config: &Config, incoming: &Incoming<'_>) -> Option<String> {
    let hints = oss_edge_core::callback::diagnose::DiagnoseHints {
        callback_url: None,
        prefixes: config.allowed_path_prefixes.clone(),
    };
    oss_edge_core::callback::diagnose::diagnose(&incoming.request(), &config.trusted_keys, &hints)
        .map(|d| d.explanation)
}
