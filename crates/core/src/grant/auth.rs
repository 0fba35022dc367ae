//! Who is asking: the `Authorization: Bearer …` header turned into a [`Subject`].
//!
//! Three mechanisms, chosen by configuration ([`AuthConfig`]):
//! - **static bearer tokens**, each mapped to a subject, compared in constant time;
//! - **JWT** (HS256 / RS256, [`super::jwt`]), the subject being the `sub` claim;
//! - **none**, for local development only: every request acts as one fixed subject.
//!   [`AuthConfig::new`] refuses it unless the environment is development, so a
//!   misconfigured production signer fails closed.
//!
//! Bearer tokens and JWTs can be enabled together: a value with exactly two `.` is read as a
//! JWT, anything else as a static token.

use core::fmt;

use sha2::{Digest as _, Sha256};

use super::jwt::{JwtError, JwtStep, JwtVerifier, RsaCheck};

/// Longest subject accepted, in bytes (it becomes part of object keys).
pub const MAX_SUBJECT_LEN: usize = 128;

/// Longest `Authorization` header value looked at.
pub const MAX_AUTHORIZATION_LEN: usize = 8 * 1024 + 16;

/// An authenticated subject: the user id that goes into object keys and tickets.
///
/// 1 to [`MAX_SUBJECT_LEN`] bytes of `A-Z a-z 0-9 . _ - @ + = : |`, not starting with `.`, so
/// it is always one safe path segment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// Validates a subject (see the type docs).
    pub fn parse(text: &str) -> Result<Self, AuthError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_SUBJECT_LEN
            && !text.starts_with('.')
            && text.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'.' | b'_' | b'-' | b'@' | b'+' | b'=' | b':' | b'|')
            });
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(AuthError::BadSubject)
        }
    }

    /// The subject text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a request is not authenticated. All map to HTTP 401.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header.
    Missing,
    /// The header is not `Bearer <token>`.
    NotBearer,
    /// The static token is not one of the configured ones.
    UnknownToken,
    /// The JWT was refused.
    Jwt(JwtError),
    /// The value looks like a JWT but JWT authentication is not enabled (or vice versa).
    MechanismDisabled(&'static str),
    /// The authenticated subject cannot be used in an object key.
    BadSubject,
}

impl AuthError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_credentials",
            AuthError::NotBearer => "not_bearer",
            AuthError::UnknownToken => "invalid_token",
            AuthError::Jwt(e) => e.code(),
            AuthError::MechanismDisabled(_) => "auth_mechanism_disabled",
            AuthError::BadSubject => "invalid_subject",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Missing => {
                f.write_str("send an Authorization: Bearer <token> header to get upload grants")
            }
            AuthError::NotBearer => {
                f.write_str("the Authorization header must be `Bearer <token>`")
            }
            AuthError::UnknownToken => f.write_str("the bearer token is not valid"),
            AuthError::Jwt(e) => write!(f, "{e}"),
            AuthError::MechanismDisabled(what) => {
                write!(f, "{what} authentication is not enabled on this signer")
            }
            AuthError::BadSubject => write!(
                f,
                "the subject must be 1 to {MAX_SUBJECT_LEN} characters of A-Z a-z 0-9 . _ - @ + = : | \
                 and not start with '.'"
            ),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<JwtError> for AuthError {
    fn from(e: JwtError) -> Self {
        AuthError::Jwt(e)
    }
}

/// Why an authentication configuration is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthConfigError {
    /// `none` outside local development.
    NoneOutsideDevelopment,
    /// No mechanism enabled.
    NothingEnabled,
    /// An unknown mechanism name.
    UnknownMechanism(String),
    /// Bearer tokens enabled but none configured, or an entry is malformed.
    BadTokenList(&'static str),
    /// A static token shorter than [`MIN_STATIC_TOKEN_LEN`] outside development.
    WeakToken,
    /// JWT enabled but no key configured.
    NoJwtKeys,
    /// A configured subject is unusable.
    BadSubject(String),
}

/// Shortest static token accepted outside development.
pub const MIN_STATIC_TOKEN_LEN: usize = 24;

