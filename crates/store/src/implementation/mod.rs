//! What has been done about recommendations, read in one go: who is responsible, which
//! actions serve them, their status history, the stakeholders' assessments and the
//! indicators with their progress reports. Both backends read plain rows into the
//! structs below; turning them into domain values is written once, here.

use std::collections::{BTreeMap, HashMap};

use rightstrack_core::{
    Action, ActionKind, ActionProgress, Assessment, AssignmentRole, Funding, ImplementationStatus,
    Indicator, InstitutionKind, Legislation, LegislationStage, ProgressReport, RecommendationId,
    ReportingSchedule, StakeholderKind, StatusChange,
};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::sql::{args, unit, Database, Tx};
use crate::{Result, StoreError};

/// An institution responsible for a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignedInstitution {
    pub institution_id: i64,
    pub institution: String,
    pub kind: InstitutionKind,
    pub role: AssignmentRole,
}

/// An action serving a recommendation, with the name of the institution carrying it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImplementationAction {
    pub action: Action,
    pub institution: Option<String>,
    pub published: bool,
}

/// An indicator of one of the actions, with its progress reports by due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorProgress {
    pub indicator: Indicator,
    pub reports: Vec<ProgressReport>,
}

impl IndicatorProgress {
    /// The latest reported value, by due date.
    pub fn latest_value(&self) -> Option<(Date, f64)> {
        self.reports
            .iter()
            .rev()
            .find_map(|r| r.value.map(|v| (r.due_date, v)))
    }
}

/// An assessment with what the schema keeps beside the domain value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StakeholderAssessment {
    pub assessment: Assessment,
    /// The assessing institution's name, when the assessment names one.
    pub institution: Option<String>,
    pub published: bool,
}

/// Everything recorded about the implementation of one recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implementation {
    pub recommendation_id: RecommendationId,
    /// Leads first, then by institution name.
    pub assignments: Vec<AssignedInstitution>,
    /// By action id.
    pub actions: Vec<ImplementationAction>,
    /// Oldest first: the last one is the current status.
    pub status_history: Vec<StatusChange>,
    /// Oldest first.
    pub assessments: Vec<StakeholderAssessment>,
    /// The indicators of the actions above, by action then indicator id.
    pub indicators: Vec<IndicatorProgress>,
}

impl Implementation {
    pub fn empty(recommendation_id: RecommendationId) -> Self {
        Self {
            recommendation_id,
            assignments: Vec::new(),
            actions: Vec::new(),
            status_history: Vec::new(),
            assessments: Vec::new(),
            indicators: Vec::new(),
        }
    }

    /// The status recorded last, if any.
    pub fn current_status(&self) -> Option<&StatusChange> {
        self.status_history.last()
    }

    /// The latest assessment by one kind of stakeholder.
    pub fn latest_assessment(&self, by: StakeholderKind) -> Option<&StakeholderAssessment> {
        self.assessments
            .iter()
            .rev()
            .find(|a| a.assessment.stakeholder == by)
    }

    /// True when a status change went backwards on the implementation scale.
    pub fn regressed(&self) -> bool {
        self.status_history
            .windows(2)
            .any(|w| w[0].status.is_regression_to(w[1].status))
    }
}

pub(crate) struct AssignmentRow {
    pub recommendation_id: i64,
    pub institution_id: i64,
    pub institution: String,
    pub kind: String,
    pub role: String,
}

pub(crate) struct ActionRow {
    pub recommendation_id: i64,
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub institution_id: Option<i64>,
    pub institution: Option<String>,
    pub start_date: Option<Date>,
    pub target_date: Option<Date>,
    pub progress: String,
    pub budget_amount: Option<f64>,
    pub currency: Option<String>,
    pub funder: Option<String>,
    pub disbursed: Option<f64>,
    pub legislation_title: Option<String>,
    pub legislation_stage: Option<String>,
    pub legislation_committee_id: Option<i64>,
    pub published: bool,
}

pub(crate) struct IndicatorRow {
    pub id: i64,
    pub action_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub schedule: String,
}

pub(crate) struct ProgressRow {
    pub id: i64,
    pub indicator_id: i64,
    pub due_date: Date,
    pub reported_at: Option<OffsetDateTime>,
    pub text: String,
    pub value: Option<f64>,
    pub public: bool,
}

