//! Upload events: a verified callback body turned into a typed, versioned record (DESIGN.md,
//! schema `oss-edge.upload.v1`, published as `schema/upload-event.v1.schema.json`).
//!
//! OSS signs whatever its template produced (spec §1.4), so a verified body is never rejected
//! for its shape: a body that does not parse as its declared type becomes format `raw`, and
//! values that are present but not of the expected type are kept and reported in `warnings`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::verify::{CallbackRequest, VerifiedCallback};
use crate::encoding::{base64_encode, form_decode, hex_lower};

/// The schema name carried in every event.
pub const SCHEMA: &str = "oss-edge.upload.v1";

/// The JSON Schema of [`UploadEvent`], for consumers in any language.
pub const JSON_SCHEMA: &str = include_str!("../../schema/upload-event.v1.schema.json");

/// How the callback body was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, values URL-decoded.
    Form,
    /// `application/json` with an object at the top.
    Json,
    /// Anything else, or a body that does not parse as its declared type.
    Raw,
}

/// Where the event id came from (see [`UploadEvent::id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    /// The body's `reqId` field (signed by OSS).
    BodyReqId,
    /// The `x-oss-request-id` header (not covered by OSS's signature).
    RequestIdHeader,
    /// SHA-256 of bucket, object, etag and size (or of the body when none of those is present).
    ContentHash,
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

/// The system variables the body carried, typed (spec §1.3). Absent or empty values are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UploadFields {
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

/// The OSS request headers that identify the upload (spec §2.1). Not covered by OSS's
/// signature: informative only.
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

/// The upload ticket's claims, when the callback carried a valid ticket (set by the adapter
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

/// The body exactly as verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RawBody {
    /// How the body was understood.
    pub format: BodyFormat,
    /// The `Content-Type` header as received, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body as text, when it is valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The body as standard Base64, when it is not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
}

