#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SECURITY.md: "the callback Worker makes no outbound request at all" — so a URL taken from a
//! request can never be fetched (no SSRF), and a key is never downloaded. This guard fails if
//! the Worker's source ever gains a way to make one.

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

#[test]
fn the_callback_worker_makes_no_outbound_request() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/callback/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() >= 5,
        "expected the Worker's sources under {}",
        src.display()
    );
    // Ways a Worker reaches the network: worker::Fetch, service bindings (Fetcher), a method
    // call `.fetch(`, the global fetch looked up by name, sockets. (The inbound handler is
    // `async fn fetch(`, which none of these match.)
    let forbidden = [
        "Fetch::",
        "Fetcher",
        ".fetch(",
        "fetch_with",
        "\"fetch\"",
        "connect(",
        "Socket",
    ];
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for needle in forbidden {
            assert!(
                !text.contains(needle),
                "{} contains {needle:?}",
                file.display()
            );
        }
    }
    let manifest = std::fs::read_to_string(src.join("../Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("reqwest") && !manifest.contains("\"http\""),
        "no HTTP client dependency"
    );
}
