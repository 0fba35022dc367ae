//! `oss-edge sign-post`, `oss-edge presign` and the hidden `oss-edge sign-batch` (spec §5, §6).
//!
//! Credentials come only from the environment (`OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`,
//! optional `OSS_SESSION_TOKEN`), never from flags that show in `ps`. Time is a flag
//! (`--date YYYYMMDDTHHMMSSZ`), so every output is reproducible.
//!
//! `sign-batch` reads one JSON request per line on stdin and writes one JSON answer per line:
//! the differential suite (tests/differential) drives thousands of cases through one process.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use oss_edge_core::encoding::base64_encode;
use oss_edge_core::sign::presign::{self, PresignOptions, PresignRequest};
use oss_edge_core::sign::v4::{self, Scope};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion, v1};
use oss_edge_core::time::{format_oss_date, parse_oss_date};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Which signature version a command uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionArg {
    /// `OSS4-HMAC-SHA256` (default).
    #[default]
    V4,
    /// Legacy HMAC-SHA1; OSS closed V1 to buckets created since 2025.
    V1,
}

impl From<VersionArg> for SignatureVersion {
    fn from(version: VersionArg) -> Self {
        match version {
            VersionArg::V4 => SignatureVersion::V4,
            VersionArg::V1 => SignatureVersion::V1,
        }
    }
}

/// The credential variables every signing command reads, for its `--help`.
const CREDENTIALS_HELP: &str = "Credentials come from the environment only, never from flags (which show in `ps`): \
OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, plus OSS_SESSION_TOKEN for STS credentials.";

/// The current time as `YYYYMMDDTHHMMSSZ`, the default of every `--date`.
fn now_oss_date() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    format_oss_date(now)
}

/// Arguments of `sign-post`: sign a PostObject policy file as is (spec §5.3, §5.4).
#[derive(clap::Args)]
#[command(after_help = CREDENTIALS_HELP)]
pub struct SignPostArgs {
    /// Signature version.
    #[arg(long, value_enum, default_value_t = VersionArg::V4)]
    version: VersionArg,
    /// Region id for the V4 scope, e.g. cn-hangzhou (oss-cn-hangzhou is accepted).
    #[arg(long, required_if_eq("version", "v4"))]
    region: Option<String>,
    /// Signing time, YYYYMMDDTHHMMSSZ (V4 x-oss-date; default: now).
    #[arg(long)]
    date: Option<String>,
    /// The policy JSON file; its bytes are Base64-encoded exactly as they are.
    #[arg(long)]
    policy_file: std::path::PathBuf,
}

/// Arguments of `presign`: a presigned URL plus the headers the client must send (spec §6).
#[derive(clap::Args)]
#[command(after_help = CREDENTIALS_HELP)]
pub struct PresignArgs {
    /// Signature version.
    #[arg(long, value_enum, default_value_t = VersionArg::V4)]
    version: VersionArg,
    /// HTTP method.
    #[arg(long, default_value = "PUT")]
    method: String,
    /// Bucket name.
    #[arg(long)]
    bucket: String,
    /// Object key (raw, not percent-encoded).
    #[arg(long)]
    key: String,
    /// Region id, e.g. cn-hangzhou.
    #[arg(long)]
    region: String,
    /// Endpoint URL (default https://oss-<region>.aliyuncs.com). An IP or localhost host gives
    /// path-style URLs (a local stand-in); another non-OSS host is taken as a CNAME.
    #[arg(long)]
    endpoint: Option<String>,
    /// Signing time, YYYYMMDDTHHMMSSZ (default: now).
    #[arg(long)]
    date: Option<String>,
    /// Validity in seconds (V4: 1..=604800; V1: Expires = date + this).
    #[arg(long)]
    expires: u64,
    /// Content-Type to sign; the client must send exactly this header.
    #[arg(long)]
    content_type: Option<String>,
    /// Base64 callback JSON, carried in the `callback` query parameter.
    #[arg(long)]
    callback_b64: Option<String>,
    /// Base64 callback-var JSON, carried in the `callback-var` query parameter.
    #[arg(long, requires = "callback_b64")]
    callback_var_b64: Option<String>,
}

