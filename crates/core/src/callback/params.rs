//! Callback parameters (spec §1): builder and validator for the `callback` JSON and the
//! `callback-var` custom variables, the parser OSS (and our local stand-in) applies to a
//! received parameter, and the substitution OSS performs on `callbackBody`.
//!
//! - [`CallbackParams`] / [`CallbackParamsBuilder`]: the `callback` parameter (spec §1.2).
//! - [`CallbackVars`]: the `callback-var` parameter (spec §1.5).
//! - [`BodyTemplate`]: `callbackBody` placeholders, warnings and rendering (spec §1.3, §1.4).
//! - [`CallbackUrl`]: one `callbackUrl` entry.
//! - [`EVENT_JSON_BODY`] / [`EVENT_FORM_BODY`] / [`event_body`]: the templates the signer sends
//!   so the callback carries every system variable the event parser reads.
//!
//! ## Size limit
//! OSS refuses a `callback` or `callback-var` value over "5 KB" of Base64 (spec §1.2). We read
//! 5 KB as [`MAX_ENCODED_LEN`] = 5 × 1024 = 5120 bytes of Base64 text: a value of exactly 5120
//! bytes is accepted, anything longer is refused (Base64 lengths are multiples of 4, so the next
//! possible length, 5124, is the first refused).
//!
//! ## Serialization
//! Compact JSON, fields in the order `callbackUrl`, `callbackHost` (when set), `callbackBody`,
//! `callbackSNI` (only when `true`, as the Java SDK writes it), `callbackBodyType` (always), then
//! standard Base64 with padding (spec §1.1). Equal parameters always give equal bytes, so the
//! value can be bound into a PostObject policy.
//!
//! ## `callbackSNI`
//! OSS's default is `false` (spec §1.2). Our builder defaults to `true` whenever any URL is
//! `https`: a Cloudflare Worker shares its IP addresses with other sites, so without SNI the TLS
//! handshake fails and OSS reports `502 callback failed`. With only `http` URLs SNI means
//! nothing and the field is omitted. An explicit [`CallbackParamsBuilder::sni`] wins. The
//! parser reads an absent field as `false`, as OSS does.

use core::fmt;

use crate::encoding::{base64_decode, base64_encode};

mod template;
mod url;
mod vars;

pub use template::{
    BodyTemplate, BodyWarning, Crc64Rendering, EmptyNumber, ImageInfo, JsonRendering,
    PlaceholderError, Segment, SystemValues, SystemVariable,
};
pub use url::{CallbackUrl, Scheme, UrlError};
pub use vars::{CallbackVars, MAX_VAR_NAME_LEN, VAR_PREFIX, VarsError, is_valid_var_key};

/// Longest accepted Base64 value of `callback` or `callback-var`: 5 KB read as 5120 bytes
/// (spec §1.2).
pub const MAX_ENCODED_LEN: usize = 5 * 1024;

/// Most URLs `callbackUrl` may list (spec §1.2).
pub const MAX_URLS: usize = 5;

/// The JSON `callbackBody` that carries every system variable the event parser reads,
/// including `${reqId}` (spec §1.3). Use it with [`BodyType::Json`].
///
/// Rendering choices (spec §1.4, §10): placeholders are never quoted, since OSS renders strings
/// with their quotes. The variables that can be empty (`imageInfo.height`, `imageInfo.width`,
/// `imageInfo.format`, `contentMd5`, `vpcId`) sit inside a one-element JSON array, because how
/// OSS renders an empty value in JSON mode is \[UNVERIFIED\]: `[]` (nothing), `[""]` and
/// `[null]` all stay valid JSON, as do `[600]` or `["600"]`. A receiver reads the array's
/// single element as the value, and an empty array, `""` or `null` as absent. `crc64` stays
/// bare: it is never empty, and a number or a string both parse. `size` is a bare number.
pub const EVENT_JSON_BODY: &str = concat!(
    r#"{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"#,
    r#""mimeType":${mimeType},"imageInfo":{"height":[${imageInfo.height}],"#,
    r#""width":[${imageInfo.width}],"format":[${imageInfo.format}]},"crc64":${crc64},"#,
    r#""contentMd5":[${contentMd5}],"clientIp":${clientIp},"reqId":${reqId},"#,
    r#""operation":${operation},"vpcId":[${vpcId}]}"#
);

