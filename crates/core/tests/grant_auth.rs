//! Authentication for grants: static bearer tokens, HS256/RS256 JWTs, development `none`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::grant::auth::AuthStep;
use oss_edge_core::grant::auth::{AuthConfig, AuthConfigError, AuthError, AuthSettings, Subject};
use oss_edge_core::grant::jwt::{
    JwtError, JwtVerifier, encode_hs256, encode_rs256, rsa_signature_valid, sign_hs256_raw,
};
use serde_json::json;

const NOW: i64 = 1_700_000_000;
const HS_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const RS_PRIVATE: &str = include_str!("../../../tests/keys/test-jwt-rs256.pem");
const RS_PUBLIC: &str = include_str!("../../../tests/keys/test-jwt-rs256.pub.pem");

fn verifier() -> JwtVerifier {
    let mut v = JwtVerifier::new()
        .issuer(Some("https://id.example".into()))
        .audience(Some("oss-edge".into()));
    v.add_hs256(Some("h1"), HS_SECRET).unwrap();
    v.add_rs256_pem(None, RS_PUBLIC).unwrap();
    v
}

fn auth(mode: &str, development: bool) -> Result<AuthConfig, AuthConfigError> {
    AuthConfig::new(AuthSettings {
        mode,
        bearer_tokens: Some(
            "alice:a-very-long-static-token-0001,bob:b-very-long-static-token-0002",
        ),
        jwt: Some(verifier()),
        development,
        dev_subject: "dev",
    })
}

