//! The signer's configuration, validated once: every textual setting (Worker variables and
//! secrets) goes in as a [`RawConfig`], a [`SignerConfig`] or a [`ConfigError`] naming the
//! variable comes out. A signer whose configuration is refused must refuse every request
//! (fail closed) with that message.

use core::fmt;

use super::auth::{AuthConfig, AuthConfigError, AuthSettings};
use super::jwt::{JwtKeyError, JwtVerifier};
use super::key::{DEFAULT_KEY_TEMPLATE, KeyTemplate, TemplateError};
use super::limits::{
    DEFAULT_CONTENT_TYPES, DEFAULT_MAX_SIZE, DEFAULT_MAX_TTL_SECONDS, DEFAULT_TTL_SECONDS, Limits,
    LimitsConfigError,
};
use crate::callback::params::CallbackUrl;
use crate::sign::{Credentials, Endpoint, Region, SignatureVersion};
use crate::ticket::{TicketKey, TicketKeyring};

/// Default multipart part size, bytes (8 MiB).
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// Smallest part OSS accepts (except the last one), bytes.
pub const MIN_PART_SIZE: u64 = 100 * 1024;

/// The `OSS_EDGE_ENV` value of local development.
pub const LOCAL_ENVIRONMENT: &str = "local";

/// Subject used by `AUTH_MODE=none` in development.
pub const DEV_SUBJECT: &str = "dev";

/// The configuration as text, one field per Worker variable or secret (named in each doc).
/// `None` and empty strings both mean "not set".
#[derive(Clone, Debug, Default)]
pub struct RawConfig {
    /// `OSS_EDGE_ENV`: `local` (set only by the local-development configuration) allows
    /// `AUTH_MODE=none`, short bearer tokens and an `http://` callback URL; anything else
    /// (default `production`) does not.
    pub environment: Option<String>,
    /// `OSS_BUCKET` (required).
    pub bucket: Option<String>,
    /// `OSS_REGION` (required), e.g. `cn-hangzhou`.
    pub region: Option<String>,
    /// `OSS_ENDPOINT`: default `https://oss-<region>.aliyuncs.com`; an IP or `localhost` host
    /// means a path-style local stand-in.
    pub endpoint: Option<String>,
    /// `OSS_SIGNATURE_VERSION`: `v4` (default) or `v1` (legacy, explicit opt-in).
    pub signature_version: Option<String>,
    /// `OSS_ACCESS_KEY_ID` (secret, required).
    pub access_key_id: Option<String>,
    /// `OSS_ACCESS_KEY_SECRET` (secret, required).
    pub access_key_secret: Option<String>,
    /// `OSS_SESSION_TOKEN` (secret, optional STS token).
    pub session_token: Option<String>,
    /// `CALLBACK_URL` (required): the callback Worker's URL.
    pub callback_url: Option<String>,
    /// `TICKET_KEYS` (secret, required): `kid:secret,…`; the first key mints.
    pub ticket_keys: Option<String>,
    /// `AUTH_MODE`: `bearer` (default), `jwt`, `bearer,jwt` or (development only) `none`.
    pub auth_mode: Option<String>,
    /// `AUTH_BEARER_TOKENS` (secret): `subject:token,…`.
    pub bearer_tokens: Option<String>,
    /// `JWT_HS256_SECRETS` (secret): `kid:secret,…`.
    pub jwt_hs256_secrets: Option<String>,
    /// `JWT_RS256_PUBLIC_KEYS`: one or more PEM public keys, concatenated.
    pub jwt_rs256_public_keys: Option<String>,
    /// `JWT_ISSUER`: required `iss`, when set.
    pub jwt_issuer: Option<String>,
    /// `JWT_AUDIENCE`: required `aud`, when set.
    pub jwt_audience: Option<String>,
    /// `JWT_LEEWAY_SECONDS`: clock skew for `exp`/`nbf` (default 60).
    pub jwt_leeway_seconds: Option<String>,
    /// `JWT_MAX_LIFETIME_SECONDS`: longest accepted token lifetime, `exp` − `iat` (default
    /// 86400).
    pub jwt_max_lifetime_seconds: Option<String>,
    /// `MAX_UPLOAD_BYTES` (default 10485760).
    pub max_upload_bytes: Option<String>,
    /// `ALLOWED_CONTENT_TYPES` (default `image/jpeg,image/png,image/gif,image/webp`).
    pub allowed_content_types: Option<String>,
    /// `GRANT_TTL_SECONDS` (default 300).
    pub grant_ttl_seconds: Option<String>,
    /// `GRANT_MAX_TTL_SECONDS` (default 3600).
    pub grant_max_ttl_seconds: Option<String>,
    /// `KEY_TEMPLATE` (default `uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}`).
    pub key_template: Option<String>,
    /// `MULTIPART_PART_SIZE` (default 8388608).
    pub multipart_part_size: Option<String>,
    /// `CORS_ALLOWED_ORIGINS`: `https://app.example.com,…` (default: none).
    pub cors_allowed_origins: Option<String>,
    /// `UPLOAD_ALLOWANCE_SECONDS`: how long after the grant expires its upload may still
    /// finish and be reported (ticket deadline = grant expiry + allowance; default
    /// [`default_upload_allowance`] of `MAX_UPLOAD_BYTES`).
    pub upload_allowance_seconds: Option<String>,
    /// `RECOVER_URL`: the callback Worker's recovery endpoint (default: `CALLBACK_URL`'s
    /// origin + `/v1/recover`).
    pub recover_url: Option<String>,
}