/// A verified upload, schema `oss-edge.upload.v1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UploadEvent {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The idempotency key: the same OSS upload always yields the same id. Taken, in order,
    /// from the body's `reqId` (signed), the `x-oss-request-id` header, or
    /// `sha256:` + hex SHA-256 of the length-prefixed bucket, object, etag and size (of the
    /// raw body when none of those is present).
    pub id: String,
    /// Where [`Self::id`] came from.
    pub id_source: IdSource,
    /// When the callback was received (RFC 3339, UTC).
    pub received_at: String,
    /// The identifying OSS headers.
    pub oss: OssHeaders,
    /// The typed system variables.
    pub upload: UploadFields,
    /// Custom variables (`x:*` fields) as strings.
    pub custom: BTreeMap<String, String>,
    /// Every other field of a form or JSON body.
    pub fields: Map<String, Value>,
    /// The upload ticket's claims, when a valid ticket came with the callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketSummary>,
    /// The request path the callback arrived on (raw, as verified).
    pub path: String,
    /// The body exactly as verified.
    pub body: RawBody,
    /// Values that were present but could not be typed, and other oddities worth a look.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl UploadEvent {
    /// The event as compact JSON.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (all map keys are strings).
        serde_json::to_string(self).unwrap_or_default()
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
    upload: UploadFields,
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
        slot: fn(&mut UploadFields) -> &mut Option<T>,
        value: Option<T>,
    ) {
        let Some(value) = value else { return };
        if slot(&mut self.upload).is_some() {
            self.warnings.push(format!(
                "field {name:?} repeats a value already set; first kept"
            ));
            return;
        }
        *slot(&mut self.upload) = Some(value);
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
                self.set(name, |u| &mut u.bucket, v);
            }
            "object" | "filename" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.object, v);
            }
            "etag" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.etag, v);
            }
            "size" => {
                let v = self.unsigned(name, value);
                self.set(name, |u| &mut u.size, v);
            }
            "mimeType" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.mime_type, v);
            }
            "imageInfo.height" | "height" => {
                let v = self.unsigned(name, value);
                self.set(name, |u| &mut u.image.height, v);
            }
            "imageInfo.width" | "width" => {
                let v = self.unsigned(name, value);
                self.set(name, |u| &mut u.image.width, v);
            }
            "imageInfo.format" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.image.format, v);
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
                self.set(name, |u| &mut u.crc64, v);
            }
            "contentMd5" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.content_md5, v);
            }
            "clientIp" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.client_ip, v);
            }
            "reqId" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.req_id, v);
            }
            "operation" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.operation, v);
            }
            "vpcId" => {
                let v = self.text(name, value);
                self.set(name, |u| &mut u.vpc_id, v);
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

fn content_hash(upload: &UploadFields, body: &[u8]) -> String {
    let size = upload.size.map(|s| s.to_string());
    let parts = [
        upload.bucket.as_deref(),
        upload.object.as_deref(),
        upload.etag.as_deref(),
        size.as_deref(),
    ];
    let mut hasher = Sha256::new();
    if parts.iter().all(Option::is_none) {
        // Nothing identifies the object: hash what OSS signed instead, so distinct callbacks
        // never share an id.
        hasher.update(b"body\0");
        hasher.update(body);
    } else {
        for part in parts {
            let part = part.unwrap_or("").as_bytes();
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
    }
    format!("sha256:{}", hex_lower(&hasher.finalize()))
}

/// Turns a verified callback into an [`UploadEvent`]. Never fails: OSS signed the body, so
/// whatever its shape it is a valid event.
///
/// `request` supplies the headers (`content-type`, `x-oss-request-id`, `x-oss-bucket`,
/// `x-oss-requester`); `received_at_unix` is the caller's clock.
pub fn parse_event(
    verified: &VerifiedCallback<'_>,
    request: &CallbackRequest<'_>,
    received_at_unix: i64,
) -> UploadEvent {
    let mut warnings = Vec::new();
    let header = |name: &'static str| -> Option<String> {
        let mut values = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = values.next().map(|(_, v)| v.trim().to_owned());
        first.filter(|v| !v.is_empty())
    };
    let content_type = header("content-type");
    let oss = OssHeaders {
        request_id: header("x-oss-request-id"),
        bucket: header("x-oss-bucket"),
        requester: header("x-oss-requester"),
    };
    let declared = media_type(content_type.as_deref())
        .unwrap_or_else(|| "application/x-www-form-urlencoded".into());

    let mut sorter = FieldSorter {
        upload: UploadFields::default(),
        custom: BTreeMap::new(),
        fields: Map::new(),
        warnings: &mut warnings,
    };
    let format = match declared.as_str() {
        "application/x-www-form-urlencoded" => match parse_form(verified.body) {
            Some(pairs) => {
                for (name, value) in pairs {
                    sorter.add(&name, &Value::String(value));
                }
                BodyFormat::Form
            }
            None => BodyFormat::Raw,
        },
        "application/json" => match serde_json::from_slice::<Value>(verified.body) {
            Ok(Value::Object(object)) => {
                for (name, value) in &object {
                    sorter.add(name, value);
                }
                BodyFormat::Json
            }
            _ => BodyFormat::Raw,
        },
        _ => BodyFormat::Raw,
    };
    let FieldSorter {
        upload,
        custom,
        fields,
        ..
    } = sorter;
    if format == BodyFormat::Raw {
        warnings.push(format!(
            "body does not parse as its declared type {declared:?}; kept raw"
        ));
    }

    let (id, id_source) = if let Some(req_id) = &upload.req_id {
        if oss.request_id.as_ref().is_some_and(|h| h != req_id) {
            warnings.push(
                "x-oss-request-id header differs from the body's reqId; the signed reqId is used"
                    .into(),
            );
        }
        (req_id.clone(), IdSource::BodyReqId)
    } else if let Some(request_id) = &oss.request_id {
        (request_id.clone(), IdSource::RequestIdHeader)
    } else {
        (content_hash(&upload, verified.body), IdSource::ContentHash)
    };

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
    UploadEvent {
        schema: SCHEMA,
        id,
        id_source,
        received_at: crate::time::format_rfc3339(received_at_unix),
        oss,
        upload,
        custom,
        fields,
        ticket: None,
        path: String::from_utf8_lossy(verified.target.path).into_owned(),
        body,
        warnings,
    }
}
