//! The 200 reply body OSS relays to the uploading client (spec §2.3, §2.4), from a
//! configurable JSON template (`REPLY_TEMPLATE`).
//!
//! The template is a JSON document; inside its string values (not its keys) the placeholders
//! `${id}`, `${object}`, `${bucket}`, `${etag}`, `${size}`, `${mime_type}`, `${received_at}`,
//! `${subject}` and `${grant_id}` are replaced by the event's values (empty when absent).
//! Because substitution happens on parsed JSON and the result is serialized again, the reply
//! is always valid JSON; its size is checked against OSS's limit on every render.

use core::fmt;

use oss_edge_core::callback::UploadEvent;
use oss_edge_core::callback::reply::{ReplyBodyError, check_reply_body};
use serde_json::Value;

/// The reply used when `REPLY_TEMPLATE` is unset.
pub const DEFAULT_TEMPLATE: &str = r#"{"status":"ok","id":"${id}","object":"${object}"}"#;

/// The placeholder names a template may use.
pub const PLACEHOLDERS: [&str; 9] = [
    "id",
    "object",
    "bucket",
    "etag",
    "size",
    "mime_type",
    "received_at",
    "subject",
    "grant_id",
];

/// Longest value a placeholder can expand to in the size estimate made at startup: an object
/// key is at most 1023 bytes, and JSON escaping can multiply that by six.
const MAX_VALUE_BYTES: usize = 6 * 1024;

/// Why a template or a rendered reply cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// The template (or, at render time, the reply) breaks OSS's reply contract.
    Contract(ReplyBodyError),
    /// `${name}` with a name not in [`PLACEHOLDERS`], or a `${` without its `}`.
    UnknownPlaceholder(String),
    /// Even a template within the limit could expand past it with long values.
    MayExceedLimit {
        /// The worst-case length in bytes.
        worst_case: usize,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Contract(e) => e.fmt(f),
            Self::UnknownPlaceholder(name) => write!(
                f,
                "unknown placeholder {name:?}; use one of {}",
                PLACEHOLDERS.map(|p| format!("${{{p}}}")).join(", ")
            ),
            Self::MayExceedLimit { worst_case } => write!(
                f,
                "with long values the reply could reach {worst_case} bytes, over OSS's limit; use fewer placeholders"
            ),
        }
    }
}

impl std::error::Error for ReplyError {}

/// A validated reply template.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyTemplate {
    template: Value,
}

impl Default for ReplyTemplate {
    fn default() -> Self {
        // The default is tested to parse; falling back to an empty object keeps this total.
        Self::parse(DEFAULT_TEMPLATE).unwrap_or(Self {
            template: Value::Object(serde_json::Map::new()),
        })
    }
}

/// Calls `on_placeholder` for each `${name}` in `text` and returns the text with each replaced
/// by what it returned.
fn substitute(
    text: &str,
    mut on_placeholder: impl FnMut(&str) -> Result<String, ReplyError>,
) -> Result<String, ReplyError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| ReplyError::UnknownPlaceholder(rest[start..].to_owned()))?;
        out.push_str(&on_placeholder(&after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn map_strings(
    value: &Value,
    f: &mut dyn FnMut(&str) -> Result<String, ReplyError>,
) -> Result<Value, ReplyError> {
    Ok(match value {
        Value::String(s) => Value::String(f(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| map_strings(v, f))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), map_strings(v, f)?)))
                .collect::<Result<_, ReplyError>>()?,
        ),
        other => other.clone(),
    })
}

