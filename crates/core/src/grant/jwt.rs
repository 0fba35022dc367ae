//! JSON Web Tokens (RFC 7519) signed with HS256 or RS256 (RFC 7518 §3.2, §3.3): the second way
//! an application tells the signer who its user is.
//!
//! Only the compact serialisation (RFC 7515 §7.1) is accepted. The algorithm is chosen by
//! the **configured keys**, never by the token alone: a token whose header names `RS256` is
//! checked against the RS256 keys only, `HS256` against the HS256 secrets only, and anything
//! else (including `none`) is refused, so the classic "alg: none" and "RS256 public key used as
//! an HMAC secret" confusions cannot happen. A `kid` in the header selects a key by id;
//! without one every key of the algorithm is tried.
//!
//! Claims checked (RFC 7519 §4.1): `exp` is required, `nbf` is honoured when present, both
//! with [`JwtVerifier::leeway`] seconds of clock skew; the lifetime (`exp` minus `iat`, or
//! minus now when `iat` is absent or in the future) is capped by
//! [`JwtVerifier::max_lifetime`], so a token minted to last for years is not a permanent
//! credential; `iss` must equal the configured issuer and `aud` (a string or a list) must
//! contain the configured audience, when those are configured (the signer's configuration
//! requires both outside local development); `sub` is required and becomes the upload's
//! subject. A header with `crit` (RFC 7515 §4.1.11) is refused: this verifier understands no
//! extension, and a token that says an extension is critical must not be accepted by one that
//! ignores it.
//!
//! RS256 can be checked in two steps ([`JwtVerifier::begin`] → [`RsaCheck`]), so that the
//! signature itself is verified by the runtime's WebCrypto (the signer Worker) while every
//! claim check stays here; [`JwtVerifier::verify`] does both steps in Rust.

use core::fmt;

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use rsa::Pkcs1v15Sign;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::callback::key_der;
use crate::callback::keys::{KeyError, pem_block};

/// Longest token looked at, in bytes.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Default clock-skew allowance for `exp` and `nbf`, in seconds.
pub const DEFAULT_LEEWAY_SECONDS: i64 = 60;

/// Largest configurable leeway, in seconds.
pub const MAX_LEEWAY_SECONDS: i64 = 300;

/// Shortest accepted HS256 secret, in bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_HS256_SECRET_LEN: usize = 32;

/// Default longest token lifetime, in seconds (24 h: the longest default of the common
/// identity providers' access tokens; set `JWT_MAX_LIFETIME_SECONDS` lower when yours are
/// shorter).
pub const DEFAULT_MAX_LIFETIME_SECONDS: i64 = 86_400;

/// Largest configurable lifetime cap, in seconds (30 days).
pub const MAX_MAX_LIFETIME_SECONDS: i64 = 30 * 86_400;

type HmacSha256 = Hmac<Sha256>;

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// Why a token is refused. [`JwtError::code`] gives the stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three Base64url parts, or a part is not JSON, or the token is too long.
    Malformed(&'static str),
    /// The header names an algorithm that has no configured key (`none` always lands here).
    AlgorithmNotAllowed(String),
    /// The header's `kid` names no configured key.
    UnknownKeyId(String),
    /// No configured key verifies the signature.
    BadSignature,
    /// The token has no numeric `exp`.
    MissingExpiry,
    /// `exp` (plus leeway) has passed.
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// `nbf` (minus leeway) is still in the future.
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time of the check.
        now: i64,
    },
    /// `iss` is missing or not the configured issuer.
    WrongIssuer,
    /// `aud` is missing or does not contain the configured audience.
    WrongAudience,
    /// `sub` is missing, empty or not a string.
    MissingSubject,
    /// The header has `crit`: an extension this verifier does not understand.
    CriticalExtension,
    /// `exp` is further from `iat` (or now) than the configured maximum lifetime.
    LifetimeTooLong {
        /// The token's lifetime, seconds.
        lifetime: i64,
        /// The configured maximum, seconds.
        max: i64,
    },
}

