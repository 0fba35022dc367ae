//! Shared fixtures for the core's integration tests: the real vectors and the test key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
#![allow(dead_code)]

use oss_edge_core::callback::CallbackRequest;
use serde_json::Value;

pub const REAL_VECTORS: &str = include_str!("../../../../tests/vectors/oss-callback-real.json");
pub const TEST_KEY_PEM: &str = include_str!("../../../../tests/keys/test-callback-key.pem");
pub const TEST_PUB_PEM: &str = include_str!("../../../../tests/keys/test-callback-key.pub.pem");
pub const TEST_KEY_URL: &str = "http://127.0.0.1:9000/oss-sim/callback_pub_key.pem";

/// One captured request, owned.
#[derive(Clone, Debug)]
pub struct Captured {
    pub name: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub expect_valid: bool,
}

impl Captured {
    pub fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap()
    }
}

pub fn with_request<T>(c: &Captured, f: impl FnOnce(&CallbackRequest<'_>) -> T) -> T {
    let headers = c.header_refs();
    let request = CallbackRequest {
        target: c.target.as_bytes(),
        headers: &headers,
        body: &c.body,
    };
    f(&request)
}

pub fn real_vectors() -> Vec<Captured> {
    let doc: Value = serde_json::from_str(REAL_VECTORS).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Captured {
            name: v["name"].as_str().unwrap().to_owned(),
            target: v["request_target"].as_str().unwrap().to_owned(),
            headers: v["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(n, v)| (n.clone(), v.as_str().unwrap().to_owned()))
                .collect(),
            body: v["body"].as_str().unwrap().as_bytes().to_vec(),
            expect_valid: v["expect_valid"].as_bool().unwrap(),
        })
        .collect()
}

pub fn valid_vectors() -> Vec<Captured> {
    real_vectors()
        .into_iter()
        .filter(|c| c.expect_valid)
        .collect()
}
