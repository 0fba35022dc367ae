//! `callbackBody` templates: placeholders, lint warnings and substitution (spec §1.2–§1.4).
//!
//! A template is constant text with `${name}` placeholders, where `name` is a
//! [`SystemVariable`] or a custom variable `x:…` (spec §1.3). OSS refuses a `$` that is not
//! followed by `{` ("Left brace must be adjacent to dollar sign.", EC 0007-00000105), and we also
//! refuse an unclosed `${` and an unknown name, so a template that passes here cannot arrive
//! with a placeholder left literally in the body.

use core::fmt;

use crate::encoding::uri_encode;

use super::BodyType;
use super::vars::{CallbackVars, is_valid_var_key};

/// A system variable OSS substitutes in `callbackBody` (spec §1.3, current list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemVariable {
    /// `${bucket}`: bucket name.
    Bucket,
    /// `${object}`: full object key.
    Object,
    /// `${etag}`: the object's ETag (32 upper-case hex characters, no quotes, for simple uploads).
    Etag,
    /// `${size}`: object size in bytes.
    Size,
    /// `${mimeType}`: the object's content type.
    MimeType,
    /// `${imageInfo.height}`: image height; empty for non-images.
    ImageHeight,
    /// `${imageInfo.width}`: image width; empty for non-images.
    ImageWidth,
    /// `${imageInfo.format}`: image format (`jpg`, `png`…); empty for non-images.
    ImageFormat,
    /// `${crc64}`: the `x-oss-hash-crc64ecma` value (an unsigned 64-bit integer).
    Crc64,
    /// `${contentMd5}`: the `Content-MD5` value; empty except for PutObject and PostObject.
    ContentMd5,
    /// `${vpcId}`: the client's VPC id; empty outside a VPC.
    VpcId,
    /// `${clientIp}`: the uploading client's IP address.
    ClientIp,
    /// `${reqId}`: the request id of the upload.
    ReqId,
    /// `${operation}`: the API used (`PutObject`, `PostObject`, `CompleteMultipartUpload`…).
    Operation,
}

impl SystemVariable {
    /// Every system variable, in the order of spec §1.3.
    pub const ALL: [SystemVariable; 14] = [
        SystemVariable::Bucket,
        SystemVariable::Object,
        SystemVariable::Etag,
        SystemVariable::Size,
        SystemVariable::MimeType,
        SystemVariable::ImageHeight,
        SystemVariable::ImageWidth,
        SystemVariable::ImageFormat,
        SystemVariable::Crc64,
        SystemVariable::ContentMd5,
        SystemVariable::VpcId,
        SystemVariable::ClientIp,
        SystemVariable::ReqId,
        SystemVariable::Operation,
    ];

    /// The name inside `${…}` (case-sensitive).
    pub fn name(self) -> &'static str {
        match self {
            SystemVariable::Bucket => "bucket",
            SystemVariable::Object => "object",
            SystemVariable::Etag => "etag",
            SystemVariable::Size => "size",
            SystemVariable::MimeType => "mimeType",
            SystemVariable::ImageHeight => "imageInfo.height",
            SystemVariable::ImageWidth => "imageInfo.width",
            SystemVariable::ImageFormat => "imageInfo.format",
            SystemVariable::Crc64 => "crc64",
            SystemVariable::ContentMd5 => "contentMd5",
            SystemVariable::VpcId => "vpcId",
            SystemVariable::ClientIp => "clientIp",
            SystemVariable::ReqId => "reqId",
            SystemVariable::Operation => "operation",
        }
    }

    /// The variable called `name` (exact, case-sensitive match).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }
}

impl fmt::Display for SystemVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${{{}}}", self.name())
    }
}

