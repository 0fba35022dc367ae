//! Reconciliation by the operator, the pure parts (`docs/reconcile.md`): its configuration,
//! the `POST /v1/reconcile` request and its bearer token, the budget of outbound requests a
//! run may make, and the reply. The listing itself is the core's
//! ([`oss_edge_core::reconcile`]); `edge::reconcile` sends the requests.
//!
//! OSS calls the callback once and never retries (spec §1.1). A run lists each configured
//! bucket under the key template's daily prefixes and queues one event per object with the
//! id a callback would have produced (`docs/events.md`), so consumers that de-duplicate by id
//! store each object once however often it is sent.
//!
//! A Worker invocation may make only so many subrequests (50 on the Free plan), so a run is
//! bounded by [`Budget`]: when it is spent the reply says `truncated: true` and carries the
//! exact body that continues the run (`continue_with`), which `oss-edge reconcile` sends
//! until the run is complete.

use core::fmt;

use oss_edge_core::confirm::Buckets;
use oss_edge_core::grant::key::{DEFAULT_KEY_TEMPLATE, KeyTemplate, TemplateError};
use oss_edge_core::reconcile::{MAX_DAYS, PAGE_SIZE, listing_prefixes};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The path of the operator's reconciliation call.
pub const RECONCILE_PATH: &str = "/v1/reconcile";

/// `Allow` for [`RECONCILE_PATH`].
pub const ALLOW_RECONCILE: &str = "POST";

/// Secret: the bearer token of `POST /v1/reconcile`; unset, the endpoint answers 404.
pub const VAR_RECONCILE_TOKEN: &str = "RECONCILE_TOKEN";
/// Days listed by the Cron Trigger, and by a call that does not say (default [`DEFAULT_DAYS`]).
pub const VAR_RECONCILE_DAYS: &str = "RECONCILE_DAYS";
/// Most subrequests (listing pages, HeadObjects, queue batches) one run makes (default
/// [`DEFAULT_MAX_SUBREQUESTS`]).
pub const VAR_RECONCILE_MAX_SUBREQUESTS: &str = "RECONCILE_MAX_SUBREQUESTS";
/// The signer's key template (the same value; default [`DEFAULT_KEY_TEMPLATE`]).
pub const VAR_KEY_TEMPLATE: &str = "KEY_TEMPLATE";

/// The reconciliation variables, in documentation order (besides `crate::CONFIG_VARS`).
pub const RECONCILE_VARS: [&str; 4] = [
    VAR_RECONCILE_TOKEN,
    VAR_RECONCILE_DAYS,
    VAR_RECONCILE_MAX_SUBREQUESTS,
    VAR_KEY_TEMPLATE,
];

/// Days listed when neither the call nor `RECONCILE_DAYS` says: today and yesterday (UTC), so
/// an upload started just before midnight is still inside the window of the next run.
pub const DEFAULT_DAYS: u32 = 2;

/// Subrequests one run makes by default: under the Free plan's 50 per invocation, with room
/// for the runtime's own.
pub const DEFAULT_MAX_SUBREQUESTS: u32 = 45;

/// The largest `RECONCILE_MAX_SUBREQUESTS` accepted (the Paid plan's default limit).
pub const MAX_SUBREQUESTS_LIMIT: u32 = 10_000;

/// Events per queue batch: `sendBatch` takes at most 100 messages.
pub const QUEUE_BATCH: usize = 100;

/// Event ids listed in a reply; the counts are always complete.
pub const MAX_REPLY_IDS: usize = 100;

/// Largest request body read.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// How far a continued run's `now` may lie in the past (the window's length) or ahead of
/// the clock (clock skew between Worker instances), seconds.
const CONTINUE_SKEW: i64 = 300;

/// The reconciliation settings.
#[derive(Debug)]
pub struct ReconcileConfig {
    /// `RECONCILE_TOKEN`; `None`: the HTTP endpoint is disabled (the Cron Trigger still runs
    /// when one is configured).
    token: Option<String>,
    /// `RECONCILE_DAYS`.
    pub days: u32,
    /// `RECONCILE_MAX_SUBREQUESTS`.
    pub max_subrequests: u32,
    /// `KEY_TEMPLATE`.
    pub template: KeyTemplate,
}

