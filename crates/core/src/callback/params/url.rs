//! One entry of `callbackUrl` (spec §1.2).
//!
//! OSS's rules, as documented: HTTP and HTTPS are allowed; the URL must already be URL-encoded;
//! IPv6 literals are not supported; a port, when given, must be a positive integer
//! (`host:test` is refused with EC 0007-00000004). Our additional rules, so that what the signer
//! issues is unambiguous and survives a Worker's WHATWG URL normalisation unchanged
//! (`TOOLCHAIN.md`): only printable ASCII without spaces, no `;` (it separates URLs), no
//! user-info (`user@host`) and no `#fragment` (never sent, so never signed).

use core::fmt;

/// The scheme of a callback URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http://` (default port 80).
    Http,
    /// `https://` (default port 443).
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port used when the URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Why one `callbackUrl` entry is invalid (reported by OSS as EC 0007-00000004, spec §11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The entry is empty (e.g. a trailing `;` in `callbackUrl`).
    Empty,
    /// A byte that must be percent-encoded: a space, a control character or non-ASCII.
    BadCharacter {
        /// Byte offset in the entry.
        offset: usize,
    },
    /// A `;` inside one URL: OSS splits `callbackUrl` on `;`.
    Semicolon,
    /// No `http://` or `https://` (the builder requires one; OSS tolerates its absence).
    MissingScheme,
    /// A scheme other than `http` or `https`.
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// `user:password@` before the host.
    UserInfo,
    /// A `#fragment`.
    Fragment,
    /// An IPv6 literal (`[::1]` or bare colons): OSS does not call IPv6 addresses.
    Ipv6Literal,
    /// No host.
    EmptyHost,
    /// A host with characters outside `A-Z a-z 0-9 . - _`.
    BadHost {
        /// The host as written.
        host: String,
    },
    /// A port that is not a decimal number in 1..=65535.
    BadPort {
        /// The port as written.
        port: String,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => f.write_str("empty URL (check for a stray `;`)"),
            UrlError::BadCharacter { offset } => write!(
                f,
                "byte {offset} must be percent-encoded (spaces, control characters and \
                 non-ASCII are not allowed in a callback URL)"
            ),
            UrlError::Semicolon => {
                f.write_str("`;` separates callback URLs; percent-encode it as %3B inside a URL")
            }
            UrlError::MissingScheme => f.write_str("the URL must start with http:// or https://"),
            UrlError::UnsupportedScheme { scheme } => {
                write!(f, "scheme `{scheme}` is not supported: use http or https")
            }
            UrlError::UserInfo => f.write_str("user info (`user@host`) is not allowed"),
            UrlError::Fragment => f.write_str("a #fragment is never sent; remove it"),
            UrlError::Ipv6Literal => {
                f.write_str("OSS does not call IPv6 addresses; use a host name or IPv4 address")
            }
            UrlError::EmptyHost => f.write_str("the URL has no host"),
            UrlError::BadHost { host } => write!(
                f,
                "host `{host}` may only contain letters, digits, `.`, `-` and `_`"
            ),
            UrlError::BadPort { port } => {
                write!(f, "port `{port}` must be a number from 1 to 65535")
            }
        }
    }
}

impl std::error::Error for UrlError {}

/// One validated `callbackUrl` entry. The text is kept exactly as given: it is what OSS
/// requests, so it is what the callback signature covers (spec §3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackUrl {
    text: String,
    scheme: Scheme,
    explicit_scheme: bool,
    host: String,
    port: Option<u16>,
    target_start: Option<usize>,
}

fn is_host_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_')
}

/// Validates `host` or `host:port` (also used for `callbackHost`).
pub(crate) fn parse_authority(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    if authority.starts_with('[') || authority.matches(':').count() > 1 {
        return Err(UrlError::Ipv6Literal);
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    if !host.bytes().all(is_host_byte) {
        return Err(UrlError::BadHost {
            host: host.to_owned(),
        });
    }
    Ok((host, port))
}

fn parse_port(text: &str) -> Result<u16, UrlError> {
    let bad = || UrlError::BadPort {
        port: text.to_owned(),
    };
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(bad()),
    }
}

impl CallbackUrl {
    /// Parses a URL for the builder: the scheme (`http://` or `https://`) is required.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        Self::parse_with(text, true)
    }

    /// Parses a URL as OSS accepts it: the scheme may be omitted (the doc examples use
    /// `121.43.113.8:23456/index.html`, spec §1.2), meaning `http`.
    pub fn parse_lenient(text: &str) -> Result<Self, UrlError> {
        Self::parse_with(text, false)
    }

    fn parse_with(text: &str, require_scheme: bool) -> Result<Self, UrlError> {
        if text.is_empty() {
            return Err(UrlError::Empty);
        }
        if let Some(offset) = text.bytes().position(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(UrlError::BadCharacter { offset });
        }
        if text.contains(';') {
            return Err(UrlError::Semicolon);
        }
        if text.contains('#') {
            return Err(UrlError::Fragment);
        }
        let (scheme, explicit_scheme, rest_start) = match text.find("://") {
            Some(end) => {
                let name = &text[..end];
                let scheme = if name.eq_ignore_ascii_case("http") {
                    Scheme::Http
                } else if name.eq_ignore_ascii_case("https") {
                    Scheme::Https
                } else {
                    return Err(UrlError::UnsupportedScheme {
                        scheme: name.to_owned(),
                    });
                };
                (scheme, true, end + 3)
            }
            None if require_scheme => return Err(UrlError::MissingScheme),
            None => (Scheme::Http, false, 0),
        };
        let rest = &text[rest_start..];
        let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
        let (host, port) = parse_authority(&rest[..authority_len])?;
        let host = host.to_owned();
        let target_start = (authority_len < rest.len()).then_some(rest_start + authority_len);
        Ok(Self {
            text: text.to_owned(),
            scheme,
            explicit_scheme,
            host,
            port,
            target_start,
        })
    }

    /// The URL exactly as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The scheme (`http` when none was written).
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Whether the text names its scheme.
    pub fn has_explicit_scheme(&self) -> bool {
        self.explicit_scheme
    }

    /// The host as written.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port OSS connects to: the explicit one or the scheme's default.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// The request target OSS sends (path and query, byte-exact): `/` when the URL has none,
    /// and a query without a path gets `/` in front.
    pub fn request_target(&self) -> String {
        match self.target_start {
            None => "/".to_owned(),
            Some(start) if self.text[start..].starts_with('?') => {
                format!("/{}", &self.text[start..])
            }
            Some(start) => self.text[start..].to_owned(),
        }
    }
}

impl fmt::Display for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
