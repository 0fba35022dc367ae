//! What a grant may allow: size, content type and lifetime, whatever the request asks for.

use core::fmt;

/// Default largest upload, bytes (10 MiB).
pub const DEFAULT_MAX_SIZE: u64 = 10 * 1024 * 1024;

/// Largest single-request upload OSS accepts (PutObject / PostObject: 5 GiB).
pub const MAX_SINGLE_UPLOAD: u64 = 5 * 1024 * 1024 * 1024;

/// Largest multipart object OSS accepts (48.8 TiB), bounded here to 10 000 × 5 GiB.
pub const MAX_MULTIPART_UPLOAD: u64 = 10_000 * MAX_SINGLE_UPLOAD;

/// Default content types allowed.
pub const DEFAULT_CONTENT_TYPES: &str = "image/jpeg,image/png,image/gif,image/webp";

/// Default grant lifetime, seconds: short, so a leaked grant is soon useless.
pub const DEFAULT_TTL_SECONDS: u64 = 300;

/// Default longest lifetime a request may ask for, seconds.
pub const DEFAULT_MAX_TTL_SECONDS: u64 = 3600;

/// Longest lifetime configurable: V4 signatures last at most 7 days.
pub const MAX_TTL_SECONDS: u64 = 604_800;

/// Longest content type accepted.
pub const MAX_CONTENT_TYPE_LEN: usize = 127;

/// One allowed content type: exact (`image/png`), a whole top-level type (`image/*`) or
/// anything (`*/*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentTypeRule {
    /// Exactly this type (compared case-insensitively).
    Exact(String),
    /// Any subtype of this top-level type.
    TopLevel(String),
    /// Any type.
    Any,
}

impl ContentTypeRule {
    fn parse(text: &str) -> Result<Self, LimitsConfigError> {
        let text = text.trim().to_ascii_lowercase();
        if text == "*/*" {
            return Ok(ContentTypeRule::Any);
        }
        if let Some(top) = text.strip_suffix("/*")
            && is_token(top)
        {
            return Ok(ContentTypeRule::TopLevel(top.to_owned()));
        }
        if is_media_type(&text) {
            return Ok(ContentTypeRule::Exact(text));
        }
        Err(LimitsConfigError::BadContentType(text))
    }

    fn permits(&self, essence: &str) -> bool {
        match self {
            ContentTypeRule::Any => true,
            ContentTypeRule::Exact(t) => t == essence,
            ContentTypeRule::TopLevel(top) => essence
                .split_once('/')
                .is_some_and(|(t, _)| t == top.as_str()),
        }
    }
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#' | b'$' | b'&' | b'-' | b'^' | b'_' | b'.' | b'+'
                )
        })
}

fn is_media_type(text: &str) -> bool {
    text.split_once('/')
        .is_some_and(|(t, s)| is_token(t) && is_token(s))
}

/// Why limits from configuration are refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitsConfigError {
    /// A content type entry that is not `type/subtype`, `type/*` or `*/*`.
    BadContentType(String),
    /// No content type allowed at all.
    NoContentTypes,
    /// A size of 0 or above what OSS accepts.
    BadMaxSize(u64),
    /// A lifetime of 0, above [`MAX_TTL_SECONDS`], or a default above the maximum.
    BadTtl(&'static str),
}

impl fmt::Display for LimitsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitsConfigError::BadContentType(t) => write!(
                f,
                "ALLOWED_CONTENT_TYPES: {t:?} is not type/subtype, type/* or */*"
            ),
            LimitsConfigError::NoContentTypes => {
                f.write_str("ALLOWED_CONTENT_TYPES is empty; list at least one type")
            }
            LimitsConfigError::BadMaxSize(n) => write!(
                f,
                "MAX_UPLOAD_BYTES {n} must be from 1 to {MAX_MULTIPART_UPLOAD}"
            ),
            LimitsConfigError::BadTtl(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for LimitsConfigError {}

/// Why a request exceeds the limits. [`LimitError::code`] gives the stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// The declared size is above the configured maximum (or above OSS's for the mode).
    TooLarge {
        /// Declared size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The content type is malformed.
    BadContentType,
    /// The content type is not allowed.
    ContentTypeNotAllowed(String),
    /// The requested lifetime is 0 or above the maximum.
    TtlOutOfRange {
        /// Requested seconds.
        requested: u64,
        /// The maximum.
        max: u64,
    },
}

impl LimitError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            LimitError::TooLarge { .. } => "size_too_large",
            LimitError::BadContentType => "content_type_invalid",
            LimitError::ContentTypeNotAllowed(_) => "content_type_not_allowed",
            LimitError::TtlOutOfRange { .. } => "expires_in_out_of_range",
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitError::TooLarge { size, max } => write!(
                f,
                "size {size} bytes is above the limit of {max} bytes for this signer and mode"
            ),
            LimitError::BadContentType => f.write_str(
                "content_type must be a media type such as image/png, without parameters",
            ),
            LimitError::ContentTypeNotAllowed(t) => {
                write!(f, "content type {t:?} is not allowed here")
            }
            LimitError::TtlOutOfRange { requested, max } => write!(
                f,
                "expires_in {requested} s is outside 1..={max} s allowed by this signer"
            ),
        }
    }
}