/// Why the reconciliation settings cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub enum ReconcileConfigError {
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
}

impl fmt::Display for ReconcileConfigError {
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
        }
    }
}

impl std::error::Error for ReconcileConfigError {}

fn number(
    lookup: &dyn Fn(&str) -> Option<String>,
    var: &str,
    default: u32,
    range: core::ops::RangeInclusive<u32>,
) -> Result<u32, String> {
    match lookup(var).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(value),
    }
}

impl ReconcileConfig {
    /// Reads the reconciliation variables through `lookup` (name → value).
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ReconcileConfigError> {
        let token = lookup(VAR_RECONCILE_TOKEN)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        let days = number(lookup, VAR_RECONCILE_DAYS, DEFAULT_DAYS, 1..=MAX_DAYS)
            .map_err(|value| ReconcileConfigError::Days { value })?;
        let max_subrequests = number(
            lookup,
            VAR_RECONCILE_MAX_SUBREQUESTS,
            DEFAULT_MAX_SUBREQUESTS,
            3..=MAX_SUBREQUESTS_LIMIT,
        )
        .map_err(|value| ReconcileConfigError::MaxSubrequests { value })?;
        let template_text = lookup(VAR_KEY_TEMPLATE)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEFAULT_KEY_TEMPLATE.to_owned());
        let template =
            KeyTemplate::parse(&template_text).map_err(ReconcileConfigError::Template)?;
        Ok(Self {
            token,
            days,
            max_subrequests,
            template,
        })
    }

    /// Whether `POST /v1/reconcile` is enabled (`RECONCILE_TOKEN` is set).
    pub fn endpoint_enabled(&self) -> bool {
        self.token.is_some()
    }
}

/// Why a reconciliation call is refused (or a run cannot start).
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// `RECONCILE_TOKEN` is not set: the endpoint does not exist.
    Disabled,
    /// No `Authorization: Bearer`, or not the token.
    Unauthorized,
    /// The body is not the JSON this endpoint takes.
    BodyInvalid(String),
    /// `days` is outside 1..=[`MAX_DAYS`].
    DaysOutOfRange {
        /// What was sent.
        value: String,
    },
    /// `continue` does not name a position of this run.
    ContinueInvalid(String),
    /// The reconciliation settings are unusable.
    Misconfigured(String),
    /// Confirmation is off: there are no credentials to list with.
    Unavailable,
}

impl Refusal {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Disabled => 404,
            Self::Unauthorized => 401,
            Self::BodyInvalid(_) | Self::DaysOutOfRange { .. } | Self::ContinueInvalid(_) => 400,
            Self::Misconfigured(_) => 500,
            Self::Unavailable => 409,
        }
    }

    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "reconcile_disabled",
            Self::Unauthorized => "reconcile_unauthorized",
            Self::BodyInvalid(_) => "reconcile_body_invalid",
            Self::DaysOutOfRange { .. } => "reconcile_days_out_of_range",
            Self::ContinueInvalid(_) => "reconcile_continue_invalid",
            Self::Misconfigured(_) => "misconfigured",
            Self::Unavailable => "reconcile_unavailable",
        }
    }

    /// The JSON body `{"error", "message"}`.
    pub fn body(&self) -> Vec<u8> {
        json!({ "error": self.code(), "message": self.to_string() })
            .to_string()
            .into_bytes()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disabled => write!(
                f,
                "reconciliation over HTTP is disabled: set the secret {VAR_RECONCILE_TOKEN} \
                 (`wrangler secret put {VAR_RECONCILE_TOKEN}`) to enable {RECONCILE_PATH}"
            ),
            Self::Unauthorized => f.write_str(
                "send `Authorization: Bearer <RECONCILE_TOKEN>` (oss-edge reconcile reads it \
                 from OSS_EDGE_RECONCILE_TOKEN)",
            ),
            Self::BodyInvalid(why) => write!(
                f,
                "the body must be a JSON object {{\"days\": 1..{MAX_DAYS}, \"dry_run\": bool, \
                 \"continue\": {{…}}}} (all optional): {why}"
            ),
            Self::DaysOutOfRange { value } => {
                write!(
                    f,
                    "`days` must be an integer from 1 to {MAX_DAYS}, not {value}"
                )
            }
            Self::ContinueInvalid(why) => write!(
                f,
                "`continue` must be the `next` of an earlier reply, with the same `days`: {why}"
            ),
            Self::Misconfigured(why) => f.write_str(why),
            Self::Unavailable => f.write_str(
                "reconciliation lists the buckets with the confirmation credentials: set \
                 CONFIRM_OBJECTS=true, BUCKETS and the CONFIRM_* secrets (docs/callback-worker.md)",
            ),
        }
    }
}