/// Arguments of the hidden `sign-batch`: JSON lines in, JSON lines out.
#[derive(clap::Args)]
pub struct SignBatchArgs {}

/// A failure with the exit code it maps to: 2 for usage/credentials, 1 for signing errors.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    fn signing(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

fn credentials_from_env() -> Result<Credentials, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("OSS_ACCESS_KEY_ID"), var("OSS_ACCESS_KEY_SECRET")) {
        (Some(id), Some(secret)) => {
            let credentials = Credentials::new(id, secret);
            Ok(match var("OSS_SESSION_TOKEN") {
                Some(token) => credentials.with_security_token(token),
                None => credentials,
            })
        }
        _ => Err(Failure::usage(
            "credentials missing: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET \
             (and OSS_SESSION_TOKEN for STS) in the environment",
        )),
    }
}

fn parse_region(text: &str) -> Result<Region, Failure> {
    Region::parse(text).map_err(|e| Failure::usage(e.to_string()))
}

fn parse_date(text: &str) -> Result<i64, Failure> {
    parse_oss_date(text)
        .map_err(|_| Failure::usage(format!("--date {text:?} is not YYYYMMDDTHHMMSSZ")))
}

fn print_or_fail(result: Result<Value, Failure>) -> ExitCode {
    match result {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Signs the Base64 of a policy's bytes (spec §5.3/§5.4) and describes the form fields.
fn sign_post_value(
    credentials: &Credentials,
    version: VersionArg,
    region: Option<&str>,
    date: Option<&str>,
    policy_bytes: &[u8],
) -> Result<Value, Failure> {
    let policy = base64_encode(policy_bytes);
    let mut out = Map::new();
    out.insert("policy".into(), json!(policy));
    match version {
        VersionArg::V4 => {
            let region = parse_region(region.unwrap_or_default())?;
            let date = date.map_or_else(now_oss_date, str::to_owned);
            let scope = Scope::at(parse_date(&date)?, region);
            let signature = v4::sign_post_policy(&credentials.access_key_secret, &scope, &policy);
            out.insert("signature".into(), json!(signature));
            out.insert("x-oss-signature-version".into(), json!(v4::ALGORITHM));
            out.insert(
                "x-oss-credential".into(),
                json!(scope.credential(&credentials.access_key_id)),
            );
            out.insert("x-oss-date".into(), json!(date));
        }
        VersionArg::V1 => {
            out.insert(
                "signature".into(),
                json!(v1::sign(&credentials.access_key_secret, &policy)),
            );
            out.insert("OSSAccessKeyId".into(), json!(credentials.access_key_id));
        }
    }
    if let Some(token) = &credentials.security_token {
        out.insert("x-oss-security-token".into(), json!(token));
    }
    Ok(Value::Object(out))
}

/// One presign request, as flags or as a batch line.
#[derive(Deserialize)]
struct PresignSpec {
    #[serde(default)]
    version: VersionArg,
    #[serde(default = "default_method")]
    method: String,
    bucket: String,
    key: String,
    region: String,
    endpoint: Option<String>,
    date: String,
    expires: u64,
    content_type: Option<String>,
    callback_b64: Option<String>,
    callback_var_b64: Option<String>,
    /// Extra query parameters (sub-resources), in order.
    #[serde(default)]
    query: Vec<(String, String)>,
    /// Extra headers to sign, in order.
    #[serde(default)]
    headers: Vec<(String, String)>,
}

fn default_method() -> String {
    "PUT".to_owned()
}

fn presign_value(credentials: &Credentials, spec: &PresignSpec) -> Result<Value, Failure> {
    let region = parse_region(&spec.region)?;
    let endpoint = match &spec.endpoint {
        Some(url) => Endpoint::parse(url).map_err(|e| Failure::usage(e.to_string()))?,
        None => Endpoint::aliyun(&region),
    };
    let mut request = PresignRequest::new(&spec.method, &spec.bucket, &spec.key);
    for (name, value) in &spec.query {
        request = request.query_param(name, value);
    }
    if let Some(content_type) = &spec.content_type {
        request = request.content_type(content_type);
    }
    for (name, value) in &spec.headers {
        request = request.header(name, value);
    }
    if let Some(callback) = &spec.callback_b64 {
        request = request.callback(callback, spec.callback_var_b64.as_deref());
    }
    let options = PresignOptions {
        version: spec.version.into(),
        credentials: credentials.clone(),
        region,
        endpoint,
        now: parse_date(&spec.date)?,
        expires_in: spec.expires,
    };
    let signed =
        presign::presign(&request, &options).map_err(|e| Failure::signing(e.to_string()))?;
    let headers: Map<String, Value> = signed
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), json!(value)))
        .collect();
    Ok(json!({
        "method": signed.method,
        "url": signed.url,
        "headers": headers,
        "expires_at": signed.expires_at,
    }))
}

