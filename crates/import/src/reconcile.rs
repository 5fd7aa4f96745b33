//! After an import, what each review it touched now holds: how many recommendations have
//! each position and which paragraphs still have none, the gaps in the report's
//! numbering, and an addendum's positions that found no recommendation (most often
//! because its report is not imported yet). Every mismatch is a warning naming the
//! numbers, so that nothing is lost silently.

use std::collections::{BTreeMap, BTreeSet};

use rightstrack_core::{Mechanism, Recommendation, RecommendationId, StateCode};
use rightstrack_store::{PageRequest, RecommendationFilter, Store, StoreError};
use serde::Serialize;

use crate::Problem;

/// A Universal Periodic Review a file spoke of: the state, the session and the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReviewKey {
    pub state: StateCode,
    pub session: Option<u16>,
    /// The Working Group report's symbol ("A/HRC/43/15"), where known.
    pub report: Option<String>,
}

impl ReviewKey {
    /// The report's symbol names the review alone: an addendum that does not say its
    /// session is of the same review as its report, which does.
    pub fn new(state: StateCode, session: Option<u16>, report: Option<String>) -> Self {
        let session = if report.is_some() { None } else { session };
        Self {
            state,
            session,
            report,
        }
    }
}

/// What one file said of a review: the paragraphs its positions name, if it is an
/// addendum.
#[derive(Debug, Clone)]
pub(crate) struct Touched {
    pub file: String,
    pub review: ReviewKey,
    pub position_paragraphs: Vec<String>,
}

/// A review after the import: the `reviews` of the `--json` summary.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewTally {
    pub state: String,
    pub session: Option<u16>,
    pub report: Option<String>,
    pub recommendations: usize,
    /// Position code ("supported", "noted", …) to how many recommendations have it.
    pub positions: BTreeMap<String, usize>,
    /// Paragraphs with at least one recommendation and no position.
    pub without_position: Vec<String>,
}

impl ReviewTally {
    /// "SVN, session 34 (A/HRC/43/15)".
    pub fn name(&self) -> String {
        let mut name = self.state.clone();
        if let Some(s) = self.session {
            name.push_str(&format!(", session {s}"));
        }
        if let Some(r) = &self.report {
            name.push_str(&format!(" ({r})"));
        }
        name
    }
}

/// How many numbers a warning lists before "and N more".
const LISTED: usize = 40;

fn listed(numbers: &[String]) -> String {
    let mut out = numbers
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if numbers.len() > LISTED {
        out.push_str(&format!(" and {} more", numbers.len() - LISTED));
    }
    out
}

/// Orders "122.9" before "122.10".
fn paragraph_order(p: &str) -> Vec<u32> {
    p.split('.')
        .map(|n| n.parse().unwrap_or(u32::MAX))
        .collect()
}

