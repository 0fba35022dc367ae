//! Explaining a signature mismatch: which variant of the request did OSS actually sign?
//!
//! Most verifier failures in the field are not forgeries but requests changed on the way
//! (spec §3.3, §7 item 7): a proxy strips or adds a path prefix, a framework hands over an
//! already-decoded path, `+` becomes a space, a trailing slash appears, the query is dropped or
//! re-ordered, or the body is re-encoded. [`diagnose`] re-runs verification over those variants
//! and names the first one whose signature matches, so the fix is obvious.

use super::keys::TrustedKeys;
use super::target::{EmptyQuery, RequestTarget, string_to_sign_with};
use super::verify::{AUTHORIZATION, CallbackRequest, PUB_KEY_URL, VerifyError, check_signature};
use crate::encoding::{InvalidEscape, base64_decode, form_decode, percent_decode};

/// Path prefixes that routers and proxies commonly mount callback handlers under.
pub const COMMON_PREFIXES: &[&str] = &[
    "/api",
    "/api/v1",
    "/api/v2",
    "/api/v3",
    "/v1",
    "/v2",
    "/callback",
    "/callbacks",
    "/oss",
    "/oss/callback",
    "/upload",
    "/uploads",
    "/webhook",
    "/webhooks",
    "/hooks",
    "/app",
    "/backend",
    "/server",
];

/// Extra knowledge the caller may have about what OSS requested.
#[derive(Clone, Debug, Default)]
pub struct DiagnoseHints {
    /// The `callbackUrl` (or its path and query) the upload was configured with.
    pub callback_url: Option<String>,
    /// Further path prefixes a proxy may have stripped.
    pub prefixes: Vec<String>,
}

/// The variant OSS signed, and what that says happened to the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// What changed between OSS and the verifier, in words a user can act on.
    pub explanation: String,
    /// The request target OSS signed.
    pub signed_target: Vec<u8>,
    /// The body OSS signed.
    pub signed_body: Vec<u8>,
}

struct Candidate {
    explanation: String,
    target: Vec<u8>,
    body: Vec<u8>,
    empty_query: EmptyQuery,
}

fn split_path(target: &[u8]) -> (&[u8], Option<&[u8]>) {
    let t = RequestTarget::split(target);
    (t.path, t.query)
}

fn join(path: &[u8], query: Option<&[u8]>) -> Vec<u8> {
    let mut out = path.to_vec();
    if let Some(query) = query {
        out.push(b'?');
        out.extend_from_slice(query);
    }
    out
}

