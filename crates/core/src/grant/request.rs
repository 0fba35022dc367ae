//! The body of `POST /v1/grants`, parsed and checked for shape (limits come later).

use core::fmt;

use serde::Deserialize;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    filename: Option<String>,
    content_type: Option<String>,
    size: Option<serde_json::Value>,
    mode: Option<String>,
    expires_in: Option<serde_json::Value>,
    upload_id: Option<String>,
    continuation: Option<String>,
}

/// Why a request body is refused (HTTP 400).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Longer than [`MAX_REQUEST_LEN`].
    TooLong,
    /// Not a JSON object of the documented fields.
    NotJson(String),
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
            RequestError::NotJson(_) => "invalid_json",
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
            RequestError::NotJson(e) => write!(
                f,
                "the body must be a JSON object with filename, content_type, size and optional \
                 mode, expires_in: {e}"
            ),
            RequestError::Missing(field) => write!(f, "the field {field} is required"),
            RequestError::Invalid { field, expected } => {
                write!(f, "the field {field} must be {expected}")
            }
        }
    }
}

impl std::error::Error for RequestError {}

fn whole(
    value: Option<serde_json::Value>,
    field: &'static str,
) -> Result<Option<u64>, RequestError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(RequestError::Invalid {
            field,
            expected: "a non-negative whole number",
        }),
    }
}

impl GrantRequest {
    /// Parses a request body. Unknown fields are refused so that typos are noticed.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        if body.len() > MAX_REQUEST_LEN {
            return Err(RequestError::TooLong);
        }
        let wire: Wire =
            serde_json::from_slice(body).map_err(|e| RequestError::NotJson(e.to_string()))?;
        let mode = match wire.mode.as_deref() {
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
            filename: wire.filename,
            content_type: wire.content_type,
            size: whole(wire.size, "size")?,
            mode,
            expires_in: whole(wire.expires_in, "expires_in")?,
            upload_id: wire.upload_id,
            continuation: wire.continuation,
        })
    }
}
