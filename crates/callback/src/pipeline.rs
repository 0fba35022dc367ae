//! The decisions, without IO: a request in, an event and its reply (or a [`Rejection`]) out.
//! Every OSS-specific step is one core call; this module only orders them. The one outbound
//! request (HeadObject) sits between [`authenticate_callback`] / [`authenticate_recovery`]
//! and [`conclude`]; the adapter performs it and hands the answer to [`judge_answer`].
//!
//! A callback:
//!
//! 1. The path must be allowed (`ALLOWED_PATH_PREFIXES`).
//! 2. OSS's signature must verify against a trusted key (core `verify`). It proves the sender
//!    is OSS — not that the upload went to *our* bucket: OSS signs every customer's callbacks
//!    with the same key, and the body is whatever the uploader's callback template says.
//! 3. The upload ticket from the raw query is **authenticated** (key, MAC, deadline):
//!    required or optional per `REQUIRE_TICKET`; a ticket that is present and invalid is always
//!    refused.
//! 4. The body is parsed as the type the signer chose (the ticket's `bdy`), never as the
//!    unsigned `Content-Type` says; only without a ticket does the header decide.
//! 5. The body must name bucket, object and size (`body_incomplete`).
//! 6. The bucket must be configured (`BUCKETS`, when set; always with confirmation):
//!    `bucket_not_configured` without any request.
//! 7. The ticket must admit that bucket and key — before the request, so the Worker never
//!    looks up keys outside a grant.
//! 8. With confirmation: one HeadObject ([`confirmation_request`]), judged by the core against
//!    the body's claims ([`judge_answer`]): `object_not_found`, `object_mismatch`, or the
//!    bucket's facts.
//! 9. [`conclude`]: the ticket must admit the **bucket's** facts (size); the event is built
//!    from them (`confirmed: true`, the body's values kept as `claimed`) and the reply rendered.
//!
//! A recovery call (`POST /v1/recover`, [`authenticate_recovery`]) has no OSS signature and no
//! body claims: the ticket is required, names the bucket (and the key, or a prefix the body's
//! `key` must be in), and steps 6–9 are the same, so the event gets the same id.

use oss_edge_core::callback::event::TicketSummary;
use oss_edge_core::callback::{CallbackBody, CallbackRequest, UploadEvent, parse_body, verify};
use oss_edge_core::confirm::{
    Claimed, ConfirmError, HeadAnswer, ObjectFacts, OutboundRequest, head_object, judge_head,
};
use oss_edge_core::ticket::{self, ObjectScope, UploadFacts, VerifiedTicket};

use crate::config::{Config, Confirmation};
use crate::rejection::Rejection;
use crate::route::path_of_target;
use crate::ticket_steps;

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

    fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// Which path a pending event came in on.
#[derive(Debug)]
enum Via {
    /// An OSS callback, with its parsed body.
    Callback(Box<CallbackBody>),
    /// A client's recovery call.
    Recovery,
}

/// An authenticated request naming one object, waiting for the bucket to confirm it.
#[derive(Debug)]
pub struct Pending {
    /// The bucket the object is in.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// What the request claims about the object (nothing, for a recovery call).
    pub claimed: Claimed,
    /// The authenticated ticket, when one came with the request.
    pub ticket: Option<VerifiedTicket>,
    via: Via,
}

/// The event, ready to queue.
#[derive(Debug)]
pub struct Accepted {
    /// The event.
    pub event: UploadEvent,
    /// The event as compact JSON: the queue message.
    pub event_json: String,
    /// The 200 reply body.
    pub reply: Vec<u8>,
}

/// The ticket in `query`: `None` when absent (and allowed), else authenticated.
fn ticket_from_query(
    config: &Config,
    query: &str,
    now_unix: i64,
    required: bool,
) -> Result<Option<VerifiedTicket>, Rejection> {
    match ticket::find_in_query(query).map_err(Rejection::Ticket)? {
        None if required => Err(Rejection::TicketRequired),
        None => Ok(None),
        Some(text) => ticket_steps::authenticate(text, &config.ticket_keys, now_unix)
            .map(Some)
            .map_err(Rejection::Ticket),
    }
}

