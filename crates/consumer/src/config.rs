//! The Worker's configuration: environment variables, parsed and checked once.
//!
//! Read through a lookup function so this module is plain Rust, tested natively; the edge
//! supplies the lookup over the Worker's `Env`. Empty values count as unset. A configuration
//! that cannot be used is a [`ConfigError`]: the consumer then acknowledges nothing (every
//! message is retried, so nothing is lost while it is fixed) and logs the error.

use core::fmt;

use crate::retry::{Backoff, QUEUE_MAX_DELAY_SECONDS};
use crate::{
    DEFAULT_DEAD_LETTER_QUEUE, VAR_DEAD_LETTER_QUEUE, VAR_ENVIRONMENT, VAR_RETRY_BASE_SECONDS,
    VAR_RETRY_MAX_SECONDS,
};

/// Where the Worker runs. The development routes (`/__dev/…`) exist only in
/// [`Environment::Local`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Deployed (the default when `OSS_EDGE_ENV` is unset).
    Production,
    /// `wrangler dev --env local` (`OSS_EDGE_ENV = "local"`, set only in `[env.local.vars]`).
    Local,
}

/// The parsed configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where the Worker runs.
    pub environment: Environment,
    /// The retry schedule (`RETRY_BASE_SECONDS`, `RETRY_MAX_SECONDS`).
    pub backoff: Backoff,
    /// The name of the dead-letter queue (`DEAD_LETTER_QUEUE`): a batch from this queue holds
    /// dead letters to record, not events to store.
    pub dead_letter_queue: String,
}

/// Why the configuration cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `OSS_EDGE_ENV` is neither `production` nor `local`.
    InvalidEnvironment {
        /// Its value.
        value: String,
    },
    /// A retry delay is not an integer in 1..=43200.
    RetrySeconds {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// `RETRY_MAX_SECONDS` is smaller than `RETRY_BASE_SECONDS`.
    RetryRange {
        /// `RETRY_BASE_SECONDS`.
        base: u32,
        /// `RETRY_MAX_SECONDS`.
        max: u32,
    },
}

impl ConfigError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidEnvironment { .. } => "invalid_environment",
            Self::RetrySeconds { .. } => "invalid_retry_seconds",
            Self::RetryRange { .. } => "invalid_retry_range",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidEnvironment { value } => write!(
                f,
                "{VAR_ENVIRONMENT} must be `production` or `local`, not {value:?}"
            ),
            Self::RetrySeconds { var, value } => write!(
                f,
                "{var} must be a whole number of seconds from 1 to {QUEUE_MAX_DELAY_SECONDS}, not {value:?}"
            ),
            Self::RetryRange { base, max } => write!(
                f,
                "{VAR_RETRY_MAX_SECONDS} ({max}) must not be smaller than {VAR_RETRY_BASE_SECONDS} ({base})"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the configuration through `lookup` (variable name → value).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let environment = match get(VAR_ENVIRONMENT).as_deref().map(str::trim) {
            None | Some("production") => Environment::Production,
            Some("local") => Environment::Local,
            Some(other) => {
                return Err(ConfigError::InvalidEnvironment {
                    value: other.to_owned(),
                });
            }
        };
        let seconds = |var: &'static str, default: u32| match get(var) {
            None => Ok(default),
            Some(value) => match value.trim().parse::<u32>() {
                Ok(n) if (1..=QUEUE_MAX_DELAY_SECONDS).contains(&n) => Ok(n),
                _ => Err(ConfigError::RetrySeconds { var, value }),
            },
        };
        let defaults = Backoff::default();
        let base = seconds(VAR_RETRY_BASE_SECONDS, defaults.base_seconds)?;
        let max = seconds(VAR_RETRY_MAX_SECONDS, defaults.max_seconds.max(base))?;
        if max < base {
            return Err(ConfigError::RetryRange { base, max });
        }
        Ok(Self {
            environment,
            backoff: Backoff {
                base_seconds: base,
                max_seconds: max,
            },
            dead_letter_queue: get(VAR_DEAD_LETTER_QUEUE)
                .map(|q| q.trim().to_owned())
                .unwrap_or_else(|| DEFAULT_DEAD_LETTER_QUEUE.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(&|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.environment, Environment::Production);
        assert_eq!(defaults.backoff, Backoff::default());
        assert_eq!(defaults.dead_letter_queue, DEFAULT_DEAD_LETTER_QUEUE);
        assert_eq!(
            config(&[(VAR_ENVIRONMENT, "")]).unwrap(),
            defaults,
            "empty is unset"
        );
    }

    #[test]
    fn local_settings() {
        let config = config(&[
            (VAR_ENVIRONMENT, "local"),
            (VAR_RETRY_BASE_SECONDS, "1"),
            (VAR_RETRY_MAX_SECONDS, " 2 "),
            (VAR_DEAD_LETTER_QUEUE, "dlq-local"),
        ])
        .unwrap();
        assert_eq!(config.environment, Environment::Local);
        assert_eq!(
            (config.backoff.base_seconds, config.backoff.max_seconds),
            (1, 2)
        );
        assert_eq!(config.dead_letter_queue, "dlq-local");
    }

    #[test]
    fn a_base_above_the_default_ceiling_raises_the_ceiling_with_it() {
        let config = config(&[(VAR_RETRY_BASE_SECONDS, "7200")]).unwrap();
        assert_eq!(
            (config.backoff.base_seconds, config.backoff.max_seconds),
            (7200, 7200)
        );
    }

    #[test]
    fn unusable_values_are_refused() {
        assert_eq!(
            config(&[(VAR_ENVIRONMENT, "staging")]).unwrap_err().code(),
            "invalid_environment"
        );
        for value in ["0", "-1", "1.5", "x", "43201"] {
            let error = config(&[(VAR_RETRY_BASE_SECONDS, value)]).unwrap_err();
            assert_eq!(error.code(), "invalid_retry_seconds", "{value}");
            assert!(
                error.to_string().contains(VAR_RETRY_BASE_SECONDS),
                "{error}"
            );
        }
        let error = config(&[
            (VAR_RETRY_BASE_SECONDS, "60"),
            (VAR_RETRY_MAX_SECONDS, "30"),
        ])
        .unwrap_err();
        assert_eq!(error, ConfigError::RetryRange { base: 60, max: 30 });
    }
}
