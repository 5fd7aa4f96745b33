//! The state under review's own words inside the section: the comment a report prints
//! after a recommendation it did not accept ("…(Spain); San Marino is not in a position to
//! accept the recommendation above, because …"), or as an item of its own ("2. Costa Rica
//! explained that …"). Not words recommended: kept as the explanation of the position.

use rightstrack_core::{State, StateCode};

use super::attribution;

/// A numbered item that is the state's comment on the item before: no state group, opens
/// with the state's name, and asks nothing of it ("Indonesia is encouraged to …" is a
/// recommendation).
pub(super) fn is_comment_item(text: &str, state: StateCode) -> bool {
    !names_a_group(text) && opens_with_state(text, state) && !is_addressed(text)
}

/// A paragraph cut before the comment the state under review printed after the
/// recommendation's state group ("… (Spain); San Marino is not in a position to accept the
/// recommendation above, because …", "… (Canada): The Dominican Republic does not accept
/// …"): the comment is the state's explanation of its position, not words recommended.
pub(super) fn split_response(text: &str, state: StateCode) -> (&str, Option<&str>) {
    // Where each group of states closes, found once: a comment follows one and, when it
    // opens as a statement, follows the last.
    let closes = group_closes(text);
    let (Some(&first), Some(&last)) = (closes.first(), closes.last()) else {
        return (text, None);
    };
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' | '.' | ':' if depth == 0 && i > first => {
                let after = text[i + 1..].trim_start();
                let last_words = i > last;
                let comment = comments_as(after, state)
                    || (last_words && (speaks_for(after, state) || is_comment(after)));
                if comment && !is_addressed(after) {
                    return (&text[..i], Some(after.trim_end()));
                }
            }
            _ => {}
        }
    }
    (text, None)
}

/// Whether the words after the last group of a paragraph are the state's voice rather
/// than more of the recommendation: a sentence, not a clause, that speaks of the state
/// by its adjective or as "the Government", "we" ("In Ecuador, there are no laws …", "The
/// Ecuadorian State has signed …", "The Constitution establishes …").
fn speaks_for(sentence: &str, state: StateCode) -> bool {
    let words: Vec<&str> = sentence.split_whitespace().take(12).collect();
    if words.len() < 6 || !sentence.starts_with(char::is_uppercase) {
        return false;
    }
    let name = state.state().name;
    let stem: String = name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .take(5)
        .collect();
    let adjective = stem.chars().count() == 5 && words.iter().any(|w| w.starts_with(stem.as_str()));
    let lower = sentence.to_lowercase();
    let voice = ["the government", "the state ", "the constitution", "we "]
        .iter()
        .any(|p| lower.starts_with(p));
    adjective || voice
}

/// A sentence after a paragraph's last group that does not open as a recommendation does
/// (a verb, "That …", "To …", "It also recommended …") but as a statement ("As indicated in
/// the national report, …", "This is not acceptable …", "There is no …"): the state's
/// comment, which names no recommending state.
fn is_comment(sentence: &str) -> bool {
    const OPENINGS: &[&str] = &[
        "As",
        "In",
        "This",
        "These",
        "Such",
        "Since",
        "There",
        "We",
        "Our",
        "According",
        "Although",
        "While",
        "However",
        "Moreover",
        "Given",
        "Due",
        "Under",
        "Regarding",
    ];
    let first = sentence
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    sentence.split_whitespace().count() >= 6 && OPENINGS.contains(&first)
}

/// Whether a sentence opens with the state's name ("Costa Rica explained that …").
fn opens_with_state(sentence: &str, state: StateCode) -> bool {
    let words: Vec<&str> = sentence.split_whitespace().take(6).collect();
    state_named_at(&words, 0, state).is_some()
}

/// "Peru should also consider …", "Chile is encouraged to …": a recommendation with its
/// subject, not the state's comment.
fn is_addressed(sentence: &str) -> bool {
    const ASKING: &[&str] = &[
        "should",
        "must",
        "shall",
        "encouraged",
        "urged",
        "invited",
        "recommended",
    ];
    sentence
        .split_whitespace()
        .take(12)
        .any(|w| ASKING.contains(&w.to_lowercase().as_str()))
}

/// Whether words hold a group of recommending states.
fn names_a_group(text: &str) -> bool {
    !group_closes(text).is_empty()
}

/// The offsets of the `)` of each parenthesis that names recommending states.
fn group_closes(text: &str) -> Vec<usize> {
    crate::vocab::paren_groups(text)
        .into_iter()
        .filter(|&(open, close)| {
            !attribution::resolve_states(&text[open + 1..close])
                .0
                .is_empty()
        })
        .map(|(_, close)| close)
        .collect()
}

/// Whether a sentence is the state's own word: it opens with the state's name ("San
/// Marino is not in a position …"), or names it as the subject of a verb of its first
/// clause ("With respect to special procedures, Algeria will consider …").
fn comments_as(sentence: &str, state: StateCode) -> bool {
    const VERBS: &[&str] = &[
        "is",
        "was",
        "has",
        "had",
        "does",
        "did",
        "will",
        "would",
        "can",
        "cannot",
        "could",
        "considers",
        "accepts",
        "supports",
        "rejects",
        "notes",
        "agrees",
        "believes",
    ];
    let words: Vec<&str> = sentence.split_whitespace().take(12).collect();
    if state_named_at(&words, 0, state).is_some() {
        return true;
    }
    (1..words.len()).any(|start| {
        state_named_at(&words, start, state).is_some_and(|end| {
            words
                .get(end)
                .is_some_and(|w| VERBS.contains(&w.to_lowercase().as_str()))
        })
    })
}

/// Where the state's name, read from `start` (up to six words), ends.
fn state_named_at(words: &[&str], start: usize, state: StateCode) -> Option<usize> {
    (start + 1..=words.len().min(start + 6))
        .find(|&end| State::by_name(&words[start..end].join(" ")).is_some_and(|s| s.code == state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_states_comment_after_a_recommendation_is_its_explanation() {
        let chile = StateCode::parse("CHL").unwrap_or_else(|e| unreachable!("{e}"));
        let (words, response) = split_response(
            "Abolish the death penalty (Norway); Chile is not in a position to accept the recommendation above, because (a) …",
            chile,
        );
        assert_eq!(words, "Abolish the death penalty (Norway)");
        assert_eq!(
            response,
            Some("Chile is not in a position to accept the recommendation above, because (a) …")
        );
        let (words, response) = split_response(
            "Sign (Spain) and ratify (Chile) the Optional Protocol; Chile is not in a position to accept it.",
            chile,
        );
        assert_eq!(
            words,
            "Sign (Spain) and ratify (Chile) the Optional Protocol"
        );
        assert!(response.is_some());
        let (words, _) = split_response(
            "Pursue its efforts (Peru). With respect to special procedures, Chile will consider the requests.",
            chile,
        );
        assert_eq!(words, "Pursue its efforts (Peru)");
        let (words, response) = split_response(
            "Ratify the CAT (Peru). Chile should also consider a moratorium.",
            chile,
        );
        assert!(response.is_none(), "{words}");
        let (words, _) = split_response(
            "Abolish the death penalty (Norway); In Chile, there is no death penalty in law since 2001.",
            chile,
        );
        assert_eq!(words, "Abolish the death penalty (Norway)");
        // Another state's name after a group starts a recommendation, not a comment.
        let (words, response) = split_response("Ratify the CAT (Peru). Peru also asked …", chile);
        assert!(response.is_none());
        assert!(words.ends_with("asked …"));
    }
}
