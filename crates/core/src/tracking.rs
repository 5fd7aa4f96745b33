//! Following up implementation: institutions, actions, indicators, progress reports,
//! implementation status and independent assessments.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::{ParseError, RecommendationId};

/// Defines a string-coded enum with `code`, `label`, `parse` and `ALL`, so that each
/// vocabulary below is written once.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(value: &str) -> Result<Self, ParseError> {
                let key = value.trim().to_lowercase().replace([' ', '-'], "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == key)
                    .ok_or_else(|| {
                        let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                        ParseError::new(stringify!($name), value, format!("one of {}", codes.join(", ")))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// What kind of body an institution is.
    InstitutionKind {
        Ministry = "ministry" / "Ministry",
        Agency = "agency" / "Government agency",
        ParliamentCommittee = "parliament_committee" / "Parliament committee",
        Nhri = "nhri" / "National human rights institution",
        Cso = "cso" / "Civil society organisation",
        UnEntity = "un_entity" / "UN country team entity",
        Judiciary = "judiciary" / "Judiciary",
        Other = "other" / "Other",
    }
);

vocabulary!(
    /// What an action does.
    ActionKind {
        Legislation = "legislation" / "Legislation",
        Policy = "policy" / "Policy or plan",
        Budget = "budget" / "Budget",
        Institutional = "institutional" / "Institutional",
        Training = "training" / "Training",
        Awareness = "awareness" / "Awareness raising",
        Ratification = "ratification" / "Ratification",
        Other = "other" / "Other",
    }
);

vocabulary!(
    /// Where a bill or law stands.
    LegislationStage {
        Drafted = "drafted" / "Drafted",
        Tabled = "tabled" / "Tabled in parliament",
        Adopted = "adopted" / "Adopted",
        InForce = "in_force" / "In force",
        Repealed = "repealed" / "Repealed",
    }
);

vocabulary!(
    /// How far a recommendation has been implemented. `NoInformation` stands outside the
    /// scale: it is neither progress nor its absence.
    ImplementationStatus {
        NotStarted = "not_started" / "Not started",
        InProgress = "in_progress" / "In progress",
        PartiallyImplemented = "partially_implemented" / "Partially implemented",
        FullyImplemented = "fully_implemented" / "Fully implemented",
        NoInformation = "no_information" / "No information",
    }
);

vocabulary!(
    /// Whose voice an assessment is.
    StakeholderKind {
        Government = "government" / "Government",
        Nhri = "nhri" / "National human rights institution",
        Cso = "cso" / "Civil society",
        UnCountryTeam = "un_country_team" / "UN country team",
        Parliament = "parliament" / "Parliament",
    }
);

impl ImplementationStatus {
    /// Position on the implementation scale, or `None` for `NoInformation`.
    pub fn rank(self) -> Option<u8> {
        match self {
            Self::NotStarted => Some(0),
            Self::InProgress => Some(1),
            Self::PartiallyImplemented => Some(2),
            Self::FullyImplemented => Some(3),
            Self::NoInformation => None,
        }
    }

    /// True when moving from `self` to `next` goes backwards on the scale. A move to or
    /// from "no information" is not a regression: it says nothing about implementation.
    pub fn is_regression_to(self, next: ImplementationStatus) -> bool {
        matches!((self.rank(), next.rank()), (Some(a), Some(b)) if b < a)
    }

    /// Two assessments diverge when they are two or more steps apart on the scale.
    pub fn diverges_from(self, other: ImplementationStatus) -> bool {
        matches!((self.rank(), other.rank()), (Some(a), Some(b)) if a.abs_diff(b) >= 2)
    }

    /// The status shown for a recommendation or cluster: what a person last set, with their
    /// justification, outranks the rule; the rule speaks only where nobody has.
    pub fn effective(
        set_by_person: Option<ImplementationStatus>,
        derived: Option<ImplementationStatus>,
    ) -> ImplementationStatus {
        set_by_person.or(derived).unwrap_or(Self::NoInformation)
    }

    /// The status a set of actions implies, where a rule can say: no actions → not started;
    /// every action completed → fully implemented; some completed → partially implemented;
    /// any started → in progress. `None` when nothing can be derived (no action has a state).
    pub fn derive_from_actions(actions: &[ActionProgress]) -> Option<ImplementationStatus> {
        if actions.is_empty() {
            return Some(Self::NotStarted);
        }
        let completed = actions
            .iter()
            .filter(|a| **a == ActionProgress::Completed)
            .count();
        if completed == actions.len() {
            Some(Self::FullyImplemented)
        } else if completed > 0 {
            Some(Self::PartiallyImplemented)
        } else if actions.contains(&ActionProgress::Started) {
            Some(Self::InProgress)
        } else {
            Some(Self::NotStarted)
        }
    }
}

vocabulary!(
    /// The state of one action, as far as status derivation needs it.
    ActionProgress {
        Planned = "planned" / "Planned",
        Started = "started" / "Started",
        Completed = "completed" / "Completed",
    }
);

vocabulary!(
    /// An institution's part in a recommendation or a cluster.
    AssignmentRole {
        Lead = "lead" / "Lead",
        Support = "support" / "Supporting",
    }
);

/// A ministry, agency, committee, NHRI, CSO or UN entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    pub id: i64,
    pub name: String,
    pub kind: InstitutionKind,
    pub parent_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
}

/// Money for an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funding {
    /// Amount in minor units is avoided on purpose: budgets are planned in whole units.
    pub amount: f64,
    /// ISO 4217 code.
    pub currency: String,
    pub funder: Option<String>,
    pub disbursed: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Legislation {
    pub title: String,
    pub stage: LegislationStage,
    pub committee_id: Option<i64>,
}

/// A measure that serves one or more recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub institution_id: Option<i64>,
    pub start_date: Option<Date>,
    pub target_date: Option<Date>,
    pub progress: ActionProgress,
    pub funding: Option<Funding>,
    pub legislation: Option<Legislation>,
    pub recommendation_ids: Vec<RecommendationId>,
}

