//! Building grants: every grant is accepted by the core's own PostObject evaluator / presign
//! verifier and refused once tampered with; limits; configuration errors; multipart phases;
//! the official-sample `GET /v1/policy` answer.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::grant::config::{ConfigError, RawConfig, SignerConfig};
use oss_edge_core::grant::{
    GrantError, GrantRequest, LimitError, Mode, Subject, issue, policy_sample,
};
use oss_edge_core::sign::post_policy::{PostRejection, Submission, check_post};
use oss_edge_core::sign::presign::verify::{ReceivedRequest, split_path_style, verify_presigned};
use oss_edge_core::ticket::{ObjectScope, TICKET_PARAM, UploadFacts, check, find_in_query};

const NOW: i64 = 1_700_000_000;
const RANDOM: [u8; 16] = [0xab; 16];

fn raw() -> RawConfig {
    let s = |v: &str| Some(v.to_owned());
    RawConfig {
        environment: s("local"),
        bucket: s("examplebucket"),
        region: s("cn-hangzhou"),
        endpoint: s("http://127.0.0.1:9000"),
        access_key_id: s("dev-access-key-id"),
        access_key_secret: s("dev-access-key-secret"),
        callback_url: s("http://127.0.0.1:8788/oss/callback"),
        ticket_keys: s("dev:0123456789abcdef0123456789abcdef"),
        auth_mode: s("bearer"),
        bearer_tokens: s("dev:dev-token"),
        allowed_content_types: s("image/*,application/pdf"),
        ..RawConfig::default()
    }
}

fn config() -> SignerConfig {
    SignerConfig::from_raw(&raw()).unwrap()
}

fn request(mode: Mode) -> GrantRequest {
    GrantRequest {
        filename: Some("cat.PNG".into()),
        content_type: Some("image/png".into()),
        size: Some(1000),
        mode,
        ..GrantRequest::default()
    }
}

fn alice() -> Subject {
    Subject::parse("alice").unwrap()
}

