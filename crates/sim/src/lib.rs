//! # oss-sim
//!
//! A native local stand-in for an Alibaba Cloud OSS bucket endpoint, for development and
//! end-to-end tests only (never shipped to the edge). It implements what oss-edge uses —
//! PostObject, presigned PutObject, multipart uploads, GET/HEAD, CORS and upload callbacks —
//! and decides every OSS rule with `oss-edge-core` (signatures, policies, callback parameters,
//! body rendering, callback signing, reply judgement, ETag and CRC-64). See docs/oss-sim.md.
//!
//! One concern per module:
//! - [`config`]: flags, environment, defaults; [`server`]: the HTTP server and [`Sim`];
//! - [`route`]: bucket, key and operation of a request; [`ops`]: one module per operation group;
//! - [`error`] and [`xml`]: OSS's XML; [`multipart`]: the form parser; [`storage`] and
//!   [`facts`]: objects on disk and what OSS computes about them;
//! - [`callback`] and [`http_client`]: calling back as OSS does; [`cors`]; [`log`]; [`ids`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod callback;
pub mod config;
pub mod cors;
pub mod error;
pub mod facts;
pub mod http;
pub mod http_client;
pub mod ids;
pub mod log;
pub mod multipart;
pub mod ops;
pub mod route;
pub mod server;
pub mod state;
pub mod storage;
pub mod xml;

pub use config::{Args, Config};
pub use server::{Sim, StartError};
