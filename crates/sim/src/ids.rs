//! Random identifiers: request ids (`x-oss-request-id`) and multipart upload ids.

/// Upper-case hex of `N` random bytes; falls back to a time-and-counter mix if the OS random
/// source fails (ids only need to be unique, not secret).
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        fallback(&mut bytes);
    }
    let mut out = String::with_capacity(N * 2);
    for byte in bytes {
        out.push_str(&format!("{byte:02X}"));
    }
    out
}

fn fallback(bytes: &mut [u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mixed = nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 64;
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (mixed >> ((i % 16) * 8)) as u8;
    }
}

/// A request id as OSS writes it: 24 upper-case hex characters (spec §2.1).
pub fn request_id() -> String {
    random_hex::<12>()
}

/// A version id (`x-oss-version-id`) for versioned buckets: 40 upper-case hex characters.
pub fn version_id() -> String {
    random_hex::<20>()
}

/// A multipart upload id: 32 upper-case hex characters.
pub fn upload_id() -> String {
    random_hex::<16>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = request_id();
        assert_eq!(id.len(), 24);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        );
        assert_ne!(id, request_id());
        assert_eq!(upload_id().len(), 32);
    }
}
