//! The PostgreSQL backend, for deployments with several `rightstrack serve` processes on
//! one database. Bulk writes go through `UNNEST` of arrays: one round trip per few
//! thousand rows instead of one per row.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use rightstrack_core::{
    ActionCategory, Position, Recommendation, RecommendationId, State, StateCode, Taxonomy,
};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row, Transaction};

use crate::filter::{where_clause, Placeholder, Value};
use crate::merge::{plan, Existing};
use crate::migrate::{pending, Applied};
use crate::rows::{assemble, RecRow, TagRow};
use crate::{
    audit_target, identity_hash, published_clause, Backend, Counts, Identity, ImportBatch,
    ImportSummary, Page, PageRequest, RecommendationFilter, Result, Revision, Store, StoreError,
    Suggestion,
};

/// Rows per bulk statement: well under PostgreSQL's limits, large enough to amortise the
/// round trip.
const CHUNK: usize = 2000;

/// Any constant distinct from other applications' advisory locks on the same database.
const MIGRATION_LOCK: i64 = 0x7269_6768_7473; // "rights"
/// Held by every transaction that changes recommendations, from drawing its revision to
/// its commit: revisions then become visible in the order they were drawn, so a reader
/// that has seen revision N will never later find a smaller one appear.
pub(crate) const REVISION_LOCK: i64 = MIGRATION_LOCK + 1;
/// Held by a run replacing clusters or links, so that two runs do not interleave.
pub(crate) const CLUSTER_LOCK: i64 = MIGRATION_LOCK + 2;

async fn next_revision(tx: &Transaction<'_>) -> Result<i64> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REVISION_LOCK])
        .await?;
    Ok(tx
        .query_one(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM recommendations",
            &[],
        )
        .await?
        .try_get(0)?)
}

/// Gives recommendations whose description changed elsewhere (status, tags) a new revision.
pub(crate) async fn touch(tx: &Transaction<'_>, ids: &[i64]) -> Result<()> {
    let revision = next_revision(tx).await?;
    tx.execute(
        "UPDATE recommendations SET revision = $1 WHERE id = ANY($2)",
        &[&revision, &ids],
    )
    .await?;
    Ok(())
}

pub(crate) struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| StoreError::PostgresPool(e.to_string()))?;
        // Fail now, with the server's message, rather than on first use.
        drop(
            pool.get()
                .await
                .map_err(|e| StoreError::PostgresPool(e.to_string()))?,
        );
        Ok(Self { pool })
    }

    pub(crate) async fn client(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::PostgresPool(e.to_string()))
    }
}

pub(crate) async fn audit(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    details: serde_json::Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, details) VALUES (now(), $1, $2, $3, $4, $5)",
        &[&actor, &action, &entity, &entity_id, &details.to_string()],
    )
    .await?;
    Ok(())
}

async fn sync_reference(tx: &Transaction<'_>) -> Result<()> {
    let states = State::all();
    let codes: Vec<&str> = states.iter().map(|s| s.code.as_str()).collect();
    let names: Vec<&str> = states.iter().map(|s| s.name).collect();
    let groups: Vec<&str> = states.iter().map(|s| s.group.code()).collect();
    tx.execute(
        "INSERT INTO states (code, name, regional_group)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, regional_group = excluded.regional_group
         WHERE states.name <> excluded.name OR states.regional_group <> excluded.regional_group",
        &[&codes, &names, &groups],
    )
    .await?;
    let terms: Vec<_> = Taxonomy::ALL
        .iter()
        .flat_map(|t| t.reference_terms())
        .collect();
    let taxonomies: Vec<&str> = terms.iter().map(|t| t.taxonomy.code()).collect();
    let codes: Vec<&str> = terms.iter().map(|t| t.code.as_str()).collect();
    let labels: Vec<&str> = terms.iter().map(|t| t.label.as_str()).collect();
    tx.execute(
        "INSERT INTO terms (taxonomy, code, label)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
         ON CONFLICT (taxonomy, code) DO UPDATE SET label = excluded.label WHERE terms.label <> excluded.label",
        &[&taxonomies, &codes, &labels],
    )
    .await?;
    Ok(())
}

