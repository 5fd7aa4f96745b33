//! Binary linear classifiers trained by dual coordinate descent (Hsieh et al. 2008 for the
//! L2-regularised squared hinge loss; Yu, Huang & Lin 2011 for logistic regression), the
//! solvers behind LIBLINEAR: no learning rate to tune, and a few passes over TF-IDF rows
//! converge. A constant feature of value 1 plays the bias.

use crate::tfidf::SparseVec;
use crate::Rng;

/// Rows of a sparse matrix, each a unit TF-IDF vector.
pub(crate) struct Rows<'a> {
    pub rows: Vec<&'a SparseVec>,
    pub dim: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Linear SVM with the squared hinge loss.
    SquaredHinge,
    Logistic,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Binary {
    pub loss: Loss,
    pub epochs: usize,
    pub seed: u64,
}

fn dot(w: &[f64], x: &SparseVec) -> f64 {
    let bias = w[w.len() - 1];
    x.iter()
        .map(|(f, v)| w[*f as usize] * f64::from(*v))
        .sum::<f64>()
        + bias
}

fn add(w: &mut [f64], x: &SparseVec, d: f64) {
    for (f, v) in x {
        w[*f as usize] += d * f64::from(*v);
    }
    let last = w.len() - 1;
    w[last] += d;
}

/// Trains one binary problem with a cost (C) per row; returns the weights and the bias.
pub(crate) fn train(x: &Rows, y: &[bool], cost: &[f64], p: &Binary) -> (Vec<f32>, f32) {
    let n = x.rows.len().min(y.len()).min(cost.len());
    let mut w = vec![0f64; x.dim + 1];
    let c = |i: usize| cost[i];
    let sign = |i: usize| if y[i] { 1.0 } else { -1.0 };
    // x·x plus the bias feature's 1.
    let sq: Vec<f64> = x
        .rows
        .iter()
        .map(|r| r.iter().map(|(_, v)| f64::from(*v * *v)).sum::<f64>() + 1.0)
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(p.seed);
    match p.loss {
        Loss::SquaredHinge => {
            let mut alpha = vec![0f64; n];
            for _ in 0..p.epochs {
                rng.shuffle(&mut order);
                let mut pg_max = f64::NEG_INFINITY;
                let mut pg_min = f64::INFINITY;
                for &i in &order {
                    let diag = 0.5 / c(i);
                    let g = sign(i) * dot(&w, x.rows[i]) - 1.0 + diag * alpha[i];
                    let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                    pg_max = pg_max.max(pg);
                    pg_min = pg_min.min(pg);
                    if pg.abs() > 1e-12 {
                        let old = alpha[i];
                        alpha[i] = (old - g / (sq[i] + diag)).max(0.0);
                        add(&mut w, x.rows[i], (alpha[i] - old) * sign(i));
                    }
                }
                if pg_max - pg_min < 0.05 {
                    break;
                }
            }
        }
        Loss::Logistic => {
            // alpha[i] and its complement c - alpha[i] are both kept, as in the paper,
            // so that values near either bound stay accurate.
            let mut alpha: Vec<[f64; 2]> = (0..n)
                .map(|i| {
                    let a = (1e-3 * c(i)).min(1e-8);
                    [a, c(i) - a]
                })
                .collect();
            for (i, a) in alpha.iter().enumerate() {
                add(&mut w, x.rows[i], sign(i) * a[0]);
            }
            for _ in 0..p.epochs {
                rng.shuffle(&mut order);
                let mut g_max = 0f64;
                for &i in &order {
                    let ci = c(i);
                    let a = sq[i];
                    let b = sign(i) * dot(&w, x.rows[i]);
                    let (first, s) = if 0.5 * a * (alpha[i][1] - alpha[i][0]) + b < 0.0 {
                        (1, -1.0)
                    } else {
                        (0, 1.0)
                    };
                    let old = alpha[i][first];
                    let mut z = old;
                    if ci - z < 0.5 * ci {
                        z *= 0.1;
                    }
                    let grad = |z: f64| a * (z - old) + s * b + (z / (ci - z)).ln();
                    let mut gp = grad(z);
                    g_max = g_max.max(gp.abs());
                    let mut steps = 0;
                    while steps < 100 && gp.abs() >= 1e-2 {
                        let gpp = a + ci / (ci - z) / z;
                        let next = z - gp / gpp;
                        z = if next <= 0.0 { z * 0.1 } else { next };
                        gp = grad(z);
                        steps += 1;
                    }
                    if steps > 0 {
                        alpha[i][first] = z;
                        alpha[i][1 - first] = ci - z;
                        add(&mut w, x.rows[i], s * (z - old) * sign(i));
                    }
                }
                if g_max < 0.05 {
                    break;
                }
            }
        }
    }
    let bias = w.pop().unwrap_or(0.0) as f32;
    (w.into_iter().map(|v| v as f32).collect(), bias)
}

/// Trains `labels` binary problems on two threads (the machine's cores); each problem
/// is independent and seeded by its index, so the result does not depend on scheduling.
pub(crate) fn train_many(
    x: &Rows,
    targets: &[Vec<bool>],
    cost: &[f64],
    params: &[Binary],
    threads: usize,
) -> Vec<(Vec<f32>, f32)> {
    let mut out: Vec<Option<(Vec<f32>, f32)>> = vec![None; targets.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|t| {
                scope.spawn(move || {
                    (t..targets.len())
                        .step_by(threads.max(1))
                        .map(|l| (l, train(x, &targets[l], cost, &params[l])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            if let Ok(done) = h.join() {
                for (l, r) in done {
                    out[l] = Some(r);
                }
            }
        }
    });
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| (vec![0.0; x.dim], 0.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_losses_separate_a_toy_problem() {
        let data: Vec<SparseVec> = vec![
            vec![(0, 1.0)],
            vec![(0, 0.8), (2, 0.6)],
            vec![(1, 1.0)],
            vec![(1, 0.6), (2, 0.8)],
        ];
        let y = [true, true, false, false];
        let x = Rows {
            rows: data.iter().collect(),
            dim: 3,
        };
        for loss in [Loss::SquaredHinge, Loss::Logistic] {
            let p = Binary {
                loss,
                epochs: 50,
                seed: 1,
            };
            let (w, b) = train(&x, &y, &[10.0; 4], &p);
            for (row, positive) in data.iter().zip(y) {
                let s: f32 = row.iter().map(|(f, v)| w[*f as usize] * v).sum::<f32>() + b;
                assert_eq!(s > 0.0, positive, "{loss:?}: {s}");
            }
        }
    }
}