fn placeholder_value(event: &UploadEvent, name: &str) -> String {
    let object = &event.object;
    match name {
        "id" => event.id.clone(),
        "object" => object.key.clone(),
        "bucket" => object.bucket.clone(),
        "etag" => object.etag.clone(),
        "size" => object.size.to_string(),
        "mime_type" => object.content_type.clone().unwrap_or_default(),
        "received_at" => event.received_at.clone(),
        "subject" => event
            .ticket
            .as_ref()
            .map(|t| t.subject.clone())
            .unwrap_or_default(),
        "grant_id" => event
            .ticket
            .as_ref()
            .map(|t| t.grant_id.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl ReplyTemplate {
    /// Validates `text` as a template: OSS's contract for the template itself, known
    /// placeholders only, and a worst-case expansion still within OSS's limit.
    pub fn parse(text: &str) -> Result<Self, ReplyError> {
        check_reply_body(text.as_bytes()).map_err(ReplyError::Contract)?;
        let template: Value = serde_json::from_str(text)
            .map_err(|e| ReplyError::Contract(ReplyBodyError::NotJson(e.to_string())))?;
        let mut placeholders = 0usize;
        map_strings(&template, &mut |s| {
            substitute(s, |name| {
                if PLACEHOLDERS.contains(&name) {
                    placeholders += 1;
                    Ok(String::new())
                } else {
                    Err(ReplyError::UnknownPlaceholder(format!("${{{name}}}")))
                }
            })
        })?;
        let worst_case = text.len() + placeholders * MAX_VALUE_BYTES;
        if worst_case > oss_edge_core::callback::reply::MAX_REPLY_BYTES {
            return Err(ReplyError::MayExceedLimit { worst_case });
        }
        Ok(Self { template })
    }

    /// The reply body for `event`.
    pub fn render(&self, event: &UploadEvent) -> Result<Vec<u8>, ReplyError> {
        let value = map_strings(&self.template, &mut |s| {
            substitute(s, |name| Ok(placeholder_value(event, name)))
        })?;
        let body = value.to_string().into_bytes();
        check_reply_body(&body).map_err(ReplyError::Contract)?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::callback::{CallbackRequest, parse_body};
    use oss_edge_core::confirm::ObjectFacts;

    fn event(body: &str) -> UploadEvent {
        // A synthetic verified callback: parse_body only reads the body and headers.
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let request = CallbackRequest {
            target: b"/cb",
            headers: &headers,
            body: body.as_bytes(),
        };
        let verified = oss_edge_core::callback::VerifiedCallback {
            target: oss_edge_core::callback::target::RequestTarget::split(b"/cb"),
            body: body.as_bytes(),
            key_url: String::new(),
            builtin_key: false,
        };
        let body = parse_body(&verified, &request, None);
        let object = ObjectFacts::from_claims(body.claimed()).unwrap();
        UploadEvent::from_callback(body, object, false, None, 1_700_000_000)
    }

    #[test]
    fn default_template_renders_id_and_object() {
        let e = event("bucket=b&object=a%22b.jpg&size=1&reqId=R1");
        let body = ReplyTemplate::default().render(&e).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["id"], e.id.as_str());
        assert!(e.id.starts_with("sha256:"));
        assert_eq!(v["object"], "a\"b.jpg");
        assert_eq!(v["status"], "ok");
    }

    #[test]
    fn custom_template_nested_and_mixed_text() {
        let t = ReplyTemplate::parse(
            r#"{"Status":"OK","data":{"path":"files/${object}","n":[1,"${size}"]},"${id}":true}"#,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(
            &t.render(&event("bucket=b&object=x&size=12&reqId=R"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v["data"]["path"], "files/x");
        assert_eq!(v["data"]["n"][1], "12");
        // Keys are not templates.
        assert_eq!(v["${id}"], true);
    }

    #[test]
    fn refuses_what_oss_would_refuse_and_unknown_placeholders() {
        assert!(matches!(
            ReplyTemplate::parse("\u{feff}{}"),
            Err(ReplyError::Contract(ReplyBodyError::ByteOrderMark))
        ));
        assert!(matches!(
            ReplyTemplate::parse("OK"),
            Err(ReplyError::Contract(ReplyBodyError::NotJson(_)))
        ));
        assert!(matches!(
            ReplyTemplate::parse(r#"{"a":"${nope}"}"#),
            Err(ReplyError::UnknownPlaceholder(_))
        ));
        assert!(matches!(
            ReplyTemplate::parse(r#"{"a":"${id"}"#),
            Err(ReplyError::UnknownPlaceholder(_))
        ));
        let many = format!("[{}]", vec![r#""${object}""#; 200].join(","));
        assert!(matches!(
            ReplyTemplate::parse(&many),
            Err(ReplyError::MayExceedLimit { .. })
        ));
    }
}
