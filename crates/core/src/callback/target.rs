//! The request target and the string OSS signs (spec §3.1).
//!
//! The target is taken exactly as received: never rebuilt from parsed values. It is split at
//! the first `?`; the path is percent-decoded once with RFC 3986 rules (`+` stays `+`; an
//! invalid `%` escape is kept as it is, see [`InvalidEscape::Keep`]); the query stays byte-exact.

use crate::encoding::{InvalidEscape, percent_decode};

/// A request target split at its first `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTarget<'a> {
    /// The raw path, still percent-encoded.
    pub path: &'a [u8],
    /// The raw query after the first `?`, when a `?` is present (possibly empty).
    pub query: Option<&'a [u8]>,
}

impl<'a> RequestTarget<'a> {
    /// Splits `raw` (path and optional query, as on the wire) at the first `?`.
    pub fn split(raw: &'a [u8]) -> Self {
        match raw.iter().position(|&b| b == b'?') {
            Some(at) => Self {
                path: &raw[..at],
                query: Some(&raw[at + 1..]),
            },
            None => Self {
                path: raw,
                query: None,
            },
        }
    }
}

/// How a bare trailing `?` (a query that is present but empty) enters the string to sign.
///
/// The official verifiers append `?` + query whenever the target contains `?`; whether OSS
/// itself does so for an empty query is unverified (spec §10). [`EmptyQuery::Include`] follows
/// the official verifiers and is what [`string_to_sign`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyQuery {
    /// Append `?` even when nothing follows it.
    Include,
    /// Leave out a `?` with nothing after it.
    Omit,
}

/// The bytes OSS signs: `percent_decode(path) [+ "?" + raw_query] + "\n" + body` (spec §3.1).
pub fn string_to_sign(target: &RequestTarget<'_>, body: &[u8]) -> Vec<u8> {
    string_to_sign_with(target, body, EmptyQuery::Include)
}

/// [`string_to_sign`] with an explicit rule for an empty query.
pub fn string_to_sign_with(target: &RequestTarget<'_>, body: &[u8], empty: EmptyQuery) -> Vec<u8> {
    // Keep never fails: invalid escapes are copied through.
    let path =
        percent_decode(target.path, InvalidEscape::Keep).unwrap_or_else(|_| target.path.to_vec());
    let query = target
        .query
        .filter(|q| !q.is_empty() || empty == EmptyQuery::Include);
    let mut out =
        Vec::with_capacity(path.len() + query.map_or(0, |q| q.len() + 1) + 1 + body.len());
    out.extend_from_slice(&path);
    if let Some(query) = query {
        out.push(b'?');
        out.extend_from_slice(query);
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn splits_at_first_question_mark() {
        let t = RequestTarget::split(b"/a%20b?x=1?y");
        assert_eq!(t.path, b"/a%20b");
        assert_eq!(t.query, Some(&b"x=1?y"[..]));
        assert_eq!(string_to_sign(&t, b"body"), b"/a b?x=1?y\nbody");
    }

    #[test]
    fn no_query_means_no_question_mark() {
        let t = RequestTarget::split(b"/index.php");
        assert_eq!(string_to_sign(&t, b"b"), b"/index.php\nb");
    }

    #[test]
    fn empty_query_rules() {
        let t = RequestTarget::split(b"/p?");
        assert_eq!(string_to_sign_with(&t, b"", EmptyQuery::Include), b"/p?\n");
        assert_eq!(string_to_sign_with(&t, b"", EmptyQuery::Omit), b"/p\n");
    }

    #[test]
    fn query_is_byte_exact_and_plus_is_kept() {
        let t = RequestTarget::split(b"/a+b%2Bc?q=%2F+x");
        assert_eq!(string_to_sign(&t, b""), b"/a+b+c?q=%2F+x\n");
    }
}
