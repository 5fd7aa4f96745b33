//! The pages of implementation tracking: institutions and their dashboards ("what is mine,
//! what is due"), a recommendation's implementation timeline (shown on its page), a
//! cluster's plan, a state's accountability signals, and the forms a coordinator uses to
//! assign recommendations and create actions. The reads and rules are the store's
//! (`signals`, `implementation_of`); this module only arranges them for people.

use std::collections::{BTreeSet, HashMap, HashSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use rightstrack_core::signals as rules;
use rightstrack_core::{
    ActionKind, ActionProgress, ImplementationStatus, Institution, LegislationStage,
    Recommendation, RecommendationId, Role, StateCode, Taxonomy,
};
use rightstrack_store::signals;
use rightstrack_store::{
    Assign, AssignTarget, Deadline, NewAction, RecommendationFilter, StatusSource,
};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::auth::Viewer;
use crate::i18n::Ui;
use crate::pages::{after_form, render};
use crate::tracking::today;
use crate::{ApiError, AppState};

/// How far ahead an institution's dashboard lists what is due.
const HORIZON_DAYS: u32 = 60;
/// Months without activity after which a recommendation counts as stalled, unless the
/// page is asked for another number (`?months=`).
pub(crate) const STALLED_MONTHS: u32 = 6;

/// A vocabulary's word in the interface language (`status.in_progress`).
fn word(ui: &Ui, vocabulary: &str, code: &str) -> String {
    ui.t(&format!("{vocabulary}.{code}")).to_string()
}

fn minutes(at: OffsetDateTime) -> String {
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]"
    ))
    .unwrap_or_default()
}

