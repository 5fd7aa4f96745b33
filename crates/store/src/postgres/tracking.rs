//! Implementation tracking in PostgreSQL: each public function is one method of the
//! [`crate::Store`] trait, one transaction for each write.

use std::collections::{BTreeSet, HashMap};

use deadpool_postgres::Object;
use rightstrack_core::signals::{law_repealed, status_regressed};
use rightstrack_core::{
    ActionProgress, Assessment, AssignmentRole, ImplementationStatus, Indicator, Institution,
    InstitutionKind, ProgressReport, RecommendationId, RegressionKind, ReportingSchedule,
    SchedulePlan, StakeholderKind, StateCode,
};
use time::Date;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

use super::{active_members, audit, filter_sql, refs, touch};
use crate::tracking::{
    canonical_code, check_period, derived_regressions, would_loop, ActionRow, Facts, StatusSubject,
    ACTION_COLUMNS,
};
use crate::{
    ActionQuery, ActionRecord, Activity, Assign, AssignSummary, AssignTarget, Assignment,
    CurrentStatus, Deadline, DeadlineKind, EvidenceFile, EvidenceInfo, IndicatorRecord, NewAction,
    NewAssessment, NewIndicator, NewInstitution, NewProgress, Notification, ProgressRecord,
    Recipient, RegressionRecord, Reminder, Result, StoreError,
};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn raw(ids: &[RecommendationId]) -> Vec<i64> {
    ids.iter().map(|i| i.0).collect()
}

const INSTITUTION_COLUMNS: &str = "id, name, kind, parent_id, contact_name, contact_email";

fn institution_from(r: &Row) -> Result<Institution> {
    Ok(Institution {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: InstitutionKind::parse(r.try_get(2)?).map_err(corrupt)?,
        parent_id: r.try_get(3)?,
        contact_name: r.try_get(4)?,
        contact_email: r.try_get(5)?,
    })
}

async fn institution(tx: &Transaction<'_>, id: i64) -> Result<Institution> {
    let row = tx
        .query_opt(
            &format!("SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = $1"),
            &[&id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("institution {id}")))?;
    institution_from(&row)
}

pub(super) async fn update_institution(
    client: &mut Object,
    actor: &str,
    id: i64,
    new: NewInstitution,
) -> Result<()> {
    let tx = client.transaction().await?;
    let before = institution(&tx, id).await?;
    let mut parents = HashMap::new();
    for r in tx
        .query("SELECT id, parent_id FROM institutions", &[])
        .await?
    {
        parents.insert(r.try_get::<_, i64>(0)?, r.try_get::<_, Option<i64>>(1)?);
    }
    if let Some(parent) = new.parent_id {
        if !parents.contains_key(&parent) {
            return Err(StoreError::NotFound(format!("parent institution {parent}")));
        }
    }
    if would_loop(id, new.parent_id, &parents) {
        return Err(StoreError::Invalid(format!(
            "institution {id} cannot be placed under {:?}: the hierarchy would loop",
            new.parent_id
        )));
    }
    tx.execute(
        "UPDATE institutions SET name = $2, kind = $3, parent_id = $4, contact_name = $5, contact_email = $6,
             updated_at = now() WHERE id = $1",
        &[&id, &new.name, &new.kind.code(), &new.parent_id, &new.contact_name, &new.contact_email],
    )
    .await?;
    let after = institution(&tx, id).await?;
    audit(
        &tx,
        actor,
        "update",
        "institution",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": after}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn institutions(client: &Object) -> Result<Vec<Institution>> {
    client
        .query(
            &format!("SELECT {INSTITUTION_COLUMNS} FROM institutions ORDER BY name, id"),
            &[],
        )
        .await?
        .iter()
        .map(institution_from)
        .collect()
}

async fn ids_of(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<i64>> {
    tx.query(sql, params)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

/// The recommendations a target names, checked to exist; and the cluster, if any.
async fn resolve_target(
    tx: &Transaction<'_>,
    target: &AssignTarget,
) -> Result<(Vec<i64>, Option<i64>)> {
    match target {
        AssignTarget::Recommendations(ids) => {
            let wanted = raw(ids);
            let found: BTreeSet<i64> = ids_of(
                tx,
                "SELECT id FROM recommendations WHERE id = ANY($1)",
                &[&wanted],
            )
            .await?
            .into_iter()
            .collect();
            let missing: Vec<String> = wanted
                .iter()
                .filter(|i| !found.contains(i))
                .map(|i| i.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::NotFound(format!(
                    "recommendations {}",
                    missing.join(", ")
                )));
            }
            Ok((found.into_iter().collect(), None))
        }
        AssignTarget::Cluster(c) => {
            if tx
                .query_opt("SELECT id FROM clusters WHERE id = $1", &[c])
                .await?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("cluster {c}")));
            }
            let mut members = active_members(tx, *c).await?;
            members.sort_unstable();
            Ok((members, Some(*c)))
        }
        AssignTarget::Tag {
            filter,
            taxonomy,
            code,
        } => {
            let (where_sql, mut params) = filter_sql(filter);
            params.push(Box::new(taxonomy.code().to_string()));
            params.push(Box::new(canonical_code(*taxonomy, code)?));
            let n = params.len();
            let sql = format!(
                "SELECT r.id FROM recommendations r WHERE {where_sql} AND EXISTS (
                    SELECT 1 FROM recommendation_tags t JOIN terms ON terms.id = t.term_id
                    WHERE t.recommendation_id = r.id AND t.provenance <> 'model'
                      AND terms.taxonomy = ${} AND terms.code = ${n}) ORDER BY r.id",
                n - 1
            );
            Ok((ids_of(tx, &sql, &refs(&params)).await?, None))
        }
        AssignTarget::Filter(filter) => {
            let (where_sql, params) = filter_sql(filter);
            let sql = format!("SELECT r.id FROM recommendations r WHERE {where_sql} ORDER BY r.id");
            Ok((ids_of(tx, &sql, &refs(&params)).await?, None))
        }
    }
}

