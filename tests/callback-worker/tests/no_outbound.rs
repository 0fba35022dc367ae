#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SECURITY.md, "Bounded outbound": the callback Worker reaches the network from one place
//! (`edge/confirm.rs`; reconciliation's listing pages go through the same `start_fetch`), and it
//! sends only what the core built from configuration (`pipeline::confirmation_request`: `head_object` for
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

#[test]
fn the_only_outbound_request_is_the_confirmation_built_from_configuration() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/callback/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() >= 5,
        "expected the Worker's sources under {}",
        src.display()
    );
    let confirm = src.join("edge/confirm.rs");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let hits: Vec<&str> = FORBIDDEN
            .iter()
            .copied()
            .filter(|needle| text.contains(needle))
            .collect();
        if *file == confirm {
            // One fetch, of the URL the core built, nothing else.
            assert_eq!(hits, ["fetch_with"], "{}", file.display());
            assert_eq!(text.matches("fetch_with").count(), 1);
            assert!(text.contains("fetch_with_str_and_init(&request.url, &init)"));
            assert!(text.contains("request: &OutboundRequest"));
        } else {
            assert!(hits.is_empty(), "{} contains {hits:?}", file.display());
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
