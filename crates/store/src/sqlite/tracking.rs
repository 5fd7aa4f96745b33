//! Implementation tracking in SQLite: each public function is one method of the
//! [`crate::Store`] trait, one transaction for each write.

use std::collections::{BTreeSet, HashMap};

use r2d2_sqlite::rusqlite::{
    self, params, params_from_iter, Connection, OptionalExtension, Transaction,
};
use rightstrack_core::signals::{law_repealed, status_regressed};
use rightstrack_core::{
    ActionProgress, Assessment, AssignmentRole, ImplementationStatus, Indicator, Institution,
    InstitutionKind, ProgressReport, RecommendationId, RegressionKind, ReportingSchedule,
    SchedulePlan, StakeholderKind, StateCode,
};
use time::Date;

use super::{audit, date_text, filter_sql, now, parse_date, parse_timestamp, touch};
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

fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn opt_date(s: Option<String>) -> Result<Option<Date>> {
    s.as_deref().map(parse_date).transpose()
}

fn institution_from(r: &rusqlite::Row<'_>) -> Result<Institution> {
    Ok(Institution {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: InstitutionKind::parse(&r.get::<_, String>(2)?).map_err(corrupt)?,
        parent_id: r.get(3)?,
        contact_name: r.get(4)?,
        contact_email: r.get(5)?,
    })
}

const INSTITUTION_COLUMNS: &str = "id, name, kind, parent_id, contact_name, contact_email";

fn institution(tx: &Transaction<'_>, id: i64) -> Result<Institution> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = ?1"
    ))?;
    let mut q = stmt.query([id])?;
    match q.next()? {
        Some(r) => institution_from(r),
        None => Err(StoreError::NotFound(format!("institution {id}"))),
    }
}

pub(super) fn update_institution(
    conn: &mut Connection,
    actor: &str,
    id: i64,
    new: NewInstitution,
) -> Result<()> {
    let tx = write_tx(conn)?;
    let before = institution(&tx, id)?;
    let mut parents = HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT id, parent_id FROM institutions")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            parents.insert(r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?);
        }
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
        "UPDATE institutions SET name = ?2, kind = ?3, parent_id = ?4, contact_name = ?5, contact_email = ?6,
             updated_at = ?7 WHERE id = ?1",
        params![id, new.name, new.kind.code(), new.parent_id, new.contact_name, new.contact_email, now()],
    )?;
    let after = institution(&tx, id)?;
    audit(
        &tx,
        actor,
        "update",
        "institution",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": after}),
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn institutions(conn: &mut Connection) -> Result<Vec<Institution>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INSTITUTION_COLUMNS} FROM institutions ORDER BY name, id"
    ))?;
    let mut q = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(institution_from(r)?);
    }
    Ok(out)
}

fn ids_of(
    tx: &Transaction<'_>,
    sql: &str,
    values: Vec<rusqlite::types::Value>,
) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare(sql)?;
    let ids = stmt
        .query_map(params_from_iter(values.iter()), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

/// The recommendations a target names, checked to exist; and the cluster, if any.
fn resolve_target(tx: &Transaction<'_>, target: &AssignTarget) -> Result<(Vec<i64>, Option<i64>)> {
    use rusqlite::types::Value as Sql;
    match target {
        AssignTarget::Recommendations(ids) => {
            let mut found = BTreeSet::new();
            for chunk in ids.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(",");
                found.extend(ids_of(
                    tx,
                    &format!("SELECT id FROM recommendations WHERE id IN ({marks})"),
                    chunk.iter().map(|i| Sql::Integer(i.0)).collect(),
                )?);
            }
            let missing: Vec<String> = ids
                .iter()
                .filter(|i| !found.contains(&i.0))
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
            let known: Option<i64> = tx
                .query_row("SELECT id FROM clusters WHERE id = ?1", [c], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("cluster {c}")));
            }
            let members = ids_of(
                tx,
                "SELECT recommendation_id FROM cluster_members WHERE cluster_id = ?1 AND removed = 0 ORDER BY recommendation_id",
                vec![Sql::Integer(*c)],
            )?;
            Ok((members, Some(*c)))
        }
        AssignTarget::Tag {
            filter,
            taxonomy,
            code,
        } => {
            let (where_sql, mut values) = filter_sql(filter);
            values.push(Sql::Text(taxonomy.code().to_string()));
            values.push(Sql::Text(canonical_code(*taxonomy, code)?));
            let n = values.len();
            let sql = format!(
                "SELECT r.id FROM recommendations r WHERE {where_sql} AND EXISTS (
                    SELECT 1 FROM recommendation_tags t JOIN terms ON terms.id = t.term_id
                    WHERE t.recommendation_id = r.id AND t.provenance <> 'model'
                      AND terms.taxonomy = ?{} AND terms.code = ?{n}) ORDER BY r.id",
                n - 1
            );
            Ok((ids_of(tx, &sql, values)?, None))
        }
        AssignTarget::Filter(filter) => {
            let (where_sql, values) = filter_sql(filter);
            Ok((
                ids_of(
                    tx,
                    &format!("SELECT r.id FROM recommendations r WHERE {where_sql} ORDER BY r.id"),
                    values,
                )?,
                None,
            ))
        }
    }
}

