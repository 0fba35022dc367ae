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
    // The table header, not its first mention in a comment.
    let (production, local) = WRANGLER_TOML.split_once("\n[env.local]\n").unwrap();
    assert!(
        production.contains("[[queues.producers]]"),
        "the production part"
    );
    assert!(!production.contains("queues.consumers"));
    // No Cron Trigger: the callback Worker has no scheduled handler (reconciliation is the
    // reconciler Worker's, crates/reconciler/wrangler.toml), nor its settings.
    assert!(
        !production
            .lines()
            .any(|l| l.trim_start().starts_with("[triggers]"))
    );
    assert!(!WRANGLER_TOML.contains("RECONCILE_TOKEN ="));
    assert!(
        local.contains("binding = \"DEV_RECONCILER\"\nservice = \"oss-edge-reconciler-local\"")
    );
    assert!(!production.contains("OSS_EDGE_ENV"));
    assert!(!production.contains("TICKET_KEYS ="));
    // The callback Worker consumes nothing, even locally: the consumer Worker does, in the same
    // `wrangler dev` (scripts/lib/dev-callback.sh).
    assert!(!local.contains("queues.consumers"));
    assert!(local.contains("OSS_EDGE_ENV = \"local\""));
    let (_, consumer_local) = CONSUMER_TOML.split_once("[env.local]").unwrap();
    assert!(consumer_local.contains("[[env.local.queues.consumers]]"));
}

/// The value of `NAME = "…"` in the `[env.local.vars]` table of a wrangler.toml.
fn local_var(toml: &str, name: &str) -> Option<String> {
    let (_, local) = toml.split_once("[env.local.vars]")?;
    let vars = local.split("\n[").next()?;
    vars.lines().find_map(|line| {
        let value = line.strip_prefix(&format!("{name} = "))?;
        Some(
            value
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_owned(),
        )
    })
}

/// scripts/dev confirms out of the box: the callback Worker's local confirmation credentials
/// are the pair the signer and oss-sim use, and the local bucket is listed in BUCKETS.
#[test]
fn local_confirmation_uses_the_shared_development_credentials() {
    const SIGNER_TOML: &str = include_str!("../../../crates/signer/wrangler.toml");
    for (callback, signer) in [
        ("CONFIRM_ACCESS_KEY_ID", "OSS_ACCESS_KEY_ID"),
        ("CONFIRM_ACCESS_KEY_SECRET", "OSS_ACCESS_KEY_SECRET"),
    ] {
        let ours = local_var(WRANGLER_TOML, callback).expect(callback);
        assert_eq!(Some(ours), local_var(SIGNER_TOML, signer), "{callback}");
    }
    assert_eq!(
        local_var(WRANGLER_TOML, "CONFIRM_ACCESS_KEY_ID").as_deref(),
        Some(oss_edge_callback_tests::DEV_ACCESS_KEY_ID)
    );
    assert_eq!(
        local_var(WRANGLER_TOML, "CONFIRM_ACCESS_KEY_SECRET").as_deref(),
        Some(oss_edge_callback_tests::DEV_ACCESS_KEY_SECRET)
    );
    let buckets = local_var(WRANGLER_TOML, "BUCKETS").unwrap();
    let buckets = oss_edge_core::confirm::Buckets::parse_json(&buckets).unwrap();
    let bucket = local_var(SIGNER_TOML, "OSS_BUCKET").unwrap();
    assert!(buckets.get(&bucket).is_some(), "{bucket} in BUCKETS");
    assert_eq!(
        local_var(WRANGLER_TOML, "CONFIRM_OBJECTS").as_deref(),
        Some("true")
    );
}

#[test]
fn the_local_callback_worker_binds_the_shards_the_tests_expect() {
    let (_, local) = WRANGLER_TOML.split_once("\n[env.local]\n").unwrap();
    let bindings = local
        .lines()
        .filter(|l| l.starts_with("binding = \"UPLOAD_EVENTS"))
        .count();
    assert_eq!(bindings, oss_edge_callback_tests::LOCAL_SHARDS);
}
