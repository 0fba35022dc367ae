//! The SQL the consumer runs against D1, and the values bound to it.
//!
//! The tables are created by `crates/consumer/migrations/` (`wrangler d1 migrations apply`);
//! the statements here must match them. One row per event `id`: the first event that arrives
//! is kept as it is, every later delivery of the same id only counts (`deliveries`) and
//! updates `last_delivered_at`.

use crate::event::StoredEvent;

/// The table of stored events (migration `0001`).
pub const EVENTS_TABLE: &str = "upload_events";
/// The table of dead letters (migration `0001`).
pub const DEAD_LETTERS_TABLE: &str = "dead_letters";

/// Stores one event, or counts one more delivery of an id already stored; returns the row's
/// `deliveries` (1 when this delivery created it).
///
/// Parameters: [`event_params`].
pub const UPSERT_EVENT: &str = "INSERT INTO upload_events \
(id, schema, source, bucket, object_key, size, etag, content_type, subject, grant_id, confirmed, received_at, stored_at, last_delivered_at, deliveries, event) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 1, ?14) \
ON CONFLICT (id) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at \
RETURNING deliveries";

/// Records one dead letter by its queue message id (a redelivery of the same dead letter
/// only counts); returns the row's `deliveries`.
///
/// Parameters: [`dead_letter_params`].
pub const UPSERT_DEAD_LETTER: &str = "INSERT INTO dead_letters \
(message_id, reason, event_id, body, dead_at, deliveries) \
VALUES (?1, ?2, ?3, ?4, ?5, 1) \
ON CONFLICT (message_id) DO UPDATE SET deliveries = deliveries + 1 \
RETURNING deliveries";

/// The last `?1` stored rows (all when `?1` is `-1`), oldest first, as one JSON array text in
/// column `rows`; each row's `event` is the event object. Development only.
pub const LIST_ROWS: &str = "SELECT json_group_array(json_object(\
'id', id, 'schema', schema, 'source', source, 'bucket', bucket, 'key', object_key, \
'size', size, 'etag', etag, 'content_type', content_type, 'subject', subject, \
'grant_id', grant_id, 'confirmed', confirmed, 'received_at', received_at, \
'stored_at', stored_at, 'last_delivered_at', last_delivered_at, 'deliveries', deliveries, \
'event', json(event)) ORDER BY seq) AS rows \
FROM (SELECT rowid AS seq, * FROM upload_events ORDER BY rowid DESC LIMIT ?1)";

/// The last `?1` stored events (all when `?1` is `-1`), oldest first, as one JSON array text
/// in column `rows`. Development only.
pub const LIST_EVENTS: &str = "SELECT json_group_array(json(event) ORDER BY seq) AS rows \
FROM (SELECT rowid AS seq, event FROM upload_events ORDER BY rowid DESC LIMIT ?1)";

/// The last `?1` dead letters (all when `?1` is `-1`), oldest first, as one JSON array text in
/// column `rows`. Development only.
pub const LIST_DEAD_LETTERS: &str = "SELECT json_group_array(json_object(\
'message_id', message_id, 'reason', reason, 'event_id', event_id, 'body', body, \
'dead_at', dead_at, 'deliveries', deliveries) ORDER BY seq) AS rows \
FROM (SELECT rowid AS seq, * FROM dead_letters ORDER BY rowid DESC LIMIT ?1)";

/// The column the `LIST_*` statements return their JSON array in.
pub const LIST_COLUMN: &str = "rows";

/// A value bound to a statement parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// `TEXT`.
    Text(String),
    /// `INTEGER` (bound as a JavaScript number: exact up to 2^53).
    Integer(i64),
    /// `NULL`.
    Null,
}

impl SqlValue {
    fn text(value: &Option<String>) -> Self {
        value.clone().map_or(Self::Null, Self::Text)
    }
}

/// The values for [`UPSERT_EVENT`], `?1` to `?14`; `stored_at` is the time of this delivery
/// (RFC 3339).
pub fn event_params(event: &StoredEvent, stored_at: &str) -> [SqlValue; 14] {
    [
        SqlValue::Text(event.id.clone()),
        SqlValue::Text(event.schema.name().to_owned()),
        SqlValue::text(&event.source),
        SqlValue::text(&event.bucket),
        SqlValue::text(&event.key),
        event
            .size
            .map_or(SqlValue::Null, |size| SqlValue::Integer(size as i64)),
        SqlValue::text(&event.etag),
        SqlValue::text(&event.content_type),
        SqlValue::text(&event.subject),
        SqlValue::text(&event.grant_id),
        event
            .confirmed
            .map_or(SqlValue::Null, |c| SqlValue::Integer(i64::from(c))),
        SqlValue::text(&event.received_at),
        SqlValue::Text(stored_at.to_owned()),
        SqlValue::Text(event.json.clone()),
    ]
}

