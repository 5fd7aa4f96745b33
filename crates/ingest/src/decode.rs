//! Turning the bytes of text exports into text: legacy encodings, HTML entities.

use encoding_rs::{Encoding, MACINTOSH, WINDOWS_1252};

/// Decodes text that is UTF-8 when it can be, otherwise the single-byte legacy encoding
/// that makes the most sense of it. Old exports were written on Macs (Mac Roman) or on
/// Windows (Windows-1252); the two disagree on every accented letter, so the candidate
/// that yields more letters inside words wins.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), "UTF-8");
    }
    // Score each candidate on the non-ASCII bytes only, each in its neighbourhood: the
    // ASCII bytes decode the same under both.
    let candidates: [&'static Encoding; 2] = [MACINTOSH, WINDOWS_1252];
    let best = candidates
        .into_iter()
        .max_by_key(|enc| letters_inside_words(bytes, enc))
        .unwrap_or(MACINTOSH);
    (
        best.decode_without_bom_handling(bytes).0.into_owned(),
        best.name(),
    )
}

/// Counts non-ASCII bytes that decode to a letter standing after an ASCII letter and
/// before a letter or a space, the way accented letters do in names and words
/// ("Hissène", "Guaraní").
fn letters_inside_words(bytes: &[u8], encoding: &'static Encoding) -> usize {
    let decode = |b: u8| {
        let mut out = [0u16; 2];
        let (_, _, written, _) =
            encoding
                .new_decoder_without_bom_handling()
                .decode_to_utf16(&[b], &mut out, true);
        char::from_u32(u32::from(out[0])).filter(|_| written == 1)
    };
    let mut table = [false; 128];
    for (i, slot) in table.iter_mut().enumerate() {
        *slot = decode(0x80 + i as u8).is_some_and(char::is_alphabetic);
    }
    let letter = |b: u8| {
        if b < 0x80 {
            b.is_ascii_alphabetic()
        } else {
            table[usize::from(b - 0x80)]
        }
    };
    bytes
        .windows(3)
        .filter(|w| {
            w[1] >= 0x80
                && table[usize::from(w[1] - 0x80)]
                && letter(w[0])
                && (letter(w[2]) || w[2] == b' ')
        })
        .count()
}

/// Replaces the HTML character references some exports carry (`&#40;Unknown&#41;`,
/// `&amp;`) with the characters they stand for. Anything that is not a well-formed
/// reference is left as it is.
pub fn decode_html_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((ch, end))
        });
        match decoded {
            Some((ch, end)) => {
                out.push(ch);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_mac_roman_for_mac_bytes() {
        // "Hissène Habré" in Mac Roman: è = 0x8F, é = 0x8E.
        let (text, enc) = decode_text(b"Hiss\x8Fne Habr\x8E to justice");
        assert_eq!(text, "Hissène Habré to justice");
        assert_eq!(enc, "macintosh");
    }

    #[test]
    fn picks_windows_1252_for_windows_bytes() {
        let (text, enc) = decode_text(b"Hiss\xE8ne Habr\xE9 to justice");
        assert_eq!(text, "Hissène Habré to justice");
        assert_eq!(enc, "windows-1252");
    }

    #[test]
    fn utf8_is_kept() {
        assert_eq!(decode_text("\u{feff}Guaraní".as_bytes()).0, "Guaraní");
    }

    #[test]
    fn entities_decode_and_junk_survives() {
        assert_eq!(decode_html_entities("&#40;Unknown&#41;"), "(Unknown)");
        assert_eq!(
            decode_html_entities("Bosnia &amp; Herzegovina"),
            "Bosnia & Herzegovina"
        );
        assert_eq!(decode_html_entities("St Kitts & Nevis"), "St Kitts & Nevis");
        assert_eq!(
            decode_html_entities("a &#99999999; b & c;"),
            "a &#99999999; b & c;"
        );
    }
}
