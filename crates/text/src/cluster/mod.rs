//! Clustering recommendations: near-duplicate groups, cross-cycle links and thematic
//! clusters, each explainable (a similarity score and the key terms shared), and their
//! evaluation against OHCHR's hand-made grouping (docs/clustering.md).
//!
//! The pipeline:
//! 1. [`normalise::canonical`]: domain normalisation (treaty names ↔ acronyms, the ways of
//!    asking for a ratification, plurals, stop words and the genre's fillers);
//! 2. TF-IDF ([`crate::tfidf`]) over the canonical words and their bigrams, fitted on the
//!    items themselves;
//! 3. candidate pairs from an inverted index over the terms no more frequent than
//!    [`Blocking::InvertedIndex`]`::max_df_share` (or MinHash LSH, or every pair), each
//!    scored by its exact cosine;
//! 4. agglomerative clustering over the sparse similarity graph ([`Linkage::Average`] by
//!    default: unknown pairs count as 0, so chains do not merge).
//!
//! Nothing here reads files: the caller passes [`ClusterItem`]s.

mod eval;
mod linkage;
mod links;
pub mod minhash;
pub mod normalise;
mod thematic;

use std::collections::HashMap;

use rightstrack_core::{Cycle, NewRecommendation, Recommendation, Session, StateCode};

use crate::tfidf::{SparseVec, Vectoriser};
use crate::tokenize::{for_each_term, TermConfig};
pub use normalise::Normalisation;

pub use eval::{evaluate_against_groups, Evaluation};
pub use links::{
    cross_cycle_links, cross_cycle_links_in, explicit_reference, Link, LinkParams, Reference,
};
pub use rightstrack_core::LinkKind;
pub use thematic::{thematic_clusters, thematic_clusters_in, ThematicCluster, ThematicParams};

/// One recommendation as clustering sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterItem<'a> {
    pub text: &'a str,
    /// The state under review.
    pub state: Option<StateCode>,
    pub cycle: Option<Cycle>,
    /// The review (UPR session); items of one review share it.
    pub session: Option<Session>,
    /// Paragraph number in the review's report ("186.136"), for explicit references.
    pub paragraph: Option<&'a str>,
}

impl<'a> ClusterItem<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            state: None,
            cycle: None,
            session: None,
            paragraph: None,
        }
    }

    pub fn from_new(r: &'a NewRecommendation) -> Self {
        Self {
            text: &r.text,
            state: Some(r.state),
            cycle: r.cycle.or(r.session.map(Session::cycle)),
            session: r.session,
            paragraph: r.paragraph.as_deref(),
        }
    }

    pub fn from_stored(r: &'a Recommendation) -> Self {
        Self {
            text: &r.text,
            state: Some(r.state),
            cycle: r.cycle.or(r.session.map(Session::cycle)),
            session: r.session,
            paragraph: r.paragraph.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// Connected components of the pairs at or above the threshold: chains.
    Single,
    /// Mean similarity between two groups (unknown pairs 0).
    Average,
    /// Least similarity between two groups (unknown pairs 0).
    Complete,
}

/// How candidate pairs are found before their exact cosine is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Blocking {
    /// Every pair: quadratic, for small inputs and for checking the others.
    Exhaustive,
    /// Pairs sharing a term found in at most `max_df_share` of the items (at least 50
    /// items); a pair sharing only more frequent terms is still found when the bound on
    /// what those terms can add reaches the floor.
    InvertedIndex { max_df_share: f32 },
    /// MinHash LSH over the set of terms, at a Jaccard threshold.
    MinHash { num_perm: usize, threshold: f32 },
}

