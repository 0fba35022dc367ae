//! The development routes, served only in [`Environment::Local`] (`scripts/dev`): what the
//! demo page, `scripts/events` and the tests read, and a way for tests to put any message on
//! a local queue. In local development the callback Worker forwards every path under
//! [`DEV_PREFIX`] to this Worker through a service binding (the consumer has no port of its
//! own in a multi-config `wrangler dev`). Deployed, the consumer answers every request `404`.
//!
//! | route | answer |
//! |---|---|
//! | `GET /__dev/events[?limit=N]` | the last N stored events (default 100; `0` = all), oldest first, JSON array |
//! | `GET /__dev/rows[?limit=N]` | the last N rows with their columns (default all), oldest first |
//! | `GET /__dev/dead-letters[?limit=N]` | the last N dead letters (default all), oldest first |
//! | `POST /__dev/enqueue?binding=B[&type=json\|text]` | sends the body to the local queue bound as `B` (`UPLOAD_EVENTS`, `UPLOAD_EVENTS_<n>`, `DEAD_LETTERS`); `json` (default) sends the parsed JSON, `text` the text as is |

use crate::config::Environment;

/// Every development path starts with this.
pub const DEV_PREFIX: &str = "/__dev/";

/// How many events `GET /__dev/events` lists without `limit` (the demo page's poll).
pub const DEFAULT_EVENTS_LIMIT: u32 = 100;

/// How a message is put on the queue by `POST /__dev/enqueue`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// The body parsed as JSON, sent with the `json` content type (what the callback Worker
    /// sends).
    Json,
    /// The body as a string, sent with the `text` content type.
    Text,
}

/// A development request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevRoute {
    /// `GET /__dev/events`: the last `limit` events (`None` = all).
    Events {
        /// How many.
        limit: Option<u32>,
    },
    /// `GET /__dev/rows`.
    Rows {
        /// How many.
        limit: Option<u32>,
    },
    /// `GET /__dev/dead-letters`.
    DeadLetters {
        /// How many.
        limit: Option<u32>,
    },
    /// `POST /__dev/enqueue`.
    Enqueue {
        /// The queue producer binding.
        binding: String,
        /// How the body is sent.
        content: Content,
    },
    /// A known path with another method.
    MethodNotAllowed {
        /// The method the path takes.
        allow: &'static str,
    },
    /// A query parameter is unusable.
    BadRequest {
        /// What is wrong.
        message: String,
    },
    /// Anything else, and every request outside the local environment.
    NotFound,
}

/// The route for `method` on `target` (path and query).
pub fn route(environment: Environment, method: &str, target: &str) -> DevRoute {
    if environment != Environment::Local {
        return DevRoute::NotFound;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(name) = path.strip_prefix(DEV_PREFIX) else {
        return DevRoute::NotFound;
    };
    let (wanted, allow) = match name {
        "events" | "rows" | "dead-letters" => ("GET", "GET"),
        "enqueue" => ("POST", "POST"),
        _ => return DevRoute::NotFound,
    };
    if method != wanted {
        return DevRoute::MethodNotAllowed { allow };
    }
    let param = |wanted: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| value)
    };
    let limit = |default: Option<u32>| match param("limit") {
        None => Ok(default),
        Some(value) => match value.parse::<u32>() {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(DevRoute::BadRequest {
                message: format!("limit must be a whole number (0 = all), not {value:?}"),
            }),
        },
    };
    let listing = |default: Option<u32>, make: fn(Option<u32>) -> DevRoute| {
        limit(default).map_or_else(|bad| bad, make)
    };
    match name {
        "events" => listing(Some(DEFAULT_EVENTS_LIMIT), |limit| DevRoute::Events {
            limit,
        }),
        "rows" => listing(None, |limit| DevRoute::Rows { limit }),
        "dead-letters" => listing(None, |limit| DevRoute::DeadLetters { limit }),
        _ => {
            let Some(binding) = param("binding").filter(|b| is_queue_binding(b)) else {
                return DevRoute::BadRequest {
                    message: "binding must be UPLOAD_EVENTS, UPLOAD_EVENTS_<n> or DEAD_LETTERS"
                        .to_owned(),
                };
            };
            let content = match param("type") {
                None | Some("json") => Content::Json,
                Some("text") => Content::Text,
                Some(other) => {
                    return DevRoute::BadRequest {
                        message: format!("type must be json or text, not {other:?}"),
                    };
                }
            };
            DevRoute::Enqueue {
                binding: binding.to_owned(),
                content,
            }
        }
    }
}

