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
        let config = Config::from_lookup(&|name| {
            (name == crate::VAR_TICKET_KEYS).then(|| format!("k1:{secret}"))
        })
        .unwrap();
        let body = health(&config).to_string();
        assert!(body.contains("\"k1\""));
        assert!(!body.contains(secret));
        assert!(body.contains("https://gosspublic.alicdn.com/callback_pub_key_v1.pem"));
        assert!(body.contains("\"required\""));
    }
}
