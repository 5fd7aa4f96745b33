//! The domain of rightstrack: what a recommendation is, where it comes from, how it is
//! classified and how its implementation is followed up.
//!
//! Every value here can only exist valid ("parse, don't validate"): a [`StateCode`],
//! a [`Session`], a [`Position`] or an [`SdgTarget`] is built by parsing and carries its
//! validity with it. This crate does no I/O.

pub mod access;
pub mod cluster;
pub mod evidence;
pub mod mechanism;
pub mod recommendation;
pub mod reprisals;
pub mod review;
pub mod signals;
pub mod state;
pub mod taxonomy;
pub mod text;
pub mod tracking;

mod reference;

pub use access::{AuditEntry, Permission, Role};
pub use cluster::{Cluster, ClusterKind, Decision, LinkKind, RecommendationLink};
pub use mechanism::{Committee, Mechanism};
pub use recommendation::{
    DocumentKind, NewRecommendation, Position, PositionUpdate, Provenance, Recommendation,
    RecommendationId, SourceDocument, Tag,
};
pub use review::{ActionCategory, Cycle, Session};
pub use signals::{Divergence, RegressionKind, ReminderKind};
pub use state::{RegionalGroup, State, StateCode};
pub use taxonomy::{SdgGoal, SdgTarget, Taxonomy, Term};
pub use tracking::{
    Action, ActionKind, ActionProgress, Assessment, AssignmentRole, Funding, ImplementationStatus,
    Indicator, Institution, InstitutionKind, Legislation, LegislationStage, ProgressReport,
    ReportingSchedule, SchedulePlan, StakeholderKind, StatusChange,
};

/// Why a value could not be parsed into a domain type. The message names the value and
/// what was expected, so it can be shown to the person who typed or imported it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not valid: expected {expected}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self {
            what,
            value: value.chars().take(80).collect(),
            expected: expected.into(),
        }
    }
}
