//! The buckets a deployment confirms uploads in: the callback Worker's `BUCKETS` variable.
//!
//! ```text
//! BUCKETS = '[{"name":"examplebucket","region":"cn-hangzhou"},
//!             {"name":"media","region":"oss-cn-shanghai","endpoint":"https://img.example.com","versioned":true}]'
//! ```
//!
//! | member | required | meaning |
//! |---|---|---|
//! | `name` | yes | the bucket name: 3 to 63 lower-case letters, digits and `-` (as the signer's `OSS_BUCKET`) |
//! | `region` | yes | the region id of the V4 scope, `cn-hangzhou` (`oss-cn-hangzhou` is normalised, spec §5.4) |
//! | `endpoint` | no | where requests go: virtual host, CNAME or path style ([`Endpoint::parse`]); default `https://<name>.oss-<region>.aliyuncs.com` |
//! | `versioned` | no | `true` when versioning is enabled: the version id is then read and is part of the event id; default `false` |
//!
//! A callback naming a bucket that is not listed is refused before any request is made
//! ([`Buckets::target`]). Unknown members are refused, so a misspelt `versoned` cannot
//! silently fall back to a default.

use serde_json::{Map, Value};

use super::error::ConfirmError;
use crate::sign::endpoint::EndpointError;
use crate::sign::region::RegionError;
use crate::sign::{Endpoint, Region};

/// One configured bucket: where its requests go and how they are signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketTarget {
    /// The bucket name, as it appears in the signed resource `/bucket/key`.
    pub name: String,
    /// The region of the V4 credential scope (spec §5.4).
    pub region: Region,
    /// Where requests are sent; never taken from a request.
    pub endpoint: Endpoint,
    /// Versioning is enabled: the version id is read from the bucket and enters the event id.
    pub versioned: bool,
}

/// The configured buckets, at most one entry per name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buckets {
    targets: Vec<BucketTarget>,
}

/// Why a `BUCKETS` value cannot be used. Each variant names the entry and what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketsError {
    /// The text is not a JSON array.
    NotAList {
        /// What the JSON parser said, or what was found instead of an array.
        reason: String,
    },
    /// The array is empty: nothing could ever be confirmed.
    Empty,
    /// An entry is not an object with the known members of the right types.
    InvalidEntry {
        /// The entry's position in the array, from 0.
        entry: usize,
        /// What is wrong, e.g. an unknown member.
        reason: String,
    },
    /// A bucket name OSS would refuse.
    InvalidName {
        /// The entry's position in the array, from 0.
        entry: usize,
        /// The name given.
        name: String,
    },
    /// The region is not a region id.
    InvalidRegion {
        /// The bucket the entry names.
        bucket: String,
        /// Why.
        error: RegionError,
    },
    /// The endpoint is not a usable URL.
    InvalidEndpoint {
        /// The bucket the entry names.
        bucket: String,
        /// Why.
        error: EndpointError,
    },
    /// Two entries name the same bucket.
    Duplicate {
        /// The repeated name.
        bucket: String,
    },
}

impl BucketsError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAList { .. } => "buckets_not_a_list",
            Self::Empty => "buckets_empty",
            Self::InvalidEntry { .. } => "buckets_invalid_entry",
            Self::InvalidName { .. } => "buckets_invalid_name",
            Self::InvalidRegion { .. } => "buckets_invalid_region",
            Self::InvalidEndpoint { .. } => "buckets_invalid_endpoint",
            Self::Duplicate { .. } => "buckets_duplicate",
        }
    }
}

