//! The reconciler's configuration: variables and secrets → [`Config`], checked once per
//! isolate. An unusable configuration answers every request with 500 and names the variable
//! (`/healthz` too), and the Cron Trigger logs it.

use core::fmt;

use oss_edge_core::confirm::{Buckets, BucketsError};
use oss_edge_core::grant::key::{DEFAULT_KEY_TEMPLATE, KeyTemplate, TemplateError};
use oss_edge_core::reconcile::MAX_DAYS;
use oss_edge_core::sign::Credentials;

use crate::{
    VAR_BUCKETS, VAR_KEY_TEMPLATE, VAR_RECONCILE_ACCESS_KEY_ID, VAR_RECONCILE_ACCESS_KEY_SECRET,
    VAR_RECONCILE_DAYS, VAR_RECONCILE_MAX_SUBREQUESTS, VAR_RECONCILE_SECURITY_TOKEN,
    VAR_RECONCILE_TOKEN,
};

/// Days listed when neither the call nor `RECONCILE_DAYS` says: today and yesterday (UTC), so
/// an upload started just before midnight is still inside the window of the next run.
pub const DEFAULT_DAYS: u32 = 2;

/// Subrequests one run makes by default: under the Free plan's 50 per invocation, with room
/// for the runtime's own.
pub const DEFAULT_MAX_SUBREQUESTS: u32 = 45;

/// The largest `RECONCILE_MAX_SUBREQUESTS` accepted (the Paid plan's default limit).
pub const MAX_SUBREQUESTS_LIMIT: u32 = 10_000;

/// The reconciler's settings.
#[derive(Debug)]
pub struct Config {
    /// `RECONCILE_TOKEN`; `None`: the HTTP endpoint is disabled (the Cron Trigger still runs
    /// when one is configured).
    token: Option<String>,
    /// `RECONCILE_DAYS`.
    pub days: u32,
    /// `RECONCILE_MAX_SUBREQUESTS`.
    pub max_subrequests: u32,
    /// `KEY_TEMPLATE`.
    pub template: KeyTemplate,
    /// `BUCKETS`: the buckets a run lists.
    pub buckets: Buckets,
    /// `RECONCILE_ACCESS_KEY_*` (and the optional STS token): what the listing and the
    /// HeadObjects of versioned buckets are signed with.
    pub credentials: Credentials,
}

