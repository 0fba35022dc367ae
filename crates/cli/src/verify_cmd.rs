//! `oss-edge verify`: check a captured OSS callback and, when it fails, say why.
//!
//! A valid callback is printed as the upload event (schema `oss-edge.upload.v2`) the callback
//! Worker would queue with confirmation off: `source: "callback"`, `confirmed: false`, the
//! object taken from the body's claims. Confirming the object in the bucket needs the bucket's
//! answer, which this offline command does not fetch.

use std::path::PathBuf;
use std::process::ExitCode;

use oss_edge_core::callback::diagnose::{DiagnoseHints, diagnose};
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::callback::verify::DEFAULT_MAX_BODY_BYTES;
use oss_edge_core::callback::{
    CallbackRequest, TrustedKeys, UploadEvent, VerifyError, VerifyOptions, parse_body, verify,
};
use oss_edge_core::confirm::ObjectFacts;
use oss_edge_core::encoding::base64_encode;

use crate::http_file;

/// Arguments of `verify`. Give either `--request FILE` or `--target` with the headers and body.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 valid (the event JSON is printed), 1 invalid or naming no object (the reason is printed), 2 usage error."
)]
pub struct VerifyArgs {
    /// A raw HTTP request: request line, headers, blank line, body (CRLF or LF).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["target", "authorization", "pub_key_url", "body", "body_file", "content_type"])]
    request: Option<PathBuf>,
    /// The request target exactly as received: path and optional ?query.
    #[arg(long)]
    target: Option<String>,
    /// The `authorization` header value (Base64 signature).
    #[arg(long)]
    authorization: Option<String>,
    /// The `x-oss-pub-key-url` header value (Base64), or the decoded URL itself.
    #[arg(long, value_name = "B64_OR_URL")]
    pub_key_url: Option<String>,
    /// The `Content-Type` header (decides how the body is parsed unless --body-type is given).
    #[arg(long)]
    content_type: Option<String>,
    /// Parse the body as this type (the `callbackBodyType` the signer chose, as the callback
    /// Worker does when a ticket carries it) whatever the Content-Type header says.
    #[arg(long, value_enum)]
    body_type: Option<BodyTypeArg>,
    /// The body, as text.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// The body, read byte for byte from a file.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Another request header, `NAME: VALUE` (repeatable), e.g. `x-oss-request-id: 5CF3...`.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Also trust the key in PEM_FILE when the request names exactly URL (repeatable).
    #[arg(long = "trust-key", value_name = "URL=PEM_FILE")]
    trust_keys: Vec<String>,
    /// Refuse bodies longer than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
    /// Diagnosis hint: the callbackUrl the upload was configured with.
    #[arg(long)]
    callback_url: Option<String>,
    /// Diagnosis hint: a path prefix a proxy may have stripped (repeatable).
    #[arg(long = "prefix")]
    prefixes: Vec<String>,
    /// Unix seconds to stamp as `received_at` (default: now).
    #[arg(long)]
    now: Option<i64>,
}

/// `--body-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BodyTypeArg {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json`.
    Json,
}

impl From<BodyTypeArg> for BodyType {
    fn from(arg: BodyTypeArg) -> Self {
        match arg {
            BodyTypeArg::Form => BodyType::Form,
            BodyTypeArg::Json => BodyType::Json,
        }
    }
}

struct Input {
    target: Vec<u8>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    notes: Vec<String>,
}

/// The usage error for a request given neither as a capture nor completely as flags.
fn missing_request_parts(args: &VerifyArgs) -> Option<String> {
    let parts = [
        ("--target", args.target.is_some()),
        ("--authorization", args.authorization.is_some()),
        ("--pub-key-url", args.pub_key_url.is_some()),
    ];
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, given)| !given)
        .map(|(name, _)| *name)
        .collect();
    if args.request.is_some() || missing.is_empty() {
        return None;
    }
    Some(if missing.len() == parts.len() {
        "give the callback to verify: --request FILE (a captured raw HTTP request: request line, \
         headers, blank line, body), or --target, --authorization and --pub-key-url with --body"
            .to_owned()
    } else {
        format!(
            "{} missing: without --request FILE, give --target, --authorization and --pub-key-url",
            missing.join(" and ")
        )
    })
}

