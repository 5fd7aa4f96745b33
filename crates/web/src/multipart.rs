//! Just enough `multipart/form-data` (RFC 7578) for the HTML forms that send a file: the
//! parts of a body held in memory, each with its field name, file name and bytes. The same
//! reader serves the CSRF check, which reads only the first part of a streamed body
//! ([`first_part`]), and the handler, which reads them all ([`parts`]).

use memchr::memmem;

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Set for a file input: the name the browser gives the file (no folders).
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// The field as text (form fields other than files), lossy on bad UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).trim().to_string()
    }
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let value = params_of(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))?
        .1;
    (1..=70).contains(&value.len()).then_some(value)
}

/// `key=value; key="quoted value"` pairs, quotes and backslash escapes undone.
fn params_of(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_string();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
            chars.by_ref().take_while(|c| *c != ';').for_each(drop);
        } else {
            value = chars.by_ref().take_while(|c| *c != ';').collect();
        }
        out.push((key, value.trim().to_string()));
    }
}

/// What reading at one place of a body found.
enum Step {
    Part(Part, usize),
    End,
    /// The body stops before the part does.
    Incomplete,
}

/// Why a form body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the form data is not valid multipart/form-data: {0}")]
pub struct MultipartError(pub String);

fn bad(message: &str) -> MultipartError {
    MultipartError(message.to_string())
}

/// The part starting at `at`, which is just after a delimiter.
fn step(body: &[u8], at: usize, delimiter: &[u8]) -> Result<Step, MultipartError> {
    let rest = &body[at.min(body.len())..];
    if rest.len() < 2 {
        return Ok(Step::Incomplete);
    }
    if rest.starts_with(b"--") {
        return Ok(Step::End);
    }
    // Transport padding, then the line break that ends the delimiter line.
    let padding = rest
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let rest = &rest[padding..];
    if rest.len() < 2 {
        return Ok(Step::Incomplete);
    }
    if !rest.starts_with(b"\r\n") {
        return Err(bad("a boundary line does not end with a line break"));
    }
    let start = at + padding + 2;
    let Some(head_len) = memmem::find(&body[start..], b"\r\n\r\n") else {
        return Ok(Step::Incomplete);
    };
    let head = String::from_utf8_lossy(&body[start..start + head_len]);
    let (mut name, mut filename) = (None, None);
    for line in head.split("\r\n") {
        let Some((header, value)) = line.split_once(':') else {
            return Err(bad("a part header is not `Name: value`"));
        };
        if header.trim().eq_ignore_ascii_case("content-disposition") {
            let value = value.trim();
            let params = value.split_once(';').map_or("", |(_, p)| p);
            for (k, v) in params_of(params) {
                match k.to_ascii_lowercase().as_str() {
                    "name" => name = Some(v),
                    "filename" => filename = Some(v),
                    _ => {}
                }
            }
        }
    }
    let name = name.ok_or_else(|| bad("a part has no field name"))?;
    let data_start = start + head_len + 4;
    let mut end_marker = b"\r\n".to_vec();
    end_marker.extend_from_slice(delimiter);
    let Some(data_len) = memmem::find(&body[data_start..], &end_marker) else {
        return Ok(Step::Incomplete);
    };
    let part = Part {
        name,
        // Browsers send the base name; older ones sent a whole Windows path.
        filename: filename.map(|f| f.rsplit(['/', '\\']).next().unwrap_or("").to_string()),
        data: body[data_start..data_start + data_len].to_vec(),
    };
    Ok(Step::Part(part, data_start + data_len + end_marker.len()))
}

fn delimiter(boundary: &str) -> Vec<u8> {
    let mut d = b"--".to_vec();
    d.extend_from_slice(boundary.as_bytes());
    d
}

/// Every part of a whole body.
pub fn parts(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let delimiter = delimiter(boundary);
    let mut at = memmem::find(body, &delimiter)
        .ok_or_else(|| bad("the boundary does not occur in the body"))?
        + delimiter.len();
    let mut out = Vec::new();
    loop {
        match step(body, at, &delimiter)? {
            Step::Part(part, next) => {
                out.push(part);
                at = next;
            }
            Step::End => return Ok(out),
            Step::Incomplete => return Err(bad("the body ends in the middle of a part")),
        }
    }
}

/// The first part of the start of a body: `Ok(None)` while more bytes are needed.
pub fn first_part(start: &[u8], boundary: &str) -> Result<Option<Part>, MultipartError> {
    let delimiter = delimiter(boundary);
    let Some(found) = memmem::find(start, &delimiter) else {
        return Ok(None);
    };
    match step(start, found + delimiter.len(), &delimiter)? {
        Step::Part(part, _) => Ok(Some(part)),
        Step::End => Err(bad("the form has no fields")),
        Step::Incomplete => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\dir\\\\a;b.csv\"\r\nContent-Type: text/csv\r\n\r\nx,y\r\n1,2\r\n--XyZ--\r\n";

    #[test]
    fn reads_fields_and_files() -> Result<(), MultipartError> {
        let boundary = boundary("multipart/form-data; boundary=XyZ").ok_or(bad("no boundary"))?;
        let parts = parts(BODY, &boundary)?;
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].text()),
            ("csrf", "tok".into())
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a;b.csv"));
        assert_eq!(parts[1].data, b"x,y\r\n1,2");
        Ok(())
    }

    #[test]
    fn the_first_part_needs_only_the_start() -> Result<(), MultipartError> {
        assert_eq!(first_part(&BODY[..30], "XyZ")?, None);
        let first = first_part(&BODY[..70], "XyZ")?.ok_or(bad("no part"))?;
        assert_eq!(first.name, "csrf");
        Ok(())
    }

    #[test]
    fn refuses_broken_bodies() {
        assert!(parts(&BODY[..80], "XyZ").is_err());
        assert!(parts(b"no boundary here", "XyZ").is_err());
        assert!(parts(b"--XyZ\r\nBroken\r\n\r\nx\r\n--XyZ--", "XyZ").is_err());
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
    }
}
