//! Explaining a signature mismatch: which variant of the request did OSS actually sign?
//!
//! Most verifier failures in the field are not forgeries but requests changed on the way
//! (spec §3.3, §7 item 7): a proxy strips or adds a path prefix, a framework hands over an
//! already-decoded path, `+` becomes a space, a trailing slash appears, the query is dropped or
//! re-ordered, or the body is re-encoded. [`diagnose`] re-runs verification over those variants
//! and names the first one whose signature matches, so the fix is obvious.
//!
//! The work is bounded whatever the request: the variants are built lazily, one at a time, and
//! the search stops at the first hit or after [`DiagnoseLimits::max_attempts`] RSA
//! verifications; each family of variants is capped (path segments, hint prefixes, query
//! orders of at most [`MAX_PERMUTED_PARAMS`] parameters), and body variants are only tried for
//! bodies up to [`DiagnoseLimits::max_body_variant_bytes`]. A request crafted to maximise the
//! work costs at most that many verifications. Every target it reports has the
//! [`TICKET_PARAM`] value replaced by `REDACTED` ([`redact_ticket`]): a ticket is a bearer
//! secret for its grant and must not reach a log.

use super::keys::{TrustedKey, TrustedKeys};
use super::target::{EmptyQuery, RequestTarget, string_to_sign_with};
use super::verify::{AUTHORIZATION, CallbackRequest, PUB_KEY_URL, check_signature};
use crate::encoding::{InvalidEscape, base64_decode, form_decode, percent_decode};
use crate::ticket::TICKET_PARAM;

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

/// Default cap on RSA verifications per diagnosis (every family below fits under it).
pub const DEFAULT_MAX_ATTEMPTS: usize = 64;
/// Default cap on the body size for which body variants (trimmed, LF, compact JSON, OSS form
/// encoding) are tried: real callback bodies are a few KB (spec §1.2).
pub const DEFAULT_MAX_BODY_VARIANT_BYTES: usize = 8 * 1024;
/// Query orders are tried only for up to this many parameters (4! − 1 = 23 orders).
pub const MAX_PERMUTED_PARAMS: usize = 4;
/// At most this many variants drop leading path segments.
pub const MAX_SEGMENT_VARIANTS: usize = 8;
/// At most this many caller-supplied prefixes ([`DiagnoseHints::prefixes`]) are tried.
pub const MAX_HINT_PREFIXES: usize = 8;

/// What replaces a ticket value in every target [`diagnose`] reports.
pub const REDACTED: &str = "REDACTED";

/// Extra knowledge the caller may have about what OSS requested.
#[derive(Clone, Debug, Default)]
pub struct DiagnoseHints {
    /// The `callbackUrl` (or its path and query) the upload was configured with.
    pub callback_url: Option<String>,
    /// Further path prefixes a proxy may have stripped (the first [`MAX_HINT_PREFIXES`]).
    pub prefixes: Vec<String>,
}

/// The bounds of one diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiagnoseLimits {
    /// RSA verifications at most.
    pub max_attempts: usize,
    /// Body variants only for bodies up to this many bytes.
    pub max_body_variant_bytes: usize,
}

impl Default for DiagnoseLimits {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_body_variant_bytes: DEFAULT_MAX_BODY_VARIANT_BYTES,
        }
    }
}

/// The variant OSS signed, and what that says happened to the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// What changed between OSS and the verifier, in words a user can act on (tickets
    /// redacted).
    pub explanation: String,
    /// The request target OSS signed, with the ticket value redacted: for display only.
    pub signed_target: Vec<u8>,
    /// The body OSS signed.
    pub signed_body: Vec<u8>,
}

/// A diagnosis and the work it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagnoseOutcome {
    /// The variant that matched, if any.
    pub diagnosis: Option<Diagnosis>,
    /// RSA verifications performed (at most [`DiagnoseLimits::max_attempts`]).
    pub attempts: usize,
    /// Variants built (never more than were tried: they are built one at a time).
    pub variants_built: usize,
}

struct Candidate {
    explanation: String,
    target: Vec<u8>,
    body: Vec<u8>,
    empty_query: EmptyQuery,
}

