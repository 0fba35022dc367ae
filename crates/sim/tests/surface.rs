//! Callback failures (203 CallbackFailed with the object kept), URL fallback, invalid callback
//! parameters, GET/HEAD, errors, CORS, the served key, virtual-host style and the binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::*;
use oss_edge_core::callback::keys::parse_public_key_pem;
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::sign::SignatureVersion;
use oss_edge_core::sign::presign::PresignRequest;

/// Presigned PUT of `key` with `callback` in the query; returns the answer.
fn put_with_callback(
    sim: &oss_edge_sim::Sim,
    key: &str,
    callback: &str,
) -> oss_edge_sim::http_client::Answer {
    let request = PresignRequest::put(BUCKET, key).callback(callback, None);
    let signed = presign_at(sim, &request, SignatureVersion::V4, now(), 600);
    send_presigned(sim, &signed, &[], b"payload")
}

#[test]
fn failed_callbacks_answer_203_and_keep_the_object() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/cb");

    let down = callback_b64(&[&dead_url()], "s=${size}", BodyType::Form);
    let answer = put_with_callback(&sim, "f/down.txt", &down);
    let (code, message) = error_of(&answer);
    assert_eq!((answer.status, code.as_str()), (203, "CallbackFailed"));
    assert_eq!(
        message,
        "Error status : -1. OSS can not connect to your callbackUrl, please check it."
    );
    assert!(answer.header("etag").is_some());
    assert!(answer.header("x-oss-request-id").is_some());
    assert_eq!(get(&sim, "f/down.txt").body, b"payload");

    let live = callback_b64(&[&receiver.url], "s=${size}", BodyType::Form);
    receiver.set_mode(Mode::NotJson);
    let answer = put_with_callback(&sim, "f/notjson.txt", &live);
    assert_eq!(answer.status, 203);
    assert_eq!(
        error_of(&answer).1,
        "Response body is not valid json format."
    );
    assert_eq!(receiver.take().len(), 1, "the receiver did get the POST");
    assert_eq!(get(&sim, "f/notjson.txt").status, 200);

    receiver.set_mode(Mode::Status500);
    let answer = put_with_callback(&sim, "f/500.txt", &live);
    assert_eq!(answer.status, 203);
    assert_eq!(error_of(&answer).1, "Error status : 500.");
    assert_eq!(get(&sim, "f/500.txt").status, 200);
}

#[test]
fn urls_are_tried_in_order_until_one_succeeds() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/second");
    let callback = callback_b64(&[&dead_url(), &receiver.url], "o=${object}", BodyType::Form);
    let answer = put_with_callback(&sim, "order.txt", &callback);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(receiver.only().body_text(), "o=order.txt");
}

#[test]
fn invalid_callback_parameters_are_400_and_store_nothing() {
    let sim = start_sim();
    let bad_type = base64_encode(
        br#"{"callbackUrl":"http://127.0.0.1:1/x","callbackBody":"a=${size}","callbackBodyType":"text/plain"}"#,
    );
    let bad_brace = base64_encode(
        br#"{"callbackUrl":"http://127.0.0.1:1/x","callbackBody":"size=${size}&v=$x:v}"}"#,
    );
    for (what, callback, ec) in [
        ("not base64", "%%%".to_owned(), None),
        ("body type", bad_type, Some("0007-00000012")),
        ("placeholder", bad_brace, Some("0007-00000105")),
    ] {
        let key = format!("bad/{}.txt", what.replace(' ', "-"));
        let answer = put_with_callback(&sim, &key, &callback);
        let xml = String::from_utf8_lossy(&answer.body).into_owned();
        assert_eq!(
            (answer.status, error_of(&answer).0.as_str()),
            (400, "InvalidArgument"),
            "{what}: {xml}"
        );
        assert!(
            xml.contains("<ArgumentName>callback</ArgumentName>"),
            "{xml}"
        );
        if let Some(ec) = ec {
            assert!(xml.contains(&format!("<EC>{ec}</EC>")), "{what}: {xml}");
        }
        assert_eq!(get(&sim, &key).status, 404, "{what}");
    }
}

