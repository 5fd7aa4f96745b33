//! A trained model: one TF-IDF vectoriser shared by all tasks (a text is tokenised once),
//! per task a head of one-vs-rest linear scores blended with a nearest-neighbour vote,
//! and a record of what it was trained on and how it scored.

use std::collections::BTreeMap;

use crate::codec::{checksum, Reader, Writer};
use crate::knn::Neighbours;
use crate::tfidf::{SparseVec, Vectoriser};
use crate::tokenize::{for_each_term, TermConfig};
use crate::ModelError;

pub use crate::train::{train, TrainOptions, TrainingExample};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Any number of labels per text (issues, themes, SDGs).
    MultiLabel,
    /// Exactly one label per text (action category).
    SingleLabel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpec {
    pub name: String,
    pub kind: TaskKind,
}

impl TaskSpec {
    pub fn new(name: &str, kind: TaskKind) -> Self {
        Self {
            name: name.to_string(),
            kind,
        }
    }
}

/// One task's part of a model.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub spec: TaskSpec,
    pub labels: Vec<String>,
    /// Feature-major: the weights of feature `f` are `weights[f * L .. (f + 1) * L]`.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    /// Platt scaling of a linear score into a probability: sigmoid(a·s + b).
    pub platt: [f32; 2],
    /// Per label: a multi-label prediction needs a blended score at least this.
    pub thresholds: Vec<f32>,
    /// Weight of the neighbours' vote, scaled by the nearest one's similarity.
    pub blend: f32,
    /// Neighbour votes weigh similarity^power: the higher, the more only near-duplicates count.
    pub power: f32,
    /// A multi-label prediction that clears no threshold falls back to its best label.
    pub at_least_one: bool,
    /// The labels of each neighbour document, where it has labels for this task.
    pub doc_labels: Vec<Option<Vec<u16>>>,
}

impl Head {
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let l = self.labels.len();
        let mut s = self.bias.clone();
        for (f, v) in x {
            let start = *f as usize * l;
            if let Some(row) = self.weights.get(start..start + l) {
                for (acc, w) in s.iter_mut().zip(row) {
                    *acc += v * w;
                }
            }
        }
        s
    }

    /// The neighbours' vote per label and the best similarity among neighbours labelled
    /// for this task.
    pub fn vote(&self, hits: &[(u32, f32)], power: f32) -> (Vec<f32>, f32) {
        let mut vote = vec![0f32; self.labels.len()];
        let (mut total, mut best) = (0f32, 0f32);
        for (d, sim) in hits {
            let Some(Some(labels)) = self.doc_labels.get(*d as usize) else {
                continue;
            };
            let w = sim.powf(power);
            total += w;
            best = best.max(*sim);
            for l in labels {
                if let Some(v) = vote.get_mut(usize::from(*l)) {
                    *v += w;
                }
            }
        }
        if total > 0.0 {
            for v in &mut vote {
                *v /= total;
            }
        }
        (vote, best)
    }

    /// Linear scores as probabilities (for a single-label task, normalised over labels)
    /// blended with the vote.
    pub fn blended(&self, scores: &[f32], vote: &[f32], best: f32, blend: f32) -> Vec<f32> {
        let [a, b] = self.platt;
        let mut p: Vec<f32> = scores.iter().map(|s| sigmoid(a * s + b)).collect();
        if self.spec.kind == TaskKind::SingleLabel {
            let sum: f32 = p.iter().sum();
            if sum > 0.0 {
                p.iter_mut().for_each(|x| *x /= sum);
            }
        }
        let beta = blend * best;
        p.iter()
            .zip(vote)
            .map(|(p, v)| (1.0 - beta) * p + beta * v)
            .collect()
    }

    /// Label indices chosen from blended scores, best first.
    pub fn choose(&self, q: &[f32]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..q.len()).collect();
        order.sort_by(|a, b| q[*b].total_cmp(&q[*a]).then(a.cmp(b)));
        match self.spec.kind {
            TaskKind::SingleLabel => order.truncate(1),
            TaskKind::MultiLabel => {
                let best = order.first().copied();
                order.retain(|l| q[*l] >= self.thresholds[*l]);
                if order.is_empty() && self.at_least_one {
                    order.extend(best);
                }
            }
        }
        order
    }
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[derive(Debug, Clone)]
pub struct Model {
    /// What the model was trained on, in words (no dates: the bytes must be reproducible).
    pub(crate) description: String,
    /// Figures: "dev.<task>.<metric>" from training, others added by whoever evaluated it.
    pub(crate) evaluation: Vec<(String, f64)>,
    pub(crate) vectoriser: Vectoriser,
    pub(crate) heads: Vec<Head>,
    pub(crate) neighbours: Neighbours,
    pub(crate) k: usize,
}

