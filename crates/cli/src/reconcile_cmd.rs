//! `oss-edge reconcile`: one reconciliation run of the reconciler Worker from a terminal
//! (`POST /v1/reconcile`, docs/reconcile.md).
//!
//! The token comes from `OSS_EDGE_RECONCILE_TOKEN`, never a flag (flags show in `ps` and
//! shell history). A Worker stops a run when its subrequest budget is spent and answers
//! `truncated: true` with the body that continues it; this command sends that body until the
//! run is complete (unless `--once`), printing every reply as one JSON line and, after more
//! than one call, a last line with the totals.
//!
//! Exit codes: 0 the run completed (or `--once` stopped it); 1 the Worker refused or failed
//! it, or could not be reached (the reason on stderr); 2 a usage error (no token, bad URL).

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

/// The environment variable holding the Worker's `RECONCILE_TOKEN`.
pub const TOKEN_ENV: &str = "OSS_EDGE_RECONCILE_TOKEN";

/// The endpoint's path on the reconciler Worker.
const PATH: &str = "/v1/reconcile";

/// Calls after which the command gives up on a run that keeps being truncated.
const MAX_CALLS: u32 = 1000;

/// Arguments of `reconcile`.
#[derive(Args)]
pub struct ReconcileArgs {
    /// The reconciler Worker's origin (e.g. https://oss-edge-reconciler.example.workers.dev) or
    /// its full /v1/reconcile URL (locally, the callback Worker's, which forwards it). http://
    /// and https:// (TLS with the bundled Mozilla roots).
    #[arg(long)]
    url: String,
    /// Days to list, ending today (UTC); 1 to 31. Default: the Worker's RECONCILE_DAYS.
    #[arg(long)]
    days: Option<u32>,
    /// List and report what would be queued; queue nothing.
    #[arg(long)]
    dry_run: bool,
    /// Make one call only, even when the Worker answers `truncated: true`.
    #[arg(long)]
    once: bool,
    /// Seconds to wait for each reply.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

/// The reconciliation URL for `--url`: an origin gets [`PATH`]; a URL already ending in it is
/// used as given.
fn endpoint(url: &str) -> Result<String, String> {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err(format!("--url {url:?} must start with http:// or https://"));
    };
    if url.contains(['?', '#']) {
        return Err(format!("--url {url:?} must not have a query or fragment"));
    }
    let path = rest.find('/').map_or("", |at| &rest[at..]);
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("--url {url:?} has no host"));
    }
    match path.trim_end_matches('/') {
        "" => Ok(format!("{}{PATH}", url.trim_end_matches('/'))),
        p if p == PATH => Ok(url.trim_end_matches('/').to_owned()),
        other => Err(format!(
            "--url path {other:?}: give the reconciler Worker's origin or its {PATH} URL"
        )),
    }
}

fn body(args: &ReconcileArgs) -> Value {
    let mut body = json!({ "dry_run": args.dry_run });
    if let Some(days) = args.days {
        body["days"] = days.into();
    }
    body
}

/// One call: the status and the reply as JSON (a non-JSON reply is wrapped).
fn call(agent: &ureq::Agent, url: &str, token: &str, body: &Value) -> Result<(u16, Value), String> {
    let mut response = agent
        .post(url)
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(body.to_string())
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("reading the reply of {url}: {e}"))?;
    let reply = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "reply": text }));
    Ok((status, reply))
}

/// Runs `oss-edge reconcile`.
pub fn run(args: ReconcileArgs) -> ExitCode {
    let url = match endpoint(&args.url) {
        Ok(url) => url,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let Some(token) = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    else {
        eprintln!(
            "error: set {TOKEN_ENV} to the Worker's RECONCILE_TOKEN (it is never a flag, so it \
             stays out of `ps` and shell history)"
        );
        return ExitCode::from(2);
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(args.timeout)))
        .build()
        .into();
    let mut request = body(&args);
    let (mut calls, mut listed, mut queued) = (0u32, 0u64, 0u64);
    loop {
        let (status, reply) = match call(&agent, &url, token.trim(), &request) {
            Ok(answer) => answer,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(1);
            }
        };
        calls += 1;
        println!("{reply}");
        if status != 200 {
            let code = reply["error"].as_str().unwrap_or("unexpected_status");
            let message = reply["message"].as_str().unwrap_or("");
            eprintln!("error: {status} {code}: {message}");
            return ExitCode::from(1);
        }
        listed += reply["listed"].as_u64().unwrap_or(0);
        queued += reply["queued"].as_u64().unwrap_or(0);
        let next = reply
            .get("continue_with")
            .filter(|_| reply["truncated"] == true);
        match next {
            Some(next) if !args.once && calls < MAX_CALLS => request = next.clone(),
            Some(_) if !args.once => {
                eprintln!("error: still truncated after {calls} calls; continue with --once");
                return ExitCode::from(1);
            }
            _ => break,
        }
    }
    if calls > 1 {
        println!(
            "{}",
            json!({ "total": true, "calls": calls, "listed": listed, "queued": queued,
                    "dry_run": args.dry_run })
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for (given, want) in [
            (
                "http://127.0.0.1:8788",
                "http://127.0.0.1:8788/v1/reconcile",
            ),
            (
                "http://127.0.0.1:8788/",
                "http://127.0.0.1:8788/v1/reconcile",
            ),
            (
                "https://cb.example.workers.dev/v1/reconcile",
                "https://cb.example.workers.dev/v1/reconcile",
            ),
            (
                "https://cb.example/v1/reconcile/",
                "https://cb.example/v1/reconcile",
            ),
        ] {
            assert_eq!(endpoint(given).as_deref(), Ok(want), "{given}");
        }
        for bad in [
            "127.0.0.1:8788",
            "ftp://x",
            "https://",
            "https://h/oss/callback",
            "https://h/?x",
        ] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }
}
