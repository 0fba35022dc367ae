//! The built signer Worker, running locally (`wrangler dev --env local`): authentication
//! matrix, key confinement, limits, CORS, and every issued grant checked with the core's own
//! PostObject evaluator and presign verifier (accepted as issued, refused once tampered with).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::grant::jwt::{encode_hs256, encode_rs256};
use oss_edge_core::sign::post_policy::{Submission, check_post};
use oss_edge_core::sign::presign::verify::{ReceivedRequest, split_path_style, verify_presigned};
use oss_edge_core::ticket::{ObjectScope, TicketKeyring, UploadFacts, check, find_in_query};
use oss_edge_signer_tests::*;
use serde_json::{Value, json};

fn png(size: u64) -> Value {
    json!({"filename": "cat.png", "content_type": "image/png", "size": size})
}

fn claims(exp_offset: i64) -> Value {
    json!({"sub": "jwt-user", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "exp": now() + exp_offset})
}

fn hs256(claims: &Value) -> String {
    encode_hs256(claims, HS256_SECRET.as_bytes(), Some(HS256_KID))
}

fn rs256(claims: &Value) -> String {
    encode_rs256(claims, RS256_PRIVATE_PEM, None).unwrap()
}

#[test]
fn local_configuration_matches_the_test_constants() {
    let pem_one_line = RS256_PUBLIC_PEM.trim_end().replace('\n', "\\n");
    assert!(
        WRANGLER_TOML.contains(&pem_one_line),
        "JWT_RS256_PUBLIC_KEYS differs from tests/keys"
    );
    for value in [
        TICKET_KEYS,
        HS256_SECRET,
        DEV_TOKEN,
        BUCKET,
        ENDPOINT,
        ALLOWED_ORIGIN,
    ] {
        assert!(
            WRANGLER_TOML.contains(value),
            "{value} not in crates/signer/wrangler.toml"
        );
    }
    // The callback Worker must accept the signer's tickets.
    let callback = include_str!("../../../wrangler.toml");
    assert!(callback.contains(&format!("TICKET_KEYS = \"{TICKET_KEYS}\"")));
}

#[test]
fn authentication_matrix() {
    let addr = require_signer!();
    let cases: Vec<(&str, Option<String>, u16, &str)> = vec![
        ("missing", None, 401, "missing_credentials"),
        (
            "not bearer",
            Some("Basic ZGV2OmRldg==".into()),
            401,
            "not_bearer",
        ),
        (
            "wrong static",
            Some(bearer("dev-tokeN")),
            401,
            "invalid_token",
        ),
        ("valid static", Some(bearer(DEV_TOKEN)), 200, ""),
        ("hs256 valid", Some(bearer(&hs256(&claims(600)))), 200, ""),
        (
            "hs256 expired",
            Some(bearer(&hs256(&claims(-120)))),
            401,
            "token_expired",
        ),
        (
            "hs256 wrong secret",
            Some(bearer(&encode_hs256(&claims(600), &[b'x'; 40], None))),
            401,
            "token_bad_signature",
        ),
        (
            "hs256 wrong audience",
            Some(bearer(&hs256(
                &json!({"sub": "a", "iss": JWT_ISSUER, "aud": "other", "exp": now() + 60}),
            ))),
            401,
            "token_wrong_audience",
        ),
        (
            "hs256 wrong issuer",
            Some(bearer(&hs256(
                &json!({"sub": "a", "iss": "evil", "aud": JWT_AUDIENCE, "exp": now() + 60}),
            ))),
            401,
            "token_wrong_issuer",
        ),
        (
            "hs256 not yet valid",
            Some(bearer(&hs256(
                &json!({"sub": "a", "iss": JWT_ISSUER, "aud": JWT_AUDIENCE,
                "exp": now() + 900, "nbf": now() + 600}),
            ))),
            401,
            "token_not_yet_valid",
        ),
        ("rs256 valid", Some(bearer(&rs256(&claims(600)))), 200, ""),
        (
            "rs256 expired",
            Some(bearer(&rs256(&claims(-120)))),
            401,
            "token_expired",
        ),
    ];
    for (name, auth, status, code) in cases {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        let body = png(100).to_string();
        for (method, path, body) in [
            ("POST", "/v1/grants", body.as_bytes()),
            ("GET", "/v1/policy", &b""[..]),
        ] {
            let r = request(&addr, method, path, &headers, body);
            assert_eq!(
                r.status,
                status,
                "{name} {path}: {}",
                String::from_utf8_lossy(&r.body)
            );
            if status == 401 {
                assert_eq!(r.error_code(), code, "{name}");
                assert_eq!(r.header("www-authenticate"), Some("Bearer"));
                assert!(!r.json()["message"].as_str().unwrap().is_empty());
            }
        }
    }
    // The JWT subject lands in the key.
    let r = grant(&addr, &rs256(&claims(600)), &png(100));
    assert!(
        r.json()["key"]
            .as_str()
            .unwrap()
            .starts_with(&user_dir("jwt-user"))
    );
}

