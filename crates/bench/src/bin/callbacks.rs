//! Writes the benchmark's signed callbacks as JSON, for the harnesses that run in Node
//! (`scripts/bench.d/isolate.mjs`): the same requests `loadgen` sends (see
//! `oss_edge_bench::callbacks`).
//!
//! ```text
//! callbacks --count 2000 [--first 0] --key tests/keys/test-512-key.pem --key-url http://127.0.0.1:9/bench-512.pem \
//!           [--no-tickets] [--tamper] > callbacks.json
//! ```
//! Prints `{"bucket", "etag", "content_type", "ticket_keys", "callbacks": [{"target",
//! "headers": [[name, value], …], "body", "object", "size"}, …]}`.

use oss_edge_bench::callbacks::{
    BUCKET, CONTENT_TYPE, ETAG, Options, TICKET_KEYS, signed_callbacks,
};
use serde_json::json;

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        count: 1000,
        first: 0,
        private_key_pem: String::new(),
        key_url: String::new(),
        tickets: true,
        tamper: false,
        now_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs() as i64,
    };
    let mut key = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--count" => options.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--first" => options.first = value()?.parse().map_err(|e| format!("--first: {e}"))?,
            "--key" => key = Some(value()?),
            "--key-url" => options.key_url = value()?,
            "--no-tickets" => options.tickets = false,
            "--tamper" => options.tamper = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let key = key.ok_or("--key is required")?;
    options.private_key_pem = std::fs::read_to_string(&key).map_err(|e| format!("{key}: {e}"))?;
    if options.key_url.is_empty() {
        return Err("--key-url is required".to_owned());
    }
    Ok(options)
}

fn main() {
    let result = parse_args().and_then(|options| signed_callbacks(&options));
    let callbacks = match result {
        Ok(callbacks) => callbacks,
        Err(message) => {
            eprintln!("callbacks: {message}");
            std::process::exit(2);
        }
    };
    let list: Vec<_> = callbacks
        .iter()
        .map(|c| {
            json!({
                "target": c.target,
                "headers": c.headers,
                "body": c.body,
                "object": c.object,
                "size": c.size,
            })
        })
        .collect();
    let document = json!({
        "bucket": BUCKET,
        "etag": ETAG,
        "content_type": CONTENT_TYPE,
        "ticket_keys": TICKET_KEYS,
        "callbacks": list,
    });
    println!("{document}");
}
