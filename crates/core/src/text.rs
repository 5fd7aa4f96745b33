//! Text rules shared by every part of the system: how names are compared and when two
//! recommendation texts are the same text.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds a state or organisation name to a key that ignores case, accents, punctuation,
/// `&` versus `and`, and `St` versus `Saint`, so that the spellings found in real data
/// ("St Kitts & Nevis", "Saint Kitts and Nevis") meet.
pub fn name_key(name: &str) -> String {
    let folded = fold_accents(&name.to_lowercase()).replace('&', " and ");
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| if w == "st" { "saint" } else { w })
        .collect();
    words.join(" ")
}

/// Removes diacritics: "Côte d'Ivoire" becomes "Cote d'Ivoire".
pub fn fold_accents(text: &str) -> String {
    text.nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// The text of a recommendation as it should be stored: trimmed, with runs of white
/// space (including line breaks from PDF extraction and non-breaking spaces) made one
/// space.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_collapsed(&mut out, text, |c| c);
    out
}

/// Appends `text` to `out` with white space collapsed and trimmed, each other character
/// passed through `map`. One pass, one allocation: this runs on every imported row.
fn push_collapsed(out: &mut String, text: &str, map: impl Fn(char) -> char) {
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(map(c));
        }
    }
}

/// The key under which two texts count as the same recommendation text: cleaned,
/// lower-cased, typographic quotes and dashes made plain, a final full stop or
/// semicolon dropped. Deliberately conservative: a different word is a different text.
pub fn identity_text(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let lower = text.to_lowercase();
    push_collapsed(&mut key, &lower, |c| match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        '\u{2010}'..='\u{2015}' => '-',
        other => other,
    });
    while key.ends_with(['.', ';', ',', ' ']) {
        key.pop();
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_meet_across_spellings() {
        assert_eq!(
            name_key("St Kitts & Nevis"),
            name_key("Saint Kitts and Nevis")
        );
        assert_eq!(name_key("Côte d'Ivoire"), name_key("Cote d'Ivoire"));
        assert_eq!(name_key("  Viet-Nam "), "viet nam");
    }

    #[test]
    fn clean_text_folds_white_space() {
        assert_eq!(
            clean_text(" Ratify\u{a0}the\r\nConvention  "),
            "Ratify the Convention"
        );
    }

    #[test]
    fn identity_text_ignores_trailing_punctuation_and_quotes() {
        assert_eq!(
            identity_text("Ratify the State\u{2019}s Convention;"),
            identity_text("ratify the state's convention.")
        );
        assert_ne!(
            identity_text("Ratify OP-CAT"),
            identity_text("Consider ratifying OP-CAT")
        );
    }
}
