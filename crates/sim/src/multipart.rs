//! A `multipart/form-data` parser for PostObject bodies (RFC 7578), binary-safe.
//!
//! OSS rules applied here (spec §5.1): the `file` field must be the last one, so the parser stops
//! at the first part named `file` (case-insensitive) and ignores anything after it; every field
//! before it is a text field (UTF-8); field names keep their case (the caller compares them
//! case-insensitively); names of all fields add up to at most 8 KB and values to at most 2 MB,
//! else `FieldItemTooLong`.

/// Total length of the field names OSS accepts (spec §1.2).
pub const MAX_NAMES_BYTES: usize = 8 * 1024;
/// Total length of the field values OSS accepts (spec §1.2).
pub const MAX_VALUES_BYTES: usize = 2 * 1024 * 1024;

/// The file part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePart<'a> {
    /// The `filename` parameter of its Content-Disposition (empty when absent).
    pub filename: String,
    /// Its own `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub data: &'a [u8],
}

/// A parsed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form<'a> {
    /// The text fields before the file, in order, names as sent.
    pub fields: Vec<(String, String)>,
    /// The file part, if the form has one.
    pub file: Option<FilePart<'a>>,
}

/// Why a body is not a usable form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError {
    /// The request's Content-Type is not `multipart/form-data` with a boundary.
    NotMultipart,
    /// The body does not follow the multipart syntax.
    Malformed(&'static str),
    /// A field before the file is not UTF-8.
    NotUtf8 {
        /// The field's name.
        field: String,
    },
    /// Names or values exceed OSS's totals.
    FieldItemTooLong,
}

impl core::fmt::Display for FormError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FormError::NotMultipart => {
                f.write_str("PostObject needs Content-Type: multipart/form-data; boundary=…")
            }
            FormError::Malformed(why) => write!(f, "malformed multipart body: {why}"),
            FormError::NotUtf8 { field } => write!(f, "form field {field:?} is not UTF-8 text"),
            FormError::FieldItemTooLong => {
                f.write_str("form field names exceed 8 KB or values exceed 2 MB in total")
            }
        }
    }
}

impl std::error::Error for FormError {}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let mime = params.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty()).then(|| value.to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut at = 0;
    while at + needle.len() <= haystack.len() {
        let offset = haystack[at..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        at += offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// A `name="value"` parameter of a Content-Disposition header.
fn disposition_param(header: &str, wanted: &str) -> Option<String> {
    let mut rest = header;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq]
            .rsplit([';', ' ', '\t'])
            .next()
            .unwrap_or_default()
            .trim();
        let after = &rest[eq + 1..];
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        if name.eq_ignore_ascii_case(wanted) {
            return Some(value.to_owned());
        }
        rest = remaining;
    }
    None
}

/// Parses `body` sent with Content-Type `content_type` (see the module docs).
pub fn parse<'a>(content_type: &str, body: &'a [u8]) -> Result<Form<'a>, FormError> {
    let boundary = boundary(content_type).ok_or(FormError::NotMultipart)?;
    let delimiter = format!("--{boundary}");
    let separator = format!("\r\n--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or(FormError::Malformed("no boundary"))?;
    let mut rest = &body[start + delimiter.len()..];
    let mut form = Form {
        fields: Vec::new(),
        file: None,
    };
    let (mut names_len, mut values_len) = (0usize, 0usize);
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(FormError::Malformed("boundary not followed by CRLF"))?;
        let head_end =
            find(rest, b"\r\n\r\n").ok_or(FormError::Malformed("part headers never end"))?;
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| FormError::Malformed("part headers are not UTF-8"))?;
        let content_start = head_end + 4;
        let content_len = find(&rest[content_start..], separator.as_bytes())
            .ok_or(FormError::Malformed("part never closed by the boundary"))?;
        let content = &rest[content_start..content_start + content_len];
        rest = &rest[content_start + content_len + separator.len()..];

        let mut disposition = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-disposition") {
                    disposition = Some(value.trim().to_owned());
                } else if name.trim().eq_ignore_ascii_case("content-type") {
                    part_type = Some(value.trim().to_owned());
                }
            }
        }
        let disposition =
            disposition.ok_or(FormError::Malformed("part without Content-Disposition"))?;
        let name = disposition_param(&disposition, "name")
            .ok_or(FormError::Malformed("part without a name"))?;
        if name.eq_ignore_ascii_case("file") {
            form.file = Some(FilePart {
                filename: disposition_param(&disposition, "filename").unwrap_or_default(),
                content_type: part_type,
                data: content,
            });
            break;
        }
        let value = std::str::from_utf8(content)
            .map_err(|_| FormError::NotUtf8 {
                field: name.clone(),
            })?
            .to_owned();
        names_len += name.len();
        values_len += value.len();
        if names_len > MAX_NAMES_BYTES || values_len > MAX_VALUES_BYTES {
            return Err(FormError::FieldItemTooLong);
        }
        form.fields.push((name, value));
    }
    Ok(form)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn fields_then_binary_file() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\na/b.png\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"X:Var\"\r\n\r\nv\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"File\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\n"
            .to_vec();
        let data = [0u8, 13, 10, 45, 45, 255, 10];
        body.extend_from_slice(&data);
        body.extend_from_slice(
            b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nx\r\n--XyZ--\r\n",
        );
        let form = parse(CT, &body).unwrap();
        assert_eq!(
            form.fields,
            vec![
                ("key".into(), "a/b.png".into()),
                ("X:Var".into(), "v".into())
            ]
        );
        let file = form.file.unwrap();
        assert_eq!(file.data, data);
        assert_eq!(file.filename, "b.png");
        assert_eq!(file.content_type.as_deref(), Some("image/png"));
    }

    #[test]
    fn no_file_and_errors() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--XyZ--\r\n";
        let form = parse(CT, body).unwrap();
        assert!(form.file.is_none());
        assert_eq!(parse("text/plain", body), Err(FormError::NotMultipart));
        assert!(matches!(
            parse(
                CT,
                b"--XyZ\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv"
            ),
            Err(FormError::Malformed(_))
        ));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"q q\"").as_deref(),
            Some("q q")
        );
    }
}
