//! What the search index needs to know about recommendations beyond their own rows and
//! what [`crate::Store::statuses`] and [`crate::Store::implementation_of`] already give:
//! whether each repeats an earlier recommendation, whether a regression was recorded for
//! it, and when its implementation last saw activity. Both backends run the same SQL
//! below and read plain rows; the facts are put together once, here.

use std::collections::{BTreeMap, BTreeSet};

use rightstrack_core::RecommendationId;
use serde::Serialize;
use time::OffsetDateTime;

use crate::sql::{args, unit, Database, SqlRow, Tx};
use crate::Result;

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

/// The facts of `ids`, read from one snapshot.
pub(crate) async fn of(db: &impl Database, ids: &[RecommendationId]) -> Result<Vec<SearchFacts>> {
    let ids = ids.to_vec();
    db.snapshot(unit!(|tx| {
        let rows = read(tx, &ids).await?;
        Ok(assemble(&ids, rows))
    }))
    .await
}

async fn read(tx: &mut dyn Tx, ids: &[RecommendationId]) -> Result<FactRows> {
    let list = tx.in_list(1);
    let mut each =
        async |template: &str| tx.rows(&template.replace("{ids}", &list), args![ids]).await;
    let first = |rows: Vec<SqlRow>| rows.iter().map(|r| r.get(0)).collect::<Result<Vec<i64>>>();
    let repeats = first(each(sql::REPEATS).await?)?;
    let regressed = first(each(sql::REGRESSED).await?)?;
    let activity = each(sql::ACTIVITY)
        .await?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    Ok(FactRows {
        repeats,
        regressed,
        activity,
    })
}

/// The queries, with `{ids}` standing for membership of the bound id list.
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
