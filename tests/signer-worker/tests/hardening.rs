//! The built signer Worker (`wrangler dev --env local`, and the refused configurations of
//! tests/signer-worker/profiles.env): the footguns of issues 12, 14 and 15 closed at the HTTP
//! level — disguised and foreign-extension file names, malformed bodies answered in the API's
//! own words, JWT `crit` and lifetime, unquoted TOML numbers, `recover_url` and the ticket's
//! upload allowance, key templates and production JWT settings refused at start-up, RS256
//! checked by WebCrypto.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::grant::jwt::{encode_hs256, encode_rs256, sign_hs256_raw};
use oss_edge_core::ticket::{TicketKeyring, authenticate, find_in_query};
use oss_edge_signer_tests::*;
use serde_json::{Value, json};

fn body(filename: &str, content_type: &str) -> Value {
    json!({"filename": filename, "content_type": content_type, "size": 10})
}

fn post(addr: &str, raw: &[u8]) -> Response {
    let auth = bearer(DEV_TOKEN);
    request(
        addr,
        "POST",
        "/v1/grants",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        raw,
    )
}

#[test]
fn disguised_names_and_foreign_extensions_are_refused() {
    let addr = require_signer!();
    for (name, content_type, code) in [
        ("cat.php", "image/png", "extension_mismatch"),
        ("cat.exe", "image/png", "extension_mismatch"),
        ("cat.png.php", "image/png", "extension_mismatch"),
        ("cat.html", "image/png", "extension_mismatch"),
        ("photo.jpg", "image/png", "extension_mismatch"),
        (
            "invoice\u{202e}gnp.exe",
            "image/png",
            "filename_format_character",
        ),
        (
            "invoice\u{202e}gnp.png",
            "image/png",
            "filename_format_character",
        ),
        ("a\u{200b}b.png", "image/png", "filename_format_character"),
        (
            "a\u{2066}b\u{2069}.png",
            "image/png",
            "filename_format_character",
        ),
        ("\u{feff}a.png", "image/png", "filename_format_character"),
        ("a\u{2028}.png", "image/png", "filename_format_character"),
    ] {
        let r = grant(&addr, DEV_TOKEN, &body(name, content_type));
        assert_eq!(
            r.status,
            400,
            "{name:?}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.error_code(), code, "{name:?}");
        let message = r.json()["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty() && message.is_ascii(), "{message}");
    }
    // The extension is checked, not trusted: matching or absent names get the type's own.
    for (name, content_type, ending) in [
        ("cat.PNG", "image/png", ".png"),
        ("cat", "image/png", ".png"),
        ("photo", "image/jpeg", ".jpg"),
        ("photo.jpeg", "image/jpeg", ".jpeg"),
        ("notes.txt", "text/plain", ".txt"),
        ("report.pdf", "application/pdf", ".pdf"),
    ] {
        let r = grant(&addr, DEV_TOKEN, &body(name, content_type));
        assert_eq!(
            r.status,
            200,
            "{name}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let key = r.json()["key"].as_str().unwrap().to_owned();
        assert!(key.starts_with(&user_dir("dev")), "{key}");
        assert!(key.ends_with(ending), "{name} as {content_type}: {key}");
    }
}

#[test]
fn malformed_bodies_are_answered_in_the_apis_words() {
    let addr = require_signer!();
    for (raw, code) in [
        (&b""[..], "invalid_json"),
        (b"[]", "invalid_json"),
        (b"null", "invalid_json"),
        (b"true", "invalid_json"),
        (b"\"cat.png\"", "invalid_json"),
        (b"42", "invalid_json"),
        (b"{", "invalid_json"),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1} x"#,
            "invalid_json",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1}{}"#,
            "invalid_json",
        ),
        (b"\xff\xfe{}", "invalid_json"),
        (
            br#"{"filename":7,"content_type":"image/png","size":1}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":["image/png"],"size":1}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":"1"}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1.5}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":-1}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1,"expires_in":{}}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1,"mode":true}"#,
            "invalid_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1,"Size":1}"#,
            "unknown_field",
        ),
        (br#"{"content_type":"image/png","size":1}"#, "missing_field"),
        (br#"{"filename":"a.png","size":1}"#, "missing_field"),
        (b"{}", "missing_field"),
    ] {
        let r = post(&addr, raw);
        let shown = String::from_utf8_lossy(raw);
        assert_eq!(
            r.status,
            400,
            "{shown}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.error_code(), code, "{shown}");
        let message = r.json()["message"].as_str().unwrap().to_owned();
        for internal in [
            "struct",
            "Wire",
            "invalid type",
            "expected",
            "serde",
            "trailing",
            "EOF",
            "map",
        ] {
            assert!(!message.contains(internal), "{shown}: {message}");
        }
    }
    let r = post(&addr, b"[]");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("the body is an array, not a JSON object"),
        "{:?}",
        r.json()
    );
}

fn jwt_claims(exp_in: i64) -> Value {
    json!({"sub": "jwt-user", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "exp": now() + exp_in})
}

fn with_token(addr: &str, token: &str) -> Response {
    grant(addr, token, &body("a.png", "image/png"))
}

#[test]
fn jwt_crit_lifetime_issuer_and_audience() {
    let addr = require_signer!();
    let secret = HS256_SECRET.as_bytes();
    let payload = jwt_claims(600).to_string();
    for header in [
        r#"{"alg":"HS256","kid":"dev","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","kid":"dev","crit":["urn:example:x"],"urn:example:x":true}"#,
        r#"{"alg":"HS256","kid":"dev","crit":[]}"#,
    ] {
        let r = with_token(&addr, &sign_hs256_raw(header, &payload, secret));
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (401, "token_crit_unsupported"),
            "{header}"
        );
    }
    let plain = sign_hs256_raw(r#"{"alg":"HS256","kid":"dev"}"#, &payload, secret);
    assert_eq!(with_token(&addr, &plain).status, 200);

    // JWT_MAX_LIFETIME_SECONDS = 3600 (unquoted in [env.local.vars]; the default is 86400).
    let hs = |c: &Value| encode_hs256(c, secret, Some(HS256_KID));
    assert_eq!(with_token(&addr, &hs(&jwt_claims(3500))).status, 200);
    let r = with_token(&addr, &hs(&jwt_claims(3700)));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "token_lifetime_too_long")
    );
    let mut old = jwt_claims(600);
    old["iat"] = json!(now() - 3100);
    let r = with_token(&addr, &hs(&old));
    assert_eq!(
        r.error_code(),
        "token_lifetime_too_long",
        "exp - iat = 3700"
    );
    let mut forever = jwt_claims(0);
    forever["exp"] = json!(4_102_444_800_i64);
    assert_eq!(
        with_token(&addr, &hs(&forever)).error_code(),
        "token_lifetime_too_long"
    );

    // iss and aud must be present, not only right when present.
    for missing in ["iss", "aud"] {
        let mut c = jwt_claims(600);
        c.as_object_mut().unwrap().remove(missing);
        let r = with_token(&addr, &hs(&c));
        let want = if missing == "iss" {
            "token_wrong_issuer"
        } else {
            "token_wrong_audience"
        };
        assert_eq!((r.status, r.error_code().as_str()), (401, want));
    }

    // RS256 through WebCrypto: valid, tampered, crit, too long.
    let rs = |c: &Value| encode_rs256(c, RS256_PRIVATE_PEM, None).unwrap();
    let good = rs(&jwt_claims(600));
    assert_eq!(with_token(&addr, &good).status, 200);
    let mut parts: Vec<&str> = good.split('.').collect();
    let other = rs(
        &json!({"sub": "admin", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE,
        "exp": now() + 600}),
    );
    let forged_payload = other.split('.').nth(1).unwrap();
    parts[1] = forged_payload;
    let r = with_token(&addr, &parts.join("."));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "token_bad_signature")
    );
    // A 2048-bit signature is 342 Base64url characters; 336 (a multiple of 4) decode to 252
    // bytes without left-over bits, so the token is well-formed and only the signature is short.
    let mut sig = good.split('.').nth(2).unwrap().to_owned();
    assert_eq!(sig.len(), 342);
    sig.truncate(336);
    let short = format!("{}.{}.{sig}", parts[0], good.split('.').nth(1).unwrap());
    assert_eq!(
        with_token(&addr, &short).error_code(),
        "token_bad_signature"
    );
    assert_eq!(
        with_token(&addr, &rs(&jwt_claims(3700))).error_code(),
        "token_lifetime_too_long"
    );
    // The same RS256 token twice (the second from the isolate's key cache) still verifies.
    assert_eq!(with_token(&addr, &good).status, 200);
}

