//! What a message on the dead-letter queue is: an event that could not be stored after every
//! retry (given one more chance to be stored, since D1 may be back), or a message that can
//! never be stored (recorded with the reason).

use crate::event::{self, Invalid, StoredEvent};

/// `reason` of a dead letter that is a valid event D1 did not store.
pub const STORE_FAILED: &str = "store_failed";

/// A message read from the dead-letter queue.
#[derive(Clone, Debug, PartialEq)]
pub enum DeadLetter {
    /// A valid event: the consumer gave up storing it after its retries.
    Unstored(Box<StoredEvent>),
    /// Not an event the consumer can store.
    Invalid {
        /// Why ([`Invalid::code`]).
        reason: &'static str,
        /// The message's `id` member, when it has one (e.g. an unknown schema).
        event_id: Option<String>,
    },
}

impl DeadLetter {
    /// Reads a dead letter's text.
    pub fn read(text: &str) -> Self {
        match event::read(text) {
            Ok(event) => Self::Unstored(Box::new(event)),
            Err(invalid) => Self::Invalid {
                reason: invalid.code(),
                event_id: id_member(text, &invalid),
            },
        }
    }

    /// The `reason` recorded when the dead letter is kept.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unstored(_) => STORE_FAILED,
            Self::Invalid { reason, .. } => reason,
        }
    }

    /// The event id, when the message has one.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Self::Unstored(event) => Some(&event.id),
            Self::Invalid { event_id, .. } => event_id.as_deref(),
        }
    }
}

/// The `id` string of a JSON object whose reading failed after the id was found.
fn id_member(text: &str, invalid: &Invalid) -> Option<String> {
    if matches!(
        invalid,
        Invalid::NotJson { .. }
            | Invalid::NotAnObject
            | Invalid::MissingId
            | Invalid::IdTooLong { .. }
    ) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("id")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_event_was_not_stored() {
        let letter = DeadLetter::read(
            r#"{"schema":"oss-edge.upload.v1","id":"r1","upload":{"object":"a"}}"#,
        );
        assert!(matches!(letter, DeadLetter::Unstored(ref e) if e.id == "r1"));
        assert_eq!(
            (letter.reason(), letter.event_id()),
            (STORE_FAILED, Some("r1"))
        );
    }

    #[test]
    fn invalid_messages_keep_their_reason_and_any_id() {
        let letter = DeadLetter::read(r#"{"schema":"oss-edge.upload.v9","id":"e9"}"#);
        assert_eq!(
            (letter.reason(), letter.event_id()),
            ("unknown_schema", Some("e9"))
        );
        let letter = DeadLetter::read("not json");
        assert_eq!((letter.reason(), letter.event_id()), ("not_json", None));
        let letter = DeadLetter::read(r#"{"schema":"oss-edge.upload.v2"}"#);
        assert_eq!((letter.reason(), letter.event_id()), ("missing_id", None));
        let letter = DeadLetter::read(r#"{"schema":"oss-edge.upload.v2","id":"e2","object":{}}"#);
        assert_eq!(
            (letter.reason(), letter.event_id()),
            ("missing_field", Some("e2"))
        );
    }
}
