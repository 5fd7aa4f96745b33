//! The vocabularies recommendations are tagged with: UPR Info issues, UHRI themes and
//! affected persons, SDG goals and targets.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::reference::{
    code_list, rows, CodeList, AFFECTED_PERSONS, SDG_GOALS, SDG_TARGETS, UHRI_THEMES, UPR_ISSUES,
};
use crate::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Taxonomy {
    /// UPR Info's issues (54 labels in the sessions 1–16 export).
    UprIssue,
    /// The Universal Human Rights Index themes (codes such as A12, D51).
    UhriTheme,
    /// UHRI's affected persons.
    AffectedPersons,
    SdgGoal,
    SdgTarget,
}

impl Taxonomy {
    pub const ALL: [Taxonomy; 5] = [
        Self::UprIssue,
        Self::UhriTheme,
        Self::AffectedPersons,
        Self::SdgGoal,
        Self::SdgTarget,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::UprIssue => "upr_issue",
            Self::UhriTheme => "uhri_theme",
            Self::AffectedPersons => "affected_persons",
            Self::SdgGoal => "sdg_goal",
            Self::SdgTarget => "sdg_target",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UprIssue => "UPR Info issue",
            Self::UhriTheme => "UHRI theme",
            Self::AffectedPersons => "Affected persons",
            Self::SdgGoal => "SDG goal",
            Self::SdgTarget => "SDG target",
        }
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == value.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "taxonomy",
                    value,
                    "upr_issue, uhri_theme, affected_persons, sdg_goal or sdg_target",
                )
            })
    }

    /// Closed taxonomies accept only their reference terms; open ones (UHRI themes and
    /// affected persons, which OHCHR extends over time) also accept new terms from imports.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::UprIssue | Self::SdgGoal | Self::SdgTarget)
    }

    /// The reference terms of this taxonomy.
    pub fn reference_terms(self) -> Vec<Term> {
        match self {
            Self::SdgGoal => SdgGoal::all()
                .map(|g| Term::new(self, g.to_string(), g.short_title()))
                .collect(),
            Self::SdgTarget => SdgTarget::all()
                .iter()
                .map(|t| Term::new(self, t.code.to_string(), t.title))
                .collect(),
            _ => self
                .code_list()
                .map(|list| {
                    list.entries
                        .iter()
                        .map(|(c, l)| Term::new(self, *c, *l))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn code_list(self) -> Option<&'static CodeList> {
        static ISSUES: OnceLock<CodeList> = OnceLock::new();
        static THEMES: OnceLock<CodeList> = OnceLock::new();
        static PERSONS: OnceLock<CodeList> = OnceLock::new();
        match self {
            Self::UprIssue => Some(code_list(&ISSUES, UPR_ISSUES)),
            Self::UhriTheme => Some(code_list(&THEMES, UHRI_THEMES)),
            Self::AffectedPersons => Some(code_list(&PERSONS, AFFECTED_PERSONS)),
            Self::SdgGoal | Self::SdgTarget => None,
        }
    }

    /// Resolves a code or label as found in a source to a term of this taxonomy. For an
    /// open taxonomy an unknown label becomes a new term whose code is derived from it.
    pub fn term(self, code_or_label: &str) -> Result<Term, ParseError> {
        if let Some((code, label)) = self.code_list().and_then(|l| l.find(code_or_label)) {
            return Ok(Term::new(self, code, label));
        }
        let value = crate::text::clean_text(code_or_label);
        match self {
            Self::SdgGoal => {
                SdgGoal::parse(&value).map(|g| Term::new(self, g.to_string(), g.short_title()))
            }
            Self::SdgTarget => SdgTarget::parse(&value).map(|t| Term::new(self, t.code, t.title)),
            _ => {
                if let Some((code, label)) = self.code_list().and_then(|l| l.find(&value)) {
                    return Ok(Term::new(self, code, label));
                }
                if self.is_closed() || value.is_empty() {
                    return Err(ParseError::new(
                        self.label(),
                        &value,
                        format!("a known {}", self.label()),
                    ));
                }
                Ok(Term::new(self, slug(&value), value.clone()))
            }
        }
    }
}

impl fmt::Display for Taxonomy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A term of a taxonomy: a stable code and a label for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Term {
    pub taxonomy: Taxonomy,
    pub code: String,
    pub label: String,
}

impl Term {
    fn new(taxonomy: Taxonomy, code: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            taxonomy,
            code: code.into(),
            label: label.into(),
        }
    }
}

fn slug(label: &str) -> String {
    format!("x-{}", crate::text::name_key(label).replace(' ', "-"))
}

/// One of the 17 Sustainable Development Goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SdgGoal(u8);

impl SdgGoal {
    pub fn new(n: u8) -> Result<Self, ParseError> {
        if (1..=17).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ParseError::new(
                "SDG goal",
                &n.to_string(),
                "a goal number from 1 to 17",
            ))
        }
    }

    /// Accepts "5", "SDG 5", "Goal 5", "5 - Gender equality".
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let digits: String = value
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse::<u8>()
            .ok()
            .and_then(|n| Self::new(n).ok())
            .ok_or_else(|| ParseError::new("SDG goal", value, "a goal number from 1 to 17"))
    }

    pub fn all() -> impl Iterator<Item = SdgGoal> {
        (1..=17).map(SdgGoal)
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn short_title(self) -> &'static str {
        goal_row(self.0).map(|r| r.0).unwrap_or("")
    }

    pub fn title(self) -> &'static str {
        goal_row(self.0).map(|r| r.1).unwrap_or("")
    }

    pub fn targets(self) -> impl Iterator<Item = &'static SdgTarget> {
        SdgTarget::all().iter().filter(move |t| t.goal == self)
    }
}