pub(super) fn assign(conn: &mut Connection, actor: &str, a: Assign) -> Result<AssignSummary> {
    a.check()?;
    let tx = write_tx(conn)?;
    for i in a.institutions() {
        institution(&tx, i)?;
    }
    let (recs, cluster) = resolve_target(&tx, &a.target)?;
    let stamp = now();
    let mut replaced: Vec<(i64, i64)> = Vec::new();
    for (table, key, ids) in [
        ("assignments", "recommendation_id", recs.clone()),
        (
            "cluster_assignments",
            "cluster_id",
            cluster.into_iter().collect::<Vec<_>>(),
        ),
    ] {
        let mut previous = tx.prepare_cached(&format!(
            "SELECT institution_id FROM {table} WHERE {key} = ?1 AND role = 'lead' AND institution_id <> ?2"
        ))?;
        let mut drop_lead = tx.prepare_cached(&format!(
            "DELETE FROM {table} WHERE {key} = ?1 AND role = 'lead' AND institution_id <> ?2"
        ))?;
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO {table} ({key}, institution_id, role, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT ({key}, institution_id) DO UPDATE SET role = excluded.role,
                 assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at"
        ))?;
        for id in &ids {
            if let Some(lead) = a.lead {
                for old in previous.query_map(params![id, lead], |r| r.get::<_, i64>(0))? {
                    replaced.push((*id, old?));
                }
                drop_lead.execute(params![id, lead])?;
            }
            for (institution, role) in a.roles() {
                upsert.execute(params![id, institution, role.code(), actor, stamp])?;
            }
        }
    }
    let rec_ids: Vec<RecommendationId> = recs.iter().copied().map(RecommendationId).collect();
    touch(&tx, &rec_ids)?;
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
    )?;
    tx.commit()?;
    Ok(AssignSummary {
        recommendations: recs.len(),
        clusters: usize::from(cluster.is_some()),
    })
}

pub(super) fn assignments(
    conn: &mut Connection,
    institution_id: Option<i64>,
) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT recommendation_id, NULL, institution_id, role FROM assignments WHERE ?1 IS NULL OR institution_id = ?1
         UNION ALL
         SELECT NULL, cluster_id, institution_id, role FROM cluster_assignments WHERE ?1 IS NULL OR institution_id = ?1
         ORDER BY 1, 2, 3",
    )?;
    let mut q = stmt.query([institution_id])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(Assignment {
            recommendation_id: r.get::<_, Option<i64>>(0)?.map(RecommendationId),
            cluster_id: r.get(1)?,
            institution_id: r.get(2)?,
            role: AssignmentRole::parse(&r.get::<_, String>(3)?).map_err(corrupt)?,
        });
    }
    Ok(out)
}

fn write_action_links(tx: &Transaction<'_>, id: i64, action: &NewAction) -> Result<()> {
    tx.execute(
        "DELETE FROM action_recommendations WHERE action_id = ?1",
        [id],
    )?;
    tx.execute("DELETE FROM action_clusters WHERE action_id = ?1", [id])?;
    let mut rec = tx.prepare_cached(
        "INSERT OR IGNORE INTO action_recommendations (action_id, recommendation_id) VALUES (?1, ?2)",
    )?;
    for r in &action.recommendation_ids {
        rec.execute(params![id, r.0])?;
    }
    let mut cluster = tx.prepare_cached(
        "INSERT OR IGNORE INTO action_clusters (action_id, cluster_id) VALUES (?1, ?2)",
    )?;
    for c in &action.cluster_ids {
        cluster.execute(params![id, c])?;
    }
    Ok(())
}

/// The recommendations an action's progress describes: linked directly or through a
/// cluster they are a member of.
fn served_by(tx: &Transaction<'_>, action: i64) -> Result<Vec<RecommendationId>> {
    let ids = ids_of(
        tx,
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = ?1
         UNION SELECT m.recommendation_id FROM action_clusters ac
             JOIN cluster_members m ON m.cluster_id = ac.cluster_id AND m.removed = 0
         WHERE ac.action_id = ?1",
        vec![rusqlite::types::Value::Integer(action)],
    )?;
    Ok(ids.into_iter().map(RecommendationId).collect())
}

pub(super) fn create_action(conn: &mut Connection, actor: &str, action: NewAction) -> Result<i64> {
    action.check()?;
    let tx = write_tx(conn)?;
    let stamp = now();
    let c = action.columns();
    tx.execute(
        "INSERT INTO actions (title, description, kind, institution_id, start_date, target_date, progress,
             budget_amount, currency, funder, disbursed, legislation_title, legislation_stage, legislation_committee_id,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
        params![
            action.title, action.description, action.kind.code(), action.institution_id,
            action.start_date.map(date_text), action.target_date.map(date_text), action.progress.code(),
            c.budget_amount, c.currency, c.funder, c.disbursed, c.legislation_title, c.legislation_stage,
            c.legislation_committee_id, stamp
        ],
    )?;
    let id = tx.last_insert_rowid();
    write_action_links(&tx, id, &action)?;
    touch(&tx, &served_by(&tx, id)?)?;
    audit(
        &tx,
        actor,
        "create",
        "action",
        Some(id.to_string()),
        serde_json::json!({"after": action}),
    )?;
    tx.commit()?;
    Ok(id)
}