#[test]
fn unquoted_toml_numbers_are_read_not_defaulted() {
    let addr = require_signer!();
    // MULTIPART_PART_SIZE = 5242880 unquoted; a fallback to the default would give 8388608.
    assert!(WRANGLER_TOML.contains("\nMULTIPART_PART_SIZE = 5242880\n"));
    let r = grant(
        &addr,
        DEV_TOKEN,
        &json!({"filename": "big.png", "content_type": "image/png", "size": 10_000_000,
            "mode": "multipart"}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let g = r.json();
    assert_eq!(g["multipart"]["part_size"], 5_242_880);
    assert_eq!(g["multipart"]["part_count"], 2);
    // MAX_UPLOAD_BYTES = 10485760 unquoted: one byte more is refused.
    assert!(WRANGLER_TOML.contains("\nMAX_UPLOAD_BYTES = 10485760\n"));
    let r = grant(
        &addr,
        DEV_TOKEN,
        &json!({"filename": "a.png", "content_type": "image/png", "size": 10_485_761}),
    );
    assert_eq!(r.error_code(), "size_too_large");
}

fn ticket_in(url: &str) -> String {
    find_in_query(url.split_once('?').unwrap().1)
        .unwrap()
        .unwrap()
        .to_owned()
}

#[test]
fn every_grant_has_a_recover_url_with_its_ticket_and_the_allowance() {
    let addr = require_signer!();
    let ring = TicketKeyring::parse_list(TICKET_KEYS).unwrap();
    let mut grants = Vec::new();
    for mode in ["post", "put", "multipart"] {
        let mut b = body("a.png", "image/png");
        b["mode"] = json!(mode);
        b["expires_in"] = json!(60);
        let r = grant(&addr, DEV_TOKEN, &b);
        assert_eq!(r.status, 200, "{mode}");
        grants.push(r.json());
    }
    let continuation = grants[2]["multipart"]["continuation"]
        .as_str()
        .unwrap()
        .to_owned();
    let phase2 = grant(
        &addr,
        DEV_TOKEN,
        &json!({"mode": "multipart", "upload_id": "UP1", "continuation": continuation}),
    );
    assert_eq!(phase2.status, 200);
    grants.push(phase2.json());
    for g in &grants {
        let callback = g["callback"]["url"].as_str().unwrap();
        let recover = g["recover_url"].as_str().unwrap();
        // Default RECOVER_URL: CALLBACK_URL's origin + /v1/recover.
        let origin = &callback[..callback.find("/oss/callback").unwrap()];
        assert!(
            recover.starts_with(&format!("{origin}/v1/recover?oss_edge_ticket=")),
            "{recover}"
        );
        let ticket = ticket_in(recover);
        assert_eq!(ticket, ticket_in(callback), "one ticket for both");
        let expires_at = g["expires_at"].as_i64().unwrap();
        // The ticket outlives the grant by UPLOAD_ALLOWANCE_SECONDS (default for 10 MiB: 900).
        let late = authenticate(&ticket, &ring, expires_at + 899).unwrap();
        assert_eq!(late.claims.deadline, expires_at + 900);
        assert_eq!(late.claims.expires_at, expires_at);
        assert_eq!(
            late.claims.body_type,
            oss_edge_core::callback::params::BodyType::Json,
            "bdy is the body type the grant's callback uses"
        );
        assert_eq!(g["callback"]["body_type"], "application/json");
        assert!(authenticate(&ticket, &ring, expires_at + 900).is_err());
    }
    let auth = bearer(DEV_TOKEN);
    let policy = request(&addr, "GET", "/v1/policy", &[("Authorization", &auth)], b"").json();
    let recover = policy["recover_url"].as_str().unwrap();
    let params = oss_edge_core::callback::params::CallbackParams::from_base64(
        policy["callback"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(ticket_in(recover), ticket_in(&params.url_field()));
}

#[test]
fn the_policy_prefix_never_covers_another_user() {
    let addr = require_signer!();
    let auth = bearer(DEV_TOKEN);
    let policy = request(&addr, "GET", "/v1/policy", &[("Authorization", &auth)], b"").json();
    let dir = policy["dir"].as_str().unwrap();
    assert_eq!(dir, user_dir("dev"));
    let day = day(now());
    for other in ["dev-2", "dev.x", "devil", "de", "dev:x"] {
        assert!(
            !format!("uploads/{day}/{other}/k").starts_with(dir),
            "{other}"
        );
    }
    let policy_json: Value = serde_json::from_slice(
        &oss_edge_core::encoding::base64_decode(policy["policy"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let conditions = policy_json["conditions"].as_array().unwrap();
    assert!(
        conditions.contains(&json!(["starts-with", "$key", dir])),
        "{conditions:?}"
    );
}

/// A profile that must refuse its configuration: `/healthz` says why (naming `var`), and
/// every request is refused with the same reason.
fn assert_refused_at_start(profile_name: &str, var: &str) {
    let addr = profile(profile_name);
    let health = request(&addr, "GET", "/healthz", &[], b"");
    assert_eq!(health.status, 500, "{profile_name}");
    let h = health.json();
    assert_eq!(h["status"], "misconfigured");
    assert_eq!(h["error"], "config_invalid");
    let message = h["message"].as_str().unwrap().to_owned();
    assert!(message.contains(var), "{profile_name}: {message}");
    let r = grant(&addr, DEV_TOKEN, &body("a.png", "image/png"));
    assert_eq!((r.status, r.error_code().as_str()), (500, "config_invalid"));
    assert_eq!(r.json()["message"], message);
    let r = request(&addr, "GET", "/v1/policy", &[], b"");
    assert_eq!(r.status, 500);
}

#[test]
fn templates_that_mix_users_are_refused_at_start_up() {
    for (name, reason) in [
        ("tpl_dash", "whole path segment"),
        ("tpl_no_subject", "exactly once"),
        ("tpl_client_first", "before the {subject} segment"),
    ] {
        assert_refused_at_start(name, "KEY_TEMPLATE");
        let addr = profile(name);
        let h = request(&addr, "GET", "/healthz", &[], b"").json();
        let message = h["message"].as_str().unwrap();
        assert!(message.contains(reason), "{name}: {message}");
        let template = profile_var(name, "KEY_TEMPLATE").unwrap();
        assert!(
            oss_edge_core::grant::KeyTemplate::parse(&template).is_err(),
            "{template}"
        );
    }
}

#[test]
fn production_jwt_without_audience_is_refused_at_start_up() {
    assert_eq!(
        profile_var("prod_no_aud", "JWT_AUDIENCE").as_deref(),
        Some("")
    );
    assert_refused_at_start("prod_no_aud", "JWT_AUDIENCE");
}
