//! The app over a fresh SQLite store with two recommendations, and requests to it.
// Each test binary uses only some of these.
#![allow(dead_code)]

pub mod browser;
pub mod world;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use rightstrack_core::{Mechanism, NewRecommendation, Position, Session, StateCode};
use rightstrack_store::testing::TestDb;
use rightstrack_store::ImportBatch;
use rightstrack_web::{router, AppState};
use tower::ServiceExt;

pub type Error = Box<dyn std::error::Error>;

/// The `Authorization` header of a new read-only viewer account's API token.
pub async fn viewer_authorization(db: &TestDb) -> Result<String, Error> {
    use rightstrack_store::accounts::{NewApiToken, NewUser, TokenScope};
    let user = db
        .store
        .create_user(
            "test",
            NewUser {
                username: "viewer".into(),
                display_name: "Viewer".into(),
                password_hash: rightstrack_auth::password::hash("a long passphrase nobody uses")?,
                role: rightstrack_core::Role::Viewer,
                institution_id: None,
            },
        )
        .await?;
    let (plain, hashed) = rightstrack_auth::token::generate_api_token()?;
    db.store
        .create_api_token(
            "test",
            NewApiToken {
                user_id: user,
                name: "tests".into(),
                token_hash: hashed,
                scope: TokenScope::Read,
                expires_at: None,
            },
        )
        .await?;
    Ok(format!("Bearer {plain}"))
}

pub async fn app() -> Result<(axum::Router, TestDb), Error> {
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
    // Published, so that anonymous requests see them; drafts are the auth tests' concern.
    db.store
        .publish(
            "t",
            &rightstrack_store::RecommendationFilter::default(),
            true,
        )
        .await?;
    Ok((router(AppState::new(db.store.clone()).await?), db))
}

/// `GET uri` with these headers: the whole response.
pub async fn request(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> Result<Response, Error> {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Ok(app.clone().oneshot(request.body(Body::empty())?).await?)
}

pub async fn body(response: Response) -> Result<String, Error> {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok(String::from_utf8(bytes.to_vec())?)
}

/// `GET uri`: status and body.
pub async fn get(app: &axum::Router, uri: &str) -> Result<(StatusCode, String), Error> {
    let response = request(app, uri, &[]).await?;
    Ok((response.status(), body(response).await?))
}
