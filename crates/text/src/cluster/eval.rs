//! Scoring predicted groups against a human-made grouping: OHCHR's thematic lists print
//! near-identical recommendations in one paragraph (`source_group`), and tag each paragraph
//! with UHRI themes.

use std::collections::{HashMap, HashSet};

use super::Group;

/// How predicted groups compare with the source's paragraphs. Pairs are unordered pairs
/// of items; an empty denominator gives 1 (nothing to find, nothing wrongly grouped).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Share of the same-paragraph pairs that the prediction groups together
    /// (the same figure as `pairwise_recall`, named as the issue names it).
    pub pair_recall: f64,
    /// Share of the predicted pairs whose UHRI theme sets intersect.
    pub theme_consistency: f64,
    /// Share of the predicted pairs that are same-paragraph pairs.
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub n_items: usize,
    /// Paragraphs with two or more items.
    pub n_true_groups: usize,
    /// Predicted groups (two or more items each).
    pub n_pred_groups: usize,
}

/// `truth[i]`: item i's paragraph, if it has one; `themes[i]`: its UHRI themes (only the
/// themes: not affected persons, not SDGs); `predicted`: groups over the same items.
pub fn evaluate_against_groups<S: AsRef<str>, T: AsRef<str>>(
    truth: &[Option<S>],
    themes: &[Vec<T>],
    predicted: &[Group],
) -> Evaluation {
    let n_items = truth.len();
    let mut by_group: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, g) in truth.iter().enumerate() {
        if let Some(g) = g {
            by_group.entry(g.as_ref()).or_default().push(i);
        }
    }
    let true_pairs: HashSet<(usize, usize)> = by_group
        .values()
        .flat_map(|members| pairs_of(members))
        .collect();
    let n_true_groups = by_group.values().filter(|m| m.len() > 1).count();

    let theme_sets: Vec<HashSet<&str>> = themes
        .iter()
        .map(|t| t.iter().map(AsRef::as_ref).collect())
        .collect();
    let mut predicted_pairs = 0usize;
    let mut hits = 0usize;
    let mut consistent = 0usize;
    let mut n_pred_groups = 0;
    for g in predicted {
        let members: Vec<usize> = g.members.iter().copied().filter(|&m| m < n_items).collect();
        if members.len() > 1 {
            n_pred_groups += 1;
        }
        for (a, b) in pairs_of(&members) {
            predicted_pairs += 1;
            if true_pairs.contains(&(a, b)) {
                hits += 1;
            }
            if let (Some(x), Some(y)) = (theme_sets.get(a), theme_sets.get(b)) {
                if !x.is_disjoint(y) {
                    consistent += 1;
                }
            }
        }
    }
    let share = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = share(hits, predicted_pairs);
    let recall = share(hits, true_pairs.len());
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Evaluation {
        pair_recall: recall,
        theme_consistency: share(consistent, predicted_pairs),
        pairwise_precision: precision,
        pairwise_recall: recall,
        pairwise_f1: f1,
        n_items,
        n_true_groups,
        n_pred_groups,
    }
}

fn pairs_of(members: &[usize]) -> Vec<(usize, usize)> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    for (x, &a) in sorted.iter().enumerate() {
        for &b in &sorted[x + 1..] {
            out.push((a, b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(members: &[usize]) -> Group {
        Group {
            members: members.to_vec(),
            score: 1.0,
            shared_terms: Vec::new(),
        }
    }

    #[test]
    fn pairs_are_counted_against_paragraphs_and_themes() {
        let truth = [Some("p1"), Some("p1"), Some("p1"), Some("p2"), None];
        let themes = [
            vec!["A12"],
            vec!["A12"],
            vec!["A12", "B31"],
            vec!["B31"],
            vec!["D51"],
        ];
        // Predicted: {0,1} (a true pair) and {2,3,4}: (2,3) shares B31, (2,4), (3,4) share nothing.
        let e = evaluate_against_groups(&truth, &themes, &[group(&[0, 1]), group(&[2, 3, 4])]);
        assert_eq!(e.n_items, 5);
        assert_eq!(e.n_true_groups, 1);
        assert_eq!(e.n_pred_groups, 2);
        assert!((e.pair_recall - 1.0 / 3.0).abs() < 1e-9);
        assert!((e.pairwise_precision - 0.25).abs() < 1e-9);
        assert!((e.theme_consistency - 0.5).abs() < 1e-9);
        assert_eq!(e.pair_recall, e.pairwise_recall);
    }
}