/// Smallest default upload allowance, seconds (15 minutes).
pub const MIN_DEFAULT_UPLOAD_ALLOWANCE: u64 = 900;

/// The slow link the default allowance is sized for, bytes per second (1 Mbit/s).
pub const SLOW_LINK_BYTES_PER_SECOND: u64 = 125_000;

/// Longest configurable upload allowance, seconds (7 days, the longest V4 signature).
pub const MAX_UPLOAD_ALLOWANCE: u64 = 604_800;

/// The path of the callback Worker's recovery endpoint (CONTRACTS §3).
pub const RECOVER_PATH: &str = "/v1/recover";

/// The default upload allowance for uploads of up to `max_upload_bytes`: the time the largest
/// allowed upload takes on a 1 Mbit/s link, at least [`MIN_DEFAULT_UPLOAD_ALLOWANCE`] (so 900 s
/// for the default 10 MiB; 11 930 s ≈ 3.3 h for 1.4 GiB), at most [`MAX_UPLOAD_ALLOWANCE`].
pub fn default_upload_allowance(max_upload_bytes: u64) -> u64 {
    (max_upload_bytes / SLOW_LINK_BYTES_PER_SECOND)
        .clamp(MIN_DEFAULT_UPLOAD_ALLOWANCE, MAX_UPLOAD_ALLOWANCE)
}

/// Why the configuration is refused. Every message names the variable to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is not set.
    Missing(&'static str),
    /// A variable has an unusable value.
    Invalid {
        /// The variable.
        var: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The authentication settings are refused.
    Auth(AuthConfigError),
}

impl ConfigError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Missing(_) => "config_missing",
            ConfigError::Invalid { .. } => "config_invalid",
            ConfigError::Auth(_) => "config_auth_invalid",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(var) => write!(
                f,
                "signer configuration: {var} is not set (see docs/signer.md)"
            ),
            ConfigError::Invalid { var, message } => {
                write!(f, "signer configuration: {var}: {message}")
            }
            ConfigError::Auth(e) => write!(f, "signer configuration: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

fn invalid(var: &'static str, message: impl fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        var,
        message: message.to_string(),
    }
}

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn required<'a>(value: &'a Option<String>, var: &'static str) -> Result<&'a str, ConfigError> {
    set(value).ok_or(ConfigError::Missing(var))
}

fn number(value: &Option<String>, var: &'static str, default: u64) -> Result<u64, ConfigError> {
    match set(value) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| invalid(var, format!("{text:?} is not a whole number"))),
    }
}

