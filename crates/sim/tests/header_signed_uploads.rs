//! Uploads signed in the `Authorization` header, as the SDKs send them (issue 14): PutObject and
//! the multipart calls, V4 and V1, with the callback in `x-oss-callback` / `x-oss-callback-var`
//! headers or in the query. The sim verifies each request and performs the callback; tampered
//! callback headers and unsigned uploads are refused and store nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::encoding::{base64_encode, uri_encode};
use oss_edge_core::object::{etag_multipart, md5};
use oss_edge_core::sign::SignatureVersion;

const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V4, SignatureVersion::V1];

fn vars() -> String {
    base64_encode(br#"{"x:uid":"42"}"#)
}

#[test]
fn put_object_with_callback_headers_v4_and_v1() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/put");
    let callback = callback_b64(
        &[&receiver.url],
        "bucket=${bucket}&object=${object}&size=${size}&mime=${mimeType}&uid=${x:uid}",
        BodyType::Form,
    );
    for version in VERSIONS {
        let key = format!("h/{version} photo.png");
        let target = format!("/{BUCKET}/{}", uri_encode(key.as_bytes(), true));
        let data = png(4, 4);
        let vars = vars();
        let answer = send_header_signed(
            &sim,
            version,
            "PUT",
            &target,
            &[
                ("Content-Type", "image/png"),
                ("x-oss-callback", &callback),
                ("x-oss-callback-var", &vars),
            ],
            &data,
        );
        assert_eq!(
            answer.status,
            200,
            "{version}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.body, br#"{"Status":"OK","from":"receiver"}"#);
        let got = receiver.only();
        assert_eq!(got.form_value("object"), key);
        assert_eq!(got.form_value("size"), data.len().to_string());
        assert_eq!(got.form_value("mime"), "image/png");
        assert_eq!(got.form_value("uid"), "42");
        assert_eq!(get(&sim, &uri_encode(key.as_bytes(), true)).body, data);
    }
}

#[test]
fn put_object_with_callback_in_the_query_header_signed() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/q");
    let callback = callback_b64(&[&receiver.url], "object=${object}", BodyType::Form);
    for version in VERSIONS {
        let key = format!("q/{version}.txt");
        let target = format!(
            "/{BUCKET}/{key}?callback={}&callback-var={}",
            uri_encode(callback.as_bytes(), false),
            uri_encode(vars().as_bytes(), false)
        );
        let answer = send_header_signed(
            &sim,
            version,
            "PUT",
            &target,
            &[("Content-Type", "text/plain")],
            b"q",
        );
        assert_eq!(answer.status, 200, "{version}");
        assert_eq!(receiver.only().form_value("object"), key);
    }
}

#[test]
fn tampered_or_unsigned_callback_headers_are_refused_and_store_nothing() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/t");
    let callback = callback_b64(&[&receiver.url], "object=${object}", BodyType::Form);
    let evil = callback_b64(
        &["http://127.0.0.1:1/evil"],
        "object=${object}",
        BodyType::Form,
    );
    for version in VERSIONS {
        let key = format!("t/{version}.txt");
        let target = format!("/{BUCKET}/{key}");
        // Sign one callback, send another: the x-oss-callback header is signed.
        let mut headers = vec![
            ("Content-Type".to_owned(), "text/plain".to_owned()),
            ("x-oss-callback".to_owned(), callback.clone()),
        ];
        match version {
            SignatureVersion::V4 => sign_v4_headers("PUT", BUCKET, &key, &[], &mut headers, now()),
            SignatureVersion::V1 => sign_v1_headers("PUT", BUCKET, &key, &[], &mut headers, now()),
        }
        for (name, value) in headers.iter_mut() {
            if name == "x-oss-callback" {
                *value = evil.clone();
            }
        }
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = send(&sim, "PUT", &target, &refs, b"x");
        assert_eq!(
            (answer.status, error_of(&answer).0.as_str()),
            (403, "SignatureDoesNotMatch"),
            "{version}"
        );
        // The body is not signed by V1 or UNSIGNED-PAYLOAD V4, but a changed Content-Type is.
        let answer = send_header_signed(
            &sim,
            version,
            "PUT",
            &target,
            &[("Content-Type", "text/plain")],
            b"x",
        );
        assert_eq!(
            answer.status, 200,
            "{version}: the untampered upload passes"
        );
        assert!(receiver.take().is_empty(), "no callback was asked for");
    }
    assert!(receiver.take().is_empty());
    // Anonymous upload with a callback header: refused, nothing stored, no callback.
    let answer = send(
        &sim,
        "PUT",
        &format!("/{BUCKET}/t/anon.txt"),
        &[("x-oss-callback", &callback)],
        b"x",
    );
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (403, "AccessDenied")
    );
    assert_eq!(get(&sim, "t/anon.txt").status, 404);
    assert!(receiver.take().is_empty());
}

