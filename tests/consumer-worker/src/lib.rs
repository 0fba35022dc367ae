//! Helpers for the consumer Worker's end-to-end tests on the local stack that
//! `tests/consumer-worker/run` starts: one `scripts/dev --only sim,callback` instance (the
//! callback Worker and the consumer in one `wrangler dev`, local Queues, local D1; and the
//! instance's own oss-sim, where the callback Worker confirms every upload), reached through
//! the callback Worker's port. A callback is sent only for an object the test first stored in
//! that oss-sim ([`Stack::upload`]), claiming its real size and ETag, and is signed like OSS
//! signs them, with the test key the local configuration trusts; rows and dead letters are read through the consumer's local
//! routes (`/__dev/rows`, `/__dev/dead-letters`), test messages put on the local queues with
//! `POST /__dev/enqueue`, and the consumer's log lines read from the instance's log.
//!
//! The runner enables this crate's `worker-tests` feature: the test files that need the stack
//! are built only with it (Cargo.toml `required-features`), so a plain `cargo test --workspace`
//! does not count them, and under the runner a stack that is not answering fails its tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;
pub use oss_edge_test_support::sim::Stored;
use oss_edge_test_support::sim::put_object;
pub use oss_edge_test_support::unique;
use oss_edge_test_support::{Client, Response, local_url, repo_root, require_answering};
use serde_json::Value;

/// The callback Worker's port (set by the runner; default 19488).
pub const PORT_ENV: &str = "OSS_EDGE_CONSUMER_TEST_PORT";
/// The instance's oss-sim port (set by the runner; default 19400).
pub const SIM_PORT_ENV: &str = "OSS_EDGE_CONSUMER_TEST_SIM_PORT";
/// The bucket the instance's oss-sim serves and the callback Worker's `BUCKETS` lists (the
/// runner's `OSS_BUCKET`).
pub const BUCKET: &str = "test-bucket";
/// The `scripts/dev` instance (set by the runner; default `consumer-test`).
pub const INSTANCE_ENV: &str = "OSS_EDGE_CONSUMER_TEST_INSTANCE";
/// Object keys under this prefix are refused by D1: the runner installs a trigger that aborts
/// their insert, so the consumer meets a real D1 refusal.
pub const REFUSED_PREFIX: &str = "refuse/";

/// The private half of the key the local configuration trusts.
pub const TEST_KEY_PEM: &str = include_str!("../../keys/test-callback-key.pem");
/// The URL under which the local configuration trusts it.
pub const TEST_KEY_URL: &str = "http://127.0.0.1:9000/oss-sim/callback_pub_key.pem";
/// The consumer's configuration (its `[env.local]` runs here).
pub const CONSUMER_TOML: &str = include_str!("../../../crates/consumer/wrangler.toml");

/// A v2 event (CONTRACTS §2) for `bucket`/`key`, with id `id`, as the callback Worker will send.
pub fn v2_event(id: &str, key: &str, source: &str) -> String {
    serde_json::json!({
        "schema": "oss-edge.upload.v2",
        "id": id,
        "source": source,
        "received_at": "2026-05-01T10:00:00Z",
        "confirmed": true,
        "object": {"bucket": "test-bucket", "key": key, "size": 5, "etag": "D41D8CD98F00B204E9800998ECF8427E"},
        "owner": {"subject": "user-42", "grant_id": "g-1"},
        "ticket": {"subject": "user-42", "grant_id": "g-1", "key_id": "t1"},
        "custom": {}, "warnings": ["test"]
    })
    .to_string()
}

/// A value of the consumer's local configuration: `NAME = "value"` in `[env.local.vars]`, or
/// `name = value` in the `[[env.local.queues.consumers]]` block for `queue`.
pub fn local_setting(name: &str, queue: Option<&str>) -> String {
    let (_, local) = CONSUMER_TOML.split_once("[env.local]").unwrap();
    let mut section = "";
    let mut in_queue = false;
    for line in local.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            in_queue = false;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches('"'));
        if section == "[[env.local.queues.consumers]]" && key == "queue" {
            in_queue = Some(value) == queue;
        }
        let wanted = match queue {
            None => section == "[env.local.vars]",
            Some(_) => in_queue,
        };
        if wanted && key == name {
            return value.to_owned();
        }
    }
    panic!("{name} not found in crates/consumer/wrangler.toml [env.local] ({queue:?})")
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
}

