//! Agglomerative clustering over a sparse similarity graph: only the pairs that candidate
//! generation scored are known, the others count as similarity 0. With average or complete
//! linkage that is what stops chaining: a loose chain A–B–C of two strong pairs does not
//! merge A with C unless A and C are themselves similar enough.

use std::collections::{BinaryHeap, HashMap};

use super::Linkage;

#[derive(Clone, Copy)]
struct Stat {
    sum: f32,
    count: u32,
    min: f32,
}

impl Stat {
    fn add(self, other: Stat) -> Stat {
        Stat {
            sum: self.sum + other.sum,
            count: self.count + other.count,
            min: self.min.min(other.min),
        }
    }
}

struct Node {
    members: Vec<usize>,
    neighbours: HashMap<usize, Stat>,
    version: u32,
    alive: bool,
}

fn linkage_of(kind: Linkage, stat: Stat, na: usize, nb: usize) -> f32 {
    let pairs = (na * nb) as f32;
    match kind {
        // Single linkage runs as connected components (`single`); never asked here.
        Linkage::Single => stat.min,
        Linkage::Average => stat.sum / pairs,
        Linkage::Complete => {
            if stat.count as f32 >= pairs {
                stat.min
            } else {
                0.0
            }
        }
    }
}

/// Groups of two or more of the `n` items, merged while their linkage is at least
/// `threshold`. `edges` are (a, b, similarity) with a ≠ b, each pair once.
pub fn cluster(
    n: usize,
    edges: &[(u32, u32, f32)],
    kind: Linkage,
    threshold: f32,
) -> Vec<Vec<usize>> {
    if kind == Linkage::Single {
        return single(n, edges, threshold);
    }
    let mut nodes: HashMap<usize, Node> = HashMap::new();
    let node = |i: usize, nodes: &mut HashMap<usize, Node>| {
        nodes.entry(i).or_insert_with(|| Node {
            members: vec![i],
            neighbours: HashMap::new(),
            version: 0,
            alive: true,
        });
    };
    for &(a, b, s) in edges {
        let (a, b) = (a as usize, b as usize);
        node(a, &mut nodes);
        node(b, &mut nodes);
        let stat = Stat {
            sum: s,
            count: 1,
            min: s,
        };
        for (x, y) in [(a, b), (b, a)] {
            if let Some(nx) = nodes.get_mut(&x) {
                nx.neighbours.insert(y, stat);
            }
        }
    }
    // Heap of (linkage bits, a, b, version a, version b); positive f32 order as their bits.
    let mut heap: BinaryHeap<(u32, usize, usize, u32, u32)> = BinaryHeap::new();
    for &(a, b, s) in edges {
        let l = linkage_of(
            kind,
            Stat {
                sum: s,
                count: 1,
                min: s,
            },
            1,
            1,
        );
        if l >= threshold {
            heap.push((l.max(0.0).to_bits(), a as usize, b as usize, 0, 0));
        }
    }
    while let Some((_, a, b, va, vb)) = heap.pop() {
        let current = |x: usize, v: u32, nodes: &HashMap<usize, Node>| {
            nodes.get(&x).is_some_and(|n| n.alive && n.version == v)
        };
        if !current(a, va, &nodes) || !current(b, vb, &nodes) {
            continue;
        }
        let (Some(na), Some(nb)) = (nodes.get(&a), nodes.get(&b)) else {
            continue;
        };
        // The larger keeps its number.
        let (keep, gone) = if na.members.len() >= nb.members.len() {
            (a, b)
        } else {
            (b, a)
        };
        let Some(mut g) = nodes.remove(&gone) else {
            continue;
        };
        g.alive = false;
        let gone_neighbours = std::mem::take(&mut g.neighbours);
        let gone_members = std::mem::take(&mut g.members);
        nodes.insert(gone, g);
        let mut touched = Vec::new();
        if let Some(k) = nodes.get_mut(&keep) {
            k.members.extend(gone_members);
            k.neighbours.remove(&gone);
            for (c, stat) in gone_neighbours {
                if c == keep {
                    continue;
                }
                let merged = k.neighbours.get(&c).map_or(stat, |s| s.add(stat));
                k.neighbours.insert(c, merged);
            }
            k.version += 1;
            touched.extend(k.neighbours.iter().map(|(c, s)| (*c, *s)));
        }
        let (keep_size, keep_version) = nodes
            .get(&keep)
            .map_or((0, 0), |k| (k.members.len(), k.version));
        for (c, stat) in touched {
            let Some(nc) = nodes.get_mut(&c) else {
                continue;
            };
            nc.neighbours.remove(&gone);
            nc.neighbours.insert(keep, stat);
            let l = linkage_of(kind, stat, keep_size, nc.members.len());
            if l >= threshold {
                heap.push((l.to_bits(), keep, c, keep_version, nc.version));
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = nodes
        .into_values()
        .filter(|n| n.alive && n.members.len() > 1)
        .map(|mut n| {
            n.members.sort_unstable();
            n.members
        })
        .collect();
    groups.sort();
    groups
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn single(n: usize, edges: &[(u32, u32, f32)], threshold: f32) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b, s) in edges {
        if s >= threshold {
            let (ra, rb) = (find(&mut parent, a as usize), find(&mut parent, b as usize));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_root.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_linkage_does_not_chain() {
        // 0–1 and 1–2 are close, 0–2 unknown (0): single links all three, average does not.
        let edges = [(0, 1, 0.9), (1, 2, 0.8), (3, 4, 0.7)];
        assert_eq!(
            cluster(5, &edges, Linkage::Single, 0.5),
            vec![vec![0, 1, 2], vec![3, 4]]
        );
        assert_eq!(
            cluster(5, &edges, Linkage::Average, 0.5),
            vec![vec![0, 1], vec![3, 4]]
        );
        let triangle = [(0, 1, 0.9), (1, 2, 0.8), (0, 2, 0.6)];
        assert_eq!(
            cluster(3, &triangle, Linkage::Average, 0.5),
            vec![vec![0, 1, 2]]
        );
        assert_eq!(
            cluster(3, &triangle, Linkage::Complete, 0.7),
            vec![vec![0, 1]]
        );
    }
}
