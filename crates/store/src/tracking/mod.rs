//! Implementation tracking as stored: the [`Tracking`] methods, the values they take and
//! return, and their rules (what a status is, how a write is checked). The units of work,
//! written once for both backends, are in `work.rs`. Signals and dashboards built from
//! several reads are in [`crate::signals`].

mod work;

use std::collections::HashMap;

use rightstrack_core::{
    evidence::CheckedEvidence, Action, ActionKind, ActionProgress, AssignmentRole, Funding,
    ImplementationStatus, Indicator, Legislation, LegislationStage, ProgressReport,
    RecommendationId, RegressionKind, ReminderKind, ReportingSchedule, Taxonomy,
};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{
    Implementation, NewAssessment, NewInstitution, RecommendationFilter, Result, SearchFacts,
    StoreError,
};
use async_trait::async_trait;
use rightstrack_core::{Assessment, Institution, SchedulePlan, StateCode};

/// Implementation tracking: institutions, assignments, actions, indicators and progress,
/// statuses, assessments, regressions, deadlines and reminders. Each method is one unit of
/// work in one transaction.
#[async_trait]
pub trait Tracking: Send + Sync {
    async fn create_institution(&self, actor: &str, institution: NewInstitution) -> Result<i64>;

    async fn create_action(&self, actor: &str, action: NewAction) -> Result<i64>;

    /// Records a recommendation's implementation status, with its justification; the
    /// history is kept.
    async fn set_status(
        &self,
        actor: &str,
        id: RecommendationId,
        status: ImplementationStatus,
        justification: &str,
    ) -> Result<()>;

    async fn add_assessment(&self, actor: &str, assessment: NewAssessment) -> Result<i64>;

    /// Replaces an institution's name, kind, parent and contact; a parent that would make
    /// the hierarchy a loop is refused.
    async fn update_institution(
        &self,
        actor: &str,
        id: i64,
        institution: NewInstitution,
    ) -> Result<()>;

    /// Every institution, by name.
    async fn institutions(&self) -> Result<Vec<Institution>>;

    /// Assigns many recommendations (and a cluster's plan) at once; see [`Assign`].
    async fn assign(&self, actor: &str, assign: Assign) -> Result<AssignSummary>;

    /// The assignments of one institution, or all.
    async fn assignments(&self, institution_id: Option<i64>) -> Result<Vec<Assignment>>;

    /// Replaces an action's fields and links. A law moving from adopted or in force to
    /// repealed is recorded as a regression of each recommendation the action serves.
    async fn update_action(&self, actor: &str, id: i64, action: NewAction) -> Result<()>;

    /// Deletes an action with its indicators and reports; the statuses derived from it
    /// follow.
    async fn delete_action(&self, actor: &str, id: i64) -> Result<()>;

    async fn actions(&self, query: &ActionQuery) -> Result<Vec<ActionRecord>>;

    /// Adds an indicator and its due dates.
    async fn add_indicator(&self, actor: &str, indicator: NewIndicator) -> Result<i64>;

    /// Changes an indicator's schedule: the due dates on or after `today` without a report
    /// follow it; see [`SchedulePlan`].
    async fn reschedule_indicator(
        &self,
        actor: &str,
        id: i64,
        schedule: ReportingSchedule,
        start: time::Date,
        end: time::Date,
        today: time::Date,
    ) -> Result<SchedulePlan>;

    /// The indicators of an action with every due date and report.
    async fn indicators(&self, action_id: i64) -> Result<Vec<IndicatorRecord>>;

    /// Files a report against a due date, with its evidence. Returns the report's id.
    async fn report_progress(&self, actor: &str, progress: NewProgress) -> Result<i64>;

    /// One attachment with what an access decision needs.
    async fn evidence(&self, id: i64) -> Result<Option<EvidenceFile>>;