/// Percent-encodes the bytes a WHATWG URL parser or an HTTP client would have had to encode,
/// restoring a path that was handed over already decoded.
fn reencode_path(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for &b in path {
        if b == b'%' || b == b' ' || b == b'?' || b == b'#' || !(0x21..0x7f).contains(&b) {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    out
}

/// All orderings of up to 6 query parameters (720 at most), excluding the original.
fn query_permutations(query: &[u8]) -> Vec<Vec<u8>> {
    let params: Vec<&[u8]> = query.split(|&b| b == b'&').collect();
    if params.len() < 2 || params.len() > 6 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut order: Vec<usize> = (0..params.len()).collect();
    // Heap's algorithm, iterative.
    let mut c = vec![0usize; order.len()];
    let mut i = 0;
    while i < order.len() {
        if c[i] < i {
            if i % 2 == 0 {
                order.swap(0, i)
            } else {
                order.swap(c[i], i)
            }
            out.push(
                order
                    .iter()
                    .map(|&k| params[k])
                    .collect::<Vec<_>>()
                    .join(&b'&'),
            );
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    out
}

/// Removes JSON whitespace outside strings.
fn compact_json(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false
            } else if b == b'\\' {
                escaped = true
            } else if b == b'"' {
                in_string = false
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !b.is_ascii_whitespace() {
            out.push(b);
        }
    }
    out
}

/// Re-encodes a form body the way OSS substitutes values (spec §1.4): unreserved bytes kept,
/// everything else `%XX` upper-case, so `/` is `%2F` and a space is `%20`.
fn oss_form_encoding(body: &[u8]) -> Vec<u8> {
    let pairs: Vec<Vec<u8>> = body
        .split(|&b| b == b'&')
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(at) => {
                let mut out = pair[..=at].to_vec();
                out.extend_from_slice(
                    crate::encoding::uri_encode(&form_decode(&pair[at + 1..]), false).as_bytes(),
                );
                out
            }
            None => pair.to_vec(),
        })
        .collect();
    pairs.join(&b'&')
}

fn candidates(target: &[u8], body: &[u8], hints: &DiagnoseHints) -> Vec<Candidate> {
    let (path, query) = split_path(target);
    let mut out = Vec::new();
    let mut add = |explanation: String, target: Vec<u8>, body: &[u8]| {
        out.push(Candidate {
            explanation,
            target,
            body: body.to_vec(),
            empty_query: EmptyQuery::Include,
        });
    };

    if let Some(url) = &hints.callback_url {
        let path_and_query = url
            .split_once("://")
            .map(|(_, rest)| rest.find('/').map_or("/", |at| &rest[at..]))
            .unwrap_or(url.as_str());
        add(
            format!(
                "OSS requested the configured callback URL's path and query {path_and_query:?}; the request reached the verifier as {:?}: something between OSS and the verifier rewrote it",
                String::from_utf8_lossy(target)
            ),
            path_and_query.as_bytes().to_vec(),
            body,
        );
    }
    for prefix in hints
        .prefixes
        .iter()
        .map(String::as_str)
        .chain(COMMON_PREFIXES.iter().copied())
    {
        let prefix = prefix.trim_end_matches('/');
        if prefix.is_empty()
            || path.starts_with(prefix.as_bytes()) && path.get(prefix.len()) == Some(&b'/')
        {
            continue;
        }
        let mut with_prefix = prefix.as_bytes().to_vec();
        with_prefix.extend_from_slice(path);
        add(
            format!(
                "OSS requested the path with the prefix {prefix:?}; a proxy or router stripped it before the verifier saw the request: verify the original path (or stop the proxy from rewriting it)"
            ),
            join(&with_prefix, query),
            body,
        );
    }
    let mut rest = path;
    while let Some(at) = rest
        .get(1..)
        .and_then(|r| r.iter().position(|&b| b == b'/'))
    {
        rest = &rest[at + 1..];
        add(
            format!(
                "OSS requested {:?}; the leading {:?} was added in front of the path before the verifier saw it",
                String::from_utf8_lossy(rest),
                String::from_utf8_lossy(&path[..path.len() - rest.len()])
            ),
            join(rest, query),
            body,
        );
    }
    let reencoded = reencode_path(path);
    if reencoded != path {
        add(
            "the path was handed to the verifier already percent-decoded, so it was decoded twice: pass the raw request target as received on the wire".into(),
            join(&reencoded, query),
            body,
        );
    }
    if path.contains(&b' ') {
        let plus: Vec<u8> = path
            .iter()
            .map(|&b| if b == b' ' { b'+' } else { b })
            .collect();
        add("a '+' in the path was read as a space (form decoding): decode paths with RFC 3986 rules, where '+' stays '+'".into(), join(&plus, query), body);
    }
    if path.contains(&b'+') {
        let spaces: Vec<u8> = path
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        add(
            "OSS signed the path with '+' read as a space: its decoder treats '+' as a space here"
                .into(),
            join(&spaces, query),
            body,
        );
    }
    match path.strip_suffix(b"/") {
        Some(stripped) if !stripped.is_empty() => add(
            "a trailing slash was added to the path before the verifier saw it".into(),
            join(stripped, query),
            body,
        ),
        _ => {
            let mut slashed = path.to_vec();
            slashed.push(b'/');
            add(
                "a trailing slash was removed from the path before the verifier saw it".into(),
                join(&slashed, query),
                body,
            );
        }
    }
    if let Some(q) = query {
        for permutation in query_permutations(q) {
            add(
                format!(
                    "the query was re-ordered; OSS signed it as {:?} (the query must be used byte for byte as received)",
                    String::from_utf8_lossy(&permutation)
                ),
                join(path, Some(&permutation)),
                body,
            );
        }
        if let Ok(decoded) = percent_decode(q, InvalidEscape::Reject)
            && decoded != q
        {
            add(
                "OSS signed the query percent-decoded".into(),
                join(path, Some(&decoded)),
                body,
            );
        }
    } else {
        add("the query is missing: the callback URL had a query, which was dropped before the verifier saw it; pass the full request target (path and query)".into(), path.to_vec(), body)
    }
    let trimmed = body.trim_ascii_end();
    if trimmed.len() != body.len() {
        add("trailing whitespace or a newline was added to the body (e.g. by a logging proxy or a shell): use the exact body bytes".into(), target.to_vec(), trimmed);
    }
    if body.contains(&b'\r') {
        let lf: Vec<u8> = body.iter().copied().filter(|&b| b != b'\r').collect();
        add(
            "line endings in the body were converted to CRLF: use the exact body bytes".into(),
            target.to_vec(),
            &lf,
        );
    }
    let compact = compact_json(body);
    if compact != body && (body.starts_with(b"{") || body.starts_with(b"[")) {
        add("the JSON body was re-serialised with whitespace: use the exact body bytes, not a re-encoded object".into(), target.to_vec(), &compact);
    }
    let form = oss_form_encoding(body);
    if form != body && body.contains(&b'=') {
        add("the form body was re-encoded (OSS encodes every value byte that is not unreserved, e.g. '/' as %2F): use the exact body bytes".into(), target.to_vec(), &form);
    }
    if query.is_some_and(<[u8]>::is_empty) {
        out.push(Candidate {
            explanation: "the request target ends in a bare '?': OSS did not include the '?' in what it signed".into(),
            target: target.to_vec(),
            body: body.to_vec(),
            empty_query: EmptyQuery::Omit,
        });
    }
    out
}

/// When `request` fails with [`VerifyError::SignatureMismatch`], looks for the variant of the
/// request that OSS actually signed. Returns `None` when the key URL or signature cannot be
/// read, or when no known mangling explains the mismatch.
pub fn diagnose(
    request: &CallbackRequest<'_>,
    keys: &TrustedKeys,
    hints: &DiagnoseHints,
) -> Option<Diagnosis> {
    let key_url = base64_decode(request.header(PUB_KEY_URL).ok()??).ok()?;
    let trusted = keys.find(&key_url)?;
    let signature = base64_decode(request.header(AUTHORIZATION).ok()??).ok()?;
    candidates(request.target, request.body, hints)
        .into_iter()
        .find_map(|c| {
            let message =
                string_to_sign_with(&RequestTarget::split(&c.target), &c.body, c.empty_query);
            match check_signature(trusted, &message, &signature) {
                Ok(()) => Some(Diagnosis {
                    explanation: c.explanation,
                    signed_target: c.target,
                    signed_body: c.body,
                }),
                Err(VerifyError::SignatureMismatch | VerifyError::SignatureLength { .. })
                | Err(_) => None,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn permutations_cover_all_orders_but_the_original() {
        let all = query_permutations(b"a=1&b=2&c=3");
        assert_eq!(all.len(), 5);
        assert!(all.contains(&b"c=3&b=2&a=1".to_vec()));
        assert!(!all.contains(&b"a=1&b=2&c=3".to_vec()));
    }

    #[test]
    fn compact_json_keeps_strings() {
        assert_eq!(
            compact_json(b"{ \"a b\": \"c \\\" d\" ,\n \"e\": 1 }"),
            b"{\"a b\":\"c \\\" d\",\"e\":1}"
        );
    }

    #[test]
    fn oss_form_reencodes_values_only() {
        assert_eq!(
            oss_form_encoding(b"object=dir/a b.jpg&mime=image%2fjpeg"),
            b"object=dir%2Fa%20b.jpg&mime=image%2Fjpeg"
        );
    }
}
