//! Reading a captured HTTP request (request line, headers, blank line, body), as saved from a
//! proxy log or `nc -l`.

/// A request read from a capture.
#[derive(Debug)]
pub struct CapturedRequest {
    pub method: String,
    pub target: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Things the reader adjusted, worth telling the user.
    pub notes: Vec<String>,
}

fn next_line(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = input.iter().position(|&b| b == b'\n')?;
    let line = input[..end].strip_suffix(b"\r").unwrap_or(&input[..end]);
    Some((line, &input[end + 1..]))
}

/// Parses a captured request. Line endings may be CRLF or LF.
pub fn parse(capture: &[u8]) -> Result<CapturedRequest, String> {
    let (request_line, mut rest) = next_line(capture).ok_or("the file has no request line")?;
    let request_line =
        std::str::from_utf8(request_line).map_err(|_| "the request line is not UTF-8")?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "the request line {request_line:?} is not `METHOD TARGET HTTP/x.y`"
        ));
    };
    if !version.starts_with("HTTP/") {
        return Err(format!(
            "the request line {request_line:?} does not end in an HTTP version"
        ));
    }
    let mut notes = Vec::new();
    let mut target = target.as_bytes().to_vec();
    if let Some(after_scheme) = request_line
        .split(' ')
        .nth(1)
        .and_then(|t| t.split_once("://"))
        .map(|(_, r)| r)
    {
        let origin_form = after_scheme.find('/').map_or("/", |at| &after_scheme[at..]);
        notes.push(format!(
            "absolute-form target reduced to its path and query {origin_form:?}"
        ));
        target = origin_form.as_bytes().to_vec();
    }

    let mut headers = Vec::new();
    loop {
        let (line, after) = next_line(rest).ok_or("the headers do not end with a blank line")?;
        rest = after;
        if line.is_empty() {
            break;
        }
        let line = std::str::from_utf8(line).map_err(|_| "a header line is not UTF-8")?;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("the header line {line:?} has no ':'"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return Err(
            "chunked bodies are not supported: save the body de-chunked with a Content-Length"
                .into(),
        );
    }
    let mut body = rest.to_vec();
    if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("Content-Length {length:?} is not a number"))?;
        if body.len() < length {
            return Err(format!(
                "the body has {} bytes but Content-Length says {length}: the capture is truncated",
                body.len()
            ));
        }
        if body.len() > length {
            notes.push(format!(
                "ignored {} bytes after the Content-Length of {length}",
                body.len() - length
            ));
            body.truncate(length);
        }
    }
    Ok(CapturedRequest {
        method: method.to_owned(),
        target,
        headers,
        body,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_crlf_and_trims_to_content_length() {
        let r =
            parse(b"POST /cb?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\n").unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, b"/cb?a=1");
        assert_eq!(r.body, b"abc");
        assert_eq!(r.notes.len(), 1);
    }

    #[test]
    fn parses_lf_absolute_form() {
        let r = parse(b"POST http://h:8080/cb?x HTTP/1.0\nA: b\n\nbody").unwrap();
        assert_eq!(r.target, b"/cb?x");
        assert_eq!(r.headers, vec![("A".to_owned(), "b".to_owned())]);
        assert_eq!(r.body, b"body");
    }

    #[test]
    fn rejects_broken_captures() {
        assert!(parse(b"").is_err());
        assert!(parse(b"POST /x\n\n").is_err());
        assert!(parse(b"POST /x HTTP/1.1\nno colon\n\n").is_err());
        assert!(parse(b"POST /x HTTP/1.1\nA: b\n").is_err());
        assert!(parse(b"POST /x HTTP/1.1\nContent-Length: 9\n\nabc").is_err());
        assert!(parse(b"POST /x HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n").is_err());
    }
}
