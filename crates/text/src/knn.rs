//! Nearest labelled recommendations. The same recommendation comes back session after
//! session in nearly the same words, and its earlier labels are then the best guess.
//! Similarity is the cosine of TF-IDF vectors restricted to discriminating terms (those in
//! at most `max_df` of the documents: the very common ones cost time and add little), found
//! through an inverted index.

use std::cell::RefCell;

use crate::tfidf::{normalise, SparseVec};

/// Nearest documents with their similarity, best first.
pub(crate) type Hits = Vec<(u32, f32)>;

#[derive(Debug, Clone)]
pub(crate) struct Neighbours {
    /// Each document's vector over the kept terms, unit length.
    pub docs: Vec<SparseVec>,
    /// Per feature: (document, value).
    postings: Vec<Vec<(u32, f32)>>,
}

thread_local! {
    static SCRATCH: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Neighbours {
    /// Keeps the features found in at most `max_df` (a fraction) of `docs`.
    pub fn fit(docs: &[&SparseVec], dim: usize, max_df: f32) -> Self {
        let mut df = vec![0u32; dim];
        for d in docs {
            for (f, _) in d.iter() {
                df[*f as usize] += 1;
            }
        }
        let limit = (max_df * docs.len() as f32).max(1.0) as u32;
        let docs = docs
            .iter()
            .map(|d| {
                let mut v: SparseVec = d
                    .iter()
                    .copied()
                    .filter(|(f, _)| df[*f as usize] <= limit)
                    .collect();
                normalise(&mut v);
                v
            })
            .collect();
        Self::from_docs(docs, dim)
    }

    pub fn from_docs(docs: Vec<SparseVec>, dim: usize) -> Self {
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); dim];
        for (i, d) in docs.iter().enumerate() {
            for (f, v) in d {
                if let Some(p) = postings.get_mut(*f as usize) {
                    p.push((i as u32, *v));
                }
            }
        }
        Self { docs, postings }
    }

    /// The `k` most similar documents with similarity at least `min_sim`, best first
    /// (ties by document number, for determinism).
    pub fn search(&self, query: &SparseVec, k: usize, min_sim: f32) -> Hits {
        let mut q: SparseVec = query
            .iter()
            .copied()
            .filter(|(f, _)| {
                self.postings
                    .get(*f as usize)
                    .is_some_and(|p| !p.is_empty())
            })
            .collect();
        normalise(&mut q);
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let (acc, touched) = &mut *scratch;
            if acc.len() < self.docs.len() {
                acc.resize(self.docs.len(), 0.0);
            }
            for (f, qv) in &q {
                for (d, dv) in &self.postings[*f as usize] {
                    let slot = &mut acc[*d as usize];
                    if *slot == 0.0 {
                        touched.push(*d);
                    }
                    *slot += qv * dv;
                }
            }
            let mut best: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
            for &d in touched.iter() {
                let s = acc[d as usize];
                acc[d as usize] = 0.0;
                if s < min_sim || (best.len() == k && s <= best[k - 1].1) {
                    continue;
                }
                let at = best
                    .iter()
                    .position(|(bd, bs)| s > *bs || (s == *bs && d < *bd))
                    .unwrap_or(best.len());
                best.insert(at, (d, s));
                best.truncate(k);
            }
            touched.clear();
            best
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_documents() {
        let docs: Vec<SparseVec> = vec![vec![(0, 1.0)], vec![(0, 0.6), (1, 0.8)], vec![(1, 1.0)]];
        let n = Neighbours::fit(&docs.iter().collect::<Vec<_>>(), 2, 1.0);
        let hits = n.search(&vec![(0, 0.8), (1, 0.6)], 2, 0.0);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 0]);
        assert!((hits[0].1 - 0.96).abs() < 1e-6);
        assert!(n.search(&vec![(1, 1.0)], 3, 0.9).iter().all(|h| h.1 >= 0.9));
    }
}
