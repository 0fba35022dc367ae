//! HeadObject answers: judging arbitrary statuses and headers never panics; an accepted
//! answer's facts are the headers' own (size = Content-Length, a normalised ETag), and a claim
//! that differs from them is refused as a mismatch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::confirm::{Buckets, Claimed, ConfirmError, HeadAnswer, judge_head};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let headers: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let buckets = Buckets::parse_json(r#"[{"name":"b-plain","region":"cn-hangzhou"},{"name":"b-versioned","region":"cn-hangzhou","versioned":true}]"#).expect("buckets");
    let bucket = buckets.get(if selector & 1 == 0 { "b-plain" } else { "b-versioned" }).expect("bucket");
    let status = [200u16, 200, 200, 404, 403, 500, 302, 429][usize::from(selector >> 1) % 8];
    let answer = HeadAnswer { status, headers: &headers };
    match judge_head(bucket, "k", &Claimed::default(), &answer) {
        Ok(facts) => {
            assert_eq!(status, 200);
            let length = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).expect("length");
            assert_eq!(length.1.trim().parse::<u64>().ok(), Some(facts.size));
            assert!(!facts.etag.is_empty() && !facts.etag.contains('"'));
            assert_eq!(facts.etag, facts.etag.to_ascii_uppercase());
            assert_eq!(facts.version_id.is_some(), bucket.versioned);
            let id = facts.event_id();
            assert!(id.starts_with("sha256:") && id.len() == 71);
            let wrong = Claimed { size: Some(facts.size ^ 1), ..Claimed::default() };
            assert!(matches!(judge_head(bucket, "k", &wrong, &answer), Err(ConfirmError::Mismatch { field: "size", .. })));
            let same = Claimed { size: Some(facts.size), etag: Some(facts.etag.to_ascii_lowercase()), content_type: facts.content_type.clone() };
            assert_eq!(judge_head(bucket, "k", &same, &answer), Ok(facts));
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            assert_eq!(error.is_transient(), error.http_status() == 503);
            if status == 404 {
                assert_eq!(error.code(), "object_not_found");
            }
        }
    }
});
