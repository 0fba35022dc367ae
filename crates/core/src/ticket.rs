//! The upload ticket: the signer's own HMAC-SHA256 proof that it granted an upload, carried in
//! the callback URL's query (which OSS's signature covers).
//!
//! OSS signs its callbacks with a 512-bit RSA key (spec §3.2), which well-resourced attackers
//! can factor; the spec recommends "a secret/nonce in the callback URL query, which is signed".
//! The ticket is that secret, made useful: it names what was granted, so the callback Worker
//! can check the upload against the grant with a key only the signer and the Worker hold.
//!
//! ## Format (version 2)
//!
//! ```text
//! v2.<kid>.<claims>.<mac>
//! ```
//!
//! - `kid`: the key id, 1 to [`MAX_KEY_ID_LEN`] characters of `A-Z a-z 0-9 _ -`.
//! - `claims`: Base64url without padding of the canonical compact JSON
//!   `{"gid":…,"sub":…,"bkt":…,"key"|"pfx":…,"max":…,"exp":…,"dl":…,"bdy":…}`, keys in
//!   exactly that order (grant id, subject, bucket, exact object key *or* key prefix, maximum
//!   size in bytes, the grant's expiry, the callback deadline, the callback body type). Any
//!   other spelling of the same claims is refused.
//!   - `exp` is when the grant itself expires: OSS refuses an upload *started* later (the
//!     policy's or presigned URL's expiry), so the ticket does not enforce it.
//!   - `dl` is the deadline for the callback and for recovery: `exp` plus the signer's upload
//!     allowance, so an upload that starts just before the grant expires and takes a while
//!     still gets its event. A ticket is valid while `now < dl`.
//!   - `bdy` is the `callbackBodyType` the signer configured, `form` or `json`: the callback
//!     Worker parses the body as this type, never as the unsigned `Content-Type` header says.
//! - `mac`: Base64url without padding of HMAC-SHA256(secret, `v2.<kid>.<claims>`), 43
//!   characters. The MAC covers the version and key id as well as the claims.
//!
//! Version 1 (no `dl`, no `bdy`) is refused as [`TicketError::UnsupportedVersion`]: its body
//! type would have to come from the request's `Content-Type`, which OSS does not sign.
//!
//! Every character is RFC 3986 unreserved (`A-Z a-z 0-9 - _ .`), so the ticket survives
//! percent-encoding, WHATWG URL normalisation and form decoding unchanged, and needs no
//! escaping in a query string. Base64url decoding is strict (no padding, no non-zero
//! trailing bits), so each ticket has exactly one spelling and changing any character is
//! detected.
//!
//! ## Checks, in order
//! [`authenticate`]: length, shape, version, key id, MAC (constant time, over the raw text,
//! before anything is decoded), claims, deadline. Then [`VerifiedTicket::admits`]: bucket,
//! object, size — compared with the facts the *bucket* reports about the stored object, once
//! the caller has confirmed it (a callback body is written by whoever configured the upload).
//! [`check`] does both in one call.

use core::fmt;

use base64::Engine as _;

pub use crate::callback::params::BodyType;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The query parameter that carries the ticket in a callback URL. Unambiguous next to an
/// application's own parameters; found without decoding by [`find_in_query`].
pub const TICKET_PARAM: &str = "oss_edge_ticket";

/// The version prefix minted and accepted.
pub const TICKET_VERSION: &str = "v2";

/// Longest ticket [`check`] looks at and [`mint`] produces, in bytes. A callback URL with its
/// ticket must fit in the callback parameter's 5120 bytes of Base64 (spec §1.2), about 3800
/// bytes of JSON shared with the body template.
pub const MAX_TICKET_LEN: usize = 2048;

/// Longest key id.
pub const MAX_KEY_ID_LEN: usize = 32;

/// Shortest accepted HMAC secret, in bytes: HMAC-SHA256 wants at least 256 bits of key.
pub const MIN_SECRET_LEN: usize = 32;

/// Longest grant id minted.
pub const MAX_GRANT_ID_LEN: usize = 128;