fn load_actions(
    conn: &Connection,
    where_sql: &str,
    values: Vec<rusqlite::types::Value>,
) -> Result<Vec<ActionRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ACTION_COLUMNS} FROM actions a WHERE {where_sql} ORDER BY a.id"
    ))?;
    let mut q = stmt.query(params_from_iter(values.iter()))?;
    let mut rows = Vec::new();
    while let Some(r) = q.next()? {
        rows.push(ActionRow {
            id: r.get(0)?,
            title: r.get(1)?,
            description: r.get(2)?,
            kind: r.get(3)?,
            institution_id: r.get(4)?,
            start_date: opt_date(r.get(5)?)?,
            target_date: opt_date(r.get(6)?)?,
            progress: r.get(7)?,
            budget_amount: r.get(8)?,
            currency: r.get(9)?,
            funder: r.get(10)?,
            disbursed: r.get(11)?,
            legislation_title: r.get(12)?,
            legislation_stage: r.get(13)?,
            legislation_committee_id: r.get(14)?,
            updated_at: parse_timestamp(&r.get::<_, String>(15)?)?,
        });
    }
    let mut recs = conn.prepare_cached(
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = ?1 ORDER BY recommendation_id",
    )?;
    let mut clusters = conn.prepare_cached(
        "SELECT cluster_id FROM action_clusters WHERE action_id = ?1 ORDER BY cluster_id",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r = recs
            .query_map([row.id], |r| r.get(0).map(RecommendationId))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let c = clusters
            .query_map([row.id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        out.push(row.into_record(r, c)?);
    }
    Ok(out)
}

fn action_record(conn: &Connection, id: i64) -> Result<ActionRecord> {
    load_actions(conn, "a.id = ?1", vec![rusqlite::types::Value::Integer(id)])?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("action {id}")))
}

pub(super) fn actions(conn: &mut Connection, query: &ActionQuery) -> Result<Vec<ActionRecord>> {
    use rusqlite::types::Value as Sql;
    let mut clauses = vec!["TRUE".to_string()];
    let mut values = Vec::new();
    if let Some(i) = query.institution_id {
        values.push(Sql::Integer(i));
        clauses.push(format!("a.institution_id = ?{}", values.len()));
    }
    if let Some(r) = query.recommendation_id {
        values.push(Sql::Integer(r.0));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM action_recommendations ar WHERE ar.action_id = a.id AND ar.recommendation_id = ?{})",
            values.len()
        ));
    }
    if let Some(ids) = &query.ids {
        let marks: Vec<String> = ids
            .iter()
            .map(|id| {
                values.push(Sql::Integer(*id));
                format!("?{}", values.len())
            })
            .collect();
        clauses.push(format!(
            "a.id IN ({})",
            if marks.is_empty() {
                "NULL".to_string()
            } else {
                marks.join(",")
            }
        ));
    }
    load_actions(conn, &clauses.join(" AND "), values)
}

fn record_regression(
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
    tx.prepare_cached(
        "INSERT INTO regressions (kind, recommendation_id, cluster_id, action_id, before, after, reported_by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![kind.code(), rec, cluster, action, before, after, actor, now()])?;
    Ok(())
}

/// Records, as regressions reported by `actor`, the derived statuses that moved backwards
/// since `before` was read.
fn record_derived_regressions(
    tx: &Transaction<'_>,
    actor: &str,
    action: Option<i64>,
    before: &[CurrentStatus],
) -> Result<()> {
    let ids: Vec<RecommendationId> = before.iter().filter_map(|s| s.recommendation_id).collect();
    let after = statuses(tx, &ids)?;
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
        )?;
    }
    Ok(())
}

