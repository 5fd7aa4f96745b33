//! The addendum to a Working Group report ("A/HRC/43/15/Add.1"): the state's views on
//! the recommendations it received, as position updates keyed by paragraph number.
//!
//! Addenda come in three shapes, often mixed:
//! - statements over lists: "The Government accepts the recommendations 1–5, 14–16,
//!   20 …", "Slovenia supports recommendations 93.1, 93.2 …", "… notes recommendations
//!   122.2-10 …";
//! - numbered answers: "5., 6., 7.   Slovenia accepts these recommendations. …",
//!   "Rec. 18   We consider …", "122.14–15 ⏎ Slovenia considers …", and table rows
//!   "93.1   Supported   …";
//! - prose in those answers that says the position ("cannot accept", "accepts … However,
//!   cannot accept …" = supported in part).
//!
//! When an addendum has list statements, they set the positions and the numbered
//! answers give the explanations; otherwise the numbered answers set both.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use rightstrack_core::Position;

use super::layout::{self, Line};
use super::{extract, metadata};
use crate::{IngestError, Parsed, PositionUpdate, Problem};

const REF: &str = r"\d{1,3}(?:\.\d{1,3})?";

fn re(cell: &'static OnceLock<Regex>, pattern: impl FnOnce() -> String) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(&pattern()).unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// Between the ends of a range: a hyphen or dash ("140.11-14", "1–5") or "to".
const RANGE_SEP: &str = r"(?:\s*[-\u{2010}-\u{2014}]\s*|\s+to\s+)";

fn range_pattern() -> String {
    format!(r"{REF}\b(?:{RANGE_SEP}{REF}\b)?")
}

fn list_pattern() -> String {
    let range = range_pattern();
    format!(r"{range}\.?(?:\s*(?:,|and|&)\s*{range}\.?)*")
}

/// "A statement over a list": a position verb, "recommendation(s)", then references.
fn statement_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, || {
        format!(
            r"(?i)\b(does not accept|do not accept|cannot accept|does not support|do not support|cannot support|rejects|reject|takes note of|take note of|notes|note|partially accepts|partially supports|accepts in part|supports in part|accepts|accept|supports|support)\b[^.;:]{{0,40}}?\brecommendations?\b\s*(?:nos?\.?\s*|numbers?\s*|contained in paragraphs?\s*|in paragraphs?\s*)?({})",
            list_pattern()
        )
    })
}

/// The references a numbered answer or a line of a list starts with: "5., 6., 7.",
/// "Rec. 18", "122.14– 15", "140.7, 140.8 140.35. 140.36; 140.11 to 140.14".
fn answer_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, || {
        let range = range_pattern();
        format!(
            r"^(?:(Recs?\.?|Recommendations?)\s+)?({range}\.?(?:(?:\s*[,;.]\s*|\s+and\s+|\s*&\s*|\s+){range}\.?)*(?:[,;]|\s+and)?)(\s{{2,}}|\s*$|\s)"
        )
    })
}

/// Expands "1–5, 14, 122.17-18, 122.91- 104" to each reference.
pub fn expand_references(list: &str) -> Vec<String> {
    static RANGE: OnceLock<Regex> = OnceLock::new();
    let range = re(&RANGE, || format!(r"({REF})\b(?:{RANGE_SEP}({REF})\b)?"));
    let mut out = Vec::new();
    for c in range.captures_iter(list) {
        let first = c[1].trim_end_matches('.');
        let Some(last) = c.get(2).map(|m| m.as_str().trim_end_matches('.')) else {
            out.push(first.to_string());
            continue;
        };
        let (prefix, from) = match first.rsplit_once('.') {
            Some((p, k)) => (Some(p), k),
            None => (None, first),
        };
        let to = match (prefix, last.rsplit_once('.')) {
            (Some(p), Some((q, m))) if p == q => m,
            (_, Some(_)) => {
                out.push(first.to_string());
                out.push(last.to_string());
                continue;
            }
            (_, None) => last,
        };
        let (Ok(from), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>()) else {
            continue;
        };
        if to < from || to - from > 500 {
            out.push(first.to_string());
            continue;
        }
        for k in from..=to {
            out.push(match prefix {
                Some(p) => format!("{p}.{k}"),
                None => k.to_string(),
            });
        }
    }
    out
}

