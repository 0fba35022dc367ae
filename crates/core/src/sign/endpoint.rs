//! Where a signed request is sent (spec §5.1, §6): URLs only, never signatures.
//!
//! Three URL styles exist, and all of them sign the same resource `/bucket/key` (V1
//! CanonicalizedResource, V4 canonical URI): the signers take bucket and key as values and
//! never look at the URL, so switching style cannot change a signature.
//!
//! | style | object URL | chosen by [`Endpoint::parse`] when the host is |
//! |---|---|---|
//! | virtual host | `https://{bucket}.oss-{region}.aliyuncs.com/{key}` | `oss-….aliyuncs.com` |
//! | CNAME | `https://cdn.example.com/{key}` (domain bound to one bucket) | any other name |
//! | path style | `http://127.0.0.1:9000/{bucket}/{key}` (local stand-in) | an IP literal or `localhost` |

use super::region::Region;
use crate::encoding::uri_encode;

/// A base URL plus the rule for placing bucket and key in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// OSS's own virtual-host style: `{scheme}://{bucket}.{host}/{key}`.
    VirtualHost {
        /// `https` or `http`.
        scheme: String,
        /// The regional host, e.g. `oss-cn-hangzhou.aliyuncs.com`.
        host: String,
    },
    /// A custom domain bound to one bucket: `{base}/{key}`; the bucket is not in the URL.
    Cname {
        /// `scheme://host[:port][/prefix]`, without a trailing `/`.
        base: String,
    },
    /// Path style: `{base}/{bucket}/{key}`, for a local OSS stand-in.
    PathStyle {
        /// `scheme://host[:port][/prefix]`, without a trailing `/`.
        base: String,
    },
}

/// Why a text is not a usable endpoint URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The URL does not start with `http://` or `https://`.
    MissingScheme(String),
    /// The URL has no host.
    MissingHost(String),
    /// The URL has a query or fragment, which an endpoint cannot carry.
    HasQueryOrFragment(String),
    /// A virtual-host endpoint needs an OSS host (`oss-<region>.aliyuncs.com`).
    NotAnOssHost(String),
}

impl core::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EndpointError::MissingScheme(url) => write!(
                f,
                "endpoint {url:?} must start with https:// (or http:// for a local stand-in)"
            ),
            EndpointError::MissingHost(url) => write!(f, "endpoint {url:?} has no host"),
            EndpointError::HasQueryOrFragment(url) => {
                write!(f, "endpoint {url:?} must not contain '?' or '#'")
            }
            EndpointError::NotAnOssHost(url) => write!(
                f,
                "endpoint {url:?} is not an OSS host; virtual-host style needs \
                 oss-<region>.aliyuncs.com (use a CNAME or path-style endpoint otherwise)"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

/// Splits `scheme://rest` and validates; returns (scheme, authority, path-prefix).
fn split_url(url: &str) -> Result<(&str, &str, &str), EndpointError> {
    if url.contains(['?', '#']) {
        return Err(EndpointError::HasQueryOrFragment(url.to_owned()));
    }
    let (scheme, rest) = url
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
        .ok_or_else(|| EndpointError::MissingScheme(url.to_owned()))?;
    let rest = rest.trim_end_matches('/');
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(EndpointError::MissingHost(url.to_owned()));
    }
    Ok((scheme, authority, path))
}

