//! A recommendation: what a mechanism asked a state to do, where it was published, who
//! made it, how the state responded, and how it is tagged.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::text::{clean_text, identity_text, name_key};
use crate::{ActionCategory, Cycle, Mechanism, ParseError, Session, StateCode, Taxonomy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecommendationId(pub i64);

impl fmt::Display for RecommendationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The state's response to a UPR recommendation. Older data says "accepted" and
/// "rejected"; today's vocabulary is "supported" and "noted".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Supported,
    /// Supported in part: the state's explanation is kept beside it.
    SupportedInPart,
    Noted,
}

impl Position {
    pub const ALL: [Position; 3] = [Self::Supported, Self::SupportedInPart, Self::Noted];

    pub fn code(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::SupportedInPart => "supported_in_part",
            Self::Noted => "noted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Supported => "Supported",
            Self::SupportedInPart => "Supported in part",
            Self::Noted => "Noted",
        }
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let key = name_key(value);
        Ok(match key.as_str() {
            "supported"
            | "accepted"
            | "support"
            | "accept"
            | "enjoy the support"
            | "enjoyed the support" => Self::Supported,
            "supported in part"
            | "partially supported"
            | "partially accepted"
            | "accepted in part"
            | "supported partially"
            | "supported_in_part"
            | "supported in part noted in part" => Self::SupportedInPart,
            "noted"
            | "rejected"
            | "not accepted"
            | "not supported"
            | "did not enjoy the support"
            | "note" => Self::Noted,
            _ => {
                return Err(ParseError::new(
                    "position",
                    value,
                    "supported, noted or supported in part (older data: accepted, rejected)",
                ))
            }
        })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Report of the UPR Working Group (A/HRC/NN/NN).
    WorkingGroupReport,
    /// Its addendum with the state's views on the recommendations (…/Add.1).
    WorkingGroupAddendum,
    /// Concluding observations of a treaty body.
    ConcludingObservations,
    /// A special procedure's country visit report.
    CountryVisitReport,
    /// OHCHR's thematic list of recommendations.
    ThematicList,
    /// A database export (UPR Info, UHRI, IMPACT OSS).
    DatasetExport,
    Other,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::WorkingGroupReport => "wg_report",
            Self::WorkingGroupAddendum => "wg_addendum",
            Self::ConcludingObservations => "concluding_observations",
            Self::CountryVisitReport => "country_visit_report",
            Self::ThematicList => "thematic_list",
            Self::DatasetExport => "dataset_export",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        [
            Self::WorkingGroupReport,
            Self::WorkingGroupAddendum,
            Self::ConcludingObservations,
            Self::CountryVisitReport,
            Self::ThematicList,
            Self::DatasetExport,
            Self::Other,
        ]
        .into_iter()
        .find(|k| k.code() == value)
        .ok_or_else(|| ParseError::new("document kind", value, "a document kind such as wg_report"))
    }
}

/// The document a recommendation was published in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDocument {
    /// The UN document symbol ("A/HRC/43/15"), or for a dataset its name ("UPR Info export").
    pub symbol: String,
    pub kind: DocumentKind,
    pub date: Option<Date>,
    pub title: Option<String>,
}

/// Who said a tag applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// Came with the imported source (UPR Info, OHCHR, UHRI).
    Imported,
    /// Set or confirmed by a person.
    Person { user: String },
    /// Suggested by a model; never overrides the two above.
    Model { version: String, confidence: f32 },
}

impl Provenance {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::Person { .. } => "person",
            Self::Model { .. } => "model",
        }
    }

    /// Labels that may train a model: never a model's own suggestion.
    pub fn is_ground_truth(&self) -> bool {
        !matches!(self, Self::Model { .. })
    }
}

/// A tag on a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub taxonomy: Taxonomy,
    pub code: String,
    pub label: String,
    pub provenance: Provenance,
}

/// A recommendation as an importer produces it, before it has an id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewRecommendation {
    pub mechanism: Mechanism,
    /// The state under review (or concerned, for treaty bodies and special procedures).
    pub state: StateCode,
    pub cycle: Option<Cycle>,
    pub session: Option<Session>,
    pub document: Option<SourceDocument>,
    /// Paragraph number in the document ("93.12", "121.4").
    pub paragraph: Option<String>,
    pub text: String,
    /// ISO 639-1 language of the text.
    pub language: String,
    /// The recommending states (UPR). Several when one text was made by several states.
    pub recommending_states: Vec<StateCode>,
    pub position: Option<Position>,
    /// Where the position was read: a document symbol or a dataset name.
    pub position_source: Option<String>,
    /// The state's explanation, for example of a position "supported in part".
    pub position_explanation: Option<String>,
    pub action_category: Option<ActionCategory>,
    /// Tags that came with the source: (taxonomy, code or label as written).
    pub tags: Vec<(Taxonomy, String)>,
    /// The source's own identifier (UHRI annotation id, IMPACT OSS reference), if any.
    pub source_id: Option<String>,
    /// The source's own grouping of this recommendation with others (an OHCHR thematic-list
    /// paragraph), kept as a human-made cluster.
    pub source_group: Option<String>,
}

