//! `callbackBody` templates: placeholder grammar and substitution as OSS performs it (spec §1.3,
//! §1.4), and the event templates the signer sends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::params::{
    BodyTemplate, BodyType, CallbackParams, CallbackVars, Crc64Rendering, EVENT_FORM_BODY,
    EVENT_JSON_BODY, EmptyNumber, ImageInfo, JsonRendering, PlaceholderError, Segment,
    SystemValues, SystemVariable, event_body,
};
use oss_edge_core::encoding::form_decode;
use serde_json::{Value, json};

fn values(object: &str, image: bool) -> SystemValues {
    SystemValues {
        bucket: "examplebucket".into(),
        object: object.into(),
        etag: "D8E8FCA2DC0F896FD7CB4CB0031BA249".into(),
        size: 5385,
        mime_type: if image { "image/jpeg" } else { "text/plain" }.into(),
        image: image.then(|| ImageInfo {
            height: 600,
            width: 800,
            format: "jpg".into(),
        }),
        crc64: u64::MAX,
        content_md5: "2Ox6OUkQ3VqVCmGzCnOHmA==".into(),
        vpc_id: String::new(),
        client_ip: "203.0.113.7".into(),
        req_id: "5CF3E7821AB22D0FDB86704D".into(),
        operation: "PutObject".into(),
    }
}

