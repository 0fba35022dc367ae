//! The SDK-computed signing vectors of `tests/vectors/oss-signing.json` (spec §5, §6, §8.4):
//! every case must come out byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use oss_edge_core::encoding::base64_encode;
use oss_edge_core::sign::presign::{self, PresignOptions, PresignRequest};
use oss_edge_core::sign::v4::{self, CanonicalRequest, Scope};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion, v1};
use oss_edge_core::time::parse_oss_date;
use serde_json::Value;

const VECTORS: &str = include_str!("../../../tests/vectors/oss-signing.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn case(name: &str) -> Value {
    vectors()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .clone()
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing"))
}

fn common() -> Value {
    vectors()["common"].clone()
}

fn credentials() -> Credentials {
    let c = common();
    Credentials::new(text(&c, "access_key_id"), text(&c, "access_key_secret"))
}

fn region() -> Region {
    Region::parse(text(&common(), "region")).unwrap()
}

fn put_with_callback(case: &Value) -> PresignRequest {
    let query = &case["query"];
    PresignRequest::new(
        text(case, "method"),
        text(&common(), "bucket"),
        text(case, "key"),
    )
    .content_type(text(case, "content_type"))
    .callback(text(query, "callback"), Some(text(query, "callback-var")))
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn presign_v1_put_with_callback() {
    let case = case("presign-v1-put-with-callback");
    let request = put_with_callback(&case);
    let expires_at = case["expires_unix"].as_i64().unwrap();

    let resource = v1::canonicalized_resource(Some(&request.bucket), &request.key, &request.query);
    let string_to_sign = v1::string_to_sign(
        &request.method,
        &request.headers,
        &expires_at.to_string(),
        &resource,
    );
    assert_eq!(string_to_sign, text(&case, "string_to_sign"));
    assert_eq!(v1::sign("sk", &string_to_sign), text(&case, "signature"));

    let endpoint = Endpoint::aliyun(&region());
    let signed = presign::v1::presign(&request, &credentials(), &endpoint, expires_at).unwrap();
    assert_eq!(signed.url, text(&case, "url"));
    assert_eq!(
        signed.headers,
        vec![("Content-Type".to_owned(), "text/plain".to_owned())]
    );
    assert_eq!(signed.expires_at, expires_at);

    // The generic entry point with a relative expiry gives the same URL.
    let options = PresignOptions {
        version: SignatureVersion::V1,
        credentials: credentials(),
        region: region(),
        endpoint,
        now: expires_at - 3600,
        expires_in: 3600,
    };
    assert_eq!(
        presign::presign(&request, &options).unwrap().url,
        text(&case, "url")
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn presign_v4_put_callback_in_query() {
    let case = case("presign-v4-put-callback-in-query");
    let request = put_with_callback(&case);
    let now = parse_oss_date(text(&case, "x_oss_date")).unwrap();
    let options = PresignOptions {
        version: SignatureVersion::V4,
        credentials: credentials(),
        region: region(),
        endpoint: Endpoint::parse(text(&common(), "endpoint")).unwrap(),
        now,
        expires_in: case["x_oss_expires"].as_u64().unwrap(),
    };
    let signed = presign::presign(&request, &options).unwrap();
    assert_eq!(signed.url, text(&case, "url"));
    assert!(
        signed
            .url
            .ends_with(&format!("x-oss-signature={}", text(&case, "signature")))
    );
    assert_eq!(
        signed.headers,
        vec![("Content-Type".to_owned(), "text/plain".to_owned())]
    );
    assert_eq!(signed.expires_at, now + 3600);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v4_header_auth_callback_in_headers() {
    let case = case("v4-header-auth-callback-in-headers");
    let headers: Vec<(String, String)> = case["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let date = headers
        .iter()
        .find(|(k, _)| k == "x-oss-date")
        .map(|(_, v)| v.clone())
        .unwrap();
    let scope = Scope::at(parse_oss_date(&date).unwrap(), region());
    let common = common();
    let request = CanonicalRequest {
        method: text(&case, "method"),
        bucket: Some(text(&common, "bucket")),
        key: text(&case, "key"),
        query: &[],
        headers: &headers,
        additional_headers: &[],
    };
    assert_eq!(
        v4::authorization_header(&credentials(), &scope, &date, &request),
        text(&case, "authorization")
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn post_policy_v4_signature() {
    let case = case("post-policy-v4");
    let policy = base64_encode(text(&case, "policy_json").as_bytes());
    let scope = Scope::at(parse_oss_date(text(&case, "x_oss_date")).unwrap(), region());
    assert_eq!(
        v4::sign_post_policy("sk", &scope, &policy),
        text(&case, "x_oss_signature")
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn post_policy_builder_reproduces_the_v4_vector() {
    use oss_edge_core::sign::post_policy::PostPolicyBuilder;
    let case = case("post-policy-v4");
    let now = parse_oss_date(text(&case, "x_oss_date")).unwrap();
    let expiration = oss_edge_core::time::parse_iso8601("2023-11-15T00:00:00.000Z").unwrap();
    let form = PostPolicyBuilder::new("examplebucket", expiration)
        .key_starts_with("user-dir/")
        .content_length_range(1, 10_485_760)
        .callback(text(&common(), "callback_b64"))
        .sign(
            SignatureVersion::V4,
            &credentials(),
            &region(),
            &Endpoint::aliyun(&region()),
            now,
        )
        .unwrap();
    assert_eq!(
        form.policy(),
        base64_encode(text(&case, "policy_json").as_bytes())
    );
    assert_eq!(form.signature(), text(&case, "x_oss_signature"));
    assert_eq!(
        form.url,
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn post_policy_v1_signatures() {
    let same = case("post-policy-v1-same-policy");
    let policy = base64_encode(text(&same, "policy_json").as_bytes());
    assert_eq!(v1::sign("sk", &policy), text(&same, "signature"));

    let doc = case("post-policy-v1-doc-secret");
    assert_eq!(
        v1::sign(text(&doc, "access_key_secret"), text(&doc, "policy_b64")),
        text(&doc, "signature")
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_doc_vectors() {
    for name in ["v1-header-doc", "v1-url-doc"] {
        let case = case(name);
        assert_eq!(
            v1::sign(
                text(&case, "access_key_secret"),
                text(&case, "string_to_sign")
            ),
            text(&case, "signature"),
            "{name}"
        );
    }
    // The header doc vector rebuilt from its parts (spec §6.1).
    let headers = vec![
        (
            "Content-Md5".to_owned(),
            "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=".to_owned(),
        ),
        ("Content-Type".to_owned(), "text/html".to_owned()),
        ("X-OSS-Meta-Author".to_owned(), "foo@bar.com".to_owned()),
        ("X-OSS-Magic".to_owned(), "abracadabra".to_owned()),
    ];
    let resource = v1::canonicalized_resource(Some("oss-example"), "nelson", &[]);
    assert_eq!(
        v1::string_to_sign("PUT", &headers, "Thu, 17 Nov 2005 18:49:58 GMT", &resource),
        text(&case("v1-header-doc"), "string_to_sign")
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_case_is_covered() {
    let covered = [
        "presign-v1-put-with-callback",
        "presign-v4-put-callback-in-query",
        "v4-header-auth-callback-in-headers",
        "post-policy-v4",
        "post-policy-v1-same-policy",
        "post-policy-v1-doc-secret",
        "v1-header-doc",
        "v1-url-doc",
    ];
    for case in vectors()["cases"].as_array().unwrap() {
        let name = text(case, "name");
        assert!(covered.contains(&name), "vector case {name} has no test");
    }
}