impl JwtError {
    /// A stable snake_case code for HTTP error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            JwtError::Malformed(_) => "token_malformed",
            JwtError::AlgorithmNotAllowed(_) => "token_algorithm_not_allowed",
            JwtError::UnknownKeyId(_) => "token_unknown_key",
            JwtError::BadSignature => "token_bad_signature",
            JwtError::MissingExpiry => "token_missing_expiry",
            JwtError::Expired { .. } => "token_expired",
            JwtError::NotYetValid { .. } => "token_not_yet_valid",
            JwtError::WrongIssuer => "token_wrong_issuer",
            JwtError::WrongAudience => "token_wrong_audience",
            JwtError::MissingSubject => "token_missing_subject",
            JwtError::CriticalExtension => "token_crit_unsupported",
            JwtError::LifetimeTooLong { .. } => "token_lifetime_too_long",
        }
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Malformed(why) => write!(f, "the bearer JWT is malformed: {why}"),
            JwtError::AlgorithmNotAllowed(alg) => write!(
                f,
                "JWT algorithm {alg:?} is not accepted here; sign with HS256 or RS256 using a \
                 configured key"
            ),
            JwtError::UnknownKeyId(kid) => {
                write!(f, "JWT key id {kid:?} is not configured on the signer")
            }
            JwtError::BadSignature => f.write_str("the JWT signature does not verify"),
            JwtError::MissingExpiry => {
                f.write_str("the JWT has no numeric exp claim; tokens must expire")
            }
            JwtError::Expired { exp, now } => {
                write!(f, "the JWT expired at {exp} (now {now}); get a new token")
            }
            JwtError::NotYetValid { nbf, now } => {
                write!(
                    f,
                    "the JWT is not valid before {nbf} (now {now}); check clocks"
                )
            }
            JwtError::WrongIssuer => f.write_str("the JWT iss claim is not the configured issuer"),
            JwtError::WrongAudience => {
                f.write_str("the JWT aud claim does not contain the configured audience")
            }
            JwtError::MissingSubject => f.write_str("the JWT has no non-empty string sub claim"),
            JwtError::CriticalExtension => f.write_str(
                "the JWT header has crit: this signer understands no JWS extension, so it \
                 refuses tokens that mark one as critical",
            ),
            JwtError::LifetimeTooLong { lifetime, max } => write!(
                f,
                "the JWT is valid for {lifetime} s; this signer accepts at most {max} s \
                 (JWT_MAX_LIFETIME_SECONDS): issue shorter-lived tokens"
            ),
        }
    }
}

impl std::error::Error for JwtError {}

/// Why a JWT key from configuration cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtKeyError {
    /// An HS256 secret shorter than [`MIN_HS256_SECRET_LEN`] bytes.
    SecretTooShort {
        /// Its length.
        len: usize,
    },
    /// An RS256 key that is not an RSA public key PEM (2048..=4096 bits).
    BadPublicKey(String),
    /// A leeway outside 0..=[`MAX_LEEWAY_SECONDS`].
    BadLeeway(i64),
    /// A lifetime cap outside 1..=[`MAX_MAX_LIFETIME_SECONDS`].
    BadMaxLifetime(i64),
}

impl fmt::Display for JwtKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtKeyError::SecretTooShort { len } => write!(
                f,
                "an HS256 secret has {len} bytes; use at least {MIN_HS256_SECRET_LEN} random bytes"
            ),
            JwtKeyError::BadPublicKey(why) => write!(f, "an RS256 public key is unusable: {why}"),
            JwtKeyError::BadLeeway(s) => {
                write!(f, "JWT leeway {s} s is outside 0..={MAX_LEEWAY_SECONDS} s")
            }
            JwtKeyError::BadMaxLifetime(s) => write!(
                f,
                "JWT maximum lifetime {s} s is outside 1..={MAX_MAX_LIFETIME_SECONDS} s"
            ),
        }
    }
}

impl std::error::Error for JwtKeyError {}