    /// A person's status for a cluster, with justification; the history is kept and a step
    /// backwards is recorded as a regression.
    async fn set_cluster_status(
        &self,
        actor: &str,
        cluster: i64,
        status: ImplementationStatus,
        justification: &str,
    ) -> Result<()>;

    /// The current status of each recommendation, person's or derived; see
    /// [`CurrentStatus`]. Actions count when linked to the recommendation or to a cluster
    /// it belongs to.
    async fn statuses(&self, ids: &[RecommendationId]) -> Result<Vec<CurrentStatus>>;

    async fn cluster_statuses(&self, ids: &[i64]) -> Result<Vec<CurrentStatus>>;

    /// Every assessment of the recommendations of a state, oldest first.
    async fn assessments(&self, state: StateCode) -> Result<Vec<Assessment>>;

    /// The regressions recorded for a state, newest first.
    async fn regressions(&self, state: StateCode) -> Result<Vec<RegressionRecord>>;

    /// Unfinished actions with a target date and unreported due dates, up to `until`
    /// (inclusive), earliest first.
    async fn deadlines(&self, until: time::Date) -> Result<Vec<Deadline>>;

    /// When each assigned or acted-upon recommendation of a state last changed.
    async fn activity(&self, state: StateCode) -> Result<Vec<Activity>>;

    /// Enabled users who may get reminders: focal points and coordinators.
    async fn recipients(&self) -> Result<Vec<Recipient>>;

    /// Claims a reminder and records its in-app notification, in one transaction. `None`
    /// when it was claimed before (sent, or being sent): it must not be sent again.
    async fn claim_reminder(&self, reminder: &Reminder) -> Result<Option<i64>>;

    /// Records the outcome of sending a claimed reminder.
    async fn finish_reminder(
        &self,
        claim: i64,
        outcome: std::result::Result<(), String>,
    ) -> Result<()>;

    /// A user's notifications, newest first.
    async fn notifications(&self, user_id: i64) -> Result<Vec<Notification>>;

    /// Marks these notifications of a user as read (another user's are left alone).
    /// Returns how many changed.
    async fn mark_notifications_read(&self, user_id: i64, ids: &[i64]) -> Result<u64>;
    /// What has been recorded about the implementation of these recommendations, one
    /// [`Implementation`] per id in the order given (empty where nothing is recorded),
    /// read from one snapshot of the database.
    async fn implementation_of(&self, ids: &[RecommendationId]) -> Result<Vec<Implementation>>;

    /// What the search index records about these recommendations beyond their rows (see
    /// [`SearchFacts`]), one per id in the order given, read from one snapshot.
    async fn search_facts(&self, ids: &[RecommendationId]) -> Result<Vec<SearchFacts>>;
}

/// Which recommendations a bulk assignment is for.
#[derive(Debug, Clone)]
pub enum AssignTarget {
    Recommendations(Vec<RecommendationId>),
    /// The cluster itself (its plan) and each of its current members.
    Cluster(i64),
    /// Every recommendation matching the filter that carries this tag from a source or a
    /// person (a model's suggestion is not enough to hand work to a ministry).
    Tag {
        filter: RecommendationFilter,
        taxonomy: Taxonomy,
        code: String,
    },
    Filter(RecommendationFilter),
}

/// Hands recommendations to a lead institution and supporting ones. A new lead replaces
/// the previous lead; supporting institutions are added to those already there.
#[derive(Debug, Clone)]
pub struct Assign {
    pub target: AssignTarget,
    pub lead: Option<i64>,
    pub support: Vec<i64>,
}

