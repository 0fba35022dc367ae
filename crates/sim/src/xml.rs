//! The XML OSS speaks: escaping, the result documents the sim returns, and the one request
//! document it reads (the CompleteMultipartUpload part list).

/// Escapes text for an XML element body.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `<?xml …?>` followed by `<root>` with `(name, value)` children, values escaped.
pub fn document(root: &str, children: &[(&str, &str)]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<{root}>\n"));
    for (name, value) in children {
        out.push_str(&format!("  <{name}>{}</{name}>\n", escape(value)));
    }
    out.push_str(&format!("</{root}>\n"));
    out
}

/// One `<Part>` of a CompleteMultipartUpload request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletePart {
    /// `<PartNumber>`.
    pub number: u32,
    /// `<ETag>`, with any surrounding quotes removed.
    pub etag: String,
}

/// Why a CompleteMultipartUpload body was refused (OSS: `MalformedXML`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedXml(pub &'static str);

/// The contents of every `<tag>…</tag>` in `text`, in order (no nesting of the same tag).
fn elements<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        found.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    found
}

/// Reads the part list of a CompleteMultipartUpload body:
/// `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…`.
pub fn parse_complete(body: &[u8]) -> Result<Vec<CompletePart>, MalformedXml> {
    let text = std::str::from_utf8(body).map_err(|_| MalformedXml("the body is not UTF-8"))?;
    let root = elements(text, "CompleteMultipartUpload");
    let [root] = root.as_slice() else {
        return Err(MalformedXml(
            "expected one <CompleteMultipartUpload> element",
        ));
    };
    let parts = elements(root, "Part");
    if parts.is_empty() {
        return Err(MalformedXml("no <Part> element"));
    }
    parts
        .into_iter()
        .map(|part| {
            let number = match elements(part, "PartNumber").as_slice() {
                [n] => n
                    .trim()
                    .parse()
                    .map_err(|_| MalformedXml("<PartNumber> is not a number"))?,
                _ => return Err(MalformedXml("each <Part> needs one <PartNumber>")),
            };
            let etag = match elements(part, "ETag").as_slice() {
                [e] => unescape(e.trim()).trim_matches('"').to_owned(),
                _ => return Err(MalformedXml("each <Part> needs one <ETag>")),
            };
            Ok(CompletePart { number, etag })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_part_lists() {
        let body = br#"<?xml version="1.0"?><CompleteMultipartUpload>
          <Part><PartNumber>1</PartNumber><ETag>"AA"</ETag></Part>
          <Part><PartNumber>2</PartNumber><ETag>&quot;BB&quot;</ETag></Part>
        </CompleteMultipartUpload>"#;
        let parts = parse_complete(body).unwrap();
        assert_eq!(
            parts,
            vec![
                CompletePart {
                    number: 1,
                    etag: "AA".into()
                },
                CompletePart {
                    number: 2,
                    etag: "BB".into()
                }
            ]
        );
        assert!(parse_complete(b"<x/>").is_err());
        assert!(parse_complete(b"<CompleteMultipartUpload></CompleteMultipartUpload>").is_err());
    }

    #[test]
    fn escapes() {
        let doc = document("R", &[("K", "a<b&\"c\"")]);
        assert!(doc.contains("<K>a&lt;b&amp;&quot;c&quot;</K>"));
    }
}
