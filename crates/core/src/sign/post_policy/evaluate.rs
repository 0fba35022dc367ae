//! Would OSS accept this PostObject form under this policy? (spec §5.2)
//!
//! Used by tests and by the local OSS stand-in. Choices where OSS's behaviour is not
//! documented (\[UNVERIFIED\], spec §10): a field that a condition names but the form lacks fails
//! that condition (`not-in` excepted: an absent value is in no list); the policy stops being
//! valid at the `expiration` instant; `bucket` conditions compare with the bucket the form was
//! posted to; form fields without a condition (e.g. `x:` variables) are allowed.

use super::condition::{Condition, ConditionParseError};
use crate::encoding::base64_decode;
use crate::time::parse_iso8601;
use serde_json::Value;

/// The policy as received: the Base64 `policy` field, or its JSON text.
#[derive(Clone, Copy, Debug)]
pub enum PolicyInput<'a> {
    /// Standard Base64 of the policy JSON (the `policy` form field).
    Base64(&'a str),
    /// The policy JSON itself.
    Json(&'a str),
}

/// A submitted PostObject form.
#[derive(Clone, Copy, Debug)]
pub struct Submission<'a> {
    /// The bucket the form was posted to.
    pub bucket: &'a str,
    /// The form fields other than the file, name/value (names case-insensitive).
    pub fields: &'a [(String, String)],
    /// The size of the file part in bytes.
    pub file_size: u64,
}