/// The form `callbackBody` carrying the same variables as [`EVENT_JSON_BODY`]; use it with
/// [`BodyType::Form`]. Form rendering is fully specified (spec §1.4): values are
/// percent-encoded and empty values are empty, so nothing about it is unverified.
pub const EVENT_FORM_BODY: &str = concat!(
    "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}",
    "&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}",
    "&imageInfo.format=${imageInfo.format}&crc64=${crc64}&contentMd5=${contentMd5}",
    "&clientIp=${clientIp}&reqId=${reqId}&operation=${operation}&vpcId=${vpcId}"
);

/// [`EVENT_JSON_BODY`] or [`EVENT_FORM_BODY`] extended with the custom variables `custom`
/// (full `x:` keys), each under its own key (`"x:name":${x:name}` or `&x:name=${x:name}`).
/// OSS only sends custom variables the template names (spec §1.3). Invalid keys are refused.
pub fn event_body<'a>(
    body_type: BodyType,
    custom: impl IntoIterator<Item = &'a str>,
) -> Result<String, VarsError> {
    let mut body = match body_type {
        BodyType::Json => EVENT_JSON_BODY.to_owned(),
        BodyType::Form => EVENT_FORM_BODY.to_owned(),
    };
    let mut extra = String::new();
    for key in custom {
        if !is_valid_var_key(key) {
            return Err(VarsError::BadKey {
                key: key.to_owned(),
            });
        }
        match body_type {
            BodyType::Json => extra.push_str(&format!(",\"{key}\":${{{key}}}")),
            BodyType::Form => extra.push_str(&format!("&{key}=${{{key}}}")),
        }
    }
    match body_type {
        BodyType::Json => {
            // Insert before the final `}` of the outer object.
            body.pop();
            body.push_str(&extra);
            body.push('}');
        }
        BodyType::Form => body.push_str(&extra),
    }
    Ok(body)
}

/// `callbackBodyType` (spec §1.2): the callback's `Content-Type` and the substitution rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BodyType {
    /// `application/x-www-form-urlencoded`, OSS's default.
    #[default]
    Form,
    /// `application/json`.
    Json,
}

impl BodyType {
    /// The MIME type as written in the parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyType::Form => "application/x-www-form-urlencoded",
            BodyType::Json => "application/json",
        }
    }

    /// The body type named exactly `text` (OSS rejects anything else, EC 0007-00000012).
    pub fn from_mime(text: &str) -> Option<Self> {
        match text {
            "application/x-www-form-urlencoded" => Some(BodyType::Form),
            "application/json" => Some(BodyType::Json),
            _ => None,
        }
    }
}

impl fmt::Display for BodyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a `callback` parameter cannot be built or would be refused by OSS with
/// `400 InvalidArgument` (spec §1.2, EC codes in §11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsError {
    /// The Base64 value is longer than [`MAX_ENCODED_LEN`].
    TooLarge {
        /// Length of the Base64 value.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The parameter is not standard Base64 with padding.
    NotBase64,
    /// The decoded parameter is not a JSON object (OSS: "The callback configuration is not
    /// json format.").
    NotJsonObject,
    /// A field has the wrong JSON type.
    FieldType {
        /// The field name.
        field: &'static str,
        /// The type it must have.
        expected: &'static str,
    },
    /// `callbackUrl` is missing or empty. OSS then configures no callback at all (spec §1.2);
    /// we refuse, because a grant without its callback loses the upload event.
    NoCallbackUrl,
    /// More than [`MAX_URLS`] URLs.
    TooManyUrls {
        /// How many were given.
        count: usize,
    },
    /// A `callbackUrl` entry is invalid, e.g. a bad port (EC 0007-00000004).
    BadUrl {
        /// Zero-based position in the list.
        index: usize,
        /// What is wrong with it.
        reason: UrlError,
    },
    /// `callbackHost` is not a host name or IPv4 address with an optional port.
    BadHost {
        /// What is wrong with it.
        reason: UrlError,
    },
    /// `callbackBody` is missing or empty (EC 0007-00000011).
    EmptyBody,
    /// `callbackBodyType` is neither form nor JSON (EC 0007-00000012).
    BadBodyType {
        /// The value as given.
        value: String,
    },
    /// A malformed `${…}` placeholder in `callbackBody` (EC 0007-00000105).
    Placeholder(PlaceholderError),
}

