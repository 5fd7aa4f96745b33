//! From printed pages to body text: page headers and footers, footnotes and line-end
//! hyphens removed, so that a paragraph running across a page break reads as one.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

/// A line of body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based page number, for messages.
    pub page: usize,
    pub text: String,
}

/// How many lines at the top and at the bottom of a page may be running headers or footers.
const EDGE_LINES: usize = 4;

fn furniture_token() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // A page number, "Page", a UN document symbol (A/HRC/8/20, A/HRC/WG.6/1/ECU/4) or a
    // Geneva job number (GE.08-13324, "(E)").
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:\d{1,4}|Page|[A-Z]{1,6}/[A-Za-z0-9./\-]+|GE\.?[\d\-]*|\([A-Z]\)|\d{6,}|\*\d+\*)$",
        )
        .unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// A line made only of page furniture: "A/HRC/14/15", "14", "Page 12", "GE.10-12049 (E)".
fn is_furniture(line: &str) -> bool {
    let mut tokens = line.split_whitespace().peekable();
    tokens.peek().is_some() && tokens.all(|t| furniture_token().is_match(t))
}

/// The shape of a line with digits blanked, to find running headers that repeat.
fn shape(line: &str) -> String {
    line.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// Where a page's footnotes begin: a rule of underscores, or a line that starts with
/// footnote asterisks ("*", "** The conclusions … have not been edited."), or a bare
/// footnote number on its own line, after a blank line and before text, in the lower half.
fn footnote_start(lines: &[&str]) -> Option<usize> {
    let n = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.len() >= 5 && t.chars().all(|c| c == '_') {
            return Some(i);
        }
        // "*", "**", "∗∗" (U+2217), "†": the marks of the title's and headings' footnotes.
        let stars: usize = t
            .chars()
            .take_while(|&c| matches!(c, '*' | '\u{2217}' | '\u{2020}' | '\u{2021}'))
            .map(char::len_utf8)
            .sum();
        if stars > 0 && (stars == t.len() || t[stars..].starts_with(char::is_whitespace)) {
            return Some(i);
        }
        let lower_half = 2 * i >= n;
        let after_blank = i > 0 && lines[i - 1].trim().is_empty();
        let text_follows = lines
            .get(i + 1)
            .is_some_and(|l| l.trim().starts_with(char::is_alphabetic));
        let bare_number = !t.is_empty() && t.len() <= 2 && t.chars().all(|c| c.is_ascii_digit());
        if lower_half && after_blank && text_follows && bare_number {
            return Some(i);
        }
        if lower_half && text_follows && bare_number {
            if let Some(start) = continued_footnote(lines, i) {
                return Some(start);
            }
        }
    }
    None
}

/// A footnote run over from the page before sits above the page's first footnote
/// number: a short block, set off from the body by blank lines and indented as the
/// footnote text below the number. Where it starts, if the lines above `number` are one.
fn continued_footnote(lines: &[&str], number: usize) -> Option<usize> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let note_indent = indent(lines.get(number + 1)?);
    let mut start = number;
    while start > 0 && !lines[start - 1].trim().is_empty() {
        start -= 1;
    }
    let block = &lines[start..number];
    let set_off = start >= 2 && lines[start - 2].trim().is_empty();
    let indented_as_note = block.iter().all(|l| indent(l) <= note_indent + 1);
    (!block.is_empty() && block.len() <= 6 && set_off && indented_as_note).then_some(start)
}

/// The body lines of all pages, in reading order, without blank lines.
pub fn body_lines(pages: &[Vec<String>]) -> Vec<Line> {
    // Lines at the edges of many pages, once digits are blanked, are running headers.
    let mut edge_shapes: HashMap<String, usize> = HashMap::new();
    for page in pages {
        let filled: Vec<&String> = page.iter().filter(|l| !l.trim().is_empty()).collect();
        let mut seen = HashSet::new();
        for line in filled
            .iter()
            .take(EDGE_LINES)
            .chain(filled.iter().rev().take(EDGE_LINES))
        {
            let s = shape(line);
            if seen.insert(s.clone()) {
                *edge_shapes.entry(s).or_default() += 1;
            }
        }
    }
    let repeated = |line: &str| {
        pages.len() >= 4
            && edge_shapes.get(&shape(line)).copied().unwrap_or(0) * 3 >= pages.len()
            && line.trim().len() < 90
    };

    let mut out = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let lines: Vec<&str> = page.iter().map(String::as_str).collect();
        let filled: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].trim().is_empty())
            .collect();
        let mut drop = HashSet::new();
        for &i in filled.iter().take(EDGE_LINES) {
            if is_furniture(lines[i]) || repeated(lines[i]) {
                drop.insert(i);
            } else {
                break;
            }
        }
        for &i in filled.iter().rev().take(EDGE_LINES) {
            if is_furniture(lines[i]) || repeated(lines[i]) {
                drop.insert(i);
            } else {
                break;
            }
        }
        let kept: Vec<&str> = (0..lines.len())
            .map(|i| if drop.contains(&i) { "" } else { lines[i] })
            .collect();
        let end = footnote_start(&kept).unwrap_or(kept.len());
        for line in &kept[..end] {
            let text = line.trim();
            if !text.is_empty() {
                out.push(Line {
                    page: p + 1,
                    text: text.to_string(),
                });
            }
        }
    }
    out
}

