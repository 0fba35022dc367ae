//! Making the upload callback exactly as OSS does (spec §1.4, §2, §3.1).
//!
//! The body is the core's rendering of `callbackBody`; the request is signed with the core's
//! [`CallbackSigner`]; each of the (up to 5) URLs is tried in order, each within OSS's 5-second
//! budget, until one answer passes the core's [`judge_reply`]. That answer's JSON is relayed to
//! the uploading client; otherwise the client gets `203 CallbackFailed` with the message of the
//! last failure. The object is stored before any of this and kept either way.

use std::time::{Duration, Instant};

use oss_edge_core::callback::outcome::{CALLBACK_TIMEOUT_MS, CallbackFailure, judge_reply};
use oss_edge_core::callback::params::{
    CallbackParams, CallbackUrl, CallbackVars, JsonRendering, Scheme, SystemValues,
};
use oss_edge_core::callback::signing::CallbackSigner;
use oss_edge_core::encoding::base64_encode;
use oss_edge_core::object::{content_md5, md5};
use oss_edge_core::time::format_http_date;

use crate::http_client::{self, ClientError, Outgoing};

/// `User-Agent` of OSS's callback requests (spec §2.1).
pub const USER_AGENT: &str = "aliyun-oss-callback";

/// Who makes callbacks and how: the signing key and the facts sent in OSS's headers.
#[derive(Debug)]
pub struct Caller {
    /// The RSA key signing every callback.
    pub signer: CallbackSigner,
    /// The URL announced in `x-oss-pub-key-url` (where the sim serves the public key).
    pub pub_key_url: String,
    /// `x-oss-requester` / `x-oss-owner`.
    pub owner_id: String,
    /// Choices for the \[UNVERIFIED\] JSON renderings.
    pub rendering: JsonRendering,
}

/// One callback to make.
#[derive(Clone, Debug)]
pub struct CallbackJob<'a> {
    /// The validated `callback` parameter.
    pub params: &'a CallbackParams,
    /// Custom variables (`callback-var` or `x:` form fields).
    pub vars: &'a CallbackVars,
    /// The system variables of the stored object.
    pub values: &'a SystemValues,
    /// Unix seconds, for the `Date` header.
    pub now: i64,
}

/// How the callback ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// URL `url` answered acceptably; relay `body`.
    Relayed {
        /// The URL that answered.
        url: String,
        /// The JSON body to relay.
        body: Vec<u8>,
    },
    /// Every URL failed; `failures` lists (url, reason) in order.
    Failed {
        /// Each URL's failure, in the order tried.
        failures: Vec<(String, CallbackFailure)>,
    },
}

impl CallbackOutcome {
    /// The message OSS puts in the 203 error (the last URL's failure).
    pub fn failure_message(&self) -> Option<String> {
        match self {
            CallbackOutcome::Relayed { .. } => None,
            CallbackOutcome::Failed { failures } => Some(
                failures
                    .last()
                    .map(|(_, f)| f.message())
                    .unwrap_or_else(|| CallbackFailure::Connect.message()),
            ),
        }
    }

    /// A short description for the access log.
    pub fn summary(&self) -> String {
        match self {
            CallbackOutcome::Relayed { url, .. } => format!("ok {url}"),
            CallbackOutcome::Failed { failures } => failures
                .iter()
                .map(|(url, f)| format!("{url}: {f}"))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl Caller {
    /// Renders, signs and sends the callback of `job`, trying each URL in order.
    pub fn run(&self, job: &CallbackJob<'_>) -> CallbackOutcome {
        let body = job
            .params
            .render_body(job.values, job.vars, self.rendering)
            .into_bytes();
        let mut failures = Vec::new();
        for url in job.params.urls() {
            match self.call(url, job, &body) {
                Ok(reply) => {
                    return CallbackOutcome::Relayed {
                        url: url.as_str().to_owned(),
                        body: reply,
                    };
                }
                Err(failure) => failures.push((url.as_str().to_owned(), failure)),
            }
        }
        CallbackOutcome::Failed { failures }
    }

    /// The headers OSS sends (spec §2.1), `authorization` included.
    fn headers(
        &self,
        url: &CallbackUrl,
        job: &CallbackJob<'_>,
        body: &[u8],
        authorization: String,
    ) -> Vec<(String, String)> {
        let host = match (job.params.host(), url.port()) {
            (Some(host), _) => host.to_owned(),
            (None, Some(port)) => format!("{}:{port}", url.host()),
            (None, None) => url.host().to_owned(),
        };
        let pairs: [(&str, String); 15] = [
            ("Host", host),
            ("Content-Type", job.params.body_type().as_str().to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Content-MD5", content_md5(&md5(body))),
            ("Date", format_http_date(job.now)),
            ("User-Agent", USER_AGENT.to_owned()),
            ("Connection", "close".to_owned()),
            ("authorization", authorization),
            (
                "x-oss-pub-key-url",
                base64_encode(self.pub_key_url.as_bytes()),
            ),
            ("x-oss-bucket", job.values.bucket.clone()),
            ("x-oss-request-id", job.values.req_id.clone()),
            ("x-oss-requester", self.owner_id.clone()),
            ("x-oss-owner", self.owner_id.clone()),
            ("x-oss-signature-version", "1.0".to_owned()),
            ("x-oss-tag", "CALLBACK".to_owned()),
        ];
        pairs.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
    }

    fn call(
        &self,
        url: &CallbackUrl,
        job: &CallbackJob<'_>,
        body: &[u8],
    ) -> Result<Vec<u8>, CallbackFailure> {
        if url.scheme() == Scheme::Https {
            // No TLS in the sim: an https URL fails like an unreachable one.
            return Err(CallbackFailure::Connect);
        }
        let target = url.request_target();
        let authorization = self
            .signer
            .sign(target.as_bytes(), body)
            .map_err(|_| CallbackFailure::Connect)?;
        let headers = self.headers(url, job, body, authorization);
        let request = Outgoing {
            host: url.host(),
            port: url.effective_port(),
            method: "POST",
            target: &target,
            headers: &headers,
            body,
        };
        let deadline = Instant::now() + Duration::from_millis(CALLBACK_TIMEOUT_MS);
        let client_failure = |e: ClientError| match e {
            ClientError::Connect(_) => CallbackFailure::Connect,
            ClientError::Timeout { peer } => CallbackFailure::Timeout { peer },
            // A peer that does not speak HTTP: OSS reports a bad gateway (spec §2.4, 502).
            ClientError::Protocol(_) => CallbackFailure::Status(502),
        };
        let exchange = http_client::send(&request, deadline).map_err(client_failure)?;
        let head = &exchange.answer;
        let length =
            oss_edge_core::callback::outcome::check_reply_head(head.status, head.content_length)?;
        let answer = exchange.read_body(length).map_err(client_failure)?;
        judge_reply(answer.status, answer.content_length, &answer.body)?;
        Ok(answer.body)
    }
}