pub(super) async fn assign(client: &mut Object, actor: &str, a: Assign) -> Result<AssignSummary> {
    a.check()?;
    let tx = client.transaction().await?;
    for i in a.institutions() {
        institution(&tx, i).await?;
    }
    let (recs, cluster) = resolve_target(&tx, &a.target).await?;
    let clusters: Vec<i64> = cluster.into_iter().collect();
    let mut replaced: Vec<(i64, i64)> = Vec::new();
    for (table, key, ids) in [
        ("assignments", "recommendation_id", &recs),
        ("cluster_assignments", "cluster_id", &clusters),
    ] {
        if ids.is_empty() {
            continue;
        }
        if let Some(lead) = a.lead {
            let rows = tx
                .query(
                    &format!(
                        "DELETE FROM {table} WHERE {key} = ANY($1) AND role = 'lead' AND institution_id <> $2
                         RETURNING {key}, institution_id"
                    ),
                    &[ids, &lead],
                )
                .await?;
            for r in rows {
                replaced.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        for (institution, role) in a.roles() {
            tx.execute(
                &format!(
                    "INSERT INTO {table} ({key}, institution_id, role, assigned_by, assigned_at)
                     SELECT u, $2, $3, $4, now() FROM UNNEST($1::int8[]) AS u
                     ON CONFLICT ({key}, institution_id) DO UPDATE SET role = excluded.role,
                         assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at"
                ),
                &[ids, &institution, &role.code(), &actor],
            )
            .await?;
        }
    }
    touch(&tx, &recs).await?;
    audit(
        &tx,
        actor,
        "assign",
        "recommendations",
        cluster.map(|c| format!("cluster:{c}")),
        serde_json::json!({
            "lead": a.lead, "support": a.support, "recommendations": recs, "cluster": cluster,
            "replaced_leads": replaced,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(AssignSummary {
        recommendations: recs.len(),
        clusters: clusters.len(),
    })
}

pub(super) async fn assignments(
    client: &Object,
    institution_id: Option<i64>,
) -> Result<Vec<Assignment>> {
    let rows = client
        .query(
            "SELECT recommendation_id, NULL::int8, institution_id, role FROM assignments
             WHERE $1::int8 IS NULL OR institution_id = $1
             UNION ALL
             SELECT NULL::int8, cluster_id, institution_id, role FROM cluster_assignments
             WHERE $1::int8 IS NULL OR institution_id = $1
             ORDER BY 1, 2, 3",
            &[&institution_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Assignment {
                recommendation_id: r.try_get::<_, Option<i64>>(0)?.map(RecommendationId),
                cluster_id: r.try_get(1)?,
                institution_id: r.try_get(2)?,
                role: AssignmentRole::parse(r.try_get(3)?).map_err(corrupt)?,
            })
        })
        .collect()
}

async fn write_action_links(tx: &Transaction<'_>, id: i64, action: &NewAction) -> Result<()> {
    tx.execute(
        "DELETE FROM action_recommendations WHERE action_id = $1",
        &[&id],
    )
    .await?;
    tx.execute("DELETE FROM action_clusters WHERE action_id = $1", &[&id])
        .await?;
    tx.execute(
        "INSERT INTO action_recommendations (action_id, recommendation_id)
         SELECT $1, u FROM UNNEST($2::int8[]) AS u ON CONFLICT DO NOTHING",
        &[&id, &raw(&action.recommendation_ids)],
    )
    .await?;
    tx.execute(
        "INSERT INTO action_clusters (action_id, cluster_id)
         SELECT $1, u FROM UNNEST($2::int8[]) AS u ON CONFLICT DO NOTHING",
        &[&id, &action.cluster_ids],
    )
    .await?;
    Ok(())
}

/// The recommendations an action's progress describes: linked directly or through a
/// cluster they are a member of.
async fn served_by(tx: &Transaction<'_>, action: i64) -> Result<Vec<i64>> {
    ids_of(
        tx,
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = $1
         UNION SELECT m.recommendation_id FROM action_clusters ac
             JOIN cluster_members m ON m.cluster_id = ac.cluster_id AND NOT m.removed
         WHERE ac.action_id = $1",
        &[&action],
    )
    .await
}

pub(super) async fn create_action(
    client: &mut Object,
    actor: &str,
    action: NewAction,
) -> Result<i64> {
    action.check()?;
    let tx = client.transaction().await?;
    let c = action.columns();
    let id: i64 = tx
        .query_one(
            "INSERT INTO actions (title, description, kind, institution_id, start_date, target_date, progress,
                 budget_amount, currency, funder, disbursed, legislation_title, legislation_stage,
                 legislation_committee_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), now()) RETURNING id",
            &[
                &action.title, &action.description, &action.kind.code(), &action.institution_id,
                &action.start_date, &action.target_date, &action.progress.code(), &c.budget_amount,
                &c.currency, &c.funder, &c.disbursed, &c.legislation_title, &c.legislation_stage,
                &c.legislation_committee_id,
            ],
        )
        .await?
        .try_get(0)?;
    write_action_links(&tx, id, &action).await?;
    touch(&tx, &served_by(&tx, id).await?).await?;
    audit(
        &tx,
        actor,
        "create",
        "action",
        Some(id.to_string()),
        serde_json::json!({"after": action}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load_actions(
    client: &impl deadpool_postgres::GenericClient,
    where_sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<ActionRecord>> {
    let rows = client
        .query(
            &format!("SELECT {ACTION_COLUMNS} FROM actions a WHERE {where_sql} ORDER BY a.id"),
            params,
        )
        .await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut recs: HashMap<i64, Vec<RecommendationId>> = HashMap::new();
    for r in client
        .query(
            "SELECT action_id, recommendation_id FROM action_recommendations WHERE action_id = ANY($1)
             ORDER BY recommendation_id",
            &[&ids],
        )
        .await?
    {
        recs.entry(r.try_get(0)?)
            .or_default()
            .push(RecommendationId(r.try_get(1)?));
    }
    let mut clusters: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in client
        .query(
            "SELECT action_id, cluster_id FROM action_clusters WHERE action_id = ANY($1) ORDER BY cluster_id",
            &[&ids],
        )
        .await?
    {
        clusters.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            ActionRow {
                id,
                title: r.try_get(1)?,
                description: r.try_get(2)?,
                kind: r.try_get(3)?,
                institution_id: r.try_get(4)?,
                start_date: r.try_get(5)?,
                target_date: r.try_get(6)?,
                progress: r.try_get(7)?,
                budget_amount: r.try_get(8)?,
                currency: r.try_get(9)?,
                funder: r.try_get(10)?,
                disbursed: r.try_get(11)?,
                legislation_title: r.try_get(12)?,
                legislation_stage: r.try_get(13)?,
                legislation_committee_id: r.try_get(14)?,
                updated_at: r.try_get(15)?,
            }
            .into_record(
                recs.remove(&id).unwrap_or_default(),
                clusters.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

async fn action_record(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
) -> Result<ActionRecord> {
    load_actions(client, "a.id = $1", &[&id])
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("action {id}")))
}

pub(super) async fn actions(client: &Object, query: &ActionQuery) -> Result<Vec<ActionRecord>> {
    let rec = query.recommendation_id.map(|r| r.0);
    load_actions(
        client,
        "($1::int8 IS NULL OR a.institution_id = $1)
         AND ($2::int8 IS NULL OR EXISTS (SELECT 1 FROM action_recommendations ar
                                        WHERE ar.action_id = a.id AND ar.recommendation_id = $2))
         AND ($3::int8[] IS NULL OR a.id = ANY($3))",
        &[&query.institution_id, &rec, &query.ids],
    )
    .await
}

async fn record_regression(
    tx: &Transaction<'_>,
    kind: RegressionKind,
    subject: StatusSubject,
    action: Option<i64>,
    before: &str,
    after: &str,
    actor: &str,
) -> Result<()> {
    let (rec, cluster) = match subject {
        StatusSubject::Recommendation(r) => (Some(r.0), None),
        StatusSubject::Cluster(c) => (None, Some(c)),
    };
    tx.execute(
        "INSERT INTO regressions (kind, recommendation_id, cluster_id, action_id, before, after, reported_by, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        &[&kind.code(), &rec, &cluster, &action, &before, &after, &actor],
    )
    .await?;
    Ok(())
}

fn ids_of_raw(ids: &[i64]) -> Vec<RecommendationId> {
    ids.iter().copied().map(RecommendationId).collect()
}

/// Records, as regressions reported by `actor`, the derived statuses that moved backwards
/// since `before` was read.
async fn record_derived_regressions(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &str,
    action: Option<i64>,
    before: &[CurrentStatus],
) -> Result<()> {
    let ids: Vec<RecommendationId> = before.iter().filter_map(|s| s.recommendation_id).collect();
    let after = statuses(tx, &ids).await?;
    for (id, b, a) in derived_regressions(before, &after) {
        let subject = StatusSubject::Recommendation(id);
        record_regression(
            tx,
            RegressionKind::Status,
            subject,
            action,
            b.code(),
            a.code(),
            actor,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn update_action(
    client: &mut Object,
    actor: &str,
    id: i64,
    action: NewAction,
) -> Result<()> {
    action.check()?;
    let tx = client.transaction().await?;
    let before = action_record(&tx, id).await?;
    let served_before = served_by(&tx, id).await?;
    let statuses_before = statuses(&tx, &ids_of_raw(&served_before)).await?;
    let c = action.columns();
    tx.execute(
        "UPDATE actions SET title = $2, description = $3, kind = $4, institution_id = $5, start_date = $6,
             target_date = $7, progress = $8, budget_amount = $9, currency = $10, funder = $11, disbursed = $12,
             legislation_title = $13, legislation_stage = $14, legislation_committee_id = $15, updated_at = now()
         WHERE id = $1",
        &[
            &id, &action.title, &action.description, &action.kind.code(), &action.institution_id,
            &action.start_date, &action.target_date, &action.progress.code(), &c.budget_amount,
            &c.currency, &c.funder, &c.disbursed, &c.legislation_title, &c.legislation_stage,
            &c.legislation_committee_id,
        ],
    )
    .await?;
    write_action_links(&tx, id, &action).await?;
    let stage_before = before.action.legislation.as_ref().map(|l| l.stage);
    let stage_after = action.legislation.as_ref().map(|l| l.stage);
    if law_repealed(stage_before, stage_after) {
        let b = stage_before.map(|s| s.code()).unwrap_or_default();
        for r in &action.recommendation_ids {
            let subject = StatusSubject::Recommendation(*r);
            record_regression(
                &tx,
                RegressionKind::LawRepealed,
                subject,
                Some(id),
                b,
                "repealed",
                actor,
            )
            .await?;
        }
        for c in &action.cluster_ids {
            let subject = StatusSubject::Cluster(*c);
            record_regression(
                &tx,
                RegressionKind::LawRepealed,
                subject,
                Some(id),
                b,
                "repealed",
                actor,
            )
            .await?;
        }
    }
    let mut touched: BTreeSet<i64> = served_before.into_iter().collect();
    touched.extend(served_by(&tx, id).await?);
    record_derived_regressions(&tx, actor, Some(id), &statuses_before).await?;
    touch(&tx, &touched.into_iter().collect::<Vec<_>>()).await?;
    audit(
        &tx,
        actor,
        "update",
        "action",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": action}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn delete_action(client: &mut Object, actor: &str, id: i64) -> Result<()> {
    let tx = client.transaction().await?;
    let before = action_record(&tx, id).await?;
    let served = served_by(&tx, id).await?;
    let statuses_before = statuses(&tx, &ids_of_raw(&served)).await?;
    tx.execute("DELETE FROM actions WHERE id = $1", &[&id])
        .await?;
    record_derived_regressions(&tx, actor, None, &statuses_before).await?;
    touch(&tx, &served).await?;
    audit(
        &tx,
        actor,
        "delete",
        "action",
        Some(id.to_string()),
        serde_json::json!({"before": before}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn action_of_indicator(tx: &Transaction<'_>, indicator: i64) -> Result<i64> {
    tx.query_opt(
        "SELECT action_id FROM indicators WHERE id = $1",
        &[&indicator],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("indicator {indicator}")))?
    .try_get(0)
    .map_err(StoreError::from)
}

async fn insert_due_dates(tx: &Transaction<'_>, indicator: i64, dates: &[Date]) -> Result<()> {
    tx.execute(
        "INSERT INTO progress_reports (indicator_id, due_date)
         SELECT $1, d FROM UNNEST($2::date[]) AS d ON CONFLICT DO NOTHING",
        &[&indicator, &dates],
    )
    .await?;
    Ok(())
}

pub(super) async fn add_indicator(
    client: &mut Object,
    actor: &str,
    new: NewIndicator,
) -> Result<i64> {
    new.check()?;
    let tx = client.transaction().await?;
    action_record(&tx, new.action_id).await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO indicators (action_id, name, unit, baseline, target, schedule, schedule_start, schedule_end,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) RETURNING id",
            &[
                &new.action_id, &new.name, &new.unit, &new.baseline, &new.target, &new.schedule.code(),
                &new.start, &new.end,
            ],
        )
        .await?
        .try_get(0)?;
    let dates = new.schedule.due_dates(new.start, new.end);
    insert_due_dates(&tx, id, &dates).await?;
    touch(&tx, &served_by(&tx, new.action_id).await?).await?;
    audit(
        &tx,
        actor,
        "create",
        "indicator",
        Some(id.to_string()),
        serde_json::json!({"action": new.action_id, "name": new.name, "schedule": new.schedule.code(), "due_dates": dates.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn reschedule_indicator(
    client: &mut Object,
    actor: &str,
    id: i64,
    schedule: ReportingSchedule,
    start: Date,
    end: Date,
    today: Date,
) -> Result<SchedulePlan> {
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT name, schedule FROM indicators WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("indicator {id}")))?;
    let (name, before): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    check_period(&name, start, end)?;
    let existing: Vec<(Date, bool)> = tx
        .query(
            "SELECT due_date, reported_at IS NOT NULL FROM progress_reports WHERE indicator_id = $1",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()?;
    let plan = SchedulePlan::new(&existing, &schedule.due_dates(start, end), today);
    tx.execute(
        "DELETE FROM progress_reports WHERE indicator_id = $1 AND due_date = ANY($2) AND reported_at IS NULL",
        &[&id, &plan.remove],
    )
    .await?;
    insert_due_dates(&tx, id, &plan.add).await?;
    tx.execute(
        "UPDATE indicators SET schedule = $2, schedule_start = $3, schedule_end = $4 WHERE id = $1",
        &[&id, &schedule.code(), &start, &end],
    )
    .await?;
    let action = action_of_indicator(&tx, id).await?;
    touch(&tx, &served_by(&tx, action).await?).await?;
    let text = |dates: &[Date]| dates.iter().map(|d| d.to_string()).collect::<Vec<_>>();
    audit(
        &tx,
        actor,
        "reschedule",
        "indicator",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": schedule.code(), "removed": text(&plan.remove), "added": text(&plan.add)}),
    )
    .await?;
    tx.commit().await?;
    Ok(plan)
}

pub(super) async fn indicators(client: &Object, action_id: i64) -> Result<Vec<IndicatorRecord>> {
    let mut out = Vec::new();
    for r in client
        .query(
            "SELECT id, name, unit, baseline, target, schedule, schedule_start, schedule_end FROM indicators
             WHERE action_id = $1 ORDER BY id",
            &[&action_id],
        )
        .await?
    {
        let start: Option<Date> = r.try_get(6)?;
        let end: Option<Date> = r.try_get(7)?;
        out.push(IndicatorRecord {
            indicator: Indicator {
                id: r.try_get(0)?,
                action_id,
                name: r.try_get(1)?,
                unit: r.try_get(2)?,
                baseline: r.try_get(3)?,
                target: r.try_get(4)?,
                schedule: ReportingSchedule::parse(r.try_get(5)?).map_err(corrupt)?,
            },
            start: start.ok_or_else(|| corrupt("indicator without a reporting period"))?,
            end: end.ok_or_else(|| corrupt("indicator without a reporting period"))?,
            reports: Vec::new(),
        });
    }
    for ind in &mut out {
        let reports = client
            .query(
                "SELECT id, due_date, reported_at, text, value, public, author FROM progress_reports
                 WHERE indicator_id = $1 ORDER BY due_date",
                &[&ind.indicator.id],
            )
            .await?;
        for r in reports {
            let id: i64 = r.try_get(0)?;
            let files = client
                .query(
                    "SELECT id, file_name, content_type, size FROM evidence WHERE progress_report_id = $1 ORDER BY id",
                    &[&id],
                )
                .await?
                .iter()
                .map(|e| {
                    Ok(EvidenceInfo {
                        id: e.try_get(0)?,
                        file_name: e.try_get(1)?,
                        content_type: e.try_get(2)?,
                        size: e.try_get(3)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            ind.reports.push(ProgressRecord {
                report: ProgressReport {
                    id,
                    indicator_id: ind.indicator.id,
                    due_date: r.try_get(1)?,
                    reported_at: r.try_get(2)?,
                    text: r.try_get(3)?,
                    value: r.try_get(4)?,
                    public: r.try_get(5)?,
                },
                author: r.try_get(6)?,
                evidence: files,
            });
        }
    }
    Ok(out)
}

pub(super) async fn report_progress(
    client: &mut Object,
    actor: &str,
    p: NewProgress,
) -> Result<i64> {
    p.check()?;
    let tx = client.transaction().await?;
    let action = action_of_indicator(&tx, p.indicator_id).await?;
    let before = tx
        .query_opt(
            "SELECT reported_at, text, value FROM progress_reports WHERE indicator_id = $1 AND due_date = $2",
            &[&p.indicator_id, &p.due_date],
        )
        .await?
        .map(|r| -> Result<serde_json::Value> {
            let at: Option<time::OffsetDateTime> = r.try_get(0)?;
            let text: String = r.try_get(1)?;
            let value: Option<f64> = r.try_get(2)?;
            Ok(serde_json::json!({"reported_at": at.map(|a| a.to_string()), "text": text, "value": value}))
        })
        .transpose()?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO progress_reports (indicator_id, due_date, reported_at, text, value, public, author)
             VALUES ($1, $2, now(), $3, $4, $5, $6)
             ON CONFLICT (indicator_id, due_date) DO UPDATE SET reported_at = excluded.reported_at,
                 text = excluded.text, value = excluded.value, public = excluded.public, author = excluded.author
             RETURNING id",
            &[&p.indicator_id, &p.due_date, &p.text, &p.value, &p.public, &actor],
        )
        .await?
        .try_get(0)?;
    for e in &p.evidence {
        let size = i64::try_from(e.bytes.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO evidence (progress_report_id, file_name, content_type, size, bytes, author, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, now())",
            &[&id, &e.file_name, &e.content_type, &size, &e.bytes, &actor],
        )
        .await?;
    }
    touch(&tx, &served_by(&tx, action).await?).await?;
    audit(
        &tx,
        actor,
        "report",
        "progress_report",
        Some(id.to_string()),
        serde_json::json!({
            "before": before,
            "after": {"due_date": p.due_date.to_string(), "text": p.text, "value": p.value, "public": p.public,
                      "evidence": p.evidence.iter().map(|e| &e.file_name).collect::<Vec<_>>()},
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn evidence(client: &Object, id: i64) -> Result<Option<EvidenceFile>> {
    let Some(r) = client
        .query_opt(
            "SELECT e.id, e.file_name, e.content_type, e.size, e.bytes, p.public, p.id, a.institution_id
             FROM evidence e JOIN progress_reports p ON p.id = e.progress_report_id
             JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id WHERE e.id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(EvidenceFile {
        info: EvidenceInfo {
            id: r.try_get(0)?,
            file_name: r.try_get(1)?,
            content_type: r.try_get(2)?,
            size: r.try_get(3)?,
        },
        bytes: r.try_get(4)?,
        public: r.try_get(5)?,
        progress_report_id: r.try_get(6)?,
        institution_id: r.try_get(7)?,
    }))
}

pub(super) async fn set_status(
    client: &mut Object,
    actor: &str,
    subject: StatusSubject,
    status: ImplementationStatus,
    justification: &str,
) -> Result<()> {
    if justification.trim().is_empty() {
        return Err(StoreError::Invalid("a status needs a justification".into()));
    }
    let tx = client.transaction().await?;
    let (table, key, id) = subject.table();
    let (subjects, what) = subject.names();
    if tx
        .query_opt(
            &format!("SELECT id FROM {subjects} WHERE id = $1 FOR UPDATE"),
            &[&id],
        )
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    let before = tx
        .query_opt(
            &format!(
                "SELECT status FROM {table} WHERE {key} = $1 ORDER BY at DESC, id DESC LIMIT 1"
            ),
            &[&id],
        )
        .await?
        .map(|r| r.try_get::<_, String>(0))
        .transpose()?;
    let before = before
        .as_deref()
        .map(ImplementationStatus::parse)
        .transpose()
        .map_err(corrupt)?;
    tx.execute(
        &format!("INSERT INTO {table} ({key}, status, justification, author, at) VALUES ($1, $2, $3, $4, now())"),
        &[&id, &status.code(), &justification, &actor],
    )
    .await?;
    if status_regressed(before, status) {
        let b = before.map(|s| s.code()).unwrap_or_default();
        record_regression(
            &tx,
            RegressionKind::Status,
            subject,
            None,
            b,
            status.code(),
            actor,
        )
        .await?;
    }
    let touched = match subject {
        StatusSubject::Recommendation(r) => vec![r.0],
        StatusSubject::Cluster(c) => active_members(&tx, c).await?,
    };
    touch(&tx, &touched).await?;
    audit(
        &tx,
        actor,
        "update",
        &format!("{what}_status"),
        Some(id.to_string()),
        serde_json::json!({"before": before.map(|s| s.code()), "after": status.code(), "justification": justification}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn add_assessment(
    client: &mut Object,
    actor: &str,
    a: NewAssessment,
) -> Result<i64> {
    let tx = client.transaction().await?;
    let before = tx
        .query_opt(
            "SELECT status FROM assessments WHERE recommendation_id = $1 AND stakeholder = $2
                 AND institution_id IS NOT DISTINCT FROM $3
             ORDER BY at DESC, id DESC LIMIT 1",
            &[
                &a.recommendation_id.0,
                &a.stakeholder.code(),
                &a.institution_id,
            ],
        )
        .await?
        .map(|r| r.try_get::<_, String>(0))
        .transpose()?;
    let before = before
        .as_deref()
        .map(ImplementationStatus::parse)
        .transpose()
        .map_err(corrupt)?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO assessments (recommendation_id, stakeholder, institution_id, status, text, evidence, author, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING id",
            &[
                &a.recommendation_id.0, &a.stakeholder.code(), &a.institution_id, &a.status.code(), &a.text,
                &a.evidence, &a.author,
            ],
        )
        .await?
        .try_get(0)?;
    if status_regressed(before, a.status) {
        let b = before.map(|s| s.code()).unwrap_or_default();
        let subject = StatusSubject::Recommendation(a.recommendation_id);
        record_regression(
            &tx,
            RegressionKind::Assessment,
            subject,
            None,
            b,
            a.status.code(),
            actor,
        )
        .await?;
    }
    touch(&tx, &[a.recommendation_id.0]).await?;
    audit(
        &tx,
        actor,
        "create",
        // Named after the recommendation, so that its page's history shows it.
        "recommendation_assessment",
        Some(a.recommendation_id.0.to_string()),
        serde_json::json!({"assessment": id, "stakeholder": a.stakeholder.code(),
                           "before": before.map(|s| s.code()), "after": a.status.code()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// (id → person's latest status, id → progress of each action) for these subjects.
async fn status_facts(
    client: &impl deadpool_postgres::GenericClient,
    person_sql: &str,
    actions_sql: &str,
    ids: &[i64],
) -> Result<Facts> {
    let mut person = HashMap::new();
    for r in client.query(person_sql, &[&ids]).await? {
        person.insert(
            r.try_get(0)?,
            ImplementationStatus::parse(r.try_get(1)?).map_err(corrupt)?,
        );
    }
    let mut actions: HashMap<i64, HashMap<i64, ActionProgress>> = HashMap::new();
    for r in client.query(actions_sql, &[&ids]).await? {
        actions.entry(r.try_get(0)?).or_default().insert(
            r.try_get(1)?,
            ActionProgress::parse(r.try_get(2)?).map_err(corrupt)?,
        );
    }
    Ok((person, actions))
}

pub(super) async fn statuses(
    client: &impl deadpool_postgres::GenericClient,
    ids: &[RecommendationId],
) -> Result<Vec<CurrentStatus>> {
    let ids = raw(ids);
    let (person, actions) = status_facts(
        client,
        "SELECT DISTINCT ON (recommendation_id) recommendation_id, status FROM status_changes
         WHERE recommendation_id = ANY($1) ORDER BY recommendation_id, at DESC, id DESC",
        "SELECT ar.recommendation_id, a.id, a.progress FROM action_recommendations ar JOIN actions a ON a.id = ar.action_id
         WHERE ar.recommendation_id = ANY($1)
         UNION SELECT m.recommendation_id, a.id, a.progress FROM cluster_members m
             JOIN action_clusters ac ON ac.cluster_id = m.cluster_id JOIN actions a ON a.id = ac.action_id
         WHERE NOT m.removed AND m.recommendation_id = ANY($1)",
        &ids,
    )
    .await?;
    Ok(crate::tracking::current_statuses(
        &ids,
        &person,
        &actions,
        |id| (Some(RecommendationId(id)), None),
    ))
}

pub(super) async fn cluster_statuses(client: &Object, ids: &[i64]) -> Result<Vec<CurrentStatus>> {
    let (person, actions) = status_facts(
        client,
        "SELECT DISTINCT ON (cluster_id) cluster_id, status FROM cluster_status_changes
         WHERE cluster_id = ANY($1) ORDER BY cluster_id, at DESC, id DESC",
        "SELECT ac.cluster_id, a.id, a.progress FROM action_clusters ac JOIN actions a ON a.id = ac.action_id
         WHERE ac.cluster_id = ANY($1)",
        ids,
    )
    .await?;
    Ok(crate::tracking::current_statuses(
        ids,
        &person,
        &actions,
        |id| (None, Some(id)),
    ))
}

pub(super) async fn assessments(client: &Object, state: StateCode) -> Result<Vec<Assessment>> {
    client
        .query(
            "SELECT a.id, a.recommendation_id, a.stakeholder, a.institution_id, a.status, a.text, a.evidence,
                    a.author, a.at
             FROM assessments a JOIN recommendations r ON r.id = a.recommendation_id
             WHERE r.state_code = $1 ORDER BY a.at, a.id",
            &[&state.as_str()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Assessment {
                id: r.try_get(0)?,
                recommendation_id: RecommendationId(r.try_get(1)?),
                stakeholder: StakeholderKind::parse(r.try_get(2)?).map_err(corrupt)?,
                institution_id: r.try_get(3)?,
                status: ImplementationStatus::parse(r.try_get(4)?).map_err(corrupt)?,
                text: r.try_get(5)?,
                evidence: r.try_get(6)?,
                author: r.try_get(7)?,
                at: r.try_get(8)?,
            })
        })
        .collect()
}

pub(super) async fn regressions(
    client: &Object,
    state: StateCode,
) -> Result<Vec<RegressionRecord>> {
    client
        .query(
            "SELECT g.id, g.kind, g.recommendation_id, g.cluster_id, g.action_id, g.before, g.after,
                    g.reported_by, g.at
             FROM regressions g
             WHERE g.recommendation_id IN (SELECT id FROM recommendations WHERE state_code = $1)
                OR g.cluster_id IN (SELECT id FROM clusters WHERE state_code = $1)
             ORDER BY g.at DESC, g.id DESC",
            &[&state.as_str()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RegressionRecord {
                id: r.try_get(0)?,
                kind: RegressionKind::parse(r.try_get(1)?).map_err(corrupt)?,
                recommendation_id: r.try_get::<_, Option<i64>>(2)?.map(RecommendationId),
                cluster_id: r.try_get(3)?,
                action_id: r.try_get(4)?,
                before: r.try_get(5)?,
                after: r.try_get(6)?,
                reported_by: r.try_get(7)?,
                at: r.try_get(8)?,
            })
        })
        .collect()
}

pub(super) async fn deadlines(client: &Object, until: Date) -> Result<Vec<Deadline>> {
    let rows = client
        .query(
            "SELECT 'action', a.id, a.id, NULL::int8, a.title, a.institution_id, a.target_date FROM actions a
             WHERE a.target_date IS NOT NULL AND a.target_date <= $1 AND a.progress <> 'completed'
             UNION ALL
             SELECT 'report', p.id, a.id, i.id, i.name || ' — ' || a.title, a.institution_id, p.due_date
             FROM progress_reports p JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id
             WHERE p.reported_at IS NULL AND p.due_date <= $1
             ORDER BY 7, 1, 2",
            &[&until],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(Deadline {
            kind: if r.try_get::<_, &str>(0)? == "action" {
                DeadlineKind::ActionTarget
            } else {
                DeadlineKind::ProgressReport
            },
            id: r.try_get(1)?,
            action_id: r.try_get(2)?,
            indicator_id: r.try_get(3)?,
            title: r.try_get(4)?,
            institution_id: r.try_get(5)?,
            due: r.try_get(6)?,
            recommendation_ids: Vec::new(),
        });
    }
    let actions: Vec<i64> = out.iter().map(|d| d.action_id).collect();
    let mut recs: HashMap<i64, Vec<RecommendationId>> = HashMap::new();
    for r in client
        .query(
            "SELECT action_id, recommendation_id FROM action_recommendations WHERE action_id = ANY($1)
             ORDER BY recommendation_id",
            &[&actions],
        )
        .await?
    {
        recs.entry(r.try_get(0)?)
            .or_default()
            .push(RecommendationId(r.try_get(1)?));
    }
    for d in &mut out {
        d.recommendation_ids = recs.get(&d.action_id).cloned().unwrap_or_default();
    }
    Ok(out)
}

pub(super) async fn activity(client: &Object, state: StateCode) -> Result<Vec<Activity>> {
    let rows = client
        .query(
            "SELECT x.rid, x.at FROM (
                 SELECT a.recommendation_id AS rid, a.assigned_at AS at FROM assignments a
                 UNION ALL SELECT ar.recommendation_id, x.updated_at FROM action_recommendations ar
                     JOIN actions x ON x.id = ar.action_id
                 UNION ALL SELECT ar.recommendation_id, p.reported_at FROM action_recommendations ar
                     JOIN indicators i ON i.action_id = ar.action_id JOIN progress_reports p ON p.indicator_id = i.id
                 UNION ALL SELECT recommendation_id, at FROM status_changes
                 UNION ALL SELECT recommendation_id, at FROM assessments
             ) x JOIN recommendations r ON r.id = x.rid WHERE r.state_code = $1",
            &[&state.as_str()],
        )
        .await?;
    let rows = rows
        .iter()
        .map(|r| Ok((RecommendationId(r.try_get(0)?), r.try_get(1)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::tracking::latest_activity(rows))
}

pub(super) async fn recipients(client: &Object) -> Result<Vec<Recipient>> {
    client
        .query(
            "SELECT id, email, role, institution_id FROM users
             WHERE NOT disabled AND role IN ('focal_point', 'coordinator') ORDER BY id",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Recipient {
                user_id: r.try_get(0)?,
                email: r.try_get(1)?,
                role: r.try_get(2)?,
                institution_id: r.try_get(3)?,
            })
        })
        .collect()
}

pub(super) async fn claim_reminder(
    client: &mut Object,
    reminder: &Reminder,
) -> Result<Option<i64>> {
    let tx = client.transaction().await?;
    // A new key, or one whose last attempt failed before the server took the message.
    let Some(row) = tx
        .query_opt(
            "INSERT INTO reminder_deliveries (kind, item, due_date, user_id, state, claimed_at)
             VALUES ($1, $2, $3, $4, 'claimed', now())
             ON CONFLICT (kind, item, due_date, user_id) DO UPDATE SET state = 'claimed',
                 claimed_at = excluded.claimed_at, error = NULL
             WHERE reminder_deliveries.state = 'failed'
             RETURNING id",
            &[
                &reminder.kind.code(),
                &reminder.item,
                &reminder.due,
                &reminder.user_id,
            ],
        )
        .await?
    else {
        return Ok(None);
    };
    let claim: i64 = row.try_get(0)?;
    tx.execute(
        "INSERT INTO notifications (user_id, kind, subject, body, created_at, reminder_id)
         VALUES ($1, $2, $3, $4, now(), $5) ON CONFLICT (reminder_id) DO NOTHING",
        &[
            &reminder.user_id,
            &reminder.kind.code(),
            &reminder.subject,
            &reminder.body,
            &claim,
        ],
    )
    .await?;
    audit(
        &tx,
        "system",
        "claim",
        "reminder",
        Some(claim.to_string()),
        serde_json::json!({"kind": reminder.kind.code(), "item": reminder.item, "due": reminder.due.to_string(), "user": reminder.user_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(claim))
}

pub(super) async fn finish_reminder(
    client: &mut Object,
    claim: i64,
    outcome: std::result::Result<(), String>,
) -> Result<()> {
    let tx = client.transaction().await?;
    let (state, error) = match &outcome {
        Ok(()) => ("sent", None),
        Err(e) => ("failed", Some(e.as_str())),
    };
    let changed = tx
        .execute(
            "UPDATE reminder_deliveries SET state = $2, finished_at = now(), error = $3
             WHERE id = $1 AND state = 'claimed'",
            &[&claim, &state, &error],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("claimed reminder {claim}")));
    }
    audit(
        &tx,
        "system",
        state,
        "reminder",
        Some(claim.to_string()),
        serde_json::json!({"before": "claimed", "after": state, "error": error}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn notifications(client: &Object, user_id: i64) -> Result<Vec<Notification>> {
    client
        .query(
            "SELECT id, user_id, kind, subject, body, created_at, read_at IS NOT NULL FROM notifications
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
            &[&user_id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Notification {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                kind: r.try_get(2)?,
                subject: r.try_get(3)?,
                body: r.try_get(4)?,
                created_at: r.try_get(5)?,
                read: r.try_get(6)?,
            })
        })
        .collect()
}

pub(super) async fn mark_notifications_read(
    client: &mut Object,
    user_id: i64,
    ids: &[i64],
) -> Result<u64> {
    let tx = client.transaction().await?;
    let changed = tx
        .execute(
            "UPDATE notifications SET read_at = now() WHERE id = ANY($1) AND user_id = $2 AND read_at IS NULL",
            &[&ids, &user_id],
        )
        .await?;
    audit(
        &tx,
        &user_id.to_string(),
        "read",
        "notifications",
        Some(user_id.to_string()),
        serde_json::json!({"ids": ids, "changed": changed}),
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}
