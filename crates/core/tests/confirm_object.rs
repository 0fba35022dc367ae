//! Confirmation: OSS's HeadObject answers judged against the callback's claims, ListObjectsV2
//! pages read, and the id a HEAD and a listing give for the same object.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::confirm::{
    BucketTarget, Buckets, Claimed, ConfirmError, HeadAnswer, ListAnswer, ListEntry, ObjectFacts,
    event_id, judge_head, judge_list, judge_listing_entry, parse_list,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const ETAG: &str = "D8E8FCA2DC0F896FD7CB4CB0031BA249";
const KEY: &str = "uploads/20231114/alice/g1.png";

fn buckets() -> Buckets {
    Buckets::parse_json(
        r#"[{"name":"examplebucket","region":"cn-hangzhou"},
            {"name":"versioned-bucket","region":"cn-hangzhou","versioned":true}]"#,
    )
    .unwrap()
}

fn plain() -> BucketTarget {
    buckets().get("examplebucket").unwrap().clone()
}

fn versioned() -> BucketTarget {
    buckets().get("versioned-bucket").unwrap().clone()
}

/// The headers OSS sends for a stored PNG (names in OSS's own casing).
fn oss_headers() -> Vec<(String, String)> {
    [
        ("Server", "AliyunOSS"),
        ("Date", "Tue, 14 Nov 2023 22:13:21 GMT"),
        ("Content-Type", "image/png"),
        ("Content-Length", "53853"),
        ("Connection", "keep-alive"),
        ("x-oss-request-id", "6555F2A1E4B0D6393739D7B2"),
        ("Accept-Ranges", "bytes"),
        ("ETag", "\"D8E8FCA2DC0F896FD7CB4CB0031BA249\""),
        ("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ("x-oss-object-type", "Normal"),
        ("x-oss-hash-crc64ecma", "11782093538209634585"),
        ("x-oss-storage-class", "Standard"),
        ("Content-MD5", "2Oj8otwPiW/Xy0ywAxuiSQ=="),
        ("x-oss-server-time", "4"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect()
}

fn with(
    mut headers: Vec<(String, String)>,
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    if let Some(value) = value {
        headers.push((name.to_owned(), value.to_owned()));
    }
    headers
}

fn claimed() -> Claimed {
    Claimed {
        size: Some(53853),
        etag: Some(ETAG.into()),
        content_type: Some("image/png".into()),
    }
}

fn head(
    bucket: &BucketTarget,
    claimed: &Claimed,
    status: u16,
    headers: &[(String, String)],
) -> Result<ObjectFacts, ConfirmError> {
    judge_head(bucket, KEY, claimed, &HeadAnswer { status, headers })
}

#[test]
fn a_200_gives_the_buckets_facts() {
    let facts = head(&plain(), &claimed(), 200, &oss_headers()).unwrap();
    assert_eq!(
        facts,
        ObjectFacts {
            bucket: "examplebucket".into(),
            key: KEY.into(),
            size: 53853,
            etag: ETAG.into(),
            content_type: Some("image/png".into()),
            last_modified: Some(1_700_000_000),
            crc64: Some(11_782_093_538_209_634_585),
            version_id: None,
        }
    );
    assert_eq!(facts.event_id(), event_id("examplebucket", KEY, ETAG, None));
    // A recovery call claims nothing: the facts are the same.
    assert_eq!(
        head(&plain(), &Claimed::default(), 200, &oss_headers()).unwrap(),
        facts
    );
}

#[test]
fn claims_are_compared_as_oss_spells_them() {
    let lenient = Claimed {
        size: Some(53853),
        etag: Some(format!("\"{}\"", ETAG.to_ascii_lowercase())),
        content_type: Some("IMAGE/PNG; charset=binary".into()),
    };
    assert!(head(&plain(), &lenient, 200, &oss_headers()).is_ok());

    let cases: [(Claimed, &str, &str, &str); 4] = [
        (
            Claimed {
                size: Some(1),
                ..claimed()
            },
            "size",
            "1",
            "53853",
        ),
        (
            Claimed {
                etag: Some("00000000000000000000000000000000".into()),
                ..claimed()
            },
            "etag",
            "00000000000000000000000000000000",
            ETAG,
        ),
        (
            Claimed {
                content_type: Some("image/jpeg".into()),
                ..claimed()
            },
            "content_type",
            "image/jpeg",
            "image/png",
        ),
        (
            Claimed {
                content_type: Some("image/png".into()),
                ..claimed()
            },
            "content_type",
            "image/png",
            "",
        ),
    ];
    for (i, (claim, field, claimed_value, actual)) in cases.into_iter().enumerate() {
        let headers = if i == 3 {
            with(oss_headers(), "content-type", None)
        } else {
            oss_headers()
        };
        let error = head(&plain(), &claim, 200, &headers).unwrap_err();
        assert_eq!(
            error,
            ConfirmError::Mismatch {
                field,
                claimed: claimed_value.into(),
                actual: actual.into()
            }
        );
        assert_eq!(
            (error.code(), error.http_status()),
            ("object_mismatch", 409)
        );
        assert!(!error.is_transient());
        assert!(error.to_string().contains(field), "{error}");
    }
}

#[test]
fn statuses_say_who_must_act() {
    // (status, headers, code, our HTTP status, transient)
    type Case = (
        u16,
        &'static [(&'static str, &'static str)],
        &'static str,
        u16,
        bool,
    );
    let cases: [Case; 9] = [
        (404, &[], "object_not_found", 404, false),
        (
            403,
            &[("x-oss-ec", "0003-00000001")],
            "confirmation_denied",
            502,
            false,
        ),
        (401, &[], "confirmation_denied", 502, false),
        (408, &[], "confirmation_unavailable", 503, true),
        (429, &[], "confirmation_unavailable", 503, true),
        (500, &[], "confirmation_unavailable", 503, true),
        (
            503,
            &[("x-oss-ec", "0002-00000503")],
            "confirmation_unavailable",
            503,
            true,
        ),
        (400, &[], "confirmation_malformed", 502, false),
        (304, &[], "confirmation_malformed", 502, false),
    ];
    for (status, headers, code, http, transient) in cases {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).into(), (*v).into()))
            .collect();
        let error = head(&plain(), &claimed(), status, &headers).unwrap_err();
        assert_eq!(error.code(), code, "{status}");
        assert_eq!(error.http_status(), http, "{status}");
        assert_eq!(error.is_transient(), transient, "{status}");
        assert!(error.to_string().len() > 20, "{status}: {error}");
    }
    assert_eq!(
        head(
            &plain(),
            &claimed(),
            403,
            &[("X-Oss-Ec".into(), "0003-00000001".into())]
        )
        .unwrap_err(),
        ConfirmError::Denied {
            status: 403,
            code: Some("0003-00000001".into())
        }
    );
    assert!(
        head(&plain(), &claimed(), 403, &[])
            .unwrap_err()
            .to_string()
            .contains("oss:GetObject")
    );
    assert_eq!(
        head(&plain(), &claimed(), 404, &[]).unwrap_err(),
        ConfirmError::NotFound {
            bucket: "examplebucket".into(),
            key: KEY.into()
        }
    );
    let unreachable = ConfirmError::unreachable("connection reset");
    assert!(unreachable.is_transient());
    assert_eq!(unreachable.code(), "confirmation_unavailable");
    let not_configured = buckets().target("someone-elses-bucket").unwrap_err();
    assert_eq!(
        (not_configured.code(), not_configured.http_status()),
        ("bucket_not_configured", 403)
    );
}

