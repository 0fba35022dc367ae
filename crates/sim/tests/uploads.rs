//! PostObject, presigned PutObject and multipart uploads against an in-process oss-sim, with
//! callbacks to a local receiver that verifies OSS's signature with the core.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::params::{BodyType, EVENT_FORM_BODY, event_body};
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::object::{Crc64Ecma, content_md5, etag_multipart, etag_single, md5};
use oss_edge_core::sign::SignatureVersion;
use oss_edge_core::sign::post_policy::PostPolicyBuilder;
use oss_edge_core::sign::presign::{PresignRequest, multipart};

fn is_request_id(id: &str) -> bool {
    id.len() == 24
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// Changes a form's fields.
type Tamper = Box<dyn Fn(&mut Vec<(String, String)>)>;

fn image_policy(key: &str, callback: &str) -> PostPolicyBuilder {
    PostPolicyBuilder::new(BUCKET, now() + 600)
        .key(key)
        .content_type_in(&["image/png", "image/jpeg"])
        .content_length_range(1, 1024 * 1024)
        .success_action_status(200)
        .callback(callback)
        .custom_var("x:uid", "42")
}

#[test]
fn post_object_v4_with_form_callback_sends_what_oss_sends() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/oss/callback?ticket=a%2Fb");
    let template = format!("{EVENT_FORM_BODY}&x:uid=${{x:uid}}");
    let callback = callback_b64(&[&receiver.url], &template, BodyType::Form);
    let key = "uploads/a b.png";
    let form = sign_form(
        &sim,
        image_policy(key, &callback),
        SignatureVersion::V4,
        now(),
    );
    let fields = form_fields(&form, &[("Content-Type", "image/png")]);
    let image = png(3, 2);
    let answer = post_form(&sim, &fields, &image);

    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.body, br#"{"Status":"OK","from":"receiver"}"#);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let digest = md5(&image);
    assert_eq!(
        answer.header("etag"),
        Some(format!("\"{}\"", etag_single(&digest)).as_str())
    );
    let request_id = answer.header("x-oss-request-id").unwrap().to_owned();
    assert!(is_request_id(&request_id), "{request_id}");

    let got = receiver.only();
    assert_eq!(got.target, "/oss/callback?ticket=a%2Fb");
    assert_eq!(
        got.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(got.header("content-md5"), content_md5(&md5(&got.body)));
    assert_eq!(got.header("content-length"), got.body.len().to_string());
    assert_eq!(got.header("user-agent"), "aliyun-oss-callback");
    assert_eq!(got.header("x-oss-bucket"), BUCKET);
    assert_eq!(got.header("x-oss-request-id"), request_id);
    assert_eq!(got.header("x-oss-tag"), "CALLBACK");
    assert_eq!(
        got.header("x-oss-pub-key-url"),
        base64_encode(sim.pub_key_url().as_bytes())
    );
    assert!(got.header("date").ends_with(" GMT"));
    assert!(!got.header("x-oss-requester").is_empty());
    // Form values arrive URL-encoded ("/" as %2F, spec 1.4).
    assert!(got.body_text().contains("object=uploads%2Fa%20b.png"));
    assert!(got.body_text().contains("mimeType=image%2Fpng"));
    for (name, want) in [
        ("bucket", BUCKET.to_owned()),
        ("object", key.to_owned()),
        ("etag", etag_single(&digest)),
        ("size", image.len().to_string()),
        ("mimeType", "image/png".to_owned()),
        ("imageInfo.width", "3".to_owned()),
        ("imageInfo.height", "2".to_owned()),
        ("imageInfo.format", "png".to_owned()),
        ("crc64", Crc64Ecma::checksum(&image).to_string()),
        ("contentMd5", content_md5(&digest)),
        ("clientIp", "127.0.0.1".to_owned()),
        ("reqId", request_id.clone()),
        ("operation", "PostObject".to_owned()),
        ("vpcId", String::new()),
        ("x:uid", "42".to_owned()),
    ] {
        assert_eq!(got.form_value(name), want, "{name}");
    }

    let stored = get(&sim, "uploads/a%20b.png");
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body, image);
    assert_eq!(stored.header("content-type"), Some("image/png"));
    assert_eq!(
        stored.header("x-oss-hash-crc64ecma"),
        Some(Crc64Ecma::checksum(&image).to_string().as_str())
    );
    assert_eq!(
        stored.header("content-md5"),
        Some(content_md5(&digest).as_str())
    );
}