impl Candidate {
    fn new(explanation: String, target: Vec<u8>, body: &[u8]) -> Self {
        Self {
            explanation,
            target,
            body: body.to_vec(),
            empty_query: EmptyQuery::Include,
        }
    }
}

/// `target` with the value of every [`TICKET_PARAM`] query parameter replaced by
/// [`REDACTED`] (also when the parameter name is percent-encoded).
pub fn redact_ticket(target: &[u8]) -> Vec<u8> {
    let Some(at) = target.iter().position(|&b| b == b'?') else {
        return target.to_vec();
    };
    let mut out = target[..=at].to_vec();
    for (i, pair) in target[at + 1..].split(|&b| b == b'&').enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        let (name, has_value) = match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (&pair[..eq], true),
            None => (pair, false),
        };
        let decoded = percent_decode(name, InvalidEscape::Keep).unwrap_or_else(|_| name.to_vec());
        if decoded == TICKET_PARAM.as_bytes() && has_value {
            out.extend_from_slice(name);
            out.push(b'=');
            out.extend_from_slice(REDACTED.as_bytes());
        } else {
            out.extend_from_slice(pair);
        }
    }
    out
}

fn shown(target: &[u8]) -> String {
    String::from_utf8_lossy(&redact_ticket(target)).into_owned()
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

/// Every order of the `&`-separated parameters of `query` but the original, built one at a
/// time (Heap's algorithm, iterative); nothing for fewer than 2 or more than
/// [`MAX_PERMUTED_PARAMS`] parameters.
struct Permutations<'a> {
    params: Vec<&'a [u8]>,
    order: Vec<usize>,
    c: Vec<usize>,
    i: usize,
}

impl<'a> Permutations<'a> {
    fn of(query: &'a [u8]) -> Self {
        let mut params: Vec<&[u8]> = query.split(|&b| b == b'&').collect();
        if params.len() < 2 || params.len() > MAX_PERMUTED_PARAMS {
            params.clear();
        }
        let n = params.len();
        Self {
            params,
            order: (0..n).collect(),
            c: vec![0; n],
            i: 0,
        }
    }
}

impl Iterator for Permutations<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        while self.i < self.order.len() {
            if self.c[self.i] < self.i {
                if self.i.is_multiple_of(2) {
                    self.order.swap(0, self.i);
                } else {
                    self.order.swap(self.c[self.i], self.i);
                }
                self.c[self.i] += 1;
                self.i = 0;
                let joined: Vec<&[u8]> = self.order.iter().map(|&k| self.params[k]).collect();
                return Some(joined.join(&b'&'));
            }
            self.c[self.i] = 0;
            self.i += 1;
        }
        None
    }
}

/// The families of variants, in the order they are tried: likely rewrites first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    CallbackUrl,
    TrailingSlash,
    Prefix,
    LeadingSegment,
    Reencoded,
    SpaceAsPlus,
    PlusAsSpace,
    Query,
    BodyTrimmed,
    BodyLf,
    BodyCompactJson,
    BodyOssForm,
    BareQuestionMark,
    QueryOrder,
    Done,
}

impl Family {
    fn next(self) -> Self {
        match self {
            Self::CallbackUrl => Self::TrailingSlash,
            Self::TrailingSlash => Self::Prefix,
            Self::Prefix => Self::LeadingSegment,
            Self::LeadingSegment => Self::Reencoded,
            Self::Reencoded => Self::SpaceAsPlus,
            Self::SpaceAsPlus => Self::PlusAsSpace,
            Self::PlusAsSpace => Self::Query,
            Self::Query => Self::BodyTrimmed,
            Self::BodyTrimmed => Self::BodyLf,
            Self::BodyLf => Self::BodyCompactJson,
            Self::BodyCompactJson => Self::BodyOssForm,
            Self::BodyOssForm => Self::BareQuestionMark,
            Self::BareQuestionMark => Self::QueryOrder,
            Self::QueryOrder | Self::Done => Self::Done,
        }
    }

    fn is_body(self) -> bool {
        (Self::BodyTrimmed..=Self::BodyOssForm).contains(&self)
    }
}

