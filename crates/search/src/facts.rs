//! What a recommendation's search document says beyond the recommendation itself: its
//! implementation status, lead institutions, whether it repeats an earlier one, and the
//! accountability signals. Read from the store for each batch of changed recommendations,
//! always *after* the batch itself was read: a write in between gives the recommendation a
//! new revision, so the next sync indexes it again and nothing is lost.
//!
//! Regression, divergence and "repeated, not implemented" depend only on what is stored,
//! so they are facet values. Overdue and stalled also depend on today's date, which moves
//! without any write: the index stores the date each starts from (earliest pending
//! deadline, last activity) and compares it with the query's [`Clock`] when searching, so
//! they are right at any moment without re-indexing.

use std::collections::HashMap;

use rightstrack_core::signals as rules;
use rightstrack_core::{
    ActionProgress, AssignmentRole, ImplementationStatus, Recommendation, RecommendationId,
};
use rightstrack_store::Store;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::Result;

/// Stored facts of one recommendation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IndexFacts {
    pub status: Option<ImplementationStatus>,
    /// Lead institutions: (id, name).
    pub leads: Vec<(i64, String)>,
    pub repeats: bool,
    pub regressed: bool,
    pub divergent: bool,
    /// The earliest target date or report due date still open.
    pub overdue_from: Option<Date>,
    /// The last activity of a tracked recommendation not fully implemented.
    pub idle_since: Option<OffsetDateTime>,
}

impl IndexFacts {
    pub fn fully_implemented(&self) -> bool {
        self.status == Some(ImplementationStatus::FullyImplemented)
    }
}

/// The facts of each recommendation of a batch, by id.
pub(crate) async fn gather(
    store: &dyn Store,
    recs: &[&Recommendation],
) -> Result<HashMap<RecommendationId, IndexFacts>> {
    let ids: Vec<RecommendationId> = recs.iter().map(|r| r.id).collect();
    let mut out: HashMap<RecommendationId, IndexFacts> =
        ids.iter().map(|id| (*id, IndexFacts::default())).collect();
    for s in store.statuses(&ids).await? {
        if let Some(f) = s.recommendation_id.and_then(|id| out.get_mut(&id)) {
            f.status = Some(s.status);
        }
    }
    for imp in store.implementation_of(&ids).await? {
        let Some(f) = out.get_mut(&imp.recommendation_id) else {
            continue;
        };
        f.leads = imp
            .assignments
            .iter()
            .filter(|a| a.role == AssignmentRole::Lead)
            .map(|a| (a.institution_id, a.institution.clone()))
            .collect();
        let assessments: Vec<_> = imp
            .assessments
            .iter()
            .map(|a| a.assessment.clone())
            .collect();
        f.divergent = !rules::divergences(&assessments).is_empty();
        // The same deadlines as the store's `deadlines`: unfinished actions' target dates
        // and unreported due dates.
        let targets = imp
            .actions
            .iter()
            .filter(|a| a.action.progress != ActionProgress::Completed)
            .filter_map(|a| a.action.target_date);
        let reports = imp
            .indicators
            .iter()
            .flat_map(|i| &i.reports)
            .filter(|r| r.reported_at.is_none())
            .map(|r| r.due_date);
        f.overdue_from = targets.chain(reports).min();
    }
    for s in store.search_facts(&ids).await? {
        if let Some(f) = out.get_mut(&s.recommendation_id) {
            f.repeats = s.repeats;
            f.regressed = s.regressed;
            f.idle_since = s.last_activity.filter(|_| !f.fully_implemented());
        }
    }
    Ok(out)
}

/// The moment a search is made and how signals read it: the state's UTC offset (due
/// dates are its calendar dates) and after how many months without activity a tracked
/// recommendation counts as stalled (0: never).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub now: OffsetDateTime,
    pub offset: UtcOffset,
    pub stalled_months: u32,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            now: OffsetDateTime::now_utc(),
            offset: UtcOffset::UTC,
            stalled_months: 6,
        }
    }
}

/// The fast-field values a document stores for the time-based signals, and the limits a
/// [`Clock`] sets on them: a signal holds when the stored value is below its limit.
pub(crate) const NEVER: u64 = u64::MAX;

pub(crate) fn date_key(date: Option<Date>) -> u64 {
    date.map_or(NEVER, |d| u64::try_from(d.to_julian_day()).unwrap_or(0))
}