/// The values for [`UPSERT_DEAD_LETTER`], `?1` to `?5`.
pub fn dead_letter_params(
    message_id: &str,
    reason: &str,
    event_id: Option<&str>,
    body: &str,
    dead_at: &str,
) -> [SqlValue; 5] {
    [
        SqlValue::Text(message_id.to_owned()),
        SqlValue::Text(reason.to_owned()),
        event_id.map_or(SqlValue::Null, |id| SqlValue::Text(id.to_owned())),
        SqlValue::Text(body.to_owned()),
        SqlValue::Text(dead_at.to_owned()),
    ]
}

/// The `LIMIT` for a listing of the last `limit` rows; `None` lists them all (`-1` is
/// SQLite's "no limit").
pub fn limit_param(limit: Option<u32>) -> SqlValue {
    match limit {
        Some(n) => SqlValue::Integer(i64::from(n)),
        None => SqlValue::Integer(-1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event;

    const MIGRATION: &str = include_str!("../migrations/0001_upload_events.sql");

    /// Placeholders `?1`..`?n` in `sql`, each at least once and none above `n`.
    fn placeholders(sql: &str) -> Vec<u32> {
        let mut found: Vec<u32> = sql
            .split('?')
            .skip(1)
            .map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().unwrap()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn every_parameter_is_bound_and_nothing_more() {
        let event = event::read(
            r#"{"schema":"oss-edge.upload.v2","id":"sha256:00","object":{"bucket":"b","key":"k","size":3,"etag":"E"},"confirmed":false}"#,
        )
        .unwrap();
        let params = event_params(&event, "2026-05-01T10:00:00.000Z");
        assert_eq!(
            placeholders(UPSERT_EVENT),
            (1..=params.len() as u32).collect::<Vec<_>>()
        );
        let dead = dead_letter_params("m", "not_json", None, "x", "t");
        assert_eq!(
            placeholders(UPSERT_DEAD_LETTER),
            (1..=dead.len() as u32).collect::<Vec<_>>()
        );
        for list in [LIST_ROWS, LIST_EVENTS, LIST_DEAD_LETTERS] {
            assert_eq!(placeholders(list), [1]);
        }
        assert_eq!(params[5], SqlValue::Integer(3));
        assert_eq!(
            params[10],
            SqlValue::Integer(0),
            "confirmed false is 0, not NULL"
        );
        assert_eq!(params[8], SqlValue::Null, "no ticket: no subject");
    }

    /// The statements name only columns the migration creates (a typo would otherwise surface
    /// only in D1, at run time).
    #[test]
    fn statements_match_the_migration() {
        let columns = |table: &str| -> Vec<String> {
            let start = MIGRATION.find(&format!("CREATE TABLE {table} (")).unwrap();
            let body = &MIGRATION[start..];
            let body = &body[body.find('(').unwrap() + 1..body.find(");").unwrap()];
            body.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("--"))
                .map(|l| l.split_whitespace().next().unwrap().to_owned())
                .collect()
        };
        let insert_columns = |sql: &str| -> Vec<String> {
            let list = &sql[sql.find('(').unwrap() + 1..sql.find(')').unwrap()];
            list.split(',').map(|c| c.trim().to_owned()).collect()
        };
        assert_eq!(insert_columns(UPSERT_EVENT), columns(EVENTS_TABLE));
        assert_eq!(
            insert_columns(UPSERT_DEAD_LETTER),
            columns(DEAD_LETTERS_TABLE)
        );
        // A column is read as a value: after a space or `(`, before `,` or `)`.
        let reads = |sql: &str, column: &str| {
            [" ", "("].iter().any(|before| {
                [",", ")"]
                    .iter()
                    .any(|after| sql.contains(&format!("{before}{column}{after}")))
            })
        };
        for column in columns(EVENTS_TABLE) {
            assert!(reads(LIST_ROWS, &column), "{column} is listed");
        }
        for column in columns(DEAD_LETTERS_TABLE) {
            assert!(reads(LIST_DEAD_LETTERS, &column), "{column} is listed");
        }
        assert!(!reads(LIST_ROWS, "no_such_column"));
    }

    #[test]
    fn no_limit_is_sqlites_minus_one() {
        assert_eq!(limit_param(None), SqlValue::Integer(-1));
        assert_eq!(limit_param(Some(100)), SqlValue::Integer(100));
    }
}