impl Assign {
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if self.lead.is_none() && self.support.is_empty() {
            return Err(StoreError::Invalid(
                "an assignment needs a lead institution or at least one supporting one".into(),
            ));
        }
        if let Some(lead) = self.lead {
            if self.support.contains(&lead) {
                return Err(StoreError::Invalid(format!(
                    "institution {lead} cannot be both lead and support"
                )));
            }
        }
        Ok(())
    }

    /// (institution, role) pairs to write, lead first.
    pub(crate) fn roles(&self) -> Vec<(i64, AssignmentRole)> {
        self.lead
            .map(|l| (l, AssignmentRole::Lead))
            .into_iter()
            .chain(self.support.iter().map(|s| (*s, AssignmentRole::Support)))
            .collect()
    }

    /// The institutions named, each once.
    pub(crate) fn institutions(&self) -> Vec<i64> {
        self.roles().into_iter().map(|(i, _)| i).collect()
    }
}

/// A tag's stored code, from its code or label as a person types it ("Minorities", "D51").
pub(crate) fn canonical_code(
    taxonomy: Taxonomy,
    code_or_label: &str,
) -> Result<String, StoreError> {
    taxonomy
        .term(code_or_label)
        .map(|t| t.code)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AssignSummary {
    pub recommendations: usize,
    pub clusters: usize,
}

/// One institution's part in a recommendation or a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub recommendation_id: Option<RecommendationId>,
    pub cluster_id: Option<i64>,
    pub institution_id: i64,
    pub role: AssignmentRole,
}

/// A measure to create, or the new content of one (update replaces every field and link).
#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub institution_id: Option<i64>,
    pub start_date: Option<Date>,
    pub target_date: Option<Date>,
    pub progress: ActionProgress,
    pub funding: Option<Funding>,
    pub legislation: Option<Legislation>,
    pub recommendation_ids: Vec<RecommendationId>,
    pub cluster_ids: Vec<i64>,
}

impl NewAction {
    /// A planned action with nothing but a title, kind and recommendations.
    pub fn planned(
        title: &str,
        kind: ActionKind,
        recommendation_ids: Vec<RecommendationId>,
    ) -> Self {
        Self {
            title: title.to_string(),
            description: String::new(),
            kind,
            institution_id: None,
            start_date: None,
            target_date: None,
            progress: ActionProgress::Planned,
            funding: None,
            legislation: None,
            recommendation_ids,
            cluster_ids: Vec::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if self.title.trim().is_empty() {
            return Err(StoreError::Invalid("an action needs a title".into()));
        }
        if let (Some(s), Some(t)) = (self.start_date, self.target_date) {
            if t < s {
                return Err(StoreError::Invalid(format!(
                    "action {:?}: target date {t} is before start date {s}",
                    self.title
                )));
            }
        }
        if let Some(f) = &self.funding {
            if !(f.amount.is_finite()
                && f.amount >= 0.0
                && f.disbursed.is_finite()
                && f.disbursed >= 0.0)
            {
                return Err(StoreError::Invalid(format!(
                    "action {:?}: budget and disbursed amounts must be zero or more",
                    self.title
                )));
            }
            if f.currency.len() != 3 || !f.currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(StoreError::Invalid(format!(
                    "action {:?}: currency {:?} is not an ISO 4217 code such as EUR",
                    self.title, f.currency
                )));
            }
        }
        Ok(())
    }
}

/// A stored action with its cluster links and last change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRecord {
    #[serde(flatten)]
    pub action: Action,
    pub cluster_ids: Vec<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Which actions to read; empty fields do not narrow.
#[derive(Debug, Clone, Default)]
pub struct ActionQuery {
    pub ids: Option<Vec<i64>>,
    pub institution_id: Option<i64>,
    pub recommendation_id: Option<RecommendationId>,
}

/// An indicator and the period its schedule covers.
#[derive(Debug, Clone)]
pub struct NewIndicator {
    pub action_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub schedule: ReportingSchedule,
    /// Reporting runs from `start` (exclusive) to `end` (inclusive).
    pub start: Date,
    pub end: Date,
}

impl NewIndicator {
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        check_period(&self.name, self.start, self.end)
    }
}

