//! What a search asks and what it answers.

use rightstrack_core::RecommendationId;
use serde::Serialize;

use crate::{Clock, Dimension, SearchError};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first; without words, newest session first.
    #[default]
    Relevance,
    Newest,
    Oldest,
    /// Document order: document symbol, then paragraph, numbers compared as numbers.
    Paragraph,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Self::Relevance, Self::Newest, Self::Oldest, Self::Paragraph];

    /// The name used in URLs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Paragraph => "paragraph",
        }
    }

    pub fn parse(value: &str) -> Result<Self, SearchError> {
        match value {
            "" | "relevance" => Ok(Self::Relevance),
            "newest" => Ok(Self::Newest),
            "oldest" => Ok(Self::Oldest),
            "paragraph" => Ok(Self::Paragraph),
            other => Err(SearchError::BadQuery(format!(
                "sort {other:?} is not known: use relevance, newest, oldest or paragraph"
            ))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Words (all must match), "exact phrases", prefixes (`tortur*`), `-excluded` words.
    pub text: String,
    /// Values that must match: several values of one dimension widen (OR), values of
    /// different dimensions narrow (AND).
    pub filters: Vec<(Dimension, String)>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// How many values to count per facet.
    pub facet_limit: usize,
    /// When the search is made: the overdue and stalled signals are read against it.
    pub clock: Clock,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: RecommendationId,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    /// This value is one of the query's filters.
    pub selected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetCount {
    pub dimension: Dimension,
    pub label: &'static str,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetCount>,
}
