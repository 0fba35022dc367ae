//! Which carrier a request uses for its callback parameters (spec §1.1).
//!
//! PutObject and CompleteMultipartUpload may carry `callback` / `callback-var` either as the
//! headers `x-oss-callback` / `x-oss-callback-var` or as the query parameters `callback` /
//! `callback-var`; exactly one carrier may be used, otherwise OSS answers
//! `400 InvalidArgument` (EC 0007-00000027). PostObject uses its form fields only.
//!
//! \[UNVERIFIED\]: whether OSS also refuses `callback` in one carrier and `callback-var` in the
//! other. We refuse it (same error): the variables then could not be bound to the callback.
//! A `callback-var` without any `callback` is ignored, as no callback is configured.

/// The header carrying the callback parameter.
pub const CALLBACK_HEADER: &str = "x-oss-callback";
/// The header carrying the custom variables.
pub const CALLBACK_VAR_HEADER: &str = "x-oss-callback-var";
/// The query parameter carrying the callback parameter.
pub const CALLBACK_QUERY: &str = "callback";
/// The query parameter carrying the custom variables.
pub const CALLBACK_VAR_QUERY: &str = "callback-var";

/// Where the callback came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// `x-oss-callback` / `x-oss-callback-var` headers.
    Header,
    /// `callback` / `callback-var` query parameters.
    Query,
}

/// The callback parameters of a request, still Base64, from its one carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CarriedCallback<'a> {
    /// Which carrier.
    pub carrier: Carrier,
    /// The `callback` value.
    pub callback: &'a str,
    /// The `callback-var` value, if any.
    pub callback_var: Option<&'a str>,
}

/// Callback parameters in more than one carrier (EC 0007-00000027).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MixedCarriers;

impl MixedCarriers {
    /// The OSS error code (EC) of this failure (spec §11).
    pub const OSS_EC: &'static str = "0007-00000027";
}

impl core::fmt::Display for MixedCarriers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(
            "the callback parameters are given both as x-oss-callback headers and as callback \
             query parameters; use exactly one",
        )
    }
}

impl std::error::Error for MixedCarriers {}

/// Picks the carrier from the values found in the headers and in the query (each `None` when
/// absent). `Ok(None)` means no callback is configured.
pub fn select_carrier<'a>(
    header_callback: Option<&'a str>,
    header_var: Option<&'a str>,
    query_callback: Option<&'a str>,
    query_var: Option<&'a str>,
) -> Result<Option<CarriedCallback<'a>>, MixedCarriers> {
    let in_header = header_callback.is_some() || header_var.is_some();
    let in_query = query_callback.is_some() || query_var.is_some();
    if in_header && in_query {
        return Err(MixedCarriers);
    }
    let found = match (header_callback, query_callback) {
        (Some(callback), None) => Some(CarriedCallback {
            carrier: Carrier::Header,
            callback,
            callback_var: header_var,
        }),
        (None, Some(callback)) => Some(CarriedCallback {
            carrier: Carrier::Query,
            callback,
            callback_var: query_var,
        }),
        _ => None,
    };
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn one_carrier_only() {
        assert_eq!(select_carrier(None, None, None, None), Ok(None));
        let header = select_carrier(Some("cb"), Some("v"), None, None)
            .ok()
            .flatten();
        assert_eq!(header.map(|c| c.carrier), Some(Carrier::Header));
        assert_eq!(header.and_then(|c| c.callback_var), Some("v"));
        let query = select_carrier(None, None, Some("cb"), None).ok().flatten();
        assert_eq!(query.map(|c| c.carrier), Some(Carrier::Query));
        assert_eq!(
            select_carrier(Some("cb"), None, Some("cb"), None),
            Err(MixedCarriers)
        );
        assert_eq!(
            select_carrier(Some("cb"), None, None, Some("v")),
            Err(MixedCarriers)
        );
        // Variables without a callback configure nothing.
        assert_eq!(select_carrier(None, Some("v"), None, None), Ok(None));
    }
}
