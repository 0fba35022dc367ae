//! Reading one queue message as an upload event: the columns the consumer stores, or why the
//! message can never be stored.
//!
//! Two event shapes are read while the producers move from one to the other:
//!
//! - `oss-edge.upload.v2` (the target; CONTRACTS §2): the object's identity comes from
//!   `object` (`bucket`, `key`, `size`, `etag`, all required: they are what `id` is computed
//!   over), `source` says which path produced the event, `confirmed` whether `object` came
//!   from the bucket.
//! - `oss-edge.upload.v1` (what the callback Worker sends before v2 lands): the object comes
//!   from the callback body's `upload` member, each field optional as in the v1 schema;
//!   `source` is stored as `callback` (the only path v1 events come from) and `confirmed` as
//!   unknown (NULL).
//!
//! Any other `schema` is refused ([`Invalid::UnknownSchema`]) rather than half-understood: a
//! consumer older than its producer sends such events to the dead-letter queue, where nothing
//! is lost, until it is upgraded. The id is taken as the producer computed it, never
//! recomputed here: the queue is written only by the callback Worker.

use core::fmt;

use serde_json::{Map, Value};

/// `schema` of the events the callback Worker sends today.
pub const SCHEMA_V1: &str = "oss-edge.upload.v1";
/// `schema` of the v2 events (CONTRACTS §2), the target.
pub const SCHEMA_V2: &str = "oss-edge.upload.v2";

/// Longest `id` stored. A v2 id is 71 characters (`sha256:` and 64 hex digits); a v1 id is a
/// request id or the same hash. Anything this long is not an event id.
pub const MAX_ID_LEN: usize = 512;

/// The `source` stored for v1 events, which only come from callbacks.
pub const V1_SOURCE: &str = "callback";

/// The event schemas this consumer understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// `oss-edge.upload.v1`.
    V1,
    /// `oss-edge.upload.v2`.
    V2,
}

impl Schema {
    /// The `schema` member's value.
    pub fn name(self) -> &'static str {
        match self {
            Self::V1 => SCHEMA_V1,
            Self::V2 => SCHEMA_V2,
        }
    }
}

/// One event as the consumer stores it: the queryable columns and the event's JSON text.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// The idempotency key: one row per id however often the event arrives.
    pub id: String,
    /// Which shape the event has.
    pub schema: Schema,
    /// `callback`, `recovery` or `reconciliation` (v2; informative), `callback` for v1.
    pub source: Option<String>,
    /// The bucket the object is in.
    pub bucket: Option<String>,
    /// The object key.
    pub key: Option<String>,
    /// The object's size in bytes.
    pub size: Option<u64>,
    /// The object's ETag as the event carries it.
    pub etag: Option<String>,
    /// The object's content type (v2 `object.content_type`, v1 `upload.mime_type`).
    pub content_type: Option<String>,
    /// Who the object belongs to: v2 `owner.subject` (from the ticket, or from the key layout
    /// for a reconciliation), else `ticket.subject`.
    pub subject: Option<String>,
    /// v2 `owner.grant_id`, else `ticket.grant_id`.
    pub grant_id: Option<String>,
    /// v2 `confirmed`: whether `object` came from the bucket; `None` for v1.
    pub confirmed: Option<bool>,
    /// When the producer received the upload (`received_at`, RFC 3339).
    pub received_at: Option<String>,
    /// The event as compact JSON text, exactly as it arrived.
    pub json: String,
}

