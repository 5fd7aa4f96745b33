//! What re-running the clustering changes. Shared by both backends, like [`crate::merge`]:
//! each backend loads what it holds, asks these functions what to write, and writes it.
//!
//! The rules: machines propose, people decide, and a re-run never undoes a decision.
//! - A new cluster takes over the stored cluster of the same kind it overlaps most (Jaccard
//!   ≥ [`MATCH_JACCARD`] with the members the machine proposed last time, one to one, best
//!   first): it keeps that cluster's id, and its title when a person set the title.
//! - A member a person added stays; a member a person removed stays out (its row is kept as
//!   the record of the decision). Other members are the machine's, replaced by each run.
//! - A stored cluster no new cluster takes over is deleted, unless a person decided
//!   something about it (title, members): then it keeps only what people decided.
//! - A link a person confirmed or rejected is kept as it is, whatever the run proposes; the
//!   proposed links are replaced by the run's.

mod work;

pub(crate) use work::active_members;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use rightstrack_core::{
    Cluster, ClusterKind, Decision, LinkKind, RecommendationId, RecommendationLink, StateCode,
};

use crate::Result;

/// Clusters and links: what the machine proposes and what people decide of it. Each
/// method is one unit of work in one transaction.
#[async_trait]
pub trait Clusters: Send + Sync {
    /// Replaces the machine-made clusters of one kind of a state with a new run's, keeping
    /// what people decided ([`clusters`] has the rules). Returns the recommendations whose
    /// clusters changed (they get a new revision).
    async fn replace_clusters(
        &self,
        actor: &str,
        state: StateCode,
        kind: ClusterKind,
        clusters: Vec<NewCluster>,
    ) -> Result<Vec<RecommendationId>>;

    /// The clusters of a state, every kind, with their members (not those people removed).
    async fn clusters(&self, state: StateCode) -> Result<Vec<Cluster>>;

    /// A person's title for a cluster: later runs keep it.
    async fn rename_cluster(&self, actor: &str, id: i64, title: &str) -> Result<()>;

    /// A person puts a recommendation in a cluster (`member`) or takes it out: later runs
    /// keep the decision.
    async fn set_cluster_member(
        &self,
        actor: &str,
        cluster: i64,
        id: RecommendationId,
        member: bool,
    ) -> Result<()>;

    /// A person moves some of a cluster's members into another cluster of the same state
    /// and kind (all of them: a merge), into a new cluster with their title (a split) or
    /// out of it, in one transaction; later runs keep the decisions. Returns the receiving
    /// cluster's id (`from` when they were taken out).
    async fn move_cluster_members(
        &self,
        actor: &str,
        from: i64,
        ids: &[RecommendationId],
        to: ClusterTarget,
    ) -> Result<i64>;

    /// Replaces the proposed links from the recommendations of a state with a new run's;
    /// links a person confirmed or rejected stay as decided. Returns the recommendations at
    /// either end of a changed link.
    async fn replace_links(
        &self,
        actor: &str,
        state: StateCode,
        links: Vec<RecommendationLink>,
    ) -> Result<Vec<RecommendationId>>;

    /// The links from the recommendations of a state, every decision, by (from, to).
    async fn links(&self, state: StateCode) -> Result<Vec<RecommendationLink>>;

    /// The links from and to a recommendation, every decision, strongest first.
    async fn links_of(&self, id: RecommendationId) -> Result<Vec<RecommendationLink>>;

    /// A person's decision on a link.
    async fn decide_link(
        &self,
        actor: &str,
        from: RecommendationId,
        to: RecommendationId,
        decision: Decision,
    ) -> Result<()>;
}

/// A cluster computed by the machine, to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCluster {
    pub title: String,
    /// Members with their score (how well each fits the cluster).
    pub members: Vec<(RecommendationId, f32)>,
    /// The terms the members share, heaviest first: why they are together.
    pub shared_terms: Vec<String>,
}

/// Overlap at or above which a new cluster continues a stored one.
pub const MATCH_JACCARD: f64 = 0.5;

/// One member row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMember {
    pub id: RecommendationId,
    /// Who added or removed it; `None` for the machine's members.
    pub decided_by: Option<String>,
    /// A person took it out of the cluster.
    pub removed: bool,
}

/// A stored cluster of the state and kind being replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCluster {
    pub id: i64,
    pub title: String,
    pub title_set_by: Option<String>,
    pub members: Vec<StoredMember>,
}

