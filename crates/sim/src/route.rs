//! From a request target (and `Host`) to a bucket, an object key and an OSS operation.
//!
//! Virtual-host style, `/{key}` with the bucket in `Host`, as OSS and the SDKs address buckets:
//! - `{bucket}.oss-{region}[-internal].aliyuncs.com` and any other `{bucket}.{…}.aliyuncs.com`
//!   with at least four labels (the SDKs' default endpoints, also when pointed at the sim);
//! - `{bucket}.localhost[:port]`;
//! - any other host whose first label is a bucket the sim serves (`{bucket}.oss.test`, a
//!   CNAME-like local name).
//!
//! Otherwise path style, `/{bucket}/{key}` (an IP address, `localhost`, a bare endpoint). The
//! port never matters. The sim's own endpoints live under `/oss-sim/` (path style only).

use oss_edge_core::sign::presign::verify::split_path_style;
use oss_edge_core::sign::query::{decode_component, parse_query};

use crate::config::{PUB_KEY_PATH, RESERVED_SEGMENT};
use crate::error::OssError;

/// Health check path (answers `{"status":"ok"}`).
pub const HEALTH_PATH: &str = "/oss-sim/health";

/// The addressed resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The bucket.
    pub bucket: String,
    /// The object path as received, percent-encoded, starting with `/` (`/` for the bucket).
    pub raw_object_path: String,
    /// The decoded object key (empty for the bucket itself).
    pub key: String,
    /// The query as received, without `?`.
    pub raw_query: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
}

impl Target {
    /// The decoded value of query parameter `name`, if present.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether query parameter `name` is present.
    pub fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }
}

/// What a request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `GET /oss-sim/callback_pub_key.pem`.
    PublicKey,
    /// `GET /oss-sim/health`.
    Health,
    /// CORS preflight.
    Preflight,
    /// `POST /{bucket}` with a form.
    PostObject,
    /// `PUT /{bucket}/{key}`.
    PutObject,
    /// `GET`.
    GetObject,
    /// `GET /{bucket}/?list-type=2`.
    ListObjectsV2,
    /// `HEAD`.
    HeadObject,
    /// `DELETE` without `uploadId`.
    DeleteObject,
    /// `POST ?uploads`.
    InitiateMultipartUpload,
    /// `PUT ?partNumber&uploadId`.
    UploadPart,
    /// `POST ?uploadId`.
    CompleteMultipartUpload,
    /// `DELETE ?uploadId`.
    AbortMultipartUpload,
}

impl Operation {
    /// The OSS API name.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::PublicKey => "GetCallbackPublicKey",
            Operation::Health => "Health",
            Operation::Preflight => "Options",
            Operation::PostObject => "PostObject",
            Operation::PutObject => "PutObject",
            Operation::GetObject => "GetObject",
            Operation::ListObjectsV2 => "ListObjectsV2",
            Operation::HeadObject => "HeadObject",
            Operation::DeleteObject => "DeleteObject",
            Operation::InitiateMultipartUpload => "InitiateMultipartUpload",
            Operation::UploadPart => "UploadPart",
            Operation::CompleteMultipartUpload => "CompleteMultipartUpload",
            Operation::AbortMultipartUpload => "AbortMultipartUpload",
        }
    }
}

/// The bucket named by a virtual-host `Host` (see the module documentation), lower-cased as
/// DNS names compare; `None` for path style.
pub fn virtual_host_bucket(host: Option<&str>, served: &[String]) -> Option<String> {
    let host = host?.trim().trim_end_matches('.');
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.to_ascii_lowercase();
    if name.starts_with('[') || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let (first, rest) = labels.split_first()?;
    if first.is_empty() || rest.is_empty() {
        return None;
    }
    let oss_style =
        (name.ends_with(".aliyuncs.com") && labels.len() >= 4) || (rest == ["localhost"]);
    (oss_style || served.iter().any(|b| b == first)).then(|| (*first).to_owned())
}

/// A sim endpoint (not a bucket), when `raw_path` names one.
pub fn sim_endpoint(
    method: &str,
    raw_path: &str,
    host: Option<&str>,
    served: &[String],
) -> Option<Operation> {
    if virtual_host_bucket(host, served).is_some() {
        return None;
    }
    match (method, raw_path) {
        ("GET" | "HEAD", PUB_KEY_PATH) => Some(Operation::PublicKey),
        ("GET" | "HEAD", HEALTH_PATH) => Some(Operation::Health),
        _ => None,
    }
}

/// Whether the path is under the sim's reserved prefix.
pub fn is_reserved(raw_path: &str) -> bool {
    split_path_style(raw_path).is_some_and(|(first, _)| first == RESERVED_SEGMENT)
}