#[test]
fn hostile_file_names_never_leave_the_prefix() {
    let addr = require_signer!();
    for (name, code) in [
        ("../../etc/passwd", "filename_is_path"),
        ("/etc/passwd", "filename_is_path"),
        ("..", "filename_is_path"),
        ("a/../../b.png", "filename_is_path"),
        ("..\\..\\win.ini", "filename_is_path"),
        ("C:\\boot.png", "filename_is_path"),
        ("a\u{0}.png", "filename_control_character"),
        ("a\r\nX-Injected: 1.png", "filename_control_character"),
        ("", "filename_empty"),
    ] {
        let r = grant(
            &addr,
            DEV_TOKEN,
            &json!({"filename": name, "content_type": "image/png", "size": 1}),
        );
        assert_eq!(r.status, 400, "{name:?}");
        assert_eq!(r.error_code(), code, "{name:?}");
    }
    let long = "a".repeat(300) + ".png";
    let r = grant(
        &addr,
        DEV_TOKEN,
        &json!({"filename": long, "content_type": "image/png", "size": 1}),
    );
    assert_eq!(r.error_code(), "filename_too_long");
    for name in [
        "%2e%2e%2fx.png",
        "....png",
        "x.php.png",
        "写真 1.PNG",
        "<script>.png",
    ] {
        let r = grant(
            &addr,
            DEV_TOKEN,
            &json!({"filename": name, "content_type": "image/png", "size": 1}),
        );
        assert_eq!(r.status, 200, "{name:?}");
        let key = r.json()["key"].as_str().unwrap().to_owned();
        let rest = key.strip_prefix(&user_dir("dev")).expect(&key);
        assert!(!rest.contains('/') && !rest.contains(".."), "{key}");
        assert!(
            rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'),
            "{key}"
        );
    }
}

#[test]
fn limits_size_type_expiry() {
    let addr = require_signer!();
    let r = grant(&addr, DEV_TOKEN, &png(MAX_UPLOAD_BYTES + 1));
    assert_eq!((r.status, r.error_code().as_str()), (413, "size_too_large"));
    assert_eq!(grant(&addr, DEV_TOKEN, &png(MAX_UPLOAD_BYTES)).status, 200);
    let r = grant(
        &addr,
        DEV_TOKEN,
        &json!({"filename": "a.html", "content_type": "text/html", "size": 1}),
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (415, "content_type_not_allowed")
    );
    let r = grant(
        &addr,
        DEV_TOKEN,
        &json!({"filename": "a.png", "content_type": "image", "size": 1}),
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "content_type_invalid")
    );
    let mut body = png(1);
    body["expires_in"] = json!(3601);
    let r = grant(&addr, DEV_TOKEN, &body);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "expires_in_out_of_range")
    );
    body["expires_in"] = json!(60);
    let g = grant(&addr, DEV_TOKEN, &body).json();
    assert!((g["expires_at"].as_i64().unwrap() - now() - 60).abs() <= 5);
    let g = grant(&addr, DEV_TOKEN, &png(1)).json();
    assert!(
        (g["expires_at"].as_i64().unwrap() - now() - 300).abs() <= 5,
        "short default"
    );
    for (body, code) in [
        (&b"{"[..], "invalid_json"),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1,"key":"x"}"#,
            "unknown_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png"}"#,
            "missing_field",
        ),
        (
            br#"{"filename":"a.png","content_type":"image/png","size":1,"mode":"delete"}"#,
            "invalid_field",
        ),
    ] {
        let auth = bearer(DEV_TOKEN);
        let r = request(
            &addr,
            "POST",
            "/v1/grants",
            &[("Authorization", &auth)],
            body,
        );
        assert_eq!((r.status, r.error_code().as_str()), (400, code));
    }
    let big = vec![b' '; 20_000];
    let auth = bearer(DEV_TOKEN);
    let r = request(
        &addr,
        "POST",
        "/v1/grants",
        &[("Authorization", &auth)],
        &big,
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (413, "request_too_large")
    );
    let r = request(&addr, "GET", "/v1/grants", &[], b"");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST, OPTIONS")));
    assert_eq!(request(&addr, "GET", "/nope", &[], b"").status, 404);
}

