//! [`Review`] written once, for both backends.

use async_trait::async_trait;
use rightstrack_core::{RecommendationId, StateCode, Taxonomy};

use super::{
    audit_action, audit_details, category, decision_code, explanation_json, parse_explanation,
    where_clause, DecisionSummary, PendingSuggestion, PredictedCategory, Review,
    SuggestionDecision, SuggestionQuery, COLUMNS, FROM,
};
use crate::filter::Placeholder;
use crate::sql::{args, audit, touch, unit, Database, Param, SqlRow, Tx};
use crate::{Page, Result, StoreError};

fn pending(r: &SqlRow) -> Result<PendingSuggestion> {
    let corrupt = |e: rightstrack_core::ParseError| StoreError::Corrupt(e.to_string());
    Ok(PendingSuggestion {
        recommendation_id: RecommendationId(r.get(0)?),
        state: StateCode::parse(&r.get::<String>(1)?).map_err(corrupt)?,
        text: r.get(2)?,
        published: r.get(3)?,
        taxonomy: Taxonomy::parse(&r.get::<String>(4)?).map_err(corrupt)?,
        code: r.get(5)?,
        label: r.get(6)?,
        confidence: r.get::<Option<f32>>(7)?.unwrap_or_default(),
        model_version: r.get::<Option<String>>(8)?.unwrap_or_default(),
        explanation: parse_explanation(r.get::<Option<String>>(9)?.as_deref()),
    })
}

