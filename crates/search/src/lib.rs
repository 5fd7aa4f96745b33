//! The search index. It is derived data: built from the store, never written to directly,
//! and kept in step with the database by reading the changes after the last revision it
//! has seen ([`SearchIndex::sync`]). Several server processes on one PostgreSQL database
//! each keep their own index and each follow the database the same way.
//!
//! Text is indexed twice: stemmed and accent-folded for words and phrases ("disabilities"
//! finds "disability"), and only folded for prefix queries (`disabilit*` must expand
//! against the words as written, not against their stems).

mod dimension;
mod facets;
mod facts;
mod index;
mod query;

pub use dimension::{Dimension, Signal};
pub use facts::Clock;
pub use index::{SearchIndex, SyncStats};
pub use query::{FacetCount, FacetValue, Hit, SearchQuery, SearchResults, Sort};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("reading changes for the search index: {0}")]
    Store(#[from] rightstrack_store::StoreError),
    #[error("{0}")]
    BadQuery(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;
