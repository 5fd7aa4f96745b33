//! How faithfully an importer reads a review's recommendations, measured against ground
//! truth made by people (the UPR Info database: one row per recommendation text and
//! recommending state).
//!
//! **Near-identical text.** Two texts match when the Jaccard index of their word sets is
//! at least [`MATCH_THRESHOLD`]. Words are lower-cased, accents folded, split at anything
//! that is not a letter or digit, and a leading "to" is dropped ("To ratify" = "Ratify").
//! Word sets rather than sequences, because editors of the ground truth re-punctuate and
//! sometimes reorder a clause; a threshold rather than equality, because they also fix
//! typos and drop a word ("its", "the"). At 0.8, texts that differ in one word in five
//! still match, while two recommendations that share an object but not the action
//! ("Ratify OP-CAT" / "Consider ratifying OP-CAT") do not.
//!
//! - **recall**: share of ground-truth rows found, a row being found when a recommendation
//!   of the same review has near-identical text;
//! - **precision**: share of extracted recommendations near-identical to some ground-truth row;
//! - **attribution**: share of found rows, among those whose ground truth names a state,
//!   whose state is among the recommending states of a matching recommendation;
//! - **position**: share of found rows where both sides have a position, with the same one.

use std::collections::HashSet;

use rightstrack_core::text::fold_accents;
use rightstrack_core::{NewRecommendation, Position, StateCode};

pub const MATCH_THRESHOLD: f64 = 0.8;

/// One ground-truth row: a text made by one state (or by no state the source could name).
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRow {
    pub text: String,
    pub state: Option<StateCode>,
    pub position: Option<Position>,
}

/// The (text, state) rows behind recommendations that group several states, as the
/// UPR Info importer produces them.
pub fn truth_rows(recommendations: &[NewRecommendation]) -> Vec<TruthRow> {
    let mut rows = Vec::new();
    for rec in recommendations {
        if rec.recommending_states.is_empty() {
            rows.push(TruthRow {
                text: rec.text.clone(),
                state: None,
                position: rec.position,
            });
        }
        for &state in &rec.recommending_states {
            rows.push(TruthRow {
                text: rec.text.clone(),
                state: Some(state),
                position: rec.position,
            });
        }
    }
    rows
}

/// The words a text is compared by.
pub fn words(text: &str) -> HashSet<String> {
    let folded = fold_accents(&text.to_lowercase());
    let mut tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if tokens.first() == Some(&"to") {
        tokens.remove(0);
    }
    tokens.into_iter().map(str::to_string).collect()
}

/// Jaccard index of two word sets: 1.0 for the same words, 0.0 for none in common.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = a.intersection(b).count();
    common as f64 / (a.len() + b.len() - common) as f64
}

/// Word sequences of a document, to ask whether a text is printed in it as written.
pub struct DocumentText {
    words: Vec<String>,
    spans: HashSet<String>,
}

/// Words per sequence compared by [`DocumentText::presence`].
const PRESENCE_SPAN: usize = 4;

/// A text's words in order, folded as [`words`] folds them.
fn word_sequence(text: &str) -> Vec<String> {
    fold_accents(&text.to_lowercase())
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn spans(words: &[String]) -> impl Iterator<Item = String> + '_ {
    words.windows(PRESENCE_SPAN).map(|w| w.join(" "))
}

impl DocumentText {
    pub fn new(document: &str) -> Self {
        let words = word_sequence(document);
        let spans = spans(&words).collect();
        Self { words, spans }
    }

    /// Share of a text's runs of four words (the whole text when shorter) that the document
    /// prints: near 1 when the document carries the text as written, low when an editor of
    /// the ground truth rewrote it. Line breaks, hyphenation aside, do not matter.
    pub fn presence(&self, text: &str) -> f64 {
        let words = word_sequence(text);
        if words.is_empty() {
            return 0.0;
        }
        if words.len() < PRESENCE_SPAN {
            let found = self
                .words
                .windows(words.len())
                .any(|w| w == words.as_slice());
            return f64::from(u8::from(found));
        }
        let all: Vec<String> = spans(&words).collect();
        all.iter().filter(|s| self.spans.contains(*s)).count() as f64 / all.len() as f64
    }
}

/// The counts behind the four measures; add them up over files for totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub truth_rows: usize,
    pub found: usize,
    pub extracted: usize,
    pub extracted_matched: usize,
    /// Found rows whose ground truth names a state.
    pub attribution_checked: usize,
    pub attribution_correct: usize,
    pub position_checked: usize,
    pub position_correct: usize,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