#[test]
fn cors_for_configured_origins_only() {
    let addr = require_signer!();
    let preflight = |origin: &str| {
        request(
            &addr,
            "OPTIONS",
            "/v1/grants",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                ),
            ],
            b"",
        )
    };
    let ok = preflight(ALLOWED_ORIGIN);
    assert_eq!(ok.status, 204);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert!(
        ok.header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    assert!(
        ok.header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    let bad = preflight("https://evil.example");
    assert_eq!(bad.status, 403);
    assert_eq!(bad.error_code(), "cors_origin_not_allowed");
    assert_eq!(bad.header("access-control-allow-origin"), None);

    let auth = bearer(DEV_TOKEN);
    let body = png(1).to_string();
    for (origin, expect) in [
        (ALLOWED_ORIGIN, Some(ALLOWED_ORIGIN)),
        ("https://evil.example", None),
    ] {
        let r = request(
            &addr,
            "POST",
            "/v1/grants",
            &[("Authorization", &auth), ("Origin", origin)],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), expect);
        assert_eq!(r.header("vary"), Some("Origin"));
        // Errors carry CORS headers too, so the browser can read them.
        let r = request(
            &addr,
            "POST",
            "/v1/grants",
            &[("Origin", origin)],
            body.as_bytes(),
        );
        assert_eq!(r.status, 401);
        assert_eq!(r.header("access-control-allow-origin"), expect);
    }
}

