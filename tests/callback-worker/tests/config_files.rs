#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The committed local configuration agrees with the test keys (no Worker needed).

use oss_edge_callback_tests::{TEST_KEY_URL, TEST_PUB_KEY_PEM};

const WRANGLER_TOML: &str = include_str!("../../../wrangler.toml");
const CONSUMER_TOML: &str = include_str!("../../../crates/consumer/wrangler.toml");

#[test]
fn local_trusted_key_is_the_test_key() {
    let line = WRANGLER_TOML
        .lines()
        .find(|l| l.starts_with("TRUSTED_KEYS = '"))
        .expect("TRUSTED_KEYS in [env.local.vars]");
    let json = line
        .strip_prefix("TRUSTED_KEYS = '")
        .unwrap()
        .strip_suffix('\'')
        .unwrap();
    let keys: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(keys[0]["url"], TEST_KEY_URL);
    assert_eq!(
        keys[0]["pem"].as_str().unwrap().trim(),
        TEST_PUB_KEY_PEM.trim()
    );
}

#[test]
fn production_config_has_no_consumer_and_no_dev_settings() {
    let (production, local) = WRANGLER_TOML.split_once("[env.local]").unwrap();
    assert!(!production.contains("queues.consumers"));
    assert!(!production.contains("OSS_EDGE_ENV"));
    assert!(!production.contains("TICKET_KEYS ="));
    // The callback Worker consumes nothing, even locally: the consumer Worker does, in the same
    // `wrangler dev` (scripts/lib/dev-callback.sh).
    assert!(!local.contains("queues.consumers"));
    assert!(local.contains("OSS_EDGE_ENV = \"local\""));
    let (_, consumer_local) = CONSUMER_TOML.split_once("[env.local]").unwrap();
    assert!(consumer_local.contains("[[env.local.queues.consumers]]"));
}
