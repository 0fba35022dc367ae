//! The Worker's configuration: environment variables and secrets, parsed and checked once.
//!
//! Every variable is read through a lookup function so this module is plain Rust, tested
//! natively; the `edge` module (wasm32) supplies the lookup over the Worker's `Env`. Empty
//! values count as unset. Anything unusable is a [`ConfigError`], and the Worker then fails closed: every
//! callback is answered `500 misconfigured` with the error's message (see `docs/callback-worker.md`).

use core::fmt;

use oss_edge_core::callback::keys::KeyError as PemError;
use oss_edge_core::callback::rsa_key::RsaPublicOp;
use oss_edge_core::callback::verify::DEFAULT_MAX_BODY_BYTES;
use oss_edge_core::callback::{TrustedKeys, VerifyOptions};
use oss_edge_core::confirm::{Buckets, BucketsError};

pub use crate::environment::Environment;
use oss_edge_core::sign::Credentials;
use oss_edge_core::ticket::{KeyError as TicketKeyError, TicketKeyring};

use crate::dev::{InjectedFailures, VAR_DEV_FAIL_QUEUE, parse_failures};
use crate::reply::{ReplyError, ReplyTemplate};
use crate::{
    VAR_ALLOWED_PATH_PREFIXES, VAR_BUCKETS, VAR_CONFIRM_ACCESS_KEY_ID,
    VAR_CONFIRM_ACCESS_KEY_SECRET, VAR_CONFIRM_OBJECTS, VAR_CONFIRM_SECURITY_TOKEN,
    VAR_CORS_ALLOWED_ORIGINS, VAR_DEBUG, VAR_ENVIRONMENT, VAR_MAX_BODY_BYTES, VAR_REPLY_TEMPLATE,
    VAR_REQUIRE_TICKET, VAR_TICKET_KEYS, VAR_TRUSTED_KEYS,
};

/// Largest accepted `MAX_BODY_BYTES`: 1 MiB. OSS builds callback bodies from a template of at
/// most a few KB (spec §1.2), so anything near this is a mistake.
pub const MAX_BODY_BYTES_LIMIT: usize = 1024 * 1024;

/// How uploads are confirmed in the bucket before they become events.
#[derive(Debug)]
pub enum Confirmation {
    /// `CONFIRM_OBJECTS=true` (the default): one signed HeadObject per upload, to the bucket's
    /// configured endpoint; the event's facts are the bucket's.
    On {
        /// The read-only credentials (`CONFIRM_ACCESS_KEY_ID`, …).
        credentials: Credentials,
    },
    /// `CONFIRM_OBJECTS=false`: events carry the body's claims (`confirmed: false`). Allowed only
    /// with tickets required, which bound the claims to one grant.
    Off,
}

/// The parsed configuration.
#[derive(Debug)]
pub struct Config {
    /// Where the Worker runs.
    pub environment: Environment,
    /// Whether a callback without an upload ticket is refused (`REQUIRE_TICKET`, default true).
    pub require_ticket: bool,
    /// The ticket HMAC keys (`TICKET_KEYS`); may be empty only when tickets are optional.
    pub ticket_keys: TicketKeyring,
    /// OSS's compiled-in key plus the (URL, PEM) pairs of `TRUSTED_KEYS`.
    pub trusted_keys: TrustedKeys,
    /// Verification options (`MAX_BODY_BYTES`).
    pub verify: VerifyOptions,
    /// Raw path prefixes a callback may arrive on (`ALLOWED_PATH_PREFIXES`); empty = any.
    pub allowed_path_prefixes: Vec<String>,
    /// The 200 reply body (`REPLY_TEMPLATE`).
    pub reply: ReplyTemplate,
    /// Log bodies and signature-mismatch diagnoses (`DEBUG`).
    pub debug: bool,
    /// Whether and how uploads are confirmed (`CONFIRM_OBJECTS` and the `CONFIRM_*` secrets).
    pub confirmation: Confirmation,
    /// The buckets uploads may go to (`BUCKETS`): required with confirmation; without it,
    /// optional (when set, other buckets are still refused).
    pub buckets: Option<Buckets>,
    /// Origins allowed to call `POST /v1/recover` from a browser (`CORS_ALLOWED_ORIGINS`).
    pub cors_allowed_origins: Vec<String>,
    /// Queue failures for requests without the development header (`DEV_FAIL_QUEUE`, local
    /// only; [`InjectedFailures::None`] when unset).
    pub dev_fail_queue: InjectedFailures,
}

