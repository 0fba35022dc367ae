//! The core's confirmation requests against oss-sim, as the callback Worker makes them in dev
//! (contracts §5): `confirm::head_object` and `confirm::list_objects` produce V4 header-signed
//! requests; the sim verifies them as OSS does, answers with OSS's headers, and the core's
//! judges read those answers. Tampered, anonymous, stale and foreign requests are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::confirm::{
    BucketTarget, Claimed, ConfirmError, HeadAnswer, ListAnswer, OutboundRequest, head_object,
    judge_head, judge_list, list_objects,
};
use oss_edge_core::sign::presign::PresignRequest;
use oss_edge_core::sign::{Credentials, Endpoint, SignatureVersion};
use oss_edge_sim::http_client::Answer;
use oss_edge_sim::{Config, Sim};

fn target(sim: &Sim, versioned: bool) -> BucketTarget {
    BucketTarget {
        name: BUCKET.into(),
        endpoint: Endpoint::parse(&sim.endpoint()).unwrap(),
        region: region(),
        versioned,
    }
}

/// Sends an outbound request exactly as built (plus the Host the HTTP client adds).
fn perform(sim: &Sim, request: &OutboundRequest) -> Answer {
    perform_with(sim, request, |_| {})
}

fn perform_with(
    sim: &Sim,
    request: &OutboundRequest,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Answer {
    let mut headers = request.headers.clone();
    edit(&mut headers);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send(
        sim,
        request.method,
        &target_of(sim, &request.url),
        &refs,
        b"",
    )
}

fn put(sim: &Sim, key: &str, content_type: &str, body: &[u8]) -> Answer {
    let signed = presign_at(
        sim,
        &PresignRequest::put(BUCKET, key).content_type(content_type),
        SignatureVersion::V4,
        now(),
        600,
    );
    let answer = send_presigned(sim, &signed, &[], body);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

#[test]
fn head_object_confirms_with_osss_headers() {
    let sim = start_sim();
    let png = png(3, 2);
    let stored = put(&sim, "uploads/a b+c.png", "image/png", &png);

    let request = head_object(
        &target(&sim, false),
        "uploads/a b+c.png",
        &credentials(),
        now(),
    );
    let answer = perform(&sim, &request);
    assert_eq!(answer.status, 200);
    assert!(answer.body.is_empty(), "HEAD has no body");
    assert_eq!(answer.content_length, Some(png.len() as u64));
    let etag = answer.header("etag").unwrap();
    assert_eq!(Some(etag), stored.header("etag"));
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert_eq!(
        etag.trim_matches('"'),
        etag.trim_matches('"').to_ascii_uppercase()
    );
    assert_eq!(answer.header("content-type"), Some("image/png"));
    let last_modified = answer.header("last-modified").unwrap();
    assert!(
        oss_edge_core::time::parse_http_date(last_modified).is_ok(),
        "{last_modified}"
    );
    assert_eq!(answer.header("x-oss-object-type"), Some("Normal"));
    assert_eq!(answer.header("x-oss-request-id").map(str::len), Some(24));
    assert_eq!(answer.header("x-oss-version-id"), None, "versioning is off");

    let facts = judge_head(
        &target(&sim, false),
        "uploads/a b+c.png",
        &Claimed {
            size: Some(png.len() as u64),
            etag: Some(etag.trim_matches('"').to_ascii_lowercase()),
            content_type: Some("image/png".into()),
        },
        &HeadAnswer {
            status: answer.status,
            headers: &answer.headers,
        },
    )
    .unwrap();
    assert_eq!(facts.size, png.len() as u64);
    assert_eq!(
        facts.crc64,
        Some(oss_edge_core::object::Crc64Ecma::checksum(&png))
    );
    assert_eq!(facts.content_type.as_deref(), Some("image/png"));

    // A claim that is not the stored object is a mismatch, judged on the sim's answer.
    let mismatch = judge_head(
        &target(&sim, false),
        "uploads/a b+c.png",
        &Claimed {
            size: Some(1),
            ..Claimed::default()
        },
        &HeadAnswer {
            status: answer.status,
            headers: &answer.headers,
        },
    );
    assert!(matches!(
        mismatch,
        Err(ConfirmError::Mismatch { field: "size", .. })
    ));
}

#[test]
fn head_object_of_a_missing_object_is_404_with_x_oss_ec_and_no_body() {
    let sim = start_sim();
    let request = head_object(
        &target(&sim, false),
        "uploads/none.png",
        &credentials(),
        now(),
    );
    let answer = perform(&sim, &request);
    assert_eq!(answer.status, 404);
    assert!(answer.body.is_empty());
    assert_eq!(answer.header("x-oss-ec"), Some("0026-00000001"));
    assert!(matches!(
        judge_head(
            &target(&sim, false),
            "uploads/none.png",
            &Claimed::default(),
            &HeadAnswer {
                status: answer.status,
                headers: &answer.headers
            }
        ),
        Err(ConfirmError::NotFound { .. })
    ));
    // GET of the same shows OSS's XML error with the EC, header and element.
    let get_missing = get(&sim, "uploads/none.png");
    assert_eq!(get_missing.header("x-oss-ec"), Some("0026-00000001"));
    assert!(String::from_utf8_lossy(&get_missing.body).contains("<EC>0026-00000001</EC>"));
}

#[test]
fn forged_tampered_stale_and_anonymous_heads_are_refused() {
    let sim = start_sim();
    put(&sim, "uploads/x.txt", "text/plain", b"hello");
    let bucket = target(&sim, false);
    let denied = |answer: &Answer| {
        assert!(answer.body.is_empty());
        (
            answer.status,
            judge_head(
                &bucket,
                "uploads/x.txt",
                &Claimed::default(),
                &HeadAnswer {
                    status: answer.status,
                    headers: &answer.headers,
                },
            ),
        )
    };

    // Another object's path under this signature.
    let request = head_object(&bucket, "uploads/x.txt", &credentials(), now());
    let mut moved = request.clone();
    moved.url = moved.url.replace("x.txt", "y.txt");
    let (status, judged) = denied(&perform(&sim, &moved));
    assert_eq!(status, 403);
    assert!(matches!(
        judged,
        Err(ConfirmError::Denied { status: 403, .. })
    ));

    // A signed header changed, one added, the signature itself altered.
    for edit in [
        |h: &mut Vec<(String, String)>| {
            for (n, v) in h.iter_mut() {
                if n == "x-oss-date" {
                    // The last digit of the seconds, changed whatever it was.
                    let digit = if &v[14..15] == "9" { "8" } else { "9" };
                    v.replace_range(14..15, digit);
                }
            }
        },
        |h: &mut Vec<(String, String)>| h.push(("x-oss-meta-extra".into(), "1".into())),
        |h: &mut Vec<(String, String)>| {
            let auth = h.iter_mut().find(|(n, _)| n == "authorization").unwrap();
            let last = auth.1.pop().unwrap();
            auth.1.push(if last == '0' { '1' } else { '0' });
        },
    ] {
        let answer = perform_with(&sim, &request, edit);
        assert_eq!(answer.status, 403);
        assert!(answer.body.is_empty());
    }

    // Wrong secret, unknown AccessKey, stale signing time, anonymous.
    let wrong = head_object(
        &bucket,
        "uploads/x.txt",
        &Credentials::new(credentials().access_key_id, "not-the-secret"),
        now(),
    );
    assert_eq!(perform(&sim, &wrong).status, 403);
    let stranger = head_object(
        &bucket,
        "uploads/x.txt",
        &Credentials::new("someone-else", "secret"),
        now(),
    );
    let answer = perform(&sim, &stranger);
    assert_eq!(answer.status, 403);
    let stale = head_object(&bucket, "uploads/x.txt", &credentials(), now() - 16 * 60);
    assert_eq!(perform(&sim, &stale).status, 403);
    let answer = perform_with(&sim, &request, |h| h.clear());
    assert_eq!(answer.status, 403);
    assert_eq!(answer.header("x-oss-ec"), Some("0003-00000001"));

    // The untouched request still passes (the refusals above are the edits, not the sim).
    assert_eq!(perform(&sim, &request).status, 200);

    // The error codes, through GET (which has a body).
    let get_target = format!("/{BUCKET}/uploads/x.txt");
    let mut headers = Vec::new();
    sign_v4_headers(
        "GET",
        BUCKET,
        "uploads/x.txt",
        &[],
        &mut headers,
        now() - 3600,
    );
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        error_of(&send(&sim, "GET", &get_target, &refs, b"")).0,
        "RequestTimeTooSkewed"
    );
    let mut headers = Vec::new();
    sign_v4_headers("GET", BUCKET, "uploads/other.txt", &[], &mut headers, now());
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mismatch = send(&sim, "GET", &get_target, &refs, b"");
    assert_eq!(error_of(&mismatch).0, "SignatureDoesNotMatch");
    assert_eq!(mismatch.header("x-oss-ec"), Some("0002-00000040"));
    let xml = String::from_utf8_lossy(&mismatch.body).into_owned();
    // The server's canonical request names the path it verified, not the one signed.
    assert!(
        xml.contains("<CanonicalRequest>GET\n/oss-edge-dev/uploads/x.txt\n"),
        "{xml}"
    );
    assert!(xml.contains("<StringToSign>OSS4-HMAC-SHA256\n"), "{xml}");
}

#[test]
fn list_objects_pages_as_the_core_reads_them() {
    let sim = start_sim();
    for key in [
        "uploads/a.txt",
        "uploads/b c.txt",
        "uploads/d+e.txt",
        "other/z.txt",
    ] {
        put(&sim, key, "text/plain", key.as_bytes());
    }
    let bucket = target(&sim, false);
    let mut keys = Vec::new();
    let mut continuation: Option<String> = None;
    let mut pages = 0;
    loop {
        let request = list_objects(
            &bucket,
            "uploads/",
            continuation.as_deref(),
            2,
            &credentials(),
            now(),
        );
        let answer = perform(&sim, &request);
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let page = judge_list(
            &bucket,
            &ListAnswer {
                status: answer.status,
                headers: &answer.headers,
                body: &answer.body,
            },
        )
        .unwrap();
        pages += 1;
        for entry in &page.entries {
            assert_eq!(entry.size, entry.key.len() as u64);
            keys.push(entry.key.clone());
        }
        match page.next_continuation {
            Some(next) => continuation = Some(next),
            None => break,
        }
        assert!(pages < 5, "the listing does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(
        keys,
        ["uploads/a.txt", "uploads/b c.txt", "uploads/d+e.txt"]
    );

    // A listing with a tampered query, or anonymous, is refused.
    let request = list_objects(&bucket, "uploads/", None, 2, &credentials(), now());
    let mut wider = request.clone();
    wider.url = wider.url.replace("prefix=uploads%2F", "prefix=");
    assert_eq!(perform(&sim, &wider).status, 403);
    let anonymous = send(&sim, "GET", &target_of(&sim, &request.url), &[], b"");
    assert_eq!(anonymous.status, 403);
}

#[test]
fn versioned_buckets_report_version_ids() {
    let mut config = Config::dev("127.0.0.1:0").unwrap();
    config.versioning = true;
    let sim = Sim::start(config).unwrap();
    let first = put(&sim, "v/a.txt", "text/plain", b"one");
    let version = first.header("x-oss-version-id").unwrap().to_owned();
    let bucket = target(&sim, true);
    let answer = perform(
        &sim,
        &head_object(&bucket, "v/a.txt", &credentials(), now()),
    );
    assert_eq!(answer.header("x-oss-version-id"), Some(version.as_str()));
    let facts = judge_head(
        &bucket,
        "v/a.txt",
        &Claimed::default(),
        &HeadAnswer {
            status: answer.status,
            headers: &answer.headers,
        },
    )
    .unwrap();
    assert_eq!(facts.version_id.as_deref(), Some(version.as_str()));
    let second = put(&sim, "v/a.txt", "text/plain", b"one");
    assert_ne!(second.header("x-oss-version-id"), Some(version.as_str()));
}

#[test]
fn virtual_host_requests_reach_the_bucket() {
    let sim = start_sim();
    put(&sim, "vh/k.txt", "text/plain", b"vh");
    let port = sim.addr().port();
    for host in [
        format!("{BUCKET}.oss-cn-hangzhou.aliyuncs.com"),
        format!("{BUCKET}.localhost:{port}"),
        format!("{BUCKET}.oss.test:{port}"),
    ] {
        let mut headers = vec![("Host".to_owned(), host.clone())];
        sign_v4_headers("HEAD", BUCKET, "vh/k.txt", &[], &mut headers, now());
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = send(&sim, "HEAD", "/vh/k.txt", &refs, b"");
        assert_eq!(answer.status, 200, "{host}");
        assert_eq!(answer.content_length, Some(2), "{host}");
    }
    let answer = send(
        &sim,
        "HEAD",
        "/vh/k.txt",
        &[("Host", "nobucket.oss-cn-hangzhou.aliyuncs.com")],
        b"",
    );
    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("x-oss-ec"), Some("0015-00000101"));
}