fn render(template: &str, body_type: BodyType, values: &SystemValues) -> String {
    BodyTemplate::parse(template).unwrap().render(
        body_type,
        values,
        &CallbackVars::new(),
        JsonRendering::default(),
    )
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn parses_segments() {
    let template = BodyTemplate::parse("a=${bucket}&b=${x:my_var}${size}}tail").unwrap();
    assert_eq!(
        template.segments(),
        [
            Segment::Literal("a=".into()),
            Segment::System(SystemVariable::Bucket),
            Segment::Literal("&b=".into()),
            Segment::Custom("x:my_var".into()),
            Segment::System(SystemVariable::Size),
            Segment::Literal("}tail".into()),
        ]
    );
    assert_eq!(
        template.system_variables().collect::<Vec<_>>(),
        [SystemVariable::Bucket, SystemVariable::Size]
    );
    for variable in SystemVariable::ALL {
        assert_eq!(SystemVariable::from_name(variable.name()), Some(variable));
        let text = variable.to_string();
        assert_eq!(
            BodyTemplate::parse(&text).unwrap().segments(),
            [Segment::System(variable)]
        );
    }
    assert!(BodyTemplate::parse("").unwrap().segments().is_empty());
    assert!(BodyTemplate::parse("{}").is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn refuses_malformed_placeholders() {
    use PlaceholderError::*;
    let cases = [
        ("price=$5", DollarWithoutBrace { offset: 6 }),
        ("end$", DollarWithoutBrace { offset: 3 }),
        ("a=$(bucket)", DollarWithoutBrace { offset: 2 }),
        ("a=${bucket", Unclosed { offset: 2 }),
        ("a=${bucket}&b=${", Unclosed { offset: 14 }),
        (
            "a=${}",
            UnknownVariable {
                offset: 2,
                name: String::new(),
            },
        ),
        (
            "a=${Bucket}",
            UnknownVariable {
                offset: 2,
                name: "Bucket".into(),
            },
        ),
        (
            "a=${ bucket}",
            UnknownVariable {
                offset: 2,
                name: " bucket".into(),
            },
        ),
        (
            "a=${imageInfo}",
            UnknownVariable {
                offset: 2,
                name: "imageInfo".into(),
            },
        ),
        (
            "a=${a${bucket}",
            UnknownVariable {
                offset: 2,
                name: "a${bucket".into(),
            },
        ),
        (
            "a=${x:MyVar}",
            BadCustomVariable {
                offset: 2,
                name: "x:MyVar".into(),
            },
        ),
        (
            "a=${x:}",
            BadCustomVariable {
                offset: 2,
                name: "x:".into(),
            },
        ),
        (
            "a=${X:var}",
            UnknownVariable {
                offset: 2,
                name: "X:var".into(),
            },
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(
            BodyTemplate::parse(template),
            Err(expected.clone()),
            "{template}"
        );
        assert!(!expected.to_string().is_empty());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn json_type_with_a_form_template_verified_example() {
    // Spec §1.4 [VERIFIED]: strings quoted, numbers bare, `/` not escaped.
    let mut v = values("a/b.png", false);
    v.size = 5385;
    assert_eq!(
        render("filename=${object}&size=${size}", BodyType::Json, &v),
        r#"filename="a/b.png"&size=5385"#
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn form_rendering_percent_encodes_values_only() {
    // Spec §1.4 [VERIFIED]: `dir/name.jpg` arrives as `dir%2Fname.jpg`, `image/jpeg` as
    // `image%2Fjpeg`; constants are copied verbatim.
    let v = values("dir/name.jpg", true);
    assert_eq!(
        render("object=${object}&mime=${mimeType}&k/=v", BodyType::Form, &v),
        "object=dir%2Fname.jpg&mime=image%2Fjpeg&k/=v"
    );
    let odd = values("a b+c~d_e-f.g&h=i%j/ü", false);
    assert_eq!(
        render("o=${object}", BodyType::Form, &odd),
        "o=a%20b%2Bc~d_e-f.g%26h%3Di%25j%2F%C3%BC"
    );
    // Non-images give empty image values (spec §1.4).
    assert_eq!(
        render(
            "imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}",
            BodyType::Form,
            &values("x", false)
        ),
        "imageInfo.height=&imageInfo.width=&imageInfo.format="
    );
    assert_eq!(
        render(
            "h=${imageInfo.height}&w=${imageInfo.width}&f=${imageInfo.format}&size=${size}&crc=${crc64}",
            BodyType::Form,
            &values("x", true)
        ),
        "h=600&w=800&f=jpg&size=5385&crc=18446744073709551615"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn json_rendering_escapes_strings() {
    let v = values("quote\"back\\slash\nnew/line ü\u{1}", false);
    let body = render(r#"{"o":${object},"md5":${contentMd5}}"#, BodyType::Json, &v);
    assert_eq!(
        body,
        r#"{"o":"quote\"back\\slash\nnew/line ü\u0001","md5":"2Ox6OUkQ3VqVCmGzCnOHmA=="}"#
    );
    let parsed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["o"], "quote\"back\\slash\nnew/line ü\u{1}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn unverified_json_renderings_are_selectable() {
    let template = BodyTemplate::parse(r#"[${imageInfo.height},${crc64}]"#).unwrap();
    let v = values("x", false);
    let vars = CallbackVars::new();
    let with = |empty_number, crc64| {
        template.render(
            BodyType::Json,
            &v,
            &vars,
            JsonRendering {
                empty_number,
                crc64,
            },
        )
    };
    assert_eq!(
        with(EmptyNumber::Nothing, Crc64Rendering::Number),
        "[,18446744073709551615]"
    );
    assert_eq!(
        with(EmptyNumber::EmptyString, Crc64Rendering::String),
        r#"["","18446744073709551615"]"#
    );
    assert_eq!(
        with(EmptyNumber::Null, Crc64Rendering::Number),
        "[null,18446744073709551615]"
    );
    assert_eq!(JsonRendering::default().empty_number, EmptyNumber::Nothing);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn custom_variables_substitute_and_default_to_empty() {
    let mut vars = CallbackVars::new();
    vars.insert("x:uid", "a&b=c/d").unwrap();
    let template = BodyTemplate::parse("u=${x:uid}&m=${x:missing}").unwrap();
    let v = values("o", false);
    assert_eq!(
        template.render(BodyType::Form, &v, &vars, JsonRendering::default()),
        "u=a%26b%3Dc%2Fd&m="
    );
    let json = BodyTemplate::parse(r#"{"u":${x:uid},"m":${x:missing}}"#).unwrap();
    assert_eq!(
        json.render(BodyType::Json, &v, &vars, JsonRendering::default()),
        r#"{"u":"a&b=c/d","m":""}"#
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn event_json_body_parses_under_every_unverified_reading() {
    let template = BodyTemplate::parse(EVENT_JSON_BODY).unwrap();
    let mut used: Vec<SystemVariable> = template.system_variables().collect();
    used.sort();
    assert_eq!(used, SystemVariable::ALL, "every variable, once");
    let vars = CallbackVars::new();
    for image in [true, false] {
        let v = values("dir/\"odd\" name.jpg", image);
        for empty_number in [
            EmptyNumber::Nothing,
            EmptyNumber::EmptyString,
            EmptyNumber::Null,
        ] {
            for crc64 in [Crc64Rendering::Number, Crc64Rendering::String] {
                let rendering = JsonRendering {
                    empty_number,
                    crc64,
                };
                let body = template.render(BodyType::Json, &v, &vars, rendering);
                let parsed: Value = serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("{rendering:?}: {e}: {body}"));
                assert_eq!(parsed["object"], "dir/\"odd\" name.jpg");
                assert_eq!(parsed["size"], 5385);
                assert_eq!(parsed["reqId"], "5CF3E7821AB22D0FDB86704D");
                assert_eq!(parsed["contentMd5"], json!(["2Ox6OUkQ3VqVCmGzCnOHmA=="]));
                assert_eq!(parsed["vpcId"], json!([""]));
                if image {
                    assert_eq!(
                        parsed["imageInfo"],
                        json!({"height": [600], "width": [800], "format": ["jpg"]})
                    );
                } else {
                    let empty = match empty_number {
                        EmptyNumber::Nothing => json!([]),
                        EmptyNumber::EmptyString => json!([""]),
                        EmptyNumber::Null => json!([null]),
                    };
                    assert_eq!(parsed["imageInfo"]["height"], empty);
                    assert_eq!(parsed["imageInfo"]["format"], json!([""]));
                }
            }
        }
    }
    // The naive template is what breaks: a bare empty number is not JSON.
    let naive = render(
        r#"{"h":${imageInfo.height}}"#,
        BodyType::Json,
        &values("x", false),
    );
    assert!(serde_json::from_str::<Value>(&naive).is_err());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn event_form_body_decodes_back_to_the_values() {
    let v = values("dir/a b&c=d.jpg", false);
    let body = render(EVENT_FORM_BODY, BodyType::Form, &v);
    let pairs: Vec<(String, String)> = body
        .split('&')
        .map(|pair| {
            let (k, val) = pair.split_once('=').unwrap();
            (
                String::from_utf8(form_decode(k.as_bytes())).unwrap(),
                String::from_utf8(form_decode(val.as_bytes())).unwrap(),
            )
        })
        .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(pairs.len(), 14);
    assert_eq!(get("object"), "dir/a b&c=d.jpg");
    assert_eq!(get("mimeType"), "text/plain");
    assert_eq!(get("imageInfo.height"), "");
    assert_eq!(get("crc64"), "18446744073709551615");
    assert_eq!(get("reqId"), "5CF3E7821AB22D0FDB86704D");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn event_body_with_custom_variables() {
    let json = event_body(BodyType::Json, ["x:uid", "x:grant"]).unwrap();
    assert!(json.ends_with(r#","vpcId":[${vpcId}],"x:uid":${x:uid},"x:grant":${x:grant}}"#));
    let mut vars = CallbackVars::new();
    vars.insert("x:uid", "42").unwrap();
    let params = CallbackParams::builder()
        .url("https://a.example/cb")
        .body(json)
        .body_type(BodyType::Json)
        .build()
        .unwrap();
    assert!(params.warnings().is_empty());
    let body = params.render_body(&values("o", false), &vars, JsonRendering::default());
    let parsed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["x:uid"], "42");
    assert_eq!(parsed["x:grant"], "");

    let form = event_body(BodyType::Form, ["x:uid"]).unwrap();
    assert_eq!(form, format!("{EVENT_FORM_BODY}&x:uid=${{x:uid}}"));
    assert_eq!(event_body(BodyType::Json, []).unwrap(), EVENT_JSON_BODY);
    assert!(event_body(BodyType::Form, ["uid"]).is_err());
}
