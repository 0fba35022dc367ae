//! Which file extensions belong to which content type, so that an object key never ends in
//! an extension its granted content type does not have (issue 14, "Grant hygiene"): a web
//! server or a download that trusts the extension (`cat.php`, `invoice.exe`) must not be
//! handed one by a grant for `image/png`.
//!
//! The table is deliberately short: the types an upload service is commonly configured for.
//! A type that is not in it gets keys without an extension (see
//! [`FileName::for_content_type`](super::key::FileName::for_content_type)).

/// The extensions (lower case, without the dot) of `essence` (a lower-case `type/subtype`),
/// the canonical one first; `None` when the type is not in the table.
pub fn extensions_of(essence: &str) -> Option<&'static [&'static str]> {
    Some(match essence {
        "image/jpeg" | "image/pjpeg" => &["jpg", "jpeg", "jpe", "jfif"],
        "image/png" => &["png"],
        "image/apng" => &["apng", "png"],
        "image/gif" => &["gif"],
        "image/webp" => &["webp"],
        "image/avif" => &["avif"],
        "image/heic" => &["heic"],
        "image/heif" => &["heif"],
        "image/bmp" => &["bmp"],
        "image/tiff" => &["tif", "tiff"],
        "image/svg+xml" => &["svg"],
        "image/x-icon" | "image/vnd.microsoft.icon" => &["ico"],
        "application/pdf" => &["pdf"],
        "application/json" => &["json"],
        "application/zip" => &["zip"],
        "application/gzip" => &["gz"],
        "text/plain" => &["txt", "text", "log"],
        "text/csv" => &["csv"],
        "text/markdown" => &["md", "markdown"],
        "video/mp4" => &["mp4", "m4v"],
        "video/webm" => &["webm"],
        "video/quicktime" => &["mov"],
        "audio/mpeg" => &["mp3"],
        "audio/mp4" => &["m4a"],
        "audio/ogg" => &["ogg", "oga", "opus"],
        "audio/wav" | "audio/x-wav" | "audio/wave" => &["wav"],
        "audio/webm" => &["weba", "webm"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_first_and_unknown_is_none() {
        assert_eq!(extensions_of("image/jpeg").map(|e| e[0]), Some("jpg"));
        assert_eq!(extensions_of("image/png"), Some(&["png"][..]));
        assert_eq!(extensions_of("application/x-unknown"), None);
    }
}
