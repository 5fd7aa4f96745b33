//! The "Conclusions and/or recommendations" section of a Working Group report and its
//! numbered paragraphs.
//!
//! Reports number the section's paragraphs (93., 94.) and the recommendations inside
//! them either as "93.1", "93.2" (2010 onwards) or as "1.", "2." under paragraph 60
//! (2008). Numbers are only taken as such when they continue the count, so that a line
//! that happens to start with a number ("18 months", a year) stays text.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;
use rightstrack_core::Position;

use super::layout::{join_lines, Line};

/// A numbered recommendation paragraph of the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// "93.12": the paragraph's number, then the item's.
    pub label: String,
    pub text: String,
    pub page: usize,
    /// Set by the paragraph that introduces the item ("… enjoy the support of …").
    pub grouping: Grouping,
}

/// How a paragraph of the section introduces the recommendations under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// "… enjoy the support of …", "… accepted …".
    Supported,
    /// "… will be examined by …": no position yet.
    Examined,
    /// "… did not enjoy the support of …".
    Noted,
    /// The paragraph says nothing about the state's position.
    Unstated,
}

impl Grouping {
    pub fn position(self) -> Option<Position> {
        match self {
            Self::Supported => Some(Position::Supported),
            Self::Noted => Some(Position::Noted),
            Self::Examined | Self::Unstated => None,
        }
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(pattern).unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// Marks a heading may carry for its footnote: "*", "∗∗" (U+2217), "†", a superscript or
/// plain digit glued to the last word.
pub fn is_footnote_mark(c: char) -> bool {
    matches!(
        c,
        '*' | '\u{2217}'
            | '\u{204E}'
            | '\u{2020}'
            | '\u{2021}'
            | '\u{00B9}'
            | '\u{00B2}'
            | '\u{00B3}'
    ) || ('\u{2070}'..='\u{2079}').contains(&c)
}

/// The heading without the footnote marks and spaces at its end.
fn without_footnote_marks(text: &str) -> &str {
    text.trim_end_matches(|c: char| is_footnote_mark(c) || c.is_ascii_digit() || c.is_whitespace())
}

fn heading_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // "II. Conclusions and/or recommendations", "CONCLUSIONS AND RECOMMENDATIONS",
    // "B. Conclusions and / or recommendations", numbered with or without a full stop.
    re(
        &RE,
        r"(?i)^(?:[IVX]+\s*[.)]?\s*)?(?:[A-Z]\s*[.)]\s*)?conclusions?\s+and\s*(?:/\s*or\s+|or\s+)?recommendations?$",
    )
}

fn is_heading_text(text: &str) -> bool {
    heading_re().is_match(without_footnote_marks(text))
}

fn end_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"(?i)^(?:(?:III|IV|V|VI)\.?\s+\S.*|annex(?:es)?(?:\s+[IVX\d]+)?|(?:end)?notes|composition of the delegation|voluntary pledges and commitments.*)$",
    )
}

/// The lines of the section, after its heading and before the next heading or annex.
/// `None` when the text has no such section.
pub fn find_section(lines: &[Line]) -> Option<&[Line]> {
    find_section_range(lines).map(|r| &lines[r])
}

/// Where the section's lines are among the report's: see [`find_section`].
pub fn find_section_range(lines: &[Line]) -> Option<std::ops::Range<usize>> {
    let is_heading = |i: usize| {
        let text = &lines[i].text;
        if text.contains("...") || text.contains("\u{2026}") {
            return false; // the table of contents
        }
        if is_heading_text(text) {
            return true;
        }
        // A heading broken over two lines.
        lines.get(i + 1).is_some_and(|next| {
            text.len() < 60 && is_heading_text(&format!("{text} {}", next.text))
        })
    };
    let start = (0..lines.len()).find(|&i| is_heading(i))?;
    let body_start = if is_heading_text(&lines[start].text) {
        start + 1
    } else {
        start + 2
    };
    let end = (body_start..lines.len())
        .find(|&i| end_re().is_match(&lines[i].text))
        .unwrap_or(lines.len());
    Some(body_start.min(end)..end)
}

