//! What the search index needs to know about recommendations beyond their own rows and
//! what [`crate::Store::statuses`] and [`crate::Store::implementation_of`] already give:
//! whether each repeats an earlier recommendation, whether a regression was recorded for
//! it, and when its implementation last saw activity. Both backends run the same SQL
//! below and read plain rows; the facts are put together once, here.

use std::collections::{BTreeMap, BTreeSet};

use rightstrack_core::RecommendationId;
use serde::Serialize;
use time::OffsetDateTime;

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// Facts about one recommendation, for search facets and signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchFacts {
    pub recommendation_id: RecommendationId,
    /// It has a `repeats` link to an earlier recommendation that no person rejected.
    pub repeats: bool,
    /// A regression was recorded for it or for a cluster it belongs to.
    pub regressed: bool,
    /// The latest assignment, status, assessment, action change or progress report: what
    /// the "stalled" signal measures from. `None` while nobody tracks it.
    pub last_activity: Option<OffsetDateTime>,
}

/// The rows a backend read.
#[derive(Default)]
pub(crate) struct FactRows {
    pub repeats: Vec<i64>,
    pub regressed: Vec<i64>,
    pub activity: Vec<(i64, Option<OffsetDateTime>)>,
}

/// One [`SearchFacts`] per asked id, in the order asked.
pub(crate) fn assemble(ids: &[RecommendationId], rows: FactRows) -> Vec<SearchFacts> {
    let repeats: BTreeSet<i64> = rows.repeats.into_iter().collect();
    let regressed: BTreeSet<i64> = rows.regressed.into_iter().collect();
    let latest: BTreeMap<RecommendationId, OffsetDateTime> = crate::tracking::latest_activity(
        rows.activity
            .into_iter()
            .map(|(id, at)| (RecommendationId(id), at))
            .collect(),
    )
    .into_iter()
    .map(|a| (a.recommendation_id, a.last_update))
    .collect();
    ids.iter()
        .map(|id| SearchFacts {
            recommendation_id: *id,
            repeats: repeats.contains(&id.0),
            regressed: regressed.contains(&id.0),
            last_activity: latest.get(id).copied(),
        })
        .collect()
}

/// The queries, with `{ids}` standing for the id list (`IN (?, …)` in SQLite, `= ANY($1)`
/// in PostgreSQL).
pub(crate) mod sql {
    pub const REPEATS: &str = "SELECT DISTINCT from_id FROM recommendation_links
         WHERE kind = 'repeats' AND decision <> 'rejected' AND from_id {ids}";
    pub const REGRESSED: &str =
        "SELECT recommendation_id FROM regressions WHERE recommendation_id {ids}
         UNION SELECT m.recommendation_id FROM regressions g
             JOIN cluster_members m ON m.cluster_id = g.cluster_id
         WHERE m.removed = FALSE AND m.recommendation_id {ids}";
    /// The same sources as the store's `activity` of a state.
    pub const ACTIVITY: &str = "SELECT a.recommendation_id, a.assigned_at FROM assignments a
             WHERE a.recommendation_id {ids}
         UNION ALL SELECT ar.recommendation_id, x.updated_at FROM action_recommendations ar
             JOIN actions x ON x.id = ar.action_id WHERE ar.recommendation_id {ids}
         UNION ALL SELECT ar.recommendation_id, p.reported_at FROM action_recommendations ar
             JOIN indicators i ON i.action_id = ar.action_id
             JOIN progress_reports p ON p.indicator_id = i.id
             WHERE ar.recommendation_id {ids}
         UNION ALL SELECT recommendation_id, at FROM status_changes WHERE recommendation_id {ids}
         UNION ALL SELECT recommendation_id, at FROM assessments WHERE recommendation_id {ids}";
}
