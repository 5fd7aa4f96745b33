//! The SQLite backend: one file, WAL mode, foreign keys on. Blocking rusqlite calls run on
//! tokio's blocking pool so they never stall the server's async workers.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use async_trait::async_trait;
use r2d2_sqlite::rusqlite::{
    self, params, params_from_iter, Connection, OptionalExtension, Transaction,
};
use r2d2_sqlite::SqliteConnectionManager;
use rightstrack_core::{
    ActionCategory, Position, Recommendation, RecommendationId, State, StateCode, Taxonomy,
};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::filter::{where_clause, Placeholder, Value};
use crate::merge::{plan, Existing};
use crate::migrate::{pending, Applied};
use crate::rows::{assemble, RecRow, TagRow};
use crate::{
    audit_target, identity_hash, published_clause, Backend, Counts, Identity, ImportBatch,
    ImportSummary, Page, PageRequest, RecommendationFilter, Result, Revision, Store, StoreError,
    Suggestion,
};

type Pool = r2d2::Pool<SqliteConnectionManager>;

pub(crate) struct SqliteStore {
    pool: Pool,
}

impl SqliteStore {
    pub fn open(path: &str) -> Result<Self> {
        let manager = if path == ":memory:" {
            // One shared in-memory database for every pooled connection (tests).
            SqliteConnectionManager::file("file:rightstrack-mem?mode=memory&cache=shared")
        } else {
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Invalid(format!("cannot create the folder {}: {e}", dir.display()))
                })?;
            }
            // WAL is a property of the file: set once here, so that the pool's connections,
            // opened side by side, do not race for the exclusive lock the switch needs (the
            // loser failed with "database is locked" on a new database).
            Connection::open(path)?
                .execute_batch("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
            SqliteConnectionManager::file(path)
        }
        .with_init(|conn| {
            conn.execute_batch(
                // busy_timeout first: the other settings may wait for a writer.
                "PRAGMA busy_timeout = 10000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -32000;",
            )
        });
        let pool = r2d2::Pool::builder().max_size(8).build(manager)?;
        Ok(Self { pool })
    }

    /// Runs blocking database work off the async runtime.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

pub(crate) fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn parse_timestamp(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

pub(crate) fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
}

fn date_text(d: Date) -> String {
    d.to_string()
}

pub(crate) fn audit(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    details: serde_json::Value,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![now(), actor, action, entity, entity_id, details.to_string()])?;
    Ok(())
}

/// The revision for this transaction's changes. SQLite has one writer at a time, so
/// revisions become visible in the order they are drawn.
fn next_revision(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM recommendations",
        [],
        |r| r.get(0),
    )?)
}

/// Gives recommendations whose description changed elsewhere (status, tags) a new revision.
pub(crate) fn touch(tx: &Transaction<'_>, ids: &[RecommendationId]) -> Result<()> {
    let revision = next_revision(tx)?;
    let mut stmt = tx.prepare_cached("UPDATE recommendations SET revision = ?1 WHERE id = ?2")?;
    for id in ids {
        stmt.execute(params![revision, id.0])?;
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<Vec<Applied>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let mut applied = Vec::new();
    for m in pending(current) {
        tx.execute_batch(m.sqlite)
            .map_err(|e| StoreError::Migration {
                version: m.version,
                name: m.name,
                message: e.to_string(),
            })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, now()],
        )?;
        applied.push(Applied {
            version: m.version,
            name: m.name,
        });
    }
    sync_reference(&tx)?;
    tx.commit()?;
    Ok(applied)
}

/// Brings the reference tables in line with the reference data compiled into this binary.
fn sync_reference(tx: &Transaction<'_>) -> Result<()> {
    let mut state = tx.prepare_cached(
        "INSERT INTO states (code, name, regional_group) VALUES (?1, ?2, ?3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, regional_group = excluded.regional_group
         WHERE name <> excluded.name OR regional_group <> excluded.regional_group",
    )?;
    for s in State::all() {
        state.execute(params![s.code.as_str(), s.name, s.group.code()])?;
    }
    let mut term = tx.prepare_cached(
        "INSERT INTO terms (taxonomy, code, label) VALUES (?1, ?2, ?3)
         ON CONFLICT (taxonomy, code) DO UPDATE SET label = excluded.label WHERE label <> excluded.label",
    )?;
    for taxonomy in Taxonomy::ALL {
        for t in taxonomy.reference_terms() {
            term.execute(params![taxonomy.code(), t.code, t.label])?;
        }
    }
    Ok(())
}