/// The position an answer's prose states, if any. Negative phrases are found first and
/// taken out, so that "not accepted" is not read as "accepted"; both kinds in one answer
/// ("accepts … However, it cannot accept …") make "supported in part".
pub fn classify_answer(text: &str) -> Option<Position> {
    const PARTIAL: &[&str] = &["in part", "partially", "partly"];
    const NEGATIVE: &[&str] = &[
        "does not accept",
        "do not accept",
        "cannot accept",
        "can not accept",
        "not accepted",
        "does not support",
        "do not support",
        "cannot support",
        "not supported",
        "not in a position to accept",
        "not in a position to support",
        "rejects",
        "rejected",
        "takes note of",
        "notes the recommendation",
        "notes this recommendation",
        "notes these recommendations",
        "is noted",
        "are noted",
        "be noted",
        "cannot make a definitive statement",
        "cannot, at this point in time, make a definitive statement",
        "not planning to",
    ];
    const POSITIVE: &[&str] = &[
        "accepts",
        "accepted",
        "accept",
        "supports",
        "supported",
        "support",
    ];
    let mut t = format!(
        " {} ",
        rightstrack_core::text::clean_text(text).to_lowercase()
    );
    let partial = PARTIAL.iter().any(|p| t.contains(p));
    // A table cell: "Noted", "Noted: …".
    let mut negative = t.trim_start().starts_with("noted");
    for phrase in NEGATIVE {
        if t.contains(phrase) {
            negative = true;
            t = t.replace(phrase, " ");
        }
    }
    let positive = POSITIVE.iter().any(|p| {
        t.match_indices(p).any(|(i, _)| {
            let before = t[..i]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric());
            let after = t[i + p.len()..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_alphanumeric());
            before && after
        })
    });
    match (positive, negative) {
        (true, true) => Some(Position::SupportedInPart),
        (true, false) if partial => Some(Position::SupportedInPart),
        (true, false) => Some(Position::Supported),
        (false, true) => Some(Position::Noted),
        (false, false) => None,
    }
}

fn statement_position(verb: &str) -> Position {
    let v = verb.to_lowercase();
    if v.contains("part") {
        Position::SupportedInPart
    } else if v.contains("not")
        || v.starts_with("reject")
        || v.starts_with("take")
        || v.starts_with("note")
    {
        Position::Noted
    } else {
        Position::Supported
    }
}

/// A numbered answer: its references, its text and where it starts.
struct Answer {
    refs: Vec<String>,
    prefixed: bool,
    text: Vec<String>,
    page: usize,
    /// The position of the list heading it stands under ("Accepted recommendations",
    /// "Noted recommendations"), if any.
    heading: Option<Position>,
}

/// The position a heading over a list of references gives them: "Accepted
/// recommendations", "II. Accepted recommendations that Ruritania considers already
/// implemented or in the process of implementation", "Noted recommendations". A line
/// of prose is not a heading: headings carry no numbers but their own, no sentence
/// break and no final full stop.
fn list_heading(text: &str) -> Option<Position> {
    static NUMBERING: OnceLock<Regex> = OnceLock::new();
    let t = text.trim();
    let t = match re(&NUMBERING, || r"^(?:[IVX]+|[A-Z])[.)]\s+".to_string()).find(t) {
        Some(m) => &t[m.end()..],
        None => t,
    };
    let lower = t.to_lowercase();
    // Headings name the category first; prose starts with its subject ("Slovenia accepts").
    const FIRST_WORDS: &[&str] = &[
        "accepted",
        "supported",
        "noted",
        "rejected",
        "partially",
        "recommendations",
        "list",
    ];
    let first = lower.split_whitespace().next().unwrap_or("");
    let heading_like = FIRST_WORDS.contains(&first)
        && t.starts_with(|c: char| c.is_uppercase())
        && !t.chars().any(|c| c.is_ascii_digit())
        && !t.ends_with(['.', ',', ';'])
        && !t.contains(". ")
        && t.split_whitespace().count() <= 18
        && lower.contains("recommendation");
    if !heading_like {
        return None;
    }
    let any = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(p));
    if any(&[
        "already implemented",
        "process of implementation",
        "being implemented",
    ]) {
        Some(Position::Supported)
    } else if any(&["partially", "in part"]) {
        Some(Position::SupportedInPart)
    } else if any(&[
        "noted",
        "not accept",
        "not support",
        "rejected",
        "take note",
        "takes note",
    ]) {
        Some(Position::Noted)
    } else if any(&[
        "accepted",
        "supported",
        "accepts",
        "supports",
        "enjoy the support",
    ]) {
        Some(Position::Supported)
    } else {
        None
    }
}

