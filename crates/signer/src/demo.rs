//! The demo upload page (local development only; docs/demo.md), with the token the running
//! signer accepts filled in, so the first upload works whatever `DEV_TOKEN` scripts/dev used.

/// The page as written; `{{DEMO_TOKEN}}` marks where the token goes.
const PAGE: &str = include_str!("demo.html");

/// The placeholder [`page`] replaces.
const TOKEN_PLACEHOLDER: &str = "{{DEMO_TOKEN}}";

/// The demo page with the first token of `AUTH_BEARER_TOKENS` (`subject:token,…`) in its
/// token field, HTML-escaped; empty when none is configured (the page then asks for one).
/// Only served with `OSS_EDGE_ENV=local`, where the token is a development value.
pub fn page(bearer_tokens: Option<&str>) -> String {
    let token = bearer_tokens
        .and_then(|list| list.split(',').next())
        .and_then(|entry| entry.trim().split_once(':'))
        .map_or("", |(_, token)| token.trim());
    PAGE.replace(TOKEN_PLACEHOLDER, &escape_attribute(token))
}

/// Escapes text for a double-quoted HTML attribute value.
fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_field(page: &str) -> &str {
        let start = page.find("id=\"token\"").expect("token field");
        let rest = &page[start..];
        let value = rest.find("value=\"").expect("value attribute") + "value=\"".len();
        let end = rest[value..].find('"').expect("closing quote");
        &rest[value..value + end]
    }

    #[test]
    fn the_first_configured_token_is_filled_in() {
        assert_eq!(
            token_field(&page(Some("dev:s3cret-token,ops:other"))),
            "s3cret-token"
        );
        assert_eq!(token_field(&page(Some(" dev : spaced "))), "spaced");
        assert!(!page(Some("dev:x")).contains(TOKEN_PLACEHOLDER));
    }

    #[test]
    fn no_token_leaves_the_field_empty() {
        assert_eq!(token_field(&page(None)), "");
        assert_eq!(token_field(&page(Some(""))), "");
        assert_eq!(token_field(&page(Some("no-colon"))), "");
    }

    #[test]
    fn a_token_cannot_break_out_of_the_attribute() {
        let page = page(Some(r#"dev:"><script>alert(1)</script>"#));
        assert_eq!(
            token_field(&page),
            "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert!(!page.contains("<script>alert(1)"));
    }
}
