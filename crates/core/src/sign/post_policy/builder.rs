//! Building and signing a PostObject policy and the form that goes with it (spec §5.2–§5.4).

use super::condition::Condition;
use crate::encoding::base64_encode;
use crate::sign::v4::{self, MAX_EXPIRES_SECONDS, Scope};
use crate::sign::{Credentials, Endpoint, Region, SignatureVersion, v1};
use crate::time::{format_iso8601_millis, format_oss_date};

/// What the client may put in a field it fills in itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientRule {
    /// The value must start with this prefix (e.g. the key's directory).
    StartsWith(String),
    /// The value must be one of these.
    OneOf(Vec<String>),
}

/// One field of the multipart form, in the order the client must send them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormField {
    /// A field to send exactly as given.
    Fixed {
        /// Field name.
        name: String,
        /// Field value.
        value: String,
    },
    /// A field whose value the client chooses within `rule` (the policy enforces it).
    Client {
        /// Field name (`key` or `Content-Type`).
        name: String,
        /// The constraint from the policy.
        rule: ClientRule,
    },
    /// The file itself. Always the last field: OSS ignores fields after it (spec §5.1).
    File,
}

/// A signed PostObject form (spec §5.4 / §5.3): post `fields` in order, as
/// `multipart/form-data`, to `url`, before `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostForm {
    /// Where to post: the bucket URL (spec §5.1).
    pub url: String,
    /// The form fields in order, ending with [`FormField::File`]. The Base64 policy appears
    /// here exactly once, as the `policy` field: that string is what was signed.
    pub fields: Vec<FormField>,
    /// The policy's expiration, Unix seconds.
    pub expires_at: i64,
}