impl Score {
    pub fn recall(&self) -> f64 {
        share(self.found, self.truth_rows)
    }
    pub fn precision(&self) -> f64 {
        share(self.extracted_matched, self.extracted)
    }
    pub fn attribution(&self) -> f64 {
        share(self.attribution_correct, self.attribution_checked)
    }
    pub fn position(&self) -> f64 {
        share(self.position_correct, self.position_checked)
    }
    pub fn add(&mut self, other: &Score) {
        self.truth_rows += other.truth_rows;
        self.found += other.found;
        self.extracted += other.extracted;
        self.extracted_matched += other.extracted_matched;
        self.attribution_checked += other.attribution_checked;
        self.attribution_correct += other.attribution_correct;
        self.position_checked += other.position_checked;
        self.position_correct += other.position_correct;
    }
}

/// Scores one review's extracted recommendations against its ground-truth rows.
pub fn score(extracted: &[NewRecommendation], truth: &[TruthRow]) -> Score {
    let ex_words: Vec<HashSet<String>> = extracted.iter().map(|r| words(&r.text)).collect();
    let mut matched_extracted = vec![false; extracted.len()];
    let mut s = Score {
        truth_rows: truth.len(),
        extracted: extracted.len(),
        ..Score::default()
    };
    for row in truth {
        let row_words = words(&row.text);
        let candidates: Vec<(usize, f64)> = ex_words
            .iter()
            .enumerate()
            .map(|(i, w)| (i, similarity(&row_words, w)))
            .filter(|&(_, sim)| sim >= MATCH_THRESHOLD)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        s.found += 1;
        // Every near-identical extracted text is correct, whichever is the row's best.
        for &(i, _) in &candidates {
            matched_extracted[i] = true;
        }
        // Among near-identical texts (the same words can be recommended in two
        // paragraphs), the one made by the row's state is the row's match.
        let by_state = |&&(i, _): &&(usize, f64)| {
            row.state
                .is_some_and(|st| extracted[i].recommending_states.contains(&st))
        };
        let best = candidates
            .iter()
            .filter(by_state)
            .chain(candidates.iter())
            .copied()
            .max_by(|a, b| {
                let state_a = by_state(&a);
                let state_b = by_state(&b);
                state_a.cmp(&state_b).then(a.1.total_cmp(&b.1))
            });
        let Some((best, _)) = best else {
            continue;
        };
        if let Some(state) = row.state {
            s.attribution_checked += 1;
            if extracted[best].recommending_states.contains(&state) {
                s.attribution_correct += 1;
            }
        }
        if let (Some(want), Some(got)) = (row.position, extracted[best].position) {
            s.position_checked += 1;
            if want == got {
                s.position_correct += 1;
            }
        }
    }
    s.extracted_matched = matched_extracted.iter().filter(|&&m| m).count();
    s
}

/// Indexes of rows or recommendations, each with the best similarity it reached.
pub type Misses = Vec<(usize, f64)>;

/// The ground-truth rows no extracted text matches, and the extracted recommendations
/// that match no row (by index), with the best similarity each reached: what to look at
/// when a figure drops.
pub fn misses(extracted: &[NewRecommendation], truth: &[TruthRow]) -> (Misses, Misses) {
    let ex_words: Vec<HashSet<String>> = extracted.iter().map(|r| words(&r.text)).collect();
    let row_words: Vec<HashSet<String>> = truth.iter().map(|r| words(&r.text)).collect();
    let best = |w: &HashSet<String>, others: &[HashSet<String>]| {
        others.iter().map(|o| similarity(w, o)).fold(0.0, f64::max)
    };
    let rows = row_words
        .iter()
        .enumerate()
        .map(|(i, w)| (i, best(w, &ex_words)))
        .filter(|&(_, b)| b < MATCH_THRESHOLD)
        .collect();
    let recs = ex_words
        .iter()
        .enumerate()
        .map(|(i, w)| (i, best(w, &row_words)))
        .filter(|&(_, b)| b < MATCH_THRESHOLD)
        .collect();
    (rows, recs)
}

/// Share of a row's words that a recommendation's words hold.
fn coverage(row: &HashSet<String>, rec: &HashSet<String>) -> f64 {
    if row.is_empty() {
        return 0.0;
    }
    row.intersection(rec).count() as f64 / row.len() as f64
}

/// Words of a row a recommendation must hold for the row to be a part of it.
const PART_OF: f64 = 0.9;