/// The running local stack.
pub struct Stack {
    base: String,
    sim: String,
    log: PathBuf,
    client: Client,
}

impl Stack {
    /// The stack; panics when it is not answering (start it with `tests/consumer-worker/run`,
    /// or `tests/consumer-worker/run --keep` to reuse it).
    pub fn get() -> Self {
        let instance = std::env::var(INSTANCE_ENV).unwrap_or_else(|_| "consumer-test".into());
        let base = local_url(PORT_ENV, 19488);
        require_answering(
            "the local stack",
            &format!("{base}/healthz"),
            "tests/consumer-worker/run",
        );
        let sim = local_url(SIM_PORT_ENV, 19400);
        require_answering(
            "the local stack's oss-sim",
            &format!("{sim}/oss-sim/health"),
            "tests/consumer-worker/run",
        );
        Self {
            base,
            sim,
            log: repo_root().join(format!("target/dev/{instance}/callback/log")),
            client: Client::new(),
        }
    }

    fn answer(response: Result<Response, oss_edge_test_support::Error>) -> Answer {
        let response = response.unwrap();
        Answer {
            status: response.status,
            json: response.json_or_null(),
        }
    }

    /// Stores `bytes` under `key` in the instance's oss-sim (in [`BUCKET`]), as an upload
    /// would, so a callback for it passes the callback Worker's confirmation.
    pub fn upload(&self, key: &str, bytes: &[u8], content_type: &str) -> Stored {
        let sim = self.sim.strip_prefix("http://").unwrap();
        put_object(&self.client, sim, BUCKET, key, bytes, content_type)
    }

    /// Sends a callback to `target` with `body`, signed like OSS with the test key.
    pub fn callback(&self, target: &str, body: &str, content_type: &str) -> Answer {
        let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
        let authorization = signer.sign(target.as_bytes(), body.as_bytes()).unwrap();
        let key_url = base64_encode(TEST_KEY_URL.as_bytes());
        Self::answer(self.client.send(
            "POST",
            &format!("{}{target}", self.base),
            &[
                ("authorization", &authorization),
                ("x-oss-pub-key-url", &key_url),
                ("content-type", content_type),
            ],
            body.as_bytes(),
        ))
    }

    /// Puts `body` on the local queue bound as `binding` (`json`: parsed; else as text).
    pub fn enqueue(&self, binding: &str, body: &str, json: bool) -> Answer {
        let kind = if json { "json" } else { "text" };
        let url = format!("{}/__dev/enqueue?binding={binding}&type={kind}", self.base);
        Self::answer(self.client.send("POST", &url, &[], body.as_bytes()))
    }

    fn list(&self, route: &str) -> Vec<Value> {
        let answer = Self::answer(
            self.client
                .get(&format!("{}/__dev/{route}?limit=0", self.base)),
        );
        assert_eq!(answer.status, 200, "{route}: {:?}", answer.json);
        match answer.json {
            Value::Array(rows) => rows,
            other => panic!("{route} is not a JSON array: {other}"),
        }
    }

    /// Every stored row, oldest first.
    pub fn rows(&self) -> Vec<Value> {
        self.list("rows")
    }

    /// The stored rows with `id` (at most one, if the consumer is right).
    pub fn rows_with(&self, id: &str) -> Vec<Value> {
        self.rows().into_iter().filter(|r| r["id"] == id).collect()
    }

    /// Every dead letter, oldest first.
    pub fn dead_letters(&self) -> Vec<Value> {
        self.list("dead-letters")
    }

    /// The consumer's JSON log lines (`"service":"oss-edge-consumer"`), oldest first.
    pub fn consumer_log(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap();
        text.lines()
            .filter_map(|line| {
                // wrangler prefixes and colours the Worker's console lines.
                let start = line.find("{\"")?;
                let end = line.rfind('}')?;
                serde_json::from_str::<Value>(line.get(start..=end)?).ok()
            })
            .filter(|v| v["service"] == "oss-edge-consumer")
            .collect()
    }
}

/// Polls `probe` every 200 ms until it returns `Some`, for at most `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    /// Stands for the stack's test file in a plain `cargo test`: reported as ignored, with where
    /// it runs; under the runner it checks the stack's consumer routes answer.
    #[test]
    #[cfg_attr(
        not(feature = "worker-tests"),
        ignore = "the consumer Worker tests run under tests/consumer-worker/run"
    )]
    fn the_local_stack_answers() {
        let stack = super::Stack::get();
        stack.rows();
    }
}
