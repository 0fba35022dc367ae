//! Helpers for the callback Worker's end-to-end tests: requests through the shared test client
//! (`oss-edge-test-support`), callbacks
//! signed like OSS signs them (with the test key the local configuration trusts), upload
//! tickets, and the events the local queue consumer recorded (`scripts/events`).
//!
//! The Workers are started by `tests/callback-worker/run` (one per profile in
//! `profiles.env`), which enables this crate's `worker-tests` feature: the test files that need
//! a Worker are built only with it (Cargo.toml `required-features`), so a plain
//! `cargo test --workspace` does not count them, and under the runner a Worker that is not
//! answering fails its tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::ticket::{self, ObjectScope, TicketClaims, TicketKey};
pub use oss_edge_test_support::sim::{
    DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, DEV_REGION, Stored, form_encode,
};
use oss_edge_test_support::sim::{put_object, split_url};
use oss_edge_test_support::{Client, repo_root};
pub use oss_edge_test_support::{Framing, Response, now_unix, unique};
use serde_json::Value;

/// The profiles file shared with the runner.
pub const PROFILES: &str = include_str!("../profiles.env");
/// The private half of the key the local configuration trusts.
pub const TEST_KEY_PEM: &str = include_str!("../../keys/test-callback-key.pem");
/// The public half.
pub const TEST_PUB_KEY_PEM: &str = include_str!("../../keys/test-callback-key.pub.pem");
/// The URL under which the local configuration trusts the test key.
pub const TEST_KEY_URL: &str = "http://127.0.0.1:9000/oss-sim/callback_pub_key.pem";
/// The queue failure injection header (local environment only).
pub const FAIL_QUEUE_HEADER: &str = "x-oss-edge-dev-fail-queue";

/// `<PROFILE>_<NAME>` from `profiles.env`.
pub fn profile_value(profile: &str, name: &str) -> Option<String> {
    let key = format!("{}_{}=", profile.to_ascii_uppercase(), name);
    PROFILES.lines().find_map(|line| {
        let value = line.trim().strip_prefix(&key)?;
        Some(value.trim_matches('\'').to_owned())
    })
}

/// The one client all these tests share (its connections are reused).
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(Client::new)
}

/// One request to `addr` (`127.0.0.1:port`): `method target` with `headers` and `body`, framed
/// as `framing`.
pub fn send(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    framing: Framing,
) -> Result<Response, oss_edge_test_support::Error> {
    client().send_framed(
        method,
        &format!("http://{addr}{target}"),
        headers,
        body,
        framing,
    )
}

/// A callback request, signed with the test key unless changed after signing.
#[derive(Clone, Debug)]
pub struct Callback {
    /// Path and query.
    pub target: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// Body sent.
    pub body: Vec<u8>,
}

impl Callback {
    /// A form-encoded callback to `target` with `body`, signed like OSS with the test key.
    pub fn signed(target: &str, body: &str) -> Self {
        Self::signed_with_type(target, body, "application/x-www-form-urlencoded")
    }

