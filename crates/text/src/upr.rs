//! The tasks rightstrack trains on recommendations: UPR Info issues and action category,
//! and the taxonomies of [`Taxonomy`] as generic multi-label tasks.

use rightstrack_core::{ActionCategory, NewRecommendation, Taxonomy};

use crate::{Model, TaskKind, TaskSpec, TrainingExample};

/// Task name of UPR Info issues: the taxonomy's code.
pub const ISSUES: &str = "upr_issue";
/// Task name of UPR Info action categories (labels "1" to "5").
pub const ACTION_CATEGORY: &str = "upr_action_category";

/// The multi-label task of a taxonomy, named by its code.
pub fn taxonomy_task(taxonomy: Taxonomy) -> TaskSpec {
    TaskSpec::new(taxonomy.code(), TaskKind::MultiLabel)
}

pub fn action_category_task() -> TaskSpec {
    TaskSpec::new(ACTION_CATEGORY, TaskKind::SingleLabel)
}

/// Training examples of the UPR Info tasks from imported recommendations, grouped by
/// session; a recommendation without issues or without an action category is not an
/// example of that task.
pub fn examples(recommendations: &[&NewRecommendation]) -> Vec<(TaskSpec, Vec<TrainingExample>)> {
    let group = |r: &NewRecommendation| r.session.map(|s| u32::from(s.number())).unwrap_or(0);
    let issues = recommendations
        .iter()
        .filter_map(|r| {
            let labels: Vec<String> = r
                .tags
                .iter()
                .filter(|(t, _)| *t == Taxonomy::UprIssue)
                .map(|(_, c)| c.clone())
                .collect();
            (!labels.is_empty()).then(|| TrainingExample {
                text: r.text.clone(),
                labels,
                group: group(r),
            })
        })
        .collect();
    let actions = recommendations
        .iter()
        .filter_map(|r| {
            Some(TrainingExample {
                text: r.text.clone(),
                labels: vec![r.action_category?.number().to_string()],
                group: group(r),
            })
        })
        .collect();
    vec![
        (taxonomy_task(Taxonomy::UprIssue), issues),
        (action_category_task(), actions),
    ]
}

/// The predicted action category of a text, if the model has that task.
pub fn action_category(model: &Model, text: &str) -> Option<(ActionCategory, f32)> {
    let (label, confidence) = model.predict(ACTION_CATEGORY, text).into_iter().next()?;
    Some((ActionCategory::parse(&label).ok()?, confidence))
}

/// How measurable the requested action is (see [`ActionCategory::specificity`]), from the
/// predicted action category.
pub fn specificity(model: &Model, text: &str) -> Option<f32> {
    action_category(model, text).map(|(category, _)| category.specificity())
}
