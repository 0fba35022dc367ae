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

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::callback::signing::CallbackSigner;
    use oss_edge_core::encoding::base64_encode;
    use oss_edge_core::ticket::{BodyType, TicketClaims, TicketKey};

    const KEY_PEM: &str = include_str!("../../../tests/keys/test-callback-key.pem");
    const PUB_PEM: &str = include_str!("../../../tests/keys/test-callback-key.pub.pem");
    const KEY_URL: &str = "http://127.0.0.1:9000/oss-sim/callback_pub_key.pem";
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_700_000_000;
    const ETAG: &str = "D8E8FCA2DC0F896FD7CB4CB0031BA249";

    fn config(vars: &[(&str, &str)]) -> Config {
        let trusted = serde_json::json!([{ "url": KEY_URL, "pem": PUB_PEM }]).to_string();
        let mut all: Vec<(&str, String)> = vec![
            (crate::VAR_ENVIRONMENT, "local".into()),
            (crate::VAR_TICKET_KEYS, format!("k1:{SECRET}")),
            (crate::VAR_TRUSTED_KEYS, trusted),
            (
                crate::VAR_BUCKETS,
                r#"[{"name":"bkt","region":"cn-hangzhou","endpoint":"http://127.0.0.1:9000"}]"#
                    .into(),
            ),
            (crate::VAR_CONFIRM_ACCESS_KEY_ID, "ak".into()),
            (crate::VAR_CONFIRM_ACCESS_KEY_SECRET, "sk".into()),
        ];
        all.extend(vars.iter().map(|(k, v)| (*k, (*v).to_owned())));
        Config::from_lookup(
            &|name| {
                all.iter()
                    .rev()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            },
            &oss_edge_core::callback::software_rsa::SOFTWARE_RSA,
        )
        .unwrap()
    }

    fn ticket(object: ObjectScope, max_size: u64) -> String {
        let claims = TicketClaims {
            grant_id: "g1".into(),
            subject: "alice".into(),
            bucket: "bkt".into(),
            object,
            max_size,
            expires_at: NOW + 60,
            deadline: NOW + 600,
            body_type: BodyType::Form,
        };
        ticket::mint(&claims, &TicketKey::new("k1", SECRET.as_bytes()).unwrap()).unwrap()
    }

    /// A callback signed with the test key, as OSS signs any customer's.
    fn signed(target: &str, body: &str) -> (String, Vec<(String, String)>, String) {
        let signer = CallbackSigner::from_pkcs8_pem(KEY_PEM).unwrap();
        let authorization = signer.sign(target.as_bytes(), body.as_bytes()).unwrap();
        let headers = vec![
            ("authorization".to_owned(), authorization),
            (
                "x-oss-pub-key-url".to_owned(),
                base64_encode(KEY_URL.as_bytes()),
            ),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        (target.to_owned(), headers, body.to_owned())
    }

    fn authenticate(
        config: &Config,
        (target, headers, body): &(String, Vec<(String, String)>, String),
    ) -> Result<Pending, Rejection> {
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        authenticate_callback(
            config,
            &Incoming {
                target,
                headers: &refs,
                body: body.as_bytes(),
                now_unix: NOW,
            },
        )
    }

    fn head_200(size: u64) -> Vec<(String, String)> {
        [
            ("Content-Length", size.to_string()),
            ("ETag", format!("\"{ETAG}\"")),
            ("Content-Type", "image/png".to_owned()),
            ("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT".to_owned()),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect()
    }

    #[test]
    fn a_foreign_bucket_is_refused_before_any_request() {
        let config = config(&[]);
        let with_ticket = ticket(ObjectScope::Prefix("u/".into()), 100);
        let target = ticket::append_to_url("/cb", &with_ticket);
        let forged = signed(&target, "bucket=theirs&object=u/x.png&size=1");
        let error = authenticate(&config, &forged).unwrap_err();
        assert_eq!(error.code(), "bucket_not_configured");
        // And with tickets optional: the same (read by its Content-Type, JSON, without a ticket).
        let open = super::tests::config(&[(crate::VAR_REQUIRE_TICKET, "false")]);
        let forged = signed("/cb", r#"{"bucket":"theirs","object":"u/x.png","size":1}"#);
        assert_eq!(
            authenticate(&open, &forged).unwrap_err().code(),
            "bucket_not_configured"
        );
    }

    #[test]
    fn the_event_carries_the_buckets_facts_and_keeps_the_claims() {
        let config = config(&[]);
        let target = ticket::append_to_url("/cb", &ticket(ObjectScope::Prefix("u/".into()), 100));
        // Parsed as the ticket's form type although the header says JSON.
        let callback = signed(&target, "bucket=bkt&object=u%2Fx.png&size=5&x:a=1");
        let pending = authenticate(&config, &callback).unwrap();
        assert_eq!(
            (pending.bucket.as_str(), pending.key.as_str()),
            ("bkt", "u/x.png")
        );
        let request = confirmation_request(&config, &pending, NOW)
            .unwrap()
            .unwrap();
        assert_eq!(request.method, "HEAD");
        assert_eq!(request.url, "http://127.0.0.1:9000/bkt/u/x.png");
        let headers = head_200(5);
        let facts = judge_answer(
            &config,
            &pending,
            &HeadAnswer {
                status: 200,
                headers: &headers,
            },
        )
        .unwrap();
        let accepted = conclude(&config, pending, Some(facts), NOW).unwrap();
        let event: serde_json::Value = serde_json::from_str(&accepted.event_json).unwrap();
        assert_eq!(event["confirmed"], true);
        assert_eq!(event["object"]["etag"], ETAG);
        assert_eq!(event["object"]["content_type"], "image/png");
        assert_eq!(event["claimed"]["size"], 5);
        assert!(event["claimed"].get("etag").is_none());
        assert_eq!(event["body"]["format"], "form");
        assert_eq!(event["custom"]["x:a"], "1");
        assert_eq!(
            event["id"],
            oss_edge_core::confirm::event_id("bkt", "u/x.png", ETAG, None).as_str()
        );
    }

    #[test]
    fn invented_facts_and_absent_objects_make_no_event() {
        let config = config(&[]);
        let target = ticket::append_to_url("/cb", &ticket(ObjectScope::Prefix("u/".into()), 100));
        let callback = signed(&target, "bucket=bkt&object=u%2Fx.png&size=7");
        let pending = authenticate(&config, &callback).unwrap();
        let headers = head_200(5);
        let mismatch = judge_answer(
            &config,
            &pending,
            &HeadAnswer {
                status: 200,
                headers: &headers,
            },
        )
        .unwrap_err();
        assert_eq!(mismatch.code(), "object_mismatch");
        let absent = judge_answer(
            &config,
            &pending,
            &HeadAnswer {
                status: 404,
                headers: &[],
            },
        )
        .unwrap_err();
        assert_eq!(absent.code(), "object_not_found");
        assert_eq!(Rejection::Confirm(absent).status(), 404);
    }

    #[test]
    fn recovery_names_the_tickets_key_and_checks_the_buckets_size() {
        let config = config(&[]);
        let recover = |ticket: &str, body: &str| {
            let target = ticket::append_to_url("/v1/recover", ticket);
            authenticate_recovery(
                &config,
                &Incoming {
                    target: &target,
                    headers: &[],
                    body: body.as_bytes(),
                    now_unix: NOW,
                },
            )
        };
        let exact = ticket(ObjectScope::Key("u/x.png".into()), 10);
        let pending = recover(&exact, "").unwrap();
        assert_eq!(pending.key, "u/x.png");
        assert_eq!(pending.claimed, Claimed::default());
        // The ticket allows 10 bytes; the bucket says 20: no event.
        let headers = head_200(20);
        let facts = judge_answer(
            &config,
            &pending,
            &HeadAnswer {
                status: 200,
                headers: &headers,
            },
        )
        .unwrap();
        let error = conclude(&config, pending, Some(facts), NOW).unwrap_err();
        assert_eq!(error.code(), "ticket_size_exceeded");

        assert_eq!(
            recover(&exact, r#"{"key":"u/other.png"}"#)
                .unwrap_err()
                .code(),
            "ticket_object_mismatch"
        );
        let prefix = ticket(ObjectScope::Prefix("u/".into()), 10);
        assert_eq!(
            recover(&prefix, "").unwrap_err().code(),
            "recover_key_required"
        );
        assert_eq!(
            recover(&prefix, r#"{"key":"u/y.png"}"#).unwrap().key,
            "u/y.png"
        );
        assert_eq!(
            recover(&prefix, "{}").unwrap_err().code(),
            "recover_key_required"
        );
        assert_eq!(
            recover(&prefix, r#"{"key":"u/y","x":1}"#)
                .unwrap_err()
                .code(),
            "recover_body_invalid"
        );
        let no_ticket = authenticate_recovery(
            &config,
            &Incoming {
                target: "/v1/recover",
                headers: &[],
                body: b"",
                now_unix: NOW,
            },
        );
        assert_eq!(no_ticket.unwrap_err().code(), "ticket_required");
    }

    #[test]
    fn without_confirmation_events_are_the_claims_and_recovery_is_unavailable() {
        let config = config(&[(crate::VAR_CONFIRM_OBJECTS, "false")]);
        let exact = ticket(ObjectScope::Key("u/x.png".into()), 10);
        let target = ticket::append_to_url("/cb", &exact);
        let callback = signed(
            &target,
            &format!("bucket=bkt&object=u%2Fx.png&size=5&etag={ETAG}"),
        );
        let pending = authenticate(&config, &callback).unwrap();
        assert!(
            confirmation_request(&config, &pending, NOW)
                .unwrap()
                .is_none()
        );
        let accepted = conclude(&config, pending, None, NOW).unwrap();
        assert!(!accepted.event.confirmed);
        assert_eq!(accepted.event.object.size, 5);
        let target = ticket::append_to_url("/v1/recover", &exact);
        let error = authenticate_recovery(
            &config,
            &Incoming {
                target: &target,
                headers: &[],
                body: b"",
                now_unix: NOW,
            },
        )
        .unwrap_err();
        assert_eq!(error.code(), "recovery_unavailable");
    }
}