/// Lines with a list of references broken at the line end ("122.60, 122.62-" ⏎ "66,
/// 122.68") joined, so that each list reads whole.
fn join_broken_lists(lines: &[Line]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for line in lines {
        if let Some(last) = out.last_mut() {
            let t = last.text.trim_end();
            let open = t.ends_with(['-', '\u{2013}', '\u{2014}', ','])
                && t[..t.len() - t.chars().next_back().map_or(0, char::len_utf8)]
                    .ends_with(|c: char| c.is_ascii_digit());
            if open && line.text.starts_with(|c: char| c.is_ascii_digit()) {
                let glue = if t.ends_with(',') { " " } else { "" };
                last.text = format!("{t}{glue}{}", line.text);
                continue;
            }
        }
        out.push(line.clone());
    }
    out
}

fn answers(lines: &[Line]) -> Vec<Answer> {
    let lines = join_broken_lists(lines);
    let mut out: Vec<Answer> = Vec::new();
    let mut open_list = false;
    let mut heading = None;
    // Set after a heading: the lines up to the next references belong to no answer.
    let mut under_heading = false;
    for line in &lines {
        if let Some(position) = list_heading(&line.text) {
            heading = Some(position);
            under_heading = true;
            open_list = false;
            continue;
        }
        if let Some(c) = answer_re().captures(&line.text) {
            let list = c.get(2).map(|m| m.as_str()).unwrap_or("");
            let rest = line.text[c[0].len()..].to_string();
            // After a single space, only a capital starts the answer: "18 months" is prose.
            let single_space = c.get(3).is_some_and(|m| m.as_str() == " ");
            if !single_space || rest.starts_with(|ch: char| ch.is_uppercase()) {
                let refs = expand_references(list);
                match out.last_mut() {
                    // "40., 41., 42., ⏎ 43., 44.   …": the list goes on from the line before.
                    Some(previous) if open_list => {
                        previous.refs.extend(refs);
                        previous.text.push(rest);
                    }
                    _ => out.push(Answer {
                        refs,
                        prefixed: c.get(1).is_some(),
                        text: vec![rest],
                        page: line.page,
                        heading,
                    }),
                }
                open_list = list.trim_end().ends_with(',') || list.ends_with("and");
                under_heading = false;
                continue;
            }
        }
        open_list = false;
        if under_heading {
            continue;
        }
        if let Some(a) = out.last_mut() {
            a.text.push(line.text.clone());
        }
    }
    out
}

pub fn looks_like(bytes: &[u8]) -> bool {
    if !(extract::is_pdf(bytes) || extract::is_zip(bytes)) {
        return false;
    }
    extract::extract_first_pages(bytes, 2).is_ok_and(|t| {
        let head = super::head(&t);
        super::has_title(&head) && super::is_addendum(&head)
    })
}

pub fn parse(file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let text = extract::extract(bytes).map_err(|m| IngestError::refused(file, m))?;
    parse_text(file, &text)
}

