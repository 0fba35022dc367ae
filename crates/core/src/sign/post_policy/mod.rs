//! PostObject: the HTML-form upload authorised by a signed policy (spec §5).
//!
//! - [`condition`]: the policy conditions, rendered as compact JSON and parsed back.
//! - [`builder`]: [`PostPolicyBuilder`] → [`PostForm`]: the policy, its V4 (default) or V1
//!   signature, the ordered form fields a client posts (`file` last) and the URL to post to.
//! - [`evaluate()`]: would OSS accept this form under this policy? If not, which condition failed.
//! - [`verify`]: checking the form's signature fields against credentials, and [`check_post`]
//!   combining both, for the local OSS stand-in.
//!
//! The string that is signed is the Base64 policy exactly as sent in the `policy` field
//! (spec §5.2): the builder renders the JSON once, encodes it once and keeps that one string.

pub mod builder;
pub mod condition;
pub mod evaluate;
pub mod verify;

pub use builder::{ClientRule, FormField, PostForm, PostPolicyBuilder, PostPolicyError};
pub use condition::Condition;
pub use evaluate::{FailureReason, PolicyError, PolicyInput, Submission, evaluate};
pub use verify::{PostAuthError, PostRejection, check_post, verify_post_signature};