/// Term ids by (taxonomy, code); unknown terms of open taxonomies are added.
struct Terms {
    ids: HashMap<(Taxonomy, String), i64>,
}

impl Terms {
    fn load(tx: &Transaction<'_>) -> Result<Self> {
        let mut stmt = tx.prepare("SELECT id, taxonomy, code FROM terms")?;
        let mut ids = HashMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, taxonomy, code) = row?;
            if let Ok(t) = Taxonomy::parse(&taxonomy) {
                ids.insert((t, code), id);
            }
        }
        Ok(Self { ids })
    }

    fn id(
        &mut self,
        tx: &Transaction<'_>,
        taxonomy: Taxonomy,
        code: &str,
        label: &str,
    ) -> Result<i64> {
        if let Some(&id) = self.ids.get(&(taxonomy, code.to_string())) {
            return Ok(id);
        }
        tx.prepare_cached("INSERT INTO terms (taxonomy, code, label) VALUES (?1, ?2, ?3)")?
            .execute(params![taxonomy.code(), code, label])?;
        let id = tx.last_insert_rowid();
        self.ids.insert((taxonomy, code.to_string()), id);
        Ok(id)
    }
}

/// Loads what the database already holds for these identities.
fn load_existing(
    tx: &Transaction<'_>,
    identities: &[Identity],
) -> Result<HashMap<Identity, Existing>> {
    let mut found: HashMap<Identity, Existing> = HashMap::new();
    let mut by_id: HashMap<i64, Identity> = HashMap::new();
    for chunk in identities.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT r.id, r.identity, r.cycle, r.session, d.symbol, r.paragraph, r.position, r.position_source,
                    r.position_explanation, r.action_category, r.source_group
             FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
             WHERE r.identity IN ({marks})"
        );
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let identity: Identity = r.get(1)?;
            let existing = Existing {
                id,
                cycle: r
                    .get::<_, Option<i64>>(2)?
                    .and_then(|c| u8::try_from(c).ok()),
                session: r
                    .get::<_, Option<i64>>(3)?
                    .and_then(|s| u16::try_from(s).ok()),
                document_symbol: r.get(4)?,
                paragraph: r.get(5)?,
                position: r
                    .get::<_, Option<String>>(6)?
                    .and_then(|p| Position::parse(&p).ok()),
                position_source: r.get(7)?,
                position_explanation: r.get(8)?,
                action_category: r
                    .get::<_, Option<i64>>(9)?
                    .and_then(|a| u8::try_from(a).ok())
                    .and_then(|a| ActionCategory::new(a).ok()),
                source_group: r.get(10)?,
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
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let mut stmt = tx.prepare(&format!(
            "SELECT recommendation_id, state_code FROM recommending_states WHERE recommendation_id IN ({marks})"
        ))?;
        let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            let (id, code): (i64, String) = (r.get(0)?, r.get(1)?);
            if let (Some(identity), Ok(code)) = (by_id.get(&id), StateCode::parse(&code)) {
                if let Some(e) = found.get_mut(identity) {
                    e.recommending_states.insert(code);
                }
            }
        }
        let mut stmt = tx.prepare(&format!(
            "SELECT t.recommendation_id, terms.taxonomy, terms.code FROM recommendation_tags t
             JOIN terms ON terms.id = t.term_id
             WHERE t.provenance = 'imported' AND t.recommendation_id IN ({marks})"
        ))?;
        let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            let (id, taxonomy, code): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if let (Some(identity), Ok(taxonomy)) = (by_id.get(&id), Taxonomy::parse(&taxonomy)) {
                if let Some(e) = found.get_mut(identity) {
                    e.imported_tags.insert((taxonomy, code));
                }
            }
        }
    }
    Ok(found)
}

