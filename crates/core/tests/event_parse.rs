//! Upload events v2: form, JSON and raw bodies, typed claims, the signer's body type over the
//! unsigned `Content-Type`, the object-derived id, and the published schema.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use oss_edge_core::callback::event::{
    BodyFormat, CallbackBody, EventSource, JSON_SCHEMA, TicketSummary,
};
use oss_edge_core::callback::params::BodyType;
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::callback::{
    CallbackRequest, READ_HEADERS, TrustedKeys, UploadEvent, VerifyOptions, parse_body, verify,
};
use oss_edge_core::confirm::ObjectFacts;
use oss_edge_core::encoding::base64_encode;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: i64 = 1_700_000_000;

/// Signs `body` with the test key, verifies it and parses it as `body_type` (the ticket's
/// type; `None` falls back to the `Content-Type` header).
fn parsed(
    content_type: Option<&str>,
    body: &[u8],
    extra: &[(&str, &str)],
    body_type: Option<BodyType>,
) -> CallbackBody {
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
    parse_body(&verified, &request, body_type)
}

/// [`parsed`] without a ticket's body type.
fn body_for(content_type: Option<&str>, body: &[u8], extra: &[(&str, &str)]) -> CallbackBody {
    parsed(content_type, body, extra, None)
}

/// The unconfirmed callback event of a body that names its object, checked against the schema.
fn unconfirmed(body: CallbackBody) -> UploadEvent {
    let facts = ObjectFacts::from_claims(body.claimed()).unwrap();
    let event = UploadEvent::from_callback(body, facts, false, None, NOW);
    assert_valid_against_schema(&event);
    event
}