/// Why a message can never be stored. Retrying does not change any of these, so such a
/// message goes to the dead-letter queue at once.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Invalid {
    /// The message is not JSON text.
    NotJson {
        /// The parser's message.
        reason: String,
    },
    /// The message is JSON but not an object.
    NotAnObject,
    /// No `id` member, or it is not a non-empty string.
    MissingId,
    /// `id` is longer than [`MAX_ID_LEN`].
    IdTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// No `schema` member, or it is not a string.
    MissingSchema,
    /// A schema this consumer does not read.
    UnknownSchema {
        /// The `schema` value.
        schema: String,
    },
    /// A member the schema requires is absent.
    MissingField {
        /// Its path, e.g. `object.key`.
        field: &'static str,
    },
    /// A member has the wrong JSON type.
    WrongType {
        /// Its path.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl Invalid {
    /// The stable snake_case code (logged and stored as the dead letter's `reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson { .. } => "not_json",
            Self::NotAnObject => "not_an_object",
            Self::MissingId => "missing_id",
            Self::IdTooLong { .. } => "id_too_long",
            Self::MissingSchema => "missing_schema",
            Self::UnknownSchema { .. } => "unknown_schema",
            Self::MissingField { .. } => "missing_field",
            Self::WrongType { .. } => "wrong_type",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson { reason } => write!(f, "the message is not JSON: {reason}"),
            Self::NotAnObject => f.write_str("the message is JSON but not an object"),
            Self::MissingId => f.write_str("the event has no `id` (a non-empty string)"),
            Self::IdTooLong { len } => {
                write!(f, "`id` is {len} bytes long, more than {MAX_ID_LEN}")
            }
            Self::MissingSchema => f.write_str("the event has no `schema` string"),
            Self::UnknownSchema { schema } => write!(
                f,
                "schema {schema:?} is not one this consumer reads ({SCHEMA_V2}, {SCHEMA_V1}); upgrade the consumer, then replay the dead letter"
            ),
            Self::MissingField { field } => write!(f, "the event has no `{field}`"),
            Self::WrongType { field, expected } => write!(f, "`{field}` must be {expected}"),
        }
    }
}

/// Reads one message's text as an event.
pub fn read(text: &str) -> Result<StoredEvent, Invalid> {
    let value: Value = serde_json::from_str(text).map_err(|e| Invalid::NotJson {
        reason: e.to_string(),
    })?;
    let Value::Object(event) = value else {
        return Err(Invalid::NotAnObject);
    };
    let id = match event.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => return Err(Invalid::MissingId),
    };
    if id.len() > MAX_ID_LEN {
        return Err(Invalid::IdTooLong { len: id.len() });
    }
    let schema = match event.get("schema") {
        Some(Value::String(s)) if s == SCHEMA_V2 => Schema::V2,
        Some(Value::String(s)) if s == SCHEMA_V1 => Schema::V1,
        Some(Value::String(s)) => return Err(Invalid::UnknownSchema { schema: s.clone() }),
        _ => return Err(Invalid::MissingSchema),
    };
    let ticket = object_at(&event, "ticket", "ticket")?;
    let owner = object_at(&event, "owner", "owner")?;
    let subject = match string_at(owner, "subject", "owner.subject")? {
        Some(subject) => Some(subject),
        None => string_at(ticket, "subject", "ticket.subject")?,
    };
    let grant_id = match string_at(owner, "grant_id", "owner.grant_id")? {
        Some(grant_id) => Some(grant_id),
        None => string_at(ticket, "grant_id", "ticket.grant_id")?,
    };
    let received_at = string_at(Some(&event), "received_at", "received_at")?;
    // The text as received: compact already when it came from a JSON message.
    let json = text.trim().to_owned();
    match schema {
        Schema::V2 => {
            let object = object_at(&event, "object", "object")?
                .ok_or(Invalid::MissingField { field: "object" })?;
            let required =
                |value: Option<String>, field| value.ok_or(Invalid::MissingField { field });
            Ok(StoredEvent {
                id,
                schema,
                source: string_at(Some(&event), "source", "source")?,
                bucket: Some(required(
                    string_at(Some(object), "bucket", "object.bucket")?,
                    "object.bucket",
                )?),
                key: Some(required(
                    string_at(Some(object), "key", "object.key")?,
                    "object.key",
                )?),
                size: Some(size_at(Some(object), "size", "object.size")?.ok_or(
                    Invalid::MissingField {
                        field: "object.size",
                    },
                )?),
                etag: Some(required(
                    string_at(Some(object), "etag", "object.etag")?,
                    "object.etag",
                )?),
                content_type: string_at(Some(object), "content_type", "object.content_type")?,
                subject,
                grant_id,
                confirmed: match event.get("confirmed") {
                    None => None,
                    Some(Value::Bool(b)) => Some(*b),
                    Some(_) => {
                        return Err(Invalid::WrongType {
                            field: "confirmed",
                            expected: "true or false",
                        });
                    }
                },
                received_at,
                json,
            })
        }
        Schema::V1 => {
            let upload = object_at(&event, "upload", "upload")?;
            Ok(StoredEvent {
                id,
                schema,
                source: Some(V1_SOURCE.to_owned()),
                bucket: string_at(upload, "bucket", "upload.bucket")?,
                key: string_at(upload, "object", "upload.object")?,
                size: size_at(upload, "size", "upload.size")?,
                etag: string_at(upload, "etag", "upload.etag")?,
                content_type: string_at(upload, "mime_type", "upload.mime_type")?,
                subject,
                grant_id,
                confirmed: None,
                received_at,
                json,
            })
        }
    }
}

