//! TF-IDF: sublinear term frequency (1 + ln tf) times smoothed inverse document frequency
//! (ln((1 + n) / (1 + df)) + 1), L2-normalised, over the terms seen in at least `min_df`
//! training texts — the same weighting as scikit-learn's `TfidfVectorizer(sublinear_tf)`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::tokenize::{term_counts, TermConfig};

/// A sparse vector: (feature, value), sorted by feature.
pub type SparseVec = Vec<(u32, f32)>;

/// Term hashes are already uniform: the index map uses them as they are.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

pub(crate) type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

#[derive(Debug, Clone)]
pub struct Vectoriser {
    pub(crate) config: TermConfig,
    /// Term hash of each feature, ascending; the feature's number is its position.
    pub(crate) hashes: Vec<u32>,
    pub(crate) idf: Vec<f32>,
    index: IdMap<u32>,
}

impl Vectoriser {
    pub fn fit(texts: &[&str], config: TermConfig, min_df: u32) -> Self {
        let mut df: IdMap<u32> = IdMap::default();
        for text in texts {
            for (h, _) in term_counts(text, &config) {
                *df.entry(h).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(u32, u32)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_unstable();
        let n = texts.len() as f32;
        let idf = kept
            .iter()
            .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
            .collect();
        Self::from_parts(config, kept.into_iter().map(|(h, _)| h).collect(), idf)
    }

    pub(crate) fn from_parts(config: TermConfig, hashes: Vec<u32>, idf: Vec<f32>) -> Self {
        let index = hashes
            .iter()
            .enumerate()
            .map(|(i, h)| (*h, i as u32))
            .collect();
        Self {
            config,
            hashes,
            idf,
            index,
        }
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    pub fn feature(&self, hash: u32) -> Option<u32> {
        self.index.get(&hash).copied()
    }

    pub fn transform(&self, text: &str) -> SparseVec {
        let mut v: SparseVec = term_counts(text, &self.config)
            .into_iter()
            .filter_map(|(h, tf)| {
                let f = self.feature(h)?;
                Some((f, (1.0 + (tf as f32).ln()) * self.idf[f as usize]))
            })
            .collect();
        v.sort_unstable_by_key(|e| e.0);
        normalise(&mut v);
        v
    }
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalise(v: &mut SparseVec) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::term_hash;

    #[test]
    fn weights_follow_sublinear_tf_and_smoothed_idf() {
        let config = TermConfig {
            bigrams: false,
            lead_words: 0,
            char_ngrams: (0, 0),
        };
        let v = Vectoriser::fit(&["torture torture ratify", "ratify prisons"], config, 1);
        assert_eq!(v.len(), 3);
        let x = v.transform("torture torture ratify unknown");
        let torture = v.feature(term_hash("torture")).map(|f| f as usize);
        let ratify = v.feature(term_hash("ratify")).map(|f| f as usize);
        let (Some(t), Some(r)) = (torture, ratify) else {
            unreachable!("both words were seen")
        };
        let wt = (1.0 + 2f32.ln()) * ((3.0f32 / 2.0).ln() + 1.0);
        let wr = 1.0f32;
        let norm = (wt * wt + wr * wr).sqrt();
        let value = |f: usize| x.iter().find(|e| e.0 as usize == f).map(|e| e.1);
        assert!((value(t).unwrap_or(0.0) - wt / norm).abs() < 1e-6);
        assert!((value(r).unwrap_or(0.0) - wr / norm).abs() < 1e-6);
        assert_eq!(x.len(), 2, "unknown words are not features");
    }

    #[test]
    fn min_df_drops_rare_terms() {
        let v = Vectoriser::fit(&["the torture", "torture here"], TermConfig::default(), 2);
        assert!(v.feature(term_hash("torture")).is_some());
        assert!(v.feature(term_hash("^torture")).is_none());
    }
}