impl NewProgress {
    /// What the store accepts whoever built the value: evidence within the size limit, a
    /// finite value.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if self.value.is_some_and(|v| !v.is_finite()) {
            return Err(StoreError::Invalid(
                "a progress value must be a number".into(),
            ));
        }
        for e in &self.evidence {
            if e.bytes.is_empty() || e.bytes.len() > rightstrack_core::evidence::MAX_EVIDENCE_BYTES
            {
                return Err(StoreError::Invalid(format!(
                    "the attachment {:?} is {} bytes: it must be 1 to {} bytes",
                    e.file_name,
                    e.bytes.len(),
                    rightstrack_core::evidence::MAX_EVIDENCE_BYTES
                )));
            }
        }
        Ok(())
    }
}

pub(crate) fn check_period(name: &str, start: Date, end: Date) -> Result<(), StoreError> {
    if end <= start {
        return Err(StoreError::Invalid(format!(
            "indicator {name:?}: the reporting period ends ({end}) before it starts ({start})"
        )));
    }
    Ok(())
}

/// An indicator with its reporting period and every due date, reported or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorRecord {
    #[serde(flatten)]
    pub indicator: Indicator,
    pub start: Date,
    pub end: Date,
    pub reports: Vec<ProgressRecord>,
}

/// A due date and, once filed, its report and the evidence's description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRecord {
    #[serde(flatten)]
    pub report: ProgressReport,
    pub author: Option<String>,
    pub evidence: Vec<EvidenceInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceInfo {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// A report against an indicator's due date (an unscheduled date adds one).
#[derive(Debug, Clone)]
pub struct NewProgress {
    pub indicator_id: i64,
    pub due_date: Date,
    pub text: String,
    pub value: Option<f64>,
    pub public: bool,
    pub evidence: Vec<CheckedEvidence>,
}

/// An attachment to serve, with what deciding who may see it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub info: EvidenceInfo,
    pub bytes: Vec<u8>,
    /// The report it belongs to is public.
    pub public: bool,
    pub progress_report_id: i64,
    /// The institution responsible for the action, for scoped roles.
    pub institution_id: Option<i64>,
}

/// Where a status came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// Set by a person with a justification.
    Person,
    /// Derived from the actions by the rule.
    Actions,
}

/// The status shown for a recommendation or a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrentStatus {
    pub recommendation_id: Option<RecommendationId>,
    pub cluster_id: Option<i64>,
    pub status: ImplementationStatus,
    pub source: StatusSource,
}

impl CurrentStatus {
    /// The person's latest status if any, else the rule over the actions.
    pub(crate) fn from_facts(
        recommendation_id: Option<RecommendationId>,
        cluster_id: Option<i64>,
        person: Option<ImplementationStatus>,
        actions: &[ActionProgress],
    ) -> Self {
        let derived = ImplementationStatus::derive_from_actions(actions);
        Self {
            recommendation_id,
            cluster_id,
            status: ImplementationStatus::effective(person, derived),
            source: if person.is_some() {
                StatusSource::Person
            } else {
                StatusSource::Actions
            },
        }
    }
}

/// A step backwards, with who reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionRecord {
    pub id: i64,
    pub kind: RegressionKind,
    pub recommendation_id: Option<RecommendationId>,
    pub cluster_id: Option<i64>,
    pub action_id: Option<i64>,
    pub before: String,
    pub after: String,
    pub reported_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Something with a date by which it should be done: an action's target date, or an
/// indicator's due date without a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The action's id, or the progress report's (due date's) id.
    pub id: i64,
    pub action_id: i64,
    pub indicator_id: Option<i64>,
    pub title: String,
    pub institution_id: Option<i64>,
    pub due: Date,
    pub recommendation_ids: Vec<RecommendationId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    ActionTarget,
    ProgressReport,
}

impl DeadlineKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::ActionTarget => "action",
            Self::ProgressReport => "progress_report",
        }
    }
}

/// A user who can receive reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub user_id: i64,
    pub email: Option<String>,
    pub role: String,
    pub institution_id: Option<i64>,
}

