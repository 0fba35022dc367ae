//! The body of `POST /v1/grants`, parsed and checked for shape (limits come later).

use core::fmt;

use serde_json::Value;

/// Largest request body read, bytes.
pub const MAX_REQUEST_LEN: usize = 16 * 1024;

/// How the client will upload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A PostObject HTML form (spec §5), the default.
    #[default]
    Post,
    /// A presigned PutObject URL (spec §6).
    Put,
    /// A presigned multipart upload plan (spec §6.3), for large files.
    Multipart,
}

impl Mode {
    /// `post`, `put` or `multipart`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Post => "post",
            Mode::Put => "put",
            Mode::Multipart => "multipart",
        }
    }
}

/// A grant request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantRequest {
    /// The client's file name (for the extension).
    pub filename: Option<String>,
    /// The file's media type.
    pub content_type: Option<String>,
    /// The file's size in bytes.
    pub size: Option<u64>,
    /// The upload mode.
    pub mode: Mode,
    /// Requested lifetime in seconds (default: configured).
    pub expires_in: Option<u64>,
    /// Multipart phase 2: the upload id OSS returned to InitiateMultipartUpload.
    pub upload_id: Option<String>,
    /// Multipart phase 2: the `continuation` from phase 1.
    pub continuation: Option<String>,
}

/// Why a request body is refused (HTTP 400).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Longer than [`MAX_REQUEST_LEN`].
    TooLong,
    /// Not JSON at all (empty, cut short, a syntax error, or text after the value).
    NotJson {
        /// 1-based line of the first problem.
        line: usize,
        /// 1-based column of the first problem.
        column: usize,
    },
    /// Valid JSON, but not an object (`[]`, `null`, `"x"`, `1`).
    NotObject(&'static str),
    /// A member that is not a field of a grant request (a typo, usually).
    UnknownField(String),
    /// A required field is missing.
    Missing(&'static str),
    /// A field has the wrong type or value.
    Invalid {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl RequestError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::TooLong => "request_too_large",
            RequestError::NotJson { .. } => "invalid_json",
            RequestError::NotObject(_) => "invalid_json",
            RequestError::UnknownField(_) => "unknown_field",
            RequestError::Missing(_) => "missing_field",
            RequestError::Invalid { .. } => "invalid_field",
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::TooLong => {
                write!(f, "the request body is longer than {MAX_REQUEST_LEN} bytes")
            }
            RequestError::NotJson { line, column } => write!(
                f,
                "the body is not valid JSON (first problem at line {line}, column {column}); \
                 send one JSON object such as {EXAMPLE}"
            ),
            RequestError::NotObject(what) => write!(
                f,
                "the body is {what}, not a JSON object; send one such as {EXAMPLE}"
            ),
            RequestError::UnknownField(name) => write!(
                f,
                "{name:?} is not a field of a grant request; the fields are {FIELDS}"
            ),
            RequestError::Missing(field) => write!(f, "the field {field} is required"),
            RequestError::Invalid { field, expected } => {
                write!(f, "the field {field} must be {expected}")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// An example body, quoted in error messages.
const EXAMPLE: &str = r#"{"filename": "photo.jpg", "content_type": "image/jpeg", "size": 52000}"#;

/// The fields of a grant request, quoted in error messages.
const FIELDS: &str = "filename, content_type, size, mode, expires_in, upload_id and continuation";

/// Longest unknown field name echoed back in a message, in characters.
const MAX_ECHOED_NAME: usize = 40;

fn what_json_is(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field: absent or `null` → `None`; anything but a string is refused.
fn text(value: Option<Value>, field: &'static str) -> Result<Option<String>, RequestError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(RequestError::Invalid {
            field,
            expected: "a string",
        }),
    }
}

/// A count field: absent or `null` → `None`; anything but a non-negative integer is refused.
fn whole(value: Option<Value>, field: &'static str) -> Result<Option<u64>, RequestError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(RequestError::Invalid {
            field,
            expected: "a non-negative whole number",
        }),
    }
}

impl GrantRequest {
    /// Parses a request body. Every refusal is a [`RequestError`] in the API's own words (no
    /// parser internals); unknown fields are refused so that typos are noticed.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        if body.len() > MAX_REQUEST_LEN {
            return Err(RequestError::TooLong);
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| RequestError::NotJson {
            line: e.line().max(1),
            column: e.column().max(1),
        })?;
        let Value::Object(mut members) = value else {
            return Err(RequestError::NotObject(what_json_is(&value)));
        };
        let mut take = |name: &str| members.remove(name);
        let filename = text(take("filename"), "filename")?;
        let content_type = text(take("content_type"), "content_type")?;
        let size = whole(take("size"), "size")?;
        let mode = text(take("mode"), "mode")?;
        let expires_in = whole(take("expires_in"), "expires_in")?;
        let upload_id = text(take("upload_id"), "upload_id")?;
        let continuation = text(take("continuation"), "continuation")?;
        if let Some(name) = members.keys().next() {
            return Err(RequestError::UnknownField(
                name.chars().take(MAX_ECHOED_NAME).collect(),
            ));
        }
        let mode = match mode.as_deref() {
            None | Some("post") => Mode::Post,
            Some("put") => Mode::Put,
            Some("multipart") => Mode::Multipart,
            Some(_) => {
                return Err(RequestError::Invalid {
                    field: "mode",
                    expected: "post, put or multipart",
                });
            }
        };
        Ok(Self {
            filename,
            content_type,
            size,
            mode,
            expires_in,
            upload_id,
            continuation,
        })
    }
}
