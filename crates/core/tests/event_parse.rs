//! Upload events: form, JSON and raw bodies, typed values, ids, and the published schema.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::event::{BodyFormat, IdSource, JSON_SCHEMA};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::{
    CallbackRequest, TrustedKeys, UploadEvent, VerifyOptions, parse_event, verify,
};
use oss_edge_core::encoding::base64_encode;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: i64 = 1_700_000_000;

/// Signs `body` with the test key and parses it into an event, with extra headers.
fn event_for(content_type: Option<&str>, body: &[u8], extra: &[(&str, &str)]) -> UploadEvent {
    let target = "/cb?t=x";
    let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    let authorization = signer.sign(target.as_bytes(), body).unwrap();
    let key_url = base64_encode(TEST_KEY_URL.as_bytes());
    let mut headers = vec![
        ("authorization", authorization.as_str()),
        ("x-oss-pub-key-url", key_url.as_str()),
    ];
    if let Some(ct) = content_type {
        headers.push(("Content-Type", ct));
    }
    headers.extend_from_slice(extra);
    let request = CallbackRequest {
        target: target.as_bytes(),
        headers: &headers,
        body,
    };
    let mut keys = TrustedKeys::oss();
    keys.add_pem(TEST_KEY_URL, TEST_PUB_PEM).unwrap();
    let verified = verify(&request, &keys, &VerifyOptions::default()).unwrap();
    let event = parse_event(&verified, &request, NOW);
    assert_valid_against_schema(&event);
    event
}

