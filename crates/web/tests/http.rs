//! The HTTP surface against a real (SQLite) store.

mod common;

use axum::http::StatusCode;
use common::{app, body, get, request, viewer_authorization};

type TestResult = Result<(), common::Error>;

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

#[tokio::test]
async fn lang_parameter_gives_french_and_sets_a_cookie() -> TestResult {
    let (app, _db) = app().await?;
    let response = request(&app, "/recommendations?q=death&lang=fr", &[]).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .ok_or("no cookie")?
        .to_str()?
        .to_string();
    assert!(
        cookie.starts_with("lang=fr;")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    let html = body(response).await?;
    assert!(html.contains("<html lang=\"fr\" dir=\"ltr\">"), "{html}");
    assert!(html.contains(">Recommandations</a>") && html.contains("Aller au contenu"));
    assert!(html.contains("1 recommandation\n"), "French count: {html}");
    assert!(html.contains("Notée"), "vocabulary is translated");
    assert!(html.contains("Abolish the death penalty"), "data is not");
    // The switcher keeps the search and changes only the language.
    assert!(
        html.contains("href=\"/recommendations?q=death&#38;lang=es\""),
        "{html}"
    );

    // The cookie then sticks without the parameter.
    let response = request(&app, "/", &[("cookie", "lang=fr")]).await?;
    assert!(response.headers().get("set-cookie").is_none());
    assert!(body(response)
        .await?
        .contains("Parcourir toutes les recommandations"));
    Ok(())
}

#[tokio::test]
async fn accept_language_gives_spanish_navigation() -> TestResult {
    let (app, _db) = app().await?;
    let response = request(
        &app,
        "/recommendations",
        &[("accept-language", "es-MX,es;q=0.9,en;q=0.5")],
    )
    .await?;
    assert!(
        response.headers().get("set-cookie").is_none(),
        "only ?lang= sets the cookie"
    );
    let vary = response.headers().get("vary").ok_or("no vary")?.to_str()?;
    assert!(vary.contains("accept-language"), "{vary}");
    let html = body(response).await?;
    assert!(html.contains("<html lang=\"es\""));
    assert!(
        html.contains(">Recomendaciones</a>") && html.contains("Buscar en el texto"),
        "{html}"
    );
    // A message Spanish lacks falls back to English, key by key.
    let (_, html) = get(&app, "/states/SVN?lang=es").await?;
    assert!(
        html.contains("Recommendations by cycle and mechanism"),
        "{html}"
    );
    Ok(())
}

#[tokio::test]
async fn arabic_pages_are_right_to_left() -> TestResult {
    let (app, _db) = app().await?;
    let (status, html) = get(&app, "/recommendations?lang=ar").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("التوصيات"));
    Ok(())
}

#[tokio::test]
async fn unknown_languages_fall_back_to_english() -> TestResult {
    let (app, _db) = app().await?;
    let response = request(&app, "/?lang=tlh", &[("accept-language", "de-DE, tlh")]).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("set-cookie").is_none());
    let html = body(response).await?;
    assert!(
        html.contains("<html lang=\"en\" dir=\"ltr\">") && html.contains(">Recommendations</a>")
    );
    // Errors are pages in the language too.
    let (status, html) = get(&app, "/nowhere?lang=fr").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>Page introuvable</h1>"), "{html}");
    Ok(())
}

#[tokio::test]
async fn tracking_facets_and_paragraph_order() -> TestResult {
    let (_, db) = app().await?;
    let page = db
        .store
        .recommendations(&Default::default(), Default::default())
        .await?;
    let id = page.items.first().ok_or("a recommendation")?.id;
    use rightstrack_core::ImplementationStatus::{InProgress, NotStarted};
    db.store.set_status("t", id, InProgress, "begun").await?;
    db.store.set_status("t", id, NotStarted, "stopped").await?;
    // A server started after the writes, as a second process would see them. Signals are
    // for signed-in readers: they come from assessments the public may not see.
    let app = rightstrack_web::router(rightstrack_web::AppState::new(db.store.clone()).await?);
    let authorization = viewer_authorization(&db).await?;
    let signed_in = [("authorization", authorization.as_str())];
    let response = request(
        &app,
        "/api/v1/search?status=not_started&signal=regression&sort=paragraph",
        &signed_in,
    )
    .await?;
    let status = response.status();
    let body = body(response).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(v["total"], 1);
    let signal = v["facets"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["dimension"] == "signal"))
        .ok_or("signal facet")?;
    assert_eq!(signal["values"][0]["value"], "regression");
    assert_eq!(signal["values"][0]["count"], 1);
    let response = request(
        &app,
        "/recommendations?signal=regression&lang=fr",
        &signed_in,
    )
    .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body = common::body(response).await?;
    assert!(
        body.contains("État de mise en œuvre") && body.contains("Régression"),
        "{body}"
    );
    let (status, body) = get(&app, "/api/v1/search?sort=shuffle").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("paragraph"), "{body}");
    Ok(())
}
