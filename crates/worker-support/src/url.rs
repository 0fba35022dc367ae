//! The request target of `request.url`, split out by hand.
//!
//! The runtime hands a Worker `request.url` after WHATWG URL parsing (TOOLCHAIN.md): dot
//! segments resolved, some characters percent-encoded. For a callback URL already in that
//! normal form (the only kind the signer issues) the target is byte-for-byte what OSS requested
//! and signed. The `url` crate would re-serialize it (and cost ~74 KB of IDNA tables), so every
//! Worker takes the path and query from the string here.

/// The path and query (`/p?q`) of an absolute URL string, without any fragment; `/` when the
/// URL has no path. A string without a scheme is taken as a target already.
pub fn target_of_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let rest = &url[after_scheme..];
    let target = match rest.find(['/', '?', '#']) {
        Some(at) if rest.as_bytes()[at] == b'/' => &rest[at..],
        _ => "/",
    };
    target.split('#').next().unwrap_or(target)
}

/// The raw path of a target (everything before the first `?`).
pub fn path_of_target(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

/// The raw path of an absolute URL string: [`path_of_target`] of [`target_of_url`].
pub fn path_of_url(url: &str) -> &str {
    path_of_target(target_of_url(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_paths() {
        for (url, target, path) in [
            ("http://127.0.0.1:8788/cb?a=1&b=%20", "/cb?a=1&b=%20", "/cb"),
            ("https://x.workers.dev/", "/", "/"),
            ("https://x.workers.dev", "/", "/"),
            ("https://x.workers.dev?q", "/", "/"),
            // A slash inside the query is not the path's.
            ("https://x.workers.dev?q=/a", "/", "/"),
            ("https://h/a/b#frag", "/a/b", "/a/b"),
            ("https://h/a?x=1#f?g", "/a?x=1", "/a"),
            ("https://h/a%2Fb/?", "/a%2Fb/?", "/a%2Fb/"),
            ("/p?q", "/p?q", "/p"),
        ] {
            assert_eq!(target_of_url(url), target, "{url}");
            assert_eq!(path_of_url(url), path, "{url}");
        }
        assert_eq!(path_of_target("/a/b?x=?"), "/a/b");
        assert_eq!(path_of_target("/a"), "/a");
    }
}
