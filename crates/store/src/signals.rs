//! Accountability signals, dashboards and due reminders, built from the [`Store`]'s reads
//! with the rules of [`rightstrack_core::signals`]: written once for both backends, and
//! what the web handlers and the reminder job call.

use std::collections::{BTreeMap, HashMap, HashSet};

use rightstrack_core::signals::{self as rules, Divergence};
use rightstrack_core::{
    Decision, ImplementationStatus, LinkKind, RecommendationId, ReminderKind, StateCode,
};
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::{
    ActionQuery, ActionRecord, Activity, Assignment, CurrentStatus, Deadline, Reminder, Result,
    Store,
};

/// Deadlines passed without the work done, as of `today` (the state's date).
pub async fn overdue(store: &dyn Store, today: Date) -> Result<Vec<Deadline>> {
    let Some(yesterday) = today.previous_day() else {
        return Ok(Vec::new());
    };
    Ok(store
        .deadlines(yesterday)
        .await?
        .into_iter()
        .filter(|d| d.due < today)
        .collect())
}

/// Tracked recommendations of a state, not fully implemented, without any activity for
/// `months` calendar months.
pub async fn stalled(
    store: &dyn Store,
    state: StateCode,
    now: OffsetDateTime,
    months: u32,
    offset: UtcOffset,
) -> Result<Vec<Activity>> {
    let today = rules::local_today(now, offset);
    let candidates: Vec<Activity> = store
        .activity(state)
        .await?
        .into_iter()
        .filter(|a| rules::stalled(a.last_update, today, months, offset))
        .collect();
    let ids: Vec<RecommendationId> = candidates.iter().map(|a| a.recommendation_id).collect();
    let done = fully_implemented(store, &ids).await?;
    Ok(candidates
        .into_iter()
        .filter(|a| !done.contains(&a.recommendation_id))
        .collect())
}

async fn fully_implemented(
    store: &dyn Store,
    ids: &[RecommendationId],
) -> Result<HashSet<RecommendationId>> {
    Ok(store
        .statuses(ids)
        .await?
        .into_iter()
        .filter(|s| s.status == ImplementationStatus::FullyImplemented)
        .filter_map(|s| s.recommendation_id)
        .collect())
}

/// Current assessments of a state's recommendations that are two or more steps apart.
pub async fn divergences(store: &dyn Store, state: StateCode) -> Result<Vec<Divergence>> {
    Ok(rules::divergences(&store.assessments(state).await?))
}

/// A recommendation that repeats an earlier one and is still not fully implemented.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repeated {
    pub recommendation_id: RecommendationId,
    pub repeats: Vec<RecommendationId>,
    pub status: ImplementationStatus,
}

/// The state's recommendations with a `repeats` link (not rejected by a person) whose
/// status is not fully implemented.
pub async fn repeated_not_implemented(
    store: &dyn Store,
    state: StateCode,
) -> Result<Vec<Repeated>> {
    let mut earlier: BTreeMap<RecommendationId, Vec<RecommendationId>> = BTreeMap::new();
    for link in store.links(state).await? {
        if link.kind == LinkKind::Repeats && link.decision != Decision::Rejected {
            earlier.entry(link.from).or_default().push(link.to);
        }
    }
    let ids: Vec<RecommendationId> = earlier.keys().copied().collect();
    let statuses: HashMap<RecommendationId, ImplementationStatus> = store
        .statuses(&ids)
        .await?
        .into_iter()
        .filter_map(|s| s.recommendation_id.map(|id| (id, s.status)))
        .collect();
    Ok(earlier
        .into_iter()
        .map(|(id, repeats)| Repeated {
            recommendation_id: id,
            repeats,
            status: statuses
                .get(&id)
                .copied()
                .unwrap_or(ImplementationStatus::NoInformation),
        })
        .filter(|r| r.status != ImplementationStatus::FullyImplemented)
        .collect())
}

/// "What is mine, what is due" for one institution.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub institution_id: i64,
    /// The recommendations and clusters it leads or supports.
    pub assignments: Vec<Assignment>,
    /// The current status of each assigned recommendation.
    pub statuses: Vec<CurrentStatus>,
    /// The actions it is responsible for.
    pub actions: Vec<ActionRecord>,
    /// Its deadlines within the horizon that have not passed.
    pub due: Vec<Deadline>,
    /// Its deadlines that have passed.
    pub overdue: Vec<Deadline>,
}