impl std::error::Error for LimitError {}

/// The configured limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    max_size: u64,
    content_types: Vec<ContentTypeRule>,
    default_ttl: u64,
    max_ttl: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // The defaults are valid by construction; fall back to the most restrictive rule.
        Self::new(
            DEFAULT_MAX_SIZE,
            DEFAULT_CONTENT_TYPES,
            DEFAULT_TTL_SECONDS,
            DEFAULT_MAX_TTL_SECONDS,
        )
        .unwrap_or(Self {
            max_size: DEFAULT_MAX_SIZE,
            content_types: Vec::new(),
            default_ttl: DEFAULT_TTL_SECONDS,
            max_ttl: DEFAULT_MAX_TTL_SECONDS,
        })
    }
}

impl Limits {
    /// Limits from configuration values: largest size, a comma-separated list of content
    /// type rules, the default and the maximum lifetime in seconds.
    pub fn new(
        max_size: u64,
        content_types: &str,
        default_ttl: u64,
        max_ttl: u64,
    ) -> Result<Self, LimitsConfigError> {
        if max_size == 0 || max_size > MAX_MULTIPART_UPLOAD {
            return Err(LimitsConfigError::BadMaxSize(max_size));
        }
        let content_types = content_types
            .split(',')
            .filter(|t| !t.trim().is_empty())
            .map(ContentTypeRule::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if content_types.is_empty() {
            return Err(LimitsConfigError::NoContentTypes);
        }
        if max_ttl == 0 || max_ttl > MAX_TTL_SECONDS {
            return Err(LimitsConfigError::BadTtl(
                "GRANT_MAX_TTL_SECONDS must be from 1 to 604800 (7 days)",
            ));
        }
        if default_ttl == 0 || default_ttl > max_ttl {
            return Err(LimitsConfigError::BadTtl(
                "GRANT_TTL_SECONDS must be from 1 to GRANT_MAX_TTL_SECONDS",
            ));
        }
        Ok(Self {
            max_size,
            content_types,
            default_ttl,
            max_ttl,
        })
    }

    /// The largest upload, bytes.
    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    /// The default lifetime, seconds.
    pub fn default_ttl(&self) -> u64 {
        self.default_ttl
    }

    /// The longest lifetime a request may ask for, seconds.
    pub fn max_ttl(&self) -> u64 {
        self.max_ttl
    }

    /// The allowed content type rules.
    pub fn content_types(&self) -> &[ContentTypeRule] {
        &self.content_types
    }

    /// Checks a declared size against the limit (and OSS's own `ceiling` for the mode).
    pub fn check_size(&self, size: u64, ceiling: u64) -> Result<(), LimitError> {
        let max = self.max_size.min(ceiling);
        if size > max {
            return Err(LimitError::TooLarge { size, max });
        }
        Ok(())
    }

    /// Checks a content type; returns it in canonical (lower-case) form.
    pub fn check_content_type(&self, content_type: &str) -> Result<String, LimitError> {
        if content_type.len() > MAX_CONTENT_TYPE_LEN {
            return Err(LimitError::BadContentType);
        }
        let essence = content_type.trim().to_ascii_lowercase();
        if !is_media_type(&essence) {
            return Err(LimitError::BadContentType);
        }
        if self.content_types.iter().any(|r| r.permits(&essence)) {
            Ok(essence)
        } else {
            Err(LimitError::ContentTypeNotAllowed(essence))
        }
    }

    /// The lifetime for a request asking for `requested` seconds (or the default).
    pub fn ttl(&self, requested: Option<u64>) -> Result<u64, LimitError> {
        match requested {
            None => Ok(self.default_ttl),
            Some(s) if (1..=self.max_ttl).contains(&s) => Ok(s),
            Some(s) => Err(LimitError::TtlOutOfRange {
                requested: s,
                max: self.max_ttl,
            }),
        }
    }
}
