#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SECURITY.md, "Bounded outbound": the callback Worker reaches the network from one place
//! (`edge/confirm.rs`, through the shared `oss-edge-worker-support::fetch`, whose one `fetch`
//! call sends an `OutboundRequest` as the core built it), and it sends only what the core built
//! from configuration (`pipeline::confirmation_request`: `head_object` for
//! a bucket looked up in `BUCKETS`). Nothing in a request names a host to contact (no SSRF),
//! and a key URL is never downloaded. This guard fails if the Worker's source gains another
//! way to reach the network. (tests/confirmation.rs checks the same at the HTTP level: a
//! bucket that is not configured causes no request at all.)

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Ways a Worker reaches the network: worker::Fetch, service bindings (Fetcher), a method
/// call `.fetch(`, the global fetch (web-sys `fetch_with_*`, or looked up by name), sockets.
/// (The inbound handler is `async fn fetch(`, which none of these match.)
const FORBIDDEN: [&str; 7] = [
    "Fetch::",
    "Fetcher",
    ".fetch(",
    "fetch_with",
    "\"fetch\"",
    "connect(",
    "Socket",
];

fn hits(text: &str) -> Vec<&'static str> {
    FORBIDDEN
        .iter()
        .copied()
        .filter(|needle| text.contains(needle))
        .collect()
}

/// Every Rust source of the Worker crate `name` (crates/NAME/src): none may reach the network
/// on its own ([`FORBIDDEN`]), and only `caller` (relative to src) may call the shared fetch,
/// exactly `calls` times. Returns the caller's text for the caller's own checks.
fn only_caller_reaches_the_network(name: &str, caller: &str, calls: usize) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates")
        .join(name)
        .join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() >= 5,
        "expected the Worker's sources under {}",
        src.display()
    );
    let mut caller_text = None;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            hits(&text).is_empty(),
            "{} contains {:?}",
            file.display(),
            hits(&text)
        );
        let found = text.matches("fetch::").count();
        if *file == src.join(caller) {
            assert_eq!(found, calls, "{}", file.display());
            caller_text = Some(text);
        } else {
            assert_eq!(found, 0, "{} calls the shared fetch", file.display());
        }
    }
    caller_text.unwrap_or_else(|| panic!("no {caller} under {}", src.display()))
}

#[test]
fn the_only_outbound_request_is_the_confirmation_built_from_configuration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let src = root.join("crates/callback/src");
    // The shared fetch is called from the confirmation alone.
    let confirm = only_caller_reaches_the_network("callback", "edge/confirm.rs", 1);
    assert!(confirm.contains("fetch::head(request,"));
    assert!(confirm.contains("request: &OutboundRequest"));
    // The shared glue: one fetch, of the URL the core built, in fetch.rs; nothing elsewhere.
    let shared = root.join("crates/worker-support/src");
    let mut files = Vec::new();
    rust_files(&shared, &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if file.ends_with("fetch.rs") {
            assert_eq!(hits(&text), ["fetch_with"], "{}", file.display());
            assert_eq!(text.matches("fetch_with").count(), 1);
            assert!(text.contains("fetch_with_str_and_init(&request.url, &init)"));
            assert!(text.contains("request: &OutboundRequest"));
        } else {
            assert!(
                hits(&text).is_empty(),
                "{} contains {:?}",
                file.display(),
                hits(&text)
            );
        }
    }
    // Compared without whitespace, so formatting cannot matter.
    let pipeline: String = std::fs::read_to_string(src.join("pipeline.rs"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        pipeline.contains("lettarget=bucket_target(config,&pending.bucket)?;")
            && pipeline.contains("head_object(target,&pending.key,credentials,now_unix"),
        "the confirmation request is the core's HeadObject for a configured bucket"
    );
    assert!(
        pipeline.contains("config.buckets.as_ref()") && pipeline.contains(".target(bucket)"),
        "its target comes from BUCKETS"
    );
    let manifest = std::fs::read_to_string(src.join("../Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("reqwest") && !manifest.contains("\"http\""),
        "no HTTP client dependency"
    );
}

/// The reconciler Worker (crates/reconciler) reaches the network only through the shared fetch,
/// from its run (`edge/run.rs`), with requests the core built for a configured bucket: the
/// listing pages and the HeadObjects of versioned buckets (SECURITY.md, "Bounded outbound").
#[test]
fn the_reconciler_sends_only_the_cores_listing_and_head_requests() {
    let run = only_caller_reaches_the_network("reconciler", "edge/run.rs", 2);
    assert!(run.contains("fetch::with_body(&request, LIST_ATTEMPT_MS)"));
    assert!(run.contains("fetch::head(&request, HEAD_ATTEMPT_MS)"));
    // Both requests come from the core, for a bucket of BUCKETS.
    assert!(run.contains("listing.next_request_sized(self.credentials"));
    assert!(run.contains("head_object(self.bucket, key, self.credentials"));
    assert!(run.contains("for bucket in buckets.iter()"));
}