/// Smallest RS256 modulus accepted from configuration (RFC 7518 §3.3: 2048 bits or larger).
pub const MIN_RS256_BITS: usize = 2048;

#[derive(Clone)]
struct HsKey {
    kid: Option<String>,
    mac: HmacSha256,
}

/// An RS256 public key as its big-endian modulus and exponent: what WebCrypto imports as a JWK
/// and what [`JwtVerifier::verify`] builds an `rsa` key from. No big-number work happens at
/// configuration time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaComponents {
    kid: Option<String>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl RsaComponents {
    /// The modulus `n`, Base64url without padding (the JWK member, RFC 7518 §6.3.1.1).
    pub fn jwk_n(&self) -> String {
        b64url().encode(&self.n)
    }

    /// The exponent `e`, Base64url without padding (RFC 7518 §6.3.1.2).
    pub fn jwk_e(&self) -> String {
        b64url().encode(&self.e)
    }

    fn to_rsa(&self) -> Option<rsa::PublicKey> {
        let n = rsa::BoxedUint::from_be_slice_vartime(&self.n);
        let e = rsa::BoxedUint::from_be_slice_vartime(&self.e);
        rsa::PublicKey::new_with_size_limits(n, e, MIN_RS256_BITS..=4096).ok()
    }
}

/// The configured JWT keys and claim expectations.
#[derive(Clone)]
pub struct JwtVerifier {
    hs256: Vec<HsKey>,
    rs256: Vec<RsaComponents>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: i64,
    max_lifetime: i64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256_keys", &self.hs256.len())
            .field("rs256_keys", &self.rs256.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl Default for JwtVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl JwtVerifier {
    /// No keys, no issuer or audience check, [`DEFAULT_LEEWAY_SECONDS`].
    pub fn new() -> Self {
        Self {
            hs256: Vec::new(),
            rs256: Vec::new(),
            issuer: None,
            audience: None,
            leeway: DEFAULT_LEEWAY_SECONDS,
            max_lifetime: DEFAULT_MAX_LIFETIME_SECONDS,
        }
    }

    /// Adds an HS256 secret (used as given), optionally selected by `kid`.
    pub fn add_hs256(&mut self, kid: Option<&str>, secret: &[u8]) -> Result<(), JwtKeyError> {
        if secret.len() < MIN_HS256_SECRET_LEN {
            return Err(JwtKeyError::SecretTooShort { len: secret.len() });
        }
        let mac = HmacSha256::new_from_slice(secret)
            .map_err(|_| JwtKeyError::SecretTooShort { len: secret.len() })?;
        self.hs256.push(HsKey {
            kid: kid.map(str::to_owned),
            mac,
        });
        Ok(())
    }

    /// Adds an RS256 public key (PEM `PUBLIC KEY` or `RSA PUBLIC KEY`, 2048..=4096 bits),
    /// optionally selected by `kid`.
    pub fn add_rs256_pem(&mut self, kid: Option<&str>, pem: &str) -> Result<(), JwtKeyError> {
        let (n, e) =
            public_key_components(pem).map_err(|e| JwtKeyError::BadPublicKey(e.to_string()))?;
        let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
        if !(MIN_RS256_BITS..=4096).contains(&bits) {
            return Err(JwtKeyError::BadPublicKey(format!(
                "{bits}-bit modulus; RS256 needs {MIN_RS256_BITS} to 4096 bits"
            )));
        }
        let e_ok = e.len() <= 4 && e.last().is_some_and(|b| b & 1 == 1) && e != [1];
        if !e_ok {
            return Err(JwtKeyError::BadPublicKey(
                "the public exponent must be odd, above 1 and at most 32 bits".into(),
            ));
        }
        self.rs256.push(RsaComponents {
            kid: kid.map(str::to_owned),
            n,
            e,
        });
        Ok(())
    }

    /// Requires `iss` to equal `issuer`.
    pub fn issuer(mut self, issuer: Option<String>) -> Self {
        self.issuer = issuer;
        self
    }

    /// Requires `aud` to contain `audience`.
    pub fn audience(mut self, audience: Option<String>) -> Self {
        self.audience = audience;
        self
    }

    /// Sets the clock-skew allowance (0..=[`MAX_LEEWAY_SECONDS`]).
    pub fn leeway(mut self, seconds: i64) -> Result<Self, JwtKeyError> {
        if !(0..=MAX_LEEWAY_SECONDS).contains(&seconds) {
            return Err(JwtKeyError::BadLeeway(seconds));
        }
        self.leeway = seconds;
        Ok(self)
    }

    /// Caps the token lifetime (1..=[`MAX_MAX_LIFETIME_SECONDS`]; default
    /// [`DEFAULT_MAX_LIFETIME_SECONDS`]).
    pub fn max_lifetime(mut self, seconds: i64) -> Result<Self, JwtKeyError> {
        if !(1..=MAX_MAX_LIFETIME_SECONDS).contains(&seconds) {
            return Err(JwtKeyError::BadMaxLifetime(seconds));
        }
        self.max_lifetime = seconds;
        Ok(self)
    }

    /// Whether an issuer and an audience are both required.
    pub fn checks_issuer_and_audience(&self) -> bool {
        self.issuer.is_some() && self.audience.is_some()
    }

    /// True when at least one key is configured.
    pub fn has_keys(&self) -> bool {
        !self.hs256.is_empty() || !self.rs256.is_empty()
    }

    /// Verifies `token` at `now` (Unix seconds) and returns its subject (`sub`), checking
    /// RS256 signatures in Rust.
    pub fn verify(&self, token: &str, now: i64) -> Result<String, JwtError> {
        match self.begin(token, now)? {
            JwtStep::Verified(subject) => Ok(subject),
            JwtStep::NeedsRsa(check) => {
                let ok = rsa_signature_valid(&check);
                check.conclude(ok)
            }
        }
    }

    /// The first step of verifying `token` at `now`: shape, header (`alg`, `kid`, `crit`) and,
    /// for HS256, the signature and every claim. An RS256 token comes back as an
    /// [`RsaCheck`] whose signature the caller verifies (e.g. with WebCrypto) before
    /// [`RsaCheck::conclude`] checks the claims.
    pub fn begin<'v>(&'v self, token: &str, now: i64) -> Result<JwtStep<'v>, JwtError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwtError::Malformed("longer than 8 KiB"));
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("expected three dot-separated parts"));
        };
        let header = decode_json(header_b64, "the header")?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(JwtError::Malformed("the header has no alg"))?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(JwtError::Malformed("kid is not a string")),
        };
        if header.get("crit").is_some() {
            return Err(JwtError::CriticalExtension);
        }
        let signature = b64url()
            .decode(sig_b64)
            .map_err(|_| JwtError::Malformed("the signature is not Base64url"))?;
        let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
        match alg {
            "HS256" if !self.hs256.is_empty() => {
                let keys = select(&self.hs256, kid, |k| k.kid.as_deref())?;
                let ok = keys.iter().any(|k| {
                    let mut mac = k.mac.clone();
                    mac.update(signed.as_bytes());
                    mac.verify_slice(&signature).is_ok()
                });
                if !ok {
                    return Err(JwtError::BadSignature);
                }
                let claims = decode_json(payload_b64, "the payload")?;
                self.check_claims(&claims, now).map(JwtStep::Verified)
            }
            "RS256" if !self.rs256.is_empty() => {
                let keys = select(&self.rs256, kid, |k| k.kid.as_deref())?;
                Ok(JwtStep::NeedsRsa(RsaCheck {
                    verifier: self,
                    keys,
                    signing_input: signed.to_owned(),
                    signature,
                    payload_b64: payload_b64.to_owned(),
                    now,
                }))
            }
            other => Err(JwtError::AlgorithmNotAllowed(other.to_owned())),
        }
    }

    fn check_claims(&self, claims: &Value, now: i64) -> Result<String, JwtError> {
        let exp = claims
            .get("exp")
            .and_then(numeric_date)
            .ok_or(JwtError::MissingExpiry)?;
        if now >= exp.saturating_add(self.leeway) {
            return Err(JwtError::Expired { exp, now });
        }
        if let Some(nbf) = claims.get("nbf") {
            let nbf = numeric_date(nbf).ok_or(JwtError::Malformed("nbf is not a number"))?;
            if now.saturating_add(self.leeway) < nbf {
                return Err(JwtError::NotYetValid { nbf, now });
            }
        }
        let iat = match claims.get("iat") {
            None => None,
            Some(v) => Some(numeric_date(v).ok_or(JwtError::Malformed("iat is not a number"))?),
        };
        let start = iat.map_or(now, |iat| iat.min(now));
        let lifetime = exp.saturating_sub(start);
        if lifetime > self.max_lifetime {
            return Err(JwtError::LifetimeTooLong {
                lifetime,
                max: self.max_lifetime,
            });
        }
        if let Some(issuer) = &self.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str())
        {
            return Err(JwtError::WrongIssuer);
        }
        if let Some(audience) = &self.audience {
            let ok = match claims.get("aud") {
                Some(Value::String(aud)) => aud == audience,
                Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
                _ => false,
            };
            if !ok {
                return Err(JwtError::WrongAudience);
            }
        }
        match claims.get("sub") {
            Some(Value::String(sub)) if !sub.is_empty() => Ok(sub.clone()),
            _ => Err(JwtError::MissingSubject),
        }
    }
}

