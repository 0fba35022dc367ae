//! Splitting a raw query string into decoded pairs, for the verifiers (spec §6).
//!
//! Verifiers take the query exactly as received and decode it here, once: `%XX` is decoded,
//! `+` stays `+` (RFC 3986, as OSS's V4 canonical query treats it), and a pair without `=` has
//! an empty value (`?uploads`).

use crate::encoding::{InvalidEscape, percent_decode};

/// A query component was not valid percent-encoded UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidQuery {
    /// The raw component that failed to decode.
    pub component: String,
}

impl core::fmt::Display for InvalidQuery {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "query component {:?} is not valid percent-encoded UTF-8",
            self.component
        )
    }
}

impl std::error::Error for InvalidQuery {}

/// Percent-decodes one component (path or query part) into UTF-8 text.
pub fn decode_component(raw: &str) -> Result<String, InvalidQuery> {
    percent_decode(raw.as_bytes(), InvalidEscape::Reject)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| InvalidQuery {
            component: raw.to_owned(),
        })
}

/// Splits `a=1&b&c=%2F` (no leading `?`) into decoded pairs in order; empty segments are
/// skipped.
pub fn parse_query(raw: &str) -> Result<Vec<(String, String)>, InvalidQuery> {
    raw.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs_once() {
        assert_eq!(
            parse_query("uploads&a=%2B+b&c=x%3D&&d=").unwrap(),
            vec![
                ("uploads".to_owned(), String::new()),
                ("a".to_owned(), "++b".to_owned()),
                ("c".to_owned(), "x=".to_owned()),
                ("d".to_owned(), String::new()),
            ]
        );
        assert!(parse_query("a=%zz").is_err());
        assert!(parse_query("a=%ff").is_err());
    }
}