/// The recommendations of a review, walked in pages.
async fn review_recommendations(
    store: &dyn Store,
    review: &ReviewKey,
) -> Result<Vec<Recommendation>, StoreError> {
    let filter = RecommendationFilter {
        state: Some(review.state),
        session: review.session,
        mechanism: Some(Mechanism::Upr),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut after = RecommendationId(0);
    loop {
        let page = store
            .recommendations(
                &filter,
                PageRequest {
                    limit: 1000,
                    offset: 0,
                    after_id: Some(after),
                },
            )
            .await?;
        let Some(last) = page.items.last() else {
            break;
        };
        after = last.id;
        out.extend(page.items.into_iter().filter(|r| {
            review.report.is_none()
                || r.document.as_ref().map(|d| &d.symbol) == review.report.as_ref()
        }));
    }
    Ok(out)
}

/// Whether a position's paragraph ("122.5", or "5" in addenda that drop the report's
/// paragraph) names this recommendation's paragraph.
fn names(update: &str, paragraph: &str) -> bool {
    paragraph == update
        || (!update.contains('.') && paragraph.rsplit_once('.').is_some_and(|(_, k)| k == update))
}

/// The numbers missing from each run "P.1, P.2 …" of a review's paragraphs.
fn numbering_gaps(paragraphs: &BTreeSet<String>) -> Vec<String> {
    let mut runs: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for p in paragraphs {
        if let Some((head, k)) = p.split_once('.') {
            if let (Ok(head), Ok(k)) = (head.parse(), k.parse()) {
                runs.entry(head).or_default().insert(k);
            }
        }
    }
    let mut gaps = Vec::new();
    for (head, ks) in runs {
        let Some(&last) = ks.iter().next_back() else {
            continue;
        };
        gaps.extend(
            (1..last)
                .filter(|k| !ks.contains(k))
                .map(|k| format!("{head}.{k}")),
        );
    }
    gaps
}

/// Tallies every review `touched` spoke of and adds a warning for each mismatch.
pub(crate) async fn reconcile(
    store: &dyn Store,
    touched: &[Touched],
    tallies: &mut Vec<ReviewTally>,
    warnings: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    let reviews: BTreeSet<&ReviewKey> = touched.iter().map(|t| &t.review).collect();
    for review in reviews {
        let recs = review_recommendations(store, review).await?;
        let paragraphs: BTreeSet<String> =
            recs.iter().filter_map(|r| r.paragraph.clone()).collect();
        let mut tally = ReviewTally {
            state: review.state.as_str().to_string(),
            session: review.session,
            report: review.report.clone(),
            recommendations: recs.len(),
            positions: BTreeMap::new(),
            without_position: Vec::new(),
        };
        let mut without = BTreeSet::new();
        for r in &recs {
            match r.position {
                Some(p) => *tally.positions.entry(p.code().to_string()).or_default() += 1,
                None => {
                    *tally.positions.entry("none".to_string()).or_default() += 1;
                    if let Some(p) = &r.paragraph {
                        without.insert(p.clone());
                    }
                }
            }
        }
        let mut without: Vec<String> = without.into_iter().collect();
        without.sort_by_key(|p| paragraph_order(p));
        tally.without_position = without;
        let name = tally.name();
        let warn = |file: &str, message: String| Problem {
            file: file.to_string(),
            location: "whole document".into(),
            message,
        };
        for t in touched.iter().filter(|t| &t.review == review) {
            if t.position_paragraphs.is_empty() {
                continue;
            }
            if recs.is_empty() {
                warnings.push(warn(
                    &t.file,
                    format!(
                        "the report of review {name} is not imported yet, so none of this addendum's {} positions was applied: import the Working Group report{} first, then this addendum again",
                        t.position_paragraphs.len(),
                        review.report.as_ref().map(|r| format!(" {r}")).unwrap_or_default()
                    ),
                ));
                continue;
            }
            let mut unmatched: Vec<String> = t
                .position_paragraphs
                .iter()
                .filter(|u| !paragraphs.iter().any(|p| names(u, p)))
                .cloned()
                .collect();
            unmatched.sort_by_key(|p| paragraph_order(p));
            unmatched.dedup();
            if !unmatched.is_empty() {
                warnings.push(warn(
                    &t.file,
                    format!(
                        "{} positions name paragraphs that review {name} does not have, and were not applied: {}",
                        unmatched.len(),
                        listed(&unmatched)
                    ),
                ));
            }
        }
        let file = touched
            .iter()
            .rfind(|t| &t.review == review)
            .map(|t| t.file.clone())
            .unwrap_or_default();
        if !tally.without_position.is_empty() {
            warnings.push(warn(
                &file,
                format!(
                    "review {name}: {} paragraphs have recommendations without a position: {}. Import the state's addendum (views on the recommendations) or set them by hand",
                    tally.without_position.len(),
                    listed(&tally.without_position)
                ),
            ));
        }
        let gaps = numbering_gaps(&paragraphs);
        if !gaps.is_empty() {
            warnings.push(warn(
                &file,
                format!(
                    "review {name}: the report numbers its recommendations continuously, but these numbers were not read: {}. Check them in the report",
                    listed(&gaps)
                ),
            ));
        }
        tallies.push(tally);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_in_the_numbering_are_named() {
        let paragraphs: BTreeSet<String> = ["90.1", "90.2", "90.4", "91.1", "91.3", "60"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(numbering_gaps(&paragraphs), ["90.3", "91.2"]);
    }

    #[test]
    fn short_references_name_the_paragraph_they_end() {
        assert!(names("122.5", "122.5"));
        assert!(names("5", "93.5"));
        assert!(!names("5", "93.15"));
        assert!(!names("122.5", "122.50"));
    }

    #[test]
    fn paragraphs_sort_by_number() {
        let mut p = vec![
            "122.10".to_string(),
            "122.9".to_string(),
            "121.30".to_string(),
        ];
        p.sort_by_key(|p| paragraph_order(p));
        assert_eq!(p, ["121.30", "122.9", "122.10"]);
    }
}