impl fmt::Display for AuthConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthConfigError::NoneOutsideDevelopment => f.write_str(
                "AUTH_MODE=none is only allowed in local development (OSS_EDGE_ENV=local); \
                 configure bearer tokens or JWT keys",
            ),
            AuthConfigError::NothingEnabled => {
                f.write_str("AUTH_MODE is empty; use bearer, jwt, bearer,jwt or (development) none")
            }
            AuthConfigError::UnknownMechanism(m) => write!(
                f,
                "AUTH_MODE entry {m:?} is unknown; use bearer, jwt or (development) none"
            ),
            AuthConfigError::BadTokenList(why) => write!(f, "AUTH_BEARER_TOKENS: {why}"),
            AuthConfigError::WeakToken => write!(
                f,
                "AUTH_BEARER_TOKENS: tokens must have at least {MIN_STATIC_TOKEN_LEN} characters \
                 outside local development"
            ),
            AuthConfigError::NoJwtKeys => f.write_str(
                "AUTH_MODE includes jwt but neither JWT_HS256_SECRETS nor JWT_RS256_PUBLIC_KEYS \
                 is set",
            ),
            AuthConfigError::BadSubject(s) => {
                write!(f, "configured subject {s:?} is not a usable subject")
            }
        }
    }
}

impl std::error::Error for AuthConfigError {}

/// A static token and the subject it authenticates. The token is kept as its SHA-256, so
/// comparisons take the same time whatever the token's length.
#[derive(Clone)]
struct StaticToken {
    digest: [u8; 32],
    subject: Subject,
}

/// How requests are authenticated.
#[derive(Clone)]
pub struct AuthConfig {
    tokens: Vec<StaticToken>,
    jwt: Option<JwtVerifier>,
    anonymous: Option<Subject>,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("static_tokens", &self.tokens.len())
            .field("jwt", &self.jwt)
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

/// The mechanisms an [`AuthConfig`] is built from.
#[derive(Clone, Debug, Default)]
pub struct AuthSettings<'a> {
    /// `AUTH_MODE`: comma-separated `bearer`, `jwt`, or `none`.
    pub mode: &'a str,
    /// `AUTH_BEARER_TOKENS`: `subject:token` entries separated by `,`.
    pub bearer_tokens: Option<&'a str>,
    /// The JWT verifier with its keys (required when `jwt` is enabled).
    pub jwt: Option<JwtVerifier>,
    /// Whether this is local development (allows `none` and short tokens).
    pub development: bool,
    /// The subject used by `none`.
    pub dev_subject: &'a str,
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl AuthConfig {
    /// Validates the settings (see [`AuthConfigError`] for what is refused).
    pub fn new(settings: AuthSettings<'_>) -> Result<Self, AuthConfigError> {
        let mut config = AuthConfig {
            tokens: Vec::new(),
            jwt: None,
            anonymous: None,
        };
        let mut any = false;
        for mechanism in settings
            .mode
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            any = true;
            match mechanism {
                "none" => {
                    if !settings.development {
                        return Err(AuthConfigError::NoneOutsideDevelopment);
                    }
                    let subject = Subject::parse(settings.dev_subject)
                        .map_err(|_| AuthConfigError::BadSubject(settings.dev_subject.into()))?;
                    config.anonymous = Some(subject);
                }
                "bearer" => {
                    let list = settings
                        .bearer_tokens
                        .filter(|t| !t.trim().is_empty())
                        .ok_or(AuthConfigError::BadTokenList(
                            "bearer is enabled but no tokens are set",
                        ))?;
                    for entry in list.split(',').map(str::trim) {
                        let (subject, token) = entry.split_once(':').ok_or(
                            AuthConfigError::BadTokenList("each entry must be subject:token"),
                        )?;
                        let subject = Subject::parse(subject)
                            .map_err(|_| AuthConfigError::BadSubject(subject.into()))?;
                        if token.is_empty() {
                            return Err(AuthConfigError::BadTokenList("a token is empty"));
                        }
                        if !settings.development && token.len() < MIN_STATIC_TOKEN_LEN {
                            return Err(AuthConfigError::WeakToken);
                        }
                        config.tokens.push(StaticToken {
                            digest: sha256(token.as_bytes()),
                            subject,
                        });
                    }
                }
                "jwt" => {
                    let jwt = settings.jwt.clone().filter(JwtVerifier::has_keys);
                    config.jwt = Some(jwt.ok_or(AuthConfigError::NoJwtKeys)?);
                }
                other => return Err(AuthConfigError::UnknownMechanism(other.to_owned())),
            }
        }
        if !any {
            return Err(AuthConfigError::NothingEnabled);
        }
        Ok(config)
    }