/// Which pairs may be grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Any,
    SameState,
    SameReview,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Cosine similarity at which two items (or groups, under the linkage) merge.
    pub threshold: f32,
    pub linkage: Linkage,
    pub blocking: Blocking,
    pub scope: Scope,
    /// What the texts are compared by ([`normalise::canonical_with`]).
    pub normalisation: Normalisation,
    /// Weight of containment beside cosine: the score of a pair is
    /// `(1 − w)·cosine + w·containment`, where containment is the share of the TF-IDF mass
    /// of one item (the more covered one) carried by terms the other shares. A short
    /// recommendation repeated inside a longer one ("Ratify ICCPR" / "… establish a clear
    /// timeframe to ratify ICCPR") scores high on containment, low on cosine.
    pub containment: f32,
    /// Word bigrams beside the words.
    pub bigrams: bool,
    /// How many shared terms a group or pair reports.
    pub shared_terms: usize,
    /// Each item keeps its this many strongest pairs for the linkage (0: all): bounds the
    /// work on large inputs where one request is made to hundreds of states.
    pub max_neighbours: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            threshold: 0.18,
            linkage: Linkage::Average,
            blocking: Blocking::InvertedIndex { max_df_share: 0.05 },
            scope: Scope::Any,
            normalisation: Normalisation {
                domain: true,
                prefix: 5,
                protocol_parent: true,
            },
            containment: 0.5,
            bigrams: true,
            shared_terms: 5,
            max_neighbours: 30,
        }
    }
}

/// Two similar items, a < b.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// Cosine similarity of their TF-IDF vectors.
    pub score: f32,
    pub shared_terms: Vec<String>,
}

/// Items that ask the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indices into the items, ascending.
    pub members: Vec<usize>,
    /// Mean cosine similarity over the group's pairs (unscored pairs count 0).
    pub score: f32,
    /// The terms most members share, heaviest first, as a person reads them.
    pub shared_terms: Vec<String>,
}

/// The items as vectors: what every clustering here works on.
pub struct Space {
    canonical: Vec<String>,
    vectors: Vec<SparseVec>,
    vectoriser: Vectoriser,
    /// Cut word → the whole word it was first seen as.
    surfaces: HashMap<String, String>,
    containment: f32,
}

fn term_config(bigrams: bool) -> TermConfig {
    TermConfig {
        bigrams,
        lead_words: 0,
        char_ngrams: (0, 0),
    }
}