impl core::fmt::Display for BucketsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const SHAPE: &str = r#"[{"name":"examplebucket","region":"cn-hangzhou","endpoint":"https://…","versioned":false}]"#;
        match self {
            Self::NotAList { reason } => {
                write!(f, "BUCKETS must be a JSON array such as {SHAPE}: {reason}")
            }
            Self::Empty => write!(
                f,
                "BUCKETS lists no bucket, so no upload could be confirmed; list the upload bucket, e.g. {SHAPE}"
            ),
            Self::InvalidEntry { entry, reason } => write!(
                f,
                "BUCKETS entry {entry}: {reason} (members: name, region, endpoint?, versioned?)"
            ),
            Self::InvalidName { entry, name } => write!(
                f,
                "BUCKETS entry {entry}: {name:?} is not a bucket name (3 to 63 lower-case letters, digits and '-')"
            ),
            Self::InvalidRegion { bucket, error } => {
                write!(f, "BUCKETS entry {bucket:?}: region: {error}")
            }
            Self::InvalidEndpoint { bucket, error } => {
                write!(f, "BUCKETS entry {bucket:?}: endpoint: {error}")
            }
            Self::Duplicate { bucket } => write!(
                f,
                "BUCKETS names bucket {bucket:?} twice; keep one entry per bucket"
            ),
        }
    }
}

impl std::error::Error for BucketsError {}

/// Whether OSS would accept `name` as a bucket name, by the rule the signer applies to
/// `OSS_BUCKET`: 3 to 63 lower-case ASCII letters, digits and `-`.
pub fn is_valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One entry's members, read by hand from the JSON object: serde's derived `Deserialize`
/// would add its type-mismatch messages (with float formatting, ~8 KB gzip) to the Worker.
struct RawBucket {
    name: String,
    region: String,
    endpoint: Option<String>,
    versioned: bool,
}

impl RawBucket {
    fn read(entry: usize, value: Value) -> Result<Self, BucketsError> {
        let invalid = |reason: String| BucketsError::InvalidEntry { entry, reason };
        let Value::Object(members) = value else {
            return Err(invalid("the entry is not a JSON object".into()));
        };
        if let Some(unknown) = members
            .keys()
            .find(|k| !matches!(k.as_str(), "name" | "region" | "endpoint" | "versioned"))
        {
            return Err(invalid(format!(
                "unknown member `{unknown}`, expected one of `name`, `region`, `endpoint`, `versioned`"
            )));
        }
        let text =
            |members: &Map<String, Value>, name: &str| -> Result<Option<String>, BucketsError> {
                match members.get(name) {
                    None => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(invalid(format!("member `{name}` must be a string"))),
                }
            };
        let required = |name: &str| {
            text(&members, name)?.ok_or_else(|| invalid(format!("missing member `{name}`")))
        };
        Ok(Self {
            name: required("name")?,
            region: required("region")?,
            endpoint: text(&members, "endpoint")?,
            versioned: match members.get("versioned") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(invalid("member `versioned` must be true or false".into())),
            },
        })
    }
}

impl Buckets {
    /// Parses the `BUCKETS` JSON (member table in the [module docs](self)).
    pub fn parse_json(text: &str) -> Result<Self, BucketsError> {
        let value: Value = serde_json::from_str(text).map_err(|e| BucketsError::NotAList {
            reason: e.to_string(),
        })?;
        let Value::Array(entries) = value else {
            return Err(BucketsError::NotAList {
                reason: "the value is not an array".into(),
            });
        };
        if entries.is_empty() {
            return Err(BucketsError::Empty);
        }
        let mut targets: Vec<BucketTarget> = Vec::with_capacity(entries.len());
        for (entry, raw) in entries.into_iter().enumerate() {
            let raw = RawBucket::read(entry, raw)?;
            if !is_valid_bucket_name(&raw.name) {
                return Err(BucketsError::InvalidName {
                    entry,
                    name: raw.name,
                });
            }
            let region =
                Region::parse(&raw.region).map_err(|error| BucketsError::InvalidRegion {
                    bucket: raw.name.clone(),
                    error,
                })?;
            let endpoint = match raw.endpoint.as_deref() {
                None => Endpoint::aliyun(&region),
                Some(url) => {
                    Endpoint::parse(url).map_err(|error| BucketsError::InvalidEndpoint {
                        bucket: raw.name.clone(),
                        error,
                    })?
                }
            };
            if targets.iter().any(|t| t.name == raw.name) {
                return Err(BucketsError::Duplicate { bucket: raw.name });
            }
            targets.push(BucketTarget {
                name: raw.name,
                region,
                endpoint,
                versioned: raw.versioned,
            });
        }
        Ok(Self { targets })
    }

