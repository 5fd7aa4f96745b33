//! OpenAPI schemas of the domain types the API returns but this crate does not own
//! (`rightstrack_core`, `rightstrack_search` have no OpenAPI dependency, by design).
//!
//! Each schema mirrors the type's serde output, so each shape is written once more here and
//! nowhere else. They are kept in step two ways: enums whose variants the domain lists
//! (`Position::ALL`, `Dimension::ALL`, `Taxonomy::ALL`) take their values from serialising
//! those lists, and `tests/openapi.rs` checks real serialised values (a full
//! `Recommendation`, and live API answers) against these schemas key by key.

use std::borrow::Cow;

use rightstrack_core::{Position, Taxonomy};
use rightstrack_search::Dimension;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A string enum whose values are the serde output of `all`.
fn serde_enum<T: Serialize>(all: &[T], description: &str) -> RefOr<Schema> {
    let values = all.iter().filter_map(|v| serde_json::to_value(v).ok());
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

/// Declares a schema named `$name` for a domain enum, from its list of every value.
macro_rules! enum_schema {
    ($schema:ident, $name:literal, $all:expr, $description:literal) => {
        #[doc = $description]
        pub struct $schema;

        impl PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                serde_enum(&$all, $description)
            }
        }

        impl ToSchema for $schema {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

enum_schema!(
    PositionSchema,
    "Position",
    Position::ALL,
    "The state's response to a UPR recommendation (older data's \"accepted\" is supported, \"rejected\" noted)."
);
enum_schema!(
    DimensionSchema,
    "Dimension",
    Dimension::ALL,
    "A facet a search is counted on."
);
enum_schema!(
    TaxonomySchema,
    "Taxonomy",
    Taxonomy::ALL,
    "The vocabulary a tag comes from."
);

// The types below are never built: they exist to be described. Serialize is derived only
// where the schema reads serde's attributes.

/// A recommendation: what a mechanism asked a state to do, where it was published, who made
/// it, how the state responded, and how it is tagged. Every key is always present; unknown
/// values are `null`.
#[derive(ToSchema)]
#[schema(as = Recommendation)]
#[allow(dead_code)]
pub struct RecommendationSchema {
    #[schema(example = 4711)]
    id: i64,
    /// `UPR`, a treaty body's code (`CRC`, `CEDAW`, `CAT`, …) or `SP:<mandate>` for a
    /// special procedure.
    #[schema(example = "UPR")]
    mechanism: String,
    /// The state under review (ISO 3166-1 alpha-3).
    #[schema(example = "SVN")]
    state: String,
    /// UPR cycle, 1 to 9.
    #[schema(minimum = 1, maximum = 9)]
    cycle: Option<u8>,
    /// UPR Working Group session.
    #[schema(minimum = 1)]
    session: Option<u16>,
    document: Option<SourceDocumentSchema>,
    /// Paragraph number in the document (`93.12`).
    paragraph: Option<String>,
    text: String,
    /// ISO 639-1 language of the text.
    #[schema(example = "en")]
    language: String,
    /// The recommending states (UPR), ISO 3166-1 alpha-3.
    recommending_states: Vec<String>,
    position: Option<PositionSchema>,
    /// Where the position was read: a document symbol or a dataset name.
    position_source: Option<String>,
    /// The state's explanation, for example of a position "supported in part".
    position_explanation: Option<String>,
    /// UPR Info's action category, 1 (minimal action) to 5 (specific action).
    #[schema(minimum = 1, maximum = 5)]
    action_category: Option<u8>,
    tags: Vec<TagSchema>,
    /// The source's own grouping of this recommendation with others.
    source_group: Option<String>,
    published: bool,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// The document a recommendation was published in.
#[derive(ToSchema)]
#[schema(as = SourceDocument)]
#[allow(dead_code)]
pub struct SourceDocumentSchema {
    /// The UN document symbol (`A/HRC/43/15`), or for a dataset its name.
    symbol: String,
    kind: DocumentKindSchema,
    /// The date as `[year, day of the year]`.
    #[schema(min_items = 2, max_items = 2, example = json!([2020, 45]))]
    date: Option<Vec<i32>>,
    title: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DocumentKind)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentKindSchema {
    WorkingGroupReport,
    WorkingGroupAddendum,
    ConcludingObservations,
    CountryVisitReport,
    ThematicList,
    DatasetExport,
    Other,
}

/// A tag on a recommendation.
#[derive(ToSchema)]
#[schema(as = Tag)]
#[allow(dead_code)]
pub struct TagSchema {
    taxonomy: TaxonomySchema,
    code: String,
    label: String,
    provenance: ProvenanceSchema,
}

/// Who said a tag applies: the imported source, a person, or a model (whose suggestions
/// never override the other two).
#[derive(Serialize, ToSchema)]
#[schema(as = Provenance)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ProvenanceSchema {
    Imported,
    Person { user: String },
    Model { version: String, confidence: f32 },
}

/// The counts of one facet's values among a search's results.
#[derive(ToSchema)]
#[schema(as = FacetCount)]
#[allow(dead_code)]
pub struct FacetCountSchema {
    dimension: DimensionSchema,
    /// The facet's name, in English.
    label: String,
    values: Vec<FacetValueSchema>,
}

#[derive(ToSchema)]
#[schema(as = FacetValue)]
#[allow(dead_code)]
pub struct FacetValueSchema {
    /// The value as a filter takes it (`state=SVN`).
    value: String,
    label: String,
    count: u64,
    /// This value is one of the query's filters.
    selected: bool,
}

/// An account as the API shows it: never a password hash or secret.
#[derive(ToSchema)]
#[schema(as = User)]
#[allow(dead_code)]
pub struct UserSchema {
    id: i64,
    username: String,
    display_name: String,
    #[schema(value_type = RoleSchema)]
    role: String,
    institution_id: Option<i64>,
    disabled: bool,
    totp_enabled: bool,
    /// RFC 3339.
    last_sign_in_at: Option<String>,
}

enum_schema!(
    RoleSchema,
    "Role",
    rightstrack_core::Role::ALL,
    "A user's role."
);

/// One entry of the append-only audit log.
#[derive(ToSchema)]
#[schema(as = AuditEntry)]
#[allow(dead_code)]
pub struct AuditEntrySchema {
    id: i64,
    /// RFC 3339.
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    /// Field-level before/after, as JSON text.
    details: String,
}
