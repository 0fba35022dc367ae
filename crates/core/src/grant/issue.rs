//! Building grants: a request, the configuration, the authenticated subject, the time and a
//! random grant id in; a signed PostObject form, presigned PUT or multipart plan out, each
//! carrying the upload callback with its ticket.

use serde::Serialize;
use serde::ser::SerializeMap as _;

use super::GrantError;
use super::auth::Subject;
use super::config::SignerConfig;
use super::key::{FileName, KeyValues, MAX_KEY_LEN};
use super::limits::{MAX_MULTIPART_UPLOAD, MAX_SINGLE_UPLOAD};
use super::request::{GrantRequest, Mode, RequestError};
use crate::callback::params::{BodyType, CallbackParams, EVENT_JSON_BODY};
use crate::encoding::hex_lower;
use crate::sign::post_policy::PostPolicyBuilder;
use crate::sign::presign::{self, PresignOptions, PresignRequest, PresignedRequest, multipart};
use crate::sign::{SignatureVersion, v4};
use crate::ticket::{self, ObjectScope, TicketClaims, UploadFacts};

pub use super::key::GRANT_ID_BYTES;

/// The `callbackBodyType` of every grant: the event body is JSON ([`EVENT_JSON_BODY`]). The
/// ticket carries it (claim `bdy`), so the callback Worker never reads it from the unsigned
/// `Content-Type` header.
pub const GRANT_BODY_TYPE: BodyType = BodyType::Json;

/// Longest accepted multipart upload id.
pub const MAX_UPLOAD_ID_LEN: usize = 256;

/// `success_action_status` fixed in every PostObject grant.
pub const SUCCESS_ACTION_STATUS: u16 = 200;

/// Name/value pairs that serialize as a JSON object **in this order** (form fields must be
/// posted in order, `file` last).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for Pairs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// What the upload will trigger: the callback OSS calls once the object is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallbackInfo {
    /// The callback URL, upload ticket included.
    pub url: String,
    /// `callbackBodyType`.
    pub body_type: &'static str,
    /// The `callbackBody` template.
    pub body: String,
    /// Whether OSS sends SNI (true for https).
    pub sni: bool,
    /// The Base64 `callback` parameter exactly as the form / URL carries it.
    pub parameter: String,
}

/// One presigned request of a multipart plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignedRequest {
    /// The part number (UploadPart only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<u32>,
    /// HTTP method.
    pub method: String,
    /// The presigned URL.
    pub url: String,
    /// Headers to send exactly.
    pub headers: Pairs,
}

impl From<PresignedRequest> for SignedRequest {
    fn from(p: PresignedRequest) -> Self {
        Self {
            part_number: None,
            method: p.method,
            url: p.url,
            headers: Pairs(p.headers),
        }
    }
}

/// The multipart part of a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MultipartInfo {
    /// Bytes per part (the last part may be smaller).
    pub part_size: u64,
    /// Number of parts.
    pub part_count: u32,
    /// Phase 1: send this back with `upload_id` to get the part URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation: Option<String>,
    /// Phase 2: the upload id the plan is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// Phase 2: one presigned UploadPart per part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<SignedRequest>>,
    /// Phase 2: the presigned CompleteMultipartUpload (carries the callback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<SignedRequest>,
}

/// An upload grant: the response of `POST /v1/grants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// The grant id (also in the key by default, and in the ticket).
    pub grant_id: String,
    /// The mode.
    pub mode: Mode,
    /// Signature version used, `v4` or `v1`.
    pub signature_version: &'static str,
    /// The HTTP method of the request to make (post: `POST` the form; put: `PUT` the bytes;
    /// multipart phase 1: `POST` InitiateMultipartUpload; phase 2: `POST` Complete).
    pub method: String,
    /// Where to send it.
    pub url: String,
    /// Post: the form fields in order; append `file` last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Pairs>,
    /// Put / multipart: the exact headers to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Pairs>,
    /// The object key.
    pub key: String,
    /// The content type the upload must carry (absent in multipart phase 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Largest accepted size, bytes.
    pub max_size: u64,
    /// When the grant stops working, Unix seconds.
    pub expires_at: i64,
    /// What the upload will trigger.
    pub callback: CallbackInfo,
    /// Where the client reports an upload whose callback it did not see answered (OSS's
    /// callback failed or timed out, or the connection dropped): `POST` here, with the same
    /// ticket, until the ticket's deadline (grant expiry + upload allowance; CONTRACTS §3/§4).
    pub recover_url: String,
    /// Multipart details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipart: Option<MultipartInfo>,
}

