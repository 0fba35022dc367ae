//! The region id of a V4 credential scope (spec §5.4, §6.2, §7 item 16).
//!
//! The scope names the plain region id, `cn-hangzhou`. Endpoints and some SDK options spell it
//! `oss-cn-hangzhou`; a scope containing that spelling is rejected by OSS. We **normalise**
//! rather than reject: [`Region::parse`] strips one leading `oss-`, as ali-oss's
//! `getStandardRegion` does, because the prefixed form is what people copy from endpoint host
//! names and there is no OSS region whose id itself starts with `oss-`. Anything that is not a
//! bare region id (a host name, an upper-case or empty value) is rejected with a message that
//! says what to pass instead.

/// A validated OSS region id such as `cn-hangzhou` (spec §5.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Region(String);

/// Why a text is not a usable region id.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionError {
    /// The region was empty (or only `oss-`).
    Empty,
    /// The text looks like a host name or URL (contains `.`, `/` or `:`).
    LooksLikeEndpoint(String),
    /// The text has characters other than lower-case ASCII letters, digits and `-`.
    InvalidCharacters(String),
}

impl core::fmt::Display for RegionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RegionError::Empty => {
                f.write_str("region is empty; pass a region id such as cn-hangzhou")
            }
            RegionError::LooksLikeEndpoint(text) => write!(
                f,
                "region {text:?} looks like an endpoint; pass the region id only, e.g. cn-hangzhou \
                 for oss-cn-hangzhou.aliyuncs.com"
            ),
            RegionError::InvalidCharacters(text) => write!(
                f,
                "region {text:?} is not a region id: use lower-case letters, digits and '-', \
                 e.g. cn-hangzhou"
            ),
        }
    }
}

impl std::error::Error for RegionError {}

impl Region {
    /// Parses a region id, normalising `oss-cn-hangzhou` to `cn-hangzhou` (see module docs).
    pub fn parse(text: &str) -> Result<Self, RegionError> {
        if text.contains(['.', '/', ':']) {
            return Err(RegionError::LooksLikeEndpoint(text.to_owned()));
        }
        let bare = text.strip_prefix("oss-").unwrap_or(text);
        if bare.is_empty() {
            return Err(RegionError::Empty);
        }
        let valid = bare
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !bare.starts_with('-')
            && !bare.ends_with('-');
        if !valid {
            return Err(RegionError::InvalidCharacters(text.to_owned()));
        }
        Ok(Self(bare.to_owned()))
    }

    /// The bare region id, as it appears in a V4 scope.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for Region {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::str::FromStr for Region {
    type Err = RegionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn plain_and_prefixed_ids_give_the_same_scope_region() {
        assert_eq!(
            Region::parse("cn-hangzhou").unwrap().as_str(),
            "cn-hangzhou"
        );
        assert_eq!(
            Region::parse("oss-cn-hangzhou").unwrap().as_str(),
            "cn-hangzhou"
        );
        assert_eq!(
            Region::parse("ap-southeast-1").unwrap().as_str(),
            "ap-southeast-1"
        );
    }

    #[test]
    fn rejects_what_is_not_a_region_id() {
        assert_eq!(Region::parse(""), Err(RegionError::Empty));
        assert_eq!(Region::parse("oss-"), Err(RegionError::Empty));
        assert!(matches!(
            Region::parse("oss-cn-hangzhou.aliyuncs.com"),
            Err(RegionError::LooksLikeEndpoint(_))
        ));
        assert!(matches!(
            Region::parse("https://oss-cn-hangzhou"),
            Err(RegionError::LooksLikeEndpoint(_))
        ));
        assert!(matches!(
            Region::parse("CN-Hangzhou"),
            Err(RegionError::InvalidCharacters(_))
        ));
        assert!(matches!(
            Region::parse("cn hangzhou"),
            Err(RegionError::InvalidCharacters(_))
        ));
    }
}
