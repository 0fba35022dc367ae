//! The upload ticket: the signer's own HMAC-SHA256 proof that it granted an upload, carried in
//! the callback URL's query (which OSS's signature covers).
