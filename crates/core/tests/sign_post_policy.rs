//! PostObject: the builder's forms are accepted by the evaluator and signature check, and every
//! condition type, every tampered field and expiry are rejected (spec §5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use oss_edge_core::encoding::base64_encode;
use oss_edge_core::sign::post_policy::{
    Condition, FailureReason, PolicyError, PolicyInput, PostAuthError, PostForm, PostPolicyBuilder,
    PostRejection, Submission, check_post, evaluate,
};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};

const NOW: i64 = 1_700_000_000;
const CALLBACK: &str = "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9leGFtcGxlLmNvbSJ9";

fn region() -> Region {
    Region::parse("cn-hangzhou").unwrap()
}

fn creds() -> Credentials {
    Credentials::new("ak", "sk")
}

fn form(version: SignatureVersion, credentials: &Credentials) -> PostForm {
    PostPolicyBuilder::new("examplebucket", NOW + 3600)
        .key_starts_with("user-dir/")
        .content_length_range(1, 1000)
        .content_type_in(&["image/png", "image/jpeg"])
        .success_action_status(201)
        .forbid_overwrite(true)
        .condition(Condition::NotIn {
            field: "Cache-Control".into(),
            values: vec!["no-cache".into()],
        })
        .callback(CALLBACK)
        .custom_var("x:uid", "42")
        .sign(
            version,
            credentials,
            &region(),
            &Endpoint::aliyun(&region()),
            NOW,
        )
        .unwrap()
}

/// What a browser posts: the fixed fields plus its choices for key and Content-Type.
fn submitted(form: &PostForm) -> Vec<(String, String)> {
    let mut fields = form.fixed_fields();
    fields.push(("key".into(), "user-dir/cat.png".into()));
    fields.push(("content-type".into(), "image/png".into()));
    fields
}

fn check(
    fields: &[(String, String)],
    size: u64,
    credentials: &Credentials,
    now: i64,
) -> Result<SignatureVersion, PostRejection> {
    let submission = Submission {
        bucket: "examplebucket",
        fields,
        file_size: size,
    };
    check_post(&submission, credentials, &region(), now)
}