/// Why the reconciler's settings cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// `RECONCILE_DAYS` is not an integer in 1..=[`MAX_DAYS`].
    Days {
        /// Its value.
        value: String,
    },
    /// `RECONCILE_MAX_SUBREQUESTS` is not an integer in 3..=[`MAX_SUBREQUESTS_LIMIT`].
    MaxSubrequests {
        /// Its value.
        value: String,
    },
    /// `KEY_TEMPLATE` does not parse.
    Template(TemplateError),
    /// `BUCKETS` is not set.
    BucketsRequired,
    /// `BUCKETS` does not parse.
    Buckets(BucketsError),
    /// A listing credential is missing.
    CredentialsRequired {
        /// The missing secret.
        var: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Days { value } => write!(
                f,
                "{VAR_RECONCILE_DAYS} must be an integer from 1 to {MAX_DAYS}, not {value:?}"
            ),
            Self::MaxSubrequests { value } => write!(
                f,
                "{VAR_RECONCILE_MAX_SUBREQUESTS} must be an integer from 3 to \
                 {MAX_SUBREQUESTS_LIMIT} (your plan's subrequests per invocation, minus a few), \
                 not {value:?}"
            ),
            Self::Template(e) => write!(f, "{VAR_KEY_TEMPLATE} (the signer's value): {e}"),
            Self::BucketsRequired => write!(
                f,
                "{VAR_BUCKETS} is not set: list the upload bucket(s) as for the callback Worker, \
                 e.g. [{{\"name\":\"examplebucket\",\"region\":\"cn-hangzhou\"}}] \
                 (docs/reconcile.md)"
            ),
            Self::Buckets(e) => e.fmt(f),
            Self::CredentialsRequired { var } => write!(
                f,
                "{var} is not set: set the listing credentials (`wrangler secret put {var} -c \
                 crates/reconciler/wrangler.toml`; RAM policy in docs/reconcile.md)"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

fn non_empty(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn number(
    lookup: &dyn Fn(&str) -> Option<String>,
    var: &str,
    default: u32,
    range: core::ops::RangeInclusive<u32>,
) -> Result<u32, String> {
    match non_empty(lookup, var) {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(value),
    }
}

impl Config {
    /// Reads the variables through `lookup` (name → value).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let token = non_empty(lookup, VAR_RECONCILE_TOKEN);
        let days = number(lookup, VAR_RECONCILE_DAYS, DEFAULT_DAYS, 1..=MAX_DAYS)
            .map_err(|value| ConfigError::Days { value })?;
        let max_subrequests = number(
            lookup,
            VAR_RECONCILE_MAX_SUBREQUESTS,
            DEFAULT_MAX_SUBREQUESTS,
            3..=MAX_SUBREQUESTS_LIMIT,
        )
        .map_err(|value| ConfigError::MaxSubrequests { value })?;
        let template_text =
            non_empty(lookup, VAR_KEY_TEMPLATE).unwrap_or_else(|| DEFAULT_KEY_TEMPLATE.to_owned());
        let template = KeyTemplate::parse(&template_text).map_err(ConfigError::Template)?;
        let buckets = non_empty(lookup, VAR_BUCKETS).ok_or(ConfigError::BucketsRequired)?;
        let buckets = Buckets::parse_json(&buckets).map_err(ConfigError::Buckets)?;
        let secret = |var| non_empty(lookup, var).ok_or(ConfigError::CredentialsRequired { var });
        let mut credentials = Credentials::new(
            secret(VAR_RECONCILE_ACCESS_KEY_ID)?,
            secret(VAR_RECONCILE_ACCESS_KEY_SECRET)?,
        );
        if let Some(token) = non_empty(lookup, VAR_RECONCILE_SECURITY_TOKEN) {
            credentials = credentials.with_security_token(&token);
        }
        Ok(Self {
            token,
            days,
            max_subrequests,
            template,
            buckets,
            credentials,
        })
    }

    /// Whether `POST /v1/reconcile` is enabled (`RECONCILE_TOKEN` is set).
    pub fn endpoint_enabled(&self) -> bool {
        self.token.is_some()
    }

    /// `RECONCILE_TOKEN`, when set.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A usable configuration: one bucket and credentials, then `vars` on top.
    pub(crate) fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = [
            (
                VAR_BUCKETS,
                r#"[{"name":"bucket-one","region":"cn-hangzhou"}]"#,
            ),
            (VAR_RECONCILE_ACCESS_KEY_ID, "ak"),
            (VAR_RECONCILE_ACCESS_KEY_SECRET, "listing-secret"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        map.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Config::from_lookup(&|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_and_bad_values() {
        let c = config(&[]).unwrap();
        assert!(!c.endpoint_enabled());
        assert_eq!(c.days, DEFAULT_DAYS);
        assert_eq!(c.max_subrequests, DEFAULT_MAX_SUBREQUESTS);
        assert_eq!(c.template.as_str(), DEFAULT_KEY_TEMPLATE);
        assert!(c.buckets.get("bucket-one").is_some());
        assert!(!format!("{c:?}").contains("listing-secret"));
        for bad in ["0", "32", "x", "-1"] {
            let e = config(&[(VAR_RECONCILE_DAYS, bad)]).unwrap_err();
            assert!(matches!(e, ConfigError::Days { .. }), "{bad}");
            assert!(e.to_string().contains(VAR_RECONCILE_DAYS));
        }
        let e = config(&[(VAR_RECONCILE_MAX_SUBREQUESTS, "2")]).unwrap_err();
        assert!(matches!(e, ConfigError::MaxSubrequests { .. }));
        let e = config(&[(VAR_KEY_TEMPLATE, "{grant_id}")]).unwrap_err();
        assert!(matches!(e, ConfigError::Template(_)), "{e}");
        let c = config(&[(VAR_RECONCILE_DAYS, " 7 "), (VAR_RECONCILE_TOKEN, " t ")]).unwrap();
        assert_eq!(c.days, 7);
        assert_eq!(c.token(), Some("t"));
        // Empty values are unset (scripts/dev passes `NAME=` through as an empty string).
        let c = config(&[(VAR_RECONCILE_TOKEN, " "), (VAR_RECONCILE_DAYS, "")]).unwrap();
        assert!(!c.endpoint_enabled());
        assert_eq!(c.days, DEFAULT_DAYS);
    }

    #[test]
    fn buckets_and_credentials_are_required_and_named() {
        let e = config(&[(VAR_BUCKETS, "")]).unwrap_err();
        assert_eq!(e, ConfigError::BucketsRequired);
        assert!(e.to_string().contains(VAR_BUCKETS));
        let e = config(&[(VAR_BUCKETS, "[]")]).unwrap_err();
        assert!(matches!(e, ConfigError::Buckets(_)), "{e}");
        for var in [VAR_RECONCILE_ACCESS_KEY_ID, VAR_RECONCILE_ACCESS_KEY_SECRET] {
            let e = config(&[(var, " ")]).unwrap_err();
            assert_eq!(e, ConfigError::CredentialsRequired { var });
            assert!(e.to_string().contains(var));
        }
        let sts = config(&[(VAR_RECONCILE_SECURITY_TOKEN, "sts-token")]).unwrap();
        assert!(!format!("{sts:?}").contains("sts-token"));
    }

    #[test]
    fn the_committed_wrangler_toml_runs_hourly_and_keeps_secrets_out_of_vars() {
        let toml = include_str!("../wrangler.toml");
        let (production, local) = toml.split_once("\n[env.local]\n").unwrap();
        let active: Vec<&str> = production
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .collect();
        assert!(active.contains(&"[triggers]"));
        assert!(active.contains(&r#"crons = ["17 * * * *"]"#));
        for secret in [
            VAR_RECONCILE_TOKEN,
            VAR_RECONCILE_ACCESS_KEY_ID,
            VAR_RECONCILE_ACCESS_KEY_SECRET,
            VAR_RECONCILE_SECURITY_TOKEN,
        ] {
            assert!(
                !active.iter().any(|l| l.starts_with(&format!("{secret} ="))),
                "{secret} is a secret, not a var"
            );
        }
        // Locally every variable has a value scripts/dev can override through the environment
        // ([env.local.secrets]), since wrangler applies --var to the first Worker only.
        for var in crate::CONFIG_VARS {
            assert!(
                local.contains(&format!("\n{var} = ")),
                "{var} in [env.local.vars]"
            );
        }
        assert!(local.contains("[env.local.secrets]\nrequired = []"));
        assert!(local.contains("binding = \"UPLOAD_EVENTS\""));
    }
}