impl StoredCluster {
    fn active(&self) -> BTreeSet<RecommendationId> {
        self.members
            .iter()
            .filter(|m| !m.removed)
            .map(|m| m.id)
            .collect()
    }

    /// What the machine last proposed, as near as the rows tell: its members and those
    /// people took out (not those people added). New clusters are matched against it.
    fn proposed(&self) -> BTreeSet<RecommendationId> {
        self.members
            .iter()
            .filter(|m| m.decided_by.is_none() || m.removed)
            .map(|m| m.id)
            .collect()
    }

    fn decided(&self) -> bool {
        self.title_set_by.is_some() || self.members.iter().any(|m| m.decided_by.is_some())
    }
}

/// A cluster to write: `id` is the stored cluster it continues (`None`: a new row).
/// The backend replaces the machine's member rows with `members`, leaving rows people
/// decided as they are (an insert that meets one does nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterWrite {
    pub id: Option<i64>,
    pub title: String,
    pub shared_terms: Vec<String>,
    pub members: Vec<(RecommendationId, f32)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterPlan {
    pub writes: Vec<ClusterWrite>,
    /// Stored clusters to delete.
    pub deletes: Vec<i64>,
    /// Recommendations whose clusters (or their titles) change: they get a new revision.
    pub touched: Vec<RecommendationId>,
}

/// What replacing `stored` by `new` writes (see the module's rules).
pub fn plan_clusters(stored: &[StoredCluster], new: Vec<NewCluster>) -> ClusterPlan {
    // Candidate matches, best overlap first.
    let new_sets: Vec<BTreeSet<RecommendationId>> = new
        .iter()
        .map(|c| c.members.iter().map(|m| m.0).collect())
        .collect();
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (s, old) in stored.iter().enumerate() {
        let proposed = old.proposed();
        for (n, set) in new_sets.iter().enumerate() {
            let shared = proposed.intersection(set).count();
            if shared == 0 {
                continue;
            }
            let jaccard = shared as f64 / proposed.union(set).count() as f64;
            if jaccard >= MATCH_JACCARD {
                candidates.push((jaccard, s, n));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut old_taken: HashMap<usize, usize> = HashMap::new();
    let mut new_taken: HashMap<usize, usize> = HashMap::new();
    for (_, s, n) in candidates {
        if old_taken.contains_key(&s) || new_taken.contains_key(&n) {
            continue;
        }
        old_taken.insert(s, n);
        new_taken.insert(n, s);
    }

    // Each recommendation's clusters before and after, as (cluster, title).
    type Key = (String, String);
    let mut before: BTreeMap<RecommendationId, BTreeSet<Key>> = BTreeMap::new();
    let mut after: BTreeMap<RecommendationId, BTreeSet<Key>> = BTreeMap::new();
    for old in stored {
        for id in old.active() {
            before
                .entry(id)
                .or_default()
                .insert((old.id.to_string(), old.title.clone()));
        }
    }

    let mut plan = ClusterPlan::default();
    for (n, cluster) in new.into_iter().enumerate() {
        let (id, title, key, mut active) = match new_taken.get(&n).map(|&s| &stored[s]) {
            Some(old) => {
                let title = if old.title_set_by.is_some() {
                    old.title.clone()
                } else {
                    cluster.title.clone()
                };
                let removed: BTreeSet<RecommendationId> = old
                    .members
                    .iter()
                    .filter(|m| m.removed)
                    .map(|m| m.id)
                    .collect();
                let mut active: BTreeSet<RecommendationId> = cluster
                    .members
                    .iter()
                    .map(|m| m.0)
                    .filter(|id| !removed.contains(id))
                    .collect();
                active.extend(
                    old.members
                        .iter()
                        .filter(|m| m.decided_by.is_some() && !m.removed)
                        .map(|m| m.id),
                );
                (Some(old.id), title, old.id.to_string(), active)
            }
            None => (
                None,
                cluster.title.clone(),
                format!("new {n}"),
                BTreeSet::new(),
            ),
        };
        if id.is_none() {
            active.extend(cluster.members.iter().map(|m| m.0));
        }
        for m in active {
            after
                .entry(m)
                .or_default()
                .insert((key.clone(), title.clone()));
        }
        plan.writes.push(ClusterWrite {
            id,
            title,
            shared_terms: cluster.shared_terms,
            members: cluster.members,
        });
    }
    for (s, old) in stored.iter().enumerate() {
        if old_taken.contains_key(&s) {
            continue;
        }
        if old.decided() {
            // Only what people decided survives: their members, under their title.
            for m in old
                .members
                .iter()
                .filter(|m| m.decided_by.is_some() && !m.removed)
            {
                after
                    .entry(m.id)
                    .or_default()
                    .insert((old.id.to_string(), old.title.clone()));
            }
            plan.writes.push(ClusterWrite {
                id: Some(old.id),
                title: old.title.clone(),
                shared_terms: Vec::new(),
                members: Vec::new(),
            });
        } else {
            plan.deletes.push(old.id);
        }
    }
    let ids: BTreeSet<RecommendationId> = before.keys().chain(after.keys()).copied().collect();
    plan.touched = ids
        .into_iter()
        .filter(|id| before.get(id) != after.get(id))
        .collect();
    plan
}

/// What a run of the linking writes.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPlan {
    /// Links to insert, or whose kind and score to update (all `Proposed`).
    pub upserts: Vec<RecommendationLink>,
    /// Proposed links the run no longer makes, as (from, to).
    pub deletes: Vec<(RecommendationId, RecommendationId)>,
    /// Both ends of every link added, changed or deleted.
    pub touched: Vec<RecommendationId>,
}

/// What replacing the `stored` links of a state by the run's `new` ones writes.
pub fn plan_links(stored: &[RecommendationLink], new: Vec<RecommendationLink>) -> LinkPlan {
    let by_pair: HashMap<(RecommendationId, RecommendationId), &RecommendationLink> =
        stored.iter().map(|l| ((l.from, l.to), l)).collect();
    let mut touched = BTreeSet::new();
    let mut upserts = Vec::new();
    let mut proposed: BTreeSet<(RecommendationId, RecommendationId)> = BTreeSet::new();
    for mut link in new {
        if link.from == link.to || !proposed.insert((link.from, link.to)) {
            continue;
        }
        link.decision = Decision::Proposed;
        match by_pair.get(&(link.from, link.to)) {
            // A person's decision stands.
            Some(old) if old.decision != Decision::Proposed => {}
            Some(old) if old.kind == link.kind && old.score == link.score => {}
            _ => {
                touched.extend([link.from, link.to]);
                upserts.push(link);
            }
        }
    }
    let deletes: Vec<(RecommendationId, RecommendationId)> = stored
        .iter()
        .filter(|l| l.decision == Decision::Proposed && !proposed.contains(&(l.from, l.to)))
        .map(|l| (l.from, l.to))
        .collect();
    touched.extend(deletes.iter().flat_map(|(a, b)| [*a, *b]));
    LinkPlan {
        upserts,
        deletes,
        touched: touched.into_iter().collect(),
    }
}

/// Where [`crate::Store::move_cluster_members`] puts the recommendations it moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterTarget {
    /// Another cluster of the same state and kind: moving all members is a merge.
    Existing(i64),
    /// A new cluster of the same state and kind, with a person's title: a split.
    New { title: String },
    /// Out of the cluster, into none.
    Out,
}

/// A cluster row as a move checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterRow {
    pub id: i64,
    pub state_code: String,
    pub kind: String,
}

