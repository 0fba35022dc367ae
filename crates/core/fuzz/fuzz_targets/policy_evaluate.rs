//! The PostObject policy evaluator: arbitrary policies and forms never panic, and evaluation
//! is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::sign::post_policy::{PolicyInput, Submission, evaluate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (policy, form) = text.split_once('\0').unwrap_or((&text, ""));
    let fields: Vec<(String, String)> = form
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let submission = Submission { bucket: "examplebucket", fields: &fields, file_size: data.len() as u64 };
    for input in [PolicyInput::Json(policy), PolicyInput::Base64(policy)] {
        let first = evaluate(input, &submission, 1_700_000_000).map(|_| ()).map_err(|e| e.to_string());
        let second = evaluate(input, &submission, 1_700_000_000).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(first, second);
    }
});
