//! Recommendations the "Conclusions and/or recommendations" section only points to.
//!
//! Some early reports (2008) list in the section only the recommendations the state
//! supports, and dispose of the others by reference to the summary of the interactive
//! dialogue: "Other recommendations noted in the report in paragraphs 45, 55 and 63
//! above did not enjoy the support of Algeria", "Recommendations noted in paragraphs
//! 28 (a); 33 (a); 36 … will be examined by Sri Lanka". Those recommendations are read
//! from the paragraphs named: the state is the paragraph's subject ("Canada requested
//! …"), the recommendation its lettered item, or else each sentence that recommends.

use std::sync::OnceLock;

use regex::Regex;
use rightstrack_core::{State, StateCode};

use super::forms;
use super::layout::{join_lines, Line};
use super::section::{classify, Grouping};

/// A recommendation read from the interactive dialogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    /// "28", or "28 (a)" for a lettered item.
    pub label: String,
    pub text: String,
    pub state: Option<StateCode>,
    pub grouping: Grouping,
    pub page: usize,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(pattern).unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// The paragraphs a sentence of the section refers to, each with the letters of the
/// items it names (none: the whole paragraph).
pub fn references(sentence: &str) -> Vec<(u32, Vec<String>, Option<String>)> {
    static LIST: OnceLock<Regex> = OnceLock::new();
    static TOKEN: OnceLock<Regex> = OnceLock::new();
    let lower = sentence.to_lowercase();
    if !lower.contains("recommendation") {
        return Vec::new();
    }
    let mut out: Vec<(u32, Vec<String>, Option<String>)> = Vec::new();
    for m in re(
        &LIST,
        r"(?i)\bparagraphs?\s+((?:\d{1,3}|\s|,|;|\([a-z]\)|\band\b|\bparagraphs?\b|\blast sentence\b)+)",
    )
    .captures_iter(sentence)
    {
        let Some(list) = m.get(1) else { continue };
        // "paragraph 101 of the Durban Declaration": not this report's.
        let after = sentence[list.end()..].trim_start().to_lowercase();
        if after.starts_with("of ") {
            continue;
        }
        // "paragraphs 10 and 25 (the ratification of ICRMW)": which of their
        // recommendations is meant.
        let rest = &sentence[list.end()..];
        let subject = rest
            .trim_start()
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .map(|(d, _)| d.to_string());
        let first = out.len();
        for t in re(&TOKEN, r"(\d{1,3})|\(([a-z])\)").captures_iter(list.as_str()) {
            if let Some(n) = t.get(1).and_then(|n| n.as_str().parse().ok()) {
                out.push((n, Vec::new(), None));
            } else if let (Some(letter), Some(last)) = (t.get(2), out.last_mut()) {
                last.1.push(letter.as_str().to_string());
            }
        }
        for r in &mut out[first..] {
            r.2.clone_from(&subject);
        }
    }
    out
}

/// The recommendations the section refers to in the interactive dialogue (`before`:
/// the report's lines before the section; `section`: the section's lines).
pub fn referenced(
    before: &[Line],
    section: &[Line],
    vocabulary: &std::collections::HashSet<String>,
) -> Vec<Referenced> {
    let text = rightstrack_core::text::clean_text(&join_lines(
        section.iter().map(|l| l.text.as_str()),
        vocabulary,
    ));
    let mut out = Vec::new();
    for sentence in sentences(&text) {
        let grouping = classify(&sentence);
        if grouping == Grouping::Unstated {
            continue;
        }
        for (number, letters, about) in references(&sentence) {
            let Some((page, paragraph)) = dialogue_paragraph(before, number, vocabulary) else {
                continue;
            };
            let state = subject(&paragraph);
            let found = if letters.is_empty() {
                recommending_sentences(&paragraph)
                    .into_iter()
                    .map(|t| (number.to_string(), t))
                    .collect()
            } else {
                letters
                    .iter()
                    .filter_map(|l| item(&paragraph, l).map(|t| (format!("{number} ({l})"), t)))
                    .collect::<Vec<_>>()
            };
            for (label, text) in found {
                if about.as_deref().is_some_and(|a| !is_about(&text, a)) {
                    continue;
                }
                out.push(Referenced {
                    label,
                    text: super::attribution::tidy(text.trim_end_matches(['.', ' '])),
                    state,
                    grouping,
                    page,
                });
            }
        }
    }
    out.retain(|r| r.text.split_whitespace().count() >= 3);
    // A paragraph named twice gives its recommendations once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert((r.label.clone(), r.text.clone(), r.state)));
    out
}

