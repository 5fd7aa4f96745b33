//! Reading implementation rows from SQLite, in chunks of ids that stay under its limit
//! on bound parameters.

use r2d2_sqlite::rusqlite::{params_from_iter, Connection, Row};

use super::{
    sql, ActionRow, AssessmentRow, AssignmentRow, ImplementationRows, IndicatorRow, ProgressRow,
    StatusRow,
};
use crate::sqlite::{parse_date, parse_timestamp};
use crate::Result;
use rightstrack_core::RecommendationId;

const CHUNK: usize = 500;

pub(crate) fn read(conn: &Connection, ids: &[RecommendationId]) -> Result<ImplementationRows> {
    let mut rows = ImplementationRows::default();
    for chunk in ids.chunks(CHUNK) {
        let raw: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let ids = format!("IN ({})", vec!["?"; raw.len()].join(","));
        let q = |template: &str| template.replace("{ids}", &ids);
        rows.assignments
            .extend(select(conn, &q(sql::ASSIGNMENTS), &raw, |r| {
                Ok(AssignmentRow {
                    recommendation_id: r.get(0)?,
                    institution_id: r.get(1)?,
                    institution: r.get(2)?,
                    kind: r.get(3)?,
                    role: r.get(4)?,
                })
            })?);
        rows.actions
            .extend(select(conn, &q(sql::ACTIONS), &raw, |r| {
                Ok(ActionRow {
                    recommendation_id: r.get(0)?,
                    id: r.get(1)?,
                    title: r.get(2)?,
                    description: r.get(3)?,
                    kind: r.get(4)?,
                    institution_id: r.get(5)?,
                    institution: r.get(6)?,
                    start_date: optional_date(r.get(7)?)?,
                    target_date: optional_date(r.get(8)?)?,
                    progress: r.get(9)?,
                    budget_amount: r.get(10)?,
                    currency: r.get(11)?,
                    funder: r.get(12)?,
                    disbursed: r.get(13)?,
                    legislation_title: r.get(14)?,
                    legislation_stage: r.get(15)?,
                    legislation_committee_id: r.get(16)?,
                    published: r.get::<_, i64>(17)? != 0,
                })
            })?);
        rows.action_links
            .extend(select(conn, &q(sql::ACTION_LINKS), &raw, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?);
        rows.indicators
            .extend(select(conn, &q(sql::INDICATORS), &raw, |r| {
                Ok(IndicatorRow {
                    id: r.get(0)?,
                    action_id: r.get(1)?,
                    name: r.get(2)?,
                    unit: r.get(3)?,
                    baseline: r.get(4)?,
                    target: r.get(5)?,
                    schedule: r.get(6)?,
                })
            })?);
        rows.progress
            .extend(select(conn, &q(sql::PROGRESS), &raw, |r| {
                Ok(ProgressRow {
                    id: r.get(0)?,
                    indicator_id: r.get(1)?,
                    due_date: parse_date(&r.get::<_, String>(2)?)?,
                    reported_at: r
                        .get::<_, Option<String>>(3)?
                        .map(|s| parse_timestamp(&s))
                        .transpose()?,
                    text: r.get(4)?,
                    value: r.get(5)?,
                    public: r.get::<_, i64>(6)? != 0,
                })
            })?);
        rows.statuses
            .extend(select(conn, &q(sql::STATUSES), &raw, |r| {
                Ok(StatusRow {
                    recommendation_id: r.get(0)?,
                    status: r.get(1)?,
                    justification: r.get(2)?,
                    author: r.get(3)?,
                    at: parse_timestamp(&r.get::<_, String>(4)?)?,
                })
            })?);
        rows.assessments
            .extend(select(conn, &q(sql::ASSESSMENTS), &raw, |r| {
                Ok(AssessmentRow {
                    id: r.get(0)?,
                    recommendation_id: r.get(1)?,
                    stakeholder: r.get(2)?,
                    institution_id: r.get(3)?,
                    institution: r.get(4)?,
                    status: r.get(5)?,
                    text: r.get(6)?,
                    evidence: r.get(7)?,
                    author: r.get(8)?,
                    at: parse_timestamp(&r.get::<_, String>(9)?)?,
                    published: r.get::<_, i64>(10)? != 0,
                })
            })?);
    }
    // A recommendation's own rows all come in its chunk, in order; what belongs to an
    // action serving recommendations of two chunks is read twice.
    dedup_shared(&mut rows);
    Ok(rows)
}

fn optional_date(s: Option<String>) -> Result<Option<time::Date>> {
    s.map(|s| parse_date(&s)).transpose()
}

fn select<T>(
    conn: &Connection,
    sql: &str,
    ids: &[i64],
    map: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut q = stmt.query(params_from_iter(ids.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(map(r)?);
    }
    Ok(out)
}

/// An action serving recommendations in two chunks is read twice: keep one copy of its
/// links, indicators and reports.
fn dedup_shared(rows: &mut ImplementationRows) {
    rows.action_links.sort_unstable();
    rows.action_links.dedup();
    rows.indicators.sort_by_key(|i| (i.action_id, i.id));
    rows.indicators.dedup_by_key(|i| i.id);
    rows.progress
        .sort_by_key(|p| (p.indicator_id, p.due_date, p.id));
    rows.progress.dedup_by_key(|p| p.id);
}
