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

fn range_pattern() -> String {
    format!(r"{REF}(?:\s*[-\u{{2010}}-\u{{2014}}]\s*{REF})?")
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

/// The references a numbered answer starts with: "5., 6., 7.", "Rec. 18", "122.14– 15".
fn answer_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, || {
        let range = range_pattern();
        format!(
            r"^(?:(Recs?\.?|Recommendations?)\s+)?({range}\.?(?:\s*,\s*{range}\.?)*,?)(?:\s{{2,}}|\s*$)"
        )
    })
}

/// Expands "1–5, 14, 122.17-18, 122.91- 104" to each reference.
pub fn expand_references(list: &str) -> Vec<String> {
    static RANGE: OnceLock<Regex> = OnceLock::new();
    let range = re(&RANGE, || {
        format!(r"({REF})(?:\s*[-\u{{2010}}-\u{{2014}}]\s*({REF}))?")
    });
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
}

fn answers(lines: &[Line]) -> Vec<Answer> {
    let mut out: Vec<Answer> = Vec::new();
    let mut open_list = false;
    for line in lines {
        if let Some(c) = answer_re().captures(&line.text) {
            let list = c.get(2).map(|m| m.as_str()).unwrap_or("");
            let rest = line.text[c[0].len()..].to_string();
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
                }),
            }
            open_list = list.trim_end().ends_with(',');
            continue;
        }
        open_list = false;
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
    let from_statements = !positions.is_empty();
    let compound_statements = positions.keys().any(|r| r.contains('.'));
    for answer in answers(&lines) {
        let compound = answer.refs.iter().any(|r| r.contains('.'));
        if from_statements && !(answer.prefixed || (compound && compound_statements)) {
            continue; // a numbered paragraph of the addendum itself
        }
        parsed.rows_read += 1;
        let text = layout::join_lines(answer.text.iter().map(String::as_str), &vocabulary);
        let text = rightstrack_core::text::clean_text(&text);
        let stated = classify_answer(&text);
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

#[cfg(test)]
mod tests {
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