/// Where [`JwtVerifier::begin`] got to.
#[derive(Debug)]
pub enum JwtStep<'v> {
    /// Fully verified (HS256): the subject.
    Verified(String),
    /// RS256: the signature still has to be checked.
    NeedsRsa(RsaCheck<'v>),
}

/// An RS256 token whose header is accepted and whose signature is still to be verified. Its
/// claims are read only by [`RsaCheck::conclude`], after the caller reports the signature
/// check, so nothing in the payload is trusted before that.
#[derive(Debug)]
pub struct RsaCheck<'v> {
    verifier: &'v JwtVerifier,
    keys: Vec<&'v RsaComponents>,
    signing_input: String,
    signature: Vec<u8>,
    payload_b64: String,
    now: i64,
}

impl RsaCheck<'_> {
    /// The keys to try (selected by `kid` when the header has one).
    pub fn keys(&self) -> &[&RsaComponents] {
        &self.keys
    }

    /// The bytes that were signed: `header.payload` (RFC 7515 §5.2).
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The RSASSA-PKCS1-v1_5 signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Finishes the verification: `signature_valid` is whether one of [`RsaCheck::keys`]
    /// verified [`RsaCheck::signature`] over [`RsaCheck::signing_input`] with
    /// RSASSA-PKCS1-v1_5 / SHA-256. Then every claim is checked as for HS256.
    pub fn conclude(self, signature_valid: bool) -> Result<String, JwtError> {
        if !signature_valid {
            return Err(JwtError::BadSignature);
        }
        let claims = decode_json(&self.payload_b64, "the payload")?;
        self.verifier.check_claims(&claims, self.now)
    }
}

