//! The hidden `oss-edge confirm-batch`: the confirmation requests the core signs (HeadObject,
//! ListObjectsV2 with V4 header authorisation), one JSON line in, one JSON line out, for the
//! differential suite (tests/differential) to compare with the official SDKs.
//!
//! ```text
//! {"op":"head","bucket":"b","key":"k","region":"cn-hangzhou","endpoint":"https://…"?,"date":"20231114T221320Z"}
//! {"op":"list","bucket":"b","region":"cn-hangzhou","prefix":"p/","continuation":"t"?,"max_keys":100,"date":"…"}
//! → {"method":"HEAD","url":"https://…","headers":{"authorization":"OSS4-HMAC-SHA256 …",…}}
//! ```
//!
//! Credentials come from `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and optional
//! `OSS_SESSION_TOKEN`, as for `sign-batch`.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use oss_edge_core::confirm::{Buckets, OutboundRequest, head_object, list_objects};
use oss_edge_core::sign::Credentials;
use oss_edge_core::time::parse_oss_date;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Arguments of the hidden `confirm-batch`: JSON lines in, JSON lines out.
#[derive(clap::Args)]
pub struct ConfirmBatchArgs {}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
enum BatchRequest {
    Head {
        bucket: String,
        key: String,
        region: String,
        endpoint: Option<String>,
        date: String,
    },
    List {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        #[serde(default)]
        prefix: String,
        continuation: Option<String>,
        max_keys: u32,
        date: String,
    },
}

fn credentials() -> Result<Credentials, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (var("OSS_ACCESS_KEY_ID"), var("OSS_ACCESS_KEY_SECRET")) else {
        return Err(
            "credentials missing: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET \
                    (and OSS_SESSION_TOKEN for STS) in the environment"
                .into(),
        );
    };
    let credentials = Credentials::new(id, secret);
    Ok(match var("OSS_SESSION_TOKEN") {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    })
}

/// The bucket as `BUCKETS` would configure it: the same parser the callback Worker uses.
fn bucket_config(bucket: &str, region: &str, endpoint: Option<&str>) -> Result<Buckets, String> {
    let mut entry = json!({ "name": bucket, "region": region });
    if let Some(endpoint) = endpoint {
        entry["endpoint"] = endpoint.into();
    }
    Buckets::parse_json(&Value::Array(vec![entry]).to_string()).map_err(|e| e.to_string())
}

fn to_value(request: &OutboundRequest) -> Value {
    let headers: Map<String, Value> = request
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), Value::String(v.clone())))
        .collect();
    json!({ "method": request.method, "url": request.url, "headers": headers })
}

fn answer(credentials: &Credentials, line: &str) -> Result<Value, String> {
    let request: BatchRequest =
        serde_json::from_str(line).map_err(|e| format!("bad request line: {e}"))?;
    let now = |date: &str| parse_oss_date(date).map_err(|e| format!("date: {e}"));
    let outbound = match request {
        BatchRequest::Head {
            bucket,
            key,
            region,
            endpoint,
            date,
        } => {
            let buckets = bucket_config(&bucket, &region, endpoint.as_deref())?;
            let target = buckets.target(&bucket).map_err(|e| e.to_string())?;
            head_object(target, &key, credentials, now(&date)?)
        }
        BatchRequest::List {
            bucket,
            region,
            endpoint,
            prefix,
            continuation,
            max_keys,
            date,
        } => {
            let buckets = bucket_config(&bucket, &region, endpoint.as_deref())?;
            let target = buckets.target(&bucket).map_err(|e| e.to_string())?;
            list_objects(
                target,
                &prefix,
                continuation.as_deref(),
                max_keys,
                credentials,
                now(&date)?,
            )
        }
    };
    Ok(to_value(&outbound))
}

/// `oss-edge confirm-batch`: answers every stdin line with one stdout line, in order.
pub fn run(_args: ConfirmBatchArgs) -> ExitCode {
    let credentials = match credentials() {
        Ok(credentials) => credentials,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
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
        let value = answer(&credentials, &line).unwrap_or_else(|error| json!({ "error": error }));
        if writeln!(out, "{value}").is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