/// Where the numbered recommendation list is when no heading announces it: the first
/// recommendation numbered "N.1" (or, in the 2008 style, "1.") whose block and the next
/// one's name recommending states, from the paragraph that introduces it to the next
/// heading or annex. `None` when the text holds no such list.
pub fn find_list_range(lines: &[Line]) -> Option<std::ops::Range<usize>> {
    let numbered: Vec<(usize, Marker)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| marker(&l.text).map(|(m, _)| (i, m)))
        .collect();
    let is_recommendation = |i: usize| block_names_states(lines, i);
    let start_of = |first: usize, intro: Option<u32>| {
        // The introducing paragraph ("90. The recommendations below …") within a few lines.
        (first.saturating_sub(10)..first)
            .rev()
            .find(|&j| match marker(&lines[j].text) {
                Some((Marker::Simple(n), _)) => intro.is_none_or(|p| p == n),
                _ => false,
            })
            .unwrap_or(first)
    };
    let compound = numbered.windows(2).find_map(|w| match (w[0].1, w[1].1) {
        (Marker::Compound(p, 1), Marker::Compound(q, 2))
            if p == q && is_recommendation(w[0].0) && is_recommendation(w[1].0) =>
        {
            Some(start_of(w[0].0, Some(p)))
        }
        _ => None,
    });
    let simple = || {
        numbered.windows(2).find_map(|w| match (w[0].1, w[1].1) {
            (Marker::Simple(1), Marker::Simple(2))
                if w[0].0 > 0 && is_recommendation(w[0].0) && is_recommendation(w[1].0) =>
            {
                Some(start_of(w[0].0, None))
            }
            _ => None,
        })
    };
    let start = compound.or_else(simple)?;
    let end = (start + 1..lines.len())
        .find(|&i| end_re().is_match(&lines[i].text))
        .unwrap_or(lines.len());
    Some(start..end)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// "93.4" or "93.4."
    Compound(u32, u32),
    /// "60." or, followed by a wide gap, "60"
    Simple(u32),
    /// An item Word numbered by itself (DOCX).
    Bullet,
}

fn marker(text: &str) -> Option<(Marker, &str)> {
    static COMPOUND: OnceLock<Regex> = OnceLock::new();
    static SIMPLE: OnceLock<Regex> = OnceLock::new();
    if let Some(rest) = text.strip_prefix('\u{2022}') {
        return Some((Marker::Bullet, rest.trim_start()));
    }
    // "101.102.Strengthen …": some reports set no space after the number.
    if let Some(c) = re(&COMPOUND, r"^(\d{1,3})\.(\d{1,3})(?:\.?\s+|\.?$|\.[A-Z(])").captures(text)
    {
        let p = c[1].parse().ok()?;
        let k = c[2].parse().ok()?;
        let number_end = c.get(2).map_or(0, |m| m.end());
        let rest = text[number_end..].trim_start_matches('.').trim_start();
        return Some((Marker::Compound(p, k), rest));
    }
    if let Some(c) = re(&SIMPLE, r"^(\d{1,3})(?:\.\s*|\s{2,}|\.?$)").captures(text) {
        let n = c[1].parse().ok()?;
        return Some((Marker::Simple(n), &text[c[0].len()..]));
    }
    None
}

/// The grouping a sentence after a list gives the whole list ("The recommendations listed
/// above enjoy the support of Morocco."), if it is such a sentence.
pub fn grouping_of_the_list_above(sentence: &str) -> Option<Grouping> {
    let lower = sentence.to_lowercase();
    // The whole list, not some of its items ("recommendations Nos. 3 and 4 above").
    let about_the_list = [
        "the recommendations listed above",
        "the recommendations above",
        "the above recommendations",
        "all recommendations above",
        "all the recommendations above",
    ]
    .iter()
    .any(|p| lower.contains(p))
        && !lower.chars().any(|c| c.is_ascii_digit());
    let grouping = classify(sentence);
    (about_the_list && grouping != Grouping::Unstated).then_some(grouping)
}