/// Whether one of `check`'s keys verifies its signature (RSASSA-PKCS1-v1_5 / SHA-256), in
/// Rust with the `rsa` crate. The signer Worker does this with WebCrypto instead, so this
/// code (and the big-number arithmetic under it) is not linked into it.
pub fn rsa_signature_valid(check: &RsaCheck<'_>) -> bool {
    let digest = Sha256::digest(check.signing_input());
    check.keys().iter().any(|k| {
        k.to_rsa().is_some_and(|key| {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, check.signature())
                .is_ok()
        })
    })
}

/// The (n, e) of an RSA public key PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`), read by the core's
/// own DER reader.
fn public_key_components(pem: &str) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
    let (der, is_spki) = match pem_block(pem, "PUBLIC KEY") {
        Some(der) => (der?, true),
        None => (
            pem_block(pem, "RSA PUBLIC KEY").ok_or(KeyError::NotPem)??,
            false,
        ),
    };
    let pkcs1 = if is_spki {
        key_der::spki_rsa_public_key(&der)?
    } else {
        &der[..]
    };
    let (n, e) = key_der::rsa_public_key(pkcs1)?;
    Ok((n.to_vec(), e.to_vec()))
}

/// A NumericDate (RFC 7519 §2): an integer, or a number with a fraction (truncated).
fn numeric_date(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn select<'k, K>(
    keys: &'k [K],
    kid: Option<&str>,
    kid_of: impl Fn(&K) -> Option<&str>,
) -> Result<Vec<&'k K>, JwtError> {
    match kid {
        None => Ok(keys.iter().collect()),
        Some(kid) => {
            let chosen: Vec<&K> = keys
                .iter()
                .filter(|k| kid_of(k).is_none_or(|id| id == kid))
                .collect();
            if chosen.is_empty() {
                Err(JwtError::UnknownKeyId(kid.to_owned()))
            } else {
                Ok(chosen)
            }
        }
    }
}