/// A validated signer configuration.
#[derive(Clone, Debug)]
pub struct SignerConfig {
    /// Local development (`OSS_EDGE_ENV=local`).
    pub development: bool,
    /// The bucket uploads go to.
    pub bucket: String,
    /// The V4 scope region.
    pub region: Region,
    /// Where uploads are sent.
    pub endpoint: Endpoint,
    /// V4 (default) or V1 (opt-in).
    pub version: SignatureVersion,
    /// The AccessKey (and STS token).
    pub credentials: Credentials,
    /// The callback Worker's URL, without ticket.
    pub callback_url: String,
    /// The ticket keys; the first one mints.
    pub tickets: TicketKeyring,
    /// The id of the minting key.
    pub ticket_kid: String,
    /// How requests are authenticated.
    pub auth: AuthConfig,
    /// Size, type and lifetime limits.
    pub limits: Limits,
    /// The object key template.
    pub key_template: KeyTemplate,
    /// Multipart part size, bytes.
    pub part_size: u64,
    /// Origins allowed to call the API from a browser (exact `scheme://host[:port]`).
    pub cors_origins: Vec<String>,
    /// Seconds after a grant's expiry during which its upload may still complete and its
    /// ticket still works for the callback and recovery.
    pub upload_allowance: u64,
    /// The callback Worker's recovery endpoint, without ticket.
    pub recover_url: String,
}

