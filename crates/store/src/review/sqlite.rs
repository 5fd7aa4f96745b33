//! [`Review`] on SQLite.

use async_trait::async_trait;
use r2d2_sqlite::rusqlite::{self, params, params_from_iter, OptionalExtension};
use rightstrack_core::{RecommendationId, StateCode, Taxonomy};

use super::{
    audit_action, audit_details, category, decision_code, explanation_json, parse_explanation,
    where_clause, DecisionSummary, PendingSuggestion, PredictedCategory, Review,
    SuggestionDecision, SuggestionQuery, COLUMNS, FROM,
};
use crate::filter::Placeholder;
use crate::sqlite::{audit, bound, now, touch, SqliteStore};
use crate::{Page, Result, StoreError};

fn pending(r: &rusqlite::Row<'_>) -> Result<PendingSuggestion> {
    let corrupt = |e: rightstrack_core::ParseError| StoreError::Corrupt(e.to_string());
    Ok(PendingSuggestion {
        recommendation_id: RecommendationId(r.get(0)?),
        state: StateCode::parse(&r.get::<_, String>(1)?).map_err(corrupt)?,
        text: r.get(2)?,
        published: r.get(3)?,
        taxonomy: Taxonomy::parse(&r.get::<_, String>(4)?).map_err(corrupt)?,
        code: r.get(5)?,
        label: r.get(6)?,
        confidence: r.get::<_, Option<f64>>(7)?.unwrap_or_default() as f32,
        model_version: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        explanation: parse_explanation(r.get::<_, Option<String>>(9)?.as_deref()),
    })
}

#[async_trait]
impl Review for SqliteStore {
    async fn replace_predicted_categories(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        predictions: Vec<PredictedCategory>,
    ) -> Result<usize> {
        let (actor, model_version, ids) =
            (actor.to_string(), model_version.to_string(), ids.to_vec());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stamp = now();
            {
                let mut clear =
                    tx.prepare_cached("DELETE FROM predicted_categories WHERE recommendation_id = ?1")?;
                for id in &ids {
                    clear.execute([id.0])?;
                }
                let mut add = tx.prepare_cached(
                    "INSERT OR REPLACE INTO predicted_categories
                     (recommendation_id, category, confidence, specificity, model_version, explanation, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for p in &predictions {
                    add.execute(params![
                        p.recommendation_id.0,
                        p.category.number(),
                        f64::from(p.confidence),
                        f64::from(p.category.specificity()),
                        model_version,
                        explanation_json(&p.explanation),
                        stamp
                    ])?;
                }
            }
            touch(&tx, &ids)?;
            audit(
                &tx,
                &actor,
                "predict_category",
                "predicted_categories",
                None,
                serde_json::json!({"model": model_version, "recommendations": ids.len(), "predictions": predictions.len()}),
            )?;
            tx.commit()?;
            Ok(predictions.len())
        })
        .await
    }

    async fn predicted_categories(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<PredictedCategory>> {
        let ids = ids.to_vec();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT recommendation_id, category, confidence, specificity, model_version, explanation
                 FROM predicted_categories WHERE recommendation_id = ?1",
            )?;
            let mut out = Vec::new();
            for id in &ids {
                let found = stmt
                    .query_row([id.0], |r| {
                        Ok((
                            r.get::<_, i64>(1)?,
                            r.get::<_, f64>(2)?,
                            r.get::<_, f64>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, Option<String>>(5)?,
                        ))
                    })
                    .optional()?;
                if let Some((number, confidence, specificity, model_version, explanation)) = found {
                    out.push(PredictedCategory {
                        recommendation_id: *id,
                        category: category(number)?,
                        confidence: confidence as f32,
                        specificity: specificity as f32,
                        model_version,
                        explanation: parse_explanation(explanation.as_deref()),
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn pending_suggestions(
        &self,
        query: &SuggestionQuery,
    ) -> Result<Page<PendingSuggestion>> {
        let query = query.clone();
        self.run(move |conn| {
            let (where_sql, values) = where_clause(&query, Placeholder::Question);
            let mut values = bound(values);
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM {FROM} WHERE {where_sql}"),
                params_from_iter(values.iter()),
                |r| r.get(0),
            )?;
            values.push(rusqlite::types::Value::Integer(i64::from(query.limit)));
            values.push(rusqlite::types::Value::Integer(
                i64::try_from(query.offset).unwrap_or(i64::MAX),
            ));
            let sql = format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE {where_sql}
                 ORDER BY t.confidence DESC, t.recommendation_id, te.taxonomy, te.code
                 LIMIT ?{} OFFSET ?{}",
                values.len() - 1,
                values.len()
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(values.iter()))?;
            let mut items = Vec::new();
            while let Some(row) = rows.next()? {
                items.push(pending(row)?);
            }
            Ok(Page {
                total: u64::try_from(total).unwrap_or_default(),
                items,
            })
        })
        .await
    }

    async fn decide_suggestions(
        &self,
        actor: &str,
        decisions: &[SuggestionDecision],
    ) -> Result<DecisionSummary> {
        let (actor, decisions) = (actor.to_string(), decisions.to_vec());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stamp = now();
            let mut summary = DecisionSummary::default();
            let mut changed = Vec::new();
            for d in &decisions {
                let found: Option<(i64, Option<String>, Option<f64>)> = tx
                    .query_row(
                        "SELECT t.term_id, t.model_version, t.confidence
                         FROM recommendation_tags t JOIN terms te ON te.id = t.term_id
                         WHERE t.recommendation_id = ?1 AND te.taxonomy = ?2 AND te.code = ?3 AND t.provenance = 'model'",
                        params![d.recommendation_id.0, d.taxonomy.code(), d.code],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let Some((term, model, confidence)) = found else {
                    summary.not_found += 1;
                    continue;
                };
                let model = model.unwrap_or_default();
                tx.execute(
                    "DELETE FROM recommendation_tags WHERE recommendation_id = ?1 AND term_id = ?2 AND provenance = 'model'",
                    params![d.recommendation_id.0, term],
                )?;
                if d.accept {
                    tx.execute(
                        "INSERT OR IGNORE INTO recommendation_tags (recommendation_id, term_id, provenance, set_by, created_at)
                         VALUES (?1, ?2, 'person', ?3, ?4)",
                        params![d.recommendation_id.0, term, actor, stamp],
                    )?;
                    summary.accepted += 1;
                } else {
                    summary.rejected += 1;
                }
                tx.execute(
                    "INSERT OR REPLACE INTO suggestion_decisions
                     (recommendation_id, term_id, model_version, decision, confidence, decided_by, decided_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![d.recommendation_id.0, term, model, decision_code(d.accept), confidence, actor, stamp],
                )?;
                audit(
                    &tx,
                    &actor,
                    audit_action(d.accept),
                    "recommendation",
                    Some(d.recommendation_id.to_string()),
                    audit_details(d, &model, confidence),
                )?;
                changed.push(d.recommendation_id);
            }
            changed.sort();
            changed.dedup();
            touch(&tx, &changed)?;
            tx.commit()?;
            Ok(summary)
        })
        .await
    }
}
