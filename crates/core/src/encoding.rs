//! Percent-encoding and Base64 helpers shared by verification and signing.
//!
//! OSS uses RFC 3986 percent-encoding in two directions: the callback signature covers the
//! request path percent-decoded *once* (spec §3.1), and V4 signing percent-encodes paths and
//! query components with the unreserved set `A-Z a-z 0-9 - _ . ~` (spec §6.2).

use base64::Engine as _;

/// How [`percent_decode`] treats a `%` that is not followed by two hex digits.
///
/// RFC 3986 makes such a sequence invalid; OSS's own decoder is unspecified (spec §10). The
/// verifier uses [`InvalidEscape::Keep`], the reading every official sample shares: the bytes
/// are left as they are, so a request whose path contains a stray `%` still verifies exactly
/// when OSS signed the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidEscape {
    /// Copy the `%` and what follows unchanged.
    Keep,
    /// Report the position of the first invalid escape as an error.
    Reject,
}

/// A `%` at `position` (byte offset) was not followed by two hexadecimal digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPercentEscape {
    /// Byte offset of the offending `%`.
    pub position: usize,
}

impl core::fmt::Display for InvalidPercentEscape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "invalid percent escape at byte {}", self.position)
    }
}

impl std::error::Error for InvalidPercentEscape {}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `input` once, RFC 3986 style: `%XX` becomes the byte `0xXX`, and `+` stays
/// `+` (it is *not* a space outside form bodies).
pub fn percent_decode(
    input: &[u8],
    invalid: InvalidEscape,
) -> Result<Vec<u8>, InvalidPercentEscape> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let byte = input[i];
        if byte == b'%' {
            let pair = input
                .get(i + 1)
                .and_then(|&h| hex_value(h))
                .zip(input.get(i + 2).and_then(|&l| hex_value(l)));
            match (pair, invalid) {
                (Some((high, low)), _) => {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                (None, InvalidEscape::Reject) => return Err(InvalidPercentEscape { position: i }),
                (None, InvalidEscape::Keep) => {}
            }
        }
        out.push(byte);
        i += 1;
    }
    Ok(out)
}

/// Decodes an `application/x-www-form-urlencoded` component: `+` is a space, then `%XX` as in
/// [`percent_decode`] (invalid escapes kept).
pub fn form_decode(input: &[u8]) -> Vec<u8> {
    let plus_as_space: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    // Keep never fails.
    percent_decode(&plus_as_space, InvalidEscape::Keep).unwrap_or(plus_as_space)
}

/// True for RFC 3986 unreserved characters, which [`uri_encode`] never escapes.
pub fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes every byte except RFC 3986 unreserved characters (and `/` when
/// `keep_slash`), with upper-case hex: the `URIEncode` of OSS V4 signing (spec §6.2).
pub fn uri_encode(input: &[u8], keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &byte in input {
        if is_unreserved(byte) || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// Standard Base64 with padding, the encoding OSS uses for callback parameters, policies,
/// signatures and the callback headers (spec §1.1, §3.1).
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard Base64 with padding (strict: no whitespace, canonical padding).
pub fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::STANDARD.decode(text)
}

/// Lower-case hexadecimal.
pub fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// The big-endian bytes of a number written in hexadecimal without prefix, in either case and
/// with any number of digits (an odd count gets a leading zero nibble, as JavaScript's
/// `BigInt.prototype.toString(16)` writes numbers). `None` for an empty text or a non-hex digit.
pub fn hex_number_bytes(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if digits.is_empty() {
        return None;
    }
    let (head, tail) = digits.split_at(digits.len() % 2);
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    if let [single] = head {
        out.push(hex_value(*single)?);
    }
    for pair in tail.chunks_exact(2) {
        out.push(hex_value(pair[0])? << 4 | hex_value(pair[1])?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_numbers_of_any_length_round_trip() {
        assert_eq!(hex_number_bytes("0"), Some(vec![0]));
        assert_eq!(hex_number_bytes("abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(hex_number_bytes("01Ff"), Some(vec![0x01, 0xff]));
        assert_eq!(
            hex_number_bytes(&hex_lower(&[0, 7, 0xfe])),
            Some(vec![0, 7, 0xfe])
        );
        assert_eq!(hex_number_bytes(""), None);
        assert_eq!(hex_number_bytes("0x1"), None);
        assert_eq!(hex_number_bytes("12g4"), None);
    }
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn decodes_once_and_keeps_plus() {
        assert_eq!(
            percent_decode(b"/a%20b+c%2541", InvalidEscape::Keep).unwrap(),
            b"/a b+c%41"
        );
    }

    #[test]
    fn invalid_escapes_kept_or_rejected() {
        assert_eq!(
            percent_decode(b"/100%/%zz%4", InvalidEscape::Keep).unwrap(),
            b"/100%/%zz%4"
        );
        assert_eq!(
            percent_decode(b"/ok%2F/100%", InvalidEscape::Reject),
            Err(InvalidPercentEscape { position: 10 })
        );
    }

    #[test]
    fn form_decoding_maps_plus_to_space() {
        assert_eq!(form_decode(b"a+b%2Bc%2Fd"), b"a b+c/d");
    }

    #[test]
    fn uri_encode_matches_v4_rules() {
        assert_eq!(
            uri_encode("dir/example object.txt".as_bytes(), true),
            "dir/example%20object.txt"
        );
        assert_eq!(uri_encode(b"a/b+c=~", false), "a%2Fb%2Bc%3D~");
        assert_eq!(uri_encode("é".as_bytes(), true), "%C3%A9");
    }
}