impl SignerConfig {
    /// Validates `raw` (see [`RawConfig`] for every variable and its default).
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let development = set(&raw.environment) == Some(LOCAL_ENVIRONMENT);
        let bucket = required(&raw.bucket, "OSS_BUCKET")?.to_owned();
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !bucket_ok {
            return Err(invalid(
                "OSS_BUCKET",
                "a bucket name has 3 to 63 lower-case letters, digits and '-'",
            ));
        }
        let region = Region::parse(required(&raw.region, "OSS_REGION")?)
            .map_err(|e| invalid("OSS_REGION", e))?;
        let endpoint = match set(&raw.endpoint) {
            None => Endpoint::aliyun(&region),
            Some(url) => Endpoint::parse(url).map_err(|e| invalid("OSS_ENDPOINT", e))?,
        };
        let version = match set(&raw.signature_version)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("v4") => SignatureVersion::V4,
            Some("v1") => SignatureVersion::V1,
            Some(other) => {
                return Err(invalid(
                    "OSS_SIGNATURE_VERSION",
                    format!("{other:?} is not v4 (default) or v1 (legacy opt-in)"),
                ));
            }
        };
        let mut credentials = Credentials::new(
            required(&raw.access_key_id, "OSS_ACCESS_KEY_ID")?,
            required(&raw.access_key_secret, "OSS_ACCESS_KEY_SECRET")?,
        );
        if let Some(token) = set(&raw.session_token) {
            credentials = credentials.with_security_token(token);
        }
        let callback_url = required(&raw.callback_url, "CALLBACK_URL")?;
        let parsed = CallbackUrl::parse(callback_url).map_err(|e| invalid("CALLBACK_URL", e))?;
        if !development && parsed.scheme() != crate::callback::params::Scheme::Https {
            return Err(invalid(
                "CALLBACK_URL",
                "must be https:// outside local development (OSS_EDGE_ENV=local); the ticket travels in it",
            ));
        }
        let tickets = TicketKeyring::parse_list(required(&raw.ticket_keys, "TICKET_KEYS")?)
            .map_err(|e| invalid("TICKET_KEYS", e))?;
        let ticket_kid = tickets
            .kids()
            .next()
            .ok_or(ConfigError::Missing("TICKET_KEYS"))?
            .to_owned();

        let auth = auth_config(raw, development)?;

        let max_size = number(&raw.max_upload_bytes, "MAX_UPLOAD_BYTES", DEFAULT_MAX_SIZE)?;
        let types = set(&raw.allowed_content_types).unwrap_or(DEFAULT_CONTENT_TYPES);
        let ttl = number(
            &raw.grant_ttl_seconds,
            "GRANT_TTL_SECONDS",
            DEFAULT_TTL_SECONDS,
        )?;
        let max_ttl = number(
            &raw.grant_max_ttl_seconds,
            "GRANT_MAX_TTL_SECONDS",
            DEFAULT_MAX_TTL_SECONDS,
        )?;
        let limits = Limits::new(max_size, types, ttl, max_ttl).map_err(|e| {
            let var = match e {
                LimitsConfigError::BadContentType(_) | LimitsConfigError::NoContentTypes => {
                    "ALLOWED_CONTENT_TYPES"
                }
                LimitsConfigError::BadMaxSize(_) => "MAX_UPLOAD_BYTES",
                _ => "GRANT_TTL_SECONDS",
            };
            invalid(var, e)
        })?;
        let key_template =
            KeyTemplate::parse(set(&raw.key_template).unwrap_or(DEFAULT_KEY_TEMPLATE))
                .map_err(|e: TemplateError| invalid("KEY_TEMPLATE", e))?;
        let part_size = number(
            &raw.multipart_part_size,
            "MULTIPART_PART_SIZE",
            DEFAULT_PART_SIZE,
        )?;
        if !(MIN_PART_SIZE..=crate::grant::limits::MAX_SINGLE_UPLOAD).contains(&part_size) {
            return Err(invalid(
                "MULTIPART_PART_SIZE",
                "must be from 102400 (100 KiB) to 5368709120 (5 GiB)",
            ));
        }
        let cors_origins = parse_origins(set(&raw.cors_allowed_origins).unwrap_or(""))?;
        let upload_allowance = number(
            &raw.upload_allowance_seconds,
            "UPLOAD_ALLOWANCE_SECONDS",
            default_upload_allowance(max_size),
        )?;
        if upload_allowance > MAX_UPLOAD_ALLOWANCE {
            return Err(invalid(
                "UPLOAD_ALLOWANCE_SECONDS",
                format!("at most {MAX_UPLOAD_ALLOWANCE} (7 days)"),
            ));
        }
        let recover_url = match set(&raw.recover_url) {
            Some(url) => url.to_owned(),
            None => format!("{}{RECOVER_PATH}", origin_of(callback_url)),
        };
        let recover_ok = match recover_url.split_once("://") {
            Some(("https", rest)) | Some(("http", rest)) => {
                !rest.is_empty()
                    && !rest.starts_with('/')
                    && !recover_url.contains(['#', ' '])
                    && !recover_url.chars().any(char::is_control)
            }
            _ => false,
        };
        if !recover_ok {
            return Err(invalid(
                "RECOVER_URL",
                "must be an absolute http(s) URL without fragment or spaces",
            ));
        }
        if !development && !recover_url.starts_with("https://") {
            return Err(invalid(
                "RECOVER_URL",
                "must be https:// outside local development (OSS_EDGE_ENV=local); the ticket travels in it",
            ));
        }
        Ok(Self {
            development,
            bucket,
            region,
            endpoint,
            version,
            credentials,
            callback_url: callback_url.to_owned(),
            tickets,
            ticket_kid,
            auth,
            limits,
            key_template,
            part_size,
            cors_origins,
            upload_allowance,
            recover_url,
        })
    }

    /// The key that mints tickets.
    pub fn ticket_key(&self) -> Option<&TicketKey> {
        self.tickets.get(&self.ticket_kid)
    }

    /// The allowed origin equal to `origin`, if any (exact, case-sensitive match).
    pub fn allowed_origin(&self, origin: &str) -> Option<&str> {
        self.cors_origins
            .iter()
            .find(|o| o.as_str() == origin)
            .map(String::as_str)
    }
}

/// `scheme://authority` of an absolute URL (the text before the path), or the whole text.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