#[test]
fn get_head_and_errors() {
    let sim = start_sim();
    let signed = presign_at(
        &sim,
        &PresignRequest::put(BUCKET, "r/a.gif").content_type("image/gif"),
        SignatureVersion::V1,
        now(),
        600,
    );
    let gif = b"GIF89a\x03\x00\x02\x00\x00\x00\x00;".to_vec();
    assert_eq!(send_presigned(&sim, &signed, &[], &gif).status, 200);

    let anonymous = send(&sim, "HEAD", &format!("/{BUCKET}/r/a.gif"), &[], b"");
    assert_eq!(anonymous.status, 403, "the bucket is private");
    let head = send_header_signed(
        &sim,
        SignatureVersion::V4,
        "HEAD",
        &format!("/{BUCKET}/r/a.gif"),
        &[],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.content_length, Some(gif.len() as u64));
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-type"), Some("image/gif"));
    assert!(head.header("x-oss-hash-crc64ecma").is_some());

    let missing = get(&sim, "r/none");
    assert_eq!(
        (missing.status, error_of(&missing).0.as_str()),
        (404, "NoSuchKey")
    );
    let xml = String::from_utf8_lossy(&missing.body).into_owned();
    let id = missing.header("x-oss-request-id").unwrap();
    assert!(
        xml.contains(&format!("<RequestId>{id}</RequestId>")),
        "{xml}"
    );
    assert!(xml.contains("<HostId>"), "{xml}");

    let answer = send(&sim, "GET", "/nobucket/k", &[], b"");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (404, "NoSuchBucket")
    );
    let answer = send(&sim, "PATCH", &format!("/{BUCKET}/k"), &[], b"");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (405, "MethodNotAllowed")
    );
    let answer = send(&sim, "PUT", &format!("/{BUCKET}/anon"), &[], b"x");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (403, "AccessDenied")
    );

    // Virtual-host style addresses the same object.
    let port = sim.addr().port();
    let host = format!("{BUCKET}.localhost:{port}");
    let mut headers = vec![("Host".to_owned(), host.clone())];
    sign_v4_headers("GET", BUCKET, "r/a.gif", &[], &mut headers, now());
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let vhost = send(&sim, "GET", "/r/a.gif", &refs, b"");
    assert_eq!(vhost.status, 200);
    assert_eq!(vhost.body, gif);
}

#[test]
fn cors_preflight_and_exposed_headers() {
    let sim = start_sim();
    let origin = "http://127.0.0.1:8787";
    let answer = send(
        &sim,
        "OPTIONS",
        &format!("/{BUCKET}/k.png"),
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-oss-callback",
            ),
        ],
        b"",
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), Some(origin));
    assert!(
        answer
            .header("access-control-allow-methods")
            .unwrap()
            .contains("PUT")
    );
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type,x-oss-callback")
    );

    let refused = send(
        &sim,
        "OPTIONS",
        &format!("/{BUCKET}/k.png"),
        &[
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "PUT"),
        ],
        b"",
    );
    assert_eq!(
        (refused.status, error_of(&refused).0.as_str()),
        (403, "AccessForbidden")
    );

    let actual = send(
        &sim,
        "GET",
        &format!("/{BUCKET}/missing"),
        &[("Origin", "http://localhost:8787")],
        b"",
    );
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("http://localhost:8787")
    );
    let exposed = actual.header("access-control-expose-headers").unwrap();
    for header in ["ETag", "x-oss-request-id", "x-oss-hash-crc64ecma"] {
        assert!(exposed.contains(header), "{exposed}");
    }
}

#[test]
fn serves_its_public_key_at_the_announced_url() {
    let sim = start_sim();
    let port = sim.addr().port();
    assert_eq!(
        sim.pub_key_url(),
        format!("http://127.0.0.1:{port}/oss-sim/callback_pub_key.pem")
    );
    let answer = send(&sim, "GET", "/oss-sim/callback_pub_key.pem", &[], b"");
    assert_eq!(answer.status, 200);
    let served = String::from_utf8(answer.body).unwrap();
    assert_eq!(
        parse_public_key_pem(&served).unwrap(),
        parse_public_key_pem(include_str!(
            "../../../tests/keys/test-callback-key.pub.pem"
        ))
        .unwrap()
    );
    assert_eq!(send(&sim, "GET", "/oss-sim/health", &[], b"").status, 200);
}

#[test]
fn the_binary_starts_announces_and_logs_json_lines() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oss-sim"))
        .args(["--listen", "127.0.0.1:0", "--bucket", "bkt-one,bkt-two"])
        .env_remove("OSS_SIM_QUIET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    let endpoint = banner
        .trim()
        .strip_prefix("oss-sim listening on ")
        .unwrap()
        .to_owned();
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let answer = oss_edge_sim::http_client::exchange(
        &oss_edge_sim::http_client::Outgoing {
            host: "127.0.0.1",
            port,
            method: "GET",
            target: "/bkt-two/nothing",
            headers: &[("Host".into(), format!("127.0.0.1:{port}"))],
            body: b"",
        },
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    // Anonymous: the bucket is private.
    assert_eq!(answer.status, 403);
    assert_eq!(error_of(&answer).0, "AccessDenied");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["method"], "GET");
    assert_eq!(log["path"], "/bkt-two/nothing");
    assert_eq!(log["status"], 403);
    assert_eq!(log["error"], "AccessDenied");
    assert_eq!(
        log["request_id"],
        answer.header("x-oss-request-id").unwrap()
    );
}