/// Longest subject minted.
pub const MAX_SUBJECT_LEN: usize = 256;

/// Longest bucket name minted (OSS bucket names have 3 to 63 characters).
pub const MAX_BUCKET_LEN: usize = 63;

/// Longest object key or prefix minted (OSS object keys have at most 1023 bytes).
pub const MAX_OBJECT_LEN: usize = 1023;

const MAC_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// True when `kid` is 1 to [`MAX_KEY_ID_LEN`] characters of `A-Z a-z 0-9 _ -`.
pub fn is_valid_key_id(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= MAX_KEY_ID_LEN
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Which objects a ticket grants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectScope {
    /// Exactly this object key (claim `key`).
    Key(String),
    /// Any object key starting with this prefix (claim `pfx`); an empty prefix grants the
    /// whole bucket.
    Prefix(String),
}

impl ObjectScope {
    /// Whether `object` is inside the scope.
    pub fn permits(&self, object: &str) -> bool {
        match self {
            ObjectScope::Key(key) => object == key,
            ObjectScope::Prefix(prefix) => object.starts_with(prefix.as_str()),
        }
    }
}

/// What the signer granted. Serialized (for events and the CLI) as
/// `{"grant_id":…,"subject":…,"bucket":…,"object":{"key"|"prefix":…},"max_size":…,
/// "expires_at":…,"deadline":…,"body_type":"form"|"json"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct TicketClaims {
    /// The grant's id, generated by the caller (e.g. random bytes, hex).
    pub grant_id: String,
    /// Who the grant was issued to (the application's user id).
    pub subject: String,
    /// The bucket.
    pub bucket: String,
    /// The object key or key prefix.
    pub object: ObjectScope,
    /// Largest object size allowed, in bytes.
    pub max_size: u64,
    /// The grant's expiry, Unix seconds (claim `exp`): OSS refuses an upload started later.
    pub expires_at: i64,
    /// The callback and recovery deadline, Unix seconds (claim `dl`): the ticket is valid
    /// while `now < deadline`. At least `expires_at`; the difference is the upload allowance.
    pub deadline: i64,
    /// The `callbackBodyType` the signer configured (claim `bdy`).
    #[serde(serialize_with = "serialize_body_type")]
    pub body_type: BodyType,
}

fn serialize_body_type<S: serde::Serializer>(
    body_type: &BodyType,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(body_type_claim(*body_type))
}

/// The `bdy` claim's spelling of a body type.
fn body_type_claim(body_type: BodyType) -> &'static str {
    match body_type {
        BodyType::Form => "form",
        BodyType::Json => "json",
    }
}

fn json_string(text: &str) -> String {
    // Serialising the `&str` itself, not a `Value`: a `Value` drags serde_json's float
    // formatter into every Worker that mints tickets (issue 15).
    serde_json::to_string(text).unwrap_or_default()
}

impl TicketClaims {
    /// The canonical compact claims JSON (see the [module docs](self)).
    pub fn to_json(&self) -> String {
        let (scope_key, scope_value) = match &self.object {
            ObjectScope::Key(key) => ("key", key),
            ObjectScope::Prefix(prefix) => ("pfx", prefix),
        };
        format!(
            "{{\"gid\":{},\"sub\":{},\"bkt\":{},\"{scope_key}\":{},\"max\":{},\"exp\":{},\"dl\":{},\"bdy\":\"{}\"}}",
            json_string(&self.grant_id),
            json_string(&self.subject),
            json_string(&self.bucket),
            json_string(scope_value),
            self.max_size,
            self.expires_at,
            self.deadline,
            body_type_claim(self.body_type),
        )
    }