/// Parses an addendum whose text is already extracted.
pub fn parse_text(file: &str, text: &extract::Text) -> Result<Parsed, IngestError> {
    let lines = layout::body_lines(&text.pages);
    let body = lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let meta = metadata(text, &body);
    let head = super::head(text);
    if !(super::has_title(&head) && super::is_addendum(&head)) {
        return Err(IngestError::refused(
            file,
            "this is not an addendum to a Working Group report: its first page lacks the title and \"Addendum\"",
        ));
    }
    let Some(state) = meta.state else {
        return Err(IngestError::refused(
            file,
            "cannot tell the state under review from the addendum's first page",
        ));
    };
    let vocabulary = layout::vocabulary(&lines);
    let flat = layout::join_lines(lines.iter().map(|l| l.text.as_str()), &vocabulary);

    let mut parsed = Parsed::default();
    let problem = |location: String, message: String| Problem {
        file: file.to_string(),
        location,
        message,
    };
    // Positions from statements over lists, in order of first mention.
    let mut order: Vec<String> = Vec::new();
    let mut positions: HashMap<String, Position> = HashMap::new();
    let mut explanations: HashMap<String, String> = HashMap::new();
    for c in statement_re().captures_iter(&flat) {
        let position = statement_position(&c[1]);
        for r in expand_references(&c[2]) {
            match positions.get(&r) {
                Some(&p) if p != position => parsed.warnings.push(problem(
                    format!("recommendation {r}"),
                    format!(
                        "stated both {} and {}; the first is kept",
                        p.code(),
                        position.code()
                    ),
                )),
                Some(_) => {}
                None => {
                    positions.insert(r.clone(), position);
                    order.push(r);
                }
            }
        }
    }
    let answers = answers(&lines);
    let compound = |a: &Answer| a.refs.iter().any(|r| r.contains('.'));
    // Lists under headings state positions as statements do.
    let headed_lists = answers.iter().any(|a| a.heading.is_some() && compound(a));
    let from_statements = !positions.is_empty() || headed_lists;
    let compound_statements = positions.keys().any(|r| r.contains('.')) || headed_lists;
    for answer in answers {
        let compound = compound(&answer);
        if from_statements && !(answer.prefixed || (compound && compound_statements)) {
            continue; // a numbered paragraph of the addendum itself
        }
        parsed.rows_read += 1;
        let text = layout::join_lines(answer.text.iter().map(String::as_str), &vocabulary);
        let text = rightstrack_core::text::clean_text(&text);
        // The heading the answer stands under says the position; its prose only where
        // there is no heading.
        let stated = answer.heading.or_else(|| classify_answer(&text));
        for r in &answer.refs {
            if !text.is_empty() {
                explanations
                    .entry(r.clone())
                    .or_insert_with(|| text.clone());
            }
            if positions.contains_key(r) {
                continue;
            }
            match stated {
                Some(p) => {
                    positions.insert(r.clone(), p);
                    order.push(r.clone());
                }
                None if !from_statements => parsed.warnings.push(problem(
                    format!("page {}, recommendation {r}", answer.page),
                    "the answer states no position (accepted, supported, noted, rejected); it is skipped".into(),
                )),
                None => {}
            }
        }
    }
    if order.is_empty() {
        return Err(IngestError::refused(
            file,
            "the addendum states no position on any numbered recommendation (no \"accepts recommendations 1, 2 …\" nor numbered answers)",
        ));
    }
    if order.iter().any(|r| !r.contains('.')) {
        parsed.warnings.push(problem(
            "whole document".into(),
            "the addendum numbers recommendations without the report's paragraph (\"6\" for \"115.6\"): each update refers to the recommendation whose paragraph number ends in that number".into(),
        ));
    }
    check_stated_counts(&flat, &positions, &mut parsed.warnings, file);
    for r in order {
        let Some(&position) = positions.get(&r) else {
            continue;
        };
        parsed.position_updates.push(PositionUpdate {
            state,
            session: meta.session,
            report_symbol: meta.symbol.clone(),
            source_symbol: meta.own_symbol.clone(),
            explanation: explanations.remove(&r),
            paragraph: r,
            position,
        });
    }
    Ok(parsed)
}

