//! The rows every report is made of: one [`Entry`] per recommendation with its
//! implementation data, its theme and its status in the chosen voice; and the counts over
//! a set of entries ([`Tally`]), computed here only, so that every report and format shows
//! the same figures.

use std::collections::HashMap;

use rightstrack_core::{
    ActionProgress, ClusterKind, ImplementationStatus, Mechanism, Position, Recommendation,
    RecommendationId, StakeholderKind, StateCode, Taxonomy,
};
use rightstrack_store::{Implementation, PageRequest, RecommendationFilter, Store};
use time::Date;

use super::Voice;
use crate::i18n::Lang;
use crate::ReportError;

/// One recommendation as a report sees it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub rec: Recommendation,
    pub imp: Implementation,
    pub theme: String,
    /// The status in the report's voice: the government's own status, or the latest
    /// assessment of the NHRI or civil society; "no information" when there is none.
    pub status: ImplementationStatus,
    /// What the voice gave as justification or evidence for that status.
    pub evidence: Option<String>,
}

impl Entry {
    pub fn supported(&self) -> bool {
        matches!(
            self.rec.position,
            Some(Position::Supported | Position::SupportedInPart)
        )
    }

    pub fn noted(&self) -> bool {
        self.rec.position == Some(Position::Noted)
    }

    /// Something was done: an action is recorded, or the status shows progress.
    pub fn acted_on(&self) -> bool {
        !self.imp.actions.is_empty() || self.status.rank().is_some_and(|r| r > 0)
    }

    pub fn supported_not_acted(&self) -> bool {
        self.supported() && !self.acted_on()
    }

    pub fn noted_with_action(&self) -> bool {
        self.noted() && self.acted_on()
    }

    /// Supported, yet not started or without information: what a follow-up asks about.
    pub fn slow_or_unclear(&self) -> bool {
        self.supported()
            && matches!(
                self.status,
                ImplementationStatus::NotStarted | ImplementationStatus::NoInformation
            )
    }

    /// Mentions reprisals or intimidation against those who cooperate with the UN.
    pub fn about_reprisals(&self) -> bool {
        let text = self.rec.text.to_lowercase();
        ["reprisal", "intimidation", "représailles"]
            .iter()
            .any(|w| text.contains(w))
    }

    /// Actions serving this recommendation that are past their target date unfinished.
    pub fn overdue_actions(&self, today: Date) -> impl Iterator<Item = i64> + '_ {
        self.imp
            .actions
            .iter()
            .filter(move |a| {
                a.action.progress != ActionProgress::Completed
                    && a.action.target_date.is_some_and(|d| d < today)
            })
            .map(|a| a.action.id)
    }

    /// "93.12" or "#4512" when the paragraph is unknown.
    pub fn reference(&self) -> String {
        self.rec
            .paragraph
            .clone()
            .unwrap_or_else(|| format!("#{}", self.rec.id))
    }
}

/// Counts over a set of entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub total: u64,
    /// Supported, supported in part, noted, no position.
    pub by_position: Vec<(Option<Position>, u64)>,
    /// Every status of the scale, "no information" last.
    pub by_status: Vec<(ImplementationStatus, u64)>,
    pub supported_not_acted: u64,
    pub noted_with_action: u64,
    pub slow_or_unclear: u64,
    pub regressed: u64,
    pub overdue_actions: u64,
}

impl Tally {
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a Entry>, today: Date) -> Self {
        let entries: Vec<&Entry> = entries.into_iter().collect();
        let count = |f: &dyn Fn(&Entry) -> bool| entries.iter().filter(|e| f(e)).count() as u64;
        let positions = [
            Some(Position::Supported),
            Some(Position::SupportedInPart),
            Some(Position::Noted),
            None,
        ];
        let mut overdue: Vec<i64> = entries
            .iter()
            .flat_map(|e| e.overdue_actions(today))
            .collect();
        overdue.sort_unstable();
        overdue.dedup();
        Self {
            total: entries.len() as u64,
            by_position: positions
                .into_iter()
                .map(|p| (p, count(&|e| e.rec.position == p)))
                .collect(),
            by_status: ImplementationStatus::ALL
                .iter()
                .map(|s| (*s, count(&|e| e.status == *s)))
                .collect(),
            supported_not_acted: count(&Entry::supported_not_acted),
            noted_with_action: count(&Entry::noted_with_action),
            slow_or_unclear: count(&Entry::slow_or_unclear),
            regressed: count(&|e| e.imp.regressed()),
            overdue_actions: overdue.len() as u64,
        }
    }

    pub fn status(&self, status: ImplementationStatus) -> u64 {
        self.by_status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    }
}