    /// Parses canonical claims JSON; anything [`Self::to_json`] would not produce is refused.
    pub fn from_json(bytes: &[u8]) -> Result<Self, TicketError> {
        let malformed = |reason| TicketError::Malformed { reason };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| malformed("claims are not JSON"))?;
        let serde_json::Value::Object(map) = value else {
            return Err(malformed("claims are not a JSON object"));
        };
        let text = |name: &str| -> Result<String, TicketError> {
            match map.get(name) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                _ => Err(malformed("a claim is missing or has the wrong type")),
            }
        };
        let object = match (map.get("key"), map.get("pfx")) {
            (Some(_), None) => ObjectScope::Key(text("key")?),
            (None, Some(_)) => ObjectScope::Prefix(text("pfx")?),
            _ => return Err(malformed("claims need exactly one of `key` and `pfx`")),
        };
        let claims = Self {
            grant_id: text("gid")?,
            subject: text("sub")?,
            bucket: text("bkt")?,
            object,
            max_size: map
                .get("max")
                .and_then(serde_json::Value::as_u64)
                .ok_or(malformed("claim `max` must be an unsigned integer"))?,
            expires_at: map
                .get("exp")
                .and_then(serde_json::Value::as_i64)
                .ok_or(malformed("claim `exp` must be an integer"))?,
            deadline: map
                .get("dl")
                .and_then(serde_json::Value::as_i64)
                .ok_or(malformed("claim `dl` must be an integer"))?,
            body_type: match map.get("bdy").and_then(serde_json::Value::as_str) {
                Some("form") => BodyType::Form,
                Some("json") => BodyType::Json,
                _ => return Err(malformed("claim `bdy` must be `form` or `json`")),
            },
        };
        if claims.to_json().as_bytes() != bytes {
            return Err(malformed("claims are not in canonical form"));
        }
        Ok(claims)
    }

    fn validate(&self) -> Result<(), TicketError> {
        let invalid = |reason| Err(TicketError::InvalidClaims { reason });
        let object_len = match &self.object {
            ObjectScope::Key(key) if key.is_empty() => return invalid("the object key is empty"),
            ObjectScope::Key(key) => key.len(),
            ObjectScope::Prefix(prefix) => prefix.len(),
        };
        if self.grant_id.is_empty() || self.grant_id.len() > MAX_GRANT_ID_LEN {
            return invalid("the grant id must have 1 to 128 bytes");
        }
        if self.subject.is_empty() || self.subject.len() > MAX_SUBJECT_LEN {
            return invalid("the subject must have 1 to 256 bytes");
        }
        if self.bucket.is_empty() || self.bucket.len() > MAX_BUCKET_LEN {
            return invalid("the bucket must have 1 to 63 bytes");
        }
        if object_len > MAX_OBJECT_LEN {
            return invalid("the object key or prefix is longer than 1023 bytes");
        }
        if self.deadline < self.expires_at {
            return invalid("the deadline is before the grant's expiry");
        }
        Ok(())
    }
}

/// An HMAC key with its id. [`fmt::Debug`] never shows the secret.
#[derive(Clone)]
pub struct TicketKey {
    kid: String,
    /// The HMAC keyed with the secret (the secret itself is not kept).
    mac: HmacSha256,
}

impl fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl TicketKey {
    /// A key with id `kid` (see [`is_valid_key_id`]) and at least [`MIN_SECRET_LEN`] bytes of
    /// secret, used as given (no decoding).
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let kid = kid.into();
        let secret = secret.into();
        if !is_valid_key_id(&kid) {
            return Err(KeyError::BadKeyId { kid });
        }
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::SecretTooShort {
                kid,
                len: secret.len(),
            });
        }
        // HMAC accepts keys of any length, so this cannot fail; map it anyway.
        let mac = HmacSha256::new_from_slice(&secret).map_err(|_| KeyError::SecretTooShort {
            kid: kid.clone(),
            len: secret.len(),
        })?;
        Ok(Self { kid, mac })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }
}

/// The keys [`check`] accepts, by id: the current key and any still-valid previous ones.
/// Rotate by adding the new key, minting with it, and removing the old one once its
/// tickets have expired.
#[derive(Clone, Debug, Default)]
pub struct TicketKeyring {
    keys: Vec<TicketKey>,
}

