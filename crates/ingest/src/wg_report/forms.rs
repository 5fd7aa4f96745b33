//! The older forms a recommendation takes in the reports (2008 above all), turned into
//! the imperative the later reports use, one recommendation each:
//!
//! - lettered or numbered sub-items, "(a) Pursue …; and (b) take …", are recommendations
//!   of their own, made by the same states;
//! - a paragraph that goes on "…; recommends that Algeria cooperate …", "…; encourages
//!   Algeria to review …" or "… . It also recommended that the State pursue …" holds one
//!   recommendation per clause;
//! - the subject of a subjunctive, "That Algeria take …", "That the State strengthen …",
//!   is dropped: "Take …".

use std::sync::OnceLock;

use regex::Regex;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(pattern).unwrap_or_else(|_| unreachable!("the pattern is a constant"))
    })
}

/// The recommendations one state group's words hold: its clauses, then their sub-items,
/// each in the imperative where the report wrote a subject.
pub fn recommendations(text: &str) -> Vec<String> {
    clauses(text)
        .into_iter()
        .flat_map(|c| sub_items(&c))
        .map(|t| without_subject(&t))
        .filter(|t| t.chars().any(char::is_alphabetic))
        .collect()
}

/// The words that open a further recommendation in the same sentence: after a semicolon,
/// a reporting verb ("recommends", "encourages", …), or a new sentence "It (also)
/// recommended …".
fn clause_start() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"(?:;\s*(?:and\s+)?|\.\s+It\s+(?:also\s+|further\s+)?)(?:also\s+|further\s+)?(?:recommends|recommended|encourages|encouraged|urges|urged|calls\s+upon|called\s+upon|invites|invited|expresses\s+support|expressed\s+support)\b",
    )
}

/// Clauses that only endorse another state's recommendation ("expresses support for the
/// recommendation of …"): no words of their own.
fn endorses_another(clause: &str) -> bool {
    let t = clause.trim_start().to_lowercase();
    t.starts_with("expresses support") || t.starts_with("expressed support")
}

/// Splits at the clause starts outside parentheses; each clause keeps its reporting
/// verb, which [`without_subject`] takes away where it has a subject.
fn clauses(text: &str) -> Vec<String> {
    let mut starts = Vec::new();
    for m in clause_start().find_iter(text) {
        if depth_at(text, m.start()) == 0 {
            // The clause begins after the separator.
            let verb = m.as_str().find(char::is_alphabetic).unwrap_or(0);
            starts.push((m.start(), m.start() + verb));
        }
    }
    if starts.is_empty() {
        return vec![text.to_string()];
    }
    let mut out = vec![text[..starts[0].0].to_string()];
    for (k, &(_, begin)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(text.len(), |s| s.0);
        let clause = strip_opening(&text[begin..end]);
        if !endorses_another(&clause) {
            out.push(clause);
        }
    }
    out
}

/// "It also recommended that …" → "recommended that …".
fn strip_opening(clause: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"^(?i:and\s+)?(?:It\s+)?(?:also\s+|further\s+)?")
        .replace(clause, "")
        .into_owned()
}

fn depth_at(text: &str, at: usize) -> usize {
    let mut depth = 0usize;
    for c in text[..at].chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// A sub-item marker: "(a)" … "(z)" or "(i)" … "(x)", where a list item may begin.
fn marker_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"(?:^|[:;,]\s*|\s(?:and|or)\s+|\s)\(([a-z]|i{1,3}|iv|vi{0,3}|ix|x)\)\s",
    )
}

fn roman(n: usize) -> &'static str {
    const R: [&str; 10] = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"];
    R.get(n).copied().unwrap_or("")
}

/// Splits "(a) Pursue …; and (b) take …" into its items when the markers run in order
/// from (a) or (i), at least two of them, each at the start of the text or after a
/// separator. Words before the first marker open every item, unless they end with a
/// colon (an introduction such as "the following recommendations:").
pub fn sub_items(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, usize, String)> = Vec::new(); // ("(", item start, label)
    for c in marker_re().captures_iter(text) {
        let (Some(whole), Some(label)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let paren = whole.start() + whole.as_str().find('(').unwrap_or(0);
        let before = text[..paren].trim_end();
        let after_separator = before.is_empty()
            || before.ends_with([':', ';', ','])
            || before.ends_with(" and")
            || before.ends_with(" or");
        if after_separator && depth_at(text, whole.start()) == 0 {
            found.push((paren, whole.end(), label.as_str().to_string()));
        }
    }
    // Keep the run in order: (a), (b), (c)… or (i), (ii), (iii)…
    let lettered = found.first().is_some_and(|f| f.2 == "a");
    let numbered = found.first().is_some_and(|f| f.2 == "i");
    let mut run: Vec<(usize, usize)> = Vec::new();
    for (start, begin, label) in &found {
        let n = run.len();
        let expected = if lettered {
            char::from(b'a' + n.min(25) as u8).to_string()
        } else if numbered {
            roman(n).to_string()
        } else {
            break;
        };
        if *label == expected {
            run.push((*start, *begin));
        }
    }
    if run.len() < 2 {
        return vec![text.to_string()];
    }
    let preamble = text[..run[0].0].trim();
    let shared = if preamble.is_empty() || preamble.ends_with(':') {
        ""
    } else {
        preamble
    };
    let mut out = Vec::new();
    if !shared.is_empty() && !preamble.ends_with(':') && run[0].0 == 0 {
        out.push(preamble.to_string());
    }
    for (k, &(_, begin)) in run.iter().enumerate() {
        let end = run.get(k + 1).map_or(text.len(), |r| r.0);
        let item = text[begin..end].trim();
        let item = item
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ','))
            .trim_end();
        let item = item
            .strip_suffix(" and")
            .or_else(|| item.strip_suffix(" or"))
            .unwrap_or(item)
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ','));
        if shared.is_empty() {
            out.push(item.to_string());
        } else {
            out.push(format!("{shared} {item}"));
        }
    }
    out
}