impl ParamsError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            ParamsError::TooLarge { .. } => "callback_too_large",
            ParamsError::NotBase64 => "callback_not_base64",
            ParamsError::NotJsonObject => "callback_not_json_object",
            ParamsError::FieldType { .. } => "callback_field_type",
            ParamsError::NoCallbackUrl => "callback_no_url",
            ParamsError::TooManyUrls { .. } => "callback_too_many_urls",
            ParamsError::BadUrl { .. } => "callback_bad_url",
            ParamsError::BadHost { .. } => "callback_bad_host",
            ParamsError::EmptyBody => "callback_empty_body",
            ParamsError::BadBodyType { .. } => "callback_bad_body_type",
            ParamsError::Placeholder(_) => "callback_bad_placeholder",
        }
    }

    /// The OSS error code (EC) documented for this failure, where one is known (spec §11).
    pub fn oss_ec(&self) -> Option<&'static str> {
        match self {
            ParamsError::BadUrl { .. } => Some("0007-00000004"),
            ParamsError::EmptyBody => Some("0007-00000011"),
            ParamsError::BadBodyType { .. } => Some("0007-00000012"),
            ParamsError::Placeholder(_) => Some("0007-00000105"),
            _ => None,
        }
    }
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsError::TooLarge { len, max } => write!(
                f,
                "the callback parameter is {len} bytes of Base64, over OSS's limit of {max}; \
                 shorten callbackBody or the URLs"
            ),
            ParamsError::NotBase64 => {
                f.write_str("the callback parameter is not standard Base64 (with `=` padding)")
            }
            ParamsError::NotJsonObject => f.write_str(
                "the callback configuration is not json format: it must decode to a JSON object \
                 (escape quotes inside callbackBody as \\\")",
            ),
            ParamsError::FieldType { field, expected } => {
                write!(f, "`{field}` must be a JSON {expected}")
            }
            ParamsError::NoCallbackUrl => {
                f.write_str("callbackUrl is missing or empty, so OSS would send no callback")
            }
            ParamsError::TooManyUrls { count } => {
                write!(
                    f,
                    "callbackUrl lists {count} URLs; OSS allows at most {MAX_URLS}"
                )
            }
            ParamsError::BadUrl { index, reason } => {
                write!(f, "callbackUrl entry {} is invalid: {reason}", index + 1)
            }
            ParamsError::BadHost { reason } => write!(f, "callbackHost is invalid: {reason}"),
            ParamsError::EmptyBody => f.write_str("callbackBody is missing or empty"),
            ParamsError::BadBodyType { value } => write!(
                f,
                "callbackBodyType `{value}` is not allowed: use \
                 application/x-www-form-urlencoded or application/json"
            ),
            ParamsError::Placeholder(error) => write!(f, "callbackBody: {error}"),
        }
    }
}

impl std::error::Error for ParamsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ParamsError::BadUrl { reason, .. } | ParamsError::BadHost { reason } => Some(reason),
            ParamsError::Placeholder(error) => Some(error),
            _ => None,
        }
    }
}

impl From<PlaceholderError> for ParamsError {
    fn from(error: PlaceholderError) -> Self {
        ParamsError::Placeholder(error)
    }
}

/// A validated `callback` parameter. Built with [`CallbackParams::builder`] or parsed with
/// [`CallbackParams::from_base64`]; either way its Base64 fits [`MAX_ENCODED_LEN`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackParams {
    urls: Vec<CallbackUrl>,
    host: Option<String>,
    body: BodyTemplate,
    sni: bool,
    body_type: BodyType,
}

/// Builds a [`CallbackParams`]; see the [module docs](self) for defaults.
#[derive(Clone, Debug, Default)]
pub struct CallbackParamsBuilder {
    urls: Vec<String>,
    host: Option<String>,
    body: String,
    sni: Option<bool>,
    body_type: BodyType,
}

impl CallbackParamsBuilder {
    /// Adds a callback URL (1 to [`MAX_URLS`]; OSS tries them in order until one succeeds).
    /// It must start with `http://` or `https://` and be percent-encoded already.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Sets `callbackHost`, the `Host` header of the callback request.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the `callbackBody` template.
    pub fn body(mut self, template: impl Into<String>) -> Self {
        self.body = template.into();
        self
    }

