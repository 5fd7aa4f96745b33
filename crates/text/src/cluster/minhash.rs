//! MinHash signatures and LSH banding, as `datasketch` does them: `num_perm` universal
//! hash permutations `(a·x + b) mod (2⁶¹ − 1)` truncated to 32 bits, and the bands × rows
//! split that minimises the equally weighted false-positive and false-negative areas of the
//! S-curve around the Jaccard threshold (`datasketch.lsh._optimal_param`).

use std::collections::HashMap;

use crate::Rng;

const MERSENNE: u64 = (1 << 61) - 1;
const MAX_HASH: u64 = (1 << 32) - 1;

/// `num_perm` seeded permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut a = Vec::with_capacity(num_perm);
        let mut b = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            a.push(1 + rng.next() % (MERSENNE - 1));
            b.push(rng.next() % MERSENNE);
        }
        Self { a, b }
    }

    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// The signature of a set of shingle hashes (an empty set gets all maxima).
    pub fn signature(&self, shingles: &[u32]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.a.len()];
        for &s in shingles {
            let x = u128::from(u64::from(s));
            for (k, slot) in sig.iter_mut().enumerate() {
                let h = ((u128::from(self.a[k]) * x + u128::from(self.b[k])) % u128::from(MERSENNE))
                    as u64
                    & MAX_HASH;
                let h = h as u32;
                if h < *slot {
                    *slot = h;
                }
            }
        }
        sig
    }
}

/// The estimated Jaccard similarity of two signatures.
pub fn estimate(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / a.len() as f32
}

fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    // Simpson's rule; the integrands are smooth polynomials in s.
    let steps = 200;
    let h = (hi - lo) / f64::from(steps);
    let mut sum = f(lo) + f(hi);
    for i in 1..steps {
        let x = lo + h * f64::from(i);
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// (bands, rows) for a Jaccard threshold, as datasketch chooses them.
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let mut best = (f64::INFINITY, (1, num_perm.max(1)));
    for b in 1..=num_perm {
        for r in 1..=num_perm / b {
            let (bf, rf) = (b as f64, r as f64);
            let fp = integrate(|s| 1.0 - (1.0 - s.powf(rf)).powf(bf), 0.0, threshold);
            let fn_ = integrate(|s| (1.0 - s.powf(rf)).powf(bf), threshold, 1.0);
            let error = 0.5 * fp + 0.5 * fn_;
            if error < best.0 {
                best = (error, (b, r));
            }
        }
    }
    best.1
}

/// Candidate pairs (i < j): the signatures that agree on every row of at least one band.
pub fn lsh_candidates(signatures: &[Vec<u32>], bands: usize, rows: usize) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    let mut buckets: HashMap<&[u32], Vec<u32>> = HashMap::new();
    for band in 0..bands {
        buckets.clear();
        let range = band * rows..(band + 1) * rows;
        for (i, sig) in signatures.iter().enumerate() {
            if let Some(key) = sig.get(range.clone()) {
                buckets.entry(key).or_default().push(i as u32);
            }
        }
        for members in buckets.values() {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Exact Jaccard similarity of two sorted, deduplicated sets.
pub fn jaccard(a: &[u32], b: &[u32]) -> f32 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f32 / union as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_match_datasketch_and_estimates_are_close() {
        // The S-curve's knee (1/b)^(1/r) lies near the threshold.
        let (b, r) = optimal_bands(0.5, 128);
        assert!(b * r <= 128);
        let knee = (1.0 / b as f64).powf(1.0 / r as f64);
        assert!((knee - 0.5).abs() < 0.1, "b={b} r={r} knee={knee}");

        let m = MinHasher::new(128, 7);
        let a: Vec<u32> = (0..100).collect();
        let b: Vec<u32> = (50..150).collect();
        let est = estimate(&m.signature(&a), &m.signature(&b));
        assert!((est - jaccard(&a, &b)).abs() < 0.12, "estimate {est}");
        let sigs = [m.signature(&a), m.signature(&a), m.signature(&b)];
        assert!(lsh_candidates(&sigs, 16, 8).contains(&(0, 1)));
    }
}