/// Whether moving `ids` from `from` (whose active members are `active`) to `target` (the
/// row of an existing target) is allowed: something to move, all of it in `from`, and a
/// different cluster of the same state and kind to receive it.
pub(crate) fn check_move(
    from: &ClusterRow,
    active: &[RecommendationId],
    ids: &[RecommendationId],
    target: Option<&ClusterRow>,
) -> crate::Result<()> {
    let invalid = |m: String| Err(crate::StoreError::Invalid(m));
    if ids.is_empty() {
        return invalid("no recommendations to move: choose at least one member".into());
    }
    if let Some(missing) = ids.iter().find(|id| !active.contains(id)) {
        return invalid(format!(
            "recommendation {} is not a member of cluster {}",
            missing.0, from.id
        ));
    }
    if let Some(to) = target {
        if to.id == from.id {
            return invalid(format!("cluster {} cannot be merged into itself", from.id));
        }
        if to.state_code != from.state_code || to.kind != from.kind {
            return invalid(format!(
                "cluster {} is a {} of {}, cluster {} a {} of {}: only clusters of one state and kind merge",
                from.id, from.kind, from.state_code, to.id, to.kind, to.state_code
            ));
        }
    }
    Ok(())
}

/// Whether a recommendation (of the state `of`, `None` when there is no such record) may
/// join a cluster of `state`: it must exist and be made to the same state.
pub(crate) fn check_member_state(
    cluster: i64,
    state: &str,
    id: RecommendationId,
    of: Option<&str>,
) -> crate::Result<()> {
    match of {
        None => Err(crate::StoreError::NotFound(format!(
            "recommendation {}",
            id.0
        ))),
        Some(of) if of != state => Err(crate::StoreError::Invalid(format!(
            "recommendation {} was made to {of}, cluster {cluster} is of {state}",
            id.0
        ))),
        Some(_) => Ok(()),
    }
}

