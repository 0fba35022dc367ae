//! `oss-edge sign-post` and `oss-edge presign` reproduce the SDK vectors (spec §5, §6, §8.4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::process::{Command, Output};

use serde_json::Value;

const VECTORS: &str = include_str!("../../../tests/vectors/oss-signing.json");

fn case(name: &str) -> Value {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

fn common(field: &str) -> String {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["common"][field].as_str().unwrap().to_owned()
}

fn oss_edge(args: &[&str], with_credentials: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oss-edge"));
    command
        .args(args)
        .env_remove("OSS_ACCESS_KEY_ID")
        .env_remove("OSS_ACCESS_KEY_SECRET")
        .env_remove("OSS_SESSION_TOKEN");
    if with_credentials {
        command
            .env("OSS_ACCESS_KEY_ID", "ak")
            .env("OSS_ACCESS_KEY_SECRET", "sk");
    }
    command.output().unwrap()
}

fn json_out(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn policy_file(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "oss-edge-sign-cli-{}-{name}.json",
        std::process::id()
    ));
    std::fs::write(
        &path,
        case("post-policy-v4")["policy_json"].as_str().unwrap(),
    )
    .unwrap();
    path
}

#[test]
fn sign_post_v4_and_v1_match_the_vectors() {
    let path = policy_file("post");
    let path = path.to_str().unwrap();
    let v4 = json_out(&oss_edge(
        &[
            "sign-post",
            "--version",
            "v4",
            "--region",
            "cn-hangzhou",
            "--date",
            "20231114T221320Z",
            "--policy-file",
            path,
        ],
        true,
    ));
    assert_eq!(v4["signature"], case("post-policy-v4")["x_oss_signature"]);
    assert_eq!(
        v4["x-oss-credential"],
        "ak/20231114/cn-hangzhou/oss/aliyun_v4_request"
    );
    assert_eq!(v4["x-oss-date"], "20231114T221320Z");
    assert_eq!(v4["x-oss-signature-version"], "OSS4-HMAC-SHA256");

    let v1 = json_out(&oss_edge(
        &["sign-post", "--version", "v1", "--policy-file", path],
        true,
    ));
    assert_eq!(
        v1["signature"],
        case("post-policy-v1-same-policy")["signature"]
    );
    assert_eq!(v1["policy"], v4["policy"]);
}

#[test]
fn presign_v4_and_v1_match_the_vectors() {
    let callback = common("callback_b64");
    let var = common("callback_var_b64");
    let base = |version: &'static str| {
        vec![
            "presign",
            "--version",
            version,
            "--method",
            "PUT",
            "--bucket",
            "examplebucket",
            "--key",
            "dir/example object.txt",
            "--region",
            "cn-hangzhou",
            "--date",
            "20231114T221320Z",
            "--expires",
            "3600",
            "--content-type",
            "text/plain",
        ]
    };
    for (version, name) in [
        ("v4", "presign-v4-put-callback-in-query"),
        ("v1", "presign-v1-put-with-callback"),
    ] {
        let mut args = base(version);
        args.extend(["--callback-b64", &callback, "--callback-var-b64", &var]);
        let out = json_out(&oss_edge(&args, true));
        assert_eq!(out["url"], case(name)["url"], "{version}");
        assert_eq!(out["headers"]["Content-Type"], "text/plain");
    }
    // A local stand-in endpoint gets path-style URLs with the same signature.
    let mut args = base("v4");
    args.extend([
        "--endpoint",
        "http://127.0.0.1:9000",
        "--callback-b64",
        &callback,
        "--callback-var-b64",
        &var,
    ]);
    let out = json_out(&oss_edge(&args, true));
    let url = out["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:9000/examplebucket/dir/example%20object.txt?"));
    assert!(
        url.ends_with(
            case("presign-v4-put-callback-in-query")["signature"]
                .as_str()
                .unwrap()
        )
    );
}

#[test]
fn missing_credentials_and_bad_input_exit_2() {
    let path = policy_file("nocreds");
    let out = oss_edge(
        &[
            "sign-post",
            "--version",
            "v1",
            "--policy-file",
            path.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OSS_ACCESS_KEY_ID"));

    let presign = |region: &str, expires: &str| {
        oss_edge(
            &[
                "presign",
                "--bucket",
                "b",
                "--key",
                "k",
                "--region",
                region,
                "--date",
                "20231114T221320Z",
                "--expires",
                expires,
            ],
            true,
        )
    };
    assert_eq!(
        presign("oss-cn-hangzhou.aliyuncs.com", "60").status.code(),
        Some(2)
    );
    assert_eq!(presign("cn-hangzhou", "604801").status.code(), Some(1));
    assert_eq!(presign("oss-cn-hangzhou", "60").status.code(), Some(0));
}

#[test]
fn every_signing_command_names_the_credential_variables_in_its_help() {
    for command in ["sign-post", "presign"] {
        let out = oss_edge(&[command, "--help"], false);
        let help = String::from_utf8_lossy(&out.stdout);
        for variable in [
            "OSS_ACCESS_KEY_ID",
            "OSS_ACCESS_KEY_SECRET",
            "OSS_SESSION_TOKEN",
        ] {
            assert!(
                help.contains(variable),
                "{command} --help lacks {variable}:\n{help}"
            );
        }
    }
}

/// `--date` defaults to now: the signing time in the output is within a minute of the clock.
#[test]
fn date_defaults_to_now() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let path = policy_file("now");
    let post = json_out(&oss_edge(
        &[
            "sign-post",
            "--region",
            "cn-hangzhou",
            "--policy-file",
            path.to_str().unwrap(),
        ],
        true,
    ));
    let date = post["x-oss-date"].as_str().unwrap();
    let signed_at = oss_edge_core::time::parse_oss_date(date).unwrap();
    assert!((signed_at - now).abs() <= 60, "{date} is not now");

    let presigned = json_out(&oss_edge(
        &[
            "presign",
            "--bucket",
            "b",
            "--key",
            "k",
            "--region",
            "cn-hangzhou",
            "--expires",
            "60",
        ],
        true,
    ));
    let url = presigned["url"].as_str().unwrap();
    let date = url
        .split("x-oss-date=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let signed_at = oss_edge_core::time::parse_oss_date(date).unwrap();
    assert!((signed_at - now).abs() <= 60, "{url} was not signed now");
}
