//! From a text to the terms a model counts: lower-cased, accent-folded words of two or
//! more letters or digits, their bigrams, the opening words (which carry the requested
//! action: "Consider ratifying", "Continue to"), and optionally character n-grams.
//!
//! Terms are identified by a 32-bit FNV-1a hash of their text, stable across platforms
//! and runs, so a model needs no string vocabulary to score a text; the strings are
//! rebuilt from the input only where a person reads them (`explain`).

use rightstrack_core::text::fold_accents;

/// Which terms a text yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermConfig {
    pub bigrams: bool,
    /// How many opening words also count as marked lead terms ("^consider").
    pub lead_words: u8,
    /// Character n-grams within words (`char_wb`), lengths `lo..=hi`; `(0, 0)` for none.
    pub char_ngrams: (u8, u8),
}

impl Default for TermConfig {
    fn default() -> Self {
        Self {
            bigrams: true,
            lead_words: 2,
            char_ngrams: (0, 0),
        }
    }
}

/// Lower case, accents folded; only non-ASCII text pays for the Unicode folding.
pub fn normalise(text: &str) -> String {
    let lower = text.to_lowercase();
    if lower.is_ascii() {
        lower
    } else {
        fold_accents(&lower)
    }
}

/// The words of a normalised text: runs of two or more alphanumeric characters.
pub fn words(normalised: &str) -> Vec<&str> {
    normalised
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some())
        .collect()
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv(mut hash: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The hash of a term's text, as [`for_each_term`] reports it.
pub fn term_hash(term: &str) -> u32 {
    fnv(FNV_OFFSET, term.as_bytes())
}

/// Calls `emit(hash, text)` for every term occurrence of `text`; `text()` builds the
/// term's string and is only called by those who need it.
pub fn for_each_term(
    text: &str,
    config: &TermConfig,
    emit: &mut dyn FnMut(u32, &dyn Fn() -> String),
) {
    let normalised = normalise(text);
    let words = words(&normalised);
    let mut unigram = Vec::with_capacity(words.len());
    for w in &words {
        let h = fnv(FNV_OFFSET, w.as_bytes());
        unigram.push(h);
        emit(h, &|| (*w).to_string());
    }
    if config.bigrams {
        for (i, pair) in words.windows(2).enumerate() {
            // FNV is a stream: the bigram's hash continues from its first word's.
            let h = fnv(fnv(unigram[i], b" "), pair[1].as_bytes());
            emit(h, &|| format!("{} {}", pair[0], pair[1]));
        }
    }
    let lead = usize::from(config.lead_words).min(words.len());
    if lead > 0 {
        let mut h = fnv(FNV_OFFSET, b"^");
        for (i, w) in words[..lead].iter().enumerate() {
            if i > 0 {
                h = fnv(h, b" ");
            }
            h = fnv(h, w.as_bytes());
            emit(h, &|| format!("^{}", words[..=i].join(" ")));
        }
    }
    let (lo, hi) = (
        usize::from(config.char_ngrams.0),
        usize::from(config.char_ngrams.1),
    );
    if lo > 0 {
        for w in &words {
            let padded: Vec<char> = format!(" {w} ").chars().collect();
            for n in lo..=hi.min(padded.len()) {
                for gram in padded.windows(n) {
                    let s: String = gram.iter().collect();
                    let h = fnv(fnv(FNV_OFFSET, b"#"), s.as_bytes());
                    emit(h, &|| format!("#{s}"));
                }
            }
        }
    }
}

/// The distinct term hashes of a text with their counts, sorted by hash.
pub fn term_counts(text: &str, config: &TermConfig) -> Vec<(u32, u32)> {
    let mut hashes = Vec::with_capacity(text.len() / 3);
    for_each_term(text, config, &mut |h, _| hashes.push(h));
    hashes.sort_unstable();
    let mut counts: Vec<(u32, u32)> = Vec::with_capacity(hashes.len());
    for h in hashes {
        match counts.last_mut() {
            Some((last, n)) if *last == h => *n += 1,
            _ => counts.push((h, 1)),
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str, config: &TermConfig) -> Vec<String> {
        let mut out = Vec::new();
        for_each_term(text, config, &mut |h, t| {
            assert_eq!(h, term_hash(&t()));
            out.push(t());
        });
        out
    }

    #[test]
    fn words_are_folded_and_short_ones_dropped() {
        let n = normalise("Ratify the CRPD, São Tomé & a OP-CAT");
        assert_eq!(
            words(&n),
            ["ratify", "the", "crpd", "sao", "tome", "op", "cat"]
        );
    }

    #[test]
    fn terms_hold_words_bigrams_and_lead() {
        let config = TermConfig::default();
        assert_eq!(
            terms("Consider ratifying CEDAW", &config),
            [
                "consider",
                "ratifying",
                "cedaw",
                "consider ratifying",
                "ratifying cedaw",
                "^consider",
                "^consider ratifying"
            ]
        );
        let chars = TermConfig {
            bigrams: false,
            lead_words: 0,
            char_ngrams: (3, 3),
        };
        assert_eq!(
            terms("Roma", &chars),
            ["roma", "# ro", "#rom", "#oma", "#ma "]
        );
    }

    #[test]
    fn counts_are_sorted_and_merged() {
        let counts = term_counts("torture torture torture", &TermConfig::default());
        let torture = counts.iter().find(|(h, _)| *h == term_hash("torture"));
        assert_eq!(torture.map(|c| c.1), Some(3));
        assert!(counts.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
