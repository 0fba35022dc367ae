//! OSS's error responses: a status and an XML body with `Code`, `Message`, `RequestId`,
//! `HostId` and, for some codes, extra elements (`ArgumentName`, `EC`, …).
//!
//! Each constructor names one OSS error code with the status and wording OSS uses; the message
//! adds what the core found (the failed policy condition, the callback parameter problem), so a
//! developer can act on it.

use crate::xml;

/// An OSS error, turned into an XML response by [`OssError::to_xml`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OssError {
    /// HTTP status.
    pub status: u16,
    /// The OSS error code, e.g. `SignatureDoesNotMatch`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Extra elements after `HostId`, in order.
    pub extra: Vec<(&'static str, String)>,
}

impl OssError {
    /// An error with no extra elements.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// Adds an extra element.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// 403 `AccessDenied`.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDenied", message)
    }

    /// 403 `SignatureDoesNotMatch`.
    pub fn signature_mismatch(detail: impl core::fmt::Display) -> Self {
        Self::new(
            403,
            "SignatureDoesNotMatch",
            format!(
                "The request signature we calculated does not match the signature you provided. \
                 Check your key and signing method. ({detail})"
            ),
        )
    }

    /// 403 `InvalidAccessKeyId`.
    pub fn invalid_access_key(id: &str) -> Self {
        Self::new(
            403,
            "InvalidAccessKeyId",
            "The OSS Access Key Id you provided does not exist in our records.",
        )
        .with("OSSAccessKeyId", id)
    }

    /// 400 `InvalidArgument`.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    /// 400 `EntityTooLarge`.
    pub fn entity_too_large(message: impl Into<String>) -> Self {
        Self::new(400, "EntityTooLarge", message)
    }

    /// 400 `EntityTooSmall`.
    pub fn entity_too_small(message: impl Into<String>) -> Self {
        Self::new(400, "EntityTooSmall", message)
    }

    /// 404 `NoSuchBucket` (EC 0015-00000101).
    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new(404, "NoSuchBucket", "The specified bucket does not exist.")
            .with("BucketName", bucket)
            .with("EC", "0015-00000101")
    }

    /// 404 `NoSuchKey` (EC 0026-00000001).
    pub fn no_such_key(key: &str) -> Self {
        Self::new(404, "NoSuchKey", "The specified key does not exist.")
            .with("Key", key)
            .with("EC", "0026-00000001")
    }

    /// The `EC` element, when the error has one (also sent as the `x-oss-ec` header).
    pub fn ec(&self) -> Option<&str> {
        self.extra
            .iter()
            .find(|(name, _)| *name == "EC")
            .map(|(_, value)| value.as_str())
    }

    /// 404 `NoSuchUpload`.
    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            404,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
        .with("UploadId", upload_id)
    }

    /// 400 `InvalidPart`.
    pub fn invalid_part(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidPart", message)
    }

    /// 405 `MethodNotAllowed`.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )
        .with("Method", method)
    }

    /// 501 `NotImplemented`: an OSS operation oss-sim does not implement.
    pub fn not_implemented(what: &str) -> Self {
        Self::new(
            501,
            "NotImplemented",
            format!("oss-sim does not implement {what} (see docs/oss-sim.md)"),
        )
    }

    /// 500 `InternalError` (the sim's own IO failure).
    pub fn internal(detail: impl core::fmt::Display) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("We encountered an internal error. Please try again. ({detail})"),
        )
    }

    /// The XML body for request `request_id` served from `host_id`.
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut children: Vec<(&str, &str)> = vec![
            ("Code", self.code),
            ("Message", &self.message),
            ("RequestId", request_id),
            ("HostId", host_id),
        ];
        children.extend(self.extra.iter().map(|(n, v)| (*n, v.as_str())));
        xml::document("Error", &children)
    }
}

impl core::fmt::Display for OssError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for OssError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_shape() {
        let xml = OssError::invalid_argument("bad <x>")
            .with("ArgumentName", "callback")
            .to_xml("ABC", "bucket.localhost");
        assert!(xml.contains("<Code>InvalidArgument</Code>"));
        assert!(xml.contains("<Message>bad &lt;x&gt;</Message>"));
        assert!(xml.contains("<RequestId>ABC</RequestId>"));
        assert!(xml.contains("<HostId>bucket.localhost</HostId>"));
        assert!(xml.contains("<ArgumentName>callback</ArgumentName>"));
    }
}
