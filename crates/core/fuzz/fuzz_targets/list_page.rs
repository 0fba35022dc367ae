//! ListObjectsV2 pages: reading arbitrary bytes never panics; what it accepts is consistent
//! (non-empty keys, normalised ETags, a continuation token exactly when truncated); and a page
//! written back as OSS writes it (URL-encoded keys and token, entity-escaped text) reads back
//! to the same page. The first byte chooses between raw bytes and a page built from the data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::confirm::{ListEntry, ListPage, parse_list};
use oss_edge_core::encoding::uri_encode;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The page as OSS writes it with `encoding-type=url`.
fn write(page: &ListPage, pretty: bool) -> String {
    let nl = if pretty { "\n  " } else { "" };
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://doc.oss-cn-hangzhou.aliyuncs.com\">");
    xml.push_str(&format!("{nl}<Name>examplebucket</Name>{nl}<EncodingType>url</EncodingType>"));
    xml.push_str(&format!("{nl}<IsTruncated>{}</IsTruncated>", page.next_continuation.is_some()));
    if let Some(token) = &page.next_continuation {
        xml.push_str(&format!("{nl}<NextContinuationToken>{}</NextContinuationToken>", uri_encode(token.as_bytes(), false)));
    }
    for e in &page.entries {
        xml.push_str(&format!("{nl}<Contents><Key>{}</Key>", uri_encode(e.key.as_bytes(), false)));
        if let Some(t) = e.last_modified {
            xml.push_str(&format!("<LastModified>{}</LastModified>", oss_edge_core::time::format_iso8601_millis(t)));
        }
        xml.push_str(&format!("<ETag>&quot;{}&quot;</ETag><Size>{}</Size><StorageClass>Standard</StorageClass></Contents>", escape(&e.etag), e.size));
    }
    xml.push_str("\n</ListBucketResult>");
    xml
}

fn check(page: &ListPage) {
    for e in &page.entries {
        assert!(!e.key.is_empty());
        assert!(!e.etag.is_empty() && e.etag.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && !b.is_ascii_lowercase()));
    }
    if let Some(token) = &page.next_continuation {
        assert!(!token.is_empty());
    }
    for pretty in [false, true] {
        let again = parse_list(write(page, pretty).as_bytes()).expect("a written page reads back");
        assert_eq!(&again, page);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        if let Ok(page) = parse_list(rest) {
            check(&page);
        }
        return;
    }
    // Build a page from the data: NUL-separated keys, the last piece the token.
    let text = String::from_utf8_lossy(rest);
    let mut pieces: Vec<&str> = text.split('\0').collect();
    let token = pieces.pop().filter(|t| !t.is_empty()).map(str::to_owned);
    let entries = pieces
        .iter()
        .filter(|k| !k.is_empty())
        .enumerate()
        .map(|(i, key)| ListEntry {
            key: (*key).to_owned(),
            size: (key.len() as u64) << (i % 40),
            etag: format!("{:032X}-{i}", key.len()),
            last_modified: (i % 3 != 0).then_some(1_700_000_000 + i as i64 * 86_399),
        })
        .collect();
    let page = ListPage { entries, next_continuation: token };
    // XML cannot carry some characters (e.g. U+0000-U+0008) raw, but URL encoding carries any key.
    check(&page);
});