fn auth_config(raw: &RawConfig, development: bool) -> Result<AuthConfig, ConfigError> {
    let jwt_invalid = |e: JwtKeyError, var| invalid(var, e);
    let mut jwt = JwtVerifier::new()
        .issuer(set(&raw.jwt_issuer).map(str::to_owned))
        .audience(set(&raw.jwt_audience).map(str::to_owned));
    if let Some(leeway) = set(&raw.jwt_leeway_seconds) {
        let seconds = leeway
            .parse()
            .map_err(|_| invalid("JWT_LEEWAY_SECONDS", "not a whole number"))?;
        jwt = jwt
            .leeway(seconds)
            .map_err(|e| jwt_invalid(e, "JWT_LEEWAY_SECONDS"))?;
    }
    if let Some(max) = set(&raw.jwt_max_lifetime_seconds) {
        let seconds = max
            .parse()
            .map_err(|_| invalid("JWT_MAX_LIFETIME_SECONDS", "not a whole number"))?;
        jwt = jwt
            .max_lifetime(seconds)
            .map_err(|e| jwt_invalid(e, "JWT_MAX_LIFETIME_SECONDS"))?;
    }
    let mode = set(&raw.auth_mode).unwrap_or("bearer");
    let jwt_enabled = mode.split(',').any(|m| m.trim() == "jwt");
    if jwt_enabled && !development {
        for (value, var, claim) in [
            (&raw.jwt_issuer, "JWT_ISSUER", "iss"),
            (&raw.jwt_audience, "JWT_AUDIENCE", "aud"),
        ] {
            if set(value).is_none() {
                return Err(invalid(
                    var,
                    format!(
                        "required when AUTH_MODE includes jwt outside local development: \
                         without it a token your identity provider issued for another \
                         application (or issued by another party holding a configured key) \
                         would be accepted; set it to the {claim} your tokens carry"
                    ),
                ));
            }
        }
    }
    if let Some(list) = set(&raw.jwt_hs256_secrets) {
        for entry in list.split(',') {
            let (kid, secret) = entry
                .trim()
                .split_once(':')
                .ok_or_else(|| invalid("JWT_HS256_SECRETS", "each entry must be kid:secret"))?;
            jwt.add_hs256(Some(kid).filter(|k| !k.is_empty()), secret.as_bytes())
                .map_err(|e| jwt_invalid(e, "JWT_HS256_SECRETS"))?;
        }
    }
    if let Some(pems) = set(&raw.jwt_rs256_public_keys) {
        // Literal "\n" (as some dashboards store multi-line values) counts as a newline.
        let pems = pems.replace("\\n", "\n");
        let blocks = pem_blocks(&pems);
        for block in blocks {
            jwt.add_rs256_pem(None, block)
                .map_err(|e| jwt_invalid(e, "JWT_RS256_PUBLIC_KEYS"))?;
        }
    }
    AuthConfig::new(AuthSettings {
        mode,
        bearer_tokens: set(&raw.bearer_tokens),
        jwt: Some(jwt),
        development,
        dev_subject: DEV_SUBJECT,
    })
    .map_err(ConfigError::Auth)
}

/// Splits concatenated PEM blocks; trailing text becomes its own (invalid) block.
fn pem_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----END ") {
        let after = start + "-----END ".len();
        let Some(close) = rest[after..].find("-----") else {
            break;
        };
        let end = after + close + "-----".len();
        blocks.push(rest[..end].trim());
        rest = &rest[end..];
    }
    if !rest.trim().is_empty() {
        blocks.push(rest.trim());
    }
    blocks
}

fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && origin.split("://").nth(1).is_some_and(|rest| {
                    !rest.is_empty() && !rest.contains(['/', '?', '#', '*', ' '])
                });
            if ok {
                Ok(origin.to_owned())
            } else {
                Err(invalid(
                    "CORS_ALLOWED_ORIGINS",
                    format!("{origin:?} is not an origin like https://app.example.com"),
                ))
            }
        })
        .collect()
}