/// One task's suggestions for one text.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPrediction {
    pub task: String,
    /// (label, confidence), most confident first.
    pub labels: Vec<(String, f32)>,
}

const MAGIC: &[u8; 8] = b"RTMODEL\0";
const VERSION: u32 = 1;

impl Model {
    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn evaluation(&self) -> &[(String, f64)] {
        &self.evaluation
    }

    /// Records a figure about this model (replacing one of the same name).
    pub fn set_evaluation(&mut self, name: &str, value: f64) {
        self.evaluation.retain(|(n, _)| n != name);
        self.evaluation.push((name.to_string(), value));
    }

    pub fn tasks(&self) -> Vec<&TaskSpec> {
        self.heads.iter().map(|h| &h.spec).collect()
    }

    pub fn labels(&self, task: &str) -> Option<&[String]> {
        self.head(task).map(|h| h.labels.as_slice())
    }

    fn head(&self, task: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.spec.name == task)
    }

    pub(crate) fn hits(&self, x: &SparseVec) -> Vec<(u32, f32)> {
        if self.k == 0 || self.heads.iter().all(|h| h.blend == 0.0) {
            return Vec::new();
        }
        self.neighbours.search(x, self.k, 0.0)
    }

    fn predict_head(&self, head: &Head, x: &SparseVec, hits: &[(u32, f32)]) -> TaskPrediction {
        let (vote, best) = head.vote(hits, head.power);
        let q = head.blended(&head.scores(x), &vote, best, head.blend);
        TaskPrediction {
            task: head.spec.name.clone(),
            labels: head
                .choose(&q)
                .into_iter()
                .map(|l| (head.labels[l].clone(), q[l]))
                .collect(),
        }
    }

    /// Suggestions for every task of the model.
    pub fn predict_all(&self, text: &str) -> Vec<TaskPrediction> {
        let x = self.vectoriser.transform(text);
        let hits = self.hits(&x);
        self.heads
            .iter()
            .map(|h| self.predict_head(h, &x, &hits))
            .collect()
    }

    /// Suggestions for one task: (label, confidence) above the task's threshold, most
    /// confident first; for a single-label task, the one best label. Empty for a task
    /// the model does not know.
    pub fn predict(&self, task: &str, text: &str) -> Vec<(String, f32)> {
        let Some(head) = self.head(task) else {
            return Vec::new();
        };
        let x = self.vectoriser.transform(text);
        self.predict_head(head, &x, &self.hits(&x)).labels
    }

    /// The terms of `text` that pushed `label` up, with their contribution to its linear
    /// score, strongest first (at most `limit`): what a reviewer sees beside a suggestion.
    pub fn explain(&self, task: &str, text: &str, label: &str, limit: usize) -> Vec<(String, f32)> {
        let Some(head) = self.head(task) else {
            return Vec::new();
        };
        let Some(l) = head.labels.iter().position(|x| x == label) else {
            return Vec::new();
        };
        let x = self.vectoriser.transform(text);
        let mut terms: BTreeMap<u32, String> = BTreeMap::new();
        for_each_term(text, &self.vectoriser.config, &mut |h, term| {
            if let Some(f) = self.vectoriser.feature(h) {
                terms.entry(f).or_insert_with(term);
            }
        });
        let n = head.labels.len();
        let mut out: Vec<(String, f32)> = x
            .iter()
            .filter_map(|(f, v)| {
                let w = head.weights.get(*f as usize * n + l)?;
                Some((terms.get(f)?.clone(), v * w))
            })
            .filter(|(_, c)| *c > 0.0)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(limit);
        out
    }

    /// The model in its file format: signature, version, body, checksum of the body.
    /// Weights are stored as 8-bit integers with one scale per label.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.str(&self.description);
        w.len(self.evaluation.len());
        for (name, value) in &self.evaluation {
            w.str(name);
            w.f64(*value);
        }
        let v = &self.vectoriser;
        w.u8(u8::from(v.config.bigrams));
        w.u8(v.config.lead_words);
        w.u8(v.config.char_ngrams.0);
        w.u8(v.config.char_ngrams.1);
        w.len(v.len());
        let mut prev = 0u32;
        for (h, idf) in v.hashes.iter().zip(&v.idf) {
            w.var(u64::from(h - prev));
            prev = *h;
            w.var((idf * IDF_SCALE).round() as u64);
        }
        w.len(self.k);
        w.len(self.neighbours.docs.len());
        for d in &self.neighbours.docs {
            w.len(d.len());
            let mut prev = 0u32;
            for (f, x) in d {
                w.var(u64::from(f - prev));
                prev = *f;
                w.u8((x * 255.0).round().clamp(1.0, 255.0) as u8);
            }
        }
        w.len(self.heads.len());
        for h in &self.heads {
            write_head(&mut w, h, v.len());
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&checksum(&w.buf).to_le_bytes());
        out.extend_from_slice(&w.buf);
        out
    }

    /// Reads a model written by [`Model::to_bytes`]; damaged or foreign bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != VERSION {
            return Err(ModelError::Version(version, VERSION));
        }
        let sum = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        let body = &bytes[16..];
        if checksum(body) != sum {
            return Err(ModelError::Invalid("the checksum does not match".into()));
        }
        let mut r = Reader::new(body);
        let description = r.str("description")?;
        let n = r.len(9, "evaluation")?;
        let mut evaluation = Vec::with_capacity(n);
        for _ in 0..n {
            evaluation.push((r.str("figure name")?, r.f64("figure")?));
        }
        let config = TermConfig {
            bigrams: r.u8("term settings")? != 0,
            lead_words: r.u8("term settings")?,
            char_ngrams: (r.u8("term settings")?, r.u8("term settings")?),
        };
        let dim = r.len(2, "features")?;
        let (mut hashes, mut idf) = (Vec::with_capacity(dim), Vec::with_capacity(dim));
        let mut prev = 0u64;
        for _ in 0..dim {
            prev += r.var("feature")?;
            hashes
                .push(u32::try_from(prev).map_err(|_| ModelError::Invalid("feature hash".into()))?);
            idf.push(r.var("idf")? as f32 / IDF_SCALE);
        }
        if hashes.windows(2).any(|p| p[0] >= p[1]) && dim > 1 {
            return Err(ModelError::Invalid("feature hashes out of order".into()));
        }
        let vectoriser = Vectoriser::from_parts(config, hashes, idf);
        let k = r.len(0, "neighbour count")?;
        if k > MAX_K {
            return Err(ModelError::Invalid(format!("{k} neighbours")));
        }
        let n_docs = r.len(1, "neighbours")?;
        let mut docs = Vec::with_capacity(n_docs);
        for _ in 0..n_docs {
            let nnz = r.len(2, "neighbour terms")?;
            let mut d = Vec::with_capacity(nnz);
            let mut prev = 0u64;
            for _ in 0..nnz {
                prev += r.var("neighbour term")?;
                let f = feature_index(prev, dim)?;
                d.push((f, f32::from(r.u8("neighbour value")?) / 255.0));
            }
            docs.push(d);
        }
        let neighbours = Neighbours::from_docs(docs, dim);
        let n_heads = r.len(2, "tasks")?;
        let mut heads = Vec::with_capacity(n_heads);
        for _ in 0..n_heads {
            heads.push(read_head(&mut r, dim, n_docs)?);
        }
        if r.remaining() != 0 {
            return Err(ModelError::Invalid(format!(
                "{} bytes after the end",
                r.remaining()
            )));
        }
        Ok(Self {
            description,
            evaluation,
            vectoriser,
            heads,
            neighbours,
            k,
        })
    }
}

