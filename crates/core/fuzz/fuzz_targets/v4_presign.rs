//! V4 canonical requests: presigning arbitrary keys and content types never panics, and every
//! URL we sign verifies with our own presign verifier (the local OSS stand-in's check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::sign::presign::verify::{ReceivedRequest, verify_presigned};
use oss_edge_core::sign::presign::{PresignOptions, PresignRequest, presign};
use oss_edge_core::sign::{Credentials, Endpoint, Region, SignatureVersion};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (key, content_type) = text.split_once('\0').unwrap_or((text, "text/plain"));
    if key.is_empty() || content_type.contains(['\r', '\n']) {
        return;
    }
    let region = Region::parse("cn-hangzhou").expect("region");
    let credentials = Credentials::new("ak", "sk");
    for version in [SignatureVersion::V4, SignatureVersion::V1] {
        let options = PresignOptions {
            version,
            credentials: credentials.clone(),
            region: region.clone(),
            endpoint: Endpoint::path_style("http://127.0.0.1:9000").expect("endpoint"),
            now: 1_700_000_000,
            expires_in: 600,
        };
        let request = PresignRequest::put("examplebucket", key).content_type(content_type.trim());
        let Ok(signed) = presign(&request, &options) else { continue };
        let after_host = signed.url.splitn(4, '/').nth(3).unwrap_or("");
        let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
        let object_path = path.strip_prefix("examplebucket").unwrap_or(path);
        let headers: Vec<(String, String)> = signed.headers.clone();
        let received = ReceivedRequest { method: "PUT", bucket: "examplebucket", raw_object_path: object_path, raw_query: query, headers: &headers };
        if let Err(e) = verify_presigned(&received, &credentials, &region, 1_700_000_100) {
            panic!("{version:?} URL for key {key:?} does not verify: {e}\n{}", signed.url);
        }
    }
});