impl TicketKeyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key`; its id must be new.
    pub fn insert(&mut self, key: TicketKey) -> Result<(), KeyError> {
        if self.get(key.kid()).is_some() {
            return Err(KeyError::DuplicateKeyId { kid: key.kid });
        }
        self.keys.push(key);
        Ok(())
    }

    /// The key with id `kid`.
    pub fn get(&self, kid: &str) -> Option<&TicketKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The key ids, in insertion order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Parses the configuration form `kid1:secret1,kid2:secret2`: entries separated by `,`,
    /// each split at its first `:`; secrets are taken as given (so they cannot contain `,`)
    /// and nothing is trimmed. At least one entry is required.
    pub fn parse_list(text: &str) -> Result<Self, KeyError> {
        let mut ring = Self::new();
        for entry in text.split(',') {
            let (kid, secret) = entry.split_once(':').ok_or(KeyError::BadList {
                reason: "each entry must be `kid:secret` (entries separated by `,`)",
            })?;
            ring.insert(TicketKey::new(kid, secret.as_bytes())?)?;
        }
        Ok(ring)
    }
}

/// Why a ticket key or keyring cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// A key id outside `A-Z a-z 0-9 _ -` or longer than [`MAX_KEY_ID_LEN`].
    BadKeyId {
        /// The id as given.
        kid: String,
    },
    /// A secret shorter than [`MIN_SECRET_LEN`] bytes.
    SecretTooShort {
        /// The key's id.
        kid: String,
        /// The secret's length.
        len: usize,
    },
    /// Two keys with the same id.
    DuplicateKeyId {
        /// The repeated id.
        kid: String,
    },
    /// A key list that is not `kid:secret,…`.
    BadList {
        /// What is wrong.
        reason: &'static str,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::BadKeyId { kid } => write!(
                f,
                "key id `{kid}` must have 1 to {MAX_KEY_ID_LEN} characters from A-Z, a-z, 0-9, \
                 `_` and `-`"
            ),
            KeyError::SecretTooShort { kid, len } => write!(
                f,
                "the secret of key `{kid}` has {len} bytes; use at least {MIN_SECRET_LEN} \
                 random bytes (e.g. 64 hex characters)"
            ),
            KeyError::DuplicateKeyId { kid } => write!(f, "key id `{kid}` appears twice"),
            KeyError::BadList { reason } => write!(f, "invalid key list: {reason}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a ticket was refused (or, for [`TicketError::InvalidClaims`], not minted).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketError {
    /// The ticket is longer than [`MAX_TICKET_LEN`].
    TooLong {
        /// Its length.
        len: usize,
    },
    /// Not a ticket: wrong shape, bad Base64url, bad key id characters, non-canonical claims.
    Malformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// A version other than [`TICKET_VERSION`].
    UnsupportedVersion {
        /// The version as given.
        version: String,
    },
    /// No key with this id in the keyring (retired, or never configured).
    UnknownKey {
        /// The key id.
        kid: String,
    },
    /// The MAC does not match: the ticket was altered or minted with another secret.
    BadMac,
    /// The ticket's deadline (claim `dl`: the grant's expiry plus the upload allowance) has
    /// passed.
    Expired {
        /// Its deadline.
        deadline: i64,
        /// The time it was checked at.
        now: i64,
    },
    /// The upload went to another bucket than the one granted.
    BucketMismatch {
        /// The granted bucket.
        granted: String,
        /// The upload's bucket.
        actual: String,
    },
    /// The upload's object key is outside the granted key or prefix.
    ObjectMismatch {
        /// The upload's object key.
        object: String,
    },
    /// The upload is larger than granted.
    SizeExceeded {
        /// The upload's size.
        size: u64,
        /// The granted maximum.
        max_size: u64,
    },
    /// [`mint`] was given claims outside the limits.
    InvalidClaims {
        /// What is wrong.
        reason: &'static str,
    },
}

impl TicketError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::TooLong { .. } => "ticket_too_long",
            TicketError::Malformed { .. } => "ticket_malformed",
            TicketError::UnsupportedVersion { .. } => "ticket_unsupported_version",
            TicketError::UnknownKey { .. } => "ticket_unknown_key",
            TicketError::BadMac => "ticket_bad_mac",
            TicketError::Expired { .. } => "ticket_expired",
            TicketError::BucketMismatch { .. } => "ticket_bucket_mismatch",
            TicketError::ObjectMismatch { .. } => "ticket_object_mismatch",
            TicketError::SizeExceeded { .. } => "ticket_size_exceeded",
            TicketError::InvalidClaims { .. } => "ticket_invalid_claims",
        }
    }
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketError::TooLong { len } => {
                write!(
                    f,
                    "the ticket has {len} bytes, over the limit of {MAX_TICKET_LEN}"
                )
            }
            TicketError::Malformed { reason } => write!(f, "malformed ticket: {reason}"),
            TicketError::UnsupportedVersion { version } => write!(
                f,
                "ticket version `{version}` is not supported (expected {TICKET_VERSION})"
            ),
            TicketError::UnknownKey { kid } => write!(
                f,
                "ticket key id `{kid}` is not configured (retired or never added to the keyring)"
            ),
            TicketError::BadMac => f.write_str(
                "the ticket's MAC does not match: it was altered or minted with another secret",
            ),
            TicketError::Expired { deadline, now } => write!(
                f,
                "the ticket's deadline passed at {deadline} (checked at {now}); request a new grant"
            ),
            TicketError::BucketMismatch { granted, actual } => write!(
                f,
                "the upload went to bucket `{actual}` but the ticket grants `{granted}`"
            ),
            TicketError::ObjectMismatch { object } => write!(
                f,
                "object `{object}` is outside the ticket's granted key or prefix"
            ),
            TicketError::SizeExceeded { size, max_size } => write!(
                f,
                "the upload has {size} bytes but the ticket allows at most {max_size}"
            ),
            TicketError::InvalidClaims { reason } => {
                write!(f, "cannot mint the ticket: {reason}")
            }
        }
    }
}

impl std::error::Error for TicketError {}

/// A ticket that passed [`authenticate`]: the key that signed it and what it grants.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedTicket {
    /// The id of the key whose MAC matched.
    pub key_id: String,
    /// The grant.
    pub claims: TicketClaims,
}

/// Facts about the upload to compare with the grant; `None` skips that comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UploadFacts<'a> {
    /// The bucket the object was stored in.
    pub bucket: Option<&'a str>,
    /// The stored object's key.
    pub object: Option<&'a str>,
    /// The stored object's size in bytes.
    pub size: Option<u64>,
}

/// Mints a ticket for `claims` with `key` (format in the [module docs](self)).
pub fn mint(claims: &TicketClaims, key: &TicketKey) -> Result<String, TicketError> {
    claims.validate()?;
    let mut ticket = format!(
        "{TICKET_VERSION}.{}.{}",
        key.kid,
        b64url().encode(claims.to_json())
    );
    let mut mac = key.mac();
    mac.update(ticket.as_bytes());
    let tag = mac.finalize().into_bytes();
    ticket.push('.');
    ticket.push_str(&b64url().encode(tag));
    if ticket.len() > MAX_TICKET_LEN {
        return Err(TicketError::InvalidClaims {
            reason: "the claims make the ticket longer than 2048 bytes; shorten the object key",
        });
    }
    Ok(ticket)
}

/// Authenticates `ticket` against `keyring` at `now_unix` (Unix seconds): shape, version, key,
/// MAC, claims and deadline (see the [module docs](self)). What it grants is compared with the
/// upload by [`VerifiedTicket::admits`].
pub fn authenticate(
    ticket: &str,
    keyring: &TicketKeyring,
    now_unix: i64,
) -> Result<VerifiedTicket, TicketError> {
    let malformed = |reason| TicketError::Malformed { reason };
    if ticket.len() > MAX_TICKET_LEN {
        return Err(TicketError::TooLong { len: ticket.len() });
    }
    let mut parts = ticket.split('.');
    let (Some(version), Some(kid), Some(claims_b64), Some(mac_b64), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed("expected four `.`-separated parts"));
    };
    if version != TICKET_VERSION {
        let looks_like_version = version.len() > 1
            && version.len() <= 8
            && version.starts_with('v')
            && version[1..].bytes().all(|b| b.is_ascii_digit());
        return Err(if looks_like_version {
            TicketError::UnsupportedVersion {
                version: version.to_owned(),
            }
        } else {
            malformed("the ticket does not start with a version such as `v2`")
        });
    }
    if !is_valid_key_id(kid) {
        return Err(malformed("the key id has invalid characters or length"));
    }
    let key = keyring.get(kid).ok_or_else(|| TicketError::UnknownKey {
        kid: kid.to_owned(),
    })?;
    let tag = b64url()
        .decode(mac_b64)
        .map_err(|_| malformed("the MAC is not Base64url without padding"))?;
    if tag.len() != MAC_LEN {
        return Err(malformed("the MAC has the wrong length"));
    }
    let signed_len = ticket.len() - mac_b64.len() - 1;
    let mut mac = key.mac();
    mac.update(&ticket.as_bytes()[..signed_len]);
    mac.verify_slice(&tag).map_err(|_| TicketError::BadMac)?;

    let claims_json = b64url()
        .decode(claims_b64)
        .map_err(|_| malformed("the claims are not Base64url without padding"))?;
    let claims = TicketClaims::from_json(&claims_json)?;
    if now_unix >= claims.deadline {
        return Err(TicketError::Expired {
            deadline: claims.deadline,
            now: now_unix,
        });
    }
    Ok(VerifiedTicket {
        key_id: kid.to_owned(),
        claims,
    })
}

impl VerifiedTicket {
    /// Compares the grant with `upload`: bucket, object key or prefix, size. Give it the
    /// bucket's facts about the stored object where they are known; `None` skips a comparison.
    pub fn admits(&self, upload: &UploadFacts<'_>) -> Result<(), TicketError> {
        let claims = &self.claims;
        if let Some(bucket) = upload.bucket
            && bucket != claims.bucket
        {
            return Err(TicketError::BucketMismatch {
                granted: claims.bucket.clone(),
                actual: bucket.to_owned(),
            });
        }
        if let Some(object) = upload.object
            && !claims.object.permits(object)
        {
            return Err(TicketError::ObjectMismatch {
                object: object.to_owned(),
            });
        }
        if let Some(size) = upload.size
            && size > claims.max_size
        {
            return Err(TicketError::SizeExceeded {
                size,
                max_size: claims.max_size,
            });
        }
        Ok(())
    }
}

/// [`authenticate`], then [`VerifiedTicket::admits`] with `upload`.
pub fn check(
    ticket: &str,
    keyring: &TicketKeyring,
    now_unix: i64,
    upload: &UploadFacts<'_>,
) -> Result<VerifiedTicket, TicketError> {
    let verified = authenticate(ticket, keyring, now_unix)?;
    verified.admits(upload)?;
    Ok(verified)
}

/// Finds the [`TICKET_PARAM`] value in a raw query string (with or without its leading `?`)
/// without decoding anything: a valid ticket needs no decoding. `Ok(None)` when absent; the
/// parameter given twice is refused as malformed, since either copy could be the one an
/// attacker added.
pub fn find_in_query(raw_query: &str) -> Result<Option<&str>, TicketError> {
    let query = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut found = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == TICKET_PARAM {
            if found.is_some() {
                return Err(TicketError::Malformed {
                    reason: "the ticket parameter appears more than once",
                });
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// `url` with `oss_edge_ticket=<ticket>` appended to its query (`?` or `&` as needed). The
/// ticket needs no escaping. `url` should have no fragment (callback URLs never do).
pub fn append_to_url(url: &str, ticket: &str) -> String {
    let separator = match url.find('?') {
        None => "?",
        Some(pos) if pos + 1 == url.len() || url.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{url}{separator}{TICKET_PARAM}={ticket}")
}
