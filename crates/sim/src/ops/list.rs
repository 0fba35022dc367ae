//! ListObjectsV2 (`GET /{bucket}/?list-type=2`), as the core's [`oss_edge_core::confirm::list_objects`]
//! and the SDKs call it: `prefix`, `delimiter`, `start-after`, `continuation-token`,
//! `max-keys` (1..=1000, default 100) and `encoding-type=url`. Reads are signed like every
//! other read ([`super::auth::read`]). The continuation token is opaque to clients (here: the
//! hex of the next key). `fetch-owner` is accepted and ignored (no `<Owner>`).

use oss_edge_core::encoding::uri_encode;
use oss_edge_core::time::format_iso8601_millis;

use crate::error::OssError;
use crate::http::{Incoming, Reply};
use crate::ops::{auth, store_error};
use crate::route::Target;
use crate::state::State;
use crate::storage::ObjectMeta;
use crate::xml::escape;

/// `max-keys` when the request gives none (OSS's default).
pub const DEFAULT_MAX_KEYS: usize = 100;
/// The largest `max-keys` OSS accepts.
pub const MAX_KEYS: usize = 1000;

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<String> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn max_keys(target: &Target) -> Result<usize, OssError> {
    match target.query_value("max-keys") {
        None => Ok(DEFAULT_MAX_KEYS),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_KEYS).contains(n))
            .ok_or_else(|| {
                OssError::invalid_argument(format!(
                    "max-keys must be an integer between 1 and {MAX_KEYS}"
                ))
                .with("ArgumentName", "max-keys")
                .with("ArgumentValue", text)
            }),
    }
}

/// One listed item: an object, or a common prefix (with a delimiter).
enum Item<'a> {
    Object(&'a ObjectMeta),
    Prefix(String),
}

/// `GET /{bucket}/?list-type=2…`; any other bucket GET is refused by name.
pub fn list_objects_v2(state: &State, req: &Incoming, target: &Target) -> Result<Reply, OssError> {
    match target.query_value("list-type") {
        Some("2") => {}
        None => {
            return Err(OssError::not_implemented(
                "ListObjects (V1, no list-type); use ListObjectsV2 (list-type=2)",
            ));
        }
        Some(other) => {
            return Err(
                OssError::invalid_argument(format!("list-type must be 2, not {other:?}"))
                    .with("ArgumentName", "list-type"),
            );
        }
    }
    auth::read(state, req, target)?;
    let url_encoded = match target.query_value("encoding-type") {
        None | Some("") => false,
        Some("url") => true,
        Some(other) => {
            return Err(OssError::invalid_argument(format!(
                "encoding-type must be url, not {other:?}"
            ))
            .with("ArgumentName", "encoding-type"));
        }
    };
    let prefix = target.query_value("prefix").unwrap_or_default();
    let delimiter = target.query_value("delimiter").filter(|d| !d.is_empty());
    let start_after = target.query_value("start-after").unwrap_or_default();
    let token = target
        .query_value("continuation-token")
        .filter(|t| !t.is_empty());
    let resume = token
        .map(|t| {
            unhex(t).ok_or_else(|| {
                OssError::invalid_argument("The continuation token provided is incorrect")
                    .with("ArgumentName", "continuation-token")
            })
        })
        .transpose()?;
    let limit = max_keys(target)?;

    let objects = state
        .store
        .list(&target.bucket, prefix)
        .map_err(store_error)?;
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut next: Option<String> = None;
    let mut index = objects
        .iter()
        .position(|o| {
            o.key.as_str() > start_after && resume.as_deref().is_none_or(|r| o.key.as_str() >= r)
        })
        .unwrap_or(objects.len());
    while index < objects.len() {
        let object = &objects[index];
        if items.len() == limit {
            next = Some(object.key.clone());
            break;
        }
        let common = delimiter.and_then(|d| {
            object.key[prefix.len()..]
                .find(d)
                .map(|at| object.key[..prefix.len() + at + d.len()].to_owned())
        });
        match common {
            Some(common) => {
                while index < objects.len() && objects[index].key.starts_with(&common) {
                    index += 1;
                }
                items.push(Item::Prefix(common));
            }
            None => {
                items.push(Item::Object(object));
                index += 1;
            }
        }
    }

    let enc = |text: &str| {
        if url_encoded {
            uri_encode(text.as_bytes(), false)
        } else {
            escape(text)
        }
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>\n");
    let mut leaf = |name: &str, value: &str| out.push_str(&format!("  <{name}>{value}</{name}>\n"));
    leaf("Name", &escape(&target.bucket));
    leaf("Prefix", &enc(prefix));
    if !start_after.is_empty() {
        leaf("StartAfter", &enc(start_after));
    }
    if let Some(token) = token {
        leaf("ContinuationToken", &escape(token));
    }
    leaf("MaxKeys", &limit.to_string());
    if let Some(d) = delimiter {
        leaf("Delimiter", &enc(d));
    }
    if url_encoded {
        leaf("EncodingType", "url");
    }
    leaf("IsTruncated", if next.is_some() { "true" } else { "false" });
    leaf("KeyCount", &items.len().to_string());
    if let Some(next) = &next {
        leaf("NextContinuationToken", &hex(next));
    }
    for item in &items {
        match item {
            Item::Object(o) => out.push_str(&format!(
                "  <Contents>\n    <Key>{}</Key>\n    <LastModified>{}</LastModified>\n    \
                 <ETag>&quot;{}&quot;</ETag>\n    <Type>{}</Type>\n    <Size>{}</Size>\n    \
                 <StorageClass>Standard</StorageClass>\n  </Contents>\n",
                enc(&o.key),
                format_iso8601_millis(o.last_modified),
                o.etag,
                escape(&o.object_type),
                o.size
            )),
            Item::Prefix(p) => out.push_str(&format!(
                "  <CommonPrefixes>\n    <Prefix>{}</Prefix>\n  </CommonPrefixes>\n",
                enc(p)
            )),
        }
    }
    out.push_str("</ListBucketResult>\n");
    Ok(Reply::xml(200, out).operation("ListObjectsV2"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips() {
        for key in ["uploads/a b+c.png", "ü/€", ""] {
            assert_eq!(unhex(&hex(key)).as_deref(), Some(key));
        }
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
