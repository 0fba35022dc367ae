//! Reading a ListObjectsV2 answer (`ListBucketResult`) into listing entries, and an entry into
//! [`ObjectFacts`] with the same id a HeadObject of the object gives.
//!
//! ```xml
//! <ListBucketResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
//!   <Name>examplebucket</Name> <Prefix>uploads%2F</Prefix> <MaxKeys>1000</MaxKeys>
//!   <EncodingType>url</EncodingType> <IsTruncated>true</IsTruncated>
//!   <NextContinuationToken>ChR1cGxvYWRz</NextContinuationToken>
//!   <Contents>
//!     <Key>uploads%2Fa%20b.png</Key> <LastModified>2023-11-14T22:13:20.000Z</LastModified>
//!     <ETag>&quot;D8E8FCA2DC0F896FD7CB4CB0031BA249&quot;</ETag> <Size>53853</Size> …
//!   </Contents>
//! </ListBucketResult>
//! ```
//!
//! With `EncodingType` `url` (which [`super::list_objects`] always requests) `Key` and
//! `NextContinuationToken` are percent-decoded (`%20` is a space, `+` stays `+`, as the SDKs
//! decode). `IsTruncated` must be `true` or `false`, and a truncated page must carry a
//! continuation token, so a reader can never stop early or loop on a page.

use super::buckets::BucketTarget;
use super::error::ConfirmError;
use super::facts::{ObjectFacts, normalize_etag};
use super::judge::{failure, single_header, valid_etag};
use super::xml::{self, Element, XmlError};
use crate::encoding::{InvalidEscape, percent_decode};
use crate::time::parse_iso8601;

/// The largest listing body read (a 1000-key page of 1023-byte keys is about 4 MB).
pub const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

/// One object of a listing page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    /// The object key, decoded.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// The ETag without quotes, upper-case.
    pub etag: String,
    /// `LastModified`, Unix seconds.
    pub last_modified: Option<i64>,
}

/// One page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The objects, in OSS's (lexicographic) order.
    pub entries: Vec<ListEntry>,
    /// The token for the next page; `None` on the last page.
    pub next_continuation: Option<String>,
}

/// OSS's answer to a ListObjectsV2 request.
#[derive(Clone, Copy, Debug)]
pub struct ListAnswer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: &'a [(String, String)],
    /// The response body.
    pub body: &'a [u8],
}

/// Why a listing body cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListError {
    /// The body is over [`MAX_LIST_BYTES`].
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// The body is not UTF-8.
    NotUtf8,
    /// The body is not XML this reader accepts.
    Xml(XmlError),
    /// The XML is not a `ListBucketResult` as OSS writes it.
    Shape {
        /// What is wrong.
        reason: String,
    },
}

impl ListError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "list_too_large",
            Self::NotUtf8 => "list_not_utf8",
            Self::Xml(_) => "list_not_xml",
            Self::Shape { .. } => "list_unexpected_shape",
        }
    }
}

impl core::fmt::Display for ListError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLarge { len } => write!(
                f,
                "the listing is {len} bytes, over the {MAX_LIST_BYTES}-byte limit; request fewer keys per page"
            ),
            Self::NotUtf8 => f.write_str("the listing is not UTF-8"),
            Self::Xml(e) => write!(f, "the listing is not well-formed: {e}"),
            Self::Shape { reason } => write!(f, "the listing is not a ListBucketResult: {reason}"),
        }
    }
}

impl std::error::Error for ListError {}

impl From<ListError> for ConfirmError {
    fn from(error: ListError) -> Self {
        ConfirmError::Malformed {
            reason: error.to_string(),
        }
    }
}

fn shape(reason: impl Into<String>) -> ListError {
    ListError::Shape {
        reason: reason.into(),
    }
}

/// The text of the only `name` child of `parent`: a leaf, not repeated.
fn leaf<'a>(parent: &'a Element, name: &str) -> Result<Option<&'a str>, ListError> {
    let child = parent.only_child(name).map_err(|()| {
        shape(format!(
            "<{name}> appears more than once in <{}>",
            parent.name
        ))
    })?;
    match child {
        None => Ok(None),
        Some(c) if !c.children.is_empty() => {
            Err(shape(format!("<{name}> contains elements, expected text")))
        }
        Some(c) => Ok(Some(c.text.as_str())),
    }
}

fn required<'a>(parent: &'a Element, name: &str) -> Result<&'a str, ListError> {
    leaf(parent, name)?.ok_or_else(|| shape(format!("<{}> has no <{name}>", parent.name)))
}

fn only_whitespace(element: &Element) -> Result<(), ListError> {
    if element.text.bytes().all(|b| b.is_ascii_whitespace()) {
        Ok(())
    } else {
        Err(shape(format!("<{}> contains stray text", element.name)))
    }
}

