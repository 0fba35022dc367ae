//! Presigned URLs round-trip through the verifier in every endpoint style, and tampering,
//! expiry and missing parameters are rejected with the right error (spec §6).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use oss_edge_core::sign::presign::verify::{
    PresignVerifyError, ReceivedRequest, split_path_style, verify_presigned,
};
use oss_edge_core::sign::presign::{
    PresignError, PresignOptions, PresignRequest, PresignedRequest, multipart, presign,
};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};

const NOW: i64 = 1_700_000_000;

fn region() -> Region {
    Region::parse("oss-cn-hangzhou").unwrap()
}

fn options(
    version: SignatureVersion,
    endpoint: Endpoint,
    credentials: Credentials,
) -> PresignOptions {
    PresignOptions {
        version,
        credentials,
        region: region(),
        endpoint,
        now: NOW,
        expires_in: 600,
    }
}

/// Splits a presigned URL the way the local stand-in receives it (path style).
fn receive<'a>(
    signed: &'a PresignedRequest,
    headers: &'a [(String, String)],
) -> ReceivedRequest<'a> {
    let after_host = &signed.url[signed.url.find("://").unwrap() + 3..];
    let target = &after_host[after_host.find('/').unwrap()..];
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (bucket, object) = split_path_style(path).unwrap();
    ReceivedRequest {
        method: &signed.method,
        bucket,
        raw_object_path: object,
        raw_query: query,
        headers,
    }
}

fn request() -> PresignRequest {
    PresignRequest::put("bkt", "dir/ünï cødé+%~ x.txt")
        .content_type("text/plain")
        .callback("eyJhIjoiYiJ9", Some("eyJ4OnVpZCI6IjEifQ=="))
}