#[test]
fn a_signed_payload_hash_must_match_the_body() {
    let sim = start_sim();
    use oss_edge_core::sign::v4::{CanonicalRequest, Scope, authorization_header};
    let body = b"exact bytes";
    let hash = {
        use sha2::Digest as _;
        sha2::Sha256::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let date = oss_edge_core::time::format_oss_date(now());
    let mut headers = vec![
        ("x-oss-content-sha256".to_owned(), hash),
        ("x-oss-date".to_owned(), date.clone()),
    ];
    let authorization = authorization_header(
        &credentials(),
        &Scope::at(now(), region()),
        &date,
        &CanonicalRequest {
            method: "PUT",
            bucket: Some(BUCKET),
            key: "sha/k.bin",
            query: &[],
            headers: &headers,
            additional_headers: &[],
        },
    );
    headers.push(("Authorization".into(), authorization));
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let target = format!("/{BUCKET}/sha/k.bin");
    let answer = send(&sim, "PUT", &target, &refs, b"other bytes");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (400, "InvalidDigest")
    );
    assert_eq!(get(&sim, "sha/k.bin").status, 404);
    assert_eq!(send(&sim, "PUT", &target, &refs, body).status, 200);
}

fn upload_id_of(body: &[u8]) -> String {
    let xml = String::from_utf8(body.to_vec()).unwrap();
    xml.split_once("<UploadId>")
        .and_then(|(_, r)| r.split_once("</UploadId>"))
        .unwrap()
        .0
        .to_owned()
}

#[test]
fn multipart_with_callback_headers_v4_and_v1() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/mp");
    let callback = callback_b64(
        &[&receiver.url],
        r#"{"size":${size},"etag":${etag},"op":${operation},"uid":${x:uid}}"#,
        BodyType::Json,
    );
    for version in VERSIONS {
        let key = format!("mp/{version}/big.bin");
        let base = format!("/{BUCKET}/{key}");
        let answer = send_header_signed(
            &sim,
            version,
            "POST",
            &format!("{base}?uploads"),
            &[("Content-Type", "application/zip")],
            b"",
        );
        assert_eq!(answer.status, 200, "{version} initiate");
        let upload_id = upload_id_of(&answer.body);

        let part1: Vec<u8> = (0..110 * 1024).map(|i| (i % 253) as u8).collect();
        let part2 = b"tail".to_vec();
        let mut parts = String::new();
        for (n, data) in [(1, &part1), (2, &part2)] {
            let answer = send_header_signed(
                &sim,
                version,
                "PUT",
                &format!("{base}?partNumber={n}&uploadId={upload_id}"),
                &[],
                data,
            );
            assert_eq!(answer.status, 200, "{version} part {n}");
            let etag = answer.header("etag").unwrap();
            parts.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
            ));
        }
        let xml = format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>");
        let vars = vars();
        let answer = send_header_signed(
            &sim,
            version,
            "POST",
            &format!("{base}?uploadId={upload_id}"),
            &[
                ("Content-Type", "application/xml"),
                ("x-oss-callback", &callback),
                ("x-oss-callback-var", &vars),
            ],
            xml.as_bytes(),
        );
        assert_eq!(
            answer.status,
            200,
            "{version} complete: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.body, br#"{"Status":"OK","from":"receiver"}"#);
        let got = receiver.only();
        let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(body["size"], (part1.len() + part2.len()) as u64);
        assert_eq!(body["etag"], etag_multipart(&[md5(&part1), md5(&part2)]));
        assert_eq!(body["op"], "CompleteMultipartUpload");
        assert_eq!(body["uid"], "42");
    }
}

#[test]
fn what_is_not_supported_is_named() {
    let sim = start_sim();
    let answer = send_header_signed(
        &sim,
        SignatureVersion::V4,
        "POST",
        &format!("/{BUCKET}/a.log?append&position=0"),
        &[],
        b"x",
    );
    assert_eq!(answer.status, 501);
    assert!(
        error_of(&answer).1.contains("AppendObject"),
        "{:?}",
        error_of(&answer)
    );
    let answer = send_header_signed(
        &sim,
        SignatureVersion::V4,
        "PUT",
        &format!("/{BUCKET}/copy"),
        &[("x-oss-copy-source", "/oss-edge-dev/a.log")],
        b"",
    );
    assert_eq!(answer.status, 501);
    assert!(
        error_of(&answer).1.contains("CopyObject"),
        "{:?}",
        error_of(&answer)
    );
    assert_eq!(get(&sim, "copy").status, 404);
    let answer = send(
        &sim,
        "PUT",
        &format!("/{BUCKET}/k"),
        &[(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        )],
        b"x",
    );
    let (code, message) = error_of(&answer);
    assert_eq!((answer.status, code.as_str()), (400, "InvalidArgument"));
    assert!(message.contains("AWS4-HMAC-SHA256"), "{message}");
    let answer = send_header_signed(
        &sim,
        SignatureVersion::V4,
        "PUT",
        &format!("/{BUCKET}/k?x-oss-signature-version=OSS4-HMAC-SHA256"),
        &[],
        b"x",
    );
    assert!(
        error_of(&answer).1.contains("both"),
        "{:?}",
        error_of(&answer)
    );
}