/// One reminder to send: unique by (kind, item, due date, user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub kind: ReminderKind,
    /// `progress_report:ID` or `action:ID`.
    pub item: String,
    pub due: Date,
    pub user_id: i64,
    pub email: Option<String>,
    pub subject: String,
    pub body: String,
}

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
}

/// When each tracked recommendation last saw activity (assignment, status, assessment,
/// action change, progress report), for the "stalled" signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub recommendation_id: RecommendationId,
    #[serde(with = "time::serde::rfc3339")]
    pub last_update: OffsetDateTime,
}

/// True when making `parent` the parent of `id` would turn the hierarchy into a loop.
/// `parents` maps every institution to its current parent.
pub(crate) fn would_loop(
    id: i64,
    parent: Option<i64>,
    parents: &HashMap<i64, Option<i64>>,
) -> bool {
    let mut next = parent;
    let mut steps = 0;
    while let Some(p) = next {
        if p == id || steps > parents.len() {
            return true;
        }
        next = parents.get(&p).copied().flatten();
        steps += 1;
    }
    false
}

/// An action row as both backends read it, before its codes are parsed.
pub(crate) struct ActionRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub institution_id: Option<i64>,
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
    pub updated_at: OffsetDateTime,
}

/// The columns [`ActionRow`] is read from, in order, over the alias `a`.
pub(crate) const ACTION_COLUMNS: &str = "a.id, a.title, a.description, a.kind, a.institution_id, a.start_date, a.target_date,
    a.progress, a.budget_amount, a.currency, a.funder, a.disbursed, a.legislation_title, a.legislation_stage,
    a.legislation_committee_id, a.updated_at";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl ActionRow {
    pub(crate) fn into_record(
        self,
        recommendation_ids: Vec<RecommendationId>,
        cluster_ids: Vec<i64>,
    ) -> Result<ActionRecord, StoreError> {
        let funding = match (self.budget_amount, self.currency) {
            (Some(amount), Some(currency)) => Some(Funding {
                amount,
                currency,
                funder: self.funder,
                disbursed: self.disbursed.unwrap_or(0.0),
            }),
            _ => None,
        };
        let legislation = match (self.legislation_title, self.legislation_stage) {
            (Some(title), Some(stage)) => Some(Legislation {
                title,
                stage: LegislationStage::parse(&stage).map_err(corrupt)?,
                committee_id: self.legislation_committee_id,
            }),
            _ => None,
        };
        Ok(ActionRecord {
            action: Action {
                id: self.id,
                title: self.title,
                description: self.description,
                kind: ActionKind::parse(&self.kind).map_err(corrupt)?,
                institution_id: self.institution_id,
                start_date: self.start_date,
                target_date: self.target_date,
                progress: ActionProgress::parse(&self.progress).map_err(corrupt)?,
                funding,
                legislation,
                recommendation_ids,
            },
            cluster_ids,
            updated_at: self.updated_at,
        })
    }
}

/// The flat column values of an action's funding and legislation, for writing.
pub(crate) struct ActionColumns<'a> {
    pub budget_amount: Option<f64>,
    pub currency: Option<&'a str>,
    pub funder: Option<&'a str>,
    pub disbursed: Option<f64>,
    pub legislation_title: Option<&'a str>,
    pub legislation_stage: Option<&'static str>,
    pub legislation_committee_id: Option<i64>,
}

impl NewAction {
    pub(crate) fn columns(&self) -> ActionColumns<'_> {
        let f = self.funding.as_ref();
        let l = self.legislation.as_ref();
        ActionColumns {
            budget_amount: f.map(|f| f.amount),
            currency: f.map(|f| f.currency.as_str()),
            funder: f.and_then(|f| f.funder.as_deref()),
            disbursed: f.map(|f| f.disbursed),
            legislation_title: l.map(|l| l.title.as_str()),
            legislation_stage: l.map(|l| l.stage.code()),
            legislation_committee_id: l.and_then(|l| l.committee_id),
        }
    }
}

