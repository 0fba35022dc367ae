//! POST policy conditions (spec §5.2): exact-match maps and `[op, "$field", value]` lists.

use serde_json::Value;

/// One entry of a policy's `conditions` array (spec §5.2). Field names are stored without the
/// leading `$` and compared case-insensitively, as OSS treats form field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `{"field": "value"}`: the field must equal the value.
    Exact {
        /// Field name, e.g. `bucket`, `callback`, `x-oss-date`.
        field: String,
        /// Required value.
        value: String,
    },
    /// `["eq", "$field", "value"]`.
    Eq {
        /// Field name.
        field: String,
        /// Required value.
        value: String,
    },
    /// `["starts-with", "$field", "prefix"]`.
    StartsWith {
        /// Field name.
        field: String,
        /// Required prefix; empty allows any value.
        prefix: String,
    },
    /// `["in", "$field", [values…]]`.
    In {
        /// Field name.
        field: String,
        /// Allowed values.
        values: Vec<String>,
    },
    /// `["not-in", "$field", [values…]]`.
    NotIn {
        /// Field name.
        field: String,
        /// Forbidden values.
        values: Vec<String>,
    },
    /// `["content-length-range", min, max]`: file size in bytes, inclusive.
    ContentLengthRange {
        /// Smallest accepted size.
        min: u64,
        /// Largest accepted size.
        max: u64,
    },
}

/// Why a JSON value is not a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionParseError {
    /// A list whose operator OSS does not know (e.g. `ends-with`; EC 0006-00000217).
    UnknownOperator(String),
    /// Wrong shape: scalar item, empty or multi-key map, missing `$`, wrong arity or types.
    Malformed(&'static str),
}

fn json_string(text: &str) -> String {
    // The `&str` itself, not a `Value`: that would link serde_json's float formatter (issue 15).
    serde_json::to_string(text).unwrap_or_default()
}

fn json_list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| json_string(v)).collect();
    format!("[{}]", items.join(","))
}

impl Condition {
    /// The field this condition constrains (`content-length-range` for the size).
    pub fn field(&self) -> &str {
        match self {
            Condition::Exact { field, .. }
            | Condition::Eq { field, .. }
            | Condition::StartsWith { field, .. }
            | Condition::In { field, .. }
            | Condition::NotIn { field, .. } => field,
            Condition::ContentLengthRange { .. } => "content-length-range",
        }
    }

    /// Compact JSON, as it goes into the policy (no spaces; strings JSON-escaped).
    pub fn to_json(&self) -> String {
        match self {
            Condition::Exact { field, value } => {
                format!("{{{}:{}}}", json_string(field), json_string(value))
            }
            Condition::Eq { field, value } => format!(
                "[\"eq\",{},{}]",
                json_string(&format!("${field}")),
                json_string(value)
            ),
            Condition::StartsWith { field, prefix } => format!(
                "[\"starts-with\",{},{}]",
                json_string(&format!("${field}")),
                json_string(prefix)
            ),
            Condition::In { field, values } => format!(
                "[\"in\",{},{}]",
                json_string(&format!("${field}")),
                json_list(values)
            ),
            Condition::NotIn { field, values } => format!(
                "[\"not-in\",{},{}]",
                json_string(&format!("${field}")),
                json_list(values)
            ),
            Condition::ContentLengthRange { min, max } => {
                format!("[\"content-length-range\",{min},{max}]")
            }
        }
    }

