//! Reading implementation rows from PostgreSQL: one statement per kind of row, the ids
//! passed as one array.

use tokio_postgres::{GenericClient, Row};

use super::{
    sql, ActionRow, AssessmentRow, AssignmentRow, ImplementationRows, IndicatorRow, ProgressRow,
    StatusRow,
};
use crate::Result;
use rightstrack_core::RecommendationId;

pub(crate) async fn read(
    client: &impl GenericClient,
    ids: &[RecommendationId],
) -> Result<ImplementationRows> {
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let run = |template: &'static str| {
        let sql = template.replace("{ids}", "= ANY($1)");
        let raw = &raw;
        async move { client.query(&sql, &[raw]).await }
    };
    Ok(ImplementationRows {
        assignments: map(run(sql::ASSIGNMENTS).await?, |r| {
            Ok(AssignmentRow {
                recommendation_id: r.try_get(0)?,
                institution_id: r.try_get(1)?,
                institution: r.try_get(2)?,
                kind: r.try_get(3)?,
                role: r.try_get(4)?,
            })
        })?,
        actions: map(run(sql::ACTIONS).await?, |r| {
            Ok(ActionRow {
                recommendation_id: r.try_get(0)?,
                id: r.try_get(1)?,
                title: r.try_get(2)?,
                description: r.try_get(3)?,
                kind: r.try_get(4)?,
                institution_id: r.try_get(5)?,
                institution: r.try_get(6)?,
                start_date: r.try_get(7)?,
                target_date: r.try_get(8)?,
                progress: r.try_get(9)?,
                budget_amount: r.try_get(10)?,
                currency: r.try_get(11)?,
                funder: r.try_get(12)?,
                disbursed: r.try_get(13)?,
                legislation_title: r.try_get(14)?,
                legislation_stage: r.try_get(15)?,
                legislation_committee_id: r.try_get(16)?,
                published: r.try_get(17)?,
            })
        })?,
        action_links: map(run(sql::ACTION_LINKS).await?, |r| {
            Ok((r.try_get(0)?, r.try_get(1)?))
        })?,
        indicators: map(run(sql::INDICATORS).await?, |r| {
            Ok(IndicatorRow {
                id: r.try_get(0)?,
                action_id: r.try_get(1)?,
                name: r.try_get(2)?,
                unit: r.try_get(3)?,
                baseline: r.try_get(4)?,
                target: r.try_get(5)?,
                schedule: r.try_get(6)?,
            })
        })?,
        progress: map(run(sql::PROGRESS).await?, |r| {
            Ok(ProgressRow {
                id: r.try_get(0)?,
                indicator_id: r.try_get(1)?,
                due_date: r.try_get(2)?,
                reported_at: r.try_get(3)?,
                text: r.try_get(4)?,
                value: r.try_get(5)?,
                public: r.try_get(6)?,
            })
        })?,
        statuses: map(run(sql::STATUSES).await?, |r| {
            Ok(StatusRow {
                recommendation_id: r.try_get(0)?,
                status: r.try_get(1)?,
                justification: r.try_get(2)?,
                author: r.try_get(3)?,
                at: r.try_get(4)?,
            })
        })?,
        assessments: map(run(sql::ASSESSMENTS).await?, |r| {
            Ok(AssessmentRow {
                id: r.try_get(0)?,
                recommendation_id: r.try_get(1)?,
                stakeholder: r.try_get(2)?,
                institution_id: r.try_get(3)?,
                institution: r.try_get(4)?,
                status: r.try_get(5)?,
                text: r.try_get(6)?,
                evidence: r.try_get(7)?,
                author: r.try_get(8)?,
                at: r.try_get(9)?,
                published: r.try_get(10)?,
            })
        })?,
    })
}

fn map<T>(rows: Vec<Row>, f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}
