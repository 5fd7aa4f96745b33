//! Accountability signals: what is overdue, stalled, regressing or contested, and which
//! reminders are due. Pure rules over dates and statuses; the store feeds them.
//!
//! Time zones: due and target dates are calendar dates in the state's own time zone, the
//! way a ministry reads "report by 31 March". "Today" is therefore the date at the state's
//! UTC offset ([`local_today`]), never the server's or UTC's date: a report due on the 31st
//! becomes overdue at local midnight, even if the server runs elsewhere.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::tracking::{
    add_months, vocabulary, ActionProgress, Assessment, ImplementationStatus, LegislationStage,
    StakeholderKind,
};
use crate::{ParseError, RecommendationId};

/// The calendar date it is now at the state's UTC offset.
pub fn local_today(now: OffsetDateTime, offset: UtcOffset) -> Date {
    now.to_offset(offset).date()
}

/// A report is overdue from the day after its due date, while nobody has filed it.
pub fn report_overdue(due: Date, reported: bool, today: Date) -> bool {
    !reported && due < today
}

/// An action is overdue from the day after its target date until it is completed.
pub fn action_overdue(target: Option<Date>, progress: ActionProgress, today: Date) -> bool {
    progress != ActionProgress::Completed && target.is_some_and(|t| t < today)
}

/// Stalled: nothing happened for `months` whole calendar months, counted on local dates
/// (last update on 31 January, one month: stalled from 1 March, the day after 28/29
/// February). `months == 0` turns the signal off.
pub fn stalled(last_update: OffsetDateTime, today: Date, months: u32, offset: UtcOffset) -> bool {
    if months == 0 {
        return false;
    }
    let last = last_update.to_offset(offset).date();
    add_months(last, months).is_some_and(|limit| limit < today)
}

vocabulary!(
    /// What went backwards.
    RegressionKind {
        Status = "status" / "Status moved backwards",
        Assessment = "assessment" / "Assessment moved backwards",
        LawRepealed = "law_repealed" / "Law repealed",
    }
);

/// A law was repealed: an adopted or in-force text is now repealed. A bill that never
/// became law and is dropped is not a regression of rights already won.
pub fn law_repealed(before: Option<LegislationStage>, after: Option<LegislationStage>) -> bool {
    use LegislationStage::*;
    matches!(before, Some(Adopted | InForce)) && after == Some(Repealed)
}

/// A status moved backwards on the scale; a first status is never a regression.
pub fn status_regressed(before: Option<ImplementationStatus>, after: ImplementationStatus) -> bool {
    before.is_some_and(|b| b.is_regression_to(after))
}

/// The voice an assessment speaks with: the same stakeholder kind from the same
/// institution. Two CSOs are two voices; one CSO's later assessment replaces its earlier.
pub fn same_voice(a: &Assessment, b: &Assessment) -> bool {
    a.recommendation_id == b.recommendation_id
        && a.stakeholder == b.stakeholder
        && a.institution_id == b.institution_id
}

/// The latest assessment of each voice, in input order of first appearance.
pub fn latest_per_voice(assessments: &[Assessment]) -> Vec<&Assessment> {
    let mut latest: Vec<&Assessment> = Vec::new();
    for a in assessments {
        match latest.iter_mut().find(|l| same_voice(l, a)) {
            Some(slot) if (a.at, a.id) > (slot.at, slot.id) => *slot = a,
            Some(_) => {}
            None => latest.push(a),
        }
    }
    latest
}

/// Two current assessments of one recommendation that are two or more steps apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    pub recommendation_id: RecommendationId,
    pub first: DivergentView,
    pub second: DivergentView,
    /// Steps apart on the scale (2 or 3).
    pub steps: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivergentView {
    pub assessment_id: i64,
    pub stakeholder: StakeholderKind,
    pub institution_id: Option<i64>,
    pub status: ImplementationStatus,
}

impl From<&Assessment> for DivergentView {
    fn from(a: &Assessment) -> Self {
        Self {
            assessment_id: a.id,
            stakeholder: a.stakeholder,
            institution_id: a.institution_id,
            status: a.status,
        }
    }
}

