//! The bearer token of `POST /v1/reconcile` (`RECONCILE_TOKEN`).

use sha2::{Digest as _, Sha256};

use crate::config::Config;
use crate::refusal::Refusal;

fn digest(text: &[u8]) -> [u8; 32] {
    Sha256::digest(text).into()
}

/// Checks the `Authorization` header against `RECONCILE_TOKEN`: both are hashed first, so the
/// comparison takes the same time whatever their lengths and wherever they differ.
pub fn authorize(config: &Config, authorization: Option<&str>) -> Result<(), Refusal> {
    let Some(token) = config.token() else {
        return Err(Refusal::Disabled);
    };
    let sent = authorization
        .and_then(|value| {
            let (scheme, rest) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .ok_or(Refusal::Unauthorized)?;
    let (expected, got) = (digest(token.as_bytes()), digest(sent.as_bytes()));
    let difference = expected
        .iter()
        .zip(got.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference == 0 {
        Ok(())
    } else {
        Err(Refusal::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VAR_RECONCILE_TOKEN;
    use crate::config::tests::config;

    #[test]
    fn the_token_is_required_and_compared_whole() {
        let off = config(&[]).unwrap();
        assert_eq!(authorize(&off, Some("Bearer x")), Err(Refusal::Disabled));
        assert_eq!(Refusal::Disabled.status(), 404);
        let on = config(&[(VAR_RECONCILE_TOKEN, "s3cret-token")]).unwrap();
        assert_eq!(authorize(&on, Some("Bearer s3cret-token")), Ok(()));
        assert_eq!(authorize(&on, Some("bearer  s3cret-token ")), Ok(()));
        for bad in [
            None,
            Some(""),
            Some("s3cret-token"),
            Some("Basic s3cret-token"),
            Some("Bearer s3cret-toke"),
            Some("Bearer s3cret-token2"),
            Some("Bearer S3CRET-TOKEN"),
            Some("Bearer "),
        ] {
            assert_eq!(authorize(&on, bad), Err(Refusal::Unauthorized), "{bad:?}");
        }
        assert_eq!(Refusal::Unauthorized.status(), 401);
        assert!(
            !String::from_utf8(Refusal::Unauthorized.body())
                .unwrap()
                .contains("s3cret")
        );
    }
}