/// The rows, among `rows` (indexes into `truth`), that the ground truth's editors cut out
/// of one recommendation the report prints whole: an extracted recommendation of the
/// row's state holds the row's words and those of another row of that state ("Take legal
/// measures to deal with intolerance and initiate an awareness-raising campaign" printed
/// once, two rows in the ground truth). Such a row cannot be found without cutting
/// recommendations where the report does not, which the ground truth's own whole rows
/// ("… and ensure …" kept whole hundreds of times) show is not a rule of the genre.
pub fn cut_by_editors(
    extracted: &[NewRecommendation],
    truth: &[TruthRow],
    rows: &[usize],
) -> Vec<usize> {
    let ex_words: Vec<HashSet<String>> = extracted.iter().map(|r| words(&r.text)).collect();
    let row_words: Vec<HashSet<String>> = truth.iter().map(|r| words(&r.text)).collect();
    rows.iter()
        .copied()
        .filter(|&i| {
            let Some(state) = truth[i].state else {
                return false;
            };
            extracted.iter().zip(&ex_words).any(|(rec, rw)| {
                rec.recommending_states.contains(&state)
                    && rw.len() > row_words[i].len()
                    && coverage(&row_words[i], rw) >= PART_OF
                    && truth.iter().enumerate().any(|(j, other)| {
                        j != i
                            && other.state == Some(state)
                            && other.text != truth[i].text
                            && coverage(&row_words[j], rw) >= PART_OF
                    })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_tells_printed_text_from_rewritten() {
        let doc = DocumentText::new(
            "93.1. Ratify the Optional Protocol to the Convention against\nTorture (France);\n93.2. Continue these efforts (Chile);",
        );
        assert_eq!(
            doc.presence("Ratify the Optional Protocol to the Convention against Torture"),
            1.0
        );
        assert!(doc.presence("Continue its efforts towards gender equality") < 0.5);
        assert_eq!(doc.presence("continue these efforts"), 1.0);
        assert_eq!(doc.presence(""), 0.0);
    }
    use rightstrack_core::Mechanism;

    fn code(c: &str) -> StateCode {
        StateCode::parse(c).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn rec(text: &str, states: &[&str], position: Option<Position>) -> NewRecommendation {
        let mut r = NewRecommendation::new(Mechanism::Upr, code("SVN"), text);
        r.recommending_states = states.iter().map(|s| code(s)).collect();
        r.position = position;
        r
    }

    #[test]
    fn near_identical_means_most_words_shared() {
        let s = |a: &str, b: &str| similarity(&words(a), &words(b));
        assert_eq!(s("To ratify the Convention.", "Ratify the convention"), 1.0);
        assert!(
            s(
                "Ratify the Optional Protocol to the Convention against Torture",
                "Ratify the Optional Protocol to the Convention against Torture promptly"
            ) >= MATCH_THRESHOLD
        );
        assert!(s("Ratify OP-CAT", "Consider ratifying OP-CAT") < MATCH_THRESHOLD);
    }

    #[test]
    fn rows_cut_out_of_one_printed_recommendation_are_told_apart() {
        let extracted = [rec(
            "Take legal measures to deal with intolerance and initiate an awareness-raising campaign",
            &["JOR"],
            None,
        )];
        let truth = [
            TruthRow {
                text: "Take legal measures to deal with intolerance".into(),
                state: Some(code("JOR")),
                position: None,
            },
            TruthRow {
                text: "Initiate an awareness-raising campaign".into(),
                state: Some(code("JOR")),
                position: None,
            },
            TruthRow {
                text: "Abolish the death penalty".into(),
                state: Some(code("JOR")),
                position: None,
            },
        ];
        assert_eq!(cut_by_editors(&extracted, &truth, &[0, 1, 2]), [0, 1]);
    }

    #[test]
    fn scores_recall_precision_attribution_and_position() {
        let truth = truth_rows(&[
            rec(
                "Ratify the Convention against Torture",
                &["FRA", "CHL"],
                Some(Position::Supported),
            ),
            rec("Abolish the death penalty", &["NOR"], Some(Position::Noted)),
            rec("Adopt a law on the ombudsman institution", &["PER"], None),
        ]);
        let extracted = [
            rec(
                "To ratify the Convention against Torture",
                &["FRA"],
                Some(Position::Supported),
            ),
            rec(
                "Abolish the death penalty",
                &["NOR"],
                Some(Position::Supported),
            ),
            rec("Build more schools", &["MEX"], None),
        ];
        let s = score(&extracted, &truth);
        assert_eq!((s.truth_rows, s.found), (4, 3));
        assert_eq!((s.extracted, s.extracted_matched), (3, 2));
        assert_eq!((s.attribution_checked, s.attribution_correct), (3, 2));
        assert_eq!((s.position_checked, s.position_correct), (3, 2));
    }
}