#[test]
fn post_object_v1_with_json_callback_renders_json_values() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/cb");
    let template = event_body(BodyType::Json, ["x:uid"]).unwrap();
    let callback = callback_b64(&[&receiver.url], &template, BodyType::Json);
    let form = sign_form(
        &sim,
        image_policy("v1/pic.png", &callback),
        SignatureVersion::V1,
        now(),
    );
    let fields = form_fields(&form, &[("Content-Type", "image/png")]);
    let image = png(5, 4);
    let answer = post_form(&sim, &fields, &image);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );

    let got = receiver.only();
    assert_eq!(got.header("content-type"), "application/json");
    let json: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(json["object"], "v1/pic.png");
    assert_eq!(json["size"], image.len() as u64);
    assert_eq!(json["crc64"], Crc64Ecma::checksum(&image));
    assert_eq!(json["imageInfo"]["width"], serde_json::json!([5]));
    assert_eq!(json["imageInfo"]["height"], serde_json::json!([4]));
    assert_eq!(json["imageInfo"]["format"], serde_json::json!(["png"]));
    assert_eq!(
        json["contentMd5"],
        serde_json::json!([content_md5(&md5(&image))])
    );
    assert_eq!(json["operation"], "PostObject");
    assert_eq!(json["reqId"], answer.header("x-oss-request-id").unwrap());
    assert_eq!(json["x:uid"], "42");
}

#[test]
fn every_policy_failure_is_refused_naming_its_condition_and_stores_nothing() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/cb");
    let callback = callback_b64(&[&receiver.url], "size=${size}", BodyType::Form);
    let form = sign_form(
        &sim,
        image_policy("p/ok.png", &callback),
        SignatureVersion::V4,
        now(),
    );
    let good = form_fields(&form, &[("Content-Type", "image/png")]);
    let image = png(2, 2);
    let other_callback = callback_b64(&[&receiver.url], "evil=${size}", BodyType::Form);

    let cases: Vec<(&str, Tamper, &str, &str)> = vec![
        (
            "key",
            Box::new(|f| set_field(f, "key", "p/other.png")),
            "AccessDenied",
            r#"["eq","$key","p/ok.png"]"#,
        ),
        (
            "content type",
            Box::new(|f| set_field(f, "Content-Type", "text/html")),
            "AccessDenied",
            r#"["in","$Content-Type",["image/png","image/jpeg"]]"#,
        ),
        (
            "status",
            Box::new(|f| set_field(f, "success_action_status", "201")),
            "AccessDenied",
            r#"["eq","$success_action_status","200"]"#,
        ),
        (
            "callback",
            Box::new(move |f| set_field(f, "callback", &other_callback)),
            "AccessDenied",
            r#"{"callback":"#,
        ),
        (
            "missing field",
            Box::new(|f| f.retain(|(n, _)| n != "Content-Type")),
            "AccessDenied",
            "has no Content-Type field",
        ),
    ];
    for (what, tamper, code, needle) in cases {
        let mut fields = good.clone();
        tamper(&mut fields);
        let answer = post_form(&sim, &fields, &image);
        let (got_code, message) = error_of(&answer);
        assert_eq!(answer.status, 403, "{what}: {message}");
        assert_eq!(got_code, code, "{what}");
        assert!(message.contains(needle), "{what}: {message}");
        assert!(
            message.contains("Invalid according to Policy"),
            "{what}: {message}"
        );
    }

    // Too large for content-length-range: EntityTooLarge naming the range.
    let big = vec![7u8; 1024 * 1024 + 1];
    let answer = post_form(&sim, &good, &big);
    let (code, message) = error_of(&answer);
    assert_eq!(
        (answer.status, code.as_str()),
        (400, "EntityTooLarge"),
        "{message}"
    );
    assert!(
        message.contains(r#"["content-length-range",1,1048576]"#),
        "{message}"
    );

    assert!(receiver.take().is_empty());
    assert_eq!(get(&sim, "p/ok.png").status, 404);
    assert_eq!(get(&sim, "p/other.png").status, 404);
    // The untampered form still works.
    assert_eq!(post_form(&sim, &good, &image).status, 200);
}