pub(super) fn update_action(
    conn: &mut Connection,
    actor: &str,
    id: i64,
    action: NewAction,
) -> Result<()> {
    action.check()?;
    let tx = write_tx(conn)?;
    let before = action_record(&tx, id)?;
    let served_before = served_by(&tx, id)?;
    let statuses_before = statuses(&tx, &served_before)?;
    let c = action.columns();
    tx.execute(
        "UPDATE actions SET title = ?2, description = ?3, kind = ?4, institution_id = ?5, start_date = ?6,
             target_date = ?7, progress = ?8, budget_amount = ?9, currency = ?10, funder = ?11, disbursed = ?12,
             legislation_title = ?13, legislation_stage = ?14, legislation_committee_id = ?15, updated_at = ?16
         WHERE id = ?1",
        params![
            id, action.title, action.description, action.kind.code(), action.institution_id,
            action.start_date.map(date_text), action.target_date.map(date_text), action.progress.code(),
            c.budget_amount, c.currency, c.funder, c.disbursed, c.legislation_title, c.legislation_stage,
            c.legislation_committee_id, now()
        ],
    )?;
    write_action_links(&tx, id, &action)?;
    let stage_before = before.action.legislation.as_ref().map(|l| l.stage);
    let stage_after = action.legislation.as_ref().map(|l| l.stage);
    if law_repealed(stage_before, stage_after) {
        let (b, a) = (
            stage_before.map(|s| s.code()).unwrap_or_default(),
            "repealed",
        );
        for r in &action.recommendation_ids {
            record_regression(
                &tx,
                RegressionKind::LawRepealed,
                StatusSubject::Recommendation(*r),
                Some(id),
                b,
                a,
                actor,
            )?;
        }
        for c in &action.cluster_ids {
            record_regression(
                &tx,
                RegressionKind::LawRepealed,
                StatusSubject::Cluster(*c),
                Some(id),
                b,
                a,
                actor,
            )?;
        }
    }
    let mut touched: BTreeSet<RecommendationId> = served_before.into_iter().collect();
    touched.extend(served_by(&tx, id)?);
    record_derived_regressions(&tx, actor, Some(id), &statuses_before)?;
    touch(&tx, &touched.into_iter().collect::<Vec<_>>())?;
    audit(
        &tx,
        actor,
        "update",
        "action",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": action}),
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn delete_action(conn: &mut Connection, actor: &str, id: i64) -> Result<()> {
    let tx = write_tx(conn)?;
    let before = action_record(&tx, id)?;
    let served = served_by(&tx, id)?;
    let statuses_before = statuses(&tx, &served)?;
    tx.execute("DELETE FROM actions WHERE id = ?1", [id])?;
    record_derived_regressions(&tx, actor, None, &statuses_before)?;
    touch(&tx, &served)?;
    audit(
        &tx,
        actor,
        "delete",
        "action",
        Some(id.to_string()),
        serde_json::json!({"before": before}),
    )?;
    tx.commit()?;
    Ok(())
}

fn action_of_indicator(tx: &Transaction<'_>, indicator: i64) -> Result<i64> {
    tx.query_row(
        "SELECT action_id FROM indicators WHERE id = ?1",
        [indicator],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("indicator {indicator}")))
}

fn insert_due_dates(tx: &Transaction<'_>, indicator: i64, dates: &[Date]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO progress_reports (indicator_id, due_date) VALUES (?1, ?2)",
    )?;
    for d in dates {
        stmt.execute(params![indicator, date_text(*d)])?;
    }
    Ok(())
}

pub(super) fn add_indicator(conn: &mut Connection, actor: &str, new: NewIndicator) -> Result<i64> {
    new.check()?;
    let tx = write_tx(conn)?;
    action_record(&tx, new.action_id)?;
    tx.execute(
        "INSERT INTO indicators (action_id, name, unit, baseline, target, schedule, schedule_start, schedule_end, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            new.action_id, new.name, new.unit, new.baseline, new.target, new.schedule.code(),
            date_text(new.start), date_text(new.end), now()
        ],
    )?;
    let id = tx.last_insert_rowid();
    let dates = new.schedule.due_dates(new.start, new.end);
    insert_due_dates(&tx, id, &dates)?;
    touch(&tx, &served_by(&tx, new.action_id)?)?;
    audit(
        &tx,
        actor,
        "create",
        "indicator",
        Some(id.to_string()),
        serde_json::json!({"action": new.action_id, "name": new.name, "schedule": new.schedule.code(), "due_dates": dates.len()}),
    )?;
    tx.commit()?;
    Ok(id)
}

pub(super) fn reschedule_indicator(
    conn: &mut Connection,
    actor: &str,
    id: i64,
    schedule: ReportingSchedule,
    start: Date,
    end: Date,
    today: Date,
) -> Result<SchedulePlan> {
    let tx = write_tx(conn)?;
    let (name, before): (String, String) = tx
        .query_row(
            "SELECT name, schedule FROM indicators WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("indicator {id}")))?;
    check_period(&name, start, end)?;
    let mut existing = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT due_date, reported_at IS NOT NULL FROM progress_reports WHERE indicator_id = ?1")?;
        let mut q = stmt.query([id])?;
        while let Some(r) = q.next()? {
            existing.push((parse_date(&r.get::<_, String>(0)?)?, r.get::<_, bool>(1)?));
        }
    }
    let plan = SchedulePlan::new(&existing, &schedule.due_dates(start, end), today);
    {
        let mut remove = tx.prepare_cached(
            "DELETE FROM progress_reports WHERE indicator_id = ?1 AND due_date = ?2 AND reported_at IS NULL",
        )?;
        for d in &plan.remove {
            remove.execute(params![id, date_text(*d)])?;
        }
    }
    insert_due_dates(&tx, id, &plan.add)?;
    tx.execute(
        "UPDATE indicators SET schedule = ?2, schedule_start = ?3, schedule_end = ?4 WHERE id = ?1",
        params![id, schedule.code(), date_text(start), date_text(end)],
    )?;
    let action = action_of_indicator(&tx, id)?;
    touch(&tx, &served_by(&tx, action)?)?;
    audit(
        &tx,
        actor,
        "reschedule",
        "indicator",
        Some(id.to_string()),
        serde_json::json!({"before": before, "after": schedule.code(), "removed": plan.remove.iter().map(|d| d.to_string()).collect::<Vec<_>>(), "added": plan.add.iter().map(|d| d.to_string()).collect::<Vec<_>>()}),
    )?;
    tx.commit()?;
    Ok(plan)
}

