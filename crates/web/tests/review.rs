//! The review queue: a coordinator sees the model's suggestions with the words that drove
//! them, filters them, accepts and rejects them one by one, in bulk, and through the API.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::body;
use common::browser::Browser;
use common::world::{csrf_field, World, PASSWORD};
use rightstrack_core::{ActionCategory, Provenance, RecommendationId, Taxonomy};
use rightstrack_store::review::PredictedCategory;
use rightstrack_store::{Contribution, Suggestion};

type TestResult = Result<(), common::Error>;

async fn suggest(world: &World, model: &str) -> Result<usize, common::Error> {
    let id = RecommendationId(world.assigned);
    let s = |code: &str, confidence: f32, words: &[(&str, f32)]| Suggestion {
        recommendation_id: id,
        taxonomy: Taxonomy::UprIssue,
        code: code.into(),
        label: code.into(),
        confidence,
        explanation: words
            .iter()
            .map(|(term, weight)| Contribution {
                term: term.to_string(),
                weight: *weight,
            })
            .collect(),
    };
    Ok(world
        .db
        .store
        .replace_suggestions(
            "system",
            model,
            &[id],
            vec![
                s(
                    "torture-and-other-cid-treatment",
                    0.92,
                    &[("torture", 0.61), ("optional protocol", 0.2)],
                ),
                s("international-instruments", 0.74, &[("ratify", 0.5)]),
                s("justice", 0.31, &[]),
            ],
        )
        .await?)
}

/// The `value` of the `n`-th checkbox `pick` of a page (1-based).
fn pick(page: &str, n: usize) -> Option<String> {
    let marker = "name=\"pick\" value=\"";
    let mut at = 0;
    for _ in 0..n {
        at += page[at..].find(marker)? + marker.len();
    }
    Some(page[at..].split('"').next()?.replace("&#124;", "|"))
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_coordinator_reviews_suggestions_with_their_words() -> TestResult {
    let world = World::new().await?;
    assert_eq!(suggest(&world, "model a").await?, 3);
    let mut browser = Browser::new(&world);
    browser.sign_in("coordinator", PASSWORD, "").await?;

    let (status, page, _) = browser.send("GET", "/review", None).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("3 suggestions wait for review"), "{page}");
    assert!(page.contains("torture (0.61)"), "the words that drove it");
    assert!(page.contains("Ratify the Optional Protocol"));
    let csrf = csrf_field(&page).ok_or("no CSRF field")?;

    // Filters narrow the queue.
    let (_, filtered, _) = browser
        .send(
            "GET",
            "/review?task=upr_issue&min_confidence=0.5&max_confidence=0.8",
            None,
        )
        .await?;
    assert!(
        filtered.contains("1 suggestion waits for review"),
        "{filtered}"
    );
    assert!(filtered.contains("international-instruments"));
    let (status, _, _) = browser
        .send("GET", "/review?min_confidence=2", None)
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // One accepted by its own button.
    let first = pick(&page, 1).ok_or("no suggestion to pick")?;
    assert!(
        first.ends_with("|upr_issue|torture-and-other-cid-treatment"),
        "{first}"
    );
    let form = format!(
        "csrf={csrf}&back=task%3D&one={}",
        encode(&format!("accept:{first}"))
    );
    let (status, _, location) = browser.send("POST", "/review", Some(&form)).await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.ok_or("no redirect")?;
    assert!(
        location.starts_with("/review?task=&accepted=1&rejected=0"),
        "{location}"
    );
    let (_, page, _) = browser.send("GET", &location, None).await?;
    assert!(page.contains("Recorded: 1 accepted, 0 rejected."));
    assert!(page.contains("2 suggestions wait for review"));

    // The rest rejected in bulk.
    let picks = [
        pick(&page, 1).ok_or("pick 1")?,
        pick(&page, 2).ok_or("pick 2")?,
    ];
    let form = format!(
        "csrf={csrf}&bulk=reject&pick={}&pick={}",
        encode(&picks[0]),
        encode(&picks[1])
    );
    let (status, _, location) = browser.send("POST", "/review", Some(&form)).await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap_or_default().contains("rejected=2"));
    let (_, page, _) = browser.send("GET", "/review", None).await?;
    assert!(page.contains("0 suggestions wait for review"), "{page}");

    let rec = world
        .db
        .store
        .recommendation(RecommendationId(world.assigned))
        .await?
        .ok_or("record")?;
    let person: Vec<(&str, &Provenance)> = rec
        .tags
        .iter()
        .filter(|t| t.taxonomy == Taxonomy::UprIssue)
        .map(|t| (t.code.as_str(), &t.provenance))
        .collect();
    assert_eq!(
        person,
        [(
            "torture-and-other-cid-treatment",
            &Provenance::Person {
                user: "coordinator".into()
            }
        )]
    );
    // The same model again: nothing decided comes back.
    assert_eq!(suggest(&world, "model a").await?, 0);
    // The record's history shows the decisions.
    let (_, detail, _) = browser
        .send("GET", &format!("/recommendations/{}", world.assigned), None)
        .await?;
    assert!(detail.contains("accept_suggestion") && detail.contains("reject_suggestion"));

    // A predicted action category shows on the record's page with its specificity.
    world
        .db
        .store
        .replace_predicted_categories(
            "system",
            "model a",
            &[rec.id],
            vec![PredictedCategory {
                recommendation_id: rec.id,
                category: ActionCategory::try_from(5)?,
                confidence: 0.8,
                specificity: 1.0,
                model_version: String::new(),
                explanation: vec![Contribution {
                    term: "ratify".into(),
                    weight: 0.5,
                }],
            }],
        )
        .await?;
    let (_, detail, _) = browser
        .send("GET", &format!("/recommendations/{}", world.assigned), None)
        .await?;
    assert!(detail.contains("Predicted action category"), "{detail}");
    assert!(detail.contains("Specificity 1.00"));
    assert!(detail.contains("Words that drove it: ratify"));
    assert!(detail.contains("confidence 80 %, model a"));

    // Without a selection, a bulk decision is refused with the reason.
    let form = format!("csrf={csrf}&bulk=accept");
    let (status, page, _) = browser.send("POST", "/review", Some(&form)).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("select at least one"));
    Ok(())
}