/// Splits the target into bucket, object path and query; `served` are the sim's buckets (for
/// virtual hosts under any domain).
pub fn parse_target(
    raw_target: &str,
    host: Option<&str>,
    served: &[String],
) -> Result<Target, OssError> {
    let (raw_path, raw_query) = raw_target.split_once('?').unwrap_or((raw_target, ""));
    let (bucket, raw_object_path) = match virtual_host_bucket(host, served) {
        Some(bucket) => (bucket, raw_path.to_owned()),
        None => {
            let (bucket, rest) = split_path_style(raw_path).ok_or_else(|| {
                OssError::new(
                    400,
                    "InvalidBucketName",
                    "Path-style requests name the bucket first: /{bucket}/{key}.",
                )
            })?;
            (bucket.to_owned(), rest.to_owned())
        }
    };
    let bad_encoding = |e: oss_edge_core::sign::query::InvalidQuery| {
        OssError::invalid_argument(format!("the request target is not valid: {e}"))
    };
    let decoded = decode_component(&raw_object_path).map_err(bad_encoding)?;
    let key = decoded.strip_prefix('/').unwrap_or(&decoded).to_owned();
    let query = parse_query(raw_query).map_err(bad_encoding)?;
    Ok(Target {
        bucket,
        raw_object_path,
        key,
        raw_query: raw_query.to_owned(),
        query,
    })
}

/// Selects the operation for `method` on `target`.
pub fn select(method: &str, target: &Target) -> Result<Operation, OssError> {
    let has_key = !target.key.is_empty();
    let op = match (method, has_key) {
        ("OPTIONS", _) => Operation::Preflight,
        ("POST", false) => Operation::PostObject,
        ("POST", true) if target.has_query("uploads") => Operation::InitiateMultipartUpload,
        ("POST", true) if target.has_query("uploadId") => Operation::CompleteMultipartUpload,
        ("POST", true) if target.has_query("append") => {
            return Err(OssError::not_implemented("AppendObject"));
        }
        ("PUT", true) if target.has_query("uploadId") || target.has_query("partNumber") => {
            Operation::UploadPart
        }
        ("PUT", true) => Operation::PutObject,
        ("GET", true) if target.has_query("uploadId") => {
            return Err(OssError::not_implemented("ListParts"));
        }
        ("GET", true) => Operation::GetObject,
        ("HEAD", true) => Operation::HeadObject,
        ("DELETE", true) if target.has_query("uploadId") => Operation::AbortMultipartUpload,
        ("DELETE", true) => Operation::DeleteObject,
        ("GET", false) if target.has_query("list-type") || target.query.is_empty() => {
            Operation::ListObjectsV2
        }
        ("GET" | "HEAD", false) => {
            return Err(OssError::not_implemented(
                "bucket operations other than ListObjectsV2 (GetBucketInfo, HeadBucket, …)",
            ));
        }
        _ => return Err(OssError::method_not_allowed(method)),
    };
    Ok(op)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn path_and_virtual_host_styles() {
        let served = vec!["bkt".to_owned()];
        let t = parse_target("/b/dir/a%20b.txt?uploadId=X&partNumber=2", None, &served).unwrap();
        assert_eq!(
            (
                t.bucket.as_str(),
                t.key.as_str(),
                t.raw_object_path.as_str()
            ),
            ("b", "dir/a b.txt", "/dir/a%20b.txt")
        );
        assert_eq!(t.query_value("partNumber"), Some("2"));
        assert_eq!(select("PUT", &t).unwrap(), Operation::UploadPart);

        for host in [
            "bkt.localhost:9000",
            "bkt.localhost",
            "BKT.oss-cn-hangzhou.aliyuncs.com",
            "bkt.oss-cn-hangzhou-internal.aliyuncs.com:443",
            "bkt.oss.test:9100",
        ] {
            let v = parse_target("/k.png", Some(host), &served).unwrap();
            assert_eq!(
                (v.bucket.as_str(), v.key.as_str()),
                ("bkt", "k.png"),
                "{host}"
            );
        }
        // An unknown bucket under an OSS-style domain is still that bucket (NoSuchBucket later).
        let other = parse_target("/k", Some("nope.oss-cn-hangzhou.aliyuncs.com"), &served).unwrap();
        assert_eq!(other.bucket, "nope");
        for host in [
            "127.0.0.1:9000",
            "localhost:9000",
            "oss-cn-hangzhou.aliyuncs.com",
            "files.example.com",
            "[::1]:9000",
        ] {
            let p = parse_target("/bkt/k.png", Some(host), &served).unwrap();
            assert_eq!(
                (p.bucket.as_str(), p.key.as_str()),
                ("bkt", "k.png"),
                "{host}"
            );
        }
        let v = parse_target("/k.png", Some("bkt.localhost:9000"), &served).unwrap();
        let list = parse_target("/?list-type=2&prefix=a", Some("bkt.localhost"), &served).unwrap();
        assert_eq!(select("GET", &list).unwrap(), Operation::ListObjectsV2);
        let list = parse_target("/bkt/?list-type=2", None, &served).unwrap();
        assert_eq!(select("GET", &list).unwrap(), Operation::ListObjectsV2);
        let root = parse_target("/bkt", None, &served).unwrap();
        assert_eq!(select("POST", &root).unwrap(), Operation::PostObject);
        assert_eq!(select("PATCH", &v).unwrap_err().code, "MethodNotAllowed");
        assert!(parse_target("/", None, &served).is_err());
    }

    #[test]
    fn sim_endpoints() {
        assert_eq!(
            sim_endpoint("GET", PUB_KEY_PATH, Some("127.0.0.1:9000"), &[]),
            Some(Operation::PublicKey)
        );
        assert_eq!(
            sim_endpoint("GET", PUB_KEY_PATH, Some("b.localhost:9000"), &[]),
            None
        );
        assert!(is_reserved("/oss-sim/x"));
        assert!(!is_reserved("/bucket/oss-sim"));
    }
}
