//! A state's implementation plan and statuses as a table, for CSV or XLSX: one row per
//! recommendation with its status (and when and how it was set), its lead and supporting
//! institutions, the actions serving it, their indicators and the next due date. Narrowed
//! to one institution, it lists what that institution leads, supports or carries out.
//! Written by [`crate::export::Exporter`] with the [`PLAN`] table, like every export.

use std::collections::HashMap;

use rightstrack_core::{
    ActionProgress, AssignmentRole, ImplementationStatus, RecommendationId, StateCode,
};
use rightstrack_store::implementation::Implementation;
use rightstrack_store::{PageRequest, RecommendationFilter, StatusSource, Store, StoreError};
use time::Date;

use crate::export::Table;

/// The plan export's columns, in order.
pub const PLAN_COLUMNS: &[&str] = &[
    "id",
    "state_under_review",
    "cycle",
    "document",
    "paragraph",
    "recommendation",
    "status",
    "status_source",
    "status_date",
    "lead_institution",
    "supporting_institutions",
    "actions",
    "indicators",
    "next_due_date",
];

/// The plan as an export table.
pub const PLAN: Table = Table {
    sheet: "plan",
    columns: PLAN_COLUMNS,
    numeric: &["id", "cycle"],
};

/// Which plan to export.
#[derive(Debug, Clone)]
pub struct PlanQuery {
    pub state: StateCode,
    /// Only what this institution leads, supports or carries out an action for.
    pub institution: Option<i64>,
    /// Published recommendations and actions only (for the public).
    pub published_only: bool,
}

/// How many recommendations are read at a time.
const CHUNK: u32 = 500;

/// The plan's rows, in recommendation id order, each as [`PLAN_COLUMNS`].
pub async fn plan_rows(
    store: &dyn Store,
    query: &PlanQuery,
) -> Result<Vec<Vec<String>>, StoreError> {
    let filter = RecommendationFilter {
        state: Some(query.state),
        published_only: query.published_only,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let mut after = RecommendationId(0);
    loop {
        let page = store
            .recommendations(
                &filter,
                PageRequest {
                    limit: CHUNK,
                    offset: 0,
                    after_id: Some(after),
                },
            )
            .await?;
        let Some(last) = page.items.last() else {
            break;
        };
        after = last.id;
        let ids: Vec<RecommendationId> = page.items.iter().map(|r| r.id).collect();
        let implementations: HashMap<RecommendationId, Implementation> = store
            .implementation_of(&ids)
            .await?
            .into_iter()
            .map(|i| (i.recommendation_id, i))
            .collect();
        let statuses: HashMap<RecommendationId, (ImplementationStatus, StatusSource)> = store
            .statuses(&ids)
            .await?
            .into_iter()
            .filter_map(|s| s.recommendation_id.map(|id| (id, (s.status, s.source))))
            .collect();
        for rec in &page.items {
            let empty = Implementation::empty(rec.id);
            let imp = implementations.get(&rec.id).unwrap_or(&empty);
            if let Some(institution) = query.institution {
                if !concerns(imp, institution) {
                    continue;
                }
            }
            let (status, source) = statuses
                .get(&rec.id)
                .copied()
                .unwrap_or((ImplementationStatus::NoInformation, StatusSource::Actions));
            rows.push(row(rec, imp, status, source, query.published_only));
        }
        if page.items.len() < CHUNK as usize {
            break;
        }
    }
    Ok(rows)
}

/// True when the institution leads or supports the recommendation, or carries out an
/// action serving it.
fn concerns(imp: &Implementation, institution: i64) -> bool {
    imp.assignments
        .iter()
        .any(|a| a.institution_id == institution)
        || imp
            .actions
            .iter()
            .any(|a| a.action.institution_id == Some(institution))
}

fn row(
    rec: &rightstrack_core::Recommendation,
    imp: &Implementation,
    status: ImplementationStatus,
    source: StatusSource,
    published_only: bool,
) -> Vec<String> {
    let institutions = |role: AssignmentRole| {
        imp.assignments
            .iter()
            .filter(|a| a.role == role)
            .map(|a| a.institution.clone())
            .collect::<Vec<_>>()
            .join(";")
    };
    let actions: Vec<_> = imp
        .actions
        .iter()
        .filter(|a| a.published || !published_only)
        .collect();
    let action_ids: Vec<i64> = actions.iter().map(|a| a.action.id).collect();
    let indicators: Vec<_> = imp
        .indicators
        .iter()
        .filter(|i| action_ids.contains(&i.indicator.action_id))
        .collect();
    // The next date something is due: an unreported progress report, or the target of an
    // action not completed. A past one is still the next: it is overdue.
    let next_due: Option<Date> = indicators
        .iter()
        .flat_map(|i| i.reports.iter())
        .filter(|r| r.reported_at.is_none())
        .map(|r| r.due_date)
        .chain(
            actions
                .iter()
                .filter(|a| a.action.progress != ActionProgress::Completed)
                .filter_map(|a| a.action.target_date),
        )
        .min();
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        rec.id.0.to_string(),
        rec.state.to_string(),
        opt(rec.cycle.map(|c| c.to_string())),
        opt(rec.document.as_ref().map(|d| d.symbol.clone())),
        opt(rec.paragraph.clone()),
        rec.text.clone(),
        status.code().to_string(),
        match source {
            StatusSource::Person => "person",
            StatusSource::Actions => "actions",
        }
        .to_string(),
        // When a person set it; a status derived from actions has no date of its own.
        match source {
            StatusSource::Person => opt(imp.current_status().map(|s| s.at.date().to_string())),
            StatusSource::Actions => String::new(),
        },
        institutions(AssignmentRole::Lead),
        institutions(AssignmentRole::Support),
        actions
            .iter()
            .map(|a| {
                let mut text = format!("{} ({}", a.action.title, a.action.progress.code());
                if let Some(t) = a.action.target_date {
                    text.push_str(&format!(", target {t}"));
                }
                if let Some(i) = &a.institution {
                    text.push_str(&format!(", {i}"));
                }
                text.push(')');
                text
            })
            .collect::<Vec<_>>()
            .join(";"),
        indicators
            .iter()
            .map(|i| {
                let latest = i
                    .latest_value()
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_else(|| "–".into());
                let target = i
                    .indicator
                    .target
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "–".into());
                format!(
                    "{}: {latest}/{target} {}",
                    i.indicator.name, i.indicator.unit
                )
            })
            .collect::<Vec<_>>()
            .join(";"),
        opt(next_due.map(|d| d.to_string())),
    ]
}
