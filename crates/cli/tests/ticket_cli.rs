//! `oss-edge ticket mint|check`, run as a process.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::process::{Command, Output};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// The core's known-answer ticket (computed independently with Python).
const KNOWN_TICKET: &str = "v2.k2024.eyJnaWQiOiJnLTAwMDEiLCJzdWIiOiJ1c2VyLTQyIiwiYmt0IjoiZXhhbXBsZWJ1Y2tldCIsInBmeCI6InVwbG9hZHMvdXNlci00Mi8iLCJtYXgiOjEwNDg1NzYwLCJleHAiOjE3MDAwMDM2MDAsImRsIjoxNzAwMDA0NTAwLCJiZHkiOiJqc29uIn0.60x--tLC3AAf1sDh67b6s6_55rpYZBUNCKSKsQgzE9g";

fn oss_edge(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oss-edge"));
    command
        .args(args)
        .env_remove("OSS_EDGE_TICKET_KEY")
        .env_remove("OSS_EDGE_TICKET_KEYS");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

const MINT: &[&str] = &[
    "ticket",
    "mint",
    "--kid",
    "k2024",
    "--grant-id",
    "g-0001",
    "--subject",
    "user-42",
    "--bucket",
    "examplebucket",
    "--prefix",
    "uploads/user-42/",
    "--max-size",
    "10485760",
];

fn mint_with(extra: &[&str]) -> Output {
    let args: Vec<&str> = MINT.iter().copied().chain(extra.iter().copied()).collect();
    oss_edge(&args, &[("OSS_EDGE_TICKET_KEY", SECRET)])
}

fn check_with(args: &[&str], keys: &str) -> Output {
    let args: Vec<&str> = ["ticket", "check"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    oss_edge(&args, &[("OSS_EDGE_TICKET_KEYS", keys)])
}

#[test]
fn mint_prints_the_known_ticket() {
    let output = mint_with(&["--expires-at", "1700003600", "--allowance", "900"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("{KNOWN_TICKET}\n"));
    // --ttl with --now gives the same expiry.
    let output = mint_with(&["--ttl", "3600", "--now", "1700000000", "--allowance", "900"]);
    assert_eq!(stdout(&output), format!("{KNOWN_TICKET}\n"));
}

#[test]
fn check_prints_the_claims() {
    let keys = format!("old:{SECRET}-old,k2024:{SECRET}");
    let output = check_with(
        &[
            "--ticket",
            KNOWN_TICKET,
            "--now",
            "1700000000",
            "--object",
            "uploads/user-42/cat.png",
            "--size",
            "10485760",
            "--bucket",
            "examplebucket",
        ],
        &keys,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "key_id": "k2024",
            "claims": {
                "grant_id": "g-0001",
                "subject": "user-42",
                "bucket": "examplebucket",
                "object": {"prefix": "uploads/user-42/"},
                "max_size": 10485760,
                "expires_at": 1700003600,
                "deadline": 1700004500,
                "body_type": "json"
            }
        })
    );
}

#[test]
fn check_refusals_exit_1_with_the_code() {
    let keys = format!("k2024:{SECRET}");
    let cases: [(&[&str], &str); 5] = [
        (&["--now", "1700004500"], "ticket_expired"),
        (
            &["--now", "1700000000", "--object", "uploads/other/x"],
            "ticket_object_mismatch",
        ),
        (
            &["--now", "1700000000", "--size", "10485761"],
            "ticket_size_exceeded",
        ),
        (
            &["--now", "1700000000", "--bucket", "other"],
            "ticket_bucket_mismatch",
        ),
        (&["--now", "1700000000"], ""),
    ];
    for (extra, code) in cases {
        let mut args = vec!["--ticket", KNOWN_TICKET];
        args.extend_from_slice(extra);
        let output = check_with(&args, &keys);
        if code.is_empty() {
            assert!(output.status.success());
            continue;
        }
        assert_eq!(output.status.code(), Some(1), "{code}");
        assert!(stdout(&output).is_empty());
        assert!(
            stderr(&output).starts_with(&format!("error: {code}: ")),
            "{}",
            stderr(&output)
        );
    }
    let other_secret = format!("k2024:{}", "x".repeat(32));
    let output = check_with(&["--ticket", KNOWN_TICKET, "--now", "0"], &other_secret);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: ticket_bad_mac: "));
    let output = check_with(
        &["--ticket", KNOWN_TICKET, "--now", "0"],
        &format!("new:{SECRET}"),
    );
    assert!(stderr(&output).starts_with("error: ticket_unknown_key: "));
    let output = check_with(&["--ticket", "garbage", "--now", "0"], &keys);
    assert!(stderr(&output).starts_with("error: ticket_malformed: "));
}

#[test]
fn secrets_only_from_the_environment() {
    let output = oss_edge(&[MINT, &["--expires-at", "1700003600"]].concat(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("OSS_EDGE_TICKET_KEY is not set"));
    let output = oss_edge(
        &["ticket", "check", "--ticket", KNOWN_TICKET, "--now", "0"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("OSS_EDGE_TICKET_KEYS is not set"));
    let output = check_with(&["--ticket", KNOWN_TICKET, "--now", "0"], "k2024");
    assert_eq!(output.status.code(), Some(2));
    let output = oss_edge(
        &[MINT, &["--expires-at", "1"]].concat(),
        &[("OSS_EDGE_TICKET_KEY", "short")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("at least 32"));
    assert!(!stderr(&output).contains("short"), "never echo the secret");
    // There is no flag for a secret.
    let output = mint_with(&["--expires-at", "1", "--secret", SECRET]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn usage_errors() {
    // Neither --key nor --prefix.
    let output = oss_edge(
        &[
            "ticket",
            "mint",
            "--kid",
            "k",
            "--grant-id",
            "g",
            "--subject",
            "s",
            "--bucket",
            "b",
            "--max-size",
            "1",
            "--expires-at",
            "1",
        ],
        &[("OSS_EDGE_TICKET_KEY", SECRET)],
    );
    assert_eq!(output.status.code(), Some(2));
    // Both --key and --prefix.
    assert_eq!(
        mint_with(&["--key", "k", "--expires-at", "1"])
            .status
            .code(),
        Some(2)
    );
    // --ttl without --now, and --expires-at with --ttl.
    assert_eq!(mint_with(&["--ttl", "60"]).status.code(), Some(2));
    assert_eq!(
        mint_with(&["--expires-at", "1", "--ttl", "60", "--now", "0"])
            .status
            .code(),
        Some(2)
    );
    // Invalid claims are refused by the core (exit 1).
    let output = oss_edge(
        &[
            "ticket",
            "mint",
            "--kid",
            "k",
            "--grant-id",
            "",
            "--subject",
            "s",
            "--bucket",
            "b",
            "--key",
            "o",
            "--max-size",
            "1",
            "--expires-at",
            "1",
        ],
        &[("OSS_EDGE_TICKET_KEY", SECRET)],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: ticket_invalid_claims: "));
}
