//! Why an upload could not be confirmed: from the configuration (a bucket not in `BUCKETS`),
//! from OSS's answer ([`super::judge`]) or from the adapter (no answer at all).

/// Why an upload could not be confirmed. Each variant says who must act.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfirmError {
    /// The callback names a bucket that is not in `BUCKETS`: refused without a request.
    BucketNotConfigured {
        /// The bucket named.
        bucket: String,
    },
    /// The bucket holds no object under the key.
    NotFound {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// The object exists but differs from what the callback claimed.
    Mismatch {
        /// `size`, `etag` or `content_type`.
        field: &'static str,
        /// The claimed value.
        claimed: String,
        /// The bucket's value.
        actual: String,
    },
    /// OSS refused our request: the confirmation credentials or their RAM policy.
    Denied {
        /// 401 or 403 (or 404 for a listing of a bucket that does not exist).
        status: u16,
        /// OSS's error code (`x-oss-ec` header, or `<Code>` of an error body), when given.
        code: Option<String>,
    },
    /// OSS could not answer now (or the request did not complete): retry.
    Transient {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What happened.
        reason: String,
    },
    /// The answer cannot be read as OSS's: a header or body is missing or malformed, or the
    /// status is not one OSS gives.
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl ConfirmError {
    /// A failure to get any answer (network error, timeout), reported by the adapter.
    pub fn unreachable(reason: impl Into<String>) -> Self {
        Self::Transient {
            status: None,
            reason: reason.into(),
        }
    }

    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BucketNotConfigured { .. } => "bucket_not_configured",
            Self::NotFound { .. } => "object_not_found",
            Self::Mismatch { .. } => "object_mismatch",
            Self::Denied { .. } => "confirmation_denied",
            Self::Transient { .. } => "confirmation_unavailable",
            Self::Malformed { .. } => "confirmation_malformed",
        }
    }

    /// The HTTP status to answer with: 4xx when the request names something that is not so,
    /// 5xx when the fault is ours or OSS's (OSS then reports `CallbackFailed` to the client
    /// and the object stays stored for recovery).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::BucketNotConfigured { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::Mismatch { .. } => 409,
            Self::Denied { .. } | Self::Malformed { .. } => 502,
            Self::Transient { .. } => 503,
        }
    }

    /// Whether retrying the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}

impl core::fmt::Display for ConfirmError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BucketNotConfigured { bucket } => write!(
                f,
                "bucket {bucket:?} is not configured (BUCKETS): uploads to other buckets are not confirmed"
            ),
            Self::NotFound { bucket, key } => write!(
                f,
                "bucket {bucket:?} holds no object {key:?}: nothing was stored, so there is no upload event"
            ),
            Self::Mismatch {
                field,
                claimed,
                actual,
            } => write!(
                f,
                "the callback claims {field} {claimed:?} but the bucket says {actual:?}: the claim is not the stored object"
            ),
            Self::Denied { status, code } => {
                write!(f, "OSS refused the confirmation request (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", {code}")?;
                }
                f.write_str(
                    "): check the confirmation credentials and that their RAM policy allows oss:GetObject \
                     (HeadObject) and oss:ListObjects on the upload prefix, and that the bucket exists in the configured region",
                )
            }
            Self::Transient { status, reason } => {
                write!(f, "the bucket could not confirm the upload now (")?;
                if let Some(status) = status {
                    write!(f, "HTTP {status}: ")?;
                }
                write!(f, "{reason}); retry later")
            }
            Self::Malformed { reason } => write!(
                f,
                "the bucket's answer cannot be read: {reason} (is the endpoint an OSS endpoint?)"
            ),
        }
    }
}

impl std::error::Error for ConfirmError {}
