//! A small strict XML reader for OSS's answers (`ListBucketResult`, error bodies).
//!
//! It reads the subset of XML 1.0 that OSS writes and refuses everything else instead of
//! guessing: one root element; attributes (read and discarded: OSS puts only `xmlns` on the
//! root); character data with the five predefined entities and numeric character references;
//! CDATA sections; comments; an XML declaration and processing instructions outside the root.
//! A `DOCTYPE` (and so any entity definition) is refused, which rules out entity expansion.
//! Nesting depth and element count are capped. No XML crate: the callback Worker must stay small.

/// The deepest nesting accepted (OSS's answers nest three or four levels).
pub const MAX_DEPTH: usize = 16;
/// The most elements one document may have (a 1000-key listing has about 10 000).
pub const MAX_ELEMENTS: usize = 200_000;

/// An element: its name, its child elements in order, and its character data (all text and
/// CDATA directly inside it, entity-decoded and concatenated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    /// The tag name, prefix included if any.
    pub name: String,
    /// Child elements, in document order.
    pub children: Vec<Element>,
    /// Character data directly inside this element.
    pub text: String,
}

impl Element {
    fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// The child elements called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The only child called `name`: `Ok(None)` when absent, `Err(())` when repeated.
    #[allow(clippy::result_unit_err)] // the caller names the element in its own error
    pub fn only_child(&self, name: &str) -> Result<Option<&Element>, ()> {
        let mut found = self.children.iter().filter(|c| c.name == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(());
        }
        Ok(first)
    }
}

/// Why a document is not XML this reader accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    /// Byte offset where reading stopped.
    pub offset: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

impl core::fmt::Display for XmlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "XML error at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for XmlError {}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
}

/// XML 1.0 `Char`, as far as a Rust `char` can be outside it.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

impl<'a> Reader<'a> {
    fn error(&self, reason: &'static str) -> XmlError {
        XmlError {
            offset: self.pos,
            reason,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.rest().starts_with(prefix)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn expect(&mut self, literal: &str, reason: &'static str) -> Result<(), XmlError> {
        if !self.starts_with(literal) {
            return Err(self.error(reason));
        }
        self.pos += literal.len();
        Ok(())
    }

    /// Moves past `terminator`, returning what came before it.
    fn until(&mut self, terminator: &str, reason: &'static str) -> Result<&'a str, XmlError> {
        let at = self
            .rest()
            .find(terminator)
            .ok_or_else(|| self.error(reason))?;
        let inside = &self.rest()[..at];
        self.pos += at + terminator.len();
        Ok(inside)
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let start = self.pos;
        if !self.peek().is_some_and(is_name_start) {
            return Err(self.error("expected a name"));
        }
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        Ok(&self.text[start..self.pos])
    }

    fn comment(&mut self) -> Result<(), XmlError> {
        self.expect("<!--", "expected a comment")?;
        let inside = self.until("-->", "unterminated comment")?;
        if inside.contains("--") || inside.ends_with('-') {
            return Err(self.error("'--' inside a comment"));
        }
        Ok(())
    }

    fn processing_instruction(&mut self) -> Result<(), XmlError> {
        self.expect("<?", "expected a processing instruction")?;
        self.name()?;
        self.until("?>", "unterminated processing instruction")?;
        Ok(())
    }

    /// Comments, processing instructions and whitespace outside the root element.
    fn misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_whitespace();
            if self.starts_with("<!--") {
                self.comment()?;
            } else if self.starts_with("<?") {
                self.processing_instruction()?;
            } else {
                return Ok(());
            }
        }
    }

    /// Character data up to the next `<` (or `quote` in an attribute value), decoded.
    fn char_data(&mut self, out: &mut String, quote: Option<u8>) -> Result<(), XmlError> {
        while let Some(b) = self.peek() {
            if b == b'<' || Some(b) == quote {
                return Ok(());
            }
            if b == b'&' {
                out.push(self.reference()?);
                continue;
            }
            if quote.is_none() && self.starts_with("]]>") {
                return Err(self.error("']]>' in character data"));
            }
            let c = self
                .rest()
                .chars()
                .next()
                .ok_or_else(|| self.error("truncated"))?;
            if !is_xml_char(c) {
                return Err(self.error("a character XML does not allow"));
            }
            out.push(c);
            self.pos += c.len_utf8();
        }
        Ok(())
    }

    fn reference(&mut self) -> Result<char, XmlError> {
        let start = self.pos;
        self.pos += 1;
        let Some(end) = self
            .rest()
            .get(..12.min(self.rest().len()))
            .and_then(|s| s.find(';'))
        else {
            self.pos = start;
            return Err(self.error("'&' that does not start a reference"));
        };
        let body = &self.rest()[..end];
        let decoded = match body {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let number = if let Some(hex) = body.strip_prefix("#x") {
                    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                        .then(|| u32::from_str_radix(hex, 16).ok())
                        .flatten()
                } else if let Some(dec) = body.strip_prefix('#') {
                    (!dec.is_empty() && dec.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| dec.parse::<u32>().ok())
                        .flatten()
                } else {
                    None
                };
                number.and_then(char::from_u32).filter(|c| is_xml_char(*c))
            }
        };
        match decoded {
            Some(c) => {
                self.pos += end + 1;
                Ok(c)
            }
            None => {
                self.pos = start;
                Err(self.error("unknown entity or invalid character reference"))
            }
        }
    }