pub fn classify(intro: &str) -> Grouping {
    let t = intro.to_lowercase();
    let any = |phrases: &[&str]| phrases.iter().any(|p| t.contains(p));
    if any(&[
        "not enjoy the support",
        "not enjoy support",
        "cannot accept",
        "can not accept",
        "could not accept",
        "not in a position to accept",
        "does not support",
        "did not support",
        "cannot support",
        "not been accepted",
        "not accepted",
        "does not accept",
        "did not accept",
        "were rejected",
        "are rejected",
        "have been noted",
        "has been noted",
        "were noted",
        "are noted",
        "not supported",
    ]) {
        Grouping::Noted
    } else if any(&[
        "will be examined",
        "will examine",
        "will consider",
        "will be considered",
        "will provide responses",
        "will provide its responses",
        "will respond",
        "in due time",
        "in due course",
    ]) {
        Grouping::Examined
    } else if any(&[
        "enjoy the support",
        "enjoys the support",
        "enjoy its support",
        "enjoys its support",
        "enjoyed the support",
        "enjoy support",
        "been accepted",
        "are accepted",
        "accepts",
        "supports",
        "supported by",
        "agrees to",
        "agreed to",
        "already implemented",
        "process of implementation",
    ]) {
        Grouping::Supported
    } else {
        Grouping::Unstated
    }
}

struct Paragraph {
    number: u32,
    page: usize,
    intro: Vec<String>,
    items: Vec<(u32, usize, Vec<String>)>,
    compound: bool,
}

/// Whether the lines from `from` up to the next numbered line hold a parenthesised
/// group of states: what tells a recommendation from an introductory paragraph.
fn block_names_states(lines: &[Line], from: usize) -> bool {
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        if i > from && marker(&line.text).is_some() {
            break;
        }
        text.push(' ');
        text.push_str(&line.text);
    }
    names_states(&text)
}

fn names_states(text: &str) -> bool {
    super::attribution::split_recommendations(text)
        .iter()
        .any(|p| !p.states.is_empty() || !p.unknown.is_empty())
}