fn goal_row(n: u8) -> Option<(&'static str, &'static str)> {
    rows(SDG_GOALS, 3)
        .find(|f| f[0] == n.to_string())
        .map(|f| (f[1], f[2]))
}

impl TryFrom<u8> for SdgGoal {
    type Error = ParseError;
    fn try_from(n: u8) -> Result<Self, ParseError> {
        Self::new(n)
    }
}

impl From<SdgGoal> for u8 {
    fn from(g: SdgGoal) -> u8 {
        g.0
    }
}

impl fmt::Display for SdgGoal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One of the 169 SDG targets, with its official number ("16.2", "5.a") and text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SdgTarget {
    pub goal: SdgGoal,
    pub code: &'static str,
    pub title: &'static str,
}

impl SdgTarget {
    pub fn all() -> &'static [SdgTarget] {
        static ALL: OnceLock<Vec<SdgTarget>> = OnceLock::new();
        ALL.get_or_init(|| {
            rows(SDG_TARGETS, 2)
                .filter_map(|f| {
                    let goal = SdgGoal::parse(f[0].split('.').next()?).ok()?;
                    Some(SdgTarget {
                        goal,
                        code: f[0],
                        title: f[1],
                    })
                })
                .collect()
        })
    }

    /// Accepts "16.2", "Target 16.2", "16.2 End abuse…", "SDG 5.a".
    pub fn parse(value: &str) -> Result<&'static SdgTarget, ParseError> {
        let start = value
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(value.len());
        let code: String = value[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect::<String>()
            .trim_end_matches('.')
            .to_lowercase();
        Self::all().iter().find(|t| t.code == code).ok_or_else(|| {
            ParseError::new(
                "SDG target",
                value,
                "an official SDG target number such as 16.2 or 5.a",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_169_targets_numbered_officially() {
        assert_eq!(SdgTarget::all().len(), 169);
        let per_goal: Vec<usize> = SdgGoal::all().map(|g| g.targets().count()).collect();
        assert_eq!(
            per_goal,
            [7, 8, 13, 10, 9, 8, 5, 12, 8, 10, 10, 11, 5, 10, 12, 12, 19]
        );
        assert!(SdgGoal::all().all(|g| !g.title().is_empty() && !g.short_title().is_empty()));
    }

    #[test]
    fn targets_parse_only_when_official() {
        assert_eq!(SdgTarget::parse("Target 16.2").map(|t| t.code), Ok("16.2"));
        assert_eq!(SdgTarget::parse("5.A").map(|t| t.goal.number()), Ok(5));
        assert!(SdgTarget::parse("16.11").is_err());
        assert!(SdgTarget::parse("18.1").is_err());
        assert!(SdgGoal::parse("SDG 18").is_err());
    }

    #[test]
    fn upr_issues_are_closed_themes_are_open() {
        assert_eq!(Taxonomy::UprIssue.reference_terms().len(), 54);
        assert!(Taxonomy::UprIssue.term("Women's rights").is_ok());
        assert!(Taxonomy::UprIssue.term("Space exploration").is_err());
        let new_theme = Taxonomy::UhriTheme.term("Space exploration");
        assert_eq!(
            new_theme.map(|t| t.code),
            Ok("x-space-exploration".to_string())
        );
    }
}
