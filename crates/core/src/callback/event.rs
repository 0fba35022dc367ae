//! Upload events: a stored object's facts plus, for the callback path, what the verified
//! callback body said — schema `oss-edge.upload.v2`, published as
//! `schema/upload-event.v2.schema.json` and described member by member in `docs/events.md`.
//!
//! An event has one id whichever path delivered it ([`EventSource`]): the id is derived from the
//! object as the bucket reports it ([`ObjectFacts::event_id`]), never from a header or from a
//! value only the body claims, so a replay with other headers, another `Content-Type` or a
//! recovery call yields the same id for the same stored object.
//!
//! The body is parsed as the type the **signer** chose ([`parse_body`] with the ticket's body
//! type), never as the unsigned `Content-Type` header says when a ticket tells. OSS signs
//! whatever its template produced (spec §1.4), so a body that does not parse as that type is
//! kept `raw`, and values present but not of the expected type are kept and reported in
//! `warnings`; what an event needs from the body (bucket, object, size) is checked by
//! [`CallbackBody::identity`].

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::params::BodyType;
use super::verify::{CallbackRequest, VerifiedCallback};
use crate::confirm::{Claimed, ObjectFacts};
use crate::encoding::{base64_encode, form_decode};

/// The schema name carried in every event.
pub const SCHEMA: &str = "oss-edge.upload.v2";

/// The JSON Schema of [`UploadEvent`], for consumers in any language.
pub const JSON_SCHEMA: &str = include_str!("../../schema/upload-event.v2.schema.json");

/// How the callback body was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, values URL-decoded.
    Form,
    /// `application/json` with an object at the top.
    Json,
    /// Anything else, or a body that does not parse as the type it was read as.
    Raw,
}

/// Which path delivered the event. Informative only: the id is the same on every path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// OSS's upload callback.
    Callback,
    /// The uploading client's recovery call after a failed callback.
    Recovery,
    /// The operator's reconciliation listing.
    Reconciliation,
}

/// Image properties OSS reports for image objects (`${imageInfo.*}`, spec §1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Width in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    /// Height in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Format, e.g. `png`, `jpg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl ImageInfo {
    fn is_empty(&self) -> bool {
        self.width.is_none() && self.height.is_none() && self.format.is_none()
    }
}

/// The system variables the body carried, typed (spec §1.3): the event's `claimed` member.
/// Claims, not facts: absent or empty values are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UploadClaims {
    /// `${bucket}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// `${object}`, the full object key (templates often call it `filename`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// `${etag}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `${size}` in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `${mimeType}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// `${imageInfo.*}` (also read from `height` / `width`).
    #[serde(skip_serializing_if = "ImageInfo::is_empty")]
    pub image: ImageInfo,
    /// `${crc64}`, CRC-64/ECMA as a decimal string (a u64 does not fit a JSON number safely).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crc64: Option<String>,
    /// `${contentMd5}`, Base64 MD5 (PutObject and PostObject only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_md5: Option<String>,
    /// `${clientIp}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// `${reqId}`, the upload request's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub req_id: Option<String>,
    /// `${operation}`, e.g. `PutObject`, `PostObject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `${vpcId}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
}

/// The object a callback body names: what confirmation looks up and compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `${bucket}`.
    pub bucket: String,
    /// `${object}`.
    pub key: String,
    /// `${size}`.
    pub size: u64,
    /// The claims compared with the bucket's answer: size, ETag and type where claimed.
    pub claimed: Claimed,
}

/// A callback body that lacks what an event needs: bucket, object and size (the signer's
/// templates always carry them; a constant body without them describes no stored object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyIncomplete {
    /// The missing variables, in the order `bucket`, `object`, `size`.
    pub missing: Vec<&'static str>,
}

impl BodyIncomplete {
    /// The stable code, `body_incomplete`.
    pub fn code(&self) -> &'static str {
        "body_incomplete"
    }

    /// The HTTP status to answer with: 400, the request is not a usable callback.
    pub fn http_status(&self) -> u16 {
        400
    }
}

impl core::fmt::Display for BodyIncomplete {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the callback body has no {}: the callback template must carry bucket=${{bucket}}, object=${{object}} and size=${{size}} (spec §1.3)",
            self.missing.join(", ")
        )
    }
}

impl std::error::Error for BodyIncomplete {}

impl UploadClaims {
    /// The object the body names, or which of bucket, object and size it lacks.
    pub fn identity(&self) -> Result<Identity, BodyIncomplete> {
        let mut missing = Vec::new();
        if self.bucket.is_none() {
            missing.push("bucket");
        }
        if self.object.is_none() {
            missing.push("object");
        }
        if self.size.is_none() {
            missing.push("size");
        }
        match (&self.bucket, &self.object, self.size) {
            (Some(bucket), Some(key), Some(size)) => Ok(Identity {
                bucket: bucket.clone(),
                key: key.clone(),
                size,
                claimed: Claimed {
                    size: Some(size),
                    etag: self.etag.clone(),
                    content_type: self.mime_type.clone(),
                },
            }),
            _ => Err(BodyIncomplete { missing }),
        }
    }
}