#[cfg(not(target_arch = "wasm32"))]
fn schema_errors(instance: &serde_json::Value) -> Option<String> {
    let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("upload-event.v2.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("upload-event.v2.schema.json", &mut schemas)
        .unwrap();
    schemas
        .validate(instance, index)
        .err()
        .map(|e| format!("{e:#}"))
}

#[cfg(not(target_arch = "wasm32"))]
fn assert_valid_against_schema(event: &UploadEvent) {
    let instance: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    if let Some(error) = schema_errors(&instance) {
        panic!(
            "event does not match the schema: {error}\n{}",
            event.to_json()
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn assert_valid_against_schema(event: &UploadEvent) {
    // The validator runs natively; in wasm, check the JSON is an object with the schema name.
    let instance: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(instance["schema"], "oss-edge.upload.v2");
    assert!(JSON_SCHEMA.contains("oss-edge.upload.v2"));
}

#[test]
fn form_body_values_are_url_decoded_and_typed() {
    let body = b"bucket=b1&object=dir%2Fname%20a%2Bb.jpg&etag=D8E8FCA2DC0F896FD7CB4CB0031BA249&size=5385&mimeType=image%2Fjpeg\
&imageInfo.height=480&imageInfo.width=640&imageInfo.format=jpg&crc64=18446744073709551615&contentMd5=2Oj8otwPiW%2FXy0ywAxuiSQ%3D%3D\
&clientIp=1.2.3.4&reqId=5CF3E7821AB22D0FDB86704D&operation=PutObject&vpcId=&x:uid=12345&note=hello+world";
    let b = body_for(Some("application/x-www-form-urlencoded"), body, &[]);
    assert_eq!(b.body.format, BodyFormat::Form);
    let c = b.claimed();
    assert_eq!(c.bucket.as_deref(), Some("b1"));
    assert_eq!(c.object.as_deref(), Some("dir/name a+b.jpg"));
    assert_eq!(c.size, Some(5385));
    assert_eq!(c.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!((c.image.width, c.image.height), (Some(640), Some(480)));
    assert_eq!(c.image.format.as_deref(), Some("jpg"));
    assert_eq!(c.crc64.as_deref(), Some("18446744073709551615"));
    assert_eq!(c.content_md5.as_deref(), Some("2Oj8otwPiW/Xy0ywAxuiSQ=="));
    assert_eq!(c.req_id.as_deref(), Some("5CF3E7821AB22D0FDB86704D"));
    assert_eq!(c.vpc_id, None, "empty values are absent");
    assert_eq!(b.custom.get("x:uid").map(String::as_str), Some("12345"));
    assert_eq!(b.fields["note"], "hello world");
    assert_eq!(b.path, "/cb");
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);

    let e = unconfirmed(b);
    assert_eq!(e.schema, "oss-edge.upload.v2");
    assert_eq!(e.source, EventSource::Callback);
    assert!(!e.confirmed);
    assert_eq!(e.received_at, "2023-11-14T22:13:20Z");
    assert_eq!(e.object.key, "dir/name a+b.jpg");
    assert_eq!(e.object.size, 5385);
    assert_eq!(e.object.etag, "D8E8FCA2DC0F896FD7CB4CB0031BA249");
    assert_eq!(e.object.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(e.object.crc64, Some(u64::MAX));
    assert_eq!(e.id, e.object.event_id());
    let json: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["claimed"]["req_id"], "5CF3E7821AB22D0FDB86704D");
    assert_eq!(json["object"]["crc64"], "18446744073709551615");
    assert_eq!(json["custom"]["x:uid"], "12345");
    assert_eq!(json["body"]["format"], "form");
    assert!(json.get("upload").is_none() && json.get("id_source").is_none());
}

#[test]
fn official_sample_names_filename_height_width() {
    let body = b"filename=user-dir%2Fa.png&size=100&mimeType=image%2Fpng&height=10&width=20";
    let b = body_for(None, body, &[]);
    assert_eq!(
        b.body.format,
        BodyFormat::Form,
        "no content type means OSS's default, form"
    );
    assert_eq!(b.claimed().object.as_deref(), Some("user-dir/a.png"));
    assert_eq!(
        (b.claimed().image.width, b.claimed().image.height),
        (Some(20), Some(10))
    );
}

#[test]
fn json_body_with_nested_image_info_and_numbers() {
    let body = br#"{"bucket":"b","object":"k/a.png","etag":"ABC","size":42,"mimeType":"image/png","imageInfo":{"height":3,"width":4,"format":"png"},"crc64":"123","reqId":"R1","x:uid":"u","extra":{"deep":[1,2]}}"#;
    let b = body_for(
        Some("application/json; charset=utf-8"),
        body,
        &[
            ("x-oss-request-id", "R1"),
            ("x-oss-bucket", "b"),
            ("x-oss-requester", "1234"),
        ],
    );
    assert_eq!(b.body.format, BodyFormat::Json);
    let c = b.claimed();
    assert_eq!(c.size, Some(42));
    assert_eq!(c.image.format.as_deref(), Some("png"));
    assert_eq!(c.image.width, Some(4));
    assert_eq!(c.crc64.as_deref(), Some("123"));
    assert_eq!(b.fields["extra"]["deep"][1], 2);
    assert_eq!(b.oss.requester.as_deref(), Some("1234"));
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    unconfirmed(b);
}

#[test]
fn json_empty_image_info_is_absent() {
    let body = br#"{"object":"a.txt","size":"7","imageInfo.height":"","imageInfo.width":null,"imageInfo.format":""}"#;
    let b = body_for(Some("application/json"), body, &[]);
    assert_eq!(b.claimed().size, Some(7), "numeric strings are sizes too");
    assert_eq!(b.claimed().image, Default::default());
}

#[test]
fn oss_signed_form_looking_body_under_json_type_is_raw_not_rejected() {
    // The verified capture in spec §1.4: JSON type, form template.
    let b = body_for(
        Some("application/json"),
        br#"filename="a/b.png"&size=5385"#,
        &[],
    );
    assert_eq!(b.body.format, BodyFormat::Raw);
    assert_eq!(
        b.body.text.as_deref(),
        Some(r#"filename="a/b.png"&size=5385"#)
    );
    assert_eq!(b.warnings.len(), 1);
    assert_eq!(
        b.identity().unwrap_err().missing,
        vec!["bucket", "object", "size"]
    );
}

#[test]
fn untyped_values_are_kept_with_a_warning() {
    let b = body_for(None, b"size=big&object=a&imageInfo.width=-1", &[]);
    assert_eq!(b.claimed().size, None);
    assert_eq!(b.fields["size"], "big");
    assert_eq!(b.fields["imageInfo.width"], "-1");
    assert_eq!(b.warnings.len(), 2, "{:?}", b.warnings);
}

#[test]
fn non_utf8_and_unknown_types_are_raw_base64() {
    let b = body_for(Some("application/octet-stream"), &[0xff, 0x00, 0x41], &[]);
    assert_eq!(b.body.format, BodyFormat::Raw);
    assert_eq!(b.body.base64.as_deref(), Some("/wBB"));
    assert_eq!(b.body.text, None);
    let b = body_for(None, b"object=%FF", &[]);
    assert_eq!(
        b.body.format,
        BodyFormat::Raw,
        "form values must decode to UTF-8"
    );
}

/// The id from first principles: SHA-256 over the length-prefixed (u64 big-endian) bucket,
/// key, ETag and version id, written out here with `sha2` directly.
fn id_from_first_principles(fields: [&str; 4]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut bytes = Vec::new();
    for field in fields {
        bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[test]
fn the_id_is_the_objects_and_nothing_else() {
    let body = b"bucket=examplebucket&object=uploads%2Falice%2Fa%20b.png&etag=d8e8fca2dc0f896fd7cb4cb0031ba249&size=5&reqId=R1&x:uid=1";
    let e = unconfirmed(body_for(None, body, &[("x-oss-request-id", "H1")]));
    // python3 -c 'import hashlib,struct; f=lambda *xs: "sha256:"+hashlib.sha256(b"".join(struct.pack(">Q",len(x.encode()))+x.encode() for x in xs)).hexdigest(); print(f("examplebucket","uploads/alice/a b.png","D8E8FCA2DC0F896FD7CB4CB0031BA249",""))'
    assert_eq!(
        e.id,
        "sha256:57c599a30df78e1bfec2b027430e4cde19219cccfebc7be084c8194815916e28"
    );
    assert_eq!(
        e.id,
        id_from_first_principles([
            "examplebucket",
            "uploads/alice/a b.png",
            "D8E8FCA2DC0F896FD7CB4CB0031BA249",
            ""
        ])
    );
    // reqId, the request-id header, custom variables, field order and the body's other
    // fields do not enter it.
    let again = unconfirmed(body_for(
        None,
        b"size=5&etag=%22D8E8FCA2DC0F896FD7CB4CB0031BA249%22&object=uploads%2Falice%2Fa%20b.png&bucket=examplebucket&reqId=R2&note=x",
        &[("x-oss-request-id", "H2")],
    ));
    assert_eq!(e.id, again.id);
    // Length-prefixing keeps field boundaries: "ab"+"c" differs from "a"+"bc".
    assert_ne!(
        unconfirmed(body_for(None, b"bucket=abc&object=c&size=1", &[])).id,
        unconfirmed(body_for(None, b"bucket=ab&object=cc&size=1", &[])).id
    );
}

#[test]
fn a_content_type_flip_cannot_change_the_fields_or_the_id() {
    let json = br#"{"bucket":"b","object":"k/a.png","etag":"E1","size":42,"mimeType":"image/png","x:uid":"u","note":"n"}"#;
    let form = b"bucket=b&object=k%2Fa.png&etag=E1&size=42&mimeType=image%2Fpng&x:uid=u&note=n";
    for (body, chosen) in [(&json[..], BodyType::Json), (&form[..], BodyType::Form)] {
        let mut seen = Vec::new();
        for header in [
            Some("application/json"),
            Some("application/x-www-form-urlencoded"),
            Some("text/plain"),
            None,
        ] {
            let b = parsed(header, body, &[], Some(chosen));
            let expected = match chosen {
                BodyType::Form => BodyFormat::Form,
                BodyType::Json => BodyFormat::Json,
            };
            assert_eq!(b.body.format, expected, "{header:?}");
            let flipped = header.is_some_and(|h| h != chosen.as_str());
            assert_eq!(
                b.warnings.len(),
                usize::from(flipped),
                "{header:?}: {:?}",
                b.warnings
            );
            let fields = (b.claimed().clone(), b.custom.clone(), b.fields.clone());
            let id = unconfirmed(b).id;
            seen.push((fields, id));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{chosen}: {seen:?}");
        assert_eq!(seen[0].0.0.object.as_deref(), Some("k/a.png"));
    }
    // Without a ticket the header decides, as OSS's own default does: the same JSON body read
    // as a form has no bucket, object or size.
    let b = body_for(Some("application/x-www-form-urlencoded"), json, &[]);
    assert_eq!(b.body.format, BodyFormat::Raw);
    assert!(b.identity().is_err());
}

#[test]
fn a_body_without_bucket_object_or_size_is_incomplete() {
    for (body, missing) in [
        (&b"object=a&size=1"[..], vec!["bucket"]),
        (b"bucket=b&size=1", vec!["object"]),
        (b"bucket=b&object=a&size=", vec!["size"]),
        (b"bucket=b&object=a&size=-1", vec!["size"]),
        (b"note=1", vec!["bucket", "object", "size"]),
    ] {
        let b = body_for(None, body, &[]);
        let error = b.identity().unwrap_err();
        assert_eq!(error.missing, missing, "{}", String::from_utf8_lossy(body));
        assert_eq!(error.code(), "body_incomplete");
        assert_eq!(error.http_status(), 400);
        assert!(error.to_string().contains(&missing.join(", ")), "{error}");
        assert_eq!(ObjectFacts::from_claims(b.claimed()).unwrap_err(), error);
    }
    let identity = body_for(
        None,
        b"bucket=b&object=a&size=3&etag=E&mimeType=text%2Fplain",
        &[],
    )
    .identity()
    .unwrap();
    assert_eq!(
        (
            identity.bucket.as_str(),
            identity.key.as_str(),
            identity.size
        ),
        ("b", "a", 3)
    );
    assert_eq!(identity.claimed.size, Some(3));
    assert_eq!(identity.claimed.etag.as_deref(), Some("E"));
    assert_eq!(identity.claimed.content_type.as_deref(), Some("text/plain"));
}

#[test]
fn duplicate_fields_keep_the_first() {
    let b = body_for(None, b"object=a&object=b&x:k=1&x:k=2&n=1&n=2", &[]);
    assert_eq!(b.claimed().object.as_deref(), Some("a"));
    assert_eq!(b.custom["x:k"], "1");
    assert_eq!(b.fields["n"], "1");
    assert_eq!(b.warnings.len(), 2);
}

#[test]
fn real_vectors_parse_but_name_no_object() {
    // OSS's own signed samples carry no object and size: they verify and parse, but describe
    // no stored object, so no event can be built from them.
    for c in valid_vectors() {
        let b = with_request(&c, |r| {
            let verified = verify(r, &TrustedKeys::oss(), &VerifyOptions::default()).unwrap();
            parse_body(&verified, r, None)
        });
        assert_ne!(b.body.format, BodyFormat::Raw, "{}", c.name);
        assert!(b.identity().is_err(), "{}", c.name);
    }
}

#[test]
fn the_read_headers_alone_give_the_same_verdict_and_body() {
    // An adapter hands the core only READ_HEADERS (crates/callback reads them one by one):
    // on OSS's own signed requests, and on one with every identifying header, the result
    // must not depend on the headers left out.
    let mut requests = real_vectors();
    let mut extra = requests[0].clone();
    extra.headers.extend([
        (
            "X-Oss-Request-Id".to_owned(),
            "5C1B138A109F4E405B2D".to_owned(),
        ),
        ("x-oss-bucket".to_owned(), "examplebucket".to_owned()),
        ("x-oss-requester".to_owned(), "1234567890".to_owned()),
        ("x-unrelated".to_owned(), "1".to_owned()),
    ]);
    requests.push(extra);
    let (mut compared, mut left_out) = (0, 0);
    for c in &requests {
        let all = c.header_refs();
        let read: Vec<(&str, &str)> = all
            .iter()
            .copied()
            .filter(|(n, _)| READ_HEADERS.iter().any(|r| n.eq_ignore_ascii_case(r)))
            .collect();
        left_out += all.len() - read.len();
        let run = |headers: &[(&str, &str)]| {
            let request = CallbackRequest {
                target: c.target.as_bytes(),
                headers,
                body: &c.body,
            };
            let keys = TrustedKeys::oss();
            verify(&request, &keys, &VerifyOptions::default())
                .map(|verified| parse_body(&verified, &request, None))
        };
        let (with_all, with_read) = (run(&all), run(&read));
        assert_eq!(with_all.is_ok(), c.expect_valid, "{}", c.name);
        assert_eq!(with_all, with_read, "{}", c.name);
        compared += 1;
    }
    assert!(
        compared > 2 && left_out > 0,
        "{compared} requests, {left_out} headers left out"
    );
}

fn facts() -> ObjectFacts {
    ObjectFacts {
        bucket: "examplebucket".into(),
        key: "uploads/alice/a b.png".into(),
        size: 53853,
        etag: "D8E8FCA2DC0F896FD7CB4CB0031BA249".into(),
        content_type: Some("image/png".into()),
        last_modified: Some(NOW - 1),
        crc64: Some(11_782_093_538_209_634_585),
        version_id: None,
    }
}

fn ticket() -> TicketSummary {
    TicketSummary {
        subject: "alice".into(),
        grant_id: "g1".into(),
        key_id: "k1".into(),
    }
}

#[test]
fn the_three_paths_give_one_id_and_valid_events() {
    let body = body_for(
        Some("application/json"),
        br#"{"bucket":"examplebucket","object":"uploads/alice/a b.png","etag":"D8E8FCA2DC0F896FD7CB4CB0031BA249","size":53853,"mimeType":"image/png"}"#,
        &[],
    );
    let callback = UploadEvent::from_callback(body, facts(), true, Some(ticket()), NOW);
    let recovered = UploadEvent::recovered(facts(), Some(ticket()), NOW + 60);
    let reconciled =
        UploadEvent::reconciled(facts(), Some(("alice".into(), "g1".into())), NOW + 3600);
    let no_owner = UploadEvent::reconciled(facts(), None, NOW);
    for event in [&callback, &recovered, &reconciled, &no_owner] {
        assert_valid_against_schema(event);
        assert_eq!(event.id, callback.id);
        assert!(event.confirmed);
    }
    assert_eq!(
        [callback.source, recovered.source, reconciled.source],
        [
            EventSource::Callback,
            EventSource::Recovery,
            EventSource::Reconciliation
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&callback.to_json()).unwrap();
    assert_eq!(json["source"], "callback");
    assert_eq!(json["owner"]["subject"], "alice");
    assert_eq!(json["ticket"]["key_id"], "k1");
    assert_eq!(json["object"]["last_modified"], "2023-11-14T22:13:19Z");
    assert_eq!(json["claimed"]["size"], 53853);
    let json: serde_json::Value = serde_json::from_str(&recovered.to_json()).unwrap();
    assert_eq!(json["source"], "recovery");
    assert_eq!(json["owner"]["grant_id"], "g1");
    for member in ["claimed", "custom", "fields", "oss", "path", "body"] {
        assert!(json.get(member).is_none(), "{member} on a recovery event");
    }
    let json: serde_json::Value = serde_json::from_str(&reconciled.to_json()).unwrap();
    assert_eq!(json["source"], "reconciliation");
    assert!(json.get("ticket").is_none());
    assert_eq!(json["owner"]["subject"], "alice");
    let mut versioned = facts();
    versioned.version_id =
        Some("CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjE4NDQ4MjJm".into());
    let event = UploadEvent::recovered(versioned, None, NOW);
    assert_valid_against_schema(&event);
    // The same python3 one-liner as above, with the version id as the fourth field.
    assert_eq!(
        event.id,
        "sha256:8a707826e29ebcc97122b4c178eef4662be44ac9e54821d45b353ce9a617e54e"
    );
}

/// The schema is not a rubber stamp: it refuses events that break its rules.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_schema_refuses_malformed_events() {
    let good: serde_json::Value =
        serde_json::from_str(&UploadEvent::recovered(facts(), Some(ticket()), NOW).to_json())
            .unwrap();
    assert_eq!(schema_errors(&good), None);
    type Mutation = fn(&mut serde_json::Value);
    let mutations: [(&str, Mutation); 8] = [
        ("v1 schema", |v| v["schema"] = "oss-edge.upload.v1".into()),
        ("request id as id", |v| {
            v["id"] = "5CF3E7821AB22D0FDB86704D".into()
        }),
        ("no object", |v| {
            v.as_object_mut().unwrap().remove("object");
        }),
        ("quoted etag", |v| v["object"]["etag"] = "\"ABC\"".into()),
        ("numeric crc64", |v| v["object"]["crc64"] = 5.into()),
        ("unknown source", |v| v["source"] = "replay".into()),
        ("unconfirmed recovery", |v| v["confirmed"] = false.into()),
        ("callback member on a recovery", |v| {
            v["claimed"] = serde_json::json!({})
        }),
    ];
    for (name, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(schema_errors(&bad).is_some(), "{name}: {bad}");
    }
    let body = body_for(None, b"bucket=b&object=a&size=1", &[]);
    let mut callback: serde_json::Value =
        serde_json::from_str(&UploadEvent::from_callback(body, facts(), true, None, NOW).to_json())
            .unwrap();
    assert_eq!(schema_errors(&callback), None);
    callback.as_object_mut().unwrap().remove("body");
    assert!(
        schema_errors(&callback).is_some(),
        "a callback event needs its body"
    );
}

/// The signer's own JSON template, rendered the way OSS may render it under every reading the
/// spec leaves open (§1.4, §10), always becomes a fully typed event.
#[test]
fn signers_json_template_parses_under_every_rendering() {
    use oss_edge_core::callback::params::{
        CallbackParams, CallbackVars, Crc64Rendering, EVENT_JSON_BODY, EmptyNumber, ImageInfo,
        JsonRendering, SystemValues,
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
                let b = parsed(
                    Some("application/json"),
                    body.as_bytes(),
                    &[],
                    Some(BodyType::Json),
                );
                let case = format!("{image:?} {empty_number:?} {crc64:?}: {body}");
                assert_eq!(b.body.format, BodyFormat::Json, "{case}");
                assert!(b.warnings.is_empty(), "{case}: {:?}", b.warnings);
                assert_eq!(
                    b.claimed().object.as_deref(),
                    Some("uploads/alice/a b.png"),
                    "{case}"
                );
                assert_eq!(b.claimed().size, Some(5385), "{case}");
                assert_eq!(
                    b.claimed().crc64.as_deref(),
                    Some("18446744073709551615"),
                    "{case}"
                );
                assert_eq!(b.claimed().content_md5, None, "{case}");
                assert_eq!(b.claimed().vpc_id, None, "{case}");
                assert_eq!(b.claimed().req_id.as_deref(), Some("REQ1"), "{case}");
                match &image {
                    Some(_) => {
                        assert_eq!(
                            (b.claimed().image.width, b.claimed().image.height),
                            (Some(640), Some(480)),
                            "{case}"
                        );
                        assert_eq!(b.claimed().image.format.as_deref(), Some("png"), "{case}");
                    }
                    None => assert_eq!(b.claimed().image, Default::default(), "{case}"),
                }
                let e = unconfirmed(b);
                assert_eq!(
                    e.id,
                    id_from_first_principles([
                        "b",
                        "uploads/alice/a b.png",
                        "D8E8FCA2DC0F896FD7CB4CB0031BA249",
                        ""
                    ]),
                    "{case}"
                );
            }
        }
    }
}
