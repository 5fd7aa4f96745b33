//! Reading search facts from SQLite, in chunks of ids under its limit on bound parameters.

use r2d2_sqlite::rusqlite::{params_from_iter, Connection};

use super::{sql, FactRows};
use crate::sqlite::parse_timestamp;
use crate::Result;
use rightstrack_core::RecommendationId;

/// Each query names the list up to five times.
const CHUNK: usize = 500;

pub(crate) fn read(conn: &Connection, ids: &[RecommendationId]) -> Result<FactRows> {
    let mut rows = FactRows::default();
    for chunk in ids.chunks(CHUNK) {
        let raw: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        // Numbered placeholders, so that one list bound once serves every `{ids}`.
        let list: Vec<String> = (1..=raw.len()).map(|n| format!("?{n}")).collect();
        let ids = format!("IN ({})", list.join(","));
        let q = |template: &str| template.replace("{ids}", &ids);
        let mut stmt = conn.prepare_cached(&q(sql::REPEATS))?;
        let found = stmt.query_map(params_from_iter(raw.iter()), |r| r.get(0))?;
        rows.repeats.extend(found.collect::<Result<Vec<i64>, _>>()?);
        let mut stmt = conn.prepare_cached(&q(sql::REGRESSED))?;
        let found = stmt.query_map(params_from_iter(raw.iter()), |r| r.get(0))?;
        rows.regressed
            .extend(found.collect::<Result<Vec<i64>, _>>()?);
        let mut stmt = conn.prepare_cached(&q(sql::ACTIVITY))?;
        let mut found = stmt.query(params_from_iter(raw.iter()))?;
        while let Some(r) = found.next()? {
            let at: Option<String> = r.get(1)?;
            rows.activity
                .push((r.get(0)?, at.as_deref().map(parse_timestamp).transpose()?));
        }
    }
    Ok(rows)
}
