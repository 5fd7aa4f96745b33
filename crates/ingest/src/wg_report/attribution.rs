//! Who made a recommendation: the recommending states a Working Group report names in
//! parentheses after each recommendation, and the splitting of a paragraph that holds
//! several recommendations ("… (France); accelerate … (Uruguay, Mali);") into one
//! recommendation per group of states.

use rightstrack_core::{State, StateCode};

use super::notation::{self, Reading, Segment};

/// One recommendation cut out of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub states: Vec<StateCode>,
    /// Names in the state group that match no state, for warnings.
    pub unknown: Vec<String>,
}

/// The longest state name in words ("United Kingdom of Great Britain and Northern Ireland").
const MAX_NAME_WORDS: usize = 9;

/// Words that join names in a list and are not names themselves.
const CONNECTORS: &[&str] = &["and", "&", "the", "also", "as", "well"];

/// Words that may stand lower-case inside a state name.
const NAME_PARTICLES: &[&str] = &["of", "the", "and", "de", "du", "des", "d'", "la", "le", "&"];

/// Resolves the content of a parenthesis to states: the names are split at top-level
/// commas and semicolons, and each part is read greedily as the longest run of words
/// that names a state, so that "United Kingdom France" (a missing comma) and "Austria
/// and Germany" both yield two states while "Bosnia and Herzegovina" stays one.
/// Returns the states and the names that match none.
pub fn resolve_states(content: &str) -> (Vec<StateCode>, Vec<String>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for part in split_top_level(content, &[',', ';']) {
        // Footnote calls stick to names in some reports: "Chile,1 China,2 Mexico3".
        let words: Vec<&str> = part
            .split_whitespace()
            .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()))
            .filter(|w| !w.is_empty())
            .collect();
        let mut i = 0;
        let mut pending: Vec<&str> = Vec::new();
        while i < words.len() {
            let found = (i + 1..=words.len().min(i + MAX_NAME_WORDS))
                .rev()
                .filter(|&j| could_be_name(&words[i..j]))
                .find_map(|j| State::by_name(&words[i..j].join(" ")).map(|s| (j, s.code)));
            match found {
                Some((j, code)) => {
                    flush_unknown(&mut pending, &mut unknown);
                    if !known.contains(&code) {
                        known.push(code);
                    }
                    i = j;
                }
                None => {
                    pending.push(words[i]);
                    i += 1;
                }
            }
        }
        flush_unknown(&mut pending, &mut unknown);
    }
    (known, unknown)
}

/// Whether words may be a state's name or code as reports write them: a short word is a
/// code only in capitals, so that "and" is not Andorra nor "can" Canada; a longer one
/// starts a name in any case.
fn could_be_name(words: &[&str]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let first = first.trim_start_matches(|c: char| !c.is_alphanumeric());
    let letters = first.chars().filter(|c| c.is_alphabetic()).count();
    if words.len() == 1 && letters <= 3 {
        return first
            .chars()
            .all(|c| !c.is_alphabetic() || c.is_uppercase());
    }
    // A longer name may be printed in lower case ("(netherlands);"): it is still looked up.
    letters > 3 || first.starts_with(char::is_uppercase) || first.eq_ignore_ascii_case("the")
}

fn flush_unknown(pending: &mut Vec<&str>, unknown: &mut Vec<String>) {
    let name = pending.join(" ");
    pending.clear();
    let trimmed = name.trim_matches(|c: char| !c.is_alphanumeric());
    let is_connector = trimmed
        .split_whitespace()
        .all(|w| CONNECTORS.contains(&w.to_lowercase().as_str()));
    if !trimmed.is_empty() && !is_connector {
        unknown.push(trimmed.to_string());
    }
}