    /// True when requests need no credentials (development `none`).
    pub fn is_anonymous(&self) -> bool {
        self.anonymous.is_some()
    }

    /// Authenticates a request from its `Authorization` header value at `now` (RS256
    /// signatures checked in Rust).
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        now: i64,
    ) -> Result<Subject, AuthError> {
        match self.begin(authorization, now)? {
            AuthStep::Authenticated(subject) => Ok(subject),
            AuthStep::NeedsRsa(check) => {
                let subject = self.jwt_verify_rsa(check)?;
                Ok(subject)
            }
        }
    }

    fn jwt_verify_rsa(&self, check: RsaCheck<'_>) -> Result<Subject, AuthError> {
        let ok = super::jwt::rsa_signature_valid(&check);
        conclude_rsa(check, ok)
    }

    /// Authentication up to an RS256 signature: static tokens, `none` and HS256 JWTs are
    /// decided here ([`AuthStep::Authenticated`]); an RS256 JWT comes back as
    /// [`AuthStep::NeedsRsa`] for the caller to verify (the signer Worker uses WebCrypto)
    /// and finish with [`conclude_rsa`]. Every claim check stays in the core.
    pub fn begin(&self, authorization: Option<&str>, now: i64) -> Result<AuthStep<'_>, AuthError> {
        let Some(header) = authorization else {
            return self
                .anonymous
                .clone()
                .map(AuthStep::Authenticated)
                .ok_or(AuthError::Missing);
        };
        if header.len() > MAX_AUTHORIZATION_LEN {
            return Err(AuthError::NotBearer);
        }
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(AuthError::NotBearer),
        };
        if token.is_empty() {
            return Err(AuthError::NotBearer);
        }
        if token.bytes().filter(|&b| b == b'.').count() == 2 {
            let jwt = self
                .jwt
                .as_ref()
                .ok_or(AuthError::MechanismDisabled("JWT"))?;
            return match jwt.begin(token, now)? {
                JwtStep::Verified(subject) => Subject::parse(&subject).map(AuthStep::Authenticated),
                JwtStep::NeedsRsa(check) => Ok(AuthStep::NeedsRsa(check)),
            };
        }
        if self.tokens.is_empty() {
            return Err(AuthError::MechanismDisabled("static bearer token"));
        }
        let presented = sha256(token.as_bytes());
        // Look at every configured token, without an early exit.
        let mut found: Option<&Subject> = None;
        for entry in &self.tokens {
            let diff = entry
                .digest
                .iter()
                .zip(&presented)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 && found.is_none() {
                found = Some(&entry.subject);
            }
        }
        found
            .cloned()
            .map(AuthStep::Authenticated)
            .ok_or(AuthError::UnknownToken)
    }
}

/// Where [`AuthConfig::begin`] got to.
#[derive(Debug)]
pub enum AuthStep<'a> {
    /// Authenticated.
    Authenticated(Subject),
    /// An RS256 JWT whose signature the caller must verify, then pass to [`conclude_rsa`].
    NeedsRsa(RsaCheck<'a>),
}

/// Finishes an RS256 authentication: `signature_valid` says whether one of the check's keys
/// verified its signature; then the claims are checked and `sub` becomes the [`Subject`].
pub fn conclude_rsa(check: RsaCheck<'_>, signature_valid: bool) -> Result<Subject, AuthError> {
    let subject = check.conclude(signature_valid)?;
    Subject::parse(&subject)
}
