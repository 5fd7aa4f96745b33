//! Evaluation figures for single-label and multi-label predictions, as scikit-learn
//! defines them, with one choice made explicit: a sample with no true and no predicted
//! label scores 1 in `samples_f1` (the prediction agrees with the truth).

use std::collections::BTreeMap;
use std::fmt::Display;

#[derive(Debug, Clone, PartialEq)]
pub struct LabelScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// How many samples truly carry the label.
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SingleLabelReport {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_label: Vec<LabelScore>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MultiLabelReport {
    pub n: usize,
    pub micro_f1: f64,
    pub macro_f1: f64,
    pub samples_f1: f64,
    pub exact_match: f64,
    pub per_label: Vec<LabelScore>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(c: Counts) -> f64 {
    ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn_)
}

/// Per-label scores over every label seen in the truth or the predictions, in label order,
/// and their unweighted mean (macro-F1).
fn per_label<T: Display>(counts: BTreeMap<T, Counts>) -> (Vec<LabelScore>, f64) {
    let scores: Vec<LabelScore> = counts
        .into_iter()
        .map(|(label, c)| LabelScore {
            label: label.to_string(),
            precision: ratio(c.tp, c.tp + c.fp),
            recall: ratio(c.tp, c.tp + c.fn_),
            f1: f1(c),
            support: c.tp + c.fn_,
        })
        .collect();
    let macro_f1 = if scores.is_empty() {
        0.0
    } else {
        scores.iter().map(|s| s.f1).sum::<f64>() / scores.len() as f64
    };
    (scores, macro_f1)
}

/// `truth[i]` and `predicted[i]` are the labels of sample `i`; extra samples on either side
/// are ignored.
pub fn single_label<T: Ord + Clone + Display>(truth: &[T], predicted: &[T]) -> SingleLabelReport {
    let mut counts: BTreeMap<T, Counts> = BTreeMap::new();
    let mut right = 0;
    for (t, p) in truth.iter().zip(predicted) {
        if t == p {
            right += 1;
            counts.entry(t.clone()).or_default().tp += 1;
        } else {
            counts.entry(t.clone()).or_default().fn_ += 1;
            counts.entry(p.clone()).or_default().fp += 1;
        }
    }
    let n = truth.len().min(predicted.len());
    let (per_label, macro_f1) = per_label(counts);
    SingleLabelReport {
        n,
        accuracy: ratio(right, n),
        macro_f1,
        per_label,
    }
}

pub fn multi_label<T: Ord + Clone + Display>(
    truth: &[Vec<T>],
    predicted: &[Vec<T>],
) -> MultiLabelReport {
    let mut counts: BTreeMap<T, Counts> = BTreeMap::new();
    let (mut samples, mut exact) = (0.0, 0);
    for (t, p) in truth.iter().zip(predicted) {
        let mut c = Counts::default();
        for label in t {
            let entry = counts.entry(label.clone()).or_default();
            if p.contains(label) {
                entry.tp += 1;
                c.tp += 1;
            } else {
                entry.fn_ += 1;
                c.fn_ += 1;
            }
        }
        for label in p.iter().filter(|l| !t.contains(l)) {
            counts.entry(label.clone()).or_default().fp += 1;
            c.fp += 1;
        }
        samples += if t.is_empty() && p.is_empty() {
            1.0
        } else {
            f1(c)
        };
        exact += usize::from(c.fp == 0 && c.fn_ == 0);
    }
    let n = truth.len().min(predicted.len());
    let total = counts.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    let (per_label, macro_f1) = per_label(counts);
    MultiLabelReport {
        n,
        micro_f1: f1(total),
        macro_f1,
        samples_f1: if n == 0 { 0.0 } else { samples / n as f64 },
        exact_match: ratio(exact, n),
        per_label,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn single_label_by_hand() {
        // a: tp 2, fn 1 -> P 1, R 2/3, F1 0.8; b: tp 1, fp 1 -> P 0.5, R 1, F1 2/3.
        let r = single_label(&["a", "a", "a", "b"], &["a", "a", "b", "b"]);
        assert_eq!(r.n, 4);
        assert!(close(r.accuracy, 0.75));
        assert!(close(r.per_label[0].f1, 0.8));
        assert!(close(r.per_label[1].precision, 0.5));
        assert!(close(r.macro_f1, (0.8 + 2.0 / 3.0) / 2.0));
        assert_eq!(r.per_label[0].support, 3);
    }

    #[test]
    fn multi_label_by_hand() {
        let truth = vec![vec!["x", "y"], vec!["y"], vec![]];
        let pred = vec![vec!["x"], vec!["y", "z"], vec![]];
        let r = multi_label(&truth, &pred);
        // tp 2 (x, y), fp 1 (z), fn 1 (y): micro F1 = 4 / 6.
        assert!(close(r.micro_f1, 4.0 / 6.0));
        // x: 1, y: tp 1 fn 1 -> 2/3, z: 0.
        assert!(close(r.macro_f1, (1.0 + 2.0 / 3.0 + 0.0) / 3.0));
        // samples: 2/3, 2/3, 1 (both empty).
        assert!(close(r.samples_f1, (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0));
        assert!(close(r.exact_match, 1.0 / 3.0));
        assert_eq!(r.n, 3);
    }

    #[test]
    fn empty_input_scores_zero_without_dividing_by_zero() {
        let r = multi_label::<String>(&[], &[]);
        assert_eq!((r.n, r.micro_f1, r.samples_f1), (0, 0.0, 0.0));
        assert_eq!(single_label::<u8>(&[], &[]).accuracy, 0.0);
    }
}