vocabulary!(
    /// How often an indicator is reported on.
    ReportingSchedule {
        Monthly = "monthly" / "Monthly",
        Quarterly = "quarterly" / "Quarterly",
        SemiAnnual = "semi_annual" / "Every six months",
        Annual = "annual" / "Annual",
    }
);

impl ReportingSchedule {
    fn months(self) -> u8 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::SemiAnnual => 6,
            Self::Annual => 12,
        }
    }

    /// Due dates from `start` (exclusive) up to `end` (inclusive), each on the same day of
    /// the month as `start`, clamped to the month's last day (31 January + 1 month is 28 or
    /// 29 February, and the next is 31 March again).
    pub fn due_dates(self, start: Date, end: Date) -> Vec<Date> {
        let mut dates = Vec::new();
        let mut step: u32 = 1;
        while let Some(date) = add_months(start, u32::from(self.months()) * step) {
            if date > end {
                break;
            }
            dates.push(date);
            step += 1;
        }
        dates
    }
}

/// Which due dates move when an indicator's schedule changes. Due dates on or after
/// `today` that have no report yet follow the new schedule; reported ones stay, and so do
/// past empty ones: a schedule change must not erase a deadline already missed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulePlan {
    pub remove: Vec<Date>,
    pub add: Vec<Date>,
}

impl SchedulePlan {
    /// `existing` is every due date of the indicator with whether it has a report;
    /// `wanted` the dates the new schedule generates.
    pub fn new(existing: &[(Date, bool)], wanted: &[Date], today: Date) -> Self {
        let movable = |date: Date, reported: bool| !reported && date >= today;
        let remove: Vec<Date> = existing
            .iter()
            .filter(|(d, reported)| movable(*d, *reported) && !wanted.contains(d))
            .map(|(d, _)| *d)
            .collect();
        let add = wanted
            .iter()
            .copied()
            .filter(|d| *d >= today && !existing.iter().any(|(e, _)| e == d))
            .collect();
        Self { remove, add }
    }
}

/// `date` plus whole calendar months, clamped to the month's last day.
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    let index =
        date.year() * 12 + i32::from(u8::from(date.month())) - 1 + i32::try_from(months).ok()?;
    let year = index.div_euclid(12);
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: i64,
    pub action_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub schedule: ReportingSchedule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressReport {
    pub id: i64,
    pub indicator_id: i64,
    pub due_date: Date,
    pub reported_at: Option<OffsetDateTime>,
    pub text: String,
    pub value: Option<f64>,
    pub public: bool,
}

/// A change of a recommendation's implementation status, with who and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub recommendation_id: RecommendationId,
    pub status: ImplementationStatus,
    pub justification: String,
    pub author: String,
    pub at: OffsetDateTime,
}

