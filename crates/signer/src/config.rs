//! Worker variables and secrets → the core's [`RawConfig`], by the names in the crate root.
//! Validation is the core's ([`SignerConfig::from_raw`](oss_edge_core::grant::SignerConfig::from_raw)).
//!
//! At the edge, `lookup` is `oss_edge_worker_support::env::lookup`, the one every Worker
//! shares: an unquoted TOML number (`MAX_UPLOAD_BYTES = 10485760`) arrives as its text, not as
//! "unset", so it can never silently fall back to a default.

use oss_edge_core::grant::RawConfig;

use crate::*;

/// Reads every variable through `lookup` (which returns `None` for unset names).
pub fn raw_config(lookup: impl Fn(&str) -> Option<String>) -> RawConfig {
    RawConfig {
        environment: lookup(VAR_ENVIRONMENT),
        bucket: lookup(VAR_BUCKET),
        region: lookup(VAR_REGION),
        endpoint: lookup(VAR_ENDPOINT),
        signature_version: lookup(VAR_SIGNATURE_VERSION),
        access_key_id: lookup(SECRET_ACCESS_KEY_ID),
        access_key_secret: lookup(SECRET_ACCESS_KEY_SECRET),
        session_token: lookup(SECRET_SESSION_TOKEN),
        callback_url: lookup(VAR_CALLBACK_URL),
        ticket_keys: lookup(SECRET_TICKET_KEYS),
        auth_mode: lookup(VAR_AUTH_MODE),
        bearer_tokens: lookup(SECRET_BEARER_TOKENS),
        jwt_hs256_secrets: lookup(SECRET_JWT_HS256_SECRETS),
        jwt_rs256_public_keys: lookup(VAR_JWT_RS256_PUBLIC_KEYS),
        jwt_issuer: lookup(VAR_JWT_ISSUER),
        jwt_audience: lookup(VAR_JWT_AUDIENCE),
        jwt_leeway_seconds: lookup(VAR_JWT_LEEWAY_SECONDS),
        jwt_max_lifetime_seconds: lookup(VAR_JWT_MAX_LIFETIME_SECONDS),
        max_upload_bytes: lookup(VAR_MAX_UPLOAD_BYTES),
        allowed_content_types: lookup(VAR_ALLOWED_CONTENT_TYPES),
        grant_ttl_seconds: lookup(VAR_GRANT_TTL_SECONDS),
        grant_max_ttl_seconds: lookup(VAR_GRANT_MAX_TTL_SECONDS),
        key_template: lookup(VAR_KEY_TEMPLATE),
        multipart_part_size: lookup(VAR_MULTIPART_PART_SIZE),
        cors_allowed_origins: lookup(VAR_CORS_ALLOWED_ORIGINS),
        upload_allowance_seconds: lookup(VAR_UPLOAD_ALLOWANCE_SECONDS),
        recover_url: lookup(VAR_RECOVER_URL),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn every_core_field_is_read_by_its_documented_name() {
        let raw = raw_config(|name| Some(format!("<{name}>")));
        let text = format!("{raw:?}");
        for name in CONFIG_VARS.iter().filter(|n| **n != VAR_DEBUG) {
            assert!(text.contains(&format!("<{name}>")), "{name} is not read");
        }
        let docs = include_str!("../../../docs/signer.md");
        for name in CONFIG_VARS {
            assert!(
                docs.contains(&format!("`{name}`")),
                "{name} is not documented"
            );
        }
    }
}