/// Why the configuration cannot be used. Messages name the variable and never include secrets.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A boolean variable is not `true` or `false`.
    InvalidBool {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// `OSS_EDGE_ENV` is neither `production` nor `local`.
    InvalidEnvironment {
        /// Its value.
        value: String,
    },
    /// `TICKET_KEYS` does not parse (the message names the key id, never the secret).
    TicketKeys(TicketKeyError),
    /// `REQUIRE_TICKET` is true but `TICKET_KEYS` is empty.
    TicketKeysRequired,
    /// `TRUSTED_KEYS` is not a JSON array of `{"url": …, "pem": …}` objects.
    TrustedKeysShape(String),
    /// A `TRUSTED_KEYS` entry has an unusable URL or PEM.
    TrustedKey {
        /// The entry's URL.
        url: String,
        /// What is wrong with it.
        error: PemError,
    },
    /// `MAX_BODY_BYTES` is not an integer in 1..=[`MAX_BODY_BYTES_LIMIT`].
    MaxBodyBytes {
        /// Its value.
        value: String,
    },
    /// An `ALLOWED_PATH_PREFIXES` entry does not start with `/` or contains `?`, `#` or whitespace.
    PathPrefix {
        /// The entry.
        prefix: String,
    },
    /// `REPLY_TEMPLATE` is not usable.
    ReplyTemplate(ReplyError),
    /// `BUCKETS` does not parse.
    Buckets(BucketsError),
    /// Confirmation is on but `BUCKETS` is not set.
    BucketsRequired,
    /// Confirmation is on but a confirmation credential is missing.
    ConfirmCredentialsRequired {
        /// The missing secret.
        var: &'static str,
    },
    /// `REQUIRE_TICKET=false` with `CONFIRM_OBJECTS=false`: anyone could inject events.
    UnauthenticatedEvents,
    /// `TRUSTED_KEYS` outside the local environment.
    TrustedKeysOutsideLocal,
    /// A `CORS_ALLOWED_ORIGINS` entry is not `*` or a `scheme://host[:port]` origin.
    CorsOrigin {
        /// The entry.
        origin: String,
    },
    /// `DEV_FAIL_QUEUE` outside the local environment.
    DevFailQueueOutsideLocal,
    /// `DEV_FAIL_QUEUE` is not `N`, `all` or `slow:MS`.
    DevFailQueue {
        /// Its value.
        value: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidBool { var, value } => {
                write!(f, "{var} must be `true` or `false`, not {value:?}")
            }
            Self::InvalidEnvironment { value } => write!(
                f,
                "{VAR_ENVIRONMENT} must be `production` or `local`, not {value:?}"
            ),
            Self::TicketKeys(e) => write!(f, "{VAR_TICKET_KEYS}: {e}"),
            Self::TicketKeysRequired => write!(
                f,
                "{VAR_REQUIRE_TICKET} is true but {VAR_TICKET_KEYS} is empty: set the secret \
                 (`wrangler secret put {VAR_TICKET_KEYS}`, value `kid:secret`) or set \
                 {VAR_REQUIRE_TICKET}=false"
            ),
            Self::TrustedKeysShape(why) => write!(
                f,
                "{VAR_TRUSTED_KEYS} must be a JSON array of {{\"url\": …, \"pem\": …}} objects: {why}"
            ),
            Self::TrustedKey { url, error } => {
                write!(f, "{VAR_TRUSTED_KEYS} entry for {url:?}: {error}")
            }
            Self::MaxBodyBytes { value } => write!(
                f,
                "{VAR_MAX_BODY_BYTES} must be an integer from 1 to {MAX_BODY_BYTES_LIMIT}, not {value:?}"
            ),
            Self::PathPrefix { prefix } => write!(
                f,
                "{VAR_ALLOWED_PATH_PREFIXES} entry {prefix:?} must start with `/` and contain no `?`, `#` or whitespace"
            ),
            Self::ReplyTemplate(e) => write!(f, "{VAR_REPLY_TEMPLATE}: {e}"),
            Self::Buckets(e) => e.fmt(f),
            Self::BucketsRequired => write!(
                f,
                "{VAR_BUCKETS} is not set but {VAR_CONFIRM_OBJECTS} is true: list the upload bucket(s), \
                 e.g. [{{\"name\":\"examplebucket\",\"region\":\"cn-hangzhou\"}}], so each upload can be \
                 confirmed there (docs/callback-worker.md)"
            ),
            Self::ConfirmCredentialsRequired { var } => write!(
                f,
                "{var} is not set but {VAR_CONFIRM_OBJECTS} is true: set the read-only confirmation \
                 credentials (`wrangler secret put {var}`; RAM policy in docs/callback-worker.md)"
            ),
            Self::UnauthenticatedEvents => write!(
                f,
                "{VAR_REQUIRE_TICKET}=false with {VAR_CONFIRM_OBJECTS}=false would accept forged events: \
                 OSS signs every customer's callbacks with one global key, so anyone can upload to \
                 their own bucket with a callbackUrl pointing here and a constant callbackBody naming \
                 your bucket and any object, and OSS's signature is genuine. Keep {VAR_CONFIRM_OBJECTS}=true \
                 (each upload is confirmed in your bucket) or {VAR_REQUIRE_TICKET}=true (each upload needs \
                 the signer's ticket)"
            ),
            Self::TrustedKeysOutsideLocal => write!(
                f,
                "{VAR_TRUSTED_KEYS} is only accepted with {VAR_ENVIRONMENT}=local: in production only \
                 OSS's compiled-in key verifies callbacks; remove {VAR_TRUSTED_KEYS}"
            ),
            Self::CorsOrigin { origin } => write!(
                f,
                "{VAR_CORS_ALLOWED_ORIGINS} entry {origin:?} must be `*` or an origin such as \
                 https://app.example.com (scheme, host, optional port; no path)"
            ),
            Self::DevFailQueueOutsideLocal => write!(
                f,
                "{VAR_DEV_FAIL_QUEUE} is only accepted with {VAR_ENVIRONMENT}=local: it makes queue \
                 sends fail on purpose, for tests; remove {VAR_DEV_FAIL_QUEUE}"
            ),
            Self::DevFailQueue { value } => write!(
                f,
                "{VAR_DEV_FAIL_QUEUE} must be a number of failed attempts, `all` or `slow:MS`, \
                 not {value:?}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The value of `name`, or `None` when unset or blank.
fn non_empty(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|v| !v.trim().is_empty())
}

fn parse_bool(
    lookup: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match non_empty(lookup, var) {
        None => Ok(default),
        Some(value) => match value.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConfigError::InvalidBool { var, value }),
        },
    }
}