fn digest(text: &[u8]) -> [u8; 32] {
    Sha256::digest(text).into()
}

/// Checks the `Authorization` header against `RECONCILE_TOKEN`: both are hashed first, so the
/// comparison takes the same time whatever their lengths and wherever they differ.
pub fn authorize(config: &ReconcileConfig, authorization: Option<&str>) -> Result<(), Refusal> {
    let Some(token) = &config.token else {
        return Err(Refusal::Disabled);
    };
    let sent = authorization
        .and_then(|value| {
            let (scheme, rest) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .ok_or(Refusal::Unauthorized)?;
    let (expected, got) = (digest(token.as_bytes()), digest(sent.as_bytes()));
    let difference = expected
        .iter()
        .zip(got.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference == 0 {
        Ok(())
    } else {
        Err(Refusal::Unauthorized)
    }
}

/// Where a run stopped: the next listing request is of `prefix` in `bucket`, after `token`,
/// in the run that started at `now` (its prefixes depend on it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The bucket.
    pub bucket: String,
    /// The listing prefix.
    pub prefix: String,
    /// The continuation token of the next page, `None` at a prefix's first page.
    pub token: Option<String>,
    /// The run's `now`, Unix seconds.
    pub now: i64,
}

impl Position {
    fn to_json(&self) -> Value {
        json!({ "bucket": self.bucket, "prefix": self.prefix, "token": self.token, "now": self.now })
    }

    fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(members) = value else {
            return Err("not a JSON object".into());
        };
        if let Some(extra) = members
            .keys()
            .find(|k| !matches!(k.as_str(), "bucket" | "prefix" | "token" | "now"))
        {
            return Err(format!("unknown member `{extra}`"));
        }
        let text = |name: &str| {
            members
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("`{name}` must be a string"))
        };
        let token = match members.get("token") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) if !t.is_empty() => Some(t.clone()),
            Some(_) => return Err("`token` must be a non-empty string or null".into()),
        };
        Ok(Self {
            bucket: text("bucket")?,
            prefix: text("prefix")?,
            token,
            now: members
                .get("now")
                .and_then(Value::as_i64)
                .ok_or("`now` must be an integer")?,
        })
    }

    /// Checks that this position belongs to a run of `days` over `buckets` started at its
    /// `now`, which must be within the window before `clock` (Unix seconds).
    pub fn check(
        &self,
        buckets: &Buckets,
        template: &KeyTemplate,
        days: u32,
        clock: i64,
    ) -> Result<(), Refusal> {
        let invalid = |why: String| Err(Refusal::ContinueInvalid(why));
        if buckets.get(&self.bucket).is_none() {
            return invalid(format!("bucket {:?} is not in BUCKETS", self.bucket));
        }
        let oldest = clock - i64::from(MAX_DAYS) * 86_400;
        if self.now > clock + CONTINUE_SKEW || self.now < oldest {
            return invalid(format!("`now` {} is not a recent run's", self.now));
        }
        if !listing_prefixes(template, self.now, days).contains(&self.prefix) {
            return invalid(format!(
                "prefix {:?} is not listed by a {days}-day run at {}",
                self.prefix, self.now
            ));
        }
        Ok(())
    }
}