    /// `<name attr="v" …>` or `<name …/>`: the name and whether the element is empty.
    fn start_tag(&mut self) -> Result<(&'a str, bool), XmlError> {
        self.expect("<", "expected '<'")?;
        let name = self.name()?;
        loop {
            let spaced = self.skip_whitespace();
            if self.starts_with("/>") {
                self.pos += 2;
                return Ok((name, true));
            }
            if self.starts_with(">") {
                self.pos += 1;
                return Ok((name, false));
            }
            if !spaced {
                return Err(self.error("expected whitespace, '>' or '/>' in a start tag"));
            }
            self.name()?;
            self.skip_whitespace();
            self.expect("=", "expected '=' after an attribute name")?;
            self.skip_whitespace();
            let quote = match self.peek() {
                Some(q @ (b'"' | b'\'')) => q,
                _ => return Err(self.error("an attribute value must be quoted")),
            };
            self.pos += 1;
            let mut discarded = String::new();
            self.char_data(&mut discarded, Some(quote))?;
            if self.peek() != Some(quote) {
                return Err(self.error("'<' in an attribute value"));
            }
            self.pos += 1;
        }
    }

    fn end_tag(&mut self) -> Result<&'a str, XmlError> {
        self.expect("</", "expected '</'")?;
        let name = self.name()?;
        self.skip_whitespace();
        self.expect(">", "expected '>' to close an end tag")?;
        Ok(name)
    }
}

/// Reads `text` as one XML document (rules in the [module docs](self)).
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut r = Reader { text, pos: 0 };
    if r.starts_with("\u{FEFF}") {
        r.pos += 3;
    }
    r.misc()?;
    if r.starts_with("<!") {
        return Err(r.error("DOCTYPE and other declarations are not accepted"));
    }
    if !r.starts_with("<") {
        return Err(r.error("expected the root element"));
    }
    let (name, empty) = r.start_tag()?;
    let root = if empty {
        Element::named(name)
    } else {
        read_content(&mut r, Element::named(name))?
    };
    r.misc()?;
    if !r.at_end() {
        return Err(r.error("content after the root element"));
    }
    Ok(root)
}

/// Reads the content of `open` (its start tag already read) up to its end tag, iteratively.
fn read_content(r: &mut Reader<'_>, open: Element) -> Result<Element, XmlError> {
    let mut stack = vec![open];
    let mut elements = 1usize;
    loop {
        if r.at_end() {
            return Err(r.error("the document ends inside an element"));
        }
        if r.starts_with("</") {
            let name = r.end_tag()?;
            let Some(done) = stack.pop() else {
                return Err(r.error("end tag without an open element"));
            };
            if done.name != name {
                return Err(r.error("end tag does not match the open element"));
            }
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => return Ok(done),
            }
        } else if r.starts_with("<!--") {
            r.comment()?;
        } else if r.starts_with("<![CDATA[") {
            r.pos += "<![CDATA[".len();
            let inside = r.until("]]>", "unterminated CDATA section")?;
            if !inside.chars().all(is_xml_char) {
                return Err(r.error("a character XML does not allow"));
            }
            if let Some(top) = stack.last_mut() {
                top.text.push_str(inside);
            }
        } else if r.starts_with("<?") || r.starts_with("<!") {
            return Err(r.error(
                "declarations and processing instructions are not accepted inside elements",
            ));
        } else if r.starts_with("<") {
            let (name, empty) = r.start_tag()?;
            elements += 1;
            if elements > MAX_ELEMENTS {
                return Err(r.error("too many elements"));
            }
            if empty {
                if let Some(top) = stack.last_mut() {
                    top.children.push(Element::named(name));
                }
            } else {
                if stack.len() >= MAX_DEPTH {
                    return Err(r.error("elements nested too deeply"));
                }
                stack.push(Element::named(name));
            }
        } else {
            let mut text = String::new();
            r.char_data(&mut text, None)?;
            if let Some(top) = stack.last_mut() {
                top.text.push_str(&text);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn reads_what_oss_writes() {
        let doc = parse(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<R xmlns=\"http://doc.oss-cn-hangzhou.aliyuncs.com\">\
             <A>x &amp; &lt;y&gt; &quot;z&quot; &apos;&#65;&#x42;</A><B/><C></C><D><![CDATA[<raw>&amp;]]></D></R>\n",
        )
        .unwrap();
        assert_eq!(doc.name, "R");
        assert_eq!(doc.children.len(), 4);
        assert_eq!(doc.children[0].text, "x & <y> \"z\" 'AB");
        assert_eq!(doc.children[1].name, "B");
        assert_eq!(doc.children[2].text, "");
        assert_eq!(doc.children[3].text, "<raw>&amp;");
        assert_eq!(
            doc.only_child("A").unwrap().unwrap().text,
            doc.children[0].text
        );
        assert_eq!(doc.only_child("Z").unwrap(), None);
    }

    #[test]
    fn refuses_what_is_not_well_formed() {
        for bad in [
            "",
            "text",
            "<a>",
            "<a></b>",
            "<a></a><b></b>",
            "<a>&unknown;</a>",
            "<a>&amp</a>",
            "<a>& b</a>",
            "<a>&#0;</a>",
            "<a>&#xD800;</a>",
            "<a>\u{1}</a>",
            "<a x=1></a>",
            "<a x=\"<\"></a>",
            "<ax=\"1\"></a>",
            "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            "<a><!DOCTYPE b></a>",
            "<a><?pi x?></a>",
            "<a>]]></a>",
            "<a><!-- a -- b --></a>",
            "<a><![CDATA[x</a>",
            "<1a></1a>",
            "<a></a >x",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn depth_is_capped() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            parse(&deep).unwrap_err().reason,
            "elements nested too deeply"
        );
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