/// The variants of a request, built lazily: [`Iterator::next`] builds one at a time.
struct Candidates<'a> {
    target: &'a [u8],
    path: &'a [u8],
    query: Option<&'a [u8]>,
    body: &'a [u8],
    hints: &'a DiagnoseHints,
    body_variants: bool,
    family: Family,
    /// Position inside a multi-variant family (prefixes, segments).
    index: usize,
    /// The path left after the leading segments dropped so far.
    rest: &'a [u8],
    orders: Option<Permutations<'a>>,
}

impl<'a> Candidates<'a> {
    fn new(
        target: &'a [u8],
        body: &'a [u8],
        hints: &'a DiagnoseHints,
        limits: DiagnoseLimits,
    ) -> Self {
        let (path, query) = split_path(target);
        Self {
            target,
            path,
            query,
            body,
            hints,
            body_variants: body.len() <= limits.max_body_variant_bytes,
            family: Family::CallbackUrl,
            index: 0,
            rest: path,
            orders: query.map(Permutations::of),
        }
    }

    fn with_path(&self, explanation: String, path: &[u8]) -> Candidate {
        Candidate::new(explanation, join(path, self.query), self.body)
    }

    fn with_body(&self, explanation: &str, body: &[u8]) -> Candidate {
        Candidate::new(explanation.into(), self.target.to_vec(), body)
    }