fn import(conn: &mut Connection, batch: ImportBatch) -> Result<ImportSummary> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let identities: Vec<Identity> = batch.recommendations.iter().map(identity_hash).collect();
    let known = load_existing(&tx, &identities)?;
    let plan = plan(&batch.recommendations, &identities, known);
    let stamp = now();
    let revision = next_revision(&tx)?;

    let mut documents: HashMap<String, i64> = HashMap::new();
    for (symbol, doc) in &plan.documents {
        tx.prepare_cached(
            "INSERT INTO documents (symbol, kind, date, title) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (symbol) DO UPDATE SET date = COALESCE(documents.date, excluded.date),
                 title = COALESCE(documents.title, excluded.title)
             RETURNING id",
        )?
        .query_row(
            params![symbol, doc.kind.code(), doc.date.map(date_text), doc.title],
            |r| r.get(0),
        )
        .map(|id| documents.insert(symbol.clone(), id))?;
    }
    let mut terms = Terms::load(&tx)?;
    let mut term_id = |tx: &Transaction<'_>, taxonomy: Taxonomy, code: &str| {
        let label = plan
            .labels
            .get(&(taxonomy, code.to_string()))
            .map(String::as_str)
            .unwrap_or(code);
        terms.id(tx, taxonomy, code, label)
    };
    let document_of = |tx: &Transaction<'_>, symbol: &Option<String>| -> Result<Option<i64>> {
        match symbol {
            None => Ok(None),
            Some(s) => match documents.get(s) {
                Some(&id) => Ok(Some(id)),
                None => Ok(tx
                    .query_row("SELECT id FROM documents WHERE symbol = ?1", [s], |r| {
                        r.get(0)
                    })
                    .optional()?),
            },
        }
    };

    let mut insert = tx.prepare_cached(
        "INSERT INTO recommendations (identity, mechanism, state_code, cycle, session, document_id, paragraph,
             text, language, position, position_source, position_explanation, action_category, source_group,
             created_at, updated_at, revision)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)",
    )?;
    let mut states: Vec<(i64, &str)> = Vec::new();
    let mut tags: Vec<(i64, i64)> = Vec::new();
    let mut update = tx.prepare_cached(
        "UPDATE recommendations SET cycle = ?2, session = ?3, document_id = ?4, paragraph = ?5, position = ?6,
             position_source = ?7, position_explanation = ?8, action_category = ?9, source_group = ?10,
             updated_at = ?11, revision = ?12
         WHERE id = ?1",
    )?;
    for (index, identity, f) in &plan.inserts {
        let rec = &batch.recommendations[*index];
        insert.execute(params![
            identity,
            rec.mechanism.code(),
            rec.state.as_str(),
            f.cycle,
            f.session,
            document_of(&tx, &f.document_symbol)?,
            f.paragraph,
            rec.text,
            rec.language,
            f.position.map(Position::code),
            f.position_source,
            f.position_explanation,
            f.action_category.map(u8::from),
            f.source_group,
            stamp,
            revision,
        ])?;
        let id = tx.last_insert_rowid();
        states.extend(f.recommending_states.iter().map(|s| (id, s.as_str())));
        for (taxonomy, code) in &f.imported_tags {
            tags.push((id, term_id(&tx, *taxonomy, code)?));
        }
    }
    for change in &plan.updates {
        let f = &change.fields;
        update.execute(params![
            f.id,
            f.cycle,
            f.session,
            document_of(&tx, &f.document_symbol)?,
            f.paragraph,
            f.position.map(Position::code),
            f.position_source,
            f.position_explanation,
            f.action_category.map(u8::from),
            f.source_group,
            stamp,
            revision,
        ])?;
        states.extend(change.added_states.iter().map(|s| (f.id, s.as_str())));
        for (taxonomy, code) in &change.added_tags {
            tags.push((f.id, term_id(&tx, *taxonomy, code)?));
        }
    }
    drop((insert, update));
    insert_many(
        &tx,
        "INSERT OR IGNORE INTO recommending_states (recommendation_id, state_code) VALUES",
        &states,
        |(id, code)| {
            [
                rusqlite::types::Value::Integer(*id),
                rusqlite::types::Value::Text(code.to_string()),
            ]
        },
    )?;
    insert_many(
        &tx,
        "INSERT OR IGNORE INTO recommendation_tags (recommendation_id, term_id, provenance, created_at) VALUES",
        &tags,
        |(id, term)| {
            use rusqlite::types::Value;
            [Value::Integer(*id), Value::Integer(*term), Value::Text("imported".into()), Value::Text(stamp.clone())]
        },
    )?;

    let mut summary = ImportSummary {
        imported: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        skipped: 0,
    };
    apply_positions(&tx, &batch, &stamp, revision, &mut summary)?;
    audit(
        &tx,
        &batch.actor,
        "import",
        "file",
        Some(batch.source.clone()),
        serde_json::json!({ "summary": summary, "dry_run": batch.dry_run }),
    )?;
    if batch.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(summary)
}