#[test]
fn a_200_that_is_not_oss_is_malformed() {
    let cases: [(&str, Option<&str>); 11] = [
        ("content-length", None),
        ("content-length", Some("")),
        ("content-length", Some("-1")),
        ("content-length", Some("1 2")),
        ("content-length", Some("0x10")),
        ("etag", None),
        ("etag", Some("\"\"")),
        ("etag", Some("\"A B\"")),
        ("last-modified", Some("2023-11-14T22:13:20Z")),
        ("x-oss-hash-crc64ecma", Some("18446744073709551616")),
        ("x-oss-hash-crc64ecma", Some("abc")),
    ];
    for (name, value) in cases {
        let error = head(
            &plain(),
            &Claimed::default(),
            200,
            &with(oss_headers(), name, value),
        )
        .unwrap_err();
        assert_eq!(
            error.code(),
            "confirmation_malformed",
            "{name}={value:?}: {error}"
        );
    }
    let mut twice = oss_headers();
    twice.push(("content-length".into(), "1".into()));
    let error = head(&plain(), &Claimed::default(), 200, &twice).unwrap_err();
    assert!(error.to_string().contains("more than once"), "{error}");
    // Optional headers may be absent.
    let sparse = with(
        with(
            with(oss_headers(), "last-modified", None),
            "x-oss-hash-crc64ecma",
            None,
        ),
        "content-type",
        None,
    );
    let facts = head(&plain(), &Claimed::default(), 200, &sparse).unwrap();
    assert_eq!(
        (facts.last_modified, facts.crc64, facts.content_type),
        (None, None, None)
    );
}

