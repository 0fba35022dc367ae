//! Command-line flags and environment variables, and the validated [`Config`] they give.
//!
//! Every flag has an environment variable; the credentials, bucket and region read the same
//! variables as the signer (`OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN`,
//! `OSS_BUCKET`, `OSS_REGION`), so one environment configures both.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use oss_edge_core::callback::params::{Crc64Rendering, EmptyNumber, JsonRendering};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::sign::{Credentials, Region};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9000";
/// Development AccessKey id (public on purpose; protects nothing).
pub const DEV_ACCESS_KEY_ID: &str = "dev-access-key-id";
/// Development AccessKey secret (public on purpose; protects nothing). The same as the
/// signer's local configuration (crates/signer/wrangler.toml, `[env.local.vars]`).
pub const DEV_ACCESS_KEY_SECRET: &str = "dev-access-key-secret-not-a-secret";
/// Default bucket (the signer's local `OSS_BUCKET`).
pub const DEFAULT_BUCKET: &str = "oss-edge-dev";
/// Default region (V4 scope).
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// Default CORS origins: the signer's local address (`wrangler dev` on :8787).
pub const DEFAULT_CORS_ORIGINS: &str = "http://127.0.0.1:8787,http://localhost:8787";
/// Default largest object, bytes (256 MiB; objects are held in memory).
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 256 * 1024 * 1024;
/// Default `x-oss-requester` / `x-oss-owner` of callbacks.
pub const DEFAULT_OWNER_ID: &str = "1000000000000000";
/// The path under which the sim serves its callback public key.
pub const PUB_KEY_PATH: &str = "/oss-sim/callback_pub_key.pem";
/// The first path segment reserved for the sim's own endpoints (no bucket may use it).
pub const RESERVED_SEGMENT: &str = "oss-sim";
/// The development callback key (tests/keys/test-callback-key.pem), compiled in so the binary
/// works from any directory; the local callback Worker trusts its public half.
pub const DEV_CALLBACK_KEY_PEM: &str = include_str!("../../../tests/keys/test-callback-key.pem");

/// `--json-empty-number`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EmptyNumberArg {
    /// Nothing at all (`"height":,`).
    Nothing,
    /// `""`.
    EmptyString,
    /// `null`.
    Null,
}

/// `--json-crc64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Crc64Arg {
    /// A bare number.
    Number,
    /// A string of digits.
    String,
}

/// oss-sim: a local stand-in for an Alibaba Cloud OSS bucket endpoint (development and tests
/// only). See docs/oss-sim.md.
#[derive(Clone, Debug, Parser)]
#[command(name = "oss-sim", version)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "OSS_SIM_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Directory for objects and uploads (default: a temporary directory removed on exit).
    #[arg(long, env = "OSS_SIM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// AccessKey id accepted in signatures.
    #[arg(long, env = "OSS_ACCESS_KEY_ID", default_value = DEV_ACCESS_KEY_ID)]
    pub access_key_id: String,
    /// AccessKey secret (prefer the environment variable).
    #[arg(long, env = "OSS_ACCESS_KEY_SECRET", default_value = DEV_ACCESS_KEY_SECRET, hide_default_value = false)]
    pub access_key_secret: String,
    /// STS security token that requests must carry (optional).
    #[arg(long, env = "OSS_SESSION_TOKEN")]
    pub security_token: Option<String>,
    /// Bucket name(s), comma-separated.
    #[arg(long = "bucket", env = "OSS_BUCKET", default_value = DEFAULT_BUCKET, value_delimiter = ',')]
    pub buckets: Vec<String>,
    /// Region of the V4 signing scope (e.g. cn-hangzhou).
    #[arg(long, env = "OSS_REGION", default_value = DEFAULT_REGION)]
    pub region: String,
    /// PKCS#8 PEM private key that signs callbacks (default: the compiled-in development key,
    /// tests/keys/test-callback-key.pem).
    #[arg(long, env = "OSS_SIM_CALLBACK_KEY")]
    pub callback_key: Option<PathBuf>,
    /// URL announced in x-oss-pub-key-url (default: http://LISTEN-ADDRESS/oss-sim/callback_pub_key.pem).
    #[arg(long, env = "OSS_SIM_PUB_KEY_URL")]
    pub pub_key_url: Option<String>,
    /// Origins the bucket's CORS rule allows, comma-separated (`*` for any).
    #[arg(long = "cors-origin", env = "OSS_SIM_CORS_ORIGINS", default_value = DEFAULT_CORS_ORIGINS, value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Largest object accepted, bytes.
    #[arg(long, env = "OSS_SIM_MAX_OBJECT_BYTES", default_value_t = DEFAULT_MAX_OBJECT_BYTES)]
    pub max_object_bytes: u64,
    /// Value of x-oss-requester / x-oss-owner in callbacks.
    #[arg(long, env = "OSS_SIM_OWNER_ID", default_value = DEFAULT_OWNER_ID)]
    pub owner_id: String,
    /// JSON callback bodies: how an empty image width/height renders (unverified in OSS).
    #[arg(
        long,
        env = "OSS_SIM_JSON_EMPTY_NUMBER",
        value_enum,
        default_value = "nothing"
    )]
    pub json_empty_number: EmptyNumberArg,
    /// JSON callback bodies: how ${crc64} renders (unverified in OSS).
    #[arg(long, env = "OSS_SIM_JSON_CRC64", value_enum, default_value = "number")]
    pub json_crc64: Crc64Arg,
    /// Do not print the JSON-lines access log.
    #[arg(long, env = "OSS_SIM_QUIET")]
    pub quiet: bool,
    /// Allow anonymous GET/HEAD/ListObjectsV2 (a public-read bucket). Default: private, as a
    /// new OSS bucket: every read must be signed.
    #[arg(long, env = "OSS_SIM_PUBLIC_READ")]
    pub public_read: bool,
    /// Versioning on: each stored object gets an `x-oss-version-id` (only the latest version
    /// is kept).
    #[arg(long, env = "OSS_SIM_VERSIONING")]
    pub versioning: bool,
}

