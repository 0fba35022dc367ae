//! docs/openapi/signer.yaml against real responses of the running Worker: every documented
//! operation exists, and each response validates against the schema the document names for
//! its operation and status (JSON Schema 2020-12, as OpenAPI 3.1 specifies, checked by boon).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_signer_tests::*;
use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

const DOC: &str = include_str!("../../../docs/openapi/signer.yaml");
const URL: &str = "signer.yaml";

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().expect("string keys").to_owned(), to_json(v)))
                .collect(),
        ),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::String(s) => Value::from(s.as_str()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(r) => Value::from(r.parse::<f64>().unwrap()),
        Yaml::Boolean(b) => Value::from(*b),
        Yaml::Null => Value::Null,
        other => panic!("unsupported YAML node {other:?}"),
    }
}

fn document() -> Value {
    to_json(&YamlLoader::load_from_str(DOC).unwrap()[0])
}

/// The schema pointer for `path`/`method`/`status`, following one `$ref` to a response.
fn schema_pointer(doc: &Value, path: &str, method: &str, status: u16) -> String {
    let escaped = path.replace('/', "~1");
    let base = format!("/paths/{escaped}/{method}/responses/{status}");
    let mut response = doc
        .pointer(&base)
        .unwrap_or_else(|| panic!("{base} is not documented"));
    let mut pointer = base.clone();
    if let Some(r) = response["$ref"].as_str() {
        pointer = r.trim_start_matches('#').to_owned();
        response = doc.pointer(&pointer).unwrap();
    }
    assert!(
        response
            .pointer("/content/application~1json/schema")
            .is_some(),
        "{pointer} has no schema"
    );
    format!("{pointer}/content/application~1json/schema")
}

fn validate(doc: &Value, path: &str, method: &str, response: &Response) {
    let pointer = schema_pointer(doc, path, method, response.status);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(URL, doc.clone()).unwrap();
    let index = compiler
        .compile(&format!("{URL}#{pointer}"), &mut schemas)
        .unwrap_or_else(|e| panic!("schema {pointer}: {e:#}"));
    let instance = response.json();
    if let Err(e) = schemas.validate(&instance, index) {
        panic!("{method} {path} {}: {e:#}\n{instance:#}", response.status);
    }
}

#[test]
fn document_lists_the_api() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/v1/grants", "post"),
        ("/v1/grants", "options"),
        ("/v1/policy", "get"),
        ("/healthz", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}

#[test]
fn real_responses_match_the_document() {
    let addr = require_signer!();
    let doc = document();
    let auth = bearer(DEV_TOKEN);
    let post = |body: Value| grant(&addr, DEV_TOKEN, &body);
    let png = json!({"filename": "a.png", "content_type": "image/png", "size": 10});
    let mut responses = vec![
        post(png.clone()),
        post(json!({"filename": "a.png", "content_type": "image/png", "size": 10, "mode": "put"})),
        post(
            json!({"filename": "a.png", "content_type": "image/png", "size": 10, "expires_in": 9999}),
        ),
        post(json!({"filename": "a.html", "content_type": "text/html", "size": 10})),
        post(json!({"filename": "a.png", "content_type": "image/png", "size": 1_000_000_000})),
        request(&addr, "POST", "/v1/grants", &[], b"{}"),
    ];
    let phase1 = post(
        json!({"filename": "a.pdf", "content_type": "application/pdf", "size": 7_000_000, "mode": "multipart"}),
    );
    let continuation = phase1.json()["multipart"]["continuation"]
        .as_str()
        .unwrap()
        .to_owned();
    responses.push(phase1);
    responses.push(post(
        json!({"mode": "multipart", "upload_id": "ABC123", "continuation": continuation}),
    ));
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 400, 415, 413, 401, 200, 200]);
    for r in &responses {
        validate(&doc, "/v1/grants", "post", r);
    }
    let policy = request(&addr, "GET", "/v1/policy", &[("Authorization", &auth)], b"");
    validate(&doc, "/v1/policy", "get", &policy);
    let unauthorised = request(&addr, "GET", "/v1/policy", &[], b"");
    validate(&doc, "/v1/policy", "get", &unauthorised);
    let health = request(&addr, "GET", "/healthz", &[], b"");
    validate(&doc, "/healthz", "get", &health);
    let bad_origin = request(
        &addr,
        "OPTIONS",
        "/v1/grants",
        &[("Origin", "https://evil.example")],
        b"",
    );
    validate(&doc, "/v1/grants", "options", &bad_origin);
}