/// Steps 6 and 7: the bucket is ours, and the ticket grants this key in it.
fn check_target(
    config: &Config,
    bucket: &str,
    key: &str,
    ticket: Option<&VerifiedTicket>,
) -> Result<(), Rejection> {
    if let Some(buckets) = &config.buckets {
        buckets.target(bucket).map_err(Rejection::Confirm)?;
    }
    if let Some(ticket) = ticket {
        let facts = UploadFacts {
            bucket: Some(bucket),
            object: Some(key),
            size: None,
        };
        ticket_steps::admits(ticket, &facts).map_err(Rejection::Ticket)?;
    }
    Ok(())
}

/// Steps 1–7 for an OSS callback (see the [module docs](self)).
pub fn authenticate_callback(
    config: &Config,
    incoming: &Incoming<'_>,
) -> Result<Pending, Rejection> {
    if !config.path_allowed(path_of_target(incoming.target).as_bytes()) {
        return Err(Rejection::PathNotAllowed);
    }
    let request = incoming.request();
    let verified =
        verify(&request, &config.trusted_keys, &config.verify).map_err(Rejection::Verify)?;
    let ticket = ticket_from_query(
        config,
        incoming.query(),
        incoming.now_unix,
        config.require_ticket,
    )?;
    let body_type = ticket.as_ref().and_then(ticket_steps::body_type);
    let body = parse_body(&verified, &request, body_type);
    let identity = body.identity().map_err(Rejection::BodyIncomplete)?;
    check_target(config, &identity.bucket, &identity.key, ticket.as_ref())?;
    Ok(Pending {
        bucket: identity.bucket,
        key: identity.key,
        claimed: identity.claimed,
        ticket,
        via: Via::Callback(Box::new(body)),
    })
}

/// The `key` of a `POST /v1/recover` body: empty, or `{"key": "…"}` (optional when the
/// ticket names an exact key). Read from a `serde_json::Value` by hand: a derived
/// `Deserialize` would bring serde's float-formatting error messages into the Worker.
fn recover_key(body: &[u8]) -> Result<Option<String>, Rejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let invalid = |why: &str| Rejection::RecoverBodyInvalid(why.to_owned());
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| invalid("not JSON"))?;
    let serde_json::Value::Object(members) = value else {
        return Err(invalid("not a JSON object"));
    };
    if members.keys().any(|k| k != "key") {
        return Err(invalid("the only member is `key`"));
    }
    match members.get("key") {
        None => Ok(None),
        Some(serde_json::Value::String(key)) if !key.is_empty() => Ok(Some(key.clone())),
        Some(_) => Err(invalid("`key` must be a non-empty string")),
    }
}

/// The recovery call's counterpart of [`authenticate_callback`]: the ticket (query parameter
/// `oss_edge_ticket`, required whatever `REQUIRE_TICKET` says) names the bucket and the key
/// (or a prefix, and then the body's `key` must be inside it).
pub fn authenticate_recovery(
    config: &Config,
    incoming: &Incoming<'_>,
) -> Result<Pending, Rejection> {
    if !config.confirms() {
        return Err(Rejection::RecoveryUnavailable);
    }
    let Some(ticket) = ticket_from_query(config, incoming.query(), incoming.now_unix, true)? else {
        return Err(Rejection::TicketRequired);
    };
    let key = match (recover_key(incoming.body)?, &ticket.claims.object) {
        (Some(key), _) => key,
        (None, ObjectScope::Key(key)) => key.clone(),
        (None, ObjectScope::Prefix(_)) => return Err(Rejection::RecoverKeyRequired),
    };
    let bucket = ticket.claims.bucket.clone();
    check_target(config, &bucket, &key, Some(&ticket))?;
    Ok(Pending {
        bucket,
        key,
        claimed: Claimed::default(),
        ticket: Some(ticket),
        via: Via::Recovery,
    })
}