/// "That Algeria take …", "that the State strengthen …", "recommends that Algeria
/// cooperate …", "encourages Algeria to review …", "Peru should also consider …" →
/// "take …", "strengthen …", "cooperate …", "review …", "consider …". A subject that is not the state ("recommends that steps
/// be taken") stays.
pub fn without_subject(text: &str) -> String {
    static THAT: OnceLock<Regex> = OnceLock::new();
    static SHOULD: OnceLock<Regex> = OnceLock::new();
    static TO: OnceLock<Regex> = OnceLock::new();
    const SUBJECT: &str = r"(?:the\s+(?:[A-Z][\w\-]*\s+)?(?:State|Government|country|authorities)(?:\s+of\s+[A-Z][\w’'\-]*(?:\s+(?:[A-Z][\w\-]*|of|the|and))*)?|it|[A-Z][\w\-]*(?:\s+(?:[A-Z][\w\-]*|of|the|and))*)";
    // The words as stored: without the separator and conjunction that joined them to the
    // recommendation before (". Peru should …", "and that Peru report …").
    let t =
        text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '.' | ':'));
    let t = ["and ", "And "]
        .iter()
        .find_map(|c| t.strip_prefix(c))
        .unwrap_or(t);
    let forms = [
        (
            &THAT,
            format!(
                r"^(?i:(?:recommends|recommended)\s+)?(?i:that)\s+{SUBJECT}\s+(?:should\s+)?([a-z])"
            ),
        ),
        (
            &SHOULD,
            format!(r"^{SUBJECT}\s+should\s+(?:also\s+|further\s+)?([a-z])"),
        ),
        (
            &TO,
            format!(
                r"^(?i:encourages|encouraged|urges|urged|calls\s+upon|called\s+upon|invites|invited|recommends|recommended)\s+(?:to\s+)?{SUBJECT}\s+to\s+([a-z])"
            ),
        ),
    ];
    for (cell, pattern) in &forms {
        let verb = re(cell, pattern).captures(t).and_then(|c| c.get(1));
        if let Some(verb) = verb {
            let rest = &t[verb.start()..];
            // "that Mali be provided with …": the state is not the one acting.
            if !rest.starts_with("be ") {
                return rest.to_string();
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lettered_sub_items_are_recommendations_of_their_own() {
        assert_eq!(
            recommendations(
                "(a) Pursue the inquiries into abductions; and (b) take other urgent measures for reintegration"
            ),
            [
                "Pursue the inquiries into abductions",
                "take other urgent measures for reintegration"
            ]
        );
        assert_eq!(
            recommendations("Implement the recommendations of the Committee: (i) review the Code, (ii) monitor custody"),
            ["review the Code", "monitor custody"]
        );
        // A reference is no list: "article 37 (a) of the Convention".
        assert_eq!(
            recommendations("Comply with article 37 (a) of the Convention"),
            ["Comply with article 37 (a) of the Convention"]
        );
        // Markers out of order are no list either.
        assert_eq!(
            recommendations("Withdraw the reservation, (b) of article 2"),
            ["Withdraw the reservation, (b) of article 2"]
        );
    }

    #[test]
    fn subjects_of_the_older_forms_are_dropped() {
        assert_eq!(
            recommendations("That Algeria take steps to ratify the Convention"),
            ["take steps to ratify the Convention"]
        );
        assert_eq!(
            recommendations("That the State strengthen its efforts"),
            ["strengthen its efforts"]
        );
        assert_eq!(
            recommendations("That Sri Lanka consider a moratorium"),
            ["consider a moratorium"]
        );
        assert_eq!(
            recommendations("Recommended to South Africa to ratify the Covenant"),
            ["ratify the Covenant"]
        );
        assert_eq!(
            recommendations("Peru should also consider developing a national policy"),
            ["consider developing a national policy"]
        );
        // Not the state, or not the state acting: the words stay.
        assert_eq!(
            recommendations("That a national plan be adopted"),
            ["That a national plan be adopted"]
        );
        assert_eq!(
            recommendations("and that Mali be provided with technical assistance"),
            ["that Mali be provided with technical assistance"]
        );
    }

    #[test]
    fn reporting_verbs_open_further_recommendations() {
        assert_eq!(
            recommendations(
                "That the State protect women’s rights; recommends that Algeria cooperate with special procedures; recommends that steps be taken to guarantee the rights of detainees; encourages Algeria to review the state of emergency"
            ),
            [
                "protect women’s rights",
                "cooperate with special procedures",
                "recommends that steps be taken to guarantee the rights of detainees",
                "review the state of emergency"
            ]
        );
        assert_eq!(
            recommendations(
                "That Algeria take initiatives for women’s rights. It also recommended that the State pursue its efforts to combat poverty"
            ),
            ["take initiatives for women’s rights", "pursue its efforts to combat poverty"]
        );
        // An endorsement of another state's recommendation has no words of its own.
        assert_eq!(
            recommendations(
                "That Algeria implement measures against torture; expresses support for the recommendation of United Kingdom"
            ),
            ["implement measures against torture"]
        );
    }
}