    /// The bucket named exactly `name`.
    pub fn get(&self, name: &str) -> Option<&BucketTarget> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The bucket named exactly `name`, or [`ConfirmError::BucketNotConfigured`]: a callback
    /// for a bucket that is not ours is refused before any request is made.
    pub fn target(&self, name: &str) -> Result<&BucketTarget, ConfirmError> {
        self.get(name)
            .ok_or_else(|| ConfirmError::BucketNotConfigured {
                bucket: name.to_owned(),
            })
    }

    /// The configured buckets, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &BucketTarget> {
        self.targets.iter()
    }

    /// How many buckets are configured.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True when none is configured (never after [`Buckets::parse_json`]).
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn defaults_and_explicit_endpoints() {
        let buckets = Buckets::parse_json(
            r#"[{"name":"examplebucket","region":"cn-hangzhou"},
                {"name":"media-01","region":"oss-cn-shanghai","endpoint":"https://img.example.com","versioned":true},
                {"name":"oss-edge-dev","region":"cn-hangzhou","endpoint":"http://127.0.0.1:9000"}]"#,
        )
        .unwrap();
        assert_eq!(buckets.len(), 3);
        let first = buckets.get("examplebucket").unwrap();
        assert_eq!(first.region.as_str(), "cn-hangzhou");
        assert_eq!(
            first.endpoint.object_url("examplebucket", "a b"),
            "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a%20b"
        );
        assert!(!first.versioned);
        let media = buckets.get("media-01").unwrap();
        assert_eq!(media.region.as_str(), "cn-shanghai");
        assert!(media.versioned);
        assert_eq!(
            media.endpoint.object_url("media-01", "k"),
            "https://img.example.com/k"
        );
        let local = buckets.get("oss-edge-dev").unwrap();
        assert_eq!(
            local.endpoint.object_url("oss-edge-dev", "k"),
            "http://127.0.0.1:9000/oss-edge-dev/k"
        );
        assert_eq!(buckets.get("EXAMPLEBUCKET"), None, "names match exactly");
        assert_eq!(
            buckets.target("other").unwrap_err(),
            ConfirmError::BucketNotConfigured {
                bucket: "other".into()
            }
        );
    }

    #[test]
    fn every_mistake_is_named() {
        let cases: [(&str, &str, &str); 11] = [
            ("", "buckets_not_a_list", "JSON array"),
            (r#"{"name":"b"}"#, "buckets_not_a_list", "not an array"),
            ("[]", "buckets_empty", "no bucket"),
            (r#"["b"]"#, "buckets_invalid_entry", "entry 0"),
            (
                r#"[{"name":"bkt","region":"cn-hangzhou","versoned":true}]"#,
                "buckets_invalid_entry",
                "versoned",
            ),
            (
                r#"[{"name":"bkt","region":"cn-hangzhou","versioned":"yes"}]"#,
                "buckets_invalid_entry",
                "entry 0",
            ),
            (r#"[{"name":"bkt"}]"#, "buckets_invalid_entry", "region"),
            (
                r#"[{"name":"bkt","region":"cn-hangzhou"},{"name":"My_Bucket","region":"cn-hangzhou"}]"#,
                "buckets_invalid_name",
                "entry 1",
            ),
            (
                r#"[{"name":"bkt","region":"oss-cn-hangzhou.aliyuncs.com"}]"#,
                "buckets_invalid_region",
                "\"bkt\"",
            ),
            (
                r#"[{"name":"bkt","region":"cn-hangzhou","endpoint":"oss-cn-hangzhou.aliyuncs.com"}]"#,
                "buckets_invalid_endpoint",
                "https://",
            ),
            (
                r#"[{"name":"bkt","region":"cn-hangzhou"},{"name":"bkt","region":"cn-beijing"}]"#,
                "buckets_duplicate",
                "twice",
            ),
        ];
        for (text, code, words) in cases {
            let error = Buckets::parse_json(text).unwrap_err();
            assert_eq!(error.code(), code, "{text}");
            assert!(error.to_string().contains(words), "{text}: {error}");
        }
        assert!(!is_valid_bucket_name("ab"));
        assert!(!is_valid_bucket_name(&"a".repeat(64)));
        assert!(is_valid_bucket_name(&"a".repeat(63)));
    }
}