fn form_of(grant: &Value) -> Vec<(String, String)> {
    grant["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn submission(fields: &[(String, String)], size: u64) -> Submission<'_> {
    Submission {
        bucket: BUCKET,
        fields,
        file_size: size,
    }
}

fn ticket_of(callback_url: &str) -> String {
    let query = callback_url.split_once('?').unwrap().1;
    find_in_query(query).unwrap().unwrap().to_owned()
}

#[test]
fn post_grants_pass_the_policy_evaluator_and_tampering_fails() {
    let addr = require_signer!();
    let response = grant(&addr, DEV_TOKEN, &png(1234));
    let g = response.json();
    assert_eq!(g["method"], "POST");
    assert_eq!(g["url"], format!("{ENDPOINT}/{BUCKET}"));
    let fields = ordered_pairs(&response.body, "/fields");
    assert_eq!(fields.len(), form_of(&g).len());
    // Field order: key first, callback last (the client appends `file` after it).
    assert_eq!(fields.first().unwrap().0, "key");
    assert_eq!(fields.last().unwrap().0, "callback");
    assert_eq!(fields[0].1, g["key"].as_str().unwrap());
    let t = now();
    check_post(&submission(&fields, 1234), &credentials(), &region(), t).unwrap();
    assert!(check_post(&submission(&fields, 1235), &credentials(), &region(), t).is_err());
    assert!(check_post(&submission(&fields, 1), &credentials(), &region(), t + 301).is_err());
    for i in 0..fields.len() {
        let mut tampered = fields.clone();
        tampered[i].1 = format!("{}0", tampered[i].1);
        assert!(
            check_post(&submission(&tampered, 10), &credentials(), &region(), t).is_err(),
            "tampered {} accepted",
            fields[i].0
        );
        let mut dropped = fields.clone();
        dropped.remove(i);
        assert!(
            check_post(&submission(&dropped, 10), &credentials(), &region(), t).is_err(),
            "dropped {} accepted",
            fields[i].0
        );
    }
    // The callback: JSON body with every system variable, ticket bound to this key.
    let cb = &g["callback"];
    assert_eq!(cb["body_type"], "application/json");
    for var in [
        "bucket",
        "object",
        "etag",
        "size",
        "mimeType",
        "crc64",
        "contentMd5",
        "clientIp",
        "reqId",
        "operation",
        "vpcId",
    ] {
        assert!(
            cb["body"]
                .as_str()
                .unwrap()
                .contains(&format!("${{{var}}}")),
            "{var}"
        );
    }
    assert_eq!(cb["sni"], false, "http callback: no SNI");
    assert!(
        cb["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:8788/oss/callback?oss_edge_ticket=")
    );
    assert_eq!(cb["parameter"], fields.last().unwrap().1.as_str());
    let ring = TicketKeyring::parse_list(TICKET_KEYS).unwrap();
    let ticket = ticket_of(cb["url"].as_str().unwrap());
    let facts = UploadFacts {
        bucket: Some(BUCKET),
        object: g["key"].as_str(),
        size: Some(1234),
    };
    let claims = check(&ticket, &ring, t, &facts).unwrap().claims;
    assert_eq!(claims.subject, "dev");
    assert_eq!(claims.grant_id, g["grant_id"].as_str().unwrap());
}

fn received<'a>(
    method: &'a str,
    url: &'a str,
    headers: &'a [(String, String)],
) -> ReceivedRequest<'a> {
    let rest = url.strip_prefix(ENDPOINT).unwrap();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (bucket, object) = split_path_style(path).unwrap();
    ReceivedRequest {
        method,
        bucket,
        raw_object_path: object,
        raw_query: query,
        headers,
    }
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn put_grants_verify_with_the_presign_verifier() {
    let addr = require_signer!();
    let mut body = png(10);
    body["mode"] = json!("put");
    let g = grant(&addr, DEV_TOKEN, &body).json();
    assert_eq!(g["method"], "PUT");
    let headers = pairs(&g["headers"]);
    assert_eq!(
        headers,
        vec![("Content-Type".to_owned(), "image/png".to_owned())]
    );
    let url = g["url"].as_str().unwrap();
    assert!(url.contains("callback="));
    let t = now();
    let ok = verify_presigned(
        &received("PUT", url, &headers),
        &credentials(),
        &region(),
        t,
    )
    .unwrap();
    assert_eq!(ok.key, g["key"].as_str().unwrap());
    let wrong_type = vec![("Content-Type".to_owned(), "text/plain".to_owned())];
    assert!(
        verify_presigned(
            &received("PUT", url, &wrong_type),
            &credentials(),
            &region(),
            t
        )
        .is_err()
    );
    assert!(
        verify_presigned(
            &received("POST", url, &headers),
            &credentials(),
            &region(),
            t
        )
        .is_err()
    );
    let other = url.replacen(
        &format!("/{}", user_dir("dev")),
        &format!("/{}", user_dir("eve")),
        1,
    );
    assert!(
        verify_presigned(
            &received("PUT", &other, &headers),
            &credentials(),
            &region(),
            t
        )
        .is_err()
    );
    let no_cb = url.replacen("callback=", "callbacx=", 1);
    assert!(
        verify_presigned(
            &received("PUT", &no_cb, &headers),
            &credentials(),
            &region(),
            t
        )
        .is_err()
    );
}