/// A `POST /v1/reconcile` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileRequest {
    /// Days to list, ending today (UTC).
    pub days: u32,
    /// List and report, queue nothing.
    pub dry_run: bool,
    /// Continue an earlier, truncated run there.
    pub resume: Option<Position>,
}

/// Parses a `POST /v1/reconcile` body: empty (every default), or a JSON object with optional
/// `days` (1..=[`MAX_DAYS`], default `default_days`), `dry_run` (default false) and `continue`
/// (an earlier reply's `next`). Read from a `serde_json::Value` by hand, as the recovery body.
pub fn parse_request(body: &[u8], default_days: u32) -> Result<ReconcileRequest, Refusal> {
    let mut request = ReconcileRequest {
        days: default_days,
        dry_run: false,
        resume: None,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(request);
    }
    let invalid = |why: &str| Refusal::BodyInvalid(why.to_owned());
    let value: Value = serde_json::from_slice(body).map_err(|_| invalid("not JSON"))?;
    let Value::Object(members) = value else {
        return Err(invalid("not a JSON object"));
    };
    if let Some(extra) = members
        .keys()
        .find(|k| !matches!(k.as_str(), "days" | "dry_run" | "continue"))
    {
        return Err(invalid(&format!("unknown member `{extra}`")));
    }
    if let Some(days) = members.get("days") {
        request.days = days
            .as_u64()
            .filter(|d| (1..=u64::from(MAX_DAYS)).contains(d))
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| Refusal::DaysOutOfRange {
                value: days.to_string(),
            })?;
    }
    if let Some(dry_run) = members.get("dry_run") {
        request.dry_run = dry_run
            .as_bool()
            .ok_or_else(|| invalid("`dry_run` must be true or false"))?;
    }
    if let Some(resume) = members.get("continue") {
        request.resume = Some(Position::from_json(resume).map_err(Refusal::ContinueInvalid)?);
    }
    Ok(request)
}

/// The subrequests a run may still make. Every listing page, HeadObject and queue batch
/// counts (retries too), and a page is asked only as large as what is left can confirm and
/// queue, so a run never stops between listing a page and queueing its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    limit: u32,
    used: u32,
}

impl Budget {
    /// A run of at most `limit` subrequests.
    pub fn new(limit: u32) -> Self {
        Self { limit, used: 0 }
    }

    /// Subrequests made so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// Takes one subrequest; `false` when none is left.
    pub fn take(&mut self) -> bool {
        if self.used < self.limit {
            self.used += 1;
            true
        } else {
            false
        }
    }

    /// The largest page (`max-keys`) the rest can list, confirm (versioned buckets: one
    /// HeadObject per object) and queue (events are grouped by their home shard among
    /// `shards` queues, a batch per [`QUEUE_BATCH`] of a group; none in a dry run), keeping one
    /// subrequest for a retry; `None` when not even a one-object page fits.
    pub fn page_size(&self, versioned: bool, dry_run: bool, shards: usize) -> Option<u32> {
        let left = self.limit.saturating_sub(self.used);
        // One for the page and one spare for a retry.
        let after_page = left.checked_sub(2)?;
        let shards = u32::try_from(shards.max(1)).unwrap_or(u32::MAX);
        let fits = |n: u32| {
            let heads = if versioned { n } else { 0 };
            // n events in at most min(n, shards) groups: each group's batches round up.
            let batches = if dry_run {
                0
            } else {
                n.div_ceil(QUEUE_BATCH as u32) + n.min(shards) - 1
            };
            heads + batches <= after_page
        };
        if !fits(1) {
            return None;
        }
        // The answer is monotonic in n: a binary search over 1..=PAGE_SIZE.
        let (mut low, mut high) = (1, PAGE_SIZE);
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            if fits(mid) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Some(low)
    }
}

/// Why a run stopped before listing everything, besides its budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// A stable code: `reconcile_list_failed`, `reconcile_confirm_failed`, `queue_unavailable`.
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