    /// The next variant of the current family, or `None` when the family has no more.
    fn build(&mut self) -> Option<Candidate> {
        let (path, query, body) = (self.path, self.query, self.body);
        match self.family {
            Family::CallbackUrl => {
                let url = self.hints.callback_url.as_deref()?;
                let path_and_query = url
                    .split_once("://")
                    .map(|(_, rest)| rest.find('/').map_or("/", |at| &rest[at..]))
                    .unwrap_or(url);
                Some(Candidate::new(
                    format!(
                        "OSS requested the configured callback URL's path and query {:?}; the request reached the verifier as {:?}: something between OSS and the verifier rewrote it",
                        shown(path_and_query.as_bytes()),
                        shown(self.target)
                    ),
                    path_and_query.as_bytes().to_vec(),
                    body,
                ))
            }
            Family::TrailingSlash => Some(match path.strip_suffix(b"/") {
                Some(stripped) if !stripped.is_empty() => self.with_path(
                    "a trailing slash was added to the path before the verifier saw it".into(),
                    stripped,
                ),
                _ => self.with_path(
                    "a trailing slash was removed from the path before the verifier saw it".into(),
                    &[path, b"/"].concat(),
                ),
            }),
            Family::Prefix => loop {
                let hinted = self.hints.prefixes.len().min(MAX_HINT_PREFIXES);
                let prefix = if self.index < hinted {
                    self.hints.prefixes[self.index].as_str()
                } else {
                    COMMON_PREFIXES.get(self.index - hinted)?
                };
                self.index += 1;
                let prefix = prefix.trim_end_matches('/');
                if prefix.is_empty()
                    || path.starts_with(prefix.as_bytes()) && path.get(prefix.len()) == Some(&b'/')
                {
                    continue;
                }
                break Some(self.with_path(
                    format!(
                        "OSS requested the path with the prefix {prefix:?}; a proxy or router stripped it before the verifier saw the request: verify the original path (or stop the proxy from rewriting it)"
                    ),
                    &[prefix.as_bytes(), path].concat(),
                ));
            },
            Family::LeadingSegment => {
                if self.index >= MAX_SEGMENT_VARIANTS {
                    return None;
                }
                let at = self.rest.get(1..)?.iter().position(|&b| b == b'/')?;
                self.rest = &self.rest[at + 1..];
                self.index += 1;
                let rest = self.rest;
                Some(self.with_path(
                    format!(
                        "OSS requested {:?}; the leading {:?} was added in front of the path before the verifier saw it",
                        String::from_utf8_lossy(rest),
                        String::from_utf8_lossy(&path[..path.len() - rest.len()])
                    ),
                    rest,
                ))
            }
            Family::Reencoded => {
                let reencoded = reencode_path(path);
                (reencoded != path).then(|| {
                    self.with_path(
                        "the path was handed to the verifier already percent-decoded, so it was decoded twice: pass the raw request target as received on the wire".into(),
                        &reencoded,
                    )
                })
            }
            Family::SpaceAsPlus => path.contains(&b' ').then(|| {
                let plus: Vec<u8> = path.iter().map(|&b| if b == b' ' { b'+' } else { b }).collect();
                self.with_path(
                    "a '+' in the path was read as a space (form decoding): decode paths with RFC 3986 rules, where '+' stays '+'".into(),
                    &plus,
                )
            }),
            Family::PlusAsSpace => path.contains(&b'+').then(|| {
                let spaces: Vec<u8> = path.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
                self.with_path(
                    "OSS signed the path with '+' read as a space: its decoder treats '+' as a space here".into(),
                    &spaces,
                )
            }),
            Family::Query => match query {
                Some(q) => {
                    let decoded = percent_decode(q, InvalidEscape::Reject).ok()?;
                    (decoded != q).then(|| {
                        Candidate::new(
                            "OSS signed the query percent-decoded".into(),
                            join(path, Some(&decoded)),
                            body,
                        )
                    })
                }
                None => Some(Candidate::new(
                    "the query is missing: the callback URL had a query, which was dropped before the verifier saw it; pass the full request target (path and query)".into(),
                    path.to_vec(),
                    body,
                )),
            },
            Family::BodyTrimmed => {
                let trimmed = body.trim_ascii_end();
                (trimmed.len() != body.len()).then(|| {
                    self.with_body(
                        "trailing whitespace or a newline was added to the body (e.g. by a logging proxy or a shell): use the exact body bytes",
                        trimmed,
                    )
                })
            }
            Family::BodyLf => body.contains(&b'\r').then(|| {
                let lf: Vec<u8> = body.iter().copied().filter(|&b| b != b'\r').collect();
                self.with_body(
                    "line endings in the body were converted to CRLF: use the exact body bytes",
                    &lf,
                )
            }),
            Family::BodyCompactJson => {
                if !(body.starts_with(b"{") || body.starts_with(b"[")) {
                    return None;
                }
                let compact = compact_json(body);
                (compact != body).then(|| {
                    self.with_body(
                        "the JSON body was re-serialised with whitespace: use the exact body bytes, not a re-encoded object",
                        &compact,
                    )
                })
            }
            Family::BodyOssForm => {
                if !body.contains(&b'=') {
                    return None;
                }
                let form = oss_form_encoding(body);
                (form != body).then(|| {
                    self.with_body(
                        "the form body was re-encoded (OSS encodes every value byte that is not unreserved, e.g. '/' as %2F): use the exact body bytes",
                        &form,
                    )
                })
            }
            Family::BareQuestionMark => query.is_some_and(<[u8]>::is_empty).then(|| Candidate {
                explanation: "the request target ends in a bare '?': OSS did not include the '?' in what it signed".into(),
                target: self.target.to_vec(),
                body: body.to_vec(),
                empty_query: EmptyQuery::Omit,
            }),
            Family::QueryOrder => {
                let permutation = self.orders.as_mut()?.next()?;
                let reordered = join(path, Some(&permutation));
                Some(Candidate::new(
                    format!(
                        "the query was re-ordered; OSS signed it as {:?} (the query must be used byte for byte as received)",
                        shown(&reordered).split_once('?').map_or("", |(_, q)| q)
                    ),
                    reordered,
                    body,
                ))
            }
            Family::Done => None,
        }
    }
}

impl Iterator for Candidates<'_> {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        while self.family != Family::Done {
            if (!self.family.is_body() || self.body_variants)
                && let Some(candidate) = self.build()
            {
                // Single-variant families are done after their one variant.
                if !matches!(
                    self.family,
                    Family::Prefix | Family::LeadingSegment | Family::QueryOrder
                ) {
                    self.advance();
                }
                return Some(candidate);
            }
            self.advance();
        }
        None
    }
}

