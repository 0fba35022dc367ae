//! Upload tickets: checking arbitrary text never panics, and a ticket is accepted only in its
//! one canonical spelling (minting its claims again gives back the same text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::ticket::{TicketKey, TicketKeyring, UploadFacts, check, mint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = TicketKey::new("k1", b"0123456789abcdef0123456789abcdef".to_vec()).expect("key");
    let mut keyring = TicketKeyring::new();
    keyring.insert(key.clone()).expect("insert");
    let facts = UploadFacts { bucket: None, object: None, size: None };
    if let Ok(verified) = check(text, &keyring, 0, &facts) {
        assert_eq!(mint(&verified.claims, &key).expect("re-mint"), text, "non-canonical ticket accepted");
    }
});
