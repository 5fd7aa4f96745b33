//! The reprisals register: cases of intimidation or reprisal against people and
//! organisations who cooperate with the UN. A case is stored sealed (see the auth crate);
//! what may ever be published is the [`Summary`], an aggregate with small counts hidden.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::tracking::vocabulary;
use crate::ParseError;

vocabulary!(
    /// What happened.
    ReprisalKind {
        Intimidation = "intimidation" / "Intimidation or threats",
        Surveillance = "surveillance" / "Surveillance",
        TravelBan = "travel_ban" / "Travel ban or denial of passport",
        Detention = "detention" / "Arrest or detention",
        Prosecution = "prosecution" / "Prosecution or legal harassment",
        Smear = "smear" / "Smear campaign or stigmatisation",
        Violence = "violence" / "Physical attack",
        Other = "other" / "Other",
    }
);

vocabulary!(
    /// Where the case stands.
    CaseStatus {
        Open = "open" / "Open",
        FollowUp = "follow_up" / "Under follow-up",
        Closed = "closed" / "Closed",
    }
);

/// One case, as its officer writes it. Only anonymised descriptions belong here: the
/// register links to people's situations, never to their names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReprisalCase {
    pub date: Date,
    pub kind: ReprisalKind,
    /// Who was affected, anonymised ("a woman human rights defender from the north").
    pub affected: String,
    /// The UPR session, recommendations or submission the cooperation concerned.
    pub session: Option<u16>,
    pub recommendation_ids: Vec<i64>,
    pub submission: String,
    pub status: CaseStatus,
    pub actions_taken: String,
    pub referred_to_ohchr: bool,
    pub referred_to_hrc_president: bool,
}

impl ReprisalCase {
    /// What a sealed case is bound to (its random reference), so that a ciphertext moved
    /// to another row fails to open.
    pub fn binding(reference: &str) -> Vec<u8> {
        format!("rightstrack reprisal case {reference}").into_bytes()
    }
}

/// Cells with fewer cases than this are published as "fewer than" it: a count of one in a
/// small country can identify a person.
pub const MIN_PUBLISHED_COUNT: u32 = 3;

/// A count as published: exact, or hidden because small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    Exact(u32),
    FewerThan(u32),
}

impl Count {
    fn of(n: u32) -> Self {
        if n > 0 && n < MIN_PUBLISHED_COUNT {
            Self::FewerThan(MIN_PUBLISHED_COUNT)
        } else {
            Self::Exact(n)
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(n) => write!(f, "{n}"),
            Self::FewerThan(n) => write!(f, "< {n}"),
        }
    }
}

/// The anonymised aggregate: totals by year and by kind, small cells hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: Count,
    pub by_year: Vec<(i32, Count)>,
    pub by_kind: Vec<(ReprisalKind, Count)>,
    pub referred: Count,
}

impl Summary {
    pub fn of(cases: &[ReprisalCase]) -> Self {
        let mut years = std::collections::BTreeMap::<i32, u32>::new();
        let mut kinds = std::collections::BTreeMap::<ReprisalKind, u32>::new();
        for c in cases {
            *years.entry(c.date.year()).or_default() += 1;
            *kinds.entry(c.kind).or_default() += 1;
        }
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            total: Count::of(n(cases.len())),
            by_year: years.into_iter().map(|(y, c)| (y, Count::of(c))).collect(),
            by_kind: kinds.into_iter().map(|(k, c)| (k, Count::of(c))).collect(),
            referred: Count::of(n(cases
                .iter()
                .filter(|c| c.referred_to_ohchr || c.referred_to_hrc_president)
                .count())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(year: i32, kind: ReprisalKind, referred: bool) -> ReprisalCase {
        ReprisalCase {
            date: Date::from_calendar_date(year, time::Month::March, 1).unwrap_or(Date::MIN),
            kind,
            affected: "a defender".into(),
            session: Some(34),
            recommendation_ids: vec![],
            submission: String::new(),
            status: CaseStatus::Open,
            actions_taken: String::new(),
            referred_to_ohchr: referred,
            referred_to_hrc_president: false,
        }
    }

    #[test]
    fn small_counts_are_hidden() {
        let cases = vec![
            case(2024, ReprisalKind::Intimidation, true),
            case(2024, ReprisalKind::Intimidation, false),
            case(2024, ReprisalKind::Intimidation, false),
            case(2025, ReprisalKind::Detention, true),
        ];
        let s = Summary::of(&cases);
        assert_eq!(s.total, Count::Exact(4));
        assert_eq!(
            s.by_year,
            vec![(2024, Count::Exact(3)), (2025, Count::FewerThan(3))]
        );
        assert_eq!(
            s.by_kind,
            vec![
                (ReprisalKind::Intimidation, Count::Exact(3)),
                (ReprisalKind::Detention, Count::FewerThan(3))
            ]
        );
        assert_eq!(s.referred, Count::FewerThan(3));
        assert_eq!(Summary::of(&[]).total, Count::Exact(0));
    }
}
