//! # oss-edge-worker-support
//!
//! The Worker glue the oss-edge Workers share, so each job has one implementation
//! (DESIGN.md): reading configuration from the Worker's `Env` (`env`), RSA arithmetic by the
//! runtime's `BigInt` (`bigint_rsa`), the queue shards an event goes to ([`shard`]), requests
//! to OSS as the core built them (`fetch`), request bodies within a limit and JSON replies
//! (`http`), and JavaScript errors and timeouts (`js`). Decisions stay in `oss-edge-core` and
//! in each Worker's pure modules; this crate only moves values.
//!
//! Everything but [`shard`] and [`url`] is wasm32-only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod bigint_rsa;
#[cfg(target_arch = "wasm32")]
pub mod env;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod http;
#[cfg(target_arch = "wasm32")]
pub mod js;
pub mod shard;
pub mod url;