pub(super) fn indicators(conn: &mut Connection, action_id: i64) -> Result<Vec<IndicatorRecord>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, name, unit, baseline, target, schedule, schedule_start, schedule_end FROM indicators
         WHERE action_id = ?1 ORDER BY id",
    )?;
    let mut q = stmt.query([action_id])?;
    while let Some(r) = q.next()? {
        let start = opt_date(r.get(6)?)?;
        let end = opt_date(r.get(7)?)?;
        out.push(IndicatorRecord {
            indicator: Indicator {
                id: r.get(0)?,
                action_id,
                name: r.get(1)?,
                unit: r.get(2)?,
                baseline: r.get(3)?,
                target: r.get(4)?,
                schedule: ReportingSchedule::parse(&r.get::<_, String>(5)?).map_err(corrupt)?,
            },
            start: start.ok_or_else(|| corrupt("indicator without a reporting period"))?,
            end: end.ok_or_else(|| corrupt("indicator without a reporting period"))?,
            reports: Vec::new(),
        });
    }
    let mut reports = conn.prepare_cached(
        "SELECT id, due_date, reported_at, text, value, public, author FROM progress_reports
         WHERE indicator_id = ?1 ORDER BY due_date",
    )?;
    let mut evidence = conn.prepare_cached(
        "SELECT id, file_name, content_type, size FROM evidence WHERE progress_report_id = ?1 ORDER BY id",
    )?;
    for ind in &mut out {
        let mut q = reports.query([ind.indicator.id])?;
        while let Some(r) = q.next()? {
            let id: i64 = r.get(0)?;
            let files = evidence
                .query_map([id], |e| {
                    Ok(EvidenceInfo {
                        id: e.get(0)?,
                        file_name: e.get(1)?,
                        content_type: e.get(2)?,
                        size: e.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ind.reports.push(ProgressRecord {
                report: ProgressReport {
                    id,
                    indicator_id: ind.indicator.id,
                    due_date: parse_date(&r.get::<_, String>(1)?)?,
                    reported_at: r
                        .get::<_, Option<String>>(2)?
                        .as_deref()
                        .map(parse_timestamp)
                        .transpose()?,
                    text: r.get(3)?,
                    value: r.get(4)?,
                    public: r.get(5)?,
                },
                author: r.get(6)?,
                evidence: files,
            });
        }
    }
    Ok(out)
}

pub(super) fn report_progress(conn: &mut Connection, actor: &str, p: NewProgress) -> Result<i64> {
    p.check()?;
    let tx = write_tx(conn)?;
    let action = action_of_indicator(&tx, p.indicator_id)?;
    let before: Option<(Option<String>, String, Option<f64>)> = tx
        .query_row(
            "SELECT reported_at, text, value FROM progress_reports WHERE indicator_id = ?1 AND due_date = ?2",
            params![p.indicator_id, date_text(p.due_date)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let stamp = now();
    let id: i64 = tx.query_row(
        "INSERT INTO progress_reports (indicator_id, due_date, reported_at, text, value, public, author)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (indicator_id, due_date) DO UPDATE SET reported_at = excluded.reported_at, text = excluded.text,
             value = excluded.value, public = excluded.public, author = excluded.author
         RETURNING id",
        params![p.indicator_id, date_text(p.due_date), stamp, p.text, p.value, p.public, actor],
        |r| r.get(0),
    )?;
    {
        let mut add = tx.prepare_cached(
            "INSERT INTO evidence (progress_report_id, file_name, content_type, size, bytes, author, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for e in &p.evidence {
            add.execute(params![
                id,
                e.file_name,
                e.content_type,
                e.bytes.len() as i64,
                e.bytes,
                actor,
                stamp
            ])?;
        }
    }
    touch(&tx, &served_by(&tx, action)?)?;
    audit(
        &tx,
        actor,
        "report",
        "progress_report",
        Some(id.to_string()),
        serde_json::json!({
            "before": before.map(|(at, text, value)| serde_json::json!({"reported_at": at, "text": text, "value": value})),
            "after": {"due_date": p.due_date.to_string(), "text": p.text, "value": p.value, "public": p.public,
                      "evidence": p.evidence.iter().map(|e| &e.file_name).collect::<Vec<_>>()},
        }),
    )?;
    tx.commit()?;
    Ok(id)
}

pub(super) fn evidence(conn: &mut Connection, id: i64) -> Result<Option<EvidenceFile>> {
    let mut stmt = conn.prepare(
        "SELECT e.id, e.file_name, e.content_type, e.size, e.bytes, p.public, p.id, a.institution_id
         FROM evidence e JOIN progress_reports p ON p.id = e.progress_report_id
         JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id WHERE e.id = ?1",
    )?;
    let mut q = stmt.query([id])?;
    let Some(r) = q.next()? else { return Ok(None) };
    Ok(Some(EvidenceFile {
        info: EvidenceInfo {
            id: r.get(0)?,
            file_name: r.get(1)?,
            content_type: r.get(2)?,
            size: r.get(3)?,
        },
        bytes: r.get(4)?,
        public: r.get(5)?,
        progress_report_id: r.get(6)?,
        institution_id: r.get(7)?,
    }))
}

/// Appends to a status history, recording a step backwards as a regression.
pub(super) fn record_status(
    tx: &Transaction<'_>,
    actor: &str,
    subject: StatusSubject,
    status: ImplementationStatus,
    justification: &str,
) -> Result<()> {
    if justification.trim().is_empty() {
        return Err(StoreError::Invalid("a status needs a justification".into()));
    }
    let (table, key, id) = subject.table();
    let before: Option<String> = tx
        .query_row(
            &format!(
                "SELECT status FROM {table} WHERE {key} = ?1 ORDER BY at DESC, id DESC LIMIT 1"
            ),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let before = before
        .as_deref()
        .map(ImplementationStatus::parse)
        .transpose()
        .map_err(corrupt)?;
    tx.execute(
        &format!("INSERT INTO {table} ({key}, status, justification, author, at) VALUES (?1, ?2, ?3, ?4, ?5)"),
        params![id, status.code(), justification, actor, now()],
    )?;
    if status_regressed(before, status) {
        let b = before.map(|s| s.code()).unwrap_or_default();
        record_regression(
            tx,
            RegressionKind::Status,
            subject,
            None,
            b,
            status.code(),
            actor,
        )?;
    }
    let touched = match subject {
        StatusSubject::Recommendation(r) => vec![r],
        StatusSubject::Cluster(c) => super::active_members(tx, c)?,
    };
    touch(tx, &touched)?;
    audit(
        tx,
        actor,
        "update",
        &format!("{}_status", subject.names().1),
        Some(id.to_string()),
        serde_json::json!({"before": before.map(|s| s.code()), "after": status.code(), "justification": justification}),
    )?;
    Ok(())
}

pub(super) fn set_status(
    conn: &mut Connection,
    actor: &str,
    subject: StatusSubject,
    status: ImplementationStatus,
    justification: &str,
) -> Result<()> {
    let tx = write_tx(conn)?;
    let (_, _, id) = subject.table();
    let (table, what) = subject.names();
    let known: Option<i64> = tx
        .query_row(
            &format!("SELECT id FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if known.is_none() {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    record_status(&tx, actor, subject, status, justification)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn add_assessment(conn: &mut Connection, actor: &str, a: NewAssessment) -> Result<i64> {
    let tx = write_tx(conn)?;
    let before: Option<String> = tx
        .query_row(
            "SELECT status FROM assessments WHERE recommendation_id = ?1 AND stakeholder = ?2 AND institution_id IS ?3
             ORDER BY at DESC, id DESC LIMIT 1",
            params![a.recommendation_id.0, a.stakeholder.code(), a.institution_id],
            |r| r.get(0),
        )
        .optional()?;
    let before = before
        .as_deref()
        .map(ImplementationStatus::parse)
        .transpose()
        .map_err(corrupt)?;
    tx.execute(
        "INSERT INTO assessments (recommendation_id, stakeholder, institution_id, status, text, evidence, author, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![a.recommendation_id.0, a.stakeholder.code(), a.institution_id, a.status.code(), a.text, a.evidence, a.author, now()],
    )?;
    let id = tx.last_insert_rowid();
    if status_regressed(before, a.status) {
        let b = before.map(|s| s.code()).unwrap_or_default();
        record_regression(
            &tx,
            RegressionKind::Assessment,
            StatusSubject::Recommendation(a.recommendation_id),
            None,
            b,
            a.status.code(),
            actor,
        )?;
    }
    touch(&tx, &[a.recommendation_id])?;
    audit(
        &tx,
        actor,
        "create",
        // Named after the recommendation, so that its page's history shows it.
        "recommendation_assessment",
        Some(a.recommendation_id.0.to_string()),
        serde_json::json!({"assessment": id, "stakeholder": a.stakeholder.code(),
                           "before": before.map(|s| s.code()), "after": a.status.code()}),
    )?;
    tx.commit()?;
    Ok(id)
}

/// (id, person's latest status, progress of each action) for a chunk of subjects.
fn status_facts(
    conn: &Connection,
    person_sql: &str,
    actions_sql: &str,
    ids: &[i64],
) -> Result<Facts> {
    let mut person = HashMap::new();
    let mut actions: HashMap<i64, HashMap<i64, ActionProgress>> = HashMap::new();
    for chunk in ids.chunks(400) {
        // Numbered, so that a list used twice in one statement binds the same values.
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let marks = marks.join(",");
        let mut stmt = conn.prepare(&person_sql.replace("{ids}", &marks))?;
        let mut q = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = q.next()? {
            person.insert(
                r.get(0)?,
                ImplementationStatus::parse(&r.get::<_, String>(1)?).map_err(corrupt)?,
            );
        }
        let mut stmt = conn.prepare(&actions_sql.replace("{ids}", &marks))?;
        let mut q = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = q.next()? {
            actions.entry(r.get(0)?).or_default().insert(
                r.get(1)?,
                ActionProgress::parse(&r.get::<_, String>(2)?).map_err(corrupt)?,
            );
        }
    }
    Ok((person, actions))
}

pub(super) fn statuses(conn: &Connection, ids: &[RecommendationId]) -> Result<Vec<CurrentStatus>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let (person, actions) = status_facts(
        conn,
        "SELECT s.recommendation_id, s.status FROM status_changes s WHERE s.recommendation_id IN ({ids})
           AND s.id = (SELECT s2.id FROM status_changes s2 WHERE s2.recommendation_id = s.recommendation_id
                       ORDER BY s2.at DESC, s2.id DESC LIMIT 1)",
        "SELECT ar.recommendation_id, a.id, a.progress FROM action_recommendations ar JOIN actions a ON a.id = ar.action_id
         WHERE ar.recommendation_id IN ({ids})
         UNION SELECT m.recommendation_id, a.id, a.progress FROM cluster_members m
             JOIN action_clusters ac ON ac.cluster_id = m.cluster_id JOIN actions a ON a.id = ac.action_id
         WHERE m.removed = 0 AND m.recommendation_id IN ({ids})",
        &raw,
    )?;
    Ok(crate::tracking::current_statuses(
        &raw,
        &person,
        &actions,
        |id| (Some(RecommendationId(id)), None),
    ))
}

pub(super) fn cluster_statuses(conn: &mut Connection, ids: &[i64]) -> Result<Vec<CurrentStatus>> {
    let (person, actions) = status_facts(
        conn,
        "SELECT s.cluster_id, s.status FROM cluster_status_changes s WHERE s.cluster_id IN ({ids})
           AND s.id = (SELECT s2.id FROM cluster_status_changes s2 WHERE s2.cluster_id = s.cluster_id
                       ORDER BY s2.at DESC, s2.id DESC LIMIT 1)",
        "SELECT ac.cluster_id, a.id, a.progress FROM action_clusters ac JOIN actions a ON a.id = ac.action_id
         WHERE ac.cluster_id IN ({ids})",
        ids,
    )?;
    Ok(crate::tracking::current_statuses(
        ids,
        &person,
        &actions,
        |id| (None, Some(id)),
    ))
}

pub(super) fn assessments(conn: &mut Connection, state: StateCode) -> Result<Vec<Assessment>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.recommendation_id, a.stakeholder, a.institution_id, a.status, a.text, a.evidence, a.author, a.at
         FROM assessments a JOIN recommendations r ON r.id = a.recommendation_id
         WHERE r.state_code = ?1 ORDER BY a.at, a.id",
    )?;
    let mut q = stmt.query([state.as_str()])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(Assessment {
            id: r.get(0)?,
            recommendation_id: RecommendationId(r.get(1)?),
            stakeholder: StakeholderKind::parse(&r.get::<_, String>(2)?).map_err(corrupt)?,
            institution_id: r.get(3)?,
            status: ImplementationStatus::parse(&r.get::<_, String>(4)?).map_err(corrupt)?,
            text: r.get(5)?,
            evidence: r.get(6)?,
            author: r.get(7)?,
            at: parse_timestamp(&r.get::<_, String>(8)?)?,
        });
    }
    Ok(out)
}

pub(super) fn regressions(
    conn: &mut Connection,
    state: StateCode,
) -> Result<Vec<RegressionRecord>> {
    let mut stmt = conn.prepare(
        "SELECT g.id, g.kind, g.recommendation_id, g.cluster_id, g.action_id, g.before, g.after, g.reported_by, g.at
         FROM regressions g
         WHERE g.recommendation_id IN (SELECT id FROM recommendations WHERE state_code = ?1)
            OR g.cluster_id IN (SELECT id FROM clusters WHERE state_code = ?1)
         ORDER BY g.at DESC, g.id DESC",
    )?;
    let mut q = stmt.query([state.as_str()])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(RegressionRecord {
            id: r.get(0)?,
            kind: RegressionKind::parse(&r.get::<_, String>(1)?).map_err(corrupt)?,
            recommendation_id: r.get::<_, Option<i64>>(2)?.map(RecommendationId),
            cluster_id: r.get(3)?,
            action_id: r.get(4)?,
            before: r.get(5)?,
            after: r.get(6)?,
            reported_by: r.get(7)?,
            at: parse_timestamp(&r.get::<_, String>(8)?)?,
        });
    }
    Ok(out)
}

pub(super) fn deadlines(conn: &mut Connection, until: Date) -> Result<Vec<Deadline>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT 'action', a.id, a.id, NULL, a.title, a.institution_id, a.target_date FROM actions a
         WHERE a.target_date IS NOT NULL AND a.target_date <= ?1 AND a.progress <> 'completed'
         UNION ALL
         SELECT 'report', p.id, a.id, i.id, i.name || ' — ' || a.title, a.institution_id, p.due_date
         FROM progress_reports p JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id
         WHERE p.reported_at IS NULL AND p.due_date <= ?1
         ORDER BY 7, 1, 2",
    )?;
    let mut q = stmt.query([date_text(until)])?;
    while let Some(r) = q.next()? {
        out.push(Deadline {
            kind: if r.get::<_, String>(0)? == "action" {
                DeadlineKind::ActionTarget
            } else {
                DeadlineKind::ProgressReport
            },
            id: r.get(1)?,
            action_id: r.get(2)?,
            indicator_id: r.get(3)?,
            title: r.get(4)?,
            institution_id: r.get(5)?,
            due: parse_date(&r.get::<_, String>(6)?)?,
            recommendation_ids: Vec::new(),
        });
    }
    let mut recs = conn.prepare_cached(
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = ?1 ORDER BY recommendation_id",
    )?;
    for d in &mut out {
        d.recommendation_ids = recs
            .query_map([d.action_id], |r| r.get(0).map(RecommendationId))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    Ok(out)
}

pub(super) fn activity(conn: &mut Connection, state: StateCode) -> Result<Vec<Activity>> {
    let mut stmt = conn.prepare(
        "SELECT x.rid, x.at FROM (
             SELECT a.recommendation_id AS rid, a.assigned_at AS at FROM assignments a
             UNION ALL SELECT ar.recommendation_id, x.updated_at FROM action_recommendations ar JOIN actions x ON x.id = ar.action_id
             UNION ALL SELECT ar.recommendation_id, p.reported_at FROM action_recommendations ar
                 JOIN indicators i ON i.action_id = ar.action_id JOIN progress_reports p ON p.indicator_id = i.id
             UNION ALL SELECT recommendation_id, at FROM status_changes
             UNION ALL SELECT recommendation_id, at FROM assessments
         ) x JOIN recommendations r ON r.id = x.rid WHERE r.state_code = ?1",
    )?;
    let mut q = stmt.query([state.as_str()])?;
    let mut rows = Vec::new();
    while let Some(r) = q.next()? {
        let at: Option<String> = r.get(1)?;
        rows.push((
            RecommendationId(r.get(0)?),
            at.as_deref().map(parse_timestamp).transpose()?,
        ));
    }
    Ok(crate::tracking::latest_activity(rows))
}

pub(super) fn recipients(conn: &mut Connection) -> Result<Vec<Recipient>> {
    let mut stmt = conn.prepare(
        "SELECT id, email, role, institution_id FROM users
         WHERE disabled = 0 AND role IN ('focal_point', 'coordinator') ORDER BY id",
    )?;
    let out = stmt
        .query_map([], |r| {
            Ok(Recipient {
                user_id: r.get(0)?,
                email: r.get(1)?,
                role: r.get(2)?,
                institution_id: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(out)
}

pub(super) fn claim_reminder(conn: &mut Connection, reminder: &Reminder) -> Result<Option<i64>> {
    let tx = write_tx(conn)?;
    let stamp = now();
    // A new key, or one whose last attempt failed before the server took the message.
    let claim: Option<i64> = tx
        .query_row(
            "INSERT INTO reminder_deliveries (kind, item, due_date, user_id, state, claimed_at)
             VALUES (?1, ?2, ?3, ?4, 'claimed', ?5)
             ON CONFLICT (kind, item, due_date, user_id) DO UPDATE SET state = 'claimed', claimed_at = excluded.claimed_at,
                 error = NULL
             WHERE reminder_deliveries.state = 'failed'
             RETURNING id",
            params![reminder.kind.code(), reminder.item, date_text(reminder.due), reminder.user_id, stamp],
            |r| r.get(0),
        )
        .optional()?;
    let Some(claim) = claim else {
        return Ok(None);
    };
    tx.execute(
        "INSERT INTO notifications (user_id, kind, subject, body, created_at, reminder_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (reminder_id) DO NOTHING",
        params![reminder.user_id, reminder.kind.code(), reminder.subject, reminder.body, stamp, claim],
    )?;
    audit(
        &tx,
        "system",
        "claim",
        "reminder",
        Some(claim.to_string()),
        serde_json::json!({"kind": reminder.kind.code(), "item": reminder.item, "due": reminder.due.to_string(), "user": reminder.user_id}),
    )?;
    tx.commit()?;
    Ok(Some(claim))
}

pub(super) fn finish_reminder(
    conn: &mut Connection,
    claim: i64,
    outcome: std::result::Result<(), String>,
) -> Result<()> {
    let tx = write_tx(conn)?;
    let (state, error) = match &outcome {
        Ok(()) => ("sent", None),
        Err(e) => ("failed", Some(e.as_str())),
    };
    let changed = tx.execute(
        "UPDATE reminder_deliveries SET state = ?2, finished_at = ?3, error = ?4 WHERE id = ?1 AND state = 'claimed'",
        params![claim, state, now(), error],
    )?;
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
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn notifications(conn: &mut Connection, user_id: i64) -> Result<Vec<Notification>> {
    let mut stmt = conn.prepare(
        "SELECT id, user_id, kind, subject, body, created_at, read_at IS NOT NULL FROM notifications
         WHERE user_id = ?1 ORDER BY created_at DESC, id DESC",
    )?;
    let mut q = stmt.query([user_id])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        out.push(Notification {
            id: r.get(0)?,
            user_id: r.get(1)?,
            kind: r.get(2)?,
            subject: r.get(3)?,
            body: r.get(4)?,
            created_at: parse_timestamp(&r.get::<_, String>(5)?)?,
            read: r.get(6)?,
        });
    }
    Ok(out)
}

pub(super) fn mark_notifications_read(
    conn: &mut Connection,
    user_id: i64,
    ids: &[i64],
) -> Result<u64> {
    let tx = write_tx(conn)?;
    let stamp = now();
    let mut changed = 0;
    {
        let mut mark = tx.prepare_cached(
            "UPDATE notifications SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 AND read_at IS NULL",
        )?;
        for id in ids {
            changed += mark.execute(params![id, user_id, stamp])?;
        }
    }
    audit(
        &tx,
        &user_id.to_string(),
        "read",
        "notifications",
        Some(user_id.to_string()),
        serde_json::json!({"ids": ids, "changed": changed}),
    )?;
    tx.commit()?;
    Ok(changed as u64)
}