fn decode_json(part: &str, what: &'static str) -> Result<Value, JwtError> {
    let bytes = b64url().decode(part).map_err(|_| {
        JwtError::Malformed(if what == "the header" {
            "the header is not Base64url"
        } else {
            "the payload is not Base64url"
        })
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(JwtError::Malformed(if what == "the header" {
            "the header is not a JSON object"
        } else {
            "the payload is not a JSON object"
        })),
    }
}

/// Makes an HS256 token for `claims` (a JSON object) under `secret`, with an optional `kid`.
/// For tests, development tooling and applications that mint their own tokens.
pub fn encode_hs256(claims: &Value, secret: &[u8], kid: Option<&str>) -> String {
    let signing_input = signing_input("HS256", kid, claims);
    let tag = match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{signing_input}.{}", b64url().encode(tag))
}

/// Makes an HS256 token from raw header and payload JSON texts, as given (no checks), for
/// tests that need hostile headers (`crit`, odd `alg`) or claims.
pub fn sign_hs256_raw(header_json: &str, payload_json: &str, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64url().encode(header_json),
        b64url().encode(payload_json)
    );
    let tag = match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{input}.{}", b64url().encode(tag))
}

/// Makes an RS256 token for `claims` with a PKCS#8 PEM private key (`-----BEGIN PRIVATE
/// KEY-----`), with an optional `kid`. For tests and development tooling (feature `signing`).
#[cfg(feature = "signing")]
pub fn encode_rs256(
    claims: &Value,
    private_key_pem: &str,
    kid: Option<&str>,
) -> Result<String, JwtKeyError> {
    use rsa::pkcs8::DecodePrivateKey as _;
    let der = crate::callback::keys::pem_block(private_key_pem, "PRIVATE KEY")
        .ok_or_else(|| JwtKeyError::BadPublicKey("not a PKCS#8 PRIVATE KEY PEM".into()))?
        .map_err(|e| JwtKeyError::BadPublicKey(e.to_string()))?;
    let key = rsa::PrivateKey::from_pkcs8_der(&der)
        .map_err(|e| JwtKeyError::BadPublicKey(e.to_string()))?;
    let signing_input = signing_input("RS256", kid, claims);
    let digest = Sha256::digest(signing_input.as_bytes());
    let signature = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .map_err(|e| JwtKeyError::BadPublicKey(e.to_string()))?;
    Ok(format!("{signing_input}.{}", b64url().encode(signature)))
}

fn signing_input(alg: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = serde_json::Map::new();
    header.insert("alg".into(), Value::from(alg));
    header.insert("typ".into(), Value::from("JWT"));
    if let Some(kid) = kid {
        header.insert("kid".into(), Value::from(kid));
    }
    format!(
        "{}.{}",
        b64url().encode(Value::Object(header).to_string()),
        b64url().encode(claims.to_string())
    )
}
