//! `oss-edge verify`: both input forms, failures, and the mismatch diagnosis.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::PathBuf;
use std::process::{Command, Output};

use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;
use serde_json::Value;

const VECTORS: &str = include_str!("../../../tests/vectors/oss-callback-real.json");
const TEST_KEY: &str = include_str!("../../../tests/keys/test-callback-key.pem");
const TEST_KEY_URL: &str = "http://127.0.0.1:9000/test-key.pem";

fn vector(index: usize) -> Value {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    doc["vectors"][index].clone()
}

fn repo_file(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
        .display()
        .to_string()
}

fn oss_edge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oss-edge"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("oss-edge-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn flags_for(v: &Value, target: &str) -> Vec<String> {
    vec![
        "verify".into(),
        "--target".into(),
        target.into(),
        "--authorization".into(),
        v["headers"]["authorization"].as_str().unwrap().into(),
        "--pub-key-url".into(),
        v["headers"]["x-oss-pub-key-url"].as_str().unwrap().into(),
        "--content-type".into(),
        v["headers"]["content-type"].as_str().unwrap().into(),
        "--body".into(),
        v["body"].as_str().unwrap().into(),
        "--now".into(),
        "1700000000".into(),
    ]
}

fn run(args: &[String]) -> Output {
    oss_edge(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_real_vector_verifies_but_names_no_object() {
    // OSS's documentation sample is genuinely signed, but its body (`bucket=yonghu-test`) has
    // no object and size: there is no stored object to report, so no event is printed.
    let v = vector(0);
    let out = run(&flags_for(&v, v["request_target"].as_str().unwrap()));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("the signature is valid"), "{text}");
    assert!(text.contains("object, size"), "{text}");
    assert!(text.contains("[body_incomplete]"), "{text}");
}

#[test]
fn decoded_key_url_is_accepted_as_a_flag() {
    let v = vector(0);
    let mut args = flags_for(&v, "/index.php?id=1&index=2");
    args[6] = "http://gosspublic.alicdn.com/callback_pub_key_v1.pem".into();
    let text = stdout(&run(&args));
    assert!(text.contains("the signature is valid"), "{text}");
}

const EVENT_BODY: &str = r#"{"bucket":"examplebucket","object":"uploads/alice/a.png","etag":"D8E8FCA2DC0F896FD7CB4CB0031BA249","size":53853,"mimeType":"image/png","reqId":"5CF3E7821AB22D0FDB86704D","pic_info":"810,539"}"#;
// python3 -c 'import hashlib,struct; f=lambda *xs: "sha256:"+hashlib.sha256(b"".join(struct.pack(">Q",len(x.encode()))+x.encode() for x in xs)).hexdigest(); print(f("examplebucket","uploads/alice/a.png","D8E8FCA2DC0F896FD7CB4CB0031BA249",""))'
const EVENT_ID: &str = "sha256:2acd13d21044f91faf6726ead5b9a215f3a6caa07a50c73a94fe0f143c57721d";

/// A raw capture of `EVENT_BODY` signed by the test key, with `content_type`.
fn capture(content_type: &str) -> PathBuf {
    let target = "/oss/callback?app=1";
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY).unwrap();
    let capture = format!(
        "POST {target} HTTP/1.1\r\nHost: example.com\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nAuthorization: {}\r\nx-oss-pub-key-url: {}\r\nx-oss-request-id: 5CF3E7821AB22D0FDB86704D\r\n\r\n{EVENT_BODY}",
        EVENT_BODY.len(),
        signer
            .sign(target.as_bytes(), EVENT_BODY.as_bytes())
            .unwrap(),
        base64_encode(TEST_KEY_URL.as_bytes()),
    );
    temp_file(
        &format!("{}.http", content_type.replace('/', "-")),
        capture.as_bytes(),
    )
}

fn verify_capture(file: &std::path::Path, extra: &[&str]) -> Output {
    let trust = format!(
        "{TEST_KEY_URL}={}",
        repo_file("tests/keys/test-callback-key.pub.pem")
    );
    let mut args = vec![
        "verify",
        "--request",
        file.to_str().unwrap(),
        "--trust-key",
        &trust,
    ];
    args.extend_from_slice(extra);
    oss_edge(&args)
}

