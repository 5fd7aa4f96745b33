//! Clusters and cross-cycle links on the pages and in the API, and people's decisions on
//! them; drafts stay out of what the public sees.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::body;
use common::world::World;
use rightstrack_core::{
    ClusterKind, Decision, LinkKind, RecommendationId, RecommendationLink, StateCode,
};
use rightstrack_store::NewCluster;

type TestResult = Result<(), common::Error>;

#[tokio::test]
async fn clusters_and_links_are_shown_and_decided() -> TestResult {
    let world = World::new().await?;
    let store = world.db.store.clone();
    let svn = StateCode::parse("SVN")?;
    let (a, b, draft) = (
        RecommendationId(world.assigned),
        RecommendationId(world.unassigned),
        RecommendationId(world.draft),
    );
    store
        .replace_clusters(
            "test",
            svn,
            ClusterKind::Thematic,
            vec![NewCluster {
                title: "Torture and the death penalty".into(),
                members: vec![(a, 1.0), (b, 0.9), (draft, 0.8)],
                shared_terms: vec!["protocol".into()],
            }],
        )
        .await?;
    store
        .replace_links(
            "test",
            svn,
            vec![
                RecommendationLink {
                    from: a,
                    to: b,
                    kind: LinkKind::Repeats,
                    score: 0.9,
                    decision: Decision::Proposed,
                },
                RecommendationLink {
                    from: a,
                    to: draft,
                    kind: LinkKind::Related,
                    score: 0.5,
                    decision: Decision::Proposed,
                },
            ],
        )
        .await?;
    let get = |uri: &str, role: Option<&'static str>| {
        world.request("GET", uri, role, Body::empty(), None)
    };

    let page = body(world.send(get("/states/SVN/clusters", None)?).await?).await?;
    assert!(
        page.contains("Torture and the death penalty") && page.contains("2 recommendations"),
        "{page}"
    );
    assert!(!page.contains("DRAFT-ONLY"));
    let signed_in = body(
        world
            .send(get("/states/SVN/clusters", Some("viewer"))?)
            .await?,
    )
    .await?;
    assert!(signed_in.contains("3 recommendations"));

    let detail = body(
        world
            .send(get(&format!("/recommendations/{}", a.0), None)?)
            .await?,
    )
    .await?;
    assert!(
        detail.contains("Repeats") && detail.contains("Abolish the death penalty"),
        "{detail}"
    );
    assert!(!detail.contains("DRAFT-ONLY"));
    let later = body(
        world
            .send(get(&format!("/recommendations/{}", b.0), None)?)
            .await?,
    )
    .await?;
    assert!(later.contains("Repeated by"));

    let links: serde_json::Value = serde_json::from_str(
        &body(
            world
                .send(get(
                    &format!("/api/v1/recommendations/{}/links", a.0),
                    None,
                )?)
                .await?,
        )
        .await?,
    )?;
    assert_eq!(
        links.as_array().map(Vec::len),
        Some(1),
        "the public sees no link to a draft"
    );

    // A coordinator rejects the link and renames the cluster; a viewer cannot.
    let decide = serde_json::json!({"from": a.0, "to": b.0, "decision": "rejected"}).to_string();
    let refused = world
        .send(world.request(
            "POST",
            "/api/v1/links/decision",
            Some("viewer"),
            Body::from(decide.clone()),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let done = world
        .send(world.request(
            "POST",
            "/api/v1/links/decision",
            Some("coordinator"),
            Body::from(decide),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        store
            .links_of(a)
            .await?
            .iter()
            .find(|l| l.to == b)
            .map(|l| l.decision),
        Some(Decision::Rejected)
    );
    let cluster = store
        .clusters(svn)
        .await?
        .first()
        .map(|c| c.id)
        .ok_or("cluster")?;
    let rename = serde_json::json!({"title": "Ratify OP-CAT"}).to_string();
    let renamed = world
        .send(world.request(
            "POST",
            &format!("/api/v1/clusters/{cluster}/title"),
            Some("coordinator"),
            Body::from(rename),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(renamed.status(), StatusCode::NO_CONTENT);
    let bad = world
        .send(world.request(
            "POST",
            "/api/v1/links/decision",
            Some("coordinator"),
            Body::from("{\"from\": 1, \"to\": 2, \"decision\": \"maybe\"}"),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let page = body(world.send(get("/states/SVN/clusters", None)?).await?).await?;
    assert!(page.contains("Ratify OP-CAT"));
    Ok(())
}