async fn load_existing(
    tx: &Transaction<'_>,
    identities: &[Identity],
) -> Result<HashMap<Identity, Existing>> {
    let mut found: HashMap<Identity, Existing> = HashMap::new();
    let mut by_id: HashMap<i64, Identity> = HashMap::new();
    for chunk in identities.chunks(CHUNK) {
        let rows = tx
            .query(
                "SELECT r.id, r.identity, r.cycle, r.session, d.symbol, r.paragraph, r.position, r.position_source,
                        r.position_explanation, r.action_category, r.source_group
                 FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
                 WHERE r.identity = ANY($1)",
                &[&chunk],
            )
            .await?;
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let identity: Identity = r.try_get(1)?;
            let existing = Existing {
                id,
                cycle: r
                    .try_get::<_, Option<i16>>(2)?
                    .and_then(|c| u8::try_from(c).ok()),
                session: r
                    .try_get::<_, Option<i16>>(3)?
                    .and_then(|s| u16::try_from(s).ok()),
                document_symbol: r.try_get(4)?,
                paragraph: r.try_get(5)?,
                position: r
                    .try_get::<_, Option<String>>(6)?
                    .and_then(|p| Position::parse(&p).ok()),
                position_source: r.try_get(7)?,
                position_explanation: r.try_get(8)?,
                action_category: r
                    .try_get::<_, Option<i16>>(9)?
                    .and_then(|a| u8::try_from(a).ok())
                    .and_then(|a| ActionCategory::new(a).ok()),
                source_group: r.try_get(10)?,
                recommending_states: BTreeSet::new(),
                imported_tags: BTreeSet::new(),
            };
            by_id.insert(id, identity.clone());
            found.insert(identity, existing);
        }
    }
    if found.is_empty() {
        return Ok(found);
    }
    let ids: Vec<i64> = by_id.keys().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        for r in tx
            .query(
                "SELECT recommendation_id, state_code FROM recommending_states WHERE recommendation_id = ANY($1)",
                &[&chunk],
            )
            .await?
        {
            let (id, code): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
            if let (Some(e), Ok(code)) = (by_id.get(&id).and_then(|i| found.get_mut(i)), StateCode::parse(&code)) {
                e.recommending_states.insert(code);
            }
        }
        for r in tx
            .query(
                "SELECT t.recommendation_id, terms.taxonomy, terms.code FROM recommendation_tags t
                 JOIN terms ON terms.id = t.term_id
                 WHERE t.provenance = 'imported' AND t.recommendation_id = ANY($1)",
                &[&chunk],
            )
            .await?
        {
            let (id, taxonomy, code): (i64, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if let (Some(e), Ok(taxonomy)) = (
                by_id.get(&id).and_then(|i| found.get_mut(i)),
                Taxonomy::parse(&taxonomy),
            ) {
                e.imported_tags.insert((taxonomy, code));
            }
        }
    }
    Ok(found)
}

/// Term ids for the given (taxonomy, code) pairs, adding unknown terms of open taxonomies.
async fn term_ids(
    tx: &Transaction<'_>,
    wanted: &BTreeSet<(Taxonomy, String)>,
    labels: &std::collections::BTreeMap<(Taxonomy, String), String>,
) -> Result<HashMap<(Taxonomy, String), i64>> {
    let taxonomies: Vec<&str> = wanted.iter().map(|(t, _)| t.code()).collect();
    let codes: Vec<&str> = wanted.iter().map(|(_, c)| c.as_str()).collect();
    let names: Vec<&str> = wanted
        .iter()
        .map(|k| labels.get(k).map(String::as_str).unwrap_or(k.1.as_str()))
        .collect();
    tx.execute(
        "INSERT INTO terms (taxonomy, code, label) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
         ON CONFLICT (taxonomy, code) DO NOTHING",
        &[&taxonomies, &codes, &names],
    )
    .await?;
    let mut ids = HashMap::new();
    for r in tx
        .query(
            "SELECT t.id, t.taxonomy, t.code FROM terms t
             JOIN UNNEST($1::text[], $2::text[]) AS w(taxonomy, code) ON w.taxonomy = t.taxonomy AND w.code = t.code",
            &[&taxonomies, &codes],
        )
        .await?
    {
        if let Ok(taxonomy) = Taxonomy::parse(&r.try_get::<_, String>(1)?) {
            ids.insert((taxonomy, r.try_get::<_, String>(2)?), r.try_get::<_, i64>(0)?);
        }
    }
    Ok(ids)
}