async fn replace_predicted_categories(
    tx: &mut dyn Tx,
    actor: &str,
    model_version: &str,
    ids: &[RecommendationId],
    predictions: &[PredictedCategory],
) -> Result<usize> {
    let clear = format!(
        "DELETE FROM predicted_categories WHERE recommendation_id {}",
        tx.in_list(1)
    );
    tx.execute(&clear, args![ids]).await?;
    let stamp = Param::now();
    for p in predictions {
        tx.execute(
            "INSERT INTO predicted_categories
             (recommendation_id, category, confidence, specificity, model_version, explanation, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (recommendation_id) DO UPDATE
             SET category = EXCLUDED.category, confidence = EXCLUDED.confidence,
                 specificity = EXCLUDED.specificity, model_version = EXCLUDED.model_version,
                 explanation = EXCLUDED.explanation, created_at = EXCLUDED.created_at",
            args![
                p.recommendation_id,
                p.category.number(),
                p.confidence,
                p.category.specificity(),
                model_version,
                explanation_json(&p.explanation),
                stamp.clone(),
            ],
        )
        .await?;
    }
    touch(tx, ids).await?;
    audit(
        tx,
        actor,
        "predict_category",
        "predicted_categories",
        None,
        serde_json::json!({"model": model_version, "recommendations": ids.len(), "predictions": predictions.len()}),
    )
    .await?;
    Ok(predictions.len())
}

async fn predicted_categories(
    tx: &mut dyn Tx,
    ids: &[RecommendationId],
) -> Result<Vec<PredictedCategory>> {
    let sql = format!(
        "SELECT recommendation_id, category, confidence, specificity, model_version, explanation
         FROM predicted_categories WHERE recommendation_id {}",
        tx.in_list(1)
    );
    let mut found = tx
        .rows(&sql, args![ids])
        .await?
        .iter()
        .map(|r| {
            Ok(PredictedCategory {
                recommendation_id: RecommendationId(r.get(0)?),
                category: category(r.get(1)?)?,
                confidence: r.get(2)?,
                specificity: r.get(3)?,
                model_version: r.get(4)?,
                explanation: parse_explanation(r.get::<Option<String>>(5)?.as_deref()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // In the order asked.
    found.sort_by_key(|p| ids.iter().position(|id| *id == p.recommendation_id));
    Ok(found)
}

async fn pending_suggestions(
    tx: &mut dyn Tx,
    query: &SuggestionQuery,
) -> Result<Page<PendingSuggestion>> {
    let (where_sql, values) = where_clause(query, Placeholder::Dollar);
    let mut params: Vec<Param> = values.into_iter().map(Param::from).collect();
    let total: u64 = tx
        .row(
            &format!("SELECT COUNT(*) FROM {FROM} WHERE {where_sql}"),
            &params,
        )
        .await?
        .get(0)?;
    params.push(Param::from(query.limit as i64));
    params.push(Param::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {where_sql}
         ORDER BY t.confidence DESC, t.recommendation_id, te.taxonomy, te.code
         LIMIT ${} OFFSET ${}",
        params.len() - 1,
        params.len()
    );
    let items = tx
        .rows(&sql, &params)
        .await?
        .iter()
        .map(pending)
        .collect::<Result<_>>()?;
    Ok(Page { total, items })
}

async fn decide_suggestions(
    tx: &mut dyn Tx,
    actor: &str,
    decisions: &[SuggestionDecision],
) -> Result<DecisionSummary> {
    let stamp = Param::now();
    let mut summary = DecisionSummary::default();
    let mut changed = Vec::new();
    for d in decisions {
        let found = tx
            .optional_row(
                "SELECT t.term_id, t.model_version, t.confidence
                 FROM recommendation_tags t JOIN terms te ON te.id = t.term_id
                 WHERE t.recommendation_id = $1 AND te.taxonomy = $2 AND te.code = $3 AND t.provenance = 'model'",
                args![d.recommendation_id, d.taxonomy.code(), &d.code],
            )
            .await?;
        let Some(row) = found else {
            summary.not_found += 1;
            continue;
        };
        let term: i64 = row.get(0)?;
        let model = row.get::<Option<String>>(1)?.unwrap_or_default();
        let confidence: Option<f64> = row.get(2)?;
        tx.execute(
            "DELETE FROM recommendation_tags WHERE recommendation_id = $1 AND term_id = $2 AND provenance = 'model'",
            args![d.recommendation_id, term],
        )
        .await?;
        if d.accept {
            tx.execute(
                "INSERT INTO recommendation_tags (recommendation_id, term_id, provenance, set_by, created_at)
                 VALUES ($1, $2, 'person', $3, $4) ON CONFLICT DO NOTHING",
                args![d.recommendation_id, term, actor, stamp.clone()],
            )
            .await?;
            summary.accepted += 1;
        } else {
            summary.rejected += 1;
        }
        tx.execute(
            "INSERT INTO suggestion_decisions
             (recommendation_id, term_id, model_version, decision, confidence, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (recommendation_id, term_id, model_version) DO UPDATE
             SET decision = EXCLUDED.decision, confidence = EXCLUDED.confidence,
                 decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
            args![
                d.recommendation_id,
                term,
                &model,
                decision_code(d.accept),
                confidence,
                actor,
                stamp.clone(),
            ],
        )
        .await?;
        audit(
            tx,
            actor,
            audit_action(d.accept),
            "recommendation",
            Some(d.recommendation_id.to_string()),
            audit_details(d, &model, confidence),
        )
        .await?;
        changed.push(d.recommendation_id);
    }
    changed.sort();
    changed.dedup();
    touch(tx, &changed).await?;
    Ok(summary)
}

#[async_trait]
impl<D: Database> Review for D {
    async fn replace_predicted_categories(
        &self,
        actor: &str,
        model_version: &str,
        ids: &[RecommendationId],
        predictions: Vec<PredictedCategory>,
    ) -> Result<usize> {
        let (actor, model_version, ids) =
            (actor.to_string(), model_version.to_string(), ids.to_vec());
        self.write(unit!(|tx| replace_predicted_categories(
            tx,
            &actor,
            &model_version,
            &ids,
            &predictions
        )
        .await))
            .await
    }

    async fn predicted_categories(
        &self,
        ids: &[RecommendationId],
    ) -> Result<Vec<PredictedCategory>> {
        let ids = ids.to_vec();
        self.read(unit!(|tx| predicted_categories(tx, &ids).await))
            .await
    }

    async fn pending_suggestions(
        &self,
        query: &SuggestionQuery,
    ) -> Result<Page<PendingSuggestion>> {
        let query = query.clone();
        self.read(unit!(|tx| pending_suggestions(tx, &query).await))
            .await
    }

    async fn decide_suggestions(
        &self,
        actor: &str,
        decisions: &[SuggestionDecision],
    ) -> Result<DecisionSummary> {
        let (actor, decisions) = (actor.to_string(), decisions.to_vec());
        self.write(unit!(|tx| decide_suggestions(tx, &actor, &decisions).await))
            .await
    }
}