pub(crate) struct StatusRow {
    pub recommendation_id: i64,
    pub status: String,
    pub justification: String,
    pub author: String,
    pub at: OffsetDateTime,
}

pub(crate) struct AssessmentRow {
    pub id: i64,
    pub recommendation_id: i64,
    pub stakeholder: String,
    pub institution_id: Option<i64>,
    pub institution: Option<String>,
    pub status: String,
    pub text: String,
    pub evidence: Option<String>,
    pub author: String,
    pub at: OffsetDateTime,
    pub published: bool,
}

/// The rows a backend read for a set of recommendations, each list in the order the
/// queries' ORDER BY gives (see the backends).
#[derive(Default)]
pub(crate) struct ImplementationRows {
    pub assignments: Vec<AssignmentRow>,
    pub actions: Vec<ActionRow>,
    /// (action id, recommendation id) for every recommendation each action serves.
    pub action_links: Vec<(i64, i64)>,
    pub indicators: Vec<IndicatorRow>,
    pub progress: Vec<ProgressRow>,
    pub statuses: Vec<StatusRow>,
    pub assessments: Vec<AssessmentRow>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn action_progress(code: &str) -> Result<ActionProgress> {
    match code {
        "planned" => Ok(ActionProgress::Planned),
        "started" => Ok(ActionProgress::Started),
        "completed" => Ok(ActionProgress::Completed),
        other => Err(corrupt("action progress", other)),
    }
}

fn schedule(code: &str) -> Result<ReportingSchedule> {
    match code {
        "monthly" => Ok(ReportingSchedule::Monthly),
        "quarterly" => Ok(ReportingSchedule::Quarterly),
        "semi_annual" => Ok(ReportingSchedule::SemiAnnual),
        "annual" => Ok(ReportingSchedule::Annual),
        other => Err(corrupt("reporting schedule", other)),
    }
}

fn role(code: &str) -> Result<AssignmentRole> {
    match code {
        "lead" => Ok(AssignmentRole::Lead),
        "support" => Ok(AssignmentRole::Support),
        other => Err(corrupt("assignment role", other)),
    }
}

fn parsed<T, E: std::fmt::Display>(what: &str, r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn action(row: ActionRow, recommendation_ids: Vec<RecommendationId>) -> Result<Action> {
    let funding = match (row.budget_amount, row.currency) {
        (Some(amount), Some(currency)) => Some(Funding {
            amount,
            currency,
            funder: row.funder,
            disbursed: row.disbursed.unwrap_or(0.0),
        }),
        _ => None,
    };
    let legislation = match (row.legislation_title, row.legislation_stage) {
        (Some(title), Some(stage)) => Some(Legislation {
            title,
            stage: parsed("legislation stage", LegislationStage::parse(&stage))?,
            committee_id: row.legislation_committee_id,
        }),
        _ => None,
    };
    Ok(Action {
        id: row.id,
        title: row.title,
        description: row.description,
        kind: parsed("action kind", ActionKind::parse(&row.kind))?,
        institution_id: row.institution_id,
        start_date: row.start_date,
        target_date: row.target_date,
        progress: action_progress(&row.progress)?,
        funding,
        legislation,
        recommendation_ids,
    })
}

/// One [`Implementation`] per asked id, in the order asked (an id without any data gets
/// an empty one: "nothing recorded" is an answer too).
pub(crate) fn assemble(
    ids: &[RecommendationId],
    rows: ImplementationRows,
) -> Result<Vec<Implementation>> {
    let mut by_id: HashMap<i64, Implementation> = ids
        .iter()
        .map(|id| (id.0, Implementation::empty(*id)))
        .collect();

    for a in rows.assignments {
        if let Some(imp) = by_id.get_mut(&a.recommendation_id) {
            imp.assignments.push(AssignedInstitution {
                institution_id: a.institution_id,
                institution: a.institution,
                kind: parsed("institution kind", InstitutionKind::parse(&a.kind))?,
                role: role(&a.role)?,
            });
        }
    }

    let mut served: BTreeMap<i64, Vec<RecommendationId>> = BTreeMap::new();
    for (action_id, rec) in rows.action_links {
        served
            .entry(action_id)
            .or_default()
            .push(RecommendationId(rec));
    }
    let mut reports: BTreeMap<i64, Vec<ProgressReport>> = BTreeMap::new();
    for p in rows.progress {
        reports
            .entry(p.indicator_id)
            .or_default()
            .push(ProgressReport {
                id: p.id,
                indicator_id: p.indicator_id,
                due_date: p.due_date,
                reported_at: p.reported_at,
                text: p.text,
                value: p.value,
                public: p.public,
            });
    }
    let mut indicators: BTreeMap<i64, Vec<IndicatorProgress>> = BTreeMap::new();
    for i in rows.indicators {
        indicators
            .entry(i.action_id)
            .or_default()
            .push(IndicatorProgress {
                reports: reports.remove(&i.id).unwrap_or_default(),
                indicator: Indicator {
                    id: i.id,
                    action_id: i.action_id,
                    name: i.name,
                    unit: i.unit,
                    baseline: i.baseline,
                    target: i.target,
                    schedule: schedule(&i.schedule)?,
                },
            });
    }
    for row in rows.actions {
        let Some(imp) = by_id.get_mut(&row.recommendation_id) else {
            continue;
        };
        let action_id = row.id;
        imp.indicators
            .extend(indicators.get(&action_id).cloned().unwrap_or_default());
        let (institution, published) = (row.institution.clone(), row.published);
        imp.actions.push(ImplementationAction {
            action: action(row, served.get(&action_id).cloned().unwrap_or_default())?,
            institution,
            published,
        });
    }

    for s in rows.statuses {
        if let Some(imp) = by_id.get_mut(&s.recommendation_id) {
            imp.status_history.push(StatusChange {
                recommendation_id: RecommendationId(s.recommendation_id),
                status: parsed("status", ImplementationStatus::parse(&s.status))?,
                justification: s.justification,
                author: s.author,
                at: s.at,
            });
        }
    }
    for a in rows.assessments {
        if let Some(imp) = by_id.get_mut(&a.recommendation_id) {
            imp.assessments.push(StakeholderAssessment {
                assessment: Assessment {
                    id: a.id,
                    recommendation_id: RecommendationId(a.recommendation_id),
                    stakeholder: parsed("stakeholder", StakeholderKind::parse(&a.stakeholder))?,
                    institution_id: a.institution_id,
                    status: parsed("status", ImplementationStatus::parse(&a.status))?,
                    text: a.text,
                    evidence: a.evidence,
                    author: a.author,
                    at: a.at,
                },
                institution: a.institution,
                published: a.published,
            });
        }
    }

    Ok(ids.iter().filter_map(|id| by_id.remove(&id.0)).collect())
}

/// What is recorded about the implementation of `ids`, read from one snapshot.
pub(crate) async fn of(
    db: &impl Database,
    ids: &[RecommendationId],
) -> Result<Vec<Implementation>> {
    let ids = ids.to_vec();
    db.snapshot(unit!(|tx| {
        let rows = read(tx, &ids).await?;
        assemble(&ids, rows)
    }))
    .await
}

async fn read(tx: &mut dyn Tx, ids: &[RecommendationId]) -> Result<ImplementationRows> {
    let list = tx.in_list(1);
    let mut rows = ImplementationRows::default();
    let mut each =
        async |template: &str| tx.rows(&template.replace("{ids}", &list), args![ids]).await;
    for r in each(sql::ASSIGNMENTS).await? {
        rows.assignments.push(AssignmentRow {
            recommendation_id: r.get(0)?,
            institution_id: r.get(1)?,
            institution: r.get(2)?,
            kind: r.get(3)?,
            role: r.get(4)?,
        });
    }
    for r in each(sql::ACTIONS).await? {
        rows.actions.push(ActionRow {
            recommendation_id: r.get(0)?,
            id: r.get(1)?,
            title: r.get(2)?,
            description: r.get(3)?,
            kind: r.get(4)?,
            institution_id: r.get(5)?,
            institution: r.get(6)?,
            start_date: r.get(7)?,
            target_date: r.get(8)?,
            progress: r.get(9)?,
            budget_amount: r.get(10)?,
            currency: r.get(11)?,
            funder: r.get(12)?,
            disbursed: r.get(13)?,
            legislation_title: r.get(14)?,
            legislation_stage: r.get(15)?,
            legislation_committee_id: r.get(16)?,
            published: r.get(17)?,
        });
    }
    for r in each(sql::ACTION_LINKS).await? {
        rows.action_links.push((r.get(0)?, r.get(1)?));
    }
    for r in each(sql::INDICATORS).await? {
        rows.indicators.push(IndicatorRow {
            id: r.get(0)?,
            action_id: r.get(1)?,
            name: r.get(2)?,
            unit: r.get(3)?,
            baseline: r.get(4)?,
            target: r.get(5)?,
            schedule: r.get(6)?,
        });
    }
    for r in each(sql::PROGRESS).await? {
        rows.progress.push(ProgressRow {
            id: r.get(0)?,
            indicator_id: r.get(1)?,
            due_date: r.get(2)?,
            reported_at: r.get(3)?,
            text: r.get(4)?,
            value: r.get(5)?,
            public: r.get(6)?,
        });
    }
    for r in each(sql::STATUSES).await? {
        rows.statuses.push(StatusRow {
            recommendation_id: r.get(0)?,
            status: r.get(1)?,
            justification: r.get(2)?,
            author: r.get(3)?,
            at: r.get(4)?,
        });
    }
    for r in each(sql::ASSESSMENTS).await? {
        rows.assessments.push(AssessmentRow {
            id: r.get(0)?,
            recommendation_id: r.get(1)?,
            stakeholder: r.get(2)?,
            institution_id: r.get(3)?,
            institution: r.get(4)?,
            status: r.get(5)?,
            text: r.get(6)?,
            evidence: r.get(7)?,
            author: r.get(8)?,
            at: r.get(9)?,
            published: r.get(10)?,
        });
    }
    Ok(rows)
}

/// The queries, with `{ids}` standing for membership of the bound id list; each orders
/// its rows as [`assemble`] expects.
pub(crate) mod sql {
    pub const ASSIGNMENTS: &str = "SELECT a.recommendation_id, i.id, i.name, i.kind, a.role
         FROM assignments a JOIN institutions i ON i.id = a.institution_id
         WHERE a.recommendation_id {ids}
         ORDER BY a.recommendation_id, CASE a.role WHEN 'lead' THEN 0 ELSE 1 END, i.name";
    pub const ACTIONS: &str = "SELECT ar.recommendation_id, x.id, x.title, x.description, x.kind, x.institution_id, i.name,
                x.start_date, x.target_date, x.progress, x.budget_amount, x.currency, x.funder, x.disbursed,
                x.legislation_title, x.legislation_stage, x.legislation_committee_id, x.published
         FROM action_recommendations ar JOIN actions x ON x.id = ar.action_id
         LEFT JOIN institutions i ON i.id = x.institution_id
         WHERE ar.recommendation_id {ids}
         ORDER BY ar.recommendation_id, x.id";
    /// Every recommendation served by the actions serving the asked ones.
    pub const ACTION_LINKS: &str = "SELECT o.action_id, o.recommendation_id
         FROM action_recommendations o
         WHERE o.action_id IN (SELECT action_id FROM action_recommendations WHERE recommendation_id {ids})
         ORDER BY o.action_id, o.recommendation_id";
    pub const INDICATORS: &str = "SELECT n.id, n.action_id, n.name, n.unit, n.baseline, n.target, n.schedule
         FROM indicators n
         WHERE n.action_id IN (SELECT action_id FROM action_recommendations WHERE recommendation_id {ids})
         ORDER BY n.action_id, n.id";
    pub const PROGRESS: &str = "SELECT p.id, p.indicator_id, p.due_date, p.reported_at, p.text, p.value, p.public
         FROM progress_reports p JOIN indicators n ON n.id = p.indicator_id
         WHERE n.action_id IN (SELECT action_id FROM action_recommendations WHERE recommendation_id {ids})
         ORDER BY p.indicator_id, p.due_date";
    pub const STATUSES: &str = "SELECT recommendation_id, status, justification, author, at
         FROM status_changes WHERE recommendation_id {ids}
         ORDER BY recommendation_id, at, id";
    pub const ASSESSMENTS: &str =
        "SELECT s.id, s.recommendation_id, s.stakeholder, s.institution_id, i.name, s.status,
                s.text, s.evidence, s.author, s.at, s.published
         FROM assessments s LEFT JOIN institutions i ON i.id = s.institution_id
         WHERE s.recommendation_id {ids}
         ORDER BY s.recommendation_id, s.at, s.id";
}