pub(crate) fn instant_key(at: Option<OffsetDateTime>) -> u64 {
    at.map_or(NEVER, |t| u64::try_from(t.unix_timestamp()).unwrap_or(0))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Overdue: `overdue_from` before today.
    pub overdue: u64,
    /// Stalled: `idle_since` before this instant.
    pub stalled: u64,
}

impl Clock {
    pub(crate) fn limits(&self) -> Limits {
        let today = rules::local_today(self.now, self.offset);
        Limits {
            overdue: date_key(Some(today)),
            stalled: self.stalled_before(today),
        }
    }

    /// The instant before which a last activity makes a recommendation stalled today:
    /// the start (at the state's offset) of the day after the last date `d` for which
    /// [`rules::stalled`] holds. The rule is monotone in `d`, so a binary search over a
    /// window wider than any `months` month span finds it with the rule itself.
    fn stalled_before(&self, today: Date) -> u64 {
        if self.stalled_months == 0 {
            return 0;
        }
        let stalled_on = |d: Date| {
            let at = PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(self.offset);
            rules::stalled(at, today, self.stalled_months, self.offset)
        };
        let span = Duration::days(32 * i64::from(self.stalled_months) + 2);
        let Some(mut low) = today.checked_sub(span) else {
            return 0;
        };
        if !stalled_on(low) {
            return 0;
        }
        // stalled_on(low) holds and stalled_on(today) does not.
        let mut high = today;
        while (high - low).whole_days() > 1 {
            let mid = low + Duration::days((high - low).whole_days() / 2);
            if stalled_on(mid) {
                low = mid;
            } else {
                high = mid;
            }
        }
        let start = PrimitiveDateTime::new(high, Time::MIDNIGHT).assume_offset(self.offset);
        instant_key(Some(start))
    }
}

/// A sort key in document order: the document symbol, then the paragraph, with every run
/// of digits compared as a number (A/HRC/8/… before A/HRC/26/…, 93.2 before 93.10).
/// Recommendations without a document or paragraph come last.
pub(crate) fn document_order(rec: &Recommendation) -> String {
    let (Some(doc), Some(paragraph)) = (&rec.document, &rec.paragraph) else {
        return char::MAX.to_string();
    };
    let mut out = natural(&doc.symbol);
    // Below every character a symbol has, so "A/1" sorts before "A/1/Add.1".
    out.push('\u{1}');
    out.push_str(&natural(paragraph));
    out
}

/// Digit runs become their length (two digits) and then the digits without leading
/// zeros, so that comparing the strings compares the numbers.
fn natural(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = String::from(c);
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            let trimmed = digits.trim_start_matches('0');
            out.push_str(&format!("{:02}", trimmed.len().min(99)));
            out.push_str(trimmed);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn numbers_compare_as_numbers() {
        assert!(natural("93.2") < natural("93.10"));
        assert!(natural("9") < natural("10"));
        assert!(natural("A/HRC/8/1") < natural("A/HRC/26/1"));
        assert!(natural("007") == natural("7"));
        assert!(natural("A/HRC/26/15") < natural("A/HRC/26/15/Add.1"));
    }

    #[test]
    fn the_stalled_limit_follows_the_rule() -> Result<(), time::error::ComponentRange> {
        let clock = Clock {
            now: datetime!(2025-03-01 10:00 UTC),
            offset: offset!(+1),
            stalled_months: 1,
        };
        let limit = clock.limits().stalled;
        let today = rules::local_today(clock.now, clock.offset);
        // Every instant around the limit, an hour apart over three days, agrees with the rule.
        for hours in -36i64..36 {
            let at = OffsetDateTime::from_unix_timestamp(limit as i64 + hours * 3600)?;
            assert_eq!(
                instant_key(Some(at)) < limit,
                rules::stalled(at, today, 1, clock.offset),
                "{at}"
            );
        }
        let off = Clock {
            stalled_months: 0,
            ..clock
        };
        assert_eq!(off.limits().stalled, 0);
        Ok(())
    }

    #[test]
    fn overdue_from_the_day_after() {
        let clock = Clock {
            now: datetime!(2025-03-31 23:30 UTC),
            offset: offset!(+2),
            stalled_months: 6,
        };
        // 1 April in the state: a date due on 31 March is overdue, one due on 1 April not.
        let limit = clock.limits().overdue;
        assert!(date_key(Some(time::macros::date!(2025 - 03 - 31))) < limit);
        assert!(date_key(Some(time::macros::date!(2025 - 04 - 01))) >= limit);
        assert!(date_key(None) >= limit);
    }
}