#[test]
fn tampered_signature_fields_and_expired_policies_are_refused() {
    let sim = start_sim();
    let builder = || {
        PostPolicyBuilder::new(BUCKET, now() + 600)
            .key_starts_with("t/")
            .content_length_range(0, 1000)
    };
    let form = sign_form(&sim, builder(), SignatureVersion::V4, now());
    let good = form_fields(&form, &[("key", "t/a.txt")]);

    let mut bad_policy = good.clone();
    let policy = form.policy().to_owned();
    // Another policy (wider prefix) under the old signature.
    let wider = base64_encode(
        String::from_utf8(oss_edge_core::encoding::base64_decode(&policy).unwrap())
            .unwrap()
            .replace("\"t/\"", "\"\"")
            .as_bytes(),
    );
    set_field(&mut bad_policy, "policy", &wider);
    let answer = post_form(&sim, &bad_policy, b"x");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (403, "SignatureDoesNotMatch")
    );

    let mut bad_key_id = good.clone();
    set_field(
        &mut bad_key_id,
        "x-oss-credential",
        &form
            .field("x-oss-credential")
            .unwrap()
            .replace("dev-access-key-id", "someone-else"),
    );
    let answer = post_form(&sim, &bad_key_id, b"x");
    assert_eq!(answer.status, 403);

    let unsigned = vec![("key".to_owned(), "t/a.txt".to_owned())];
    let answer = post_form(&sim, &unsigned, b"x");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (403, "AccessDenied")
    );

    // Expired: signed an hour ago, valid until a minute ago.
    let old = now() - 3600;
    let expired = PostPolicyBuilder::new(BUCKET, now() - 60).key_starts_with("t/");
    let form = sign_form(&sim, expired, SignatureVersion::V4, old);
    let answer = post_form(&sim, &form_fields(&form, &[("key", "t/b.txt")]), b"x");
    let (code, message) = error_of(&answer);
    assert_eq!((answer.status, code.as_str()), (403, "AccessDenied"));
    assert!(message.contains("Policy expired"), "{message}");

    // No file at all.
    let (content_type, _) = multipart_body(&good, "a", "text/plain", b"");
    let body = b"------oss-sim-test-boundary-7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nt/a.txt\r\n------oss-sim-test-boundary-7MA4YWxkTrZu0gW--\r\n";
    let answer = send(
        &sim,
        "POST",
        &format!("/{BUCKET}"),
        &[("Content-Type", &content_type)],
        body,
    );
    assert_eq!(error_of(&answer).0, "IncorrectNumberOfFilesInPOSTRequest");

    assert_eq!(get(&sim, "t/a.txt").status, 404);
}

#[test]
fn post_object_statuses_and_forbid_overwrite() {
    let sim = start_sim();
    let form = sign_form(
        &sim,
        PostPolicyBuilder::new(BUCKET, now() + 600).key_starts_with("s/"),
        SignatureVersion::V4,
        now(),
    );
    let mut fields = form_fields(&form, &[("key", "s/${filename}")]);
    let answer = post_form(&sim, &fields, b"first");
    assert_eq!(answer.status, 204);
    assert!(answer.header("etag").is_some());
    assert_eq!(get(&sim, "s/photo.png").body, b"first");

    fields.push(("success_action_status".into(), "201".into()));
    let answer = post_form(&sim, &fields, b"second");
    assert_eq!(answer.status, 201);
    let xml = String::from_utf8(answer.body.clone()).unwrap();
    assert!(
        xml.contains("<PostResponse>") && xml.contains("<Key>s/photo.png</Key>"),
        "{xml}"
    );
    assert!(xml.contains(&format!(
        "<ETag>&quot;{}&quot;</ETag>",
        etag_single(&md5(b"second"))
    )));

    fields.push(("x-oss-forbid-overwrite".into(), "true".into()));
    let answer = post_form(&sim, &fields, b"third");
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (409, "FileAlreadyExists")
    );
    assert_eq!(get(&sim, "s/photo.png").body, b"second");
}