/// Splits at the given separators where they stand outside any parenthesis.
fn split_top_level<'a>(text: &'a str, separators: &[char]) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && separators.contains(&c) => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Words of the names of institutions and instruments, which a report also puts in
/// parentheses ("the ICJ (International Commission of Jurists)"): no state's name has them.
const INSTITUTION_WORDS: &[&str] = &[
    "Commission",
    "Committee",
    "Council",
    "Court",
    "Convention",
    "Covenant",
    "Protocol",
    "Jurists",
    "Office",
    "Organization",
    "Organisation",
    "Rapporteur",
    "Programme",
    "Agency",
    "Fund",
    "Institute",
    "Association",
    "Amnesty",
    "Watch",
];

/// A name as a person writes one: capitalised words, with particles ("Iran (Islamic
/// Republic of)", "Holy See"), not an acronym such as "ICCPR" and no digits.
fn looks_like_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    let is_acronym = words.len() == 1
        && name
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let institution = words
        .iter()
        .any(|w| INSTITUTION_WORDS.contains(&w.trim_matches(|c: char| !c.is_alphabetic())));
    !words.is_empty()
        && words.len() <= MAX_NAME_WORDS
        && !is_acronym
        && !institution
        && !name.chars().any(|c| c.is_ascii_digit())
        && words.iter().all(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphabetic());
            w.is_empty()
                || w.starts_with(char::is_uppercase)
                || NAME_PARTICLES.contains(&w.to_lowercase().as_str())
        })
}

/// A parenthesis at the top level of a text: byte offsets of `(` and `)`.
#[derive(Debug, Clone, Copy)]
struct Group {
    open: usize,
    close: usize,
}

fn top_level_groups(text: &str) -> Vec<Group> {
    crate::vocab::paren_groups(text)
        .into_iter()
        .map(|(open, close)| Group { open, close })
        .collect()
}

/// Words that open the rest of a sentence interrupted by a state group: an object or a
/// complement, not a new recommendation (which follows a separator or "and").
const RUN_ON_WORDS: &[&str] = &[
    "the", "a", "an", "its", "their", "all", "of", "to", "on", "in", "for", "with", "at", "by",
    "from", "into", "both", "any", "relevant", "such", "these", "those", "this", "as", "without",
    "further",
];