    /// Sets `callbackBodyType` (default: form).
    pub fn body_type(mut self, body_type: BodyType) -> Self {
        self.body_type = body_type;
        self
    }

    /// Sets `callbackSNI` explicitly (default: `true` when any URL is `https`).
    pub fn sni(mut self, sni: bool) -> Self {
        self.sni = Some(sni);
        self
    }

    /// Validates everything, including the Base64 size.
    pub fn build(self) -> Result<CallbackParams, ParamsError> {
        if self.urls.is_empty() {
            return Err(ParamsError::NoCallbackUrl);
        }
        if self.urls.len() > MAX_URLS {
            return Err(ParamsError::TooManyUrls {
                count: self.urls.len(),
            });
        }
        let urls = self
            .urls
            .iter()
            .enumerate()
            .map(|(index, url)| {
                CallbackUrl::parse(url).map_err(|reason| ParamsError::BadUrl { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let any_https = urls.iter().any(|u| u.scheme() == Scheme::Https);
        let params = CallbackParams {
            host: validate_host(self.host)?,
            body: validate_body(&self.body)?,
            sni: self.sni.unwrap_or(any_https),
            body_type: self.body_type,
            urls,
        };
        params.check_size()?;
        Ok(params)
    }
}

fn validate_host(host: Option<String>) -> Result<Option<String>, ParamsError> {
    if let Some(host) = &host {
        if let Some(offset) = host.bytes().position(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(ParamsError::BadHost {
                reason: UrlError::BadCharacter { offset },
            });
        }
        url::parse_authority(host).map_err(|reason| ParamsError::BadHost { reason })?;
    }
    Ok(host)
}

fn validate_body(body: &str) -> Result<BodyTemplate, ParamsError> {
    if body.is_empty() {
        return Err(ParamsError::EmptyBody);
    }
    Ok(BodyTemplate::parse(body)?)
}

fn json_string(text: &str) -> String {
    // The `&str` itself, not a `Value`: that would link serde_json's float formatter (issue 15).
    serde_json::to_string(text).unwrap_or_default()
}

impl CallbackParams {
    /// A builder with no URL, no body, form body type and automatic SNI.
    pub fn builder() -> CallbackParamsBuilder {
        CallbackParamsBuilder::default()
    }

    /// The callback URLs, in the order OSS tries them.
    pub fn urls(&self) -> &[CallbackUrl] {
        &self.urls
    }

    /// `callbackUrl` as written: the URLs joined by `;`.
    pub fn url_field(&self) -> String {
        let urls: Vec<&str> = self.urls.iter().map(CallbackUrl::as_str).collect();
        urls.join(";")
    }

    /// `callbackHost`, if set.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The `callbackBody` template.
    pub fn body(&self) -> &BodyTemplate {
        &self.body
    }

    /// Whether OSS sends TLS SNI to `https` URLs.
    pub fn sni(&self) -> bool {
        self.sni
    }

    /// `callbackBodyType`.
    pub fn body_type(&self) -> BodyType {
        self.body_type
    }

    /// Lint findings about the body (spec §1.4): OSS accepts these, but they are likely
    /// mistakes.
    pub fn warnings(&self) -> Vec<BodyWarning> {
        self.body.warnings(self.body_type)
    }

    /// The compact, deterministic JSON (field order in the [module docs](self)).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.body.as_str().len() + 128);
        out.push_str("{\"callbackUrl\":");
        out.push_str(&json_string(&self.url_field()));
        if let Some(host) = &self.host {
            out.push_str(",\"callbackHost\":");
            out.push_str(&json_string(host));
        }
        out.push_str(",\"callbackBody\":");
        out.push_str(&json_string(self.body.as_str()));
        if self.sni {
            out.push_str(",\"callbackSNI\":true");
        }
        out.push_str(",\"callbackBodyType\":");
        out.push_str(&json_string(self.body_type.as_str()));
        out.push('}');
        out
    }

    /// The `callback` parameter value: standard Base64 with padding of [`Self::to_json`]
    /// (spec §1.1). At most [`MAX_ENCODED_LEN`] bytes by construction.
    pub fn to_base64(&self) -> String {
        base64_encode(self.to_json().as_bytes())
    }

    fn check_size(&self) -> Result<(), ParamsError> {
        let len = self.to_json().len().div_ceil(3) * 4;
        if len > MAX_ENCODED_LEN {
            return Err(ParamsError::TooLarge {
                len,
                max: MAX_ENCODED_LEN,
            });
        }
        Ok(())
    }

    /// Parses a received `callback` value as OSS does: size, Base64, JSON object, then the
    /// fields (spec §1.2). URLs may omit their scheme (OSS tolerates it); unknown fields are
    /// ignored.
    pub fn from_base64(text: &str) -> Result<Self, ParamsError> {
        if text.len() > MAX_ENCODED_LEN {
            return Err(ParamsError::TooLarge {
                len: text.len(),
                max: MAX_ENCODED_LEN,
            });
        }
        let bytes = base64_decode(text).map_err(|_| ParamsError::NotBase64)?;
        Self::parse_json(&bytes)
    }

    /// Validates callback JSON that is about to be sent: the checks of [`Self::from_base64`],
    /// with the size limit applied to what [`Self::to_base64`] will send (the compact
    /// canonical form), so an accepted value can always be sent.
    ///
    /// [`Self::from_base64`] applies the limit to the text received instead, as OSS does; a
    /// received value can therefore be accepted whose canonical form is longer.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ParamsError> {
        let params = Self::parse_json(bytes)?;
        let len = params.to_base64().len();
        if len > MAX_ENCODED_LEN {
            return Err(ParamsError::TooLarge {
                len,
                max: MAX_ENCODED_LEN,
            });
        }
        Ok(params)
    }

    /// Parses the decoded JSON of a `callback` value, without a size check.
    fn parse_json(bytes: &[u8]) -> Result<Self, ParamsError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| ParamsError::NotJsonObject)?;
        let serde_json::Value::Object(map) = value else {
            return Err(ParamsError::NotJsonObject);
        };
        let string_field = |field: &'static str| -> Result<Option<&str>, ParamsError> {
            match map.get(field) {
                None => Ok(None),
                Some(serde_json::Value::String(text)) => Ok(Some(text.as_str())),
                Some(_) => Err(ParamsError::FieldType {
                    field,
                    expected: "string",
                }),
            }
        };

