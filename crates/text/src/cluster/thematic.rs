//! Thematic clusters of one state's recommendations: implementation units that a ministry
//! can take on as one action, each with a short generated title from its shared terms.
//! The same pipeline as near-duplicates with a looser threshold.

use super::{groups_from_edges, scored_pairs, Blocking, ClusterItem, Linkage, Scope, Space};

#[derive(Debug, Clone, PartialEq)]
pub struct ThematicParams {
    /// Average-linkage cosine at which recommendations join one unit.
    pub threshold: f32,
    /// Whether a recommendation that joins no unit is returned as its own unit.
    pub singletons: bool,
    /// Terms in a title.
    pub title_terms: usize,
}

impl Default for ThematicParams {
    fn default() -> Self {
        Self {
            threshold: 0.16,
            singletons: true,
            title_terms: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThematicCluster {
    /// "ratify OP-CAT · NPM", from the terms the members share.
    pub title: String,
    pub members: Vec<usize>,
    /// Mean cosine similarity over the members' pairs (1 for a single member).
    pub score: f32,
    pub shared_terms: Vec<String>,
}

/// Implementation units over `items` (meant for one state's recommendations), largest first.
pub fn thematic_clusters(items: &[ClusterItem], params: &ThematicParams) -> Vec<ThematicCluster> {
    let space = Space::new(items, &super::Params::default());
    thematic_clusters_in(&space, items, params)
}

/// [`thematic_clusters`] over an already built [`Space`] of the same items.
pub fn thematic_clusters_in(
    space: &Space,
    items: &[ClusterItem],
    params: &ThematicParams,
) -> Vec<ThematicCluster> {
    let blocking = Blocking::InvertedIndex { max_df_share: 0.2 };
    let edges = scored_pairs(space, items, blocking, Scope::Any, params.threshold * 0.5);
    let groups = groups_from_edges(space, &edges, Linkage::Average, params.threshold, 6);
    let mut grouped = vec![false; space.len()];
    let mut out: Vec<ThematicCluster> = groups
        .into_iter()
        .map(|g| {
            for &m in &g.members {
                grouped[m] = true;
            }
            ThematicCluster {
                title: title(&g.shared_terms, params.title_terms),
                members: g.members,
                score: g.score,
                shared_terms: g.shared_terms,
            }
        })
        .collect();
    if params.singletons {
        for (i, done) in grouped.iter().enumerate() {
            if !done {
                let terms = space.shared_terms(&[i], 6);
                out.push(ThematicCluster {
                    title: title(&terms, params.title_terms),
                    members: vec![i],
                    score: 1.0,
                    shared_terms: terms,
                });
            }
        }
    }
    out
}

fn title(terms: &[String], n: usize) -> String {
    let mut parts: Vec<&str> = terms.iter().take(n).map(String::as_str).collect();
    if parts.is_empty() {
        parts.push("(no shared terms)");
    }
    let mut t = parts.join(" · ");
    if let Some(first) = t.get(..1) {
        let upper = first.to_uppercase();
        t.replace_range(..1, &upper);
    }
    t
}
