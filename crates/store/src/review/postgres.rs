//! [`Review`] on PostgreSQL.

use async_trait::async_trait;
use rightstrack_core::{RecommendationId, StateCode, Taxonomy};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::{
    audit_action, audit_details, category, decision_code, explanation_json, parse_explanation,
    where_clause, DecisionSummary, PendingSuggestion, PredictedCategory, Review,
    SuggestionDecision, SuggestionQuery, COLUMNS, FROM,
};
use crate::filter::Placeholder;
use crate::postgres::{audit, bound, count, refs, touch, PostgresStore};
use crate::{Page, Result, StoreError};

fn pending(r: &Row) -> Result<PendingSuggestion> {
    let corrupt = |e: rightstrack_core::ParseError| StoreError::Corrupt(e.to_string());
    Ok(PendingSuggestion {
        recommendation_id: RecommendationId(r.try_get(0)?),
        state: StateCode::parse(r.try_get::<_, &str>(1)?).map_err(corrupt)?,
        text: r.try_get(2)?,
        published: r.try_get(3)?,
        taxonomy: Taxonomy::parse(r.try_get::<_, &str>(4)?).map_err(corrupt)?,
        code: r.try_get(5)?,
        label: r.try_get(6)?,
        confidence: r.try_get::<_, Option<f64>>(7)?.unwrap_or_default() as f32,
        model_version: r.try_get::<_, Option<String>>(8)?.unwrap_or_default(),
        explanation: parse_explanation(r.try_get::<_, Option<&str>>(9)?),
    })
}

#[async_trait]
impl Review for PostgresStore {
    async fn replace_predicted_categories(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        predictions: Vec<PredictedCategory>,
    ) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        tx.execute(
            "DELETE FROM predicted_categories WHERE recommendation_id = ANY($1)",
            &[&raw],
        )
        .await?;
        let statement = tx
            .prepare(
                "INSERT INTO predicted_categories
                 (recommendation_id, category, confidence, specificity, model_version, explanation, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, now())
                 ON CONFLICT (recommendation_id) DO UPDATE
                 SET category = EXCLUDED.category, confidence = EXCLUDED.confidence,
                     specificity = EXCLUDED.specificity, model_version = EXCLUDED.model_version,
                     explanation = EXCLUDED.explanation, created_at = EXCLUDED.created_at",
            )
            .await?;
        for p in &predictions {
            tx.execute(
                &statement,
                &[
                    &p.recommendation_id.0,
                    &i16::from(p.category.number()),
                    &f64::from(p.confidence),
                    &f64::from(p.category.specificity()),
                    &model_version,
                    &explanation_json(&p.explanation),
                ],
            )
            .await?;
        }
        touch(&tx, &raw).await?;
        audit(
            &tx,
            actor,
            "predict_category",
            "predicted_categories",
            None,
            serde_json::json!({"model": model_version, "recommendations": ids.len(), "predictions": predictions.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(predictions.len())
    }

    async fn predicted_categories(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<PredictedCategory>> {
        let client = self.client().await?;
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let rows = client
            .query(
                "SELECT recommendation_id, category, confidence, specificity, model_version, explanation
                 FROM predicted_categories WHERE recommendation_id = ANY($1)",
                &[&raw],
            )
            .await?;
        let mut found = rows
            .iter()
            .map(|r| {
                Ok(PredictedCategory {
                    recommendation_id: RecommendationId(r.try_get(0)?),
                    category: category(i64::from(r.try_get::<_, i16>(1)?))?,
                    confidence: r.try_get::<_, f64>(2)? as f32,
                    specificity: r.try_get::<_, f64>(3)? as f32,
                    model_version: r.try_get(4)?,
                    explanation: parse_explanation(r.try_get::<_, Option<&str>>(5)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // In the order asked, as SQLite gives them.
        found.sort_by_key(|p| ids.iter().position(|id| *id == p.recommendation_id));
        Ok(found)
    }

    async fn pending_suggestions(
        &self,
        query: &SuggestionQuery,
    ) -> Result<Page<PendingSuggestion>> {
        let client = self.client().await?;
        let (where_sql, values) = where_clause(query, Placeholder::Dollar);
        let mut params = bound(values);
        let total: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM {FROM} WHERE {where_sql}"),
                &refs(&params),
            )
            .await?
            .try_get(0)?;
        params.push(Box::new(i64::from(query.limit)) as Box<dyn ToSql + Sync + Send>);
        params.push(Box::new(i64::try_from(query.offset).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {where_sql}
             ORDER BY t.confidence DESC, t.recommendation_id, te.taxonomy, te.code
             LIMIT ${} OFFSET ${}",
            params.len() - 1,
            params.len()
        );
        let rows = client.query(&sql, &refs(&params)).await?;
        Ok(Page {
            total: count(total),
            items: rows.iter().map(pending).collect::<Result<_>>()?,
        })
    }

    async fn decide_suggestions(
        &self,
        actor: &str,
        decisions: &[SuggestionDecision],
    ) -> Result<DecisionSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut summary = DecisionSummary::default();
        let mut changed = Vec::new();
        for d in decisions {
            let found = tx
                .query_opt(
                    "SELECT t.term_id, t.model_version, t.confidence
                     FROM recommendation_tags t JOIN terms te ON te.id = t.term_id
                     WHERE t.recommendation_id = $1 AND te.taxonomy = $2 AND te.code = $3 AND t.provenance = 'model'",
                    &[&d.recommendation_id.0, &d.taxonomy.code(), &d.code],
                )
                .await?;
            let Some(row) = found else {
                summary.not_found += 1;
                continue;
            };
            let term: i64 = row.try_get(0)?;
            let model = row.try_get::<_, Option<String>>(1)?.unwrap_or_default();
            let confidence: Option<f64> = row.try_get(2)?;
            tx.execute(
                "DELETE FROM recommendation_tags WHERE recommendation_id = $1 AND term_id = $2 AND provenance = 'model'",
                &[&d.recommendation_id.0, &term],
            )
            .await?;
            if d.accept {
                tx.execute(
                    "INSERT INTO recommendation_tags (recommendation_id, term_id, provenance, set_by, created_at)
                     VALUES ($1, $2, 'person', $3, now()) ON CONFLICT DO NOTHING",
                    &[&d.recommendation_id.0, &term, &actor],
                )
                .await?;
                summary.accepted += 1;
            } else {
                summary.rejected += 1;
            }
            tx.execute(
                "INSERT INTO suggestion_decisions
                 (recommendation_id, term_id, model_version, decision, confidence, decided_by, decided_at)
                 VALUES ($1, $2, $3, $4, $5, $6, now())
                 ON CONFLICT (recommendation_id, term_id, model_version) DO UPDATE
                 SET decision = EXCLUDED.decision, confidence = EXCLUDED.confidence,
                     decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
                &[
                    &d.recommendation_id.0,
                    &term,
                    &model,
                    &decision_code(d.accept),
                    &confidence,
                    &actor,
                ],
            )
            .await?;
            audit(
                &tx,
                actor,
                audit_action(d.accept),
                "recommendation",
                Some(d.recommendation_id.to_string()),
                audit_details(d, &model, confidence),
            )
            .await?;
            changed.push(d.recommendation_id.0);
        }
        changed.sort_unstable();
        changed.dedup();
        touch(&tx, &changed).await?;
        tx.commit().await?;
        Ok(summary)
    }
}