/// The header whose type [`parse_body`] falls back to without a ticket (spec §2.1).
pub const CONTENT_TYPE: &str = "content-type";
/// OSS's request id header (spec §2.1).
pub const REQUEST_ID: &str = "x-oss-request-id";
/// The bucket header OSS sends (spec §2.1); unsigned, so informative only.
pub const BUCKET: &str = "x-oss-bucket";
/// The requester header OSS sends (spec §2.1).
pub const REQUESTER: &str = "x-oss-requester";

/// The OSS request headers that identify the upload (spec §2.1). Not covered by OSS's
/// signature: informative only, never part of the id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OssHeaders {
    /// `x-oss-request-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `x-oss-bucket`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// `x-oss-requester`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
}

/// The upload ticket's claims, when a valid ticket came with the request (set by the adapter
/// after checking it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TicketSummary {
    /// The authenticated subject the grant was issued to.
    pub subject: String,
    /// The grant id.
    pub grant_id: String,
    /// The id of the key that signed the ticket.
    pub key_id: String,
}

/// Who the object belongs to: from the ticket (callback, recovery) or from the key layout
/// (reconciliation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// The subject the grant was issued to.
    pub subject: String,
    /// The grant id.
    pub grant_id: String,
}

/// The body exactly as verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RawBody {
    /// The format the body was parsed as.
    pub format: BodyFormat,
    /// The `Content-Type` header as received, if any (not signed; informative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body as text, when it is valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The body as standard Base64, when it is not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
}

/// A verified callback body, parsed ([`parse_body`]): what the callback says, not yet facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallbackBody {
    /// The typed system variables.
    pub claimed: UploadClaims,
    /// Custom variables (`x:*` fields) as strings.
    pub custom: BTreeMap<String, String>,
    /// Every other field of a form or JSON body.
    pub fields: Map<String, Value>,
    /// The identifying OSS headers (unsigned).
    pub oss: OssHeaders,
    /// The request path the callback arrived on (raw, as verified).
    pub path: String,
    /// The body exactly as verified.
    pub body: RawBody,
    /// Values that could not be typed, and other oddities worth a look.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl CallbackBody {
    /// The typed claims.
    pub fn claimed(&self) -> &UploadClaims {
        &self.claimed
    }

    /// The object the body names ([`UploadClaims::identity`]); required whenever a ticket came
    /// with the callback, and for any event built from the body's claims.
    pub fn identity(&self) -> Result<Identity, BodyIncomplete> {
        self.claimed.identity()
    }
}

/// An upload event, schema `oss-edge.upload.v2` (members in `docs/events.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UploadEvent {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The idempotency key: [`ObjectFacts::event_id`] of [`Self::object`], the same on every
    /// path and for every delivery of the same stored object.
    pub id: String,
    /// Which path delivered the event.
    pub source: EventSource,
    /// When the event was built (RFC 3339, UTC).
    pub received_at: String,
    /// True when [`Self::object`] came from the bucket; false when it is the callback body's
    /// claim (a callback Worker running with confirmation off).
    pub confirmed: bool,
    /// The stored object.
    pub object: ObjectFacts,
    /// Who the object belongs to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The upload ticket's claims, when a valid ticket came with the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketSummary>,
    /// What the callback said (callback path only): `claimed`, `custom`, `fields`, `oss`,
    /// `path` and `body` members.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackBody>,
    /// Values that could not be typed, and other oddities worth a look.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl UploadEvent {
    fn new(
        source: EventSource,
        object: ObjectFacts,
        confirmed: bool,
        owner: Option<Owner>,
        ticket: Option<TicketSummary>,
        received_at_unix: i64,
    ) -> Self {
        Self {
            schema: SCHEMA,
            id: object.event_id(),
            source,
            received_at: crate::time::format_rfc3339(received_at_unix),
            confirmed,
            object,
            owner,
            ticket,
            callback: None,
            warnings: Vec::new(),
        }
    }

    /// The event of a verified callback: `object` from [`crate::confirm::judge_head`]
    /// (`confirmed` true) or [`ObjectFacts::from_claims`] (`confirmed` false); the body's
    /// claims stay visible as `claimed`.
    pub fn from_callback(
        mut body: CallbackBody,
        object: ObjectFacts,
        confirmed: bool,
        ticket: Option<TicketSummary>,
        received_at_unix: i64,
    ) -> Self {
        let owner = ticket.as_ref().map(owner_of);
        let mut event = Self::new(
            EventSource::Callback,
            object,
            confirmed,
            owner,
            ticket,
            received_at_unix,
        );
        event.warnings = std::mem::take(&mut body.warnings);
        event.callback = Some(body);
        event
    }

    /// The event of a client's recovery call: the object confirmed in the bucket, the ticket
    /// that authorised the call.
    pub fn recovered(
        object: ObjectFacts,
        ticket: Option<TicketSummary>,
        received_at_unix: i64,
    ) -> Self {
        let owner = ticket.as_ref().map(owner_of);
        Self::new(
            EventSource::Recovery,
            object,
            true,
            owner,
            ticket,
            received_at_unix,
        )
    }

    /// The event of a reconciliation listing: the listed object, and its owner as the key
    /// layout says (`(subject, grant_id)`), when it does.
    pub fn reconciled(
        object: ObjectFacts,
        owner: Option<(String, String)>,
        received_at_unix: i64,
    ) -> Self {
        let owner = owner.map(|(subject, grant_id)| Owner { subject, grant_id });
        Self::new(
            EventSource::Reconciliation,
            object,
            true,
            owner,
            None,
            received_at_unix,
        )
    }

    /// The event as compact JSON.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (all map keys are strings).
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn owner_of(ticket: &TicketSummary) -> Owner {
    Owner {
        subject: ticket.subject.clone(),
        grant_id: ticket.grant_id.clone(),
    }
}

