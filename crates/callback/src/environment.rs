//! Where the Worker runs (`OSS_EDGE_ENV`): read by the configuration, and on its own by the
//! local development forwarding (`crate::dev`), which must work while the rest of the
//! configuration fails.

use crate::VAR_ENVIRONMENT;

/// Where the Worker runs. Development-only behaviour (the recording queue consumer, queue
/// failure injection) exists only in [`Environment::Local`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Deployed (the default when `OSS_EDGE_ENV` is unset).
    Production,
    /// `wrangler dev --env local` (`OSS_EDGE_ENV = "local"`, set only in `[env.local.vars]`).
    Local,
}

impl Environment {
    /// Reads `OSS_EDGE_ENV` through `lookup` (unset or empty: production); `Err` carries a
    /// value that is neither `production` nor `local`.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        match lookup(VAR_ENVIRONMENT).as_deref().map(str::trim) {
            None | Some("" | "production") => Ok(Self::Production),
            Some("local") => Ok(Self::Local),
            Some(other) => Err(other.to_owned()),
        }
    }

    /// The name used in `OSS_EDGE_ENV` and `/healthz`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Local => "local",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_empty_are_production_and_other_values_are_refused() {
        let of = |value: Option<&str>| {
            Environment::from_lookup(&|name| {
                assert_eq!(name, VAR_ENVIRONMENT);
                value.map(str::to_owned)
            })
        };
        assert_eq!(of(None), Ok(Environment::Production));
        assert_eq!(of(Some(" ")), Ok(Environment::Production));
        assert_eq!(of(Some("production")), Ok(Environment::Production));
        assert_eq!(of(Some(" local ")), Ok(Environment::Local));
        assert_eq!(of(Some("dev")), Err("dev".to_owned()));
    }
}