fn local() -> Endpoint {
    Endpoint::parse("http://127.0.0.1:9000").unwrap()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn round_trips_v4_v1_with_and_without_sts() {
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        for credentials in [
            Credentials::new("ak", "sk"),
            Credentials::new("ak", "sk").with_security_token("tok/+="),
        ] {
            let signed =
                presign(&request(), &options(version, local(), credentials.clone())).unwrap();
            assert!(signed.url.starts_with("http://127.0.0.1:9000/bkt/dir/"));
            let verified = verify_presigned(
                &receive(&signed, &signed.headers),
                &credentials,
                &region(),
                NOW + 5,
            )
            .unwrap();
            assert_eq!(verified.version, version);
            assert_eq!(verified.key, "dir/ünï cødé+%~ x.txt");
            assert_eq!(verified.expires_at, NOW + 600);
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn endpoint_style_never_changes_the_signature() {
    let sig = |endpoint: Endpoint| {
        let url = presign(
            &request(),
            &options(SignatureVersion::V4, endpoint, Credentials::new("ak", "sk")),
        )
        .unwrap()
        .url;
        url[url.find("x-oss-signature=").unwrap()..].to_owned()
    };
    let virtual_host = sig(Endpoint::aliyun(&region()));
    assert_eq!(virtual_host, sig(local()));
    assert_eq!(
        virtual_host,
        sig(Endpoint::parse("https://files.example.com").unwrap())
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn tampering_expiry_and_missing_parameters() {
    let creds = Credentials::new("ak", "sk");
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let signed = presign(&request(), &options(version, local(), creds.clone())).unwrap();
        let good = receive(&signed, &signed.headers);
        let verify = |r: &ReceivedRequest<'_>, now| verify_presigned(r, &creds, &region(), now);

        // A browser that sends another Content-Type (or none) fails, as on OSS.
        let other_type = vec![("Content-Type".to_owned(), "text/html".to_owned())];
        assert_eq!(
            verify(
                &ReceivedRequest {
                    headers: &other_type,
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify(
                &ReceivedRequest {
                    headers: &[],
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify(
                &ReceivedRequest {
                    method: "GET",
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify(
                &ReceivedRequest {
                    raw_object_path: "/dir/other.txt",
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify(
                &ReceivedRequest {
                    bucket: "other",
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        let swapped_callback =
            good.raw_query
                .replacen("callback=eyJhIjoiYiJ9", "callback=eyJhIjoiYyJ9", 1);
        assert_eq!(
            verify(
                &ReceivedRequest {
                    raw_query: &swapped_callback,
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::SignatureMismatch)
        );
        assert!(matches!(
            verify(&good, NOW + 601),
            Err(PresignVerifyError::Expired { .. })
        ));
        assert!(matches!(
            verify_presigned(&good, &Credentials::new("other", "sk"), &region(), NOW),
            Err(PresignVerifyError::UnknownAccessKey(_))
        ));
        assert_eq!(
            verify_presigned(
                &good,
                &creds.clone().with_security_token("t"),
                &region(),
                NOW
            ),
            Err(PresignVerifyError::SecurityTokenMismatch)
        );
        let no_sig: String = good
            .raw_query
            .split('&')
            .filter(|p| !p.starts_with("x-oss-signature=") && !p.starts_with("Signature="))
            .collect::<Vec<_>>()
            .join("&");
        assert!(matches!(
            verify(
                &ReceivedRequest {
                    raw_query: &no_sig,
                    ..good.clone()
                },
                NOW
            ),
            Err(PresignVerifyError::MissingParameter(_))
        ));
    }
    let plain = ReceivedRequest {
        method: "PUT",
        bucket: "b",
        raw_object_path: "/k",
        raw_query: "uploads",
        headers: &[],
    };
    assert_eq!(
        verify_presigned(&plain, &creds, &region(), NOW),
        Err(PresignVerifyError::NotPresigned)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v4_expiry_range_and_scope_checks() {
    let creds = Credentials::new("ak", "sk");
    for seconds in [0, 604_801] {
        let mut opts = options(SignatureVersion::V4, local(), creds.clone());
        opts.expires_in = seconds;
        assert_eq!(
            presign(&request(), &opts),
            Err(PresignError::ExpiresOutOfRange { seconds })
        );
    }
    let mut opts = options(SignatureVersion::V4, local(), creds.clone());
    opts.expires_in = 604_800;
    let signed = presign(&request(), &opts).unwrap();
    let good = receive(&signed, &signed.headers);
    assert!(verify_presigned(&good, &creds, &region(), NOW + 604_800).is_ok());
    assert!(matches!(
        verify_presigned(&good, &creds, &Region::parse("cn-beijing").unwrap(), NOW),
        Err(PresignVerifyError::WrongRegion { .. })
    ));
    let too_long = good
        .raw_query
        .replace("x-oss-expires=604800", "x-oss-expires=604801");
    assert_eq!(
        verify_presigned(
            &ReceivedRequest {
                raw_query: &too_long,
                ..good.clone()
            },
            &creds,
            &region(),
            NOW
        ),
        Err(PresignVerifyError::ExpiresOutOfRange(604_801))
    );
    assert!(matches!(
        verify_presigned(&good, &creds, &region(), NOW - 3600),
        Err(PresignVerifyError::NotYetValid { .. })
    ));
    let reserved = request().query_param("x-oss-date", "x");
    assert!(matches!(
        presign(&reserved, &opts),
        Err(PresignError::ReservedParameter(_))
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn multipart_plan_verifies_end_to_end() {
    let creds = Credentials::new("ak", "sk");
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let opts = options(version, local(), creds.clone());
        let initiate = presign(
            &multipart::initiate("bkt", "big file.bin", Some("application/zip")),
            &opts,
        )
        .unwrap();
        assert_eq!(initiate.method, "POST");
        assert!(initiate.url.contains("/bkt/big%20file.bin?uploads&"));
        let plan = multipart::plan(
            "bkt",
            "big file.bin",
            "UPLOAD+ID/1=",
            3,
            Some("eyJhIjoiYiJ9"),
            None,
            &opts,
        )
        .unwrap();
        assert_eq!(plan.parts.len(), 3);
        assert!(
            plan.parts[2]
                .url
                .contains("partNumber=3&uploadId=UPLOAD%2BID%2F1%3D")
        );
        assert!(
            plan.complete
                .url
                .contains("uploadId=UPLOAD%2BID%2F1%3D&callback=eyJhIjoiYiJ9")
        );
        assert_eq!(
            plan.complete.headers,
            vec![("Content-Type".to_owned(), "application/xml".to_owned())]
        );
        for signed in std::iter::once(&initiate)
            .chain(&plan.parts)
            .chain([&plan.complete])
        {
            let received = receive(signed, &signed.headers);
            assert!(
                verify_presigned(&received, &creds, &region(), NOW).is_ok(),
                "{}",
                signed.url
            );
        }
    }
    let opts = options(SignatureVersion::V4, local(), creds);
    assert_eq!(
        multipart::plan("b", "k", "id", 0, None, None, &opts),
        Err(PresignError::InvalidPartNumber(0))
    );
    assert_eq!(
        multipart::upload_part("b", "k", "id", 10_001),
        Err(PresignError::InvalidPartNumber(10_001))
    );
}