/// What a run did: the reply of `POST /v1/reconcile` and the Cron Trigger's log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Nothing was queued on purpose.
    pub dry_run: bool,
    /// Days listed.
    pub days: u32,
    /// The run's `now`, Unix seconds.
    pub now: i64,
    /// The buckets listed.
    pub buckets: Vec<String>,
    /// The prefixes listed in each bucket.
    pub prefixes: Vec<String>,
    /// Objects found.
    pub listed: u64,
    /// Events the queue accepted.
    pub queued: u64,
    /// Objects listed but gone at their HeadObject (versioned buckets).
    pub vanished: u64,
    /// The first [`MAX_REPLY_IDS`] event ids (queued, or that would be in a dry run).
    pub ids: Vec<String>,
    /// More ids than [`MAX_REPLY_IDS`].
    pub ids_capped: bool,
    /// Subrequests made.
    pub subrequests: u32,
    /// Where to continue, when the run stopped early.
    pub next: Option<Position>,
    /// Why it stopped early, when not for its budget.
    pub error: Option<RunError>,
}

impl Summary {
    /// An empty summary of a run.
    pub fn new(
        request: &ReconcileRequest,
        now: i64,
        buckets: Vec<String>,
        prefixes: Vec<String>,
    ) -> Self {
        Self {
            dry_run: request.dry_run,
            days: request.days,
            now,
            buckets,
            prefixes,
            listed: 0,
            queued: 0,
            vanished: 0,
            ids: Vec::new(),
            ids_capped: false,
            subrequests: 0,
            next: None,
            error: None,
        }
    }

    /// Notes an event id for the reply.
    pub fn record_id(&mut self, id: &str) {
        if self.ids.len() < MAX_REPLY_IDS {
            self.ids.push(id.to_owned());
        } else {
            self.ids_capped = true;
        }
    }

    /// The HTTP status: 200 for a complete or truncated run, 502 when OSS failed it, 503
    /// when the queue did.
    pub fn status(&self) -> u16 {
        match &self.error {
            None => 200,
            Some(e) if e.code == "queue_unavailable" => 503,
            Some(_) => 502,
        }
    }