/// How many recommendations the addendum says it supports and notes, in lower case so
/// that a heading after a number ("140.6 Accepted …") is not one ("217 are supported
/// and 37 noted", "accepts 142 recommendations", "notes 21 recommendations").
fn stated_counts(flat: &str) -> (Vec<usize>, Vec<usize>) {
    static COUNT: OnceLock<Regex> = OnceLock::new();
    let count = re(&COUNT, || {
        r"\b(?:(accepts|supports|notes|takes note of)\s+(\d{1,4})\s+(?:of the\s+|of these\s+)?recommendations|(\d{1,4})\s+(?:recommendations\s+|of them\s+|of which\s+)?(?:are|were|have been|has been|was)?\s*(?:now\s+|immediately\s+|fully\s+)?(supported|accepted|noted))\b".to_string()
    });
    let (mut supported, mut noted) = (Vec::new(), Vec::new());
    for c in count.captures_iter(flat) {
        let (word, number) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(w), Some(n), _, _) | (_, _, Some(n), Some(w)) => (w.as_str(), n.as_str()),
            _ => continue,
        };
        let Ok(n) = number.parse::<usize>() else {
            continue;
        };
        if word.to_lowercase().starts_with("note") || word.to_lowercase().starts_with("take") {
            noted.push(n);
        } else {
            supported.push(n);
        }
    }
    (supported, noted)
}