impl Grant {
    /// The response body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The response of `GET /v1/policy`: the field names of Alibaba's official browser
/// direct-upload samples (spec §5.5), for front-end code written for them (what such code must change, an `Authorization` header among it: docs/signer.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicySample {
    /// The AccessKey id (V1 samples post it as `OSSAccessKeyId`).
    pub accessid: String,
    /// Where to post the form.
    pub host: String,
    /// The Base64 policy.
    pub policy: String,
    /// The signature (V4 hex / V1 Base64).
    pub signature: String,
    /// Expiry, Unix seconds.
    pub expire: i64,
    /// The Base64 callback parameter.
    pub callback: String,
    /// The key prefix the client's key must start with.
    pub dir: String,
    /// Where the client reports an upload whose callback it did not see answered (as in
    /// grants; not a field of the official samples, which ignore it).
    pub recover_url: String,
    /// V4: `x-oss-credential`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_oss_credential: Option<String>,
    /// V4: `x-oss-date`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_oss_date: Option<String>,
    /// V4: `OSS4-HMAC-SHA256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_oss_signature_version: Option<String>,
    /// V4: the STS token, empty without STS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_token: Option<String>,
}

impl PolicySample {
    /// The response body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn signing_failed(e: impl core::fmt::Display) -> GrantError {
    GrantError::Signing(e.to_string())
}

fn options(config: &SignerConfig, now: i64, expires_in: u64) -> PresignOptions {
    PresignOptions {
        version: config.version,
        credentials: config.credentials.clone(),
        region: config.region.clone(),
        endpoint: config.endpoint.clone(),
        now,
        expires_in,
    }
}

/// Mints the ticket for `claims` and builds the callback parameter around it.
fn callback_for(
    config: &SignerConfig,
    ticket: &str,
) -> Result<(CallbackParams, CallbackInfo), GrantError> {
    let url = ticket::append_to_url(&config.callback_url, ticket);
    let params = CallbackParams::builder()
        .url(url.clone())
        .body(EVENT_JSON_BODY)
        .body_type(GRANT_BODY_TYPE)
        .build()
        .map_err(signing_failed)?;
    let info = CallbackInfo {
        url,
        body_type: GRANT_BODY_TYPE.as_str(),
        body: EVENT_JSON_BODY.to_owned(),
        sni: params.sni(),
        parameter: params.to_base64(),
    };
    Ok((params, info))
}

fn mint(config: &SignerConfig, claims: &TicketClaims) -> Result<String, GrantError> {
    let key = config
        .ticket_key()
        .ok_or_else(|| GrantError::Signing("no ticket key".into()))?;
    ticket::mint(claims, key).map_err(signing_failed)
}

/// The ticket's deadline (claim `dl`) for a grant expiring at `expires_at`: an upload started
/// just before the grant expired still gets its callback and can still be recovered for
/// [`SignerConfig::upload_allowance`] seconds (issue 12, CONTRACTS §1/§4).
fn deadline(config: &SignerConfig, expires_at: i64) -> i64 {
    expires_at.saturating_add(i64::try_from(config.upload_allowance).unwrap_or(i64::MAX))
}

fn version_name(version: SignatureVersion) -> &'static str {
    match version {
        SignatureVersion::V4 => "v4",
        SignatureVersion::V1 => "v1",
    }
}

