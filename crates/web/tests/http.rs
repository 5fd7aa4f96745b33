//! The HTTP surface against a real (SQLite) store.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rightstrack_core::{Mechanism, NewRecommendation, Position, Session, StateCode};
use rightstrack_store::testing::TestDb;
use rightstrack_store::ImportBatch;
use rightstrack_web::{router, AppState};
use tower::ServiceExt;

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn app() -> Result<(axum::Router, TestDb), Box<dyn std::error::Error>> {
    let db = TestDb::sqlite().await?;
    let svn = StateCode::parse("SVN")?;
    let mut a = NewRecommendation::new(
        Mechanism::Upr,
        svn,
        "Ratify <script>alert(1)</script> OP-CAT",
    )
    .with_session(Session::new(7)?);
    a.recommending_states = vec![StateCode::parse("FRA")?];
    a.position = Some(Position::Supported);
    let mut b = NewRecommendation::new(Mechanism::Upr, svn, "Abolish the death penalty")
        .with_session(Session::new(20)?);
    b.recommending_states = vec![StateCode::parse("BRA")?];
    b.position = Some(Position::Noted);
    db.store
        .import(ImportBatch {
            actor: "t".into(),
            source: "t".into(),
            recommendations: vec![a, b],
            ..Default::default()
        })
        .await?;
    Ok((router(AppState::new(db.store.clone()).await?), db))
}

async fn get(
    app: &axum::Router,
    uri: &str,
) -> Result<(StatusCode, String), Box<dyn std::error::Error>> {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty())?)
        .await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok((status, String::from_utf8(bytes.to_vec())?))
}

#[tokio::test]
async fn api_lists_filters_and_finds() -> TestResult {
    let (app, _db) = app().await?;
    let (status, body) = get(&app, "/api/v1/recommendations?position=noted").await?;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(v["total"], 1);
    let id = v["items"][0]["id"].as_i64().ok_or("id")?;
    let (status, body) = get(&app, &format!("/api/v1/recommendations/{id}")).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Abolish the death penalty"));
    let (status, _) = get(&app, "/api/v1/recommendations/999999").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/api/v1/recommendations?cycle=banana").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("parameter cycle"), "{body}");
    let (status, _) = get(&app, "/api/v1/recommendations?per_page=100000").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&app, "/healthz").await?;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&app, "/readyz").await?;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(&app, "/api/v1/search?q=ratify&recommending_state=FRA").await?;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(v["total"], 1);
    assert!(v["facets"].as_array().is_some_and(|f| !f.is_empty()));
    Ok(())
}

#[tokio::test]
async fn pages_render_escape_and_filter() -> TestResult {
    let (app, _db) = app().await?;
    let (status, body) = get(&app, "/recommendations?state=SVN&group=GRULAC").await?;
    assert_eq!(status, StatusCode::OK);
    let one = "role=\"status\">1 recommendation\n";
    assert!(body.contains(one), "only Brazil is in GRULAC: {body}");
    let (_, body) = get(&app, "/recommendations?q=death+penalty").await?;
    assert!(body.contains("Abolish the death penalty") && body.contains(one));
    assert!(
        body.contains("Brazil") && body.contains("class=\"n\""),
        "facets with counts"
    );
    let (status, body) = get(&app, "/recommendations/export?format=csv&position=noted").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body.lines().count(),
        2,
        "the header and the one noted recommendation: {body}"
    );
    let (status, _) = get(&app, "/recommendations?colour=red").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = get(&app, "/recommendations").await?;
    assert!(
        body.contains("script") && !body.contains("<script>alert"),
        "text is escaped: {body}"
    );
    let (status, body) = get(&app, "/states/SVN").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Slovenia"));
    let (status, _) = get(&app, "/states/ATLANTIS").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/recommendations?page=0").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("<h1>Bad Request</h1>"));
    let (status, _) = get(&app, "/nowhere").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/states/SVN"));
    Ok(())
}