fn submission<'a>(fields: &'a [(String, String)], size: u64) -> Submission<'a> {
    Submission {
        bucket: "examplebucket",
        fields,
        file_size: size,
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn post_grant_is_accepted_and_every_tampering_is_refused() {
    for version in ["v4", "v1"] {
        let mut raw = raw();
        raw.signature_version = Some(version.into());
        raw.session_token = (version == "v4").then(|| "sts-token".to_owned());
        let config = SignerConfig::from_raw(&raw).unwrap();
        let grant = issue(&request(Mode::Post), &alice(), &config, NOW, &RANDOM).unwrap();
        assert_eq!(
            grant.key,
            "uploads/20231114/alice/abababababababababababababababab.png"
        );
        assert_eq!(grant.method, "POST");
        assert_eq!(grant.url, "http://127.0.0.1:9000/examplebucket");
        assert_eq!(grant.expires_at, NOW + 300);
        let fields = grant.fields.clone().unwrap().0;
        assert_eq!(fields[0].0, "key");
        assert_eq!(fields.last().unwrap().0, "callback");
        let creds = &config.credentials;
        check_post(&submission(&fields, 1000), creds, &config.region, NOW + 1).unwrap();
        check_post(&submission(&fields, 0), creds, &config.region, NOW + 1).unwrap();
        // Too large, expired.
        assert!(check_post(&submission(&fields, 1001), creds, &config.region, NOW).is_err());
        assert!(check_post(&submission(&fields, 10), creds, &config.region, NOW + 300).is_err());
        // Change any field: refused.
        for i in 0..fields.len() {
            let mut tampered = fields.clone();
            tampered[i].1.push('x');
            assert!(
                check_post(&submission(&tampered, 10), creds, &config.region, NOW + 1).is_err(),
                "{version}: tampering {} went unnoticed",
                fields[i].0
            );
            let mut dropped = fields.clone();
            dropped.remove(i);
            assert!(
                check_post(&submission(&dropped, 10), creds, &config.region, NOW + 1).is_err(),
                "{version}: dropping {} went unnoticed",
                fields[i].0
            );
        }
        // The callback URL carries a ticket for exactly this key.
        let query = grant.callback.url.split_once('?').unwrap().1;
        let ticket = find_in_query(query).unwrap().unwrap();
        let verified = check(
            ticket,
            &config.tickets,
            NOW,
            &UploadFacts {
                bucket: Some("examplebucket"),
                object: Some(&grant.key),
                size: Some(1000),
            },
        )
        .unwrap();
        assert_eq!(verified.claims.subject, "alice");
        assert_eq!(verified.claims.grant_id, grant.grant_id);
        assert!(grant.callback.url.contains(TICKET_PARAM));
        assert!(grant.callback.body.contains("${reqId}"));
        assert!(!grant.callback.sni, "http callback URL: no SNI");
    }
}

fn received<'a>(
    method: &'a str,
    url: &'a str,
    headers: &'a [(String, String)],
) -> ReceivedRequest<'a> {
    let rest = url.strip_prefix("http://127.0.0.1:9000").unwrap();
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

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn put_grant_verifies_and_tampering_is_refused() {
    for version in ["v4", "v1"] {
        let mut raw = raw();
        raw.signature_version = Some(version.into());
        let config = SignerConfig::from_raw(&raw).unwrap();
        let grant = issue(&request(Mode::Put), &alice(), &config, NOW, &RANDOM).unwrap();
        assert_eq!(grant.method, "PUT");
        let headers = grant.headers.clone().unwrap().0;
        assert_eq!(headers, vec![("Content-Type".into(), "image/png".into())]);
        let ok = verify_presigned(
            &received("PUT", &grant.url, &headers),
            &config.credentials,
            &config.region,
            NOW + 1,
        )
        .unwrap();
        assert_eq!(ok.key, grant.key);
        let other_type = vec![("Content-Type".to_owned(), "image/jpeg".to_owned())];
        assert!(
            verify_presigned(
                &received("PUT", &grant.url, &other_type),
                &config.credentials,
                &config.region,
                NOW + 1,
            )
            .is_err()
        );
        let other_key = grant.url.replace(".png", ".exe");
        assert!(
            verify_presigned(
                &received("PUT", &other_key, &headers),
                &config.credentials,
                &config.region,
                NOW + 1,
            )
            .is_err()
        );
        let no_callback = grant.url.replacen("callback=", "callbackx=", 1);
        assert!(
            verify_presigned(
                &received("PUT", &no_callback, &headers),
                &config.credentials,
                &config.region,
                NOW + 1,
            )
            .is_err()
        );
        assert!(
            verify_presigned(
                &received("PUT", &grant.url, &headers),
                &config.credentials,
                &config.region,
                NOW + 301,
            )
            .is_err()
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn multipart_two_phases() {
    let mut raw = raw();
    raw.multipart_part_size = Some("102400".into());
    let config = SignerConfig::from_raw(&raw).unwrap();
    let mut req = request(Mode::Multipart);
    req.size = Some(250_000);
    let phase1 = issue(&req, &alice(), &config, NOW, &RANDOM).unwrap();
    let info = phase1.multipart.clone().unwrap();
    assert_eq!(info.part_size, 102_400);
    assert_eq!(info.part_count, 3);
    assert!(phase1.url.contains("?uploads&") || phase1.url.contains("?uploads="));
    verify_presigned(
        &received("POST", &phase1.url, &phase1.headers.clone().unwrap().0),
        &config.credentials,
        &config.region,
        NOW,
    )
    .unwrap();

    let continuation = info.continuation.unwrap();
    let phase2_req = GrantRequest {
        mode: Mode::Multipart,
        upload_id: Some("0004B9894A22E5B1888A1E29F823".into()),
        continuation: Some(continuation.clone()),
        ..GrantRequest::default()
    };
    let phase2 = issue(&phase2_req, &alice(), &config, NOW + 10, &[0; 16]).unwrap();
    assert_eq!(phase2.grant_id, phase1.grant_id);
    assert_eq!(phase2.key, phase1.key);
    assert_eq!(
        phase2.callback, phase1.callback,
        "same callback, same ticket"
    );
    let plan = phase2.multipart.unwrap();
    let parts = plan.parts.unwrap();
    assert_eq!(parts.len(), 3);
    for (n, part) in parts.iter().enumerate() {
        assert_eq!(part.part_number, Some(n as u32 + 1));
        verify_presigned(
            &received("PUT", &part.url, &part.headers.0),
            &config.credentials,
            &config.region,
            NOW + 11,
        )
        .unwrap();
    }
    let complete = plan.complete.unwrap();
    assert!(complete.url.contains("callback="));
    verify_presigned(
        &received("POST", &complete.url, &complete.headers.0),
        &config.credentials,
        &config.region,
        NOW + 11,
    )
    .unwrap();

    // Someone else's continuation, a forged one, an expired one.
    let bob = Subject::parse("bob").unwrap();
    assert_eq!(
        issue(&phase2_req, &bob, &config, NOW + 10, &[0; 16]).unwrap_err(),
        GrantError::ContinuationMismatch
    );
    let mut forged = phase2_req.clone();
    forged.continuation = Some(continuation.replacen(".", ".x", 2));
    assert_eq!(
        issue(&forged, &alice(), &config, NOW, &[0; 16])
            .unwrap_err()
            .code(),
        "continuation_invalid"
    );
    assert_eq!(
        issue(&phase2_req, &alice(), &config, NOW + 301, &[0; 16])
            .unwrap_err()
            .code(),
        "continuation_invalid"
    );
    let mut bad_id = phase2_req;
    bad_id.upload_id = Some("a&b".into());
    assert_eq!(
        issue(&bad_id, &alice(), &config, NOW, &[0; 16])
            .unwrap_err()
            .code(),
        "invalid_field"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn limits_size_type_expiry() {
    let config = config();
    let grant = |f: &dyn Fn(&mut GrantRequest)| {
        let mut r = request(Mode::Post);
        f(&mut r);
        issue(&r, &alice(), &config, NOW, &RANDOM)
    };
    assert_eq!(
        grant(&|r| r.size = Some(10 * 1024 * 1024 + 1)).unwrap_err(),
        GrantError::Limit(LimitError::TooLarge {
            size: 10 * 1024 * 1024 + 1,
            max: 10 * 1024 * 1024
        })
    );
    assert!(grant(&|r| r.size = Some(10 * 1024 * 1024)).is_ok());
    assert_eq!(
        grant(&|r| r.content_type = Some("text/html".into()))
            .unwrap_err()
            .code(),
        "content_type_not_allowed"
    );
    assert_eq!(
        grant(&|r| r.content_type = Some("image/png; charset=x".into()))
            .unwrap_err()
            .code(),
        "content_type_invalid"
    );
    let pdf = grant(&|r| {
        r.content_type = Some("application/PDF".into());
        r.filename = Some("report.pdf".into());
    });
    assert!(pdf.unwrap().key.ends_with(".pdf"));
    assert_eq!(
        grant(&|r| r.expires_in = Some(3601)).unwrap_err().code(),
        "expires_in_out_of_range"
    );
    assert_eq!(
        grant(&|r| r.expires_in = Some(0)).unwrap_err().code(),
        "expires_in_out_of_range"
    );
    assert_eq!(
        grant(&|r| r.expires_in = Some(60)).unwrap().expires_at,
        NOW + 60
    );
    assert_eq!(
        grant(&|r| r.size = None).unwrap_err().code(),
        "missing_field"
    );
    assert_eq!(
        grant(&|r| r.filename = Some("../x.png".into()))
            .unwrap_err()
            .code(),
        "filename_is_path"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn request_bodies() {
    let r = GrantRequest::parse(br#"{"filename":"a.png","content_type":"image/png","size":5}"#)
        .unwrap();
    assert_eq!(r.mode, Mode::Post);
    assert_eq!(r.size, Some(5));
    for (body, code) in [
        (&b"not json"[..], "invalid_json"),
        (b"", "invalid_json"),
        (b"[]", "invalid_json"),
        (b"null", "invalid_json"),
        (b"\"x\"", "invalid_json"),
        (b"42", "invalid_json"),
        (br#"{"filename":"a.png"} trailing"#, "invalid_json"),
        (br#"{"filename":"a.png"}{}"#, "invalid_json"),
        (br#"{"filename":"a.png""#, "invalid_json"),
        (br#"{"filename":7}"#, "invalid_field"),
        (br#"{"filename":["a"]}"#, "invalid_field"),
        (br#"{"content_type":{}}"#, "invalid_field"),
        (br#"{"size":1.5}"#, "invalid_field"),
        (br#"{"expires_in":true}"#, "invalid_field"),
        (br#"{"mode":1}"#, "invalid_field"),
        (br#"{"filename":"a","sizes":1}"#, "unknown_field"),
        (br#"{"size":-1}"#, "invalid_field"),
        (br#"{"size":"1"}"#, "invalid_field"),
        (br#"{"mode":"get"}"#, "invalid_field"),
    ] {
        let err = GrantRequest::parse(body).unwrap_err();
        assert_eq!(err.code(), code, "{}", String::from_utf8_lossy(body));
        // The API's own words: no parser internals in any message.
        let message = err.to_string();
        for internal in [
            "struct",
            "Wire",
            "invalid type",
            "expected",
            "serde",
            "trailing",
        ] {
            assert!(!message.contains(internal), "{message}");
        }
    }
    assert_eq!(
        GrantRequest::parse(b"[]").unwrap_err().to_string(),
        "the body is an array, not a JSON object; send one such as \
         {\"filename\": \"photo.jpg\", \"content_type\": \"image/jpeg\", \"size\": 52000}"
    );
    // Missing fields are reported when the grant is built.
    let empty = GrantRequest::parse(b"{}").unwrap();
    assert_eq!(
        issue(&empty, &alice(), &config(), NOW, &RANDOM).unwrap_err(),
        GrantError::Request(oss_edge_core::grant::RequestError::Missing("filename"))
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn policy_sample_matches_official_shape_and_confines_keys() {
    let mut raw = raw();
    raw.session_token = Some("sts".into());
    let config = SignerConfig::from_raw(&raw).unwrap();
    let sample = policy_sample(&alice(), &config, NOW, &RANDOM).unwrap();
    let json: serde_json::Value = serde_json::from_str(&sample.to_json()).unwrap();
    let mut names: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
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
    assert_eq!(sample.dir, "uploads/20231114/alice/");
    // The form the official V4 browser sample posts.
    let form = |key: &str| {
        vec![
            ("key".to_owned(), key.to_owned()),
            ("policy".to_owned(), sample.policy.clone()),
            (
                "x-oss-signature-version".to_owned(),
                sample.x_oss_signature_version.clone().unwrap(),
            ),
            (
                "x-oss-credential".to_owned(),
                sample.x_oss_credential.clone().unwrap(),
            ),
            ("x-oss-date".to_owned(), sample.x_oss_date.clone().unwrap()),
            ("x-oss-signature".to_owned(), sample.signature.clone()),
            (
                "x-oss-security-token".to_owned(),
                sample.security_token.clone().unwrap(),
            ),
            ("success_action_status".to_owned(), "200".to_owned()),
            ("callback".to_owned(), sample.callback.clone()),
        ]
    };
    let ok = form("uploads/20231114/alice/photo.jpg");
    check_post(
        &submission(&ok, 5),
        &config.credentials,
        &config.region,
        NOW,
    )
    .unwrap();
    let outside = form("uploads/20231114/bob/photo.jpg");
    assert!(matches!(
        check_post(
            &submission(&outside, 5),
            &config.credentials,
            &config.region,
            NOW
        ),
        Err(PostRejection::Policy(_))
    ));
    // The ticket grants the directory only.
    let url = oss_edge_core::callback::params::CallbackParams::from_base64(&sample.callback)
        .unwrap()
        .url_field();
    let ticket = find_in_query(url.split_once('?').unwrap().1)
        .unwrap()
        .unwrap();
    let claims = check(ticket, &config.tickets, NOW, &UploadFacts::default())
        .unwrap()
        .claims;
    assert_eq!(
        claims.object,
        ObjectScope::Prefix("uploads/20231114/alice/".into())
    );

    // V1: the V1 sample's names only.
    let mut raw = raw.clone();
    raw.signature_version = Some("v1".into());
    raw.session_token = None;
    let v1 = policy_sample(
        &alice(),
        &SignerConfig::from_raw(&raw).unwrap(),
        NOW,
        &RANDOM,
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&v1.to_json()).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 8);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn configuration_is_validated() {
    let err = |f: &dyn Fn(&mut RawConfig)| {
        let mut r = raw();
        f(&mut r);
        SignerConfig::from_raw(&r).unwrap_err()
    };
    assert_eq!(
        err(&|r| r.bucket = None),
        ConfigError::Missing("OSS_BUCKET")
    );
    assert_eq!(
        err(&|r| r.access_key_secret = Some(" ".into())),
        ConfigError::Missing("OSS_ACCESS_KEY_SECRET")
    );
    assert_eq!(
        err(&|r| r.ticket_keys = None),
        ConfigError::Missing("TICKET_KEYS")
    );
    assert_eq!(
        err(&|r| r.signature_version = Some("v2".into())).code(),
        "config_invalid"
    );
    assert_eq!(
        err(&|r| {
            r.environment = None;
            r.auth_mode = Some("none".into());
            r.callback_url = Some("https://cb.example/oss".into());
        })
        .code(),
        "config_auth_invalid"
    );
    // Outside development the callback must be https and tokens long.
    assert_eq!(
        err(&|r| r.environment = Some("production".into())).code(),
        "config_invalid"
    );
    assert_eq!(
        err(&|r| {
            r.environment = None;
            r.callback_url = Some("https://cb.example/oss".into());
        })
        .code(),
        "config_auth_invalid"
    );
    assert!(matches!(
        err(&|r| r.key_template = Some("{subject}".into())),
        ConfigError::Invalid {
            var: "KEY_TEMPLATE",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.cors_allowed_origins = Some("https://a.example/".into())),
        ConfigError::Invalid {
            var: "CORS_ALLOWED_ORIGINS",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.allowed_content_types = Some("image".into())),
        ConfigError::Invalid {
            var: "ALLOWED_CONTENT_TYPES",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.grant_ttl_seconds = Some("7200".into())),
        ConfigError::Invalid {
            var: "GRANT_TTL_SECONDS",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.jwt_rs256_public_keys =
            Some("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".into())),
        ConfigError::Invalid {
            var: "JWT_RS256_PUBLIC_KEYS",
            ..
        }
    ));
    for template in [
        "u/{subject}-{grant_id}",
        "uploads/{grant_id}",
        "{filename}/{subject}/{grant_id}",
    ] {
        let e = err(&|r| r.key_template = Some(template.into()));
        assert!(
            matches!(
                &e,
                ConfigError::Invalid {
                    var: "KEY_TEMPLATE",
                    ..
                }
            ),
            "{template}: {e:?}"
        );
    }
    // In production, JWT needs both an issuer and an audience.
    let production = |r: &mut RawConfig| {
        r.environment = None;
        r.callback_url = Some("https://cb.example/oss/callback".into());
        r.auth_mode = Some("jwt".into());
        r.jwt_hs256_secrets = Some("k:0123456789abcdef0123456789abcdef".into());
        r.jwt_issuer = Some("https://id.example".into());
        r.jwt_audience = Some("oss-edge".into());
    };
    let mut prod = raw();
    production(&mut prod);
    assert!(SignerConfig::from_raw(&prod).is_ok());
    for (var, clear) in [
        (
            "JWT_ISSUER",
            &(|r: &mut RawConfig| r.jwt_issuer = None) as &dyn Fn(&mut RawConfig),
        ),
        ("JWT_AUDIENCE", &|r: &mut RawConfig| {
            r.jwt_audience = Some(" ".into())
        }),
    ] {
        let e = err(&|r| {
            production(r);
            clear(r);
        });
        assert!(
            matches!(&e, ConfigError::Invalid { var: v, .. } if *v == var),
            "{var}: {e:?}"
        );
    }
    assert!(matches!(
        err(&|r| r.jwt_max_lifetime_seconds = Some("0".into())),
        ConfigError::Invalid {
            var: "JWT_MAX_LIFETIME_SECONDS",
            ..
        }
    ));
    // The upload allowance and the recovery URL.
    let c = config();
    assert_eq!(
        c.upload_allowance, 900,
        "10 MiB at 1 Mbit/s is under 15 min"
    );
    assert_eq!(c.recover_url, "http://127.0.0.1:8788/v1/recover");
    let mut big = raw();
    big.max_upload_bytes = Some("1500000000".into());
    assert_eq!(
        SignerConfig::from_raw(&big).unwrap().upload_allowance,
        12_000
    );
    big.upload_allowance_seconds = Some("60".into());
    assert_eq!(SignerConfig::from_raw(&big).unwrap().upload_allowance, 60);
    assert!(matches!(
        err(&|r| r.upload_allowance_seconds = Some("604801".into())),
        ConfigError::Invalid {
            var: "UPLOAD_ALLOWANCE_SECONDS",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.upload_allowance_seconds = Some("1e3".into())),
        ConfigError::Invalid {
            var: "UPLOAD_ALLOWANCE_SECONDS",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| r.recover_url = Some("ftp://x/v1/recover".into())),
        ConfigError::Invalid {
            var: "RECOVER_URL",
            ..
        }
    ));
    assert!(matches!(
        err(&|r| {
            production(r);
            r.recover_url = Some("http://cb.example/v1/recover".into());
        }),
        ConfigError::Invalid {
            var: "RECOVER_URL",
            ..
        }
    ));

    let mut ok = raw();
    ok.cors_allowed_origins = Some("http://127.0.0.1:5173, https://app.example.com".into());
    let config = SignerConfig::from_raw(&ok).unwrap();
    assert_eq!(
        config.allowed_origin("https://app.example.com"),
        Some("https://app.example.com")
    );
    assert_eq!(config.allowed_origin("https://evil.example.com"), None);
}

/// The ticket outlives the grant by the upload allowance (issue 12), names the body type the
/// signer chose, and `recover_url` carries the same ticket (CONTRACTS §1, §4).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn tickets_outlive_grants_by_the_allowance() {
    use oss_edge_core::callback::params::BodyType;
    use oss_edge_core::ticket::{TicketError, authenticate};
    let mut raw = raw();
    raw.upload_allowance_seconds = Some("1200".into());
    let config = SignerConfig::from_raw(&raw).unwrap();
    for mode in [Mode::Post, Mode::Put, Mode::Multipart] {
        let grant = issue(&request(mode), &alice(), &config, NOW, &RANDOM).unwrap();
        assert_eq!(grant.expires_at, NOW + 300);
        let ticket = find_in_query(grant.callback.url.split_once('?').unwrap().1)
            .unwrap()
            .unwrap();
        let (base, query) = grant.recover_url.split_once('?').unwrap();
        assert_eq!(base, "http://127.0.0.1:8788/v1/recover");
        assert_eq!(find_in_query(query).unwrap(), Some(ticket), "{mode:?}");
        // After the grant's expiry, inside the allowance: still good for the callback.
        let late = authenticate(ticket, &config.tickets, NOW + 300 + 1199).unwrap();
        assert_eq!(late.claims.deadline, NOW + 300 + 1200);
        assert_eq!(late.claims.expires_at, NOW + 300);
        assert_eq!(late.claims.body_type, BodyType::Json);
        assert!(matches!(
            authenticate(ticket, &config.tickets, NOW + 1500),
            Err(TicketError::Expired { .. })
        ));
    }
    // Multipart phase 2 after the grant expired: no new part URLs, though the ticket lives.
    let phase1 = issue(&request(Mode::Multipart), &alice(), &config, NOW, &RANDOM).unwrap();
    let phase2 = GrantRequest {
        mode: Mode::Multipart,
        upload_id: Some("UPLOAD1".into()),
        continuation: phase1.multipart.unwrap().continuation,
        ..GrantRequest::default()
    };
    assert!(issue(&phase2, &alice(), &config, NOW + 299, &RANDOM).is_ok());
    assert_eq!(
        issue(&phase2, &alice(), &config, NOW + 300, &RANDOM)
            .unwrap_err()
            .code(),
        "continuation_invalid"
    );
    // The sample policy's ticket too.
    let sample = policy_sample(&alice(), &config, NOW, &RANDOM).unwrap();
    let ticket = find_in_query(sample.recover_url.split_once('?').unwrap().1)
        .unwrap()
        .unwrap();
    assert_eq!(
        authenticate(ticket, &config.tickets, NOW)
            .unwrap()
            .claims
            .deadline,
        NOW + 300 + 1200
    );
}