/// Every pair of current voices on the same recommendation that diverge. Superseded
/// assessments do not count: a CSO that changed its mind no longer disagrees.
pub fn divergences(assessments: &[Assessment]) -> Vec<Divergence> {
    let current = latest_per_voice(assessments);
    let mut out = Vec::new();
    for (i, a) in current.iter().enumerate() {
        for b in &current[i + 1..] {
            if a.recommendation_id != b.recommendation_id || !a.status.diverges_from(b.status) {
                continue;
            }
            let steps = match (a.status.rank(), b.status.rank()) {
                (Some(x), Some(y)) => x.abs_diff(y),
                _ => continue,
            };
            out.push(Divergence {
                recommendation_id: a.recommendation_id,
                first: DivergentView::from(*a),
                second: DivergentView::from(*b),
                steps,
            });
        }
    }
    out
}

vocabulary!(
    /// Why a reminder is sent.
    ReminderKind {
        Upcoming = "upcoming" / "Due soon",
        Missed = "missed" / "Due date passed",
        Overdue = "overdue" / "Overdue (for managers)",
    }
);

/// The reminder a focal point should get today about a report due on `due`: ahead of it
/// within `days_before`, and once it has passed unreported. Idempotency (one reminder of
/// each kind per item, due date and person) is the store's job.
pub fn focal_point_reminder(
    due: Date,
    reported: bool,
    today: Date,
    days_before: u32,
) -> Option<ReminderKind> {
    if reported {
        return None;
    }
    if report_overdue(due, reported, today) {
        return Some(ReminderKind::Missed);
    }
    let days_left = (due - today).whole_days();
    (days_left >= 0 && days_left <= i64::from(days_before)).then_some(ReminderKind::Upcoming)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, offset};
    use ImplementationStatus::*;

    fn assessment(
        id: i64,
        stakeholder: StakeholderKind,
        institution: Option<i64>,
        status: ImplementationStatus,
        at: OffsetDateTime,
    ) -> Assessment {
        Assessment {
            id,
            recommendation_id: RecommendationId(7),
            stakeholder,
            institution_id: institution,
            status,
            text: String::new(),
            evidence: None,
            author: "a".into(),
            at,
        }
    }

    #[test]
    fn today_is_the_states_calendar_date() {
        // 23:30 UTC on 31 March is already 1 April in Ljubljana (UTC+2 in summer time).
        let now = datetime!(2025-03-31 23:30 UTC);
        assert_eq!(local_today(now, offset!(+2)), date!(2025 - 04 - 01));
        assert_eq!(local_today(now, offset!(UTC)), date!(2025 - 03 - 31));
        // …and still 31 March in New York.
        assert_eq!(local_today(now, offset!(-4)), date!(2025 - 03 - 31));
        // So a report due on 31 March is overdue for Slovenia but not yet for New York.
        let due = date!(2025 - 03 - 31);
        assert!(report_overdue(due, false, local_today(now, offset!(+2))));
        assert!(!report_overdue(due, false, local_today(now, offset!(-4))));
    }

    #[test]
    fn overdue_starts_the_day_after_and_ends_with_the_report() {
        let due = date!(2025 - 06 - 30);
        assert!(!report_overdue(due, false, due));
        assert!(report_overdue(due, false, date!(2025 - 07 - 01)));
        assert!(!report_overdue(due, true, date!(2026 - 01 - 01)));
        assert!(!action_overdue(Some(due), ActionProgress::Started, due));
        assert!(action_overdue(
            Some(due),
            ActionProgress::Planned,
            date!(2025 - 07 - 01)
        ));
        assert!(!action_overdue(
            Some(due),
            ActionProgress::Completed,
            date!(2026 - 07 - 01)
        ));
        assert!(!action_overdue(
            None,
            ActionProgress::Planned,
            date!(2026 - 07 - 01)
        ));
    }

    #[test]
    fn stalled_counts_calendar_months_on_local_dates() {
        let last = datetime!(2025-01-31 12:00 UTC);
        let utc = offset!(UTC);
        assert!(!stalled(last, date!(2025 - 02 - 28), 1, utc));
        assert!(stalled(last, date!(2025 - 03 - 01), 1, utc));
        assert!(
            !stalled(last, date!(2030 - 01 - 01), 0, utc),
            "0 turns it off"
        );
        // 23:00 UTC on 31 May is 1 June in Slovenia: six months run from 1 June there.
        let late = datetime!(2025-05-31 23:00 UTC);
        assert!(stalled(late, date!(2025 - 12 - 01), 6, utc));
        assert!(!stalled(late, date!(2025 - 12 - 01), 6, offset!(+2)));
    }

    #[test]
    fn laws_regress_only_when_repealed_after_adoption() {
        use LegislationStage::*;
        assert!(law_repealed(Some(InForce), Some(Repealed)));
        assert!(law_repealed(Some(Adopted), Some(Repealed)));
        assert!(
            !law_repealed(Some(Tabled), Some(Repealed)),
            "a dropped bill"
        );
        assert!(!law_repealed(Some(Repealed), Some(Repealed)), "already");
        assert!(!law_repealed(None, Some(Repealed)));
        assert!(!law_repealed(Some(InForce), None), "link removed");
        assert!(status_regressed(Some(FullyImplemented), InProgress));
        assert!(!status_regressed(None, NotStarted));
        assert!(!status_regressed(Some(InProgress), NoInformation));
    }

    #[test]
    fn divergence_uses_each_voices_latest_assessment() {
        let t = datetime!(2025-01-01 0:00 UTC);
        let later = datetime!(2025-02-01 0:00 UTC);
        let gov = assessment(1, StakeholderKind::Government, None, FullyImplemented, t);
        let cso_old = assessment(2, StakeholderKind::Cso, Some(5), NotStarted, t);
        let nhri = assessment(3, StakeholderKind::Nhri, None, PartiallyImplemented, t);
        let found = divergences(&[gov.clone(), cso_old.clone(), nhri.clone()]);
        let pairs: Vec<(i64, i64, u8)> = found
            .iter()
            .map(|d| (d.first.assessment_id, d.second.assessment_id, d.steps))
            .collect();
        // Government–CSO three steps apart, CSO–NHRI two; government–NHRI only one.
        assert_eq!(pairs, vec![(1, 2, 3), (2, 3, 2)]);
        // The same CSO changes its mind: no divergence left.
        let cso_new = assessment(4, StakeholderKind::Cso, Some(5), InProgress, later);
        assert!(divergences(&[gov.clone(), cso_old.clone(), cso_new.clone()]).len() == 1);
        let cso_new = assessment(
            4,
            StakeholderKind::Cso,
            Some(5),
            PartiallyImplemented,
            later,
        );
        assert!(divergences(&[cso_new.clone(), gov.clone(), cso_old.clone()]).is_empty());
        // Another CSO is another voice; "no information" never diverges.
        let other_cso = assessment(5, StakeholderKind::Cso, Some(6), InProgress, t);
        let unknown = assessment(6, StakeholderKind::UnCountryTeam, None, NoInformation, t);
        let found = divergences(&[gov, cso_new, other_cso, unknown]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].second.assessment_id, 5);
        assert_eq!(found[0].steps, 2);
    }

    #[test]
    fn focal_points_hear_before_and_after_the_due_date() {
        let due = date!(2025 - 03 - 31);
        assert_eq!(
            focal_point_reminder(due, false, date!(2025 - 03 - 10), 14),
            None
        );
        assert_eq!(
            focal_point_reminder(due, false, date!(2025 - 03 - 17), 14),
            Some(ReminderKind::Upcoming)
        );
        assert_eq!(
            focal_point_reminder(due, false, due, 14),
            Some(ReminderKind::Upcoming)
        );
        assert_eq!(
            focal_point_reminder(due, false, date!(2025 - 04 - 01), 14),
            Some(ReminderKind::Missed)
        );
        assert_eq!(
            focal_point_reminder(due, true, date!(2025 - 04 - 01), 14),
            None
        );
    }
}
