//! The storage step: each event into D1, one row per id. **This is the part to replace with
//! your own processing** (docs/consumer.md, "Your own processing"): keep the signature, make
//! the work idempotent by `event.id`, and answer per event — `Ok` only once the event is
//! durably handled (the message is then acknowledged and never delivered again), `Err` to have
//! it retried with backoff and, after the retries, dead-lettered.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::event::StoredEvent;
use crate::sql::{self, SqlValue};

/// How one event was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stored {
    /// Its first delivery: the row was created.
    First,
    /// A later delivery of an id already stored: counted in the row.
    Again {
        /// The row's `deliveries` now.
        deliveries: u32,
    },
}

impl Stored {
    fn from_deliveries(deliveries: u32) -> Self {
        if deliveries <= 1 {
            Self::First
        } else {
            Self::Again { deliveries }
        }
    }
}

/// Stores `events` (their delivery time is `stored_at`, RFC 3339). One answer per event, in
/// order. All of them go to D1 in one batch (one round trip, one transaction); when that
/// fails, each is tried on its own so one refused event does not hold back the others.
pub(super) async fn store(
    db: &D1Database,
    events: &[&StoredEvent],
    stored_at: &str,
) -> Vec<Result<Stored, String>> {
    if events.is_empty() {
        return Vec::new();
    }
    if events.len() > 1
        && let Ok(statements) = events
            .iter()
            .map(|e| upsert(db, e, stored_at))
            .collect::<Result<Vec<_>, _>>()
        && let Ok(results) = db.batch(statements).await
        && results.len() == events.len()
    {
        return results
            .iter()
            .map(|result| {
                let rows = result.results::<serde_json::Value>().map_err(error_text)?;
                deliveries_of(rows.first()).map(Stored::from_deliveries)
            })
            .collect();
    }
    let mut answers = Vec::with_capacity(events.len());
    for event in events {
        answers.push(store_one(db, event, stored_at).await);
    }
    answers
}

async fn store_one(
    db: &D1Database,
    event: &StoredEvent,
    stored_at: &str,
) -> Result<Stored, String> {
    let row = upsert(db, event, stored_at)?
        .first::<serde_json::Value>(None)
        .await
        .map_err(error_text)?;
    deliveries_of(row.as_ref()).map(Stored::from_deliveries)
}

fn upsert(
    db: &D1Database,
    event: &StoredEvent,
    stored_at: &str,
) -> Result<D1PreparedStatement, String> {
    bind(db, sql::UPSERT_EVENT, &sql::event_params(event, stored_at))
}

/// The `deliveries` the `RETURNING` clause gave back.
fn deliveries_of(row: Option<&serde_json::Value>) -> Result<u32, String> {
    row.and_then(|r| r.get("deliveries"))
        .and_then(serde_json::Value::as_u64)
        .map(|n| n as u32)
        .ok_or_else(|| "D1 did not return the row's deliveries".to_owned())
}

/// A D1 error as one line: the database's own message (the `worker` crate's `Display` prints
/// a debug dump with a stack).
pub(super) fn error_text(error: worker::Error) -> String {
    match error {
        worker::Error::D1(d1) => format!("D1: {}", d1.cause()),
        other => other.to_string(),
    }
}

/// `sql` with `params` bound.
pub(super) fn bind(
    db: &D1Database,
    sql: &str,
    params: &[SqlValue],
) -> Result<D1PreparedStatement, String> {
    let values: Vec<JsValue> = params
        .iter()
        .map(|p| match p {
            SqlValue::Text(s) => JsValue::from_str(s),
            SqlValue::Integer(n) => JsValue::from_f64(*n as f64),
            SqlValue::Null => JsValue::NULL,
        })
        .collect();
    db.prepare(sql).bind(&values).map_err(error_text)
}
