//! The AccessKey pair (optionally an STS token) that signs requests (spec §5.3, §5.4, §6).

/// An AccessKey id and secret, plus the STS security token when the pair is temporary.
///
/// With a token, V4 requests carry `x-oss-security-token` and V1 presigned URLs carry
/// `security-token` (spec §6.1, §6.2); PostObject forms carry `x-oss-security-token` (spec §5.3).
/// `Debug` never prints the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The AccessKey id (or STS AccessKey id), sent in clear in credentials and URLs.
    pub access_key_id: String,
    /// The AccessKey secret: the HMAC key material. Never sent, never printed.
    pub access_key_secret: String,
    /// The STS security token, for temporary credentials.
    pub security_token: Option<String>,
}

impl Credentials {
    /// Whether a request's security token (`sent`) is the one these credentials carry: both
    /// absent, or both present and equal (compared in constant time). A verifier refuses a
    /// token it was not given as much as a missing one.
    pub fn security_token_matches(&self, sent: Option<&str>) -> bool {
        match (&self.security_token, sent) {
            (None, None) => true,
            (Some(expected), Some(sent)) => {
                super::crypto::constant_time_eq(expected.as_bytes(), sent.as_bytes())
            }
            _ => false,
        }
    }

    /// Long-term credentials without an STS token.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// The same credentials with an STS security token (spec §5.3, §6).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret_and_token() {
        let creds = Credentials::new("AKID", "very-secret").with_security_token("sts-token");
        let shown = format!("{creds:?}");
        assert!(shown.contains("AKID"));
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("sts-token"));
    }

    #[test]
    fn a_security_token_matches_only_itself_and_absence_only_absence() {
        let plain = Credentials::new("AKID", "secret");
        assert!(plain.security_token_matches(None));
        assert!(!plain.security_token_matches(Some("sts-token")));
        let sts = Credentials::new("AKID", "secret").with_security_token("sts-token");
        assert!(sts.security_token_matches(Some("sts-token")));
        assert!(!sts.security_token_matches(Some("sts-tokeN")));
        assert!(!sts.security_token_matches(Some("sts-token-longer")));
        assert!(!sts.security_token_matches(None));
    }
}
