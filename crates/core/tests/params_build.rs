//! Building `callback` parameters (spec §1.1, §1.2): serialization, defaults, URL rules, size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::callback::params::{
    BodyType, BodyWarning, CallbackParams, EVENT_FORM_BODY, EVENT_JSON_BODY, MAX_ENCODED_LEN,
    ParamsError, PlaceholderError, UrlError,
};
use oss_edge_core::encoding::base64_encode;

fn bad_url(url: &str) -> UrlError {
    match CallbackParams::builder().url(url).body("a=b").build() {
        Err(ParamsError::BadUrl { index: 0, reason }) => reason,
        other => panic!("{url}: {other:?}"),
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn serializes_compactly_in_field_order() {
    let params = CallbackParams::builder()
        .url("https://cb.example.com/oss?app=1")
        .host("cb.example.com")
        .body("bucket=${bucket}&object=${object}")
        .build()
        .unwrap();
    let json = r#"{"callbackUrl":"https://cb.example.com/oss?app=1","callbackHost":"cb.example.com","callbackBody":"bucket=${bucket}&object=${object}","callbackSNI":true,"callbackBodyType":"application/x-www-form-urlencoded"}"#;
    assert_eq!(params.to_json(), json);
    assert_eq!(params.to_base64(), base64_encode(json.as_bytes()));
    // Deterministic: the same inputs give the same bytes.
    let again = CallbackParams::builder()
        .url("https://cb.example.com/oss?app=1")
        .host("cb.example.com")
        .body("bucket=${bucket}&object=${object}")
        .build()
        .unwrap();
    assert_eq!(again.to_base64(), params.to_base64());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn json_body_is_escaped_inside_the_json() {
    let params = CallbackParams::builder()
        .url("http://127.0.0.1:8787/cb")
        .body(r#"{"bucket":${bucket},"size":${size}}"#)
        .body_type(BodyType::Json)
        .build()
        .unwrap();
    assert_eq!(
        params.to_json(),
        r#"{"callbackUrl":"http://127.0.0.1:8787/cb","callbackBody":"{\"bucket\":${bucket},\"size\":${size}}","callbackBodyType":"application/json"}"#
    );
    assert!(params.warnings().is_empty());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn sni_defaults_to_true_for_https_only() {
    let build = |urls: &[&str], sni: Option<bool>| {
        let mut builder = CallbackParams::builder().body("a=${size}");
        for url in urls {
            builder = builder.url(*url);
        }
        if let Some(sni) = sni {
            builder = builder.sni(sni);
        }
        builder.build().unwrap()
    };
    let https = build(&["https://a.example/cb"], None);
    assert!(https.sni());
    assert!(https.to_json().contains(r#""callbackSNI":true"#));
    let mixed = build(&["http://a.example/cb", "https://b.example/cb"], None);
    assert!(mixed.sni());
    let http = build(&["http://a.example/cb"], None);
    assert!(!http.sni());
    assert!(!http.to_json().contains("callbackSNI"));
    let forced_off = build(&["https://a.example/cb"], Some(false));
    assert!(!forced_off.to_json().contains("callbackSNI"));
    let forced_on = build(&["http://a.example/cb"], Some(true));
    assert!(forced_on.to_json().contains(r#""callbackSNI":true"#));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn one_to_five_urls_joined_by_semicolons() {
    let mut builder = CallbackParams::builder().body("a=b");
    for i in 0..5 {
        builder = builder.url(format!("https://h{i}.example/cb"));
    }
    let five = builder.clone().build().unwrap();
    assert_eq!(five.urls().len(), 5);
    assert_eq!(
        five.url_field(),
        "https://h0.example/cb;https://h1.example/cb;https://h2.example/cb;https://h3.example/cb;https://h4.example/cb"
    );
    assert_eq!(
        builder.url("https://h5.example/cb").build(),
        Err(ParamsError::TooManyUrls { count: 6 })
    );
    assert_eq!(
        CallbackParams::builder().body("a=b").build(),
        Err(ParamsError::NoCallbackUrl)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn url_rules() {
    for good in [
        "http://a.example",
        "https://a.example:1/x",
        "https://a.example:65535/x?y=%20z",
        "HTTPS://A.example/",
        "http://121.43.113.8:23456/index.html",
        "https://my_host.example/cb?oss_edge_ticket=v1.k.a-b_c.d",
    ] {
        assert!(
            CallbackParams::builder()
                .url(good)
                .body("a=b")
                .build()
                .is_ok(),
            "{good}"
        );
    }
    let port = |p: &str| UrlError::BadPort { port: p.into() };
    assert_eq!(bad_url("http://a.example:test/"), port("test"));
    assert_eq!(bad_url("http://a.example:0/"), port("0"));
    assert_eq!(bad_url("http://a.example:65536/"), port("65536"));
    assert_eq!(bad_url("http://a.example:/"), port(""));
    assert_eq!(bad_url("http://a.example:-1/"), port("-1"));
    assert_eq!(bad_url("http://a.example:000080/"), port("000080"));
    assert_eq!(bad_url("http://[::1]:8080/"), UrlError::Ipv6Literal);
    assert_eq!(bad_url("http://::1/"), UrlError::Ipv6Literal);
    assert_eq!(bad_url("a.example/cb"), UrlError::MissingScheme);
    assert_eq!(
        bad_url("ftp://a.example/"),
        UrlError::UnsupportedScheme {
            scheme: "ftp".into()
        }
    );
    assert_eq!(
        bad_url("http://a.example/a b"),
        UrlError::BadCharacter { offset: 18 }
    );
    assert_eq!(
        bad_url("http://a.example/\t"),
        UrlError::BadCharacter { offset: 17 }
    );
    assert_eq!(
        bad_url("http://a.example/é"),
        UrlError::BadCharacter { offset: 17 }
    );
    assert_eq!(bad_url("http://a.example/a;b"), UrlError::Semicolon);
    assert_eq!(bad_url("http://u:p@a.example/"), UrlError::UserInfo);
    assert_eq!(bad_url("http://a.example/#top"), UrlError::Fragment);
    assert_eq!(bad_url("http:///cb"), UrlError::EmptyHost);
    assert_eq!(
        bad_url("http://a%2Eexample/"),
        UrlError::BadHost {
            host: "a%2Eexample".into()
        }
    );
    assert_eq!(bad_url(""), UrlError::Empty);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn url_parts() {
    let params = CallbackParams::builder()
        .url("https://cb.example.com:8443/oss/callback?app=1")
        .url("http://cb.example.com")
        .url("http://cb.example.com?x=1")
        .body("a=b")
        .build()
        .unwrap();
    let urls = params.urls();
    assert_eq!(urls[0].host(), "cb.example.com");
    assert_eq!(urls[0].port(), Some(8443));
    assert_eq!(urls[0].effective_port(), 8443);
    assert_eq!(urls[0].request_target(), "/oss/callback?app=1");
    assert_eq!(urls[1].effective_port(), 80);
    assert_eq!(urls[1].request_target(), "/");
    assert_eq!(urls[2].request_target(), "/?x=1");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn host_body_and_type_rules() {
    let base = || CallbackParams::builder().url("https://a.example/cb");
    assert!(
        base()
            .host("cb.example.com:8443")
            .body("a=b")
            .build()
            .is_ok()
    );
    assert!(base().host("10.0.0.1").body("a=b").build().is_ok());
    for bad in ["", "a b", "[::1]", "h:port", "u@h"] {
        assert!(
            matches!(
                base().host(bad).body("a=b").build(),
                Err(ParamsError::BadHost { .. })
            ),
            "{bad}"
        );
    }
    assert_eq!(base().build(), Err(ParamsError::EmptyBody));
    assert_eq!(
        base().body("size=${size}&my_var=$x:my_var}").build(),
        Err(ParamsError::Placeholder(
            PlaceholderError::DollarWithoutBrace { offset: 20 }
        ))
    );
}

/// Pads the body so the JSON is exactly `json_len` bytes long.
fn params_with_json_len(json_len: usize) -> Result<CallbackParams, ParamsError> {
    let build = |body: &str| {
        CallbackParams::builder()
            .url("https://a.example/cb")
            .body(body)
            .build()
    };
    let overhead = build("a").unwrap().to_json().len() - 1;
    build(&"a".repeat(json_len - overhead))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn five_kb_means_5120_bytes_of_base64() {
    assert_eq!(MAX_ENCODED_LEN, 5120);
    // 3840 bytes of JSON give exactly 5120 bytes of Base64: accepted.
    let at_limit = params_with_json_len(3840).unwrap();
    assert_eq!(at_limit.to_base64().len(), 5120);
    // One more byte of JSON gives 5124 bytes of Base64, the next possible length: refused.
    assert_eq!(
        params_with_json_len(3841),
        Err(ParamsError::TooLarge {
            len: 5124,
            max: 5120
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn warnings_for_likely_mistakes() {
    let warnings = |body: &str, body_type| {
        CallbackParams::builder()
            .url("https://a.example/cb")
            .body(body)
            .body_type(body_type)
            .build()
            .unwrap()
            .warnings()
    };
    assert_eq!(
        warnings(r#"{"bucket":"${bucket}","size":${size}}"#, BodyType::Json),
        [BodyWarning::QuotedPlaceholder {
            offset: 11,
            name: "bucket".into()
        }]
    );
    assert_eq!(
        warnings("filename=${object}&size=${size}", BodyType::Json),
        [BodyWarning::NotJson]
    );
    assert_eq!(
        warnings("bucket=${bucket}&&size&=1", BodyType::Form),
        [
            BodyWarning::NotKeyValue {
                segment: String::new()
            },
            BodyWarning::NotKeyValue {
                segment: "size".into()
            },
            BodyWarning::NotKeyValue {
                segment: "=1".into()
            },
        ]
    );
    assert_eq!(
        warnings(r#"{"a":${x:a}}"#, BodyType::Form).len(),
        1,
        "a JSON body sent as a form"
    );
    assert!(warnings(EVENT_JSON_BODY, BodyType::Json).is_empty());
    assert!(warnings(EVENT_FORM_BODY, BodyType::Form).is_empty());
    for warning in warnings(r#"{"b":"${bucket}"}"#, BodyType::Json) {
        assert!(!warning.to_string().is_empty());
    }
}