/// A stored link row; a kind or decision this version does not know is corruption.
pub(crate) fn link_from_row(
    from: i64,
    to: i64,
    kind: &str,
    score: f64,
    decision: &str,
) -> crate::Result<RecommendationLink> {
    let corrupt = |e: rightstrack_core::ParseError| crate::StoreError::Corrupt(e.to_string());
    Ok(RecommendationLink {
        from: RecommendationId(from),
        to: RecommendationId(to),
        kind: LinkKind::parse(kind).map_err(corrupt)?,
        score: score as f32,
        decision: Decision::parse(decision).map_err(corrupt)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: i64) -> RecommendationId {
        RecommendationId(n)
    }

    fn new(title: &str, members: &[i64]) -> NewCluster {
        NewCluster {
            title: title.into(),
            members: members.iter().map(|&m| (id(m), 0.5)).collect(),
            shared_terms: vec![title.into()],
        }
    }

    fn member(n: i64, by: Option<&str>, removed: bool) -> StoredMember {
        StoredMember {
            id: id(n),
            decided_by: by.map(str::to_string),
            removed,
        }
    }

    #[test]
    fn a_rerun_keeps_titles_and_members_people_decided() {
        let stored = vec![
            StoredCluster {
                id: 7,
                title: "Torture prevention".into(),
                title_set_by: Some("ana".into()),
                members: vec![
                    member(1, None, false),
                    member(2, None, false),
                    member(3, Some("ana"), true),
                    member(9, Some("ana"), false),
                ],
            },
            StoredCluster {
                id: 8,
                title: "Old".into(),
                title_set_by: None,
                members: vec![member(5, None, false), member(6, None, false)],
            },
        ];
        let plan = plan_clusters(&stored, vec![new("Ratify · OP-CAT", &[1, 2, 3])]);
        assert_eq!(plan.writes.len(), 1);
        assert_eq!(plan.writes[0].id, Some(7));
        assert_eq!(plan.writes[0].title, "Torture prevention");
        assert_eq!(plan.deletes, [8]);
        // 5 and 6 lost their cluster; 1, 2, 9 are where they were; 3 stays removed.
        assert_eq!(plan.touched, [id(5), id(6)]);
    }

    #[test]
    fn an_unmatched_cluster_with_decisions_keeps_only_them() {
        let stored = vec![StoredCluster {
            id: 3,
            title: "Mine".into(),
            title_set_by: None,
            members: vec![member(1, None, false), member(2, Some("bo"), false)],
        }];
        let plan = plan_clusters(&stored, vec![new("Other", &[4, 5])]);
        assert_eq!(plan.writes.len(), 2);
        assert_eq!(plan.writes[0].id, None);
        assert_eq!(plan.writes[1].id, Some(3));
        assert!(plan.writes[1].members.is_empty());
        assert_eq!(plan.touched, [id(1), id(4), id(5)]);
    }

    fn link(from: i64, to: i64, kind: LinkKind, decision: Decision) -> RecommendationLink {
        RecommendationLink {
            from: id(from),
            to: id(to),
            kind,
            score: 0.6,
            decision,
        }
    }

    #[test]
    fn decided_links_stay_as_decided() {
        let stored = vec![
            link(10, 1, LinkKind::Repeats, Decision::Rejected),
            link(11, 2, LinkKind::Related, Decision::Confirmed),
            link(12, 3, LinkKind::Related, Decision::Proposed),
            link(13, 4, LinkKind::Related, Decision::Proposed),
        ];
        let plan = plan_links(
            &stored,
            vec![
                link(10, 1, LinkKind::Repeats, Decision::Proposed),
                link(13, 4, LinkKind::Related, Decision::Proposed),
                link(14, 4, LinkKind::FollowsUp, Decision::Proposed),
            ],
        );
        assert_eq!(
            plan.upserts,
            [link(14, 4, LinkKind::FollowsUp, Decision::Proposed)]
        );
        assert_eq!(plan.deletes, [(id(12), id(3))]);
        assert_eq!(plan.touched, [id(3), id(4), id(12), id(14)]);
    }
}