impl Space {
    /// The items under `params`' normalisation, bigrams and similarity.
    pub fn new(items: &[ClusterItem], params: &Params) -> Self {
        let mut surfaces = HashMap::new();
        let canonical: Vec<String> = items
            .iter()
            .map(|it| {
                normalise::canonical_with(it.text, &params.normalisation, Some(&mut surfaces))
            })
            .collect();
        let refs: Vec<&str> = canonical.iter().map(String::as_str).collect();
        let vectoriser = Vectoriser::fit(&refs, term_config(params.bigrams), 1);
        let vectors = refs.iter().map(|t| vectoriser.transform(t)).collect();
        Self {
            canonical,
            vectors,
            vectoriser,
            surfaces,
            containment: params.containment.clamp(0.0, 1.0),
        }
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The normalised text an item is compared by.
    pub fn canonical(&self, i: usize) -> &str {
        self.canonical.get(i).map_or("", String::as_str)
    }

    pub fn vector(&self, i: usize) -> &[(u32, f32)] {
        self.vectors.get(i).map_or(&[], Vec::as_slice)
    }

    /// The item's distinct terms (feature numbers, ascending): its shingles.
    pub fn shingles(&self, i: usize) -> Vec<u32> {
        self.vector(i).iter().map(|e| e.0).collect()
    }

    pub fn cosine(&self, a: usize, b: usize) -> f32 {
        dot(self.vector(a), self.vector(b)).0
    }

    /// The score of a pair: cosine, blended with containment when the space asks for it.
    pub fn similarity(&self, a: usize, b: usize) -> f32 {
        let (cos, ca, cb) = dot(self.vector(a), self.vector(b));
        if self.containment > 0.0 {
            (1.0 - self.containment) * cos + self.containment * ca.max(cb)
        } else {
            cos
        }
    }

    /// A term as a person reads it: whole words, treaty names.
    fn show(&self, term: &str) -> String {
        let words: Vec<&str> = term
            .split(' ')
            .map(|w| self.surfaces.get(w).map_or(w, String::as_str))
            .collect();
        normalise::display(&words.join(" "))
    }

    /// The terms most of `members` carry (all of them for two), heaviest first.
    pub fn shared_terms(&self, members: &[usize], k: usize) -> Vec<String> {
        if members.is_empty() || k == 0 {
            return Vec::new();
        }
        let need = if members.len() <= 2 {
            members.len()
        } else {
            members.len().div_ceil(2)
        };
        // feature → (members carrying it, summed weight)
        let mut seen: HashMap<u32, (usize, f32)> = HashMap::new();
        for &m in members {
            for &(f, w) in self.vector(m) {
                let e = seen.entry(f).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += w;
            }
        }
        let mut kept: Vec<(u32, f32)> = seen
            .into_iter()
            .filter(|(_, (n, _))| *n >= need)
            .map(|(f, (_, w))| (f, w))
            .collect();
        kept.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let mut names: HashMap<u32, String> = HashMap::new();
        for &m in members {
            for_each_term(
                self.canonical(m),
                &self.vectoriser.config,
                &mut |h, text| {
                    if let Some(f) = self.vectoriser.feature(h) {
                        names.entry(f).or_insert_with(text);
                    }
                },
            );
            if kept.iter().all(|(f, _)| names.contains_key(f)) {
                break;
            }
        }
        // A bigram makes its words redundant.
        let mut out: Vec<String> = Vec::new();
        for (f, _) in kept {
            let Some(name) = names.get(&f) else { continue };
            let shown = self.show(name);
            if out.iter().any(|o| o.split(' ').any(|w| w == shown)) {
                continue;
            }
            if name.contains(' ') {
                out.retain(|o| !shown.split(' ').any(|w| w == o));
            }
            out.push(shown);
            if out.len() >= k {
                break;
            }
        }
        out
    }
}

/// (dot product, squared mass of `a` on shared terms, of `b` on shared terms).
pub(crate) fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> (f32, f32, f32) {
    let (mut i, mut j) = (0, 0);
    let (mut s, mut ca, mut cb) = (0.0f32, 0.0f32, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                ca += a[i].1 * a[i].1;
                cb += b[j].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    (s, ca, cb)
}

/// The parts of the input a scope allows pairs within: one part for [`Scope::Any`], one
/// per state or per review otherwise (items without a state or session are in none).
fn partitions(items: &[ClusterItem], n: usize, scope: Scope) -> Vec<Vec<u32>> {
    let key = |it: &ClusterItem| match scope {
        Scope::Any => Some((None, None)),
        Scope::SameState => it.state.map(|s| (Some(s), None)),
        Scope::SameReview => it.state.zip(it.session).map(|(s, r)| (Some(s), Some(r))),
    };
    let mut parts: HashMap<_, Vec<u32>> = HashMap::new();
    for (i, it) in items.iter().enumerate().take(n) {
        if let Some(k) = key(it) {
            parts.entry(k).or_default().push(i as u32);
        }
    }
    let mut parts: Vec<Vec<u32>> = parts.into_values().filter(|p| p.len() > 1).collect();
    // Largest first, so that threads taking parts in turn finish close together.
    parts.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    parts
}

/// Every in-scope pair (a < b) whose score is at least `floor`, with its score, in
/// ascending (a, b) order. Pairs never cross a scope's parts, so each part is searched on
/// its own: the work grows with the parts' sizes, not the input's, and the parts share
/// the machine's cores.
pub fn scored_pairs(
    space: &Space,
    items: &[ClusterItem],
    blocking: Blocking,
    scope: Scope,
    floor: f32,
) -> Vec<(u32, u32, f32)> {
    let n = space.len().min(items.len());
    let parts = partitions(items, n, scope);
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(parts.len())
        .max(1);
    let mut out = if threads == 1 {
        let mut out = Vec::new();
        for part in &parts {
            pairs_within(space, part, blocking, floor, &mut out);
        }
        out
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(part) = parts.get(k) else { break };
                            pairs_within(space, part, blocking, floor, &mut out);
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect::<Vec<_>>()
        })
    };
    out.sort_unstable_by_key(|e| (e.0, e.1));
    out
}

