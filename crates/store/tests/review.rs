//! The review of model suggestions, run unchanged on SQLite and on PostgreSQL: listed with
//! their explanation and filters; accepted ones become a person's tags, rejected ones never
//! come back from the same model; every decision is in the audit log.

use rightstrack_core::{
    ActionCategory, Mechanism, NewRecommendation, Provenance, StateCode, Taxonomy,
};
use rightstrack_store::accounts::AuditFilter;
use rightstrack_store::review::{PredictedCategory, SuggestionDecision, SuggestionQuery};
use rightstrack_store::testing::TestDb;
use rightstrack_store::{
    Contribution, ImportBatch, PageRequest, RecommendationFilter, Store, Suggestion,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn query() -> SuggestionQuery {
    SuggestionQuery {
        limit: 50,
        ..Default::default()
    }
}

async fn story(store: &dyn Store) -> TestResult {
    let nor = StateCode::parse("NOR")?;
    let mut r = NewRecommendation::new(
        Mechanism::Upr,
        nor,
        "Abolish the death penalty and protect women against violence",
    );
    r.tags = vec![(Taxonomy::UprIssue, "Justice".into())];
    store
        .import(ImportBatch {
            actor: "test".into(),
            source: "fixture".into(),
            recommendations: vec![r],
            ..Default::default()
        })
        .await?;
    let rec = store
        .recommendations(&RecommendationFilter::default(), PageRequest::default())
        .await?
        .items
        .remove(0);
    let suggest = |code: &str, confidence: f32| Suggestion {
        recommendation_id: rec.id,
        taxonomy: Taxonomy::UprIssue,
        code: code.into(),
        label: code.into(),
        confidence,
        explanation: vec![Contribution {
            term: format!("{code} word"),
            weight: confidence / 2.0,
        }],
    };
    let all = || {
        vec![
            suggest("death-penalty", 0.9),
            suggest("womens-rights", 0.7),
            suggest("torture-and-other-cid-treatment", 0.4),
            suggest("justice", 0.8),
        ]
    };
    let stored = store
        .replace_suggestions("system", "model v1", &[rec.id], all())
        .await?;
    assert_eq!(stored, 3, "justice is imported already");

    let listed = store.pending_suggestions(&query()).await?;
    assert_eq!(listed.total, 3);
    let codes: Vec<&str> = listed.items.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "death-penalty",
            "womens-rights",
            "torture-and-other-cid-treatment"
        ],
        "most confident first"
    );
    let first = &listed.items[0];
    assert_eq!(first.model_version, "model v1");
    assert_eq!(first.state, nor);
    assert!(first.text.starts_with("Abolish"));
    assert_eq!(first.explanation[0].term, "death-penalty word");
    assert!((first.confidence - 0.9).abs() < 1e-6);

    // Filters: label by code or by label, confidence bounds, state, taxonomy.
    let by = |q: SuggestionQuery| async move { store.pending_suggestions(&q).await };
    let label = by(SuggestionQuery {
        label: Some("women's rights".into()),
        ..query()
    })
    .await?;
    assert_eq!(label.total, 1);
    let confident = by(SuggestionQuery {
        min_confidence: Some(0.5),
        max_confidence: Some(0.8),
        ..query()
    })
    .await?;
    assert_eq!(confident.items[0].code, "womens-rights");
    assert_eq!(confident.total, 1);
    let elsewhere = by(SuggestionQuery {
        filter: RecommendationFilter {
            state: Some(StateCode::parse("SVN")?),
            ..Default::default()
        },
        ..query()
    })
    .await?;
    assert_eq!(elsewhere.total, 0);
    let themes = by(SuggestionQuery {
        taxonomy: Some(Taxonomy::UhriTheme),
        ..query()
    })
    .await?;
    assert_eq!(themes.total, 0);

    // Decisions: one accepted, one rejected, one on nothing.
    let decide = |code: &str, accept| SuggestionDecision {
        recommendation_id: rec.id,
        taxonomy: Taxonomy::UprIssue,
        code: code.into(),
        accept,
    };
    let summary = store
        .decide_suggestions(
            "coordinator",
            &[
                decide("death-penalty", true),
                decide("womens-rights", false),
                decide("sexual-orientation-and-gender-identity", true),
            ],
        )
        .await?;
    assert_eq!(
        (summary.accepted, summary.rejected, summary.not_found),
        (1, 1, 1)
    );
    let tags = store.recommendation(rec.id).await?.ok_or("record")?.tags;
    let person: Vec<_> = tags
        .iter()
        .filter(|t| matches!(t.provenance, Provenance::Person { .. }))
        .map(|t| t.code.as_str())
        .collect();
    assert_eq!(person, ["death-penalty"], "accepted: a person's tag");
    assert!(tags
        .iter()
        .filter(|t| t.code == "death-penalty")
        .all(|t| t.provenance.is_ground_truth()));
    assert!(!tags.iter().any(|t| t.code == "womens-rights"));
    assert_eq!(store.pending_suggestions(&query()).await?.total, 1);

    // The same model proposes the same again: neither decision is undone.
    let stored = store
        .replace_suggestions("system", "model v1", &[rec.id], all())
        .await?;
    assert_eq!(stored, 1, "only the undecided suggestion comes back");
    // A new model may propose the rejected tag again.
    let stored = store
        .replace_suggestions("system", "model v2", &[rec.id], all())
        .await?;
    assert_eq!(stored, 2);

    let audit = store
        .audit_log(
            &AuditFilter {
                actor: Some("coordinator".into()),
                entity: Some("recommendation".into()),
                entity_id: Some(rec.id.to_string()),
                ..Default::default()
            },
            10,
            0,
        )
        .await?;
    let mut actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    actions.sort();
    assert_eq!(actions, ["accept_suggestion", "reject_suggestion"]);

    // Predicted action categories: stored with their specificity, replaced by the next run.
    let predicted = PredictedCategory {
        recommendation_id: rec.id,
        category: ActionCategory::try_from(4)?,
        confidence: 0.66,
        specificity: 0.0,
        model_version: String::new(),
        explanation: vec![Contribution {
            term: "abolish".into(),
            weight: 0.4,
        }],
    };
    let stored = store
        .replace_predicted_categories("system", "model v2", &[rec.id], vec![predicted])
        .await?;
    assert_eq!(stored, 1);
    let found = store.predicted_categories(&[rec.id]).await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].category.number(), 4);
    assert!(
        (found[0].specificity - 0.75).abs() < 1e-6,
        "from the category"
    );
    assert_eq!(found[0].model_version, "model v2");
    assert_eq!(found[0].explanation[0].term, "abolish");
    store
        .replace_predicted_categories("system", "model v3", &[rec.id], Vec::new())
        .await?;
    assert!(store.predicted_categories(&[rec.id]).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn review_on_sqlite() -> TestResult {
    let db = TestDb::sqlite().await?;
    story(db.store.as_ref()).await
}

#[tokio::test]
async fn review_on_postgres() -> TestResult {
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let result = story(db.store.as_ref()).await;
    db.close().await?;
    result
}
