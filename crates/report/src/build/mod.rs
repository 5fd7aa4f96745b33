//! From the store to a [`Document`]: which recommendations a report covers, what it says
//! about each, and its figures.

pub mod dashboard;
pub mod facts;
mod follow_up;
mod hrc_brief;
mod mid_term;
mod parts;

use rightstrack_core::{StakeholderKind, StateCode};
use rightstrack_store::Store;
use time::{Date, OffsetDateTime};

use crate::document::Document;
use crate::i18n::Lang;
use crate::ReportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The state's (or a stakeholder's) mid-term report on one cycle's recommendations.
    MidTerm,
    /// The chapter of the next national report on what became of a cycle's recommendations.
    FollowUp,
    /// The brief for the HRC President's follow-up or an item 6 statement.
    HrcBrief,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [Self::MidTerm, Self::FollowUp, Self::HrcBrief];

    pub fn code(self) -> &'static str {
        match self {
            Self::MidTerm => "mid-term",
            Self::FollowUp => "follow-up",
            Self::HrcBrief => "hrc-brief",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == value)
            .ok_or_else(|| {
                format!("unknown report {value:?}: use mid-term, follow-up or hrc-brief")
            })
    }
}

/// Whose statuses the report gives: the government's own, or an independent stakeholder's
/// assessments (the shadow report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    Government,
    Nhri,
    Cso,
}

impl Voice {
    pub const ALL: [Voice; 3] = [Self::Government, Self::Nhri, Self::Cso];

    pub fn code(self) -> &'static str {
        match self {
            Self::Government => "government",
            Self::Nhri => "nhri",
            Self::Cso => "cso",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.code() == value)
            .ok_or_else(|| format!("unknown voice {value:?}: use government, nhri or cso"))
    }

    pub fn stakeholder(self) -> StakeholderKind {
        match self {
            Self::Government => StakeholderKind::Government,
            Self::Nhri => StakeholderKind::Nhri,
            Self::Cso => StakeholderKind::Cso,
        }
    }
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub state: StateCode,
    pub cycle: u8,
    pub voice: Voice,
    pub lang: Lang,
    /// Only what is published (the public's view).
    pub published_only: bool,
    /// The day against which target dates are overdue.
    pub today: Date,
}

impl ReportRequest {
    pub fn new(kind: ReportKind, state: StateCode, cycle: u8) -> Self {
        Self {
            kind,
            state,
            cycle,
            voice: Voice::Government,
            lang: Lang::En,
            published_only: false,
            today: OffsetDateTime::now_utc().date(),
        }
    }

    fn scope(&self, state: StateCode) -> facts::Scope {
        facts::Scope {
            state,
            cycle: Some(self.cycle),
            voice: self.voice,
            lang: self.lang,
            published_only: self.published_only,
        }
    }
}

/// Reads what the report needs from the store and writes it as a [`Document`].
pub async fn assemble(store: &dyn Store, request: &ReportRequest) -> Result<Document, ReportError> {
    if !(1..=9).contains(&request.cycle) {
        return Err(ReportError::Invalid(format!(
            "cycle {} is not a UPR cycle: expected a number from 1 to 9",
            request.cycle
        )));
    }
    let entries = facts::load(store, &request.scope(request.state)).await?;
    if entries.is_empty() {
        return Err(ReportError::Invalid(format!(
            "the database holds no UPR recommendations to {} in cycle {}{}: import the Working Group report first",
            request.state,
            request.cycle,
            if request.published_only { " that are published" } else { "" }
        )));
    }
    match request.kind {
        ReportKind::MidTerm => Ok(mid_term::build(request, &entries)),
        ReportKind::FollowUp => follow_up::build(store, request, &entries).await,
        ReportKind::HrcBrief => hrc_brief::build(store, request, entries).await,
    }
}
