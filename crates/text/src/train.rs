//! Training: a dev split carved from the training examples (whole groups, such as
//! sessions, so that a recommendation repeated within a session does not leak), a first
//! fit on the rest, calibration, blend and thresholds tuned on the dev split, and a final
//! fit on everything with those settings.

use std::collections::{BTreeSet, HashMap};

use crate::knn::{Hits, Neighbours};
use crate::linear::{train_many, Binary, Loss, Rows};
use crate::metrics::single_label;
use crate::model::{Head, Model, TaskKind, TaskSpec};
use crate::tfidf::{SparseVec, Vectoriser};
use crate::tokenize::TermConfig;
use crate::{Rng, TrainError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingExample {
    pub text: String,
    pub labels: Vec<String>,
    /// A grouping such as the UPR session: the dev split holds out whole groups. Give all
    /// examples the same group to split at random instead.
    pub group: u32,
}

impl TrainingExample {
    pub fn new(text: &str, labels: &[&str], group: u32) -> Self {
        Self {
            text: text.to_string(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            group,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub seed: u64,
    /// What the examples are, recorded in the model (no dates, to stay reproducible).
    pub description: String,
    pub terms: TermConfig,
    /// Terms seen in fewer training texts are not features.
    pub min_df: u32,
    pub loss: Loss,
    /// Inverse regularisation strength.
    pub c: f64,
    pub epochs: usize,
    /// Single-label tasks: weigh classes inversely to their frequency (for macro-F1).
    pub balanced: bool,
    /// Neighbours that vote; 0 for a purely linear model.
    pub neighbours: usize,
    /// Terms in more than this fraction of texts are ignored when finding neighbours.
    pub neighbour_max_df: f32,
    /// Tune one threshold per label (labels with enough dev positives) instead of one for all.
    pub per_label_thresholds: bool,
    /// Share of groups (or of examples, when there is one group) held out for tuning.
    pub dev_fraction: f32,
    pub threads: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            description: String::new(),
            terms: TermConfig::default(),
            min_df: 2,
            loss: Loss::SquaredHinge,
            c: 0.5,
            epochs: 30,
            // Both measured (docs/classification.md): no gain on UPR Info data, and
            // neighbours cost 8x the prediction time.
            balanced: false,
            neighbours: 0,
            neighbour_max_df: 0.05,
            per_label_thresholds: false,
            dev_fraction: 0.15,
            threads: 2,
        }
    }
}

/// The examples of all tasks over one list of distinct texts.
struct Corpus<'a> {
    texts: Vec<&'a str>,
    groups: Vec<u32>,
    tasks: Vec<TaskData>,
}

struct TaskData {
    spec: TaskSpec,
    labels: Vec<String>,
    /// Per text: its labels for this task, if it is an example of this task.
    doc_labels: Vec<Option<Vec<u16>>>,
    examples: usize,
}

fn corpus<'a>(tasks: &'a [(TaskSpec, Vec<TrainingExample>)]) -> Result<Corpus<'a>, TrainError> {
    let mut texts: Vec<&str> = Vec::new();
    let mut groups = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names = BTreeSet::new();
    for (spec, examples) in tasks {
        if !names.insert(spec.name.as_str()) {
            return Err(TrainError::DuplicateTask(spec.name.clone()));
        }
        if examples.is_empty() {
            return Err(TrainError::NoExamples(spec.name.clone()));
        }
        for (i, e) in examples.iter().enumerate() {
            if spec.kind == TaskKind::SingleLabel && e.labels.len() != 1 {
                return Err(TrainError::NotSingleLabel {
                    task: spec.name.clone(),
                    index: i,
                    count: e.labels.len(),
                });
            }
            index.entry(e.text.as_str()).or_insert_with(|| {
                texts.push(e.text.as_str());
                groups.push(e.group);
                texts.len() - 1
            });
        }
    }
    let data = tasks
        .iter()
        .map(|(spec, examples)| {
            let labels: Vec<String> = examples
                .iter()
                .flat_map(|e| e.labels.iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut doc_labels: Vec<Option<Vec<u16>>> = vec![None; texts.len()];
            for e in examples {
                let slot = &mut doc_labels[index[e.text.as_str()]];
                let ids = slot.get_or_insert_with(Vec::new);
                // A text given twice: the union of its labels, or the first one.
                if spec.kind == TaskKind::SingleLabel && !ids.is_empty() {
                    continue;
                }
                for l in &e.labels {
                    let id = labels.binary_search(l).unwrap_or_default() as u16;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids.sort_unstable();
            }
            TaskData {
                spec: spec.clone(),
                labels,
                doc_labels,
                examples: examples.len(),
            }
        })
        .collect();
    Ok(Corpus {
        texts,
        groups,
        tasks: data,
    })
}

/// Dev texts: the last groups, or a seeded random share when there are too few groups.
fn dev_split(groups: &[u32], fraction: f32, seed: u64) -> Vec<bool> {
    let distinct: Vec<u32> = groups
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if distinct.len() >= 4 {
        let held =
            ((distinct.len() as f32 * fraction).round() as usize).clamp(1, distinct.len() - 1);
        let first_dev = distinct[distinct.len() - held];
        return groups.iter().map(|g| *g >= first_dev).collect();
    }
    let mut rng = Rng::new(seed ^ 0xd1b5_4a32_d192_ed03);
    groups
        .iter()
        .map(|_| (rng.next() % 10_000) < (fraction * 10_000.0) as u64)
        .collect()
}

/// Settings of a head found on the dev split.
#[derive(Debug, Clone)]
struct Tuning {
    platt: [f32; 2],
    blend: f32,
    power: f32,
    thresholds: Vec<f32>,
    at_least_one: bool,
}

impl Tuning {
    fn untuned(labels: usize) -> Self {
        Self {
            platt: [1.0, 0.0],
            blend: 0.0,
            power: 1.0,
            thresholds: vec![0.5; labels],
            at_least_one: false,
        }
    }
}

/// Fits the vectoriser, the neighbour index and every head on the texts `subset`.
fn fit(corpus: &Corpus, subset: &[usize], options: &TrainOptions, tunings: &[Tuning]) -> Model {
    let texts: Vec<&str> = subset.iter().map(|&d| corpus.texts[d]).collect();
    let vectoriser = Vectoriser::fit(&texts, options.terms, options.min_df);
    let x: Vec<SparseVec> = texts.iter().map(|t| vectoriser.transform(t)).collect();
    let dim = vectoriser.len();
    let neighbours = if options.neighbours > 0 {
        Neighbours::fit(&x.iter().collect::<Vec<_>>(), dim, options.neighbour_max_df)
    } else {
        Neighbours::from_docs(Vec::new(), dim)
    };
    let heads = corpus
        .tasks
        .iter()
        .zip(tunings)
        .enumerate()
        .map(|(t, (task, tuning))| {
            let rows: Vec<(usize, &Vec<u16>)> = subset
                .iter()
                .enumerate()
                .filter_map(|(i, &d)| task.doc_labels[d].as_ref().map(|l| (i, l)))
                .collect();
            let n_labels = task.labels.len();
            let targets: Vec<Vec<bool>> = (0..n_labels as u16)
                .map(|l| rows.iter().map(|(_, ls)| ls.contains(&l)).collect())
                .collect();
            let cost: Vec<f64> = match task.spec.kind {
                TaskKind::SingleLabel if options.balanced => {
                    let mut count = vec![0usize; n_labels];
                    for (_, ls) in &rows {
                        count[usize::from(ls[0])] += 1;
                    }
                    rows.iter()
                        .map(|(_, ls)| {
                            let c = count[usize::from(ls[0])] as f64;
                            options.c * rows.len() as f64 / (n_labels as f64 * c)
                        })
                        .collect()
                }
                _ => vec![options.c; rows.len()],
            };
            let params: Vec<Binary> = (0..n_labels)
                .map(|l| Binary {
                    loss: options.loss,
                    epochs: options.epochs,
                    seed: options.seed ^ ((t as u64) << 32 | l as u64),
                })
                .collect();
            let matrix = Rows {
                rows: rows.iter().map(|(i, _)| &x[*i]).collect(),
                dim,
            };
            let trained = train_many(&matrix, &targets, &cost, &params, options.threads);
            let mut weights = vec![0f32; dim * n_labels];
            for (l, (w, _)) in trained.iter().enumerate() {
                for (f, v) in w.iter().enumerate() {
                    weights[f * n_labels + l] = *v;
                }
            }
            Head {
                spec: task.spec.clone(),
                labels: task.labels.clone(),
                weights,
                bias: trained.iter().map(|(_, b)| *b).collect(),
                platt: tuning.platt,
                thresholds: tuning.thresholds.clone(),
                blend: tuning.blend,
                power: tuning.power,
                at_least_one: tuning.at_least_one,
                doc_labels: if options.neighbours > 0 {
                    subset.iter().map(|&d| task.doc_labels[d].clone()).collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Model {
        description: String::new(),
        evaluation: Vec::new(),
        vectoriser,
        heads,
        neighbours,
        k: options.neighbours,
    }
}

/// Fits sigmoid(a·s + b) to (score, truth) pairs by Newton's method, with Platt's
/// smoothed targets so that separable data does not diverge.
fn fit_platt(pairs: &[(f32, bool)]) -> [f32; 2] {
    let pos = pairs.iter().filter(|p| p.1).count() as f64;
    let neg = pairs.len() as f64 - pos;
    let (hi, lo) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..50 {
        let (mut g1, mut g2, mut h11, mut h12, mut h22) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (s, y) in pairs {
            let s = f64::from(*s);
            let p = 1.0 / (1.0 + (-(a * s + b)).exp());
            let t = if *y { hi } else { lo };
            let d = p - t;
            let w = p * (1.0 - p);
            g1 += d * s;
            g2 += d;
            h11 += w * s * s;
            h12 += w * s;
            h22 += w;
        }
        let det = h11 * h22 - h12 * h12;
        if det.abs() < 1e-12 {
            break;
        }
        let (da, db) = ((h22 * g1 - h12 * g2) / det, (h11 * g2 - h12 * g1) / det);
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-7 {
            break;
        }
    }
    [a as f32, b as f32]
}

const BUCKETS: usize = 101;

fn bucket(q: f32) -> usize {
    ((q * 100.0).floor().max(0.0) as usize).min(BUCKETS - 1)
}

/// Best micro-F1 over thresholds t/100, with and without the best-label fallback, from
/// histograms of the blended scores: (F1, threshold bucket, fallback).
fn best_global_threshold(rows: &[(Vec<f32>, &Vec<u16>)]) -> (f64, usize, bool) {
    let (mut all, mut pos, mut top_all, mut top_pos) = (
        [0usize; BUCKETS],
        [0usize; BUCKETS],
        [0usize; BUCKETS],
        [0usize; BUCKETS],
    );
    let mut positives = 0usize;
    for (q, truth) in rows {
        positives += truth.len();
        let mut best = 0usize;
        for (l, v) in q.iter().enumerate() {
            let b = bucket(*v);
            all[b] += 1;
            if truth.contains(&(l as u16)) {
                pos[b] += 1;
            }
            if *v > q[best] {
                best = l;
            }
        }
        if !q.is_empty() {
            let b = bucket(q[best]);
            top_all[b] += 1;
            top_pos[b] += usize::from(truth.contains(&(best as u16)));
        }
    }
    let mut best = (0.0, 50, false);
    for t in 1..BUCKETS - 1 {
        let (pred, tp): (usize, usize) = (all[t..].iter().sum(), pos[t..].iter().sum());
        let (extra, extra_tp): (usize, usize) =
            (top_all[..t].iter().sum(), top_pos[..t].iter().sum());
        for (fallback, p, tp) in [(false, pred, tp), (true, pred + extra, tp + extra_tp)] {
            let f1 = if p + positives == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (p + positives) as f64
            };
            if f1 > best.0 {
                best = (f1, t, fallback);
            }
        }
    }
    best
}

/// Per label, the threshold of best F1 where the dev split has enough positives.
fn per_label_thresholds(rows: &[(Vec<f32>, &Vec<u16>)], labels: usize, global: f32) -> Vec<f32> {
    (0..labels)
        .map(|l| {
            let (mut all, mut pos) = ([0usize; BUCKETS], [0usize; BUCKETS]);
            for (q, truth) in rows {
                let b = bucket(q[l]);
                all[b] += 1;
                pos[b] += usize::from(truth.contains(&(l as u16)));
            }
            let positives: usize = pos.iter().sum();
            if positives < 20 {
                return global;
            }
            let mut best = (0.0, global);
            for t in 1..BUCKETS - 1 {
                let (p, tp): (usize, usize) = (all[t..].iter().sum(), pos[t..].iter().sum());
                let f1 = 2.0 * tp as f64 / (p + positives) as f64;
                if f1 > best.0 {
                    best = (f1, t as f32 / 100.0);
                }
            }
            best.1
        })
        .collect()
}

/// Finds each head's calibration, blend and thresholds on the dev texts; returns them with
/// the dev figures.
fn tune(
    model: &Model,
    corpus: &Corpus,
    dev: &[usize],
    options: &TrainOptions,
) -> (Vec<Tuning>, Vec<(String, f64)>) {
    let prepared: Vec<(usize, SparseVec, Hits)> = dev
        .iter()
        .map(|&d| {
            let x = model.vectoriser.transform(corpus.texts[d]);
            let hits = if options.neighbours > 0 {
                model.neighbours.search(&x, options.neighbours, 0.0)
            } else {
                Vec::new()
            };
            (d, x, hits)
        })
        .collect();
    let mut figures = Vec::new();
    let tunings = model
        .heads
        .iter()
        .zip(&corpus.tasks)
        .map(|(head, task)| {
            let n = head.labels.len();
            let rows: Vec<(Vec<f32>, &Vec<u16>, &Hits)> = prepared
                .iter()
                .filter_map(|(d, x, hits)| {
                    Some((head.scores(x), task.doc_labels[*d].as_ref()?, hits))
                })
                .collect();
            let mut tuning = Tuning::untuned(n);
            if rows.is_empty() {
                return tuning;
            }
            let pairs: Vec<(f32, bool)> = rows
                .iter()
                .flat_map(|(s, truth, _)| {
                    s.iter()
                        .enumerate()
                        .map(|(l, v)| (*v, truth.contains(&(l as u16))))
                })
                .collect();
            let mut head = head.clone();
            head.platt = fit_platt(&pairs);
            tuning.platt = head.platt;
            let powers: &[f32] = if options.neighbours > 0 {
                &[1.0, 4.0, 16.0]
            } else {
                &[1.0]
            };
            let blends: Vec<f32> = if options.neighbours > 0 {
                (0..=10).map(|b| b as f32 / 10.0).collect()
            } else {
                vec![0.0]
            };
            let mut best_score = -1.0;
            let mut best_q = Vec::new();
            for &power in powers {
                let votes: Vec<(Vec<f32>, f32)> = rows
                    .iter()
                    .map(|(_, _, hits)| head.vote(hits, power))
                    .collect();
                for &blend in &blends {
                    let q: Vec<(Vec<f32>, &Vec<u16>)> = rows
                        .iter()
                        .zip(&votes)
                        .map(|((s, truth, _), (v, best))| {
                            (head.blended(s, v, *best, blend), *truth)
                        })
                        .collect();
                    let (score, threshold, fallback) = match head.spec.kind {
                        TaskKind::MultiLabel => best_global_threshold(&q),
                        TaskKind::SingleLabel => {
                            let truth: Vec<u16> = q.iter().map(|(_, t)| t[0]).collect();
                            let pred: Vec<u16> = q
                                .iter()
                                .map(|(q, _)| head.choose(q).first().copied().unwrap_or(0) as u16)
                                .collect();
                            (single_label(&truth, &pred).macro_f1, 50, false)
                        }
                    };
                    if score > best_score {
                        best_score = score;
                        tuning.blend = blend;
                        tuning.power = power;
                        tuning.at_least_one = fallback;
                        tuning.thresholds = vec![threshold as f32 / 100.0; n];
                        best_q = q;
                    }
                }
            }
            if options.per_label_thresholds && head.spec.kind == TaskKind::MultiLabel {
                tuning.thresholds = per_label_thresholds(&best_q, n, tuning.thresholds[0]);
            }
            let metric = match head.spec.kind {
                TaskKind::MultiLabel => "micro_f1",
                TaskKind::SingleLabel => "macro_f1",
            };
            figures.push((format!("dev.{}.{metric}", head.spec.name), best_score));
            figures.push((
                format!("dev.{}.blend", head.spec.name),
                f64::from(tuning.blend),
            ));
            tuning
        })
        .collect();
    (tunings, figures)
}

fn summary(corpus: &Corpus, options: &TrainOptions, dev_texts: usize) -> String {
    let tasks: Vec<String> = corpus
        .tasks
        .iter()
        .map(|t| {
            let kind = match t.spec.kind {
                TaskKind::MultiLabel => "multi-label",
                TaskKind::SingleLabel => "single-label",
            };
            format!(
                "{} ({kind}, {} labels, {} examples)",
                t.spec.name,
                t.labels.len(),
                t.examples
            )
        })
        .collect();
    let terms = options.terms;
    format!(
        "{}\ntexts: {} distinct ({} held out for tuning)\ntasks: {}\nterms: words{}, {} lead words, char n-grams {:?}, min_df {}\nclassifier: one-vs-rest {:?}, C {}, {} epochs, balanced {}; {} neighbours (max_df {}); per-label thresholds {}; seed {}",
        options.description,
        corpus.texts.len(),
        dev_texts,
        tasks.join("; "),
        if terms.bigrams { " + bigrams" } else { "" },
        terms.lead_words,
        terms.char_ngrams,
        options.min_df,
        options.loss,
        options.c,
        options.epochs,
        options.balanced,
        options.neighbours,
        options.neighbour_max_df,
        options.per_label_thresholds,
        options.seed,
    )
}

/// Trains one model for all `tasks` on their examples. Same examples, options and seed
/// give the same model, byte for byte.
pub fn train(
    tasks: &[(TaskSpec, Vec<TrainingExample>)],
    options: &TrainOptions,
) -> Result<Model, TrainError> {
    let corpus = corpus(tasks)?;
    let is_dev = dev_split(&corpus.groups, options.dev_fraction, options.seed);
    let (dev, fit_part): (Vec<usize>, Vec<usize>) =
        (0..corpus.texts.len()).partition(|&d| is_dev[d]);
    let untuned: Vec<Tuning> = corpus
        .tasks
        .iter()
        .map(|t| Tuning::untuned(t.labels.len()))
        .collect();
    let (tunings, figures) = if dev.is_empty() || fit_part.is_empty() {
        (untuned, Vec::new())
    } else {
        // Tuned on the model as it will be stored (8-bit weights).
        let first = quantised(fit(&corpus, &fit_part, options, &untuned))?;
        tune(&first, &corpus, &dev, options)
    };
    let all: Vec<usize> = (0..corpus.texts.len()).collect();
    let mut model = fit(&corpus, &all, options, &tunings);
    model.description = summary(&corpus, options, dev.len());
    model.evaluation = figures;
    quantised(model)
}

fn quantised(model: Model) -> Result<Model, TrainError> {
    Model::from_bytes(&model.to_bytes()).map_err(|e| TrainError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_split_holds_out_the_last_groups() {
        let groups = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 1];
        let dev = dev_split(&groups, 0.15, 1);
        assert_eq!(dev.iter().filter(|d| **d).count(), 3, "groups 9 and 10");
        let single = dev_split(&[0; 1000], 0.15, 1);
        let share = single.iter().filter(|d| **d).count();
        assert!((100..200).contains(&share), "{share}");
    }

    #[test]
    fn platt_scaling_orders_like_scores() {
        use crate::model::sigmoid;
        let pairs: Vec<(f32, bool)> = (0..100)
            .map(|i| (i as f32 / 50.0 - 1.0, i % 3 != 0 && i > 40))
            .collect();
        let [a, _] = fit_platt(&pairs);
        assert!(a > 0.0);
        assert!(sigmoid(1.0) > 0.5);
    }
}
