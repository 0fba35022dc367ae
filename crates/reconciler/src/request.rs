//! The `POST /v1/reconcile` body, and the position a truncated run continues from.

use oss_edge_core::confirm::Buckets;
use oss_edge_core::grant::key::KeyTemplate;
use oss_edge_core::reconcile::{MAX_DAYS, listing_prefixes};
use serde_json::{Value, json};

use crate::refusal::Refusal;

/// Largest request body read.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// How far a continued run's `now` may lie in the past (the window's length) or ahead of
/// the clock (clock skew between Worker instances), seconds.
const CONTINUE_SKEW: i64 = 300;

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
    /// The position as JSON: a reply's `next`, the `continue` of the call that goes on.
    pub fn to_json(&self) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use oss_edge_core::grant::key::DEFAULT_KEY_TEMPLATE;

    fn buckets() -> Buckets {
        Buckets::parse_json(r#"[{"name":"bucket-one","region":"cn-hangzhou"}]"#).unwrap()
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
}