pub async fn dashboard(
    store: &dyn Store,
    institution_id: i64,
    today: Date,
    horizon_days: u32,
) -> Result<Dashboard> {
    let assignments = store.assignments(Some(institution_id)).await?;
    let ids: Vec<RecommendationId> = assignments
        .iter()
        .filter_map(|a| a.recommendation_id)
        .collect();
    let statuses = store.statuses(&ids).await?;
    let actions = store
        .actions(&ActionQuery {
            institution_id: Some(institution_id),
            ..Default::default()
        })
        .await?;
    let until = today
        .checked_add(time::Duration::days(i64::from(horizon_days)))
        .unwrap_or(today);
    let (overdue, due) = store
        .deadlines(until)
        .await?
        .into_iter()
        .filter(|d| d.institution_id == Some(institution_id))
        .partition(|d| d.due < today);
    Ok(Dashboard {
        institution_id,
        assignments,
        statuses,
        actions,
        due,
        overdue,
    })
}

/// When reminders go out.
#[derive(Debug, Clone, Copy)]
pub struct ReminderPolicy {
    /// Focal points hear about a report this many days before it is due.
    pub days_before: u32,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self { days_before: 14 }
    }
}

/// The reminders due today: focal points of the responsible institution before and after
/// each unreported due date; coordinators about every overdue item. Each is unique by
/// (kind, item, due date, user): the store refuses a second claim of the same one.
pub async fn due_reminders(
    store: &dyn Store,
    today: Date,
    policy: ReminderPolicy,
) -> Result<Vec<Reminder>> {
    let until = today
        .checked_add(time::Duration::days(i64::from(policy.days_before)))
        .unwrap_or(today);
    let deadlines = store.deadlines(until).await?;
    let recipients = store.recipients().await?;
    let mut out = Vec::new();
    for d in &deadlines {
        let item = format!("{}:{}", d.kind.code(), d.id);
        let focal = match d.kind {
            crate::DeadlineKind::ProgressReport => {
                rules::focal_point_reminder(d.due, false, today, policy.days_before)
            }
            crate::DeadlineKind::ActionTarget => None,
        };
        if let Some(kind) = focal {
            for r in recipients.iter().filter(|r| {
                r.role == "focal_point"
                    && r.institution_id.is_some()
                    && r.institution_id == d.institution_id
            }) {
                out.push(reminder(kind, &item, d, r));
            }
        }
        if rules::report_overdue(d.due, false, today) {
            for r in recipients.iter().filter(|r| r.role == "coordinator") {
                out.push(reminder(ReminderKind::Overdue, &item, d, r));
            }
        }
    }
    Ok(out)
}

fn reminder(kind: ReminderKind, item: &str, d: &Deadline, to: &crate::Recipient) -> Reminder {
    let what = match d.kind {
        crate::DeadlineKind::ProgressReport => format!("the progress report on {:?}", d.title),
        crate::DeadlineKind::ActionTarget => format!("the action {:?}", d.title),
    };
    let (subject, lead) = match kind {
        ReminderKind::Upcoming => (
            format!("Due on {}: {}", d.due, d.title),
            format!("A reminder that {what} is due on {}.", d.due),
        ),
        ReminderKind::Missed => (
            format!("Past due since {}: {}", d.due, d.title),
            format!(
                "{} was due on {} and has not been filed.",
                capitalise(&what),
                d.due
            ),
        ),
        ReminderKind::Overdue => (
            format!("Overdue since {}: {}", d.due, d.title),
            format!("{} is overdue: it was due on {}.", capitalise(&what), d.due),
        ),
    };
    let recs: Vec<String> = d.recommendation_ids.iter().map(|r| r.to_string()).collect();
    let body = format!(
        "{lead}\n\nAction {}; recommendations: {}.\n",
        d.action_id,
        if recs.is_empty() {
            "none linked".to_string()
        } else {
            recs.join(", ")
        }
    );
    Reminder {
        kind,
        item: item.to_string(),
        due: d.due,
        user_id: to.user_id,
        email: to.email.clone(),
        subject,
        body,
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