const IDF_SCALE: f32 = 4096.0;
/// Bounds what damaged bytes can make a reader allocate.
const MAX_WEIGHTS: usize = 1 << 26;
const MAX_K: usize = 1000;

fn feature_index(f: u64, dim: usize) -> Result<u32, ModelError> {
    u32::try_from(f)
        .ok()
        .filter(|f| (*f as usize) < dim)
        .ok_or_else(|| ModelError::Invalid(format!("feature {f} beyond the {dim} features")))
}

fn write_head(w: &mut Writer, h: &Head, dim: usize) {
    w.str(&h.spec.name);
    w.u8(match h.spec.kind {
        TaskKind::MultiLabel => 0,
        TaskKind::SingleLabel => 1,
    });
    w.len(h.labels.len());
    for l in &h.labels {
        w.str(l);
    }
    for x in h.platt.iter().chain([&h.blend, &h.power]) {
        w.f32(*x);
    }
    w.u8(u8::from(h.at_least_one));
    for x in h.thresholds.iter().chain(&h.bias) {
        w.f32(*x);
    }
    let n = h.labels.len();
    for l in 0..n {
        // Label-major on disk: each label's non-zero 8-bit weights, gap-coded.
        let column = || (0..dim).map(|f| h.weights[f * n + l]);
        let max = column().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        w.f32(scale);
        let q: Vec<(usize, i8)> = column()
            .enumerate()
            .map(|(f, x)| (f, (x / scale).round() as i8))
            .filter(|(_, q)| *q != 0)
            .collect();
        w.len(q.len());
        let mut prev = 0usize;
        for (f, x) in q {
            w.len(f - prev);
            prev = f;
            w.u8(x as u8);
        }
    }
    for d in &h.doc_labels {
        match d {
            None => w.len(0),
            Some(labels) => {
                w.len(labels.len() + 1);
                for l in labels {
                    w.var(u64::from(*l));
                }
            }
        }
    }
}