async fn import(tx: &Transaction<'_>, batch: &ImportBatch) -> Result<ImportSummary> {
    let revision = next_revision(tx).await?;
    let identities: Vec<Identity> = batch.recommendations.iter().map(identity_hash).collect();
    let known = load_existing(tx, &identities).await?;
    let plan = plan(&batch.recommendations, &identities, known);

    let mut documents: HashMap<String, i64> = HashMap::new();
    for (symbol, doc) in &plan.documents {
        let row = tx
            .query_one(
                "INSERT INTO documents (symbol, kind, date, title) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (symbol) DO UPDATE SET date = COALESCE(documents.date, excluded.date),
                     title = COALESCE(documents.title, excluded.title)
                 RETURNING id",
                &[symbol, &doc.kind.code(), &doc.date, &doc.title],
            )
            .await?;
        documents.insert(symbol.clone(), row.try_get(0)?);
    }
    let mut wanted: BTreeSet<(Taxonomy, String)> = BTreeSet::new();
    for (_, _, f) in &plan.inserts {
        wanted.extend(f.imported_tags.iter().cloned());
    }
    for u in &plan.updates {
        wanted.extend(u.added_tags.iter().cloned());
    }
    let terms = term_ids(tx, &wanted, &plan.labels).await?;
    let document_of =
        |symbol: &Option<String>| symbol.as_ref().and_then(|s| documents.get(s).copied());

    let mut state_pairs: (Vec<i64>, Vec<String>) = (Vec::new(), Vec::new());
    let mut tag_pairs: (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
    for chunk in plan.inserts.chunks(CHUNK) {
        let mut cols = InsertColumns::default();
        for (index, identity, f) in chunk {
            let rec = &batch.recommendations[*index];
            cols.identity.push(identity.clone());
            cols.mechanism.push(rec.mechanism.code());
            cols.state.push(rec.state.to_string());
            cols.cycle.push(f.cycle.map(i16::from));
            cols.session
                .push(f.session.and_then(|s| i16::try_from(s).ok()));
            cols.document.push(document_of(&f.document_symbol));
            cols.paragraph.push(f.paragraph.clone());
            cols.text.push(rec.text.clone());
            cols.language.push(rec.language.clone());
            cols.position.push(f.position.map(|p| p.code().to_string()));
            cols.position_source.push(f.position_source.clone());
            cols.position_explanation
                .push(f.position_explanation.clone());
            cols.action_category
                .push(f.action_category.map(|a| i16::from(u8::from(a))));
            cols.source_group.push(f.source_group.clone());
        }
        let rows = tx
            .query(
                "INSERT INTO recommendations (identity, mechanism, state_code, cycle, session, document_id, paragraph,
                     text, language, position, position_source, position_explanation, action_category, source_group,
                     created_at, updated_at, revision)
                 SELECT u.*, now(), now(), $15 FROM UNNEST($1::bytea[], $2::text[], $3::text[], $4::int2[], $5::int2[],
                     $6::int8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int2[],
                     $14::text[]) AS u
                 RETURNING id, identity",
                &cols.params(&revision),
            )
            .await?;
        let ids: HashMap<Identity, i64> = rows
            .iter()
            .map(|r| Ok((r.try_get::<_, Identity>(1)?, r.try_get::<_, i64>(0)?)))
            .collect::<Result<_>>()?;
        for (_, identity, f) in chunk {
            let Some(&id) = ids.get(identity) else {
                continue;
            };
            for s in &f.recommending_states {
                state_pairs.0.push(id);
                state_pairs.1.push(s.to_string());
            }
            for t in &f.imported_tags {
                if let Some(&term) = terms.get(t) {
                    tag_pairs.0.push(id);
                    tag_pairs.1.push(term);
                }
            }
        }
    }
    for change in &plan.updates {
        let f = &change.fields;
        tx.execute(
            "UPDATE recommendations SET cycle = $2, session = $3, document_id = $4, paragraph = $5, position = $6,
                 position_source = $7, position_explanation = $8, action_category = $9, source_group = $10,
                 updated_at = now(), revision = $11
             WHERE id = $1",
            &[
                &f.id,
                &f.cycle.map(i16::from),
                &f.session.and_then(|s| i16::try_from(s).ok()),
                &document_of(&f.document_symbol),
                &f.paragraph,
                &f.position.map(Position::code),
                &f.position_source,
                &f.position_explanation,
                &f.action_category.map(|a| i16::from(u8::from(a))),
                &f.source_group,
                &revision,
            ],
        )
        .await?;
        for s in &change.added_states {
            state_pairs.0.push(f.id);
            state_pairs.1.push(s.to_string());
        }
        for t in &change.added_tags {
            if let Some(&term) = terms.get(t) {
                tag_pairs.0.push(f.id);
                tag_pairs.1.push(term);
            }
        }
    }
    for (ids, codes) in state_pairs
        .0
        .chunks(CHUNK * 4)
        .zip(state_pairs.1.chunks(CHUNK * 4))
    {
        tx.execute(
            "INSERT INTO recommending_states (recommendation_id, state_code)
             SELECT * FROM UNNEST($1::int8[], $2::text[]) ON CONFLICT DO NOTHING",
            &[&ids, &codes],
        )
        .await?;
    }
    for (ids, term_ids) in tag_pairs
        .0
        .chunks(CHUNK * 4)
        .zip(tag_pairs.1.chunks(CHUNK * 4))
    {
        tx.execute(
            "INSERT INTO recommendation_tags (recommendation_id, term_id, provenance, created_at)
             SELECT u.*, 'imported', now() FROM UNNEST($1::int8[], $2::int8[]) AS u ON CONFLICT DO NOTHING",
            &[&ids, &term_ids],
        )
        .await?;
    }

    let mut summary = ImportSummary {
        imported: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        skipped: 0,
    };
    for u in &batch.position_updates {
        let session = u.session.and_then(|s| i16::try_from(u16::from(s)).ok());
        // A bare number ("6") from an addendum means the paragraph ending in it ("115.6").
        let scope = "state_code = $1 AND (paragraph = $2 OR (strpos($2, '.') = 0 AND paragraph LIKE '%.' || $2))
                     AND ($3::int2 IS NULL OR session = $3)
                     AND ($4::text IS NULL OR document_id = (SELECT id FROM documents WHERE symbol = $4))";
        let changed = tx
            .execute(
                &format!(
                    "UPDATE recommendations SET position = $5, position_source = $6, position_explanation = $7,
                         updated_at = now(), revision = $8
                     WHERE {scope} AND (position IS DISTINCT FROM $5 OR position_source IS DISTINCT FROM $6
                         OR position_explanation IS DISTINCT FROM $7)"
                ),
                &[
                    &u.state.as_str(),
                    &u.paragraph,
                    &session,
                    &u.report_symbol,
                    &u.position.code(),
                    &u.source_symbol,
                    &u.explanation,
                    &revision,
                ],
            )
            .await?;
        if changed > 0 {
            summary.updated += usize::try_from(changed).unwrap_or_default();
        } else {
            let row = tx
                .query_one(
                    &format!("SELECT COUNT(*) FROM recommendations WHERE {scope}"),
                    &[&u.state.as_str(), &u.paragraph, &session, &u.report_symbol],
                )
                .await?;
            if row.try_get::<_, i64>(0)? > 0 {
                summary.unchanged += 1;
            } else {
                summary.skipped += 1;
            }
        }
    }
    audit(
        tx,
        &batch.actor,
        "import",
        "file",
        Some(batch.source.clone()),
        serde_json::json!({ "summary": summary, "dry_run": batch.dry_run }),
    )
    .await?;
    Ok(summary)
}