/// The numbered recommendations of the section, each with the grouping its paragraph
/// gives it.
pub fn items(section: &[Line], vocabulary: &HashSet<String>) -> Vec<Item> {
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    for (i, line) in section.iter().enumerate() {
        let found = marker(&line.text);
        let current = paragraphs.last();
        let last_item = current
            .and_then(|p| p.items.last())
            .map(|it| it.0)
            .unwrap_or(0);
        let new_paragraph = |n: u32| match current {
            None => true,
            Some(p) => n > p.number && n <= p.number + 3,
        };
        let action = match found {
            Some((Marker::Compound(p, k), rest)) => match current {
                Some(cur) if cur.number == p && k > last_item && k <= last_item + 5 => {
                    Some((None, k, rest))
                }
                _ if k <= 2 && new_paragraph(p) => Some((Some(p), k, rest)),
                _ => None,
            },
            Some((Marker::Simple(n), rest)) => {
                let as_item = current.is_some_and(|p| !p.compound) && n == last_item + 1;
                let as_paragraph = new_paragraph(n);
                if as_item && (!as_paragraph || block_names_states(section, i)) {
                    Some((None, n, rest))
                } else if as_paragraph {
                    paragraphs.push(Paragraph {
                        number: n,
                        page: line.page,
                        intro: vec![rest.to_string()],
                        items: Vec::new(),
                        compound: false,
                    });
                    continue;
                } else {
                    None
                }
            }
            Some((Marker::Bullet, rest)) if current.is_some() => Some((None, last_item + 1, rest)),
            _ => None,
        };
        match action {
            Some((new_para, k, rest)) => {
                if let Some(p) = new_para {
                    paragraphs.push(Paragraph {
                        number: p,
                        page: line.page,
                        intro: Vec::new(),
                        items: Vec::new(),
                        compound: true,
                    });
                }
                if let Some(para) = paragraphs.last_mut() {
                    para.compound |= matches!(found, Some((Marker::Compound(..), _)));
                    para.items.push((k, line.page, vec![rest.to_string()]));
                }
            }
            None => match paragraphs.last_mut() {
                Some(para) => match para.items.last_mut() {
                    Some(item) => item.2.push(line.text.clone()),
                    None => para.intro.push(line.text.clone()),
                },
                // Text before the first numbered paragraph: an unnumbered introduction.
                None => paragraphs.push(Paragraph {
                    number: 0,
                    page: line.page,
                    intro: vec![line.text.clone()],
                    items: Vec::new(),
                    compound: false,
                }),
            },
        }
    }

    let mut out = Vec::new();
    let mut carried = Grouping::Unstated;
    for para in &paragraphs {
        let intro = join_lines(para.intro.iter().map(String::as_str), vocabulary);
        let grouping = classify(&intro);
        if para.items.is_empty() {
            // "72. The following recommendations did not enjoy the support of Equatorial
            // Guinea: Allow political parties … (United States).": one recommendation, not
            // numbered, under its introduction.
            if let Some((head, body)) = intro.split_once(':') {
                let grouping = classify(head);
                if grouping != Grouping::Unstated && names_states(body) {
                    out.push(Item {
                        label: para.number.to_string(),
                        text: rightstrack_core::text::clean_text(body.trim()),
                        page: para.page,
                        grouping,
                    });
                    carried = grouping;
                    continue;
                }
            }
            // "All recommendations … enjoy the support of Ecuador", after the list.
            let lower = intro.to_lowercase();
            if grouping == Grouping::Supported
                && lower.contains("all")
                && lower.contains("recommendations")
            {
                for item in out
                    .iter_mut()
                    .filter(|it: &&mut Item| it.grouping == Grouping::Unstated)
                {
                    item.grouping = Grouping::Supported;
                }
            }
            continue;
        }
        // A continuation paragraph without an introduction keeps the grouping before it.
        let grouping = if intro.trim().is_empty() {
            carried
        } else {
            grouping
        };
        carried = grouping;
        for (k, page, lines) in &para.items {
            out.push(Item {
                label: if para.number == 0 {
                    k.to_string()
                } else {
                    format!("{}.{k}", para.number)
                },
                text: rightstrack_core::text::clean_text(&join_lines(
                    lines.iter().map(String::as_str),
                    vocabulary,
                )),
                page: *page,
                grouping,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Line {
                page: 1,
                text: l.to_string(),
            })
            .collect()
    }

    #[test]
    fn finds_the_section_not_its_table_of_contents_entry() {
        let text = lines(
            "II. Conclusions and/or recommendations ......... 60-61 11\n Introduction\n II. CONCLUSIONS AND/OR RECOMMENDATIONS**\n 60. Text\n III. Voluntary pledges and commitments\n 61. Pledge",
        );
        let section = find_section(&text).unwrap_or_default();
        assert_eq!(section.len(), 1);
        assert_eq!(section[0].text, "60. Text");
    }

    #[test]
    fn headings_with_footnote_marks_margins_and_variants() {
        for heading in [
            "II. Conclusions and/or recommendations\u{2217}\u{2217}",
            "II.Conclusions and/or recommendations**",
            "II. CONCLUSIONS AND RECOMMENDATIONS",
            "III. Conclusions and / or recommendations\u{2020}",
            "B. Conclusions and recommendations 2",
        ] {
            let text = lines(&format!("Introduction\n{heading}\n90. Text (Chile);"));
            let section = find_section(&text).unwrap_or_default();
            assert_eq!(section.len(), 1, "{heading}");
        }
    }

    #[test]
    fn the_list_is_found_without_its_heading() {
        let text = lines(
            "25. Chile welcomed the report (and the progress made).
             Conclusions and/or recommenda-
             tions garbled by the extraction
             90. The recommendations below enjoy the support of Ruritania:
             90.1. Ratify the Convention against Torture (Chile);
             90.2. Adopt a law on the ombudsman (Peru);
             Annex",
        );
        assert!(find_section_range(&text).is_none());
        let range = find_list_range(&text).unwrap_or_default();
        assert_eq!(
            text[range.start].text,
            "90. The recommendations below enjoy the support of Ruritania:"
        );
        assert_eq!(range.len(), 3);
        let only_dialogue = lines("25. Chile welcomed the report.\n26. Peru asked about prisons.");
        assert!(find_list_range(&only_dialogue).is_none());
    }

    #[test]
    fn groupings_set_positions() {
        let text = lines(
            "90. The recommendations below enjoy the support of Ruritania:
             90.1. Ratify the Convention against Torture (Chile);
             90.2. Adopt a law on the ombudsman
             (Peru);
             91. The following recommendations will be examined by Ruritania, which will provide responses in due time:
             91.1. Abolish the death penalty (France);
             92. The recommendations below did not enjoy the support of Ruritania:
             92.1. Decriminalize defamation (Norway);
             93. All conclusions and/or recommendations contained in the present report reflect the position of the submitting State(s).",
        );
        let items = items(&text, &HashSet::new());
        let got: Vec<(&str, Grouping)> = items
            .iter()
            .map(|i| (i.label.as_str(), i.grouping))
            .collect();
        assert_eq!(
            got,
            [
                ("90.1", Grouping::Supported),
                ("90.2", Grouping::Supported),
                ("91.1", Grouping::Examined),
                ("92.1", Grouping::Noted)
            ]
        );
        assert_eq!(items[1].text, "Adopt a law on the ombudsman (Peru);");
    }

    #[test]
    fn a_recommendation_not_numbered_under_its_introduction() {
        let text = lines(
            "72. The following recommendations did not enjoy the support of Ruritania:
             Allow political parties to operate freely; and establish an independent
             electoral body (Norway).
             73. All conclusions and/or recommendations contained in the present report reflect the position of the submitting State(s).",
        );
        let items = items(&text, &HashSet::new());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].label, "72");
        assert_eq!(items[0].grouping, Grouping::Noted);
        assert!(items[0].text.starts_with("Allow political parties"));
    }

    #[test]
    fn a_compound_number_with_no_space_after_it() {
        let text = lines(
            "101. The recommendations below enjoy the support of Ruritania:
             101.1. Ratify the Convention (Chile);
             101.2.Strengthen the fight against poverty (Senegal);",
        );
        let items = items(&text, &HashSet::new());
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].label, "101.2");
        assert_eq!(
            items[1].text,
            "Strengthen the fight against poverty (Senegal);"
        );
    }

    #[test]
    fn numbers_under_a_paragraph_and_numbers_in_text() {
        let text = lines(
            "60. In the course of the discussion, the following recommendations were made:
             1.   Provide shelters for victims of violence, including children under
             18   years of age (Chile);
             2.   Ratify the Convention (Peru).
             61. All recommendations formulated during the interactive dialogue enjoy the support of Ruritania.",
        );
        let items = items(&text, &HashSet::new());
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].label, "60.1");
        assert!(
            items[0].text.contains("under 18 years"),
            "{}",
            items[0].text
        );
        assert_eq!(items[1].grouping, Grouping::Supported);
    }

    #[test]
    fn enjoy_its_support_and_end_notes() {
        assert_eq!(
            classify("The recommendations listed below have been examined by Kenya and enjoy its support:"),
            Grouping::Supported
        );
        assert_eq!(
            classify("Pakistan considers that recommendations contained in paragraphs 23(b) and (f) … cannot accept them."),
            Grouping::Noted
        );
        assert_eq!(
            grouping_of_the_list_above(
                "The recommendations listed above enjoy the support of Morocco."
            ),
            Some(Grouping::Supported)
        );
        assert_eq!(
            grouping_of_the_list_above(
                "San Marino is not in a position to accept recommendations Nos. 3 and 4 above"
            ),
            None
        );
        let text = lines(
            "II. Conclusions and/or recommendations\n 90. Text (Chile);\n Notes\n 1 The recommendation as read during the interactive dialogue: other words.",
        );
        let section = find_section(&text).unwrap_or_default();
        assert_eq!(section.len(), 1);
    }
}