/// Parses `TRUSTED_KEYS`: `[{"url": "http://…/key.pem", "pem": "-----BEGIN PUBLIC KEY-----…"}]`.
fn parse_trusted_keys(
    text: Option<&str>,
    rsa: &'static dyn RsaPublicOp,
) -> Result<TrustedKeys, ConfigError> {
    let mut keys = TrustedKeys::oss_with(rsa);
    let Some(text) = text else { return Ok(keys) };
    let shape = |why: &str| ConfigError::TrustedKeysShape(why.to_owned());
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| shape(&format!("not JSON ({e})")))?;
    let entries = value.as_array().ok_or_else(|| shape("not an array"))?;
    for entry in entries {
        let field = |name: &str| entry.get(name).and_then(serde_json::Value::as_str);
        let (Some(url), Some(pem)) = (field("url"), field("pem")) else {
            return Err(shape("every entry needs string fields `url` and `pem`"));
        };
        keys.add_pem(url, pem)
            .map_err(|error| ConfigError::TrustedKey {
                url: url.to_owned(),
                error,
            })?;
    }
    Ok(keys)
}

fn parse_prefixes(text: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|prefix| {
            let clean = prefix.starts_with('/')
                && !prefix.bytes().any(|b| {
                    b == b'?' || b == b'#' || b.is_ascii_whitespace() || b.is_ascii_control()
                });
            if clean {
                Ok(prefix.to_owned())
            } else {
                Err(ConfigError::PathPrefix {
                    prefix: prefix.to_owned(),
                })
            }
        })
        .collect()
}