/// Inserts many rows with one statement per hundred: in a bulk import, the cost per
/// statement, not per row, dominates.
fn insert_many<T, const N: usize>(
    tx: &Transaction<'_>,
    head: &str,
    rows: &[T],
    values: impl Fn(&T) -> [rusqlite::types::Value; N],
) -> Result<()> {
    const ROWS: usize = 100;
    let tuple = format!("({})", vec!["?"; N].join(", "));
    for chunk in rows.chunks(ROWS) {
        let sql = format!("{head} {}", vec![tuple.as_str(); chunk.len()].join(", "));
        let mut stmt = tx.prepare_cached(&sql)?;
        stmt.execute(params_from_iter(chunk.iter().flat_map(&values)))?;
    }
    Ok(())
}

/// Applies positions stated by paragraph. An addendum that numbers recommendations without
/// the report's paragraph ("6" for "115.6") refers to the paragraph ending in that number.
fn apply_positions(
    tx: &Transaction<'_>,
    batch: &ImportBatch,
    stamp: &str,
    revision: i64,
    summary: &mut ImportSummary,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE recommendations SET position = ?1, position_source = ?2, position_explanation = ?3, updated_at = ?4,
             revision = ?9
         WHERE state_code = ?5 AND (paragraph = ?6 OR (instr(?6, '.') = 0 AND paragraph LIKE '%.' || ?6))
           AND (?7 IS NULL OR session = ?7)
           AND (?8 IS NULL OR document_id = (SELECT id FROM documents WHERE symbol = ?8))
           AND (position IS NOT ?1 OR position_source IS NOT ?2 OR position_explanation IS NOT ?3)",
    )?;
    let mut exists = tx.prepare_cached(
        "SELECT COUNT(*) FROM recommendations
         WHERE state_code = ?1 AND (paragraph = ?2 OR (instr(?2, '.') = 0 AND paragraph LIKE '%.' || ?2))
           AND (?3 IS NULL OR session = ?3)
           AND (?4 IS NULL OR document_id = (SELECT id FROM documents WHERE symbol = ?4))",
    )?;
    for u in &batch.position_updates {
        let session = u.session.map(u16::from);
        let changed = stmt.execute(params![
            u.position.code(),
            u.source_symbol,
            u.explanation,
            stamp,
            u.state.as_str(),
            u.paragraph,
            session,
            u.report_symbol,
            revision,
        ])?;
        if changed > 0 {
            summary.updated += changed;
        } else {
            let matching: i64 = exists.query_row(
                params![u.state.as_str(), u.paragraph, session, u.report_symbol],
                |r| r.get(0),
            )?;
            if matching > 0 {
                summary.unchanged += 1;
            } else {
                summary.skipped += 1;
            }
        }
    }
    Ok(())
}

