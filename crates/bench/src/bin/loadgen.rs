//! Load generator for the end-to-end benchmark: sends exactly N distinct, validly signed OSS
//! callbacks (each with its own `reqId`, so each must become its own event) over C keep-alive
//! connections, and prints throughput, latency percentiles and status counts as JSON.
//!
//! ```text
//! loadgen --url http://127.0.0.1:8798/oss/callback --requests 5000 --concurrency 8 \
//!         --key tests/keys/test-512-key.pem --key-url http://127.0.0.1:9000/bench-512.pem
//! ```
//! Without `--key` the requests are unsigned (for the trivial Worker, the runtime's floor).
//! With `--tamper` each body is changed after signing, so the Worker runs the full RSA check
//! and refuses it (403, nothing queued): the cost of verification without the queue send.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;

struct Args {
    host_port: String,
    path: String,
    requests: usize,
    concurrency: usize,
    key: Option<String>,
    key_url: String,
    tamper: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut requests, mut concurrency, mut key, mut key_url) =
        (None, 1000, 8, None, String::new());
    let mut tamper = false;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => url = Some(value()?),
            "--requests" => requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?,
            "--concurrency" => {
                concurrency = value()?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--key" => key = Some(value()?),
            "--key-url" => key_url = value()?,
            "--tamper" => tamper = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let url = url.ok_or("--url is required")?;
    let rest = url
        .strip_prefix("http://")
        .ok_or("--url must be http://host:port/path")?;
    let (host_port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    };
    Ok(Args {
        host_port: host_port.to_owned(),
        path,
        requests,
        concurrency: concurrency.max(1),
        key,
        key_url,
        tamper,
    })
}

fn build_requests(args: &Args) -> Result<Vec<Vec<u8>>, String> {
    let signer = match &args.key {
        Some(path) => {
            let pem = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Some(CallbackSigner::from_pkcs8_pem(&pem).map_err(|e| format!("{path}: {e}"))?)
        }
        None => None,
    };
    let key_url = base64_encode(args.key_url.as_bytes());
    (0..args.requests)
        .map(|i| {
            let body = format!(
                r#"{{"bucket":"bench","object":"uploads/load/{i:08}.png","etag":"D8E8FCA2DC0F896FD7CB4CB0031BA249","size":{size},"mimeType":"image/png","imageInfo":{{"height":[480],"width":[640],"format":["png"]}},"crc64":11782093538209634585,"contentMd5":["2Oj8otwPiW/Xy0ywAxuiSQ=="],"clientIp":"127.0.0.1","reqId":"LOAD{i:020}","operation":"PostObject","vpcId":[]}}"#,
                size = 1000 + i
            );
            let mut head = format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nUser-Agent: aliyun-oss-callback\r\nx-oss-request-id: LOAD{i:020}\r\n",
                args.path,
                args.host_port,
                body.len()
            );
            if let Some(signer) = &signer {
                let authorization = signer.sign(args.path.as_bytes(), body.as_bytes()).map_err(|e| e.to_string())?;
                head.push_str(&format!("authorization: {authorization}\r\nx-oss-pub-key-url: {key_url}\r\n"));
            }
            head.push_str("\r\n");
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(body.as_bytes());
            if args.tamper {
                // Same length, one byte changed: the signature no longer matches.
                let last = bytes.len() - 2;
                bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
            }
            Ok(bytes)
        })
        .collect()
}

/// Sends one request on `stream` and returns the status code, keeping the connection usable.
fn exchange(stream: &mut BufReader<TcpStream>, request: &[u8]) -> std::io::Result<u16> {
    stream.get_mut().write_all(request)?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let mut length = 0usize;
    loop {
        line.clear();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value
                .trim()
                .parse()
                .map_err(|_| std::io::ErrorKind::InvalidData)?;
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok(status)
}

fn connect(host_port: &str) -> std::io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect(host_port)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(BufReader::new(stream))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("loadgen: {message}");
            std::process::exit(2);
        }
    };
    let requests = match build_requests(&args) {
        Ok(requests) => requests,
        Err(message) => {
            eprintln!("loadgen: {message}");
            std::process::exit(2);
        }
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(u16, f64)>> = Mutex::new(Vec::with_capacity(requests.len()));
    let errors = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.concurrency {
            scope.spawn(|| {
                let mut local = Vec::new();
                let mut connection = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(i) else {
                        break;
                    };
                    let sent = Instant::now();
                    // One retry on a fresh connection if the kept-alive one was closed.
                    let mut outcome = Err(std::io::ErrorKind::NotConnected.into());
                    for _ in 0..2 {
                        if connection.is_none() {
                            connection = connect(&args.host_port).ok();
                        }
                        let Some(stream) = connection.as_mut() else {
                            continue;
                        };
                        outcome = exchange(stream, request);
                        if outcome.is_ok() {
                            break;
                        }
                        connection = None;
                    }
                    match outcome {
                        Ok(status) => local.push((status, sent.elapsed().as_secs_f64() * 1000.0)),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
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
    let results = results.into_inner().unwrap_or_default();
    let mut latencies: Vec<f64> = results.iter().map(|(_, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    let ok = results.iter().filter(|(status, _)| *status == 200).count();
    println!(
        "{{\"requests\":{},\"ok\":{},\"non_ok\":{},\"errors\":{},\"seconds\":{:.3},\"rps\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"concurrency\":{}}}",
        requests.len(),
        ok,
        results.len() - ok,
        errors.load(Ordering::Relaxed),
        seconds,
        results.len() as f64 / seconds,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        args.concurrency
    );
}
