//! Property tests for callback parameters (native only: proptest does not run in wasm32).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::params::{
    BodyTemplate, BodyType, CallbackParams, CallbackVars, EVENT_JSON_BODY, JsonRendering,
    SystemValues,
};
use oss_edge_core::encoding::form_decode;
use proptest::prelude::*;

fn values(object: String, content_md5: String) -> SystemValues {
    SystemValues {
        bucket: "b".into(),
        object,
        etag: "E".into(),
        size: 1,
        mime_type: "text/plain".into(),
        image: None,
        crc64: 0,
        content_md5,
        vpc_id: String::new(),
        client_ip: "203.0.113.7".into(),
        req_id: "R".into(),
        operation: "PutObject".into(),
    }
}

proptest! {
    #[test]
    fn template_parsing_never_panics(text in "\\PC{0,200}") {
        let _ = BodyTemplate::parse(&text);
    }

    #[test]
    fn build_then_parse_round_trips(
        literal in "[^$]{1,100}",
        body_type in prop_oneof![Just(BodyType::Form), Just(BodyType::Json)],
        https in any::<bool>(),
    ) {
        let body = format!("{literal}${{object}}{literal}${{x:v}}");
        let scheme = if https { "https" } else { "http" };
        let params = CallbackParams::builder()
            .url(format!("{scheme}://cb.example.com/oss"))
            .body(body)
            .body_type(body_type)
            .build()
            .unwrap();
        let parsed = CallbackParams::from_base64(&params.to_base64()).unwrap();
        prop_assert_eq!(parsed.to_base64(), params.to_base64());
        prop_assert_eq!(parsed, params);
    }

    #[test]
    fn form_values_decode_back(object in "\\PC{0,80}") {
        let template = BodyTemplate::parse("o=${object}").unwrap();
        let body = template.render(
            BodyType::Form,
            &values(object.clone(), String::new()),
            &CallbackVars::new(),
            JsonRendering::default(),
        );
        let value = body.strip_prefix("o=").unwrap();
        prop_assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        prop_assert_eq!(form_decode(value.as_bytes()), object.into_bytes());
    }

    #[test]
    fn event_json_body_stays_json(object in "\\PC{0,80}", md5 in "\\PC{0,30}") {
        let body = BodyTemplate::parse(EVENT_JSON_BODY).unwrap().render(
            BodyType::Json,
            &values(object.clone(), md5),
            &CallbackVars::new(),
            JsonRendering::default(),
        );
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        prop_assert_eq!(parsed["object"].as_str(), Some(object.as_str()));
    }
}
