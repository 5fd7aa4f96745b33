//! The facets a search can be narrowed by and counted on.

use std::fmt;

use rightstrack_core::{Recommendation, Taxonomy};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Mechanism,
    State,
    RecommendingState,
    RecommendingGroup,
    Cycle,
    Session,
    Position,
    ActionCategory,
    Issue,
    Theme,
    AffectedPersons,
    SdgGoal,
    SdgTarget,
    Published,
}

impl Dimension {
    pub const ALL: [Dimension; 14] = [
        Self::Mechanism,
        Self::State,
        Self::RecommendingState,
        Self::RecommendingGroup,
        Self::Cycle,
        Self::Session,
        Self::Position,
        Self::ActionCategory,
        Self::Issue,
        Self::Theme,
        Self::AffectedPersons,
        Self::SdgGoal,
        Self::SdgTarget,
        Self::Published,
    ];

    /// The name used in URLs and on the command line (`state=SVN`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Mechanism => "mechanism",
            Self::State => "state",
            Self::RecommendingState => "recommending_state",
            Self::RecommendingGroup => "group",
            Self::Cycle => "cycle",
            Self::Session => "session",
            Self::Position => "position",
            Self::ActionCategory => "action_category",
            Self::Issue => "issue",
            Self::Theme => "theme",
            Self::AffectedPersons => "affected_persons",
            Self::SdgGoal => "sdg_goal",
            Self::SdgTarget => "sdg_target",
            Self::Published => "published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Mechanism => "Mechanism",
            Self::State => "State under review",
            Self::RecommendingState => "Recommending state",
            Self::RecommendingGroup => "Recommending regional group",
            Self::Cycle => "Cycle",
            Self::Session => "Session",
            Self::Position => "Position",
            Self::ActionCategory => "Action category",
            Self::Issue => "UPR Info issue",
            Self::Theme => "UHRI theme",
            Self::AffectedPersons => "Affected persons",
            Self::SdgGoal => "SDG goal",
            Self::SdgTarget => "SDG target",
            Self::Published => "Publication",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == value)
    }

    fn taxonomy(taxonomy: Taxonomy) -> Self {
        match taxonomy {
            Taxonomy::UprIssue => Self::Issue,
            Taxonomy::UhriTheme => Self::Theme,
            Taxonomy::AffectedPersons => Self::AffectedPersons,
            Taxonomy::SdgGoal => Self::SdgGoal,
            Taxonomy::SdgTarget => Self::SdgTarget,
        }
    }

    /// Every (dimension, value code, label) a recommendation has.
    pub(crate) fn values_of(rec: &Recommendation) -> Vec<(Dimension, String, String)> {
        let mut out = vec![
            (Self::Mechanism, rec.mechanism.code(), rec.mechanism.label()),
            (
                Self::State,
                rec.state.to_string(),
                rec.state.state().name.to_string(),
            ),
            (
                Self::Published,
                if rec.published { "yes" } else { "no" }.to_string(),
                if rec.published { "Published" } else { "Draft" }.to_string(),
            ),
        ];
        if let Some(c) = rec.cycle {
            out.push((Self::Cycle, c.to_string(), format!("Cycle {c}")));
        }
        if let Some(s) = rec.session {
            out.push((Self::Session, s.to_string(), format!("Session {s}")));
        }
        if let Some(p) = rec.position {
            out.push((Self::Position, p.code().to_string(), p.label().to_string()));
        }
        if let Some(a) = rec.action_category {
            out.push((
                Self::ActionCategory,
                a.number().to_string(),
                format!("{} – {}", a.number(), a.label()),
            ));
        }
        for s in &rec.recommending_states {
            let state = s.state();
            out.push((
                Self::RecommendingState,
                s.to_string(),
                state.name.to_string(),
            ));
            out.push((
                Self::RecommendingGroup,
                state.group.code().to_string(),
                state.group.label().to_string(),
            ));
        }
        for tag in &rec.tags {
            let label = match tag.taxonomy {
                Taxonomy::SdgGoal | Taxonomy::SdgTarget => format!("{} {}", tag.code, tag.label),
                _ => tag.label.clone(),
            };
            out.push((Self::taxonomy(tag.taxonomy), tag.code.clone(), label));
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        out
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