impl Submission<'_> {
    /// The value of field `name` (case-insensitive); `bucket` is the bucket posted to.
    pub fn value(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("bucket") {
            return Some(self.bucket);
        }
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a condition failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureReason {
    /// The form has no such field.
    MissingField,
    /// The field's value does not satisfy the condition.
    Mismatch {
        /// The value the form carried.
        found: String,
    },
    /// The file size is outside the range.
    SizeOutOfRange {
        /// The file size.
        size: u64,
    },
}

/// Why a policy rejects a form (or is itself unusable).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The `policy` field is not standard Base64.
    NotBase64,
    /// The policy is not UTF-8 JSON.
    NotJson(String),
    /// The policy JSON is not an object.
    NotAnObject,
    /// `expiration` is missing or not an ISO 8601 UTC string.
    BadExpiration,
    /// `conditions` is missing or not an array (EC 0006-00000214).
    ConditionsNotArray,
    /// Condition `index` has the wrong shape.
    MalformedCondition {
        /// Position in `conditions`.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Condition `index` uses an operator OSS does not know (EC 0006-00000217).
    UnknownOperator {
        /// Position in `conditions`.
        index: usize,
        /// The operator.
        operator: String,
    },
    /// The policy expired.
    Expired {
        /// The expiration, Unix seconds.
        expiration: i64,
        /// The time of the check.
        now: i64,
    },
    /// Condition `index` is not met.
    ConditionFailed {
        /// Position in `conditions`.
        index: usize,
        /// The condition.
        condition: Condition,
        /// How it failed.
        reason: FailureReason,
    },
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PolicyError::NotBase64 => f.write_str("policy is not standard Base64"),
            PolicyError::NotJson(err) => write!(f, "policy is not JSON: {err}"),
            PolicyError::NotAnObject => f.write_str("policy JSON is not an object"),
            PolicyError::BadExpiration => {
                f.write_str("policy expiration is missing or not yyyy-mm-ddTHH:MM:SS[.fff]Z")
            }
            PolicyError::ConditionsNotArray => {
                f.write_str("policy conditions are missing or not an array")
            }
            PolicyError::MalformedCondition { index, reason } => {
                write!(f, "policy condition #{index} is malformed: {reason}")
            }
            PolicyError::UnknownOperator { index, operator } => write!(
                f,
                "policy condition #{index} uses unknown operator {operator:?} \
                 (use eq, starts-with, in, not-in or content-length-range)"
            ),
            PolicyError::Expired { expiration, now } => {
                write!(f, "policy expired at {expiration} (now {now})")
            }
            PolicyError::ConditionFailed {
                index,
                condition,
                reason,
            } => {
                write!(f, "policy condition #{index} {condition} failed: ")?;
                match reason {
                    FailureReason::MissingField => {
                        write!(f, "the form has no {} field", condition.field())
                    }
                    FailureReason::Mismatch { found } => write!(f, "the form sent {found:?}"),
                    FailureReason::SizeOutOfRange { size } => {
                        write!(f, "the file has {size} bytes")
                    }
                }
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// A parsed policy: expiration and conditions (spec §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPolicy {
    /// Expiration, Unix seconds.
    pub expiration: i64,
    /// The conditions, in order.
    pub conditions: Vec<Condition>,
}

/// Decodes and parses a policy; shape errors name the condition index.
pub fn parse_policy(policy: PolicyInput<'_>) -> Result<ParsedPolicy, PolicyError> {
    let json = match policy {
        PolicyInput::Base64(b64) => {
            let bytes = base64_decode(b64).map_err(|_| PolicyError::NotBase64)?;
            String::from_utf8(bytes).map_err(|e| PolicyError::NotJson(e.to_string()))?
        }
        PolicyInput::Json(text) => text.to_owned(),
    };
    let value: Value =
        serde_json::from_str(&json).map_err(|e| PolicyError::NotJson(e.to_string()))?;
    let object = value.as_object().ok_or(PolicyError::NotAnObject)?;
    let expiration = object
        .get("expiration")
        .and_then(Value::as_str)
        .and_then(|text| parse_iso8601(text).ok())
        .ok_or(PolicyError::BadExpiration)?;
    let items = object
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or(PolicyError::ConditionsNotArray)?;
    let conditions = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            Condition::from_json(item).map_err(|err| match err {
                ConditionParseError::UnknownOperator(operator) => {
                    PolicyError::UnknownOperator { index, operator }
                }
                ConditionParseError::Malformed(reason) => {
                    PolicyError::MalformedCondition { index, reason }
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedPolicy {
        expiration,
        conditions,
    })
}

fn check(condition: &Condition, form: &Submission<'_>) -> Result<(), FailureReason> {
    let value = |field: &str| form.value(field).ok_or(FailureReason::MissingField);
    let mismatch = |found: &str| FailureReason::Mismatch {
        found: found.to_owned(),
    };
    match condition {
        Condition::Exact { field, value: want } | Condition::Eq { field, value: want } => {
            let found = value(field)?;
            (found == want).then_some(()).ok_or_else(|| mismatch(found))
        }
        Condition::StartsWith { field, prefix } => {
            let found = value(field)?;
            found
                .starts_with(prefix.as_str())
                .then_some(())
                .ok_or_else(|| mismatch(found))
        }
        Condition::In { field, values } => {
            let found = value(field)?;
            values
                .iter()
                .any(|v| v == found)
                .then_some(())
                .ok_or_else(|| mismatch(found))
        }
        Condition::NotIn { field, values } => match form.value(field) {
            Some(found) if values.iter().any(|v| v == found) => Err(mismatch(found)),
            _ => Ok(()),
        },
        Condition::ContentLengthRange { min, max } => (*min..=*max)
            .contains(&form.file_size)
            .then_some(())
            .ok_or(FailureReason::SizeOutOfRange {
                size: form.file_size,
            }),
    }
}

/// Evaluates `policy` against a submitted form at `now`: the parsed policy when OSS would accept it,
/// else the first failing condition (spec §5.2). The signature is checked separately
/// ([`super::verify_post_signature`]).
pub fn evaluate(
    policy: PolicyInput<'_>,
    form: &Submission<'_>,
    now: i64,
) -> Result<ParsedPolicy, PolicyError> {
    let parsed = parse_policy(policy)?;
    if now >= parsed.expiration {
        return Err(PolicyError::Expired {
            expiration: parsed.expiration,
            now,
        });
    }
    for (index, condition) in parsed.conditions.iter().enumerate() {
        check(condition, form).map_err(|reason| PolicyError::ConditionFailed {
            index,
            condition: condition.clone(),
            reason,
        })?;
    }
    Ok(parsed)
}
