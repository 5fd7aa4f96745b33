//! The review of model suggestions: people see what `rightstrack classify` proposed, with
//! the terms that drove each proposal, and accept or reject it. An accepted suggestion
//! becomes the person's tag (training data); a rejected one is remembered so that the same
//! model never proposes it again for that recommendation. Each decision is one audit entry.
//! Predicted action categories are kept apart from tags ([`PredictedCategory`]): the
//! category is a field of the recommendation, not one of its tags.

mod work;

use async_trait::async_trait;
use rightstrack_core::{ActionCategory, RecommendationId, StateCode, Taxonomy};
use serde::{Deserialize, Serialize};

use crate::filter::{Placeholder, Value};
use crate::{Page, RecommendationFilter, Result};

/// One term of a text and how much it pushed a suggestion up (its share of the model's
/// linear score for the label).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub term: String,
    pub weight: f32,
}

/// Which suggestions to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct SuggestionQuery {
    /// Which recommendations (state, cycle …).
    pub filter: RecommendationFilter,
    pub taxonomy: Option<Taxonomy>,
    /// A label's code, or its label (any case).
    pub label: Option<String>,
    pub min_confidence: Option<f32>,
    pub max_confidence: Option<f32>,
    pub limit: u32,
    pub offset: u64,
}

/// A suggestion waiting for a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingSuggestion {
    pub recommendation_id: RecommendationId,
    pub state: StateCode,
    pub text: String,
    pub published: bool,
    pub taxonomy: Taxonomy,
    pub code: String,
    pub label: String,
    pub confidence: f32,
    pub model_version: String,
    /// The terms that drove it, strongest first.
    pub explanation: Vec<Contribution>,
}

/// A person's decision on one suggestion, named by its recommendation and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionDecision {
    pub recommendation_id: RecommendationId,
    pub taxonomy: Taxonomy,
    pub code: String,
    pub accept: bool,
}

/// What a batch of decisions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecisionSummary {
    pub accepted: usize,
    pub rejected: usize,
    /// Decisions on suggestions that are not (or no longer) waiting: decided before, or
    /// replaced by a newer classification.
    pub not_found: usize,
}

/// A model's prediction of a recommendation's action category (UPR Info's scale of 1,
/// minimal action, to 5, specific action), with the specificity that follows from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictedCategory {
    pub recommendation_id: RecommendationId,
    pub category: ActionCategory,
    pub confidence: f32,
    /// [`ActionCategory::specificity`] of the category: 0 (vague) to 1 (measurable).
    pub specificity: f32,
    pub model_version: String,
    pub explanation: Vec<Contribution>,
}

#[async_trait]
pub trait Review: Send + Sync {
    /// Replaces the predicted action categories of these recommendations with a new run's
    /// (a recommendation without a prediction in `predictions` loses its old one). Returns
    /// how many were stored.
    async fn replace_predicted_categories(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        predictions: Vec<PredictedCategory>,
    ) -> Result<usize>;

    /// The predicted action categories of these recommendations, where there is one.
    async fn predicted_categories(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<PredictedCategory>>;

    /// Model suggestions waiting for a decision, most confident first.
    async fn pending_suggestions(&self, query: &SuggestionQuery)
        -> Result<Page<PendingSuggestion>>;

    /// Applies decisions in one transaction, each recorded in the audit log.
    async fn decide_suggestions(
        &self,
        actor: &str,
        decisions: &[SuggestionDecision],
    ) -> Result<DecisionSummary>;
}

/// The WHERE clause (over `t` tags, `r` recommendations, `te` terms) of a query: the
/// recommendation filter's, then the suggestion's own conditions.
pub(crate) fn where_clause(query: &SuggestionQuery, style: Placeholder) -> (String, Vec<Value>) {
    let (recommendations, mut values) = crate::filter::where_clause(&query.filter, style);
    let mut conditions = vec!["t.provenance = 'model'".to_string(), recommendations];
    let mut bind = |value: Value| {
        values.push(value);
        style.at(values.len())
    };
    if let Some(t) = query.taxonomy {
        let p = bind(Value::Text(t.code().into()));
        conditions.push(format!("te.taxonomy = {p}"));
    }
    if let Some(l) = query
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let p = bind(Value::Text(l.to_string()));
        conditions.push(format!("(te.code = {p} OR LOWER(te.label) = LOWER({p}))"));
    }
    if let Some(c) = query.min_confidence {
        let p = bind(Value::Real(f64::from(c)));
        conditions.push(format!("t.confidence >= {p}"));
    }
    if let Some(c) = query.max_confidence {
        let p = bind(Value::Real(f64::from(c)));
        conditions.push(format!("t.confidence <= {p}"));
    }
    (conditions.join(" AND "), values)
}

/// The columns [`PendingSuggestion`] is read from, in order.
pub(crate) const COLUMNS: &str = "t.recommendation_id, r.state_code, r.text, r.published, te.taxonomy, te.code, te.label, t.confidence, t.model_version, t.explanation";

pub(crate) const FROM: &str = "recommendation_tags t JOIN recommendations r ON r.id = t.recommendation_id JOIN terms te ON te.id = t.term_id";

/// The explanation column: JSON, or nothing.
pub(crate) fn explanation_json(explanation: &[Contribution]) -> Option<String> {
    (!explanation.is_empty())
        .then(|| serde_json::to_string(explanation).ok())
        .flatten()
}

/// A stored category number, read back.
pub(crate) fn category(number: i64) -> Result<ActionCategory> {
    u8::try_from(number)
        .ok()
        .and_then(|n| ActionCategory::try_from(n).ok())
        .ok_or_else(|| crate::StoreError::Corrupt(format!("action category {number}")))
}

pub(crate) fn parse_explanation(json: Option<&str>) -> Vec<Contribution> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// The audit entry of one decision.
pub(crate) fn audit_details(
    d: &SuggestionDecision,
    model_version: &str,
    confidence: Option<f64>,
) -> serde_json::Value {
    serde_json::json!({
        "taxonomy": d.taxonomy.code(),
        "code": d.code,
        "model": model_version,
        "confidence": confidence,
    })
}

pub(crate) fn audit_action(accept: bool) -> &'static str {
    if accept {
        "accept_suggestion"
    } else {
        "reject_suggestion"
    }
}

pub(crate) fn decision_code(accept: bool) -> &'static str {
    if accept {
        "accepted"
    } else {
        "rejected"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_number_their_values() {
        let query = SuggestionQuery {
            filter: RecommendationFilter {
                state: StateCode::parse("NOR").ok(),
                ..Default::default()
            },
            taxonomy: Some(Taxonomy::UprIssue),
            label: Some("Women's rights".into()),
            min_confidence: Some(0.5),
            ..Default::default()
        };
        let (sql, values) = where_clause(&query, Placeholder::Dollar);
        assert_eq!(
            sql,
            "t.provenance = 'model' AND TRUE AND r.state_code = $1 AND te.taxonomy = $2 AND (te.code = $3 OR LOWER(te.label) = LOWER($3)) AND t.confidence >= $4"
        );
        assert_eq!(values.len(), 4);
    }
}
