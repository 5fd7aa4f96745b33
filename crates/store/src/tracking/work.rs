//! [`Tracking`] written once, for both backends.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use rightstrack_core::signals::{law_repealed, status_regressed};
use rightstrack_core::{
    ActionProgress, Assessment, AssignmentRole, ImplementationStatus, Indicator, Institution,
    InstitutionKind, ProgressReport, RecommendationId, RegressionKind, ReportingSchedule,
    SchedulePlan, StakeholderKind, StateCode,
};
use time::Date;

use super::{
    canonical_code, check_period, current_statuses, derived_regressions, latest_activity,
    would_loop, ActionRow, Facts, StatusSubject, Tracking, ACTION_COLUMNS,
};
use crate::clusters::active_members;
use crate::sql::{self, args, audit, touch, unit, Database, Param, SqlRow, Tx};
use crate::{
    ActionQuery, ActionRecord, Activity, Assign, AssignSummary, AssignTarget, Assignment,
    CurrentStatus, Deadline, DeadlineKind, EvidenceFile, EvidenceInfo, Implementation,
    IndicatorRecord, NewAction, NewAssessment, NewIndicator, NewInstitution, NewProgress,
    Notification, ProgressRecord, Recipient, RegressionRecord, Reminder, Result, SearchFacts,
    StoreError,
};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// A column holding a code, parsed with `parse`.
fn code<T, E: std::fmt::Display>(
    r: &SqlRow,
    i: usize,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    parse(&r.get::<String>(i)?).map_err(corrupt)
}

const INSTITUTION_COLUMNS: &str = "id, name, kind, parent_id, contact_name, contact_email";

fn institution_from(r: &SqlRow) -> Result<Institution> {
    Ok(Institution {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: code(r, 2, InstitutionKind::parse)?,
        parent_id: r.get(3)?,
        contact_name: r.get(4)?,
        contact_email: r.get(5)?,
    })
}

async fn institution(tx: &mut dyn Tx, id: i64) -> Result<Institution> {
    let sql = format!("SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = $1");
    match tx.optional_row(&sql, args![id]).await? {
        Some(r) => institution_from(&r),
        None => Err(StoreError::NotFound(format!("institution {id}"))),
    }
}

/// The first column of every row, as ids.
async fn ids_of(tx: &mut dyn Tx, sql: &str, params: &[Param]) -> Result<Vec<i64>> {
    tx.rows(sql, params)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The recommendations a target names, checked to exist; and the cluster, if any.
async fn resolve_target(tx: &mut dyn Tx, target: &AssignTarget) -> Result<(Vec<i64>, Option<i64>)> {
    match target {
        AssignTarget::Recommendations(ids) => {
            let sql = format!(
                "SELECT id FROM recommendations WHERE id {} ORDER BY id",
                tx.in_list(1)
            );
            let found: BTreeSet<i64> = ids_of(tx, &sql, args![ids.as_slice()])
                .await?
                .into_iter()
                .collect();
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
            let known = tx
                .optional_row("SELECT id FROM clusters WHERE id = $1", args![*c])
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("cluster {c}")));
            }
            let members = active_members(tx, *c).await?;
            Ok((members.into_iter().map(|m| m.0).collect(), Some(*c)))
        }
        AssignTarget::Tag {
            filter,
            taxonomy,
            code,
        } => {
            let (where_sql, mut values) = sql::filter(filter);
            values.push(Param::from(taxonomy.code()));
            values.push(Param::from(canonical_code(*taxonomy, code)?));
            let n = values.len();
            let sql = format!(
                "SELECT r.id FROM recommendations r WHERE {where_sql} AND EXISTS (
                    SELECT 1 FROM recommendation_tags t JOIN terms ON terms.id = t.term_id
                    WHERE t.recommendation_id = r.id AND t.provenance <> 'model'
                      AND terms.taxonomy = ${} AND terms.code = ${n}) ORDER BY r.id",
                n - 1
            );
            Ok((ids_of(tx, &sql, &values).await?, None))
        }
        AssignTarget::Filter(filter) => {
            let (where_sql, values) = sql::filter(filter);
            let sql = format!("SELECT r.id FROM recommendations r WHERE {where_sql} ORDER BY r.id");
            Ok((ids_of(tx, &sql, &values).await?, None))
        }
    }
}

