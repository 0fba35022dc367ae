//! Parsing a received `callback` parameter as OSS does (spec §1.2): every InvalidArgument reason.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::params::{
    BodyType, CallbackParams, EVENT_JSON_BODY, MAX_ENCODED_LEN, ParamsError, PlaceholderError,
    Scheme, UrlError,
};
use oss_edge_core::encoding::base64_encode;

fn parse_json(json: &str) -> Result<CallbackParams, ParamsError> {
    CallbackParams::from_base64(&base64_encode(json.as_bytes()))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn built_parameters_round_trip() {
    let params = CallbackParams::builder()
        .url("https://cb.example.com/oss?oss_edge_ticket=v1.k.abc.def")
        .url("http://backup.example.com:8080/oss")
        .host("cb.example.com")
        .body(EVENT_JSON_BODY)
        .body_type(BodyType::Json)
        .build()
        .unwrap();
    let parsed = CallbackParams::from_base64(&params.to_base64()).unwrap();
    assert_eq!(parsed, params);
    assert_eq!(parsed.to_base64(), params.to_base64());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn accepts_the_documentation_example() {
    // The API doc's example: no scheme, no body type, a custom variable (spec §1.2, §1.3).
    let parsed = parse_json(
        r#"{"callbackUrl":"121.43.113.8:23456/index.html","callbackBody":"bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}&my_var=${x:my_var}"}"#,
    )
    .unwrap();
    let url = &parsed.urls()[0];
    assert_eq!(url.scheme(), Scheme::Http);
    assert!(!url.has_explicit_scheme());
    assert_eq!(url.host(), "121.43.113.8");
    assert_eq!(url.port(), Some(23456));
    assert_eq!(url.request_target(), "/index.html");
    assert_eq!(parsed.body_type(), BodyType::Form);
    assert!(!parsed.sni());
    assert_eq!(
        parsed.body().custom_variables().collect::<Vec<_>>(),
        ["x:my_var"]
    );
    // Re-serialized, it keeps the URL as written.
    assert!(
        parsed
            .to_json()
            .starts_with(r#"{"callbackUrl":"121.43.113.8:23456/index.html","callbackBody":"#)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn optional_fields_and_unknown_fields() {
    let parsed = parse_json(
        r#"{"callbackBodyType":"application/json","callbackSNI":true,"callbackBody":"{}","callbackUrl":"https://a.example/","extra":[1]}"#,
    )
    .unwrap();
    assert!(parsed.sni());
    assert_eq!(parsed.body_type(), BodyType::Json);
    let explicit_false = parse_json(
        r#"{"callbackUrl":"https://a.example/","callbackBody":"a","callbackSNI":false}"#,
    )
    .unwrap();
    assert!(!explicit_false.sni());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_invalid_argument_reason() {
    let url = r#""callbackUrl":"https://a.example/cb""#;
    let cases: Vec<(String, ParamsError)> = vec![
        (
            r#"{"callbackUrl":"https://a.example/cb","callbackBody":"{"bucket":${bucket}}"}"#
                .into(),
            ParamsError::NotJsonObject,
        ),
        ("[1,2]".into(), ParamsError::NotJsonObject),
        ("\"text\"".into(), ParamsError::NotJsonObject),
        (
            r#"{"callbackBody":"a=b"}"#.into(),
            ParamsError::NoCallbackUrl,
        ),
        (
            r#"{"callbackUrl":"","callbackBody":"a=b"}"#.into(),
            ParamsError::NoCallbackUrl,
        ),
        (
            r#"{"callbackUrl":["https://a.example"],"callbackBody":"a=b"}"#.into(),
            ParamsError::FieldType {
                field: "callbackUrl",
                expected: "string",
            },
        ),
        (
            r#"{"callbackUrl":"http://a;http://b;http://c;http://d;http://e;http://f","callbackBody":"a=b"}"#
                .into(),
            ParamsError::TooManyUrls { count: 6 },
        ),
        (
            r#"{"callbackUrl":"http://a.example;http://host:test/","callbackBody":"a=b"}"#
                .into(),
            ParamsError::BadUrl {
                index: 1,
                reason: UrlError::BadPort {
                    port: "test".into(),
                },
            },
        ),
        (
            r#"{"callbackUrl":"http://a.example;","callbackBody":"a=b"}"#.into(),
            ParamsError::BadUrl {
                index: 1,
                reason: UrlError::Empty,
            },
        ),
        (
            r#"{"callbackUrl":"http://[::1]/","callbackBody":"a=b"}"#.into(),
            ParamsError::BadUrl {
                index: 0,
                reason: UrlError::Ipv6Literal,
            },
        ),
        (format!("{{{url}}}"), ParamsError::EmptyBody),
        (
            format!(r#"{{{url},"callbackBody":""}}"#),
            ParamsError::EmptyBody,
        ),
        (
            format!(r#"{{{url},"callbackBody":{{"a":1}}}}"#),
            ParamsError::FieldType {
                field: "callbackBody",
                expected: "string",
            },
        ),
        (
            format!(r#"{{{url},"callbackBody":"a","callbackBodyType":"text/plain"}}"#),
            ParamsError::BadBodyType {
                value: "text/plain".into(),
            },
        ),
        (
            format!(r#"{{{url},"callbackBody":"a","callbackBodyType":"application/JSON"}}"#),
            ParamsError::BadBodyType {
                value: "application/JSON".into(),
            },
        ),
        (
            format!(r#"{{{url},"callbackBody":"a","callbackBodyType":1}}"#),
            ParamsError::BadBodyType { value: "1".into() },
        ),
        (
            format!(r#"{{{url},"callbackBody":"a","callbackSNI":"true"}}"#),
            ParamsError::FieldType {
                field: "callbackSNI",
                expected: "boolean",
            },
        ),
        (
            format!(r#"{{{url},"callbackBody":"a","callbackHost":"a b"}}"#),
            ParamsError::BadHost {
                reason: UrlError::BadCharacter { offset: 1 },
            },
        ),
        (
            // The documented example of EC 0007-00000105.
            format!(r#"{{{url},"callbackBody":"size=${{size}}&my_var=$x:my_var}}"}}"#),
            ParamsError::Placeholder(PlaceholderError::DollarWithoutBrace { offset: 20 }),
        ),
        (
            format!(r#"{{{url},"callbackBody":"size=${{size"}}"#),
            ParamsError::Placeholder(PlaceholderError::Unclosed { offset: 5 }),
        ),
        (
            format!(r#"{{{url},"callbackBody":"n=${{filename}}"}}"#),
            ParamsError::Placeholder(PlaceholderError::UnknownVariable {
                offset: 2,
                name: "filename".into(),
            }),
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(parse_json(&json), Err(expected), "{json}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn base64_and_size_are_checked_first() {
    for bad in ["not base64!", "e30=e30=", "e30", " e30=", "e30=\n"] {
        assert_eq!(
            CallbackParams::from_base64(bad),
            Err(ParamsError::NotBase64),
            "{bad:?}"
        );
    }
    // Over the limit is refused before decoding, even when it is not Base64.
    let long = "!".repeat(MAX_ENCODED_LEN + 1);
    assert_eq!(
        CallbackParams::from_base64(&long),
        Err(ParamsError::TooLarge {
            len: 5121,
            max: 5120
        })
    );
    // Exactly at the limit: parsed.
    let url = "https://a.example/cb";
    let overhead = format!(r#"{{"callbackUrl":"{url}","callbackBody":""}}"#).len();
    let json = format!(
        r#"{{"callbackUrl":"{url}","callbackBody":"{}"}}"#,
        "a".repeat(3840 - overhead)
    );
    let encoded = base64_encode(json.as_bytes());
    assert_eq!(encoded.len(), 5120);
    assert!(CallbackParams::from_base64(&encoded).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn errors_have_codes_ec_and_messages() {
    let bad_port = ParamsError::BadUrl {
        index: 0,
        reason: UrlError::BadPort { port: "x".into() },
    };
    assert_eq!(bad_port.code(), "callback_bad_url");
    assert_eq!(bad_port.oss_ec(), Some("0007-00000004"));
    assert_eq!(
        bad_port.to_string(),
        "callbackUrl entry 1 is invalid: port `x` must be a number from 1 to 65535"
    );
    assert_eq!(ParamsError::EmptyBody.oss_ec(), Some("0007-00000011"));
    assert_eq!(
        ParamsError::BadBodyType { value: "x".into() }.oss_ec(),
        Some("0007-00000012")
    );
    assert_eq!(
        ParamsError::Placeholder(PlaceholderError::Unclosed { offset: 0 }).oss_ec(),
        Some("0007-00000105")
    );
    assert!(
        ParamsError::NotJsonObject
            .to_string()
            .contains("not json format")
    );
    let all = [
        ParamsError::TooLarge { len: 1, max: 0 },
        ParamsError::NotBase64,
        ParamsError::NotJsonObject,
        ParamsError::FieldType {
            field: "f",
            expected: "string",
        },
        ParamsError::NoCallbackUrl,
        ParamsError::TooManyUrls { count: 6 },
        bad_port,
        ParamsError::BadHost {
            reason: UrlError::EmptyHost,
        },
        ParamsError::EmptyBody,
        ParamsError::BadBodyType { value: "x".into() },
        ParamsError::Placeholder(PlaceholderError::Unclosed { offset: 0 }),
    ];
    let mut codes: Vec<&str> = all.iter().map(ParamsError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    for code in codes {
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        );
    }
}

/// Found by the `callback_params` fuzz target: JSON whose canonical Base64 is 5224 bytes used
/// to validate, although it could never be sent (OSS refuses more than 5120).
#[test]
fn from_json_refuses_what_could_not_be_sent() {
    let input = include_bytes!("fuzz_regressions/callback_params-oversized-canonical.json");
    let error = CallbackParams::from_json(input).unwrap_err();
    assert!(
        matches!(
            error,
            ParamsError::TooLarge {
                len: 5224,
                max: 5120
            }
        ),
        "{error:?}"
    );
    // As received Base64, the same JSON is judged by the received length, as OSS does.
    let received = oss_edge_core::encoding::base64_encode(input);
    assert!(received.len() > 5120);
    assert!(matches!(
        CallbackParams::from_base64(&received),
        Err(ParamsError::TooLarge { .. })
    ));
}