#[test]
fn version_ids_count_only_for_versioned_buckets() {
    let version = "CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjE4NDQ4MjJm";
    let headers = with(oss_headers(), "x-oss-version-id", Some(version));
    let facts = head(&versioned(), &claimed(), 200, &headers).unwrap();
    assert_eq!(facts.version_id.as_deref(), Some(version));
    assert_eq!(
        facts.event_id(),
        event_id("versioned-bucket", KEY, ETAG, Some(version))
    );
    let error = head(&versioned(), &claimed(), 200, &oss_headers()).unwrap_err();
    assert!(
        error.to_string().contains("\"versioned\": false"),
        "{error}"
    );
    // Not configured as versioned: the header is not read, so HEAD and listing agree.
    let facts = head(&plain(), &claimed(), 200, &headers).unwrap();
    assert_eq!(facts.version_id, None);
}

/// A page as OSS writes it for `encoding-type=url` (keys with a space, `+`, `%` and Chinese).
const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
  <Name>examplebucket</Name>
  <Prefix>uploads%2F20231114%2F</Prefix>
  <MaxKeys>2</MaxKeys>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>Ch11cGxvYWRzLzIwMjMxMTE0L2JvYi9nMi5wbmcQAA--</NextContinuationToken>
  <KeyCount>2</KeyCount>
  <Contents>
    <Key>uploads%2F20231114%2Falice%2Fg1.png</Key>
    <LastModified>2023-11-14T22:13:20.000Z</LastModified>
    <ETag>&quot;D8E8FCA2DC0F896FD7CB4CB0031BA249&quot;</ETag>
    <Type>Normal</Type>
    <Size>53853</Size>
    <StorageClass>Standard</StorageClass>
  </Contents>
  <Contents>
    <Key>uploads%2F20231114%2Fbob%2Fa%20b%2Bc%25%E4%B8%AD.png</Key>
    <LastModified>2023-11-14T22:14:00.000Z</LastModified>
    <ETag>&quot;5B3A1E2F0C9D8E7F6A5B4C3D2E1F0A9B-2&quot;</ETag>
    <Type>Multipart</Type>
    <Size>10485760</Size>
    <StorageClass>Standard</StorageClass>
    <Owner><ID>1234</ID><DisplayName>1234</DisplayName></Owner>
  </Contents>
</ListBucketResult>"#;

#[test]
fn a_listing_page_is_read_and_decoded() {
    let page = parse_list(PAGE.as_bytes()).unwrap();
    assert_eq!(
        page.next_continuation.as_deref(),
        Some("Ch11cGxvYWRzLzIwMjMxMTE0L2JvYi9nMi5wbmcQAA--")
    );
    assert_eq!(
        page.entries,
        vec![
            ListEntry {
                key: KEY.into(),
                size: 53853,
                etag: ETAG.into(),
                last_modified: Some(1_700_000_000),
            },
            ListEntry {
                key: "uploads/20231114/bob/a b+c%中.png".into(),
                size: 10_485_760,
                etag: "5B3A1E2F0C9D8E7F6A5B4C3D2E1F0A9B-2".into(),
                last_modified: Some(1_700_000_040),
            },
        ]
    );
    let last = PAGE
        .replace("<IsTruncated>true", "<IsTruncated>false")
        .replace("<EncodingType>url</EncodingType>", "");
    let page = parse_list(last.as_bytes()).unwrap();
    assert_eq!(page.next_continuation, None);
    assert_eq!(
        page.entries[0].key, "uploads%2F20231114%2Falice%2Fg1.png",
        "not URL-encoded: kept as is"
    );
    let empty = r#"<ListBucketResult><Name>examplebucket</Name><Prefix></Prefix><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>"#;
    assert_eq!(parse_list(empty.as_bytes()).unwrap().entries, vec![]);
}