/// The filter's WHERE clause with SQLite placeholders and values.
fn filter_sql(filter: &RecommendationFilter) -> (String, Vec<rusqlite::types::Value>) {
    let (sql, values) = where_clause(filter, Placeholder::Question);
    (sql, bound(values))
}

/// Filter values as SQLite binds them.
pub(crate) fn bound(values: Vec<Value>) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as Sql;
    values
        .into_iter()
        .map(|v| match v {
            Value::Text(t) => Sql::Text(t),
            Value::Int(i) => Sql::Integer(i),
            Value::Real(r) => Sql::Real(r),
        })
        .collect()
}

const REC_COLUMNS: &str = "r.id, r.mechanism, r.state_code, r.cycle, r.session, d.symbol, d.kind, d.date, d.title,
    r.paragraph, r.text, r.language, r.position, r.position_source, r.position_explanation, r.action_category,
    r.source_group, r.published, r.created_at, r.updated_at";

fn rec_row(r: &rusqlite::Row<'_>) -> Result<RecRow> {
    Ok(RecRow {
        id: r.get(0)?,
        mechanism: r.get(1)?,
        state_code: r.get(2)?,
        cycle: r.get(3)?,
        session: r.get(4)?,
        document_symbol: r.get(5)?,
        document_kind: r.get(6)?,
        document_date: r
            .get::<_, Option<String>>(7)?
            .map(|d| parse_date(&d))
            .transpose()?,
        document_title: r.get(8)?,
        paragraph: r.get(9)?,
        text: r.get(10)?,
        language: r.get(11)?,
        position: r.get(12)?,
        position_source: r.get(13)?,
        position_explanation: r.get(14)?,
        action_category: r.get(15)?,
        source_group: r.get(16)?,
        published: r.get(17)?,
        created_at: parse_timestamp(&r.get::<_, String>(18)?)?,
        updated_at: parse_timestamp(&r.get::<_, String>(19)?)?,
    })
}

