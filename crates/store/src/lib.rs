//! Storage for rightstrack behind one small interface, [`Store`], with two
//! implementations chosen by the database URL: SQLite (`sqlite://PATH`, the default, for a
//! laptop or one server) and PostgreSQL (`postgres://…`, for several server processes).
//!
//! What both backends share is written once here: the import merge rules ([`merge`]), the
//! conversion of stored rows into domain types ([`rows`]) and the migration runner
//! ([`migrate`]). Each backend holds only its SQL.

pub mod accounts;
pub mod backup;
pub mod clusters;
mod filter;
pub mod implementation;
pub mod merge;
pub mod migrate;
mod postgres;
pub mod review;
mod rows;
pub mod search_facts;
pub mod signals;
mod sql;
mod sqlite;
pub mod testing;
pub mod tracking;

use std::sync::Arc;

use async_trait::async_trait;
use rightstrack_core::{
    ImplementationStatus, InstitutionKind, Mechanism, NewRecommendation, Position, Recommendation,
    RecommendationId, RegionalGroup, StakeholderKind, StateCode,
};
use serde::Serialize;

pub use accounts::Accounts;
pub use clusters::{ClusterTarget, Clusters, NewCluster};
pub use implementation::{
    AssignedInstitution, Implementation, ImplementationAction, IndicatorProgress,
    StakeholderAssessment,
};
pub use review::{Contribution, Review};
pub use rightstrack_core::PositionUpdate;
pub use search_facts::SearchFacts;
pub use tracking::{
    ActionQuery, ActionRecord, Activity, Assign, AssignSummary, AssignTarget, Assignment,
    CurrentStatus, Deadline, DeadlineKind, EvidenceFile, EvidenceInfo, IndicatorRecord, NewAction,
    NewIndicator, NewProgress, Notification, ProgressRecord, Recipient, RegressionRecord, Reminder,
    StatusSource, Tracking,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST/DB"
    )]
    BadUrl(String),
    #[error("SQLite: {0}")]
    Sqlite(#[from] r2d2_sqlite::rusqlite::Error),
    #[error("SQLite connection pool: {0}")]
    SqlitePool(#[from] r2d2::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connection pool: {0}")]
    PostgresPool(String),
    #[error("migration {version} ({name}) failed: {message}")]
    Migration {
        version: i64,
        name: &'static str,
        message: String,
    },
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("a database task failed: {0}")]
    Task(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// One file's worth of recommendations to bring in, in one transaction.
#[derive(Debug, Default)]
pub struct ImportBatch {
    /// Who imports: a user name, or `system` from the command line.
    pub actor: String,
    /// The file, for the audit log.
    pub source: String,
    pub recommendations: Vec<NewRecommendation>,
    pub position_updates: Vec<PositionUpdate>,
    /// Compute the summary, then roll back.
    pub dry_run: bool,
}

/// What an import did. `skipped` counts position updates whose recommendation is not in
/// the database.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
}

impl std::ops::AddAssign for ImportSummary {
    fn add_assign(&mut self, other: Self) {
        self.imported += other.imported;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
    }
}

/// Filters over recommendations; every field narrows the set.
#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    /// One recommendation (for example to publish it alone).
    pub id: Option<RecommendationId>,
    pub state: Option<StateCode>,
    pub cycle: Option<u8>,
    pub session: Option<u16>,
    pub mechanism: Option<Mechanism>,
    pub position: Option<Position>,
    pub recommending_state: Option<StateCode>,
    pub recommending_group: Option<RegionalGroup>,
    /// Only published records (the public's view).
    pub published_only: bool,
}

/// A page of a listing, by offset, or after an id for walking a whole set (exports).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
    /// When set, rows with a larger id than this, in id order, and `offset` is ignored: a
    /// walk over a whole set starts at `RecommendationId(0)`.
    pub after_id: Option<RecommendationId>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            offset: 0,
            after_id: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

/// A tag a model proposes for a recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub recommendation_id: RecommendationId,
    pub taxonomy: rightstrack_core::Taxonomy,
    pub code: String,
    pub label: String,
    pub confidence: f32,
    /// The terms of the text that drove it, strongest first, for the review queue.
    pub explanation: Vec<Contribution>,
}

/// A point in the sequence of changes: every change to a recommendation gives it a new
/// revision; (revision, id) orders all changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Revision {
    pub revision: i64,
    pub id: i64,
}

/// Figures for the home page and `rightstrack status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub recommendations: u64,
    pub states_under_review: u64,
    pub documents: u64,
    pub institutions: u64,
    pub actions: u64,
    pub assessments: u64,
}

#[derive(Debug, Clone)]
pub struct NewInstitution {
    pub name: String,
    pub kind: InstitutionKind,
    pub parent_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub recommendation_id: RecommendationId,
    pub stakeholder: StakeholderKind,
    pub institution_id: Option<i64>,
    pub status: ImplementationStatus,
    pub text: String,
    /// Where the assessment's evidence can be found (a link or a citation).
    pub evidence: Option<String>,
    pub author: String,
}

