//! What every request handler shares.

use oss_edge_core::sign::{Credentials, Region};

use crate::callback::Caller;
use crate::cors::CorsRule;
use crate::storage::Store;

/// The sim's shared state.
#[derive(Debug)]
pub struct State {
    /// The one AccessKey accepted.
    pub credentials: Credentials,
    /// V4 scope region.
    pub region: Region,
    /// Buckets served.
    pub buckets: Vec<String>,
    /// Objects and uploads.
    pub store: Store,
    /// Makes callbacks.
    pub caller: Caller,
    /// The CORS rule of every bucket.
    pub cors: CorsRule,
    /// The callback public key, PEM, served at the key URL.
    pub public_key_pem: String,
    /// Largest object, bytes.
    pub max_object_bytes: u64,
    /// `HostId` in error bodies (the listen address).
    pub host_id: String,
    /// Print the access log.
    pub access_log: bool,
    /// Anonymous reads allowed (`--public-read`).
    pub public_read: bool,
}