#[test]
fn presigned_put_v4_and_v1_check_signature_expiry_and_signed_headers() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/put");
    let callback = callback_b64(
        &[&receiver.url],
        r#"{"op":${operation},"md5":${contentMd5},"uid":${x:uid},"size":${size}}"#,
        BodyType::Json,
    );
    let vars = base64_encode(br#"{"x:uid":"7"}"#);
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let key = format!("put/{version}/note 1.txt");
        let request = PresignRequest::put(BUCKET, &key)
            .content_type("text/plain")
            .callback(&callback, Some(&vars));
        let signed = presign_at(&sim, &request, version, now(), 600);
        let encoded_key = key.replace(' ', "%20");

        // A browser that changes the signed Content-Type is refused; nothing is stored.
        let mut wrong = signed.clone();
        wrong
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        let answer = send_presigned(&sim, &wrong, &[("Content-Type", "image/png")], b"hello");
        assert_eq!(
            (answer.status, error_of(&answer).0.as_str()),
            (403, "SignatureDoesNotMatch"),
            "{version}"
        );
        assert_eq!(get(&sim, &encoded_key).status, 404);

        // Tampered query.
        let mut tampered = signed.clone();
        tampered.url = tampered.url.replace("put/", "put2/");
        let answer = send_presigned(&sim, &tampered, &[], b"hello");
        assert_eq!(error_of(&answer).0, "SignatureDoesNotMatch", "{version}");

        // Expired.
        let old = presign_at(&sim, &request, version, now() - 7200, 60);
        let answer = send_presigned(&sim, &old, &[], b"hello");
        let (code, message) = error_of(&answer);
        assert_eq!(
            (answer.status, code.as_str()),
            (403, "AccessDenied"),
            "{version}"
        );
        assert!(message.contains("Request has expired"), "{message}");

        // As signed: stored, called back, reply relayed.
        let answer = send_presigned(&sim, &signed, &[], b"hello");
        assert_eq!(
            answer.status,
            200,
            "{version}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let got = receiver.only();
        let json: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(json["op"], "PutObject");
        assert_eq!(json["md5"], content_md5(&md5(b"hello")));
        assert_eq!(json["uid"], "7");
        assert_eq!(json["size"], 5);
        let stored = get(&sim, &encoded_key);
        assert_eq!(stored.body, b"hello");
        assert_eq!(stored.header("content-type"), Some("text/plain"));
    }
}

#[test]
fn presigned_put_with_callback_headers_and_both_carriers() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/h");
    let callback = callback_b64(&[&receiver.url], "o=${object}", BodyType::Form);
    let request = PresignRequest::put(BUCKET, "h/x.bin").header("x-oss-callback", &callback);
    let signed = presign_at(&sim, &request, SignatureVersion::V4, now(), 600);
    let answer = send_presigned(&sim, &signed, &[], b"data");
    assert_eq!(answer.status, 200);
    assert_eq!(receiver.only().body_text(), "o=h%2Fx.bin");
    assert_eq!(
        get(&sim, "h/x.bin").header("content-type"),
        Some("application/octet-stream")
    );

    let both = PresignRequest::put(BUCKET, "h/y.bin")
        .header("x-oss-callback", &callback)
        .callback(&callback, None);
    let signed = presign_at(&sim, &both, SignatureVersion::V4, now(), 600);
    let answer = send_presigned(&sim, &signed, &[], b"data");
    let xml = String::from_utf8_lossy(&answer.body).into_owned();
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (400, "InvalidArgument")
    );
    assert!(xml.contains("<EC>0007-00000027</EC>"), "{xml}");
    assert_eq!(get(&sim, "h/y.bin").status, 404);
}

