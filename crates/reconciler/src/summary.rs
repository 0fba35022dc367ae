//! What a run did: the reply of `POST /v1/reconcile` (`docs/reconcile.md`, "The reply") and
//! the Cron Trigger's log line.

use serde_json::{Value, json};

use crate::VAR_RECONCILE_MAX_SUBREQUESTS;
use crate::request::{Position, ReconcileRequest};

/// Event ids listed in a reply; the counts are always complete.
pub const MAX_REPLY_IDS: usize = 100;

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
    use crate::request::parse_request;

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
