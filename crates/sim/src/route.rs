//! From a request target (and `Host`) to a bucket, an object key and an OSS operation.
//!
//! Path style: `/{bucket}/{key}`; virtual-host style when `Host` is `{bucket}.localhost[:port]`:
//! `/{key}`. The sim's own endpoints live under `/oss-sim/` (path style only).

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
            Operation::HeadObject => "HeadObject",
            Operation::DeleteObject => "DeleteObject",
            Operation::InitiateMultipartUpload => "InitiateMultipartUpload",
            Operation::UploadPart => "UploadPart",
            Operation::CompleteMultipartUpload => "CompleteMultipartUpload",
            Operation::AbortMultipartUpload => "AbortMultipartUpload",
        }
    }
}

/// The bucket named by a virtual-host `Host` (`{bucket}.localhost[:port]`).
fn virtual_host_bucket(host: Option<&str>) -> Option<&str> {
    let host = host?;
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    name.strip_suffix(".localhost").filter(|b| !b.is_empty())
}

/// A sim endpoint (not a bucket), when `raw_path` names one.
pub fn sim_endpoint(method: &str, raw_path: &str, host: Option<&str>) -> Option<Operation> {
    if virtual_host_bucket(host).is_some() {
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

/// Splits the target into bucket, object path and query.
pub fn parse_target(raw_target: &str, host: Option<&str>) -> Result<Target, OssError> {
    let (raw_path, raw_query) = raw_target.split_once('?').unwrap_or((raw_target, ""));
    let (bucket, raw_object_path) = match virtual_host_bucket(host) {
        Some(bucket) => (bucket.to_owned(), raw_path.to_owned()),
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
        ("GET" | "HEAD", false) => {
            return Err(OssError::not_implemented(
                "bucket operations (ListObjects, …)",
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
        let t = parse_target("/b/dir/a%20b.txt?uploadId=X&partNumber=2", None).unwrap();
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

        let v = parse_target("/k.png", Some("bkt.localhost:9000")).unwrap();
        assert_eq!((v.bucket.as_str(), v.key.as_str()), ("bkt", "k.png"));
        let root = parse_target("/bkt", None).unwrap();
        assert_eq!(select("POST", &root).unwrap(), Operation::PostObject);
        assert_eq!(select("PATCH", &v).unwrap_err().code, "MethodNotAllowed");
        assert!(parse_target("/", None).is_err());
    }

    #[test]
    fn sim_endpoints() {
        assert_eq!(
            sim_endpoint("GET", PUB_KEY_PATH, Some("127.0.0.1:9000")),
            Some(Operation::PublicKey)
        );
        assert_eq!(
            sim_endpoint("GET", PUB_KEY_PATH, Some("b.localhost:9000")),
            None
        );
        assert!(is_reserved("/oss-sim/x"));
        assert!(!is_reserved("/bucket/oss-sim"));
    }
}