/// Whether `name` is one of the queue bindings `POST /__dev/enqueue` may send to.
fn is_queue_binding(name: &str) -> bool {
    if name == crate::DEAD_LETTERS_BINDING || name == crate::SHARD_BINDING {
        return true;
    }
    name.strip_prefix(crate::SHARD_BINDING)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

pub use oss_edge_worker_support::url::target_of_url;

#[cfg(test)]
mod tests {
    use super::*;
    use Environment::{Local, Production};

    #[test]
    fn listings_and_their_limits() {
        assert_eq!(
            route(Local, "GET", "/__dev/events"),
            DevRoute::Events {
                limit: Some(DEFAULT_EVENTS_LIMIT)
            }
        );
        assert_eq!(
            route(Local, "GET", "/__dev/events?limit=0"),
            DevRoute::Events { limit: None }
        );
        assert_eq!(
            route(Local, "GET", "/__dev/rows"),
            DevRoute::Rows { limit: None }
        );
        assert_eq!(
            route(Local, "GET", "/__dev/rows?x=1&limit=5"),
            DevRoute::Rows { limit: Some(5) }
        );
        assert_eq!(
            route(Local, "GET", "/__dev/dead-letters"),
            DevRoute::DeadLetters { limit: None }
        );
        assert!(matches!(
            route(Local, "GET", "/__dev/rows?limit=-1"),
            DevRoute::BadRequest { .. }
        ));
        assert_eq!(
            route(Local, "POST", "/__dev/rows"),
            DevRoute::MethodNotAllowed { allow: "GET" }
        );
    }

    #[test]
    fn enqueue_only_to_the_queue_bindings() {
        assert_eq!(
            route(
                Local,
                "POST",
                "/__dev/enqueue?binding=UPLOAD_EVENTS_1&type=text"
            ),
            DevRoute::Enqueue {
                binding: "UPLOAD_EVENTS_1".into(),
                content: Content::Text
            }
        );
        assert_eq!(
            route(Local, "POST", "/__dev/enqueue?binding=UPLOAD_EVENTS"),
            DevRoute::Enqueue {
                binding: "UPLOAD_EVENTS".into(),
                content: Content::Json
            }
        );
        assert!(matches!(
            route(Local, "POST", "/__dev/enqueue?binding=DEAD_LETTERS"),
            DevRoute::Enqueue { .. }
        ));
        for bad in [
            "EVENTS_DB",
            "UPLOAD_EVENTS_",
            "UPLOAD_EVENTS_x",
            "UPLOAD_EVENTS_1000",
            "",
        ] {
            assert!(
                matches!(
                    route(Local, "POST", &format!("/__dev/enqueue?binding={bad}")),
                    DevRoute::BadRequest { .. }
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            route(
                Local,
                "POST",
                "/__dev/enqueue?binding=UPLOAD_EVENTS&type=v8"
            ),
            DevRoute::BadRequest { .. }
        ));
        assert_eq!(
            route(Local, "GET", "/__dev/enqueue"),
            DevRoute::MethodNotAllowed { allow: "POST" }
        );
    }

    #[test]
    fn nothing_outside_the_local_environment_or_the_prefix() {
        for (method, target) in [
            ("GET", "/__dev/events"),
            ("POST", "/__dev/enqueue?binding=UPLOAD_EVENTS"),
        ] {
            assert_eq!(route(Production, method, target), DevRoute::NotFound);
        }
        assert_eq!(route(Local, "GET", "/events"), DevRoute::NotFound);
        assert_eq!(route(Local, "GET", "/__dev/events/"), DevRoute::NotFound);
        assert_eq!(route(Local, "GET", "/__dev/"), DevRoute::NotFound);
    }
}