fn decode(text: &str, url_encoded: bool, what: &str) -> Result<String, ListError> {
    if !url_encoded {
        return Ok(text.to_owned());
    }
    let bytes = percent_decode(text.as_bytes(), InvalidEscape::Reject)
        .map_err(|_| shape(format!("{what} {text:?} is not valid URL encoding")))?;
    String::from_utf8(bytes).map_err(|_| shape(format!("{what} {text:?} does not decode to UTF-8")))
}

fn entry(contents: &Element, url_encoded: bool) -> Result<ListEntry, ListError> {
    only_whitespace(contents)?;
    let key = decode(required(contents, "Key")?, url_encoded, "Key")?;
    if key.is_empty() {
        return Err(shape("an empty <Key>"));
    }
    let size_text = required(contents, "Size")?;
    let size = (!size_text.is_empty() && size_text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| size_text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| shape(format!("<Size> {size_text:?} is not a byte count")))?;
    let etag_text = required(contents, "ETag")?;
    let etag = normalize_etag(etag_text);
    if !valid_etag(&etag) {
        return Err(shape(format!("<ETag> {etag_text:?} is not an OSS ETag")));
    }
    let last_modified = leaf(contents, "LastModified")?
        .map(|text| {
            parse_iso8601(text)
                .map_err(|_| shape(format!("<LastModified> {text:?} is not an ISO 8601 time")))
        })
        .transpose()?;
    Ok(ListEntry {
        key,
        size,
        etag,
        last_modified,
    })
}

fn read_page(body: &[u8], bucket: Option<&str>) -> Result<ListPage, ListError> {
    if body.len() > MAX_LIST_BYTES {
        return Err(ListError::TooLarge { len: body.len() });
    }
    let text = core::str::from_utf8(body).map_err(|_| ListError::NotUtf8)?;
    let root = xml::parse(text).map_err(ListError::Xml)?;
    if root.name != "ListBucketResult" {
        return Err(shape(format!(
            "the root element is <{}>, expected <ListBucketResult>",
            root.name
        )));
    }
    only_whitespace(&root)?;
    if let (Some(expected), Some(name)) = (bucket, leaf(&root, "Name")?)
        && name != expected
    {
        return Err(shape(format!(
            "the listing is of bucket {name:?}, not {expected:?}"
        )));
    }
    let url_encoded = match leaf(&root, "EncodingType")? {
        None => false,
        Some("url") => true,
        Some(other) => return Err(shape(format!("unknown <EncodingType> {other:?}"))),
    };
    let truncated = match required(&root, "IsTruncated")? {
        "true" => true,
        "false" => false,
        other => {
            return Err(shape(format!(
                "<IsTruncated> {other:?} is not true or false"
            )));
        }
    };
    let next_continuation = if truncated {
        let token = decode(
            leaf(&root, "NextContinuationToken")?.unwrap_or(""),
            url_encoded,
            "NextContinuationToken",
        )?;
        if token.is_empty() {
            return Err(shape(
                "a truncated page without <NextContinuationToken>: the listing cannot continue",
            ));
        }
        Some(token)
    } else {
        None
    };
    let entries = root
        .children_named("Contents")
        .map(|contents| entry(contents, url_encoded))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage {
        entries,
        next_continuation,
    })
}

/// Reads a ListObjectsV2 body (rules in the [module docs](self)).
pub fn parse_list(body: &[u8]) -> Result<ListPage, ListError> {
    read_page(body, None)
}

/// Judges OSS's answer to [`super::list_objects`] for `bucket`: a 200 body is read with
/// [`parse_list`] and must be a listing of `bucket`; a 404 means the bucket does not exist
/// (a configuration problem, [`ConfirmError::Denied`]); other statuses as for HeadObject.
pub fn judge_list(
    bucket: &BucketTarget,
    answer: &ListAnswer<'_>,
) -> Result<ListPage, ConfirmError> {
    if answer.status == 200 {
        return Ok(read_page(answer.body, Some(&bucket.name))?);
    }
    let mut error = failure(answer.status, answer.headers, || ConfirmError::Denied {
        status: 404,
        code: single_header(answer.headers, "x-oss-ec")
            .ok()
            .flatten()
            .map(str::to_owned),
    });
    // OSS names the error in the XML body too (`<Error><Code>NoSuchBucket</Code>…`).
    if let ConfirmError::Denied {
        code: code @ None, ..
    } = &mut error
        && let Ok(text) = core::str::from_utf8(answer.body)
        && let Ok(root) = xml::parse(text)
        && root.name == "Error"
        && let Ok(Some(found)) = leaf(&root, "Code")
    {
        *code = Some(found.to_owned());
    }
    Err(error)
}

/// The facts of a listed object. A listing has no content type, CRC-64 or version id, so the
/// id equals that of a HeadObject of the same object in a bucket not configured as versioned.
pub fn judge_listing_entry(bucket: &BucketTarget, entry: &ListEntry) -> ObjectFacts {
    ObjectFacts {
        bucket: bucket.name.clone(),
        key: entry.key.clone(),
        size: entry.size,
        etag: normalize_etag(&entry.etag),
        content_type: None,
        last_modified: entry.last_modified,
        crc64: None,
        version_id: None,
    }
}