/// Step 8: the signed HeadObject to make for `pending`, or `None` when confirmation is off.
/// The URL is built from `BUCKETS` only.
pub fn confirmation_request(
    config: &Config,
    pending: &Pending,
    now_unix: i64,
) -> Result<Option<OutboundRequest>, Rejection> {
    let Confirmation::On { credentials } = &config.confirmation else {
        return Ok(None);
    };
    let target = bucket_target(config, &pending.bucket)?;
    Ok(Some(head_object(
        target,
        &pending.key,
        credentials,
        now_unix,
    )))
}

fn bucket_target<'c>(
    config: &'c Config,
    bucket: &str,
) -> Result<&'c oss_edge_core::confirm::BucketTarget, Rejection> {
    config
        .buckets
        .as_ref()
        .ok_or(Rejection::Confirm(ConfirmError::BucketNotConfigured {
            bucket: bucket.to_owned(),
        }))?
        .target(bucket)
        .map_err(Rejection::Confirm)
}

/// Step 8, the answer: the core judges OSS's answer to the HeadObject against the claims.
/// A [`ConfirmError::is_transient`] error may be retried by the adapter.
pub fn judge_answer(
    config: &Config,
    pending: &Pending,
    answer: &HeadAnswer<'_>,
) -> Result<ObjectFacts, ConfirmError> {
    let target = config
        .buckets
        .as_ref()
        .and_then(|b| b.get(&pending.bucket))
        .ok_or_else(|| ConfirmError::BucketNotConfigured {
            bucket: pending.bucket.clone(),
        })?;
    judge_head(target, &pending.key, &pending.claimed, answer)
}

/// Step 9: the event from `confirmed` (the bucket's facts; `None` only with confirmation off,
/// and then the body's claims, `confirmed: false`), and its reply.
pub fn conclude(
    config: &Config,
    pending: Pending,
    confirmed: Option<ObjectFacts>,
    now_unix: i64,
) -> Result<Accepted, Rejection> {
    let Pending { ticket, via, .. } = pending;
    let (object, is_confirmed) = match (confirmed, &via) {
        (Some(facts), _) => (facts, true),
        (None, _) if config.confirms() => {
            // The adapter must not conclude without the bucket's answer when confirming.
            return Err(Rejection::Confirm(ConfirmError::unreachable(
                "no confirmation answer",
            )));
        }
        (None, Via::Callback(body)) => (
            ObjectFacts::from_claims(body.claimed()).map_err(Rejection::BodyIncomplete)?,
            false,
        ),
        (None, Via::Recovery) => return Err(Rejection::RecoveryUnavailable),
    };
    if let Some(ticket) = &ticket {
        let facts = UploadFacts {
            bucket: Some(&object.bucket),
            object: Some(&object.key),
            size: Some(object.size),
        };
        ticket_steps::admits(ticket, &facts).map_err(Rejection::Ticket)?;
    }
    let summary = ticket.map(|t| TicketSummary {
        subject: t.claims.subject,
        grant_id: t.claims.grant_id,
        key_id: t.key_id,
    });
    let (event, reply) = match via {
        Via::Callback(body) => {
            let event = UploadEvent::from_callback(*body, object, is_confirmed, summary, now_unix);
            let reply = config
                .reply
                .render(&event)
                .map_err(Rejection::ReplyInvalid)?;
            (event, reply)
        }
        Via::Recovery => {
            let event = UploadEvent::recovered(object, summary, now_unix);
            let reply = serde_json::json!({ "id": event.id, "status": "queued" })
                .to_string()
                .into_bytes();
            (event, reply)
        }
    };
    let event_json = event.to_json();
    Ok(Accepted {
        event,
        event_json,
        reply,
    })
}

/// For `DEBUG`: what OSS actually signed, when a signature mismatch has a known cause
/// (core `diagnose`: a rewritten path, a decoded query, a re-encoded body, …; bounded work,
/// tickets redacted).
pub fn explain_mismatch(config: &Config, incoming: &Incoming<'_>) -> Option<String> {
    let hints = oss_edge_core::callback::diagnose::DiagnoseHints {
        callback_url: None,
        prefixes: config.allowed_path_prefixes.clone(),
    };
    oss_edge_core::callback::diagnose::diagnose(&incoming.request(), &config.trusted_keys, &hints)
        .map(|d| d.explanation)
}