fn day(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A link to a recommendation: its id and a short label (paragraph and the text's start).
pub(crate) struct RecLink {
    pub id: i64,
    pub label: String,
}

impl RecLink {
    fn new(id: RecommendationId, recs: &HashMap<RecommendationId, Recommendation>) -> Self {
        let label = match recs.get(&id) {
            Some(r) => {
                let text: String = r.text.chars().take(140).collect();
                let more = if r.text.chars().count() > 140 {
                    "…"
                } else {
                    ""
                };
                match &r.paragraph {
                    Some(p) => format!("{p} – {text}{more}"),
                    None => format!("{text}{more}"),
                }
            }
            None => format!("#{id}"),
        };
        Self { id: id.0, label }
    }
}

/// The recommendations with these ids the viewer may see, by id.
async fn records(
    app: &AppState,
    viewer: &Viewer,
    ids: impl IntoIterator<Item = RecommendationId>,
) -> Result<HashMap<RecommendationId, Recommendation>, ApiError> {
    let ids: BTreeSet<RecommendationId> = ids.into_iter().collect();
    let ids: Vec<RecommendationId> = ids.into_iter().collect();
    Ok(app
        .store
        .recommendations_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|r| r.published || viewer.sees_drafts())
        .map(|r| (r.id, r))
        .collect())
}

fn status_label(ui: &Ui, status: ImplementationStatus) -> String {
    word(ui, "status", status.code())
}

/// A value a regression went from or to: a status or a law's stage, in words.
fn stage_or_status(ui: &Ui, value: &str) -> String {
    if let Ok(s) = ImplementationStatus::parse(value) {
        status_label(ui, s)
    } else if let Ok(s) = LegislationStage::parse(value) {
        word(ui, "law_stage", s.code())
    } else {
        value.to_string()
    }
}

fn names(institutions: &[Institution]) -> HashMap<i64, String> {
    institutions
        .iter()
        .map(|i| (i.id, i.name.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Institutions

pub(crate) struct InstitutionRow {
    id: i64,
    name: String,
    kind: String,
    /// Depth in the hierarchy, for indentation (0 for the top).
    depth: usize,
    parent: String,
    contact: String,
}

#[derive(Template)]
#[template(path = "institutions.html")]
struct InstitutionsPage {
    ui: Ui,
    rows: Vec<InstitutionRow>,
}

/// Institutions in hierarchy order: each top-level one by name, followed by the ones under
/// it. A loop in the data (the store refuses to write one) cannot hang it: each
/// institution is listed once, and any left over are listed at the top level.
fn hierarchy(institutions: &[Institution]) -> Vec<(&Institution, usize)> {
    let mut by_name: Vec<&Institution> = institutions.iter().collect();
    by_name.sort_by_key(|a| a.name.to_lowercase());
    let known: HashSet<i64> = institutions.iter().map(|i| i.id).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    fn visit<'a>(
        node: &'a Institution,
        depth: usize,
        all: &[&'a Institution],
        seen: &mut HashSet<i64>,
        out: &mut Vec<(&'a Institution, usize)>,
    ) {
        if !seen.insert(node.id) {
            return;
        }
        out.push((node, depth));
        for child in all.iter().filter(|c| c.parent_id == Some(node.id)) {
            visit(child, depth + 1, all, seen, out);
        }
    }
    let roots: Vec<&Institution> = by_name
        .iter()
        .copied()
        .filter(|i| i.parent_id.is_none_or(|p| !known.contains(&p)))
        .collect();
    for root in roots {
        visit(root, 0, &by_name, &mut seen, &mut out);
    }
    for rest in &by_name {
        visit(rest, 0, &by_name, &mut seen, &mut out);
    }
    out
}

pub async fn institutions(State(app): State<AppState>, ui: Ui) -> Response {
    let result = async {
        let all = app.store.institutions().await?;
        let name = names(&all);
        let rows = hierarchy(&all)
            .into_iter()
            .map(|(i, depth)| InstitutionRow {
                id: i.id,
                name: i.name.clone(),
                kind: word(&ui, "institution_kind", i.kind.code()),
                depth: depth.min(4),
                parent: i
                    .parent_id
                    .and_then(|p| name.get(&p).cloned())
                    .unwrap_or_default(),
                contact: [i.contact_name.clone(), i.contact_email.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        Ok::<_, ApiError>(InstitutionsPage {
            ui: ui.clone(),
            rows,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

pub(crate) struct AssignedRow {
    rec: RecLink,
    role: String,
    status: String,
    status_code: String,
    derived: bool,
}

pub(crate) struct ClusterRow {
    id: i64,
    state: String,
    title: String,
    role: String,
}

pub(crate) struct ActionRow {
    title: String,
    kind: String,
    progress: String,
    start: String,
    target: String,
    overdue: bool,
    serves: Vec<RecLink>,
}

pub(crate) struct IndicatorRow {
    action: String,
    name: String,
    unit: String,
    baseline: String,
    target: String,
    schedule: String,
    latest: String,
    next_due: String,
}

pub(crate) struct DeadlineRow {
    what: String,
    title: String,
    due: String,
    serves: Vec<RecLink>,
}

pub(crate) struct StalledRow {
    rec: RecLink,
    last_update: String,
}

pub(crate) struct NotificationRow {
    at: String,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "institution.html")]
struct InstitutionPage {
    ui: Ui,
    id: i64,
    name: String,
    kind: String,
    parent: Option<(i64, String)>,
    children: Vec<(i64, String)>,
    contact: String,
    assigned: Vec<AssignedRow>,
    clusters: Vec<ClusterRow>,
    actions: Vec<ActionRow>,
    indicators: Vec<IndicatorRow>,
    due: Vec<DeadlineRow>,
    overdue: Vec<DeadlineRow>,
    stalled: Vec<StalledRow>,
    stalled_months: u32,
    /// `None` when the viewer may not read them (not the institution's, not a coordinator).
    notifications: Option<Vec<NotificationRow>>,
    horizon: u32,
    /// The states of its recommendations, for the plan's download links.
    states: Vec<String>,
}

fn deadline_row(
    ui: &Ui,
    d: &Deadline,
    recs: &HashMap<RecommendationId, Recommendation>,
) -> DeadlineRow {
    DeadlineRow {
        what: word(ui, "deadline", d.kind.code()),
        title: d.title.clone(),
        due: d.due.to_string(),
        serves: d
            .recommendation_ids
            .iter()
            .filter(|r| recs.contains_key(r))
            .map(|r| RecLink::new(*r, recs))
            .collect(),
    }
}

/// "What is mine, what is due": one institution's assignments with their status, its
/// actions and indicators, what is due soon, overdue or stalled, and its focal points'
/// unread notifications.
pub async fn institution(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Response {
    let result = institution_page(&app, &ui, &viewer, id).await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

async fn institution_page(
    app: &AppState,
    ui: &Ui,
    viewer: &Viewer,
    id: i64,
) -> Result<InstitutionPage, ApiError> {
    let store = app.store.as_ref();
    let all = store.institutions().await?;
    let name = names(&all);
    let inst = all
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("institution {id}")))?;
    let today = today();
    let dash = signals::dashboard(store, id, today, HORIZON_DAYS).await?;
    let deadlines = dash.due.iter().chain(&dash.overdue);
    let ids = dash
        .assignments
        .iter()
        .filter_map(|a| a.recommendation_id)
        .chain(
            dash.actions
                .iter()
                .flat_map(|a| a.action.recommendation_ids.clone()),
        )
        .chain(deadlines.flat_map(|d| d.recommendation_ids.clone()));
    let recs = records(app, viewer, ids).await?;
    let statuses: HashMap<RecommendationId, (ImplementationStatus, StatusSource)> = dash
        .statuses
        .iter()
        .filter_map(|s| s.recommendation_id.map(|r| (r, (s.status, s.source))))
        .collect();
    let assigned = dash
        .assignments
        .iter()
        .filter_map(|a| {
            let rec = a.recommendation_id.filter(|r| recs.contains_key(r))?;
            let (status, source) = statuses
                .get(&rec)
                .copied()
                .unwrap_or((ImplementationStatus::NoInformation, StatusSource::Actions));
            Some(AssignedRow {
                rec: RecLink::new(rec, &recs),
                role: word(ui, "assignment_role", a.role.code()),
                status: status_label(ui, status),
                status_code: status.code().to_string(),
                derived: source == StatusSource::Actions,
            })
        })
        .collect();
    // A cluster's state is found among its members' (assigning a cluster assigns them).
    let states: BTreeSet<StateCode> = recs.values().map(|r| r.state).collect();
    let mut cluster_info = HashMap::new();
    for state in &states {
        for c in store.clusters(*state).await? {
            cluster_info.insert(c.id, (c.state, c.title));
        }
    }
    let clusters = dash
        .assignments
        .iter()
        .filter_map(|a| {
            let (state, title) = cluster_info.get(&a.cluster_id?)?;
            Some(ClusterRow {
                id: a.cluster_id?,
                state: state.to_string(),
                title: title.clone(),
                role: word(ui, "assignment_role", a.role.code()),
            })
        })
        .collect();
    let mut actions = Vec::new();
    let mut indicators = Vec::new();
    for a in &dash.actions {
        let action = &a.action;
        actions.push(ActionRow {
            title: action.title.clone(),
            kind: word(ui, "action_kind", action.kind.code()),
            progress: word(ui, "action_progress", action.progress.code()),
            start: day(action.start_date),
            target: day(action.target_date),
            overdue: rules::action_overdue(action.target_date, action.progress, today),
            serves: action
                .recommendation_ids
                .iter()
                .filter(|r| recs.contains_key(r))
                .map(|r| RecLink::new(*r, &recs))
                .collect(),
        });
        for i in store.indicators(action.id).await? {
            let latest = i
                .reports
                .iter()
                .filter(|r| r.report.reported_at.is_some())
                .filter_map(|r| r.report.value.map(|v| (r.report.due_date, v)))
                .max_by_key(|(d, _)| *d)
                .map(|(d, v)| format!("{v} ({d})"))
                .unwrap_or_default();
            let next_due = i
                .reports
                .iter()
                .filter(|r| r.report.reported_at.is_none())
                .map(|r| r.report.due_date)
                .min()
                .map(|d| d.to_string())
                .unwrap_or_default();
            indicators.push(IndicatorRow {
                action: action.title.clone(),
                name: i.indicator.name.clone(),
                unit: i.indicator.unit.clone(),
                baseline: number(i.indicator.baseline),
                target: number(i.indicator.target),
                schedule: word(ui, "schedule", i.indicator.schedule.code()),
                latest,
                next_due,
            });
        }
    }
    let mine: HashSet<RecommendationId> = dash
        .assignments
        .iter()
        .filter_map(|a| a.recommendation_id)
        .collect();
    let mut stalled = Vec::new();
    for state in &states {
        let found = signals::stalled(
            store,
            *state,
            OffsetDateTime::now_utc(),
            STALLED_MONTHS,
            time::UtcOffset::UTC,
        )
        .await?;
        stalled.extend(
            found
                .into_iter()
                .filter(|a| mine.contains(&a.recommendation_id))
                .map(|a| StalledRow {
                    rec: RecLink::new(a.recommendation_id, &recs),
                    last_update: minutes(a.last_update),
                }),
        );
    }
    let user = viewer.user()?;
    let own = user.institution_id == Some(id);
    let manages = matches!(user.role, Role::Coordinator | Role::Admin);
    let notifications = if own || manages {
        let mut rows = Vec::new();
        for r in store.recipients().await? {
            if r.role == Role::FocalPoint.code() && r.institution_id == Some(id) {
                rows.extend(
                    store
                        .notifications(r.user_id)
                        .await?
                        .into_iter()
                        .filter(|n| !n.read)
                        .map(|n| NotificationRow {
                            at: minutes(n.created_at),
                            subject: n.subject,
                            body: n.body,
                        }),
                );
            }
        }
        Some(rows)
    } else {
        None
    };
    Ok(InstitutionPage {
        ui: ui.clone(),
        id,
        name: inst.name.clone(),
        kind: word(ui, "institution_kind", inst.kind.code()),
        parent: inst
            .parent_id
            .and_then(|p| name.get(&p).map(|n| (p, n.clone()))),
        children: hierarchy(&all)
            .into_iter()
            .filter(|(i, _)| i.parent_id == Some(id))
            .map(|(i, _)| (i.id, i.name.clone()))
            .collect(),
        contact: [inst.contact_name.clone(), inst.contact_email.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        assigned,
        clusters,
        actions,
        indicators,
        due: dash
            .due
            .iter()
            .map(|d| deadline_row(ui, d, &recs))
            .collect(),
        overdue: dash
            .overdue
            .iter()
            .map(|d| deadline_row(ui, d, &recs))
            .collect(),
        stalled,
        stalled_months: STALLED_MONTHS,
        notifications,
        horizon: HORIZON_DAYS,
        states: states.iter().map(|s| s.to_string()).collect(),
    })
}

// ---------------------------------------------------------------------------------------
// A recommendation's implementation timeline

pub(crate) struct StatusLine {
    pub at: String,
    pub status: String,
    pub code: String,
    pub author: String,
    pub justification: String,
}

pub(crate) struct VoiceLine {
    pub voice: String,
    pub status: String,
    pub code: String,
    pub at: String,
    pub text: String,
    pub evidence: String,
    /// Who this voice diverges from, in words; empty when it does not.
    pub diverges: String,
}

pub(crate) struct ReportLine {
    pub due: String,
    pub reported: String,
    pub text: String,
    pub value: String,
    pub overdue: bool,
    /// (evidence id, file name)
    pub evidence: Vec<(i64, String)>,
}

pub(crate) struct IndicatorView {
    pub name: String,
    pub unit: String,
    pub baseline: String,
    pub target: String,
    pub reports: Vec<ReportLine>,
}

pub(crate) struct ActionView {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub progress: String,
    pub institution: String,
    pub start: String,
    pub target: String,
    pub law: String,
    pub funding: String,
    pub indicators: Vec<IndicatorView>,
}

pub(crate) struct RegressionLine {
    pub at: String,
    pub kind: String,
    pub before: String,
    pub after: String,
    pub by: String,
}

/// What the recommendation page shows of its implementation.
pub(crate) struct Timeline {
    pub status: String,
    pub status_code: String,
    pub derived: bool,
    /// (institution id, name, role)
    pub institutions: Vec<(i64, String, String)>,
    /// Oldest first.
    pub statuses: Vec<StatusLine>,
    /// The latest assessment of each voice, side by side.
    pub voices: Vec<VoiceLine>,
    pub divergent: bool,
    pub actions: Vec<ActionView>,
    /// Only for those who read the registry.
    pub regressions: Vec<RegressionLine>,
    /// Show who did what (signed-in readers of the registry).
    pub authors: bool,
}

/// A voice in words: the stakeholder kind and the institution, if any.
fn voice(ui: &Ui, stakeholder: &str, institution: Option<&String>) -> String {
    let kind = word(ui, "stakeholder", stakeholder);
    match institution {
        Some(name) => format!("{kind} ({name})"),
        None => kind,
    }
}

/// The implementation of a recommendation the viewer may see: the public sees published
/// actions and assessments, public progress reports, and no authors or regressions.
pub(crate) async fn timeline(
    app: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    rec: &Recommendation,
) -> Result<Timeline, ApiError> {
    let store = app.store.as_ref();
    let insider = viewer.sees_drafts();
    let imp = store
        .implementation_of(&[rec.id])
        .await?
        .into_iter()
        .next()
        .unwrap_or_else(|| rightstrack_store::Implementation::empty(rec.id));
    let current = store.statuses(&[rec.id]).await?.into_iter().next();
    let (status, derived) = current
        .map(|c| (c.status, c.source == StatusSource::Actions))
        .unwrap_or((ImplementationStatus::NoInformation, true));
    let institution_names = names(&store.institutions().await?);
    let assessments: Vec<_> = imp
        .assessments
        .iter()
        .filter(|a| a.published || insider)
        .collect();
    let plain: Vec<rightstrack_core::Assessment> =
        assessments.iter().map(|a| a.assessment.clone()).collect();
    let latest = rules::latest_per_voice(&plain);
    let divergences = rules::divergences(&plain);
    let name_of = |a: &rightstrack_core::Assessment| {
        voice(
            ui,
            a.stakeholder.code(),
            a.institution_id.and_then(|i| institution_names.get(&i)),
        )
    };
    let voices = latest
        .iter()
        .map(|a| {
            let others: Vec<String> = divergences
                .iter()
                .filter_map(|d| {
                    let other = if d.first.assessment_id == a.id {
                        d.second.assessment_id
                    } else if d.second.assessment_id == a.id {
                        d.first.assessment_id
                    } else {
                        return None;
                    };
                    let other = plain.iter().find(|p| p.id == other)?;
                    Some(ui.tr2(
                        "timeline.diverges",
                        "voice",
                        name_of(other),
                        "steps",
                        d.steps,
                    ))
                })
                .collect();
            VoiceLine {
                voice: name_of(a),
                status: status_label(ui, a.status),
                code: a.status.code().to_string(),
                at: minutes(a.at),
                text: a.text.clone(),
                evidence: a.evidence.clone().unwrap_or_default(),
                diverges: others.join("; "),
            }
        })
        .collect();
    let today = today();
    let mut actions = Vec::new();
    for a in imp.actions.iter().filter(|a| a.published || insider) {
        let action = &a.action;
        let mut indicators = Vec::new();
        for i in store.indicators(action.id).await? {
            indicators.push(IndicatorView {
                name: i.indicator.name.clone(),
                unit: i.indicator.unit.clone(),
                baseline: number(i.indicator.baseline),
                target: number(i.indicator.target),
                reports: i
                    .reports
                    .iter()
                    .filter(|r| insider || (r.report.public && r.report.reported_at.is_some()))
                    .map(|r| ReportLine {
                        due: r.report.due_date.to_string(),
                        reported: r.report.reported_at.map(minutes).unwrap_or_default(),
                        text: r.report.text.clone(),
                        value: number(r.report.value),
                        overdue: rules::report_overdue(
                            r.report.due_date,
                            r.report.reported_at.is_some(),
                            today,
                        ),
                        evidence: r
                            .evidence
                            .iter()
                            .map(|e| (e.id, e.file_name.clone()))
                            .collect(),
                    })
                    .collect(),
            });
        }
        actions.push(ActionView {
            title: action.title.clone(),
            description: action.description.clone(),
            kind: word(ui, "action_kind", action.kind.code()),
            progress: word(ui, "action_progress", action.progress.code()),
            institution: a.institution.clone().unwrap_or_default(),
            start: day(action.start_date),
            target: day(action.target_date),
            law: action
                .legislation
                .as_ref()
                .map(|l| format!("{} – {}", l.title, word(ui, "law_stage", l.stage.code())))
                .unwrap_or_default(),
            funding: action
                .funding
                .as_ref()
                .filter(|_| insider)
                .map(|f| {
                    ui.tr2(
                        "timeline.funding_amounts",
                        "budget",
                        format!("{} {}", f.amount, f.currency),
                        "disbursed",
                        format!("{} {}", f.disbursed, f.currency),
                    ) + &f
                        .funder
                        .as_ref()
                        .map(|f| format!(" · {f}"))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            indicators,
        });
    }
    let regressions = if insider {
        store
            .regressions(rec.state)
            .await?
            .into_iter()
            .filter(|r| r.recommendation_id == Some(rec.id))
            .map(|r| RegressionLine {
                at: minutes(r.at),
                kind: word(ui, "regression", r.kind.code()),
                before: stage_or_status(ui, &r.before),
                after: stage_or_status(ui, &r.after),
                by: r.reported_by,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Timeline {
        status: status_label(ui, status),
        status_code: status.code().to_string(),
        derived,
        institutions: imp
            .assignments
            .iter()
            .map(|a| {
                (
                    a.institution_id,
                    a.institution.clone(),
                    word(ui, "assignment_role", a.role.code()),
                )
            })
            .collect(),
        statuses: imp
            .status_history
            .iter()
            .map(|s| StatusLine {
                at: minutes(s.at),
                status: status_label(ui, s.status),
                code: s.status.code().to_string(),
                author: if insider {
                    s.author.clone()
                } else {
                    String::new()
                },
                justification: s.justification.clone(),
            })
            .collect(),
        divergent: !divergences.is_empty(),
        voices,
        actions,
        regressions,
        authors: insider,
    })
}

// ---------------------------------------------------------------------------------------
// A cluster's plan

pub(crate) struct MemberRow {
    rec: RecLink,
    status: String,
    code: String,
}

pub(crate) struct PlanAction {
    title: String,
    kind: String,
    progress: String,
    institution: String,
    target: String,
    serves: Vec<RecLink>,
}

#[derive(Template)]
#[template(path = "cluster_plan.html")]
struct ClusterPlanPage {
    ui: Ui,
    id: i64,
    code: String,
    state_name: String,
    title: String,
    kind: String,
    status: String,
    status_code: String,
    members: Vec<MemberRow>,
    /// (institution id, name, role, what it is assigned: the cluster or a member)
    institutions: Vec<(i64, String, String, String)>,
    actions: Vec<PlanAction>,
    /// The state's other clusters of the same kind (id, title): where members can go.
    others: Vec<(i64, String)>,
}

/// A cluster's plan: its members and their statuses, the actions serving it or them, and
/// the institutions assigned. The public sees published members and actions only.
pub async fn cluster_plan(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
) -> Response {
    match cluster_plan_page(&app, &ui, &viewer, &code, id).await {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

async fn cluster_plan_page(
    app: &AppState,
    ui: &Ui,
    viewer: &Viewer,
    code: &str,
    id: i64,
) -> Result<ClusterPlanPage, ApiError> {
    let store = app.store.as_ref();
    let missing = || ApiError::NotFound(format!("cluster {id} of {code}"));
    let state = StateCode::parse(code).map_err(|_| missing())?;
    let all = store.clusters(state).await?;
    let cluster = all
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(missing)?;
    let mut others: Vec<(i64, String)> = all
        .into_iter()
        .filter(|c| c.id != id && c.kind == cluster.kind && !c.members.is_empty())
        .map(|c| (c.id, c.title))
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let recs = records(app, viewer, cluster.members.iter().copied()).await?;
    let members: Vec<RecommendationId> = cluster
        .members
        .iter()
        .copied()
        .filter(|m| recs.contains_key(m))
        .collect();
    if members.is_empty() {
        return Err(missing());
    }
    let statuses: HashMap<RecommendationId, ImplementationStatus> = store
        .statuses(&members)
        .await?
        .into_iter()
        .filter_map(|s| s.recommendation_id.map(|r| (r, s.status)))
        .collect();
    let cluster_status = store
        .cluster_statuses(&[id])
        .await?
        .into_iter()
        .next()
        .map_or(ImplementationStatus::NoInformation, |s| s.status);
    let institutions = store.institutions().await?;
    let name = names(&institutions);
    let mut assigned: Vec<(i64, String, String, String)> = Vec::new();
    for a in store.assignments(None).await? {
        let what = match (a.cluster_id, a.recommendation_id) {
            (Some(c), _) if c == id => ui.t("plan.the_cluster").to_string(),
            (_, Some(r)) if members.contains(&r) => RecLink::new(r, &recs).label,
            _ => continue,
        };
        assigned.push((
            a.institution_id,
            name.get(&a.institution_id).cloned().unwrap_or_default(),
            word(ui, "assignment_role", a.role.code()),
            what,
        ));
    }
    // The actions serving any member (with their publication), then those linked to the
    // cluster itself, which carry no publication of their own: those are for insiders.
    let mut seen = HashSet::new();
    let mut actions = Vec::new();
    let plan_action = |action: &rightstrack_core::Action| PlanAction {
        title: action.title.clone(),
        kind: word(ui, "action_kind", action.kind.code()),
        progress: word(ui, "action_progress", action.progress.code()),
        institution: action
            .institution_id
            .and_then(|i| name.get(&i).cloned())
            .unwrap_or_default(),
        target: day(action.target_date),
        serves: action
            .recommendation_ids
            .iter()
            .filter(|r| recs.contains_key(r))
            .map(|r| RecLink::new(*r, &recs))
            .collect(),
    };
    for imp in store.implementation_of(&members).await? {
        for a in imp.actions {
            if (a.published || viewer.sees_drafts()) && seen.insert(a.action.id) {
                actions.push(plan_action(&a.action));
            }
        }
    }
    if viewer.sees_drafts() {
        for a in store.actions(&Default::default()).await? {
            if a.cluster_ids.contains(&id) && seen.insert(a.action.id) {
                actions.push(plan_action(&a.action));
            }
        }
    }
    Ok(ClusterPlanPage {
        ui: ui.clone(),
        id,
        code: state.to_string(),
        state_name: state.state().name.to_string(),
        title: cluster.title,
        kind: word(ui, "cluster_kind", cluster.kind.code()),
        status: status_label(ui, cluster_status),
        status_code: cluster_status.code().to_string(),
        members: members
            .iter()
            .map(|m| {
                let s = statuses
                    .get(m)
                    .copied()
                    .unwrap_or(ImplementationStatus::NoInformation);
                MemberRow {
                    rec: RecLink::new(*m, &recs),
                    status: status_label(ui, s),
                    code: s.code().to_string(),
                }
            })
            .collect(),
        institutions: assigned,
        actions,
        others,
    })
}

// ---------------------------------------------------------------------------------------
// Accountability signals

pub(crate) struct RegressionRow {
    rec: Option<RecLink>,
    kind: String,
    before: String,
    after: String,
    by: String,
    at: String,
}

pub(crate) struct DivergenceRow {
    rec: RecLink,
    first: String,
    first_status: String,
    second: String,
    second_status: String,
    steps: u8,
}

pub(crate) struct OverdueRow {
    what: String,
    title: String,
    institution: String,
    due: String,
    serves: Vec<RecLink>,
}

pub(crate) struct RepeatedRow {
    rec: RecLink,
    repeats: Vec<RecLink>,
    status: String,
}

#[derive(Template)]
#[template(path = "signals.html")]
struct SignalsPage {
    ui: Ui,
    code: String,
    name: String,
    months: u32,
    overdue: Vec<OverdueRow>,
    stalled: Vec<StalledRow>,
    regressions: Vec<RegressionRow>,
    divergences: Vec<DivergenceRow>,
    repeated: Vec<RepeatedRow>,
}

#[derive(Deserialize)]
pub struct SignalsParams {
    /// Months without activity for "stalled".
    months: Option<String>,
}

/// A state's accountability signals, a section each, every row linking to the
/// recommendation.
pub async fn signals_page(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<SignalsParams>,
) -> Response {
    match signals_view(&app, &ui, &viewer, &code, &params).await {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

async fn signals_view(
    app: &AppState,
    ui: &Ui,
    viewer: &Viewer,
    code: &str,
    params: &SignalsParams,
) -> Result<SignalsPage, ApiError> {
    let state = StateCode::parse(code).map_err(|_| ApiError::NotFound(format!("state {code}")))?;
    let months = match params.months.as_deref().map(str::trim) {
        None | Some("") => STALLED_MONTHS,
        Some(m) => m.parse::<u32>().ok().filter(|m| *m <= 120).ok_or_else(|| {
            ApiError::BadRequest(format!("months {m:?}: expected a whole number 0 to 120"))
        })?,
    };
    let found = crate::tracking::signals_of(app, state).await?;
    let stalled = signals::stalled(
        app.store.as_ref(),
        state,
        OffsetDateTime::now_utc(),
        months,
        time::UtcOffset::UTC,
    )
    .await?;
    let ids = found
        .regressions
        .iter()
        .filter_map(|r| r.recommendation_id)
        .chain(found.divergences.iter().map(|d| d.recommendation_id))
        .chain(
            found
                .overdue
                .iter()
                .flat_map(|d| d.recommendation_ids.clone()),
        )
        .chain(
            found
                .repeated_not_implemented
                .iter()
                .flat_map(|r| std::iter::once(r.recommendation_id).chain(r.repeats.clone())),
        )
        .chain(stalled.iter().map(|s| s.recommendation_id));
    let recs = records(app, viewer, ids).await?;
    let link = |id: RecommendationId| recs.contains_key(&id).then(|| RecLink::new(id, &recs));
    let institution_names = names(&app.store.institutions().await?);
    let voice_of = |v: &rules::DivergentView| {
        voice(
            ui,
            v.stakeholder.code(),
            v.institution_id.and_then(|i| institution_names.get(&i)),
        )
    };
    Ok(SignalsPage {
        ui: ui.clone(),
        code: state.to_string(),
        name: state.state().name.to_string(),
        months,
        overdue: found
            .overdue
            .iter()
            .map(|d| OverdueRow {
                what: word(ui, "deadline", d.kind.code()),
                title: d.title.clone(),
                institution: d
                    .institution_id
                    .and_then(|i| institution_names.get(&i).cloned())
                    .unwrap_or_default(),
                due: d.due.to_string(),
                serves: d
                    .recommendation_ids
                    .iter()
                    .filter_map(|r| link(*r))
                    .collect(),
            })
            .collect(),
        stalled: stalled
            .iter()
            .filter_map(|s| {
                Some(StalledRow {
                    rec: link(s.recommendation_id)?,
                    last_update: minutes(s.last_update),
                })
            })
            .collect(),
        regressions: found
            .regressions
            .iter()
            .map(|r| RegressionRow {
                rec: r.recommendation_id.and_then(link),
                kind: word(ui, "regression", r.kind.code()),
                before: stage_or_status(ui, &r.before),
                after: stage_or_status(ui, &r.after),
                by: r.reported_by.clone(),
                at: minutes(r.at),
            })
            .collect(),
        divergences: found
            .divergences
            .iter()
            .filter_map(|d| {
                Some(DivergenceRow {
                    rec: link(d.recommendation_id)?,
                    first: voice_of(&d.first),
                    first_status: status_label(ui, d.first.status),
                    second: voice_of(&d.second),
                    second_status: status_label(ui, d.second.status),
                    steps: d.steps,
                })
            })
            .collect(),
        repeated: found
            .repeated_not_implemented
            .iter()
            .filter_map(|r| {
                Some(RepeatedRow {
                    rec: link(r.recommendation_id)?,
                    repeats: r.repeats.iter().filter_map(|e| link(*e)).collect(),
                    status: status_label(ui, r.status),
                })
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Export of plans and statuses

#[derive(Deserialize)]
pub struct PlanExportParams {
    /// csv (default), xlsx or json.
    format: Option<String>,
    /// Only this institution's part of the plan.
    institution: Option<String>,
}

/// A state's plan and statuses (or one institution's part of it) as CSV, XLSX or JSON,
/// written by the report crate's exporter like the recommendation export.
pub async fn plan_export(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<PlanExportParams>,
) -> Result<Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    use rightstrack_report::export::{ExportFormat, Exporter};
    use rightstrack_report::plan::{plan_rows, PlanQuery, PLAN};
    let state = StateCode::parse(&code).map_err(|_| ApiError::NotFound(format!("state {code}")))?;
    let format = ExportFormat::parse(params.format.as_deref().unwrap_or("csv").trim())
        .map_err(ApiError::BadRequest)?;
    let institution = Fields(
        params
            .institution
            .map(|i| vec![("institution".to_string(), i)])
            .unwrap_or_default(),
    )
    .id("institution")?;
    let rows = plan_rows(
        app.store.as_ref(),
        &PlanQuery {
            state,
            institution,
            published_only: !viewer.sees_drafts(),
        },
    )
    .await?;
    let failed = |e: std::io::Error| ApiError::Failed(e.to_string());
    let mut body = Vec::new();
    let mut exporter = Exporter::for_table(&PLAN, format, &mut body, true).map_err(failed)?;
    for row in &rows {
        exporter.write_fields(row).map_err(failed)?;
    }
    exporter.finish().map_err(failed)?;
    app.store
        .record_audit(
            viewer.actor(),
            "export",
            "plan",
            None,
            serde_json::json!({"state": state.to_string(), "institution": institution, "rows": rows.len(), "ip": viewer.ip}),
        )
        .await?;
    let (mime, ext) = format.media();
    let name = match institution {
        Some(i) => format!("plan-{state}-institution-{i}.{ext}"),
        None => format!("plan-{state}.{ext}"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Forms: bulk assignment and new actions

/// The values a plain HTML form sent, with repeated names (checkboxes) kept.
pub(crate) struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn one<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }

    pub(crate) fn id(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.one(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::BadRequest(format!("{name} {v:?}: expected an id (a number)"))
                })
            })
            .transpose()
    }

    /// Ids typed into one field or sent by several, separated by commas, semicolons or
    /// spaces; `#812` is read as 812.
    pub(crate) fn ids(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.all(name)
            .flat_map(|v| v.split([',', ';', ' ', '\n', '\r', '\t']))
            .map(|v| v.trim().trim_start_matches('#'))
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "{name}: {v:?} is not a recommendation id (a number such as 812)"
                    ))
                })
            })
            .collect()
    }
}

/// (value, label) pairs for a select.
type Options = Vec<(String, String)>;

fn institution_options(all: &[Institution]) -> Options {
    hierarchy(all)
        .into_iter()
        .map(|(i, depth)| {
            (
                i.id.to_string(),
                format!("{}{}", "– ".repeat(depth), i.name),
            )
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct PrefillParams {
    /// Recommendation ids to put in the form, as from a recommendation's page.
    #[serde(default)]
    recommendations: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
}

#[derive(Template)]
#[template(path = "assign.html")]
struct AssignPage {
    ui: Ui,
    recommendations: String,
    state: String,
    cluster: String,
    /// (id, "SVN – title")
    clusters: Options,
    institutions: Options,
}

/// Every cluster of the reviewed states, as options ("SVN – title").
async fn cluster_options(app: &AppState) -> Result<Options, ApiError> {
    let mut out = Vec::new();
    for (state, _) in app.store.reviewed_states(false).await? {
        for c in app.store.clusters(state).await? {
            out.push((c.id.to_string(), format!("{state} – {}", c.title)));
        }
    }
    Ok(out)
}

/// The bulk assignment form (coordinators).
pub async fn assign_page(
    State(app): State<AppState>,
    ui: Ui,
    Query(prefill): Query<PrefillParams>,
) -> Response {
    let result = async {
        Ok::<_, ApiError>(AssignPage {
            ui: ui.clone(),
            recommendations: prefill.recommendations.unwrap_or_default(),
            state: prefill.state.unwrap_or_default(),
            cluster: prefill.cluster.unwrap_or_default(),
            clusters: cluster_options(&app).await?,
            institutions: institution_options(&app.store.institutions().await?),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

/// What the assignment form asks for, checked.
fn assignment(fields: &Fields) -> Result<Assign, ApiError> {
    let target = match fields.one("target").unwrap_or("recommendations") {
        "recommendations" => {
            let ids = fields.ids("recommendations")?;
            if ids.is_empty() {
                return Err(ApiError::BadRequest(
                    "recommendations: give at least one recommendation id".into(),
                ));
            }
            AssignTarget::Recommendations(ids.into_iter().map(RecommendationId).collect())
        }
        "cluster" => AssignTarget::Cluster(
            fields
                .id("cluster")?
                .ok_or_else(|| ApiError::BadRequest("cluster: choose a cluster".into()))?,
        ),
        "theme" => {
            let state = fields
                .one("state")
                .ok_or_else(|| ApiError::BadRequest("state: required to assign a theme".into()))
                .and_then(|s| {
                    StateCode::parse(s).map_err(|e| ApiError::BadRequest(format!("state: {e}")))
                })?;
            let cycle = fields
                .one("cycle")
                .map(|c| {
                    c.parse::<u8>().map_err(|_| {
                        ApiError::BadRequest(format!("cycle {c:?}: expected a number such as 3"))
                    })
                })
                .transpose()?;
            let taxonomy = Taxonomy::parse(fields.one("taxonomy").unwrap_or("uhri_theme"))
                .map_err(|e| ApiError::BadRequest(format!("taxonomy: {e}")))?;
            let code = fields
                .one("theme")
                .ok_or_else(|| ApiError::BadRequest("theme: give a code or a label".into()))?;
            AssignTarget::Tag {
                filter: RecommendationFilter {
                    state: Some(state),
                    cycle,
                    ..Default::default()
                },
                taxonomy,
                code: code.to_string(),
            }
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "target {other:?}: expected recommendations, cluster or theme"
            )))
        }
    };
    Ok(Assign {
        target,
        lead: fields.id("lead")?,
        support: fields.ids("support")?,
    })
}

/// Assigns from the form, then shows the lead's (or first supporting institution's)
/// dashboard.
pub async fn assign_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let result = async {
        let assign = assignment(&fields)?;
        let shown = assign.lead.or(assign.support.first().copied());
        app.store
            .assign(viewer.actor(), assign)
            .await
            .map_err(ApiError::from_store_request)?;
        Ok::<_, ApiError>(match shown {
            Some(id) => format!("/institutions/{id}"),
            None => "/institutions".to_string(),
        })
    }
    .await;
    after_form(result, ui)
}

#[derive(Template)]
#[template(path = "action_new.html")]
struct ActionPage {
    ui: Ui,
    recommendations: String,
    kinds: Options,
    progress: Options,
    institutions: Options,
    clusters: Options,
}

/// The form creating an action serving several recommendations (coordinators).
pub async fn action_page(
    State(app): State<AppState>,
    ui: Ui,
    Query(prefill): Query<PrefillParams>,
) -> Response {
    let result = async {
        Ok::<_, ApiError>(ActionPage {
            recommendations: prefill.recommendations.unwrap_or_default(),
            kinds: ActionKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), word(&ui, "action_kind", k.code())))
                .collect(),
            progress: ActionProgress::ALL
                .iter()
                .map(|p| (p.code().to_string(), word(&ui, "action_progress", p.code())))
                .collect(),
            institutions: institution_options(&app.store.institutions().await?),
            clusters: cluster_options(&app).await?,
            ui: ui.clone(),
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

fn form_date(fields: &Fields, name: &str) -> Result<Option<Date>, ApiError> {
    fields
        .one(name)
        .map(|v| {
            Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")).map_err(
                |_| ApiError::BadRequest(format!("{name} {v:?}: expected a date as YYYY-MM-DD")),
            )
        })
        .transpose()
}

fn new_action(fields: &Fields) -> Result<NewAction, ApiError> {
    fn bad(what: &'static str) -> impl Fn(rightstrack_core::ParseError) -> ApiError {
        move |e| ApiError::BadRequest(format!("{what}: {e}"))
    }
    let title = fields
        .one("title")
        .ok_or_else(|| ApiError::BadRequest("title: required".into()))?;
    let recommendation_ids: Vec<RecommendationId> = fields
        .ids("recommendations")?
        .into_iter()
        .map(RecommendationId)
        .collect();
    let cluster_ids = fields.ids("clusters")?;
    if recommendation_ids.is_empty() && cluster_ids.is_empty() {
        return Err(ApiError::BadRequest(
            "recommendations: an action serves at least one recommendation or cluster".into(),
        ));
    }
    Ok(NewAction {
        title: title.to_string(),
        description: fields.one("description").unwrap_or("").to_string(),
        kind: ActionKind::parse(fields.one("kind").unwrap_or("other")).map_err(bad("kind"))?,
        institution_id: fields.id("institution")?,
        start_date: form_date(fields, "start")?,
        target_date: form_date(fields, "target")?,
        progress: ActionProgress::parse(fields.one("progress").unwrap_or("planned"))
            .map_err(bad("progress"))?,
        funding: None,
        legislation: None,
        recommendation_ids,
        cluster_ids,
    })
}

/// Creates the action, then shows the first recommendation it serves (its timeline lists
/// the action), or the responsible institution's dashboard.
pub async fn action_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let result = async {
        let action = new_action(&fields)?;
        let (first, institution) = (
            action.recommendation_ids.first().copied(),
            action.institution_id,
        );
        app.store
            .create_action(viewer.actor(), action)
            .await
            .map_err(ApiError::from_store_request)?;
        Ok::<_, ApiError>(match (first, institution) {
            (Some(rec), _) => format!("/recommendations/{rec}#implementation"),
            (None, Some(i)) => format!("/institutions/{i}"),
            (None, None) => "/institutions".to_string(),
        })
    }
    .await;
    after_form(result, ui)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightstrack_core::InstitutionKind;

    fn institution(id: i64, name: &str, parent: Option<i64>) -> Institution {
        Institution {
            id,
            name: name.into(),
            kind: InstitutionKind::Ministry,
            parent_id: parent,
            contact_name: None,
            contact_email: None,
        }
    }

    #[test]
    fn hierarchy_lists_children_under_parents_and_survives_loops() {
        let all = [
            institution(1, "Ministry of Justice", None),
            institution(2, "Prison administration", Some(1)),
            institution(3, "Agency", None),
            institution(4, "Probation", Some(2)),
            // A loop that the store would refuse, and a parent that does not exist.
            institution(5, "Loop A", Some(6)),
            institution(6, "Loop B", Some(5)),
            institution(7, "Orphan", Some(99)),
        ];
        let order: Vec<(i64, usize)> = hierarchy(&all).iter().map(|(i, d)| (i.id, *d)).collect();
        assert_eq!(&order[..4], &[(3, 0), (1, 0), (2, 1), (4, 2)]);
        assert_eq!(order.len(), 7, "{order:?}");
        assert!(order.contains(&(7, 0)));
    }

    #[test]
    fn form_ids_accept_separators_and_hashes_and_name_bad_ones() {
        let fields = Fields(vec![
            ("recommendations".into(), "#12, 13;14 ".into()),
            ("recommendations".into(), "15".into()),
            ("support".into(), "".into()),
        ]);
        assert!(matches!(fields.ids("recommendations"), Ok(ids) if ids == vec![12, 13, 14, 15]));
        assert!(matches!(fields.ids("support"), Ok(ids) if ids.is_empty()));
        let bad = Fields(vec![("recommendations".into(), "121.12".into())]);
        assert!(
            matches!(bad.ids("recommendations"), Err(ApiError::BadRequest(m)) if m.contains("121.12"))
        );
    }

    #[test]
    fn assignment_form_needs_a_target() {
        let empty = Fields(vec![("lead".into(), "3".into())]);
        assert!(assignment(&empty).is_err());
        let theme = Fields(vec![
            ("target".into(), "theme".into()),
            ("theme".into(), "B32".into()),
            ("lead".into(), "3".into()),
        ]);
        assert!(
            matches!(assignment(&theme), Err(ApiError::BadRequest(m)) if m.starts_with("state"))
        );
        let cluster = Fields(vec![
            ("target".into(), "cluster".into()),
            ("cluster".into(), "9".into()),
            ("lead".into(), "3".into()),
            ("support".into(), "4".into()),
        ]);
        assert!(matches!(
            assignment(&cluster),
            Ok(Assign { target: AssignTarget::Cluster(9), lead: Some(3), ref support }) if support == &vec![4]
        ));
    }
}
