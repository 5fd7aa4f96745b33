//! Stored rows → domain types, written once for both backends. A value the domain cannot
//! parse is reported as corruption rather than hidden.

use rightstrack_core::{
    ActionCategory, Cycle, DocumentKind, Mechanism, Position, Provenance, Recommendation,
    RecommendationId, Session, SourceDocument, StateCode, Tag, Taxonomy,
};
use time::{Date, OffsetDateTime};

use crate::{Result, StoreError};

/// A recommendation row as both backends read it.
pub(crate) struct RecRow {
    pub id: i64,
    pub mechanism: String,
    pub state_code: String,
    pub cycle: Option<i64>,
    pub session: Option<i64>,
    pub document_symbol: Option<String>,
    pub document_kind: Option<String>,
    pub document_date: Option<Date>,
    pub document_title: Option<String>,
    pub paragraph: Option<String>,
    pub text: String,
    pub language: String,
    pub position: Option<String>,
    pub position_source: Option<String>,
    pub position_explanation: Option<String>,
    pub action_category: Option<i64>,
    pub source_group: Option<String>,
    pub published: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A tag row: (recommendation id, taxonomy, code, label, provenance, model version, confidence, set by).
pub(crate) struct TagRow {
    pub recommendation_id: i64,
    pub taxonomy: String,
    pub code: String,
    pub label: String,
    pub provenance: String,
    pub model_version: Option<String>,
    pub confidence: Option<f64>,
    pub set_by: Option<String>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn small<T: TryFrom<i64>>(what: &str, v: i64) -> Result<T> {
    T::try_from(v).map_err(|_| corrupt(what, format!("{v} is out of range")))
}

pub(crate) fn recommendation(
    row: RecRow,
    states: Vec<String>,
    tags: Vec<TagRow>,
) -> Result<Recommendation> {
    let cycle = row
        .cycle
        .map(|c| {
            small::<u8>("cycle", c).and_then(|c| Cycle::new(c).map_err(|e| corrupt("cycle", e)))
        })
        .transpose()?;
    let session = row
        .session
        .map(|s| {
            small::<u16>("session", s)
                .and_then(|s| Session::new(s).map_err(|e| corrupt("session", e)))
        })
        .transpose()?;
    let document = match (row.document_symbol, row.document_kind) {
        (Some(symbol), Some(kind)) => Some(SourceDocument {
            symbol,
            kind: DocumentKind::parse(&kind).map_err(|e| corrupt("document kind", e))?,
            date: row.document_date,
            title: row.document_title,
        }),
        _ => None,
    };
    let recommending_states = states
        .iter()
        .map(|s| StateCode::parse(s).map_err(|e| corrupt("recommending state", e)))
        .collect::<Result<Vec<_>>>()?;
    let tags = tags.into_iter().map(tag).collect::<Result<Vec<_>>>()?;
    Ok(Recommendation {
        id: RecommendationId(row.id),
        mechanism: Mechanism::parse(&row.mechanism).map_err(|e| corrupt("mechanism", e))?,
        state: StateCode::parse(&row.state_code).map_err(|e| corrupt("state", e))?,
        cycle,
        session,
        document,
        paragraph: row.paragraph,
        text: row.text,
        language: row.language,
        recommending_states,
        position: row
            .position
            .map(|p| Position::parse(&p).map_err(|e| corrupt("position", e)))
            .transpose()?,
        position_source: row.position_source,
        position_explanation: row.position_explanation,
        action_category: row
            .action_category
            .map(|a| {
                small::<u8>("action category", a)
                    .and_then(|a| ActionCategory::new(a).map_err(|e| corrupt("action category", e)))
            })
            .transpose()?,
        tags,
        source_group: row.source_group,
        published: row.published,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn tag(row: TagRow) -> Result<Tag> {
    let provenance = match row.provenance.as_str() {
        "imported" => Provenance::Imported,
        "person" => Provenance::Person {
            user: row.set_by.unwrap_or_default(),
        },
        "model" => Provenance::Model {
            version: row.model_version.unwrap_or_default(),
            confidence: row.confidence.unwrap_or_default() as f32,
        },
        other => return Err(corrupt("tag provenance", other)),
    };
    Ok(Tag {
        taxonomy: Taxonomy::parse(&row.taxonomy).map_err(|e| corrupt("taxonomy", e))?,
        code: row.code,
        label: row.label,
        provenance,
    })
}

/// Groups child rows (states, tags) by their recommendation id, in the order of `ids`.
pub(crate) fn assemble(
    rows: Vec<RecRow>,
    mut states: Vec<(i64, String)>,
    mut tags: Vec<TagRow>,
) -> Result<Vec<Recommendation>> {
    use std::collections::HashMap;
    let mut states_by: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, code) in states.drain(..) {
        states_by.entry(id).or_default().push(code);
    }
    let mut tags_by: HashMap<i64, Vec<TagRow>> = HashMap::new();
    for t in tags.drain(..) {
        tags_by.entry(t.recommendation_id).or_default().push(t);
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            recommendation(
                row,
                states_by.remove(&id).unwrap_or_default(),
                tags_by.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}