/// Words that keep their hyphen when a line breaks after them ("non-|discrimination").
const HYPHEN_PREFIXES: &[&str] = &[
    "anti", "co", "counter", "cross", "ex", "full", "half", "high", "inter", "intra", "long",
    "low", "mid", "multi", "non", "post", "pre", "pro", "same", "self", "semi", "socio", "sub",
    "well", "follow", "child", "gender", "human", "law", "state", "short", "first", "second",
    "third", "mid",
];

/// The words of a text, lower-cased, hyphenated words whole: evidence for how a word
/// broken at a line end is spelled elsewhere in the same document.
pub fn vocabulary(lines: &[Line]) -> HashSet<String> {
    let mut words = HashSet::new();
    for line in lines {
        for w in line.text.split_whitespace() {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            if !w.is_empty() {
                words.insert(w.to_lowercase());
            }
        }
    }
    words
}

/// Joins lines into one text. A line ending in a hyphen after a letter, followed by a
/// lower-case word, is a word broken at the line end: the hyphen stays when the
/// document spells the word with a hyphen elsewhere (or its first part is a usual
/// prefix such as "non" or "self"), and goes when the document spells it whole
/// elsewhere or gives no evidence either way.
pub fn join_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    vocabulary: &HashSet<String>,
) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(line);
            continue;
        }
        let soft = out.ends_with('\u{ad}');
        let hard = out.ends_with('-') && out[..out.len() - 1].ends_with(char::is_alphabetic);
        let next_word: String = line.chars().take_while(|c| c.is_alphabetic()).collect();
        let continues = next_word.starts_with(char::is_lowercase);
        if (soft || hard) && continues {
            let hyphen_len = if soft { '\u{ad}'.len_utf8() } else { 1 };
            let stem_start = out[..out.len() - hyphen_len]
                .char_indices()
                .rev()
                .find(|&(_, c)| !c.is_alphabetic() && c != '-')
                .map(|(i, c)| i + c.len_utf8())
                .unwrap_or(0);
            let stem = out[stem_start..out.len() - hyphen_len].to_lowercase();
            let first_part = stem.rsplit('-').next().unwrap_or(&stem).to_string();
            let hyphenated = format!("{stem}-{}", next_word.to_lowercase());
            let whole = format!("{stem}{}", next_word.to_lowercase());
            let keep = !soft
                && (vocabulary.contains(&hyphenated)
                    || (!vocabulary.contains(&whole)
                        && HYPHEN_PREFIXES.contains(&first_part.as_str())));
            if !keep {
                out.truncate(out.len() - hyphen_len);
            }
            out.push_str(line);
        } else if hard {
            // "OP-|CAT", "2008-|2009": a hyphen before a capital or digit is part of the word.
            out.push_str(line);
        } else {
            out.push(' ');
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn headers_footers_and_footnotes_go() {
        let pages = vec![
            page(&[
                "A/HRC/99/1",
                "",
                "   5.  Ratify the Convention against",
                "       Torture (Ruritania);",
                "",
                "  **",
                "      The conclusions have not been edited.",
                "",
                "                 12",
            ]),
            page(&[
                "12",
                "            A/HRC/99/1",
                "   6.  Adopt a law",
                "_______________",
                " 1 See A/HRC/99/2.",
                "GE.99-12345 (E)",
            ]),
        ];
        let texts: Vec<String> = body_lines(&pages).into_iter().map(|l| l.text).collect();
        assert_eq!(
            texts,
            [
                "5.  Ratify the Convention against",
                "Torture (Ruritania);",
                "6.  Adopt a law"
            ]
        );
    }

    #[test]
    fn footnotes_marked_with_other_asterisks_go() {
        let lines = [
            "  90. Ratify (Chile);",
            "",
            "  \u{2217}\u{2217} The conclusions have not been edited.",
            "  \u{2020} Circulated as received.",
        ];
        assert_eq!(footnote_start(&lines), Some(2));
    }

    #[test]
    fn a_footnote_run_over_from_the_page_before_goes() {
        let lines = [
            "        97.  Call for assistance to the development process of the",
            "        country (Chile);",
            "",
            "",
            "  of the country (Chile).",
            "3",
            "  The recommendation as read during the interactive dialogue: more words.",
        ];
        assert_eq!(footnote_start(&lines), Some(4));
        // Body text right above a number, without a gap, is not taken for a footnote.
        let body = ["  5. Ratify the Convention", "  (Chile);", "3", "  Text"];
        assert_eq!(continued_footnote(&body, 2), None);
    }

    #[test]
    fn hyphens_at_line_ends_follow_the_document() {
        let vocab: HashSet<String> = ["same-sex", "discrimination"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            join_lines(["against discrimi-", "nation of"], &vocab),
            "against discrimination of"
        );
        assert_eq!(
            join_lines(["equal rights for same-", "sex couples"], &vocab),
            "equal rights for same-sex couples"
        );
        assert_eq!(
            join_lines(["ensure non-", "refoulement"], &vocab),
            "ensure non-refoulement"
        );
        assert_eq!(join_lines(["the fol-", "lowing"], &vocab), "the following");
        assert_eq!(
            join_lines(["Ratify OP-", "CAT (Chile)"], &vocab),
            "Ratify OP-CAT (Chile)"
        );
        assert_eq!(join_lines(["one", "two"], &vocab), "one two");
    }
}