fn media_type(content_type: Option<&str>) -> Option<String> {
    content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// Parses a form body into ordered (name, value) pairs; `None` when it is not a form body
/// (not UTF-8 after decoding, or a segment without `=`).
fn parse_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    if body.is_empty() {
        return Some(Vec::new());
    }
    body.split(|&b| b == b'&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let at = segment.iter().position(|&b| b == b'=')?;
            let name = String::from_utf8(form_decode(&segment[..at])).ok()?;
            let value = String::from_utf8(form_decode(&segment[at + 1..])).ok()?;
            Some((name, value))
        })
        .collect()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Body field names read as system variables (spec §1.3, and the names templates commonly use).
const SYSTEM_FIELDS: &[&str] = &[
    "bucket",
    "object",
    "filename",
    "etag",
    "size",
    "mimeType",
    "imageInfo.height",
    "imageInfo.width",
    "imageInfo.format",
    "height",
    "width",
    "crc64",
    "contentMd5",
    "clientIp",
    "reqId",
    "operation",
    "vpcId",
];

struct FieldSorter<'w> {
    claims: UploadClaims,
    custom: BTreeMap<String, String>,
    fields: Map<String, Value>,
    warnings: &'w mut Vec<String>,
}

impl FieldSorter<'_> {
    fn text(&mut self, name: &str, value: &Value) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
            Value::Array(_) | Value::Object(_) => {
                self.warnings
                    .push(format!("field {name:?} is not a scalar; kept in fields"));
                self.fields.insert(name.to_owned(), value.clone());
                None
            }
        }
    }

    fn unsigned(&mut self, name: &str, value: &Value) -> Option<u64> {
        let parsed = match value {
            Value::Null => return None,
            Value::String(s) if s.is_empty() => return None,
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse::<u64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.warnings.push(format!(
                "field {name:?} is not an unsigned integer; kept in fields"
            ));
            self.fields.insert(name.to_owned(), value.clone());
        }
        parsed
    }

    fn set<T>(
        &mut self,
        name: &str,
        slot: fn(&mut UploadClaims) -> &mut Option<T>,
        value: Option<T>,
    ) {
        let Some(value) = value else { return };
        if slot(&mut self.claims).is_some() {
            self.warnings.push(format!(
                "field {name:?} repeats a value already set; first kept"
            ));
            return;
        }
        *slot(&mut self.claims) = Some(value);
    }

    fn add(&mut self, name: &str, value: &Value) {
        // The signer's JSON template wraps variables that may render empty in a one-element
        // array (`"height":[${imageInfo.height}]`, see `params::EVENT_JSON_BODY`), so the body
        // stays valid JSON however OSS renders an empty value: `[v]` is `v`, `[]` is absent.
        let unwrapped;
        let value = match value {
            Value::Array(items) if items.len() <= 1 && SYSTEM_FIELDS.contains(&name) => {
                unwrapped = items.first().cloned().unwrap_or(Value::Null);
                &unwrapped
            }
            _ => value,
        };
        if name.starts_with("x:") {
            self.custom
                .entry(name.to_owned())
                .or_insert_with(|| value_text(value));
            return;
        }
        match name {
            "bucket" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.bucket, v);
            }
            "object" | "filename" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.object, v);
            }
            "etag" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.etag, v);
            }
            "size" => {
                let v = self.unsigned(name, value);
                self.set(name, |c| &mut c.size, v);
            }
            "mimeType" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.mime_type, v);
            }
            "imageInfo.height" | "height" => {
                let v = self.unsigned(name, value);
                self.set(name, |c| &mut c.image.height, v);
            }
            "imageInfo.width" | "width" => {
                let v = self.unsigned(name, value);
                self.set(name, |c| &mut c.image.width, v);
            }
            "imageInfo.format" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.image.format, v);
            }
            "imageInfo" => match value {
                Value::Object(inner) => {
                    for (key, inner_value) in inner {
                        self.add(&format!("imageInfo.{key}"), inner_value);
                    }
                }
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                other => {
                    self.warnings
                        .push("field \"imageInfo\" is not an object; kept in fields".into());
                    self.fields.insert(name.to_owned(), other.clone());
                }
            },
            "crc64" => {
                let v = self.unsigned(name, value).map(|n| n.to_string());
                self.set(name, |c| &mut c.crc64, v);
            }
            "contentMd5" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.content_md5, v);
            }
            "clientIp" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.client_ip, v);
            }
            "reqId" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.req_id, v);
            }
            "operation" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.operation, v);
            }
            "vpcId" => {
                let v = self.text(name, value);
                self.set(name, |c| &mut c.vpc_id, v);
            }
            _ => {
                if self.fields.contains_key(name) {
                    self.warnings
                        .push(format!("field {name:?} repeats; first kept"));
                } else {
                    self.fields.insert(name.to_owned(), value.clone());
                }
            }
        }
    }
}