/// Where a status is recorded: a recommendation's or a cluster's history.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StatusSubject {
    Recommendation(RecommendationId),
    Cluster(i64),
}

impl StatusSubject {
    /// (the subject's table, its name in messages and the audit log).
    pub(crate) fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Recommendation(_) => ("recommendations", "recommendation"),
            Self::Cluster(_) => ("clusters", "cluster"),
        }
    }

    /// (history table, its key column, the key).
    pub(crate) fn table(self) -> (&'static str, &'static str, i64) {
        match self {
            Self::Recommendation(id) => ("status_changes", "recommendation_id", id.0),
            Self::Cluster(id) => ("cluster_status_changes", "cluster_id", id),
        }
    }
}

/// What a status is computed from: id → the person's latest status, and id → the
/// progress of each (distinct) action.
pub(crate) type Facts = (
    HashMap<i64, ImplementationStatus>,
    HashMap<i64, HashMap<i64, ActionProgress>>,
);

/// The current status of each id, in the order asked, from the person's latest status
/// and the progress of each (distinct) action.
pub(crate) fn current_statuses(
    ids: &[i64],
    person: &HashMap<i64, ImplementationStatus>,
    actions: &HashMap<i64, HashMap<i64, ActionProgress>>,
    subject: impl Fn(i64) -> (Option<RecommendationId>, Option<i64>),
) -> Vec<CurrentStatus> {
    ids.iter()
        .map(|id| {
            let progress: Vec<ActionProgress> = actions
                .get(id)
                .map(|a| a.values().copied().collect())
                .unwrap_or_default();
            let (rec, cluster) = subject(*id);
            CurrentStatus::from_facts(rec, cluster, person.get(id).copied(), &progress)
        })
        .collect()
}

/// Recommendations whose status, derived from actions on both sides (nobody set one),
/// moved backwards between two readings: (recommendation, before, after).
pub(crate) fn derived_regressions(
    before: &[CurrentStatus],
    after: &[CurrentStatus],
) -> Vec<(RecommendationId, ImplementationStatus, ImplementationStatus)> {
    after
        .iter()
        .filter(|a| a.source == StatusSource::Actions)
        .filter_map(|a| {
            let id = a.recommendation_id?;
            let b = before
                .iter()
                .find(|b| b.recommendation_id == Some(id) && b.source == StatusSource::Actions)?;
            b.status
                .is_regression_to(a.status)
                .then_some((id, b.status, a.status))
        })
        .collect()
}

/// The latest of each recommendation's activity times, by recommendation id.
pub(crate) fn latest_activity(
    rows: Vec<(RecommendationId, Option<OffsetDateTime>)>,
) -> Vec<Activity> {
    let mut latest: std::collections::BTreeMap<RecommendationId, OffsetDateTime> =
        Default::default();
    for (id, at) in rows {
        let Some(at) = at else { continue };
        let slot = latest.entry(id).or_insert(at);
        if at > *slot {
            *slot = at;
        }
    }
    latest
        .into_iter()
        .map(|(recommendation_id, last_update)| Activity {
            recommendation_id,
            last_update,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_loops_are_found() {
        // 1 ← 2 ← 3 (3's parent is 2, 2's parent is 1)
        let parents: HashMap<i64, Option<i64>> = [(1, None), (2, Some(1)), (3, Some(2))].into();
        assert!(would_loop(1, Some(3), &parents));
        assert!(would_loop(2, Some(2), &parents));
        assert!(!would_loop(3, Some(1), &parents));
        assert!(!would_loop(1, None, &parents));
        // A loop already in the data (never written by us) does not hang the check.
        let broken: HashMap<i64, Option<i64>> = [(5, Some(6)), (6, Some(5))].into();
        assert!(would_loop(7, Some(5), &broken));
    }
}