/// Whether a recommendation is the one a description names: it has at least half the
/// description's longer words ("the ratification of the ICRMW").
fn is_about(text: &str, description: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<String> = description
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect();
    let stem = |w: &str| w.chars().take(6).collect::<String>();
    let shared = words.iter().filter(|w| lower.contains(&stem(w))).count();
    words.is_empty() || 2 * shared >= words.len()
}

/// Sentences: a full stop, then a capital.
fn sentences(text: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let mut out = Vec::new();
    let mut start = 0;
    for m in re(&RE, r"[.!?]\s+[A-Z(\d]").find_iter(text) {
        // "No. 90-07", "art. 5": an abbreviation, not a sentence end.
        let word_before = text[start..m.start()]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        if word_before.len() <= 3 && word_before.starts_with(char::is_uppercase) {
            continue;
        }
        out.push(text[start..=m.start()].trim().to_string());
        start = m.start() + 1;
    }
    out.push(text[start..].trim().to_string());
    out.retain(|s| !s.is_empty());
    out
}

/// The text of paragraph `number` of the report before the section: from the line that
/// opens it ("45. Canada requested …") to the next numbered paragraph.
fn dialogue_paragraph(
    before: &[Line],
    number: u32,
    vocabulary: &std::collections::HashSet<String>,
) -> Option<(usize, String)> {
    let opens = |line: &Line, n: u32| {
        let t = line.text.as_str();
        t.strip_prefix(&format!("{n}."))
            .is_some_and(|rest| rest.starts_with(char::is_whitespace))
    };
    let start = (0..before.len())
        .rev()
        .find(|&i| opens(&before[i], number))?;
    let end = (start + 1..before.len())
        .find(|&i| opens(&before[i], number + 1))
        .unwrap_or(before.len());
    if end - start > 40 {
        return None;
    }
    let first = before[start]
        .text
        .trim_start_matches(|c: char| c.is_ascii_digit());
    let first = first.trim_start_matches('.').trim_start();
    let lines =
        std::iter::once(first).chain(before[start + 1..end].iter().map(|l| l.text.as_str()));
    Some((
        before[start].page,
        rightstrack_core::text::clean_text(&join_lines(lines, vocabulary)),
    ))
}

/// The state a paragraph of the dialogue is about: its first words ("The Netherlands
/// recommended …").
fn subject(paragraph: &str) -> Option<StateCode> {
    let words: Vec<&str> = paragraph.split_whitespace().take(9).collect();
    (1..=words.len()).rev().find_map(|n| {
        let name = words[..n].join(" ");
        let name = name.trim_end_matches([',', '.', ';']);
        State::by_name(name).map(|s| s.code)
    })
}

/// A recommendation's words as the dialogue reports them, in the imperative when they
/// have the state under review as subject: "that Algeria review …" → "review …",
/// "to Sri Lanka to adopt …" → "adopt …", "the updating of …" → "Recommended the
/// updating of …".
fn imperative(rest: &str, verb: &str) -> String {
    let rest = rest.trim_start();
    let that = forms::without_subject(&format!("that {rest}"));
    if !that.starts_with("that ") {
        return that;
    }
    let to = forms::without_subject(&format!("{verb} {rest}"));
    if !to.starts_with(verb) {
        return to;
    }
    if rest.to_lowercase().starts_with("that ") {
        let t = forms::without_subject(rest);
        return t;
    }
    if let Some(after) = rest.strip_prefix("to ") {
        // "to Sri Lanka: (a) …", "to Sri Lanka to adopt …"
        let after = after.trim_start();
        let words: Vec<&str> = after.split_whitespace().collect();
        for n in (1..=words.len().min(6)).rev() {
            let name = words[..n].join(" ");
            let clean = name.trim_end_matches([':', ',']);
            if State::by_name(clean).is_some() {
                let tail = words[n..].join(" ");
                let tail = tail.strip_prefix("to ").unwrap_or(&tail).to_string();
                return tail.trim_start_matches(':').trim_start().to_string();
            }
        }
        return after.to_string();
    }
    format!("{verb} {rest}")
}

/// Each sentence of a dialogue paragraph that makes a recommendation, from its
/// reporting verb on; lettered items are split.
fn recommending_sentences(paragraph: &str) -> Vec<String> {
    static VERB: OnceLock<Regex> = OnceLock::new();
    let mut out = Vec::new();
    for sentence in sentences(paragraph) {
        let Some(m) = re(&VERB, r"\b(recommended|recommends)\b").find(&sentence) else {
            continue;
        };
        let rest = &sentence[m.end()..];
        let text = imperative(rest, "Recommended");
        for t in forms::sub_items(&text) {
            out.push(forms::without_subject(&t));
        }
    }
    out
}