#[cfg(not(target_arch = "wasm32"))]
fn assert_valid_against_schema(event: &UploadEvent) {
    let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("upload-event.v1.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("upload-event.v1.schema.json", &mut schemas)
        .unwrap();
    let instance: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    if let Err(error) = schemas.validate(&instance, index) {
        panic!(
            "event does not match the schema: {error:#}\n{}",
            event.to_json()
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn assert_valid_against_schema(event: &UploadEvent) {
    // The validator runs natively; in wasm, check the JSON is an object with the schema name.
    let instance: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(instance["schema"], "oss-edge.upload.v1");
    assert!(JSON_SCHEMA.contains("oss-edge.upload.v1"));
}

#[test]
fn form_body_values_are_url_decoded_and_typed() {
    let body = b"bucket=b1&object=dir%2Fname%20a%2Bb.jpg&etag=D8E8FCA2DC0F896FD7CB4CB0031BA249&size=5385&mimeType=image%2Fjpeg\
&imageInfo.height=480&imageInfo.width=640&imageInfo.format=jpg&crc64=18446744073709551615&contentMd5=2Oj8otwPiW%2FXy0ywAxuiSQ%3D%3D\
&clientIp=1.2.3.4&reqId=5CF3E7821AB22D0FDB86704D&operation=PutObject&vpcId=&x:uid=12345&note=hello+world";
    let e = event_for(Some("application/x-www-form-urlencoded"), body, &[]);
    assert_eq!(e.body.format, BodyFormat::Form);
    assert_eq!(e.upload.bucket.as_deref(), Some("b1"));
    assert_eq!(e.upload.object.as_deref(), Some("dir/name a+b.jpg"));
    assert_eq!(e.upload.size, Some(5385));
    assert_eq!(e.upload.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        (e.upload.image.width, e.upload.image.height),
        (Some(640), Some(480))
    );
    assert_eq!(e.upload.image.format.as_deref(), Some("jpg"));
    assert_eq!(e.upload.crc64.as_deref(), Some("18446744073709551615"));
    assert_eq!(
        e.upload.content_md5.as_deref(),
        Some("2Oj8otwPiW/Xy0ywAxuiSQ==")
    );
    assert_eq!(e.upload.vpc_id, None, "empty values are absent");
    assert_eq!(e.custom.get("x:uid").map(String::as_str), Some("12345"));
    assert_eq!(e.fields["note"], "hello world");
    assert_eq!(
        (e.id.as_str(), e.id_source),
        ("5CF3E7821AB22D0FDB86704D", IdSource::BodyReqId)
    );
    assert_eq!(e.received_at, "2023-11-14T22:13:20Z");
    assert_eq!(e.path, "/cb");
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn official_sample_names_filename_height_width() {
    let body = b"filename=user-dir%2Fa.png&size=100&mimeType=image%2Fpng&height=10&width=20";
    let e = event_for(None, body, &[]);
    assert_eq!(
        e.body.format,
        BodyFormat::Form,
        "no content type means OSS's default, form"
    );
    assert_eq!(e.upload.object.as_deref(), Some("user-dir/a.png"));
    assert_eq!(
        (e.upload.image.width, e.upload.image.height),
        (Some(20), Some(10))
    );
}

#[test]
fn json_body_with_nested_image_info_and_numbers() {
    let body = br#"{"bucket":"b","object":"k/a.png","etag":"ABC","size":42,"mimeType":"image/png","imageInfo":{"height":3,"width":4,"format":"png"},"crc64":"123","reqId":"R1","x:uid":"u","extra":{"deep":[1,2]}}"#;
    let e = event_for(
        Some("application/json; charset=utf-8"),
        body,
        &[
            ("x-oss-request-id", "R1"),
            ("x-oss-bucket", "b"),
            ("x-oss-requester", "1234"),
        ],
    );
    assert_eq!(e.body.format, BodyFormat::Json);
    assert_eq!(e.upload.size, Some(42));
    assert_eq!(e.upload.image.format.as_deref(), Some("png"));
    assert_eq!(e.upload.image.width, Some(4));
    assert_eq!(e.upload.crc64.as_deref(), Some("123"));
    assert_eq!(e.fields["extra"]["deep"][1], 2);
    assert_eq!(e.oss.requester.as_deref(), Some("1234"));
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn json_empty_image_info_is_absent() {
    let body = br#"{"object":"a.txt","size":"7","imageInfo.height":"","imageInfo.width":null,"imageInfo.format":""}"#;
    let e = event_for(Some("application/json"), body, &[]);
    assert_eq!(e.upload.size, Some(7), "numeric strings are sizes too");
    assert_eq!(e.upload.image, Default::default());
}

#[test]
fn oss_signed_form_looking_body_under_json_type_is_raw_not_rejected() {
    // The verified capture in spec §1.4: JSON type, form template.
    let e = event_for(
        Some("application/json"),
        br#"filename="a/b.png"&size=5385"#,
        &[],
    );
    assert_eq!(e.body.format, BodyFormat::Raw);
    assert_eq!(
        e.body.text.as_deref(),
        Some(r#"filename="a/b.png"&size=5385"#)
    );
    assert_eq!(e.warnings.len(), 1);
}

#[test]
fn untyped_values_are_kept_with_a_warning() {
    let e = event_for(None, b"size=big&object=a&imageInfo.width=-1", &[]);
    assert_eq!(e.upload.size, None);
    assert_eq!(e.fields["size"], "big");
    assert_eq!(e.fields["imageInfo.width"], "-1");
    assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
}

#[test]
fn non_utf8_and_unknown_types_are_raw_base64() {
    let e = event_for(Some("application/octet-stream"), &[0xff, 0x00, 0x41], &[]);
    assert_eq!(e.body.format, BodyFormat::Raw);
    assert_eq!(e.body.base64.as_deref(), Some("/wBB"));
    assert_eq!(e.body.text, None);
    let e = event_for(None, b"object=%FF", &[]);
    assert_eq!(
        e.body.format,
        BodyFormat::Raw,
        "form values must decode to UTF-8"
    );
}

#[test]
fn id_rules() {
    // Header used when the body has no reqId.
    let e = event_for(None, b"object=a", &[("x-oss-request-id", "H1")]);
    assert_eq!(
        (e.id.as_str(), e.id_source),
        ("H1", IdSource::RequestIdHeader)
    );
    // The signed reqId wins over a (unsigned) header that disagrees, with a warning.
    let e = event_for(None, b"object=a&reqId=B1", &[("x-oss-request-id", "H1")]);
    assert_eq!((e.id.as_str(), e.id_source), ("B1", IdSource::BodyReqId));
    assert_eq!(e.warnings.len(), 1);
    // Otherwise a hash of bucket, object, etag, size: stable, and different for other uploads.
    let a = event_for(None, b"bucket=b&object=a&etag=E&size=1", &[]);
    let again = event_for(None, b"size=1&etag=E&object=a&bucket=b&note=x", &[]);
    let other = event_for(None, b"bucket=b&object=a&etag=E&size=2", &[]);
    assert_eq!(a.id_source, IdSource::ContentHash);
    assert!(a.id.starts_with("sha256:") && a.id.len() == 7 + 64);
    assert_eq!(a.id, again.id);
    assert_ne!(a.id, other.id);
    // Length-prefixing keeps field boundaries: "ab"+"c" differs from "a"+"bc".
    assert_ne!(
        event_for(None, b"bucket=ab&object=c", &[]).id,
        event_for(None, b"bucket=a&object=bc", &[]).id
    );
    // Nothing identifying: the body is hashed, so distinct bodies never share an id.
    assert_ne!(
        event_for(None, b"note=1", &[]).id,
        event_for(None, b"note=2", &[]).id
    );
}

#[test]
fn duplicate_fields_keep_the_first() {
    let e = event_for(None, b"object=a&object=b&x:k=1&x:k=2&n=1&n=2", &[]);
    assert_eq!(e.upload.object.as_deref(), Some("a"));
    assert_eq!(e.custom["x:k"], "1");
    assert_eq!(e.fields["n"], "1");
    assert_eq!(e.warnings.len(), 2);
}

#[test]
fn real_vectors_become_events() {
    for c in valid_vectors() {
        let event = with_request(&c, |r| {
            let verified = verify(r, &TrustedKeys::oss(), &VerifyOptions::default()).unwrap();
            parse_event(&verified, r, NOW)
        });
        assert_valid_against_schema(&event);
        assert_ne!(event.body.format, BodyFormat::Raw, "{}", c.name);
    }
}

/// The signer's own JSON template, rendered the way OSS may render it under every reading the
/// spec leaves open (§1.4, §10), always becomes a fully typed event.
#[test]
fn signers_json_template_parses_under_every_rendering() {
    use oss_edge_core::callback::params::{
        BodyType, CallbackParams, CallbackVars, Crc64Rendering, EVENT_JSON_BODY, EmptyNumber,
        ImageInfo, JsonRendering, SystemValues,
    };
    let params = CallbackParams::builder()
        .url("https://cb.example.com/oss/callback")
        .body(EVENT_JSON_BODY)
        .body_type(BodyType::Json)
        .build()
        .unwrap();
    for image in [
        None,
        Some(ImageInfo {
            height: 480,
            width: 640,
            format: "png".into(),
        }),
    ] {
        for empty_number in [
            EmptyNumber::Nothing,
            EmptyNumber::EmptyString,
            EmptyNumber::Null,
        ] {
            for crc64 in [Crc64Rendering::Number, Crc64Rendering::String] {
                let values = SystemValues {
                    bucket: "b".into(),
                    object: "uploads/alice/a b.png".into(),
                    etag: "D8E8FCA2DC0F896FD7CB4CB0031BA249".into(),
                    size: 5385,
                    mime_type: "image/png".into(),
                    image: image.clone(),
                    crc64: u64::MAX,
                    content_md5: String::new(),
                    vpc_id: String::new(),
                    client_ip: "1.2.3.4".into(),
                    req_id: "REQ1".into(),
                    operation: "PostObject".into(),
                };
                let body = params.render_body(
                    &values,
                    &CallbackVars::new(),
                    JsonRendering {
                        empty_number,
                        crc64,
                    },
                );
                let e = event_for(Some("application/json"), body.as_bytes(), &[]);
                let case = format!("{image:?} {empty_number:?} {crc64:?}: {body}");
                assert_eq!(e.body.format, BodyFormat::Json, "{case}");
                assert!(e.warnings.is_empty(), "{case}: {:?}", e.warnings);
                assert_eq!(
                    e.upload.object.as_deref(),
                    Some("uploads/alice/a b.png"),
                    "{case}"
                );
                assert_eq!(e.upload.size, Some(5385), "{case}");
                assert_eq!(
                    e.upload.crc64.as_deref(),
                    Some("18446744073709551615"),
                    "{case}"
                );
                assert_eq!(e.upload.content_md5, None, "{case}");
                assert_eq!(e.upload.vpc_id, None, "{case}");
                assert_eq!(
                    (e.id.as_str(), e.id_source),
                    ("REQ1", IdSource::BodyReqId),
                    "{case}"
                );
                match &image {
                    Some(_) => {
                        assert_eq!(
                            (e.upload.image.width, e.upload.image.height),
                            (Some(640), Some(480)),
                            "{case}"
                        );
                        assert_eq!(e.upload.image.format.as_deref(), Some("png"), "{case}");
                    }
                    None => assert_eq!(e.upload.image, Default::default(), "{case}"),
                }
            }
        }
    }
}