/// Reads full recommendations (with states and tags) for base rows.
fn with_children(conn: &Connection, rows: Vec<RecRow>) -> Result<Vec<Recommendation>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut states = Vec::new();
    let mut tags = Vec::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let mut stmt = conn.prepare(&format!(
            "SELECT recommendation_id, state_code FROM recommending_states WHERE recommendation_id IN ({marks})
             ORDER BY recommendation_id, state_code"
        ))?;
        let mut q = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = q.next()? {
            states.push((r.get(0)?, r.get(1)?));
        }
        let mut stmt = conn.prepare(&format!(
            "SELECT t.recommendation_id, terms.taxonomy, terms.code, terms.label, t.provenance, t.model_version,
                    t.confidence, t.set_by
             FROM recommendation_tags t JOIN terms ON terms.id = t.term_id
             WHERE t.recommendation_id IN ({marks}) ORDER BY t.recommendation_id, terms.taxonomy, terms.code"
        ))?;
        let mut q = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = q.next()? {
            tags.push(TagRow {
                recommendation_id: r.get(0)?,
                taxonomy: r.get(1)?,
                code: r.get(2)?,
                label: r.get(3)?,
                provenance: r.get(4)?,
                model_version: r.get(5)?,
                confidence: r.get(6)?,
                set_by: r.get(7)?,
            });
        }
    }
    assemble(rows, states, tags)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<Vec<Applied>> {
        self.run(migrate).await
    }

    async fn import(&self, batch: ImportBatch) -> Result<ImportSummary> {
        self.run(move |conn| import(conn, batch)).await
    }

    async fn recommendations(
        &self,
        filter: &RecommendationFilter,
        page: PageRequest,
    ) -> Result<Page<Recommendation>> {
        let filter = filter.clone();
        self.run(move |conn| {
            let (mut where_sql, mut values) = filter_sql(&filter);
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM recommendations r WHERE {where_sql}"),
                params_from_iter(values.iter()),
                |r| r.get(0),
            )?;
            let order = if let Some(after) = page.after_id {
                values.push(rusqlite::types::Value::Integer(after.0));
                where_sql.push_str(&format!(" AND r.id > ?{}", values.len()));
                "ORDER BY r.id LIMIT ?".to_string()
            } else {
                format!("ORDER BY r.state_code, r.session, r.id LIMIT ? OFFSET {}", page.offset)
            };
            values.push(rusqlite::types::Value::Integer(page.limit.into()));
            let order = order.replace("LIMIT ?", &format!("LIMIT ?{}", values.len()));
            let sql = format!(
                "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
                 WHERE {where_sql} {order}"
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut q = stmt.query(params_from_iter(values.iter()))?;
            let mut rows = Vec::new();
            while let Some(r) = q.next()? {
                rows.push(rec_row(r)?);
            }
            let items = with_children(conn, rows)?;
            Ok(Page {
                total: u64::try_from(total).unwrap_or_default(),
                items,
            })
        })
        .await
    }

    async fn recommendation(&self, id: RecommendationId) -> Result<Option<Recommendation>> {
        self.run(move |conn| {
            let sql = format!(
                "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id WHERE r.id = ?1"
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut q = stmt.query([id.0])?;
            let Some(r) = q.next()? else {
                return Ok(None);
            };
            let row = rec_row(r)?;
            Ok(with_children(conn, vec![row])?.pop())
        })
        .await
    }

    async fn recommendations_by_ids(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<Recommendation>> {
        let ids = ids.to_vec();
        self.run(move |conn| {
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(",");
                let sql = format!(
                    "SELECT {REC_COLUMNS} FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
                     WHERE r.id IN ({marks})"
                );
                let mut stmt = conn.prepare(&sql)?;
                let mut q = stmt.query(params_from_iter(chunk.iter().map(|id| id.0)))?;
                while let Some(r) = q.next()? {
                    rows.push(rec_row(r)?);
                }
            }
            Ok(crate::in_order(&ids, with_children(conn, rows)?))
        })
        .await
    }

    async fn changed_since(
        &self,
        after: Revision,
        limit: u32,
    ) -> Result<Vec<(Revision, Recommendation)>> {
        self.run(move |conn| {
            let sql = format!(
                "SELECT {REC_COLUMNS}, r.revision FROM recommendations r LEFT JOIN documents d ON d.id = r.document_id
                 WHERE (r.revision, r.id) > (?1, ?2) ORDER BY r.revision, r.id LIMIT ?3"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut q = stmt.query(params![after.revision, after.id, limit])?;
            let mut rows = Vec::new();
            let mut revisions = Vec::new();
            while let Some(r) = q.next()? {
                let row = rec_row(r)?;
                revisions.push(Revision { revision: r.get(20)?, id: row.id });
                rows.push(row);
            }
            drop(q);
            drop(stmt);
            Ok(revisions.into_iter().zip(with_children(conn, rows)?).collect())
        })
        .await
    }

    async fn counts(&self, published_only: bool) -> Result<Counts> {
        self.run(move |conn| {
            let p = published_clause(published_only);
            let count = |sql: &str| -> Result<u64> {
                let n: i64 = conn.query_row(&format!("{sql} WHERE TRUE{p}"), [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or_default())
            };
            Ok(Counts {
                recommendations: count("SELECT COUNT(*) FROM recommendations")?,
                states_under_review: count(
                    "SELECT COUNT(DISTINCT state_code) FROM recommendations",
                )?,
                documents: count("SELECT COUNT(DISTINCT document_id) FROM recommendations")?,
                institutions: count("SELECT COUNT(*) FROM institutions")?,
                actions: count("SELECT COUNT(*) FROM actions")?,
                assessments: count("SELECT COUNT(*) FROM assessments")?,
            })
        })
        .await
    }

    async fn reviewed_states(&self, published_only: bool) -> Result<Vec<(StateCode, u64)>> {
        self.run(move |conn| {
            let p = published_clause(published_only);
            let mut stmt = conn.prepare(&format!("SELECT state_code, COUNT(*) FROM recommendations WHERE TRUE{p} GROUP BY state_code ORDER BY state_code"))?;
            let mut q = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = q.next()? {
                let code: String = r.get(0)?;
                let n: i64 = r.get(1)?;
                let code = StateCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.push((code, u64::try_from(n).unwrap_or_default()));
            }
            Ok(out)
        })
        .await
    }

    async fn state_summary(
        &self,
        state: StateCode,
        published_only: bool,
    ) -> Result<Vec<(Option<u8>, String, u64)>> {
        self.run(move |conn| {
            let p = published_clause(published_only);
            let mut stmt = conn.prepare(&format!(
                "SELECT cycle, mechanism, COUNT(*) FROM recommendations WHERE state_code = ?1{p}
                 GROUP BY cycle, mechanism ORDER BY cycle, mechanism"
            ))?;
            let mut q = stmt.query([state.as_str()])?;
            let mut out = Vec::new();
            while let Some(r) = q.next()? {
                let cycle: Option<i64> = r.get(0)?;
                let n: i64 = r.get(2)?;
                out.push((
                    cycle.and_then(|c| u8::try_from(c).ok()),
                    r.get(1)?,
                    u64::try_from(n).unwrap_or_default(),
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn replace_suggestions(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        suggestions: Vec<Suggestion>,
    ) -> Result<usize> {
        let (actor, model_version, ids) =
            (actor.to_string(), model_version.to_string(), ids.to_vec());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stamp = now();
            {
                let mut clear = tx.prepare_cached(
                    "DELETE FROM recommendation_tags WHERE provenance = 'model' AND recommendation_id = ?1",
                )?;
                for id in &ids {
                    clear.execute([id.0])?;
                }
            }
            let mut terms = Terms::load(&tx)?;
            let mut stored = 0;
            {
                let mut add = tx.prepare_cached(
                    "INSERT INTO recommendation_tags (recommendation_id, term_id, provenance, model_version, confidence, created_at, explanation)
                     SELECT ?1, ?2, 'model', ?3, ?4, ?5, ?6
                     WHERE NOT EXISTS (SELECT 1 FROM recommendation_tags
                                       WHERE recommendation_id = ?1 AND term_id = ?2 AND provenance <> 'model')
                       AND NOT EXISTS (SELECT 1 FROM suggestion_decisions
                                       WHERE recommendation_id = ?1 AND term_id = ?2 AND model_version = ?3 AND decision = 'rejected')",
                )?;
                for s in &suggestions {
                    let term = terms.id(&tx, s.taxonomy, &s.code, &s.label)?;
                    let explanation = crate::review::explanation_json(&s.explanation);
                    stored += add.execute(params![s.recommendation_id.0, term, model_version, f64::from(s.confidence), stamp, explanation])?;
                }
            }
            touch(&tx, &ids)?;
            audit(
                &tx,
                &actor,
                "suggest",
                "recommendation_tags",
                None,
                serde_json::json!({"model": model_version, "recommendations": ids.len(), "suggestions": stored}),
            )?;
            tx.commit()?;
            Ok(stored)
        })
        .await
    }

    async fn publish(
        &self,
        actor: &str,
        filter: &RecommendationFilter,
        published: bool,
    ) -> Result<u64> {
        let (actor, filter) = (actor.to_string(), filter.clone());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (where_sql, mut values) = filter_sql(&filter);
            values.push(rusqlite::types::Value::Integer(next_revision(&tx)?));
            values.push(rusqlite::types::Value::Integer(i64::from(published)));
            let sql = format!(
                "UPDATE recommendations SET published = ?{n}, revision = ?{r}
                 WHERE id IN (SELECT r.id FROM recommendations r WHERE {where_sql}) AND published <> ?{n}",
                n = values.len(),
                r = values.len() - 1
            );
            let changed = tx.execute(&sql, params_from_iter(values.iter()))?;
            let (entity, entity_id) = audit_target(&filter);
            audit(&tx, &actor, if published { "publish" } else { "unpublish" }, entity, entity_id, serde_json::json!({"count": changed}))?;
            tx.commit()?;
            Ok(changed as u64)
        })
        .await
    }
}