/// Item `(letter)` of a dialogue paragraph: its words up to the next item or the end of
/// its sentence.
fn item(paragraph: &str, letter: &str) -> Option<String> {
    static NEXT: OnceLock<Regex> = OnceLock::new();
    let marker = format!("({letter})");
    let at = paragraph.find(&marker)? + marker.len();
    let rest = &paragraph[at..];
    let end = re(&NEXT, r"\([a-z]\)\s|[.]\s+[A-Z]")
        .find(rest)
        .map_or(rest.len(), |m| m.start());
    let text = rest[..end].trim();
    let text = text
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '.'))
        .trim_end();
    let text = text
        .strip_suffix(" and")
        .or_else(|| text.strip_suffix(" or"))
        .unwrap_or(text);
    let t = text.trim_start();
    let that = forms::without_subject(&format!("that {t}"));
    let imperative = if !that.starts_with("that ") {
        that
    } else {
        forms::without_subject(t)
    };
    Some(imperative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Line {
                page: 3,
                text: l.to_string(),
            })
            .collect()
    }

    #[test]
    fn reads_paragraph_references() {
        assert_eq!(
            references("Other recommendations noted in the report in paragraphs 45, 55, 56, last sentence, and 63 above did not enjoy the support of Ruritania."),
            [(45, vec![], None), (55, vec![], None), (56, vec![], None), (63, vec![], None)]
        );
        assert_eq!(
            references("Recommendations noted in paragraphs 28 (a); 33 (a); 36 and 75 (c), (d) and (e) in section I above will be examined"),
            [
                (28, vec!["a".to_string()], None),
                (33, vec!["a".to_string()], None),
                (36, vec![], None),
                (75, vec!["c".to_string(), "d".to_string(), "e".to_string()], None)
            ]
        );
        assert!(references("Consider paragraph 101 of the Durban Declaration").is_empty());
    }

    #[test]
    fn reads_the_referenced_dialogue() {
        let before = lines(
            "45. Canada requested information on the Family Code. Canada recommended that Ruritania review its Family Code to remedy discrimination against women. It also recommended that Ruritania lift its reservations to CEDAW.
             46. Chile noted the serious work done.
             47. The Netherlands recommended the updating of legislation regarding the situation of women.
             48. Portugal noted the visits of two Special Rapporteurs. It recommended to Ruritania: (a) to address torture and implement safeguards; (b) combat impunity; (c) reconsider establishing a local OHCHR presence.
             49. France asked about it.",
        );
        let section = lines(
            "60. The recommendations below enjoy the support of Ruritania:
             1. Ratify the Convention (Chile).
             61. Other recommendations noted in the report in paragraphs 45, 47 and 48 (a) and (c) above did not enjoy the support of Ruritania.",
        );
        let got: Vec<(String, String, String, Grouping)> =
            referenced(&before, &section, &HashSet::new())
                .into_iter()
                .map(|r| {
                    let state = r.state.map(|s| s.to_string()).unwrap_or_default();
                    (r.label, r.text, state, r.grouping)
                })
                .collect();
        let noted = Grouping::Noted;
        assert_eq!(
            got,
            [
                (
                    "45",
                    "Review its Family Code to remedy discrimination against women",
                    Some("CAN"),
                    noted
                ),
                ("45", "Lift its reservations to CEDAW", Some("CAN"), noted),
                (
                    "47",
                    "Recommended the updating of legislation regarding the situation of women",
                    Some("NLD"),
                    noted
                ),
                (
                    "48 (a)",
                    "Address torture and implement safeguards",
                    Some("PRT"),
                    noted
                ),
                (
                    "48 (c)",
                    "Reconsider establishing a local OHCHR presence",
                    Some("PRT"),
                    noted
                ),
            ]
            .map(|(a, b, c, d)| (
                a.to_string(),
                b.to_string(),
                c.unwrap_or_default().to_string(),
                d
            ))
        );
    }

    #[test]
    fn a_described_reference_takes_only_the_recommendation_described() {
        let before = lines(
            "10. Algeria recommended the ratification of the Migrant Workers Convention. It also recommended the establishment of a national human rights institution.
             11. Chile asked about it.",
        );
        let section = lines(
            "58. One recommendation noted in the present report in paragraph 10 (the ratification of the Migrant Workers Convention) above did not enjoy the support of Ruritania.",
        );
        let got: Vec<String> = referenced(&before, &section, &HashSet::new())
            .into_iter()
            .map(|r| r.text)
            .collect();
        assert_eq!(
            got,
            ["Recommended the ratification of the Migrant Workers Convention"]
        );
    }
}
