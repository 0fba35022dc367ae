//! `GET /healthz`: what is configured, never a secret.

use serde_json::{Value, json};

use crate::config::{Config, ConfigError};
use crate::{QUEUE_BINDING, SERVICE};

/// The health body for a usable configuration.
pub fn health(config: &Config) -> Value {
    json!({
        "service": SERVICE,
        "version": env!("CARGO_PKG_VERSION"),
        "status": "ok",
        "environment": config.environment.name(),
        "ticket_mode": if config.require_ticket { "required" } else { "optional" },
        "ticket_key_ids": config.ticket_keys.kids().collect::<Vec<_>>(),
        "trusted_key_urls": config.trusted_keys.iter().map(|k| k.url.as_str()).collect::<Vec<_>>(),
        "max_body_bytes": config.verify.max_body_bytes,
        "allowed_path_prefixes": config.allowed_path_prefixes,
        "confirm_objects": config.confirms(),
        "buckets": config.buckets.as_ref().map(|b| b.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()),
        "recover_path": crate::route::RECOVER_PATH,
        "cors_allowed_origins": config.cors_allowed_origins,
        "queue_binding": QUEUE_BINDING,
        "debug": config.debug,
    })
}

/// The health body when the configuration is unusable (served with status 500).
pub fn unhealthy(error: &ConfigError) -> Value {
    json!({
        "service": SERVICE,
        "version": env!("CARGO_PKG_VERSION"),
        "status": "misconfigured",
        "error": "misconfigured",
        "message": error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_key_ids_not_secrets() {
        let secret = "0123456789abcdef0123456789abcdef";
        let config = Config::from_lookup(
            &|name| match name {
                crate::VAR_TICKET_KEYS => Some(format!("k1:{secret}")),
                crate::VAR_BUCKETS => Some(r#"[{"name":"bkt","region":"cn-hangzhou"}]"#.into()),
                crate::VAR_CONFIRM_ACCESS_KEY_ID => Some("ak".into()),
                crate::VAR_CONFIRM_ACCESS_KEY_SECRET => Some("confirm-secret".into()),
                _ => None,
            },
            &oss_edge_core::callback::software_rsa::SOFTWARE_RSA,
        )
        .unwrap();
        let body = health(&config).to_string();
        assert!(body.contains("\"k1\""));
        assert!(!body.contains(secret));
        assert!(body.contains("https://gosspublic.alicdn.com/callback_pub_key_v1.pem"));
        assert!(body.contains("\"required\""));
        assert!(!body.contains("confirm-secret"));
        assert!(body.contains("\"bkt\""));
    }
}
