//! Custom callback variables: the `callback-var` parameter (spec §1.1, §1.5).
//!
//! A flat JSON object of string → string, Base64-encoded like `callback`, at most
//! [`MAX_ENCODED_LEN`](super::MAX_ENCODED_LEN) bytes of Base64. With PostObject the same
//! variables travel as `x:<name>` form fields instead (spec §1.1).
//!
//! ## Key rule (ours)
//! OSS documents only that keys start with `x:` and are lower case; its exact grammar is
//! \[UNVERIFIED\] (spec §10). We accept `x:` followed by 1 to [`MAX_VAR_NAME_LEN`] characters from
//! `a-z 0-9 _ - .`: every official example fits, nothing in it needs escaping in a form field
//! name, a header or a `${…}` placeholder, and it is lower case by construction.

use std::collections::BTreeMap;

use core::fmt;

use crate::encoding::{base64_decode, base64_encode};

use super::MAX_ENCODED_LEN;

/// The prefix every custom variable key carries (spec §1.5).
pub const VAR_PREFIX: &str = "x:";

/// Longest name after `x:` that [`is_valid_var_key`] accepts (our rule, see the module docs).
pub const MAX_VAR_NAME_LEN: usize = 64;

/// True when `key` is `x:` followed by 1 to [`MAX_VAR_NAME_LEN`] bytes of `a-z 0-9 _ - .`
/// (our rule; OSS's exact grammar is unverified, spec §1.5).
pub fn is_valid_var_key(key: &str) -> bool {
    key.strip_prefix(VAR_PREFIX).is_some_and(|name| {
        !name.is_empty()
            && name.len() <= MAX_VAR_NAME_LEN
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
            })
    })
}

/// Why custom variables cannot be built or were refused (OSS: `400 InvalidArgument`,
/// EC 0007-00000105 for a malformed `callback-var`, spec §1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VarsError {
    /// A key that is not `x:` + lower-case name (see [`is_valid_var_key`]).
    BadKey {
        /// The key as given.
        key: String,
    },
    /// A value that is not a JSON string.
    ValueNotString {
        /// The key whose value is wrong.
        key: String,
    },
    /// The Base64 value is longer than [`MAX_ENCODED_LEN`](super::MAX_ENCODED_LEN).
    TooLarge {
        /// Length of the Base64 value.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The parameter is not standard Base64 with padding.
    NotBase64,
    /// The decoded parameter is not a JSON object.
    NotJsonObject,
}

impl VarsError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            VarsError::BadKey { .. } => "callback_var_bad_key",
            VarsError::ValueNotString { .. } => "callback_var_value_not_string",
            VarsError::TooLarge { .. } => "callback_var_too_large",
            VarsError::NotBase64 => "callback_var_not_base64",
            VarsError::NotJsonObject => "callback_var_not_json_object",
        }
    }
}

impl fmt::Display for VarsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarsError::BadKey { key } => write!(
                f,
                "custom variable key `{key}` must be `x:` followed by 1 to {MAX_VAR_NAME_LEN} \
                 characters from a-z, 0-9, `_`, `-`, `.`"
            ),
            VarsError::ValueNotString { key } => {
                write!(f, "custom variable `{key}` must have a string value")
            }
            VarsError::TooLarge { len, max } => write!(
                f,
                "callback-var is {len} bytes of Base64, over OSS's limit of {max}; \
                 send fewer or shorter custom variables"
            ),
            VarsError::NotBase64 => {
                f.write_str("callback-var is not standard Base64 (with `=` padding)")
            }
            VarsError::NotJsonObject => f.write_str(
                "callback-var is not a JSON object of strings like {\"x:name\":\"value\"}",
            ),
        }
    }
}

impl std::error::Error for VarsError {}

/// Custom variables, keyed by their full `x:` name. Iteration and serialization are in key
/// order, so the encoding is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackVars {
    vars: BTreeMap<String, String>,
}

impl CallbackVars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (which must include `x:`) to `value`; returns the previous value.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Option<String>, VarsError> {
        let key = key.into();
        if !is_valid_var_key(&key) {
            return Err(VarsError::BadKey { key });
        }
        Ok(self.vars.insert(key, value.into()))
    }

    /// The value of `key` (with its `x:`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// (key, value) pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Compact JSON in key order, e.g. `{"x:a":"1","x:b":"2"}`.
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    /// The `callback-var` value: standard Base64 of [`Self::to_json`], refused when longer than
    /// [`MAX_ENCODED_LEN`](super::MAX_ENCODED_LEN) (spec §1.2).
    pub fn to_base64(&self) -> Result<String, VarsError> {
        let encoded = base64_encode(self.to_json().as_bytes());
        if encoded.len() > MAX_ENCODED_LEN {
            return Err(VarsError::TooLarge {
                len: encoded.len(),
                max: MAX_ENCODED_LEN,
            });
        }
        Ok(encoded)
    }

    /// Parses a received `callback-var` value: size, then Base64, then a flat JSON object of
    /// valid keys and string values.
    pub fn from_base64(text: &str) -> Result<Self, VarsError> {
        if text.len() > MAX_ENCODED_LEN {
            return Err(VarsError::TooLarge {
                len: text.len(),
                max: MAX_ENCODED_LEN,
            });
        }
        let bytes = base64_decode(text).map_err(|_| VarsError::NotBase64)?;
        Self::from_json(&bytes)
    }

    /// Parses the decoded JSON of a `callback-var` value.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VarsError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| VarsError::NotJsonObject)?;
        let serde_json::Value::Object(map) = value else {
            return Err(VarsError::NotJsonObject);
        };
        let mut vars = Self::new();
        for (key, value) in map {
            let serde_json::Value::String(value) = value else {
                return Err(VarsError::ValueNotString { key });
            };
            vars.insert(key, value)?;
        }
        Ok(vars)
    }
}