impl PostForm {
    /// The value of fixed field `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find_map(|field| match field {
            FormField::Fixed { name: n, value } if n.eq_ignore_ascii_case(name) => {
                Some(value.as_str())
            }
            _ => None,
        })
    }

    /// The Base64 policy, exactly as signed and sent.
    pub fn policy(&self) -> &str {
        self.field("policy").unwrap_or_default()
    }

    /// The signature: `x-oss-signature` (V4) or `Signature` (V1).
    pub fn signature(&self) -> &str {
        self.field("x-oss-signature")
            .or_else(|| self.field("Signature"))
            .unwrap_or_default()
    }

    /// The fixed fields as name/value pairs, in order.
    pub fn fixed_fields(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter_map(|field| match field {
                FormField::Fixed { name, value } => Some((name.clone(), value.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Why a policy cannot be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostPolicyError {
    /// The expiration is not after the signing time.
    ExpirationNotInFuture {
        /// The expiration, Unix seconds.
        expiration: i64,
        /// The signing time.
        now: i64,
    },
    /// A V4 form is valid at most 7 days after `x-oss-date` (spec §5.4).
    ExpirationTooFar {
        /// The expiration, Unix seconds.
        expiration: i64,
        /// The latest allowed.
        latest: i64,
    },
    /// `content-length-range` with `min > max`.
    InvalidLengthRange {
        /// Lower bound.
        min: u64,
        /// Upper bound.
        max: u64,
    },
    /// A custom callback variable name that does not start with `x:` followed by lower-case
    /// letters, digits, `_` or `-` (spec §1.5).
    InvalidCustomVariable(String),
    /// A list condition (`in`) with no values, which no form could satisfy.
    EmptyChoice(&'static str),
}

impl core::fmt::Display for PostPolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PostPolicyError::ExpirationNotInFuture { expiration, now } => write!(
                f,
                "policy expiration {expiration} is not after the signing time {now}"
            ),
            PostPolicyError::ExpirationTooFar { expiration, latest } => write!(
                f,
                "policy expiration {expiration} is more than 7 days after signing (latest {latest}); \
                 V4 forms are valid for at most 7 days"
            ),
            PostPolicyError::InvalidLengthRange { min, max } => {
                write!(
                    f,
                    "content-length-range min {min} is greater than max {max}"
                )
            }
            PostPolicyError::InvalidCustomVariable(name) => write!(
                f,
                "custom variable {name:?} must be x: followed by lower-case letters, digits, '_' or '-'"
            ),
            PostPolicyError::EmptyChoice(what) => {
                write!(f, "{what}: the list of allowed values is empty")
            }
        }
    }
}

impl std::error::Error for PostPolicyError {}

/// Builds a PostObject policy and form (spec §5.2). Conditions are rendered in the order the
/// methods are called; at signing the V4 fields (`x-oss-signature-version`, `x-oss-credential`,
/// `x-oss-date`), the STS token and last the `callback` binding are appended, the layout of
/// the official samples (spec §5.4 vector).
#[derive(Clone, Debug)]
pub struct PostPolicyBuilder {
    bucket: String,
    expiration: i64,
    conditions: Vec<Condition>,
    /// Form fields in order (before the auth fields).
    fields: Vec<FormField>,
    callback: Option<String>,
    custom_vars: Vec<(String, String)>,
    error: Option<PostPolicyError>,
}

impl PostPolicyBuilder {
    /// A policy for uploads into `bucket` that expires at `expiration` (Unix seconds; rendered
    /// as `yyyy-mm-ddTHH:MM:SS.000Z`). Starts with the `{"bucket": …}` condition.
    pub fn new(bucket: &str, expiration: i64) -> Self {
        Self {
            bucket: bucket.to_owned(),
            expiration,
            conditions: vec![Condition::Exact {
                field: "bucket".to_owned(),
                value: bucket.to_owned(),
            }],
            fields: Vec::new(),
            callback: None,
            custom_vars: Vec::new(),
            error: None,
        }
    }

    fn fixed(mut self, name: &str, value: &str, condition: Condition) -> Self {
        self.conditions.push(condition);
        self.fields.push(FormField::Fixed {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    fn client(mut self, name: &str, rule: ClientRule, condition: Condition) -> Self {
        self.conditions.push(condition);
        self.fields.push(FormField::Client {
            name: name.to_owned(),
            rule,
        });
        self
    }

    /// The object key must be exactly `key`; the form carries it.
    pub fn key(self, key: &str) -> Self {
        let condition = Condition::Eq {
            field: "key".to_owned(),
            value: key.to_owned(),
        };
        self.fixed("key", key, condition)
    }

    /// The client chooses the key, which must start with `prefix`.
    pub fn key_starts_with(self, prefix: &str) -> Self {
        let condition = Condition::StartsWith {
            field: "key".to_owned(),
            prefix: prefix.to_owned(),
        };
        self.client("key", ClientRule::StartsWith(prefix.to_owned()), condition)
    }

    /// The file size must lie in `min..=max` bytes.
    pub fn content_length_range(mut self, min: u64, max: u64) -> Self {
        if min > max {
            self.error
                .get_or_insert(PostPolicyError::InvalidLengthRange { min, max });
        }
        self.conditions
            .push(Condition::ContentLengthRange { min, max });
        self
    }

    /// `Content-Type` must equal `content_type`; the form carries it.
    pub fn content_type(self, content_type: &str) -> Self {
        let condition = Condition::Eq {
            field: "Content-Type".to_owned(),
            value: content_type.to_owned(),
        };
        self.fixed("Content-Type", content_type, condition)
    }

    /// The client sends a `Content-Type` starting with `prefix` (e.g. `image/`).
    pub fn content_type_starts_with(self, prefix: &str) -> Self {
        let condition = Condition::StartsWith {
            field: "Content-Type".to_owned(),
            prefix: prefix.to_owned(),
        };
        self.client(
            "Content-Type",
            ClientRule::StartsWith(prefix.to_owned()),
            condition,
        )
    }

    /// The client sends one of `types` as `Content-Type`.
    pub fn content_type_in(mut self, types: &[&str]) -> Self {
        if types.is_empty() {
            self.error
                .get_or_insert(PostPolicyError::EmptyChoice("content_type_in"));
        }
        let values: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
        let condition = Condition::In {
            field: "Content-Type".to_owned(),
            values: values.clone(),
        };
        self.client("Content-Type", ClientRule::OneOf(values), condition)
    }

    /// `success_action_status` (200, 201 or 204) is fixed in the form and the policy.
    pub fn success_action_status(self, status: u16) -> Self {
        let status = status.to_string();
        let condition = Condition::Eq {
            field: "success_action_status".to_owned(),
            value: status.clone(),
        };
        self.fixed("success_action_status", &status, condition)
    }

    /// `x-oss-forbid-overwrite`: with `true`, OSS refuses to replace an existing object (409
    /// `FileAlreadyExists`).
    pub fn forbid_overwrite(self, forbid: bool) -> Self {
        let value = if forbid { "true" } else { "false" };
        let condition = Condition::Exact {
            field: "x-oss-forbid-overwrite".to_owned(),
            value: value.to_owned(),
        };
        self.fixed("x-oss-forbid-overwrite", value, condition)
    }

    /// Attaches the upload callback (Base64 callback JSON, spec §1.1 carrier 3) and binds it
    /// with a `{"callback": …}` condition, so the browser cannot change or drop it.
    pub fn callback(mut self, callback_b64: &str) -> Self {
        self.callback = Some(callback_b64.to_owned());
        self
    }

    /// A custom callback variable, sent as its own form field `x:name` (spec §1.5). OSS needs
    /// no policy condition for it.
    pub fn custom_var(mut self, name: &str, value: &str) -> Self {
        let valid = name.strip_prefix("x:").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        });
        if !valid {
            self.error
                .get_or_insert(PostPolicyError::InvalidCustomVariable(name.to_owned()));
        }
        self.custom_vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Any other condition (e.g. `not-in` on `Cache-Control`). It adds no form field.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// The compact policy JSON for the given signing conditions.
    fn render(&self, signing: &[Condition]) -> String {
        let items: Vec<String> = self
            .conditions
            .iter()
            .chain(signing)
            .map(Condition::to_json)
            .collect();
        format!(
            "{{\"expiration\":\"{}\",\"conditions\":[{}]}}",
            format_iso8601_millis(self.expiration),
            items.join(",")
        )
    }

    fn check(&self, now: i64, version: SignatureVersion) -> Result<(), PostPolicyError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        if self.expiration <= now {
            return Err(PostPolicyError::ExpirationNotInFuture {
                expiration: self.expiration,
                now,
            });
        }
        let latest = now.saturating_add(MAX_EXPIRES_SECONDS as i64);
        if version == SignatureVersion::V4 && self.expiration > latest {
            return Err(PostPolicyError::ExpirationTooFar {
                expiration: self.expiration,
                latest,
            });
        }
        Ok(())
    }

    /// Signs the policy at `now` and returns the form to post to `endpoint` (spec §5.3/§5.4).
    pub fn sign(
        self,
        version: SignatureVersion,
        credentials: &Credentials,
        region: &Region,
        endpoint: &Endpoint,
        now: i64,
    ) -> Result<PostForm, PostPolicyError> {
        self.check(now, version)?;
        let token = credentials.security_token.as_deref();
        let exact = |field: &str, value: &str| Condition::Exact {
            field: field.to_owned(),
            value: value.to_owned(),
        };
        let fixed = |name: &str, value: &str| FormField::Fixed {
            name: name.to_owned(),
            value: value.to_owned(),
        };

        let mut signing = Vec::new();
        let mut auth_fields = Vec::new();
        let policy;
        match version {
            SignatureVersion::V4 => {
                let scope = Scope::at(now, region.clone());
                let date = format_oss_date(now);
                let credential = scope.credential(&credentials.access_key_id);
                signing.push(exact("x-oss-signature-version", v4::ALGORITHM));
                signing.push(exact("x-oss-credential", &credential));
                signing.push(exact("x-oss-date", &date));
                if let Some(token) = token {
                    signing.push(exact("x-oss-security-token", token));
                }
                if let Some(callback) = &self.callback {
                    signing.push(exact("callback", callback));
                }
                policy = base64_encode(self.render(&signing).as_bytes());
                let signature =
                    v4::sign_post_policy(&credentials.access_key_secret, &scope, &policy);
                auth_fields.push(fixed("policy", &policy));
                auth_fields.push(fixed("x-oss-signature-version", v4::ALGORITHM));
                auth_fields.push(fixed("x-oss-credential", &credential));
                auth_fields.push(fixed("x-oss-date", &date));
                if let Some(token) = token {
                    auth_fields.push(fixed("x-oss-security-token", token));
                }
                auth_fields.push(fixed("x-oss-signature", &signature));
            }
            SignatureVersion::V1 => {
                if let Some(token) = token {
                    signing.push(exact("x-oss-security-token", token));
                }
                if let Some(callback) = &self.callback {
                    signing.push(exact("callback", callback));
                }
                policy = base64_encode(self.render(&signing).as_bytes());
                let signature = v1::sign(&credentials.access_key_secret, &policy);
                auth_fields.push(fixed("OSSAccessKeyId", &credentials.access_key_id));
                auth_fields.push(fixed("policy", &policy));
                auth_fields.push(fixed("Signature", &signature));
                if let Some(token) = token {
                    auth_fields.push(fixed("x-oss-security-token", token));
                }
            }
        }

        let mut fields = self.fields;
        fields.extend(auth_fields);
        if let Some(callback) = &self.callback {
            fields.push(fixed("callback", callback));
        }
        for (name, value) in &self.custom_vars {
            fields.push(fixed(name, value));
        }
        fields.push(FormField::File);
        Ok(PostForm {
            url: endpoint.bucket_url(&self.bucket),
            fields,
            expires_at: self.expiration,
        })
    }
}
