//! The facets a search can be narrowed by and counted on.

use std::fmt;

use rightstrack_core::{Recommendation, Taxonomy};
use serde::Serialize;

use crate::facts::IndexFacts;

/// The values of [`Dimension::Signal`]. Regression, divergence and repeated are stored
/// with each document; overdue and stalled depend on the date and are worked out when
/// searching (see [`crate::Clock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Overdue,
    Stalled,
    Regression,
    Divergence,
    /// Repeats an earlier recommendation and is still not fully implemented.
    Repeated,
}

impl Signal {
    pub const ALL: [Signal; 5] = [
        Self::Overdue,
        Self::Stalled,
        Self::Regression,
        Self::Divergence,
        Self::Repeated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Stalled => "stalled",
            Self::Regression => "regression",
            Self::Divergence => "divergence",
            Self::Repeated => "repeated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Overdue => "Overdue",
            Self::Stalled => "Stalled",
            Self::Regression => "Regression",
            Self::Divergence => "Assessments diverge",
            Self::Repeated => "Repeated, not implemented",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == value)
    }
}

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
    Status,
    Institution,
    Repeats,
    Signal,
    Published,
}

impl Dimension {
    pub const ALL: [Dimension; 18] = [
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
        Self::Status,
        Self::Institution,
        Self::Repeats,
        Self::Signal,
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
            Self::Status => "status",
            Self::Institution => "institution",
            Self::Repeats => "repeats",
            Self::Signal => "signal",
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
            Self::Status => "Implementation status",
            Self::Institution => "Responsible institution",
            Self::Repeats => "Repeats an earlier recommendation",
            Self::Signal => "Accountability signal",
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
    pub(crate) fn values_of(
        rec: &Recommendation,
        facts: &IndexFacts,
    ) -> Vec<(Dimension, String, String)> {
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
        if let Some(s) = facts.status {
            out.push((Self::Status, s.code().to_string(), s.label().to_string()));
        }
        for (id, name) in &facts.leads {
            out.push((Self::Institution, id.to_string(), name.clone()));
        }
        let (yes, no) = ("yes".to_string(), "no".to_string());
        out.push(if facts.repeats {
            (Self::Repeats, yes, "Repeats".to_string())
        } else {
            (Self::Repeats, no, "Does not repeat".to_string())
        });
        let stored = [
            (Signal::Regression, facts.regressed),
            (Signal::Divergence, facts.divergent),
            (
                Signal::Repeated,
                facts.repeats && !facts.fully_implemented(),
            ),
        ];
        for (signal, holds) in stored {
            if holds {
                out.push((
                    Self::Signal,
                    signal.code().to_string(),
                    signal.label().to_string(),
                ));
            }
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