/// The pairs among `part` (item numbers, ascending) scoring at least `floor`.
fn pairs_within(
    space: &Space,
    part: &[u32],
    blocking: Blocking,
    floor: f32,
    out: &mut Vec<(u32, u32, f32)>,
) {
    let mut keep = |a: u32, b: u32| {
        let s = space.similarity(a as usize, b as usize);
        if s >= floor && s > 0.0 {
            out.push((a, b, s));
        }
    };
    match blocking {
        Blocking::Exhaustive => {
            for (x, &a) in part.iter().enumerate() {
                for &b in &part[x + 1..] {
                    keep(a, b);
                }
            }
        }
        Blocking::MinHash {
            num_perm,
            threshold,
        } => {
            let hasher = minhash::MinHasher::new(num_perm, 1);
            let sigs: Vec<Vec<u32>> = part
                .iter()
                .map(|&i| hasher.signature(&space.shingles(i as usize)))
                .collect();
            let (bands, rows) = minhash::optimal_bands(f64::from(threshold), num_perm);
            for (x, y) in minhash::lsh_candidates(&sigs, bands, rows) {
                keep(part[x as usize], part[y as usize]);
            }
        }
        Blocking::InvertedIndex { max_df_share } => {
            inverted_index(space, part, floor, max_df_share, out);
        }
    }
}

fn inverted_index(
    space: &Space,
    part: &[u32],
    floor: f32,
    max_df_share: f32,
    out: &mut Vec<(u32, u32, f32)>,
) {
    let vector = |x: usize| space.vector(part[x] as usize);
    let n = part.len();
    let mut df: HashMap<u32, u32> = HashMap::new();
    for x in 0..n {
        for &(f, _) in vector(x) {
            *df.entry(f).or_default() += 1;
        }
    }
    let cap = ((n as f32 * max_df_share) as u32).max(50);
    let rare = |f: u32| df.get(&f).is_some_and(|&d| d <= cap);
    // What the frequent terms of each item weigh: a bound on what they can add to a cosine.
    let rest: Vec<f32> = (0..n)
        .map(|x| {
            vector(x)
                .iter()
                .filter(|(f, _)| !rare(*f))
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt()
        })
        .collect();
    let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    // Per touched item: dot product, and the squared masses of each side, on rare terms.
    let mut acc = vec![(0f32, 0f32, 0f32); n];
    let mut touched: Vec<u32> = Vec::new();
    let beta = space.containment;
    for i in 0..n {
        for &(f, w) in vector(i) {
            let Some(list) = postings.get(&f) else {
                continue;
            };
            for &(j, wj) in list {
                let a = &mut acc[j as usize];
                if a.0 == 0.0 {
                    touched.push(j);
                }
                a.0 += w * wj;
                a.1 += w * w;
                a.2 += wj * wj;
            }
        }
        for &j in &touched {
            let (partial, ci, cj) = acc[j as usize];
            acc[j as usize] = (0.0, 0.0, 0.0);
            let j = j as usize;
            // What the frequent terms could add, at most (Cauchy–Schwarz for the cosine).
            let cos_bound = partial + rest[i] * rest[j];
            let cont_bound = (ci + rest[i] * rest[i])
                .max(cj + rest[j] * rest[j])
                .min(1.0);
            if (1.0 - beta) * cos_bound + beta * cont_bound < floor {
                continue;
            }
            let (a, b) = (part[j], part[i]);
            let s = if rest[i] == 0.0 || rest[j] == 0.0 {
                // Every shared term is rare: the sums are exact.
                (1.0 - beta) * partial + beta * ci.max(cj)
            } else {
                space.similarity(a as usize, b as usize)
            };
            if s >= floor && s > 0.0 {
                out.push((a, b, s));
            }
        }
        touched.clear();
        for &(f, w) in vector(i) {
            if rare(f) {
                postings.entry(f).or_default().push((i as u32, w));
            }
        }
    }
}