/// A malformed placeholder in `callbackBody` (OSS: `400 InvalidArgument`, EC 0007-00000105).
/// Offsets are byte offsets into the template.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaceholderError {
    /// A `$` not immediately followed by `{`.
    DollarWithoutBrace {
        /// Offset of the `$`.
        offset: usize,
    },
    /// A `${` without a closing `}`.
    Unclosed {
        /// Offset of the `$`.
        offset: usize,
    },
    /// A name that is neither a system variable nor a custom variable.
    UnknownVariable {
        /// Offset of the `$`.
        offset: usize,
        /// The name between the braces.
        name: String,
    },
    /// An `x:` name outside our custom-variable rule (lower case `a-z 0-9 _ - .`, spec §1.5).
    BadCustomVariable {
        /// Offset of the `$`.
        offset: usize,
        /// The name between the braces.
        name: String,
    },
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceholderError::DollarWithoutBrace { offset } => write!(
                f,
                "`$` at byte {offset} is not followed by `{{` (OSS: \"Left brace must be adjacent \
                 to dollar sign.\"); write placeholders as ${{name}}"
            ),
            PlaceholderError::Unclosed { offset } => {
                write!(f, "`${{` at byte {offset} has no closing `}}`")
            }
            PlaceholderError::UnknownVariable { offset, name } => write!(
                f,
                "unknown variable `${{{name}}}` at byte {offset}: use a system variable \
                 (bucket, object, etag, size, mimeType, imageInfo.height, imageInfo.width, \
                 imageInfo.format, crc64, contentMd5, vpcId, clientIp, reqId, operation; \
                 case-sensitive) or a custom variable `x:name`"
            ),
            PlaceholderError::BadCustomVariable { offset, name } => write!(
                f,
                "custom variable `${{{name}}}` at byte {offset} must be `x:` followed by \
                 lower-case letters, digits, `_`, `-` or `.`"
            ),
        }
    }
}

impl std::error::Error for PlaceholderError {}

/// A lint finding: OSS accepts the template, but the body will probably not be what you meant.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyWarning {
    /// A JSON-type body quotes a placeholder (`"${bucket}"`): OSS already renders strings with
    /// their quotes (spec §1.4), so the body would contain `""bucket""`.
    QuotedPlaceholder {
        /// Offset of the `$`.
        offset: usize,
        /// The variable name.
        name: String,
    },
    /// A JSON-type body that is not JSON even with every placeholder rendered as a number.
    NotJson,
    /// A form-type body segment (between `&`) that is not `key=value` with a non-empty key.
    NotKeyValue {
        /// The segment as written.
        segment: String,
    },
}

impl fmt::Display for BodyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyWarning::QuotedPlaceholder { offset, name } => write!(
                f,
                "placeholder `${{{name}}}` at byte {offset} is inside quotes; with \
                 application/json OSS adds the quotes itself, so remove them"
            ),
            BodyWarning::NotJson => f.write_str(
                "the body type is application/json but the template is not JSON; \
                 OSS sends it anyway, and receivers will not parse it as JSON",
            ),
            BodyWarning::NotKeyValue { segment } => write!(
                f,
                "form body segment `{segment}` is not `key=value`; \
                 application/x-www-form-urlencoded bodies are `k=v&k=v`"
            ),
        }
    }
}

/// A piece of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Constant text, copied verbatim.
    Literal(String),
    /// A system variable placeholder.
    System(SystemVariable),
    /// A custom variable placeholder; the name includes `x:`.
    Custom(String),
}

/// A validated `callbackBody` template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyTemplate {
    text: String,
    segments: Vec<Segment>,
    /// Byte offset of each placeholder's `$`, parallel to the placeholder segments.
    placeholder_offsets: Vec<usize>,
}

impl BodyTemplate {
    /// Parses `text`, refusing malformed placeholders (spec §1.2). An empty text is a valid
    /// template here; [`CallbackParams`](super::CallbackParams) refuses an empty body.
    pub fn parse(text: &str) -> Result<Self, PlaceholderError> {
        let mut segments = Vec::new();
        let mut placeholder_offsets = Vec::new();
        let mut literal_start = 0;
        let mut rest = text;
        let mut base = 0;
        while let Some(pos) = rest.find('$') {
            let offset = base + pos;
            let after = &rest[pos + 1..];
            if !after.starts_with('{') {
                return Err(PlaceholderError::DollarWithoutBrace { offset });
            }
            let Some(close) = after.find('}') else {
                return Err(PlaceholderError::Unclosed { offset });
            };
            let name = &after[1..close];
            let segment = if let Some(variable) = SystemVariable::from_name(name) {
                Segment::System(variable)
            } else if name.starts_with("x:") {
                if !is_valid_var_key(name) {
                    return Err(PlaceholderError::BadCustomVariable {
                        offset,
                        name: name.to_owned(),
                    });
                }
                Segment::Custom(name.to_owned())
            } else {
                return Err(PlaceholderError::UnknownVariable {
                    offset,
                    name: name.to_owned(),
                });
            };
            if literal_start < offset {
                segments.push(Segment::Literal(text[literal_start..offset].to_owned()));
            }
            segments.push(segment);
            placeholder_offsets.push(offset);
            let consumed = pos + 1 + close + 1;
            base += consumed;
            rest = &rest[consumed..];
            literal_start = base;
        }
        if literal_start < text.len() {
            segments.push(Segment::Literal(text[literal_start..].to_owned()));
        }
        Ok(Self {
            text: text.to_owned(),
            segments,
            placeholder_offsets,
        })
    }