fn failed_condition(result: Result<SignatureVersion, PostRejection>) -> (String, FailureReason) {
    match result {
        Err(PostRejection::Policy(PolicyError::ConditionFailed {
            condition, reason, ..
        })) => (condition.field().to_ascii_lowercase(), reason),
        other => panic!("expected a failed condition, got {other:?}"),
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn built_forms_are_accepted_v4_v1_and_sts() {
    let sts = creds().with_security_token("token");
    for (version, credentials) in [
        (SignatureVersion::V4, creds()),
        (SignatureVersion::V1, creds()),
        (SignatureVersion::V4, sts.clone()),
        (SignatureVersion::V1, sts),
    ] {
        let form = form(version, &credentials);
        assert_eq!(
            check(&submitted(&form), 10, &credentials, NOW + 10),
            Ok(version)
        );
        assert!(matches!(
            form.fields.last(),
            Some(oss_edge_core::sign::post_policy::FormField::File)
        ));
        assert_eq!(
            form.url,
            "https://examplebucket.oss-cn-hangzhou.aliyuncs.com"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_condition_type_can_fail() {
    let form = form(SignatureVersion::V4, &creds());
    let with = |name: &str, value: &str| {
        let mut fields: Vec<(String, String)> = submitted(&form)
            .into_iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .collect();
        fields.push((name.to_owned(), value.to_owned()));
        fields
    };
    // starts-with
    let (field, _) = failed_condition(check(&with("key", "other/cat.png"), 10, &creds(), NOW));
    assert_eq!(field, "key");
    // in
    let (field, _) = failed_condition(check(&with("Content-Type", "text/html"), 10, &creds(), NOW));
    assert_eq!(field, "content-type");
    // not-in
    let (field, _) = failed_condition(check(&with("Cache-Control", "no-cache"), 10, &creds(), NOW));
    assert_eq!(field, "cache-control");
    // eq
    let (field, _) = failed_condition(check(
        &with("success_action_status", "200"),
        10,
        &creds(),
        NOW,
    ));
    assert_eq!(field, "success_action_status");
    // exact map (callback binding)
    let (field, _) = failed_condition(check(&with("callback", "e30="), 10, &creds(), NOW));
    assert_eq!(field, "callback");
    // content-length-range, both ends
    for size in [0, 1001] {
        let (field, reason) = failed_condition(check(&submitted(&form), size, &creds(), NOW));
        assert_eq!(field, "content-length-range");
        assert_eq!(reason, FailureReason::SizeOutOfRange { size });
    }
    // bucket
    let submission = Submission {
        bucket: "otherbucket",
        fields: &submitted(&form),
        file_size: 10,
    };
    assert!(matches!(
        check_post(&submission, &creds(), &region(), NOW),
        Err(PostRejection::Policy(PolicyError::ConditionFailed {
            index: 0,
            ..
        }))
    ));
    // a field the policy names but the form lacks
    let without: Vec<(String, String)> = submitted(&form)
        .into_iter()
        .filter(|(n, _)| n != "callback")
        .collect();
    let (field, reason) = failed_condition(check(&without, 10, &creds(), NOW));
    assert_eq!(
        (field.as_str(), reason),
        ("callback", FailureReason::MissingField)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn tampering_any_fixed_field_is_rejected() {
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let form = form(version, &creds());
        let good = submitted(&form);
        for (i, (name, value)) in good.iter().enumerate() {
            if name.starts_with("x:") || name.eq_ignore_ascii_case("key") || name == "content-type"
            {
                continue; // client-chosen or unbound by design (spec §1.5)
            }
            let mut fields = good.clone();
            fields[i].1 = format!("{value}x");
            assert!(
                check(&fields, 10, &creds(), NOW).is_err(),
                "{version}: changing {name} went unnoticed"
            );
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn expiry_clock_skew_and_credentials() {
    let form = form(SignatureVersion::V4, &creds());
    let fields = submitted(&form);
    assert!(matches!(
        check(&fields, 10, &creds(), NOW + 3600),
        Err(PostRejection::Policy(PolicyError::Expired { .. }))
    ));
    assert_eq!(
        check(&fields, 10, &creds(), NOW - 3600),
        Err(PostRejection::Auth(PostAuthError::NotYetValid))
    );
    assert_eq!(
        check(&fields, 10, &Credentials::new("ak", "other"), NOW),
        Err(PostRejection::Auth(PostAuthError::SignatureMismatch))
    );
    assert!(matches!(
        check(&fields, 10, &Credentials::new("other", "sk"), NOW),
        Err(PostRejection::Auth(PostAuthError::UnknownAccessKey(_)))
    ));
    assert_eq!(
        check(&fields, 10, &creds().with_security_token("t"), NOW),
        Err(PostRejection::Auth(PostAuthError::SecurityTokenMismatch))
    );
    let unsigned: Vec<(String, String)> = fields
        .iter()
        .filter(|(n, _)| !n.starts_with("x-oss-"))
        .cloned()
        .collect();
    assert_eq!(
        check(&unsigned, 10, &creds(), NOW),
        Err(PostRejection::Auth(PostAuthError::Unsigned))
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn malformed_policies_are_errors() {
    let form_fields: Vec<(String, String)> = vec![("key".into(), "k".into())];
    let submission = Submission {
        bucket: "b",
        fields: &form_fields,
        file_size: 1,
    };
    let eval = |json: &str| evaluate(PolicyInput::Json(json), &submission, NOW).map(|_| ());
    let exp = r#""expiration":"2030-01-01T00:00:00Z""#;
    assert!(matches!(
        eval(&format!(
            r#"{{{exp},"conditions":[["ends-with","$key","k"]]}}"#
        )),
        Err(PolicyError::UnknownOperator { index: 0, .. })
    ));
    for bad in [
        r#"["$key"]"#,
        r#""key""#,
        r#"{"a":"1","b":"2"}"#,
        r#"["in","$key","k"]"#,
    ] {
        assert!(
            matches!(
                eval(&format!(r#"{{{exp},"conditions":[{bad}]}}"#)),
                Err(PolicyError::MalformedCondition { index: 0, .. })
            ),
            "{bad}"
        );
    }
    assert_eq!(
        eval(&format!(r#"{{{exp},"conditions":{{}}}}"#)),
        Err(PolicyError::ConditionsNotArray)
    );
    assert_eq!(
        eval(r#"{"conditions":[]}"#),
        Err(PolicyError::BadExpiration)
    );
    assert_eq!(eval("[]"), Err(PolicyError::NotAnObject));
    assert!(matches!(eval("{"), Err(PolicyError::NotJson(_))));
    assert_eq!(
        evaluate(PolicyInput::Base64("%%%"), &submission, NOW).map(|_| ()),
        Err(PolicyError::NotBase64)
    );
    let ok = format!(r#"{{{exp},"conditions":[["eq","$KEY","k"],{{"bucket":"b"}}]}}"#);
    assert_eq!(
        evaluate(
            PolicyInput::Base64(&base64_encode(ok.as_bytes())),
            &submission,
            NOW
        )
        .map(|_| ()),
        Ok(())
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn builder_refuses_unsignable_policies() {
    use oss_edge_core::sign::post_policy::PostPolicyError;
    let sign = |builder: PostPolicyBuilder| {
        builder.sign(
            SignatureVersion::V4,
            &creds(),
            &region(),
            &Endpoint::aliyun(&region()),
            NOW,
        )
    };
    assert!(matches!(
        sign(PostPolicyBuilder::new("b", NOW)),
        Err(PostPolicyError::ExpirationNotInFuture { .. })
    ));
    assert!(matches!(
        sign(PostPolicyBuilder::new("b", NOW + 8 * 86_400)),
        Err(PostPolicyError::ExpirationTooFar { .. })
    ));
    assert!(matches!(
        sign(PostPolicyBuilder::new("b", NOW + 60).content_length_range(5, 1)),
        Err(PostPolicyError::InvalidLengthRange { .. })
    ));
    assert!(matches!(
        sign(PostPolicyBuilder::new("b", NOW + 60).custom_var("uid", "1")),
        Err(PostPolicyError::InvalidCustomVariable(_))
    ));
}