/// Issues a grant for `request` by `subject` at `now`, with `random` bytes for the grant id.
pub fn issue(
    request: &GrantRequest,
    subject: &Subject,
    config: &SignerConfig,
    now: i64,
    random: &[u8; GRANT_ID_BYTES],
) -> Result<Grant, GrantError> {
    if request.mode == Mode::Multipart && request.upload_id.is_some() {
        return multipart_plan(request, subject, config, now);
    }
    if request.continuation.is_some() || request.upload_id.is_some() {
        return Err(RequestError::Invalid {
            field: "upload_id",
            expected: "sent together with continuation, in mode multipart only",
        }
        .into());
    }
    let filename = request
        .filename
        .as_deref()
        .ok_or(RequestError::Missing("filename"))?;
    let file = FileName::parse(filename)?;
    let content_type = request
        .content_type
        .as_deref()
        .ok_or(RequestError::Missing("content_type"))?;
    let content_type = config.limits.check_content_type(content_type)?;
    let file = file.for_content_type(&content_type)?;
    let size = request.size.ok_or(RequestError::Missing("size"))?;
    let ceiling = match request.mode {
        Mode::Multipart => MAX_MULTIPART_UPLOAD,
        _ => MAX_SINGLE_UPLOAD,
    };
    config.limits.check_size(size, ceiling)?;
    let ttl = config.limits.ttl(request.expires_in)?;
    let expires_at = now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));

    let grant_id = hex_lower(random);
    let key = config.key_template.render(&KeyValues {
        subject: subject.as_str(),
        grant_id: &grant_id,
        file: Some(&file),
        now,
    });
    if key.len() > MAX_KEY_LEN {
        return Err(GrantError::KeyTooLong { len: key.len() });
    }
    let claims = TicketClaims {
        grant_id: grant_id.clone(),
        subject: subject.as_str().to_owned(),
        bucket: config.bucket.clone(),
        object: ObjectScope::Key(key.clone()),
        max_size: size,
        expires_at,
        deadline: deadline(config, expires_at),
        body_type: GRANT_BODY_TYPE,
    };
    let ticket = mint(config, &claims)?;
    let (params, callback) = callback_for(config, &ticket)?;
    let callback_b64 = params.to_base64();

    let mut grant = Grant {
        grant_id,
        mode: request.mode,
        signature_version: version_name(config.version),
        method: String::new(),
        url: String::new(),
        fields: None,
        headers: None,
        key: key.clone(),
        content_type: Some(content_type.clone()),
        max_size: size,
        expires_at,
        callback,
        recover_url: ticket::append_to_url(&config.recover_url, &ticket),
        multipart: None,
    };
    match request.mode {
        Mode::Post => {
            let form = PostPolicyBuilder::new(&config.bucket, expires_at)
                .key(&key)
                .content_type(&content_type)
                .content_length_range(0, size)
                .success_action_status(SUCCESS_ACTION_STATUS)
                .callback(&callback_b64)
                .sign(
                    config.version,
                    &config.credentials,
                    &config.region,
                    &config.endpoint,
                    now,
                )
                .map_err(signing_failed)?;
            grant.method = "POST".into();
            grant.url = form.url.clone();
            grant.fields = Some(Pairs(form.fixed_fields()));
        }
        Mode::Put => {
            let put = PresignRequest::put(&config.bucket, &key)
                .content_type(&content_type)
                .callback(&callback_b64, None);
            let signed =
                presign::presign(&put, &options(config, now, ttl)).map_err(signing_failed)?;
            grant.method = signed.method;
            grant.url = signed.url;
            grant.headers = Some(Pairs(signed.headers));
        }
        Mode::Multipart => {
            let (part_size, part_count) = part_layout(size, config.part_size);
            let initiate = multipart::initiate(&config.bucket, &key, Some(&content_type));
            let signed =
                presign::presign(&initiate, &options(config, now, ttl)).map_err(signing_failed)?;
            grant.method = signed.method;
            grant.url = signed.url;
            grant.headers = Some(Pairs(signed.headers));
            grant.multipart = Some(MultipartInfo {
                part_size,
                part_count,
                continuation: Some(ticket),
                upload_id: None,
                parts: None,
                complete: None,
            });
        }
    }
    Ok(grant)
}

/// Part size and count for `size` bytes: at least `preferred` per part, at most 10 000 parts.
pub fn part_layout(size: u64, preferred: u64) -> (u64, u32) {
    let max_parts = u64::from(multipart::MAX_PART_NUMBER);
    let part_size = preferred.max(size.div_ceil(max_parts)).max(1);
    let count = size.div_ceil(part_size).max(1);
    (
        part_size,
        u32::try_from(count).unwrap_or(multipart::MAX_PART_NUMBER),
    )
}