impl Candidates<'_> {
    fn advance(&mut self) {
        self.family = self.family.next();
        self.index = 0;
    }
}

/// When `request` fails with [`super::VerifyError::SignatureMismatch`], looks for the variant
/// of the request that OSS actually signed, within the default [`DiagnoseLimits`]. Returns
/// `None` when the key URL or signature cannot be read, or when no known mangling explains
/// the mismatch.
pub fn diagnose(
    request: &CallbackRequest<'_>,
    keys: &TrustedKeys,
    hints: &DiagnoseHints,
) -> Option<Diagnosis> {
    diagnose_with(request, keys, hints, DiagnoseLimits::default()).diagnosis
}

fn signing_inputs<'k>(
    request: &CallbackRequest<'_>,
    keys: &'k TrustedKeys,
) -> Option<(&'k TrustedKey, Vec<u8>)> {
    let key_url = base64_decode(request.header(PUB_KEY_URL).ok()??).ok()?;
    let trusted = keys.find(&key_url)?;
    let signature = base64_decode(request.header(AUTHORIZATION).ok()??).ok()?;
    // A signature of the wrong length matches no variant: no verification is worth running.
    (signature.len() == trusted.key.size()).then_some((trusted, signature))
}

/// [`diagnose`] with explicit `limits`, reporting the work done.
pub fn diagnose_with(
    request: &CallbackRequest<'_>,
    keys: &TrustedKeys,
    hints: &DiagnoseHints,
    limits: DiagnoseLimits,
) -> DiagnoseOutcome {
    let mut outcome = DiagnoseOutcome {
        diagnosis: None,
        attempts: 0,
        variants_built: 0,
    };
    let Some((trusted, signature)) = signing_inputs(request, keys) else {
        return outcome;
    };
    for candidate in
        Candidates::new(request.target, request.body, hints, limits).take(limits.max_attempts)
    {
        outcome.variants_built += 1;
        let message = string_to_sign_with(
            &RequestTarget::split(&candidate.target),
            &candidate.body,
            candidate.empty_query,
        );
        outcome.attempts += 1;
        if check_signature(trusted, &message, &signature).is_ok() {
            outcome.diagnosis = Some(Diagnosis {
                explanation: candidate.explanation,
                signed_target: redact_ticket(&candidate.target),
                signed_body: candidate.body,
            });
            break;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn permutations_cover_all_orders_but_the_original() {
        let all: Vec<Vec<u8>> = Permutations::of(b"a=1&b=2&c=3").collect();
        assert_eq!(all.len(), 5);
        assert!(all.contains(&b"c=3&b=2&a=1".to_vec()));
        assert!(!all.contains(&b"a=1&b=2&c=3".to_vec()));
        let four: Vec<Vec<u8>> = Permutations::of(b"a&b&c&d").collect();
        assert_eq!(four.len(), 23);
        let distinct: std::collections::BTreeSet<_> = four.iter().collect();
        assert_eq!(distinct.len(), 23);
        assert_eq!(Permutations::of(b"a&b&c&d&e").count(), 0, "capped");
        assert_eq!(Permutations::of(b"a=1").count(), 0);
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

    #[test]
    fn tickets_are_redacted_wherever_they_sit() {
        assert_eq!(
            redact_ticket(b"/cb?a=1&oss_edge_ticket=v2.k.c.m&b=2"),
            b"/cb?a=1&oss_edge_ticket=REDACTED&b=2"
        );
        assert_eq!(
            redact_ticket(b"/cb?oss%5Fedge%5Fticket=v2.k.c.m"),
            b"/cb?oss%5Fedge%5Fticket=REDACTED"
        );
        assert_eq!(
            redact_ticket(b"/cb?oss_edge_ticket=x&oss_edge_ticket=y"),
            b"/cb?oss_edge_ticket=REDACTED&oss_edge_ticket=REDACTED"
        );
        assert_eq!(
            redact_ticket(b"/cb?x=oss_edge_ticket"),
            b"/cb?x=oss_edge_ticket"
        );
        assert_eq!(redact_ticket(b"/oss_edge_ticket=1"), b"/oss_edge_ticket=1");
    }
}