/// Parses a verified callback body. Never fails: OSS signed the body, so whatever its shape it
/// is kept (`raw` when it does not parse).
///
/// `body_type` is the `callbackBodyType` the signer chose, carried in the upload ticket's
/// claims: with `Some`, the body is parsed as that type whatever the (unsigned) `Content-Type`
/// header says, so flipping the header cannot change which fields exist. `None` (no ticket)
/// falls back to the `Content-Type` header, OSS's default form type when it is absent.
/// `request` supplies the headers (`content-type`, `x-oss-request-id`, `x-oss-bucket`,
/// `x-oss-requester`).
pub fn parse_body(
    verified: &VerifiedCallback<'_>,
    request: &CallbackRequest<'_>,
    body_type: Option<BodyType>,
) -> CallbackBody {
    let mut warnings = Vec::new();
    let header = |name: &'static str| -> Option<String> {
        let mut values = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = values.next().map(|(_, v)| v.trim().to_owned());
        first.filter(|v| !v.is_empty())
    };
    let content_type = header(CONTENT_TYPE);
    let oss = OssHeaders {
        request_id: header(REQUEST_ID),
        bucket: header(BUCKET),
        requester: header(REQUESTER),
    };
    let header_type = media_type(content_type.as_deref());
    let read_as = match body_type {
        Some(chosen) => {
            if header_type
                .as_deref()
                .is_some_and(|declared| declared != chosen.as_str())
            {
                warnings.push(format!(
                    "the Content-Type header says {:?}; the body was parsed as {chosen}, the type the signer chose (the header is not signed)",
                    content_type.as_deref().unwrap_or("")
                ));
            }
            chosen.as_str().to_owned()
        }
        None => header_type.unwrap_or_else(|| BodyType::Form.as_str().to_owned()),
    };

    let mut sorter = FieldSorter {
        claims: UploadClaims::default(),
        custom: BTreeMap::new(),
        fields: Map::new(),
        warnings: &mut warnings,
    };
    let format = match BodyType::from_mime(&read_as) {
        Some(BodyType::Form) => match parse_form(verified.body) {
            Some(pairs) => {
                for (name, value) in pairs {
                    sorter.add(&name, &Value::String(value));
                }
                BodyFormat::Form
            }
            None => BodyFormat::Raw,
        },
        Some(BodyType::Json) => match serde_json::from_slice::<Value>(verified.body) {
            Ok(Value::Object(object)) => {
                for (name, value) in &object {
                    sorter.add(name, value);
                }
                BodyFormat::Json
            }
            _ => BodyFormat::Raw,
        },
        None => BodyFormat::Raw,
    };
    let FieldSorter {
        claims,
        custom,
        fields,
        ..
    } = sorter;
    if format == BodyFormat::Raw {
        warnings.push(format!("body does not parse as {read_as:?}; kept raw"));
    }

    let body = match std::str::from_utf8(verified.body) {
        Ok(text) => RawBody {
            format,
            content_type,
            text: Some(text.to_owned()),
            base64: None,
        },
        Err(_) => RawBody {
            format,
            content_type,
            text: None,
            base64: Some(base64_encode(verified.body)),
        },
    };
    CallbackBody {
        claimed: claims,
        custom,
        fields,
        oss,
        path: String::from_utf8_lossy(verified.target.path).into_owned(),
        body,
        warnings,
    }
}