/// Column arrays for a bulk insert of recommendations.
#[derive(Default)]
struct InsertColumns {
    identity: Vec<Identity>,
    mechanism: Vec<String>,
    state: Vec<String>,
    cycle: Vec<Option<i16>>,
    session: Vec<Option<i16>>,
    document: Vec<Option<i64>>,
    paragraph: Vec<Option<String>>,
    text: Vec<String>,
    language: Vec<String>,
    position: Vec<Option<String>>,
    position_source: Vec<Option<String>>,
    position_explanation: Vec<Option<String>>,
    action_category: Vec<Option<i16>>,
    source_group: Vec<Option<String>>,
}

impl InsertColumns {
    fn params<'a>(&'a self, revision: &'a i64) -> [&'a (dyn ToSql + Sync); 15] {
        [
            &self.identity,
            &self.mechanism,
            &self.state,
            &self.cycle,
            &self.session,
            &self.document,
            &self.paragraph,
            &self.text,
            &self.language,
            &self.position,
            &self.position_source,
            &self.position_explanation,
            &self.action_category,
            &self.source_group,
            revision,
        ]
    }
}

const REC_COLUMNS: &str = "r.id, r.mechanism, r.state_code, r.cycle, r.session, d.symbol, d.kind, d.date, d.title,
    r.paragraph, r.text, r.language, r.position, r.position_source, r.position_explanation, r.action_category,
    r.source_group, r.published, r.created_at, r.updated_at";