fn runs_on(after: &str) -> bool {
    let word: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    let lower = word.to_lowercase();
    if lower == "as" {
        // "as soon as possible" continues; "as well as" starts another recommendation.
        return !after.trim_start().to_lowercase().starts_with("as well as");
    }
    if lower == "to" {
        // "to the Convention" continues; "to abolish …" starts another recommendation.
        let next = after.trim_start()[2..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        return ["the", "a", "an", "its", "their", "all"].contains(&next)
            || next.starts_with(char::is_uppercase);
    }
    let acronym = word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && word.chars().all(|c| !c.is_lowercase());
    // An adverb or a gerund after a bare verb: "ratify (Peru) promptly (Bolivia) the
    // ICRMW", "consider (Chile), with priority, (Italy) ratifying the CRPD".
    let adverb = lower.len() > 4 && lower.ends_with("ly") && word == lower;
    let gerund = word == lower && lower.ends_with("ing") && notation::lacks_object(&lower);
    RUN_ON_WORDS.contains(&lower.as_str()) || acronym || adverb || gerund
}

/// Past the footnote call a report sets right after a group, "(Italy)4 ratifying …".
fn after_footnote_call(paragraph: &str, at: usize) -> usize {
    let digits = paragraph[at..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let then = paragraph[at + digits..].chars().next();
    if (1..=2).contains(&digits) && then.is_none_or(|c| !c.is_alphanumeric()) {
        at + digits
    } else {
        at
    }
}

/// Splits a paragraph into its recommendations, one per parenthesised group of
/// recommending states. A parenthesis is a state group when its names are states, or,
/// at the end of a recommendation, when they at least look like names (then they are
/// reported as unknown rather than lost).
pub fn split_recommendations(paragraph: &str) -> Vec<Piece> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut cursor = 0;
    for g in top_level_groups(paragraph) {
        let content = &paragraph[g.open + 1..g.close];
        let after = paragraph[g.close + 1..].trim_start().chars().next();
        let terminal = matches!(after, None | Some(';' | '.' | '/' | ',' | ':'));
        let (states, unknown) = resolve_states(content);
        let names_like = unknown.iter().all(|u| looks_like_name(u));
        let is_group = if states.is_empty() {
            terminal && names_like && !unknown.is_empty()
        } else {
            names_like
        };
        if !is_group {
            continue;
        }
        let text = &paragraph[cursor..g.open];
        if let (Some(previous), true) = (segments.last_mut(), text.trim().is_empty()) {
            // "(Uruguay) (Mali)": a second group for the same words.
            for s in states {
                if !previous.states.contains(&s) {
                    previous.states.push(s);
                }
            }
            previous.unknown.extend(unknown);
            cursor = after_footnote_call(paragraph, g.close + 1);
            previous.runs_on = runs_on(&paragraph[cursor..]);
            continue;
        }
        segments.push(Segment {
            text: text.to_string(),
            states,
            unknown,
            runs_on: runs_on(&paragraph[after_footnote_call(paragraph, g.close + 1)..]),
        });
        cursor = after_footnote_call(paragraph, g.close + 1);
    }
    notation::read(segments, &paragraph[cursor..])
        .into_iter()
        .flat_map(|reading| {
            let Reading {
                text,
                states,
                unknown,
            } = reading;
            super::forms::recommendations(&text)
                .into_iter()
                .map(move |text| Piece {
                    text: tidy(&text),
                    states: states.clone(),
                    unknown: unknown.clone(),
                })
        })
        .filter(|p| p.text.chars().any(char::is_alphabetic))
        .collect()
}

/// The text of one recommendation as it is stored: without the punctuation and the
/// conjunction that joined it to the one before ("; and to …"), without the "To" of
/// "To ratify …", with a capital first letter.
pub fn tidy(text: &str) -> String {
    let mut t = rightstrack_core::text::clean_text(text);
    loop {
        let before = t.len();
        t = t
            .trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ';' | ',' | '.' | '/' | ':' | '-' | '\u{2013}')
            })
            .to_string();
        for connector in ["and/or ", "and ", "as well as ", "or "] {
            if t.len() > connector.len()
                && t.get(..connector.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(connector))
            {
                t = t[connector.len()..].to_string();
            }
        }
        if t.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("to "))
            && t[3..].starts_with(char::is_lowercase)
        {
            t = t[3..].to_string();
        }
        if t.len() == before {
            break;
        }
    }
    loop {
        let before = t.len();
        t = t
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | ':' | '/'))
            .to_string();
        for connector in [" and/or", " and", " as well as", " or"] {
            let tail = t.len().saturating_sub(connector.len());
            if tail > 0
                && t.get(tail..)
                    .is_some_and(|h| h.eq_ignore_ascii_case(connector))
            {
                t.truncate(t.len() - connector.len());
            }
        }
        if t.len() == before {
            break;
        }
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(p: &Piece) -> Vec<&str> {
        p.states.iter().map(|s| s.as_str()).collect()
    }

    #[test]
    fn a_state_printed_in_lower_case_is_still_a_state() {
        let pieces =
            split_recommendations("Ratify the Convention (netherlands); Adopt a law (Peru).");
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].text, "Ratify the Convention");
        assert_eq!(pieces[0].states.len(), 1);
        assert_eq!(pieces[0].states[0].as_str(), "NLD");
        // Lower-case words that are not all names keep their parenthesis as text.
        let prose =
            split_recommendations("Train staff (including cooks from georgia) on rights (Chile).");
        assert_eq!(prose.len(), 1);
        assert!(prose[0].text.contains("georgia"), "{:?}", prose[0].text);
    }

    #[test]
    fn state_lists_resolve_with_real_spellings() {
        let (known, unknown) = resolve_states("the Netherlands, Iran (Islamic Republic of), United Kingdom France and Bosnia and Herzegovina");
        let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
        assert_eq!(known, ["NLD", "IRN", "GBR", "FRA", "BIH"]);
        assert!(unknown.is_empty());
        let (known, unknown) = resolve_states("Bolivarian Republic of Venezuela, Atlantis");
        assert_eq!(known.len(), 1);
        assert_eq!(unknown, ["Atlantis"]);
    }

    #[test]
    fn splits_a_paragraph_per_state_group() {
        let pieces = split_recommendations(
            "To ratify the Optional Protocol to the Convention against Torture (OP-CAT) (France); accelerate the adoption of the law on domestic violence (Uruguay) (Mali); and to consider a moratorium (United Kingdom of Great Britain and Northern Ireland, the Netherlands).",
        );
        assert_eq!(pieces.len(), 3);
        assert_eq!(
            pieces[0].text,
            "Ratify the Optional Protocol to the Convention against Torture (OP-CAT)"
        );
        assert_eq!(codes(&pieces[0]), ["FRA"]);
        assert_eq!(
            pieces[1].text,
            "Accelerate the adoption of the law on domestic violence"
        );
        // "(Mali)" right after "(Uruguay)" is a second group for the same words.
        assert_eq!(codes(&pieces[1]), ["URY", "MLI"]);
        assert_eq!(pieces[2].text, "Consider a moratorium");
        assert_eq!(codes(&pieces[2]), ["GBR", "NLD"]);
    }

    #[test]
    fn slash_alternatives_share_their_object() {
        let pieces = split_recommendations(
            "To ratify (Spain)/consider ratifying (Argentina) the Convention on Enforced Disappearance (Spain, Argentina); ratify the ICRMW (Egypt)/accede to the ICRMW (Uruguay);",
        );
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Ratify the Convention on Enforced Disappearance",
                "Consider ratifying the Convention on Enforced Disappearance",
                "Ratify the ICRMW",
                "Accede to the ICRMW"
            ]
        );
        assert_eq!(codes(&pieces[1]), ["ARG"]);
    }

    #[test]
    fn unknown_names_at_the_end_are_kept_for_a_warning() {
        let pieces = split_recommendations("Strengthen the ombudsman (Ruritania, Chile);");
        assert_eq!(pieces.len(), 1);
        assert_eq!(codes(&pieces[0]), ["CHL"]);
        assert_eq!(pieces[0].unknown, ["Ruritania"]);
        let pieces = split_recommendations(
            "Implement the recommendations of CEDAW (2006) in full (Freedonia).",
        );
        assert_eq!(
            pieces[0].text,
            "Implement the recommendations of CEDAW (2006) in full"
        );
        assert_eq!(pieces[0].unknown, ["Freedonia"]);
        let none = split_recommendations("Efforts to combat trafficking were welcomed.");
        assert_eq!(none.len(), 1);
        assert!(none[0].states.is_empty());
    }

    #[test]
    fn later_groups_recommended_the_clause_up_to_them() {
        let pieces = split_recommendations(
            "Ratify the CRPD (Brazil) and the Optional Protocol thereto (Peru) as soon as possible (Chile); strengthen the NHRC (Czech Republic), in accordance with the Paris Principles (Germany); ratify the Rome Statute (Mexico), the CED (France), and do so promptly (Italy)",
        );
        let got: Vec<(&str, Vec<&str>)> =
            pieces.iter().map(|p| (p.text.as_str(), codes(p))).collect();
        assert_eq!(
            got,
            [
                ("Ratify the CRPD", vec!["BRA"]),
                (
                    "Ratify the CRPD and the Optional Protocol thereto",
                    vec!["PER"]
                ),
                (
                    "Ratify the CRPD and the Optional Protocol thereto as soon as possible",
                    vec!["CHL"]
                ),
                ("Strengthen the NHRC", vec!["CZE"]),
                (
                    "Strengthen the NHRC, in accordance with the Paris Principles",
                    vec!["DEU"]
                ),
                ("Ratify the Rome Statute", vec!["MEX"]),
                ("Ratify the CED", vec!["FRA"]),
                // A verb after "and" starts a recommendation of its own.
                ("Do so promptly", vec!["ITA"]),
            ]
        );
    }
}
