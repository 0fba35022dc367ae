//! Reading requests and writing responses.

use oss_edge_worker_support::http::BodyError;
use worker::{Request, Result};

use crate::rejection::Rejection;

/// The headers of `names` that the request has, as (name, value) pairs. The runtime joins
/// repeated headers with `", "`, so a header sent twice arrives as one value (which then
/// fails Base64).
pub(super) fn named_headers<'n>(
    request: &Request,
    names: impl Iterator<Item = &'n &'static str>,
) -> Vec<(&'static str, String)> {
    let headers = request.headers();
    names
        .filter_map(|&name| match headers.get(name) {
            Ok(Some(value)) => Some((name, value)),
            _ => None,
        })
        .collect()
}

/// The body, refusing more than `limit` bytes (`oss_edge_worker_support::http::read_body`).
pub(super) async fn read_body(
    request: &mut Request,
    limit: usize,
) -> std::result::Result<Vec<u8>, Rejection> {
    oss_edge_worker_support::http::read_body(request, limit)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge { limit } => Rejection::BodyTooLarge { limit },
            BodyError::Unreadable(why) => Rejection::BodyUnreadable(why),
        })
}

pub(crate) use oss_edge_worker_support::http::Reply;

/// A JSON response with an explicit `Content-Length` (OSS refuses replies without one;
/// spec §2.3). `head` answers with the headers only.
pub(super) fn json(status: u16, body: Vec<u8>, head: bool, allow: Option<&str>) -> Result<Reply> {
    json_with(status, body, head, allow, &[])
}

/// [`json`] with `extra` headers (CORS).
pub(super) use oss_edge_worker_support::http::json as json_with;