    /// The template text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The template's pieces in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The system variables referenced, in order of appearance (with repeats).
    pub fn system_variables(&self) -> impl Iterator<Item = SystemVariable> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::System(v) => Some(*v),
            _ => None,
        })
    }

    /// The custom variables referenced (with `x:`), in order of appearance (with repeats).
    /// Only these are ever sent: a `callback-var` entry the template does not name is dropped
    /// (spec §1.3).
    pub fn custom_variables(&self) -> impl Iterator<Item = &str> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Custom(name) => Some(name.as_str()),
            _ => None,
        })
    }

    fn placeholders(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::System(v) => Some(v.name()),
                Segment::Custom(name) => Some(name.as_str()),
                Segment::Literal(_) => None,
            })
            .zip(self.placeholder_offsets.iter().copied())
            .map(|(name, offset)| (offset, name))
    }

    /// Lint findings for this template used with `body_type` (spec §1.4, gotcha §7.10).
    pub fn warnings(&self, body_type: BodyType) -> Vec<BodyWarning> {
        let mut warnings = Vec::new();
        match body_type {
            BodyType::Json => {
                let bytes = self.text.as_bytes();
                for (offset, name) in self.placeholders() {
                    let end = offset + name.len() + 3;
                    let quoted_before = offset > 0 && bytes[offset - 1] == b'"';
                    let quoted_after = bytes.get(end) == Some(&b'"');
                    if quoted_before && quoted_after {
                        warnings.push(BodyWarning::QuotedPlaceholder {
                            offset,
                            name: name.to_owned(),
                        });
                    }
                }
                let probe: String = self
                    .segments
                    .iter()
                    .map(|s| match s {
                        Segment::Literal(text) => text.as_str(),
                        _ => "0",
                    })
                    .collect();
                if serde_json::from_str::<serde_json::Value>(&probe).is_err() {
                    warnings.push(BodyWarning::NotJson);
                }
            }
            BodyType::Form => {
                for segment in self.text.split('&') {
                    let key_ok = segment.split_once('=').is_some_and(|(k, _)| !k.is_empty());
                    if !key_ok {
                        warnings.push(BodyWarning::NotKeyValue {
                            segment: segment.to_owned(),
                        });
                    }
                }
            }
        }
        warnings
    }

    /// Renders the body OSS would send (spec §1.4).
    ///
    /// - Form bodies: every variable value is percent-encoded (everything but RFC 3986
    ///   unreserved characters, so `/` becomes `%2F` \[VERIFIED\]); numbers are decimal; empty
    ///   values are empty.
    /// - JSON bodies: strings are JSON-quoted and escaped (`/` not escaped \[VERIFIED\]), numbers
    ///   bare; the \[UNVERIFIED\] cases follow `rendering` (see [`JsonRendering`]).
    /// - Constants are copied verbatim in both; a custom variable missing from `vars`
    ///   renders as the empty string (`` in form bodies, `""` in JSON bodies).
    pub fn render(
        &self,
        body_type: BodyType,
        values: &SystemValues,
        vars: &CallbackVars,
        rendering: JsonRendering,
    ) -> String {
        let mut out = String::with_capacity(self.text.len() * 2);
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Custom(name) => {
                    let value = vars.get(name).unwrap_or("");
                    render_value(&mut out, body_type, Value::Text(value), rendering);
                }
                Segment::System(variable) => {
                    let value = values.value(*variable);
                    render_value(&mut out, body_type, value, rendering);
                }
            }
        }
        out
    }
}

/// What an image field renders as in a JSON body when the object is not an image
/// (\[UNVERIFIED\], spec §1.4, §10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EmptyNumber {
    /// Nothing at all (`"height":,`), the hostile reading a numeric renderer with an empty
    /// value would produce. The default: a receiver that survives this survives the others.
    #[default]
    Nothing,
    /// An empty JSON string `""`.
    EmptyString,
    /// JSON `null`.
    Null,
}