fn valid_upload_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_UPLOAD_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Multipart phase 2: the part URLs and the Complete request for an upload id.
fn multipart_plan(
    request: &GrantRequest,
    subject: &Subject,
    config: &SignerConfig,
    now: i64,
) -> Result<Grant, GrantError> {
    let upload_id = request.upload_id.as_deref().unwrap_or_default();
    if !valid_upload_id(upload_id) {
        return Err(RequestError::Invalid {
            field: "upload_id",
            expected: "the UploadId OSS returned (letters, digits, '-', '_', '.'; at most 256)",
        }
        .into());
    }
    let continuation = request
        .continuation
        .as_deref()
        .ok_or(RequestError::Missing("continuation"))?;
    let verified = ticket::check(
        continuation,
        &config.tickets,
        now,
        &UploadFacts {
            bucket: Some(&config.bucket),
            ..UploadFacts::default()
        },
    )
    .map_err(GrantError::Continuation)?;
    let claims = verified.claims;
    let ObjectScope::Key(key) = &claims.object else {
        return Err(GrantError::ContinuationMismatch);
    };
    if claims.subject != subject.as_str() {
        return Err(GrantError::ContinuationMismatch);
    }
    // The ticket outlives the grant (for the callback and recovery); new part URLs do not.
    if now >= claims.expires_at {
        return Err(GrantError::Continuation(
            crate::ticket::TicketError::Expired {
                deadline: claims.expires_at,
                now,
            },
        ));
    }
    let remaining = u64::try_from(claims.expires_at.saturating_sub(now))
        .unwrap_or(0)
        .clamp(1, v4::MAX_EXPIRES_SECONDS);
    let (part_size, part_count) = part_layout(claims.max_size, config.part_size);
    let (params, callback) = callback_for(config, continuation)?;
    let callback_b64 = params.to_base64();
    let plan = multipart::plan(
        &config.bucket,
        key,
        upload_id,
        part_count,
        Some(&callback_b64),
        None,
        &options(config, now, remaining),
    )
    .map_err(signing_failed)?;
    let parts = plan
        .parts
        .into_iter()
        .zip(1..)
        .map(|(p, n)| SignedRequest {
            part_number: Some(n),
            ..SignedRequest::from(p)
        })
        .collect();
    let complete = SignedRequest::from(plan.complete);
    Ok(Grant {
        grant_id: claims.grant_id.clone(),
        mode: Mode::Multipart,
        signature_version: version_name(config.version),
        method: complete.method.clone(),
        url: complete.url.clone(),
        fields: None,
        headers: Some(complete.headers.clone()),
        key: key.clone(),
        content_type: None,
        max_size: claims.max_size,
        expires_at: claims.expires_at,
        callback,
        recover_url: ticket::append_to_url(&config.recover_url, continuation),
        multipart: Some(MultipartInfo {
            part_size,
            part_count,
            continuation: None,
            upload_id: Some(upload_id.to_owned()),
            parts: Some(parts),
            complete: Some(complete),
        }),
    })
}

/// The `GET /v1/policy` answer for `subject` at `now`: a PostObject policy for any key under
/// the subject's directory, up to the configured size (and 5 GiB), bound to the callback.
///
/// Content types are not restricted here: the official samples post no `Content-Type`
/// field, so a condition on it would refuse their forms. Use `POST /v1/grants` for that.
pub fn policy_sample(
    subject: &Subject,
    config: &SignerConfig,
    now: i64,
    random: &[u8; GRANT_ID_BYTES],
) -> Result<PolicySample, GrantError> {
    let dir = config.key_template.directory(subject.as_str(), now);
    let ttl = config.limits.default_ttl();
    let expires_at = now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
    let max_size = config.limits.max_size().min(MAX_SINGLE_UPLOAD);
    let claims = TicketClaims {
        grant_id: hex_lower(random),
        subject: subject.as_str().to_owned(),
        bucket: config.bucket.clone(),
        object: ObjectScope::Prefix(dir.clone()),
        max_size,
        expires_at,
        deadline: deadline(config, expires_at),
        body_type: GRANT_BODY_TYPE,
    };
    let ticket = mint(config, &claims)?;
    let (params, _) = callback_for(config, &ticket)?;
    let callback_b64 = params.to_base64();
    let form = PostPolicyBuilder::new(&config.bucket, expires_at)
        .key_starts_with(&dir)
        .content_length_range(0, max_size)
        .callback(&callback_b64)
        .sign(
            config.version,
            &config.credentials,
            &config.region,
            &config.endpoint,
            now,
        )
        .map_err(signing_failed)?;
    let v4 = config.version == SignatureVersion::V4;
    let v4_field = |name: &str| v4.then(|| form.field(name).unwrap_or_default().to_owned());
    Ok(PolicySample {
        accessid: config.credentials.access_key_id.clone(),
        host: form.url.clone(),
        policy: form.policy().to_owned(),
        signature: form.signature().to_owned(),
        expire: expires_at,
        callback: callback_b64,
        dir,
        recover_url: ticket::append_to_url(&config.recover_url, &ticket),
        x_oss_credential: v4_field("x-oss-credential"),
        x_oss_date: v4_field("x-oss-date"),
        x_oss_signature_version: v4_field("x-oss-signature-version"),
        security_token: v4.then(|| {
            config
                .credentials
                .security_token
                .clone()
                .unwrap_or_default()
        }),
    })
}