    /// Parses one element of `conditions` (spec §5.2 rules, EC 0006-00000214..224).
    pub fn from_json(value: &Value) -> Result<Self, ConditionParseError> {
        use ConditionParseError::{Malformed, UnknownOperator};
        match value {
            Value::Object(map) => {
                let mut entries = map.iter();
                match (entries.next(), entries.next()) {
                    (Some((field, Value::String(value))), None) => Ok(Condition::Exact {
                        field: field.clone(),
                        value: value.clone(),
                    }),
                    (Some(_), None) => Err(Malformed("an exact-match value must be a string")),
                    _ => Err(Malformed("an exact-match map must have exactly one entry")),
                }
            }
            Value::Array(items) => {
                let op = items
                    .first()
                    .and_then(Value::as_str)
                    .filter(|op| !op.starts_with('$'))
                    .ok_or(Malformed(
                        "a list condition must start with an operator string",
                    ))?;
                let op = op.to_ascii_lowercase();
                if op == "content-length-range" {
                    return match items.as_slice() {
                        [_, min, max] => {
                            let min = as_size(min)?;
                            let max = as_size(max)?;
                            Ok(Condition::ContentLengthRange { min, max })
                        }
                        _ => Err(Malformed("content-length-range takes exactly min and max")),
                    };
                }
                if !matches!(op.as_str(), "eq" | "starts-with" | "in" | "not-in") {
                    return Err(UnknownOperator(op));
                }
                let [_, field, operand] = items.as_slice() else {
                    return Err(Malformed("a list condition takes [op, \"$field\", value]"));
                };
                let field = field
                    .as_str()
                    .and_then(|f| f.strip_prefix('$'))
                    .filter(|f| !f.is_empty())
                    .ok_or(Malformed("the field of a list condition must be \"$name\""))?
                    .to_owned();
                match op.as_str() {
                    "eq" | "starts-with" => {
                        let text = operand
                            .as_str()
                            .ok_or(Malformed("eq/starts-with take a string value"))?
                            .to_owned();
                        Ok(if op == "eq" {
                            Condition::Eq { field, value: text }
                        } else {
                            Condition::StartsWith {
                                field,
                                prefix: text,
                            }
                        })
                    }
                    _ => {
                        let values = operand
                            .as_array()
                            .ok_or(Malformed("in/not-in take a list of strings"))?
                            .iter()
                            .map(|v| v.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                            .ok_or(Malformed("in/not-in take a list of strings"))?;
                        Ok(if op == "in" {
                            Condition::In { field, values }
                        } else {
                            Condition::NotIn { field, values }
                        })
                    }
                }
            }
            _ => Err(Malformed("a condition must be a map or a list")),
        }
    }
}

/// A size bound: a non-negative integer, or a string of digits (as some clients send).
fn as_size(value: &Value) -> Result<u64, ConditionParseError> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .ok_or(ConditionParseError::Malformed(
            "content-length-range bounds must be non-negative integers",
        ))
}

impl core::fmt::Display for Condition {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_json())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let all = vec![
            Condition::Exact {
                field: "bucket".into(),
                value: "b".into(),
            },
            Condition::Eq {
                field: "success_action_status".into(),
                value: "201".into(),
            },
            Condition::StartsWith {
                field: "key".into(),
                prefix: "user/\"q\"/".into(),
            },
            Condition::In {
                field: "content-type".into(),
                values: vec!["image/png".into(), "image/jpeg".into()],
            },
            Condition::NotIn {
                field: "cache-control".into(),
                values: vec!["no-cache".into()],
            },
            Condition::ContentLengthRange { min: 1, max: 10 },
        ];
        for condition in all {
            let json: Value = serde_json::from_str(&condition.to_json()).unwrap();
            assert_eq!(Condition::from_json(&json).unwrap(), condition);
        }
        assert_eq!(
            Condition::StartsWith {
                field: "key".into(),
                prefix: "user-dir/".into()
            }
            .to_json(),
            r#"["starts-with","$key","user-dir/"]"#
        );
    }

    #[test]
    fn rejects_malformed_and_unknown() {
        let parse = |text: &str| Condition::from_json(&serde_json::from_str(text).unwrap());
        assert_eq!(
            parse(r#"["ends-with","$key","x"]"#),
            Err(ConditionParseError::UnknownOperator("ends-with".into()))
        );
        for bad in [
            r#"["$key"]"#,
            r#""key""#,
            r#"{}"#,
            r#"{"a":"1","b":"2"}"#,
            r#"{"a":1}"#,
            r#"["eq","key","x"]"#,
            r#"["eq","$key"]"#,
            r#"["in","$key","x"]"#,
            r#"["content-length-range",1]"#,
            r#"["content-length-range",-1,5]"#,
        ] {
            assert!(
                matches!(parse(bad), Err(ConditionParseError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
