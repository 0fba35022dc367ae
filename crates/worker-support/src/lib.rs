//! # oss-edge-worker-support
//!
//! The Worker glue every oss-edge Worker shares, so each job has one implementation
//! (DESIGN.md): reading configuration from the Worker's `Env`, and RSA arithmetic by the
//! runtime's `BigInt` (`bigint_rsa`). Decisions stay in
//! `oss-edge-core` and in each Worker's pure modules; this crate only moves values.
//!
//! Everything here is wasm32-only; on the host the crate is empty.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod bigint_rsa;
#[cfg(target_arch = "wasm32")]
pub mod env;