/// `oss-edge sign-post`.
pub fn run_sign_post(args: SignPostArgs) -> ExitCode {
    print_or_fail((|| {
        let credentials = credentials_from_env()?;
        let bytes = std::fs::read(&args.policy_file).map_err(|e| {
            Failure::usage(format!("cannot read {}: {e}", args.policy_file.display()))
        })?;
        sign_post_value(
            &credentials,
            args.version,
            args.region.as_deref(),
            args.date.as_deref(),
            &bytes,
        )
    })())
}

/// `oss-edge presign`.
pub fn run_presign(args: PresignArgs) -> ExitCode {
    let spec = PresignSpec {
        version: args.version,
        method: args.method,
        bucket: args.bucket,
        key: args.key,
        region: args.region,
        endpoint: args.endpoint,
        date: args.date.unwrap_or_else(now_oss_date),
        expires: args.expires,
        content_type: args.content_type,
        callback_b64: args.callback_b64,
        callback_var_b64: args.callback_var_b64,
        query: Vec::new(),
        headers: Vec::new(),
    };
    print_or_fail(credentials_from_env().and_then(|credentials| presign_value(&credentials, &spec)))
}

/// One `sign-batch` line: `{"op": "presign", …PresignSpec}` or
/// `{"op": "sign-post", "version", "region", "date", "policy"}` (policy as text).
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
enum BatchRequest {
    // Boxed: the presign variant is large and one value exists per line.
    Presign(Box<PresignSpec>),
    SignPost {
        #[serde(default)]
        version: VersionArg,
        region: Option<String>,
        date: Option<String>,
        policy: String,
    },
}

fn batch_line(credentials: &Credentials, line: &str) -> Value {
    let answer = serde_json::from_str::<BatchRequest>(line)
        .map_err(|e| Failure::usage(format!("bad request line: {e}")))
        .and_then(|request| match request {
            BatchRequest::Presign(spec) => presign_value(credentials, &spec),
            BatchRequest::SignPost {
                version,
                region,
                date,
                policy,
            } => sign_post_value(
                credentials,
                version,
                region.as_deref(),
                date.as_deref(),
                policy.as_bytes(),
            ),
        });
    answer.unwrap_or_else(|failure| json!({ "error": failure.message }))
}

/// `oss-edge sign-batch`: answers every stdin line with one stdout line, in order.
pub fn run_sign_batch(_args: SignBatchArgs) -> ExitCode {
    let credentials = match credentials_from_env() {
        Ok(credentials) => credentials,
        Err(failure) => return print_or_fail(Err(failure)),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else {
            eprintln!("error: stdin is not UTF-8 text");
            return ExitCode::from(2);
        };
        if line.trim().is_empty() {
            continue;
        }
        if writeln!(out, "{}", batch_line(&credentials, &line)).is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