/// The object member `name` of `event`, if present.
fn object_at<'a>(
    event: &'a Map<String, Value>,
    name: &str,
    field: &'static str,
) -> Result<Option<&'a Map<String, Value>>, Invalid> {
    match event.get(name) {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(Invalid::WrongType {
            field,
            expected: "an object",
        }),
    }
}

/// The string member `name` of `object`, if both are present.
fn string_at(
    object: Option<&Map<String, Value>>,
    name: &str,
    field: &'static str,
) -> Result<Option<String>, Invalid> {
    match object.and_then(|o| o.get(name)) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Invalid::WrongType {
            field,
            expected: "a string",
        }),
    }
}

/// The size member `name` of `object`: a non-negative integer no larger than 2^53 (what D1,
/// through JavaScript numbers, stores exactly; OSS objects are at most 48.8 TiB).
fn size_at(
    object: Option<&Map<String, Value>>,
    name: &str,
    field: &'static str,
) -> Result<Option<u64>, Invalid> {
    const MAX_EXACT: u64 = 1 << 53;
    match object.and_then(|o| o.get(name)) {
        None => Ok(None),
        Some(value) => match value.as_u64() {
            Some(size) if size <= MAX_EXACT => Ok(Some(size)),
            _ => Err(Invalid::WrongType {
                field,
                expected: "a non-negative integer of at most 2^53",
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v2() -> Value {
        json!({
            "schema": SCHEMA_V2,
            "id": "sha256:5f2b0c0d7d2f4c64a3f0c3d1f8b9e7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0",
            "source": "recovery",
            "received_at": "2026-05-01T10:00:00Z",
            "confirmed": true,
            "object": {
                "bucket": "examplebucket",
                "key": "uploads/20260501/u1/g1.png",
                "size": 5,
                "etag": "D41D8CD98F00B204E9800998ECF8427E",
                "content_type": "image/png",
                "last_modified": "2026-05-01T09:59:59Z"
            },
            "ticket": { "subject": "u1", "grant_id": "g1", "key_id": "k1" },
            "warnings": ["x"]
        })
    }

    fn v1() -> Value {
        json!({
            "schema": SCHEMA_V1,
            "id": "req-1",
            "id_source": "body_req_id",
            "received_at": "2026-05-01T10:00:00Z",
            "oss": { "bucket": "header-bucket-not-signed" },
            "upload": { "bucket": "b", "object": "photos/a.png", "size": 7, "etag": "E1", "mime_type": "image/png" },
            "custom": {}, "fields": { "meta": { "nested": [1, 2] } }, "path": "/cb",
            "body": { "format": "form", "text": "bucket=b" }
        })
    }

    fn with(mut event: Value, path: &[&str], value: Option<Value>) -> String {
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut event;
        for p in parents {
            at = at.get_mut(*p).unwrap();
        }
        let map = at.as_object_mut().unwrap();
        match value {
            Some(v) => map.insert((*last).to_owned(), v),
            None => map.remove(*last),
        };
        event.to_string()
    }

    #[test]
    fn v2_columns_come_from_the_object_member() {
        let text = v2().to_string();
        let event = read(&text).unwrap();
        assert_eq!(event.schema, Schema::V2);
        assert_eq!(event.source.as_deref(), Some("recovery"));
        assert_eq!(event.bucket.as_deref(), Some("examplebucket"));
        assert_eq!(event.key.as_deref(), Some("uploads/20260501/u1/g1.png"));
        assert_eq!(event.size, Some(5));
        assert_eq!(
            event.etag.as_deref(),
            Some("D41D8CD98F00B204E9800998ECF8427E")
        );
        assert_eq!(event.content_type.as_deref(), Some("image/png"));
        assert_eq!(event.subject.as_deref(), Some("u1"));
        assert_eq!(event.grant_id.as_deref(), Some("g1"));
        assert_eq!(event.confirmed, Some(true));
        assert_eq!(event.received_at.as_deref(), Some("2026-05-01T10:00:00Z"));
        assert_eq!(event.json, text);
    }

    /// The example of docs/events.md (the v2 event as the callback Worker sends it).
    const DOCS_EXAMPLE: &str = r#"{
      "schema": "oss-edge.upload.v2",
      "id": "sha256:57c599a30df78e1bfec2b027430e4cde19219cccfebc7be084c8194815916e28",
      "source": "callback", "received_at": "2023-11-14T22:13:21Z", "confirmed": true,
      "object": { "bucket": "examplebucket", "key": "uploads/alice/a b.png", "size": 53853,
                  "etag": "D8E8FCA2DC0F896FD7CB4CB0031BA249", "content_type": "image/png",
                  "last_modified": "2023-11-14T22:13:20Z", "crc64": "11782093538209634585" },
      "owner": { "subject": "alice", "grant_id": "g1" },
      "ticket": { "subject": "alice", "grant_id": "g1", "key_id": "k1" },
      "claimed": { "bucket": "examplebucket", "object": "uploads/alice/a b.png", "size": 53853,
                   "etag": "D8E8FCA2DC0F896FD7CB4CB0031BA249", "mime_type": "image/png",
                   "image": { "width": 640, "height": 480, "format": "png" },
                   "req_id": "5CF3E7821AB22D0FDB86704D", "operation": "PostObject" },
      "custom": { "x:uid": "12345" }, "fields": {},
      "oss": { "request_id": "5CF3E7821AB22D0FDB86704D", "bucket": "examplebucket" },
      "path": "/v1/callback",
      "body": { "format": "json", "content_type": "application/json", "text": "{}" }
    }"#;

    #[test]
    fn the_documented_v2_event() {
        let event = read(DOCS_EXAMPLE).unwrap();
        assert_eq!(
            event.id,
            "sha256:57c599a30df78e1bfec2b027430e4cde19219cccfebc7be084c8194815916e28"
        );
        assert_eq!(
            (event.schema, event.source.as_deref()),
            (Schema::V2, Some("callback"))
        );
        assert_eq!(event.key.as_deref(), Some("uploads/alice/a b.png"));
        assert_eq!((event.size, event.confirmed), (Some(53853), Some(true)));
        assert_eq!(event.content_type.as_deref(), Some("image/png"));
        assert_eq!(
            (event.subject.as_deref(), event.grant_id.as_deref()),
            (Some("alice"), Some("g1"))
        );
    }

    #[test]
    fn the_owner_names_the_subject_even_without_a_ticket() {
        // A reconciliation knows the owner from the key layout, and has no ticket.
        let text = with(
            with_value(v2(), &["ticket"], None),
            &["owner"],
            Some(json!({"subject": "u7", "grant_id": "g7"})),
        );
        let event = read(&text).unwrap();
        assert_eq!(
            (event.subject.as_deref(), event.grant_id.as_deref()),
            (Some("u7"), Some("g7"))
        );
        let both = with(
            v2(),
            &["owner"],
            Some(json!({"subject": "owner", "grant_id": "og"})),
        );
        assert_eq!(read(&both).unwrap().subject.as_deref(), Some("owner"));
        let neither = with(v2(), &["ticket"], None);
        assert_eq!(read(&neither).unwrap().subject, None);
        let bad = with(v2(), &["owner"], Some(json!({"subject": 1})));
        assert_eq!(read(&bad).unwrap_err().code(), "wrong_type");
    }

    #[test]
    fn v1_columns_come_from_the_signed_body_not_the_headers() {
        let event = read(&v1().to_string()).unwrap();
        assert_eq!(event.schema, Schema::V1);
        assert_eq!(event.id, "req-1");
        assert_eq!(event.source.as_deref(), Some(V1_SOURCE));
        assert_eq!(
            event.bucket.as_deref(),
            Some("b"),
            "upload.bucket, not oss.bucket"
        );
        assert_eq!(event.key.as_deref(), Some("photos/a.png"));
        assert_eq!((event.size, event.confirmed), (Some(7), None));
        assert_eq!(event.content_type.as_deref(), Some("image/png"));
        assert_eq!((event.subject, event.grant_id), (None, None));
    }

    #[test]
    fn a_v1_event_without_object_facts_is_still_stored() {
        let text = with(v1(), &["upload"], Some(json!({})));
        let event = read(&text).unwrap();
        assert_eq!((event.bucket, event.key, event.size), (None, None, None));
    }

    #[test]
    fn a_v2_event_must_carry_the_identity_fields() {
        for (field, path) in [
            ("object.bucket", &["object", "bucket"][..]),
            ("object.key", &["object", "key"]),
            ("object.size", &["object", "size"]),
            ("object.etag", &["object", "etag"]),
            ("object", &["object"]),
        ] {
            assert_eq!(
                read(&with(v2(), path, None)),
                Err(Invalid::MissingField { field }),
                "{field}"
            );
        }
        // Optional members may be absent.
        let text = with(
            with_value(v2(), &["source"], None),
            &["object", "content_type"],
            None,
        );
        let event = read(&text).unwrap();
        assert_eq!((event.source, event.content_type), (None, None));
    }

    fn with_value(event: Value, path: &[&str], value: Option<Value>) -> Value {
        serde_json::from_str(&with(event, path, value)).unwrap()
    }

    #[test]
    fn messages_that_can_never_be_stored() {
        assert_eq!(read("not json").unwrap_err().code(), "not_json");
        assert_eq!(read("").unwrap_err().code(), "not_json");
        assert_eq!(read("\"text\"").unwrap_err(), Invalid::NotAnObject);
        assert_eq!(read("[1]").unwrap_err(), Invalid::NotAnObject);
        assert_eq!(read("{}").unwrap_err(), Invalid::MissingId);
        for id in [None, Some(json!("")), Some(json!(7)), Some(Value::Null)] {
            assert_eq!(read(&with(v2(), &["id"], id)), Err(Invalid::MissingId));
        }
        let long = "x".repeat(MAX_ID_LEN + 1);
        assert_eq!(
            read(&with(v2(), &["id"], Some(json!(long)))),
            Err(Invalid::IdTooLong {
                len: MAX_ID_LEN + 1
            })
        );
        assert!(read(&with(v2(), &["id"], Some(json!("x".repeat(MAX_ID_LEN))))).is_ok());
        assert_eq!(
            read(&with(v2(), &["schema"], None)),
            Err(Invalid::MissingSchema)
        );
        assert_eq!(
            read(&with(v2(), &["schema"], Some(json!("oss-edge.upload.v3")))),
            Err(Invalid::UnknownSchema {
                schema: "oss-edge.upload.v3".into()
            })
        );
    }

    #[test]
    fn typed_columns_refuse_values_of_another_type() {
        let cases: [(&[&str], Value, &str); 7] = [
            (&["object", "size"], json!("5"), "object.size"),
            (&["object", "size"], json!(-1), "object.size"),
            (&["object", "size"], json!(1.5), "object.size"),
            (&["object", "size"], json!((1u64 << 53) + 1), "object.size"),
            (&["object", "key"], json!(1), "object.key"),
            (&["confirmed"], json!("yes"), "confirmed"),
            (&["ticket"], json!("u1"), "ticket"),
        ];
        for (path, value, field) in cases {
            let error = read(&with(v2(), path, Some(value))).unwrap_err();
            assert!(
                matches!(error, Invalid::WrongType { field: f, .. } if f == field),
                "{field}: {error:?}"
            );
        }
        assert_eq!(
            read(&with(v2(), &["object", "size"], Some(json!(1u64 << 53))))
                .unwrap()
                .size,
            Some(1 << 53)
        );
        let error = read(&with(v1(), &["upload", "size"], Some(json!("7")))).unwrap_err();
        assert_eq!(error.code(), "wrong_type");
    }

    #[test]
    fn messages_name_what_to_do() {
        let unknown = Invalid::UnknownSchema {
            schema: "oss-edge.upload.v3".into(),
        };
        assert!(
            unknown.to_string().contains("upgrade the consumer"),
            "{unknown}"
        );
        assert!(
            Invalid::MissingField {
                field: "object.key"
            }
            .to_string()
            .contains("object.key")
        );
    }
}