/// Warns where what was read disagrees with what the addendum says of itself: a count it
/// states is matched by what was read, or by the sum of the counts it states ("58 were
/// immediately supported … 124 are now supported").
fn check_stated_counts(
    flat: &str,
    positions: &HashMap<String, Position>,
    warnings: &mut Vec<Problem>,
    file: &str,
) {
    let (supported, noted) = stated_counts(flat);
    let read_supported = positions
        .values()
        .filter(|p| matches!(p, Position::Supported | Position::SupportedInPart))
        .count();
    let read_noted = positions
        .values()
        .filter(|p| **p == Position::Noted)
        .count();
    for (kind, stated, read) in [
        ("supported", supported, read_supported),
        ("noted", noted, read_noted),
    ] {
        if stated.is_empty() || stated.contains(&read) || stated.iter().sum::<usize>() == read {
            continue;
        }
        let said = stated
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(Problem {
            file: file.to_string(),
            location: "whole document".into(),
            message: format!(
                "the addendum says {said} recommendations are {kind}, but {read} were read as {kind}: check the positions imported against the addendum, and the review's recommendations left without a position"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    fn lines_of(texts: &[&str]) -> Vec<Line> {
        texts
            .iter()
            .map(|t| Line {
                page: 1,
                text: t.to_string(),
            })
            .collect()
    }

    /// The fourth-cycle shape: bare runs of references under headings, separated by
    /// commas and full stops, ranges followed by explanations, then the noted list.
    #[test]
    fn lists_under_headings_with_any_separator() {
        let lines = lines_of(&[
            "1. Ruritania received 12 recommendations, of which 10 are supported and 2 noted.",
            "Accepted recommendations",
            "140.1, 140.2, 140.3. 140.4; 140.5 and",
            "140.6",
            "Accepted recommendations that Ruritania considers already implemented or in",
            "the process of implementation",
            "140.7-8  The law was adopted in 2030.",
            "140.9 to 140.10",
            "The ombudsman has been funded",
            "Noted recommendations",
            "140.11, 140.12",
        ]);
        let found: Vec<(Vec<String>, Option<Position>, String)> = answers(&lines)
            .into_iter()
            .map(|a| (a.refs, a.heading, a.text.join(" ").trim().to_string()))
            .collect();
        let refs_with = |p: Position| {
            found
                .iter()
                .filter(|f| f.1 == Some(p))
                .flat_map(|f| f.0.clone())
                .count()
        };
        assert_eq!(refs_with(Position::Supported), 10, "{found:?}");
        assert_eq!(refs_with(Position::Noted), 2, "{found:?}");
        let seven = found.iter().find(|f| f.0.contains(&"140.7".to_string()));
        assert_eq!(
            seven.map(|f| f.2.as_str()),
            Some("The law was adopted in 2030.")
        );
        let nine = found.iter().find(|f| f.0.contains(&"140.10".to_string()));
        assert_eq!(
            nine.map(|f| f.2.as_str()),
            Some("The ombudsman has been funded")
        );
        let flat = lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(stated_counts(&flat), (vec![10], vec![2]));
    }

    #[test]
    fn a_count_the_addendum_states_and_did_not_get_is_a_warning() {
        let positions: HashMap<String, Position> = (1..=5)
            .map(|k| (format!("140.{k}"), Position::Noted))
            .collect();
        let mut warnings = Vec::new();
        check_stated_counts(
            "Ruritania received 254 recommendations; 217 are supported and 37 noted.",
            &positions,
            &mut warnings,
            "a.pdf",
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].message.contains("217"));
        let mut none = Vec::new();
        check_stated_counts(
            "58 were immediately supported; 3 are now supported and 5 noted",
            &positions,
            &mut none,
            "a.pdf",
        );
        assert_eq!(none.len(), 1, "{none:?}");
    }

    #[test]
    fn prose_is_not_a_heading() {
        assert_eq!(list_heading("Noted recommendations"), Some(Position::Noted));
        assert_eq!(
            list_heading("II. Accepted recommendations"),
            Some(Position::Supported)
        );
        assert_eq!(
            list_heading("Slovenia considers these recommendations implemented. It has"),
            None
        );
        assert_eq!(
            list_heading("recommendations implemented or in the process of"),
            None
        );
        assert_eq!(
            list_heading("The Government accepts 142 recommendations"),
            None
        );
    }

    use super::*;

    #[test]
    fn references_expand() {
        assert_eq!(expand_references("1–3, 7"), ["1", "2", "3", "7"]);
        assert_eq!(
            expand_references("122.17-18, 122.91- 93 and 95.4"),
            ["122.17", "122.18", "122.91", "122.92", "122.93", "95.4"]
        );
        assert_eq!(expand_references("5., 6., 9."), ["5", "6", "9"]);
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify_answer(
                "Ruritania accepts the recommendation and notes that it is implemented."
            ),
            Some(Position::Supported)
        );
        assert_eq!(
            classify_answer("Ruritania does not accept this recommendation."),
            Some(Position::Noted)
        );
        assert_eq!(classify_answer("Noted"), Some(Position::Noted));
        assert_eq!(
            classify_answer("Ruritania accepts the part on training. However, it cannot accept the call for a new law."),
            Some(Position::SupportedInPart)
        );
        assert_eq!(
            classify_answer("Supported in part: the law is being drafted"),
            Some(Position::SupportedInPart)
        );
        assert_eq!(
            classify_answer("Ruritania agrees with the importance of the programme."),
            None
        );
    }

    #[test]
    fn statements_and_numbered_answers() {
        let lines: Vec<Line> = [
            "1.     This document sets out the views of Ruritania.",
            "2.     Ruritania supports recommendations 93.1, 93.2 and 93.4–6.",
            "3.     Ruritania notes recommendations 93.3 and 93.7.",
            "93.3",
            "      The Constitution forbids it.",
        ]
        .iter()
        .map(|t| Line {
            page: 2,
            text: t.to_string(),
        })
        .collect();
        let flat = layout::join_lines(lines.iter().map(|l| l.text.as_str()), &Default::default());
        let found: Vec<(String, Position)> = statement_re()
            .captures_iter(&flat)
            .flat_map(|c| {
                expand_references(&c[2])
                    .into_iter()
                    .map(move |r| (r, statement_position(&c[1])))
            })
            .collect();
        assert_eq!(found.len(), 7);
        assert_eq!(found[0], ("93.1".to_string(), Position::Supported));
        assert_eq!(found[5], ("93.3".to_string(), Position::Noted));
        let answers = answers(&lines);
        let last = answers
            .last()
            .map(|a| (a.refs.clone(), a.text.join(" ")))
            .unwrap_or_default();
        assert_eq!(last.0, ["93.3"]);
        assert!(last.1.contains("forbids"));
    }

    #[test]
    fn lists_of_answers_continue_across_lines() {
        let lines: Vec<Line> = [
            "40., 41., 42.,   Ruritania accepts these recommendations and",
            "43., 44.         already acts accordingly.",
        ]
        .iter()
        .map(|t| Line {
            page: 1,
            text: t.to_string(),
        })
        .collect();
        let answers = answers(&lines);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].refs, ["40", "41", "42", "43", "44"]);
        assert_eq!(
            classify_answer(&answers[0].text.join(" ")),
            Some(Position::Supported)
        );
    }
}