    /// As [`Callback::signed`], with a content type.
    pub fn signed_with_type(target: &str, body: &str, content_type: &str) -> Self {
        let signer = CallbackSigner::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
        let authorization = signer.sign(target.as_bytes(), body.as_bytes()).unwrap();
        Self {
            target: target.to_owned(),
            headers: vec![
                ("authorization".into(), authorization),
                (
                    "x-oss-pub-key-url".into(),
                    base64_encode(TEST_KEY_URL.as_bytes()),
                ),
                ("content-type".into(), content_type.into()),
                ("x-oss-bucket".into(), "test-bucket".into()),
                ("user-agent".into(), "aliyun-oss-callback".into()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Replaces (or adds) a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Removes a header.
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }
}

/// A Worker under test, and the oss-sim it confirms uploads in (profiles with `SIM_PORT`).
#[derive(Clone, Debug)]
pub struct Worker {
    /// The profile (`strict`, `open`, `broken`).
    pub profile: &'static str,
    /// `127.0.0.1:port`.
    pub addr: String,
    /// `127.0.0.1:port` of the profile's oss-sim, if it has one.
    pub sim: Option<String>,
}

impl Worker {
    /// The Worker of `profile`; panics when it is not answering (start it with
    /// `tests/callback-worker/run`, or `tests/callback-worker/run --keep` to reuse it).
    pub fn get(profile: &'static str) -> Self {
        let port = profile_value(profile, "PORT").expect("profile port");
        let worker = Self {
            profile,
            addr: format!("127.0.0.1:{port}"),
            sim: profile_value(profile, "SIM_PORT").map(|p| format!("127.0.0.1:{p}")),
        };
        if let Err(e) = worker.get_path("/healthz") {
            panic!(
                "the {profile} callback Worker is not answering on {port} ({e}); run tests/callback-worker/run"
            );
        }
        worker
    }

    /// The bucket this profile's oss-sim serves and its `BUCKETS` lists.
    pub fn bucket(&self) -> String {
        profile_value(self.profile, "OSS_BUCKET").unwrap_or_else(|| "oss-edge-dev".into())
    }

    fn sim_addr(&self) -> &str {
        self.sim
            .as_deref()
            .unwrap_or_else(|| panic!("profile {} has no oss-sim", self.profile))
    }

    /// Stores `bytes` under `key` in the profile's oss-sim with a V4-presigned PutObject (no
    /// callback), as an upload would; checks the sim's ETag against the MD5 computed here.
    pub fn upload(&self, key: &str, bytes: &[u8], content_type: &str) -> Stored {
        put_object(
            client(),
            self.sim_addr(),
            &self.bucket(),
            key,
            bytes,
            content_type,
        )
    }

    /// What the bucket says about `stored`, asked independently of the Worker: a HeadObject
    /// the test signs and sends itself, judged by the core (no claims compared).
    pub fn head_facts(&self, stored: &Stored) -> oss_edge_core::confirm::ObjectFacts {
        use oss_edge_core::confirm::{Buckets, Claimed, HeadAnswer, head_object, judge_head};
        use oss_edge_core::sign::Credentials;
        let buckets = Buckets::parse_json(&format!(
            r#"[{{"name":"{}","region":"{DEV_REGION}","endpoint":"http://{}"}}]"#,
            stored.bucket,
            self.sim_addr()
        ))
        .unwrap();
        let target = buckets.get(&stored.bucket).unwrap();
        let request = head_object(
            target,
            &stored.key,
            &Credentials::new(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET),
            now_unix(),
        );
        let (addr, path) = split_url(&request.url);
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let response = send(&addr, "HEAD", &path, &headers, b"", Framing::Length).unwrap();
        judge_head(
            target,
            &stored.key,
            &Claimed::default(),
            &HeadAnswer {
                status: response.status,
                headers: &response.headers,
            },
        )
        .unwrap()
    }

    /// The lines of this profile's Worker log (`target/dev/cbtest-<profile>/callback/log`).
    pub fn log_lines(&self) -> Vec<String> {
        let path = repo_root().join(format!("target/dev/cbtest-{}/callback/log", self.profile));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The lines of this profile's oss-sim access log (`target/dev/cbtest-<profile>/sim/log`):
    /// every request the Worker's confirmation made.
    pub fn sim_log_lines(&self) -> Vec<String> {
        let path = repo_root().join(format!("target/dev/cbtest-{}/sim/log", self.profile));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// [`Worker::upload`] of a fresh small PNG-typed object under `prefix`.
    pub fn upload_fresh(&self, prefix: &str) -> Stored {
        let key = format!("{prefix}{}.png", unique("obj"));
        let bytes = format!("bytes of {key}");
        self.upload(&key, bytes.as_bytes(), "image/png")
    }

    /// `GET path`.
    pub fn get_path(&self, path: &str) -> Result<Response, oss_edge_test_support::Error> {
        send(&self.addr, "GET", path, &[], b"", Framing::Length)
    }

    /// Sends `callback` with `extra` headers.
    pub fn post(&self, callback: &Callback, extra: &[(&str, &str)]) -> Response {
        self.post_framed(callback, extra, Framing::Length)
    }

    /// Sends `callback` with `extra` headers and the given framing.
    pub fn post_framed(
        &self,
        callback: &Callback,
        extra: &[(&str, &str)],
        framing: Framing,
    ) -> Response {
        let mut headers: Vec<(&str, &str)> = callback
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        headers.extend_from_slice(extra);
        send(
            &self.addr,
            "POST",
            &callback.target,
            &headers,
            &callback.body,
            framing,
        )
        .unwrap()
    }

    /// `POST /v1/recover?oss_edge_ticket=<ticket>` with `body` and `extra` headers.
    pub fn recover(&self, ticket: &str, body: &str, extra: &[(&str, &str)]) -> Response {
        let target = ticket::append_to_url("/v1/recover", ticket);
        let mut headers = vec![("content-type", "application/json")];
        headers.extend_from_slice(extra);
        send(
            &self.addr,
            "POST",
            &target,
            &headers,
            body.as_bytes(),
            Framing::Length,
        )
        .unwrap()
    }

    /// The events the development consumer recorded so far (`scripts/events`).
    pub fn events(&self) -> Vec<Value> {
        let out = Command::new(repo_root().join("scripts/events"))
            .args(["--instance", &format!("cbtest-{}", self.profile)])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/events failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// How many recorded events have id `id`.
    pub fn count(&self, id: &str) -> usize {
        self.events().iter().filter(|e| e["id"] == id).count()
    }

    /// Waits until an event with id `id` was recorded; returns the recorded events with it.
    pub fn wait_for(&self, id: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Value> = self
                .events()
                .into_iter()
                .filter(|e| e["id"] == id)
                .collect();
            if !found.is_empty() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "event {id} never reached the queue consumer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends valid callbacks for fresh sentinel objects until one has gone to each of the
    /// [`LOCAL_SHARDS`] queues, and waits for their events: everything queued before them has
    /// then been delivered too (in order per queue), so counts are final. `ticket` must cover
    /// `sentinel/` on strict Workers.
    pub fn flush(&self, ticket: Option<&str>) {
        let mut covered = [false; LOCAL_SHARDS];
        for _ in 0..40 {
            let stored = self.upload_fresh("sentinel/");
            let mut target = "/cb/sentinel".to_owned();
            if let Some(ticket) = ticket {
                target = ticket::append_to_url(&target, ticket);
            }
            let response = self.post(&Callback::signed(&target, &stored.form_body("")), &[]);
            assert_eq!(response.status, 200, "sentinel: {:?}", response.json());
            self.wait_for(&stored.id());
            covered[home_shard(&stored.id())] = true;
            if covered.iter().all(|c| *c) {
                return;
            }
        }
        panic!("no sentinel reached every shard");
    }
}

/// The shard queues the local configuration binds (`UPLOAD_EVENTS`, `UPLOAD_EVENTS_1`;
/// `tests/config_files.rs` checks `wrangler.toml`).
pub const LOCAL_SHARDS: usize = 2;

/// The shard an event goes to first, by the documented rule (docs/callback-worker.md,
/// "Sharded queues"): the first 32 bits of the id's hex, modulo the shard count.
pub fn home_shard(id: &str) -> usize {
    let hex = id.strip_prefix("sha256:").expect("a sha256 id");
    u32::from_str_radix(&hex[..8], 16).unwrap() as usize % LOCAL_SHARDS
}

/// The strict profile's ticket keys as (kid, secret).
pub fn strict_ticket_keys() -> Vec<(String, String)> {
    profile_value("strict", "TICKET_KEYS")
        .unwrap()
        .split(',')
        .map(|entry| {
            let (kid, secret) = entry.split_once(':').unwrap();
            (kid.to_owned(), secret.to_owned())
        })
        .collect()
}

/// Claims for `object` in `test-bucket`, up to 1 MiB, grant valid for 10 minutes with a
/// 15-minute upload allowance, form callback bodies.
pub fn claims(object: ObjectScope) -> TicketClaims {
    TicketClaims {
        grant_id: unique("grant"),
        subject: "user-42".into(),
        bucket: "test-bucket".into(),
        object,
        max_size: 1 << 20,
        expires_at: now_unix() + 600,
        deadline: now_unix() + 1500,
        body_type: ticket::BodyType::Form,
    }
}

/// Mints `claims` with (kid, secret).
pub fn mint(claims: &TicketClaims, kid: &str, secret: &str) -> String {
    ticket::mint(claims, &TicketKey::new(kid, secret.as_bytes()).unwrap()).unwrap()
}

/// A ticket from the strict profile's first key for `object`.
pub fn strict_ticket(object: ObjectScope) -> String {
    let (kid, secret) = strict_ticket_keys().remove(0);
    mint(&claims(object), &kid, &secret)
}

/// A strict-profile ticket covering the sentinel objects of [`Worker::flush`].
pub fn sentinel_ticket() -> String {
    strict_ticket(ObjectScope::Prefix("sentinel/".into()))
}

#[cfg(test)]
mod tests {
    /// Stands for the Worker test files in a plain `cargo test`: reported as ignored, with
    /// where they run; under the runner it checks every profile's Worker answers.
    #[test]
    #[cfg_attr(
        not(feature = "worker-tests"),
        ignore = "the callback Worker tests run under tests/callback-worker/run"
    )]
    fn every_profile_worker_answers() {
        for profile in ["strict", "open", "broken"] {
            let worker = super::Worker::get(profile);
            assert!(worker.get_path("/healthz").is_ok(), "{profile}");
        }
    }
}