fn rec_row(r: &Row) -> Result<RecRow> {
    Ok(RecRow {
        id: r.try_get(0)?,
        mechanism: r.try_get(1)?,
        state_code: r.try_get(2)?,
        cycle: r.try_get::<_, Option<i16>>(3)?.map(i64::from),
        session: r.try_get::<_, Option<i16>>(4)?.map(i64::from),
        document_symbol: r.try_get(5)?,
        document_kind: r.try_get(6)?,
        document_date: r.try_get(7)?,
        document_title: r.try_get(8)?,
        paragraph: r.try_get(9)?,
        text: r.try_get(10)?,
        language: r.try_get(11)?,
        position: r.try_get(12)?,
        position_source: r.try_get(13)?,
        position_explanation: r.try_get(14)?,
        action_category: r.try_get::<_, Option<i16>>(15)?.map(i64::from),
        source_group: r.try_get(16)?,
        published: r.try_get(17)?,
        created_at: r.try_get::<_, OffsetDateTime>(18)?,
        updated_at: r.try_get::<_, OffsetDateTime>(19)?,
    })
}

async fn with_children(client: &Object, rows: Vec<RecRow>) -> Result<Vec<Recommendation>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut states = Vec::new();
    for r in client
        .query(
            "SELECT recommendation_id, state_code FROM recommending_states WHERE recommendation_id = ANY($1)
             ORDER BY recommendation_id, state_code",
            &[&ids],
        )
        .await?
    {
        states.push((r.try_get(0)?, r.try_get(1)?));
    }
    let mut tags = Vec::new();
    for r in client
        .query(
            "SELECT t.recommendation_id, terms.taxonomy, terms.code, terms.label, t.provenance, t.model_version,
                    t.confidence, t.set_by
             FROM recommendation_tags t JOIN terms ON terms.id = t.term_id
             WHERE t.recommendation_id = ANY($1) ORDER BY t.recommendation_id, terms.taxonomy, terms.code",
            &[&ids],
        )
        .await?
    {
        tags.push(TagRow {
            recommendation_id: r.try_get(0)?,
            taxonomy: r.try_get(1)?,
            code: r.try_get(2)?,
            label: r.try_get(3)?,
            provenance: r.try_get(4)?,
            model_version: r.try_get(5)?,
            confidence: r.try_get(6)?,
            set_by: r.try_get(7)?,
        });
    }
    assemble(rows, states, tags)
}

/// The filter's WHERE clause with PostgreSQL placeholders, and its values as parameters.
fn filter_sql(filter: &RecommendationFilter) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let (sql, values) = where_clause(filter, Placeholder::Dollar);
    (sql, bound(values))
}

/// Filter values as PostgreSQL binds them.
pub(crate) fn bound(values: Vec<Value>) -> Vec<Box<dyn ToSql + Sync + Send>> {
    values
        .into_iter()
        .map(|v| -> Box<dyn ToSql + Sync + Send> {
            match v {
                Value::Text(t) => Box::new(t),
                // Cycle and session columns are int2; every integer filter here fits.
                Value::Int(i) => Box::new(i16::try_from(i).unwrap_or(i16::MAX)),
                Value::Real(r) => Box::new(r),
            }
        })
        .collect()
}

