//! Where an upload lands: the client's file name, sanitised, and the configured object-key
//! template.
//!
//! A client never chooses its key. It sends a file name only to keep a useful extension (and,
//! if the template asks for it, a readable name); the key comes from the template, e.g. the
//! default [`DEFAULT_KEY_TEMPLATE`] `uploads/{subject}/{grant_id}{ext}`. File names that try to
//! leave their directory (`..`, absolute paths, `\`), that carry control characters, or that are
//! over-long are refused outright rather than repaired, so a hostile name is reported instead
//! of silently changed.

use core::fmt;

/// The default object key template.
pub const DEFAULT_KEY_TEMPLATE: &str = "uploads/{subject}/{grant_id}{ext}";

/// Longest file name accepted, in bytes (the common file-system limit).
pub const MAX_FILENAME_LEN: usize = 255;

/// Longest extension kept, without the dot.
pub const MAX_EXTENSION_LEN: usize = 16;

/// Longest sanitised stem put into a key by `{filename}`.
pub const MAX_STEM_LEN: usize = 64;

/// Longest object key (OSS limit, bytes).
pub const MAX_KEY_LEN: usize = 1023;

/// Why a file name is refused. Maps to HTTP 400.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileNameError {
    /// Empty.
    Empty,
    /// Longer than [`MAX_FILENAME_LEN`] bytes.
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Contains a control character (U+0000..U+001F, U+007F..U+009F).
    ControlCharacter,
    /// Contains a path: `/`, `\`, a drive letter, or a `.`/`..` name.
    Path,
}

impl FileNameError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            FileNameError::Empty => "filename_empty",
            FileNameError::TooLong { .. } => "filename_too_long",
            FileNameError::ControlCharacter => "filename_control_character",
            FileNameError::Path => "filename_is_path",
        }
    }
}

impl fmt::Display for FileNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileNameError::Empty => f.write_str("filename is empty; send the file's base name"),
            FileNameError::TooLong { len } => write!(
                f,
                "filename has {len} bytes; at most {MAX_FILENAME_LEN} are accepted"
            ),
            FileNameError::ControlCharacter => f.write_str("filename contains control characters"),
            FileNameError::Path => f.write_str(
                "filename must be a base name without '/', '\\', a drive letter, '.' or '..'",
            ),
        }
    }
}

impl std::error::Error for FileNameError {}

/// A client's file name that passed the checks, with the parts a key may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    original: String,
    stem: String,
    extension: Option<String>,
}

impl FileName {
    /// Checks a client file name (see [`FileNameError`]).
    pub fn parse(name: &str) -> Result<Self, FileNameError> {
        if name.is_empty() {
            return Err(FileNameError::Empty);
        }
        if name.len() > MAX_FILENAME_LEN {
            return Err(FileNameError::TooLong { len: name.len() });
        }
        if name.chars().any(char::is_control) {
            return Err(FileNameError::ControlCharacter);
        }
        let drive = name.len() >= 2 && name.as_bytes()[1] == b':';
        if name.contains(['/', '\\']) || drive || name == "." || name == ".." {
            return Err(FileNameError::Path);
        }
        if name.trim().is_empty() {
            return Err(FileNameError::Empty);
        }
        let extension = name
            .rsplit_once('.')
            .filter(|(stem, _)| !stem.is_empty())
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .filter(|ext| {
                !ext.is_empty()
                    && ext.len() <= MAX_EXTENSION_LEN
                    && ext
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let raw_stem = match &extension {
            Some(ext) => &name[..name.len() - ext.len() - 1],
            None => name,
        };
        Ok(Self {
            original: name.to_owned(),
            stem: sanitize_stem(raw_stem),
            extension,
        })
    }

    /// The name as the client sent it.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The lower-case extension without its dot (`jpg`), if a safe one exists.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// `.jpg`, or empty when there is no safe extension.
    pub fn dotted_extension(&self) -> String {
        self.extension
            .as_deref()
            .map(|e| format!(".{e}"))
            .unwrap_or_default()
    }

    /// The stem reduced to `A-Z a-z 0-9 - _ .` (others become `_`, runs collapsed, leading
    /// dots removed), at most [`MAX_STEM_LEN`] bytes; `file` when nothing is left.
    pub fn safe_stem(&self) -> &str {
        &self.stem
    }
}

fn sanitize_stem(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        if out.len() >= MAX_STEM_LEN {
            break;
        }
        out.push(c);
    }
    let trimmed = out.trim_start_matches('.').trim_matches('_');
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Why a key template is refused (configuration error).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `{name}` that is not one of the known placeholders, or an unmatched brace.
    UnknownPlaceholder(String),
    /// `{grant_id}` is missing: without it two grants could name the same object.
    MissingGrantId,
    /// Starts with `/`, contains `//`, a `.`/`..` segment, `\` or a control character.
    UnsafePath,
    /// The client-influenced parts (`{filename}`, `{ext}`) come before `{grant_id}`'s directory.
    ClientPartInPrefix,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownPlaceholder(p) => write!(
                f,
                "KEY_TEMPLATE: {p:?} is not a placeholder; use {{subject}}, {{grant_id}}, {{ext}}, \
                 {{filename}}, {{yyyy}}, {{mm}}, {{dd}}"
            ),
            TemplateError::MissingGrantId => f.write_str(
                "KEY_TEMPLATE must contain {grant_id} so that no two grants name the same object",
            ),
            TemplateError::UnsafePath => f.write_str(
                "KEY_TEMPLATE must be a relative path without '//', '.', '..', '\\' or control \
                 characters",
            ),
            TemplateError::ClientPartInPrefix => f.write_str(
                "KEY_TEMPLATE: {filename} and {ext} may only appear in the last path segment",
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Subject,
    GrantId,
    Ext,
    FileName,
    Year,
    Month,
    Day,
}

/// A validated object-key template.
///
/// Placeholders: `{subject}`, `{grant_id}` (required), `{ext}` (`.jpg` or empty),
/// `{filename}` (the sanitised stem), `{yyyy}`, `{mm}`, `{dd}` (UTC date of the grant).
/// The client-influenced placeholders may only appear in the last path segment, so the
/// directory of every key is decided by the signer alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTemplate {
    text: String,
    parts: Vec<Part>,
}

/// The values a template is rendered with.
#[derive(Clone, Copy, Debug)]
pub struct KeyValues<'a> {
    /// The authenticated subject.
    pub subject: &'a str,
    /// The grant id.
    pub grant_id: &'a str,
    /// The client's file name, if any.
    pub file: Option<&'a FileName>,
    /// The grant time, Unix seconds (for the date placeholders).
    pub now: i64,
}