fn read_input(args: &VerifyArgs) -> Result<Input, String> {
    if let Some(message) = missing_request_parts(args) {
        return Err(message);
    }
    let mut input = if let Some(path) = &args.request {
        let capture =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let request = http_file::parse(&capture).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut notes = request.notes;
        if request.method != "POST" {
            notes.push(format!(
                "OSS sends callbacks with POST; this capture uses {}",
                request.method
            ));
        }
        Input {
            target: request.target,
            headers: request.headers,
            body: request.body,
            notes,
        }
    } else {
        let target = args.target.clone().unwrap_or_default();
        let key_url = args.pub_key_url.clone().unwrap_or_default();
        let key_url = if key_url.contains("://") {
            base64_encode(key_url.as_bytes())
        } else {
            key_url
        };
        let mut headers = vec![
            (
                "authorization".to_owned(),
                args.authorization.clone().unwrap_or_default(),
            ),
            ("x-oss-pub-key-url".to_owned(), key_url),
        ];
        if let Some(content_type) = &args.content_type {
            headers.push(("content-type".to_owned(), content_type.clone()));
        }
        let body = match (&args.body, &args.body_file) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(path)) => {
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
            }
            (None, None) => Vec::new(),
        };
        Input {
            target: target.into_bytes(),
            headers,
            body,
            notes: Vec::new(),
        }
    };
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("--header {header:?} is not `NAME: VALUE`"))?;
        input
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(input)
}

fn trusted_keys(args: &VerifyArgs) -> Result<TrustedKeys, String> {
    let mut keys = TrustedKeys::oss();
    for entry in &args.trust_keys {
        let (url, file) = entry
            .split_once('=')
            .ok_or_else(|| format!("--trust-key {entry:?} is not URL=PEM_FILE"))?;
        let pem = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        keys.add_pem(url, &pem)
            .map_err(|e| format!("--trust-key {url}: {e}"))?;
    }
    Ok(keys)
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs `verify`.
pub fn run(args: VerifyArgs) -> ExitCode {
    let (input, keys) = match read_input(&args).and_then(|input| Ok((input, trusted_keys(&args)?)))
    {
        Ok(ok) => ok,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    for note in &input.notes {
        eprintln!("note: {note}");
    }
    let headers: Vec<(&str, &str)> = input
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = CallbackRequest {
        target: &input.target,
        headers: &headers,
        body: &input.body,
    };
    let options = VerifyOptions {
        max_body_bytes: args.max_body_bytes,
    };
    match verify(&request, &keys, &options) {
        Ok(verified) => {
            let body = parse_body(&verified, &request, args.body_type.map(BodyType::from));
            let object = match ObjectFacts::from_claims(body.claimed()) {
                Ok(object) => object,
                Err(error) => {
                    println!(
                        "invalid: the signature is valid (key {}), but {error} [{}]",
                        verified.key_url,
                        error.code()
                    );
                    return ExitCode::from(1);
                }
            };
            let received_at = args.now.unwrap_or_else(now_unix);
            let event = UploadEvent::from_callback(body, object, false, None, received_at);
            println!(
                "{}",
                serde_json::to_string_pretty(&event).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("invalid: {error} [{}]", error.code());
            if matches!(error, VerifyError::UntrustedKeyUrl { .. }) {
                println!(
                    "hint: only OSS's own key is trusted; to verify a request signed with a test \
                     key, pass --trust-key URL=PEM_FILE with the exact URL the request names"
                );
            }
            if error == VerifyError::SignatureMismatch {
                let hints = DiagnoseHints {
                    callback_url: args.callback_url.clone(),
                    prefixes: args.prefixes.clone(),
                };
                match diagnose(&request, &keys, &hints) {
                    Some(found) => {
                        println!("diagnosis: {}", found.explanation);
                        println!(
                            "OSS signed target: {}",
                            String::from_utf8_lossy(&found.signed_target)
                        );
                        if found.signed_body != input.body {
                            println!(
                                "OSS signed body: {}",
                                String::from_utf8_lossy(&found.signed_body)
                            );
                        }
                    }
                    None => println!(
                        "diagnosis: no common rewrite (prefix, decoding, '+', trailing slash, query order, body re-encoding) explains it; \
                         check that the target and body are byte-exact, or pass --callback-url / --prefix hints"
                    ),
                }
            }
            ExitCode::from(1)
        }
    }
}