fn read_head(r: &mut Reader, dim: usize, n_docs: usize) -> Result<Head, ModelError> {
    let name = r.str("task name")?;
    let kind = match r.u8("task kind")? {
        0 => TaskKind::MultiLabel,
        1 => TaskKind::SingleLabel,
        k => return Err(ModelError::Invalid(format!("task kind {k}"))),
    };
    let n = r.len(1, "labels")?;
    let labels = (0..n)
        .map(|_| r.str("label"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut floats = [0f32; 4];
    for x in &mut floats {
        *x = r.f32("calibration")?;
    }
    let at_least_one = r.u8("fallback")? != 0;
    let thresholds = (0..n)
        .map(|_| r.f32("threshold"))
        .collect::<Result<Vec<_>, _>>()?;
    let bias = (0..n)
        .map(|_| r.f32("bias"))
        .collect::<Result<Vec<_>, _>>()?;
    let size = dim
        .checked_mul(n)
        .filter(|s| *s <= MAX_WEIGHTS)
        .ok_or_else(|| ModelError::Invalid("weight matrix too large".into()))?;
    let mut weights = vec![0f32; size];
    for l in 0..n {
        let scale = r.f32("weight scale")?;
        let nnz = r.len(2, "weights")?;
        let mut f = 0usize;
        for _ in 0..nnz {
            f = f.saturating_add(r.len(0, "weight position")?);
            let q = r.u8("weight")? as i8;
            let at = feature_index(f as u64, dim)? as usize * n + l;
            weights[at] = f32::from(q) * scale;
        }
    }
    let mut doc_labels = Vec::with_capacity(n_docs);
    for _ in 0..n_docs {
        let c = r.len(0, "neighbour labels")?;
        if c == 0 {
            doc_labels.push(None);
            continue;
        }
        let mut ls = Vec::with_capacity((c - 1).min(n));
        for _ in 0..c - 1 {
            let l = r.var("neighbour label")?;
            ls.push(
                u16::try_from(l)
                    .ok()
                    .filter(|l| usize::from(*l) < n)
                    .ok_or_else(|| {
                        ModelError::Invalid(format!("neighbour label {l} beyond the {n} labels"))
                    })?,
            );
        }
        doc_labels.push(Some(ls));
    }
    Ok(Head {
        spec: TaskSpec { name, kind },
        labels,
        weights,
        bias,
        platt: [floats[0], floats[1]],
        thresholds,
        blend: floats[2],
        power: floats[3],
        at_least_one,
        doc_labels,
    })
}