impl KeyTemplate {
    /// Parses and validates a template (see [`TemplateError`]).
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        if text.starts_with('/')
            || text.contains("//")
            || text.contains('\\')
            || text.chars().any(char::is_control)
            || text.split('/').any(|s| s == "." || s == "..")
            || text.is_empty()
        {
            return Err(TemplateError::UnsafePath);
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(rest[..i].to_owned()));
                    }
                    let after = &rest[i..];
                    let end = after
                        .find('}')
                        .filter(|_| after.starts_with('{'))
                        .ok_or_else(|| TemplateError::UnknownPlaceholder(after.to_owned()))?;
                    let name = &after[1..end];
                    parts.push(match name {
                        "subject" => Part::Subject,
                        "grant_id" => Part::GrantId,
                        "ext" => Part::Ext,
                        "filename" => Part::FileName,
                        "yyyy" => Part::Year,
                        "mm" => Part::Month,
                        "dd" => Part::Day,
                        _ => return Err(TemplateError::UnknownPlaceholder(format!("{{{name}}}"))),
                    });
                    rest = &after[end + 1..];
                }
            }
        }
        if !parts.contains(&Part::GrantId) {
            return Err(TemplateError::MissingGrantId);
        }
        // No '/' may follow a client-influenced part.
        let mut seen_client = false;
        for part in &parts {
            match part {
                Part::Ext | Part::FileName => seen_client = true,
                Part::Literal(l) if seen_client && l.contains('/') => {
                    return Err(TemplateError::ClientPartInPrefix);
                }
                _ => {}
            }
        }
        Ok(Self {
            text: text.to_owned(),
            parts,
        })
    }

    /// The template as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Renders the key.
    pub fn render(&self, values: &KeyValues<'_>) -> String {
        let date = crate::time::format_oss_day(values.now);
        let mut key = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => key.push_str(l),
                Part::Subject => key.push_str(values.subject),
                Part::GrantId => key.push_str(values.grant_id),
                Part::Ext => {
                    if let Some(file) = values.file {
                        key.push_str(&file.dotted_extension());
                    }
                }
                Part::FileName => key.push_str(values.file.map_or("file", FileName::safe_stem)),
                Part::Year => key.push_str(date.get(0..4).unwrap_or_default()),
                Part::Month => key.push_str(date.get(4..6).unwrap_or_default()),
                Part::Day => key.push_str(date.get(6..8).unwrap_or_default()),
            }
        }
        key
    }

    /// The directory every key of `subject` lands in at `now`: the rendered template up to
    /// the last `/` before `{grant_id}` (e.g. `uploads/alice/`). This is the `dir` of the
    /// browser-sample policy and the prefix a client-chosen key must start with.
    pub fn directory(&self, subject: &str, now: i64) -> String {
        let rendered = self.render(&KeyValues {
            subject,
            grant_id: "\u{0}",
            file: None,
            now,
        });
        let before = rendered.split('\u{0}').next().unwrap_or_default();
        match before.rfind('/') {
            Some(i) => before[..=i].to_owned(),
            None => String::new(),
        }
    }
}