fn host_without_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_local_host(host: &str) -> bool {
    host == "localhost"
        || host.starts_with('[')
        || (!host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

fn is_oss_host(host: &str) -> bool {
    host.starts_with("oss-") && host.ends_with(".aliyuncs.com")
}

impl Endpoint {
    /// The public endpoint of `region`: `https://{bucket}.oss-{region}.aliyuncs.com` (spec §5.1).
    pub fn aliyun(region: &Region) -> Self {
        Endpoint::VirtualHost {
            scheme: "https".to_owned(),
            host: format!("oss-{region}.aliyuncs.com"),
        }
    }

    /// Parses an endpoint URL and picks the style from the host (table in the module docs).
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let (scheme, authority, path) = split_url(url)?;
        let host = host_without_port(authority);
        if is_oss_host(host) && path.is_empty() {
            Ok(Endpoint::VirtualHost {
                scheme: scheme.to_owned(),
                host: authority.to_owned(),
            })
        } else if is_local_host(host) {
            Ok(Endpoint::PathStyle {
                base: format!("{scheme}://{authority}{path}"),
            })
        } else {
            Ok(Endpoint::Cname {
                base: format!("{scheme}://{authority}{path}"),
            })
        }
    }

    /// A path-style endpoint at `url` whatever its host (e.g. a stand-in behind a name).
    pub fn path_style(url: &str) -> Result<Self, EndpointError> {
        let (scheme, authority, path) = split_url(url)?;
        Ok(Endpoint::PathStyle {
            base: format!("{scheme}://{authority}{path}"),
        })
    }

    /// A CNAME endpoint at `url`: the domain is bound to the bucket, which is not in the URL.
    pub fn cname(url: &str) -> Result<Self, EndpointError> {
        let (scheme, authority, path) = split_url(url)?;
        Ok(Endpoint::Cname {
            base: format!("{scheme}://{authority}{path}"),
        })
    }

    /// A virtual-host endpoint at `url`, which must name an OSS host.
    pub fn virtual_host(url: &str) -> Result<Self, EndpointError> {
        let (scheme, authority, path) = split_url(url)?;
        if !is_oss_host(host_without_port(authority)) || !path.is_empty() {
            return Err(EndpointError::NotAnOssHost(url.to_owned()));
        }
        Ok(Endpoint::VirtualHost {
            scheme: scheme.to_owned(),
            host: authority.to_owned(),
        })
    }

    /// The URL of `bucket` itself: where a PostObject form is posted (spec §5.1).
    pub fn bucket_url(&self, bucket: &str) -> String {
        match self {
            Endpoint::VirtualHost { scheme, host } => format!("{scheme}://{bucket}.{host}"),
            Endpoint::Cname { base } => base.clone(),
            Endpoint::PathStyle { base } => format!("{base}/{bucket}"),
        }
    }

    /// The URL of an object, without query. The key is percent-encoded with `/` kept, as
    /// the official SDKs do (spec §6.1 URL example).
    pub fn object_url(&self, bucket: &str, key: &str) -> String {
        let path = uri_encode(key.as_bytes(), true);
        match self {
            Endpoint::VirtualHost { scheme, host } => format!("{scheme}://{bucket}.{host}/{path}"),
            Endpoint::Cname { base } => format!("{base}/{path}"),
            Endpoint::PathStyle { base } => format!("{base}/{bucket}/{path}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn styles_place_bucket_and_key() {
        let region = Region::parse("cn-hangzhou").unwrap();
        let aliyun = Endpoint::aliyun(&region);
        assert_eq!(
            aliyun.object_url("b", "dir/a b.txt"),
            "https://b.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.txt"
        );
        assert_eq!(
            aliyun.bucket_url("b"),
            "https://b.oss-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::parse("https://oss-cn-hangzhou.aliyuncs.com/").unwrap(),
            aliyun
        );

        let local = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!(local.object_url("b", "k/1"), "http://127.0.0.1:9000/b/k/1");
        assert_eq!(local.bucket_url("b"), "http://127.0.0.1:9000/b");
        assert!(matches!(
            Endpoint::parse("http://localhost:9000/oss").unwrap(),
            Endpoint::PathStyle { .. }
        ));

        let cname = Endpoint::parse("https://img.example.com").unwrap();
        assert_eq!(cname.object_url("b", "k"), "https://img.example.com/k");
        assert_eq!(cname.bucket_url("b"), "https://img.example.com");
    }

    #[test]
    fn rejects_bad_urls() {
        assert!(matches!(
            Endpoint::parse("oss-cn-hangzhou.aliyuncs.com"),
            Err(EndpointError::MissingScheme(_))
        ));
        assert!(matches!(
            Endpoint::parse("https://"),
            Err(EndpointError::MissingHost(_))
        ));
        assert!(matches!(
            Endpoint::parse("https://a.example/?x"),
            Err(EndpointError::HasQueryOrFragment(_))
        ));
        assert!(matches!(
            Endpoint::virtual_host("https://img.example.com"),
            Err(EndpointError::NotAnOssHost(_))
        ));
    }
}