#[test]
fn a_listing_that_is_not_oss_is_refused() {
    let cases: [(String, &str); 14] = [
        (PAGE.replace("ListBucketResult", "ListAllMyBucketsResult"), "list_unexpected_shape"),
        (PAGE.replace("<IsTruncated>true</IsTruncated>", ""), "list_unexpected_shape"),
        (PAGE.replace("<IsTruncated>true", "<IsTruncated>True"), "list_unexpected_shape"),
        (
            PAGE.replace("<NextContinuationToken>Ch11cGxvYWRzLzIwMjMxMTE0L2JvYi9nMi5wbmcQAA--</NextContinuationToken>", ""),
            "list_unexpected_shape",
        ),
        (PAGE.replace("<Size>53853</Size>", "<Size>-1</Size>"), "list_unexpected_shape"),
        (PAGE.replace("<Size>53853</Size>", ""), "list_unexpected_shape"),
        (PAGE.replace("<Size>53853</Size>", "<Size>1</Size><Size>2</Size>"), "list_unexpected_shape"),
        (PAGE.replace("&quot;D8E8FCA2DC0F896FD7CB4CB0031BA249&quot;", ""), "list_unexpected_shape"),
        (PAGE.replace("alice%2Fg1", "alice%2g1"), "list_unexpected_shape"),
        (PAGE.replace("alice%2Fg1", "alice%FF"), "list_unexpected_shape"),
        (PAGE.replace("<EncodingType>url", "<EncodingType>base64"), "list_unexpected_shape"),
        (PAGE.replace("2023-11-14T22:13:20.000Z", "yesterday"), "list_unexpected_shape"),
        (PAGE.replace("</ListBucketResult>", ""), "list_not_xml"),
        (PAGE.replace("&quot;D8E8", "&bogus;D8E8"), "list_not_xml"),
    ];
    for (body, code) in cases {
        let error = parse_list(body.as_bytes()).unwrap_err();
        assert_eq!(error.code(), code, "{error}");
    }
    assert_eq!(
        parse_list(&[0xff, 0xfe]).unwrap_err().code(),
        "list_not_utf8"
    );
    let huge = vec![b' '; oss_edge_core::confirm::list::MAX_LIST_BYTES + 1];
    assert_eq!(parse_list(&huge).unwrap_err().code(), "list_too_large");
}

#[test]
fn judging_a_listing_answer() {
    let bucket = plain();
    let ok = judge_list(
        &bucket,
        &ListAnswer {
            status: 200,
            headers: &[],
            body: PAGE.as_bytes(),
        },
    )
    .unwrap();
    assert_eq!(ok.entries.len(), 2);
    let other = plain_named("otherbucket");
    let error = judge_list(
        &other,
        &ListAnswer {
            status: 200,
            headers: &[],
            body: PAGE.as_bytes(),
        },
    )
    .unwrap_err();
    assert_eq!(error.code(), "confirmation_malformed");
    assert!(error.to_string().contains("otherbucket"), "{error}");
    let no_bucket = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message><BucketName>examplebucket</BucketName></Error>"#;
    assert_eq!(
        judge_list(
            &bucket,
            &ListAnswer {
                status: 404,
                headers: &[],
                body: no_bucket
            }
        )
        .unwrap_err(),
        ConfirmError::Denied {
            status: 404,
            code: Some("NoSuchBucket".into())
        }
    );
    let throttled = judge_list(
        &bucket,
        &ListAnswer {
            status: 503,
            headers: &[],
            body: b"",
        },
    )
    .unwrap_err();
    assert!(throttled.is_transient());
}

fn plain_named(name: &str) -> BucketTarget {
    BucketTarget {
        name: name.into(),
        ..plain()
    }
}

#[test]
fn a_listing_and_a_head_of_the_same_object_share_the_id() {
    let bucket = plain();
    let page = parse_list(PAGE.as_bytes()).unwrap();
    let listed = judge_listing_entry(&bucket, &page.entries[0]);
    let headed = head(&bucket, &Claimed::default(), 200, &oss_headers()).unwrap();
    assert_eq!(listed.event_id(), headed.event_id());
    assert_eq!(
        (listed.size, &listed.etag, listed.last_modified),
        (headed.size, &headed.etag, headed.last_modified)
    );
    // Another object of the page has another id.
    assert_ne!(
        judge_listing_entry(&bucket, &page.entries[1]).event_id(),
        headed.event_id()
    );
}
