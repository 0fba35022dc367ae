//! The `callback-var` parameter (spec §1.1, §1.5): key rule, encoding, parsing, size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::params::{
    CallbackVars, MAX_ENCODED_LEN, MAX_VAR_NAME_LEN, VarsError, is_valid_var_key,
};
use oss_edge_core::encoding::base64_encode;

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn key_rule() {
    for good in [
        "x:a",
        "x:my_var",
        "x:var1",
        "x:a-b.c",
        &format!("x:{}", "a".repeat(64)),
    ] {
        assert!(is_valid_var_key(good), "{good}");
    }
    for bad in [
        "",
        "x:",
        "my_var",
        "X:var",
        "x:Var",
        "x:my var",
        "x:é",
        "x:a:b",
        "x:a$",
        &format!("x:{}", "a".repeat(MAX_VAR_NAME_LEN + 1)),
    ] {
        assert!(!is_valid_var_key(bad), "{bad}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn builds_sorted_compact_json() {
    let mut vars = CallbackVars::new();
    vars.insert("x:zeta", "last").unwrap();
    vars.insert("x:alpha", "first \"quoted\" ü").unwrap();
    assert_eq!(vars.insert("x:zeta", "again").unwrap(), Some("last".into()));
    let json = r#"{"x:alpha":"first \"quoted\" ü","x:zeta":"again"}"#;
    assert_eq!(vars.to_json(), json);
    assert_eq!(vars.to_base64().unwrap(), base64_encode(json.as_bytes()));
    assert_eq!(vars.len(), 2);
    assert_eq!(vars.get("x:alpha"), Some("first \"quoted\" ü"));
    assert_eq!(
        vars.insert("uid", "1"),
        Err(VarsError::BadKey { key: "uid".into() })
    );
    assert_eq!(CallbackVars::new().to_json(), "{}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn parses_and_round_trips() {
    let mut vars = CallbackVars::new();
    vars.insert("x:uid", "42").unwrap();
    vars.insert("x:tag", "").unwrap();
    let parsed = CallbackVars::from_base64(&vars.to_base64().unwrap()).unwrap();
    assert_eq!(parsed, vars);
    let cases = [
        ("not base64", VarsError::NotBase64),
        (&base64_encode(b"[]"), VarsError::NotJsonObject),
        (&base64_encode(b"{\"x:a\":"), VarsError::NotJsonObject),
        (
            &base64_encode(br#"{"x:a":1}"#),
            VarsError::ValueNotString { key: "x:a".into() },
        ),
        (
            &base64_encode(br#"{"x:a":{"x:b":"c"}}"#),
            VarsError::ValueNotString { key: "x:a".into() },
        ),
        (
            &base64_encode(br#"{"x:Upper":"v"}"#),
            VarsError::BadKey {
                key: "x:Upper".into(),
            },
        ),
        (
            &base64_encode(br#"{"my_var":"v"}"#),
            VarsError::BadKey {
                key: "my_var".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            CallbackVars::from_base64(text),
            Err(expected.clone()),
            "{text}"
        );
        assert!(expected.code().starts_with("callback_var_"));
        assert!(!expected.to_string().is_empty());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn five_kb_limit_is_5120_bytes_of_base64() {
    // {"x:v":"…"} has 10 bytes of overhead; 3840 bytes of JSON make 5120 of Base64.
    let mut at_limit = CallbackVars::new();
    at_limit.insert("x:v", "a".repeat(3830)).unwrap();
    let encoded = at_limit.to_base64().unwrap();
    assert_eq!(encoded.len(), MAX_ENCODED_LEN);
    assert_eq!(CallbackVars::from_base64(&encoded).unwrap(), at_limit);

    let mut over = CallbackVars::new();
    over.insert("x:v", "a".repeat(3831)).unwrap();
    assert_eq!(
        over.to_base64(),
        Err(VarsError::TooLarge {
            len: 5124,
            max: 5120
        })
    );
    assert_eq!(
        CallbackVars::from_base64(&base64_encode(over.to_json().as_bytes())),
        Err(VarsError::TooLarge {
            len: 5124,
            max: 5120
        })
    );
}