pub(crate) fn refs(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<Vec<Applied>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Several servers may start at once: one migrates, the others wait and find nothing to do.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
        )
        .await?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .try_get(0)?;
        let mut applied = Vec::new();
        for m in pending(current) {
            tx.batch_execute(m.postgres)
                .await
                .map_err(|e| StoreError::Migration {
                    version: m.version,
                    name: m.name,
                    message: e.to_string(),
                })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())",
                &[&m.version, &m.name],
            )
            .await?;
            applied.push(Applied {
                version: m.version,
                name: m.name,
            });
        }
        sync_reference(&tx).await?;
        tx.commit().await?;
        Ok(applied)
    }

    async fn import(&self, batch: ImportBatch) -> Result<ImportSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let summary = import(&tx, &batch).await?;
        if batch.dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(summary)
    }

    async fn recommendations(
        &self,
        filter: &RecommendationFilter,
        page: PageRequest,
    ) -> Result<Page<Recommendation>> {
        let client = self.client().await?;
        let (mut where_sql, mut params) = filter_sql(filter);
        let total: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM recommendations r WHERE {where_sql}"),
                &refs(&params),
            )
            .await?
            .try_get(0)?;
        let order = if let Some(after) = page.after_id {
            params.push(Box::new(after.0));
            where_sql.push_str(&format!(" AND r.id > ${}", params.len()));
            "ORDER BY r.id".to_string()
        } else {
            params.push(Box::new(i64::try_from(page.offset).unwrap_or(i64::MAX)));
            format!(
                "ORDER BY r.state_code, r.session, r.id OFFSET ${}",
                params.len()
            )
        };
        params.push(Box::new(i64::from(page.limit)));
        let sql = format!(
            "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
             WHERE {where_sql} {order} LIMIT ${}",
            params.len()
        );
        let rows = client
            .query(&sql, &refs(&params))
            .await?
            .iter()
            .map(rec_row)
            .collect::<Result<Vec<_>>>()?;
        let items = with_children(&client, rows).await?;
        Ok(Page {
            total: count(total),
            items,
        })
    }

    async fn recommendation(&self, id: RecommendationId) -> Result<Option<Recommendation>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id WHERE r.id = $1"
        );
        let Some(row) = client.query_opt(&sql, &[&id.0]).await? else {
            return Ok(None);
        };
        let row = rec_row(&row)?;
        Ok(with_children(&client, vec![row]).await?.pop())
    }

    async fn recommendations_by_ids(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<Recommendation>> {
        let client = self.client().await?;
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let sql = format!(
            "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
             WHERE r.id = ANY($1)"
        );
        let rows = client
            .query(&sql, &[&raw])
            .await?
            .iter()
            .map(rec_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::in_order(ids, with_children(&client, rows).await?))
    }

    async fn changed_since(
        &self,
        after: Revision,
        limit: u32,
    ) -> Result<Vec<(Revision, Recommendation)>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {REC_COLUMNS}, r.revision FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
             WHERE (r.revision, r.id) > ($1, $2) ORDER BY r.revision, r.id LIMIT $3"
        );
        let found = client
            .query(&sql, &[&after.revision, &after.id, &i64::from(limit)])
            .await?;
        let mut rows = Vec::new();
        let mut revisions = Vec::new();
        for r in &found {
            let row = rec_row(r)?;
            revisions.push(Revision {
                revision: r.try_get(20)?,
                id: row.id,
            });
            rows.push(row);
        }
        Ok(revisions
            .into_iter()
            .zip(with_children(&client, rows).await?)
            .collect())
    }

    async fn counts(&self, published_only: bool) -> Result<Counts> {
        let client = self.client().await?;
        let p = published_clause(published_only);
        let row = client
            .query_one(
                &format!(
                    "SELECT (SELECT COUNT(*) FROM recommendations WHERE TRUE{p}),
                            (SELECT COUNT(DISTINCT state_code) FROM recommendations WHERE TRUE{p}),
                            (SELECT COUNT(DISTINCT document_id) FROM recommendations WHERE TRUE{p}),
                            (SELECT COUNT(*) FROM institutions WHERE TRUE{p}),
                            (SELECT COUNT(*) FROM actions WHERE TRUE{p}),
                            (SELECT COUNT(*) FROM assessments WHERE TRUE{p})"
                ),
                &[],
            )
            .await?;
        Ok(Counts {
            recommendations: count(row.try_get(0)?),
            states_under_review: count(row.try_get(1)?),
            documents: count(row.try_get(2)?),
            institutions: count(row.try_get(3)?),
            actions: count(row.try_get(4)?),
            assessments: count(row.try_get(5)?),
        })
    }

    async fn reviewed_states(&self, published_only: bool) -> Result<Vec<(StateCode, u64)>> {
        let client = self.client().await?;
        let p = published_clause(published_only);
        client
            .query(&format!("SELECT state_code, COUNT(*) FROM recommendations WHERE TRUE{p} GROUP BY state_code ORDER BY state_code"), &[])
            .await?
            .iter()
            .map(|r| {
                let code: String = r.try_get(0)?;
                let code = StateCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((code, count(r.try_get(1)?)))
            })
            .collect()
    }

    async fn state_summary(
        &self,
        state: StateCode,
        published_only: bool,
    ) -> Result<Vec<(Option<u8>, String, u64)>> {
        let client = self.client().await?;
        let p = published_clause(published_only);
        client
            .query(
                &format!("SELECT cycle, mechanism, COUNT(*) FROM recommendations WHERE state_code = $1{p}
                 GROUP BY cycle, mechanism ORDER BY cycle, mechanism"),
                &[&state.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                let cycle: Option<i16> = r.try_get(0)?;
                Ok((
                    cycle.and_then(|c| u8::try_from(c).ok()),
                    r.try_get(1)?,
                    count(r.try_get(2)?),
                ))
            })
            .collect()
    }

    async fn replace_suggestions(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        suggestions: Vec<Suggestion>,
    ) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        tx.execute(
            "DELETE FROM recommendation_tags WHERE provenance = 'model' AND recommendation_id = ANY($1)",
            &[&raw],
        )
        .await?;
        let wanted: BTreeSet<(Taxonomy, String)> = suggestions
            .iter()
            .map(|s| (s.taxonomy, s.code.clone()))
            .collect();
        let labels = suggestions
            .iter()
            .map(|s| ((s.taxonomy, s.code.clone()), s.label.clone()))
            .collect();
        let terms = term_ids(&tx, &wanted, &labels).await?;
        let mut recs = Vec::new();
        let mut term_col = Vec::new();
        let mut confidence = Vec::new();
        let mut explanation = Vec::new();
        for s in &suggestions {
            if let Some(&term) = terms.get(&(s.taxonomy, s.code.clone())) {
                recs.push(s.recommendation_id.0);
                term_col.push(term);
                confidence.push(f64::from(s.confidence));
                explanation.push(crate::review::explanation_json(&s.explanation));
            }
        }
        let stored = tx
            .execute(
                "INSERT INTO recommendation_tags (recommendation_id, term_id, provenance, model_version, confidence, created_at, explanation)
                 SELECT u.r, u.t, 'model', $4, u.c, now(), u.e
                 FROM UNNEST($1::int8[], $2::int8[], $3::float8[], $5::text[]) AS u(r, t, c, e)
                 WHERE NOT EXISTS (SELECT 1 FROM recommendation_tags x
                                   WHERE x.recommendation_id = u.r AND x.term_id = u.t AND x.provenance <> 'model')
                   AND NOT EXISTS (SELECT 1 FROM suggestion_decisions d
                                   WHERE d.recommendation_id = u.r AND d.term_id = u.t AND d.model_version = $4 AND d.decision = 'rejected')
                 ON CONFLICT DO NOTHING",
                &[&recs, &term_col, &confidence, &model_version, &explanation],
            )
            .await?;
        touch(&tx, &raw).await?;
        audit(
            &tx,
            actor,
            "suggest",
            "recommendation_tags",
            None,
            serde_json::json!({"model": model_version, "recommendations": ids.len(), "suggestions": stored}),
        )
        .await?;
        tx.commit().await?;
        Ok(usize::try_from(stored).unwrap_or_default())
    }

    async fn publish(
        &self,
        actor: &str,
        filter: &RecommendationFilter,
        published: bool,
    ) -> Result<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (where_sql, mut params) = filter_sql(filter);
        params.push(Box::new(next_revision(&tx).await?));
        params.push(Box::new(published));
        let n = params.len();
        let r = n - 1;
        let changed = tx
            .execute(
                &format!(
                    "UPDATE recommendations SET published = ${n}, revision = ${r}
                     WHERE id IN (SELECT r.id FROM recommendations r WHERE {where_sql}) AND published <> ${n}"
                ),
                &refs(&params),
            )
            .await?;
        audit(
            &tx,
            actor,
            if published { "publish" } else { "unpublish" },
            audit_target(filter).0,
            audit_target(filter).1,
            serde_json::json!({"count": changed}),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }
}