fn claims() -> serde_json::Value {
    json!({"sub": "user-7", "iss": "https://id.example", "aud": "oss-edge", "exp": NOW + 600})
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn static_tokens_missing_wrong_valid() {
    let a = auth("bearer", false).unwrap();
    assert_eq!(a.authenticate(None, NOW), Err(AuthError::Missing));
    assert_eq!(
        a.authenticate(Some("Basic abc"), NOW),
        Err(AuthError::NotBearer)
    );
    assert_eq!(
        a.authenticate(Some("Bearer "), NOW),
        Err(AuthError::NotBearer)
    );
    assert_eq!(
        a.authenticate(Some("Bearer a-very-long-static-token-0003"), NOW),
        Err(AuthError::UnknownToken)
    );
    assert_eq!(
        a.authenticate(Some("Bearer a-very-long-static-token-000"), NOW),
        Err(AuthError::UnknownToken)
    );
    let bob = a
        .authenticate(Some("bearer b-very-long-static-token-0002"), NOW)
        .unwrap();
    assert_eq!(bob.as_str(), "bob");
    // A JWT-shaped value when JWT is off.
    let jwt = encode_hs256(&claims(), HS_SECRET, None);
    assert_eq!(
        a.authenticate(Some(&format!("Bearer {jwt}")), NOW),
        Err(AuthError::MechanismDisabled("JWT"))
    );
    assert_eq!(AuthError::UnknownToken.code(), "invalid_token");
    assert_eq!(AuthError::Missing.code(), "missing_credentials");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn none_only_in_development_and_weak_tokens_refused_in_production() {
    assert_eq!(
        auth("none", false).unwrap_err(),
        AuthConfigError::NoneOutsideDevelopment
    );
    let dev = auth("none", true).unwrap();
    assert_eq!(dev.authenticate(None, NOW).unwrap().as_str(), "dev");
    let weak = AuthConfig::new(AuthSettings {
        mode: "bearer",
        bearer_tokens: Some("dev:dev-token"),
        development: false,
        dev_subject: "dev",
        jwt: None,
    });
    assert_eq!(weak.unwrap_err(), AuthConfigError::WeakToken);
    assert!(
        AuthConfig::new(AuthSettings {
            mode: "bearer",
            bearer_tokens: Some("dev:dev-token"),
            development: true,
            dev_subject: "dev",
            jwt: None,
        })
        .is_ok()
    );
    assert!(matches!(
        auth("saml", false),
        Err(AuthConfigError::UnknownMechanism(_))
    ));
    assert_eq!(
        auth("", false).unwrap_err(),
        AuthConfigError::NothingEnabled
    );
    assert_eq!(
        AuthConfig::new(AuthSettings {
            mode: "jwt",
            jwt: Some(JwtVerifier::new()),
            ..AuthSettings::default()
        })
        .unwrap_err(),
        AuthConfigError::NoJwtKeys
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn hs256_and_rs256_tokens() {
    let a = auth("bearer,jwt", false).unwrap();
    let hs = encode_hs256(&claims(), HS_SECRET, Some("h1"));
    assert_eq!(
        a.authenticate(Some(&format!("Bearer {hs}")), NOW)
            .unwrap()
            .as_str(),
        "user-7"
    );
    let rs = encode_rs256(&claims(), RS_PRIVATE, Some("any")).unwrap();
    assert_eq!(
        a.authenticate(Some(&format!("Bearer {rs}")), NOW)
            .unwrap()
            .as_str(),
        "user-7"
    );
    // Static tokens still work next to JWT.
    assert!(
        a.authenticate(Some("Bearer a-very-long-static-token-0001"), NOW)
            .is_ok()
    );
}

fn verify(token: &str, now: i64) -> Result<String, JwtError> {
    verifier().verify(token, now)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn jwt_time_claims_with_leeway() {
    let token = encode_hs256(&claims(), HS_SECRET, None);
    assert!(
        verify(&token, NOW + 600 + 59).is_ok(),
        "inside the 60 s leeway"
    );
    assert!(matches!(
        verify(&token, NOW + 600 + 60),
        Err(JwtError::Expired { .. })
    ));
    let mut c = claims();
    c["nbf"] = json!(NOW + 100);
    let token = encode_hs256(&c, HS_SECRET, None);
    assert!(matches!(
        verify(&token, NOW),
        Err(JwtError::NotYetValid { .. })
    ));
    assert!(verify(&token, NOW + 40).is_ok());
    let mut c = claims();
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        verify(&encode_hs256(&c, HS_SECRET, None), NOW),
        Err(JwtError::MissingExpiry)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn jwt_audience_issuer_subject() {
    let with = |key: &str, value: serde_json::Value| {
        let mut c = claims();
        c[key] = value;
        verify(&encode_hs256(&c, HS_SECRET, None), NOW)
    };
    assert_eq!(with("aud", json!("other")), Err(JwtError::WrongAudience));
    assert!(with("aud", json!(["x", "oss-edge"])).is_ok());
    assert_eq!(with("aud", json!(["x"])), Err(JwtError::WrongAudience));
    assert_eq!(
        with("iss", json!("https://evil.example")),
        Err(JwtError::WrongIssuer)
    );
    assert_eq!(with("sub", json!("")), Err(JwtError::MissingSubject));
    assert_eq!(with("sub", json!(42)), Err(JwtError::MissingSubject));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn jwt_signatures_and_algorithm_confusion() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = encode_hs256(&claims(), HS_SECRET, None);
    // Tampered payload.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut c = claims();
    c["sub"] = json!("admin");
    parts[1] = b64.encode(c.to_string());
    assert_eq!(verify(&parts.join("."), NOW), Err(JwtError::BadSignature));
    // Wrong secret.
    let other = encode_hs256(&claims(), b"fedcba9876543210fedcba9876543210", None);
    assert_eq!(verify(&other, NOW), Err(JwtError::BadSignature));
    // alg none.
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims().to_string())
    );
    assert_eq!(
        verify(&none, NOW),
        Err(JwtError::AlgorithmNotAllowed("none".into()))
    );
    // HS256 keyed with the RS256 public key PEM (classic confusion) must fail.
    let confused = encode_hs256(&claims(), RS_PUBLIC.as_bytes(), None);
    assert_eq!(verify(&confused, NOW), Err(JwtError::BadSignature));
    // RS256 tampered.
    let rs = encode_rs256(&claims(), RS_PRIVATE, None).unwrap();
    let mut rs_parts: Vec<String> = rs.split('.').map(str::to_owned).collect();
    rs_parts[1] = b64.encode(c.to_string());
    assert_eq!(
        verify(&rs_parts.join("."), NOW),
        Err(JwtError::BadSignature)
    );
    // Unknown kid for HS256.
    let kid = encode_hs256(&claims(), HS_SECRET, Some("h9"));
    assert_eq!(verify(&kid, NOW), Err(JwtError::UnknownKeyId("h9".into())));
    // Shapes.
    for bad in ["", "a.b", "a.b.c.d", "!!.e30.e30", "e30.e30.!!"] {
        assert!(
            matches!(verify(bad, NOW), Err(JwtError::Malformed(_))),
            "{bad}"
        );
    }
    // Only HS256 configured: RS256 tokens are refused by algorithm.
    let mut hs_only = JwtVerifier::new();
    hs_only.add_hs256(None, HS_SECRET).unwrap();
    assert_eq!(
        hs_only.verify(&rs, NOW),
        Err(JwtError::AlgorithmNotAllowed("RS256".into()))
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn weak_keys_and_bad_subjects_are_refused() {
    let mut v = JwtVerifier::new();
    assert!(v.add_hs256(None, b"short").is_err());
    let oss_512 = oss_edge_core::callback::keys::OSS_CALLBACK_KEY_PEM;
    assert!(
        v.add_rs256_pem(None, oss_512).is_err(),
        "512-bit keys are too weak for RS256"
    );
    assert!(JwtVerifier::new().leeway(301).is_err());
    for bad in ["", "../x", "a/b", ".hidden", "a b", &"x".repeat(129)] {
        assert_eq!(Subject::parse(bad), Err(AuthError::BadSubject), "{bad:?}");
    }
    assert!(Subject::parse("auth0|12345").is_ok());
    let a = auth("jwt", false).unwrap();
    let mut c = claims();
    c["sub"] = json!("../../etc");
    let token = encode_hs256(&c, HS_SECRET, None);
    assert_eq!(
        a.authenticate(Some(&format!("Bearer {token}")), NOW),
        Err(AuthError::BadSubject)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn jwt_crit_is_refused_even_when_signed() {
    let payload = claims().to_string();
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":["http://example.invalid/x"],"http://example.invalid/x":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":"b64"}"#,
    ] {
        let token = sign_hs256_raw(header, &payload, HS_SECRET);
        assert_eq!(
            verify(&token, NOW),
            Err(JwtError::CriticalExtension),
            "{header}"
        );
    }
    let plain = sign_hs256_raw(r#"{"alg":"HS256"}"#, &payload, HS_SECRET);
    assert!(verify(&plain, NOW).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn jwt_lifetime_is_capped() {
    let v = verifier().max_lifetime(3600).unwrap();
    let token = |c: serde_json::Value| encode_hs256(&c, HS_SECRET, None);
    let mut c = claims();
    c["exp"] = json!(NOW + 3600);
    assert!(v.verify(&token(c.clone()), NOW).is_ok(), "exactly the cap");
    c["exp"] = json!(NOW + 3601);
    assert_eq!(
        v.verify(&token(c.clone()), NOW),
        Err(JwtError::LifetimeTooLong {
            lifetime: 3601,
            max: 3600
        })
    );
    // With iat, the lifetime is exp - iat, even when the token is nearly expired.
    c["exp"] = json!(NOW + 10);
    c["iat"] = json!(NOW - 7200);
    assert!(matches!(
        v.verify(&token(c.clone()), NOW),
        Err(JwtError::LifetimeTooLong { lifetime: 7210, .. })
    ));
    // An iat in the future does not shorten the lifetime.
    c["exp"] = json!(NOW + 5000);
    c["iat"] = json!(NOW + 4000);
    assert!(matches!(
        v.verify(&token(c.clone()), NOW),
        Err(JwtError::LifetimeTooLong { lifetime: 5000, .. })
    ));
    c["iat"] = json!("yesterday");
    assert!(matches!(
        v.verify(&token(c), NOW),
        Err(JwtError::Malformed(_))
    ));
    // A token for the year 2100 is refused by default.
    let mut forever = claims();
    forever["exp"] = json!(4_102_444_800_i64);
    assert_eq!(
        verify(&token(forever), NOW).unwrap_err().code(),
        "token_lifetime_too_long"
    );
    assert!(JwtVerifier::new().max_lifetime(0).is_err());
    assert!(JwtVerifier::new().max_lifetime(31 * 86_400).is_err());
}

/// The two-step RS256 path (what the signer Worker does with WebCrypto) decides exactly as
/// the one-step one, and reads no claim before the signature is reported valid.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn rs256_in_two_steps() {
    let a = auth("jwt", false).unwrap();
    let rs = encode_rs256(&claims(), RS_PRIVATE, None).unwrap();
    let header = format!("Bearer {rs}");
    let AuthStep::NeedsRsa(check) = a.begin(Some(&header), NOW).unwrap() else {
        panic!("RS256 must need an RSA check");
    };
    assert_eq!(check.keys().len(), 1);
    assert_eq!(check.keys()[0].jwk_e(), "AQAB");
    assert!(rsa_signature_valid(&check));
    assert_eq!(
        oss_edge_core::grant::conclude_rsa(check, true)
            .unwrap()
            .as_str(),
        "user-7"
    );
    // A reported failure is a bad signature, whatever the claims say.
    let AuthStep::NeedsRsa(check) = a.begin(Some(&header), NOW).unwrap() else {
        panic!("RS256 must need an RSA check");
    };
    assert_eq!(
        oss_edge_core::grant::conclude_rsa(check, false),
        Err(AuthError::Jwt(JwtError::BadSignature))
    );
    // Claims are still checked after a valid signature.
    let AuthStep::NeedsRsa(check) = a.begin(Some(&header), NOW + 3600).unwrap() else {
        panic!("RS256 must need an RSA check");
    };
    assert!(matches!(
        oss_edge_core::grant::conclude_rsa(check, true),
        Err(AuthError::Jwt(JwtError::Expired { .. }))
    ));
    // HS256 and static tokens finish in the first step.
    let hs = format!("Bearer {}", encode_hs256(&claims(), HS_SECRET, None));
    assert!(matches!(
        a.begin(Some(&hs), NOW),
        Ok(AuthStep::Authenticated(_))
    ));
}