        let url_field = string_field("callbackUrl")?.unwrap_or("");
        if url_field.is_empty() {
            return Err(ParamsError::NoCallbackUrl);
        }
        let entries: Vec<&str> = url_field.split(';').collect();
        if entries.len() > MAX_URLS {
            return Err(ParamsError::TooManyUrls {
                count: entries.len(),
            });
        }
        let urls = entries
            .into_iter()
            .enumerate()
            .map(|(index, url)| {
                CallbackUrl::parse_lenient(url)
                    .map_err(|reason| ParamsError::BadUrl { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let host = validate_host(string_field("callbackHost")?.map(str::to_owned))?;
        let body = match map.get("callbackBody") {
            None => return Err(ParamsError::EmptyBody),
            Some(serde_json::Value::String(text)) => validate_body(text)?,
            Some(_) => {
                return Err(ParamsError::FieldType {
                    field: "callbackBody",
                    expected: "string",
                });
            }
        };
        let sni = match map.get("callbackSNI") {
            None => false,
            Some(serde_json::Value::Bool(sni)) => *sni,
            Some(_) => {
                return Err(ParamsError::FieldType {
                    field: "callbackSNI",
                    expected: "boolean",
                });
            }
        };
        let body_type = match map.get("callbackBodyType") {
            None => BodyType::Form,
            Some(serde_json::Value::String(text)) => {
                BodyType::from_mime(text).ok_or_else(|| ParamsError::BadBodyType {
                    value: text.clone(),
                })?
            }
            Some(other) => {
                return Err(ParamsError::BadBodyType {
                    value: other.to_string(),
                });
            }
        };
        Ok(Self {
            urls,
            host,
            body,
            sni,
            body_type,
        })
    }

    /// The body OSS would send for this parameter (spec §1.4); see [`BodyTemplate::render`].
    pub fn render_body(
        &self,
        values: &SystemValues,
        vars: &CallbackVars,
        rendering: JsonRendering,
    ) -> String {
        self.body.render(self.body_type, values, vars, rendering)
    }
}