    /// The reply (`docs/reconcile.md`, "The reply").
    pub fn to_json(&self) -> Value {
        let mut reply = json!({
            "dry_run": self.dry_run,
            "days": self.days,
            "now": self.now,
            "buckets": self.buckets,
            "prefixes": self.prefixes,
            "listed": self.listed,
            "queued": self.queued,
            "vanished": self.vanished,
            "ids": self.ids,
            "ids_capped": self.ids_capped,
            "subrequests": self.subrequests,
            "truncated": self.next.is_some(),
        });
        if self.ids_capped {
            reply["ids_note"] =
                format!("only the first {MAX_REPLY_IDS} ids are listed; the counts are complete")
                    .into();
        }
        if let Some(error) = &self.error {
            reply["error"] = error.code.into();
            reply["message"] = error.message.clone().into();
        }
        if let Some(next) = &self.next {
            reply["next"] = next.to_json();
            reply["continue_with"] =
                json!({ "days": self.days, "dry_run": self.dry_run, "continue": next.to_json() });
            if self.error.is_none() {
                reply["message"] = format!(
                    "stopped after {} subrequests ({VAR_RECONCILE_MAX_SUBREQUESTS}): POST \
                     `continue_with` as the body to go on (oss-edge reconcile does)",
                    self.subrequests
                )
                .into();
            }
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<ReconcileConfig, ReconcileConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ReconcileConfig::from_lookup(&|name| map.get(name).cloned())
    }

    fn buckets() -> Buckets {
        Buckets::parse_json(r#"[{"name":"bucket-one","region":"cn-hangzhou"}]"#).unwrap()
    }

    #[test]
    fn defaults_and_bad_values() {
        let c = config(&[]).unwrap();
        assert!(!c.endpoint_enabled());
        assert_eq!(c.days, DEFAULT_DAYS);
        assert_eq!(c.max_subrequests, DEFAULT_MAX_SUBREQUESTS);
        assert_eq!(c.template.as_str(), DEFAULT_KEY_TEMPLATE);
        for bad in ["0", "32", "x", "-1"] {
            let e = config(&[(VAR_RECONCILE_DAYS, bad)]).unwrap_err();
            assert!(matches!(e, ReconcileConfigError::Days { .. }), "{bad}");
            assert!(e.to_string().contains(VAR_RECONCILE_DAYS));
        }
        let e = config(&[(VAR_RECONCILE_MAX_SUBREQUESTS, "2")]).unwrap_err();
        assert!(matches!(e, ReconcileConfigError::MaxSubrequests { .. }));
        let e = config(&[(VAR_KEY_TEMPLATE, "{grant_id}")]).unwrap_err();
        assert!(matches!(e, ReconcileConfigError::Template(_)), "{e}");
        let c = config(&[(VAR_RECONCILE_DAYS, " 7 "), (VAR_RECONCILE_TOKEN, " t ")]).unwrap();
        assert_eq!(c.days, 7);
        assert!(c.endpoint_enabled());
    }

    #[test]
    fn the_token_is_required_and_compared_whole() {
        let off = config(&[]).unwrap();
        assert_eq!(authorize(&off, Some("Bearer x")), Err(Refusal::Disabled));
        assert_eq!(Refusal::Disabled.status(), 404);
        let on = config(&[(VAR_RECONCILE_TOKEN, "s3cret-token")]).unwrap();
        assert_eq!(authorize(&on, Some("Bearer s3cret-token")), Ok(()));
        assert_eq!(authorize(&on, Some("bearer  s3cret-token ")), Ok(()));
        for bad in [
            None,
            Some(""),
            Some("s3cret-token"),
            Some("Basic s3cret-token"),
            Some("Bearer s3cret-toke"),
            Some("Bearer s3cret-token2"),
            Some("Bearer S3CRET-TOKEN"),
            Some("Bearer "),
        ] {
            assert_eq!(authorize(&on, bad), Err(Refusal::Unauthorized), "{bad:?}");
        }
        assert_eq!(Refusal::Unauthorized.status(), 401);
        assert!(
            !String::from_utf8(Refusal::Unauthorized.body())
                .unwrap()
                .contains("s3cret")
        );
    }

    #[test]
    fn request_bodies() {
        let r = parse_request(b"", 3).unwrap();
        assert_eq!((r.days, r.dry_run, r.resume), (3, false, None));
        let r = parse_request(br#"{"days":31,"dry_run":true}"#, 2).unwrap();
        assert_eq!((r.days, r.dry_run), (31, true));
        for bad in [
            r#"{"days":0}"#,
            r#"{"days":32}"#,
            r#"{"days":1.5}"#,
            r#"{"days":"2"}"#,
        ] {
            let e = parse_request(bad.as_bytes(), 2).unwrap_err();
            assert!(matches!(e, Refusal::DaysOutOfRange { .. }), "{bad}: {e}");
            assert_eq!(e.status(), 400);
        }
        for bad in ["[]", "nope", r#"{"day":2}"#, r#"{"dry_run":1}"#] {
            let e = parse_request(bad.as_bytes(), 2).unwrap_err();
            assert!(matches!(e, Refusal::BodyInvalid(_)), "{bad}: {e}");
        }
        let e = parse_request(br#"{"continue":{"bucket":"b1"}}"#, 2).unwrap_err();
        assert!(matches!(e, Refusal::ContinueInvalid(_)), "{e}");
    }

    #[test]
    fn a_continuation_must_be_a_position_of_the_same_run() {
        let template = KeyTemplate::parse(DEFAULT_KEY_TEMPLATE).unwrap();
        let now = 1_700_000_000; // 2023-11-14
        let body = json!({"days": 2, "continue": {"bucket": "bucket-one", "prefix": "uploads/20231113/", "token": "t", "now": now}});
        let r = parse_request(body.to_string().as_bytes(), 2).unwrap();
        let position = r.resume.unwrap();
        assert_eq!(position.token.as_deref(), Some("t"));
        assert_eq!(position.check(&buckets(), &template, 2, now + 60), Ok(()));
        let refused = |p: Position, days| {
            matches!(
                p.check(&buckets(), &template, days, now + 60),
                Err(Refusal::ContinueInvalid(_))
            )
        };
        assert!(
            refused(position.clone(), 1),
            "yesterday is not in a 1-day run"
        );
        assert!(refused(
            Position {
                bucket: "other".into(),
                ..position.clone()
            },
            2
        ));
        assert!(refused(
            Position {
                prefix: "secret/".into(),
                ..position.clone()
            },
            2
        ));
        assert!(refused(
            Position {
                now: now + 3600,
                ..position.clone()
            },
            2
        ));
        assert!(refused(
            Position {
                now: now - 40 * 86_400,
                ..position
            },
            2
        ));
    }

    #[test]
    fn pages_fit_what_the_budget_can_still_queue() {
        let mut budget = Budget::new(45);
        // 45 - 2 = 43 batches: a full page (10 batches).
        assert_eq!(budget.page_size(false, false, 1), Some(1000));
        // Versioned: n heads + ceil(n/100) batches <= 43 → 42.
        assert_eq!(budget.page_size(true, false, 1), Some(42));
        assert_eq!(budget.page_size(true, true, 1), Some(43));
        // 3 shards: up to 2 more batches (each group rounds up).
        assert_eq!(budget.page_size(false, false, 3), Some(1000));
        assert_eq!(budget.page_size(true, false, 3), Some(40));
        for _ in 0..42 {
            assert!(budget.take());
        }
        // 3 left: page + spare + one batch of 100.
        assert_eq!(budget.page_size(false, false, 1), Some(100));
        assert_eq!(
            budget.page_size(false, false, 2),
            Some(1),
            "two groups need two batches"
        );
        assert_eq!(
            budget.page_size(true, false, 1),
            None,
            "a head and a batch do not fit"
        );
        assert!(budget.take());
        assert_eq!(budget.page_size(false, false, 1), None);
        assert_eq!(
            budget.page_size(false, true, 4),
            Some(1000),
            "a dry run needs no batches"
        );
        assert!(budget.take() && budget.take());
        assert!(!budget.take());
        assert_eq!(budget.used(), 45);
    }

    #[test]
    fn the_committed_wrangler_toml_has_no_cron_and_no_production_token() {
        let toml = include_str!("../../../wrangler.toml");
        let active: Vec<&str> = toml
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .collect();
        assert!(
            !active
                .iter()
                .any(|l| l.starts_with("[triggers]") || l.starts_with("crons"))
        );
        let (production, _) = toml.split_once("[env.local]").unwrap();
        assert!(
            !production.contains("RECONCILE_TOKEN ="),
            "a secret, not a var"
        );
        // The documented way to enable it is there, commented out.
        assert!(toml.contains("#   [triggers]"));
    }

    #[test]
    fn replies_cap_ids_and_say_how_to_continue() {
        let request = parse_request(b"", 2).unwrap();
        let mut summary = Summary::new(
            &request,
            1_700_000_000,
            vec!["bucket-one".into()],
            vec!["p/".into()],
        );
        for i in 0..(MAX_REPLY_IDS + 5) {
            summary.record_id(&format!("id{i}"));
        }
        summary.listed = 105;
        let reply = summary.to_json();
        assert_eq!(reply["ids"].as_array().unwrap().len(), MAX_REPLY_IDS);
        assert_eq!(reply["ids_capped"], true);
        assert_eq!(reply["truncated"], false);
        assert!(reply.get("continue_with").is_none());
        summary.next = Some(Position {
            bucket: "bucket-one".into(),
            prefix: "p/".into(),
            token: None,
            now: 1_700_000_000,
        });
        let reply = summary.to_json();
        assert_eq!(reply["truncated"], true);
        let again = parse_request(reply["continue_with"].to_string().as_bytes(), 9).unwrap();
        assert_eq!(again.days, 2);
        assert_eq!(again.resume, summary.next);
        assert_eq!(summary.status(), 200);
        summary.error = Some(RunError {
            code: "queue_unavailable",
            message: "refused".into(),
        });
        assert_eq!(summary.status(), 503);
        assert_eq!(summary.to_json()["error"], "queue_unavailable");
    }
}