/// The storage interface. Small on purpose: each method is one unit of work, done in one
/// transaction, so that a crash leaves the database as it was before the call.
#[async_trait]
pub trait Store: Accounts + Clusters + Review + Tracking + Send + Sync {
    fn backend(&self) -> Backend;

    /// Applies pending migrations and refreshes the reference data (states, taxonomies).
    async fn migrate(&self) -> Result<Vec<migrate::Applied>>;

    /// Imports one file's recommendations: new ones are inserted, known ones (same
    /// identity) updated where the file says something new, all in one transaction.
    async fn import(&self, batch: ImportBatch) -> Result<ImportSummary>;

    async fn recommendations(
        &self,
        filter: &RecommendationFilter,
        page: PageRequest,
    ) -> Result<Page<Recommendation>>;

    async fn recommendation(&self, id: RecommendationId) -> Result<Option<Recommendation>>;

    /// The recommendations with these ids, in the order given; unknown ids are left out.
    async fn recommendations_by_ids(&self, ids: &[RecommendationId])
        -> Result<Vec<Recommendation>>;

    /// Recommendations changed after `after`, in change order, at most `limit`: what a
    /// derived index (search) has not seen yet. Each comes with its own revision.
    async fn changed_since(
        &self,
        after: Revision,
        limit: u32,
    ) -> Result<Vec<(Revision, Recommendation)>>;

    /// The figures; with `published_only`, of published records alone (the public's).
    async fn counts(&self, published_only: bool) -> Result<Counts>;

    /// The states that have recommendations, with their number.
    async fn reviewed_states(&self, published_only: bool) -> Result<Vec<(StateCode, u64)>>;

    /// Number of recommendations per (state, cycle, mechanism), for state pages.
    async fn state_summary(
        &self,
        state: StateCode,
        published_only: bool,
    ) -> Result<Vec<(Option<u8>, String, u64)>>;

    /// Replaces the model suggestions of these recommendations with `suggestions`, made by
    /// `model_version`. A suggestion of a tag the recommendation already has from its source
    /// or from a person is left out: suggestions never override people or sources; nor does
    /// one a person rejected for this recommendation and model come back. Returns
    /// how many suggestions were stored.
    async fn replace_suggestions(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        suggestions: Vec<Suggestion>,
    ) -> Result<usize>;

    /// Marks recommendations (all matching the filter) as published or draft.
    async fn publish(
        &self,
        actor: &str,
        filter: &RecommendationFilter,
        published: bool,
    ) -> Result<u64>;
}

/// Opens the database a URL names, creating a SQLite file if needed, and migrates it.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match Location::of(url)? {
        Location::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path)?),
        Location::Postgres(url) => Arc::new(postgres::PostgresStore::connect(url).await?),
    };
    store.migrate().await?;
    Ok(store)
}

/// Where a database URL points: a SQLite path (`:memory:` for a shared in-memory
/// database) or a PostgreSQL connection URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location<'a> {
    Sqlite(&'a str),
    Postgres(&'a str),
}

impl<'a> Location<'a> {
    pub(crate) fn of(url: &'a str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Self::Sqlite(path))
        } else if url == "sqlite::memory:" {
            Ok(Self::Sqlite(":memory:"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url))
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }
}

/// `AND published = TRUE` when only published rows count, for appending to a WHERE.
pub(crate) fn published_clause(published_only: bool) -> &'static str {
    if published_only {
        " AND published = TRUE"
    } else {
        ""
    }
}

/// What the audit log names as changed by a write over `filter`: one recommendation
/// (so that its page shows the change in its history), or a set of them.
pub(crate) fn audit_target(filter: &RecommendationFilter) -> (&'static str, Option<String>) {
    match filter.id {
        Some(id) => ("recommendation", Some(id.to_string())),
        None => ("recommendations", None),
    }
}

/// Puts records fetched by id back in the order the ids were asked in.
pub(crate) fn in_order(
    ids: &[RecommendationId],
    found: Vec<Recommendation>,
) -> Vec<Recommendation> {
    let mut by_id: std::collections::HashMap<RecommendationId, Recommendation> =
        found.into_iter().map(|r| (r.id, r)).collect();
    ids.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// A recommendation's identity as stored: the first 16 bytes of the SHA-256 of its
/// identity key. Fixed and small, so the unique index stays compact; 128 bits make a
/// collision between two real recommendations practically impossible.
pub(crate) type Identity = Vec<u8>;

pub(crate) fn identity_hash(rec: &NewRecommendation) -> Identity {
    use sha2::{Digest, Sha256};
    Sha256::digest(rec.identity_key().as_bytes())[..16].to_vec()
}
