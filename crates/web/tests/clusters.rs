//! Clusters and cross-cycle links on the pages and in the API, and people's decisions on
//! them; drafts stay out of what the public sees.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::body;
use common::browser::Browser;
use common::world::{csrf_field, World, PASSWORD};
use rightstrack_core::{
    ClusterKind, Decision, LinkKind, RecommendationId, RecommendationLink, StateCode,
};
use rightstrack_store::NewCluster;

type TestResult = Result<(), common::Error>;

/// A link as a linking run proposes it.
fn proposed(
    from: RecommendationId,
    to: RecommendationId,
    kind: LinkKind,
    score: f32,
) -> RecommendationLink {
    RecommendationLink {
        from,
        to,
        kind,
        score,
        decision: Decision::Proposed,
    }
}

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
                proposed(a, b, LinkKind::Repeats, 0.9),
                proposed(a, draft, LinkKind::Related, 0.5),
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

/// A coordinator splits a cluster, merges it back, takes a member out and decides a link
/// from the pages, as a person would; the API moves members in one call.
#[tokio::test]
async fn people_split_merge_and_decide_on_the_pages() -> TestResult {
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
                title: "Torture".into(),
                members: vec![(a, 1.0), (b, 0.9), (draft, 0.8)],
                shared_terms: Vec::new(),
            }],
        )
        .await?;
    store
        .replace_links("test", svn, vec![proposed(a, b, LinkKind::Repeats, 0.9)])
        .await?;
    let cluster = store
        .clusters(svn)
        .await?
        .first()
        .map(|c| c.id)
        .ok_or("cluster")?;
    let sorted = |mut ids: Vec<RecommendationId>| {
        ids.sort();
        ids
    };
    let members = |id: i64| {
        let store = store.clone();
        async move {
            Ok::<_, common::Error>(
                store
                    .clusters(svn)
                    .await?
                    .into_iter()
                    .find(|c| c.id == id)
                    .map(|mut c| {
                        c.members.sort();
                        c.members
                    })
                    .unwrap_or_default(),
            )
        }
    };

    // The public sees the plan without the forms.
    let plan = format!("/states/SVN/clusters/{cluster}");
    let mut visitor = Browser::new(&world);
    let (_, public, _) = visitor.send("GET", &plan, None).await?;
    assert!(!public.contains("move-form"), "{public}");

    let mut browser = Browser::new(&world);
    browser.sign_in("coordinator", PASSWORD, "").await?;
    let (status, page, _) = browser.send("GET", &plan, None).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("id=\"move-form\"") && page.contains("Rename"),
        "{page}"
    );
    let csrf = csrf_field(&page).ok_or("no CSRF field")?;

    // Split the draft off into a new cluster; the page of the new cluster follows.
    let (status, _, location) = browser
        .send(
            "POST",
            &format!("{plan}/move"),
            Some(&format!(
                "csrf={csrf}&members={}&to=new&title=Places+of+detention",
                draft.0
            )),
        )
        .await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.ok_or("no redirect")?;
    let split: i64 = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or("the new cluster's page")?;
    assert_ne!(split, cluster);
    assert_eq!(members(split).await?, sorted(vec![draft]));
    assert_eq!(members(cluster).await?, sorted(vec![a, b]));

    // Merge the whole new cluster back, from its page's merge form.
    let (_, split_page, _) = browser.send("GET", &location, None).await?;
    assert!(split_page.contains("Places of detention") && split_page.contains("Merge"));
    let (status, _, back) = browser
        .send(
            "POST",
            &format!("/states/SVN/clusters/{split}/move"),
            Some(&format!("csrf={csrf}&whole=1&to={cluster}")),
        )
        .await?;
    assert_eq!((status, back), (StatusCode::SEE_OTHER, Some(plan.clone())));
    assert_eq!(members(cluster).await?, sorted(vec![a, b, draft]));

    // Refusals name the reason and change nothing.
    for (form, reason) in [
        (format!("csrf={csrf}&to=out"), "no recommendations to move"),
        (
            format!("csrf={csrf}&members=999999&to=out"),
            "is not a member",
        ),
        (
            format!("csrf={csrf}&members={}&to=new&title=", a.0),
            "title",
        ),
        (
            format!("csrf={csrf}&members={}&to=elsewhere", a.0),
            "expected a cluster id",
        ),
    ] {
        let (status, page, _) = browser
            .send("POST", &format!("{plan}/move"), Some(&form))
            .await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {page}");
        assert!(page.contains(reason), "{form}: {page}");
    }
    assert_eq!(members(cluster).await?, sorted(vec![a, b, draft]));

    // Take one out, rename, and confirm the link from the recommendation's page.
    browser
        .send(
            "POST",
            &format!("{plan}/move"),
            Some(&format!("csrf={csrf}&members={}&to=out", b.0)),
        )
        .await?;
    assert_eq!(members(cluster).await?, sorted(vec![a, draft]));
    browser
        .send(
            "POST",
            &format!("{plan}/title"),
            Some(&format!("csrf={csrf}&title=Torture+prevention")),
        )
        .await?;
    let (_, renamed, _) = browser.send("GET", &plan, None).await?;
    assert!(renamed.contains("Torture prevention"));
    let (_, detail, _) = browser
        .send("GET", &format!("/recommendations/{}", a.0), None)
        .await?;
    assert!(detail.contains("value=\"confirmed\""), "{detail}");
    let (status, _, location) = browser
        .send(
            "POST",
            "/links/decision",
            Some(&format!(
                "csrf={csrf}&from={}&to={}&back={}&decision=confirmed",
                a.0, b.0, a.0
            )),
        )
        .await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/recommendations/{}#links", a.0)));
    assert_eq!(
        store.links_of(a).await?.first().map(|l| l.decision),
        Some(Decision::Confirmed)
    );
    let (_, detail, _) = browser
        .send("GET", &format!("/recommendations/{}", a.0), None)
        .await?;
    assert!(detail.contains("Undo the decision"), "{detail}");

    // The API moves several members in one call, and refuses two destinations.
    let moved = world
        .send(
            world.request(
                "POST",
                &format!("/api/v1/clusters/{cluster}/move"),
                Some("coordinator"),
                Body::from(
                    serde_json::json!({"recommendation_ids": [a.0, draft.0], "new_title": "Both"})
                        .to_string(),
                ),
                Some("application/json"),
            )?,
        )
        .await?;
    assert_eq!(moved.status(), StatusCode::OK);
    let answer: serde_json::Value = serde_json::from_str(&body(moved).await?)?;
    let both = answer["cluster"].as_i64().ok_or("the receiving cluster")?;
    assert_eq!(members(both).await?, sorted(vec![a, draft]));
    let refused = world
        .send(world.request(
            "POST",
            &format!("/api/v1/clusters/{both}/move"),
            Some("coordinator"),
            Body::from(serde_json::json!({"recommendation_ids": [a.0], "into": cluster, "new_title": "x"}).to_string()),
            Some("application/json"),
        )?)
        .await?;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    Ok(())
}