#[test]
fn multipart_plans_verify_part_by_part() {
    let addr = require_signer!();
    let size = 6 * 1024 * 1024;
    let g = grant(&addr, DEV_TOKEN, &json!({"filename": "big.pdf", "content_type": "application/pdf", "size": size, "mode": "multipart"})).json();
    assert_eq!(g["multipart"]["part_count"], 2);
    let t = now();
    let init_headers = pairs(&g["headers"]);
    verify_presigned(
        &received("POST", g["url"].as_str().unwrap(), &init_headers),
        &credentials(),
        &region(),
        t,
    )
    .unwrap();
    let continuation = g["multipart"]["continuation"].as_str().unwrap();
    let plan = grant(&addr, DEV_TOKEN, &json!({"mode": "multipart", "upload_id": "0004B999EF518A1FE585B0C9360D", "continuation": continuation})).json();
    assert_eq!(plan["grant_id"], g["grant_id"]);
    assert_eq!(plan["callback"], g["callback"]);
    let parts = plan["multipart"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    for part in parts {
        let headers = pairs(&part["headers"]);
        verify_presigned(
            &received("PUT", part["url"].as_str().unwrap(), &headers),
            &credentials(),
            &region(),
            t,
        )
        .unwrap();
    }
    let complete = &plan["multipart"]["complete"];
    let headers = pairs(&complete["headers"]);
    let url = complete["url"].as_str().unwrap();
    assert!(url.contains("callback="));
    verify_presigned(
        &received("POST", url, &headers),
        &credentials(),
        &region(),
        t,
    )
    .unwrap();
    // Another subject cannot continue it.
    let other = hs256(&claims(600));
    let r = grant(
        &addr,
        &other,
        &json!({"mode": "multipart", "upload_id": "x1", "continuation": continuation}),
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "continuation_not_yours")
    );
}

#[test]
fn policy_endpoint_has_the_official_sample_shape() {
    let addr = require_signer!();
    let auth = bearer(DEV_TOKEN);
    let r = request(&addr, "GET", "/v1/policy", &[("Authorization", &auth)], b"");
    assert_eq!(r.status, 200);
    let p = r.json();
    let mut names: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accessid",
            "callback",
            "dir",
            "expire",
            "host",
            "policy",
            "recover_url",
            "security_token",
            "signature",
            "x_oss_credential",
            "x_oss_date",
            "x_oss_signature_version"
        ]
    );
    assert_eq!(p["dir"], user_dir("dev"));
    assert_eq!(p["host"], format!("{ENDPOINT}/{BUCKET}"));
    assert_eq!(p["x_oss_signature_version"], "OSS4-HMAC-SHA256");
    assert!(p["expire"].is_i64());
    // The form the official V4 browser sample builds from it.
    let s = |k: &str| p[k].as_str().unwrap().to_owned();
    let form = |key: &str| {
        vec![
            ("success_action_status".to_owned(), "200".to_owned()),
            ("policy".to_owned(), s("policy")),
            ("x-oss-signature".to_owned(), s("signature")),
            (
                "x-oss-signature-version".to_owned(),
                s("x_oss_signature_version"),
            ),
            ("x-oss-credential".to_owned(), s("x_oss_credential")),
            ("x-oss-date".to_owned(), s("x_oss_date")),
            ("key".to_owned(), key.to_owned()),
            ("x-oss-security-token".to_owned(), s("security_token")),
            ("callback".to_owned(), s("callback")),
        ]
    };
    let t = now();
    let photo = format!("{}photo.jpg", user_dir("dev"));
    let ok = form(&photo);
    check_post(&submission(&ok, 100), &credentials(), &region(), t).unwrap();
    let escape = form(&format!("{}photo.jpg", user_dir("other")));
    assert!(check_post(&submission(&escape, 100), &credentials(), &region(), t).is_err());
    let mut no_callback = form(&photo);
    no_callback.pop();
    assert!(check_post(&submission(&no_callback, 100), &credentials(), &region(), t).is_err());
    let too_big = form(&photo);
    assert!(
        check_post(
            &submission(&too_big, MAX_UPLOAD_BYTES + 1),
            &credentials(),
            &region(),
            t
        )
        .is_err()
    );
    // Its ticket grants the directory.
    let params =
        oss_edge_core::callback::params::CallbackParams::from_base64(&s("callback")).unwrap();
    let ring = TicketKeyring::parse_list(TICKET_KEYS).unwrap();
    let claims = check(
        &ticket_of(&params.url_field()),
        &ring,
        t,
        &UploadFacts::default(),
    )
    .unwrap()
    .claims;
    assert_eq!(claims.object, ObjectScope::Prefix(user_dir("dev")));
}

#[test]
fn health() {
    let addr = require_signer!();
    let r = request(&addr, "GET", "/healthz", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
}
