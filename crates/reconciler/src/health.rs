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
        "buckets": config.buckets.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        "reconcile_endpoint": config.endpoint_enabled(),
        "days": config.days,
        "max_subrequests": config.max_subrequests,
        "key_template": config.template.as_str(),
        "queue_binding": QUEUE_BINDING,
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
    use crate::VAR_RECONCILE_TOKEN;
    use crate::config::tests::config;

    #[test]
    fn shows_settings_not_secrets() {
        let config = config(&[(VAR_RECONCILE_TOKEN, "the-bearer-token")]).unwrap();
        let body = health(&config).to_string();
        assert!(body.contains("\"bucket-one\""), "{body}");
        assert!(body.contains("\"reconcile_endpoint\":true"), "{body}");
        for secret in ["the-bearer-token", "listing-secret"] {
            assert!(!body.contains(secret), "{body}");
        }
        let error = crate::config::ConfigError::BucketsRequired;
        assert!(unhealthy(&error).to_string().contains("BUCKETS"));
    }
}