impl NewRecommendation {
    /// A recommendation with the required fields; the rest start empty.
    pub fn new(mechanism: Mechanism, state: StateCode, text: &str) -> Self {
        Self {
            mechanism,
            state,
            cycle: None,
            session: None,
            document: None,
            paragraph: None,
            text: clean_text(text),
            language: "en".to_string(),
            recommending_states: Vec::new(),
            position: None,
            position_source: None,
            position_explanation: None,
            action_category: None,
            tags: Vec::new(),
            source_id: None,
            source_group: None,
        }
    }

    pub fn with_session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self.cycle = Some(session.cycle());
        self
    }

    /// What makes two imports the same recommendation, so that re-importing, or importing
    /// the same review from another source, updates instead of duplicating:
    /// the source's own id where it has one; otherwise the mechanism, the state, the review
    /// (session for the UPR, document otherwise) and the text up to white space, case and
    /// final punctuation. The paragraph number is deliberately not part of it: one review's
    /// recommendation keeps its identity whether it came from a dataset without paragraph
    /// numbers or from the report itself.
    pub fn identity_key(&self) -> String {
        if let Some(id) = &self.source_id {
            return format!("source:{id}");
        }
        let review = match (&self.session, &self.document, &self.cycle) {
            (Some(session), _, _) => format!("session:{session}"),
            (None, Some(doc), _) => format!("document:{}", doc.symbol),
            (None, None, Some(cycle)) => format!("cycle:{cycle}"),
            (None, None, None) => "review:unknown".to_string(),
        };
        format!(
            "{}|{}|{}|{}",
            self.mechanism.code(),
            self.state,
            review,
            identity_text(&self.text)
        )
    }
}

/// A stored recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub id: RecommendationId,
    pub mechanism: Mechanism,
    pub state: StateCode,
    pub cycle: Option<Cycle>,
    pub session: Option<Session>,
    pub document: Option<SourceDocument>,
    pub paragraph: Option<String>,
    pub text: String,
    pub language: String,
    pub recommending_states: Vec<StateCode>,
    pub position: Option<Position>,
    pub position_source: Option<String>,
    pub position_explanation: Option<String>,
    pub action_category: Option<ActionCategory>,
    pub tags: Vec<Tag>,
    pub source_group: Option<String>,
    pub published: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A state's position on a recommendation it received, found in a document that refers to
/// the recommendation by its paragraph number in the Working Group report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionUpdate {
    pub state: StateCode,
    pub session: Option<Session>,
    /// The symbol of the report whose paragraphs are meant ("A/HRC/26/15").
    pub report_symbol: Option<String>,
    /// The addendum's own symbol ("A/HRC/26/15/Add.1"), recorded as the position's source.
    pub source_symbol: Option<String>,
    pub paragraph: String,
    pub position: Position,
    pub explanation: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svn() -> StateCode {
        StateCode::parse("SVN").unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn positions_parse_old_and_new_vocabulary() {
        assert_eq!(Position::parse("Accepted"), Ok(Position::Supported));
        assert_eq!(Position::parse("Noted"), Ok(Position::Noted));
        assert_eq!(Position::parse("Rejected"), Ok(Position::Noted));
        assert_eq!(
            Position::parse("Supported in part"),
            Ok(Position::SupportedInPart)
        );
        assert!(Position::parse("Maybe").is_err());
    }

    #[test]
    fn identity_ignores_paragraph_and_spacing() -> Result<(), ParseError> {
        let a = NewRecommendation::new(Mechanism::Upr, svn(), "Ratify  OP-CAT.")
            .with_session(Session::new(7)?);
        let mut b = NewRecommendation::new(Mechanism::Upr, svn(), "ratify OP-CAT")
            .with_session(Session::new(7)?);
        b.paragraph = Some("93.1".into());
        assert_eq!(a.identity_key(), b.identity_key());
        let c = NewRecommendation::new(Mechanism::Upr, svn(), "Ratify OP-CAT")
            .with_session(Session::new(20)?);
        assert_ne!(a.identity_key(), c.identity_key());
        let mut d = c.clone();
        d.source_id = Some("123".into());
        assert_eq!(d.identity_key(), "source:123");
        Ok(())
    }
}