#[test]
fn a_raw_request_file_prints_the_v2_event() {
    let out = verify_capture(&capture("application/json"), &["--now", "1700000000"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    let event: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(event["schema"], "oss-edge.upload.v2");
    assert_eq!(event["source"], "callback");
    assert_eq!(event["confirmed"], false);
    assert_eq!(event["id"], EVENT_ID);
    assert_eq!(event["object"]["key"], "uploads/alice/a.png");
    assert_eq!(event["object"]["size"], 53853);
    assert_eq!(event["object"]["content_type"], "image/png");
    assert_eq!(event["claimed"]["req_id"], "5CF3E7821AB22D0FDB86704D");
    assert_eq!(event["fields"]["pic_info"], "810,539");
    assert_eq!(event["oss"]["request_id"], "5CF3E7821AB22D0FDB86704D");
    assert_eq!(event["body"]["format"], "json");
    assert_eq!(event["received_at"], "2023-11-14T22:13:20Z");
}

#[test]
fn body_type_overrides_the_content_type_header() {
    // The same signed body with a flipped header: read by the header it names no object;
    // read as the signer's type it is the same event with the same id.
    let flipped = capture("application/x-www-form-urlencoded");
    let out = verify_capture(&flipped, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("[body_incomplete]"));
    let out = verify_capture(&flipped, &["--body-type", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let event: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(event["id"], EVENT_ID);
    assert_eq!(event["body"]["format"], "json");
    assert!(
        event["warnings"][0]
            .as_str()
            .unwrap()
            .contains("the type the signer chose"),
        "{event}"
    );
}

#[test]
fn invalid_vector_exits_1_with_the_reason() {
    let v = vector(2);
    let out = run(&flags_for(&v, v["request_target"].as_str().unwrap()));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("[signature_mismatch]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn untrusted_key_url_is_named() {
    let v = vector(0);
    let mut args = flags_for(&v, "/index.php?id=1&index=2");
    args[6] = "https://gosspublic.alicdn.com.evil.example/callback_pub_key_v1.pem".into();
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[untrusted_key_url]"));
    assert!(
        stdout(&out).contains("--trust-key URL=PEM_FILE"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn usage_errors_point_to_the_right_flag() {
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let none = oss_edge(&["verify"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("--request FILE"),
        "{}",
        stderr(&none)
    );
    let partial = oss_edge(&["verify", "--target", "/x", "--authorization", "abc"]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        stderr(&partial).contains("--pub-key-url missing"),
        "{}",
        stderr(&partial)
    );
    assert!(
        stderr(&partial).contains("--request FILE"),
        "{}",
        stderr(&partial)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        oss_edge(&["verify", "--request", "/nonexistent/file.http"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        oss_edge(&["verify", "--target", "/x"]).status.code(),
        Some(2)
    );
}

#[test]
fn diagnoses_a_real_vector_whose_prefix_a_proxy_stripped() {
    let v = vector(1);
    let out = run(&flags_for(
        &v,
        "/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH",
    ));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("prefix \"/api/v3\""), "{text}");
    assert!(
        text.contains("OSS signed target: /api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH"),
        "{text}"
    );
}

#[test]
fn diagnoses_a_dropped_query_given_the_callback_url() {
    let v = vector(0);
    let mut args = flags_for(&v, "/index.php");
    args.extend([
        "--callback-url".into(),
        "http://example.com/index.php?id=1&index=2".into(),
    ]);
    let text = stdout(&run(&args));
    assert!(
        text.contains("OSS signed target: /index.php?id=1&index=2"),
        "{text}"
    );
}

#[test]
fn diagnoses_a_reordered_query() {
    let v = vector(0);
    let text = stdout(&run(&flags_for(&v, "/index.php?index=2&id=1")));
    assert!(text.contains("re-ordered"), "{text}");
}

/// A request signed by the test key for `signed_target`, presented as `presented_target`.
fn mangled(
    signed_target: &str,
    presented_target: &str,
    signed_body: &str,
    presented_body: &str,
) -> String {
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY).unwrap();
    let args = [
        "verify",
        "--target",
        presented_target,
        "--authorization",
        &signer
            .sign(signed_target.as_bytes(), signed_body.as_bytes())
            .unwrap(),
        "--pub-key-url",
        &base64_encode(TEST_KEY_URL.as_bytes()),
        "--body",
        presented_body,
        "--trust-key",
        &format!(
            "{TEST_KEY_URL}={}",
            repo_file("tests/keys/test-callback-key.pub.pem")
        ),
    ];
    let out = oss_edge(&args);
    let text = stdout(&out);
    if signed_target == presented_target && signed_body == presented_body {
        assert_eq!(out.status.code(), Some(0), "{text}");
    } else {
        assert_eq!(out.status.code(), Some(1), "{text}");
    }
    text
}

#[test]
fn test_key_signed_request_verifies_through_trust_key() {
    let text = mangled(
        "/cb?t=1",
        "/cb?t=1",
        "bucket=b1&object=a&size=1",
        "bucket=b1&object=a&size=1",
    );
    let event: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(event["object"]["bucket"], "b1");
}

#[test]
fn diagnoses_never_print_the_ticket() {
    let ticket = "v2.t1.c2VjcmV0.bWFj";
    let signed = format!("/cb/done?oss_edge_ticket={ticket}");
    let text = mangled(
        &signed,
        &format!("/cb/done/?oss_edge_ticket={ticket}"),
        "a=b",
        "a=b",
    );
    assert!(text.contains("trailing slash was added"), "{text}");
    assert!(
        text.contains("OSS signed target: /cb/done?oss_edge_ticket=REDACTED"),
        "{text}"
    );
    assert!(!text.contains(ticket), "{text}");
}

#[test]
fn diagnoses_plus_read_as_space() {
    let text = mangled("/cb/a+b?t=1", "/cb/a b?t=1", "a=b", "a=b");
    assert!(
        text.contains("'+' in the path was read as a space"),
        "{text}"
    );
}

#[test]
fn diagnoses_a_path_decoded_before_verification() {
    // OSS signed "/cb/%41" (the target decoded once); a framework handed over that decoded
    // form, and decoding it again gives "/cb/A".
    let text = mangled("/cb/%2541", "/cb/%41", "a=b", "a=b");
    assert!(text.contains("already percent-decoded"), "{text}");
}

#[test]
fn diagnoses_a_trailing_slash() {
    let text = mangled("/cb/upload", "/cb/upload/", "a=b", "a=b");
    assert!(text.contains("trailing slash was added"), "{text}");
}

#[test]
fn diagnoses_a_re_encoded_body() {
    let text = mangled("/cb", "/cb", "object=dir%2Fa%20b.jpg", "object=dir/a+b.jpg");
    assert!(text.contains("form body was re-encoded"), "{text}");
    let text = mangled("/cb", "/cb", "{\"a\":1}", "{\"a\":1}\n");
    assert!(text.contains("newline was added"), "{text}");
}

#[test]
fn says_so_when_nothing_explains_the_mismatch() {
    let text = mangled("/cb", "/cb", "a=b", "a=c");
    assert!(text.contains("no common rewrite"), "{text}");
}
