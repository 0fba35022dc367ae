//! # oss-edge-core
//!
//! The sans-IO core of oss-edge: everything that can be wrong about Alibaba Cloud OSS lives here,
//! as pure functions over bytes and values. No Worker, no network, no clock: the current time and
//! random bytes are parameters, so every decision is deterministic and testable natively and in
//! `wasm32-unknown-unknown`.
//!
//! Section references (`spec §N`) point into `shared/spec/oss-upload-callback.md`.
//!
//! - [`callback`]: proving that a callback request came from OSS ([`callback::verify()`]) and
//!   turning its body into a typed [`callback::UploadEvent`]; building callback parameters.
//! - [`confirm`]: confirming an upload in the bucket (signed HeadObject / ListObjectsV2 and the
//!   judgement of the answer); the object-derived event id.
//! - [`sign`]: PostObject policies and presigned URLs (V4 and legacy V1).
//! - [`grant`]: who may upload what: authentication, object keys, limits and building grants.
//! - [`object`]: what OSS computes for a stored object (ETag, CRC-64, Content-MD5).
//! - [`ticket`]: the signer's own HMAC upload ticket carried in the callback URL.
//! - [`encoding`] and [`time`]: the small codecs the rest is built from.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod callback;
pub mod confirm;
pub mod encoding;
pub mod grant;
pub mod object;
pub mod reconcile;
pub mod sign;
pub mod ticket;
pub mod time;
