//! The consumer's log lines: one JSON object per batch, plus one per message that was not
//! simply stored (retried or dead-lettered), so a failure can be followed by message id.

use serde_json::{Value, json};

/// What happened to the messages of one batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchLog {
    /// The queue the batch came from.
    pub queue: String,
    /// Messages in the batch.
    pub messages: u32,
    /// Events stored for the first time.
    pub stored: u32,
    /// Deliveries of ids already stored (counted in their row, acknowledged).
    pub duplicates: u32,
    /// Dead letters recorded (a batch from the dead-letter queue).
    pub recorded: u32,
    /// Messages sent to the dead-letter queue because they can never be stored.
    pub dead_lettered: u32,
    /// Messages marked for retry.
    pub retried: u32,
}

impl BatchLog {
    /// The line.
    pub fn to_line(&self) -> String {
        json!({
            "service": crate::SERVICE,
            "queue": self.queue,
            "messages": self.messages,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "recorded": self.recorded,
            "dead_lettered": self.dead_lettered,
            "retried": self.retried,
        })
        .to_string()
    }
}

/// What happened to one message that was not simply stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Marked for retry after this many seconds.
    Retry {
        /// The delay.
        delay_seconds: u32,
    },
    /// Sent to the dead-letter queue (it can never be stored).
    DeadLettered,
}

/// The line for one message.
pub fn message_line(
    queue: &str,
    message_id: &str,
    attempts: u32,
    outcome: MessageOutcome,
    code: &str,
    message: &str,
) -> String {
    let mut line = json!({
        "service": crate::SERVICE,
        "queue": queue,
        "message_id": message_id,
        "attempts": attempts,
        "code": code,
        "message": message,
    });
    if let Value::Object(map) = &mut line {
        match outcome {
            MessageOutcome::Retry { delay_seconds } => {
                map.insert("outcome".into(), "retry".into());
                map.insert("delay_seconds".into(), delay_seconds.into());
            }
            MessageOutcome::DeadLettered => {
                map.insert("outcome".into(), "dead_lettered".into());
            }
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_the_fields_a_reader_filters_on() {
        let line: Value = serde_json::from_str(&message_line(
            "q",
            "m1",
            2,
            MessageOutcome::Retry { delay_seconds: 60 },
            "store_failed",
            "D1: refused",
        ))
        .unwrap();
        assert_eq!(line["outcome"], "retry");
        assert_eq!(line["delay_seconds"], 60);
        assert_eq!(
            (line["message_id"].as_str(), line["attempts"].as_u64()),
            (Some("m1"), Some(2))
        );
        let batch: Value = serde_json::from_str(
            &BatchLog {
                queue: "q".into(),
                messages: 3,
                stored: 1,
                duplicates: 2,
                ..Default::default()
            }
            .to_line(),
        )
        .unwrap();
        assert_eq!(
            (batch["stored"].as_u64(), batch["duplicates"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(batch["service"], crate::SERVICE);
    }
}