/// The in-scope pairs whose cosine is at least `params.threshold`, most similar first.
pub fn similar_pairs(items: &[ClusterItem], params: &Params) -> Vec<Pair> {
    let space = Space::new(items, params);
    let mut pairs: Vec<Pair> = scored_pairs(
        &space,
        items,
        params.blocking,
        params.scope,
        params.threshold,
    )
    .into_iter()
    .map(|(a, b, score)| Pair {
        a: a as usize,
        b: b as usize,
        score,
        shared_terms: space.shared_terms(&[a as usize, b as usize], params.shared_terms),
    })
    .collect();
    pairs.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    pairs
}

/// Groups of items that ask the same thing.
pub fn near_duplicates(items: &[ClusterItem], params: &Params) -> Vec<Group> {
    let space = Space::new(items, params);
    near_duplicates_in(&space, items, params)
}

/// [`near_duplicates`] over an already built [`Space`] of the same items.
pub fn near_duplicates_in(space: &Space, items: &[ClusterItem], params: &Params) -> Vec<Group> {
    // Average linkage needs the pairs below the threshold too: they pull a group's mean.
    let floor = match params.linkage {
        Linkage::Average => params.threshold * 0.5,
        Linkage::Single | Linkage::Complete => params.threshold,
    };
    let edges = scored_pairs(space, items, params.blocking, params.scope, floor);
    let edges = strongest(edges, space.len(), params.max_neighbours);
    groups_from_edges(
        space,
        &edges,
        params.linkage,
        params.threshold,
        params.shared_terms,
    )
}

/// The edges among the `k` strongest of at least one of their ends: a sparse graph whose
/// size grows with the items, not with the pairs (0 keeps every edge).
pub(crate) fn strongest(edges: Vec<(u32, u32, f32)>, n: usize, k: usize) -> Vec<(u32, u32, f32)> {
    if k == 0 {
        return edges;
    }
    let mut degree = vec![0u32; n];
    for &(a, b, _) in &edges {
        degree[a as usize] += 1;
        degree[b as usize] += 1;
    }
    if degree.iter().all(|&d| d as usize <= k) {
        return edges;
    }
    // Each item's k-th strongest similarity: an edge stays if it reaches either end's.
    let mut per: Vec<Vec<f32>> = vec![Vec::new(); n];
    for &(a, b, s) in &edges {
        if degree[a as usize] as usize > k {
            per[a as usize].push(s);
        }
        if degree[b as usize] as usize > k {
            per[b as usize].push(s);
        }
    }
    let kth: Vec<f32> = per
        .into_iter()
        .map(|mut v| {
            if v.len() <= k {
                return 0.0;
            }
            v.select_nth_unstable_by(k - 1, |x, y| y.total_cmp(x));
            v[k - 1]
        })
        .collect();
    edges
        .into_iter()
        .filter(|&(a, b, s)| s >= kth[a as usize] || s >= kth[b as usize])
        .collect()
}

pub(crate) fn groups_from_edges(
    space: &Space,
    edges: &[(u32, u32, f32)],
    kind: Linkage,
    threshold: f32,
    shared: usize,
) -> Vec<Group> {
    let sims: HashMap<(u32, u32), f32> = edges.iter().map(|&(a, b, s)| ((a, b), s)).collect();
    let mut groups: Vec<Group> = linkage::cluster(space.len(), edges, kind, threshold)
        .into_iter()
        .map(|members| {
            let mut sum = 0.0;
            let mut pairs = 0usize;
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    sum += sims.get(&(a as u32, b as u32)).copied().unwrap_or(0.0);
                    pairs += 1;
                }
            }
            let score = if pairs == 0 { 0.0 } else { sum / pairs as f32 };
            let shared_terms = space.shared_terms(&members, shared);
            Group {
                members,
                score,
                shared_terms,
            }
        })
        .collect();
    groups.sort_by(|x, y| {
        y.members
            .len()
            .cmp(&x.members.len())
            .then(y.score.total_cmp(&x.score))
            .then(x.members.cmp(&y.members))
    });
    groups
}