#[tokio::test]
async fn the_api_lists_and_decides() -> TestResult {
    let world = World::new().await?;
    suggest(&world, "model b").await?;
    let response = world
        .send(world.request(
            "GET",
            "/api/v1/suggestions?label=justice",
            Some("coordinator"),
            Body::empty(),
            None,
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let listed: serde_json::Value = serde_json::from_str(&body(response).await?)?;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["model_version"], "model b");
    assert_eq!(listed["items"][0]["taxonomy"], "upr_issue");

    let decisions = format!(
        "{{\"decisions\": [{{\"recommendation_id\": {}, \"taxonomy\": \"upr_issue\", \"code\": \"international-instruments\", \"decision\": \"accept\"}},
                          {{\"recommendation_id\": {}, \"taxonomy\": \"upr_issue\", \"code\": \"no-such-label\", \"decision\": \"reject\"}}]}}",
        world.assigned, world.assigned
    );
    let response = world
        .send(world.request(
            "POST",
            "/api/v1/suggestions/decisions",
            Some("coordinator"),
            Body::from(decisions),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let summary: serde_json::Value = serde_json::from_str(&body(response).await?)?;
    assert_eq!(
        summary,
        serde_json::json!({"accepted": 1, "rejected": 0, "not_found": 1})
    );

    let bad = world
        .send(world.request(
            "POST",
            "/api/v1/suggestions/decisions",
            Some("coordinator"),
            Body::from("{\"decisions\": [{\"recommendation_id\": 1, \"taxonomy\": \"colour\", \"code\": \"x\", \"decision\": \"accept\"}]}"),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // Viewers read the registry but do not review.
    let denied = world
        .send(world.request(
            "GET",
            "/api/v1/suggestions",
            Some("viewer"),
            Body::empty(),
            None,
        )?)
        .await?;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    Ok(())
}
