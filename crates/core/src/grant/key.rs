//! Where an upload lands: the client's file name, sanitised, and the configured object-key
//! template.
//!
//! A client never chooses its key. It sends a file name only to keep a useful extension (and,
//! if the template asks for it, a readable name); the key comes from the template, e.g. the
//! default [`DEFAULT_KEY_TEMPLATE`] `uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}`. File names that try to
//! leave their directory (`..`, absolute paths, `\`), that carry control characters, or that are
//! over-long are refused outright rather than repaired, so a hostile name is reported instead
//! of silently changed.

use core::fmt;

/// The default object key template.
/// The date segment comes first so reconciliation can list one day's uploads under one
/// bounded prefix ([`KeyTemplate::listing_prefix`]).
pub const DEFAULT_KEY_TEMPLATE: &str = "uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}";

/// Longest file name accepted, in bytes (the common file-system limit).
pub const MAX_FILENAME_LEN: usize = 255;

/// Longest extension kept, without the dot.
pub const MAX_EXTENSION_LEN: usize = 16;

/// Longest sanitised stem put into a key by `{filename}`.
pub const MAX_STEM_LEN: usize = 64;

/// Longest object key (OSS limit, bytes).
pub const MAX_KEY_LEN: usize = 1023;

/// Random bytes per grant id (the id is their lower-case hex, `{grant_id}` in a key template).
pub const GRANT_ID_BYTES: usize = 16;

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
    /// Contains a Unicode format character (general category Cf: bidi controls such as
    /// U+202E RIGHT-TO-LEFT OVERRIDE, zero-width characters, U+FEFF…) or a line/paragraph
    /// separator: they make a name display as something it is not (`invoice\u{202e}gnp.exe`
    /// shows as `invoiceexe.png`).
    FormatCharacter,
    /// The file's extension is not one of the granted content type's
    /// ([`media::extensions_of`](super::media::extensions_of)).
    ExtensionMismatch {
        /// The file's extension.
        extension: String,
        /// The granted content type.
        content_type: String,
    },
}