/// Parses `CORS_ALLOWED_ORIGINS`: `*`, or origins `scheme://host[:port]` (compared exactly
/// with the browser's `Origin` header, so no trailing slash and no path).
fn parse_origins(text: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = origin == "*"
                || host.is_some_and(|h| {
                    !h.is_empty()
                        && h.bytes().all(|b| {
                            b.is_ascii_alphanumeric()
                                || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                        })
                });
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::CorsOrigin {
                    origin: origin.to_owned(),
                })
            }
        })
        .collect()
}

impl Config {
    /// Reads and checks every variable through `lookup` (name → value). Callback signatures
    /// will be checked with `rsa` computing `s^e mod n`: the runtime's `BigInt` in the Worker,
    /// the core's software arithmetic in native tests.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
        rsa: &'static dyn RsaPublicOp,
    ) -> Result<Self, ConfigError> {
        let environment = Environment::from_lookup(lookup)
            .map_err(|value| ConfigError::InvalidEnvironment { value })?;
        let require_ticket = parse_bool(lookup, VAR_REQUIRE_TICKET, true)?;
        let ticket_keys = match non_empty(lookup, VAR_TICKET_KEYS) {
            Some(text) => {
                TicketKeyring::parse_list(text.trim()).map_err(ConfigError::TicketKeys)?
            }
            None => TicketKeyring::new(),
        };
        if require_ticket && ticket_keys.is_empty() {
            return Err(ConfigError::TicketKeysRequired);
        }
        let trusted_text = non_empty(lookup, VAR_TRUSTED_KEYS);
        if trusted_text.is_some() && environment != Environment::Local {
            return Err(ConfigError::TrustedKeysOutsideLocal);
        }
        let trusted_keys = parse_trusted_keys(trusted_text.as_deref(), rsa)?;
        let max_body_bytes = match non_empty(lookup, VAR_MAX_BODY_BYTES) {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_BODY_BYTES_LIMIT).contains(n))
                .ok_or(ConfigError::MaxBodyBytes { value })?,
        };
        let allowed_path_prefixes =
            parse_prefixes(non_empty(lookup, VAR_ALLOWED_PATH_PREFIXES).as_deref())?;
        // The template is taken verbatim (not trimmed): a BOM must be seen to be refused.
        let reply = match lookup(VAR_REPLY_TEMPLATE).filter(|v| !v.is_empty()) {
            Some(text) => ReplyTemplate::parse(&text).map_err(ConfigError::ReplyTemplate)?,
            None => ReplyTemplate::default(),
        };
        let debug = parse_bool(lookup, VAR_DEBUG, false)?;
        let confirm = parse_bool(lookup, VAR_CONFIRM_OBJECTS, true)?;
        if !confirm && !require_ticket {
            return Err(ConfigError::UnauthenticatedEvents);
        }
        let buckets = non_empty(lookup, VAR_BUCKETS)
            .map(|text| Buckets::parse_json(text.trim()).map_err(ConfigError::Buckets))
            .transpose()?;
        let confirmation = if confirm {
            if buckets.is_none() {
                return Err(ConfigError::BucketsRequired);
            }
            let secret = |var| {
                non_empty(lookup, var)
                    .map(|v| v.trim().to_owned())
                    .ok_or(ConfigError::ConfirmCredentialsRequired { var })
            };
            let mut credentials = Credentials::new(
                secret(VAR_CONFIRM_ACCESS_KEY_ID)?,
                secret(VAR_CONFIRM_ACCESS_KEY_SECRET)?,
            );
            if let Some(token) = non_empty(lookup, VAR_CONFIRM_SECURITY_TOKEN) {
                credentials = credentials.with_security_token(token.trim());
            }
            Confirmation::On { credentials }
        } else {
            Confirmation::Off
        };
        let cors_allowed_origins =
            parse_origins(non_empty(lookup, VAR_CORS_ALLOWED_ORIGINS).as_deref())?;
        let dev_fail_queue = match non_empty(lookup, VAR_DEV_FAIL_QUEUE) {
            None => InjectedFailures::None,
            Some(_) if environment != Environment::Local => {
                return Err(ConfigError::DevFailQueueOutsideLocal);
            }
            Some(value) => parse_failures(&value).ok_or(ConfigError::DevFailQueue { value })?,
        };
        Ok(Self {
            environment,
            require_ticket,
            ticket_keys,
            trusted_keys,
            verify: VerifyOptions { max_body_bytes },
            allowed_path_prefixes,
            reply,
            debug,
            confirmation,
            buckets,
            cors_allowed_origins,
            dev_fail_queue,
        })
    }

    /// Whether uploads are confirmed in the bucket.
    pub fn confirms(&self) -> bool {
        matches!(self.confirmation, Confirmation::On { .. })
    }

    /// Whether a browser page at `origin` may call `POST /v1/recover`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.cors_allowed_origins
            .iter()
            .any(|allowed| allowed == "*" || allowed == origin)
    }

    /// Whether a callback on raw path `path` is accepted: any path when no prefixes are
    /// configured, else a path equal to a prefix or continuing it at a `/` boundary
    /// (`/cb` allows `/cb` and `/cb/x`, not `/cbx`; `/cb/` allows `/cb/x`).
    pub fn path_allowed(&self, path: &[u8]) -> bool {
        self.allowed_path_prefixes.is_empty()
            || self.allowed_path_prefixes.iter().any(|prefix| {
                let prefix = prefix.as_bytes();
                path.starts_with(prefix)
                    && (path.len() == prefix.len()
                        || prefix.ends_with(b"/")
                        || path[prefix.len()] == b'/')
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::callback::software_rsa::SOFTWARE_RSA;
    use std::collections::HashMap;

    const KEY: &str = "k1:0123456789abcdef0123456789abcdef";
    const BUCKETS: &str =
        r#"[{"name":"oss-edge-dev","region":"cn-hangzhou","endpoint":"http://127.0.0.1:9000"}]"#;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(&|name| map.get(name).cloned(), &SOFTWARE_RSA)
    }

    /// `vars` on top of a usable confirming configuration without tickets.
    fn confirming(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut all = vec![
            (VAR_REQUIRE_TICKET, "false"),
            (VAR_BUCKETS, BUCKETS),
            (VAR_CONFIRM_ACCESS_KEY_ID, "ak"),
            (VAR_CONFIRM_ACCESS_KEY_SECRET, "sk"),
        ];
        all.extend_from_slice(vars);
        config(&all)
    }

    #[test]
    fn defaults_require_tickets_and_confirmation_and_fail_closed_without_them() {
        assert_eq!(config(&[]).unwrap_err(), ConfigError::TicketKeysRequired);
        assert_eq!(
            config(&[(VAR_TICKET_KEYS, "  ")]).unwrap_err(),
            ConfigError::TicketKeysRequired
        );
        assert_eq!(
            config(&[(VAR_TICKET_KEYS, KEY)]).unwrap_err(),
            ConfigError::BucketsRequired
        );
        assert_eq!(
            config(&[(VAR_TICKET_KEYS, KEY), (VAR_BUCKETS, BUCKETS)]).unwrap_err(),
            ConfigError::ConfirmCredentialsRequired {
                var: VAR_CONFIRM_ACCESS_KEY_ID
            }
        );
        assert_eq!(
            config(&[
                (VAR_TICKET_KEYS, KEY),
                (VAR_BUCKETS, BUCKETS),
                (VAR_CONFIRM_ACCESS_KEY_ID, "ak")
            ])
            .unwrap_err(),
            ConfigError::ConfirmCredentialsRequired {
                var: VAR_CONFIRM_ACCESS_KEY_SECRET
            }
        );
        let c = confirming(&[(VAR_REQUIRE_TICKET, "true"), (VAR_TICKET_KEYS, KEY)]).unwrap();
        assert!(c.require_ticket);
        assert!(c.confirms());
        assert!(!c.debug);
        assert_eq!(c.environment, Environment::Production);
        assert_eq!(c.verify.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(c.trusted_keys.iter().count(), 2);
        assert!(c.buckets.as_ref().unwrap().get("oss-edge-dev").is_some());
        let Confirmation::On { credentials } = &c.confirmation else {
            panic!("confirmation is on by default");
        };
        assert_eq!(credentials.access_key_id, "ak");
        assert_eq!(credentials.security_token, None);
        let sts = confirming(&[(VAR_CONFIRM_SECURITY_TOKEN, "tok")]).unwrap();
        let Confirmation::On { credentials } = &sts.confirmation else {
            panic!("confirmation is on");
        };
        assert_eq!(credentials.security_token.as_deref(), Some("tok"));
        assert!(!format!("{:?}", sts.confirmation).contains("sk"));
    }

    #[test]
    fn confirmation_off_needs_tickets_and_says_why() {
        let e = config(&[
            (VAR_REQUIRE_TICKET, "false"),
            (VAR_CONFIRM_OBJECTS, "false"),
        ])
        .unwrap_err();
        assert_eq!(e, ConfigError::UnauthenticatedEvents);
        let message = e.to_string();
        for words in [
            "one global key",
            "their own bucket",
            "constant callbackBody",
        ] {
            assert!(message.contains(words), "{message}");
        }
        let c = config(&[(VAR_TICKET_KEYS, KEY), (VAR_CONFIRM_OBJECTS, "false")]).unwrap();
        assert!(!c.confirms());
        assert!(c.buckets.is_none());
        let e = confirming(&[(VAR_CONFIRM_OBJECTS, "maybe")]).unwrap_err();
        assert!(matches!(e, ConfigError::InvalidBool { .. }));
        let e = confirming(&[(VAR_BUCKETS, "[]")]).unwrap_err();
        assert!(matches!(e, ConfigError::Buckets(_)), "{e}");
    }

    #[test]
    fn tickets_optional_without_keys_when_confirming() {
        let c = confirming(&[]).unwrap();
        assert!(!c.require_ticket);
        assert!(c.ticket_keys.is_empty());
    }

    #[test]
    fn bad_values_name_their_variable_and_hide_secrets() {
        let e = config(&[(VAR_REQUIRE_TICKET, "yes")]).unwrap_err();
        assert!(e.to_string().contains(VAR_REQUIRE_TICKET));
        let e = config(&[(VAR_TICKET_KEYS, "k1:short-secret-value")]).unwrap_err();
        let message = e.to_string();
        assert!(message.contains(VAR_TICKET_KEYS) && message.contains("k1"));
        assert!(!message.contains("short-secret-value"));
        let e = confirming(&[(VAR_MAX_BODY_BYTES, "0")]).unwrap_err();
        assert!(matches!(e, ConfigError::MaxBodyBytes { .. }));
        let e = confirming(&[(VAR_ENVIRONMENT, "dev")]).unwrap_err();
        assert!(matches!(e, ConfigError::InvalidEnvironment { .. }));
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "ftp://x",
            "https://",
        ] {
            let e = confirming(&[(VAR_CORS_ALLOWED_ORIGINS, bad)]).unwrap_err();
            assert!(matches!(e, ConfigError::CorsOrigin { .. }), "{bad}");
        }
        let c = confirming(&[(
            VAR_CORS_ALLOWED_ORIGINS,
            "https://a.example, http://127.0.0.1:8787",
        )])
        .unwrap();
        assert!(c.origin_allowed("http://127.0.0.1:8787"));
        assert!(!c.origin_allowed("https://b.example"));
    }

    #[test]
    fn trusted_keys_only_locally_and_from_json() {
        let pem = oss_edge_core::callback::keys::OSS_CALLBACK_KEY_PEM;
        let json = serde_json::json!([{ "url": "http://127.0.0.1:9000/k.pem", "pem": pem }]);
        let e = confirming(&[(VAR_TRUSTED_KEYS, &json.to_string())]).unwrap_err();
        assert_eq!(e, ConfigError::TrustedKeysOutsideLocal);
        assert!(e.to_string().contains("compiled-in"));
        let e = confirming(&[
            (VAR_ENVIRONMENT, "production"),
            (VAR_TRUSTED_KEYS, &json.to_string()),
        ])
        .unwrap_err();
        assert_eq!(e, ConfigError::TrustedKeysOutsideLocal);

        let local = |vars: &[(&str, &str)]| {
            let mut all = vec![(VAR_ENVIRONMENT, "local")];
            all.extend_from_slice(vars);
            confirming(&all)
        };
        let c = local(&[(VAR_TRUSTED_KEYS, &json.to_string())]).unwrap();
        assert!(
            c.trusted_keys
                .find(b"http://127.0.0.1:9000/k.pem")
                .is_some()
        );

        let bad = serde_json::json!([{ "url": "http://x/k.pem", "pem": "not a pem" }]);
        let e = local(&[(VAR_TRUSTED_KEYS, &bad.to_string())]).unwrap_err();
        assert!(matches!(e, ConfigError::TrustedKey { .. }), "{e}");
        for shape in ["{}", "[1]", "[{\"url\":\"x\"}]", "nope"] {
            let e = local(&[(VAR_TRUSTED_KEYS, shape)]).unwrap_err();
            assert!(
                matches!(e, ConfigError::TrustedKeysShape(_)),
                "{shape}: {e}"
            );
        }
    }

    #[test]
    fn dev_fail_queue_only_locally_and_well_formed() {
        assert_eq!(
            confirming(&[]).unwrap().dev_fail_queue,
            InjectedFailures::None
        );
        for env in [None, Some("production")] {
            let mut vars = vec![(VAR_DEV_FAIL_QUEUE, "all")];
            vars.extend(env.map(|e| (VAR_ENVIRONMENT, e)));
            let e = confirming(&vars).unwrap_err();
            assert_eq!(e, ConfigError::DevFailQueueOutsideLocal, "{env:?}");
            assert!(e.to_string().contains(VAR_DEV_FAIL_QUEUE), "{e}");
        }
        let local = |value| confirming(&[(VAR_ENVIRONMENT, "local"), (VAR_DEV_FAIL_QUEUE, value)]);
        assert_eq!(local("all").unwrap().dev_fail_queue, InjectedFailures::All);
        assert_eq!(
            local("slow:4500").unwrap().dev_fail_queue,
            InjectedFailures::Slow(4500)
        );
        assert_eq!(local("  ").unwrap().dev_fail_queue, InjectedFailures::None);
        let e = local("always").unwrap_err();
        assert!(matches!(e, ConfigError::DevFailQueue { .. }), "{e}");
        assert!(e.to_string().contains(VAR_DEV_FAIL_QUEUE), "{e}");
    }

    #[test]
    fn path_prefixes() {
        let c = confirming(&[(VAR_ALLOWED_PATH_PREFIXES, "/cb, /hooks/")]).unwrap();
        for ok in ["/cb", "/cb/x", "/hooks/a"] {
            assert!(c.path_allowed(ok.as_bytes()), "{ok}");
        }
        for no in ["/cbx", "/", "/hooks", "/other/cb"] {
            assert!(!c.path_allowed(no.as_bytes()), "{no}");
        }
        let e = confirming(&[(VAR_ALLOWED_PATH_PREFIXES, "cb")]).unwrap_err();
        assert!(matches!(e, ConfigError::PathPrefix { .. }));
        let any = confirming(&[]).unwrap();
        assert!(any.path_allowed(b"/anything"));
    }
}