async fn write_action_links(tx: &mut dyn Tx, id: i64, action: &NewAction) -> Result<()> {
    tx.execute(
        "DELETE FROM action_recommendations WHERE action_id = $1",
        args![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM action_clusters WHERE action_id = $1",
        args![id],
    )
    .await?;
    for r in &action.recommendation_ids {
        tx.execute(
            "INSERT INTO action_recommendations (action_id, recommendation_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            args![id, *r],
        )
        .await?;
    }
    for c in &action.cluster_ids {
        tx.execute(
            "INSERT INTO action_clusters (action_id, cluster_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            args![id, *c],
        )
        .await?;
    }
    Ok(())
}

/// The recommendations an action's progress describes: linked directly or through a
/// cluster they are a member of.
async fn served_by(tx: &mut dyn Tx, action: i64) -> Result<Vec<RecommendationId>> {
    let ids = ids_of(
        tx,
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = $1
         UNION SELECT m.recommendation_id FROM action_clusters ac
             JOIN cluster_members m ON m.cluster_id = ac.cluster_id AND m.removed = FALSE
         WHERE ac.action_id = $1",
        args![action],
    )
    .await?;
    Ok(ids.into_iter().map(RecommendationId).collect())
}

/// The actions matching `where_sql` (over the alias `a`), with what each serves.
async fn load_actions(
    tx: &mut dyn Tx,
    where_sql: &str,
    params: &[Param],
) -> Result<Vec<ActionRecord>> {
    let sql = format!("SELECT {ACTION_COLUMNS} FROM actions a WHERE {where_sql} ORDER BY a.id");
    let rows = tx.rows(&sql, params).await?;
    let ids = rows
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<i64>>>()?;
    let list = tx.in_list(1);
    let mut recs: HashMap<i64, Vec<RecommendationId>> = HashMap::new();
    let sql = format!(
        "SELECT action_id, recommendation_id FROM action_recommendations WHERE action_id {list}
         ORDER BY recommendation_id"
    );
    for r in tx.rows(&sql, args![ids.clone()]).await? {
        recs.entry(r.get(0)?)
            .or_default()
            .push(RecommendationId(r.get(1)?));
    }
    let mut clusters: HashMap<i64, Vec<i64>> = HashMap::new();
    let sql = format!(
        "SELECT action_id, cluster_id FROM action_clusters WHERE action_id {list} ORDER BY cluster_id"
    );
    for r in tx.rows(&sql, args![ids]).await? {
        clusters.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.get(0)?;
            ActionRow {
                id,
                title: r.get(1)?,
                description: r.get(2)?,
                kind: r.get(3)?,
                institution_id: r.get(4)?,
                start_date: r.get(5)?,
                target_date: r.get(6)?,
                progress: r.get(7)?,
                budget_amount: r.get(8)?,
                currency: r.get(9)?,
                funder: r.get(10)?,
                disbursed: r.get(11)?,
                legislation_title: r.get(12)?,
                legislation_stage: r.get(13)?,
                legislation_committee_id: r.get(14)?,
                updated_at: r.get(15)?,
            }
            .into_record(
                recs.remove(&id).unwrap_or_default(),
                clusters.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

async fn action_record(tx: &mut dyn Tx, id: i64) -> Result<ActionRecord> {
    load_actions(tx, "a.id = $1", args![id])
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("action {id}")))
}

async fn record_regression(
    tx: &mut dyn Tx,
    kind: RegressionKind,
    subject: StatusSubject,
    action: Option<i64>,
    (before, after): (&str, &str),
    actor: &str,
) -> Result<()> {
    let (rec, cluster) = match subject {
        StatusSubject::Recommendation(r) => (Some(r.0), None),
        StatusSubject::Cluster(c) => (None, Some(c)),
    };
    tx.execute(
        "INSERT INTO regressions (kind, recommendation_id, cluster_id, action_id, before, after, reported_by, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![kind.code(), rec, cluster, action, before, after, actor, Param::now()],
    )
    .await?;
    Ok(())
}

/// Records, as regressions reported by `actor`, the derived statuses that moved backwards
/// since `before` was read.
async fn record_derived_regressions(
    tx: &mut dyn Tx,
    actor: &str,
    action: Option<i64>,
    before: &[CurrentStatus],
) -> Result<()> {
    let ids: Vec<RecommendationId> = before.iter().filter_map(|s| s.recommendation_id).collect();
    let after = statuses(tx, &ids).await?;
    for (id, b, a) in derived_regressions(before, &after) {
        record_regression(
            tx,
            RegressionKind::Status,
            StatusSubject::Recommendation(id),
            action,
            (b.code(), a.code()),
            actor,
        )
        .await?;
    }
    Ok(())
}

/// The values of an action's columns, from `$1` on, in the order of
/// `ACTION_WRITE_COLUMNS`.
fn action_values(action: &NewAction) -> Vec<Param> {
    let c = action.columns();
    args![
        &action.title,
        &action.description,
        action.kind.code(),
        action.institution_id,
        action.start_date,
        action.target_date,
        action.progress.code(),
        c.budget_amount,
        c.currency,
        c.funder,
        c.disbursed,
        c.legislation_title,
        c.legislation_stage,
        c.legislation_committee_id,
        Param::now(),
    ]
    .to_vec()
}

/// The columns `action_values` fills, the last being `updated_at`.
const ACTION_WRITE_COLUMNS: [&str; 15] = [
    "title",
    "description",
    "kind",
    "institution_id",
    "start_date",
    "target_date",
    "progress",
    "budget_amount",
    "currency",
    "funder",
    "disbursed",
    "legislation_title",
    "legislation_stage",
    "legislation_committee_id",
    "updated_at",
];

async fn action_of_indicator(tx: &mut dyn Tx, indicator: i64) -> Result<i64> {
    tx.optional_row(
        "SELECT action_id FROM indicators WHERE id = $1",
        args![indicator],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("indicator {indicator}")))?
    .get(0)
}

async fn insert_due_dates(tx: &mut dyn Tx, indicator: i64, dates: &[Date]) -> Result<()> {
    for d in dates {
        tx.execute(
            "INSERT INTO progress_reports (indicator_id, due_date) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            args![indicator, *d],
        )
        .await?;
    }
    Ok(())
}

/// Appends to a status history, recording a step backwards as a regression. The subject
/// must exist (see [`set_status`]).
async fn record_status(
    tx: &mut dyn Tx,
    actor: &str,
    subject: StatusSubject,
    status: ImplementationStatus,
    justification: &str,
) -> Result<()> {
    let (table, key, id) = subject.table();
    let before: Option<String> = match tx
        .optional_row(
            &format!(
                "SELECT status FROM {table} WHERE {key} = $1 ORDER BY at DESC, id DESC LIMIT 1"
            ),
            args![id],
        )
        .await?
    {
        Some(r) => Some(r.get(0)?),
        None => None,
    };
    let before = before
        .as_deref()
        .map(ImplementationStatus::parse)
        .transpose()
        .map_err(corrupt)?;
    tx.execute(
        &format!(
            "INSERT INTO {table} ({key}, status, justification, author, at) VALUES ($1, $2, $3, $4, $5)"
        ),
        args![id, status.code(), justification, actor, Param::now()],
    )
    .await?;
    if status_regressed(before, status) {
        let b = before.map(|s| s.code()).unwrap_or_default();
        record_regression(
            tx,
            RegressionKind::Status,
            subject,
            None,
            (b, status.code()),
            actor,
        )
        .await?;
    }
    let touched = match subject {
        StatusSubject::Recommendation(r) => vec![r],
        StatusSubject::Cluster(c) => active_members(tx, c).await?,
    };
    touch(tx, &touched).await?;
    audit(
        tx,
        actor,
        "update",
        &format!("{}_status", subject.names().1),
        Some(id.to_string()),
        serde_json::json!({"before": before.map(|s| s.code()), "after": status.code(), "justification": justification}),
    )
    .await
}

/// Checks the subject and locks it (so that two people setting a status at once write
/// their histories one after the other), then records the status.
async fn set_status(
    tx: &mut dyn Tx,
    actor: &str,
    subject: StatusSubject,
    status: ImplementationStatus,
    justification: &str,
) -> Result<()> {
    if justification.trim().is_empty() {
        return Err(StoreError::Invalid("a status needs a justification".into()));
    }
    let (_, _, id) = subject.table();
    let (subjects, what) = subject.names();
    let sql = format!("SELECT id FROM {subjects} WHERE id = $1{}", tx.for_update());
    if tx.optional_row(&sql, args![id]).await?.is_none() {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    record_status(tx, actor, subject, status, justification).await
}

/// (id → person's latest status, id → progress of each action) for these subjects; each
/// statement names the bound list as `{ids}`.
async fn status_facts(
    tx: &mut dyn Tx,
    person_sql: &str,
    actions_sql: &str,
    ids: &[i64],
) -> Result<Facts> {
    let list = tx.in_list(1);
    let mut person = HashMap::new();
    for r in tx
        .rows(&person_sql.replace("{ids}", &list), args![ids.to_vec()])
        .await?
    {
        person.insert(r.get(0)?, code(&r, 1, ImplementationStatus::parse)?);
    }
    let mut actions: HashMap<i64, HashMap<i64, ActionProgress>> = HashMap::new();
    for r in tx
        .rows(&actions_sql.replace("{ids}", &list), args![ids.to_vec()])
        .await?
    {
        actions
            .entry(r.get(0)?)
            .or_default()
            .insert(r.get(1)?, code(&r, 2, ActionProgress::parse)?);
    }
    Ok((person, actions))
}

async fn statuses(tx: &mut dyn Tx, ids: &[RecommendationId]) -> Result<Vec<CurrentStatus>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let (person, actions) = status_facts(
        tx,
        "SELECT s.recommendation_id, s.status FROM status_changes s WHERE s.recommendation_id {ids}
           AND s.id = (SELECT s2.id FROM status_changes s2 WHERE s2.recommendation_id = s.recommendation_id
                       ORDER BY s2.at DESC, s2.id DESC LIMIT 1)",
        "SELECT ar.recommendation_id, a.id, a.progress FROM action_recommendations ar JOIN actions a ON a.id = ar.action_id
         WHERE ar.recommendation_id {ids}
         UNION SELECT m.recommendation_id, a.id, a.progress FROM cluster_members m
             JOIN action_clusters ac ON ac.cluster_id = m.cluster_id JOIN actions a ON a.id = ac.action_id
         WHERE m.removed = FALSE AND m.recommendation_id {ids}",
        &raw,
    )
    .await?;
    Ok(current_statuses(&raw, &person, &actions, |id| {
        (Some(RecommendationId(id)), None)
    }))
}

#[async_trait]
impl<D: Database> Tracking for D {
    async fn create_institution(&self, actor: &str, inst: NewInstitution) -> Result<i64> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let id = tx
                .insert_id(
                    "INSERT INTO institutions (name, kind, parent_id, contact_name, contact_email, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    args![&inst.name, inst.kind.code(), inst.parent_id, &inst.contact_name, &inst.contact_email, Param::now()],
                )
                .await?;
            audit(
                tx,
                &actor,
                "create",
                "institution",
                Some(id.to_string()),
                serde_json::json!({"name": inst.name, "kind": inst.kind.code()}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn create_action(&self, actor: &str, action: NewAction) -> Result<i64> {
        action.check()?;
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let mut values = action_values(&action);
            values.push(Param::now());
            let columns = ACTION_WRITE_COLUMNS.join(", ");
            let marks: Vec<String> = (1..=values.len()).map(|n| format!("${n}")).collect();
            let id = tx
                .insert_id(
                    &format!(
                        "INSERT INTO actions ({columns}, created_at) VALUES ({}) RETURNING id",
                        marks.join(", ")
                    ),
                    &values,
                )
                .await?;
            write_action_links(tx, id, &action).await?;
            let served = served_by(tx, id).await?;
            touch(tx, &served).await?;
            audit(
                tx,
                &actor,
                "create",
                "action",
                Some(id.to_string()),
                serde_json::json!({"after": action}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn set_status(
        &self,
        actor: &str,
        id: RecommendationId,
        status: ImplementationStatus,
        justification: &str,
    ) -> Result<()> {
        let (actor, justification) = (actor.to_string(), justification.to_string());
        self.write(unit!(|tx| set_status(
            tx,
            &actor,
            StatusSubject::Recommendation(id),
            status,
            &justification
        )
        .await))
            .await
    }

    async fn add_assessment(&self, actor: &str, a: NewAssessment) -> Result<i64> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let before: Option<String> = match tx
                .optional_row(
                    "SELECT status FROM assessments WHERE recommendation_id = $1 AND stakeholder = $2
                         AND institution_id IS NOT DISTINCT FROM $3
                     ORDER BY at DESC, id DESC LIMIT 1",
                    args![a.recommendation_id, a.stakeholder.code(), a.institution_id],
                )
                .await?
            {
                Some(r) => Some(r.get(0)?),
                None => None,
            };
            let before = before
                .as_deref()
                .map(ImplementationStatus::parse)
                .transpose()
                .map_err(corrupt)?;
            let id = tx
                .insert_id(
                    "INSERT INTO assessments (recommendation_id, stakeholder, institution_id, status, text, evidence, author, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    args![a.recommendation_id, a.stakeholder.code(), a.institution_id, a.status.code(), &a.text,
                          &a.evidence, &a.author, Param::now()],
                )
                .await?;
            if status_regressed(before, a.status) {
                let b = before.map(|s| s.code()).unwrap_or_default();
                record_regression(
                    tx,
                    RegressionKind::Assessment,
                    StatusSubject::Recommendation(a.recommendation_id),
                    None,
                    (b, a.status.code()),
                    &actor,
                )
                .await?;
            }
            touch(tx, &[a.recommendation_id]).await?;
            audit(
                tx,
                &actor,
                "create",
                // Named after the recommendation, so that its page's history shows it.
                "recommendation_assessment",
                Some(a.recommendation_id.0.to_string()),
                serde_json::json!({"assessment": id, "stakeholder": a.stakeholder.code(),
                                   "before": before.map(|s| s.code()), "after": a.status.code()}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn update_institution(&self, actor: &str, id: i64, new: NewInstitution) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let before = institution(tx, id).await?;
            let mut parents = HashMap::new();
            for r in tx.rows("SELECT id, parent_id FROM institutions", &[]).await? {
                parents.insert(r.get::<i64>(0)?, r.get::<Option<i64>>(1)?);
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
                     updated_at = $7 WHERE id = $1",
                args![id, &new.name, new.kind.code(), new.parent_id, &new.contact_name, &new.contact_email, Param::now()],
            )
            .await?;
            let after = institution(tx, id).await?;
            audit(
                tx,
                &actor,
                "update",
                "institution",
                Some(id.to_string()),
                serde_json::json!({"before": before, "after": after}),
            )
            .await
        }))
        .await
    }

    async fn institutions(&self) -> Result<Vec<Institution>> {
        self.read(unit!(|tx| {
            let sql = format!("SELECT {INSTITUTION_COLUMNS} FROM institutions ORDER BY name, id");
            tx.rows(&sql, &[])
                .await?
                .iter()
                .map(institution_from)
                .collect()
        }))
        .await
    }

    async fn assign(&self, actor: &str, a: Assign) -> Result<AssignSummary> {
        a.check()?;
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            for i in a.institutions() {
                institution(tx, i).await?;
            }
            let (recs, cluster) = resolve_target(tx, &a.target).await?;
            let stamp = Param::now();
            let mut replaced: Vec<(i64, i64)> = Vec::new();
            for (table, key, ids) in [
                ("assignments", "recommendation_id", recs.clone()),
                ("cluster_assignments", "cluster_id", cluster.into_iter().collect()),
            ] {
                let previous = format!(
                    "SELECT institution_id FROM {table} WHERE {key} = $1 AND role = 'lead' AND institution_id <> $2"
                );
                let drop_lead = format!(
                    "DELETE FROM {table} WHERE {key} = $1 AND role = 'lead' AND institution_id <> $2"
                );
                let upsert = format!(
                    "INSERT INTO {table} ({key}, institution_id, role, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT ({key}, institution_id) DO UPDATE SET role = excluded.role,
                         assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at"
                );
                for id in ids {
                    if let Some(lead) = a.lead {
                        for old in ids_of(tx, &previous, args![id, lead]).await? {
                            replaced.push((id, old));
                        }
                        tx.execute(&drop_lead, args![id, lead]).await?;
                    }
                    for (institution, role) in a.roles() {
                        tx.execute(
                            &upsert,
                            args![id, institution, role.code(), &actor, stamp.clone()],
                        )
                        .await?;
                    }
                }
            }
            let rec_ids: Vec<RecommendationId> = recs.iter().copied().map(RecommendationId).collect();
            touch(tx, &rec_ids).await?;
            audit(
                tx,
                &actor,
                "assign",
                "recommendations",
                cluster.map(|c| format!("cluster:{c}")),
                serde_json::json!({
                    "lead": a.lead, "support": a.support, "recommendations": recs, "cluster": cluster,
                    "replaced_leads": replaced,
                }),
            )
            .await?;
            Ok(AssignSummary {
                recommendations: recs.len(),
                clusters: usize::from(cluster.is_some()),
            })
        }))
        .await
    }

    async fn assignments(&self, institution_id: Option<i64>) -> Result<Vec<Assignment>> {
        self.read(unit!(|tx| {
            let (only, params) = match institution_id {
                Some(i) => ("WHERE institution_id = $1", vec![Param::from(i)]),
                None => ("", Vec::new()),
            };
            let sql = format!(
                "SELECT recommendation_id, CAST(NULL AS BIGINT), institution_id, role FROM assignments {only}
                 UNION ALL
                 SELECT CAST(NULL AS BIGINT), cluster_id, institution_id, role FROM cluster_assignments {only}
                 ORDER BY 1, 2, 3"
            );
            tx.rows(&sql, &params)
                .await?
                .iter()
                .map(|r| {
                    Ok(Assignment {
                        recommendation_id: r.get::<Option<i64>>(0)?.map(RecommendationId),
                        cluster_id: r.get(1)?,
                        institution_id: r.get(2)?,
                        role: code(r, 3, AssignmentRole::parse)?,
                    })
                })
                .collect()
        }))
        .await
    }

    async fn update_action(&self, actor: &str, id: i64, action: NewAction) -> Result<()> {
        action.check()?;
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let before = action_record(tx, id).await?;
            let served_before = served_by(tx, id).await?;
            let statuses_before = statuses(tx, &served_before).await?;
            let mut values = vec![Param::from(id)];
            values.extend(action_values(&action));
            let sets: Vec<String> = ACTION_WRITE_COLUMNS
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ${}", i + 2))
                .collect();
            tx.execute(
                &format!("UPDATE actions SET {} WHERE id = $1", sets.join(", ")),
                &values,
            )
            .await?;
            write_action_links(tx, id, &action).await?;
            let stage_before = before.action.legislation.as_ref().map(|l| l.stage);
            let stage_after = action.legislation.as_ref().map(|l| l.stage);
            if law_repealed(stage_before, stage_after) {
                let change = (
                    stage_before.map(|s| s.code()).unwrap_or_default(),
                    "repealed",
                );
                let subjects = action
                    .recommendation_ids
                    .iter()
                    .map(|r| StatusSubject::Recommendation(*r))
                    .chain(
                        action
                            .cluster_ids
                            .iter()
                            .map(|c| StatusSubject::Cluster(*c)),
                    );
                for subject in subjects {
                    record_regression(
                        tx,
                        RegressionKind::LawRepealed,
                        subject,
                        Some(id),
                        change,
                        &actor,
                    )
                    .await?;
                }
            }
            let mut touched: BTreeSet<RecommendationId> = served_before.into_iter().collect();
            touched.extend(served_by(tx, id).await?);
            record_derived_regressions(tx, &actor, Some(id), &statuses_before).await?;
            touch(tx, &touched.into_iter().collect::<Vec<_>>()).await?;
            audit(
                tx,
                &actor,
                "update",
                "action",
                Some(id.to_string()),
                serde_json::json!({"before": before, "after": action}),
            )
            .await
        }))
        .await
    }

    async fn delete_action(&self, actor: &str, id: i64) -> Result<()> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let before = action_record(tx, id).await?;
            let served = served_by(tx, id).await?;
            let statuses_before = statuses(tx, &served).await?;
            tx.execute("DELETE FROM actions WHERE id = $1", args![id])
                .await?;
            record_derived_regressions(tx, &actor, None, &statuses_before).await?;
            touch(tx, &served).await?;
            audit(
                tx,
                &actor,
                "delete",
                "action",
                Some(id.to_string()),
                serde_json::json!({"before": before}),
            )
            .await
        }))
        .await
    }

    async fn actions(&self, query: &ActionQuery) -> Result<Vec<ActionRecord>> {
        let query = query.clone();
        self.read(unit!(|tx| {
            let mut clauses = vec!["TRUE".to_string()];
            let mut values = Vec::new();
            if let Some(i) = query.institution_id {
                values.push(Param::from(i));
                clauses.push(format!("a.institution_id = ${}", values.len()));
            }
            if let Some(r) = query.recommendation_id {
                values.push(Param::from(r));
                clauses.push(format!(
                    "EXISTS (SELECT 1 FROM action_recommendations ar WHERE ar.action_id = a.id AND ar.recommendation_id = ${})",
                    values.len()
                ));
            }
            if let Some(ids) = query.ids {
                values.push(Param::Ints(ids));
                clauses.push(format!("a.id {}", tx.in_list(values.len())));
            }
            load_actions(tx, &clauses.join(" AND "), &values).await
        }))
        .await
    }

    async fn add_indicator(&self, actor: &str, new: NewIndicator) -> Result<i64> {
        new.check()?;
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            action_record(tx, new.action_id).await?;
            let id = tx
                .insert_id(
                    "INSERT INTO indicators (action_id, name, unit, baseline, target, schedule, schedule_start, schedule_end, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    args![new.action_id, &new.name, &new.unit, new.baseline, new.target, new.schedule.code(),
                          new.start, new.end, Param::now()],
                )
                .await?;
            let dates = new.schedule.due_dates(new.start, new.end);
            insert_due_dates(tx, id, &dates).await?;
            let served = served_by(tx, new.action_id).await?;
            touch(tx, &served).await?;
            audit(
                tx,
                &actor,
                "create",
                "indicator",
                Some(id.to_string()),
                serde_json::json!({"action": new.action_id, "name": new.name, "schedule": new.schedule.code(), "due_dates": dates.len()}),
            )
            .await?;
            Ok(id)
        }))
        .await
    }

    async fn reschedule_indicator(
        &self,
        actor: &str,
        id: i64,
        schedule: ReportingSchedule,
        start: Date,
        end: Date,
        today: Date,
    ) -> Result<SchedulePlan> {
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let sql = format!(
                "SELECT name, schedule FROM indicators WHERE id = $1{}",
                tx.for_update()
            );
            let row = tx
                .optional_row(&sql, args![id])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("indicator {id}")))?;
            let (name, before): (String, String) = (row.get(0)?, row.get(1)?);
            check_period(&name, start, end)?;
            let existing = tx
                .rows(
                    "SELECT due_date, reported_at IS NOT NULL FROM progress_reports WHERE indicator_id = $1",
                    args![id],
                )
                .await?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect::<Result<Vec<(Date, bool)>>>()?;
            let plan = SchedulePlan::new(&existing, &schedule.due_dates(start, end), today);
            for d in &plan.remove {
                tx.execute(
                    "DELETE FROM progress_reports WHERE indicator_id = $1 AND due_date = $2 AND reported_at IS NULL",
                    args![id, *d],
                )
                .await?;
            }
            insert_due_dates(tx, id, &plan.add).await?;
            tx.execute(
                "UPDATE indicators SET schedule = $2, schedule_start = $3, schedule_end = $4 WHERE id = $1",
                args![id, schedule.code(), start, end],
            )
            .await?;
            let action = action_of_indicator(tx, id).await?;
            let served = served_by(tx, action).await?;
            touch(tx, &served).await?;
            let dates = |ds: &[Date]| ds.iter().map(|d| d.to_string()).collect::<Vec<_>>();
            audit(
                tx,
                &actor,
                "reschedule",
                "indicator",
                Some(id.to_string()),
                serde_json::json!({"before": before, "after": schedule.code(), "removed": dates(&plan.remove), "added": dates(&plan.add)}),
            )
            .await?;
            Ok(plan)
        }))
        .await
    }

    async fn indicators(&self, action_id: i64) -> Result<Vec<IndicatorRecord>> {
        self.snapshot(unit!(|tx| {
            let mut out = Vec::new();
            for r in tx
                .rows(
                    "SELECT id, name, unit, baseline, target, schedule, schedule_start, schedule_end FROM indicators
                     WHERE action_id = $1 ORDER BY id",
                    args![action_id],
                )
                .await?
            {
                let period = |i| {
                    r.get::<Option<Date>>(i)?
                        .ok_or_else(|| corrupt("indicator without a reporting period"))
                };
                out.push(IndicatorRecord {
                    indicator: Indicator {
                        id: r.get(0)?,
                        action_id,
                        name: r.get(1)?,
                        unit: r.get(2)?,
                        baseline: r.get(3)?,
                        target: r.get(4)?,
                        schedule: code(&r, 5, ReportingSchedule::parse)?,
                    },
                    start: period(6)?,
                    end: period(7)?,
                    reports: Vec::new(),
                });
            }
            for ind in &mut out {
                let reports = tx
                    .rows(
                        "SELECT id, due_date, reported_at, text, value, public, author FROM progress_reports
                         WHERE indicator_id = $1 ORDER BY due_date",
                        args![ind.indicator.id],
                    )
                    .await?;
                for r in reports {
                    let id: i64 = r.get(0)?;
                    let evidence = tx
                        .rows(
                            "SELECT id, file_name, content_type, size FROM evidence WHERE progress_report_id = $1 ORDER BY id",
                            args![id],
                        )
                        .await?
                        .iter()
                        .map(|e| {
                            Ok(EvidenceInfo {
                                id: e.get(0)?,
                                file_name: e.get(1)?,
                                content_type: e.get(2)?,
                                size: e.get(3)?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    ind.reports.push(ProgressRecord {
                        report: ProgressReport {
                            id,
                            indicator_id: ind.indicator.id,
                            due_date: r.get(1)?,
                            reported_at: r.get(2)?,
                            text: r.get(3)?,
                            value: r.get(4)?,
                            public: r.get(5)?,
                        },
                        author: r.get(6)?,
                        evidence,
                    });
                }
            }
            Ok(out)
        }))
        .await
    }

    async fn report_progress(&self, actor: &str, p: NewProgress) -> Result<i64> {
        p.check()?;
        let actor = actor.to_string();
        self.write(unit!(|tx| {
            let action = action_of_indicator(tx, p.indicator_id).await?;
            let before = tx
                .optional_row(
                    "SELECT reported_at, text, value FROM progress_reports WHERE indicator_id = $1 AND due_date = $2",
                    args![p.indicator_id, p.due_date],
                )
                .await?;
            let before = match before {
                Some(r) => Some(serde_json::json!({
                    "reported_at": r.get::<Option<time::OffsetDateTime>>(0)?.map(crate::sqlite::timestamp),
                    "text": r.get::<String>(1)?,
                    "value": r.get::<Option<f64>>(2)?,
                })),
                None => None,
            };
            let stamp = Param::now();
            let id = tx
                .insert_id(
                    "INSERT INTO progress_reports (indicator_id, due_date, reported_at, text, value, public, author)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (indicator_id, due_date) DO UPDATE SET reported_at = excluded.reported_at, text = excluded.text,
                         value = excluded.value, public = excluded.public, author = excluded.author
                     RETURNING id",
                    args![p.indicator_id, p.due_date, stamp.clone(), &p.text, p.value, p.public, &actor],
                )
                .await?;
            for e in &p.evidence {
                tx.execute(
                    "INSERT INTO evidence (progress_report_id, file_name, content_type, size, bytes, author, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    args![id, &e.file_name, &e.content_type, i64::try_from(e.bytes.len()).unwrap_or(i64::MAX),
                          &e.bytes, &actor, stamp.clone()],
                )
                .await?;
            }
            let served = served_by(tx, action).await?;
            touch(tx, &served).await?;
            audit(
                tx,
                &actor,
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
            Ok(id)
        }))
        .await
    }

    async fn evidence(&self, id: i64) -> Result<Option<EvidenceFile>> {
        self.read(unit!(|tx| {
            let Some(r) = tx
                .optional_row(
                    "SELECT e.id, e.file_name, e.content_type, e.size, e.bytes, p.public, p.id, a.institution_id
                     FROM evidence e JOIN progress_reports p ON p.id = e.progress_report_id
                     JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id WHERE e.id = $1",
                    args![id],
                )
                .await?
            else {
                return Ok(None);
            };
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
        }))
        .await
    }

    async fn set_cluster_status(
        &self,
        actor: &str,
        cluster: i64,
        status: ImplementationStatus,
        justification: &str,
    ) -> Result<()> {
        let (actor, justification) = (actor.to_string(), justification.to_string());
        self.write(unit!(|tx| set_status(
            tx,
            &actor,
            StatusSubject::Cluster(cluster),
            status,
            &justification
        )
        .await))
            .await
    }

    async fn statuses(&self, ids: &[RecommendationId]) -> Result<Vec<CurrentStatus>> {
        let ids = ids.to_vec();
        self.snapshot(unit!(|tx| statuses(tx, &ids).await)).await
    }

    async fn cluster_statuses(&self, ids: &[i64]) -> Result<Vec<CurrentStatus>> {
        let ids = ids.to_vec();
        self.snapshot(unit!(|tx| {
            let (person, actions) = status_facts(
                tx,
                "SELECT s.cluster_id, s.status FROM cluster_status_changes s WHERE s.cluster_id {ids}
                   AND s.id = (SELECT s2.id FROM cluster_status_changes s2 WHERE s2.cluster_id = s.cluster_id
                               ORDER BY s2.at DESC, s2.id DESC LIMIT 1)",
                "SELECT ac.cluster_id, a.id, a.progress FROM action_clusters ac JOIN actions a ON a.id = ac.action_id
                 WHERE ac.cluster_id {ids}",
                &ids,
            )
            .await?;
            Ok(current_statuses(&ids, &person, &actions, |id| {
                (None, Some(id))
            }))
        }))
        .await
    }

    async fn assessments(&self, state: StateCode) -> Result<Vec<Assessment>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT a.id, a.recommendation_id, a.stakeholder, a.institution_id, a.status, a.text, a.evidence, a.author, a.at
                 FROM assessments a JOIN recommendations r ON r.id = a.recommendation_id
                 WHERE r.state_code = $1 ORDER BY a.at, a.id",
                args![state.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Assessment {
                    id: r.get(0)?,
                    recommendation_id: RecommendationId(r.get(1)?),
                    stakeholder: code(r, 2, StakeholderKind::parse)?,
                    institution_id: r.get(3)?,
                    status: code(r, 4, ImplementationStatus::parse)?,
                    text: r.get(5)?,
                    evidence: r.get(6)?,
                    author: r.get(7)?,
                    at: r.get(8)?,
                })
            })
            .collect()
        }))
        .await
    }

    async fn regressions(&self, state: StateCode) -> Result<Vec<RegressionRecord>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT g.id, g.kind, g.recommendation_id, g.cluster_id, g.action_id, g.before, g.after, g.reported_by, g.at
                 FROM regressions g
                 WHERE g.recommendation_id IN (SELECT id FROM recommendations WHERE state_code = $1)
                    OR g.cluster_id IN (SELECT id FROM clusters WHERE state_code = $1)
                 ORDER BY g.at DESC, g.id DESC",
                args![state.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(RegressionRecord {
                    id: r.get(0)?,
                    kind: code(r, 1, RegressionKind::parse)?,
                    recommendation_id: r.get::<Option<i64>>(2)?.map(RecommendationId),
                    cluster_id: r.get(3)?,
                    action_id: r.get(4)?,
                    before: r.get(5)?,
                    after: r.get(6)?,
                    reported_by: r.get(7)?,
                    at: r.get(8)?,
                })
            })
            .collect()
        }))
        .await
    }

    async fn deadlines(&self, until: Date) -> Result<Vec<Deadline>> {
        self.snapshot(unit!(|tx| {
            let rows = tx
                .rows(
                    "SELECT 'action', a.id, a.id, CAST(NULL AS BIGINT), a.title, a.institution_id, a.target_date FROM actions a
                     WHERE a.target_date IS NOT NULL AND a.target_date <= $1 AND a.progress <> 'completed'
                     UNION ALL
                     SELECT 'report', p.id, a.id, i.id, i.name || ' — ' || a.title, a.institution_id, p.due_date
                     FROM progress_reports p JOIN indicators i ON i.id = p.indicator_id JOIN actions a ON a.id = i.action_id
                     WHERE p.reported_at IS NULL AND p.due_date <= $1
                     ORDER BY 7, 1, 2",
                    args![until],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(Deadline {
                    kind: if r.get::<String>(0)? == "action" {
                        DeadlineKind::ActionTarget
                    } else {
                        DeadlineKind::ProgressReport
                    },
                    id: r.get(1)?,
                    action_id: r.get(2)?,
                    indicator_id: r.get(3)?,
                    title: r.get(4)?,
                    institution_id: r.get(5)?,
                    due: r.get(6)?,
                    recommendation_ids: Vec::new(),
                });
            }
            let actions: Vec<i64> = out.iter().map(|d| d.action_id).collect();
            let sql = format!(
                "SELECT action_id, recommendation_id FROM action_recommendations WHERE action_id {}
                 ORDER BY action_id, recommendation_id",
                tx.in_list(1)
            );
            let mut served: HashMap<i64, Vec<RecommendationId>> = HashMap::new();
            for r in tx.rows(&sql, args![actions]).await? {
                served
                    .entry(r.get(0)?)
                    .or_default()
                    .push(RecommendationId(r.get(1)?));
            }
            for d in &mut out {
                d.recommendation_ids = served.get(&d.action_id).cloned().unwrap_or_default();
            }
            Ok(out)
        }))
        .await
    }

    async fn activity(&self, state: StateCode) -> Result<Vec<Activity>> {
        self.read(unit!(|tx| {
            let rows = tx
                .rows(
                    "SELECT x.rid, x.at FROM (
                         SELECT a.recommendation_id AS rid, a.assigned_at AS at FROM assignments a
                         UNION ALL SELECT ar.recommendation_id, x.updated_at FROM action_recommendations ar JOIN actions x ON x.id = ar.action_id
                         UNION ALL SELECT ar.recommendation_id, p.reported_at FROM action_recommendations ar
                             JOIN indicators i ON i.action_id = ar.action_id JOIN progress_reports p ON p.indicator_id = i.id
                         UNION ALL SELECT recommendation_id, at FROM status_changes
                         UNION ALL SELECT recommendation_id, at FROM assessments
                     ) x JOIN recommendations r ON r.id = x.rid WHERE r.state_code = $1",
                    args![state.as_str()],
                )
                .await?
                .iter()
                .map(|r| Ok((RecommendationId(r.get(0)?), r.get(1)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(latest_activity(rows))
        }))
        .await
    }

    async fn recipients(&self) -> Result<Vec<Recipient>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT id, email, role, institution_id FROM users
                 WHERE disabled = FALSE AND role IN ('focal_point', 'coordinator') ORDER BY id",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Recipient {
                    user_id: r.get(0)?,
                    email: r.get(1)?,
                    role: r.get(2)?,
                    institution_id: r.get(3)?,
                })
            })
            .collect()
        }))
        .await
    }

    async fn claim_reminder(&self, reminder: &Reminder) -> Result<Option<i64>> {
        let reminder = reminder.clone();
        self.write(unit!(|tx| {
            let stamp = Param::now();
            // A new key, or one whose last attempt failed before the server took the message.
            let claim = tx
                .optional_row(
                    "INSERT INTO reminder_deliveries (kind, item, due_date, user_id, state, claimed_at)
                     VALUES ($1, $2, $3, $4, 'claimed', $5)
                     ON CONFLICT (kind, item, due_date, user_id) DO UPDATE SET state = 'claimed',
                         claimed_at = excluded.claimed_at, error = NULL
                     WHERE reminder_deliveries.state = 'failed'
                     RETURNING id",
                    args![reminder.kind.code(), &reminder.item, reminder.due, reminder.user_id, stamp.clone()],
                )
                .await?;
            let Some(claim) = claim else {
                return Ok(None);
            };
            let claim: i64 = claim.get(0)?;
            tx.execute(
                "INSERT INTO notifications (user_id, kind, subject, body, created_at, reminder_id)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (reminder_id) DO NOTHING",
                args![reminder.user_id, reminder.kind.code(), &reminder.subject, &reminder.body, stamp, claim],
            )
            .await?;
            audit(
                tx,
                "system",
                "claim",
                "reminder",
                Some(claim.to_string()),
                serde_json::json!({"kind": reminder.kind.code(), "item": reminder.item, "due": reminder.due.to_string(), "user": reminder.user_id}),
            )
            .await?;
            Ok(Some(claim))
        }))
        .await
    }

    async fn finish_reminder(
        &self,
        claim: i64,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        self.write(unit!(|tx| {
            let (state, error) = match &outcome {
                Ok(()) => ("sent", None),
                Err(e) => ("failed", Some(e.as_str())),
            };
            let changed = tx
                .execute(
                    "UPDATE reminder_deliveries SET state = $2, finished_at = $3, error = $4
                     WHERE id = $1 AND state = 'claimed'",
                    args![claim, state, Param::now(), error],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("claimed reminder {claim}")));
            }
            audit(
                tx,
                "system",
                state,
                "reminder",
                Some(claim.to_string()),
                serde_json::json!({"before": "claimed", "after": state, "error": error}),
            )
            .await
        }))
        .await
    }

    async fn notifications(&self, user_id: i64) -> Result<Vec<Notification>> {
        self.read(unit!(|tx| {
            tx.rows(
                "SELECT id, user_id, kind, subject, body, created_at, read_at IS NOT NULL FROM notifications
                 WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                args![user_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Notification {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    kind: r.get(2)?,
                    subject: r.get(3)?,
                    body: r.get(4)?,
                    created_at: r.get(5)?,
                    read: r.get(6)?,
                })
            })
            .collect()
        }))
        .await
    }

    async fn mark_notifications_read(&self, user_id: i64, ids: &[i64]) -> Result<u64> {
        let ids = ids.to_vec();
        self.write(unit!(|tx| {
            let sql = format!(
                "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND id {}",
                tx.in_list(3)
            );
            let changed = tx
                .execute(&sql, args![user_id, Param::now(), ids.clone()])
                .await?;
            audit(
                tx,
                &user_id.to_string(),
                "read",
                "notifications",
                Some(user_id.to_string()),
                serde_json::json!({"ids": ids, "changed": changed}),
            )
            .await?;
            Ok(changed)
        }))
        .await
    }

    async fn implementation_of(&self, ids: &[RecommendationId]) -> Result<Vec<Implementation>> {
        crate::implementation::of(self, ids).await
    }

    async fn search_facts(&self, ids: &[RecommendationId]) -> Result<Vec<SearchFacts>> {
        crate::search_facts::of(self, ids).await
    }
}