/// Why the configuration is refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The region is not a region id.
    Region(String),
    /// A bucket name is not usable.
    Bucket(String),
    /// The callback key file cannot be read or parsed.
    CallbackKey(String),
    /// No CORS origin or an empty one.
    CorsOrigin,
    /// Empty credentials.
    Credentials,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Region(why) => write!(f, "--region: {why}"),
            ConfigError::Bucket(name) => write!(
                f,
                "--bucket {name:?}: use 3-63 characters of a-z, 0-9 and '-' (and not {RESERVED_SEGMENT:?})"
            ),
            ConfigError::CallbackKey(why) => write!(f, "--callback-key: {why}"),
            ConfigError::CorsOrigin => f.write_str("--cors-origin: empty origin"),
            ConfigError::Credentials => {
                f.write_str("OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET must not be empty")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The validated configuration.
#[derive(Debug)]
pub struct Config {
    /// Listen address (`host:port`, port 0 for an ephemeral one).
    pub listen: String,
    /// Data directory; `None` for a temporary one.
    pub data_dir: Option<PathBuf>,
    /// The one AccessKey the bucket accepts.
    pub credentials: Credentials,
    /// V4 scope region.
    pub region: Region,
    /// Bucket names served.
    pub buckets: Vec<String>,
    /// Signs callbacks.
    pub signer: CallbackSigner,
    /// Announced key URL; `None` derives it from the bound address.
    pub pub_key_url: Option<String>,
    /// CORS origins.
    pub cors_origins: Vec<String>,
    /// Largest object, bytes.
    pub max_object_bytes: u64,
    /// `x-oss-requester` / `x-oss-owner`.
    pub owner_id: String,
    /// JSON rendering choices.
    pub rendering: JsonRendering,
    /// Print the access log.
    pub access_log: bool,
    /// Anonymous reads allowed.
    pub public_read: bool,
    /// Versioning on.
    pub versioning: bool,
}

fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name != RESERVED_SEGMENT
}

impl Config {
    /// Validates parsed arguments.
    pub fn from_args(args: Args) -> Result<Self, ConfigError> {
        if args.access_key_id.is_empty() || args.access_key_secret.is_empty() {
            return Err(ConfigError::Credentials);
        }
        let region = Region::parse(&args.region).map_err(|e| ConfigError::Region(e.to_string()))?;
        let buckets: Vec<String> = args
            .buckets
            .iter()
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect();
        if buckets.is_empty() {
            return Err(ConfigError::Bucket(String::new()));
        }
        if let Some(bad) = buckets.iter().find(|b| !valid_bucket(b)) {
            return Err(ConfigError::Bucket(bad.clone()));
        }
        let pem = match &args.callback_key {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| ConfigError::CallbackKey(format!("{}: {e}", path.display())))?,
            None => DEV_CALLBACK_KEY_PEM.to_owned(),
        };
        let signer = CallbackSigner::from_pkcs8_pem(&pem)
            .map_err(|e| ConfigError::CallbackKey(e.to_string()))?;
        let cors_origins: Vec<String> = args
            .cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .collect();
        if cors_origins.iter().any(String::is_empty) {
            return Err(ConfigError::CorsOrigin);
        }
        let mut credentials = Credentials::new(args.access_key_id, args.access_key_secret);
        if let Some(token) = args.security_token.filter(|t| !t.is_empty()) {
            credentials = credentials.with_security_token(token);
        }
        Ok(Self {
            listen: args.listen,
            data_dir: args.data_dir,
            credentials,
            region,
            buckets,
            signer,
            pub_key_url: args.pub_key_url.filter(|u| !u.is_empty()),
            cors_origins,
            max_object_bytes: args.max_object_bytes,
            owner_id: args.owner_id,
            rendering: JsonRendering {
                empty_number: match args.json_empty_number {
                    EmptyNumberArg::Nothing => EmptyNumber::Nothing,
                    EmptyNumberArg::EmptyString => EmptyNumber::EmptyString,
                    EmptyNumberArg::Null => EmptyNumber::Null,
                },
                crc64: match args.json_crc64 {
                    Crc64Arg::Number => Crc64Rendering::Number,
                    Crc64Arg::String => Crc64Rendering::String,
                },
            },
            access_log: !args.quiet,
            public_read: args.public_read,
            versioning: args.versioning,
        })
    }

    /// The defaults, as `oss-sim` with no flags and no environment would use, listening on
    /// `listen` (tests pass `127.0.0.1:0`).
    pub fn dev(listen: &str) -> Result<Self, ConfigError> {
        // Built by hand, not parsed: the caller's environment must not leak in.
        Self::from_args(Args {
            listen: listen.to_owned(),
            data_dir: None,
            access_key_id: DEV_ACCESS_KEY_ID.into(),
            access_key_secret: DEV_ACCESS_KEY_SECRET.into(),
            security_token: None,
            buckets: vec![DEFAULT_BUCKET.into()],
            region: DEFAULT_REGION.into(),
            callback_key: None,
            pub_key_url: None,
            cors_origins: DEFAULT_CORS_ORIGINS.split(',').map(str::to_owned).collect(),
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
            owner_id: DEFAULT_OWNER_ID.into(),
            json_empty_number: EmptyNumberArg::Nothing,
            json_crc64: Crc64Arg::Number,
            quiet: true,
            public_read: false,
            versioning: false,
        })
    }
}