/// What to read.
pub struct Scope {
    pub state: StateCode,
    /// One UPR cycle; `None` for every mechanism and cycle (the dashboards).
    pub cycle: Option<u8>,
    pub voice: Voice,
    pub lang: Lang,
    pub published_only: bool,
}

/// Reads the UPR recommendations of a state's cycle (or every recommendation to the state)
/// with their implementation, themes and voice's status, in id order.
pub async fn load(store: &dyn Store, scope: &Scope) -> Result<Vec<Entry>, ReportError> {
    let filter = RecommendationFilter {
        state: Some(scope.state),
        cycle: scope.cycle,
        mechanism: scope.cycle.map(|_| Mechanism::Upr),
        published_only: scope.published_only,
        ..Default::default()
    };
    let mut recs = Vec::new();
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
        recs.extend(page.items);
    }
    let ids: Vec<RecommendationId> = recs.iter().map(|r| r.id).collect();
    let implementations = store.implementation_of(&ids).await?;
    let themes = cluster_themes(store, scope.state).await?;
    Ok(recs
        .into_iter()
        .zip(implementations)
        .map(|(rec, mut imp)| {
            if scope.published_only {
                keep_published(&mut imp);
            }
            let theme = themes
                .get(&rec.id)
                .cloned()
                .or_else(|| tag_theme(&rec))
                .unwrap_or_else(|| scope.lang.words().not_classified.to_string());
            let (status, evidence) = voice_status(&imp, scope.voice);
            Entry {
                rec,
                imp,
                theme,
                status,
                evidence,
            }
        })
        .collect())
}

/// The title of the thematic cluster a recommendation is in (people's titles kept by the
/// store), where clustering has run.
async fn cluster_themes(
    store: &dyn Store,
    state: StateCode,
) -> Result<HashMap<RecommendationId, String>, ReportError> {
    let mut themes = HashMap::new();
    for cluster in store.clusters(state).await? {
        if cluster.kind != ClusterKind::Thematic {
            continue;
        }
        for member in cluster.members {
            themes
                .entry(member)
                .or_insert_with(|| cluster.title.clone());
        }
    }
    Ok(themes)
}

/// Otherwise the first theme its source gave it.
fn tag_theme(rec: &Recommendation) -> Option<String> {
    [Taxonomy::UhriTheme, Taxonomy::UprIssue]
        .iter()
        .find_map(|t| rec.tags.iter().find(|tag| tag.taxonomy == *t))
        .map(|tag| tag.label.clone())
}

fn keep_published(imp: &mut Implementation) {
    imp.actions.retain(|a| a.published);
    let actions: Vec<i64> = imp.actions.iter().map(|a| a.action.id).collect();
    imp.indicators
        .retain(|i| actions.contains(&i.indicator.action_id));
    for indicator in &mut imp.indicators {
        indicator.reports.retain(|r| r.public);
    }
    imp.assessments.retain(|a| a.published);
}

fn voice_status(imp: &Implementation, voice: Voice) -> (ImplementationStatus, Option<String>) {
    match voice.stakeholder() {
        StakeholderKind::Government => {
            imp.current_status()
                .map_or((ImplementationStatus::NoInformation, None), |s| {
                    (
                        s.status,
                        Some(s.justification.clone()).filter(|j| !j.is_empty()),
                    )
                })
        }
        who => {
            imp.latest_assessment(who)
                .map_or((ImplementationStatus::NoInformation, None), |a| {
                    let mut evidence = a.assessment.text.clone();
                    if let Some(more) = &a.assessment.evidence {
                        evidence = format!("{evidence} ({more})");
                    }
                    (
                        a.assessment.status,
                        Some(evidence).filter(|e| !e.is_empty()),
                    )
                })
        }
    }
}