/// One stakeholder's independent assessment of a recommendation's implementation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: i64,
    pub recommendation_id: RecommendationId,
    pub stakeholder: StakeholderKind,
    pub institution_id: Option<i64>,
    pub status: ImplementationStatus,
    pub text: String,
    pub evidence: Option<String>,
    pub author: String,
    pub at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use ImplementationStatus::*;

    #[test]
    fn regression_and_divergence_ignore_no_information() {
        assert!(FullyImplemented.is_regression_to(PartiallyImplemented));
        assert!(!NotStarted.is_regression_to(InProgress));
        assert!(!FullyImplemented.is_regression_to(NoInformation));
        assert!(NotStarted.diverges_from(PartiallyImplemented));
        assert!(!InProgress.diverges_from(PartiallyImplemented));
        assert!(!NoInformation.diverges_from(FullyImplemented));
    }

    #[test]
    fn status_derives_from_actions() {
        use ActionProgress::*;
        assert_eq!(
            ImplementationStatus::derive_from_actions(&[]),
            Some(NotStarted)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&[Planned, Started]),
            Some(InProgress)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&[Completed, Planned]),
            Some(PartiallyImplemented)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&[Completed]),
            Some(FullyImplemented)
        );
    }

    #[test]
    fn deleting_actions_rederives_from_what_is_left() {
        use ActionProgress::*;
        // A completed and a planned action: partial. Delete the planned one: fully
        // implemented. Delete the completed one instead: not started. Delete both: not
        // started again (nothing is being done), not "no information".
        let both = [Completed, Planned];
        assert_eq!(
            ImplementationStatus::derive_from_actions(&both),
            Some(PartiallyImplemented)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&both[..1]),
            Some(FullyImplemented)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&both[1..]),
            Some(NotStarted)
        );
        assert_eq!(
            ImplementationStatus::derive_from_actions(&[]),
            Some(NotStarted)
        );
    }

    #[test]
    fn a_persons_status_outranks_the_rule() {
        assert_eq!(
            ImplementationStatus::effective(Some(InProgress), Some(FullyImplemented)),
            InProgress
        );
        assert_eq!(
            ImplementationStatus::effective(None, Some(NotStarted)),
            NotStarted
        );
        assert_eq!(ImplementationStatus::effective(None, None), NoInformation);
    }

    #[test]
    fn schedule_changes_move_only_future_empty_due_dates() {
        let today = date!(2025 - 05 - 15);
        // Quarterly from January: April (reported), July, October (empty); one past empty
        // date in February that was missed.
        let existing = [
            (date!(2025 - 02 - 01), false),
            (date!(2025 - 04 - 01), true),
            (date!(2025 - 07 - 01), false),
            (date!(2025 - 10 - 01), false),
        ];
        // Now monthly from 1 January to the end of August.
        let wanted =
            ReportingSchedule::Monthly.due_dates(date!(2025 - 01 - 01), date!(2025 - 08 - 31));
        let plan = SchedulePlan::new(&existing, &wanted, today);
        assert_eq!(plan.remove, vec![date!(2025 - 10 - 01)]);
        assert_eq!(
            plan.add,
            vec![date!(2025 - 06 - 01), date!(2025 - 08 - 01)],
            "July is kept, past months are not back-filled"
        );
        // A due date today that has no report is still movable; once reported it stays.
        let existing = [(today, false)];
        assert_eq!(SchedulePlan::new(&existing, &[], today).remove, vec![today]);
        let existing = [(today, true)];
        assert!(SchedulePlan::new(&existing, &[], today).remove.is_empty());
    }

    #[test]
    fn due_dates_clamp_to_month_end() {
        let dates =
            ReportingSchedule::Monthly.due_dates(date!(2024 - 01 - 31), date!(2024 - 04 - 30));
        assert_eq!(
            dates,
            vec![
                date!(2024 - 02 - 29),
                date!(2024 - 03 - 31),
                date!(2024 - 04 - 30)
            ]
        );
        let annual =
            ReportingSchedule::Annual.due_dates(date!(2023 - 06 - 15), date!(2025 - 06 - 14));
        assert_eq!(annual, vec![date!(2024 - 06 - 15)]);
    }

    #[test]
    fn vocabularies_parse_their_codes() {
        assert_eq!(
            ImplementationStatus::parse("Partially implemented"),
            Ok(PartiallyImplemented)
        );
        assert_eq!(
            LegislationStage::parse("in-force"),
            Ok(LegislationStage::InForce)
        );
        assert!(StakeholderKind::parse("press").is_err());
    }
}