/// How `${crc64}` renders in a JSON body (\[UNVERIFIED\], spec §1.4, §10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Crc64Rendering {
    /// A bare decimal number (it is an unsigned 64-bit integer). The default.
    #[default]
    Number,
    /// A JSON string of decimal digits.
    String,
}

/// Choices for the JSON renderings the spec leaves \[UNVERIFIED\]. `size` is always a bare
/// number and image height and width are bare numbers when present; every other variable is a
/// JSON string. The local OSS stand-in can vary these to prove receivers cope with each
/// reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonRendering {
    /// Image height and width of a non-image.
    pub empty_number: EmptyNumber,
    /// `${crc64}`.
    pub crc64: Crc64Rendering,
}

/// Image facts OSS reports for image objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// Height in pixels.
    pub height: u32,
    /// Width in pixels.
    pub width: u32,
    /// Format, e.g. `jpg` or `png`.
    pub format: String,
}

/// The values of the system variables for one upload (spec §1.3), input to
/// [`BodyTemplate::render`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemValues {
    /// `${bucket}`.
    pub bucket: String,
    /// `${object}`.
    pub object: String,
    /// `${etag}`.
    pub etag: String,
    /// `${size}`.
    pub size: u64,
    /// `${mimeType}`.
    pub mime_type: String,
    /// `${imageInfo.*}`; `None` for non-images (all three render empty).
    pub image: Option<ImageInfo>,
    /// `${crc64}`.
    pub crc64: u64,
    /// `${contentMd5}` (empty for multipart uploads).
    pub content_md5: String,
    /// `${vpcId}` (empty outside a VPC).
    pub vpc_id: String,
    /// `${clientIp}`.
    pub client_ip: String,
    /// `${reqId}`.
    pub req_id: String,
    /// `${operation}`.
    pub operation: String,
}

enum Value<'a> {
    Text(&'a str),
    Number(u64),
    EmptyNumber,
    Crc64(u64),
}

impl SystemValues {
    fn value(&self, variable: SystemVariable) -> Value<'_> {
        match variable {
            SystemVariable::Bucket => Value::Text(&self.bucket),
            SystemVariable::Object => Value::Text(&self.object),
            SystemVariable::Etag => Value::Text(&self.etag),
            SystemVariable::Size => Value::Number(self.size),
            SystemVariable::MimeType => Value::Text(&self.mime_type),
            SystemVariable::ImageHeight => self
                .image
                .as_ref()
                .map_or(Value::EmptyNumber, |i| Value::Number(u64::from(i.height))),
            SystemVariable::ImageWidth => self
                .image
                .as_ref()
                .map_or(Value::EmptyNumber, |i| Value::Number(u64::from(i.width))),
            SystemVariable::ImageFormat => {
                Value::Text(self.image.as_ref().map_or("", |i| i.format.as_str()))
            }
            SystemVariable::Crc64 => Value::Crc64(self.crc64),
            SystemVariable::ContentMd5 => Value::Text(&self.content_md5),
            SystemVariable::VpcId => Value::Text(&self.vpc_id),
            SystemVariable::ClientIp => Value::Text(&self.client_ip),
            SystemVariable::ReqId => Value::Text(&self.req_id),
            SystemVariable::Operation => Value::Text(&self.operation),
        }
    }
}

fn render_value(out: &mut String, body_type: BodyType, value: Value<'_>, rendering: JsonRendering) {
    match (body_type, value) {
        (BodyType::Form, Value::Text(text)) => out.push_str(&uri_encode(text.as_bytes(), false)),
        (BodyType::Form, Value::Number(n) | Value::Crc64(n)) => out.push_str(&n.to_string()),
        (BodyType::Form, Value::EmptyNumber) => {}
        (BodyType::Json, Value::Text(text)) => {
            out.push_str(&serde_json::Value::String(text.to_owned()).to_string());
        }
        (BodyType::Json, Value::Number(n)) => out.push_str(&n.to_string()),
        (BodyType::Json, Value::Crc64(n)) => match rendering.crc64 {
            Crc64Rendering::Number => out.push_str(&n.to_string()),
            Crc64Rendering::String => {
                out.push('"');
                out.push_str(&n.to_string());
                out.push('"');
            }
        },
        (BodyType::Json, Value::EmptyNumber) => match rendering.empty_number {
            EmptyNumber::Nothing => {}
            EmptyNumber::EmptyString => out.push_str("\"\""),
            EmptyNumber::Null => out.push_str("null"),
        },
    }
}