impl FileNameError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            FileNameError::Empty => "filename_empty",
            FileNameError::TooLong { .. } => "filename_too_long",
            FileNameError::ControlCharacter => "filename_control_character",
            FileNameError::Path => "filename_is_path",
            FileNameError::FormatCharacter => "filename_format_character",
            FileNameError::ExtensionMismatch { .. } => "extension_mismatch",
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
            FileNameError::FormatCharacter => f.write_str(
                "filename contains an invisible formatting character (such as a right-to-left \
                 override or a zero-width space) that disguises the name; remove it",
            ),
            FileNameError::ExtensionMismatch {
                extension,
                content_type,
            } => write!(
                f,
                "filename ends in .{extension}, which is not an extension of {content_type}; \
                 send the file's real type, or a name with a matching extension (or none)"
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
        if name.chars().any(is_format_or_separator) {
            return Err(FileNameError::FormatCharacter);
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

    /// The name with the extension the key gets for `content_type` (a lower-case essence
    /// such as `image/png`): **checked, not rewritten**. A name whose extension is one of the
    /// type's keeps it; a name without a safe extension gets the type's canonical one
    /// (`photo` as `image/jpeg` → `.jpg`); any other extension is refused
    /// ([`FileNameError::ExtensionMismatch`]: `cat.php` as `image/png`), so the client learns
    /// that its name or type is wrong instead of silently getting a different key. For a type
    /// the table does not know, the key has no extension at all.
    pub fn for_content_type(mut self, content_type: &str) -> Result<Self, FileNameError> {
        match super::media::extensions_of(content_type) {
            None => self.extension = None,
            Some(known) => match &self.extension {
                Some(ext) if known.contains(&ext.as_str()) => {}
                Some(ext) => {
                    return Err(FileNameError::ExtensionMismatch {
                        extension: ext.clone(),
                        content_type: content_type.to_owned(),
                    });
                }
                None => self.extension = known.first().map(|e| (*e).to_owned()),
            },
        }
        Ok(self)
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

    /// The stem reduced to `A-Z a-z 0-9 - _` (others, `.` included, become `_`, runs collapsed), at most [`MAX_STEM_LEN`] bytes; `file` when nothing is left.
    pub fn safe_stem(&self) -> &str {
        &self.stem
    }
}

/// Unicode general category Cf (format characters, Unicode 16), plus U+2028/U+2029 (line and
/// paragraph separators). Hand-listed: the core carries no Unicode tables.
fn is_format_or_separator(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

fn sanitize_stem(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        // '.' becomes '_' too, so `{filename}{ext}` never yields a double extension
        // (`cat.php.png`).
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
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
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Why a key template is refused (configuration error, reported at start-up: `/healthz` and
/// every request answer it until `KEY_TEMPLATE` is fixed).
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
    /// `{subject}` is missing or appears more than once: without exactly one, users' keys are
    /// not kept apart.
    SubjectNotOnce,
    /// `{subject}` shares its path segment with other text (`u/{subject}-{grant_id}`): then
    /// `u/al` is a prefix of `u/alice-…`, and one user's prefix covers another's.
    SubjectNotWholeSegment,
    /// Something other than fixed text and date parts comes before the `{subject}` segment
    /// (`{grant_id}/{subject}/…`, `{filename}/{subject}`): then the prefix a user is granted
    /// is not theirs alone.
    SubjectNotInFixedPrefix,
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
            TemplateError::SubjectNotOnce => f.write_str(
                "KEY_TEMPLATE must contain {subject} exactly once, as its own path segment \
                 (e.g. uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}), so that users' keys \
                 are kept apart",
            ),
            TemplateError::SubjectNotWholeSegment => f.write_str(
                "KEY_TEMPLATE: {subject} must be a whole path segment (/{subject}/): with other \
                 text beside it, one user's prefix covers another's (u/al is a prefix of \
                 u/alice-…)",
            ),
            TemplateError::SubjectNotInFixedPrefix => f.write_str(
                "KEY_TEMPLATE: only fixed text and {yyyy}/{mm}/{dd} may come before the \
                 {subject} segment; {grant_id}, {filename} and {ext} belong after it",
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

impl Part {
    /// Fixed text or a date part: the same for every user on a given day.
    fn is_fixed(&self) -> bool {
        matches!(
            self,
            Part::Literal(_) | Part::Year | Part::Month | Part::Day
        )
    }
}

/// `text` without its first `width` characters when they are ASCII digits.
fn digits(text: &str, width: usize) -> Option<&str> {
    let head = text.get(..width)?;
    head.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| &text[width..])
}

/// A validated object-key template.
///
/// Placeholders: `{subject}` (required, once), `{grant_id}` (required), `{ext}` (`.jpg` or
/// empty), `{filename}` (the sanitised stem), `{yyyy}`, `{mm}`, `{dd}` (UTC date of the grant).
///
/// Rules that keep users apart (issue 12): `{subject}` is a whole path segment, and only
/// fixed text and date parts come before it, so every key of a user starts with
/// `<fixed prefix>/<subject>/` and no user's prefix is a prefix of another's (a subject never
/// contains `/`). The client-influenced placeholders may only appear in the last path segment,
/// so the directory of every key is decided by the signer alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTemplate {
    text: String,
    parts: Vec<Part>,
    /// Index in `parts` of the `{subject}` part.
    subject_at: usize,
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

fn tokenize(text: &str) -> Result<Vec<Part>, TemplateError> {
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
    Ok(parts)
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
        let parts = tokenize(text)?;
        if !parts.contains(&Part::GrantId) {
            return Err(TemplateError::MissingGrantId);
        }
        let mut subjects = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| **p == Part::Subject);
        let (Some((subject_at, _)), None) = (subjects.next(), subjects.next()) else {
            return Err(TemplateError::SubjectNotOnce);
        };
        // A whole segment: a '/' (or the start) right before, a '/' right after.
        let before_ok = subject_at == 0
            || matches!(&parts[subject_at - 1], Part::Literal(l) if l.ends_with('/'));
        let after_ok =
            matches!(parts.get(subject_at + 1), Some(Part::Literal(l)) if l.starts_with('/'));
        if !before_ok || !after_ok {
            return Err(TemplateError::SubjectNotWholeSegment);
        }
        if !parts[..subject_at].iter().all(Part::is_fixed) {
            return Err(TemplateError::SubjectNotInFixedPrefix);
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
            subject_at,
        })
    }

    /// The template as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn render_parts(parts: &[Part], values: &KeyValues<'_>, key: &mut String) {
        let date = crate::time::format_oss_day(values.now);
        for part in parts {
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
    }

    /// Renders the key.
    pub fn render(&self, values: &KeyValues<'_>) -> String {
        let mut key = String::new();
        Self::render_parts(&self.parts, values, &mut key);
        key
    }

    /// The directory every key of `subject` lands in at `now`: the rendered template up to
    /// the last `/` before `{grant_id}` (e.g. `uploads/20231114/alice/`). It always ends with
    /// `<subject>/`. This is the `dir` of the browser-sample policy and the prefix a
    /// client-chosen key must start with.
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

    /// The fixed prefix before the `{subject}` segment on the UTC day of `day` (Unix
    /// seconds), e.g. `uploads/20231114/` for the default template: every key granted that day
    /// starts with it, so reconciliation lists one bounded prefix per day (CONTRACTS §4). For
    /// a template without date parts before `{subject}` it is the same every day
    /// ([`KeyTemplate::prefix_is_daily`] tells).
    pub fn listing_prefix(&self, day: i64) -> String {
        let mut prefix = String::new();
        let values = KeyValues {
            subject: "",
            grant_id: "",
            file: None,
            now: day,
        };
        Self::render_parts(&self.parts[..self.subject_at], &values, &mut prefix);
        prefix
    }

    /// Whether [`KeyTemplate::listing_prefix`] changes with the day (a date part comes before
    /// `{subject}`).
    pub fn prefix_is_daily(&self) -> bool {
        self.parts[..self.subject_at]
            .iter()
            .any(|p| matches!(p, Part::Year | Part::Month | Part::Day))
    }

    /// The subject a key of this template belongs to, or `None` when `key` does not have
    /// the template's fixed prefix shape (its literal text, and digits where the date parts
    /// are). The inverse of [`KeyTemplate::render`] for the owner, e.g. for reconciliation.
    pub fn owner_of<'k>(&self, key: &'k str) -> Option<&'k str> {
        let (subject, _) = self.after_fixed_prefix(key)?.split_once('/')?;
        (!subject.is_empty()).then_some(subject)
    }

    /// `key` after the template's fixed prefix (its literal text, and digits where the date
    /// parts are): the part that starts with the subject segment.
    fn after_fixed_prefix<'k>(&self, key: &'k str) -> Option<&'k str> {
        let mut rest = key;
        for part in &self.parts[..self.subject_at] {
            rest = match part {
                Part::Literal(l) => rest.strip_prefix(l.as_str())?,
                Part::Year => digits(rest, 4)?,
                _ => digits(rest, 2)?,
            };
        }
        Some(rest)
    }

    /// The subject and grant id a key of this template was rendered with, for
    /// reconciliation's events: `None` when the key does not have the template's shape up to
    /// and including `{grant_id}` (a grant id is the signer's 32 lower-case hex digits), or when
    /// a client-influenced part (`{filename}`) comes before `{grant_id}`, since its length is
    /// unknown.
    pub fn owner_and_grant_of<'k>(&self, key: &'k str) -> Option<(&'k str, &'k str)> {
        let subject = self.owner_of(key)?;
        let mut rest = self.after_fixed_prefix(key)?.get(subject.len()..)?;
        for part in &self.parts[self.subject_at + 1..] {
            match part {
                Part::Literal(l) => rest = rest.strip_prefix(l.as_str())?,
                Part::Year => rest = digits(rest, 4)?,
                Part::Month | Part::Day => rest = digits(rest, 2)?,
                Part::GrantId => {
                    let id = rest.get(..2 * GRANT_ID_BYTES)?;
                    let lower_hex = id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                    return lower_hex.then_some((subject, id));
                }
                Part::Subject | Part::Ext | Part::FileName => return None,
            }
        }
        None
    }
}
