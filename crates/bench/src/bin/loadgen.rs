//! Load generator for the end-to-end benchmarks: sends exactly N requests over C keep-alive
//! connections (closed loop: each connection sends its next request when the previous answer
//! has arrived) and prints throughput, latency percentiles and status counts as JSON.
//!
//! ```text
//! loadgen --url http://127.0.0.1:18801 --requests 5000 --concurrency 8 [--first 0] \
//!         --key tests/keys/test-512-key.pem --key-url http://127.0.0.1:9/bench-512.pem [--tamper]
//! loadgen --url http://127.0.0.1:18801 --requests 500 --healthz
//! ```
//! The callbacks are `oss_edge_bench::callbacks` (N distinct uploads, each signed as OSS signs
//! and carrying an upload ticket, so each must become its own event), the same ones the
//! isolate harness times; `--first` shifts the indices (a warm-up set that shares no
//! object, hence no event id, with the measured one). `--no-tickets` leaves the ticket out; `--tamper` changes each body
//! after signing (the Worker verifies fully and refuses: 403, nothing queued); `--healthz`
//! sends `GET /healthz` instead. `--unsigned` sends the bodies without any signature (for
//! warming a Worker up without creating events).
//!
//! HTTP is ureq's (the client the repository's blocking tests use) rather than a hand-written
//! one: one `Agent` per thread, which keeps its one connection alive between requests. A
//! thread per connection is what a closed-loop generator needs at these rates (a few thousand
//! requests per second over at most a few dozen connections): an async client would only add
//! a runtime, and the generator's own CPU shares the machine with the Worker it measures, so
//! the leaner the better (the JSON reports it as `loadgen_cpu_ms`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oss_edge_bench::callbacks::{Options, signed_callbacks};

struct Args {
    base: String,
    requests: usize,
    first: usize,
    concurrency: usize,
    key: Option<String>,
    key_url: String,
    tickets: bool,
    tamper: bool,
    healthz: bool,
    unsigned: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        base: String::new(),
        requests: 1000,
        first: 0,
        concurrency: 8,
        key: None,
        key_url: String::new(),
        tickets: true,
        tamper: false,
        healthz: false,
        unsigned: false,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => parsed.base = value()?.trim_end_matches('/').to_owned(),
            "--requests" => {
                parsed.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--concurrency" => {
                parsed.concurrency = value()?
                    .parse::<usize>()
                    .map_err(|e| format!("--concurrency: {e}"))?
                    .max(1)
            }
            "--first" => parsed.first = value()?.parse().map_err(|e| format!("--first: {e}"))?,
            "--key" => parsed.key = Some(value()?),
            "--key-url" => parsed.key_url = value()?,
            "--no-tickets" => parsed.tickets = false,
            "--tamper" => parsed.tamper = true,
            "--healthz" => parsed.healthz = true,
            "--unsigned" => parsed.unsigned = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !parsed.base.starts_with("http://") {
        return Err("--url must be http://host:port".to_owned());
    }
    if !parsed.healthz && !parsed.unsigned && parsed.key.is_none() {
        return Err(
            "--key is required for signed callbacks (or --healthz / --unsigned)".to_owned(),
        );
    }
    Ok(parsed)
}

/// One request: method, URL, headers, body.
struct Planned {
    post: bool,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn plan(args: &Args) -> Result<Vec<Planned>, String> {
    if args.healthz {
        return Ok((0..args.requests)
            .map(|_| Planned {
                post: false,
                url: format!("{}/healthz", args.base),
                headers: Vec::new(),
                body: Vec::new(),
            })
            .collect());
    }
    let pem = match &args.key {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
        None => String::new(),
    };
    let now_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let options = Options {
        count: args.requests,
        first: args.first,
        private_key_pem: pem,
        key_url: args.key_url.clone(),
        tickets: args.tickets,
        tamper: args.tamper,
        now_unix,
    };
    if args.unsigned {
        return Ok((0..args.requests)
            .map(|i| Planned {
                post: true,
                url: format!("{}/oss/callback", args.base),
                headers: vec![("content-type".into(), "application/json".into())],
                body: format!(r#"{{"bucket":"bench","object":"warm/{i}"}}"#).into_bytes(),
            })
            .collect());
    }
    Ok(signed_callbacks(&options)?
        .into_iter()
        .map(|c| Planned {
            post: true,
            url: format!("{}{}", args.base, c.target),
            headers: c.headers,
            body: c.body.into_bytes(),
        })
        .collect())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(1)
        .max_idle_connections_per_host(1)
        .no_delay(true)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn exchange(agent: &ureq::Agent, request: &Planned) -> Result<u16, ureq::Error> {
    let mut response = if request.post {
        let mut builder = agent.post(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder.send(&request.body[..])?
    } else {
        agent.get(&request.url).call()?
    };
    let status = response.status().as_u16();
    // Read the whole reply, so the connection can carry the next request.
    response.body_mut().read_to_vec()?;
    Ok(status)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// This process's CPU time so far (all threads), in milliseconds.
fn own_cpu_ms() -> f64 {
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 per second).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let after = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let ticks: f64 =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks * 10.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("loadgen: {message}");
            std::process::exit(2);
        }
    };
    let requests = match plan(&args) {
        Ok(requests) => requests,
        Err(message) => {
            eprintln!("loadgen: {message}");
            std::process::exit(2);
        }
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(u16, f64)>> = Mutex::new(Vec::with_capacity(requests.len()));
    let errors = AtomicUsize::new(0);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let cpu_before = own_cpu_ms();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.concurrency {
            scope.spawn(|| {
                let agent = agent();
                let mut local = Vec::new();
                while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let sent = Instant::now();
                    match exchange(&agent, request) {
                        Ok(status) => local.push((status, sent.elapsed().as_secs_f64() * 1000.0)),
                        Err(error) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut first) = first_error.lock() {
                                first.get_or_insert_with(|| error.to_string());
                            }
                        }
                    }
                }
                if let Ok(mut all) = results.lock() {
                    all.extend(local);
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let cpu_ms = own_cpu_ms() - cpu_before;
    let results = results.into_inner().unwrap_or_default();
    let mut latencies: Vec<f64> = results.iter().map(|(_, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    let ok = results.iter().filter(|(status, _)| *status == 200).count();
    let mut statuses: Vec<(u16, usize)> = Vec::new();
    for (status, _) in &results {
        match statuses.iter_mut().find(|(s, _)| s == status) {
            Some((_, n)) => *n += 1,
            None => statuses.push((*status, 1)),
        }
    }
    statuses.sort_unstable();
    let statuses: serde_json::Map<String, serde_json::Value> = statuses
        .into_iter()
        .map(|(s, n)| (s.to_string(), n.into()))
        .collect();
    let report = serde_json::json!({
        "requests": requests.len(),
        "ok": ok,
        "non_ok": results.len() - ok,
        "statuses": statuses,
        "errors": errors.load(Ordering::Relaxed),
        "first_error": first_error.into_inner().unwrap_or_default(),
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "rps": ((results.len() as f64 / seconds) * 10.0).round() / 10.0,
        "p50_ms": (percentile(&latencies, 0.50) * 1000.0).round() / 1000.0,
        "p99_ms": (percentile(&latencies, 0.99) * 1000.0).round() / 1000.0,
        "concurrency": args.concurrency,
        "loadgen_cpu_ms": cpu_ms,
    });
    println!("{report}");
}