#[test]
fn multipart_upload_completes_with_callback_and_multipart_etag() {
    let sim = start_sim();
    let receiver = Receiver::start(&sim, "/mp");
    let key = "big/file.bin";
    let signed = presign_at(
        &sim,
        &multipart::initiate(BUCKET, key, Some("application/zip")),
        SignatureVersion::V4,
        now(),
        600,
    );
    let answer = send_presigned(&sim, &signed, &[], b"");
    assert_eq!(answer.status, 200);
    let xml = String::from_utf8(answer.body).unwrap();
    let upload_id = xml
        .split_once("<UploadId>")
        .and_then(|(_, r)| r.split_once("</UploadId>"))
        .unwrap()
        .0
        .to_owned();

    let part1: Vec<u8> = (0..150 * 1024).map(|i| (i % 251) as u8).collect();
    let part2 = b"the tail".to_vec();
    let mut etags = Vec::new();
    for (n, data) in [(1, &part1), (2, &part2)] {
        let req = multipart::upload_part(BUCKET, key, &upload_id, n).unwrap();
        let signed = presign_at(&sim, &req, SignatureVersion::V4, now(), 600);
        let answer = send_presigned(&sim, &signed, &[], data);
        assert_eq!(answer.status, 200);
        let etag = answer.header("etag").unwrap().to_owned();
        assert_eq!(etag, format!("\"{}\"", etag_single(&md5(data))));
        etags.push(etag);
    }
    let list = |etags: &[String]| {
        let parts: String = etags
            .iter()
            .enumerate()
            .map(|(i, e)| {
                format!(
                    "<Part><PartNumber>{}</PartNumber><ETag>{e}</ETag></Part>",
                    i + 1
                )
            })
            .collect();
        format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>")
    };
    let callback = callback_b64(
        &[&receiver.url],
        "size=${size}&etag=${etag}&md5=${contentMd5}&op=${operation}&mime=${mimeType}",
        BodyType::Form,
    );
    let complete = |callback: Option<&str>| {
        presign_at(
            &sim,
            &multipart::complete(BUCKET, key, &upload_id, callback, None),
            SignatureVersion::V4,
            now(),
            600,
        )
    };

    // A wrong ETag is InvalidPart; the upload survives.
    let wrong = vec![
        etags[0].clone(),
        "\"00000000000000000000000000000000\"".to_owned(),
    ];
    let answer = send_presigned(
        &sim,
        &complete(Some(&callback)),
        &[],
        list(&wrong).as_bytes(),
    );
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (400, "InvalidPart")
    );

    let answer = send_presigned(
        &sim,
        &complete(Some(&callback)),
        &[],
        list(&etags).as_bytes(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.body, br#"{"Status":"OK","from":"receiver"}"#);
    let expected_etag = etag_multipart(&[md5(&part1), md5(&part2)]);
    assert!(expected_etag.ends_with("-2"));
    let got = receiver.only();
    assert_eq!(
        got.form_value("size"),
        (part1.len() + part2.len()).to_string()
    );
    assert_eq!(got.form_value("etag"), expected_etag);
    assert_eq!(got.form_value("md5"), "");
    assert_eq!(got.form_value("op"), "CompleteMultipartUpload");
    assert_eq!(got.form_value("mime"), "application/zip");

    let stored = get(&sim, key);
    let mut whole = part1.clone();
    whole.extend_from_slice(&part2);
    assert_eq!(stored.body, whole);
    assert_eq!(
        stored.header("etag"),
        Some(format!("\"{expected_etag}\"").as_str())
    );
    assert_eq!(stored.header("content-md5"), None);

    // The upload is gone.
    let answer = send_presigned(&sim, &complete(None), &[], list(&etags).as_bytes());
    assert_eq!(
        (answer.status, error_of(&answer).0.as_str()),
        (404, "NoSuchUpload")
    );
}
